// SPDX-License-Identifier: GPL-2.0
/*
 * Small shared helpers: growable arrays and strings, a string-keyed hash
 * map, FNV hashing, name fitting and the error list.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int kp_grow(void *pv, size_t *cap, size_t want, size_t size)
{
	size_t ncap;
	void *v;

	if (want <= *cap)
		return 0;
	ncap = *cap ? *cap : 4;
	while (ncap < want) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / size)
		return -ENOMEM;
	/* *pv is some T *; copy it instead of aliasing it as void *. */
	memcpy(&v, pv, sizeof(v));
	v = realloc(v, ncap * size);
	if (!v)
		return -ENOMEM;
	memcpy(pv, &v, sizeof(v));
	*cap = ncap;
	return 0;
}

void kp_sb_vprintf(struct kp_sb *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int len;

	if (sb->oom)
		return;
	va_copy(aq, ap);
	len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (len < 0 || kp_grow(&sb->s, &sb->cap, sb->len + len + 1, 1)) {
		sb->oom = true;
		return;
	}
	vsnprintf(sb->s + sb->len, len + 1, fmt, ap);
	sb->len += len;
}

void kp_sb_printf(struct kp_sb *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kp_sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void kp_sb_puts(struct kp_sb *sb, const char *s)
{
	kp_sb_printf(sb, "%s", s);
}

char *kp_sb_steal(struct kp_sb *sb)
{
	char *s = sb->s;

	if (!sb->oom && !s)
		s = calloc(1, 1);
	if (sb->oom) {
		free(s);
		s = NULL;
	}
	memset(sb, 0, sizeof(*sb));
	return s;
}

static uint64_t fnv64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

uint32_t kp_fnv32(const char *s)
{
	uint32_t h = 0x811c9dc5U;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x01000193U;
	return h;
}

/* Slot of @key, or the empty slot where it would go. */
static size_t map_slot(const struct kp_map *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1, i = h & mask;

	while (m->v[i].key && (m->v[i].hash != h || strcmp(m->v[i].key, key)))
		i = (i + 1) & mask;
	return i;
}

void *kp_map_get(const struct kp_map *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = map_slot(m, key, fnv64(key));
	return m->v[i].key ? m->v[i].val : NULL;
}

static int map_resize(struct kp_map *m, size_t cap)
{
	struct kp_map_ent *old = m->v;
	size_t i, oldcap = m->cap;

	m->v = calloc(cap, sizeof(*m->v));
	if (!m->v) {
		m->v = old;
		return -ENOMEM;
	}
	m->cap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			m->v[map_slot(m, old[i].key, old[i].hash)] = old[i];
	free(old);
	return 0;
}

int kp_map_put(struct kp_map *m, const char *key, void *val, void **old)
{
	uint64_t h = fnv64(key);
	size_t i;

	if (old)
		*old = NULL;
	if ((m->n + 1) * 4 > m->cap * 3 &&
	    (m->cap > SIZE_MAX / 2 / sizeof(*m->v) ||
	     map_resize(m, m->cap ? m->cap * 2 : 16)))
		return -ENOMEM;
	i = map_slot(m, key, h);
	if (m->v[i].key) {
		if (old)
			*old = m->v[i].val;
		m->v[i].val = val;
		return 0;
	}
	m->v[i].key = strdup(key);
	if (!m->v[i].key)
		return -ENOMEM;
	m->v[i].hash = h;
	m->v[i].val = val;
	m->n++;
	return 0;
}

void *kp_map_del(struct kp_map *m, const char *key)
{
	size_t mask = m->cap - 1, i, j, k;
	void *val;

	if (!m->cap)
		return NULL;
	i = map_slot(m, key, fnv64(key));
	if (!m->v[i].key)
		return NULL;
	val = m->v[i].val;
	free(m->v[i].key);
	/* Backward-shift deletion keeps every probe chain unbroken. */
	for (j = i;;) {
		j = (j + 1) & mask;
		if (!m->v[j].key)
			break;
		k = m->v[j].hash & mask;
		/* Entry j may move to i unless its home k lies in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->v[i] = m->v[j];
		i = j;
	}
	m->v[i].key = NULL;
	m->n--;
	return val;
}

void kp_map_free(struct kp_map *m, void (*free_val)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->v[i].key)
			continue;
		free(m->v[i].key);
		if (free_val)
			free_val(m->v[i].val);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void kp_name_fit(char *name)
{
	size_t len = strlen(name), cut;
	char tail[16];

	if (len < KUBENF_NAME_MAX)
		return;
	snprintf(tail, sizeof(tail), "~%08x", kp_fnv32(name));
	cut = KUBENF_NAME_MAX - 1 - strlen(tail);
	/* Never split a UTF-8 sequence: the name ends up in JSON. */
	while (cut && ((unsigned char)name[cut] & 0xc0) == 0x80)
		cut--;
	memcpy(name + cut, tail, strlen(tail) + 1);
}

void kp_errors_init(struct kp_errors *errs)
{
	memset(errs, 0, sizeof(*errs));
}

void kp_errors_free(struct kp_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++) {
		free(errs->v[i].kind);
		free(errs->v[i].ns);
		free(errs->v[i].name);
		free(errs->v[i].reason);
	}
	free(errs->v);
	kp_errors_init(errs);
}

/*
 * Reasons quote input and may have been cut to a buffer's size, possibly
 * inside a UTF-8 sequence; JSON needs valid UTF-8, so mend such bytes.
 */
static void utf8_mend(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t len, i;

	while (*p) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		len = *p >= 0xc2 && *p <= 0xdf ? 2 :
		      *p >= 0xe0 && *p <= 0xef ? 3 :
		      *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
		for (i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				break;
		if (len && i == len) {
			p += len;
			continue;
		}
		*p++ = '?';
	}
}

int kp_errors_add(struct kp_errors *errs, const char *kind, const char *ns,
		  const char *name, const char *fmt, ...)
{
	struct kp_sb sb = { 0 };
	struct kp_error *e;
	va_list ap;

	if (!errs)
		return 0;
	e = vec_push(errs->v, errs->n, errs->cap);
	if (!e)
		return -ENOMEM;
	va_start(ap, fmt);
	kp_sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	e->kind = strdup(kind ? kind : "");
	e->ns = strdup(ns ? ns : "");
	e->name = strdup(name ? name : "");
	e->reason = kp_sb_steal(&sb);
	if (!e->kind || !e->ns || !e->name || !e->reason) {
		free(e->kind);
		free(e->ns);
		free(e->name);
		free(e->reason);
		errs->n--;
		return -ENOMEM;
	}
	utf8_mend(e->kind);
	utf8_mend(e->ns);
	utf8_mend(e->name);
	utf8_mend(e->reason);
	return 0;
}

json_t *kp_errors_to_json(const struct kp_errors *errs)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < errs->n; i++) {
		const struct kp_error *e = &errs->v[i];

		if (json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}",
						       "kind", e->kind,
						       "namespace", e->ns,
						       "name", e->name,
						       "reason", e->reason))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

const char *kp_proto_str(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_SCTP:
		return "SCTP";
	}
	return "?";
}

int kp_proto_parse(const char *s, uint8_t *proto)
{
	if (!s || !strcmp(s, "TCP"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "UDP"))
		*proto = IPPROTO_UDP;
	else if (!strcmp(s, "SCTP"))
		*proto = IPPROTO_SCTP;
	else
		return -EINVAL;
	return 0;
}
