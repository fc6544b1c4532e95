// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "kubenf": attribute policies, request parsing
 * and replies. Every command runs in the network namespace of the sending
 * socket and is serialised with other writers of that namespace by
 * kubenf_net->lock (the family sets parallel_ops, so genl_mutex does not
 * serialise us).
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "netlink.h"
#include "netns.h"

static struct genl_family kubenf_genl_family;

/* Exceptions inside an ipBlock-style CIDR: a CIDR without nested except. */
static const struct nla_policy kubenf_except_policy[KUBENF_CIDR_A_MAX + 1] = {
	[KUBENF_CIDR_A_ADDR4]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[KUBENF_CIDR_A_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[KUBENF_CIDR_A_PREFIX]	= NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy kubenf_cidr_policy[KUBENF_CIDR_A_MAX + 1] = {
	[KUBENF_CIDR_A_ADDR4]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[KUBENF_CIDR_A_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[KUBENF_CIDR_A_PREFIX]	= NLA_POLICY_MAX(NLA_U8, 128),
	[KUBENF_CIDR_A_EXCEPT]	= NLA_POLICY_NESTED_ARRAY(kubenf_except_policy),
};

static const struct nla_policy kubenf_cfg_policy[KUBENF_CFG_A_MAX + 1] = {
	[KUBENF_CFG_A_FLAGS]		= { .type = NLA_U32 },
	[KUBENF_CFG_A_NODE_ADDRS]	= NLA_POLICY_NESTED_ARRAY(kubenf_except_policy),
	[KUBENF_CFG_A_CLUSTER_CIDRS]	= NLA_POLICY_NESTED_ARRAY(kubenf_except_policy),
	[KUBENF_CFG_A_NODE_NAME]	= { .type = NLA_NUL_STRING,
					    .len = KUBENF_NAME_MAX - 1 },
};

static const struct nla_policy kubenf_set_config_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_CONFIG]	= NLA_POLICY_NESTED(kubenf_cfg_policy),
};

/*
 * Fills @c from a KUBENF_CIDR_A_* nest that the attribute policy has
 * already validated. A prefix is the full address length when absent; host
 * bits below the prefix must be zero, so that one block has one spelling.
 */
static int kubenf_cidr_parse(const struct nlattr *nest, struct kubenf_cidr *c,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_CIDR_A_MAX + 1];
	unsigned int bits;
	int ret;

	ret = nla_parse_nested(tb, KUBENF_CIDR_A_MAX, nest,
			       kubenf_cidr_policy, extack);
	if (ret)
		return ret;

	memset(c, 0, sizeof(*c));
	if (!!tb[KUBENF_CIDR_A_ADDR4] == !!tb[KUBENF_CIDR_A_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "exactly one of ADDR4 and ADDR6 is required");
		return -EINVAL;
	}
	if (tb[KUBENF_CIDR_A_ADDR4]) {
		c->family = NFPROTO_IPV4;
		c->addr.ip = nla_get_in_addr(tb[KUBENF_CIDR_A_ADDR4]);
		bits = 32;
	} else {
		c->family = NFPROTO_IPV6;
		c->addr.in6 = nla_get_in6_addr(tb[KUBENF_CIDR_A_ADDR6]);
		bits = 128;
	}

	c->prefix = bits;
	if (tb[KUBENF_CIDR_A_PREFIX]) {
		c->prefix = nla_get_u8(tb[KUBENF_CIDR_A_PREFIX]);
		if (c->prefix > bits) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_CIDR_A_PREFIX],
					    "prefix longer than the address");
			return -EINVAL;
		}
	}

	if (c->family == NFPROTO_IPV4) {
		__be32 mask = c->prefix ? inet_make_mask(c->prefix) : 0;

		if (c->addr.ip & ~mask) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "host bits set beyond the prefix");
			return -EINVAL;
		}
	} else {
		struct in6_addr masked;

		ipv6_addr_prefix(&masked, &c->addr.in6, c->prefix);
		if (!ipv6_addr_equal(&masked, &c->addr.in6)) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "host bits set beyond the prefix");
			return -EINVAL;
		}
	}
	return 0;
}

/* Counts the elements of a validated nested array, failing beyond @max. */
static int kubenf_array_len(const struct nlattr *array, unsigned int max,
			    struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	unsigned int n = 0;
	int rem;

	if (!array)
		return 0;
	nla_for_each_nested(pos, array, rem) {
		if (++n > max) {
			NL_SET_ERR_MSG_ATTR(extack, array, "too many entries");
			return -ENOSPC;
		}
	}
	return n;
}

