// SPDX-License-Identifier: GPL-2.0
/*
 * --healthz-bind-address: the agent's health over HTTP, for the kubelet's
 * probes and for load balancers, as kube-proxy's :10256 does.
 *
 *   GET /healthz   200 while no change has waited longer than the health
 *                  timeout to reach the kernel; 503 after (a kernel that
 *                  refuses every commit, a sync that cannot finish). A
 *                  restarting agent is healthy until it has something to
 *                  apply: a long first list must not get it killed.
 *   GET /livez     the same (kube-proxy's path for it).
 *   GET /readyz    200 once the kernel holds a complete view, while
 *                  healthy and while the API server answers (one failing
 *                  longer than the timeout leaves the view stale); 503
 *                  before and otherwise. A restart would not help there,
 *                  so it is no reason to be unhealthy.
 *
 * Both answer a JSON object with the facts behind the verdict. That is
 * the definition kube-proxy settled on (kubernetes PR 83498): health is
 * "the dataplane matches a recent desired state", not "the process runs".
 *
 * The server (agent_http.c) has no thread of its own: agent_loop.c polls
 * its descriptor with the rest and calls agent_health_run(), so the
 * handler reads the agent's state without locks. An agent stuck inside a
 * sync does not answer, which a probe counts as a failure, as it should.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "agent_http.h"
#include "text.h"

struct agent_health {
	struct MHD_Daemon *daemon;
	const struct agent_health_state *st;
	uint64_t timeout_ms;
};

int agent_health_parse_addr(const char *arg, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(arg, ':');
	struct kubenf_err err;
	size_t hlen;
	uint32_t port;

	if (!colon || kubenf_u32_parse(colon + 1, 1, 65535, &port, "port",
					&err))
		return -EINVAL;
	hlen = colon - arg;
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	}
	return 0;
}

bool agent_health_healthy(const struct agent_health_state *st,
			  uint64_t timeout_ms, uint64_t now)
{
	return !st->pending_since || now - st->pending_since <= timeout_ms;
}

static bool api_failing(const struct agent_health_state *st,
			uint64_t timeout_ms, uint64_t now)
{
	return st->api_failing_since &&
	       now - st->api_failing_since > timeout_ms;
}

bool agent_health_ready(const struct agent_health_state *st,
			uint64_t timeout_ms, uint64_t now)
{
	return st->synced && agent_health_healthy(st, timeout_ms, now) &&
	       !api_failing(st, timeout_ms, now);
}

/* RFC 3339 UTC with milliseconds, as the log lines; "" for 0. */
static void rfc3339(char *buf, size_t len, uint64_t wall_ms)
{
	time_t t = wall_ms / 1000;
	struct tm tm;
	char s[24];

	buf[0] = '\0';
	if (!wall_ms || !gmtime_r(&t, &tm))
		return;
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03uZ", s, (unsigned int)(wall_ms % 1000));
}

static int set_time(json_t *o, const char *key, uint64_t wall_ms)
{
	char buf[40];

	rfc3339(buf, sizeof(buf), wall_ms);
	return json_object_set_new(o, key, buf[0] ? json_string(buf) :
				   json_null());
}

/* Why the verdict is what it is; "" when healthy and ready. */
static void reason(const struct agent_health_state *st, uint64_t timeout_ms,
		   uint64_t now, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!agent_health_healthy(st, timeout_ms, now))
		snprintf(buf, len, "a change has waited %" PRIu64 " s to reach the kernel (%u failed syncs since the last success)",
			 (now - st->pending_since) / 1000, st->failures);
	else if (!st->synced)
		snprintf(buf, len, "%s", st->pending_since ?
			 "the first sync is under way" :
			 "waiting for a complete view of the cluster");
	else if (api_failing(st, timeout_ms, now))
		snprintf(buf, len, "the API server has failed for %" PRIu64 " s: the view may be stale",
			 (now - st->api_failing_since) / 1000);
}

json_t *agent_health_report(const struct agent_health_state *st,
			    uint64_t timeout_ms, uint64_t now,
			    uint64_t wall_ms)
{
	bool healthy = agent_health_healthy(st, timeout_ms, now);
	bool ready = agent_health_ready(st, timeout_ms, now);
	json_t *o = json_object();
	char why[256];
	int err = 0;

	if (!o)
		return NULL;
	reason(st, timeout_ms, now, why, sizeof(why));
	err |= json_object_set_new(o, "healthy", json_boolean(healthy));
	err |= json_object_set_new(o, "ready", json_boolean(ready));
	if (why[0])
		err |= json_object_set_new(o, "reason", json_string(why));
	err |= set_time(o, "lastUpdated", st->last_sync_wall);
	err |= set_time(o, "currentTime", wall_ms);
	err |= json_object_set_new(o, "generation",
				   json_integer((json_int_t)st->generation));
	err |= json_object_set_new(o, "pendingSeconds", json_integer(
			st->pending_since ?
			(json_int_t)((now - st->pending_since) / 1000) : 0));
	err |= json_object_set_new(o, "failedSyncs",
				   json_integer(st->failures));
	if (st->last_error[0])
		err |= json_object_set_new(o, "lastError",
					   json_string(st->last_error));
	err |= json_object_set_new(o, "apiFailingSeconds", json_integer(
			st->api_failing_since ?
			(json_int_t)((now - st->api_failing_since) / 1000) : 0));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **req)
{
	const struct agent_health *h = cls;
	bool readyz = !strcmp(url, "/readyz");
	uint64_t now = agent_now_ms();
	json_t *report;
	bool ok;
	char *body;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)req;
	/* /livez: kube-proxy's name for /healthz without node checks. */
	if (!readyz && strcmp(url, "/healthz") && strcmp(url, "/livez"))
		return agent_http_text(conn, MHD_HTTP_NOT_FOUND,
				       "not found: /healthz, /livez and /readyz are served\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return agent_http_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				       "method not allowed\n");

	ok = readyz ? agent_health_ready(h->st, h->timeout_ms, now) :
	     agent_health_healthy(h->st, h->timeout_ms, now);
	report = agent_health_report(h->st, h->timeout_ms, now,
				     agent_wall_ms());
	if (!report)
		return MHD_NO;
	body = json_dumps(report, JSON_COMPACT);
	json_decref(report);
	if (!body)
		return MHD_NO;
	/* Freed with free(): the default jansson allocator. */
	return agent_http_respond(conn, ok ? MHD_HTTP_OK :
				  MHD_HTTP_SERVICE_UNAVAILABLE, body,
				  "application/json", NULL);
}

int agent_health_start(const struct sockaddr *addr,
		       const struct agent_health_state *st,
		       uint64_t timeout_ms, struct agent_health **out)
{
	uint16_t port = addr->sa_family == AF_INET6 ?
		((const struct sockaddr_in6 *)addr)->sin6_port :
		((const struct sockaddr_in *)addr)->sin_port;
	struct agent_health *h;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->st = st;
	h->timeout_ms = timeout_ms;
	err = agent_http_start(addr, ntohs(port), handle, h, &h->daemon);
	if (err) {
		free(h);
		return err;
	}
	*out = h;
	return 0;
}

int agent_health_fd(const struct agent_health *h)
{
	return agent_http_fd(h->daemon);
}

unsigned int agent_health_port(const struct agent_health *h)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	return info ? info->port : 0;
}

long agent_health_timeout(const struct agent_health *h)
{
	return agent_http_timeout(h->daemon);
}

void agent_health_run(struct agent_health *h)
{
	MHD_run(h->daemon);
}

void agent_health_stop(struct agent_health *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}
