// SPDX-License-Identifier: GPL-2.0
/* kubenfctl config [show]: GET_CONFIG. */
#include <errno.h>
#include <stdio.h>

#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "print.h"

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " [-o json|table] config [show]\n";

struct reply {
	struct kubenf_config cfg;
	bool seen;
};

static int parse(const struct nlmsghdr *nlh, void *arg)
{
	struct reply *r = arg;

	if (r->seen)
		return -EBADMSG;	/* one reply to a doit */
	r->seen = true;
	return kubenf_config_parse(nlh, &r->cfg);
}

static int print(struct kubenfctl_out *out, const void *cfg)
{
	return kubenfctl_print_config(out, cfg);
}

int kubenfctl_cmd_config_show(int argc, char **argv,
			      const struct kubenfctl_opts *opts)
{
	int ret = KUBENFCTL_EXIT_FAIL;
	struct kubenf_nl *nl = NULL;
	struct nl_msg *msg = NULL;
	struct reply r = { 0 };
	int err;

	if (argc == 2 && kubenfctl_is_help(argv[1])) {
		printf("%s", usage);
		return KUBENFCTL_EXIT_OK;
	}
	if (argc > 1)
		return kubenfctl_usage_error("config show", usage,
					     "unexpected argument \"%s\"",
					     argv[1]);

	if (kubenfctl_open(&nl))
		goto cleanup;
	err = kubenf_config_get_msg(&msg);
	if (!err)
		err = kubenf_nl_request(nl, msg, parse, &r);
	if (!err && !r.seen)
		err = -ENODATA;		/* ACKed without a reply */
	if (err) {
		kubenfctl_nl_error("config show", nl, err);
		goto cleanup;
	}
	ret = kubenfctl_output("config show", opts, print, &r.cfg);
cleanup:
	kubenf_config_release(&r.cfg);
	kubenf_nl_msg_free(msg);
	kubenf_nl_close(nl);
	return ret;
}