/* Parses @n full-length addresses or CIDRs from @array into @out. */
static int kubenf_cidr_array_parse(const struct nlattr *array,
				   struct kubenf_cidr *out, bool host_only,
				   struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	int rem, ret;

	if (!array)
		return 0;
	nla_for_each_nested(pos, array, rem) {
		ret = kubenf_cidr_parse(pos, out, extack);
		if (ret)
			return ret;
		if (host_only &&
		    out->prefix != (out->family == NFPROTO_IPV4 ? 32 : 128)) {
			NL_SET_ERR_MSG_ATTR(extack, pos,
					    "an address, not a prefix, is expected");
			return -EINVAL;
		}
		out++;
	}
	return 0;
}

static struct kubenf_config *kubenf_config_parse(const struct nlattr *nest,
						 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_CFG_A_MAX + 1];
	struct kubenf_config *cfg;
	int n_addrs, n_cidrs;
	u32 flags = 0;
	int ret;

	ret = nla_parse_nested(tb, KUBENF_CFG_A_MAX, nest, kubenf_cfg_policy,
			       extack);
	if (ret)
		return ERR_PTR(ret);

	if (tb[KUBENF_CFG_A_FLAGS]) {
		flags = nla_get_u32(tb[KUBENF_CFG_A_FLAGS]);
		if (flags & ~__KUBENF_CFG_F_ALL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_CFG_A_FLAGS],
					    "unknown configuration flag");
			return ERR_PTR(-EOPNOTSUPP);
		}
	}

	n_addrs = kubenf_array_len(tb[KUBENF_CFG_A_NODE_ADDRS],
				   KUBENF_MAX_NODE_ADDRS, extack);
	if (n_addrs < 0)
		return ERR_PTR(n_addrs);
	n_cidrs = kubenf_array_len(tb[KUBENF_CFG_A_CLUSTER_CIDRS],
				   KUBENF_MAX_CLUSTER_CIDRS, extack);
	if (n_cidrs < 0)
		return ERR_PTR(n_cidrs);

	cfg = kzalloc(struct_size(cfg, cidrs, n_addrs + n_cidrs),
		      GFP_KERNEL_ACCOUNT);
	if (!cfg)
		return ERR_PTR(-ENOMEM);
	cfg->flags = flags;
	cfg->n_node_addrs = n_addrs;
	cfg->n_cluster_cidrs = n_cidrs;

	ret = kubenf_cidr_array_parse(tb[KUBENF_CFG_A_NODE_ADDRS], cfg->cidrs,
				      true, extack);
	if (ret)
		goto err;
	ret = kubenf_cidr_array_parse(tb[KUBENF_CFG_A_CLUSTER_CIDRS],
				      cfg->cidrs + n_addrs, false, extack);
	if (ret)
		goto err;
	if (tb[KUBENF_CFG_A_NODE_NAME])
		nla_strscpy(cfg->node_name, tb[KUBENF_CFG_A_NODE_NAME],
			    sizeof(cfg->node_name));
	return cfg;

err:
	kfree(cfg);
	return ERR_PTR(ret);
}

static int kubenf_put_cidr(struct sk_buff *skb, int type,
			   const struct kubenf_cidr *c)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (c->family == NFPROTO_IPV4 ?
	    nla_put_in_addr(skb, KUBENF_CIDR_A_ADDR4, c->addr.ip) :
	    nla_put_in6_addr(skb, KUBENF_CIDR_A_ADDR6, &c->addr.in6))
		goto cancel;
	if (nla_put_u8(skb, KUBENF_CIDR_A_PREFIX, c->prefix))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int kubenf_put_cidr_array(struct sk_buff *skb, int type,
				 const struct kubenf_cidr *c, unsigned int n)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		/* Array elements are numbered from 1, as NLA_NESTED_ARRAY has it. */
		if (kubenf_put_cidr(skb, i + 1, &c[i])) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Upper bound of the reply to KUBENF_CMD_GET_CONFIG for @cfg. */
static size_t kubenf_config_size(const struct kubenf_config *cfg)
{
	size_t cidr = nla_total_size(0) + nla_total_size(16) +
		      nla_total_size(1);
	unsigned int n = cfg ? cfg->n_node_addrs + cfg->n_cluster_cidrs : 0;

	return nla_total_size(0) + nla_total_size(4) + 2 * nla_total_size(0) +
	       nla_total_size(KUBENF_NAME_MAX) + n * cidr;
}

