// SPDX-License-Identifier: GPL-2.0
/* svc show, config show and stats printers against expected text. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "model.h"
#include "print.h"
#include "tests.h"

/* Print @obj in @fmt; returns the text (caller frees). */
static char *print(int (*fn)(struct kubenfctl_out *, const void *),
		   const void *obj, enum kubenfctl_fmt fmt)
{
	struct kubenfctl_out *out;
	char *text = NULL;
	size_t size;
	FILE *f;

	CHECK_INT(kubenfctl_out_new(&out, fmt), 0);
	f = open_memstream(&text, &size);
	CHECK(f);
	if (f) {
		CHECK_INT(fn(out, obj), 0);
		CHECK_INT(kubenfctl_out_flush(out, f), 0);
		fclose(f);
	}
	kubenfctl_out_free(out);
	return text;
}

static int print_svcs(struct kubenfctl_out *out, const void *list)
{
	return kubenfctl_print_services(out, list);
}

static int print_cfg(struct kubenfctl_out *out, const void *cfg)
{
	return kubenfctl_print_config(out, cfg);
}

static int print_stats(struct kubenfctl_out *out, const void *stats)
{
	return kubenfctl_print_stats(out, stats);
}

/* The sample service as a dump reports it, and a bare one. */
static void sample_list(struct kubenf_svc_list *list)
{
	struct kubenf_service *svc;

	memset(list, 0, sizeof(*list));
	svc = kubenf_svc_list_add(list);
	CHECK(svc);
	if (!svc)
		return;
	test_sample_service(svc);
	svc->has |= KUBENF_SVC_HAS_CONNS;
	svc->conns = 5;
	svc->be[0].has |= KUBENF_BE_HAS_CONNS;
	svc->be[0].conns = 4;
	svc->be[1].has |= KUBENF_BE_HAS_CONNS;
	svc->be[1].conns = 1;
	svc = kubenf_svc_list_add(list);
	CHECK(svc);
	if (!svc)
		return;
	svc->id = 8;
	CHECK_INT(kubenf_svc_set_name(svc, ""), 0);
	svc->has |= KUBENF_SVC_HAS_FLAGS | KUBENF_SVC_HAS_AFFINITY;
	/* What a newer module may send: unknown kind, protocol, flag. */
	svc->flags = 0x10;
	CHECK(kubenf_svc_add_fe(svc));
	svc->fe[0].kind = 7;
	svc->fe[0].proto = 33;
	svc->fe[0].port = 1;
	svc->fe[0].addr.family = AF_INET;
}

void test_print_svc_table(void)
{
	struct kubenf_svc_list list;
	char *text;

	sample_list(&list);
	text = print(print_svcs, &list, KUBENFCTL_FMT_TABLE);
	CHECK_STR(text,
		  "id        7\n"
		  "name      default/web/http\n"
		  "flags     external-local\n"
		  "affinity  client-ip 10800s\n"
		  "conns     5\n"
		  "frontend  cluster-ip tcp 10.96.0.10:80\n"
		  "frontend  cluster-ip tcp [fd00:96::10]:80\n"
		  "frontend  nodeport tcp *:30080 (ipv4)\n"
		  "frontend  nodeport tcp *:30080 (ipv6)\n"
		  "frontend  external-ip udp 192.0.2.7:53\n"
		  "frontend  load-balancer sctp 203.0.113.9:65535\n"
		  "range     198.51.100.0/24\n"
		  "range     2001:db8::/32\n"
		  "backend   10.0.0.2:8080 ready,serving conns 4\n"
		  "backend   [fd00::2]:8080 serving,terminating,local conns 1\n"
		  "backend   10.0.0.3:1 none\n"
		  "\n"
		  "id        8\n"
		  "name      -\n"
		  "flags     0x10\n"
		  "affinity  none\n"
		  "frontend  kind-7 proto-33 0.0.0.0:1\n");
	free(text);
	kubenf_svc_list_release(&list);

	/* No service: no output. */
	text = print(print_svcs, &list, KUBENFCTL_FMT_TABLE);
	CHECK_STR(text, "");
	free(text);
}

