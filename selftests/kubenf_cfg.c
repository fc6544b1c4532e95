// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf_cfg: the smallest kubenf client, for the shell selftests. Raw
 * netlink (kubenf_nl.h), so the tests do not depend on kubenfctl.
 *
 *   kubenf_cfg [OPTIONS] info
 *   kubenf_cfg [OPTIONS] get
 *   kubenf_cfg [OPTIONS] set [flags N] [node ADDR]... [cidr ADDR/PREFIX]...
 *                            [name NAME]
 *   kubenf_cfg [OPTIONS] svc ID VIP PORT BACKEND BACKEND_PORT
 *   kubenf_cfg [OPTIONS] raw CMD		(a number, or a name: svc_get, ...)
 *   kubenf_cfg [OPTIONS] hold
 *
 * OPTIONS:
 *   -d        set NLM_F_DUMP on the request
 *   -e        print the kernel's answer ("0" or an errno name such as
 *             "EPERM") instead of the reply; exit 0 whenever it answered
 *   -x ERR    exit 0 if the kernel answered ERR (errno name, or 0), else 1
 *   -n PATH   enter that network namespace before opening the socket (what
 *             `ip netns exec` does, without its cost)
 *   -N PATH   enter it after opening the socket: requests act on the
 *             namespace of the socket, not of the sender
 *
 * info prints "key value" lines (version, generation, cookie, hooks and one
 * per count); get prints "flags 0x..", "node ADDR/P", "cidr ADDR/P" and
 * "name NAME" lines; set, svc and raw print nothing. svc sets service ID
 * with one TCP cluster IP frontend and one ready backend (which registers
 * the namespace's hooks). raw sends command number CMD with no attributes.
 * hold opens a transaction, prints "open" and keeps it (and its socket)
 * until killed: every other writer's change then fails with EBUSY.
 *
 * Exit status: 0 on success; 1 when the kernel answered an error (printed on
 * stderr as "kubenf_cfg: CMD: -ENAME: extack"); 2 on usage or local errors;
 * 3 when the family is not registered.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kubenf_nl.h"

/* put_addr() relies on ADDR6 following ADDR4. */
_Static_assert(KUBENF_FE_A_ADDR6 == KUBENF_FE_A_ADDR4 + 1, "FE ADDR6");
_Static_assert(KUBENF_BE_A_ADDR6 == KUBENF_BE_A_ADDR4 + 1, "BE ADDR6");

static struct knl_msg req, reply;

static const char *count_names[KUBENF_COUNT_A_MAX + 1] = {
	[KUBENF_COUNT_A_SERVICES]	= "services",
	[KUBENF_COUNT_A_FRONTENDS]	= "frontends",
	[KUBENF_COUNT_A_BACKENDS]	= "backends",
	[KUBENF_COUNT_A_PEERSETS]	= "peersets",
	[KUBENF_COUNT_A_POLICIES]	= "policies",
	[KUBENF_COUNT_A_PODS]		= "pods",
	[KUBENF_COUNT_A_MAX_SERVICES]	= "max_services",
	[KUBENF_COUNT_A_MAX_BACKENDS]	= "max_backends",
	[KUBENF_COUNT_A_MAX_PODS]	= "max_pods",
	[KUBENF_COUNT_A_MAX_RULES]	= "max_rules",
	[KUBENF_COUNT_A_MAX_PEERSETS]	= "max_peersets",
	[KUBENF_COUNT_A_MAX_POLICIES]	= "max_policies",
};

/* Commands for `raw` by name, so that scripts need no numbers. */
static const char *cmd_names[KUBENF_CMD_MAX + 1] = {
	[KUBENF_CMD_GET_INFO]		= "get_info",
	[KUBENF_CMD_SET_CONFIG]		= "set_config",
	[KUBENF_CMD_GET_CONFIG]		= "get_config",
	[KUBENF_CMD_TXN_BEGIN]		= "txn_begin",
	[KUBENF_CMD_TXN_COMMIT]		= "txn_commit",
	[KUBENF_CMD_TXN_ABORT]		= "txn_abort",
	[KUBENF_CMD_SVC_SET]		= "svc_set",
	[KUBENF_CMD_SVC_DEL]		= "svc_del",
	[KUBENF_CMD_SVC_GET]		= "svc_get",
	[KUBENF_CMD_PEERSET_SET]	= "peerset_set",
	[KUBENF_CMD_PEERSET_DEL]	= "peerset_del",
	[KUBENF_CMD_PEERSET_GET]	= "peerset_get",
	[KUBENF_CMD_POLICY_SET]		= "policy_set",
	[KUBENF_CMD_POLICY_DEL]		= "policy_del",
	[KUBENF_CMD_POLICY_GET]		= "policy_get",
	[KUBENF_CMD_POD_SET]		= "pod_set",
	[KUBENF_CMD_POD_DEL]		= "pod_del",
	[KUBENF_CMD_POD_GET]		= "pod_get",
	[KUBENF_CMD_GET_STATS]		= "get_stats",
	[KUBENF_CMD_EXPLAIN]		= "explain",
	[KUBENF_CMD_EVENT_DENY]		= "event_deny",
};

static int cmd_number(const char *s)
{
	char *end;
	long n;
	int i;

	for (i = 1; i <= KUBENF_CMD_MAX; i++)
		if (cmd_names[i] && !strcmp(s, cmd_names[i]))
			return i;
	n = strtol(s, &end, 0);
	return *s && !*end && n >= 0 && n <= 255 ? n : -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kubenf_cfg [-d] [-e|-x ERRNO|0] [-n|-N NETNS] info|get|hold|raw CMD\n"
		"       kubenf_cfg [-e|-x ERRNO|0] [-n|-N NETNS] set [flags N] [node ADDR]... "
		"[cidr ADDR/PREFIX]... [name NAME]\n"
		"       kubenf_cfg [-e|-x ERRNO|0] [-n|-N NETNS] svc ID VIP PORT "
		"BACKEND BACKEND_PORT\n");
	exit(2);
}

