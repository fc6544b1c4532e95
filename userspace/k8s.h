/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kubenf-agent's Kubernetes API client: connection settings (k8s_config.c),
 * list-then-watch of the five kinds the compiler reads (k8s_watch.c) and
 * the watch stream (k8s_stream.c). libcurl's multi interface drives every
 * transfer from the agent's one thread; objects go straight into the
 * agent's struct kp_state.
 *
 * Everything the server sends is untrusted: responses and watch events
 * are size-limited, parsed with jansson, type-checked before use, and a
 * malformed one costs a restarted watch (with backoff), never the agent.
 */
#ifndef _KUBENF_K8S_H
#define _KUBENF_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

struct kp_state;

/* ---- k8s_config.c ---------------------------------------------------------- */

/* How to reach and authenticate to the API server. Strings are owned. */
struct k8s_conn {
	char *server;		/* "https://host:port", no trailing slash */
	char *ca_file;		/* PEM bundle file, or */
	char *ca_data;		/* PEM bytes (certificate-authority-data) */
	size_t ca_len;
	char *token;		/* bearer token, or */
	char *token_file;	/* a file holding it, read at each request */
	char *cert_file, *key_file;	/* client certificate, or */
	char *cert_data, *key_data;	/* PEM bytes */
	size_t cert_len, key_len;
	char *username, *password;	/* basic authentication */
	bool insecure;		/* insecure-skip-tls-verify */
};

/*
 * From kubeconfig @path (YAML or JSON): the cluster and user of @context,
 * or of current-context when @context is NULL. Relative file names are
 * relative to the kubeconfig's directory. exec and auth-provider users are
 * not supported. Returns 0, or -errno with the reason in @why.
 */
int k8s_conn_kubeconfig(const char *path, const char *context,
			struct k8s_conn *conn, char *why, size_t why_len);
/*
 * In a pod: KUBERNETES_SERVICE_HOST and _PORT, the service account's
 * token (re-read at each request: it rotates) and CA under @sa_dir
 * (NULL: /var/run/secrets/kubernetes.io/serviceaccount).
 */
int k8s_conn_in_cluster(const char *sa_dir, struct k8s_conn *conn, char *why,
			size_t why_len);
void k8s_conn_release(struct k8s_conn *conn);
/*
 * Set up @h for a request to the API server: TLS, authentication, user
 * agent, keepalive. *@hdrs receives the header list, which the caller
 * frees after the transfer. Returns 0, -ENOMEM, or -errno of reading the
 * token file, with the reason in @why.
 */
int k8s_conn_setup(const struct k8s_conn *conn, CURL *h,
		   struct curl_slist **hdrs, char *why, size_t why_len);

/* Decode base64 (the *-data fields); returns 0 or -EINVAL. */
int k8s_base64_decode(const char *in, char **out, size_t *len);

/* ---- k8s_stream.c ---------------------------------------------------------- */

/* Splits a watch response into lines (one JSON event each). */
struct k8s_stream {
	char *buf;
	size_t len, cap;
	size_t max;		/* longest line accepted */
};

/*
 * Feed @n bytes; @line is called for each complete line (without its
 * newline; empty lines skipped). Returns 0, -E2BIG when a line exceeds
 * s->max, -ENOMEM, or the first error of @line (the rest is dropped).
 */
int k8s_stream_feed(struct k8s_stream *s, const char *data, size_t n,
		    int (*line)(void *arg, const char *text, size_t len),
		    void *arg);
void k8s_stream_reset(struct k8s_stream *s);

enum k8s_event_type {
	K8S_EV_ADDED,
	K8S_EV_MODIFIED,
	K8S_EV_DELETED,
	K8S_EV_BOOKMARK,
	K8S_EV_ERROR,
	K8S_EV_UNKNOWN,
};

