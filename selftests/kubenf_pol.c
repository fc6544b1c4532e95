// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf_pol: kubenf's NetworkPolicy objects over raw netlink
 * (kubenf_nl.h), for the policy selftests, until kubenfctl has them.
 *
 *   kubenf_pol [OPTIONS] COMMAND [-- COMMAND]...
 *
 * COMMAND:
 *   peerset ID [name NAME] [ENTRY]...
 *           ENTRY: ADDR[/PREFIX][!EXCEPT/PREFIX]...   e.g. 10.0.0.0/8!10.1.0.0/16
 *   policy ID ingress|egress [name NAME] [rule [peers ID,...] [ports PORT,...]]...
 *           PORT: tcp|udp|sctp|NUMBER[:FIRST[-LAST]]; a rule without peers
 *           allows every peer, without ports every port; no rule: nothing
 *   pod ID [name NAME] [flags N] [isolate ingress|egress|both] [addr ADDR]...
 *           [ingress ID,...|-] [egress ID,...|-]     (-: an empty list)
 *   del peerset|policy|pod ID
 *   show peersets|policies|pods
 *   explain SRC DST PROTO [SPORT] DPORT
 *   stats
 *   events COUNT SECONDS     print "ready", then COUNT deny events
 *   fuzz SEED ROUNDS QUERIES
 *           random peersets (blocks with exceptions, both families) and
 *           policies on one pod, replaced ROUNDS times; each time QUERIES
 *           random flows are EXPLAINed and the allowing policy and rule
 *           compared with a naive evaluation here. Use an empty namespace:
 *           the rule set is replaced.
 *
 * OPTIONS:
 *   -n PATH   enter that network namespace first
 *   -t        send the commands in one transaction (BEGIN ... COMMIT)
 *   -r        the same, replacing everything (KUBENF_TXN_F_REPLACE)
 *   -x ERR    exit 0 if the answer is ERR (errno name or 0), else 1
 *   -e        print the answer instead ("0" or an errno name)
 *
 * The answer is that of the first command that failed, or of the commit.
 * Errors print "kubenf_pol: CMD: -ENAME: extack [cookie N]" on stderr.
 *
 * Output lines ("key=value" fields):
 *   peerset ID name=N entries=CIDR[!EXC...],...
 *   policy ID name=N dir=ingress|egress rules=N
 *   rule POLICY INDEX peers=ID,...|any ports=PROTO:FIRST-LAST,...|any packets=N
 *   pod ID name=N flags=N addrs=A,... ingress=ID,... egress=ID,...
 *   verdict accept=0|1 reason=R [dir=D pod=ID [policy=ID rule=N]]
 *           [svc=ID] [backend=ADDR:PORT]
 *   drops.REASON N / accepts.REASON N / events-suppressed N
 *   event dir=D pod=ID reason=R proto=P src=ADDR:PORT dst=ADDR:PORT
 *
 * Exit status: 0 success, 1 the kernel answered an error, 2 usage or local
 * error, 3 family not registered.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kubenf_nl.h"

static struct knl_msg req, reply;
static int family_id;
static int events_group = -1;
static int nl_fd;

static const char *const reasons[] = {
	[KUBENF_REASON_NONE]		= "none",
	[KUBENF_REASON_ALLOWED_RULE]	= "allowed-rule",
	[KUBENF_REASON_NOT_ISOLATED]	= "not-isolated",
	[KUBENF_REASON_FROM_NODE]	= "from-node",
	[KUBENF_REASON_DENY_INGRESS]	= "deny-ingress",
	[KUBENF_REASON_DENY_EGRESS]	= "deny-egress",
	[KUBENF_REASON_NO_ENDPOINT]	= "no-endpoint",
	[KUBENF_REASON_NO_SERVICE_PORT]	= "no-service-port",
	[KUBENF_REASON_SOURCE_RANGE]	= "source-range",
	[KUBENF_REASON_NAT_FAILED]	= "nat-failed",
	[KUBENF_REASON_ICMP_NO_CONN]	= "icmp-no-connection",
	[KUBENF_REASON_UNKNOWN_POD]	= "unknown-pod",
};

static const char *reason_name(unsigned int r)
{
	return r < sizeof(reasons) / sizeof(reasons[0]) && reasons[r] ?
	       reasons[r] : "?";
}

static const char *dir_name(unsigned int d)
{
	return d == KUBENF_DIR_INGRESS ? "ingress" :
	       d == KUBENF_DIR_EGRESS ? "egress" : "?";
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kubenf_pol [-n NETNS] [-t|-r] [-e|-x ERR] COMMAND [-- COMMAND]...\n"
		"  (see the top of selftests/kubenf_pol.c)\n");
	exit(2);
}

static const char *err_name(int err)
{
	const char *s;

	if (!err)
		return "0";
	s = strerrorname_np(err < 0 ? -err : err);
	return s ? s : "E?";
}

/* --- building requests ------------------------------------------------ */

struct addr {
	size_t len;		/* 4 or 16 */
	unsigned char b[16];
	int prefix;		/* -1: none given */
};

static int parse_addr(const char *s, struct addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	a->prefix = -1;
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		a->prefix = atoi(slash + 1);
	}
	if (inet_pton(AF_INET, buf, a->b) == 1)
		a->len = 4;
	else if (inet_pton(AF_INET6, buf, a->b) == 1)
		a->len = 16;
	else
		return -1;
	return 0;
}

static void put_addr(uint16_t a4, uint16_t a6, const struct addr *a)
{
	knl_put(&req, a->len == 4 ? a4 : a6, a->b, a->len);
}

/* "1,2,3" as a nested array of u32 numbered from 1; "-" is empty. */
static int put_ids(uint16_t type, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int nest = knl_nest_start(&req, type), n = 0;

	if (strcmp(list, "-")) {
		for (tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			knl_put_u32(&req, ++n, strtoul(tok, NULL, 0));
	}
	knl_nest_end(&req, nest);
	free(copy);
	return 0;
}

/* ADDR[/P][!EXC/P]... as the entry numbered @idx. */
static int put_entry(uint16_t idx, const char *spec)
{
	char *copy = strdup(spec), *tok, *save = NULL;
	int nest, exc = -1, n = 0;
	struct addr a;

	tok = strtok_r(copy, "!", &save);
	if (!tok || parse_addr(tok, &a))
		goto bad;
	nest = knl_nest_start(&req, idx);
	put_addr(KUBENF_CIDR_A_ADDR4, KUBENF_CIDR_A_ADDR6, &a);
	if (a.prefix >= 0)
		knl_put_u8(&req, KUBENF_CIDR_A_PREFIX, a.prefix);
	while ((tok = strtok_r(NULL, "!", &save))) {
		if (parse_addr(tok, &a))
			goto bad;
		if (exc < 0)
			exc = knl_nest_start(&req, KUBENF_CIDR_A_EXCEPT);
		knl_put_cidr(&req, ++n, a.b, a.len, a.prefix);
	}
	if (exc >= 0)
		knl_nest_end(&req, exc);
	knl_nest_end(&req, nest);
	free(copy);
	return 0;
bad:
	fprintf(stderr, "kubenf_pol: bad entry %s\n", spec);
	free(copy);
	return -1;
}

static int proto_number(const char *s)
{
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(s, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(s, "sctp"))
		return IPPROTO_SCTP;
	if (!strcmp(s, "icmp"))
		return IPPROTO_ICMP;
	return atoi(s);
}

/* "tcp:80-90,udp" as a PORTS array. */
static int put_ports(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL, *colon, *dash;
	int nest = knl_nest_start(&req, KUBENF_RULE_A_PORTS), n = 0, p;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		colon = strchr(tok, ':');
		if (colon)
			*colon = '\0';
		p = knl_nest_start(&req, ++n);
		knl_put_u8(&req, KUBENF_PORT_A_PROTO, proto_number(tok));
		if (colon) {
			uint16_t first, last;

			dash = strchr(colon + 1, '-');
			first = atoi(colon + 1);
			knl_put(&req, KUBENF_PORT_A_FIRST, &first, 2);
			if (dash) {
				last = atoi(dash + 1);
				knl_put(&req, KUBENF_PORT_A_LAST, &last, 2);
			}
		}
		knl_nest_end(&req, p);
	}
	knl_nest_end(&req, nest);
	free(copy);
	return 0;
}

