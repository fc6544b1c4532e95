/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP 13 for the userspace unit tests. Each test is a function; the
 * runner in main.c prints one "ok N - desc" or "not ok N - desc" per test,
 * from the CHECK*() failures it recorded ("# file:line: ..." diagnostics).
 */
#ifndef _KUBENF_TESTS_TAP_H
#define _KUBENF_TESTS_TAP_H

#include <stdbool.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct tap_test {
	const char *desc;
	void (*fn)(void);
};

/* State of the running test, reset by the runner. */
extern int tap_failures;
extern const char *tap_skip_reason;

void tap_check(bool ok, const char *file, int line, const char *expr);
void tap_check_int(long long got, long long want, const char *file, int line,
		   const char *expr);
void tap_check_str(const char *got, const char *want, const char *file,
		   int line, const char *expr);

#define CHECK(cond)	tap_check(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_INT(got, want) \
	tap_check_int((got), (want), __FILE__, __LINE__, #got)
#define CHECK_STR(got, want) \
	tap_check_str((got), (want), __FILE__, __LINE__, #got)
/* Mark the running test skipped; then return from it. */
#define SKIP(why)	((void)(tap_skip_reason = (why)))

#endif /* _KUBENF_TESTS_TAP_H */
