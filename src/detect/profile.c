/*
 * profile.c - per-column accumulators and verdicts.
 *
 * Data flow: parser -> (cells) -> lt_profile_row -> lt_match_cell -> counts
 * per (column, detector) -> lt_profile_verdicts -> findings with a
 * confidence.  A profile belongs to one thread; profiles of the same table
 * made by several threads are merged after the join (counts add, sketches
 * merge), so results do not depend on how the work was split.
 *
 * Verdicts (the thresholds are stated in the README):
 *   shape   = cells where the pattern matched at all
 *   matched = cells holding a value the validator accepts (weak or valid)
 *   valid   = cells holding a checksum-valid value
 *   q = matched/shape  (share of look-alike shapes that are real)
 *   c = valid/shape    (share passing the checksum, for checksum types)
 *   r = matched/checked
 * A look-alike column (SKUs shaped like NRICs) has q near chance (1 in 11
 * to 1 in 26), a real column q near 1, whatever r is; free text has a small
 * r and a high q.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe/detect.h"

/* Sample candidates: the SAMPLE_POOL values of smallest hash, of which
 * the report shows the first LT_MAX_SAMPLES distinct masked forms.  A value
 * is masked only when it enters the pool, which is rare after the first
 * rows, so a column whose values all mask alike ("••••-••-••") costs no
 * masking per cell. */
#define SAMPLE_POOL 8

/* What a (column, detector) keeps of its accepted values: the distinct
 * sketch and the sample pool.  Allocated on the first accepted value, so a
 * wide table pays for it only where a detector accepts something. */
struct vals {
	struct lt_hll hll;
	size_t n_samples;          /* kept: the values of smallest hash */
	uint64_t sample_hash[SAMPLE_POOL];
	char samples[SAMPLE_POOL][96];   /* masked */
};

struct acc {
	uint64_t shape, matched, valid, whole, excl;
	struct vals *v;            /* NULL until a value is accepted */
};

/* The hits of recently seen cell values: a column of statuses, dates,
 * cities or names repeats its values, and matching is a pure function of
 * the cell's bytes, so a repeated cell reuses its hits.  Results do not
 * change; a column whose values rarely repeat turns the memo off. */
#define MEMO_SLOTS 256
#define MEMO_CELL 48        /* longer cells are not memoised */
#define MEMO_HITS 4
#define MEMO_TRIAL 2048     /* cells looked up before judging the memo */
#define MEMO_COLS 128       /* columns with a memo at once, per profile:
                             * a table of thousands of columns does not
                             * hold a memo for each (25 KiB apiece) */

struct memo_slot {
	uint8_t len;        /* 0: empty (cells are never empty here) */
	uint8_t nh;
	char cell[MEMO_CELL];
	struct lt_hit hits[MEMO_HITS];
};

struct col {
	char *name;
	struct memo_slot *memo;    /* NULL until used, or when turned off */
	uint32_t memo_probes, memo_found;
	bool memo_off;
	int lead;                  /* detector whose accepted value last was a
	                            * whole cell here (-1: none yet): tried
	                            * first, see lt_match_cell_lead */
	uint64_t non_empty;
	int8_t *hint;              /* per detector */
	uint64_t *run;             /* the detectors run on this column */
	bool none;                 /* no detector runs here (a timestamp or
	                            * uuid column of a typed source) */
	uint8_t *inert;            /* per detector: its values never hide
	                            * another detector's (header-led types
	                            * without their header) */
	struct acc *acc;           /* per detector */
};

struct lt_profile {
	const struct lt_packset *ps;
	size_t ndet;
	struct col *cols;
	size_t ncols, cap;
	struct lt_hit *hits;       /* scratch, ndet entries */
	bool all;                  /* low hints wanted: run header-led types
	                            * on every column */
	uint16_t *cat;             /* per detector: a category number (the
	                            * same number = the same category) */
	uint8_t *kinds;            /* per column: enum lt_col_kind (typed
	                            * sources), NULL: anything */
	size_t n_kinds;
	size_t memos;              /* columns holding a memo (MEMO_COLS) */
};

