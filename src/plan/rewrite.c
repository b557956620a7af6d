/*
 * rewrite.c - the file rewriter of `lethe apply --out` (module: plan).
 *
 * Place in the data flow: plan.json -> apply -> [rewrite] -> redacted copies.
 *
 *   raw bytes --(inflate)--> bytes --(UTF-16 -> UTF-8)--> text --tokenizer-->
 *   records --lt_plan_decide--> records, rewritten --(UTF-8 -> UTF-16)-->
 *   --(deflate)--> raw bytes out
 *
 * The tokenizer keeps each field's raw bytes, so a record nobody touches is
 * copied as it was read, and in a touched record only the changed cells
 * (and dropped columns) differ: every quote, blank, delimiter and line end
 * around them is copied.  UTF-8 and CP949 are tokenized as they are on
 * disk; UTF-16 is converted to UTF-8 and back, which is lossless (the
 * conversion is strict: an unpaired surrogate or an odd byte count makes
 * the source one that cannot be rewritten byte for byte, an error).
 * Values given to lt_plan_decide and to the cell rewrites are the UTF-8
 * the scanner saw: CP949 converted, invalid bytes and NUL as U+FFFD.
 *
 * Memory: one record (raw + values) plus fixed buffers; a field is capped
 * at max_field like the scanner's parser caps it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "apply_int.h"

#define DEFAULT_MAX_FIELD ((size_t)32 << 20)
#define GAP_FLUSH (64u << 10)     /* blank lines held before being passed on */
#define READ_CHUNK (256u << 10)   /* raw bytes per read */
#define HEAD_BYTES (64u << 10)    /* bytes looked at to detect the encoding */
#define OUT_CHUNK (64u << 10)     /* text buffered before it goes out */

/* libcsv's parser states (libcsv.c): the tokenizer follows its machine. */
#define ROW_NOT_BEGUN 0
#define FIELD_NOT_BEGUN 1
#define FIELD_BEGUN 2
#define FIELD_MIGHT_HAVE_ENDED 3

/* ==== tokenizer ================================================================ */

struct lt_tok {
	char delim;
	size_t max_field;
	size_t max_record;     /* raw bytes of one record */
	char *name;            /* for errors, or NULL */
	lt_tok_fn fn;
	void *ctx;
	uint8_t special[256];  /* bytes that end a run of plain field bytes */
	int ps;                /* libcsv state */
	bool quoted;           /* the open field opened with a quote */
	size_t spaces;         /* libcsv's trailing-blank count */
	/* raw holds the text from the first byte not yet handed out: [gap,
	 * rec) blank lines, [rec, pos) the record so far, [pos, len) bytes
	 * not yet looked at.  Offsets below are into raw. */
	struct lt_buf raw;
	size_t gap;            /* first byte not handed out */
	size_t rec;            /* record start (ROW_NOT_BEGUN: the line's) */
	size_t pos;            /* next byte to look at */
	size_t fraw;           /* the open field's first raw byte */
	size_t flead;          /* its blanks before the value or quote */
	struct lt_buf val;     /* the record's values, each NUL-terminated */
	size_t fval;           /* the open field's value starts here */
	struct lt_tok_field *f; /* raw_off absolute until handed out */
	size_t nf, fcap;
	bool pending;          /* a record ended by CR, waiting to see an LF */
	size_t body;           /* the pending record's body end (absolute) */
	uint64_t base;         /* text offset of raw[0] */
	uint64_t line;         /* line of the next byte */
	uint64_t rec_line;     /* line of raw[rec] */
	bool cr;               /* the last byte was CR */
	int state;             /* 0 going, 1 stopped, -1 failed */
};

struct lt_tok *lt_tok_new(char delim, size_t max_field, const char *name,
			  lt_tok_fn fn, void *ctx)
{
	struct lt_tok *t = lt_xcalloc(1, sizeof *t);

	t->delim = delim ? delim : ',';
	t->max_field = max_field ? max_field : DEFAULT_MAX_FIELD;
	t->max_record = t->max_field > SIZE_MAX / 4 ? SIZE_MAX / 2
						    : t->max_field * 2;
	if (t->max_record < (1u << 20))
		t->max_record = 1u << 20;
	t->name = name ? lt_xstrdup(name) : NULL;
	t->fn = fn;
	t->ctx = ctx;
	t->special[(unsigned char)t->delim] = 1;
	t->special['"'] = t->special['\r'] = t->special['\n'] = 1;
	t->special[' '] = t->special['\t'] = 1;
	lt_buf_init(&t->raw, 0);
	lt_buf_init(&t->val, 0);
	t->line = 1;
	t->rec_line = 1;
	return t;
}

void lt_tok_free(struct lt_tok *t)
{
	if (!t)
		return;
	lt_buf_release(&t->raw);
	lt_buf_release(&t->val);
	free(t->f);
	free(t->name);
	free(t);
}

static int tok_fail(struct lt_tok *t, int code, const char *msg,
		    struct lt_err *err)
{
	t->state = -1;
	lt_err_set(err, code, t->name, t->rec_line, "%s", msg);
	lt_err_at_byte(err, t->base + t->rec);
	return -1;
}

static int field_cap(struct lt_tok *t, size_t more, struct lt_err *err)
{
	char msg[96];

	if (t->val.len - t->fval + more <= t->max_field)
		return 0;
	snprintf(msg, sizeof msg, "field larger than %zu bytes", t->max_field);
	return tok_fail(t, LT_E_LIMIT, msg, err);
}

static int tok_put(struct lt_tok *t, char c, struct lt_err *err)
{
	if (field_cap(t, 1, err) < 0)
		return -1;
	lt_buf_putc(&t->val, c);
	return 0;
}

/* Closes the open field, whose raw bytes end at raw offset end.  The value
 * has already lost what libcsv drops for a closed quote; unquoted fields
 * lose their trailing blanks here, as in libcsv's SUBMIT_FIELD. */
static void tok_field(struct lt_tok *t, size_t end, size_t trail, bool blank)
{
	struct lt_tok_field *f;

	if (!t->quoted && !blank)
		t->val.len -= t->spaces;
	if (t->nf == t->fcap) {
		t->fcap = t->fcap ? t->fcap * 2 : 32;
		t->f = lt_xreallocarray(t->f, t->fcap, sizeof *t->f);
	}
	f = &t->f[t->nf++];
	f->raw_off = t->fraw;
	f->raw_len = end - t->fraw;
	f->val_off = t->fval;
	f->val_len = t->val.len - t->fval;
	f->quoted = t->quoted;
	if (blank) {            /* nothing but blanks: all of it is lead */
		f->lead = f->raw_len;
		f->trail = 0;
	} else {
		f->lead = t->flead;
		f->trail = trail;
	}
	lt_buf_putc(&t->val, '\0');
	t->fval = t->val.len;
	t->fraw = end + 1;
	t->quoted = false;
	t->spaces = 0;
	t->ps = FIELD_NOT_BEGUN;
}

