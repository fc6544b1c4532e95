// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf-agent's rule sets: the NetworkPolicy objects' netlink encoding
 * (model_pol.c), the desired rule set from libkubenf-policy, the diff
 * against what the kernel holds (adoption: equal sets give no change), the
 * cookie digest, and fail-closed removal of refused objects.
 */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/kubenf.h>

#include "agent.h"
#include "kubenf_policy.h"
#include "nl.h"
#include "tests.h"

/* ---- model_pol.c ------------------------------------------------------------ */

static void sample_peerset(struct kubenf_peerset *ps)
{
	struct kubenf_pset_entry *e;

	memset(ps, 0, sizeof(*ps));
	ps->id = 42;
	ps->name = strdup("ip 10.0.0.0/8 except 10.1.0.0/16");
	ps->entries = calloc(2, sizeof(*ps->entries));
	ps->n_entries = 2;
	e = &ps->entries[0];
	e->cidr.addr.family = AF_INET;
	e->cidr.addr.bytes[0] = 10;
	e->cidr.prefix = 8;
	e->except = calloc(2, sizeof(*e->except));
	e->n_except = 2;
	e->except[0].addr.family = AF_INET;
	e->except[0].addr.bytes[0] = 10;
	e->except[0].addr.bytes[1] = 1;
	e->except[0].prefix = 16;
	e->except[1] = e->except[0];
	e->except[1].addr.bytes[1] = 2;
	e = &ps->entries[1];
	e->cidr.addr.family = AF_INET6;
	e->cidr.addr.bytes[0] = 0xfd;
	e->cidr.addr.bytes[15] = 1;
	e->cidr.prefix = 128;
}

static void sample_policy(struct kubenf_policy *pol)
{
	struct kubenf_rule *r;

	memset(pol, 0, sizeof(*pol));
	pol->id = 7;
	pol->name = strdup("ns/allow/ingress");
	pol->dir = KUBENF_DIR_EGRESS;
	pol->rules = calloc(3, sizeof(*pol->rules));
	pol->n_rules = 3;
	/* Peers and ports; any peer on all UDP; everything (empty). */
	r = &pol->rules[0];
	r->peers = calloc(2, sizeof(*r->peers));
	r->peers[0] = 42;
	r->peers[1] = 3;
	r->n_peers = 2;
	r->ports = calloc(2, sizeof(*r->ports));
	r->ports[0] = (struct kubenf_port_range){ IPPROTO_TCP, 80, 80 };
	r->ports[1] = (struct kubenf_port_range){ IPPROTO_SCTP, 1000, 2000 };
	r->n_ports = 2;
	r = &pol->rules[1];
	r->ports = calloc(1, sizeof(*r->ports));
	r->ports[0] = (struct kubenf_port_range){ IPPROTO_UDP, 0, 0 };
	r->n_ports = 1;
}

static void sample_pod(struct kubenf_pod *pod)
{
	memset(pod, 0, sizeof(*pod));
	pod->id = 99;
	pod->name = strdup("ns/pod");
	pod->flags = KUBENF_POD_F_INGRESS_ISOLATED | KUBENF_POD_F_EGRESS_ISOLATED;
	pod->addrs = calloc(2, sizeof(*pod->addrs));
	pod->n_addrs = 2;
	pod->addrs[0].family = AF_INET;
	pod->addrs[0].bytes[0] = 10;
	pod->addrs[0].bytes[3] = 5;
	pod->addrs[1].family = AF_INET6;
	pod->addrs[1].bytes[0] = 0xfd;
	pod->ingress = calloc(2, sizeof(uint32_t));
	pod->ingress[0] = 7;
	pod->ingress[1] = 8;
	pod->n_ingress = 2;
	/* Egress isolated without a policy: deny all. */
}