/* Canonical form for distinct counting: ASCII letters upper-cased, digits,
 * '@' and '.', non-ASCII bytes; separators dropped.  So "S1234567d" and
 * "s1234567D", "9123 4567" and "9123-4567" count once.  canon[c] is the
 * byte kept for c, 0 for a dropped one. */
static uint8_t canon[256];
static pthread_once_t canon_once = PTHREAD_ONCE_INIT;

static void canon_init(void)
{
	for (int c = 0; c < 256; c++) {
		if (c >= 'a' && c <= 'z')
			canon[c] = (uint8_t)(c - 32);
		else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '@' || c == '.' || c >= 0x80)
			canon[c] = (uint8_t)c;
	}
}

#if defined(__SSE2__) && defined(__x86_64__)
/* The canonical form of the 16 bytes in v, when each is kept (a letter,
 * digit, '@', '.' or non-ASCII byte: canon[c] != 0), letters upper-cased;
 * false when one is dropped. */
static bool canon16(__m128i v, __m128i *out)
{
	__m128i low = lt_in_range8(v, 'a', 26);
	__m128i keep = _mm_or_si128(_mm_or_si128(lt_in_range8(v, '0', 10), low),
				    _mm_or_si128(lt_in_range8(v, 'A', 26),
						 _mm_cmplt_epi8(v, _mm_setzero_si128())));

	keep = _mm_or_si128(keep, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('@')),
					       _mm_cmpeq_epi8(v, _mm_set1_epi8('.'))));
	if (_mm_movemask_epi8(keep) != 0xffff)
		return false;
	*out = _mm_sub_epi8(v, _mm_and_si128(low, _mm_set1_epi8(0x20)));
	return true;
}

/* canon16 of n bytes (4 <= n <= 32) into buf, reading only those bytes:
 * a value as two loads that overlap in the middle, whose canonical forms
 * agree where they overlap.  False when a byte is dropped. */
static bool canon_short(const unsigned char *u, size_t n, unsigned char *buf)
{
	__m128i a, b;

	if (n > 16) {
		if (!canon16(_mm_loadu_si128((const __m128i *)(const void *)u), &a) ||
		    !canon16(_mm_loadu_si128((const __m128i *)(const void *)(u + n - 16)),
			     &b))
			return false;
		_mm_storeu_si128((__m128i *)(void *)buf, a);
		_mm_storeu_si128((__m128i *)(void *)(buf + n - 16), b);
		return true;
	}
	if (n >= 8) {
		uint64_t lo = lt_load64(u), hi = lt_load64(u + n - 8);

		if (!canon16(_mm_set_epi64x((long long)hi, (long long)lo), &a))
			return false;
		lo = (uint64_t)_mm_cvtsi128_si64(a);
		hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(a, a));
		memcpy(buf, &lo, 8);
		memcpy(buf + n - 8, &hi, 8);
		return true;
	}
	{
		uint32_t lo = lt_load32(u), hi = lt_load32(u + n - 4);
		uint64_t w;

		if (!canon16(_mm_set_epi32(0x41414141, 0x41414141, (int)hi, (int)lo),
			     &a))
			return false;
		w = (uint64_t)_mm_cvtsi128_si64(a);
		lo = (uint32_t)w;
		hi = (uint32_t)(w >> 32);
		memcpy(buf, &lo, 4);
		memcpy(buf + n - 4, &hi, 4);
		return true;
	}
}
#endif

uint64_t lt_value_hash(const char *v, size_t n)
{
	const unsigned char *u = (const unsigned char *)v;
	unsigned char buf[256];
	size_t k = 0, i = 0, fast = n < sizeof buf ? n : sizeof buf;

#if defined(__SSE2__) && defined(__x86_64__)
	/* most values keep every byte (ids, numbers, emails): 16 bytes at a
	 * time, with no loop whose end depends on the value's length */
	if (n >= 4 && n <= 32 && canon_short(u, n, buf))
		return lt_hash64(buf, n);
#endif
	/* k <= i: the first sizeof buf bytes need no bound per byte */
	for (; i < fast; i++) {
		buf[k] = canon[u[i]];
		k += buf[k] != 0;
	}
	for (; i < n && k < sizeof buf; i++) {
		buf[k] = canon[u[i]];
		k += buf[k] != 0;
	}
	return lt_hash64(buf, k);
}