/* Hands out the gap, then (record) the record [rec, end) whose body ends
 * at t->body. */
static int tok_emit(struct lt_tok *t, bool record, size_t end,
		    struct lt_err *err)
{
	struct lt_tok_rec r;
	int rc = 0;

	if (t->rec > t->gap) {
		memset(&r, 0, sizeof r);
		r.raw = t->raw.data + t->gap;
		r.raw_len = t->rec - t->gap;
		r.body_len = r.raw_len;
		r.vals = "";
		r.line = t->rec_line;
		r.byte = t->base + t->gap;
		rc = t->fn(t->ctx, &r, err);
	}
	t->gap = t->rec;
	if (rc == 0 && record) {
		for (size_t i = 0; i < t->nf; i++)
			t->f[i].raw_off -= t->rec;
		r.raw = t->raw.data + t->rec;
		r.raw_len = end - t->rec;
		r.body_len = t->body - t->rec;
		r.vals = t->val.data;
		r.f = t->f;
		r.n = t->nf;
		r.line = t->rec_line;
		r.byte = t->base + t->rec;
		rc = t->fn(t->ctx, &r, err);
	}
	if (record) {
		t->gap = t->rec = t->fraw = end;
		t->nf = 0;
		lt_buf_reset(&t->val);
		t->fval = 0;
		t->pending = false;
		t->ps = ROW_NOT_BEGUN;
		t->quoted = false;
		t->spaces = 0;
		t->rec_line = t->line;
	}
	if (rc < 0) {
		t->state = -1;
		return -1;
	}
	if (rc > 0)
		t->state = 1;
	return rc > 0 ? 1 : 0;
}

/* The record's body ends with terminator byte c at offset i. */
static int tok_row_end(struct lt_tok *t, size_t i, unsigned char c,
		       struct lt_err *err)
{
	t->body = i;
	if (c == '\r') {
		t->pending = true; /* an LF may follow: it belongs to us */
		return 0;
	}
	return tok_emit(t, true, i + 1, err);
}

static inline bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline void count_line(struct lt_tok *t, unsigned char c)
{
	if (c == '\r') {
		t->line++;
		t->cr = true;
	} else {
		if (c == '\n' && !t->cr)
			t->line++;
		t->cr = false;
	}
}

/* One byte, c = raw[i], by libcsv's state machine. */
static int tok_step(struct lt_tok *t, size_t i, unsigned char c,
		    struct lt_err *err)
{
	switch (t->ps) {
	case ROW_NOT_BEGUN:
	case FIELD_NOT_BEGUN:
		if (is_blank(c) && c != (unsigned char)t->delim)
			return 0;
		if (c == '\r' || c == '\n') {
			if (t->ps == FIELD_NOT_BEGUN) {
				tok_field(t, i, 0, true);
				return tok_row_end(t, i, c, err);
			}
			/* a blank line: part of the gap */
			t->rec = t->fraw = i + 1;
			t->rec_line = t->line;
			if (t->rec - t->gap >= GAP_FLUSH)
				return tok_emit(t, false, 0, err);
			return 0;
		}
		if (c == (unsigned char)t->delim) {
			tok_field(t, i, 0, true);
			return 0;
		}
		t->flead = i - t->fraw;
		t->ps = FIELD_BEGUN;
		if (c == '"') {
			t->quoted = true;
			return 0;
		}
		t->quoted = false;
		return tok_put(t, (char)c, err);
	case FIELD_BEGUN:
		if (c == '"') {
			if (t->quoted) {
				t->ps = FIELD_MIGHT_HAVE_ENDED;
				return tok_put(t, (char)c, err);
			}
			t->spaces = 0;
			return tok_put(t, (char)c, err);
		}
		if (c == (unsigned char)t->delim) {
			if (t->quoted)
				return tok_put(t, (char)c, err);
			tok_field(t, i, t->spaces, false);
			return 0;
		}
		if (c == '\r' || c == '\n') {
			if (t->quoted)
				return tok_put(t, (char)c, err);
			tok_field(t, i, t->spaces, false);
			return tok_row_end(t, i, c, err);
		}
		if (!t->quoted && is_blank(c))
			t->spaces++;
		else
			t->spaces = 0;
		return tok_put(t, (char)c, err);
	case FIELD_MIGHT_HAVE_ENDED:
		if (c == (unsigned char)t->delim || c == '\r' || c == '\n') {
			size_t trail = t->spaces;

			t->val.len -= t->spaces + 1; /* the closing quote, blanks */
			tok_field(t, i, trail, false);
			if (c == (unsigned char)t->delim)
				return 0;
			return tok_row_end(t, i, c, err);
		}
		if (is_blank(c)) {
			t->spaces++;
			return tok_put(t, (char)c, err);
		}
		if (c == '"') {
			if (t->spaces) {
				t->spaces = 0;
				return tok_put(t, (char)c, err);
			}
			t->ps = FIELD_BEGUN; /* "" is one quote */
			return 0;
		}
		t->ps = FIELD_BEGUN;
		t->spaces = 0;
		return tok_put(t, (char)c, err);
	}
	assert(0);
	return 0;
}

/* Looks at raw[pos, len): runs of plain bytes inside a field in bulk,
 * everything else one byte at a time. */
static int tok_scan(struct lt_tok *t, struct lt_err *err)
{
	char msg[96];

	while (t->pos < t->raw.len && t->state == 0) {
		const unsigned char *b = (const unsigned char *)t->raw.data;
		size_t i = t->pos, j = i, end = t->raw.len;

		if (t->pending) {
			if (b[i] == '\n') {
				count_line(t, b[i]);
				t->pos = i + 1;
				if (tok_emit(t, true, i + 1, err) < 0)
					return -1;
				continue;
			}
			if (tok_emit(t, true, i, err) < 0)
				return -1;
			if (t->state)
				break;
		}
		if (i - t->rec >= t->max_record) {
			snprintf(msg, sizeof msg, "record larger than %zu bytes",
				 t->max_record);
			return tok_fail(t, LT_E_LIMIT, msg, err);
		}
		if (t->ps == FIELD_BEGUN) {
			if (t->quoted) {
				const unsigned char *q = memchr(b + i, '"', end - i);

				j = q ? (size_t)(q - b) : end;
				for (size_t k = i; k < j; k++)
					if (b[k] == '\r' || b[k] == '\n' || t->cr)
						count_line(t, b[k]);
			} else {
				while (j < end && !t->special[b[j]])
					j++;
				if (j > i)
					t->cr = false;
			}
			if (j > i) {
				if (field_cap(t, j - i, err) < 0)
					return -1;
				lt_buf_append(&t->val, b + i, j - i);
				if (!t->quoted)
					t->spaces = 0;
				t->pos = j;
				continue;
			}
		}
		count_line(t, b[i]);
		t->pos = i + 1;
		if (tok_step(t, i, b[i], err) < 0)
			return -1;
	}
	return t->state < 0 ? -1 : 0;
}

