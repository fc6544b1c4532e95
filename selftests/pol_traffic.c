// SPDX-License-Identifier: GPL-2.0
/*
 * pol_traffic: traffic for the policy selftests, without a fork per
 * connection (each one costs dearly under TCG).
 *
 *   pol_traffic serve NAME PROTO:PORT...
 *	Listens on every given port of [::] (IPv4 too, through mapped
 *	addresses) and answers "NAME\n" to every read of a TCP or SCTP
 *	connection and to every UDP datagram. Runs until killed.
 *   pol_traffic [-w MS] [-s SPORT] probe PROTO ADDR PORT
 *	One new connection (or datagram): sends "ping\n", prints the first
 *	reply line; exit 0. Prints "timeout" or the error and exits 1 when
 *	nothing came back within MS milliseconds (default 2000).
 *   pol_traffic [-w MS] [-s SPORT] chat PROTO ADDR PORT
 *	One connection for the whole run: sends each stdin line and prints
 *	the reply line or "TIMEOUT" (MS each); "connected" once connected,
 *	or "failed: ERROR" and exit 1.
 *
 * PROTO: tcp, udp or sctp.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS		512

static int wait_ms = 2000;
static int src_port;

static void usage(void)
{
	fprintf(stderr,
		"usage: pol_traffic serve NAME PROTO:PORT...\n"
		"       pol_traffic [-w MS] [-s SPORT] probe|chat PROTO ADDR PORT\n");
	exit(2);
}

static int parse_proto(const char *s, int *type, int *proto)
{
	if (!strcmp(s, "tcp")) {
		*type = SOCK_STREAM;
		*proto = IPPROTO_TCP;
	} else if (!strcmp(s, "udp")) {
		*type = SOCK_DGRAM;
		*proto = IPPROTO_UDP;
	} else if (!strcmp(s, "sctp")) {
		*type = SOCK_STREAM;
		*proto = IPPROTO_SCTP;
	} else {
		return -1;
	}
	return 0;
}

/* --- serve ----------------------------------------------------------- */

struct slot {
	int fd;
	bool listener;	/* stream listener: accept on input */
	bool dgram;
};

static struct pollfd pfds[MAX_FDS];
static struct slot slots[MAX_FDS];
static int n_fds;

static void add_fd(int fd, bool listener, bool dgram)
{
	if (n_fds == MAX_FDS) {
		close(fd);
		return;
	}
	pfds[n_fds].fd = fd;
	pfds[n_fds].events = POLLIN;
	slots[n_fds].fd = fd;
	slots[n_fds].listener = listener;
	slots[n_fds].dgram = dgram;
	n_fds++;
}

static void drop_fd(int i)
{
	close(slots[i].fd);
	n_fds--;
	pfds[i] = pfds[n_fds];
	slots[i] = slots[n_fds];
}

static int listen_on(const char *spec)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	char proto_s[8];
	int type, proto, port, fd, zero = 0, one = 1;

	if (sscanf(spec, "%7[a-z]:%d", proto_s, &port) != 2 ||
	    parse_proto(proto_s, &type, &proto))
		return -1;
	fd = socket(AF_INET6, type, proto);
	if (fd < 0) {
		fprintf(stderr, "pol_traffic: %s: %s\n", spec, strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin6_addr = in6addr_any;
	sa.sin6_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 64))) {
		fprintf(stderr, "pol_traffic: %s: %s\n", spec, strerror(errno));
		close(fd);
		return -1;
	}
	add_fd(fd, type == SOCK_STREAM, type == SOCK_DGRAM);
	return 0;
}

