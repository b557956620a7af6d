/*
 * scan.c - one source, end to end: stream -> decoder -> sniffer -> CSV
 * parser -> profiles -> verdicts.
 *
 * Two paths, same results:
 *
 *  - sequential (small files, --sample): the calling thread does it all
 *    with one matcher and one profile, parsing the whole records of each
 *    chunk read in place (the splitter, lt_csv for what it leaves); text
 *    whose lines end in CR alone, every source with LETHE_PARSER=libcsv,
 *    and the rest of a source from a record larger than max_field plus
 *    a block (in either path), are streamed through lt_csv instead.
 *  - block pipeline (large sources): the calling thread reads, inflates and
 *    decodes, and cuts the UTF-8 text into blocks of a few MiB at record
 *    boundaries (quote-aware: a quoted field with newlines is never split);
 *    worker threads parse and match blocks, each into its own profile;
 *    profiles are merged after the join.  Counts add, sketches merge and
 *    samples are chosen by hash, so the merged result is the same whatever
 *    the number of workers or the order blocks finish in.
 *
 * Memory is bounded by the number of blocks in flight (2 per worker + 2),
 * never by the size of the source.
 */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lethe/detect.h"

#define READ_CHUNK (1u << 20)     /* raw bytes per read */
#define SNIFF_BYTES (64u << 10)   /* decoded text needed before sniffing */
#define BLOCK_BYTES (4u << 20)    /* text per block */
#define DEFAULT_MAX_FIELD ((size_t)32 << 20)

/* ---- shared: the row sink --------------------------------------------------- */

struct sink {
	const struct lt_packset *ps;
	struct lt_matcher *m;
	struct lt_profile *prof;     /* created on the header (or first row) */
	const struct lt_scan_opts *o;
	uint64_t rows, ragged;
	size_t header_n;             /* fields in the header */
	char **names;                /* header names (owned by the main sink) */
	size_t n_names;
	bool header_masked;          /* the header row looked like data */
	bool want_header;            /* the next record is the header */
	bool stopped;                /* --sample reached with rows left */
	const uint8_t *kinds;        /* what each column can hold (typed
	                              * sources), NULL: anything */
	size_t n_kinds;
	struct lt_rows batch;        /* rows not yet profiled (each sink its
	                              * own; flushed at the end of each
	                              * parse) */
	const char *lo, *hi;         /* the block being parsed in place: a
	                              * record inside it stays valid until
	                              * the flush (the splitter's); one
	                              * outside (lt_csv's buffer) is copied */
};

/* A profile for the sink's columns (names may be NULL), limited to what
 * typed columns can hold. */
static struct lt_profile *sink_profile(const struct sink *s,
				       const char *const *names, size_t n)
{
	struct lt_profile *p = lt_profile_new(s->ps, names, n,
					      s->o->min_conf <= LT_CONF_LOW);

	if (s->kinds)
		lt_profile_col_kinds(p, s->kinds, s->n_kinds);
	return p;
}

/* True when a cell of the header row holds a value a detector accepts on
 * its own (an NRIC, an email): the "header" is a row of data, and its
 * names would print personal data. */
static bool header_is_data(struct sink *s, const struct lt_field *f, size_t n)
{
	size_t ndet = lt_packset_count(s->ps);
	struct lt_hit *hits = lt_xcalloc(ndet ? ndet : 1, sizeof *hits);
	bool data = false;

	for (size_t i = 0; i < n && !data; i++) {
		size_t nh = lt_match_cell(s->m, f[i].p, f[i].n, NULL, hits, ndet);

		for (size_t h = 0; h < nh && !data; h++)
			data = hits[h].level >= LT_HIT_WEAK &&
			       !lt_packset_info(s->ps, hits[h].det)->needs_header;
	}
	free(hits);
	return data;
}

static void sink_header(struct sink *s, const struct lt_field *f, size_t n)
{
	s->header_masked = header_is_data(s, f, n);
	s->names = lt_xcalloc(n ? n : 1, sizeof *s->names);
	for (size_t i = 0; i < n; i++) {
		if (s->header_masked) {
			char m[256];
			lt_mask(LT_MASK_DEFAULT, f[i].p, f[i].n, m, sizeof m);
			s->names[i] = lt_xstrdup(m);
		} else {
			s->names[i] = lt_xstrndup(f[i].p, f[i].n);
		}
	}
	s->n_names = n;
	s->prof = sink_profile(s, (const char *const *)s->names, n);
	s->header_n = n;
}

