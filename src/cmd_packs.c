/*
 * cmd_packs.c - `lethe packs list|test`: what the packs detect, and a run
 * of every example they carry (docs are tests).
 */
static const char usage_text[] =
"lethe packs - list pattern packs, or run their examples\n"
"\n"
"Usage: lethe packs list [--packs DIR] [PACK...]\n"
"       lethe packs test [--packs DIR] [PACK...]\n"
"\n"
"  list   one line per detector: id, category, sensitivity, validator, pack\n"
"  test   runs every 'match' and 'reject' example of every detector; exits 1\n"
"         when one fails (examples are shown masked)\n"
"\n"
"Options:\n"
"      --packs DIR   pattern packs (default: $LETHE_PACKS, patterns/ beside\n"
"                    the executable, PREFIX/share/lethe/patterns)\n"
"  -v, --verbose     test: show every example, not only failures\n"
"  -h, --help        this text\n"
"\n"
"Examples:\n"
"  lethe packs list\n"
"  lethe packs test sg kr\n";

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "lethe/detect.h"

struct st {
	int verbose;
	size_t pass, fail;
};

static void on_example(void *vctx, const struct lt_detector_info *d,
		       bool is_match, const char *masked, bool ok)
{
	struct st *s = vctx;

	if (ok)
		s->pass++;
	else
		s->fail++;
	if (!ok || s->verbose)
		printf("%s %-18s %-6s %s\n", ok ? "ok  " : "FAIL", d->id,
		       is_match ? "match" : "reject", masked);
}

int cmd_packs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "packs", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *packs_flag = NULL, *sub;
	struct lt_packset *ps = NULL;
	struct st s = { 0 };
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":" "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': packs_flag = optarg; break;
		case 'v': s.verbose = 1; break;
		case 'h': fputs(usage_text, stdout); return LT_EXIT_OK;
		default: return cmd_bad_option("packs", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("packs", "say 'list' or 'test'");
	sub = argv[optind++];
	if (strcmp(sub, "list") && strcmp(sub, "test"))
		return cmd_usage_error("packs", "unknown packs command '%s'", sub);
	if (cmd_load_packs(packs_flag, (const char *const *)argv + optind,
			   (size_t)(argc - optind), &ps) != 0)
		return LT_EXIT_USAGE;
	if (!strcmp(sub, "list")) {
		printf("%-18s %-20s %-11s %-10s %-8s %s\n", "TYPE", "CATEGORY",
		       "SENSITIVITY", "VALIDATOR", "PACK", "NAME");
		for (size_t i = 0; i < lt_packset_count(ps); i++) {
			const struct lt_detector_info *d = lt_packset_info(ps, i);
			printf("%-18s %-20s %-11s %-10s %-8s %s\n", d->id, d->category,
			       d->sensitivity, d->validator ? d->validator : "-",
			       d->pack, d->name);
		}
		lt_packset_free(ps);
		return LT_EXIT_OK;
	}
	lt_packset_selftest(ps, on_example, &s);
	printf("%zu detectors, %zu examples: %zu passed, %zu failed\n",
	       lt_packset_count(ps), s.pass + s.fail, s.pass, s.fail);
	lt_packset_free(ps);
	return s.fail ? LT_EXIT_FINDINGS : LT_EXIT_OK;
}