/* Drops what was handed out from the front of raw. */
static void tok_compact(struct lt_tok *t)
{
	size_t d = t->gap;

	if (d == 0)
		return;
	memmove(t->raw.data, t->raw.data + d, t->raw.len - d);
	t->raw.len -= d;
	t->base += d;
	t->gap = 0;
	t->rec -= d;
	t->pos -= d;
	t->fraw -= d;
	t->body -= t->pending ? d : 0;
	for (size_t i = 0; i < t->nf; i++)
		t->f[i].raw_off -= d;
}

int lt_tok_feed(struct lt_tok *t, const char *p, size_t n, struct lt_err *err)
{
	if (t->state < 0)
		return lt_err_set(err, LT_E_PARSE, t->name, 0,
				  "tokenizer used after an error");
	if (t->state > 0)
		return 1;
	lt_buf_append(&t->raw, p, n);
	if (tok_scan(t, err) < 0)
		return -1;
	tok_compact(t);
	return t->state;
}

int lt_tok_finish(struct lt_tok *t, struct lt_err *err)
{
	size_t end = t->raw.len;

	if (t->state != 0)
		return t->state < 0 ? lt_err_set(err, LT_E_PARSE, t->name, 0,
						 "tokenizer used after an error")
				    : 1;
	if (t->pending)
		return tok_emit(t, true, end, err) < 0 ? -1 : t->state;
	switch (t->ps) {
	case ROW_NOT_BEGUN:
		t->rec = end; /* trailing blank lines and blanks */
		return tok_emit(t, false, 0, err) < 0 ? -1 : t->state;
	case FIELD_NOT_BEGUN:
		tok_field(t, end, 0, true);
		break;
	case FIELD_BEGUN:
		if (t->quoted)
			return tok_fail(t, LT_E_PARSE,
					"unterminated quoted field", err);
		tok_field(t, end, t->spaces, false);
		break;
	case FIELD_MIGHT_HAVE_ENDED: {
		size_t trail = t->spaces;

		t->val.len -= t->spaces + 1;
		tok_field(t, end, trail, false);
		break;
	}
	}
	t->body = end;
	return tok_emit(t, true, end, err) < 0 ? -1 : t->state;
}

/* ==== cells ======================================================================== */

bool lt_rw_needs_quotes(const char *v, size_t n, char delim)
{
	if (n == 0)
		return false;
	if (is_blank((unsigned char)v[0]) || is_blank((unsigned char)v[n - 1]))
		return true;
	for (size_t i = 0; i < n; i++)
		if (v[i] == delim || v[i] == '"' || v[i] == '\r' || v[i] == '\n')
			return true;
	return false;
}

int lt_rw_quote(const char *v, size_t n, struct lt_buf *out)
{
	if (lt_buf_putc(out, '"') < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"' && lt_buf_putc(out, '"') < 0)
			return -1;
		if (lt_buf_putc(out, v[i]) < 0)
			return -1;
	}
	return lt_buf_putc(out, '"');
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 when invalid or NUL. */
static size_t u8_valid_seq(const unsigned char *p, size_t avail)
{
	int k;

	if (p[0] == 0)
		return 0;
	k = lt_utf8_seq(p, avail);
	return k > 0 ? (size_t)k : 0;
}

/* True when v[0..n) is valid UTF-8 without NUL. */
static bool u8_clean(const char *v, size_t n)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] && p[i] < 0x80) {
			i++;
			continue;
		}
		k = u8_valid_seq(p + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* Appends v with each invalid byte and NUL as U+FFFD (as the decoder). */
static void u8_sanitize(const char *v, size_t n, struct lt_buf *out)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t i = 0, k;

	while (i < n) {
		k = u8_valid_seq(p + i, n - i);
		if (k == 0) {
			lt_buf_append(out, "\xEF\xBF\xBD", 3);
			i++;
		} else {
			lt_buf_append(out, p + i, k);
			i += k;
		}
	}
}

/* ==== text codecs ==================================================================== */

/* iconv over a whole value.  from CP949: an invalid byte becomes U+FFFD
 * (as the decoder); to CP949: a character it cannot hold is an error. */
static int iconv_all(iconv_t cd, const char *v, size_t n, bool replace,
		     struct lt_buf *out)
{
	char obuf[4096];
	char *ip = (char *)v;
	size_t il = n;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (il > 0) {
		char *op = obuf;
		size_t ol = sizeof obuf;
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		int e = errno;

		lt_buf_append(out, obuf, (size_t)(op - obuf));
		if (r != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		if (!replace)
			return -1;
		lt_buf_append(out, "\xEF\xBF\xBD", 3);
		ip++;
		il--;
	}
	return 0;
}

/* Strict UTF-16 -> UTF-8, carrying an incomplete unit or pair. */
struct u16dec {
	bool be;
	unsigned char carry[4];
	size_t nc;
	uint64_t off;   /* input offset of carry[0] (after the BOM) */
};

static void put_u8(uint32_t cp, struct lt_buf *out)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	lt_buf_append(out, b, n);
}

static unsigned unit16(const struct u16dec *d, const unsigned char *p)
{
	return d->be ? (unsigned)(p[0] << 8 | p[1]) : (unsigned)(p[1] << 8 | p[0]);
}

static int u16_bad(const char *name, uint64_t off, struct lt_err *err)
{
	lt_err_set(err, LT_E_ENCODING, name, 0,
		   "invalid utf-16 (unpaired surrogate or odd length): cannot "
		   "rewrite it byte for byte");
	lt_err_at_byte(err, off);
	return -1;
}

/* Converts the units of p[0..n) (carry first); eof: nothing follows. */
static int u16_feed(struct u16dec *d, const unsigned char *p, size_t n,
		    bool eof, const char *name, struct lt_buf *out,
		    struct lt_err *err)
{
	size_t i = 0;
	unsigned u, lo;

	for (;;) {
		while (d->nc < 2 && i < n)
			d->carry[d->nc++] = p[i++];
		if (d->nc < 2)
			break;
		u = unit16(d, d->carry);
		if (u >= 0xDC00 && u <= 0xDFFF)
			return u16_bad(name, d->off, err);
		if (u >= 0xD800 && u <= 0xDBFF) {
			while (d->nc < 4 && i < n)
				d->carry[d->nc++] = p[i++];
			if (d->nc < 4)
				break;
			lo = unit16(d, d->carry + 2);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return u16_bad(name, d->off, err);
			put_u8(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00), out);
			d->off += 4;
		} else {
			put_u8(u, out);
			d->off += 2;
		}
		d->nc = 0;
	}
	if (eof && d->nc)
		return u16_bad(name, d->off, err);
	return 0;
}