static int kubenf_put_config(struct sk_buff *skb,
			     const struct kubenf_config *cfg)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, KUBENF_A_CONFIG);
	if (!nest)
		return -EMSGSIZE;
	if (cfg &&
	    (nla_put_u32(skb, KUBENF_CFG_A_FLAGS, cfg->flags) ||
	     kubenf_put_cidr_array(skb, KUBENF_CFG_A_NODE_ADDRS, cfg->cidrs,
				   cfg->n_node_addrs) ||
	     kubenf_put_cidr_array(skb, KUBENF_CFG_A_CLUSTER_CIDRS,
				   cfg->cidrs + cfg->n_node_addrs,
				   cfg->n_cluster_cidrs) ||
	     (cfg->node_name[0] &&
	      nla_put_string(skb, KUBENF_CFG_A_NODE_NAME, cfg->node_name)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int kubenf_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct kubenf_net *kn = kubenf_net(genl_info_net(info));
	struct kubenf_config *cfg;

	if (!info->attrs[KUBENF_A_CONFIG]) {
		NL_SET_ERR_MSG(info->extack, "missing KUBENF_A_CONFIG");
		return -EINVAL;
	}
	cfg = kubenf_config_parse(info->attrs[KUBENF_A_CONFIG], info->extack);
	if (IS_ERR(cfg))
		return PTR_ERR(cfg);

	mutex_lock(&kn->lock);
	kubenf_netns_set_config(kn, cfg);
	kn->generation++;
	mutex_unlock(&kn->lock);
	return 0;
}

static int kubenf_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct kubenf_net *kn = kubenf_net(genl_info_net(info));
	struct kubenf_config *cfg;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	mutex_lock(&kn->lock);
	cfg = kubenf_netns_config(kn);
	msg = genlmsg_new(kubenf_config_size(cfg), GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	hdr = genlmsg_put_reply(msg, info, &kubenf_genl_family, 0,
				KUBENF_CMD_GET_CONFIG);
	if (!hdr || kubenf_put_config(msg, cfg)) {
		ret = -EMSGSIZE;
		goto err_free;
	}
	mutex_unlock(&kn->lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
out_unlock:
	mutex_unlock(&kn->lock);
	return ret;
}

static int kubenf_put_counts(struct sk_buff *skb,
			     const struct kubenf_counts *c)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, KUBENF_A_COUNTS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KUBENF_COUNT_A_SERVICES, c->services) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_FRONTENDS, c->frontends) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_BACKENDS, c->backends) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_PEERSETS, c->peersets) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_POLICIES, c->policies) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_PODS, c->pods)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int kubenf_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct kubenf_net *kn = kubenf_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kubenf_genl_family, 0,
				KUBENF_CMD_GET_INFO);
	if (!hdr)
		goto err_size;

	/* One snapshot: counts and generation from the same commit. */
	mutex_lock(&kn->lock);
	ret = nla_put_string(msg, KUBENF_A_VERSION, KUBENF_VERSION) ||
	      nla_put_u64_64bit(msg, KUBENF_A_GENERATION, kn->generation,
				KUBENF_A_UNSPEC) ||
	      nla_put_u64_64bit(msg, KUBENF_A_COOKIE, kn->cookie,
				KUBENF_A_UNSPEC) ||
	      nla_put_u8(msg, KUBENF_A_HOOKS, 0) ||
	      kubenf_put_counts(msg, &kn->counts);
	mutex_unlock(&kn->lock);
	if (ret)
		goto err_size;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_size:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Every command needs CAP_NET_ADMIN in the initial user namespace, dumps
 * included: Service and policy rules describe what may reach every pod of
 * the node, which a container's own user namespace root must not read or
 * change. Commands without a policy accept no attributes at all.
 */
static const struct genl_ops kubenf_genl_ops[] = {
	{
		.cmd	= KUBENF_CMD_GET_INFO,
		.doit	= kubenf_get_info,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_SET_CONFIG,
		.doit	= kubenf_set_config,
		.policy	= kubenf_set_config_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_GET_CONFIG,
		.doit	= kubenf_get_config,
		.flags	= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group kubenf_genl_mcgrps[] = {
	{ .name = KUBENF_GENL_MCGRP_EVENTS },
};

static struct genl_family kubenf_genl_family __ro_after_init = {
	.name		= KUBENF_GENL_NAME,
	.version	= KUBENF_GENL_VERSION,
	.module		= THIS_MODULE,
	.ops		= kubenf_genl_ops,
	.n_ops		= ARRAY_SIZE(kubenf_genl_ops),
	.mcgrps		= kubenf_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(kubenf_genl_mcgrps),
	/* Strict header and attribute validation for every command. */
	.resv_start_op	= KUBENF_CMD_GET_INFO,
	.netnsok	= true,
	.parallel_ops	= true,
};

int __init kubenf_genl_init(void)
{
	return genl_register_family(&kubenf_genl_family);
}

void kubenf_genl_uninit(void)
{
	genl_unregister_family(&kubenf_genl_family);
}
