// SPDX-License-Identifier: GPL-2.0
/* kubenfctl_main() in-process, with fds 1 and 2 captured. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kubenf.h>

#include "kubenfctl.h"
#include "model.h"
#include "text.h"
#include "tests.h"

struct run {
	char *out;	/* stdout, NUL-terminated */
	char *err;	/* stderr */
	int status;
};

static char *slurp(FILE *f)
{
	char *s = NULL;
	long size;

	fflush(f);
	size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	s = calloc(1, size + 1);
	if (s && fread(s, 1, size, f) != (size_t)size) {
		free(s);
		s = NULL;
	}
	return s;
}

/* kubenfctl_main("kubenfctl", args..., NULL). */
static void run(struct run *r, ...)
{
	char *argv[16] = { "kubenfctl" };
	int argc = 1, saved_out, saved_err;
	FILE *out, *err;
	va_list ap;

	va_start(ap, r);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);

	memset(r, 0, sizeof(*r));
	r->status = -1;
	out = tmpfile();
	err = tmpfile();
	CHECK(out && err);
	if (!out || !err)
		goto cleanup;

	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(out), STDOUT_FILENO);
	dup2(fileno(err), STDERR_FILENO);
	r->status = kubenfctl_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);

	r->out = slurp(out);
	r->err = slurp(err);
cleanup:
	if (out)
		fclose(out);
	if (err)
		fclose(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

#define USAGE "Usage: kubenfctl [-o json|table] <command> [<args>] " \
	      "(see kubenfctl help)\n"

void test_cli_unknown_command(void)
{
	struct run r;

	run(&r, "bogus", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, "kubenfctl: unknown command \"bogus\"\n" USAGE);
	run_free(&r);
}

void test_cli_bad_output(void)
{
	struct run r;

	run(&r, "-o", "bogus", "info", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, "kubenfctl: invalid output format \"bogus\" "
			 "(expected json or table)\n" USAGE);
	run_free(&r);

	run(&r, "--output=yaml", NULL);
	CHECK_INT(r.status, 2);
	run_free(&r);
}

void test_cli_usage_errors(void)
{
	struct run r;

	run(&r, "-x", "info", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: unknown option \"-x\"\n" USAGE);
	run_free(&r);

	run(&r, "--bogus", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: unknown option \"--bogus\"\n" USAGE);
	run_free(&r);

	run(&r, "-o", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: option \"-o\" needs an argument\n" USAGE);
	run_free(&r);

	/* Subcommands check their own arguments; nothing is sent. */
	run(&r, "info", "extra", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, "kubenfctl: info: unexpected argument \"extra\"\n"
			 "Usage: kubenfctl [-o json|table] info\n");
	run_free(&r);

	run(&r, "help", "me", NULL);
	CHECK_INT(r.status, 2);
	run_free(&r);
}

void test_cli_version_help(void)
{
	struct run r;

	run(&r, "--version", NULL);
	CHECK_INT(r.status, 0);
	CHECK(r.out && !strncmp(r.out, "kubenfctl ", 10) &&
	      strlen(r.out) > 11 && strchr(r.out, '\n') == r.out +
							strlen(r.out) - 1);
	CHECK_STR(r.err, "");
	run_free(&r);

	run(&r, "help", NULL);
	CHECK_INT(r.status, 0);
	CHECK(r.out && strstr(r.out, "\n  info          show the module version"));
	CHECK(r.out && strstr(r.out, "\n  svc [show]    list the services"));
	CHECK(r.out && strstr(r.out, "\n  svc set       create or replace a service\n"));
	CHECK(r.out && strstr(r.out, "\n  config [show] show the node configuration\n"));
	CHECK(r.out && strstr(r.out, "\n  help          show this help\n"));
	CHECK_STR(r.err, "");
	run_free(&r);

	run(&r, "svc", "--help", NULL);
	CHECK_INT(r.status, 0);
	CHECK_STR(r.out, "Usage: kubenfctl [-o json|table] svc [show | set | del] [<args>]\n"
			 "  show  list the services: frontends, backends, counters\n"
			 "  set   create or replace a service\n"
			 "  del   delete a service\n");
	run_free(&r);

	run(&r, "svc", "set", "-h", NULL);
	CHECK_INT(r.status, 0);
	CHECK(r.out && !strncmp(r.out, "Usage: kubenfctl svc set ID [name NAME]", 39));
	run_free(&r);

	run(&r, "apply", "--help", NULL);
	CHECK_INT(r.status, 0);
	CHECK(r.out && !strncmp(r.out, "Usage: kubenfctl [-o json|table] apply [--replace] FILE\n", 56));
	run_free(&r);

	run(&r, "--help", NULL);
	CHECK_INT(r.status, 0);
	CHECK(r.out && !strncmp(r.out, "Usage: kubenfctl", 16));
	run_free(&r);

	run(&r, "info", "--help", NULL);
	CHECK_INT(r.status, 0);
	CHECK_STR(r.out, "Usage: kubenfctl [-o json|table] info\n");
	run_free(&r);
}

void test_cli_not_loaded(void)
{
	static const char msg[] = "kubenfctl: kubenf module not loaded "
		"(generic netlink family \"kubenf\" not found); "
		"load it with modprobe kubenf\n";
	struct run r;

	if (!access("/sys/module/kubenf", F_OK)) {
		SKIP("kubenf is loaded");
		return;
	}
	run(&r, "info", NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, msg);
	run_free(&r);

	run(&r, "-o", "json", "info", NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, msg);
	run_free(&r);

	/* A bare kubenfctl is kubenfctl info. */
	run(&r, NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.err, msg);
	run_free(&r);
}

static char *format(const char *what, int err, bool rejected,
		    const char *extack)
{
	char *text = NULL;
	size_t size;
	FILE *f;

	f = open_memstream(&text, &size);
	CHECK(f);
	if (!f)
		return NULL;
	kubenfctl_print_nl_error(f, what, err, rejected, extack);
	fclose(f);
	return text;
}

void test_cli_error_messages(void)
{
	static const struct {
		int err;
		bool rejected;
		const char *extack;
		const char *want;
	} cases[] = {
		{ -EPERM, true, "",
		  "kubenfctl: permission denied: CAP_NET_ADMIN in the initial "
		  "user namespace is required\n" },
		{ -EACCES, false, "",
		  "kubenfctl: permission denied: CAP_NET_ADMIN in the initial "
		  "user namespace is required\n" },
		{ -EINVAL, true, "missing attribute: KUBENF_SVC_A_ID",
		  "kubenfctl: kernel rejected info: missing attribute: "
		  "KUBENF_SVC_A_ID (Invalid argument)\n" },
		{ -ENOSPC, true, "",
		  "kubenfctl: kernel rejected info: No space left on device\n"
		},
		{ -EBADMSG, false, "",
		  "kubenfctl: info: Bad message\n" },
	};
	size_t i;
	char *s;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		s = format("info", cases[i].err, cases[i].rejected,
			   cases[i].extack);
		CHECK_STR(s, cases[i].want);
		free(s);
	}
}

