// SPDX-License-Identifier: GPL-2.0
/* Unit test runner: TAP 13 on stdout, exit status 1 if any test failed. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "tests.h"

static const struct tap_test tests[] = {
	{ "info: parse a full GET_INFO reply", test_info_full },
	{ "info: pad and unknown attributes are skipped",
	  test_info_pad_unknown },
	{ "info: reply without counts", test_info_partial },
	{ "info: malformed replies are -EBADMSG", test_info_malformed },
	{ "print: info as a table", test_print_table },
	{ "print: info as JSON", test_print_json },
	{ "print: partial info, table and JSON", test_print_partial },
	{ "print: sticky errors", test_print_errors },
	{ "nl: extack from a capped NLMSG_ERROR", test_nl_extack_capped },
	{ "nl: extack after an echoed request (not capped)",
	  test_nl_extack_uncapped },
	{ "nl: status without TLVs, ACKs and truncation",
	  test_nl_extack_none },
	{ "nl: extack from the NLMSG_DONE of a dump", test_nl_extack_done },
	{ "nl: message builder", test_nl_msg_new },
	{ "nl: attribute builders and parser agree", test_nl_put_parse },
	{ "nl: open without the module is -ENOENT", test_nl_open_not_loaded },
	{ "nl: doit and dump round trips with nlctrl", test_genl_roundtrip },
	{ "nl: kernel errors and extack from nlctrl", test_genl_errors },
	{ "cli: unknown command exits 2", test_cli_unknown_command },
	{ "cli: -o bogus exits 2", test_cli_bad_output },
	{ "cli: other usage errors exit 2", test_cli_usage_errors },
	{ "cli: --version and help exit 0", test_cli_version_help },
	{ "cli: info without the module exits 1 with one line",
	  test_cli_not_loaded },
	{ "cli: netlink error messages", test_cli_error_messages },
	{ "cli: svc set arguments, good and bad", test_cli_svc_set_parse },
	{ "cli: config set arguments, good and bad",
	  test_cli_config_set_parse },
	{ "cli: usage errors of svc, config, stats, apply",
	  test_cli_new_usage_errors },
	{ "cli: svc, config, stats without the module exit 1 with one line",
	  test_cli_new_not_loaded },
	{ "cli: pod, policy, peerset, explain, monitor command lines",
	  test_cli_pol_commands },
	{ "text: numbers", test_text_numbers },
	{ "text: addresses and CIDRs", test_text_addresses },
	{ "text: endpoints", test_text_endpoints },
	{ "text: protocols, kinds, flags, reasons", test_text_names },
	{ "text: error prefixes", test_text_err_prefix },
	{ "svc: encode and decode a service (round trip)", test_svc_roundtrip },
	{ "svc: SVC_SET layout the kernel's policies want", test_svc_encoding },
	{ "svc: a service larger than a nest is -EMSGSIZE", test_svc_too_big },
	{ "svc: dump continuation messages are merged", test_svc_dump_merge },
	{ "svc: malformed dump messages are -EBADMSG",
	  test_svc_dump_malformed },
	{ "config: encode and decode (round trip)", test_config_roundtrip },
	{ "stats: GET_STATS reply", test_stats_parse },
	{ "txn: BEGIN, COMMIT, ABORT messages", test_txn_msgs },
	{ "json: apply document", test_json_doc },
	{ "json: apply errors name the place", test_json_errors },
	{ "json: apply files, syntax errors, duplicate keys", test_json_load },
	{ "json: apply file -> output -> apply file (round trip)",
	  test_json_roundtrip },
	{ "json: svc show -o json output feeds back", test_json_feed_back },
	{ "print: services as a table", test_print_svc_table },
	{ "print: services as JSON", test_print_svc_json },
	{ "print: config, table and JSON", test_print_config },
	{ "print: stats, table and JSON", test_print_stats },
	{ "print: misplaced lists and values", test_print_lists },
	{ "explain: arguments, good and bad", test_explain_parse },
	{ "explain: EXPLAIN request layout", test_explain_msg },
	{ "explain: decode replies, table and JSON", test_explain_verdict },
	{ "monitor: decode deny events, table and JSON", test_monitor_event },
	{ "print: pods, policies, peersets", test_print_pol },
	{ "agent yaml: scalars by the core schema, tags, keys",
	  test_yaml_scalars },
	{ "agent yaml: documents, anchors, merge keys, errors",
	  test_yaml_structure },
	{ "agent yaml: alias bombs and deep nesting are refused",
	  test_yaml_limits },
	{ "agent file: Kubernetes Lists and a directory of them",
	  test_file_list_and_dir },
	{ "agent file: multi-document YAML, bad and unknown objects",
	  test_file_yaml_manifest },
	{ "agent file: syntax errors fail the whole load", test_file_errors },
	{ "agent file: inotify sees the files that matter", test_file_watch },
	{ "agent pol: peerset, policy, pod encode and decode",
	  test_pol_roundtrip },
	{ "agent pol: dump continuations are merged", test_pol_dump_merge },
	{ "agent pol: a pod's policy ids over several dump messages",
	  test_pod_dump_merge },
	{ "agent rules: the examples compiled into the model",
	  test_agent_desired },
	{ "agent diff: adoption of an equal kernel state is no change",
	  test_agent_diff_adopt },
	{ "agent diff: only what changed", test_agent_diff_changes },
	{ "agent cookie: a stable digest of the rule set", test_agent_cookie },
	{ "agent rules: refused objects leave and fail closed",
	  test_agent_remove },
	{ "agent k8s: watch stream lines and events", test_k8s_stream },
	{ "agent k8s: kubeconfig", test_k8s_kubeconfig },
	{ "agent k8s: in-cluster configuration", test_k8s_in_cluster },
	{ "agent k8s: pages, ADDED, MODIFIED, DELETED, BOOKMARK",
	  test_k8s_list_watch },
	{ "agent k8s: ERROR 410 event relists", test_k8s_expired_relist },
	{ "agent k8s: dropped watch resumes; HTTP 410 relists",
	  test_k8s_disconnect_410 },
	{ "agent k8s: resourceVersion order", test_k8s_rv_order },
	{ "agent k8s: a stale view is refused, never applied",
	  test_k8s_stale_view },
	{ "agent k8s: no list older than a floor kept across restarts",
	  test_k8s_floor },
	{ "agent: --resource-version-file", test_agent_rv_file },
	{ "agent k8s: a hung watch is restarted", test_k8s_hung_watch },
	{ "agent k8s: HTTP 500, garbage, oversized events back off",
	  test_k8s_errors },
	{ "agent k8s: failing and slow lists", test_k8s_list_errors },
	{ "agent k8s: bearer token", test_k8s_token },
	{ "agent health: --healthz-bind-address syntax", test_health_addr },
	{ "agent health: healthy until a change waits past the timeout",
	  test_health_verdict },
	{ "agent health: the JSON answer", test_health_report },
	{ "agent health: the HTTP server, from the agent's thread",
	  test_health_server },
	{ "agent health: Services' health check node ports",
	  test_health_check_ports },
	{ "agent k8s: hostile watch events neither crash nor stick",
	  test_k8s_hostile },
};

int tap_failures;
const char *tap_skip_reason;

void tap_check(bool ok, const char *file, int line, const char *expr)
{
	if (ok)
		return;
	tap_failures++;
	printf("#   %s:%d: check failed: %s\n", file, line, expr);
}

void tap_check_int(long long got, long long want, const char *file, int line,
		   const char *expr)
{
	if (got == want)
		return;
	tap_failures++;
	printf("#   %s:%d: %s is %lld, want %lld\n", file, line, expr, got,
	       want);
}

static void diag_lines(const char *what, const char *s)
{
	printf("#     %s:\n", what);
	if (!s) {
		printf("#       (null)\n");
		return;
	}
	while (*s) {
		size_t n = strcspn(s, "\n");

		printf("#       |%.*s|\n", (int)n, s);
		s += n;
		if (*s)
			s++;
	}
}

void tap_check_str(const char *got, const char *want, const char *file,
		   int line, const char *expr)
{
	if (got && want && !strcmp(got, want))
		return;
	tap_failures++;
	printf("#   %s:%d: %s differs\n", file, line, expr);
	diag_lines("got", got);
	diag_lines("want", want);
}

int main(void)
{
	int failed = 0;
	size_t i;

	/* The CLI tests redirect fds 1 and 2: keep TAP lines in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%zu\n", ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		tap_failures = 0;
		tap_skip_reason = NULL;
		tests[i].fn();
		if (tap_skip_reason && !tap_failures) {
			printf("ok %zu - %s # SKIP %s\n", i + 1, tests[i].desc,
			       tap_skip_reason);
			continue;
		}
		if (tap_failures)
			failed++;
		printf("%sok %zu - %s\n", tap_failures ? "not " : "", i + 1,
		       tests[i].desc);
	}
	printf("# %d of %zu failed\n", failed, ARRAY_SIZE(tests));
	return failed ? 1 : 0;
}
