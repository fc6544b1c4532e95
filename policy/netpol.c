// SPDX-License-Identifier: GPL-2.0
/*
 * NetworkPolicy -> policies, peersets and the isolation of local pods.
 *
 * For every policy and direction in its policyTypes, each node-local pod
 * that spec.podSelector selects becomes isolated in that direction and gets
 * the compiled policy. Policies that select no local pod are not emitted:
 * the node never judges traffic for them.
 *
 * Peers become peersets named after their definition (see
 * kubenf_policy.h), so identical peers share one set across policies.
 *
 * Named ports resolve against the pod that receives the traffic, matching
 * the container port's name and protocol:
 *  - ingress: the selected local pod. Pods that resolve a name differently
 *    get different policies, named by the resolution.
 *  - egress: each destination pod. The rule is split per resolved number,
 *    each part with a peerset of the peer pods that serve the name on that
 *    number. A destination that is not a pod resolves nothing. For ipBlock
 *    peers only the pod addresses inside the block (and outside its
 *    except) count, and for a rule without peers every pod does.
 * A name nobody serves matches nothing; the pod stays isolated.
 *
 * A NetworkPolicy that does not parse isolates every local pod of its
 * namespace in both directions (fail_closed()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static const char *const dir_names[__KUBENF_DIR_MAX] = {
	[KUBENF_DIR_INGRESS] = "ingress",
	[KUBENF_DIR_EGRESS] = "egress",
};

static const uint32_t isolated_flags[__KUBENF_DIR_MAX] = {
	[KUBENF_DIR_INGRESS] = KUBENF_POD_F_INGRESS_ISOLATED,
	[KUBENF_DIR_EGRESS] = KUBENF_POD_F_EGRESS_ISOLATED,
};

static void peer_fmt(const struct k8s_np_peer *p, struct kp_sb *sb)
{
	char buf[KP_CIDR_STRLEN];
	size_t i;

	if (!p->is_block) {
		kp_sb_puts(sb, "pods ns{");
		kp_selector_fmt(&p->ns_sel, sb);
		kp_sb_puts(sb, "} pod{");
		kp_selector_fmt(&p->pod_sel, sb);
		kp_sb_puts(sb, "}");
		return;
	}
	kp_cidr_fmt(&p->block.cidr, buf);
	kp_sb_printf(sb, "ip %s", buf);
	for (i = 0; i < p->block.n_except; i++) {
		kp_cidr_fmt(&p->block.except[i], buf);
		kp_sb_printf(sb, "%s%s", i ? "," : " except ", buf);
	}
}

static int block_cmp(const void *pa, const void *pb)
{
	const struct kp_block *a = pa, *b = pb;

	return kp_cidr_cmp(&a->cidr, &b->cidr);
}

static int add_host(struct kp_block **v, size_t *n, size_t *cap,
		    const struct kp_addr *a)
{
	struct kp_block *e = vec_push(*v, *n, *cap);

	if (!e)
		return -ENOMEM;
	e->cidr.addr = *a;
	e->cidr.prefix = a->family == AF_INET ? 32 : 128;
	return 0;
}

static bool peer_selects(const struct kp_build *b, const struct k8s_np_peer *p,
			 size_t i)
{
	return kp_selector_match(&p->ns_sel, b->peer_ns[i]) &&
	       kp_selector_match(&p->pod_sel, &b->peers[i]->labels);
}

static bool block_holds(const struct kp_block *blk, const struct kp_addr *a)
{
	size_t i;

	if (!kp_cidr_contains(&blk->cidr, a))
		return false;
	for (i = 0; i < blk->n_except; i++)
		if (kp_cidr_contains(&blk->except[i], a))
			return false;
	return true;
}

/* The peerset of one peer, created and filled on first use. */
static int peer_set(struct kp_build *b, const struct k8s_np_peer *p,
		    uint32_t *idx)
{
	size_t i, k, n = 0, cap = 0;
	struct kp_block *v = NULL;
	struct kp_sb sb = { 0 };
	struct kp_peerset *s;
	bool created;
	char *name;
	int ret;

	peer_fmt(p, &sb);
	name = kp_sb_steal(&sb);
	if (!name)
		return -ENOMEM;
	kp_name_fit(name);
	ret = kp_build_peerset(b, name, idx, &created);
	free(name);
	if (ret || !created)
		return ret;
	if (p->is_block) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		v->cidr = p->block.cidr;
		n = 1;
		if (p->block.n_except) {
			v->except = malloc(p->block.n_except *
					   sizeof(*v->except));
			if (!v->except) {
				free(v);
				return -ENOMEM;
			}
			memcpy(v->except, p->block.except,
			       p->block.n_except * sizeof(*v->except));
			v->n_except = p->block.n_except;
		}
	} else {
		for (i = 0; i < b->n_peers; i++) {
			const struct k8s_pod *pod = &b->peers[i]->u.pod;

			if (!peer_selects(b, p, i))
				continue;
			for (k = 0; k < pod->n_addrs; k++) {
				if (add_host(&v, &n, &cap, &pod->addrs[k])) {
					free(v);
					return -ENOMEM;
				}
			}
		}
		n = kp_sort_unique(v, n, sizeof(*v), block_cmp);
	}
	s = &b->rs->peersets[*idx];
	s->entries = v;
	s->n_entries = n;
	return 0;
}

