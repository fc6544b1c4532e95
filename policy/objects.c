// SPDX-License-Identifier: GPL-2.0
/*
 * The object store: Kubernetes JSON objects parsed into typed structs,
 * keyed by kind, namespace and name.
 *
 * Everything in the input is untrusted. Each field is type-checked and
 * validated the way the API server would have (so that a raw manifest and
 * an object read from the API compile the same); the first problem found
 * becomes the object's error, "field.path: reason", and the object is kept
 * only as that error, so a bad update also withdraws the old version.
 * Fields the compiler does not use are not looked at.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

/* ---- small validators ----------------------------------------------- */

/* DNS-1123 label (dot false) or subdomain (dot true). */
static bool valid_dns(const char *s, size_t max, bool dot)
{
	size_t i, len = strlen(s);

	if (!len || len > max)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		bool an = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!an && c != '-' && !(dot && c == '.'))
			return false;
		if ((i == 0 || i == len - 1) && !an)
			return false;
	}
	return true;
}

/* IANA_SVC_NAME: what a named port may be called. */
static bool valid_port_name(const char *s)
{
	size_t i, len = strlen(s);
	bool letter = false;

	if (!len || len > 15 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			letter = true;
		else if (s[i] == '-' && s[i + 1] == '-')
			return false;
		else if (s[i] != '-' && (s[i] < '0' || s[i] > '9'))
			return false;
	}
	return letter;
}

static int dup_str(char **dst, const char *src)
{
	*dst = strdup(src ? src : "");
	return *dst ? 0 : -ENOMEM;
}

