// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf-agent's object sources that need no network: YAML -> JSON
 * (source_yaml.c) and files and directories (source_file.c), checked on
 * the compiled rule set of the policy/examples cluster.
 */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agent.h"
#include "kubenf_policy.h"
#include "tests.h"

/* The repository: $KUBENF_SRC (make check sets it) or the parent dir. */
const char *test_src_dir(void)
{
	const char *src = getenv("KUBENF_SRC");

	return src && *src ? src : "..";
}

/* Parse @yaml; the JSON text of its documents array, or NULL + @why. */
static char *yaml_json(const char *yaml, char *why, size_t len)
{
	json_t *docs;
	char *text;

	if (agent_yaml_parse(yaml, strlen(yaml), &docs, why, len))
		return NULL;
	text = json_dumps(docs, JSON_COMPACT | JSON_SORT_KEYS |
			  JSON_ENCODE_ANY);
	json_decref(docs);
	return text;
}

static void check_yaml(const char *yaml, const char *want, int line)
{
	char why[256] = "", *got;

	got = yaml_json(yaml, why, sizeof(why));
	if (!got || strcmp(got, want)) {
		tap_failures++;
		printf("#   line %d: yaml %s\n#     got  %s %s\n#     want %s\n",
		       line, yaml, got ?: "(error)", why, want);
	}
	free(got);
}

static void check_yaml_error(const char *yaml, const char *want, int line)
{
	char why[256] = "", *got;

	got = yaml_json(yaml, why, sizeof(why));
	if (got || !strstr(why, want)) {
		tap_failures++;
		printf("#   line %d: yaml %s\n#     got  %s \"%s\"\n#     want error with \"%s\"\n",
		       line, yaml, got ?: "(error)", why, want);
	}
	free(got);
}

#define YAML(y, j)		check_yaml((y), (j), __LINE__)
#define YAML_ERROR(y, e)	check_yaml_error((y), (e), __LINE__)

void test_yaml_scalars(void)
{
	YAML("a: 1\nb: -2\nc: 0x1F\nd: 0o17\ne: 010\n",
	     "[{\"a\":1,\"b\":-2,\"c\":31,\"d\":15,\"e\":10}]");
	YAML("a: 1.5\nb: .5\nc: 1e3\nd: -1.25E-1\n",
	     "[{\"a\":1.5,\"b\":0.5,\"c\":1000.0,\"d\":-0.125}]");
	/* Core schema: yes/no/on/off stay strings (label values). */
	YAML("a: true\nb: False\nc: yes\nd: on\ne: 'true'\n",
	     "[{\"a\":true,\"b\":false,\"c\":\"yes\",\"d\":\"on\",\"e\":\"true\"}]");
	YAML("a: null\nb: ~\nc:\nd: \"\"\ne: 'null'\n",
	     "[{\"a\":null,\"b\":null,\"c\":null,\"d\":\"\",\"e\":\"null\"}]");
	YAML("a: \"80\"\nb: '1.0'\nc: 1.2.3\nd: .inf\ne: 99999999999999999999\n",
	     "[{\"a\":\"80\",\"b\":\"1.0\",\"c\":\"1.2.3\",\"d\":\".inf\",\"e\":1e20}]");
	YAML("a: !!str 80\nb: !!int \"7\"\nc: !!float 1\nd: !!bool \"true\"\n",
	     "[{\"a\":\"80\",\"b\":7,\"c\":1,\"d\":true}]");
	YAML("a: |\n  line1\n  line2\nb: >\n  folded\n  text\n",
	     "[{\"a\":\"line1\\nline2\\n\",\"b\":\"folded text\\n\"}]");
	/* Keys are their text. */
	YAML("80: a\ntrue: b\n", "[{\"80\":\"a\",\"true\":\"b\"}]");
	YAML("\"x\": \"caf\\u00e9\"\n", "[{\"x\":\"caf\xc3\xa9\"}]");
	YAML_ERROR("a: !!int abc\n", "does not match its tag");
	YAML_ERROR("a: \"x\\0y\"\n", "NUL character");
}

