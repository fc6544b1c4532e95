// SPDX-License-Identifier: GPL-2.0
/*
 * kn-probe: the probe server and client of kind-netns, built for TCG,
 * where every fork is expensive: one server process per pod, one client
 * process for a whole reachability matrix.
 *
 *   kn-probe serve [--netns PATH] --name NAME [--daemon] [--log FILE]
 *                  PROTO:PORT...
 *	Listens on every PROTO:PORT (tcp, udp, sctp) of 0.0.0.0 and [::]
 *	in the network namespace PATH (else the current one) and answers
 *	"NAME\n": on every TCP and SCTP connection (then closes it) and to
 *	every UDP datagram, from the address it was sent to. A protocol the
 *	kernel lacks (no sctp module) is reported and skipped, not fatal.
 *	With --daemon the command returns once every socket is listening
 *	and the server runs on in the background (its pid on stdout).
 *
 *   kn-probe run [--timeout MS] [--parallel N] [--sport FIRST]
 *		  [--resend MS]
 *	Reads jobs from stdin, one a line:
 *		ID NETNS PROTO ADDR PORT [SOURCE-ADDR]
 *	(NETNS: a path such as /run/netns/x-a, or "-" for the current
 *	namespace), runs them all concurrently (at most N in flight) from
 *	one process -- each socket is created in its job's namespace with
 *	setns(2) and keeps it -- and prints one line per job, in input
 *	order:
 *		ID ok REPLY MS | ID refused - MS | ID timeout - MS |
 *		ID error ERRNO-TEXT MS
 *	TCP and SCTP jobs connect and read the first line; UDP jobs send
 *	"ping\n" and read the answer, resending every --resend MS (a lost
 *	datagram is not a blocked one). Job i binds source port FIRST + i
 *	(wrapping within 20000-60999, skipping ports in use), so a probe
 *	never reuses the 5-tuple -- and the conntrack entry -- of an
 *	earlier one: each is a new connection, judged by the current rules.
 *	A last line "next-sport N" says where the next run should start.
 *
 * Exit status: 0, or 2 on usage errors, 1 on other failures.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

#define SPORT_LO	20000
#define SPORT_HI	60999
#define REPLY_MAX	128

static const char *prog = "kn-probe";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kn-probe serve [--netns PATH] --name NAME [--daemon] [--log FILE] PROTO:PORT...\n"
		"       kn-probe run [--timeout MS] [--parallel N] [--sport FIRST] [--resend MS] < JOBS\n"
		"       JOBS: lines of \"ID NETNS PROTO ADDR PORT [SOURCE-ADDR]\"\n");
	exit(2);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_proto(const char *s, int *type, int *proto)
{
	if (!strcasecmp(s, "tcp")) {
		*type = SOCK_STREAM;
		*proto = IPPROTO_TCP;
	} else if (!strcasecmp(s, "udp")) {
		*type = SOCK_DGRAM;
		*proto = IPPROTO_UDP;
	} else if (!strcasecmp(s, "sctp")) {
		*type = SOCK_STREAM;
		*proto = IPPROTO_SCTP;
	} else {
		return -1;
	}
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static void enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		die("setns %s: %s", path, strerror(errno));
	close(fd);
}

/* ---- serve ------------------------------------------------------------ */

enum srv_kind { SRV_LISTEN, SRV_DGRAM, SRV_CONN };

struct srv {
	enum srv_kind kind;
	int fd;
	int family;
};

static char reply[REPLY_MAX];
static size_t reply_len;

static int srv_add(int ep, enum srv_kind kind, int fd, int family)
{
	struct srv *s = calloc(1, sizeof(*s));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!s)
		die("out of memory");
	s->kind = kind;
	s->fd = fd;
	s->family = family;
	ev.data.ptr = s;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	return 0;
}

/* One listening socket; 0, or -errno when the family or protocol is
 * missing (no IPv6, no sctp module): the caller decides.
 */
