// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf-agent against the API: the watch stream parser, kubeconfig and
 * in-cluster settings, and list-then-watch against selftests/
 * fake_apiserver.py (started here, on a free port of 127.0.0.1): pages,
 * ADDED/MODIFIED/DELETED/BOOKMARK, ERROR 410 and HTTP 410 (relist),
 * dropped connections, a hung watch, errors with backoff, malformed and
 * oversized events, slow responses, bearer tokens.
 */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "agent.h"
#include "k8s.h"
#include "kubenf_policy.h"
#include "tests.h"

/* ---- k8s_stream.c -------------------------------------------------------------- */

struct lines {
	char got[8][64];
	int n;
	int fail_at;		/* return an error for this line */
};

static int on_line(void *arg, const char *text, size_t len)
{
	struct lines *l = arg;

	if (l->n == l->fail_at)
		return -EPROTO;
	if (l->n < 8)
		snprintf(l->got[l->n], sizeof(l->got[0]), "%.*s", (int)len,
			 text);
	l->n++;
	return 0;
}

void test_k8s_stream(void)
{
	struct k8s_stream s = { .max = 16 };
	struct lines l = { .fail_at = -1 };
	char why[128];
	struct k8s_event ev;

	/* Pieces, several lines at once, empty lines. */
	CHECK_INT(k8s_stream_feed(&s, "ab", 2, on_line, &l), 0);
	CHECK_INT(l.n, 0);
	CHECK_INT(k8s_stream_feed(&s, "c\nde\n\nf", 7, on_line, &l), 0);
	CHECK_INT(k8s_stream_feed(&s, "\n", 1, on_line, &l), 0);
	CHECK_INT(l.n, 3);
	CHECK_STR(l.got[0], "abc");
	CHECK_STR(l.got[1], "de");
	CHECK_STR(l.got[2], "f");
	/* A line longer than the limit, whole or in pieces. */
	CHECK_INT(k8s_stream_feed(&s, "0123456789", 10, on_line, &l), 0);
	CHECK_INT(k8s_stream_feed(&s, "0123456789\n", 11, on_line, &l),
		  -E2BIG);
	k8s_stream_reset(&s);
	/* The callback's error stops the feed. */
	l.fail_at = 4;
	CHECK_INT(k8s_stream_feed(&s, "x\ny\n", 4, on_line, &l), -EPROTO);
	CHECK_INT(l.n, 4);
	k8s_stream_reset(&s);

#define EV(text) k8s_event_parse(text, strlen(text), &ev, why, sizeof(why))
	CHECK_INT(EV("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\"7\"}}}"), 0);
	CHECK_INT(ev.type, K8S_EV_ADDED);
	CHECK_STR(ev.rv, "7");
	k8s_event_release(&ev);
	CHECK_INT(EV("{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}"), 0);
	CHECK_INT(ev.type, K8S_EV_BOOKMARK);
	k8s_event_release(&ev);
	CHECK_INT(EV("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"message\":\"gone\"}}"), 0);
	CHECK_INT(ev.type, K8S_EV_ERROR);
	CHECK_INT(ev.code, 410);
	CHECK_STR(ev.message, "gone");
	CHECK(!ev.rv);
	k8s_event_release(&ev);
	CHECK_INT(EV("{\"type\":\"WHATEVER\",\"object\":{}}"), 0);
	CHECK_INT(ev.type, K8S_EV_UNKNOWN);
	k8s_event_release(&ev);
	/* Not events. */
	CHECK_INT(EV("{\"type\":\"ADDED\"}"), -EINVAL);
	CHECK_INT(EV("{\"type\":7,\"object\":{}}"), -EINVAL);
	CHECK_INT(EV("{\"type\":\"ADDED\",\"object\":[]}"), -EINVAL);
	CHECK_INT(EV("[1,2"), -EINVAL);
	CHECK(strstr(why, "not JSON"));
	CHECK_INT(EV("{\"type\":\"ADDED\",\"type\":\"DELETED\",\"object\":{}}"),
		  -EINVAL);
#undef EV
}

/* ---- k8s_config.c ----------------------------------------------------------------- */