static int build_peerset(int argc, char **argv)
{
	int nest, entries, i, n = 0;

	if (argc < 1)
		return -1;
	nest = knl_nest_start(&req, KUBENF_A_PEERSET);
	knl_put_u32(&req, KUBENF_SET_A_ID, strtoul(argv[0], NULL, 0));
	for (i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "name"))
			continue;
		knl_put_str(&req, KUBENF_SET_A_NAME, argv[i + 1]);
	}
	entries = knl_nest_start(&req, KUBENF_SET_A_ENTRIES);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "name")) {
			i++;
			continue;
		}
		if (put_entry(++n, argv[i]))
			return -1;
	}
	knl_nest_end(&req, entries);
	knl_nest_end(&req, nest);
	return 0;
}

static int build_policy(int argc, char **argv)
{
	int nest, rules = -1, rule = -1, n = 0, i;

	if (argc < 2)
		return -1;
	nest = knl_nest_start(&req, KUBENF_A_POLICY);
	knl_put_u32(&req, KUBENF_POL_A_ID, strtoul(argv[0], NULL, 0));
	if (!strcmp(argv[1], "ingress"))
		knl_put_u8(&req, KUBENF_POL_A_DIR, KUBENF_DIR_INGRESS);
	else if (!strcmp(argv[1], "egress"))
		knl_put_u8(&req, KUBENF_POL_A_DIR, KUBENF_DIR_EGRESS);
	else
		knl_put_u8(&req, KUBENF_POL_A_DIR, atoi(argv[1]));
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "name") && i + 1 < argc) {
			knl_put_str(&req, KUBENF_POL_A_NAME, argv[++i]);
		} else if (!strcmp(argv[i], "rule")) {
			if (rules < 0)
				rules = knl_nest_start(&req, KUBENF_POL_A_RULES);
			if (rule >= 0)
				knl_nest_end(&req, rule);
			rule = knl_nest_start(&req, ++n);
		} else if (!strcmp(argv[i], "peers") && rule >= 0 &&
			   i + 1 < argc) {
			put_ids(KUBENF_RULE_A_PEERS, argv[++i]);
		} else if (!strcmp(argv[i], "ports") && rule >= 0 &&
			   i + 1 < argc) {
			put_ports(argv[++i]);
		} else {
			fprintf(stderr, "kubenf_pol: policy: bad word %s\n",
				argv[i]);
			return -1;
		}
	}
	if (rule >= 0)
		knl_nest_end(&req, rule);
	if (rules >= 0)
		knl_nest_end(&req, rules);
	knl_nest_end(&req, nest);
	return 0;
}

static int build_pod(int argc, char **argv)
{
	int nest, addrs = -1, n = 0, i;
	uint32_t flags = 0;
	bool has_flags = false;
	struct addr a;

	if (argc < 1)
		return -1;
	nest = knl_nest_start(&req, KUBENF_A_POD);
	knl_put_u32(&req, KUBENF_POD_A_ID, strtoul(argv[0], NULL, 0));
	for (i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "name")) {
			knl_put_str(&req, KUBENF_POD_A_NAME, v);
		} else if (!strcmp(k, "flags")) {
			flags |= strtoul(v, NULL, 0);
			has_flags = true;
		} else if (!strcmp(k, "isolate")) {
			if (!strcmp(v, "ingress") || !strcmp(v, "both"))
				flags |= KUBENF_POD_F_INGRESS_ISOLATED;
			if (!strcmp(v, "egress") || !strcmp(v, "both"))
				flags |= KUBENF_POD_F_EGRESS_ISOLATED;
			has_flags = true;
		} else if (!strcmp(k, "addr")) {
			if (parse_addr(v, &a))
				return -1;
			if (addrs < 0)
				addrs = knl_nest_start(&req,
						       KUBENF_POD_A_ADDRS);
			knl_put_cidr(&req, ++n, a.b, a.len, a.prefix);
		} else if (strcmp(k, "ingress") && strcmp(k, "egress")) {
			fprintf(stderr, "kubenf_pol: pod: bad word %s\n", k);
			return -1;
		}
	}
	if (i != argc)
		return -1;
	if (addrs >= 0)
		knl_nest_end(&req, addrs);
	if (has_flags)
		knl_put_u32(&req, KUBENF_POD_A_FLAGS, flags);
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "ingress"))
			put_ids(KUBENF_POD_A_INGRESS, argv[i + 1]);
		else if (!strcmp(argv[i], "egress"))
			put_ids(KUBENF_POD_A_EGRESS, argv[i + 1]);
	}
	knl_nest_end(&req, nest);
	return 0;
}

static int build_del(int argc, char **argv, uint8_t *cmd)
{
	uint16_t type;
	int nest;

	if (argc != 2)
		return -1;
	if (!strcmp(argv[0], "peerset")) {
		*cmd = KUBENF_CMD_PEERSET_DEL;
		type = KUBENF_A_PEERSET;
	} else if (!strcmp(argv[0], "policy")) {
		*cmd = KUBENF_CMD_POLICY_DEL;
		type = KUBENF_A_POLICY;
	} else if (!strcmp(argv[0], "pod")) {
		*cmd = KUBENF_CMD_POD_DEL;
		type = KUBENF_A_POD;
	} else {
		return -1;
	}
	knl_genlh(&req)->cmd = *cmd;
	nest = knl_nest_start(&req, type);
	/* Every object nest has its ID at attribute 1. */
	knl_put_u32(&req, 1, strtoul(argv[1], NULL, 0));
	knl_nest_end(&req, nest);
	return 0;
}

