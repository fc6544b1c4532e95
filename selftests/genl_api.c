// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink ABI of kubenf.ko, as <linux/kubenf.h> documents it,
 * over raw netlink sockets (kubenf_nl.h): no libnl and no kubenfctl, so a
 * failure here is the kernel's.
 *
 * Every test runs in a network namespace of its own (the harness forks per
 * test and the fixture unshares CLONE_NEWNET), so it starts from the state of
 * a fresh namespace and leaves nothing behind.
 *
 * A rejected request must:
 *  - fail with the documented errno (-EINVAL for malformed input, -ENOSPC
 *    for limits, -EOPNOTSUPP for unknown flags and commands),
 *  - carry an extack message, naming the offending attribute
 *    (NLMSGERR_ATTR_OFFS) where there is one,
 *  - change nothing: GET_CONFIG returns the same bytes and GENERATION
 *    does not move.
 *
 * Needs root and kubenf.ko loaded (otherwise every test is skipped).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The harness is not written for -Wextra: its timeout handler ignores a
 * parameter, and gcc flags a local that its TEST_F() wrapper keeps across
 * setjmp(). Both are the harness's own code, not ours.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"

#include "kubenf_nl.h"

#define MAX_CIDRS	320
#define NAME_MAX_LEN	(KUBENF_NAME_MAX - 1)	/* without the NUL */

struct cidr {
	uint8_t len;		/* 4 or 16 */
	uint8_t addr[16];
	int prefix;		/* -1: leave PREFIX out */
};

/* A configuration as sent, or as read back from GET_CONFIG. */
struct cfg {
	bool has_flags;
	uint32_t flags;
	int n_node;
	int n_cluster;
	struct cidr node[MAX_CIDRS];
	struct cidr cluster[MAX_CIDRS];
	const char *name;	/* NULL: no NODE_NAME attribute */
	char name_buf[KUBENF_NAME_MAX + 1];
};

struct info {
	char version[128];
	uint64_t generation;
	uint64_t cookie;
	uint8_t hooks;
	bool has_count[KUBENF_COUNT_A_MAX + 1];
	uint32_t count[KUBENF_COUNT_A_MAX + 1];
};

/* What "nothing changed" compares: the GET_CONFIG reply and GENERATION. */
struct snapshot {
	uint64_t generation;
	size_t cfg_len;
	unsigned char cfg[KNL_BUFSZ];
};

static struct knl_msg req, reply;
static struct cfg cfg_in, cfg_out;
static struct snapshot snap_before, snap_after;

/* "10.0.0.0/8", "2001:db8::1" (no prefix: PREFIX left out). */
static struct cidr mk_cidr(const char *spec)
{
	struct cidr c = { .prefix = -1 };
	char buf[INET6_ADDRSTRLEN + 8], *slash;

	snprintf(buf, sizeof(buf), "%s", spec);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		c.prefix = atoi(slash + 1);
	}
	if (inet_pton(AF_INET, buf, c.addr) == 1) {
		c.len = 4;
	} else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
		c.len = 16;
	} else {
		fprintf(stderr, "bad address in test: %s\n", spec);
		abort();
	}
	return c;
}

/* @base with its last two bytes set to @n (for generated lists). */
static struct cidr mk_cidr_nth(const struct cidr *base, unsigned int n)
{
	struct cidr c = *base;

	c.addr[c.len - 2] = n >> 8;
	c.addr[c.len - 1] = n & 0xff;
	return c;
}

FIXTURE(genl) {
	int fd;
	int family;
};

