/*
 * cmd_policy.c - `lethe policy check FILE...`: validate retention policies.
 *
 * Loads the packs (when they can be found) so that type ids are checked
 * against what lethe can actually detect, then loads each policy and prints
 * every problem with its line and column.  Nothing is scanned.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "lethe/detect.h"
#include "lethe/err.h"
#include "lethe/policy.h"
#include "lethe/util.h"

static const char usage[] =
"lethe policy check - validate a retention policy\n"
"\n"
"Reads each policy file and reports every problem in it, each with its\n"
"line and column: YAML syntax, unknown or duplicate keys, bad durations,\n"
"unknown types, categories, actions or date formats, keep or mask on an\n"
"action other than redact, retain without age_from, a rule that can never\n"
"match (an empty match, or an earlier rule matches all it does), duplicate\n"
"ids, hold files that cannot be read.  Type ids are checked against the\n"
"packs when they can be found (--packs, $LETHE_PACKS, patterns/ beside\n"
"lethe, the installed packs).  Cheap: reads the policy, its hold files and\n"
"the packs; no source is read.  The format: policies/README.md.\n"
"\n"
"Usage: lethe policy check [options] FILE...\n"
"\n"
"Options:\n"
"  --packs DIR   check type ids against the packs in DIR\n"
"  -q, --quiet   no warnings (errors are still shown)\n"
"  -h, --help    show this help\n"
"\n"
"Output: \"FILE: ok, N rules, M holds\" on stdout for a valid policy;\n"
"\"lethe: FILE:LINE:COLUMN: problem\" on stderr for each problem.\n"
"Exit: 0 every policy is valid, 2 a policy is not (or a usage error).\n"
"\n"
"Examples:\n"
"  lethe policy check policies/sg-pdpa-retail.yaml\n"
"  lethe policy check --packs my-packs/ retention.yaml\n";

/* Checks one policy; returns true when it is valid. */
static bool check_one(const char *path, const struct lt_type_ref *types,
		      size_t n_types)
{
	struct lt_policy *p = NULL;
	struct lt_err *errs = NULL;
	size_t n_errs = 0, i;
	char buf[1024];

	if (lt_policy_load(path, types, n_types, &p, &errs, &n_errs) < 0) {
		for (i = 0; i < n_errs; i++)
			fprintf(stderr, "lethe: %s\n",
				lt_policy_err_format(&errs[i], buf, sizeof buf));
		free(errs);
		return false;
	}
	printf("%s: ok, %zu rule%s, %zu hold%s\n", path, p->n_rules,
	       p->n_rules == 1 ? "" : "s", p->n_holds, p->n_holds == 1 ? "" : "s");
	lt_policy_free(p);
	return true;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "packs", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *packs_flag = NULL, *dir;
	struct lt_packset *ps = NULL;
	struct lt_type_ref *types = NULL;
	size_t n_types = 0;
	struct lt_err err;
	char buf[1024];
	int c, rc = LT_EXIT_OK;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			packs_flag = optarg;
			break;
		case 'q':
			cmd_quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return LT_EXIT_OK;
		case ':':
			return cmd_usage_error("policy", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			if (optopt)
				return cmd_usage_error("policy", "unknown option '-%c'",
						       optopt);
			return cmd_usage_error("policy", "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("policy", "policy needs a subcommand: check");
	if (strcmp(argv[optind], "check") != 0)
		return cmd_usage_error("policy", "unknown policy subcommand '%s' "
				       "(check)", argv[optind]);
	if (++optind >= argc)
		return cmd_usage_error("policy", "policy check needs a FILE");

	dir = cmd_packs_dir(packs_flag);
	if (dir) {
		if (lt_packset_load(dir, NULL, 0, &ps, &err) < 0) {
			fprintf(stderr, "lethe: %s\n", lt_err_format(&err, buf, sizeof buf));
			return LT_EXIT_USAGE;
		}
		types = cmd_type_refs(ps, &n_types);
	} else if (packs_flag) {
		return cmd_usage_error("policy", "no packs in '%s'", packs_flag);
	} else if (!cmd_quiet) {
		fprintf(stderr, "lethe: warning: no packs found (--packs, "
			"$LETHE_PACKS): type ids are not checked\n");
	}

	for (; optind < argc; optind++)
		if (!check_one(argv[optind], dir ? types : NULL, n_types))
			rc = LT_EXIT_USAGE;
	free(types);
	lt_packset_free(ps);
	return rc;
}
