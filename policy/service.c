// SPDX-License-Identifier: GPL-2.0
/*
 * Service + EndpointSlice -> one kernel service per Service port.
 *
 * Frontends, in this order: every cluster IP (both families of a
 * dual-stack Service), the node port once per Service IP family
 * (NodePort and LoadBalancer types), spec.externalIPs, and for
 * LoadBalancer Services the status.loadBalancer.ingress IPs, except those
 * with ipMode Proxy (KEP-1860: the load balancer proxies to the node, so
 * the node must not capture the IP). loadBalancerSourceRanges go with
 * LoadBalancer Services only; kube-proxy does not apply them to node ports
 * either.
 *
 * Backends come from the EndpointSlices labelled
 * kubernetes.io/service-name=<Service>, also for Services without a
 * selector. The slice port with the Service port's name and protocol gives
 * the target port (the EndpointSlice controller has resolved named
 * targetPorts per pod already). Conditions are read as kube-proxy does:
 * ready and serving default to true, terminating to false. An endpoint on
 * this node is LOCAL. An endpoint in two slices counts once (the slice
 * first by name wins), as in kube-proxy's endpoint cache. Slices of a
 * family the Service does not have, and FQDN slices, are ignored.
 *
 * A LoadBalancer Service with externalTrafficPolicy Local and a
 * healthCheckNodePort gets a health check: its ready endpoints on this
 * node, of its primary family (a dual-stack pod counts once), which the
 * agent serves on that port as kube-proxy does. Two Services claiming one
 * port: the first by name keeps it.
 *
 * ExternalName and headless Services (clusterIP None) have no kernel
 * object, nor has a Service port without any frontend. A frontend (address, protocol, port) may belong to one service
 * only: Services are taken in namespace/name order, and a later claim is
 * dropped from its service and reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

struct slices {
	const struct kp_obj **v;
	size_t n, cap;
};

static void slices_free(void *p)
{
	struct slices *s = p;

	free(s->v);
	free(s);
}

/* "ns/service" -> the slices of that Service, in slice name order. */
static int index_slices(const struct kp_obj **v, size_t n, struct kp_map *m)
{
	struct kp_sb sb = { 0 };
	struct slices *s;
	char *key;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct k8s_eps *eps = &v[i]->u.eps;

		if (!eps->service || !eps->family)
			continue;
		kp_sb_printf(&sb, "%s/%s", v[i]->ns, eps->service);
		key = kp_sb_steal(&sb);
		if (!key)
			return -ENOMEM;
		s = kp_map_get(m, key);
		if (!s) {
			s = calloc(1, sizeof(*s));
			if (!s || kp_map_put(m, key, s, NULL)) {
				free(s);
				free(key);
				return -ENOMEM;
			}
		}
		free(key);
		if (kp_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
			return -ENOMEM;
		s->v[s->n++] = v[i];
	}
	return 0;
}

struct svc_ctx {
	struct kp_build *b;
	const struct kp_obj *o;
	const struct k8s_svc_port *sp;
	struct kp_service *out;
	size_t cap_fe;
	struct kp_map *owners;	/* frontend key -> owning service name */
};

static void fe_key(const struct kp_frontend *fe, char *buf, size_t len)
{
	char a[KP_ADDR_STRLEN];

	if (fe->kind == KUBENF_FE_NODE_PORT)
		snprintf(a, sizeof(a), "node-port/%s",
			 fe->addr.family == AF_INET ? "ipv4" : "ipv6");
	else
		kp_addr_fmt(&fe->addr, a);
	snprintf(buf, len, "%s %s/%u", a, kp_proto_str(fe->proto), fe->port);
}

