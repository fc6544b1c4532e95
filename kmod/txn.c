// SPDX-License-Identifier: GPL-2.0
/*
 * Transactions and generations; see txn.h for the object life cycle.
 *
 * Locking: everything here runs under kubenf_net->lock, which serialises all
 * writers of a namespace. The packet path takes no lock: it loads the
 * generation cursor with acquire semantics (pairing with the release store
 * in kubenf_txn_commit()) and tests each object's ->genmask.
 */

#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "hooks.h"
#include "netns.h"
#include "txn.h"

u8 kubenf_genmask_cur(const struct kubenf_net *kn)
{
	/* Pairs with smp_store_release() in kubenf_txn_commit(). */
	return kubenf_gen_bit(smp_load_acquire(&kn->gencursor));
}

unsigned int kubenf_gencursor(const struct kubenf_net *kn)
{
	return kn->gencursor;
}

void kubenf_txn_init(struct kubenf_txn *txn, u32 portid, bool replace)
{
	int i;

	memset(txn, 0, sizeof(*txn));
	txn->portid = portid;
	txn->replace = replace;
	for (i = 0; i < __KUBENF_KIND_MAX; i++)
		xa_init(&txn->staged[i]);
}

static void kubenf_obj_free_rcu(struct rcu_head *head)
{
	struct kubenf_obj *obj = container_of(head, struct kubenf_obj, rcu);

	kubenf_kind_ops[obj->kind]->destroy(obj);
}

void kubenf_obj_discard(struct kubenf_net *kn, struct kubenf_obj *obj)
{
	kubenf_kind_ops[obj->kind]->unlink(kn, obj);
	call_rcu(&obj->rcu, kubenf_obj_free_rcu);
}

struct kubenf_obj *kubenf_txn_lookup(struct kubenf_net *kn,
				     struct kubenf_txn *txn,
				     enum kubenf_kind kind, u32 id)
{
	struct kubenf_obj *obj;

	lockdep_assert_held(&kn->lock);
	if (txn) {
		obj = xa_load(&txn->staged[kind], id);
		if (obj)
			return obj == KUBENF_TXN_DELETED ? NULL : obj;
		if (txn->replace)
			return NULL;
	}
	return xa_load(&kn->objs[kind], id);
}

bool kubenf_txn_obj_live(struct kubenf_net *kn, struct kubenf_txn *txn,
			 const struct kubenf_obj *obj)
{
	return kubenf_txn_lookup(kn, txn, obj->kind, obj->id) == obj;
}

/* Replaces the staged entry for @id by @entry, dropping a staged object. */
static int kubenf_txn_store(struct kubenf_net *kn, struct kubenf_txn *txn,
			    enum kubenf_kind kind, u32 id, void *entry)
{
	struct kubenf_obj *prev;

	prev = xa_store(&txn->staged[kind], id, entry, KUBENF_GFP);
	if (xa_is_err(prev))
		return xa_err(prev);
	if (!prev)
		txn->n_staged++;
	else if (prev != KUBENF_TXN_DELETED)
		kubenf_obj_discard(kn, prev);
	return 0;
}

int kubenf_txn_stage_set(struct kubenf_net *kn, struct kubenf_txn *txn,
			 struct kubenf_obj *obj)
{
	struct xarray *objs = &kn->objs[obj->kind];
	bool staged, added;
	int ret;

	lockdep_assert_held(&kn->lock);
	added = !kubenf_txn_lookup(kn, txn, obj->kind, obj->id);
	/*
	 * Reserve the committed slot now, so that storing into it at commit
	 * time cannot fail on memory. An id staged before has its slot.
	 */
	staged = xa_load(&txn->staged[obj->kind], obj->id);
	if (!staged) {
		ret = xa_reserve(objs, obj->id, KUBENF_GFP);
		if (ret)
			goto err;
	}
	ret = kubenf_txn_store(kn, txn, obj->kind, obj->id, obj);
	if (ret) {
		if (!staged)
			xa_release(objs, obj->id);
		goto err;
	}
	if (added)
		txn->delta[obj->kind]++;
	return 0;

err:
	kubenf_obj_discard(kn, obj);
	return ret;
}

