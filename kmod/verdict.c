// SPDX-License-Identifier: GPL-2.0
/*
 * NetworkPolicy verdicts.
 *
 * The filter hook runs at FORWARD (pod traffic the node routes or, with
 * br_netfilter, bridges), LOCAL_IN (pod to node) and LOCAL_OUT (node to
 * pod), after Service DNAT. It judges only packets that create a conntrack
 * entry (IP_CT_NEW): replies, ESTABLISHED and RELATED packets (ICMP errors,
 * expectations) belong to a connection judged when it began. A connection
 * needs the egress of its source pod and the ingress of its destination
 * pod; a pod not isolated in a direction allows everything in it, an
 * isolated one only what a rule of one of its policies allows (none: deny
 * all). The node's own traffic to a pod always passes (kubelet probes).
 *
 * Packets without a conntrack entry (untracked, or invalid to conntrack)
 * are judged one by one as if each opened a connection: failing closed,
 * except for the link's own ICMPv6 (neighbour and router discovery, MLD).
 * A TCP connection conntrack picks up without a SYN must be allowed both
 * ways (kubenf_tcp_midstream()).
 *
 * Per judged connection: two hash lookups for the pods, then per policy of
 * the pod in that direction one hash lookup by id and the compiled match
 * (policy.c): O(policies of the two pods x (prefix lengths + matching
 * rules)), independent of the number of pods, peers and entries.
 *
 * Everything runs under the RCU read lock the netfilter core holds around
 * hook functions, with the generation mask read once per packet, so one
 * packet sees one committed rule set. Counters are per CPU (drops, accepts)
 * or atomic per rule (allowed connections).
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/ratelimit.h>
#include <net/addrconf.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>

#include "netlink.h"
#include "netns.h"
#include "pod.h"
#include "policy.h"
#include "service.h"
#include "verdict.h"

static bool kubenf_proto_has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

/* A node address: configured, or (always) local to the namespace. */
static bool kubenf_from_node(struct kubenf_net *kn,
			     const struct kubenf_config *cfg, u8 family,
			     const union nf_inet_addr *src)
{
	u32 i;

	for (i = 0; cfg && i < cfg->n_node_addrs; i++)
		if (cfg->cidrs[i].family == family &&
		    nf_inet_addr_cmp(&cfg->cidrs[i].addr, src))
			return true;
	if (family == NFPROTO_IPV4)
		return inet_addr_type(kn->net, src->ip) == RTN_LOCAL;
	return ipv6_chk_addr(kn->net, &src->in6, NULL, 0);
}

/* One direction for @pod: its policies against @peer and the port. */
static void kubenf_judge_dir(struct kubenf_net *kn, u8 genmask,
			     const struct kubenf_pod *pod, enum kubenf_dir dir,
			     const struct kubenf_flow *f,
			     const union nf_inet_addr *peer,
			     struct kubenf_dir_verdict *d)
{
	const struct kubenf_policy *pol;
	u32 i;
	int r;

	d->pod = pod;
	if (!kubenf_pod_isolated(pod, dir)) {
		d->reason = KUBENF_REASON_NOT_ISOLATED;
		return;
	}
	for (i = 0; i < pod->n_pol[dir]; i++) {
		pol = kubenf_policy_lookup(kn, genmask, pod->pol[dir][i]);
		/* A commit rules both out; fail closed all the same. */
		if (!pol || pol->spec->dir != dir)
			continue;
		/* NetworkPolicy ports are destination ports either way. */
		r = kubenf_policy_match(pol, f->family, peer, f->proto,
					ntohs(f->dport));
		if (r >= 0) {
			d->pol = pol;
			d->rule = r;
			d->reason = KUBENF_REASON_ALLOWED_RULE;
			return;
		}
	}
	d->reason = dir == KUBENF_DIR_INGRESS ? KUBENF_REASON_DENY_INGRESS :
						KUBENF_REASON_DENY_EGRESS;
}

