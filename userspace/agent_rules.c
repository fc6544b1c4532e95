// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's rule sets: the model of what libkubenf-policy compiled (the
 * desired state), its digest (the cookie stored with the kernel's rule
 * set), and consistent removal of objects the kernel refused.
 *
 * libkubenf-policy's model mirrors the uapi one to one, with the uapi's own
 * flag and enum values, so the translation copies fields and never
 * interprets them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "agent.h"
#include "array.h"
#include "kubenf_policy.h"

const char *agent_kind_name(enum agent_kind kind, bool plural)
{
	static const char *const names[__AGENT_KINDS][2] = {
		[AGENT_SVC]	= { "service", "services" },
		[AGENT_PSET]	= { "peerset", "peersets" },
		[AGENT_POL]	= { "policy", "policies" },
		[AGENT_POD]	= { "pod", "pods" },
	};

	return names[kind][plural];
}

void agent_rules_release(struct agent_rules *rules)
{
	kubenf_config_release(&rules->config);
	kubenf_svc_list_release(&rules->svcs);
	kubenf_pset_list_release(&rules->psets);
	kubenf_pol_list_release(&rules->pols);
	kubenf_pod_list_release(&rules->pods);
}

void agent_rules_move(struct agent_rules *to, struct agent_rules *from)
{
	agent_rules_release(to);
	*to = *from;
	memset(from, 0, sizeof(*from));
}

int agent_config_copy(struct kubenf_config *to, const struct kubenf_config *cfg)
{
	size_t i;

	*to = *cfg;
	to->node_addrs = NULL;
	to->cluster_cidrs = NULL;
	to->pod_cidrs = NULL;
	to->n_node_addrs = 0;
	to->n_cluster_cidrs = 0;
	to->n_pod_cidrs = 0;
	for (i = 0; i < cfg->n_node_addrs; i++) {
		struct kubenf_cidr *c = kubenf_config_add_node_addr(to);

		if (!c)
			return -ENOMEM;
		*c = cfg->node_addrs[i];
	}
	for (i = 0; i < cfg->n_cluster_cidrs; i++) {
		struct kubenf_cidr *c = kubenf_config_add_cluster_cidr(to);

		if (!c)
			return -ENOMEM;
		*c = cfg->cluster_cidrs[i];
	}
	for (i = 0; i < cfg->n_pod_cidrs; i++) {
		struct kubenf_cidr *c = kubenf_config_add_pod_cidr(to);

		if (!c)
			return -ENOMEM;
		*c = cfg->pod_cidrs[i];
	}
	return 0;
}

/* struct kp_addr and struct kubenf_addr have the same fields. */
static void addr_copy(struct kubenf_addr *to, const struct kp_addr *from)
{
	to->family = from->family;
	memcpy(to->bytes, from->bytes, sizeof(to->bytes));
}

static void cidr_copy(struct kubenf_cidr *to, const struct kp_cidr *from)
{
	addr_copy(&to->addr, &from->addr);
	to->prefix = from->prefix;
}

static int dup_ids(uint32_t **to, size_t *n_to, const uint32_t *from,
		   size_t n)
{
	*n_to = 0;
	if (!n)
		return 0;
	*to = malloc(n * sizeof(**to));
	if (!*to)
		return -ENOMEM;
	memcpy(*to, from, n * sizeof(**to));
	*n_to = n;
	return 0;
}

