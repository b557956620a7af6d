/*
 * cmd_plan.c - `lethe plan`: hold an inventory against a retention policy
 * and write the plan that deletes or redacts what should not be there.
 *
 * The scan is cmd_scan's (sources expanded, scanned by a pool of workers,
 * one matcher per worker); the plan module then matches findings to rules,
 * reads each governed file a second time and counts Postgres rows in SQL.
 * plan.json (and plan.sql beside it) are written atomically; a summary goes
 * to stdout.
 */
static const char usage_text[] =
"lethe plan - check sources against a retention policy and plan the clean-up\n"
"\n"
"Scans the sources like `lethe scan`, matches every column holding personal\n"
"data (medium or high confidence) to the first policy rule that governs it,\n"
"then counts, row by row, what each rule's action would change: files are\n"
"read a second time; PostgreSQL tables are counted in SQL, read-only.  Cost:\n"
"two passes over each governed file, one scan per governed table.  Nothing is\n"
"changed: `lethe apply` carries the plan out.\n"
"\n"
"Writes the plan as JSON (-o, default plan.json; docs/plan-format.md) and,\n"
"when PostgreSQL tables are involved, the guarded statements beside it (.sql\n"
"in place of .json).  Prints a summary: actions, violations, ungoverned\n"
"personal data, unreadable dates, refusals.\n"
"\n"
"Usage: lethe plan --policy FILE [options] SOURCE...\n"
"  SOURCE is a file, a directory (walked), or a PostgreSQL URI\n"
"  (postgresql://user@host/db, optionally #schema.table).\n"
"\n"
"Options:\n"
"      --policy FILE        the retention policy (required; see policies/)\n"
"      --now TIME           reference time, ISO 8601 (2026-11-01 or\n"
"                           2026-11-01T00:00:00Z; default: now), for\n"
"                           reproducible plans\n"
"  -o, --output FILE        the plan (default plan.json); SQL goes to FILE\n"
"                           with .sql in place of .json\n"
"      --batch-rows N       PostgreSQL: statements over N rows run in batches\n"
"                           of N, each its own guarded transaction\n"
"      --row-log FILE       write each file row's decision (source, row, line,\n"
"                           delete/held/keep/ACTION:COLUMN; never a value)\n"
"  -j, --jobs N             worker threads (default: online CPUs)\n"
"      --packs DIR          pattern packs (default: $LETHE_PACKS, patterns/\n"
"                           beside the executable, PREFIX/share/lethe/patterns)\n"
"      --include GLOB       walk only files matching GLOB (repeatable)\n"
"      --exclude GLOB       skip files matching GLOB (repeatable)\n"
"      --delimiter C        field delimiter (default: sniffed among , ; TAB |)\n"
"      --no-header          the first row is data; columns are col1, col2...\n"
"      --max-field-size N   largest field in bytes (default 33554432)\n"
"      --encoding NAME      utf-8, utf-16le, utf-16be, cp949 (default: detect)\n"
"      --schema GLOB        PostgreSQL: schemas to plan (repeatable)\n"
"      --table GLOB         PostgreSQL: tables to plan (repeatable)\n"
"      --exclude-table GLOB PostgreSQL: tables to skip (repeatable)\n"
"      --full               PostgreSQL: detect on every row, not a sample\n"
"      --statement-timeout MS  PostgreSQL statement_timeout (default 0: none)\n"
"      --no-progress        no progress line on stderr\n"
"  -q, --quiet              no warnings, no progress (errors still shown)\n"
"  -h, --help               this text\n"
"\n"
"Exit codes: 0 no violation; 1 a violation (personal data over its limit, or\n"
"ungoverned with `ungoverned: fail`); 2 usage error or bad policy; 3 a source\n"
"could not be read completely (the others are still planned).\n"
"\n"
"Examples:\n"
"  lethe plan --policy policies/minimal.yaml exports/\n"
"  lethe plan --policy policies/sg-pdpa-retail.yaml --now 2026-11-01 \\\n"
"      -o plans/nov.json exports/ postgresql://app@db/shop\n"
"  lethe plan --policy retention.yaml --batch-rows 10000 postgresql://db/crm\n";

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "lethe/detect.h"
#include "lethe/plan.h"
#include "lethe/policy.h"

