// SPDX-License-Identifier: GPL-2.0
/*
 * List-then-watch of one kind, as client-go's reflector does it:
 *
 *   LIST  GET <path>?limit=N[&continue=T]           pages until no continue
 *             [&resourceVersion=RV&resourceVersionMatch=NotOlderThan]
 *         -> every item into the state; objects the state holds from
 *            before but the list lacks are deleted; watch from the list's
 *            resourceVersion
 *   WATCH GET <path>?watch=1&allowWatchBookmarks=true&resourceVersion=RV
 *             &timeoutSeconds=T (T jittered)
 *         -> ADDED/MODIFIED/DELETED change the state, BOOKMARK and every
 *            event move RV on; the server ends the watch after T: watch
 *            again from RV at once
 *
 * Stale views: once the state reflects resourceVersion RV of a kind, a new
 * list asks for data not older than RV (what client-go's reflector does
 * since the API servers behind one address may lag each other), and a list
 * that is older all the same (a lagging replica or cache that ignores the
 * request) is refused whole before any of it reaches the state: the
 * kernel keeps what it has rather than travelling back in time, and the
 * list is tried again after a backoff. resourceVersions are compared as
 * the decimal numbers every API server hands out; ones that are not are
 * left uncompared.
 *
 * Failures:
 *  - 410 Gone (an HTTP status, or an ERROR event with code 410: RV is too
 *    old, the server compacted it away) -> list again, at once;
 *  - a transport error, another HTTP status, an ERROR event, a malformed
 *    or oversized event -> back off (exponential, jittered) and watch again
 *    from RV (list again if the kind was never listed);
 *  - a watch that hangs: no byte for idle_timeout seconds (curl's low
 *    speed limit), or no end well after timeoutSeconds (curl's timeout)
 *    -> watch again from RV at once.
 *
 * The state is only ever changed by whole events, so it always holds a
 * consistent version of every object it has.
 */
#define _GNU_SOURCE		/* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "k8s.h"
#include "kubenf_policy.h"

static const struct {
	const char *kind, *api_version, *path, *resource;
} kinds[__K8S_KINDS] = {
	[K8S_NAMESPACES]	= { "Namespace", "v1", "/api/v1/namespaces",
				    "namespaces" },
	[K8S_PODS]		= { "Pod", "v1", "/api/v1/pods", "pods" },
	[K8S_SERVICES]		= { "Service", "v1", "/api/v1/services",
				    "services" },
	[K8S_ENDPOINTSLICES]	= { "EndpointSlice", "discovery.k8s.io/v1",
				    "/apis/discovery.k8s.io/v1/endpointslices",
				    "endpointslices" },
	[K8S_NETWORKPOLICIES]	= { "NetworkPolicy", "networking.k8s.io/v1",
				    "/apis/networking.k8s.io/v1/networkpolicies",
				    "networkpolicies" },
};

/*
 * Whether resourceVersion @a is older than @b: both decimal numbers
 * without leading zeros, of any length (etcd revisions today, but the API
 * promises no width). Anything else compares as not older.
 */
bool k8s_rv_older(const char *a, const char *b)
{
	size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");

	if (!la || a[la] || !lb || b[lb] || (la > 1 && a[0] == '0') ||
	    (lb > 1 && b[0] == '0'))
		return false;
	if (la != lb)
		return la < lb;
	return strcmp(a, b) < 0;
}

const char *k8s_kind_resource(enum k8s_kind kind)
{
	return kinds[kind].resource;
}

void k8s_opts_default(struct k8s_opts *o)
{
	o->watch_timeout = 300;
	o->idle_timeout = 120;
	o->request_timeout = 120;
	o->page_size = 500;
	o->max_response = 64u << 20;
	o->max_event = 16u << 20;
	o->backoff_min_ms = 500;
	o->backoff_max_ms = 30000;
}

/* ---- the objects of one kind the state holds ----------------------------- */

struct key {
	char *ns, *name;
	uint32_t hash;
};

/* Open addressing with tombstones; @cap a power of two or 0. */
struct keyset {
	struct key *v;
	size_t n, used, cap;	/* used: live + tombstones */
};

#define TOMBSTONE ((char *)1)