/* UTF-8 (produced by us: valid) -> UTF-16 of the source's byte order. */
static int u16_encode(bool be, const char *v, size_t n, struct lt_buf *out,
		      struct lt_err *err)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t k;

		if (p[i] == 0) {
			cp = 0;
			k = 1;
		} else {
			k = u8_valid_seq(p + i, n - i);
			if (k == 0)
				return lt_err_set(err, LT_E_ENCODING, NULL, 0,
						  "internal: invalid utf-8 "
						  "written to a utf-16 file");
			cp = k == 1 ? p[i]
			   : k == 2 ? (uint32_t)(p[i] & 0x1F) << 6 | (p[i + 1] & 0x3F)
			   : k == 3 ? (uint32_t)(p[i] & 0x0F) << 12 |
					  (uint32_t)(p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F)
				    : (uint32_t)(p[i] & 0x07) << 18 |
					  (uint32_t)(p[i + 1] & 0x3F) << 12 |
					  (uint32_t)(p[i + 2] & 0x3F) << 6 | (p[i + 3] & 0x3F);
		}
		i += k;
		unsigned units[2];
		size_t nu = 1;

		if (cp >= 0x10000) {
			cp -= 0x10000;
			units[0] = 0xD800 + (cp >> 10);
			units[1] = 0xDC00 + (cp & 0x3FF);
			nu = 2;
		} else {
			units[0] = cp;
		}
		for (size_t u = 0; u < nu; u++) {
			unsigned char b[2];

			b[be ? 0 : 1] = (unsigned char)(units[u] >> 8);
			b[be ? 1 : 0] = (unsigned char)(units[u] & 0xFF);
			lt_buf_append(out, b, 2);
		}
	}
	return 0;
}

/* ==== the stream pipeline ============================================================= */

struct rw {
	struct lt_rw_unit *u;
	const struct lt_rw_src *in;
	const struct lt_rw_sink *out;
	/* input */
	z_stream zi;
	bool zi_live, gz_member_end;
	unsigned char *rbuf;          /* raw bytes read (inflate input) */
	size_t rpos, rlen;
	bool raw_eof;
	uint64_t raw_off;
	/* output */
	z_stream zo;
	bool zo_live;
	unsigned char *zbuf;          /* deflate output */
	struct lt_buf text;           /* text waiting to go out */
	struct lt_buf enc;            /* text re-encoded (UTF-16) */
	/* text */
	struct u16dec dec;
	struct lt_buf u8;             /* UTF-16 input as UTF-8 */
	iconv_t from949, to949;
	struct lt_tok *tok;
	bool utf16, be, cp949;
	/* records */
	bool header_done;
	uint8_t *need;                /* columns the actions read */
	size_t nneed;
	struct lt_buf scratch;        /* values converted for decisions */
	struct lt_field *fv;          /* values as lt_plan_decide reads them */
	size_t *fv_off;               /* their offsets in scratch (or SIZE_MAX) */
	size_t fcap;
	uint8_t *touch;               /* na */
	uint8_t *dropped;             /* per field */
	size_t dcap;
	struct lt_buf *cell;          /* per field: its new value, UTF-8 */
	bool *changed;                /* per field */
	size_t ccap;
	struct lt_buf tmp;
};

/* ---- raw input ------------------------------------------------------------ */

static int raw_fill(struct rw *w, struct lt_err *err)
{
	size_t got;

	if (w->rpos > 0) {
		memmove(w->rbuf, w->rbuf + w->rpos, w->rlen - w->rpos);
		w->rlen -= w->rpos;
		w->rpos = 0;
	}
	if (w->raw_eof || w->rlen == READ_CHUNK)
		return 0;
	if (w->in->read(w->in->ctx, w->rbuf + w->rlen, READ_CHUNK - w->rlen,
			&got, err) < 0)
		return -1;
	if (got == 0)
		w->raw_eof = true;
	w->rlen += got;
	w->raw_off += got;
	return 0;
}

static int gz_fail(struct rw *w, const char *msg, struct lt_err *err)
{
	lt_err_set(err, LT_E_FORMAT, w->u->name, 0, "%s", msg);
	lt_err_at_byte(err, w->raw_off - (w->rlen - w->rpos));
	return -1;
}

/* Decompressed (or plain) bytes: up to cap into buf, *n = 0 at the end. */
static int bytes_read(struct rw *w, unsigned char *buf, size_t cap, size_t *n,
		      struct lt_err *err)
{
	*n = 0;
	if (!w->zi_live) {
		if (w->rpos == w->rlen && raw_fill(w, err) < 0)
			return -1;
		*n = w->rlen - w->rpos < cap ? w->rlen - w->rpos : cap;
		memcpy(buf, w->rbuf + w->rpos, *n);
		w->rpos += *n;
		return 0;
	}
	for (;;) {
		int ret;
		size_t produced;

		if (w->gz_member_end) {
			while (w->rlen - w->rpos < 2 && !w->raw_eof)
				if (raw_fill(w, err) < 0)
					return -1;
			if (w->rlen == w->rpos)
				return 0;
			if (!lt_is_gzip_magic(w->rbuf + w->rpos, w->rlen - w->rpos))
				return gz_fail(w, "trailing garbage after gzip "
					       "stream", err);
			if (inflateReset(&w->zi) != Z_OK)
				return gz_fail(w, "cannot reset inflater", err);
			w->gz_member_end = false;
		}
		if (w->rpos == w->rlen && !w->raw_eof && raw_fill(w, err) < 0)
			return -1;
		w->zi.next_in = w->rbuf + w->rpos;
		w->zi.avail_in = (uInt)(w->rlen - w->rpos);
		w->zi.next_out = buf;
		w->zi.avail_out = (uInt)cap;
		ret = inflate(&w->zi, Z_NO_FLUSH);
		w->rpos = w->rlen - w->zi.avail_in;
		produced = cap - w->zi.avail_out;
		if (ret == Z_STREAM_END) {
			w->gz_member_end = true;
		} else if (ret == Z_OK || ret == Z_BUF_ERROR) {
			if (produced == 0 && w->rpos == w->rlen && w->raw_eof)
				return gz_fail(w, "truncated gzip stream", err);
		} else {
			char msg[160];

			snprintf(msg, sizeof msg, "corrupt gzip stream: %s",
				 w->zi.msg ? w->zi.msg : "bad data");
			return gz_fail(w, msg, err);
		}
		if (produced > 0) {
			*n = produced;
			return 0;
		}
	}
}

/* ---- output ------------------------------------------------------------------ */

static int bytes_write(struct rw *w, const void *p, size_t n, bool finish,
		       struct lt_err *err)
{
	if (!w->zo_live)
		return n ? w->out->write(w->out->ctx, p, n, err) : 0;
	w->zo.next_in = (unsigned char *)p;
	w->zo.avail_in = (uInt)n;
	for (;;) {
		int ret;
		size_t have;

		w->zo.next_out = w->zbuf;
		w->zo.avail_out = OUT_CHUNK;
		ret = deflate(&w->zo, finish ? Z_FINISH : Z_NO_FLUSH);
		if (ret == Z_STREAM_ERROR)
			return lt_err_set(err, LT_E_IO, w->u->name, 0,
					  "deflate failed");
		have = OUT_CHUNK - w->zo.avail_out;
		if (have && w->out->write(w->out->ctx, w->zbuf, have, err) < 0)
			return -1;
		if (finish ? ret == Z_STREAM_END
			   : (w->zo.avail_in == 0 && w->zo.avail_out != 0))
			return 0;
	}
}

