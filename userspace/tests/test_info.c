// SPDX-License-Identifier: GPL-2.0
/* GET_INFO replies built in memory with libnl (no socket) -> kubenf_info. */
#include <errno.h>

#include <linux/kubenf.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "model.h"
#include "tests.h"

#define FAMILY	0x20	/* any genl id */

static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	CHECK(msg);
	if (msg)
		CHECK(genlmsg_put(msg, 0, 1, FAMILY, 0, 0, cmd,
				  KUBENF_GENL_VERSION));
	return msg;
}

static void put_counts(struct nl_msg *msg, int nest_flags)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, KUBENF_A_COUNTS | nest_flags);
	CHECK(nest);
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_SERVICES, 3));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_FRONTENDS, 5));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_BACKENDS, 9));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_PEERSETS, 2));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_POLICIES, 1));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_PODS, 4));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_MAX_SERVICES, 65536));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_MAX_BACKENDS, 1048576));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_MAX_PODS, 1024));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_MAX_RULES, 262144));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_MAX_PEERSETS, 65536));
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_MAX_POLICIES, 4096));
	CHECK(!nla_nest_end(msg, nest));
}

static void check_counts(const struct kubenf_info *info)
{
	CHECK_INT(info->counts_has, ((1U << (KUBENF_COUNT_A_MAX + 1)) - 1) &
				    ~1U);
	CHECK_INT(info->counts[KUBENF_COUNT_A_SERVICES], 3);
	CHECK_INT(info->counts[KUBENF_COUNT_A_FRONTENDS], 5);
	CHECK_INT(info->counts[KUBENF_COUNT_A_BACKENDS], 9);
	CHECK_INT(info->counts[KUBENF_COUNT_A_PEERSETS], 2);
	CHECK_INT(info->counts[KUBENF_COUNT_A_POLICIES], 1);
	CHECK_INT(info->counts[KUBENF_COUNT_A_PODS], 4);
	CHECK_INT(info->counts[KUBENF_COUNT_A_MAX_SERVICES], 65536);
	CHECK_INT(info->counts[KUBENF_COUNT_A_MAX_BACKENDS], 1048576);
	CHECK_INT(info->counts[KUBENF_COUNT_A_MAX_PODS], 1024);
	CHECK_INT(info->counts[KUBENF_COUNT_A_MAX_RULES], 262144);
	CHECK_INT(info->counts[KUBENF_COUNT_A_MAX_PEERSETS], 65536);
	CHECK_INT(info->counts[KUBENF_COUNT_A_MAX_POLICIES], 4096);
}

void test_info_full(void)
{
	struct kubenf_info info;
	struct nl_msg *msg;

	msg = reply(KUBENF_CMD_GET_INFO);
	if (!msg)
		return;
	CHECK(!nla_put_string(msg, KUBENF_A_VERSION, "0.1.0-test"));
	CHECK(!nla_put_u64(msg, KUBENF_A_GENERATION, 42));
	CHECK(!nla_put_u64(msg, KUBENF_A_COOKIE, 0xfedcba9876543210ULL));
	CHECK(!nla_put_u8(msg, KUBENF_A_HOOKS, 1));
	put_counts(msg, 0);

	CHECK_INT(kubenf_info_parse(nlmsg_hdr(msg), &info), 0);
	CHECK_INT(info.has, KUBENF_INFO_HAS_VERSION |
			    KUBENF_INFO_HAS_GENERATION |
			    KUBENF_INFO_HAS_COOKIE | KUBENF_INFO_HAS_HOOKS |
			    KUBENF_INFO_HAS_COUNTS);
	CHECK_STR(info.version, "0.1.0-test");
	CHECK(info.generation == 42);
	CHECK(info.cookie == 0xfedcba9876543210ULL);
	CHECK(info.hooks);
	check_counts(&info);
	nlmsg_free(msg);
}

/*
 * What the kernel's nla_put_u64_64bit() may send: a KUBENF_A_UNSPEC pad
 * before a u64, NLA_F_NESTED on the nest; plus what a newer module may add.
 */