int kubenf_txn_stage_del(struct kubenf_net *kn, struct kubenf_txn *txn,
			 enum kubenf_kind kind, u32 id,
			 struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&kn->lock);
	if (!kubenf_txn_lookup(kn, txn, kind, id)) {
		NL_SET_ERR_MSG(extack, "no object with this id");
		return -ENOENT;
	}
	ret = kubenf_txn_store(kn, txn, kind, id, KUBENF_TXN_DELETED);
	if (!ret)
		txn->delta[kind]--;
	return ret;
}

bool kubenf_txn_over_limit(struct kubenf_net *kn, struct kubenf_txn *txn,
			   enum kubenf_kind kind, u32 id, u32 committed,
			   u32 max)
{
	s64 n = (txn->replace ? 0 : (s64)committed) + txn->delta[kind];

	lockdep_assert_held(&kn->lock);
	if (kubenf_txn_lookup(kn, txn, kind, id))
		return false;
	return n >= max;
}

/* Marks committed @old as gone from the next generation. */
static void kubenf_txn_retire(struct kubenf_net *kn, struct kubenf_obj *old,
			      u8 next)
{
	WRITE_ONCE(old->genmask, old->genmask | next);
	list_add_tail(&old->settle_node, &kn->settle_list);
	kubenf_kind_ops[old->kind]->account(kn, old, -1);
}

static void kubenf_txn_replace(struct kubenf_net *kn, int kind,
			       const struct kubenf_obj *old,
			       const struct kubenf_obj *new)
{
	if (kubenf_kind_ops[kind]->replace)
		kubenf_kind_ops[kind]->replace(kn, old, new);
}

static void kubenf_txn_release(struct kubenf_txn *txn)
{
	int i;

	kfree(txn->config);
	txn->config = NULL;
	for (i = 0; i < __KUBENF_KIND_MAX; i++)
		xa_destroy(&txn->staged[i]);
}

int kubenf_txn_commit(struct kubenf_net *kn, struct kubenf_txn *txn,
		      struct netlink_ext_ack *extack)
{
	unsigned int cur = kn->gencursor;
	u8 next = kubenf_gen_bit(!cur);
	struct kubenf_obj *obj, *old;
	unsigned long id;
	int kind, ret;

	lockdep_assert_held(&kn->lock);
	/* New objects were staged inactive in @cur; see kubenf_obj_stage(). */
	kubenf_txn_settle(kn);

	/* References between objects, checked before any change. */
	for (kind = 0; kind < __KUBENF_KIND_MAX; kind++) {
		if (!kubenf_kind_ops[kind]->validate)
			continue;
		ret = kubenf_kind_ops[kind]->validate(kn, txn, extack);
		if (ret) {
			kubenf_txn_abort(kn, txn);
			kubenf_hooks_sync(kn);
			return ret;
		}
	}

	for (kind = 0; kind < __KUBENF_KIND_MAX; kind++) {
		struct xarray *objs = &kn->objs[kind];

		if (txn->replace) {
			xa_for_each(objs, id, old) {
				if (xa_load(&txn->staged[kind], id))
					continue;
				kubenf_txn_replace(kn, kind, old, NULL);
				kubenf_txn_retire(kn, old, next);
				xa_erase(objs, id);
			}
		}
		xa_for_each(&txn->staged[kind], id, obj) {
			old = xa_load(objs, id);
			kubenf_txn_replace(kn, kind, old,
					   obj == KUBENF_TXN_DELETED ? NULL : obj);
			if (old)
				kubenf_txn_retire(kn, old, next);
			if (obj == KUBENF_TXN_DELETED) {
				xa_erase(objs, id);
				continue;
			}
			/* The slot is reserved or occupied: no allocation. */
			xa_store(objs, id, obj, GFP_KERNEL);
			list_add_tail(&obj->settle_node, &kn->settle_list);
			kubenf_kind_ops[kind]->account(kn, obj, 1);
		}
	}