static uint32_t key_hash(const char *ns, const char *name)
{
	uint32_t h = 2166136261u;

	for (; *ns; ns++)
		h = (h ^ (unsigned char)*ns) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static void keyset_free(struct keyset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++) {
		if (s->v[i].name && s->v[i].name != TOMBSTONE) {
			free(s->v[i].ns);
			free(s->v[i].name);
		}
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static struct key *keyset_slot(const struct keyset *s, const char *ns,
			       const char *name, uint32_t h, bool for_insert)
{
	struct key *tomb = NULL;
	size_t i, mask = s->cap - 1;

	for (i = h & mask;; i = (i + 1) & mask) {
		struct key *k = &s->v[i];

		if (!k->name)
			return for_insert && tomb ? tomb : for_insert ? k :
			       NULL;
		if (k->name == TOMBSTONE) {
			if (!tomb)
				tomb = k;
			continue;
		}
		if (k->hash == h && !strcmp(k->ns, ns) &&
		    !strcmp(k->name, name))
			return k;
	}
}

static int keyset_grow(struct keyset *s)
{
	struct keyset bigger = { 0 };
	size_t i;

	bigger.cap = s->cap ? 2 * s->cap : 64;
	/* Mostly tombstones: same size, just clean. */
	if (s->n < s->cap / 4 && s->cap)
		bigger.cap = s->cap;
	bigger.v = calloc(bigger.cap, sizeof(*bigger.v));
	if (!bigger.v)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++) {
		struct key *k = &s->v[i];

		if (!k->name || k->name == TOMBSTONE)
			continue;
		*keyset_slot(&bigger, k->ns, k->name, k->hash, true) = *k;
		bigger.n++;
	}
	bigger.used = bigger.n;
	free(s->v);
	*s = bigger;
	return 0;
}

static bool keyset_has(const struct keyset *s, const char *ns,
		       const char *name)
{
	return s->n && keyset_slot(s, ns, name, key_hash(ns, name), false);
}

static int keyset_add(struct keyset *s, const char *ns, const char *name)
{
	uint32_t h = key_hash(ns, name);
	struct key *k;

	if (s->n && keyset_slot(s, ns, name, h, false))
		return 0;
	if ((s->used + 1) * 4 > s->cap * 3 && keyset_grow(s))
		return -ENOMEM;
	k = keyset_slot(s, ns, name, h, true);
	if (!k->name)
		s->used++;
	k->ns = strdup(ns);
	k->name = strdup(name);
	if (!k->ns || !k->name) {
		free(k->ns);
		free(k->name);
		k->name = TOMBSTONE;
		k->ns = NULL;
		return -ENOMEM;
	}
	k->hash = h;
	s->n++;
	return 0;
}

static void keyset_del(struct keyset *s, const char *ns, const char *name)
{
	struct key *k;

	if (!s->n)
		return;
	k = keyset_slot(s, ns, name, key_hash(ns, name), false);
	if (!k)
		return;
	free(k->ns);
	free(k->name);
	k->ns = NULL;
	k->name = TOMBSTONE;
	s->n--;
}

/* ---- one kind --------------------------------------------------------------- */

enum phase {
	IDLE,		/* waiting for retry_at */
	LISTING,
	WATCHING,
};

struct k8s_watch {
	struct k8s_client *c;
	enum k8s_kind kind;
	enum phase phase;
	CURL *h;
	struct curl_slist *hdrs;
	char *url;
	bool synced;		/* listed completely once */
	bool relist;		/* next start lists */
	bool abort_relist;	/* the stream asked for a list (410) */
	char *rv;		/* watch from here */
	char *floor;		/* the list under way must not be older */
	bool floor_refused;	/* the server answered asking that with 410 */
	char *cont;		/* next list page */
	struct keyset known;	/* what the state holds of this kind */
	struct keyset listing;	/* seen by the list under way */
	char *body;		/* list page */
	size_t len, cap;
	struct k8s_stream stream;
	char err[256];		/* why the stream ended, when it was us */
	uint64_t retry_at, started;
	uint64_t failing_since;	/* the first failure since a success; 0 */
	unsigned int failures;
	unsigned int timeout;	/* timeoutSeconds of this watch */
	struct k8s_stats stats;
};

struct k8s_client {
	CURLM *multi;
	const struct k8s_conn *conn;
	struct k8s_opts opts;
	struct kp_state *st;
	struct k8s_watch w[__K8S_KINDS];
	char *floor;		/* no list older than this, whatever the kind */
	bool changed;
	bool watch;		/* watch after listing (not --once) */
};

static void start(struct k8s_watch *w, uint64_t now);

static const char *res(const struct k8s_watch *w)
{
	return kinds[w->kind].resource;
}

static void set_str(char **dst, const char *src)
{
	char *copy = src ? strdup(src) : NULL;

	/* Out of memory: forget it, which costs a relist at worst. */
	free(*dst);
	*dst = copy;
}

static void transfer_end(struct k8s_watch *w)
{
	if (w->h) {
		curl_multi_remove_handle(w->c->multi, w->h);
		curl_easy_cleanup(w->h);
	}
	curl_slist_free_all(w->hdrs);
	free(w->url);
	w->h = NULL;
	w->hdrs = NULL;
	w->url = NULL;
	free(w->body);
	w->body = NULL;
	w->len = 0;
	w->cap = 0;
	k8s_stream_reset(&w->stream);
}

/* Wait before the next attempt: exponential, jittered, capped. */
static void backoff(struct k8s_watch *w, uint64_t now)
{
	const struct k8s_opts *o = &w->c->opts;
	uint64_t ms = o->backoff_min_ms;
	unsigned int i;

	for (i = 0; i < w->failures && ms < o->backoff_max_ms; i++)
		ms *= 2;
	if (ms > o->backoff_max_ms)
		ms = o->backoff_max_ms;
	if (!w->failing_since)
		w->failing_since = now;
	w->failures++;
	w->stats.errors++;
	w->phase = IDLE;
	w->retry_at = now + agent_jitter(ms, 20);
	agent_log(AGENT_LOG_DEBUG, "%s: retrying in %" PRIu64 " ms",
		  res(w), w->retry_at - now);
}

/* The object's key; "default" for a namespaced object without one. */
static int obj_key(const struct k8s_watch *w, json_t *obj, const char **ns,
		   const char **name)
{
	json_t *meta = json_object_get(obj, "metadata");
	json_t *n = json_object_get(meta, "name");
	json_t *s = json_object_get(meta, "namespace");

	if (!json_is_string(n) || !*json_string_value(n))
		return -EINVAL;
	*name = json_string_value(n);
	if (w->kind == K8S_NAMESPACES)
		*ns = "";
	else
		*ns = json_is_string(s) && *json_string_value(s) ?
		      json_string_value(s) : "default";
	return 0;
}

/*
 * Into the state: @obj, given the kind and apiVersion a list's items
 * lack. A bad object is kept by the state with its reason (the compiler
 * reports it); only running out of memory fails.
 */
static int put(struct k8s_watch *w, json_t *obj, struct keyset *set)
{
	const char *ns, *name;
	json_t *kind;
	int err;

	kind = json_object_get(obj, "kind");
	if (kind && (!json_is_string(kind) ||
		     strcmp(json_string_value(kind), kinds[w->kind].kind))) {
		agent_log(AGENT_LOG_WARN, "%s: ignored an object of another kind",
			  res(w));
		return 0;
	}
	if (!kind &&
	    (json_object_set_new(obj, "kind",
				 json_string(kinds[w->kind].kind)) ||
	     json_object_set_new(obj, "apiVersion",
				 json_string(kinds[w->kind].api_version))))
		return -ENOMEM;
	if (obj_key(w, obj, &ns, &name)) {
		agent_log(AGENT_LOG_WARN, "%s: ignored an object without a name",
			  res(w));
		return 0;
	}
	err = kp_state_add_json(w->c->st, obj, NULL);
	if (err == -ENOMEM)
		return err;
	w->c->changed = true;
	/* Stored even if bad (then with its error), so it is known. */
	return keyset_add(set, ns, name);
}

static void del(struct k8s_watch *w, const char *ns, const char *name)
{
	kp_state_del(w->c->st, kinds[w->kind].kind, ns, name);
	keyset_del(&w->known, ns, name);
	w->c->changed = true;
}

/* ---- transfers -------------------------------------------------------------- */

static size_t body_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct k8s_watch *w = arg;
	size_t n = size * nmemb, cap;
	char *p;

	if (n > w->c->opts.max_response - w->len) {
		snprintf(w->err, sizeof(w->err), "response larger than %zu bytes",
			 w->c->opts.max_response);
		return 0;
	}
	if (w->len + n + 1 > w->cap) {
		cap = w->cap ? w->cap : 65536;
		while (cap < w->len + n + 1)
			cap *= 2;
		p = realloc(w->body, cap);
		if (!p) {
			snprintf(w->err, sizeof(w->err), "out of memory");
			return 0;
		}
		w->body = p;
		w->cap = cap;
	}
	memcpy(w->body + w->len, data, n);
	w->len += n;
	w->body[w->len] = '\0';
	return n;
}