static int svc_from_kp(struct kubenf_service *svc, const struct kp_service *k)
{
	size_t i;

	svc->id = k->id;
	if (kubenf_svc_set_name(svc, k->name ?: ""))
		return -ENOMEM;
	svc->flags = k->flags;
	svc->affinity_timeout = k->affinity_timeout;
	svc->has |= KUBENF_SVC_HAS_FLAGS | KUBENF_SVC_HAS_AFFINITY;
	for (i = 0; i < k->n_frontends; i++) {
		struct kubenf_frontend *fe = kubenf_svc_add_fe(svc);

		if (!fe)
			return -ENOMEM;
		fe->kind = k->frontends[i].kind;
		fe->proto = k->frontends[i].proto;
		fe->port = k->frontends[i].port;
		addr_copy(&fe->addr, &k->frontends[i].addr);
		/* A node port has the family only. */
		if (fe->kind == KUBENF_FE_NODE_PORT)
			memset(fe->addr.bytes, 0, sizeof(fe->addr.bytes));
	}
	for (i = 0; i < k->n_backends; i++) {
		struct kubenf_backend *be = kubenf_svc_add_be(svc);

		if (!be)
			return -ENOMEM;
		addr_copy(&be->addr, &k->backends[i].addr);
		be->port = k->backends[i].port;
		be->flags = k->backends[i].flags;
		be->has = KUBENF_BE_HAS_FLAGS;
	}
	for (i = 0; i < k->n_source_ranges; i++) {
		struct kubenf_cidr *c = kubenf_svc_add_range(svc);

		if (!c)
			return -ENOMEM;
		cidr_copy(c, &k->source_ranges[i]);
	}
	return 0;
}

static int pset_from_kp(struct kubenf_peerset *ps, const struct kp_peerset *k)
{
	size_t i, j;

	ps->id = k->id;
	if (kubenf_obj_set_name(&ps->name, k->name ?: ""))
		return -ENOMEM;
	for (i = 0; i < k->n_entries; i++) {
		const struct kp_block *b = &k->entries[i];
		struct kubenf_pset_entry *e;

		e = kubenf_array_add(ps->entries, ps->n_entries);
		if (!e)
			return -ENOMEM;
		cidr_copy(&e->cidr, &b->cidr);
		for (j = 0; j < b->n_except; j++) {
			struct kubenf_cidr *c;

			c = kubenf_array_add(e->except, e->n_except);
			if (!c)
				return -ENOMEM;
			cidr_copy(c, &b->except[j]);
		}
	}
	return 0;
}

static int pol_from_kp(struct kubenf_policy *pol, const struct kp_policy *k)
{
	size_t i, j;

	pol->id = k->id;
	if (kubenf_obj_set_name(&pol->name, k->name ?: ""))
		return -ENOMEM;
	pol->dir = k->dir;
	for (i = 0; i < k->n_rules; i++) {
		const struct kp_rule *kr = &k->rules[i];
		struct kubenf_rule *r;

		r = kubenf_array_add(pol->rules, pol->n_rules);
		if (!r || dup_ids(&r->peers, &r->n_peers, kr->peers,
				  kr->n_peers))
			return -ENOMEM;
		for (j = 0; j < kr->n_ports; j++) {
			struct kubenf_port_range *p;

			p = kubenf_array_add(r->ports, r->n_ports);
			if (!p)
				return -ENOMEM;
			p->proto = kr->ports[j].proto;
			p->first = kr->ports[j].first;
			p->last = kr->ports[j].first ? kr->ports[j].last : 0;
		}
	}
	return 0;
}

static int pod_from_kp(struct kubenf_pod *pod, const struct kp_pod *k)
{
	size_t i;

	pod->id = k->id;
	if (kubenf_obj_set_name(&pod->name, k->name ?: ""))
		return -ENOMEM;
	pod->flags = k->flags;
	for (i = 0; i < k->n_addrs; i++) {
		struct kubenf_addr *a = kubenf_array_add(pod->addrs,
							 pod->n_addrs);

		if (!a)
			return -ENOMEM;
		addr_copy(a, &k->addrs[i]);
	}
	if (dup_ids(&pod->ingress, &pod->n_ingress, k->ingress, k->n_ingress) ||
	    dup_ids(&pod->egress, &pod->n_egress, k->egress, k->n_egress))
		return -ENOMEM;
	return 0;
}

int agent_rules_from_kp(const struct kp_ruleset *rs,
			const struct kubenf_config *cfg,
			struct agent_rules *out)
{
	size_t i;
	int err;

