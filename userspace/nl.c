// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink transport to kubenf.ko: the only file that includes libnl.
 *
 * libnl does not decode extended ACKs, so the error callback does it here:
 * with NETLINK_EXT_ACK enabled the kernel appends NLMSGERR_ATTR_* TLVs to
 * NLMSG_ERROR (and to the NLMSG_DONE of a failed dump) and flags them with
 * NLM_F_ACK_TLVS. With NETLINK_CAP_ACK it echoes only the header of our
 * request (NLM_F_CAPPED), otherwise the whole request, before the TLVs.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/kubenf.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* What netlink_recvmsg() lets the kernel size dump messages by. */
#define KUBENF_NL_RECV_BUF	32768

struct kubenf_nl {
	char extack[KUBENF_NL_EXTACK_MAX];
	struct nl_sock *sk;
	bool rejected;		/* last request failed in the kernel */
	int family;		/* resolved id of KUBENF_GENL_NAME */
};

/* State of one kubenf_nl_request(), the argument of every callback. */
struct request {
	struct kubenf_nl *ctx;
	kubenf_nl_parse_t parse;
	void *arg;
	uint32_t seq;		/* of our request; replies carry it too */
	uint16_t type;		/* family id: type of every reply */
	bool interrupted;	/* NLM_F_DUMP_INTR seen */
	bool done;		/* ACK, NLMSG_DONE or error received */
	int err;
};

/* libnl reports its own NLE_* codes; callers of this file see -errno. */
static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;	/* also what libnl makes of ENOBUFS */
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_MSG_OVERFLOW:
		return -ENOBUFS;
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
	case NLE_PARSE_ERR:
		return -EBADMSG;
	case NLE_SEQ_MISMATCH:
		return -EPROTO;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_DUMP_INTR:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* Exact sizes: an attribute whose type changed is an ABI break, not data. */
static int validate(const struct nlattr *nla,
		    const struct kubenf_nla_policy *pt)
{
	size_t len = nla->nla_len - NLA_HDRLEN;
	const char *data = kubenf_nla_data(nla);

	switch (pt->type) {
	case KUBENF_NLA_U8:
		return len == sizeof(uint8_t) ? 0 : -EBADMSG;
	case KUBENF_NLA_U16:
		return len == sizeof(uint16_t) ? 0 : -EBADMSG;
	case KUBENF_NLA_U32:
		return len == sizeof(uint32_t) ? 0 : -EBADMSG;
	case KUBENF_NLA_U64:
		return len == sizeof(uint64_t) ? 0 : -EBADMSG;
	case KUBENF_NLA_STRING:
		if (!memchr(data, '\0', len))
			return -EBADMSG;
		if (pt->len && strlen(data) >= pt->len)
			return -EBADMSG;
		return 0;
	case KUBENF_NLA_BINARY:
		return !pt->len || len == pt->len ? 0 : -EBADMSG;
	default:
		return 0;
	}
}

static int parse_attrs(const void *data, size_t len,
		       const struct nlattr **tb, int maxtype,
		       const struct kubenf_nla_policy *policy)
{
	const struct nlattr *nla = data;

	memset(tb, 0, sizeof(*tb) * (maxtype + 1));
	while (len >= NLA_HDRLEN) {
		size_t alen = nla->nla_len;
		int type = nla->nla_type & NLA_TYPE_MASK;
		int err;

		if (alen < NLA_HDRLEN || alen > len)
			return -EBADMSG;
		if (type && type <= maxtype) {
			err = validate(nla, &policy[type]);
			if (err)
				return err;
			tb[type] = nla;
		}
		alen = NLA_ALIGN(alen);
		if (alen >= len)
			break;
		len -= alen;
		nla = (const void *)((const char *)nla + alen);
	}
	return 0;
}

int kubenf_nl_parse_genl(const struct nlmsghdr *nlh, uint8_t *cmd,
			 const struct nlattr **tb, int maxtype,
			 const struct kubenf_nla_policy *policy)
{
	const struct genlmsghdr *genl;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;
	genl = (const void *)((const char *)nlh + NLMSG_HDRLEN);
	if (cmd)
		*cmd = genl->cmd;
	return parse_attrs((const char *)genl + GENL_HDRLEN,
			   nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
			   tb, maxtype, policy);
}

int kubenf_nl_parse_nested(const struct nlattr *nest,
			   const struct nlattr **tb, int maxtype,
			   const struct kubenf_nla_policy *policy)
{
	return parse_attrs(kubenf_nla_data(nest), kubenf_nla_len(nest),
			   tb, maxtype, policy);
}

