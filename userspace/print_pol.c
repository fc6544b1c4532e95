// SPDX-License-Identifier: GPL-2.0
/*
 * Output of pod, policy and peerset show, explain and monitor. The JSON
 * keys are a contract documented in man/kubenfctl.8: add keys, never
 * rename or retype them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <linux/kubenf.h>

#include "model.h"
#include "polview.h"
#include "print.h"
#include "text.h"

static const struct kubenf_flag_name pod_flag_names[] = {
	{ KUBENF_POD_F_INGRESS_ISOLATED,	"ingress-isolated" },
	{ KUBENF_POD_F_EGRESS_ISOLATED,		"egress-isolated" },
	{ 0, NULL },
};

const char *kubenf_dir_str(unsigned int dir, char *buf)
{
	if (dir == KUBENF_DIR_INGRESS)
		return "ingress";
	if (dir == KUBENF_DIR_EGRESS)
		return "egress";
	snprintf(buf, KUBENF_TEXT_MAX, "dir-%u", dir);
	return buf;
}

#define DEFINE_FIND(fn, list_t, field, v_field)				\
const char *fn(const struct kubenfctl_names *n, uint32_t id)		\
{									\
	const list_t *l = n ? n->field : NULL;				\
	size_t i;							\
									\
	for (i = 0; l && i < l->n; i++)					\
		if (l->v_field[i].id == id)				\
			return l->v_field[i].name &&			\
			       *l->v_field[i].name ?			\
			       l->v_field[i].name : NULL;		\
	return NULL;							\
}

DEFINE_FIND(kubenfctl_pod_name, struct kubenf_pod_list, pods, v)
DEFINE_FIND(kubenfctl_pol_name, struct kubenf_pol_list, pols, v)
DEFINE_FIND(kubenfctl_svc_name, struct kubenf_svc_list, svcs, svc)

/* "x/b (id 7)", or "id 7" without a name. */
static const char *obj_str(const char *name, uint32_t id, char *buf,
			   size_t len)
{
	if (name)
		snprintf(buf, len, "%s (id %" PRIu32 ")", name, id);
	else
		snprintf(buf, len, "id %" PRIu32, id);
	return buf;
}

/* Appends to @buf at *@off, truncating at @len. */
static void appendf(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));


static void appendf(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*off += (size_t)n < len - *off ? (size_t)n : len - *off - 1;
}

/* A list of ids: in JSON numbers, in the table one row "1, 2 (name)". */
static void print_ids(struct kubenfctl_out *out, const char *key,
		      const char *label, const uint32_t *ids, size_t n)
{
	char row[512];
	size_t i, off = 0;

	kubenfctl_out_begin_list(out, key);
	for (i = 0; i < n; i++)
		kubenfctl_out_u64(out, NULL, NULL, ids[i]);
	kubenfctl_out_end(out);
	row[0] = '\0';
	for (i = 0; i < n; i++)
		appendf(row, sizeof(row), &off, "%s%" PRIu32, i ? ", " : "",
			ids[i]);
	kubenfctl_out_str(out, NULL, label, n ? row : "none");
}

static void print_pod(struct kubenfctl_out *out, const struct kubenf_pod *pod)
{
	char addr[KUBENF_ADDR_MAX];
	size_t i;

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_u64(out, "id", "id", pod->id);
	kubenfctl_out_str(out, "name", NULL, pod->name ? pod->name : "");
	kubenfctl_out_str(out, NULL, "name",
			  pod->name && *pod->name ? pod->name : "-");
	kubenfctl_out_flags(out, "flags", "flags", pod->flags,
			    pod_flag_names);
	kubenfctl_out_begin_list(out, "addresses");
	for (i = 0; i < pod->n_addrs; i++)
		kubenfctl_out_str(out, NULL, "address",
				  kubenf_addr_str(&pod->addrs[i], addr));
	kubenfctl_out_end(out);
	print_ids(out, "ingress", "ingress policies", pod->ingress,
		  pod->n_ingress);
	print_ids(out, "egress", "egress policies", pod->egress,
		  pod->n_egress);
	kubenfctl_out_end(out);
}