/* The object nest of request @msg, after turning it into a dump reply. */
static const struct nlattr *nest_of(struct nl_msg *msg, uint8_t get_cmd,
				    int type)
{
	static const struct kubenf_nla_policy policy[KUBENF_A_MAX + 1] = {
		[KUBENF_A_PEERSET]	= { .type = KUBENF_NLA_NESTED },
		[KUBENF_A_POLICY]	= { .type = KUBENF_NLA_NESTED },
		[KUBENF_A_POD]		= { .type = KUBENF_NLA_NESTED },
	};
	struct nlmsghdr *nlh = (struct nlmsghdr *)kubenf_nl_msg_hdr(msg);
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	g->cmd = get_cmd;
	if (kubenf_nl_parse_genl(nlh, NULL, tb, KUBENF_A_MAX, policy))
		return NULL;
	return tb[type];
}

void test_pol_roundtrip(void)
{
	struct kubenf_peerset ps, ps2 = { 0 };
	struct kubenf_policy pol, pol2 = { 0 };
	struct kubenf_pod pod, pod2 = { 0 };
	struct kubenf_pset_list pl = { 0 };
	struct kubenf_pol_list ol = { 0 };
	struct kubenf_pod_list dl = { 0 };
	const struct nlattr *nest;
	struct nl_msg *msg;

	sample_peerset(&ps);
	sample_policy(&pol);
	sample_pod(&pod);

	CHECK_INT(kubenf_peerset_set_msg(&ps, &msg), 0);
	nest = nest_of(msg, KUBENF_CMD_PEERSET_GET, KUBENF_A_PEERSET);
	CHECK(nest);
	if (nest)
		CHECK_INT(kubenf_peerset_parse(nest, &ps2), 0);
	CHECK(kubenf_peerset_equal(&ps, &ps2));
	CHECK_INT(ps2.entries ? ps2.entries[0].n_except : 0, 2);
	/* As a dump message, too. */
	CHECK_INT(kubenf_peerset_dump_parse(kubenf_nl_msg_hdr(msg), &pl), 0);
	CHECK_INT(kubenf_pset_list_finish(&pl), 0);
	CHECK(pl.n == 1 && kubenf_peerset_equal(&ps, &pl.v[0]));
	kubenf_nl_msg_free(msg);

	CHECK_INT(kubenf_policy_set_msg(&pol, &msg), 0);
	nest = nest_of(msg, KUBENF_CMD_POLICY_GET, KUBENF_A_POLICY);
	CHECK(nest);
	if (nest)
		CHECK_INT(kubenf_policy_parse(nest, &pol2), 0);
	/* The empty rule survived as an element: 3 rules. */
	CHECK_INT(pol2.n_rules, 3);
	CHECK(kubenf_policy_equal(&pol, &pol2));
	CHECK_INT(kubenf_policy_dump_parse(kubenf_nl_msg_hdr(msg), &ol), 0);
	CHECK(ol.n == 1 && kubenf_policy_equal(&pol, &ol.v[0]));
	kubenf_nl_msg_free(msg);

	CHECK_INT(kubenf_pod_set_msg(&pod, &msg), 0);
	nest = nest_of(msg, KUBENF_CMD_POD_GET, KUBENF_A_POD);
	CHECK(nest);
	if (nest)
		CHECK_INT(kubenf_pod_parse(nest, &pod2), 0);
	CHECK(kubenf_pod_equal(&pod, &pod2));
	CHECK_INT(pod2.n_egress, 0);
	CHECK_INT(kubenf_pod_dump_parse(kubenf_nl_msg_hdr(msg), &dl), 0);
	CHECK(dl.n == 1 && kubenf_pod_equal(&pod, &dl.v[0]));
	kubenf_nl_msg_free(msg);

	/* Each field matters to equality; counters do not. */
	pod2.flags = 0;
	CHECK(!kubenf_pod_equal(&pod, &pod2));
	pol2.rules[0].ports[1].last = 2001;
	CHECK(!kubenf_policy_equal(&pol, &pol2));
	pol2.rules[0].ports[1].last = 2000;
	pol2.rules[0].packets = 5;
	pol2.rules[0].has_packets = true;
	CHECK(kubenf_policy_equal(&pol, &pol2));
	ps2.entries[0].except[1].prefix = 17;
	CHECK(!kubenf_peerset_equal(&ps, &ps2));

	/* DEL requests carry the id only; dumps are dumps. */
	CHECK_INT(kubenf_pod_del_msg(99, &msg), 0);
	CHECK_INT(kubenf_nl_msg_hdr(msg)->nlmsg_len,
		  NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + NLA_HDRLEN + 4);
	kubenf_nl_msg_free(msg);
	CHECK_INT(kubenf_policy_dump_msg(&msg), 0);
	CHECK(kubenf_nl_msg_hdr(msg)->nlmsg_flags & NLM_F_DUMP);
	kubenf_nl_msg_free(msg);

	kubenf_pset_list_release(&pl);
	kubenf_pol_list_release(&ol);
	kubenf_pod_list_release(&dl);
	kubenf_peerset_release(&ps);
	kubenf_peerset_release(&ps2);
	kubenf_policy_release(&pol);
	kubenf_policy_release(&pol2);
	kubenf_pod_release(&pod);
	kubenf_pod_release(&pod2);
}