static bool kubenf_dir_denies(const struct kubenf_dir_verdict *d)
{
	return d->reason == KUBENF_REASON_DENY_INGRESS ||
	       d->reason == KUBENF_REASON_DENY_EGRESS ||
	       d->reason == KUBENF_REASON_UNKNOWN_POD;
}

/* Which direction explains the outcome: a denial, else an allowing rule. */
static void kubenf_verdict_decide(struct kubenf_verdict *v)
{
	const struct kubenf_dir_verdict *in = &v->dir[KUBENF_DIR_INGRESS];
	const struct kubenf_dir_verdict *eg = &v->dir[KUBENF_DIR_EGRESS];

	if (kubenf_dir_denies(eg))
		v->decided = KUBENF_DIR_EGRESS;
	else if (kubenf_dir_denies(in))
		v->decided = KUBENF_DIR_INGRESS;
	else if (in->reason == KUBENF_REASON_ALLOWED_RULE)
		v->decided = KUBENF_DIR_INGRESS;
	else if (eg->reason == KUBENF_REASON_ALLOWED_RULE)
		v->decided = KUBENF_DIR_EGRESS;
	else if (in->pod)
		v->decided = KUBENF_DIR_INGRESS;
	else if (eg->pod)
		v->decided = KUBENF_DIR_EGRESS;
	else
		v->decided = -1;
	v->reason = v->decided < 0 ? KUBENF_REASON_NONE :
				     v->dir[v->decided].reason;
	v->accept = !kubenf_dir_denies(eg) && !kubenf_dir_denies(in);
}

/*
 * An address of this node's pod CIDRs that is no pod the namespace holds:
 * a pod whose rules the agent has not sent yet, which must not be open
 * meanwhile. Local addresses (the pods' gateway) and broadcasts are the
 * node's own.
 */
static bool kubenf_unknown_pod(struct kubenf_net *kn,
			       const struct kubenf_config *cfg, u8 family,
			       const union nf_inet_addr *addr)
{
	if (!cfg || !cfg->n_pod_cidrs ||
	    !kubenf_cidrs_match(kubenf_cfg_pod_cidrs(cfg), cfg->n_pod_cidrs,
				family, addr))
		return false;
	if (family == NFPROTO_IPV4)
		return inet_addr_type(kn->net, addr->ip) == RTN_UNICAST;
	return !ipv6_chk_addr(kn->net, &addr->in6, NULL, 0);
}

void kubenf_verdict_judge(struct kubenf_net *kn, u8 genmask,
			  const struct kubenf_config *cfg,
			  const struct kubenf_flow *f, bool from_node,
			  struct kubenf_verdict *v)
{
	struct kubenf_dir_verdict *in = &v->dir[KUBENF_DIR_INGRESS];
	struct kubenf_dir_verdict *eg = &v->dir[KUBENF_DIR_EGRESS];
	const struct kubenf_pod *src, *dst;

	memset(v, 0, sizeof(*v));
	dst = kubenf_pod_lookup(kn, genmask, f->family, &f->dst);
	src = from_node ? NULL :
	      kubenf_pod_lookup(kn, genmask, f->family, &f->src);

	if (src)
		kubenf_judge_dir(kn, genmask, src, KUBENF_DIR_EGRESS, f,
				 &f->dst, eg);
	else if (!from_node && kubenf_unknown_pod(kn, cfg, f->family, &f->src))
		eg->reason = KUBENF_REASON_UNKNOWN_POD;
	if (!dst && !from_node && !kubenf_dir_denies(eg) &&
	    kubenf_unknown_pod(kn, cfg, f->family, &f->dst) &&
	    !(!src && kubenf_from_node(kn, cfg, f->family, &f->src)))
		in->reason = KUBENF_REASON_UNKNOWN_POD;
	if (dst && !kubenf_dir_denies(eg)) {
		if (from_node ||
		    (!src && kubenf_from_node(kn, cfg, f->family, &f->src))) {
			in->pod = dst;
			in->reason = KUBENF_REASON_FROM_NODE;
		} else {
			kubenf_judge_dir(kn, genmask, dst, KUBENF_DIR_INGRESS,
					 f, &f->src, in);
		}
	}
	kubenf_verdict_decide(v);
}

