// SPDX-License-Identifier: GPL-2.0
/* The info printers against expected text, through open_memstream(). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kubenf.h>

#include "model.h"
#include "print.h"
#include "tests.h"

static void full_info(struct kubenf_info *info)
{
	static const uint32_t counts[KUBENF_COUNT_A_MAX + 1] = {
		[KUBENF_COUNT_A_SERVICES]	= 3,
		[KUBENF_COUNT_A_FRONTENDS]	= 5,
		[KUBENF_COUNT_A_BACKENDS]	= 9,
		[KUBENF_COUNT_A_PEERSETS]	= 2,
		[KUBENF_COUNT_A_POLICIES]	= 1,
		[KUBENF_COUNT_A_PODS]		= 4,
		[KUBENF_COUNT_A_MAX_SERVICES]	= 65536,
		[KUBENF_COUNT_A_MAX_BACKENDS]	= 1048576,
		[KUBENF_COUNT_A_MAX_PODS]	= 1024,
		[KUBENF_COUNT_A_MAX_RULES]	= 262144,
		[KUBENF_COUNT_A_MAX_PEERSETS]	= 65536,
		[KUBENF_COUNT_A_MAX_POLICIES]	= 4096,
	};

	memset(info, 0, sizeof(*info));
	info->has = KUBENF_INFO_HAS_VERSION | KUBENF_INFO_HAS_GENERATION |
		    KUBENF_INFO_HAS_COOKIE | KUBENF_INFO_HAS_HOOKS |
		    KUBENF_INFO_HAS_COUNTS;
	snprintf(info->version, sizeof(info->version), "0.1.0-test");
	info->generation = 42;
	info->cookie = 0xdeadbeef;
	info->hooks = true;
	info->counts_has = ((1U << (KUBENF_COUNT_A_MAX + 1)) - 1) & ~1U;
	memcpy(info->counts, counts, sizeof(counts));
}

/* Print @info in @fmt; returns the text (caller frees) and sets *err. */
static char *print(const struct kubenf_info *info, enum kubenfctl_fmt fmt,
		   int *err)
{
	struct kubenfctl_out *out;
	char *text = NULL;
	size_t size;
	FILE *f;

	*err = kubenfctl_out_new(&out, fmt);
	CHECK_INT(*err, 0);
	if (*err)
		return NULL;
	f = open_memstream(&text, &size);
	CHECK(f);
	if (f) {
		*err = kubenfctl_print_info(out, info);
		if (!*err)
			*err = kubenfctl_out_flush(out, f);
		fclose(f);
	}
	kubenfctl_out_free(out);
	return text;
}

void test_print_table(void)
{
	struct kubenf_info info;
	char *text;
	int err;

	full_info(&info);
	text = print(&info, KUBENFCTL_FMT_TABLE, &err);
	CHECK_INT(err, 0);
	CHECK_STR(text,
		  "version       0.1.0-test\n"
		  "generation    42\n"
		  "cookie        0x00000000deadbeef\n"
		  "hooks         active\n"
		  "services      3\n"
		  "frontends     5\n"
		  "backends      9\n"
		  "peersets      2\n"
		  "policies      1\n"
		  "pods          4\n"
		  "max services  65536\n"
		  "max backends  1048576\n"
		  "max pods      1024\n"
		  "max rules     262144\n"
		  "max peersets  65536\n"
		  "max policies  4096\n");
	free(text);
}