static int build_explain(int argc, char **argv)
{
	struct addr src, dst;
	uint16_t sport = 0, dport;
	int nest;

	if ((argc != 4 && argc != 5) || parse_addr(argv[0], &src) ||
	    parse_addr(argv[1], &dst))
		return -1;
	if (argc == 5)
		sport = atoi(argv[3]);
	dport = atoi(argv[argc - 1]);
	nest = knl_nest_start(&req, KUBENF_A_FLOW);
	put_addr(KUBENF_FLOW_A_SRC4, KUBENF_FLOW_A_SRC6, &src);
	put_addr(KUBENF_FLOW_A_DST4, KUBENF_FLOW_A_DST6, &dst);
	knl_put_u8(&req, KUBENF_FLOW_A_PROTO, proto_number(argv[2]));
	knl_put(&req, KUBENF_FLOW_A_SPORT, &sport, 2);
	knl_put(&req, KUBENF_FLOW_A_DPORT, &dport, 2);
	knl_nest_end(&req, nest);
	return 0;
}

/* --- printing replies -------------------------------------------------- */

/* "a,b,c" of a nested array of u32, or @none when absent or empty. */
static void print_ids(const char *key, const struct nlattr *arr,
		      const char *none)
{
	struct nlattr *pos;
	uint32_t v;
	int rem, n = 0;

	printf(" %s=", key);
	if (arr) {
		knl_for_each_attr(pos, knl_data(arr), knl_len(arr), rem) {
			if (knl_get_u32(pos, &v))
				continue;
			printf("%s%u", n++ ? "," : "", v);
		}
	}
	if (!n)
		printf("%s", none);
}

static void print_addr(const struct nlattr *a4, const struct nlattr *a6)
{
	char buf[INET6_ADDRSTRLEN] = "?";
	const struct nlattr *a = a4 ?: a6;

	if (a)
		inet_ntop(a4 ? AF_INET : AF_INET6, knl_data(a), buf,
			  sizeof(buf));
	printf("%s", buf);
}

static void print_cidr(const struct nlattr *nest)
{
	struct nlattr *tb[KUBENF_CIDR_A_MAX + 1], *pos;
	uint8_t prefix = 0;
	int rem;

	if (knl_parse_nested(tb, KUBENF_CIDR_A_MAX, nest, NULL))
		return;
	knl_get_u8(tb[KUBENF_CIDR_A_PREFIX], &prefix);
	print_addr(tb[KUBENF_CIDR_A_ADDR4], tb[KUBENF_CIDR_A_ADDR6]);
	printf("/%u", prefix);
	if (!tb[KUBENF_CIDR_A_EXCEPT])
		return;
	knl_for_each_attr(pos, knl_data(tb[KUBENF_CIDR_A_EXCEPT]),
			  knl_len(tb[KUBENF_CIDR_A_EXCEPT]), rem) {
		printf("!");
		print_cidr(pos);
	}
}

static void print_cidrs(const char *key, const struct nlattr *arr)
{
	struct nlattr *pos;
	int rem, n = 0;

	printf(" %s=", key);
	if (!arr)
		return;
	knl_for_each_attr(pos, knl_data(arr), knl_len(arr), rem) {
		printf("%s", n++ ? "," : "");
		print_cidr(pos);
	}
}

static const char *str_or(const struct nlattr *a, const char *dflt)
{
	const char *s = knl_get_str(a);

	return s ? s : dflt;
}

static int print_peerset(struct nlattr **top)
{
	struct nlattr *tb[KUBENF_SET_A_MAX + 1];
	uint32_t id = 0;

	if (!top[KUBENF_A_PEERSET] ||
	    knl_parse_nested(tb, KUBENF_SET_A_MAX, top[KUBENF_A_PEERSET], NULL))
		return -EPROTO;
	knl_get_u32(tb[KUBENF_SET_A_ID], &id);
	printf("peerset %u name=%s", id, str_or(tb[KUBENF_SET_A_NAME], "-"));
	print_cidrs("entries", tb[KUBENF_SET_A_ENTRIES]);
	printf("\n");
	return 0;
}

static void print_ports(const struct nlattr *arr)
{
	struct nlattr *tb[KUBENF_PORT_A_MAX + 1], *pos;
	uint16_t first, last;
	uint8_t proto;
	int rem, n = 0;

	printf(" ports=");
	if (!arr) {
		printf("any");
		return;
	}
	knl_for_each_attr(pos, knl_data(arr), knl_len(arr), rem) {
		if (knl_parse_nested(tb, KUBENF_PORT_A_MAX, pos, NULL) ||
		    knl_get_u8(tb[KUBENF_PORT_A_PROTO], &proto))
			continue;
		printf("%s", n++ ? "," : "");
		if (proto == IPPROTO_TCP)
			printf("tcp");
		else if (proto == IPPROTO_UDP)
			printf("udp");
		else if (proto == IPPROTO_SCTP)
			printf("sctp");
		else
			printf("%u", proto);
		if (tb[KUBENF_PORT_A_FIRST] && tb[KUBENF_PORT_A_LAST]) {
			memcpy(&first, knl_data(tb[KUBENF_PORT_A_FIRST]), 2);
			memcpy(&last, knl_data(tb[KUBENF_PORT_A_LAST]), 2);
			printf(":%u-%u", first, last);
		}
	}
}

static int print_policy(struct nlattr **top)
{
	struct nlattr *tb[KUBENF_POL_A_MAX + 1], *rtb[KUBENF_RULE_A_MAX + 1];
	struct nlattr *pos;
	uint32_t id = 0;
	uint64_t packets;
	uint8_t dir = 255;
	int rem, n = 0;

	if (!top[KUBENF_A_POLICY] ||
	    knl_parse_nested(tb, KUBENF_POL_A_MAX, top[KUBENF_A_POLICY], NULL))
		return -EPROTO;
	knl_get_u32(tb[KUBENF_POL_A_ID], &id);
	if (tb[KUBENF_POL_A_DIR]) {
		knl_get_u8(tb[KUBENF_POL_A_DIR], &dir);
		if (tb[KUBENF_POL_A_RULES])
			knl_for_each_attr(pos, knl_data(tb[KUBENF_POL_A_RULES]),
					  knl_len(tb[KUBENF_POL_A_RULES]), rem)
				n++;
		printf("policy %u name=%s dir=%s rules=%d\n", id,
		       str_or(tb[KUBENF_POL_A_NAME], "-"), dir_name(dir), n);
	}
	if (!tb[KUBENF_POL_A_RULES])
		return 0;
	knl_for_each_attr(pos, knl_data(tb[KUBENF_POL_A_RULES]),
			  knl_len(tb[KUBENF_POL_A_RULES]), rem) {
		if (knl_parse_nested(rtb, KUBENF_RULE_A_MAX, pos, NULL))
			return -EPROTO;
		printf("rule %u %d", id, knl_type(pos) - 1);
		print_ids("peers", rtb[KUBENF_RULE_A_PEERS], "any");
		print_ports(rtb[KUBENF_RULE_A_PORTS]);
		packets = 0;
		knl_get_u64(rtb[KUBENF_RULE_A_CONNS], &packets);
		printf(" packets=%" PRIu64 "\n", packets);
	}
	return 0;
}

