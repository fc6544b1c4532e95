// SPDX-License-Identifier: GPL-2.0
/*
 * Services: struct kubenf_service <-> KUBENF_A_SERVICE netlink attributes.
 * The encoder is what kubenfctl and kubenf-agent send with SVC_SET; the
 * decoder reads SVC_GET dumps, where a service with many backends spans
 * several messages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "array.h"
#include "model.h"
#include "nl.h"

struct kubenf_frontend *kubenf_svc_add_fe(struct kubenf_service *svc)
{
	return kubenf_array_add(svc->fe, svc->n_fe);
}

struct kubenf_backend *kubenf_svc_add_be(struct kubenf_service *svc)
{
	return kubenf_array_add(svc->be, svc->n_be);
}

struct kubenf_cidr *kubenf_svc_add_range(struct kubenf_service *svc)
{
	return kubenf_array_add(svc->ranges, svc->n_ranges);
}

struct kubenf_service *kubenf_svc_list_add(struct kubenf_svc_list *list)
{
	return kubenf_array_add(list->svc, list->n);
}

int kubenf_svc_set_name(struct kubenf_service *svc, const char *name)
{
	char *copy = strdup(name);

	if (!copy)
		return -ENOMEM;
	free(svc->name);
	svc->name = copy;
	svc->has |= KUBENF_SVC_HAS_NAME;
	return 0;
}

void kubenf_svc_release(struct kubenf_service *svc)
{
	free(svc->name);
	free(svc->fe);
	free(svc->be);
	free(svc->ranges);
	memset(svc, 0, sizeof(*svc));
}

void kubenf_svc_list_release(struct kubenf_svc_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		kubenf_svc_release(&list->svc[i]);
	free(list->svc);
	memset(list, 0, sizeof(*list));
}

static bool fe_equal(const struct kubenf_frontend *a,
		     const struct kubenf_frontend *b)
{
	return a->kind == b->kind && a->proto == b->proto &&
	       a->port == b->port && kubenf_addr_equal(&a->addr, &b->addr);
}

static bool be_equal(const struct kubenf_backend *a,
		     const struct kubenf_backend *b)
{
	return a->has == b->has && a->port == b->port &&
	       kubenf_addr_equal(&a->addr, &b->addr) &&
	       (!(a->has & KUBENF_BE_HAS_FLAGS) || a->flags == b->flags) &&
	       (!(a->has & KUBENF_BE_HAS_CONNS) || a->conns == b->conns);
}

bool kubenf_svc_equal(const struct kubenf_service *a,
		      const struct kubenf_service *b)
{
	size_t i;

	if (a->has != b->has || a->id != b->id || a->n_fe != b->n_fe ||
	    a->n_be != b->n_be || a->n_ranges != b->n_ranges)
		return false;
	if ((a->has & KUBENF_SVC_HAS_NAME) && strcmp(a->name, b->name))
		return false;
	if ((a->has & KUBENF_SVC_HAS_FLAGS) && a->flags != b->flags)
		return false;
	if ((a->has & KUBENF_SVC_HAS_AFFINITY) &&
	    a->affinity_timeout != b->affinity_timeout)
		return false;
	if ((a->has & KUBENF_SVC_HAS_CONNS) && a->conns != b->conns)
		return false;
	for (i = 0; i < a->n_fe; i++)
		if (!fe_equal(&a->fe[i], &b->fe[i]))
			return false;
	for (i = 0; i < a->n_be; i++)
		if (!be_equal(&a->be[i], &b->be[i]))
			return false;
	for (i = 0; i < a->n_ranges; i++)
		if (!kubenf_cidr_equal(&a->ranges[i], &b->ranges[i]))
			return false;
	return true;
}

static int fe_put(struct nl_msg *msg, int type,
		  const struct kubenf_frontend *fe)
{
	struct nlattr *nest;
	int err;

	nest = kubenf_nl_nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	err = kubenf_nl_put_u8(msg, KUBENF_FE_A_KIND, fe->kind);
	if (!err)
		err = kubenf_nl_put_u8(msg, KUBENF_FE_A_PROTO, fe->proto);
	if (!err)
		err = kubenf_nl_put_u16(msg, KUBENF_FE_A_PORT, fe->port);
	if (err)
		return err;
	/* A node port has no address: the node's, of one family. */
	if (fe->kind == KUBENF_FE_NODE_PORT)
		err = kubenf_nl_put_u8(msg, KUBENF_FE_A_FAMILY,
				       fe->addr.family);
	else
		err = kubenf_addr_put(msg, KUBENF_FE_A_ADDR4,
				      KUBENF_FE_A_ADDR6, &fe->addr);
	return err ?: kubenf_nl_nest_end(msg, nest);
}

