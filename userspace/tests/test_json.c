// SPDX-License-Identifier: GPL-2.0
/*
 * The apply file: JSON -> model, its error messages, and the round trip
 * model -> printer (-o json) -> JSON -> model that lets the output of
 * svc show and config show be fed back to apply.
 */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <linux/kubenf.h>

#include "json.h"
#include "model.h"
#include "print.h"
#include "tests.h"

static const char doc_text[] =
	"{\n"
	"  \"config\": {\n"
	"    \"flags\": [\"masq-external\", \"nodeport-loopback\"],\n"
	"    \"node_addresses\": [\"192.0.2.10\", \"2001:db8::10\"],\n"
	"    \"cluster_cidrs\": [\"10.0.0.0/8\", \"fd00::/48\"],\n"
	"    \"node_name\": \"node-1\"\n"
	"  },\n"
	"  \"services\": [\n"
	"    {\n"
	"      \"id\": 9,\n"
	"      \"name\": \"\",\n"
	"      \"frontends\": [{\"kind\": \"external-ip\", \"protocol\": \"udp\",\n"
	"                     \"address\": \"192.0.2.9\", \"port\": 53}],\n"
	"      \"backends\": [{\"address\": \"fd00::9\", \"port\": 53}]\n"
	"    },\n"
	"    {\n"
	"      \"id\": 7,\n"
	"      \"name\": \"default/web/http\",\n"
	"      \"flags\": [\"external-local\"],\n"
	"      \"affinity_timeout\": 10800,\n"
	"      \"connections\": 12,\n"
	"      \"frontends\": [\n"
	"        {\"kind\": \"cluster-ip\", \"protocol\": \"tcp\", \"address\": \"10.96.0.10\", \"port\": 80},\n"
	"        {\"kind\": \"nodeport\", \"protocol\": \"tcp\", \"family\": \"ipv6\", \"port\": 30080},\n"
	"        {\"kind\": \"load-balancer\", \"protocol\": \"sctp\", \"address\": \"203.0.113.9\", \"port\": 65535}\n"
	"      ],\n"
	"      \"backends\": [\n"
	"        {\"address\": \"10.0.0.2\", \"port\": 8080, \"flags\": [\"ready\", \"serving\"], \"connections\": 3},\n"
	"        {\"address\": \"fd00::2\", \"port\": 8080, \"flags\": [\"local\", \"terminating\", \"serving\"]},\n"
	"        {\"address\": \"10.0.0.3\", \"port\": 1, \"flags\": []}\n"
	"      ],\n"
	"      \"source_ranges\": [\"198.51.100.0/24\", \"2001:db8::/32\"]\n"
	"    },\n"
	"    {\"id\": 4294967295}\n"
	"  ]\n"
	"}\n";

static int parse_text(const char *text, struct kubenf_doc *doc,
		      struct kubenf_err *err)
{
	json_error_t jerr;
	json_t *json;
	int ret;

	memset(doc, 0, sizeof(*doc));
	strcpy(err->msg, "(none)");
	/* Also what a file cannot have: for the checks of json.c itself. */
	json = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
			  JSON_ALLOW_NUL, &jerr);
	CHECK(json);
	if (!json) {
		printf("#   %s: %s\n", text, jerr.text);
		return -EINVAL;
	}
	ret = kubenf_json_doc(json, doc, err);
	json_decref(json);
	return ret;
}

