// SPDX-License-Identifier: GPL-2.0
/*
 * The service table. Writers (kubenf_svc_set() and the transaction code)
 * run under kubenf_net->lock; the packet path looks frontends up under the
 * RCU read lock the netfilter core holds around hook functions, and skips
 * objects inactive in its generation (see txn.h).
 */

#include <linux/in.h>
#include <linux/inetdevice.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netlink.h>
#include <net/route.h>

#include "netlink.h"
#include "netns.h"
#include "service.h"

static const struct rhashtable_params kubenf_fe_params = {
	.key_len	= sizeof(struct kubenf_fe_key),
	.key_offset	= offsetof(struct kubenf_fe, key),
	.head_offset	= offsetof(struct kubenf_fe, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params kubenf_vip_params = {
	.key_len	= sizeof(struct kubenf_fe_key),
	.key_offset	= offsetof(struct kubenf_fe, vip),
	.head_offset	= offsetof(struct kubenf_fe, vip_node),
	.automatic_shrinking = true,
};

int kubenf_svc_tables_init(struct kubenf_net *kn)
{
	int ret;

	ret = rhltable_init(&kn->frontends, &kubenf_fe_params);
	if (ret)
		return ret;
	ret = rhltable_init(&kn->cluster_ips, &kubenf_vip_params);
	if (ret)
		rhltable_destroy(&kn->frontends);
	return ret;
}

/* Every service was unlinked already: the tables are empty. */
void kubenf_svc_tables_destroy(struct kubenf_net *kn)
{
	kvfree(kn->ct_flush.rules);
	rhltable_destroy(&kn->cluster_ips);
	rhltable_destroy(&kn->frontends);
}

static void kubenf_svc_free(struct kubenf_svc *svc)
{
	int fam, loc;

	for (fam = 0; fam < 2; fam++)
		for (loc = 0; loc < __KUBENF_CAND_MAX; loc++)
			kvfree(svc->cand[fam][loc]);
	kvfree(svc->be);
	kfree(svc->fe);
	kfree(svc->ranges);
	kfree(svc->name);
	kfree(svc);
}

static void kubenf_svc_destroy(struct kubenf_obj *obj)
{
	kubenf_svc_free(kubenf_svc(obj));
}

static void kubenf_svc_unlink(struct kubenf_net *kn, struct kubenf_obj *obj)
{
	struct kubenf_svc *svc = kubenf_svc(obj);
	u32 i;

	lockdep_assert_held(&kn->lock);
	for (i = 0; i < svc->n_fe; i++) {
		struct kubenf_fe *fe = &svc->fe[i];

		if (fe->linked)
			rhltable_remove(&kn->frontends, &fe->node,
					kubenf_fe_params);
		if (fe->vip_linked)
			rhltable_remove(&kn->cluster_ips, &fe->vip_node,
					kubenf_vip_params);
		fe->linked = false;
		fe->vip_linked = false;
	}
}

static void kubenf_svc_account(struct kubenf_net *kn,
			       const struct kubenf_obj *obj, int sign)
{
	const struct kubenf_svc *svc = container_of(obj, struct kubenf_svc,
						    obj);

	kn->counts.services += sign;
	kn->counts.frontends += sign * (int)svc->n_fe;
	kn->counts.backends += sign * (int)svc->n_be;
}

static bool kubenf_proto_connless(u8 proto)
{
	return proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

static void kubenf_ct_flush_add(struct kubenf_net *kn,
				const struct kubenf_fe *fe,
				const struct kubenf_be *be)
{
	struct kubenf_ct_flush_list *l = &kn->ct_flush;
	struct kubenf_ct_flush *r;

	if (l->n == l->cap) {
		u32 cap = max(16U, l->cap * 2);

		/* A commit cannot fail: without memory, stale flows stay. */
		r = kvmalloc_array(cap, sizeof(*r), GFP_KERNEL);
		if (!r) {
			l->lost++;
			return;
		}
		if (l->n)
			memcpy(r, l->rules, l->n * sizeof(*r));
		kvfree(l->rules);
		l->rules = r;
		l->cap = cap;
	}
	r = &l->rules[l->n++];
	memset(r, 0, sizeof(*r));
	r->fe = fe->key;
	r->unnated = !be;
	if (be) {
		r->be_addr = be->addr;
		r->be_port = be->port;
	}
}

static bool kubenf_svc_has_be(const struct kubenf_svc *svc,
			      const struct kubenf_be *be, bool usable)
{
	int fam = be->family == NFPROTO_IPV6;
	u32 i, n;

	/* Linear in this service's backends, on the control path only. */
	for (n = 0; n < __KUBENF_CAND_MAX; n++) {
		for (i = 0; i < svc->n_cand[fam][n]; i++) {
			const struct kubenf_be *b = &svc->be[svc->cand[fam][n][i]];

			if (nf_inet_addr_cmp(&b->addr, &be->addr) &&
			    b->port == be->port)
				return true;
		}
		if (!usable)
			break;
	}
	return false;
}

static u32 kubenf_svc_n_cand(const struct kubenf_svc *svc, u8 family)
{
	int fam = family == NFPROTO_IPV6;

	return svc->n_cand[fam][KUBENF_CAND_CLUSTER] +
	       svc->n_cand[fam][KUBENF_CAND_LOCAL];
}

/*
 * Records the conntrack clean-up a change from @o to @n calls for:
 * connectionless flows to backends that are no longer candidates, and
 * untranslated flows to frontends that gained their first candidate.
 */
static void kubenf_svc_replace(struct kubenf_net *kn,
			       const struct kubenf_obj *o,
			       const struct kubenf_obj *n)
{
	const struct kubenf_svc *old = o ? container_of(o, struct kubenf_svc,
							obj) : NULL;
	const struct kubenf_svc *new = n ? container_of(n, struct kubenf_svc,
							obj) : NULL;
	u32 i, j;

	lockdep_assert_held(&kn->lock);
	for (i = 0; old && i < old->n_fe; i++) {
		const struct kubenf_fe *fe = &old->fe[i];

		if (!kubenf_proto_connless(fe->key.proto))
			continue;
		for (j = 0; j < old->n_be; j++) {
			const struct kubenf_be *be = &old->be[j];

			if (be->family != fe->key.family ||
			    !kubenf_svc_has_be(old, be, true))
				continue;
			if (!new || !kubenf_svc_has_be(new, be, true))
				kubenf_ct_flush_add(kn, fe, be);
		}
	}
	for (i = 0; new && i < new->n_fe; i++) {
		const struct kubenf_fe *fe = &new->fe[i];

		if (kubenf_proto_connless(fe->key.proto) &&
		    kubenf_svc_n_cand(new, fe->key.family) &&
		    (!old || !kubenf_svc_n_cand(old, fe->key.family)))
			kubenf_ct_flush_add(kn, fe, NULL);
	}
}

static bool kubenf_ct_flush_match(const struct kubenf_ct_flush *r,
				  const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *orig, *reply;
	static const union nf_inet_addr any;

	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	reply = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	if (orig->src.l3num != r->fe.family ||
	    orig->dst.protonum != r->fe.proto ||
	    orig->dst.u.all != r->fe.port)
		return false;
	if (!nf_inet_addr_cmp(&r->fe.addr, &any) &&
	    !nf_inet_addr_cmp(&r->fe.addr, &orig->dst.u3))
		return false;
	if (r->unnated)
		return !(ct->status & IPS_DST_NAT);
	return (ct->status & IPS_DST_NAT) &&
	       nf_inet_addr_cmp(&reply->src.u3, &r->be_addr) &&
	       reply->src.u.all == r->be_port;
}

static int kubenf_ct_flush_iter(struct nf_conn *ct, void *data)
{
	const struct kubenf_ct_flush_list *l = data;
	u32 i;

	for (i = 0; i < l->n; i++)
		if (kubenf_ct_flush_match(&l->rules[i], ct))
			return 1;
	return 0;
}

static void kubenf_svc_settled(struct kubenf_net *kn)
{
	struct kubenf_ct_flush_list *l = &kn->ct_flush;
	struct nf_ct_iter_data iter = {
		.net	= kn->net,
		.data	= l,
	};

	lockdep_assert_held(&kn->lock);
	if (!l->n)
		return;
	/* Hooks are registered, so conntrack is up in this namespace. */
	if (kn->hooks_active)
		nf_ct_iterate_cleanup_net(kubenf_ct_flush_iter, &iter);
	l->n = 0;
	if (l->cap > 1024) {
		kvfree(l->rules);
		l->rules = NULL;
		l->cap = 0;
	}
}

const struct kubenf_kind_ops kubenf_svc_ops = {
	.unlink		= kubenf_svc_unlink,
	.destroy	= kubenf_svc_destroy,
	.replace	= kubenf_svc_replace,
	.settled	= kubenf_svc_settled,
	.account	= kubenf_svc_account,
};

static int kubenf_proto_check(const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	switch (nla_get_u8(attr)) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr, "protocol must be TCP, UDP or SCTP");
	return -EPROTONOSUPPORT;
}

/* Reads the one of ADDR4/ADDR6 that is present into @addr. */
static int kubenf_addr_parse(struct nlattr *a4, struct nlattr *a6,
			     const struct nlattr *nest,
			     union nf_inet_addr *addr, u8 *family,
			     struct netlink_ext_ack *extack)
{
	if (!!a4 == !!a6) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "exactly one of ADDR4 and ADDR6 is required");
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	if (a4) {
		addr->ip = nla_get_in_addr(a4);
		*family = NFPROTO_IPV4;
	} else {
		addr->in6 = nla_get_in6_addr(a6);
		*family = NFPROTO_IPV6;
	}
	return 0;
}

static int kubenf_fe_parse(const struct nlattr *nest, struct kubenf_fe *fe,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_FE_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, KUBENF_FE_A_MAX, nest, kubenf_fe_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[KUBENF_FE_A_KIND] || !tb[KUBENF_FE_A_PROTO] ||
	    !tb[KUBENF_FE_A_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "frontend needs KIND, PROTO and PORT");
		return -EINVAL;
	}
	ret = kubenf_proto_check(tb[KUBENF_FE_A_PROTO], extack);
	if (ret)
		return ret;

	memset(&fe->key, 0, sizeof(fe->key));
	fe->kind = nla_get_u8(tb[KUBENF_FE_A_KIND]);
	fe->key.proto = nla_get_u8(tb[KUBENF_FE_A_PROTO]);
	fe->key.port = htons(nla_get_u16(tb[KUBENF_FE_A_PORT]));

	if (fe->kind == KUBENF_FE_NODE_PORT) {
		u8 af = tb[KUBENF_FE_A_FAMILY] ?
			nla_get_u8(tb[KUBENF_FE_A_FAMILY]) : 0;

		if (tb[KUBENF_FE_A_ADDR4] || tb[KUBENF_FE_A_ADDR6]) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "a node port takes FAMILY, not an address");
			return -EINVAL;
		}
		if (af != AF_INET && af != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "a node port needs FAMILY AF_INET or AF_INET6");
			return -EAFNOSUPPORT;
		}
		fe->key.family = af == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
		return 0;
	}
	if (tb[KUBENF_FE_A_FAMILY]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_FE_A_FAMILY],
				    "FAMILY is for node ports only");
		return -EINVAL;
	}
	ret = kubenf_addr_parse(tb[KUBENF_FE_A_ADDR4], tb[KUBENF_FE_A_ADDR6],
				nest, &fe->key.addr, &fe->key.family, extack);
	if (ret)
		return ret;
	if (fe->kind == KUBENF_FE_CLUSTER_IP) {
		fe->vip.addr = fe->key.addr;
		fe->vip.family = fe->key.family;
	}
	return 0;
}