static int srv_listen(int ep, int family, int type, int proto, unsigned int port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, one = 1, err;

	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (type == SOCK_DGRAM)
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
				   sizeof(one));
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		if (type == SOCK_DGRAM)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		len = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 512) < 0)) {
		err = -errno;
		close(fd);
		return err;
	}
	srv_add(ep, type == SOCK_STREAM ? SRV_LISTEN : SRV_DGRAM, fd, family);
	return 0;
}

/* Answer a datagram from the address it was sent to (pktinfo). */
static void srv_dgram(struct srv *s)
{
	char buf[512], cbuf[256];
	struct sockaddr_storage peer;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = {
		.msg_name = &peer, .msg_namelen = sizeof(peer),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	char obuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct msghdr out;
	struct iovec oiov = { reply, reply_len };

	for (;;) {
		mh.msg_namelen = sizeof(peer);
		mh.msg_controllen = sizeof(cbuf);
		if (recvmsg(s->fd, &mh, 0) < 0)
			return;
		memset(&out, 0, sizeof(out));
		memset(obuf, 0, sizeof(obuf));
		out.msg_name = &peer;
		out.msg_namelen = mh.msg_namelen;
		out.msg_iov = &oiov;
		out.msg_iovlen = 1;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct cmsghdr *o = (struct cmsghdr *)obuf;

			if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				pi.ipi_ifindex = 0;
				pi.ipi_spec_dst = pi.ipi_addr;
				o->cmsg_level = IPPROTO_IP;
				o->cmsg_type = IP_PKTINFO;
				o->cmsg_len = CMSG_LEN(sizeof(pi));
				memcpy(CMSG_DATA(o), &pi, sizeof(pi));
				out.msg_control = obuf;
				out.msg_controllen = CMSG_SPACE(sizeof(pi));
			} else if (c->cmsg_level == IPPROTO_IPV6 &&
				   c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				pi.ipi6_ifindex = 0;
				o->cmsg_level = IPPROTO_IPV6;
				o->cmsg_type = IPV6_PKTINFO;
				o->cmsg_len = CMSG_LEN(sizeof(pi));
				memcpy(CMSG_DATA(o), &pi, sizeof(pi));
				out.msg_control = obuf;
				out.msg_controllen = CMSG_SPACE(sizeof(pi));
			}
		}
		sendmsg(s->fd, &out, MSG_DONTWAIT);
	}
}

static void srv_accept(int ep, struct srv *s)
{
	int fd;

	(void)ep;
	for (;;) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		/* The reply fits any socket buffer: write and close. */
		if (write(fd, reply, reply_len) < 0) {
			/* the peer went away: nothing to do */
		}
		close(fd);
	}
}

static void serve_loop(int ep)
{
	struct epoll_event evs[64];
	int i, n;

	for (;;) {
		n = epoll_wait(ep, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			struct srv *s = evs[i].data.ptr;

			if (s->kind == SRV_LISTEN)
				srv_accept(ep, s);
			else
				srv_dgram(s);
		}
	}
}