static void kubenf_flow_from_ct(const struct nf_conn *ct,
				struct kubenf_flow *f)
{
	const struct nf_conntrack_tuple *o, *r;

	o = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	memset(f, 0, sizeof(*f));
	f->family = o->src.l3num;
	f->proto = o->dst.protonum;
	f->src = o->src.u3;
	/* The reply comes from the destination after DNAT. */
	f->dst = r->src.u3;
	if (kubenf_proto_has_ports(f->proto)) {
		f->sport = o->src.u.all;
		f->dport = r->src.u.all;
	}
}

/*
 * A packet conntrack does not track (untracked, invalid), alone. Returns
 * the transport header offset, or -1 without one.
 */
static int kubenf_flow_from_skb(const struct sk_buff *skb, u8 pf,
				struct kubenf_flow *f)
{
	__be16 _ports[2];
	const __be16 *ports;
	int thoff = -1;

	memset(f, 0, sizeof(*f));
	f->family = pf;
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		f->src.ip = iph->saddr;
		f->dst.ip = iph->daddr;
		f->proto = iph->protocol;
		if (!(iph->frag_off & htons(IP_OFFSET)))
			thoff = skb_network_offset(skb) + iph->ihl * 4;
	} else {
		unsigned short frag_off = 0;
		unsigned int off = 0;
		int proto;

		f->src.in6 = ipv6_hdr(skb)->saddr;
		f->dst.in6 = ipv6_hdr(skb)->daddr;
		proto = ipv6_find_hdr(skb, &off, -1, &frag_off, NULL);
		/* Unparsable: a protocol that no port rule matches. */
		f->proto = proto < 0 ? IPPROTO_RAW : proto;
		if (proto >= 0 && !frag_off)
			thoff = off;
	}
	if (thoff < 0 || !kubenf_proto_has_ports(f->proto))
		return thoff;
	ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
	if (ports) {
		f->sport = ports[0];
		f->dport = ports[1];
	}
	return thoff;
}

/*
 * A forwarded ICMP error that conntrack could relate to no connection (it
 * would be RELATED otherwise): forged or stale, e.g. claiming to come from
 * a Service address for a connection this node never translated. A NAT
 * that finds no mapping for an error drops it (RFC 5508 REQ-5), as does
 * kube-proxy's ctstate INVALID rule. Untracked packets are someone's
 * explicit choice and pass; the node's own errors are not looked at (its
 * rejects relate to entries that were never confirmed).
 */
static bool kubenf_icmp_orphan(const struct sk_buff *skb,
			       const struct nf_hook_state *state,
			       enum ip_conntrack_info ctinfo,
			       const struct kubenf_flow *f, int thoff)
{
	u8 _type;
	const u8 *type;

	if (state->hook != NF_INET_FORWARD || ctinfo == IP_CT_UNTRACKED ||
	    thoff < 0 ||
	    (f->proto != IPPROTO_ICMP && f->proto != IPPROTO_ICMPV6))
		return false;
	type = skb_header_pointer(skb, thoff, sizeof(_type), &_type);
	if (!type)
		return false;
	return f->proto == IPPROTO_ICMP ? icmp_is_err(*type) :
					  icmpv6_is_err(*type);
}

/*
 * The link's own ICMPv6 machinery: MLD, router and neighbour discovery,
 * redirects. Conntrack never tracks them (only echo and node information
 * queries create entries), and they are no connection a NetworkPolicy
 * speaks of: judged as one, an egress-isolated pod could not resolve its
 * gateway once its neighbour cache expired.
 */
