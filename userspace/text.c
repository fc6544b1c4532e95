// SPDX-License-Identifier: GPL-2.0
/* Text forms of model values; see text.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/kubenf.h>

#include "text.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

int kubenf_errf(struct kubenf_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int kubenf_err_prefix(struct kubenf_err *err, const char *fmt, ...)
{
	const size_t size = sizeof(err->msg);
	char prefix[sizeof(err->msg)];
	size_t plen, mlen;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* "prefix: message", cut to fit. */
	plen = strnlen(prefix, size - 3);
	mlen = strnlen(err->msg, size - 1 - plen - 2);
	memmove(err->msg + plen + 2, err->msg, mlen);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	err->msg[plen + 2 + mlen] = '\0';
	return -EINVAL;
}

int kubenf_u32_parse(const char *s, uint32_t min, uint32_t max,
		     uint32_t *out, const char *what, struct kubenf_err *err)
{
	uint64_t v = 0;
	const char *p;

	/* strtoul() would take signs, blanks and wrap "-1": not here. */
	for (p = s; *p >= '0' && *p <= '9' && v <= max; p++)
		v = v * 10 + (*p - '0');
	if (p == s || *p || v < min || v > max)
		return kubenf_errf(err, "invalid %s \"%s\" (expected %u-%u)",
				   what, s, min, max);
	*out = v;
	return 0;
}

int kubenf_addr_parse(const char *s, struct kubenf_addr *addr,
		      struct kubenf_err *err)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, s, addr->bytes) == 1) {
		addr->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr->bytes) == 1) {
		addr->family = AF_INET6;
		return 0;
	}
	return kubenf_errf(err, "invalid address \"%s\" (expected IPv4 or IPv6)",
			   s);
}

const char *kubenf_addr_str(const struct kubenf_addr *addr, char *buf)
{
	if (!kubenf_addr_bits(addr->family) ||
	    !inet_ntop(addr->family, addr->bytes, buf, KUBENF_ADDR_MAX))
		snprintf(buf, KUBENF_ADDR_MAX, "(family %u)", addr->family);
	return buf;
}

/* Clear the bits of @addr beyond @prefix; true if any was set. */
static bool mask_host_bits(struct kubenf_addr *addr, unsigned int prefix)
{
	unsigned int bits = kubenf_addr_bits(addr->family), i;
	bool set = false;

	for (i = prefix; i < bits; i++) {
		uint8_t bit = 0x80 >> (i % 8);

		if (addr->bytes[i / 8] & bit) {
			addr->bytes[i / 8] &= ~bit;
			set = true;
		}
	}
	return set;
}

int kubenf_cidr_parse(const char *s, struct kubenf_cidr *cidr,
		      struct kubenf_err *err)
{
	char buf[KUBENF_TEXT_MAX], net[KUBENF_TEXT_MAX];
	const char *slash = strchr(s, '/');
	struct kubenf_cidr masked;
	uint32_t prefix;
	size_t len;

	len = slash ? (size_t)(slash - s) : strlen(s);
	if (len >= sizeof(buf))
		return kubenf_errf(err, "invalid CIDR \"%s\"", s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (kubenf_addr_parse(buf, &cidr->addr, err))
		return kubenf_errf(err, "invalid CIDR \"%s\" (expected ADDR/PREFIX)",
				   s);
	prefix = kubenf_addr_bits(cidr->addr.family);
	if (slash && kubenf_u32_parse(slash + 1, 0, prefix, &prefix,
				      "prefix length", err))
		return kubenf_err_prefix(err, "invalid CIDR \"%s\"", s);
	cidr->prefix = prefix;

	masked = *cidr;
	if (mask_host_bits(&masked.addr, prefix))
		return kubenf_errf(err, "invalid CIDR \"%s\": host bits set (did you mean %s?)",
				   s, kubenf_cidr_str(&masked, net));
	return 0;
}

const char *kubenf_cidr_str(const struct kubenf_cidr *cidr, char *buf)
{
	char addr[KUBENF_ADDR_MAX];

	snprintf(buf, KUBENF_TEXT_MAX, "%s/%u",
		 kubenf_addr_str(&cidr->addr, addr), cidr->prefix);
	return buf;
}

static int port_parse(const char *p, const char *s, uint16_t *port,
		      struct kubenf_err *err)
{
	uint32_t v;

