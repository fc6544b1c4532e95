// SPDX-License-Identifier: GPL-2.0
/*
 * The pod table. Writers (kubenf_pod_set() and the transaction code) run
 * under kubenf_net->lock; the packet path looks pods up by address under
 * the RCU read lock the netfilter core holds around hook functions, and
 * skips pods inactive in its generation (see txn.h).
 *
 * Checks that span objects run at commit (kubenf_pod_validate()), so that a
 * transaction may set its objects in any order: every policy a pod names
 * must exist once the transaction commits and have the direction of the
 * list naming it (-ENOENT / -EINVAL), and no address may belong to two pods
 * (-EEXIST). The extack cookie carries the id of the object at fault.
 */

#include <linux/mm.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/netlink.h>

#include "netlink.h"
#include "netns.h"
#include "pod.h"
#include "policy.h"
#include "verdict.h"

static const struct rhashtable_params kubenf_pod_params = {
	.key_len	= sizeof(struct kubenf_addr_key),
	.key_offset	= offsetof(struct kubenf_pod_addr, key),
	.head_offset	= offsetof(struct kubenf_pod_addr, node),
	.automatic_shrinking = true,
};

int kubenf_pod_tables_init(struct kubenf_net *kn)
{
	return rhltable_init(&kn->pods, &kubenf_pod_params);
}

/* Every pod was unlinked already: the table is empty. */
void kubenf_pod_tables_destroy(struct kubenf_net *kn)
{
	rhltable_destroy(&kn->pods);
}

static void kubenf_pod_free(struct kubenf_pod *pod)
{
	kvfree(pod->pol[KUBENF_DIR_INGRESS]);
	kvfree(pod->pol[KUBENF_DIR_EGRESS]);
	kfree(pod->addrs);
	kfree(pod->name);
	kfree(pod);
}

static void kubenf_pod_destroy(struct kubenf_obj *obj)
{
	kubenf_pod_free(kubenf_pod(obj));
}

static void kubenf_pod_unlink(struct kubenf_net *kn, struct kubenf_obj *obj)
{
	struct kubenf_pod *pod = kubenf_pod(obj);
	u32 i;

	lockdep_assert_held(&kn->lock);
	for (i = 0; i < pod->n_addrs; i++) {
		if (pod->addrs[i].linked)
			rhltable_remove(&kn->pods, &pod->addrs[i].node,
					kubenf_pod_params);
		pod->addrs[i].linked = false;
	}
}

static void kubenf_pod_replace(struct kubenf_net *kn,
			       const struct kubenf_obj *old,
			       const struct kubenf_obj *new)
{
	lockdep_assert_held(&kn->lock);
	kn->policy_changed = true;
}

static void kubenf_pod_account(struct kubenf_net *kn,
			       const struct kubenf_obj *obj, int sign)
{
	kn->counts.pods += sign;
}

/* Checks the policy lists of @pod against what @txn leaves. */
static int kubenf_pod_check_refs(struct kubenf_net *kn, struct kubenf_txn *txn,
				 const struct kubenf_pod *pod,
				 struct netlink_ext_ack *extack)
{
	const struct kubenf_policy *pol;
	int dir;
	u32 i;