static int kubenf_be_parse(const struct nlattr *nest, struct kubenf_be *be,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_BE_A_MAX + 1];
	u32 flags = 0;
	int ret;

	ret = nla_parse_nested(tb, KUBENF_BE_A_MAX, nest, kubenf_be_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[KUBENF_BE_A_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "backend needs PORT");
		return -EINVAL;
	}
	if (tb[KUBENF_BE_A_FLAGS]) {
		flags = nla_get_u32(tb[KUBENF_BE_A_FLAGS]);
		if (flags & ~__KUBENF_BE_F_ALL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_BE_A_FLAGS],
					    "unknown backend flag");
			return -EOPNOTSUPP;
		}
	}
	be->flags = flags;
	be->port = htons(nla_get_u16(tb[KUBENF_BE_A_PORT]));
	return kubenf_addr_parse(tb[KUBENF_BE_A_ADDR4], tb[KUBENF_BE_A_ADDR6],
				 nest, &be->addr, &be->family, extack);
}

static bool kubenf_be_usable(const struct kubenf_be *be, bool fallback,
			     bool local)
{
	if (local && !(be->flags & KUBENF_BE_F_LOCAL))
		return false;
	if (!fallback)
		return be->flags & KUBENF_BE_F_READY;
	return (be->flags & KUBENF_BE_F_SERVING) &&
	       (be->flags & KUBENF_BE_F_TERMINATING);
}

