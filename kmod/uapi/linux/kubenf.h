/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * kubenf: Kubernetes Services and NetworkPolicy in netfilter.
 *
 * This header is the whole ABI between kubenf.ko and userspace (kubenfctl,
 * kubenf-agent). It is included by both. Attribute types never change once
 * shipped; new behaviour comes as new attributes or new commands.
 *
 * Transport
 * ---------
 * Generic netlink family KUBENF_GENL_NAME, version KUBENF_GENL_VERSION, one
 * multicast group KUBENF_GENL_MCGRP_EVENTS. State is per network namespace:
 * a request acts on the namespace of the sending socket. Every command,
 * including dumps, needs CAP_NET_ADMIN in the initial user namespace
 * (GENL_ADMIN_PERM): Service DNAT and policy decide what may reach every pod
 * of the node, so a container root in its own user namespace must not read or
 * change them. Attributes are validated strictly: unknown attributes, wrong
 * types or lengths fail with -EINVAL, values or lengths outside the
 * attribute's range with -ERANGE (both from the netlink core's policy
 * checks), each with an extack message and the offending attribute; unknown
 * flag bits fail with -EOPNOTSUPP.
 *
 * Addresses are KUBENF_*_A_ADDR4 (4 bytes) or KUBENF_*_A_ADDR6 (16 bytes), in
 * network byte order; exactly one of the two is given. Ports and protocol
 * numbers are host order. Protocols are IPPROTO_TCP, IPPROTO_UDP and
 * IPPROTO_SCTP; anything else is -EPROTONOSUPPORT.
 *
 * Object model
 * ------------
 * Every object has a 32-bit id chosen by the agent (non-zero, unique per kind
 * and namespace) and a NAME for people ("namespace/name[/port]"). Ids are the
 * keys; a SET of an existing id replaces that object as a whole.
 *
 *  config   node-wide settings: node addresses for NodePorts (default: every
 *           local address but loopback; KUBENF_CFG_F_NODEPORT_LOOPBACK adds
 *           loopback), cluster CIDRs (traffic from outside them is
 *           "external" for masquerading and externalTrafficPolicy), and the
 *           policy-change mode (KUBENF_CFG_F_POLICY_CUT).
 *  service  one Kubernetes Service port. Frontends: the (address, protocol,
 *           port) triples that reach it - cluster IPs (every family of a
 *           dual-stack Service), node ports (no address: the node addresses),
 *           external IPs and load-balancer ingress IPs (with the Service's
 *           loadBalancerSourceRanges). Backends: endpoint address and port
 *           with READY/SERVING/TERMINATING and LOCAL (on this node) flags.
 *           Affinity timeout (ClientIP affinity when non-zero) and traffic
 *           policy flags (internal/external Local). A frontend triple belongs
 *           to at most one service (-EEXIST otherwise).
 *  peerset  a set of addresses and CIDR blocks, each block with optional
 *           exceptions (NetworkPolicy ipBlock.except). Pod IP sets computed
 *           from selectors are peersets of /32 and /128 entries. Shared by
 *           reference, so a namespace's pods are stored once, not per rule.
 *  policy   a compiled rule list for one direction: rules of (peers, ports);
 *           a rule with no peers allows every peer, with no ports every port.
 *           Peers are peerset ids; ports are (protocol, first, last).
 *           Named ports are resolved by the compiler, which emits separate
 *           policies when a named port resolves differently for two pods.
 *  pod      a pod local to this node: its addresses, whether it is isolated
 *           for ingress and/or egress, and the policies that apply to it in
 *           each direction. An isolated pod with no policy denies all in that
 *           direction. A pod that no policy selects is not isolated.
 *
 * Verdicts: only packets that create a conntrack entry are judged; replies
 * and RELATED packets of an accepted connection pass. Ingress is judged
 * against the destination pod after Service DNAT, egress against the
 * translated destination. Traffic from the node's own addresses to a local
 * pod passes (kubelet probes). The kernel compiles, per pod and direction,
 * the union of the pod's policies into one lookup (port class hash plus LPM
 * trie over peer prefixes), so per-packet cost does not grow with the number
 * of pods, policies or rules.
 *
 * Updates and what readers see
 * ----------------------------
 * Every mutation happens in a transaction and bumps the namespace's 64-bit
 * GENERATION once, when it commits. The packet path sees either the whole old
 * rule set or the whole new one: objects carry generation masks (as nftables
 * does), a commit flips the active generation with one store, and the old
 * objects are freed after an RCU grace period.
 *
 *  - A SET/DEL sent outside a transaction is its own transaction.
 *  - KUBENF_CMD_TXN_BEGIN opens a transaction owned by the sending socket;
 *    SET/DEL messages from that socket are then staged (validated and
 *    allocated at once, so a commit cannot fail half-way) until
 *    KUBENF_CMD_TXN_COMMIT applies all of them at once, or
 *    KUBENF_CMD_TXN_ABORT (or closing the socket) drops them. One
 *    transaction per namespace at a time: others get -EBUSY.
 *  - BEGIN with KUBENF_TXN_F_REPLACE starts from an empty rule set: what the
 *    transaction does not set is deleted at commit. This is how an agent
 *    replaces everything in one step without a window where a Service or a
 *    policy is missing.
 *  - COMMIT may carry KUBENF_A_GENERATION: the commit fails with -ESTALE if
 *    the namespace moved on since (compare-and-swap for a restarted agent),
 *    and KUBENF_A_COOKIE, an opaque u64 stored with the rule set (the agent
 *    keeps a digest of its desired state there, to adopt what the kernel
 *    holds after a restart instead of flushing it).
 *  - Dumps set NLM_F_DUMP_INTR when a commit happened during the dump; the
 *    reader retries. A service with more backends than fit in one message
 *    continues in the next messages, which carry its ID and BACKENDS only.
 *  - Limits (KUBENF_CMD_GET_INFO reports them) fail with -ENOSPC and leave
 *    the committed rule set as it was. Memory is charged to the caller's
 *    memory cgroup.
 *
 * Commands
 * --------
 *  KUBENF_CMD_GET_INFO      doit. Reply: VERSION, GENERATION, COOKIE,
 *                           HOOKS (1 when netfilter hooks are registered in
 *                           this namespace), COUNTS nest (KUBENF_COUNT_A_*).
 *  KUBENF_CMD_SET_CONFIG    doit. CONFIG nest (KUBENF_CFG_A_*).
 *  KUBENF_CMD_GET_CONFIG    doit. Reply: CONFIG nest.
 *  KUBENF_CMD_TXN_BEGIN     doit. [TXN_FLAGS]
 *  KUBENF_CMD_TXN_COMMIT    doit. [GENERATION] [COOKIE]. Reply: GENERATION.
 *  KUBENF_CMD_TXN_ABORT     doit.
 *  KUBENF_CMD_SVC_SET       doit. SERVICE nest (KUBENF_SVC_A_*), ID required.
 *  KUBENF_CMD_SVC_DEL       doit. SERVICE nest with ID only.
 *  KUBENF_CMD_SVC_GET       dumpit, one SERVICE per message, with counters.
 *  KUBENF_CMD_PEERSET_SET/DEL/GET   same shape, PEERSET nest.
 *  KUBENF_CMD_POLICY_SET/DEL/GET    same shape, POLICY nest.
 *  KUBENF_CMD_POD_SET/DEL/GET       same shape, POD nest.
 *  KUBENF_CMD_GET_STATS     doit. Reply: STATS nest (drops by reason).
 *  KUBENF_CMD_EXPLAIN       doit. FLOW nest; reply: VERDICT nest, computed by
 *                           the packet path's own lookup functions.
 *  KUBENF_CMD_EVENT_DENY    multicast only, on the events group: a FLOW nest
 *                           and the POD/POLICY ids; rate-limited per
 *                           namespace, with the count of suppressed events.
 *
 * Errors: -EINVAL malformed (extack names the attribute), -ERANGE value or
 * length out of the attribute's range, -EOPNOTSUPP
 * unknown flag, -EPROTONOSUPPORT protocol, -EAFNOSUPPORT address family
 * mixed where one family is needed, -ENOENT unknown id, -EEXIST frontend
 * already owned by another service, -EBUSY another transaction is open,
 * -ESTALE generation mismatch, -ENOSPC limit, -ENOMEM, -EPERM without
 * CAP_NET_ADMIN.
 */