int kubenfctl_print_pods(struct kubenfctl_out *out,
			 const struct kubenf_pod_list *list)
{
	size_t i;

	kubenfctl_out_begin_list(out, NULL);
	for (i = 0; i < list->n; i++)
		print_pod(out, &list->v[i]);
	kubenfctl_out_end(out);
	return kubenfctl_out_error(out);
}

/* "tcp/80", "udp/1000-2000", "sctp" (every port). */
static const char *port_str(const struct kubenf_port_range *p, char *buf,
			    size_t len)
{
	char pbuf[KUBENF_TEXT_MAX];
	const char *proto = kubenf_proto_str(p->proto, pbuf);

	if (!p->first)
		snprintf(buf, len, "%s", proto);
	else if (p->last && p->last != p->first)
		snprintf(buf, len, "%s/%u-%u", proto, p->first, p->last);
	else
		snprintf(buf, len, "%s/%u", proto, p->first);
	return buf;
}

static void print_rule(struct kubenfctl_out *out, size_t idx,
		       const struct kubenf_rule *r)
{
	char pbuf[KUBENF_TEXT_MAX], label[32], row[1024];
	size_t i, off = 0;

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_u64(out, "index", NULL, idx);
	kubenfctl_out_begin_list(out, "peers");
	for (i = 0; i < r->n_peers; i++)
		kubenfctl_out_u64(out, NULL, NULL, r->peers[i]);
	kubenfctl_out_end(out);
	kubenfctl_out_begin_list(out, "ports");
	for (i = 0; i < r->n_ports; i++) {
		const struct kubenf_port_range *p = &r->ports[i];

		kubenfctl_out_begin(out, NULL);
		kubenfctl_out_str(out, "protocol", NULL,
				  kubenf_proto_str(p->proto, pbuf));
		if (p->first) {
			kubenfctl_out_u64(out, "first", NULL, p->first);
			kubenfctl_out_u64(out, "last", NULL,
					  p->last ? p->last : p->first);
		}
		kubenfctl_out_end(out);
	}
	kubenfctl_out_end(out);
	if (r->has_packets)
		kubenfctl_out_u64(out, "connections", NULL, r->packets);

	/* rule 0  peers 1,2 ports tcp/80 conns 5 */
	appendf(row, sizeof(row), &off, "peers ");
	if (!r->n_peers)
		appendf(row, sizeof(row), &off, "any");
	for (i = 0; i < r->n_peers; i++)
		appendf(row, sizeof(row), &off, "%s%" PRIu32, i ? "," : "",
			r->peers[i]);
	appendf(row, sizeof(row), &off, " ports ");
	if (!r->n_ports)
		appendf(row, sizeof(row), &off, "any");
	for (i = 0; i < r->n_ports; i++)
		appendf(row, sizeof(row), &off, "%s%s", i ? "," : "",
			port_str(&r->ports[i], pbuf, sizeof(pbuf)));
	if (r->has_packets)
		appendf(row, sizeof(row), &off, " conns %" PRIu64,
			r->packets);
	snprintf(label, sizeof(label), "rule %zu", idx);
	kubenfctl_out_str(out, NULL, label, row);
	kubenfctl_out_end(out);
}

static void print_policy(struct kubenfctl_out *out,
			 const struct kubenf_policy *pol)
{
	char dbuf[KUBENF_TEXT_MAX];
	size_t i;

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_u64(out, "id", "id", pol->id);
	kubenfctl_out_str(out, "name", NULL, pol->name ? pol->name : "");
	kubenfctl_out_str(out, NULL, "name",
			  pol->name && *pol->name ? pol->name : "-");
	kubenfctl_out_str(out, "direction", "direction",
			  kubenf_dir_str(pol->dir, dbuf));
	kubenfctl_out_begin_list(out, "rules");
	for (i = 0; i < pol->n_rules; i++)
		print_rule(out, i, &pol->rules[i]);
	kubenfctl_out_end(out);
	if (!pol->n_rules)
		kubenfctl_out_str(out, NULL, "rules", "none (allows nothing)");
	kubenfctl_out_end(out);
}

int kubenfctl_print_policies(struct kubenfctl_out *out,
			     const struct kubenf_pol_list *list)
{
	size_t i;

	kubenfctl_out_begin_list(out, NULL);
	for (i = 0; i < list->n; i++)
		print_policy(out, &list->v[i]);
	kubenfctl_out_end(out);
	return kubenfctl_out_error(out);
}