static int event(void *arg, const char *text, size_t len);

static size_t stream_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct k8s_watch *w = arg;
	size_t n = size * nmemb;
	long status = 0;
	int err;

	/* An error status has a Status body, not events: keep it. */
	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return body_cb(data, size, nmemb, arg);
	err = k8s_stream_feed(&w->stream, data, n, event, w);
	if (err == -E2BIG)
		snprintf(w->err, sizeof(w->err), "event larger than %zu bytes",
			 w->stream.max);
	else if (err == -ENOMEM)
		snprintf(w->err, sizeof(w->err), "out of memory");
	return err ? 0 : n;
}

static char *escape(CURL *h, const char *s)
{
	return curl_easy_escape(h, s, 0);
}

/* A GET of w->url on a new handle; false when that failed (backed off). */
static bool transfer_start(struct k8s_watch *w, bool stream, long timeout,
			   uint64_t now)
{
	char why[256] = "";

	w->h = curl_easy_init();
	if (!w->h || k8s_conn_setup(w->c->conn, w->h, &w->hdrs, why,
				    sizeof(why))) {
		agent_log(AGENT_LOG_ERROR, "%s: %s", res(w),
			  why[0] ? why : "cannot create a transfer");
		goto fail;
	}
	w->err[0] = '\0';
	w->started = now;
	curl_easy_setopt(w->h, CURLOPT_URL, w->url);
	curl_easy_setopt(w->h, CURLOPT_PRIVATE, w);
	curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION,
			 stream ? stream_cb : body_cb);
	curl_easy_setopt(w->h, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->h, CURLOPT_TIMEOUT, timeout);
	/* A silent connection: no byte for this long ends the transfer. */
	curl_easy_setopt(w->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(w->h, CURLOPT_LOW_SPEED_TIME,
			 (long)w->c->opts.idle_timeout);
	if (curl_multi_add_handle(w->c->multi, w->h) != CURLM_OK) {
		agent_log(AGENT_LOG_ERROR, "%s: cannot start a transfer",
			  res(w));
		goto fail;
	}
	return true;
fail:
	transfer_end(w);
	backoff(w, now);
	return false;
}

