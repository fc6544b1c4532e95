/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transactions over the objects of one namespace, with nftables-style
 * generation masks so that the packet path sees either the whole old rule
 * set or the whole new one.
 *
 * Object life cycle:
 *  1. SET stages a new object: it is linked into the packet-path tables with
 *     the current generation's bit set in ->genmask, so lookups skip it.
 *  2. COMMIT sets the next generation's bit on every object the transaction
 *     replaces or deletes, then flips kubenf_net->gencursor with one release
 *     store. From then on readers that load the new cursor see only the new
 *     set; readers still running with the old cursor still see the old one.
 *  3. After a grace period no reader uses the old cursor: "settling" clears
 *     the masks of the new objects and unlinks the old ones, which are freed
 *     after another grace period. A commit settles the previous one first.
 */
#ifndef _KUBENF_TXN_H
#define _KUBENF_TXN_H

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/xarray.h>

/*
 * Every allocation of a rule set: made while handling the request that sets
 * it, so charged to the memory cgroup of the caller, and failing with
 * -ENOMEM instead of invoking the OOM killer (or warning) when the rule set
 * does not fit the cgroup's limit or the node. The request fails cleanly and
 * the committed rule set stays; with GFP_KERNEL_ACCOUNT alone a cgroup at its
 * limit would rather OOM-kill one of its processes, perhaps the agent that
 * sent the request.
 */
#define KUBENF_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

struct kubenf_config;
struct kubenf_net;
struct kubenf_txn;
struct netlink_ext_ack;

enum kubenf_kind {
	KUBENF_KIND_SERVICE,
	KUBENF_KIND_PEERSET,
	KUBENF_KIND_POLICY,
	KUBENF_KIND_POD,
	__KUBENF_KIND_MAX
};

/* Embedded first in every object. */
struct kubenf_obj {
	u32 id;
	u8 kind;
	/* Bit g set: inactive in generation g. Written under kn->lock. */
	u8 genmask;
	struct list_head settle_node;	/* kn->settle_list, under kn->lock */
	struct rcu_head rcu;
};

struct kubenf_kind_ops {
	/* Removes @obj from the packet-path tables; under kn->lock. */
	void (*unlink)(struct kubenf_net *kn, struct kubenf_obj *obj);
	/* Frees @obj; no reader can reach it any more. */
	void (*destroy)(struct kubenf_obj *obj);
	/*
	 * Optional: @new replaces @old at commit (either may be NULL); the
	 * kind records what must follow the change once it settled.
	 */
	void (*replace)(struct kubenf_net *kn, const struct kubenf_obj *old,
			const struct kubenf_obj *new);
	/* Runs after the grace period that ends a commit; may sleep. */
	void (*settled)(struct kubenf_net *kn);
	/* Adds (@sign 1) or removes (-1) @obj from the object counts. */
	void (*account)(struct kubenf_net *kn, const struct kubenf_obj *obj,
			int sign);
	/*
	 * Optional: checks, at commit and before anything changes, what the
	 * namespace will hold (references between objects, for one); may
	 * complete or add staged objects of its kind. Kinds run in enum
	 * order. An error aborts the transaction.
	 */
	int (*validate)(struct kubenf_net *kn, struct kubenf_txn *txn,
			struct netlink_ext_ack *extack);
};

struct kubenf_txn {
	u32 portid;		/* owning socket; 0 for a one-message change */
	bool replace;		/* objects not staged are deleted at commit */
	/* Node configuration to install at commit, or NULL. */
	struct kubenf_config *config;
	/* id -> staged object, or KUBENF_TXN_DELETED; one per kind. */
	struct xarray staged[__KUBENF_KIND_MAX];
	unsigned int n_staged;
	/*
	 * Objects of each kind the namespace gains (or loses, negative) if
	 * @txn commits, against the committed ones, or against none with
	 * @replace: what the per-namespace limits are checked against.
	 */
	int delta[__KUBENF_KIND_MAX];
	/* The same for the backends of services (kubenf_svc_set/_remove). */
	s64 backends_delta;
};

