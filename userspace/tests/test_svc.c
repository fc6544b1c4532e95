// SPDX-License-Identifier: GPL-2.0
/*
 * Services, configuration and stats in netlink attributes, without a
 * kernel: the encoder against the decoder, the encoder against the layout
 * the kernel's policies want, and the decoder against dump messages laid
 * out as kmod/service.c writes them, continuations included.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/kubenf.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "model.h"
#include "nl.h"
#include "tests.h"

#define FAMILY	0x20	/* any genl id */

static void addr(struct kubenf_addr *a, const char *text)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	CHECK(inet_pton(a->family, text, a->bytes) == 1);
}

static void add_fe(struct kubenf_service *svc, uint8_t kind, uint8_t proto,
		   const char *a, uint8_t family, uint16_t port)
{
	struct kubenf_frontend *fe = kubenf_svc_add_fe(svc);

	CHECK(fe);
	fe->kind = kind;
	fe->proto = proto;
	fe->port = port;
	if (a)
		addr(&fe->addr, a);
	else
		fe->addr.family = family;
}

static void add_be(struct kubenf_service *svc, const char *a, uint16_t port,
		   uint32_t flags)
{
	struct kubenf_backend *be = kubenf_svc_add_be(svc);

	CHECK(be);
	addr(&be->addr, a);
	be->port = port;
	be->flags = flags;
	be->has = KUBENF_BE_HAS_FLAGS;
}

/* Every field and kind of value; what tests/test_json.c also reads. */
void test_sample_service(struct kubenf_service *svc)
{
	struct kubenf_cidr *r;

	memset(svc, 0, sizeof(*svc));
	svc->id = 7;
	CHECK_INT(kubenf_svc_set_name(svc, "default/web/http"), 0);
	svc->has |= KUBENF_SVC_HAS_FLAGS | KUBENF_SVC_HAS_AFFINITY;
	svc->flags = KUBENF_SVC_F_EXTERNAL_LOCAL;
	svc->affinity_timeout = 10800;
	add_fe(svc, KUBENF_FE_CLUSTER_IP, IPPROTO_TCP, "10.96.0.10", 0, 80);
	add_fe(svc, KUBENF_FE_CLUSTER_IP, IPPROTO_TCP, "fd00:96::10", 0, 80);
	add_fe(svc, KUBENF_FE_NODE_PORT, IPPROTO_TCP, NULL, AF_INET, 30080);
	add_fe(svc, KUBENF_FE_NODE_PORT, IPPROTO_TCP, NULL, AF_INET6, 30080);
	add_fe(svc, KUBENF_FE_EXTERNAL_IP, IPPROTO_UDP, "192.0.2.7", 0, 53);
	add_fe(svc, KUBENF_FE_LOAD_BALANCER, IPPROTO_SCTP, "203.0.113.9", 0,
	       65535);
	add_be(svc, "10.0.0.2", 8080, KUBENF_BE_F_READY | KUBENF_BE_F_SERVING);
	add_be(svc, "fd00::2", 8080, KUBENF_BE_F_SERVING |
	       KUBENF_BE_F_TERMINATING | KUBENF_BE_F_LOCAL);
	add_be(svc, "10.0.0.3", 1, 0);
	r = kubenf_svc_add_range(svc);
	CHECK(r);
	addr(&r->addr, "198.51.100.0");
	r->prefix = 24;
	r = kubenf_svc_add_range(svc);
	CHECK(r);
	addr(&r->addr, "2001:db8::");
	r->prefix = 32;
}

/* The SERVICE nest of a message built by the encoder. */
static const struct nlattr *service_nest(struct nl_msg *msg, uint8_t cmd)
{
	static const struct kubenf_nla_policy top[KUBENF_A_MAX + 1] = {
		[KUBENF_A_SERVICE] = { .type = KUBENF_NLA_NESTED },
	};
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	uint8_t got;

	CHECK_INT(kubenf_nl_parse_genl(kubenf_nl_msg_hdr(msg), &got, tb,
				       KUBENF_A_MAX, top), 0);
	CHECK_INT(got, cmd);
	CHECK(tb[KUBENF_A_SERVICE] &&
	      (tb[KUBENF_A_SERVICE]->nla_type & NLA_F_NESTED));
	return tb[KUBENF_A_SERVICE];
}