static uint16_t resolve_port(const struct kp_obj *pod, const char *name,
			     uint8_t proto)
{
	const struct k8s_pod *p = &pod->u.pod;
	size_t i;

	for (i = 0; i < p->n_cports; i++)
		if (p->cports[i].name && p->cports[i].proto == proto &&
		    !strcmp(p->cports[i].name, name))
			return p->cports[i].port;
	return 0;
}

static int range_cmp(const void *pa, const void *pb)
{
	const struct kp_portrange *a = pa, *b = pb;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return (a->last > b->last) - (a->last < b->last);
}

/*
 * The port ranges of @r: numeric ones, and named ones resolved on @dst
 * (skipped when @dst is NULL).
 */
static int rule_ports(const struct k8s_np_rule *r, const struct kp_obj *dst,
		      struct kp_portrange **out, size_t *n)
{
	struct kp_portrange *pr;
	size_t i, cap = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < r->n_ports; i++) {
		const struct k8s_np_port *p = &r->ports[i];
		uint16_t port = p->port, last = p->end_port;

		if (p->name) {
			port = dst ? resolve_port(dst, p->name, p->proto) : 0;
			if (!port)
				continue;
		}
		pr = vec_push(*out, *n, cap);
		if (!pr)
			return -ENOMEM;
		pr->proto = p->proto;
		pr->first = port;
		pr->last = last ? last : port;
	}
	*n = kp_sort_unique(*out, *n, sizeof(**out), range_cmp);
	return 0;
}

static int rule_peers(struct kp_build *b, const struct k8s_np_rule *r,
		      uint32_t **out, size_t *n)
{
	size_t i;
	int ret;

	*n = 0;
	*out = NULL;
	if (!r->n_peers)
		return 0;
	*out = calloc(r->n_peers, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < r->n_peers; i++) {
		uint32_t idx;
		size_t k;

		ret = peer_set(b, &r->peers[i], &idx);
		if (ret)
			return ret;
		/* Two peers of one rule may be the same set. */
		for (k = 0; k < *n && (*out)[k] != idx; k++)
			;
		if (k == *n)
			(*out)[(*n)++] = idx;
	}
	return 0;
}

struct rules {
	struct kp_rule *v;
	size_t n, cap;
};

static void rules_free(struct kp_rule *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].peers);
		free(v[i].ports);
	}
	free(v);
}

/* Append a rule; takes @peers and @ports in every case. */
static int add_rule(struct rules *rs, uint32_t *peers, size_t n_peers,
		    struct kp_portrange *ports, size_t n_ports)
{
	struct kp_rule *r = vec_push(rs->v, rs->n, rs->cap);

