/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to libkubenf-policy: the typed Kubernetes objects, the object
 * store, and the helpers the compile stages share.
 */
#ifndef _KUBENF_POLICY_INTERNAL_H
#define _KUBENF_POLICY_INTERNAL_H

#include <stdarg.h>

#include "kubenf_policy.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

/* ---- util.c ------------------------------------------------------------ */

/*
 * Grow the array *@pv (any T *) to hold @want elements of @size bytes.
 * Returns 0 or -ENOMEM (the array is then unchanged).
 */
int kp_grow(void *pv, size_t *cap, size_t want, size_t size);
/* Append one zeroed element to (v, n, cap); evaluates to it or NULL. */
#define vec_push(v, n, cap)						\
	(kp_grow(&(v), &(cap), (n) + 1, sizeof(*(v))) ? NULL :		\
	 memset(&(v)[(n)++], 0, sizeof(*(v))))

/* A growable string; a failed allocation is sticky and checked once. */
struct kp_sb {
	char *s;
	size_t len, cap;
	bool oom;
};
void kp_sb_puts(struct kp_sb *sb, const char *s);
__printf(2, 3) void kp_sb_printf(struct kp_sb *sb, const char *fmt, ...);
__printf(2, 0) void kp_sb_vprintf(struct kp_sb *sb, const char *fmt,
				  va_list ap);
/* Returns the string (caller frees) or NULL after a failed allocation. */
char *kp_sb_steal(struct kp_sb *sb);

/* String-keyed hash map; keys are copied, values are borrowed. */
struct kp_map_ent {
	char *key;
	uint64_t hash;
	void *val;
};
struct kp_map {
	struct kp_map_ent *v;
	size_t n, cap;		/* cap: 0 or a power of two */
};
void *kp_map_get(const struct kp_map *m, const char *key);
/* Insert or replace; the replaced value goes to *@old (may be NULL). */
int kp_map_put(struct kp_map *m, const char *key, void *val, void **old);
void *kp_map_del(struct kp_map *m, const char *key);
void kp_map_free(struct kp_map *m, void (*free_val)(void *));

uint32_t kp_fnv32(const char *s);
/* Cut a name that does not fit KUBENF_NAME_MAX, ending it in ~<hash>. */
void kp_name_fit(char *name);

__printf(5, 6) int kp_errors_add(struct kp_errors *errs, const char *kind,
				 const char *ns, const char *name,
				 const char *fmt, ...);

const char *kp_proto_str(uint8_t proto);
/* NULL is TCP, the Kubernetes default. */
int kp_proto_parse(const char *s, uint8_t *proto);

/* cidr.c: kp_cidr_cmp() for qsort() */
int kp_cidr_qcmp(const void *a, const void *b);

/* ---- parse.c: reading untrusted JSON ---------------------------------- */

/* Where the parser is ("spec.ingress[0].ports[1]") and the first error. */
struct kp_parse {
	char path[512];
	size_t len;
	char reason[1024];
};

/* Append to the path; returns the old length for kp_path_pop(). */
__printf(2, 3) size_t kp_path_push(struct kp_parse *pc, const char *fmt, ...);
void kp_path_pop(struct kp_parse *pc, size_t len);
/* Record "<path>: <message>" and return -EINVAL. */
__printf(2, 3) int kp_fail(struct kp_parse *pc, const char *fmt, ...);

/*
 * Field getters: absent and null both give "not there" (NULL, false or 0
 * with *present false) and return 0; a value of the wrong type fails with
 * -EINVAL and the field's path.
 */
int kp_get_obj(struct kp_parse *pc, const json_t *o, const char *key,
	       const json_t **out);
int kp_get_arr(struct kp_parse *pc, const json_t *o, const char *key,
	       const json_t **out);
int kp_get_str(struct kp_parse *pc, const json_t *o, const char *key,
	       const char **out);
int kp_get_bool(struct kp_parse *pc, const json_t *o, const char *key,
		bool *out, bool *present);
int kp_get_int(struct kp_parse *pc, const json_t *o, const char *key,
	       long long min, long long max, long long *out, bool *present);
/* @j itself must be a string (the path names it). */
int kp_str_value(struct kp_parse *pc, const json_t *j, const char **out);

/* ---- labels and selectors: selector.c --------------------------------- */