/* A dump reply message @cmd with one nest @type holding @attrs. */
static struct nl_msg *reply(uint8_t cmd, int type, uint32_t id,
			    const char *name, int arr_type, int first, int n)
{
	struct nl_msg *msg = kubenf_nl_msg_new_size(cmd, 0, 65536);
	struct nlattr *nest, *arr, *e, *ports;
	int i;

	nest = kubenf_nl_nest_start(msg, type);
	kubenf_nl_put_u32(msg, 1, id);		/* *_A_ID is 1 everywhere */
	if (name)
		kubenf_nl_put_str(msg, 2, name);	/* and *_A_NAME 2 */
	if (name && type == KUBENF_A_POLICY)
		kubenf_nl_put_u8(msg, KUBENF_POL_A_DIR, KUBENF_DIR_INGRESS);
	arr = kubenf_nl_nest_start(msg, arr_type);
	for (i = first; i < first + n; i++) {
		e = kubenf_nl_nest_start(msg, i + 1);
		if (type == KUBENF_A_PEERSET) {
			uint8_t a[4] = { 10, 0, i / 256, i % 256 };

			kubenf_nl_put(msg, KUBENF_CIDR_A_ADDR4, a, 4);
			kubenf_nl_put_u8(msg, KUBENF_CIDR_A_PREFIX, 32);
		} else {
			ports = kubenf_nl_nest_start(msg, KUBENF_RULE_A_PORTS);
			kubenf_nl_nest_end(msg, ports);
			kubenf_nl_put_u64(msg, KUBENF_RULE_A_CONNS, i);
		}
		kubenf_nl_nest_end(msg, e);
	}
	kubenf_nl_nest_end(msg, arr);
	kubenf_nl_nest_end(msg, nest);
	return msg;
}

