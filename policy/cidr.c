// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses and CIDR blocks: parsing, formatting, containment, order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static unsigned int family_bits(uint8_t family)
{
	return family == AF_INET ? 32 : 128;
}

int kp_addr_parse(const char *s, struct kp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

static void cidr_mask(struct kp_cidr *c)
{
	unsigned int i, bits = c->prefix;

	for (i = 0; i < sizeof(c->addr.bytes); i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		c->addr.bytes[i] &= (uint8_t)(0xff00 >> bits);
		bits = 0;
	}
}

int kp_cidr_parse(const char *s, struct kp_cidr *c)
{
	char buf[KP_ADDR_STRLEN];
	unsigned int prefix = 0;
	const char *slash, *p;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash)
		return -EINVAL;
	len = slash - s;
	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (kp_addr_parse(buf, &c->addr))
		return -EINVAL;
	for (p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9' || p - slash > 3)
			return -EINVAL;
		prefix = prefix * 10 + (*p - '0');
	}
	if (p == slash + 1 || prefix > family_bits(c->addr.family))
		return -EINVAL;
	c->prefix = prefix;
	cidr_mask(c);
	return 0;
}

void kp_addr_fmt(const struct kp_addr *a, char buf[KP_ADDR_STRLEN])
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->bytes, buf, KP_ADDR_STRLEN))
		snprintf(buf, KP_ADDR_STRLEN, "?");
}

void kp_cidr_fmt(const struct kp_cidr *c, char buf[KP_CIDR_STRLEN])
{
	char a[KP_ADDR_STRLEN];

	kp_addr_fmt(&c->addr, a);
	snprintf(buf, KP_CIDR_STRLEN, "%s/%u", a, c->prefix);
}

bool kp_cidr_contains(const struct kp_cidr *c, const struct kp_addr *a)
{
	unsigned int full = c->prefix / 8, rest = c->prefix % 8;

	if (c->addr.family != a->family)
		return false;
	if (memcmp(c->addr.bytes, a->bytes, full))
		return false;
	return !rest || !((c->addr.bytes[full] ^ a->bytes[full]) &
			  (uint8_t)(0xff00 >> rest));
}

int kp_addr_cmp(const struct kp_addr *a, const struct kp_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

int kp_cidr_cmp(const struct kp_cidr *a, const struct kp_cidr *b)
{
	int r = kp_addr_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	return (a->prefix > b->prefix) - (a->prefix < b->prefix);
}

int kp_cidr_qcmp(const void *a, const void *b)
{
	return kp_cidr_cmp(a, b);
}
