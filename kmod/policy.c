// SPDX-License-Identifier: GPL-2.0
/*
 * Policies and their compiled lookup.
 *
 * Writers (kubenf_policy_set(), the transaction code and the validate op)
 * run under kubenf_net->lock. The packet path finds a policy version by id
 * in kn->policies under the RCU read lock the netfilter core holds around
 * hook functions, skips versions inactive in its generation (txn.h), and
 * reads only the immutable ->spec and ->lk of the version it found.
 *
 * The lookup of a policy maps a peer address to the set of rules whose
 * peers contain it, as a bitmap of rule indexes:
 *
 *  - P is the set of every block and every exception of every peerset the
 *    policy references (deduplicated). For an address a, let p be the
 *    longest prefix of P containing a. The prefixes of P that contain a are
 *    exactly those that contain p, so whether a rule's entry "block B
 *    except E1..En" matches a depends on p alone: B contains p and no Ei
 *    does. Each prefix p therefore stores the bitmap of the rules matching
 *    the addresses whose longest prefix it is; an exception is just a
 *    longer prefix whose bitmap lacks the rule it excepts (and keeps the
 *    rules of other entries that contain it: an exception excludes an
 *    address from its own entry only).
 *  - The prefixes live in one static hash table keyed by (family, prefix
 *    length, masked address). A lookup probes the distinct prefix lengths
 *    of the address family present in the policy, longest first, and stops
 *    at the first hit: at most L probes, L <= 33 (IPv4) or 129 (IPv6) and
 *    in practice 1 to 3 (pod IPs are /32 or /128, plus a few ipBlocks). A
 *    pod IP entry is found by the first probe.
 *  - Rules without peers are in a separate "any" bitmap.
 *  - The bits set in (any | bitmap) are then tried in rule order; a rule
 *    matches when it has no ports or when the (protocol, port) falls into
 *    one of its merged port ranges, found by binary search.
 *
 * Cost per judged connection and policy: O(L) hash probes + O(R_p * log K)
 * where R_p is the number of rules whose peers match (tried until one
 * allows) and K the port ranges of one rule. Nothing walks pods, peersets
 * or entries. Memory: (24 + 8 * ceil(rules / 64)) bytes per distinct prefix
 * plus 8 bytes per hash bucket, per policy: a peerset referenced by several
 * policies is compiled into each of them.
 *
 * Compilation happens at commit, in the validate op, for every policy the
 * transaction sets and for every committed policy referencing a peerset the
 * transaction changes (a new version sharing the spec, so counters
 * survive). A missing peerset fails the commit with -ENOENT.
 */

#include <linux/bitmap.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "netlink.h"
#include "netns.h"
#include "peerset.h"
#include "policy.h"

/* One prefix of P; see the top of this file. */
struct kubenf_lpm_node {
	union nf_inet_addr addr;	/* host bits beyond @plen are zero */
	u32 next;			/* hash chain: index + 1; 0 ends it */
	u8 family;
	u8 plen;
	unsigned long bm[];		/* lookup->nwords words */
};

/* Immutable once built; freed with the policy version that owns it. */
struct kubenf_pol_lookup {
	u32 nwords;			/* BITS_TO_LONGS(rules) */
	u32 node_size;
	u32 n_nodes;
	u32 hmask;			/* buckets - 1 */
	u32 seed;
	/* Distinct prefix lengths per family (0: IPv4), longest first. */
	u8 n_lens[2];
	u8 lens[2][129];
	u32 *buckets;			/* node index + 1; 0: empty */
	u8 *nodes;
	unsigned long any[];		/* rules without peers */
};

static const struct rhashtable_params kubenf_pol_params = {
	.key_len	= sizeof(u32),
	.key_offset	= offsetof(struct kubenf_policy, obj.id),
	.head_offset	= offsetof(struct kubenf_policy, node),
	.automatic_shrinking = true,
};

int kubenf_policy_tables_init(struct kubenf_net *kn)
{
	return rhltable_init(&kn->policies, &kubenf_pol_params);
}

/* Every policy was unlinked already: the table is empty. */
void kubenf_policy_tables_destroy(struct kubenf_net *kn)
{
	rhltable_destroy(&kn->policies);
}

/* --- the lookup ------------------------------------------------------ */

static struct kubenf_lpm_node *kubenf_lpm_node(const struct kubenf_pol_lookup *lk,
					       u32 i)
{
	return (struct kubenf_lpm_node *)(lk->nodes + (size_t)i * lk->node_size);
}

static void kubenf_addr_prefix(union nf_inet_addr *out,
			       const union nf_inet_addr *in, u8 family, u8 plen)
{
	memset(out, 0, sizeof(*out));
	if (family == NFPROTO_IPV4)
		out->ip = in->ip & inet_make_mask(plen);
	else
		ipv6_addr_prefix(&out->in6, &in->in6, plen);
}

