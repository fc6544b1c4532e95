// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl info output. The JSON keys are a contract documented in
 * man/kubenfctl.8: add keys, never rename or retype them.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/kubenf.h>

#include "model.h"
#include "print.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct count_row {
	int attr;		/* KUBENF_COUNT_A_* */
	const char *key;	/* JSON */
	const char *label;	/* table */
};

static const struct count_row counts[] = {
	{ KUBENF_COUNT_A_SERVICES,	"services",	"services" },
	{ KUBENF_COUNT_A_FRONTENDS,	"frontends",	"frontends" },
	{ KUBENF_COUNT_A_BACKENDS,	"backends",	"backends" },
	{ KUBENF_COUNT_A_PEERSETS,	"peersets",	"peersets" },
	{ KUBENF_COUNT_A_POLICIES,	"policies",	"policies" },
	{ KUBENF_COUNT_A_PODS,		"pods",		"pods" },
};

static const struct count_row limits[] = {
	{ KUBENF_COUNT_A_MAX_SERVICES,	"services",	"max services" },
	{ KUBENF_COUNT_A_MAX_BACKENDS,	"backends",	"max backends" },
	{ KUBENF_COUNT_A_MAX_PODS,	"pods",		"max pods" },
	{ KUBENF_COUNT_A_MAX_RULES,	"rules",	"max rules" },
	{ KUBENF_COUNT_A_MAX_PEERSETS,	"peersets",	"max peersets" },
	{ KUBENF_COUNT_A_MAX_POLICIES,	"policies",	"max policies" },
};

/* One JSON object of the rows the module reported; none: no object. */
static void print_counts(struct kubenfctl_out *out, const char *key,
			 const struct count_row *rows, size_t n,
			 const struct kubenf_info *info)
{
	uint32_t mask = 0;
	size_t i;

	for (i = 0; i < n; i++)
		mask |= 1U << rows[i].attr;
	if (!(info->counts_has & mask))
		return;
	kubenfctl_out_begin(out, key);
	for (i = 0; i < n; i++)
		if (info->counts_has & (1U << rows[i].attr))
			kubenfctl_out_u64(out, rows[i].key, rows[i].label,
					  info->counts[rows[i].attr]);
	kubenfctl_out_end(out);
}

int kubenfctl_print_info(struct kubenfctl_out *out,
			 const struct kubenf_info *info)
{
	char cookie[sizeof("0x") + 16];

	kubenfctl_out_begin(out, NULL);
	if (info->has & KUBENF_INFO_HAS_VERSION)
		kubenfctl_out_str(out, "version", "version", info->version);
	if (info->has & KUBENF_INFO_HAS_GENERATION)
		kubenfctl_out_u64(out, "generation", "generation",
				  info->generation);
	if (info->has & KUBENF_INFO_HAS_COOKIE) {
		/* Opaque and often a digest: a string, exact in every JSON. */
		snprintf(cookie, sizeof(cookie), "0x%016" PRIx64, info->cookie);
		kubenfctl_out_str(out, "cookie", "cookie", cookie);
	}
	if (info->has & KUBENF_INFO_HAS_HOOKS)
		kubenfctl_out_bool(out, "hooks", "hooks", info->hooks,
				   "active", "inactive");
	if (info->has & KUBENF_INFO_HAS_COUNTS) {
		print_counts(out, "counts", counts, ARRAY_SIZE(counts), info);
		print_counts(out, "limits", limits, ARRAY_SIZE(limits), info);
	}
	kubenfctl_out_end(out);
	return kubenfctl_out_error(out);
}