	if (kubenf_u32_parse(p, 1, UINT16_MAX, &v, "port", err))
		return kubenf_err_prefix(err, "invalid endpoint \"%s\"", s);
	*port = v;
	return 0;
}

int kubenf_endpoint_parse(const char *s, bool wildcard,
			  struct kubenf_addr *addr, uint16_t *port,
			  bool *is_wildcard, struct kubenf_err *err)
{
	const char *host = s, *colon, *end;
	char buf[KUBENF_TEXT_MAX];
	bool bracket = false;
	size_t len;

	memset(addr, 0, sizeof(*addr));
	*is_wildcard = false;
	if (s[0] == '*') {
		if (!wildcard)
			return kubenf_errf(err, "invalid endpoint \"%s\": only node ports have no address",
					   s);
		if ((s[1] != '4' && s[1] != '6') || s[2] != ':')
			return kubenf_errf(err, "invalid endpoint \"%s\" (expected *4:PORT or *6:PORT)",
					   s);
		addr->family = s[1] == '4' ? AF_INET : AF_INET6;
		*is_wildcard = true;
		return port_parse(s + 3, s, port, err);
	}

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return kubenf_errf(err, "invalid endpoint \"%s\" (expected [ADDR6]:PORT)",
					   s);
		bracket = true;
		host = s + 1;
		colon = end + 1;
		len = end - host;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return kubenf_errf(err, "invalid endpoint \"%s\" (expected ADDR:PORT or [ADDR6]:PORT)",
					   s);
		if (memchr(s, ':', colon - s))
			return kubenf_errf(err, "invalid endpoint \"%s\": an IPv6 address goes in brackets, as in [2001:db8::1]:80",
					   s);
		len = colon - s;
	}
	if (len >= sizeof(buf))
		return kubenf_errf(err, "invalid endpoint \"%s\": address too long",
				   s);
	memcpy(buf, host, len);
	buf[len] = '\0';
	addr->family = bracket ? AF_INET6 : AF_INET;
	if (inet_pton(addr->family, buf, addr->bytes) != 1)
		return kubenf_errf(err, "invalid endpoint \"%s\": \"%s\" is not an %s address",
				   s, buf, bracket ? "IPv6" : "IPv4");
	return port_parse(colon + 1, s, port, err);
}

const char *kubenf_endpoint_str(const struct kubenf_addr *addr, uint16_t port,
				bool wildcard, char *buf)
{
	char a[KUBENF_ADDR_MAX];

	if (wildcard)
		snprintf(buf, KUBENF_TEXT_MAX, "*:%u", port);
	else if (addr->family == AF_INET6)
		snprintf(buf, KUBENF_TEXT_MAX, "[%s]:%u",
			 kubenf_addr_str(addr, a), port);
	else
		snprintf(buf, KUBENF_TEXT_MAX, "%s:%u",
			 kubenf_addr_str(addr, a), port);
	return buf;
}

static const struct {
	uint8_t proto;
	const char *name;
} protos[] = {
	{ IPPROTO_TCP,	"tcp" },
	{ IPPROTO_UDP,	"udp" },
	{ IPPROTO_SCTP,	"sctp" },
};

int kubenf_proto_parse(const char *s, uint8_t *proto, struct kubenf_err *err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		if (!strcmp(s, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	}
	return kubenf_errf(err, "invalid protocol \"%s\" (expected tcp, udp or sctp)",
			   s);
}

const char *kubenf_proto_str(uint8_t proto, char *buf)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(buf, KUBENF_TEXT_MAX, "proto-%u", proto);
	return buf;
}

static const char *const kinds[] = {
	[KUBENF_FE_CLUSTER_IP]		= "cluster-ip",
	[KUBENF_FE_NODE_PORT]		= "nodeport",
	[KUBENF_FE_EXTERNAL_IP]		= "external-ip",
	[KUBENF_FE_LOAD_BALANCER]	= "load-balancer",
};

_Static_assert(ARRAY_SIZE(kinds) == __KUBENF_FE_KIND_MAX,
	       "a frontend kind without a name");

int kubenf_fe_kind_parse(const char *s, uint8_t *kind, struct kubenf_err *err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strcmp(s, kinds[i])) {
			*kind = i;
			return 0;
		}
	}
	return kubenf_errf(err, "invalid frontend kind \"%s\" (expected cluster-ip, nodeport, external-ip or load-balancer)",
			   s);
}

const char *kubenf_fe_kind_str(uint8_t kind, char *buf)
{
	if (kind < ARRAY_SIZE(kinds))
		return kinds[kind];
	snprintf(buf, KUBENF_TEXT_MAX, "kind-%u", kind);
	return buf;
}

int kubenf_family_parse(const char *s, uint8_t *family,
			struct kubenf_err *err)
{
	if (!strcmp(s, "ipv4"))
		*family = AF_INET;
	else if (!strcmp(s, "ipv6"))
		*family = AF_INET6;
	else
		return kubenf_errf(err, "invalid family \"%s\" (expected ipv4 or ipv6)",
				   s);
	return 0;
}

const char *kubenf_family_str(uint8_t family)
{
	return family == AF_INET ? "ipv4" : family == AF_INET6 ? "ipv6" : "?";
}

const struct kubenf_flag_name kubenf_svc_flag_names[] = {
	{ KUBENF_SVC_F_INTERNAL_LOCAL,	"internal-local" },
	{ KUBENF_SVC_F_EXTERNAL_LOCAL,	"external-local" },
	{ 0, NULL }
};

