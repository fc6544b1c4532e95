/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KUBENF_NAT_H
#define _KUBENF_NAT_H

#include <linux/netfilter.h>

/* NAT-core lookup functions; see hooks.c for where they are registered. */
unsigned int kubenf_nat_dnat(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state);
unsigned int kubenf_nat_masq(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state);

#endif /* _KUBENF_NAT_H */
