// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl svc set ID [name NAME] [flags FLAGS] [affinity SECONDS]
 *                      [fe KIND PROTO ADDR:PORT]... [be ADDR:PORT [FLAGS]]...
 *                      [range CIDR]...
 *
 * One SVC_SET: the kernel replaces service ID as a whole with what is given.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/kubenf.h>

#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "text.h"

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " svc set ID [name NAME] [flags FLAGS] [affinity SECONDS] [fe KIND PROTO ADDR:PORT]... [be ADDR:PORT [FLAGS]]... [range CIDR]...\n";

static const char help[] =
	"\n"
	"Create service ID (1-4294967295), or replace it as a whole.\n"
	"  name NAME            namespace/name[/port], for people\n"
	"  flags FLAGS          internal-local,external-local or none\n"
	"  affinity SECONDS     ClientIP affinity timeout (0: none)\n"
	"  fe KIND PROTO ADDR:PORT\n"
	"                       KIND: cluster-ip, nodeport, external-ip,\n"
	"                       load-balancer; PROTO: tcp, udp, sctp;\n"
	"                       IPv6 as [fd00::1]:80; a nodeport has *4:PORT\n"
	"                       or *6:PORT (the node addresses of a family)\n"
	"  be ADDR:PORT [FLAGS] FLAGS: ready,serving,terminating,local or none\n"
	"                       (default: ready,serving)\n"
	"  range CIDR           load-balancer source range\n";

static const char *const keywords[] = {
	"name", "flags", "affinity", "fe", "be", "range", NULL
};

static bool is_keyword(const char *arg)
{
	const char *const *k;

	for (k = keywords; *k; k++)
		if (!strcmp(arg, *k))
			return true;
	return false;
}

static int parse_fe(char **argv, struct kubenf_service *svc,
		    struct kubenf_err *err)
{
	struct kubenf_frontend *fe;
	bool wildcard;
	uint8_t kind;

	if (kubenf_fe_kind_parse(argv[0], &kind, err))
		return -EINVAL;
	fe = kubenf_svc_add_fe(svc);
	if (!fe)
		return -ENOMEM;
	fe->kind = kind;
	if (kubenf_proto_parse(argv[1], &fe->proto, err) ||
	    kubenf_endpoint_parse(argv[2], kind == KUBENF_FE_NODE_PORT,
				  &fe->addr, &fe->port, &wildcard, err))
		return -EINVAL;
	if (kind == KUBENF_FE_NODE_PORT && !wildcard)
		return kubenf_errf(err, "nodeport frontend \"%s\": the address of a node port is *4 or *6 (the node addresses), as in *4:%u",
				   argv[2], fe->port);
	return 0;
}

int kubenfctl_svc_set_parse(int argc, char **argv,
			    struct kubenf_service *svc,
			    struct kubenf_err *err)
{
	struct kubenf_backend *be;
	struct kubenf_cidr *range;
	bool wildcard;
	int i, ret;

	if (argc < 2)
		return kubenf_errf(err, "missing service ID");
	if (kubenf_u32_parse(argv[1], 1, UINT32_MAX, &svc->id, "service ID",
			     err))
		return -EINVAL;

