// SPDX-License-Identifier: GPL-2.0
/*
 * One synchronisation: compile the objects, compare with what the kernel
 * holds, apply the difference in one transaction.
 *
 * What the kernel holds is known without asking when nothing moved since
 * our own last commit (same generation and cookie in GET_INFO); otherwise,
 * and always after a restart, it is dumped. A restarted agent therefore
 * adopts the kernel's rule set: if it is what we want, nothing is sent;
 * else only the difference is. Nothing is ever flushed.
 *
 * The commit carries the generation the comparison was made against, so a
 * concurrent writer makes it fail with -ESTALE instead of being overwritten
 * blindly; we then dump again and retry. An object the kernel refuses
 * (a limit, a frontend owned by a Service we do not know) is left out,
 * consistently (agent_rules_remove()), and the rest retried at once; it is
 * tried again when the input changes. A pod is the exception: a pod the
 * kernel does not know is not isolated, so leaving out a pod that policies
 * select (more of them than the module takes, say) would open it. It is
 * kept instead with no policy, denying everything in the directions it is
 * isolated in, and left out only if the kernel refuses that too.
 */
#define _GNU_SOURCE		/* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "array.h"
#include "kubenf_policy.h"
#include "nl.h"

/* Attempts of one sync: interrupted commits, refused objects. */
#define STALE_TRIES	5
#define REJECT_TRIES	64

int agent_sync_init(struct agent_sync *s, const char *node_name,
		    const struct kubenf_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->node_name = node_name;
	return agent_config_copy(&s->config, cfg);
}

static void reported_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void agent_sync_release(struct agent_sync *s)
{
	agent_kernel_close(&s->kernel);
	kubenf_config_release(&s->config);
	agent_rules_release(&s->applied);
	reported_free(s->reported, s->n_reported);
	free(s->rejects);
	kp_health_checks_free(s->hcs, s->n_hcs);
	memset(s, 0, sizeof(*s));
}

void agent_sync_input_changed(struct agent_sync *s)
{
	s->n_rejects = 0;
}

