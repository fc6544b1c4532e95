/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-network-namespace state. Everything kubenf holds lives here: rules of
 * one namespace never affect another, and a namespace going away takes its
 * rules with it.
 */
#ifndef _KUBENF_NETNS_H
#define _KUBENF_NETNS_H

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/netfilter.h>

#include "uapi/linux/kubenf.h"

/* Upper bounds on node-wide configuration; see KUBENF_CMD_SET_CONFIG. */
#define KUBENF_MAX_NODE_ADDRS		256
#define KUBENF_MAX_CLUSTER_CIDRS	64

/* A prefix of one family; host bits beyond @prefix are zero. */
struct kubenf_cidr {
	union nf_inet_addr addr;
	u8 family;	/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	u8 prefix;
};

/*
 * Node-wide settings. Immutable once published: a change builds a new copy
 * and swaps the pointer, so the packet path reads it under RCU without locks.
 */
struct kubenf_config {
	struct rcu_head rcu;
	u32 flags;			/* KUBENF_CFG_F_* */
	u32 n_node_addrs;
	u32 n_cluster_cidrs;
	char node_name[KUBENF_NAME_MAX];
	struct kubenf_cidr cidrs[];	/* node addresses, then cluster CIDRs */
};

struct kubenf_counts {
	u32 services;
	u32 frontends;
	u32 backends;
	u32 peersets;
	u32 policies;
	u32 pods;
};

struct kubenf_net {
	struct net *net;
	/*
	 * Serialises every configuration change of this namespace and the
	 * registration of its hooks. Never taken on the packet path.
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
};

/* Valid for as long as @net is alive; callers hold a reference to it. */
struct kubenf_net *kubenf_net(const struct net *net);

/* Replaces the configuration; caller holds @kn->lock. Takes ownership. */
void kubenf_netns_set_config(struct kubenf_net *kn, struct kubenf_config *cfg);

/* Returns the configuration; caller holds @kn->lock. */
struct kubenf_config *kubenf_netns_config(struct kubenf_net *kn);

int kubenf_netns_init(void);
void kubenf_netns_uninit(void);

#endif /* _KUBENF_NETNS_H */
