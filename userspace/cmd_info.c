// SPDX-License-Identifier: GPL-2.0
/* kubenfctl info: KUBENF_CMD_GET_INFO, printed as a table or JSON. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/kubenf.h>

#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "print.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " KUBENFCTL_PROG " [-o json|table] info\n");
}

int kubenfctl_cmd_info(int argc, char **argv,
		       const struct kubenfctl_opts *opts)
{
	struct kubenfctl_out *out = NULL;
	struct kubenf_info info = { 0 };
	struct kubenf_nl *nl = NULL;
	struct nl_msg *msg = NULL;
	int ret = KUBENFCTL_EXIT_FAIL;
	int err;

	if (argc == 2 && kubenfctl_is_help(argv[1])) {
		usage(stdout);
		return KUBENFCTL_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr,
			KUBENFCTL_PROG ": info: unexpected argument \"%s\"\n",
			argv[1]);
		usage(stderr);
		return KUBENFCTL_EXIT_USAGE;
	}

	if (kubenfctl_open(&nl))
		goto cleanup;
	msg = kubenf_nl_msg_new(KUBENF_CMD_GET_INFO, 0);
	if (!msg)
		err = -ENOMEM;
	else
		err = kubenf_nl_request(nl, msg, kubenf_info_parse, &info);
	if (!err && !info.has)
		err = -ENODATA;		/* ACKed without a reply */
	if (err) {
		kubenfctl_nl_error("info", nl, err);
		goto cleanup;
	}

	err = kubenfctl_out_new(&out, opts->fmt);
	if (!err)
		err = kubenfctl_print_info(out, &info);
	if (!err)
		err = kubenfctl_out_flush(out, stdout);
	if (err) {
		fprintf(stderr, KUBENFCTL_PROG ": info: cannot print: %s\n",
			strerror(-err));
		goto cleanup;
	}
	ret = KUBENFCTL_EXIT_OK;
cleanup:
	kubenfctl_out_free(out);
	kubenf_nl_msg_free(msg);
	kubenf_nl_close(nl);
	return ret;
}
