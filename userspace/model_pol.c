// SPDX-License-Identifier: GPL-2.0
/*
 * NetworkPolicy objects: struct kubenf_peerset / kubenf_policy / kubenf_pod
 * <-> KUBENF_A_PEERSET / KUBENF_A_POLICY / KUBENF_A_POD, written from the
 * uapi header. The encoders are what kubenf-agent sends with *_SET; the
 * decoders read *_GET dumps, where a peerset with many entries or a policy
 * with many rules spans several messages (ID and the rest of the array).
 *
 * Empty arrays are left out of requests, except for a rule: a rule that
 * allows every peer on every port is an empty nest, which the array needs
 * as an element (libnl would drop an empty nest, so it is written as a
 * zero-length attribute with NLA_F_NESTED).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "array.h"
#include "model.h"
#include "nl.h"

int kubenf_obj_set_name(char **dst, const char *name)
{
	char *copy = strdup(name);

	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

void kubenf_peerset_release(struct kubenf_peerset *ps)
{
	size_t i;

	for (i = 0; i < ps->n_entries; i++)
		free(ps->entries[i].except);
	free(ps->entries);
	free(ps->name);
	memset(ps, 0, sizeof(*ps));
}

void kubenf_policy_release(struct kubenf_policy *pol)
{
	size_t i;

	for (i = 0; i < pol->n_rules; i++) {
		free(pol->rules[i].peers);
		free(pol->rules[i].ports);
	}
	free(pol->rules);
	free(pol->name);
	memset(pol, 0, sizeof(*pol));
}

void kubenf_pod_release(struct kubenf_pod *pod)
{
	free(pod->name);
	free(pod->addrs);
	free(pod->ingress);
	free(pod->egress);
	memset(pod, 0, sizeof(*pod));
}

void kubenf_pset_list_release(struct kubenf_pset_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		kubenf_peerset_release(&list->v[i]);
	free(list->v);
	memset(list, 0, sizeof(*list));
}

void kubenf_pol_list_release(struct kubenf_pol_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		kubenf_policy_release(&list->v[i]);
	free(list->v);
	memset(list, 0, sizeof(*list));
}

void kubenf_pod_list_release(struct kubenf_pod_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		kubenf_pod_release(&list->v[i]);
	free(list->v);
	memset(list, 0, sizeof(*list));
}

/* ---- comparison ------------------------------------------------------ */

static bool name_equal(const char *a, const char *b)
{
	return !strcmp(a ?: "", b ?: "");
}

static bool ids_equal(const uint32_t *a, size_t na, const uint32_t *b,
		      size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

static bool cidrs_equal(const struct kubenf_cidr *a, size_t na,
			const struct kubenf_cidr *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!kubenf_cidr_equal(&a[i], &b[i]))
			return false;
	return true;
}

bool kubenf_peerset_equal(const struct kubenf_peerset *a,
			  const struct kubenf_peerset *b)
{
	size_t i;

	if (a->id != b->id || a->n_entries != b->n_entries ||
	    !name_equal(a->name, b->name))
		return false;
	for (i = 0; i < a->n_entries; i++) {
		const struct kubenf_pset_entry *x = &a->entries[i];
		const struct kubenf_pset_entry *y = &b->entries[i];

		if (!kubenf_cidr_equal(&x->cidr, &y->cidr) ||
		    !cidrs_equal(x->except, x->n_except, y->except,
				 y->n_except))
			return false;
	}
	return true;
}

static bool port_equal(const struct kubenf_port_range *a,
		       const struct kubenf_port_range *b)
{
	return a->proto == b->proto && a->first == b->first &&
	       a->last == b->last;
}

static bool rule_equal(const struct kubenf_rule *a, const struct kubenf_rule *b)
{
	size_t i;

	if (!ids_equal(a->peers, a->n_peers, b->peers, b->n_peers) ||
	    a->n_ports != b->n_ports)
		return false;
	for (i = 0; i < a->n_ports; i++)
		if (!port_equal(&a->ports[i], &b->ports[i]))
			return false;
	return true;
}

