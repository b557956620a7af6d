/*
 * cmd_scan.c - `lethe scan`: inventory of personal data.
 *
 * Sources are expanded (walk, archives, tables), scanned by a pool of
 * workers (one source per job, one matcher per worker), and reported in
 * source order whatever -j is.
 */
static const char usage_text[] =
"lethe scan - inventory of personal data in exports and PostgreSQL tables\n"
"\n"
"Reads every source (CSV/TSV, gzip, zip members, stdin, PostgreSQL tables),\n"
"runs the pattern packs over every cell and reports, per column, which kinds\n"
"of personal data it holds, with counts, confidence and masked samples.\n"
"Files are read in full (cost: one pass over the data); tables are sampled\n"
"(10,000 rows) unless --full.\n"
"\n"
"Usage: lethe scan [options] SOURCE...\n"
"  SOURCE is a file, a directory (walked), '-' for stdin, or a PostgreSQL\n"
"  URI (postgresql://user@host/db, optionally #schema.table).\n"
"\n"
"Options:\n"
"  -f, --format FMT         text (default) or json\n"
"  -o, --output FILE        write the report to FILE (atomically)\n"
"  -j, --jobs N             worker threads (default: online CPUs)\n"
"      --packs DIR          pattern packs (default: $LETHE_PACKS, patterns/\n"
"                           beside the executable, PREFIX/share/lethe/patterns)\n"
"      --sample N           read only the first N rows of each file\n"
"                           (tables: N sampled rows, default 10000)\n"
"      --full               read every row of every table\n"
"      --include GLOB       walk only files matching GLOB (repeatable)\n"
"      --exclude GLOB       skip files matching GLOB (repeatable)\n"
"      --delimiter C        field delimiter (default: sniffed among , ; TAB |)\n"
"      --no-header          the first row is data; columns are col1, col2...\n"
"      --max-field-size N   largest field in bytes (default 33554432)\n"
"      --encoding NAME      utf-8, utf-16le, utf-16be, cp949 (default: detect)\n"
"      --encoding-errors M  replace (default: U+FFFD, counted) or strict\n"
"      --fail-on LEVEL      exit 1 when a finding is at least LEVEL\n"
"                           (low, medium, high); unset: exit 0\n"
"      --all                also show low-confidence hints\n"
"      --schema GLOB        PostgreSQL: schemas to scan (repeatable)\n"
"      --table GLOB         PostgreSQL: tables to scan (repeatable)\n"
"      --exclude-table GLOB PostgreSQL: tables to skip (repeatable)\n"
"      --views              PostgreSQL: also views and materialized views\n"
"      --statement-timeout MS  PostgreSQL statement_timeout (default 0: none)\n"
"      --no-progress        no progress line on stderr\n"
"  -q, --quiet              no warnings, no progress (errors still shown)\n"
"  -h, --help               this text\n"
"\n"
"Exit codes: 0 done; 1 a finding at or above --fail-on; 2 usage or bad pack;\n"
"3 a source could not be read completely (the others are still reported).\n"
"\n"
"Examples:\n"
"  lethe scan exports/\n"
"  lethe scan -f json -o inventory.json exports/ customers.csv.gz\n"
"  lethe scan --fail-on medium --include '*.csv' /srv/share\n"
"  zcat dump.csv.gz | lethe scan -\n";

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "lethe/detect.h"
#include "lethe/report.h"

enum { OPT_SAMPLE = CMD_OPT_OWN, OPT_ENCERR, OPT_FAILON, OPT_ALL, OPT_NOW };

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "encoding-errors", required_argument, NULL, OPT_ENCERR },
	{ "fail-on", required_argument, NULL, OPT_FAILON },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "help", no_argument, NULL, 'h' },
	CMD_SOURCE_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct progress {
	atomic_size_t done;
	size_t total;
	atomic_int stop;
};

static void *progress_thread(void *arg)
{
	struct progress *p = arg;
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	while (!atomic_load(&p->stop)) {
		fprintf(stderr, "\rlethe: scanned %zu of %zu sources",
			atomic_load(&p->done), p->total);
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "\r\033[K");
	return NULL;
}

