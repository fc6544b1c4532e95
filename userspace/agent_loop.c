// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's one thread: curl_multi_poll() over the API transfers, the
 * inotify descriptor of --from-file, a signalfd, and the epoll descriptors
 * of the health endpoint (agent_health.c) and of the Services' health
 * check node ports (agent_hc.c, updated after each sync), with four
 * timers:
 *
 *   reload   --from-file changed: read the files once they have been
 *            quiet for FILE_SETTLE ms (a writer may not be done)
 *   sync     a change arrived: sync after --sync-delay ms (changes in that
 *            window are batched); after a failed sync, again with backoff
 *   resync   every --resync s, GET_INFO: if another writer changed the
 *            kernel's rule set, sync (the dump then shows what to repair)
 *   once     --once: give up after --timeout s
 *
 * No sync happens before every source delivered a complete view: the
 * files parsed, or every kind listed. SIGTERM and SIGINT end the loop;
 * the kernel keeps enforcing the last rule set (nothing is flushed).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent.h"
#include "k8s.h"
#include "kubenf_policy.h"

#define SYNC_BACKOFF_MIN	1000	/* ms */
#define SYNC_BACKOFF_MAX	30000
#define FILE_SETTLE		100	/* ms without file events */

struct agent {
	const struct agent_opts *o;
	struct agent_sync sync;
	struct kp_state *st;		/* NULL until the first complete view */
	CURLM *multi;
	struct k8s_conn conn;
	struct k8s_client *k8s;
	int sigfd, inofd, wd;
	bool dirty;			/* the state changed since the last sync */
	bool synced_once;
	uint64_t sync_at;		/* UINT64_MAX: none due */
	uint64_t retry_at;		/* after a failed sync: not before */
	uint64_t reload_at;		/* files changed: read them then */
	uint64_t resync_at;
	char *rv_stored;		/* what --resource-version-file holds */
	int rv_store_err;		/* the last failure to write it */
	unsigned int sync_failures;
	int stop;			/* the signal that ends the loop */
	struct agent_health_state hs;	/* what /healthz answers from */
	struct agent_health *health;	/* NULL without --healthz-... */
	struct agent_hc *hc;		/* NULL with --once */
};

static void schedule(struct agent *a, uint64_t at)
{
	if (at < a->sync_at)
		a->sync_at = at;
}

static void changed(struct agent *a, uint64_t now)
{
	a->dirty = true;
	agent_sync_input_changed(&a->sync);
	/*
	 * The first change of a batch sets the time; later ones wait. After
	 * a failure, the backoff holds.
	 */
	now += a->o->sync_delay;
	schedule(a, now > a->retry_at ? now : a->retry_at);
}

/* --from-file: load everything again; keep the old state on failure. */
static int reload(struct agent *a, uint64_t now)
{
	struct kp_state *st;
	char why[512];
	int err;

	err = agent_file_load(a->o->from_file, &st, NULL, why, sizeof(why));
	if (!err) {
		err = kp_state_allow_external_ips(st, a->o->extip_allow,
						  a->o->n_extip_allow);
		if (err) {
			kp_state_free(st);
			snprintf(why, sizeof(why), "out of memory");
		}
	}
	if (err) {
		agent_log(AGENT_LOG_ERROR, "%s%s", why,
			  a->st ? "; keeping the rules of the last good files" :
			  "; nothing applied");
		return err;
	}
	kp_state_free(a->st);
	a->st = st;
	changed(a, now);
	return 0;
}

static bool ready(const struct agent *a)
{
	if (!a->st)
		return false;
	return !a->k8s || k8s_client_synced(a->k8s);
}

/*
 * The kernel now reflects the API server up to k8s_client_rv(): keep that
 * for a restarted agent. A failure is logged, once per kind of failure
 * until it works again, and costs only that guard.
 */
static void store_rv(struct agent *a)
{
	const char *rv;
	char *copy;
	int err;

	if (!a->o->rv_file || !a->k8s)
		return;
	rv = k8s_client_rv(a->k8s);
	if (!rv || (a->rv_stored && !strcmp(rv, a->rv_stored)))
		return;
	err = agent_rv_store(a->o->rv_file, rv);
	if (err) {
		if (err != a->rv_store_err)
			agent_log(AGENT_LOG_WARN, "%s: %s", a->o->rv_file,
				  strerror(-err));
		a->rv_store_err = err;
		return;
	}
	a->rv_store_err = 0;
	copy = strdup(rv);
	if (copy) {
		free(a->rv_stored);
		a->rv_stored = copy;
	}
}