static int be_put(struct nl_msg *msg, int type,
		  const struct kubenf_backend *be)
{
	struct nlattr *nest;
	int err;

	nest = kubenf_nl_nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	err = kubenf_addr_put(msg, KUBENF_BE_A_ADDR4, KUBENF_BE_A_ADDR6,
			      &be->addr);
	if (!err)
		err = kubenf_nl_put_u16(msg, KUBENF_BE_A_PORT, be->port);
	if (!err && (be->has & KUBENF_BE_HAS_FLAGS))
		err = kubenf_nl_put_u32(msg, KUBENF_BE_A_FLAGS, be->flags);
	return err ?: kubenf_nl_nest_end(msg, nest);
}

int kubenf_svc_put(struct nl_msg *msg, const struct kubenf_service *svc)
{
	struct nlattr *nest, *arr;
	size_t i;
	int err;

	nest = kubenf_nl_nest_start(msg, KUBENF_A_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	err = kubenf_nl_put_u32(msg, KUBENF_SVC_A_ID, svc->id);
	if (!err && (svc->has & KUBENF_SVC_HAS_NAME))
		err = kubenf_nl_put_str(msg, KUBENF_SVC_A_NAME, svc->name);
	if (!err && (svc->has & KUBENF_SVC_HAS_FLAGS))
		err = kubenf_nl_put_u32(msg, KUBENF_SVC_A_FLAGS, svc->flags);
	if (!err && (svc->has & KUBENF_SVC_HAS_AFFINITY))
		err = kubenf_nl_put_u32(msg, KUBENF_SVC_A_AFFINITY_TIMEOUT,
					svc->affinity_timeout);
	if (err)
		return err;
	/* Counters are reply-only: the kernel refuses them in requests. */

	if (svc->n_fe) {
		arr = kubenf_nl_nest_start(msg, KUBENF_SVC_A_FRONTENDS);
		if (!arr)
			return -EMSGSIZE;
		for (i = 0; i < svc->n_fe; i++) {
			err = fe_put(msg, i + 1, &svc->fe[i]);
			if (err)
				return err;
		}
		err = kubenf_nl_nest_end(msg, arr);
		if (err)
			return err;
	}
	if (svc->n_be) {
		arr = kubenf_nl_nest_start(msg, KUBENF_SVC_A_BACKENDS);
		if (!arr)
			return -EMSGSIZE;
		for (i = 0; i < svc->n_be; i++) {
			err = be_put(msg, i + 1, &svc->be[i]);
			if (err)
				return err;
		}
		err = kubenf_nl_nest_end(msg, arr);
		if (err)
			return err;
	}
	if (svc->n_ranges) {
		err = kubenf_cidrs_put(msg, KUBENF_SVC_A_SOURCE_RANGES,
				       svc->ranges, svc->n_ranges);
		if (err)
			return err;
	}
	return kubenf_nl_nest_end(msg, nest);
}

/*
 * Upper bound of the attributes of @svc: every address as an IPv6 one.
 * Larger than a nest can be is fine: kubenf_svc_put() says -EMSGSIZE.
 */
static size_t svc_size(const struct kubenf_service *svc)
{
	const size_t u32 = NLA_HDRLEN + 4, nest = NLA_HDRLEN;
	const size_t addr = NLA_HDRLEN + 16;
	size_t size;

	size = nest + 3 * u32;
	if (svc->has & KUBENF_SVC_HAS_NAME)
		size += NLA_HDRLEN + NLA_ALIGN(strlen(svc->name) + 1);
	/* Each array: its nest; each element: its nest and attributes. */
	size += nest + svc->n_fe * (nest + 3 * u32 + addr);
	size += nest + svc->n_be * (nest + addr + 2 * u32);
	size += nest + svc->n_ranges * (nest + addr + u32);
	return size;
}

int kubenf_svc_set_msg(const struct kubenf_service *svc, struct nl_msg **out)
{
	int err;

	*out = kubenf_nl_msg_new_size(KUBENF_CMD_SVC_SET, 0, svc_size(svc));
	if (!*out)
		return -ENOMEM;
	err = kubenf_svc_put(*out, svc);
	if (err) {
		kubenf_nl_msg_free(*out);
		*out = NULL;
	}
	return err;
}

int kubenf_svc_del_msg(uint32_t id, struct nl_msg **out)
{
	const struct kubenf_service svc = { .id = id };

	*out = kubenf_nl_msg_new(KUBENF_CMD_SVC_DEL, 0);
	if (!*out)
		return -ENOMEM;
	if (kubenf_svc_put(*out, &svc)) {	/* ID only */
		kubenf_nl_msg_free(*out);
		*out = NULL;
		return -EMSGSIZE;
	}
	return 0;
}

int kubenf_svc_dump_msg(struct nl_msg **out)
{
	*out = kubenf_nl_msg_new(KUBENF_CMD_SVC_GET, NLM_F_DUMP);
	return *out ? 0 : -ENOMEM;
}

static const struct kubenf_nla_policy svc_policy[KUBENF_SVC_A_MAX + 1] = {
	[KUBENF_SVC_A_ID]		= { .type = KUBENF_NLA_U32 },
	[KUBENF_SVC_A_NAME]		= { .type = KUBENF_NLA_STRING,
					    .len = KUBENF_NAME_MAX },
	[KUBENF_SVC_A_FLAGS]		= { .type = KUBENF_NLA_U32 },
	[KUBENF_SVC_A_AFFINITY_TIMEOUT]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_SVC_A_FRONTENDS]	= { .type = KUBENF_NLA_NESTED },
	[KUBENF_SVC_A_BACKENDS]		= { .type = KUBENF_NLA_NESTED },
	[KUBENF_SVC_A_SOURCE_RANGES]	= { .type = KUBENF_NLA_NESTED },
	[KUBENF_SVC_A_CONNS]		= { .type = KUBENF_NLA_U64 },
};