static int cmd_serve(int argc, char **argv)
{
	const char *netns = NULL, *name = NULL, *log = NULL;
	bool daemon_mode = false;
	int ep, i, n_ok = 0, pfd[2] = { -1, -1 };
	pid_t pid;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--netns") && i + 1 < argc)
			netns = argv[++i];
		else if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--log") && i + 1 < argc)
			log = argv[++i];
		else if (!strcmp(argv[i], "--daemon"))
			daemon_mode = true;
		else if (argv[i][0] == '-')
			usage();
		else
			break;
	}
	if (!name || i == argc)
		usage();
	if (strlen(name) + 2 > sizeof(reply))
		die("name too long");
	reply_len = (size_t)snprintf(reply, sizeof(reply), "%s\n", name);

	if (daemon_mode) {
		/* The parent returns once the child listens (or failed). */
		char st = 1;

		if (pipe2(pfd, O_CLOEXEC) < 0)
			die("pipe: %s", strerror(errno));
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid > 0) {
			close(pfd[1]);
			if (read(pfd[0], &st, 1) != 1 || st != 0)
				return 1;
			printf("%d\n", (int)pid);
			return 0;
		}
		close(pfd[0]);
		setsid();
	}
	if (netns)
		enter_netns(netns);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll: %s", strerror(errno));
	for (; i < argc; i++) {
		char *spec = argv[i], *colon = strchr(spec, ':');
		unsigned long port;
		int type, proto, e4, e6;

		if (!colon)
			usage();
		*colon = 0;
		if (parse_proto(spec, &type, &proto) ||
		    parse_uint(colon + 1, 65535, &port) || !port)
			usage();
		e4 = srv_listen(ep, AF_INET, type, proto, port);
		e6 = srv_listen(ep, AF_INET6, type, proto, port);
		if (e4 && e6) {
			fprintf(stderr, "%s: %s: %s:%lu not served: %s\n", prog,
				name, spec, port, strerror(-e4));
			continue;
		}
		n_ok++;
	}
	if (!n_ok)
		die("%s: nothing to serve", name);
	signal(SIGPIPE, SIG_IGN);
	if (daemon_mode) {
		char st = 0;
		int fd = open(log ? log : "/dev/null",
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		if (write(pfd[1], &st, 1) != 1)
			return 1;
		close(pfd[1]);
	}
	serve_loop(ep);
	return 0;
}

/* ---- run --------------------------------------------------------------- */

enum job_state { J_WAIT, J_CONNECTING, J_READING, J_DONE };

struct job {
	char *id;
	char *netns;
	int type, proto;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	bool has_src;
	struct sockaddr_storage src;
	int fd;
	enum job_state state;
	int64_t start, deadline, resend_at;
	char buf[REPLY_MAX];
	size_t len;
	const char *status;	/* "ok", "refused", "timeout", "error" */
	char detail[REPLY_MAX];
	int64_t elapsed;
};

struct nsfd {
	char *path;
	int fd;
};

static struct job *jobs;
static size_t n_jobs;
static struct nsfd *nsfds;
static size_t n_nsfds;
static int home_ns = -1;

static int ns_fd(const char *path)
{
	size_t i;
	int fd;

	for (i = 0; i < n_nsfds; i++)
		if (!strcmp(nsfds[i].path, path))
			return nsfds[i].fd;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	nsfds = realloc(nsfds, (n_nsfds + 1) * sizeof(*nsfds));
	if (!nsfds)
		die("out of memory");
	nsfds[n_nsfds].path = strdup(path);
	nsfds[n_nsfds].fd = fd;
	return nsfds[n_nsfds++].fd;
}

static void read_jobs(void)
{
	char line[1024];
	size_t cap = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char id[256], netns[512], proto[16], addr[128], src[128];
		unsigned long port;
		char portstr[16];
		struct job *j;
		int nf;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		nf = sscanf(line, "%255s %511s %15s %127s %15s %127s", id, netns,
			    proto, addr, portstr, src);
		if (nf < 5 ||
		    parse_uint(portstr, 65535, &port) || !port)
			die("bad job line: %s", line);
		if (n_jobs == cap) {
			cap = cap ? cap * 2 : 256;
			jobs = realloc(jobs, cap * sizeof(*jobs));
			if (!jobs)
				die("out of memory");
		}
		j = &jobs[n_jobs];
		memset(j, 0, sizeof(*j));
		j->id = strdup(id);
		j->netns = strcmp(netns, "-") ? strdup(netns) : NULL;
		j->fd = -1;
		if (parse_proto(proto, &j->type, &j->proto))
			die("bad protocol in job %s: %s", id, proto);
		if (strchr(addr, ':')) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&j->dst;

			a->sin6_family = AF_INET6;
			a->sin6_port = htons(port);
			if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1)
				die("bad address in job %s: %s", id, addr);
			j->dst_len = sizeof(*a);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&j->dst;

			a->sin_family = AF_INET;
			a->sin_port = htons(port);
			if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
				die("bad address in job %s: %s", id, addr);
			j->dst_len = sizeof(*a);
		}
		if (nf == 6) {
			void *p;

			j->has_src = true;
			j->src.ss_family = j->dst.ss_family;
			p = j->src.ss_family == AF_INET6 ?
			    (void *)&((struct sockaddr_in6 *)&j->src)->sin6_addr :
			    (void *)&((struct sockaddr_in *)&j->src)->sin_addr;
			if (inet_pton(j->src.ss_family, src, p) != 1)
				die("bad source address in job %s: %s", id, src);
		}
		n_jobs++;
	}
}