void test_svc_roundtrip(void)
{
	struct kubenf_service in, out = { 0 };
	const struct nlattr *nest;
	struct nl_msg *msg;

	test_sample_service(&in);
	CHECK_INT(kubenf_svc_set_msg(&in, &msg), 0);
	if (!msg)
		goto cleanup;
	nest = service_nest(msg, KUBENF_CMD_SVC_SET);
	if (nest) {
		CHECK_INT(kubenf_svc_parse(nest, &out), 0);
		CHECK(kubenf_svc_equal(&in, &out));
	}
	kubenf_nl_msg_free(msg);
	kubenf_svc_release(&out);

	/* Only what is set: no name, flags, affinity, arrays. */
	kubenf_svc_release(&in);
	in.id = 4294967295U;
	CHECK_INT(kubenf_svc_set_msg(&in, &msg), 0);
	if (!msg)
		goto cleanup;
	nest = service_nest(msg, KUBENF_CMD_SVC_SET);
	CHECK_INT(kubenf_nla_len(nest), NLA_HDRLEN + 4);	/* ID only */
	if (nest) {
		CHECK_INT(kubenf_svc_parse(nest, &out), 0);
		CHECK(kubenf_svc_equal(&in, &out));
	}
	kubenf_nl_msg_free(msg);

	/* DEL: ID only. */
	CHECK_INT(kubenf_svc_del_msg(9, &msg), 0);
	if (msg) {
		nest = service_nest(msg, KUBENF_CMD_SVC_DEL);
		CHECK(nest && kubenf_nla_len(nest) == NLA_HDRLEN + 4);
		kubenf_nl_msg_free(msg);
	}
cleanup:
	kubenf_svc_release(&out);
	kubenf_svc_release(&in);
}

/* Accept any attribute: the tests look at them one by one. */
static const struct kubenf_nla_policy svc_any[KUBENF_SVC_A_MAX + 1];
static const struct kubenf_nla_policy fe_any[KUBENF_FE_A_MAX + 1];

/* What kmod/netlink.c's policies and kmod/service.c's parser require. */
void test_svc_encoding(void)
{
	const struct nlattr *svc[KUBENF_SVC_A_MAX + 1];
	const struct nlattr *fe[KUBENF_FE_A_MAX + 1];
	const struct nlattr *nest, *pos;
	struct kubenf_service in;
	struct nl_msg *msg;
	int rem, n;

	test_sample_service(&in);
	/* Counters are reply-only: the kernel refuses them in requests. */
	in.has |= KUBENF_SVC_HAS_CONNS;
	in.be[0].has |= KUBENF_BE_HAS_CONNS;
	CHECK_INT(kubenf_svc_set_msg(&in, &msg), 0);
	if (!msg)
		goto cleanup;
	nest = service_nest(msg, KUBENF_CMD_SVC_SET);
	CHECK_INT(kubenf_nl_parse_nested(nest, svc, KUBENF_SVC_A_MAX,
					 svc_any), 0);
	CHECK(!svc[KUBENF_SVC_A_CONNS]);
	CHECK(svc[KUBENF_SVC_A_NAME] &&
	      !strcmp(kubenf_nla_str(svc[KUBENF_SVC_A_NAME]),
		      "default/web/http"));
	CHECK(svc[KUBENF_SVC_A_AFFINITY_TIMEOUT] &&
	      kubenf_nla_u32(svc[KUBENF_SVC_A_AFFINITY_TIMEOUT]) == 10800);

	/* Arrays: nested, elements numbered from 1, each nested too. */
	CHECK(svc[KUBENF_SVC_A_FRONTENDS] &&
	      (svc[KUBENF_SVC_A_FRONTENDS]->nla_type & NLA_F_NESTED));
	if (!svc[KUBENF_SVC_A_FRONTENDS])
		goto cleanup;
	n = 0;
	nla_for_each_nested(pos, svc[KUBENF_SVC_A_FRONTENDS], rem) {
		CHECK_INT(pos->nla_type, NLA_F_NESTED | ++n);
		CHECK_INT(kubenf_nl_parse_nested(pos, fe, KUBENF_FE_A_MAX,
						 fe_any), 0);
		CHECK(fe[KUBENF_FE_A_KIND] && fe[KUBENF_FE_A_PROTO] &&
		      kubenf_nla_len(fe[KUBENF_FE_A_PORT]) == 2);
		/* A node port has FAMILY and no address, the others not. */
		if (kubenf_nla_u8(fe[KUBENF_FE_A_KIND]) == KUBENF_FE_NODE_PORT) {
			CHECK(fe[KUBENF_FE_A_FAMILY] && !fe[KUBENF_FE_A_ADDR4] &&
			      !fe[KUBENF_FE_A_ADDR6]);
			CHECK(kubenf_nla_u8(fe[KUBENF_FE_A_FAMILY]) ==
			      (n == 3 ? AF_INET : AF_INET6));
		} else {
			CHECK(!fe[KUBENF_FE_A_FAMILY] &&
			      !fe[KUBENF_FE_A_ADDR4] != !fe[KUBENF_FE_A_ADDR6]);
		}
		/* Host order. */
		if (n == 6)
			CHECK_INT(kubenf_nla_u16(fe[KUBENF_FE_A_PORT]), 65535);
	}
	CHECK_INT(n, 6);
	CHECK_INT(rem, 0);
	n = 0;
	nla_for_each_nested(pos, svc[KUBENF_SVC_A_BACKENDS], rem)
		CHECK_INT(pos->nla_type, NLA_F_NESTED | ++n);
	CHECK_INT(n, 3);
	n = 0;
	nla_for_each_nested(pos, svc[KUBENF_SVC_A_SOURCE_RANGES], rem)
		CHECK_INT(pos->nla_type, NLA_F_NESTED | ++n);
	CHECK_INT(n, 2);
cleanup:
	kubenf_nl_msg_free(msg);
	kubenf_svc_release(&in);
}

