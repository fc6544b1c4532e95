/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kubenfctl internals shared by the command table and the subcommands.
 *
 * A subcommand is one cmd_<name>.c exporting kubenfctl_cmd_<name>() and one
 * entry in the tables in kubenfctl.c ("svc show" is cmd_svc_show.c, a verb
 * of "svc"). It gets its own argv (argv[0] is its name, or its verb) after
 * the global options, follows parse -> model -> netlink request(s) -> print,
 * prints its errors itself (one line on stderr, through the helpers below,
 * followed by its usage for a bad command line) and returns the process
 * exit status.
 */
#ifndef _KUBENF_KUBENFCTL_H
#define _KUBENF_KUBENFCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "print.h"

#define KUBENFCTL_PROG		"kubenfctl"

/* Exit statuses. */
#define KUBENFCTL_EXIT_OK	0
#define KUBENFCTL_EXIT_FAIL	1	/* the command failed */
#define KUBENFCTL_EXIT_USAGE	2	/* bad command line */

struct kubenf_nl;

/* Global options, parsed before the subcommand name. */
struct kubenfctl_opts {
	enum kubenfctl_fmt fmt;		/* -o json|table */
};

/*
 * A command of the table, or a verb of a command with verbs ("svc show"):
 * @fn gets argv[0] = its own name. A command with @verbs runs the verb
 * named by its first argument, or the first verb when there is none.
 */
struct kubenfctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct kubenfctl_opts *opts);
	const char *description;
	const struct kubenfctl_cmd *verbs;
	size_t n_verbs;
};

/* The whole CLI; main() only calls this, the unit tests call it too. */
int kubenfctl_main(int argc, char **argv);

/* Subcommands. */
int kubenfctl_cmd_info(int argc, char **argv,
		       const struct kubenfctl_opts *opts);
int kubenfctl_cmd_svc_show(int argc, char **argv,
			   const struct kubenfctl_opts *opts);
int kubenfctl_cmd_svc_set(int argc, char **argv,
			  const struct kubenfctl_opts *opts);
int kubenfctl_cmd_svc_del(int argc, char **argv,
			  const struct kubenfctl_opts *opts);
int kubenfctl_cmd_config_show(int argc, char **argv,
			      const struct kubenfctl_opts *opts);
int kubenfctl_cmd_config_set(int argc, char **argv,
			     const struct kubenfctl_opts *opts);
int kubenfctl_cmd_stats(int argc, char **argv,
			const struct kubenfctl_opts *opts);
int kubenfctl_cmd_apply(int argc, char **argv,
			const struct kubenfctl_opts *opts);
int kubenfctl_cmd_pod_show(int argc, char **argv,
			   const struct kubenfctl_opts *opts);
int kubenfctl_cmd_policy_show(int argc, char **argv,
			      const struct kubenfctl_opts *opts);
int kubenfctl_cmd_peerset_show(int argc, char **argv,
			       const struct kubenfctl_opts *opts);
int kubenfctl_cmd_explain(int argc, char **argv,
			  const struct kubenfctl_opts *opts);
int kubenfctl_cmd_monitor(int argc, char **argv,
			  const struct kubenfctl_opts *opts);

struct kubenf_config;
struct kubenf_err;
struct kubenf_service;

/*
 * The argument parsers of svc set and config set (argv[0] is the verb),
 * into zeroed model objects the caller releases. Return 0, or -EINVAL with
 * the reason in *@err, or -ENOMEM.
 */
int kubenfctl_svc_set_parse(int argc, char **argv,
			    struct kubenf_service *svc,
			    struct kubenf_err *err);
int kubenfctl_config_set_parse(int argc, char **argv,
			       struct kubenf_config *cfg,
			       struct kubenf_err *err);

/* Whether @arg asks for help: -h or --help. */
bool kubenfctl_is_help(const char *arg);

/*
 * A bad command line of subcommand @what ("svc set"): "kubenfctl: @what:
 * <message>" and then @usage on stderr. Returns KUBENFCTL_EXIT_USAGE.
 */
int kubenfctl_usage_error(const char *what, const char *usage,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Print @obj with @print in the format of @opts on stdout. Reports a
 * failure for @what on stderr. Returns an exit status.
 */
int kubenfctl_output(const char *what, const struct kubenfctl_opts *opts,
		     int (*print)(struct kubenfctl_out *out, const void *obj),
		     const void *obj);

/*
 * kubenf_nl_open() that reports its failure on stderr: module not loaded,
 * permission denied, or the socket error. Returns 0 or -errno.
 */
int kubenfctl_open(struct kubenf_nl **nl);

/*
 * Report the failure @err of the request done for @what (the subcommand,
 * e.g. "info") on stderr, with the kernel's extack message if it sent one.
 */
void kubenfctl_nl_error(const char *what, const struct kubenf_nl *nl,
			int err);
/* The same, given the state explicitly (unit tests). */
void kubenfctl_print_nl_error(FILE *f, const char *what, int err,
			      bool rejected, const char *extack);

#endif /* _KUBENF_KUBENFCTL_H */