static int add_fe(struct svc_ctx *c, uint8_t kind, const struct kp_addr *a)
{
	struct kp_frontend fe = {
		.kind = kind,
		.addr = *a,
		.proto = c->sp->proto,
		.port = kind == KUBENF_FE_NODE_PORT ? c->sp->node_port :
						     c->sp->port,
	};
	struct kp_service *s = c->out;
	char key[KP_ADDR_STRLEN + 32];
	const char *owner;
	size_t i;

	fe_key(&fe, key, sizeof(key));
	/* The same triple twice in one Service (an external IP that is
	 * also the LB IP) is one frontend.
	 */
	for (i = 0; i < s->n_frontends; i++) {
		const struct kp_frontend *f = &s->frontends[i];

		if ((f->kind == KUBENF_FE_NODE_PORT) ==
		    (kind == KUBENF_FE_NODE_PORT) &&
		    !kp_addr_cmp(&f->addr, &fe.addr) &&
		    f->proto == fe.proto && f->port == fe.port)
			return 0;
	}
	owner = kp_map_get(c->owners, key);
	if (owner)
		return kp_errors_add(c->b->errs, "Service", c->o->ns,
				     c->o->name,
				     "frontend %s of %s already belongs to %s; dropped",
				     key, s->name, owner);
	if (kp_map_put(c->owners, key, s->name, NULL) ||
	    kp_grow(&s->frontends, &c->cap_fe, s->n_frontends + 1,
		    sizeof(*s->frontends)))
		return -ENOMEM;
	s->frontends[s->n_frontends++] = fe;
	return 0;
}

static bool external_ip_allowed(const struct kp_state *st,
				const struct kp_addr *a)
{
	size_t i;

	for (i = 0; i < st->n_extip_allow; i++)
		if (kp_cidr_contains(&st->extip_allow[i], a))
			return true;
	return false;
}

/* Once per Service, not once per port. */
static int report_external_ip(struct svc_ctx *c, size_t i)
{
	const struct k8s_svc *svc = &c->o->u.svc;
	char a[KP_ADDR_STRLEN];

	if (c->sp != &svc->ports[0])
		return 0;
	kp_addr_fmt(&svc->external_ips[i], a);
	return kp_errors_add(c->b->errs, "Service", c->o->ns, c->o->name,
			     "spec.externalIPs[%zu]: %s is not in an allowed external IP block; ignored",
			     i, a);
}

static int add_frontends(struct svc_ctx *c)
{
	const struct k8s_svc *svc = &c->o->u.svc;
	int ret, f;
	size_t i;

	for (i = 0; i < svc->n_cluster_ips; i++) {
		ret = add_fe(c, KUBENF_FE_CLUSTER_IP, &svc->cluster_ips[i]);
		if (ret)
			return ret;
	}
	if (c->sp->node_port && (svc->type == K8S_SVC_NODE_PORT ||
				 svc->type == K8S_SVC_LOAD_BALANCER)) {
		for (f = 0; f < 2 && svc->families[f]; f++) {
			struct kp_addr a = { .family = svc->families[f] };

			ret = add_fe(c, KUBENF_FE_NODE_PORT, &a);
			if (ret)
				return ret;
		}
	}
	for (i = 0; i < svc->n_external_ips; i++) {
		if (!external_ip_allowed(c->b->st, &svc->external_ips[i])) {
			ret = report_external_ip(c, i);
			if (ret)
				return ret;
			continue;
		}
		ret = add_fe(c, KUBENF_FE_EXTERNAL_IP, &svc->external_ips[i]);
		if (ret)
			return ret;
	}
	if (svc->type != K8S_SVC_LOAD_BALANCER)
		return 0;
	for (i = 0; i < svc->n_lb_ips; i++) {
		ret = add_fe(c, KUBENF_FE_LOAD_BALANCER, &svc->lb_ips[i]);
		if (ret)
			return ret;
	}
	return 0;
}

struct seq_backend {
	struct kp_backend be;
	size_t seq;
};