int cmd_scan(int argc, char **argv)
{
	struct cmd_source_args a;
	struct lt_scan_opts o;
	const char *format = "text", *output = NULL;
	enum lt_confidence fail_on = LT_CONF_NONE;
	bool pg_sample_set = false;
	struct lt_source_list sources = { 0 };
	struct lt_packset *ps = NULL;
	struct lt_err err;
	char msg[1200];
	int c, kind, rc = LT_EXIT_OK;
	uint64_t v;

	cmd_source_args_init(&a);
	lt_err_clear(&err);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:j:qh", long_opts, NULL)) != -1) {
		if ((kind = cmd_source_opt("scan", c, optarg, &a)) != 0) {
			if (kind < 0)
				goto usage;
			continue;
		}
		switch (c) {
		case 'f':
			format = optarg;
			if (strcmp(format, "text") && strcmp(format, "json")) {
				cmd_usage_error("scan", "unknown format '%s' (text, json)", optarg);
				goto usage;
			}
			break;
		case 'o': output = optarg; break;
		case OPT_SAMPLE:
			if (cmd_parse_u64(optarg, &v) < 0 || v < 1) {
				cmd_usage_error("scan", "--sample takes a positive number of rows");
				goto usage;
			}
			a.o.sample_rows = v;
			pg_sample_set = true;
			break;
		case OPT_ENCERR:
			if (!strcmp(optarg, "strict")) {
				a.o.encoding_strict = true;
			} else if (strcmp(optarg, "replace")) {
				cmd_usage_error("scan", "--encoding-errors takes replace or strict");
				goto usage;
			}
			break;
		case OPT_FAILON:
			if (lt_confidence_parse(optarg, &fail_on) < 0) {
				cmd_usage_error("scan", "--fail-on takes low, medium or high");
				goto usage;
			}
			break;
		case OPT_ALL: a.o.min_conf = LT_CONF_LOW; break;
		case OPT_NOW: break; /* accepted for symmetry with plan */
		case 'h':
			fputs(usage_text, stdout);
			cmd_source_args_release(&a);
			return LT_EXIT_OK;
		default:
			cmd_bad_option("scan", c, argv);
			goto usage;
		}
	}
	o = a.o;
	if (optind >= argc) {
		cmd_usage_error("scan", "no source given");
		goto usage;
	}
	if (fail_on != LT_CONF_NONE && fail_on < o.min_conf)
		o.min_conf = fail_on;

	if ((rc = cmd_load_packs(a.packs, NULL, 0, &ps)) != 0)
		goto out;
	if ((rc = cmd_expand_sources("scan", argv + optind, argc - optind, &a,
				     &sources)) != 0)
		goto out;

	{
		struct progress prog = { .total = sources.n };
		pthread_t ptid;
		bool prog_on = a.progress && isatty(STDERR_FILENO) && sources.n > 0;
		struct lt_inventory inv = { .ps = ps };
		struct lt_source_result *results;
		struct lt_afile *af = NULL;
		FILE *fp;

		/* the report is written after the scan: find a bad path now */
		if (lt_afile_check(output ? output : "-", &err) < 0) {
			fprintf(stderr, "lethe: %s\n", lt_err_format(&err, msg, sizeof msg));
			rc = LT_EXIT_USAGE;
			goto out;
		}
		results = lt_xcalloc(sources.n ? sources.n : 1, sizeof *results);
		atomic_init(&prog.done, 0);
		atomic_init(&prog.stop, 0);
		if (prog_on && pthread_create(&ptid, NULL, progress_thread, &prog) != 0)
			prog_on = false;
		lt_scan_all(ps, &sources, &o, pg_sample_set ? o.sample_rows : 10000,
			    a.jobs, results, &prog.done);
		if (prog_on) {
			atomic_store(&prog.stop, 1);
			pthread_join(ptid, NULL);
		}

		if (cmd_warn_results(results, sources.n))
			rc = LT_EXIT_SOURCE;
		for (size_t i = 0; i < sources.n; i++) {
			const struct lt_source_result *r = &results[i];

			if (fail_on != LT_CONF_NONE && rc == LT_EXIT_OK)
				for (size_t k = 0; k < r->n_columns; k++)
					for (size_t f = 0; f < r->columns[k].n_findings; f++)
						if (r->columns[k].findings[f].confidence >= fail_on)
							rc = LT_EXIT_FINDINGS;
		}
		inv.results = results;
		inv.n = sources.n;
		inv.generated_at = (int64_t)time(NULL);
		inv.exit_code = rc;
		inv.color = !output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
			    !strcmp(format, "text");
		if (lt_afile_open(output ? output : "-", &af, &err) < 0) {
			fprintf(stderr, "lethe: %s\n", lt_err_format(&err, msg, sizeof msg));
			rc = LT_EXIT_USAGE;
		} else {
			fp = lt_afile_fp(af);
			if ((!strcmp(format, "json") ? lt_report_json(fp, &inv, &err)
						     : lt_report_text(fp, &inv, &err)) < 0) {
				bool epipe = errno == EPIPE;

				lt_afile_abort(af);
				/* a reader that went away (| head) ends us quietly */
				if (!epipe) {
					fprintf(stderr, "lethe: %s\n",
						lt_err_format(&err, msg, sizeof msg));
					rc = LT_EXIT_USAGE;
				}
			} else if (lt_afile_commit(af, &err) < 0) {
				fprintf(stderr, "lethe: %s\n", lt_err_format(&err, msg, sizeof msg));
				rc = LT_EXIT_USAGE;
			}
		}
		for (size_t i = 0; i < sources.n; i++)
			lt_source_result_release(&results[i]);
		free(results);
	}
out:
	lt_sources_release(&sources);
	lt_packset_free(ps);
	cmd_source_args_release(&a);
	return rc;
usage:   /* everything out releases is still empty here */
	rc = LT_EXIT_USAGE;
	goto out;
}