void test_pol_dump_merge(void)
{
	struct kubenf_pset_list pl = { 0 };
	struct kubenf_pol_list ol = { 0 };
	struct nl_msg *m[4];
	int i;

	m[0] = reply(KUBENF_CMD_PEERSET_GET, KUBENF_A_PEERSET, 5, "five",
		     KUBENF_SET_A_ENTRIES, 0, 1000);
	m[1] = reply(KUBENF_CMD_PEERSET_GET, KUBENF_A_PEERSET, 5, NULL,
		     KUBENF_SET_A_ENTRIES, 1000, 500);
	m[2] = reply(KUBENF_CMD_PEERSET_GET, KUBENF_A_PEERSET, 2, "two",
		     KUBENF_SET_A_ENTRIES, 0, 0);
	for (i = 0; i < 3; i++) {
		CHECK_INT(kubenf_peerset_dump_parse(kubenf_nl_msg_hdr(m[i]),
						    &pl), 0);
		kubenf_nl_msg_free(m[i]);
	}
	CHECK_INT(kubenf_pset_list_finish(&pl), 0);
	CHECK_INT(pl.n, 2);
	if (pl.n == 2) {
		CHECK_INT(pl.v[0].id, 2);
		CHECK_INT(pl.v[1].n_entries, 1500);
		CHECK_INT(pl.v[1].entries[1499].cidr.addr.bytes[3], 1499 % 256);
		CHECK_STR(pl.v[1].name, "five");
	}
	/* A continuation that carries a name is no continuation. */
	m[3] = reply(KUBENF_CMD_PEERSET_GET, KUBENF_A_PEERSET, 5, "again",
		     KUBENF_SET_A_ENTRIES, 0, 1);
	CHECK_INT(kubenf_peerset_dump_parse(kubenf_nl_msg_hdr(m[3]), &pl),
		  -EBADMSG);
	kubenf_nl_msg_free(m[3]);

	m[0] = reply(KUBENF_CMD_POLICY_GET, KUBENF_A_POLICY, 9, "nine",
		     KUBENF_POL_A_RULES, 0, 3);
	m[1] = reply(KUBENF_CMD_POLICY_GET, KUBENF_A_POLICY, 9, NULL,
		     KUBENF_POL_A_RULES, 3, 2);
	/* Continuation of nothing. */
	m[2] = reply(KUBENF_CMD_POLICY_GET, KUBENF_A_POLICY, 10, NULL,
		     KUBENF_POL_A_RULES, 3, 2);
	CHECK_INT(kubenf_policy_dump_parse(kubenf_nl_msg_hdr(m[0]), &ol), 0);
	CHECK_INT(kubenf_policy_dump_parse(kubenf_nl_msg_hdr(m[1]), &ol), 0);
	CHECK_INT(kubenf_policy_dump_parse(kubenf_nl_msg_hdr(m[2]), &ol),
		  -EBADMSG);
	CHECK_INT(ol.n, 1);
	if (ol.n == 1) {
		CHECK_INT(ol.v[0].n_rules, 5);
		CHECK(ol.v[0].rules[4].has_packets &&
		      ol.v[0].rules[4].packets == 4);
	}
	for (i = 0; i < 3; i++)
		kubenf_nl_msg_free(m[i]);
	kubenf_pset_list_release(&pl);
	kubenf_pol_list_release(&ol);
}

/*
 * A POD_GET reply as kmod/pod.c writes it: the head (with @name) or a
 * continuation (NULL), ingress ids 1000 + [@in, @in + @n_in), egress ids
 * 5000 + [@eg, @eg + @n_eg); elements numbered from 1 across messages.
 */
static struct nl_msg *pod_reply(uint32_t id, const char *name, int in,
				int n_in, int eg, int n_eg)
{
	struct nl_msg *msg = kubenf_nl_msg_new_size(KUBENF_CMD_POD_GET, 0,
						    65536);
	struct nlattr *nest, *arr;
	int i;

	nest = kubenf_nl_nest_start(msg, KUBENF_A_POD);
	kubenf_nl_put_u32(msg, KUBENF_POD_A_ID, id);
	if (name) {
		kubenf_nl_put_str(msg, KUBENF_POD_A_NAME, name);
		kubenf_nl_put_u32(msg, KUBENF_POD_A_FLAGS,
				  KUBENF_POD_F_INGRESS_ISOLATED |
				  KUBENF_POD_F_EGRESS_ISOLATED);
	}
	if (n_in) {
		arr = kubenf_nl_nest_start(msg, KUBENF_POD_A_INGRESS);
		for (i = in; i < in + n_in; i++)
			kubenf_nl_put_u32(msg, i + 1, 1000 + i);
		kubenf_nl_nest_end(msg, arr);
	}
	if (n_eg) {
		arr = kubenf_nl_nest_start(msg, KUBENF_POD_A_EGRESS);
		for (i = eg; i < eg + n_eg; i++)
			kubenf_nl_put_u32(msg, i + 1, 5000 + i);
		kubenf_nl_nest_end(msg, arr);
	}
	kubenf_nl_nest_end(msg, nest);
	return msg;
}

