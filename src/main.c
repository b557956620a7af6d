/*
 * main.c - the command table, dispatch, help and version.  The only place
 * that turns a command's result into the process exit code.
 */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "lethe/err.h"

#ifndef LETHE_VERSION
#define LETHE_VERSION "0.1.0"
#endif
#ifndef LETHE_PREFIX
#define LETHE_PREFIX "/usr/local"
#endif

int cmd_quiet;

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "scan", cmd_scan, "inventory of personal data in files and tables" },
	{ "packs", cmd_packs, "list pattern packs, or run their examples" },
	{ "policy", cmd_policy, "check a retention policy file" },
	{ "plan", cmd_plan, "check sources against a policy; plan the clean-up" },
	{ "apply", cmd_apply, "carry a plan out (rewritten copies, guarded SQL)" },
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"lethe %s - find personal data in exports and databases, hold it\n"
		"against a retention policy, and plan what must go.\n\n"
		"Usage: lethe COMMAND [options] ...\n\nCommands:\n",
		LETHE_VERSION);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "  %-8s %s\n", "help", "show help for a command");
	fprintf(fp,
		"\nExit codes: 0 done; 1 findings or violations at or above --fail-on;\n"
		"2 usage or configuration error; 3 a source could not be read;\n"
		"4 apply refused.\n\n"
		"Run 'lethe help COMMAND' for a command's options.  See lethe(1).\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("lethe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'lethe help%s%s'\n", cmd ? " " : "", cmd ? cmd : "");
	return LT_EXIT_USAGE;
}

int cmd_bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return cmd_usage_error(cmd, "option '%s' needs a value",
				       argv[optind - 1]);
	if (optopt && optopt < 256)
		return cmd_usage_error(cmd, "unknown option '-%c'", optopt);
	return cmd_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

static char exe_dir[PATH_MAX];

const char *cmd_exe_dir(void)
{
	return exe_dir[0] ? exe_dir : NULL;
}

static int is_dir(const char *p)
{
	struct stat st;

	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *cmd_packs_dir(const char *flag)
{
	static char buf[PATH_MAX + 64];
	const char *env = getenv("LETHE_PACKS");

	if (flag)
		return flag;
	if (env && *env)
		return env;
	if (exe_dir[0]) {
		snprintf(buf, sizeof buf, "%s/patterns", exe_dir);
		if (is_dir(buf))
			return buf;
		/* build/lethe-asan in the source tree */
		snprintf(buf, sizeof buf, "%s/../patterns", exe_dir);
		if (is_dir(buf))
			return buf;
		/* an installed tree, wherever it was moved: PREFIX/bin/lethe */
		snprintf(buf, sizeof buf, "%s/../share/lethe/patterns", exe_dir);
		if (is_dir(buf))
			return buf;
	}
	if (is_dir(LETHE_PREFIX "/share/lethe/patterns"))
		return LETHE_PREFIX "/share/lethe/patterns";
	return NULL;
}

static void find_exe_dir(void)
{
	ssize_t n = readlink("/proc/self/exe", exe_dir, sizeof exe_dir - 1);
	char *slash;

	if (n <= 0) {
		exe_dir[0] = '\0';
		return;
	}
	exe_dir[n] = '\0';
	slash = strrchr(exe_dir, '/');
	if (slash)
		*slash = '\0';
}

int main(int argc, char **argv)
{
	const struct command *c;

	signal(SIGPIPE, SIG_IGN);   /* a closed pipe is an EPIPE we end on quietly */
	find_exe_dir();
	if (argc < 2) {
		usage(stderr);
		return LT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("lethe %s\n", LETHE_VERSION);
		return LT_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			char *hargv[] = { argv[2], "--help", NULL };
			c = find(argv[2]);
			if (!c)
				return cmd_usage_error(NULL, "unknown command '%s'", argv[2]);
			return c->fn(2, hargv);
		}
		usage(stdout);
		return LT_EXIT_OK;
	}
	c = find(argv[1]);
	if (!c)
		return cmd_usage_error(NULL, "unknown command '%s'", argv[1]);
	return c->fn(argc - 1, argv + 1);
}
