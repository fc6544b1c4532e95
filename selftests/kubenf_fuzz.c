// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf_fuzz: a seeded, reproducible netlink fuzzer for the kubenf genl
 * family, and a few helpers of the shell tests that need more than
 * kubenf_cfg (big rule sets, sockets closed mid-dump or mid-transaction).
 *
 *   kubenf_fuzz fuzz [-s SEED] [-n MSGS] [-c EVERY] [-j] [-v]
 *   kubenf_fuzz bulk [-t] [-r] [-L KIB] SERVICES BACKENDS
 *   kubenf_fuzz digest
 *   kubenf_fuzz fill-peersets [-n] [-c] FIRST COUNT
 *   kubenf_fuzz storm CMD COUNT
 *   kubenf_fuzz close-mid-dump ROUNDS
 *   kubenf_fuzz close-mid-txn ROUNDS
 *
 * fuzz sends MSGS messages (default $FUZZ_MSGS, else 20000) in the current
 * network namespace: valid ones built from a model of the rule set, the same
 * mutated (lengths, types, flags, nesting, duplicates, element counts past
 * the limits and past what a u16 attribute length holds, prefixes beyond 32
 * and 128, header fields) and random ones, alone or in batches of up to 256
 * messages per datagram, inside and outside transactions. After every step
 * (one message or one batch) it reads the generation: a step the kernel
 * rejected must leave it alone, and a step it accepted moves it by what was
 * committed. After every rejected valid message, every commit or abort, and
 * every EVERY-th (default 16) other step, it compares a digest of the whole
 * committed state (GET_INFO counts and cookie, GET_CONFIG, the four dumps):
 * unchanged after a rejection, and after an accepted SET or DEL the object
 * is there or gone. -j forks a reader that dumps everything in a loop and
 * checks each reply is well formed, and a contender that opens transactions
 * and dumps and closes their sockets half-way. The seed is printed first;
 * on a failure the step's messages are printed in hex with what the kernel
 * answered. Same seed without -j: same messages.
 *
 * bulk sets SERVICES services of BACKENDS backends each (with -t in one
 * transaction, with -r replacing everything) and prints the kernel's answer
 * (0 or an errno name), the generation and how many services it sent; -L
 * first locks its memory and limits its memory cgroup to what it uses plus
 * KIB. digest prints the digest of the
 * committed state and the object counts. fill-peersets: see cmd_fill();
 * storm: see cmd_storm().
 * close-mid-dump starts multi-part
 * dumps and closes the socket after the first part; close-mid-txn opens a
 * transaction, stages objects and closes the socket.
 *
 * Output of fuzz is TAP. Exit status 0 pass, 1 fail, 2 usage, 4 skip
 * (family not registered).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "kubenf_nl.h"

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

/* Message buffers: big enough for element counts past a u16 nest length. */
#define FZ_MSGMAX	(384 * 1024)
#define FZ_BATCHMAX	(1024 * 1024)
#define FZ_NODES	40000
#define FZ_IDS		48	/* ids of valid objects: 1..FZ_IDS */

static int family;
static uint64_t rng_state;
static int verbose;
/* Full state comparison after one in EVERY rejected mutated steps. */
static int check_every = 16;
/* Valid messages refer only to committed objects (a fresh rule set). */
static bool only_existing;

/* splitmix64: small, seedable, and the same on every machine. */
static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? rnd64() % n : 0;
}

