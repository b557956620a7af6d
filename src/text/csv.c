/*
 * csv.c - the libcsv wrapper (module: text).
 *
 * Place in the data flow: decoder (UTF-8) -> [parser] -> cells -> detectors.
 * libcsv is the reference parser: lenient inside records (CSV_STRICT off),
 * CRLF and blank lines handled by it, unquoted fields trimmed of leading and
 * trailing blanks as it does by default.  This wrapper adds what libcsv does
 * not know:
 *
 *  - where each record starts.  Input is fed to libcsv one line at a time
 *    (cut after each '\n' and after each lone '\r', and long lines in 64 KiB
 *    pieces); before each piece, if libcsv has no record in progress
 *    (pstate ROW_NOT_BEGUN), any record that begins in the piece begins on
 *    the current line, whose first byte we know.  A quoted field spanning
 *    lines keeps the line where its record started.
 *  - a cap on field size: libcsv's entry_pos (the field being built) is
 *    checked after every piece, and completed fields in the field callback.
 *  - an unterminated quote at end of input is an error.  libcsv reports it
 *    only with CSV_STRICT | CSV_STRICT_FINI, and CSV_STRICT would also
 *    reject stray quotes inside records, so the wrapper reads libcsv's public
 *    parser state (pstate FIELD_BEGUN with quoted set) before csv_fini.
 *
 * Fields are copied into a per-record arena (libcsv reuses its buffer for
 * every field) and handed to the callback as (pointer, length), valid only
 * during the call.
 */
#include <assert.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe/text.h"

#define PIECE (64u * 1024u)        /* at most this much per csv_parse call */
#define DEFAULT_MAX_FIELD (32u * 1024u * 1024u)
#define FIELD_OVERHEAD 32          /* arena cost of a field beyond its bytes */

/* libcsv's parser states (libcsv.c, stable since 3.0). */
#define CSV_ROW_NOT_BEGUN 0
#define CSV_FIELD_BEGUN 2
#define CSV_FIELD_MIGHT_HAVE_ENDED 3

struct span {
	size_t off, len; /* a field in the arena */
};

struct lt_csv {
	struct csv_parser p;
	lt_csv_record_fn fn;
	void *ctx;
	char *name;            /* source name for errors, or NULL */
	size_t max_field;      /* bytes */
	size_t max_record;     /* arena bytes (fields + overhead) */
	uint64_t line;         /* line of the next byte (1-based) */
	uint64_t byte;         /* offset of the next byte */
	uint64_t line_start;   /* offset of the current line's first byte */
	uint64_t rec_line;     /* where the record in progress started */
	uint64_t rec_byte;
	bool pending_cr;       /* a '\r' ended the last feed: CRLF or lone? */
	bool finished;
	int state;             /* 0 going, 1 stopped by the callback, -1 error */
	bool field_over;       /* a field over max_field was seen */
	bool record_over;      /* the record's arena went over max_record */
	char *arena;           /* this record's fields, each NUL-terminated */
	size_t alen, acap, acost;
	struct span *spans;
	size_t nspans, scap;
	struct lt_field *fields; /* built for the callback */
	size_t fcap;
};

static bool halted(const struct lt_csv *c)
{
	return c->state != 0 || c->field_over || c->record_over;
}

static void on_field(void *f, size_t len, void *data)
{
	struct lt_csv *c = data;
	size_t need;

	if (halted(c))
		return;
	if (len > c->max_field) {
		c->field_over = true;
		return;
	}
	if (len + 1 + FIELD_OVERHEAD > c->max_record - c->acost) {
		c->record_over = true;
		return;
	}
	c->acost += len + 1 + FIELD_OVERHEAD;
	need = c->alen + len + 1;
	if (need > c->acap) {
		size_t cap = c->acap ? c->acap : 1024;

		while (cap < need)
			cap *= 2;
		c->arena = lt_xrealloc(c->arena, cap);
		c->acap = cap;
	}
	if (c->nspans == c->scap) {
		c->scap = c->scap ? c->scap * 2 : 64;
		c->spans = lt_xreallocarray(c->spans, c->scap, sizeof *c->spans);
	}
	if (len)
		memcpy(c->arena + c->alen, f, len);
	c->arena[c->alen + len] = '\0';
	c->spans[c->nspans].off = c->alen;
	c->spans[c->nspans].len = len;
	c->nspans++;
	c->alen = need;
}

static void on_record(int term, void *data)
{
	struct lt_csv *c = data;
	size_t i;

	if (!halted(c)) {
		if (c->nspans > c->fcap) {
			c->fcap = c->nspans;
			c->fields = lt_xreallocarray(c->fields, c->fcap,
						     sizeof *c->fields);
		}
		for (i = 0; i < c->nspans; i++) {
			c->fields[i].p = c->arena + c->spans[i].off;
			c->fields[i].n = c->spans[i].len;
		}
		if (c->fn(c->ctx, c->fields, c->nspans, c->rec_line,
			  c->rec_byte) != 0)
			c->state = 1;
	}
	c->nspans = 0;
	c->alen = 0;
	c->acost = 0;
}

