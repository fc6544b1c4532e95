// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl svc [show]: the SVC_GET dump, retried when a commit interrupted
 * it (NLM_F_DUMP_INTR), so that what is printed is one generation.
 */
#include <errno.h>
#include <stdio.h>

#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "print.h"

/* A dump that keeps being interrupted means a busy writer: give up. */
#define DUMP_TRIES	5

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " [-o json|table] svc [show]\n";

static int print(struct kubenfctl_out *out, const void *list)
{
	return kubenfctl_print_services(out, list);
}

int kubenfctl_cmd_svc_show(int argc, char **argv,
			   const struct kubenfctl_opts *opts)
{
	struct kubenf_svc_list list = { 0 };
	int ret = KUBENFCTL_EXIT_FAIL;
	struct kubenf_nl *nl = NULL;
	struct nl_msg *msg = NULL;
	int err, tries;

	if (argc == 2 && kubenfctl_is_help(argv[1])) {
		printf("%s", usage);
		return KUBENFCTL_EXIT_OK;
	}
	if (argc > 1)
		return kubenfctl_usage_error("svc show", usage,
					     "unexpected argument \"%s\"",
					     argv[1]);

	if (kubenfctl_open(&nl))
		goto cleanup;
	err = kubenf_svc_dump_msg(&msg);
	for (tries = 1; !err; tries++) {
		err = kubenf_nl_request(nl, msg, kubenf_svc_dump_parse, &list);
		if (!err)
			err = kubenf_svc_list_finish(&list);
		if (err != -EAGAIN || tries == DUMP_TRIES)
			break;
		kubenf_svc_list_release(&list);
		err = 0;
	}
	if (err == -EAGAIN) {
		fprintf(stderr, KUBENFCTL_PROG ": svc show: the services changed during each of %d dumps; try again\n",
			DUMP_TRIES);
		goto cleanup;
	}
	if (err) {
		kubenfctl_nl_error("svc show", nl, err);
		goto cleanup;
	}
	ret = kubenfctl_output("svc show", opts, print, &list);
cleanup:
	kubenf_svc_list_release(&list);
	kubenf_nl_msg_free(msg);
	kubenf_nl_close(nl);
	return ret;
}
