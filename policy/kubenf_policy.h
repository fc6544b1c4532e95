/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libkubenf-policy: Kubernetes objects -> the kubenf rule set of one node.
 *
 * The agent feeds the library the Kubernetes v1 objects it watches (Pods,
 * Namespaces, Services, discovery.k8s.io/v1 EndpointSlices and
 * networking.k8s.io/v1 NetworkPolicies, as parsed jansson values) and asks
 * for the rule set of its node. The result is an in-memory model that
 * mirrors the objects of <linux/kubenf.h> one to one (service, peerset,
 * policy, pod); flags and enums are the uapi's own KUBENF_* values, so the
 * agent translates the model to netlink attributes without interpreting it.
 * The library does no I/O and keeps no global state.
 *
 * Bad input: every field is untrusted and type-checked. An object the
 * compiler cannot use is recorded with the reason (kind, namespace, name,
 * "field.path: what is wrong"), skipped, and everything else compiles.
 *
 * What the compiler decides (details at the top of netpol.c, service.c):
 *  - Pods are policy peers when they have an IP, have not terminated
 *    (phase Succeeded/Failed) and are not hostNetwork. hostNetwork pods
 *    use the node's addresses, so they are node traffic: never selected by
 *    a policy, never in a pod peerset (the common choice the Kubernetes
 *    docs describe; kube-network-policies does the same). Of the peers,
 *    those with spec.nodeName == the node become pod objects.
 *  - A policy is emitted only if it selects a local pod. Namespace labels
 *    always include kubernetes.io/metadata.name=<namespace>, also for a
 *    namespace whose Namespace object is unknown.
 *  - Named ports resolve on the receiving pod's containers[].ports (name
 *    and protocol): the selected pod for ingress, each destination pod for
 *    egress (the rule is split per resolved number).
 *  - One service per Service port that has a frontend; headless and
 *    ExternalName Services have none; backends come from EndpointSlices as
 *    kube-proxy reads them.
 *
 * The library keeps no global state; a kp_state may be compiled from
 * several threads at once as long as nobody modifies it meanwhile.
 *
 * Names and ids. Every compiled object has a NAME for people and a u32 id:
 *   service  "<ns>/<svc>/<port name>", or "<ns>/<svc>/<port number>" for
 *            an unnamed port (only a Service's single port may be unnamed,
 *            so the number cannot clash with another port's name)
 *   pod      "<ns>/<pod>"
 *   policy   "<ns>/<netpol>/ingress" or ".../egress"; when ingress rules use
 *            named ports that resolve differently on two selected pods, one
 *            policy per resolution: ".../ingress:<name>/<PROTO>=<port>,..."
 *            (=none when the pod does not serve that port)
 *   peerset  derived from what defines it, not from its current content, so
 *            that pod churn changes a set's entries but never its name:
 *              "pods ns{<selector>} pod{<selector>}"   selector peers; a peer
 *                  without namespaceSelector is written with the namespace's
 *                  automatic kubernetes.io/metadata.name label
 *              "ip <cidr>[ except <cidr>,...]"          ipBlock peers
 *              "named(<peers>|*) <port>/<PROTO>=<n>"    egress named ports
 *            Selectors are canonical (sorted, matchLabels written as "k=v",
 *            like labels.Selector.String()), so equal selectors in different
 *            policies share one peerset.
 * Names longer than KUBENF_NAME_MAX - 1 bytes are cut and end in "~<fnv32 of
 * the full name>". An id is the FNV-1a 32-bit hash of the name (0 -> 1); on
 * a collision within a kind, names are taken in byte order and a later name
 * takes the next free id. Ids are therefore stable across runs and agent
 * restarts for the same name; only a new colliding name that sorts first can
 * move an existing object's id, and the agent's diff is by name anyway.
 *
 * Ownership: kp_compile() returns a ruleset the caller frees with
 * kp_ruleset_free(). Strings and arrays inside it belong to the ruleset.
 * Functions return 0 or a negative errno.
 */
#ifndef _KUBENF_POLICY_H
#define _KUBENF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <linux/kubenf.h>

/* An address: family AF_INET or AF_INET6, bytes in network order. */
struct kp_addr {
	uint8_t family;
	uint8_t bytes[16];	/* IPv4 uses the first 4, the rest is zero */
};

/* A CIDR block; host bits are always zero. */
struct kp_cidr {
	struct kp_addr addr;
	uint8_t prefix;
};

#define KP_ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
#define KP_CIDR_STRLEN	(KP_ADDR_STRLEN + 4)

int kp_addr_parse(const char *s, struct kp_addr *out);
/* "a/len" with the length required; host bits are cleared. */
int kp_cidr_parse(const char *s, struct kp_cidr *out);
void kp_addr_fmt(const struct kp_addr *a, char buf[KP_ADDR_STRLEN]);
void kp_cidr_fmt(const struct kp_cidr *c, char buf[KP_CIDR_STRLEN]);
bool kp_cidr_contains(const struct kp_cidr *c, const struct kp_addr *a);
int kp_addr_cmp(const struct kp_addr *a, const struct kp_addr *b);
int kp_cidr_cmp(const struct kp_cidr *a, const struct kp_cidr *b);

/* ---- errors ---------------------------------------------------------- */

struct kp_error {
	char *kind;	/* "NetworkPolicy", "Service", ... */
	char *ns;	/* "" for cluster-scoped objects */
	char *name;	/* "" when the object has none */
	char *reason;	/* "spec.ingress[0].from[1].ipBlock.cidr: ..." */
};

struct kp_errors {
	struct kp_error *v;
	size_t n, cap;
};

void kp_errors_init(struct kp_errors *errs);
void kp_errors_free(struct kp_errors *errs);
/* [{"kind","namespace","name","reason"}], or NULL without memory. */
json_t *kp_errors_to_json(const struct kp_errors *errs);

/* ---- input: the Kubernetes objects ------------------------------------ */

struct kp_state;

struct kp_state *kp_state_new(void);
void kp_state_free(struct kp_state *st);

/*
 * Add or replace (by kind, namespace and name) one object, or every item of
 * a List ("List" or "<Kind>List"; items of a "<Kind>List" may omit kind).
 * Objects without metadata.namespace go to "default". An invalid object
 * replaces the previous version too and is remembered with its reason:
 * kp_compile() skips it and reports it. Unknown kinds are not stored.
 * @errs, when not NULL, also receives the errors of this call.
 * Returns 0, -EINVAL (some object was bad; the good ones are stored),
 * -EOPNOTSUPP (unknown kind or apiVersion) or -ENOMEM.
 */
int kp_state_add_json(struct kp_state *st, const json_t *obj,
		      struct kp_errors *errs);
/* Delete one object; -ENOENT if it is not there. @ns is ignored for
 * Namespaces.
 */
int kp_state_del(struct kp_state *st, const char *kind, const char *ns,
		 const char *name);

/*
 * The blocks whose addresses a Service may claim with spec.externalIPs.
 * Anyone who may create a Service in some namespace may write any address
 * there and so intercept traffic meant for it (CVE-2020-8554): by default
 * (no call, or @n == 0) the compiler honours none, and reports each one it
 * leaves out. Copies @allow. Returns 0 or -ENOMEM (the old list is kept).
 */
int kp_state_allow_external_ips(struct kp_state *st,
				const struct kp_cidr *allow, size_t n);

/* ---- output: the rule set of one node ---------------------------------- */

/* One peerset entry: a block with its ipBlock.except blocks. */
struct kp_block {
	struct kp_cidr cidr;
	struct kp_cidr *except;
	size_t n_except;
};

struct kp_peerset {
	uint32_t id;
	char *name;
	struct kp_block *entries;	/* sorted, unique; may be empty */
	size_t n_entries;
};

/* first == 0: every port of proto (then last == 0). */
struct kp_portrange {
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	uint16_t first, last;
};

/*
 * n_peers == 0 allows every peer, n_ports == 0 every port, exactly like an
 * absent KUBENF_RULE_A_PEERS/PORTS. A Kubernetes rule that can match
 * nothing (all its named ports unresolved) is not emitted, so an empty list
 * never stands for "nothing". A peerset itself may be empty.
 */
struct kp_rule {
	uint32_t *peers;		/* peerset ids, in the policy's order */
	size_t n_peers;
	struct kp_portrange *ports;	/* sorted, unique */
	size_t n_ports;
};

struct kp_policy {
	uint32_t id;
	char *name;
	uint8_t dir;			/* enum kubenf_dir */
	struct kp_rule *rules;		/* may be empty: allows nothing */
	size_t n_rules;
};

struct kp_pod {
	uint32_t id;
	char *name;
	uint32_t flags;			/* KUBENF_POD_F_* */
	struct kp_addr *addrs;
	size_t n_addrs;
	uint32_t *ingress;		/* policy ids, ascending */
	size_t n_ingress;
	uint32_t *egress;
	size_t n_egress;
};

struct kp_frontend {
	uint8_t kind;			/* enum kubenf_fe_kind */
	struct kp_addr addr;		/* node ports: only addr.family is set */
	uint8_t proto;
	uint16_t port;
};

struct kp_backend {
	struct kp_addr addr;
	uint16_t port;
	uint32_t flags;			/* KUBENF_BE_F_* */
};

struct kp_service {
	uint32_t id;
	char *name;
	uint32_t flags;			/* KUBENF_SVC_F_* */
	uint32_t affinity_timeout;	/* seconds; 0: no ClientIP affinity */
	struct kp_frontend *frontends;
	size_t n_frontends;
	struct kp_backend *backends;	/* sorted by address and port */
	size_t n_backends;
	struct kp_cidr *source_ranges;	/* LoadBalancer frontends only */
	size_t n_source_ranges;
};

/*
 * A LoadBalancer Service with externalTrafficPolicy Local and a
 * healthCheckNodePort: the node answers on that port how many ready
 * endpoints of the Service it has (kube-proxy's service health check), so
 * that the load balancer only sends to nodes that have some.
 */
struct kp_health_check {
	char *name;			/* "namespace/name" */
	uint16_t port;			/* spec.healthCheckNodePort */
	uint32_t local_endpoints;	/* ready, on this node, primary family */
};

/* Every array is sorted by name. */
struct kp_ruleset {
	char *node_name;
	struct kp_service *services;
	size_t n_services;
	struct kp_peerset *peersets;
	size_t n_peersets;
	struct kp_policy *policies;
	size_t n_policies;
	struct kp_pod *pods;
	size_t n_pods;
	struct kp_health_check *health_checks;	/* not kernel objects */
	size_t n_health_checks;
};

/*
 * Compile @st for the node @node_name. Errors of stored objects and of the
 * compilation (a frontend claimed by two Services, a pod IP used by two
 * local pods) are appended to @errs (may be NULL); they never fail the call.
 * Returns 0 with *out set, -EINVAL without a node name, or -ENOMEM.
 */
int kp_compile(const struct kp_state *st, const char *node_name,
	       struct kp_ruleset **out, struct kp_errors *errs);
void kp_ruleset_free(struct kp_ruleset *rs);
void kp_health_checks_free(struct kp_health_check *v, size_t n);

/*
 * Deterministic JSON of the model (same input, same bytes with
 * json_dumps(JSON_SORT_KEYS)). NULL on failure (no memory, or a node name
 * that is not UTF-8). The layout is:
 *   {"node": s,
 *    "services": [{"id", "name", "flags": [s], "affinity_timeout",
 *                  "frontends": [{"kind": "cluster-ip"|"node-port"|
 *                                 "external-ip"|"load-balancer",
 *                                 "addr" | "family": "ipv4"|"ipv6",
 *                                 "proto": "TCP"|"UDP"|"SCTP", "port"}],
 *                  "source_ranges": [cidr], "backends": [{"addr", "port",
 *                  "flags": ["ready","serving","terminating","local"]}]}],
 *    "peersets": [{"id", "name", "entries": [{"cidr", "except": [cidr]}]}],
 *    "policies": [{"id", "name", "dir": "ingress"|"egress",
 *                  "rules": [{"peers": [id], "ports": [{"proto",
 *                             "first", "last"}]}]}],
 *    "pods": [{"id", "name", "addrs": [s],
 *              "flags": ["ingress-isolated","egress-isolated"],
 *              "ingress": [id], "egress": [id]}],
 *    "health_checks": [{"name", "port", "local_endpoints"}]}
 * ("health_checks" only when there are any).
 * Absent "peers"/"ports"/"first"/"except" keys mean what they mean in the
 * uapi: any peer, any port, all ports of the protocol, no exception.
 */
json_t *kp_ruleset_to_json(const struct kp_ruleset *rs);

#endif /* _KUBENF_POLICY_H */