const struct kubenf_flag_name kubenf_be_flag_names[] = {
	{ KUBENF_BE_F_READY,		"ready" },
	{ KUBENF_BE_F_SERVING,		"serving" },
	{ KUBENF_BE_F_TERMINATING,	"terminating" },
	{ KUBENF_BE_F_LOCAL,		"local" },
	{ 0, NULL }
};

const struct kubenf_flag_name kubenf_cfg_flag_names[] = {
	{ KUBENF_CFG_F_NODEPORT_LOOPBACK,	"nodeport-loopback" },
	{ KUBENF_CFG_F_POLICY_CUT,		"policy-cut" },
	{ KUBENF_CFG_F_MASQ_EXTERNAL,		"masq-external" },
	{ 0, NULL }
};

/* A new flag in the uapi needs a name here. */
_Static_assert(__KUBENF_SVC_F_ALL == 0x3, "service flag names");
_Static_assert(__KUBENF_BE_F_ALL == 0xf, "backend flag names");
_Static_assert(__KUBENF_CFG_F_ALL == 0x7, "config flag names");

/* "a, b, c or none" into @buf. */
static const char *flag_choices(const struct kubenf_flag_name *names,
				char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (; names->name && off < len; names++)
		off += snprintf(buf + off, len - off, "%s, ", names->name);
	if (off >= 2 && off < len)
		snprintf(buf + off - 2, len - off + 2, " or none");
	return buf;
}

int kubenf_flag_parse(const char *name, const struct kubenf_flag_name *names,
		      uint32_t *flags, const char *what,
		      struct kubenf_err *err)
{
	const struct kubenf_flag_name *n;
	char choices[160];

	for (n = names; n->name; n++) {
		if (!strcmp(name, n->name)) {
			*flags |= n->bit;
			return 0;
		}
	}
	return kubenf_errf(err, "invalid %s \"%s\" (expected %s)", what, name,
			   flag_choices(names, choices, sizeof(choices)));
}

int kubenf_flags_parse(const char *list, const struct kubenf_flag_name *names,
		       uint32_t *flags, const char *what,
		       struct kubenf_err *err)
{
	char name[KUBENF_TEXT_MAX];
	const char *p = list;
	uint32_t v = 0;
	size_t len;

	if (!strcmp(list, "none")) {
		*flags = 0;
		return 0;
	}
	for (;;) {
		len = strcspn(p, ",");
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, p, len);
		name[len] = '\0';
		if (kubenf_flag_parse(name, names, &v, what, err))
			return -EINVAL;
		p += strcspn(p, ",");
		if (!*p++)
			break;
	}
	*flags = v;
	return 0;
}

const char *kubenf_flags_str(uint32_t flags,
			     const struct kubenf_flag_name *names, char *buf,
			     size_t len)
{
	const char *sep = "";
	size_t off = 0;
	uint32_t bit;

	if (!flags) {
		snprintf(buf, len, "none");
		return buf;
	}
	buf[0] = '\0';
	for (; names->name; names++) {
		if (!(flags & names->bit))
			continue;
		flags &= ~names->bit;
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%s", sep,
					names->name);
		sep = ",";
	}
	for (bit = 1; flags; bit <<= 1) {
		if (!(flags & bit))
			continue;
		flags &= ~bit;
		if (off < len)
			off += snprintf(buf + off, len - off, "%s0x%x", sep,
					bit);
		sep = ",";
	}
	return buf;
}

static const char *const reasons[] = {
	[KUBENF_REASON_NONE]		= "none",
	[KUBENF_REASON_ALLOWED_RULE]	= "allowed-rule",
	[KUBENF_REASON_NOT_ISOLATED]	= "not-isolated",
	[KUBENF_REASON_FROM_NODE]	= "from-node",
	[KUBENF_REASON_DENY_INGRESS]	= "deny-ingress",
	[KUBENF_REASON_DENY_EGRESS]	= "deny-egress",
	[KUBENF_REASON_NO_ENDPOINT]	= "no-endpoint",
	[KUBENF_REASON_NO_SERVICE_PORT]	= "no-service-port",
	[KUBENF_REASON_SOURCE_RANGE]	= "source-range",
	[KUBENF_REASON_NAT_FAILED]	= "nat-failed",
	[KUBENF_REASON_ICMP_NO_CONN]	= "icmp-no-connection",
	[KUBENF_REASON_UNKNOWN_POD]	= "unknown-pod",
};

_Static_assert(ARRAY_SIZE(reasons) == __KUBENF_REASON_MAX,
	       "a reason without a name");

const char *kubenf_reason_str(unsigned int reason, char *buf)
{
	if (reason < ARRAY_SIZE(reasons))
		return reasons[reason];
	snprintf(buf, KUBENF_TEXT_MAX, "reason-%u", reason);
	return buf;
}