/* The floor a previous agent left: no older list is taken. */
static int load_rv(struct agent *a)
{
	char why[256], *rv;
	int err;

	if (!a->o->rv_file)
		return 0;
	err = agent_rv_load(a->o->rv_file, &rv, why, sizeof(why));
	if (err == -ENOENT)
		return 0;
	if (err == -ENOMEM)
		return err;
	if (err) {
		/* Ours, so unexpected: say so, and go on without it. */
		agent_log(AGENT_LOG_WARN, "%s: %s: ignored", a->o->rv_file,
			  why);
		return 0;
	}
	err = k8s_client_set_floor(a->k8s, rv);
	if (!err)
		agent_log(AGENT_LOG_INFO, "taking no list older than resourceVersion %s (%s)",
			  rv, a->o->rv_file);
	a->rv_stored = rv;
	return err;
}

static int do_sync(struct agent *a, uint64_t now)
{
	unsigned long errors, before;
	const char *msg;
	int err;

	a->sync_at = UINT64_MAX;
	agent_log_last_error(&before);
	err = agent_sync_run(&a->sync, a->st);
	if (err) {
		uint64_t ms = SYNC_BACKOFF_MIN;
		unsigned int i;

		for (i = 0; i < a->sync_failures && ms < SYNC_BACKOFF_MAX; i++)
			ms *= 2;
		if (ms > SYNC_BACKOFF_MAX)
			ms = SYNC_BACKOFF_MAX;
		a->sync_failures++;
		a->retry_at = now + agent_jitter(ms, 20);
		schedule(a, a->retry_at);
		/* What the sync logged says more than the errno. */
		msg = agent_log_last_error(&errors);
		snprintf(a->hs.last_error, sizeof(a->hs.last_error), "%s",
			 errors != before ? msg : strerror(-err));
		a->hs.failures = a->sync_failures;
		return err;
	}
	a->retry_at = 0;
	a->dirty = false;
	a->synced_once = true;
	a->sync_failures = 0;
	store_rv(a);
	if (a->hc && agent_hc_update(a->hc, a->sync.hcs, a->sync.n_hcs))
		agent_log(AGENT_LOG_ERROR, "updating the health check node ports: %s",
			  strerror(ENOMEM));
	a->hs = (struct agent_health_state){
		.synced = true,
		.last_sync_wall = agent_wall_ms(),
		.generation = a->sync.applied_gen,
		.api_failing_since = a->hs.api_failing_since,
	};
	return 0;
}

/* Every --resync seconds: did another writer change the kernel? */
static void resync(struct agent *a, uint64_t now)
{
	bool moved;

	a->resync_at = a->o->resync ? now + a->o->resync * 1000ULL :
		       UINT64_MAX;
	if (!a->synced_once || a->sync_at != UINT64_MAX)
		return;
	if (agent_sync_check(&a->sync, &moved) || moved) {
		agent_log(AGENT_LOG_WARN, "the kernel's rule set is not the one we applied: syncing again");
		a->sync.have_applied = false;
		a->dirty = true;
		schedule(a, now);
	}
}

static int setup_signals(struct agent *a)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	a->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return a->sigfd < 0 ? -errno : 0;
}

static void read_signals(struct agent *a, uint64_t now)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			/* Re-read the files, or compare with the kernel. */
			agent_log(AGENT_LOG_INFO, "SIGHUP: syncing again");
			a->sync.have_applied = false;
			if (a->o->from_file)
				reload(a, now);
			else
				changed(a, now);
			continue;
		}
		a->stop = si.ssi_signo;
	}
}

static int setup_health(struct agent *a)
{
	int err;

	if (!a->o->once) {
		err = agent_hc_new(&a->hs, a->o->health_timeout * 1000ULL,
				   &a->hc);
		if (err) {
			agent_log(AGENT_LOG_ERROR, "setting up: %s",
				  strerror(-err));
			return err;
		}
	}
	if (!a->o->health_bind)
		return 0;
	err = agent_health_start((const struct sockaddr *)&a->o->health_addr,
				 &a->hs, a->o->health_timeout * 1000ULL,
				 &a->health);
	if (err) {
		agent_log(AGENT_LOG_ERROR, "cannot serve /healthz on %s: %s",
			  a->o->health_bind, strerror(-err));
		return err;
	}
	agent_log(AGENT_LOG_INFO, "serving /healthz and /readyz on %s",
		  a->o->health_bind);
	return 0;
}

