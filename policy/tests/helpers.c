// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers.h"

static void *must(void *p)
{
	if (!p) {
		fprintf(stderr, "kp-tests: out of memory\n");
		abort();
	}
	return p;
}

json_t *t_json(const char *sq)
{
	char *s = must(strdup(sq)), *p;
	json_error_t err;
	json_t *j;

	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(s, JSON_ALLOW_NUL, &err);
	if (!j)
		tap_diag("test JSON: %s at %d: %s", err.text, err.position, s);
	free(s);
	return j;
}

void tc_init(struct t_case *c)
{
	memset(c, 0, sizeof(*c));
	c->st = must(kp_state_new());
	kp_errors_init(&c->errs);
	kp_errors_init(&c->add_errs);
}

void tc_free(struct t_case *c)
{
	kp_ruleset_free(c->rs);
	kp_state_free(c->st);
	kp_errors_free(&c->errs);
	kp_errors_free(&c->add_errs);
	free(c->text);
	memset(c, 0, sizeof(*c));
}

int tc_add(struct t_case *c, const char *fmt, ...)
{
	struct kp_sb sb = { 0 };
	va_list ap;
	json_t *j;
	char *s;

	va_start(ap, fmt);
	kp_sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	s = must(kp_sb_steal(&sb));
	j = t_json(s);
	free(s);
	if (!j) {
		c->add_ret = -EBADMSG;
		return c->add_ret;
	}
	c->add_ret = kp_state_add_json(c->st, j, &c->add_errs);
	json_decref(j);
	return c->add_ret;
}

int tc_add_file(struct t_case *c, const char *path)
{
	char full[4096];
	json_error_t err;
	json_t *j;

	snprintf(full, sizeof(full), "%s/%s", t_srcdir, path);
	j = json_load_file(full, 0, &err);
	if (!j) {
		tap_diag("%s: %s", full, err.text);
		return -ENOENT;
	}
	c->add_ret = kp_state_add_json(c->st, j, &c->add_errs);
	json_decref(j);
	return c->add_ret;
}

void tc_allow_external_ips(struct t_case *c, const char *cidrs)
{
	struct kp_cidr allow[8];
	char *copy, *tok, *save;
	size_t n = 0;

	copy = must(strdup(cidrs));
	for (tok = strtok_r(copy, " ", &save); tok && n < 8;
	     tok = strtok_r(NULL, " ", &save))
		if (kp_cidr_parse(tok, &allow[n++]))
			tap_diag("bad CIDR %s", tok);
	free(copy);
	if (kp_state_allow_external_ips(c->st, allow, n))
		tap_diag("kp_state_allow_external_ips failed");
}

/* The example cluster's operators allow external IPs from TEST-NET-1. */
void tc_fixture(struct t_case *c)
{
	tc_allow_external_ips(c, "192.0.2.0/24");
	if (tc_add_file(c, "examples/cluster.json"))
		tap_diag("fixture examples/cluster.json did not load cleanly");
}

void tc_compile(struct t_case *c, const char *node)
{
	int ret;

	kp_ruleset_free(c->rs);
	c->rs = NULL;
	free(c->text);
	c->text = NULL;
	kp_errors_free(&c->errs);
	ret = kp_compile(c->st, node, &c->rs, &c->errs);
	if (ret) {
		tap_diag("kp_compile: %d", ret);
		c->text = must(strdup(""));
		return;
	}
	c->text = t_render(c->rs);
}

const char *tc_line(struct t_case *c, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *p = c->text, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if ((size_t)(nl - p) > plen + 1 && !strncmp(p, prefix, plen) &&
		    p[plen] == ':' && p[plen + 1] == ' ') {
			snprintf(c->line, sizeof(c->line), "%.*s",
				 (int)(nl - p - plen - 2), p + plen + 2);
			return c->line;
		}
		p = *nl ? nl + 1 : nl;
	}
	return "(none)";
}