static char *tmp_file(const char *text)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/kubenf-kc-XXXXXX",
		     getenv("TMPDIR") ?: "/tmp") < 0)
		return NULL;
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		if (fd >= 0)
			close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static const char kubeconfig[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: two\n"
	"clusters:\n"
	"- name: c1\n"
	"  cluster:\n"
	"    server: https://10.0.0.1:6443/\n"
	"    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
	"- name: c2\n"
	"  cluster: {server: \"https://[fd00::1]:443\", certificate-authority: ca.pem,\n"
	"            insecure-skip-tls-verify: true}\n"
	"contexts:\n"
	"- {name: one, context: {cluster: c1, user: u1}}\n"
	"- {name: two, context: {cluster: c2, user: u2}}\n"
	"- {name: exec, context: {cluster: c1, user: u3}}\n"
	"users:\n"
	"- {name: u1, user: {token: abc}}\n"
	"- name: u2\n"
	"  user:\n"
	"    client-certificate: /etc/cert.pem\n"
	"    client-key-data: a2V5\n"
	"    tokenFile: tok\n"
	"- {name: u3, user: {exec: {command: aws}}}\n";

void test_k8s_kubeconfig(void)
{
	char *path = tmp_file(kubeconfig), why[256], *dir = NULL, *want;
	struct k8s_conn c;

	CHECK(path);
	if (!path)
		return;
	CHECK_INT(k8s_conn_kubeconfig(path, NULL, &c, why, sizeof(why)), 0);
	CHECK_STR(c.server, "https://[fd00::1]:443");
	CHECK(c.insecure);
	CHECK(c.ca_file && strstr(c.ca_file, "/ca.pem"));
	CHECK_STR(c.cert_file, "/etc/cert.pem");
	CHECK(c.key_data && c.key_len == 3 && !memcmp(c.key_data, "key", 3));
	/* Relative to the kubeconfig's directory. */
	dir = strdup(path);
	if (dir && strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	if (dir && asprintf(&want, "%s/tok", dir) >= 0) {
		CHECK_STR(c.token_file, want);
		free(want);
	}
	k8s_conn_release(&c);

	CHECK_INT(k8s_conn_kubeconfig(path, "one", &c, why, sizeof(why)), 0);
	CHECK_STR(c.server, "https://10.0.0.1:6443");
	CHECK_STR(c.token, "abc");
	CHECK(c.ca_data && c.ca_len == 28 &&
	      !strncmp(c.ca_data, "-----BEGIN CERTIFICATE-----", 27));
	CHECK(!c.insecure);
	k8s_conn_release(&c);

	CHECK_INT(k8s_conn_kubeconfig(path, "exec", &c, why, sizeof(why)),
		  -EOPNOTSUPP);
	CHECK(strstr(why, "exec"));
	CHECK_INT(k8s_conn_kubeconfig(path, "nope", &c, why, sizeof(why)),
		  -EINVAL);
	CHECK(strstr(why, "no context \"nope\""));
	unlink(path);
	free(path);

	path = tmp_file("clusters: [\n");
	CHECK_INT(k8s_conn_kubeconfig(path, NULL, &c, why, sizeof(why)),
		  -EINVAL);
	unlink(path);
	free(path);
	free(dir);
}

void test_k8s_in_cluster(void)
{
	char *dir = NULL, *tok = NULL, why[256];
	struct k8s_conn c;
	int fd;

	unsetenv("KUBERNETES_SERVICE_HOST");
	CHECK_INT(k8s_conn_in_cluster(NULL, &c, why, sizeof(why)), -ENOENT);
	CHECK(strstr(why, "KUBERNETES_SERVICE_HOST"));

	if (asprintf(&dir, "%s/kubenf-sa-XXXXXX", getenv("TMPDIR") ?: "/tmp") < 0 ||
	    !mkdtemp(dir) || asprintf(&tok, "%s/token", dir) < 0) {
		CHECK(0);
		goto out;
	}
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	CHECK_INT(k8s_conn_in_cluster(dir, &c, why, sizeof(why)), -ENOENT);
	CHECK(strstr(why, "token"));
	fd = open(tok, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0 && write(fd, "t0k\n", 4) == 4);
	if (fd >= 0)
		close(fd);
	CHECK_INT(k8s_conn_in_cluster(dir, &c, why, sizeof(why)), 0);
	CHECK_STR(c.server, "https://[fd00::1]:443");
	CHECK_STR(c.token_file, tok);
	k8s_conn_release(&c);
	unlink(tok);
	rmdir(dir);
out:
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	free(tok);
	free(dir);
}

/* ---- the fake API server -------------------------------------------------------- */

struct fake {
	pid_t pid;
	char url[64];
};

/* Start fake_apiserver.py with the examples, and @token if not NULL. */
static int fake_start(struct fake *f, const char *token)
{
	char *script = NULL, *s1 = NULL, *s2 = NULL, buf[128];
	int pipefd[2], n = 0, port;
	struct pollfd pfd;
	ssize_t r;

	memset(f, 0, sizeof(*f));
	if (asprintf(&script, "%s/selftests/fake_apiserver.py",
		     test_src_dir()) < 0 ||
	    asprintf(&s1, "%s/policy/examples/cluster.json",
		     test_src_dir()) < 0 ||
	    asprintf(&s2, "%s/policy/examples/policies.json",
		     test_src_dir()) < 0 || pipe(pipefd))
		goto fail;
	f->pid = fork();
	if (f->pid < 0)
		goto fail;
	if (!f->pid) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(pipefd[1], 1);
		dup2(devnull, 0);
		dup2(devnull, 2);
		close(pipefd[0]);
		execlp("python3", "python3", script, "--state", s1, "--state",
		       s2, token ? "--token" : NULL, token, NULL);
		_exit(127);
	}
	close(pipefd[1]);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	while (n < (int)sizeof(buf) - 1 && poll(&pfd, 1, 10000) == 1) {
		r = read(pipefd[0], buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += r;
		buf[n] = '\0';
		if (strchr(buf, '\n'))
			break;
	}
	close(pipefd[0]);
	buf[n] = '\0';
	free(script);
	free(s1);
	free(s2);
	if (sscanf(buf, "PORT %d", &port) != 1) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
		return -ENOENT;
	}
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", port);
	return 0;
fail:
	free(script);
	free(s1);
	free(s2);
	return -ENOMEM;
}

static void fake_stop(struct fake *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
	}
	f->pid = 0;
}

