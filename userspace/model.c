// SPDX-License-Identifier: GPL-2.0
/*
 * Model helpers shared by the objects: addresses and CIDR arrays in netlink
 * attributes, transaction requests, and the GET_STATS reply.
 */
#include <errno.h>
#include <string.h>

#include <linux/kubenf.h>

#include "array.h"
#include "model.h"
#include "nl.h"

int kubenf_addr_put(struct nl_msg *msg, int a4, int a6,
		    const struct kubenf_addr *addr)
{
	switch (addr->family) {
	case AF_INET:
		return kubenf_nl_put(msg, a4, addr->bytes, 4);
	case AF_INET6:
		return kubenf_nl_put(msg, a6, addr->bytes, 16);
	default:
		return -EAFNOSUPPORT;
	}
}

int kubenf_addr_get(const struct nlattr *a4, const struct nlattr *a6,
		    struct kubenf_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (!a4 == !a6)
		return -EBADMSG;
	/* Lengths were checked by the policy of the caller. */
	if (a4) {
		addr->family = AF_INET;
		memcpy(addr->bytes, kubenf_nla_data(a4), 4);
	} else {
		addr->family = AF_INET6;
		memcpy(addr->bytes, kubenf_nla_data(a6), 16);
	}
	return 0;
}

bool kubenf_addr_equal(const struct kubenf_addr *a,
		       const struct kubenf_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, kubenf_addr_bits(a->family) / 8);
}

bool kubenf_cidr_equal(const struct kubenf_cidr *a,
		       const struct kubenf_cidr *b)
{
	return kubenf_addr_equal(&a->addr, &b->addr) && a->prefix == b->prefix;
}

int kubenf_cidrs_put(struct nl_msg *msg, int type,
		     const struct kubenf_cidr *cidrs, size_t n)
{
	struct nlattr *arr, *nest;
	size_t i;
	int err;

	arr = kubenf_nl_nest_start(msg, type);
	if (!arr)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		/* Elements are numbered from 1, as NLA_NESTED_ARRAY has it. */
		nest = kubenf_nl_nest_start(msg, i + 1);
		if (!nest)
			return -EMSGSIZE;
		err = kubenf_addr_put(msg, KUBENF_CIDR_A_ADDR4,
				      KUBENF_CIDR_A_ADDR6, &cidrs[i].addr);
		if (!err)
			err = kubenf_nl_put_u8(msg, KUBENF_CIDR_A_PREFIX,
					       cidrs[i].prefix);
		if (!err)
			err = kubenf_nl_nest_end(msg, nest);
		if (err)
			return err;
	}
	return kubenf_nl_nest_end(msg, arr);
}

static const struct kubenf_nla_policy cidr_policy[KUBENF_CIDR_A_MAX + 1] = {
	[KUBENF_CIDR_A_ADDR4]	= { .type = KUBENF_NLA_BINARY, .len = 4 },
	[KUBENF_CIDR_A_ADDR6]	= { .type = KUBENF_NLA_BINARY, .len = 16 },
	[KUBENF_CIDR_A_PREFIX]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_CIDR_A_EXCEPT]	= { .type = KUBENF_NLA_NESTED },
};

struct cidr_array {
	struct kubenf_cidr **arr;
	size_t *n;
};

static int cidr_parse(const struct nlattr *nla, void *arg)
{
	const struct nlattr *tb[KUBENF_CIDR_A_MAX + 1];
	struct cidr_array *ca = arg;
	struct kubenf_cidr c;
	int err;

	err = kubenf_nl_parse_nested(nla, tb, KUBENF_CIDR_A_MAX, cidr_policy);
	if (err)
		return err;
	err = kubenf_addr_get(tb[KUBENF_CIDR_A_ADDR4], tb[KUBENF_CIDR_A_ADDR6],
			      &c.addr);
	if (err)
		return err;
	c.prefix = kubenf_addr_bits(c.addr.family);
	if (tb[KUBENF_CIDR_A_PREFIX]) {
		if (kubenf_nla_u8(tb[KUBENF_CIDR_A_PREFIX]) > c.prefix)
			return -EBADMSG;
		c.prefix = kubenf_nla_u8(tb[KUBENF_CIDR_A_PREFIX]);
	}
	/* EXCEPT: not used where the model reads CIDRs. */
	if (!kubenf_array_add(*ca->arr, *ca->n))
		return -ENOMEM;
	(*ca->arr)[*ca->n - 1] = c;
	return 0;
}

int kubenf_cidrs_parse(const struct nlattr *nest, struct kubenf_cidr **arr,
		       size_t *n)
{
	struct cidr_array ca = { .arr = arr, .n = n };

	return kubenf_nl_parse_array(nest, cidr_parse, &ca);
}

static int msg_new(uint8_t cmd, uint16_t flags, struct nl_msg **out)
{
	*out = kubenf_nl_msg_new(cmd, flags);
	return *out ? 0 : -ENOMEM;
}

