// SPDX-License-Identifier: GPL-2.0
/*
 * Peersets. Writers (kubenf_peerset_set() and the transaction code) run
 * under kubenf_net->lock, and so do all readers: policy compilation at
 * commit and dumps. No packet-path reader exists, so a peerset is linked
 * into no table; the policies referencing it are recompiled when it changes
 * (kubenf_policy_ops.validate).
 */

#include <linux/slab.h>
#include <net/netlink.h>

#include "netlink.h"
#include "netns.h"
#include "peerset.h"

static void kubenf_peerset_free(struct kubenf_peerset *ps)
{
	kvfree(ps->blocks);
	kvfree(ps->except_idx);
	kvfree(ps->excepts);
	kfree(ps->name);
	kfree(ps);
}

static void kubenf_peerset_destroy(struct kubenf_obj *obj)
{
	kubenf_peerset_free(kubenf_peerset(obj));
}

/* Nothing to unlink: no packet-path table holds a peerset. */
static void kubenf_peerset_unlink(struct kubenf_net *kn,
				  struct kubenf_obj *obj)
{
	lockdep_assert_held(&kn->lock);
}

/* Established connections may be judged differently now; see verdict.c. */
static void kubenf_peerset_replace(struct kubenf_net *kn,
				   const struct kubenf_obj *old,
				   const struct kubenf_obj *new)
{
	lockdep_assert_held(&kn->lock);
	kn->policy_changed = true;
}

static void kubenf_peerset_account(struct kubenf_net *kn,
				   const struct kubenf_obj *obj, int sign)
{
	kn->counts.peersets += sign;
}

const struct kubenf_kind_ops kubenf_peerset_ops = {
	.unlink		= kubenf_peerset_unlink,
	.destroy	= kubenf_peerset_destroy,
	.replace	= kubenf_peerset_replace,
	.account	= kubenf_peerset_account,
};

/* An exception must lie strictly inside its block (ipBlock validation). */
static bool kubenf_except_inside(const struct kubenf_cidr *block,
				 const struct kubenf_cidr *except)
{
	return except->family == block->family &&
	       except->prefix > block->prefix &&
	       kubenf_cidr_match(block, except->family, &except->addr);
}

/* Sizes the exception arrays: fills ps->except_idx, allocates excepts. */
static int kubenf_peerset_count_excepts(struct kubenf_peerset *ps,
					const struct nlattr *entries,
					struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_CIDR_A_MAX + 1];
	const struct nlattr *pos;
	u32 i = 0, total = 0;
	int rem, n, ret;

	nla_for_each_nested(pos, entries, rem) {
		ret = nla_parse_nested(tb, KUBENF_CIDR_A_MAX, pos,
				       kubenf_cidr_policy, extack);
		if (ret)
			return ret;
		n = kubenf_array_len(tb[KUBENF_CIDR_A_EXCEPT],
				     KUBENF_MAX_ENTRY_EXCEPTS, extack);
		if (n < 0)
			return n;
		ps->except_idx[i++] = total;
		total += n;
		if (total > KUBENF_MAX_PEERSET_EXCEPTS) {
			NL_SET_ERR_MSG_ATTR(extack, pos,
					    "too many exceptions in this peerset");
			return -ENOSPC;
		}
	}
	ps->except_idx[i] = total;
	ps->n_excepts = total;
	ps->excepts = kvcalloc(total ?: 1, sizeof(*ps->excepts),
			       KUBENF_GFP);
	return ps->excepts ? 0 : -ENOMEM;
}

static int kubenf_peerset_parse_excepts(struct kubenf_peerset *ps,
					const struct nlattr *entries,
					struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_CIDR_A_MAX + 1];
	const struct nlattr *pos;
	int rem, ret;
	u32 i = 0, j;

	nla_for_each_nested(pos, entries, rem) {
		const struct kubenf_cidr *block = &ps->blocks[i];
		struct kubenf_cidr *ex = &ps->excepts[ps->except_idx[i]];
		u32 n = ps->except_idx[i + 1] - ps->except_idx[i];

		ret = nla_parse_nested(tb, KUBENF_CIDR_A_MAX, pos,
				       kubenf_cidr_policy, extack);
		if (ret)
			return ret;
		ret = kubenf_cidr_array_parse(tb[KUBENF_CIDR_A_EXCEPT], ex,
					      false, extack);
		if (ret)
			return ret;
		for (j = 0; j < n; j++) {
			if (!kubenf_except_inside(block, &ex[j])) {
				NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_CIDR_A_EXCEPT],
						    "an exception must lie strictly inside its block");
				return -EINVAL;
			}
		}
		i++;
	}
	return 0;
}

static struct kubenf_peerset *kubenf_peerset_parse(struct nlattr **tb,
						   struct netlink_ext_ack *extack)
{
	const struct nlattr *entries = tb[KUBENF_SET_A_ENTRIES];
	struct kubenf_peerset *ps;
	int n, ret;