void test_json_doc(void)
{
	const struct kubenf_service *s;
	struct kubenf_err err;
	struct kubenf_doc doc;

	CHECK_INT(parse_text(doc_text, &doc, &err), 0);
	CHECK_STR(err.msg, "(none)");
	CHECK(doc.has_config);
	CHECK_INT(doc.config.has, KUBENF_CFG_HAS_FLAGS |
				  KUBENF_CFG_HAS_NODE_NAME);
	CHECK_INT(doc.config.flags, KUBENF_CFG_F_NODEPORT_LOOPBACK |
				    KUBENF_CFG_F_MASQ_EXTERNAL);
	CHECK_INT(doc.config.n_node_addrs, 2);
	CHECK_INT(doc.config.node_addrs[1].prefix, 128);
	CHECK_INT(doc.config.n_cluster_cidrs, 2);
	CHECK_STR(doc.config.node_name, "node-1");

	/* Sorted by id. */
	CHECK_INT(doc.services.n, 3);
	if (doc.services.n != 3)
		goto cleanup;
	s = &doc.services.svc[0];
	CHECK_INT(s->id, 7);
	CHECK_INT(s->has, KUBENF_SVC_HAS_NAME | KUBENF_SVC_HAS_FLAGS |
			  KUBENF_SVC_HAS_AFFINITY);	/* no counters */
	CHECK_INT(s->flags, KUBENF_SVC_F_EXTERNAL_LOCAL);
	CHECK_INT(s->affinity_timeout, 10800);
	CHECK_INT(s->n_fe, 3);
	CHECK_INT(s->fe[1].kind, KUBENF_FE_NODE_PORT);
	CHECK_INT(s->fe[1].addr.family, AF_INET6);
	CHECK_INT(s->fe[2].proto, IPPROTO_SCTP);
	CHECK_INT(s->n_be, 3);
	CHECK_INT(s->be[0].has, KUBENF_BE_HAS_FLAGS);
	CHECK_INT(s->be[1].flags, KUBENF_BE_F_SERVING |
				  KUBENF_BE_F_TERMINATING | KUBENF_BE_F_LOCAL);
	CHECK_INT(s->be[2].flags, 0);
	CHECK_INT(s->n_ranges, 2);
	s = &doc.services.svc[1];
	CHECK_INT(s->id, 9);
	CHECK_INT(s->has, KUBENF_SVC_HAS_NAME);
	CHECK_STR(s->name, "");
	/* A backend without flags is ready and serving, as on the CLI. */
	CHECK_INT(s->be[0].flags, KUBENF_BE_F_READY | KUBENF_BE_F_SERVING);
	s = &doc.services.svc[2];
	CHECK(s->id == 4294967295U && !s->has && !s->n_fe && !s->n_be);
cleanup:
	kubenf_doc_release(&doc);

	/* Empty documents, and a bare list. */
	CHECK_INT(parse_text("{}", &doc, &err), 0);
	CHECK(!doc.has_config && !doc.services.n);
	kubenf_doc_release(&doc);
	CHECK_INT(parse_text("[{\"id\": 3}, {\"id\": 1}]", &doc, &err), 0);
	CHECK(!doc.has_config && doc.services.n == 2);
	CHECK(doc.services.n == 2 && doc.services.svc[0].id == 1);
	kubenf_doc_release(&doc);
	CHECK_INT(parse_text("{\"config\": {}}", &doc, &err), 0);
	CHECK(doc.has_config && !doc.config.has);
	kubenf_doc_release(&doc);
}

#define SVC(x)		"{\"services\": [{\"id\": 1, " x "}]}"
#define FE(x)		SVC("\"frontends\": [" x "]")

