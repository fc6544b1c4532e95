/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KUBENF_CIDR_H
#define _KUBENF_CIDR_H

#include <linux/inetdevice.h>
#include <linux/netfilter.h>
#include <linux/types.h>
#include <net/ipv6.h>

/* A prefix of one family; host bits beyond @prefix are zero. */
struct kubenf_cidr {
	union nf_inet_addr addr;
	u8 family;	/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	u8 prefix;
};

static inline bool kubenf_cidr_match(const struct kubenf_cidr *c, u8 family,
				     const union nf_inet_addr *addr)
{
	if (c->family != family)
		return false;
	if (family == NFPROTO_IPV4)
		return !c->prefix ||
		       !((addr->ip ^ c->addr.ip) & inet_make_mask(c->prefix));
	return ipv6_prefix_equal(&addr->in6, &c->addr.in6, c->prefix);
}

/* Linear: for the short lists of node-wide settings only. */
static inline bool kubenf_cidrs_match(const struct kubenf_cidr *c,
				      unsigned int n, u8 family,
				      const union nf_inet_addr *addr)
{
	while (n--)
		if (kubenf_cidr_match(c++, family, addr))
			return true;
	return false;
}

#endif /* _KUBENF_CIDR_H */
