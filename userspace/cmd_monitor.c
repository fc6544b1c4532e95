// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl monitor: join the "events" multicast group and print one line
 * per deny event as it arrives (-o json: one JSON object per line) until
 * SIGINT or SIGTERM. Joining needs CAP_NET_ADMIN, like every command.
 *
 * The kernel rate-limits events per namespace and counts what it had to
 * leave out; monitor polls that counter (GET_STATS) once a second on a
 * second socket and reports growth, as it reports receive buffer overruns.
 * Pod names come from a POD_GET dump on that socket, redone (at most once
 * a second) when an event names a pod it does not know.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/kubenf.h>

#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "polview.h"

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " [-o json|table] monitor\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const struct kubenf_nla_policy flow_policy[KUBENF_FLOW_A_MAX + 1] = {
	[KUBENF_FLOW_A_SRC4]	= { .type = KUBENF_NLA_BINARY, .len = 4 },
	[KUBENF_FLOW_A_SRC6]	= { .type = KUBENF_NLA_BINARY, .len = 16 },
	[KUBENF_FLOW_A_DST4]	= { .type = KUBENF_NLA_BINARY, .len = 4 },
	[KUBENF_FLOW_A_DST6]	= { .type = KUBENF_NLA_BINARY, .len = 16 },
	[KUBENF_FLOW_A_PROTO]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_FLOW_A_SPORT]	= { .type = KUBENF_NLA_U16 },
	[KUBENF_FLOW_A_DPORT]	= { .type = KUBENF_NLA_U16 },
	[KUBENF_FLOW_A_DIR]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_FLOW_A_POD_ID]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_FLOW_A_REASON]	= { .type = KUBENF_NLA_U8 },
};

int kubenf_event_parse(const struct nlmsghdr *nlh,
		       struct kubenf_flow_info *flow)
{
	static const struct kubenf_nla_policy policy[KUBENF_A_MAX + 1] = {
		[KUBENF_A_FLOW]	= { .type = KUBENF_NLA_NESTED },
	};
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	const struct nlattr *ft[KUBENF_FLOW_A_MAX + 1];
	uint8_t cmd;
	int err;

	memset(flow, 0, sizeof(*flow));
	err = kubenf_nl_parse_genl(nlh, &cmd, tb, KUBENF_A_MAX, policy);
	if (err)
		return err;
	if (cmd != KUBENF_CMD_EVENT_DENY)
		return -ENOENT;
	if (!tb[KUBENF_A_FLOW])
		return -EBADMSG;
	err = kubenf_nl_parse_nested(tb[KUBENF_A_FLOW], ft, KUBENF_FLOW_A_MAX,
				     flow_policy);
	if (err)
		return err;
	if (kubenf_addr_get(ft[KUBENF_FLOW_A_SRC4], ft[KUBENF_FLOW_A_SRC6],
			    &flow->src) ||
	    kubenf_addr_get(ft[KUBENF_FLOW_A_DST4], ft[KUBENF_FLOW_A_DST6],
			    &flow->dst) ||
	    flow->src.family != flow->dst.family || !ft[KUBENF_FLOW_A_PROTO])
		return -EBADMSG;
	flow->proto = kubenf_nla_u8(ft[KUBENF_FLOW_A_PROTO]);
	if (ft[KUBENF_FLOW_A_SPORT]) {
		flow->sport = kubenf_nla_u16(ft[KUBENF_FLOW_A_SPORT]);
		flow->has |= KUBENF_FLOW_HAS_SPORT;
	}
	if (ft[KUBENF_FLOW_A_DPORT]) {
		flow->dport = kubenf_nla_u16(ft[KUBENF_FLOW_A_DPORT]);
		flow->has |= KUBENF_FLOW_HAS_DPORT;
	}
	if (ft[KUBENF_FLOW_A_DIR]) {
		flow->dir = kubenf_nla_u8(ft[KUBENF_FLOW_A_DIR]);
		flow->has |= KUBENF_FLOW_HAS_DIR;
	}
	if (ft[KUBENF_FLOW_A_POD_ID]) {
		flow->pod_id = kubenf_nla_u32(ft[KUBENF_FLOW_A_POD_ID]);
		flow->has |= KUBENF_FLOW_HAS_POD;
	}
	if (ft[KUBENF_FLOW_A_REASON]) {
		flow->reason = kubenf_nla_u8(ft[KUBENF_FLOW_A_REASON]);
		flow->has |= KUBENF_FLOW_HAS_REASON;
	}
	return 0;
}

struct monitor {
	const struct kubenfctl_opts *opts;
	struct kubenf_nl *req;		/* dumps and stats */
	struct kubenf_pod_list pods;
	bool have_pods;
	time_t pods_at;			/* CLOCK_MONOTONIC seconds */
	bool have_suppressed;
	uint64_t suppressed;		/* the kernel's counter at start */
};

static void refresh_pods(struct monitor *m)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (m->have_pods && now.tv_sec == m->pods_at)
		return;
	m->pods_at = now.tv_sec;
	kubenf_pod_list_release(&m->pods);
	m->have_pods = !kubenfctl_dump_pods(m->req, &m->pods);
	if (!m->have_pods)
		kubenf_pod_list_release(&m->pods);
}