#ifndef _UAPI_LINUX_KUBENF_H
#define _UAPI_LINUX_KUBENF_H

#include <linux/types.h>

#define KUBENF_GENL_NAME		"kubenf"
#define KUBENF_GENL_VERSION		1
#define KUBENF_GENL_MCGRP_EVENTS	"events"

#define KUBENF_NAME_MAX			256	/* bytes, including the NUL */

enum kubenf_cmd {
	KUBENF_CMD_UNSPEC,
	KUBENF_CMD_GET_INFO,
	KUBENF_CMD_SET_CONFIG,
	KUBENF_CMD_GET_CONFIG,
	KUBENF_CMD_TXN_BEGIN,
	KUBENF_CMD_TXN_COMMIT,
	KUBENF_CMD_TXN_ABORT,
	KUBENF_CMD_SVC_SET,
	KUBENF_CMD_SVC_DEL,
	KUBENF_CMD_SVC_GET,
	KUBENF_CMD_PEERSET_SET,
	KUBENF_CMD_PEERSET_DEL,
	KUBENF_CMD_PEERSET_GET,
	KUBENF_CMD_POLICY_SET,
	KUBENF_CMD_POLICY_DEL,
	KUBENF_CMD_POLICY_GET,
	KUBENF_CMD_POD_SET,
	KUBENF_CMD_POD_DEL,
	KUBENF_CMD_POD_GET,
	KUBENF_CMD_GET_STATS,
	KUBENF_CMD_EXPLAIN,
	KUBENF_CMD_EVENT_DENY,
	__KUBENF_CMD_MAX
};