/* Pods too large for one dump message come in parts. */
void test_pod_dump_merge(void)
{
	struct kubenf_pod_list dl = { 0 };
	struct nl_msg *m[6];
	int i;

	/* 1024 ingress ids over three messages, then 1024 egress ones. */
	m[0] = pod_reply(7, "x/a", 0, 700, 0, 0);
	m[1] = pod_reply(7, NULL, 700, 324, 0, 300);
	m[2] = pod_reply(7, NULL, 0, 0, 300, 724);
	m[3] = pod_reply(3, "x/b", 0, 2, 0, 1);
	for (i = 0; i < 4; i++) {
		CHECK_INT(kubenf_pod_dump_parse(kubenf_nl_msg_hdr(m[i]), &dl),
			  0);
		kubenf_nl_msg_free(m[i]);
	}
	/* A continuation of nothing; one that has a name is a new head. */
	m[4] = pod_reply(9, NULL, 0, 1, 0, 0);
	CHECK_INT(kubenf_pod_dump_parse(kubenf_nl_msg_hdr(m[4]), &dl),
		  -EBADMSG);
	m[5] = pod_reply(3, "x/b", 0, 1, 0, 0);
	CHECK_INT(kubenf_pod_dump_parse(kubenf_nl_msg_hdr(m[5]), &dl),
		  -EBADMSG);
	kubenf_nl_msg_free(m[4]);
	kubenf_nl_msg_free(m[5]);
	CHECK_INT(kubenf_pod_list_finish(&dl), 0);
	CHECK_INT(dl.n, 2);
	if (dl.n == 2) {
		CHECK_INT(dl.v[1].id, 7);
		CHECK_STR(dl.v[1].name, "x/a");
		CHECK_INT(dl.v[1].n_ingress, 1024);
		CHECK_INT(dl.v[1].n_egress, 1024);
		for (i = 0; i < 1024; i++) {
			if (dl.v[1].ingress[i] != 1000u + i ||
			    dl.v[1].egress[i] != 5000u + i)
				break;
		}
		CHECK_INT(i, 1024);
		CHECK_INT(dl.v[0].n_ingress, 2);
	}
	kubenf_pod_list_release(&dl);
}

/* ---- the desired rule set --------------------------------------------------- */

static void test_config(struct kubenf_config *cfg)
{
	struct kubenf_cidr *c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->has = KUBENF_CFG_HAS_FLAGS | KUBENF_CFG_HAS_NODE_NAME;
	cfg->flags = KUBENF_CFG_F_MASQ_EXTERNAL;
	strcpy(cfg->node_name, "node-1");
	c = kubenf_config_add_cluster_cidr(cfg);
	if (c) {
		c->addr.family = AF_INET;
		c->addr.bytes[0] = 10;
		c->addr.bytes[1] = 244;
		c->prefix = 16;
	}
}

/* The examples compiled for @node into @out; @extra appended (JSON). */
static int desired(const char *node, const char *extra,
		   struct agent_rules *out)
{
	struct kp_state *st = NULL;
	struct kubenf_config cfg;
	struct kp_ruleset *rs;
	char why[512], *dir;
	int err;

	memset(out, 0, sizeof(*out));
	if (asprintf(&dir, "%s/policy/examples", test_src_dir()) < 0)
		return -ENOMEM;
	err = agent_file_load(dir, &st, NULL, why, sizeof(why));
	free(dir);
	if (err) {
		printf("#   %s\n", why);
		return err;
	}
	if (extra)
		err = agent_buf_load(extra, strlen(extra), "extra", false, st,
				     NULL, why, sizeof(why));
	if (!err)
		err = kp_compile(st, node, &rs, NULL);
	kp_state_free(st);
	if (err)
		return err;
	test_config(&cfg);
	err = agent_rules_from_kp(rs, &cfg, out);
	kubenf_config_release(&cfg);
	kp_ruleset_free(rs);
	return err;
}

static bool sorted(const struct agent_rules *r)
{
	int k;
	size_t i;

	for (k = 0; k < __AGENT_KINDS; k++)
		for (i = 1; i < agent_rules_count(r, k); i++)
			if (agent_rules_id(r, k, i - 1) >=
			    agent_rules_id(r, k, i))
				return false;
	return true;
}

