// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace state: created for every namespace when the module
 * loads (and for every namespace created later), destroyed with it.
 */

#include <linux/slab.h>

#include "affinity.h"
#include "hooks.h"
#include "netns.h"
#include "peerset.h"
#include "pod.h"
#include "policy.h"
#include "service.h"
#include "verdict.h"

static unsigned int kubenf_net_id __read_mostly;

const struct kubenf_kind_ops *const kubenf_kind_ops[__KUBENF_KIND_MAX] = {
	[KUBENF_KIND_SERVICE]	= &kubenf_svc_ops,
	[KUBENF_KIND_PEERSET]	= &kubenf_peerset_ops,
	[KUBENF_KIND_POLICY]	= &kubenf_policy_ops,
	[KUBENF_KIND_POD]	= &kubenf_pod_ops,
};

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
	int i, ret;

	kn->net = net;
	mutex_init(&kn->lock);
	for (i = 0; i < __KUBENF_KIND_MAX; i++)
		xa_init(&kn->objs[i]);
	INIT_LIST_HEAD(&kn->settle_list);
	INIT_WORK(&kn->settle_work, kubenf_txn_settle_work);

	kn->stats = alloc_percpu(struct kubenf_stats);
	if (!kn->stats)
		return -ENOMEM;
	ret = kubenf_svc_tables_init(kn);
	if (ret)
		goto err_svc;
	ret = kubenf_affinity_init(kn);
	if (ret)
		goto err_affinity;
	ret = kubenf_policy_tables_init(kn);
	if (ret)
		goto err_policy;
	ret = kubenf_pod_tables_init(kn);
	if (ret)
		goto err_pod;
	kubenf_verdict_init(kn);
	return 0;

err_pod:
	kubenf_policy_tables_destroy(kn);
err_policy:
	kubenf_affinity_destroy(kn);
err_affinity:
	kubenf_svc_tables_destroy(kn);
err_svc:
	free_percpu(kn->stats);
	return ret;
}

static void __net_exit kubenf_net_exit(struct net *net)
{
	struct kubenf_net *kn = kubenf_net(net);
	struct kubenf_config *cfg;

	/*
	 * The namespace is dead: no socket of it can send us a request and
	 * no packet enters its hooks any more.
	 *  1. Drop the open transaction and every object; this unregisters
	 *     the hooks (and waits for hook functions still running).
	 *  2. Objects and the configuration are freed after a grace period;
	 *     kubenf_netns_uninit() waits for those with rcu_barrier().
	 */
	kubenf_txn_destroy_all(kn);
	mutex_lock(&kn->lock);
	cfg = kubenf_netns_config(kn);
	RCU_INIT_POINTER(kn->config, NULL);
	mutex_unlock(&kn->lock);
	if (cfg)
		kfree_rcu(cfg, rcu);
	/* call_rcu() callbacks do not touch the tables: safe to free now. */
	kubenf_pod_tables_destroy(kn);
	kubenf_policy_tables_destroy(kn);
	kubenf_affinity_destroy(kn);
	kubenf_svc_tables_destroy(kn);
	free_percpu(kn->stats);
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
	/* Wait for the RCU callbacks queued above before unloading. */
	rcu_barrier();
}
