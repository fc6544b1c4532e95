// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl config show and stats output. The JSON keys are a contract
 * documented in man/kubenfctl.8 (and config is read back by kubenfctl
 * apply): add keys, never rename or retype them.
 */
#include <stdio.h>

#include <linux/kubenf.h>

#include "model.h"
#include "print.h"
#include "text.h"

/* A JSON list of CIDRs, one table row each; @none when empty. */
static void print_cidrs(struct kubenfctl_out *out, const char *key,
			const char *label, const struct kubenf_cidr *cidrs,
			size_t n, bool addrs, const char *none)
{
	char text[KUBENF_TEXT_MAX];
	size_t i;

	if (!n)
		kubenfctl_out_str(out, NULL, label, none);
	kubenfctl_out_begin_list(out, key);
	for (i = 0; i < n; i++) {
		/* Node addresses are addresses: no "/32". */
		if (addrs && cidrs[i].prefix ==
			     kubenf_addr_bits(cidrs[i].addr.family))
			kubenf_addr_str(&cidrs[i].addr, text);
		else
			kubenf_cidr_str(&cidrs[i], text);
		kubenfctl_out_str(out, NULL, label, text);
	}
	kubenfctl_out_end(out);
}

int kubenfctl_print_config(struct kubenfctl_out *out,
			   const struct kubenf_config *cfg)
{
	kubenfctl_out_begin(out, NULL);
	/* Absent flags and lists are the defaults: none and empty. */
	kubenfctl_out_flags(out, "flags", "flags", cfg->flags,
			    kubenf_cfg_flag_names);
	print_cidrs(out, "node_addresses", "node-addr", cfg->node_addrs,
		    cfg->n_node_addrs, true, "(every local address)");
	print_cidrs(out, "cluster_cidrs", "cluster-cidr", cfg->cluster_cidrs,
		    cfg->n_cluster_cidrs, false, "(none)");
	print_cidrs(out, "pod_cidrs", "pod-cidr", cfg->pod_cidrs,
		    cfg->n_pod_cidrs, false, "(none)");
	if (cfg->has & KUBENF_CFG_HAS_NODE_NAME)
		kubenfctl_out_str(out, "node_name", "node-name", cfg->node_name);
	kubenfctl_out_end(out);
	return kubenfctl_out_error(out);
}

int kubenfctl_print_stats(struct kubenfctl_out *out,
			  const struct kubenf_stats *stats)
{
	char buf[KUBENF_TEXT_MAX];
	const char *name;
	unsigned int r;

	kubenfctl_out_begin(out, NULL);
	if (stats->has & KUBENF_STATS_HAS_DROPS) {
		kubenfctl_out_begin(out, "drops");
		for (r = 0; r < KUBENF_STATS_REASONS; r++) {
			if (!(stats->drops_has & (1ULL << r)))
				continue;
			name = kubenf_reason_str(r, buf);
			kubenfctl_out_u64(out, name, name, stats->drops[r]);
		}
		kubenfctl_out_end(out);
	}
	if (stats->has & KUBENF_STATS_HAS_EVENTS_SUPPRESSED)
		kubenfctl_out_u64(out, "events_suppressed", "events-suppressed",
				  stats->events_suppressed);
	kubenfctl_out_end(out);
	return kubenfctl_out_error(out);
}
