// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf-agent: watch the desired state (Kubernetes API or a file), compile
 * it and keep kubenf.ko in sync. Only the command line exists so far; the
 * daemon loop comes with the "agent and policy compiler" issue.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef KUBENF_VERSION
#define KUBENF_VERSION "unknown"
#endif

#define PROG		"kubenf-agent"
#define EXIT_USAGE	2

struct agent_opts {
	const char *node_name;	/* --node-name, default $NODE_NAME */
	const char *from_file;	/* the objects from a file, not the API */
	const char *kubeconfig;	/* default: in-cluster config */
	bool once;		/* sync once and exit */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--node-name NAME] [--kubeconfig PATH | --from-file PATH] [--once]\n"
		"       " PROG " --version | --help\n"
		"\n"
		"Keep kubenf.ko in sync with the Services, EndpointSlices, Pods and\n"
		"NetworkPolicies that concern this node.\n"
		"\n"
		"  --node-name NAME    this node (default: $NODE_NAME)\n"
		"  --kubeconfig PATH   API server credentials (default: in-cluster)\n"
		"  --from-file PATH    read the objects from a file instead of the API\n"
		"  --once              sync once and exit\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          print this help and exit\n");
}

static int usage_error(const char *msg, const char *arg)
{
	if (arg)
		fprintf(stderr, PROG ": %s \"%s\"\n", msg, arg);
	else
		fprintf(stderr, PROG ": %s\n", msg);
	fprintf(stderr, "Usage: " PROG " [options] (see " PROG " --help)\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	enum { OPT_NODE_NAME = 256, OPT_FROM_FILE, OPT_KUBECONFIG, OPT_ONCE };
	static const struct option longopts[] = {
		{ "node-name",	required_argument,	NULL, OPT_NODE_NAME },
		{ "from-file",	required_argument,	NULL, OPT_FROM_FILE },
		{ "kubeconfig",	required_argument,	NULL, OPT_KUBECONFIG },
		{ "once",	no_argument,		NULL, OPT_ONCE },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct agent_opts opts = { .node_name = getenv("NODE_NAME") };
	const char *feature;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":Vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_NODE_NAME:
			opts.node_name = optarg;
			break;
		case OPT_FROM_FILE:
			opts.from_file = optarg;
			break;
		case OPT_KUBECONFIG:
			opts.kubeconfig = optarg;
			break;
		case OPT_ONCE:
			opts.once = true;
			break;
		case 'V':
			printf(PROG " %s\n", KUBENF_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return usage_error("missing argument for",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (opts.from_file && opts.kubeconfig)
		return usage_error("--from-file and --kubeconfig exclude each other",
				   NULL);
	if (!opts.node_name || !*opts.node_name)
		return usage_error("no node name: set --node-name or $NODE_NAME",
				   NULL);

	if (opts.from_file)
		feature = "--from-file";
	else if (opts.kubeconfig)
		feature = "--kubeconfig";
	else
		feature = "in-cluster mode";
	fprintf(stderr, PROG ": %s not implemented yet (see issue: agent and policy compiler)\n",
		feature);
	return EXIT_USAGE;
}
