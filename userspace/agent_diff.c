// SPDX-License-Identifier: GPL-2.0
/*
 * Desired rule set vs what the kernel holds: which objects to SET (new
 * ids, changed content) and which ids to DEL. Both lists of a kind are in
 * id order, so one merge walk finds everything. Content compares as a
 * request sets it: dump-only counters are ignored, and a field the kernel
 * always reports (a service's flags, say) equals its absence when zero.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "array.h"

static bool fe_same(const struct kubenf_frontend *a,
		    const struct kubenf_frontend *b)
{
	return a->kind == b->kind && a->proto == b->proto &&
	       a->port == b->port && kubenf_addr_equal(&a->addr, &b->addr);
}

static bool be_same(const struct kubenf_backend *a,
		    const struct kubenf_backend *b)
{
	uint32_t fa = a->has & KUBENF_BE_HAS_FLAGS ? a->flags : 0;
	uint32_t fb = b->has & KUBENF_BE_HAS_FLAGS ? b->flags : 0;

	return a->port == b->port && fa == fb &&
	       kubenf_addr_equal(&a->addr, &b->addr);
}

bool agent_svc_same(const struct kubenf_service *a,
		    const struct kubenf_service *b)
{
	const char *na = a->has & KUBENF_SVC_HAS_NAME ? a->name : "";
	const char *nb = b->has & KUBENF_SVC_HAS_NAME ? b->name : "";
	size_t i;

	if (a->id != b->id || a->n_fe != b->n_fe || a->n_be != b->n_be ||
	    a->n_ranges != b->n_ranges || strcmp(na ?: "", nb ?: ""))
		return false;
	if ((a->has & KUBENF_SVC_HAS_FLAGS ? a->flags : 0) !=
	    (b->has & KUBENF_SVC_HAS_FLAGS ? b->flags : 0))
		return false;
	if ((a->has & KUBENF_SVC_HAS_AFFINITY ? a->affinity_timeout : 0) !=
	    (b->has & KUBENF_SVC_HAS_AFFINITY ? b->affinity_timeout : 0))
		return false;
	for (i = 0; i < a->n_fe; i++)
		if (!fe_same(&a->fe[i], &b->fe[i]))
			return false;
	for (i = 0; i < a->n_be; i++)
		if (!be_same(&a->be[i], &b->be[i]))
			return false;
	for (i = 0; i < a->n_ranges; i++)
		if (!kubenf_cidr_equal(&a->ranges[i], &b->ranges[i]))
			return false;
	return true;
}

static bool cidrs_same(const struct kubenf_cidr *a, size_t na,
		       const struct kubenf_cidr *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!kubenf_cidr_equal(&a[i], &b[i]))
			return false;
	return true;
}

bool agent_config_same(const struct kubenf_config *a,
		       const struct kubenf_config *b)
{
	const char *na = a->has & KUBENF_CFG_HAS_NODE_NAME ? a->node_name : "";
	const char *nb = b->has & KUBENF_CFG_HAS_NODE_NAME ? b->node_name : "";

	return (a->has & KUBENF_CFG_HAS_FLAGS ? a->flags : 0) ==
	       (b->has & KUBENF_CFG_HAS_FLAGS ? b->flags : 0) &&
	       !strcmp(na, nb) &&
	       cidrs_same(a->node_addrs, a->n_node_addrs, b->node_addrs,
			  b->n_node_addrs) &&
	       cidrs_same(a->cluster_cidrs, a->n_cluster_cidrs,
			  b->cluster_cidrs, b->n_cluster_cidrs) &&
	       cidrs_same(a->pod_cidrs, a->n_pod_cidrs, b->pod_cidrs,
			  b->n_pod_cidrs);
}

/* Whether object @i of @want and @j of @have (same kind, same id) agree. */
static bool same(const struct agent_rules *want, size_t i,
		 const struct agent_rules *have, size_t j,
		 enum agent_kind kind)
{
	switch (kind) {
	case AGENT_SVC:
		return agent_svc_same(&want->svcs.svc[i], &have->svcs.svc[j]);
	case AGENT_PSET:
		return kubenf_peerset_equal(&want->psets.v[i],
					    &have->psets.v[j]);
	case AGENT_POL:
		return kubenf_policy_equal(&want->pols.v[i], &have->pols.v[j]);
	default:
		return kubenf_pod_equal(&want->pods.v[i], &have->pods.v[j]);
	}
}

static int diff_kind(const struct agent_rules *want,
		     const struct agent_rules *have, enum agent_kind kind,
		     struct agent_diff_kind *d)
{
	size_t nw = agent_rules_count(want, kind);
	size_t nh = agent_rules_count(have, kind);
	size_t i = 0, j = 0, *idx;
	uint32_t iw, ih, *id;

	while (i < nw || j < nh) {
		iw = i < nw ? agent_rules_id(want, kind, i) : 0;
		ih = j < nh ? agent_rules_id(have, kind, j) : 0;
		if (j >= nh || (i < nw && iw < ih)) {
			idx = kubenf_array_add(d->add, d->n_add);
			if (!idx)
				return -ENOMEM;
			*idx = i++;
		} else if (i >= nw || ih < iw) {
			id = kubenf_array_add(d->del, d->n_del);
			if (!id)
				return -ENOMEM;
			*id = ih;
			j++;
		} else {
			if (!same(want, i, have, j, kind)) {
				idx = kubenf_array_add(d->mod, d->n_mod);
				if (!idx)
					return -ENOMEM;
				*idx = i;
			}
			i++;
			j++;
		}
	}
	return 0;
}

int agent_diff(const struct agent_rules *want, const struct agent_rules *have,
	       struct agent_diff *diff)
{
	int kind, err;

	memset(diff, 0, sizeof(*diff));
	for (kind = 0; kind < __AGENT_KINDS; kind++) {
		err = diff_kind(want, have, kind, &diff->kind[kind]);
		if (err) {
			agent_diff_release(diff);
			return err;
		}
	}
	diff->config = !agent_config_same(&want->config, &have->config);
	return 0;
}

void agent_diff_release(struct agent_diff *diff)
{
	int kind;

	for (kind = 0; kind < __AGENT_KINDS; kind++) {
		free(diff->kind[kind].add);
		free(diff->kind[kind].mod);
		free(diff->kind[kind].del);
	}
	memset(diff, 0, sizeof(*diff));
}

bool agent_diff_empty(const struct agent_diff *diff)
{
	int kind;

	for (kind = 0; kind < __AGENT_KINDS; kind++)
		if (diff->kind[kind].n_add || diff->kind[kind].n_mod ||
		    diff->kind[kind].n_del)
			return false;
	return !diff->config;
}

const char *agent_diff_summary(const struct agent_diff *diff, char *buf,
			       size_t len)
{
	static const char sign[] = "+~-";
	size_t off = 0, n[3];
	int kind, op, w;

	buf[0] = '\0';
	for (kind = 0; kind < __AGENT_KINDS; kind++) {
		n[0] = diff->kind[kind].n_add;
		n[1] = diff->kind[kind].n_mod;
		n[2] = diff->kind[kind].n_del;
		for (op = 0; op < 3; op++) {
			if (!n[op] || off >= len)
				continue;
			w = snprintf(buf + off, len - off, "%s%c%zu %s",
				     off ? ", " : "", sign[op], n[op],
				     agent_kind_name(kind, n[op] != 1));
			off += w > 0 ? (size_t)w : 0;
		}
	}
	if (diff->config && off < len)
		snprintf(buf + off, len - off, "%sconfig", off ? ", " : "");
	if (!buf[0])
		snprintf(buf, len, "no change");
	return buf;
}