void test_print_svc_json(void)
{
	struct kubenf_svc_list list;
	char *text;

	sample_list(&list);
	/* One service is enough to see every key: drop the second. */
	kubenf_svc_release(&list.svc[1]);
	list.n = 1;
	text = print(print_svcs, &list, KUBENFCTL_FMT_JSON);
	CHECK_STR(text,
		  "[\n"
		  "  {\n"
		  "    \"id\": 7,\n"
		  "    \"name\": \"default/web/http\",\n"
		  "    \"flags\": [\n"
		  "      \"external-local\"\n"
		  "    ],\n"
		  "    \"affinity_timeout\": 10800,\n"
		  "    \"connections\": 5,\n"
		  "    \"frontends\": [\n"
		  "      {\n"
		  "        \"kind\": \"cluster-ip\",\n"
		  "        \"protocol\": \"tcp\",\n"
		  "        \"address\": \"10.96.0.10\",\n"
		  "        \"port\": 80\n"
		  "      },\n"
		  "      {\n"
		  "        \"kind\": \"cluster-ip\",\n"
		  "        \"protocol\": \"tcp\",\n"
		  "        \"address\": \"fd00:96::10\",\n"
		  "        \"port\": 80\n"
		  "      },\n"
		  "      {\n"
		  "        \"kind\": \"nodeport\",\n"
		  "        \"protocol\": \"tcp\",\n"
		  "        \"family\": \"ipv4\",\n"
		  "        \"port\": 30080\n"
		  "      },\n"
		  "      {\n"
		  "        \"kind\": \"nodeport\",\n"
		  "        \"protocol\": \"tcp\",\n"
		  "        \"family\": \"ipv6\",\n"
		  "        \"port\": 30080\n"
		  "      },\n"
		  "      {\n"
		  "        \"kind\": \"external-ip\",\n"
		  "        \"protocol\": \"udp\",\n"
		  "        \"address\": \"192.0.2.7\",\n"
		  "        \"port\": 53\n"
		  "      },\n"
		  "      {\n"
		  "        \"kind\": \"load-balancer\",\n"
		  "        \"protocol\": \"sctp\",\n"
		  "        \"address\": \"203.0.113.9\",\n"
		  "        \"port\": 65535\n"
		  "      }\n"
		  "    ],\n"
		  "    \"source_ranges\": [\n"
		  "      \"198.51.100.0/24\",\n"
		  "      \"2001:db8::/32\"\n"
		  "    ],\n"
		  "    \"backends\": [\n"
		  "      {\n"
		  "        \"address\": \"10.0.0.2\",\n"
		  "        \"port\": 8080,\n"
		  "        \"flags\": [\n"
		  "          \"ready\",\n"
		  "          \"serving\"\n"
		  "        ],\n"
		  "        \"connections\": 4\n"
		  "      },\n"
		  "      {\n"
		  "        \"address\": \"fd00::2\",\n"
		  "        \"port\": 8080,\n"
		  "        \"flags\": [\n"
		  "          \"serving\",\n"
		  "          \"terminating\",\n"
		  "          \"local\"\n"
		  "        ],\n"
		  "        \"connections\": 1\n"
		  "      },\n"
		  "      {\n"
		  "        \"address\": \"10.0.0.3\",\n"
		  "        \"port\": 1,\n"
		  "        \"flags\": []\n"
		  "      }\n"
		  "    ]\n"
		  "  }\n"
		  "]\n");
	free(text);
	kubenf_svc_list_release(&list);

	text = print(print_svcs, &list, KUBENFCTL_FMT_JSON);
	CHECK_STR(text, "[]\n");
	free(text);
}

static void add_cidr(struct kubenf_cidr *c, const char *a, uint8_t prefix)
{
	CHECK(c);
	if (!c)
		return;
	c->addr.family = strchr(a, ':') ? AF_INET6 : AF_INET;
	CHECK(inet_pton(c->addr.family, a, c->addr.bytes) == 1);
	c->prefix = prefix;
}

