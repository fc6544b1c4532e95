// SPDX-License-Identifier: GPL-2.0
/*
 * pod/policy/peerset show, explain and monitor: argument parsing, decoding
 * replies and events built in memory, and the printers against expected
 * text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "model.h"
#include "nl.h"
#include "polview.h"
#include "print.h"
#include "tests.h"

static char *print(int (*fn)(struct kubenfctl_out *, const void *),
		   const void *obj, enum kubenfctl_fmt fmt)
{
	struct kubenfctl_out *out;
	char *text = NULL;
	size_t size;
	FILE *f;

	CHECK_INT(kubenfctl_out_new(&out, fmt), 0);
	f = open_memstream(&text, &size);
	CHECK(f);
	if (f) {
		CHECK_INT(fn(out, obj), 0);
		CHECK_INT(kubenfctl_out_flush(out, f), 0);
		fclose(f);
	}
	kubenfctl_out_free(out);
	return text;
}

static void addr(struct kubenf_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		a->family = AF_INET6;
	else
		CHECK(!"bad test address");
}

static int parse(struct kubenf_flow_info *flow, struct kubenf_err *err, ...)
{
	char *argv[16] = { "explain" };
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(err, 0, sizeof(*err));
	return kubenfctl_explain_parse(argc, argv, flow, err);
}

void test_explain_parse(void)
{
	struct kubenf_flow_info f;
	struct kubenf_err err;

	CHECK_INT(parse(&f, &err, "10.0.0.1", "10.0.0.2", "tcp", "80", NULL),
		  0);
	CHECK_INT(f.src.family, AF_INET);
	CHECK_INT(f.dst.bytes[3], 2);
	CHECK_INT(f.proto, IPPROTO_TCP);
	CHECK_INT(f.dport, 80);
	CHECK_INT(f.has, KUBENF_FLOW_HAS_DPORT);

	CHECK_INT(parse(&f, &err, "fd00::1", "fd00::2", "sctp", "65535",
			"1234", NULL), 0);
	CHECK_INT(f.src.family, AF_INET6);
	CHECK_INT(f.proto, IPPROTO_SCTP);
	CHECK_INT(f.dport, 65535);
	CHECK_INT(f.sport, 1234);
	CHECK_INT(f.has, KUBENF_FLOW_HAS_DPORT | KUBENF_FLOW_HAS_SPORT);

	CHECK_INT(parse(&f, &err, "10.0.0.1", "10.0.0.2", "udp", NULL),
		  -EINVAL);
	CHECK_STR(err.msg, "expected SRC DST PROTO PORT [SPORT], got 3 arguments");
	CHECK_INT(parse(&f, &err, NULL), -EINVAL);
	CHECK_INT(parse(&f, &err, "10.0.0.1", "10.0.0.2", "udp", "53", "1",
			"x", NULL), -EINVAL);
	CHECK_STR(err.msg, "unexpected argument \"x\"");
	CHECK_INT(parse(&f, &err, "10.0.0.1", "fd00::2", "udp", "53", NULL),
		  -EINVAL);
	CHECK_STR(err.msg, "source \"10.0.0.1\" and destination \"fd00::2\" are of different families");
	CHECK_INT(parse(&f, &err, "10.0.0.300", "10.0.0.2", "udp", "53",
			NULL), -EINVAL);
	CHECK(!strncmp(err.msg, "source: invalid address", 23));
	CHECK_INT(parse(&f, &err, "10.0.0.1", "nope", "udp", "53", NULL),
		  -EINVAL);
	CHECK(!strncmp(err.msg, "destination: ", 13));
	CHECK_INT(parse(&f, &err, "10.0.0.1", "10.0.0.2", "icmp", "53",
			NULL), -EINVAL);
	CHECK_INT(parse(&f, &err, "10.0.0.1", "10.0.0.2", "tcp", "0", NULL),
		  -EINVAL);
	CHECK_STR(err.msg, "invalid port \"0\" (expected 1-65535)");
	CHECK_INT(parse(&f, &err, "10.0.0.1", "10.0.0.2", "tcp", "65536",
			NULL), -EINVAL);
	CHECK_INT(parse(&f, &err, "10.0.0.1", "10.0.0.2", "tcp", "80", "-1",
			NULL), -EINVAL);
}

/* The request carries exactly the FLOW nest the kernel wants. */
void test_explain_msg(void)
{
	static const struct kubenf_nla_policy top[KUBENF_A_MAX + 1] = {
		[KUBENF_A_FLOW] = { .type = KUBENF_NLA_NESTED },
	};
	static const struct kubenf_nla_policy fp[KUBENF_FLOW_A_MAX + 1] = {
		[KUBENF_FLOW_A_SRC6] = { .type = KUBENF_NLA_BINARY, .len = 16 },
		[KUBENF_FLOW_A_DST6] = { .type = KUBENF_NLA_BINARY, .len = 16 },
		[KUBENF_FLOW_A_PROTO] = { .type = KUBENF_NLA_U8 },
		[KUBENF_FLOW_A_SPORT] = { .type = KUBENF_NLA_U16 },
		[KUBENF_FLOW_A_DPORT] = { .type = KUBENF_NLA_U16 },
	};
	const struct nlattr *tb[KUBENF_A_MAX + 1], *ft[KUBENF_FLOW_A_MAX + 1];
	struct kubenf_flow_info f;
	struct kubenf_err err;
	struct nl_msg *msg;
	uint8_t cmd;
	int i, n = 0;

	CHECK_INT(parse(&f, &err, "fd00::1", "fd00::2", "udp", "53", NULL), 0);
	CHECK_INT(kubenf_explain_msg(&f, &msg), 0);
	if (!msg)
		return;
	CHECK_INT(kubenf_nl_parse_genl(kubenf_nl_msg_hdr(msg), &cmd, tb,
				       KUBENF_A_MAX, top), 0);
	CHECK_INT(cmd, KUBENF_CMD_EXPLAIN);
	CHECK(tb[KUBENF_A_FLOW]);
	if (tb[KUBENF_A_FLOW]) {
		CHECK(tb[KUBENF_A_FLOW]->nla_type & NLA_F_NESTED);
		CHECK_INT(kubenf_nl_parse_nested(tb[KUBENF_A_FLOW], ft,
						 KUBENF_FLOW_A_MAX, fp), 0);
		for (i = 1; i <= KUBENF_FLOW_A_MAX; i++)
			n += !!ft[i];
		CHECK_INT(n, 4);	/* SRC6, DST6, PROTO, DPORT */
		CHECK(ft[KUBENF_FLOW_A_DPORT] &&
		      kubenf_nla_u16(ft[KUBENF_FLOW_A_DPORT]) == 53);
		CHECK(ft[KUBENF_FLOW_A_PROTO] &&
		      kubenf_nla_u8(ft[KUBENF_FLOW_A_PROTO]) == IPPROTO_UDP);
		CHECK(!ft[KUBENF_FLOW_A_SPORT]);
	}
	kubenf_nl_msg_free(msg);
}

