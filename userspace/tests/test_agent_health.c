// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf-agent's health endpoint (agent_health.c): the address syntax,
 * the verdict, the JSON, and the real libmicrohttpd server on a loopback
 * socket, driven from this thread as agent_loop.c drives it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "agent.h"
#include "kubenf_policy.h"
#include "tests.h"

void test_health_addr(void)
{
	static const char *const bad[] = {
		"", "10256", ":10256", "0.0.0.0", "0.0.0.0:", "0.0.0.0:0",
		"0.0.0.0:65536", "0.0.0.0:80x", "::1:80", "[::1:80", "[::1]",
		"[1.2.3.4]:80", "localhost:80", "1.2.3.4.5:80", "[]:80",
	};
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	CHECK_INT(agent_health_parse_addr("0.0.0.0:10256", &ss), 0);
	CHECK_INT(ss.ss_family, AF_INET);
	CHECK_INT(ntohs(sin->sin_port), 10256);
	CHECK_INT(sin->sin_addr.s_addr, htonl(INADDR_ANY));

	CHECK_INT(agent_health_parse_addr("127.0.0.1:1", &ss), 0);
	CHECK_INT(ntohs(sin->sin_port), 1);
	CHECK_INT(sin->sin_addr.s_addr, htonl(INADDR_LOOPBACK));

	CHECK_INT(agent_health_parse_addr("[fd00::1]:65535", &ss), 0);
	CHECK_INT(ss.ss_family, AF_INET6);
	CHECK_INT(ntohs(sin6->sin6_port), 65535);
	CHECK_STR(inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)),
		  "fd00::1");
	CHECK_INT(agent_health_parse_addr("[::]:10256", &ss), 0);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (agent_health_parse_addr(bad[i], &ss) != -EINVAL)
			printf("# accepted \"%s\"\n", bad[i]);
		CHECK_INT(agent_health_parse_addr(bad[i], &ss), -EINVAL);
	}
}

void test_health_verdict(void)
{
	struct agent_health_state st = { 0 };

	/* Starting: nothing queued yet, healthy but not ready. */
	CHECK(agent_health_healthy(&st, 60000, 1000000));
	/* A change waits: healthy up to the timeout, not a moment after. */
	st.pending_since = 1000;
	CHECK(agent_health_healthy(&st, 60000, 1000));
	CHECK(agent_health_healthy(&st, 60000, 61000));
	CHECK(!agent_health_healthy(&st, 60000, 61001));
	CHECK(!agent_health_ready(&st, 60000, 1000));
	/* Applied: healthy however long ago that was, and ready. */
	st.pending_since = 0;
	st.synced = true;
	CHECK(agent_health_healthy(&st, 60000, UINT64_MAX));
	CHECK(agent_health_ready(&st, 60000, UINT64_MAX));
	/* The API server fails: still healthy; not ready past the timeout. */
	st.api_failing_since = 2000;
	CHECK(agent_health_ready(&st, 60000, 62000));
	CHECK(!agent_health_ready(&st, 60000, 62001));
	CHECK(agent_health_healthy(&st, 60000, 62001));
	/* Unhealthy is never ready. */
	st.api_failing_since = 0;
	st.pending_since = 1000;
	CHECK(!agent_health_ready(&st, 60000, 61001));
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

void test_health_report(void)
{
	struct agent_health_state st = { 0 };
	/* 2026-12-05T05:06:07.089Z */
	const uint64_t wall = 1796447167089ULL;
	json_t *r;

	/* Waiting for the first complete view. */
	r = agent_health_report(&st, 60000, 5000, wall);
	CHECK(r && json_is_true(json_object_get(r, "healthy")));
	CHECK(json_is_false(json_object_get(r, "ready")));
	CHECK_STR(str(r, "reason"),
		  "waiting for a complete view of the cluster");
	CHECK(json_is_null(json_object_get(r, "lastUpdated")));
	CHECK_STR(str(r, "currentTime"), "2026-12-05T05:06:07.089Z");
	CHECK_INT(num(r, "generation"), 0);
	CHECK(!json_object_get(r, "lastError"));
	json_decref(r);

	/* The first sync fails, and keeps failing past the timeout. */
	st.pending_since = 1000;
	st.failures = 4;
	snprintf(st.last_error, sizeof(st.last_error),
		 "applying: kubenf.ko refused \"x\": No space left on device");
	r = agent_health_report(&st, 60000, 30000, wall);
	CHECK(json_is_true(json_object_get(r, "healthy")));
	CHECK_STR(str(r, "reason"), "the first sync is under way");
	CHECK_INT(num(r, "pendingSeconds"), 29);
	json_decref(r);
	r = agent_health_report(&st, 60000, 62000, wall);
	CHECK(json_is_false(json_object_get(r, "healthy")));
	CHECK(json_is_false(json_object_get(r, "ready")));
	CHECK_STR(str(r, "reason"),
		  "a change has waited 61 s to reach the kernel (4 failed syncs since the last success)");
	CHECK_INT(num(r, "failedSyncs"), 4);
	CHECK_STR(str(r, "lastError"), st.last_error);
	json_decref(r);

	/* Synced: healthy and ready, no reason, no error. */
	st = (struct agent_health_state){
		.synced = true, .last_sync_wall = wall - 1000, .generation = 7,
	};
	r = agent_health_report(&st, 60000, 90000, wall);
	CHECK(json_is_true(json_object_get(r, "healthy")));
	CHECK(json_is_true(json_object_get(r, "ready")));
	CHECK(!json_object_get(r, "reason"));
	CHECK_STR(str(r, "lastUpdated"), "2026-12-05T05:06:06.089Z");
	CHECK_INT(num(r, "generation"), 7);
	CHECK_INT(num(r, "pendingSeconds"), 0);
	CHECK_INT(num(r, "apiFailingSeconds"), 0);
	json_decref(r);

	/* The API server failing for longer than the timeout. */
	st.api_failing_since = 20000;
	r = agent_health_report(&st, 60000, 90000, wall);
	CHECK(json_is_true(json_object_get(r, "healthy")));
	CHECK(json_is_false(json_object_get(r, "ready")));
	CHECK_STR(str(r, "reason"),
		  "the API server has failed for 70 s: the view may be stale");
	CHECK_INT(num(r, "apiFailingSeconds"), 70);
	json_decref(r);
}

/* One request to @port; the whole response, served from this thread. */
static char *http_with(int server_fd, void (*run)(void *), void *server,
		       unsigned int port, const char *request)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	size_t len = 0, cap = 4096;
	char *buf = calloc(1, cap);
	int fd, i;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (!buf || fd < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    errno != EINPROGRESS)
		goto fail;
	for (i = 0; i < 1000; i++) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN | POLLOUT },
			{ .fd = server_fd, .events = POLLIN },
		};
		ssize_t n;

		poll(p, 2, 10);
		run(server);
		if (request && (p[0].revents & POLLOUT)) {
			if (send(fd, request, strlen(request), 0) < 0)
				goto fail;
			request = NULL;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n == 0)
			break;
		if (n > 0 && (len += n) == cap - 1)
			goto fail;
	}
	close(fd);
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static void run_health(void *h)
{
	agent_health_run(h);
}

