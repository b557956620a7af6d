/*
 * split.c - the fast CSV path for whole blocks (module: text).
 *
 * Place in the data flow: decoder (UTF-8) -> block cutter -> [splitter,
 * falling back to the libcsv wrapper] -> cells -> detectors.
 *
 * lt_split_block parses the records of a block that starts at a record
 * boundary, in place, and calls the record callback exactly as lt_csv
 * (csv.c, libcsv underneath) would for the same text: the same fields,
 * each NUL-terminated, the same line and byte for each record.  What it
 * reproduces of libcsv (non-strict, default options):
 *
 *  - blanks (' ' and TAB, unless one is the delimiter) before a field are
 *    skipped; after an unquoted field they are trimmed; after a closing
 *    quote they are dropped;
 *  - a field that starts with '"' is quoted: delimiters, CR and LF inside
 *    are data, "" is one quote;
 *  - a '"' inside an unquoted field is an ordinary character;
 *  - CR, LF and CRLF end a record; blank lines (and lines of blanks) are
 *    skipped; lines are counted at each LF and each CR not followed by LF,
 *    also inside quoted fields.  A record's line and byte are those of the
 *    line where it starts.
 *
 * What it leaves to libcsv, by stopping before the record: any character
 * after a closing quote other than blanks then a delimiter or a line end
 * (libcsv's lenient handling), a record not ended inside the block (an
 * unterminated quote, a last line without its terminator), a field over
 * max_field or a record over the wrapper's record cap (errors are the
 * wrapper's to report), a delimiter that is '"', CR or LF.
 *
 * Speed: the block is classified 64 bytes at a time (SSE2 compares, or
 * SWAR 8 bytes at a time without SSE2) into a bit mask of the bytes that
 * matter (delimiter, quote, CR, LF); fields are found by counting trailing
 * zeros, not byte by byte.  Nothing is allocated per record or per field.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "lethe/text.h"

/* The wrapper's caps (csv.c): a field over max_field, a record whose
 * fields cost more than max_record (bytes + FIELD_OVERHEAD each). */
#define DEFAULT_MAX_FIELD (32u * 1024u * 1024u)
#define FIELD_OVERHEAD 32
#define FIXED_FIELDS 64   /* fields per record before the heap is used */

struct span {
	size_t off;   /* first content byte in the block */
	size_t raw;   /* content bytes in the block ("" pairs counted twice) */
	size_t len;   /* bytes delivered */
	bool esc;     /* quoted with "" pairs to collapse */
};

struct scan {
	const unsigned char *p;
	size_t n;
	size_t base;         /* offset of the classified window (multiple of 64) */
	uint64_t bits;       /* bytes that matter in [base, base + 64) */
	unsigned char delim;
#if defined(__SSE2__)
	__m128i vd, vq, vcr, vlf;
#endif
};

#if defined(__SSE2__)
static inline uint64_t classify64(const struct scan *s, const unsigned char *q)
{
	uint64_t m = 0;

	for (int i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(q + 16 * i));
		__m128i x = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, s->vd),
				     _mm_cmpeq_epi8(v, s->vq)),
			_mm_or_si128(_mm_cmpeq_epi8(v, s->vcr),
				     _mm_cmpeq_epi8(v, s->vlf)));

		m |= (uint64_t)(uint32_t)_mm_movemask_epi8(x) << (16 * i);
	}
	return m;
}
#else
/* High bit of each byte of w that equals the byte broadcast in pat. */
static inline uint64_t eq_bytes(uint64_t w, uint64_t pat)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t t = w ^ pat;

	return ~(((t & lo7) + lo7) | t | lo7);
}

static inline uint64_t classify64(const struct scan *s, const unsigned char *q)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t m = 0;

	for (int i = 0; i < 8; i++) {
		uint64_t w, h;

		w = lt_load64(q + 8 * i);   /* byte 0 lowest */
		h = eq_bytes(w, ones * s->delim) | eq_bytes(w, ones * '"') |
		    eq_bytes(w, ones * '\r') | eq_bytes(w, ones * '\n');
		/* gather the 8 high bits into one byte */
		h = ((h >> 7) * 0x0102040810204080ULL) >> 56;
		m |= h << (8 * i);
	}
	return m;
}
#endif

