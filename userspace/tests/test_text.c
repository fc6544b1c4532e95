// SPDX-License-Identifier: GPL-2.0
/* text.c: the text forms of model values, both ways. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <linux/kubenf.h>

#include "text.h"
#include "tests.h"

void test_text_numbers(void)
{
	struct kubenf_err err;
	uint32_t v;

	CHECK_INT(kubenf_u32_parse("4294967295", 1, UINT32_MAX, &v, "id",
				   &err), 0);
	CHECK(v == UINT32_MAX);
	CHECK_INT(kubenf_u32_parse("007", 0, 10, &v, "x", &err), 0);
	CHECK_INT(v, 7);
	/* What strtoul() would take: signs, blanks, hex, overflow. */
	CHECK_INT(kubenf_u32_parse("4294967296", 1, UINT32_MAX, &v, "id",
				   &err), -EINVAL);
	CHECK_STR(err.msg, "invalid id \"4294967296\" (expected 1-4294967295)");
	CHECK_INT(kubenf_u32_parse("99999999999999999999999", 0, UINT32_MAX,
				   &v, "id", &err), -EINVAL);
	CHECK_INT(kubenf_u32_parse("-1", 0, UINT32_MAX, &v, "id", &err),
		  -EINVAL);
	CHECK_INT(kubenf_u32_parse(" 1", 0, 9, &v, "id", &err), -EINVAL);
	CHECK_INT(kubenf_u32_parse("+1", 0, 9, &v, "id", &err), -EINVAL);
	CHECK_INT(kubenf_u32_parse("0x1", 0, 9, &v, "id", &err), -EINVAL);
	CHECK_INT(kubenf_u32_parse("", 0, 9, &v, "id", &err), -EINVAL);
	CHECK_INT(kubenf_u32_parse("0", 1, 9, &v, "port", &err), -EINVAL);
	CHECK_STR(err.msg, "invalid port \"0\" (expected 1-9)");
}

