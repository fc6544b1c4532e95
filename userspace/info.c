// SPDX-License-Identifier: GPL-2.0
/* KUBENF_CMD_GET_INFO reply -> struct kubenf_info. */
#include <errno.h>
#include <string.h>

#include <linux/kubenf.h>

#include "model.h"
#include "nl.h"

_Static_assert(KUBENF_COUNT_A_MAX < 32, "counts_has is a u32 bitmap");

static const struct kubenf_nla_policy info_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_VERSION]	= { .type = KUBENF_NLA_STRING,
				    .len = KUBENF_NAME_MAX },
	[KUBENF_A_GENERATION]	= { .type = KUBENF_NLA_U64 },
	[KUBENF_A_COOKIE]	= { .type = KUBENF_NLA_U64 },
	[KUBENF_A_HOOKS]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_A_COUNTS]	= { .type = KUBENF_NLA_NESTED },
};

static const struct kubenf_nla_policy count_policy[KUBENF_COUNT_A_MAX + 1] = {
	[KUBENF_COUNT_A_SERVICES ... KUBENF_COUNT_A_MAX] = {
		.type = KUBENF_NLA_U32
	},
};

static int parse_counts(const struct nlattr *nest, struct kubenf_info *info)
{
	const struct nlattr *tb[KUBENF_COUNT_A_MAX + 1];
	int err, i;

	err = kubenf_nl_parse_nested(nest, tb, KUBENF_COUNT_A_MAX,
				     count_policy);
	if (err)
		return err;
	for (i = KUBENF_COUNT_A_SERVICES; i <= KUBENF_COUNT_A_MAX; i++) {
		if (!tb[i])
			continue;
		info->counts[i] = kubenf_nla_u32(tb[i]);
		info->counts_has |= 1U << i;
	}
	info->has |= KUBENF_INFO_HAS_COUNTS;
	return 0;
}

int kubenf_info_parse(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	struct kubenf_info *info = arg;
	uint8_t cmd;
	int err;

	memset(info, 0, sizeof(*info));
	err = kubenf_nl_parse_genl(nlh, &cmd, tb, KUBENF_A_MAX, info_policy);
	if (err)
		return err;
	if (cmd != KUBENF_CMD_GET_INFO)
		return -EBADMSG;

	if (tb[KUBENF_A_VERSION]) {
		const char *version = kubenf_nla_str(tb[KUBENF_A_VERSION]);
		size_t len = strlen(version);	/* NUL checked by the policy */

		if (len >= sizeof(info->version))
			return -EBADMSG;
		memcpy(info->version, version, len + 1);
		info->has |= KUBENF_INFO_HAS_VERSION;
	}
	if (tb[KUBENF_A_GENERATION]) {
		info->generation = kubenf_nla_u64(tb[KUBENF_A_GENERATION]);
		info->has |= KUBENF_INFO_HAS_GENERATION;
	}
	if (tb[KUBENF_A_COOKIE]) {
		info->cookie = kubenf_nla_u64(tb[KUBENF_A_COOKIE]);
		info->has |= KUBENF_INFO_HAS_COOKIE;
	}
	if (tb[KUBENF_A_HOOKS]) {
		info->hooks = kubenf_nla_u8(tb[KUBENF_A_HOOKS]);
		info->has |= KUBENF_INFO_HAS_HOOKS;
	}
	if (tb[KUBENF_A_COUNTS])
		return parse_counts(tb[KUBENF_A_COUNTS], info);
	return 0;
}
