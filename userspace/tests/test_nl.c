// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c without a kernel: extack decoding from hand-built NLMSG_ERROR and
 * NLMSG_DONE messages laid out as net/netlink/af_netlink.c builds them, the
 * message builder, and the real "module not loaded" path on this host.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/kubenf.h>
#include <linux/netlink.h>
#include <netlink/msg.h>

#include "nl.h"
#include "tests.h"

struct buf {
	union {
		struct nlmsghdr nlh;
		unsigned char data[512];
	};
	size_t len;
};

static void *put(struct buf *b, const void *data, size_t len)
{
	void *p = b->data + b->len;

	if (data)
		memcpy(p, data, len);
	b->len += NLMSG_ALIGN(len);
	b->nlh.nlmsg_len = b->len;
	return p;
}

static void put_attr(struct buf *b, uint16_t type, const void *data,
		     uint16_t len)
{
	struct nlattr nla = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	put(b, &nla, sizeof(nla));
	put(b, data, len);
	/* The message ends with the attribute, unpadded, like nla_put(). */
	b->nlh.nlmsg_len = b->len - NLA_ALIGN(len) + len;
}

static const char extack[] = "service id 7: backend port is 0";

/* An NLMSG_ERROR for a request of @req_len bytes (header included). */
static struct nlmsgerr *error_msg(struct buf *b, uint16_t flags, int error,
				  uint32_t req_len)
{
	struct nlmsghdr req = {
		.nlmsg_len = req_len,
		.nlmsg_type = 0x20,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.nlmsg_seq = 1234,
	};
	struct nlmsgerr e = { .error = error, .msg = req };

	memset(b, 0, sizeof(*b));
	b->nlh.nlmsg_type = NLMSG_ERROR;
	b->nlh.nlmsg_flags = flags;
	b->nlh.nlmsg_seq = 1234;
	put(b, NULL, NLMSG_HDRLEN);
	return put(b, &e, sizeof(e));
}

static void put_tlvs(struct buf *b)
{
	uint32_t offs = 24;

	/* Other TLVs around the message must not matter. */
	put_attr(b, NLMSGERR_ATTR_OFFS, &offs, sizeof(offs));
	put_attr(b, NLMSGERR_ATTR_MSG, extack, sizeof(extack));
	put_attr(b, NLMSGERR_ATTR_MAX + 1, &offs, sizeof(offs));
}

void test_nl_extack_capped(void)
{
	char msg[KUBENF_NL_EXTACK_MAX];
	struct buf b;
	int error;

	/* NETLINK_CAP_ACK: only the request's header is echoed. */
	error_msg(&b, NLM_F_CAPPED | NLM_F_ACK_TLVS, -EINVAL, 300);
	put_tlvs(&b);
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)), 0);
	CHECK_INT(error, -EINVAL);
	CHECK_STR(msg, extack);

	/* Truncated to the caller's buffer. */
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, 8), 0);
	CHECK_STR(msg, "service");
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, NULL, 0), 0);
	CHECK_INT(error, -EINVAL);
}

void test_nl_extack_uncapped(void)
{
	/* No payload, an odd one, a genlmsghdr with one u32 and a byte. */
	static const size_t lens[] = { 0, 5, GENL_HDRLEN + 8 + 1 };
	char msg[KUBENF_NL_EXTACK_MAX];
	struct buf b;
	size_t i;
	int error;

	/*
	 * The whole request is echoed, padded as a whole: the TLVs start
	 * after NLMSG_ALIGN(nlmsgerr + request payload), whatever its length.
	 */
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		error_msg(&b, NLM_F_ACK_TLVS, -EOPNOTSUPP,
			  NLMSG_HDRLEN + lens[i]);
		b.len -= NLMSG_ALIGN(sizeof(struct nlmsgerr));
		put(&b, NULL, sizeof(struct nlmsgerr) + lens[i]);
		put_tlvs(&b);
		CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg,
						 sizeof(msg)), 0);
		CHECK_INT(error, -EOPNOTSUPP);
		CHECK_STR(msg, extack);
	}

	/* An echo longer than the message: the errno stands, no text. */
	error_msg(&b, NLM_F_ACK_TLVS, -EINVAL, 4000);
	put_tlvs(&b);
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)), 0);
	CHECK_INT(error, -EINVAL);
	CHECK_STR(msg, "");

	/* An echoed header shorter than a header is malformed. */
	error_msg(&b, NLM_F_ACK_TLVS, -EINVAL, 3);
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)),
		  -EBADMSG);
}