static void list_start(struct k8s_watch *w, uint64_t now)
{
	char *cont = NULL, *floor = NULL;
	int n;

	w->phase = LISTING;
	if (w->cont) {
		cont = escape(NULL, w->cont);
		if (!cont)
			goto nomem;
	} else {
		/* A new list: not older than what the state reflects. */
		set_str(&w->floor, w->rv);
		if (w->c->floor &&
		    (!w->floor || k8s_rv_older(w->floor, w->c->floor)))
			set_str(&w->floor, w->c->floor);
		if (w->floor && !w->floor_refused) {
			floor = escape(NULL, w->floor);
			if (!floor)
				goto nomem;
		}
	}
	n = asprintf(&w->url, "%s%s?limit=%u%s%s%s%s%s", w->c->conn->server,
		     kinds[w->kind].path, w->c->opts.page_size,
		     cont ? "&continue=" : "", cont ?: "",
		     floor ? "&resourceVersion=" : "", floor ?: "",
		     floor ? "&resourceVersionMatch=NotOlderThan" : "");
	curl_free(cont);
	curl_free(floor);
	if (n < 0) {
		w->url = NULL;
		goto nomem;
	}
	w->stats.lists++;
	transfer_start(w, false, w->c->opts.request_timeout, now);
	return;
nomem:
	agent_log(AGENT_LOG_ERROR, "%s: out of memory", res(w));
	backoff(w, now);
}