void test_agent_desired(void)
{
	struct agent_rules r;
	size_t i;

	CHECK_INT(desired("node-1", NULL, &r), 0);
	CHECK_INT(r.svcs.n, 3);
	CHECK_INT(r.psets.n, 5);
	CHECK_INT(r.pols.n, 6);
	CHECK_INT(r.pods.n, 6);
	CHECK(sorted(&r));
	/* Ids as libkubenf-policy's golden file has them. */
	for (i = 0; i < r.svcs.n; i++) {
		const struct kubenf_service *s = &r.svcs.svc[i];

		if (!strcmp(s->name, "x/web/http")) {
			CHECK_INT(s->id, 1064938643);
			CHECK_INT(s->n_fe, 2);
			CHECK_INT(s->n_be, 6);
			CHECK(s->be[1].flags ==
			      (KUBENF_BE_F_SERVING | KUBENF_BE_F_TERMINATING |
			       KUBENF_BE_F_LOCAL));
		}
		if (!strcmp(s->name, "y/front/http")) {
			CHECK_INT(s->affinity_timeout, 600);
			CHECK_INT(s->flags, KUBENF_SVC_F_EXTERNAL_LOCAL);
			CHECK_INT(s->n_ranges, 1);
		}
	}
	for (i = 0; i < r.pods.n; i++)
		if (!strcmp(r.pods.v[i].name, "x/a"))
			CHECK_INT(r.pods.v[i].n_ingress, 2);
	CHECK_STR(r.config.node_name, "node-1");
	agent_rules_release(&r);
}

/* A deep copy through the netlink encoding: what a dump would return. */
static int via_netlink(const struct agent_rules *in, struct agent_rules *out)
{
	struct nl_msg *msg;
	size_t i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	err = agent_config_copy(&out->config, &in->config);
	for (i = 0; !err && i < in->svcs.n; i++) {
		struct kubenf_service *s = kubenf_svc_list_add(&out->svcs);
		static const struct kubenf_nla_policy p[KUBENF_A_MAX + 1] = {
			[KUBENF_A_SERVICE] = { .type = KUBENF_NLA_NESTED },
		};
		const struct nlattr *tb[KUBENF_A_MAX + 1];

		err = kubenf_svc_set_msg(&in->svcs.svc[i], &msg);
		if (err)
			break;
		err = kubenf_nl_parse_genl(kubenf_nl_msg_hdr(msg), NULL, tb,
					   KUBENF_A_MAX, p);
		if (!err)
			err = kubenf_svc_parse(tb[KUBENF_A_SERVICE], s);
		/* Dumps report counters and every field. */
		s->has |= KUBENF_SVC_HAS_CONNS | KUBENF_SVC_HAS_FLAGS;
		s->conns = 1234;
		kubenf_nl_msg_free(msg);
	}
	for (i = 0; !err && i < in->psets.n; i++) {
		err = kubenf_peerset_set_msg(&in->psets.v[i], &msg);
		if (!err && nest_of(msg, KUBENF_CMD_PEERSET_GET,
				    KUBENF_A_PEERSET))
			err = kubenf_peerset_dump_parse(kubenf_nl_msg_hdr(msg),
							&out->psets);
		kubenf_nl_msg_free(msg);
	}
	for (i = 0; !err && i < in->pols.n; i++) {
		err = kubenf_policy_set_msg(&in->pols.v[i], &msg);
		if (!err && nest_of(msg, KUBENF_CMD_POLICY_GET,
				    KUBENF_A_POLICY))
			err = kubenf_policy_dump_parse(kubenf_nl_msg_hdr(msg),
						       &out->pols);
		kubenf_nl_msg_free(msg);
	}
	for (i = 0; !err && i < in->pods.n; i++) {
		err = kubenf_pod_set_msg(&in->pods.v[i], &msg);
		if (!err && nest_of(msg, KUBENF_CMD_POD_GET, KUBENF_A_POD))
			err = kubenf_pod_dump_parse(kubenf_nl_msg_hdr(msg),
						    &out->pods);
		kubenf_nl_msg_free(msg);
	}
	return err;
}