int tc_count(struct t_case *c, const char *line_prefix)
{
	size_t plen = strlen(line_prefix);
	const char *p = c->text;
	int n = 0;

	while (p && *p) {
		if (!strncmp(p, line_prefix, plen))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/* Fixture pod "ns/p" from its address, or NULL. */
static const char *fixture_pod(const struct kp_block *b, char *buf)
{
	static const char ns[] = "xyz", pods[] = "abc";
	struct kp_addr a;
	char s[64];
	int i, k;

	if (b->n_except ||
	    b->cidr.prefix != (b->cidr.addr.family == AF_INET ? 32 : 128))
		return NULL;
	for (i = 0; i < 3; i++) {
		for (k = 0; k < 3; k++) {
			int node = k == 2 ? 2 : 1;

			snprintf(s, sizeof(s), b->cidr.addr.family == AF_INET ?
				 "10.244.%d.%d%d" : "fd00:10:244:%d::%d%d",
				 node, i + 1, k + 1);
			if (!kp_addr_parse(s, &a) &&
			    !kp_addr_cmp(&a, &b->cidr.addr)) {
				sprintf(buf, "%c/%c", ns[i], pods[k]);
				return buf;
			}
		}
	}
	return NULL;
}

static int word_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the space-separated words of @s in place. */
static void sort_words(char *s)
{
	char *copy, *words[256], *save = NULL, *w;
	size_t n = 0, i;

	if (!s)
		return;
	copy = must(strdup(s));
	for (w = strtok_r(copy, " ", &save); w && n < 256;
	     w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	qsort(words, n, sizeof(*words), word_cmp);
	*s = '\0';
	for (i = 0; i < n; i++) {
		strcat(s, i ? " " : "");
		strcat(s, words[i]);
	}
	free(copy);
}

const char *tc_set_pods(struct t_case *c, const char *set_name)
{
	const struct kp_peerset *s = NULL;
	struct kp_sb sb = { 0 };
	char buf[8], cidr[KP_CIDR_STRLEN];
	size_t i, k;

	for (i = 0; c->rs && i < c->rs->n_peersets; i++)
		if (!strcmp(c->rs->peersets[i].name, set_name))
			s = &c->rs->peersets[i];
	if (!s)
		return "(none)";
	/* v4 entries sort before v6 ones: name each pod once, with the
	 * families it has.
	 */
	for (i = 0; i < s->n_entries; i++) {
		const char *pod = fixture_pod(&s->entries[i], buf);
		bool v6 = s->entries[i].cidr.addr.family == AF_INET6;
		bool both = false, dup = false;

		if (!pod) {
			kp_cidr_fmt(&s->entries[i].cidr, cidr);
			kp_sb_printf(&sb, "%s%s", sb.len ? " " : "", cidr);
			continue;
		}
		for (k = 0; k < s->n_entries; k++) {
			char other[8];
			const char *o = fixture_pod(&s->entries[k], other);

			if (k == i || !o || strcmp(o, pod))
				continue;
			both = true;
			dup = k < i;
		}
		if (dup)
			continue;
		kp_sb_printf(&sb, "%s%s%s", sb.len ? " " : "", pod,
			     both ? "" : v6 ? "(v6)" : "(v4)");
	}
	sort_words(sb.s);
	snprintf(c->line, sizeof(c->line), "%s", sb.len ? sb.s : "empty");
	free(kp_sb_steal(&sb));
	return c->line;
}

const char *tc_errors(struct t_case *c)
{
	struct kp_sb sb = { 0 };
	size_t i;

	for (i = 0; i < c->errs.n; i++) {
		const struct kp_error *e = &c->errs.v[i];

		kp_sb_printf(&sb, "%s%s %s%s%s: %s", i ? "\n" : "", e->kind,
			     e->ns, *e->ns ? "/" : "", e->name, e->reason);
	}
	snprintf(c->line, sizeof(c->line), "%s", sb.len ? sb.s : "");
	free(kp_sb_steal(&sb));
	return c->line;
}

/* ---- rendering ----------------------------------------------------- */

static const char *set_name(const struct kp_ruleset *rs, uint32_t id)
{
	size_t i;

	for (i = 0; i < rs->n_peersets; i++)
		if (rs->peersets[i].id == id)
			return rs->peersets[i].name;
	return "?";
}

static const char *policy_name(const struct kp_ruleset *rs, uint32_t id)
{
	size_t i;

	for (i = 0; i < rs->n_policies; i++)
		if (rs->policies[i].id == id)
			return rs->policies[i].name;
	return "?";
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Policy names in name order, for stable expectations. */
static void render_policies(struct kp_sb *sb, const struct kp_ruleset *rs,
			    const uint32_t *ids, size_t n)
{
	const char **names = must(calloc(n + 1, sizeof(*names)));
	size_t i;

	for (i = 0; i < n; i++)
		names[i] = policy_name(rs, ids[i]);
	qsort(names, n, sizeof(*names), str_cmp);
	for (i = 0; i < n; i++)
		kp_sb_printf(sb, "%s%s", i ? " " : "", names[i]);
	free(names);
}

static void render_ports(struct kp_sb *sb, const struct kp_portrange *p,
			 size_t n)
{
	size_t i;

	if (!n) {
		kp_sb_puts(sb, "*");
		return;
	}
	for (i = 0; i < n; i++) {
		kp_sb_printf(sb, "%s%s/", i ? "," : "",
			     kp_proto_str(p[i].proto));
		if (!p[i].first)
			kp_sb_puts(sb, "*");
		else if (p[i].first == p[i].last)
			kp_sb_printf(sb, "%u", p[i].first);
		else
			kp_sb_printf(sb, "%u-%u", p[i].first, p[i].last);
	}
}

static void render_flags(struct kp_sb *sb, uint32_t flags,
			 const char *const *names, size_t n)
{
	bool any = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (flags & (1U << i)) {
			kp_sb_printf(sb, "%s%s", any ? "," : "", names[i]);
			any = true;
		}
	}
	if (!any)
		kp_sb_puts(sb, "-");
}

static const char *const fe_kind[] = {
	"cluster-ip", "node-port", "external-ip", "load-balancer"
};
static const char *const svc_flags[] = { "internal-local", "external-local" };
static const char *const pod_flags[] = { "ingress", "egress" };

char *t_render(const struct kp_ruleset *rs)
{
	char a[KP_ADDR_STRLEN], cidr[KP_CIDR_STRLEN];
	struct kp_sb sb = { 0 };
	size_t i, k, j;

	for (i = 0; i < rs->n_services; i++) {
		const struct kp_service *s = &rs->services[i];

		kp_sb_printf(&sb, "svc %s: fe=[", s->name);
		for (k = 0; k < s->n_frontends; k++) {
			const struct kp_frontend *f = &s->frontends[k];

			if (f->kind == KUBENF_FE_NODE_PORT)
				snprintf(a, sizeof(a), "%s",
					 f->addr.family == AF_INET ? "ipv4" :
								     "ipv6");
			else
				kp_addr_fmt(&f->addr, a);
			kp_sb_printf(&sb, "%s%s %s %s/%u", k ? ", " : "",
				     fe_kind[f->kind], a,
				     kp_proto_str(f->proto), f->port);
		}
		kp_sb_puts(&sb, "] be=[");
		for (k = 0; k < s->n_backends; k++) {
			const struct kp_backend *b = &s->backends[k];
			static const char letters[] = "RSTL";

			kp_addr_fmt(&b->addr, a);
			kp_sb_printf(&sb, "%s%s:%u ", k ? ", " : "", a,
				     b->port);
			for (j = 0; j < 4; j++)
				if (b->flags & (1U << j))
					kp_sb_printf(&sb, "%c", letters[j]);
			if (!b->flags)
				kp_sb_puts(&sb, "-");
		}
		kp_sb_puts(&sb, "] flags=");
		render_flags(&sb, s->flags, svc_flags, 2);
		kp_sb_printf(&sb, " aff=%u src=[", s->affinity_timeout);
		for (k = 0; k < s->n_source_ranges; k++) {
			kp_cidr_fmt(&s->source_ranges[k], cidr);
			kp_sb_printf(&sb, "%s%s", k ? ", " : "", cidr);
		}
		kp_sb_puts(&sb, "]\n");
	}
	for (i = 0; i < rs->n_peersets; i++) {
		const struct kp_peerset *s = &rs->peersets[i];

		kp_sb_printf(&sb, "set %s:", s->name);
		if (!s->n_entries)
			kp_sb_puts(&sb, " empty");
		for (k = 0; k < s->n_entries; k++) {
			const struct kp_block *b = &s->entries[k];

			kp_cidr_fmt(&b->cidr, cidr);
			kp_sb_printf(&sb, " %s", cidr);
			for (j = 0; j < b->n_except; j++) {
				kp_cidr_fmt(&b->except[j], cidr);
				kp_sb_printf(&sb, "%s%s", j ? "," : "-{", cidr);
			}
			if (b->n_except)
				kp_sb_puts(&sb, "}");
		}
		kp_sb_puts(&sb, "\n");
	}
	for (i = 0; i < rs->n_policies; i++) {
		const struct kp_policy *p = &rs->policies[i];

		kp_sb_printf(&sb, "pol %s: %s", p->name,
			     p->dir == KUBENF_DIR_INGRESS ? "ingress" :
							    "egress");
		if (!p->n_rules)
			kp_sb_puts(&sb, " none");
		for (k = 0; k < p->n_rules; k++) {
			const struct kp_rule *r = &p->rules[k];

			kp_sb_puts(&sb, k ? " ; (" : " (");
			if (!r->n_peers)
				kp_sb_puts(&sb, "*");
			for (j = 0; j < r->n_peers; j++)
				kp_sb_printf(&sb, "%s%s", j ? " | " : "",
					     set_name(rs, r->peers[j]));
			kp_sb_puts(&sb, ") ");
			render_ports(&sb, r->ports, r->n_ports);
		}
		kp_sb_puts(&sb, "\n");
	}
	for (i = 0; i < rs->n_pods; i++) {
		const struct kp_pod *p = &rs->pods[i];

		kp_sb_printf(&sb, "pod %s: ", p->name);
		for (k = 0; k < p->n_addrs; k++) {
			kp_addr_fmt(&p->addrs[k], a);
			kp_sb_printf(&sb, "%s%s", k ? "," : "", a);
		}
		kp_sb_puts(&sb, " flags=");
		render_flags(&sb, p->flags, pod_flags, 2);
		kp_sb_puts(&sb, " in=[");
		render_policies(&sb, rs, p->ingress, p->n_ingress);
		kp_sb_puts(&sb, "] eg=[");
		render_policies(&sb, rs, p->egress, p->n_egress);
		kp_sb_puts(&sb, "]\n");
	}
	return must(kp_sb_steal(&sb));
}
