// SPDX-License-Identifier: GPL-2.0
/* kubenfctl peerset [show]: the PEERSET_GET dump. */
#include "kubenfctl.h"
#include "model.h"
#include "polview.h"

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " [-o json|table] peerset [show]\n";

static int print(struct kubenfctl_out *out, const void *list)
{
	return kubenfctl_print_peersets(out, list);
}

static int dump_fn(struct kubenf_nl *nl, void *list)
{
	return kubenfctl_dump_peersets(nl, list);
}

static void release(void *list)
{
	kubenf_pset_list_release(list);
}

int kubenfctl_cmd_peerset_show(int argc, char **argv,
			       const struct kubenfctl_opts *opts)
{
	struct kubenf_pset_list list = { 0 };

	return kubenfctl_show_dump("peerset show", usage, argc, argv, opts,
				   dump_fn, print, release, &list);
}