void test_yaml_structure(void)
{
	YAML("", "[]");
	YAML("---\n---\n# only a comment\n", "[]");
	YAML("- 1\n- [a, {b: c}]\n", "[[1,[\"a\",{\"b\":\"c\"}]]]");
	YAML("a: 1\n---\nb: 2\n...\n---\nc: 3\n",
	     "[{\"a\":1},{\"b\":2},{\"c\":3}]");
	/* JSON is YAML. */
	YAML("{\"kind\": \"List\", \"items\": [1, 2.5, null, true]}",
	     "[{\"items\":[1,2.5,null,true],\"kind\":\"List\"}]");
	/* Anchors, aliases, merge keys; explicit keys win. */
	YAML("base: &b {x: 1, y: 2}\nuse: *b\n",
	     "[{\"base\":{\"x\":1,\"y\":2},\"use\":{\"x\":1,\"y\":2}}]");
	YAML("a: &a {x: 1, y: 2}\nb: {<<: *a, y: 3, z: 4}\n",
	     "[{\"a\":{\"x\":1,\"y\":2},\"b\":{\"x\":1,\"y\":3,\"z\":4}}]");
	YAML("a: &a {x: 1}\nb: &b {x: 2, w: 0}\nc: {<<: [*a, *b]}\n",
	     "[{\"a\":{\"x\":1},\"b\":{\"w\":0,\"x\":2},\"c\":{\"w\":0,\"x\":1}}]");
	/* An anchor is per document. */
	YAML_ERROR("a: &x 1\n---\nb: *x\n", "unknown anchor");
	YAML_ERROR("a: 1\na: 2\n", "duplicate key \"a\"");
	YAML_ERROR("? [a]\n: 1\n", "must be a scalar");
	YAML_ERROR("a: [1, 2\n", "line 2");
	YAML_ERROR("a: *nope\n", "unknown anchor");
	YAML_ERROR("a: &a [*a]\n", "unknown anchor");
	YAML_ERROR("a: 1\n b: 2\n", "line 2");
	/* Escapes are code points; raw bytes must be UTF-8. */
	YAML("\"\\xff\"", "[\"\xc3\xbf\"]");
	YAML_ERROR("a: \xff\n", "UTF-8");
}

/* Billion laughs, and nesting: refused, quickly, without the memory. */
void test_yaml_limits(void)
{
	char *deep, *laughs, why[256] = "";
	json_t *docs = NULL;
	size_t i, off = 0;
	int err;

	laughs = malloc(4096);
	CHECK(laughs);
	if (!laughs)
		return;
	off = sprintf(laughs, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 12; i++)
		off += sprintf(laughs + off, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
			       (int)('a' + i), (int)('a' + i),
			       (int)('a' + i - 1), (int)('a' + i - 1),
			       (int)('a' + i - 1), (int)('a' + i - 1),
			       (int)('a' + i - 1), (int)('a' + i - 1),
			       (int)('a' + i - 1), (int)('a' + i - 1),
			       (int)('a' + i - 1), (int)('a' + i - 1));
	err = agent_yaml_parse(laughs, off, &docs, why, sizeof(why));
	CHECK_INT(err, -EINVAL);
	CHECK(strstr(why, "nodes"));
	CHECK(!docs);
	free(laughs);

	deep = malloc(2 * 1000 + 1);
	CHECK(deep);
	if (!deep)
		return;
	for (i = 0; i < 1000; i++)
		deep[i] = '[';
	for (i = 0; i < 1000; i++)
		deep[1000 + i] = ']';
	deep[2000] = '\0';
	err = agent_yaml_parse(deep, 2000, &docs, why, sizeof(why));
	CHECK_INT(err, -EINVAL);
	CHECK(strstr(why, "nested deeper"));
	free(deep);
}

/* ---- files ----------------------------------------------------------------- */

/* A fresh directory under $TMPDIR; the caller removes it (rm_tree). */
static char *tmp_dir(void)
{
	char *dir;

	if (asprintf(&dir, "%s/kubenf-agent-test-XXXXXX",
		     getenv("TMPDIR") ?: "/tmp") < 0)
		return NULL;
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;
	int err = 0;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0)
		err = -EIO;
	if (f && fclose(f))
		err = -EIO;
	free(path);
	return err;
}

static int copy_file(const char *from, const char *dir, const char *name)
{
	char buf[65536];
	char *path;
	FILE *in, *out;
	size_t n;
	int err = 0;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	in = fopen(from, "r");
	out = fopen(path, "w");
	free(path);
	if (!in || !out)
		err = -EIO;
	while (!err && (n = fread(buf, 1, sizeof(buf), in)))
		if (fwrite(buf, 1, n, out) != n)
			err = -EIO;
	if (in)
		fclose(in);
	if (out && fclose(out))
		err = -EIO;
	return err;
}

static void rm_tree(char *dir)
{
	char *cmd;

	if (dir && asprintf(&cmd, "rm -rf '%s'", dir) >= 0) {
		if (system(cmd))
			printf("#   could not remove %s\n", dir);
		free(cmd);
	}
	free(dir);
}

/* Compile @st for node-1: counts of the rule set, or -1s. */
struct counts {
	long services, peersets, policies, pods, errors;
};

static struct counts compile(struct kp_state *st)
{
	struct counts c = { -1, -1, -1, -1, -1 };
	struct kp_ruleset *rs;
	struct kp_errors errs;