static size_t sink(char *data, size_t size, size_t n, void *arg)
{
	FILE *f = arg;

	return f ? fwrite(data, size, n, f) : size * n;
}

/* A control request: POST @path with @body; the HTTP status. */
static long fake_post(const struct fake *f, const char *path,
		      const char *body)
{
	long status = 0;
	char url[256];
	CURL *h;

	h = curl_easy_init();
	if (!h)
		return 0;
	snprintf(url, sizeof(url), "%s%s", f->url, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status;
}

/* Requests the fake server saw for @path with @op ("list"/"watch"). */
/* GET /fake/stats, parsed; NULL on failure. */
static json_t *fake_stats(const struct fake *f)
{
	char url[256], *buf = NULL;
	json_t *j = NULL;
	size_t len = 0;
	FILE *mem;
	CURL *h;

	h = curl_easy_init();
	mem = open_memstream(&buf, &len);
	if (!h || !mem)
		goto out;
	snprintf(url, sizeof(url), "%s/fake/stats", f->url);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, mem);
	if (curl_easy_perform(h) != CURLE_OK)
		goto out;
	fclose(mem);
	mem = NULL;
	j = json_loadb(buf, len, 0, NULL);
out:
	if (mem)
		fclose(mem);
	free(buf);
	if (h)
		curl_easy_cleanup(h);
	return j;
}

/*
 * Requests of @op to @path the fake server saw; with @rv_match, only those
 * whose resourceVersionMatch was that.
 */
static int fake_count_match(const struct fake *f, const char *path,
			    const char *op, const char *rv_match)
{
	json_t *j = fake_stats(f), *reqs, *r, *q;
	size_t i;
	int n = 0;

	if (!j)
		return -1;
	reqs = json_object_get(j, "requests");
	json_array_foreach(reqs, i, r) {
		q = json_object_get(r, "query");
		if (!strcmp(json_string_value(json_object_get(r, "path")) ?: "",
			    path) &&
		    !strcmp(json_string_value(json_object_get(r, "op")) ?: "",
			    op) &&
		    (!rv_match ||
		     !strcmp(json_string_value(json_object_get(q, "resourceVersionMatch")) ?: "",
			     rv_match)))
			n++;
	}
	json_decref(j);
	return n;
}

/* The fake server's resourceVersion now, or -1. */
static long fake_rv(const struct fake *f)
{
	json_t *j = fake_stats(f);
	long rv = -1;

	if (j && json_is_integer(json_object_get(j, "rv")))
		rv = (long)json_integer_value(json_object_get(j, "rv"));
	json_decref(j);
	return rv;
}

static int fake_count(const struct fake *f, const char *path, const char *op)
{
	return fake_count_match(f, path, op, NULL);
}

/*
 * The agent's log during a test: kept, and shown as TAP diagnostics if the
 * test failed. Returns the captured text (caller frees) when @keep.
 */
static FILE *log_file;

static void log_begin(void)
{
	log_file = tmpfile();
	agent_log_set_file(log_file);
}

static char *log_end(bool keep)
{
	char line[2048], *all = NULL;
	size_t len = 0;
	FILE *mem;

	agent_log_set_file(NULL);
	if (!log_file)
		return NULL;
	mem = keep ? open_memstream(&all, &len) : NULL;
	rewind(log_file);
	while (fgets(line, sizeof(line), log_file)) {
		if (tap_failures)
			printf("#   log: %s", line);
		if (mem)
			fputs(line, mem);
	}
	fclose(log_file);
	log_file = NULL;
	if (mem)
		fclose(mem);
	return all;
}

struct drive {
	struct fake fake;
	struct k8s_conn conn;
	struct k8s_opts opts;
	struct kp_state *st;
	CURLM *multi;
	struct k8s_client *c;
};

static int drive_start(struct drive *d, const char *token,
		       void (*tweak)(struct drive *d))
{
	int err;

	memset(d, 0, sizeof(*d));
	log_begin();
	err = fake_start(&d->fake, token);
	if (err)
		return err;
	d->conn.server = strdup(d->fake.url);
	d->st = kp_state_new();
	d->multi = curl_multi_init();
	if (!d->conn.server || !d->st || !d->multi)
		return -ENOMEM;
	k8s_opts_default(&d->opts);
	d->opts.backoff_min_ms = 20;
	d->opts.backoff_max_ms = 200;
	d->opts.page_size = 4;
	d->opts.watch_timeout = 30;
	if (tweak)
		tweak(d);
	return k8s_client_new(&d->conn, &d->opts, d->multi, d->st, &d->c);
}