static int enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "kubenf_cfg: setns %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static const char *err_name(int err)
{
	const char *s;

	if (!err)
		return "0";
	s = strerrorname_np(err < 0 ? -err : err);
	return s ? s : "E?";
}

/* "ADDR" or "ADDR/PREFIX" as a CIDR element numbered @idx. */
static int put_cidr(struct knl_msg *m, uint16_t idx, const char *spec)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned char addr[16];
	int prefix = -1;
	size_t len;

	snprintf(buf, sizeof(buf), "%s", spec);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		prefix = atoi(slash + 1);
	}
	if (inet_pton(AF_INET, buf, addr) == 1)
		len = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		len = 16;
	else
		return -EINVAL;
	knl_put_cidr(m, idx, addr, len, prefix);
	return 0;
}

/* One nested array of CIDRs from every "KEY VALUE" pair with @key. */
static int put_cidrs(struct knl_msg *m, uint16_t type, const char *key,
		     int argc, char **argv)
{
	int i, nest = -1, n = 0;

	for (i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], key))
			continue;
		if (nest < 0)
			nest = knl_nest_start(m, type);
		if (put_cidr(m, ++n, argv[i + 1])) {
			fprintf(stderr, "kubenf_cfg: bad address %s\n",
				argv[i + 1]);
			return -EINVAL;
		}
	}
	if (nest >= 0)
		knl_nest_end(m, nest);
	return 0;
}

static int build_set(struct knl_msg *m, int argc, char **argv)
{
	int i, nest;

	if (argc % 2)
		return -EINVAL;
	nest = knl_nest_start(m, KUBENF_A_CONFIG);
	for (i = 0; i < argc; i += 2) {
		if (!strcmp(argv[i], "flags"))
			knl_put_u32(m, KUBENF_CFG_A_FLAGS,
				    strtoul(argv[i + 1], NULL, 0));
		else if (!strcmp(argv[i], "name"))
			knl_put_str(m, KUBENF_CFG_A_NODE_NAME, argv[i + 1]);
		else if (strcmp(argv[i], "node") && strcmp(argv[i], "cidr"))
			return -EINVAL;
	}
	if (put_cidrs(m, KUBENF_CFG_A_NODE_ADDRS, "node", argc, argv) ||
	    put_cidrs(m, KUBENF_CFG_A_CLUSTER_CIDRS, "cidr", argc, argv))
		return -EINVAL;
	knl_nest_end(m, nest);
	return 0;
}

/* An address attribute of the family of @s: ADDR4 at @type4, ADDR6 after. */
static int put_addr(struct knl_msg *m, uint16_t type4, const char *s)
{
	unsigned char addr[16];

	if (inet_pton(AF_INET, s, addr) == 1)
		knl_put(m, type4, addr, 4);
	else if (inet_pton(AF_INET6, s, addr) == 1)
		knl_put(m, type4 + 1, addr, 16);
	else
		return -EINVAL;
	return 0;
}