	kp_errors_init(&errs);
	if (!kp_compile(st, "node-1", &rs, &errs)) {
		c.services = rs->n_services;
		c.peersets = rs->n_peersets;
		c.policies = rs->n_policies;
		c.pods = rs->n_pods;
		c.errors = errs.n;
		kp_ruleset_free(rs);
	}
	kp_errors_free(&errs);
	return c;
}

static char *example(const char *name)
{
	char *path;

	return asprintf(&path, "%s/policy/examples/%s", test_src_dir(),
			name) < 0 ? NULL : path;
}

/* The example List files, and a directory of both: the golden counts. */
void test_file_list_and_dir(void)
{
	char *cluster = example("cluster.json");
	char *policies = example("policies.json");
	struct kp_state *st = NULL;
	char why[512], *dir = NULL, *examples = NULL;
	struct kp_cidr extip;
	struct counts c;

	CHECK(cluster && policies);
	if (!cluster || !policies)
		goto out;
	CHECK_INT(agent_file_load(cluster, &st, NULL, why, sizeof(why)), 0);
	c = compile(st);
	CHECK_INT(c.services, 3);
	CHECK_INT(c.pods, 6);
	CHECK_INT(c.policies, 0);
	kp_state_free(st);
	st = NULL;

	if (asprintf(&examples, "%s/policy/examples", test_src_dir()) < 0)
		goto out;
	CHECK_INT(agent_file_load(examples, &st, NULL, why, sizeof(why)), 0);
	/* The example's operators allow external IPs from TEST-NET-1. */
	CHECK_INT(kp_cidr_parse("192.0.2.0/24", &extip), 0);
	CHECK_INT(kp_state_allow_external_ips(st, &extip, 1), 0);
	c = compile(st);
	/* As policy/tests/golden/examples-node-1.json has it. */
	CHECK_INT(c.services, 3);
	CHECK_INT(c.peersets, 5);
	CHECK_INT(c.policies, 6);
	CHECK_INT(c.pods, 6);
	CHECK_INT(c.errors, 0);
	kp_state_free(st);
	st = NULL;

	/* Hidden files, other extensions, subdirectories: not read. */
	dir = tmp_dir();
	CHECK(dir);
	if (!dir)
		goto out;
	CHECK_INT(copy_file(cluster, dir, "a.json"), 0);
	CHECK_INT(copy_file(policies, dir, ".hidden.json"), 0);
	CHECK_INT(copy_file(policies, dir, "b.txt"), 0);
	CHECK_INT(write_file(dir, "empty.yaml", "# nothing\n"), 0);
	CHECK_INT(agent_file_load(dir, &st, NULL, why, sizeof(why)), 0);
	c = compile(st);
	CHECK_INT(c.services, 3);
	CHECK_INT(c.policies, 0);
	kp_state_free(st);
	st = NULL;

	CHECK_INT(agent_file_load("/nonexistent/kubenf", &st, NULL, why,
				  sizeof(why)), -ENOENT);
	CHECK(strstr(why, "/nonexistent/kubenf"));
out:
	kp_state_free(st);
	rm_tree(dir);
	free(examples);
	free(cluster);
	free(policies);
}

static const char manifest_yaml[] =
	"# kubectl-style manifest, several documents\n"
	"apiVersion: v1\n"
	"kind: Namespace\n"
	"metadata:\n"
	"  name: demo\n"
	"  labels: {team: yes}\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: Service\n"
	"metadata: {name: web, namespace: demo}\n"
	"spec:\n"
	"  clusterIP: 10.96.5.5\n"
	"  clusterIPs: [10.96.5.5]\n"
	"  ports:\n"
	"  - {name: http, port: 80, protocol: TCP, targetPort: 8080}\n"
	"---\n"
	"apiVersion: discovery.k8s.io/v1\n"
	"kind: EndpointSlice\n"
	"metadata:\n"
	"  name: web-1\n"
	"  namespace: demo\n"
	"  labels: {kubernetes.io/service-name: web}\n"
	"addressType: IPv4\n"
	"ports: [{name: http, port: 8080, protocol: TCP}]\n"
	"endpoints:\n"
	"- addresses: [10.244.1.50]\n"
	"  conditions: {ready: true}\n"
	"  nodeName: node-1\n"
	"---\n"
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata: {name: web, namespace: demo}\n"
	"---\n"
	"apiVersion: networking.k8s.io/v1\n"
	"kind: NetworkPolicy\n"
	"metadata: {name: bad, namespace: demo}\n"
	"spec:\n"
	"  podSelector: {}\n"
	"  ingress:\n"
	"  - from: [{ipBlock: {cidr: not-a-cidr}}]\n";