static u32 kubenf_lpm_hash(const struct kubenf_pol_lookup *lk, u8 family,
			   u8 plen, const union nf_inet_addr *key)
{
	return jhash2(key->all, ARRAY_SIZE(key->all),
		      lk->seed ^ ((u32)family << 8 | plen)) & lk->hmask;
}

/* Index + 1 of the node (@family, @plen, @key), or 0. */
static u32 kubenf_lpm_find(const struct kubenf_pol_lookup *lk, u8 family,
			   u8 plen, const union nf_inet_addr *key)
{
	u32 i = lk->buckets[kubenf_lpm_hash(lk, family, plen, key)];

	while (i) {
		const struct kubenf_lpm_node *n = kubenf_lpm_node(lk, i - 1);

		if (n->plen == plen && n->family == family &&
		    nf_inet_addr_cmp(&n->addr, key))
			return i;
		i = n->next;
	}
	return 0;
}

/* The longest prefix of @lk containing @addr, or NULL: O(L) probes. */
static const struct kubenf_lpm_node *
kubenf_lpm_longest(const struct kubenf_pol_lookup *lk, u8 family,
		   const union nf_inet_addr *addr)
{
	int f = family == NFPROTO_IPV6;
	union nf_inet_addr key;
	u32 i, hit;

	for (i = 0; i < lk->n_lens[f]; i++) {
		kubenf_addr_prefix(&key, addr, family, lk->lens[f][i]);
		hit = kubenf_lpm_find(lk, family, lk->lens[f][i], &key);
		if (hit)
			return kubenf_lpm_node(lk, hit - 1);
	}
	return NULL;
}

static void kubenf_lpm_free(struct kubenf_pol_lookup *lk)
{
	if (!lk)
		return;
	kvfree(lk->buckets);
	kvfree(lk->nodes);
	kvfree(lk);
}

/* Hashes nodes [0, n_nodes) into fresh buckets sized for them. */
static int kubenf_lpm_rehash(struct kubenf_pol_lookup *lk, u32 n_buckets)
{
	u32 *buckets, i, h;

	buckets = kvcalloc(n_buckets, sizeof(*buckets), KUBENF_GFP);
	if (!buckets)
		return -ENOMEM;
	kvfree(lk->buckets);
	lk->buckets = buckets;
	lk->hmask = n_buckets - 1;
	for (i = 0; i < lk->n_nodes; i++) {
		struct kubenf_lpm_node *n = kubenf_lpm_node(lk, i);

		h = kubenf_lpm_hash(lk, n->family, n->plen, &n->addr);
		n->next = buckets[h];
		buckets[h] = i + 1;
	}
	return 0;
}

/*
 * Compilation scratch space: the (block, rule) entries and the exceptions
 * attached to each node, as singly linked lists of indexes + 1. Private to
 * one compilation under kn->lock, freed before it returns.
 */
struct kubenf_lpm_ent {
	u32 node;
	u32 rule;
	u32 next;	/* next entry whose block is the same node */
};

struct kubenf_lpm_exc {
	u32 ent;	/* the entry this exception belongs to */
	u32 next;	/* next exception at the same node */
};

struct kubenf_lpm_build {
	struct kubenf_pol_lookup *lk;
	u32 cap;			/* nodes allocated */
	u32 n_ent, n_exc;
	struct kubenf_lpm_ent *ent;
	struct kubenf_lpm_exc *exc;
	u32 *blk_head;			/* per node: first entry + 1 */
	u32 *exc_head;			/* per node: first exception + 1 */
	u32 *stamp;			/* per entry: node + 1 excepting it */
	bool present[2][129];		/* prefix lengths seen, per family */
};

static void kubenf_lpm_build_free(struct kubenf_lpm_build *b)
{
	kvfree(b->ent);
	kvfree(b->exc);
	kvfree(b->blk_head);
	kvfree(b->exc_head);
	kvfree(b->stamp);
	kfree(b);
}

/* Index of the node for @c, added if new; room for it is reserved. */
static u32 kubenf_lpm_insert(struct kubenf_lpm_build *b,
			     const struct kubenf_cidr *c)
{
	struct kubenf_pol_lookup *lk = b->lk;
	union nf_inet_addr key;
	struct kubenf_lpm_node *n;
	u32 i, h;

	kubenf_addr_prefix(&key, &c->addr, c->family, c->prefix);
	i = kubenf_lpm_find(lk, c->family, c->prefix, &key);
	if (i)
		return i - 1;
	i = lk->n_nodes++;
	n = kubenf_lpm_node(lk, i);
	n->addr = key;
	n->family = c->family;
	n->plen = c->prefix;
	h = kubenf_lpm_hash(lk, c->family, c->prefix, &key);
	n->next = lk->buckets[h];
	lk->buckets[h] = i + 1;
	b->present[c->family == NFPROTO_IPV6][c->prefix] = true;
	return i;
}

