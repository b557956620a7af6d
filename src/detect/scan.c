/*
 * scan.c - one source, end to end: stream -> decoder -> sniffer -> CSV
 * parser -> profile -> verdicts.  Runs on one worker thread with that
 * thread's matcher; the result is stored by the caller at the source's
 * index, so reports come out in source order whatever -j is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe/detect.h"

#define READ_CHUNK (1u << 20)     /* raw bytes per read */
#define SNIFF_BYTES (64u << 10)   /* decoded text needed before sniffing */
#define DEFAULT_MAX_FIELD ((size_t)32 << 20)

struct scan {
	const struct lt_packset *ps;
	struct lt_matcher *m;
	const struct lt_scan_opts *o;
	struct lt_profile *prof;
	uint64_t rows;
	uint64_t ragged;
	size_t header_n;
	bool header_done;
	bool stopped;        /* sample limit reached with rows left */
};

static int on_record(void *ctx, const struct lt_field *f, size_t n,
		     uint64_t line, uint64_t byte)
{
	struct scan *s = ctx;

	(void)line;
	(void)byte;
	if (!s->header_done) {
		s->header_done = true;
		if (!s->o->no_header) {
			const char **names = lt_xcalloc(n, sizeof *names);
			for (size_t i = 0; i < n; i++)
				names[i] = f[i].p;
			s->prof = lt_profile_new(s->ps, names, n);
			s->header_n = n;
			free(names);
			return 0;
		}
		s->prof = lt_profile_new(s->ps, NULL, 0);
		s->header_n = n;
	}
	if (s->o->sample_rows && s->rows >= s->o->sample_rows) {
		s->stopped = true;   /* a row beyond the sample exists */
		return 1;
	}
	if (n != s->header_n)
		s->ragged++;
	lt_profile_row(s->prof, s->m, f, n);
	s->rows++;
	return 0;
}

static void fail(struct lt_source_result *out, const struct lt_err *e)
{
	char msg[sizeof out->error];

	out->status = LT_STATUS_ERROR;
	lt_err_format_short(e, msg, sizeof msg);
	snprintf(out->error, sizeof out->error, "%s", msg);
}

void lt_scan_source(const struct lt_packset *ps, struct lt_matcher *m,
		    const struct lt_source *src, const struct lt_scan_opts *o,
		    struct lt_source_result *out)
{
	struct scan s = { .ps = ps, .m = m, .o = o };
	struct lt_stream_opts so = {
		.sample_rows = o->sample_rows, .full = o->full,
		.statement_timeout_ms = o->statement_timeout_ms,
	};
	struct lt_stream *st = NULL;
	struct lt_decoder *dec = NULL;
	struct lt_csv *csv = NULL;
	struct lt_stream_info info;
	struct lt_buf text;
	struct lt_err err;
	char *raw = NULL;
	bool first = true, eof = false;
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->src = src;
	out->rows_estimated = src->rows_estimated;
	out->container = "plain";
	out->encoding = "utf-8";
	lt_err_clear(&err);
	lt_buf_init(&text, 0);
	if (src->status != LT_STATUS_OK) {
		out->status = src->status;
		snprintf(out->error, sizeof out->error, "%s", src->reason);
		return;
	}
	if (lt_stream_open(src, &so, &st, &err) < 0) {
		fail(out, &err);
		return;
	}
	raw = lt_xmalloc(READ_CHUNK);
	dec = lt_decoder_new(o->encoding, o->encoding_strict);
	while (!eof) {
		size_t n = 0;

		if (lt_stream_read(st, raw, READ_CHUNK, &n, &err) < 0) {
			rc = -1;
			break;
		}
		eof = n == 0;
		if (first && n > 0) {
			first = false;
			if (lt_looks_binary(raw, n)) {
				lt_err_set(&err, LT_E_FORMAT, src->name, 0, "not text");
				rc = -1;
				break;
			}
		}
		if (lt_decoder_feed(dec, raw, n, eof, &text, &err) < 0) {
			rc = -1;
			break;
		}
		if (!csv) {
			struct lt_csv_opts co = { 0 };

			if (text.len < SNIFF_BYTES && !eof)
				continue;
			co.delim = o->delimiter ? o->delimiter
						: lt_sniff_delimiter(text.data, text.len);
			co.max_field = o->max_field ? o->max_field : DEFAULT_MAX_FIELD;
			co.name = src->name;
			out->delimiter = co.delim;
			csv = lt_csv_new(&co, on_record, &s);
		}
		rc = lt_csv_feed(csv, text.data, text.len, &err);
		lt_buf_reset(&text);
		if (rc != 0)
			break;
	}
	if (rc == 0 && csv)
		rc = lt_csv_finish(csv, &err);
	if (rc < 0)
		fail(out, &err);
	else
		out->status = LT_STATUS_OK;

	lt_stream_info(st, &info);
	out->container = info.container ? info.container : "plain";
	out->bytes = lt_stream_offset(st);
	if (info.rows_estimated >= 0)
		out->rows_estimated = info.rows_estimated;
	out->encoding = lt_encoding_name(lt_decoder_encoding(dec));
	out->encoding_errors = lt_decoder_errors(dec);
	out->rows_scanned = s.rows;
	out->ragged_rows = s.ragged;
	out->sampled = s.stopped || info.source_sampled;
	if (!out->delimiter)
		out->delimiter = o->delimiter ? o->delimiter : ',';
	if (s.prof) {
		out->n_columns_total = lt_profile_ncols(s.prof);
		lt_profile_verdicts(s.prof, o->min_conf, &out->columns,
				    &out->n_columns);
		lt_profile_free(s.prof);
	}
	lt_csv_free(csv);
	lt_decoder_free(dec);
	lt_stream_close(st);
	lt_buf_release(&text);
	free(raw);
}

void lt_source_result_release(struct lt_source_result *r)
{
	lt_columns_free(r->columns, r->n_columns);
	r->columns = NULL;
	r->n_columns = 0;
}