/* Whether every field of a record lies in the block being parsed. */
static bool in_block(const struct sink *s, const struct lt_field *f, size_t n)
{
	uintptr_t lo = (uintptr_t)s->lo, hi = (uintptr_t)s->hi;

	if (!s->lo)
		return false;   /* not parsed in place (lt_csv alone) */
	for (size_t i = 0; i < n; i++)
		if ((uintptr_t)f[i].p < lo || (uintptr_t)f[i].p + f[i].n >= hi)
			return false;   /* >=: its NUL is in the block too */
	return true;
}

static int on_record(void *ctx, const struct lt_field *f, size_t n,
		     uint64_t line, uint64_t byte)
{
	struct sink *s = ctx;

	(void)line;
	(void)byte;
	if (s->want_header) {
		s->want_header = false;
		if (!s->o->no_header) {
			sink_header(s, f, n);
			return 0;
		}
		s->prof = sink_profile(s, NULL, 0);
		s->header_n = n;
	}
	if (s->o->sample_rows && s->rows >= s->o->sample_rows) {
		s->stopped = true;   /* a row beyond the sample exists */
		return 1;
	}
	if (n != s->header_n)
		s->ragged++;
	lt_profile_add(s->prof, s->m, &s->batch, f, n, in_block(s, f, n));
	s->rows++;
	return 0;
}

static void fail(struct lt_source_result *out, const struct lt_err *e)
{
	out->status = LT_STATUS_ERROR;
	lt_err_format_short(e, out->error, sizeof out->error);
}

/* ---- the block pipeline -------------------------------------------------- */

struct block {
	char *data;
	size_t len, cap;
	uint64_t line0;   /* line number of the block's first byte */
	uint64_t byte0;   /* text offset of the block's first byte */
	size_t seq;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv_full, cv_empty, cv_free;
	struct block **q;            /* ring of filled blocks */
	size_t qcap, qhead, qlen;
	struct block **freel;        /* buffers to reuse */
	size_t nfree;
	bool closed;
	bool failed;                 /* a worker hit an error */
	size_t err_seq;
	struct lt_err err;
	const struct lt_csv_opts *co;
	bool split;                  /* parse_block's */
};

struct worker {
	struct pipe *p;
	struct sink s;
	pthread_t tid;
	bool started;
};

static struct block *pipe_get(struct pipe *p)
{
	struct block *b = NULL;

	pthread_mutex_lock(&p->mu);
	while (p->qlen == 0 && !p->closed)
		pthread_cond_wait(&p->cv_full, &p->mu);
	if (p->qlen) {
		b = p->q[p->qhead];
		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
		pthread_cond_signal(&p->cv_empty);
	}
	pthread_mutex_unlock(&p->mu);
	return b;
}

static void pipe_put(struct pipe *p, struct block *b)
{
	pthread_mutex_lock(&p->mu);
	while (p->qlen == p->qcap)
		pthread_cond_wait(&p->cv_empty, &p->mu);
	p->q[(p->qhead + p->qlen) % p->qcap] = b;
	p->qlen++;
	pthread_cond_signal(&p->cv_full);
	pthread_mutex_unlock(&p->mu);
}

static void pipe_release(struct pipe *p, struct block *b)
{
	pthread_mutex_lock(&p->mu);
	b->len = 0;
	p->freel[p->nfree++] = b;
	pthread_cond_signal(&p->cv_free);
	pthread_mutex_unlock(&p->mu);
}

/* A buffer for the next block (waits while all are in flight). */
static struct block *pipe_take_free(struct pipe *p)
{
	struct block *b;

	pthread_mutex_lock(&p->mu);
	while (p->nfree == 0)
		pthread_cond_wait(&p->cv_free, &p->mu);
	b = p->freel[--p->nfree];
	pthread_mutex_unlock(&p->mu);
	return b;
}

static bool pipe_failed(struct pipe *p)
{
	bool f;

	pthread_mutex_lock(&p->mu);
	f = p->failed;
	pthread_mutex_unlock(&p->mu);
	return f;
}

/* LETHE_PARSER=libcsv: every record goes through lt_csv (libcsv), the
 * reference the splitter is held to (tests/cli/split_equiv.sh). */