/* Split @line at spaces into @argv (at most 63 words); returns argc. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *tok;

	for (tok = strtok(line, " "); tok && argc < 63; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return argc;
}

#define SET_USAGE "Usage: kubenfctl svc set ID [name NAME] [flags FLAGS] " \
	"[affinity SECONDS] [fe KIND PROTO ADDR:PORT]... " \
	"[be ADDR:PORT [FLAGS]]... [range CIDR]...\n"

void test_cli_svc_set_parse(void)
{
	static const struct {
		const char *args;
		const char *msg;
	} bad[] = {
		{ "set", "missing service ID" },
		{ "set 0", "invalid service ID \"0\" (expected 1-4294967295)" },
		{ "set web", "invalid service ID \"web\" (expected 1-4294967295)" },
		{ "set 1 nme x",
		  "unknown argument \"nme\" (expected name, flags, affinity, fe, be or range)" },
		{ "set 1 name", "\"name\" needs an argument" },
		{ "set 1 name a name b", "name given twice" },
		{ "set 1 flags local",
		  "invalid service flag \"local\" (expected internal-local, external-local or none)" },
		{ "set 1 flags none flags none", "flags given twice" },
		{ "set 1 affinity -1",
		  "invalid affinity timeout \"-1\" (expected 0-4294967295)" },
		{ "set 1 affinity 1 affinity 2", "affinity given twice" },
		{ "set 1 fe cluster-ip tcp", "\"fe\" needs KIND PROTO ADDR:PORT" },
		{ "set 1 fe clusterip tcp 10.0.0.1:80",
		  "invalid frontend kind \"clusterip\" (expected cluster-ip, nodeport, external-ip or load-balancer)" },
		{ "set 1 fe cluster-ip icmp 10.0.0.1:80",
		  "invalid protocol \"icmp\" (expected tcp, udp or sctp)" },
		{ "set 1 fe cluster-ip tcp *4:80",
		  "invalid endpoint \"*4:80\": only node ports have no address" },
		{ "set 1 fe nodeport tcp 10.0.0.1:30080",
		  "nodeport frontend \"10.0.0.1:30080\": the address of a node port is *4 or *6 (the node addresses), as in *4:30080" },
		{ "set 1 fe nodeport tcp *:30080",
		  "invalid endpoint \"*:30080\" (expected *4:PORT or *6:PORT)" },
		{ "set 1 fe external-ip udp fd00::1:53",
		  "invalid endpoint \"fd00::1:53\": an IPv6 address goes in brackets, as in [2001:db8::1]:80" },
		{ "set 1 be 10.0.0.1", "invalid endpoint \"10.0.0.1\" (expected ADDR:PORT or [ADDR6]:PORT)" },
		{ "set 1 be 10.0.0.1:80 ready,up",
		  "invalid backend flag \"up\" (expected ready, serving, terminating, local or none)" },
		{ "set 1 be [fd00::1]:0",
		  "invalid endpoint \"[fd00::1]:0\": invalid port \"0\" (expected 1-65535)" },
		{ "set 1 range 10.0.0.0",
		  NULL },	/* an address is a /32: accepted, below */
		{ "set 1 range 10.1.0.0/8",
		  "invalid CIDR \"10.1.0.0/8\": host bits set (did you mean 10.0.0.0/8?)" },
	};
	struct kubenf_service svc;
	struct kubenf_err err;
	char line[512], *argv[64];
	size_t i;
	int argc;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(line, sizeof(line), "%s", bad[i].args);
		argc = split(line, argv);
		memset(&svc, 0, sizeof(svc));
		strcpy(err.msg, "(none)");
		CHECK_INT(kubenfctl_svc_set_parse(argc, argv, &svc, &err),
			  bad[i].msg ? -EINVAL : 0);
		CHECK_STR(err.msg, bad[i].msg ?: "(none)");
		kubenf_svc_release(&svc);
	}

	snprintf(line, sizeof(line), "set 4294967295 name default/dns/dns "
		 "flags internal-local,external-local affinity 10800 "
		 "fe cluster-ip udp 10.96.0.10:53 fe nodeport tcp *6:30053 "
		 "be 10.0.0.5:53 be [fd00::5]:53 serving,terminating,local "
		 "be 10.0.0.6:53 none range 198.51.100.0/24 be 10.0.0.7:53");
	argc = split(line, argv);
	memset(&svc, 0, sizeof(svc));
	CHECK_INT(kubenfctl_svc_set_parse(argc, argv, &svc, &err), 0);
	CHECK(svc.id == 4294967295U);
	CHECK_INT(svc.has, KUBENF_SVC_HAS_NAME | KUBENF_SVC_HAS_FLAGS |
			   KUBENF_SVC_HAS_AFFINITY);
	CHECK_STR(svc.name, "default/dns/dns");
	CHECK_INT(svc.flags, KUBENF_SVC_F_INTERNAL_LOCAL |
			     KUBENF_SVC_F_EXTERNAL_LOCAL);
	CHECK_INT(svc.affinity_timeout, 10800);
	CHECK_INT(svc.n_fe, 2);
	CHECK_INT(svc.n_be, 4);
	CHECK_INT(svc.n_ranges, 1);
	if (svc.n_fe == 2 && svc.n_be == 4) {
		CHECK_INT(svc.fe[0].proto, IPPROTO_UDP);
		CHECK_INT(svc.fe[1].kind, KUBENF_FE_NODE_PORT);
		CHECK_INT(svc.fe[1].addr.family, AF_INET6);
		CHECK_INT(svc.fe[1].port, 30053);
		/* Default ready,serving; explicit flags; none. */
		CHECK_INT(svc.be[0].flags, KUBENF_BE_F_READY |
					   KUBENF_BE_F_SERVING);
		CHECK_INT(svc.be[1].flags, KUBENF_BE_F_SERVING |
					   KUBENF_BE_F_TERMINATING |
					   KUBENF_BE_F_LOCAL);
		CHECK_INT(svc.be[1].addr.family, AF_INET6);
		CHECK_INT(svc.be[2].flags, 0);
		CHECK_INT(svc.be[2].has, KUBENF_BE_HAS_FLAGS);
		CHECK_INT(svc.be[3].flags, KUBENF_BE_F_READY |
					   KUBENF_BE_F_SERVING);
	}
	kubenf_svc_release(&svc);

	/* Bare: ID only, nothing else is sent. */
	snprintf(line, sizeof(line), "set 3");
	argc = split(line, argv);
	memset(&svc, 0, sizeof(svc));
	CHECK_INT(kubenfctl_svc_set_parse(argc, argv, &svc, &err), 0);
	CHECK(svc.id == 3 && !svc.has && !svc.n_fe && !svc.n_be);
	kubenf_svc_release(&svc);
}