static int on_event(const struct nlmsghdr *nlh, void *arg)
{
	struct kubenfctl_names names = { 0 };
	struct monitor *m = arg;
	struct kubenf_flow_info ev;
	struct timespec ts;
	char line[1024], *json;
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	err = kubenf_event_parse(nlh, &ev);
	if (err == -ENOENT)
		return 0;		/* another kind of event: not ours */
	if (err) {
		fprintf(stderr, KUBENFCTL_PROG ": monitor: malformed event: %s\n",
			strerror(-err));
		return 0;
	}
	if ((ev.has & KUBENF_FLOW_HAS_POD) &&
	    (!m->have_pods || !kubenfctl_pod_name(&(struct kubenfctl_names){
				.pods = &m->pods }, ev.pod_id)))
		refresh_pods(m);
	if (m->have_pods)
		names.pods = &m->pods;
	if (m->opts->fmt == KUBENFCTL_FMT_JSON) {
		err = kubenfctl_event_json(&ev, &names, &ts, &json);
		if (err)
			return err;
		fputs(json, stdout);
		free(json);
	} else {
		kubenfctl_event_text(&ev, &names, &ts, line, sizeof(line));
		fputs(line, stdout);
	}
	fflush(stdout);
	return 0;
}

/* A note about lost events: "# N events ..." or a JSON object. */
static void note(const struct kubenfctl_opts *opts, const char *key,
		 uint64_t n, const char *text)
{
	if (opts->fmt == KUBENFCTL_FMT_JSON)
		printf("{\"%s\":%llu}\n", key, (unsigned long long)n);
	else
		printf("# %llu %s\n", (unsigned long long)n, text);
	fflush(stdout);
}

static void check_suppressed(struct monitor *m)
{
	struct kubenf_stats stats = { 0 };
	struct nl_msg *msg = NULL;

	if (kubenf_stats_get_msg(&msg))
		return;
	if (!kubenf_nl_request(m->req, msg, kubenf_stats_parse, &stats) &&
	    (stats.has & KUBENF_STATS_HAS_EVENTS_SUPPRESSED)) {
		if (m->have_suppressed &&
		    stats.events_suppressed > m->suppressed)
			note(m->opts, "suppressed",
			     stats.events_suppressed - m->suppressed,
			     "deny events suppressed by the kernel's rate limit");
		m->suppressed = stats.events_suppressed;
		m->have_suppressed = true;
	}
	kubenf_nl_msg_free(msg);
}

int kubenfctl_cmd_monitor(int argc, char **argv,
			  const struct kubenfctl_opts *opts)
{
	struct monitor m = { .opts = opts };
	struct sigaction sa = { .sa_handler = on_signal };
	int ret = KUBENFCTL_EXIT_FAIL;
	struct kubenf_nl *ev = NULL;
	struct timespec last, now;
	struct pollfd pfd;
	int err;

	if (argc == 2 && kubenfctl_is_help(argv[1])) {
		printf("%s", usage);
		return KUBENFCTL_EXIT_OK;
	}
	if (argc > 1)
		return kubenfctl_usage_error("monitor", usage,
					     "unexpected argument \"%s\"",
					     argv[1]);

	if (kubenfctl_open(&ev) || kubenfctl_open(&m.req))
		goto cleanup;
	err = kubenf_nl_subscribe(ev, KUBENF_GENL_MCGRP_EVENTS);
	if (err) {
		kubenfctl_print_nl_error(stderr, "monitor: cannot join the \""
					 KUBENF_GENL_MCGRP_EVENTS "\" group",
					 err, false, "");
		goto cleanup;
	}
	/* Without SA_RESTART: poll() returns EINTR on the signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (opts->fmt == KUBENFCTL_FMT_TABLE)
		refresh_pods(&m);
	check_suppressed(&m);
	clock_gettime(CLOCK_MONOTONIC, &last);
	pfd.fd = kubenf_nl_fd(ev);
	pfd.events = POLLIN;
	while (!stop) {
		err = poll(&pfd, 1, 1000);
		if (err < 0 && errno != EINTR) {
			fprintf(stderr, KUBENFCTL_PROG ": monitor: poll: %s\n",
				strerror(errno));
			goto cleanup;
		}
		if (err > 0) {
			err = kubenf_nl_recv_events(ev, on_event, &m);
			if (err == -ENOBUFS) {
				if (opts->fmt == KUBENFCTL_FMT_JSON)
					printf("{\"overrun\":true}\n");
				else
					printf("# events lost: receive buffer overrun\n");
				fflush(stdout);
			} else if (err) {
				fprintf(stderr, KUBENFCTL_PROG
					": monitor: cannot receive events: %s\n",
					strerror(-err));
				goto cleanup;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			last = now;
			check_suppressed(&m);
		}
	}
	ret = KUBENFCTL_EXIT_OK;
cleanup:
	kubenf_pod_list_release(&m.pods);
	kubenf_nl_close(m.req);
	kubenf_nl_close(ev);
	return ret;
}
