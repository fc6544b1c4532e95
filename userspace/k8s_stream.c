// SPDX-License-Identifier: GPL-2.0
/*
 * The watch stream: the API server answers a watch with one JSON object
 * per line, {"type": "ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR",
 * "object": {...}}, for as long as the watch lasts. Lines arrive in
 * arbitrary pieces; an event is used only once its line is complete, and a
 * line longer than the limit ends the watch (it is restarted from the last
 * resourceVersion seen, so nothing is lost).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s.h"

void k8s_stream_reset(struct k8s_stream *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
	s->cap = 0;
}

static int append(struct k8s_stream *s, const char *data, size_t n)
{
	size_t cap;
	char *p;

	if (n > s->max - s->len)
		return -E2BIG;
	if (s->len + n > s->cap) {
		cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n)
			cap *= 2;
		p = realloc(s->buf, cap);
		if (!p)
			return -ENOMEM;
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return 0;
}

int k8s_stream_feed(struct k8s_stream *s, const char *data, size_t n,
		    int (*line)(void *arg, const char *text, size_t len),
		    void *arg)
{
	const char *nl;
	size_t part;
	int err;

	while (n) {
		nl = memchr(data, '\n', n);
		part = nl ? (size_t)(nl - data) : n;
		/* A whole line in @data and nothing buffered: no copy. */
		if (nl && !s->len) {
			err = part ? line(arg, data, part) : 0;
		} else {
			err = append(s, data, part);
			if (!err && nl) {
				err = s->len ? line(arg, s->buf, s->len) : 0;
				s->len = 0;
			}
		}
		if (err)
			return err;
		if (!nl)
			break;
		data += part + 1;
		n -= part + 1;
	}
	/* Keep the buffer from growing for good after one large event. */
	if (!s->len && s->cap > 65536)
		k8s_stream_reset(s);
	return 0;
}

static enum k8s_event_type event_type(const char *t)
{
	static const char *const names[] = {
		[K8S_EV_ADDED]		= "ADDED",
		[K8S_EV_MODIFIED]	= "MODIFIED",
		[K8S_EV_DELETED]	= "DELETED",
		[K8S_EV_BOOKMARK]	= "BOOKMARK",
		[K8S_EV_ERROR]		= "ERROR",
	};
	int i;

	for (i = 0; i < K8S_EV_UNKNOWN; i++)
		if (!strcmp(t, names[i]))
			return i;
	return K8S_EV_UNKNOWN;
}

int k8s_event_parse(const char *text, size_t len, struct k8s_event *ev,
		    char *why, size_t why_len)
{
	json_t *type, *meta, *rv, *code, *msg;
	json_error_t jerr;

	memset(ev, 0, sizeof(*ev));
	ev->message = "";
	ev->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!ev->root) {
		snprintf(why, why_len, "not JSON: %s", jerr.text);
		return -EINVAL;
	}
	type = json_object_get(ev->root, "type");
	ev->object = json_object_get(ev->root, "object");
	if (!json_is_string(type) || !json_is_object(ev->object)) {
		snprintf(why, why_len, "not a watch event (no type or object)");
		k8s_event_release(ev);
		return -EINVAL;
	}
	ev->type = event_type(json_string_value(type));
	meta = json_object_get(ev->object, "metadata");
	rv = json_object_get(meta, "resourceVersion");
	if (json_is_string(rv) && *json_string_value(rv))
		ev->rv = json_string_value(rv);
	if (ev->type == K8S_EV_ERROR) {
		code = json_object_get(ev->object, "code");
		msg = json_object_get(ev->object, "message");
		if (json_is_integer(code))
			ev->code = json_integer_value(code);
		if (json_is_string(msg))
			ev->message = json_string_value(msg);
	}
	return 0;
}

void k8s_event_release(struct k8s_event *ev)
{
	json_decref(ev->root);
	memset(ev, 0, sizeof(*ev));
}