/* A nest holds 64 KiB: about 2340 IPv4 backends in one SVC_SET. */
void test_svc_too_big(void)
{
	struct kubenf_service svc = { .id = 1 };
	struct nl_msg *msg = NULL;
	char a[32];
	int i;

	for (i = 0; i < 2400; i++) {
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
		add_be(&svc, a, 80, KUBENF_BE_F_READY);
		if (i == 1999) {
			CHECK_INT(kubenf_svc_set_msg(&svc, &msg), 0);
			CHECK(msg && kubenf_nl_msg_hdr(msg)->nlmsg_len > 50000);
			kubenf_nl_msg_free(msg);
		}
	}
	CHECK_INT(kubenf_svc_set_msg(&svc, &msg), -EMSGSIZE);
	CHECK(!msg);
	kubenf_svc_release(&svc);
}

/* A dump message as kmod/service.c writes it (nla_nest_start: no flag). */
static struct nl_msg *dump_msg(uint32_t id, bool head, int be_first,
			       int be_last)
{
	struct nl_msg *msg = nlmsg_alloc_size(1 << 16);
	struct nlattr *nest, *arr, *elem;
	uint8_t a4[4] = { 10, 0, 0, 0 };
	int i;

	CHECK(msg);
	if (!msg)
		return NULL;
	CHECK(genlmsg_put(msg, 0, 1, FAMILY, 0, NLM_F_MULTI,
			  KUBENF_CMD_SVC_GET, KUBENF_GENL_VERSION));
	nest = nla_nest_start(msg, KUBENF_A_SERVICE);
	CHECK(!nla_put_u32(msg, KUBENF_SVC_A_ID, id));
	if (head) {
		CHECK(!nla_put_string(msg, KUBENF_SVC_A_NAME, "ns/big"));
		CHECK(!nla_put_u32(msg, KUBENF_SVC_A_FLAGS, 0));
		CHECK(!nla_put_u32(msg, KUBENF_SVC_A_AFFINITY_TIMEOUT, 0));
		/* nla_put_u64_64bit() pads with the UNSPEC attribute. */
		CHECK(!nla_put(msg, KUBENF_SVC_A_UNSPEC, 0, NULL));
		CHECK(!nla_put_u64(msg, KUBENF_SVC_A_CONNS, 1000 + id));
		arr = nla_nest_start(msg, KUBENF_SVC_A_FRONTENDS);
		elem = nla_nest_start(msg, 1);
		CHECK(!nla_put_u8(msg, KUBENF_FE_A_KIND, KUBENF_FE_NODE_PORT));
		CHECK(!nla_put_u8(msg, KUBENF_FE_A_PROTO, IPPROTO_TCP));
		CHECK(!nla_put_u16(msg, KUBENF_FE_A_PORT, 30000 + id));
		CHECK(!nla_put_u8(msg, KUBENF_FE_A_FAMILY, AF_INET6));
		nla_nest_end(msg, elem);
		nla_nest_end(msg, arr);
	}
	arr = nla_nest_start(msg, KUBENF_SVC_A_BACKENDS);
	for (i = be_first; i < be_last; i++) {
		/* Numbered by their index in the service, from 1. */
		elem = nla_nest_start(msg, i + 1);
		a4[2] = i / 256;
		a4[3] = i % 256;
		CHECK(!nla_put(msg, KUBENF_BE_A_ADDR4, 4, a4));
		CHECK(!nla_put_u16(msg, KUBENF_BE_A_PORT, 80));
		CHECK(!nla_put_u32(msg, KUBENF_BE_A_FLAGS, KUBENF_BE_F_READY));
		CHECK(!nla_put(msg, KUBENF_BE_A_UNSPEC, 0, NULL));
		CHECK(!nla_put_u64(msg, KUBENF_BE_A_CONNS, i));
		nla_nest_end(msg, elem);
	}
	nla_nest_end(msg, arr);
	nla_nest_end(msg, nest);
	return msg;
}

