// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl apply [--replace] FILE: the configuration and services of a
 * JSON file (the shape of config show and svc show -o json) in one
 * transaction on one socket:
 *
 *   TXN_BEGIN [REPLACE]  SVC_SET...  [SET_CONFIG]  TXN_COMMIT
 *
 * Everything is parsed and encoded before the first message is sent. On
 * any failure the transaction is aborted (closing the socket would drop it
 * too) and nothing changes, with one exception: the kernel applies
 * SET_CONFIG at once, not at commit. It is therefore sent last, after
 * every service was staged (and so validated), right before the commit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "json.h"
#include "kubenfctl.h"
#include "model.h"
#include "nl.h"
#include "print.h"

static const char usage[] =
	"Usage: " KUBENFCTL_PROG " [-o json|table] apply [--replace] FILE\n";

static const char help[] =
	"\n"
	"Set the configuration and services of FILE (\"-\": standard input) in\n"
	"one transaction: {\"config\": {...}, \"services\": [...]}, as printed by\n"
	"config show and svc show with -o json. With --replace, services that\n"
	"FILE does not list are deleted. See kubenfctl(8).\n";

struct result {
	uint64_t generation;
	size_t services;
};

static int print(struct kubenfctl_out *out, const void *arg)
{
	const struct result *res = arg;

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_u64(out, "generation", "generation", res->generation);
	kubenfctl_out_u64(out, "services", "services", res->services);
	kubenfctl_out_end(out);
	return kubenfctl_out_error(out);
}

/* Drop the open transaction; the error that made us do so is reported. */
static void abort_txn(struct kubenf_nl *nl)
{
	struct nl_msg *msg;

	if (kubenf_txn_abort_msg(&msg))
		return;		/* closing the socket drops it as well */
	kubenf_nl_request(nl, msg, NULL, NULL);
	kubenf_nl_msg_free(msg);
}

/* "service 7 \"default/web\"" into @buf, for messages. */
static const char *svc_what(const struct kubenf_service *svc, char *buf,
			    size_t len)
{
	if ((svc->has & KUBENF_SVC_HAS_NAME) && *svc->name)
		snprintf(buf, len, "service %u \"%s\"", svc->id, svc->name);
	else
		snprintf(buf, len, "service %u", svc->id);
	return buf;
}

static int send_all(struct kubenf_nl *nl, const struct kubenf_doc *doc,
		    struct nl_msg **svc_msgs, struct nl_msg *cfg_msg,
		    uint32_t txn_flags, uint64_t *generation)
{
	char what[KUBENF_NAME_MAX + 32];
	struct nl_msg *msg = NULL;
	bool open = false;
	size_t i;
	int err;

	err = kubenf_txn_begin_msg(txn_flags, &msg);
	if (!err)
		err = kubenf_nl_request(nl, msg, NULL, NULL);
	kubenf_nl_msg_free(msg);
	msg = NULL;
	if (err) {
		kubenfctl_nl_error("apply", nl, err);
		return err;
	}
	open = true;

	for (i = 0; i < doc->services.n; i++) {
		err = kubenf_nl_request(nl, svc_msgs[i], NULL, NULL);
		if (err) {
			kubenfctl_nl_error(svc_what(&doc->services.svc[i], what,
						    sizeof(what)), nl, err);
			goto cleanup;
		}
	}
	if (cfg_msg) {
		err = kubenf_nl_request(nl, cfg_msg, NULL, NULL);
		if (err) {
			kubenfctl_nl_error("config", nl, err);
			goto cleanup;
		}
	}

	/* The kernel releases the transaction whatever COMMIT answers. */
	open = false;
	*generation = 0;
	err = kubenf_txn_commit_msg(false, 0, false, 0, &msg);
	if (!err)
		err = kubenf_nl_request(nl, msg, kubenf_txn_commit_parse,
					generation);
	if (!err && !*generation)
		err = -ENODATA;		/* ACKed without a reply */
	if (err)
		kubenfctl_nl_error("apply commit", nl, err);
cleanup:
	if (err && open)
		abort_txn(nl);
	kubenf_nl_msg_free(msg);
	return err;
}

int kubenfctl_cmd_apply(int argc, char **argv,
			const struct kubenfctl_opts *opts)
{
	struct nl_msg **svc_msgs = NULL, *cfg_msg = NULL;
	char what[KUBENF_NAME_MAX + 32];
	struct kubenf_doc doc = { 0 };
	int ret = KUBENFCTL_EXIT_FAIL;
	struct kubenf_nl *nl = NULL;
	const char *file = NULL;
	struct kubenf_err perr;
	struct result res;
	bool replace = false;
	size_t i = 0;
	int a, err;

	for (a = 1; a < argc; a++) {
		if (kubenfctl_is_help(argv[a])) {
			printf("%s%s", usage, help);
			return KUBENFCTL_EXIT_OK;
		}
		if (!strcmp(argv[a], "--replace"))
			replace = true;
		else if (argv[a][0] == '-' && argv[a][1])
			return kubenfctl_usage_error("apply", usage,
						     "unknown option \"%s\"",
						     argv[a]);
		else if (file)
			return kubenfctl_usage_error("apply", usage,
						     "unexpected argument \"%s\"",
						     argv[a]);
		else
			file = argv[a];
	}
	if (!file)
		return kubenfctl_usage_error("apply", usage, "missing FILE");

	err = kubenf_json_doc_load(file, &doc, &perr);
	if (err) {
		fprintf(stderr, KUBENFCTL_PROG ": apply: %s\n",
			err == -EINVAL ? perr.msg : strerror(-err));
		goto cleanup;
	}

	/* Encode all before sending any: a service too big fails nothing. */
	svc_msgs = calloc(doc.services.n ?: 1, sizeof(*svc_msgs));
	err = svc_msgs ? 0 : -ENOMEM;
	for (i = 0; !err && i < doc.services.n; i++)
		err = kubenf_svc_set_msg(&doc.services.svc[i], &svc_msgs[i]);
	if (err == -EMSGSIZE) {
		fprintf(stderr, KUBENFCTL_PROG ": apply: %s does not fit in one netlink message (%zu frontends, %zu backends)\n",
			svc_what(&doc.services.svc[i - 1], what, sizeof(what)),
			doc.services.svc[i - 1].n_fe,
			doc.services.svc[i - 1].n_be);
		goto cleanup;
	}
	if (!err && doc.has_config)
		err = kubenf_config_set_msg(&doc.config, &cfg_msg);
	if (err) {
		kubenfctl_nl_error("apply", NULL, err);
		goto cleanup;
	}

	if (kubenfctl_open(&nl))
		goto cleanup;
	err = send_all(nl, &doc, svc_msgs, cfg_msg,
		       replace ? KUBENF_TXN_F_REPLACE : 0, &res.generation);
	if (err)
		goto cleanup;
	res.services = doc.services.n;
	ret = kubenfctl_output("apply", opts, print, &res);
cleanup:
	for (i = 0; svc_msgs && i < doc.services.n; i++)
		kubenf_nl_msg_free(svc_msgs[i]);
	free(svc_msgs);
	kubenf_nl_msg_free(cfg_msg);
	kubenf_nl_close(nl);
	kubenf_doc_release(&doc);
	return ret;
}
