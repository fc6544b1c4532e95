// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl pod [show]: the POD_GET dump. Also the dumps of the policy
 * objects that the other policy commands share, each retried when a commit
 * interrupted it (NLM_F_DUMP_INTR), so that what is printed is one
 * generation.
 */
#include <errno.h>
#include <stdio.h>

#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "polview.h"

/* A dump that keeps being interrupted means a busy writer: give up. */
#define DUMP_TRIES	5

static int dump(struct kubenf_nl *nl, int (*msg_fn)(struct nl_msg **),
		kubenf_nl_parse_t parse, int (*finish)(void *),
		void (*release)(void *), void *list)
{
	struct nl_msg *msg = NULL;
	int err, tries;

	err = msg_fn(&msg);
	for (tries = 1; !err; tries++) {
		err = kubenf_nl_request(nl, msg, parse, list);
		if (!err)
			err = finish(list);
		if (err != -EAGAIN || tries == DUMP_TRIES)
			break;
		release(list);
		err = 0;
	}
	kubenf_nl_msg_free(msg);
	return err;
}

#define DEFINE_DUMP(fn, list_t, msg_fn, parse_fn, finish_fn, release_fn)	\
static int fn##_finish(void *l) { return finish_fn(l); }		\
static void fn##_release(void *l) { release_fn(l); }			\
int fn(struct kubenf_nl *nl, list_t *list)				\
{									\
	return dump(nl, msg_fn, parse_fn, fn##_finish, fn##_release,	\
		    list);						\
}

DEFINE_DUMP(kubenfctl_dump_pods, struct kubenf_pod_list, kubenf_pod_dump_msg,
	    kubenf_pod_dump_parse, kubenf_pod_list_finish,
	    kubenf_pod_list_release)
DEFINE_DUMP(kubenfctl_dump_policies, struct kubenf_pol_list,
	    kubenf_policy_dump_msg, kubenf_policy_dump_parse,
	    kubenf_pol_list_finish, kubenf_pol_list_release)
DEFINE_DUMP(kubenfctl_dump_peersets, struct kubenf_pset_list,
	    kubenf_peerset_dump_msg, kubenf_peerset_dump_parse,
	    kubenf_pset_list_finish, kubenf_pset_list_release)
DEFINE_DUMP(kubenfctl_dump_services, struct kubenf_svc_list,
	    kubenf_svc_dump_msg, kubenf_svc_dump_parse,
	    kubenf_svc_list_finish, kubenf_svc_list_release)

/* What the three show commands have in common. */
int kubenfctl_show_dump(const char *what, const char *usage, int argc,
			char **argv, const struct kubenfctl_opts *opts,
			int (*dump_fn)(struct kubenf_nl *, void *),
			int (*print)(struct kubenfctl_out *, const void *),
			void (*release)(void *), void *list)
{
	int ret = KUBENFCTL_EXIT_FAIL;
	struct kubenf_nl *nl = NULL;
	int err;

	if (argc == 2 && kubenfctl_is_help(argv[1])) {
		printf("%s", usage);
		return KUBENFCTL_EXIT_OK;
	}
	if (argc > 1)
		return kubenfctl_usage_error(what, usage,
					     "unexpected argument \"%s\"",
					     argv[1]);
	if (kubenfctl_open(&nl))
		goto cleanup;
	err = dump_fn(nl, list);
	if (err == -EAGAIN) {
		fprintf(stderr, KUBENFCTL_PROG ": %s: the rule set changed during each of %d dumps; try again\n",
			what, DUMP_TRIES);
		goto cleanup;
	}
	if (err) {
		kubenfctl_nl_error(what, nl, err);
		goto cleanup;
	}
	ret = kubenfctl_output(what, opts, print, list);
cleanup:
	release(list);
	kubenf_nl_close(nl);
	return ret;
}

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " [-o json|table] pod [show]\n";

static int print(struct kubenfctl_out *out, const void *list)
{
	return kubenfctl_print_pods(out, list);
}

static int dump_fn(struct kubenf_nl *nl, void *list)
{
	return kubenfctl_dump_pods(nl, list);
}

static void release(void *list)
{
	kubenf_pod_list_release(list);
}

int kubenfctl_cmd_pod_show(int argc, char **argv,
			   const struct kubenfctl_opts *opts)
{
	struct kubenf_pod_list list = { 0 };

	return kubenfctl_show_dump("pod show", usage, argc, argv, opts,
				   dump_fn, print, release, &list);
}
