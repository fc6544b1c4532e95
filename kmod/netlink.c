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

#include "hooks.h"
#include "netlink.h"
#include "netns.h"
#include "peerset.h"
#include "pod.h"
#include "policy.h"
#include "service.h"
#include "txn.h"
#include "verdict.h"

static struct genl_family kubenf_genl_family;

/* Exceptions inside an ipBlock-style CIDR: a CIDR without nested except. */
static const struct nla_policy kubenf_except_policy[KUBENF_CIDR_A_MAX + 1] = {
	[KUBENF_CIDR_A_ADDR4]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[KUBENF_CIDR_A_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[KUBENF_CIDR_A_PREFIX]	= NLA_POLICY_MAX(NLA_U8, 128),
};

const struct nla_policy kubenf_cidr_policy[KUBENF_CIDR_A_MAX + 1] = {
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
	[KUBENF_CFG_A_POD_CIDRS]	= NLA_POLICY_NESTED_ARRAY(kubenf_except_policy),
};

static const struct nla_policy kubenf_set_config_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_CONFIG]	= NLA_POLICY_NESTED(kubenf_cfg_policy),
};

const struct nla_policy kubenf_fe_policy[KUBENF_FE_A_MAX + 1] = {
	[KUBENF_FE_A_KIND]	= NLA_POLICY_MAX(NLA_U8, __KUBENF_FE_KIND_MAX - 1),
	[KUBENF_FE_A_ADDR4]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[KUBENF_FE_A_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[KUBENF_FE_A_PROTO]	= { .type = NLA_U8 },
	[KUBENF_FE_A_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[KUBENF_FE_A_FAMILY]	= { .type = NLA_U8 },
};

const struct nla_policy kubenf_be_policy[KUBENF_BE_A_MAX + 1] = {
	[KUBENF_BE_A_ADDR4]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[KUBENF_BE_A_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[KUBENF_BE_A_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[KUBENF_BE_A_FLAGS]	= { .type = NLA_U32 },
};

/*
 * kube-proxy caps sessionAffinityConfig.clientIP.timeoutSeconds at a day.
 * Not const: 6.1 declares nla_policy.range without it.
 */
static struct netlink_range_validation kubenf_affinity_range = {
	.max = 86400,
};

/* Counters (PACKETS, BYTES) are reply-only: rejected in requests. */
const struct nla_policy kubenf_svc_policy[KUBENF_SVC_A_MAX + 1] = {
	[KUBENF_SVC_A_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[KUBENF_SVC_A_NAME]		= { .type = NLA_NUL_STRING,
					    .len = KUBENF_NAME_MAX - 1 },
	[KUBENF_SVC_A_FLAGS]		= { .type = NLA_U32 },
	[KUBENF_SVC_A_AFFINITY_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &kubenf_affinity_range),
	[KUBENF_SVC_A_FRONTENDS]	= NLA_POLICY_NESTED_ARRAY(kubenf_fe_policy),
	[KUBENF_SVC_A_BACKENDS]		= NLA_POLICY_NESTED_ARRAY(kubenf_be_policy),
	[KUBENF_SVC_A_SOURCE_RANGES]	= NLA_POLICY_NESTED_ARRAY(kubenf_except_policy),
};

static const struct nla_policy kubenf_svc_req_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_SERVICE]	= NLA_POLICY_NESTED(kubenf_svc_policy),
};

static const struct nla_policy kubenf_txn_begin_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_TXN_FLAGS]	= { .type = NLA_U32 },
};

static const struct nla_policy kubenf_txn_commit_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_GENERATION]	= { .type = NLA_U64 },
	[KUBENF_A_COOKIE]	= { .type = NLA_U64 },
};