enum { OPT_POLICY = CMD_OPT_OWN, OPT_NOW, OPT_BATCH, OPT_ROWLOG };

static const struct option long_opts[] = {
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "output", required_argument, NULL, 'o' },
	{ "batch-rows", required_argument, NULL, OPT_BATCH },
	{ "row-log", required_argument, NULL, OPT_ROWLOG },
	{ "help", no_argument, NULL, 'h' },
	CMD_SOURCE_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* ---- the summary ---------------------------------------------------------------- */

/* A table of text cells, printed with every column padded to its widest
 * cell (the last one not padded). */
#define MAXC 8
struct table {
	char *(*rows)[MAXC];
	size_t n, ncol;
	size_t w[MAXC];
};

static void table_add(struct table *t, const char *const *cells)
{
	t->rows = lt_xreallocarray(t->rows, t->n + 1, sizeof *t->rows);
	for (size_t c = 0; c < t->ncol; c++) {
		size_t w;

		t->rows[t->n][c] = lt_xstrdup(cells[c] ? cells[c] : "");
		w = lt_display_width(t->rows[t->n][c]);
		if (w > t->w[c])
			t->w[c] = w;
	}
	t->n++;
}

static void table_print(FILE *fp, struct table *t)
{
	for (size_t r = 0; r < t->n; r++) {
		fputs("  ", fp);
		for (size_t c = 0; c < t->ncol; c++) {
			const char *s = t->rows[r][c];
			bool more = false;

			for (size_t k = c + 1; k < t->ncol; k++)
				more = more || t->rows[r][k][0];
			lt_pad(fp, s, more ? t->w[c] + 2 : 0);
			free(t->rows[r][c]);
		}
		fputc('\n', fp);
	}
	free(t->rows);
	memset(t, 0, sizeof *t);
}

