/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy verdict: the filter hook, the judgement of one connection
 * (shared by the hook, EXPLAIN and the conntrack clean-up of
 * KUBENF_CFG_F_POLICY_CUT), and deny events.
 */
#ifndef _KUBENF_VERDICT_H
#define _KUBENF_VERDICT_H

#include <linux/netfilter.h>
#include <linux/types.h>

#include "uapi/linux/kubenf.h"

struct kubenf_config;
struct kubenf_net;
struct kubenf_pod;
struct kubenf_policy;
struct netlink_ext_ack;
struct nlattr;
struct sk_buff;

/*
 * A connection as policy sees it: source before SNAT, destination after
 * DNAT (the backend of a Service), ports in network order (zero for
 * protocols without ports).
 */
struct kubenf_flow {
	union nf_inet_addr src;
	union nf_inet_addr dst;
	__be16 sport;
	__be16 dport;
	u8 family;		/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	u8 proto;
};

/* What one direction decided. */
struct kubenf_dir_verdict {
	const struct kubenf_pod *pod;		/* NULL: no pod that side */
	const struct kubenf_policy *pol;	/* the allowing policy */
	u32 rule;				/* its allowing rule */
	u8 reason;				/* enum kubenf_reason */
};

/*
 * The judgement of a connection: egress of the source pod, then ingress of
 * the destination pod. Pointers are valid under the RCU read lock the
 * judgement ran under.
 */
struct kubenf_verdict {
	struct kubenf_dir_verdict dir[__KUBENF_DIR_MAX];
	bool accept;
	u8 reason;		/* of the deciding direction; NONE: no pod */
	s8 decided;		/* enum kubenf_dir that decided, -1: none */
};

/*
 * Judges @f as a new connection, with the objects active in @genmask.
 * @from_node: the node itself sends it (LOCAL_OUT). Under RCU.
 */
void kubenf_verdict_judge(struct kubenf_net *kn, u8 genmask,
			  const struct kubenf_config *cfg,
			  const struct kubenf_flow *f, bool from_node,
			  struct kubenf_verdict *v);

/* The filter hook at FORWARD, LOCAL_IN and LOCAL_OUT; see hooks.c. */
unsigned int kubenf_verdict_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state);

/*
 * After a commit that changed peersets, policies or pods settled: with
 * KUBENF_CFG_F_POLICY_CUT, deletes the conntrack entries the rules now
 * deny. Caller holds kn->lock; may sleep.
 */
void kubenf_verdict_settled(struct kubenf_net *kn);

/* KUBENF_CMD_EXPLAIN: parses a validated FLOW nest. */
int kubenf_flow_parse(const struct nlattr *nest, struct kubenf_flow *f,
		      struct netlink_ext_ack *extack);
/* Judges @f as the packet path would now and writes a VERDICT nest. */
int kubenf_verdict_explain(struct kubenf_net *kn, const struct kubenf_flow *f,
			   struct sk_buff *skb);

/* Deny events per namespace and second, beyond which they are counted. */
#define KUBENF_EVENT_BURST	50

void kubenf_verdict_init(struct kubenf_net *kn);

#endif /* _KUBENF_VERDICT_H */
