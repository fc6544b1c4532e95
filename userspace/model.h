/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-memory model of what kubenf.ko reports and accepts. Every object has a
 * "has" bitmask of HAS_* presence bits: a field is meaningful only when its
 * bit is set, so a reply from an older or newer module that lacks or adds
 * attributes is represented as exactly what was sent.
 */
#ifndef _KUBENF_MODEL_H
#define _KUBENF_MODEL_H

#include <linux/kubenf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct nlattr;
struct nlmsghdr;

enum kubenf_info_has {
	KUBENF_INFO_HAS_VERSION		= 1U << 0,
	KUBENF_INFO_HAS_GENERATION	= 1U << 1,
	KUBENF_INFO_HAS_COOKIE		= 1U << 2,
	KUBENF_INFO_HAS_HOOKS		= 1U << 3,
	KUBENF_INFO_HAS_COUNTS		= 1U << 4,
};

/* The reply to KUBENF_CMD_GET_INFO. */
struct kubenf_info {
	uint32_t has;			/* KUBENF_INFO_HAS_* */
	char version[KUBENF_NAME_MAX];
	uint64_t generation;
	uint64_t cookie;
	bool hooks;			/* netfilter hooks registered */
	/* Bit n set: counts[n] holds KUBENF_COUNT_A_n (counts and limits). */
	uint32_t counts_has;
	uint32_t counts[KUBENF_COUNT_A_MAX + 1];
};

/*
 * Parse a GET_INFO reply into the struct kubenf_info at @arg (a
 * kubenf_nl_parse_t). Returns 0 or -EBADMSG.
 */
int kubenf_info_parse(const struct nlmsghdr *nlh, void *arg);

struct nl_msg;

/* An IPv4 or IPv6 address. */
struct kubenf_addr {
	uint8_t family;		/* AF_INET, AF_INET6; 0: none */
	uint8_t bytes[16];	/* network order; 4 used for AF_INET */
};

/* An address block; prefix is the full length for a single address. */
struct kubenf_cidr {
	struct kubenf_addr addr;
	uint8_t prefix;
};

