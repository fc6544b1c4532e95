// SPDX-License-Identifier: GPL-2.0
/*
 * Golden files: the examples compiled for each node, in kp-compile's
 * output form, compared with tests/golden/examples-<node>.json. On a
 * difference the actual output is written to OUTDIR for review; after
 * reviewing, copy it over the golden file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "helpers.h"

static void golden(const char *node)
{
	char path[4096], out[4096];
	struct t_case c;
	json_t *got, *want;

	tc_init(&c);
	tc_fixture(&c);
	tc_add_file(&c, "examples/policies.json");
	tc_compile(&c, node);
	got = json_pack("{s:o, s:o}", "errors", kp_errors_to_json(&c.errs),
			"ruleset", kp_ruleset_to_json(c.rs));
	snprintf(path, sizeof(path), "%s/tests/golden/examples-%s.json",
		 t_srcdir, node);
	want = json_load_file(path, 0, NULL);
	if (!ok(got && want && json_equal(got, want),
		"examples compiled for %s match golden/examples-%s.json", node,
		node)) {
		mkdir(t_outdir, 0755);
		snprintf(out, sizeof(out), "%s/examples-%s.json", t_outdir,
			 node);
		if (got && !json_dump_file(got, out, JSON_INDENT(2) |
					   JSON_SORT_KEYS))
			tap_diag("actual output: %s (review, then cp %s %s)",
				 out, out, path);
	}
	json_decref(got);
	json_decref(want);
	tc_free(&c);
}

void t_golden(void)
{
	golden("node-1");
	golden("node-2");
}
