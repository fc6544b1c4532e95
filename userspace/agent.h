/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kubenf-agent internals, shared by agent*.c, source_*.c and k8s_*.c.
 *
 *   sources (files: source_file.c + source_yaml.c; the API server:
 *   k8s_config.c + k8s_watch.c + k8s_stream.c)
 *        |  Kubernetes objects into a struct kp_state (libkubenf-policy)
 *        v
 *   agent_sync.c   kp_compile() -> desired rule set (agent_rules.c)
 *                  -> what the kernel holds (agent_kernel.c: dumps, or the
 *                     cached result of our own last commit)
 *                  -> difference (agent_diff.c) -> one transaction
 *        ^
 *   agent_loop.c   one thread: poll(2) over the sources, signals, timers
 *                  and the HTTP servers (agent_http.c): the agent's own
 *                  health (agent_health.c) and the Services' health check
 *                  node ports (agent_hc.c), updated after each sync
 *
 * Every function returns 0 or -errno unless it says otherwise; nothing
 * below main() exits. Log lines go through agent_log(), one per event.
 */
#ifndef _KUBENF_AGENT_H
#define _KUBENF_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include "model.h"

#define AGENT_PROG	"kubenf-agent"

struct kp_errors;
struct kp_ruleset;
struct kp_cidr;
struct kp_state;

/* ---- agent_log.c -------------------------------------------------------- */

enum agent_level {
	AGENT_LOG_ERROR,
	AGENT_LOG_WARN,
	AGENT_LOG_INFO,
	AGENT_LOG_DEBUG,
};

/* Messages above this level are dropped; --verbose raises it. */
extern enum agent_level agent_log_level;

/*
 * One line on stderr: "<UTC timestamp> kubenf-agent: [error: |warning: ]
 * <message>". Control characters of the message (which may quote
 * Kubernetes input) are escaped, so a line stays one line.
 */
