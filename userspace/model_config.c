// SPDX-License-Identifier: GPL-2.0
/* Node configuration: struct kubenf_config <-> KUBENF_A_CONFIG. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "array.h"
#include "model.h"
#include "nl.h"

struct kubenf_cidr *kubenf_config_add_node_addr(struct kubenf_config *cfg)
{
	return kubenf_array_add(cfg->node_addrs, cfg->n_node_addrs);
}

struct kubenf_cidr *kubenf_config_add_cluster_cidr(struct kubenf_config *cfg)
{
	return kubenf_array_add(cfg->cluster_cidrs, cfg->n_cluster_cidrs);
}

struct kubenf_cidr *kubenf_config_add_pod_cidr(struct kubenf_config *cfg)
{
	return kubenf_array_add(cfg->pod_cidrs, cfg->n_pod_cidrs);
}

void kubenf_config_release(struct kubenf_config *cfg)
{
	free(cfg->node_addrs);
	free(cfg->cluster_cidrs);
	free(cfg->pod_cidrs);
	memset(cfg, 0, sizeof(*cfg));
}

static bool cidrs_equal(const struct kubenf_cidr *a, size_t na,
			const struct kubenf_cidr *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!kubenf_cidr_equal(&a[i], &b[i]))
			return false;
	return true;
}

bool kubenf_config_equal(const struct kubenf_config *a,
			 const struct kubenf_config *b)
{
	return a->has == b->has &&
	       (!(a->has & KUBENF_CFG_HAS_FLAGS) || a->flags == b->flags) &&
	       (!(a->has & KUBENF_CFG_HAS_NODE_NAME) ||
		!strcmp(a->node_name, b->node_name)) &&
	       cidrs_equal(a->node_addrs, a->n_node_addrs, b->node_addrs,
			   b->n_node_addrs) &&
	       cidrs_equal(a->cluster_cidrs, a->n_cluster_cidrs,
			   b->cluster_cidrs, b->n_cluster_cidrs) &&
	       cidrs_equal(a->pod_cidrs, a->n_pod_cidrs, b->pod_cidrs,
			   b->n_pod_cidrs);
}

static int config_put(struct nl_msg *msg, const struct kubenf_config *cfg)
{
	struct nlattr *nest;
	int err = 0;

	nest = kubenf_nl_nest_start(msg, KUBENF_A_CONFIG);
	if (!nest)
		return -EMSGSIZE;
	/*
	 * Always: SET_CONFIG replaces everything, so no flag is FLAGS 0, and
	 * libnl drops an empty nest, which the kernel takes for no CONFIG.
	 */
	err = kubenf_nl_put_u32(msg, KUBENF_CFG_A_FLAGS,
				cfg->has & KUBENF_CFG_HAS_FLAGS ? cfg->flags : 0);
	if (!err && cfg->n_node_addrs)
		err = kubenf_cidrs_put(msg, KUBENF_CFG_A_NODE_ADDRS,
				       cfg->node_addrs, cfg->n_node_addrs);
	if (!err && cfg->n_cluster_cidrs)
		err = kubenf_cidrs_put(msg, KUBENF_CFG_A_CLUSTER_CIDRS,
				       cfg->cluster_cidrs,
				       cfg->n_cluster_cidrs);
	if (!err && cfg->n_pod_cidrs)
		err = kubenf_cidrs_put(msg, KUBENF_CFG_A_POD_CIDRS,
				       cfg->pod_cidrs, cfg->n_pod_cidrs);
	if (!err && (cfg->has & KUBENF_CFG_HAS_NODE_NAME))
		err = kubenf_nl_put_str(msg, KUBENF_CFG_A_NODE_NAME,
					cfg->node_name);
	return err ?: kubenf_nl_nest_end(msg, nest);
}

int kubenf_config_set_msg(const struct kubenf_config *cfg,
			  struct nl_msg **out)
{
	/* Each CIDR: nest, IPv6 address, prefix. */
	size_t size = 4 * NLA_HDRLEN + NLA_HDRLEN + 4 +
		      NLA_HDRLEN + KUBENF_NAME_MAX +
		      (cfg->n_node_addrs + cfg->n_cluster_cidrs +
		       cfg->n_pod_cidrs) *
		      (3 * NLA_HDRLEN + 16 + 4);
	int err;

