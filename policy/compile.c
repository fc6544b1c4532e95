// SPDX-License-Identifier: GPL-2.0
/*
 * kp_compile(): index the pods and namespaces, run the Service and
 * NetworkPolicy stages, then give every object its final place (sorted by
 * name) and id, and turn the indexes the stages used into ids.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void labels_free(void *p)
{
	kp_labels_free(p);
	free(p);
}

/* The labels a namespaceSelector sees: the object's, or none when the
 * Namespace is unknown, plus the automatic kubernetes.io/metadata.name.
 */
static const struct kp_labels *ns_labels(struct kp_build *b, const char *ns,
					 const struct kp_labels *from)
{
	struct kp_labels *l = kp_map_get(&b->ns_labels, ns);

	if (l)
		return l;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	if ((from && kp_labels_copy(l, from)) ||
	    kp_labels_set(l, KP_LABEL_NS_NAME, ns) ||
	    kp_map_put(&b->ns_labels, ns, l, NULL)) {
		labels_free(l);
		return NULL;
	}
	return l;
}

/* A local pod may not reuse an address another local pod holds: the
 * kernel finds pods by address. The first by namespace/name keeps it.
 */
static int claim_addrs(struct kp_build *b, struct kp_map *owners,
		       const struct kp_obj *o, bool *ok)
{
	const struct kp_obj *owner;
	char buf[KP_ADDR_STRLEN];
	size_t i;

	*ok = false;
	for (i = 0; i < o->u.pod.n_addrs; i++) {
		kp_addr_fmt(&o->u.pod.addrs[i], buf);
		owner = kp_map_get(owners, buf);
		if (owner)
			return kp_errors_add(b->errs, "Pod", o->ns, o->name,
					     "address %s is also used by local pod %s/%s; skipped",
					     buf, owner->ns, owner->name);
	}
	for (i = 0; i < o->u.pod.n_addrs; i++) {
		kp_addr_fmt(&o->u.pod.addrs[i], buf);
		if (kp_map_put(owners, buf, (void *)o, NULL))
			return -ENOMEM;
	}
	*ok = true;
	return 0;
}

static int index_pods(struct kp_build *b)
{
	const struct kp_obj **nss = NULL, **pods = NULL;
	struct kp_map owners = { 0 };
	size_t i, n_ns, n_pods;
	int ret;

	ret = kp_state_sorted(b->st, KP_NAMESPACE, &nss, &n_ns, b->errs);
	if (!ret)
		ret = kp_state_sorted(b->st, KP_POD, &pods, &n_pods, b->errs);
	if (ret)
		goto out;
	ret = -ENOMEM;
	for (i = 0; i < n_ns; i++)
		if (!ns_labels(b, nss[i]->name, &nss[i]->labels))
			goto out;
	b->peers = calloc(n_pods ? n_pods : 1, sizeof(*b->peers));
	b->peer_ns = calloc(n_pods ? n_pods : 1, sizeof(*b->peer_ns));
	b->locals = calloc(n_pods ? n_pods : 1, sizeof(*b->locals));
	if (!b->peers || !b->peer_ns || !b->locals)
		goto out;
	for (i = 0; i < n_pods; i++) {
		const struct k8s_pod *p = &pods[i]->u.pod;
		const struct kp_labels *l;
		bool ok;

		/*
		 * hostNetwork pods share the node's addresses: they are node
		 * traffic, neither selected by policy nor selectable as peers
		 * (the documented common choice; kube-network-policies does
		 * the same). Pods without an IP or that have terminated hold
		 * no address a packet can come from.
		 */
		if (p->host_network || !p->n_addrs || p->terminal)
			continue;
		l = ns_labels(b, pods[i]->ns, NULL);
		if (!l) {
			ret = -ENOMEM;
			goto out;
		}
		b->peer_ns[b->n_peers] = l;
		b->peers[b->n_peers++] = pods[i];
		if (!p->node || strcmp(p->node, b->node))
			continue;
		ret = claim_addrs(b, &owners, pods[i], &ok);
		if (ret)
			goto out;
		if (ok)
			b->locals[b->n_locals++].o = pods[i];
	}
	ret = 0;
out:
	kp_map_free(&owners, NULL);
	free(nss);
	free(pods);
	return ret;
}