void test_print_config(void)
{
	struct kubenf_config cfg = { 0 };
	char *text;

	/* The defaults, as an empty CONFIG nest reports them. */
	text = print(print_cfg, &cfg, KUBENFCTL_FMT_TABLE);
	CHECK_STR(text,
		  "flags         none\n"
		  "node-addr     (every local address)\n"
		  "cluster-cidr  (none)\n"
		  "pod-cidr      (none)\n");
	free(text);
	text = print(print_cfg, &cfg, KUBENFCTL_FMT_JSON);
	CHECK_STR(text,
		  "{\n"
		  "  \"flags\": [],\n"
		  "  \"node_addresses\": [],\n"
		  "  \"cluster_cidrs\": [],\n"
		  "  \"pod_cidrs\": []\n"
		  "}\n");
	free(text);

	cfg.has = KUBENF_CFG_HAS_FLAGS | KUBENF_CFG_HAS_NODE_NAME;
	cfg.flags = KUBENF_CFG_F_NODEPORT_LOOPBACK | KUBENF_CFG_F_POLICY_CUT;
	strcpy(cfg.node_name, "node-1");
	add_cidr(kubenf_config_add_node_addr(&cfg), "192.0.2.10", 32);
	add_cidr(kubenf_config_add_node_addr(&cfg), "2001:db8::10", 128);
	add_cidr(kubenf_config_add_cluster_cidr(&cfg), "10.0.0.0", 8);
	add_cidr(kubenf_config_add_pod_cidr(&cfg), "10.0.1.0", 24);
	text = print(print_cfg, &cfg, KUBENFCTL_FMT_TABLE);
	CHECK_STR(text,
		  "flags         nodeport-loopback,policy-cut\n"
		  "node-addr     192.0.2.10\n"
		  "node-addr     2001:db8::10\n"
		  "cluster-cidr  10.0.0.0/8\n"
		  "pod-cidr      10.0.1.0/24\n"
		  "node-name     node-1\n");
	free(text);
	text = print(print_cfg, &cfg, KUBENFCTL_FMT_JSON);
	CHECK_STR(text,
		  "{\n"
		  "  \"flags\": [\n"
		  "    \"nodeport-loopback\",\n"
		  "    \"policy-cut\"\n"
		  "  ],\n"
		  "  \"node_addresses\": [\n"
		  "    \"192.0.2.10\",\n"
		  "    \"2001:db8::10\"\n"
		  "  ],\n"
		  "  \"cluster_cidrs\": [\n"
		  "    \"10.0.0.0/8\"\n"
		  "  ],\n"
		  "  \"pod_cidrs\": [\n"
		  "    \"10.0.1.0/24\"\n"
		  "  ],\n"
		  "  \"node_name\": \"node-1\"\n"
		  "}\n");
	free(text);
	kubenf_config_release(&cfg);
}

void test_print_stats(void)
{
	struct kubenf_stats stats = {
		.has = KUBENF_STATS_HAS_DROPS,
		.drops_has = (1ULL << KUBENF_REASON_DENY_INGRESS) |
			     (1ULL << KUBENF_REASON_NO_ENDPOINT) |
			     (1ULL << KUBENF_REASON_NO_SERVICE_PORT) |
			     (1ULL << 40),
		.drops = {
			[KUBENF_REASON_DENY_INGRESS] = 3,
			[KUBENF_REASON_NO_ENDPOINT] = 12,
			[40] = 1,
		},
	};
	char *text;

	text = print(print_stats, &stats, KUBENFCTL_FMT_TABLE);
	CHECK_STR(text,
		  "deny-ingress     3\n"
		  "no-endpoint      12\n"
		  "no-service-port  0\n"
		  "reason-40        1\n");
	free(text);
	stats.has |= KUBENF_STATS_HAS_EVENTS_SUPPRESSED;
	stats.events_suppressed = 2;
	text = print(print_stats, &stats, KUBENFCTL_FMT_JSON);
	CHECK_STR(text,
		  "{\n"
		  "  \"drops\": {\n"
		  "    \"deny-ingress\": 3,\n"
		  "    \"no-endpoint\": 12,\n"
		  "    \"no-service-port\": 0,\n"
		  "    \"reason-40\": 1\n"
		  "  },\n"
		  "  \"events_suppressed\": 2\n"
		  "}\n");
	free(text);
}

/* Lists and the table-only/JSON-only values of the printer itself. */
void test_print_lists(void)
{
	struct kubenfctl_out *out;

	/* A named value in a list, an unnamed object in an object. */
	CHECK_INT(kubenfctl_out_new(&out, KUBENFCTL_FMT_JSON), 0);
	kubenfctl_out_begin_list(out, NULL);
	kubenfctl_out_u64(out, "a", "a", 1);
	CHECK_INT(kubenfctl_out_error(out), -EINVAL);
	kubenfctl_out_free(out);

	CHECK_INT(kubenfctl_out_new(&out, KUBENFCTL_FMT_TABLE), 0);
	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_begin_list(out, NULL);
	CHECK_INT(kubenfctl_out_error(out), -EINVAL);
	kubenfctl_out_free(out);

	/* Two top levels. */
	CHECK_INT(kubenfctl_out_new(&out, KUBENFCTL_FMT_TABLE), 0);
	kubenfctl_out_begin_list(out, NULL);
	kubenfctl_out_end(out);
	kubenfctl_out_begin(out, NULL);
	CHECK_INT(kubenfctl_out_error(out), -EINVAL);
	kubenfctl_out_free(out);
}