/* Bits of an address of @family: 32, 128, or 0 for no family. */
static inline unsigned int kubenf_addr_bits(uint8_t family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

struct kubenf_frontend {
	struct kubenf_addr addr;	/* node ports: the family only */
	uint16_t port;
	uint8_t kind;			/* enum kubenf_fe_kind */
	uint8_t proto;			/* IPPROTO_TCP, _UDP, _SCTP */
};

enum kubenf_be_has {
	KUBENF_BE_HAS_FLAGS	= 1U << 0,
	KUBENF_BE_HAS_CONNS	= 1U << 1,
};

struct kubenf_backend {
	struct kubenf_addr addr;
	uint64_t conns;			/* dumps only: new connections */
	uint32_t has;			/* KUBENF_BE_HAS_* */
	uint32_t flags;			/* KUBENF_BE_F_* */
	uint16_t port;
};

enum kubenf_svc_has {
	KUBENF_SVC_HAS_NAME	= 1U << 0,
	KUBENF_SVC_HAS_FLAGS	= 1U << 1,
	KUBENF_SVC_HAS_AFFINITY	= 1U << 2,
	KUBENF_SVC_HAS_CONNS	= 1U << 3,	/* dumps only */
};

/*
 * One Kubernetes Service port. The arrays are empty when n_* is 0; they
 * grow only through kubenf_svc_add_*(). A request sends what the HAS_* bits
 * and the arrays hold; the kernel replaces the whole service.
 */
struct kubenf_service {
	uint32_t has;			/* KUBENF_SVC_HAS_* */
	uint32_t id;			/* non-zero */
	char *name;			/* owned; with KUBENF_SVC_HAS_NAME */
	uint32_t flags;			/* KUBENF_SVC_F_* */
	uint32_t affinity_timeout;	/* seconds; 0: no affinity */
	uint64_t conns;			/* new connections */
	struct kubenf_frontend *fe;
	struct kubenf_backend *be;
	struct kubenf_cidr *ranges;	/* loadBalancerSourceRanges */
	size_t n_fe, n_be, n_ranges;
};

/* Services in id order once kubenf_svc_list_finish() has run. */
struct kubenf_svc_list {
	struct kubenf_service *svc;
	size_t n;
};

/*
 * Appending to the arrays of a model object: returns the new, zeroed
 * element, or NULL when out of memory (the array is then unchanged).
 */
struct kubenf_frontend *kubenf_svc_add_fe(struct kubenf_service *svc);
struct kubenf_backend *kubenf_svc_add_be(struct kubenf_service *svc);
struct kubenf_cidr *kubenf_svc_add_range(struct kubenf_service *svc);
struct kubenf_service *kubenf_svc_list_add(struct kubenf_svc_list *list);
/* Takes a copy of @name. Returns 0 or -ENOMEM. */
int kubenf_svc_set_name(struct kubenf_service *svc, const char *name);

/* Frees what @svc owns and zeroes it; the struct itself is the caller's. */
void kubenf_svc_release(struct kubenf_service *svc);
void kubenf_svc_list_release(struct kubenf_svc_list *list);
/* Whether @a and @b describe the same service (counters included). */
bool kubenf_svc_equal(const struct kubenf_service *a,
		      const struct kubenf_service *b);

/*
 * Append @svc to @msg as a KUBENF_A_SERVICE nest, for SVC_SET. Returns 0,
 * or -EMSGSIZE when it does not fit (a nest holds at most 64 KiB: a few
 * thousand backends).
 */
int kubenf_svc_put(struct nl_msg *msg, const struct kubenf_service *svc);
/*
 * A complete SVC_SET request for @svc, sized for it, in *@out (the caller
 * frees it with kubenf_nl_msg_free()). Returns 0, -ENOMEM or -EMSGSIZE.
 */
int kubenf_svc_set_msg(const struct kubenf_service *svc, struct nl_msg **out);
/* An SVC_DEL request for service @id. Returns 0 or -ENOMEM. */
int kubenf_svc_del_msg(uint32_t id, struct nl_msg **out);
/* An SVC_GET dump request. Returns 0 or -ENOMEM. */
int kubenf_svc_dump_msg(struct nl_msg **out);

/*
 * Decode a KUBENF_A_SERVICE nest into @svc, which must be zeroed (the
 * caller releases it also on failure). Returns 0, -EBADMSG or -ENOMEM.
 */
int kubenf_svc_parse(const struct nlattr *nest, struct kubenf_service *svc);
/*
 * The kubenf_nl_parse_t of an SVC_GET dump, adding each service to the
 * struct kubenf_svc_list at @arg. A message with the id of the one before
 * continues that service: its backends are appended. Call
 * kubenf_svc_list_finish() once the dump is complete.
 */
int kubenf_svc_dump_parse(const struct nlmsghdr *nlh, void *arg);
/* Sort by id; a service that appears twice is -EBADMSG. */
int kubenf_svc_list_finish(struct kubenf_svc_list *list);

enum kubenf_cfg_has {
	KUBENF_CFG_HAS_FLAGS		= 1U << 0,
	KUBENF_CFG_HAS_NODE_NAME	= 1U << 1,
};

/*
 * Node-wide settings. SET_CONFIG replaces all of them: empty lists and
 * absent values mean the defaults.
 */
struct kubenf_config {
	uint32_t has;			/* KUBENF_CFG_HAS_* */
	uint32_t flags;			/* KUBENF_CFG_F_* */
	struct kubenf_cidr *node_addrs;	/* full-length prefixes */
	struct kubenf_cidr *cluster_cidrs;
	struct kubenf_cidr *pod_cidrs;	/* this node's pod CIDRs */
	size_t n_node_addrs, n_cluster_cidrs, n_pod_cidrs;
	char node_name[KUBENF_NAME_MAX];
};

struct kubenf_cidr *kubenf_config_add_node_addr(struct kubenf_config *cfg);
struct kubenf_cidr *kubenf_config_add_cluster_cidr(struct kubenf_config *cfg);
struct kubenf_cidr *kubenf_config_add_pod_cidr(struct kubenf_config *cfg);
void kubenf_config_release(struct kubenf_config *cfg);
bool kubenf_config_equal(const struct kubenf_config *a,
			 const struct kubenf_config *b);

/*
 * A SET_CONFIG request for @cfg, always with FLAGS (0 without
 * KUBENF_CFG_HAS_FLAGS). Returns 0, -ENOMEM or -EMSGSIZE.
 */
int kubenf_config_set_msg(const struct kubenf_config *cfg,
			  struct nl_msg **out);
/* A GET_CONFIG request. Returns 0 or -ENOMEM. */
int kubenf_config_get_msg(struct nl_msg **out);
/*
 * Parse a GET_CONFIG reply into the zeroed struct kubenf_config at @arg,
 * which the caller releases. Returns 0, -EBADMSG or -ENOMEM.
 */
int kubenf_config_parse(const struct nlmsghdr *nlh, void *arg);
/* Decode a KUBENF_A_CONFIG nest into zeroed @cfg; see above. */
int kubenf_config_parse_nest(const struct nlattr *nest,
			     struct kubenf_config *cfg);

/* Room for the reasons of enum kubenf_reason, and of newer modules. */
#define KUBENF_STATS_REASONS	64

enum kubenf_stats_has {
	KUBENF_STATS_HAS_DROPS			= 1U << 0,
	KUBENF_STATS_HAS_EVENTS_SUPPRESSED	= 1U << 1,
};

/* The reply to KUBENF_CMD_GET_STATS. */
struct kubenf_stats {
	uint32_t has;			/* KUBENF_STATS_HAS_* */
	uint64_t drops_has;		/* bit r: drops[r] was reported */
	uint64_t drops[KUBENF_STATS_REASONS];	/* by enum kubenf_reason */
	uint64_t events_suppressed;
};

/* A GET_STATS request. Returns 0 or -ENOMEM. */
int kubenf_stats_get_msg(struct nl_msg **out);
/* Parse a GET_STATS reply into the struct kubenf_stats at @arg. */
int kubenf_stats_parse(const struct nlmsghdr *nlh, void *arg);

/*
 * Netlink helpers the model files share. kubenf_addr_put() writes @addr as
 * attribute @a4 or @a6 by its family; kubenf_addr_get() reads the one of
 * @a4/@a6 that is present (exactly one must be). A CIDR array is a nest of
 * KUBENF_CIDR_A_* nests numbered from 1; decoding appends to *@arr.
 */
int kubenf_addr_put(struct nl_msg *msg, int a4, int a6,
		    const struct kubenf_addr *addr);
int kubenf_addr_get(const struct nlattr *a4, const struct nlattr *a6,
		    struct kubenf_addr *addr);
int kubenf_cidrs_put(struct nl_msg *msg, int type,
		     const struct kubenf_cidr *cidrs, size_t n);
int kubenf_cidrs_parse(const struct nlattr *nest, struct kubenf_cidr **arr,
		       size_t *n);
bool kubenf_addr_equal(const struct kubenf_addr *a,
		       const struct kubenf_addr *b);
bool kubenf_cidr_equal(const struct kubenf_cidr *a,
		       const struct kubenf_cidr *b);

/*
 * Transactions. BEGIN with @flags KUBENF_TXN_F_*; COMMIT with an expected
 * generation (when @has_generation) and a cookie (when @has_cookie).
 * Return 0 or -ENOMEM.
 */
int kubenf_txn_begin_msg(uint32_t flags, struct nl_msg **out);
int kubenf_txn_commit_msg(bool has_generation, uint64_t generation,
			  bool has_cookie, uint64_t cookie,
			  struct nl_msg **out);
int kubenf_txn_abort_msg(struct nl_msg **out);
/*
 * Parse the reply to TXN_COMMIT: the new generation into the uint64_t at
 * @arg. Returns 0 or -EBADMSG.
 */
int kubenf_txn_commit_parse(const struct nlmsghdr *nlh, void *arg);

/*
 * NetworkPolicy objects (model_pol.c): peersets, policies and pods, as
 * <linux/kubenf.h> describes them. Names are owned strings, NULL for none
 * (the kernel reports "" then). Arrays grow through kubenf_array_add().
 */

/* A peerset entry: an address block and its exceptions (ipBlock.except). */
struct kubenf_pset_entry {
	struct kubenf_cidr cidr;
	struct kubenf_cidr *except;
	size_t n_except;
};

struct kubenf_peerset {
	uint32_t id;			/* non-zero */
	char *name;
	struct kubenf_pset_entry *entries;
	size_t n_entries;
};

/* A port range of one protocol; first 0 (and last 0): every port. */
struct kubenf_port_range {
	uint8_t proto;			/* IPPROTO_TCP, _UDP, _SCTP */
	uint16_t first, last;
};

/* No peers: every peer; no ports: every port. */
struct kubenf_rule {
	uint32_t *peers;		/* peerset ids */
	struct kubenf_port_range *ports;
	size_t n_peers, n_ports;
	uint64_t packets;		/* dumps only: connections allowed */
	bool has_packets;
};

struct kubenf_policy {
	uint32_t id;			/* non-zero */
	char *name;
	uint8_t dir;			/* enum kubenf_dir */
	struct kubenf_rule *rules;	/* none: allows nothing */
	size_t n_rules;
};

struct kubenf_pod {
	uint32_t id;			/* non-zero */
	char *name;
	uint32_t flags;			/* KUBENF_POD_F_* */
	struct kubenf_addr *addrs;
	uint32_t *ingress;		/* policy ids */
	uint32_t *egress;
	size_t n_addrs, n_ingress, n_egress;
};

/* Lists in id order once their *_finish() has run. */
struct kubenf_pset_list {
	struct kubenf_peerset *v;
	size_t n;
};

struct kubenf_pol_list {
	struct kubenf_policy *v;
	size_t n;
};

struct kubenf_pod_list {
	struct kubenf_pod *v;
	size_t n;
};

/* Takes a copy of @name into *@dst. Returns 0 or -ENOMEM. */
int kubenf_obj_set_name(char **dst, const char *name);

/* Free what the object owns and zero it. */
void kubenf_peerset_release(struct kubenf_peerset *ps);
void kubenf_policy_release(struct kubenf_policy *pol);
void kubenf_pod_release(struct kubenf_pod *pod);
void kubenf_pset_list_release(struct kubenf_pset_list *list);
void kubenf_pol_list_release(struct kubenf_pol_list *list);
void kubenf_pod_list_release(struct kubenf_pod_list *list);

/*
 * Whether @a and @b describe the same object as far as a request can set
 * it: counters are ignored, a NULL name equals "". Order matters
 * everywhere (the kernel keeps what it was given in order).
 */
bool kubenf_peerset_equal(const struct kubenf_peerset *a,
			  const struct kubenf_peerset *b);
bool kubenf_policy_equal(const struct kubenf_policy *a,
			 const struct kubenf_policy *b);
bool kubenf_pod_equal(const struct kubenf_pod *a, const struct kubenf_pod *b);

/*
 * Complete requests, sized for the object (the caller frees them with
 * kubenf_nl_msg_free()). SET returns 0, -ENOMEM or -EMSGSIZE (the object
 * does not fit in one 64 KiB nest); DEL and dump requests 0 or -ENOMEM.
 */
int kubenf_peerset_set_msg(const struct kubenf_peerset *ps,
			   struct nl_msg **out);
int kubenf_policy_set_msg(const struct kubenf_policy *pol,
			  struct nl_msg **out);
int kubenf_pod_set_msg(const struct kubenf_pod *pod, struct nl_msg **out);
int kubenf_peerset_del_msg(uint32_t id, struct nl_msg **out);
int kubenf_policy_del_msg(uint32_t id, struct nl_msg **out);
int kubenf_pod_del_msg(uint32_t id, struct nl_msg **out);
int kubenf_peerset_dump_msg(struct nl_msg **out);
int kubenf_policy_dump_msg(struct nl_msg **out);
int kubenf_pod_dump_msg(struct nl_msg **out);

/*
 * Decode one nest into the zeroed object (the caller releases it also on
 * failure). Returns 0, -EBADMSG or -ENOMEM.
 */
int kubenf_peerset_parse(const struct nlattr *nest, struct kubenf_peerset *ps);
int kubenf_policy_parse(const struct nlattr *nest, struct kubenf_policy *pol);
int kubenf_pod_parse(const struct nlattr *nest, struct kubenf_pod *pod);

/*
 * kubenf_nl_parse_t of the *_GET dumps, adding to the list at @arg. A
 * message with the id of the one before continues that object (the rest of
 * a peerset's entries, of a policy's rules). Finish the list once the dump
 * is complete: sorted by id, an id twice is -EBADMSG.
 */
int kubenf_peerset_dump_parse(const struct nlmsghdr *nlh, void *arg);
int kubenf_policy_dump_parse(const struct nlmsghdr *nlh, void *arg);
int kubenf_pod_dump_parse(const struct nlmsghdr *nlh, void *arg);
int kubenf_pset_list_finish(struct kubenf_pset_list *list);
int kubenf_pol_list_finish(struct kubenf_pol_list *list);
int kubenf_pod_list_finish(struct kubenf_pod_list *list);

#endif /* _KUBENF_MODEL_H */
