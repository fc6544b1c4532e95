/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink transport to kubenf.ko.
 *
 * nl.c is the only file that includes libnl headers. Everything else sees
 * an opaque context, opaque messages (struct nl_msg is only declared here),
 * and the kernel's own struct nlmsghdr / struct nlattr from <linux/netlink.h>,
 * read through the validating parser and getters below.
 *
 * Every function returns 0 or -errno and prints nothing: the subcommand that
 * called it decides what to tell the user.
 */
#ifndef _KUBENF_NL_H
#define _KUBENF_NL_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct kubenf_nl;
struct nl_msg;

/* Room for the kernel's extack message, including the NUL. */
#define KUBENF_NL_EXTACK_MAX	256

/*
 * Open a generic netlink socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK
 * enabled and resolve the "kubenf" family through the genl controller.
 * Returns 0 and sets *out, or -errno. -ENOENT means exactly one thing here:
 * the family is not registered, i.e. kubenf.ko is not loaded.
 */
int kubenf_nl_open(struct kubenf_nl **out);
/*
 * The same for any generic netlink family @name (the unit tests talk to
 * "nlctrl", which every kernel has). -ENOENT: @name is not registered.
 */
int kubenf_nl_open_family(struct kubenf_nl **out, const char *name);
void kubenf_nl_close(struct kubenf_nl *ctx);

/*
 * A request message for kubenf command @cmd with netlink @flags (0 for a
 * doit, NLM_F_DUMP for a dump; NLM_F_REQUEST and NLM_F_ACK are added when
 * sending). It can be built without a socket: the family id is filled in by
 * kubenf_nl_request(). Returns NULL when out of memory. The caller owns the
 * message and frees it with kubenf_nl_msg_free().
 */
struct nl_msg *kubenf_nl_msg_new(uint8_t cmd, uint16_t flags);
/*
 * The same with room for @size bytes of attributes (the default is one
 * page). Attributes that do not fit fail with -EMSGSIZE.
 */
struct nl_msg *kubenf_nl_msg_new_size(uint8_t cmd, uint16_t flags,
				      size_t size);
void kubenf_nl_msg_free(struct nl_msg *msg);
/* The message as it will be sent (family id 0 until sent). */
const struct nlmsghdr *kubenf_nl_msg_hdr(struct nl_msg *msg);

/*
 * Attribute builders for request messages. Each returns 0, or -EMSGSIZE
 * when the attribute does not fit (the message is then unchanged). Nests
 * carry NLA_F_NESTED, which the kernel's strict validation requires.
 */
int kubenf_nl_put_u8(struct nl_msg *msg, int type, uint8_t value);
int kubenf_nl_put_u16(struct nl_msg *msg, int type, uint16_t value);
int kubenf_nl_put_u32(struct nl_msg *msg, int type, uint32_t value);
int kubenf_nl_put_u64(struct nl_msg *msg, int type, uint64_t value);
int kubenf_nl_put_str(struct nl_msg *msg, int type, const char *value);
int kubenf_nl_put(struct nl_msg *msg, int type, const void *data,
		  size_t len);
/*
 * Returns the nest to pass to kubenf_nl_nest_end(), NULL if full. The end
 * fails with -EMSGSIZE when the nest outgrew an attribute's 64 KiB. An
 * empty nest is removed again (libnl does that): where the kernel requires
 * a nest, put at least one attribute into it.
 */
struct nlattr *kubenf_nl_nest_start(struct nl_msg *msg, int type);
int kubenf_nl_nest_end(struct nl_msg *msg, struct nlattr *nest);

/*
 * Called once per reply message of the request (once for a doit with a
 * reply, once per object for a dump) with the whole netlink message.
 * Returns 0 or -errno; an error is remembered and returned by
 * kubenf_nl_request() after the rest of the reply has been drained.
 */
typedef int (*kubenf_nl_parse_t)(const struct nlmsghdr *nlh, void *arg);

/*
 * Send @msg and receive until its ACK (doit) or NLMSG_DONE (dump), passing
 * every reply message to @parse (may be NULL). Does not take ownership of
 * @msg, which can be sent again. Returns 0 or -errno:
 *  - the kernel's error, and then kubenf_nl_rejected() is true and
 *    kubenf_nl_extack() holds its message, if it sent one;
 *  - the first error returned by @parse;
 *  - -EAGAIN when the kernel flagged the dump NLM_F_DUMP_INTR (the rule set
 *    changed during the dump): what @parse saw is not a consistent
 *    snapshot, so this beats an error of @parse (which may only have
 *    tripped over the inconsistency); the caller resets its state and
 *    sends @msg again;
 *  - another -errno for local or transport failures (-ENOMEM, also when
 *    the receive buffer overran, as libnl reports it; -EBADMSG for a
 *    malformed reply; ...).
 */