bool kubenf_policy_equal(const struct kubenf_policy *a,
			 const struct kubenf_policy *b)
{
	size_t i;

	if (a->id != b->id || a->dir != b->dir || a->n_rules != b->n_rules ||
	    !name_equal(a->name, b->name))
		return false;
	for (i = 0; i < a->n_rules; i++)
		if (!rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

bool kubenf_pod_equal(const struct kubenf_pod *a, const struct kubenf_pod *b)
{
	size_t i;

	if (a->id != b->id || a->flags != b->flags ||
	    a->n_addrs != b->n_addrs || !name_equal(a->name, b->name) ||
	    !ids_equal(a->ingress, a->n_ingress, b->ingress, b->n_ingress) ||
	    !ids_equal(a->egress, a->n_egress, b->egress, b->n_egress))
		return false;
	for (i = 0; i < a->n_addrs; i++)
		if (!kubenf_addr_equal(&a->addrs[i], &b->addrs[i]))
			return false;
	return true;
}

/* ---- encoding -------------------------------------------------------- */

/* Sizes: upper bounds, every address taken as IPv6. */
#define SZ_NEST		((size_t)NLA_HDRLEN)
#define SZ_U32		((size_t)NLA_HDRLEN + 4)
#define SZ_ADDR		((size_t)NLA_HDRLEN + 16)
#define SZ_CIDR		(SZ_NEST + SZ_ADDR + SZ_U32)

static size_t name_size(const char *name)
{
	return name ? NLA_HDRLEN + NLA_ALIGN(strlen(name) + 1) : 0;
}

/* An array of u32 ids, elements numbered from 1; nothing when empty. */
static int ids_put(struct nl_msg *msg, int type, const uint32_t *ids,
		   size_t n)
{
	struct nlattr *arr;
	size_t i;
	int err;

	if (!n)
		return 0;
	arr = kubenf_nl_nest_start(msg, type);
	if (!arr)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		err = kubenf_nl_put_u32(msg, i + 1, ids[i]);
		if (err)
			return err;
	}
	return kubenf_nl_nest_end(msg, arr);
}

static int cidr_put(struct nl_msg *msg, int type, const struct kubenf_cidr *c,
		    const struct kubenf_cidr *except, size_t n_except)
{
	struct nlattr *nest;
	int err;

	nest = kubenf_nl_nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	err = kubenf_addr_put(msg, KUBENF_CIDR_A_ADDR4, KUBENF_CIDR_A_ADDR6,
			      &c->addr);
	if (!err)
		err = kubenf_nl_put_u8(msg, KUBENF_CIDR_A_PREFIX, c->prefix);
	if (!err && n_except)
		err = kubenf_cidrs_put(msg, KUBENF_CIDR_A_EXCEPT, except,
				       n_except);
	return err ?: kubenf_nl_nest_end(msg, nest);
}

static int peerset_put(struct nl_msg *msg, const struct kubenf_peerset *ps,
		       bool id_only)
{
	struct nlattr *nest, *arr;
	size_t i;
	int err;

	nest = kubenf_nl_nest_start(msg, KUBENF_A_PEERSET);
	if (!nest)
		return -EMSGSIZE;
	err = kubenf_nl_put_u32(msg, KUBENF_SET_A_ID, ps->id);
	if (!err && !id_only && ps->name)
		err = kubenf_nl_put_str(msg, KUBENF_SET_A_NAME, ps->name);
	if (err)
		return err;
	if (!id_only && ps->n_entries) {
		arr = kubenf_nl_nest_start(msg, KUBENF_SET_A_ENTRIES);
		if (!arr)
			return -EMSGSIZE;
		for (i = 0; i < ps->n_entries; i++) {
			err = cidr_put(msg, i + 1, &ps->entries[i].cidr,
				       ps->entries[i].except,
				       ps->entries[i].n_except);
			if (err)
				return err;
		}
		err = kubenf_nl_nest_end(msg, arr);
		if (err)
			return err;
	}
	return kubenf_nl_nest_end(msg, nest);
}

static int port_put(struct nl_msg *msg, int type,
		    const struct kubenf_port_range *p)
{
	struct nlattr *nest;
	int err;

	nest = kubenf_nl_nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	err = kubenf_nl_put_u8(msg, KUBENF_PORT_A_PROTO, p->proto);
	/* No FIRST: every port of the protocol. */
	if (!err && p->first)
		err = kubenf_nl_put_u16(msg, KUBENF_PORT_A_FIRST, p->first);
	if (!err && p->first)
		err = kubenf_nl_put_u16(msg, KUBENF_PORT_A_LAST,
					p->last ?: p->first);
	return err ?: kubenf_nl_nest_end(msg, nest);
}

static int rule_put(struct nl_msg *msg, int type, const struct kubenf_rule *r)
{
	struct nlattr *nest, *arr;
	size_t i;
	int err;

	/* Every peer, every port: an empty element, kept as such. */
	if (!r->n_peers && !r->n_ports)
		return kubenf_nl_put(msg, type | NLA_F_NESTED, NULL, 0);
	nest = kubenf_nl_nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	err = ids_put(msg, KUBENF_RULE_A_PEERS, r->peers, r->n_peers);
	if (err)
		return err;
	if (r->n_ports) {
		arr = kubenf_nl_nest_start(msg, KUBENF_RULE_A_PORTS);
		if (!arr)
			return -EMSGSIZE;
		for (i = 0; i < r->n_ports; i++) {
			err = port_put(msg, i + 1, &r->ports[i]);
			if (err)
				return err;
		}
		err = kubenf_nl_nest_end(msg, arr);
		if (err)
			return err;
	}
	return kubenf_nl_nest_end(msg, nest);
}

static int policy_put(struct nl_msg *msg, const struct kubenf_policy *pol,
		      bool id_only)
{
	struct nlattr *nest, *arr;
	size_t i;
	int err;

	nest = kubenf_nl_nest_start(msg, KUBENF_A_POLICY);
	if (!nest)
		return -EMSGSIZE;
	err = kubenf_nl_put_u32(msg, KUBENF_POL_A_ID, pol->id);
	if (err || id_only)
		return err ?: kubenf_nl_nest_end(msg, nest);
	if (pol->name)
		err = kubenf_nl_put_str(msg, KUBENF_POL_A_NAME, pol->name);
	if (!err)
		err = kubenf_nl_put_u8(msg, KUBENF_POL_A_DIR, pol->dir);
	if (err)
		return err;
	if (pol->n_rules) {
		arr = kubenf_nl_nest_start(msg, KUBENF_POL_A_RULES);
		if (!arr)
			return -EMSGSIZE;
		for (i = 0; i < pol->n_rules; i++) {
			err = rule_put(msg, i + 1, &pol->rules[i]);
			if (err)
				return err;
		}
		err = kubenf_nl_nest_end(msg, arr);
		if (err)
			return err;
	}
	return kubenf_nl_nest_end(msg, nest);
}

static int pod_put(struct nl_msg *msg, const struct kubenf_pod *pod,
		   bool id_only)
{
	struct nlattr *nest, *arr;
	struct kubenf_cidr c;
	size_t i;
	int err;

	nest = kubenf_nl_nest_start(msg, KUBENF_A_POD);
	if (!nest)
		return -EMSGSIZE;
	err = kubenf_nl_put_u32(msg, KUBENF_POD_A_ID, pod->id);
	if (err || id_only)
		return err ?: kubenf_nl_nest_end(msg, nest);
	if (pod->name)
		err = kubenf_nl_put_str(msg, KUBENF_POD_A_NAME, pod->name);
	if (!err)
		err = kubenf_nl_put_u32(msg, KUBENF_POD_A_FLAGS, pod->flags);
	if (err)
		return err;
	if (pod->n_addrs) {
		arr = kubenf_nl_nest_start(msg, KUBENF_POD_A_ADDRS);
		if (!arr)
			return -EMSGSIZE;
		for (i = 0; i < pod->n_addrs; i++) {
			c.addr = pod->addrs[i];
			c.prefix = kubenf_addr_bits(c.addr.family);
			err = cidr_put(msg, i + 1, &c, NULL, 0);
			if (err)
				return err;
		}
		err = kubenf_nl_nest_end(msg, arr);
		if (err)
			return err;
	}
	err = ids_put(msg, KUBENF_POD_A_INGRESS, pod->ingress, pod->n_ingress);
	if (!err)
		err = ids_put(msg, KUBENF_POD_A_EGRESS, pod->egress,
			      pod->n_egress);
	return err ?: kubenf_nl_nest_end(msg, nest);
}

static size_t peerset_size(const struct kubenf_peerset *ps)
{
	size_t size = SZ_NEST + SZ_U32 + name_size(ps->name) + SZ_NEST;
	size_t i;

	for (i = 0; i < ps->n_entries; i++)
		size += SZ_CIDR + SZ_NEST + ps->entries[i].n_except * SZ_CIDR;
	return size;
}

static size_t policy_size(const struct kubenf_policy *pol)
{
	size_t size = SZ_NEST + 2 * SZ_U32 + name_size(pol->name) + SZ_NEST;
	size_t i;

	for (i = 0; i < pol->n_rules; i++)
		size += 3 * SZ_NEST + pol->rules[i].n_peers * SZ_U32 +
			pol->rules[i].n_ports * (SZ_NEST + 3 * SZ_U32);
	return size;
}

static size_t pod_size(const struct kubenf_pod *pod)
{
	return SZ_NEST + 2 * SZ_U32 + name_size(pod->name) +
	       3 * SZ_NEST + pod->n_addrs * SZ_CIDR +
	       (pod->n_ingress + pod->n_egress) * SZ_U32;
}

/* A request @cmd sized @size, filled by @put; freed again on failure. */
static int build(uint8_t cmd, size_t size,
		 int (*put)(struct nl_msg *msg, const void *obj, bool id_only),
		 const void *obj, bool id_only, struct nl_msg **out)
{
	int err;

	*out = kubenf_nl_msg_new_size(cmd, 0, size);
	if (!*out)
		return -ENOMEM;
	err = put(*out, obj, id_only);
	if (err) {
		kubenf_nl_msg_free(*out);
		*out = NULL;
	}
	return err;
}

static int peerset_put_v(struct nl_msg *msg, const void *obj, bool id_only)
{
	return peerset_put(msg, obj, id_only);
}

static int policy_put_v(struct nl_msg *msg, const void *obj, bool id_only)
{
	return policy_put(msg, obj, id_only);
}

static int pod_put_v(struct nl_msg *msg, const void *obj, bool id_only)
{
	return pod_put(msg, obj, id_only);
}

int kubenf_peerset_set_msg(const struct kubenf_peerset *ps,
			   struct nl_msg **out)
{
	return build(KUBENF_CMD_PEERSET_SET, peerset_size(ps), peerset_put_v,
		     ps, false, out);
}

int kubenf_policy_set_msg(const struct kubenf_policy *pol,
			  struct nl_msg **out)
{
	return build(KUBENF_CMD_POLICY_SET, policy_size(pol), policy_put_v,
		     pol, false, out);
}

int kubenf_pod_set_msg(const struct kubenf_pod *pod, struct nl_msg **out)
{
	return build(KUBENF_CMD_POD_SET, pod_size(pod), pod_put_v, pod, false,
		     out);
}

int kubenf_peerset_del_msg(uint32_t id, struct nl_msg **out)
{
	const struct kubenf_peerset ps = { .id = id };
	int err;

	err = build(KUBENF_CMD_PEERSET_DEL, SZ_NEST + SZ_U32, peerset_put_v,
		    &ps, true, out);
	return err == -EMSGSIZE ? -ENOMEM : err;
}

int kubenf_policy_del_msg(uint32_t id, struct nl_msg **out)
{
	const struct kubenf_policy pol = { .id = id };
	int err;

	err = build(KUBENF_CMD_POLICY_DEL, SZ_NEST + SZ_U32, policy_put_v,
		    &pol, true, out);
	return err == -EMSGSIZE ? -ENOMEM : err;
}

int kubenf_pod_del_msg(uint32_t id, struct nl_msg **out)
{
	const struct kubenf_pod pod = { .id = id };
	int err;

	err = build(KUBENF_CMD_POD_DEL, SZ_NEST + SZ_U32, pod_put_v, &pod,
		    true, out);
	return err == -EMSGSIZE ? -ENOMEM : err;
}

static int dump_msg(uint8_t cmd, struct nl_msg **out)
{
	*out = kubenf_nl_msg_new(cmd, NLM_F_DUMP);
	return *out ? 0 : -ENOMEM;
}

int kubenf_peerset_dump_msg(struct nl_msg **out)
{
	return dump_msg(KUBENF_CMD_PEERSET_GET, out);
}

int kubenf_policy_dump_msg(struct nl_msg **out)
{
	return dump_msg(KUBENF_CMD_POLICY_GET, out);
}

int kubenf_pod_dump_msg(struct nl_msg **out)
{
	return dump_msg(KUBENF_CMD_POD_GET, out);
}

/* ---- decoding -------------------------------------------------------- */

static const struct kubenf_nla_policy cidr_policy[KUBENF_CIDR_A_MAX + 1] = {
	[KUBENF_CIDR_A_ADDR4]	= { .type = KUBENF_NLA_BINARY, .len = 4 },
	[KUBENF_CIDR_A_ADDR6]	= { .type = KUBENF_NLA_BINARY, .len = 16 },
	[KUBENF_CIDR_A_PREFIX]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_CIDR_A_EXCEPT]	= { .type = KUBENF_NLA_NESTED },
};

