// SPDX-License-Identifier: GPL-2.0
/* JSON -> struct kubenf_service: the objects of kubenfctl svc show -o json. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/kubenf.h>

#include "json.h"

static int json_fe(const json_t *json, const char *path,
		   struct kubenf_frontend *fe, struct kubenf_err *err)
{
	static const char *const keys[] = {
		"kind", "protocol", "address", "family", "port", NULL
	};
	const char *kind, *proto, *addr, *family;
	uint32_t port;

	if (kubenf_json_want_object(json, path, err) ||
	    kubenf_json_check_keys(json, path, keys, err) ||
	    kubenf_json_get_str(json, path, "kind", true, &kind, err) ||
	    kubenf_json_get_str(json, path, "protocol", true, &proto, err) ||
	    kubenf_json_get_str(json, path, "address", false, &addr, err) ||
	    kubenf_json_get_str(json, path, "family", false, &family, err) ||
	    kubenf_json_get_u32(json, path, "port", true, 1, UINT16_MAX,
				&port, NULL, err))
		return -EINVAL;
	if (kubenf_fe_kind_parse(kind, &fe->kind, err))
		return kubenf_err_prefix(err, "%s.kind", path);
	if (kubenf_proto_parse(proto, &fe->proto, err))
		return kubenf_err_prefix(err, "%s.protocol", path);
	fe->port = port;

	/* A node port has no address: the node's, of one family. */
	if (fe->kind == KUBENF_FE_NODE_PORT) {
		if (addr)
			return kubenf_errf(err, "%s.address: a nodeport frontend has no address (give \"family\")",
					   path);
		if (!family)
			return kubenf_errf(err, "%s.family: missing (\"ipv4\" or \"ipv6\" for a nodeport frontend)",
					   path);
		if (kubenf_family_parse(family, &fe->addr.family, err))
			return kubenf_err_prefix(err, "%s.family", path);
		return 0;
	}
	if (family)
		return kubenf_errf(err, "%s.family: only nodeport frontends have a family (others have \"address\")",
				   path);
	if (!addr)
		return kubenf_errf(err, "%s.address: missing", path);
	if (kubenf_addr_parse(addr, &fe->addr, err))
		return kubenf_err_prefix(err, "%s.address", path);
	return 0;
}

static int json_be(const json_t *json, const char *path,
		   struct kubenf_backend *be, struct kubenf_err *err)
{
	static const char *const keys[] = {
		"address", "port", "flags", "connections", NULL
	};
	const char *addr;
	bool present;
	uint32_t port;

	if (kubenf_json_want_object(json, path, err) ||
	    kubenf_json_check_keys(json, path, keys, err) ||
	    kubenf_json_get_str(json, path, "address", true, &addr, err) ||
	    kubenf_json_get_u32(json, path, "port", true, 1, UINT16_MAX,
				&port, NULL, err) ||
	    kubenf_json_get_flags(json, path, "flags", kubenf_be_flag_names,
				  "backend flag", &be->flags, &present, err))
		return -EINVAL;
	if (kubenf_addr_parse(addr, &be->addr, err))
		return kubenf_err_prefix(err, "%s.address", path);
	be->port = port;
	/* As on the command line: a backend is ready unless told. */
	if (!present)
		be->flags = KUBENF_BE_F_READY | KUBENF_BE_F_SERVING;
	be->has |= KUBENF_BE_HAS_FLAGS;
	return 0;
}

/* Each element of the list @key of @json, by @fn into a new element. */
static int json_list(const json_t *json, const char *path, const char *key,
		     struct kubenf_service *svc,
		     int (*fn)(const json_t *json, const char *path,
			       struct kubenf_service *svc,
			       struct kubenf_err *err),
		     struct kubenf_err *err)
{
	const json_t *list, *v;
	char elem[256];
	size_t i;
	int ret;

	if (kubenf_json_get(json, path, key, false, &list, err))
		return -EINVAL;
	if (!list)
		return 0;
	if (!json_is_array(list))
		return kubenf_errf(err, "%s.%s: expected a list", path, key);
	json_array_foreach(list, i, v) {
		snprintf(elem, sizeof(elem), "%s.%s[%zu]", path, key, i);
		ret = fn(v, elem, svc, err);
		if (ret)
			return ret;
	}
	return 0;
}

static int add_fe(const json_t *json, const char *path,
		  struct kubenf_service *svc, struct kubenf_err *err)
{
	struct kubenf_frontend *fe = kubenf_svc_add_fe(svc);

	return fe ? json_fe(json, path, fe, err) : -ENOMEM;
}

static int add_be(const json_t *json, const char *path,
		  struct kubenf_service *svc, struct kubenf_err *err)
{
	struct kubenf_backend *be = kubenf_svc_add_be(svc);

	return be ? json_be(json, path, be, err) : -ENOMEM;
}

static struct kubenf_cidr *add_range(void *svc)
{
	return kubenf_svc_add_range(svc);
}

int kubenf_json_service(const json_t *json, const char *path,
			struct kubenf_service *svc, struct kubenf_err *err)
{
	static const char *const keys[] = {
		"id", "name", "flags", "affinity_timeout", "frontends",
		"backends", "source_ranges", "connections", "bytes", NULL
	};
	const char *name;
	bool present;
	int ret;

	if (kubenf_json_want_object(json, path, err) ||
	    kubenf_json_check_keys(json, path, keys, err) ||
	    kubenf_json_get_u32(json, path, "id", true, 1, UINT32_MAX,
				&svc->id, NULL, err) ||
	    kubenf_json_get_str(json, path, "name", false, &name, err))
		return -EINVAL;
	if (name) {
		if (strlen(name) >= KUBENF_NAME_MAX)
			return kubenf_errf(err, "%s.name: longer than %d bytes",
					   path, KUBENF_NAME_MAX - 1);
		if (kubenf_svc_set_name(svc, name))
			return -ENOMEM;
	}
	if (kubenf_json_get_flags(json, path, "flags", kubenf_svc_flag_names,
				  "service flag", &svc->flags, &present, err))
		return -EINVAL;
	if (present)
		svc->has |= KUBENF_SVC_HAS_FLAGS;
	/* The kernel enforces its own maximum (a day, as Kubernetes). */
	if (kubenf_json_get_u32(json, path, "affinity_timeout", false, 0,
				UINT32_MAX, &svc->affinity_timeout, &present,
				err))
		return -EINVAL;
	if (present)
		svc->has |= KUBENF_SVC_HAS_AFFINITY;

	ret = json_list(json, path, "frontends", svc, add_fe, err);
	if (!ret)
		ret = json_list(json, path, "backends", svc, add_be, err);
	if (!ret)
		ret = kubenf_json_get_cidrs(json, path, "source_ranges", false,
					    add_range, svc, err);
	return ret;
}
