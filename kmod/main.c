// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf: Kubernetes Services (DNAT through the kernel's conntrack and NAT)
 * and NetworkPolicy enforcement in netfilter, per network namespace,
 * configured over generic netlink.
 */

#include <linux/module.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "netns.h"

static int __init kubenf_init(void)
{
	int ret;

	/* Per-namespace state must exist before a request can reach us. */
	ret = kubenf_netns_init();
	if (ret)
		goto err_netns;

	ret = kubenf_genl_init();
	if (ret)
		goto err_genl;

	pr_info("kubenf " KUBENF_VERSION " loaded\n");
	return 0;

err_genl:
	kubenf_netns_uninit();
err_netns:
	return ret;
}

static void __exit kubenf_exit(void)
{
	kubenf_genl_uninit();
	kubenf_netns_uninit();
}

module_init(kubenf_init);
module_exit(kubenf_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kubernetes Services and NetworkPolicy in netfilter");
MODULE_AUTHOR("kubenf developers");
MODULE_VERSION(KUBENF_VERSION);
MODULE_ALIAS_GENL_FAMILY(KUBENF_GENL_NAME);
