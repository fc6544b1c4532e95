// SPDX-License-Identifier: GPL-2.0
/* Table and JSON output behind one emitting interface. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "print.h"
#include "text.h"

#define OUT_DEPTH	8	/* nested JSON objects and lists */

struct row {
	char *label;		/* NULL: an empty line between blocks */
	char *value;
};

/* An open object or list. */
struct frame {
	json_t *json;		/* JSON: borrowed from its parent or root */
	bool list;
	size_t n;		/* lists: elements so far */
};

struct kubenfctl_out {
	struct frame stack[OUT_DEPTH];
	enum kubenfctl_fmt fmt;
	struct row *rows;		/* table */
	size_t nrows, size;
	json_t *root;			/* JSON: owned */
	bool rooted;			/* the top level was opened */
	int depth;
	int err;			/* first error, sticky */
};

int kubenfctl_out_new(struct kubenfctl_out **out, enum kubenfctl_fmt fmt)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->fmt = fmt;
	return 0;
}

void kubenfctl_out_free(struct kubenfctl_out *out)
{
	size_t i;

	if (!out)
		return;
	for (i = 0; i < out->nrows; i++) {
		free(out->rows[i].label);
		free(out->rows[i].value);
	}
	free(out->rows);
	json_decref(out->root);
	free(out);
}

int kubenfctl_out_error(const struct kubenfctl_out *out)
{
	return out->err;
}

static void fail(struct kubenfctl_out *out, int err)
{
	if (!out->err)
		out->err = err;
}

static struct frame *top(struct kubenfctl_out *out)
{
	return out->depth ? &out->stack[out->depth - 1] : NULL;
}

/*
 * Whether something may go here under @key: a list takes unnamed
 * elements, an object named members (and unnamed values, which are table
 * only), the top level one unnamed object or list.
 */
static bool placeable(struct kubenfctl_out *out, const char *key,
		      bool container)
{
	struct frame *f = top(out);

	if (out->err)
		return false;
	if (!f)
		return container && !key && !out->rooted;
	if (f->list)
		return !key;
	return key || !container;
}

/* Takes the reference to @value, also on failure. */
static void json_add(struct kubenfctl_out *out, const char *key,
		     json_t *value)
{
	struct frame *f = top(out);
	int ret;

	if (!value) {
		fail(out, -ENOMEM);
		return;
	}
	if (f->list)
		ret = json_array_append_new(f->json, value);
	else
		ret = json_object_set_new(f->json, key, value);
	if (ret)
		fail(out, -ENOMEM);
}

/* A row; @label NULL: the empty line between two blocks. */
static void table_add(struct kubenfctl_out *out, const char *label,
		      const char *value)
{
	struct row *rows;
	char *l = NULL, *v = NULL;

	if (out->err)
		return;
	if (out->nrows == out->size) {
		size_t size = out->size ? 2 * out->size : 16;

		rows = realloc(out->rows, size * sizeof(*rows));
		if (!rows) {
			fail(out, -ENOMEM);
			return;
		}
		out->rows = rows;
		out->size = size;
	}
	if (label) {
		l = strdup(label);
		v = strdup(value);
		if (!l || !v) {
			free(l);
			free(v);
			fail(out, -ENOMEM);
			return;
		}
	}
	out->rows[out->nrows].label = l;
	out->rows[out->nrows].value = v;
	out->nrows++;
}

static void begin(struct kubenfctl_out *out, const char *key, bool list)
{
	struct frame *parent = top(out);
	json_t *json = NULL;

	if (!placeable(out, key, true) || out->depth == OUT_DEPTH) {
		fail(out, -EINVAL);
		return;
	}
	/* Blocks of a top-level list: an empty line between two. */
	if (out->fmt != KUBENFCTL_FMT_JSON && out->depth == 1 &&
	    parent->list && parent->n && !list)
		table_add(out, NULL, NULL);
	if (out->fmt == KUBENFCTL_FMT_JSON) {
		json = list ? json_array() : json_object();
		if (!json) {
			fail(out, -ENOMEM);
			return;
		}
		if (parent)
			json_add(out, key, json);
		else
			out->root = json;
		if (out->err)
			return;
	}
	if (parent && parent->list)
		parent->n++;
	out->rooted = true;
	out->stack[out->depth++] = (struct frame){ .json = json, .list = list };
}

void kubenfctl_out_begin(struct kubenfctl_out *out, const char *key)
{
	begin(out, key, false);
}

void kubenfctl_out_begin_list(struct kubenfctl_out *out, const char *key)
{
	begin(out, key, true);
}