static int setup_source(struct agent *a)
{
	struct k8s_opts ko;
	char why[512];
	int err;

	if (a->o->from_file) {
		if (!a->o->once) {
			a->inofd = agent_file_watch(a->o->from_file, &a->wd);
			if (a->inofd < 0) {
				agent_log(AGENT_LOG_ERROR, "watching %s: %s",
					  a->o->from_file,
					  strerror(-a->inofd));
				return a->inofd;
			}
		}
		err = reload(a, agent_now_ms());
		/* A daemon waits for the files to be fixed. */
		return a->o->once ? err : 0;
	}

	if (a->o->kubeconfig)
		err = k8s_conn_kubeconfig(a->o->kubeconfig, a->o->context,
					  &a->conn, why, sizeof(why));
	else
		err = k8s_conn_in_cluster(a->o->sa_dir, &a->conn, why,
					  sizeof(why));
	if (err) {
		agent_log(AGENT_LOG_ERROR, "%s%s%s",
			  a->o->kubeconfig ? a->o->kubeconfig : "",
			  a->o->kubeconfig ? ": " : "", why);
		return err;
	}
	a->st = kp_state_new();
	if (!a->st || kp_state_allow_external_ips(a->st, a->o->extip_allow,
						  a->o->n_extip_allow))
		return -ENOMEM;
	k8s_opts_default(&ko);
	if (a->o->watch_timeout)
		ko.watch_timeout = a->o->watch_timeout;
	if (a->o->idle_timeout)
		ko.idle_timeout = a->o->idle_timeout;
	if (a->o->request_timeout)
		ko.request_timeout = a->o->request_timeout;
	err = k8s_client_new(&a->conn, &ko, a->multi, a->st, &a->k8s);
	if (!err)
		err = load_rv(a);
	if (err)
		return err;
	k8s_client_set_watch(a->k8s, !a->o->once);
	agent_log(AGENT_LOG_INFO, "watching %s for node %s", a->conn.server,
		  a->o->node_name);
	return 0;
}

/* The kinds not listed yet, for the --once timeout message. */
static void unsynced(const struct agent *a, char *buf, size_t len)
{
	size_t off = 0;
	int k, n;

	buf[0] = '\0';
	for (k = 0; a->k8s && k < __K8S_KINDS; k++) {
		if (k8s_client_kind_synced(a->k8s, k))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
			     k8s_kind_resource(k));
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += n;
	}
	if (off && off + 12 < len)
		snprintf(buf + off, len - off, " not listed");
}

