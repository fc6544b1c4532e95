// SPDX-License-Identifier: GPL-2.0
/*
 * JSON -> model: helpers, the node configuration and the apply document.
 * Services are in json_svc.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/kubenf.h>

#include "json.h"

static const char *type_name(const json_t *json)
{
	switch (json_typeof(json)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* "@path.@key", or @key at the top. */
static const char *member(char *buf, size_t len, const char *path,
			  const char *key)
{
	snprintf(buf, len, "%s%s%s", path, *path ? "." : "", key);
	return buf;
}

int kubenf_json_want_object(const json_t *json, const char *path,
			    struct kubenf_err *err)
{
	if (!json_is_object(json))
		return kubenf_errf(err, "%s: expected an object, not %s", path,
				   type_name(json));
	return 0;
}

int kubenf_json_check_keys(const json_t *json, const char *path,
			   const char *const *keys, struct kubenf_err *err)
{
	const char *key, *const *k;
	json_t *value;

	json_object_foreach((json_t *)json, key, value) {
		for (k = keys; *k; k++)
			if (!strcmp(key, *k))
				break;
		if (!*k)
			return kubenf_errf(err, "%s: unknown key \"%s\"",
					   *path ? path : "document", key);
	}
	return 0;
}

int kubenf_json_get(const json_t *json, const char *path, const char *key,
		    bool required, const json_t **out,
		    struct kubenf_err *err)
{
	char where[256];

	*out = json_object_get(json, key);
	if (!*out && required)
		return kubenf_errf(err, "%s: missing",
				   member(where, sizeof(where), path, key));
	return 0;
}

int kubenf_json_get_u32(const json_t *json, const char *path,
			const char *key, bool required, uint32_t min,
			uint32_t max, uint32_t *out, bool *present,
			struct kubenf_err *err)
{
	const json_t *v;
	char where[256];
	json_int_t n;

	if (present)
		*present = false;
	if (kubenf_json_get(json, path, key, required, &v, err))
		return -EINVAL;
	if (!v)
		return 0;
	n = json_is_integer(v) ? json_integer_value(v) : -1;
	if (!json_is_integer(v) || n < min || n > max)
		return kubenf_errf(err, "%s: expected an integer %u-%u",
				   member(where, sizeof(where), path, key), min,
				   max);
	*out = n;
	if (present)
		*present = true;
	return 0;
}

int kubenf_json_get_str(const json_t *json, const char *path,
			const char *key, bool required, const char **out,
			struct kubenf_err *err)
{
	const json_t *v;
	char where[256];

	*out = NULL;
	if (kubenf_json_get(json, path, key, required, &v, err))
		return -EINVAL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return kubenf_errf(err, "%s: expected a string, not %s",
				   member(where, sizeof(where), path, key),
				   type_name(v));
	/* Kernel strings end at the first NUL: refuse one inside. */
	if (strlen(json_string_value(v)) != json_string_length(v))
		return kubenf_errf(err, "%s: NUL character in the string",
				   member(where, sizeof(where), path, key));
	*out = json_string_value(v);
	return 0;
}

/* The list under @key, or NULL when absent. */
static int get_list(const json_t *json, const char *path, const char *key,
		    const json_t **out, struct kubenf_err *err)
{
	char where[256];

	if (kubenf_json_get(json, path, key, false, out, err))
		return -EINVAL;
	if (*out && !json_is_array(*out))
		return kubenf_errf(err, "%s: expected a list, not %s",
				   member(where, sizeof(where), path, key),
				   type_name(*out));
	return 0;
}

int kubenf_json_get_flags(const json_t *json, const char *path,
			  const char *key,
			  const struct kubenf_flag_name *names,
			  const char *what, uint32_t *out, bool *present,
			  struct kubenf_err *err)
{
	char where[256], elem[300];
	const json_t *list, *v;
	uint32_t flags = 0;
	size_t i;

	*present = false;
	if (get_list(json, path, key, &list, err))
		return -EINVAL;
	if (!list)
		return 0;
	member(where, sizeof(where), path, key);
	json_array_foreach(list, i, v) {
		snprintf(elem, sizeof(elem), "%s[%zu]", where, i);
		if (!json_is_string(v))
			return kubenf_errf(err, "%s: expected a string, not %s",
					   elem, type_name(v));
		if (kubenf_flag_parse(json_string_value(v), names, &flags,
				      what, err))
			return kubenf_err_prefix(err, "%s", elem);
	}
	*out = flags;
	*present = true;
	return 0;
}

int kubenf_json_get_cidrs(const json_t *json, const char *path,
			  const char *key, bool host_only,
			  struct kubenf_cidr *(*add)(void *obj), void *obj,
			  struct kubenf_err *err)
{
	char where[256], elem[300];
	const json_t *list, *v;
	struct kubenf_cidr *c;
	size_t i;

	if (get_list(json, path, key, &list, err))
		return -EINVAL;
	if (!list)
		return 0;
	member(where, sizeof(where), path, key);
	json_array_foreach(list, i, v) {
		snprintf(elem, sizeof(elem), "%s[%zu]", where, i);
		if (!json_is_string(v))
			return kubenf_errf(err, "%s: expected a string, not %s",
					   elem, type_name(v));
		c = add(obj);
		if (!c)
			return -ENOMEM;
		if (kubenf_cidr_parse(json_string_value(v), c, err))
			return kubenf_err_prefix(err, "%s", elem);
		if (host_only &&
		    c->prefix != kubenf_addr_bits(c->addr.family))
			return kubenf_errf(err, "%s: \"%s\" is a prefix; expected an address",
					   elem, json_string_value(v));
	}
	return 0;
}

