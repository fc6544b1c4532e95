// SPDX-License-Identifier: GPL-2.0
/* kubenfctl stats: GET_STATS, the drop counters by reason. */
#include <errno.h>
#include <stdio.h>

#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "print.h"

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " [-o json|table] stats\n";

static int print(struct kubenfctl_out *out, const void *stats)
{
	return kubenfctl_print_stats(out, stats);
}

int kubenfctl_cmd_stats(int argc, char **argv,
			const struct kubenfctl_opts *opts)
{
	struct kubenf_stats stats = { 0 };
	int ret = KUBENFCTL_EXIT_FAIL;
	struct kubenf_nl *nl = NULL;
	struct nl_msg *msg = NULL;
	int err;

	if (argc == 2 && kubenfctl_is_help(argv[1])) {
		printf("%s", usage);
		return KUBENFCTL_EXIT_OK;
	}
	if (argc > 1)
		return kubenfctl_usage_error("stats", usage,
					     "unexpected argument \"%s\"",
					     argv[1]);

	if (kubenfctl_open(&nl))
		goto cleanup;
	err = kubenf_stats_get_msg(&msg);
	if (!err)
		err = kubenf_nl_request(nl, msg, kubenf_stats_parse, &stats);
	if (!err && !stats.has)
		err = -ENODATA;		/* ACKed without a reply */
	if (err) {
		kubenfctl_nl_error("stats", nl, err);
		goto cleanup;
	}
	ret = kubenfctl_output("stats", opts, print, &stats);
cleanup:
	kubenf_nl_msg_free(msg);
	kubenf_nl_close(nl);
	return ret;
}