static int feed(struct kubenf_svc_list *list, uint32_t id, bool head,
		int be_first, int be_last)
{
	struct nl_msg *msg = dump_msg(id, head, be_first, be_last);
	int err;

	if (!msg)
		return -ENOMEM;
	err = kubenf_svc_dump_parse(nlmsg_hdr(msg), list);
	nlmsg_free(msg);
	return err;
}

void test_svc_dump_merge(void)
{
	struct kubenf_svc_list list = { 0 };
	const struct kubenf_service *s;
	int i;

	/* 3 in two messages, 1 in one, 2000 in three; 2 without any. */
	CHECK_INT(feed(&list, 3, true, 0, 700), 0);
	CHECK_INT(feed(&list, 3, false, 700, 701), 0);
	CHECK_INT(feed(&list, 1, true, 0, 1), 0);
	CHECK_INT(feed(&list, 9, true, 0, 700), 0);
	CHECK_INT(feed(&list, 9, false, 700, 1400), 0);
	CHECK_INT(feed(&list, 9, false, 1400, 2000), 0);
	CHECK_INT(feed(&list, 2, true, 0, 0), 0);
	CHECK_INT(kubenf_svc_list_finish(&list), 0);

	CHECK_INT(list.n, 4);
	if (list.n != 4)
		goto cleanup;
	/* In id order. */
	CHECK_INT(list.svc[0].id, 1);
	CHECK_INT(list.svc[1].id, 2);
	CHECK_INT(list.svc[2].id, 3);
	CHECK_INT(list.svc[3].id, 9);
	CHECK_INT(list.svc[0].n_be, 1);
	CHECK_INT(list.svc[1].n_be, 0);
	CHECK_INT(list.svc[2].n_be, 701);
	s = &list.svc[3];
	CHECK_INT(s->n_be, 2000);
	CHECK_INT(s->n_fe, 1);
	CHECK_STR(s->name, "ns/big");
	CHECK(s->has & KUBENF_SVC_HAS_CONNS);
	CHECK(s->conns == 1009);
	CHECK_INT(s->fe[0].port, 30009);
	CHECK_INT(s->fe[0].addr.family, AF_INET6);
	/* Every backend once, in order, with its counter. */
	for (i = 0; i < 2000; i++) {
		if (s->be[i].conns != (uint64_t)i || s->be[i].port != 80 ||
		    s->be[i].addr.bytes[3] != i % 256 ||
		    s->be[i].addr.bytes[2] != i / 256) {
			CHECK_INT(i, -1);
			break;
		}
	}
cleanup:
	kubenf_svc_list_release(&list);
}

