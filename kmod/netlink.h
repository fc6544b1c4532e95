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

/* Number of elements of a validated nested array; -ENOSPC beyond @max. */
int kubenf_array_len(const struct nlattr *array, unsigned int max,
		     struct netlink_ext_ack *extack);
/* Parses a nested array of CIDRs into @out, sized by kubenf_array_len(). */
int kubenf_cidr_array_parse(const struct nlattr *array,
			    struct kubenf_cidr *out, bool host_only,
			    struct netlink_ext_ack *extack);
int kubenf_put_cidr_array(struct sk_buff *skb, int type,
			  const struct kubenf_cidr *c, unsigned int n);

int kubenf_genl_init(void);
void kubenf_genl_uninit(void);

#endif /* _KUBENF_NETLINK_H */