static void drive_stop(struct drive *d)
{
	free(log_end(false));
	k8s_client_free(d->c);
	if (d->multi)
		curl_multi_cleanup(d->multi);
	kp_state_free(d->st);
	k8s_conn_release(&d->conn);
	fake_stop(&d->fake);
}

/* Run the client until @cond holds or @ms pass; whether it held. */
static bool pump(struct drive *d, bool (*cond)(struct drive *d,
					      const void *arg),
		 const void *arg, long ms)
{
	uint64_t deadline = agent_now_ms() + ms, now;
	long timeout, ct;
	int running;

	for (;;) {
		now = agent_now_ms();
		k8s_client_process(d->c, now);
		if (cond(d, arg))
			return true;
		if (now >= deadline)
			return false;
		timeout = k8s_client_timeout(d->c, now);
		if (timeout < 0 || timeout > 50)
			timeout = 50;
		if (curl_multi_timeout(d->multi, &ct) == CURLM_OK && ct >= 0 &&
		    ct < timeout)
			timeout = ct;
		curl_multi_poll(d->multi, NULL, 0, (int)timeout, NULL);
		curl_multi_perform(d->multi, &running);
	}
}

static bool synced(struct drive *d, const void *arg)
{
	(void)arg;
	return k8s_client_synced(d->c);
}

static bool not_failing(struct drive *d, const void *arg)
{
	(void)arg;
	return !k8s_client_failing_since(d->c);
}

/* The compiled service named @arg ("ns/name/port"), or NULL. */
static bool find_service(struct drive *d, const char *name, uint16_t *port)
{
	struct kp_ruleset *rs;
	bool found = false;
	size_t i;

	if (kp_compile(d->st, "node-1", &rs, NULL))
		return false;
	for (i = 0; i < rs->n_services; i++) {
		if (strcmp(rs->services[i].name, name))
			continue;
		found = true;
		if (port && rs->services[i].n_frontends)
			*port = rs->services[i].frontends[0].port;
	}
	kp_ruleset_free(rs);
	return found;
}

static bool has_service(struct drive *d, const void *name)
{
	return find_service(d, name, NULL);
}

static bool lacks_service(struct drive *d, const void *name)
{
	return !find_service(d, name, NULL);
}

static bool service_port(struct drive *d, const void *arg)
{
	uint16_t port = 0;

	return find_service(d, "x/new/p", &port) && port == *(const int *)arg;
}

struct stat_want {
	enum k8s_kind kind;
	unsigned long relists, watches, events, errors, stale;
};

static bool stats_at_least(struct drive *d, const void *arg)
{
	const struct stat_want *w = arg;
	struct k8s_stats s;

	k8s_client_stats(d->c, w->kind, &s);
	return s.relists >= w->relists && s.watches >= w->watches &&
	       s.events >= w->events && s.errors >= w->errors &&
	       s.stale >= w->stale;
}

static const char new_service[] =
	"{\"apiVersion\": \"v1\", \"kind\": \"Service\","
	" \"metadata\": {\"name\": \"new\", \"namespace\": \"x\"},"
	" \"spec\": {\"clusterIP\": \"10.96.0.99\", \"clusterIPs\": [\"10.96.0.99\"],"
	"  \"ports\": [{\"name\": \"p\", \"port\": %d, \"protocol\": \"TCP\"}]}}";

static long post_service(struct drive *d, int port)
{
	char body[512];

	snprintf(body, sizeof(body), new_service, port);
	return fake_post(&d->fake, "/fake/objects", body);
}

static bool start_or_skip(struct drive *d, const char *token,
			  void (*tweak)(struct drive *d))
{
	int err = drive_start(d, token, tweak);

	if (err == -ENOENT) {
		SKIP("python3 or selftests/fake_apiserver.py not available");
		return false;
	}
	CHECK_INT(err, 0);
	if (err)
		return false;
	CHECK(pump(d, synced, NULL, 10000));
	return k8s_client_synced(d->c);
}

