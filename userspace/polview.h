/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kubenfctl's view of policy state: pod/policy/peerset show, explain and
 * monitor. The objects themselves are model.h's (model_pol.c decodes them);
 * this adds the EXPLAIN verdict, the EVENT_DENY flow, name lookups and the
 * printers.
 */
#ifndef _KUBENF_POLVIEW_H
#define _KUBENF_POLVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model.h"
#include "print.h"
#include "text.h"

struct kubenf_nl;
struct nl_msg;

enum kubenf_flow_has {
	KUBENF_FLOW_HAS_SPORT	= 1U << 0,
	KUBENF_FLOW_HAS_DPORT	= 1U << 1,
	KUBENF_FLOW_HAS_DIR	= 1U << 2,	/* events */
	KUBENF_FLOW_HAS_POD	= 1U << 3,	/* events */
	KUBENF_FLOW_HAS_REASON	= 1U << 4,	/* events */
};

/* A FLOW nest: the request of EXPLAIN, the body of EVENT_DENY. */
struct kubenf_flow_info {
	uint32_t has;			/* KUBENF_FLOW_HAS_* */
	struct kubenf_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t dir;			/* enum kubenf_dir */
	uint32_t pod_id;
	uint8_t reason;			/* enum kubenf_reason */
};

enum kubenf_verdict_has {
	KUBENF_VERDICT_HAS_SVC		= 1U << 0,
	KUBENF_VERDICT_HAS_BE		= 1U << 1,	/* address and port */
	KUBENF_VERDICT_HAS_POD		= 1U << 2,	/* with DIR */
	KUBENF_VERDICT_HAS_POLICY	= 1U << 3,	/* with RULE */
};

/* The reply to EXPLAIN. */
struct kubenf_verdict_info {
	uint32_t has;			/* KUBENF_VERDICT_HAS_* */
	bool accept;
	uint8_t reason;			/* enum kubenf_reason */
	uint32_t svc_id;
	struct kubenf_addr be_addr;
	uint16_t be_port;
	uint8_t dir;
	uint32_t pod_id, policy_id, rule;
};

/*
 * explain's arguments (argv[0] is "explain"): SRC DST PROTO PORT [SPORT].
 * Returns 0, or -EINVAL with the reason in *@err.
 */
int kubenfctl_explain_parse(int argc, char **argv,
			    struct kubenf_flow_info *flow,
			    struct kubenf_err *err);
/* An EXPLAIN request for @flow. Returns 0, -ENOMEM or -EMSGSIZE. */
int kubenf_explain_msg(const struct kubenf_flow_info *flow,
		       struct nl_msg **out);
/* kubenf_nl_parse_t of the EXPLAIN reply into a zeroed verdict. */
int kubenf_verdict_parse(const struct nlmsghdr *nlh, void *arg);
/*
 * Decode a message of the events group into a zeroed flow. Returns 0,
 * -ENOENT for a command that is not EVENT_DENY, or -EBADMSG.
 */
int kubenf_event_parse(const struct nlmsghdr *nlh,
		       struct kubenf_flow_info *flow);

/* What ids are resolved with; any list may be NULL. */
struct kubenfctl_names {
	const struct kubenf_pod_list *pods;
	const struct kubenf_pol_list *pols;
	const struct kubenf_svc_list *svcs;
};

/* The name of an object, NULL when unknown or empty. */
const char *kubenfctl_pod_name(const struct kubenfctl_names *n, uint32_t id);
const char *kubenfctl_pol_name(const struct kubenfctl_names *n, uint32_t id);
const char *kubenfctl_svc_name(const struct kubenfctl_names *n, uint32_t id);

/* "ingress", "egress", "dir-N" in @buf (KUBENF_TEXT_MAX). */
const char *kubenf_dir_str(unsigned int dir, char *buf);

/*
 * explain's table output: one or two lines, each ending in "\n", into
 * @buf of @len bytes (truncated).
 */
void kubenfctl_verdict_text(const struct kubenf_verdict_info *v,
			    const struct kubenfctl_names *names, char *buf,
			    size_t len);
/* explain -o json: the verdict object. */
int kubenfctl_print_verdict(struct kubenfctl_out *out,
			    const struct kubenf_verdict_info *v);

/* monitor: one line (with "\n") per deny event, received at @ts. */
void kubenfctl_event_text(const struct kubenf_flow_info *ev,
			  const struct kubenfctl_names *names,
			  const struct timespec *ts, char *buf, size_t len);
/* monitor -o json: one compact JSON object and "\n" into @buf. */
int kubenfctl_event_json(const struct kubenf_flow_info *ev,
			 const struct kubenfctl_names *names,
			 const struct timespec *ts, char **buf);

/* Lists, in table output one block of rows per object. */
int kubenfctl_print_pods(struct kubenfctl_out *out,
			 const struct kubenf_pod_list *list);
int kubenfctl_print_policies(struct kubenfctl_out *out,
			     const struct kubenf_pol_list *list);
int kubenfctl_print_peersets(struct kubenfctl_out *out,
			     const struct kubenf_pset_list *list);

/*
 * The dumps, retried while a commit interrupts them, into an empty list.
 * Return 0, -EAGAIN (still interrupted after several tries) or -errno.
 */
int kubenfctl_dump_pods(struct kubenf_nl *nl, struct kubenf_pod_list *list);
int kubenfctl_dump_policies(struct kubenf_nl *nl,
			    struct kubenf_pol_list *list);
int kubenfctl_dump_peersets(struct kubenf_nl *nl,
			    struct kubenf_pset_list *list);
int kubenfctl_dump_services(struct kubenf_nl *nl,
			    struct kubenf_svc_list *list);

struct kubenfctl_opts;

/*
 * pod, policy, peerset show: check the arguments (none), dump into @list
 * with @dump_fn, print with @print, release with @release. Returns an exit
 * status.
 */
int kubenfctl_show_dump(const char *what, const char *usage, int argc,
			char **argv, const struct kubenfctl_opts *opts,
			int (*dump_fn)(struct kubenf_nl *, void *),
			int (*print)(struct kubenfctl_out *, const void *),
			void (*release)(void *), void *list);

#endif /* _KUBENF_POLVIEW_H */
