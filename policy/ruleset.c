// SPDX-License-Identifier: GPL-2.0
/*
 * The compiled model: freeing it, and its deterministic JSON form (the
 * golden-test format and what kubenfctl/the agent print for debugging).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

size_t kp_sort_unique(void *base, size_t n, size_t size,
		      int (*cmp)(const void *, const void *))
{
	char *v = base;
	size_t i, k;

	if (n < 2)
		return n;
	qsort(base, n, size, cmp);
	for (i = 1, k = 1; i < n; i++) {
		if (!cmp(v + (k - 1) * size, v + i * size))
			continue;
		if (k != i)
			memcpy(v + k * size, v + i * size, size);
		k++;
	}
	return k;
}

void kp_peerset_clear(struct kp_peerset *s)
{
	size_t i;

	for (i = 0; i < s->n_entries; i++)
		free(s->entries[i].except);
	free(s->entries);
	free(s->name);
}

void kp_policy_clear(struct kp_policy *p)
{
	size_t i;

	for (i = 0; i < p->n_rules; i++) {
		free(p->rules[i].peers);
		free(p->rules[i].ports);
	}
	free(p->rules);
	free(p->name);
}

void kp_service_clear(struct kp_service *s)
{
	free(s->frontends);
	free(s->backends);
	free(s->source_ranges);
	free(s->name);
}

void kp_pod_clear(struct kp_pod *p)
{
	free(p->addrs);
	free(p->ingress);
	free(p->egress);
	free(p->name);
}

void kp_ruleset_free(struct kp_ruleset *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->n_services; i++)
		kp_service_clear(&rs->services[i]);
	for (i = 0; i < rs->n_peersets; i++)
		kp_peerset_clear(&rs->peersets[i]);
	for (i = 0; i < rs->n_policies; i++)
		kp_policy_clear(&rs->policies[i]);
	for (i = 0; i < rs->n_pods; i++)
		kp_pod_clear(&rs->pods[i]);
	free(rs->services);
	free(rs->peersets);
	free(rs->policies);
	free(rs->pods);
	kp_health_checks_free(rs->health_checks, rs->n_health_checks);
	free(rs->node_name);
	free(rs);
}

void kp_health_checks_free(struct kp_health_check *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* ---- JSON ------------------------------------------------------------- */

/*
 * Builders return a new reference or NULL. json_object_set_new() and
 * json_array_append_new() take NULL as a failure (and always consume the
 * value), so a chain of them needs one check.
 */

static json_t *addr_json(const struct kp_addr *a)
{
	char buf[KP_ADDR_STRLEN];

	kp_addr_fmt(a, buf);
	return json_string(buf);
}

static json_t *cidr_json(const struct kp_cidr *c)
{
	char buf[KP_CIDR_STRLEN];

	kp_cidr_fmt(c, buf);
	return json_string(buf);
}

