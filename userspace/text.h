/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text forms of model values, shared by the command line, the JSON
 * files and the printers, so that what kubenfctl prints it also reads:
 *
 *   address     192.0.2.1, 2001:db8::1
 *   cidr        10.0.0.0/8, fd00::/64; an address alone is a full prefix
 *   endpoint    192.0.2.1:80, [2001:db8::1]:80; for node ports *4:30080
 *               and *6:30080 on input, printed *:30080
 *   protocol    tcp, udp, sctp
 *   kind        cluster-ip, nodeport, external-ip, load-balancer
 *   flags       comma-separated names, "none" for no flag
 *
 * Parsers return 0, or -EINVAL with a one-line explanation in *err, which
 * quotes the input and says what was expected.
 */
#ifndef _KUBENF_TEXT_H
#define _KUBENF_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Why a parser refused its input; one line, no trailing newline. */
struct kubenf_err {
	char msg[256];
};

/* Format into err->msg; returns -EINVAL, for "return kubenf_errf(...)". */
int kubenf_errf(struct kubenf_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Put "@prefix: " before the message already in @err; returns -EINVAL. */
int kubenf_err_prefix(struct kubenf_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Big enough for every formatted value below (an IPv6 CIDR, an endpoint). */
#define KUBENF_TEXT_MAX		64
/* Big enough for an address (INET6_ADDRSTRLEN). */
#define KUBENF_ADDR_MAX		48

/* A decimal number in [@min, @max], nothing else. @what names it. */
int kubenf_u32_parse(const char *s, uint32_t min, uint32_t max,
		     uint32_t *out, const char *what, struct kubenf_err *err);

int kubenf_addr_parse(const char *s, struct kubenf_addr *addr,
		      struct kubenf_err *err);
/* Returns @buf, of at least KUBENF_ADDR_MAX bytes. */
const char *kubenf_addr_str(const struct kubenf_addr *addr, char *buf);

/* Host bits beyond the prefix are refused, as the kernel does. */
int kubenf_cidr_parse(const char *s, struct kubenf_cidr *cidr,
		      struct kubenf_err *err);
const char *kubenf_cidr_str(const struct kubenf_cidr *cidr, char *buf);

/*
 * ADDR:PORT, [ADDR6]:PORT, or with @wildcard also *4:PORT and *6:PORT (the
 * address then has the family only and *@is_wildcard is set).
 */
int kubenf_endpoint_parse(const char *s, bool wildcard,
			  struct kubenf_addr *addr, uint16_t *port,
			  bool *is_wildcard, struct kubenf_err *err);
/* ADDR:PORT or [ADDR6]:PORT, or *:PORT for an address without bytes. */
const char *kubenf_endpoint_str(const struct kubenf_addr *addr, uint16_t port,
				bool wildcard, char *buf);

int kubenf_proto_parse(const char *s, uint8_t *proto, struct kubenf_err *err);
/* "tcp", or "proto-N" in @buf for a protocol kubenf does not know. */
const char *kubenf_proto_str(uint8_t proto, char *buf);

int kubenf_fe_kind_parse(const char *s, uint8_t *kind,
			 struct kubenf_err *err);
const char *kubenf_fe_kind_str(uint8_t kind, char *buf);

/* "ipv4"/"ipv6" <-> AF_INET/AF_INET6, for node port frontends. */
int kubenf_family_parse(const char *s, uint8_t *family,
			struct kubenf_err *err);
const char *kubenf_family_str(uint8_t family);

/* The names of the bits of one flag word, ending with { 0, NULL }. */
struct kubenf_flag_name {
	uint32_t bit;
	const char *name;
};

extern const struct kubenf_flag_name kubenf_svc_flag_names[];
extern const struct kubenf_flag_name kubenf_be_flag_names[];
extern const struct kubenf_flag_name kubenf_cfg_flag_names[];

/* The name of one flag @name, ORed into *@flags. */
int kubenf_flag_parse(const char *name, const struct kubenf_flag_name *names,
		      uint32_t *flags, const char *what,
		      struct kubenf_err *err);
/* A comma-separated list of names, or "none". @what: "backend flag". */
int kubenf_flags_parse(const char *list, const struct kubenf_flag_name *names,
		       uint32_t *flags, const char *what,
		       struct kubenf_err *err);
/*
 * Names of the bits of @flags joined by commas ("none" for 0); a bit
 * without a name as 0x<bit>. Returns @buf; truncates at @len.
 */
const char *kubenf_flags_str(uint32_t flags,
			     const struct kubenf_flag_name *names, char *buf,
			     size_t len);

/* Names of reasons (enum kubenf_reason), "reason-N" when unknown. */
const char *kubenf_reason_str(unsigned int reason, char *buf);

#endif /* _KUBENF_TEXT_H */