static int print_pod(struct nlattr **top)
{
	struct nlattr *tb[KUBENF_POD_A_MAX + 1];
	uint32_t id = 0, flags = 0;

	if (!top[KUBENF_A_POD] ||
	    knl_parse_nested(tb, KUBENF_POD_A_MAX, top[KUBENF_A_POD], NULL))
		return -EPROTO;
	knl_get_u32(tb[KUBENF_POD_A_ID], &id);
	knl_get_u32(tb[KUBENF_POD_A_FLAGS], &flags);
	printf("pod %u name=%s flags=%u", id, str_or(tb[KUBENF_POD_A_NAME], "-"),
	       flags);
	print_cidrs("addrs", tb[KUBENF_POD_A_ADDRS]);
	print_ids("ingress", tb[KUBENF_POD_A_INGRESS], "");
	print_ids("egress", tb[KUBENF_POD_A_EGRESS], "");
	printf("\n");
	return 0;
}

static int print_verdict(struct nlattr **top)
{
	struct nlattr *tb[KUBENF_VERDICT_A_MAX + 1];
	uint8_t accept = 0, reason = 0, dir;
	uint32_t v;
	uint16_t port = 0;

	if (!top[KUBENF_A_VERDICT] ||
	    knl_parse_nested(tb, KUBENF_VERDICT_A_MAX, top[KUBENF_A_VERDICT],
			     NULL) ||
	    knl_get_u8(tb[KUBENF_VERDICT_A_ACCEPT], &accept) ||
	    knl_get_u8(tb[KUBENF_VERDICT_A_REASON], &reason))
		return -EPROTO;
	printf("verdict accept=%u reason=%s", accept, reason_name(reason));
	if (!knl_get_u8(tb[KUBENF_VERDICT_A_DIR], &dir))
		printf(" dir=%s", dir_name(dir));
	if (!knl_get_u32(tb[KUBENF_VERDICT_A_POD_ID], &v))
		printf(" pod=%u", v);
	if (!knl_get_u32(tb[KUBENF_VERDICT_A_POLICY_ID], &v))
		printf(" policy=%u", v);
	if (!knl_get_u32(tb[KUBENF_VERDICT_A_RULE], &v))
		printf(" rule=%u", v);
	if (!knl_get_u32(tb[KUBENF_VERDICT_A_SVC_ID], &v))
		printf(" svc=%u", v);
	if (tb[KUBENF_VERDICT_A_BE_DST4] || tb[KUBENF_VERDICT_A_BE_DST6]) {
		printf(" backend=");
		print_addr(tb[KUBENF_VERDICT_A_BE_DST4],
			   tb[KUBENF_VERDICT_A_BE_DST6]);
		if (tb[KUBENF_VERDICT_A_BE_PORT])
			memcpy(&port, knl_data(tb[KUBENF_VERDICT_A_BE_PORT]), 2);
		printf(":%u", port);
	}
	printf("\n");
	return 0;
}

static void print_reasons(const char *key, const struct nlattr *arr)
{
	struct nlattr *pos;
	uint64_t v;
	int rem;

	if (!arr)
		return;
	knl_for_each_attr(pos, knl_data(arr), knl_len(arr), rem) {
		if (!knl_type(pos) || knl_get_u64(pos, &v))
			continue;
		printf("%s.%s %" PRIu64 "\n", key, reason_name(knl_type(pos)), v);
	}
}

static int print_stats(struct nlattr **top)
{
	struct nlattr *tb[KUBENF_STAT_A_MAX + 1];
	uint64_t v = 0;

	if (!top[KUBENF_A_STATS] ||
	    knl_parse_nested(tb, KUBENF_STAT_A_MAX, top[KUBENF_A_STATS], NULL))
		return -EPROTO;
	print_reasons("drops", tb[KUBENF_STAT_A_DROPS]);
	print_reasons("accepts", tb[KUBENF_STAT_A_ACCEPTS]);
	knl_get_u64(tb[KUBENF_STAT_A_EVENTS_SUPPRESSED], &v);
	printf("events-suppressed %" PRIu64 "\n", v);
	return 0;
}

static int print_event(struct nlattr **top)
{
	struct nlattr *tb[KUBENF_FLOW_A_MAX + 1];
	uint16_t sport = 0, dport = 0;
	uint8_t dir = 255, reason = 0, proto = 0;
	uint32_t pod = 0;

	if (!top[KUBENF_A_FLOW] ||
	    knl_parse_nested(tb, KUBENF_FLOW_A_MAX, top[KUBENF_A_FLOW], NULL))
		return -EPROTO;
	knl_get_u8(tb[KUBENF_FLOW_A_DIR], &dir);
	knl_get_u8(tb[KUBENF_FLOW_A_REASON], &reason);
	knl_get_u8(tb[KUBENF_FLOW_A_PROTO], &proto);
	knl_get_u32(tb[KUBENF_FLOW_A_POD_ID], &pod);
	if (tb[KUBENF_FLOW_A_SPORT])
		memcpy(&sport, knl_data(tb[KUBENF_FLOW_A_SPORT]), 2);
	if (tb[KUBENF_FLOW_A_DPORT])
		memcpy(&dport, knl_data(tb[KUBENF_FLOW_A_DPORT]), 2);
	printf("event dir=%s pod=%u reason=%s proto=%u src=", dir_name(dir),
	       pod, reason_name(reason), proto);
	print_addr(tb[KUBENF_FLOW_A_SRC4], tb[KUBENF_FLOW_A_SRC6]);
	printf(":%u dst=", sport);
	print_addr(tb[KUBENF_FLOW_A_DST4], tb[KUBENF_FLOW_A_DST6]);
	printf(":%u\n", dport);
	fflush(stdout);
	return 0;
}

/* --- netlink -------------------------------------------------------- */

static int parse_top(struct nlmsghdr *nlh, struct nlattr **tb)
{
	int len = nlh->nlmsg_len - KNL_HDRLEN;

	if (len < 0)
		return -EPROTO;
	return knl_parse(tb, KUBENF_A_MAX, (char *)nlh + KNL_HDRLEN, len,
			 NULL);
}

/* Family id and the events group, from CTRL_CMD_GETFAMILY. */
static int resolve(void)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct nlattr *pos;
	uint32_t grp;
	uint16_t id;
	void *head;
	int ret, len, rem;

	knl_init(&req, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	knl_put_str(&req, CTRL_ATTR_FAMILY_NAME, KUBENF_GENL_NAME);
	reply.len = 0;
	ret = knl_xfer(nl_fd, &req, &reply, NULL);
	if (ret)
		return ret;
	head = knl_payload(&reply, &len);
	if (!reply.len || knl_parse(tb, CTRL_ATTR_MAX, head, len, NULL) ||
	    !tb[CTRL_ATTR_FAMILY_ID] || knl_len(tb[CTRL_ATTR_FAMILY_ID]) != 2)
		return -EPROTO;
	memcpy(&id, knl_data(tb[CTRL_ATTR_FAMILY_ID]), sizeof(id));
	family_id = id;
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	knl_for_each_attr(pos, knl_data(tb[CTRL_ATTR_MCAST_GROUPS]),
			  knl_len(tb[CTRL_ATTR_MCAST_GROUPS]), rem) {
		const char *name;

		if (knl_parse_nested(gtb, CTRL_ATTR_MCAST_GRP_MAX, pos, NULL))
			continue;
		name = knl_get_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]);
		if (name && !strcmp(name, KUBENF_GENL_MCGRP_EVENTS) &&
		    !knl_get_u32(gtb[CTRL_ATTR_MCAST_GRP_ID], &grp))
			events_group = grp;
	}
	return 0;
}