FIXTURE_SETUP(genl)
{
	int ret;

	self->fd = -1;
	if (geteuid())
		SKIP(return, "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)");
	/* A fresh namespace: this test sees no state of any other. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET))
		TH_LOG("unshare(CLONE_NEWNET): %s", strerror(errno));
	self->fd = knl_open();
	ASSERT_LE(0, self->fd) TH_LOG("netlink socket: %s", strerror(-self->fd));
	ret = knl_resolve(self->fd, KUBENF_GENL_NAME);
	if (ret == -ENOENT)
		SKIP(return, "generic netlink family %s not registered (load kubenf.ko)",
		     KUBENF_GENL_NAME);
	ASSERT_LT(0, ret) TH_LOG("CTRL_CMD_GETFAMILY: %s", strerror(-ret));
	self->family = ret;
}

FIXTURE_TEARDOWN(genl)
{
	if (self->fd >= 0)
		close(self->fd);
}

static void msg_init(FIXTURE_DATA(genl) *self, struct knl_msg *m, uint8_t cmd)
{
	knl_init(m, self->family, 0, cmd, KUBENF_GENL_VERSION);
}

static void put_cidr_array(struct knl_msg *m, uint16_t type,
			   const struct cidr *c, int n)
{
	int nest = knl_nest_start(m, type);
	int i;

	for (i = 0; i < n; i++)
		knl_put_cidr(m, i + 1, c[i].addr, c[i].len, c[i].prefix);
	knl_nest_end(m, nest);
}

/* SET_CONFIG request for @c; returns the offset of the CONFIG nest. */
static int build_set_config(FIXTURE_DATA(genl) *self, struct knl_msg *m,
			    const struct cfg *c)
{
	int nest;

	msg_init(self, m, KUBENF_CMD_SET_CONFIG);
	nest = knl_nest_start(m, KUBENF_A_CONFIG);
	if (c->has_flags)
		knl_put_u32(m, KUBENF_CFG_A_FLAGS, c->flags);
	if (c->n_node)
		put_cidr_array(m, KUBENF_CFG_A_NODE_ADDRS, c->node, c->n_node);
	if (c->n_cluster)
		put_cidr_array(m, KUBENF_CFG_A_CLUSTER_CIDRS, c->cluster,
			       c->n_cluster);
	if (c->name)
		knl_put_str(m, KUBENF_CFG_A_NODE_NAME, c->name);
	knl_nest_end(m, nest);
	return nest;
}

static int xfer(FIXTURE_DATA(genl) *self, struct knl_msg *m,
		struct knl_msg *r, struct knl_ack *ack)
{
	if (r)
		r->len = 0;
	return knl_xfer(self->fd, m, r, ack);
}

static int set_config(FIXTURE_DATA(genl) *self, const struct cfg *c,
		      struct knl_ack *ack)
{
	static struct knl_msg m;

	build_set_config(self, &m, c);
	return xfer(self, &m, NULL, ack);
}

/* Parses one reply CIDR element strictly: one address, a PREFIX, no more. */
static int parse_cidr(const struct nlattr *elem, struct cidr *c)
{
	struct nlattr *tb[KUBENF_CIDR_A_MAX + 1];
	const struct nlattr *a;
	int unknown;
	uint8_t p;

	if (knl_parse_nested(tb, KUBENF_CIDR_A_MAX, elem, &unknown) || unknown)
		return -EINVAL;
	if (!!tb[KUBENF_CIDR_A_ADDR4] == !!tb[KUBENF_CIDR_A_ADDR6] ||
	    tb[KUBENF_CIDR_A_EXCEPT])
		return -EINVAL;
	a = tb[KUBENF_CIDR_A_ADDR4] ?: tb[KUBENF_CIDR_A_ADDR6];
	memset(c, 0, sizeof(*c));
	c->len = tb[KUBENF_CIDR_A_ADDR4] ? 4 : 16;
	if (knl_len(a) != c->len || knl_get_u8(tb[KUBENF_CIDR_A_PREFIX], &p))
		return -EINVAL;
	memcpy(c->addr, knl_data(a), c->len);
	c->prefix = p;
	return 0;
}

static int parse_cidr_array(const struct nlattr *array, struct cidr *c,
			    int *n)
{
	struct nlattr *pos;
	int rem;

	*n = 0;
	if (!array)
		return 0;
	knl_for_each_attr(pos, knl_data(array), knl_len(array), rem) {
		if (*n >= MAX_CIDRS || parse_cidr(pos, &c[*n]))
			return -EINVAL;
		/* Elements are numbered from 1 (NLA_NESTED_ARRAY). */
		if (knl_type(pos) != *n + 1)
			return -EINVAL;
		(*n)++;
	}
	return rem ? -EINVAL : 0;
}

/* GET_CONFIG into @c (and the raw reply into @r); 0 or -errno. */
static int get_config(FIXTURE_DATA(genl) *self, struct cfg *c,
		      struct knl_msg *r)
{
	struct nlattr *tb[KUBENF_A_MAX + 1], *ctb[KUBENF_CFG_A_MAX + 1];
	static struct knl_msg m;
	int ret, len, unknown;
	const char *name;
	void *head;

	memset(c, 0, sizeof(*c));
	msg_init(self, &m, KUBENF_CMD_GET_CONFIG);
	ret = xfer(self, &m, r, NULL);
	if (ret)
		return ret;
	if (!r->len || knl_genlh(r)->cmd != KUBENF_CMD_GET_CONFIG)
		return -EPROTO;
	head = knl_payload(r, &len);
	if (knl_parse(tb, KUBENF_A_MAX, head, len, &unknown) || unknown ||
	    !tb[KUBENF_A_CONFIG])
		return -EPROTO;
	if (knl_parse_nested(ctb, KUBENF_CFG_A_MAX, tb[KUBENF_A_CONFIG],
			     &unknown) || unknown)
		return -EPROTO;
	if (ctb[KUBENF_CFG_A_FLAGS]) {
		c->has_flags = true;
		if (knl_get_u32(ctb[KUBENF_CFG_A_FLAGS], &c->flags))
			return -EPROTO;
	}
	if (parse_cidr_array(ctb[KUBENF_CFG_A_NODE_ADDRS], c->node,
			     &c->n_node) ||
	    parse_cidr_array(ctb[KUBENF_CFG_A_CLUSTER_CIDRS], c->cluster,
			     &c->n_cluster))
		return -EPROTO;
	if (ctb[KUBENF_CFG_A_NODE_NAME]) {
		name = knl_get_str(ctb[KUBENF_CFG_A_NODE_NAME]);
		if (!name)
			return -EPROTO;
		snprintf(c->name_buf, sizeof(c->name_buf), "%s", name);
		c->name = c->name_buf;
	}
	return 0;
}

static int get_info(FIXTURE_DATA(genl) *self, struct info *in)
{
	struct nlattr *tb[KUBENF_A_MAX + 1], *ctb[KUBENF_COUNT_A_MAX + 1];
	static struct knl_msg m, r;
	int ret, len, i;
	const char *v;
	void *head;

	memset(in, 0, sizeof(*in));
	msg_init(self, &m, KUBENF_CMD_GET_INFO);
	ret = xfer(self, &m, &r, NULL);
	if (ret)
		return ret;
	if (!r.len || knl_genlh(&r)->cmd != KUBENF_CMD_GET_INFO)
		return -EPROTO;
	head = knl_payload(&r, &len);
	if (knl_parse(tb, KUBENF_A_MAX, head, len, NULL))
		return -EPROTO;
	v = knl_get_str(tb[KUBENF_A_VERSION]);
	if (!v || knl_get_u64(tb[KUBENF_A_GENERATION], &in->generation) ||
	    knl_get_u64(tb[KUBENF_A_COOKIE], &in->cookie) ||
	    knl_get_u8(tb[KUBENF_A_HOOKS], &in->hooks) ||
	    !tb[KUBENF_A_COUNTS])
		return -EPROTO;
	snprintf(in->version, sizeof(in->version), "%s", v);
	if (knl_parse_nested(ctb, KUBENF_COUNT_A_MAX, tb[KUBENF_A_COUNTS], NULL))
		return -EPROTO;
	for (i = 1; i <= KUBENF_COUNT_A_MAX; i++) {
		if (!ctb[i])
			continue;
		if (knl_get_u32(ctb[i], &in->count[i]))
			return -EPROTO;
		in->has_count[i] = true;
	}
	return 0;
}

static int snapshot(FIXTURE_DATA(genl) *self, struct snapshot *s)
{
	static struct knl_msg r;
	struct info in;
	int ret;

	ret = get_info(self, &in);
	if (ret)
		return ret;
	s->generation = in.generation;
	ret = get_config(self, &cfg_out, &r);
	if (ret)
		return ret;
	s->cfg_len = r.len - KNL_HDRLEN;
	memcpy(s->cfg, r.buf + KNL_HDRLEN, s->cfg_len);
	return 0;
}

#define EXPECT_CIDR_EQ(want, got) do {					\
	EXPECT_EQ((want)->len, (got)->len);				\
	EXPECT_EQ(0, memcmp((want)->addr, (got)->addr, (want)->len));	\
	EXPECT_EQ((want)->prefix < 0 ? (want)->len * 8 : (want)->prefix,	\
		  (got)->prefix);					\
} while (0)