/*
 * Fills the candidate arrays: ready backends of each family and locality;
 * where there is none, the serving-and-terminating ones (KEP-1669).
 */
static int kubenf_svc_candidates(struct kubenf_svc *svc)
{
	int fam, loc, pass;
	u32 i, n;

	for (fam = 0; fam < 2; fam++) {
		u8 family = fam ? NFPROTO_IPV6 : NFPROTO_IPV4;

		for (loc = 0; loc < __KUBENF_CAND_MAX; loc++) {
			u32 *cand;

			cand = kvcalloc(svc->n_be ?: 1, sizeof(*cand),
					KUBENF_GFP);
			if (!cand)
				return -ENOMEM;
			svc->cand[fam][loc] = cand;
			for (pass = 0, n = 0; pass < 2 && !n; pass++) {
				for (i = 0; i < svc->n_be; i++) {
					const struct kubenf_be *be = &svc->be[i];

					if (be->family == family &&
					    kubenf_be_usable(be, pass,
							     loc == KUBENF_CAND_LOCAL))
						cand[n++] = i;
				}
			}
			svc->n_cand[fam][loc] = n;
		}
	}
	return 0;
}

static struct kubenf_svc *kubenf_svc_parse(struct nlattr **tb,
					   struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	struct kubenf_svc *svc;
	int n_fe, n_be, n_rg;
	int rem, ret;
	u32 i;

	n_fe = kubenf_array_len(tb[KUBENF_SVC_A_FRONTENDS],
				KUBENF_MAX_SVC_FRONTENDS, extack);
	if (n_fe < 0)
		return ERR_PTR(n_fe);
	n_be = kubenf_array_len(tb[KUBENF_SVC_A_BACKENDS],
				KUBENF_MAX_SVC_BACKENDS, extack);
	if (n_be < 0)
		return ERR_PTR(n_be);
	n_rg = kubenf_array_len(tb[KUBENF_SVC_A_SOURCE_RANGES],
				KUBENF_MAX_SVC_RANGES, extack);
	if (n_rg < 0)
		return ERR_PTR(n_rg);

	svc = kzalloc(sizeof(*svc), KUBENF_GFP);
	if (!svc)
		return ERR_PTR(-ENOMEM);
	svc->n_fe = n_fe;
	svc->n_be = n_be;
	svc->n_ranges = n_rg;
	svc->fe = kcalloc(n_fe ?: 1, sizeof(*svc->fe), KUBENF_GFP);
	svc->be = kvcalloc(n_be ?: 1, sizeof(*svc->be), KUBENF_GFP);
	svc->ranges = kcalloc(n_rg ?: 1, sizeof(*svc->ranges),
			      KUBENF_GFP);
	svc->name = kstrdup(tb[KUBENF_SVC_A_NAME] ?
			    nla_data(tb[KUBENF_SVC_A_NAME]) : "",
			    KUBENF_GFP);
	if (!svc->fe || !svc->be || !svc->ranges || !svc->name) {
		ret = -ENOMEM;
		goto err;
	}

	if (tb[KUBENF_SVC_A_FLAGS]) {
		svc->flags = nla_get_u32(tb[KUBENF_SVC_A_FLAGS]);
		if (svc->flags & ~__KUBENF_SVC_F_ALL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KUBENF_SVC_A_FLAGS],
					    "unknown service flag");
			ret = -EOPNOTSUPP;
			goto err;
		}
	}
	if (tb[KUBENF_SVC_A_AFFINITY_TIMEOUT])
		svc->affinity_timeout =
			nla_get_u32(tb[KUBENF_SVC_A_AFFINITY_TIMEOUT]);

	i = 0;
	if (tb[KUBENF_SVC_A_FRONTENDS]) {
		nla_for_each_nested(pos, tb[KUBENF_SVC_A_FRONTENDS], rem) {
			svc->fe[i].svc = svc;
			ret = kubenf_fe_parse(pos, &svc->fe[i++], extack);
			if (ret)
				goto err;
		}
	}
	i = 0;
	if (tb[KUBENF_SVC_A_BACKENDS]) {
		nla_for_each_nested(pos, tb[KUBENF_SVC_A_BACKENDS], rem) {
			ret = kubenf_be_parse(pos, &svc->be[i++], extack);
			if (ret)
				goto err;
		}
	}
	ret = kubenf_cidr_array_parse(tb[KUBENF_SVC_A_SOURCE_RANGES],
				      svc->ranges, false, extack);
	if (ret)
		goto err;
	ret = kubenf_svc_candidates(svc);
	if (ret)
		goto err;
	return svc;