/* svc ID VIP PORT BACKEND BACKEND_PORT */
static int build_svc(struct knl_msg *m, int argc, char **argv)
{
	int svc, arr, elem;
	uint16_t port;

	if (argc != 5)
		return -EINVAL;
	svc = knl_nest_start(m, KUBENF_A_SERVICE);
	knl_put_u32(m, KUBENF_SVC_A_ID, strtoul(argv[0], NULL, 0));
	knl_put_str(m, KUBENF_SVC_A_NAME, "selftest/svc");

	arr = knl_nest_start(m, KUBENF_SVC_A_FRONTENDS);
	elem = knl_nest_start(m, 1);
	knl_put_u8(m, KUBENF_FE_A_KIND, KUBENF_FE_CLUSTER_IP);
	if (put_addr(m, KUBENF_FE_A_ADDR4, argv[1]))
		return -EINVAL;
	knl_put_u8(m, KUBENF_FE_A_PROTO, IPPROTO_TCP);
	port = strtoul(argv[2], NULL, 0);
	knl_put(m, KUBENF_FE_A_PORT, &port, sizeof(port));
	knl_nest_end(m, elem);
	knl_nest_end(m, arr);

	arr = knl_nest_start(m, KUBENF_SVC_A_BACKENDS);
	elem = knl_nest_start(m, 1);
	if (put_addr(m, KUBENF_BE_A_ADDR4, argv[3]))
		return -EINVAL;
	port = strtoul(argv[4], NULL, 0);
	knl_put(m, KUBENF_BE_A_PORT, &port, sizeof(port));
	knl_put_u32(m, KUBENF_BE_A_FLAGS, KUBENF_BE_F_READY | KUBENF_BE_F_SERVING);
	knl_nest_end(m, elem);
	knl_nest_end(m, arr);
	knl_nest_end(m, svc);
	return 0;
}

static int print_info(struct knl_msg *r)
{
	struct nlattr *tb[KUBENF_A_MAX + 1], *ctb[KUBENF_COUNT_A_MAX + 1];
	uint64_t gen, cookie;
	const char *version;
	uint8_t hooks;
	uint32_t v;
	void *head;
	int len, i;

	head = knl_payload(r, &len);
	if (knl_parse(tb, KUBENF_A_MAX, head, len, NULL))
		return -EPROTO;
	version = knl_get_str(tb[KUBENF_A_VERSION]);
	if (!version || knl_get_u64(tb[KUBENF_A_GENERATION], &gen) ||
	    knl_get_u64(tb[KUBENF_A_COOKIE], &cookie) ||
	    knl_get_u8(tb[KUBENF_A_HOOKS], &hooks))
		return -EPROTO;
	printf("version %s\ngeneration %" PRIu64 "\ncookie %" PRIu64
	       "\nhooks %u\n", version, gen, cookie, hooks);
	if (!tb[KUBENF_A_COUNTS] ||
	    knl_parse_nested(ctb, KUBENF_COUNT_A_MAX, tb[KUBENF_A_COUNTS], NULL))
		return -EPROTO;
	for (i = 1; i <= KUBENF_COUNT_A_MAX; i++) {
		if (!ctb[i])
			continue;
		if (knl_get_u32(ctb[i], &v))
			return -EPROTO;
		printf("%s %u\n", count_names[i], v);
	}
	return 0;
}

static int print_cidrs(const char *key, const struct nlattr *array)
{
	struct nlattr *tb[KUBENF_CIDR_A_MAX + 1], *pos;
	char buf[INET6_ADDRSTRLEN];
	const struct nlattr *a;
	uint8_t prefix;
	int rem;

	if (!array)
		return 0;
	knl_for_each_attr(pos, knl_data(array), knl_len(array), rem) {
		if (knl_parse_nested(tb, KUBENF_CIDR_A_MAX, pos, NULL) ||
		    knl_get_u8(tb[KUBENF_CIDR_A_PREFIX], &prefix))
			return -EPROTO;
		a = tb[KUBENF_CIDR_A_ADDR4] ?: tb[KUBENF_CIDR_A_ADDR6];
		if (!a || !inet_ntop(knl_len(a) == 4 ? AF_INET : AF_INET6,
				     knl_data(a), buf, sizeof(buf)))
			return -EPROTO;
		printf("%s %s/%u\n", key, buf, prefix);
	}
	return 0;
}

