// SPDX-License-Identifier: GPL-2.0
/*
 * Reading untrusted JSON: typed field getters that name the field path in
 * their error, so every report says where the object is wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

size_t kp_path_push(struct kp_parse *pc, const char *fmt, ...)
{
	size_t old = pc->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(pc->path + pc->len, sizeof(pc->path) - pc->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		pc->len += (size_t)n < sizeof(pc->path) - pc->len ?
			   (size_t)n : sizeof(pc->path) - pc->len - 1;
	return old;
}

void kp_path_pop(struct kp_parse *pc, size_t len)
{
	pc->len = len;
	pc->path[len] = '\0';
}

int kp_fail(struct kp_parse *pc, const char *fmt, ...)
{
	size_t len = 0;
	va_list ap;

	/* Keep the first, innermost reason. */
	if (pc->reason[0])
		return -EINVAL;
	if (pc->len)
		len = snprintf(pc->reason, sizeof(pc->reason), "%s: ",
			       pc->path[0] == '.' ? pc->path + 1 : pc->path);
	if (len >= sizeof(pc->reason))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(pc->reason + len, sizeof(pc->reason) - len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *type_str(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "a value";
	}
}

/* @o may be NULL (an absent parent). */
static int get(struct kp_parse *pc, const json_t *o, const char *key,
	       json_type type, const json_t **out)
{
	const json_t *j = o ? json_object_get(o, key) : NULL;
	size_t old;
	int ret;

	*out = NULL;
	if (!j || json_is_null(j))
		return 0;
	if (json_typeof(j) == type ||
	    (type == JSON_TRUE && json_is_boolean(j))) {
		*out = j;
		return 0;
	}
	old = kp_path_push(pc, ".%s", key);
	ret = kp_fail(pc, "expected %s", type_str(type));
	kp_path_pop(pc, old);
	return ret;
}

int kp_get_obj(struct kp_parse *pc, const json_t *o, const char *key,
	       const json_t **out)
{
	return get(pc, o, key, JSON_OBJECT, out);
}

int kp_get_arr(struct kp_parse *pc, const json_t *o, const char *key,
	       const json_t **out)
{
	return get(pc, o, key, JSON_ARRAY, out);
}

int kp_str_value(struct kp_parse *pc, const json_t *j, const char **out)
{
	*out = NULL;
	if (!json_is_string(j))
		return kp_fail(pc, "expected a string");
	/* C strings stop at NUL; a name that hides one is not the name. */
	if (strlen(json_string_value(j)) != json_string_length(j))
		return kp_fail(pc, "string contains NUL");
	*out = json_string_value(j);
	return 0;
}

int kp_get_str(struct kp_parse *pc, const json_t *o, const char *key,
	       const char **out)
{
	const json_t *j;
	size_t old;
	int ret;

	*out = NULL;
	ret = get(pc, o, key, JSON_STRING, &j);
	if (ret || !j)
		return ret;
	old = kp_path_push(pc, ".%s", key);
	ret = kp_str_value(pc, j, out);
	kp_path_pop(pc, old);
	return ret;
}

int kp_get_bool(struct kp_parse *pc, const json_t *o, const char *key,
		bool *out, bool *present)
{
	const json_t *j;
	int ret;

	*out = false;
	if (present)
		*present = false;
	ret = get(pc, o, key, JSON_TRUE, &j);
	if (ret || !j)
		return ret;
	*out = json_is_true(j);
	if (present)
		*present = true;
	return 0;
}

int kp_get_int(struct kp_parse *pc, const json_t *o, const char *key,
	       long long min, long long max, long long *out, bool *present)
{
	const json_t *j;
	json_int_t v;
	size_t old;
	int ret;

	*out = 0;
	if (present)
		*present = false;
	ret = get(pc, o, key, JSON_INTEGER, &j);
	if (ret || !j)
		return ret;
	v = json_integer_value(j);
	if (v < min || v > max) {
		old = kp_path_push(pc, ".%s", key);
		ret = kp_fail(pc, "%lld is out of range [%lld, %lld]",
			      (long long)v, min, max);
		kp_path_pop(pc, old);
		return ret;
	}
	*out = v;
	if (present)
		*present = true;
	return 0;
}