struct kp_label {
	char *key, *val;
};

/* Sorted by key, keys unique. */
struct kp_labels {
	struct kp_label *v;
	size_t n, cap;
};

int kp_labels_parse(struct kp_parse *pc, const json_t *obj,
		    struct kp_labels *l);
const char *kp_labels_get(const struct kp_labels *l, const char *key);
/* Set or replace one label (copies both strings). */
int kp_labels_set(struct kp_labels *l, const char *key, const char *val);
int kp_labels_copy(struct kp_labels *dst, const struct kp_labels *src);
void kp_labels_free(struct kp_labels *l);

enum kp_sel_op {
	KP_OP_IN,
	KP_OP_NOT_IN,
	KP_OP_EXISTS,
	KP_OP_DOES_NOT_EXIST,
};

struct kp_req {
	char *key;
	enum kp_sel_op op;
	char **values;		/* sorted, unique; only for IN and NOT_IN */
	size_t n_values;
};

/* Requirements ANDed, sorted and unique; none matches everything. */
struct kp_selector {
	struct kp_req *reqs;
	size_t n;
};

/* @j: a LabelSelector object (matchLabels, matchExpressions). */
int kp_selector_parse(struct kp_parse *pc, const json_t *j,
		      struct kp_selector *sel);
/* The selector "key=val" (how a peer without namespaceSelector reads). */
int kp_selector_eq(struct kp_selector *sel, const char *key, const char *val);
bool kp_selector_match(const struct kp_selector *sel,
		       const struct kp_labels *l);
/* labels.Selector.String() style, "" for the empty selector. */
void kp_selector_fmt(const struct kp_selector *sel, struct kp_sb *sb);
void kp_selector_free(struct kp_selector *sel);

#define KP_LABEL_NS_NAME	"kubernetes.io/metadata.name"
#define KP_LABEL_SVC_NAME	"kubernetes.io/service-name"

/* ---- typed objects: objects.c ------------------------------------------ */

enum kp_kind {
	KP_NAMESPACE,
	KP_POD,
	KP_SERVICE,
	KP_ENDPOINTSLICE,
	KP_NETPOL,
	__KP_KIND_MAX
};

const char *kp_kind_str(enum kp_kind kind);

struct k8s_cport {
	char *name;		/* NULL when unnamed */
	uint8_t proto;
	uint16_t port;
};

struct k8s_pod {
	char *node;		/* NULL when not scheduled */
	bool host_network;
	bool terminal;		/* phase Succeeded or Failed */
	struct kp_addr *addrs;
	size_t n_addrs;
	struct k8s_cport *cports;
	size_t n_cports;
};

enum k8s_svc_type {
	K8S_SVC_CLUSTER_IP,
	K8S_SVC_NODE_PORT,
	K8S_SVC_LOAD_BALANCER,
	K8S_SVC_EXTERNAL_NAME,
};

struct k8s_svc_port {
	char *name;		/* "" when unnamed */
	uint8_t proto;
	uint16_t port, node_port;
};

struct k8s_svc {
	enum k8s_svc_type type;
	bool headless;
	uint8_t families[2];	/* AF_INET/AF_INET6, primary first; 0: none */
	struct kp_addr *cluster_ips;
	size_t n_cluster_ips;
	struct k8s_svc_port *ports;
	size_t n_ports;
	struct kp_addr *external_ips;
	size_t n_external_ips;
	struct kp_addr *lb_ips;
	size_t n_lb_ips;
	struct kp_cidr *source_ranges;
	size_t n_source_ranges;
	uint32_t affinity_timeout;
	bool internal_local, external_local;
	uint16_t hc_node_port;	/* spec.healthCheckNodePort; 0: none */
};

struct k8s_eps_port {
	char *name;		/* "" when unnamed */
	uint8_t proto;
	uint16_t port;		/* 0: port unknown, unusable */
};

struct k8s_ep {
	struct kp_addr addr;	/* addresses[0], as kube-proxy uses */
	char *node;
	uint32_t flags;		/* KUBENF_BE_F_READY/SERVING/TERMINATING */
};

struct k8s_eps {
	const char *service;	/* points into the object's labels */
	uint8_t family;		/* 0 for FQDN slices, which are ignored */
	struct k8s_eps_port *ports;
	size_t n_ports;
	struct k8s_ep *eps;
	size_t n_eps;
};

