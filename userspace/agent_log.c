// SPDX-License-Identifier: GPL-2.0
/*
 * kubenf-agent's log: one line per event on stderr,
 *
 *   2026-12-05T05:06:07.123Z kubenf-agent: applied generation 7: ...
 *
 * with "error: " or "warning: " before the message when it is one. The
 * message may quote Kubernetes input, so control characters are escaped
 * and a line can never be split or forged by what the API server sends.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "agent.h"

enum agent_level agent_log_level = AGENT_LOG_INFO;
static FILE *log_file;
/* The last error line's message, for the health endpoint. */
static char last_error[512];
static unsigned long n_errors;

const char *agent_log_last_error(unsigned long *count)
{
	*count = n_errors;
	return last_error;
}

void agent_log_set_file(void *file)
{
	log_file = file;
}

uint64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t agent_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t agent_jitter(uint64_t ms, unsigned int pct)
{
	uint64_t span = ms * pct / 100;

	if (!span)
		return ms;
	/* Not for security: spreading agents that restart at once. */
	return ms - span + (uint64_t)random() % (2 * span + 1);
}

/* Copy @src to @dst (@len bytes), escaping control characters. */
static void escape(char *dst, size_t len, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *src && o + 5 < len; src++) {
		unsigned char c = *src;

		if (c >= 0x20 && c != 0x7f) {
			dst[o++] = c;
			continue;
		}
		dst[o++] = '\\';
		if (c == '\n') {
			dst[o++] = 'n';
		} else if (c == '\t') {
			dst[o++] = 't';
		} else {
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}

void agent_log(enum agent_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[AGENT_LOG_ERROR]	= "error: ",
		[AGENT_LOG_WARN]	= "warning: ",
		[AGENT_LOG_INFO]	= "",
		[AGENT_LOG_DEBUG]	= "",
	};
	char msg[2048], line[2048], stamp[32];
	FILE *f = log_file ?: stderr;
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > agent_log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	escape(line, sizeof(line), msg);
	if (level == AGENT_LOG_ERROR) {
		snprintf(last_error, sizeof(last_error), "%.*s",
			 (int)sizeof(last_error) - 1, line);
		n_errors++;
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One write per line, so lines of concurrent writers do not mix. */
	fprintf(f, "%s.%03ldZ " AGENT_PROG ": %s%s\n", stamp,
		ts.tv_nsec / 1000000, prefix[level], line);
	fflush(f);
}