static const struct kubenf_nla_policy set_policy[KUBENF_SET_A_MAX + 1] = {
	[KUBENF_SET_A_ID]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_SET_A_NAME]	= { .type = KUBENF_NLA_STRING,
				    .len = KUBENF_NAME_MAX },
	[KUBENF_SET_A_ENTRIES]	= { .type = KUBENF_NLA_NESTED },
};

static const struct kubenf_nla_policy pol_policy[KUBENF_POL_A_MAX + 1] = {
	[KUBENF_POL_A_ID]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_POL_A_NAME]	= { .type = KUBENF_NLA_STRING,
				    .len = KUBENF_NAME_MAX },
	[KUBENF_POL_A_DIR]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_POL_A_RULES]	= { .type = KUBENF_NLA_NESTED },
};

static const struct kubenf_nla_policy rule_policy[KUBENF_RULE_A_MAX + 1] = {
	[KUBENF_RULE_A_PEERS]	= { .type = KUBENF_NLA_NESTED },
	[KUBENF_RULE_A_PORTS]	= { .type = KUBENF_NLA_NESTED },
	[KUBENF_RULE_A_CONNS]	= { .type = KUBENF_NLA_U64 },
};

static const struct kubenf_nla_policy port_policy[KUBENF_PORT_A_MAX + 1] = {
	[KUBENF_PORT_A_PROTO]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_PORT_A_FIRST]	= { .type = KUBENF_NLA_U16 },
	[KUBENF_PORT_A_LAST]	= { .type = KUBENF_NLA_U16 },
};

