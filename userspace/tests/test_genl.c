// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf_nl_request() against a real kernel family: the genl controller
 * ("nlctrl") exists on every host, so the doit, dump, error and extack paths
 * of the transport run for real here, even without kubenf.ko.
 */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "nl.h"
#include "tests.h"

#define CTRL_MAX	CTRL_ATTR_FAMILY_NAME

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	static const struct kubenf_nla_policy policy[CTRL_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID]	= { .type = KUBENF_NLA_U16 },
		[CTRL_ATTR_FAMILY_NAME]	= { .type = KUBENF_NLA_STRING },
	};
	const struct nlattr *tb[CTRL_MAX + 1];
	int *n = arg, err;
	uint8_t cmd;

	err = kubenf_nl_parse_genl(nlh, &cmd, tb, CTRL_MAX, policy);
	if (err)
		return err;
	if (cmd != CTRL_CMD_NEWFAMILY || !tb[CTRL_ATTR_FAMILY_ID] ||
	    !tb[CTRL_ATTR_FAMILY_NAME])
		return -EBADMSG;
	if (!strcmp(kubenf_nla_str(tb[CTRL_ATTR_FAMILY_NAME]), "nlctrl"))
		CHECK_INT(kubenf_nla_u16(tb[CTRL_ATTR_FAMILY_ID]),
			  GENL_ID_CTRL);
	(*n)++;
	return 0;
}

static int fail_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	(void)arg;
	return -ENOTRECOVERABLE;
}

static struct nl_msg *getfamily(const char *name, uint16_t flags)
{
	struct nl_msg *msg;

	msg = kubenf_nl_msg_new(CTRL_CMD_GETFAMILY, flags);
	CHECK(msg);
	if (msg && name)
		CHECK(!nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, name));
	return msg;
}

void test_genl_roundtrip(void)
{
	struct kubenf_nl *nl;
	struct nl_msg *msg;
	int n, i;

	CHECK_INT(kubenf_nl_open_family(&nl, "nlctrl"), 0);
	if (!nl)
		return;

	/* doit: one reply, then the ACK. */
	msg = getfamily("nlctrl", 0);
	n = 0;
	CHECK_INT(kubenf_nl_request(nl, msg, count_cb, &n), 0);
	CHECK_INT(n, 1);
	CHECK(!kubenf_nl_rejected(nl));
	/* The same message again: new sequence number, same answer. */
	n = 0;
	CHECK_INT(kubenf_nl_request(nl, msg, count_cb, &n), 0);
	CHECK_INT(n, 1);
	kubenf_nl_msg_free(msg);

	/* dump: multipart until NLMSG_DONE, twice on the same socket. */
	msg = getfamily(NULL, NLM_F_DUMP);
	for (i = 0; i < 2; i++) {
		n = 0;
		CHECK_INT(kubenf_nl_request(nl, msg, count_cb, &n), 0);
		CHECK(n >= 1);
	}

	/* A parse error is returned after the dump was drained... */
	CHECK_INT(kubenf_nl_request(nl, msg, fail_cb, NULL), -ENOTRECOVERABLE);
	CHECK(!kubenf_nl_rejected(nl));
	/* ...so the socket is still in step. */
	n = 0;
	CHECK_INT(kubenf_nl_request(nl, msg, count_cb, &n), 0);
	CHECK(n >= 1);
	kubenf_nl_msg_free(msg);

	kubenf_nl_close(nl);
}

void test_genl_errors(void)
{
	struct kubenf_nl *nl;
	struct nl_msg *msg;
	int n = 0;

	CHECK_INT(kubenf_nl_open_family(&nl, "nlctrl"), 0);
	if (!nl)
		return;

	/* The kernel's errno, flagged as a rejection (names < GENL_NAMSIZ). */
	msg = getfamily("kubenf-nosuch", 0);
	CHECK_INT(kubenf_nl_request(nl, msg, count_cb, &n), -ENOENT);
	CHECK(kubenf_nl_rejected(nl));
	CHECK_INT(n, 0);
	kubenf_nl_msg_free(msg);

	/* Policy validation fails with an extack message. */
	msg = kubenf_nl_msg_new(CTRL_CMD_GETFAMILY, 0);
	CHECK(msg);
	if (msg) {
		CHECK(!nla_put_u8(msg, CTRL_ATTR_FAMILY_ID, 1));
		CHECK(kubenf_nl_request(nl, msg, count_cb, &n) < 0);
		CHECK(kubenf_nl_rejected(nl));
		CHECK(kubenf_nl_extack(nl)[0] != '\0');
		printf("#   extack from this kernel: \"%s\"\n",
		       kubenf_nl_extack(nl));
		kubenf_nl_msg_free(msg);
	}

	/* An unknown command. */
	msg = kubenf_nl_msg_new(0xfe, 0);
	CHECK_INT(kubenf_nl_request(nl, msg, count_cb, &n), -EOPNOTSUPP);
	CHECK(kubenf_nl_rejected(nl));
	kubenf_nl_msg_free(msg);

	/* And a good request still works: state was reset. */
	msg = getfamily("nlctrl", 0);
	CHECK_INT(kubenf_nl_request(nl, msg, count_cb, &n), 0);
	CHECK(!kubenf_nl_rejected(nl));
	CHECK_STR(kubenf_nl_extack(nl), "");
	CHECK_INT(n, 1);
	kubenf_nl_msg_free(msg);

	kubenf_nl_close(nl);
}