static void kubenf_lpm_add_peerset(struct kubenf_lpm_build *b,
				   const struct kubenf_peerset *ps, u32 rule)
{
	u32 e, x, node;

	for (e = 0; e < ps->n_entries; e++) {
		struct kubenf_lpm_ent *ent = &b->ent[b->n_ent];

		node = kubenf_lpm_insert(b, &ps->blocks[e]);
		ent->node = node;
		ent->rule = rule;
		ent->next = b->blk_head[node];
		b->blk_head[node] = ++b->n_ent;
		for (x = ps->except_idx[e]; x < ps->except_idx[e + 1]; x++) {
			struct kubenf_lpm_exc *exc = &b->exc[b->n_exc];

			node = kubenf_lpm_insert(b, &ps->excepts[x]);
			exc->ent = b->n_ent - 1;
			exc->next = b->exc_head[node];
			b->exc_head[node] = ++b->n_exc;
		}
	}
}

/*
 * Sets the bitmap of node @p from the entries and exceptions on its chain
 * of containing prefixes (see the top of this file). O(L + entries and
 * exceptions at the chain's nodes).
 */
static void kubenf_lpm_fill(struct kubenf_lpm_build *b, u32 p)
{
	struct kubenf_pol_lookup *lk = b->lk;
	struct kubenf_lpm_node *n = kubenf_lpm_node(lk, p);
	int f = n->family == NFPROTO_IPV6;
	union nf_inet_addr key;
	u32 i, q, k, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < lk->n_lens[f]; i++) {
			u8 plen = lk->lens[f][i];

			if (plen > n->plen)
				continue;
			kubenf_addr_prefix(&key, &n->addr, n->family, plen);
			q = kubenf_lpm_find(lk, n->family, plen, &key);
			if (!q)
				continue;
			if (!pass) {
				/* Entries excepted somewhere on the chain. */
				for (k = b->exc_head[q - 1]; k; k = b->exc[k - 1].next)
					b->stamp[b->exc[k - 1].ent] = p + 1;
				continue;
			}
			for (k = b->blk_head[q - 1]; k; k = b->ent[k - 1].next)
				if (b->stamp[k - 1] != p + 1)
					__set_bit(b->ent[k - 1].rule, n->bm);
		}
	}
}

/* Copies the used nodes into an array of their own size, and rehashes. */
static int kubenf_lpm_shrink(struct kubenf_pol_lookup *lk)
{
	u8 *nodes;

	nodes = kvmalloc_array(lk->n_nodes ?: 1, lk->node_size,
			       KUBENF_GFP);
	if (!nodes)
		return -ENOMEM;
	memcpy(nodes, lk->nodes, (size_t)lk->n_nodes * lk->node_size);
	kvfree(lk->nodes);
	lk->nodes = nodes;
	return kubenf_lpm_rehash(lk, roundup_pow_of_two(2 * lk->n_nodes ?: 2));
}

/*
 * Counts the entries and exceptions the rules of @spec reference once @txn
 * commits; -ENOENT when a peerset is missing.
 */
static int kubenf_policy_count(struct kubenf_net *kn, struct kubenf_txn *txn,
			       const struct kubenf_pol_spec *spec, u32 pol_id,
			       u32 *n_ent, u32 *n_exc,
			       struct netlink_ext_ack *extack)
{
	const struct kubenf_peerset *ps;
	u64 ent = 0, exc = 0;
	u32 i;

	for (i = 0; i < spec->n_refs; i++) {
		ps = kubenf_peerset_get(kn, txn, spec->refs[i]);
		if (!ps) {
			NL_SET_ERR_MSG(extack,
				       "a policy references a peerset that does not exist (cookie: its id)");
			kubenf_extack_id(extack, spec->refs[i]);
			return -ENOENT;
		}
	}
	/* A peerset in several rules is compiled once per rule. */
	for (i = 0; i < spec->n_rules; i++) {
		const struct kubenf_rule *r = &spec->rules[i];
		u32 j;

		for (j = 0; j < r->n_peers; j++) {
			ps = kubenf_peerset_get(kn, txn,
						spec->peers[r->peer_off + j]);
			ent += ps->n_entries;
			exc += ps->n_excepts;
		}
	}
	if (ent + exc > KUBENF_MAX_POLICY_PREFIXES) {
		NL_SET_ERR_MSG(extack,
			       "a policy's peersets hold too many prefixes (cookie: its id)");
		kubenf_extack_id(extack, pol_id);
		return -ENOSPC;
	}
	*n_ent = ent;
	*n_exc = exc;
	return 0;
}