/* The kernel's answer to one request, with the extack message and cookie. */
struct answer {
	int error;
	char msg[256];
	bool has_cookie;
	uint32_t cookie;
};

static void report(const char *cmd, const struct answer *a)
{
	fprintf(stderr, "kubenf_pol: %s: -%s%s%s", cmd, err_name(a->error),
		a->msg[0] ? ": " : "", a->msg);
	if (a->has_cookie)
		fprintf(stderr, " [cookie %u]", a->cookie);
	fprintf(stderr, "\n");
}

static void parse_ack(struct nlmsghdr *nlh, struct answer *a)
{
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const char *s;

	a->error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off > nlh->nlmsg_len ||
	    knl_parse(tb, NLMSGERR_ATTR_MAX, (char *)nlh + off,
		      nlh->nlmsg_len - off, NULL))
		return;
	s = knl_get_str(tb[NLMSGERR_ATTR_MSG]);
	if (s)
		snprintf(a->msg, sizeof(a->msg), "%s", s);
	if (!knl_get_u32(tb[NLMSGERR_ATTR_COOKIE], &a->cookie))
		a->has_cookie = true;
}

/*
 * Sends req (with NLM_F_ACK) and reads up to its ack; a reply before the
 * ack is copied into @out when given. Returns the answer's error.
 */
static int xfer(struct knl_msg *out, struct answer *a)
{
	static unsigned char buf[KNL_BUFSZ] __attribute__((aligned(8)));
	static uint32_t seq = 0x20000000;
	uint32_t my_seq = ++seq;
	struct nlmsghdr *nlh;
	ssize_t n;

	memset(a, 0, sizeof(*a));
	knl_nlh(&req)->nlmsg_seq = my_seq;
	knl_nlh(&req)->nlmsg_flags |= NLM_F_ACK;
	if (send(nl_fd, req.buf, req.len, 0) < 0)
		return a->error = -errno;
	for (;;) {
		n = recv(nl_fd, buf, sizeof(buf), 0);
		if (n < 0)
			return a->error = -errno;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != my_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				parse_ack(nlh, a);
				return a->error;
			}
			if (out && nlh->nlmsg_len <= sizeof(out->buf)) {
				memcpy(out->buf, nlh, nlh->nlmsg_len);
				out->len = nlh->nlmsg_len;
			}
		}
	}
}

/* A dump: every message through @print until NLMSG_DONE. */
static int dump(uint8_t cmd, int (*print)(struct nlattr **tb))
{
	static unsigned char buf[KNL_BUFSZ] __attribute__((aligned(8)));
	static uint32_t seq = 0x40000000;
	struct nlattr *tb[KUBENF_A_MAX + 1];
	struct nlmsghdr *nlh;
	uint32_t my_seq = ++seq;
	ssize_t n;

	knl_init(&req, family_id, NLM_F_DUMP, cmd, KUBENF_GENL_VERSION);
	knl_nlh(&req)->nlmsg_seq = my_seq;
	if (send(nl_fd, req.buf, req.len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(nl_fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != my_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				fprintf(stderr, "kubenf_pol: dump interrupted\n");
			if (parse_top(nlh, tb) || print(tb))
				return -EPROTO;
		}
	}
}

/* A doit whose reply @print shows. */
static int doit_print(const char *what, int (*print)(struct nlattr **tb),
		      struct answer *a)
{
	struct nlattr *tb[KUBENF_A_MAX + 1];
	struct nlmsghdr *nlh = (struct nlmsghdr *)reply.buf;
	int ret;

	reply.len = 0;
	ret = xfer(&reply, a);
	if (ret)
		return ret;
	if (!reply.len || parse_top(nlh, tb) || print(tb)) {
		fprintf(stderr, "kubenf_pol: %s: malformed reply\n", what);
		return -EPROTO;
	}
	return 0;
}

static int events(int argc, char **argv)
{
	static unsigned char buf[KNL_BUFSZ] __attribute__((aligned(8)));
	struct nlattr *tb[KUBENF_A_MAX + 1];
	struct pollfd pfd = { .fd = nl_fd, .events = POLLIN };
	struct timespec now, end;
	struct nlmsghdr *nlh;
	int want, got = 0;
	long left;
	ssize_t n;

	if (argc != 2 || events_group < 0)
		return -EINVAL;
	want = atoi(argv[0]);
	if (setsockopt(nl_fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &events_group, sizeof(events_group)))
		return -errno;
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += atoi(argv[1]);
	while (got < want) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000 +
		       (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -ETIMEDOUT;
		n = recv(nl_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			continue;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type != family_id ||
			    ((struct genlmsghdr *)NLMSG_DATA(nlh))->cmd !=
			    KUBENF_CMD_EVENT_DENY)
				continue;
			if (parse_top(nlh, tb) || print_event(tb))
				return -EPROTO;
			got++;
		}
	}
	return 0;
}

/* A request without attributes but transaction flags. */
static int simple(uint8_t cmd, uint32_t txn_flags, struct answer *a)
{
	knl_init(&req, family_id, 0, cmd, KUBENF_GENL_VERSION);
	if (txn_flags)
		knl_put_u32(&req, KUBENF_A_TXN_FLAGS, txn_flags);
	return xfer(NULL, a);
}

/* --- fuzz: the compiled lookup against a naive evaluation --------------- */

#define FZ_SETS		6
#define FZ_ENTRIES	6
#define FZ_EXCEPTS	3
#define FZ_POLICIES	2
#define FZ_RULES	8
#define FZ_PEERS	3
#define FZ_PORTS	3
#define FZ_POD4		"192.168.255.1"
#define FZ_POD6		"fd99::1"

struct fz_cidr {
	int len;		/* 4 or 16 */
	unsigned char b[16];
	int plen;
};

struct fz_entry {
	struct fz_cidr blk;
	int n_exc;
	struct fz_cidr exc[FZ_EXCEPTS];
};

struct fz_set {
	int n;
	struct fz_entry e[FZ_ENTRIES];
};

struct fz_rule {
	int n_peers;
	int peers[FZ_PEERS];	/* index into the sets */
	int n_ports;
	struct { int proto, first, last; } ports[FZ_PORTS];
};

struct fz_pol {
	int n_rules;
	struct fz_rule r[FZ_RULES];
};

static struct fz_set fz_sets[FZ_SETS];
static struct fz_pol fz_pols[FZ_POLICIES];
static uint64_t fz_state;

static uint32_t fz_rand(uint32_t n)
{
	/* xorshift64*: reproducible from the seed. */
	fz_state ^= fz_state >> 12;
	fz_state ^= fz_state << 25;
	fz_state ^= fz_state >> 27;
	return (uint32_t)((fz_state * 2685821657736338717ULL) >> 32) % n;
}

static void fz_mask(struct fz_cidr *c)
{
	int i;

	for (i = 0; i < c->len; i++) {
		int bits = c->plen - i * 8;

		if (bits <= 0)
			c->b[i] = 0;
		else if (bits < 8)
			c->b[i] &= 0xff << (8 - bits);
	}
}