static bool chance(uint32_t percent)
{
	return rnd(100) < percent;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "kubenf_fuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/* ------------------------------------------------------------------ */
/* Attribute trees: built valid, mutated, then serialised. */

struct fnode {
	uint16_t type;		/* with NLA_F_* bits */
	uint32_t dlen;
	uint8_t data[20];
	const uint8_t *ext;	/* payload of dlen bytes instead of data */
	int child, last, next;	/* -1: none */
};

static struct fnode nodes[FZ_NODES];
static int n_nodes;
static uint8_t junk[65536];

static int nn_new(int parent, uint16_t type)
{
	struct fnode *n;
	int i;

	if (n_nodes >= FZ_NODES)
		return -1;
	i = n_nodes++;
	n = &nodes[i];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->child = n->last = n->next = -1;
	if (parent >= 0) {
		if (nodes[parent].last >= 0)
			nodes[nodes[parent].last].next = i;
		else
			nodes[parent].child = i;
		nodes[parent].last = i;
	}
	return i;
}

static int nn_data(int parent, uint16_t type, const void *d, uint32_t len)
{
	int i = nn_new(parent, type);

	if (i < 0)
		return i;
	if (len > sizeof(nodes[i].data))
		len = sizeof(nodes[i].data);
	memcpy(nodes[i].data, d, len);
	nodes[i].dlen = len;
	return i;
}

static int nn_u8(int p, uint16_t t, uint8_t v)
{
	return nn_data(p, t, &v, 1);
}

static int nn_u16(int p, uint16_t t, uint16_t v)
{
	return nn_data(p, t, &v, 2);
}

static int nn_u32(int p, uint16_t t, uint32_t v)
{
	return nn_data(p, t, &v, 4);
}

static int nn_u64(int p, uint16_t t, uint64_t v)
{
	return nn_data(p, t, &v, 8);
}

static int nn_str(int p, uint16_t t, const char *s)
{
	return nn_data(p, t, s, strlen(s) + 1);
}

static int nn_nest(int p, uint16_t t)
{
	return nn_new(p, t | NLA_F_NESTED);
}

/* Offsets of the serialised attributes, for length mutations. */
static int attr_offs[FZ_NODES];
static int n_attr_offs;

/*
 * Writes the children of node @i at @buf+*off. A nest longer than a u16
 * wraps its nla_len, as a careless 32-to-16-bit store would.
 */
static void ser_children(int i, uint8_t *buf, size_t max, size_t *off)
{
	int c;

	for (c = nodes[i].child; c >= 0; c = nodes[c].next) {
		struct fnode *n = &nodes[c];
		size_t start = *off, len;
		struct nlattr *nla;

		if (start + NLA_HDRLEN + n->dlen + 4 > max)
			return;
		nla = (struct nlattr *)(buf + start);
		nla->nla_type = n->type;
		*off += NLA_HDRLEN;
		if (n_attr_offs < FZ_NODES)
			attr_offs[n_attr_offs++] = start;
		if (n->child >= 0) {
			ser_children(c, buf, max, off);
		} else {
			memcpy(buf + *off, n->ext ? n->ext : n->data, n->dlen);
			memset(buf + *off + n->dlen, 0,
			       NLA_ALIGN(n->dlen) - n->dlen);
			*off += NLA_ALIGN(n->dlen);
		}
		len = *off - start;
		/* The unpadded length of a leaf, the whole span of a nest. */
		if (n->child < 0)
			len = NLA_HDRLEN + n->dlen;
		nla->nla_len = (uint16_t)len;
	}
}

/* Node indexes in tree order, for picking a random one. */
static int walk[FZ_NODES], n_walk;

static void walk_tree(int i)
{
	int c;

	for (c = nodes[i].child; c >= 0; c = nodes[c].next) {
		walk[n_walk++] = c;
		walk_tree(c);
	}
}

/* Deep copy of node @src (and its subtree) as the last child of @parent. */
static int nn_copy(int parent, int src)
{
	int d = nn_new(parent, nodes[src].type), c;

	if (d < 0)
		return d;
	memcpy(nodes[d].data, nodes[src].data, sizeof(nodes[d].data));
	nodes[d].dlen = nodes[src].dlen;
	nodes[d].ext = nodes[src].ext;
	for (c = nodes[src].child; c >= 0; c = nodes[c].next)
		if (nn_copy(d, c) < 0)
			break;
	return d;
}

static int parent_of(int root, int x)
{
	int i, c;

	for (i = 0; i < n_nodes; i++)
		for (c = nodes[i].child; c >= 0; c = nodes[c].next)
			if (c == x)
				return i;
	return root;
}

static void unlink_node(int parent, int x)
{
	int c, prev = -1;

	for (c = nodes[parent].child; c >= 0; prev = c, c = nodes[c].next) {
		if (c != x)
			continue;
		if (prev >= 0)
			nodes[prev].next = nodes[c].next;
		else
			nodes[parent].child = nodes[c].next;
		if (nodes[parent].last == c)
			nodes[parent].last = prev;
		nodes[c].next = -1;
		return;
	}
}

static const uint32_t boundary32[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 86400, 86401,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
};

/* One structural mutation of the tree under @root; returns its name. */
static const char *mutate_tree(int root)
{
	int x, p, k, n, target;

	n_walk = 0;
	walk_tree(root);
	if (!n_walk)
		return "none";
	x = walk[rnd(n_walk)];
	switch (rnd(13)) {
	case 0:	/* another type, sometimes with stray flag bits */
		nodes[x].type = (nodes[x].type & NLA_F_NESTED) | rnd(12);
		if (chance(20))
			nodes[x].type = rnd64();
		return "type";
	case 1:	/* NLA_F_NESTED or NLA_F_NET_BYTEORDER toggled */
		nodes[x].type ^= chance(50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
		return "type-flags";
	case 2:	/* a leaf's payload shorter, longer or random */
		if (nodes[x].child >= 0)
			nodes[x].child = nodes[x].last = -1;
		nodes[x].ext = NULL;
		nodes[x].dlen = rnd(sizeof(nodes[x].data) + 1);
		for (k = 0; k < (int)nodes[x].dlen; k++)
			if (chance(50))
				nodes[x].data[k] = rnd64();
		return "payload";
	case 3:	/* boundary values */
		if (nodes[x].child >= 0 || !nodes[x].dlen)
			return "none";
		k = boundary32[rnd(sizeof(boundary32) / sizeof(boundary32[0]))];
		memcpy(nodes[x].data, &k,
		       nodes[x].dlen < 4 ? nodes[x].dlen : 4);
		return "boundary";
	case 4:	/* duplicate */
		p = parent_of(root, x);
		nn_copy(p, x);
		return "duplicate";
	case 5:	/* delete */
		unlink_node(parent_of(root, x), x);
		return "delete";
	case 6:	/* wrap in 1..40 more nests */
		p = parent_of(root, x);
		unlink_node(p, x);
		n = 1 + (chance(20) ? rnd(40) : 0);
		for (k = 0; k < n; k++)
			p = nn_nest(p, chance(80) ? 1 : rnd(12));
		if (p >= 0) {
			if (nodes[p].last >= 0)
				nodes[nodes[p].last].next = x;
			else
				nodes[p].child = x;
			nodes[p].last = x;
		}
		return "nesting";
	case 7: /* element counts past the limits, or past a u16 length */
		if (nodes[x].child < 0)
			return "none";
		target = (int[]){ 17, 33, 65, 129, 257, 2100, 5000 }[rnd(7)];
		k = nodes[x].child;
		for (n = 0; n < target && n_nodes < FZ_NODES - 64; n++)
			if (nn_copy(x, k) < 0)
				break;
		return "count";
	case 8:	/* a prefix past the address length */
		if (nodes[x].child < 0) {
			nodes[x].dlen = 1;
			nodes[x].data[0] = 33 + rnd(223);
			return "prefix-leaf";
		}
		nn_u8(x, KUBENF_CIDR_A_PREFIX, chance(50) ? 33 + rnd(96) :
						129 + rnd(127));
		return "prefix";
	case 9:	/* a random attribute added */
		k = rnd(sizeof(nodes[0].data) + 1);
		nn_data(nodes[x].child >= 0 ? x : parent_of(root, x), rnd(16),
			junk + rnd(1024), k);
		return "extra";
	case 10: /* a huge leaf */
		nodes[x].child = nodes[x].last = -1;
		nodes[x].ext = junk;
		nodes[x].dlen = (int[]){ 255, 256, 257, 4096, 65000 }[rnd(5)];
		return "huge-leaf";
	case 11: /* an empty nest */
		nodes[x].child = nodes[x].last = -1;
		nodes[x].dlen = 0;
		nodes[x].type |= NLA_F_NESTED;
		return "empty-nest";
	default: /* move a subtree somewhere else */
		p = walk[rnd(n_walk)];
		if (p == x)
			return "none";
		/* Not below itself: only leaves move under another node. */
		if (nodes[x].child >= 0 || nodes[p].child < 0)
			return "none";
		unlink_node(parent_of(root, x), x);
		if (nodes[p].last >= 0)
			nodes[nodes[p].last].next = x;
		else
			nodes[p].child = x;
		nodes[p].last = x;
		return "move";
	}
}

/* ------------------------------------------------------------------ */
/* Valid messages, from a model of what the namespace holds. */

enum { K_SVC, K_SET, K_POL, K_POD, K_MAX };

static const uint8_t set_cmd[K_MAX] = {
	KUBENF_CMD_SVC_SET, KUBENF_CMD_PEERSET_SET, KUBENF_CMD_POLICY_SET,
	KUBENF_CMD_POD_SET,
};
static const uint8_t del_cmd[K_MAX] = {
	KUBENF_CMD_SVC_DEL, KUBENF_CMD_PEERSET_DEL, KUBENF_CMD_POLICY_DEL,
	KUBENF_CMD_POD_DEL,
};
static const uint8_t get_cmd[K_MAX] = {
	KUBENF_CMD_SVC_GET, KUBENF_CMD_PEERSET_GET, KUBENF_CMD_POLICY_GET,
	KUBENF_CMD_POD_GET,
};
static const uint16_t obj_attr[K_MAX] = {
	KUBENF_A_SERVICE, KUBENF_A_PEERSET, KUBENF_A_POLICY, KUBENF_A_POD,
};
static const char *const kind_name[K_MAX] = { "svc", "peerset", "policy", "pod" };

/* Committed ids of each kind, from the last digest. */
#define FZ_MAXIDS 4096
struct idset {
	uint32_t ids[FZ_MAXIDS];
	int n;
	bool overflow;
};

static struct idset committed[K_MAX];

static bool idset_has(const struct idset *s, uint32_t id)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

static uint32_t pick_existing(int kind)
{
	const struct idset *s = &committed[kind];

	if (s->n && (only_existing || chance(85)))
		return s->ids[rnd(s->n)];
	return 1 + rnd(FZ_IDS);
}

static void gen_addr(int p, uint16_t a4, uint16_t a6, bool v6, uint32_t host)
{
	uint8_t a[16] = { 0xfd, 0x00, 0, 0x96 };
	uint32_t v = htonl(host);

	if (!v6) {
		nn_data(p, a4, &v, 4);
		return;
	}
	memcpy(a + 12, &v, 4);
	nn_data(p, a6, a, 16);
}

/* A CIDR nest at array index @idx; host bits are cleared. */
static int gen_cidr(int p, uint16_t idx, bool v6, bool host_only, bool except)
{
	int c = nn_nest(p, idx), e, k, n;
	uint8_t a[16];
	unsigned int plen = v6 ? 128 : 32, pfx = host_only ? plen :
			    (chance(30) ? plen : rnd(plen + 1));

	for (k = 0; k < 16; k++)
		a[k] = chance(50) ? rnd64() : 0;
	if (!v6) {
		a[0] = 10;
	} else {
		a[0] = 0xfd;
		a[1] = 0;
	}
	for (k = 0; k < (int)plen; k++)
		if (k >= (int)pfx)
			a[k / 8] &= ~(0x80 >> (k % 8));
	nn_data(c, v6 ? KUBENF_CIDR_A_ADDR6 : KUBENF_CIDR_A_ADDR4, a,
		v6 ? 16 : 4);
	if (!host_only || chance(30))
		nn_u8(c, KUBENF_CIDR_A_PREFIX, pfx);
	if (except && pfx < plen && chance(30)) {
		e = nn_nest(c, KUBENF_CIDR_A_EXCEPT);
		n = 1 + rnd(3);
		for (k = 0; k < n; k++) {
			int x = nn_nest(e, k + 1);
			uint8_t b[16];
			unsigned int bp = pfx + 1 + rnd(plen - pfx), j;

			memcpy(b, a, 16);
			for (j = pfx; j < plen; j++)
				if (j < bp && chance(50))
					b[j / 8] |= 0x80 >> (j % 8);
			nn_data(x, v6 ? KUBENF_CIDR_A_ADDR6 : KUBENF_CIDR_A_ADDR4,
				b, v6 ? 16 : 4);
			nn_u8(x, KUBENF_CIDR_A_PREFIX, bp);
		}
	}
	return c;
}

static void gen_name(int p, uint16_t t, const char *kind, uint32_t id)
{
	char name[64];

	snprintf(name, sizeof(name), "fuzz/%s-%u", kind, id);
	nn_str(p, t, name);
}

static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };

static void gen_svc(int o, uint32_t id)
{
	bool v6 = chance(30);
	int fe, be, n, k, x;

	nn_u32(o, KUBENF_SVC_A_ID, id);
	if (chance(80))
		gen_name(o, KUBENF_SVC_A_NAME, "svc", id);
	if (chance(30))
		nn_u32(o, KUBENF_SVC_A_FLAGS, rnd(4));
	if (chance(20))
		nn_u32(o, KUBENF_SVC_A_AFFINITY_TIMEOUT, rnd(86401));
	fe = nn_nest(o, KUBENF_SVC_A_FRONTENDS);
	n = 1 + rnd(3);
	for (k = 0; k < n; k++) {
		uint8_t kind = chance(70) ? KUBENF_FE_CLUSTER_IP : rnd(4);

		x = nn_nest(fe, k + 1);
		nn_u8(x, KUBENF_FE_A_KIND, kind);
		if (kind == KUBENF_FE_NODE_PORT) {
			if (chance(50))
				nn_u8(x, KUBENF_FE_A_FAMILY,
				      v6 ? AF_INET6 : AF_INET);
		} else {
			/* One address per service id: few EEXISTs. */
			gen_addr(x, KUBENF_FE_A_ADDR4, KUBENF_FE_A_ADDR6, v6,
				 (kind == KUBENF_FE_CLUSTER_IP ? 0x0a600000 :
				  0xc6336400) + id);
		}
		nn_u8(x, KUBENF_FE_A_PROTO, protos[rnd(3)]);
		nn_u16(x, KUBENF_FE_A_PORT, kind == KUBENF_FE_NODE_PORT ?
		       30000 + id * 8 + k : 80u + k);
	}
	if (chance(85)) {
		be = nn_nest(o, KUBENF_SVC_A_BACKENDS);
		n = rnd(chance(10) ? 200 : 5);
		for (k = 0; k < n; k++) {
			x = nn_nest(be, k + 1);
			gen_addr(x, KUBENF_BE_A_ADDR4, KUBENF_BE_A_ADDR6, v6,
				 0x0a000000 + rnd(1 << 16));
			nn_u16(x, KUBENF_BE_A_PORT, 1 + rnd(65535));
			if (chance(80))
				nn_u32(x, KUBENF_BE_A_FLAGS, rnd(16));
		}
	}
	if (chance(15)) {
		x = nn_nest(o, KUBENF_SVC_A_SOURCE_RANGES);
		n = 1 + rnd(3);
		for (k = 0; k < n; k++)
			gen_cidr(x, k + 1, v6, false, false);
	}
}

static void gen_peerset(int o, uint32_t id)
{
	int e, n, k;

	nn_u32(o, KUBENF_SET_A_ID, id);
	if (chance(80))
		gen_name(o, KUBENF_SET_A_NAME, "set", id);
	e = nn_nest(o, KUBENF_SET_A_ENTRIES);
	n = rnd(chance(10) ? 300 : 6);
	for (k = 0; k < n; k++)
		gen_cidr(e, k + 1, chance(30), chance(50), true);
}

static void gen_policy(int o, uint32_t id)
{
	int rules, r, x, y, n, k, j, m;

	nn_u32(o, KUBENF_POL_A_ID, id);
	if (chance(80))
		gen_name(o, KUBENF_POL_A_NAME, "pol", id);
	nn_u8(o, KUBENF_POL_A_DIR, rnd(2));
	rules = nn_nest(o, KUBENF_POL_A_RULES);
	n = rnd(5);
	for (k = 0; k < n; k++) {
		r = nn_nest(rules, k + 1);
		if (chance(70)) {
			x = nn_nest(r, KUBENF_RULE_A_PEERS);
			m = 1 + rnd(3);
			for (j = 0; j < m; j++)
				nn_u32(x, j + 1, pick_existing(K_SET));
		}
		if (chance(60)) {
			x = nn_nest(r, KUBENF_RULE_A_PORTS);
			m = 1 + rnd(3);
			for (j = 0; j < m; j++) {
				uint16_t first = 1 + rnd(65535);

				y = nn_nest(x, j + 1);
				nn_u8(y, KUBENF_PORT_A_PROTO, protos[rnd(3)]);
				if (chance(80))
					nn_u16(y, KUBENF_PORT_A_FIRST, first);
				if (chance(30))
					nn_u16(y, KUBENF_PORT_A_LAST,
					       first + rnd(65536 - first));
			}
		}
	}
}

static void gen_pod(int o, uint32_t id)
{
	int x, n, k;

	nn_u32(o, KUBENF_POD_A_ID, id);
	if (chance(80))
		gen_name(o, KUBENF_POD_A_NAME, "pod", id);
	if (chance(70))
		nn_u32(o, KUBENF_POD_A_FLAGS, rnd(4));
	x = nn_nest(o, KUBENF_POD_A_ADDRS);
	n = 1 + rnd(2);
	for (k = 0; k < n; k++) {
		int c = nn_nest(x, k + 1);

		/* One address per pod id: no overlap between pods. */
		gen_addr(c, KUBENF_CIDR_A_ADDR4, KUBENF_CIDR_A_ADDR6, k,
			 0x0af40000 + id);
	}
	if (chance(60)) {
		x = nn_nest(o, KUBENF_POD_A_INGRESS);
		n = rnd(4);
		for (k = 0; k < n; k++)
			nn_u32(x, k + 1, pick_existing(K_POL));
	}
	if (chance(40)) {
		x = nn_nest(o, KUBENF_POD_A_EGRESS);
		n = rnd(4);
		for (k = 0; k < n; k++)
			nn_u32(x, k + 1, pick_existing(K_POL));
	}
}

static void gen_config(int root)
{
	int c = nn_nest(root, KUBENF_A_CONFIG), x, n, k;

	if (chance(80))
		nn_u32(c, KUBENF_CFG_A_FLAGS, rnd(8));
	if (chance(70)) {
		x = nn_nest(c, KUBENF_CFG_A_NODE_ADDRS);
		n = rnd(4);
		for (k = 0; k < n; k++)
			gen_cidr(x, k + 1, chance(40), true, false);
	}
	if (chance(70)) {
		x = nn_nest(c, KUBENF_CFG_A_CLUSTER_CIDRS);
		n = rnd(4);
		for (k = 0; k < n; k++)
			gen_cidr(x, k + 1, chance(40), false, false);
	}
	if (chance(50))
		nn_str(c, KUBENF_CFG_A_NODE_NAME, "fuzz-node");
}

/* One message under construction: header fields and attribute tree. */
struct fmsg {
	uint16_t type, flags;
	uint8_t cmd, version;
	int root;
	/* What a valid message meant: kind and id of a SET or DEL. */
	int kind;		/* -1: none */
	uint32_t id;
	bool del;
	bool replace;		/* a BEGIN with KUBENF_TXN_F_REPLACE */
	bool mutated;
	char what[96];
};

static uint64_t cur_gen;

static void gen_valid(struct fmsg *m, bool in_txn)
{
	int r = rnd(100), kind = rnd(K_MAX), o;

	m->type = family;
	m->flags = NLM_F_REQUEST | NLM_F_ACK;
	m->version = KUBENF_GENL_VERSION;
	m->root = nn_new(-1, 0);
	m->kind = -1;
	m->del = m->replace = m->mutated = false;
	if (r < 45) {
		m->cmd = set_cmd[kind];
		m->kind = kind;
		m->id = chance(90) ? 1 + rnd(FZ_IDS) :
			chance(50) ? (uint32_t)rnd64() :
			(uint32_t[]){ 0, UINT32_MAX, UINT32_MAX - 1,
				      0x80000000 }[rnd(4)];
		o = nn_nest(m->root, obj_attr[kind]);
		switch (kind) {
		case K_SVC: gen_svc(o, m->id); break;
		case K_SET: gen_peerset(o, m->id); break;
		case K_POL: gen_policy(o, m->id); break;
		default: gen_pod(o, m->id); break;
		}
		snprintf(m->what, sizeof(m->what), "set %s %u",
			 kind_name[kind], m->id);
	} else if (r < 60) {
		m->cmd = del_cmd[kind];
		m->kind = kind;
		m->del = true;
		m->id = pick_existing(kind);
		o = nn_nest(m->root, obj_attr[kind]);
		nn_u32(o, 1, m->id);
		snprintf(m->what, sizeof(m->what), "del %s %u",
			 kind_name[kind], m->id);
	} else if (r < 66) {
		m->cmd = KUBENF_CMD_SET_CONFIG;
		gen_config(m->root);
		snprintf(m->what, sizeof(m->what), "set config");
	} else if (r < 72) {
		m->cmd = KUBENF_CMD_TXN_BEGIN;
		m->replace = chance(30);
		if (m->replace)
			nn_u32(m->root, KUBENF_A_TXN_FLAGS,
			       KUBENF_TXN_F_REPLACE);
		snprintf(m->what, sizeof(m->what), "begin");
	} else if (r < 80) {
		m->cmd = chance(70) || !in_txn ? KUBENF_CMD_TXN_COMMIT :
						 KUBENF_CMD_TXN_ABORT;
		if (m->cmd == KUBENF_CMD_TXN_COMMIT && chance(30))
			nn_u64(m->root, KUBENF_A_GENERATION,
			       chance(80) ? cur_gen : cur_gen - 1);
		if (m->cmd == KUBENF_CMD_TXN_COMMIT && chance(30))
			nn_u64(m->root, KUBENF_A_COOKIE, rnd64());
		snprintf(m->what, sizeof(m->what), "%s",
			 m->cmd == KUBENF_CMD_TXN_COMMIT ? "commit" : "abort");
	} else if (r < 88) {
		int f = nn_nest(m->root, KUBENF_A_FLOW);

		m->cmd = KUBENF_CMD_EXPLAIN;
		gen_addr(f, KUBENF_FLOW_A_SRC4, KUBENF_FLOW_A_SRC6, false,
			 0x0af40000 + rnd(FZ_IDS));
		gen_addr(f, KUBENF_FLOW_A_DST4, KUBENF_FLOW_A_DST6, false,
			 0x0a600000 + rnd(FZ_IDS));
		nn_u8(f, KUBENF_FLOW_A_PROTO, protos[rnd(3)]);
		nn_u16(f, KUBENF_FLOW_A_SPORT, rnd(65536));
		nn_u16(f, KUBENF_FLOW_A_DPORT, 80);
		snprintf(m->what, sizeof(m->what), "explain");
	} else if (r < 94) {
		m->cmd = get_cmd[kind];
		m->flags = NLM_F_REQUEST | NLM_F_DUMP;
		snprintf(m->what, sizeof(m->what), "dump %s", kind_name[kind]);
	} else {
		m->cmd = (uint8_t[]){ KUBENF_CMD_GET_INFO,
				      KUBENF_CMD_GET_CONFIG,
				      KUBENF_CMD_GET_STATS }[rnd(3)];
		snprintf(m->what, sizeof(m->what), "get %u", m->cmd);
	}
}

/* Header mutations: flags, command, version, type. */
static const char *mutate_header(struct fmsg *m)
{
	switch (rnd(6)) {
	case 0:
		m->flags ^= 1U << rnd(16);
		return "nlmsg-flags";
	case 1:
		m->flags |= NLM_F_DUMP;
		return "dump-flag";
	case 2:
		m->cmd = chance(70) ? rnd(KUBENF_CMD_MAX + 3) : rnd64();
		return "cmd";
	case 3:
		m->version = rnd64();
		return "version";
	case 4:
		/* Control types only: never another family's commands. */
		m->type = rnd(4);
		return "nlmsg-type";
	default:
		m->flags &= ~NLM_F_ACK;
		return "no-ack";
	}
}

/* Serialises @m into @buf; returns its length. */
static size_t fmsg_ser(struct fmsg *m, uint8_t *buf, size_t max, uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	size_t off = KNL_HDRLEN;

	memset(buf, 0, KNL_HDRLEN);
	nlh->nlmsg_type = m->type;
	nlh->nlmsg_flags = m->flags;
	nlh->nlmsg_seq = seq;
	g->cmd = m->cmd;
	g->version = m->version;
	n_attr_offs = 0;
	ser_children(m->root, buf, max, &off);
	nlh->nlmsg_len = off;
	return off;
}

/* Byte-level mutations of a serialised message; returns its new length. */
static size_t mutate_bytes(uint8_t *buf, size_t len, size_t max,
			   const char **what)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nlattr *nla;
	size_t k;

	switch (rnd(6)) {
	case 0:	/* an attribute length off by a little or a lot */
		if (!n_attr_offs)
			return len;
		nla = (struct nlattr *)(buf + attr_offs[rnd(n_attr_offs)]);
		nla->nla_len = chance(50) ? nla->nla_len + rnd(9) - 4 :
					    (uint16_t)rnd64();
		*what = "nla_len";
		return len;
	case 1:	/* truncated, with or without a matching nlmsg_len */
		len = KNL_HDRLEN - 4 + rnd(len - KNL_HDRLEN + 5);
		if (chance(70))
			nlh->nlmsg_len = len;
		*what = "truncate";
		return len;
	case 2:	/* nlmsg_len that lies */
		nlh->nlmsg_len = chance(50) ? len + 4 * (1 + rnd(8)) :
					      rnd(len + 1);
		*what = "nlmsg_len";
		return len;
	case 3:	/* bit flips */
		for (k = 0; k < 1 + rnd(4); k++)
			buf[KNL_HDRLEN - 4 + rnd(len - KNL_HDRLEN + 4)] ^=
				1U << rnd(8);
		*what = "bitflip";
		return len;
	case 4:	/* trailing garbage */
		k = 1 + rnd(64);
		if (len + k > max)
			return len;
		memcpy(buf + len, junk + rnd(1024), k);
		len += k;
		if (chance(60))
			nlh->nlmsg_len = len;
		*what = "trailing";
		return len;
	default: /* genl header reserved field */
		((struct genlmsghdr *)(buf + NLMSG_HDRLEN))->reserved = rnd64();
		*what = "genl-reserved";
		return len;
	}
}

