// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace state: created for every namespace when the module
 * loads (and for every namespace created later), destroyed with it.
 */

#include <linux/slab.h>

#include "netns.h"

static unsigned int kubenf_net_id __read_mostly;

struct kubenf_net *kubenf_net(const struct net *net)
{
	return net_generic(net, kubenf_net_id);
}

struct kubenf_config *kubenf_netns_config(struct kubenf_net *kn)
{
	return rcu_dereference_protected(kn->config,
					 lockdep_is_held(&kn->lock));
}

void kubenf_netns_set_config(struct kubenf_net *kn, struct kubenf_config *cfg)
{
	struct kubenf_config *old;

	lockdep_assert_held(&kn->lock);
	old = kubenf_netns_config(kn);
	rcu_assign_pointer(kn->config, cfg);
	/* Packet-path readers may still look at @old until a grace period. */
	if (old)
		kfree_rcu(old, rcu);
}

static int __net_init kubenf_net_init(struct net *net)
{
	struct kubenf_net *kn = kubenf_net(net);

	kn->net = net;
	mutex_init(&kn->lock);
	return 0;
}

static void __net_exit kubenf_net_exit(struct net *net)
{
	struct kubenf_net *kn = kubenf_net(net);
	struct kubenf_config *cfg;

	/*
	 * The namespace is dead: no socket of it can send us a request, and
	 * no packet path runs in it any more, so nothing else holds @kn->lock
	 * or reads the configuration without a grace period after this.
	 */
	mutex_lock(&kn->lock);
	cfg = kubenf_netns_config(kn);
	RCU_INIT_POINTER(kn->config, NULL);
	mutex_unlock(&kn->lock);
	if (cfg)
		kfree_rcu(cfg, rcu);
	mutex_destroy(&kn->lock);
}

static struct pernet_operations kubenf_net_ops = {
	.init = kubenf_net_init,
	.exit = kubenf_net_exit,
	.id   = &kubenf_net_id,
	.size = sizeof(struct kubenf_net),
};

int __init kubenf_netns_init(void)
{
	return register_pernet_subsys(&kubenf_net_ops);
}

void kubenf_netns_uninit(void)
{
	unregister_pernet_subsys(&kubenf_net_ops);
	/* Wait for the kfree_rcu() callbacks queued above before unloading. */
	rcu_barrier();
}