static void print_entry(struct kubenfctl_out *out,
			const struct kubenf_pset_entry *e)
{
	char cidr[KUBENF_TEXT_MAX], row[1024];
	size_t i, off = 0;

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_str(out, "cidr", NULL, kubenf_cidr_str(&e->cidr, cidr));
	appendf(row, sizeof(row), &off, "%s", cidr);
	kubenfctl_out_begin_list(out, "except");
	for (i = 0; i < e->n_except; i++) {
		kubenfctl_out_str(out, NULL, NULL,
				  kubenf_cidr_str(&e->except[i], cidr));
		appendf(row, sizeof(row), &off, "%s%s", i ? "," : " except ",
			cidr);
	}
	kubenfctl_out_end(out);
	kubenfctl_out_str(out, NULL, "entry", row);
	kubenfctl_out_end(out);
}

static void print_peerset(struct kubenfctl_out *out,
			  const struct kubenf_peerset *ps)
{
	size_t i;

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_u64(out, "id", "id", ps->id);
	kubenfctl_out_str(out, "name", NULL, ps->name ? ps->name : "");
	kubenfctl_out_str(out, NULL, "name",
			  ps->name && *ps->name ? ps->name : "-");
	kubenfctl_out_begin_list(out, "entries");
	for (i = 0; i < ps->n_entries; i++)
		print_entry(out, &ps->entries[i]);
	kubenfctl_out_end(out);
	if (!ps->n_entries)
		kubenfctl_out_str(out, NULL, "entries", "none");
	kubenfctl_out_end(out);
}

int kubenfctl_print_peersets(struct kubenfctl_out *out,
			     const struct kubenf_pset_list *list)
{
	size_t i;

	kubenfctl_out_begin_list(out, NULL);
	for (i = 0; i < list->n; i++)
		print_peerset(out, &list->v[i]);
	kubenfctl_out_end(out);
	return kubenfctl_out_error(out);
}