/* NetworkPolicy objects. Rule counters (PACKETS) are reply-only. */
const struct nla_policy kubenf_pset_policy[KUBENF_SET_A_MAX + 1] = {
	[KUBENF_SET_A_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[KUBENF_SET_A_NAME]	= { .type = NLA_NUL_STRING,
				    .len = KUBENF_NAME_MAX - 1 },
	[KUBENF_SET_A_ENTRIES]	= NLA_POLICY_NESTED_ARRAY(kubenf_cidr_policy),
};

const struct nla_policy kubenf_port_policy[KUBENF_PORT_A_MAX + 1] = {
	[KUBENF_PORT_A_PROTO]	= { .type = NLA_U8 },
	[KUBENF_PORT_A_FIRST]	= NLA_POLICY_MIN(NLA_U16, 1),
	[KUBENF_PORT_A_LAST]	= NLA_POLICY_MIN(NLA_U16, 1),
};

/* PEERS: an array of u32 peerset ids, checked by kubenf_id_array_parse(). */
const struct nla_policy kubenf_rule_policy[KUBENF_RULE_A_MAX + 1] = {
	[KUBENF_RULE_A_PEERS]	= { .type = NLA_NESTED },
	[KUBENF_RULE_A_PORTS]	= NLA_POLICY_NESTED_ARRAY(kubenf_port_policy),
};

const struct nla_policy kubenf_pol_policy[KUBENF_POL_A_MAX + 1] = {
	[KUBENF_POL_A_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[KUBENF_POL_A_NAME]	= { .type = NLA_NUL_STRING,
				    .len = KUBENF_NAME_MAX - 1 },
	[KUBENF_POL_A_DIR]	= NLA_POLICY_MAX(NLA_U8, __KUBENF_DIR_MAX - 1),
	[KUBENF_POL_A_RULES]	= NLA_POLICY_NESTED_ARRAY(kubenf_rule_policy),
};

/* INGRESS, EGRESS: arrays of u32 policy ids, as rule PEERS. */
const struct nla_policy kubenf_pod_policy[KUBENF_POD_A_MAX + 1] = {
	[KUBENF_POD_A_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[KUBENF_POD_A_NAME]	= { .type = NLA_NUL_STRING,
				    .len = KUBENF_NAME_MAX - 1 },
	[KUBENF_POD_A_FLAGS]	= { .type = NLA_U32 },
	[KUBENF_POD_A_ADDRS]	= NLA_POLICY_NESTED_ARRAY(kubenf_except_policy),
	[KUBENF_POD_A_INGRESS]	= { .type = NLA_NESTED },
	[KUBENF_POD_A_EGRESS]	= { .type = NLA_NESTED },
};

/* DIR, POD_ID and REASON belong to events: rejected in requests. */
const struct nla_policy kubenf_flow_policy[KUBENF_FLOW_A_MAX + 1] = {
	[KUBENF_FLOW_A_SRC4]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[KUBENF_FLOW_A_SRC6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[KUBENF_FLOW_A_DST4]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[KUBENF_FLOW_A_DST6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[KUBENF_FLOW_A_PROTO]	= { .type = NLA_U8 },
	[KUBENF_FLOW_A_SPORT]	= { .type = NLA_U16 },
	[KUBENF_FLOW_A_DPORT]	= { .type = NLA_U16 },
};

static const struct nla_policy kubenf_pset_req_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_PEERSET]	= NLA_POLICY_NESTED(kubenf_pset_policy),
};

static const struct nla_policy kubenf_pol_req_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_POLICY]	= NLA_POLICY_NESTED(kubenf_pol_policy),
};

static const struct nla_policy kubenf_pod_req_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_POD]		= NLA_POLICY_NESTED(kubenf_pod_policy),
};

