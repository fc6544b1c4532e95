// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl config set [flags FLAGS] [node-addr ADDR]... [cluster-cidr CIDR]...
 *                      [node-name NAME]
 *
 * One SET_CONFIG, which replaces the whole configuration: what is not
 * given goes back to its default.
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
	"Usage: " KUBENFCTL_PROG " config set [flags FLAGS] [node-addr ADDR]... [cluster-cidr CIDR]... [pod-cidr CIDR]... [node-name NAME]\n";

static const char help[] =
	"\n"
	"Replace the node configuration; what is not given returns to its default.\n"
	"  flags FLAGS        nodeport-loopback,policy-cut,masq-external or none\n"
	"  node-addr ADDR     an address node ports answer on (default: every\n"
	"                     local address but loopback)\n"
	"  cluster-cidr CIDR  traffic from outside these is external\n"
	"  pod-cidr CIDR      this node's pods: an address here that is no known\n"
	"                     pod is denied both ways until it is one\n"
	"  node-name NAME     this node, for events\n";

int kubenfctl_config_set_parse(int argc, char **argv,
			       struct kubenf_config *cfg,
			       struct kubenf_err *err)
{
	struct kubenf_cidr *c;
	int i;

	for (i = 1; i < argc; i++) {
		const char *kw = argv[i];

		if (strcmp(kw, "flags") && strcmp(kw, "node-addr") &&
		    strcmp(kw, "cluster-cidr") && strcmp(kw, "pod-cidr") &&
		    strcmp(kw, "node-name"))
			return kubenf_errf(err, "unknown argument \"%s\" (expected flags, node-addr, cluster-cidr, pod-cidr or node-name)",
					   kw);
		if (i + 1 >= argc)
			return kubenf_errf(err, "\"%s\" needs an argument", kw);
		i++;

		if (!strcmp(kw, "flags")) {
			if (cfg->has & KUBENF_CFG_HAS_FLAGS)
				return kubenf_errf(err, "flags given twice");
			if (kubenf_flags_parse(argv[i], kubenf_cfg_flag_names,
					       &cfg->flags,
					       "configuration flag", err))
				return -EINVAL;
			cfg->has |= KUBENF_CFG_HAS_FLAGS;
		} else if (!strcmp(kw, "node-name")) {
			if (cfg->has & KUBENF_CFG_HAS_NODE_NAME)
				return kubenf_errf(err, "node-name given twice");
			if (strlen(argv[i]) >= sizeof(cfg->node_name))
				return kubenf_errf(err, "node name longer than %d bytes",
						   KUBENF_NAME_MAX - 1);
			strcpy(cfg->node_name, argv[i]);
			cfg->has |= KUBENF_CFG_HAS_NODE_NAME;
		} else if (!strcmp(kw, "node-addr")) {
			c = kubenf_config_add_node_addr(cfg);
			if (!c)
				return -ENOMEM;
			if (strchr(argv[i], '/'))
				return kubenf_errf(err, "node-addr \"%s\": an address, not a prefix",
						   argv[i]);
			if (kubenf_addr_parse(argv[i], &c->addr, err))
				return -EINVAL;
			c->prefix = kubenf_addr_bits(c->addr.family);
		} else {
			c = !strcmp(kw, "pod-cidr") ?
			    kubenf_config_add_pod_cidr(cfg) :
			    kubenf_config_add_cluster_cidr(cfg);
			if (!c)
				return -ENOMEM;
			if (kubenf_cidr_parse(argv[i], c, err))
				return -EINVAL;
		}
	}
	return 0;
}

int kubenfctl_cmd_config_set(int argc, char **argv,
			     const struct kubenfctl_opts *opts)
{
	struct kubenf_config cfg = { 0 };
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
	err = kubenfctl_config_set_parse(argc, argv, &cfg, &perr);
	if (err == -EINVAL) {
		ret = kubenfctl_usage_error("config set", usage, "%s",
					    perr.msg);
		goto cleanup;
	}
	if (!err)
		err = kubenf_config_set_msg(&cfg, &msg);
	if (err) {
		kubenfctl_nl_error("config set", NULL, err);
		goto cleanup;
	}
	if (kubenfctl_open(&nl))
		goto cleanup;
	err = kubenf_nl_request(nl, msg, NULL, NULL);
	if (err) {
		kubenfctl_nl_error("config set", nl, err);
		goto cleanup;
	}
	ret = KUBENFCTL_EXIT_OK;
cleanup:
	kubenf_nl_msg_free(msg);
	kubenf_nl_close(nl);
	kubenf_config_release(&cfg);
	return ret;
}