err:
	kubenf_svc_free(svc);
	return ERR_PTR(ret);
}

/*
 * Links the frontends of staged @svc, inactive until commit. A frontend that
 * a live service other than the one @svc replaces already owns is -EEXIST.
 */
static int kubenf_svc_link(struct kubenf_net *kn, struct kubenf_txn *txn,
			   struct kubenf_svc *svc,
			   struct netlink_ext_ack *extack)
{
	struct rhlist_head *list, *pos;
	struct kubenf_fe *other;
	u32 i;
	int ret;

	for (i = 0; i < svc->n_fe; i++) {
		struct kubenf_fe *fe = &svc->fe[i];

		rcu_read_lock();
		list = rhltable_lookup(&kn->frontends, &fe->key,
				       kubenf_fe_params);
		rhl_for_each_entry_rcu(other, pos, list, node) {
			if (other->svc == svc) {
				rcu_read_unlock();
				NL_SET_ERR_MSG(extack, "duplicate frontend");
				return -EINVAL;
			}
			if (other->svc->obj.id != svc->obj.id &&
			    kubenf_txn_obj_live(kn, txn, &other->svc->obj)) {
				rcu_read_unlock();
				NL_SET_ERR_MSG(extack,
					       "frontend belongs to another service");
				return -EEXIST;
			}
		}
		rcu_read_unlock();

		ret = rhltable_insert(&kn->frontends, &fe->node,
				      kubenf_fe_params);
		if (ret)
			return ret;
		fe->linked = true;
		if (fe->kind == KUBENF_FE_CLUSTER_IP) {
			ret = rhltable_insert(&kn->cluster_ips, &fe->vip_node,
					      kubenf_vip_params);
			if (ret)
				return ret;
			fe->vip_linked = true;
		}
	}
	return 0;
}