static json_t *flags_json(uint32_t flags, const char *const *names,
			  size_t n_names)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n_names; i++) {
		if (!(flags & (1U << i)))
			continue;
		if (json_array_append_new(a, json_string(names[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *ids_json(const uint32_t *ids, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_integer(ids[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *cidrs_json(const struct kp_cidr *c, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++) {
		if (json_array_append_new(a, cidr_json(&c[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *obj_head(uint32_t id, const char *name)
{
	json_t *o = json_object();

	if (o && (json_object_set_new(o, "id", json_integer(id)) ||
		  json_object_set_new(o, "name", json_string(name)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *const fe_kinds[__KUBENF_FE_KIND_MAX] = {
	[KUBENF_FE_CLUSTER_IP] = "cluster-ip",
	[KUBENF_FE_NODE_PORT] = "node-port",
	[KUBENF_FE_EXTERNAL_IP] = "external-ip",
	[KUBENF_FE_LOAD_BALANCER] = "load-balancer",
};
static const char *const svc_flags[] = { "internal-local", "external-local" };
static const char *const be_flags[] = {
	"ready", "serving", "terminating", "local"
};
static const char *const pod_flags[] = {
	"ingress-isolated", "egress-isolated"
};

static json_t *frontend_json(const struct kp_frontend *fe)
{
	json_t *o = json_object();
	int err;

	if (!o)
		return NULL;
	err = json_object_set_new(o, "kind", json_string(fe->kind <
		__KUBENF_FE_KIND_MAX ? fe_kinds[fe->kind] : "?"));
	if (fe->kind == KUBENF_FE_NODE_PORT)
		err |= json_object_set_new(o, "family", json_string(
			fe->addr.family == AF_INET ? "ipv4" : "ipv6"));
	else
		err |= json_object_set_new(o, "addr", addr_json(&fe->addr));
	err |= json_object_set_new(o, "proto",
				   json_string(kp_proto_str(fe->proto)));
	err |= json_object_set_new(o, "port", json_integer(fe->port));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *backend_json(const struct kp_backend *be)
{
	return json_pack("{s:o, s:i, s:o}",
			 "addr", addr_json(&be->addr),
			 "port", be->port,
			 "flags", flags_json(be->flags, be_flags,
					     ARRAY_SIZE(be_flags)));
}

static json_t *service_json(const struct kp_service *s)
{
	json_t *o = obj_head(s->id, s->name), *fes, *bes;
	size_t i;
	int err;

	if (!o)
		return NULL;
	fes = json_array();
	bes = json_array();
	err = !fes || !bes;
	for (i = 0; !err && i < s->n_frontends; i++)
		err = json_array_append_new(fes, frontend_json(
					    &s->frontends[i]));
	for (i = 0; !err && i < s->n_backends; i++)
		err = json_array_append_new(bes,
					    backend_json(&s->backends[i]));
	err |= json_object_set_new(o, "flags", flags_json(s->flags,
				   svc_flags, ARRAY_SIZE(svc_flags)));
	err |= json_object_set_new(o, "affinity_timeout",
				   json_integer(s->affinity_timeout));
	err |= json_object_set_new(o, "frontends", fes);
	err |= json_object_set_new(o, "source_ranges",
				   cidrs_json(s->source_ranges,
					      s->n_source_ranges));
	err |= json_object_set_new(o, "backends", bes);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *peerset_json(const struct kp_peerset *s)
{
	json_t *o = obj_head(s->id, s->name), *entries = json_array();
	int err = !o || !entries;
	size_t i;

	for (i = 0; !err && i < s->n_entries; i++) {
		const struct kp_block *b = &s->entries[i];
		json_t *e = json_object();

		err = json_object_set_new(e, "cidr", cidr_json(&b->cidr));
		if (b->n_except)
			err |= json_object_set_new(e, "except",
					cidrs_json(b->except, b->n_except));
		if (err) {
			json_decref(e);
			break;
		}
		err = json_array_append_new(entries, e);
	}
	if (err || json_object_set_new(o, "entries", entries)) {
		if (err)
			json_decref(entries);
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *rule_json(const struct kp_rule *r)
{
	json_t *o = json_object(), *ports;
	int err = !o;
	size_t i;

	if (!err && r->n_peers)
		err = json_object_set_new(o, "peers",
					  ids_json(r->peers, r->n_peers));
	if (!err && r->n_ports) {
		ports = json_array();
		err = json_object_set_new(o, "ports", ports);
		for (i = 0; !err && i < r->n_ports; i++) {
			const struct kp_portrange *p = &r->ports[i];
			json_t *pj;

			pj = json_pack("{s:s}", "proto",
				       kp_proto_str(p->proto));
			if (pj && p->first &&
			    (json_object_set_new(pj, "first",
						 json_integer(p->first)) ||
			     json_object_set_new(pj, "last",
						 json_integer(p->last)))) {
				json_decref(pj);
				pj = NULL;
			}
			err = json_array_append_new(ports, pj);
		}
	}
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *policy_json(const struct kp_policy *p)
{
	json_t *o = obj_head(p->id, p->name), *rules = json_array();
	int err = !o || !rules;
	size_t i;

	for (i = 0; !err && i < p->n_rules; i++)
		err = json_array_append_new(rules, rule_json(&p->rules[i]));
	if (!err)
		err = json_object_set_new(o, "dir", json_string(
			p->dir == KUBENF_DIR_INGRESS ? "ingress" : "egress"));
	if (err || json_object_set_new(o, "rules", rules)) {
		if (err)
			json_decref(rules);
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *pod_json(const struct kp_pod *p)
{
	json_t *o = obj_head(p->id, p->name), *addrs = json_array();
	int err = !o || !addrs;
	size_t i;

	for (i = 0; !err && i < p->n_addrs; i++)
		err = json_array_append_new(addrs, addr_json(&p->addrs[i]));
	if (err) {
		json_decref(addrs);
		json_decref(o);
		return NULL;
	}
	err = json_object_set_new(o, "addrs", addrs);
	err |= json_object_set_new(o, "flags", flags_json(p->flags,
				   pod_flags, ARRAY_SIZE(pod_flags)));
	err |= json_object_set_new(o, "ingress",
				   ids_json(p->ingress, p->n_ingress));
	err |= json_object_set_new(o, "egress",
				   ids_json(p->egress, p->n_egress));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Append @n elements of @size bytes at @v, each through @fn, to a new
 * array set as @key of @o.
 */
static int set_list(json_t *o, const char *key, const void *v, size_t n,
		    size_t size, json_t *(*fn)(const void *))
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++) {
		if (json_array_append_new(a, fn((const char *)v + i * size))) {
			json_decref(a);
			return -ENOMEM;
		}
	}
	return json_object_set_new(o, key, a) ? -ENOMEM : 0;
}

static json_t *service_fn(const void *p)
{
	return service_json(p);
}

static json_t *peerset_fn(const void *p)
{
	return peerset_json(p);
}

static json_t *policy_fn(const void *p)
{
	return policy_json(p);
}

static json_t *pod_fn(const void *p)
{
	return pod_json(p);
}

static json_t *health_check_fn(const void *p)
{
	const struct kp_health_check *hc = p;

	return json_pack("{s:s, s:i, s:I}", "name", hc->name, "port",
			 (int)hc->port, "local_endpoints",
			 (json_int_t)hc->local_endpoints);
}

json_t *kp_ruleset_to_json(const struct kp_ruleset *rs)
{
	json_t *o;

	if (!rs)
		return NULL;
	o = json_object();
	if (!o)
		return NULL;
	if (json_object_set_new(o, "node", json_string(rs->node_name)) ||
	    set_list(o, "services", rs->services, rs->n_services,
		     sizeof(*rs->services), service_fn) ||
	    set_list(o, "peersets", rs->peersets, rs->n_peersets,
		     sizeof(*rs->peersets), peerset_fn) ||
	    set_list(o, "policies", rs->policies, rs->n_policies,
		     sizeof(*rs->policies), policy_fn) ||
	    set_list(o, "pods", rs->pods, rs->n_pods, sizeof(*rs->pods),
		     pod_fn) ||
	    (rs->n_health_checks &&
	     set_list(o, "health_checks", rs->health_checks,
		      rs->n_health_checks, sizeof(*rs->health_checks),
		      health_check_fn))) {
		json_decref(o);
		return NULL;
	}
	return o;
}
