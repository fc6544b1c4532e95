// SPDX-License-Identifier: GPL-2.0
/*
 * nlbench: the kernel side of one kubenf change, without process start-up.
 *
 *   nlbench ID VIP:PORT BACKEND:PORT...
 *
 * Opens a generic netlink socket and resolves the kubenf family (not
 * timed), then sends one KUBENF_CMD_SVC_SET of Service ID (a cluster-IP TCP
 * frontend and ready+serving backends) as its own transaction and waits for
 * the ack. Prints {"ns": <send-to-ack nanoseconds>}. This is what a resident
 * agent pays per change; `kubenfctl svc set` adds exec, dynamic linking and
 * libnl set-up to it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>

#include "../kubenf_nl.h"

static struct knl_msg req;

static int put_endpoint(struct knl_msg *m, uint16_t addr_type, uint16_t port_type,
			const char *spec)
{
	char buf[64], *colon;
	struct in_addr a;
	uint16_t port;

	snprintf(buf, sizeof(buf), "%s", spec);
	colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	port = atoi(colon + 1);
	knl_put(m, addr_type, &a, sizeof(a));
	knl_put(m, port_type, &port, sizeof(port));
	return 0;
}

int main(int argc, char **argv)
{
	struct knl_ack ack;
	struct timespec t0, t1;
	int fd, family, svc, arr, elem, i;

	if (argc < 4) {
		fprintf(stderr, "usage: nlbench ID VIP:PORT BACKEND:PORT...\n");
		return 2;
	}
	fd = knl_open();
	if (fd < 0) {
		fprintf(stderr, "nlbench: socket: %s\n", strerror(-fd));
		return 1;
	}
	family = knl_resolve(fd, KUBENF_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "nlbench: family %s: %s\n", KUBENF_GENL_NAME, strerror(-family));
		return 1;
	}

	knl_init(&req, family, 0, KUBENF_CMD_SVC_SET, KUBENF_GENL_VERSION);
	svc = knl_nest_start(&req, KUBENF_A_SERVICE);
	knl_put_u32(&req, KUBENF_SVC_A_ID, strtoul(argv[1], NULL, 0));
	knl_put_str(&req, KUBENF_SVC_A_NAME, "bench/nlbench");
	arr = knl_nest_start(&req, KUBENF_SVC_A_FRONTENDS);
	elem = knl_nest_start(&req, 1);
	knl_put_u8(&req, KUBENF_FE_A_KIND, KUBENF_FE_CLUSTER_IP);
	knl_put_u8(&req, KUBENF_FE_A_PROTO, IPPROTO_TCP);
	if (put_endpoint(&req, KUBENF_FE_A_ADDR4, KUBENF_FE_A_PORT, argv[2]))
		goto bad;
	knl_nest_end(&req, elem);
	knl_nest_end(&req, arr);
	arr = knl_nest_start(&req, KUBENF_SVC_A_BACKENDS);
	for (i = 3; i < argc; i++) {
		elem = knl_nest_start(&req, i - 2);
		if (put_endpoint(&req, KUBENF_BE_A_ADDR4, KUBENF_BE_A_PORT, argv[i]))
			goto bad;
		knl_put_u32(&req, KUBENF_BE_A_FLAGS, KUBENF_BE_F_READY | KUBENF_BE_F_SERVING);
		knl_nest_end(&req, elem);
	}
	knl_nest_end(&req, arr);
	knl_nest_end(&req, svc);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	i = knl_xfer(fd, &req, NULL, &ack);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (i) {
		fprintf(stderr, "nlbench: SVC_SET: %s (%s)\n", strerror(-i), ack.msg);
		return 1;
	}
	printf("{\"ns\": %lld}\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000ll +
	       (t1.tv_nsec - t0.tv_nsec));
	close(fd);
	return 0;
bad:
	fprintf(stderr, "nlbench: bad address in arguments\n");
	return 2;
}
