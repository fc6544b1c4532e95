// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf-agent: keep kubenf.ko in sync with the Services, EndpointSlices,
 * Pods, Namespaces and NetworkPolicies that concern this node, read from
 * files (--from-file) or watched on the API server (--kubeconfig, or the
 * pod's service account). See agent.h for the parts, kubenf-agent(8) for
 * the contract.
 *
 * main() parses the command line into struct agent_opts and runs
 * agent_run(); it is the only place that ends the process.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "agent.h"
#include "kubenf_policy.h"
#include "text.h"

#ifndef KUBENF_VERSION
#define KUBENF_VERSION "unknown"
#endif

#define EXIT_USAGE	2

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " AGENT_PROG " [--node-name NAME] [--kubeconfig PATH [--context NAME] | --from-file PATH]\n"
		"                    [--cluster-cidr CIDR]... [--node-address ADDR]... [--once] [OPTIONS]\n"
		"       " AGENT_PROG " --version | --help\n"
		"\n"
		"Keep kubenf.ko in sync with the Services, EndpointSlices, Pods, Namespaces\n"
		"and NetworkPolicies that concern this node.\n"
		"\n"
		"  --node-name NAME          this node (default: $NODE_NAME)\n"
		"  --kubeconfig PATH         API server and credentials (default: in-cluster)\n"
		"  --context NAME            kubeconfig context (default: current-context)\n"
		"  --from-file PATH          objects from a JSON/YAML file or directory instead;\n"
		"                            applied again when they change\n"
		"  --once                    apply once; exit 0 when the kernel holds it\n"
		"  --cluster-cidr CIDR       pod (and service) network; traffic from outside is\n"
		"                            external (repeatable)\n"
		"  --pod-cidr CIDR           this node's pod CIDR: an address in it that is no\n"
		"                            pod the kernel knows is denied both ways, so a\n"
		"                            new pod is never open before its rules (repeatable)\n"
		"  --node-address ADDR       node ports listen here (repeatable; default: every\n"
		"                            local address)\n"
		"  --no-masq-external        do not masquerade external Service traffic\n"
		"  --external-ip-cidr CIDR   honour Services' externalIPs inside CIDR (repeatable;\n"
		"                            default: none, as anyone who may create a Service\n"
		"                            could claim any address with them)\n"
		"  --policy-cut              a policy change also cuts connections it now denies\n"
		"  --nodeport-loopback       node ports on loopback addresses too\n"
		"  --timeout SECONDS         --once gives up after this (default 60)\n"
		"  --resync SECONDS          compare with the kernel this often (default 60, 0: off)\n"
		"  --sync-delay MS           batch changes for this long (default 100)\n"
		"  --watch-timeout SECONDS   server-side watch duration (default 300, jittered)\n"
		"  --watch-idle-timeout SECONDS  a watch silent this long is hung (default 120)\n"
		"  --request-timeout SECONDS one list page (default 120)\n"
		"  --resource-version-file PATH  keep the newest resourceVersion applied\n"
		"                            here; after a restart, older lists are refused\n"
		"                            (put it under /run: it must not outlive the\n"
		"                            kernel's rules)\n"
		"  --healthz-bind-address ADDR:PORT  serve /healthz and /readyz here\n"
		"                            (such as 0.0.0.0:10256; default: not served)\n"
		"  --healthz-timeout SECONDS unhealthy once a change waits longer than this\n"
		"                            to reach the kernel (default 60)\n"
		"  -v, --verbose             log more (repeatable)\n"
		"  -q, --quiet               log errors only\n"
		"  -V, --version             print the version and exit\n"
		"  -h, --help                print this help and exit\n");
}

static int usage_error(const char *msg, const char *arg)
{
	if (arg)
		fprintf(stderr, AGENT_PROG ": %s \"%s\"\n", msg, arg);
	else
		fprintf(stderr, AGENT_PROG ": %s\n", msg);
	fprintf(stderr, "Usage: " AGENT_PROG " [options] (see " AGENT_PROG " --help)\n");
	return EXIT_USAGE;
}

static int number(const char *arg, const char *what, uint32_t max,
		  unsigned int *out)
{
	struct kubenf_err err;
	uint32_t v;

	if (kubenf_u32_parse(arg, 0, max, &v, what, &err))
		return usage_error(err.msg, NULL);
	*out = v;
	return 0;
}

