/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One printer for both output formats, in the spirit of iproute2's
 * print_*(PRINT_ANY, key, fmt, value): a printer emits each value once with
 * its JSON key and its table label, and the chosen format decides which is
 * used. Table output is aligned "label  value" rows; JSON output is built
 * with jansson, never by hand, and nested objects group related keys.
 *
 * Emitting functions return nothing: the first error is kept (like ferror())
 * and returned by kubenfctl_out_flush(), so printers read straight through.
 */
#ifndef _KUBENF_PRINT_H
#define _KUBENF_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct kubenf_config;
struct kubenf_info;
struct kubenf_stats;
struct kubenf_svc_list;

enum kubenfctl_fmt {
	KUBENFCTL_FMT_TABLE,
	KUBENFCTL_FMT_JSON,
};

struct kubenfctl_out;

/* Returns 0 or -ENOMEM. */
int kubenfctl_out_new(struct kubenfctl_out **out, enum kubenfctl_fmt fmt);
void kubenfctl_out_free(struct kubenfctl_out *out);

/*
 * Open a JSON object under @key in the current object, or as the next
 * element of the current list (@key NULL), or as the top level (@key
 * NULL); close it with kubenfctl_out_end(). kubenfctl_out_begin_list()
 * does the same for a JSON array. Tables ignore the nesting (labels carry
 * the context instead), except that the objects of a top-level list are
 * blocks of rows separated by an empty line.
 */
void kubenfctl_out_begin(struct kubenfctl_out *out, const char *key);
void kubenfctl_out_begin_list(struct kubenfctl_out *out, const char *key);
void kubenfctl_out_end(struct kubenfctl_out *out);

/*
 * Values. Inside a list @key must be NULL: the value is the next element.
 * Inside an object a NULL @key leaves the value out of the JSON, and a
 * NULL @label leaves it out of the table, so that one printer can show a
 * table row made of several JSON values.
 */
void kubenfctl_out_str(struct kubenfctl_out *out, const char *key,
		       const char *label, const char *value);
/* JSON integers are signed 64-bit: a value above INT64_MAX is -ERANGE. */
void kubenfctl_out_u64(struct kubenfctl_out *out, const char *key,
		       const char *label, uint64_t value);
/* JSON true/false; the table shows @yes or @no. */
void kubenfctl_out_bool(struct kubenfctl_out *out, const char *key,
			const char *label, bool value, const char *yes,
			const char *no);

struct kubenf_flag_name;

/*
 * Flags: in JSON a list of the names of the bits of @flags under @key (a
 * bit without a name as "0x<bit>"), in a table the row @label with the
 * names joined by commas, or "none".
 */
void kubenfctl_out_flags(struct kubenfctl_out *out, const char *key,
			 const char *label, uint32_t flags,
			 const struct kubenf_flag_name *names);

/* The first error so far, 0 if none. */
int kubenfctl_out_error(const struct kubenfctl_out *out);

/* Write everything to @f. Returns 0 or -errno (the sticky error first). */
int kubenfctl_out_flush(struct kubenfctl_out *out, FILE *f);

/* Printers, one per object; return kubenfctl_out_error(). */
int kubenfctl_print_info(struct kubenfctl_out *out,
			 const struct kubenf_info *info);
/* A list, in table output one block of rows per service. */
int kubenfctl_print_services(struct kubenfctl_out *out,
			     const struct kubenf_svc_list *list);
int kubenfctl_print_config(struct kubenfctl_out *out,
			   const struct kubenf_config *cfg);
int kubenfctl_print_stats(struct kubenfctl_out *out,
			  const struct kubenf_stats *stats);

#endif /* _KUBENF_PRINT_H */