void test_text_addresses(void)
{
	char buf[KUBENF_TEXT_MAX], buf2[KUBENF_TEXT_MAX];
	struct kubenf_err err;
	struct kubenf_cidr c;
	struct kubenf_addr a;

	CHECK_INT(kubenf_addr_parse("10.96.0.1", &a, &err), 0);
	CHECK_INT(a.family, AF_INET);
	CHECK_STR(kubenf_addr_str(&a, buf), "10.96.0.1");
	CHECK_INT(kubenf_addr_parse("FD00:0::1", &a, &err), 0);
	CHECK_INT(a.family, AF_INET6);
	CHECK_STR(kubenf_addr_str(&a, buf), "fd00::1");
	CHECK_INT(kubenf_addr_parse("10.96.1", &a, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid address \"10.96.1\" (expected IPv4 or IPv6)");

	CHECK_INT(kubenf_cidr_parse("10.0.0.0/8", &c, &err), 0);
	CHECK_INT(c.prefix, 8);
	CHECK_STR(kubenf_cidr_str(&c, buf), "10.0.0.0/8");
	CHECK_INT(kubenf_cidr_parse("2001:db8::/32", &c, &err), 0);
	CHECK_STR(kubenf_cidr_str(&c, buf), "2001:db8::/32");
	/* An address is a full-length prefix; /0 is everything. */
	CHECK_INT(kubenf_cidr_parse("192.0.2.1", &c, &err), 0);
	CHECK_STR(kubenf_cidr_str(&c, buf), "192.0.2.1/32");
	CHECK_INT(kubenf_cidr_parse("::/0", &c, &err), 0);
	CHECK_STR(kubenf_cidr_str(&c, buf), "::/0");
	CHECK_INT(kubenf_cidr_parse("fd00::1/128", &c, &err), 0);

	/* As the kernel: one block, one spelling. */
	CHECK_INT(kubenf_cidr_parse("10.1.2.3/8", &c, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid CIDR \"10.1.2.3/8\": host bits set (did you mean 10.0.0.0/8?)");
	CHECK_INT(kubenf_cidr_parse("fd00::1/127", &c, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid CIDR \"fd00::1/127\": host bits set (did you mean fd00::/127?)");
	CHECK_INT(kubenf_cidr_parse("10.0.0.0/33", &c, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid CIDR \"10.0.0.0/33\": invalid prefix length \"33\" (expected 0-32)");
	CHECK_INT(kubenf_cidr_parse("10.0.0.0/", &c, &err), -EINVAL);
	CHECK_INT(kubenf_cidr_parse("/8", &c, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid CIDR \"/8\" (expected ADDR/PREFIX)");
	CHECK_INT(kubenf_cidr_parse("fd00::/129", &c, &err), -EINVAL);
	memset(buf2, 'a', sizeof(buf2) - 1);
	buf2[sizeof(buf2) - 1] = '\0';
	CHECK_INT(kubenf_cidr_parse(buf2, &c, &err), -EINVAL);
}

void test_text_endpoints(void)
{
	static const struct {
		const char *in;
		bool wildcard;		/* node port allowed */
		const char *out;	/* NULL: refused */
		const char *msg;
	} cases[] = {
		{ "10.96.0.10:80", false, "10.96.0.10:80", NULL },
		{ "[fd00::1]:443", false, "[fd00::1]:443", NULL },
		{ "[::ffff:10.0.0.1]:1", false, "[::ffff:10.0.0.1]:1", NULL },
		{ "*4:30080", true, "*:30080", NULL },
		{ "*6:65535", true, "*:65535", NULL },
		{ "*4:30080", false, NULL,
		  "invalid endpoint \"*4:30080\": only node ports have no address" },
		{ "*:30080", true, NULL,
		  "invalid endpoint \"*:30080\" (expected *4:PORT or *6:PORT)" },
		{ "fd00::1:80", false, NULL,
		  "invalid endpoint \"fd00::1:80\": an IPv6 address goes in brackets, as in [2001:db8::1]:80" },
		{ "10.96.0.10", false, NULL,
		  "invalid endpoint \"10.96.0.10\" (expected ADDR:PORT or [ADDR6]:PORT)" },
		{ "10.96.0.10:0", false, NULL,
		  "invalid endpoint \"10.96.0.10:0\": invalid port \"0\" (expected 1-65535)" },
		{ "10.96.0.10:65536", false, NULL,
		  "invalid endpoint \"10.96.0.10:65536\": invalid port \"65536\" (expected 1-65535)" },
		{ "10.96.0.10:", false, NULL, NULL },
		{ "[10.96.0.10]:80", false, NULL,
		  "invalid endpoint \"[10.96.0.10]:80\": \"10.96.0.10\" is not an IPv6 address" },
		{ "web:80", false, NULL,
		  "invalid endpoint \"web:80\": \"web\" is not an IPv4 address" },
		{ "[fd00::1]80", false, NULL,
		  "invalid endpoint \"[fd00::1]80\" (expected [ADDR6]:PORT)" },
		{ "[fd00::1:80", false, NULL, NULL },
	};
	char buf[KUBENF_TEXT_MAX];
	struct kubenf_err err;
	struct kubenf_addr a;
	bool wildcard;
	uint16_t port;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		strcpy(err.msg, "(none)");
		ret = kubenf_endpoint_parse(cases[i].in, cases[i].wildcard, &a,
					    &port, &wildcard, &err);
		if (!cases[i].out) {
			CHECK_INT(ret, -EINVAL);
			if (cases[i].msg)
				CHECK_STR(err.msg, cases[i].msg);
			continue;
		}
		CHECK_INT(ret, 0);
		CHECK_STR(kubenf_endpoint_str(&a, port, wildcard, buf),
			  cases[i].out);
	}
	CHECK_INT(kubenf_endpoint_parse("*6:1", true, &a, &port, &wildcard,
					&err), 0);
	CHECK(wildcard && a.family == AF_INET6 && port == 1);
}

void test_text_names(void)
{
	char buf[128];
	struct kubenf_err err;
	uint32_t flags = 0;
	uint8_t v;

	CHECK_INT(kubenf_proto_parse("sctp", &v, &err), 0);
	CHECK_INT(v, IPPROTO_SCTP);
	CHECK_STR(kubenf_proto_str(IPPROTO_UDP, buf), "udp");
	CHECK_STR(kubenf_proto_str(1, buf), "proto-1");
	CHECK_INT(kubenf_proto_parse("TCP", &v, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid protocol \"TCP\" (expected tcp, udp or sctp)");

	CHECK_INT(kubenf_fe_kind_parse("load-balancer", &v, &err), 0);
	CHECK_INT(v, KUBENF_FE_LOAD_BALANCER);
	CHECK_STR(kubenf_fe_kind_str(KUBENF_FE_NODE_PORT, buf), "nodeport");
	CHECK_STR(kubenf_fe_kind_str(9, buf), "kind-9");
	CHECK_INT(kubenf_fe_kind_parse("NodePort", &v, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid frontend kind \"NodePort\" (expected cluster-ip, nodeport, external-ip or load-balancer)");

	CHECK_INT(kubenf_flags_parse("ready,local", kubenf_be_flag_names,
				     &flags, "backend flag", &err), 0);
	CHECK_INT(flags, KUBENF_BE_F_READY | KUBENF_BE_F_LOCAL);
	CHECK_INT(kubenf_flags_parse("none", kubenf_be_flag_names, &flags,
				     "backend flag", &err), 0);
	CHECK_INT(flags, 0);
	flags = 42;
	CHECK_INT(kubenf_flags_parse("ready,,local", kubenf_be_flag_names,
				     &flags, "backend flag", &err), -EINVAL);
	CHECK_STR(err.msg, "invalid backend flag \"\" (expected ready, serving, terminating, local or none)");
	CHECK_INT(flags, 42);	/* unchanged on failure */
	CHECK_INT(kubenf_flags_parse("", kubenf_svc_flag_names, &flags,
				     "service flag", &err), -EINVAL);
	CHECK_INT(kubenf_flags_parse("ready,", kubenf_be_flag_names, &flags,
				     "backend flag", &err), -EINVAL);
	CHECK_INT(kubenf_flags_parse("policy-cut,bogus", kubenf_cfg_flag_names,
				     &flags, "configuration flag", &err),
		  -EINVAL);
	CHECK_STR(err.msg, "invalid configuration flag \"bogus\" (expected nodeport-loopback, policy-cut, masq-external or none)");

	CHECK_STR(kubenf_flags_str(0, kubenf_be_flag_names, buf, sizeof(buf)),
		  "none");
	CHECK_STR(kubenf_flags_str(KUBENF_BE_F_SERVING | KUBENF_BE_F_TERMINATING |
				   0x100, kubenf_be_flag_names, buf,
				   sizeof(buf)),
		  "serving,terminating,0x100");
	CHECK_STR(kubenf_reason_str(KUBENF_REASON_NO_ENDPOINT, buf),
		  "no-endpoint");
	CHECK_STR(kubenf_reason_str(63, buf), "reason-63");
}

void test_text_err_prefix(void)
{
	struct kubenf_err err;
	char long_prefix[300];

	kubenf_errf(&err, "inner %d", 1);
	CHECK_INT(kubenf_err_prefix(&err, "outer %s", "x"), -EINVAL);
	CHECK_STR(err.msg, "outer x: inner 1");
	/* Cut to fit, always terminated. */
	memset(long_prefix, 'p', sizeof(long_prefix) - 1);
	long_prefix[sizeof(long_prefix) - 1] = '\0';
	kubenf_err_prefix(&err, "%s", long_prefix);
	CHECK_INT(strlen(err.msg), sizeof(err.msg) - 1);
}