int kubenf_nl_parse_array(const struct nlattr *nest,
			  int (*fn)(const struct nlattr *nla, void *arg),
			  void *arg)
{
	const char *data = kubenf_nla_data(nest);
	size_t len = kubenf_nla_len(nest);
	int err;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *nla = (const void *)data;
		size_t alen = nla->nla_len;

		if (alen < NLA_HDRLEN || alen > len)
			return -EBADMSG;
		err = fn(nla, arg);
		if (err)
			return err;
		alen = NLA_ALIGN(alen);
		if (alen >= len)
			break;
		len -= alen;
		data += alen;
	}
	return 0;
}

int kubenf_nl_parse_status(const struct nlmsghdr *nlh, int *error,
			   char *msg, size_t len)
{
	static const struct kubenf_nla_policy policy[NLMSGERR_ATTR_MSG + 1] = {
		[NLMSGERR_ATTR_MSG]	= { .type = KUBENF_NLA_STRING },
	};
	const struct nlattr *tb[NLMSGERR_ATTR_MSG + 1];
	const char *payload, *text;
	const struct nlmsgerr *e;
	size_t plen, off, n;
	int32_t status;

	*error = 0;
	if (len)
		msg[0] = '\0';
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return -EBADMSG;
	payload = (const char *)nlh + NLMSG_HDRLEN;
	plen = nlh->nlmsg_len - NLMSG_HDRLEN;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		e = (const void *)payload;
		if (plen < sizeof(*e))
			return -EBADMSG;
		status = e->error;
		off = sizeof(*e);
		/* Uncapped: the whole request is echoed, then the TLVs. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < NLMSG_HDRLEN)
				return -EBADMSG;
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		}
		break;
	case NLMSG_DONE:
		/* The dump's status; kernels before 4.x sent none. */
		if (plen < sizeof(status))
			return 0;
		memcpy(&status, payload, sizeof(status));
		off = sizeof(status);
		break;
	default:
		return -EBADMSG;
	}
	if (status > 0)
		return -EBADMSG;
	*error = status;

	/* The status stands even if the TLVs behind it are garbage. */
	off = NLMSG_ALIGN(off);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > plen || !len)
		return 0;
	if (parse_attrs(payload + off, plen - off, tb, NLMSGERR_ATTR_MSG,
			policy) || !tb[NLMSGERR_ATTR_MSG])
		return 0;
	text = kubenf_nla_str(tb[NLMSGERR_ATTR_MSG]);
	n = strnlen(text, len - 1);
	memcpy(msg, text, n);
	msg[n] = '\0';
	return 0;
}

/* NLMSG_ERROR or NLMSG_DONE: the request is over, maybe with an error. */
static void end_request(struct request *req, const struct nlmsghdr *nlh)
{
	struct kubenf_nl *ctx = req->ctx;
	int error, err;

	err = kubenf_nl_parse_status(nlh, &error, ctx->extack,
				     sizeof(ctx->extack));
	if (err) {
		req->err = err;
	} else if (error) {
		/* The kernel's answer beats an earlier parse error. */
		ctx->rejected = true;
		req->err = error;
	}
	req->done = true;
}

/* Skip leftovers of an earlier request that failed half-way. */
static int seq_check_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == req->seq ? NL_OK : NL_SKIP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct request *req = arg;

	/* Keep draining after a failure so the socket stays in sync. */
	if (req->err || !req->parse)
		return NL_OK;
	if (nlh->nlmsg_type != req->type)
		req->err = -EBADMSG;
	else
		req->err = req->parse(nlh, req->arg);
	return NL_OK;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int finish_cb(struct nl_msg *msg, void *arg)
{
	end_request(arg, nlmsg_hdr(msg));
	return NL_STOP;
}

static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	/* libnl passes the payload; the header sits right before it. */
	const struct nlmsghdr *nlh = (const void *)((char *)e - NLMSG_HDRLEN);

	(void)nla;
	end_request(arg, nlh);
	return NL_STOP;
}

/* Keep going (NL_OK): the NLMSG_DONE of the dump carries the flag too. */
static int dump_intr_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->interrupted = true;
	return NL_OK;
}