static const struct kubenf_nla_policy pod_policy[KUBENF_POD_A_MAX + 1] = {
	[KUBENF_POD_A_ID]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_POD_A_NAME]	= { .type = KUBENF_NLA_STRING,
				    .len = KUBENF_NAME_MAX },
	[KUBENF_POD_A_FLAGS]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_POD_A_ADDRS]	= { .type = KUBENF_NLA_NESTED },
	[KUBENF_POD_A_INGRESS]	= { .type = KUBENF_NLA_NESTED },
	[KUBENF_POD_A_EGRESS]	= { .type = KUBENF_NLA_NESTED },
};

/* One CIDR nest into @c; its EXCEPT array, if any, appended to *@ex. */
static int cidr_get(const struct nlattr *nla, struct kubenf_cidr *c,
		    struct kubenf_cidr **ex, size_t *n_ex)
{
	const struct nlattr *tb[KUBENF_CIDR_A_MAX + 1];
	int err;

	err = kubenf_nl_parse_nested(nla, tb, KUBENF_CIDR_A_MAX, cidr_policy);
	if (err)
		return err;
	err = kubenf_addr_get(tb[KUBENF_CIDR_A_ADDR4], tb[KUBENF_CIDR_A_ADDR6],
			      &c->addr);
	if (err)
		return err;
	c->prefix = kubenf_addr_bits(c->addr.family);
	if (tb[KUBENF_CIDR_A_PREFIX]) {
		if (kubenf_nla_u8(tb[KUBENF_CIDR_A_PREFIX]) > c->prefix)
			return -EBADMSG;
		c->prefix = kubenf_nla_u8(tb[KUBENF_CIDR_A_PREFIX]);
	}
	if (!tb[KUBENF_CIDR_A_EXCEPT])
		return 0;
	if (!ex)
		return -EBADMSG;
	return kubenf_cidrs_parse(tb[KUBENF_CIDR_A_EXCEPT], ex, n_ex);
}