static struct nl_msg *verdict_reply(uint8_t accept, uint8_t reason,
				    uint32_t svc, const char *be, uint16_t port,
				    int pod, int dir, int pol, int rule)
{
	struct nl_msg *msg = kubenf_nl_msg_new(KUBENF_CMD_EXPLAIN, 0);
	struct kubenf_addr a;
	struct nlattr *nest;

	CHECK(msg);
	if (!msg)
		return NULL;
	nest = kubenf_nl_nest_start(msg, KUBENF_A_VERDICT);
	CHECK_INT(kubenf_nl_put_u8(msg, KUBENF_VERDICT_A_ACCEPT, accept), 0);
	CHECK_INT(kubenf_nl_put_u8(msg, KUBENF_VERDICT_A_REASON, reason), 0);
	if (svc)
		CHECK_INT(kubenf_nl_put_u32(msg, KUBENF_VERDICT_A_SVC_ID, svc),
			  0);
	if (be) {
		addr(&a, be);
		CHECK_INT(kubenf_addr_put(msg, KUBENF_VERDICT_A_BE_DST4,
					  KUBENF_VERDICT_A_BE_DST6, &a), 0);
		CHECK_INT(kubenf_nl_put_u16(msg, KUBENF_VERDICT_A_BE_PORT,
					    port), 0);
	}
	if (dir >= 0)
		CHECK_INT(kubenf_nl_put_u8(msg, KUBENF_VERDICT_A_DIR, dir), 0);
	if (pod >= 0)
		CHECK_INT(kubenf_nl_put_u32(msg, KUBENF_VERDICT_A_POD_ID, pod),
			  0);
	if (pol >= 0)
		CHECK_INT(kubenf_nl_put_u32(msg, KUBENF_VERDICT_A_POLICY_ID,
					    pol), 0);
	if (rule >= 0)
		CHECK_INT(kubenf_nl_put_u32(msg, KUBENF_VERDICT_A_RULE, rule),
			  0);
	/* From a newer module: ignored. */
	CHECK_INT(kubenf_nl_put_u32(msg, KUBENF_VERDICT_A_MAX + 1, 9), 0);
	CHECK_INT(kubenf_nl_nest_end(msg, nest), 0);
	return msg;
}

