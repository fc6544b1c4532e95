// SPDX-License-Identifier: GPL-2.0
/*
 * Where the API server is and how to prove who we are: a kubeconfig file
 * (--kubeconfig) or the pod's service account (in-cluster), as client-go's
 * rest.InClusterConfig() and clientcmd read them, for the parts a node
 * agent needs: server, CA (file or data), bearer token (inline or a file),
 * client certificate and key (files or data), basic authentication,
 * insecure-skip-tls-verify.
 */
#define _GNU_SOURCE		/* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "k8s.h"

#ifndef KUBENF_VERSION
#define KUBENF_VERSION "unknown"
#endif

#define SA_DIR		"/var/run/secrets/kubernetes.io/serviceaccount"
/* A kubeconfig or token larger than this is not one. */
#define CONFIG_MAX	(4u << 20)

void k8s_conn_release(struct k8s_conn *c)
{
	free(c->server);
	free(c->ca_file);
	free(c->ca_data);
	free(c->token);
	free(c->token_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->cert_data);
	free(c->key_data);
	free(c->username);
	free(c->password);
	memset(c, 0, sizeof(*c));
}

/* Read a small file whole, NUL-terminated. */
static int slurp(const char *path, char **out, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf, *p;
	ssize_t r;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= CONFIG_MAX) {
				err = -EFBIG;
				break;
			}
			cap *= 2;
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
		if (r <= 0) {
			err = r < 0 ? -errno : 0;
			break;
		}
		n += r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int k8s_base64_decode(const char *in, char **out, size_t *len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 0, bits = 0;
	uint32_t acc = 0;
	const char *p;
	char *buf;

	buf = malloc(strlen(in) / 4 * 3 + 4);
	if (!buf)
		return -ENOMEM;
	for (p = in; *p; p++) {
		const char *c;

		if (*p == '=')
			break;
		if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
			continue;
		c = strchr(alphabet, *p);
		if (!c) {
			free(buf);
			return -EINVAL;
		}
		acc = acc << 6 | (uint32_t)(c - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = acc >> bits & 0xff;
		}
	}
	for (; *p; p++) {
		if (*p != '=' && *p != '\n' && *p != '\r' && *p != ' ') {
			free(buf);
			return -EINVAL;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int fail(char *why, size_t len, int err, const char *fmt,
		const char *arg)
{
	snprintf(why, len, fmt, arg ?: "");
	return err;
}

/* The element of list @key of @cfg whose "name" is @name, its @member. */
static json_t *named(json_t *cfg, const char *key, const char *name,
		     const char *member)
{
	json_t *list = json_object_get(cfg, key), *e, *n;
	size_t i;

	json_array_foreach(list, i, e) {
		n = json_object_get(e, "name");
		if (json_is_string(n) && !strcmp(json_string_value(n), name))
			return json_object_get(e, member);
	}
	return NULL;
}

static const char *str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) && *json_string_value(v) ?
	       json_string_value(v) : NULL;
}

/* @file relative to @dir unless absolute. */
static char *path_in(const char *dir, const char *file)
{
	char *out;

	if (file[0] == '/')
		return strdup(file);
	return asprintf(&out, "%s/%s", dir, file) < 0 ? NULL : out;
}

/* A file member or its -data twin into @file / @data. */
static int file_or_data(json_t *obj, const char *file_key,
			const char *data_key, const char *dir, char **file,
			char **data, size_t *len, char *why, size_t why_len)
{
	const char *f = str(obj, file_key), *d = str(obj, data_key);

	if (d) {
		if (k8s_base64_decode(d, data, len))
			return fail(why, why_len, -EINVAL,
				    "kubeconfig: %s is not base64", data_key);
		return 0;
	}
	if (f)
		*file = path_in(dir, f);
	return f && !*file ? -ENOMEM : 0;
}

static int dup_to(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int k8s_conn_kubeconfig(const char *path, const char *context,
			struct k8s_conn *c, char *why, size_t why_len)
{
	json_t *docs = NULL, *cfg, *ctx, *cluster, *user, *v;
	char dir[PATH_MAX], copy[PATH_MAX], reason[256];
	const char *cname, *uname;
	size_t len;
	char *buf;
	int err;

	memset(c, 0, sizeof(*c));
	err = slurp(path, &buf, &len);
	if (err)
		return fail(why, why_len, err, "%s", strerror(-err));
	/* JSON is YAML: one parser for both. */
	err = agent_yaml_parse(buf, len, &docs, reason, sizeof(reason));
	free(buf);
	if (err)
		return fail(why, why_len, err, "%s",
			    err == -EINVAL ? reason : strerror(-err));
	cfg = json_array_get(docs, 0);
	if (!json_is_object(cfg)) {
		err = fail(why, why_len, -EINVAL, "not a kubeconfig%s", NULL);
		goto out;
	}
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir, sizeof(dir), "%s", dirname(copy));

	if (!context)
		context = str(cfg, "current-context");
	if (!context) {
		err = fail(why, why_len, -EINVAL, "no current-context%s", NULL);
		goto out;
	}
	ctx = named(cfg, "contexts", context, "context");
	if (!json_is_object(ctx)) {
		err = fail(why, why_len, -EINVAL, "no context \"%s\"", context);
		goto out;
	}
	cname = str(ctx, "cluster");
	uname = str(ctx, "user");
	cluster = cname ? named(cfg, "clusters", cname, "cluster") : NULL;
	if (!json_is_object(cluster) || !str(cluster, "server")) {
		err = fail(why, why_len, -EINVAL,
			   "context \"%s\": no cluster with a server", context);
		goto out;
	}
	user = uname ? named(cfg, "users", uname, "user") : NULL;

	err = dup_to(&c->server, str(cluster, "server"));
	if (err)
		goto out;
	len = strlen(c->server);
	while (len && c->server[len - 1] == '/')
		c->server[--len] = '\0';
	v = json_object_get(cluster, "insecure-skip-tls-verify");
	c->insecure = json_is_true(v);
	err = file_or_data(cluster, "certificate-authority",
			   "certificate-authority-data", dir, &c->ca_file,
			   &c->ca_data, &c->ca_len, why, why_len);
	if (err || !json_is_object(user))
		goto out;

	if (json_object_get(user, "exec") ||
	    json_object_get(user, "auth-provider")) {
		err = fail(why, why_len, -EOPNOTSUPP,
			   "user \"%s\": exec and auth-provider credentials are not supported (use a token or a client certificate)",
			   uname);
		goto out;
	}
	err = dup_to(&c->token, str(user, "token"));
	if (!err && str(user, "tokenFile")) {
		c->token_file = path_in(dir, str(user, "tokenFile"));
		if (!c->token_file)
			err = -ENOMEM;
	}
	if (!err)
		err = file_or_data(user, "client-certificate",
				   "client-certificate-data", dir,
				   &c->cert_file, &c->cert_data, &c->cert_len,
				   why, why_len);
	if (!err)
		err = file_or_data(user, "client-key", "client-key-data", dir,
				   &c->key_file, &c->key_data, &c->key_len,
				   why, why_len);
	if (!err)
		err = dup_to(&c->username, str(user, "username"));
	if (!err)
		err = dup_to(&c->password, str(user, "password"));
out:
	if (err == -ENOMEM)
		fail(why, why_len, err, "out of memory%s", NULL);
	if (err)
		k8s_conn_release(c);
	json_decref(docs);
	return err;
}

int k8s_conn_in_cluster(const char *sa_dir, struct k8s_conn *c, char *why,
			size_t why_len)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	int n;

	memset(c, 0, sizeof(*c));
	if (!host || !*host || !port || !*port)
		return fail(why, why_len, -ENOENT,
			    "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (use --kubeconfig or --from-file)%s",
			    NULL);
	sa_dir = sa_dir ?: SA_DIR;
	/* An IPv6 address needs brackets in a URL. */
	n = asprintf(&c->server, strchr(host, ':') ? "https://[%s]:%s" :
			"https://%s:%s", host, port);
	if (n < 0 || asprintf(&c->token_file, "%s/token", sa_dir) < 0 ||
	    asprintf(&c->ca_file, "%s/ca.crt", sa_dir) < 0) {
		k8s_conn_release(c);
		return fail(why, why_len, -ENOMEM, "out of memory%s", NULL);
	}
	if (access(c->token_file, R_OK)) {
		n = -errno;
		fail(why, why_len, n, "%s", c->token_file);
		snprintf(why + strlen(why), why_len - strlen(why), ": %s",
			 strerror(-n));
		k8s_conn_release(c);
		return n;
	}
	return 0;
}

