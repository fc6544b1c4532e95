// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static int n_tests, n_failed;

static bool result(bool pass, const char *file, int line, const char *fmt,
		   va_list ap)
{
	n_tests++;
	printf("%sok %d - ", pass ? "" : "not ", n_tests);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass) {
		n_failed++;
		printf("# Failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

bool tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

static void diag_block(const char *label, const char *text)
{
	const char *nl;

	printf("#   %s:", label);
	if (!text) {
		printf(" (null)\n");
		return;
	}
	if (!strchr(text, '\n')) {
		printf(" '%s'\n", text);
		return;
	}
	printf("\n");
	for (; *text; text = nl + 1) {
		nl = strchr(text, '\n');
		if (!nl)
			nl = text + strlen(text);
		printf("#     %.*s\n", (int)(nl - text), text);
		if (!*nl)
			break;
	}
}

bool tap_is(const char *got, const char *want, const char *file, int line,
	    const char *fmt, ...)
{
	bool pass = got && want && !strcmp(got, want);
	va_list ap;

	va_start(ap, fmt);
	result(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		diag_block("got", got);
		diag_block("want", want);
	}
	return pass;
}

bool tap_is_int(long long got, long long want, const char *file, int line,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result(got == want, file, line, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("#   got: %lld\n#   want: %lld\n", got, want);
	return got == want;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int tap_done(void)
{
	printf("1..%d\n", n_tests);
	if (n_failed)
		printf("# %d of %d checks failed\n", n_failed, n_tests);
	return n_failed ? 1 : 0;
}
