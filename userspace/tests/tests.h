/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KUBENF_TESTS_TESTS_H
#define _KUBENF_TESTS_TESTS_H

#include "tap.h"

/* test_info.c */
void test_info_full(void);
void test_info_pad_unknown(void);
void test_info_partial(void);
void test_info_malformed(void);

/* test_print.c */
void test_print_table(void);
void test_print_json(void);
void test_print_partial(void);
void test_print_errors(void);

/* test_nl.c */
void test_nl_extack_capped(void);
void test_nl_extack_uncapped(void);
void test_nl_extack_none(void);
void test_nl_extack_done(void);
void test_nl_msg_new(void);
void test_nl_put_parse(void);
void test_nl_open_not_loaded(void);

/* test_genl.c */
void test_genl_roundtrip(void);
void test_genl_errors(void);

/* test_cli.c */
void test_cli_unknown_command(void);
void test_cli_bad_output(void);
void test_cli_usage_errors(void);
void test_cli_version_help(void);
void test_cli_not_loaded(void);
void test_cli_error_messages(void);

void test_cli_svc_set_parse(void);
void test_cli_config_set_parse(void);
void test_cli_new_usage_errors(void);
void test_cli_new_not_loaded(void);
void test_cli_pol_commands(void);

/* test_text.c */
void test_text_numbers(void);
void test_text_addresses(void);
void test_text_endpoints(void);
void test_text_names(void);
void test_text_err_prefix(void);

/* test_svc.c */
struct kubenf_service;
/* A service with every field and kind of value set, no counters. */
void test_sample_service(struct kubenf_service *svc);
void test_svc_roundtrip(void);
void test_svc_encoding(void);
void test_svc_too_big(void);
void test_svc_dump_merge(void);
void test_svc_dump_malformed(void);
void test_config_roundtrip(void);
void test_stats_parse(void);
void test_txn_msgs(void);

/* test_json.c */
void test_json_doc(void);
void test_json_errors(void);
void test_json_load(void);
void test_json_roundtrip(void);
void test_json_feed_back(void);

/* test_print_svc.c */
void test_print_svc_table(void);
void test_print_svc_json(void);
void test_print_config(void);
void test_print_stats(void);
void test_print_lists(void);

/* test_agent_source.c */
/* The repository root: $KUBENF_SRC, or "..". */
const char *test_src_dir(void);
void test_yaml_scalars(void);
void test_yaml_structure(void);
void test_yaml_limits(void);
void test_file_list_and_dir(void);
void test_file_yaml_manifest(void);
void test_file_errors(void);
void test_file_watch(void);

/* test_agent_rules.c */
void test_pol_roundtrip(void);
void test_pol_dump_merge(void);
void test_pod_dump_merge(void);
void test_agent_desired(void);
void test_agent_diff_adopt(void);
void test_agent_diff_changes(void);
void test_agent_cookie(void);
void test_agent_remove(void);

/* test_pol_cli.c */
void test_explain_parse(void);
void test_explain_msg(void);
void test_explain_verdict(void);
void test_monitor_event(void);
void test_print_pol(void);

/* test_agent_k8s.c */
void test_k8s_stream(void);
void test_k8s_kubeconfig(void);
void test_k8s_in_cluster(void);
void test_k8s_list_watch(void);
void test_k8s_expired_relist(void);
void test_k8s_disconnect_410(void);
void test_k8s_rv_order(void);
void test_k8s_stale_view(void);
void test_k8s_floor(void);
void test_agent_rv_file(void);
void test_k8s_hung_watch(void);
void test_k8s_errors(void);
void test_k8s_list_errors(void);
void test_k8s_token(void);
void test_k8s_hostile(void);

/* test_agent_health.c */
void test_health_addr(void);
void test_health_verdict(void);
void test_health_report(void);
void test_health_server(void);
void test_health_check_ports(void);

#endif /* _KUBENF_TESTS_TESTS_H */