static bool kubenf_icmpv6_link(const struct sk_buff *skb, int thoff)
{
	u8 _type;
	const u8 *type;

	type = skb_header_pointer(skb, thoff, sizeof(_type), &_type);
	if (!type)
		return false;
	switch (*type) {
	case ICMPV6_MGM_QUERY:
	case ICMPV6_MGM_REPORT:
	case ICMPV6_MGM_REDUCTION:
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
	case NDISC_REDIRECT:
	case ICMPV6_MLD2_REPORT:
		return true;
	}
	return false;
}

static int kubenf_flow_put(struct sk_buff *skb, const struct kubenf_flow *f)
{
	if (f->family == NFPROTO_IPV4 ?
	    nla_put_in_addr(skb, KUBENF_FLOW_A_SRC4, f->src.ip) ||
	    nla_put_in_addr(skb, KUBENF_FLOW_A_DST4, f->dst.ip) :
	    nla_put_in6_addr(skb, KUBENF_FLOW_A_SRC6, &f->src.in6) ||
	    nla_put_in6_addr(skb, KUBENF_FLOW_A_DST6, &f->dst.in6))
		return -EMSGSIZE;
	if (nla_put_u8(skb, KUBENF_FLOW_A_PROTO, f->proto) ||
	    nla_put_u16(skb, KUBENF_FLOW_A_SPORT, ntohs(f->sport)) ||
	    nla_put_u16(skb, KUBENF_FLOW_A_DPORT, ntohs(f->dport)))
		return -EMSGSIZE;
	return 0;
}

/* FLOW { SRC, DST, PROTO, SPORT, DPORT, DIR, POD_ID, REASON } */
static size_t kubenf_event_size(void)
{
	return nla_total_size(0) +
	       2 * nla_total_size(sizeof(struct in6_addr)) +
	       3 * nla_total_size(sizeof(u8)) +
	       2 * nla_total_size(sizeof(u16)) + nla_total_size(sizeof(u32));
}

/*
 * KUBENF_CMD_EVENT_DENY on the events group, when someone listens in this
 * namespace: rate-limited per namespace (KUBENF_EVENT_BURST a second);
 * events over the limit or without memory are counted as suppressed.
 */
static void kubenf_verdict_event(struct kubenf_net *kn,
				 const struct kubenf_flow *f,
				 const struct kubenf_verdict *v)
{
	const struct kubenf_dir_verdict *d = &v->dir[v->decided];
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	if (!kubenf_genl_has_listeners(kn->net))
		return;
	if (!__ratelimit(&kn->deny_events))
		goto suppressed;
	skb = genlmsg_new(kubenf_event_size(), GFP_ATOMIC);
	if (!skb)
		goto suppressed;
	hdr = kubenf_genl_event_put(skb, KUBENF_CMD_EVENT_DENY);
	if (!hdr)
		goto err;
	nest = nla_nest_start(skb, KUBENF_A_FLOW);
	if (!nest || kubenf_flow_put(skb, f) ||
	    nla_put_u8(skb, KUBENF_FLOW_A_DIR, v->decided) ||
	    (d->pod && nla_put_u32(skb, KUBENF_FLOW_A_POD_ID, d->pod->obj.id)) ||
	    nla_put_u8(skb, KUBENF_FLOW_A_REASON, v->reason))
		goto err;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	kubenf_genl_event_send(kn->net, skb);
	return;

err:
	nlmsg_free(skb);
suppressed:
	this_cpu_inc(kn->stats->events_suppressed);
}

/* A new connection was allowed: count it per rule and per reason. */
static void kubenf_verdict_count(struct kubenf_net *kn,
				 const struct kubenf_verdict *v)
{
	const struct kubenf_dir_verdict *d;
	int dir;

	for (dir = 0; dir < __KUBENF_DIR_MAX; dir++) {
		d = &v->dir[dir];
		if (d->pol)
			atomic64_inc(&d->pol->spec->rules[d->rule].conns);
	}
	if (v->reason != KUBENF_REASON_NONE)
		this_cpu_inc(kn->stats->accepts[v->reason]);
}