static int print_config(struct knl_msg *r)
{
	struct nlattr *tb[KUBENF_A_MAX + 1], *ctb[KUBENF_CFG_A_MAX + 1];
	const char *name;
	uint32_t flags;
	void *head;
	int len;

	head = knl_payload(r, &len);
	if (knl_parse(tb, KUBENF_A_MAX, head, len, NULL) ||
	    !tb[KUBENF_A_CONFIG] ||
	    knl_parse_nested(ctb, KUBENF_CFG_A_MAX, tb[KUBENF_A_CONFIG], NULL))
		return -EPROTO;
	if (ctb[KUBENF_CFG_A_FLAGS]) {
		if (knl_get_u32(ctb[KUBENF_CFG_A_FLAGS], &flags))
			return -EPROTO;
		printf("flags 0x%x\n", flags);
	}
	if (print_cidrs("node", ctb[KUBENF_CFG_A_NODE_ADDRS]) ||
	    print_cidrs("cidr", ctb[KUBENF_CFG_A_CLUSTER_CIDRS]))
		return -EPROTO;
	if (ctb[KUBENF_CFG_A_NODE_NAME]) {
		name = knl_get_str(ctb[KUBENF_CFG_A_NODE_NAME]);
		if (!name)
			return -EPROTO;
		printf("name %s\n", name);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *expect = NULL, *netns_before = NULL, *netns = NULL, *cmd;
	bool dump = false, print_answer = false;
	struct knl_ack ack;
	int opt, fd, family, ret;
	uint8_t nr;

	while ((opt = getopt(argc, argv, "+dex:n:N:h")) != -1) {
		switch (opt) {
		case 'e':
			print_answer = true;
			break;
		case 'n':
			netns_before = optarg;
			break;
		case 'N':
			netns = optarg;
			break;
		case 'd':
			dump = true;
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
	cmd = argv[optind++];

	if (!strcmp(cmd, "info"))
		nr = KUBENF_CMD_GET_INFO;
	else if (!strcmp(cmd, "get"))
		nr = KUBENF_CMD_GET_CONFIG;
	else if (!strcmp(cmd, "set"))
		nr = KUBENF_CMD_SET_CONFIG;
	else if (!strcmp(cmd, "svc"))
		nr = KUBENF_CMD_SVC_SET;
	else if (!strcmp(cmd, "hold"))
		nr = KUBENF_CMD_TXN_BEGIN;
	else if (!strcmp(cmd, "raw") && optind < argc &&
		 cmd_number(argv[optind]) >= 0)
		nr = cmd_number(argv[optind++]);
	else
		usage();

	if (netns_before && enter_netns(netns_before))
		return 2;
	fd = knl_open();
	if (fd < 0) {
		fprintf(stderr, "kubenf_cfg: netlink socket: %s\n",
			strerror(-fd));
		return 2;
	}
	if (netns && enter_netns(netns))
		return 2;
	family = knl_resolve(fd, KUBENF_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "kubenf_cfg: family %s: %s\n",
			KUBENF_GENL_NAME, strerror(-family));
		return family == -ENOENT ? 3 : 2;
	}

	knl_init(&req, family, dump ? NLM_F_DUMP : 0, nr, KUBENF_GENL_VERSION);
	if (!strcmp(cmd, "set") &&
	    build_set(&req, argc - optind, argv + optind))
		usage();
	if (!strcmp(cmd, "svc") &&
	    build_svc(&req, argc - optind, argv + optind))
		usage();

	reply.len = 0;
	ret = knl_xfer(fd, &req, &reply, &ack);
	if (!ret && !strcmp(cmd, "hold")) {
		printf("open\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	close(fd);

	if (print_answer) {
		printf("%s\n", err_name(ret));
		return 0;
	}
	if (expect) {
		if (!strcmp(expect, err_name(ret)))
			return 0;
		fprintf(stderr, "kubenf_cfg: %s: expected %s, got %s%s%s\n",
			cmd, expect, err_name(ret), ack.msg[0] ? ": " : "",
			ack.msg);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "kubenf_cfg: %s: -%s%s%s\n", cmd, err_name(ret),
			ack.msg[0] ? ": " : "", ack.msg);
		return 1;
	}
	if (reply.len && nr == KUBENF_CMD_GET_INFO)
		ret = print_info(&reply);
	else if (reply.len && nr == KUBENF_CMD_GET_CONFIG)
		ret = print_config(&reply);
	if (ret) {
		fprintf(stderr, "kubenf_cfg: %s: malformed reply\n", cmd);
		return 2;
	}
	return 0;
}