static struct kubenf_lpm_build *kubenf_lpm_build_new(u32 n_rules, u32 n_ent,
						     u32 n_exc)
{
	u32 nwords = BITS_TO_LONGS(max(n_rules, 1U));
	u32 cap = max(n_ent + n_exc, 1U);
	struct kubenf_pol_lookup *lk;
	struct kubenf_lpm_build *b;

	b = kzalloc(sizeof(*b), KUBENF_GFP);
	if (!b)
		return NULL;
	b->cap = cap;
	b->ent = kvcalloc(max(n_ent, 1U), sizeof(*b->ent), KUBENF_GFP);
	b->exc = kvcalloc(max(n_exc, 1U), sizeof(*b->exc), KUBENF_GFP);
	b->blk_head = kvcalloc(cap, sizeof(u32), KUBENF_GFP);
	b->exc_head = kvcalloc(cap, sizeof(u32), KUBENF_GFP);
	b->stamp = kvcalloc(max(n_ent, 1U), sizeof(u32), KUBENF_GFP);
	lk = kvzalloc(struct_size(lk, any, nwords), KUBENF_GFP);
	b->lk = lk;
	if (!b->ent || !b->exc || !b->blk_head || !b->exc_head || !b->stamp ||
	    !lk)
		goto err;
	lk->nwords = nwords;
	lk->node_size = sizeof(struct kubenf_lpm_node) +
			nwords * sizeof(unsigned long);
	lk->seed = get_random_u32();
	lk->nodes = kvzalloc(array_size(cap, lk->node_size),
			     KUBENF_GFP);
	if (!lk->nodes || kubenf_lpm_rehash(lk, roundup_pow_of_two(cap)))
		goto err;
	return b;

err:
	kubenf_lpm_free(b->lk);
	kubenf_lpm_build_free(b);
	return NULL;
}

/*
 * Builds @pol's lookup from the peersets the namespace holds once @txn
 * commits. Caller holds kn->lock; @pol is not active yet.
 */
static int kubenf_policy_compile(struct kubenf_net *kn, struct kubenf_txn *txn,
				 struct kubenf_policy *pol,
				 struct netlink_ext_ack *extack)
{
	const struct kubenf_pol_spec *spec = pol->spec;
	struct kubenf_lpm_build *b;
	struct kubenf_pol_lookup *lk;
	u32 n_ent, n_exc, i, j;
	int f, plen, ret;

	lockdep_assert_held(&kn->lock);
	ret = kubenf_policy_count(kn, txn, spec, pol->obj.id, &n_ent, &n_exc,
				  extack);
	if (ret)
		return ret;
	b = kubenf_lpm_build_new(spec->n_rules, n_ent, n_exc);
	if (!b)
		return -ENOMEM;
	lk = b->lk;

	for (i = 0; i < spec->n_rules; i++) {
		const struct kubenf_rule *r = &spec->rules[i];
		const struct kubenf_peerset *ps;

		if (!r->n_peers)
			__set_bit(i, lk->any);
		for (j = 0; j < r->n_peers; j++) {
			ps = kubenf_peerset_get(kn, txn,
						spec->peers[r->peer_off + j]);
			kubenf_lpm_add_peerset(b, ps, i);
		}
	}
	for (f = 0; f < 2; f++)
		for (plen = f ? 128 : 32; plen >= 0; plen--)
			if (b->present[f][plen])
				lk->lens[f][lk->n_lens[f]++] = plen;
	for (i = 0; i < lk->n_nodes; i++)
		kubenf_lpm_fill(b, i);

	ret = kubenf_lpm_shrink(lk);
	kubenf_lpm_build_free(b);
	if (ret) {
		kubenf_lpm_free(lk);
		return ret;
	}
	pol->lk = lk;
	return 0;
}

/* --- ports ----------------------------------------------------------- */

static bool kubenf_rule_ports_match(const struct kubenf_pol_spec *spec,
				    const struct kubenf_rule *r, u8 proto,
				    u16 port)
{
	const struct kubenf_port_range *m = spec->match + r->match_off;
	u32 lo = 0, hi = r->n_match, mid;

	if (!r->n_ports)
		return true;
	/* The last range starting at or before (proto, port). */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m[mid].proto < proto ||
		    (m[mid].proto == proto && m[mid].first <= port))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && m[lo - 1].proto == proto && port <= m[lo - 1].last;
}

static int kubenf_range_cmp(const void *a, const void *b)
{
	const struct kubenf_port_range *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return 0;
}

/* Sorts @n ranges and merges overlapping or adjacent ones; returns count. */
static u32 kubenf_ranges_merge(struct kubenf_port_range *m, u32 n)
{
	u32 i, out = 0;

	if (!n)
		return 0;
	sort(m, n, sizeof(*m), kubenf_range_cmp, NULL);
	for (i = 1; i < n; i++) {
		struct kubenf_port_range *prev = &m[out];

		if (m[i].proto == prev->proto &&
		    m[i].first <= (u32)prev->last + 1) {
			prev->last = max(prev->last, m[i].last);
			continue;
		}
		m[++out] = m[i];
	}
	return out + 1;
}