/* Backends of service @id as @txn sees it (staged, else committed), or 0. */
static u32 kubenf_svc_staged_backends(struct kubenf_net *kn,
				      struct kubenf_txn *txn, u32 id)
{
	struct kubenf_obj *obj;

	obj = kubenf_txn_lookup(kn, txn, KUBENF_KIND_SERVICE, id);
	return obj ? container_of(obj, struct kubenf_svc, obj)->n_be : 0;
}

/* Backends the namespace holds if @txn commits. */
static s64 kubenf_txn_backends(struct kubenf_net *kn, struct kubenf_txn *txn)
{
	return (txn->replace ? 0 : (s64)kn->counts.backends) +
	       txn->backends_delta;
}

int kubenf_svc_set(struct kubenf_net *kn, struct kubenf_txn *txn,
		   const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KUBENF_SVC_A_MAX + 1];
	struct kubenf_svc *svc;
	u32 id, prev_be, n_be;
	int ret;

	lockdep_assert_held(&kn->lock);
	ret = nla_parse_nested(tb, KUBENF_SVC_A_MAX, nest, kubenf_svc_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[KUBENF_SVC_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "service needs an ID");
		return -EINVAL;
	}
	/* Counting what the transaction already adds and deletes. */
	if (kubenf_txn_over_limit(kn, txn, KUBENF_KIND_SERVICE,
				  nla_get_u32(tb[KUBENF_SVC_A_ID]),
				  kn->counts.services, KUBENF_MAX_SERVICES)) {
		NL_SET_ERR_MSG(extack, "too many services");
		return -ENOSPC;
	}

	svc = kubenf_svc_parse(tb, extack);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	id = nla_get_u32(tb[KUBENF_SVC_A_ID]);
	/* What the namespace would hold at commit, this service replaced. */
	prev_be = kubenf_svc_staged_backends(kn, txn, id);
	if (kubenf_txn_backends(kn, txn) - prev_be + svc->n_be >
	    KUBENF_MAX_BACKENDS) {
		kubenf_svc_free(svc);
		NL_SET_ERR_MSG(extack, "too many backends");
		return -ENOSPC;
	}
	kubenf_obj_init(kn, &svc->obj, KUBENF_KIND_SERVICE, id);
	svc->serial = ++kn->svc_serial;

	ret = kubenf_svc_link(kn, txn, svc, extack);
	if (ret) {
		/* Lookups may have seen the inactive frontends. */
		kubenf_obj_discard(kn, &svc->obj);
		return ret;
	}
	n_be = svc->n_be;
	ret = kubenf_txn_stage_set(kn, txn, &svc->obj);
	if (!ret)
		txn->backends_delta += (s64)n_be - prev_be;
	return ret;
}