static void summary(FILE *fp, const struct lt_plan *p, const char *json_path,
		    const char *sql_path, int rc)
{
	char nowb[40], n1[32], id[24], extra[400];
	struct table t = { 0 };
	size_t i;

	fprintf(fp, "lethe plan: policy %s, now %s, timezone %s\n",
		p->policy_name, lt_plan_fmt_ms(p->now, nowb, sizeof nowb),
		p->timezone);
	fprintf(fp, "\n%zu action%s\n", p->n_actions, p->n_actions == 1 ? "" : "s");
	t.ncol = 6;
	for (i = 0; i < p->n_actions; i++) {
		const struct lt_plan_action *a = &p->actions[i];
		const char *cells[6];
		char rows[48];
		size_t o = 0;

		snprintf(id, sizeof id, "#%zu", a->id);
		snprintf(rows, sizeof rows, "%s row%s", lt_fmt_count(a->rows, n1, sizeof n1),
			 a->rows == 1 ? "" : "s");
		if (a->action == LT_ACT_DELETE_ROWS) {
			o += (size_t)snprintf(extra, sizeof extra, "rule%s", a->rules.n == 1 ? "" : "s");
			for (size_t k = 0; k < a->rules.n && o < sizeof extra; k++)
				o += (size_t)snprintf(extra + o, sizeof extra - o, "%s%s",
						      k ? ", " : " ", a->rules.v[k]);
		} else {
			o += (size_t)snprintf(extra, sizeof extra, "rule %s", a->rule);
			if (a->action == LT_ACT_REDACT && o < sizeof extra)
				o += (size_t)snprintf(extra + o, sizeof extra - o, ", keep %s",
						      lt_keep_name(a->keep));
		}
		if (a->needs_ddl && o < sizeof extra)
			o += (size_t)snprintf(extra + o, sizeof extra - o, " (needs apply --allow-ddl)");
		if (a->hash_client_side && o < sizeof extra)
			snprintf(extra + o, sizeof extra - o, " (hashed client-side: no pgcrypto)");
		cells[0] = id;
		cells[1] = lt_action_name(a->action);
		cells[2] = a->source;
		cells[3] = a->column ? a->column : "";
		cells[4] = rows;
		cells[5] = extra;
		table_add(&t, cells);
	}
	table_print(fp, &t);
	if (p->n_violations) {
		fprintf(fp, "\n%zu violation%s\n", p->n_violations,
			p->n_violations == 1 ? "" : "s");
		t.ncol = 6;
		for (i = 0; i < p->n_violations; i++) {
			const struct lt_plan_violation *v = &p->violations[i];
			char rows[48], old[32];
			const char *cells[6] = { v->rule ? v->rule : "(ungoverned)", v->source,
						 v->column, v->type, rows, old };

			snprintf(rows, sizeof rows, "%s row%s", lt_fmt_count(v->rows, n1, sizeof n1),
				 v->rows == 1 ? "" : "s");
			snprintf(old, sizeof old, "%s%s", v->oldest[0] ? "oldest " : "", v->oldest);
			table_add(&t, cells);
		}
		table_print(fp, &t);
	}
	if (p->n_ungoverned) {
		fprintf(fp, "\n%zu ungoverned\n", p->n_ungoverned);
		t.ncol = 3;
		for (i = 0; i < p->n_ungoverned; i++) {
			const char *cells[3] = { p->ungoverned[i].source, p->ungoverned[i].column,
						 p->ungoverned[i].type };

			table_add(&t, cells);
		}
		table_print(fp, &t);
	}
	if (p->n_unreadable) {
		fprintf(fp, "\n%zu column%s with unreadable dates (those rows are not touched)\n",
			p->n_unreadable, p->n_unreadable == 1 ? "" : "s");
		t.ncol = 3;
		for (i = 0; i < p->n_unreadable; i++) {
			char rows[48];
			const char *cells[3] = { p->unreadable[i].source, p->unreadable[i].column, rows };

			snprintf(rows, sizeof rows, "%s row%s",
				 lt_fmt_count(p->unreadable[i].rows, n1, sizeof n1),
				 p->unreadable[i].rows == 1 ? "" : "s");
			table_add(&t, cells);
		}
		table_print(fp, &t);
	}
	if (p->n_refused) {
		fprintf(fp, "\n%zu refused\n", p->n_refused);
		t.ncol = 4;
		for (i = 0; i < p->n_refused; i++) {
			char rule[200];
			const char *cells[4] = { p->refused[i].source,
						 p->refused[i].column ? p->refused[i].column : "-",
						 rule, p->refused[i].reason };

			snprintf(rule, sizeof rule, "rule %s:", p->refused[i].rule ? p->refused[i].rule : "-");
			table_add(&t, cells);
		}
		table_print(fp, &t);
	}
	if (p->n_errors) {
		fprintf(fp, "\n%zu source%s could not be read\n", p->n_errors,
			p->n_errors == 1 ? "" : "s");
		for (i = 0; i < p->n_errors; i++)
			fprintf(fp, "  %s: %s\n", p->errors[i].source, p->errors[i].error);
	}
	fprintf(fp, "\nplan: %s%s%s\n", json_path, sql_path ? ", " : "",
		sql_path ? sql_path : "");
	if (rc == LT_EXIT_SOURCE)
		fprintf(fp, "a source could not be read (exit 3).\n");
	else if (rc == LT_EXIT_FINDINGS)
		fprintf(fp, "the policy is violated (exit 1).\n");
	else
		fprintf(fp, "no violation.\n");
}