	n = kubenf_array_len(entries, KUBENF_MAX_PEERSET_ENTRIES, extack);
	if (n < 0)
		return ERR_PTR(n);

	ps = kzalloc(sizeof(*ps), KUBENF_GFP);
	if (!ps)
		return ERR_PTR(-ENOMEM);
	ps->n_entries = n;
	ps->blocks = kvcalloc(n ?: 1, sizeof(*ps->blocks), KUBENF_GFP);
	ps->except_idx = kvcalloc(n + 1, sizeof(*ps->except_idx),
				  KUBENF_GFP);
	ps->name = kstrdup(tb[KUBENF_SET_A_NAME] ?
			   nla_data(tb[KUBENF_SET_A_NAME]) : "",
			   KUBENF_GFP);
	if (!ps->blocks || !ps->except_idx || !ps->name) {
		ret = -ENOMEM;
		goto err;
	}
	if (!entries) {
		ps->excepts = kvcalloc(1, sizeof(*ps->excepts),
				       KUBENF_GFP);
		ret = ps->excepts ? 0 : -ENOMEM;
		if (ret)
			goto err;
		return ps;
	}

	ret = kubenf_peerset_count_excepts(ps, entries, extack);
	if (ret)
		goto err;
	ret = kubenf_cidr_array_parse(entries, ps->blocks, false, extack);
	if (ret)
		goto err;
	ret = kubenf_peerset_parse_excepts(ps, entries, extack);
	if (ret)
		goto err;
	return ps;

err:
	kubenf_peerset_free(ps);
	return ERR_PTR(ret);
}

int kubenf_peerset_set(struct kubenf_net *kn, struct kubenf_txn *txn,
		       const struct nlattr *nest,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_SET_A_MAX + 1];
	struct kubenf_peerset *ps;
	int ret;

	lockdep_assert_held(&kn->lock);
	ret = nla_parse_nested(tb, KUBENF_SET_A_MAX, nest, kubenf_pset_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[KUBENF_SET_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "peerset needs an ID");
		return -EINVAL;
	}
	/* Counting what the transaction already adds and deletes. */
	if (kubenf_txn_over_limit(kn, txn, KUBENF_KIND_PEERSET,
				  nla_get_u32(tb[KUBENF_SET_A_ID]),
				  kn->counts.peersets, KUBENF_MAX_PEERSETS)) {
		NL_SET_ERR_MSG(extack, "too many peersets");
		return -ENOSPC;
	}

	ps = kubenf_peerset_parse(tb, extack);
	if (IS_ERR(ps))
		return PTR_ERR(ps);
	kubenf_obj_init(kn, &ps->obj, KUBENF_KIND_PEERSET,
			nla_get_u32(tb[KUBENF_SET_A_ID]));
	return kubenf_txn_stage_set(kn, txn, &ps->obj);
}

const struct kubenf_peerset *kubenf_peerset_get(struct kubenf_net *kn,
						struct kubenf_txn *txn,
						u32 id)
{
	struct kubenf_obj *obj;

	obj = kubenf_txn_lookup(kn, txn, KUBENF_KIND_PEERSET, id);
	return obj ? kubenf_peerset(obj) : NULL;
}

/* One entry: its block, and its exceptions when it has some. */
static int kubenf_peerset_put_entry(struct sk_buff *skb, int type,
				    const struct kubenf_peerset *ps, u32 i)
{
	const struct kubenf_cidr *c = &ps->blocks[i];
	u32 first = ps->except_idx[i], n = ps->except_idx[i + 1] - first;
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
	if (n && kubenf_put_cidr_array(skb, KUBENF_CIDR_A_EXCEPT,
				       &ps->excepts[first], n))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int kubenf_peerset_put(struct sk_buff *skb, const struct kubenf_peerset *ps,
		       u32 *next)
{
	struct nlattr *nest, *arr;
	u32 first = *next, i;

	nest = nla_nest_start(skb, KUBENF_A_PEERSET);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KUBENF_SET_A_ID, ps->obj.id))
		goto cancel;
	/* A continuation message carries only the remaining entries. */
	if (!first && nla_put_string(skb, KUBENF_SET_A_NAME, ps->name))
		goto cancel;

	arr = nla_nest_start(skb, KUBENF_SET_A_ENTRIES);
	if (!arr)
		goto cancel;
	for (i = first; i < ps->n_entries; i++) {
		/* Elements keep their index across messages, from 1. */
		if (kubenf_peerset_put_entry(skb, i + 1, ps, i)) {
			if (i == first)
				goto cancel;
			nla_nest_end(skb, arr);
			nla_nest_end(skb, nest);
			*next = i;
			return 1;
		}
	}
	nla_nest_end(skb, arr);
	nla_nest_end(skb, nest);
	*next = 0;
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}
