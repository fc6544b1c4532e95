/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the kubenf selftests (genl_api.c, kubenf_cfg.c).
 *
 * Plain sockets, no libnl: the tests depend on the kernel ABI in
 * <linux/kubenf.h> only, never on the CLI or a library's idea of it. Messages
 * are built byte by byte so that tests can also build malformed ones, and the
 * builder returns the offset of every attribute it adds, which is what the
 * kernel reports back in NLMSGERR_ATTR_OFFS when it names a bad attribute.
 *
 * Everything is static: each program is one translation unit.
 */
#ifndef _KUBENF_SELFTEST_NL_H
#define _KUBENF_SELFTEST_NL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/kubenf.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Large enough for the biggest configuration (256 + 64 IPv6 CIDRs). */
#define KNL_BUFSZ	(64 * 1024)
#define KNL_HDRLEN	(NLMSG_HDRLEN + GENL_HDRLEN)

struct knl_msg {
	size_t len;
	unsigned char buf[KNL_BUFSZ] __attribute__((aligned(8)));
};

/* What came back for one request: the ack and, for a doit, its reply. */
struct knl_ack {
	int error;		/* 0 or -errno from NLMSG_ERROR / NLMSG_DONE */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" when absent */
	int offs;		/* NLMSGERR_ATTR_OFFS, -1 when absent */
	int n_replies;		/* data messages received before the ack */
};

static inline struct nlmsghdr *knl_nlh(struct knl_msg *m)
{
	return (struct nlmsghdr *)m->buf;
}

static inline struct genlmsghdr *knl_genlh(struct knl_msg *m)
{
	return (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
}

static inline struct nlattr *knl_attr_at(struct knl_msg *m, int off)
{
	return (struct nlattr *)(m->buf + off);
}

static inline void knl_init(struct knl_msg *m, uint16_t type, uint16_t flags,
			    uint8_t cmd, uint8_t version)
{
	memset(m->buf, 0, KNL_HDRLEN);
	knl_nlh(m)->nlmsg_type = type;
	knl_nlh(m)->nlmsg_flags = NLM_F_REQUEST | flags;
	knl_genlh(m)->cmd = cmd;
	knl_genlh(m)->version = version;
	m->len = KNL_HDRLEN;
	knl_nlh(m)->nlmsg_len = m->len;
}

/* Appends one attribute; returns its offset from the start of the message. */
static inline int knl_put(struct knl_msg *m, uint16_t type, const void *data,
			  size_t len)
{
	size_t off = m->len, total = NLA_ALIGN(NLA_HDRLEN + len);
	struct nlattr *nla;

	if (off + total > sizeof(m->buf) || NLA_HDRLEN + len > UINT16_MAX) {
		fprintf(stderr, "knl_put: message too large\n");
		abort();
	}
	nla = knl_attr_at(m, off);
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(m->buf + off + NLA_HDRLEN, data, len);
	memset(m->buf + off + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	m->len += total;
	knl_nlh(m)->nlmsg_len = m->len;
	return off;
}

static inline int knl_put_u8(struct knl_msg *m, uint16_t type, uint8_t v)
{
	return knl_put(m, type, &v, sizeof(v));
}

static inline int knl_put_u32(struct knl_msg *m, uint16_t type, uint32_t v)
{
	return knl_put(m, type, &v, sizeof(v));
}

static inline int knl_put_str(struct knl_msg *m, uint16_t type, const char *s)
{
	return knl_put(m, type, s, strlen(s) + 1);
}

/* Opens a nest (with NLA_F_NESTED, which strict validation requires). */
static inline int knl_nest_start(struct knl_msg *m, uint16_t type)
{
	return knl_put(m, type | NLA_F_NESTED, NULL, 0);
}

static inline void knl_nest_end(struct knl_msg *m, int off)
{
	knl_attr_at(m, off)->nla_len = m->len - off;
}

/*
 * One KUBENF_CIDR_A_* nest numbered @idx in a nested array. @addr_len 4 or
 * 16 selects ADDR4/ADDR6; a negative @prefix leaves PREFIX out.
 */
static inline int knl_put_cidr(struct knl_msg *m, uint16_t idx,
			       const void *addr, size_t addr_len, int prefix)
{
	int nest = knl_nest_start(m, idx);

	knl_put(m, addr_len == 4 ? KUBENF_CIDR_A_ADDR4 : KUBENF_CIDR_A_ADDR6,
		addr, addr_len);
	if (prefix >= 0)
		knl_put_u8(m, KUBENF_CIDR_A_PREFIX, prefix);
	knl_nest_end(m, nest);
	return nest;
}

/* Attribute walking over a received message or nest. */
#define knl_for_each_attr(pos, head, len, rem)				\
	for (pos = (struct nlattr *)(head), rem = (int)(len);		\
	     rem >= (int)sizeof(*pos) && pos->nla_len >= sizeof(*pos) &&	\
	     pos->nla_len <= rem;						\
	     rem -= NLA_ALIGN(pos->nla_len),				\
	     pos = (struct nlattr *)((char *)pos + NLA_ALIGN(pos->nla_len)))

static inline void *knl_data(const struct nlattr *a)
{
	return (char *)a + NLA_HDRLEN;
}

static inline int knl_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline int knl_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

/*
 * Indexes the attributes of a stream by type into @tb[0..max]. Returns
 * -EINVAL on a length that overruns the stream, a duplicate, or trailing
 * bytes: a reply from the kernel must be well formed. Types above @max are
 * counted in *@unknown when given.
 */
static inline int knl_parse(struct nlattr **tb, int max, const void *head,
			    int len, int *unknown)
{
	struct nlattr *pos;
	int rem;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (unknown)
		*unknown = 0;
	knl_for_each_attr(pos, head, len, rem) {
		int type = knl_type(pos);

		if (type > max) {
			if (unknown)
				(*unknown)++;
			continue;
		}
		/* Type 0 is the u64 padding attribute. */
		if (type && tb[type])
			return -EINVAL;
		tb[type] = pos;
	}
	return rem ? -EINVAL : 0;
}

static inline int knl_parse_nested(struct nlattr **tb, int max,
				   const struct nlattr *nest, int *unknown)
{
	return knl_parse(tb, max, knl_data(nest), knl_len(nest), unknown);
}

static inline int knl_get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || knl_len(a) != sizeof(*v))
		return -EINVAL;
	memcpy(v, knl_data(a), sizeof(*v));
	return 0;
}