	if (!r) {
		free(peers);
		free(ports);
		return -ENOMEM;
	}
	r->peers = peers;
	r->n_peers = n_peers;
	r->ports = ports;
	r->n_ports = n_ports;
	return 0;
}

static int ingress_rule(struct kp_build *b, const struct k8s_np_rule *r,
			const struct kp_obj *dst, struct rules *out)
{
	struct kp_portrange *ports;
	size_t n_ports, n_peers;
	uint32_t *peers;
	int ret;

	ret = rule_ports(r, dst, &ports, &n_ports);
	if (ret || (r->n_ports && !n_ports)) {
		/* Only unresolved named ports: the rule matches nothing. */
		free(ports);
		return ret;
	}
	ret = rule_peers(b, r, &peers, &n_peers);
	if (ret) {
		free(peers);
		free(ports);
		return ret;
	}
	return add_rule(out, peers, n_peers, ports, n_ports);
}

struct cand {
	uint16_t port;
	struct kp_addr addr;
};

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return kp_addr_cmp(&a->addr, &b->addr);
}

static int add_cand(struct cand **v, size_t *n, size_t *cap,
		    const struct kp_obj *pod, const struct kp_addr *a,
		    const struct k8s_np_port *np)
{
	uint16_t port = resolve_port(pod, np->name, np->proto);
	struct cand *c;

	if (!port)
		return 0;
	c = vec_push(*v, *n, *cap);
	if (!c)
		return -ENOMEM;
	c->port = port;
	c->addr = *a;
	return 0;
}

/* The (port, address) pairs that egress named port @np reaches. */
static int named_cands(struct kp_build *b, const struct k8s_np_rule *r,
		       const struct k8s_np_port *np, struct cand **v,
		       size_t *n)
{
	size_t i, k, j, cap = 0;
	int ret;

	*v = NULL;
	*n = 0;
	for (i = 0; i < b->n_peers; i++) {
		const struct k8s_pod *pod = &b->peers[i]->u.pod;

		for (k = 0; k < pod->n_addrs; k++) {
			bool hit = !r->n_peers;

			for (j = 0; !hit && j < r->n_peers; j++) {
				const struct k8s_np_peer *p = &r->peers[j];

				hit = p->is_block ?
				      block_holds(&p->block, &pod->addrs[k]) :
				      peer_selects(b, p, i);
			}
			if (!hit)
				continue;
			ret = add_cand(v, n, &cap, b->peers[i],
				       &pod->addrs[k], np);
			if (ret)
				return ret;
		}
	}
	*n = kp_sort_unique(*v, *n, sizeof(**v), cand_cmp);
	return 0;
}

/* One rule per number that egress named port @np resolves to. */
static int egress_named(struct kp_build *b, const struct k8s_np_rule *r,
			const struct k8s_np_port *np, struct rules *out)
{
	size_t i, j, k, n, n_entries, cap;
	struct kp_block *entries = NULL;
	struct kp_portrange *pr;
	struct kp_sb sb = { 0 };
	struct cand *c;
	uint32_t *peer;
	bool created;
	char *name;
	int ret;

	ret = named_cands(b, r, np, &c, &n);
	if (ret)
		goto out;
	for (i = 0; i < n; i = k) {
		for (k = i; k < n && c[k].port == c[i].port; k++)
			;
		kp_sb_puts(&sb, "named(");
		for (j = 0; j < r->n_peers; j++) {
			kp_sb_puts(&sb, j ? "; " : "");
			peer_fmt(&r->peers[j], &sb);
		}
		kp_sb_printf(&sb, "%s) %s/%s=%u", r->n_peers ? "" : "*",
			     np->name, kp_proto_str(np->proto), c[i].port);
		name = kp_sb_steal(&sb);
		ret = -ENOMEM;
		peer = malloc(sizeof(*peer));
		pr = calloc(1, sizeof(*pr));
		if (!name || !peer || !pr) {
			free(name);
			free(peer);
			free(pr);
			goto out;
		}
		kp_name_fit(name);
		ret = kp_build_peerset(b, name, peer, &created);
		free(name);
		if (ret) {
			free(peer);
			free(pr);
			goto out;
		}
		if (created) {
			entries = NULL;
			n_entries = cap = 0;
			for (j = i; j < k; j++) {
				ret = add_host(&entries, &n_entries, &cap,
					       &c[j].addr);
				if (ret) {
					free(entries);
					free(peer);
					free(pr);
					goto out;
				}
			}
			b->rs->peersets[*peer].entries = entries;
			b->rs->peersets[*peer].n_entries = n_entries;
		}
		pr->proto = np->proto;
		pr->first = pr->last = c[i].port;
		ret = add_rule(out, peer, 1, pr, 1);
		if (ret)
			goto out;
	}
out:
	free(c);
	return ret;
}