#define KUBENF_CMD_MAX (__KUBENF_CMD_MAX - 1)

/* Top-level attributes of every command. */
enum kubenf_attr {
	KUBENF_A_UNSPEC,	/* also the padding attribute of u64s */
	KUBENF_A_VERSION,	/* string: module version */
	KUBENF_A_GENERATION,	/* u64 */
	KUBENF_A_COOKIE,	/* u64, opaque to the kernel */
	KUBENF_A_HOOKS,		/* u8: 1 when hooks are registered */
	KUBENF_A_COUNTS,	/* nest: KUBENF_COUNT_A_* */
	KUBENF_A_CONFIG,	/* nest: KUBENF_CFG_A_* */
	KUBENF_A_TXN_FLAGS,	/* u32: KUBENF_TXN_F_* */
	KUBENF_A_SERVICE,	/* nest: KUBENF_SVC_A_* */
	KUBENF_A_PEERSET,	/* nest: KUBENF_SET_A_* */
	KUBENF_A_POLICY,	/* nest: KUBENF_POL_A_* */
	KUBENF_A_POD,		/* nest: KUBENF_POD_A_* */
	KUBENF_A_STATS,		/* nest: KUBENF_STAT_A_* */
	KUBENF_A_FLOW,		/* nest: KUBENF_FLOW_A_* */
	KUBENF_A_VERDICT,	/* nest: KUBENF_VERDICT_A_* */
	__KUBENF_A_LAST
};

#define KUBENF_A_MAX (__KUBENF_A_LAST - 1)

/* Object counts and limits in KUBENF_CMD_GET_INFO. All u32. */
enum kubenf_count_attr {
	KUBENF_COUNT_A_UNSPEC,
	KUBENF_COUNT_A_SERVICES,
	KUBENF_COUNT_A_FRONTENDS,
	KUBENF_COUNT_A_BACKENDS,
	KUBENF_COUNT_A_PEERSETS,
	KUBENF_COUNT_A_POLICIES,
	KUBENF_COUNT_A_PODS,
	KUBENF_COUNT_A_MAX_SERVICES,	/* limits */
	KUBENF_COUNT_A_MAX_BACKENDS,
	KUBENF_COUNT_A_MAX_PODS,
	KUBENF_COUNT_A_MAX_RULES,
	KUBENF_COUNT_A_MAX_PEERSETS,
	KUBENF_COUNT_A_MAX_POLICIES,
	__KUBENF_COUNT_A_LAST
};

#define KUBENF_COUNT_A_MAX (__KUBENF_COUNT_A_LAST - 1)

enum kubenf_txn_flag {
	KUBENF_TXN_F_REPLACE = 1U << 0,	/* start from an empty rule set */
	__KUBENF_TXN_F_ALL = KUBENF_TXN_F_REPLACE
};

