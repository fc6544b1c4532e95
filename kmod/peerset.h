/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peersets: sets of addresses and CIDR blocks, each block with optional
 * exceptions (NetworkPolicy ipBlock.except). Pod IP sets computed from
 * selectors are peersets of /32 and /128 entries. Policies reference them
 * by id; the packet path never reads a peerset: the policies that use one
 * compile its entries into their own lookup when a transaction commits
 * (see policy.c).
 */
#ifndef _KUBENF_PEERSET_H
#define _KUBENF_PEERSET_H

#include <linux/types.h>

#include "cidr.h"
#include "txn.h"

struct kubenf_net;
struct kubenf_txn;
struct netlink_ext_ack;
struct nlattr;
struct sk_buff;

#define KUBENF_MAX_PEERSETS		BIT(16)	/* per namespace */
#define KUBENF_MAX_PEERSET_ENTRIES	65536
#define KUBENF_MAX_ENTRY_EXCEPTS	64
#define KUBENF_MAX_PEERSET_EXCEPTS	65536

/*
 * One PEERSET_SET, as given. Immutable once staged, and read by writers only
 * (policy compilation, dumps), always under kubenf_net->lock; freed after a
 * grace period like every object.
 */
struct kubenf_peerset {
	struct kubenf_obj obj;
	u32 n_entries;
	u32 n_excepts;
	struct kubenf_cidr *blocks;	/* n_entries */
	/* Entry i's exceptions: excepts[except_idx[i] .. except_idx[i + 1]) */
	u32 *except_idx;
	struct kubenf_cidr *excepts;	/* each strictly inside its block */
	char *name;
};

static inline struct kubenf_peerset *kubenf_peerset(struct kubenf_obj *obj)
{
	return container_of(obj, struct kubenf_peerset, obj);
}

/*
 * Builds a peerset from a validated KUBENF_A_PEERSET nest and stages it in
 * @txn. Caller holds kn->lock.
 */
int kubenf_peerset_set(struct kubenf_net *kn, struct kubenf_txn *txn,
		       const struct nlattr *nest,
		       struct netlink_ext_ack *extack);

/*
 * The peerset @id as the namespace holds it once @txn commits (@txn may be
 * NULL: the committed one), or NULL. Caller holds kn->lock.
 */
const struct kubenf_peerset *kubenf_peerset_get(struct kubenf_net *kn,
						struct kubenf_txn *txn,
						u32 id);

/*
 * Writes @ps as a KUBENF_A_PEERSET nest from entry *@next on (0: the whole
 * set). Returns 0 when complete, 1 when only some entries fitted (*@next is
 * where the next message resumes; that message carries ID and ENTRIES
 * only), or -EMSGSIZE when nothing fitted.
 */
int kubenf_peerset_put(struct sk_buff *skb, const struct kubenf_peerset *ps,
		       u32 *next);

extern const struct kubenf_kind_ops kubenf_peerset_ops;

#endif /* _KUBENF_PEERSET_H */