static int entry_parse(const struct nlattr *nla, void *arg)
{
	struct kubenf_peerset *ps = arg;
	struct kubenf_pset_entry *e;

	e = kubenf_array_add(ps->entries, ps->n_entries);
	if (!e)
		return -ENOMEM;
	return cidr_get(nla, &e->cidr, &e->except, &e->n_except);
}

struct ids {
	uint32_t **v;
	size_t *n;
};

static int id_parse(const struct nlattr *nla, void *arg)
{
	struct ids *ids = arg;
	uint32_t *id;

	if (kubenf_nla_len(nla) != sizeof(uint32_t))
		return -EBADMSG;
	id = kubenf_array_add(*ids->v, *ids->n);
	if (!id)
		return -ENOMEM;
	*id = kubenf_nla_u32(nla);
	return *id ? 0 : -EBADMSG;
}

static int ids_parse(const struct nlattr *nest, uint32_t **v, size_t *n)
{
	struct ids ids = { .v = v, .n = n };

	return kubenf_nl_parse_array(nest, id_parse, &ids);
}

int kubenf_peerset_parse(const struct nlattr *nest, struct kubenf_peerset *ps)
{
	const struct nlattr *tb[KUBENF_SET_A_MAX + 1];
	int err;

	err = kubenf_nl_parse_nested(nest, tb, KUBENF_SET_A_MAX, set_policy);
	if (err)
		return err;
	if (!tb[KUBENF_SET_A_ID] || !kubenf_nla_u32(tb[KUBENF_SET_A_ID]))
		return -EBADMSG;
	ps->id = kubenf_nla_u32(tb[KUBENF_SET_A_ID]);
	if (tb[KUBENF_SET_A_NAME]) {
		err = kubenf_obj_set_name(&ps->name,
					  kubenf_nla_str(tb[KUBENF_SET_A_NAME]));
		if (err)
			return err;
	}
	if (!tb[KUBENF_SET_A_ENTRIES])
		return 0;
	return kubenf_nl_parse_array(tb[KUBENF_SET_A_ENTRIES], entry_parse, ps);
}

