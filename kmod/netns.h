/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-network-namespace state. Everything kubenf holds lives here: rules of
 * one namespace never affect another, and a namespace going away takes its
 * rules with it.
 */
#ifndef _KUBENF_NETNS_H
#define _KUBENF_NETNS_H

#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/atomic.h>
#include <linux/ratelimit_types.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "cidr.h"
#include "service.h"
#include "txn.h"
#include "uapi/linux/kubenf.h"

/* Upper bounds on node-wide configuration; see KUBENF_CMD_SET_CONFIG. */
#define KUBENF_MAX_NODE_ADDRS		256
#define KUBENF_MAX_CLUSTER_CIDRS	64
#define KUBENF_MAX_POD_CIDRS		16

/*
 * Node-wide settings. Immutable once published: a change builds a new copy
 * and swaps the pointer, so the packet path reads it under RCU without locks.
 */
struct kubenf_config {
	struct rcu_head rcu;
	u32 flags;			/* KUBENF_CFG_F_* */
	u32 n_node_addrs;
	u32 n_cluster_cidrs;
	u32 n_pod_cidrs;
	char node_name[KUBENF_NAME_MAX];
	/* node addresses, then cluster CIDRs, then this node's pod CIDRs */
	struct kubenf_cidr cidrs[];
};

static inline const struct kubenf_cidr *
kubenf_cfg_cluster_cidrs(const struct kubenf_config *cfg)
{
	return cfg->cidrs + cfg->n_node_addrs;
}

static inline const struct kubenf_cidr *
kubenf_cfg_pod_cidrs(const struct kubenf_config *cfg)
{
	return cfg->cidrs + cfg->n_node_addrs + cfg->n_cluster_cidrs;
}

struct kubenf_counts {
	u32 services;
	u32 frontends;
	u32 backends;
	u32 peersets;
	u32 policies;
	u32 pods;
};

/* Packet-path counters, per CPU. */
struct kubenf_stats {
	u64 drops[__KUBENF_REASON_MAX];
	/* New connections the policy hook let through, by reason. */
	u64 accepts[__KUBENF_REASON_MAX];
	/* Deny events not sent: rate limit or no memory. */
	u64 events_suppressed;
};

struct kubenf_net {
	struct net *net;
	/*
	 * Serialises every configuration change of this namespace, its
	 * transactions and the registration of its hooks. Never taken on the
	 * packet path.
	 */
	struct mutex lock;
	/* Bumped once per committed change; under @lock. */
	u64 generation;
	/* Opaque to the kernel, stored by the agent at commit; under @lock. */
	u64 cookie;
	/* Written under @lock, read under RCU by the packet path. */
	struct kubenf_config __rcu *config;
	/* Under @lock. */
	struct kubenf_counts counts;

	/*
	 * Generation cursor (0 or 1): written under @lock with a release
	 * store at commit, read by the packet path with an acquire load.
	 */
	unsigned int gencursor;
	/* Committed objects by id, per kind; written under @lock. */
	struct xarray objs[__KUBENF_KIND_MAX];
	/* Objects of the last commit awaiting a grace period; under @lock. */
	struct list_head settle_list;
	unsigned long settle_gp;
	bool settle_pending;
	struct work_struct settle_work;
	/* The open explicit transaction, or NULL; under @lock. */
	struct kubenf_txn *txn;
	/* Whether our hooks are registered in this namespace; under @lock. */
	bool hooks_active;

	/*
	 * Packet-path tables (RCU readers, writers under @lock): frontends by
	 * (address, protocol, port), and cluster IPs by address alone, to
	 * reject unknown ports on a cluster IP.
	 */
	struct rhltable frontends;
	struct rhltable cluster_ips;
	/* Conntrack clean-up due when the last commit settles; under @lock. */
	struct kubenf_ct_flush_list ct_flush;
	/* Last service serial handed out; under @lock. */
	u64 svc_serial;

	/*
	 * NetworkPolicy packet-path tables (RCU readers, writers under
	 * @lock): pod addresses (pod.c) and policy versions by id
	 * (policy.c).
	 */
	struct rhltable pods;
	struct rhltable policies;
	/* Rules of the committed policies (KUBENF_MAX_RULES); under @lock. */
	u32 n_rules;
	/*
	 * A commit replaced a peerset, policy or pod: conntrack is re-judged
	 * when it settles, with KUBENF_CFG_F_POLICY_CUT; under @lock.
	 */
	bool policy_changed;
	/* Deny events on the multicast group (verdict.c); own lock. */
	struct ratelimit_state deny_events;

	/* ClientIP affinity entries; see affinity.c. */
	struct rhashtable affinity;
	atomic_t n_affinity;
	struct delayed_work aff_gc;

	struct kubenf_stats __percpu *stats;
};

/* Counts a packet dropped or rejected for @reason. Packet path. */
static inline void kubenf_count_drop(struct kubenf_net *kn,
				     enum kubenf_reason reason)
{
	this_cpu_inc(kn->stats->drops[reason]);
}

/* Valid for as long as @net is alive; callers hold a reference to it. */
struct kubenf_net *kubenf_net(const struct net *net);

/* Replaces the configuration; caller holds @kn->lock. Takes ownership. */
void kubenf_netns_set_config(struct kubenf_net *kn, struct kubenf_config *cfg);

/* Returns the configuration; caller holds @kn->lock. */
struct kubenf_config *kubenf_netns_config(struct kubenf_net *kn);

int kubenf_netns_init(void);
void kubenf_netns_uninit(void);

#endif /* _KUBENF_NETNS_H */