static bool kind_allows(uint8_t kind, const char *category)
{
	switch (kind) {
	case LT_COL_DATETIME: return strcmp(category, "date_of_birth") == 0;
	case LT_COL_NETWORK: return strcmp(category, "ip_address") == 0;
	case LT_COL_OPAQUE: return false;
	default: return true;
	}
}

/* Column i (c) runs only the detectors its kind allows; c->none when
 * that leaves none. */
static void col_limit(const struct lt_profile *p, struct col *c, size_t i)
{
	uint8_t kind = i < p->n_kinds ? p->kinds[i] : LT_COL_ANY;

	c->none = true;
	for (size_t d = 0; d < p->ndet; d++) {
		if (!kind_allows(kind, lt_packset_info(p->ps, d)->category))
			lt_detset_put(c->run, d, false);
		if (lt_detset_has(c->run, d))
			c->none = false;
	}
}

static void col_init(struct lt_profile *p, struct col *c, const char *name)
{
	c->name = lt_xstrdup(name);
	c->non_empty = 0;
	c->memo = NULL;
	c->memo_probes = c->memo_found = 0;
	c->memo_off = false;
	c->lead = -1;
	c->hint = lt_xcalloc(p->ndet, sizeof *c->hint);
	c->run = lt_xcalloc(LT_DETSET_WORDS(p->ndet), sizeof *c->run);
	c->inert = lt_xcalloc(p->ndet, 1);
	c->acc = lt_xcalloc(p->ndet, sizeof *c->acc);
	for (size_t d = 0; d < p->ndet; d++) {
		bool led = lt_packset_info(p->ps, d)->needs_header;

		c->hint[d] = (int8_t)lt_header_hint(p->ps, d, name);
		/* A header-led type (postal codes, dates of birth, names)
		 * without its header can only ever be a low hint: unless low
		 * hints are wanted it is not run at all, and it never hides
		 * another type's values, so the medium and high findings are
		 * the same with or without --all. */
		c->inert[d] = led && c->hint[d] <= 0;
		lt_detset_put(c->run, d, !c->inert[d] || p->all);
	}
	col_limit(p, c, (size_t)(c - p->cols));
}

static void add_col(struct lt_profile *p, const char *name)
{
	if (p->ncols == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->cols = lt_xreallocarray(p->cols, p->cap, sizeof *p->cols);
	}
	col_init(p, &p->cols[p->ncols++], name);
}

struct lt_profile *lt_profile_new(const struct lt_packset *ps,
				  const char *const *names, size_t ncols,
				  bool all)
{
	struct lt_profile *p = lt_xcalloc(1, sizeof *p);

	pthread_once(&canon_once, canon_init);
	p->ps = ps;
	p->all = all;
	p->ndet = lt_packset_count(ps);
	p->hits = lt_xcalloc(p->ndet ? p->ndet : 1, sizeof *p->hits);
	p->cat = lt_xcalloc(p->ndet ? p->ndet : 1, sizeof *p->cat);
	for (size_t d = 0; d < p->ndet; d++) {
		const char *cd = lt_packset_info(ps, d)->category;
		size_t e = 0;

		while (e < d && strcmp(lt_packset_info(ps, e)->category, cd))
			e++;
		p->cat[d] = (uint16_t)(e < d ? p->cat[e] : d);
	}
	for (size_t i = 0; i < ncols; i++)
		add_col(p, names[i]);
	return p;
}

void lt_profile_col_kinds(struct lt_profile *p, const uint8_t *kinds,
			  size_t n)
{
	free(p->kinds);
	p->kinds = n ? lt_xmalloc(n) : NULL;
	if (n)
		memcpy(p->kinds, kinds, n);
	p->n_kinds = n;
	/* the columns there are; later ones get theirs in col_init */
	for (size_t i = 0; i < p->ncols; i++)
		col_limit(p, &p->cols[i], i);
}