static int port_parse(const struct nlattr *nla, void *arg)
{
	const struct nlattr *tb[KUBENF_PORT_A_MAX + 1];
	struct kubenf_rule *r = arg;
	struct kubenf_port_range *p;
	int err;

	err = kubenf_nl_parse_nested(nla, tb, KUBENF_PORT_A_MAX, port_policy);
	if (err)
		return err;
	if (!tb[KUBENF_PORT_A_PROTO] ||
	    (tb[KUBENF_PORT_A_LAST] && !tb[KUBENF_PORT_A_FIRST]))
		return -EBADMSG;
	p = kubenf_array_add(r->ports, r->n_ports);
	if (!p)
		return -ENOMEM;
	p->proto = kubenf_nla_u8(tb[KUBENF_PORT_A_PROTO]);
	if (tb[KUBENF_PORT_A_FIRST]) {
		p->first = kubenf_nla_u16(tb[KUBENF_PORT_A_FIRST]);
		p->last = tb[KUBENF_PORT_A_LAST] ?
			  kubenf_nla_u16(tb[KUBENF_PORT_A_LAST]) : p->first;
		if (!p->first || p->last < p->first)
			return -EBADMSG;
	}
	return 0;
}

static int rule_parse(const struct nlattr *nla, void *arg)
{
	const struct nlattr *tb[KUBENF_RULE_A_MAX + 1];
	struct kubenf_policy *pol = arg;
	struct kubenf_rule *r;
	int err;

	r = kubenf_array_add(pol->rules, pol->n_rules);
	if (!r)
		return -ENOMEM;
	err = kubenf_nl_parse_nested(nla, tb, KUBENF_RULE_A_MAX, rule_policy);
	if (err)
		return err;
	if (tb[KUBENF_RULE_A_PEERS]) {
		err = ids_parse(tb[KUBENF_RULE_A_PEERS], &r->peers,
				&r->n_peers);
		if (err)
			return err;
	}
	if (tb[KUBENF_RULE_A_PORTS]) {
		err = kubenf_nl_parse_array(tb[KUBENF_RULE_A_PORTS],
					    port_parse, r);
		if (err)
			return err;
	}
	if (tb[KUBENF_RULE_A_CONNS]) {
		r->packets = kubenf_nla_u64(tb[KUBENF_RULE_A_CONNS]);
		r->has_packets = true;
	}
	return 0;
}

/*
 * @has_head: whether the nest carried more than ID and RULES (a first
 * message), for telling continuations apart.
 */
static int policy_parse(const struct nlattr *nest, struct kubenf_policy *pol,
			bool *has_head)
{
	const struct nlattr *tb[KUBENF_POL_A_MAX + 1];
	int err;

	err = kubenf_nl_parse_nested(nest, tb, KUBENF_POL_A_MAX, pol_policy);
	if (err)
		return err;
	if (!tb[KUBENF_POL_A_ID] || !kubenf_nla_u32(tb[KUBENF_POL_A_ID]))
		return -EBADMSG;
	pol->id = kubenf_nla_u32(tb[KUBENF_POL_A_ID]);
	*has_head = tb[KUBENF_POL_A_NAME] || tb[KUBENF_POL_A_DIR];
	if (tb[KUBENF_POL_A_NAME]) {
		err = kubenf_obj_set_name(&pol->name,
					  kubenf_nla_str(tb[KUBENF_POL_A_NAME]));
		if (err)
			return err;
	}
	if (tb[KUBENF_POL_A_DIR]) {
		pol->dir = kubenf_nla_u8(tb[KUBENF_POL_A_DIR]);
		if (pol->dir >= __KUBENF_DIR_MAX)
			return -EBADMSG;
	}
	if (!tb[KUBENF_POL_A_RULES])
		return 0;
	return kubenf_nl_parse_array(tb[KUBENF_POL_A_RULES], rule_parse, pol);
}