static int serve(int argc, char **argv)
{
	char reply[128], buf[2048];
	struct sockaddr_storage peer;
	socklen_t plen;
	size_t rlen;
	ssize_t n;
	int i, fd;

	if (argc < 2)
		usage();
	rlen = snprintf(reply, sizeof(reply), "%s\n", argv[0]);
	for (i = 1; i < argc; i++)
		if (listen_on(argv[i]))
			return 1;
	for (;;) {
		if (poll(pfds, n_fds, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (i = n_fds - 1; i >= 0; i--) {
			if (!pfds[i].revents)
				continue;
			if (slots[i].listener) {
				fd = accept4(slots[i].fd, NULL, NULL,
					     SOCK_CLOEXEC);
				if (fd >= 0)
					add_fd(fd, false, false);
			} else if (slots[i].dgram) {
				plen = sizeof(peer);
				n = recvfrom(slots[i].fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&peer, &plen);
				if (n >= 0)
					sendto(slots[i].fd, reply, rlen, 0,
					       (struct sockaddr *)&peer, plen);
			} else {
				n = read(slots[i].fd, buf, sizeof(buf));
				if (n <= 0)
					drop_fd(i);
				else if (write(slots[i].fd, reply, rlen) < 0)
					drop_fd(i);
			}
		}
	}
}

/* --- clients ----------------------------------------------------------- */

/* Connects within wait_ms; returns the fd, or -1 with errno set. */
static int connect_to(const char *proto_s, const char *addr, const char *port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct pollfd pfd;
	int type, proto, fd, err, one = 1;
	socklen_t len, elen = sizeof(err);

	if (parse_proto(proto_s, &type, &proto))
		usage();
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(port));
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(port));
		len = sizeof(*s6);
	} else {
		usage();
	}
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK, proto);
	if (fd < 0)
		return -1;
	if (src_port) {
		struct sockaddr_storage src = { .ss_family = ss.ss_family };

		((struct sockaddr_in *)&src)->sin_port = htons(src_port);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, len))
			goto err;
	}
	if (!connect(fd, (struct sockaddr *)&ss, len))
		return fd;
	if (errno != EINPROGRESS)
		goto err;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, wait_ms) <= 0) {
		errno = ETIMEDOUT;
		goto err;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err) {
		errno = err ?: errno;
		goto err;
	}
	return fd;

err:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* Sends @msg and reads one reply line within wait_ms into @out. */
static int exchange(int fd, const char *msg, char *out, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	char *nl;

	if (send(fd, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		return -errno;
	if (poll(&pfd, 1, wait_ms) <= 0)
		return -ETIMEDOUT;
	n = recv(fd, out, size - 1, 0);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	out[n] = '\0';
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

static int probe(int argc, char **argv)
{
	char buf[256];
	int fd, ret;

	if (argc != 3)
		usage();
	fd = connect_to(argv[0], argv[1], argv[2]);
	if (fd < 0) {
		printf("%s\n", errno == ETIMEDOUT ? "timeout" : strerror(errno));
		return 1;
	}
	ret = exchange(fd, "ping\n", buf, sizeof(buf));
	close(fd);
	if (ret) {
		printf("%s\n", ret == -ETIMEDOUT ? "timeout" : strerror(-ret));
		return 1;
	}
	printf("%s\n", buf);
	return 0;
}

static int chat(int argc, char **argv)
{
	char line[256], buf[256];
	int fd, ret;

	if (argc != 3)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = connect_to(argv[0], argv[1], argv[2]);
	if (fd < 0) {
		printf("failed: %s\n", strerror(errno));
		return 1;
	}
	printf("connected\n");
	while (fgets(line, sizeof(line), stdin)) {
		ret = exchange(fd, line, buf, sizeof(buf));
		if (ret == -ETIMEDOUT)
			printf("TIMEOUT\n");
		else if (ret)
			printf("ERROR %s\n", strerror(-ret));
		else
			printf("%s\n", buf);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "+w:s:h")) != -1) {
		switch (opt) {
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 's':
			src_port = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (!strcmp(argv[optind], "serve"))
		return serve(argc - optind - 1, argv + optind + 1);
	if (!strcmp(argv[optind], "probe"))
		return probe(argc - optind - 1, argv + optind + 1);
	if (!strcmp(argv[optind], "chat"))
		return chat(argc - optind - 1, argv + optind + 1);
	usage();
	return 2;
}