void test_json_errors(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "42",
		  "expected an object with \"config\" and \"services\", or a list of services, not an integer" },
		{ "{\"service\": []}", "document: unknown key \"service\"" },
		{ "{\"services\": {}}",
		  "services: expected a list, not an object" },
		{ "[{\"name\": \"x\"}]", "services[0].id: missing" },
		{ "[{\"id\": 0}]",
		  "services[0].id: expected an integer 1-4294967295" },
		{ "[{\"id\": \"1\"}]",
		  "services[0].id: expected an integer 1-4294967295" },
		{ "[{\"id\": 1.0}]",
		  "services[0].id: expected an integer 1-4294967295" },
		{ "[{\"id\": 4294967296}]",
		  "services[0].id: expected an integer 1-4294967295" },
		{ "[{\"id\": 5}, {\"id\": 6}, {\"id\": 5}]",
		  "services: id 5 appears twice" },
		{ "[{\"id\": 1}, 2]",
		  "services[1]: expected an object, not an integer" },
		{ SVC("\"protocol\": \"tcp\""),
		  "services[0]: unknown key \"protocol\"" },
		{ SVC("\"name\": 7"),
		  "services[0].name: expected a string, not an integer" },
		{ SVC("\"name\": \"a\\u0000b\""),
		  "services[0].name: NUL character in the string" },
		{ SVC("\"flags\": \"internal-local\""),
		  "services[0].flags: expected a list, not a string" },
		{ SVC("\"flags\": [\"internal-local\", \"Local\"]"),
		  "services[0].flags[1]: invalid service flag \"Local\" (expected internal-local, external-local or none)" },
		{ SVC("\"affinity_timeout\": -1"),
		  "services[0].affinity_timeout: expected an integer 0-4294967295" },
		{ SVC("\"frontends\": {}"),
		  "services[0].frontends: expected a list" },
		{ FE("1"),
		  "services[0].frontends[0]: expected an object, not an integer" },
		{ FE("{\"kind\": \"nodeport\", \"protocol\": \"tcp\", \"address\": \"10.0.0.1\", \"port\": 80}"),
		  "services[0].frontends[0].address: a nodeport frontend has no address (give \"family\")" },
		{ FE("{\"kind\": \"nodeport\", \"protocol\": \"tcp\", \"port\": 80}"),
		  "services[0].frontends[0].family: missing (\"ipv4\" or \"ipv6\" for a nodeport frontend)" },
		{ FE("{\"kind\": \"nodeport\", \"protocol\": \"tcp\", \"family\": \"inet\", \"port\": 80}"),
		  "services[0].frontends[0].family: invalid family \"inet\" (expected ipv4 or ipv6)" },
		{ FE("{\"kind\": \"cluster-ip\", \"protocol\": \"tcp\", \"family\": \"ipv4\", \"port\": 80}"),
		  "services[0].frontends[0].family: only nodeport frontends have a family (others have \"address\")" },
		{ FE("{\"kind\": \"cluster-ip\", \"protocol\": \"tcp\", \"port\": 80}"),
		  "services[0].frontends[0].address: missing" },
		{ FE("{\"kind\": \"cluster-ip\", \"protocol\": \"tcp\", \"address\": \"10.0.0.256\", \"port\": 80}"),
		  "services[0].frontends[0].address: invalid address \"10.0.0.256\" (expected IPv4 or IPv6)" },
		{ FE("{\"kind\": \"ClusterIP\", \"protocol\": \"tcp\", \"address\": \"10.0.0.1\", \"port\": 80}"),
		  "services[0].frontends[0].kind: invalid frontend kind \"ClusterIP\" (expected cluster-ip, nodeport, external-ip or load-balancer)" },
		{ FE("{\"kind\": \"cluster-ip\", \"protocol\": \"TCP\", \"address\": \"10.0.0.1\", \"port\": 80}"),
		  "services[0].frontends[0].protocol: invalid protocol \"TCP\" (expected tcp, udp or sctp)" },
		{ FE("{\"kind\": \"cluster-ip\", \"protocol\": \"tcp\", \"address\": \"10.0.0.1\", \"port\": 0}"),
		  "services[0].frontends[0].port: expected an integer 1-65535" },
		{ FE("{\"kind\": \"cluster-ip\", \"protocol\": \"tcp\", \"address\": \"10.0.0.1\"}"),
		  "services[0].frontends[0].port: missing" },
		{ FE("{\"kind\": \"cluster-ip\", \"protocol\": \"tcp\", \"address\": \"10.0.0.1\", \"port\": 80, \"connections\": 1}"),
		  "services[0].frontends[0]: unknown key \"connections\"" },
		{ SVC("\"backends\": [{\"address\": \"10.0.0.1\", \"port\": 80, \"flags\": [\"ready\", \"up\"]}]"),
		  "services[0].backends[0].flags[1]: invalid backend flag \"up\" (expected ready, serving, terminating, local or none)" },
		{ SVC("\"backends\": [{\"address\": \"10.0.0.1\", \"port\": 80, \"flags\": [1]}]"),
		  "services[0].backends[0].flags[0]: expected a string, not an integer" },
		{ SVC("\"backends\": [{\"port\": 80}]"),
		  "services[0].backends[0].address: missing" },
		{ SVC("\"backends\": [{\"address\": \"[fd00::1]\", \"port\": 80}]"),
		  "services[0].backends[0].address: invalid address \"[fd00::1]\" (expected IPv4 or IPv6)" },
		{ SVC("\"source_ranges\": [\"10.0.0.1/8\"]"),
		  "services[0].source_ranges[0]: invalid CIDR \"10.0.0.1/8\": host bits set (did you mean 10.0.0.0/8?)" },
		{ SVC("\"source_ranges\": [null]"),
		  "services[0].source_ranges[0]: expected a string, not null" },
		{ "{\"config\": []}", "config: expected an object, not a list" },
		{ "{\"config\": {\"flags\": \"policy-cut\"}}",
		  "config.flags: expected a list, not a string" },
		{ "{\"config\": {\"node_addresses\": [\"10.0.0.0/8\"]}}",
		  "config.node_addresses[0]: \"10.0.0.0/8\" is a prefix; expected an address" },
		{ "{\"config\": {\"cluster_cidrs\": [\"10.0.0.0/40\"]}}",
		  "config.cluster_cidrs[0]: invalid CIDR \"10.0.0.0/40\": invalid prefix length \"40\" (expected 0-32)" },
		{ "{\"config\": {\"nodename\": \"x\"}}",
		  "config: unknown key \"nodename\"" },
	};
	struct kubenf_err err;
	struct kubenf_doc doc;
	char *name;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_INT(parse_text(cases[i].text, &doc, &err), -EINVAL);
		CHECK_STR(err.msg, cases[i].msg);
		kubenf_doc_release(&doc);
	}

	/* Names as long as the kernel takes, and one more. */
	name = malloc(KUBENF_NAME_MAX + 64);
	CHECK(name);
	if (!name)
		return;
	for (i = 0; i < 2; i++) {
		char *p = name + sprintf(name, "[{\"id\": 1, \"name\": \"");

		memset(p, 'n', KUBENF_NAME_MAX - 1 + i);
		strcpy(p + KUBENF_NAME_MAX - 1 + i, "\"}]");
		CHECK_INT(parse_text(name, &doc, &err), i ? -EINVAL : 0);
		if (i)
			CHECK_STR(err.msg, "services[0].name: longer than 255 bytes");
		kubenf_doc_release(&doc);
	}
	free(name);
}