static void expect_cfg_eq(struct __test_metadata *_metadata,
			  const struct cfg *want, const struct cfg *got)
{
	int i;

	EXPECT_TRUE(got->has_flags);
	EXPECT_EQ(want->has_flags ? want->flags : 0, got->flags);
	ASSERT_EQ(want->n_node, got->n_node);
	ASSERT_EQ(want->n_cluster, got->n_cluster);
	for (i = 0; i < want->n_node; i++)
		EXPECT_CIDR_EQ(&want->node[i], &got->node[i]);
	for (i = 0; i < want->n_cluster; i++)
		EXPECT_CIDR_EQ(&want->cluster[i], &got->cluster[i]);
	/* An empty name reads back as no name. */
	if (want->name && want->name[0]) {
		ASSERT_NE(NULL, got->name);
		EXPECT_STREQ(want->name, got->name);
	} else {
		EXPECT_EQ(NULL, got->name);
	}
}

/* A configuration that exercises every field, for "nothing changed". */
static void baseline_cfg(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->has_flags = true;
	c->flags = KUBENF_CFG_F_MASQ_EXTERNAL;
	c->node[c->n_node++] = mk_cidr("192.0.2.10");
	c->node[c->n_node++] = mk_cidr("2001:db8::10/128");
	c->cluster[c->n_cluster++] = mk_cidr("10.244.0.0/16");
	c->cluster[c->n_cluster++] = mk_cidr("fd00:10:244::/56");
	c->name = "baseline-node";
}

static void set_baseline(struct __test_metadata *_metadata,
			 FIXTURE_DATA(genl) *self)
{
	struct knl_ack ack;

	baseline_cfg(&cfg_in);
	ASSERT_EQ(0, set_config(self, &cfg_in, &ack))
		TH_LOG("baseline SET_CONFIG: %s (%s)", strerror(-ack.error),
		       ack.msg);
}

#define ANY_OFFS	-1	/* do not check NLMSGERR_ATTR_OFFS */

/*
 * Sends @m on top of the baseline configuration and checks that it fails
 * with @err, with an extack message when @need_msg, naming the attribute at
 * @offs when that is not ANY_OFFS, and that nothing changed.
 */
static void expect_reject(struct __test_metadata *_metadata,
			  FIXTURE_DATA(genl) *self, struct knl_msg *m,
			  int err, bool need_msg, int offs)
{
	static struct knl_msg r;
	struct knl_ack ack;
	int ret;

	ASSERT_EQ(0, snapshot(self, &snap_before));
	ret = xfer(self, m, &r, &ack);
	TH_LOG("kernel: %d (%s) extack \"%s\" offs %d", ret,
	       ret < 0 ? strerrorname_np(-ret) : "ok", ack.msg, ack.offs);
	EXPECT_EQ(-err, ret) {
		TH_LOG("expected -%s, got %s%s", strerrorname_np(err),
		       ret < 0 ? "-" : "",
		       ret < 0 ? strerrorname_np(-ret) : "success");
	}
	EXPECT_EQ(0, ack.n_replies);
	if (need_msg)
		EXPECT_NE('\0', ack.msg[0]) TH_LOG("no extack message");
	if (offs != ANY_OFFS)
		EXPECT_EQ(offs, ack.offs) TH_LOG("extack names another attribute");

	ASSERT_EQ(0, snapshot(self, &snap_after));
	EXPECT_EQ(snap_before.generation, snap_after.generation)
		TH_LOG("a rejected request moved GENERATION");
	EXPECT_EQ(snap_before.cfg_len, snap_after.cfg_len);
	if (snap_before.cfg_len == snap_after.cfg_len)
		EXPECT_EQ(0, memcmp(snap_before.cfg, snap_after.cfg,
				    snap_before.cfg_len))
			TH_LOG("a rejected request changed the configuration");
}

/* A valid SET_CONFIG body to break: opens CONFIG and returns its offset. */
static int start_config(FIXTURE_DATA(genl) *self, struct knl_msg *m)
{
	msg_init(self, m, KUBENF_CMD_SET_CONFIG);
	return knl_nest_start(m, KUBENF_A_CONFIG);
}

/* --- GET_INFO ------------------------------------------------------------ */

TEST_F(genl, get_info_fresh_namespace)
{
	struct info in;
	int i;

	ASSERT_EQ(0, get_info(self, &in));
	TH_LOG("version \"%s\" generation %llu", in.version,
	       (unsigned long long)in.generation);
	EXPECT_NE('\0', in.version[0]);
	EXPECT_EQ(0ULL, in.cookie);
	EXPECT_EQ(0, in.hooks);	/* hooks are registered lazily */
	for (i = KUBENF_COUNT_A_SERVICES; i <= KUBENF_COUNT_A_PODS; i++) {
		EXPECT_TRUE(in.has_count[i]) TH_LOG("count %d missing", i);
		EXPECT_EQ(0U, in.count[i]) TH_LOG("count %d not zero", i);
	}
	/* Limits, when reported, are usable. */
	for (i = KUBENF_COUNT_A_MAX_SERVICES; i <= KUBENF_COUNT_A_MAX; i++) {
		EXPECT_TRUE(in.has_count[i]) TH_LOG("limit %d missing", i);
		EXPECT_LT(0U, in.count[i]);
	}
}

