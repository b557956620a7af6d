/*
 * cmd_apply.c - `lethe apply`: carry a plan out.
 *
 * Options in, lt_apply_run (src/plan/apply.c) does the work, the summary
 * out.  stdout: one line per action and where the receipt went; stderr:
 * the reason for a refusal or an error.  Never a cell value, the hash key
 * or a password.
 */
static const char usage_text[] =
"lethe apply - carry out a plan made by 'lethe plan'\n"
"\n"
"Files: writes a rewritten copy of every file source under --out DIR (same\n"
"relative path; an absolute one without its leading '/'; a zip member as a\n"
"rewritten zip).  Same container, encoding, delimiter, quoting and line\n"
"endings; only the planned rows and cells change.  The originals are never\n"
"touched.  Cost: one pass over each source (zip: two).\n"
"PostgreSQL: without --execute, shows what would run (plan.sql); with it,\n"
"runs plan.sql in one transaction per database, each statement guarded: a\n"
"different row count than the plan's rolls everything back.\n"
"Refused (exit 4, nothing written or changed) when a source no longer\n"
"matches the plan (size, mtime, sha256, header, row counts), when DIR holds\n"
"a source, or when plan.sql changed.  Every apply writes a receipt:\n"
"DIR/lethe-receipt.json, and PLAN-receipt.json beside the plan for\n"
"--execute (rows and cells changed, sha256 of every output, times).\n"
"\n"
"Usage: lethe apply PLAN.json [--out DIR] [--execute] [options]\n"
"\n"
"Options:\n"
"      --out DIR        where the rewritten copies go (needed when the plan\n"
"                       has file actions; must not hold any source)\n"
"      --execute        run plan.sql on PostgreSQL\n"
"      --allow-ddl      let --execute drop columns (ALTER TABLE ... DROP)\n"
"      --db URI         connect with URI instead of the plan's (the usual\n"
"                       PG* variables and ~/.pgpass apply)\n"
"      --batch-rows N   must match the plan's: batches are made by\n"
"                       'lethe plan --batch-rows N' (plan.sql holds them)\n"
"  -q, --quiet          no summary, no warnings (errors still shown)\n"
"  -h, --help           this text\n"
"\n"
"Environment: LETHE_HASH_KEY, the key of 'hash' actions (HMAC-SHA-256);\n"
"needed when the plan hashes; never printed nor stored.\n"
"\n"
"Exit codes: 0 done; 2 usage (bad option, unreadable plan, no --out or no\n"
"LETHE_HASH_KEY when needed); 3 a source, plan.sql or the database could\n"
"not be read; 4 refused, nothing changed.\n"
"\n"
"Examples:\n"
"  lethe plan --policy policies/minimal.yaml -o plan.json exports/\n"
"  lethe apply plan.json --out clean/\n"
"  LETHE_HASH_KEY=... lethe apply plan.json --execute\n";

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "lethe/plan.h"
#include "plan/apply_int.h"

enum { OPT_OUT = 256, OPT_EXECUTE, OPT_ALLOW_DDL, OPT_DB, OPT_BATCH };