void test_cli_config_set_parse(void)
{
	static const struct {
		const char *args;
		const char *msg;
	} bad[] = {
		{ "set flags", "\"flags\" needs an argument" },
		{ "set flags loopback",
		  "invalid configuration flag \"loopback\" (expected nodeport-loopback, policy-cut, masq-external or none)" },
		{ "set flags none flags policy-cut", "flags given twice" },
		{ "set node-addr 10.0.0.0/8",
		  "node-addr \"10.0.0.0/8\": an address, not a prefix" },
		{ "set node-addr node1",
		  "invalid address \"node1\" (expected IPv4 or IPv6)" },
		{ "set cluster-cidr 10.0.0.0/33",
		  "invalid CIDR \"10.0.0.0/33\": invalid prefix length \"33\" (expected 0-32)" },
		{ "set node-name a node-name b", "node-name given twice" },
		{ "set nodename a",
		  "unknown argument \"nodename\" (expected flags, node-addr, cluster-cidr, pod-cidr or node-name)" },
	};
	struct kubenf_config cfg;
	struct kubenf_err err;
	char line[512], *argv[64];
	size_t i;
	int argc;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(line, sizeof(line), "%s", bad[i].args);
		argc = split(line, argv);
		memset(&cfg, 0, sizeof(cfg));
		CHECK_INT(kubenfctl_config_set_parse(argc, argv, &cfg, &err),
			  -EINVAL);
		CHECK_STR(err.msg, bad[i].msg);
		kubenf_config_release(&cfg);
	}

	snprintf(line, sizeof(line), "set flags masq-external,policy-cut "
		 "node-addr 192.0.2.1 cluster-cidr 10.0.0.0/8 node-addr fd00::1 "
		 "cluster-cidr fd00::/48 pod-cidr 10.244.1.0/24 node-name node-1");
	argc = split(line, argv);
	memset(&cfg, 0, sizeof(cfg));
	CHECK_INT(kubenfctl_config_set_parse(argc, argv, &cfg, &err), 0);
	CHECK_INT(cfg.has, KUBENF_CFG_HAS_FLAGS | KUBENF_CFG_HAS_NODE_NAME);
	CHECK_INT(cfg.flags, KUBENF_CFG_F_MASQ_EXTERNAL |
			     KUBENF_CFG_F_POLICY_CUT);
	CHECK_INT(cfg.n_node_addrs, 2);
	CHECK_INT(cfg.n_cluster_cidrs, 2);
	CHECK(cfg.n_node_addrs == 2 && cfg.node_addrs[1].prefix == 128);
	CHECK(cfg.n_cluster_cidrs == 2 && cfg.cluster_cidrs[1].prefix == 48);
	CHECK(cfg.n_pod_cidrs == 1 && cfg.pod_cidrs[0].prefix == 24);
	CHECK_STR(cfg.node_name, "node-1");
	kubenf_config_release(&cfg);

	/* Nothing: the defaults. */
	argv[0] = "set";
	memset(&cfg, 0, sizeof(cfg));
	CHECK_INT(kubenfctl_config_set_parse(1, argv, &cfg, &err), 0);
	CHECK(!cfg.has && !cfg.n_node_addrs && !cfg.n_cluster_cidrs);
}