static inline int knl_get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || knl_len(a) != sizeof(*v))
		return -EINVAL;
	memcpy(v, knl_data(a), sizeof(*v));
	return 0;
}

static inline int knl_get_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || knl_len(a) != sizeof(*v))
		return -EINVAL;
	memcpy(v, knl_data(a), sizeof(*v));
	return 0;
}

/* A NUL-terminated string attribute, or NULL. */
static inline const char *knl_get_str(const struct nlattr *a)
{
	const char *s;

	if (!a || knl_len(a) < 1)
		return NULL;
	s = knl_data(a);
	return s[knl_len(a) - 1] ? NULL : s;
}

/* The attributes of a genl message received into @m. */
static inline void *knl_payload(struct knl_msg *m, int *len)
{
	*len = knl_nlh(m)->nlmsg_len - KNL_HDRLEN;
	return m->buf + KNL_HDRLEN;
}

/*
 * A NETLINK_GENERIC socket with extended acks (error strings and offsets)
 * and capped acks (the request is not echoed back). Returns the fd or
 * -errno.
 */
static inline int knl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static inline void knl_ack_parse(struct knl_ack *ack, struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	uint32_t offs;
	const char *s;

	ack->error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NETLINK_CAP_ACK the request follows the nlmsgerr. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off > nlh->nlmsg_len ||
	    knl_parse(tb, NLMSGERR_ATTR_MAX, (char *)nlh + off,
		      nlh->nlmsg_len - off, NULL))
		return;
	s = knl_get_str(tb[NLMSGERR_ATTR_MSG]);
	if (s)
		snprintf(ack->msg, sizeof(ack->msg), "%s", s);
	if (!knl_get_u32(tb[NLMSGERR_ATTR_OFFS], &offs))
		ack->offs = offs;
}

/*
 * Sends @req (with a fresh sequence number and NLM_F_ACK unless it is a
 * dump) and reads until its ack or NLMSG_DONE. The first data message is
 * copied into @reply when given. Returns the kernel's answer (0 or -errno),
 * also stored in @ack with the extack string and offset, or the -errno of a
 * local failure.
 */
static inline int knl_xfer(int fd, struct knl_msg *req, struct knl_msg *reply,
			   struct knl_ack *ack)
{
	static uint32_t seq = 1;
	static unsigned char rbuf[KNL_BUFSZ] __attribute__((aligned(8)));
	struct knl_ack dummy;
	struct nlmsghdr *nlh;
	uint32_t my_seq;
	ssize_t n;

	if (!ack)
		ack = &dummy;
	memset(ack, 0, sizeof(*ack));
	ack->offs = -1;
	my_seq = seq++;
	knl_nlh(req)->nlmsg_seq = my_seq;
	if ((knl_nlh(req)->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		knl_nlh(req)->nlmsg_flags |= NLM_F_ACK;
	if (send(fd, req->buf, req->len, 0) < 0)
		return -errno;

	for (;;) {
		n = recv(fd, rbuf, sizeof(rbuf), MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n > (ssize_t)sizeof(rbuf))
			return -EMSGSIZE;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != my_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				knl_ack_parse(ack, nlh);
				return ack->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
					memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				ack->error = err;
				return err;
			}
			if (reply && !ack->n_replies) {
				memcpy(reply->buf, nlh, nlh->nlmsg_len);
				reply->len = nlh->nlmsg_len;
			}
			ack->n_replies++;
			/* A doit reply without NLM_F_ACK would end here. */
		}
	}
}

/* Resolves a generic netlink family id; -ENOENT when not registered. */
static inline int knl_resolve(int fd, const char *name)
{
	static struct knl_msg req, reply;
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	uint16_t id;
	void *head;
	int ret, len;

	knl_init(&req, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	knl_put_str(&req, CTRL_ATTR_FAMILY_NAME, name);
	reply.len = 0;
	ret = knl_xfer(fd, &req, &reply, NULL);
	if (ret)
		return ret;
	if (!reply.len)
		return -EPROTO;
	head = knl_payload(&reply, &len);
	if (knl_parse(tb, CTRL_ATTR_MAX, head, len, NULL) ||
	    !tb[CTRL_ATTR_FAMILY_ID] || knl_len(tb[CTRL_ATTR_FAMILY_ID]) != 2)
		return -EPROTO;
	memcpy(&id, knl_data(tb[CTRL_ATTR_FAMILY_ID]), sizeof(id));
	return id;
}

#endif /* _KUBENF_SELFTEST_NL_H */