/* Pages, then every kind of event. */
void test_k8s_list_watch(void)
{
	struct stat_want want = { .kind = K8S_SERVICES };
	struct k8s_stats st;
	struct drive d;
	int port = 98;

	if (!start_or_skip(&d, NULL, NULL))
		goto out;
	/* 10 pods in pages of 4. */
	CHECK_INT(fake_count(&d.fake, "/api/v1/pods", "list"), 3);
	CHECK(find_service(&d, "x/web/http", NULL));
	CHECK(find_service(&d, "y/front/http", NULL));

	CHECK_INT(post_service(&d, 99), 200);
	CHECK(pump(&d, has_service, "x/new/p", 5000));
	CHECK_INT(post_service(&d, 98), 200);
	CHECK(pump(&d, service_port, &port, 5000));
	CHECK_INT(fake_post(&d.fake, "/fake/delete",
			    "{\"kind\": \"Service\", \"namespace\": \"x\", \"name\": \"new\"}"),
		  200);
	CHECK(pump(&d, lacks_service, "x/new/p", 5000));
	k8s_client_stats(d.c, K8S_SERVICES, &st);
	CHECK_INT(st.events, 3);
	CHECK_INT(fake_post(&d.fake, "/fake/bookmark", "{}"), 200);
	want.events = 4;
	CHECK(pump(&d, stats_at_least, &want, 5000));
	k8s_client_stats(d.c, K8S_SERVICES, &st);
	CHECK_INT(st.relists, 0);
	CHECK_INT(st.errors, 0);
	CHECK_INT(st.watches, 1);
out:
	drive_stop(&d);
}

/* ERROR 410 in the stream: list again; what vanished meanwhile goes. */
void test_k8s_expired_relist(void)
{
	struct stat_want want = { .kind = K8S_SERVICES, .relists = 1 };
	struct drive d;

	if (!start_or_skip(&d, NULL, NULL))
		goto out;
	/* Deleted with its event compacted away: only a list tells. */
	CHECK_INT(fake_post(&d.fake, "/fake/delete",
			    "{\"kind\": \"Service\", \"namespace\": \"y\", \"name\": \"front\", \"silent\": true}"),
		  200);
	CHECK_INT(fake_post(&d.fake, "/fake/expire", "{}"), 200);
	CHECK(pump(&d, stats_at_least, &want, 5000));
	CHECK(pump(&d, lacks_service, "y/front/http", 5000));
	CHECK(find_service(&d, "x/web/http", NULL));
	{
		char *text = log_end(true);

		CHECK(text && strstr(text, "watch services: resourceVersion 124 expired (410 Gone), listing again"));
		free(text);
		log_begin();
	}
	/* And watching resumed from the new list. */
	CHECK_INT(post_service(&d, 99), 200);
	CHECK(pump(&d, has_service, "x/new/p", 5000));
out:
	drive_stop(&d);
}

/* resourceVersions compare as numbers of any length, nothing else. */
void test_k8s_rv_order(void)
{
	CHECK(k8s_rv_older("99", "100"));
	CHECK(!k8s_rv_older("100", "99"));
	CHECK(!k8s_rv_older("100", "100"));
	CHECK(k8s_rv_older("123456789012345678901234", "123456789012345678901235"));
	CHECK(!k8s_rv_older("1", ""));
	CHECK(!k8s_rv_older("", "1"));
	CHECK(!k8s_rv_older("0099", "100"));
	CHECK(!k8s_rv_older("99a", "100"));
	CHECK(!k8s_rv_older("-1", "100"));
	CHECK(!k8s_rv_older("abc", "abd"));
}

/*
 * A relist answered from a view older than what the state already holds
 * (a lagging replica that ignores "not older than") is refused whole, then
 * retried until the server has caught up; one that honours it answers 504
 * until then. Nothing of the old view reaches the state either way.
 */
void test_k8s_stale_view(void)
{
	struct stat_want want = { .kind = K8S_SERVICES, .stale = 1 }, again;
	static const char * const lag[] = { "{}", "{\"honour\": true}" };
	struct k8s_stats st;
	struct drive d;
	unsigned int i;
	int n;

	if (!start_or_skip(&d, NULL, NULL))
		goto out;
	for (i = 0; i < 2; i++) {
		CHECK_INT(fake_post(&d.fake, "/fake/lag", lag[i]), 200);
		/* Seen through the (live) watch; the lagging lists lack it. */
		CHECK_INT(post_service(&d, 99), 200);
		CHECK(pump(&d, has_service, "x/new/p", 5000));
		n = fake_count_match(&d.fake, "/api/v1/services", "list",
				     "NotOlderThan");
		CHECK_INT(fake_post(&d.fake, "/fake/expire", "{}"), 200);
		/* Refused as stale, or answered 504: a failed list. */
		if (i == 1)
			want.errors++;
		CHECK(pump(&d, stats_at_least, &want, 5000));
		CHECK(fake_count_match(&d.fake, "/api/v1/services", "list",
				       "NotOlderThan") > n);
		/* Backoff and retry: still refused, still there. */
		CHECK(!pump(&d, lacks_service, "x/new/p", 1500));
		k8s_client_stats(d.c, K8S_SERVICES, &st);
		again = (struct stat_want){ .kind = K8S_SERVICES,
					    .watches = st.watches + 1 };
		CHECK_INT(fake_post(&d.fake, "/fake/catch-up", "{}"), 200);
		/* Listed, then watching again. */
		CHECK(pump(&d, stats_at_least, &again, 10000));
		CHECK(find_service(&d, "x/new/p", NULL));
		CHECK_INT(fake_post(&d.fake, "/fake/delete",
				    "{\"kind\": \"Service\", \"namespace\": \"x\", \"name\": \"new\"}"),
			  200);
		CHECK(pump(&d, lacks_service, "x/new/p", 5000));
		k8s_client_stats(d.c, K8S_SERVICES, &st);
		want = (struct stat_want){ .kind = K8S_SERVICES,
					   .stale = st.stale, .errors = st.errors };
	}
	{
		char *text = log_end(true);

		CHECK(text && strstr(text, "list services: stale view: the list is at resourceVersion "));
		CHECK(text && strstr(text, "rules kept"));
		CHECK(text && strstr(text, "HTTP 504: Too large resource version"));
		free(text);
		log_begin();
	}
out:
	drive_stop(&d);
}