/* Write @text to a file and load it: file names and line numbers. */
void test_json_load(void)
{
	char path[] = "/tmp/kubenf-test-XXXXXX";
	struct kubenf_err err;
	struct kubenf_doc doc = { 0 };
	char want[128];
	FILE *f;
	int fd;

	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	CHECK(f);
	if (!f)
		return;
	fputs(doc_text, f);
	fclose(f);
	CHECK_INT(kubenf_json_doc_load(path, &doc, &err), 0);
	CHECK_INT(doc.services.n, 3);
	kubenf_doc_release(&doc);

	f = fopen(path, "w");
	fputs("{\"services\": [],\n \"services\": []}\n", f);
	fclose(f);
	CHECK_INT(kubenf_json_doc_load(path, &doc, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:2:11: duplicate object key near '\"services\"'",
		 path);
	CHECK_STR(err.msg, want);
	kubenf_doc_release(&doc);

	/* Files: no NUL in strings, no bare values. */
	f = fopen(path, "w");
	fputs("[{\"id\": 1, \"name\": \"a\\u0000b\"}]", f);
	fclose(f);
	CHECK_INT(kubenf_json_doc_load(path, &doc, &err), -EINVAL);
	CHECK(strstr(err.msg, ":1:"));
	kubenf_doc_release(&doc);
	f = fopen(path, "w");
	fputs("42", f);
	fclose(f);
	CHECK_INT(kubenf_json_doc_load(path, &doc, &err), -EINVAL);
	kubenf_doc_release(&doc);

	f = fopen(path, "w");
	fputs("{\"services\": [\n", f);
	fclose(f);
	CHECK_INT(kubenf_json_doc_load(path, &doc, &err), -EINVAL);
	CHECK(!strncmp(err.msg, path, strlen(path)));
	kubenf_doc_release(&doc);

	unlink(path);
	CHECK_INT(kubenf_json_doc_load(path, &doc, &err), -EINVAL);
	snprintf(want, sizeof(want), "unable to open %s: No such file or directory",
		 path);
	CHECK_STR(err.msg, want);
	kubenf_doc_release(&doc);
}

static int print_svcs(struct kubenfctl_out *out, const void *list)
{
	return kubenfctl_print_services(out, list);
}

static int print_cfg(struct kubenfctl_out *out, const void *cfg)
{
	return kubenfctl_print_config(out, cfg);
}

/* What kubenfctl -o json prints for @obj; the caller frees it. */
static char *to_json(int (*print)(struct kubenfctl_out *, const void *),
		     const void *obj)
{
	struct kubenfctl_out *out;
	char *text = NULL;
	size_t size;
	FILE *f;

	CHECK_INT(kubenfctl_out_new(&out, KUBENFCTL_FMT_JSON), 0);
	f = open_memstream(&text, &size);
	CHECK(f);
	if (f) {
		CHECK_INT(print(out, obj), 0);
		CHECK_INT(kubenfctl_out_flush(out, f), 0);
		fclose(f);
	}
	kubenfctl_out_free(out);
	return text;
}

/* {"config": config show, "services": svc show}, with -o json. */
static char *doc_to_json(const struct kubenf_doc *doc)
{
	char *cfg, *svcs, *text = NULL;

	cfg = to_json(print_cfg, &doc->config);
	svcs = to_json(print_svcs, &doc->services);
	if (cfg && svcs)
		CHECK(asprintf(&text, "{\"config\": %s, \"services\": %s}",
			       cfg, svcs) > 0);
	free(cfg);
	free(svcs);
	return text;
}

static void check_docs_equal(const struct kubenf_doc *a,
			     const struct kubenf_doc *b)
{
	size_t i;

	CHECK(kubenf_config_equal(&a->config, &b->config));
	CHECK_INT(a->services.n, b->services.n);
	for (i = 0; i < a->services.n && i < b->services.n; i++)
		CHECK(kubenf_svc_equal(&a->services.svc[i],
				       &b->services.svc[i]));
}

void test_json_roundtrip(void)
{
	struct kubenf_doc a, b;
	struct kubenf_err err;
	char *text, *again;

	/* File -> model -> output -> model: the same, and the same text. */
	CHECK_INT(parse_text(doc_text, &a, &err), 0);
	text = doc_to_json(&a);
	CHECK(text);
	if (!text)
		goto cleanup_a;
	CHECK_INT(parse_text(text, &b, &err), 0);
	CHECK_STR(err.msg, "(none)");
	/* Everything the file set, the output has; nothing more. */
	check_docs_equal(&a, &b);
	again = doc_to_json(&b);
	CHECK_STR(again, text);
	free(again);
	free(text);
	kubenf_doc_release(&b);
cleanup_a:
	kubenf_doc_release(&a);
}

/* svc show -o json of what a dump decoded, counters and all, applies. */
void test_json_feed_back(void)
{
	struct kubenf_svc_list list = { 0 };
	struct kubenf_service *svc;
	struct kubenf_err err;
	struct kubenf_doc doc;
	char *text;

	svc = kubenf_svc_list_add(&list);
	CHECK(svc);
	if (!svc)
		return;
	test_sample_service(svc);
	svc->has |= KUBENF_SVC_HAS_CONNS;
	svc->conns = 17;
	svc->be[0].has |= KUBENF_BE_HAS_CONNS;
	svc->be[0].conns = 17;

	text = to_json(print_svcs, &list);
	CHECK(text && strstr(text, "\"connections\": 17"));
	if (text) {
		CHECK_INT(parse_text(text, &doc, &err), 0);
		CHECK_STR(err.msg, "(none)");
		/* All but the counters, which are output only. */
		svc->has &= ~(KUBENF_SVC_HAS_CONNS);
		svc->be[0].has &= ~KUBENF_BE_HAS_CONNS;
		CHECK_INT(doc.services.n, 1);
		CHECK(doc.services.n == 1 &&
		      kubenf_svc_equal(svc, &doc.services.svc[0]));
		kubenf_doc_release(&doc);
	}
	free(text);
	kubenf_svc_list_release(&list);
}