static int egress_rule(struct kp_build *b, const struct k8s_np_rule *r,
		       struct rules *out)
{
	size_t i, k, n_ports, n_peers;
	struct kp_portrange *ports;
	uint32_t *peers;
	int ret;

	ret = rule_ports(r, NULL, &ports, &n_ports);
	if (ret)
		goto err;
	if (!r->n_ports || n_ports) {
		ret = rule_peers(b, r, &peers, &n_peers);
		if (ret) {
			free(peers);
			goto err;
		}
		ret = add_rule(out, peers, n_peers, ports, n_ports);
		if (ret)
			return ret;
	} else {
		free(ports);
	}
	for (i = 0; i < r->n_ports; i++) {
		const struct k8s_np_port *np = &r->ports[i];

		if (!np->name)
			continue;
		/* The same name and protocol twice compile once. */
		for (k = 0; k < i; k++)
			if (r->ports[k].name && r->ports[k].proto == np->proto &&
			    !strcmp(r->ports[k].name, np->name))
				break;
		if (k < i)
			continue;
		ret = egress_named(b, r, np, out);
		if (ret)
			return ret;
	}
	return 0;
err:
	free(ports);
	return ret;
}

struct named_port {
	const char *name;
	uint8_t proto;
};

static int named_cmp(const void *pa, const void *pb)
{
	const struct named_port *a = pa, *b = pb;
	int r = strcmp(a->name, b->name);

	return r ? r : (a->proto > b->proto) - (a->proto < b->proto);
}

/*
 * The name of the policy @o compiles to for local pod @dst: with ingress
 * named ports, the resolution on @dst is part of it.
 */
static char *policy_name(const struct kp_obj *o, int dir,
			 const struct kp_obj *dst)
{
	const struct k8s_netpol *np = &o->u.np;
	struct named_port *v = NULL;
	size_t i, k, n = 0, cap = 0;
	struct kp_sb sb = { 0 };
	char *name;

	kp_sb_printf(&sb, "%s/%s/%s", o->ns, o->name, dir_names[dir]);
	for (i = 0; dir == KUBENF_DIR_INGRESS && i < np->n_rules[dir]; i++) {
		const struct k8s_np_rule *r = &np->rules[dir][i];

		for (k = 0; k < r->n_ports; k++) {
			struct named_port *p;

			if (!r->ports[k].name)
				continue;
			p = vec_push(v, n, cap);
			if (!p) {
				sb.oom = true;
				break;
			}
			p->name = r->ports[k].name;
			p->proto = r->ports[k].proto;
		}
	}
	n = kp_sort_unique(v, n, sizeof(*v), named_cmp);
	for (i = 0; i < n; i++) {
		uint16_t port = resolve_port(dst, v[i].name, v[i].proto);

		kp_sb_printf(&sb, "%c%s/%s=", i ? ',' : ':', v[i].name,
			     kp_proto_str(v[i].proto));
		if (port)
			kp_sb_printf(&sb, "%u", port);
		else
			kp_sb_puts(&sb, "none");
	}
	free(v);
	name = kp_sb_steal(&sb);
	if (name)
		kp_name_fit(name);
	return name;
}