TEST_F(genl, get_info_reads_do_not_bump_generation)
{
	struct info a, b;

	ASSERT_EQ(0, get_info(self, &a));
	ASSERT_EQ(0, get_config(self, &cfg_out, &reply));
	ASSERT_EQ(0, get_info(self, &b));
	EXPECT_EQ(a.generation, b.generation);
}

TEST_F(genl, get_info_with_dump_flag)
{
	struct knl_ack ack;
	int ret;

	/* GET_INFO is a doit: a dump request is not supported. */
	msg_init(self, &req, KUBENF_CMD_GET_INFO);
	knl_nlh(&req)->nlmsg_flags |= NLM_F_DUMP;
	ret = xfer(self, &req, &reply, &ack);
	EXPECT_EQ(-EOPNOTSUPP, ret);
	EXPECT_EQ(0, ack.n_replies);
}

/* --- SET_CONFIG / GET_CONFIG --------------------------------------------- */

TEST_F(genl, get_config_fresh_namespace)
{
	ASSERT_EQ(0, get_config(self, &cfg_out, &reply));
	EXPECT_EQ(0U, cfg_out.flags);
	EXPECT_EQ(0, cfg_out.n_node);
	EXPECT_EQ(0, cfg_out.n_cluster);
	EXPECT_EQ(NULL, cfg_out.name);
}

TEST_F(genl, set_get_roundtrip)
{
	struct info before, after;
	struct knl_ack ack;

	memset(&cfg_in, 0, sizeof(cfg_in));
	cfg_in.has_flags = true;
	cfg_in.flags = KUBENF_CFG_F_NODEPORT_LOOPBACK | KUBENF_CFG_F_POLICY_CUT |
		       KUBENF_CFG_F_MASQ_EXTERNAL;
	cfg_in.node[cfg_in.n_node++] = mk_cidr("192.0.2.1");
	cfg_in.node[cfg_in.n_node++] = mk_cidr("2001:db8::1");
	cfg_in.node[cfg_in.n_node++] = mk_cidr("198.51.100.7/32");
	cfg_in.node[cfg_in.n_node++] = mk_cidr("2001:db8:1::7/128");
	cfg_in.cluster[cfg_in.n_cluster++] = mk_cidr("10.0.0.0/8");
	cfg_in.cluster[cfg_in.n_cluster++] = mk_cidr("fd00::/64");
	cfg_in.cluster[cfg_in.n_cluster++] = mk_cidr("172.16.0.0/12");
	cfg_in.cluster[cfg_in.n_cluster++] = mk_cidr("100.64.0.1");	/* a /32 */
	cfg_in.cluster[cfg_in.n_cluster++] = mk_cidr("0.0.0.0/0");
	cfg_in.cluster[cfg_in.n_cluster++] = mk_cidr("::/0");
	cfg_in.name = "node-1.example";

	ASSERT_EQ(0, get_info(self, &before));
	ASSERT_EQ(0, set_config(self, &cfg_in, &ack))
		TH_LOG("SET_CONFIG: %s (%s)", strerror(-ack.error), ack.msg);
	EXPECT_EQ('\0', ack.msg[0]) TH_LOG("warning on success: %s", ack.msg);
	ASSERT_EQ(0, get_info(self, &after));
	EXPECT_EQ(before.generation + 1, after.generation);

	ASSERT_EQ(0, get_config(self, &cfg_out, &reply));
	expect_cfg_eq(_metadata, &cfg_in, &cfg_out);
}

TEST_F(genl, set_replaces_whole_config)
{
	struct info before, after;

	set_baseline(_metadata, self);
	memset(&cfg_in, 0, sizeof(cfg_in));
	cfg_in.has_flags = true;
	cfg_in.flags = KUBENF_CFG_F_POLICY_CUT;
	ASSERT_EQ(0, get_info(self, &before));
	ASSERT_EQ(0, set_config(self, &cfg_in, NULL));
	ASSERT_EQ(0, get_info(self, &after));
	EXPECT_EQ(before.generation + 1, after.generation);
	ASSERT_EQ(0, get_config(self, &cfg_out, &reply));
	expect_cfg_eq(_metadata, &cfg_in, &cfg_out);
}

TEST_F(genl, set_empty_config_resets)
{
	struct info before, after;

	set_baseline(_metadata, self);
	memset(&cfg_in, 0, sizeof(cfg_in));
	ASSERT_EQ(0, get_info(self, &before));
	ASSERT_EQ(0, set_config(self, &cfg_in, NULL));
	ASSERT_EQ(0, get_info(self, &after));
	EXPECT_EQ(before.generation + 1, after.generation);
	ASSERT_EQ(0, get_config(self, &cfg_out, &reply));
	expect_cfg_eq(_metadata, &cfg_in, &cfg_out);
}

TEST_F(genl, set_same_config_bumps_generation_once_each)
{
	struct info before, after;
	int i;

	baseline_cfg(&cfg_in);
	ASSERT_EQ(0, get_info(self, &before));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, set_config(self, &cfg_in, NULL));
	ASSERT_EQ(0, get_info(self, &after));
	EXPECT_EQ(before.generation + 5, after.generation);
}

TEST_F(genl, node_name_longest)
{
	memset(&cfg_in, 0, sizeof(cfg_in));
	memset(cfg_in.name_buf, 'n', NAME_MAX_LEN);
	cfg_in.name_buf[NAME_MAX_LEN] = '\0';
	cfg_in.name = cfg_in.name_buf;
	ASSERT_EQ(0, set_config(self, &cfg_in, NULL));
	ASSERT_EQ(0, get_config(self, &cfg_out, &reply));
	expect_cfg_eq(_metadata, &cfg_in, &cfg_out);
}