	err = agent_config_copy(&out->config, cfg);
	if (err)
		return err;
	for (i = 0; i < rs->n_services; i++) {
		struct kubenf_service *svc = kubenf_svc_list_add(&out->svcs);

		if (!svc)
			return -ENOMEM;
		err = svc_from_kp(svc, &rs->services[i]);
		if (err)
			return err;
	}
	for (i = 0; i < rs->n_peersets; i++) {
		struct kubenf_peerset *ps;

		ps = kubenf_array_add(out->psets.v, out->psets.n);
		if (!ps)
			return -ENOMEM;
		err = pset_from_kp(ps, &rs->peersets[i]);
		if (err)
			return err;
	}
	for (i = 0; i < rs->n_policies; i++) {
		struct kubenf_policy *pol;

		pol = kubenf_array_add(out->pols.v, out->pols.n);
		if (!pol)
			return -ENOMEM;
		err = pol_from_kp(pol, &rs->policies[i]);
		if (err)
			return err;
	}
	for (i = 0; i < rs->n_pods; i++) {
		struct kubenf_pod *pod;

		pod = kubenf_array_add(out->pods.v, out->pods.n);
		if (!pod)
			return -ENOMEM;
		err = pod_from_kp(pod, &rs->pods[i]);
		if (err)
			return err;
	}
	/* The library sorts by name; the kernel and the diff go by id. */
	if (kubenf_svc_list_finish(&out->svcs) ||
	    kubenf_pset_list_finish(&out->psets) ||
	    kubenf_pol_list_finish(&out->pols) ||
	    kubenf_pod_list_finish(&out->pods))
		return -EBADMSG;
	return 0;
}

/* ---- digest ------------------------------------------------------------ */

#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x100000001b3ULL

static void h_bytes(uint64_t *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--) {
		*h ^= *p++;
		*h *= FNV64_PRIME;
	}
}

/* Fixed-width little-endian, so that the digest is the same everywhere. */
static void h_u64(uint64_t *h, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = v >> (8 * i);
	h_bytes(h, b, sizeof(b));
}

/* With its NUL, so that "ab" "c" and "a" "bc" differ. */
static void h_str(uint64_t *h, const char *s)
{
	s = s ?: "";
	h_bytes(h, s, strlen(s) + 1);
}

static void h_addr(uint64_t *h, const struct kubenf_addr *a)
{
	h_u64(h, a->family);
	h_bytes(h, a->bytes, kubenf_addr_bits(a->family) / 8);
}

static void h_cidrs(uint64_t *h, const struct kubenf_cidr *c, size_t n)
{
	size_t i;

	h_u64(h, n);
	for (i = 0; i < n; i++) {
		h_addr(h, &c[i].addr);
		h_u64(h, c[i].prefix);
	}
}

static void h_ids(uint64_t *h, const uint32_t *ids, size_t n)
{
	size_t i;

	h_u64(h, n);
	for (i = 0; i < n; i++)
		h_u64(h, ids[i]);
}

static void h_svc(uint64_t *h, const struct kubenf_service *svc)
{
	size_t i;

	h_u64(h, svc->id);
	h_str(h, svc->has & KUBENF_SVC_HAS_NAME ? svc->name : "");
	h_u64(h, svc->has & KUBENF_SVC_HAS_FLAGS ? svc->flags : 0);
	h_u64(h, svc->has & KUBENF_SVC_HAS_AFFINITY ?
		 svc->affinity_timeout : 0);
	h_u64(h, svc->n_fe);
	for (i = 0; i < svc->n_fe; i++) {
		h_u64(h, svc->fe[i].kind);
		h_u64(h, svc->fe[i].proto);
		h_u64(h, svc->fe[i].port);
		h_addr(h, &svc->fe[i].addr);
	}
	h_u64(h, svc->n_be);
	for (i = 0; i < svc->n_be; i++) {
		h_addr(h, &svc->be[i].addr);
		h_u64(h, svc->be[i].port);
		h_u64(h, svc->be[i].has & KUBENF_BE_HAS_FLAGS ?
			 svc->be[i].flags : 0);
	}
	h_cidrs(h, svc->ranges, svc->n_ranges);
}

