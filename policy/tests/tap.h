/* SPDX-License-Identifier: GPL-2.0 */
/* A small TAP 13 producer: numbered checks, diagnostics, plan at the end. */
#ifndef _KP_TAP_H
#define _KP_TAP_H

#include <stdbool.h>

#define __tap_printf(a, b) __attribute__((format(printf, a, b)))

__tap_printf(4, 5) bool tap_ok(bool pass, const char *file, int line,
			       const char *fmt, ...);
__tap_printf(5, 6) bool tap_is(const char *got, const char *want,
			       const char *file, int line,
			       const char *fmt, ...);
__tap_printf(5, 6) bool tap_is_int(long long got, long long want,
				   const char *file, int line,
				   const char *fmt, ...);
__tap_printf(1, 2) void tap_diag(const char *fmt, ...);
/* Print the plan; returns the process exit status. */
int tap_done(void);

#define ok(cond, ...)	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is(got, want, ...) \
	tap_is(got, want, __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int(got, want, __FILE__, __LINE__, __VA_ARGS__)

#endif /* _KP_TAP_H */