/* Free the message when building it failed. */
static int msg_done(struct nl_msg **out, int err)
{
	if (err) {
		kubenf_nl_msg_free(*out);
		*out = NULL;
	}
	return err;
}

int kubenf_txn_begin_msg(uint32_t flags, struct nl_msg **out)
{
	int err;

	err = msg_new(KUBENF_CMD_TXN_BEGIN, 0, out);
	if (err || !flags)
		return err;
	return msg_done(out, kubenf_nl_put_u32(*out, KUBENF_A_TXN_FLAGS,
					       flags));
}

int kubenf_txn_commit_msg(bool has_generation, uint64_t generation,
			  bool has_cookie, uint64_t cookie,
			  struct nl_msg **out)
{
	int err;

	err = msg_new(KUBENF_CMD_TXN_COMMIT, 0, out);
	if (err)
		return err;
	if (has_generation)
		err = kubenf_nl_put_u64(*out, KUBENF_A_GENERATION, generation);
	if (!err && has_cookie)
		err = kubenf_nl_put_u64(*out, KUBENF_A_COOKIE, cookie);
	return msg_done(out, err);
}

int kubenf_txn_abort_msg(struct nl_msg **out)
{
	return msg_new(KUBENF_CMD_TXN_ABORT, 0, out);
}

int kubenf_txn_commit_parse(const struct nlmsghdr *nlh, void *arg)
{
	static const struct kubenf_nla_policy policy[KUBENF_A_MAX + 1] = {
		[KUBENF_A_GENERATION]	= { .type = KUBENF_NLA_U64 },
	};
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	uint64_t *generation = arg;
	uint8_t cmd;
	int err;

	err = kubenf_nl_parse_genl(nlh, &cmd, tb, KUBENF_A_MAX, policy);
	if (err)
		return err;
	if (cmd != KUBENF_CMD_TXN_COMMIT || !tb[KUBENF_A_GENERATION])
		return -EBADMSG;
	*generation = kubenf_nla_u64(tb[KUBENF_A_GENERATION]);
	return 0;
}

int kubenf_stats_get_msg(struct nl_msg **out)
{
	return msg_new(KUBENF_CMD_GET_STATS, 0, out);
}

/* DROPS: attribute type r is the u64 count of enum kubenf_reason r. */
static int drop_parse(const struct nlattr *nla, void *arg)
{
	int reason = nla->nla_type & NLA_TYPE_MASK;
	struct kubenf_stats *stats = arg;

	/* Type 0 is the pad of the u64s; a newer module may add reasons. */
	if (reason == KUBENF_REASON_NONE || reason >= KUBENF_STATS_REASONS)
		return 0;
	if (kubenf_nla_len(nla) != sizeof(uint64_t))
		return -EBADMSG;
	stats->drops[reason] = kubenf_nla_u64(nla);
	stats->drops_has |= 1ULL << reason;
	return 0;
}

int kubenf_stats_parse(const struct nlmsghdr *nlh, void *arg)
{
	static const struct kubenf_nla_policy policy[KUBENF_A_MAX + 1] = {
		[KUBENF_A_STATS]	= { .type = KUBENF_NLA_NESTED },
	};
	static const struct kubenf_nla_policy
	stat_policy[KUBENF_STAT_A_MAX + 1] = {
		[KUBENF_STAT_A_DROPS]		  = { .type = KUBENF_NLA_NESTED },
		[KUBENF_STAT_A_EVENTS_SUPPRESSED] = { .type = KUBENF_NLA_U64 },
	};
	const struct nlattr *st[KUBENF_STAT_A_MAX + 1];
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	struct kubenf_stats *stats = arg;
	uint8_t cmd;
	int err;

	memset(stats, 0, sizeof(*stats));
	err = kubenf_nl_parse_genl(nlh, &cmd, tb, KUBENF_A_MAX, policy);
	if (err)
		return err;
	if (cmd != KUBENF_CMD_GET_STATS || !tb[KUBENF_A_STATS])
		return -EBADMSG;
	err = kubenf_nl_parse_nested(tb[KUBENF_A_STATS], st,
				     KUBENF_STAT_A_MAX, stat_policy);
	if (err)
		return err;
	if (st[KUBENF_STAT_A_DROPS]) {
		err = kubenf_nl_parse_array(st[KUBENF_STAT_A_DROPS],
					    drop_parse, stats);
		if (err)
			return err;
		stats->has |= KUBENF_STATS_HAS_DROPS;
	}
	if (st[KUBENF_STAT_A_EVENTS_SUPPRESSED]) {
		stats->events_suppressed =
			kubenf_nla_u64(st[KUBENF_STAT_A_EVENTS_SUPPRESSED]);
		stats->has |= KUBENF_STATS_HAS_EVENTS_SUPPRESSED;
	}
	return 0;
}