/* ------------------------------------------------------------------ */
/* Talking to the kernel. */

static uint8_t rbuf[1 << 20] __attribute__((aligned(8)));
static uint32_t seq_next = 1000;

static void sock_bufs(int fd, int rcv, int snd)
{
	/* As root, past rmem_max/wmem_max: batches of acks must fit. */
	if (rcv && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (snd && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
}

static int fz_open(void)
{
	int fd = knl_open();

	if (fd < 0)
		die("netlink socket: %s", strerror(-fd));
	sock_bufs(fd, 8 << 20, 4 << 20);
	return fd;
}

/* Per sequence number of a step: what came back. */
#define R_NONE		1	/* nothing: the kernel dropped it silently */
struct result {
	uint32_t seq;
	int error;		/* 0, -errno, or R_NONE */
	bool reply;		/* a data message came */
	bool intr;		/* a dump part had NLM_F_DUMP_INTR */
	bool bad;		/* a reply was malformed */
	char ext[256];
};

/* Checks that a kubenf data message from the kernel is well formed. */
static bool reply_ok(struct nlmsghdr *nlh)
{
	struct nlattr *tb[KUBENF_A_MAX + 1], *pos;
	int len, rem;

	if (nlh->nlmsg_len < KNL_HDRLEN)
		return false;
	len = nlh->nlmsg_len - KNL_HDRLEN;
	if (knl_parse(tb, KUBENF_A_MAX, (char *)nlh + KNL_HDRLEN, len, NULL))
		return false;
	for (rem = 0; rem <= KUBENF_A_MAX; rem++) {
		pos = tb[rem];
		if (pos && (pos->nla_type & NLA_F_NESTED)) {
			struct nlattr *sub[64];

			if (knl_parse_nested(sub, 63, pos, NULL))
				return false;
		}
	}
	return true;
}

/*
 * Reads everything the kernel queued for the @n requests of a step, without
 * blocking: genl handles a request in the sender's sendmsg(), and a dump
 * goes on in each recvmsg(), so once nothing is queued nothing will come.
 */
static bool stray;

static int collect(int fd, struct result *res, int n)
{
	struct nlmsghdr *nlh;
	ssize_t len;
	int i;

	for (i = 0; i < n; i++) {
		res[i].error = R_NONE;
		res[i].reply = res[i].intr = res[i].bad = false;
		res[i].ext[0] = 0;
	}
	for (;;) {
		len = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT | MSG_TRUNC);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == ENOBUFS)
				return -ENOBUFS;
			return -errno;
		}
		if (len > (ssize_t)sizeof(rbuf))
			return -EMSGSIZE;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			struct result *r = NULL;

			for (i = 0; i < n; i++)
				if (res[i].seq == nlh->nlmsg_seq)
					r = &res[i];
			if (!r) {
				/* Bytes the kernel read as another message. */
				stray = true;
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct knl_ack ack = { .offs = -1 };

				knl_ack_parse(&ack, nlh);
				r->error = ack.error;
				snprintf(r->ext, sizeof(r->ext), "%s", ack.msg);
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
					memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				r->error = err;
				if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
					r->intr = true;
			} else {
				r->reply = true;
				if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
					r->intr = true;
				if (nlh->nlmsg_type == family && !reply_ok(nlh))
					r->bad = true;
			}
		}
	}
	return 0;
}