/* A line for the user about a netlink failure. */
static const char *nl_reason(int err, char *buf, size_t len)
{
	switch (err) {
	case -ENOENT:
		return "kubenf.ko is not loaded (no generic netlink family \"kubenf\")";
	case -EPERM:
	case -EACCES:
		return "permission denied: CAP_NET_ADMIN in the initial user namespace is required";
	default:
		snprintf(buf, len, "%s", strerror(-err));
		return buf;
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "Kind ns/name", "Kind name" (cluster-scoped), or "object". */
static const char *obj_str(const struct kp_error *e, char *buf, size_t len)
{
	if (!e->kind || !*e->kind)
		snprintf(buf, len, "object%s%s%s%s", e->name && *e->name ?
			 " " : "", e->ns && *e->ns ? e->ns : "",
			 e->ns && *e->ns && e->name && *e->name ? "/" : "",
			 e->name ?: "");
	else
		snprintf(buf, len, "%s %s%s%s", e->kind, e->ns ?: "",
			 e->ns && *e->ns ? "/" : "",
			 e->name && *e->name ? e->name : "(no name)");
	return buf;
}

/*
 * Log each error of @errs that the previous compile did not have: one
 * line per bad object, again only if it goes away and comes back.
 */
static int report(struct agent_sync *s, const struct kp_errors *errs)
{
	char **now = NULL, what[600];
	size_t n = 0, i;
	int err = 0;

	for (i = 0; i < errs->n; i++) {
		const struct kp_error *e = &errs->v[i];
		char **slot = kubenf_array_add(now, n);

		if (!slot || asprintf(slot, "%s\t%s\t%s\t%s", e->kind ?: "",
				      e->ns ?: "", e->name ?: "",
				      e->reason ?: "") < 0) {
			if (slot)
				*slot = NULL;
			err = -ENOMEM;
			break;
		}
		if (s->n_reported && bsearch(slot, s->reported, s->n_reported,
					     sizeof(*slot), str_cmp))
			continue;
		obj_str(e, what, sizeof(what));
		if (e->reason && !strncmp(e->reason, "unsupported ", 12))
			agent_log(AGENT_LOG_INFO, "ignored %s: %s", what,
				  e->reason);
		else
			agent_log(AGENT_LOG_WARN, "skipped %s: %s", what,
				  e->reason ?: "invalid");
	}
	if (err) {
		reported_free(now, n);
		return err;
	}
	if (n > 1)
		qsort(now, n, sizeof(*now), str_cmp);
	reported_free(s->reported, s->n_reported);
	s->reported = now;
	s->n_reported = n;
	return 0;
}

static int compile(struct agent_sync *s, const struct kp_state *st,
		   struct agent_rules *want)
{
	struct kp_ruleset *rs = NULL;
	struct kp_errors errs;
	int err;

	kp_errors_init(&errs);
	err = kp_compile(st, s->node_name, &rs, &errs);
	if (!err)
		err = report(s, &errs);
	if (!err)
		err = agent_rules_from_kp(rs, &s->config, want);
	if (!err) {
		/* Not kernel objects: the loop serves them after the sync. */
		kp_health_checks_free(s->hcs, s->n_hcs);
		s->hcs = rs->health_checks;
		s->n_hcs = rs->n_health_checks;
		rs->health_checks = NULL;
		rs->n_health_checks = 0;
	}
	kp_ruleset_free(rs);
	kp_errors_free(&errs);
	if (err)
		agent_log(AGENT_LOG_ERROR, "compiling the rule set: %s",
			  strerror(-err));
	return err;
}

static void prune(struct agent_sync *s, struct agent_rules *want)
{
	size_t i;

	if (s->kernel.no_policy &&
	    (want->psets.n || want->pols.n || want->pods.n)) {
		if (!s->warned_no_policy)
			agent_log(AGENT_LOG_WARN, "kubenf.ko has no NetworkPolicy support: %zu pods, %zu policies not enforced",
				  want->pods.n, want->pols.n);
		s->warned_no_policy = true;
		agent_rules_drop_policy(want);
	}
	for (i = 0; i < s->n_rejects; i++) {
		if (s->rejects[i].isolate)
			agent_rules_isolate_pod(want, s->rejects[i].id);
		else
			agent_rules_remove(want, s->rejects[i].kind,
					   s->rejects[i].id);
	}
}

/*
 * The kernel refused object @err->id of @want: leave it out from now, or,
 * a pod refused for the first time, keep it isolated with no policy.
 */
static int reject(struct agent_sync *s, const struct agent_rules *want,
		  const struct agent_apply_err *err, int ret)
{
	struct agent_reject *r = NULL;
	const char *name = "";
	bool isolate;
	size_t i, n;

	n = agent_rules_count(want, err->kind);
	for (i = 0; i < n; i++)
		if (agent_rules_id(want, err->kind, i) == err->id)
			name = agent_rules_name(want, err->kind, i);
	for (i = 0; i < s->n_rejects && !r; i++)
		if (s->rejects[i].kind == err->kind &&
		    s->rejects[i].id == err->id)
			r = &s->rejects[i];
	/* Refused again: that was the pod already isolated with no policy. */
	isolate = err->kind == AGENT_POD && !r;
	if (isolate)
		agent_log(AGENT_LOG_ERROR, "kernel refused pod %" PRIu32 " \"%s\": %s%s%s; it denies all traffic in its isolated directions instead",
			  err->id, name, err->extack,
			  *err->extack ? ": " : "", strerror(-ret));
	else
		agent_log(err->kind == AGENT_POD ? AGENT_LOG_ERROR : AGENT_LOG_WARN,
			  "kernel refused %s %" PRIu32 " \"%s\"%s: %s%s%s; left out",
			  agent_kind_name(err->kind, false), err->id, name,
			  r ? " even with no policy" : "", err->extack,
			  *err->extack ? ": " : "", strerror(-ret));
	if (!r) {
		r = kubenf_array_add(s->rejects, s->n_rejects);
		if (!r)
			return -ENOMEM;
		r->kind = err->kind;
		r->id = err->id;
	}
	r->isolate = isolate;
	return 0;
}

int agent_sync_run(struct agent_sync *s, const struct kp_state *st)
{
	struct agent_rules want = { 0 }, dumped = { 0 };
	const struct agent_rules *have;
	uint64_t t0 = agent_now_ms(), gen, cookie;
	struct agent_diff diff = { 0 };
	struct agent_apply_err aerr;
	int err, stale = 0, tries;
	struct kubenf_info info;
	char buf[512];

	s->syncs++;
	err = compile(s, st, &want);
	if (err)
		goto out;

	for (tries = 0; tries < STALE_TRIES + REJECT_TRIES; tries++) {
		agent_diff_release(&diff);
		err = agent_kernel_info(&s->kernel, &info);
		if (err) {
			agent_log(AGENT_LOG_ERROR, "reading the kernel's rule set: %s",
				  nl_reason(err, buf, sizeof(buf)));
			goto out_kernel;
		}
		if (s->have_applied && info.generation == s->applied_gen &&
		    info.cookie == s->applied_cookie) {
			have = &s->applied;
		} else {
			agent_rules_release(&dumped);
			err = agent_kernel_dump(&s->kernel, &dumped);
			if (err) {
				agent_log(AGENT_LOG_ERROR, "dumping the kernel's rule set: %s",
					  nl_reason(err, buf, sizeof(buf)));
				goto out_kernel;
			}
			have = &dumped;
			if (!s->have_applied)
				agent_log(AGENT_LOG_DEBUG, "kernel holds generation %" PRIu64 ", cookie %016" PRIx64 ": %zu services, %zu pods",
					  info.generation, info.cookie,
					  dumped.svcs.n, dumped.pods.n);
		}
		prune(s, &want);
		err = agent_diff(&want, have, &diff);
		if (err)
			goto out;

		if (agent_diff_empty(&diff)) {
			if (!s->have_applied)
				agent_log(AGENT_LOG_INFO, "adopted generation %" PRIu64 ": the kernel holds the desired rule set (%zu services, %zu pods, %zu policies), nothing to apply",
					  info.generation, want.svcs.n,
					  want.pods.n, want.pols.n);
			else
				agent_log(AGENT_LOG_DEBUG, "in sync at generation %" PRIu64 ": nothing to apply",
					  info.generation);
			agent_rules_move(&s->applied, &want);
			s->applied_gen = info.generation;
			s->applied_cookie = info.cookie;
			s->have_applied = true;
			goto out;
		}

		cookie = agent_rules_digest(&want);
		err = agent_kernel_apply(&s->kernel, &want, have, &diff,
					 info.generation, cookie, &gen, &aerr);
		if (!err) {
			agent_log(AGENT_LOG_INFO, "applied generation %" PRIu64 ": %s (%" PRIu64 " ms)",
				  gen, agent_diff_summary(&diff, buf,
							  sizeof(buf)),
				  agent_now_ms() - t0);
			agent_rules_move(&s->applied, &want);
			s->applied_gen = gen;
			s->applied_cookie = cookie;
			s->have_applied = true;
			s->applies++;
			goto out;
		}
		if (err == -ESTALE && stale++ < STALE_TRIES) {
			/* Another writer committed since we looked. */
			agent_log(AGENT_LOG_DEBUG, "generation %" PRIu64 " is stale: reading the kernel again",
				  info.generation);
			s->have_applied = false;
			continue;
		}
		if (aerr.object && err != -ESTALE) {
			err = reject(s, &want, &aerr, err);
			if (err)
				goto out;
			continue;
		}
		agent_log(AGENT_LOG_ERROR, "transaction failed at %s: %s%s%s",
			  aerr.what ?: "?", aerr.extack,
			  *aerr.extack ? ": " : "",
			  nl_reason(err, buf, sizeof(buf)));
		goto out_kernel;
	}
	agent_log(AGENT_LOG_ERROR, "giving up after %d attempts", tries);
	err = -EAGAIN;
	goto out;

out_kernel:
	/*
	 * Whatever happened, read the kernel again next time, on a fresh
	 * socket: a reloaded module has a new family id, and a socket that
	 * failed half-way may hold unread replies.
	 */
	s->have_applied = false;
	agent_kernel_close(&s->kernel);
out:
	if (err)
		s->failures++;
	agent_diff_release(&diff);
	agent_rules_release(&dumped);
	agent_rules_release(&want);
	return err;
}

int agent_sync_check(struct agent_sync *s, bool *changed)
{
	struct kubenf_info info;
	int err;

	err = agent_kernel_info(&s->kernel, &info);
	if (err) {
		*changed = true;
		return err;
	}
	*changed = !s->have_applied || info.generation != s->applied_gen ||
		   info.cookie != s->applied_cookie;
	return 0;
}

int agent_sync_verify(struct agent_sync *s)
{
	struct agent_rules have = { 0 };
	struct agent_diff diff;
	bool changed;
	int err;

	err = agent_sync_check(s, &changed);
	if (!err && changed)
		err = -EAGAIN;
	if (!err)
		err = agent_kernel_dump(&s->kernel, &have);
	if (!err)
		err = agent_diff(&s->applied, &have, &diff);
	if (!err) {
		if (!agent_diff_empty(&diff))
			err = -EAGAIN;
		agent_diff_release(&diff);
	}
	agent_rules_release(&have);
	return err;
}