/* Multi-document YAML: the good objects, the bad one reported and skipped. */
void test_file_yaml_manifest(void)
{
	struct kp_state *st = kp_state_new();
	struct kp_ruleset *rs = NULL;
	struct kp_errors errs;
	bool bad = false, deployment = false;
	char why[512] = "";
	size_t i;

	kp_errors_init(&errs);
	CHECK(st);
	if (!st)
		return;
	CHECK_INT(agent_buf_load(manifest_yaml, strlen(manifest_yaml),
				 "manifest.yaml", true, st, &errs, why,
				 sizeof(why)), 0);
	for (i = 0; i < errs.n; i++) {
		if (!strcmp(errs.v[i].kind, "Deployment"))
			deployment = true;
		if (!strcmp(errs.v[i].kind, "NetworkPolicy") &&
		    !strcmp(errs.v[i].ns, "demo") &&
		    !strcmp(errs.v[i].name, "bad") &&
		    strstr(errs.v[i].reason, "cidr"))
			bad = true;
	}
	CHECK(bad);
	CHECK(deployment);
	kp_errors_free(&errs);
	kp_errors_init(&errs);
	CHECK_INT(kp_compile(st, "node-1", &rs, &errs), 0);
	if (rs) {
		CHECK_INT(rs->n_services, 1);
		CHECK_INT(rs->n_policies, 0);
		if (rs->n_services) {
			CHECK_STR(rs->services[0].name, "demo/web/http");
			CHECK_INT(rs->services[0].n_backends, 1);
		}
	}
	/* The compiler reports the stored bad object again. */
	CHECK(errs.n >= 1);
	kp_ruleset_free(rs);
	kp_errors_free(&errs);
	kp_state_free(st);
}

/* A syntax error anywhere fails the whole load, naming file and place. */
void test_file_errors(void)
{
	struct kp_state *st = NULL;
	char why[512], *dir;

	dir = tmp_dir();
	CHECK(dir);
	if (!dir)
		return;
	CHECK_INT(write_file(dir, "a.yaml", "kind: Namespace\nmetadata: {name: a}\n"), 0);
	CHECK_INT(write_file(dir, "b.json", "{\"kind\": \"Namespace\", }"), 0);
	CHECK_INT(agent_file_load(dir, &st, NULL, why, sizeof(why)), -EINVAL);
	CHECK(!st);
	CHECK(strstr(why, "b.json:1:"));

	CHECK_INT(write_file(dir, "b.json", "[]"), 0);
	CHECK_INT(write_file(dir, "c.yml", "a: [\n"), 0);
	CHECK_INT(agent_file_load(dir, &st, NULL, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "c.yml: line"));

	/* Duplicate keys in JSON too. */
	CHECK_INT(write_file(dir, "c.yml", "{\"a\": 1, \"a\": 2}"), 0);
	CHECK_INT(agent_file_load(dir, &st, NULL, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "duplicate key"));
	CHECK_INT(write_file(dir, "c.yml", "---\n"), 0);
	CHECK_INT(agent_file_load(dir, &st, NULL, why, sizeof(why)), 0);
	kp_state_free(st);
	rm_tree(dir);
}

/* inotify: writing a file of the directory is seen, others are not. */
void test_file_watch(void)
{
	char *dir = tmp_dir(), *file = NULL;
	bool lost;
	int fd, wd;

	CHECK(dir);
	if (!dir)
		return;
	CHECK_INT(write_file(dir, "a.yaml", "x: 1\n"), 0);
	fd = agent_file_watch(dir, &wd);
	CHECK(fd >= 0);
	if (fd < 0)
		goto out;
	CHECK(!agent_file_changed(fd, dir, &lost));
	CHECK_INT(write_file(dir, "notes.txt", "x\n"), 0);
	CHECK(!agent_file_changed(fd, dir, &lost));
	CHECK_INT(write_file(dir, "a.yaml", "x: 2\n"), 0);
	CHECK(agent_file_changed(fd, dir, &lost));
	CHECK(!lost);
	close(fd);

	/* A file: its directory is watched, other files ignored. */
	if (asprintf(&file, "%s/a.yaml", dir) < 0)
		goto out;
	fd = agent_file_watch(file, &wd);
	CHECK(fd >= 0);
	if (fd < 0)
		goto out;
	CHECK_INT(write_file(dir, "b.yaml", "x: 1\n"), 0);
	CHECK(!agent_file_changed(fd, file, &lost));
	CHECK_INT(write_file(dir, "a.yaml.tmp", "x: 3\n"), 0);
	CHECK(!agent_file_changed(fd, file, &lost));
	/* An editor's atomic replace. */
	{
		char *tmp;

		if (asprintf(&tmp, "%s/a.yaml.tmp", dir) >= 0) {
			CHECK(!rename(tmp, file));
			free(tmp);
		}
	}
	CHECK(agent_file_changed(fd, file, &lost));
	close(fd);
out:
	free(file);
	rm_tree(dir);
}