static void watch_start(struct k8s_watch *w, uint64_t now)
{
	char *rv;
	int n;

	w->phase = WATCHING;
	w->abort_relist = false;
	w->stream.max = w->c->opts.max_event;
	/* Spread the watches of many agents and kinds over time. */
	w->timeout = agent_jitter(w->c->opts.watch_timeout, 20);
	if (!w->timeout)
		w->timeout = 1;
	rv = escape(NULL, w->rv);
	n = rv ? asprintf(&w->url, "%s%s?watch=1&allowWatchBookmarks=true&resourceVersion=%s&timeoutSeconds=%u",
			  w->c->conn->server, kinds[w->kind].path, rv,
			  w->timeout) : -1;
	curl_free(rv);
	if (n < 0) {
		w->url = NULL;
		agent_log(AGENT_LOG_ERROR, "%s: out of memory", res(w));
		backoff(w, now);
		return;
	}
	w->stats.watches++;
	/* The server ends the watch after timeoutSeconds: allow it 30 s. */
	transfer_start(w, true, w->timeout + 30, now);
}

static void start(struct k8s_watch *w, uint64_t now)
{
	if (w->relist || !w->rv || !w->synced)
		list_start(w, now);
	else
		watch_start(w, now);
}

/* The message of a Status body, for the log. */
static void status_message(const struct k8s_watch *w, char *buf, size_t len)
{
	json_t *j, *m;

	buf[0] = '\0';
	if (!w->body)
		return;
	j = json_loadb(w->body, w->len, 0, NULL);
	m = json_object_get(j, "message");
	if (json_is_string(m))
		snprintf(buf, len, ": %s", json_string_value(m));
	json_decref(j);
}

/* A list page arrived whole: into the state. Returns 0 or -errno. */
static int list_page(struct k8s_watch *w, char *why, size_t why_len)
{
	json_t *root, *items, *item, *meta, *v;
	json_error_t jerr;
	size_t i;
	int err = 0;

	root = json_loadb(w->body ?: "", w->len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!root) {
		snprintf(why, why_len, "list is not JSON: %s", jerr.text);
		return -EINVAL;
	}
	items = json_object_get(root, "items");
	meta = json_object_get(root, "metadata");
	v = json_object_get(meta, "resourceVersion");
	if (!json_is_array(items) && !json_is_null(items) && items) {
		snprintf(why, why_len, "list without items");
		err = -EINVAL;
		goto out;
	}
	if (!json_is_string(v) || !*json_string_value(v)) {
		snprintf(why, why_len, "list without a resourceVersion");
		err = -EINVAL;
		goto out;
	}
	if (!w->cont && w->floor &&
	    k8s_rv_older(json_string_value(v), w->floor)) {
		snprintf(why, why_len,
			 "stale view: the list is at resourceVersion %s, older than %s already applied; rules kept",
			 json_string_value(v), w->floor);
		w->stats.stale++;
		err = -ESTALE;
		goto out;
	}
	json_array_foreach(items, i, item) {
		if (!json_is_object(item))
			continue;
		err = put(w, item, &w->listing);
		if (err) {
			snprintf(why, why_len, "out of memory");
			goto out;
		}
	}
	set_str(&w->rv, json_string_value(v));
	v = json_object_get(meta, "continue");
	set_str(&w->cont, json_is_string(v) && *json_string_value(v) ?
		json_string_value(v) : NULL);
	if (w->cont)
		goto out;

	/* The last page: what the list lacks is gone. */
	for (i = 0; i < w->known.cap; i++) {
		struct key *k = &w->known.v[i];

		if (!k->name || k->name == TOMBSTONE)
			continue;
		if (!keyset_has(&w->listing, k->ns, k->name)) {
			kp_state_del(w->c->st, kinds[w->kind].kind, k->ns,
				     k->name);
			w->c->changed = true;
		}
	}
	keyset_free(&w->known);
	w->known = w->listing;
	memset(&w->listing, 0, sizeof(w->listing));
	if (!w->synced)
		agent_log(AGENT_LOG_DEBUG, "%s: listed %zu at resourceVersion %s",
			  res(w), w->known.n, w->rv);
	w->synced = true;
	w->relist = false;
	w->floor_refused = false;
out:
	json_decref(root);
	return err;
}

