/*
 * report.h - inventory writers: text and JSON (module: report).
 *
 * Writers compute nothing but layout: every figure comes from the source
 * results, the totals from lt_summary_make.
 * They never print a raw cell value (samples are masked upstream).
 * Ownership: everything is borrowed from the caller for the call.
 */
#ifndef LETHE_REPORT_H
#define LETHE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lethe/detect.h"

struct lt_inventory {
	const struct lt_packset *ps;
	const struct lt_source_result *results; /* in source-list order */
	size_t n;
	int64_t generated_at;   /* epoch seconds */
	bool color;             /* text: ANSI colour (terminal, no NO_COLOR) */
	int exit_code;          /* what the run will exit with (text footer) */
};

/* Totals over the inventory, shared by the writers. */
struct lt_tally {
	const char *key;    /* borrowed from the packset */
	size_t n;
};
struct lt_summary {
	size_t sources_pd;  /* sources with a medium or high finding */
	size_t columns_pd;  /* columns with one */
	size_t errors, skipped;
	struct lt_tally *by_type, *by_category;  /* those findings, first-seen order */
	size_t n_type, n_category;
};
void lt_summary_make(const struct lt_inventory *inv, struct lt_summary *s);
void lt_summary_release(struct lt_summary *s);

int lt_report_text(FILE *fp, const struct lt_inventory *inv, struct lt_err *err);
int lt_report_json(FILE *fp, const struct lt_inventory *inv, struct lt_err *err);

#endif
