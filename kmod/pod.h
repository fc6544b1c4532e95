/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pods local to this node: their addresses, whether they are isolated for
 * ingress and egress, and the policies that apply to them in each
 * direction. The packet path finds a pod by address with one hash lookup.
 */
#ifndef _KUBENF_POD_H
#define _KUBENF_POD_H

#include <linux/netfilter.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

#include "txn.h"
#include "uapi/linux/kubenf.h"

struct kubenf_net;
struct kubenf_txn;
struct netlink_ext_ack;
struct nlattr;
struct sk_buff;

#define KUBENF_MAX_PODS			65536	/* per namespace */
#define KUBENF_MAX_POD_ADDRS		16
/*
 * Per direction: every NetworkPolicy that selects the pod. A pod whose ids
 * do not fit one dump message goes on in the next (kubenf_pod_put()).
 */
#define KUBENF_MAX_POD_POLICIES		1024

/* Hash key of a pod address. */
struct kubenf_addr_key {
	union nf_inet_addr addr;
	u8 family;			/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	u8 pad[3];
};

struct kubenf_pod;

struct kubenf_pod_addr {
	struct rhlist_head node;	/* kn->pods, by @key */
	struct kubenf_addr_key key;
	struct kubenf_pod *pod;
	bool linked;			/* under kn->lock */
};

/*
 * One POD_SET, immutable once staged. Its addresses are linked into
 * kn->pods (an rhltable the packet path reads under RCU, skipping pods
 * inactive in its generation) from staging until the object is discarded.
 * Policies are named by id and looked up, per packet, in the same
 * generation; a commit guarantees that they exist and have the right
 * direction (kubenf_pod_ops.validate).
 */
struct kubenf_pod {
	struct kubenf_obj obj;
	u32 flags;				/* KUBENF_POD_F_* */
	u32 n_addrs;
	u32 n_pol[__KUBENF_DIR_MAX];
	u32 *pol[__KUBENF_DIR_MAX];		/* policy ids, as given */
	struct kubenf_pod_addr *addrs;
	char *name;
};

static inline struct kubenf_pod *kubenf_pod(struct kubenf_obj *obj)
{
	return container_of(obj, struct kubenf_pod, obj);
}

static inline bool kubenf_pod_isolated(const struct kubenf_pod *pod,
				       enum kubenf_dir dir)
{
	return pod->flags & (dir == KUBENF_DIR_INGRESS ?
			     KUBENF_POD_F_INGRESS_ISOLATED :
			     KUBENF_POD_F_EGRESS_ISOLATED);
}

int kubenf_pod_tables_init(struct kubenf_net *kn);
void kubenf_pod_tables_destroy(struct kubenf_net *kn);

/*
 * Builds a pod from a validated KUBENF_A_POD nest and stages it in @txn.
 * Caller holds kn->lock.
 */
int kubenf_pod_set(struct kubenf_net *kn, struct kubenf_txn *txn,
		   const struct nlattr *nest, struct netlink_ext_ack *extack);

/*
 * Writes @pod as a KUBENF_A_POD nest, from policy id *@next on (ingress
 * then egress ids, counted together; 0: the whole pod). Returns 0 when
 * done, 1 when the message is full and *@next says where the next message
 * goes on (with KUBENF_POD_A_ID and the remaining ids only), -EMSGSIZE
 * when not even the first part fits.
 */
int kubenf_pod_put(struct sk_buff *skb, const struct kubenf_pod *pod,
		   u32 *next);

/* Packet path, under RCU: the pod with @addr active in @genmask, or NULL. */
const struct kubenf_pod *kubenf_pod_lookup(struct kubenf_net *kn, u8 genmask,
					   u8 family,
					   const union nf_inet_addr *addr);

extern const struct kubenf_kind_ops kubenf_pod_ops;

#endif /* _KUBENF_POD_H */
