// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's netlink side: read everything the kernel holds (GET_INFO,
 * GET_CONFIG, the four *_GET dumps) and apply a difference in one
 * transaction on the agent's one socket:
 *
 *   TXN_BEGIN
 *   SVC_DEL...                  frontends of deleted services are free
 *   PEERSET_SET... POLICY_SET... POD_SET...   pods with their policies
 *   POD_DEL... POLICY_DEL... PEERSET_DEL...
 *   SVC_SET...                  first without frontends another changed
 *                               service still owns, then in full
 *   [SET_CONFIG]
 *   TXN_COMMIT GENERATION (expected) COOKIE
 *
 * References between objects are checked by the kernel at commit, so the
 * order of peersets, policies and pods only has to be readable; what does
 * matter is the frontends: a frontend belongs to one live service, and a
 * service that takes over a frontend from another one (or two that swap)
 * is staged first without it, once its previous owner was staged without
 * it too. Staging the same id twice replaces the staged object.
 *
 * Nothing changes unless the commit succeeds: on any failure the
 * transaction is aborted (closing the socket would drop it as well).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "agent.h"
#include "array.h"
#include "nl.h"

/* Dumps interrupted by commits more often than this fail with -EAGAIN. */
#define DUMP_TRIES	8

int agent_kernel_open(struct agent_kernel *k)
{
	if (k->nl)
		return 0;
	return kubenf_nl_open(&k->nl);
}

void agent_kernel_close(struct agent_kernel *k)
{
	kubenf_nl_close(k->nl);
	k->nl = NULL;
}

/* Send @msg (freed here) without a reply parser; NULL @msg is -ENOMEM. */
static int request(struct agent_kernel *k, struct nl_msg *msg,
		   kubenf_nl_parse_t parse, void *arg)
{
	int err;

	if (!msg)
		return -ENOMEM;
	err = kubenf_nl_request(k->nl, msg, parse, arg);
	kubenf_nl_msg_free(msg);
	return err;
}

int agent_kernel_info(struct agent_kernel *k, struct kubenf_info *info)
{
	int err;

	err = agent_kernel_open(k);
	if (err)
		return err;
	memset(info, 0, sizeof(*info));
	err = request(k, kubenf_nl_msg_new(KUBENF_CMD_GET_INFO, 0),
		      kubenf_info_parse, info);
	if (!err && !(info->has & KUBENF_INFO_HAS_GENERATION))
		err = -EBADMSG;
	return err;
}

static int config_get(struct agent_kernel *k, struct kubenf_config *cfg)
{
	struct nl_msg *msg;
	int err;

	err = kubenf_config_get_msg(&msg);
	if (err)
		return err;
	return request(k, msg, kubenf_config_parse, cfg);
}

/* One dump into @list, redone from scratch when a commit interrupted it. */
static int dump(struct agent_kernel *k, int (*msg_fn)(struct nl_msg **),
		kubenf_nl_parse_t parse, void *list,
		void (*release)(void *list), int (*finish)(void *list))
{
	struct nl_msg *msg;
	int err, tries;

	err = msg_fn(&msg);
	if (err)
		return err;
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		release(list);
		err = kubenf_nl_request(k->nl, msg, parse, list);
		if (err != -EAGAIN)
			break;
	}
	kubenf_nl_msg_free(msg);
	return err ?: finish(list);
}

static void svc_release(void *l)
{
	kubenf_svc_list_release(l);
}

static int svc_finish(void *l)
{
	return kubenf_svc_list_finish(l);
}

static void pset_release(void *l)
{
	kubenf_pset_list_release(l);
}

static int pset_finish(void *l)
{
	return kubenf_pset_list_finish(l);
}

static void pol_release(void *l)
{
	kubenf_pol_list_release(l);
}

static int pol_finish(void *l)
{
	return kubenf_pol_list_finish(l);
}

static void pod_release(void *l)
{
	kubenf_pod_list_release(l);
}

static int pod_finish(void *l)
{
	return kubenf_pod_list_finish(l);
}