/* Sends the buffered text out (re-encoded for UTF-16). */
static int text_flush(struct rw *w, bool finish, struct lt_err *err)
{
	int rc;

	if (w->utf16) {
		lt_buf_reset(&w->enc);
		if (u16_encode(w->be, w->text.data, w->text.len, &w->enc, err) < 0)
			return -1;
		rc = bytes_write(w, w->enc.data, w->enc.len, finish, err);
	} else {
		rc = bytes_write(w, w->text.data, w->text.len, finish, err);
	}
	lt_buf_reset(&w->text);
	return rc;
}

static int text_put(struct rw *w, const char *p, size_t n, struct lt_err *err)
{
	lt_buf_append(&w->text, p, n);
	if (w->text.len >= OUT_CHUNK)
		return text_flush(w, false, err);
	return 0;
}

/* ---- records -------------------------------------------------------------------- */

static void grow_fields(struct rw *w, size_t n)
{
	if (n <= w->fcap)
		return;
	w->fv = lt_xreallocarray(w->fv, n, sizeof *w->fv);
	w->fv_off = lt_xreallocarray(w->fv_off, n, sizeof *w->fv_off);
	w->dropped = lt_xreallocarray(w->dropped, n, 1);
	w->changed = lt_xreallocarray(w->changed, n, sizeof *w->changed);
	w->cell = lt_xreallocarray(w->cell, n, sizeof *w->cell);
	for (size_t i = w->fcap; i < n; i++)
		lt_buf_init(&w->cell[i], 0);
	w->fcap = n;
}

/* The record's values as the scanner saw them: UTF-8, invalid bytes and
 * NUL as U+FFFD. */
static void values(struct rw *w, const struct lt_tok_rec *r)
{
	lt_buf_reset(&w->scratch);
	grow_fields(w, r->n);
	for (size_t i = 0; i < r->n; i++) {
		const char *v = r->vals + r->f[i].val_off;
		size_t n = r->f[i].val_len;
		/* only the header and the columns the actions read need to
		 * be UTF-8 */
		bool needed = !w->header_done || (i < w->nneed && w->need[i]);
		bool ascii = true;

		for (size_t k = 0; needed && ascii && k < n; k++)
			ascii = (unsigned char)v[k] < 0x80 && v[k] != 0;
		if (!needed || ascii || (!w->cp949 && u8_clean(v, n))) {
			w->fv[i].p = v;
			w->fv[i].n = n;
			w->fv_off[i] = SIZE_MAX;
			continue;
		}
		w->fv_off[i] = w->scratch.len;
		if (w->cp949) {
			lt_buf_reset(&w->tmp);
			iconv_all(w->from949, v, n, true, &w->tmp);
			u8_sanitize(w->tmp.data, w->tmp.len, &w->scratch);
		} else {
			u8_sanitize(v, n, &w->scratch);
		}
		w->fv[i].n = w->scratch.len - w->fv_off[i];
		lt_buf_putc(&w->scratch, '\0');
	}
	for (size_t i = 0; i < r->n; i++)
		if (w->fv_off[i] != SIZE_MAX)
			w->fv[i].p = w->scratch.data + w->fv_off[i];
}

/* The new value of cell col under action a, from its current value. */
static int rewrite_cell(struct rw *w, const struct lt_plan_action *a,
			size_t col, struct lt_err *err)
{
	const char *v = w->changed[col] ? w->cell[col].data : w->fv[col].p;
	size_t n = w->changed[col] ? w->cell[col].len : w->fv[col].n;

	lt_buf_reset(&w->tmp);
	switch (a->action) {
	case LT_ACT_REDACT:
		if (lt_redact(a->keep, a->mask ? a->mask : '*', v, n, &w->tmp) < 0)
			return lt_err_set(err, LT_E_LIMIT, w->u->name, 0,
					  "redacted value too large");
		break;
	case LT_ACT_HASH: {
		uint8_t mac[32];
		char hex[65];

		assert(w->u->key);
		lt_hmac_mac(w->u->key, v, n, mac);
		lt_buf_append(&w->tmp, lt_hex(mac, 32, hex), 64);
		break;
	}
	case LT_ACT_NULLIFY:
		break;
	default:
		assert(0);
	}
	lt_buf_reset(&w->cell[col]);
	lt_buf_append(&w->cell[col], w->tmp.data, w->tmp.len);
	w->changed[col] = true;
	return 0;
}

/* Writes field i's new value: blanks around it kept, quoted when the
 * original was or when the value needs it; nullify writes an empty field. */
static int put_cell(struct rw *w, const struct lt_tok_rec *r, size_t i,
		    bool nullified, struct lt_err *err)
{
	const struct lt_tok_field *f = &r->f[i];
	const char *raw = r->raw + f->raw_off;
	struct lt_buf *v = &w->cell[i];
	const char *val = v->data ? v->data : "";
	size_t vn = v->len;

	if (nullified && vn == 0)
		return 0;
	if (w->cp949 && vn) {
		lt_buf_reset(&w->tmp);
		if (iconv_all(w->to949, val, vn, false, &w->tmp) < 0)
			return lt_err_set(err, LT_E_ENCODING, w->u->name, r->line,
					  "a rewritten value cannot be written "
					  "in cp949");
		val = w->tmp.data;
		vn = w->tmp.len;
	}
	if (text_put(w, raw, f->lead, err) < 0)
		return -1;
	if (f->quoted || lt_rw_needs_quotes(val, vn, w->u->delim_used)) {
		struct lt_buf q;
		int rc;

		lt_buf_init(&q, 0);
		lt_rw_quote(val, vn, &q);
		rc = text_put(w, q.data, q.len, err);
		lt_buf_release(&q);
		if (rc < 0)
			return -1;
	} else if (text_put(w, val, vn, err) < 0) {
		return -1;
	}
	return text_put(w, raw + f->raw_len - f->trail, f->trail, err);
}

/* Writes record r with the changed cells and without the dropped fields;
 * everything else as it was read. */
static int put_record(struct rw *w, const struct lt_tok_rec *r,
		      const bool *nullified, struct lt_err *err)
{
	bool first = true;

	for (size_t i = 0; i < r->n; i++) {
		if (w->dropped[i])
			continue;
		if (!first && text_put(w, &w->u->delim_used, 1, err) < 0)
			return -1;
		first = false;
		if (w->changed[i]) {
			if (put_cell(w, r, i, nullified[i], err) < 0)
				return -1;
		} else if (text_put(w, r->raw + r->f[i].raw_off,
				    r->f[i].raw_len, err) < 0) {
			return -1;
		}
	}
	return text_put(w, r->raw + r->body_len, r->raw_len - r->body_len, err);
}

/* Learns the columns the actions read and drop from the first record: the
 * header (checked against the plan's column names), or with a headerless
 * plan the first data row (only its width is used). */
