/*
 * text.h - bytes to UTF-8, dialect sniffing, CSV parsing (module: text).
 *
 * decoder: raw bytes (any chunking) -> UTF-8.  Detects a BOM (UTF-8,
 * UTF-16LE/BE), otherwise UTF-8, falling back to CP949 when the first block
 * is not UTF-8 but is valid CP949.  Invalid bytes and NUL become U+FFFD and
 * are counted, or with strict are an error at their byte offset.
 *
 * csv: a wrapper around libcsv that reports records with their line number
 * and byte offset, caps field size, and turns an unterminated quote at end of
 * input into an error.  Fields are borrowed: valid only during the callback.
 *
 * Ownership: each object is owned by its creator and used by one thread.
 */
#ifndef LETHE_TEXT_H
#define LETHE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lethe/err.h"
#include "lethe/util.h"

enum lt_encoding {
	LT_ENC_AUTO = 0,
	LT_ENC_UTF8,
	LT_ENC_UTF16LE,
	LT_ENC_UTF16BE,
	LT_ENC_CP949,
};
const char *lt_encoding_name(enum lt_encoding e); /* "utf-8", "utf-16le", ... */
/* Parses a user's --encoding value (case-insensitive; euc-kr = cp949).
 * Returns -1 when unknown. */
int lt_encoding_parse(const char *s, enum lt_encoding *out);

struct lt_decoder;
struct lt_decoder *lt_decoder_new(enum lt_encoding forced, bool strict);
/* Converts in[0..n) and appends UTF-8 to out.  eof: no more input follows
 * (flushes a partial sequence as U+FFFD).  Returns 0 or -1 (strict mode
 * invalid byte: err names the byte offset in the input; out->max hit). */
int lt_decoder_feed(struct lt_decoder *d, const void *in, size_t n, bool eof,
		    struct lt_buf *out, struct lt_err *err);
enum lt_encoding lt_decoder_encoding(const struct lt_decoder *d);
bool lt_decoder_had_bom(const struct lt_decoder *d);
uint64_t lt_decoder_errors(const struct lt_decoder *d); /* bytes replaced */
void lt_decoder_free(struct lt_decoder *d);

/* True when p[0..n) (the first block of a source) is clearly not text: a
 * known binary magic number, or mostly control bytes.  UTF-16 with a BOM is
 * text. */
bool lt_looks_binary(const void *p, size_t n);

/* Picks the delimiter among , ; TAB | from the first lines of UTF-8 text
 * (quote-aware: the one giving the most consistent field count > 1).
 * Returns ',' when none is present (one column). */
char lt_sniff_delimiter(const char *p, size_t n);

/* ---- CSV ------------------------------------------------------------------ */
struct lt_field {
	const char *p; /* borrowed, NUL-terminated, valid during the callback */
	size_t n;
};

/* Called once per record.  line: line number where the record starts
 * (1-based); byte: offset of its first byte in the UTF-8 text.  Return 0 to
 * go on, nonzero to stop parsing (lt_csv_feed then returns 1). */
typedef int (*lt_csv_record_fn)(void *ctx, const struct lt_field *fields,
				size_t nfields, uint64_t line, uint64_t byte);

struct lt_csv_opts {
	char delim;        /* ',' by default */
	size_t max_field;  /* bytes; 0 = 32 MiB */
	const char *name;  /* source name for errors */
};

struct lt_csv;
struct lt_csv *lt_csv_new(const struct lt_csv_opts *o, lt_csv_record_fn fn,
			  void *ctx);
/* Feeds UTF-8 text (any chunking).  Returns 0, 1 when the callback asked to
 * stop, -1 on error (field over max_field: err names line and byte). */
int lt_csv_feed(struct lt_csv *c, const char *p, size_t n, struct lt_err *err);
/* Ends input: flushes the last record.  An unterminated quoted field is an
 * error naming the line and byte where it opened. */
int lt_csv_finish(struct lt_csv *c, struct lt_err *err);
uint64_t lt_csv_lines(const struct lt_csv *c); /* lines consumed so far */
void lt_csv_free(struct lt_csv *c);

/* ---- the fast path for whole blocks (split.c) ------------------------------ */

/* Parses the records of p[0..n), a block that starts at a record boundary,
 * calling fn exactly as an lt_csv fed the same text would: the same fields
 * (each NUL-terminated), the same line and byte for each record, counted
 * from line0 and byte0 (the block's first byte).  Modifies p in place (the
 * fields are built there): the caller owns the block, which must stay
 * writable and alive during the call; fields are valid during the callback.
 * Stops before any record it does not parse with certainty (a character
 * after a closing quote, a record not ended inside the block, a field over
 * max_field or a record over lt_csv's record cap): that record and the
 * rest of the block are left untouched for lt_csv.
 * Returns 0 when the whole block was parsed (*done = n), 1 when it stopped
 * before a record (*done = that record's offset, at a line start;
 * *done_line = its line), 2 when fn returned nonzero (*done and *done_line
 * just past that record).  Thread-safe: no shared state. */
int lt_split_block(char *p, size_t n, const struct lt_csv_opts *o,
		   lt_csv_record_fn fn, void *ctx, uint64_t line0,
		   uint64_t byte0, size_t *done, uint64_t *done_line);

/* The whole text p[0..n) (then end of input), as lt_csv_new + lt_csv_feed
 * + lt_csv_finish would parse it, with records and errors placed relative
 * to p (line 1, byte 0): lt_split_block first, lt_csv for the rest when it
 * stops.  Modifies p in place.  Returns 0, 1 (fn asked to stop) or -1
 * (err set, as lt_csv sets it). */
int lt_split_parse(char *p, size_t n, const struct lt_csv_opts *o,
		   lt_csv_record_fn fn, void *ctx, struct lt_err *err);

#endif
