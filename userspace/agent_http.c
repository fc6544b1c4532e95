// SPDX-License-Identifier: GPL-2.0
/*
 * What the agent's HTTP servers share: libmicrohttpd daemons in external
 * polling mode (MHD_USE_EPOLL without a thread: the handlers run in the
 * agent's one thread and read its state without locks), few connections,
 * short timeouts, and MHD's own messages at debug level only (a port
 * scanner must not fill the log).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent_http.h"

/* Probes are few and short: refuse to be a resource sink. */
#define HTTP_MAX_CONNS		16
#define HTTP_CONN_TIMEOUT	10	/* s of silence before a close */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	agent_log(AGENT_LOG_DEBUG, "http: %s", msg);
}

static struct MHD_Daemon *start(unsigned int flags, unsigned int port,
				const struct sockaddr *addr,
				MHD_AccessHandlerCallback handler, void *cls)
{
	flags |= MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	errno = 0;
	/* @port only names the port in MHD's messages when @addr is set. */
	return MHD_start_daemon(flags, port, NULL, NULL, handler, cls,
			/* First, or MHD logs the others to stderr. */
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNS,
			MHD_OPTION_CONNECTION_TIMEOUT,
			(unsigned int)HTTP_CONN_TIMEOUT,
			addr ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END, addr,
			MHD_OPTION_END);
}

int agent_http_start(const struct sockaddr *addr, unsigned int port,
		     MHD_AccessHandlerCallback handler, void *cls,
		     struct MHD_Daemon **out)
{
	struct MHD_Daemon *d;

	if (addr)
		d = start(addr->sa_family == AF_INET6 ? MHD_USE_IPv6 : 0,
			  port, addr, handler, cls);
	else
		d = start(MHD_USE_DUAL_STACK, port, NULL, handler, cls);
	if (!d && !addr && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
		d = start(0, port, NULL, handler, cls);	/* no IPv6 */
	if (!d)
		return errno ? -errno : -EIO;
	*out = d;
	return 0;
}

int agent_http_fd(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
	return info ? info->epoll_fd : -1;
}

long agent_http_timeout(struct MHD_Daemon *d)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(d, &ms) != MHD_YES)
		return -1;
	return ms > 60000 ? 60000 : (long)ms;
}

enum MHD_Result agent_http_respond(struct MHD_Connection *conn,
				   unsigned int status, char *body,
				   const char *type,
				   const char *const *headers)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), body,
					    MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (; headers && headers[0]; headers += 2)
		MHD_add_response_header(r, headers[0], headers[1]);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result agent_http_text(struct MHD_Connection *conn,
				unsigned int status, const char *msg)
{
	static const char *const allow[] = {
		MHD_HTTP_HEADER_ALLOW, "GET, HEAD", NULL,
	};
	char *body = strdup(msg);

	if (!body)
		return MHD_NO;
	return agent_http_respond(conn, status, body, "text/plain",
				  status == MHD_HTTP_METHOD_NOT_ALLOWED ?
				  allow : NULL);
}
