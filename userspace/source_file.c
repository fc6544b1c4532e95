// SPDX-License-Identifier: GPL-2.0
/*
 * --from-file: Kubernetes objects from a file or a directory, as kubectl
 * takes them: one JSON value (an object or a List, such as `kubectl get
 * ... -o json` prints), or a YAML stream of documents. Every load starts
 * from an empty state, so the files are the whole truth: what they no
 * longer hold is gone.
 *
 * A file that cannot be read or parsed fails the load as a whole (half a
 * view must never reach the kernel); an object the compiler cannot use is
 * only skipped. Changes are seen with inotify on the directory, so that
 * editors and `kubectl ... > file` (truncate, write) and atomic renames
 * (ConfigMap volumes swap a symlink) are all noticed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "array.h"
#include "kubenf_policy.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The whole of @path, NUL-terminated, at most AGENT_FILE_MAX_BYTES. */
static int read_all(const char *path, char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL, *p;
	ssize_t r;
	int fd, err = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (cap - n < 4096) {
			if (cap >= AGENT_FILE_MAX_BYTES + 4096) {
				err = -EFBIG;
				break;
			}
			cap = cap ? 2 * cap : 65536;
			p = realloc(buf, cap + 1);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			buf = p;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	if (!err && n > AGENT_FILE_MAX_BYTES)
		err = -EFBIG;
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* JSON unless the name says YAML, or the content does not start as JSON. */
static bool looks_yaml(const char *name, const char *buf)
{
	if (ends_with(name, ".yaml") || ends_with(name, ".yml"))
		return true;
	if (ends_with(name, ".json"))
		return false;
	buf += strspn(buf, " \t\r\n");
	return *buf != '{' && *buf != '[';
}

static int add_doc(json_t *doc, const char *name, struct kp_state *st, struct kp_errors *errs, char *why,
		   size_t why_len)
{
	int err;

	/* A bare list of objects, as some tools write them. */
	if (json_is_array(doc)) {
		json_t *item;
		size_t i;

		json_array_foreach(doc, i, item) {
			err = add_doc(item, name, st, errs, why, why_len);
			if (err)
				return err;
		}
		return 0;
	}
	err = kp_state_add_json(st, doc, errs);
	if (err == -ENOMEM) {
		snprintf(why, why_len, "%s: out of memory", name);
		return err;
	}
	/* Bad or unknown objects are in @errs and in the state: go on. */
	return 0;
}

int agent_buf_load(const char *buf, size_t len, const char *name, bool yaml,
		   struct kp_state *st, struct kp_errors *errs, char *why,
		   size_t why_len)
{
	char reason[256];
	json_error_t jerr;
	json_t *docs, *doc;
	size_t i;
	int err;

	if (yaml) {
		err = agent_yaml_parse(buf, len, &docs, reason,
				       sizeof(reason));
		if (err == -EINVAL)
			snprintf(why, why_len, "%s: %s", name, reason);
		else if (err)
			snprintf(why, why_len, "%s: %s", name, strerror(-err));
		if (err)
			return err;
	} else {
		doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!doc) {
			snprintf(why, why_len, "%s:%d:%d: %s", name, jerr.line,
				 jerr.column, jerr.text);
			return -EINVAL;
		}
		docs = json_pack("[o]", doc);
		if (!docs)
			return -ENOMEM;
	}
	err = 0;
	json_array_foreach(docs, i, doc) {
		err = add_doc(doc, name, st, errs, why, why_len);
		if (err)
			break;
	}
	json_decref(docs);
	return err;
}

static int load_file(const char *path, struct kp_state *st,
		     struct kp_errors *errs, char *why, size_t why_len)
{
	size_t len = 0;
	char *buf;
	int err;

	err = read_all(path, &buf, &len);
	if (err) {
		snprintf(why, why_len, "%s: %s", path,
			 err == -EFBIG ? "larger than 64 MiB" : strerror(-err));
		return err;
	}
	err = agent_buf_load(buf, len, path, looks_yaml(path, buf), st, errs,
			     why, why_len);
	free(buf);
	return err;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool wanted(const char *name)
{
	return name[0] != '.' && (ends_with(name, ".json") ||
				  ends_with(name, ".yaml") ||
				  ends_with(name, ".yml"));
}

static int load_dir(const char *path, struct kp_state *st,
		    struct kp_errors *errs, char *why, size_t why_len)
{
	char **names = NULL, file[PATH_MAX];
	struct dirent *de;
	size_t n = 0, i;
	struct stat sb;
	int err = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir) {
		err = -errno;
		snprintf(why, why_len, "%s: %s", path, strerror(-err));
		return err;
	}
	while ((de = readdir(dir))) {
		char **slot;

		if (!wanted(de->d_name))
			continue;
		if (n >= AGENT_DIR_MAX_FILES) {
			snprintf(why, why_len, "%s: more than %d files", path,
				 AGENT_DIR_MAX_FILES);
			err = -EFBIG;
			break;
		}
		slot = kubenf_array_add(names, n);
		if (slot)
			*slot = strdup(de->d_name);
		if (!slot || !*slot) {
			if (slot)
				n--;
			err = -ENOMEM;
			break;
		}
	}
	closedir(dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; !err && i < n; i++) {
		if (snprintf(file, sizeof(file), "%s/%s", path, names[i]) >=
		    (int)sizeof(file)) {
			err = -ENAMETOOLONG;
			break;
		}
		/* Files only (symlinks to files count); subdirectories not. */
		if (stat(file, &sb) || !S_ISREG(sb.st_mode))
			continue;
		err = load_file(file, st, errs, why, why_len);
	}
	if (err == -ENOMEM && !why[0])
		snprintf(why, why_len, "%s: out of memory", path);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

int agent_file_load(const char *path, struct kp_state **out,
		    struct kp_errors *errs, char *why, size_t why_len)
{
	struct kp_state *st;
	struct stat sb;
	int err;

	*out = NULL;
	why[0] = '\0';
	st = kp_state_new();
	if (!st) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	if (stat(path, &sb)) {
		err = -errno;
		snprintf(why, why_len, "%s: %s", path, strerror(-err));
	} else if (S_ISDIR(sb.st_mode)) {
		err = load_dir(path, st, errs, why, why_len);
	} else {
		err = load_file(path, st, errs, why, why_len);
	}
	if (err) {
		kp_state_free(st);
		return err;
	}
	*out = st;
	return 0;
}

/* ---- watching ----------------------------------------------------------- */

int agent_file_watch(const char *path, int *wd)
{
	const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
			      IN_CREATE | IN_DELETE | IN_MODIFY |
			      IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
	char dir[PATH_MAX];
	struct stat sb;
	int fd, err;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	/* A file: its directory, where replacing it shows. */
	if (stat(path, &sb) || !S_ISDIR(sb.st_mode)) {
		char copy[PATH_MAX];

		snprintf(copy, sizeof(copy), "%s", path);
		snprintf(dir, sizeof(dir), "%s", dirname(copy));
	}
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	*wd = inotify_add_watch(fd, dir, mask);
	if (*wd < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

bool agent_file_changed(int fd, const char *path, bool *lost)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	char copy[PATH_MAX];
	const char *base;
	bool hit = false;
	struct stat sb;
	bool is_dir;
	ssize_t n;
	char *p;

	*lost = false;
	snprintf(copy, sizeof(copy), "%s", path);
	is_dir = !stat(path, &sb) && S_ISDIR(sb.st_mode);
	base = basename(copy);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			/* The directory went away: watch it again. */
			if (ev->mask & IN_IGNORED)
				*lost = true;
			/* The watched directory itself, or an overflow. */
			if (!ev->len || (ev->mask & IN_Q_OVERFLOW)) {
				hit = true;
				continue;
			}
			/* ..data: the symlink a ConfigMap volume swaps. */
			if (!strcmp(ev->name, "..data") ||
			    (is_dir ? wanted(ev->name) :
				      !strcmp(ev->name, base)))
				hit = true;
		}
	}
	return hit;
}