void test_nl_extack_none(void)
{
	char msg[KUBENF_NL_EXTACK_MAX];
	struct buf b;
	int error;

	/* TLVs present but not flagged: not ours to read. */
	error_msg(&b, NLM_F_CAPPED, -ENOENT, NLMSG_HDRLEN);
	put_tlvs(&b);
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)), 0);
	CHECK_INT(error, -ENOENT);
	CHECK_STR(msg, "");

	/* A plain ACK. */
	error_msg(&b, NLM_F_CAPPED, 0, NLMSG_HDRLEN);
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)), 0);
	CHECK_INT(error, 0);

	/* Flagged TLVs that are garbage: the errno still stands. */
	error_msg(&b, NLM_F_CAPPED | NLM_F_ACK_TLVS, -EBUSY, NLMSG_HDRLEN);
	put_attr(&b, NLMSGERR_ATTR_MSG, "abc", 3);	/* no NUL */
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)), 0);
	CHECK_INT(error, -EBUSY);
	CHECK_STR(msg, "");

	/* Truncated nlmsgerr, positive errno, wrong type. */
	error_msg(&b, NLM_F_CAPPED, -EINVAL, NLMSG_HDRLEN);
	b.nlh.nlmsg_len = NLMSG_HDRLEN + sizeof(struct nlmsgerr) - 1;
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)),
		  -EBADMSG);
	error_msg(&b, NLM_F_CAPPED, EINVAL, NLMSG_HDRLEN);
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)),
		  -EBADMSG);
	error_msg(&b, NLM_F_CAPPED, -EINVAL, NLMSG_HDRLEN);
	b.nlh.nlmsg_type = 0x20;
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)),
		  -EBADMSG);
}

void test_nl_extack_done(void)
{
	char msg[KUBENF_NL_EXTACK_MAX];
	int32_t status = -ENOSPC;
	struct buf b;
	int error;

	memset(&b, 0, sizeof(b));
	b.nlh.nlmsg_type = NLMSG_DONE;
	b.nlh.nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	put(&b, NULL, NLMSG_HDRLEN);
	put(&b, &status, sizeof(status));
	put_attr(&b, NLMSGERR_ATTR_MSG, extack, sizeof(extack));
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)), 0);
	CHECK_INT(error, -ENOSPC);
	CHECK_STR(msg, extack);

	/* A successful dump's DONE, and an old kernel's empty one. */
	status = 0;
	b.len = NLMSG_HDRLEN;
	b.nlh.nlmsg_flags = NLM_F_MULTI;
	put(&b, &status, sizeof(status));
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)), 0);
	CHECK_INT(error, 0);
	CHECK_STR(msg, "");
	b.nlh.nlmsg_len = NLMSG_HDRLEN;
	CHECK_INT(kubenf_nl_parse_status(&b.nlh, &error, msg, sizeof(msg)), 0);
	CHECK_INT(error, 0);
}

void test_nl_msg_new(void)
{
	const struct genlmsghdr *genl;
	const struct nlmsghdr *nlh;
	struct nl_msg *msg;

	msg = kubenf_nl_msg_new(KUBENF_CMD_SVC_GET, NLM_F_DUMP);
	CHECK(msg);
	if (!msg)
		return;
	nlh = kubenf_nl_msg_hdr(msg);
	CHECK_INT(nlh->nlmsg_len, NLMSG_HDRLEN + GENL_HDRLEN);
	CHECK_INT(nlh->nlmsg_type, 0);	/* filled in when sent */
	CHECK_INT(nlh->nlmsg_flags, NLM_F_DUMP);
	genl = (const void *)((const char *)nlh + NLMSG_HDRLEN);
	CHECK_INT(genl->cmd, KUBENF_CMD_SVC_GET);
	CHECK_INT(genl->version, KUBENF_GENL_VERSION);
	kubenf_nl_msg_free(msg);
}

void test_nl_open_not_loaded(void)
{
	struct kubenf_nl *nl = (void *)1;

	if (!access("/sys/module/kubenf", F_OK)) {
		SKIP("kubenf is loaded");
		return;
	}
	CHECK_INT(kubenf_nl_open(&nl), -ENOENT);
	CHECK(!nl);
	kubenf_nl_close(nl);
}

static const struct kubenf_nla_policy top[KUBENF_A_MAX + 1] = {
	[KUBENF_A_SERVICE]	= { .type = KUBENF_NLA_NESTED },
};

static const struct kubenf_nla_policy svc_policy[KUBENF_SVC_A_MAX + 1] = {
	[KUBENF_SVC_A_ID]	 = { .type = KUBENF_NLA_U32 },
	[KUBENF_SVC_A_NAME]	 = { .type = KUBENF_NLA_STRING,
				     .len = KUBENF_NAME_MAX },
	[KUBENF_SVC_A_CONNS]	 = { .type = KUBENF_NLA_U64 },
	[KUBENF_SVC_A_FRONTENDS] = { .type = KUBENF_NLA_NESTED },
};

