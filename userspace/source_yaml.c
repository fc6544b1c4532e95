// SPDX-License-Identifier: GPL-2.0
/*
 * YAML -> jansson, with libyaml's event parser, for manifests and
 * kubeconfig files.
 *
 * Scalars resolve by the YAML 1.2 core schema, which is what survives of
 * them when kubectl turns a manifest into JSON for a typed object: "yes"
 * stays the string "yes" (YAML 1.1 would make it a boolean, which a label
 * value must not be), "010" is the integer 10. Quoted and block scalars
 * are strings; explicit tags (!!str, !!int, ...) are honoured.
 *
 * Input is untrusted: nesting is bounded, aliases are expanded by
 * reference but counted as the nodes they stand for (so a "billion laughs"
 * document fails instead of making every later reader walk a billion
 * nodes), an alias can only name a finished node (no cycles), and NUL
 * characters in scalars are refused (every consumer is C).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "agent.h"
#include "array.h"

#define TAG_PREFIX	"tag:yaml.org,2002:"

struct anchor {
	char *name;
	json_t *value;
	size_t nodes;		/* what the value counts as, expanded */
};

struct yctx {
	yaml_parser_t parser;
	struct anchor *anchors;	/* of the current document */
	size_t n_anchors;
	size_t nodes;		/* of the whole stream, expanded */
	char *why;
	size_t why_len;
	int depth;
};

static int fail(struct yctx *y, const yaml_mark_t *mark, const char *fmt,
		const char *arg)
{
	int off = 0;

	if (mark)
		off = snprintf(y->why, y->why_len, "line %zu, column %zu: ",
			       mark->line + 1, mark->column + 1);
	if (off < 0 || (size_t)off >= y->why_len)
		off = 0;
	snprintf(y->why + off, y->why_len - off, fmt, arg ?: "");
	return -EINVAL;
}

static int next(struct yctx *y, yaml_event_t *ev)
{
	if (yaml_parser_parse(&y->parser, ev))
		return 0;
	if (y->parser.error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	return fail(y, &y->parser.problem_mark, "%s",
		    y->parser.problem ?: "YAML syntax error");
}

static void anchors_clear(struct yctx *y)
{
	size_t i;

	for (i = 0; i < y->n_anchors; i++) {
		free(y->anchors[i].name);
		json_decref(y->anchors[i].value);
	}
	free(y->anchors);
	y->anchors = NULL;
	y->n_anchors = 0;
}

static int anchor_add(struct yctx *y, const yaml_char_t *name, json_t *value,
		      size_t nodes)
{
	struct anchor *a = kubenf_array_add(y->anchors, y->n_anchors);

	if (!a)
		return -ENOMEM;
	a->name = strdup((const char *)name);
	if (!a->name) {
		y->n_anchors--;
		return -ENOMEM;
	}
	a->value = json_incref(value);
	a->nodes = nodes;
	return 0;
}

/* The latest definition of @name: a redefined anchor shadows the older. */
static const struct anchor *anchor_find(struct yctx *y, const char *name)
{
	size_t i = y->n_anchors;

	while (i--)
		if (!strcmp(y->anchors[i].name, name))
			return &y->anchors[i];
	return NULL;
}

static int count(struct yctx *y, size_t nodes, const yaml_mark_t *mark)
{
	if (nodes > AGENT_YAML_MAX_NODES - y->nodes)
		return fail(y, mark, "more than %s nodes (with aliases expanded)",
			    "4194304");
	y->nodes += nodes;
	return 0;
}

static bool all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+; NULL when it is none. */
static json_t *resolve_int(const char *s, bool *is_int)
{
	const char *digits = s + (*s == '-' || *s == '+');
	long long v;
	char *end;

	*is_int = true;
	errno = 0;
	if (!strncmp(s, "0o", 2) && all_of(s + 2, "01234567"))
		v = strtoll(s + 2, &end, 8);
	else if (!strncmp(s, "0x", 2) &&
		 all_of(s + 2, "0123456789abcdefABCDEF"))
		v = strtoll(s + 2, &end, 16);
	else if (all_of(digits, "0123456789"))
		v = strtoll(s, &end, 10);
	else
		return (*is_int = false), NULL;
	/* Too large for an integer: a number all the same, as in JSON. */
	if (errno == ERANGE)
		return json_real(strtod(s, NULL));
	return json_integer(v);
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	size_t n, m;

	n = strspn(p, "0123456789");
	p += n;
	if (*p == '.') {
		m = strspn(p + 1, "0123456789");
		if (!n && !m)
			return false;
		p += 1 + m;
	} else if (!n) {
		return false;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		p += *p == '-' || *p == '+';
		n = strspn(p, "0123456789");
		if (!n)
			return false;
		p += n;
	}
	return !*p;
}

static bool in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const trues[] = { "true", "True", "TRUE", NULL };
static const char *const falses[] = { "false", "False", "FALSE", NULL };

/* A plain scalar by the core schema; @want: a tag's type, or NULL. */
static json_t *resolve(const char *s, size_t len, const char *want,
		       bool *bad)
{
	bool is_int;
	json_t *v;
	double d;

	*bad = false;
	if (want && !strcmp(want, "str"))
		return json_stringn(s, len);
	if ((!want || !strcmp(want, "null")) && in(s, nulls))
		return json_null();
	if ((!want || !strcmp(want, "bool")) && in(s, trues))
		return json_true();
	if ((!want || !strcmp(want, "bool")) && in(s, falses))
		return json_false();
	if (!want || !strcmp(want, "int") || !strcmp(want, "float")) {
		v = resolve_int(s, &is_int);
		if (is_int)
			return v;
		if (is_float(s)) {
			d = strtod(s, NULL);
			/* JSON has no infinity: keep the text. */
			return isfinite(d) ? json_real(d) : json_stringn(s, len);
		}
	}
	if (want) {
		*bad = true;
		return NULL;
	}
	return json_stringn(s, len);
}

static int scalar(struct yctx *y, const yaml_event_t *ev, json_t **out)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t len = ev->data.scalar.length;
	const char *want = NULL;
	bool bad;

	if (memchr(s, '\0', len))
		return fail(y, &ev->start_mark, "NUL character in a scalar%s",
			    NULL);
	if (tag && !strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX))) {
		want = tag + strlen(TAG_PREFIX);
		if (strcmp(want, "str") && strcmp(want, "int") &&
		    strcmp(want, "float") && strcmp(want, "bool") &&
		    strcmp(want, "null"))
			want = !strcmp(want, "binary") ? "str" : NULL;
	}
	/* Quoted, literal and folded scalars are strings unless tagged. */
	if (!want && ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		want = "str";
	*out = resolve(s, len, want, &bad);
	if (bad)
		return fail(y, &ev->start_mark, "\"%s\" does not match its tag",
			    s);
	return *out ? 0 : -ENOMEM;
}