static const struct nla_policy kubenf_explain_policy[KUBENF_A_MAX + 1] = {
	[KUBENF_A_FLOW]		= NLA_POLICY_NESTED(kubenf_flow_policy),
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
			return -ERANGE;
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
int kubenf_array_len(const struct nlattr *array, unsigned int max,
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
int kubenf_cidr_array_parse(const struct nlattr *array,
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
	int n_addrs, n_cidrs, n_pod;
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
	n_pod = kubenf_array_len(tb[KUBENF_CFG_A_POD_CIDRS],
				 KUBENF_MAX_POD_CIDRS, extack);
	if (n_pod < 0)
		return ERR_PTR(n_pod);

	cfg = kzalloc(struct_size(cfg, cidrs, n_addrs + n_cidrs + n_pod),
		      KUBENF_GFP);
	if (!cfg)
		return ERR_PTR(-ENOMEM);
	cfg->flags = flags;
	cfg->n_node_addrs = n_addrs;
	cfg->n_cluster_cidrs = n_cidrs;
	cfg->n_pod_cidrs = n_pod;

	ret = kubenf_cidr_array_parse(tb[KUBENF_CFG_A_NODE_ADDRS], cfg->cidrs,
				      true, extack);
	if (ret)
		goto err;
	ret = kubenf_cidr_array_parse(tb[KUBENF_CFG_A_CLUSTER_CIDRS],
				      cfg->cidrs + n_addrs, false, extack);
	if (ret)
		goto err;
	ret = kubenf_cidr_array_parse(tb[KUBENF_CFG_A_POD_CIDRS],
				      cfg->cidrs + n_addrs + n_cidrs, false,
				      extack);
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

int kubenf_put_cidr_array(struct sk_buff *skb, int type,
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
	unsigned int n = cfg ? cfg->n_node_addrs + cfg->n_cluster_cidrs +
			       cfg->n_pod_cidrs : 0;

	return nla_total_size(0) + nla_total_size(4) + 3 * nla_total_size(0) +
	       nla_total_size(KUBENF_NAME_MAX) + n * cidr;
}

static int kubenf_put_config(struct sk_buff *skb,
			     const struct kubenf_config *cfg)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, KUBENF_A_CONFIG);
	if (!nest)
		return -EMSGSIZE;
	/* A namespace never configured reads as one set to the defaults. */
	if (nla_put_u32(skb, KUBENF_CFG_A_FLAGS, cfg ? cfg->flags : 0))
		goto cancel;
	if (cfg &&
	    (kubenf_put_cidr_array(skb, KUBENF_CFG_A_NODE_ADDRS, cfg->cidrs,
				   cfg->n_node_addrs) ||
	     kubenf_put_cidr_array(skb, KUBENF_CFG_A_CLUSTER_CIDRS,
				   kubenf_cfg_cluster_cidrs(cfg),
				   cfg->n_cluster_cidrs) ||
	     kubenf_put_cidr_array(skb, KUBENF_CFG_A_POD_CIDRS,
				   kubenf_cfg_pod_cidrs(cfg),
				   cfg->n_pod_cidrs) ||
	     (cfg->node_name[0] &&
	      nla_put_string(skb, KUBENF_CFG_A_NODE_NAME, cfg->node_name))))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
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
	    nla_put_u32(skb, KUBENF_COUNT_A_PODS, c->pods) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_MAX_SERVICES, KUBENF_MAX_SERVICES) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_MAX_BACKENDS, KUBENF_MAX_BACKENDS) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_MAX_PODS, KUBENF_MAX_PODS) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_MAX_RULES, KUBENF_MAX_RULES) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_MAX_PEERSETS, KUBENF_MAX_PEERSETS) ||
	    nla_put_u32(skb, KUBENF_COUNT_A_MAX_POLICIES, KUBENF_MAX_POLICIES)) {
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
	      nla_put_u8(msg, KUBENF_A_HOOKS, kn->hooks_active) ||
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
 * Runs @stage on the open transaction of the sender, or on a transaction of
 * its own that commits at once when none is open. Another socket's open
 * transaction makes every change fail with -EBUSY.
 */
static int kubenf_change(struct genl_info *info,
			 int (*stage)(struct kubenf_net *kn,
				      struct kubenf_txn *txn,
				      struct genl_info *info))
{
	struct kubenf_net *kn = kubenf_net(genl_info_net(info));
	struct kubenf_txn local, *txn;
	int ret;

	mutex_lock(&kn->lock);
	kubenf_txn_settle(kn);
	txn = kn->txn;
	if (txn && txn->portid != info->snd_portid) {
		NL_SET_ERR_MSG(info->extack,
			       "another socket has a transaction open");
		ret = -EBUSY;
		goto out;
	}
	if (!txn) {
		kubenf_txn_init(&local, info->snd_portid, false);
		txn = &local;
	}
	ret = stage(kn, txn, info);
	if (txn == &local) {
		if (ret)
			kubenf_txn_abort(kn, txn);
		else
			ret = kubenf_txn_commit(kn, txn, info->extack);
		kubenf_hooks_sync(kn);
	}
out:
	mutex_unlock(&kn->lock);
	return ret;
}

static int kubenf_config_stage(struct kubenf_net *kn, struct kubenf_txn *txn,
			       struct genl_info *info)
{
	struct kubenf_config *cfg;

	if (!info->attrs[KUBENF_A_CONFIG]) {
		NL_SET_ERR_MSG(info->extack, "missing KUBENF_A_CONFIG");
		return -EINVAL;
	}
	cfg = kubenf_config_parse(info->attrs[KUBENF_A_CONFIG], info->extack);
	if (IS_ERR(cfg))
		return PTR_ERR(cfg);
	kfree(txn->config);
	txn->config = cfg;
	return 0;
}

static int kubenf_set_config(struct sk_buff *skb, struct genl_info *info)
{
	return kubenf_change(info, kubenf_config_stage);
}

static int kubenf_svc_stage_set(struct kubenf_net *kn, struct kubenf_txn *txn,
				struct genl_info *info)
{
	int ret;

	if (!info->attrs[KUBENF_A_SERVICE]) {
		NL_SET_ERR_MSG(info->extack, "missing KUBENF_A_SERVICE");
		return -EINVAL;
	}
	ret = kubenf_hooks_enable(kn);
	if (ret) {
		NL_SET_ERR_MSG(info->extack, "cannot register netfilter hooks");
		return ret;
	}
	return kubenf_svc_set(kn, txn, info->attrs[KUBENF_A_SERVICE],
			      info->extack);
}

/* Reads the required ID of an object nest for a DEL. */
static int kubenf_obj_id(const struct nlattr *nest,
			 const struct nla_policy *policy, unsigned int maxtype,
			 struct netlink_ext_ack *extack, u32 *id)
{
	struct nlattr *tb[KUBENF_A_MAX + 1];
	int ret;

	/* Every object nest has its ID at attribute 1. */
	BUILD_BUG_ON(KUBENF_SVC_A_ID != 1 || KUBENF_SET_A_ID != 1 ||
		     KUBENF_POL_A_ID != 1 || KUBENF_POD_A_ID != 1);
	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing object attribute");
		return -EINVAL;
	}
	if (WARN_ON_ONCE(maxtype > KUBENF_A_MAX))
		return -EINVAL;
	ret = nla_parse_nested(tb, maxtype, nest, policy, extack);
	if (ret)
		return ret;
	if (!tb[1]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing ID");
		return -EINVAL;
	}
	*id = nla_get_u32(tb[1]);
	return 0;
}