static const struct kubenf_nla_policy fe_policy[KUBENF_FE_A_MAX + 1] = {
	[KUBENF_FE_A_KIND]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_FE_A_ADDR4]	= { .type = KUBENF_NLA_BINARY, .len = 4 },
	[KUBENF_FE_A_ADDR6]	= { .type = KUBENF_NLA_BINARY, .len = 16 },
	[KUBENF_FE_A_PROTO]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_FE_A_PORT]	= { .type = KUBENF_NLA_U16 },
	[KUBENF_FE_A_FAMILY]	= { .type = KUBENF_NLA_U8 },
};

static const struct kubenf_nla_policy be_policy[KUBENF_BE_A_MAX + 1] = {
	[KUBENF_BE_A_ADDR4]	= { .type = KUBENF_NLA_BINARY, .len = 4 },
	[KUBENF_BE_A_ADDR6]	= { .type = KUBENF_NLA_BINARY, .len = 16 },
	[KUBENF_BE_A_PORT]	= { .type = KUBENF_NLA_U16 },
	[KUBENF_BE_A_FLAGS]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_BE_A_CONNS]	= { .type = KUBENF_NLA_U64 },
};

static int fe_parse(const struct nlattr *nla, void *arg)
{
	const struct nlattr *tb[KUBENF_FE_A_MAX + 1];
	struct kubenf_service *svc = arg;
	struct kubenf_frontend fe = { 0 };
	int err;

	err = kubenf_nl_parse_nested(nla, tb, KUBENF_FE_A_MAX, fe_policy);
	if (err)
		return err;
	if (!tb[KUBENF_FE_A_KIND] || !tb[KUBENF_FE_A_PROTO] ||
	    !tb[KUBENF_FE_A_PORT])
		return -EBADMSG;
	fe.kind = kubenf_nla_u8(tb[KUBENF_FE_A_KIND]);
	fe.proto = kubenf_nla_u8(tb[KUBENF_FE_A_PROTO]);
	fe.port = kubenf_nla_u16(tb[KUBENF_FE_A_PORT]);
	if (fe.kind == KUBENF_FE_NODE_PORT) {
		if (!tb[KUBENF_FE_A_FAMILY] || tb[KUBENF_FE_A_ADDR4] ||
		    tb[KUBENF_FE_A_ADDR6])
			return -EBADMSG;
		fe.addr.family = kubenf_nla_u8(tb[KUBENF_FE_A_FAMILY]);
		if (!kubenf_addr_bits(fe.addr.family))
			return -EBADMSG;
	} else {
		err = kubenf_addr_get(tb[KUBENF_FE_A_ADDR4],
				      tb[KUBENF_FE_A_ADDR6], &fe.addr);
		if (err)
			return err;
	}
	if (!kubenf_svc_add_fe(svc))
		return -ENOMEM;
	svc->fe[svc->n_fe - 1] = fe;
	return 0;
}

