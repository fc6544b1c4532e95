// SPDX-License-Identifier: GPL-2.0
/*
 * Service translation through the kernel's NAT core. The NAT core calls
 * these functions, under the RCU read lock, for the first packet of a
 * connection that has no binding yet for the manipulation type of the hook;
 * they set the binding on the conntrack entry with nf_nat_setup_info() and
 * the core rewrites this and every later packet of the connection (replies,
 * ICMP errors carrying it, and so on).
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_reject.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_nat.h>
#include <net/netfilter/nf_nat_masquerade.h>

#include "affinity.h"
#include "nat.h"
#include "netns.h"
#include "service.h"

/*
 * Refuses a new connection the way kube-proxy's reject rules do: a TCP reset
 * or an ICMP port unreachable, so clients fail at once instead of timing out.
 *
 * A datagram the node itself sends is refused through the sender's own
 * system call instead: a plain drop at LOCAL_OUT fails sendmsg() with EPERM
 * before any ICMP error could reach the socket, and an unconnected socket
 * never sees one. Dropping with ECONNREFUSED gives the error a client of a
 * refused port expects, at once.
 */
static unsigned int kubenf_reject(struct kubenf_net *kn, struct sk_buff *skb,
				  const struct nf_hook_state *state, u8 proto,
				  enum kubenf_reason reason)
{
	kubenf_count_drop(kn, reason);
	if (state->hook == NF_INET_LOCAL_OUT && proto == IPPROTO_UDP)
		return NF_DROP_ERR(-ECONNREFUSED);
	if (state->pf == NFPROTO_IPV4) {
		if (proto == IPPROTO_TCP)
			nf_send_reset(state->net, state->sk, skb, state->hook);
		else
			nf_send_unreach(skb, ICMP_PORT_UNREACH, state->hook);
	} else {
		if (proto == IPPROTO_TCP)
			nf_send_reset6(state->net, state->sk, skb, state->hook);
		else
			nf_send_unreach6(state->net, skb, ICMPV6_PORT_UNREACH,
					 state->hook);
	}
	return NF_DROP;
}

/*
 * Traffic to a node port, external IP or load balancer from outside the
 * cluster follows externalTrafficPolicy. Traffic from the node itself or
 * from inside the cluster CIDRs follows the cluster path, as kube-proxy's
 * short-circuit rules do.
 */
static bool kubenf_is_external(const struct kubenf_config *cfg,
			       const struct kubenf_fe *fe,
			       const struct nf_hook_state *state,
			       const struct nf_conntrack_tuple *t)
{
	if (fe->kind == KUBENF_FE_CLUSTER_IP ||
	    state->hook == NF_INET_LOCAL_OUT)
		return false;
	return !(cfg && kubenf_cidrs_match(kubenf_cfg_cluster_cidrs(cfg),
					   cfg->n_cluster_cidrs, t->src.l3num,
					   &t->src.u3));
}