static uint64_t classify_at(const struct scan *s, size_t base)
{
	unsigned char tail[64];

	if (s->n - base >= 64)
		return classify64(s, s->p + base);
	/* zero padding: NUL is never a byte that matters */
	memset(tail, 0, sizeof tail);
	memcpy(tail, s->p + base, s->n - base);
	return classify64(s, tail);
}

/* The first byte that matters at or after from, or n. */
static inline size_t next_special(struct scan *s, size_t from)
{
	size_t b = from & ~(size_t)63;
	uint64_t m;

	if (from >= s->n)
		return s->n;
	if (b != s->base) {
		s->base = b;
		s->bits = classify_at(s, b);
	}
	m = s->bits & (~(uint64_t)0 << (from & 63));
	while (m == 0) {
		s->base += 64;
		if (s->base >= s->n)
			return s->n;
		s->bits = m = classify_at(s, s->base);
	}
	return s->base + (size_t)__builtin_ctzll(m);
}

static void scan_init(struct scan *s, const char *p, size_t n, char delim)
{
	s->p = (const unsigned char *)p;
	s->n = n;
	s->delim = (unsigned char)delim;
	s->base = SIZE_MAX & ~(size_t)63; /* nothing classified yet */
	s->bits = 0;
#if defined(__SSE2__)
	s->vd = _mm_set1_epi8(delim);
	s->vq = _mm_set1_epi8('"');
	s->vcr = _mm_set1_epi8('\r');
	s->vlf = _mm_set1_epi8('\n');
#endif
}

/* Collapses "" pairs of a validated quoted field; returns its new end. */
static size_t unescape(char *p, size_t off, size_t raw)
{
	char *w = p + off, *r = p + off, *end = p + off + raw;

	for (;;) {
		char *q = memchr(r, '"', (size_t)(end - r));
		size_t k = q ? (size_t)(q - r) + 1 : (size_t)(end - r);

		memmove(w, r, k);
		w += k;
		if (!q)
			break;
		r = q + 2; /* keep one quote of the pair */
	}
	return (size_t)(w - (p + off));
}