/* The policy that @o compiles to in @dir for local pod @dst. */
static int policy_for(struct kp_build *b, const struct kp_obj *o, int dir,
		      const struct kp_obj *dst, uint32_t *idx)
{
	const struct k8s_netpol *np = &o->u.np;
	struct kp_ruleset *rs = b->rs;
	struct rules rules = { 0 };
	struct kp_policy *p;
	int ret = -ENOMEM;
	uintptr_t found;
	char *name;
	size_t i;

	name = policy_name(o, dir, dst);
	if (!name)
		return -ENOMEM;
	found = (uintptr_t)kp_map_get(&b->policy_idx, name);
	if (found) {
		*idx = found - 1;
		free(name);
		return 0;
	}
	for (i = 0; i < np->n_rules[dir]; i++) {
		const struct k8s_np_rule *r = &np->rules[dir][i];

		ret = dir == KUBENF_DIR_INGRESS ?
		      ingress_rule(b, r, dst, &rules) :
		      egress_rule(b, r, &rules);
		if (ret)
			goto err;
	}
	ret = -ENOMEM;
	p = vec_push(rs->policies, rs->n_policies, b->cap_policies);
	if (!p)
		goto err;
	if (kp_map_put(&b->policy_idx, name,
		       (void *)(uintptr_t)rs->n_policies, NULL)) {
		rs->n_policies--;
		goto err;
	}
	p->name = name;
	p->dir = dir;
	p->rules = rules.v;
	p->n_rules = rules.n;
	*idx = rs->n_policies - 1;
	return 0;
err:
	rules_free(rules.v, rules.n);
	free(name);
	return ret;
}

/*
 * A NetworkPolicy that cannot be read may have meant to isolate any pod of
 * its namespace, in either direction: fail closed, isolating all of them
 * both ways (with nothing of its own allowing anything), rather than leave
 * them open. The API server never stores such an object; a file can. Each
 * is reported here, with what it did.
 */
static int fail_closed(struct kp_build *b)
{
	const uint32_t both = KUBENF_POD_F_INGRESS_ISOLATED |
			      KUBENF_POD_F_EGRESS_ISOLATED;
	const struct kp_obj **bad;
	size_t i, k, n, hit;
	int ret;

	ret = kp_state_invalid(b->st, KP_NETPOL, &bad, &n);
	for (i = 0; !ret && i < n; i++) {
		hit = 0;
		for (k = 0; k < b->n_locals; k++) {
			if (strcmp(b->locals[k].o->ns, bad[i]->ns))
				continue;
			b->locals[k].flags |= both;
			hit++;
		}
		if (hit)
			ret = kp_errors_add(b->errs, "NetworkPolicy",
					    bad[i]->ns, bad[i]->name,
					    "%s; failing closed: the %zu pod(s) of namespace %s on this node are isolated both ways",
					    bad[i]->error, hit, bad[i]->ns);
		else
			ret = kp_errors_add(b->errs, "NetworkPolicy",
					    bad[i]->ns, bad[i]->name, "%s",
					    bad[i]->error);
	}
	free(bad);
	return ret;
}

int kp_netpol_compile(struct kp_build *b)
{
	const struct kp_obj **nps;
	size_t i, k, n;
	int ret, dir;

	/* The invalid ones are reported by fail_closed(). */
	ret = kp_state_sorted(b->st, KP_NETPOL, &nps, &n, NULL);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		const struct k8s_netpol *np = &nps[i]->u.np;

		for (dir = 0; dir < __KUBENF_DIR_MAX; dir++) {
			if (!np->types[dir])
				continue;
			for (k = 0; k < b->n_locals; k++) {
				struct kp_build_pod *lp = &b->locals[k];
				uint32_t *slot;

				if (strcmp(lp->o->ns, nps[i]->ns) ||
				    !kp_selector_match(&np->pod_sel,
						       &lp->o->labels))
					continue;
				lp->flags |= isolated_flags[dir];
				slot = vec_push(lp->pol[dir], lp->n_pol[dir],
						lp->cap_pol[dir]);
				ret = slot ? policy_for(b, nps[i], dir, lp->o,
							slot) : -ENOMEM;
				if (ret)
					goto out;
			}
		}
	}
	ret = fail_closed(b);
out:
	free(nps);
	return ret;
}