static int setup_columns(struct rw *w, const struct lt_tok_rec *r,
			 bool check_names, struct lt_err *err)
{
	w->header_done = true;
	/* the columns lt_plan_decide and the rewrites read */
	w->nneed = r->n;
	w->need = lt_xcalloc(r->n ? r->n : 1, 1);
	for (size_t k = 0; k < w->u->na; k++) {
		const struct lt_plan_action *a = w->u->acts[k];

#define NEED(ix) do { if ((ix) >= 0 && (size_t)(ix) < r->n) w->need[ix] = 1; } while (0)
		NEED(a->column_index);
		for (size_t h = 0; h < a->n_holds; h++)
			NEED(a->holds[h].column_index);
		for (size_t c = 0; c < a->n_conds; c++) {
			for (size_t x = 0; x < a->conds[c].age_columns.n; x++)
				NEED(a->conds[c].age_column_indexes[x]);
			if (a->conds[c].ref)
				NEED(a->conds[c].ref->key_index);
		}
#undef NEED
	}
	for (size_t k = 0; check_names && k < w->u->na; k++) {
		if (lt_plan_check_header(w->u->acts[k], w->fv, r->n, err) < 0) {
			if (!err->path[0] && w->u->name)
				snprintf(err->path, sizeof err->path, "%s",
					 w->u->name);
			err->code = LT_E_CONFIG;
			return -1;
		}
	}
	memset(w->dropped, 0, r->n);
	memset(w->changed, 0, r->n * sizeof *w->changed);
	for (size_t k = 0; k < w->u->na; k++) {
		const struct lt_plan_action *a = w->u->acts[k];

		if (a->action == LT_ACT_DROP_COLUMN && a->column_index >= 0 &&
		    (size_t)a->column_index < r->n)
			w->dropped[a->column_index] = 1;
	}
	return 0;
}

static int on_header(struct rw *w, const struct lt_tok_rec *r,
		     struct lt_err *err)
{
	bool *nul = NULL;
	int rc;

	values(w, r);
	if (setup_columns(w, r, true, err) < 0)
		return -1;
	if (!r->n || !memchr(w->dropped, 1, r->n))   /* no column dropped */
		return text_put(w, r->raw, r->raw_len, err);
	nul = lt_xcalloc(r->n ? r->n : 1, sizeof *nul);
	rc = put_record(w, r, nul, err);
	free(nul);
	return rc;
}

static int on_record(void *ctx, const struct lt_tok_rec *r, struct lt_err *err)
{
	struct rw *w = ctx;
	struct lt_rw_unit *u = w->u;
	bool deleted, any = false;
	bool nul_small[64], *nul = nul_small;
	int rc;

	if (r->n == 0) /* blank lines: not records, copied */
		return text_put(w, r->raw, r->raw_len, err);
	if (!w->header_done && (u->na == 0 || u->acts[0]->format.header))
		return on_header(w, r, err);
	values(w, r);
	/* headerless: this record is data, and sets the columns up */
	if (!w->header_done && setup_columns(w, r, false, err) < 0)
		return -1;
	u->records++;
	memset(w->touch, 0, u->na);
	deleted = lt_plan_decide(u->plan, u->acts, u->na, w->fv, r->n, w->touch);
	if (deleted) {
		for (size_t k = 0; k < u->na; k++)
			if (w->touch[k])
				u->counts[k].rows++;
		return 0; /* the record and its line end are gone */
	}
	memset(w->dropped, 0, r->n);
	memset(w->changed, 0, r->n * sizeof *w->changed);
	if (r->n > sizeof nul_small / sizeof nul_small[0])
		nul = lt_xcalloc(r->n, sizeof *nul);
	else
		memset(nul_small, 0, sizeof nul_small);
	for (size_t k = 0; k < u->na; k++) {
		const struct lt_plan_action *a = u->acts[k];
		size_t col;

		if (!w->touch[k])
			continue;
		/* counted as lethe plan counts (build.c): a touched row, and a
		 * cell when the row has it non-empty */
		u->counts[k].rows++;
		if (a->column_index < 0 || (size_t)a->column_index >= r->n)
			continue; /* a short row: nothing to drop here */
		col = (size_t)a->column_index;
		any = true;
		if (w->fv[col].n > 0)
			u->counts[k].cells++;
		if (a->action == LT_ACT_DROP_COLUMN) {
			w->dropped[col] = 1;
			continue;
		}
		if (rewrite_cell(w, a, col, err) < 0) {
			if (nul != nul_small)
				free(nul);
			return -1;
		}
		nul[col] = a->action == LT_ACT_NULLIFY;
	}
	rc = any ? put_record(w, r, nul, err)
		 : text_put(w, r->raw, r->raw_len, err);
	if (nul != nul_small)
		free(nul);
	return rc;
}

/* ---- text input ------------------------------------------------------------------ */

static int text_in(struct rw *w, const unsigned char *p, size_t n, bool eof,
		   struct lt_err *err)
{
	int rc;

	if (w->utf16) {
		lt_buf_reset(&w->u8);
		if (u16_feed(&w->dec, p, n, eof, w->u->name, &w->u8, err) < 0)
			return -1;
		rc = lt_tok_feed(w->tok, w->u8.data, w->u8.len, err);
	} else {
		rc = lt_tok_feed(w->tok, (const char *)p, n, err);
	}
	if (rc < 0)
		return -1;
	if (eof && lt_tok_finish(w->tok, err) < 0)
		return -1;
	return 0;
}

static const unsigned char BOM8[3] = { 0xEF, 0xBB, 0xBF };

/* Decides encoding, BOM and delimiter from the first bytes h[0..n). */
static int decide_format(struct rw *w, const unsigned char *h, size_t n,
			 bool eof, size_t *bom_len, struct lt_err *err)
{
	struct lt_rw_unit *u = w->u;
	enum lt_encoding enc = u->enc;
	struct lt_buf txt;

	*bom_len = 0;
	lt_buf_init(&txt, 0);
	if (enc == LT_ENC_AUTO || !u->delim) {
		struct lt_decoder *d = lt_decoder_new(enc, false);
		struct lt_err e2;

		lt_err_clear(&e2);
		if (lt_decoder_feed(d, h, n, eof, &txt, &e2) == 0 &&
		    enc == LT_ENC_AUTO)
			enc = lt_decoder_encoding(d);
		lt_decoder_free(d);
	}
	if (enc == LT_ENC_AUTO)
		enc = LT_ENC_UTF8;
	u->enc_used = enc;
	u->delim_used = u->delim ? u->delim
				 : lt_sniff_delimiter(txt.data, txt.len);
	lt_buf_release(&txt);
	switch (enc) {
	case LT_ENC_UTF8:
		if (n >= 3 && memcmp(h, BOM8, 3) == 0)
			*bom_len = 3;
		break;
	case LT_ENC_UTF16LE:
	case LT_ENC_UTF16BE:
		w->utf16 = true;
		w->be = enc == LT_ENC_UTF16BE;
		w->dec.be = w->be;
		if (n >= 2 && h[0] == (w->be ? 0xFE : 0xFF) &&
		    h[1] == (w->be ? 0xFF : 0xFE))
			*bom_len = 2;
		break;
	case LT_ENC_CP949:
		w->cp949 = true;
		w->from949 = iconv_open("UTF-8", "CP949");
		w->to949 = iconv_open("CP949", "UTF-8");
		if (w->from949 == (iconv_t)-1 || w->to949 == (iconv_t)-1)
			return lt_err_set(err, LT_E_ENCODING, u->name, 0,
					  "no cp949 converter: %s",
					  strerror(errno));
		break;
	default:
		break;
	}
	u->bom = *bom_len > 0;
	return 0;
}