static long min_timeout(long a, long b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static long until(uint64_t at, uint64_t now)
{
	if (at == UINT64_MAX)
		return -1;
	return at <= now ? 0 : (long)(at - now > 60000 ? 60000 : at - now);
}

static int loop(struct agent *a)
{
	uint64_t now = agent_now_ms();
	uint64_t deadline = a->o->once && a->o->timeout ?
			    now + a->o->timeout * 1000ULL : UINT64_MAX;
	struct curl_waitfd fds[4];
	long timeout, ct;
	unsigned int nfds;
	int running, err;
	char why[256];
	bool lost;

	a->resync_at = a->o->resync ? now + a->o->resync * 1000ULL :
		       UINT64_MAX;
	for (;;) {
		now = agent_now_ms();
		if (a->stop)
			return 0;
		/* Health counts the wait from the first complete view on. */
		if (a->dirty && ready(a) && !a->hs.pending_since)
			a->hs.pending_since = now;
		if (ready(a) && a->dirty && now >= a->sync_at) {
			err = do_sync(a, now);
			if (a->o->once) {
				if (err)
					return err;
				err = agent_sync_verify(&a->sync);
				if (err)
					agent_log(AGENT_LOG_ERROR, "the kernel does not hold the rule set after the commit: %s",
						  err == -EAGAIN ?
						  "another writer changed it" :
						  strerror(-err));
				return err;
			}
			continue;
		}
		if (now >= a->reload_at) {
			a->reload_at = UINT64_MAX;
			reload(a, now);
			continue;
		}
		if (now >= a->resync_at)
			resync(a, now);
		if (now >= deadline) {
			unsynced(a, why, sizeof(why));
			agent_log(AGENT_LOG_ERROR, "--once: timed out after %u s%s%s",
				  a->o->timeout, why[0] ? ": " : "", why);
			return -ETIMEDOUT;
		}

		timeout = until(a->dirty && ready(a) ? a->sync_at : UINT64_MAX,
				now);
		timeout = min_timeout(timeout, until(a->resync_at, now));
		timeout = min_timeout(timeout, until(a->reload_at, now));
		timeout = min_timeout(timeout, until(deadline, now));
		if (a->k8s)
			timeout = min_timeout(timeout,
					      k8s_client_timeout(a->k8s, now));
		if (curl_multi_timeout(a->multi, &ct) == CURLM_OK)
			timeout = min_timeout(timeout, ct);
		if (a->health)
			timeout = min_timeout(timeout,
					      agent_health_timeout(a->health));
		if (a->hc)
			timeout = min_timeout(timeout,
					      agent_hc_timeout(a->hc));
		if (timeout < 0)
			timeout = 60000;

		nfds = 0;
		fds[nfds++] = (struct curl_waitfd){
			.fd = a->sigfd, .events = CURL_WAIT_POLLIN,
		};
		if (a->inofd >= 0)
			fds[nfds++] = (struct curl_waitfd){
				.fd = a->inofd, .events = CURL_WAIT_POLLIN,
			};
		if (a->health)
			fds[nfds++] = (struct curl_waitfd){
				.fd = agent_health_fd(a->health),
				.events = CURL_WAIT_POLLIN,
			};
		if (a->hc)
			fds[nfds++] = (struct curl_waitfd){
				.fd = agent_hc_fd(a->hc),
				.events = CURL_WAIT_POLLIN,
			};
		if (curl_multi_poll(a->multi, fds, nfds, (int)timeout,
				    NULL) != CURLM_OK) {
			agent_log(AGENT_LOG_ERROR, "curl_multi_poll failed");
			return -EIO;
		}
		now = agent_now_ms();
		if (fds[0].revents)
			read_signals(a, now);
		if (a->inofd >= 0 && fds[1].revents &&
		    agent_file_changed(a->inofd, a->o->from_file, &lost)) {
			if (lost) {
				close(a->inofd);
				a->inofd = agent_file_watch(a->o->from_file,
							    &a->wd);
				if (a->inofd < 0)
					agent_log(AGENT_LOG_ERROR, "watching %s again: %s",
						  a->o->from_file,
						  strerror(-a->inofd));
			}
			/* Let a writer finish: read once it went quiet. */
			agent_log(AGENT_LOG_DEBUG, "%s changed",
				  a->o->from_file);
			a->reload_at = now + FILE_SETTLE;
		}
		/* Cheap when idle; also expires its idle connections. */
		if (a->health)
			agent_health_run(a->health);
		if (a->hc)
			agent_hc_run(a->hc);
		curl_multi_perform(a->multi, &running);
		if (a->k8s) {
			k8s_client_process(a->k8s, now);
			if (k8s_client_take_changed(a->k8s))
				changed(a, now);
			a->hs.api_failing_since =
				k8s_client_failing_since(a->k8s);
		}
		/* The first complete view is synced even if it is empty. */
		if (!a->synced_once && !a->dirty && ready(a))
			changed(a, now);
	}
}

int agent_run(const struct agent_opts *o)
{
	struct agent a = {
		.o = o, .sigfd = -1, .inofd = -1, .sync_at = UINT64_MAX,
		.reload_at = UINT64_MAX,
	};
	int err;

	srandom(agent_now_ms() ^ (getpid() << 16));
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		agent_log(AGENT_LOG_ERROR, "cannot initialise libcurl");
		return 1;
	}
	err = agent_sync_init(&a.sync, o->node_name, &o->config);
	if (!err)
		err = setup_signals(&a);
	if (err) {
		agent_log(AGENT_LOG_ERROR, "setting up: %s", strerror(-err));
		goto out;
	}
	err = setup_health(&a);
	if (err)
		goto out;
	a.multi = curl_multi_init();
	if (!a.multi) {
		err = -ENOMEM;
		goto out;
	}
	err = setup_source(&a);
	if (err)
		goto out;
	err = loop(&a);
	if (a.stop)
		agent_log(AGENT_LOG_INFO, "exiting on %s; the kernel keeps generation %" PRIu64,
			  strsignal(a.stop), a.sync.applied_gen);
out:
	agent_health_stop(a.health);
	agent_hc_free(a.hc);
	k8s_client_free(a.k8s);
	k8s_conn_release(&a.conn);
	if (a.multi)
		curl_multi_cleanup(a.multi);
	kp_state_free(a.st);
	agent_sync_release(&a.sync);
	free(a.rv_stored);
	if (a.sigfd >= 0)
		close(a.sigfd);
	if (a.inofd >= 0)
		close(a.inofd);
	curl_global_cleanup();
	return err ? 1 : 0;
}
