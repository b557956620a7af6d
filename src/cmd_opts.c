/*
 * cmd_opts.c - the options `scan` and `plan` share (see cmd_opts.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "lethe/policy.h"

void cmd_source_args_init(struct cmd_source_args *a)
{
	memset(a, 0, sizeof *a);
	a->o.min_conf = LT_CONF_MEDIUM;
	a->jobs = lt_online_cpus();
	a->progress = true;
}

void cmd_source_args_release(struct cmd_source_args *a)
{
	free((void *)a->so.include);
	free((void *)a->so.exclude);
	free((void *)a->so.schemas);
	free((void *)a->so.tables);
	free((void *)a->so.exclude_tables);
	memset(&a->so, 0, sizeof a->so);
}

static void push(const char *const **v, size_t *n, const char *x)
{
	const char **w = lt_xreallocarray((void *)*v, *n + 1, sizeof *w);

	w[(*n)++] = x;
	*v = w;
}

int cmd_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int usage(const char *cmd, const char *msg)
{
	cmd_usage_error(cmd, "%s", msg);
	return -1;
}

int cmd_source_opt(const char *cmd, int c, const char *arg,
		   struct cmd_source_args *a)
{
	uint64_t v;

	switch (c) {
	case 'j':
		if (cmd_parse_u64(arg, &v) < 0 || v < 1 || v > 1024)
			return usage(cmd, "-j takes a number from 1 to 1024");
		a->jobs = (unsigned)v;
		return 1;
	case 'q':
		cmd_quiet = 1;
		a->progress = false;
		return 1;
	case CMD_OPT_NOPROGRESS: a->progress = false; return 1;
	case CMD_OPT_PACKS: a->packs = arg; return 1;
	case CMD_OPT_INCLUDE: push(&a->so.include, &a->so.n_include, arg); return 1;
	case CMD_OPT_EXCLUDE: push(&a->so.exclude, &a->so.n_exclude, arg); return 1;
	case CMD_OPT_SCHEMA: push(&a->so.schemas, &a->so.n_schemas, arg); return 1;
	case CMD_OPT_TABLE: push(&a->so.tables, &a->so.n_tables, arg); return 1;
	case CMD_OPT_EXTABLE:
		push(&a->so.exclude_tables, &a->so.n_exclude_tables, arg);
		return 1;
	case CMD_OPT_VIEWS: a->so.views = true; return 1;
	case CMD_OPT_FULL: a->o.full = true; return 1;
	case CMD_OPT_NOHEADER: a->o.no_header = true; return 1;
	case CMD_OPT_DELIM:
		if (!strcmp(arg, "\\t") || !strcasecmp(arg, "tab"))
			a->o.delimiter = '\t';
		else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' &&
			 arg[0] != '\r')
			a->o.delimiter = arg[0];
		else
			return usage(cmd, "--delimiter takes one character (or \\t)");
		return 1;
	case CMD_OPT_MAXFIELD:
		if (cmd_parse_u64(arg, &v) < 0 || v < 1 || v > ((uint64_t)1 << 40))
			return usage(cmd, "--max-field-size takes a number of bytes");
		a->o.max_field = (size_t)v;
		return 1;
	case CMD_OPT_ENCODING:
		if (lt_encoding_parse(arg, &a->o.encoding) < 0) {
			cmd_usage_error(cmd, "unknown encoding '%s' (utf-8, utf-16le, "
					"utf-16be, cp949)", arg);
			return -1;
		}
		return 1;
	case CMD_OPT_STMT_TIMEOUT:
		if (cmd_parse_u64(arg, &v) < 0 || v > INT32_MAX)
			return usage(cmd, "--statement-timeout takes milliseconds");
		a->o.statement_timeout_ms = (int)v;
		return 1;
	default:
		return 0;
	}
}

int cmd_load_packs(const char *flag, const char *const *only, size_t n_only,
		   struct lt_packset **out)
{
	const char *dir = cmd_packs_dir(flag);
	struct lt_err err;
	char msg[1200];

	if (!dir) {
		fprintf(stderr, "lethe: no pattern packs found (use --packs DIR or LETHE_PACKS)\n");
		return LT_EXIT_USAGE;
	}
	if (lt_packset_load(dir, only, n_only, out, &err) < 0) {
		fprintf(stderr, "lethe: %s\n", lt_err_format(&err, msg, sizeof msg));
		return LT_EXIT_USAGE;
	}
	return 0;
}

int cmd_expand_sources(const char *cmd, char *const *argv, int argc,
		       const struct cmd_source_args *a,
		       struct lt_source_list *out)
{
	struct lt_err err;
	char msg[1200];

	if (lt_sources_expand((const char *const *)argv, (size_t)argc, &a->so,
			      out, &err) < 0) {
		fprintf(stderr, "lethe: %s\ntry 'lethe help %s'\n",
			lt_err_format(&err, msg, sizeof msg), cmd);
		return LT_EXIT_USAGE;
	}
	return 0;
}

size_t cmd_warn_results(const struct lt_source_result *r, size_t n)
{
	size_t errors = 0;

	for (size_t i = 0; i < n; i++) {
		if (r[i].status == LT_STATUS_ERROR) {
			fprintf(stderr, "lethe: %s: %s\n", r[i].src->name,
				r[i].error);
			errors++;
		} else if (r[i].encoding_errors && !cmd_quiet) {
			fprintf(stderr, "lethe: warning: %s: %llu invalid bytes "
				"replaced\n", r[i].src->name,
				(unsigned long long)r[i].encoding_errors);
		}
	}
	return errors;
}

struct lt_type_ref *cmd_type_refs(const struct lt_packset *ps, size_t *n)
{
	struct lt_type_ref *t;

	*n = lt_packset_count(ps);
	t = lt_xcalloc(*n ? *n : 1, sizeof *t);
	for (size_t i = 0; i < *n; i++) {
		t[i].id = lt_packset_info(ps, i)->id;
		t[i].category = lt_packset_info(ps, i)->category;
	}
	return t;
}