static bool libcsv_only(void)
{
	const char *e = getenv("LETHE_PARSER");

	return e && strcmp(e, "libcsv") == 0;
}

/* Parses one block (whole records) into the sink; errors are placed at
 * their line and byte in the whole text.  split: the splitter takes the
 * records it is certain of, rewriting them in place, and lt_csv the rest
 * (lt_split_parse: same records, same errors as lt_csv alone); otherwise
 * (LETHE_PARSER=libcsv) lt_csv takes them all. */
static int parse_block(struct sink *s, const struct lt_csv_opts *co,
		       const struct block *b, bool split, struct lt_err *err)
{
	int rc;

	if (split) {
		s->lo = b->data;
		s->hi = b->data + b->len;
		rc = lt_split_parse(b->data, b->len, co, on_record, s, err);
	} else {
		struct lt_csv *csv = lt_csv_new(co, on_record, s);

		rc = lt_csv_feed(csv, b->data, b->len, err);
		if (rc == 0)
			rc = lt_csv_finish(csv, err);
		lt_csv_free(csv);
	}
	if (s->prof)
		lt_profile_flush(s->prof, s->m, &s->batch);
	s->lo = s->hi = NULL;
	if (rc < 0)
		lt_err_shift(err, b->line0, b->byte0);
	return rc < 0 ? -1 : 0;
}

/* Whether a worker may skip block seq: an earlier block failed (a later
 * failure must not stop the parse of an earlier block, whose error
 * wins). */
static bool pipe_skip(struct pipe *p, size_t seq)
{
	bool skip;

	pthread_mutex_lock(&p->mu);
	skip = p->failed && seq > p->err_seq;
	pthread_mutex_unlock(&p->mu);
	return skip;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pipe *p = w->p;
	struct block *b;
	struct lt_err err;

	while ((b = pipe_get(p)) != NULL) {
		lt_err_clear(&err);
		if (!pipe_skip(p, b->seq) &&
		    parse_block(&w->s, p->co, b, p->split, &err) < 0) {
			pthread_mutex_lock(&p->mu);
			if (!p->failed || b->seq < p->err_seq) {
				p->failed = true;
				p->err_seq = b->seq;
				p->err = err;
			}
			pthread_mutex_unlock(&p->mu);
		}
		pipe_release(p, b);
	}
	return NULL;
}

/* Quote-aware cut: the end of the last complete record in data[0..len),
 * scanning from *pos with quote state *inq; 0 when there is none.  After
 * it, *pos is len and *inq the state there: text after the cut, moved to
 * the front, resumes at *pos - cut with the same *inq (the cut itself is
 * outside quotes). */