/* A clean request and its answer; the first reply into @reply. */
static int xfer(int fd, uint8_t cmd, uint16_t flags, struct knl_msg *req,
		struct knl_msg *reply)
{
	struct knl_ack ack;
	struct knl_msg local;

	if (!req) {
		req = &local;
		knl_init(req, family, flags, cmd, KUBENF_GENL_VERSION);
	}
	return knl_xfer(fd, req, reply, &ack);
}

/* ------------------------------------------------------------------ */
/* The committed state: generation, digest, ids. */

struct state {
	uint64_t gen, digest;
	uint32_t counts[KUBENF_COUNT_A_MAX + 1];
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static int get_gen(int fd, uint64_t *gen, struct state *st)
{
	static struct knl_msg reply;
	struct nlattr *tb[KUBENF_A_MAX + 1], *ct[KUBENF_COUNT_A_MAX + 1];
	void *head;
	int len, ret, i;

	reply.len = 0;
	ret = xfer(fd, KUBENF_CMD_GET_INFO, 0, NULL, &reply);
	if (ret)
		return ret;
	head = knl_payload(&reply, &len);
	if (knl_parse(tb, KUBENF_A_MAX, head, len, NULL) ||
	    knl_get_u64(tb[KUBENF_A_GENERATION], gen))
		return -EPROTO;
	if (!st)
		return 0;
	/* Not HOOKS: hooks go away when a commit settles, asynchronously. */
	st->digest = fnv(st->digest, knl_data(tb[KUBENF_A_GENERATION]), 8);
	if (tb[KUBENF_A_COOKIE])
		st->digest = fnv(st->digest, knl_data(tb[KUBENF_A_COOKIE]), 8);
	if (!tb[KUBENF_A_COUNTS] ||
	    knl_parse_nested(ct, KUBENF_COUNT_A_MAX, tb[KUBENF_A_COUNTS], NULL))
		return -EPROTO;
	for (i = 1; i <= KUBENF_COUNT_A_MAX; i++) {
		st->counts[i] = 0;
		knl_get_u32(ct[i], &st->counts[i]);
	}
	st->digest = fnv(st->digest, st->counts, sizeof(st->counts));
	return 0;
}

/*
 * Dumps @cmd whole: hashes every message's attributes into @h and collects
 * the object ids of top-level @attr. Returns 0, -EINTR on NLM_F_DUMP_INTR,
 * -EPROTO on a malformed reply, or the kernel's error.
 */
static int dump_all(int fd, uint8_t cmd, uint16_t attr, uint64_t *h,
		    struct idset *ids)
{
	struct knl_msg req;
	struct nlmsghdr *nlh;
	uint32_t seq = seq_next++;
	bool intr = false;
	ssize_t len;

