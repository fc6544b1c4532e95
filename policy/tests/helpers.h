/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers: a case holds a state, its compiled rule set and errors,
 * and a line-per-object text rendering that checks compare against:
 *
 *   svc <name>: fe=[<kind> <addr|family> <PROTO>/<port>, ...]
 *               be=[<addr>:<port> <R|S|T|L flags or ->, ...]
 *               flags=<...|-> aff=<seconds> src=[<cidr>, ...]
 *   set <name>: <cidr>[-{<except>,...}] ... | empty
 *   pol <name>: <ingress|egress> <rule> ; <rule> ... | none
 *               rule = (<set name> | <set name> ... | *) <PROTO>/<port
 *                       or first-last or *>,... | *
 *   pod <name>: <addrs,> flags=<...|-> in=[<policy names>] eg=[...]
 *
 * JSON in tests is written with ' for " (no escaping in C strings).
 */
#ifndef _KP_TEST_HELPERS_H
#define _KP_TEST_HELPERS_H

#include "internal.h"
#include "tap.h"

extern const char *t_srcdir, *t_outdir;

struct t_case {
	struct kp_state *st;
	struct kp_ruleset *rs;
	struct kp_errors errs;	/* of the last compile */
	struct kp_errors add_errs;	/* of every tc_add() */
	int add_ret;		/* of the last tc_add() */
	char *text;
	char line[8192];
};

void tc_init(struct t_case *c);
void tc_free(struct t_case *c);
/* Add objects (printf format, ' for "); returns kp_state_add_json(). */
__printf(2, 3) int tc_add(struct t_case *c, const char *fmt, ...);
int tc_add_file(struct t_case *c, const char *path);	/* under srcdir */
/* The examples cluster: namespaces x,y,z, pods a,b (node-1), c (node-2). */
void tc_fixture(struct t_case *c);
/* kp_state_allow_external_ips() of space-separated CIDRs (at most 8). */
void tc_allow_external_ips(struct t_case *c, const char *cidrs);
void tc_compile(struct t_case *c, const char *node);
/* The text after "<prefix>: " of the rendered line, or "(none)". */
const char *tc_line(struct t_case *c, const char *prefix);
/* A peerset's entries as fixture pod names ("x/a y/b") where they are
 * the pods' /32 and /128 addresses; anything else verbatim.
 */
const char *tc_set_pods(struct t_case *c, const char *set_name);
/* Every compile error as "Kind ns/name: reason" lines. */
const char *tc_errors(struct t_case *c);
int tc_count(struct t_case *c, const char *line_prefix);

json_t *t_json(const char *sq);	/* ' -> ", then parse; NULL on error */
char *t_render(const struct kp_ruleset *rs);

void t_selector(void);
void t_netpol(void);
void t_service(void);
void t_input(void);
void t_golden(void);
void t_oom(void);

#endif /* _KP_TEST_HELPERS_H */