static int decode(struct nl_msg *msg, struct kubenf_verdict_info *v)
{
	int err = msg ? kubenf_verdict_parse(kubenf_nl_msg_hdr(msg), v) :
			-ENOMEM;

	kubenf_nl_msg_free(msg);
	return err;
}

/* Names as the dumps would give them. */
struct sample_names {
	struct kubenf_pod_list pods;
	struct kubenf_pol_list pols;
	struct kubenf_svc_list svcs;
	struct kubenfctl_names names;
};

static void sample_names(struct sample_names *s)
{
	static struct kubenf_pod pods[] = {
		{ .id = 7, .name = "x/b" },
	};
	static struct kubenf_policy pols[] = {
		{ .id = 3, .name = "x/allow-a/ingress" },
	};
	static struct kubenf_service svcs[] = {
		{ .id = 1, .name = "default/web" },
	};

	s->pods = (struct kubenf_pod_list){ .v = pods, .n = 1 };
	s->pols = (struct kubenf_pol_list){ .v = pols, .n = 1 };
	s->svcs = (struct kubenf_svc_list){ .svc = svcs, .n = 1 };
	s->names = (struct kubenfctl_names){ &s->pods, &s->pols, &s->svcs };
}

static void check_text(const struct kubenf_verdict_info *v,
		       const struct kubenfctl_names *names, const char *want)
{
	char buf[1024];

	kubenfctl_verdict_text(v, names, buf, sizeof(buf));
	CHECK_STR(buf, want);
}

static int print_verdict(struct kubenfctl_out *out, const void *v)
{
	return kubenfctl_print_verdict(out, v);
}