static int kubenf_port_parse(const struct nlattr *nest,
			     struct kubenf_port_range *p,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_PORT_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, KUBENF_PORT_A_MAX, nest, kubenf_port_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[KUBENF_PORT_A_PROTO]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "port needs PROTO");
		return -EINVAL;
	}
	p->proto = nla_get_u8(tb[KUBENF_PORT_A_PROTO]);
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP &&
	    p->proto != IPPROTO_SCTP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_PORT_A_PROTO],
				    "protocol must be TCP, UDP or SCTP");
		return -EPROTONOSUPPORT;
	}
	if (tb[KUBENF_PORT_A_LAST] && !tb[KUBENF_PORT_A_FIRST]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_PORT_A_LAST],
				    "LAST needs FIRST");
		return -EINVAL;
	}
	/* 0-0 as given: every port of the protocol. */
	p->first = 0;
	p->last = 0;
	if (tb[KUBENF_PORT_A_FIRST]) {
		p->first = nla_get_u16(tb[KUBENF_PORT_A_FIRST]);
		p->last = tb[KUBENF_PORT_A_LAST] ?
			  nla_get_u16(tb[KUBENF_PORT_A_LAST]) : p->first;
		if (p->last < p->first) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_PORT_A_LAST],
					    "LAST below FIRST");
			return -EINVAL;
		}
	}
	return 0;
}

/* --- ids ------------------------------------------------------------- */

int kubenf_id_array_parse(const struct nlattr *array, u32 *out,
			  struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	int rem, n = 0;

	if (!array)
		return 0;
	nla_for_each_nested(pos, array, rem) {
		if (nla_len(pos) != sizeof(u32)) {
			NL_SET_ERR_MSG_ATTR(extack, pos, "an id is a u32");
			return -EINVAL;
		}
		out[n] = nla_get_u32(pos);
		if (!out[n]) {
			NL_SET_ERR_MSG_ATTR(extack, pos, "ids are not zero");
			return -EINVAL;
		}
		n++;
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, array, "malformed id array");
		return -EINVAL;
	}
	return n;
}

