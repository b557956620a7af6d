/*
 * cmd.h - the subcommands, as called by the command table in main.c.
 * Each returns the process exit code (enum lt_exit); main.c exits with it.
 * argv[0] is the subcommand name; getopt_long parsing starts at argv[1].
 */
#ifndef LETHE_CMD_H
#define LETHE_CMD_H

#include <stdio.h>

int cmd_scan(int argc, char **argv);
int cmd_packs(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);

/* Prints "lethe: MSG" on stderr, then "try 'lethe help CMD'", returns
 * LT_EXIT_USAGE. */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The usage error for getopt_long's return c ('?' or ':'; call getopt_long
 * with opterr = 0 and an optstring starting with ':'). */
int cmd_bad_option(const char *cmd, int c, char **argv);

/* Directory of the running executable (for patterns/ beside it), or NULL. */
const char *cmd_exe_dir(void);

/* Resolves the packs directory: --packs, $LETHE_PACKS, patterns/ beside
 * the executable, PREFIX/share/lethe/patterns.  Returns a static or
 * borrowed string, or NULL when none exists. */
const char *cmd_packs_dir(const char *flag);

/* Global quiet flag (-q) and whether progress may be shown. */
extern int cmd_quiet;

#endif
