// SPDX-License-Identifier: GPL-2.0
/*
 * kubenfctl svc show output. The JSON keys are a contract documented in
 * man/kubenfctl.8, and kubenfctl apply reads them back (json_svc.c): add
 * keys, never rename or retype them.
 *
 * Table: one block of rows per service; a frontend, backend or source
 * range is one row, made of the values the JSON has as separate keys.
 */
#include <stdio.h>

#include <linux/kubenf.h>

#include "model.h"
#include "print.h"
#include "text.h"

static void print_fe(struct kubenfctl_out *out,
		     const struct kubenf_frontend *fe)
{
	char kbuf[KUBENF_TEXT_MAX], pbuf[KUBENF_TEXT_MAX];
	char ep[KUBENF_TEXT_MAX], addr[KUBENF_TEXT_MAX];
	bool node_port = fe->kind == KUBENF_FE_NODE_PORT;
	const char *kind, *proto, *family;
	char row[3 * KUBENF_TEXT_MAX];

	kind = kubenf_fe_kind_str(fe->kind, kbuf);
	proto = kubenf_proto_str(fe->proto, pbuf);
	family = kubenf_family_str(fe->addr.family);

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_str(out, "kind", NULL, kind);
	kubenfctl_out_str(out, "protocol", NULL, proto);
	if (node_port)
		kubenfctl_out_str(out, "family", NULL, family);
	else
		kubenfctl_out_str(out, "address", NULL,
				  kubenf_addr_str(&fe->addr, addr));
	kubenfctl_out_u64(out, "port", NULL, fe->port);

	/* nodeport tcp *:30080 (ipv4), cluster-ip tcp [fd00::1]:80 */
	kubenf_endpoint_str(&fe->addr, fe->port, node_port, ep);
	if (node_port)
		snprintf(row, sizeof(row), "%s %s %s (%s)", kind, proto, ep,
			 family);
	else
		snprintf(row, sizeof(row), "%s %s %s", kind, proto, ep);
	kubenfctl_out_str(out, NULL, "frontend", row);
	kubenfctl_out_end(out);
}

static void print_be(struct kubenfctl_out *out,
		     const struct kubenf_backend *be)
{
	char ep[KUBENF_TEXT_MAX], addr[KUBENF_TEXT_MAX], flags[128];
	char row[sizeof(ep) + sizeof(flags) + 32];
	size_t off;

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_str(out, "address", NULL, kubenf_addr_str(&be->addr, addr));
	kubenfctl_out_u64(out, "port", NULL, be->port);
	if (be->has & KUBENF_BE_HAS_FLAGS)
		kubenfctl_out_flags(out, "flags", NULL, be->flags,
				    kubenf_be_flag_names);
	if (be->has & KUBENF_BE_HAS_CONNS)
		kubenfctl_out_u64(out, "connections", NULL, be->conns);

	/* 10.0.0.2:8080 ready,serving conns 5 */
	off = snprintf(row, sizeof(row), "%s",
		       kubenf_endpoint_str(&be->addr, be->port, false, ep));
	if (be->has & KUBENF_BE_HAS_FLAGS)
		off += snprintf(row + off, sizeof(row) - off, " %s",
				kubenf_flags_str(be->flags,
						 kubenf_be_flag_names, flags,
						 sizeof(flags)));
	if (be->has & KUBENF_BE_HAS_CONNS)
		snprintf(row + off, sizeof(row) - off, " conns %llu",
			 (unsigned long long)be->conns);
	kubenfctl_out_str(out, NULL, "backend", row);
	kubenfctl_out_end(out);
}

static void print_service(struct kubenfctl_out *out,
			  const struct kubenf_service *svc)
{
	char text[KUBENF_TEXT_MAX];
	size_t i;

	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_u64(out, "id", "id", svc->id);
	if (svc->has & KUBENF_SVC_HAS_NAME) {
		kubenfctl_out_str(out, "name", NULL, svc->name);
		kubenfctl_out_str(out, NULL, "name",
				  *svc->name ? svc->name : "-");
	}
	if (svc->has & KUBENF_SVC_HAS_FLAGS)
		kubenfctl_out_flags(out, "flags", "flags", svc->flags,
				    kubenf_svc_flag_names);
	if (svc->has & KUBENF_SVC_HAS_AFFINITY) {
		kubenfctl_out_u64(out, "affinity_timeout", NULL,
				  svc->affinity_timeout);
		if (svc->affinity_timeout)
			snprintf(text, sizeof(text), "client-ip %us",
				 svc->affinity_timeout);
		else
			snprintf(text, sizeof(text), "none");
		kubenfctl_out_str(out, NULL, "affinity", text);
	}
	if (svc->has & KUBENF_SVC_HAS_CONNS)
		kubenfctl_out_u64(out, "connections", "conns", svc->conns);

	kubenfctl_out_begin_list(out, "frontends");
	for (i = 0; i < svc->n_fe; i++)
		print_fe(out, &svc->fe[i]);
	kubenfctl_out_end(out);

	kubenfctl_out_begin_list(out, "source_ranges");
	for (i = 0; i < svc->n_ranges; i++)
		kubenfctl_out_str(out, NULL, "range",
				  kubenf_cidr_str(&svc->ranges[i], text));
	kubenfctl_out_end(out);

	kubenfctl_out_begin_list(out, "backends");
	for (i = 0; i < svc->n_be; i++)
		print_be(out, &svc->be[i]);
	kubenfctl_out_end(out);
	kubenfctl_out_end(out);
}

int kubenfctl_print_services(struct kubenfctl_out *out,
			     const struct kubenf_svc_list *list)
{
	size_t i;

	kubenfctl_out_begin_list(out, NULL);
	for (i = 0; i < list->n; i++)
		print_service(out, &list->svc[i]);
	kubenfctl_out_end(out);
	return kubenfctl_out_error(out);
}