static int be_parse(const struct nlattr *nla, void *arg)
{
	const struct nlattr *tb[KUBENF_BE_A_MAX + 1];
	struct kubenf_service *svc = arg;
	struct kubenf_backend be = { 0 };
	int err;

	err = kubenf_nl_parse_nested(nla, tb, KUBENF_BE_A_MAX, be_policy);
	if (err)
		return err;
	if (!tb[KUBENF_BE_A_PORT])
		return -EBADMSG;
	err = kubenf_addr_get(tb[KUBENF_BE_A_ADDR4], tb[KUBENF_BE_A_ADDR6],
			      &be.addr);
	if (err)
		return err;
	be.port = kubenf_nla_u16(tb[KUBENF_BE_A_PORT]);
	if (tb[KUBENF_BE_A_FLAGS]) {
		be.flags = kubenf_nla_u32(tb[KUBENF_BE_A_FLAGS]);
		be.has |= KUBENF_BE_HAS_FLAGS;
	}
	if (tb[KUBENF_BE_A_CONNS]) {
		be.conns = kubenf_nla_u64(tb[KUBENF_BE_A_CONNS]);
		be.has |= KUBENF_BE_HAS_CONNS;
	}
	if (!kubenf_svc_add_be(svc))
		return -ENOMEM;
	svc->be[svc->n_be - 1] = be;
	return 0;
}