int kp_build_peerset(struct kp_build *b, const char *name, uint32_t *idx,
		     bool *created)
{
	struct kp_ruleset *rs = b->rs;
	struct kp_peerset *s;
	uintptr_t found;

	*created = false;
	found = (uintptr_t)kp_map_get(&b->peerset_idx, name);
	if (found) {
		*idx = found - 1;
		return 0;
	}
	s = vec_push(rs->peersets, rs->n_peersets, b->cap_peersets);
	if (!s)
		return -ENOMEM;
	s->name = strdup(name);
	if (!s->name ||
	    kp_map_put(&b->peerset_idx, name,
		       (void *)(uintptr_t)rs->n_peersets, NULL)) {
		free(s->name);
		rs->n_peersets--;
		return -ENOMEM;
	}
	*idx = rs->n_peersets - 1;
	*created = true;
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int emit_pods(struct kp_build *b)
{
	struct kp_ruleset *rs = b->rs;
	struct kp_sb sb = { 0 };
	size_t i;
	int dir;

	rs->pods = calloc(b->n_locals ? b->n_locals : 1, sizeof(*rs->pods));
	if (!rs->pods)
		return -ENOMEM;
	for (i = 0; i < b->n_locals; i++) {
		struct kp_build_pod *lp = &b->locals[i];
		const struct k8s_pod *p = &lp->o->u.pod;
		struct kp_pod *out = &rs->pods[rs->n_pods++];

		kp_sb_printf(&sb, "%s/%s", lp->o->ns, lp->o->name);
		out->name = kp_sb_steal(&sb);
		out->addrs = malloc(p->n_addrs * sizeof(*out->addrs));
		if (!out->name || !out->addrs)
			return -ENOMEM;
		kp_name_fit(out->name);
		memcpy(out->addrs, p->addrs, p->n_addrs * sizeof(*out->addrs));
		out->n_addrs = p->n_addrs;
		out->flags = lp->flags;
		/* Policy indexes for now; finish() makes them ids. */
		for (dir = 0; dir < __KUBENF_DIR_MAX; dir++) {
			uint32_t **v = dir ? &out->egress : &out->ingress;
			size_t *n = dir ? &out->n_egress : &out->n_ingress;

			*v = lp->pol[dir];
			*n = lp->n_pol[dir];
			lp->pol[dir] = NULL;
			lp->n_pol[dir] = 0;
		}
	}
	return 0;
}

/* Ids for names in byte order: FNV-1a of the name, next free on collision. */
static int assign_ids(char **names, size_t n, uint32_t *ids)
{
	size_t i, cap = 16, mask, k;
	uint32_t *used, id;

	while (cap < n * 2)
		cap *= 2;
	used = calloc(cap, sizeof(*used));
	if (!used)
		return -ENOMEM;
	mask = cap - 1;
	for (i = 0; i < n; i++) {
		id = kp_fnv32(names[i]);
		for (;;) {
			if (!id)
				id = 1;
			for (k = id & mask; used[k] && used[k] != id;
			     k = (k + 1) & mask)
				;
			if (!used[k])
				break;
			id++;
		}
		used[k] = id;
		ids[i] = id;
	}
	free(used);
	return 0;
}

struct name_idx {
	char *name;
	size_t old;
};

static int name_idx_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name_idx *)a)->name,
		      ((const struct name_idx *)b)->name);
}

/*
 * Sort @n objects of @size bytes at @base by the char * at @name_off, give
 * them ids (the u32 at @id_off), and record in id_of[old index] the id of
 * what was there before sorting.
 */
static int sort_and_id(void *base, size_t n, size_t size, size_t name_off,
		       size_t id_off, uint32_t *id_of)
{
	char **names = NULL, *tmp = NULL;
	struct name_idx *ni = NULL;
	uint32_t *ids = NULL;
	int ret = -ENOMEM;
	size_t i;

	if (!n)
		return 0;
	ni = calloc(n, sizeof(*ni));
	names = calloc(n, sizeof(*names));
	ids = calloc(n, sizeof(*ids));
	tmp = malloc(n * size);
	if (!ni || !names || !ids || !tmp)
		goto out;
	for (i = 0; i < n; i++) {
		memcpy(&ni[i].name, (char *)base + i * size + name_off,
		       sizeof(char *));
		ni[i].old = i;
	}
	qsort(ni, n, sizeof(*ni), name_idx_cmp);
	for (i = 0; i < n; i++) {
		names[i] = ni[i].name;
		memcpy(tmp + i * size, (char *)base + ni[i].old * size, size);
	}
	ret = assign_ids(names, n, ids);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		memcpy(tmp + i * size + id_off, &ids[i], sizeof(uint32_t));
		if (id_of)
			id_of[ni[i].old] = ids[i];
	}
	memcpy(base, tmp, n * size);
