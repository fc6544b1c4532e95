// SPDX-License-Identifier: GPL-2.0
/*
 * Labels and label selectors (metav1.LabelSelector): parse, validate,
 * match, and print in a canonical form that names peersets.
 *
 * matchLabels {k: v} is the requirement "k In (v)"; all requirements are
 * ANDed; the empty selector matches everything. NotIn matches when the key
 * is absent, DoesNotExist only when it is absent. Keys and values are
 * validated like the API server does, which also keeps the printed form
 * unambiguous (no ',', '(' or space can appear in a key or value).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kp_label *)a)->key,
		      ((const struct kp_label *)b)->key);
}

const char *kp_labels_get(const struct kp_labels *l, const char *key)
{
	struct kp_label k = { .key = (char *)key }, *f;

	if (!l->n)
		return NULL;
	f = bsearch(&k, l->v, l->n, sizeof(*l->v), label_cmp);
	return f ? f->val : NULL;
}

int kp_labels_set(struct kp_labels *l, const char *key, const char *val)
{
	struct kp_label k = { .key = (char *)key }, *f = NULL;
	char *v = strdup(val);
	size_t i;

	if (!v)
		return -ENOMEM;
	if (l->n)
		f = bsearch(&k, l->v, l->n, sizeof(*l->v), label_cmp);
	if (f) {
		free(f->val);
		f->val = v;
		return 0;
	}
	k.key = strdup(key);
	if (!k.key || kp_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v))) {
		free(k.key);
		free(v);
		return -ENOMEM;
	}
	for (i = l->n; i > 0 && strcmp(l->v[i - 1].key, key) > 0; i--)
		l->v[i] = l->v[i - 1];
	k.val = v;
	l->v[i] = k;
	l->n++;
	return 0;
}

int kp_labels_copy(struct kp_labels *dst, const struct kp_labels *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (kp_labels_set(dst, src->v[i].key, src->v[i].val))
			return -ENOMEM;
	return 0;
}

void kp_labels_free(struct kp_labels *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int kp_labels_parse(struct kp_parse *pc, const json_t *obj,
		    struct kp_labels *l)
{
	const char *key, *val;
	size_t old;
	json_t *j;
	int ret;

	json_object_foreach((json_t *)obj, key, j) {
		old = kp_path_push(pc, ".%s", key);
		ret = kp_str_value(pc, j, &val);
		kp_path_pop(pc, old);
		if (ret)
			return ret;
		if (kp_labels_set(l, key, val))
			return -ENOMEM;
	}
	return 0;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* A label value or the name part of a key: [A-Za-z0-9._-], alnum ends. */
static bool valid_name(const char *s, size_t len, bool empty_ok)
{
	size_t i;

	if (!len)
		return empty_ok;
	if (len > 63 || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
		return false;
	for (i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' &&
		    s[i] != '.')
			return false;
	return true;
}

/* A key prefix: a DNS-1123 subdomain. */
static bool valid_prefix(const char *s, size_t len)
{
	size_t i;

	if (!len || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		bool an = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!an && c != '-' && c != '.')
			return false;
		if ((i == 0 || i == len - 1) && !an)
			return false;
		if (c == '.' && (s[i - 1] == '.' || s[i - 1] == '-' ||
				 s[i + 1] == '-'))
			return false;
	}
	return true;
}