static const struct option long_opts[] = {
	{ "out", required_argument, NULL, OPT_OUT },
	{ "execute", no_argument, NULL, OPT_EXECUTE },
	{ "allow-ddl", no_argument, NULL, OPT_ALLOW_DDL },
	{ "db", required_argument, NULL, OPT_DB },
	{ "batch-rows", required_argument, NULL, OPT_BATCH },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void print_summary(const struct lt_apply_opts *o,
			  const struct lt_apply_result *r)
{
	const struct lt_plan *p = r->plan;
	char a[32], b[32];

	for (size_t i = 0; i < p->n_actions; i++) {
		const struct lt_plan_action *x = &p->actions[i];
		const struct lt_apply_act *y = &r->acts[i];

		if (x->kind != LT_PLAN_FILE || !y->done)
			continue;
		printf("action %-3zu %-11s ", x->id, lt_action_name(x->action));
		lt_pad(stdout, x->column ? x->column : "(rows)", 20);
		printf(" %9s rows %9s cells -> %s\n",
		       lt_fmt_count(y->rows, a, sizeof a),
		       lt_fmt_count(y->cells, b, sizeof b), y->output);
	}
	if (!p->n_actions)
		printf("the plan has no actions: nothing to do\n");
	if (r->n_outputs)
		printf("%zu file%s written under %s; receipt %s\n", r->n_outputs,
		       r->n_outputs == 1 ? "" : "s", o->out_dir, r->receipt);
	if (!r->n_pg_actions || !r->sql_path)
		return;
	if (!r->pg_executed) {
		printf("would run %s (%zu statements) on", r->sql_path,
		       r->sql_statements);
		for (size_t k = 0; k < r->n_databases; k++)
			printf(" %s", r->databases[k]);
		printf("\n");
		for (size_t i = 0; i < p->n_actions; i++) {
			const struct lt_plan_action *x = &p->actions[i];

			if (x->kind == LT_PLAN_POSTGRES)
				printf("  action %-3zu %-11s %s%s%s: %s rows\n",
				       x->id, lt_action_name(x->action),
				       x->table ? x->table : "",
				       x->column ? "." : "",
				       x->column ? x->column : "",
				       lt_fmt_count(x->rows, a, sizeof a));
		}
		printf("run again with --execute to carry it out\n");
		return;
	}
	for (size_t i = 0; i < p->n_actions; i++) {
		const struct lt_plan_action *x = &p->actions[i];

		if (x->kind == LT_PLAN_POSTGRES)
			printf("action %-3zu %-11s %s%s%s: %s rows\n", x->id,
			       lt_action_name(x->action), x->table ? x->table : "",
			       x->column ? "." : "", x->column ? x->column : "",
			       lt_fmt_count(r->acts[i].rows, a, sizeof a));
	}
	if (r->pg_resumed)
		printf("resumed: %zu transaction%s committed by an earlier run "
		       "skipped\n", r->pg_resumed, r->pg_resumed == 1 ? "" : "s");
	printf("%s committed; receipt %s\n", r->sql_path, r->pg_receipt);
}

int cmd_apply(int argc, char **argv)
{
	struct lt_apply_opts o;
	struct lt_apply_result r;
	struct lt_err err;
	char msg[1024];
	bool quiet = false;
	int c, rc;

	memset(&o, 0, sizeof o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":qh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_OUT:
			o.out_dir = optarg;
			break;
		case OPT_EXECUTE:
			o.execute = true;
			break;
		case OPT_ALLOW_DDL:
			o.allow_ddl = true;
			break;
		case OPT_DB:
			o.db_uri = optarg;
			break;
		case OPT_BATCH: {
			uint64_t n;

			if (cmd_parse_u64(optarg, &n) < 0 || n == 0)
				return cmd_usage_error("apply",
						       "--batch-rows needs a "
						       "positive number");
			o.batch_rows = n;
			break;
		}
		case 'q':
			quiet = true;
			cmd_quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return LT_EXIT_OK;
		default:
			return cmd_bad_option("apply", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("apply", "which plan? (lethe apply "
				       "PLAN.json --out DIR)");
	if (optind + 1 < argc)
		return cmd_usage_error("apply", "one plan at a time ('%s' is "
				       "extra)", argv[optind + 1]);
	o.plan_path = argv[optind];
	o.hash_key = getenv("LETHE_HASH_KEY");
	if (o.db_uri && !o.execute)
		return cmd_usage_error("apply", "--db is for --execute");
	if (o.allow_ddl && !o.execute)
		return cmd_usage_error("apply", "--allow-ddl is for --execute");

	rc = lt_apply_run(&o, &r, &err);
	for (size_t i = 0; i < r.n_notices; i++)
		if (!quiet || strcmp(r.notices[i].severity, "NOTICE"))
			fprintf(stderr, "lethe: %s: %s\n", r.notices[i].severity,
				r.notices[i].msg);
	if (rc != LT_EXIT_OK) {
		fprintf(stderr, "lethe: %s", lt_err_format(&err, msg, sizeof msg));
		if (rc == LT_EXIT_REFUSED && !r.n_outputs && !r.pg_committed)
			fprintf(stderr, " (refused: nothing changed)");
		fputc('\n', stderr);
		if (rc == LT_EXIT_USAGE && err.code == LT_E_USAGE)
			fprintf(stderr, "try 'lethe help apply'\n");
	} else if (!quiet && r.plan) {
		print_summary(&o, &r);
	}
	lt_apply_result_release(&r);
	if (fflush(stdout) != 0 && rc == LT_EXIT_OK)
		rc = LT_EXIT_SOURCE;
	return rc;
}