int kubenf_policy_parse(const struct nlattr *nest, struct kubenf_policy *pol)
{
	bool head;

	return policy_parse(nest, pol, &head);
}

static int addr_parse(const struct nlattr *nla, void *arg)
{
	struct kubenf_pod *pod = arg;
	struct kubenf_addr *a;
	struct kubenf_cidr c;
	int err;

	err = cidr_get(nla, &c, NULL, NULL);
	if (err)
		return err;
	if (c.prefix != kubenf_addr_bits(c.addr.family))
		return -EBADMSG;
	a = kubenf_array_add(pod->addrs, pod->n_addrs);
	if (!a)
		return -ENOMEM;
	*a = c.addr;
	return 0;
}

/* *@has_head: the nest starts the pod (a continuation has no name). */
static int pod_parse(const struct nlattr *nest, struct kubenf_pod *pod,
		     bool *has_head)
{
	const struct nlattr *tb[KUBENF_POD_A_MAX + 1];
	int err;

	err = kubenf_nl_parse_nested(nest, tb, KUBENF_POD_A_MAX, pod_policy);
	if (err)
		return err;
	if (!tb[KUBENF_POD_A_ID] || !kubenf_nla_u32(tb[KUBENF_POD_A_ID]))
		return -EBADMSG;
	pod->id = kubenf_nla_u32(tb[KUBENF_POD_A_ID]);
	*has_head = tb[KUBENF_POD_A_NAME] || tb[KUBENF_POD_A_FLAGS] ||
		    tb[KUBENF_POD_A_ADDRS];
	if (tb[KUBENF_POD_A_NAME]) {
		err = kubenf_obj_set_name(&pod->name,
					  kubenf_nla_str(tb[KUBENF_POD_A_NAME]));
		if (err)
			return err;
	}
	if (tb[KUBENF_POD_A_FLAGS])
		pod->flags = kubenf_nla_u32(tb[KUBENF_POD_A_FLAGS]);
	if (tb[KUBENF_POD_A_ADDRS]) {
		err = kubenf_nl_parse_array(tb[KUBENF_POD_A_ADDRS], addr_parse,
					    pod);
		if (err)
			return err;
	}
	if (tb[KUBENF_POD_A_INGRESS]) {
		err = ids_parse(tb[KUBENF_POD_A_INGRESS], &pod->ingress,
				&pod->n_ingress);
		if (err)
			return err;
	}
	if (tb[KUBENF_POD_A_EGRESS])
		return ids_parse(tb[KUBENF_POD_A_EGRESS], &pod->egress,
				 &pod->n_egress);
	return 0;
}

int kubenf_pod_parse(const struct nlattr *nest, struct kubenf_pod *pod)
{
	bool head;

	return pod_parse(nest, pod, &head);
}

/* Append @n ids of @from to *@to (*@n_to of them; kubenf_array_add()). */
static int ids_append(uint32_t **to, size_t *n_to, const uint32_t *from,
		      size_t n)
{
	uint32_t *id;
	size_t i;

	for (i = 0; i < n; i++) {
		id = kubenf_array_add(*to, *n_to);
		if (!id)
			return -ENOMEM;
		*id = from[i];
	}
	return 0;
}

/* The top-level nest @type of a *_GET message of @cmd. */
static int dump_nest(const struct nlmsghdr *nlh, uint8_t want, int type,
		     const struct nlattr **nest)
{
	static const struct kubenf_nla_policy policy[KUBENF_A_MAX + 1] = {
		[KUBENF_A_PEERSET]	= { .type = KUBENF_NLA_NESTED },
		[KUBENF_A_POLICY]	= { .type = KUBENF_NLA_NESTED },
		[KUBENF_A_POD]		= { .type = KUBENF_NLA_NESTED },
	};
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	uint8_t cmd;
	int err;

	err = kubenf_nl_parse_genl(nlh, &cmd, tb, KUBENF_A_MAX, policy);
	if (err)
		return err;
	if (cmd != want || !tb[type])
		return -EBADMSG;
	*nest = tb[type];
	return 0;
}