/*
 * A floor from before a restart (--resource-version-file): lists older
 * than it are refused, nothing reaches the state, until the server is
 * past it.
 */
void test_k8s_floor(void)
{
	struct stat_want want = { .kind = K8S_SERVICES, .stale = 2 };
	char floor[32];
	struct drive d;
	long rv;

	if (drive_start(&d, NULL, NULL) == -ENOENT) {
		SKIP("python3 or selftests/fake_apiserver.py not available");
		goto out;
	}
	rv = fake_rv(&d.fake);
	CHECK(rv > 0);
	snprintf(floor, sizeof(floor), "%ld", rv + 2);
	CHECK_INT(k8s_client_set_floor(d.c, floor), 0);
	CHECK(pump(&d, stats_at_least, &want, 5000));
	CHECK(!k8s_client_synced(d.c));
	/* 401s: failing since the first one. */
	CHECK(k8s_client_failing_since(d.c) > 0);
	CHECK(k8s_client_failing_since(d.c) <= agent_now_ms());
	CHECK(!find_service(&d, "x/web/http", NULL));
	CHECK(!k8s_client_rv(d.c));
	CHECK(fake_count_match(&d.fake, "/api/v1/services", "list",
			       "NotOlderThan") >= 2);
	/* Two changes later the server is at the floor. */
	CHECK_INT(post_service(&d, 99), 200);
	CHECK_INT(post_service(&d, 98), 200);
	CHECK(pump(&d, synced, NULL, 10000));
	CHECK(find_service(&d, "x/web/http", NULL));
	CHECK(find_service(&d, "x/new/p", NULL));
	CHECK_STR(k8s_client_rv(d.c), floor);
out:
	drive_stop(&d);
}