/* Through the whole CLI: one error line, the usage, exit 2, nothing sent. */
void test_cli_new_usage_errors(void)
{
	struct run r;

	run(&r, "svc", "set", "1", "fe", "nodeport", "tcp", "10.0.0.1:30080",
	    NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, "kubenfctl: svc set: nodeport frontend \"10.0.0.1:30080\": "
			 "the address of a node port is *4 or *6 (the node "
			 "addresses), as in *4:30080\n" SET_USAGE);
	run_free(&r);

	run(&r, "svc", "list", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: svc: unknown verb \"list\" (expected show, set or del)\n" USAGE);
	run_free(&r);

	run(&r, "config", "get", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: config: unknown verb \"get\" (expected show or set)\n" USAGE);
	run_free(&r);

	run(&r, "svc", "del", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: svc del: missing service ID\n"
			 "Usage: kubenfctl svc del ID\n");
	run_free(&r);

	run(&r, "svc", "del", "1", "2", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: svc del: unexpected argument \"2\"\n"
			 "Usage: kubenfctl svc del ID\n");
	run_free(&r);

	run(&r, "svc", "show", "1", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: svc show: unexpected argument \"1\"\n"
			 "Usage: kubenfctl [-o json|table] svc [show]\n");
	run_free(&r);

	run(&r, "config", "set", "node-addr", "10.0.0.0/8", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: config set: node-addr \"10.0.0.0/8\": an address, not a prefix\n"
			 "Usage: kubenfctl config set [flags FLAGS] [node-addr ADDR]... "
			 "[cluster-cidr CIDR]... [pod-cidr CIDR]... [node-name NAME]\n");
	run_free(&r);

	run(&r, "stats", "now", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: stats: unexpected argument \"now\"\n"
			 "Usage: kubenfctl [-o json|table] stats\n");
	run_free(&r);

	run(&r, "apply", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: apply: missing FILE\n"
			 "Usage: kubenfctl [-o json|table] apply [--replace] FILE\n");
	run_free(&r);

	run(&r, "apply", "--force", "f.json", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: apply: unknown option \"--force\"\n"
			 "Usage: kubenfctl [-o json|table] apply [--replace] FILE\n");
	run_free(&r);

	/* A bad file fails before any netlink: exit 1, one line. */
	run(&r, "apply", "/nonexistent/kubenf.json", NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.err, "kubenfctl: apply: unable to open /nonexistent/kubenf.json: "
			 "No such file or directory\n");
	run_free(&r);
}