int kubenf_svc_parse(const struct nlattr *nest, struct kubenf_service *svc)
{
	const struct nlattr *tb[KUBENF_SVC_A_MAX + 1];
	int err;

	err = kubenf_nl_parse_nested(nest, tb, KUBENF_SVC_A_MAX, svc_policy);
	if (err)
		return err;
	if (!tb[KUBENF_SVC_A_ID] || !kubenf_nla_u32(tb[KUBENF_SVC_A_ID]))
		return -EBADMSG;
	svc->id = kubenf_nla_u32(tb[KUBENF_SVC_A_ID]);
	if (tb[KUBENF_SVC_A_NAME]) {
		err = kubenf_svc_set_name(svc,
					  kubenf_nla_str(tb[KUBENF_SVC_A_NAME]));
		if (err)
			return err;
	}
	if (tb[KUBENF_SVC_A_FLAGS]) {
		svc->flags = kubenf_nla_u32(tb[KUBENF_SVC_A_FLAGS]);
		svc->has |= KUBENF_SVC_HAS_FLAGS;
	}
	if (tb[KUBENF_SVC_A_AFFINITY_TIMEOUT]) {
		svc->affinity_timeout =
			kubenf_nla_u32(tb[KUBENF_SVC_A_AFFINITY_TIMEOUT]);
		svc->has |= KUBENF_SVC_HAS_AFFINITY;
	}
	if (tb[KUBENF_SVC_A_CONNS]) {
		svc->conns = kubenf_nla_u64(tb[KUBENF_SVC_A_CONNS]);
		svc->has |= KUBENF_SVC_HAS_CONNS;
	}
	if (tb[KUBENF_SVC_A_FRONTENDS]) {
		err = kubenf_nl_parse_array(tb[KUBENF_SVC_A_FRONTENDS],
					    fe_parse, svc);
		if (err)
			return err;
	}
	if (tb[KUBENF_SVC_A_BACKENDS]) {
		err = kubenf_nl_parse_array(tb[KUBENF_SVC_A_BACKENDS],
					    be_parse, svc);
		if (err)
			return err;
	}
	if (tb[KUBENF_SVC_A_SOURCE_RANGES])
		return kubenf_cidrs_parse(tb[KUBENF_SVC_A_SOURCE_RANGES],
					  &svc->ranges, &svc->n_ranges);
	return 0;
}

/* Move the backends of continuation @next to the end of @svc. */
static int svc_continue(struct kubenf_service *svc,
			const struct kubenf_service *next)
{
	size_t i;

	/* A continuation carries the ID and BACKENDS only. */
	if (next->has || next->n_fe || next->n_ranges)
		return -EBADMSG;
	for (i = 0; i < next->n_be; i++) {
		if (!kubenf_svc_add_be(svc))
			return -ENOMEM;
		svc->be[svc->n_be - 1] = next->be[i];
	}
	return 0;
}

int kubenf_svc_dump_parse(const struct nlmsghdr *nlh, void *arg)
{
	static const struct kubenf_nla_policy policy[KUBENF_A_MAX + 1] = {
		[KUBENF_A_SERVICE]	= { .type = KUBENF_NLA_NESTED },
	};
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	struct kubenf_svc_list *list = arg;
	struct kubenf_service svc = { 0 };
	struct kubenf_service *last;
	uint8_t cmd;
	int err;

	err = kubenf_nl_parse_genl(nlh, &cmd, tb, KUBENF_A_MAX, policy);
	if (err)
		return err;
	if (cmd != KUBENF_CMD_SVC_GET || !tb[KUBENF_A_SERVICE])
		return -EBADMSG;
	err = kubenf_svc_parse(tb[KUBENF_A_SERVICE], &svc);
	if (err)
		goto cleanup;

	/* Ids are unique: the same id again is the rest of its backends. */
	last = list->n ? &list->svc[list->n - 1] : NULL;
	if (last && last->id == svc.id) {
		err = svc_continue(last, &svc);
		goto cleanup;
	}
	last = kubenf_svc_list_add(list);
	if (!last) {
		err = -ENOMEM;
		goto cleanup;
	}
	*last = svc;
	return 0;
cleanup:
	kubenf_svc_release(&svc);
	return err;
}

static int id_cmp(const void *a, const void *b)
{
	const struct kubenf_service *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int kubenf_svc_list_finish(struct kubenf_svc_list *list)
{
	size_t i;

	if (list->n > 1)
		qsort(list->svc, list->n, sizeof(*list->svc), id_cmp);
	for (i = 1; i < list->n; i++)
		if (list->svc[i].id == list->svc[i - 1].id)
			return -EBADMSG;
	return 0;
}