int agent_kernel_dump(struct agent_kernel *k, struct agent_rules *have)
{
	int err;

	err = agent_kernel_open(k);
	if (err)
		return err;
	err = config_get(k, &have->config);
	if (!err)
		err = dump(k, kubenf_svc_dump_msg, kubenf_svc_dump_parse,
			   &have->svcs, svc_release, svc_finish);
	if (err)
		return err;
	err = dump(k, kubenf_peerset_dump_msg, kubenf_peerset_dump_parse,
		   &have->psets, pset_release, pset_finish);
	/* A module without the command: services only. */
	if (err == -EOPNOTSUPP && kubenf_nl_rejected(k->nl)) {
		k->no_policy = true;
		return 0;
	}
	k->no_policy = false;
	if (!err)
		err = dump(k, kubenf_policy_dump_msg, kubenf_policy_dump_parse,
			   &have->pols, pol_release, pol_finish);
	if (!err)
		err = dump(k, kubenf_pod_dump_msg, kubenf_pod_dump_parse,
			   &have->pods, pod_release, pod_finish);
	return err;
}

/* ---- frontends changing hands ------------------------------------------ */

/* What makes two frontends the same to the kernel (kind aside). */
struct fe_key {
	uint8_t family, proto;
	uint16_t port;
	uint8_t addr[16];
	uint32_t owner;		/* service id in the kernel */
};

static void fe_key(struct fe_key *key, const struct kubenf_frontend *fe)
{
	memset(key, 0, sizeof(*key));
	key->family = fe->addr.family;
	key->proto = fe->proto;
	key->port = fe->port;
	if (fe->kind != KUBENF_FE_NODE_PORT)
		memcpy(key->addr, fe->addr.bytes, sizeof(key->addr));
}

static int fe_key_cmp(const void *a, const void *b)
{
	/* Everything but the owner, which comes last. */
	return memcmp(a, b, offsetof(struct fe_key, owner));
}

/* Frontends of the services in the kernel, sorted, with their owner. */
static int fe_owners(const struct kubenf_svc_list *have, struct fe_key **out,
		     size_t *n)
{
	struct fe_key *key;
	size_t i, j;

	*out = NULL;
	*n = 0;
	for (i = 0; i < have->n; i++) {
		for (j = 0; j < have->svc[i].n_fe; j++) {
			key = kubenf_array_add(*out, *n);
			if (!key)
				return -ENOMEM;
			fe_key(key, &have->svc[i].fe[j]);
			key->owner = have->svc[i].id;
		}
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), fe_key_cmp);
	return 0;
}

/*
 * @svc without the frontends another service owns in the kernel, in
 * *@out (a shallow copy with its own frontend array), or false when it has
 * none of them.
 */
static int strip_contested(const struct kubenf_service *svc,
			   const struct fe_key *owners, size_t n_owners,
			   struct kubenf_service *out, bool *stripped)
{
	struct fe_key key, *hit;
	size_t i;

	*stripped = false;
	*out = *svc;
	out->fe = NULL;
	out->n_fe = 0;
	for (i = 0; i < svc->n_fe; i++) {
		fe_key(&key, &svc->fe[i]);
		hit = n_owners ? bsearch(&key, owners, n_owners,
					 sizeof(*owners), fe_key_cmp) : NULL;
		if (hit && hit->owner != svc->id) {
			*stripped = true;
			continue;
		}
		if (!kubenf_svc_add_fe(out)) {
			free(out->fe);
			return -ENOMEM;
		}
		out->fe[out->n_fe - 1] = svc->fe[i];
	}
	if (!*stripped) {
		free(out->fe);
		out->fe = NULL;
	}
	return 0;
}

/* ---- the transaction ------------------------------------------------------ */

struct txn {
	struct agent_kernel *k;
	struct agent_apply_err *err;
};