	if (ids) {
		ids->n = 0;
		ids->overflow = false;
	}
	knl_init(&req, family, NLM_F_DUMP, cmd, KUBENF_GENL_VERSION);
	knl_nlh(&req)->nlmsg_seq = seq;
	if (send(fd, req.buf, req.len, 0) < 0)
		return -errno;
	for (;;) {
		len = recv(fd, rbuf, sizeof(rbuf), 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			struct nlattr *tb[KUBENF_A_MAX + 1], *ob[2];
			uint32_t id;

			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct knl_ack ack = { .offs = -1 };

				knl_ack_parse(&ack, nlh);
				return ack.error ? ack.error : -EPROTO;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				return intr ? -EINTR : 0;
			if (!reply_ok(nlh))
				return -EPROTO;
			if (h)
				*h = fnv(*h, (char *)nlh + KNL_HDRLEN,
					 nlh->nlmsg_len - KNL_HDRLEN);
			if (!ids || !attr)
				continue;
			if (knl_parse(tb, KUBENF_A_MAX, (char *)nlh + KNL_HDRLEN,
				      nlh->nlmsg_len - KNL_HDRLEN, NULL) ||
			    !tb[attr])
				return -EPROTO;
			/* Only ID (1) matters; other types are skipped. */
			if (knl_parse_nested(ob, 1, tb[attr], NULL) ||
			    knl_get_u32(ob[1], &id))
				return -EPROTO;
			/* A big service continues in the next message. */
			if (ids->n && ids->ids[ids->n - 1] == id)
				continue;
			if (ids->n < FZ_MAXIDS)
				ids->ids[ids->n++] = id;
			else
				ids->overflow = true;
		}
	}
}

/* The whole committed state. -EINTR: a commit raced the dumps. */
static int get_state(int fd, struct state *st, struct idset *ids)
{
	static struct knl_msg reply;
	int ret, k;
	void *head;
	int len;

	memset(st, 0, sizeof(*st));
	st->digest = 0xcbf29ce484222325ULL;
	ret = get_gen(fd, &st->gen, st);
	if (ret)
		return ret;
	reply.len = 0;
	ret = xfer(fd, KUBENF_CMD_GET_CONFIG, 0, NULL, &reply);
	if (ret)
		return ret;
	head = knl_payload(&reply, &len);
	st->digest = fnv(st->digest, head, len);
	for (k = 0; k < K_MAX; k++) {
		ret = dump_all(fd, get_cmd[k], obj_attr[k], &st->digest,
			       ids ? &ids[k] : NULL);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The fuzz loop. */

static int fd_main;
static long long n_sent, n_steps, n_digests, n_accepted, n_batches;
static long long errno_hist[160], n_none, n_reset_fails;
static const char *cur_mut[8];
static int n_cur_mut;
static uint64_t seed;

/* The messages of the current step, for the failure report. */
static uint8_t step_buf[FZ_BATCHMAX] __attribute__((aligned(8)));
static size_t step_len;
static struct fmsg step_msgs[256];
static struct result step_res[256];
static int step_n;

static void hexdump(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 4096; i++)
		printf("%s%02x", i % 32 ? "" : "\n#   ", p[i]);
	if (n > 4096)
		printf("\n#   ... (%zu bytes)", n);
	printf("\n");
}

static void fail(const char *fmt, ...)
{
	va_list ap;
	int i;

	printf("# FAIL after %lld messages (step %lld, seed %" PRIu64 "): ",
	       n_sent, n_steps, seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n# the step's %d message(s):\n", step_n);
	for (i = 0; i < step_n; i++)
		printf("#  [%d] %s%s cmd %u flags 0x%x -> %d %s\n", i,
		       step_msgs[i].what, step_msgs[i].mutated ? " (mutated)" : "",
		       step_msgs[i].cmd, step_msgs[i].flags, step_res[i].error,
		       step_res[i].ext);
	for (i = 0; i < n_cur_mut; i++)
		printf("#  mutation: %s\n", cur_mut[i]);
	printf("# bytes:");
	hexdump(step_buf, step_len);
	printf("not ok 1 - fuzz: %lld messages, seed %" PRIu64 "\n", n_sent,
	       seed);
	fflush(stdout);
	kill(0, SIGTERM);
	exit(KSFT_FAIL);
}

/* Errors the uapi documents, plus what the netlink core answers. */
static bool errno_expected(int e)
{
	switch (-e) {
	case 0: case EINVAL: case ERANGE: case EOPNOTSUPP: case EPROTONOSUPPORT:
	case EAFNOSUPPORT: case ENOENT: case EEXIST: case EBUSY: case ESTALE:
	case ENOSPC: case ENOMEM: case EMSGSIZE:
		return true;
	}
	return false;
}

static bool is_change(uint8_t cmd)
{
	switch (cmd) {
	case KUBENF_CMD_SET_CONFIG:
	case KUBENF_CMD_SVC_SET: case KUBENF_CMD_SVC_DEL:
	case KUBENF_CMD_PEERSET_SET: case KUBENF_CMD_PEERSET_DEL:
	case KUBENF_CMD_POLICY_SET: case KUBENF_CMD_POLICY_DEL:
	case KUBENF_CMD_POD_SET: case KUBENF_CMD_POD_DEL:
		return true;
	}
	return false;
}

static struct state st_cur;
/* How one answer moves our transaction: 0 closed, 1 open, -1 unknown. */
enum { TXN_CLOSED, TXN_OPEN, TXN_UNKNOWN = -1 };
static int txn_st;
static bool txn_ops_ok;
/* Accepted valid SET/DEL of the open transaction, for the commit check. */
struct staged_op {
	int kind;
	uint32_t id;
	bool del;
};
static struct staged_op txn_ops[4096], done_ops[4096];
static int n_txn_ops;

static void refresh_state(const char *why)
{
	struct state st;
	int ret, tries = 0;

	do {
		ret = get_state(fd_main, &st, committed);
	} while (ret == -EINTR && ++tries < 5);
	if (ret)
		fail("state dump (%s): %s", why, strerror(-ret));
	st_cur = st;
	cur_gen = st.gen;
	n_digests++;
}

/* The committed state must be exactly the one before the step. */
static void check_unchanged(const char *why)
{
	struct state st;
	struct idset ids[K_MAX];
	int ret;

	ret = get_state(fd_main, &st, ids);
	if (ret)
		fail("state dump (%s): %s", why, strerror(-ret));
	n_digests++;
	if (st.gen != st_cur.gen || st.digest != st_cur.digest)
		fail("%s changed the rule set: generation %" PRIu64 " -> %"
		     PRIu64 ", digest %016" PRIx64 " -> %016" PRIx64, why,
		     st_cur.gen, st.gen, st_cur.digest, st.digest);
}

static void check_present(int kind, uint32_t id, bool del, const char *why)
{
	if (committed[kind].overflow)
		return;
	if (idset_has(&committed[kind], id) == del)
		fail("%s: %s %u is %s after it was accepted", why,
		     kind_name[kind], id, del ? "still there" : "missing");
}

/* Whether our transaction is open, when an answer left it unclear. */
static void resolve_txn(void)
{
	int ret = xfer(fd_main, KUBENF_CMD_TXN_ABORT, 0, NULL, NULL);

	if (ret && ret != -ENOENT)
		fail("abort to resolve the transaction: %s", strerror(-ret));
	txn_st = 0;
	n_txn_ops = 0;
}


/*
 * Sends the step's messages in one datagram and checks what they did to
 * the committed state.
 */
static void run_step(int n, const char *const *mut, int n_mut)
{
	uint64_t gen;
	int i, ret, min_bump = 0, max_bump = 0, commits_ok = 0;
	bool digest = false, rejected_valid = false, any_change = false;
	bool ops_check = false;
	int st_before = txn_st, n_ops = 0;
	uint64_t gen_before = st_cur.gen;

	n_cur_mut = n_mut;
	for (i = 0; i < n_mut && i < 8; i++)
		cur_mut[i] = mut[i];
	step_n = n;
	if (send(fd_main, step_buf, step_len, 0) < 0) {
		/* Too big for the socket, or malformed at the socket layer. */
		if (errno == EMSGSIZE || errno == ENOBUFS || errno == EINVAL)
			return;
		fail("send: %s", strerror(errno));
	}
	n_sent += n;
	n_steps++;
	if (n > 1)
		n_batches++;
	stray = false;
	ret = collect(fd_main, step_res, n);
	if (ret)
		fail("collecting the answers: %s", strerror(-ret));

	for (i = 0; i < n; i++) {
		struct fmsg *m = &step_msgs[i];
		struct result *r = &step_res[i];
		bool ok = r->error == 0, none = r->error == R_NONE;

		if (none) {
			n_none++;
		} else {
			if (!errno_expected(r->error))
				fail("message %d answered %d (%s)", i, r->error,
				     strerror(-r->error));
			errno_hist[-r->error < 160 ? -r->error : 0]++;
		}
		if (r->bad)
			fail("message %d: malformed reply", i);
		if (m->type != family || !(m->flags & NLM_F_REQUEST) ||
		    (m->flags & NLM_F_DUMP))
			continue;
		if (is_change(m->cmd)) {
			any_change = true;
			if (ok)
				n_accepted++;
			if (!ok && !none) {
				if (!m->mutated)
					rejected_valid = true;
				continue;
			}
			if (txn_st != TXN_OPEN) {
				/* Its own transaction, committed at once. */
				max_bump++;
				if (ok && txn_st == TXN_CLOSED)
					min_bump++;
				continue;
			}
			if (!ok || m->kind < 0 || m->mutated) {
				txn_ops_ok = false;
				continue;
			}
			if (n_txn_ops < 4096)
				txn_ops[n_txn_ops++] = (struct staged_op){
					m->kind, m->id, m->del };
			else
				txn_ops_ok = false;
			continue;
		}
		switch (m->cmd) {
		case KUBENF_CMD_TXN_BEGIN:
			if (ok) {
				if (txn_st == TXN_OPEN)
					fail("a second BEGIN was accepted");
				txn_st = TXN_OPEN;
				n_txn_ops = 0;
				txn_ops_ok = true;
			} else if (none) {
				txn_st = TXN_UNKNOWN;
			}
			break;
		case KUBENF_CMD_TXN_COMMIT:
		case KUBENF_CMD_TXN_ABORT:
			digest = true;
			if (ok) {
				if (txn_st == TXN_CLOSED)
					fail("%s without a transaction was accepted",
					     m->what);
				if (m->cmd == KUBENF_CMD_TXN_COMMIT) {
					min_bump += txn_st == TXN_OPEN;
					max_bump++;
					commits_ok++;
					ops_check = txn_st == TXN_OPEN &&
						    txn_ops_ok;
					/* A later BEGIN reuses txn_ops. */
					n_ops = n_txn_ops;
					memcpy(done_ops, txn_ops,
					       n_ops * sizeof(*txn_ops));
				}
				txn_st = TXN_CLOSED;
			} else if (r->error == -ENOENT ||
				   r->error == -ESTALE) {
				/* None open, or dropped at commit. */
				txn_st = TXN_CLOSED;
			} else if (none || txn_st != TXN_CLOSED) {
				/*
				 * Rejected before the transaction was looked
				 * at, or dropped by a check at commit: ask.
				 */
				if (m->cmd == KUBENF_CMD_TXN_COMMIT)
					max_bump++;
				txn_st = TXN_UNKNOWN;
			}
			break;
		}
	}

	if (txn_st == TXN_UNKNOWN || stray) {
		resolve_txn();
		txn_ops_ok = false;
	}
	ret = get_gen(fd_main, &gen, NULL);
	if (ret)
		fail("GET_INFO: %s", strerror(-ret));
	if (stray) {
		/* Unaccounted messages may have committed: start over. */
		refresh_state("after stray messages");
		return;
	}
	if (gen < st_cur.gen + min_bump || gen > st_cur.gen + max_bump)
		fail("generation %" PRIu64 " -> %" PRIu64 ", expected +%d..+%d",
		     st_cur.gen, gen, min_bump, max_bump);
	if (gen == st_cur.gen) {
		/* Nothing committed: the old rule set, whole. */
		if (digest || rejected_valid ||
		    (any_change && (verbose > 1 || !rnd(check_every))))
			check_unchanged(n > 1 ? "a rejected batch" :
					"a rejected message");
		return;
	}
	refresh_state("after a commit");
	/* An accepted one-message change: the object is there, or gone. */
	if (n == 1 && st_before == TXN_CLOSED && step_res[0].error == 0 &&
	    step_msgs[0].kind >= 0 && !step_msgs[0].mutated)
		check_present(step_msgs[0].kind, step_msgs[0].id,
			      step_msgs[0].del, step_msgs[0].what);
	/* One committed transaction: what it staged, as staged. */
	if (commits_ok == 1 && max_bump == 1 && gen == gen_before + 1 &&
	    ops_check) {
		for (i = n_ops - 1; i >= 0; i--) {
			struct staged_op *op = &done_ops[i];
			bool later = false;
			int j;

			for (j = i + 1; j < n_ops; j++)
				if (done_ops[j].kind == op->kind &&
				    done_ops[j].id == op->id)
					later = true;
			if (!later)
				check_present(op->kind, op->id, op->del,
					      "a committed transaction");
		}
	}
	if (txn_st == TXN_CLOSED)
		n_txn_ops = 0;
}

/* Builds one message of the step at @off; returns its length. */
static size_t build_one(struct fmsg *m, uint8_t *buf, size_t max,
			const char **mut, int *n_mut, bool allow_bytes)
{
	const char *what = NULL;
	size_t len;
	int r = rnd(100), k, n;

	n_nodes = 0;
	gen_valid(m, txn_st == 1);
	if (r < 35) {
		/* valid as generated */
	} else if (r < 90) {
		n = 1 + (chance(25) ? rnd(4) : 0);
		for (k = 0; k < n; k++) {
			const char *w = chance(85) ? mutate_tree(m->root) :
						     mutate_header(m);

			if (*n_mut < 8)
				mut[(*n_mut)++] = w;
		}
		m->mutated = true;
	} else {
		/* Random attributes after a valid header. */
		n = rnd(12);
		for (k = 0; k < n; k++) {
			int x = nn_data(m->root, rnd(20) |
					(chance(30) ? NLA_F_NESTED : 0),
					junk + rnd(4096), rnd(21));

			if (x >= 0 && chance(30))
				nn_data(x, rnd(10), junk + rnd(4096), rnd(21));
		}
		m->cmd = chance(80) ? rnd(KUBENF_CMD_MAX + 2) : rnd64();
		snprintf(m->what, sizeof(m->what), "random cmd %u", m->cmd);
		m->kind = -1;
		m->mutated = true;
		if (*n_mut < 8)
			mut[(*n_mut)++] = "random";
	}
	len = fmsg_ser(m, buf, max, seq_next);
	if (allow_bytes && chance(15)) {
		len = mutate_bytes(buf, len, max, &what);
		if (what) {
			struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

			m->mutated = true;
			if (*n_mut < 8)
				mut[(*n_mut)++] = what;
			/* Bit flips reach the headers too. */
			m->type = nlh->nlmsg_type;
			m->flags = nlh->nlmsg_flags;
			m->cmd = ((struct genlmsghdr *)(buf + NLMSG_HDRLEN))->cmd;
		}
	}
	return len;
}

static void one_step(void)
{
	const char *mut[8];
	int n_mut = 0, n = 1, i;
	size_t off = 0, len;

	/* Batches: many messages, one datagram. */
	if (chance(3))
		n = 2 + rnd(chance(20) ? 255 : 30);
	for (i = 0; i < n; i++) {
		struct fmsg *m = &step_msgs[i];

		if (off + FZ_MSGMAX > sizeof(step_buf)) {
			n = i;
			break;
		}
		/* Byte mutations only in the last message of a batch. */
		len = build_one(m, step_buf + off, FZ_MSGMAX, mut, &n_mut,
				i == n - 1);
		step_res[i].seq = seq_next++;
		off += NLMSG_ALIGN(len);
	}
	step_len = off;
	if (verbose > 2)
		printf("# step %lld: %d message(s), first %s\n", n_steps, n,
		       step_msgs[0].what);
	run_step(n, mut, n_mut);
}

/* Starts over from a rule set of a few valid objects of each kind. */
static void reset_state(void)
{
	struct knl_msg req;
	int ret, k, i;

	if (txn_st)
		resolve_txn();
	knl_init(&req, family, 0, KUBENF_CMD_TXN_BEGIN, KUBENF_GENL_VERSION);
	knl_put_u32(&req, KUBENF_A_TXN_FLAGS, KUBENF_TXN_F_REPLACE);
	ret = xfer(fd_main, 0, 0, &req, NULL);
	if (ret == -EBUSY)
		return;	/* the contender has one open: next time */
	if (ret)
		fail("reset: begin: %s", strerror(-ret));
	/* References only to what the transaction sets: ids 1..4. */
	only_existing = true;
	for (k = 0; k < K_MAX; k++) {
		committed[k].n = 4;
		for (i = 0; i < 4; i++)
			committed[k].ids[i] = i + 1;
	}
	for (k = 0; k < K_MAX; k++) {
		for (i = 0; i < 4; i++) {
			struct fmsg m;
			uint8_t buf[65536] __attribute__((aligned(8)));
			size_t len;

			n_nodes = 0;
			memset(&m, 0, sizeof(m));
			m.type = family;
			m.flags = NLM_F_REQUEST | NLM_F_ACK;
			m.version = KUBENF_GENL_VERSION;
			m.cmd = set_cmd[k];
			m.root = nn_new(-1, 0);
			int o = nn_nest(m.root, obj_attr[k]);

			switch (k) {
			case K_SVC: gen_svc(o, i + 1); break;
			case K_SET: gen_peerset(o, i + 1); break;
			case K_POL: gen_policy(o, i + 1); break;
			default: gen_pod(o, i + 1); break;
			}
			len = fmsg_ser(&m, buf, sizeof(buf), seq_next++);
			if (send(fd_main, buf, len, 0) < 0)
				fail("reset: send: %s", strerror(errno));
			collect(fd_main, step_res, 0);
		}
	}
	only_existing = false;
	ret = xfer(fd_main, KUBENF_CMD_TXN_COMMIT, 0, NULL, NULL);
	if (ret && !errno_expected(ret))
		fail("reset: commit: %s", strerror(-ret));
	if (ret) {
		/*
		 * One of the objects did not make it and a reference to it
		 * failed the commit: start from nothing, or the rule set
		 * would only grow (and every digest with it).
		 */
		n_reset_fails++;
		knl_init(&req, family, 0, KUBENF_CMD_TXN_BEGIN,
			 KUBENF_GENL_VERSION);
		knl_put_u32(&req, KUBENF_A_TXN_FLAGS, KUBENF_TXN_F_REPLACE);
		if (!xfer(fd_main, 0, 0, &req, NULL) &&
		    xfer(fd_main, KUBENF_CMD_TXN_COMMIT, 0, NULL, NULL))
			fail("reset: empty commit failed");
	}
	refresh_state("reset");
}

/* ------------------------------------------------------------------ */
/* Concurrent readers and closers (-j). */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Dumps everything in a loop; every reply must be well formed. */
static int reader(void)
{
	int fd = fz_open(), k, ret;
	long long loops = 0, intr = 0;
	uint64_t gen;

	while (!stop) {
		for (k = 0; k < K_MAX && !stop; k++) {
			ret = dump_all(fd, get_cmd[k], obj_attr[k], NULL, NULL);
			if (ret == -EINTR) {
				intr++;
			} else if (ret && ret != -EINTR) {
				if (stop)
					break;
				printf("# reader: dump %s: %s\n", kind_name[k],
				       strerror(-ret));
				return 1;
			}
		}
		ret = get_gen(fd, &gen, NULL);
		if (ret && !stop) {
			printf("# reader: GET_INFO: %s\n", strerror(-ret));
			return 1;
		}
		loops++;
	}
	printf("# reader: %lld rounds of dumps, %lld interrupted by a commit\n",
	       loops, intr);
	return 0;
}

/*
 * Transactions and dumps on sockets closed half-way. Never commits: the
 * fuzzer's generation accounting stays exact.
 */
static int contender(void)
{
	long long txns = 0, dumps = 0;
	struct knl_msg req;
	int fd, ret, k;

	while (!stop) {
		fd = knl_open();
		if (fd < 0)
			return 1;
		if (chance(50)) {
			/* Small buffer: the dump needs several parts. */
			sock_bufs(fd, 4096, 0);
			knl_init(&req, family, NLM_F_DUMP, get_cmd[rnd(K_MAX)],
				 KUBENF_GENL_VERSION);
			if (send(fd, req.buf, req.len, 0) == 0 && chance(70))
				recv(fd, rbuf, 4096, 0);
			dumps++;
		} else {
			knl_init(&req, family, 0, KUBENF_CMD_TXN_BEGIN,
				 KUBENF_GENL_VERSION);
			ret = knl_xfer(fd, &req, NULL, NULL);
			if (!ret) {
				for (k = 0; k < (int)rnd(4); k++) {
					n_nodes = 0;
					knl_init(&req, family, 0,
						 KUBENF_CMD_PEERSET_SET,
						 KUBENF_GENL_VERSION);
					int o = knl_nest_start(&req,
							       KUBENF_A_PEERSET);
					knl_put_u32(&req, KUBENF_SET_A_ID,
						    1 + rnd(FZ_IDS));
					knl_nest_end(&req, o);
					knl_xfer(fd, &req, NULL, NULL);
				}
				if (chance(30)) {
					knl_init(&req, family, 0,
						 KUBENF_CMD_TXN_ABORT,
						 KUBENF_GENL_VERSION);
					knl_xfer(fd, &req, NULL, NULL);
				}
				txns++;
			}
		}
		close(fd);
		/* Leave the fuzzer room to work. */
		usleep(200 + rnd(2000));
	}
	printf("# contender: %lld transactions and %lld dumps closed half-way\n",
	       txns, dumps);
	return 0;
}

static pid_t spawn(int (*fn)(void), uint64_t s)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		rng_state = s;
		signal(SIGTERM, on_term);
		fflush(stdout);
		_exit(fn());
	}
	return pid;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_fuzz(int argc, char **argv)
{
	long long target = 20000;
	const char *env = getenv("FUZZ_MSGS");
	bool conc = false;
	pid_t kids[2] = { 0, 0 };
	int opt, i, st, status = KSFT_PASS;
	double t0;
	long long next_report, next_reset;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (env && *env)
		target = atoll(env);
	if (getenv("FUZZ_SEED") && *getenv("FUZZ_SEED"))
		seed = strtoull(getenv("FUZZ_SEED"), NULL, 0);
	while ((opt = getopt(argc, argv, "s:n:c:jv")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': target = atoll(optarg); break;
		case 'c': check_every = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		case 'j': conc = true; break;
		case 'v': verbose++; break;
		default: return 2;
		}
	}
	rng_state = seed;
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = rnd64();

	printf("TAP version 13\n1..1\n");
	printf("# seed %" PRIu64 " (reproduce: kubenf_fuzz fuzz -s %" PRIu64
	       " -n %lld, without -j)\n", seed, seed, target);
	fflush(stdout);
	setpgid(0, 0);
	signal(SIGTERM, SIG_IGN);
	fd_main = fz_open();
	refresh_state("start");
	reset_state();
	if (conc) {
		kids[0] = spawn(reader, seed + 1);
		kids[1] = spawn(contender, seed + 2);
	}
	t0 = now();
	next_report = 100000;
	next_reset = 2000;
	while (n_sent < target) {
		one_step();
		if (n_sent >= next_reset) {
			reset_state();
			next_reset = n_sent + 1000 + rnd(4000);
		}
		if (n_sent >= next_report) {
			printf("# %lld messages, %.0f s; now %u services (%u "
			       "backends), %u peersets, %u policies, %u pods\n",
			       n_sent, now() - t0,
			       st_cur.counts[KUBENF_COUNT_A_SERVICES],
			       st_cur.counts[KUBENF_COUNT_A_BACKENDS],
			       st_cur.counts[KUBENF_COUNT_A_PEERSETS],
			       st_cur.counts[KUBENF_COUNT_A_POLICIES],
			       st_cur.counts[KUBENF_COUNT_A_PODS]);
			fflush(stdout);
			next_report += 100000;
		}
	}
	if (txn_st)
		resolve_txn();
	/* Empty the namespace: every object and the transaction gone. */
	{
		struct knl_msg req;

		knl_init(&req, family, 0, KUBENF_CMD_TXN_BEGIN,
			 KUBENF_GENL_VERSION);
		knl_put_u32(&req, KUBENF_A_TXN_FLAGS, KUBENF_TXN_F_REPLACE);
		for (i = 0; i < 1000 && xfer(fd_main, 0, 0, &req, NULL); i++)
			usleep(1000);
		if (xfer(fd_main, KUBENF_CMD_TXN_COMMIT, 0, NULL, NULL))
			fail("final empty commit failed");
		refresh_state("final");
		for (i = 0; i < K_MAX; i++)
			if (committed[i].n)
				fail("%d %s left after the empty commit",
				     committed[i].n, kind_name[i]);
	}
	for (i = 0; i < 2; i++) {
		if (!kids[i])
			continue;
		kill(kids[i], SIGTERM);
		if (waitpid(kids[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			printf("# concurrent %s failed\n",
			       i ? "contender" : "reader");
			status = KSFT_FAIL;
		}
	}
	printf("# %lld messages in %lld steps (%lld batches) in %.1f s, seed %"
	       PRIu64 "\n", n_sent, n_steps, n_batches, now() - t0, seed);
	printf("# %lld changes accepted, %lld state digests, %lld dropped "
	       "without an answer, %lld resets to an empty rule set\n",
	       n_accepted, n_digests, n_none, n_reset_fails);
	printf("# answers:");
	for (i = 0; i < 160; i++)
		if (errno_hist[i])
			printf(" %s=%lld", i ? strerrorname_np(i) : "0",
			       errno_hist[i]);
	printf("\n%s 1 - fuzz: %lld messages, seed %" PRIu64 "\n",
	       status ? "not ok" : "ok", n_sent, seed);
	return status;
}

/* ------------------------------------------------------------------ */
/* Helpers of the shell tests. */

/* memory.max of this process's cgroup, open when -L set it. */
static int my_cg_max = -1;

/*
 * Limits the memory cgroup of this process to what it uses now plus @kib,
 * after locking all its memory: the process itself then never faults at
 * the limit (which would wake the OOM killer), only the kernel's
 * allocations for the rule set can fail. memory.max stays open: opening it
 * again at the limit would charge a struct file, and wake the OOM killer.
 */
static void limit_my_cgroup(long kib)
{
	char path[768], line[512], *p;
	unsigned long long cur;
	FILE *f;

	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		die("mlockall: %s", strerror(errno));
	f = fopen("/proc/self/cgroup", "r");
	if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "0::", 3))
		die("not in a cgroup v2");
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	p = line + 3;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max", p);
	my_cg_max = open(path, O_WRONLY | O_CLOEXEC);
	if (my_cg_max < 0)
		die("%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current", p);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &cur) != 1)
		die("%s: %s", path, strerror(errno));
	fclose(f);
	fprintf(stderr, "kubenf_fuzz: memory.max %llu KiB\n",
		cur / 1024 + kib);
	snprintf(line, sizeof(line), "%llu\n", cur + kib * 1024ULL);
	if (write(my_cg_max, line, strlen(line)) < 0)
		die("memory.max: %s", strerror(errno));
}