/*
 * Conntrack picked this TCP connection up in the middle (tcp_loose: no
 * SYN), e.g. after a policy cut or a conntrack flush. Who opened it is
 * unknown, so both orientations must be allowed; otherwise the side whose
 * ingress denies could be reached again through "replies".
 */
static bool kubenf_tcp_midstream(const struct nf_conn *ct)
{
	return READ_ONCE(ct->proto.tcp.state) != TCP_CONNTRACK_SYN_SENT;
}

static void kubenf_flow_reverse(const struct kubenf_flow *f,
				struct kubenf_flow *r)
{
	*r = *f;
	r->src = f->dst;
	r->dst = f->src;
	r->sport = f->dport;
	r->dport = f->sport;
}

unsigned int kubenf_verdict_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct kubenf_net *kn = kubenf_net(state->net);
	bool from_node = state->hook == NF_INET_LOCAL_OUT;
	const struct kubenf_config *cfg;
	enum ip_conntrack_info ctinfo;
	struct kubenf_verdict v, rv;
	struct kubenf_flow f, r;
	struct nf_conn *ct;
	bool first = true;
	u8 genmask;
	int thoff;

	ct = nf_ct_get(skb, &ctinfo);
	if (ct) {
		if (ctinfo != IP_CT_NEW)
			return NF_ACCEPT;
		kubenf_flow_from_ct(ct, &f);
		/* Retransmissions before the first reply are NEW too. */
		first = !nf_ct_is_confirmed(ct);
	} else {
		/* Untracked or invalid: judged packet by packet. */
		thoff = kubenf_flow_from_skb(skb, state->pf, &f);
		if (kubenf_icmp_orphan(skb, state, ctinfo, &f, thoff)) {
			kubenf_count_drop(kn, KUBENF_REASON_ICMP_NO_CONN);
			return NF_DROP;
		}
		if (f.proto == IPPROTO_ICMPV6 && thoff >= 0 &&
		    kubenf_icmpv6_link(skb, thoff))
			return NF_ACCEPT;
	}

	/* The netfilter core holds the RCU read lock around hooks. */
	genmask = kubenf_genmask_cur(kn);
	cfg = rcu_dereference(kn->config);
	kubenf_verdict_judge(kn, genmask, cfg, &f, from_node, &v);
	if (v.accept && ct && f.proto == IPPROTO_TCP && !from_node &&
	    kubenf_tcp_midstream(ct)) {
		kubenf_flow_reverse(&f, &r);
		kubenf_verdict_judge(kn, genmask, cfg, &r, false, &rv);
		if (!rv.accept)
			v = rv;
	}

	if (!v.accept) {
		kubenf_count_drop(kn, v.reason);
		kubenf_verdict_event(kn, &f, &v);
		return NF_DROP;
	}
	if (first)
		kubenf_verdict_count(kn, &v);
	return NF_ACCEPT;
}

/*
 * State of one KUBENF_CFG_F_POLICY_CUT pass. kn->lock is held throughout,
 * so the configuration and the generation cannot change under it.
 */
struct kubenf_cut {
	struct kubenf_net *kn;
	const struct kubenf_config *cfg;
	u8 genmask;
};

static int kubenf_verdict_cut_iter(struct nf_conn *ct, void *data)
{
	const struct kubenf_cut *c = data;
	struct kubenf_verdict v;
	struct kubenf_flow f;

	kubenf_flow_from_ct(ct, &f);
	rcu_read_lock();
	kubenf_verdict_judge(c->kn, c->genmask, c->cfg, &f, false, &v);
	rcu_read_unlock();
	return !v.accept;
}