void lt_profile_free(struct lt_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ncols; i++) {
		for (size_t d = 0; d < p->ndet; d++)
			free(p->cols[i].acc[d].v);
		free(p->cols[i].acc);
		free(p->cols[i].memo);
		free(p->cols[i].hint);
		free(p->cols[i].run);
		free(p->cols[i].inert);
		free(p->cols[i].name);
	}
	free(p->cols);
	free(p->kinds);
	free(p->hits);
	free(p->cat);
	free(p);
}

static int is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

static struct vals *vals_new(void)
{
	struct vals *v = lt_xcalloc(1, sizeof *v);

	lt_hll_init(&v->hll);
	return v;
}

/* Keeps the SAMPLE_POOL values of smallest hash, sorted by hash: which
 * samples a column shows is then the same whatever order rows, blocks or
 * shards arrive in, so merged results equal one pass. */
static void keep_sample(struct vals *a, uint64_t h, const char *masked)
{
	size_t i, pos;

	if (a->n_samples == SAMPLE_POOL && h >= a->sample_hash[SAMPLE_POOL - 1])
		return;
	for (pos = 0; pos < a->n_samples && a->sample_hash[pos] < h; pos++)
		;
	if (pos < a->n_samples && a->sample_hash[pos] == h)
		return;   /* the same value (or a 64-bit collision) */
	if (a->n_samples < SAMPLE_POOL)
		a->n_samples++;
	for (i = a->n_samples - 1; i > pos; i--) {
		a->sample_hash[i] = a->sample_hash[i - 1];
		memcpy(a->samples[i], a->samples[i - 1], sizeof a->samples[i]);
	}
	a->sample_hash[pos] = h;
	snprintf(a->samples[pos], sizeof a->samples[pos], "%s", masked);
}

static void add_sample(const struct lt_packset *ps, size_t det,
		       struct vals *a, uint64_t h, const char *v, size_t n)
{
	char m[96];

	if (a->n_samples == SAMPLE_POOL && h >= a->sample_hash[SAMPLE_POOL - 1])
		return;   /* the common case: no masking work */
	lt_mask(lt_packset_info(ps, det)->mask, v, n, m, sizeof m);
	keep_sample(a, h, m);
}

/* The report's samples: the first LT_MAX_SAMPLES distinct masked forms of
 * the pool, in hash order. */
static size_t pick_samples(const struct vals *a, char out[][96])
{
	size_t k = 0;

	for (size_t i = 0; i < a->n_samples && k < LT_MAX_SAMPLES; i++) {
		size_t j = 0;

		while (j < k && strcmp(out[j], a->samples[i]))
			j++;
		if (j == k)
			memcpy(out[k++], a->samples[i], sizeof out[0]);
	}
	return k;
}

/* A value accepted inside a longer accepted value of another detector is
 * part of it (the "9123 4567" inside a card number "4111 9123 4567 1111"),
 * not a finding of its own: the longest accepted value wins. */
static void drop_nested(struct lt_hit *hits, size_t *nh, const uint8_t *inert)
{
	size_t w = 0;

	if (*nh < 2)
		return;   /* nothing to be nested in */
	for (size_t h = 0; h < *nh; h++) {
		const struct lt_hit *x = &hits[h];
		bool inside = false;

		for (size_t g = 0; g < *nh && !inside; g++) {
			const struct lt_hit *y = &hits[g];

			if (g == h || y->level < LT_HIT_WEAK || y->len <= x->len ||
			    inert[y->det])
				continue;
			inside = x->off >= y->off &&
				 (uint64_t)x->off + x->len <= (uint64_t)y->off + y->len;
		}
		if (!inside)
			hits[w++] = *x;
	}
	*nh = w;
}

/* The memo's slot hash, for cells of at most MEMO_CELL bytes: whole
 * 8-byte words and the tail as overlapping loads.  Only where a cell goes
 * depends on it, never a result (unlike lt_hash64, whose values the
 * sketches and sample pools keep). */
