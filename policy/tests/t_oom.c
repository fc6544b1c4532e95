// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures. The check build links with -Wl,--wrap for the
 * allocator, so every malloc/calloc/realloc/strdup/strndup the library
 * makes comes here; failing the n-th one, for every n, must give -ENOMEM
 * with nothing half-built returned and nothing leaked (LeakSanitizer
 * checks at exit), or success when the n-th allocation never happens.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static long countdown = -1;	/* -1: off; 0: fail the next one */
static bool failed;

static bool fail_now(void)
{
	if (countdown < 0)
		return false;
	if (countdown-- > 0)
		return false;
	failed = true;
	return true;
}

void *__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return fail_now() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}

static json_t *load(const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/examples/%s", t_srcdir, file);
	return json_load_file(path, 0, NULL);
}

void t_oom(void)
{
	json_t *cl = load("cluster.json"), *pol = load("policies.json"), *extra;
	struct kp_ruleset *rs;
	struct kp_errors errs;
	struct kp_state *st;
	long n, bad = 0;
	int ret;

	/* Every allocation of adding the examples. */
	for (n = 0;; n++) {
		st = kp_state_new();
		kp_errors_init(&errs);
		failed = false;
		countdown = n;
		ret = kp_state_add_json(st, cl, &errs);
		if (!ret)
			ret = kp_state_add_json(st, pol, &errs);
		countdown = -1;
		if (failed ? ret != -ENOMEM : ret != 0)
			bad++;
		kp_state_free(st);
		kp_errors_free(&errs);
		if (!failed)
			break;
	}
	ok(n > 100 && !bad, "adding the examples with any one of %ld "
	   "allocations failing: -ENOMEM every time (%ld wrong)", n, bad);

	/* Every allocation of compiling them, on a complete state. */
	st = kp_state_new();
	kp_state_add_json(st, cl, NULL);
	kp_state_add_json(st, pol, NULL);
	/* A bad object, a frontend conflict, a local pod reusing an
	 * address and the example's external IP (no allow-list here), for
	 * the error paths too.
	 */
	extra = t_json("{'kind':'List','items':[{'apiVersion':"
		       "'networking.k8s.io/v1','kind':'NetworkPolicy',"
		       "'metadata':{'namespace':'x','name':'bad'},'spec':"
		       "'none'},{'apiVersion':'v1','kind':'Service','metadata':"
		       "{'namespace':'x','name':'web2'},'spec':{'clusterIP':"
		       "'10.96.0.10','ports':[{'name':'http','port':80}]}},"
		       "{'apiVersion':'v1','kind':'Pod','metadata':{'namespace':"
		       "'x','name':'dup'},'spec':{'nodeName':'node-1'},"
		       "'status':{'podIP':'10.244.1.11'}}]}");
	kp_state_add_json(st, extra, NULL);
	json_decref(extra);
	bad = 0;
	for (n = 0;; n++) {
		kp_errors_init(&errs);
		rs = NULL;
		failed = false;
		countdown = n;
		ret = kp_compile(st, "node-1", &rs, &errs);
		countdown = -1;
		if (failed ? ret != -ENOMEM || rs :
			     ret != 0 || !rs || errs.n != 4)
			bad++;
		kp_ruleset_free(rs);
		kp_errors_free(&errs);
		if (!failed)
			break;
	}
	ok(n > 100 && !bad, "compiling the examples with any one of %ld "
	   "allocations failing: -ENOMEM and no rule set (%ld wrong)", n, bad);
	kp_state_free(st);
	json_decref(cl);
	json_decref(pol);
}