static int kubenf_svc_stage_del(struct kubenf_net *kn, struct kubenf_txn *txn,
				struct genl_info *info)
{
	u32 id;
	int ret;

	ret = kubenf_obj_id(info->attrs[KUBENF_A_SERVICE], kubenf_svc_policy,
			    KUBENF_SVC_A_MAX, info->extack, &id);
	if (ret)
		return ret;
	return kubenf_svc_remove(kn, txn, id, info->extack);
}

static int kubenf_svc_new(struct sk_buff *skb, struct genl_info *info)
{
	return kubenf_change(info, kubenf_svc_stage_set);
}

static int kubenf_svc_del(struct sk_buff *skb, struct genl_info *info)
{
	return kubenf_change(info, kubenf_svc_stage_del);
}

/* Dump cursor, kept in cb->args between calls: keys, never pointers. */
struct kubenf_dump_ctx {
	u32 next_id;	/* first object id not yet dumped */
	u32 be_next;	/* first backend of next_id not yet dumped */
	bool done;	/* the object with the last possible id was dumped */
};

#define DUMP_CTX(cb) ((struct kubenf_dump_ctx *)(cb)->args)

static int kubenf_svc_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kubenf_net *kn = kubenf_net(sock_net(skb->sk));
	struct kubenf_dump_ctx *ctx = DUMP_CTX(cb);
	struct kubenf_obj *obj;
	unsigned long id;
	int ret = 0;
	void *hdr;

	BUILD_BUG_ON(sizeof(struct kubenf_dump_ctx) > sizeof(cb->args));
	if (ctx->done)
		return 0;
	mutex_lock(&kn->lock);
	/* Dumps show committed state; NLM_F_DUMP_INTR tells of a commit. */
	cb->seq = (u32)kn->generation;
	xa_for_each_start(&kn->objs[KUBENF_KIND_SERVICE], id, obj,
			  ctx->next_id) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kubenf_genl_family,
				  NLM_F_MULTI, KUBENF_CMD_SVC_GET);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		ctx->next_id = id;
		ret = kubenf_svc_put(skb, kubenf_svc(obj), &ctx->be_next);
		if (ret < 0) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		if (ret > 0)
			break;
		if (id == U32_MAX) {
			ctx->done = true;
			break;
		}
		ctx->next_id = id + 1;
	}
	mutex_unlock(&kn->lock);
	/* Nothing fitted into an empty message: the object is too large. */
	if (ret < 0 && !skb->len)
		return ret;
	return skb->len;
}