/*
 * Lifts the limit again before anything else: a pipe or page cache page
 * charged at the limit would wake the OOM killer after all.
 */
static void unlimit_my_cgroup(void)
{
	if (my_cg_max < 0)
		return;
	if (write(my_cg_max, "max\n", 4) != 4)
		die("memory.max: %s", strerror(errno));
	close(my_cg_max);
	my_cg_max = -1;
}

static int cmd_bulk(int argc, char **argv)
{
	bool txn = false, replace = false;
	long n_svc, n_be, i, b, limit = 0;
	static struct knl_msg req;
	uint64_t gen = 0;
	int fd, opt, ret = 0, o, fe, be, x;

	while ((opt = getopt(argc, argv, "trL:")) != -1) {
		if (opt == 't')
			txn = true;
		else if (opt == 'r')
			txn = replace = true;
		else if (opt == 'L')
			limit = atol(optarg);
		else
			return 2;
	}
	if (argc - optind != 2)
		die("usage: bulk [-t] [-r] [-L KIB] SERVICES BACKENDS");
	n_svc = atol(argv[optind]);
	n_be = atol(argv[optind + 1]);
	fd = fz_open();
	if (limit)
		limit_my_cgroup(limit);
	if (txn) {
		knl_init(&req, family, 0, KUBENF_CMD_TXN_BEGIN,
			 KUBENF_GENL_VERSION);
		if (replace)
			knl_put_u32(&req, KUBENF_A_TXN_FLAGS,
				    KUBENF_TXN_F_REPLACE);
		ret = xfer(fd, 0, 0, &req, NULL);
	}
	for (i = 0; !ret && i < n_svc; i++) {
		uint32_t vip = htonl(0x0a600000 + i + 1);

		knl_init(&req, family, 0, KUBENF_CMD_SVC_SET,
			 KUBENF_GENL_VERSION);
		o = knl_nest_start(&req, KUBENF_A_SERVICE);
		knl_put_u32(&req, KUBENF_SVC_A_ID, i + 1);
		knl_put_str(&req, KUBENF_SVC_A_NAME, "bulk/svc");
		fe = knl_nest_start(&req, KUBENF_SVC_A_FRONTENDS);
		x = knl_nest_start(&req, 1);
		knl_put_u8(&req, KUBENF_FE_A_KIND, KUBENF_FE_CLUSTER_IP);
		knl_put(&req, KUBENF_FE_A_ADDR4, &vip, 4);
		knl_put_u8(&req, KUBENF_FE_A_PROTO, IPPROTO_TCP);
		knl_put(&req, KUBENF_FE_A_PORT, &(uint16_t){ 80 }, 2);
		knl_nest_end(&req, x);
		knl_nest_end(&req, fe);
		be = knl_nest_start(&req, KUBENF_SVC_A_BACKENDS);
		for (b = 0; b < n_be; b++) {
			uint32_t a = htonl(0x0b000000 + i * 4096 + b + 1);

			x = knl_nest_start(&req, b + 1);
			knl_put(&req, KUBENF_BE_A_ADDR4, &a, 4);
			knl_put(&req, KUBENF_BE_A_PORT, &(uint16_t){ 8080 }, 2);
			knl_put_u32(&req, KUBENF_BE_A_FLAGS,
				    KUBENF_BE_F_READY | KUBENF_BE_F_SERVING);
			knl_nest_end(&req, x);
		}
		knl_nest_end(&req, be);
		knl_nest_end(&req, o);
		ret = xfer(fd, 0, 0, &req, NULL);
	}
	if (txn && !ret)
		ret = xfer(fd, KUBENF_CMD_TXN_COMMIT, 0, NULL, NULL);
	unlimit_my_cgroup();
	get_gen(fd, &gen, NULL);
	printf("%s %" PRIu64 " %ld\n", ret ? strerrorname_np(-ret) : "0", gen,
	       i);
	close(fd);
	return ret ? 1 : 0;
}

