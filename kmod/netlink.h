/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family, and the attribute policies and parsing helpers
 * the object files share.
 */
#ifndef _KUBENF_NETLINK_H
#define _KUBENF_NETLINK_H

#include <net/netlink.h>

#include "cidr.h"
#include "uapi/linux/kubenf.h"

extern const struct nla_policy kubenf_svc_policy[KUBENF_SVC_A_MAX + 1];
extern const struct nla_policy kubenf_fe_policy[KUBENF_FE_A_MAX + 1];
extern const struct nla_policy kubenf_be_policy[KUBENF_BE_A_MAX + 1];
extern const struct nla_policy kubenf_cidr_policy[KUBENF_CIDR_A_MAX + 1];
extern const struct nla_policy kubenf_pset_policy[KUBENF_SET_A_MAX + 1];
extern const struct nla_policy kubenf_port_policy[KUBENF_PORT_A_MAX + 1];
extern const struct nla_policy kubenf_rule_policy[KUBENF_RULE_A_MAX + 1];
extern const struct nla_policy kubenf_pol_policy[KUBENF_POL_A_MAX + 1];
extern const struct nla_policy kubenf_pod_policy[KUBENF_POD_A_MAX + 1];
extern const struct nla_policy kubenf_flow_policy[KUBENF_FLOW_A_MAX + 1];

/* Number of elements of a validated nested array; -ENOSPC beyond @max. */
int kubenf_array_len(const struct nlattr *array, unsigned int max,
		     struct netlink_ext_ack *extack);
/* Parses a nested array of CIDRs into @out, sized by kubenf_array_len(). */
int kubenf_cidr_array_parse(const struct nlattr *array,
			    struct kubenf_cidr *out, bool host_only,
			    struct netlink_ext_ack *extack);
int kubenf_put_cidr_array(struct sk_buff *skb, int type,
			  const struct kubenf_cidr *c, unsigned int n);

/*
 * Multicast on the events group, from any context: whether a socket of
 * @net listens, the header of a message (NULL if @skb is too small), and
 * sending it (consumes @skb).
 */
bool kubenf_genl_has_listeners(struct net *net);
void *kubenf_genl_event_put(struct sk_buff *skb, u8 cmd);
void kubenf_genl_event_send(struct net *net, struct sk_buff *skb);

int kubenf_genl_init(void);
void kubenf_genl_uninit(void);

#endif /* _KUBENF_NETLINK_H */