int kubenf_peerset_dump_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct kubenf_pset_list *list = arg;
	struct kubenf_peerset ps = { 0 }, *last;
	const struct nlattr *nest;
	size_t i;
	int err;

	err = dump_nest(nlh, KUBENF_CMD_PEERSET_GET, KUBENF_A_PEERSET, &nest);
	if (err)
		return err;
	err = kubenf_peerset_parse(nest, &ps);
	if (err)
		goto cleanup;
	/* Ids are unique: the same id again carries the rest of the entries. */
	last = list->n ? &list->v[list->n - 1] : NULL;
	if (last && last->id == ps.id) {
		if (ps.name) {
			err = -EBADMSG;
			goto cleanup;
		}
		for (i = 0; i < ps.n_entries; i++) {
			struct kubenf_pset_entry *e;

			e = kubenf_array_add(last->entries, last->n_entries);
			if (!e) {
				err = -ENOMEM;
				goto cleanup;
			}
			*e = ps.entries[i];
			/* Moved: the except array belongs to @last now. */
			ps.entries[i].except = NULL;
		}
		goto cleanup;
	}
	last = kubenf_array_add(list->v, list->n);
	if (!last) {
		err = -ENOMEM;
		goto cleanup;
	}
	*last = ps;
	return 0;
cleanup:
	kubenf_peerset_release(&ps);
	return err;
}

int kubenf_policy_dump_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct kubenf_policy pol = { 0 }, *last;
	struct kubenf_pol_list *list = arg;
	const struct nlattr *nest;
	bool head;
	size_t i;
	int err;

	err = dump_nest(nlh, KUBENF_CMD_POLICY_GET, KUBENF_A_POLICY, &nest);
	if (err)
		return err;
	err = policy_parse(nest, &pol, &head);
	if (err)
		goto cleanup;
	last = list->n ? &list->v[list->n - 1] : NULL;
	if (last && last->id == pol.id) {
		if (head) {
			err = -EBADMSG;
			goto cleanup;
		}
		for (i = 0; i < pol.n_rules; i++) {
			struct kubenf_rule *r;

			r = kubenf_array_add(last->rules, last->n_rules);
			if (!r) {
				err = -ENOMEM;
				goto cleanup;
			}
			*r = pol.rules[i];
			/* Moved: the arrays belong to @last now. */
			memset(&pol.rules[i], 0, sizeof(pol.rules[i]));
		}
		goto cleanup;
	}
	if (!head) {
		err = -EBADMSG;		/* a continuation of nothing */
		goto cleanup;
	}
	last = kubenf_array_add(list->v, list->n);
	if (!last) {
		err = -ENOMEM;
		goto cleanup;
	}
	*last = pol;
	return 0;
cleanup:
	kubenf_policy_release(&pol);
	return err;
}

int kubenf_pod_dump_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct kubenf_pod_list *list = arg;
	struct kubenf_pod pod = { 0 }, *p;
	const struct nlattr *nest;
	bool head;
	int err;

	err = dump_nest(nlh, KUBENF_CMD_POD_GET, KUBENF_A_POD, &nest);
	if (err)
		return err;
	err = pod_parse(nest, &pod, &head);
	if (err)
		goto cleanup;
	/* Ids are unique: the same id again carries more policy ids. */
	p = list->n ? &list->v[list->n - 1] : NULL;
	if (p && p->id == pod.id) {
		err = head ? -EBADMSG :
		      ids_append(&p->ingress, &p->n_ingress, pod.ingress,
				 pod.n_ingress);
		if (!err)
			err = ids_append(&p->egress, &p->n_egress, pod.egress,
					 pod.n_egress);
		goto cleanup;
	}
	if (!head) {
		err = -EBADMSG;		/* a continuation of nothing */
		goto cleanup;
	}
	p = kubenf_array_add(list->v, list->n);
	if (!p) {
		err = -ENOMEM;
		goto cleanup;
	}
	*p = pod;
	return 0;
cleanup:
	kubenf_pod_release(&pod);
	return err;
}

#define DEFINE_FINISH(fn, list_t, obj_t)				\
static int fn##_cmp(const void *a, const void *b)			\
{									\
	const obj_t *x = a, *y = b;					\
									\
	return (x->id > y->id) - (x->id < y->id);			\
}									\
									\
int fn(list_t *list)							\
{									\
	size_t i;							\
									\
	if (list->n > 1)						\
		qsort(list->v, list->n, sizeof(*list->v), fn##_cmp);	\
	for (i = 1; i < list->n; i++)					\
		if (list->v[i].id == list->v[i - 1].id)			\
			return -EBADMSG;				\
	return 0;							\
}

DEFINE_FINISH(kubenf_pset_list_finish, struct kubenf_pset_list,
	      struct kubenf_peerset)
DEFINE_FINISH(kubenf_pol_list_finish, struct kubenf_pol_list,
	      struct kubenf_policy)
DEFINE_FINISH(kubenf_pod_list_finish, struct kubenf_pod_list,
	      struct kubenf_pod)