static bool fz_contains(const struct fz_cidr *c, int len,
			const unsigned char *a)
{
	struct fz_cidr m;

	if (c->len != len)
		return false;
	m.len = len;
	m.plen = c->plen;
	memcpy(m.b, a, len);
	fz_mask(&m);
	return !memcmp(m.b, c->b, len);
}

/* An address in a small space, so that blocks overlap often. */
static void fz_addr(int len, unsigned char *b)
{
	memset(b, 0, 16);
	if (len == 4) {
		b[0] = 10;
		b[1] = fz_rand(2);
		b[2] = fz_rand(4);
		b[3] = fz_rand(256);
	} else {
		b[0] = 0xfd;
		b[7] = fz_rand(2);
		b[8] = fz_rand(4) << 6;
		b[15] = fz_rand(256);
	}
}

/* @c with random bits below its prefix. */
static void fz_inside(const struct fz_cidr *c, unsigned char *b)
{
	unsigned char r[16];
	int i;

	fz_addr(c->len, r);
	for (i = 0; i < c->len; i++) {
		int bits = c->plen - i * 8;
		unsigned char keep = bits <= 0 ? 0 : bits >= 8 ? 0xff :
				     0xff << (8 - bits);

		b[i] = (c->b[i] & keep) | (r[i] & ~keep);
	}
}

static int fz_plen(int len)
{
	static const int p4[] = { 0, 8, 15, 16, 22, 24, 25, 30, 31, 32, 32 };
	static const int p6[] = { 0, 8, 56, 63, 64, 66, 120, 127, 128, 128 };

	return len == 4 ? p4[fz_rand(sizeof(p4) / sizeof(p4[0]))] :
			  p6[fz_rand(sizeof(p6) / sizeof(p6[0]))];
}

static void fz_generate(void)
{
	int s, e, x, p, r, i;

	memset(fz_sets, 0, sizeof(fz_sets));
	memset(fz_pols, 0, sizeof(fz_pols));
	for (s = 0; s < FZ_SETS; s++) {
		fz_sets[s].n = fz_rand(FZ_ENTRIES + 1);
		for (e = 0; e < fz_sets[s].n; e++) {
			struct fz_entry *en = &fz_sets[s].e[e];

			en->blk.len = fz_rand(3) ? 4 : 16;
			fz_addr(en->blk.len, en->blk.b);
			en->blk.plen = fz_plen(en->blk.len);
			fz_mask(&en->blk);
			if (en->blk.plen == en->blk.len * 8)
				continue;
			en->n_exc = fz_rand(FZ_EXCEPTS + 1);
			for (x = 0; x < en->n_exc; x++) {
				struct fz_cidr *c = &en->exc[x];
				int room = en->blk.len * 8 - en->blk.plen;

				c->len = en->blk.len;
				fz_inside(&en->blk, c->b);
				c->plen = en->blk.plen + 1 + fz_rand(room);
				fz_mask(c);
			}
		}
	}
	for (p = 0; p < FZ_POLICIES; p++) {
		fz_pols[p].n_rules = fz_rand(FZ_RULES + 1);
		for (r = 0; r < fz_pols[p].n_rules; r++) {
			struct fz_rule *ru = &fz_pols[p].r[r];

			/* "Any" peer or port rarely: they hide the rest. */
			ru->n_peers = fz_rand(12) ? 1 + fz_rand(FZ_PEERS) : 0;
			for (i = 0; i < ru->n_peers; i++)
				ru->peers[i] = fz_rand(FZ_SETS);
			ru->n_ports = fz_rand(8) ? 1 + fz_rand(FZ_PORTS) : 0;
			for (i = 0; i < ru->n_ports; i++) {
				static const int protos[] = {
					IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP
				};

				ru->ports[i].proto = protos[fz_rand(3)];
				ru->ports[i].first = fz_rand(3) ? 1 + fz_rand(8) : 0;
				ru->ports[i].last = ru->ports[i].first ?
					ru->ports[i].first + fz_rand(4) : 0;
			}
		}
	}
}

static void fz_put_cidr(uint16_t idx, const struct fz_cidr *c)
{
	knl_put_cidr(&req, idx, c->b, c->len, c->plen);
}

/* The whole rule set in one REPLACE transaction. */
static int fz_apply(void)
{
	struct answer a;
	int s, e, x, p, r, i, n1, n2, n3, n4;
	unsigned char pod[16];

	if (simple(KUBENF_CMD_TXN_BEGIN, KUBENF_TXN_F_REPLACE, &a))
		return a.error;
	for (s = 0; s < FZ_SETS; s++) {
		knl_init(&req, family_id, 0, KUBENF_CMD_PEERSET_SET,
			 KUBENF_GENL_VERSION);
		n1 = knl_nest_start(&req, KUBENF_A_PEERSET);
		knl_put_u32(&req, KUBENF_SET_A_ID, s + 1);
		n2 = knl_nest_start(&req, KUBENF_SET_A_ENTRIES);
		for (e = 0; e < fz_sets[s].n; e++) {
			const struct fz_entry *en = &fz_sets[s].e[e];

			n3 = knl_nest_start(&req, e + 1);
			knl_put(&req, en->blk.len == 4 ? KUBENF_CIDR_A_ADDR4 :
				KUBENF_CIDR_A_ADDR6, en->blk.b, en->blk.len);
			knl_put_u8(&req, KUBENF_CIDR_A_PREFIX, en->blk.plen);
			if (en->n_exc) {
				n4 = knl_nest_start(&req, KUBENF_CIDR_A_EXCEPT);
				for (x = 0; x < en->n_exc; x++)
					fz_put_cidr(x + 1, &en->exc[x]);
				knl_nest_end(&req, n4);
			}
			knl_nest_end(&req, n3);
		}
		knl_nest_end(&req, n2);
		knl_nest_end(&req, n1);
		if (xfer(NULL, &a))
			return a.error;
	}
	for (p = 0; p < FZ_POLICIES; p++) {
		knl_init(&req, family_id, 0, KUBENF_CMD_POLICY_SET,
			 KUBENF_GENL_VERSION);
		n1 = knl_nest_start(&req, KUBENF_A_POLICY);
		knl_put_u32(&req, KUBENF_POL_A_ID, p + 1);
		knl_put_u8(&req, KUBENF_POL_A_DIR, KUBENF_DIR_INGRESS);
		n2 = knl_nest_start(&req, KUBENF_POL_A_RULES);
		for (r = 0; r < fz_pols[p].n_rules; r++) {
			const struct fz_rule *ru = &fz_pols[p].r[r];

			n3 = knl_nest_start(&req, r + 1);
			if (ru->n_peers) {
				n4 = knl_nest_start(&req, KUBENF_RULE_A_PEERS);
				for (i = 0; i < ru->n_peers; i++)
					knl_put_u32(&req, i + 1, ru->peers[i] + 1);
				knl_nest_end(&req, n4);
			}
			if (ru->n_ports) {
				n4 = knl_nest_start(&req, KUBENF_RULE_A_PORTS);
				for (i = 0; i < ru->n_ports; i++) {
					int pn = knl_nest_start(&req, i + 1);
					uint16_t f = ru->ports[i].first;
					uint16_t l = ru->ports[i].last;

					knl_put_u8(&req, KUBENF_PORT_A_PROTO,
						   ru->ports[i].proto);
					if (f) {
						knl_put(&req, KUBENF_PORT_A_FIRST, &f, 2);
						knl_put(&req, KUBENF_PORT_A_LAST, &l, 2);
					}
					knl_nest_end(&req, pn);
				}
				knl_nest_end(&req, n4);
			}
			knl_nest_end(&req, n3);
		}
		knl_nest_end(&req, n2);
		knl_nest_end(&req, n1);
		if (xfer(NULL, &a))
			return a.error;
	}
	knl_init(&req, family_id, 0, KUBENF_CMD_POD_SET, KUBENF_GENL_VERSION);
	n1 = knl_nest_start(&req, KUBENF_A_POD);
	knl_put_u32(&req, KUBENF_POD_A_ID, 1);
	knl_put_u32(&req, KUBENF_POD_A_FLAGS, KUBENF_POD_F_INGRESS_ISOLATED);
	n2 = knl_nest_start(&req, KUBENF_POD_A_ADDRS);
	inet_pton(AF_INET, FZ_POD4, pod);
	knl_put_cidr(&req, 1, pod, 4, -1);
	inet_pton(AF_INET6, FZ_POD6, pod);
	knl_put_cidr(&req, 2, pod, 16, -1);
	knl_nest_end(&req, n2);
	n2 = knl_nest_start(&req, KUBENF_POD_A_INGRESS);
	for (p = 0; p < FZ_POLICIES; p++)
		knl_put_u32(&req, p + 1, p + 1);
	knl_nest_end(&req, n2);
	knl_nest_end(&req, n1);
	if (xfer(NULL, &a))
		return a.error;
	if (simple(KUBENF_CMD_TXN_COMMIT, 0, &a))
		return a.error;
	return 0;
}