TEST_F(genl, node_name_empty)
{
	memset(&cfg_in, 0, sizeof(cfg_in));
	cfg_in.name = "";
	ASSERT_EQ(0, set_config(self, &cfg_in, NULL));
	ASSERT_EQ(0, get_config(self, &cfg_out, &reply));
	expect_cfg_eq(_metadata, &cfg_in, &cfg_out);
}

/* --- SET_CONFIG and transactions ----------------------------------------- */

/*
 * "Every change is a transaction" and "one open transaction per namespace;
 * others get -EBUSY" (<linux/kubenf.h>): while one socket has a transaction
 * open, a SET_CONFIG from another socket must fail and change nothing.
 */
TEST_F(genl, set_config_busy_during_foreign_txn)
{
	struct knl_ack ack;
	int other, ret;

	set_baseline(_metadata, self);
	other = knl_open();
	ASSERT_LE(0, other);
	msg_init(self, &req, KUBENF_CMD_TXN_BEGIN);
	ret = knl_xfer(other, &req, NULL, &ack);
	if (ret == -EOPNOTSUPP) {
		close(other);
		SKIP(return, "no transactions in this module");
	}
	ASSERT_EQ(0, ret) TH_LOG("TXN_BEGIN: %s (%s)", strerror(-ret), ack.msg);

	baseline_cfg(&cfg_in);
	cfg_in.flags = KUBENF_CFG_F_POLICY_CUT;
	cfg_in.name = "during-foreign-txn";
	build_set_config(self, &req, &cfg_in);
	expect_reject(_metadata, self, &req, EBUSY, true, ANY_OFFS);
	close(other);
}

/*
 * A SET_CONFIG from the socket that owns the open transaction is staged:
 * others see the old configuration until TXN_COMMIT, which bumps
 * GENERATION once; TXN_ABORT drops it.
 */
static void config_in_own_txn(struct __test_metadata *_metadata,
			      FIXTURE_DATA(genl) *self, bool commit)
{
	FIXTURE_DATA(genl) reader = { .family = self->family };
	struct info before, during, after;
	struct knl_ack ack;
	int ret;

	set_baseline(_metadata, self);
	reader.fd = knl_open();
	ASSERT_LE(0, reader.fd);
	ASSERT_EQ(0, snapshot(&reader, &snap_before));
	ASSERT_EQ(0, get_info(&reader, &before));

	msg_init(self, &req, KUBENF_CMD_TXN_BEGIN);
	ret = xfer(self, &req, NULL, &ack);
	if (ret == -EOPNOTSUPP) {
		close(reader.fd);
		SKIP(return, "no transactions in this module");
	}
	ASSERT_EQ(0, ret) TH_LOG("TXN_BEGIN: %s (%s)", strerror(-ret), ack.msg);
	memset(&cfg_in, 0, sizeof(cfg_in));
	cfg_in.has_flags = true;
	cfg_in.flags = KUBENF_CFG_F_NODEPORT_LOOPBACK;
	cfg_in.cluster[cfg_in.n_cluster++] = mk_cidr("192.168.0.0/16");
	cfg_in.name = "staged";
	ASSERT_EQ(0, set_config(self, &cfg_in, &ack)) TH_LOG("%s", ack.msg);

	/* Not visible, and not committed, before the end of the transaction. */
	ASSERT_EQ(0, snapshot(&reader, &snap_after));
	EXPECT_EQ(snap_before.generation, snap_after.generation)
		TH_LOG("SET_CONFIG inside a transaction bumped GENERATION");
	EXPECT_EQ(snap_before.cfg_len, snap_after.cfg_len);
	if (snap_before.cfg_len == snap_after.cfg_len)
		EXPECT_EQ(0, memcmp(snap_before.cfg, snap_after.cfg,
				    snap_before.cfg_len))
			TH_LOG("SET_CONFIG inside a transaction applied at once");
	ASSERT_EQ(0, get_info(&reader, &during));

	msg_init(self, &req, commit ? KUBENF_CMD_TXN_COMMIT :
				      KUBENF_CMD_TXN_ABORT);
	ret = xfer(self, &req, &reply, &ack);
	ASSERT_EQ(0, ret) TH_LOG("TXN_END: %s (%s)", strerror(-ret), ack.msg);
	ASSERT_EQ(0, get_info(&reader, &after));
	ASSERT_EQ(0, get_config(&reader, &cfg_out, &reply));
	if (commit) {
		EXPECT_EQ(before.generation + 1, after.generation);
		expect_cfg_eq(_metadata, &cfg_in, &cfg_out);
	} else {
		EXPECT_EQ(before.generation, after.generation);
		baseline_cfg(&cfg_in);
		expect_cfg_eq(_metadata, &cfg_in, &cfg_out);
	}
	close(reader.fd);
}

TEST_F(genl, set_config_staged_in_own_txn_commit)
{
	config_in_own_txn(_metadata, self, true);
}

TEST_F(genl, set_config_staged_in_own_txn_abort)
{
	config_in_own_txn(_metadata, self, false);
}

/* --- malformed SET_CONFIG: types and lengths ----------------------------- */