void test_explain_verdict(void)
{
	struct kubenf_verdict_info v;
	struct sample_names s;
	char *text;

	sample_names(&s);

	CHECK_INT(decode(verdict_reply(1, KUBENF_REASON_ALLOWED_RULE, 0, NULL,
				       0, 7, KUBENF_DIR_INGRESS, 3, 0), &v), 0);
	CHECK(v.accept);
	CHECK_INT(v.has, KUBENF_VERDICT_HAS_POD | KUBENF_VERDICT_HAS_POLICY);
	CHECK_INT(v.pod_id, 7);
	CHECK_INT(v.policy_id, 3);
	check_text(&v, &s.names,
		   "allow: ingress of pod x/b (id 7) by policy x/allow-a/ingress (id 3) rule 0\n");
	check_text(&v, NULL,
		   "allow: ingress of pod id 7 by policy id 3 rule 0\n");
	text = print(print_verdict, &v, KUBENFCTL_FMT_JSON);
	CHECK_STR(text,
		  "{\n"
		  "  \"verdict\": \"allow\",\n"
		  "  \"accept\": true,\n"
		  "  \"reason\": \"allowed-rule\",\n"
		  "  \"direction\": \"ingress\",\n"
		  "  \"pod_id\": 7,\n"
		  "  \"policy_id\": 3,\n"
		  "  \"rule\": 0\n"
		  "}\n");
	free(text);

	CHECK_INT(decode(verdict_reply(0, KUBENF_REASON_DENY_INGRESS, 0, NULL,
				       0, 7, KUBENF_DIR_INGRESS, -1, -1), &v),
		  0);
	CHECK(!v.accept);
	check_text(&v, &s.names,
		   "deny: pod x/b (id 7) is isolated for ingress and no rule matched\n");

	CHECK_INT(decode(verdict_reply(1, KUBENF_REASON_NOT_ISOLATED, 1,
				       "10.0.2.3", 8080, 7, KUBENF_DIR_EGRESS,
				       -1, -1), &v), 0);
	CHECK_INT(v.has, KUBENF_VERDICT_HAS_SVC | KUBENF_VERDICT_HAS_BE |
			 KUBENF_VERDICT_HAS_POD);
	CHECK_INT(v.be_port, 8080);
	check_text(&v, &s.names,
		   "service default/web (id 1) -> backend 10.0.2.3:8080\n"
		   "allow: pod x/b (id 7) is not isolated for egress\n");
	text = print(print_verdict, &v, KUBENFCTL_FMT_JSON);
	CHECK_STR(text,
		  "{\n"
		  "  \"verdict\": \"allow\",\n"
		  "  \"accept\": true,\n"
		  "  \"reason\": \"not-isolated\",\n"
		  "  \"service_id\": 1,\n"
		  "  \"backend\": {\n"
		  "    \"address\": \"10.0.2.3\",\n"
		  "    \"port\": 8080\n"
		  "  },\n"
		  "  \"direction\": \"egress\",\n"
		  "  \"pod_id\": 7\n"
		  "}\n");
	free(text);

	CHECK_INT(decode(verdict_reply(0, KUBENF_REASON_NO_ENDPOINT, 1, NULL,
				       0, -1, -1, -1, -1), &v), 0);
	check_text(&v, &s.names,
		   "deny: service default/web (id 1) has no usable endpoint\n");
	CHECK_INT(decode(verdict_reply(0, KUBENF_REASON_UNKNOWN_POD, 0, NULL,
				       0, -1, KUBENF_DIR_EGRESS, -1, -1), &v), 0);
	check_text(&v, &s.names,
		   "deny: the source address is in this node's pod CIDRs but is no pod kubenf knows (yet)\n");
	CHECK_INT(decode(verdict_reply(1, KUBENF_REASON_NONE, 0, "fd00::5",
				       80, -1, -1, -1, -1), &v), 0);
	CHECK_INT(v.be_addr.family, AF_INET6);
	CHECK_INT(decode(verdict_reply(0, 42, 0, NULL, 0, 9,
				       KUBENF_DIR_EGRESS, -1, -1), &v), 0);
	check_text(&v, &s.names, "deny: reason-42, egress of pod id 9\n");

	/* Malformed: POD without DIR, POLICY without RULE, wrong command. */
	CHECK_INT(decode(verdict_reply(0, 4, 0, NULL, 0, 7, -1, -1, -1), &v),
		  -EBADMSG);
	CHECK_INT(decode(verdict_reply(1, 1, 0, NULL, 0, 7, 0, 3, -1), &v),
		  -EBADMSG);
	{
		struct nl_msg *m = kubenf_nl_msg_new(KUBENF_CMD_GET_INFO, 0);

		CHECK_INT(decode(m, &v), -EBADMSG);
	}
}