static int kubenf_peerset_stage_set(struct kubenf_net *kn,
				    struct kubenf_txn *txn,
				    struct genl_info *info)
{
	if (!info->attrs[KUBENF_A_PEERSET]) {
		NL_SET_ERR_MSG(info->extack, "missing KUBENF_A_PEERSET");
		return -EINVAL;
	}
	return kubenf_peerset_set(kn, txn, info->attrs[KUBENF_A_PEERSET],
				  info->extack);
}

static int kubenf_peerset_stage_del(struct kubenf_net *kn,
				    struct kubenf_txn *txn,
				    struct genl_info *info)
{
	u32 id;
	int ret;

	ret = kubenf_obj_id(info->attrs[KUBENF_A_PEERSET], kubenf_pset_policy,
			    KUBENF_SET_A_MAX, info->extack, &id);
	if (ret)
		return ret;
	return kubenf_txn_stage_del(kn, txn, KUBENF_KIND_PEERSET, id,
				    info->extack);
}

static int kubenf_policy_stage_set(struct kubenf_net *kn,
				   struct kubenf_txn *txn,
				   struct genl_info *info)
{
	if (!info->attrs[KUBENF_A_POLICY]) {
		NL_SET_ERR_MSG(info->extack, "missing KUBENF_A_POLICY");
		return -EINVAL;
	}
	return kubenf_policy_set(kn, txn, info->attrs[KUBENF_A_POLICY],
				 info->extack);
}

static int kubenf_policy_stage_del(struct kubenf_net *kn,
				   struct kubenf_txn *txn,
				   struct genl_info *info)
{
	u32 id;
	int ret;

	ret = kubenf_obj_id(info->attrs[KUBENF_A_POLICY], kubenf_pol_policy,
			    KUBENF_POL_A_MAX, info->extack, &id);
	if (ret)
		return ret;
	return kubenf_txn_stage_del(kn, txn, KUBENF_KIND_POLICY, id,
				    info->extack);
}

/* Pods need the filter hooks; peersets and policies alone do not. */
static int kubenf_pod_stage_set(struct kubenf_net *kn, struct kubenf_txn *txn,
				struct genl_info *info)
{
	int ret;

	if (!info->attrs[KUBENF_A_POD]) {
		NL_SET_ERR_MSG(info->extack, "missing KUBENF_A_POD");
		return -EINVAL;
	}
	ret = kubenf_hooks_enable(kn);
	if (ret) {
		NL_SET_ERR_MSG(info->extack, "cannot register netfilter hooks");
		return ret;
	}
	return kubenf_pod_set(kn, txn, info->attrs[KUBENF_A_POD], info->extack);
}

static int kubenf_pod_stage_del(struct kubenf_net *kn, struct kubenf_txn *txn,
				struct genl_info *info)
{
	u32 id;
	int ret;

	ret = kubenf_obj_id(info->attrs[KUBENF_A_POD], kubenf_pod_policy,
			    KUBENF_POD_A_MAX, info->extack, &id);
	if (ret)
		return ret;
	return kubenf_txn_stage_del(kn, txn, KUBENF_KIND_POD, id,
				    info->extack);
}

static int kubenf_peerset_new(struct sk_buff *skb, struct genl_info *info)
{
	return kubenf_change(info, kubenf_peerset_stage_set);
}

static int kubenf_peerset_del(struct sk_buff *skb, struct genl_info *info)
{
	return kubenf_change(info, kubenf_peerset_stage_del);
}

static int kubenf_policy_new(struct sk_buff *skb, struct genl_info *info)
{
	return kubenf_change(info, kubenf_policy_stage_set);
}

static int kubenf_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	return kubenf_change(info, kubenf_policy_stage_del);
}

static int kubenf_pod_new(struct sk_buff *skb, struct genl_info *info)
{
	return kubenf_change(info, kubenf_pod_stage_set);
}

static int kubenf_pod_del(struct sk_buff *skb, struct genl_info *info)
{
	return kubenf_change(info, kubenf_pod_stage_del);
}