TEST_F(genl, flags_as_u8)
{
	int nest, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	bad = knl_put_u8(&req, KUBENF_CFG_A_FLAGS, 0);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, flags_as_u64)
{
	uint64_t v = 0;
	int nest, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	bad = knl_put(&req, KUBENF_CFG_A_FLAGS, &v, sizeof(v));
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, prefix_as_u32)
{
	struct cidr c = mk_cidr("10.0.0.0");
	int nest, arr, elem, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_CLUSTER_CIDRS);
	elem = knl_nest_start(&req, 1);
	knl_put(&req, KUBENF_CIDR_A_ADDR4, c.addr, 4);
	bad = knl_put_u32(&req, KUBENF_CIDR_A_PREFIX, 8);
	knl_nest_end(&req, elem);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, node_name_not_nul_terminated)
{
	int nest, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	bad = knl_put(&req, KUBENF_CFG_A_NODE_NAME, "node", 4);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, node_name_zero_length)
{
	int nest, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	bad = knl_put(&req, KUBENF_CFG_A_NODE_NAME, NULL, 0);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, node_name_too_long)
{
	char name[KUBENF_NAME_MAX + 1];
	int nest, bad;

	/* KUBENF_NAME_MAX characters: one more than fits with the NUL. */
	memset(name, 'n', KUBENF_NAME_MAX);
	name[KUBENF_NAME_MAX] = '\0';
	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	bad = knl_put_str(&req, KUBENF_CFG_A_NODE_NAME, name);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, config_without_nested_flag)
{
	int bad;

	set_baseline(_metadata, self);
	msg_init(self, &req, KUBENF_CMD_SET_CONFIG);
	bad = knl_put(&req, KUBENF_A_CONFIG, NULL, 0);	/* no NLA_F_NESTED */
	knl_put_u32(&req, KUBENF_CFG_A_FLAGS, 0);
	knl_nest_end(&req, bad);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

/* A nested array element too short to hold an attribute header. */
TEST_F(genl, cidr_array_element_truncated)
{
	int nest, arr, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_CLUSTER_CIDRS);
	bad = knl_put(&req, 1 | NLA_F_NESTED, "\0\0", 2);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, ERANGE, true, bad);
}

/* Bytes after the last attribute inside CONFIG. */
TEST_F(genl, config_trailing_bytes)
{
	int nest;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	knl_put_u32(&req, KUBENF_CFG_A_FLAGS, 0);
	knl_nest_end(&req, nest);
	/* Grow the nest by 2 bytes that are not an attribute. */
	knl_attr_at(&req, nest)->nla_len += 2;
	req.len += 4;
	knl_nlh(&req)->nlmsg_len = req.len;
	expect_reject(_metadata, self, &req, EINVAL, true, ANY_OFFS);
}

/* --- malformed SET_CONFIG: attributes that do not belong ----------------- */

TEST_F(genl, unknown_top_level_attr)
{
	int bad;

	set_baseline(_metadata, self);
	baseline_cfg(&cfg_in);
	build_set_config(self, &req, &cfg_in);
	bad = knl_put_u32(&req, KUBENF_A_MAX + 1, 0);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, top_level_attr_type_zero)
{
	int bad;

	set_baseline(_metadata, self);
	baseline_cfg(&cfg_in);
	build_set_config(self, &req, &cfg_in);
	bad = knl_put_u32(&req, KUBENF_A_UNSPEC, 0);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

/* KUBENF_A_SERVICE is a known attribute, but not one of SET_CONFIG. */
TEST_F(genl, service_attr_in_set_config)
{
	int bad;

	set_baseline(_metadata, self);
	baseline_cfg(&cfg_in);
	build_set_config(self, &req, &cfg_in);
	bad = knl_nest_start(&req, KUBENF_A_SERVICE);
	knl_put_u32(&req, KUBENF_SVC_A_ID, 1);
	knl_nest_end(&req, bad);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, generation_attr_in_set_config)
{
	uint64_t gen = 0;
	int bad;

	set_baseline(_metadata, self);
	baseline_cfg(&cfg_in);
	build_set_config(self, &req, &cfg_in);
	bad = knl_put(&req, KUBENF_A_GENERATION, &gen, sizeof(gen));
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, unknown_config_attr)
{
	int nest, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	knl_put_u32(&req, KUBENF_CFG_A_FLAGS, 0);
	bad = knl_put_u32(&req, KUBENF_CFG_A_MAX + 1, 0);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, unknown_cidr_attr)
{
	struct cidr c = mk_cidr("10.0.0.0");
	int nest, arr, elem, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_CLUSTER_CIDRS);
	elem = knl_nest_start(&req, 1);
	knl_put(&req, KUBENF_CIDR_A_ADDR4, c.addr, 4);
	knl_put_u8(&req, KUBENF_CIDR_A_PREFIX, 8);
	bad = knl_put_u32(&req, KUBENF_CIDR_A_MAX + 1, 0);
	knl_nest_end(&req, elem);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

/* EXCEPT exists in the CIDR attribute set, but not for configuration. */
TEST_F(genl, except_in_cluster_cidr)
{
	struct cidr c = mk_cidr("10.0.0.0"), x = mk_cidr("10.1.0.0");
	int nest, arr, elem, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_CLUSTER_CIDRS);
	elem = knl_nest_start(&req, 1);
	knl_put(&req, KUBENF_CIDR_A_ADDR4, c.addr, 4);
	knl_put_u8(&req, KUBENF_CIDR_A_PREFIX, 8);
	bad = knl_nest_start(&req, KUBENF_CIDR_A_EXCEPT);
	knl_put_cidr(&req, 1, x.addr, 4, 16);
	knl_nest_end(&req, bad);
	knl_nest_end(&req, elem);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, missing_config)
{
	set_baseline(_metadata, self);
	msg_init(self, &req, KUBENF_CMD_SET_CONFIG);
	expect_reject(_metadata, self, &req, EINVAL, true, ANY_OFFS);
}

TEST_F(genl, cidr_both_addr4_and_addr6)
{
	struct cidr c4 = mk_cidr("10.0.0.0"), c6 = mk_cidr("fd00::");
	int nest, arr, elem;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_CLUSTER_CIDRS);
	elem = knl_nest_start(&req, 1);
	knl_put(&req, KUBENF_CIDR_A_ADDR4, c4.addr, 4);
	knl_put(&req, KUBENF_CIDR_A_ADDR6, c6.addr, 16);
	knl_put_u8(&req, KUBENF_CIDR_A_PREFIX, 8);
	knl_nest_end(&req, elem);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, elem);
}

