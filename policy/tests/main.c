// SPDX-License-Identifier: GPL-2.0
/*
 * kp-tests SRCDIR OUTDIR: every libkubenf-policy unit test, as TAP.
 * SRCDIR is policy/ (examples and golden files); OUTDIR receives the
 * actual output of a failed golden comparison.
 */
#include <stdio.h>

#include "helpers.h"

const char *t_srcdir = ".", *t_outdir = ".";

int main(int argc, char **argv)
{
	if (argc > 1)
		t_srcdir = argv[1];
	if (argc > 2)
		t_outdir = argv[2];
	printf("TAP version 13\n");
	t_selector();
	t_netpol();
	t_service();
	t_input();
	t_golden();
	t_oom();
	return tap_done();
}