/*
 * Dumps the committed objects of @kind, one per message. @put writes one
 * from element *next on and returns 1 when the rest must continue in the
 * next message; ctx->be_next is that element cursor for every kind.
 */
static int kubenf_kind_dump(struct sk_buff *skb, struct netlink_callback *cb,
			    enum kubenf_kind kind, u8 cmd,
			    int (*put)(struct sk_buff *skb,
				       struct kubenf_obj *obj, u32 *next))
{
	struct kubenf_net *kn = kubenf_net(sock_net(skb->sk));
	struct kubenf_dump_ctx *ctx = DUMP_CTX(cb);
	struct kubenf_obj *obj;
	unsigned long id;
	int ret = 0;
	void *hdr;

	if (ctx->done)
		return 0;
	mutex_lock(&kn->lock);
	/* Dumps show committed state; NLM_F_DUMP_INTR tells of a commit. */
	cb->seq = (u32)kn->generation;
	xa_for_each_start(&kn->objs[kind], id, obj, ctx->next_id) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kubenf_genl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		ctx->next_id = id;
		ret = put(skb, obj, &ctx->be_next);
		if (ret < 0) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		if (ret > 0)
			break;
		if (id == U32_MAX) {
			ctx->done = true;
			break;
		}
		ctx->next_id = id + 1;
	}
	mutex_unlock(&kn->lock);
	/* Nothing fitted into an empty message: the object is too large. */
	if (ret < 0 && !skb->len)
		return ret;
	return skb->len;
}

static int kubenf_peerset_put_obj(struct sk_buff *skb, struct kubenf_obj *obj,
				  u32 *next)
{
	return kubenf_peerset_put(skb, kubenf_peerset(obj), next);
}

static int kubenf_policy_put_obj(struct sk_buff *skb, struct kubenf_obj *obj,
				 u32 *next)
{
	return kubenf_policy_put(skb, kubenf_policy(obj), next);
}

static int kubenf_pod_put_obj(struct sk_buff *skb, struct kubenf_obj *obj,
			      u32 *next)
{
	return kubenf_pod_put(skb, kubenf_pod(obj), next);
}

static int kubenf_peerset_dump(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	return kubenf_kind_dump(skb, cb, KUBENF_KIND_PEERSET,
				KUBENF_CMD_PEERSET_GET, kubenf_peerset_put_obj);
}

static int kubenf_policy_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return kubenf_kind_dump(skb, cb, KUBENF_KIND_POLICY,
				KUBENF_CMD_POLICY_GET, kubenf_policy_put_obj);
}

static int kubenf_pod_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return kubenf_kind_dump(skb, cb, KUBENF_KIND_POD, KUBENF_CMD_POD_GET,
				kubenf_pod_put_obj);
}

/* The packet path's own judgement of a flow, without a packet. */
static int kubenf_explain(struct sk_buff *skb, struct genl_info *info)
{
	struct kubenf_net *kn = kubenf_net(genl_info_net(info));
	struct kubenf_flow flow;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (!info->attrs[KUBENF_A_FLOW]) {
		NL_SET_ERR_MSG(info->extack, "missing KUBENF_A_FLOW");
		return -EINVAL;
	}
	ret = kubenf_flow_parse(info->attrs[KUBENF_A_FLOW], &flow,
				info->extack);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kubenf_genl_family, 0,
				KUBENF_CMD_EXPLAIN);
	if (!hdr || kubenf_verdict_explain(kn, &flow, msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

bool kubenf_genl_has_listeners(struct net *net)
{
	return genl_has_listeners(&kubenf_genl_family, net, 0);
}

void *kubenf_genl_event_put(struct sk_buff *skb, u8 cmd)
{
	return genlmsg_put(skb, 0, 0, &kubenf_genl_family, 0, cmd);
}

void kubenf_genl_event_send(struct net *net, struct sk_buff *skb)
{
	genlmsg_multicast_netns(&kubenf_genl_family, net, skb, 0, 0,
				GFP_ATOMIC);
}

static int kubenf_txn_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct kubenf_net *kn = kubenf_net(genl_info_net(info));
	struct nlattr *attr = info->attrs[KUBENF_A_TXN_FLAGS];
	struct kubenf_txn *txn;
	u32 flags = 0;
	int ret = 0;

	if (attr) {
		flags = nla_get_u32(attr);
		if (flags & ~__KUBENF_TXN_F_ALL) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "unknown transaction flag");
			return -EOPNOTSUPP;
		}
	}
	txn = kmalloc(sizeof(*txn), KUBENF_GFP);
	if (!txn)
		return -ENOMEM;
	kubenf_txn_init(txn, info->snd_portid, flags & KUBENF_TXN_F_REPLACE);

	mutex_lock(&kn->lock);
	if (kn->txn) {
		NL_SET_ERR_MSG(info->extack, "a transaction is already open");
		ret = -EBUSY;
	} else {
		kubenf_txn_settle(kn);
		kn->txn = txn;
		txn = NULL;
	}
	mutex_unlock(&kn->lock);
	kfree(txn);
	return ret;
}