void kubenfctl_verdict_text(const struct kubenf_verdict_info *v,
			    const struct kubenfctl_names *names, char *buf,
			    size_t len)
{
	char svc[KUBENF_NAME_MAX + 32], pod[KUBENF_NAME_MAX + 32];
	char pol[KUBENF_NAME_MAX + 32], ep[KUBENF_TEXT_MAX];
	char dbuf[KUBENF_TEXT_MAX], rbuf[KUBENF_TEXT_MAX];
	const char *verdict = v->accept ? "allow" : "deny";
	const char *dir = kubenf_dir_str(v->dir, dbuf);
	bool has_pod = v->has & KUBENF_VERDICT_HAS_POD;
	size_t off = 0;

	buf[0] = '\0';
	if (v->has & KUBENF_VERDICT_HAS_SVC)
		obj_str(kubenfctl_svc_name(names, v->svc_id), v->svc_id, svc,
			sizeof(svc));
	if (has_pod)
		obj_str(kubenfctl_pod_name(names, v->pod_id), v->pod_id, pod,
			sizeof(pod));
	if (v->has & KUBENF_VERDICT_HAS_POLICY)
		obj_str(kubenfctl_pol_name(names, v->policy_id),
			v->policy_id, pol, sizeof(pol));

	/* service default/web (id 1) -> backend 10.0.2.3:8080 */
	if ((v->has & KUBENF_VERDICT_HAS_SVC) &&
	    (v->has & KUBENF_VERDICT_HAS_BE))
		appendf(buf, len, &off, "service %s -> backend %s\n", svc,
			kubenf_endpoint_str(&v->be_addr, v->be_port, false,
					    ep));

	switch (v->reason) {
	case KUBENF_REASON_ALLOWED_RULE:
		if (has_pod && (v->has & KUBENF_VERDICT_HAS_POLICY)) {
			appendf(buf, len, &off,
				"%s: %s of pod %s by policy %s rule %" PRIu32
				"\n", verdict, dir, pod, pol, v->rule);
			return;
		}
		break;
	case KUBENF_REASON_NOT_ISOLATED:
		if (has_pod) {
			appendf(buf, len, &off,
				"%s: pod %s is not isolated for %s\n",
				verdict, pod, dir);
			return;
		}
		appendf(buf, len, &off,
			"%s: no policy isolates the pods of this flow\n",
			verdict);
		return;
	case KUBENF_REASON_FROM_NODE:
		appendf(buf, len, &off, "%s: from the node itself%s%s\n",
			verdict, has_pod ? " to pod " : "",
			has_pod ? pod : "");
		return;
	case KUBENF_REASON_DENY_INGRESS:
	case KUBENF_REASON_DENY_EGRESS:
		if (has_pod) {
			appendf(buf, len, &off,
				"%s: pod %s is isolated for %s and no rule matched\n",
				verdict, pod, dir);
			return;
		}
		break;
	case KUBENF_REASON_NO_ENDPOINT:
		if (v->has & KUBENF_VERDICT_HAS_SVC) {
			appendf(buf, len, &off,
				"%s: service %s has no usable endpoint\n",
				verdict, svc);
			return;
		}
		break;
	case KUBENF_REASON_NO_SERVICE_PORT:
		appendf(buf, len, &off,
			"%s: no service port for this port on the cluster IP\n",
			verdict);
		return;
	case KUBENF_REASON_SOURCE_RANGE:
		if (v->has & KUBENF_VERDICT_HAS_SVC) {
			appendf(buf, len, &off,
				"%s: source outside the load-balancer source ranges of service %s\n",
				verdict, svc);
			return;
		}
		break;
	case KUBENF_REASON_UNKNOWN_POD:
		appendf(buf, len, &off,
			"%s: the %s address is in this node's pod CIDRs but is no pod kubenf knows (yet)\n",
			verdict, v->dir == KUBENF_DIR_EGRESS ? "source" :
							      "destination");
		return;
	case KUBENF_REASON_ICMP_NO_CONN:
		appendf(buf, len, &off,
			"%s: an ICMP error about no connection\n", verdict);
		return;
	case KUBENF_REASON_NONE:
		if (v->accept && !has_pod) {
			appendf(buf, len, &off,
				"%s: no local pod and no policy concern this flow\n",
				verdict);
			return;
		}
		break;
	}
	/* Anything else, e.g. from a newer module: the raw facts. */
	appendf(buf, len, &off, "%s: %s", verdict,
		kubenf_reason_str(v->reason, rbuf));
	if (has_pod)
		appendf(buf, len, &off, ", %s of pod %s", dir, pod);
	if (v->has & KUBENF_VERDICT_HAS_POLICY)
		appendf(buf, len, &off, ", policy %s rule %" PRIu32, pol,
			v->rule);
	appendf(buf, len, &off, "\n");
}

int kubenfctl_print_verdict(struct kubenfctl_out *out,
			    const struct kubenf_verdict_info *v)
{
	char rbuf[KUBENF_TEXT_MAX], dbuf[KUBENF_TEXT_MAX];
	char addr[KUBENF_ADDR_MAX];

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_str(out, "verdict", "verdict",
			  v->accept ? "allow" : "deny");
	kubenfctl_out_bool(out, "accept", NULL, v->accept, "yes", "no");
	kubenfctl_out_str(out, "reason", "reason",
			  kubenf_reason_str(v->reason, rbuf));
	if (v->has & KUBENF_VERDICT_HAS_SVC)
		kubenfctl_out_u64(out, "service_id", "service", v->svc_id);
	if (v->has & KUBENF_VERDICT_HAS_BE) {
		kubenfctl_out_begin(out, "backend");
		kubenfctl_out_str(out, "address", "backend address",
				  kubenf_addr_str(&v->be_addr, addr));
		kubenfctl_out_u64(out, "port", "backend port", v->be_port);
		kubenfctl_out_end(out);
	}
	if (v->has & KUBENF_VERDICT_HAS_POD) {
		kubenfctl_out_str(out, "direction", "direction",
				  kubenf_dir_str(v->dir, dbuf));
		kubenfctl_out_u64(out, "pod_id", "pod", v->pod_id);
	}
	if (v->has & KUBENF_VERDICT_HAS_POLICY) {
		kubenfctl_out_u64(out, "policy_id", "policy", v->policy_id);
		kubenfctl_out_u64(out, "rule", "rule", v->rule);
	}
	kubenfctl_out_end(out);
	return kubenfctl_out_error(out);
}

