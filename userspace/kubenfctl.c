// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl: inspect and configure kubenf.ko.
 *
 * Global options, then a subcommand from the table below, which also feeds
 * "kubenfctl help". A bare "kubenfctl" runs "info".
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/kubenf.h>

#include "kubenfctl.h"
#include "nl.h"

#ifndef KUBENF_VERSION
#define KUBENF_VERSION "unknown"
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int cmd_help(int argc, char **argv, const struct kubenfctl_opts *opts);

#define CMD(n, f, d)	{ .name = (n), .fn = (f), .description = (d) }
#define VERBS(n, v)	{ .name = (n), .verbs = (v), .n_verbs = ARRAY_SIZE(v) }

/* The first verb is the default. */
static const struct kubenfctl_cmd svc_verbs[] = {
	CMD("show", kubenfctl_cmd_svc_show,
	    "list the services: frontends, backends, counters"),
	CMD("set", kubenfctl_cmd_svc_set, "create or replace a service"),
	CMD("del", kubenfctl_cmd_svc_del, "delete a service"),
};

static const struct kubenfctl_cmd config_verbs[] = {
	CMD("show", kubenfctl_cmd_config_show, "show the node configuration"),
	CMD("set", kubenfctl_cmd_config_set, "replace the node configuration"),
};

static const struct kubenfctl_cmd pod_verbs[] = {
	CMD("show", kubenfctl_cmd_pod_show,
	    "list the local pods: addresses, isolation, policies"),
};

static const struct kubenfctl_cmd policy_verbs[] = {
	CMD("show", kubenfctl_cmd_policy_show,
	    "list the policies: rules and their connection counters"),
};

static const struct kubenfctl_cmd peerset_verbs[] = {
	CMD("show", kubenfctl_cmd_peerset_show,
	    "list the peersets: address blocks and exceptions"),
};

static const struct kubenfctl_cmd commands[] = {
	CMD("info", kubenfctl_cmd_info,
	    "show the module version, generation, hooks, object counts and limits"),
	VERBS("svc", svc_verbs),
	VERBS("config", config_verbs),
	CMD("stats", kubenfctl_cmd_stats, "show the drop counters by reason"),
	VERBS("pod", pod_verbs),
	VERBS("policy", policy_verbs),
	VERBS("peerset", peerset_verbs),
	CMD("explain", kubenfctl_cmd_explain,
	    "the verdict on a new connection SRC DST PROTO PORT [SPORT], and why"),
	CMD("monitor", kubenfctl_cmd_monitor,
	    "print deny events as they happen, until interrupted"),
	CMD("apply", kubenfctl_cmd_apply,
	    "set the configuration and services of a JSON file in one transaction"),
	CMD("help", cmd_help, "show this help"),
};

static void usage_line(FILE *f)
{
	fprintf(f, "Usage: " KUBENFCTL_PROG
		" [-o json|table] <command> [<args>] (see " KUBENFCTL_PROG
		" help)\n");
}

static void print_help(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: " KUBENFCTL_PROG " [-o json|table] <command> [<args>]\n"
		"       " KUBENFCTL_PROG " --version | --help\n"
		"\n"
		"Inspect and configure kubenf.ko (Kubernetes Services and\n"
		"NetworkPolicy in netfilter). Without a command, runs info.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct kubenfctl_cmd *c = &commands[i];
		char name[32];
		size_t j;

		if (!c->verbs) {
			fprintf(f, "  %-13s %s\n", c->name, c->description);
			continue;
		}
		for (j = 0; j < c->n_verbs; j++) {
			/* The default verb may be left out. */
			snprintf(name, sizeof(name), j ? "%s %s" : "%s [%s]",
				 c->name, c->verbs[j].name);
			fprintf(f, "  %-13s %s\n", name,
				c->verbs[j].description);
		}
	}
	fprintf(f,
		"\n"
		"Options:\n"
		"  -o, --output json|table  output format (default: table)\n"
		"  -V, --version            print the version and exit\n"
		"  -h, --help               print this help and exit\n"
		"\n"
		"See kubenfctl(8) for the JSON output of each command.\n");
}

static int cmd_help(int argc, char **argv, const struct kubenfctl_opts *opts)
{
	(void)opts;
	if (argc > 1) {
		fprintf(stderr,
			KUBENFCTL_PROG ": help: unexpected argument \"%s\"\n",
			argv[1]);
		usage_line(stderr);
		return KUBENFCTL_EXIT_USAGE;
	}
	print_help(stdout);
	return KUBENFCTL_EXIT_OK;
}

bool kubenfctl_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int kubenfctl_usage_error(const char *what, const char *usage,
			  const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, KUBENFCTL_PROG ": %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	return KUBENFCTL_EXIT_USAGE;
}

int kubenfctl_output(const char *what, const struct kubenfctl_opts *opts,
		     int (*print)(struct kubenfctl_out *out, const void *obj),
		     const void *obj)
{
	struct kubenfctl_out *out;
	int err;

	err = kubenfctl_out_new(&out, opts->fmt);
	if (!err)
		err = print(out, obj);
	if (!err)
		err = kubenfctl_out_flush(out, stdout);
	kubenfctl_out_free(out);
	if (err) {
		fprintf(stderr, KUBENFCTL_PROG ": %s: cannot print: %s\n",
			what, strerror(-err));
		return KUBENFCTL_EXIT_FAIL;
	}
	return KUBENFCTL_EXIT_OK;
}