/*
 * Re-judges the original tuple of every conntrack entry of the namespace
 * with the rules now committed, and deletes those denied: O(conntrack
 * entries), once per settled commit that changed policy objects. The next
 * packet of a deleted connection is judged as a new one (see
 * kubenf_tcp_midstream()).
 */
void kubenf_verdict_settled(struct kubenf_net *kn)
{
	struct kubenf_cut c = {
		.kn	= kn,
		.cfg	= kubenf_netns_config(kn),
	};
	struct nf_ct_iter_data iter = {
		.net	= kn->net,
		.data	= &c,
	};

	lockdep_assert_held(&kn->lock);
	if (!kn->policy_changed)
		return;
	kn->policy_changed = false;
	/* Without hooks there is no conntrack to clean in this namespace. */
	if (!kn->hooks_active || !c.cfg ||
	    !(c.cfg->flags & KUBENF_CFG_F_POLICY_CUT))
		return;
	c.genmask = kubenf_genmask_cur(kn);
	nf_ct_iterate_cleanup_net(kubenf_verdict_cut_iter, &iter);
}

int kubenf_flow_parse(const struct nlattr *nest, struct kubenf_flow *f,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_FLOW_A_MAX + 1];
	struct nlattr *s4, *s6, *d4, *d6;
	int ret;

	ret = nla_parse_nested(tb, KUBENF_FLOW_A_MAX, nest, kubenf_flow_policy,
			       extack);
	if (ret)
		return ret;
	s4 = tb[KUBENF_FLOW_A_SRC4];
	s6 = tb[KUBENF_FLOW_A_SRC6];
	d4 = tb[KUBENF_FLOW_A_DST4];
	d6 = tb[KUBENF_FLOW_A_DST6];
	if (!!s4 == !!s6 || !!d4 == !!d6 || !tb[KUBENF_FLOW_A_PROTO]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "flow needs one source, one destination and PROTO");
		return -EINVAL;
	}
	if (!!s4 != !!d4) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "source and destination of different families");
		return -EAFNOSUPPORT;
	}
	memset(f, 0, sizeof(*f));
	if (s4) {
		f->family = NFPROTO_IPV4;
		f->src.ip = nla_get_in_addr(s4);
		f->dst.ip = nla_get_in_addr(d4);
	} else {
		f->family = NFPROTO_IPV6;
		f->src.in6 = nla_get_in6_addr(s6);
		f->dst.in6 = nla_get_in6_addr(d6);
	}
	f->proto = nla_get_u8(tb[KUBENF_FLOW_A_PROTO]);
	if (kubenf_proto_has_ports(f->proto)) {
		if (tb[KUBENF_FLOW_A_SPORT])
			f->sport = htons(nla_get_u16(tb[KUBENF_FLOW_A_SPORT]));
		if (tb[KUBENF_FLOW_A_DPORT])
			f->dport = htons(nla_get_u16(tb[KUBENF_FLOW_A_DPORT]));
	}
	return 0;
}

/* Service translation as the NAT lookup would do it, for EXPLAIN. */
static u8 kubenf_explain_service(struct kubenf_net *kn, u8 genmask,
				 const struct kubenf_config *cfg,
				 struct kubenf_flow *f, u32 *svc_id,
				 const struct kubenf_be **be)
{
	const struct kubenf_fe *fe;
	bool external;

	if (!kubenf_proto_has_ports(f->proto))
		return KUBENF_REASON_NONE;
	fe = kubenf_fe_lookup(kn, genmask, cfg, f->family, &f->dst, f->proto,
			      f->dport);
	if (!fe)
		return kubenf_is_cluster_ip(kn, genmask, f->family, &f->dst) ?
		       KUBENF_REASON_NO_SERVICE_PORT : KUBENF_REASON_NONE;
	*svc_id = fe->svc->obj.id;
	if (fe->kind == KUBENF_FE_LOAD_BALANCER && fe->svc->n_ranges &&
	    !kubenf_cidrs_match(fe->svc->ranges, fe->svc->n_ranges, f->family,
				&f->src))
		return KUBENF_REASON_SOURCE_RANGE;
	/* As nat.c decides it; ClientIP affinity is not consulted. */
	external = fe->kind != KUBENF_FE_CLUSTER_IP &&
		   !(cfg && kubenf_cidrs_match(kubenf_cfg_cluster_cidrs(cfg),
					       cfg->n_cluster_cidrs, f->family,
					       &f->src));
	*be = kubenf_svc_pick(fe, external);
	if (!*be)
		return KUBENF_REASON_NO_ENDPOINT;
	f->dst = (*be)->addr;
	f->dport = (*be)->port;
	return KUBENF_REASON_NONE;
}

