// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl explain SRC DST PROTO PORT [SPORT]: the kernel's verdict on a
 * new connection (KUBENF_CMD_EXPLAIN, the packet path's own lookups) and
 * why. The table output names the pod, policy and service the verdict
 * refers to, from dumps; -o json prints the verdict as the kernel gave it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/kubenf.h>

#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "polview.h"
#include "text.h"

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " [-o json|table] explain SRC DST tcp|udp|sctp PORT [SPORT]\n";

int kubenfctl_explain_parse(int argc, char **argv,
			    struct kubenf_flow_info *flow,
			    struct kubenf_err *err)
{
	uint32_t v;

	memset(flow, 0, sizeof(*flow));
	if (argc < 5)
		return kubenf_errf(err,
				   "expected SRC DST PROTO PORT [SPORT], got %d argument%s",
				   argc - 1, argc == 2 ? "" : "s");
	if (argc > 6)
		return kubenf_errf(err, "unexpected argument \"%s\"", argv[6]);
	if (kubenf_addr_parse(argv[1], &flow->src, err))
		return kubenf_err_prefix(err, "source");
	if (kubenf_addr_parse(argv[2], &flow->dst, err))
		return kubenf_err_prefix(err, "destination");
	if (flow->src.family != flow->dst.family)
		return kubenf_errf(err,
				   "source \"%s\" and destination \"%s\" are of different families",
				   argv[1], argv[2]);
	if (kubenf_proto_parse(argv[3], &flow->proto, err))
		return -EINVAL;
	if (kubenf_u32_parse(argv[4], 1, UINT16_MAX, &v, "port", err))
		return -EINVAL;
	flow->dport = v;
	flow->has |= KUBENF_FLOW_HAS_DPORT;
	if (argc == 6) {
		if (kubenf_u32_parse(argv[5], 1, UINT16_MAX, &v,
				     "source port", err))
			return -EINVAL;
		flow->sport = v;
		flow->has |= KUBENF_FLOW_HAS_SPORT;
	}
	return 0;
}

int kubenf_explain_msg(const struct kubenf_flow_info *flow,
		       struct nl_msg **out)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	int err;

	*out = NULL;
	msg = kubenf_nl_msg_new(KUBENF_CMD_EXPLAIN, 0);
	if (!msg)
		return -ENOMEM;
	nest = kubenf_nl_nest_start(msg, KUBENF_A_FLOW);
	err = nest ? 0 : -EMSGSIZE;
	if (!err)
		err = kubenf_addr_put(msg, KUBENF_FLOW_A_SRC4,
				      KUBENF_FLOW_A_SRC6, &flow->src);
	if (!err)
		err = kubenf_addr_put(msg, KUBENF_FLOW_A_DST4,
				      KUBENF_FLOW_A_DST6, &flow->dst);
	if (!err)
		err = kubenf_nl_put_u8(msg, KUBENF_FLOW_A_PROTO, flow->proto);
	if (!err && (flow->has & KUBENF_FLOW_HAS_SPORT))
		err = kubenf_nl_put_u16(msg, KUBENF_FLOW_A_SPORT, flow->sport);
	if (!err && (flow->has & KUBENF_FLOW_HAS_DPORT))
		err = kubenf_nl_put_u16(msg, KUBENF_FLOW_A_DPORT, flow->dport);
	if (!err)
		err = kubenf_nl_nest_end(msg, nest);
	if (err) {
		kubenf_nl_msg_free(msg);
		return err;
	}
	*out = msg;
	return 0;
}

static const struct kubenf_nla_policy verdict_policy[KUBENF_VERDICT_A_MAX + 1] = {
	[KUBENF_VERDICT_A_ACCEPT]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_VERDICT_A_REASON]	= { .type = KUBENF_NLA_U8 },
	[KUBENF_VERDICT_A_SVC_ID]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_VERDICT_A_BE_DST4]	= { .type = KUBENF_NLA_BINARY, .len = 4 },
	[KUBENF_VERDICT_A_BE_DST6]	= { .type = KUBENF_NLA_BINARY, .len = 16 },
	[KUBENF_VERDICT_A_BE_PORT]	= { .type = KUBENF_NLA_U16 },
	[KUBENF_VERDICT_A_POD_ID]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_VERDICT_A_POLICY_ID]	= { .type = KUBENF_NLA_U32 },
	[KUBENF_VERDICT_A_RULE]		= { .type = KUBENF_NLA_U32 },
	[KUBENF_VERDICT_A_DIR]		= { .type = KUBENF_NLA_U8 },
};