static int seq_backend_cmp(const void *pa, const void *pb)
{
	const struct seq_backend *a = pa, *b = pb;
	int r = kp_addr_cmp(&a->be.addr, &b->be.addr);

	if (r)
		return r;
	if (a->be.port != b->be.port)
		return a->be.port < b->be.port ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int add_backends(struct svc_ctx *c, const struct slices *sl)
{
	const struct k8s_svc *svc = &c->o->u.svc;
	struct kp_service *s = c->out;
	struct seq_backend *v = NULL;
	size_t i, k, n = 0, cap = 0;

	for (i = 0; sl && i < sl->n; i++) {
		const struct k8s_eps *eps = &sl->v[i]->u.eps;
		uint16_t port = 0;

		if (svc->families[0] && eps->family != svc->families[0] &&
		    eps->family != svc->families[1])
			continue;
		for (k = 0; k < eps->n_ports; k++) {
			if (eps->ports[k].proto == c->sp->proto &&
			    !strcmp(eps->ports[k].name, c->sp->name)) {
				port = eps->ports[k].port;
				break;
			}
		}
		if (!port)
			continue;
		for (k = 0; k < eps->n_eps; k++) {
			const struct k8s_ep *ep = &eps->eps[k];
			struct seq_backend *sb = vec_push(v, n, cap);

			if (!sb) {
				free(v);
				return -ENOMEM;
			}
			sb->seq = n;
			sb->be.addr = ep->addr;
			sb->be.port = port;
			sb->be.flags = ep->flags;
			if (ep->node && !strcmp(ep->node, c->b->node))
				sb->be.flags |= KUBENF_BE_F_LOCAL;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), seq_backend_cmp);
	s->backends = calloc(n ? n : 1, sizeof(*s->backends));
	if (!s->backends) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (s->n_backends &&
		    !kp_addr_cmp(&s->backends[s->n_backends - 1].addr,
				 &v[i].be.addr) &&
		    s->backends[s->n_backends - 1].port == v[i].be.port)
			continue;
		s->backends[s->n_backends++] = v[i].be;
	}
	free(v);
	return 0;
}

static int compile_port(struct svc_ctx *c, const struct slices *sl)
{
	const struct k8s_svc *svc = &c->o->u.svc;
	struct kp_ruleset *rs = c->b->rs;
	struct kp_sb sb = { 0 };
	struct kp_service *s;
	size_t n;

	if (*c->sp->name)
		kp_sb_printf(&sb, "%s/%s/%s", c->o->ns, c->o->name,
			     c->sp->name);
	else
		kp_sb_printf(&sb, "%s/%s/%u", c->o->ns, c->o->name,
			     c->sp->port);
	s = vec_push(rs->services, rs->n_services, c->b->cap_services);
	if (!s) {
		free(kp_sb_steal(&sb));
		return -ENOMEM;
	}
	s->name = kp_sb_steal(&sb);
	if (!s->name)
		return -ENOMEM;
	kp_name_fit(s->name);
	c->out = s;
	c->cap_fe = 0;

	if (svc->internal_local)
		s->flags |= KUBENF_SVC_F_INTERNAL_LOCAL;
	/* As kube-proxy: externalTrafficPolicy counts for Services that
	 * are reachable from outside at all.
	 */
	if (svc->external_local && (svc->type == K8S_SVC_NODE_PORT ||
				    svc->type == K8S_SVC_LOAD_BALANCER ||
				    svc->n_external_ips))
		s->flags |= KUBENF_SVC_F_EXTERNAL_LOCAL;
	s->affinity_timeout = svc->affinity_timeout;
	if (svc->type == K8S_SVC_LOAD_BALANCER && svc->n_source_ranges) {
		n = svc->n_source_ranges;
		s->source_ranges = malloc(n * sizeof(*s->source_ranges));
		if (!s->source_ranges)
			return -ENOMEM;
		memcpy(s->source_ranges, svc->source_ranges,
		       n * sizeof(*s->source_ranges));
		s->n_source_ranges = kp_sort_unique(s->source_ranges, n,
						    sizeof(*s->source_ranges),
						    kp_cidr_qcmp);
	}
	if (add_frontends(c))
		return -ENOMEM;
	/* Nothing reaches it (no cluster IP allocated yet, or its only
	 * frontend belongs to another Service): no kernel object. */
	if (!s->n_frontends) {
		kp_service_clear(s);
		rs->n_services--;
		return 0;
	}
	return add_backends(c, sl);
}

static int addr_qcmp(const void *a, const void *b)
{
	return kp_addr_cmp(a, b);
}