static int node(struct yctx *y, yaml_event_t *ev, json_t **out,
		size_t *nodes);

static int sequence(struct yctx *y, json_t *arr, size_t *nodes)
{
	yaml_event_t ev;
	json_t *child;
	size_t n;
	int err;

	for (;;) {
		err = next(y, &ev);
		if (err)
			return err;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		err = node(y, &ev, &child, &n);
		yaml_event_delete(&ev);
		if (err)
			return err;
		*nodes += n;
		if (json_array_append_new(arr, child))
			return -ENOMEM;
	}
}

/* Keys of "<<" sources that @obj does not have yet; see mapping(). */
static int merge(struct yctx *y, json_t *obj, json_t *src,
		 const yaml_mark_t *mark)
{
	const char *key;
	json_t *v, *elem;
	size_t i;

	if (json_is_array(src)) {
		json_array_foreach(src, i, elem)
			if (!json_is_object(elem))
				return fail(y, mark, "a \"<<\" list must hold mappings%s",
					    NULL);
		json_array_foreach(src, i, elem)
			if (merge(y, obj, elem, mark))
				return -ENOMEM;
		return 0;
	}
	if (!json_is_object(src))
		return fail(y, mark, "\"<<\" wants a mapping or a list of mappings%s",
			    NULL);
	json_object_foreach(src, key, v)
		if (!json_object_get(obj, key) &&
		    json_object_set(obj, key, v))
			return -ENOMEM;
	return 0;
}

/*
 * A mapping key: JSON keys are strings, so a scalar key is its text
 * whatever it would resolve to (80: is "80", as kubectl has it); an alias
 * must name a string.
 */
static int key_node(struct yctx *y, yaml_event_t *ev, json_t **out)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n;
	int err;

	*out = NULL;
	if (ev->type == YAML_SCALAR_EVENT) {
		if (memchr(s, '\0', ev->data.scalar.length))
			return fail(y, &ev->start_mark,
				    "NUL character in a key%s", NULL);
		err = count(y, 1, &ev->start_mark);
		if (err)
			return err;
		*out = json_stringn(s, ev->data.scalar.length);
		if (!*out)
			return -ENOMEM;
		if (ev->data.scalar.anchor &&
		    anchor_add(y, ev->data.scalar.anchor, *out, 1)) {
			json_decref(*out);
			*out = NULL;
			return -ENOMEM;
		}
		return 0;
	}
	if (ev->type != YAML_ALIAS_EVENT)
		return fail(y, &ev->start_mark,
			    "a mapping key must be a scalar%s", NULL);
	err = node(y, ev, out, &n);
	if (!err && !json_is_string(*out)) {
		json_decref(*out);
		*out = NULL;
		err = fail(y, &ev->start_mark,
			   "a mapping key must be a string%s", NULL);
	}
	return err;
}