struct lt_csv *lt_csv_new(const struct lt_csv_opts *o, lt_csv_record_fn fn,
			  void *ctx)
{
	struct lt_csv *c = lt_xcalloc(1, sizeof *c);

	csv_init(&c->p, CSV_APPEND_NULL | CSV_STRICT_FINI);
	csv_set_delim(&c->p, (unsigned char)(o && o->delim ? o->delim : ','));
	csv_set_realloc_func(&c->p, lt_xrealloc);
	csv_set_blk_size(&c->p, 4096);
	c->fn = fn;
	c->ctx = ctx;
	c->name = o && o->name ? lt_xstrdup(o->name) : NULL;
	c->max_field = o && o->max_field ? o->max_field : DEFAULT_MAX_FIELD;
	/* a record may hold several big fields, but not without bound */
	c->max_record = c->max_field > SIZE_MAX / 4 ? SIZE_MAX / 2
						    : c->max_field * 2;
	if (c->max_record < 1024u * 1024u)
		c->max_record = 1024u * 1024u;
	c->line = 1;
	return c;
}

static int fail_at_record(struct lt_csv *c, int code, const char *msg,
			  struct lt_err *err)
{
	c->state = -1;
	lt_err_set(err, code, c->name, c->rec_line, "%s", msg);
	lt_err_at_byte(err, c->rec_byte);
	return -1;
}

/* Bytes of the field libcsv is building, not counting what it will drop:
 * the trailing blanks of an unquoted field, a quote that may close one. */
static size_t open_field_len(const struct csv_parser *p)
{
	size_t n = p->entry_pos, drop = 0;

	if (p->pstate == CSV_FIELD_MIGHT_HAVE_ENDED)
		drop = p->spaces + 1;
	else if (p->pstate == CSV_FIELD_BEGUN && !p->quoted)
		drop = p->spaces;
	return n > drop ? n - drop : 0;
}

static int check_limits(struct lt_csv *c, struct lt_err *err)
{
	char msg[96];

	if (c->field_over || open_field_len(&c->p) > c->max_field) {
		snprintf(msg, sizeof msg, "field larger than %zu bytes",
			 c->max_field);
		return fail_at_record(c, LT_E_LIMIT, msg, err);
	}
	if (c->record_over) {
		snprintf(msg, sizeof msg, "record larger than %zu bytes",
			 c->max_record);
		return fail_at_record(c, LT_E_LIMIT, msg, err);
	}
	return 0;
}

/* Feeds one piece: no terminator inside it except possibly its last byte
 * (or a '\r' directly followed by its last byte, '\n'). */
static int feed_piece(struct lt_csv *c, const char *p, size_t n,
		      struct lt_err *err)
{
	size_t r;

	if (c->p.pstate == CSV_ROW_NOT_BEGUN) {
		c->rec_line = c->line;
		c->rec_byte = c->line_start;
	}
	r = csv_parse(&c->p, p, n, on_field, on_record, c);
	assert(r == n); /* only an allocation failure stops it: fatal */
	(void)r;
	c->byte += n;
	if (check_limits(c, err) < 0)
		return -1;
	/* libcsv grows its field buffer by blk_size: make that geometric */
	if (c->p.entry_size > c->p.blk_size)
		csv_set_blk_size(&c->p, c->p.entry_size);
	return c->state;
}

static void new_line(struct lt_csv *c)
{
	c->line++;
	c->line_start = c->byte;
}

int lt_csv_feed(struct lt_csv *c, const char *p, size_t n, struct lt_err *err)
{
	size_t i = 0;

	if (c->state < 0)
		return lt_err_set(err, LT_E_PARSE, c->name, 0,
				  "parser used after an error");
	if (c->state > 0)
		return 1;
	if (c->pending_cr && n > 0) {
		c->pending_cr = false;
		if (p[0] != '\n')
			new_line(c); /* the '\r' was a line end of its own */
	}
	while (i < n) {
		const char *s = p + i, *nl, *cr;
		size_t seg, off, k;
		int term;
		int rc;

		nl = memchr(s, '\n', n - i);
		seg = nl ? (size_t)(nl - s) + 1 : n - i;
		term = nl ? '\n' : 0;
		cr = memchr(s, '\r', seg);
		if (cr && !(nl && cr + 1 == nl)) {
			seg = (size_t)(cr - s) + 1; /* a lone '\r' ends a line */
			term = '\r';
		}
		for (off = 0; off < seg; off += k) {
			k = seg - off < PIECE ? seg - off : PIECE;
			rc = feed_piece(c, s + off, k, err);
			if (rc != 0)
				return rc;
		}
		i += seg;
		if (term == '\n')
			new_line(c);
		else if (term == '\r') {
			if (i < n)
				new_line(c);
			else
				c->pending_cr = true;
		}
	}
	return 0;
}

int lt_csv_finish(struct lt_csv *c, struct lt_err *err)
{
	if (c->state < 0)
		return lt_err_set(err, LT_E_PARSE, c->name, 0,
				  "parser used after an error");
	if (c->state > 0 || c->finished)
		return c->state;
	c->finished = true;
	if (c->pending_cr) {
		c->pending_cr = false;
		new_line(c);
	}
	if (c->p.pstate == CSV_FIELD_BEGUN && c->p.quoted)
		return fail_at_record(c, LT_E_PARSE,
				      "unterminated quoted field", err);
	csv_fini(&c->p, on_field, on_record, c);
	if (check_limits(c, err) < 0)
		return -1;
	return c->state;
}

uint64_t lt_csv_lines(const struct lt_csv *c)
{
	/* terminated lines, plus a last one without a terminator */
	return c->line - 1 + (c->finished && c->byte > c->line_start);
}

void lt_csv_free(struct lt_csv *c)
{
	if (!c)
		return;
	csv_free(&c->p);
	free(c->name);
	free(c->arena);
	free(c->spans);
	free(c->fields);
	free(c);
}