static bool fz_peer_match(const struct fz_rule *ru, int len,
			  const unsigned char *a)
{
	int i, e, x;

	if (!ru->n_peers)
		return true;
	for (i = 0; i < ru->n_peers; i++) {
		const struct fz_set *s = &fz_sets[ru->peers[i]];

		for (e = 0; e < s->n; e++) {
			const struct fz_entry *en = &s->e[e];
			bool out = false;

			if (!fz_contains(&en->blk, len, a))
				continue;
			for (x = 0; x < en->n_exc && !out; x++)
				out = fz_contains(&en->exc[x], len, a);
			if (!out)
				return true;
		}
	}
	return false;
}

static bool fz_port_match(const struct fz_rule *ru, int proto, int port)
{
	int i;

	if (!ru->n_ports)
		return true;
	for (i = 0; i < ru->n_ports; i++)
		if (ru->ports[i].proto == proto &&
		    (!ru->ports[i].first ||
		     (port >= ru->ports[i].first && port <= ru->ports[i].last)))
			return true;
	return false;
}

/* Naive: the first policy, then its first rule, that allows. */
static bool fz_expect(int len, const unsigned char *a, int proto, int port,
		      int *pol, int *rule)
{
	int p, r;

	for (p = 0; p < FZ_POLICIES; p++) {
		for (r = 0; r < fz_pols[p].n_rules; r++) {
			const struct fz_rule *ru = &fz_pols[p].r[r];

			if (fz_peer_match(ru, len, a) &&
			    fz_port_match(ru, proto, port)) {
				*pol = p + 1;
				*rule = r;
				return true;
			}
		}
	}
	return false;
}

static int fz_query(int len, const unsigned char *a, int proto, int port)
{
	static const char *names[] = { [6] = "tcp", [17] = "udp",
				       [132] = "sctp" };
	struct nlattr *tb[KUBENF_A_MAX + 1], *vtb[KUBENF_VERDICT_A_MAX + 1];
	uint32_t got_pol = 0, got_rule = 0;
	int want_pol = 0, want_rule = 0, nest;
	unsigned char dst[16];
	uint16_t sport = 1000, dport = port;
	uint8_t accept = 0;
	bool want;
	struct answer an;
	char buf[INET6_ADDRSTRLEN];

	want = fz_expect(len, a, proto, port, &want_pol, &want_rule);
	knl_init(&req, family_id, 0, KUBENF_CMD_EXPLAIN, KUBENF_GENL_VERSION);
	nest = knl_nest_start(&req, KUBENF_A_FLOW);
	inet_pton(len == 4 ? AF_INET : AF_INET6, len == 4 ? FZ_POD4 : FZ_POD6,
		  dst);
	knl_put(&req, len == 4 ? KUBENF_FLOW_A_SRC4 : KUBENF_FLOW_A_SRC6, a,
		len);
	knl_put(&req, len == 4 ? KUBENF_FLOW_A_DST4 : KUBENF_FLOW_A_DST6, dst,
		len);
	knl_put_u8(&req, KUBENF_FLOW_A_PROTO, proto);
	knl_put(&req, KUBENF_FLOW_A_SPORT, &sport, 2);
	knl_put(&req, KUBENF_FLOW_A_DPORT, &dport, 2);
	knl_nest_end(&req, nest);
	reply.len = 0;
	if (xfer(&reply, &an) || !reply.len ||
	    parse_top((struct nlmsghdr *)reply.buf, tb) ||
	    !tb[KUBENF_A_VERDICT] ||
	    knl_parse_nested(vtb, KUBENF_VERDICT_A_MAX, tb[KUBENF_A_VERDICT],
			     NULL) ||
	    knl_get_u8(vtb[KUBENF_VERDICT_A_ACCEPT], &accept)) {
		fprintf(stderr, "kubenf_pol: fuzz: explain failed: %s\n",
			an.msg);
		return -1;
	}
	knl_get_u32(vtb[KUBENF_VERDICT_A_POLICY_ID], &got_pol);
	knl_get_u32(vtb[KUBENF_VERDICT_A_RULE], &got_rule);
	if (accept == want && (!want || ((int)got_pol == want_pol &&
					 (int)got_rule == want_rule)))
		return 0;
	inet_ntop(len == 4 ? AF_INET : AF_INET6, a, buf, sizeof(buf));
	printf("mismatch: %s %s:%d: kernel accept=%u policy=%u rule=%u, "
	       "expected accept=%d policy=%d rule=%d\n", buf, names[proto],
	       port, accept, got_pol, got_rule, want, want_pol, want_rule);
	return 1;
}

/* A query address: near an entry or an exception, or anywhere. */
static int fz_pick(unsigned char *a)
{
	const struct fz_set *s = &fz_sets[fz_rand(FZ_SETS)];
	const struct fz_entry *en;
	int len = fz_rand(3) ? 4 : 16;

	if (!s->n || fz_rand(4) == 0) {
		fz_addr(len, a);
		return len;
	}
	en = &s->e[fz_rand(s->n)];
	if (en->n_exc && fz_rand(2))
		fz_inside(&en->exc[fz_rand(en->n_exc)], a);
	else
		fz_inside(&en->blk, a);
	return en->blk.len;
}