static void finish(struct job *j, const char *status, const char *detail)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	j->state = J_DONE;
	j->status = status;
	snprintf(j->detail, sizeof(j->detail), "%s", detail ? detail : "-");
	j->elapsed = now_ms() - j->start;
}

static void finish_errno(struct job *j, int err)
{
	if (err == ECONNREFUSED)
		finish(j, "refused", NULL);
	else if (err == ETIMEDOUT)
		finish(j, "timeout", NULL);
	else
		finish(j, "error", strerrorname_np(err) ? strerrorname_np(err) : "?");
}

static const char ping[] = "ping\n";
static unsigned int next_sport;

/* Bind the next free source port of the rotation (and the source
 * address, when the job has one).
 */
static int bind_sport(int fd, const struct job *j)
{
	struct sockaddr_storage ss = { 0 };
	int family = j->dst.ss_family;
	socklen_t len;
	int tries, one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	for (tries = 0; tries < 64; tries++) {
		unsigned int p = next_sport;

		next_sport = next_sport >= SPORT_HI ? SPORT_LO : next_sport + 1;
		if (j->has_src)
			ss = j->src;
		if (family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			a->sin6_family = AF_INET6;
			a->sin6_port = htons(p);
			len = sizeof(*a);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			a->sin_family = AF_INET;
			a->sin_port = htons(p);
			len = sizeof(*a);
		}
		if (!bind(fd, (struct sockaddr *)&ss, len))
			return 0;
		if (errno != EADDRINUSE)
			return -errno;
	}
	return -EADDRINUSE;
}

static void job_start(int ep, struct job *j, int timeout, int64_t now)
{
	struct epoll_event ev = { .data.ptr = j };
	int family = j->dst.ss_family, err;

	j->start = now;
	j->deadline = now + timeout;
	if (j->netns && setns(ns_fd(j->netns), CLONE_NEWNET) < 0)
		die("setns %s: %s", j->netns, strerror(errno));
	j->fd = socket(family, j->type | SOCK_NONBLOCK | SOCK_CLOEXEC, j->proto);
	err = j->fd < 0 ? -errno : 0;
	if (j->netns && setns(home_ns, CLONE_NEWNET) < 0)
		die("setns back: %s", strerror(errno));
	if (err) {
		finish_errno(j, -err);
		return;
	}
	err = bind_sport(j->fd, j);
	if (err) {
		finish_errno(j, -err);
		return;
	}
	if (connect(j->fd, (struct sockaddr *)&j->dst, j->dst_len) < 0 &&
	    errno != EINPROGRESS) {
		finish_errno(j, errno);
		return;
	}
	if (j->type == SOCK_DGRAM) {
		if (send(j->fd, ping, sizeof(ping) - 1, 0) < 0 &&
		    errno != EAGAIN) {
			finish_errno(j, errno);
			return;
		}
		j->state = J_READING;
		ev.events = EPOLLIN;
	} else {
		j->state = J_CONNECTING;
		ev.events = EPOLLOUT;
	}
	if (epoll_ctl(ep, EPOLL_CTL_ADD, j->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

static void job_event(int ep, struct job *j)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = j };
	int err = 0;
	socklen_t el = sizeof(err);
	ssize_t n;

	if (j->state == J_CONNECTING) {
		if (getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (err) {
			finish_errno(j, err);
			return;
		}
		j->state = J_READING;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, j->fd, &ev) < 0)
			die("epoll_ctl: %s", strerror(errno));
		return;
	}
	for (;;) {
		n = recv(j->fd, j->buf + j->len, sizeof(j->buf) - 1 - j->len, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			finish_errno(j, errno);
			return;
		}
		j->len += (size_t)n;
		j->buf[j->len] = 0;
		if (n == 0 || strchr(j->buf, '\n') || j->type == SOCK_DGRAM ||
		    j->len == sizeof(j->buf) - 1) {
			char *nl = strchr(j->buf, '\n');

			if (nl)
				*nl = 0;
			if (!j->len) {
				/* closed without a word: connected anyway */
				finish(j, "ok", "?");
				return;
			}
			finish(j, "ok", j->buf);
			return;
		}
	}
}