/* The file of --resource-version-file: replaced whole, checked on reading. */
void test_agent_rv_file(void)
{
	char dir[] = "/tmp/kubenf-rv.XXXXXX", path[64], why[128], *rv;
	FILE *f;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/rv", dir);
	CHECK_INT(agent_rv_load(path, &rv, why, sizeof(why)), -ENOENT);
	CHECK_INT(agent_rv_store(path, "12345678901234567890"), 0);
	CHECK_INT(agent_rv_load(path, &rv, why, sizeof(why)), 0);
	CHECK_STR(rv, "12345678901234567890");
	free(rv);
	CHECK_INT(agent_rv_store(path, "7"), 0);
	CHECK_INT(agent_rv_load(path, &rv, why, sizeof(why)), 0);
	CHECK_STR(rv, "7");
	free(rv);
	CHECK_INT(agent_rv_store(path, "07"), -EINVAL);
	CHECK_INT(agent_rv_store(path, "x"), -EINVAL);
	CHECK_INT(agent_rv_store(path, ""), -EINVAL);
	f = fopen(path, "w");
	CHECK(f);
	if (f) {
		fputs("12 34\n", f);
		fclose(f);
	}
	CHECK_INT(agent_rv_load(path, &rv, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "not a resourceVersion");
	CHECK_INT(agent_rv_store("/nonexistent-dir/rv", "7"), -ENOENT);
	unlink(path);
	rmdir(dir);
}

/* A dropped connection: watch again from the last resourceVersion; a
 * resourceVersion compacted meanwhile is an HTTP 410: list again.
 */
void test_k8s_disconnect_410(void)
{
	struct stat_want want = { .kind = K8S_SERVICES, .watches = 2 };
	struct k8s_stats st;
	struct drive d;

	if (!start_or_skip(&d, NULL, NULL))
		goto out;
	CHECK_INT(fake_post(&d.fake, "/fake/close", "{}"), 200);
	CHECK(pump(&d, stats_at_least, &want, 5000));
	CHECK_INT(post_service(&d, 99), 200);
	CHECK(pump(&d, has_service, "x/new/p", 5000));
	k8s_client_stats(d.c, K8S_SERVICES, &st);
	CHECK_INT(st.relists, 0);

	CHECK_INT(fake_post(&d.fake, "/fake/delete",
			    "{\"kind\": \"Service\", \"namespace\": \"x\", \"name\": \"new\", \"silent\": true}"),
		  200);
	CHECK_INT(fake_post(&d.fake, "/fake/close", "{}"), 200);
	want.relists = 1;
	CHECK(pump(&d, stats_at_least, &want, 5000));
	CHECK(pump(&d, lacks_service, "x/new/p", 5000));
out:
	drive_stop(&d);
}

static void idle_1s(struct drive *d)
{
	d->opts.idle_timeout = 1;
}

/* A watch that sends its headers and then nothing is restarted. */
void test_k8s_hung_watch(void)
{
	struct stat_want want = { .kind = K8S_SERVICES, .watches = 3 };
	struct drive d;
	uint64_t t0;

	if (!start_or_skip(&d, NULL, idle_1s))
		goto out;
	/* The next services watch hangs; drop the current one. */
	CHECK_INT(fake_post(&d.fake, "/fake/fault",
			    "{\"op\": \"watch\", \"resource\": \"services\", \"hang\": true}"),
		  200);
	CHECK_INT(fake_post(&d.fake, "/fake/close", "{}"), 200);
	t0 = agent_now_ms();
	CHECK_INT(post_service(&d, 99), 200);
	/* Seen only once the hung watch was given up: after about 1 s. */
	CHECK(pump(&d, has_service, "x/new/p", 8000));
	CHECK(agent_now_ms() - t0 >= 900);
	CHECK(pump(&d, stats_at_least, &want, 1000));
out:
	drive_stop(&d);
}

/* Errors back off and recover: HTTP 500s, garbage, oversized events. */
void test_k8s_errors(void)
{
	struct stat_want want = { .kind = K8S_SERVICES, .errors = 3 };
	struct k8s_stats st;
	struct drive d;

	if (!start_or_skip(&d, NULL, NULL))
		goto out;
	CHECK_INT(fake_post(&d.fake, "/fake/fault",
			    "{\"op\": \"watch\", \"resource\": \"services\", \"status\": 500, \"count\": 1}"),
		  200);
	CHECK_INT(fake_post(&d.fake, "/fake/fault",
			    "{\"op\": \"watch\", \"resource\": \"services\", \"garbage\": true}"),
		  200);
	CHECK_INT(fake_post(&d.fake, "/fake/fault",
			    "{\"op\": \"watch\", \"resource\": \"services\", \"huge\": 17000000}"),
		  200);
	CHECK_INT(fake_post(&d.fake, "/fake/close", "{}"), 200);
	/* Dropped, 500, garbage, too large: four failed watches. */
	want.errors = 4;
	CHECK(pump(&d, stats_at_least, &want, 15000));
	CHECK(k8s_client_failing_since(d.c) > 0);
	/* Failing until a watch is answered again. */
	CHECK(pump(&d, not_failing, NULL, 15000));
	CHECK_INT(post_service(&d, 99), 200);
	CHECK(pump(&d, has_service, "x/new/p", 5000));
	k8s_client_stats(d.c, K8S_SERVICES, &st);
	CHECK_INT(st.relists, 0);
	CHECK(find_service(&d, "x/web/http", NULL));
out:
	drive_stop(&d);
}

/* Lists that fail or are slow: retried with growing delays, then synced. */
void test_k8s_list_errors(void)
{
	struct k8s_stats st;
	struct drive d;
	uint64_t t0;
	int err;

	memset(&d, 0, sizeof(d));
	log_begin();
	err = fake_start(&d.fake, NULL);
	if (err) {
		SKIP("python3 or selftests/fake_apiserver.py not available");
		drive_stop(&d);
		return;
	}
	CHECK_INT(fake_post(&d.fake, "/fake/fault",
			    "{\"op\": \"list\", \"resource\": \"pods\", \"status\": 503, \"count\": 3}"),
		  200);
	CHECK_INT(fake_post(&d.fake, "/fake/fault",
			    "{\"op\": \"list\", \"resource\": \"namespaces\", \"delay\": 0.5}"),
		  200);
	d.conn.server = strdup(d.fake.url);
	d.st = kp_state_new();
	d.multi = curl_multi_init();
	k8s_opts_default(&d.opts);
	d.opts.backoff_min_ms = 50;
	d.opts.backoff_max_ms = 1000;
	CHECK_INT(k8s_client_new(&d.conn, &d.opts, d.multi, d.st, &d.c), 0);
	t0 = agent_now_ms();
	CHECK(pump(&d, synced, NULL, 10000));
	/* 50 + 100 + 200 ms, less 20 % of jitter. */
	CHECK(agent_now_ms() - t0 >= 280);
	k8s_client_stats(d.c, K8S_PODS, &st);
	CHECK_INT(st.errors, 3);
	CHECK_INT(st.lists, 4);
	CHECK(find_service(&d, "x/web/http", NULL));
	/* The pods list that worked ended the failure streak. */
	CHECK(pump(&d, not_failing, NULL, 5000));
	drive_stop(&d);
}

/* The bearer token is sent; without it, 401s and no sync. */
void test_k8s_token(void)
{
	struct stat_want want = { .kind = K8S_PODS, .errors = 2 };
	struct drive d;
	int err;

	err = drive_start(&d, "s3cret", NULL);
	if (err == -ENOENT) {
		SKIP("python3 or selftests/fake_apiserver.py not available");
		goto out;
	}
	CHECK_INT(err, 0);
	if (err)
		goto out;
	CHECK(pump(&d, stats_at_least, &want, 5000));
	CHECK(!k8s_client_synced(d.c));
	/* 401s: failing since the first one. */
	CHECK(k8s_client_failing_since(d.c) > 0);
	CHECK(k8s_client_failing_since(d.c) <= agent_now_ms());
	k8s_client_free(d.c);
	d.c = NULL;
	d.conn.token = strdup("s3cret");
	CHECK_INT(k8s_client_new(&d.conn, &d.opts, d.multi, d.st, &d.c), 0);
	CHECK(pump(&d, synced, NULL, 10000));
out:
	drive_stop(&d);
}

/* ---- hostile input ------------------------------------------------------------ */

/* Lines a watch may carry that must neither crash nor poison the agent. */
static const struct {
	const char *line;	/* JSON text, or base64 of bytes (b64) */
	bool b64;
	bool ends;		/* ends the watch */
} hostile[] = {
	/* Well-formed events with bad objects: skipped, the watch goes on. */
	{ .line = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\"}}" },
	{ .line = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":\"x\"}}" },
	{ .line = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"name\":7}}}" },
	{ .line = "{\"type\":\"ADDED\",\"object\":{\"kind\":7,\"metadata\":{\"name\":\"a\"}}}" },
	{ .line = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}}" },
	{ .line = "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"bad\",\"namespace\":\"x\",\"resourceVersion\":[1]},\"spec\":{\"ports\":\"all\",\"clusterIPs\":[{},null,1e308]}}}" },
	{ .line = "{\"type\":\"DELETED\",\"object\":{}}" },
	{ .line = "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"never-there\",\"namespace\":\"q\"}}}" },
	{ .line = "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":{}}}}" },
	{ .line = "{\"type\":\"SOMETHING\",\"object\":{}}" },
	/* Not usable events: the watch ends and starts again after a backoff. */
	{ .line = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"name\":\"x\\u0000y\"}}}", .ends = true },
	{ .line = "{\"type\":\"ADDED\"}", .ends = true },
	{ .line = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", .ends = true },
	/* \x01\x02\xff\xfe{"type": */
	{ .line = "AQL//nsidHlwZSI6", .b64 = true, .ends = true },
	{ .line = "{\"type\":\"ERROR\",\"object\":{\"code\":\"410\"}}", .ends = true },
	{ .line = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500,\"message\":\"\\n\\u001b[31mred\"}}", .ends = true },
};