int kubenf_nl_request(struct kubenf_nl *ctx, struct nl_msg *msg,
		      kubenf_nl_parse_t parse, void *arg);

/*
 * Multicast events. kubenf_nl_subscribe() resolves the group @group of the
 * family through the genl controller and joins it (-ENOENT: no such group,
 * -EPERM: the group needs a capability we lack), and makes the socket
 * non-blocking: it is then for events only, not for requests.
 * kubenf_nl_recv_events() reads what one receive returns and passes every
 * message of the family to @parse: 0 (also when nothing was pending), the
 * first error of @parse, -ENOBUFS when the kernel dropped messages because
 * the receive buffer was full, or another -errno. kubenf_nl_fd() is the
 * socket to poll().
 */
int kubenf_nl_subscribe(struct kubenf_nl *ctx, const char *group);
int kubenf_nl_recv_events(struct kubenf_nl *ctx, kubenf_nl_parse_t parse,
			  void *arg);
int kubenf_nl_fd(const struct kubenf_nl *ctx);

/* Whether the last request failed because the kernel answered an error. */
bool kubenf_nl_rejected(const struct kubenf_nl *ctx);
/* The kernel's extack message for the last failure, "" when it sent none. */
const char *kubenf_nl_extack(const struct kubenf_nl *ctx);

/*
 * Decode the status of an NLMSG_ERROR or NLMSG_DONE message: *error gets
 * the kernel's status (0 or -errno) and @msg (of @len bytes, may be 0) the
 * NLMSGERR_ATTR_MSG string, truncated, or "" when there is none. Handles
 * both the full echo of the request and the NLM_F_CAPPED one. Returns 0, or
 * -EBADMSG when the message itself is malformed. Exposed for unit tests.
 */
int kubenf_nl_parse_status(const struct nlmsghdr *nlh, int *error,
			   char *msg, size_t len);

/*
 * Reply attribute parsing, without libnl in the caller. A policy entry says
 * what an attribute must look like; attributes above @maxtype (sent by a
 * newer module) and KUBENF_NLA_UNSPEC entries are accepted unchecked, so
 * the pad attribute of 64-bit values needs no entry.
 */
enum kubenf_nla_type {
	KUBENF_NLA_UNSPEC,
	KUBENF_NLA_U8,
	KUBENF_NLA_U16,
	KUBENF_NLA_U32,
	KUBENF_NLA_U64,
	KUBENF_NLA_STRING,	/* NUL-terminated, .len bytes at most */
	KUBENF_NLA_NESTED,
	KUBENF_NLA_BINARY,	/* exactly .len bytes when .len is non-zero */
};

struct kubenf_nla_policy {
	uint8_t type;		/* enum kubenf_nla_type */
	uint16_t len;
};

/*
 * Fill tb[0..maxtype] with the attributes of a generic netlink message
 * (after its genlmsghdr) or of a nest. Returns 0 or -EBADMSG.
 */
int kubenf_nl_parse_genl(const struct nlmsghdr *nlh, uint8_t *cmd,
			 const struct nlattr **tb, int maxtype,
			 const struct kubenf_nla_policy *policy);
int kubenf_nl_parse_nested(const struct nlattr *nest,
			   const struct nlattr **tb, int maxtype,
			   const struct kubenf_nla_policy *policy);

/*
 * Call @fn for each attribute inside @nest, in order: the elements of a
 * nested array (numbered from 1 by the kernel; the numbers are not checked)
 * or the entries of a nest keyed by type. Returns 0, the first error of
 * @fn, or -EBADMSG when an attribute overruns the nest.
 */
int kubenf_nl_parse_array(const struct nlattr *nest,
			  int (*fn)(const struct nlattr *nla, void *arg),
			  void *arg);

/* Getters for attributes validated by the parser above. */
static inline const void *kubenf_nla_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static inline int kubenf_nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

static inline uint8_t kubenf_nla_u8(const struct nlattr *nla)
{
	return *(const uint8_t *)kubenf_nla_data(nla);
}

static inline uint16_t kubenf_nla_u16(const struct nlattr *nla)
{
	uint16_t v;

	memcpy(&v, kubenf_nla_data(nla), sizeof(v));
	return v;
}

static inline uint32_t kubenf_nla_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, kubenf_nla_data(nla), sizeof(v));
	return v;
}

/* Attribute payloads are only 4-byte aligned: never dereference a u64. */
static inline uint64_t kubenf_nla_u64(const struct nlattr *nla)
{
	uint64_t v;

	memcpy(&v, kubenf_nla_data(nla), sizeof(v));
	return v;
}

static inline const char *kubenf_nla_str(const struct nlattr *nla)
{
	return kubenf_nla_data(nla);
}

#endif /* _KUBENF_NL_H */