/* Note the kernel's answer (or ours) for a failed step. */
static int fail(struct txn *t, const char *what, int err)
{
	const char *extack = kubenf_nl_rejected(t->k->nl) ?
			     kubenf_nl_extack(t->k->nl) : "";

	t->err->what = what;
	snprintf(t->err->extack, sizeof(t->err->extack), "%s", extack);
	return err;
}

static int fail_object(struct txn *t, const char *what, enum agent_kind kind,
		       uint32_t id, int err)
{
	fail(t, what, err);
	t->err->object = true;
	t->err->kind = kind;
	t->err->id = id;
	if (err == -EMSGSIZE && !t->err->extack[0])
		snprintf(t->err->extack, sizeof(t->err->extack),
			 "does not fit in one netlink message");
	return err;
}

static int send_set(struct txn *t, const struct agent_rules *want,
		    enum agent_kind kind, size_t i)
{
	static const char *const what[] = {
		[AGENT_SVC]	= "service set",
		[AGENT_PSET]	= "peerset set",
		[AGENT_POL]	= "policy set",
		[AGENT_POD]	= "pod set",
	};
	struct nl_msg *msg = NULL;
	int err;

	switch (kind) {
	case AGENT_SVC:
		err = kubenf_svc_set_msg(&want->svcs.svc[i], &msg);
		break;
	case AGENT_PSET:
		err = kubenf_peerset_set_msg(&want->psets.v[i], &msg);
		break;
	case AGENT_POL:
		err = kubenf_policy_set_msg(&want->pols.v[i], &msg);
		break;
	default:
		err = kubenf_pod_set_msg(&want->pods.v[i], &msg);
		break;
	}
	/* Too large to encode: that object's problem. */
	if (err == -EMSGSIZE)
		return fail_object(t, what[kind], kind,
				   agent_rules_id(want, kind, i), err);
	if (err)
		return fail(t, what[kind], err);
	err = request(t->k, msg, NULL, NULL);
	if (err && kubenf_nl_rejected(t->k->nl))
		return fail_object(t, what[kind], kind,
				   agent_rules_id(want, kind, i), err);
	return err ? fail(t, what[kind], err) : 0;
}

static int send_del(struct txn *t, enum agent_kind kind, uint32_t id)
{
	static const char *const what[] = {
		[AGENT_SVC]	= "service delete",
		[AGENT_PSET]	= "peerset delete",
		[AGENT_POL]	= "policy delete",
		[AGENT_POD]	= "pod delete",
	};
	struct nl_msg *msg = NULL;
	int err;

	switch (kind) {
	case AGENT_SVC:
		err = kubenf_svc_del_msg(id, &msg);
		break;
	case AGENT_PSET:
		err = kubenf_peerset_del_msg(id, &msg);
		break;
	case AGENT_POL:
		err = kubenf_policy_del_msg(id, &msg);
		break;
	default:
		err = kubenf_pod_del_msg(id, &msg);
		break;
	}
	if (!err)
		err = request(t->k, msg, NULL, NULL);
	return err ? fail(t, what[kind], err) : 0;
}

/* SET every new and changed object of @kind. */
static int send_sets(struct txn *t, const struct agent_rules *want,
		     const struct agent_diff_kind *d, enum agent_kind kind)
{
	size_t i;
	int err;

	for (i = 0; i < d->n_add; i++) {
		err = send_set(t, want, kind, d->add[i]);
		if (err)
			return err;
	}
	for (i = 0; i < d->n_mod; i++) {
		err = send_set(t, want, kind, d->mod[i]);
		if (err)
			return err;
	}
	return 0;
}

static int send_dels(struct txn *t, const struct agent_diff_kind *d,
		     enum agent_kind kind)
{
	size_t i;
	int err;