/* A CIDR block: ADDR4 or ADDR6, and PREFIX (defaults to the full length). */
enum kubenf_cidr_attr {
	KUBENF_CIDR_A_UNSPEC,
	KUBENF_CIDR_A_ADDR4,	/* 4 bytes, network order */
	KUBENF_CIDR_A_ADDR6,	/* 16 bytes, network order */
	KUBENF_CIDR_A_PREFIX,	/* u8, <= 32 or <= 128 */
	KUBENF_CIDR_A_EXCEPT,	/* nest array of CIDRs inside this one */
	__KUBENF_CIDR_A_LAST
};

#define KUBENF_CIDR_A_MAX (__KUBENF_CIDR_A_LAST - 1)

enum kubenf_cfg_flag {
	KUBENF_CFG_F_NODEPORT_LOOPBACK	= 1U << 0,
	/* A policy change also cuts established connections it now denies. */
	KUBENF_CFG_F_POLICY_CUT		= 1U << 1,
	/*
	 * Masquerade every connection to a node port, external IP or load
	 * balancer whose Service has the Cluster external traffic policy
	 * (kube-proxy's "external destinations"), whoever the client is.
	 */
	KUBENF_CFG_F_MASQ_EXTERNAL	= 1U << 2,
	__KUBENF_CFG_F_ALL		= (1U << 3) - 1
};

enum kubenf_cfg_attr {
	KUBENF_CFG_A_UNSPEC,
	KUBENF_CFG_A_FLAGS,		/* u32: KUBENF_CFG_F_* */
	KUBENF_CFG_A_NODE_ADDRS,	/* nest array of KUBENF_CIDR_A_* */
	KUBENF_CFG_A_CLUSTER_CIDRS,	/* nest array of KUBENF_CIDR_A_* */
	KUBENF_CFG_A_NODE_NAME,		/* string, for events */
	/*
	 * nest array of KUBENF_CIDR_A_*: this node's pod CIDRs. An address
	 * in them that is neither a pod the namespace holds nor a local
	 * address is an unknown pod: denied both ways (the node's own
	 * traffic excepted), so a pod started before its rules arrive is
	 * never open. Empty: no such check.
	 */
	KUBENF_CFG_A_POD_CIDRS,
	__KUBENF_CFG_A_LAST
};

#define KUBENF_CFG_A_MAX (__KUBENF_CFG_A_LAST - 1)

enum kubenf_svc_flag {
	KUBENF_SVC_F_INTERNAL_LOCAL	= 1U << 0, /* internalTrafficPolicy */
	KUBENF_SVC_F_EXTERNAL_LOCAL	= 1U << 1, /* externalTrafficPolicy */
	__KUBENF_SVC_F_ALL		= (1U << 2) - 1
};

enum kubenf_svc_attr {
	KUBENF_SVC_A_UNSPEC,
	KUBENF_SVC_A_ID,		/* u32, required */
	KUBENF_SVC_A_NAME,		/* string */
	KUBENF_SVC_A_FLAGS,		/* u32: KUBENF_SVC_F_* */
	KUBENF_SVC_A_AFFINITY_TIMEOUT,	/* u32 seconds; 0: no affinity */
	KUBENF_SVC_A_FRONTENDS,		/* nest array of KUBENF_FE_A_* */
	KUBENF_SVC_A_BACKENDS,		/* nest array of KUBENF_BE_A_* */
	KUBENF_SVC_A_SOURCE_RANGES,	/* nest array of KUBENF_CIDR_A_* */
	KUBENF_SVC_A_CONNS,		/* u64, dump only: new connections */
	__KUBENF_SVC_A_LAST
};

#define KUBENF_SVC_A_MAX (__KUBENF_SVC_A_LAST - 1)

enum kubenf_fe_kind {
	KUBENF_FE_CLUSTER_IP,
	KUBENF_FE_NODE_PORT,		/* no address: the node addresses */
	KUBENF_FE_EXTERNAL_IP,
	KUBENF_FE_LOAD_BALANCER,	/* checks SOURCE_RANGES if any */
	__KUBENF_FE_KIND_MAX
};