/* plan.json -> plan.sql (".json" replaced, else ".sql" added). */
static char *sql_path_of(const char *json)
{
	size_t n = strlen(json);

	if (n > 5 && !strcmp(json + n - 5, ".json"))
		return lt_xasprintf("%.*s.sql", (int)(n - 5), json);
	return lt_xasprintf("%s.sql", json);
}

int cmd_plan(int argc, char **argv)
{
	struct cmd_source_args a;
	struct lt_scan_opts o;
	const char *output = "plan.json", *policy_path = NULL;
	const char *row_log_path = NULL;
	bool now_set = false;
	uint64_t batch_rows = 0, v;
	lt_ms now = 0;
	struct lt_source_list sources = { 0 };
	struct lt_source_result *results = NULL;
	struct lt_packset *ps = NULL;
	struct lt_policy *pol = NULL;
	struct lt_type_ref *types = NULL;
	struct lt_plan *plan = NULL;
	struct lt_buf sql;
	struct lt_err err;
	FILE *row_log = NULL;
	char msg[1200], *sql_path = NULL;
	int c, kind, rc = LT_EXIT_OK;

	cmd_source_args_init(&a);
	lt_err_clear(&err);
	lt_buf_init(&sql, 0);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:j:qh", long_opts, NULL)) != -1) {
		if ((kind = cmd_source_opt("plan", c, optarg, &a)) != 0) {
			if (kind < 0)
				goto usage;
			continue;
		}
		switch (c) {
		case OPT_POLICY: policy_path = optarg; break;
		case OPT_NOW:
			if (lt_plan_parse_time(optarg, &now) < 0) {
				cmd_usage_error("plan", "--now takes an ISO 8601 time "
						"(2026-11-01 or 2026-11-01T00:00:00Z)");
				goto usage;
			}
			now_set = true;
			break;
		case 'o': output = optarg; break;
		case OPT_BATCH:
			if (cmd_parse_u64(optarg, &v) < 0 || v < 1) {
				cmd_usage_error("plan", "--batch-rows takes a positive number of rows");
				goto usage;
			}
			batch_rows = v;
			break;
		case OPT_ROWLOG: row_log_path = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			cmd_source_args_release(&a);
			return LT_EXIT_OK;
		default:
			cmd_bad_option("plan", c, argv);
			goto usage;
		}
	}
	o = a.o;
	if (a.so.views) {
		cmd_usage_error("plan", "--views is for scan: a plan changes tables, not views");
		goto usage;
	}
	if (!policy_path) {
		cmd_usage_error("plan", "--policy FILE is required");
		goto usage;
	}
	if (optind >= argc) {
		cmd_usage_error("plan", "no source given");
		goto usage;
	}
	if (!strcmp(output, "-")) {
		cmd_usage_error("plan", "-o needs a file: plan.sql goes beside it");
		goto usage;
	}
	if (!now_set) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		now = (lt_ms)ts.tv_sec * 1000;
	}

	{
		size_t n_types, i, n_errs = 0;
		struct lt_err *errs = NULL;

		if ((rc = cmd_load_packs(a.packs, NULL, 0, &ps)) != 0)
			goto out;
		types = cmd_type_refs(ps, &n_types);
		if (lt_policy_load(policy_path, types, n_types, &pol, &errs, &n_errs) < 0) {
			for (i = 0; i < n_errs; i++)
				fprintf(stderr, "lethe: %s\n",
					lt_policy_err_format(&errs[i], msg, sizeof msg));
			free(errs);
			rc = LT_EXIT_USAGE;
			goto out;
		}
	}
	if ((rc = cmd_expand_sources("plan", argv + optind, argc - optind, &a,
				     &sources)) != 0)
		goto out;
	/* the outputs are written after the scan: find a bad path now */
	sql_path = sql_path_of(output);
	if (lt_afile_check(output, &err) < 0 || lt_afile_check(sql_path, &err) < 0) {
		fprintf(stderr, "lethe: %s\n", lt_err_format(&err, msg, sizeof msg));
		rc = LT_EXIT_USAGE;
		goto out;
	}
	if (row_log_path && !(row_log = fopen(row_log_path, "w"))) {
		fprintf(stderr, "lethe: %s: cannot write the row log\n", row_log_path);
		rc = LT_EXIT_USAGE;
		goto out;
	}

	results = lt_xcalloc(sources.n ? sources.n : 1, sizeof *results);
	if (a.progress && isatty(STDERR_FILENO))
		fprintf(stderr, "lethe: scanning %zu source%s\r", sources.n,
			sources.n == 1 ? "" : "s");
	lt_scan_all(ps, &sources, &o, 10000, a.jobs, results, NULL);
	if (a.progress && isatty(STDERR_FILENO))
		fprintf(stderr, "\033[K");
	cmd_warn_results(results, sources.n);

	{
		const char *slash = strrchr(sql_path, '/');
		struct lt_plan_input in = {
			.policy = pol, .policy_path = policy_path, .ps = ps,
			.sources = &sources, .results = results, .scan = &o,
			.now = now, .jobs = a.jobs, .batch_rows = batch_rows,
			.sql_path = slash ? slash + 1 : sql_path, .row_log = row_log,
		};

		if (lt_plan_build(&in, &plan, &sql, &err) < 0) {
			fprintf(stderr, "lethe: %s\n", lt_err_format(&err, msg, sizeof msg));
			rc = LT_EXIT_USAGE;
			goto out;
		}
	}
	for (size_t i = 0; i < plan->n_errors; i++) {
		bool scan_err = false;

		for (size_t k = 0; k < sources.n; k++)
			if (results[k].status == LT_STATUS_ERROR &&
			    !strcmp(sources.items[k].name, plan->errors[i].source))
				scan_err = true;
		if (!scan_err)
			fprintf(stderr, "lethe: %s: %s\n", plan->errors[i].source,
				plan->errors[i].error);
	}
	if (plan->n_errors)
		rc = LT_EXIT_SOURCE;
	else if (plan->n_violations)
		rc = LT_EXIT_FINDINGS;

	if (sql.len) {
		struct lt_afile *af;
		uint8_t d[32];

		lt_sha256(sql.data, sql.len, d);
		lt_hex(d, 32, plan->sql_sha256);
		if (lt_afile_open(sql_path, &af, &err) < 0) {
			fprintf(stderr, "lethe: %s\n", lt_err_format(&err, msg, sizeof msg));
			rc = LT_EXIT_USAGE;
			goto out;
		}
		if (fwrite(sql.data, 1, sql.len, lt_afile_fp(af)) != sql.len) {
			lt_afile_abort(af);
			fprintf(stderr, "lethe: %s: write error\n", sql_path);
			rc = LT_EXIT_USAGE;
			goto out;
		}
		if (lt_afile_commit(af, &err) < 0) {
			fprintf(stderr, "lethe: %s\n", lt_err_format(&err, msg, sizeof msg));
			rc = LT_EXIT_USAGE;
			goto out;
		}
	}
	if (lt_plan_write(plan, output, &err) < 0) {
		fprintf(stderr, "lethe: %s\n", lt_err_format(&err, msg, sizeof msg));
		rc = LT_EXIT_USAGE;
		goto out;
	}
	summary(stdout, plan, output, sql.len ? sql_path : NULL, rc);
	fflush(stdout); /* a closed pipe ends quietly: the plan is written */

out:
	if (row_log)
		fclose(row_log);
	lt_plan_free(plan);
	lt_buf_release(&sql);
	free(sql_path);
	for (size_t i = 0; results && i < sources.n; i++)
		lt_source_result_release(&results[i]);
	free(results);
	lt_sources_release(&sources);
	lt_policy_free(pol);
	free(types);
	lt_packset_free(ps);
	cmd_source_args_release(&a);
	return rc;
usage:   /* everything out releases is still empty here */
	rc = LT_EXIT_USAGE;
	goto out;
}