int kubenf_verdict_parse(const struct nlmsghdr *nlh, void *arg)
{
	static const struct kubenf_nla_policy policy[KUBENF_A_MAX + 1] = {
		[KUBENF_A_VERDICT]	= { .type = KUBENF_NLA_NESTED },
	};
	const struct nlattr *tb[KUBENF_A_MAX + 1];
	const struct nlattr *vt[KUBENF_VERDICT_A_MAX + 1];
	struct kubenf_verdict_info *v = arg;
	uint8_t cmd;
	int err;

	memset(v, 0, sizeof(*v));
	err = kubenf_nl_parse_genl(nlh, &cmd, tb, KUBENF_A_MAX, policy);
	if (err)
		return err;
	if (cmd != KUBENF_CMD_EXPLAIN || !tb[KUBENF_A_VERDICT])
		return -EBADMSG;
	err = kubenf_nl_parse_nested(tb[KUBENF_A_VERDICT], vt,
				     KUBENF_VERDICT_A_MAX, verdict_policy);
	if (err)
		return err;
	if (!vt[KUBENF_VERDICT_A_ACCEPT] || !vt[KUBENF_VERDICT_A_REASON])
		return -EBADMSG;
	v->accept = kubenf_nla_u8(vt[KUBENF_VERDICT_A_ACCEPT]);
	v->reason = kubenf_nla_u8(vt[KUBENF_VERDICT_A_REASON]);
	if (vt[KUBENF_VERDICT_A_SVC_ID]) {
		v->svc_id = kubenf_nla_u32(vt[KUBENF_VERDICT_A_SVC_ID]);
		v->has |= KUBENF_VERDICT_HAS_SVC;
	}
	if (vt[KUBENF_VERDICT_A_BE_DST4] || vt[KUBENF_VERDICT_A_BE_DST6]) {
		err = kubenf_addr_get(vt[KUBENF_VERDICT_A_BE_DST4],
				      vt[KUBENF_VERDICT_A_BE_DST6],
				      &v->be_addr);
		if (err || !vt[KUBENF_VERDICT_A_BE_PORT])
			return -EBADMSG;
		v->be_port = kubenf_nla_u16(vt[KUBENF_VERDICT_A_BE_PORT]);
		v->has |= KUBENF_VERDICT_HAS_BE;
	}
	/* A direction without a pod: an address of no known pod. */
	if (vt[KUBENF_VERDICT_A_DIR])
		v->dir = kubenf_nla_u8(vt[KUBENF_VERDICT_A_DIR]);
	if (vt[KUBENF_VERDICT_A_POD_ID]) {
		if (!vt[KUBENF_VERDICT_A_DIR])
			return -EBADMSG;
		v->pod_id = kubenf_nla_u32(vt[KUBENF_VERDICT_A_POD_ID]);
		v->has |= KUBENF_VERDICT_HAS_POD;
	}
	if (vt[KUBENF_VERDICT_A_POLICY_ID]) {
		if (!vt[KUBENF_VERDICT_A_RULE])
			return -EBADMSG;
		v->policy_id = kubenf_nla_u32(vt[KUBENF_VERDICT_A_POLICY_ID]);
		v->rule = kubenf_nla_u32(vt[KUBENF_VERDICT_A_RULE]);
		v->has |= KUBENF_VERDICT_HAS_POLICY;
	}
	return 0;
}

static int print(struct kubenfctl_out *out, const void *v)
{
	return kubenfctl_print_verdict(out, v);
}

int kubenfctl_cmd_explain(int argc, char **argv,
			  const struct kubenfctl_opts *opts)
{
	struct kubenf_svc_list svcs = { 0 };
	struct kubenf_pod_list pods = { 0 };
	struct kubenf_pol_list pols = { 0 };
	struct kubenfctl_names names = { 0 };
	struct kubenf_verdict_info v = { 0 };
	struct kubenf_flow_info flow;
	int ret = KUBENFCTL_EXIT_FAIL;
	struct kubenf_nl *nl = NULL;
	struct nl_msg *msg = NULL;
	struct kubenf_err perr;
	char text[2048];
	int err;

	if (argc == 2 && kubenfctl_is_help(argv[1])) {
		printf("%s", usage);
		return KUBENFCTL_EXIT_OK;
	}
	if (kubenfctl_explain_parse(argc, argv, &flow, &perr))
		return kubenfctl_usage_error("explain", usage, "%s", perr.msg);

	if (kubenfctl_open(&nl))
		goto cleanup;
	err = kubenf_explain_msg(&flow, &msg);
	if (!err)
		err = kubenf_nl_request(nl, msg, kubenf_verdict_parse, &v);
	if (err) {
		kubenfctl_nl_error("explain", nl, err);
		goto cleanup;
	}
	if (opts->fmt == KUBENFCTL_FMT_JSON) {
		ret = kubenfctl_output("explain", opts, print, &v);
		goto cleanup;
	}
	/* Names are a courtesy: without them the ids are printed alone. */
	if ((v.has & KUBENF_VERDICT_HAS_POD) &&
	    !kubenfctl_dump_pods(nl, &pods))
		names.pods = &pods;
	if ((v.has & KUBENF_VERDICT_HAS_POLICY) &&
	    !kubenfctl_dump_policies(nl, &pols))
		names.pols = &pols;
	if ((v.has & KUBENF_VERDICT_HAS_SVC) &&
	    !kubenfctl_dump_services(nl, &svcs))
		names.svcs = &svcs;
	kubenfctl_verdict_text(&v, &names, text, sizeof(text));
	fputs(text, stdout);
	ret = KUBENFCTL_EXIT_OK;
cleanup:
	kubenf_pod_list_release(&pods);
	kubenf_pol_list_release(&pols);
	kubenf_svc_list_release(&svcs);
	kubenf_nl_msg_free(msg);
	kubenf_nl_close(nl);
	return ret;
}