	if (txn->config) {
		kubenf_netns_set_config(kn, txn->config);
		txn->config = NULL;
	}
	/* Pairs with smp_load_acquire() in kubenf_genmask_cur(). */
	smp_store_release(&kn->gencursor, !cur);
	kn->generation++;

	kn->settle_gp = get_state_synchronize_rcu();
	kn->settle_pending = true;
	queue_work(system_unbound_wq, &kn->settle_work);
	kubenf_txn_release(txn);
	return 0;
}

void kubenf_txn_abort(struct kubenf_net *kn, struct kubenf_txn *txn)
{
	struct kubenf_obj *obj;
	unsigned long id;
	int kind;

	lockdep_assert_held(&kn->lock);
	for (kind = 0; kind < __KUBENF_KIND_MAX; kind++) {
		xa_for_each(&txn->staged[kind], id, obj) {
			if (obj == KUBENF_TXN_DELETED)
				continue;
			kubenf_obj_discard(kn, obj);
			/* Only frees a reservation, never a committed object. */
			xa_release(&kn->objs[kind], id);
		}
	}
	kubenf_txn_release(txn);
}

void kubenf_txn_settle(struct kubenf_net *kn)
{
	u8 cur = kubenf_gen_bit(kn->gencursor);
	struct kubenf_obj *obj, *tmp;
	int kind;

	lockdep_assert_held(&kn->lock);
	if (!kn->settle_pending)
		return;
	/* Readers that loaded the previous cursor are gone after this. */
	cond_synchronize_rcu(kn->settle_gp);

	list_for_each_entry_safe(obj, tmp, &kn->settle_list, settle_node) {
		list_del(&obj->settle_node);
		if (obj->genmask & cur)
			kubenf_obj_discard(kn, obj);
		else
			WRITE_ONCE(obj->genmask, 0);
	}
	kn->settle_pending = false;

	for (kind = 0; kind < __KUBENF_KIND_MAX; kind++)
		if (kubenf_kind_ops[kind] && kubenf_kind_ops[kind]->settled)
			kubenf_kind_ops[kind]->settled(kn);
}

/*
 * Settles a commit in the background, so that its old objects are freed and
 * its conntrack clean-up runs without waiting for the next request. The
 * grace period is waited for before taking kn->lock: dumps, GET_INFO and
 * changes would otherwise queue behind a sleep that is none of their
 * business (milliseconds per commit on SMP machines). A commit made while
 * we wait re-queues this work; kubenf_txn_settle() waits for its grace
 * period, if it has not elapsed, under the lock as any settle does.
 */
void kubenf_txn_settle_work(struct work_struct *work)
{
	struct kubenf_net *kn = container_of(work, struct kubenf_net,
					     settle_work);
	unsigned long gp;
	bool pending;

	mutex_lock(&kn->lock);
	gp = kn->settle_gp;
	pending = kn->settle_pending;
	mutex_unlock(&kn->lock);
	if (pending)
		cond_synchronize_rcu(gp);

	mutex_lock(&kn->lock);
	kubenf_txn_settle(kn);
	kubenf_hooks_sync(kn);
	mutex_unlock(&kn->lock);
}

void kubenf_txn_destroy_all(struct kubenf_net *kn)
{
	struct kubenf_obj *obj;
	unsigned long id;
	int kind;

	cancel_work_sync(&kn->settle_work);
	mutex_lock(&kn->lock);
	if (kn->txn) {
		struct kubenf_txn *txn = kn->txn;

		kn->txn = NULL;
		kubenf_txn_abort(kn, txn);
		kfree(txn);
	}
	kubenf_txn_settle(kn);
	for (kind = 0; kind < __KUBENF_KIND_MAX; kind++) {
		xa_for_each(&kn->objs[kind], id, obj) {
			kubenf_kind_ops[kind]->account(kn, obj, -1);
			kubenf_obj_discard(kn, obj);
		}
		xa_destroy(&kn->objs[kind]);
	}
	kubenf_hooks_sync(kn);
	mutex_unlock(&kn->lock);
}