void test_print_json(void)
{
	struct kubenf_info info;
	char *text;
	int err;

	full_info(&info);
	text = print(&info, KUBENFCTL_FMT_JSON, &err);
	CHECK_INT(err, 0);
	CHECK_STR(text,
		  "{\n"
		  "  \"version\": \"0.1.0-test\",\n"
		  "  \"generation\": 42,\n"
		  "  \"cookie\": \"0x00000000deadbeef\",\n"
		  "  \"hooks\": true,\n"
		  "  \"counts\": {\n"
		  "    \"services\": 3,\n"
		  "    \"frontends\": 5,\n"
		  "    \"backends\": 9,\n"
		  "    \"peersets\": 2,\n"
		  "    \"policies\": 1,\n"
		  "    \"pods\": 4\n"
		  "  },\n"
		  "  \"limits\": {\n"
		  "    \"services\": 65536,\n"
		  "    \"backends\": 1048576,\n"
		  "    \"pods\": 1024,\n"
		  "    \"rules\": 262144,\n"
		  "    \"peersets\": 65536,\n"
		  "    \"policies\": 4096\n"
		  "  }\n"
		  "}\n");
	free(text);
}

/* Only what the module reported: no empty "limits" object, no zeros. */
void test_print_partial(void)
{
	struct kubenf_info info = {
		.has = KUBENF_INFO_HAS_GENERATION | KUBENF_INFO_HAS_HOOKS |
		       KUBENF_INFO_HAS_COUNTS,
		.generation = 0,
		.hooks = false,
		.counts_has = 1U << KUBENF_COUNT_A_SERVICES,
	};
	char *text;
	int err;

	text = print(&info, KUBENFCTL_FMT_TABLE, &err);
	CHECK_INT(err, 0);
	CHECK_STR(text,
		  "generation  0\n"
		  "hooks       inactive\n"
		  "services    0\n");
	free(text);

	text = print(&info, KUBENFCTL_FMT_JSON, &err);
	CHECK_INT(err, 0);
	CHECK_STR(text,
		  "{\n"
		  "  \"generation\": 0,\n"
		  "  \"hooks\": false,\n"
		  "  \"counts\": {\n"
		  "    \"services\": 0\n"
		  "  }\n"
		  "}\n");
	free(text);

	info.has = 0;
	text = print(&info, KUBENFCTL_FMT_JSON, &err);
	CHECK_INT(err, 0);
	CHECK_STR(text, "{}\n");
	free(text);
}

void test_print_errors(void)
{
	struct kubenfctl_out *out;
	struct kubenf_info info;
	char *text;
	int err;

	/* A JSON integer is signed: no silent wrap to a negative number. */
	full_info(&info);
	info.generation = (uint64_t)INT64_MAX + 1;
	text = print(&info, KUBENFCTL_FMT_JSON, &err);
	CHECK_INT(err, -ERANGE);
	CHECK_STR(text, "");
	free(text);
	text = print(&info, KUBENFCTL_FMT_TABLE, &err);
	CHECK_INT(err, 0);
	CHECK(text && strstr(text, "generation    9223372036854775808\n"));
	free(text);

	/* Invalid UTF-8 from the kernel is an error, not broken JSON. */
	full_info(&info);
	snprintf(info.version, sizeof(info.version), "\xff");
	text = print(&info, KUBENFCTL_FMT_JSON, &err);
	CHECK_INT(err, -EILSEQ);
	free(text);

	/* Unbalanced nesting: the first error sticks. */
	CHECK_INT(kubenfctl_out_new(&out, KUBENFCTL_FMT_JSON), 0);
	kubenfctl_out_begin(out, NULL);
	kubenfctl_out_u64(out, "a", "a", 1);
	CHECK_INT(kubenfctl_out_flush(out, stdout), -EINVAL);
	kubenfctl_out_end(out);
	kubenfctl_out_end(out);
	kubenfctl_out_u64(out, "b", "b", 2);
	CHECK_INT(kubenfctl_out_error(out), -EINVAL);
	kubenfctl_out_free(out);

	/* A value outside any object. */
	CHECK_INT(kubenfctl_out_new(&out, KUBENFCTL_FMT_JSON), 0);
	kubenfctl_out_str(out, "a", "a", "b");
	CHECK_INT(kubenfctl_out_error(out), -EINVAL);
	kubenfctl_out_free(out);
}