enum kubenf_fe_attr {
	KUBENF_FE_A_UNSPEC,
	KUBENF_FE_A_KIND,	/* u8: enum kubenf_fe_kind */
	KUBENF_FE_A_ADDR4,
	KUBENF_FE_A_ADDR6,
	KUBENF_FE_A_PROTO,	/* u8: IPPROTO_{TCP,UDP,SCTP} */
	KUBENF_FE_A_PORT,	/* u16, non-zero */
	KUBENF_FE_A_FAMILY,	/* u8: AF_INET/AF_INET6, node ports only */
	__KUBENF_FE_A_LAST
};

#define KUBENF_FE_A_MAX (__KUBENF_FE_A_LAST - 1)

enum kubenf_be_flag {
	KUBENF_BE_F_READY	= 1U << 0,
	KUBENF_BE_F_SERVING	= 1U << 1,
	KUBENF_BE_F_TERMINATING	= 1U << 2,
	KUBENF_BE_F_LOCAL	= 1U << 3,	/* endpoint on this node */
	__KUBENF_BE_F_ALL	= (1U << 4) - 1
};

enum kubenf_be_attr {
	KUBENF_BE_A_UNSPEC,
	KUBENF_BE_A_ADDR4,
	KUBENF_BE_A_ADDR6,
	KUBENF_BE_A_PORT,	/* u16, non-zero */
	KUBENF_BE_A_FLAGS,	/* u32: KUBENF_BE_F_* */
	KUBENF_BE_A_CONNS,	/* u64, dump only: new connections */
	__KUBENF_BE_A_LAST
};

#define KUBENF_BE_A_MAX (__KUBENF_BE_A_LAST - 1)

enum kubenf_set_attr {
	KUBENF_SET_A_UNSPEC,
	KUBENF_SET_A_ID,	/* u32, required */
	KUBENF_SET_A_NAME,	/* string */
	KUBENF_SET_A_ENTRIES,	/* nest array of KUBENF_CIDR_A_* */
	__KUBENF_SET_A_LAST
};

#define KUBENF_SET_A_MAX (__KUBENF_SET_A_LAST - 1)

enum kubenf_dir {
	KUBENF_DIR_INGRESS,
	KUBENF_DIR_EGRESS,
	__KUBENF_DIR_MAX
};

enum kubenf_pol_attr {
	KUBENF_POL_A_UNSPEC,
	KUBENF_POL_A_ID,	/* u32, required */
	KUBENF_POL_A_NAME,	/* string: namespace/name of the NetworkPolicy */
	KUBENF_POL_A_DIR,	/* u8: enum kubenf_dir */
	KUBENF_POL_A_RULES,	/* nest array of KUBENF_RULE_A_* */
	__KUBENF_POL_A_LAST
};

#define KUBENF_POL_A_MAX (__KUBENF_POL_A_LAST - 1)

enum kubenf_rule_attr {
	KUBENF_RULE_A_UNSPEC,
	KUBENF_RULE_A_PEERS,	/* nest array of u32 peerset ids; absent: any */
	KUBENF_RULE_A_PORTS,	/* nest array of KUBENF_PORT_A_*; absent: any */
	KUBENF_RULE_A_CONNS,	/* u64, dump only: new connections allowed */
	__KUBENF_RULE_A_LAST
};

#define KUBENF_RULE_A_MAX (__KUBENF_RULE_A_LAST - 1)

enum kubenf_port_attr {
	KUBENF_PORT_A_UNSPEC,
	KUBENF_PORT_A_PROTO,	/* u8: IPPROTO_{TCP,UDP,SCTP} */
	KUBENF_PORT_A_FIRST,	/* u16; absent: all ports of PROTO */
	KUBENF_PORT_A_LAST,	/* u16 >= FIRST; absent: FIRST */
	__KUBENF_PORT_A_LAST
};

#define KUBENF_PORT_A_MAX (__KUBENF_PORT_A_LAST - 1)

enum kubenf_pod_flag {
	KUBENF_POD_F_INGRESS_ISOLATED	= 1U << 0,
	KUBENF_POD_F_EGRESS_ISOLATED	= 1U << 1,
	__KUBENF_POD_F_ALL		= (1U << 2) - 1
};

enum kubenf_pod_attr {
	KUBENF_POD_A_UNSPEC,
	KUBENF_POD_A_ID,		/* u32, required */
	KUBENF_POD_A_NAME,		/* string: namespace/name */
	KUBENF_POD_A_FLAGS,		/* u32: KUBENF_POD_F_* */
	KUBENF_POD_A_ADDRS,		/* nest array of KUBENF_CIDR_A_* */
	KUBENF_POD_A_INGRESS,		/* nest array of u32 policy ids */
	KUBENF_POD_A_EGRESS,		/* nest array of u32 policy ids */
	__KUBENF_POD_A_LAST
};