TEST_F(genl, cidr_without_address)
{
	int nest, arr, elem;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_NODE_ADDRS);
	elem = knl_nest_start(&req, 1);
	knl_put_u8(&req, KUBENF_CIDR_A_PREFIX, 32);
	knl_nest_end(&req, elem);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, elem);
}

TEST_F(genl, cidr_empty_element)
{
	int nest, arr, elem;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_NODE_ADDRS);
	elem = knl_nest_start(&req, 1);
	knl_nest_end(&req, elem);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EINVAL, true, elem);
}

TEST_F(genl, unknown_flag_bit)
{
	int nest, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	bad = knl_put_u32(&req, KUBENF_CFG_A_FLAGS,
			  KUBENF_CFG_F_POLICY_CUT | (__KUBENF_CFG_F_ALL + 1));
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EOPNOTSUPP, true, bad);
}

TEST_F(genl, unknown_flag_bit_high)
{
	int nest, bad;

	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	bad = knl_put_u32(&req, KUBENF_CFG_A_FLAGS, 1U << 31);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, EOPNOTSUPP, true, bad);
}

/* --- other commands ------------------------------------------------------ */

TEST_F(genl, get_info_with_attr)
{
	uint64_t gen = 0;
	int bad;

	set_baseline(_metadata, self);
	msg_init(self, &req, KUBENF_CMD_GET_INFO);
	bad = knl_put(&req, KUBENF_A_GENERATION, &gen, sizeof(gen));
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, get_info_with_unknown_attr)
{
	int bad;

	set_baseline(_metadata, self);
	msg_init(self, &req, KUBENF_CMD_GET_INFO);
	bad = knl_put_u32(&req, KUBENF_A_MAX + 1, 0);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

TEST_F(genl, get_config_with_attr)
{
	int bad;

	set_baseline(_metadata, self);
	msg_init(self, &req, KUBENF_CMD_GET_CONFIG);
	bad = knl_nest_start(&req, KUBENF_A_CONFIG);
	knl_nest_end(&req, bad);
	expect_reject(_metadata, self, &req, EINVAL, true, bad);
}

/*
 * Commands the module does not implement: the genl core answers
 * -EOPNOTSUPP (without an extack message). KUBENF_CMD_EVENT_DENY is
 * multicast only and never a request.
 */
TEST_F(genl, unknown_commands)
{
	static const int cmds[] = {
		KUBENF_CMD_UNSPEC, KUBENF_CMD_EVENT_DENY, KUBENF_CMD_MAX + 1, 255,
	};
	unsigned int i;

	set_baseline(_metadata, self);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		TH_LOG("command %d", cmds[i]);
		msg_init(self, &req, cmds[i]);
		expect_reject(_metadata, self, &req, EOPNOTSUPP, false, ANY_OFFS);
	}
}

/* --- malformed headers --------------------------------------------------- */

/* nlmsg_len ends inside the last attribute. */
TEST_F(genl, truncated_message)
{
	set_baseline(_metadata, self);
	baseline_cfg(&cfg_in);
	build_set_config(self, &req, &cfg_in);
	knl_nlh(&req)->nlmsg_len -= 4;
	expect_reject(_metadata, self, &req, EINVAL, true, ANY_OFFS);
}

/* nlmsg_len too short for the genl header: rejected by the genl core. */
TEST_F(genl, shorter_than_genl_header)
{
	set_baseline(_metadata, self);
	msg_init(self, &req, KUBENF_CMD_GET_INFO);
	knl_nlh(&req)->nlmsg_len = NLMSG_HDRLEN + 2;
	req.len = NLMSG_ALIGN(NLMSG_HDRLEN + 2);
	expect_reject(_metadata, self, &req, EINVAL, false, ANY_OFFS);
}

TEST_F(genl, reserved_genl_header_field)
{
	set_baseline(_metadata, self);
	baseline_cfg(&cfg_in);
	build_set_config(self, &req, &cfg_in);
	knl_genlh(&req)->reserved = 1;
	expect_reject(_metadata, self, &req, EINVAL, true, ANY_OFFS);
}

TEST_F(genl, reserved_nlmsg_flags)
{
	set_baseline(_metadata, self);
	baseline_cfg(&cfg_in);
	build_set_config(self, &req, &cfg_in);
	knl_nlh(&req)->nlmsg_flags |= NLM_F_CREATE;
	expect_reject(_metadata, self, &req, EINVAL, true, ANY_OFFS);
}

/* --- per address family -------------------------------------------------- */

FIXTURE(genl_af) {
	FIXTURE_DATA(genl) g;
};

FIXTURE_VARIANT(genl_af) {
	const char *addr;	/* a node address */
	const char *net;	/* a network with its prefix */
	const char *host_bits;	/* a prefix with host bits set */
	const char *first;	/* base for generated address lists */
	int bits;
};

FIXTURE_VARIANT_ADD(genl_af, ipv4) {
	.addr		= "192.0.2.1",
	.net		= "10.0.0.0/8",
	.host_bits	= "10.0.0.1/8",
	.first		= "198.18.0.0",
	.bits		= 32,
};

FIXTURE_VARIANT_ADD(genl_af, ipv6) {
	.addr		= "2001:db8::1",
	.net		= "fd00::/8",
	.host_bits	= "fd00::1/8",
	.first		= "2001:db8:ffff::",
	.bits		= 128,
};

FIXTURE_SETUP(genl_af)
{
	genl_setup(_metadata, &self->g, NULL);
}

FIXTURE_TEARDOWN(genl_af)
{
	genl_teardown(_metadata, &self->g, NULL);
}