/* The fake server got every services watch the client started. */
static bool watch_open(struct drive *d, const void *arg)
{
	struct k8s_stats st;

	(void)arg;
	k8s_client_stats(d->c, K8S_SERVICES, &st);
	return fake_count(&d->fake, "/api/v1/services", "watch") >=
	       (int)st.watches;
}

void test_k8s_hostile(void)
{
	struct stat_want want = { .kind = K8S_SERVICES };
	struct k8s_stats st;
	char body[1024];
	struct drive d;
	json_t *j;
	size_t i, n;

	if (!start_or_skip(&d, NULL, NULL))
		goto out;
	for (i = 0; i < ARRAY_SIZE(hostile); i++) {
		CHECK(pump(&d, watch_open, NULL, 5000));
		k8s_client_stats(d.c, K8S_SERVICES, &st);
		j = json_pack("{s:s, s:s}", "resource", "services",
			      hostile[i].b64 ? "b64" : "line",
			      hostile[i].line);
		n = j ? json_dumpb(j, body, sizeof(body) - 1, 0) : 0;
		json_decref(j);
		CHECK(n && n < sizeof(body) - 1);
		body[n] = '\0';
		CHECK_INT(fake_post(&d.fake, "/fake/raw", body), 200);
		want.events = st.events + !hostile[i].ends;
		want.errors = st.errors + hostile[i].ends;
		want.watches = st.watches + hostile[i].ends;
		if (!pump(&d, stats_at_least, &want, 5000)) {
			printf("#   no reaction to line %zu\n", i);
			CHECK(0);
		}
	}
	/* Still working: a good event, the bad one is reported. */
	CHECK_INT(post_service(&d, 99), 200);
	CHECK(pump(&d, has_service, "x/new/p", 5000));
	{
		struct kp_ruleset *rs;
		struct kp_errors errs;
		bool bad = false;

		kp_errors_init(&errs);
		CHECK_INT(kp_compile(d.st, "node-1", &rs, &errs), 0);
		for (i = 0; i < errs.n; i++)
			if (!strcmp(errs.v[i].name, "bad"))
				bad = true;
		CHECK(bad);
		kp_ruleset_free(rs);
		kp_errors_free(&errs);
	}
out:
	drive_stop(&d);
}