int kubenf_put_id_array(struct sk_buff *skb, int type, const u32 *ids, u32 n)
{
	struct nlattr *nest;
	u32 i;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		if (nla_put_u32(skb, i + 1, ids[i])) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

int kubenf_u32_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* --- the object ------------------------------------------------------ */

static void kubenf_pol_spec_put(struct kubenf_pol_spec *spec)
{
	if (!spec || !refcount_dec_and_test(&spec->ref))
		return;
	kvfree(spec->refs);
	kvfree(spec->peers);
	kvfree(spec->ports);
	kvfree(spec->match);
	kfree(spec->name);
	kvfree(spec);
}

static void kubenf_policy_free(struct kubenf_policy *pol)
{
	kubenf_lpm_free(pol->lk);
	kubenf_pol_spec_put(pol->spec);
	kfree(pol);
}

static void kubenf_policy_destroy(struct kubenf_obj *obj)
{
	kubenf_policy_free(kubenf_policy(obj));
}

static void kubenf_policy_unlink(struct kubenf_net *kn, struct kubenf_obj *obj)
{
	struct kubenf_policy *pol = kubenf_policy(obj);

	lockdep_assert_held(&kn->lock);
	if (pol->linked)
		rhltable_remove(&kn->policies, &pol->node, kubenf_pol_params);
	pol->linked = false;
}

static void kubenf_policy_replace(struct kubenf_net *kn,
				  const struct kubenf_obj *old,
				  const struct kubenf_obj *new)
{
	lockdep_assert_held(&kn->lock);
	kn->policy_changed = true;
}

static void kubenf_policy_account(struct kubenf_net *kn,
				  const struct kubenf_obj *obj, int sign)
{
	const struct kubenf_policy *pol = container_of(obj,
						       struct kubenf_policy,
						       obj);

	kn->counts.policies += sign;
	kn->n_rules += sign * (int)pol->spec->n_rules;
}

/* Whether @spec references a peerset that @txn sets or deletes. */
static bool kubenf_spec_uses_staged(const struct kubenf_pol_spec *spec,
				    struct kubenf_txn *txn)
{
	u32 i;

	for (i = 0; i < spec->n_refs; i++)
		if (xa_load(&txn->staged[KUBENF_KIND_PEERSET], spec->refs[i]))
			return true;
	return false;
}

static int kubenf_policy_link(struct kubenf_net *kn, struct kubenf_policy *pol)
{
	int ret;

	ret = rhltable_insert(&kn->policies, &pol->node, kubenf_pol_params);
	if (!ret)
		pol->linked = true;
	return ret;
}

/* Stages a new version of committed @old, compiled against @txn. */
static int kubenf_policy_restage(struct kubenf_net *kn, struct kubenf_txn *txn,
				 const struct kubenf_policy *old,
				 struct netlink_ext_ack *extack)
{
	struct kubenf_policy *pol;
	int ret;

	pol = kzalloc(sizeof(*pol), KUBENF_GFP);
	if (!pol)
		return -ENOMEM;
	refcount_inc(&old->spec->ref);
	pol->spec = old->spec;
	kubenf_obj_init(kn, &pol->obj, KUBENF_KIND_POLICY, old->obj.id);
	ret = kubenf_policy_compile(kn, txn, pol, extack);
	if (ret) {
		kubenf_policy_free(pol);
		return ret;
	}
	ret = kubenf_policy_link(kn, pol);
	if (ret) {
		kubenf_obj_discard(kn, &pol->obj);
		return ret;
	}
	return kubenf_txn_stage_set(kn, txn, &pol->obj);
}

/* The rules of all policies once @txn commits, against KUBENF_MAX_RULES. */
static int kubenf_policy_check_rules(struct kubenf_net *kn,
				     struct kubenf_txn *txn,
				     struct netlink_ext_ack *extack)
{
	s64 total = txn->replace ? 0 : kn->n_rules;
	struct kubenf_obj *obj, *old;
	unsigned long id;

	xa_for_each(&txn->staged[KUBENF_KIND_POLICY], id, obj) {
		old = txn->replace ? NULL :
		      xa_load(&kn->objs[KUBENF_KIND_POLICY], id);
		if (old)
			total -= kubenf_policy(old)->spec->n_rules;
		if (obj != KUBENF_TXN_DELETED)
			total += kubenf_policy(obj)->spec->n_rules;
	}
	if (total > KUBENF_MAX_RULES) {
		NL_SET_ERR_MSG(extack, "too many policy rules in the namespace");
		return -ENOSPC;
	}
	return 0;
}

/*
 * Commit, before anything changes: compiles the staged policies, stages
 * recompiled versions of committed policies whose peersets the transaction
 * changes, and fails with -ENOENT if any policy that will exist references
 * a peerset that will not.
 */
static int kubenf_policy_validate(struct kubenf_net *kn,
				  struct kubenf_txn *txn,
				  struct netlink_ext_ack *extack)
{
	struct xarray *staged = &txn->staged[KUBENF_KIND_POLICY];
	struct kubenf_policy *pol;
	struct kubenf_obj *obj;
	unsigned long id;
	int ret;

	lockdep_assert_held(&kn->lock);
	ret = kubenf_policy_check_rules(kn, txn, extack);
	if (ret)
		return ret;
	xa_for_each(staged, id, obj) {
		if (obj == KUBENF_TXN_DELETED)
			continue;
		pol = kubenf_policy(obj);
		if (pol->lk)
			continue;
		ret = kubenf_policy_compile(kn, txn, pol, extack);
		if (ret)
			return ret;
	}
	/* Replacing everything stages every policy that stays. */
	if (txn->replace || xa_empty(&txn->staged[KUBENF_KIND_PEERSET]))
		return 0;
	/* O(committed policies x their peerset references). */
	xa_for_each(&kn->objs[KUBENF_KIND_POLICY], id, obj) {
		pol = kubenf_policy(obj);
		if (xa_load(staged, id) ||
		    !kubenf_spec_uses_staged(pol->spec, txn))
			continue;
		ret = kubenf_policy_restage(kn, txn, pol, extack);
		if (ret)
			return ret;
	}
	return 0;
}

const struct kubenf_kind_ops kubenf_policy_ops = {
	.unlink		= kubenf_policy_unlink,
	.destroy	= kubenf_policy_destroy,
	.replace	= kubenf_policy_replace,
	.account	= kubenf_policy_account,
	.validate	= kubenf_policy_validate,
};

/* Sizes of a RULES array: rules, and peers and ports over all rules. */
static int kubenf_rules_count(const struct nlattr *rules, u32 *n_peers,
			      u32 *n_ports, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_RULE_A_MAX + 1];
	const struct nlattr *pos;
	int rem, ret;

	*n_peers = 0;
	*n_ports = 0;
	if (!rules)
		return 0;
	nla_for_each_nested(pos, rules, rem) {
		ret = nla_parse_nested(tb, KUBENF_RULE_A_MAX, pos,
				       kubenf_rule_policy, extack);
		if (ret)
			return ret;
		ret = kubenf_array_len(tb[KUBENF_RULE_A_PEERS],
				       KUBENF_MAX_RULE_PEERS, extack);
		if (ret < 0)
			return ret;
		*n_peers += ret;
		ret = kubenf_array_len(tb[KUBENF_RULE_A_PORTS],
				       KUBENF_MAX_RULE_PORTS, extack);
		if (ret < 0)
			return ret;
		*n_ports += ret;
	}
	return 0;
}