	*out = kubenf_nl_msg_new_size(KUBENF_CMD_SET_CONFIG, 0, size);
	if (!*out)
		return -ENOMEM;
	err = config_put(*out, cfg);
	if (err) {
		kubenf_nl_msg_free(*out);
		*out = NULL;
	}
	return err;
}

int kubenf_config_get_msg(struct nl_msg **out)
{
	*out = kubenf_nl_msg_new(KUBENF_CMD_GET_CONFIG, 0);
	return *out ? 0 : -ENOMEM;
}

int kubenf_config_parse_nest(const struct nlattr *nest,
			     struct kubenf_config *cfg)
{
	static const struct kubenf_nla_policy policy[KUBENF_CFG_A_MAX + 1] = {
		[KUBENF_CFG_A_FLAGS]		= { .type = KUBENF_NLA_U32 },
		[KUBENF_CFG_A_NODE_ADDRS]	= { .type = KUBENF_NLA_NESTED },
		[KUBENF_CFG_A_CLUSTER_CIDRS]	= { .type = KUBENF_NLA_NESTED },
		[KUBENF_CFG_A_NODE_NAME]	= { .type = KUBENF_NLA_STRING,
						    .len = KUBENF_NAME_MAX },
		[KUBENF_CFG_A_POD_CIDRS]	= { .type = KUBENF_NLA_NESTED },
	};
	const struct nlattr *tb[KUBENF_CFG_A_MAX + 1];
	int err;

	err = kubenf_nl_parse_nested(nest, tb, KUBENF_CFG_A_MAX, policy);
	if (err)
		return err;
	if (tb[KUBENF_CFG_A_FLAGS]) {
		cfg->flags = kubenf_nla_u32(tb[KUBENF_CFG_A_FLAGS]);
		cfg->has |= KUBENF_CFG_HAS_FLAGS;
	}
	if (tb[KUBENF_CFG_A_NODE_NAME]) {
		/* Shorter than KUBENF_NAME_MAX: checked by the policy. */
		strcpy(cfg->node_name, kubenf_nla_str(tb[KUBENF_CFG_A_NODE_NAME]));
		cfg->has |= KUBENF_CFG_HAS_NODE_NAME;
	}
	if (tb[KUBENF_CFG_A_NODE_ADDRS]) {
		err = kubenf_cidrs_parse(tb[KUBENF_CFG_A_NODE_ADDRS],
					 &cfg->node_addrs, &cfg->n_node_addrs);
		if (err)
			return err;
	}
	if (tb[KUBENF_CFG_A_CLUSTER_CIDRS]) {
		err = kubenf_cidrs_parse(tb[KUBENF_CFG_A_CLUSTER_CIDRS],
					 &cfg->cluster_cidrs,
					 &cfg->n_cluster_cidrs);
		if (err)
			return err;
	}
	if (tb[KUBENF_CFG_A_POD_CIDRS])
		return kubenf_cidrs_parse(tb[KUBENF_CFG_A_POD_CIDRS],
					  &cfg->pod_cidrs, &cfg->n_pod_cidrs);
	return 0;
}

int kubenf_config_parse(const struct nlmsghdr *nlh, void *arg)
{
	static const struct kubenf_nla_policy policy[KUBENF_A_MAX + 1] = {
		[KUBENF_A_CONFIG]	= { .type = KUBENF_NLA_NESTED },
	};
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	uint8_t cmd;
	int err;

	err = kubenf_nl_parse_genl(nlh, &cmd, tb, KUBENF_A_MAX, policy);
	if (err)
		return err;
	if (cmd != KUBENF_CMD_GET_CONFIG || !tb[KUBENF_A_CONFIG])
		return -EBADMSG;
	return kubenf_config_parse_nest(tb[KUBENF_A_CONFIG], arg);
}