int lt_split_block(char *p, size_t n, const struct lt_csv_opts *o,
		   lt_csv_record_fn fn, void *ctx, uint64_t line0,
		   uint64_t byte0, size_t *done, uint64_t *done_line)
{
	const char delim = o && o->delim ? o->delim : ',';
	const size_t max_field = o && o->max_field ? o->max_field
						   : DEFAULT_MAX_FIELD;
	const bool sp_blank = delim != ' ', tab_blank = delim != '\t';
	size_t max_record;
	struct span fixed_spans[FIXED_FIELDS], *spans = fixed_spans;
	struct lt_field fixed_fields[FIXED_FIELDS], *fields = fixed_fields;
	size_t cap = FIXED_FIELDS;
	struct scan s;
	size_t pos = 0;            /* start of the current line */
	uint64_t line = line0;     /* its number */
	int rc = 0;

#define BLANK(c) (((c) == ' ' && sp_blank) || ((c) == '\t' && tab_blank))
	max_record = max_field > SIZE_MAX / 4 ? SIZE_MAX / 2 : max_field * 2;
	if (max_record < 1024u * 1024u)
		max_record = 1024u * 1024u;
	if (delim == '"' || delim == '\r' || delim == '\n' || n == 0) {
		*done = 0;
		*done_line = line0;
		return n == 0 ? 0 : 1;
	}
	scan_init(&s, p, n, delim);

	for (;;) {
		size_t i = pos, k = 0, rec_off, next, nf = 0, cost = 0;
		uint64_t rec_line;
		char c;

		/* between records: blanks, blank lines */
		while (i < n && BLANK(p[i]))
			i++;
		if (i == n) {
			pos = n;
			break;
		}
		if (p[i] == '\n' || p[i] == '\r') {
			i += p[i] == '\r' && i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
			pos = i;
			line++;
			continue;
		}
		rec_off = pos;
		rec_line = line;

		/* one record: fields from i */
		for (;;) {
			size_t off, raw, len;
			bool esc = false;

			c = p[i];
			if (c == '"') {
				size_t pairs = 0, j = i + 1;

				for (;;) {
					k = next_special(&s, j);
					if (k + 1 >= n)
						goto stop; /* no end in the block */
					if (p[k] == '"') {
						if (p[k + 1] != '"')
							break;
						pairs++;
						j = k + 2;
						continue;
					}
					if (p[k] == '\n' ||
					    (p[k] == '\r' && p[k + 1] != '\n'))
						line++;
					j = k + 1;
				}
				off = i + 1;
				raw = k - off;
				len = raw - pairs;
				esc = pairs > 0;
				for (k++; k < n && BLANK(p[k]); k++)
					;
				if (k == n)
					goto stop;
				c = p[k];
				if (c != delim && c != '\n' && c != '\r')
					goto stop; /* libcsv's lenient path */
			} else if (c == delim || c == '\n' || c == '\r') {
				off = i;
				raw = len = 0;
				k = i;
			} else {
				/* unquoted: a quote inside is data */
				k = i + 1;
				do {
					k = next_special(&s, k);
					if (k == n)
						goto stop;
					c = p[k++];
				} while (c == '"');
				k--;
				off = i;
				raw = k - i;
				while (raw > 0 && BLANK(p[off + raw - 1]))
					raw--;
				len = raw;
			}
			/* the wrapper's caps: its error, its business */
			if (len > max_field ||
			    len + 1 + FIELD_OVERHEAD > max_record - cost)
				goto stop;
			cost += len + 1 + FIELD_OVERHEAD;
			if (nf == cap) {
				size_t ncap = cap * 2;

				if (spans == fixed_spans) {
					spans = lt_xreallocarray(NULL, ncap, sizeof *spans);
					fields = lt_xreallocarray(NULL, ncap, sizeof *fields);
					memcpy(spans, fixed_spans, sizeof fixed_spans);
				} else {
					spans = lt_xreallocarray(spans, ncap, sizeof *spans);
					fields = lt_xreallocarray(fields, ncap, sizeof *fields);
				}
				cap = ncap;
			}
			spans[nf].off = off;
			spans[nf].raw = raw;
			spans[nf].len = len;
			spans[nf].esc = esc;
			nf++;
			if (c != delim)
				break; /* CR or LF at k ends the record */
			for (i = k + 1; i < n && BLANK(p[i]); i++)
				;
			if (i == n)
				goto stop;
		}
		/* p[k] is the record's CR or LF */
		next = k + (p[k] == '\r' && k + 1 < n && p[k + 1] == '\n' ? 2 : 1);
		line++;
		/* the record is certain: now the block may change */
		for (size_t f = 0; f < nf; f++) {
			if (spans[f].esc)
				unescape(p, spans[f].off, spans[f].raw);
			p[spans[f].off + spans[f].len] = '\0';
			fields[f].p = p + spans[f].off;
			fields[f].n = spans[f].len;
		}
		pos = next;
		if (fn(ctx, fields, nf, rec_line, byte0 + rec_off) != 0) {
			rc = 2;
			break;
		}
		continue;
stop:
		pos = rec_off;
		line = rec_line;
		rc = 1;
		break;
	}
#undef BLANK
	*done = pos;
	*done_line = line;
	if (spans != fixed_spans) {
		free(spans);
		free(fields);
	}
	return rc;
}

/* ---- split, then libcsv for the rest ------------------------------------ */

struct shifted {
	lt_csv_record_fn fn;
	void *ctx;
	uint64_t dline, dbyte; /* where the fallback's text starts */
};

static int on_shifted(void *ctx, const struct lt_field *f, size_t n,
		      uint64_t line, uint64_t byte)
{
	struct shifted *sh = ctx;

	return sh->fn(sh->ctx, f, n, line + sh->dline, byte + sh->dbyte);
}

int lt_split_parse(char *p, size_t n, const struct lt_csv_opts *o,
		   lt_csv_record_fn fn, void *ctx, struct lt_err *err)
{
	struct shifted sh = { fn, ctx, 0, 0 };
	struct lt_csv *c;
	size_t done;
	uint64_t dline;
	int rc = lt_split_block(p, n, o, fn, ctx, 1, 0, &done, &dline);

	if (rc != 1)
		return rc == 2 ? 1 : 0;
	sh.dline = dline - 1;
	sh.dbyte = done;
	c = lt_csv_new(o, on_shifted, &sh);
	rc = lt_csv_feed(c, p + done, n - done, err);
	if (rc == 0)
		rc = lt_csv_finish(c, err);
	lt_csv_free(c);
	if (rc < 0)
		lt_err_shift(err, sh.dline + 1, sh.dbyte);
	return rc;
}
