/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Services: frontends (address, protocol, port) mapped to backend sets. The
 * packet path finds a frontend with one hash lookup and picks a backend from
 * arrays computed when the service was configured.
 */
#ifndef _KUBENF_SERVICE_H
#define _KUBENF_SERVICE_H

#include <linux/rhashtable-types.h>
#include <linux/types.h>
#include <linux/netfilter.h>

#include "txn.h"

struct kubenf_net;
struct kubenf_config;
struct nlattr;
struct netlink_ext_ack;
struct sk_buff;

#define KUBENF_MAX_SERVICES		BIT(20)
#define KUBENF_MAX_BACKENDS		BIT(22)
#define KUBENF_MAX_SVC_FRONTENDS	32
#define KUBENF_MAX_SVC_BACKENDS		65536
#define KUBENF_MAX_SVC_RANGES		32

/* Hash key of a frontend; node ports have a zero address. */
struct kubenf_fe_key {
	union nf_inet_addr addr;
	__be16 port;	/* zero in the cluster-IP table */
	u8 proto;	/* zero in the cluster-IP table */
	u8 family;	/* NFPROTO_IPV4 or NFPROTO_IPV6 */
};

struct kubenf_svc;

/*
 * A conntrack clean-up rule, recorded at commit and applied once the commit
 * settled: UDP and SCTP entries of frontend @fe that were translated to the
 * backend that went away (@unnated false), or that a Service without
 * endpoints, or not yet there, left untranslated (@unnated true). TCP flows
 * end by themselves; UDP and SCTP flows would otherwise stick to a dead
 * backend, or to no backend, for as long as the client keeps sending.
 */
struct kubenf_ct_flush {
	struct kubenf_fe_key fe;
	union nf_inet_addr be_addr;
	__be16 be_port;
	bool unnated;
};

struct kubenf_ct_flush_list {
	struct kubenf_ct_flush *rules;
	u32 n, cap;
	u64 lost;	/* rules dropped for lack of memory */
};

struct kubenf_fe {
	struct rhlist_head node;	/* kn->frontends, by @key */
	struct rhlist_head vip_node;	/* kn->cluster_ips, by @vip (cluster IPs) */
	struct kubenf_fe_key key;
	struct kubenf_fe_key vip;
	u8 kind;			/* enum kubenf_fe_kind */
	bool linked, vip_linked;	/* under kn->lock */
	struct kubenf_svc *svc;
};

struct kubenf_be {
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
	u8 flags;			/* KUBENF_BE_F_* */
	atomic64_t conns;		/* new connections sent here */
};

/* Index of the candidate arrays: family, then locality. */
enum { KUBENF_CAND_CLUSTER, KUBENF_CAND_LOCAL, __KUBENF_CAND_MAX };

struct kubenf_svc {
	struct kubenf_obj obj;
	u32 flags;			/* KUBENF_SVC_F_* */
	u32 affinity_timeout;		/* seconds, 0: none */
	u32 n_fe, n_be, n_ranges;
	struct kubenf_fe *fe;
	struct kubenf_be *be;
	struct kubenf_cidr *ranges;	/* loadBalancerSourceRanges */
	/*
	 * Backend indexes the packet path picks from uniformly, per family
	 * (0: IPv4, 1: IPv6) and traffic policy: ready backends, or when
	 * there is none, serving-and-terminating ones.
	 */
	u32 *cand[2][__KUBENF_CAND_MAX];
	u32 n_cand[2][__KUBENF_CAND_MAX];
	atomic64_t conns;
	/* Unique per namespace: tells affinity entries of replaced objects. */
	u64 serial;
	char *name;
};

static inline struct kubenf_svc *kubenf_svc(struct kubenf_obj *obj)
{
	return container_of(obj, struct kubenf_svc, obj);
}

int kubenf_svc_tables_init(struct kubenf_net *kn);
void kubenf_svc_tables_destroy(struct kubenf_net *kn);

/*
 * Builds a service from a validated KUBENF_A_SERVICE nest and stages it in
 * @txn. Caller holds kn->lock.
 */
int kubenf_svc_set(struct kubenf_net *kn, struct kubenf_txn *txn,
		   const struct nlattr *nest, struct netlink_ext_ack *extack);
/*
 * Stages the deletion of service @id in @txn, its backends no longer
 * counted against the namespace's limit. Caller holds kn->lock.
 */
int kubenf_svc_remove(struct kubenf_net *kn, struct kubenf_txn *txn, u32 id,
		      struct netlink_ext_ack *extack);

/*
 * Writes @svc as a KUBENF_A_SERVICE nest, starting at backend *@be_next
 * (0: the whole service). Returns 0 when complete, 1 when only some
 * backends fitted (*@be_next is where the next message resumes), or
 * -EMSGSIZE when nothing fitted.
 */
int kubenf_svc_put(struct sk_buff *skb, const struct kubenf_svc *svc,
		   u32 *be_next);

/* Packet path, under RCU. */
const struct kubenf_fe *kubenf_fe_lookup(struct kubenf_net *kn, u8 genmask,
					 const struct kubenf_config *cfg,
					 u8 family,
					 const union nf_inet_addr *daddr,
					 u8 proto, __be16 dport);
bool kubenf_is_cluster_ip(struct kubenf_net *kn, u8 genmask, u8 family,
			  const union nf_inet_addr *daddr);
/* The backends a new connection to @fe may use, given its origin. */
const u32 *kubenf_svc_candidates_for(const struct kubenf_fe *fe,
				     bool external, u32 *n);
struct kubenf_be *kubenf_svc_pick(const struct kubenf_fe *fe, bool external);

extern const struct kubenf_kind_ops kubenf_svc_ops;

#endif /* _KUBENF_SERVICE_H */