static int event(void *arg, const char *text, size_t len)
{
	struct k8s_watch *w = arg;
	const char *ns, *name;
	struct k8s_event ev;
	char why[200];
	int err = 0;

	if (k8s_event_parse(text, len, &ev, why, sizeof(why))) {
		snprintf(w->err, sizeof(w->err), "malformed event: %s", why);
		return -EINVAL;
	}
	w->stats.events++;
	switch (ev.type) {
	case K8S_EV_ADDED:
	case K8S_EV_MODIFIED:
		err = put(w, ev.object, &w->known);
		if (err)
			snprintf(w->err, sizeof(w->err), "out of memory");
		break;
	case K8S_EV_DELETED:
		if (!obj_key(w, ev.object, &ns, &name))
			del(w, ns, name);
		break;
	case K8S_EV_BOOKMARK:
		break;
	case K8S_EV_ERROR:
		if (ev.code == 410) {
			/* Our resourceVersion was compacted away. */
			w->abort_relist = true;
			snprintf(w->err, sizeof(w->err), "resourceVersion %s is gone",
				 w->rv ?: "");
		} else {
			snprintf(w->err, sizeof(w->err), "error event %ld: %s",
				 ev.code, ev.message);
		}
		err = -EPROTO;
		break;
	default:
		agent_log(AGENT_LOG_DEBUG, "%s: ignored an event of unknown type",
			  res(w));
		break;
	}
	if (!err && ev.rv)
		set_str(&w->rv, ev.rv);
	k8s_event_release(&ev);
	return err;
}

static void list_done(struct k8s_watch *w, CURLcode rc, long status,
		      uint64_t now)
{
	char why[256] = "", msg[200];

	if (rc == CURLE_OK && status == 200 &&
	    !list_page(w, why, sizeof(why))) {
		transfer_end(w);
		w->failures = 0;
		w->failing_since = 0;
		if (w->cont)
			list_start(w, now);
		else if (w->c->watch)
			watch_start(w, now);
		else
			w->phase = IDLE, w->retry_at = UINT64_MAX;
		return;
	}
	if (rc == CURLE_OK && status == 410 && !w->cont && w->floor &&
	    !w->floor_refused) {
		/*
		 * A server that cannot serve "not older than" from where it
		 * reads: list the newest (its answer is still checked).
		 */
		agent_log(AGENT_LOG_INFO, "%s: list from resourceVersion %s refused (410 Gone), listing the newest",
			  res(w), w->floor);
		transfer_end(w);
		keyset_free(&w->listing);
		w->floor_refused = true;
		list_start(w, now);
		return;
	}
	if (rc == CURLE_OK && status == 410 && w->cont) {
		/* The continue token expired: the list starts over. */
		agent_log(AGENT_LOG_INFO, "%s: list continuation expired, listing again",
			  res(w));
		transfer_end(w);
		set_str(&w->cont, NULL);
		keyset_free(&w->listing);
		list_start(w, now);
		return;
	}
	if (rc != CURLE_OK)
		snprintf(why, sizeof(why), "%s", w->err[0] ? w->err :
			 curl_easy_strerror(rc));
	else if (status != 200) {
		status_message(w, msg, sizeof(msg));
		snprintf(why, sizeof(why), "HTTP %ld%s", status, msg);
	}
	agent_log(AGENT_LOG_ERROR, "list %s: %s", res(w), why);
	transfer_end(w);
	set_str(&w->cont, NULL);
	keyset_free(&w->listing);
	backoff(w, now);
}

static void watch_done(struct k8s_watch *w, CURLcode rc, long status,
		       uint64_t now)
{
	uint64_t ran = now - w->started;
	char msg[200];

	if (w->abort_relist || (rc == CURLE_OK && status == 410)) {
		agent_log(AGENT_LOG_INFO, "watch %s: resourceVersion %s expired (410 Gone), listing again",
			  res(w), w->rv ?: "");
		transfer_end(w);
		w->stats.relists++;
		w->relist = true;
		list_start(w, now);
		return;
	}
	if (rc == CURLE_OK && status == 200) {
		/* The server ended the watch (timeoutSeconds): go on. */
		transfer_end(w);
		w->failures = 0;
		watch_start(w, now);
		return;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT && status == 200) {
		/* Silent for idle_timeout, or never ended: hung. */
		agent_log(ran >= (uint64_t)w->timeout * 1000 ? AGENT_LOG_WARN :
			  AGENT_LOG_DEBUG,
			  "watch %s: %s, watching again", res(w),
			  ran >= (uint64_t)w->timeout * 1000 ?
			  "not ended by the server in time" :
			  "no data within the idle timeout");
		transfer_end(w);
		w->failures = 0;
		watch_start(w, now);
		return;
	}
	if (rc == CURLE_OK && status != 200) {
		status_message(w, msg, sizeof(msg));
		agent_log(AGENT_LOG_ERROR, "watch %s: HTTP %ld%s", res(w),
			  status, msg);
	} else {
		agent_log(AGENT_LOG_ERROR, "watch %s: %s", res(w),
			  w->err[0] ? w->err : curl_easy_strerror(rc));
	}
	transfer_end(w);
	backoff(w, now);
}