void test_agent_diff_adopt(void)
{
	struct agent_rules want, have, empty = { 0 };
	struct agent_diff d;
	char buf[256];

	CHECK_INT(desired("node-1", NULL, &want), 0);
	CHECK_INT(via_netlink(&want, &have), 0);
	/* What the kernel reports of our own rule set: no change at all. */
	CHECK_INT(agent_diff(&want, &have, &d), 0);
	CHECK(agent_diff_empty(&d));
	CHECK_STR(agent_diff_summary(&d, buf, sizeof(buf)), "no change");
	agent_diff_release(&d);

	/* From nothing: everything is new, the config too. */
	CHECK_INT(agent_diff(&want, &empty, &d), 0);
	CHECK_INT(d.kind[AGENT_SVC].n_add, 3);
	CHECK_INT(d.kind[AGENT_POD].n_add, 6);
	CHECK(d.config);
	CHECK_STR(agent_diff_summary(&d, buf, sizeof(buf)),
		  "+3 services, +5 peersets, +6 policies, +6 pods, config");
	agent_diff_release(&d);

	/* To nothing: every id deleted. */
	CHECK_INT(agent_diff(&empty, &have, &d), 0);
	CHECK_INT(d.kind[AGENT_PSET].n_del, 5);
	CHECK_INT(d.kind[AGENT_SVC].n_add + d.kind[AGENT_SVC].n_mod, 0);
	agent_diff_release(&d);

	agent_rules_release(&want);
	agent_rules_release(&have);
}