static char *http(struct agent_health *h, unsigned int port,
		  const char *request)
{
	return http_with(agent_health_fd(h), run_health, h, port, request);
}

void test_health_server(void)
{
	struct sockaddr_in any = {
		.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct agent_health_state st = { .synced = true, .generation = 3 };
	struct agent_health *h, *h2;
	unsigned int port;
	char *resp;

	CHECK_INT(agent_health_start((struct sockaddr *)&any, &st, 60000, &h),
		  0);
	if (tap_failures)
		return;
	port = agent_health_port(h);
	CHECK(port > 0);

	resp = http(h, port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK(resp && !strncmp(resp, "HTTP/1.1 200 ", 13));
	CHECK(resp && strstr(resp, "Content-Type: application/json"));
	CHECK(resp && strstr(resp, "\"healthy\":true,\"ready\":true,"));
	CHECK(resp && strstr(resp, "\"generation\":3,"));
	free(resp);

	/* A change stuck past the timeout: both paths say 503. */
	st.pending_since = agent_now_ms() - 61000;
	resp = http(h, port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK(resp && !strncmp(resp, "HTTP/1.1 503 ", 13));
	free(resp);
	resp = http(h, port, "HEAD /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK(resp && !strncmp(resp, "HTTP/1.1 503 ", 13));
	CHECK(resp && !strstr(resp, "\"healthy\""));	/* no body */
	free(resp);

	resp = http(h, port, "POST /healthz HTTP/1.1\r\nHost: x\r\n"
		    "Content-Length: 0\r\n\r\n");
	CHECK(resp && !strncmp(resp, "HTTP/1.1 405 ", 13));
	CHECK(resp && strstr(resp, "Allow: GET, HEAD"));
	free(resp);
	resp = http(h, port, "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK(resp && !strncmp(resp, "HTTP/1.1 503 ", 13));
	free(resp);
	resp = http(h, port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK(resp && !strncmp(resp, "HTTP/1.1 404 ", 13));
	free(resp);
	/* Garbage is answered (400) or dropped, and the server goes on. */
	resp = http(h, port, "\x01\x02 nonsense\r\n\r\n");
	CHECK(resp != NULL);
	free(resp);
	resp = http(h, port, "GET /readyz HTTP/1.0\r\n\r\n");
	CHECK(resp && (!strncmp(resp, "HTTP/1.0 503 ", 13) ||
		       !strncmp(resp, "HTTP/1.1 503 ", 13)));
	free(resp);

	/* The port is taken: a second agent says so. */
	any.sin_port = htons(port);
	CHECK_INT(agent_health_start((struct sockaddr *)&any, &st, 60000,
				     &h2), -EADDRINUSE);
	agent_health_stop(h);
}

static void run_hc(void *hc)
{
	agent_hc_run(hc);
}

static char *hc_get(struct agent_hc *hc, unsigned int port)
{
	return http_with(agent_hc_fd(hc), run_hc, hc, port,
			 "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
}

/* A free TCP port now, and a socket listening on it when @keep. */
static unsigned int free_port(int *keep)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(sin6);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	unsigned int port = 0;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) &&
	    !getsockname(fd, (struct sockaddr *)&sin6, &len))
		port = ntohs(sin6.sin6_port);
	if (keep && port && !listen(fd, 1)) {
		*keep = fd;
		return port;
	}
	if (fd >= 0)
		close(fd);
	return port;
}

/* Service health check node ports (agent_hc.c), as kube-proxy serves them. */
void test_health_check_ports(void)
{
	struct agent_health_state st = { .synced = true };
	struct kp_health_check want[2] = {
		{ .name = "x/web", .local_endpoints = 2 },
		{ .name = "y/empty", .local_endpoints = 0 },
	};
	struct agent_hc *hc;
	uint16_t ports[4];
	int busy = -1;
	char *resp;

	want[0].port = free_port(NULL);
	want[1].port = free_port(NULL);
	CHECK(want[0].port && want[1].port && want[0].port != want[1].port);
	CHECK_INT(agent_hc_new(&st, 60000, &hc), 0);
	if (tap_failures)
		return;
	CHECK_INT(agent_hc_update(hc, want, 2), 0);
	CHECK_INT(agent_hc_listening(hc, ports, 4), 2);

	resp = hc_get(hc, want[0].port);
	CHECK(resp && !strncmp(resp, "HTTP/1.1 200 ", 13));
	CHECK(resp && strstr(resp, "X-Load-Balancing-Endpoint-Weight: 2\r\n"));
	CHECK(resp && strstr(resp, "X-Content-Type-Options: nosniff\r\n"));
	CHECK(resp && strstr(resp, "\r\n\r\n{\"service\":{\"namespace\":\"x\",\"name\":\"web\"},\"localEndpoints\":2,\"serviceProxyHealthy\":true}"));
	free(resp);
	resp = hc_get(hc, want[1].port);
	CHECK(resp && !strncmp(resp, "HTTP/1.1 503 ", 13));
	CHECK(resp && strstr(resp, "\"localEndpoints\":0,"));
	free(resp);

	/* An unhealthy agent: 503 whatever the count. */
	st.pending_since = agent_now_ms() - 61000;
	resp = hc_get(hc, want[0].port);
	CHECK(resp && !strncmp(resp, "HTTP/1.1 503 ", 13));
	CHECK(resp && strstr(resp, "\"serviceProxyHealthy\":false}"));
	free(resp);
	st.pending_since = 0;

	/* Counts follow the update; a Service gone closes its port. */
	want[0].local_endpoints = 0;
	CHECK_INT(agent_hc_update(hc, want, 1), 0);
	CHECK_INT(agent_hc_listening(hc, ports, 4), 1);
	resp = hc_get(hc, want[0].port);
	CHECK(resp && !strncmp(resp, "HTTP/1.1 503 ", 13));
	free(resp);
	resp = hc_get(hc, want[1].port);
	CHECK(!resp || !strstr(resp, "HTTP/1.1"));	/* refused */
	free(resp);

	/* A port another program holds: tried again at every update. */
	want[1].port = free_port(&busy);
	CHECK(busy >= 0);
	CHECK_INT(agent_hc_update(hc, want, 2), 0);
	CHECK_INT(agent_hc_listening(hc, ports, 4), 1);
	close(busy);
	CHECK_INT(agent_hc_update(hc, want, 2), 0);
	CHECK_INT(agent_hc_listening(hc, ports, 4), 2);
	resp = hc_get(hc, want[1].port);
	CHECK(resp && !strncmp(resp, "HTTP/1.1 503 ", 13));
	free(resp);

	CHECK_INT(agent_hc_update(hc, NULL, 0), 0);
	CHECK_INT(agent_hc_listening(hc, ports, 4), 0);
	agent_hc_free(hc);
}
