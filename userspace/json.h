/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON -> model, with jansson: the files kubenfctl apply reads, whose shape
 * is what kubenfctl -o json config show / svc show print (the printers in
 * print_*.c write it; man/kubenfctl.8 documents it). Strict: an unknown
 * key, a wrong type or an invalid value is an error that names the place,
 * as in "services[2].backends[0].port: expected an integer 1-65535".
 * Counters that only output carries ("connections", "bytes") are accepted
 * and ignored, so that output feeds back.
 */
#ifndef _KUBENF_JSON_H
#define _KUBENF_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "model.h"
#include "text.h"

/* What kubenfctl apply sets: the node configuration and the services. */
struct kubenf_doc {
	bool has_config;
	struct kubenf_config config;
	struct kubenf_svc_list services;	/* in id order */
};

/*
 * Each returns 0, or -EINVAL with the reason in *@err, -ENOMEM. @path
 * names @json in messages. The model object must be zeroed; the caller
 * releases it, also on failure.
 */
int kubenf_json_service(const json_t *json, const char *path,
			struct kubenf_service *svc, struct kubenf_err *err);
int kubenf_json_config(const json_t *json, const char *path,
		       struct kubenf_config *cfg, struct kubenf_err *err);
/*
 * An object {"config": {...}, "services": [...]}, both optional, or a bare
 * list of services (svc show -o json as it is). Services must have
 * distinct ids.
 */
int kubenf_json_doc(const json_t *json, struct kubenf_doc *doc,
		    struct kubenf_err *err);
/* The same from file @name, "-" for standard input. */
int kubenf_json_doc_load(const char *name, struct kubenf_doc *doc,
			 struct kubenf_err *err);
void kubenf_doc_release(struct kubenf_doc *doc);

/* Helpers of the json_*.c files. */

/* Whether every key of object @json is in the NULL-terminated @keys. */
int kubenf_json_check_keys(const json_t *json, const char *path,
			   const char *const *keys, struct kubenf_err *err);
/* The object @json itself, or an error naming @path. */
int kubenf_json_want_object(const json_t *json, const char *path,
			    struct kubenf_err *err);
/*
 * Member @key of object @json: 0 and *@out NULL when absent and not
 * @required. The typed getters check the type and range of the value.
 */
int kubenf_json_get(const json_t *json, const char *path, const char *key,
		    bool required, const json_t **out,
		    struct kubenf_err *err);
int kubenf_json_get_u32(const json_t *json, const char *path,
			const char *key, bool required, uint32_t min,
			uint32_t max, uint32_t *out, bool *present,
			struct kubenf_err *err);
int kubenf_json_get_str(const json_t *json, const char *path,
			const char *key, bool required, const char **out,
			struct kubenf_err *err);
/* A list of flag names; [] is no flag. */
int kubenf_json_get_flags(const json_t *json, const char *path,
			  const char *key,
			  const struct kubenf_flag_name *names,
			  const char *what, uint32_t *out, bool *present,
			  struct kubenf_err *err);
/*
 * A list of CIDR strings under @key, each added with @add (which returns
 * NULL when out of memory); with @host_only, addresses only.
 */
int kubenf_json_get_cidrs(const json_t *json, const char *path,
			  const char *key, bool host_only,
			  struct kubenf_cidr *(*add)(void *obj), void *obj,
			  struct kubenf_err *err);

#endif /* _KUBENF_JSON_H */
