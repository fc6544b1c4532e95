// SPDX-License-Identifier: GPL-2.0
/*
 * Service health checks: for every LoadBalancer Service with
 * externalTrafficPolicy Local and a healthCheckNodePort, the node answers
 * HTTP on that port with how many ready endpoints of the Service it has,
 * as kube-proxy does:
 *
 *   200 (503 when it has none, or the agent is unhealthy)
 *   X-Load-Balancing-Endpoint-Weight: N
 *   {"service": {"namespace": NS, "name": NAME}, "localEndpoints": N,
 *    "serviceProxyHealthy": BOOL}
 *
 * The cloud's load balancer probes it to send a Service's traffic only to
 * nodes that can serve it without a second hop: with nothing listening,
 * every node fails the check and the Service is down.
 *
 * The servers follow the rule set the kernel holds: agent_hc_update() is
 * called after each successful sync. A port that cannot be bound (another
 * program has it) is logged, naming the Service, and tried again at the
 * next update. All servers are polled through one epoll descriptor that
 * holds theirs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "agent.h"
#include "agent_http.h"
#include "kubenf_policy.h"

struct hc_server {
	struct agent_hc *hc;
	struct MHD_Daemon *daemon;
	uint16_t port;
	char *ns, *name;
	uint32_t local_endpoints;
	int bind_err;		/* the last failure to listen, logged once */
	bool fresh;		/* created by the update under way */
};

struct agent_hc {
	int epfd;
	struct hc_server **v;	/* by port */
	size_t n;
	const struct agent_health_state *st;
	uint64_t timeout_ms;
};

int agent_hc_new(const struct agent_health_state *st, uint64_t timeout_ms,
		 struct agent_hc **out)
{
	struct agent_hc *hc = calloc(1, sizeof(*hc));

	if (!hc)
		return -ENOMEM;
	hc->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (hc->epfd < 0) {
		free(hc);
		return -errno;
	}
	hc->st = st;
	hc->timeout_ms = timeout_ms;
	*out = hc;
	return 0;
}

static void server_stop(struct hc_server *s)
{
	if (s->daemon) {
		epoll_ctl(s->hc->epfd, EPOLL_CTL_DEL, agent_http_fd(s->daemon),
			  NULL);
		MHD_stop_daemon(s->daemon);
		s->daemon = NULL;
	}
}

static void server_free(struct hc_server *s)
{
	server_stop(s);
	free(s->ns);
	free(s->name);
	free(s);
}