/* ---- the client --------------------------------------------------------------- */

int k8s_client_new(const struct k8s_conn *conn, const struct k8s_opts *opts,
		   CURLM *multi, struct kp_state *st, struct k8s_client **out)
{
	struct k8s_client *c;
	uint64_t now = agent_now_ms();
	int i;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->multi = multi;
	c->conn = conn;
	c->opts = *opts;
	c->st = st;
	c->watch = true;
	for (i = 0; i < __K8S_KINDS; i++) {
		c->w[i].c = c;
		c->w[i].kind = i;
		c->w[i].phase = IDLE;
		c->w[i].retry_at = now;
	}
	*out = c;
	return 0;
}

void k8s_client_free(struct k8s_client *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < __K8S_KINDS; i++) {
		transfer_end(&c->w[i]);
		keyset_free(&c->w[i].known);
		keyset_free(&c->w[i].listing);
		free(c->w[i].rv);
		free(c->w[i].floor);
		free(c->w[i].cont);
	}
	free(c->floor);
	free(c);
}

const char *k8s_client_rv(const struct k8s_client *c)
{
	const char *rv = NULL;
	int i;

	for (i = 0; i < __K8S_KINDS; i++)
		if (c->w[i].synced && c->w[i].rv &&
		    (!rv || k8s_rv_older(rv, c->w[i].rv)))
			rv = c->w[i].rv;
	return rv;
}

int k8s_client_set_floor(struct k8s_client *c, const char *rv)
{
	char *copy = strdup(rv);

	if (!copy)
		return -ENOMEM;
	free(c->floor);
	c->floor = copy;
	return 0;
}

void k8s_client_set_watch(struct k8s_client *c, bool watch)
{
	c->watch = watch;
}

/*
 * A watch the server answered (200, the events may come much later) ends
 * a failure streak: its failures count only for the backoff, which a watch
 * resets when it ends well.
 */
static void watch_answered(struct k8s_watch *w)
{
	long status = 0;

	if (w->phase != WATCHING || !w->failing_since)
		return;
	if (curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status) ==
	    CURLE_OK && status == 200)
		w->failing_since = 0;
}

void k8s_client_process(struct k8s_client *c, uint64_t now)
{
	struct k8s_watch *w;
	long status;
	CURLMsg *m;
	int left, i;

	while ((m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		w = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &w);
		if (!w || w->c != c || w->h != m->easy_handle)
			continue;
		status = 0;
		curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
		if (w->phase == LISTING)
			list_done(w, m->data.result, status, now);
		else
			watch_done(w, m->data.result, status, now);
	}
	for (i = 0; i < __K8S_KINDS; i++) {
		w = &c->w[i];
		if (w->phase == IDLE && w->retry_at <= now)
			start(w, now);
		watch_answered(w);
	}
}

uint64_t k8s_client_failing_since(const struct k8s_client *c)
{
	uint64_t since = 0;
	int i;

	for (i = 0; i < __K8S_KINDS; i++)
		if (c->w[i].failing_since &&
		    (!since || c->w[i].failing_since < since))
			since = c->w[i].failing_since;
	return since;
}

long k8s_client_timeout(const struct k8s_client *c, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	int i;

	for (i = 0; i < __K8S_KINDS; i++)
		if (c->w[i].phase == IDLE && c->w[i].retry_at < next)
			next = c->w[i].retry_at;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (long)(next - now);
}

bool k8s_client_synced(const struct k8s_client *c)
{
	int i;

	for (i = 0; i < __K8S_KINDS; i++)
		if (!c->w[i].synced)
			return false;
	return true;
}

bool k8s_client_kind_synced(const struct k8s_client *c, enum k8s_kind kind)
{
	return c->w[kind].synced;
}

bool k8s_client_take_changed(struct k8s_client *c)
{
	bool changed = c->changed;

	c->changed = false;
	return changed;
}

void k8s_client_stats(const struct k8s_client *c, enum k8s_kind kind,
		      struct k8s_stats *stats)
{
	*stats = c->w[kind].stats;
}