/* A NetworkPolicy port; port 0 without a name is every port of proto. */
struct k8s_np_port {
	uint8_t proto;
	uint16_t port, end_port;	/* end_port 0: just port */
	char *name;			/* a named port, then port is 0 */
};

struct k8s_np_peer {
	bool is_block;
	/* selector peer: both selectors set, the namespace one resolved */
	struct kp_selector ns_sel, pod_sel;
	/* ipBlock peer */
	struct kp_block block;
};

/* n_peers == 0: every peer; n_ports == 0: every port (absent or []). */
struct k8s_np_rule {
	struct k8s_np_peer *peers;
	size_t n_peers;
	struct k8s_np_port *ports;
	size_t n_ports;
};

struct k8s_netpol {
	struct kp_selector pod_sel;
	bool types[__KUBENF_DIR_MAX];
	struct k8s_np_rule *rules[__KUBENF_DIR_MAX];
	size_t n_rules[__KUBENF_DIR_MAX];
};

/* One stored object of any kind. */
struct kp_obj {
	enum kp_kind kind;
	char *ns;		/* "" for Namespaces */
	char *name;
	struct kp_labels labels;
	char *error;		/* not NULL: unusable, skipped, reported */
	union {
		struct k8s_pod pod;
		struct k8s_svc svc;
		struct k8s_eps eps;
		struct k8s_netpol np;
	} u;
};

struct kp_state {
	struct kp_map objs[__KP_KIND_MAX];	/* "ns/name" -> kp_obj */
	struct kp_cidr *extip_allow;	/* kp_state_allow_external_ips() */
	size_t n_extip_allow;
};

/*
 * The valid objects of one kind sorted by namespace and name; invalid ones
 * are reported to @errs. Caller frees the array (not the objects).
 */
int kp_state_sorted(const struct kp_state *st, enum kp_kind kind,
		    const struct kp_obj ***out, size_t *n,
		    struct kp_errors *errs);
/* The invalid objects of one kind sorted by namespace and name. */
int kp_state_invalid(const struct kp_state *st, enum kp_kind kind,
		     const struct kp_obj ***out, size_t *n);

/* ---- the compiler: compile.c, netpol.c, service.c ---------------------- */

/* A local pod while policies are attached to it. */
struct kp_build_pod {
	const struct kp_obj *o;
	uint32_t flags;
	uint32_t *pol[__KUBENF_DIR_MAX];	/* policy indexes */
	size_t n_pol[__KUBENF_DIR_MAX], cap_pol[__KUBENF_DIR_MAX];
};

struct kp_build {
	const struct kp_state *st;
	const char *node;
	struct kp_errors *errs;

	/* Pods that can be policy peers: not hostNetwork, with an IP, not
	 * terminated; sorted by namespace and name.
	 */
	const struct kp_obj **peers;
	size_t n_peers;
	/* The namespace labels of peers[i], automatic label included. */
	const struct kp_labels **peer_ns;
	struct kp_map ns_labels;	/* ns name -> struct kp_labels */

	struct kp_build_pod *locals;	/* node-local peers, same order */
	size_t n_locals;

	struct kp_ruleset *rs;
	size_t cap_services, cap_peersets, cap_policies;
	/* Name -> index + 1 in rs->peersets / rs->policies. While building,
	 * rule peers and pod policy lists hold indexes, not ids.
	 */
	struct kp_map peerset_idx, policy_idx;
};

int kp_netpol_compile(struct kp_build *b);
int kp_service_compile(struct kp_build *b);
/* Index of the peerset called @name, created empty when missing. */
int kp_build_peerset(struct kp_build *b, const char *name, uint32_t *idx,
		     bool *created);

/* ruleset.c */
void kp_peerset_clear(struct kp_peerset *s);
void kp_policy_clear(struct kp_policy *p);
void kp_service_clear(struct kp_service *s);
void kp_pod_clear(struct kp_pod *p);
/* Sort and deduplicate an array. */
size_t kp_sort_unique(void *base, size_t n, size_t size,
		      int (*cmp)(const void *, const void *));

#endif /* _KUBENF_POLICY_INTERNAL_H */