/* One watch event; the pointers borrow from @root. */
struct k8s_event {
	enum k8s_event_type type;
	json_t *root;
	json_t *object;		/* a JSON object */
	const char *rv;		/* object.metadata.resourceVersion, or NULL */
	long code;		/* ERROR: the Status code, 0 when none */
	const char *message;	/* ERROR: the Status message, or "" */
};

/*
 * Parse one line of a watch stream. Returns 0, or -EINVAL with the reason
 * in @why (not JSON, no type, no object). The caller releases @ev.
 */
int k8s_event_parse(const char *text, size_t len, struct k8s_event *ev,
		    char *why, size_t why_len);
void k8s_event_release(struct k8s_event *ev);

/* ---- k8s_watch.c ----------------------------------------------------------- */

enum k8s_kind {
	K8S_NAMESPACES,
	K8S_PODS,
	K8S_SERVICES,
	K8S_ENDPOINTSLICES,
	K8S_NETWORKPOLICIES,
	__K8S_KINDS
};

struct k8s_opts {
	unsigned int watch_timeout;	/* s, timeoutSeconds (jittered) */
	unsigned int idle_timeout;	/* s without a byte: a hung watch */
	unsigned int request_timeout;	/* s, a whole list page */
	unsigned int page_size;		/* items per list page */
	size_t max_response;		/* bytes of one list page */
	size_t max_event;		/* bytes of one watch event */
	unsigned int backoff_min_ms, backoff_max_ms;
};

/* Defaults of the options above. */
void k8s_opts_default(struct k8s_opts *opts);

struct k8s_client;

struct k8s_stats {
	unsigned long lists, watches, events, relists, errors;
	unsigned long stale;	/* lists refused as older than the state */
};

/*
 * A client for @conn, feeding @st (neither copied: both must outlive the
 * client), with transfers on @multi. Starts listing every kind at once.
 */
int k8s_client_new(const struct k8s_conn *conn, const struct k8s_opts *opts,
		   CURLM *multi, struct kp_state *st,
		   struct k8s_client **out);
void k8s_client_free(struct k8s_client *c);
/*
 * After curl_multi_perform(): finish completed transfers and start the
 * ones whose backoff ended. @now in agent_now_ms().
 */
void k8s_client_process(struct k8s_client *c, uint64_t now);
/* Milliseconds until k8s_client_process() has a timer due, -1: none. */
long k8s_client_timeout(const struct k8s_client *c, uint64_t now);
/* Every kind was listed completely at least once. */
bool k8s_client_synced(const struct k8s_client *c);
bool k8s_client_kind_synced(const struct k8s_client *c, enum k8s_kind kind);
/*
 * Since when (agent_now_ms()) the API server has failed one of the kinds
 * without a success since (an error, a refused stale list; a watch counts
 * as a success once answered); 0: none is failing.
 */
uint64_t k8s_client_failing_since(const struct k8s_client *c);
/* Whether the state changed since the last call (and clear the flag). */
bool k8s_client_take_changed(struct k8s_client *c);
/* Watch, not list again, when a list completes (--once: stop there). */
void k8s_client_set_watch(struct k8s_client *c, bool watch);
/* Counters of kind @kind. */
void k8s_client_stats(const struct k8s_client *c, enum k8s_kind kind,
		      struct k8s_stats *stats);
const char *k8s_kind_resource(enum k8s_kind kind);
/* resourceVersion @a is older than @b (both decimal; else false). */
bool k8s_rv_older(const char *a, const char *b);
/*
 * The newest resourceVersion the state reflects (of any kind), or NULL
 * before the first complete list. Valid until the next
 * k8s_client_process().
 */
const char *k8s_client_rv(const struct k8s_client *c);
/*
 * No list older than resourceVersion @rv is taken, from now on (a floor
 * kept across restarts: see --resource-version-file). Returns 0 or
 * -ENOMEM.
 */
int k8s_client_set_floor(struct k8s_client *c, const char *rv);

#endif /* _KUBENF_K8S_H */
