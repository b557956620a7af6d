/*
 * cmd_opts.h - the options `scan` and `plan` share: which sources, how to
 * read their text, PostgreSQL selection, workers and progress.  One parser,
 * so both commands accept and check them the same way.
 */
#ifndef LETHE_CMD_OPTS_H
#define LETHE_CMD_OPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "lethe/detect.h"
#include "lethe/source.h"

/* getopt_long ids of the shared options; a command's own start at
 * CMD_OPT_OWN. */
enum {
	CMD_OPT_PACKS = 256, CMD_OPT_INCLUDE, CMD_OPT_EXCLUDE, CMD_OPT_DELIM,
	CMD_OPT_NOHEADER, CMD_OPT_MAXFIELD, CMD_OPT_ENCODING, CMD_OPT_SCHEMA,
	CMD_OPT_TABLE, CMD_OPT_EXTABLE, CMD_OPT_VIEWS, CMD_OPT_FULL,
	CMD_OPT_STMT_TIMEOUT, CMD_OPT_NOPROGRESS,
	CMD_OPT_OWN = 300,
};

/* The entries of a command's struct option array for the shared options
 * (also -j/--jobs and -q/--quiet: put "j:q" in the optstring). */
#define CMD_SOURCE_OPTIONS \
	{ "jobs", required_argument, NULL, 'j' }, \
	{ "packs", required_argument, NULL, CMD_OPT_PACKS }, \
	{ "include", required_argument, NULL, CMD_OPT_INCLUDE }, \
	{ "exclude", required_argument, NULL, CMD_OPT_EXCLUDE }, \
	{ "delimiter", required_argument, NULL, CMD_OPT_DELIM }, \
	{ "no-header", no_argument, NULL, CMD_OPT_NOHEADER }, \
	{ "max-field-size", required_argument, NULL, CMD_OPT_MAXFIELD }, \
	{ "encoding", required_argument, NULL, CMD_OPT_ENCODING }, \
	{ "schema", required_argument, NULL, CMD_OPT_SCHEMA }, \
	{ "table", required_argument, NULL, CMD_OPT_TABLE }, \
	{ "exclude-table", required_argument, NULL, CMD_OPT_EXTABLE }, \
	{ "views", no_argument, NULL, CMD_OPT_VIEWS }, \
	{ "full", no_argument, NULL, CMD_OPT_FULL }, \
	{ "statement-timeout", required_argument, NULL, CMD_OPT_STMT_TIMEOUT }, \
	{ "no-progress", no_argument, NULL, CMD_OPT_NOPROGRESS }, \
	{ "quiet", no_argument, NULL, 'q' }

struct cmd_source_args {
	struct lt_scan_opts o;       /* text and reading options */
	struct lt_source_opts so;    /* globs and table selection (arrays
	                              * owned here, strings borrowed from argv) */
	const char *packs;           /* --packs, or NULL */
	unsigned jobs;               /* -j, default online CPUs */
	bool progress;               /* not --no-progress / -q */
};

void cmd_source_args_init(struct cmd_source_args *a);
void cmd_source_args_release(struct cmd_source_args *a);

/* Handles getopt_long's c when it is a shared option: returns 1 (done), 0
 * (not a shared option: the command's own), or -1 after printing a usage
 * error for cmd (the caller exits LT_EXIT_USAGE). */
int cmd_source_opt(const char *cmd, int c, const char *arg,
		   struct cmd_source_args *a);

/* Loads the packs (cmd_packs_dir(flag); only the named ones when n_only),
 * printing what went wrong.  Returns 0, or LT_EXIT_USAGE. */
int cmd_load_packs(const char *flag, const char *const *only, size_t n_only,
		   struct lt_packset **out);

/* The packs' type ids and categories, for lt_policy_load (borrowed from
 * ps; free the array). */
struct lt_type_ref *cmd_type_refs(const struct lt_packset *ps, size_t *n);

/* Expands the SOURCE arguments argv[0..argc) for cmd, printing a usage
 * error.  Returns 0, or LT_EXIT_USAGE. */
int cmd_expand_sources(const char *cmd, char *const *argv, int argc,
		       const struct cmd_source_args *a,
		       struct lt_source_list *out);

/* Prints each source's error and, unless -q, its replaced-bytes warning.
 * Returns how many sources failed. */
size_t cmd_warn_results(const struct lt_source_result *r, size_t n);

/* Parses a non-negative decimal number.  -1 when s is not one. */
int cmd_parse_u64(const char *s, uint64_t *out);

#endif