static struct nl_msg *event_msg(uint8_t cmd, const char *src,
				const char *dst, bool full)
{
	struct nl_msg *msg = kubenf_nl_msg_new(cmd, 0);
	struct kubenf_addr a;
	struct nlattr *nest;

	CHECK(msg);
	if (!msg)
		return NULL;
	nest = kubenf_nl_nest_start(msg, KUBENF_A_FLOW);
	addr(&a, src);
	CHECK_INT(kubenf_addr_put(msg, KUBENF_FLOW_A_SRC4, KUBENF_FLOW_A_SRC6,
				  &a), 0);
	addr(&a, dst);
	CHECK_INT(kubenf_addr_put(msg, KUBENF_FLOW_A_DST4, KUBENF_FLOW_A_DST6,
				  &a), 0);
	CHECK_INT(kubenf_nl_put_u8(msg, KUBENF_FLOW_A_PROTO, IPPROTO_TCP), 0);
	CHECK_INT(kubenf_nl_put_u16(msg, KUBENF_FLOW_A_SPORT, 40000), 0);
	CHECK_INT(kubenf_nl_put_u16(msg, KUBENF_FLOW_A_DPORT, 80), 0);
	if (full) {
		CHECK_INT(kubenf_nl_put_u8(msg, KUBENF_FLOW_A_DIR,
					   KUBENF_DIR_INGRESS), 0);
		CHECK_INT(kubenf_nl_put_u32(msg, KUBENF_FLOW_A_POD_ID, 7), 0);
		CHECK_INT(kubenf_nl_put_u8(msg, KUBENF_FLOW_A_REASON,
					   KUBENF_REASON_DENY_INGRESS), 0);
	}
	CHECK_INT(kubenf_nl_nest_end(msg, nest), 0);
	return msg;
}

static int decode_event(struct nl_msg *msg, struct kubenf_flow_info *ev)
{
	int err = msg ? kubenf_event_parse(kubenf_nl_msg_hdr(msg), ev) :
			-ENOMEM;

	kubenf_nl_msg_free(msg);
	return err;
}

