// SPDX-License-Identifier: GPL-2.0
/*
 * kp-compile: compile Kubernetes JSON manifests for one node and print
 * {"errors": [...], "ruleset": {...}} (sorted keys, two-space indent).
 * A debugging aid, and how tests/golden/ files are made:
 *
 *   kp-compile -n node-1 examples/cluster.json examples/policies.json
 *
 * -e CIDR (repeatable) allows Services' externalIPs inside CIDR (default:
 * none, see kp_state_allow_external_ips()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kubenf_policy.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: kp-compile -n NODE [-e EXTERNAL-IP-CIDR]... FILE.json...\n");
}

int main(int argc, char **argv)
{
	struct kp_ruleset *rs = NULL;
	struct kp_state *st = NULL;
	const char *node = NULL;
	json_t *out = NULL, *j;
	struct kp_errors errs;
	struct kp_cidr allow[64];
	json_error_t jerr;
	int opt, ret = 1, i;
	size_t n_allow = 0;

	kp_errors_init(&errs);
	while ((opt = getopt(argc, argv, "n:e:h")) != -1) {
		switch (opt) {
		case 'n':
			node = optarg;
			break;
		case 'e':
			if (n_allow == sizeof(allow) / sizeof(allow[0]) ||
			    kp_cidr_parse(optarg, &allow[n_allow])) {
				fprintf(stderr, "kp-compile: bad or too many -e: %s\n",
					optarg);
				return 1;
			}
			n_allow++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!node || optind >= argc) {
		usage(stderr);
		return 1;
	}
	st = kp_state_new();
	if (!st || kp_state_allow_external_ips(st, allow, n_allow))
		goto cleanup;
	for (i = optind; i < argc; i++) {
		j = json_load_file(argv[i], 0, &jerr);
		if (!j) {
			fprintf(stderr, "kp-compile: %s:%d: %s\n", argv[i],
				jerr.line, jerr.text);
			goto cleanup;
		}
		/* Bad objects are data: they show up in "errors". */
		kp_state_add_json(st, j, NULL);
		json_decref(j);
	}
	ret = kp_compile(st, node, &rs, &errs);
	if (ret) {
		fprintf(stderr, "kp-compile: %s\n", strerror(-ret));
		ret = 1;
		goto cleanup;
	}
	ret = 1;
	out = json_pack("{s:o, s:o}", "errors", kp_errors_to_json(&errs),
			"ruleset", kp_ruleset_to_json(rs));
	if (!out || json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS))
		goto cleanup;
	putchar('\n');
	ret = 0;
cleanup:
	if (ret)
		fprintf(stderr, "kp-compile: failed\n");
	json_decref(out);
	kp_ruleset_free(rs);
	kp_state_free(st);
	kp_errors_free(&errs);
	return ret;
}