static bool kubenf_proto_ok(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

unsigned int kubenf_nat_dnat(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct kubenf_net *kn = kubenf_net(state->net);
	const struct nf_conntrack_tuple *t;
	const struct kubenf_config *cfg;
	enum ip_conntrack_info ctinfo;
	struct nf_nat_range2 range;
	const struct kubenf_fe *fe;
	struct kubenf_svc *svc;
	struct kubenf_be *be;
	struct nf_conn *ct;
	bool external;
	u8 genmask;

	ct = nf_ct_get(skb, &ctinfo);
	/* RELATED entries (ICMP errors, expectations) follow their master. */
	if (!ct || ctinfo != IP_CT_NEW)
		return NF_ACCEPT;
	t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	if (!kubenf_proto_ok(t->dst.protonum))
		return NF_ACCEPT;

	genmask = kubenf_genmask_cur(kn);
	cfg = rcu_dereference(kn->config);
	fe = kubenf_fe_lookup(kn, genmask, cfg, t->src.l3num, &t->dst.u3,
			      t->dst.protonum, t->dst.u.all);
	if (!fe) {
		if (kubenf_is_cluster_ip(kn, genmask, t->src.l3num,
					 &t->dst.u3))
			return kubenf_reject(kn, skb, state, t->dst.protonum,
					     KUBENF_REASON_NO_SERVICE_PORT);
		return NF_ACCEPT;
	}
	svc = fe->svc;

	if (fe->kind == KUBENF_FE_LOAD_BALANCER && svc->n_ranges &&
	    !kubenf_cidrs_match(svc->ranges, svc->n_ranges, t->src.l3num,
				&t->src.u3)) {
		kubenf_count_drop(kn, KUBENF_REASON_SOURCE_RANGE);
		return NF_DROP;
	}

	external = kubenf_is_external(cfg, fe, state, t);
	if (svc->affinity_timeout)
		be = kubenf_affinity_pick(kn, fe, &t->src.u3, external);
	else
		be = kubenf_svc_pick(fe, external);
	if (!be)
		return kubenf_reject(kn, skb, state, t->dst.protonum,
				     KUBENF_REASON_NO_ENDPOINT);

	memset(&range, 0, sizeof(range));
	range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
	range.min_addr = be->addr;
	range.max_addr = be->addr;
	range.min_proto.all = be->port;
	range.max_proto.all = be->port;
	atomic64_inc(&svc->conns);
	atomic64_inc(&be->conns);
	return nf_nat_setup_info(ct, &range, NF_NAT_MANIP_DST);
}

/*
 * Whether a translated connection needs its source rewritten, where
 * kube-proxy masquerades:
 * - hairpin: a backend reaching itself through its Service, whose reply
 *   would otherwise never come back through the node;
 * - a loopback source (a node port on localhost), which cannot leave the
 *   node;
 * - with KUBENF_CFG_F_MASQ_EXTERNAL, every connection to a node port,
 *   external IP or load balancer under the Cluster traffic policy, whoever
 *   the client is: the backend may sit behind another node or share a link
 *   with the client, and its reply must come back through this node to be
 *   translated back.
 * Decided from the conntrack tuples alone.
 */
static bool kubenf_needs_masq(const struct kubenf_config *cfg,
			      const struct kubenf_fe *fe,
			      const struct nf_conntrack_tuple *orig,
			      const struct nf_conntrack_tuple *reply)
{
	if (nf_inet_addr_cmp(&orig->src.u3, &reply->src.u3))
		return true;
	if (orig->src.l3num == NFPROTO_IPV4 ?
	    ipv4_is_loopback(orig->src.u3.ip) :
	    ipv6_addr_loopback(&orig->src.u3.in6))
		return true;
	return fe->kind != KUBENF_FE_CLUSTER_IP && cfg &&
	       (cfg->flags & KUBENF_CFG_F_MASQ_EXTERNAL) &&
	       !(fe->svc->flags & KUBENF_SVC_F_EXTERNAL_LOCAL);
}

unsigned int kubenf_nat_masq(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct kubenf_net *kn = kubenf_net(state->net);
	const struct nf_conntrack_tuple *orig;
	const struct kubenf_config *cfg;
	enum ip_conntrack_info ctinfo;
	struct nf_nat_range2 range;
	const struct kubenf_fe *fe;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || ctinfo != IP_CT_NEW || !(ct->status & IPS_DST_NAT))
		return NF_ACCEPT;
	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	if (!kubenf_proto_ok(orig->dst.protonum))
		return NF_ACCEPT;

	cfg = rcu_dereference(kn->config);
	fe = kubenf_fe_lookup(kn, kubenf_genmask_cur(kn), cfg,
			      orig->src.l3num, &orig->dst.u3,
			      orig->dst.protonum, orig->dst.u.all);
	if (!fe || !kubenf_needs_masq(cfg, fe, orig,
				      &ct->tuplehash[IP_CT_DIR_REPLY].tuple))
		return NF_ACCEPT;

	memset(&range, 0, sizeof(range));
	if (state->pf == NFPROTO_IPV4)
		return nf_nat_masquerade_ipv4(skb, state->hook, &range,
					      state->out);
	return nf_nat_masquerade_ipv6(skb, &range, state->out);
}