void test_svc_dump_malformed(void)
{
	struct kubenf_svc_list list = { 0 };
	struct nlattr *nest;
	struct nl_msg *msg;
	int i;

	/* A continuation that carries more than backends. */
	CHECK_INT(feed(&list, 3, true, 0, 2), 0);
	CHECK_INT(feed(&list, 3, true, 2, 3), -EBADMSG);
	/* The same service again, later: not a continuation. */
	CHECK_INT(feed(&list, 4, true, 0, 1), 0);
	CHECK_INT(feed(&list, 3, true, 0, 1), 0);
	CHECK_INT(kubenf_svc_list_finish(&list), -EBADMSG);
	kubenf_svc_list_release(&list);

	for (i = 0; i < 7; i++) {
		msg = nlmsg_alloc();
		CHECK(msg);
		if (!msg)
			return;
		CHECK(genlmsg_put(msg, 0, 1, FAMILY, 0, NLM_F_MULTI,
				  i ? KUBENF_CMD_SVC_GET : KUBENF_CMD_SVC_SET,
				  1));
		nest = nla_nest_start(msg, KUBENF_A_SERVICE);
		switch (i) {
		case 0:	/* another command's message */
		case 1:	/* no ID */
			break;
		case 2:	/* ID 0 */
			CHECK(!nla_put_u32(msg, KUBENF_SVC_A_ID, 0));
			break;
		default:
			CHECK(!nla_put_u32(msg, KUBENF_SVC_A_ID, 1));
			break;
		}
		if (i == 3)	/* a short u64 */
			CHECK(!nla_put_u32(msg, KUBENF_SVC_A_CONNS, 1));
		if (i == 4) {	/* a node port with an address */
			struct nlattr *arr = nla_nest_start(msg,
						KUBENF_SVC_A_FRONTENDS);
			struct nlattr *fe = nla_nest_start(msg, 1);

			CHECK(!nla_put_u8(msg, KUBENF_FE_A_KIND,
					  KUBENF_FE_NODE_PORT));
			CHECK(!nla_put_u8(msg, KUBENF_FE_A_PROTO, 6));
			CHECK(!nla_put_u16(msg, KUBENF_FE_A_PORT, 1));
			CHECK(!nla_put_u8(msg, KUBENF_FE_A_FAMILY, AF_INET));
			CHECK(!nla_put_u32(msg, KUBENF_FE_A_ADDR4, 0));
			nla_nest_end(msg, fe);
			nla_nest_end(msg, arr);
		}
		if (i == 5) {	/* a backend with both addresses */
			struct nlattr *arr = nla_nest_start(msg,
						KUBENF_SVC_A_BACKENDS);
			struct nlattr *be = nla_nest_start(msg, 1);
			uint8_t a6[16] = { 0xfd };

			CHECK(!nla_put_u32(msg, KUBENF_BE_A_ADDR4, 0));
			CHECK(!nla_put(msg, KUBENF_BE_A_ADDR6, 16, a6));
			CHECK(!nla_put_u16(msg, KUBENF_BE_A_PORT, 1));
			nla_nest_end(msg, be);
			nla_nest_end(msg, arr);
		}
		if (i == 6) {	/* a range longer than its address */
			struct nlattr *arr = nla_nest_start(msg,
						KUBENF_SVC_A_SOURCE_RANGES);
			struct nlattr *c = nla_nest_start(msg, 1);

			CHECK(!nla_put_u32(msg, KUBENF_CIDR_A_ADDR4, 0));
			CHECK(!nla_put_u8(msg, KUBENF_CIDR_A_PREFIX, 33));
			nla_nest_end(msg, c);
			nla_nest_end(msg, arr);
		}
		nla_nest_end(msg, nest);
		CHECK_INT(kubenf_svc_dump_parse(nlmsg_hdr(msg), &list),
			  -EBADMSG);
		nlmsg_free(msg);
		kubenf_svc_list_release(&list);
	}
}

static void add_cidr(struct kubenf_cidr *c, const char *a, uint8_t prefix)
{
	CHECK(c);
	if (!c)
		return;
	addr(&c->addr, a);
	c->prefix = prefix;
}