/* The ready endpoints of @o on this node, each address once. */
static int count_local_ready(const struct kp_build *b, const struct kp_obj *o,
			     const struct slices *sl, uint32_t *count)
{
	const struct k8s_svc *svc = &o->u.svc;
	struct kp_addr *v = NULL;
	size_t i, k, n = 0, cap = 0;

	for (i = 0; sl && i < sl->n; i++) {
		const struct k8s_eps *eps = &sl->v[i]->u.eps;

		if (!eps->family ||
		    (svc->families[0] && eps->family != svc->families[0]))
			continue;
		for (k = 0; k < eps->n_eps; k++) {
			const struct k8s_ep *ep = &eps->eps[k];
			struct kp_addr *a;

			if (!(ep->flags & KUBENF_BE_F_READY) || !ep->node ||
			    strcmp(ep->node, b->node))
				continue;
			a = vec_push(v, n, cap);
			if (!a) {
				free(v);
				return -ENOMEM;
			}
			*a = ep->addr;
		}
	}
	*count = n ? kp_sort_unique(v, n, sizeof(*v), addr_qcmp) : 0;
	free(v);
	return 0;
}

static int add_health_check(struct kp_build *b, const struct kp_obj *o,
			    const struct slices *sl, struct kp_map *hc_owners,
			    size_t *cap)
{
	const struct k8s_svc *svc = &o->u.svc;
	struct kp_ruleset *rs = b->rs;
	struct kp_health_check *hc;
	struct kp_sb sb = { 0 };
	const char *owner;
	char key[16];
	int ret;

	if (svc->type != K8S_SVC_LOAD_BALANCER || !svc->external_local ||
	    !svc->hc_node_port)
		return 0;
	snprintf(key, sizeof(key), "%u", svc->hc_node_port);
	owner = kp_map_get(hc_owners, key);
	if (owner)
		return kp_errors_add(b->errs, "Service", o->ns, o->name,
				     "healthCheckNodePort %s already belongs to %s; dropped",
				     key, owner);
	hc = vec_push(rs->health_checks, rs->n_health_checks, *cap);
	if (!hc)
		return -ENOMEM;
	kp_sb_printf(&sb, "%s/%s", o->ns, o->name);
	hc->name = kp_sb_steal(&sb);
	hc->port = svc->hc_node_port;
	hc->local_endpoints = 0;
	if (!hc->name)
		return -ENOMEM;
	ret = count_local_ready(b, o, sl, &hc->local_endpoints);
	if (!ret && kp_map_put(hc_owners, key, hc->name, NULL))
		ret = -ENOMEM;
	return ret;
}

int kp_service_compile(struct kp_build *b)
{
	const struct kp_obj **svcs = NULL, **eps = NULL;
	struct kp_map by_svc = { 0 }, owners = { 0 }, hc_owners = { 0 };
	size_t i, k, n_svcs, n_eps, cap_hc = 0;
	struct kp_sb sb = { 0 };
	char *key;
	int ret;

	ret = kp_state_sorted(b->st, KP_SERVICE, &svcs, &n_svcs, b->errs);
	if (!ret)
		ret = kp_state_sorted(b->st, KP_ENDPOINTSLICE, &eps, &n_eps,
				      b->errs);
	if (!ret)
		ret = index_slices(eps, n_eps, &by_svc);
	for (i = 0; !ret && i < n_svcs; i++) {
		const struct k8s_svc *svc = &svcs[i]->u.svc;
		struct svc_ctx c = { .b = b, .o = svcs[i], .owners = &owners };
		const struct slices *sl;

		if (svc->type == K8S_SVC_EXTERNAL_NAME || svc->headless)
			continue;
		kp_sb_printf(&sb, "%s/%s", svcs[i]->ns, svcs[i]->name);
		key = kp_sb_steal(&sb);
		if (!key) {
			ret = -ENOMEM;
			break;
		}
		sl = kp_map_get(&by_svc, key);
		free(key);
		for (k = 0; !ret && k < svc->n_ports; k++) {
			c.sp = &svc->ports[k];
			ret = compile_port(&c, sl);
		}
		if (!ret)
			ret = add_health_check(b, svcs[i], sl, &hc_owners,
					       &cap_hc);
	}
	kp_map_free(&by_svc, slices_free);
	kp_map_free(&owners, NULL);
	kp_map_free(&hc_owners, NULL);
	free(svcs);
	free(eps);
	return ret;
}