#define KUBENF_TXN_DELETED xa_mk_value(0)

static inline u8 kubenf_gen_bit(unsigned int gen)
{
	return 1U << gen;
}

/* The generation mask the packet path tests; read once per packet. */
u8 kubenf_genmask_cur(const struct kubenf_net *kn);
/* The current generation, for writers under kn->lock. */
unsigned int kubenf_gencursor(const struct kubenf_net *kn);

static inline bool kubenf_obj_active(const struct kubenf_obj *obj, u8 genmask)
{
	return !(READ_ONCE(obj->genmask) & genmask);
}

/*
 * Prepares a new object to be linked into the packet-path tables: inactive
 * in the current generation until its transaction commits. The caller holds
 * kn->lock and has settled the previous commit.
 */
static inline void kubenf_obj_init(struct kubenf_net *kn,
				   struct kubenf_obj *obj,
				   enum kubenf_kind kind, u32 id)
{
	obj->id = id;
	obj->kind = kind;
	obj->genmask = kubenf_gen_bit(kubenf_gencursor(kn));
	INIT_LIST_HEAD(&obj->settle_node);
}

/* Unlinks @obj and frees it once packet-path readers are done with it. */
void kubenf_obj_discard(struct kubenf_net *kn, struct kubenf_obj *obj);

void kubenf_txn_init(struct kubenf_txn *txn, u32 portid, bool replace);

/*
 * The object with @id as the namespace will hold it if @txn commits now
 * (@txn may be NULL: the committed object). Caller holds kn->lock.
 */
struct kubenf_obj *kubenf_txn_lookup(struct kubenf_net *kn,
				     struct kubenf_txn *txn,
				     enum kubenf_kind kind, u32 id);

/* True when @obj will still exist if @txn commits now. */
bool kubenf_txn_obj_live(struct kubenf_net *kn, struct kubenf_txn *txn,
			 const struct kubenf_obj *obj);

/*
 * Stages @obj (already linked, inactive) to replace the object with its id,
 * if any. On failure @obj is unlinked and freed. Caller holds kn->lock.
 */
int kubenf_txn_stage_set(struct kubenf_net *kn, struct kubenf_txn *txn,
			 struct kubenf_obj *obj);
/*
 * True when setting the object @id of @kind in @txn would add one past
 * @max, counting what @txn already adds and deletes; @committed is the
 * namespace's count of that kind. Replacing an existing object never is.
 */
bool kubenf_txn_over_limit(struct kubenf_net *kn, struct kubenf_txn *txn,
			   enum kubenf_kind kind, u32 id, u32 committed,
			   u32 max);
/* Stages deleting the object @id; -ENOENT if there is none. */
int kubenf_txn_stage_del(struct kubenf_net *kn, struct kubenf_txn *txn,
			 enum kubenf_kind kind, u32 id,
			 struct netlink_ext_ack *extack);

/*
 * Applies @txn. Fails only when a kind's validate op rejects it, before
 * anything changed; @txn is then aborted (released) as by
 * kubenf_txn_abort().
 */
int kubenf_txn_commit(struct kubenf_net *kn, struct kubenf_txn *txn,
		      struct netlink_ext_ack *extack);
/* Drops everything @txn staged and releases it. */
void kubenf_txn_abort(struct kubenf_net *kn, struct kubenf_txn *txn);

/* Finishes the previous commit; caller holds kn->lock. May sleep. */
void kubenf_txn_settle(struct kubenf_net *kn);

/* Frees every object of a namespace that is going away. */
void kubenf_txn_destroy_all(struct kubenf_net *kn);

void kubenf_txn_settle_work(struct work_struct *work);

extern const struct kubenf_kind_ops *const kubenf_kind_ops[__KUBENF_KIND_MAX];

#endif /* _KUBENF_TXN_H */