/* --external-ip-cidr: 0, or the exit status of a bad argument. */
static int add_extip(struct agent_opts *o, const char *arg)
{
	struct kp_cidr c, *v;

	if (kp_cidr_parse(arg, &c))
		return usage_error("--external-ip-cidr takes a CIDR, not", arg);
	v = realloc(o->extip_allow, (o->n_extip_allow + 1) * sizeof(*v));
	if (!v) {
		fprintf(stderr, AGENT_PROG ": out of memory\n");
		return 1;
	}
	v[o->n_extip_allow++] = c;
	o->extip_allow = v;
	return 0;
}

int main(int argc, char **argv)
{
	enum {
		OPT_NODE_NAME = 256, OPT_FROM_FILE, OPT_KUBECONFIG, OPT_CONTEXT,
		OPT_ONCE, OPT_CLUSTER_CIDR, OPT_NODE_ADDR, OPT_NO_MASQ,
		OPT_POLICY_CUT, OPT_NP_LOOPBACK, OPT_TIMEOUT, OPT_RESYNC,
		OPT_SYNC_DELAY, OPT_WATCH_TIMEOUT, OPT_IDLE_TIMEOUT,
		OPT_REQ_TIMEOUT, OPT_SA_DIR, OPT_EXTIP, OPT_POD_CIDR,
		OPT_RV_FILE, OPT_HEALTH_ADDR, OPT_HEALTH_TIMEOUT,
	};
	static const struct option longopts[] = {
		{ "node-name",		required_argument, NULL, OPT_NODE_NAME },
		{ "from-file",		required_argument, NULL, OPT_FROM_FILE },
		{ "kubeconfig",		required_argument, NULL, OPT_KUBECONFIG },
		{ "context",		required_argument, NULL, OPT_CONTEXT },
		{ "once",		no_argument,	   NULL, OPT_ONCE },
		{ "cluster-cidr",	required_argument, NULL, OPT_CLUSTER_CIDR },
		{ "node-address",	required_argument, NULL, OPT_NODE_ADDR },
		{ "pod-cidr",		required_argument, NULL, OPT_POD_CIDR },
		{ "no-masq-external",	no_argument,	   NULL, OPT_NO_MASQ },
		{ "external-ip-cidr",	required_argument, NULL, OPT_EXTIP },
		{ "policy-cut",		no_argument,	   NULL, OPT_POLICY_CUT },
		{ "nodeport-loopback",	no_argument,	   NULL, OPT_NP_LOOPBACK },
		{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
		{ "resync",		required_argument, NULL, OPT_RESYNC },
		{ "sync-delay",		required_argument, NULL, OPT_SYNC_DELAY },
		{ "watch-timeout",	required_argument, NULL, OPT_WATCH_TIMEOUT },
		{ "watch-idle-timeout",	required_argument, NULL, OPT_IDLE_TIMEOUT },
		{ "request-timeout",	required_argument, NULL, OPT_REQ_TIMEOUT },
		/* For tests: where in-cluster credentials are. */
		{ "service-account-dir", required_argument, NULL, OPT_SA_DIR },
		{ "resource-version-file", required_argument, NULL, OPT_RV_FILE },
		{ "healthz-bind-address", required_argument, NULL, OPT_HEALTH_ADDR },
		{ "healthz-timeout",	required_argument, NULL, OPT_HEALTH_TIMEOUT },
		{ "verbose",		no_argument,	   NULL, 'v' },
		{ "quiet",		no_argument,	   NULL, 'q' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 },
	};
	struct agent_opts o = {
		.node_name = getenv("NODE_NAME"),
		.timeout = 60,
		.resync = 60,
		.sync_delay = 100,
		.health_timeout = 60,
	};
	struct kubenf_config *cfg = &o.config;
	struct kubenf_err perr;
	struct kubenf_cidr *c;
	int ch, ret = EXIT_USAGE;

	cfg->has = KUBENF_CFG_HAS_FLAGS | KUBENF_CFG_HAS_NODE_NAME;
	cfg->flags = KUBENF_CFG_F_MASQ_EXTERNAL;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":vqVh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_NODE_NAME:
			o.node_name = optarg;
			break;
		case OPT_FROM_FILE:
			o.from_file = optarg;
			break;
		case OPT_KUBECONFIG:
			o.kubeconfig = optarg;
			break;
		case OPT_CONTEXT:
			o.context = optarg;
			break;
		case OPT_SA_DIR:
			o.sa_dir = optarg;
			break;
		case OPT_RV_FILE:
			o.rv_file = optarg;
			break;
		case OPT_ONCE:
			o.once = true;
			break;
		case OPT_HEALTH_ADDR:
			if (agent_health_parse_addr(optarg, &o.health_addr)) {
				ret = usage_error("--healthz-bind-address takes ADDR:PORT or [ADDR6]:PORT, not",
						  optarg);
				goto out;
			}
			o.health_bind = optarg;
			break;
		case OPT_HEALTH_TIMEOUT:
			if (number(optarg, "--healthz-timeout", 86400,
				   &o.health_timeout))
				goto out;
			if (!o.health_timeout) {
				ret = usage_error("--healthz-timeout must be at least 1 s",
						  NULL);
				goto out;
			}
			break;
		case OPT_CLUSTER_CIDR:
		case OPT_POD_CIDR:
		case OPT_NODE_ADDR:
			c = ch == OPT_CLUSTER_CIDR ?
			    kubenf_config_add_cluster_cidr(cfg) :
			    ch == OPT_POD_CIDR ?
			    kubenf_config_add_pod_cidr(cfg) :
			    kubenf_config_add_node_addr(cfg);
			if (!c) {
				fprintf(stderr, AGENT_PROG ": out of memory\n");
				ret = 1;
				goto out;
			}
			if (kubenf_cidr_parse(optarg, c, &perr)) {
				ret = usage_error(perr.msg, NULL);
				goto out;
			}
			if (ch == OPT_NODE_ADDR &&
			    c->prefix != kubenf_addr_bits(c->addr.family)) {
				ret = usage_error("--node-address takes an address, not",
						  optarg);
				goto out;
			}
			break;
		case OPT_NO_MASQ:
			cfg->flags &= ~KUBENF_CFG_F_MASQ_EXTERNAL;
			break;
		case OPT_EXTIP:
			ret = add_extip(&o, optarg);
			if (ret)
				goto out;
			ret = EXIT_USAGE;
			break;
		case OPT_POLICY_CUT:
			cfg->flags |= KUBENF_CFG_F_POLICY_CUT;
			break;
		case OPT_NP_LOOPBACK:
			cfg->flags |= KUBENF_CFG_F_NODEPORT_LOOPBACK;
			break;
		case OPT_TIMEOUT:
			if (number(optarg, "--timeout", 86400, &o.timeout))
				goto out;
			break;
		case OPT_RESYNC:
			if (number(optarg, "--resync", 86400, &o.resync))
				goto out;
			break;
		case OPT_SYNC_DELAY:
			if (number(optarg, "--sync-delay", 60000,
				   &o.sync_delay))
				goto out;
			break;
		case OPT_WATCH_TIMEOUT:
			if (number(optarg, "--watch-timeout", 86400,
				   &o.watch_timeout))
				goto out;
			break;
		case OPT_IDLE_TIMEOUT:
			if (number(optarg, "--watch-idle-timeout", 86400,
				   &o.idle_timeout))
				goto out;
			break;
		case OPT_REQ_TIMEOUT:
			if (number(optarg, "--request-timeout", 86400,
				   &o.request_timeout))
				goto out;
			break;
		case 'v':
			if (agent_log_level < AGENT_LOG_DEBUG)
				agent_log_level++;
			break;
		case 'q':
			agent_log_level = AGENT_LOG_ERROR;
			break;
		case 'V':
			printf(AGENT_PROG " %s\n", KUBENF_VERSION);
			ret = 0;
			goto out;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		case ':':
			ret = usage_error("missing argument for",
					  argv[optind - 1]);
			goto out;
		default:
			ret = usage_error("unknown option", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		ret = usage_error("unexpected argument", argv[optind]);
		goto out;
	}
	if (o.from_file && o.kubeconfig) {
		ret = usage_error("--from-file and --kubeconfig exclude each other",
				  NULL);
		goto out;
	}
	if (o.from_file && o.rv_file) {
		ret = usage_error("--resource-version-file is for the API server, not --from-file",
				  NULL);
		goto out;
	}
	if (o.once && o.health_bind) {
		ret = usage_error("--healthz-bind-address is for the daemon, not --once",
				  NULL);
		goto out;
	}
	if (!o.node_name || !*o.node_name) {
		ret = usage_error("no node name: set --node-name or $NODE_NAME",
				  NULL);
		goto out;
	}
	if (strlen(o.node_name) >= sizeof(cfg->node_name)) {
		ret = usage_error("node name too long:", o.node_name);
		goto out;
	}
	strcpy(cfg->node_name, o.node_name);

	ret = agent_run(&o);
out:
	kubenf_config_release(cfg);
	free(o.extip_allow);
	return ret;
}
