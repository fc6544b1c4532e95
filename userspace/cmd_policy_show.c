// SPDX-License-Identifier: GPL-2.0
/* kubenfctl policy [show]: the POLICY_GET dump, with per-rule counters. */
#include "kubenfctl.h"
#include "model.h"
#include "polview.h"

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " [-o json|table] policy [show]\n";

static int print(struct kubenfctl_out *out, const void *list)
{
	return kubenfctl_print_policies(out, list);
}

static int dump_fn(struct kubenf_nl *nl, void *list)
{
	return kubenfctl_dump_policies(nl, list);
}

static void release(void *list)
{
	kubenf_pol_list_release(list);
}

int kubenfctl_cmd_policy_show(int argc, char **argv,
			      const struct kubenfctl_opts *opts)
{
	struct kubenf_pol_list list = { 0 };

	return kubenfctl_show_dump("policy show", usage, argc, argv, opts,
				   dump_fn, print, release, &list);
}