static bool valid_key(const char *key)
{
	const char *slash = strchr(key, '/');

	if (!slash)
		return valid_name(key, strlen(key), false);
	return valid_prefix(key, slash - key) &&
	       valid_name(slash + 1, strlen(slash + 1), false);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int req_cmp(const void *pa, const void *pb)
{
	const struct kp_req *a = pa, *b = pb;
	size_t i;
	int r;

	r = strcmp(a->key, b->key);
	if (r)
		return r;
	if (a->op != b->op)
		return a->op < b->op ? -1 : 1;
	for (i = 0; i < a->n_values && i < b->n_values; i++) {
		r = strcmp(a->values[i], b->values[i]);
		if (r)
			return r;
	}
	return (a->n_values > b->n_values) - (a->n_values < b->n_values);
}

static void req_free(struct kp_req *r)
{
	size_t i;

	for (i = 0; i < r->n_values; i++)
		free(r->values[i]);
	free(r->values);
	free(r->key);
}

void kp_selector_free(struct kp_selector *sel)
{
	size_t i;

	for (i = 0; i < sel->n; i++)
		req_free(&sel->reqs[i]);
	free(sel->reqs);
	memset(sel, 0, sizeof(*sel));
}

/* Add one requirement; @values are borrowed and copied. */
static int add_req(struct kp_selector *sel, size_t *cap, const char *key,
		   enum kp_sel_op op, const char **values, size_t n)
{
	struct kp_req *r;
	size_t i;

	r = vec_push(sel->reqs, sel->n, *cap);
	if (!r)
		return -ENOMEM;
	r->op = op;
	r->key = strdup(key);
	if (!r->key)
		goto oom;
	if (n) {
		r->values = calloc(n, sizeof(*r->values));
		if (!r->values)
			goto oom;
	}
	for (i = 0; i < n; i++) {
		r->values[i] = strdup(values[i]);
		if (!r->values[i])
			goto oom;
		r->n_values++;
	}
	return 0;
oom:
	req_free(r);
	sel->n--;
	return -ENOMEM;
}

int kp_selector_eq(struct kp_selector *sel, const char *key, const char *val)
{
	size_t cap = 0;

	memset(sel, 0, sizeof(*sel));
	return add_req(sel, &cap, key, KP_OP_IN, &val, 1);
}

static int parse_expr(struct kp_parse *pc, const json_t *e,
		      struct kp_selector *sel, size_t *cap)
{
	const char *key, *opstr, **values = NULL;
	const json_t *arr, *v;
	size_t i, n = 0, old;
	enum kp_sel_op op;
	int ret;

	if (!json_is_object(e))
		return kp_fail(pc, "expected an object");
	ret = kp_get_str(pc, e, "key", &key);
	if (ret)
		return ret;
	if (!key)
		return kp_fail(pc, "key is required");
	if (!valid_key(key))
		return kp_fail(pc, "invalid label key \"%s\"", key);
	ret = kp_get_str(pc, e, "operator", &opstr);
	if (ret)
		return ret;
	if (!opstr)
		return kp_fail(pc, "operator is required");
	if (!strcmp(opstr, "In"))
		op = KP_OP_IN;
	else if (!strcmp(opstr, "NotIn"))
		op = KP_OP_NOT_IN;
	else if (!strcmp(opstr, "Exists"))
		op = KP_OP_EXISTS;
	else if (!strcmp(opstr, "DoesNotExist"))
		op = KP_OP_DOES_NOT_EXIST;
	else
		return kp_fail(pc, "unknown operator \"%s\"", opstr);
	ret = kp_get_arr(pc, e, "values", &arr);
	if (ret)
		return ret;
	n = arr ? json_array_size(arr) : 0;
	if ((op == KP_OP_IN || op == KP_OP_NOT_IN) && !n)
		return kp_fail(pc, "operator %s needs values", opstr);
	if ((op == KP_OP_EXISTS || op == KP_OP_DOES_NOT_EXIST) && n)
		return kp_fail(pc, "operator %s takes no values", opstr);
	if (n) {
		values = calloc(n, sizeof(*values));
		if (!values)
			return -ENOMEM;
	}
	json_array_foreach(arr, i, v) {
		old = kp_path_push(pc, ".values[%zu]", i);
		ret = kp_str_value(pc, v, &values[i]);
		if (!ret && !valid_name(values[i], strlen(values[i]), true))
			ret = kp_fail(pc, "invalid label value \"%s\"",
				      values[i]);
		kp_path_pop(pc, old);
		if (ret)
			goto out;
	}
	n = kp_sort_unique(values, n, sizeof(*values), str_cmp);
	ret = add_req(sel, cap, key, op, values, n);
out:
	free(values);
	return ret;
}

int kp_selector_parse(struct kp_parse *pc, const json_t *j,
		      struct kp_selector *sel)
{
	const json_t *ml, *me, *e;
	size_t i, cap = 0, old;
	const char *key, *val;
	json_t *v;
	int ret;

	memset(sel, 0, sizeof(*sel));
	if (!json_is_object(j))
		return kp_fail(pc, "expected an object");
	ret = kp_get_obj(pc, j, "matchLabels", &ml);
	if (!ret)
		ret = kp_get_arr(pc, j, "matchExpressions", &me);
	if (ret)
		return ret;
	json_object_foreach((json_t *)ml, key, v) {
		old = kp_path_push(pc, ".matchLabels.%s", key);
		ret = kp_str_value(pc, v, &val);
		if (!ret && !valid_key(key))
			ret = kp_fail(pc, "invalid label key");
		if (!ret && !valid_name(val, strlen(val), true))
			ret = kp_fail(pc, "invalid label value \"%s\"", val);
		kp_path_pop(pc, old);
		if (!ret)
			ret = add_req(sel, &cap, key, KP_OP_IN, &val, 1);
		if (ret)
			goto err;
	}
	json_array_foreach(me, i, e) {
		old = kp_path_push(pc, ".matchExpressions[%zu]", i);
		ret = parse_expr(pc, e, sel, &cap);
		kp_path_pop(pc, old);
		if (ret)
			goto err;
	}
	/* Canonical order; duplicates change nothing when ANDed. */
	if (sel->n > 1) {
		size_t k = 1;

		qsort(sel->reqs, sel->n, sizeof(*sel->reqs), req_cmp);
		for (i = 1; i < sel->n; i++) {
			if (!req_cmp(&sel->reqs[k - 1], &sel->reqs[i]))
				req_free(&sel->reqs[i]);
			else
				sel->reqs[k++] = sel->reqs[i];
		}
		sel->n = k;
	}
	return 0;
err:
	kp_selector_free(sel);
	return ret;
}

static bool has_value(const struct kp_req *r, const char *val)
{
	return bsearch(&val, r->values, r->n_values, sizeof(*r->values),
		       str_cmp) != NULL;
}

bool kp_selector_match(const struct kp_selector *sel,
		       const struct kp_labels *l)
{
	size_t i;

	for (i = 0; i < sel->n; i++) {
		const struct kp_req *r = &sel->reqs[i];
		const char *v = kp_labels_get(l, r->key);

		switch (r->op) {
		case KP_OP_IN:
			if (!v || !has_value(r, v))
				return false;
			break;
		case KP_OP_NOT_IN:
			if (v && has_value(r, v))
				return false;
			break;
		case KP_OP_EXISTS:
			if (!v)
				return false;
			break;
		case KP_OP_DOES_NOT_EXIST:
			if (v)
				return false;
			break;
		}
	}
	return true;
}

void kp_selector_fmt(const struct kp_selector *sel, struct kp_sb *sb)
{
	size_t i, k;

	for (i = 0; i < sel->n; i++) {
		const struct kp_req *r = &sel->reqs[i];

		if (i)
			kp_sb_puts(sb, ",");
		switch (r->op) {
		case KP_OP_IN:
		case KP_OP_NOT_IN:
			if (r->n_values == 1) {
				kp_sb_printf(sb, "%s%s%s", r->key,
					     r->op == KP_OP_IN ? "=" : "!=",
					     r->values[0]);
				break;
			}
			kp_sb_printf(sb, "%s %s (", r->key,
				     r->op == KP_OP_IN ? "in" : "notin");
			for (k = 0; k < r->n_values; k++)
				kp_sb_printf(sb, "%s%s", k ? "," : "",
					     r->values[k]);
			kp_sb_puts(sb, ")");
			break;
		case KP_OP_EXISTS:
			kp_sb_puts(sb, r->key);
			break;
		case KP_OP_DOES_NOT_EXIST:
			kp_sb_printf(sb, "!%s", r->key);
			break;
		}
	}
}