TEST_F(genl_af, roundtrip)
{
	struct info before, after;

	memset(&cfg_in, 0, sizeof(cfg_in));
	cfg_in.has_flags = true;
	cfg_in.flags = KUBENF_CFG_F_NODEPORT_LOOPBACK;
	cfg_in.node[cfg_in.n_node++] = mk_cidr(variant->addr);
	cfg_in.cluster[cfg_in.n_cluster++] = mk_cidr(variant->net);
	cfg_in.name = variant->addr;
	ASSERT_EQ(0, get_info(&self->g, &before));
	ASSERT_EQ(0, set_config(&self->g, &cfg_in, NULL));
	ASSERT_EQ(0, get_info(&self->g, &after));
	EXPECT_EQ(before.generation + 1, after.generation);
	ASSERT_EQ(0, get_config(&self->g, &cfg_out, &reply));
	expect_cfg_eq(_metadata, &cfg_in, &cfg_out);
}

TEST_F(genl_af, node_addrs_at_limit)
{
	struct cidr base = mk_cidr(variant->first);
	int i;

	memset(&cfg_in, 0, sizeof(cfg_in));
	for (i = 0; i < 256; i++)
		cfg_in.node[cfg_in.n_node++] = mk_cidr_nth(&base, i + 1);
	ASSERT_EQ(0, set_config(&self->g, &cfg_in, NULL));
	ASSERT_EQ(0, get_config(&self->g, &cfg_out, &reply));
	expect_cfg_eq(_metadata, &cfg_in, &cfg_out);
}

TEST_F(genl_af, too_many_node_addrs)
{
	struct cidr base = mk_cidr(variant->first);
	int nest, arr, i;

	set_baseline(_metadata, &self->g);
	memset(&cfg_in, 0, sizeof(cfg_in));
	for (i = 0; i < 257; i++)
		cfg_in.node[cfg_in.n_node++] = mk_cidr_nth(&base, i + 1);
	msg_init(&self->g, &req, KUBENF_CMD_SET_CONFIG);
	nest = knl_nest_start(&req, KUBENF_A_CONFIG);
	arr = req.len;
	put_cidr_array(&req, KUBENF_CFG_A_NODE_ADDRS, cfg_in.node,
		       cfg_in.n_node);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, &self->g, &req, ENOSPC, true, arr);
}

TEST_F(genl_af, prefix_too_long)
{
	struct cidr c = mk_cidr(variant->net);
	int nest, arr, elem, bad;

	set_baseline(_metadata, &self->g);
	nest = start_config(&self->g, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_CLUSTER_CIDRS);
	elem = knl_nest_start(&req, 1);
	knl_put(&req, c.len == 4 ? KUBENF_CIDR_A_ADDR4 : KUBENF_CIDR_A_ADDR6,
		c.addr, c.len);
	bad = knl_put_u8(&req, KUBENF_CIDR_A_PREFIX, variant->bits + 1);
	knl_nest_end(&req, elem);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, &self->g, &req, ERANGE, true, bad);
}

/*
 * <linux/kubenf.h>: values and lengths outside an attribute's range fail
 * with -ERANGE, as the netlink core's policy checks answer
 * (NLA_POLICY_EXACT_LEN, NLA_POLICY_MAX, nested array elements); the
 * module's own prefix check answers the same for IPv4.
 */
static void addr_wrong_len(struct __test_metadata *_metadata,
			   FIXTURE_DATA(genl) *self, const char *addr, int delta)
{
	struct cidr c = mk_cidr(addr);
	unsigned char buf[17] = { 0 };
	int nest, arr, elem, bad;

	memcpy(buf, c.addr, c.len);
	set_baseline(_metadata, self);
	nest = start_config(self, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_NODE_ADDRS);
	elem = knl_nest_start(&req, 1);
	bad = knl_put(&req, c.len == 4 ? KUBENF_CIDR_A_ADDR4 :
		      KUBENF_CIDR_A_ADDR6, buf, c.len + delta);
	knl_nest_end(&req, elem);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, self, &req, ERANGE, true, bad);
}

TEST_F(genl_af, addr_one_byte_short)
{
	addr_wrong_len(_metadata, &self->g, variant->addr, -1);
}

TEST_F(genl_af, addr_one_byte_long)
{
	addr_wrong_len(_metadata, &self->g, variant->addr, 1);
}

TEST_F(genl_af, host_bits_in_cluster_cidr)
{
	struct cidr c = mk_cidr(variant->host_bits);
	int nest, arr, elem;

	set_baseline(_metadata, &self->g);
	nest = start_config(&self->g, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_CLUSTER_CIDRS);
	elem = knl_put_cidr(&req, 1, c.addr, c.len, c.prefix);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, &self->g, &req, EINVAL, true, elem);
}

/* A node address is one address: a shorter prefix is a mistake. */
TEST_F(genl_af, prefix_on_node_addr)
{
	struct cidr c = mk_cidr(variant->net);
	int nest, arr, elem;

	set_baseline(_metadata, &self->g);
	nest = start_config(&self->g, &req);
	arr = knl_nest_start(&req, KUBENF_CFG_A_NODE_ADDRS);
	elem = knl_put_cidr(&req, 1, c.addr, c.len, c.prefix);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, &self->g, &req, EINVAL, true, elem);
}

/* The second element is bad: the first must not be half-applied. */
TEST_F(genl_af, bad_second_element)
{
	struct cidr good = mk_cidr(variant->net), bad = mk_cidr(variant->host_bits);
	int nest, arr, elem;

	set_baseline(_metadata, &self->g);
	nest = start_config(&self->g, &req);
	knl_put_u32(&req, KUBENF_CFG_A_FLAGS, KUBENF_CFG_F_POLICY_CUT);
	arr = knl_nest_start(&req, KUBENF_CFG_A_CLUSTER_CIDRS);
	knl_put_cidr(&req, 1, good.addr, good.len, good.prefix);
	elem = knl_put_cidr(&req, 2, bad.addr, bad.len, bad.prefix);
	knl_nest_end(&req, arr);
	knl_nest_end(&req, nest);
	expect_reject(_metadata, &self->g, &req, EINVAL, true, elem);
}

TEST_HARNESS_MAIN