uint64_t agent_rules_digest(const struct agent_rules *r)
{
	const struct kubenf_config *cfg = &r->config;
	uint64_t h = FNV64_OFFSET;
	size_t i, j;

	h_str(&h, "kubenf-agent rules v1");
	h_u64(&h, cfg->has & KUBENF_CFG_HAS_FLAGS ? cfg->flags : 0);
	h_str(&h, cfg->has & KUBENF_CFG_HAS_NODE_NAME ? cfg->node_name : "");
	h_cidrs(&h, cfg->node_addrs, cfg->n_node_addrs);
	h_cidrs(&h, cfg->cluster_cidrs, cfg->n_cluster_cidrs);
	/* Only when set: digests of rule sets from before it stay valid. */
	if (cfg->n_pod_cidrs)
		h_cidrs(&h, cfg->pod_cidrs, cfg->n_pod_cidrs);

	h_u64(&h, r->svcs.n);
	for (i = 0; i < r->svcs.n; i++)
		h_svc(&h, &r->svcs.svc[i]);

	h_u64(&h, r->psets.n);
	for (i = 0; i < r->psets.n; i++) {
		const struct kubenf_peerset *ps = &r->psets.v[i];

		h_u64(&h, ps->id);
		h_str(&h, ps->name);
		h_u64(&h, ps->n_entries);
		for (j = 0; j < ps->n_entries; j++) {
			h_cidrs(&h, &ps->entries[j].cidr, 1);
			h_cidrs(&h, ps->entries[j].except,
				ps->entries[j].n_except);
		}
	}

	h_u64(&h, r->pols.n);
	for (i = 0; i < r->pols.n; i++) {
		const struct kubenf_policy *pol = &r->pols.v[i];

		h_u64(&h, pol->id);
		h_str(&h, pol->name);
		h_u64(&h, pol->dir);
		h_u64(&h, pol->n_rules);
		for (j = 0; j < pol->n_rules; j++) {
			const struct kubenf_rule *rule = &pol->rules[j];
			size_t k;

			h_ids(&h, rule->peers, rule->n_peers);
			h_u64(&h, rule->n_ports);
			for (k = 0; k < rule->n_ports; k++) {
				h_u64(&h, rule->ports[k].proto);
				h_u64(&h, rule->ports[k].first);
				h_u64(&h, rule->ports[k].last);
			}
		}
	}

	h_u64(&h, r->pods.n);
	for (i = 0; i < r->pods.n; i++) {
		const struct kubenf_pod *pod = &r->pods.v[i];

		h_u64(&h, pod->id);
		h_str(&h, pod->name);
		h_u64(&h, pod->flags);
		h_u64(&h, pod->n_addrs);
		for (j = 0; j < pod->n_addrs; j++)
			h_addr(&h, &pod->addrs[j]);
		h_ids(&h, pod->ingress, pod->n_ingress);
		h_ids(&h, pod->egress, pod->n_egress);
	}
	return h;
}

/* ---- access by kind ------------------------------------------------------ */

size_t agent_rules_count(const struct agent_rules *r, enum agent_kind kind)
{
	switch (kind) {
	case AGENT_SVC:
		return r->svcs.n;
	case AGENT_PSET:
		return r->psets.n;
	case AGENT_POL:
		return r->pols.n;
	default:
		return r->pods.n;
	}
}

uint32_t agent_rules_id(const struct agent_rules *r, enum agent_kind kind,
			size_t i)
{
	switch (kind) {
	case AGENT_SVC:
		return r->svcs.svc[i].id;
	case AGENT_PSET:
		return r->psets.v[i].id;
	case AGENT_POL:
		return r->pols.v[i].id;
	default:
		return r->pods.v[i].id;
	}
}