void test_info_pad_unknown(void)
{
	struct kubenf_info info;
	struct nl_msg *msg;

	msg = reply(KUBENF_CMD_GET_INFO);
	if (!msg)
		return;
	CHECK(!nla_put(msg, KUBENF_A_UNSPEC, 0, NULL));
	CHECK(!nla_put_u64(msg, KUBENF_A_GENERATION, 7));
	CHECK(!nla_put_u32(msg, KUBENF_A_MAX + 1, 0xdead));
	CHECK(!nla_put_string(msg, KUBENF_A_MAX + 2, "from the future"));
	CHECK(!nla_put_u8(msg, KUBENF_A_HOOKS, 0));
	put_counts(msg, NLA_F_NESTED);

	CHECK_INT(kubenf_info_parse(nlmsg_hdr(msg), &info), 0);
	CHECK_INT(info.has, KUBENF_INFO_HAS_GENERATION |
			    KUBENF_INFO_HAS_HOOKS | KUBENF_INFO_HAS_COUNTS);
	CHECK(info.generation == 7);
	CHECK(!info.hooks);
	check_counts(&info);
	nlmsg_free(msg);
}

void test_info_partial(void)
{
	struct kubenf_info info;
	struct nlattr *nest;
	struct nl_msg *msg;

	msg = reply(KUBENF_CMD_GET_INFO);
	if (!msg)
		return;
	CHECK(!nla_put_string(msg, KUBENF_A_VERSION, "v"));
	nest = nla_nest_start(msg, KUBENF_A_COUNTS);
	CHECK(!nla_put_u32(msg, KUBENF_COUNT_A_PODS, 0));
	CHECK(!nla_nest_end(msg, nest));

	CHECK_INT(kubenf_info_parse(nlmsg_hdr(msg), &info), 0);
	CHECK_INT(info.has, KUBENF_INFO_HAS_VERSION | KUBENF_INFO_HAS_COUNTS);
	CHECK_INT(info.counts_has, 1U << KUBENF_COUNT_A_PODS);
	CHECK_INT(info.counts[KUBENF_COUNT_A_PODS], 0);
	nlmsg_free(msg);
}

/* Each case: one bad attribute in an otherwise valid reply. */
void test_info_malformed(void)
{
	static const char long_version[KUBENF_NAME_MAX + 1] = {
		[0 ... KUBENF_NAME_MAX - 1] = 'v',
	};
	struct kubenf_info info;
	struct nlattr *nest;
	struct nl_msg *msg;
	int i;

	for (i = 0; i < 7; i++) {
		/* 0: the reply of another command */
		msg = reply(i ? KUBENF_CMD_GET_INFO : KUBENF_CMD_GET_CONFIG);
		if (!msg)
			return;
		switch (i) {
		case 1:	/* not NUL-terminated */
			CHECK(!nla_put(msg, KUBENF_A_VERSION, 3, "abc"));
			break;
		case 2:	/* longer than KUBENF_NAME_MAX with its NUL */
			CHECK(!nla_put_string(msg, KUBENF_A_VERSION,
					      long_version));
			break;
		case 3:	/* u8 sent as u32: an ABI break */
			CHECK(!nla_put_u32(msg, KUBENF_A_HOOKS, 1));
			break;
		case 4:	/* short u64 */
			CHECK(!nla_put_u32(msg, KUBENF_A_GENERATION, 1));
			break;
		case 5:	/* bad u32 inside the nest */
			nest = nla_nest_start(msg, KUBENF_A_COUNTS);
			CHECK(!nla_put_u16(msg, KUBENF_COUNT_A_PODS, 1));
			CHECK(!nla_nest_end(msg, nest));
			break;
		case 6:	/* attribute length beyond the message */
			CHECK(!nla_put_u8(msg, KUBENF_A_HOOKS, 1));
			nlmsg_hdr(msg)->nlmsg_len -= 4;
			break;
		}
		CHECK_INT(kubenf_info_parse(nlmsg_hdr(msg), &info), -EBADMSG);
		nlmsg_free(msg);
	}

	/* Shorter than a genlmsghdr. */
	msg = nlmsg_alloc_simple(FAMILY, 0);
	CHECK(msg);
	if (msg) {
		CHECK_INT(kubenf_info_parse(nlmsg_hdr(msg), &info), -EBADMSG);
		nlmsg_free(msg);
	}
}