/* "svc", "svc show ...", "svc set ...": the verb's own argv. */
static int run_verb(const struct kubenfctl_cmd *cmd, int argc, char **argv,
		    const struct kubenfctl_opts *opts)
{
	const struct kubenfctl_cmd *verb = &cmd->verbs[0];
	char *default_argv[] = { (char *)verb->name, NULL };
	size_t i;

	if (argc == 1)
		return verb->fn(1, default_argv, opts);
	for (i = 0; i < cmd->n_verbs; i++)
		if (!strcmp(argv[1], cmd->verbs[i].name))
			return cmd->verbs[i].fn(argc - 1, argv + 1, opts);
	if (kubenfctl_is_help(argv[1]) && argc == 2) {
		printf("Usage: " KUBENFCTL_PROG " [-o json|table] %s [%s",
		       cmd->name, cmd->verbs[0].name);
		for (i = 1; i < cmd->n_verbs; i++)
			printf(" | %s", cmd->verbs[i].name);
		printf("] [<args>]\n");
		for (i = 0; i < cmd->n_verbs; i++)
			printf("  %-5s %s\n", cmd->verbs[i].name,
			       cmd->verbs[i].description);
		return KUBENFCTL_EXIT_OK;
	}
	fprintf(stderr, KUBENFCTL_PROG ": %s: unknown verb \"%s\" (expected",
		cmd->name, argv[1]);
	for (i = 0; i < cmd->n_verbs; i++)
		fprintf(stderr, "%s %s", !i ? "" :
			i + 1 == cmd->n_verbs ? " or" : ",",
			cmd->verbs[i].name);
	fprintf(stderr, ")\n");
	usage_line(stderr);
	return KUBENFCTL_EXIT_USAGE;
}

int kubenfctl_open(struct kubenf_nl **nl)
{
	int err;

	err = kubenf_nl_open(nl);
	if (err == -ENOENT)
		fprintf(stderr, KUBENFCTL_PROG
			": kubenf module not loaded (generic netlink family \""
			KUBENF_GENL_NAME "\" not found); load it with modprobe kubenf\n");
	else if (err)
		kubenfctl_print_nl_error(stderr,
					 "cannot open generic netlink socket",
					 err, false, "");
	return err;
}

void kubenfctl_print_nl_error(FILE *f, const char *what, int err,
			      bool rejected, const char *extack)
{
	if (err == -EPERM || err == -EACCES)
		fprintf(f, KUBENFCTL_PROG ": permission denied: CAP_NET_ADMIN in the initial user namespace is required\n");
	else if (rejected && *extack)
		fprintf(f, KUBENFCTL_PROG ": kernel rejected %s: %s (%s)\n",
			what, extack, strerror(-err));
	else if (rejected)
		fprintf(f, KUBENFCTL_PROG ": kernel rejected %s: %s\n", what,
			strerror(-err));
	else
		fprintf(f, KUBENFCTL_PROG ": %s: %s\n", what, strerror(-err));
}

void kubenfctl_nl_error(const char *what, const struct kubenf_nl *nl,
			int err)
{
	kubenfctl_print_nl_error(stderr, what, err,
				 nl && kubenf_nl_rejected(nl),
				 nl ? kubenf_nl_extack(nl) : "");
}

static int parse_fmt(const char *arg, enum kubenfctl_fmt *fmt)
{
	if (!strcmp(arg, "table"))
		*fmt = KUBENFCTL_FMT_TABLE;
	else if (!strcmp(arg, "json"))
		*fmt = KUBENFCTL_FMT_JSON;
	else
		return -EINVAL;
	return 0;
}

int kubenfctl_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output",	required_argument,	NULL, 'o' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct kubenfctl_opts opts = { .fmt = KUBENFCTL_FMT_TABLE };
	char *info_argv[] = { "info", NULL };
	const struct kubenfctl_cmd *cmd = NULL;
	int c, ret;
	size_t i;

	/* "+": stop at the subcommand; ":": report a missing argument. */
	optind = 0;		/* full reset: tests call us more than once */
	opterr = 0;		/* our own one-line messages */
	while ((c = getopt_long(argc, argv, "+:o:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (parse_fmt(optarg, &opts.fmt)) {
				fprintf(stderr, KUBENFCTL_PROG
					": invalid output format \"%s\" (expected json or table)\n",
					optarg);
				usage_line(stderr);
				return KUBENFCTL_EXIT_USAGE;
			}
			break;
		case 'V':
			printf(KUBENFCTL_PROG " %s\n", KUBENF_VERSION);
			return KUBENFCTL_EXIT_OK;
		case 'h':
			print_help(stdout);
			return KUBENFCTL_EXIT_OK;
		case ':':
			fprintf(stderr, KUBENFCTL_PROG
				": option \"%s\" needs an argument\n",
				argv[optind - 1]);
			usage_line(stderr);
			return KUBENFCTL_EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, KUBENFCTL_PROG
					": unknown option \"-%c\"\n", optopt);
			else
				fprintf(stderr, KUBENFCTL_PROG
					": unknown option \"%s\"\n",
					argv[optind - 1]);
			usage_line(stderr);
			return KUBENFCTL_EXIT_USAGE;
		}
	}

	if (optind == argc) {
		argc = 1;
		argv = info_argv;
		optind = 0;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			cmd = &commands[i];
			break;
		}
	}
	if (!cmd) {
		fprintf(stderr, KUBENFCTL_PROG ": unknown command \"%s\"\n",
			argv[optind]);
		usage_line(stderr);
		return KUBENFCTL_EXIT_USAGE;
	}

	if (cmd->verbs)
		ret = run_verb(cmd, argc - optind, argv + optind, &opts);
	else
		ret = cmd->fn(argc - optind, argv + optind, &opts);
	if (fflush(stdout) == EOF && ret == KUBENFCTL_EXIT_OK) {
		fprintf(stderr, KUBENFCTL_PROG ": cannot write output: %s\n",
			strerror(errno));
		ret = KUBENFCTL_EXIT_FAIL;
	}
	return ret;
}