/*
 * Sets peersets FIRST..FIRST+COUNT-1 (no entries: the smallest object), in
 * one transaction unless -n, 256 messages per datagram, up to the first
 * error; with -c commits what was accepted. Prints the first error (0 or
 * an errno name), how many were accepted, and the commit's answer.
 */
static int cmd_fill(int argc, char **argv)
{
	static uint8_t buf[256 * 64] __attribute__((aligned(8)));
	bool txn = true, commit = false;
	long first, count, i = 0, ok = 0;
	int fd, opt, ret = 0, cret = 0, n, k;

	while ((opt = getopt(argc, argv, "nc")) != -1) {
		if (opt == 'n')
			txn = false;
		else if (opt == 'c')
			commit = true;
		else
			return 2;
	}
	if (argc - optind != 2)
		die("usage: fill-peersets [-n] [-c] FIRST COUNT");
	first = atol(argv[optind]);
	count = atol(argv[optind + 1]);
	fd = fz_open();
	if (txn)
		ret = xfer(fd, KUBENF_CMD_TXN_BEGIN, 0, NULL, NULL);
	while (!ret && i < count) {
		size_t off = 0;

		for (n = 0; n < 256 && i + n < count; n++) {
			struct knl_msg m;
			int o;

			knl_init(&m, family, NLM_F_ACK, KUBENF_CMD_PEERSET_SET,
				 KUBENF_GENL_VERSION);
			knl_nlh(&m)->nlmsg_seq = seq_next;
			step_res[n].seq = seq_next++;
			o = knl_nest_start(&m, KUBENF_A_PEERSET);
			knl_put_u32(&m, KUBENF_SET_A_ID, first + i + n);
			knl_nest_end(&m, o);
			memcpy(buf + off, m.buf, m.len);
			off += NLMSG_ALIGN(m.len);
		}
		if (send(fd, buf, off, 0) < 0)
			die("send: %s", strerror(errno));
		if (collect(fd, step_res, n))
			die("reading the answers");
		for (k = 0; k < n; k++) {
			if (step_res[k].error) {
				ret = step_res[k].error == R_NONE ? -EPROTO :
				      step_res[k].error;
				fprintf(stderr, "kubenf_fuzz: peerset %ld: %s\n",
					first + i + k, step_res[k].ext);
				break;
			}
			ok++;
		}
		i += n;
	}
	if (txn && commit)
		cret = xfer(fd, KUBENF_CMD_TXN_COMMIT, 0, NULL, NULL);
	printf("%s %ld %s\n", ret ? strerrorname_np(-ret) : "0", ok,
	       cret ? strerrorname_np(-cret) : "0");
	close(fd);
	return 0;
}