void kubenfctl_out_end(struct kubenfctl_out *out)
{
	if (out->err)
		return;
	if (!out->depth) {
		fail(out, -EINVAL);
		return;
	}
	out->depth--;
}

/* Whether a value under @key goes into the JSON: not a table-only one. */
static bool json_wanted(struct kubenfctl_out *out, const char *key)
{
	struct frame *f = top(out);

	return out->fmt == KUBENFCTL_FMT_JSON && f && (key || f->list);
}

/*
 * Emit one value: @json (a new reference, taken also on failure; NULL
 * when it could not be made, @json_err says why) if json_wanted(), or in a
 * table the row @label @text.
 */
static void value(struct kubenfctl_out *out, const char *key,
		  const char *label, json_t *json, int json_err,
		  const char *text)
{
	struct frame *f;

	if (!placeable(out, key, false)) {
		json_decref(json);
		fail(out, -EINVAL);
		return;
	}
	f = top(out);
	if (f->list)
		f->n++;
	if (out->fmt != KUBENFCTL_FMT_JSON) {
		if (label)
			table_add(out, label, text);
	} else if (json_wanted(out, key)) {
		if (json)
			json_add(out, key, json);
		else
			fail(out, json_err);
	}
}

void kubenfctl_out_str(struct kubenfctl_out *out, const char *key,
		       const char *label, const char *text)
{
	json_t *json = NULL;

	if (out->err)
		return;
	/* NULL means invalid UTF-8 (or, far less likely, no memory). */
	if (json_wanted(out, key))
		json = json_string(text);
	value(out, key, label, json, -EILSEQ, text);
}

void kubenfctl_out_u64(struct kubenfctl_out *out, const char *key,
		       const char *label, uint64_t v)
{
	char text[sizeof("18446744073709551615")];
	json_t *json = NULL;
	int json_err = -ENOMEM;

	if (out->err)
		return;
	snprintf(text, sizeof(text), "%" PRIu64, v);
	if (json_wanted(out, key)) {
		if (v > INT64_MAX)
			json_err = -ERANGE;
		else
			json = json_integer((json_int_t)v);
	}
	value(out, key, label, json, json_err, text);
}

void kubenfctl_out_bool(struct kubenfctl_out *out, const char *key,
			const char *label, bool v, const char *yes,
			const char *no)
{
	json_t *json = NULL;

	if (out->err)
		return;
	if (json_wanted(out, key))
		json = json_boolean(v);
	value(out, key, label, json, -ENOMEM, v ? yes : no);
}

void kubenfctl_out_flags(struct kubenfctl_out *out, const char *key,
			 const char *label, uint32_t flags,
			 const struct kubenf_flag_name *names)
{
	char text[128], unknown[sizeof("0x80000000")];
	uint32_t bit;

	if (out->err)
		return;
	kubenfctl_out_str(out, NULL, label,
			  kubenf_flags_str(flags, names, text, sizeof(text)));
	kubenfctl_out_begin_list(out, key);
	for (; names->name; names++) {
		if (flags & names->bit)
			kubenfctl_out_str(out, NULL, NULL, names->name);
		flags &= ~names->bit;
	}
	/* Bits of a newer module: their value, which apply refuses. */
	for (bit = 1; flags; bit <<= 1) {
		if (!(flags & bit))
			continue;
		flags &= ~bit;
		snprintf(unknown, sizeof(unknown), "0x%x", bit);
		kubenfctl_out_str(out, NULL, NULL, unknown);
	}
	kubenfctl_out_end(out);
}

static int flush_table(const struct kubenfctl_out *out, FILE *f)
{
	size_t i, width = 0;

	for (i = 0; i < out->nrows; i++)
		if (out->rows[i].label && strlen(out->rows[i].label) > width)
			width = strlen(out->rows[i].label);
	for (i = 0; i < out->nrows; i++) {
		if (!out->rows[i].label)
			fputc('\n', f);
		else
			fprintf(f, "%-*s  %s\n", (int)width,
				out->rows[i].label, out->rows[i].value);
	}
	return 0;
}

static int flush_json(const struct kubenfctl_out *out, FILE *f)
{
	if (!out->root)
		return 0;
	if (json_dumpf(out->root, f, JSON_INDENT(2)))
		return -EIO;
	fputc('\n', f);
	return 0;
}

int kubenfctl_out_flush(struct kubenfctl_out *out, FILE *f)
{
	int err;

	if (out->err)
		return out->err;
	if (out->depth)
		return -EINVAL;		/* an object left open */
	if (out->fmt == KUBENFCTL_FMT_JSON)
		err = flush_json(out, f);
	else
		err = flush_table(out, f);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