void test_monitor_event(void)
{
	struct timespec ts = { .tv_sec = 1764914919, .tv_nsec = 123456789 };
	struct kubenf_flow_info ev;
	struct sample_names s;
	char buf[512], *json;

	sample_names(&s);
	CHECK_INT(decode_event(event_msg(KUBENF_CMD_EVENT_DENY, "10.0.0.1",
					 "10.0.0.2", true), &ev), 0);
	CHECK_INT(ev.has, KUBENF_FLOW_HAS_SPORT | KUBENF_FLOW_HAS_DPORT |
			  KUBENF_FLOW_HAS_DIR | KUBENF_FLOW_HAS_POD |
			  KUBENF_FLOW_HAS_REASON);
	CHECK_INT(ev.pod_id, 7);
	CHECK_INT(ev.sport, 40000);

	kubenfctl_event_text(&ev, &s.names, &ts, buf, sizeof(buf));
	CHECK_STR(buf, "2025-12-05T06:08:39.123Z deny ingress tcp 10.0.0.1:40000 -> 10.0.0.2:80 pod x/b (id 7) deny-ingress\n");
	kubenfctl_event_text(&ev, NULL, &ts, buf, sizeof(buf));
	CHECK_STR(buf, "2025-12-05T06:08:39.123Z deny ingress tcp 10.0.0.1:40000 -> 10.0.0.2:80 pod id 7 deny-ingress\n");

	CHECK_INT(kubenfctl_event_json(&ev, &s.names, &ts, &json), 0);
	CHECK_STR(json, "{\"time\":\"2025-12-05T06:08:39.123Z\",\"verdict\":\"deny\",\"direction\":\"ingress\",\"protocol\":\"tcp\",\"source\":\"10.0.0.1\",\"source_port\":40000,\"destination\":\"10.0.0.2\",\"destination_port\":80,\"pod_id\":7,\"pod\":\"x/b\",\"reason\":\"deny-ingress\"}\n");
	free(json);

	/* IPv6, and an event without the optional parts. */
	CHECK_INT(decode_event(event_msg(KUBENF_CMD_EVENT_DENY, "fd00::1",
					 "fd00::2", false), &ev), 0);
	kubenfctl_event_text(&ev, &s.names, &ts, buf, sizeof(buf));
	CHECK_STR(buf, "2025-12-05T06:08:39.123Z deny - tcp [fd00::1]:40000 -> [fd00::2]:80 pod - -\n");
	CHECK_INT(kubenfctl_event_json(&ev, NULL, &ts, &json), 0);
	CHECK_STR(json, "{\"time\":\"2025-12-05T06:08:39.123Z\",\"verdict\":\"deny\",\"protocol\":\"tcp\",\"source\":\"fd00::1\",\"source_port\":40000,\"destination\":\"fd00::2\",\"destination_port\":80}\n");
	free(json);

	/* Other commands are not deny events; mixed families are broken. */
	CHECK_INT(decode_event(event_msg(KUBENF_CMD_GET_INFO, "10.0.0.1",
					 "10.0.0.2", true), &ev), -ENOENT);
	CHECK_INT(decode_event(event_msg(KUBENF_CMD_EVENT_DENY, "10.0.0.1",
					 "fd00::2", true), &ev), -EBADMSG);
	CHECK_INT(decode_event(kubenf_nl_msg_new(KUBENF_CMD_EVENT_DENY, 0),
			       &ev), -EBADMSG);
}

static int print_pods(struct kubenfctl_out *out, const void *l)
{
	return kubenfctl_print_pods(out, l);
}

static int print_pols(struct kubenfctl_out *out, const void *l)
{
	return kubenfctl_print_policies(out, l);
}

static int print_psets(struct kubenfctl_out *out, const void *l)
{
	return kubenfctl_print_peersets(out, l);
}