static void fz_dump(void)
{
	char buf[INET6_ADDRSTRLEN];
	int s, e, x, p, r, i;

	for (s = 0; s < FZ_SETS; s++) {
		printf("# peerset %d:", s + 1);
		for (e = 0; e < fz_sets[s].n; e++) {
			const struct fz_entry *en = &fz_sets[s].e[e];

			inet_ntop(en->blk.len == 4 ? AF_INET : AF_INET6,
				  en->blk.b, buf, sizeof(buf));
			printf(" %s/%d", buf, en->blk.plen);
			for (x = 0; x < en->n_exc; x++) {
				inet_ntop(en->blk.len == 4 ? AF_INET : AF_INET6,
					  en->exc[x].b, buf, sizeof(buf));
				printf("!%s/%d", buf, en->exc[x].plen);
			}
		}
		printf("\n");
	}
	for (p = 0; p < FZ_POLICIES; p++) {
		for (r = 0; r < fz_pols[p].n_rules; r++) {
			const struct fz_rule *ru = &fz_pols[p].r[r];

			printf("# policy %d rule %d peers", p + 1, r);
			for (i = 0; i < ru->n_peers; i++)
				printf(" %d", ru->peers[i] + 1);
			printf(" ports");
			for (i = 0; i < ru->n_ports; i++)
				printf(" %d:%d-%d", ru->ports[i].proto,
				       ru->ports[i].first, ru->ports[i].last);
			printf("\n");
		}
	}
}

static int fuzz(int argc, char **argv)
{
	static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
	int rounds, queries, round, q, ret, bad = 0, total = 0, allowed = 0;
	unsigned char a[16];

	if (argc != 3)
		return 2;
	fz_state = strtoull(argv[0], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	rounds = atoi(argv[1]);
	queries = atoi(argv[2]);
	for (round = 0; round < rounds; round++) {
		int bad_round = 0;

		fz_generate();
		ret = fz_apply();
		if (ret) {
			fprintf(stderr, "kubenf_pol: fuzz: round %d: %s\n",
				round, err_name(ret));
			fz_dump();
			return ret;
		}
		for (q = 0; q < queries; q++) {
			int len = fz_pick(a), proto = protos[fz_rand(3)];
			int port = 1 + fz_rand(12), p, r;

			allowed += fz_expect(len, a, proto, port, &p, &r);
			ret = fz_query(len, a, proto, port);
			if (ret < 0)
				return -EPROTO;
			bad_round += ret;
			total++;
		}
		if (bad_round)
			fz_dump();
		bad += bad_round;
	}
	printf("fuzz: %d rounds, %d flows (%d allowed), %d mismatches\n",
	       rounds, total, allowed, bad);
	return bad ? -EDOM : 0;
}

static int enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "kubenf_pol: setns %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Runs one command; returns the kernel's answer, or 2 for usage errors. */
static int run(int argc, char **argv, struct answer *a)
{
	const char *cmd = argv[0];
	uint8_t nr = 0;
	int ret;

	argc--;
	argv++;
	memset(a, 0, sizeof(*a));
	if (!strcmp(cmd, "show") && argc == 1) {
		if (!strcmp(argv[0], "peersets"))
			return dump(KUBENF_CMD_PEERSET_GET, print_peerset);
		if (!strcmp(argv[0], "policies"))
			return dump(KUBENF_CMD_POLICY_GET, print_policy);
		if (!strcmp(argv[0], "pods"))
			return dump(KUBENF_CMD_POD_GET, print_pod);
		return 2;
	}
	if (!strcmp(cmd, "stats")) {
		knl_init(&req, family_id, 0, KUBENF_CMD_GET_STATS,
			 KUBENF_GENL_VERSION);
		return doit_print(cmd, print_stats, a);
	}
	if (!strcmp(cmd, "events"))
		return events(argc, argv);
	if (!strcmp(cmd, "fuzz"))
		return fuzz(argc, argv);

	knl_init(&req, family_id, 0, 0, KUBENF_GENL_VERSION);
	if (!strcmp(cmd, "peerset")) {
		nr = KUBENF_CMD_PEERSET_SET;
		ret = build_peerset(argc, argv);
	} else if (!strcmp(cmd, "policy")) {
		nr = KUBENF_CMD_POLICY_SET;
		ret = build_policy(argc, argv);
	} else if (!strcmp(cmd, "pod")) {
		nr = KUBENF_CMD_POD_SET;
		ret = build_pod(argc, argv);
	} else if (!strcmp(cmd, "del")) {
		ret = build_del(argc, argv, &nr);
	} else if (!strcmp(cmd, "explain")) {
		nr = KUBENF_CMD_EXPLAIN;
		ret = build_explain(argc, argv);
	} else {
		return 2;
	}
	if (ret)
		return 2;
	knl_genlh(&req)->cmd = nr;
	if (nr == KUBENF_CMD_EXPLAIN)
		return doit_print(cmd, print_verdict, a);
	return xfer(NULL, a);
}

int main(int argc, char **argv)
{
	const char *expect = NULL, *netns = NULL, *failed = NULL;
	bool txn = false, print_answer = false;
	uint32_t txn_flags = 0;
	struct answer a, fail = { 0 };
	int opt, i, end, ret;

	while ((opt = getopt(argc, argv, "+ertn:x:h")) != -1) {
		switch (opt) {
		case 'e':
			print_answer = true;
			break;
		case 'r':
			txn_flags = KUBENF_TXN_F_REPLACE;
			txn = true;
			break;
		case 't':
			txn = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'x':
			expect = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (netns && enter_netns(netns))
		return 2;
	nl_fd = knl_open();
	if (nl_fd < 0) {
		fprintf(stderr, "kubenf_pol: netlink: %s\n", strerror(-nl_fd));
		return 2;
	}
	ret = resolve();
	if (ret) {
		fprintf(stderr, "kubenf_pol: family %s: %s\n",
			KUBENF_GENL_NAME, strerror(-ret));
		return ret == -ENOENT ? 3 : 2;
	}

	if (txn && simple(KUBENF_CMD_TXN_BEGIN, txn_flags, &fail))
		failed = "txn_begin";
	/* Commands are separated by "--"; stop at the first failure. */
	for (i = optind; i < argc && !failed; i = end + 1) {
		for (end = i; end < argc && strcmp(argv[end], "--"); end++)
			;
		if (end == i)
			usage();
		ret = run(end - i, argv + i, &a);
		if (ret == 2) {
			fprintf(stderr, "kubenf_pol: bad command %s\n", argv[i]);
			return 2;
		}
		if (ret) {
			a.error = ret;
			fail = a;
			failed = argv[i];
		}
	}
	if (txn && !failed && simple(KUBENF_CMD_TXN_COMMIT, 0, &fail))
		failed = "txn_commit";
	close(nl_fd);

	if (print_answer) {
		printf("%s\n", err_name(fail.error));
		return 0;
	}
	if (failed && (!expect || strcmp(expect, err_name(fail.error))))
		report(failed, &fail);
	if (expect)
		return strcmp(expect, err_name(fail.error)) ? 1 : 0;
	return failed ? 1 : 0;
}