static int kubenf_rule_parse(struct kubenf_pol_spec *spec, u32 i,
			     const struct nlattr *nest, u32 *peer_off,
			     u32 *port_off, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_RULE_A_MAX + 1];
	struct kubenf_rule *r = &spec->rules[i];
	const struct nlattr *pos;
	int rem, ret;

	ret = nla_parse_nested(tb, KUBENF_RULE_A_MAX, nest, kubenf_rule_policy,
			       extack);
	if (ret)
		return ret;
	r->peer_off = *peer_off;
	ret = kubenf_id_array_parse(tb[KUBENF_RULE_A_PEERS],
				    spec->peers + r->peer_off, extack);
	if (ret < 0)
		return ret;
	r->n_peers = ret;
	*peer_off += ret;

	r->port_off = *port_off;
	r->match_off = *port_off;
	if (tb[KUBENF_RULE_A_PORTS]) {
		nla_for_each_nested(pos, tb[KUBENF_RULE_A_PORTS], rem) {
			struct kubenf_port_range *p;

			p = &spec->ports[r->port_off + r->n_ports++];
			ret = kubenf_port_parse(pos, p, extack);
			if (ret)
				return ret;
			spec->match[r->match_off + r->n_match] = *p;
			if (!p->first)
				spec->match[r->match_off + r->n_match].last = U16_MAX;
			r->n_match++;
		}
	}
	*port_off += r->n_ports;
	r->n_match = kubenf_ranges_merge(spec->match + r->match_off,
					 r->n_match);
	atomic64_set(&r->conns, 0);
	return 0;
}

static struct kubenf_pol_spec *kubenf_pol_spec_parse(struct nlattr **tb,
						     struct netlink_ext_ack *extack)
{
	const struct nlattr *rules = tb[KUBENF_POL_A_RULES], *pos;
	u32 n_peers, n_ports, peer_off = 0, port_off = 0, i = 0;
	struct kubenf_pol_spec *spec;
	int n, rem, ret;

	n = kubenf_array_len(rules, KUBENF_MAX_POLICY_RULES, extack);
	if (n < 0)
		return ERR_PTR(n);
	ret = kubenf_rules_count(rules, &n_peers, &n_ports, extack);
	if (ret)
		return ERR_PTR(ret);

	spec = kvzalloc(struct_size(spec, rules, n), KUBENF_GFP);
	if (!spec)
		return ERR_PTR(-ENOMEM);
	refcount_set(&spec->ref, 1);
	spec->n_rules = n;
	spec->dir = nla_get_u8(tb[KUBENF_POL_A_DIR]);
	spec->peers = kvcalloc(n_peers ?: 1, sizeof(u32), KUBENF_GFP);
	spec->refs = kvcalloc(n_peers ?: 1, sizeof(u32), KUBENF_GFP);
	spec->ports = kvcalloc(n_ports ?: 1, sizeof(*spec->ports),
			       KUBENF_GFP);
	spec->match = kvcalloc(n_ports ?: 1, sizeof(*spec->match),
			       KUBENF_GFP);
	spec->name = kstrdup(tb[KUBENF_POL_A_NAME] ?
			     nla_data(tb[KUBENF_POL_A_NAME]) : "",
			     KUBENF_GFP);
	if (!spec->peers || !spec->refs || !spec->ports || !spec->match ||
	    !spec->name) {
		ret = -ENOMEM;
		goto err;
	}

	if (rules) {
		nla_for_each_nested(pos, rules, rem) {
			ret = kubenf_rule_parse(spec, i++, pos, &peer_off,
						&port_off, extack);
			if (ret)
				goto err;
		}
	}

	/* The distinct peersets, for reference checks and recompilation. */
	memcpy(spec->refs, spec->peers, peer_off * sizeof(u32));
	sort(spec->refs, peer_off, sizeof(u32), kubenf_u32_cmp, NULL);
	for (i = 0; i < peer_off; i++)
		if (!spec->n_refs || spec->refs[spec->n_refs - 1] != spec->refs[i])
			spec->refs[spec->n_refs++] = spec->refs[i];
	return spec;

err:
	kubenf_pol_spec_put(spec);
	return ERR_PTR(ret);
}

int kubenf_policy_set(struct kubenf_net *kn, struct kubenf_txn *txn,
		      const struct nlattr *nest,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_POL_A_MAX + 1];
	struct kubenf_pol_spec *spec;
	struct kubenf_policy *pol;
	int ret;

	lockdep_assert_held(&kn->lock);
	ret = nla_parse_nested(tb, KUBENF_POL_A_MAX, nest, kubenf_pol_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[KUBENF_POL_A_ID] || !tb[KUBENF_POL_A_DIR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "policy needs ID and DIR");
		return -EINVAL;
	}
	/* Counting what the transaction already adds and deletes. */
	if (kubenf_txn_over_limit(kn, txn, KUBENF_KIND_POLICY,
				  nla_get_u32(tb[KUBENF_POL_A_ID]),
				  kn->counts.policies, KUBENF_MAX_POLICIES)) {
		NL_SET_ERR_MSG(extack, "too many policies");
		return -ENOSPC;
	}

	spec = kubenf_pol_spec_parse(tb, extack);
	if (IS_ERR(spec))
		return PTR_ERR(spec);
	pol = kzalloc(sizeof(*pol), KUBENF_GFP);
	if (!pol) {
		kubenf_pol_spec_put(spec);
		return -ENOMEM;
	}
	pol->spec = spec;
	kubenf_obj_init(kn, &pol->obj, KUBENF_KIND_POLICY,
			nla_get_u32(tb[KUBENF_POL_A_ID]));
	ret = kubenf_policy_link(kn, pol);
	if (ret) {
		kubenf_obj_discard(kn, &pol->obj);
		return ret;
	}
	return kubenf_txn_stage_set(kn, txn, &pol->obj);
}