/* Like dup_str(), but an absent string stays NULL. */
static int dup_opt(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

static int parse_proto(struct kp_parse *pc, const json_t *o, uint8_t *proto)
{
	const char *s;
	size_t old;
	int ret;

	ret = kp_get_str(pc, o, "protocol", &s);
	if (ret)
		return ret;
	if (!kp_proto_parse(s, proto))
		return 0;
	old = kp_path_push(pc, ".protocol");
	ret = kp_fail(pc, "unsupported protocol \"%s\"", s);
	kp_path_pop(pc, old);
	return ret;
}

/* Parse @j, a string holding an IP of @family (0: any). */
static int parse_ip(struct kp_parse *pc, const json_t *j, uint8_t family,
		    struct kp_addr *a)
{
	const char *s;
	int ret;

	ret = kp_str_value(pc, j, &s);
	if (ret)
		return ret;
	if (kp_addr_parse(s, a))
		return kp_fail(pc, "invalid IP address \"%s\"", s);
	if (family && a->family != family)
		return kp_fail(pc, "\"%s\" is not an %s address", s,
			       family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

static int parse_cidr(struct kp_parse *pc, const char *s, struct kp_cidr *c)
{
	if (kp_cidr_parse(s, c))
		return kp_fail(pc, "invalid CIDR \"%s\"", s);
	return 0;
}

/* An array of IP strings; @key names the field of @o. */
static int parse_ip_list(struct kp_parse *pc, const json_t *o,
			 const char *key, struct kp_addr **v, size_t *n)
{
	size_t i, cap = 0, old;
	const json_t *arr, *e;
	struct kp_addr *a;
	int ret;

	ret = kp_get_arr(pc, o, key, &arr);
	if (ret)
		return ret;
	json_array_foreach(arr, i, e) {
		a = vec_push(*v, *n, cap);
		if (!a)
			return -ENOMEM;
		old = kp_path_push(pc, ".%s[%zu]", key, i);
		ret = parse_ip(pc, e, 0, a);
		if (ret)
			return ret;
		kp_path_pop(pc, old);
	}
	return 0;
}

/* ---- Pod --------------------------------------------------------------- */

static int parse_cports(struct kp_parse *pc, const json_t *c,
			struct k8s_pod *p, size_t *cap)
{
	const json_t *ports, *e;
	struct k8s_cport *cp;
	const char *name;
	long long port;
	size_t i, old;
	int ret;

	if (!json_is_object(c))
		return kp_fail(pc, "expected an object");
	ret = kp_get_arr(pc, c, "ports", &ports);
	if (ret)
		return ret;
	json_array_foreach(ports, i, e) {
		old = kp_path_push(pc, ".ports[%zu]", i);
		if (!json_is_object(e))
			return kp_fail(pc, "expected an object");
		cp = vec_push(p->cports, p->n_cports, *cap);
		if (!cp)
			return -ENOMEM;
		ret = kp_get_int(pc, e, "containerPort", 1, 65535, &port,
				 NULL);
		if (!ret)
			ret = kp_get_str(pc, e, "name", &name);
		if (!ret)
			ret = parse_proto(pc, e, &cp->proto);
		if (ret)
			return ret;
		if (!port)
			return kp_fail(pc, "containerPort is required");
		cp->port = port;
		if (dup_opt(&cp->name, name))
			return -ENOMEM;
		kp_path_pop(pc, old);
	}
	return 0;
}

static int parse_pod(struct kp_parse *pc, const json_t *j, struct kp_obj *o)
{
	const json_t *spec, *status, *arr, *e, *ip;
	struct k8s_pod *p = &o->u.pod;
	size_t i, k, cap = 0, old;
	const char *s;
	int ret;

	ret = kp_get_obj(pc, j, "spec", &spec);
	if (!ret)
		ret = kp_get_obj(pc, j, "status", &status);
	if (ret)
		return ret;

	old = kp_path_push(pc, ".spec");
	ret = kp_get_str(pc, spec, "nodeName", &s);
	if (ret)
		return ret;
	if (dup_opt(&p->node, s))
		return -ENOMEM;
	ret = kp_get_bool(pc, spec, "hostNetwork", &p->host_network, NULL);
	if (!ret)
		ret = kp_get_arr(pc, spec, "containers", &arr);
	if (ret)
		return ret;
	json_array_foreach(arr, i, e) {
		size_t o2 = kp_path_push(pc, ".containers[%zu]", i);

		ret = parse_cports(pc, e, p, &cap);
		if (ret)
			return ret;
		kp_path_pop(pc, o2);
	}
	kp_path_pop(pc, old);

	old = kp_path_push(pc, ".status");
	ret = kp_get_str(pc, status, "phase", &s);
	if (ret)
		return ret;
	p->terminal = s && (!strcmp(s, "Succeeded") || !strcmp(s, "Failed"));
	ret = kp_get_arr(pc, status, "podIPs", &arr);
	if (ret)
		return ret;
	cap = 0;
	json_array_foreach(arr, i, e) {
		size_t o2 = kp_path_push(pc, ".podIPs[%zu]", i);
		struct kp_addr *a;

		if (!json_is_object(e))
			return kp_fail(pc, "expected an object");
		ip = json_object_get(e, "ip");
		if (!ip)
			return kp_fail(pc, "ip is required");
		a = vec_push(p->addrs, p->n_addrs, cap);
		if (!a)
			return -ENOMEM;
		kp_path_push(pc, ".ip");
		ret = parse_ip(pc, ip, 0, a);
		if (ret)
			return ret;
		kp_path_pop(pc, o2);
		for (k = 0; k + 1 < p->n_addrs; k++) {
			if (!kp_addr_cmp(&p->addrs[k], a)) {
				p->n_addrs--;
				break;
			}
		}
	}
	if (!p->n_addrs) {
		ip = status ? json_object_get(status, "podIP") : NULL;
		if (ip && !json_is_null(ip) &&
		    !(json_is_string(ip) && !*json_string_value(ip))) {
			struct kp_addr *a = vec_push(p->addrs, p->n_addrs, cap);

			if (!a)
				return -ENOMEM;
			kp_path_push(pc, ".podIP");
			ret = parse_ip(pc, ip, 0, a);
			if (ret)
				return ret;
		}
	}
	kp_path_pop(pc, old);
	return 0;
}

static void pod_clear(struct k8s_pod *p)
{
	size_t i;

	for (i = 0; i < p->n_cports; i++)
		free(p->cports[i].name);
	free(p->cports);
	free(p->addrs);
	free(p->node);
}

/* ---- Service ----------------------------------------------------------- */

static int parse_enum(struct kp_parse *pc, const json_t *o, const char *key,
		      const char *const *names, int *out)
{
	const char *s;
	size_t old;
	int ret, i;

	*out = -1;
	ret = kp_get_str(pc, o, key, &s);
	if (ret || !s)
		return ret;
	for (i = 0; names[i]; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	old = kp_path_push(pc, ".%s", key);
	ret = kp_fail(pc, "unsupported value \"%s\"", s);
	kp_path_pop(pc, old);
	return ret;
}

static int parse_svc_ports(struct kp_parse *pc, const json_t *spec,
			   struct k8s_svc *svc)
{
	const json_t *arr, *e, *tp;
	size_t i, k, cap = 0, old;
	struct k8s_svc_port *sp;
	long long port, np;
	const char *name;
	int ret;

	ret = kp_get_arr(pc, spec, "ports", &arr);
	if (ret)
		return ret;
	json_array_foreach(arr, i, e) {
		old = kp_path_push(pc, ".ports[%zu]", i);
		if (!json_is_object(e))
			return kp_fail(pc, "expected an object");
		sp = vec_push(svc->ports, svc->n_ports, cap);
		if (!sp)
			return -ENOMEM;
		ret = kp_get_str(pc, e, "name", &name);
		if (!ret)
			ret = parse_proto(pc, e, &sp->proto);
		if (!ret)
			ret = kp_get_int(pc, e, "port", 1, 65535, &port, NULL);
		if (!ret)
			ret = kp_get_int(pc, e, "nodePort", 0, 65535, &np,
					 NULL);
		if (ret)
			return ret;
		if (!port)
			return kp_fail(pc, "port is required");
		sp->port = port;
		sp->node_port = np;
		if (dup_str(&sp->name, name))
			return -ENOMEM;
		if (*sp->name && !valid_dns(sp->name, 63, false))
			return kp_fail(pc, "invalid port name \"%s\"",
				       sp->name);
		for (k = 0; k < i; k++)
			if (!strcmp(svc->ports[k].name, sp->name))
				return kp_fail(pc, "duplicate port name \"%s\"",
					       sp->name);
		/* The EndpointSlice carries the resolved target port; only
		 * check that targetPort is an IntOrString.
		 */
		tp = json_object_get(e, "targetPort");
		if (tp && !json_is_null(tp) && !json_is_string(tp) &&
		    !(json_is_integer(tp) && json_integer_value(tp) >= 1 &&
		      json_integer_value(tp) <= 65535)) {
			kp_path_push(pc, ".targetPort");
			return kp_fail(pc, "expected a port number or name");
		}
		kp_path_pop(pc, old);
	}
	return 0;
}

static const char *const svc_types[] = {
	[K8S_SVC_CLUSTER_IP] = "ClusterIP",
	[K8S_SVC_NODE_PORT] = "NodePort",
	[K8S_SVC_LOAD_BALANCER] = "LoadBalancer",
	[K8S_SVC_EXTERNAL_NAME] = "ExternalName",
	NULL
};
static const char *const affinities[] = { "None", "ClientIP", NULL };
static const char *const traffic_policies[] = { "Cluster", "Local", NULL };
static const char *const ip_families[] = { "IPv4", "IPv6", NULL };
static const char *const ip_modes[] = { "VIP", "Proxy", NULL };

static void add_family(struct k8s_svc *svc, uint8_t family)
{
	if (svc->families[0] == family || svc->families[1] == family)
		return;
	svc->families[svc->families[0] ? 1 : 0] = family;
}

static int parse_cluster_ips(struct kp_parse *pc, const json_t *spec,
			     struct k8s_svc *svc)
{
	const json_t *arr, *single = NULL, *e, *fams;
	size_t i, n, cap = 0, old;
	struct kp_addr *a;
	const char *s;
	int ret, f;

	ret = kp_get_arr(pc, spec, "clusterIPs", &arr);
	if (ret)
		return ret;
	if (!arr || !json_array_size(arr)) {
		ret = kp_get_str(pc, spec, "clusterIP", &s);
		if (ret)
			return ret;
		single = s ? json_object_get(spec, "clusterIP") : NULL;
	}
	n = single ? 1 : json_array_size(arr);
	for (i = 0; i < n; i++) {
		e = single ? single : json_array_get(arr, i);
		old = single ? kp_path_push(pc, ".clusterIP") :
			       kp_path_push(pc, ".clusterIPs[%zu]", i);
		ret = kp_str_value(pc, e, &s);
		if (ret)
			return ret;
		if (i == 0 && !strcmp(s, "None")) {
			svc->headless = true;
			return 0;
		}
		if (*s) {
			a = vec_push(svc->cluster_ips, svc->n_cluster_ips,
				     cap);
			if (!a)
				return -ENOMEM;
			ret = parse_ip(pc, e, 0, a);
			if (ret)
				return ret;
			add_family(svc, a->family);
		}
		kp_path_pop(pc, old);
	}
	if (svc->families[0])
		return 0;
	/* Not allocated yet: the families the Service asks for. */
	ret = kp_get_arr(pc, spec, "ipFamilies", &fams);
	if (ret)
		return ret;
	json_array_foreach(fams, i, e) {
		old = kp_path_push(pc, ".ipFamilies[%zu]", i);
		ret = kp_str_value(pc, e, &s);
		if (ret)
			return ret;
		for (f = 0; ip_families[f] && strcmp(s, ip_families[f]); f++)
			;
		if (!ip_families[f])
			return kp_fail(pc, "unsupported value \"%s\"", s);
		add_family(svc, f ? AF_INET6 : AF_INET);
		kp_path_pop(pc, old);
	}
	return 0;
}

static int parse_lb_status(struct kp_parse *pc, const json_t *j,
			   struct k8s_svc *svc)
{
	const json_t *status, *lb, *arr, *e, *ip;
	size_t i, cap = 0, old;
	struct kp_addr a;
	int ret, mode;

	ret = kp_get_obj(pc, j, "status", &status);
	if (ret)
		return ret;
	old = kp_path_push(pc, ".status");
	ret = kp_get_obj(pc, status, "loadBalancer", &lb);
	if (ret)
		return ret;
	kp_path_push(pc, ".loadBalancer");
	ret = kp_get_arr(pc, lb, "ingress", &arr);
	if (ret)
		return ret;
	json_array_foreach(arr, i, e) {
		size_t o2 = kp_path_push(pc, ".ingress[%zu]", i);

		if (!json_is_object(e))
			return kp_fail(pc, "expected an object");
		ret = parse_enum(pc, e, "ipMode", ip_modes, &mode);
		if (ret)
			return ret;
		ip = json_object_get(e, "ip");
		if (ip && !json_is_null(ip)) {
			kp_path_push(pc, ".ip");
			ret = parse_ip(pc, ip, 0, &a);
			if (ret)
				return ret;
			/* ipMode Proxy: the load balancer proxies to the
			 * node; the IP must not be captured here (KEP-1860).
			 */
			if (mode != 1) {
				struct kp_addr *p;

				p = vec_push(svc->lb_ips, svc->n_lb_ips, cap);
				if (!p)
					return -ENOMEM;
				*p = a;
			}
		}
		kp_path_pop(pc, o2);
	}
	kp_path_pop(pc, old);
	return 0;
}

static int parse_service(struct kp_parse *pc, const json_t *j,
			 struct kp_obj *o)
{
	const json_t *spec, *arr, *e, *cfg, *cip;
	struct k8s_svc *svc = &o->u.svc;
	int ret, type, aff, itp, etp;
	size_t i, cap = 0, old;
	long long timeout, hc_port;
	bool has_timeout;
	const char *s;

	ret = kp_get_obj(pc, j, "spec", &spec);
	if (ret)
		return ret;
	if (!spec)
		return kp_fail(pc, "spec is required");
	old = kp_path_push(pc, ".spec");
	ret = parse_enum(pc, spec, "type", svc_types, &type);
	if (ret)
		return ret;
	svc->type = type < 0 ? K8S_SVC_CLUSTER_IP : type;
	if (svc->type == K8S_SVC_EXTERNAL_NAME)
		return 0;
	ret = parse_cluster_ips(pc, spec, svc);
	if (ret || svc->headless)
		return ret;
	ret = parse_svc_ports(pc, spec, svc);
	if (!ret)
		ret = parse_ip_list(pc, spec, "externalIPs",
				    &svc->external_ips, &svc->n_external_ips);
	if (!ret)
		ret = kp_get_arr(pc, spec, "loadBalancerSourceRanges", &arr);
	if (ret)
		return ret;
	json_array_foreach(arr, i, e) {
		size_t o2 = kp_path_push(pc, ".loadBalancerSourceRanges[%zu]",
					 i);
		struct kp_cidr *c;
		char buf[KP_CIDR_STRLEN + 16];
		size_t len;

		ret = kp_str_value(pc, e, &s);
		if (ret)
			return ret;
		/* kube-proxy trims blanks around each range. */
		while (*s == ' ')
			s++;
		len = strlen(s);
		while (len && s[len - 1] == ' ')
			len--;
		if (len >= sizeof(buf))
			return kp_fail(pc, "invalid CIDR \"%s\"", s);
		memcpy(buf, s, len);
		buf[len] = '\0';
		c = vec_push(svc->source_ranges, svc->n_source_ranges, cap);
		if (!c)
			return -ENOMEM;
		ret = parse_cidr(pc, buf, c);
		if (ret)
			return ret;
		kp_path_pop(pc, o2);
	}
	ret = parse_enum(pc, spec, "sessionAffinity", affinities, &aff);
	if (!ret)
		ret = parse_enum(pc, spec, "internalTrafficPolicy",
				 traffic_policies, &itp);
	if (!ret)
		ret = parse_enum(pc, spec, "externalTrafficPolicy",
				 traffic_policies, &etp);
	if (!ret)
		ret = kp_get_obj(pc, spec, "sessionAffinityConfig", &cfg);
	if (ret)
		return ret;
	kp_path_push(pc, ".sessionAffinityConfig");
	ret = kp_get_obj(pc, cfg, "clientIP", &cip);
	if (ret)
		return ret;
	kp_path_push(pc, ".clientIP");
	ret = kp_get_int(pc, cip, "timeoutSeconds", 1, 86400, &timeout,
			 &has_timeout);
	if (ret)
		return ret;
	kp_path_pop(pc, old);
	kp_path_push(pc, ".spec");
	ret = kp_get_int(pc, spec, "healthCheckNodePort", 0, 65535, &hc_port,
			 NULL);
	if (ret)
		return ret;
	kp_path_pop(pc, old);
	svc->hc_node_port = hc_port;
	if (aff == 1)
		svc->affinity_timeout = has_timeout ? timeout : 10800;
	svc->internal_local = itp == 1;
	svc->external_local = etp == 1;
	return parse_lb_status(pc, j, svc);
}

static void svc_clear(struct k8s_svc *svc)
{
	size_t i;

	for (i = 0; i < svc->n_ports; i++)
		free(svc->ports[i].name);
	free(svc->ports);
	free(svc->cluster_ips);
	free(svc->external_ips);
	free(svc->lb_ips);
	free(svc->source_ranges);
}

/* ---- EndpointSlice ---------------------------------------------------- */

static int parse_endpoint(struct kp_parse *pc, const json_t *e,
			  uint8_t family, struct k8s_ep *ep)
{
	bool ready, serving, term, has_ready, has_serving;
	const json_t *addrs, *cond, *a;
	struct kp_addr tmp;
	const char *node;
	size_t i, old;
	int ret;

	if (!json_is_object(e))
		return kp_fail(pc, "expected an object");
	ret = kp_get_arr(pc, e, "addresses", &addrs);
	if (ret)
		return ret;
	if (!json_array_size(addrs))
		return kp_fail(pc, "addresses is required");
	json_array_foreach(addrs, i, a) {
		old = kp_path_push(pc, ".addresses[%zu]", i);
		ret = parse_ip(pc, a, family, i ? &tmp : &ep->addr);
		if (ret)
			return ret;
		kp_path_pop(pc, old);
	}
	ret = kp_get_obj(pc, e, "conditions", &cond);
	if (ret)
		return ret;
	old = kp_path_push(pc, ".conditions");
	ret = kp_get_bool(pc, cond, "ready", &ready, &has_ready);
	if (!ret)
		ret = kp_get_bool(pc, cond, "serving", &serving, &has_serving);
	if (!ret)
		ret = kp_get_bool(pc, cond, "terminating", &term, NULL);
	if (ret)
		return ret;
	kp_path_pop(pc, old);
	/* As kube-proxy reads them: ready and serving nil mean true,
	 * terminating nil means false.
	 */
	if (ready || !has_ready)
		ep->flags |= KUBENF_BE_F_READY;
	if (serving || !has_serving)
		ep->flags |= KUBENF_BE_F_SERVING;
	if (term)
		ep->flags |= KUBENF_BE_F_TERMINATING;
	ret = kp_get_str(pc, e, "nodeName", &node);
	if (ret)
		return ret;
	return dup_opt(&ep->node, node);
}

static int parse_eps(struct kp_parse *pc, const json_t *j, struct kp_obj *o)
{
	struct k8s_eps *eps = &o->u.eps;
	size_t i, cap = 0, old;
	const json_t *arr, *e;
	const char *type;
	long long port;
	int ret;

	eps->service = kp_labels_get(&o->labels, KP_LABEL_SVC_NAME);
	ret = kp_get_str(pc, j, "addressType", &type);
	if (ret)
		return ret;
	if (!type)
		return kp_fail(pc, "addressType is required");
	if (!strcmp(type, "IPv4"))
		eps->family = AF_INET;
	else if (!strcmp(type, "IPv6"))
		eps->family = AF_INET6;
	else if (!strcmp(type, "FQDN"))
		return 0;
	else
		return kp_fail(pc, "unsupported addressType \"%s\"", type);

	ret = kp_get_arr(pc, j, "ports", &arr);
	if (ret)
		return ret;
	json_array_foreach(arr, i, e) {
		struct k8s_eps_port *p;
		const char *name;

		old = kp_path_push(pc, ".ports[%zu]", i);
		if (!json_is_object(e))
			return kp_fail(pc, "expected an object");
		p = vec_push(eps->ports, eps->n_ports, cap);
		if (!p)
			return -ENOMEM;
		ret = kp_get_str(pc, e, "name", &name);
		if (!ret)
			ret = parse_proto(pc, e, &p->proto);
		if (!ret)
			ret = kp_get_int(pc, e, "port", 1, 65535, &port, NULL);
		if (ret)
			return ret;
		p->port = port;
		if (dup_str(&p->name, name))
			return -ENOMEM;
		kp_path_pop(pc, old);
	}

	ret = kp_get_arr(pc, j, "endpoints", &arr);
	if (ret)
		return ret;
	cap = 0;
	json_array_foreach(arr, i, e) {
		struct k8s_ep *ep = vec_push(eps->eps, eps->n_eps, cap);

		if (!ep)
			return -ENOMEM;
		old = kp_path_push(pc, ".endpoints[%zu]", i);
		ret = parse_endpoint(pc, e, eps->family, ep);
		if (ret)
			return ret;
		kp_path_pop(pc, old);
	}
	return 0;
}

static void eps_clear(struct k8s_eps *eps)
{
	size_t i;

	for (i = 0; i < eps->n_ports; i++)
		free(eps->ports[i].name);
	free(eps->ports);
	for (i = 0; i < eps->n_eps; i++)
		free(eps->eps[i].node);
	free(eps->eps);
}

/* ---- NetworkPolicy ---------------------------------------------------- */

static int parse_np_port(struct kp_parse *pc, const json_t *j,
			 struct k8s_np_port *p)
{
	long long end;
	bool has_end;
	json_t *port;
	size_t old;
	int ret;

	if (!json_is_object(j))
		return kp_fail(pc, "expected an object");
	ret = parse_proto(pc, j, &p->proto);
	if (!ret)
		ret = kp_get_int(pc, j, "endPort", 1, 65535, &end, &has_end);
	if (ret)
		return ret;
	port = json_object_get(j, "port");
	old = kp_path_push(pc, ".port");
	if (json_is_integer(port)) {
		if (json_integer_value(port) < 1 ||
		    json_integer_value(port) > 65535)
			return kp_fail(pc, "%lld is out of range [1, 65535]",
				       (long long)json_integer_value(port));
		p->port = json_integer_value(port);
	} else if (json_is_string(port)) {
		const char *s;

		ret = kp_str_value(pc, port, &s);
		if (ret)
			return ret;
		if (!valid_port_name(s))
			return kp_fail(pc, "invalid port name \"%s\"", s);
		p->name = strdup(s);
		if (!p->name)
			return -ENOMEM;
	} else if (port && !json_is_null(port)) {
		return kp_fail(pc, "expected a port number or name");
	}
	kp_path_pop(pc, old);
	if (has_end) {
		old = kp_path_push(pc, ".endPort");
		if (!p->port)
			return kp_fail(pc, "needs a numeric port");
		if (end < p->port)
			return kp_fail(pc, "%lld is less than port %u", end,
				       p->port);
		p->end_port = end;
		kp_path_pop(pc, old);
	}
	return 0;
}

static int parse_block(struct kp_parse *pc, const json_t *j,
		       struct kp_block *b)
{
	size_t i, cap = 0, old;
	const json_t *arr, *e;
	const char *s;
	int ret;

	if (!json_is_object(j))
		return kp_fail(pc, "expected an object");
	ret = kp_get_str(pc, j, "cidr", &s);
	if (ret)
		return ret;
	if (!s)
		return kp_fail(pc, "cidr is required");
	old = kp_path_push(pc, ".cidr");
	ret = parse_cidr(pc, s, &b->cidr);
	if (ret)
		return ret;
	kp_path_pop(pc, old);
	ret = kp_get_arr(pc, j, "except", &arr);
	if (ret)
		return ret;
	json_array_foreach(arr, i, e) {
		struct kp_cidr *c = vec_push(b->except, b->n_except, cap);

		if (!c)
			return -ENOMEM;
		old = kp_path_push(pc, ".except[%zu]", i);
		ret = kp_str_value(pc, e, &s);
		if (!ret)
			ret = parse_cidr(pc, s, c);
		if (ret)
			return ret;
		/* As the API server checks: a strict subset of cidr. */
		if (c->prefix <= b->cidr.prefix ||
		    !kp_cidr_contains(&b->cidr, &c->addr))
			return kp_fail(pc, "\"%s\" is not a strict subset of cidr",
				       s);
		kp_path_pop(pc, old);
	}
	b->n_except = kp_sort_unique(b->except, b->n_except,
				     sizeof(*b->except), kp_cidr_qcmp);
	return 0;
}

static int parse_np_peer(struct kp_parse *pc, const json_t *j,
			 const char *ns, struct k8s_np_peer *p)
{
	const json_t *ps, *nss, *ipb;
	size_t old;
	int ret;

	if (!json_is_object(j))
		return kp_fail(pc, "expected an object");
	ret = kp_get_obj(pc, j, "podSelector", &ps);
	if (!ret)
		ret = kp_get_obj(pc, j, "namespaceSelector", &nss);
	if (!ret)
		ret = kp_get_obj(pc, j, "ipBlock", &ipb);
	if (ret)
		return ret;
	if (ipb) {
		if (ps || nss)
			return kp_fail(pc,
				       "ipBlock may not be combined with a selector");
		p->is_block = true;
		old = kp_path_push(pc, ".ipBlock");
		ret = parse_block(pc, ipb, &p->block);
		kp_path_pop(pc, old);
		return ret;
	}
	if (!ps && !nss)
		return kp_fail(pc,
			       "needs podSelector, namespaceSelector or ipBlock");
	if (ps) {
		old = kp_path_push(pc, ".podSelector");
		ret = kp_selector_parse(pc, ps, &p->pod_sel);
		if (ret)
			return ret;
		kp_path_pop(pc, old);
	}
	if (!nss)
		/* The policy's own namespace, by its automatic label. */
		return kp_selector_eq(&p->ns_sel, KP_LABEL_NS_NAME, ns);
	old = kp_path_push(pc, ".namespaceSelector");
	ret = kp_selector_parse(pc, nss, &p->ns_sel);
	if (ret)
		return ret;
	kp_path_pop(pc, old);
	return 0;
}

static int parse_np_rule(struct kp_parse *pc, const json_t *j,
			 const char *peers_key, const char *ns,
			 struct k8s_np_rule *r)
{
	size_t i, cap = 0, old;
	const json_t *arr, *e;
	int ret;

	if (!json_is_object(j))
		return kp_fail(pc, "expected an object");
	ret = kp_get_arr(pc, j, peers_key, &arr);
	if (ret)
		return ret;
	json_array_foreach(arr, i, e) {
		struct k8s_np_peer *p = vec_push(r->peers, r->n_peers, cap);

		if (!p)
			return -ENOMEM;
		old = kp_path_push(pc, ".%s[%zu]", peers_key, i);
		ret = parse_np_peer(pc, e, ns, p);
		if (ret)
			return ret;
		kp_path_pop(pc, old);
	}
	ret = kp_get_arr(pc, j, "ports", &arr);
	if (ret)
		return ret;
	cap = 0;
	json_array_foreach(arr, i, e) {
		struct k8s_np_port *p = vec_push(r->ports, r->n_ports, cap);

		if (!p)
			return -ENOMEM;
		old = kp_path_push(pc, ".ports[%zu]", i);
		ret = parse_np_port(pc, e, p);
		if (ret)
			return ret;
		kp_path_pop(pc, old);
	}
	return 0;
}

static const char *const dir_keys[__KUBENF_DIR_MAX] = {
	[KUBENF_DIR_INGRESS] = "ingress",
	[KUBENF_DIR_EGRESS] = "egress",
};
static const char *const peer_keys[__KUBENF_DIR_MAX] = {
	[KUBENF_DIR_INGRESS] = "from",
	[KUBENF_DIR_EGRESS] = "to",
};
static const char *const policy_types[] = { "Ingress", "Egress", NULL };

static int parse_netpol(struct kp_parse *pc, const json_t *j,
			struct kp_obj *o)
{
	const json_t *spec, *ps, *arr, *e;
	struct k8s_netpol *np = &o->u.np;
	size_t i, cap, old;
	const char *s;
	int ret, dir;

	ret = kp_get_obj(pc, j, "spec", &spec);
	if (ret)
		return ret;
	if (!spec)
		return kp_fail(pc, "spec is required");
	old = kp_path_push(pc, ".spec");
	/* An absent podSelector is the empty one, as in the Go type. */
	ret = kp_get_obj(pc, spec, "podSelector", &ps);
	if (ret)
		return ret;
	if (ps) {
		size_t o2 = kp_path_push(pc, ".podSelector");

		ret = kp_selector_parse(pc, ps, &np->pod_sel);
		if (ret)
			return ret;
		kp_path_pop(pc, o2);
	}
	for (dir = 0; dir < __KUBENF_DIR_MAX; dir++) {
		ret = kp_get_arr(pc, spec, dir_keys[dir], &arr);
		if (ret)
			return ret;
		cap = 0;
		json_array_foreach(arr, i, e) {
			struct k8s_np_rule *r;
			size_t o2;

			r = vec_push(np->rules[dir], np->n_rules[dir], cap);
			if (!r)
				return -ENOMEM;
			o2 = kp_path_push(pc, ".%s[%zu]", dir_keys[dir], i);
			ret = parse_np_rule(pc, e, peer_keys[dir], o->ns, r);
			if (ret)
				return ret;
			kp_path_pop(pc, o2);
		}
	}
	ret = kp_get_arr(pc, spec, "policyTypes", &arr);
	if (ret)
		return ret;
	json_array_foreach(arr, i, e) {
		int t;

		old = kp_path_push(pc, ".policyTypes[%zu]", i);
		ret = kp_str_value(pc, e, &s);
		if (ret)
			return ret;
		for (t = 0; policy_types[t]; t++)
			if (!strcmp(s, policy_types[t]))
				break;
		if (!policy_types[t])
			return kp_fail(pc, "unsupported value \"%s\"", s);
		np->types[t ? KUBENF_DIR_EGRESS : KUBENF_DIR_INGRESS] = true;
		kp_path_pop(pc, old);
	}
	/* Defaulting: Ingress always, Egress when there are egress rules. */
	if (!json_array_size(arr)) {
		np->types[KUBENF_DIR_INGRESS] = true;
		np->types[KUBENF_DIR_EGRESS] = np->n_rules[KUBENF_DIR_EGRESS];
	}
	return 0;
}

static void block_clear(struct kp_block *b)
{
	free(b->except);
}

static void netpol_clear(struct k8s_netpol *np)
{
	size_t i, k;
	int dir;

	kp_selector_free(&np->pod_sel);
	for (dir = 0; dir < __KUBENF_DIR_MAX; dir++) {
		for (i = 0; i < np->n_rules[dir]; i++) {
			struct k8s_np_rule *r = &np->rules[dir][i];

			for (k = 0; k < r->n_peers; k++) {
				kp_selector_free(&r->peers[k].ns_sel);
				kp_selector_free(&r->peers[k].pod_sel);
				block_clear(&r->peers[k].block);
			}
			free(r->peers);
			for (k = 0; k < r->n_ports; k++)
				free(r->ports[k].name);
			free(r->ports);
		}
		free(np->rules[dir]);
	}
}

/* ---- the store ---------------------------------------------------------- */

static const struct {
	const char *kind;
	const char *api;
	int (*parse)(struct kp_parse *pc, const json_t *j, struct kp_obj *o);
} kinds[__KP_KIND_MAX] = {
	[KP_NAMESPACE]		= { "Namespace", "v1", NULL },
	[KP_POD]		= { "Pod", "v1", parse_pod },
	[KP_SERVICE]		= { "Service", "v1", parse_service },
	[KP_ENDPOINTSLICE]	= { "EndpointSlice", "discovery.k8s.io/v1",
				    parse_eps },
	[KP_NETPOL]		= { "NetworkPolicy", "networking.k8s.io/v1",
				    parse_netpol },
};

const char *kp_kind_str(enum kp_kind kind)
{
	return kinds[kind].kind;
}

static int kind_lookup(const char *s)
{
	int k;

	for (k = 0; s && k < __KP_KIND_MAX; k++)
		if (!strcmp(s, kinds[k].kind))
			return k;
	return -1;
}

static void obj_clear_typed(struct kp_obj *o)
{
	switch (o->kind) {
	case KP_POD:
		pod_clear(&o->u.pod);
		break;
	case KP_SERVICE:
		svc_clear(&o->u.svc);
		break;
	case KP_ENDPOINTSLICE:
		eps_clear(&o->u.eps);
		break;
	case KP_NETPOL:
		netpol_clear(&o->u.np);
		break;
	default:
		break;
	}
	memset(&o->u, 0, sizeof(o->u));
}

static void obj_free(void *p)
{
	struct kp_obj *o = p;

	if (!o)
		return;
	obj_clear_typed(o);
	kp_labels_free(&o->labels);
	free(o->ns);
	free(o->name);
	free(o->error);
	free(o);
}

static char *obj_key(const char *ns, const char *name)
{
	struct kp_sb sb = { 0 };

	kp_sb_printf(&sb, "%s/%s", ns, name);
	return kp_sb_steal(&sb);
}

/* Name and namespace, which key the object; failure means not stored. */
static int parse_meta_key(struct kp_parse *pc, const json_t *j,
			  enum kp_kind kind, const char **ns,
			  const char **name)
{
	const json_t *meta;
	int ret;

	*ns = *name = NULL;
	ret = kp_get_obj(pc, j, "metadata", &meta);
	if (ret)
		return ret;
	if (!meta)
		return kp_fail(pc, "metadata is required");
	kp_path_push(pc, ".metadata");
	ret = kp_get_str(pc, meta, "name", name);
	if (!ret && kind != KP_NAMESPACE)
		ret = kp_get_str(pc, meta, "namespace", ns);
	if (ret)
		return ret;
	if (!*name)
		return kp_fail(pc, "name is required");
	if (!valid_dns(*name, kind == KP_NAMESPACE ? 63 : 253,
		       kind != KP_NAMESPACE)) {
		kp_path_push(pc, ".name");
		return kp_fail(pc, "invalid name \"%s\"", *name);
	}
	if (kind == KP_NAMESPACE)
		*ns = "";
	else if (!*ns || !**ns)
		*ns = "default";
	else if (!valid_dns(*ns, 63, false)) {
		kp_path_push(pc, ".namespace");
		return kp_fail(pc, "invalid namespace \"%s\"", *ns);
	}
	kp_path_pop(pc, 0);
	return 0;
}

static int add_object(struct kp_state *st, const json_t *j, int kind,
		      struct kp_errors *errs)
{
	struct kp_parse pc = { .len = 0 };
	const json_t *meta, *labels;
	struct kp_obj *o, *old;
	const char *ns, *name;
	char *key;
	int ret;

	ret = parse_meta_key(&pc, j, kind, &ns, &name);
	if (ret) {
		if (kp_errors_add(errs, kinds[kind].kind, ns, name, "%s",
				  pc.reason))
			return -ENOMEM;
		return ret;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->kind = kind;
	key = obj_key(ns, name);
	if (!key || dup_str(&o->ns, ns) || dup_str(&o->name, name)) {
		ret = -ENOMEM;
		goto out;
	}
	meta = json_object_get(j, "metadata");
	kp_path_push(&pc, ".metadata");
	ret = kp_get_obj(&pc, meta, "labels", &labels);
	if (!ret && labels) {
		kp_path_push(&pc, ".labels");
		ret = kp_labels_parse(&pc, labels, &o->labels);
	}
	kp_path_pop(&pc, 0);
	if (!ret && kinds[kind].parse)
		ret = kinds[kind].parse(&pc, j, o);
	if (ret == -EINVAL) {
		obj_clear_typed(o);
		o->error = strdup(pc.reason);
		if (!o->error ||
		    kp_errors_add(errs, kinds[kind].kind, ns, name, "%s",
				  pc.reason)) {
			ret = -ENOMEM;
			goto out;
		}
	} else if (ret) {
		goto out;
	}
	if (kp_map_put(&st->objs[kind], key, o, (void **)&old)) {
		ret = -ENOMEM;
		goto out;
	}
	obj_free(old);
	o = NULL;
out:
	obj_free(o);
	free(key);
	return ret;
}

static int add_json(struct kp_state *st, const json_t *j, const char *hint,
		    struct kp_errors *errs)
{
	const char *kind = NULL, *api = NULL, *ns = NULL, *name = NULL;
	const json_t *items, *item, *meta;
	int k, ret, first = 0;
	size_t i, len;

	if (!json_is_object(j)) {
		if (kp_errors_add(errs, hint, "", "", "not a JSON object"))
			return -ENOMEM;
		return -EINVAL;
	}
	if (json_is_string(json_object_get(j, "kind")))
		kind = json_string_value(json_object_get(j, "kind"));
	else
		kind = hint;
	if (json_is_string(json_object_get(j, "apiVersion")))
		api = json_string_value(json_object_get(j, "apiVersion"));
	meta = json_object_get(j, "metadata");
	if (json_is_string(json_object_get(meta, "namespace")))
		ns = json_string_value(json_object_get(meta, "namespace"));
	if (json_is_string(json_object_get(meta, "name")))
		name = json_string_value(json_object_get(meta, "name"));

	len = kind ? strlen(kind) : 0;
	if (len >= 4 && !strcmp(kind + len - 4, "List") &&
	    json_is_array(json_object_get(j, "items"))) {
		char *item_kind = NULL;

		/* "PodList" items may omit their kind; "List" items not. */
		if (len > 4) {
			item_kind = strndup(kind, len - 4);
			if (!item_kind)
				return -ENOMEM;
		}
		items = json_object_get(j, "items");
		json_array_foreach(items, i, item) {
			ret = add_json(st, item, item_kind, errs);
			if (ret == -ENOMEM) {
				free(item_kind);
				return ret;
			}
			if (ret && !first)
				first = ret;
		}
		free(item_kind);
		return first;
	}

	if (!kind) {
		if (kp_errors_add(errs, "", ns, name, "kind is required"))
			return -ENOMEM;
		return -EINVAL;
	}
	k = kind_lookup(kind);
	if (k < 0) {
		if (kp_errors_add(errs, kind, ns, name, "unsupported kind"))
			return -ENOMEM;
		return -EOPNOTSUPP;
	}
	if (api && strcmp(api, kinds[k].api)) {
		if (kp_errors_add(errs, kind, ns, name,
				  "unsupported apiVersion \"%s\" (want %s)",
				  api, kinds[k].api))
			return -ENOMEM;
		return -EOPNOTSUPP;
	}
	return add_object(st, j, k, errs);
}

struct kp_state *kp_state_new(void)
{
	return calloc(1, sizeof(struct kp_state));
}

void kp_state_free(struct kp_state *st)
{
	int k;

	if (!st)
		return;
	for (k = 0; k < __KP_KIND_MAX; k++)
		kp_map_free(&st->objs[k], obj_free);
	free(st->extip_allow);
	free(st);
}

int kp_state_allow_external_ips(struct kp_state *st,
				const struct kp_cidr *allow, size_t n)
{
	struct kp_cidr *copy = NULL;

	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, allow, n * sizeof(*copy));
	}
	free(st->extip_allow);
	st->extip_allow = copy;
	st->n_extip_allow = n;
	return 0;
}

int kp_state_add_json(struct kp_state *st, const json_t *obj,
		      struct kp_errors *errs)
{
	if (!st || !obj)
		return -EINVAL;
	return add_json(st, obj, NULL, errs);
}

int kp_state_del(struct kp_state *st, const char *kind, const char *ns,
		 const char *name)
{
	int k = kind_lookup(kind);
	struct kp_obj *o;
	char *key;

	if (!st || k < 0 || !name)
		return -EINVAL;
	if (k == KP_NAMESPACE)
		ns = "";
	else if (!ns || !*ns)
		ns = "default";
	key = obj_key(ns, name);
	if (!key)
		return -ENOMEM;
	o = kp_map_del(&st->objs[k], key);
	free(key);
	if (!o)
		return -ENOENT;
	obj_free(o);
	return 0;
}

static int obj_cmp(const void *pa, const void *pb)
{
	const struct kp_obj *a = *(const struct kp_obj *const *)pa;
	const struct kp_obj *b = *(const struct kp_obj *const *)pb;
	int r = strcmp(a->ns, b->ns);

	return r ? r : strcmp(a->name, b->name);
}

/* Every object of @kind, valid or not, sorted by namespace and name. */
static int state_all_sorted(const struct kp_state *st, enum kp_kind kind,
			    const struct kp_obj ***out, size_t *n)
{
	const struct kp_map *m = &st->objs[kind];
	const struct kp_obj **v;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!m->n)
		return 0;
	v = calloc(m->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->v[i].key)
			v[k++] = m->v[i].val;
	qsort(v, k, sizeof(*v), obj_cmp);
	*out = v;
	*n = k;
	return 0;
}

int kp_state_invalid(const struct kp_state *st, enum kp_kind kind,
		     const struct kp_obj ***out, size_t *n)
{
	size_t i, k = 0;
	int ret;

	ret = state_all_sorted(st, kind, out, n);
	for (i = 0; !ret && i < *n; i++)
		if ((*out)[i]->error)
			(*out)[k++] = (*out)[i];
	if (!ret)
		*n = k;
	return ret;
}

int kp_state_sorted(const struct kp_state *st, enum kp_kind kind,
		    const struct kp_obj ***out, size_t *n,
		    struct kp_errors *errs)
{
	const struct kp_obj **v;
	size_t i, k = 0, all;
	int ret;

	ret = state_all_sorted(st, kind, out, &all);
	v = *out;
	for (i = 0; !ret && i < all; i++) {
		if (!v[i]->error) {
			v[k++] = v[i];
			continue;
		}
		if (kp_errors_add(errs, kinds[kind].kind, v[i]->ns,
				  v[i]->name, "%s", v[i]->error)) {
			free(v);
			*out = NULL;
			ret = -ENOMEM;
		}
	}
	*n = ret ? 0 : k;
	return ret;
}