static const struct kubenf_nla_policy fe_policy[KUBENF_FE_A_MAX + 1] = {
	[KUBENF_FE_A_KIND]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_FE_A_ADDR4]	= { .type = KUBENF_NLA_BINARY, .len = 4 },
	[KUBENF_FE_A_PORT]	= { .type = KUBENF_NLA_U16 },
};

/* What the builders write, the parser reads back. */
void test_nl_put_parse(void)
{
	const struct nlattr *svc[KUBENF_SVC_A_MAX + 1];
	const struct nlattr *fe[KUBENF_FE_A_MAX + 1];
	static const uint8_t addr[4] = { 10, 96, 0, 1 };
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	struct nlattr *nest, *fes;
	struct nl_msg *msg;
	uint8_t cmd;

	msg = kubenf_nl_msg_new(KUBENF_CMD_SVC_SET, 0);
	CHECK(msg);
	if (!msg)
		return;
	nest = kubenf_nl_nest_start(msg, KUBENF_A_SERVICE);
	CHECK(nest && (nest->nla_type & NLA_F_NESTED));
	CHECK_INT(kubenf_nl_put_u32(msg, KUBENF_SVC_A_ID, 7), 0);
	CHECK_INT(kubenf_nl_put_str(msg, KUBENF_SVC_A_NAME, "default/web"), 0);
	CHECK_INT(kubenf_nl_put_u64(msg, KUBENF_SVC_A_CONNS, 1ULL << 40), 0);
	fes = kubenf_nl_nest_start(msg, KUBENF_SVC_A_FRONTENDS);
	CHECK(fes);
	CHECK_INT(kubenf_nl_put_u8(msg, KUBENF_FE_A_KIND,
				   KUBENF_FE_LOAD_BALANCER), 0);
	CHECK_INT(kubenf_nl_put(msg, KUBENF_FE_A_ADDR4, addr, sizeof(addr)),
		  0);
	CHECK_INT(kubenf_nl_put_u16(msg, KUBENF_FE_A_PORT, 443), 0);
	CHECK_INT(kubenf_nl_nest_end(msg, fes), 0);
	CHECK_INT(kubenf_nl_nest_end(msg, nest), 0);

	CHECK_INT(kubenf_nl_parse_genl(kubenf_nl_msg_hdr(msg), &cmd, tb,
				       KUBENF_A_MAX, top), 0);
	CHECK_INT(cmd, KUBENF_CMD_SVC_SET);
	CHECK(tb[KUBENF_A_SERVICE]);
	if (!tb[KUBENF_A_SERVICE])
		goto cleanup;
	CHECK_INT(kubenf_nl_parse_nested(tb[KUBENF_A_SERVICE], svc,
					 KUBENF_SVC_A_MAX, svc_policy), 0);
	CHECK(svc[KUBENF_SVC_A_ID] &&
	      kubenf_nla_u32(svc[KUBENF_SVC_A_ID]) == 7);
	CHECK(svc[KUBENF_SVC_A_NAME] &&
	      !strcmp(kubenf_nla_str(svc[KUBENF_SVC_A_NAME]), "default/web"));
	CHECK(svc[KUBENF_SVC_A_CONNS] &&
	      kubenf_nla_u64(svc[KUBENF_SVC_A_CONNS]) == 1ULL << 40);
	CHECK(svc[KUBENF_SVC_A_FRONTENDS]);
	if (!svc[KUBENF_SVC_A_FRONTENDS])
		goto cleanup;
	CHECK_INT(kubenf_nl_parse_nested(svc[KUBENF_SVC_A_FRONTENDS], fe,
					 KUBENF_FE_A_MAX, fe_policy), 0);
	CHECK(fe[KUBENF_FE_A_KIND] &&
	      kubenf_nla_u8(fe[KUBENF_FE_A_KIND]) == KUBENF_FE_LOAD_BALANCER);
	CHECK(fe[KUBENF_FE_A_ADDR4] &&
	      !memcmp(kubenf_nla_data(fe[KUBENF_FE_A_ADDR4]), addr, 4));
	CHECK(fe[KUBENF_FE_A_PORT] &&
	      kubenf_nla_u16(fe[KUBENF_FE_A_PORT]) == 443);

cleanup:
	kubenf_nl_msg_free(msg);

	/* A binary of the wrong length is refused by the policy. */
	msg = kubenf_nl_msg_new(KUBENF_CMD_SVC_SET, 0);
	CHECK(msg);
	if (!msg)
		return;
	CHECK_INT(kubenf_nl_put(msg, KUBENF_FE_A_ADDR4, addr, 3), 0);
	CHECK_INT(kubenf_nl_parse_genl(kubenf_nl_msg_hdr(msg), &cmd, fe,
				       KUBENF_FE_A_MAX, fe_policy), -EBADMSG);
	kubenf_nl_msg_free(msg);
}
