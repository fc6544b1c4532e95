/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policies: the compiled NetworkPolicy rules of one direction, as rules of
 * (peersets or any peer) x (port ranges or any port). Each policy version
 * carries a lookup built from the entries of the peersets it references, so
 * that matching a peer costs one hash probe per distinct prefix length of
 * the policy, independent of the number of rules, peersets and entries.
 */
#ifndef _KUBENF_POLICY_H
#define _KUBENF_POLICY_H

#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

#include "txn.h"

struct kubenf_net;
struct kubenf_txn;
struct netlink_ext_ack;
struct nlattr;
struct sk_buff;

#define KUBENF_MAX_POLICIES		BIT(16)	/* per namespace */
#define KUBENF_MAX_RULES		BIT(20)	/* of all policies of a namespace */
#define KUBENF_MAX_POLICY_RULES		256
#define KUBENF_MAX_RULE_PEERS		128
#define KUBENF_MAX_RULE_PORTS		64
/* Prefixes (entries plus exceptions of the referenced peersets). */
#define KUBENF_MAX_POLICY_PREFIXES	BIT(20)

/* Ports in host order; a range 0-65535 stands for "every port". */
struct kubenf_port_range {
	u16 first;
	u16 last;
	u8 proto;
};

/*
 * One rule, immutable but for @conns, which the packet path increments
 * (atomically, from any CPU) for each new connection the rule allowed.
 */
struct kubenf_rule {
	u32 peer_off, n_peers;		/* spec->peers; none: any peer */
	u32 port_off, n_ports;		/* spec->ports, as given; none: any */
	u32 match_off, n_match;		/* spec->match: sorted, merged */
	atomic64_t conns;		/* new connections it allowed */
};

/*
 * What one POLICY_SET said, immutable. Shared, with a reference each, by the
 * versions of the policy that recompilation creates when a peerset changes,
 * so the rule counters survive it; a new POLICY_SET starts from zero.
 */
struct kubenf_pol_spec {
	refcount_t ref;
	u8 dir;				/* enum kubenf_dir */
	u32 n_rules;
	u32 n_refs;
	u32 *refs;			/* peerset ids, sorted, unique */
	u32 *peers;
	struct kubenf_port_range *ports;
	struct kubenf_port_range *match;
	char *name;
	struct kubenf_rule rules[];
};

struct kubenf_pol_lookup;

/*
 * One version of a policy. Linked into kn->policies (an rhltable by id that
 * the packet path reads under RCU, skipping versions inactive in its
 * generation) while staged; ->lk is built at commit before the version can
 * become active (the generation flip's release store publishes it) and
 * never changes after.
 */
struct kubenf_policy {
	struct kubenf_obj obj;
	struct rhlist_head node;	/* kn->policies, key obj.id */
	bool linked;			/* under kn->lock */
	struct kubenf_pol_spec *spec;
	struct kubenf_pol_lookup *lk;
};

static inline struct kubenf_policy *kubenf_policy(struct kubenf_obj *obj)
{
	return container_of(obj, struct kubenf_policy, obj);
}

int kubenf_policy_tables_init(struct kubenf_net *kn);
void kubenf_policy_tables_destroy(struct kubenf_net *kn);

/*
 * Builds a policy from a validated KUBENF_A_POLICY nest and stages it in
 * @txn; its lookup is compiled when @txn commits, against the peersets the
 * namespace holds then. Caller holds kn->lock.
 */
int kubenf_policy_set(struct kubenf_net *kn, struct kubenf_txn *txn,
		      const struct nlattr *nest,
		      struct netlink_ext_ack *extack);

/*
 * The policy @id as the namespace holds it once @txn commits (@txn may be
 * NULL), or NULL. Caller holds kn->lock.
 */
const struct kubenf_policy *kubenf_policy_get(struct kubenf_net *kn,
					      struct kubenf_txn *txn, u32 id);

/*
 * Writes @pol as a KUBENF_A_POLICY nest from rule *@next on, with the rule
 * counters; same contract as kubenf_peerset_put() (continuations carry ID
 * and RULES only).
 */
int kubenf_policy_put(struct sk_buff *skb, const struct kubenf_policy *pol,
		      u32 *next);

/*
 * Packet path, under RCU: the version of policy @id active in @genmask, and
 * the index of the first rule of @pol that allows @peer on @proto/@port
 * (host order; 0 for protocols without ports), or -1.
 */
const struct kubenf_policy *kubenf_policy_lookup(struct kubenf_net *kn,
						 u8 genmask, u32 id);
int kubenf_policy_match(const struct kubenf_policy *pol, u8 family,
			const union nf_inet_addr *peer, u8 proto, u16 port);

/* sort() order of u32 ids. */
int kubenf_u32_cmp(const void *a, const void *b);

/*
 * Nested arrays of non-zero u32 ids (rule peers, pod policy lists). Parse
 * returns the number of ids stored in @out (sized by kubenf_array_len()).
 */
int kubenf_id_array_parse(const struct nlattr *array, u32 *out,
			  struct netlink_ext_ack *extack);
int kubenf_put_id_array(struct sk_buff *skb, int type, const u32 *ids,
			u32 n);

/*
 * Names the object a commit failed on in the extack cookie, as a u32 in
 * host order: checks at commit time have no attribute to point at, and the
 * oldest supported kernel has no formatted extack messages.
 */
static inline void kubenf_extack_id(struct netlink_ext_ack *extack, u32 id)
{
	if (!extack)
		return;
	memcpy(extack->cookie, &id, sizeof(id));
	extack->cookie_len = sizeof(id);
}

extern const struct kubenf_kind_ops kubenf_policy_ops;

#endif /* _KUBENF_POLICY_H */
