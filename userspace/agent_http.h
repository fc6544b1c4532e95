/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's HTTP servers (agent_health.c: /healthz; agent_hc.c: the
 * Services' health check node ports): libmicrohttpd daemons without
 * threads of their own, polled by the agent's one thread.
 */
#ifndef _KUBENF_AGENT_HTTP_H
#define _KUBENF_AGENT_HTTP_H

#include <sys/socket.h>

#include <microhttpd.h>

/*
 * A daemon answering with @handler(@cls, ...) on @addr, or, with @addr
 * NULL, on every address of both families (IPv4 alone where IPv6 is off)
 * at @port. Returns 0 or -errno (-EADDRINUSE...).
 */
int agent_http_start(const struct sockaddr *addr, unsigned int port,
		     MHD_AccessHandlerCallback handler, void *cls,
		     struct MHD_Daemon **out);
/* The daemon's epoll descriptor, to poll for input. */
int agent_http_fd(struct MHD_Daemon *d);
/* The longest wait before agent_http_run() is due (ms); -1: any. */
long agent_http_timeout(struct MHD_Daemon *d);

/*
 * Queue @body (malloc()ed, taken in every case) with @status, Content-Type
 * @type, "Cache-Control: no-store", and the NULL-terminated name/value
 * pairs of @headers (may be NULL).
 */
enum MHD_Result agent_http_respond(struct MHD_Connection *conn,
				   unsigned int status, char *body,
				   const char *type,
				   const char *const *headers);
/* A text/plain answer; for GET/HEAD only paths, 405 names them. */
enum MHD_Result agent_http_text(struct MHD_Connection *conn,
				unsigned int status, const char *msg);

#endif /* _KUBENF_AGENT_HTTP_H */