static int mapping(struct yctx *y, json_t *obj, size_t *nodes)
{
	json_t *key_json, *value, *merges = NULL;
	yaml_mark_t mark, merge_mark = { 0 };
	yaml_event_t ev;
	const char *key;
	size_t n, i;
	int err;

	for (;;) {
		err = next(y, &ev);
		if (err)
			goto out;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		mark = ev.start_mark;
		err = key_node(y, &ev, &key_json);
		yaml_event_delete(&ev);
		if (err)
			goto out;
		key = json_string_value(key_json);

		err = next(y, &ev);
		if (!err) {
			err = node(y, &ev, &value, &n);
			yaml_event_delete(&ev);
		}
		if (err) {
			json_decref(key_json);
			goto out;
		}
		*nodes += n;
		if (!strcmp(key, "<<")) {
			if (!merges)
				merges = json_array();
			if (!merges || json_array_append_new(merges, value))
				err = -ENOMEM;
			merge_mark = mark;
			json_decref(key_json);
			if (err)
				goto out;
			continue;
		}
		if (json_object_get(obj, key)) {
			err = fail(y, &mark, "duplicate key \"%s\"", key);
			json_decref(value);
			json_decref(key_json);
			goto out;
		}
		err = json_object_set_new(obj, key, value) ? -ENOMEM : 0;
		json_decref(key_json);
		if (err)
			goto out;
	}
	/* Explicit keys win over merged ones, earlier sources over later. */
	for (i = 0; !err && i < json_array_size(merges); i++)
		err = merge(y, obj, json_array_get(merges, i), &merge_mark);
out:
	json_decref(merges);
	return err;
}

static int node(struct yctx *y, yaml_event_t *ev, json_t **out,
		size_t *nodes)
{
	const yaml_char_t *anchor = NULL;
	const struct anchor *a;
	int err;

	*out = NULL;
	*nodes = 1;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		a = anchor_find(y, (const char *)ev->data.alias.anchor);
		if (!a)
			return fail(y, &ev->start_mark, "unknown anchor \"%s\"",
				    (const char *)ev->data.alias.anchor);
		err = count(y, a->nodes, &ev->start_mark);
		if (err)
			return err;
		*nodes = a->nodes;
		*out = json_incref(a->value);
		return 0;
	case YAML_SCALAR_EVENT:
		err = count(y, 1, &ev->start_mark);
		if (!err)
			err = scalar(y, ev, out);
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (y->depth >= AGENT_YAML_MAX_DEPTH)
			return fail(y, &ev->start_mark, "nested deeper than %s levels",
				    "128");
		err = count(y, 1, &ev->start_mark);
		if (err)
			return err;
		y->depth++;
		if (ev->type == YAML_SEQUENCE_START_EVENT) {
			anchor = ev->data.sequence_start.anchor;
			*out = json_array();
			err = *out ? sequence(y, *out, nodes) : -ENOMEM;
		} else {
			anchor = ev->data.mapping_start.anchor;
			*out = json_object();
			err = *out ? mapping(y, *out, nodes) : -ENOMEM;
		}
		y->depth--;
		break;
	default:
		return fail(y, &ev->start_mark, "unexpected YAML event%s",
			    NULL);
	}
	/* Defined once complete: an alias inside it cannot name it. */
	if (!err && anchor)
		err = anchor_add(y, anchor, *out, *nodes);
	if (err) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

static int stream(struct yctx *y, json_t *docs)
{
	yaml_event_t ev;
	json_t *doc;
	size_t n;
	int err;

	for (;;) {
		err = next(y, &ev);
		if (err)
			return err;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			return 0;
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			yaml_event_delete(&ev);
			anchors_clear(y);
			continue;
		case YAML_DOCUMENT_START_EVENT:
			yaml_event_delete(&ev);
			err = next(y, &ev);
			if (err)
				return err;
			err = node(y, &ev, &doc, &n);
			yaml_event_delete(&ev);
			if (err)
				return err;
			/* "---" alone, or a comment: no object. */
			if (json_is_null(doc)) {
				json_decref(doc);
				continue;
			}
			if (json_array_append_new(docs, doc))
				return -ENOMEM;
			continue;
		default:
			err = fail(y, &ev.start_mark, "unexpected YAML event%s",
				   NULL);
			yaml_event_delete(&ev);
			return err;
		}
	}
}

int agent_yaml_parse(const char *buf, size_t len, json_t **out, char *why,
		     size_t why_len)
{
	struct yctx y = { .why = why, .why_len = why_len };
	json_t *docs;
	int err;

	*out = NULL;
	if (why_len)
		why[0] = '\0';
	docs = json_array();
	if (!docs)
		return -ENOMEM;
	if (!yaml_parser_initialize(&y.parser)) {
		json_decref(docs);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)buf,
				     len);
	err = stream(&y, docs);
	anchors_clear(&y);
	yaml_parser_delete(&y.parser);
	if (err) {
		json_decref(docs);
		return err;
	}
	*out = docs;
	return 0;
}
