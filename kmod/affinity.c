// SPDX-License-Identifier: GPL-2.0
/*
 * ClientIP session affinity. Entries live in a per-namespace rhashtable,
 * inserted and refreshed from the packet path (GFP_ATOMIC, bounded by
 * KUBENF_MAX_AFFINITY; without memory a connection simply gets a random
 * backend) and reaped by a periodic work item once expired. Readers are
 * under RCU; an entry is freed after a grace period.
 */

#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "affinity.h"
#include "netns.h"
#include "service.h"

struct kubenf_aff_key {
	union nf_inet_addr client;
	u32 svc_id;
	u8 family;
	u8 pad[3];
};

struct kubenf_aff {
	struct rhash_head node;
	struct kubenf_aff_key key;
	/*
	 * The backend: its index in the service object with serial
	 * @svc_serial, and its address to find it again once the service has
	 * been replaced. Updated from the packet path without a lock: a torn
	 * read at worst picks another valid candidate.
	 */
	u64 svc_serial;
	u32 be_idx;
	union nf_inet_addr be_addr;
	__be16 be_port;
	unsigned long expires;		/* jiffies; racy updates are fine */
	struct rcu_head rcu;
};

static const struct rhashtable_params kubenf_aff_params = {
	.key_len	= sizeof(struct kubenf_aff_key),
	.key_offset	= offsetof(struct kubenf_aff, key),
	.head_offset	= offsetof(struct kubenf_aff, node),
	.automatic_shrinking = true,
};

#define KUBENF_AFF_GC_INTERVAL	(60 * HZ)

static void kubenf_aff_gc(struct work_struct *work)
{
	struct kubenf_net *kn = container_of(to_delayed_work(work),
					     struct kubenf_net, aff_gc);
	struct rhashtable_iter iter;
	struct kubenf_aff *a;

	rhashtable_walk_enter(&kn->affinity, &iter);
	rhashtable_walk_start(&iter);
	while ((a = rhashtable_walk_next(&iter))) {
		if (IS_ERR(a))
			continue;
		if (time_after(jiffies, READ_ONCE(a->expires)) &&
		    !rhashtable_remove_fast(&kn->affinity, &a->node,
					    kubenf_aff_params)) {
			atomic_dec(&kn->n_affinity);
			kfree_rcu(a, rcu);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	if (atomic_read(&kn->n_affinity))
		queue_delayed_work(system_unbound_wq, &kn->aff_gc,
				   KUBENF_AFF_GC_INTERVAL);
}

int kubenf_affinity_init(struct kubenf_net *kn)
{
	INIT_DELAYED_WORK(&kn->aff_gc, kubenf_aff_gc);
	atomic_set(&kn->n_affinity, 0);
	return rhashtable_init(&kn->affinity, &kubenf_aff_params);
}

static void kubenf_aff_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/* The namespace is gone: no packet path and no GC runs any more. */
void kubenf_affinity_destroy(struct kubenf_net *kn)
{
	cancel_delayed_work_sync(&kn->aff_gc);
	rhashtable_free_and_destroy(&kn->affinity, kubenf_aff_free, NULL);
}

/* Index of @be in @svc's candidates for @fe, or -1. Linear, rare. */
static int kubenf_aff_find(const struct kubenf_svc *svc, const u32 *cand,
			   u32 n, const union nf_inet_addr *addr, __be16 port)
{
	u32 i;

	for (i = 0; i < n; i++) {
		const struct kubenf_be *be = &svc->be[cand[i]];

		if (be->port == port && nf_inet_addr_cmp(&be->addr, addr))
			return cand[i];
	}
	return -1;
}

static void kubenf_aff_set(struct kubenf_aff *a, const struct kubenf_svc *svc,
			   u32 i, unsigned long timeout)
{
	WRITE_ONCE(a->be_idx, i);
	WRITE_ONCE(a->svc_serial, svc->serial);
	a->be_addr = svc->be[i].addr;
	a->be_port = svc->be[i].port;
	WRITE_ONCE(a->expires, jiffies + timeout);
}

struct kubenf_be *kubenf_affinity_pick(struct kubenf_net *kn,
				       const struct kubenf_fe *fe,
				       const union nf_inet_addr *client,
				       bool external)
{
	unsigned long timeout = fe->svc->affinity_timeout * HZ;
	const struct kubenf_svc *svc = fe->svc;
	struct kubenf_aff_key key;
	struct kubenf_aff *a, *old;
	struct kubenf_be *be;
	const u32 *cand;
	u32 n;
	int i;

	cand = kubenf_svc_candidates_for(fe, external, &n);
	if (!n)
		return NULL;

	memset(&key, 0, sizeof(key));
	key.client = *client;
	key.svc_id = svc->obj.id;
	key.family = fe->key.family;
	a = rhashtable_lookup(&kn->affinity, &key, kubenf_aff_params);
	if (a && time_before(jiffies, READ_ONCE(a->expires))) {
		i = READ_ONCE(a->be_idx);
		/* The service was replaced since: find the backend again. */
		if (READ_ONCE(a->svc_serial) != svc->serial || i >= svc->n_be)
			i = kubenf_aff_find(svc, cand, n, &a->be_addr,
					    a->be_port);
		if (i >= 0) {
			kubenf_aff_set(a, svc, i, timeout);
			return &svc->be[i];
		}
	}

	i = cand[get_random_u32_below(n)];
	be = &svc->be[i];
	if (a) {
		kubenf_aff_set(a, svc, i, timeout);
		return be;
	}
	if (atomic_inc_return(&kn->n_affinity) > KUBENF_MAX_AFFINITY)
		goto full;
	a = kzalloc(sizeof(*a), GFP_ATOMIC);
	if (!a)
		goto full;
	a->key = key;
	kubenf_aff_set(a, svc, i, timeout);
	old = rhashtable_lookup_get_insert_fast(&kn->affinity, &a->node,
						kubenf_aff_params);
	if (old) {
		/* Another CPU inserted first (or no memory): use no entry. */
		kfree(a);
		goto full;
	}
	if (!delayed_work_pending(&kn->aff_gc))
		queue_delayed_work(system_unbound_wq, &kn->aff_gc,
				   KUBENF_AFF_GC_INTERVAL);
	return be;

full:
	atomic_dec(&kn->n_affinity);
	return be;
}