#define KUBENF_POD_A_MAX (__KUBENF_POD_A_LAST - 1)

/* Drop and verdict reasons, used in STATS and EXPLAIN. */
enum kubenf_reason {
	KUBENF_REASON_NONE,
	KUBENF_REASON_ALLOWED_RULE,	/* a rule allowed it */
	KUBENF_REASON_NOT_ISOLATED,	/* no policy selects the pod */
	KUBENF_REASON_FROM_NODE,	/* from the node itself */
	KUBENF_REASON_DENY_INGRESS,	/* isolated, nothing matched */
	KUBENF_REASON_DENY_EGRESS,
	KUBENF_REASON_NO_ENDPOINT,	/* Service without usable endpoint */
	KUBENF_REASON_NO_SERVICE_PORT,	/* unknown port on a cluster IP */
	KUBENF_REASON_SOURCE_RANGE,	/* loadBalancerSourceRanges */
	KUBENF_REASON_NAT_FAILED,
	KUBENF_REASON_ICMP_NO_CONN,	/* forwarded ICMP error, no connection */
	KUBENF_REASON_UNKNOWN_POD,	/* a pod CIDR address of no known pod */
	__KUBENF_REASON_MAX
};

enum kubenf_stat_attr {
	KUBENF_STAT_A_UNSPEC,
	KUBENF_STAT_A_DROPS,	/* nest: one u64 per enum kubenf_reason */
	KUBENF_STAT_A_EVENTS_SUPPRESSED,	/* u64 */
	/*
	 * nest: one u64 per enum kubenf_reason, as DROPS: new connections
	 * the policy hook accepted (ALLOWED_RULE, NOT_ISOLATED, FROM_NODE).
	 */
	KUBENF_STAT_A_ACCEPTS,
	__KUBENF_STAT_A_LAST
};

#define KUBENF_STAT_A_MAX (__KUBENF_STAT_A_LAST - 1)

enum kubenf_flow_attr {
	KUBENF_FLOW_A_UNSPEC,
	KUBENF_FLOW_A_SRC4,
	KUBENF_FLOW_A_SRC6,
	KUBENF_FLOW_A_DST4,
	KUBENF_FLOW_A_DST6,
	KUBENF_FLOW_A_PROTO,	/* u8 */
	KUBENF_FLOW_A_SPORT,	/* u16 */
	KUBENF_FLOW_A_DPORT,	/* u16 */
	KUBENF_FLOW_A_DIR,	/* u8: enum kubenf_dir (events) */
	KUBENF_FLOW_A_POD_ID,	/* u32 (events) */
	KUBENF_FLOW_A_REASON,	/* u8: enum kubenf_reason (events) */
	__KUBENF_FLOW_A_LAST
};

#define KUBENF_FLOW_A_MAX (__KUBENF_FLOW_A_LAST - 1)

enum kubenf_verdict_attr {
	KUBENF_VERDICT_A_UNSPEC,
	KUBENF_VERDICT_A_ACCEPT,	/* u8: 1 accept, 0 drop/reject */
	KUBENF_VERDICT_A_REASON,	/* u8: enum kubenf_reason */
	KUBENF_VERDICT_A_SVC_ID,	/* u32: Service the flow hit */
	KUBENF_VERDICT_A_BE_DST4,	/* backend chosen, if any */
	KUBENF_VERDICT_A_BE_DST6,
	KUBENF_VERDICT_A_BE_PORT,	/* u16 */
	KUBENF_VERDICT_A_POD_ID,	/* u32: pod whose policy decided */
	KUBENF_VERDICT_A_POLICY_ID,	/* u32: policy of the allowing rule */
	KUBENF_VERDICT_A_RULE,		/* u32: index of that rule */
	KUBENF_VERDICT_A_DIR,		/* u8: direction that decided */
	__KUBENF_VERDICT_A_LAST
};

#define KUBENF_VERDICT_A_MAX (__KUBENF_VERDICT_A_LAST - 1)

#endif /* _UAPI_LINUX_KUBENF_H */