int kubenf_svc_remove(struct kubenf_net *kn, struct kubenf_txn *txn, u32 id,
		      struct netlink_ext_ack *extack)
{
	u32 prev_be = kubenf_svc_staged_backends(kn, txn, id);
	int ret;

	lockdep_assert_held(&kn->lock);
	ret = kubenf_txn_stage_del(kn, txn, KUBENF_KIND_SERVICE, id, extack);
	if (!ret)
		txn->backends_delta -= prev_be;
	return ret;
}

static int kubenf_put_addr(struct sk_buff *skb, int a4, int a6, u8 family,
			   const union nf_inet_addr *addr)
{
	if (family == NFPROTO_IPV4)
		return nla_put_in_addr(skb, a4, addr->ip);
	return nla_put_in6_addr(skb, a6, &addr->in6);
}

static int kubenf_fe_put(struct sk_buff *skb, int type,
			 const struct kubenf_fe *fe)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, KUBENF_FE_A_KIND, fe->kind) ||
	    nla_put_u8(skb, KUBENF_FE_A_PROTO, fe->key.proto) ||
	    nla_put_u16(skb, KUBENF_FE_A_PORT, ntohs(fe->key.port)))
		goto cancel;
	if (fe->kind == KUBENF_FE_NODE_PORT) {
		if (nla_put_u8(skb, KUBENF_FE_A_FAMILY,
			       fe->key.family == NFPROTO_IPV4 ? AF_INET :
							       AF_INET6))
			goto cancel;
	} else if (kubenf_put_addr(skb, KUBENF_FE_A_ADDR4, KUBENF_FE_A_ADDR6,
				   fe->key.family, &fe->key.addr)) {
		goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int kubenf_be_put(struct sk_buff *skb, int type,
			 const struct kubenf_be *be)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (kubenf_put_addr(skb, KUBENF_BE_A_ADDR4, KUBENF_BE_A_ADDR6,
			    be->family, &be->addr) ||
	    nla_put_u16(skb, KUBENF_BE_A_PORT, ntohs(be->port)) ||
	    nla_put_u32(skb, KUBENF_BE_A_FLAGS, be->flags) ||
	    nla_put_u64_64bit(skb, KUBENF_BE_A_CONNS,
			      atomic64_read(&be->conns), KUBENF_BE_A_UNSPEC)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int kubenf_svc_put(struct sk_buff *skb, const struct kubenf_svc *svc,
		   u32 *be_next)
{
	struct nlattr *nest, *arr;
	u32 first = *be_next, i;

	nest = nla_nest_start(skb, KUBENF_A_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KUBENF_SVC_A_ID, svc->obj.id))
		goto cancel;

	/* A continuation message carries only the remaining backends. */
	if (!first) {
		if (nla_put_string(skb, KUBENF_SVC_A_NAME, svc->name) ||
		    nla_put_u32(skb, KUBENF_SVC_A_FLAGS, svc->flags) ||
		    nla_put_u32(skb, KUBENF_SVC_A_AFFINITY_TIMEOUT,
				svc->affinity_timeout) ||
		    nla_put_u64_64bit(skb, KUBENF_SVC_A_CONNS,
				      atomic64_read(&svc->conns),
				      KUBENF_SVC_A_UNSPEC))
			goto cancel;
		arr = nla_nest_start(skb, KUBENF_SVC_A_FRONTENDS);
		if (!arr)
			goto cancel;
		for (i = 0; i < svc->n_fe; i++)
			if (kubenf_fe_put(skb, i + 1, &svc->fe[i]))
				goto cancel;
		nla_nest_end(skb, arr);
		if (svc->n_ranges &&
		    kubenf_put_cidr_array(skb, KUBENF_SVC_A_SOURCE_RANGES,
					  svc->ranges, svc->n_ranges))
			goto cancel;
	}

	arr = nla_nest_start(skb, KUBENF_SVC_A_BACKENDS);
	if (!arr)
		goto cancel;
	for (i = first; i < svc->n_be; i++) {
		if (kubenf_be_put(skb, i + 1, &svc->be[i])) {
			/* Not even one backend fits: let the caller retry. */
			if (i == first)
				goto cancel;
			nla_nest_end(skb, arr);
			nla_nest_end(skb, nest);
			*be_next = i;
			return 1;
		}
	}
	nla_nest_end(skb, arr);
	nla_nest_end(skb, nest);
	*be_next = 0;
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* First frontend of @list active in @genmask, or NULL. Under RCU. */
static const struct kubenf_fe *kubenf_fe_first(struct rhlist_head *list,
					       u8 genmask, bool vip)
{
	const struct kubenf_fe *fe;
	struct rhlist_head *pos;

	if (vip) {
		rhl_for_each_entry_rcu(fe, pos, list, vip_node)
			if (kubenf_obj_active(&fe->svc->obj, genmask))
				return fe;
		return NULL;
	}
	rhl_for_each_entry_rcu(fe, pos, list, node)
		if (kubenf_obj_active(&fe->svc->obj, genmask))
			return fe;
	return NULL;
}

static bool kubenf_is_node_addr(struct kubenf_net *kn,
				const struct kubenf_config *cfg, u8 family,
				const union nf_inet_addr *addr)
{
	bool loopback = cfg && (cfg->flags & KUBENF_CFG_F_NODEPORT_LOOPBACK);
	u32 i;

	if (family == NFPROTO_IPV4 ? ipv4_is_loopback(addr->ip) :
				     ipv6_addr_loopback(&addr->in6))
		return loopback;
	if (cfg && cfg->n_node_addrs) {
		for (i = 0; i < cfg->n_node_addrs; i++) {
			const struct kubenf_cidr *c = &cfg->cidrs[i];

			if (c->family == family &&
			    nf_inet_addr_cmp(&c->addr, addr))
				return true;
		}
		return false;
	}
	if (family == NFPROTO_IPV4)
		return inet_addr_type(kn->net, addr->ip) == RTN_LOCAL;
	return ipv6_chk_addr(kn->net, &addr->in6, NULL, 0);
}

const struct kubenf_fe *kubenf_fe_lookup(struct kubenf_net *kn, u8 genmask,
					 const struct kubenf_config *cfg,
					 u8 family,
					 const union nf_inet_addr *daddr,
					 u8 proto, __be16 dport)
{
	const struct kubenf_fe *fe;
	struct kubenf_fe_key key;

	memset(&key, 0, sizeof(key));
	key.addr = *daddr;
	key.port = dport;
	key.proto = proto;
	key.family = family;
	fe = kubenf_fe_first(rhltable_lookup(&kn->frontends, &key,
					     kubenf_fe_params), genmask, false);
	if (fe)
		return fe;

	/* Node ports are keyed without an address. */
	memset(&key.addr, 0, sizeof(key.addr));
	fe = kubenf_fe_first(rhltable_lookup(&kn->frontends, &key,
					     kubenf_fe_params), genmask, false);
	if (fe && kubenf_is_node_addr(kn, cfg, family, daddr))
		return fe;
	return NULL;
}

bool kubenf_is_cluster_ip(struct kubenf_net *kn, u8 genmask, u8 family,
			  const union nf_inet_addr *daddr)
{
	struct kubenf_fe_key key;

	memset(&key, 0, sizeof(key));
	key.addr = *daddr;
	key.family = family;
	return kubenf_fe_first(rhltable_lookup(&kn->cluster_ips, &key,
					       kubenf_vip_params),
			       genmask, true);
}

const u32 *kubenf_svc_candidates_for(const struct kubenf_fe *fe,
				     bool external, u32 *n)
{
	const struct kubenf_svc *svc = fe->svc;
	int fam = fe->key.family == NFPROTO_IPV6;
	u32 flag = external ? KUBENF_SVC_F_EXTERNAL_LOCAL :
			      KUBENF_SVC_F_INTERNAL_LOCAL;
	int loc = svc->flags & flag ? KUBENF_CAND_LOCAL : KUBENF_CAND_CLUSTER;

	*n = svc->n_cand[fam][loc];
	return svc->cand[fam][loc];
}

struct kubenf_be *kubenf_svc_pick(const struct kubenf_fe *fe, bool external)
{
	const u32 *cand;
	u32 n;

	cand = kubenf_svc_candidates_for(fe, external, &n);
	if (!n)
		return NULL;
	return &fe->svc->be[cand[get_random_u32_below(n)]];
}
