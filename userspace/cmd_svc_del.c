// SPDX-License-Identifier: GPL-2.0
/* kubenfctl svc del ID: one SVC_DEL. */
#include <errno.h>
#include <stdio.h>

#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "text.h"

static const char usage[] = "Usage: " KUBENFCTL_PROG " svc del ID\n";

int kubenfctl_cmd_svc_del(int argc, char **argv,
			  const struct kubenfctl_opts *opts)
{
	int ret = KUBENFCTL_EXIT_FAIL;
	struct kubenf_nl *nl = NULL;
	struct nl_msg *msg = NULL;
	struct kubenf_err perr;
	uint32_t id;
	int err;

	(void)opts;
	if (argc == 2 && kubenfctl_is_help(argv[1])) {
		printf("%s", usage);
		return KUBENFCTL_EXIT_OK;
	}
	if (argc < 2)
		return kubenfctl_usage_error("svc del", usage,
					     "missing service ID");
	if (argc > 2)
		return kubenfctl_usage_error("svc del", usage,
					     "unexpected argument \"%s\"",
					     argv[2]);
	if (kubenf_u32_parse(argv[1], 1, UINT32_MAX, &id, "service ID", &perr))
		return kubenfctl_usage_error("svc del", usage, "%s", perr.msg);

	err = kubenf_svc_del_msg(id, &msg);
	if (err) {
		kubenfctl_nl_error("svc del", NULL, err);
		goto cleanup;
	}
	if (kubenfctl_open(&nl))
		goto cleanup;
	err = kubenf_nl_request(nl, msg, NULL, NULL);
	if (err) {
		kubenfctl_nl_error("svc del", nl, err);
		goto cleanup;
	}
	ret = KUBENFCTL_EXIT_OK;
cleanup:
	kubenf_nl_msg_free(msg);
	kubenf_nl_close(nl);
	return ret;
}
