// SPDX-License-Identifier: GPL-2.0
/*
 * Hook registration. Service translation is not a hook of its own: our
 * functions are registered with the NAT core (as nft "type nat" chains are),
 * which calls them once per new conntrack entry that has no binding yet and
 * then performs the translation for the whole connection.
 */

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_nat.h>

#include "hooks.h"
#include "nat.h"
#include "netns.h"
#include "verdict.h"

static const struct nf_hook_ops kubenf_nat_ops[] = {
	/* Service traffic entering the node: DNAT before routing decides. */
	{
		.hook		= kubenf_nat_dnat,
		.pf		= NFPROTO_INET,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_NAT_DST,
	},
	/* Service traffic the node itself sends (hostNetwork pods too). */
	{
		.hook		= kubenf_nat_dnat,
		.pf		= NFPROTO_INET,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_NAT_DST,
	},
	/* Masquerade hairpin and external Service traffic on the way out. */
	{
		.hook		= kubenf_nat_masq,
		.pf		= NFPROTO_INET,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_NAT_SRC,
	},
};

/*
 * NetworkPolicy, one function for both families (state->pf), after the
 * NAT core's DNAT so that ingress is judged against the Service backend.
 */
static const struct nf_hook_ops kubenf_filter_ops[] = {
	/* Pod traffic the node routes, or bridges with br_netfilter. */
	{
		.hook		= kubenf_verdict_hook,
		.pf		= NFPROTO_INET,
		.hooknum	= NF_INET_FORWARD,
		.priority	= NF_IP_PRI_FILTER,
	},
	/* Pod to node: the pod's egress decides. */
	{
		.hook		= kubenf_verdict_hook,
		.pf		= NFPROTO_INET,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_FILTER,
	},
	/* Node to pod: always allowed (kubelet probes); counted. */
	{
		.hook		= kubenf_verdict_hook,
		.pf		= NFPROTO_INET,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_FILTER,
	},
};

int kubenf_hooks_enable(struct kubenf_net *kn)
{
	int i = 0, ret;

	lockdep_assert_held(&kn->lock);
	if (kn->hooks_active)
		return 0;

	/* Service NAT and stateful policy need conntrack in this namespace. */
	ret = nf_ct_netns_get(kn->net, NFPROTO_INET);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(kubenf_nat_ops); i++) {
		ret = nf_nat_inet_register_fn(kn->net, &kubenf_nat_ops[i]);
		if (ret)
			goto err;
	}
	ret = nf_register_net_hooks(kn->net, kubenf_filter_ops,
				    ARRAY_SIZE(kubenf_filter_ops));
	if (ret)
		goto err;
	kn->hooks_active = true;
	return 0;

err:
	while (i)
		nf_nat_inet_unregister_fn(kn->net, &kubenf_nat_ops[--i]);
	nf_ct_netns_put(kn->net, NFPROTO_INET);
	return ret;
}

static void kubenf_hooks_disable(struct kubenf_net *kn)
{
	int i = ARRAY_SIZE(kubenf_nat_ops);

	/* Unregistering waits for hook functions still running. */
	nf_unregister_net_hooks(kn->net, kubenf_filter_ops,
				ARRAY_SIZE(kubenf_filter_ops));
	while (i)
		nf_nat_inet_unregister_fn(kn->net, &kubenf_nat_ops[--i]);
	nf_ct_netns_put(kn->net, NFPROTO_INET);
	kn->hooks_active = false;
}

void kubenf_hooks_sync(struct kubenf_net *kn)
{
	lockdep_assert_held(&kn->lock);
	if (!kn->hooks_active || kn->txn || kn->settle_pending)
		return;
	if (kn->counts.services || kn->counts.pods)
		return;
	kubenf_hooks_disable(kn);
}