void test_config_roundtrip(void)
{
	static const struct kubenf_nla_policy top[KUBENF_A_MAX + 1] = {
		[KUBENF_A_CONFIG] = { .type = KUBENF_NLA_NESTED },
	};
	struct kubenf_config in = { 0 }, out = { 0 };
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	struct nl_msg *msg;
	uint8_t cmd;

	in.has = KUBENF_CFG_HAS_FLAGS | KUBENF_CFG_HAS_NODE_NAME;
	in.flags = KUBENF_CFG_F_POLICY_CUT | KUBENF_CFG_F_MASQ_EXTERNAL;
	strcpy(in.node_name, "node-1");
	add_cidr(kubenf_config_add_node_addr(&in), "192.0.2.10", 32);
	add_cidr(kubenf_config_add_node_addr(&in), "2001:db8::10", 128);
	add_cidr(kubenf_config_add_cluster_cidr(&in), "10.0.0.0", 8);
	add_cidr(kubenf_config_add_cluster_cidr(&in), "fd00::", 48);
	add_cidr(kubenf_config_add_cluster_cidr(&in), "0.0.0.0", 0);

	CHECK_INT(kubenf_config_set_msg(&in, &msg), 0);
	if (!msg)
		goto cleanup;
	CHECK_INT(kubenf_nl_parse_genl(kubenf_nl_msg_hdr(msg), &cmd, tb,
				       KUBENF_A_MAX, top), 0);
	CHECK_INT(cmd, KUBENF_CMD_SET_CONFIG);
	CHECK(tb[KUBENF_A_CONFIG]);
	if (tb[KUBENF_A_CONFIG]) {
		CHECK_INT(kubenf_config_parse_nest(tb[KUBENF_A_CONFIG], &out),
			  0);
		CHECK(kubenf_config_equal(&in, &out));
		CHECK_INT(out.n_cluster_cidrs, 3);
	}
	kubenf_nl_msg_free(msg);

	/*
	 * The defaults: FLAGS 0, never an empty nest, which libnl would
	 * drop (and the kernel then says that CONFIG is missing).
	 */
	kubenf_config_release(&in);
	kubenf_config_release(&out);
	CHECK_INT(kubenf_config_set_msg(&in, &msg), 0);
	if (!msg)
		goto cleanup;
	CHECK_INT(kubenf_nl_parse_genl(kubenf_nl_msg_hdr(msg), &cmd, tb,
				       KUBENF_A_MAX, top), 0);
	CHECK(tb[KUBENF_A_CONFIG] &&
	      kubenf_nla_len(tb[KUBENF_A_CONFIG]) == NLA_HDRLEN + 4);
	if (tb[KUBENF_A_CONFIG]) {
		CHECK_INT(kubenf_config_parse_nest(tb[KUBENF_A_CONFIG], &out),
			  0);
		CHECK(out.has == KUBENF_CFG_HAS_FLAGS && !out.flags);
	}
	kubenf_nl_msg_free(msg);
cleanup:
	kubenf_config_release(&in);
	kubenf_config_release(&out);
}