/* 2026-12-05T06:08:39.123Z */
static const char *time_str(const struct timespec *ts, char *buf,
			    size_t len)
{
	struct tm tm;
	size_t n;

	if (!gmtime_r(&ts->tv_sec, &tm)) {
		snprintf(buf, len, "-");
		return buf;
	}
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts->tv_nsec / 1000000);
	return buf;
}

void kubenfctl_event_text(const struct kubenf_flow_info *ev,
			  const struct kubenfctl_names *names,
			  const struct timespec *ts, char *buf, size_t len)
{
	char tbuf[64], dbuf[KUBENF_TEXT_MAX], pbuf[KUBENF_TEXT_MAX];
	char rbuf[KUBENF_TEXT_MAX], src[KUBENF_TEXT_MAX], dst[KUBENF_TEXT_MAX];
	char pod[KUBENF_NAME_MAX + 32];

	kubenf_endpoint_str(&ev->src, ev->sport, false, src);
	kubenf_endpoint_str(&ev->dst, ev->dport, false, dst);
	if (ev->has & KUBENF_FLOW_HAS_POD)
		obj_str(kubenfctl_pod_name(names, ev->pod_id), ev->pod_id,
			pod, sizeof(pod));
	snprintf(buf, len, "%s deny %s %s %s -> %s pod %s %s\n",
		 time_str(ts, tbuf, sizeof(tbuf)),
		 ev->has & KUBENF_FLOW_HAS_DIR ? kubenf_dir_str(ev->dir, dbuf) :
						 "-",
		 kubenf_proto_str(ev->proto, pbuf), src, dst,
		 ev->has & KUBENF_FLOW_HAS_POD ? pod : "-",
		 ev->has & KUBENF_FLOW_HAS_REASON ?
		 kubenf_reason_str(ev->reason, rbuf) : "-");
}

int kubenfctl_event_json(const struct kubenf_flow_info *ev,
			 const struct kubenfctl_names *names,
			 const struct timespec *ts, char **buf)
{
	char tbuf[64], dbuf[KUBENF_TEXT_MAX], pbuf[KUBENF_TEXT_MAX];
	char rbuf[KUBENF_TEXT_MAX], src[KUBENF_ADDR_MAX], dst[KUBENF_ADDR_MAX];
	const char *name;
	json_t *o;
	char *s;
	int err = 0;

	*buf = NULL;
	o = json_object();
	if (!o)
		return -ENOMEM;
	err |= json_object_set_new(o, "time",
				   json_string(time_str(ts, tbuf, sizeof(tbuf))));
	err |= json_object_set_new(o, "verdict", json_string("deny"));
	if (ev->has & KUBENF_FLOW_HAS_DIR)
		err |= json_object_set_new(o, "direction",
					   json_string(kubenf_dir_str(ev->dir,
								      dbuf)));
	err |= json_object_set_new(o, "protocol",
				   json_string(kubenf_proto_str(ev->proto,
								pbuf)));
	err |= json_object_set_new(o, "source",
				   json_string(kubenf_addr_str(&ev->src, src)));
	err |= json_object_set_new(o, "source_port",
				   json_integer(ev->sport));
	err |= json_object_set_new(o, "destination",
				   json_string(kubenf_addr_str(&ev->dst, dst)));
	err |= json_object_set_new(o, "destination_port",
				   json_integer(ev->dport));
	if (ev->has & KUBENF_FLOW_HAS_POD) {
		err |= json_object_set_new(o, "pod_id",
					   json_integer(ev->pod_id));
		name = kubenfctl_pod_name(names, ev->pod_id);
		if (name)
			err |= json_object_set_new(o, "pod",
						   json_string(name));
	}
	if (ev->has & KUBENF_FLOW_HAS_REASON)
		err |= json_object_set_new(o, "reason",
					   json_string(kubenf_reason_str(ev->reason,
									 rbuf)));
	s = err ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return -ENOMEM;
	*buf = malloc(strlen(s) + 2);
	if (*buf)
		sprintf(*buf, "%s\n", s);
	free(s);
	return *buf ? 0 : -ENOMEM;
}