static const char extra_service[] =
	"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": ["
	"{\"apiVersion\": \"v1\", \"kind\": \"Service\","
	" \"metadata\": {\"name\": \"new\", \"namespace\": \"x\"},"
	" \"spec\": {\"clusterIP\": \"10.96.0.99\", \"clusterIPs\": [\"10.96.0.99\"],"
	"  \"ports\": [{\"name\": \"p\", \"port\": 99, \"protocol\": \"TCP\"}]}}]}";

/* Changes between two compiles: only what changed is sent. */
void test_agent_diff_changes(void)
{
	struct agent_rules a, b, n2;
	struct agent_diff d;
	char buf[256];
	size_t i;

	CHECK_INT(desired("node-1", NULL, &a), 0);
	CHECK_INT(desired("node-1", extra_service, &b), 0);
	CHECK_INT(agent_diff(&b, &a, &d), 0);
	CHECK_STR(agent_diff_summary(&d, buf, sizeof(buf)), "+1 service");
	agent_diff_release(&d);
	CHECK_INT(agent_diff(&a, &b, &d), 0);
	CHECK_STR(agent_diff_summary(&d, buf, sizeof(buf)), "-1 service");
	agent_diff_release(&d);

	/* One backend's flags: one service changed. */
	for (i = 0; i < b.svcs.n; i++)
		if (!strcmp(b.svcs.svc[i].name, "x/web/udp"))
			b.svcs.svc[i].be[0].flags = KUBENF_BE_F_SERVING;
	CHECK_INT(agent_diff(&b, &a, &d), 0);
	CHECK_STR(agent_diff_summary(&d, buf, sizeof(buf)),
		  "+1 service, ~1 service");
	agent_diff_release(&d);

	/* Another node: other pods, other policies; config by name. */
	CHECK_INT(desired("node-2", NULL, &n2), 0);
	CHECK_INT(agent_diff(&n2, &a, &d), 0);
	CHECK(d.kind[AGENT_POD].n_add > 0 && d.kind[AGENT_POD].n_del > 0);
	CHECK(!d.config);	/* the same test config */
	agent_diff_release(&d);
	strcpy(n2.config.node_name, "node-2");
	CHECK_INT(agent_diff(&n2, &a, &d), 0);
	CHECK(d.config);
	agent_diff_release(&d);

	agent_rules_release(&a);
	agent_rules_release(&b);
	agent_rules_release(&n2);
}

void test_agent_cookie(void)
{
	struct agent_rules a, b, c;
	uint64_t da, db;

	CHECK_INT(desired("node-1", NULL, &a), 0);
	CHECK_INT(desired("node-1", NULL, &b), 0);
	CHECK_INT(via_netlink(&a, &c), 0);
	da = agent_rules_digest(&a);
	db = agent_rules_digest(&b);
	/* Stable across compiles, and across the kernel's round trip. */
	CHECK(da == db);
	CHECK(da == agent_rules_digest(&c));
	CHECK(da != 0);
	/*
	 * Pinned on a set built by hand (the examples' ids belong to the
	 * compiler): the digest is stored in kernels that agents adopt.
	 */
	{
		struct agent_rules h = { 0 };
		struct kubenf_service *svc = kubenf_svc_list_add(&h.svcs);

		test_config(&h.config);
		CHECK(svc);
		if (svc) {
			svc->id = 7;
			kubenf_svc_set_name(svc, "ns/web/http");
			CHECK_INT(kubenf_svc_add_fe(svc) != NULL, 1);
			svc->fe[0].kind = KUBENF_FE_CLUSTER_IP;
			svc->fe[0].proto = IPPROTO_TCP;
			svc->fe[0].port = 80;
			svc->fe[0].addr.family = AF_INET;
			svc->fe[0].addr.bytes[0] = 10;
		}
		CHECK(agent_rules_digest(&h) == 0x87e068cb7343413bULL);
		agent_rules_release(&h);
	}
	/* Anything a request sets moves it. */
	b.pods.v[0].flags ^= KUBENF_POD_F_EGRESS_ISOLATED;
	CHECK(agent_rules_digest(&b) != da);
	b.pods.v[0].flags ^= KUBENF_POD_F_EGRESS_ISOLATED;
	CHECK(agent_rules_digest(&b) == da);
	b.config.flags = 0;
	CHECK(agent_rules_digest(&b) != da);
	b.config.flags = a.config.flags;
	free(b.psets.v[0].name);
	b.psets.v[0].name = strdup("other");
	CHECK(agent_rules_digest(&b) != da);
	agent_rules_release(&a);
	agent_rules_release(&b);
	agent_rules_release(&c);
}

/* Refused objects leave consistently and fail closed. */
void test_agent_remove(void)
{
	struct agent_rules r;
	uint32_t pol_id = 0, pset_id = 0;
	size_t i, j, rules = 0, n_ingress = 0;

	CHECK_INT(desired("node-1", NULL, &r), 0);
	/* x/allow-web-from-y: peers = the pods of ns y. */
	for (i = 0; i < r.pols.n; i++) {
		if (strncmp(r.pols.v[i].name, "x/allow-web-from-y", 18))
			continue;
		pol_id = r.pols.v[i].id;
		pset_id = r.pols.v[i].rules[0].peers[0];
		rules = r.pols.v[i].n_rules;
	}
	CHECK(pol_id && pset_id && rules == 1);
	CHECK(agent_rules_remove(&r, AGENT_PSET, pset_id));
	CHECK(!agent_rules_remove(&r, AGENT_PSET, pset_id));
	for (i = 0; i < r.pols.n; i++) {
		if (r.pols.v[i].id != pol_id)
			continue;
		/* Its only peer gone: the rule is gone, not "any peer". */
		CHECK_INT(r.pols.v[i].n_rules, 0);
		for (j = 0; j < r.pols.v[i].n_rules; j++)
			CHECK(r.pols.v[i].rules[j].n_peers);
	}
	CHECK(agent_rules_remove(&r, AGENT_POL, pol_id));
	for (i = 0; i < r.pods.n; i++) {
		if (strcmp(r.pods.v[i].name, "x/a"))
			continue;
		n_ingress = r.pods.v[i].n_ingress;
		/* Still isolated, one policy fewer. */
		CHECK(r.pods.v[i].flags & KUBENF_POD_F_INGRESS_ISOLATED);
	}
	CHECK_INT(n_ingress, 1);
	CHECK(agent_rules_remove(&r, AGENT_SVC, r.svcs.svc[0].id));
	CHECK_INT(r.svcs.n, 2);
	agent_rules_drop_policy(&r);
	CHECK_INT(r.pods.n + r.pols.n + r.psets.n, 0);
	agent_rules_release(&r);
}