void agent_log(enum agent_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The message of the last error line (escaped, maybe cut) and, in
 * *@count, how many error lines there have been: a caller compares counts
 * to tell whether its step logged one.
 */
const char *agent_log_last_error(unsigned long *count);
/* Where the lines go (unit tests); NULL: stderr. */
void agent_log_set_file(void *file);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t agent_now_ms(void);
/* Milliseconds since the epoch (CLOCK_REALTIME), for timestamps shown. */
uint64_t agent_wall_ms(void);
/* @ms plus or minus up to @pct percent, for jittered backoff. */
uint64_t agent_jitter(uint64_t ms, unsigned int pct);

/* ---- agent_rv_file.c: --resource-version-file ---------------------------- */

/*
 * The resourceVersion kept in @path into *@rv (caller frees); on failure
 * -errno and, in @why, the reason.
 */
int agent_rv_load(const char *path, char **rv, char *why, size_t why_len);
/* Replace @path's content by @rv (a decimal resourceVersion). */
int agent_rv_store(const char *path, const char *rv);

/* ---- agent_health.c: --healthz-bind-address ---------------------------- */

/* What the health endpoint judges by; agent_loop.c keeps it current. */
struct agent_health_state {
	bool synced;			/* the kernel held a complete view */
	uint64_t pending_since;		/* ms: the oldest change not applied
					 * (counted once the view is
					 * complete); 0: none */
	uint64_t last_sync_wall;	/* ms since the epoch: last success */
	uint64_t generation;		/* the kernel's, after it */
	unsigned int failures;		/* failed syncs since the last success */
	char last_error[256];		/* why the last one failed, or "" */
	uint64_t api_failing_since;	/* ms: the API server fails since; 0 */
};

struct agent_health;

/* "ADDR:PORT" or "[ADDR6]:PORT" into @ss; -EINVAL if not. */
int agent_health_parse_addr(const char *arg, struct sockaddr_storage *ss);
/* No change has waited longer than @timeout_ms to reach the kernel. */
bool agent_health_healthy(const struct agent_health_state *st,
			  uint64_t timeout_ms, uint64_t now);
/*
 * Healthy, a sync succeeded, and the API server has not been failing for
 * longer than @timeout_ms (the view may be stale).
 */
bool agent_health_ready(const struct agent_health_state *st,
			uint64_t timeout_ms, uint64_t now);
/*
 * The JSON both paths answer: healthy, ready, reason (when not both),
 * lastUpdated and currentTime (RFC 3339, from @wall_ms), generation,
 * pendingSeconds, failedSyncs, lastError (when a sync failed since the
 * last success), apiFailingSeconds. NULL when out of memory.
 */
json_t *agent_health_report(const struct agent_health_state *st,
			    uint64_t timeout_ms, uint64_t now,
			    uint64_t wall_ms);
/*
 * Listen on @addr, answering from @st (read on every request, so it must
 * outlive the server). Returns 0 or -errno (EADDRINUSE...).
 */
int agent_health_start(const struct sockaddr *addr,
		       const struct agent_health_state *st,
		       uint64_t timeout_ms, struct agent_health **out);
/* The descriptor to poll for input, and the longest wait (ms, -1: any). */
int agent_health_fd(const struct agent_health *h);
/* The port it listens on (the one the kernel chose for port 0). */
unsigned int agent_health_port(const struct agent_health *h);
long agent_health_timeout(const struct agent_health *h);
/* Serve what is ready; never blocks. */
void agent_health_run(struct agent_health *h);
void agent_health_stop(struct agent_health *h);

/* ---- agent_hc.c: the Services' health check node ports ----------------- */

struct agent_hc;
struct kp_health_check;

/* Servers that tell "healthy" by @st (see agent_health_healthy()). */
int agent_hc_new(const struct agent_health_state *st, uint64_t timeout_ms,
		 struct agent_hc **out);
void agent_hc_free(struct agent_hc *hc);
/*
 * Serve exactly the health checks @want (after a successful sync): new
 * ports are opened (a failure is logged and tried again at the next
 * update), counts are updated, ports no longer wanted are closed. Returns
 * 0 or -ENOMEM (then nothing changed).
 */
int agent_hc_update(struct agent_hc *hc, const struct kp_health_check *want,
		    size_t n_want);
/* One descriptor for all servers, and the longest wait (ms, -1: any). */
int agent_hc_fd(const struct agent_hc *hc);
long agent_hc_timeout(const struct agent_hc *hc);
/* Serve what is ready; never blocks. */
void agent_hc_run(struct agent_hc *hc);
/* The ports listened on, ascending, at most @max of them; their number. */
unsigned int agent_hc_listening(const struct agent_hc *hc, uint16_t *ports,
				unsigned int max);

/* ---- agent_rules.c: a complete rule set ---------------------------------- */

enum agent_kind {
	AGENT_SVC,
	AGENT_PSET,
	AGENT_POL,
	AGENT_POD,
	__AGENT_KINDS
};

/* "service", "peerset", "policy", "pod"; with @plural their plurals. */
const char *agent_kind_name(enum agent_kind kind, bool plural);

/* One rule set: what we want the kernel to hold, or what it holds. */
struct agent_rules {
	struct kubenf_config config;
	struct kubenf_svc_list svcs;		/* every list in id order */
	struct kubenf_pset_list psets;
	struct kubenf_pol_list pols;
	struct kubenf_pod_list pods;
};

void agent_rules_release(struct agent_rules *rules);
/* Move @from into @to (released first); @from is left empty. */
void agent_rules_move(struct agent_rules *to, struct agent_rules *from);
/* Deep copy of @cfg into zeroed @to. */
int agent_config_copy(struct kubenf_config *to,
		      const struct kubenf_config *cfg);

/*
 * The model of the compiled rule set @rs with configuration @cfg, into
 * zeroed @out (released by the caller, also on failure). Returns 0,
 * -ENOMEM, or -EBADMSG when @rs holds two objects of a kind with one id.
 */
int agent_rules_from_kp(const struct kp_ruleset *rs,
			const struct kubenf_config *cfg,
			struct agent_rules *out);

/*
 * The cookie stored with the rule set: a 64-bit FNV-1a digest of
 * everything a request sets (ids, names, contents, configuration; not
 * counters). Equal rule sets give equal digests, across runs and hosts.
 */
uint64_t agent_rules_digest(const struct agent_rules *rules);

/* Number of objects of @kind. */
size_t agent_rules_count(const struct agent_rules *rules,
			 enum agent_kind kind);
/* Id and name ("" when none) of object @i of @kind. */
uint32_t agent_rules_id(const struct agent_rules *rules, enum agent_kind kind,
			size_t i);
const char *agent_rules_name(const struct agent_rules *rules,
			     enum agent_kind kind, size_t i);

/*
 * Remove object @id of @kind from @rules, keeping the rest consistent and
 * failing closed: a policy rule loses a removed peerset (and is dropped
 * when no peer is left, since no peers would mean every peer); a pod loses
 * a removed policy but stays isolated. Returns whether it was there.
 */
bool agent_rules_remove(struct agent_rules *rules, enum agent_kind kind,
			uint32_t id);
/*
 * Empty both policy lists of pod @id, keeping its isolation: it then
 * denies everything in the directions it is isolated in. Returns whether
 * it was there.
 */
bool agent_rules_isolate_pod(struct agent_rules *rules, uint32_t id);
/* Remove every peerset, policy and pod (a module without policy). */
void agent_rules_drop_policy(struct agent_rules *rules);

/* ---- agent_diff.c: desired vs current ----------------------------------- */

struct agent_diff_kind {
	size_t *add;		/* indexes into the desired list: new ids */
	size_t *mod;		/* ... ids whose content changed */
	uint32_t *del;		/* ids the kernel holds and we do not want */
	size_t n_add, n_mod, n_del;
};

struct agent_diff {
	struct agent_diff_kind kind[__AGENT_KINDS];
	bool config;		/* the configuration differs */
};

/*
 * What turns @have into @want: SET for the new and changed objects, DEL
 * for the ones @want lacks. Objects compare by id and by everything a
 * request sets (counters in dumps are ignored). Returns 0 or -ENOMEM.
 */
int agent_diff(const struct agent_rules *want, const struct agent_rules *have,
	       struct agent_diff *diff);
void agent_diff_release(struct agent_diff *diff);
bool agent_diff_empty(const struct agent_diff *diff);
/* "+3 services, ~1 policy, -1 pod, config", or "no change". */
const char *agent_diff_summary(const struct agent_diff *diff, char *buf,
			       size_t len);

/* Equality as the diff sees it (exposed for the tests). */
bool agent_svc_same(const struct kubenf_service *a,
		    const struct kubenf_service *b);
bool agent_config_same(const struct kubenf_config *a,
		       const struct kubenf_config *b);

/* ---- agent_kernel.c: netlink ------------------------------------------- */

struct kubenf_nl;

struct agent_kernel {
	struct kubenf_nl *nl;	/* one socket for the agent's life */
	bool no_policy;		/* the module lacks the policy commands */
};

/* Why a transaction did not commit, for the log. */
struct agent_apply_err {
	enum agent_kind kind;	/* the object a SET failed for, ... */
	uint32_t id;
	bool object;		/* ... if a SET of an object failed */
	const char *what;	/* the step: "begin", "service set", ... */
	char extack[256];	/* the kernel's message, or ours */
};

int agent_kernel_open(struct agent_kernel *k);
void agent_kernel_close(struct agent_kernel *k);
int agent_kernel_info(struct agent_kernel *k, struct kubenf_info *info);
/*
 * Everything the kernel holds into zeroed @have (caller releases), each
 * dump retried when a commit interrupted it. Sets k->no_policy when the
 * module does not know the policy commands.
 */
int agent_kernel_dump(struct agent_kernel *k, struct agent_rules *have);
/*
 * One transaction that turns @have into @want as @diff says, committed
 * only if the generation is still @generation, with @cookie. Returns 0
 * and the new generation, -ESTALE, or another -errno with @err telling
 * where (err->object: the kernel refused that object; nothing changed).
 */
int agent_kernel_apply(struct agent_kernel *k, const struct agent_rules *want,
		       const struct agent_rules *have,
		       const struct agent_diff *diff, uint64_t generation,
		       uint64_t cookie, uint64_t *new_generation,
		       struct agent_apply_err *err);

/* ---- agent_sync.c: compile, compare, apply ------------------------------ */

struct agent_sync {
	struct agent_kernel kernel;
	const char *node_name;
	struct kubenf_config config;	/* desired configuration */
	/* What the kernel holds after our last commit or adoption. */
	struct agent_rules applied;
	uint64_t applied_gen, applied_cookie;
	bool have_applied;
	/* Compile errors already logged ("kind\tns\tname\treason"). */
	char **reported;
	size_t n_reported;
	/* Objects the kernel refused, left out until the input changes. */
	struct agent_reject {
		enum agent_kind kind;
		uint32_t id;
		bool isolate;	/* a pod: kept, with no policy */
	} *rejects;
	size_t n_rejects;
	bool warned_no_policy;
	unsigned long syncs, applies, failures;
	/* The Services' health checks of the last compiled input. */
	struct kp_health_check *hcs;
	size_t n_hcs;
};

/* @cfg is copied. */
int agent_sync_init(struct agent_sync *s, const char *node_name,
		    const struct kubenf_config *cfg);
void agent_sync_release(struct agent_sync *s);
/* The input changed: retry objects the kernel refused before. */
void agent_sync_input_changed(struct agent_sync *s);
/*
 * Make the kernel hold the rule set compiled from @st. Logs what it does.
 * Returns 0 once the kernel holds it (nothing sent when it already did),
 * or -errno (the caller retries later).
 */
int agent_sync_run(struct agent_sync *s, const struct kp_state *st);
/*
 * Whether the kernel still holds what the last agent_sync_run() left:
 * dumps it and compares. Returns 0, -EAGAIN when it differs, or -errno.
 */
int agent_sync_verify(struct agent_sync *s);
/* Whether the kernel moved on without us (GET_INFO only). */
int agent_sync_check(struct agent_sync *s, bool *changed);

/* ---- source_yaml.c ------------------------------------------------------ */

/* Limits on what one YAML stream may expand to. */
#define AGENT_YAML_MAX_DEPTH	128
#define AGENT_YAML_MAX_NODES	(4u << 20)

/*
 * Parse the YAML stream @buf (@len bytes) into a JSON array of its
 * documents (empty documents left out): mappings become objects,
 * sequences arrays, scalars by the YAML 1.2 core schema (plain null,
 * true/false, integers, floats; everything else and every quoted scalar a
 * string). Anchors and aliases are expanded, within the limits above;
 * duplicate keys and non-scalar keys are errors; "<<" merge keys work.
 * Returns 0 and *@out, or -EINVAL with "line:column: reason" in @why, or
 * -ENOMEM.
 */
int agent_yaml_parse(const char *buf, size_t len, json_t **out, char *why,
		     size_t why_len);

/* ---- source_file.c ------------------------------------------------------ */

/* Largest file read, and most files in a directory. */
#define AGENT_FILE_MAX_BYTES	(64u << 20)
#define AGENT_DIR_MAX_FILES	4096

/*
 * The Kubernetes objects in @path: a JSON or YAML file (one object, a
 * List, or several YAML documents), or a directory of such files (*.json,
 * *.yaml, *.yml, not hidden, in name order, not recursive). Returns 0 and
 * a new state in *@out, objects the compiler cannot use recorded in it
 * (and in @errs when not NULL); or -errno with the reason in @why (a file
 * that cannot be read or parsed: nothing is used then).
 */
int agent_file_load(const char *path, struct kp_state **out,
		    struct kp_errors *errs, char *why, size_t why_len);
/* Documents of one buffer into @st; @name for messages, @yaml its format. */
int agent_buf_load(const char *buf, size_t len, const char *name, bool yaml,
		   struct kp_state *st, struct kp_errors *errs, char *why,
		   size_t why_len);

/*
 * inotify on @path (the directory, or a file's directory, so that editors
 * replacing the file are seen). Returns the fd (non-blocking) or -errno.
 */
int agent_file_watch(const char *path, int *wd);
/*
 * Drain @fd; whether an event concerned @path. *@lost: the watched
 * directory went away (removed, renamed): call agent_file_watch() again.
 */
bool agent_file_changed(int fd, const char *path, bool *lost);

/* ---- agent_loop.c ------------------------------------------------------- */

/* What main() parsed; strings borrowed from argv and the environment. */
struct agent_opts {
	const char *node_name;		/* --node-name, default $NODE_NAME */
	const char *from_file;		/* objects from files, not the API */
	const char *kubeconfig;		/* default: in-cluster */
	const char *context;		/* kubeconfig context */
	const char *sa_dir;		/* in-cluster service account dir */
	const char *rv_file;		/* --resource-version-file */
	const char *health_bind;	/* --healthz-bind-address, or NULL */
	struct sockaddr_storage health_addr;	/* ... parsed */
	unsigned int health_timeout;	/* s: --healthz-timeout */
	struct kubenf_config config;	/* flags, cluster CIDRs, node addrs */
	struct kp_cidr *extip_allow;	/* --external-ip-cidr blocks */
	size_t n_extip_allow;
	bool once;			/* sync once and exit */
	unsigned int timeout;		/* s: --once gives up after */
	unsigned int resync;		/* s: check the kernel is unchanged */
	unsigned int sync_delay;	/* ms: batch changes this long */
	unsigned int watch_timeout, idle_timeout, request_timeout;
};

/* Run the agent; returns the exit status (0 ok, 1 failure). */
int agent_run(const struct agent_opts *opts);

#endif /* _KUBENF_AGENT_H */