static struct kubenf_cidr *add_node_addr(void *cfg)
{
	return kubenf_config_add_node_addr(cfg);
}

static struct kubenf_cidr *add_cluster_cidr(void *cfg)
{
	return kubenf_config_add_cluster_cidr(cfg);
}

static struct kubenf_cidr *add_pod_cidr(void *cfg)
{
	return kubenf_config_add_pod_cidr(cfg);
}

int kubenf_json_config(const json_t *json, const char *path,
		       struct kubenf_config *cfg, struct kubenf_err *err)
{
	static const char *const keys[] = {
		"flags", "node_addresses", "cluster_cidrs", "pod_cidrs",
		"node_name", NULL
	};
	const char *name;
	char where[256];
	bool present;
	int ret;

	if (kubenf_json_want_object(json, path, err) ||
	    kubenf_json_check_keys(json, path, keys, err))
		return -EINVAL;
	if (kubenf_json_get_flags(json, path, "flags", kubenf_cfg_flag_names,
				  "configuration flag", &cfg->flags, &present,
				  err))
		return -EINVAL;
	if (present)
		cfg->has |= KUBENF_CFG_HAS_FLAGS;
	ret = kubenf_json_get_cidrs(json, path, "node_addresses", true,
				    add_node_addr, cfg, err);
	if (!ret)
		ret = kubenf_json_get_cidrs(json, path, "cluster_cidrs", false,
					    add_cluster_cidr, cfg, err);
	if (!ret)
		ret = kubenf_json_get_cidrs(json, path, "pod_cidrs", false,
					    add_pod_cidr, cfg, err);
	if (!ret)
		ret = kubenf_json_get_str(json, path, "node_name", false,
					  &name, err);
	if (ret || !name)
		return ret;
	if (strlen(name) >= sizeof(cfg->node_name))
		return kubenf_errf(err, "%s: longer than %d bytes",
				   member(where, sizeof(where), path,
					 "node_name"),
				   KUBENF_NAME_MAX - 1);
	strcpy(cfg->node_name, name);
	cfg->has |= KUBENF_CFG_HAS_NODE_NAME;
	return 0;
}

static int doc_services(const json_t *list, struct kubenf_doc *doc,
			struct kubenf_err *err)
{
	struct kubenf_service *svc;
	const json_t *v;
	char path[64];
	size_t i;

	if (!json_is_array(list))
		return kubenf_errf(err, "services: expected a list, not %s",
				   type_name(list));
	json_array_foreach(list, i, v) {
		snprintf(path, sizeof(path), "services[%zu]", i);
		svc = kubenf_svc_list_add(&doc->services);
		if (!svc)
			return -ENOMEM;
		if (kubenf_json_service(v, path, svc, err))
			return -EINVAL;
	}
	if (!kubenf_svc_list_finish(&doc->services))
		return 0;
	/* Sorted: the duplicates are neighbours. */
	for (i = 1; i < doc->services.n; i++)
		if (doc->services.svc[i].id == doc->services.svc[i - 1].id)
			break;
	return kubenf_errf(err, "services: id %u appears twice",
			   doc->services.svc[i].id);
}

int kubenf_json_doc(const json_t *json, struct kubenf_doc *doc,
		    struct kubenf_err *err)
{
	static const char *const keys[] = { "config", "services", NULL };
	const json_t *v;

	if (json_is_array(json))
		return doc_services(json, doc, err);
	if (!json_is_object(json))
		return kubenf_errf(err, "expected an object with \"config\" and \"services\", or a list of services, not %s",
				   type_name(json));
	if (kubenf_json_check_keys(json, "", keys, err))
		return -EINVAL;
	v = json_object_get(json, "config");
	if (v) {
		doc->has_config = true;
		if (kubenf_json_config(v, "config", &doc->config, err))
			return -EINVAL;
	}
	v = json_object_get(json, "services");
	return v ? doc_services(v, doc, err) : 0;
}

int kubenf_json_doc_load(const char *name, struct kubenf_doc *doc,
			 struct kubenf_err *err)
{
	const size_t flags = JSON_REJECT_DUPLICATES;
	json_error_t jerr;
	json_t *json;
	int ret;

	if (!strcmp(name, "-"))
		json = json_loadf(stdin, flags, &jerr);
	else
		json = json_load_file(name, flags, &jerr);
	if (!json) {
		if (jerr.line > 0)
			return kubenf_errf(err, "%s:%d:%d: %s",
					   strcmp(name, "-") ? name : "<stdin>",
					   jerr.line, jerr.column, jerr.text);
		return kubenf_errf(err, "%s", jerr.text);
	}
	ret = kubenf_json_doc(json, doc, err);
	json_decref(json);
	return ret;
}

void kubenf_doc_release(struct kubenf_doc *doc)
{
	kubenf_config_release(&doc->config);
	kubenf_svc_list_release(&doc->services);
	memset(doc, 0, sizeof(*doc));
}