	for (i = 0; i < d->n_del; i++) {
		err = send_del(t, kind, d->del[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Service SETs in two passes, see the top of the file. */
static int send_services(struct txn *t, const struct agent_rules *want,
			 const struct agent_rules *have,
			 const struct agent_diff_kind *d)
{
	size_t n = d->n_add + d->n_mod, n_owners, i, idx;
	struct fe_key *owners = NULL;
	struct kubenf_service part;
	struct nl_msg *msg;
	bool *again = NULL;
	bool stripped;
	int err;

	if (!n)
		return 0;
	again = calloc(n, sizeof(*again));
	err = again ? fe_owners(&have->svcs, &owners, &n_owners) : -ENOMEM;
	for (i = 0; !err && i < n; i++) {
		idx = i < d->n_add ? d->add[i] : d->mod[i - d->n_add];
		err = strip_contested(&want->svcs.svc[idx], owners, n_owners,
				      &part, &stripped);
		if (err || !stripped) {
			if (!err)
				err = send_set(t, want, AGENT_SVC, idx);
			continue;
		}
		again[i] = true;
		err = kubenf_svc_set_msg(&part, &msg);
		free(part.fe);
		if (!err)
			err = request(t->k, msg, NULL, NULL);
		if (err && (err == -EMSGSIZE || kubenf_nl_rejected(t->k->nl)))
			err = fail_object(t, "service set", AGENT_SVC,
					  part.id, err);
		else if (err)
			err = fail(t, "service set", err);
	}
	for (i = 0; !err && i < n; i++) {
		if (!again[i])
			continue;
		idx = i < d->n_add ? d->add[i] : d->mod[i - d->n_add];
		err = send_set(t, want, AGENT_SVC, idx);
	}
	if (err && !t->err->what)
		fail(t, "service set", err);
	free(owners);
	free(again);
	return err;
}

/* The failure was noted already; closing the socket would drop it too. */
static void abort_txn(struct agent_kernel *k)
{
	request(k, kubenf_nl_msg_new(KUBENF_CMD_TXN_ABORT, 0), NULL, NULL);
}

int agent_kernel_apply(struct agent_kernel *k, const struct agent_rules *want,
		       const struct agent_rules *have,
		       const struct agent_diff *diff, uint64_t generation,
		       uint64_t cookie, uint64_t *new_generation,
		       struct agent_apply_err *err)
{
	const struct agent_diff_kind *d = diff->kind;
	struct txn t = { .k = k, .err = err };
	struct nl_msg *msg = NULL;
	int ret;

	memset(err, 0, sizeof(*err));
	ret = agent_kernel_open(k);
	if (ret)
		return fail(&t, "open", ret);

	ret = kubenf_txn_begin_msg(0, &msg);
	if (!ret)
		ret = request(k, msg, NULL, NULL);
	if (ret)
		return fail(&t, "begin", ret);

	ret = send_dels(&t, &d[AGENT_SVC], AGENT_SVC);
	if (!ret)
		ret = send_sets(&t, want, &d[AGENT_PSET], AGENT_PSET);
	if (!ret)
		ret = send_sets(&t, want, &d[AGENT_POL], AGENT_POL);
	if (!ret)
		ret = send_sets(&t, want, &d[AGENT_POD], AGENT_POD);
	if (!ret)
		ret = send_dels(&t, &d[AGENT_POD], AGENT_POD);
	if (!ret)
		ret = send_dels(&t, &d[AGENT_POL], AGENT_POL);
	if (!ret)
		ret = send_dels(&t, &d[AGENT_PSET], AGENT_PSET);
	if (!ret)
		ret = send_services(&t, want, have, &d[AGENT_SVC]);
	if (!ret && diff->config) {
		ret = kubenf_config_set_msg(&want->config, &msg);
		if (!ret)
			ret = request(k, msg, NULL, NULL);
		if (ret)
			fail(&t, "config set", ret);
	}
	if (ret) {
		abort_txn(k);
		return ret;
	}

	/* The kernel releases the transaction whatever COMMIT answers. */
	*new_generation = 0;
	ret = kubenf_txn_commit_msg(true, generation, true, cookie, &msg);
	if (!ret)
		ret = request(k, msg, kubenf_txn_commit_parse, new_generation);
	if (!ret && !*new_generation)
		ret = -ENODATA;
	return ret ? fail(&t, "commit", ret) : 0;
}