void agent_hc_free(struct agent_hc *hc)
{
	size_t i;

	if (!hc)
		return;
	for (i = 0; i < hc->n; i++)
		server_free(hc->v[i]);
	free(hc->v);
	close(hc->epfd);
	free(hc);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **req)
{
	const struct hc_server *s = cls;
	const struct agent_hc *hc = s->hc;
	bool healthy = agent_health_healthy(hc->st, hc->timeout_ms,
					    agent_now_ms());
	char weight[16];
	const char *const headers[] = {
		"X-Content-Type-Options", "nosniff",
		"X-Load-Balancing-Endpoint-Weight", weight,
		NULL,
	};
	json_t *report;
	char *body;

	(void)url;
	(void)version;
	(void)upload;
	(void)upload_len;
	(void)req;
	/* kube-proxy answers any path. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return agent_http_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				       "method not allowed\n");
	snprintf(weight, sizeof(weight), "%u", s->local_endpoints);
	report = json_pack("{s:{s:s, s:s}, s:I, s:b}", "service", "namespace",
			   s->ns, "name", s->name, "localEndpoints",
			   (json_int_t)s->local_endpoints,
			   "serviceProxyHealthy", healthy);
	body = report ? json_dumps(report, JSON_COMPACT |
				   JSON_PRESERVE_ORDER) : NULL;
	json_decref(report);
	if (!body)
		return MHD_NO;
	return agent_http_respond(conn, s->local_endpoints && healthy ?
				  MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
				  body, "application/json", headers);
}

/* Listen on @s->port unless it does already; logs a new failure. */
static void server_listen(struct hc_server *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	if (s->daemon)
		return;
	err = agent_http_start(NULL, s->port, handle, s, &s->daemon);
	if (!err) {
		ev.data.ptr = s;
		if (epoll_ctl(s->hc->epfd, EPOLL_CTL_ADD,
			      agent_http_fd(s->daemon), &ev)) {
			err = -errno;
			MHD_stop_daemon(s->daemon);
			s->daemon = NULL;
		}
	}
	if (err && err != s->bind_err)
		agent_log(AGENT_LOG_ERROR, "Service %s/%s: cannot serve its health check on port %u: %s; trying again at the next sync",
			  s->ns, s->name, s->port, strerror(-err));
	else if (!err && s->bind_err)
		agent_log(AGENT_LOG_INFO, "Service %s/%s: serving its health check on port %u",
			  s->ns, s->name, s->port);
	s->bind_err = err;
}

/* @s takes the Service of @want ("ns/name") and its count. */
static int server_set(struct hc_server *s, const struct kp_health_check *want)
{
	const char *slash = strchr(want->name, '/');
	char *ns, *name;

	if (!slash)
		return -EINVAL;
	ns = strndup(want->name, slash - want->name);
	name = strdup(slash + 1);
	if (!ns || !name) {
		free(ns);
		free(name);
		return -ENOMEM;
	}
	free(s->ns);
	free(s->name);
	s->ns = ns;
	s->name = name;
	s->local_endpoints = want->local_endpoints;
	return 0;
}

static int port_cmp(const void *a, const void *b)
{
	const struct hc_server *x = *(struct hc_server *const *)a;
	const struct hc_server *y = *(struct hc_server *const *)b;

	return (x->port > y->port) - (x->port < y->port);
}

static struct hc_server *find(const struct agent_hc *hc, uint16_t port)
{
	size_t i;

	for (i = 0; i < hc->n; i++)
		if (hc->v[i]->port == port)
			return hc->v[i];
	return NULL;
}

static bool in(struct hc_server *const *v, size_t n,
	       const struct hc_server *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == s)
			return true;
	return false;
}

int agent_hc_update(struct agent_hc *hc, const struct kp_health_check *want,
		    size_t n_want)
{
	struct hc_server **v, *s;
	size_t i, n = 0;

	v = calloc(n_want ? n_want : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n_want; i++) {
		s = find(hc, want[i].port);
		if (s && in(v, n, s))
			continue;	/* the compiler gives a port once */
		if (!s) {
			s = calloc(1, sizeof(*s));
			if (!s)
				goto nomem;
			s->hc = hc;
			s->port = want[i].port;
			s->fresh = true;
		}
		v[n++] = s;
		if (server_set(s, &want[i]))
			goto nomem;
	}
	/* The ports no Service wants any more. */
	for (i = 0; i < hc->n; i++)
		if (!in(v, n, hc->v[i]))
			server_free(hc->v[i]);
	free(hc->v);
	hc->v = v;
	hc->n = n;
	qsort(hc->v, hc->n, sizeof(*hc->v), port_cmp);
	for (i = 0; i < hc->n; i++) {
		hc->v[i]->fresh = false;
		server_listen(hc->v[i]);
	}
	return 0;
nomem:
	/* Keep serving what was served; the next update tries again. */
	for (i = 0; i < n; i++)
		if (v[i]->fresh)
			server_free(v[i]);
	free(v);
	return -ENOMEM;
}

int agent_hc_fd(const struct agent_hc *hc)
{
	return hc->epfd;
}

long agent_hc_timeout(const struct agent_hc *hc)
{
	long t = -1, d;
	size_t i;

	for (i = 0; i < hc->n; i++) {
		if (!hc->v[i]->daemon)
			continue;
		d = agent_http_timeout(hc->v[i]->daemon);
		if (d >= 0 && (t < 0 || d < t))
			t = d;
	}
	return t;
}

void agent_hc_run(struct agent_hc *hc)
{
	size_t i;

	for (i = 0; i < hc->n; i++)
		if (hc->v[i]->daemon)
			MHD_run(hc->v[i]->daemon);
}

unsigned int agent_hc_listening(const struct agent_hc *hc, uint16_t *ports,
				unsigned int max)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < hc->n; i++)
		if (hc->v[i]->daemon && n < max)
			ports[n++] = hc->v[i]->port;
	return n;
}