void test_print_pol(void)
{
	struct kubenf_addr pod_addrs[2];
	uint32_t ingress[] = { 3, 4 };
	struct kubenf_pod pods[] = {
		{ .id = 7, .name = "x/b",
		  .flags = KUBENF_POD_F_INGRESS_ISOLATED,
		  .addrs = pod_addrs, .n_addrs = 2,
		  .ingress = ingress, .n_ingress = 2 },
		{ .id = 8 },
	};
	struct kubenf_pod_list pl = { .v = pods, .n = 2 };
	uint32_t peers[] = { 1, 2 };
	struct kubenf_port_range ports[] = {
		{ .proto = IPPROTO_TCP, .first = 80, .last = 80 },
		{ .proto = IPPROTO_UDP, .first = 1000, .last = 2000 },
		{ .proto = IPPROTO_SCTP },
	};
	struct kubenf_rule rules[] = {
		{ .peers = peers, .n_peers = 2, .ports = ports, .n_ports = 3,
		  .packets = 5, .has_packets = true },
		{ .packets = 0, .has_packets = true },
	};
	struct kubenf_policy pols[] = {
		{ .id = 3, .name = "x/allow-a/ingress",
		  .dir = KUBENF_DIR_INGRESS, .rules = rules, .n_rules = 2 },
		{ .id = 4, .name = "x/deny/egress", .dir = KUBENF_DIR_EGRESS },
	};
	struct kubenf_pol_list ol = { .v = pols, .n = 2 };
	struct kubenf_cidr except[2];
	struct kubenf_pset_entry entries[2];
	struct kubenf_peerset psets[] = {
		{ .id = 1, .name = "x/pods-a", .entries = entries,
		  .n_entries = 2 },
	};
	struct kubenf_pset_list sl = { .v = psets, .n = 1 };
	char *text;

	addr(&pod_addrs[0], "10.0.0.2");
	addr(&pod_addrs[1], "fd00::2");
	memset(entries, 0, sizeof(entries));
	addr(&entries[0].cidr.addr, "10.0.0.0");
	entries[0].cidr.prefix = 8;
	addr(&except[0].addr, "10.1.0.0");
	except[0].prefix = 16;
	addr(&except[1].addr, "10.2.0.0");
	except[1].prefix = 16;
	entries[0].except = except;
	entries[0].n_except = 2;
	addr(&entries[1].cidr.addr, "fd00::2");
	entries[1].cidr.prefix = 128;

	text = print(print_pods, &pl, KUBENFCTL_FMT_TABLE);
	CHECK_STR(text,
		  "id                7\n"
		  "name              x/b\n"
		  "flags             ingress-isolated\n"
		  "address           10.0.0.2\n"
		  "address           fd00::2\n"
		  "ingress policies  3, 4\n"
		  "egress policies   none\n"
		  "\n"
		  "id                8\n"
		  "name              -\n"
		  "flags             none\n"
		  "ingress policies  none\n"
		  "egress policies   none\n");
	free(text);
	text = print(print_pods, &pl, KUBENFCTL_FMT_JSON);
	CHECK(text && strstr(text,
		  "    \"id\": 7,\n"
		  "    \"name\": \"x/b\",\n"
		  "    \"flags\": [\n"
		  "      \"ingress-isolated\"\n"
		  "    ],\n"
		  "    \"addresses\": [\n"
		  "      \"10.0.0.2\",\n"
		  "      \"fd00::2\"\n"
		  "    ],\n"
		  "    \"ingress\": [\n"
		  "      3,\n"
		  "      4\n"
		  "    ],\n"
		  "    \"egress\": []\n"));

	free(text);

	text = print(print_pols, &ol, KUBENFCTL_FMT_TABLE);
	CHECK_STR(text,
		  "id         3\n"
		  "name       x/allow-a/ingress\n"
		  "direction  ingress\n"
		  "rule 0     peers 1,2 ports tcp/80,udp/1000-2000,sctp conns 5\n"
		  "rule 1     peers any ports any conns 0\n"
		  "\n"
		  "id         4\n"
		  "name       x/deny/egress\n"
		  "direction  egress\n"
		  "rules      none (allows nothing)\n");
	free(text);
	text = print(print_pols, &ol, KUBENFCTL_FMT_JSON);
	CHECK(text && strstr(text,
		  "        \"index\": 0,\n"
		  "        \"peers\": [\n"
		  "          1,\n"
		  "          2\n"
		  "        ],\n"
		  "        \"ports\": [\n"
		  "          {\n"
		  "            \"protocol\": \"tcp\",\n"
		  "            \"first\": 80,\n"
		  "            \"last\": 80\n"
		  "          },\n"));
	CHECK(text && strstr(text,
		  "          {\n"
		  "            \"protocol\": \"sctp\"\n"
		  "          }\n"
		  "        ],\n"
		  "        \"connections\": 5\n"));
	free(text);

	text = print(print_psets, &sl, KUBENFCTL_FMT_TABLE);
	CHECK_STR(text,
		  "id     1\n"
		  "name   x/pods-a\n"
		  "entry  10.0.0.0/8 except 10.1.0.0/16,10.2.0.0/16\n"
		  "entry  fd00::2/128\n");
	free(text);
	text = print(print_psets, &sl, KUBENFCTL_FMT_JSON);
	CHECK(text && strstr(text,
		  "        \"cidr\": \"10.0.0.0/8\",\n"
		  "        \"except\": [\n"
		  "          \"10.1.0.0/16\",\n"
		  "          \"10.2.0.0/16\"\n"
		  "        ]\n"));
	free(text);
}