out:
	free(ni);
	free(names);
	free(ids);
	free(tmp);
	return ret;
}

#define SORT_AND_ID(v, n, type, id_of)					\
	sort_and_id(v, n, sizeof(type), offsetof(type, name),		\
		    offsetof(type, id), id_of)

static int finish(struct kp_ruleset *rs)
{
	uint32_t *set_id = NULL, *pol_id = NULL;
	int ret = -ENOMEM, dir;
	size_t i, k;

	set_id = calloc(rs->n_peersets + 1, sizeof(*set_id));
	pol_id = calloc(rs->n_policies + 1, sizeof(*pol_id));
	if (!set_id || !pol_id)
		goto out;
	ret = SORT_AND_ID(rs->services, rs->n_services, struct kp_service,
			  NULL);
	if (!ret)
		ret = SORT_AND_ID(rs->peersets, rs->n_peersets,
				  struct kp_peerset, set_id);
	if (!ret)
		ret = SORT_AND_ID(rs->policies, rs->n_policies,
				  struct kp_policy, pol_id);
	if (!ret)
		ret = SORT_AND_ID(rs->pods, rs->n_pods, struct kp_pod, NULL);
	if (ret)
		goto out;
	for (i = 0; i < rs->n_policies; i++) {
		struct kp_policy *p = &rs->policies[i];

		for (k = 0; k < p->n_rules; k++) {
			struct kp_rule *r = &p->rules[k];
			size_t j;

			for (j = 0; j < r->n_peers; j++)
				r->peers[j] = set_id[r->peers[j]];
		}
	}
	for (i = 0; i < rs->n_pods; i++) {
		struct kp_pod *p = &rs->pods[i];

		for (dir = 0; dir < __KUBENF_DIR_MAX; dir++) {
			uint32_t *v = dir ? p->egress : p->ingress;
			size_t *n = dir ? &p->n_egress : &p->n_ingress;

			for (k = 0; k < *n; k++)
				v[k] = pol_id[v[k]];
			*n = kp_sort_unique(v, *n, sizeof(*v), u32_cmp);
		}
	}
out:
	free(set_id);
	free(pol_id);
	return ret;
}

int kp_compile(const struct kp_state *st, const char *node_name,
	       struct kp_ruleset **out, struct kp_errors *errs)
{
	struct kp_build b = {
		.st = st,
		.node = node_name,
		.errs = errs,
	};
	size_t i;
	int ret = -ENOMEM, dir;

	if (!st || !node_name || !*node_name || !out)
		return -EINVAL;
	*out = NULL;
	b.rs = calloc(1, sizeof(*b.rs));
	if (!b.rs)
		return -ENOMEM;
	b.rs->node_name = strdup(node_name);
	if (!b.rs->node_name)
		goto out;
	ret = index_pods(&b);
	if (!ret)
		ret = kp_service_compile(&b);
	if (!ret)
		ret = kp_netpol_compile(&b);
	if (!ret)
		ret = emit_pods(&b);
	if (!ret)
		ret = finish(b.rs);
out:
	for (i = 0; i < b.n_locals; i++)
		for (dir = 0; dir < __KUBENF_DIR_MAX; dir++)
			free(b.locals[i].pol[dir]);
	free(b.locals);
	free(b.peers);
	free(b.peer_ns);
	kp_map_free(&b.ns_labels, labels_free);
	kp_map_free(&b.peerset_idx, NULL);
	kp_map_free(&b.policy_idx, NULL);
	if (ret) {
		kp_ruleset_free(b.rs);
		return ret;
	}
	*out = b.rs;
	return 0;
}