int kubenf_nl_request(struct kubenf_nl *ctx, struct nl_msg *msg,
		      kubenf_nl_parse_t parse, void *arg)
{
	struct request req = { .ctx = ctx, .parse = parse, .arg = arg };
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nl_cb *cb;
	int err;

	ctx->rejected = false;
	ctx->extack[0] = '\0';

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_check_cb, &req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &req);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, dump_intr_cb, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, error_cb, &req);

	if (!nlh->nlmsg_type)
		nlh->nlmsg_type = ctx->family;
	/* Fresh sequence number and port, also when the message is resent. */
	nlh->nlmsg_seq = NL_AUTO_SEQ;
	nlh->nlmsg_pid = NL_AUTO_PORT;
	err = nl_send_auto(ctx->sk, msg);
	if (err < 0) {
		err = nlerr_to_errno(err);
		goto cleanup;
	}
	req.seq = nlh->nlmsg_seq;
	req.type = nlh->nlmsg_type;

	while (!req.done) {
		err = nl_recvmsgs(ctx->sk, cb);
		if (err < 0 && !req.done) {
			err = nlerr_to_errno(err);
			goto cleanup;
		}
	}
	err = req.err;
	/* An inconsistent dump may well fail to parse: retrying is the fix. */
	if (req.interrupted && !ctx->rejected)
		err = -EAGAIN;
cleanup:
	nl_cb_put(cb);
	return err;
}

bool kubenf_nl_rejected(const struct kubenf_nl *ctx)
{
	return ctx->rejected;
}

const char *kubenf_nl_extack(const struct kubenf_nl *ctx)
{
	return ctx->extack;
}

static struct nl_msg *msg_new(int family, uint8_t cmd, uint8_t version,
			      uint16_t flags, size_t size)
{
	struct nl_msg *msg;

	msg = size ? nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + size) :
		     nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags,
			 cmd, version)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *kubenf_nl_msg_new(uint8_t cmd, uint16_t flags)
{
	/* Family 0 (never a genl id): kubenf_nl_request() fills it in. */
	return msg_new(0, cmd, KUBENF_GENL_VERSION, flags, 0);
}

struct nl_msg *kubenf_nl_msg_new_size(uint8_t cmd, uint16_t flags,
				      size_t size)
{
	if (size > UINT32_MAX - NLMSG_HDRLEN - GENL_HDRLEN)
		return NULL;
	return msg_new(0, cmd, KUBENF_GENL_VERSION, flags, size ?: 1);
}

void kubenf_nl_msg_free(struct nl_msg *msg)
{
	nlmsg_free(msg);
}

const struct nlmsghdr *kubenf_nl_msg_hdr(struct nl_msg *msg)
{
	return nlmsg_hdr(msg);
}

#define CTRL_MAX	CTRL_ATTR_FAMILY_ID	/* all we read */

int kubenf_nl_put(struct nl_msg *msg, int type, const void *data,
		  size_t len)
{
	if (len > UINT16_MAX - NLA_HDRLEN)
		return -EMSGSIZE;
	return nla_put(msg, type, len, data) ? -EMSGSIZE : 0;
}

int kubenf_nl_put_u8(struct nl_msg *msg, int type, uint8_t value)
{
	return kubenf_nl_put(msg, type, &value, sizeof(value));
}

int kubenf_nl_put_u16(struct nl_msg *msg, int type, uint16_t value)
{
	return kubenf_nl_put(msg, type, &value, sizeof(value));
}

int kubenf_nl_put_u32(struct nl_msg *msg, int type, uint32_t value)
{
	return kubenf_nl_put(msg, type, &value, sizeof(value));
}

int kubenf_nl_put_u64(struct nl_msg *msg, int type, uint64_t value)
{
	return kubenf_nl_put(msg, type, &value, sizeof(value));
}

int kubenf_nl_put_str(struct nl_msg *msg, int type, const char *value)
{
	return kubenf_nl_put(msg, type, value, strlen(value) + 1);
}

struct nlattr *kubenf_nl_nest_start(struct nl_msg *msg, int type)
{
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

int kubenf_nl_nest_end(struct nl_msg *msg, struct nlattr *nest)
{
	return nla_nest_end(msg, nest) ? -EMSGSIZE : 0;
}

static int family_parse(const struct nlmsghdr *nlh, void *arg)
{
	static const struct kubenf_nla_policy policy[CTRL_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID]	= { .type = KUBENF_NLA_U16 },
	};
	const struct nlattr *tb[CTRL_MAX + 1];
	int *family = arg;
	int err;