static void rw_release(struct rw *w)
{
	if (w->zi_live)
		inflateEnd(&w->zi);
	if (w->zo_live)
		deflateEnd(&w->zo);
	free(w->rbuf);
	free(w->zbuf);
	lt_buf_release(&w->text);
	lt_buf_release(&w->enc);
	lt_buf_release(&w->u8);
	lt_buf_release(&w->scratch);
	lt_buf_release(&w->tmp);
	if (w->from949 != (iconv_t)-1)
		iconv_close(w->from949);
	if (w->to949 != (iconv_t)-1)
		iconv_close(w->to949);
	lt_tok_free(w->tok);
	for (size_t i = 0; i < w->fcap; i++)
		lt_buf_release(&w->cell[i]);
	free(w->cell);
	free(w->fv);
	free(w->fv_off);
	free(w->dropped);
	free(w->changed);
	free(w->touch);
	free(w->need);
}

int lt_rw_stream(struct lt_rw_unit *u, const struct lt_rw_src *in,
		 const struct lt_rw_sink *out, struct lt_err *err)
{
	struct rw w;
	unsigned char *head = NULL, *chunk = NULL;
	size_t hlen = 0, n, bom;
	bool eof = false;
	int rc = -1;

	memset(&w, 0, sizeof w);
	w.u = u;
	w.in = in;
	w.out = out;
	w.from949 = w.to949 = (iconv_t)-1;
	w.rbuf = lt_xmalloc(READ_CHUNK);
	w.zbuf = lt_xmalloc(OUT_CHUNK);
	lt_buf_init(&w.text, 0);
	lt_buf_init(&w.enc, 0);
	lt_buf_init(&w.u8, 0);
	lt_buf_init(&w.scratch, 0);
	lt_buf_init(&w.tmp, 0);
	w.touch = lt_xcalloc(u->na ? u->na : 1, 1);
	u->records = 0;

	/* container: gzip by its magic bytes, whatever the name */
	while (w.rlen < 2 && !w.raw_eof)
		if (raw_fill(&w, err) < 0)
			goto out;
	if (lt_is_gzip_magic(w.rbuf, w.rlen)) {
		u->gzip = true;
		if (inflateInit2(&w.zi, 15 + 16) != Z_OK) {
			lt_err_set(err, LT_E_FORMAT, u->name, 0,
				   "cannot start inflater");
			goto out;
		}
		w.zi_live = true;
		if (deflateInit2(&w.zo, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
				 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			lt_err_set(err, LT_E_IO, u->name, 0,
				   "cannot start deflater");
			goto out;
		}
		w.zo_live = true;
	}

	/* the first block decides encoding, BOM and delimiter */
	head = lt_xmalloc(HEAD_BYTES);
	while (hlen < HEAD_BYTES) {
		if (bytes_read(&w, head + hlen, HEAD_BYTES - hlen, &n, err) < 0)
			goto out;
		if (n == 0) {
			eof = true;
			break;
		}
		hlen += n;
	}
	if (decide_format(&w, head, hlen, eof, &bom, err) < 0)
		goto out;
	w.tok = lt_tok_new(u->delim_used, u->max_field, u->name, on_record, &w);
	if (bom && bytes_write(&w, head, bom, false, err) < 0)
		goto out;
	if (text_in(&w, head + bom, hlen - bom, eof, err) < 0)
		goto out;
	chunk = lt_xmalloc(READ_CHUNK);
	while (!eof) {
		if (bytes_read(&w, chunk, READ_CHUNK, &n, err) < 0)
			goto out;
		eof = n == 0;
		if (text_in(&w, chunk, n, eof, err) < 0)
			goto out;
	}
	if (text_flush(&w, true, err) < 0)
		goto out;
	rc = 0;
out:
	free(head);
	free(chunk);
	rw_release(&w);
	return rc;
}

/* ==== one file ========================================================================== */

struct fd_src {
	int fd;
	const char *name;
	struct lt_sha256 sha;
	uint64_t bytes;
};

static int fd_read(void *ctx, void *buf, size_t cap, size_t *n,
		   struct lt_err *err)
{
	struct fd_src *s = ctx;
	ssize_t r;

	do
		r = read(s->fd, buf, cap);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		lt_err_set(err, LT_E_IO, s->name, 0, "read error: %s",
			   strerror(errno));
		lt_err_at_byte(err, s->bytes);
		return -1;
	}
	*n = (size_t)r;
	lt_sha256_update(&s->sha, buf, *n);
	s->bytes += *n;
	return 0;
}

struct file_sink {
	FILE *fp;
	const char *name;
	struct lt_sha256 sha;
	uint64_t bytes;
};

static int file_write(void *ctx, const void *p, size_t n, struct lt_err *err)
{
	struct file_sink *s = ctx;

	if (n && fwrite(p, 1, n, s->fp) != n)
		return lt_err_set(err, LT_E_IO, s->name, 0, "write error: %s",
				  strerror(errno));
	lt_sha256_update(&s->sha, p, n);
	s->bytes += n;
	return 0;
}

static void unit_of_part(struct lt_rw_unit *u, const struct lt_plan *p,
			 const struct lt_rw_part *part,
			 const struct lt_hmac *key)
{
	memset(u, 0, sizeof *u);
	u->plan = p;
	u->acts = part->acts;
	u->na = part->na;
	u->counts = part->counts;
	u->key = key;
	u->name = part->name;
	u->enc = LT_ENC_AUTO;
	if (part->format) {
		enum lt_encoding e;

		if (part->format->encoding[0] &&
		    lt_encoding_parse(part->format->encoding, &e) == 0)
			u->enc = e;
		u->delim = part->format->delimiter;
	}
}

/* ---- zip ------------------------------------------------------------------------------ */

struct ar_src {
	struct archive *ar;
	const char *name;
	uint64_t off;
};

static int ar_read(void *ctx, void *buf, size_t cap, size_t *n,
		   struct lt_err *err)
{
	struct ar_src *s = ctx;
	la_ssize_t r = archive_read_data(s->ar, buf, cap);

	if (r < 0) {
		lt_err_set(err, LT_E_FORMAT, s->name, 0,
			   "cannot read zip member: %s",
			   archive_error_string(s->ar) ? archive_error_string(s->ar)
						       : "read error");
		lt_err_at_byte(err, s->off);
		return -1;
	}
	*n = (size_t)r;
	s->off += *n;
	return 0;
}