	for (dir = 0; dir < __KUBENF_DIR_MAX; dir++) {
		for (i = 0; i < pod->n_pol[dir]; i++) {
			pol = kubenf_policy_get(kn, txn, pod->pol[dir][i]);
			if (!pol) {
				NL_SET_ERR_MSG(extack,
					       "a pod references a policy that does not exist (cookie: its id)");
				kubenf_extack_id(extack, pod->pol[dir][i]);
				return -ENOENT;
			}
			if (pol->spec->dir != dir) {
				NL_SET_ERR_MSG(extack,
					       "a pod lists a policy under the other direction (cookie: its id)");
				kubenf_extack_id(extack, pod->pol[dir][i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* No address of @pod may belong to another pod that stays. */
static int kubenf_pod_check_addrs(struct kubenf_net *kn,
				  struct kubenf_txn *txn,
				  const struct kubenf_pod *pod,
				  struct netlink_ext_ack *extack)
{
	const struct kubenf_pod_addr *a;
	struct rhlist_head *list, *pos;
	int ret = 0;
	u32 i;

	rcu_read_lock();
	for (i = 0; i < pod->n_addrs && !ret; i++) {
		list = rhltable_lookup(&kn->pods, &pod->addrs[i].key,
				       kubenf_pod_params);
		rhl_for_each_entry_rcu(a, pos, list, node) {
			if (a->pod->obj.id == pod->obj.id ||
			    !kubenf_txn_obj_live(kn, txn, &a->pod->obj))
				continue;
			NL_SET_ERR_MSG(extack,
				       "a pod address belongs to another pod (cookie: its id)");
			kubenf_extack_id(extack, a->pod->obj.id);
			ret = -EEXIST;
			break;
		}
	}
	rcu_read_unlock();
	return ret;
}

/*
 * Whether @txn deletes a policy or changes its direction: then the pods it
 * does not touch need their references checked again.
 */
static bool kubenf_pod_refs_dirty(struct kubenf_net *kn,
				  struct kubenf_txn *txn)
{
	struct kubenf_obj *obj, *old;
	unsigned long id;

	xa_for_each(&txn->staged[KUBENF_KIND_POLICY], id, obj) {
		if (obj == KUBENF_TXN_DELETED)
			return true;
		old = xa_load(&kn->objs[KUBENF_KIND_POLICY], id);
		if (old && kubenf_policy(old)->spec->dir !=
			   kubenf_policy(obj)->spec->dir)
			return true;
	}
	return false;
}

/*
 * Commit, before anything changes, after the policy kind's validation (so
 * recompiled policies are staged already). Staged pods: O(their
 * references + addresses). Untouched pods: only when a policy goes away or
 * changes direction, O(pods x references).
 */
static int kubenf_pod_validate(struct kubenf_net *kn, struct kubenf_txn *txn,
			       struct netlink_ext_ack *extack)
{
	struct kubenf_obj *obj;
	unsigned long id;
	int ret;

	lockdep_assert_held(&kn->lock);
	xa_for_each(&txn->staged[KUBENF_KIND_POD], id, obj) {
		if (obj == KUBENF_TXN_DELETED)
			continue;
		ret = kubenf_pod_check_refs(kn, txn, kubenf_pod(obj), extack);
		if (!ret)
			ret = kubenf_pod_check_addrs(kn, txn, kubenf_pod(obj),
						     extack);
		if (ret)
			return ret;
	}
	if (txn->replace || !kubenf_pod_refs_dirty(kn, txn))
		return 0;
	xa_for_each(&kn->objs[KUBENF_KIND_POD], id, obj) {
		if (xa_load(&txn->staged[KUBENF_KIND_POD], id))
			continue;
		ret = kubenf_pod_check_refs(kn, txn, kubenf_pod(obj), extack);
		if (ret)
			return ret;
	}
	return 0;
}

const struct kubenf_kind_ops kubenf_pod_ops = {
	.unlink		= kubenf_pod_unlink,
	.destroy	= kubenf_pod_destroy,
	.replace	= kubenf_pod_replace,
	.settled	= kubenf_verdict_settled,
	.account	= kubenf_pod_account,
	.validate	= kubenf_pod_validate,
};

/* Whether @ids holds an id twice: on a sorted copy, O(n log n). */
static int kubenf_ids_have_dup(const u32 *ids, u32 n, bool *dup)
{
	u32 *sorted, i;

	*dup = false;
	if (n < 2)
		return 0;
	sorted = kvmalloc_array(n, sizeof(u32), KUBENF_GFP);
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, ids, n * sizeof(u32));
	sort(sorted, n, sizeof(u32), kubenf_u32_cmp, NULL);
	for (i = 1; i < n && !*dup; i++)
		*dup = sorted[i] == sorted[i - 1];
	kvfree(sorted);
	return 0;
}

/* One direction's policy list: ids, no duplicates, only when isolated. */
static int kubenf_pod_parse_list(struct kubenf_pod *pod, enum kubenf_dir dir,
				 const struct nlattr *list,
				 struct netlink_ext_ack *extack)
{
	bool dup;
	int n;

	n = kubenf_array_len(list, KUBENF_MAX_POD_POLICIES, extack);
	if (n < 0)
		return n;
	if (n && !kubenf_pod_isolated(pod, dir)) {
		NL_SET_ERR_MSG_ATTR(extack, list,
				    "policies listed for a direction the pod is not isolated in");
		return -EINVAL;
	}
	pod->pol[dir] = kvcalloc(n ?: 1, sizeof(u32), KUBENF_GFP);
	if (!pod->pol[dir])
		return -ENOMEM;
	n = kubenf_id_array_parse(list, pod->pol[dir], extack);
	if (n < 0)
		return n;
	pod->n_pol[dir] = n;
	/* The order is the sender's (EXPLAIN names the first match). */
	n = kubenf_ids_have_dup(pod->pol[dir], pod->n_pol[dir], &dup);
	if (n)
		return n;
	if (dup) {
		NL_SET_ERR_MSG_ATTR(extack, list, "duplicate policy id");
		return -EINVAL;
	}
	return 0;
}

static int kubenf_pod_parse_addrs(struct kubenf_pod *pod,
				  const struct nlattr *list,
				  struct netlink_ext_ack *extack)
{
	struct kubenf_cidr *c;
	u32 i, j;
	int n, ret;

	n = kubenf_array_len(list, KUBENF_MAX_POD_ADDRS, extack);
	if (n < 0)
		return n;
	c = kcalloc(n ?: 1, sizeof(*c), KUBENF_GFP);
	pod->addrs = kcalloc(n ?: 1, sizeof(*pod->addrs), KUBENF_GFP);
	if (!c || !pod->addrs) {
		ret = -ENOMEM;
		goto out;
	}
	ret = kubenf_cidr_array_parse(list, c, true, extack);
	if (ret)
		goto out;
	pod->n_addrs = n;
	for (i = 0; i < pod->n_addrs; i++) {
		struct kubenf_pod_addr *a = &pod->addrs[i];

		a->pod = pod;
		a->key.addr = c[i].addr;
		a->key.family = c[i].family;
		for (j = 0; j < i; j++) {
			if (!memcmp(&pod->addrs[j].key, &a->key,
				    sizeof(a->key))) {
				NL_SET_ERR_MSG_ATTR(extack, list,
						    "duplicate pod address");
				ret = -EINVAL;
				goto out;
			}
		}
	}
out:
	kfree(c);
	return ret;
}

static struct kubenf_pod *kubenf_pod_parse(struct nlattr **tb,
					   struct netlink_ext_ack *extack)
{
	struct kubenf_pod *pod;
	int ret;

	pod = kzalloc(sizeof(*pod), KUBENF_GFP);
	if (!pod)
		return ERR_PTR(-ENOMEM);
	pod->name = kstrdup(tb[KUBENF_POD_A_NAME] ?
			    nla_data(tb[KUBENF_POD_A_NAME]) : "",
			    KUBENF_GFP);
	if (!pod->name) {
		ret = -ENOMEM;
		goto err;
	}
	if (tb[KUBENF_POD_A_FLAGS]) {
		pod->flags = nla_get_u32(tb[KUBENF_POD_A_FLAGS]);
		if (pod->flags & ~__KUBENF_POD_F_ALL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_POD_A_FLAGS],
					    "unknown pod flag");
			ret = -EOPNOTSUPP;
			goto err;
		}
	}
	ret = kubenf_pod_parse_addrs(pod, tb[KUBENF_POD_A_ADDRS], extack);
	if (ret)
		goto err;
	ret = kubenf_pod_parse_list(pod, KUBENF_DIR_INGRESS,
				    tb[KUBENF_POD_A_INGRESS], extack);
	if (ret)
		goto err;
	ret = kubenf_pod_parse_list(pod, KUBENF_DIR_EGRESS,
				    tb[KUBENF_POD_A_EGRESS], extack);
	if (ret)
		goto err;
	return pod;

err:
	kubenf_pod_free(pod);
	return ERR_PTR(ret);
}

/* Links the addresses of staged @pod, inactive until commit. */
static int kubenf_pod_link(struct kubenf_net *kn, struct kubenf_pod *pod)
{
	int ret;
	u32 i;

	for (i = 0; i < pod->n_addrs; i++) {
		ret = rhltable_insert(&kn->pods, &pod->addrs[i].node,
				      kubenf_pod_params);
		if (ret)
			return ret;
		pod->addrs[i].linked = true;
	}
	return 0;
}

int kubenf_pod_set(struct kubenf_net *kn, struct kubenf_txn *txn,
		   const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_POD_A_MAX + 1];
	struct kubenf_pod *pod;
	int ret;

	lockdep_assert_held(&kn->lock);
	ret = nla_parse_nested(tb, KUBENF_POD_A_MAX, nest, kubenf_pod_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[KUBENF_POD_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "pod needs an ID");
		return -EINVAL;
	}
	/* Counting what the transaction already adds and deletes. */
	if (kubenf_txn_over_limit(kn, txn, KUBENF_KIND_POD,
				  nla_get_u32(tb[KUBENF_POD_A_ID]),
				  kn->counts.pods, KUBENF_MAX_PODS)) {
		NL_SET_ERR_MSG(extack, "too many pods");
		return -ENOSPC;
	}

	pod = kubenf_pod_parse(tb, extack);
	if (IS_ERR(pod))
		return PTR_ERR(pod);
	kubenf_obj_init(kn, &pod->obj, KUBENF_KIND_POD,
			nla_get_u32(tb[KUBENF_POD_A_ID]));
	ret = kubenf_pod_link(kn, pod);
	if (ret) {
		/* Lookups may have seen the inactive addresses. */
		kubenf_obj_discard(kn, &pod->obj);
		return ret;
	}
	return kubenf_txn_stage_set(kn, txn, &pod->obj);
}

/* The pod's name, flags and addresses: what only its first message has. */
static int kubenf_pod_put_head(struct sk_buff *skb,
			       const struct kubenf_pod *pod)
{
	struct nlattr *arr;
	u32 i;

	if (nla_put_string(skb, KUBENF_POD_A_NAME, pod->name) ||
	    nla_put_u32(skb, KUBENF_POD_A_FLAGS, pod->flags))
		return -EMSGSIZE;
	arr = nla_nest_start(skb, KUBENF_POD_A_ADDRS);
	if (!arr)
		return -EMSGSIZE;
	for (i = 0; i < pod->n_addrs; i++) {
		const struct kubenf_addr_key *k = &pod->addrs[i].key;
		struct nlattr *c = nla_nest_start(skb, i + 1);

		if (!c)
			return -EMSGSIZE;
		if (k->family == NFPROTO_IPV4 ?
		    nla_put_in_addr(skb, KUBENF_CIDR_A_ADDR4, k->addr.ip) :
		    nla_put_in6_addr(skb, KUBENF_CIDR_A_ADDR6, &k->addr.in6))
			return -EMSGSIZE;
		if (nla_put_u8(skb, KUBENF_CIDR_A_PREFIX,
			       k->family == NFPROTO_IPV4 ? 32 : 128))
			return -EMSGSIZE;
		nla_nest_end(skb, c);
	}
	nla_nest_end(skb, arr);
	return 0;
}

int kubenf_pod_put(struct sk_buff *skb, const struct kubenf_pod *pod,
		   u32 *next)
{
	static const int attr[__KUBENF_DIR_MAX] = {
		[KUBENF_DIR_INGRESS]	= KUBENF_POD_A_INGRESS,
		[KUBENF_DIR_EGRESS]	= KUBENF_POD_A_EGRESS,
	};
	u32 start = *next, pos = 0, i;
	struct nlattr *nest, *arr;
	int dir;

	nest = nla_nest_start(skb, KUBENF_A_POD);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KUBENF_POD_A_ID, pod->obj.id))
		goto cancel;
	/* A continuation message carries only the remaining ids. */
	if (!start && kubenf_pod_put_head(skb, pod))
		goto cancel;
	for (dir = 0; dir < __KUBENF_DIR_MAX; dir++) {
		u32 n = pod->n_pol[dir];

		if (start >= pos + n) {
			pos += n;
			continue;
		}
		/*
		 * Full before one more id: the pod is left out of this
		 * message and starts the next one from *@next again. The
		 * head and an id always fit an empty message (names and
		 * addresses are bounded), so a continuation never starts at
		 * 0 and every message moves on.
		 */
		arr = nla_nest_start(skb, attr[dir]);
		if (!arr)
			goto cancel;
		/* Elements keep their index across messages, from 1. */
		for (i = start > pos ? start - pos : 0; i < n; i++) {
			if (nla_put_u32(skb, i + 1, pod->pol[dir][i])) {
				if (pos + i == start)
					goto cancel;
				nla_nest_end(skb, arr);
				nla_nest_end(skb, nest);
				*next = pos + i;
				return 1;
			}
		}
		nla_nest_end(skb, arr);
		pos += n;
	}
	nla_nest_end(skb, nest);
	*next = 0;
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

const struct kubenf_pod *kubenf_pod_lookup(struct kubenf_net *kn, u8 genmask,
					   u8 family,
					   const union nf_inet_addr *addr)
{
	const struct kubenf_pod_addr *a;
	struct rhlist_head *list, *pos;
	struct kubenf_addr_key key;

	memset(&key, 0, sizeof(key));
	if (family == NFPROTO_IPV4)
		key.addr.ip = addr->ip;
	else
		key.addr.in6 = addr->in6;
	key.family = family;
	list = rhltable_lookup(&kn->pods, &key, kubenf_pod_params);
	rhl_for_each_entry_rcu(a, pos, list, node)
		if (kubenf_obj_active(&a->pod->obj, genmask))
			return a->pod;
	return NULL;
}