static uint64_t memo_hash(const char *s, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n, w = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		w = lt_load64(s + i);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	if (n >= 8 && i < n) {
		w = lt_load64(s + n - 8);
		h = (h ^ w) * 0x94d049bb133111ebULL;
	} else if (n >= 4 && i < n) {
		w = (uint64_t)lt_load32(s) << 32 | lt_load32(s + n - 4);
		h = (h ^ w) * 0x94d049bb133111ebULL;
	} else if (i < n) {
		w = (uint64_t)(unsigned char)s[0] << 16 |
		    (uint64_t)(unsigned char)s[n / 2] << 8 | (unsigned char)s[n - 1];
		h = (h ^ w) * 0x94d049bb133111ebULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

/* memcmp(a, b, n) == 0 for a memo's short cells, inline: whole words,
 * the last one ending with the cell (no byte beyond n is read). */
static bool same_bytes(const char *a, const char *b, size_t n)
{
	size_t i = 0;

	if (n >= 8) {
		for (; i + 8 < n; i += 8)
			if (lt_load64(a + i) != lt_load64(b + i))
				return false;
		return lt_load64(a + n - 8) == lt_load64(b + n - 8);
	}
	if (n >= 4)
		return lt_load32(a) == lt_load32(b) &&
		       lt_load32(a + n - 4) == lt_load32(b + n - 4);
	for (; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The hits of one cell, from the memo when the cell repeats one seen
 * (*seen: its values are then already in the sketches and samples). */
static size_t match_memo(struct lt_profile *p, struct col *c,
			 struct lt_matcher *m, const char *cell, size_t len,
			 bool *seen)
{
	struct memo_slot *slot = NULL;
	size_t nh;

	*seen = false;
	/* judged once, after the trial, whether that last probe hit or not;
	 * the counts stop there (they would wrap on a long column) */
	if (!c->memo_off && c->memo_probes == MEMO_TRIAL &&
	    c->memo_found < MEMO_TRIAL / 8) {
		c->memo_off = true;   /* values rarely repeat here */
		if (c->memo)
			p->memos--;
		free(c->memo);
		c->memo = NULL;
	}
	if (!c->memo && !c->memo_off && len <= MEMO_CELL &&
	    p->memos < MEMO_COLS) {
		c->memo = lt_xcalloc(MEMO_SLOTS, sizeof *c->memo);
		p->memos++;
	}
	if (c->memo && len <= MEMO_CELL) {
		bool same;

		slot = &c->memo[memo_hash(cell, len) & (MEMO_SLOTS - 1)];
		same = slot->len == len && same_bytes(slot->cell, cell, len);
		if (c->memo_probes < MEMO_TRIAL) {
			c->memo_probes++;
			c->memo_found += same;
		}
		if (same) {
			memcpy(p->hits, slot->hits, slot->nh * sizeof *p->hits);
			*seen = true;
			return slot->nh;
		}
	}
	nh = lt_match_cell_lead(m, cell, len, c->run, c->lead, p->hits,
				p->ndet);
	drop_nested(p->hits, &nh, c->inert);
	for (size_t h = 0; h < nh; h++)
		if (p->hits[h].whole && p->hits[h].level >= LT_HIT_WEAK &&
		    !c->inert[p->hits[h].det]) {
			c->lead = p->hits[h].det;
			break;
		}
	if (slot && nh <= MEMO_HITS) {
		slot->len = (uint8_t)len;
		slot->nh = (uint8_t)nh;
		memcpy(slot->cell, cell, len);
		memcpy(slot->hits, p->hits, nh * sizeof *p->hits);
	}
	return nh;
}

/* One cell of column c (an empty or blank one is only skipped). */
static void profile_cell(struct lt_profile *p, struct lt_matcher *m,
			 struct col *c, const char *cell, size_t len)
{
	size_t nh;
	bool seen;

	if (len == 0 || is_blank(cell, len))
		return;
	c->non_empty++;
	if (c->none)
		return;
	nh = match_memo(p, c, m, cell, len, &seen);
	for (size_t h = 0; h < nh; h++) {
		const struct lt_hit *hit = &p->hits[h];
		struct acc *a = &c->acc[hit->det];
		uint64_t vh;

		a->shape++;
		if (hit->level < LT_HIT_WEAK)
			continue;
		a->matched++;
		if (hit->level == LT_HIT_VALID)
			a->valid++;
		if (hit->whole)
			a->whole++;
		/* a repeated cell: adding its value again to the sketch or
		 * the sample pool changes nothing */
		if (seen)
			continue;
		if (!a->v)
			a->v = vals_new();
		vh = lt_value_hash(cell + hit->off, hit->len);
		lt_hll_add(&a->v->hll, vh);
		add_sample(p->ps, hit->det, a->v, vh, cell + hit->off, hit->len);
	}
	/* exclusive: the only accepted detector of its category here */
	for (size_t h = 0; h < nh; h++) {
		int alone = 1;

		if (p->hits[h].level < LT_HIT_WEAK)
			continue;
		for (size_t g = 0; g < nh && alone; g++) {
			if (g == h || p->hits[g].level < LT_HIT_WEAK ||
			    c->inert[p->hits[g].det])
				continue;
			if (p->cat[p->hits[g].det] == p->cat[p->hits[h].det])
				alone = 0;
		}
		if (alone)
			c->acc[p->hits[h].det].excl++;
	}
}

/* Columns up to n exist (colN for those the header did not name). */
static void grow_cols(struct lt_profile *p, size_t n)
{
	while (p->ncols < n) {
		char name[32];
		snprintf(name, sizeof name, "col%zu", p->ncols + 1);
		add_col(p, name);
	}
}

void lt_profile_row(struct lt_profile *p, struct lt_matcher *m,
		    const struct lt_field *fields, size_t n)
{
	grow_cols(p, n);
	for (size_t i = 0; i < n; i++)
		profile_cell(p, m, &p->cols[i], fields[i].p, fields[i].n);
}

/* ---- rows in batches, column by column ----------------------------------------
 * A column's cells look alike (the same length, the same detectors, the
 * same outcome), a row's do not: taken row by row, every cell's loops
 * exit at other counts than the last cell's, and the branch predictor
 * misses; each column's memo and the shape slots of its detectors are
 * evicted by the next column's.  So rows are gathered into a batch and
 * profiled one column at a time.  Every accumulator is per column, and
 * within a column the cells keep their order: the counts, sketches and
 * samples are those of lt_profile_row on each row (the caches the
 * columns share, the matcher's shape slots, change no result). */

void lt_rows_init(struct lt_rows *b)
{
	memset(b, 0, sizeof *b);
	b->bytes = lt_xmalloc(LT_ROWS_BYTES);
	b->f = lt_xmalloc(LT_ROWS_CELLS * sizeof *b->f);
	b->row = lt_xmalloc((LT_ROWS_MAX + 1) * sizeof *b->row);
}

void lt_rows_release(struct lt_rows *b)
{
	free(b->bytes);
	free(b->f);
	free(b->row);
	memset(b, 0, sizeof *b);
}

void lt_profile_flush(struct lt_profile *p, struct lt_matcher *m,
		      struct lt_rows *b)
{
	size_t width = 0;

	if (b->nrows == 0)
		return;
	b->row[b->nrows] = (uint32_t)b->ncells;
	for (size_t r = 0; r < b->nrows; r++)
		if (b->row[r + 1] - b->row[r] > width)
			width = b->row[r + 1] - b->row[r];
	grow_cols(p, width);
	for (size_t i = 0; i < width; i++) {
		struct col *c = &p->cols[i];

		for (size_t r = 0; r < b->nrows; r++) {
			size_t at = b->row[r] + i;

			if (at < b->row[r + 1])   /* row r has a cell i */
				profile_cell(p, m, c, b->f[at].p, b->f[at].n);
		}
	}
	b->nrows = b->ncells = b->nbytes = 0;
}

void lt_profile_add(struct lt_profile *p, struct lt_matcher *m,
		    struct lt_rows *b, const struct lt_field *fields, size_t n,
		    bool in_place)
{
	size_t bytes = 0;

	/* in place too: the cells a batch spans are read once per column,
	 * so they should stay in the first-level cache */
	for (size_t i = 0; i < n; i++)
		bytes += fields[i].n + 1;
	if (n > LT_ROWS_CELLS || bytes > LT_ROWS_BYTES) {
		/* a record larger than a batch: on its own, in place */
		lt_profile_flush(p, m, b);
		lt_profile_row(p, m, fields, n);
		return;
	}
	if (b->nrows == LT_ROWS_MAX || b->ncells + n > LT_ROWS_CELLS ||
	    b->nbytes + bytes > LT_ROWS_BYTES)
		lt_profile_flush(p, m, b);
	b->row[b->nrows++] = (uint32_t)b->ncells;
	if (in_place) {
		memcpy(b->f + b->ncells, fields, n * sizeof *fields);
		b->ncells += n;
		b->nbytes += bytes;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *d = b->bytes + b->nbytes;

		memcpy(d, fields[i].p, fields[i].n);
		d[fields[i].n] = '\0';   /* cells stay NUL-terminated */
		b->f[b->ncells].p = d;
		b->f[b->ncells].n = fields[i].n;
		b->ncells++;
		b->nbytes += fields[i].n + 1;
	}
}

void lt_profile_merge(struct lt_profile *into, const struct lt_profile *from)
{
	while (into->ncols < from->ncols)
		add_col(into, from->cols[into->ncols].name);
	for (size_t i = 0; i < from->ncols; i++) {
		struct col *ci = &into->cols[i];
		const struct col *cf = &from->cols[i];

		ci->non_empty += cf->non_empty;
		for (size_t d = 0; d < into->ndet; d++) {
			struct acc *a = &ci->acc[d];
			const struct acc *b = &cf->acc[d];

			a->shape += b->shape;
			a->matched += b->matched;
			a->valid += b->valid;
			a->whole += b->whole;
			a->excl += b->excl;
			if (!b->v)
				continue;
			if (!a->v)
				a->v = vals_new();
			lt_hll_merge(&a->v->hll, &b->v->hll);
			for (size_t s = 0; s < b->v->n_samples; s++)
				keep_sample(a->v, b->v->sample_hash[s],
					    b->v->samples[s]);
		}
	}
}

/* The confidence rules; see the file comment and the README. */
static enum lt_confidence judge(const struct lt_detector_info *di,
				const struct acc *a, uint64_t checked, int hint)
{
	double q, c, r;
	enum lt_confidence conf;

	if (a->matched == 0)
		return LT_CONF_NONE;
	q = (double)a->matched / (double)a->shape;
	c = (double)a->valid / (double)a->shape;
	r = checked ? (double)a->matched / (double)checked : 0;

	if (di->has_checksum) {
		if (q >= 0.8 && c >= 0.5 &&
		    (a->valid >= 3 || (hint > 0 && a->valid >= 1)))
			conf = LT_CONF_HIGH;
		else if (q >= 0.8 && a->matched >= 3 && r >= 0.5)
			/* well formed but mostly without checksum: RRNs issued
			 * since Oct 2020 */
			conf = hint > 0 ? LT_CONF_HIGH : LT_CONF_MEDIUM;
		else if (q >= 0.5 && c >= 0.3 &&
			 (a->valid >= 2 || (hint > 0 && a->valid >= 1)))
			conf = LT_CONF_MEDIUM;
		else
			conf = LT_CONF_LOW;
	} else {
		if (q >= 0.8 && r >= 0.5 && a->matched >= 3)
			conf = LT_CONF_HIGH;
		else if (hint > 0 && q >= 0.6 && r >= 0.2 && a->matched >= 2)
			conf = LT_CONF_HIGH;
		else if (q >= 0.5 && a->matched >= 5 &&
			 (a->whole * 2 < a->matched || r >= 0.1))
			/* values in free text, or a real share of the column;
			 * a few whole cells among thousands are noise */
			conf = LT_CONF_MEDIUM;
		else if (q >= 0.8 && a->matched >= 3 && r >= 0.02 &&
			 a->whole * 2 < a->matched)
			/* a few clean values in a short free-text column */
			conf = LT_CONF_MEDIUM;
		else if (q >= 0.5 && hint > 0 && a->matched >= 1)
			conf = LT_CONF_MEDIUM;
		else
			conf = LT_CONF_LOW;
		if (di->needs_header && hint <= 0 && conf > LT_CONF_LOW)
			conf = LT_CONF_LOW;
	}
	if (hint < 0 && conf > LT_CONF_LOW)
		conf--;
	return conf;
}

static int finding_cmp(const void *x, const void *y)
{
	const struct lt_finding *a = x, *b = y;

	if (a->confidence != b->confidence)
		return a->confidence > b->confidence ? -1 : 1;
	if (a->matched != b->matched)
		return a->matched > b->matched ? -1 : 1;
	return a->det < b->det ? -1 : a->det > b->det;
}

void lt_profile_verdicts(const struct lt_profile *p, enum lt_confidence min_conf,
			 struct lt_column **out, size_t *n_out)
{
	struct lt_column *cols = NULL;
	size_t n = 0;

	if (min_conf < LT_CONF_LOW)
		min_conf = LT_CONF_LOW;
	for (size_t i = 0; i < p->ncols; i++) {
		const struct col *c = &p->cols[i];
		struct lt_finding *f = NULL;
		size_t nf = 0;

		for (size_t d = 0; d < p->ndet; d++) {
			const struct acc *a = &c->acc[d];
			const struct lt_detector_info *di = lt_packset_info(p->ps, d);
			enum lt_confidence conf = judge(di, a, c->non_empty, c->hint[d]);
			struct lt_finding *x;

			if (conf < min_conf)
				continue;
			f = lt_xreallocarray(f, nf + 1, sizeof *f);
			x = &f[nf++];
			memset(x, 0, sizeof *x);
			x->det = d;
			x->confidence = conf;
			x->checked = c->non_empty;
			x->matched = a->matched;
			x->valid = a->valid;
			x->shape = a->shape;
			x->whole = a->whole;
			x->ratio = c->non_empty ? (double)a->matched / (double)c->non_empty : 0;
			x->distinct = a->v ? lt_hll_estimate(&a->v->hll) : 0;
			if (x->distinct > a->matched)
				x->distinct = a->matched;
			x->free_text = a->whole * 2 < a->matched;
			x->header_hint = c->hint[d];
			x->n_samples = a->v ? pick_samples(a->v, x->samples) : 0;
		}
		/* A finding that (almost) never matched a cell on its own, while a
		 * stronger one of the same category did, is the same values seen
		 * by a more generic detector: drop it. */
		for (size_t k = 0; k < nf; k++) {
			const struct acc *ak = &c->acc[f[k].det];
			int drop = 0;

			for (size_t j = 0; j < nf && !drop; j++) {
				if (j == k || p->cat[f[j].det] != p->cat[f[k].det])
					continue;
				if (finding_cmp(&f[j], &f[k]) < 0 &&
				    ak->excl * 20 < ak->matched && ak->excl < 3)
					drop = 1;
			}
			f[k].confidence = drop ? LT_CONF_NONE : f[k].confidence;
		}
		{
			size_t w = 0;
			for (size_t k = 0; k < nf; k++)
				if (f[k].confidence != LT_CONF_NONE)
					f[w++] = f[k];
			nf = w;
		}
		if (nf == 0) {
			free(f);
			continue;
		}
		qsort(f, nf, sizeof *f, finding_cmp);
		cols = lt_xreallocarray(cols, n + 1, sizeof *cols);
		cols[n].name = lt_name_escape(c->name);
		cols[n].index = i;
		cols[n].non_empty = c->non_empty;
		cols[n].findings = f;
		cols[n].n_findings = nf;
		n++;
	}
	*out = cols;
	*n_out = n;
}

void lt_columns_free(struct lt_column *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].findings);
	}
	free(c);
}

size_t lt_profile_ncols(const struct lt_profile *p)
{
	return p->ncols;
}

const char *lt_confidence_name(enum lt_confidence c)
{
	static const char *const names[] = { "none", "low", "medium", "high" };

	return (unsigned)c < 4 ? names[c] : "none";
}

int lt_confidence_parse(const char *s, enum lt_confidence *out)
{
	for (int c = LT_CONF_LOW; c <= LT_CONF_HIGH; c++)
		if (strcmp(s, lt_confidence_name(c)) == 0) {
			*out = c;
			return 0;
		}
	return -1;
}