	for (i = 2; i < argc; i++) {
		const char *kw = argv[i];

		if (!is_keyword(kw))
			return kubenf_errf(err, "unknown argument \"%s\" (expected name, flags, affinity, fe, be or range)",
					   kw);
		if (i + 1 >= argc)
			return kubenf_errf(err, "\"%s\" needs an argument", kw);

		if (!strcmp(kw, "name")) {
			if (svc->has & KUBENF_SVC_HAS_NAME)
				return kubenf_errf(err, "name given twice");
			if (strlen(argv[++i]) >= KUBENF_NAME_MAX)
				return kubenf_errf(err, "name longer than %d bytes",
						   KUBENF_NAME_MAX - 1);
			if (kubenf_svc_set_name(svc, argv[i]))
				return -ENOMEM;
		} else if (!strcmp(kw, "flags")) {
			if (svc->has & KUBENF_SVC_HAS_FLAGS)
				return kubenf_errf(err, "flags given twice");
			if (kubenf_flags_parse(argv[++i], kubenf_svc_flag_names,
					       &svc->flags, "service flag",
					       err))
				return -EINVAL;
			svc->has |= KUBENF_SVC_HAS_FLAGS;
		} else if (!strcmp(kw, "affinity")) {
			if (svc->has & KUBENF_SVC_HAS_AFFINITY)
				return kubenf_errf(err, "affinity given twice");
			/* The kernel enforces its own maximum. */
			if (kubenf_u32_parse(argv[++i], 0, UINT32_MAX,
					     &svc->affinity_timeout,
					     "affinity timeout", err))
				return -EINVAL;
			svc->has |= KUBENF_SVC_HAS_AFFINITY;
		} else if (!strcmp(kw, "fe")) {
			if (i + 3 >= argc)
				return kubenf_errf(err, "\"fe\" needs KIND PROTO ADDR:PORT");
			ret = parse_fe(argv + i + 1, svc, err);
			if (ret)
				return ret;
			i += 3;
		} else if (!strcmp(kw, "be")) {
			be = kubenf_svc_add_be(svc);
			if (!be)
				return -ENOMEM;
			if (kubenf_endpoint_parse(argv[++i], false, &be->addr,
						  &be->port, &wildcard, err))
				return -EINVAL;
			be->has |= KUBENF_BE_HAS_FLAGS;
			be->flags = KUBENF_BE_F_READY | KUBENF_BE_F_SERVING;
			/* Optional FLAGS: anything but the next keyword. */
			if (i + 1 < argc && !is_keyword(argv[i + 1]) &&
			    kubenf_flags_parse(argv[++i], kubenf_be_flag_names,
					       &be->flags, "backend flag",
					       err))
				return -EINVAL;
		} else {
			range = kubenf_svc_add_range(svc);
			if (!range)
				return -ENOMEM;
			if (kubenf_cidr_parse(argv[++i], range, err))
				return -EINVAL;
		}
	}
	return 0;
}

int kubenfctl_cmd_svc_set(int argc, char **argv,
			  const struct kubenfctl_opts *opts)
{
	struct kubenf_service svc = { 0 };
	int ret = KUBENFCTL_EXIT_FAIL;
	struct kubenf_nl *nl = NULL;
	struct nl_msg *msg = NULL;
	struct kubenf_err perr;
	int err;

	(void)opts;
	if (argc == 2 && kubenfctl_is_help(argv[1])) {
		printf("%s%s", usage, help);
		return KUBENFCTL_EXIT_OK;
	}
	err = kubenfctl_svc_set_parse(argc, argv, &svc, &perr);
	if (err == -EINVAL) {
		ret = kubenfctl_usage_error("svc set", usage, "%s", perr.msg);
		goto cleanup;
	}
	if (!err)
		err = kubenf_svc_set_msg(&svc, &msg);
	if (err == -EMSGSIZE) {
		fprintf(stderr, KUBENFCTL_PROG ": svc set: service %u does not fit in one netlink message (%zu frontends, %zu backends)\n",
			svc.id, svc.n_fe, svc.n_be);
		goto cleanup;
	}
	if (err) {
		kubenfctl_nl_error("svc set", NULL, err);
		goto cleanup;
	}

	if (kubenfctl_open(&nl))
		goto cleanup;
	err = kubenf_nl_request(nl, msg, NULL, NULL);
	if (err) {
		kubenfctl_nl_error("svc set", nl, err);
		goto cleanup;
	}
	ret = KUBENFCTL_EXIT_OK;
cleanup:
	kubenf_nl_msg_free(msg);
	kubenf_nl_close(nl);
	kubenf_svc_release(&svc);
	return ret;
}