/* The token of @c: inline, or the file's content without white space. */
static int token(const struct k8s_conn *c, char **out, char *why,
		 size_t why_len)
{
	char *t;
	size_t n;
	int err;

	*out = NULL;
	if (c->token) {
		*out = strdup(c->token);
		return *out ? 0 : -ENOMEM;
	}
	if (!c->token_file)
		return 0;
	err = slurp(c->token_file, &t, &n);
	if (err) {
		snprintf(why, why_len, "%s: %s", c->token_file,
			 strerror(-err));
		return err;
	}
	while (n && strchr(" \t\r\n", t[n - 1]))
		t[--n] = '\0';
	*out = t;
	return 0;
}

static struct curl_blob blob(const char *data, size_t len)
{
	return (struct curl_blob){
		.data = (void *)data,
		.len = len,
		.flags = CURL_BLOB_COPY,
	};
}

int k8s_conn_setup(const struct k8s_conn *c, CURL *h,
		   struct curl_slist **hdrs, char *why, size_t why_len)
{
	struct curl_slist *list = NULL, *next;
	char *tok = NULL, *auth = NULL;
	struct curl_blob b;
	int err;

	*hdrs = NULL;
	err = token(c, &tok, why, why_len);
	if (err)
		return err;
	next = curl_slist_append(list, "Accept: application/json");
	if (next) {
		list = next;
		/* The token goes in a header, never into a log line. */
		if (tok && *tok &&
		    asprintf(&auth, "Authorization: Bearer %s", tok) >= 0) {
			next = curl_slist_append(list, auth);
			explicit_bzero(auth, strlen(auth));
			free(auth);
		} else if (tok && *tok) {
			next = NULL;
		}
	}
	if (tok)
		explicit_bzero(tok, strlen(tok));
	free(tok);
	if (!next) {
		curl_slist_free_all(list);
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	list = next;

	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_USERAGENT,
			 AGENT_PROG "/" KUBENF_VERSION);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 10L);
	/* Share one HTTP/2 connection among the watches when possible. */
	curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->ca_data) {
		b = blob(c->ca_data, c->ca_len);
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
	} else if (c->ca_file) {
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	}
	if (c->cert_data) {
		b = blob(c->cert_data, c->cert_len);
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &b);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	} else if (c->cert_file) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
	}
	if (c->key_data) {
		b = blob(c->key_data, c->key_len);
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &b);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	} else if (c->key_file) {
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
	}
	if (c->username) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
		curl_easy_setopt(h, CURLOPT_PASSWORD,
				 c->password ? c->password : "");
	}
	*hdrs = list;
	return 0;
}