	err = kubenf_nl_parse_genl(nlh, NULL, tb, CTRL_MAX, policy);
	if (err)
		return err;
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -EBADMSG;
	*family = kubenf_nla_u16(tb[CTRL_ATTR_FAMILY_ID]);
	return *family ? 0 : -EBADMSG;
}

/*
 * Ask the genl controller ourselves rather than genl_ctrl_resolve(), which
 * turns every failure into NLE_OBJ_NOTFOUND: here the kernel's -ENOENT is
 * the only way to get -ENOENT, so it reliably means "not registered".
 */
static int resolve_family(struct kubenf_nl *ctx, const char *name)
{
	struct nl_msg *msg;
	int err;

	msg = msg_new(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0, 0);
	if (!msg)
		return -ENOMEM;
	err = nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, name);
	if (err) {
		err = nlerr_to_errno(err);
		goto cleanup;
	}
	ctx->family = 0;
	err = kubenf_nl_request(ctx, msg, family_parse, &ctx->family);
cleanup:
	nlmsg_free(msg);
	return err;
}

int kubenf_nl_open_family(struct kubenf_nl **out, const char *name)
{
	struct kubenf_nl *ctx;
	int one = 1, err, fd;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->sk = nl_socket_alloc();
	if (!ctx->sk) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = nl_connect(ctx->sk, NETLINK_GENERIC);
	if (err) {
		err = nlerr_to_errno(err);
		goto cleanup;
	}
	/*
	 * The kernel sizes dump messages by our largest receive buffer so far,
	 * up to 32 KiB, and a dumped object must fit in one: receive into 32
	 * KiB from the first reply on (the family lookup), peeking at larger
	 * messages to grow the buffer.
	 */
	err = nl_socket_set_msg_buf_size(ctx->sk, KUBENF_NL_RECV_BUF);
	if (err) {
		err = nlerr_to_errno(err);
		goto cleanup;
	}
	nl_socket_enable_msg_peek(ctx->sk);
	fd = nl_socket_get_fd(ctx->sk);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one))) {
		err = -errno;
		goto cleanup;
	}
	err = resolve_family(ctx, name);
	if (err)
		goto cleanup;
	*out = ctx;
	ctx = NULL;
cleanup:
	kubenf_nl_close(ctx);
	return err;
}

int kubenf_nl_open(struct kubenf_nl **out)
{
	return kubenf_nl_open_family(out, KUBENF_GENL_NAME);
}

void kubenf_nl_close(struct kubenf_nl *ctx)
{
	if (!ctx)
		return;
	if (ctx->sk)
		nl_socket_free(ctx->sk);	/* closes the socket too */
	free(ctx);
}

int kubenf_nl_subscribe(struct kubenf_nl *ctx, const char *group)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(ctx->sk, KUBENF_GENL_NAME, group);
	if (grp < 0)
		return nlerr_to_errno(grp);
	err = nl_socket_add_membership(ctx->sk, grp);
	if (err)
		return nlerr_to_errno(err);
	/* Events carry sequence number 0 and are not answers to anything. */
	nl_socket_disable_seq_check(ctx->sk);
	err = nl_socket_set_nonblocking(ctx->sk);
	return err ? nlerr_to_errno(err) : 0;
}

int kubenf_nl_fd(const struct kubenf_nl *ctx)
{
	return nl_socket_get_fd(ctx->sk);
}

struct events {
	struct kubenf_nl *ctx;
	kubenf_nl_parse_t parse;
	void *arg;
	int err;
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct events *ev = arg;
	int err;

	if (nlh->nlmsg_type != ev->ctx->family)
		return NL_SKIP;
	err = ev->parse(nlh, ev->arg);
	if (err && !ev->err)
		ev->err = err;
	return NL_OK;
}

static int event_seq_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int kubenf_nl_recv_events(struct kubenf_nl *ctx, kubenf_nl_parse_t parse,
			  void *arg)
{
	struct events ev = { .ctx = ctx, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int err;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, event_seq_cb, &ev);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &ev);
	errno = 0;
	err = nl_recvmsgs(ctx->sk, cb);
	nl_cb_put(cb);
	if (err < 0) {
		/* libnl reports an overrun (ENOBUFS) as out of memory. */
		if (err == -NLE_NOMEM && errno == ENOBUFS)
			return -ENOBUFS;
		err = nlerr_to_errno(err);
		return err == -EAGAIN ? 0 : err;
	}
	return ev.err;
}