/*
 * Sends COUNT requests of command CMD without attributes, 256 per
 * datagram, and prints how many got each answer. Requests the genl core
 * hands to kubenf with an attribute array shorter than the family's
 * (commands without a policy) are where an out-of-bounds read of that
 * array shows, under KASAN or KFENCE.
 */
static int cmd_storm(int argc, char **argv)
{
	static uint8_t buf[256 * KNL_HDRLEN] __attribute__((aligned(8)));
	long count, i = 0, none = 0;
	int fd, n, k, cmd;

	if (argc != 3)
		die("usage: storm CMD COUNT");
	cmd = atoi(argv[1]);
	count = atol(argv[2]);
	fd = fz_open();
	memset(errno_hist, 0, sizeof(errno_hist));
	while (i < count) {
		size_t off = 0;

		for (n = 0; n < 256 && i + n < count; n++) {
			struct knl_msg m;

			knl_init(&m, family, NLM_F_ACK, cmd,
				 KUBENF_GENL_VERSION);
			knl_nlh(&m)->nlmsg_seq = seq_next;
			step_res[n].seq = seq_next++;
			memcpy(buf + off, m.buf, m.len);
			off += NLMSG_ALIGN(m.len);
		}
		if (send(fd, buf, off, 0) < 0)
			die("send: %s", strerror(errno));
		if (collect(fd, step_res, n))
			die("reading the answers");
		for (k = 0; k < n; k++) {
			int e = step_res[k].error;

			if (e == R_NONE)
				none++;
			else
				errno_hist[-e < 160 ? -e : 0]++;
		}
		i += n;
	}
	close(fd);
	printf("cmd %d:", cmd);
	for (k = 0; k < 160; k++)
		if (errno_hist[k])
			printf(" %s=%lld", k ? strerrorname_np(k) : "0",
			       errno_hist[k]);
	if (none)
		printf(" none=%ld", none);
	printf("\n");
	return none ? 1 : 0;
}

static int cmd_digest(void)
{
	struct state st;
	int fd = fz_open(), ret, tries = 0;

	do {
		ret = get_state(fd, &st, committed);
	} while (ret == -EINTR && ++tries < 10);
	if (ret)
		die("state: %s", strerror(-ret));
	printf("%016" PRIx64 " gen %" PRIu64 " services %u backends %u "
	       "peersets %u policies %u pods %u\n", st.digest, st.gen,
	       st.counts[KUBENF_COUNT_A_SERVICES],
	       st.counts[KUBENF_COUNT_A_BACKENDS],
	       st.counts[KUBENF_COUNT_A_PEERSETS],
	       st.counts[KUBENF_COUNT_A_POLICIES],
	       st.counts[KUBENF_COUNT_A_PODS]);
	return 0;
}

static int cmd_close_dump(long rounds)
{
	struct knl_msg req;
	long i;
	int fd;

	for (i = 0; i < rounds; i++) {
		fd = knl_open();
		if (fd < 0)
			return fd == -ENOENT ? 0 : 1;
		sock_bufs(fd, 4096, 0);
		knl_init(&req, family, NLM_F_DUMP, get_cmd[i % K_MAX],
			 KUBENF_GENL_VERSION);
		if (send(fd, req.buf, req.len, 0) == 0 && i % 3)
			recv(fd, rbuf, 4096, 0);
		close(fd);
	}
	return 0;
}

static int cmd_close_txn(long rounds)
{
	struct knl_msg req;
	long i, k;
	int fd, o;

	for (i = 0; i < rounds; i++) {
		fd = knl_open();
		if (fd < 0)
			return 1;
		knl_init(&req, family, 0, KUBENF_CMD_TXN_BEGIN,
			 KUBENF_GENL_VERSION);
		if (i % 2)
			knl_put_u32(&req, KUBENF_A_TXN_FLAGS,
				    KUBENF_TXN_F_REPLACE);
		if (knl_xfer(fd, &req, NULL, NULL)) {
			close(fd);
			continue;
		}
		for (k = 0; k < 8; k++) {
			uint32_t vip = htonl(0x0a610000 + k + 1);

			knl_init(&req, family, 0, KUBENF_CMD_SVC_SET,
				 KUBENF_GENL_VERSION);
			o = knl_nest_start(&req, KUBENF_A_SERVICE);
			knl_put_u32(&req, KUBENF_SVC_A_ID, 1000 + k);
			int fe = knl_nest_start(&req, KUBENF_SVC_A_FRONTENDS);
			int x = knl_nest_start(&req, 1);

			knl_put_u8(&req, KUBENF_FE_A_KIND, KUBENF_FE_CLUSTER_IP);
			knl_put(&req, KUBENF_FE_A_ADDR4, &vip, 4);
			knl_put_u8(&req, KUBENF_FE_A_PROTO, IPPROTO_UDP);
			knl_put(&req, KUBENF_FE_A_PORT, &(uint16_t){ 53 }, 2);
			knl_nest_end(&req, x);
			knl_nest_end(&req, fe);
			knl_nest_end(&req, o);
			knl_xfer(fd, &req, NULL, NULL);
		}
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		die("usage: kubenf_fuzz fuzz|bulk|digest|close-mid-dump|close-mid-txn ...");
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = knl_open();
	if (fd < 0)
		die("netlink socket: %s", strerror(-fd));
	family = knl_resolve(fd, KUBENF_GENL_NAME);
	close(fd);
	if (family < 0) {
		if (!strcmp(argv[1], "fuzz"))
			printf("TAP version 13\n1..0 # SKIP family %s: %s\n",
			       KUBENF_GENL_NAME, strerror(-family));
		else
			fprintf(stderr, "kubenf_fuzz: family: %s\n",
				strerror(-family));
		return KSFT_SKIP;
	}
	if (!strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bulk"))
		return cmd_bulk(argc - 1, argv + 1);
	if (!strcmp(argv[1], "digest"))
		return cmd_digest();
	if (!strcmp(argv[1], "fill-peersets"))
		return cmd_fill(argc - 1, argv + 1);
	if (!strcmp(argv[1], "storm"))
		return cmd_storm(argc - 1, argv + 1);
	if (!strcmp(argv[1], "close-mid-dump") && argc == 3)
		return cmd_close_dump(atol(argv[2]));
	if (!strcmp(argv[1], "close-mid-txn") && argc == 3)
		return cmd_close_txn(atol(argv[2]));
	die("unknown command %s", argv[1]);
	return 2;
}
