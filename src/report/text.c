/*
 * text.c - the text inventory: what a person reads first.  One line per
 * column holding personal data, grouped by source, strongest evidence
 * first, then what it adds up to.  No raw values; colour only when asked
 * (a terminal without NO_COLOR).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lethe/report.h"

#define SRC_W 46

/* "~51,000": two significant figures, as an estimate should be shown. */
static char *approx(uint64_t n, char *buf, size_t cap)
{
	uint64_t scale = 1;
	char tmp[40];

	while (n / scale >= 100)
		scale *= 10;
	n = (n + scale / 2) / scale * scale;
	snprintf(buf, cap, "~%s", lt_fmt_count(n, tmp, sizeof tmp));
	return buf;
}

static const char *conf_color(enum lt_confidence c)
{
	switch (c) {
	case LT_CONF_HIGH: return "\033[1;31m";
	case LT_CONF_MEDIUM: return "\033[33m";
	default: return "\033[2m";
	}
}

int lt_report_text(FILE *fp, const struct lt_inventory *inv, struct lt_err *err)
{
	struct lt_summary sum;
	size_t name_w = 6;

	for (size_t i = 0; i < inv->n; i++)
		for (size_t c = 0; c < inv->results[i].n_columns; c++) {
			size_t w = lt_display_width(inv->results[i].columns[c].name);
			if (w > name_w)
				name_w = w < 28 ? w : 28;
		}
	for (size_t i = 0; i < inv->n; i++) {
		const struct lt_source_result *r = &inv->results[i];
		char a[40], b[40], line[128];

		lt_pad(fp, r->src->name, SRC_W);
		fputc(' ', fp);
		if (r->status == LT_STATUS_SKIPPED) {
			fprintf(fp, "skipped: %s\n", r->error);
			continue;
		}
		if (r->status == LT_STATUS_ERROR) {
			fprintf(fp, "%serror: %s%s\n", inv->color ? "\033[1;31m" : "",
				r->error, inv->color ? "\033[0m" : "");
		}
		if (r->status == LT_STATUS_OK || r->rows_scanned) {
			if (r->status == LT_STATUS_ERROR)
				lt_pad(fp, "", SRC_W + 1);
			if (r->sampled && r->rows_estimated > 0)
				snprintf(line, sizeof line, "%s of %s rows (sampled)",
					 lt_fmt_count(r->rows_scanned, a, sizeof a),
					 approx((uint64_t)r->rows_estimated, b, sizeof b));
			else
				snprintf(line, sizeof line, "%s rows%s",
					 lt_fmt_count(r->rows_scanned, a, sizeof a),
					 r->sampled ? " (sampled)" : "");
			fprintf(fp, "%12s", line);
			if (r->n_columns == 0)
				fputs("   no personal data", fp);
			fputc('\n', fp);
		}
		if (r->encoding_errors)
			fprintf(fp, "  warning: %s invalid bytes replaced (%s)\n",
				lt_fmt_count(r->encoding_errors, a, sizeof a), r->encoding);
		if (r->header_masked)
			fputs("  warning: the first row holds personal data, not names: "
			      "column names masked (use --no-header)\n", fp);
		if (r->ragged_rows)
			fprintf(fp, "  warning: %s rows with a different number of fields than the header\n",
				lt_fmt_count(r->ragged_rows, a, sizeof a));
		for (size_t c = 0; c < r->n_columns; c++) {
			const struct lt_column *col = &r->columns[c];

			for (size_t k = 0; k < col->n_findings; k++) {
				const struct lt_finding *f = &col->findings[k];
				const struct lt_detector_info *di = lt_packset_info(inv->ps, f->det);
				char frac[96], pct[16], dist[64];

				fputs("  ", fp);
				lt_pad(fp, k == 0 ? col->name : "", name_w);
				fputs("  ", fp);
				lt_pad(fp, di->id, 15);
				fputc(' ', fp);
				if (inv->color)
					fputs(conf_color(f->confidence), fp);
				lt_pad(fp, lt_confidence_name(f->confidence), 7);
				if (inv->color)
					fputs("\033[0m", fp);
				snprintf(frac, sizeof frac, "%s/%s",
					 lt_fmt_count(f->matched, a, sizeof a),
					 lt_fmt_count(f->checked, b, sizeof b));
				snprintf(pct, sizeof pct, "%.1f%%", f->ratio * 100.0);
				if (f->free_text)
					snprintf(dist, sizeof dist, "free text");
				else
					snprintf(dist, sizeof dist, "%s distinct",
						 approx(f->distinct, a, sizeof a));
				fprintf(fp, " %15s %6s  %-18s", frac, pct, dist);
				if (f->n_samples)
					fprintf(fp, " %s", f->samples[0]);
				fputc('\n', fp);
			}
		}
	}
	fputc('\n', fp);
	lt_summary_make(inv, &sum);
	if (sum.sources_pd == 0) {
		fprintf(fp, "%zu source%s scanned, no personal data found.\n",
			inv->n, inv->n == 1 ? "" : "s");
	} else {
		fprintf(fp, "%zu of %zu source%s with personal data, %zu column%s",
			sum.sources_pd, inv->n, inv->n == 1 ? "" : "s",
			sum.columns_pd, sum.columns_pd == 1 ? "" : "s");
		for (size_t t = 0; t < sum.n_category; t++)
			fprintf(fp, "%s %s %zu", t ? "," : ":",
				sum.by_category[t].key, sum.by_category[t].n);
		fputs(".\n", fp);
	}
	if (sum.skipped)
		fprintf(fp, "%zu source%s skipped.\n", sum.skipped,
			sum.skipped == 1 ? "" : "s");
	if (sum.errors)
		fprintf(fp, "%zu source%s could not be read (exit 3).\n",
			sum.errors, sum.errors == 1 ? "" : "s");
	lt_summary_release(&sum);
	if (ferror(fp))
		return lt_err_set(err, LT_E_IO, NULL, 0, "cannot write report: %s",
				  strerror(errno));
	return 0;
}