/* Detaches the sender's open transaction; caller holds kn->lock. */
static struct kubenf_txn *kubenf_txn_take(struct kubenf_net *kn,
					  struct genl_info *info)
{
	struct kubenf_txn *txn = kn->txn;

	if (!txn || txn->portid != info->snd_portid) {
		NL_SET_ERR_MSG(info->extack,
			       "no transaction open on this socket");
		return NULL;
	}
	kn->txn = NULL;
	return txn;
}

static int kubenf_txn_end(struct sk_buff *skb, struct genl_info *info)
{
	struct kubenf_net *kn = kubenf_net(genl_info_net(info));
	bool commit = info->genlhdr->cmd == KUBENF_CMD_TXN_COMMIT;
	struct sk_buff *msg = NULL;
	struct nlattr *want = NULL;
	struct kubenf_txn *txn;
	void *hdr = NULL;
	int ret = 0;

	if (commit) {
		/*
		 * Only COMMIT has a policy: info->attrs has its maxattr + 1
		 * slots. ABORT has none, so genetlink gives it a 2-slot
		 * reject-all array (or none at all): never index it.
		 */
		want = info->attrs[KUBENF_A_GENERATION];
		/* Allocated first: a commit must not fail after applying. */
		msg = genlmsg_new(nla_total_size_64bit(sizeof(u64)),
				  GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
		hdr = genlmsg_put_reply(msg, info, &kubenf_genl_family, 0,
					KUBENF_CMD_TXN_COMMIT);
		if (!hdr) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}
	}

	mutex_lock(&kn->lock);
	txn = kubenf_txn_take(kn, info);
	if (!txn) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (commit && want && nla_get_u64(want) != kn->generation) {
		NL_SET_ERR_MSG_ATTR(info->extack, want,
				    "rule set changed since; transaction dropped");
		commit = false;
		ret = -ESTALE;
	}
	if (!commit) {
		kubenf_txn_abort(kn, txn);
		kubenf_hooks_sync(kn);
	} else {
		ret = kubenf_txn_commit(kn, txn, info->extack);
		if (!ret && info->attrs[KUBENF_A_COOKIE])
			kn->cookie = nla_get_u64(info->attrs[KUBENF_A_COOKIE]);
		if (!ret && nla_put_u64_64bit(msg, KUBENF_A_GENERATION,
					      kn->generation, KUBENF_A_UNSPEC))
			ret = -EMSGSIZE;
	}
	kfree(txn);
out_unlock:
	mutex_unlock(&kn->lock);
	if (!msg)
		return ret;
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* A transaction dies with the socket that opened it. */
static int kubenf_netlink_notify(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct kubenf_txn *txn = NULL;
	struct kubenf_net *kn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	kn = kubenf_net(n->net);
	mutex_lock(&kn->lock);
	if (kn->txn && kn->txn->portid == n->portid) {
		txn = kn->txn;
		kn->txn = NULL;
		kubenf_txn_abort(kn, txn);
		kubenf_hooks_sync(kn);
	}
	mutex_unlock(&kn->lock);
	kfree(txn);
	return NOTIFY_DONE;
}

static struct notifier_block kubenf_netlink_notifier = {
	.notifier_call = kubenf_netlink_notify,
};

static int kubenf_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct kubenf_net *kn = kubenf_net(genl_info_net(info));
	u64 accepts[__KUBENF_REASON_MAX] = {};
	u64 drops[__KUBENF_REASON_MAX] = {};
	struct nlattr *nest, *arr;
	u64 suppressed = 0;
	struct sk_buff *msg;
	int cpu, r;
	void *hdr;

	for_each_possible_cpu(cpu) {
		const struct kubenf_stats *st = per_cpu_ptr(kn->stats, cpu);

		for (r = 0; r < __KUBENF_REASON_MAX; r++) {
			drops[r] += READ_ONCE(st->drops[r]);
			accepts[r] += READ_ONCE(st->accepts[r]);
		}
		suppressed += READ_ONCE(st->events_suppressed);
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kubenf_genl_family, 0,
				KUBENF_CMD_GET_STATS);
	if (!hdr)
		goto err;
	nest = nla_nest_start(msg, KUBENF_A_STATS);
	if (!nest)
		goto err;
	arr = nla_nest_start(msg, KUBENF_STAT_A_DROPS);
	if (!arr)
		goto err;
	/* Attribute type r carries the count of enum kubenf_reason r. */
	for (r = KUBENF_REASON_NONE + 1; r < __KUBENF_REASON_MAX; r++)
		if (nla_put_u64_64bit(msg, r, drops[r], KUBENF_REASON_NONE))
			goto err;
	nla_nest_end(msg, arr);
	/* New connections the policy hook accepted, the same way. */
	arr = nla_nest_start(msg, KUBENF_STAT_A_ACCEPTS);
	if (!arr)
		goto err;
	for (r = KUBENF_REASON_NONE + 1; r < __KUBENF_REASON_MAX; r++)
		if (nla_put_u64_64bit(msg, r, accepts[r], KUBENF_REASON_NONE))
			goto err;
	nla_nest_end(msg, arr);
	if (nla_put_u64_64bit(msg, KUBENF_STAT_A_EVENTS_SUPPRESSED, suppressed,
			      KUBENF_STAT_A_UNSPEC))
		goto err;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
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
	{
		.cmd	= KUBENF_CMD_TXN_BEGIN,
		.doit	= kubenf_txn_begin,
		.policy	= kubenf_txn_begin_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_TXN_COMMIT,
		.doit	= kubenf_txn_end,
		.policy	= kubenf_txn_commit_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_TXN_ABORT,
		.doit	= kubenf_txn_end,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_SVC_SET,
		.doit	= kubenf_svc_new,
		.policy	= kubenf_svc_req_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_SVC_DEL,
		.doit	= kubenf_svc_del,
		.policy	= kubenf_svc_req_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_SVC_GET,
		.dumpit	= kubenf_svc_dump,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_GET_STATS,
		.doit	= kubenf_get_stats,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_PEERSET_SET,
		.doit	= kubenf_peerset_new,
		.policy	= kubenf_pset_req_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_PEERSET_DEL,
		.doit	= kubenf_peerset_del,
		.policy	= kubenf_pset_req_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_PEERSET_GET,
		.dumpit	= kubenf_peerset_dump,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_POLICY_SET,
		.doit	= kubenf_policy_new,
		.policy	= kubenf_pol_req_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_POLICY_DEL,
		.doit	= kubenf_policy_del,
		.policy	= kubenf_pol_req_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_POLICY_GET,
		.dumpit	= kubenf_policy_dump,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_POD_SET,
		.doit	= kubenf_pod_new,
		.policy	= kubenf_pod_req_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_POD_DEL,
		.doit	= kubenf_pod_del,
		.policy	= kubenf_pod_req_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_POD_GET,
		.dumpit	= kubenf_pod_dump,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KUBENF_CMD_EXPLAIN,
		.doit	= kubenf_explain,
		.policy	= kubenf_explain_policy,
		.maxattr = KUBENF_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
};

/*
 * Deny events name the addresses of flows: like the commands, only for
 * CAP_NET_ADMIN (genl lets anyone join a group otherwise).
 */
static const struct genl_multicast_group kubenf_genl_mcgrps[] = {
	{
		.name	= KUBENF_GENL_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
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
	int ret;

	ret = netlink_register_notifier(&kubenf_netlink_notifier);
	if (ret)
		return ret;
	ret = genl_register_family(&kubenf_genl_family);
	if (ret)
		netlink_unregister_notifier(&kubenf_netlink_notifier);
	return ret;
}

void kubenf_genl_uninit(void)
{
	genl_unregister_family(&kubenf_genl_family);
	netlink_unregister_notifier(&kubenf_netlink_notifier);
}
