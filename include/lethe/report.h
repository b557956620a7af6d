/*
 * report.h - inventory writers: text and JSON (module: report).
 *
 * Writers compute nothing: every figure comes from the source results.
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

int lt_report_text(FILE *fp, const struct lt_inventory *inv, struct lt_err *err);
int lt_report_json(FILE *fp, const struct lt_inventory *inv, struct lt_err *err);

#endif