static int cmd_run(int argc, char **argv)
{
	unsigned long timeout = 1000, parallel = 256, sport = SPORT_LO,
		      resend = 250;
	struct epoll_event evs[128];
	size_t next = 0, active = 0, done = 0, i;
	struct rlimit rl;
	int ep, n;

	for (i = 0; i < (size_t)argc; i++) {
		unsigned long *dst = NULL, max = 0;

		if (!strcmp(argv[i], "--timeout"))
			dst = &timeout, max = 600000;
		else if (!strcmp(argv[i], "--parallel"))
			dst = &parallel, max = 100000;
		else if (!strcmp(argv[i], "--sport"))
			dst = &sport, max = 65535;
		else if (!strcmp(argv[i], "--resend"))
			dst = &resend, max = 600000;
		if (!dst || i + 1 == (size_t)argc ||
		    parse_uint(argv[i + 1], max, dst))
			usage();
		i++;
	}
	if (!parallel || !timeout)
		usage();
	next_sport = sport < SPORT_LO || sport > SPORT_HI ?
		     SPORT_LO + sport % (SPORT_HI - SPORT_LO + 1) :
		     (unsigned int)sport;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_ns < 0)
		die("/proc/self/ns/net: %s", strerror(errno));
	read_jobs();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll: %s", strerror(errno));

	while (done < n_jobs) {
		int64_t now = now_ms(), wake = now + 1000;

		while (next < n_jobs && active < parallel) {
			job_start(ep, &jobs[next], (int)timeout, now);
			if (jobs[next].state == J_DONE)
				done++;
			else
				active++;
			next++;
		}
		for (i = 0; i < n_jobs; i++) {
			struct job *j = &jobs[i];

			if (j->state == J_WAIT || j->state == J_DONE)
				continue;
			if (now >= j->deadline) {
				finish(j, "timeout", NULL);
				active--;
				done++;
				continue;
			}
			if (j->type == SOCK_DGRAM) {
				if (!j->resend_at)
					j->resend_at = j->start + (int64_t)resend;
				if (now >= j->resend_at) {
					send(j->fd, ping, sizeof(ping) - 1,
					     MSG_DONTWAIT);
					j->resend_at = now + (int64_t)resend;
				}
				if (j->resend_at < wake)
					wake = j->resend_at;
			}
			if (j->deadline < wake)
				wake = j->deadline;
		}
		if (done == n_jobs)
			break;
		n = epoll_wait(ep, evs, 128, (int)(wake > now ? wake - now : 0));
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int k = 0; k < n; k++) {
			struct job *j = evs[k].data.ptr;

			if (j->state == J_DONE)
				continue;
			job_event(ep, j);
			if (j->state == J_DONE) {
				active--;
				done++;
			}
		}
	}
	for (i = 0; i < n_jobs; i++)
		printf("%s %s %s %lld\n", jobs[i].id, jobs[i].status,
		       jobs[i].detail, (long long)jobs[i].elapsed);
	/* where the next run should start, ports in use skipped */
	printf("next-sport %u\n", next_sport);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 2, argv + 2);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage();
	}
	usage();
	return 2;
}