static int kubenf_verdict_put(struct sk_buff *skb,
			      const struct kubenf_verdict *v, u32 svc_id,
			      const struct kubenf_be *be)
{
	const struct kubenf_dir_verdict *d;
	struct nlattr *nest;

	nest = nla_nest_start(skb, KUBENF_A_VERDICT);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, KUBENF_VERDICT_A_ACCEPT, v->accept) ||
	    nla_put_u8(skb, KUBENF_VERDICT_A_REASON, v->reason))
		goto cancel;
	if (svc_id && nla_put_u32(skb, KUBENF_VERDICT_A_SVC_ID, svc_id))
		goto cancel;
	if (be && (be->family == NFPROTO_IPV4 ?
		   nla_put_in_addr(skb, KUBENF_VERDICT_A_BE_DST4, be->addr.ip) :
		   nla_put_in6_addr(skb, KUBENF_VERDICT_A_BE_DST6,
				    &be->addr.in6)))
		goto cancel;
	if (be && nla_put_u16(skb, KUBENF_VERDICT_A_BE_PORT, ntohs(be->port)))
		goto cancel;
	if (v->decided >= 0) {
		d = &v->dir[v->decided];
		if (nla_put_u8(skb, KUBENF_VERDICT_A_DIR, v->decided) ||
		    (d->pod &&
		     nla_put_u32(skb, KUBENF_VERDICT_A_POD_ID, d->pod->obj.id)))
			goto cancel;
		if (d->pol &&
		    (nla_put_u32(skb, KUBENF_VERDICT_A_POLICY_ID,
				 d->pol->obj.id) ||
		     nla_put_u32(skb, KUBENF_VERDICT_A_RULE, d->rule)))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int kubenf_verdict_explain(struct kubenf_net *kn, const struct kubenf_flow *req,
			   struct sk_buff *skb)
{
	const struct kubenf_config *cfg;
	const struct kubenf_be *be = NULL;
	struct kubenf_flow f = *req;
	struct kubenf_verdict v;
	u32 svc_id = 0;
	u8 genmask, reason;
	int ret;

	rcu_read_lock();
	genmask = kubenf_genmask_cur(kn);
	cfg = rcu_dereference(kn->config);
	reason = kubenf_explain_service(kn, genmask, cfg, &f, &svc_id, &be);
	if (reason != KUBENF_REASON_NONE) {
		memset(&v, 0, sizeof(v));
		v.reason = reason;
		v.decided = -1;
	} else {
		kubenf_verdict_judge(kn, genmask, cfg, &f, false, &v);
	}
	ret = kubenf_verdict_put(skb, &v, svc_id, be);
	rcu_read_unlock();
	return ret;
}

void kubenf_verdict_init(struct kubenf_net *kn)
{
	ratelimit_state_init(&kn->deny_events, HZ, KUBENF_EVENT_BURST);
	/* Suppressed events are our own counter, not a log line. */
	ratelimit_set_flags(&kn->deny_events, RATELIMIT_MSG_ON_RELEASE);
}
