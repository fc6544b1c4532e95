// SPDX-License-Identifier: GPL-2.0
/*
 * connbench: new-connection rate and single-stream throughput for
 * `make bench`.
 *
 *   connbench serve ADDR PORT
 *	Iterative TCP server. Per connection it reads one request: "R" plus
 *	padding to REQ_LEN bytes is answered with REPLY_LEN bytes, then the
 *	server waits for the client's FIN and closes; "S" plus a 64-bit byte
 *	count (network order) is answered with that many bytes, then closed.
 *
 *   connbench rate ADDR PORT COUNT [WARMUP]
 *	COUNT times, one after the other: socket, connect, send the request,
 *	read the reply, close. WARMUP more connections (default 20) run first
 *	and are not measured. Prints one JSON object: count, failures,
 *	elapsed_ns, rate (connections per second) and the per-connection
 *	latency median and 99th percentile. Exit status 1 if any connection
 *	failed.
 *
 *   connbench stream ADDR PORT MBYTES
 *	One connection; the server sends MBYTES MiB, the client reads to EOF.
 *	Prints bytes, elapsed_ns and MBps (MiB per second). Exit status 1 if
 *	fewer bytes came.
 *
 * Time is CLOCK_MONOTONIC: under `selftests/vm/run --icount` the guest
 * clock counts executed instructions, so figures are comparable within a
 * run, not with real hardware.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_LEN		64
#define REPLY_LEN	64
#define IO_TIMEOUT_S	5
#define STREAM_CHUNK	(64 * 1024)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int parse_addr(const char *addr, const char *port, struct sockaddr_in *sa)
{
	char *end;
	long p = strtol(port, &end, 10);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (*end || p < 1 || p > 65535 || inet_pton(AF_INET, addr, &sa->sin_addr) != 1) {
		fprintf(stderr, "connbench: bad address %s:%s\n", addr, port);
		return -1;
	}
	sa->sin_port = htons(p);
	return 0;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Reads exactly @len bytes; 0 on success, -1 on error or early EOF. */
static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void serve_one(int fd)
{
	static char buf[STREAM_CHUNK];
	char req[REQ_LEN];
	uint64_t left;

	set_timeouts(fd);
	if (read_full(fd, req, 1))
		return;
	if (req[0] == 'R') {
		if (read_full(fd, req + 1, REQ_LEN - 1))
			return;
		memset(buf, 'r', REPLY_LEN);
		if (write_full(fd, buf, REPLY_LEN))
			return;
		/* Wait for the client's close: the client holds TIME_WAIT. */
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	} else if (req[0] == 'S') {
		if (read_full(fd, &left, sizeof(left)))
			return;
		left = be64toh(left);
		memset(buf, 's', sizeof(buf));
		while (left) {
			size_t n = left < sizeof(buf) ? left : sizeof(buf);

			if (write_full(fd, buf, n))
				return;
			left -= n;
		}
	}
}

static int cmd_serve(const char *addr, const char *port)
{
	struct sockaddr_in sa;
	int one = 1, lfd;

	if (parse_addr(addr, port, &sa))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1024)) {
		perror("connbench: serve");
		return 1;
	}
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("connbench: accept");
			return 1;
		}
		serve_one(fd);
		close(fd);
	}
}

/* One request/reply connection; 0 on success. */
static int one_conn(const struct sockaddr_in *sa)
{
	char req[REQ_LEN], reply[REPLY_LEN];
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	set_timeouts(fd);
	memset(req, 'q', sizeof(req));
	req[0] = 'R';
	if (!connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) &&
	    !write_full(fd, req, sizeof(req)) && !read_full(fd, reply, sizeof(reply)))
		ret = 0;
	close(fd);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_rate(const char *addr, const char *port, long count, long warmup)
{
	struct sockaddr_in sa;
	uint64_t t0, t1, *lat;
	long i, fail = 0, wfail = 0;

	if (parse_addr(addr, port, &sa) || count < 1 || warmup < 0)
		return 2;
	lat = calloc(count, sizeof(*lat));
	if (!lat)
		return 1;
	for (i = 0; i < warmup; i++)
		wfail += !!one_conn(&sa);
	t0 = now_ns();
	for (i = 0; i < count; i++) {
		uint64_t a = now_ns();

		fail += !!one_conn(&sa);
		lat[i] = now_ns() - a;
	}
	t1 = now_ns();
	qsort(lat, count, sizeof(*lat), cmp_u64);
	printf("{\"count\": %ld, \"failures\": %ld, \"warmup_failures\": %ld, "
	       "\"elapsed_ns\": %llu, \"rate\": %.1f, \"lat_p50_us\": %.1f, "
	       "\"lat_p99_us\": %.1f}\n",
	       count, fail, wfail, (unsigned long long)(t1 - t0),
	       count * 1e9 / (double)(t1 - t0), lat[count / 2] / 1e3,
	       lat[(count * 99) / 100] / 1e3);
	free(lat);
	return fail || wfail ? 1 : 0;
}

static int cmd_stream(const char *addr, const char *port, long mbytes)
{
	static char buf[STREAM_CHUNK];
	uint64_t want, got = 0, t0, t1;
	struct sockaddr_in sa;
	char req[1 + sizeof(uint64_t)];
	int fd;

	if (parse_addr(addr, port, &sa) || mbytes < 1)
		return 2;
	want = (uint64_t)mbytes << 20;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1;
	set_timeouts(fd);
	req[0] = 'S';
	{
		uint64_t be = htobe64(want);

		memcpy(req + 1, &be, sizeof(be));
	}
	t0 = now_ns();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write_full(fd, req, sizeof(req))) {
		perror("connbench: stream");
		close(fd);
		return 1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	t1 = now_ns();
	close(fd);
	printf("{\"bytes\": %llu, \"elapsed_ns\": %llu, \"MBps\": %.2f}\n",
	       (unsigned long long)got, (unsigned long long)(t1 - t0),
	       got / 1048576.0 / ((t1 - t0) / 1e9));
	return got == want ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: connbench serve ADDR PORT\n"
		"       connbench rate ADDR PORT COUNT [WARMUP]\n"
		"       connbench stream ADDR PORT MBYTES\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return cmd_serve(argv[2], argv[3]);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "rate"))
		return cmd_rate(argv[2], argv[3], atol(argv[4]),
				argc == 6 ? atol(argv[5]) : 20);
	if (argc == 5 && !strcmp(argv[1], "stream"))
		return cmd_stream(argv[2], argv[3], atol(argv[4]));
	return usage();
}