/* Without the module, every command that talks to it says so, once. */
void test_cli_new_not_loaded(void)
{
	static const char msg[] = "kubenfctl: kubenf module not loaded "
		"(generic netlink family \"kubenf\" not found); "
		"load it with modprobe kubenf\n";
	struct run r;

	if (!access("/sys/module/kubenf", F_OK)) {
		SKIP("kubenf is loaded");
		return;
	}
	run(&r, "svc", NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "-o", "json", "svc", "show", NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "svc", "set", "1", "be", "10.0.0.1:80", NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "svc", "del", "1", NULL);
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "config", NULL);
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "config", "set", "flags", "none", NULL);
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "stats", NULL);
	CHECK_STR(r.err, msg);
	run_free(&r);
}

/* pod/policy/peerset show, explain and monitor on the command line. */
void test_cli_pol_commands(void)
{
	static const char msg[] = "kubenfctl: kubenf module not loaded "
		"(generic netlink family \"kubenf\" not found); "
		"load it with modprobe kubenf\n";
	static const char explain_usage[] = "Usage: kubenfctl [-o json|table] "
		"explain SRC DST tcp|udp|sctp PORT [SPORT]\n";
	struct run r;

	run(&r, "explain", "10.0.0.1", "10.0.0.2", "tcp", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, "kubenfctl: explain: expected SRC DST PROTO PORT "
			 "[SPORT], got 3 arguments\n" "Usage: kubenfctl "
			 "[-o json|table] explain SRC DST tcp|udp|sctp PORT "
			 "[SPORT]\n");
	run_free(&r);
	/* The usage follows the message. */
	run(&r, "explain", "10.0.0.1", "10.0.0.2", "gre", "1", NULL);
	CHECK_INT(r.status, 2);
	CHECK(r.err && strstr(r.err, explain_usage));
	run_free(&r);
	run(&r, "explain", "--help", NULL);
	CHECK_INT(r.status, 0);
	CHECK_STR(r.out, explain_usage);
	run_free(&r);
	run(&r, "pod", "show", "x", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: pod show: unexpected argument \"x\"\n"
			 "Usage: kubenfctl [-o json|table] pod [show]\n");
	run_free(&r);
	run(&r, "policy", "list", NULL);
	CHECK_INT(r.status, 2);
	run_free(&r);
	run(&r, "monitor", "x", NULL);
	CHECK_INT(r.status, 2);
	CHECK_STR(r.err, "kubenfctl: monitor: unexpected argument \"x\"\n"
			 "Usage: kubenfctl [-o json|table] monitor\n");
	run_free(&r);
	run(&r, "help", NULL);
	CHECK(r.out && strstr(r.out, "  explain ") &&
	      strstr(r.out, "  monitor ") && strstr(r.out, "  pod [show] ") &&
	      strstr(r.out, "  policy [show]") &&
	      strstr(r.out, "  peerset [show]"));
	run_free(&r);

	if (!access("/sys/module/kubenf", F_OK)) {
		SKIP("kubenf is loaded");
		return;
	}
	run(&r, "explain", "10.0.0.1", "10.0.0.2", "tcp", "80", NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "pod", NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "-o", "json", "policy", "show", NULL);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "peerset", NULL);
	CHECK_STR(r.err, msg);
	run_free(&r);
	run(&r, "monitor", NULL);
	CHECK_INT(r.status, 1);
	CHECK_STR(r.err, msg);
	run_free(&r);
}