static size_t find_cut(const char *data, size_t len, size_t *pos, bool *inq)
{
	size_t i = *pos, cut = 0;

	while (i < len) {
		const char *q = memchr(data + i, '"', len - i);
		size_t end = q ? (size_t)(q - data) : len;

		if (!*inq && end > i) {
			const char *nl = memrchr(data + i, '\n', end - i);
			if (nl)
				cut = (size_t)(nl - data) + 1;
		}
		if (!q)
			break;
		*inq = !*inq;
		i = end + 1;
	}
	*pos = len;
	return cut;
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t k = 0;
	const char *s = p, *e = p + n;

	while (s < e && (s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		k++;
		s++;
	}
	/* a CR not followed by LF ends a line too, as lt_csv and the
	 * splitter count it (in quoted fields as well) */
	for (s = p; s < e && (s = memchr(s, '\r', (size_t)(e - s))) != NULL; s++)
		k += s + 1 == e || s[1] != '\n';
	return k;
}

/* Exchanges the buffers of a block and a text (lengths are the caller's). */
static void swap_buf(struct block *b, struct lt_buf *t)
{
	char *d = b->data;
	size_t cap = b->cap;

	b->data = t->data;
	b->cap = t->cap;
	t->data = d;
	t->cap = cap;
}

/* Drops the first cut bytes of t's text (parsed, or handed out as a
 * block), keeping its NUL; a cut scan resumes where it stopped (see
 * find_cut).  The text is at from: t->data, or the buffer t gave a block
 * (swap_buf), whose tail is copied over. */
static void consume(struct lt_buf *t, const char *from, size_t cut,
		    size_t *scan_pos)
{
	memmove(t->data, from + cut, t->len - cut);
	t->len -= cut;
	t->data[t->len] = '\0';
	*scan_pos = *scan_pos > cut ? *scan_pos - cut : 0;
}

/* ---- the scan ---------------------------------------------------------------- */

struct reader {
	struct lt_stream *st;
	struct lt_decoder *dec;
	char *raw;
	bool first, eof;
};

/* Reads and decodes the next chunk, appending UTF-8 to text. */
static int read_more(struct reader *r, const struct lt_source *src,
		     struct lt_buf *text, struct lt_err *err)
{
	size_t n = 0;

	if (lt_stream_read(r->st, r->raw, READ_CHUNK, &n, err) < 0)
		return -1;
	r->eof = n == 0;
	if (r->first && n > 0) {
		r->first = false;
		if (lt_looks_binary(r->raw, n))
			return lt_err_set(err, LT_E_FORMAT, src->name, 0, "not text");
	}
	return lt_decoder_feed(r->dec, r->raw, n, r->eof, text, err);
}

/* Streams text (starting at a record, line line0, text byte byte0) and
 * the rest of the source through lt_csv, whose errors are placed in the
 * whole text: the whole source when it is read with lt_csv alone, or the
 * rest from a record larger than either path holds at once. */
static int stream_rest(struct sink *s, const struct lt_csv_opts *co,
		       struct reader *rd, const struct lt_source *src,
		       struct lt_buf *text, uint64_t line0, uint64_t byte0,
		       struct lt_err *err)
{
	struct lt_csv *csv = lt_csv_new(co, on_record, s);
	int rc;

	for (;;) {
		rc = lt_csv_feed(csv, text->data ? text->data : "", text->len, err);
		lt_buf_reset(text);
		if (rc != 0 || rd->eof)
			break;
		if ((rc = read_more(rd, src, text, err)) < 0)
			break;
	}
	if (rc == 0)
		rc = lt_csv_finish(csv, err);
	lt_csv_free(csv);
	if (s->prof)
		lt_profile_flush(s->prof, s->m, &s->batch);
	if (rc < 0)
		lt_err_shift(err, line0, byte0);
	return rc < 0 ? -1 : 0;
}

void lt_scan_source(const struct lt_packset *ps, struct lt_matcher *const *m,
		    unsigned nm, const struct lt_source *src,
		    const struct lt_scan_opts *o, struct lt_source_result *out)
{
	struct lt_stream_opts so = {
		.sample_rows = o->sample_rows, .full = o->full,
		.statement_timeout_ms = o->statement_timeout_ms,
		.streams = o->parallel ? nm : 1,
	};
	struct reader rd = { .first = true };
	struct lt_csv_opts co = { 0 };
	struct lt_stream_info info;
	struct lt_buf text;
	struct lt_err err;
	struct sink main_sink = { .ps = ps, .m = m[0], .o = o, .want_header = true };
	struct worker *ws = NULL;
	unsigned nw = 0;
	bool parallel = !o->sample_rows && o->parallel, lone_cr, split;
	bool stream_csv;
	size_t limit;

	assert(nm >= 1);
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->src = src;
	out->rows_estimated = src->rows_estimated;
	out->container = "plain";
	out->encoding = "utf-8";
	lt_err_clear(&err);
	if (src->status != LT_STATUS_OK) {
		out->status = src->status;
		snprintf(out->error, sizeof out->error, "%s", src->reason);
		return;
	}
	if (lt_stream_open(src, &so, &rd.st, &err) < 0) {
		fail(out, &err);
		return;
	}
	lt_stream_info(rd.st, &info);   /* typed columns, known already */
	lt_rows_init(&main_sink.batch);
	main_sink.kinds = info.col_kinds;
	main_sink.n_kinds = info.n_col_kinds;
	lt_buf_init(&text, 0);
	rd.raw = lt_xmalloc(READ_CHUNK);
	rd.dec = lt_decoder_new(o->encoding, o->encoding_strict);

	/* Enough text to sniff the dialect. */
	while (!rd.eof && text.len < SNIFF_BYTES && rc == 0)
		rc = read_more(&rd, src, &text, &err);
	co.delim = o->delimiter ? o->delimiter
				: lt_sniff_delimiter(text.data ? text.data : "", text.len);
	co.max_field = o->max_field ? o->max_field : DEFAULT_MAX_FIELD;
	co.name = src->name;
	out->delimiter = co.delim;
	/* text held without a record end beyond this: one record this
	 * large goes to lt_csv with the rest of the source (stream_rest) */
	limit = co.max_field + BLOCK_BYTES;

	/* Lines ended by a lone CR (old Mac exports): the record cutter looks
	 * for LF, so such a source is streamed through lt_csv. */
	lone_cr = text.len > 0 && !memchr(text.data, '\n', text.len) &&
		  memchr(text.data, '\r', text.len);
	if (lone_cr)
		parallel = false;
	split = !libcsv_only();
	stream_csv = lone_cr || !split;
	if (rc == 0 && !parallel && stream_csv) {
		/* ---- sequential, lt_csv streaming (lines ended by CR alone,
		 * or LETHE_PARSER=libcsv) ---- */
		rc = stream_rest(&main_sink, &co, &rd, src, &text, 1, 0, &err);
	} else if (rc == 0 && !parallel) {
		/* ---- sequential: whole records, parsed in place ---- */
		size_t scan_pos = 0;
		bool inq = false;
		uint64_t line0 = 1, byte0 = 0;

		while (rc == 0 && !main_sink.stopped) {
			struct block b;
			size_t cut;

			if (rd.eof && text.len == 0)
				break;
			if (!rd.eof && text.len == 0) {
				rc = read_more(&rd, src, &text, &err);
				continue;
			}
			/* the whole records read so far (a chunk at a time, so
			 * --sample reads no further than lt_csv alone did) */
			cut = rd.eof ? text.len
				     : find_cut(text.data, text.len, &scan_pos, &inq);
			if (cut == 0 && text.len > limit) {
				/* one record this large: lt_csv decides what it
				 * is, from here to the end */
				rc = stream_rest(&main_sink, &co, &rd, src, &text,
						 line0, byte0, &err);
				break;
			}
			if (cut == 0) {
				rc = read_more(&rd, src, &text, &err);
				continue;
			}
			b = (struct block){ .data = text.data, .len = cut,
					    .line0 = line0, .byte0 = byte0 };
			/* counted before the parse rewrites the records */
			line0 += count_lines(text.data, cut);
			byte0 += cut;
			rc = parse_block(&main_sink, &co, &b, true, &err);
			consume(&text, text.data, cut, &scan_pos);
		}
	} else if (rc == 0) {
		/* ---- block pipeline ---- */
		struct pipe p = { .co = &co, .split = split };
		size_t scan_pos = 0, nbufs, seq = 0;
		bool inq = false, oversize = false;
		uint64_t line0 = 1, byte0 = 0;
		struct lt_buf *pend = &text;   /* text not yet handed out */

		nw = nm;
		nbufs = 2 * (size_t)nw + 2;
		pthread_mutex_init(&p.mu, NULL);
		pthread_cond_init(&p.cv_full, NULL);
		pthread_cond_init(&p.cv_empty, NULL);
		pthread_cond_init(&p.cv_free, NULL);
		p.qcap = nbufs;
		p.q = lt_xcalloc(nbufs, sizeof *p.q);
		p.freel = lt_xcalloc(nbufs, sizeof *p.freel);
		for (size_t i = 0; i < nbufs; i++)
			p.freel[p.nfree++] = lt_xcalloc(1, sizeof(struct block));

		/* The first record (the header, or with --no-header the first
		 * row, which fixes the expected field count) is parsed here. */
		for (;;) {
			size_t first = 0, i;
			bool q = false;

			for (i = 0; i < pend->len; i++) {
				if (pend->data[i] == '"') {
					q = !q;
				} else if (pend->data[i] == '\n' && !q) {
					first = i + 1;
					break;
				}
			}
			if (first == 0 && !rd.eof && pend->len < limit && rc == 0) {
				rc = read_more(&rd, src, pend, &err);
				continue;
			}
			if (rc < 0)
				break;
			if (first == 0 && !rd.eof) {
				oversize = true;   /* the first record too */
				break;
			}
			if (first == 0)
				first = pend->len;
			if (first > 0) {
				struct block hb = { .data = pend->data, .len = first,
						    .line0 = line0, .byte0 = byte0 };
				/* counted before the parse rewrites it */
				line0 += count_lines(pend->data, first);
				byte0 += first;
				rc = parse_block(&main_sink, &co, &hb, p.split, &err);
				consume(pend, pend->data, first, &scan_pos);
			}
			/* blank lines before the header give no record */
			if (rc == 0 && main_sink.want_header &&
			    (pend->len > 0 || !rd.eof))
				continue;
			break;
		}
		if (!oversize) {
			if (!main_sink.prof)
				main_sink.prof = sink_profile(&main_sink, NULL, 0);
			main_sink.want_header = false;
		}

		ws = lt_xcalloc(nw, sizeof *ws);
		for (unsigned i = 0; rc == 0 && !oversize && i < nw; i++) {
			ws[i].p = &p;
			ws[i].s = main_sink;
			lt_rows_init(&ws[i].s.batch);
			ws[i].s.m = m[i];
			ws[i].s.rows = 0;
			ws[i].s.ragged = 0;
			ws[i].s.prof = sink_profile(&main_sink,
						    (const char *const *)main_sink.names,
						    main_sink.n_names);
			if (pthread_create(&ws[i].tid, NULL, work, &ws[i]) == 0)
				ws[i].started = true;
		}
		while (rc == 0 && !oversize && !pipe_failed(&p)) {
			size_t cut, rest, need;
			struct block *b;

			if (rd.eof && pend->len == 0)
				break;
			if (!rd.eof && pend->len < BLOCK_BYTES) {
				rc = read_more(&rd, src, pend, &err);
				continue;
			}
			cut = rd.eof ? pend->len
				     : find_cut(pend->data, pend->len, &scan_pos, &inq);
			if (cut == 0) {
				/* no record boundary yet: one record is this
				 * large; past the limit, the rest of the source
				 * goes to lt_csv once the workers are done */
				if (pend->len > limit) {
					oversize = true;
					break;
				}
				rc = read_more(&rd, src, pend, &err);
				continue;
			}
			/* the block takes pend's buffer, text and all, and
			 * pend goes on in the block's old one with the text
			 * after the cut (part of one record): the block's
			 * megabytes are not copied */
			b = pipe_take_free(&p);
			rest = pend->len - cut;
			/* room for the rest, and for what is read next */
			need = rd.eof ? rest + 1 : BLOCK_BYTES * 2;
			if (need < rest + 1)
				need = rest + 1;
			if (b->cap < need) {
				free(b->data);
				b->cap = need;
				b->data = lt_xmalloc(b->cap);
			}
			swap_buf(b, pend);
			consume(pend, b->data, cut, &scan_pos);
			b->len = cut;
			b->line0 = line0;
			b->byte0 = byte0;
			b->seq = seq++;
			line0 += count_lines(b->data, cut);
			byte0 += cut;
			pipe_put(&p, b);
		}
		pthread_mutex_lock(&p.mu);
		p.closed = true;
		pthread_cond_broadcast(&p.cv_full);
		pthread_mutex_unlock(&p.mu);
		for (unsigned i = 0; i < nw; i++)
			if (ws[i].started)
				pthread_join(ws[i].tid, NULL);
		if (rc == 0 && p.failed) {
			err = p.err;
			rc = -1;
		}
		for (unsigned i = 0; i < nw; i++) {
			if (ws[i].s.prof) {
				lt_profile_merge(main_sink.prof, ws[i].s.prof);
				lt_profile_free(ws[i].s.prof);
			}
			lt_rows_release(&ws[i].s.batch);   /* zeroed if unused */
			main_sink.rows += ws[i].s.rows;
			main_sink.ragged += ws[i].s.ragged;
		}
		if (rc == 0 && oversize)
			rc = stream_rest(&main_sink, &co, &rd, src, pend, line0,
					 byte0, &err);
		for (size_t i = 0; i < p.nfree; i++) {
			free(p.freel[i]->data);
			free(p.freel[i]);
		}
		free(p.freel);
		free(p.q);
		pthread_mutex_destroy(&p.mu);
		pthread_cond_destroy(&p.cv_full);
		pthread_cond_destroy(&p.cv_empty);
		pthread_cond_destroy(&p.cv_free);
		free(ws);
	}

	if (rc < 0)
		fail(out, &err);
	else
		out->status = LT_STATUS_OK;
	lt_stream_info(rd.st, &info);
	out->container = info.container ? info.container : "plain";
	out->bytes = lt_stream_offset(rd.st);
	if (info.rows_estimated >= 0)
		out->rows_estimated = info.rows_estimated;
	out->encoding = lt_encoding_name(lt_decoder_encoding(rd.dec));
	out->encoding_errors = lt_decoder_errors(rd.dec);
	out->rows_scanned = main_sink.rows;
	out->ragged_rows = main_sink.ragged;
	out->sampled = main_sink.stopped || info.source_sampled;
	out->header_masked = main_sink.header_masked;
	if (main_sink.prof) {
		out->n_columns_total = lt_profile_ncols(main_sink.prof);
		lt_profile_verdicts(main_sink.prof, o->min_conf, &out->columns,
				    &out->n_columns);
		lt_profile_free(main_sink.prof);
	}
	lt_rows_release(&main_sink.batch);
	for (size_t i = 0; i < main_sink.n_names; i++)
		free(main_sink.names[i]);
	free(main_sink.names);
	lt_decoder_free(rd.dec);
	lt_stream_close(rd.st);
	lt_buf_release(&text);
	free(rd.raw);
}

void lt_source_result_release(struct lt_source_result *r)
{
	lt_columns_free(r->columns, r->n_columns);
	r->columns = NULL;
	r->n_columns = 0;
}

/* ---- many sources ------------------------------------------------------------ */

struct all_ctx {
	const struct lt_packset *ps;
	const struct lt_source_list *sl;
	const struct lt_scan_opts *o;
	uint64_t pg_sample;
	struct lt_matcher **m;
	unsigned nm;
	bool *big;
	struct lt_source_result *results;
	atomic_size_t *done;
};

/* Large sources get every worker (block pipeline), one after another; the
 * others are scanned whole, several at a time. */
static bool is_big(const struct lt_source *src, const struct lt_scan_opts *o)
{
	struct stat st;

	switch (src->kind) {
	case LT_SRC_STDIN:
		return true;
	case LT_SRC_POSTGRES:
		return o->full;
	case LT_SRC_FILE:
		return src->status == LT_STATUS_OK && stat(src->path, &st) == 0 &&
		       S_ISREG(st.st_mode) && st.st_size >= (8 << 20);
	default:
		return false;
	}
}

static void opts_for(const struct all_ctx *c, const struct lt_source *src,
		     struct lt_scan_opts *o)
{
	*o = *c->o;
	if (src->kind == LT_SRC_POSTGRES)
		o->sample_rows = o->full ? 0 : c->pg_sample;
}

static void all_job(void *vctx, size_t job, unsigned worker)
{
	struct all_ctx *c = vctx;
	struct lt_scan_opts o;

	if (c->big[job])
		return;
	opts_for(c, &c->sl->items[job], &o);
	o.parallel = false;
	lt_scan_source(c->ps, &c->m[worker], 1, &c->sl->items[job], &o,
		       &c->results[job]);
	if (c->done)
		atomic_fetch_add(c->done, 1);
}

void lt_scan_all(const struct lt_packset *ps, const struct lt_source_list *sl,
		 const struct lt_scan_opts *o, uint64_t pg_sample, unsigned jobs,
		 struct lt_source_result *results, atomic_size_t *done)
{
	struct all_ctx c = { .ps = ps, .sl = sl, .o = o, .pg_sample = pg_sample,
			     .results = results, .done = done };
	size_t nbig = 0;

	c.big = lt_xcalloc(sl->n ? sl->n : 1, sizeof *c.big);
	for (size_t i = 0; i < sl->n; i++)
		nbig += (c.big[i] = is_big(&sl->items[i], o));
	c.nm = jobs ? jobs : 1;
	if (nbig == 0 && c.nm > sl->n)
		c.nm = sl->n ? (unsigned)sl->n : 1;
	c.m = lt_xcalloc(c.nm, sizeof *c.m);
	for (unsigned i = 0; i < c.nm; i++)
		c.m[i] = lt_matcher_new(ps);
	for (size_t i = 0; i < sl->n; i++) {
		struct lt_scan_opts so;

		if (!c.big[i])
			continue;
		opts_for(&c, &sl->items[i], &so);
		so.parallel = true;
		lt_scan_source(ps, c.m, c.nm, &sl->items[i], &so, &results[i]);
		if (done)
			atomic_fetch_add(done, 1);
	}
	if (nbig < sl->n)
		lt_pool_run(c.nm, sl->n, all_job, &c);
	for (unsigned i = 0; i < c.nm; i++)
		lt_matcher_free(c.m[i]);
	free(c.m);
	free(c.big);
}
