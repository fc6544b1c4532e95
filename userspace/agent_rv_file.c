// SPDX-License-Identifier: GPL-2.0
/*
 * --resource-version-file: the newest resourceVersion of the API server
 * the kernel's rule set reflects, kept across agent restarts so that a
 * restarted agent does not take an older view (a lagging API server
 * replica or cache) for the truth and roll the kernel back.
 *
 * The file holds one decimal number and a newline; it is replaced whole
 * (written beside it, then renamed), so a reader sees the old or the new
 * number, never a mix. It belongs on a file system that lives as long as
 * the kernel's rule set, /run being the natural place: a reboot empties
 * both. After an etcd restore from a backup (the cluster's
 * resourceVersions go back), delete it.
 */
#define _GNU_SOURCE		/* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

/* Longer than any etcd revision (a 64-bit number) will ever be. */
#define RV_MAX_LEN	40

static bool rv_valid(const char *rv, size_t len)
{
	size_t i;

	if (!len || len > RV_MAX_LEN || (len > 1 && rv[0] == '0'))
		return false;
	for (i = 0; i < len; i++)
		if (rv[i] < '0' || rv[i] > '9')
			return false;
	return true;
}

int agent_rv_load(const char *path, char **rv, char *why, size_t why_len)
{
	char buf[RV_MAX_LEN + 2];
	ssize_t n;
	int fd, err;

	*rv = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, why_len, "%s", strerror(errno));
		return err;
	}
	n = read(fd, buf, sizeof(buf));
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err) {
		snprintf(why, why_len, "%s", strerror(-err));
		return err;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (!rv_valid(buf, n)) {
		snprintf(why, why_len, "not a resourceVersion");
		return -EINVAL;
	}
	*rv = strndup(buf, n);
	if (!*rv) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int agent_rv_store(const char *path, const char *rv)
{
	size_t len = strlen(rv);
	char *tmp = NULL;
	int fd, err = 0;

	if (!rv_valid(rv, len))
		return -EINVAL;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	errno = 0;
	if (dprintf(fd, "%s\n", rv) != (int)len + 1) {
		err = errno ? -errno : -EIO;
		close(fd);
		goto out_unlink;
	}
	if (close(fd)) {
		err = -errno;
		goto out_unlink;
	}
	if (rename(tmp, path))
		err = -errno;
	else
		goto out;
out_unlink:
	unlink(tmp);
out:
	free(tmp);
	return err;
}