/* GET_STATS as kmod/netlink.c sends it: type r = reason r, pads of 0. */
void test_stats_parse(void)
{
	struct nlattr *nest, *drops;
	struct kubenf_stats stats;
	struct nl_msg *msg;
	int r;

	msg = nlmsg_alloc();
	CHECK(msg);
	if (!msg)
		return;
	CHECK(genlmsg_put(msg, 0, 1, FAMILY, 0, 0, KUBENF_CMD_GET_STATS, 1));
	nest = nla_nest_start(msg, KUBENF_A_STATS);
	drops = nla_nest_start(msg, KUBENF_STAT_A_DROPS);
	for (r = 1; r < __KUBENF_REASON_MAX + 2; r++) {
		CHECK(!nla_put(msg, KUBENF_REASON_NONE, 0, NULL));
		CHECK(!nla_put_u64(msg, r, 100 + r));
	}
	nla_nest_end(msg, drops);
	CHECK(!nla_put_u64(msg, KUBENF_STAT_A_EVENTS_SUPPRESSED, 5));
	nla_nest_end(msg, nest);

	CHECK_INT(kubenf_stats_parse(nlmsg_hdr(msg), &stats), 0);
	CHECK_INT(stats.has, KUBENF_STATS_HAS_DROPS |
			     KUBENF_STATS_HAS_EVENTS_SUPPRESSED);
	/* A newer module's reasons are kept too. */
	CHECK(stats.drops_has == ((1ULL << (__KUBENF_REASON_MAX + 2)) - 2));
	CHECK(stats.drops[KUBENF_REASON_NO_ENDPOINT] ==
	      100 + KUBENF_REASON_NO_ENDPOINT);
	CHECK(stats.events_suppressed == 5);
	nlmsg_free(msg);

	/* A u32 where a u64 belongs. */
	msg = nlmsg_alloc();
	CHECK(msg);
	if (!msg)
		return;
	CHECK(genlmsg_put(msg, 0, 1, FAMILY, 0, 0, KUBENF_CMD_GET_STATS, 1));
	nest = nla_nest_start(msg, KUBENF_A_STATS);
	drops = nla_nest_start(msg, KUBENF_STAT_A_DROPS);
	CHECK(!nla_put_u32(msg, KUBENF_REASON_NO_ENDPOINT, 1));
	nla_nest_end(msg, drops);
	nla_nest_end(msg, nest);
	CHECK_INT(kubenf_stats_parse(nlmsg_hdr(msg), &stats), -EBADMSG);
	nlmsg_free(msg);
}

void test_txn_msgs(void)
{
	static const struct kubenf_nla_policy policy[KUBENF_A_MAX + 1] = {
		[KUBENF_A_GENERATION]	= { .type = KUBENF_NLA_U64 },
		[KUBENF_A_COOKIE]	= { .type = KUBENF_NLA_U64 },
		[KUBENF_A_TXN_FLAGS]	= { .type = KUBENF_NLA_U32 },
	};
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	struct nl_msg *msg;
	uint64_t gen = 0;
	uint8_t cmd;

	CHECK_INT(kubenf_txn_begin_msg(KUBENF_TXN_F_REPLACE, &msg), 0);
	CHECK_INT(kubenf_nl_parse_genl(kubenf_nl_msg_hdr(msg), &cmd, tb,
				       KUBENF_A_MAX, policy), 0);
	CHECK_INT(cmd, KUBENF_CMD_TXN_BEGIN);
	CHECK(tb[KUBENF_A_TXN_FLAGS] &&
	      kubenf_nla_u32(tb[KUBENF_A_TXN_FLAGS]) == KUBENF_TXN_F_REPLACE);
	kubenf_nl_msg_free(msg);

	CHECK_INT(kubenf_txn_begin_msg(0, &msg), 0);
	CHECK_INT(kubenf_nl_msg_hdr(msg)->nlmsg_len,
		  NLMSG_HDRLEN + GENL_HDRLEN);
	kubenf_nl_msg_free(msg);

	CHECK_INT(kubenf_txn_commit_msg(true, 41, true, 0xc0ffee, &msg), 0);
	CHECK_INT(kubenf_nl_parse_genl(kubenf_nl_msg_hdr(msg), &cmd, tb,
				       KUBENF_A_MAX, policy), 0);
	CHECK_INT(cmd, KUBENF_CMD_TXN_COMMIT);
	CHECK(tb[KUBENF_A_GENERATION] &&
	      kubenf_nla_u64(tb[KUBENF_A_GENERATION]) == 41);
	CHECK(tb[KUBENF_A_COOKIE] &&
	      kubenf_nla_u64(tb[KUBENF_A_COOKIE]) == 0xc0ffee);
	/* The reply has the same layout: the generation is read back. */
	CHECK_INT(kubenf_txn_commit_parse(kubenf_nl_msg_hdr(msg), &gen), 0);
	CHECK(gen == 41);
	kubenf_nl_msg_free(msg);

	CHECK_INT(kubenf_txn_abort_msg(&msg), 0);
	CHECK_INT(kubenf_txn_commit_parse(kubenf_nl_msg_hdr(msg), &gen),
		  -EBADMSG);
	kubenf_nl_msg_free(msg);
}