const char *agent_rules_name(const struct agent_rules *r, enum agent_kind kind,
			     size_t i)
{
	const char *name;

	switch (kind) {
	case AGENT_SVC:
		name = r->svcs.svc[i].has & KUBENF_SVC_HAS_NAME ?
		       r->svcs.svc[i].name : NULL;
		break;
	case AGENT_PSET:
		name = r->psets.v[i].name;
		break;
	case AGENT_POL:
		name = r->pols.v[i].name;
		break;
	default:
		name = r->pods.v[i].name;
		break;
	}
	return name ?: "";
}

/* ---- removal ------------------------------------------------------------- */

/* Remove @id from @ids; whether it was there. */
static bool ids_remove(uint32_t *ids, size_t *n, uint32_t id)
{
	size_t i, o = 0;

	for (i = 0; i < *n; i++)
		if (ids[i] != id)
			ids[o++] = ids[i];
	if (o == *n)
		return false;
	*n = o;
	return true;
}

static void drop_peerset_refs(struct kubenf_pol_list *pols, uint32_t id)
{
	size_t i, j, o;

	for (i = 0; i < pols->n; i++) {
		struct kubenf_policy *pol = &pols->v[i];

		for (j = 0, o = 0; j < pol->n_rules; j++) {
			struct kubenf_rule *r = &pol->rules[j];

			/* No peer left would mean every peer: drop it. */
			if (ids_remove(r->peers, &r->n_peers, id) &&
			    !r->n_peers) {
				free(r->peers);
				free(r->ports);
				continue;
			}
			pol->rules[o++] = *r;
		}
		pol->n_rules = o;
	}
}

static void drop_policy_refs(struct kubenf_pod_list *pods, uint32_t id)
{
	size_t i;

	/* The pod stays isolated: fewer allowed flows, never more. */
	for (i = 0; i < pods->n; i++) {
		ids_remove(pods->v[i].ingress, &pods->v[i].n_ingress, id);
		ids_remove(pods->v[i].egress, &pods->v[i].n_egress, id);
	}
}

#define LIST_REMOVE(list, arr, id, release) ({				\
	bool _found = false;						\
	size_t _i;							\
									\
	for (_i = 0; _i < (list)->n; _i++) {				\
		if ((list)->arr[_i].id != (id))				\
			continue;					\
		release(&(list)->arr[_i]);				\
		memmove(&(list)->arr[_i], &(list)->arr[_i + 1],		\
			((list)->n - _i - 1) * sizeof(*(list)->arr));	\
		(list)->n--;						\
		_found = true;						\
		break;							\
	}								\
	_found;								\
})

bool agent_rules_remove(struct agent_rules *r, enum agent_kind kind,
			uint32_t id)
{
	switch (kind) {
	case AGENT_SVC:
		return LIST_REMOVE(&r->svcs, svc, id, kubenf_svc_release);
	case AGENT_PSET:
		if (!LIST_REMOVE(&r->psets, v, id, kubenf_peerset_release))
			return false;
		drop_peerset_refs(&r->pols, id);
		return true;
	case AGENT_POL:
		if (!LIST_REMOVE(&r->pols, v, id, kubenf_policy_release))
			return false;
		drop_policy_refs(&r->pods, id);
		return true;
	default:
		return LIST_REMOVE(&r->pods, v, id, kubenf_pod_release);
	}
}

bool agent_rules_isolate_pod(struct agent_rules *r, uint32_t id)
{
	size_t i;

	for (i = 0; i < r->pods.n; i++) {
		if (r->pods.v[i].id != id)
			continue;
		r->pods.v[i].n_ingress = 0;
		r->pods.v[i].n_egress = 0;
		return true;
	}
	return false;
}

void agent_rules_drop_policy(struct agent_rules *r)
{
	kubenf_pset_list_release(&r->psets);
	kubenf_pol_list_release(&r->pols);
	kubenf_pod_list_release(&r->pods);
}