const struct kubenf_policy *kubenf_policy_get(struct kubenf_net *kn,
					      struct kubenf_txn *txn, u32 id)
{
	struct kubenf_obj *obj;

	obj = kubenf_txn_lookup(kn, txn, KUBENF_KIND_POLICY, id);
	return obj ? kubenf_policy(obj) : NULL;
}

static int kubenf_port_put(struct sk_buff *skb, int type,
			   const struct kubenf_port_range *p)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, KUBENF_PORT_A_PROTO, p->proto) ||
	    (p->first &&
	     (nla_put_u16(skb, KUBENF_PORT_A_FIRST, p->first) ||
	      nla_put_u16(skb, KUBENF_PORT_A_LAST, p->last)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int kubenf_rule_put(struct sk_buff *skb, int type,
			   const struct kubenf_pol_spec *spec,
			   const struct kubenf_rule *r)
{
	struct nlattr *nest, *arr;
	u32 i;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (r->n_peers &&
	    kubenf_put_id_array(skb, KUBENF_RULE_A_PEERS,
				spec->peers + r->peer_off, r->n_peers))
		goto cancel;
	if (r->n_ports) {
		arr = nla_nest_start(skb, KUBENF_RULE_A_PORTS);
		if (!arr)
			goto cancel;
		for (i = 0; i < r->n_ports; i++)
			if (kubenf_port_put(skb, i + 1,
					    &spec->ports[r->port_off + i]))
				goto cancel;
		nla_nest_end(skb, arr);
	}
	if (nla_put_u64_64bit(skb, KUBENF_RULE_A_CONNS,
			      atomic64_read(&r->conns), KUBENF_RULE_A_UNSPEC))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int kubenf_policy_put(struct sk_buff *skb, const struct kubenf_policy *pol,
		      u32 *next)
{
	const struct kubenf_pol_spec *spec = pol->spec;
	struct nlattr *nest, *arr;
	u32 first = *next, i;

	nest = nla_nest_start(skb, KUBENF_A_POLICY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KUBENF_POL_A_ID, pol->obj.id))
		goto cancel;
	/* A continuation message carries only the remaining rules. */
	if (!first && (nla_put_string(skb, KUBENF_POL_A_NAME, spec->name) ||
		       nla_put_u8(skb, KUBENF_POL_A_DIR, spec->dir)))
		goto cancel;

	arr = nla_nest_start(skb, KUBENF_POL_A_RULES);
	if (!arr)
		goto cancel;
	for (i = first; i < spec->n_rules; i++) {
		/* Elements keep their index across messages, from 1. */
		if (kubenf_rule_put(skb, i + 1, spec, &spec->rules[i])) {
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

const struct kubenf_policy *kubenf_policy_lookup(struct kubenf_net *kn,
						 u8 genmask, u32 id)
{
	const struct kubenf_policy *pol;
	struct rhlist_head *list, *pos;

	list = rhltable_lookup(&kn->policies, &id, kubenf_pol_params);
	rhl_for_each_entry_rcu(pol, pos, list, node)
		if (kubenf_obj_active(&pol->obj, genmask))
			return pol;
	return NULL;
}

int kubenf_policy_match(const struct kubenf_policy *pol, u8 family,
			const union nf_inet_addr *peer, u8 proto, u16 port)
{
	const struct kubenf_pol_spec *spec = pol->spec;
	const struct kubenf_pol_lookup *lk = pol->lk;
	const struct kubenf_lpm_node *n;
	unsigned long bits;
	u32 w, r;

	/* Compiled before it can be active; fail closed all the same. */
	if (WARN_ON_ONCE(!lk))
		return -1;
	n = kubenf_lpm_longest(lk, family, peer);
	for (w = 0; w < lk->nwords; w++) {
		bits = lk->any[w] | (n ? n->bm[w] : 0);
		while (bits) {
			r = w * BITS_PER_LONG + __ffs(bits);
			bits &= bits - 1;
			if (kubenf_rule_ports_match(spec, &spec->rules[r], proto,
						    port))
				return r;
		}
	}
	return -1;
}