struct ar_sink {
	struct archive *aw;
	const char *name;
};

static int ar_write(void *ctx, const void *p, size_t n, struct lt_err *err)
{
	struct ar_sink *s = ctx;
	const char *b = p;

	while (n > 0) {
		la_ssize_t r = archive_write_data(s->aw, b, n);

		if (r <= 0)
			return lt_err_set(err, LT_E_IO, s->name, 0,
					  "cannot write zip member: %s",
					  archive_error_string(s->aw)
						  ? archive_error_string(s->aw)
						  : "write error");
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static la_ssize_t aw_write_cb(struct archive *a, void *ctx, const void *p,
			      size_t n)
{
	struct file_sink *s = ctx;
	struct lt_err e;

	if (file_write(s, p, n, &e) < 0) {
		archive_set_error(a, EIO, "%s", e.msg);
		return -1;
	}
	return (la_ssize_t)n;
}

static int zip_run(const struct lt_plan *p, struct lt_rw_file *f,
		   const struct lt_hmac *key, struct file_sink *sink,
		   struct lt_err *err)
{
	struct archive *ar = archive_read_new(), *aw = archive_write_new();
	struct archive_entry *e;
	bool *done = lt_xcalloc(f->nparts ? f->nparts : 1, sizeof *done);
	char *buf = lt_xmalloc(READ_CHUNK);
	int rc = -1, r;

	archive_read_support_format_zip(ar);
	if (archive_read_open_filename(ar, f->path, 64 * 1024) != ARCHIVE_OK) {
		lt_err_set(err, LT_E_IO, f->path, 0, "cannot open zip: %s",
			   archive_error_string(ar) ? archive_error_string(ar)
						    : "open error");
		goto out;
	}
	if (archive_write_set_format_zip(aw) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(aw, 0) != ARCHIVE_OK ||
	    archive_write_open(aw, sink, NULL, aw_write_cb, NULL) != ARCHIVE_OK) {
		lt_err_set(err, LT_E_IO, f->path, 0, "cannot start zip writer: %s",
			   archive_error_string(aw) ? archive_error_string(aw)
						    : "error");
		goto out;
	}
	for (;;) {
		struct archive_entry *oe;
		const char *nm;
		size_t k;

		r = archive_read_next_header(ar, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			lt_err_set(err, LT_E_FORMAT, f->path, 0, "corrupt zip: %s",
				   archive_error_string(ar)
					   ? archive_error_string(ar)
					   : "bad header");
			goto out;
		}
		nm = archive_entry_pathname(e);
		if (!nm)
			nm = archive_entry_pathname_utf8(e);
		for (k = 0; k < f->nparts; k++)
			if (!done[k] && nm && archive_entry_filetype(e) == AE_IFREG &&
			    strcmp(f->parts[k].member, nm) == 0)
				break;
		oe = archive_entry_clone(e);
		if (k < f->nparts)
			archive_entry_unset_size(oe); /* written with a data
							* descriptor */
		if (archive_write_header(aw, oe) < ARCHIVE_WARN) {
			lt_err_set(err, LT_E_IO, f->path, 0,
				   "cannot write zip entry: %s",
				   archive_error_string(aw)
					   ? archive_error_string(aw)
					   : "error");
			archive_entry_free(oe);
			goto out;
		}
		archive_entry_free(oe);
		if (k < f->nparts) {
			struct lt_rw_unit u;
			struct ar_src as = { ar, f->parts[k].name, 0 };
			struct ar_sink ak = { aw, f->parts[k].name };
			struct lt_rw_src src = { ar_read, &as };
			struct lt_rw_sink snk = { ar_write, &ak };

			unit_of_part(&u, p, &f->parts[k], key);
			if (lt_rw_stream(&u, &src, &snk, err) < 0)
				goto out;
			done[k] = true;
		} else {
			struct ar_src as = { ar, f->path, 0 };
			struct ar_sink ak = { aw, f->path };
			size_t n = 0;

			for (;;) {
				if (ar_read(&as, buf, READ_CHUNK, &n, err) < 0)
					goto out;
				if (n == 0)
					break;
				if (ar_write(&ak, buf, n, err) < 0)
					goto out;
			}
		}
		if (archive_write_finish_entry(aw) < ARCHIVE_WARN) {
			lt_err_set(err, LT_E_IO, f->path, 0,
				   "cannot finish zip entry: %s",
				   archive_error_string(aw)
					   ? archive_error_string(aw)
					   : "error");
			goto out;
		}
	}
	for (size_t k = 0; k < f->nparts; k++) {
		if (!done[k]) {
			lt_err_set(err, LT_E_IO, f->parts[k].name, 0,
				   "member not found in zip");
			goto out;
		}
	}
	if (archive_write_close(aw) != ARCHIVE_OK) {
		lt_err_set(err, LT_E_IO, f->path, 0, "cannot finish zip: %s",
			   archive_error_string(aw) ? archive_error_string(aw)
						    : "error");
		goto out;
	}
	rc = 0;
out:
	archive_read_free(ar);
	archive_write_free(aw);
	free(done);
	free(buf);
	return rc;
}

int lt_rw_file_run(const struct lt_plan *p, struct lt_rw_file *f,
		   const struct lt_hmac *key, FILE *out, struct lt_err *err)
{
	struct file_sink sink;
	int rc;

	memset(&sink, 0, sizeof sink);
	sink.fp = out;
	sink.name = f->path;
	lt_sha256_init(&sink.sha);
	f->src_hashed = false;
	if (f->zip) {
		rc = zip_run(p, f, key, &sink, err);
	} else {
		struct fd_src fs;
		struct lt_rw_src src = { fd_read, &fs };
		struct lt_rw_sink snk = { file_write, &sink };
		struct lt_rw_unit u;

		assert(f->nparts == 1);
		memset(&fs, 0, sizeof fs);
		fs.name = f->path;
		lt_sha256_init(&fs.sha);
		fs.fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (fs.fd < 0)
			return lt_err_set(err, LT_E_IO, f->path, 0,
					  "cannot open: %s", strerror(errno));
		unit_of_part(&u, p, &f->parts[0], key);
		rc = lt_rw_stream(&u, &src, &snk, err);
		if (rc == 0) {
			/* whatever follows the last record still counts */
			char b[4096];
			size_t n;

			do
				rc = fd_read(&fs, b, sizeof b, &n, err);
			while (rc == 0 && n > 0);
		}
		close(fs.fd);
		if (rc == 0) {
			lt_sha256_final(&fs.sha, f->src_sha256);
			f->src_hashed = true;
			f->src_bytes = fs.bytes;
		}
	}
	if (rc == 0 && fflush(out) != 0)
		rc = lt_err_set(err, LT_E_IO, f->path, 0, "write error: %s",
				strerror(errno));
	if (rc == 0) {
		lt_sha256_final(&sink.sha, f->out_sha256);
		f->out_bytes = sink.bytes;
	}
	return rc;
}
