/*
 * match.c - runs a packset's detectors over one cell (detect module).
 *
 * Place in the data flow: the parser hands each worker's cells here; the
 * hits go to the column profiles.  This is the hot path: per cell, a
 * branch-free pass (table loads per byte, digit and letter masks 16 bytes
 * at a time) computes cheap features (trimmed span, digit count and run,
 * which classes of bytes occur); each detector's prefilter skips cells
 * that cannot hold its type before PCRE2 runs.  The prefilter is
 * conservative, never wrong: the pack's own hints (min_length, min_digits,
 * require, require_any) and the bytes PCRE2 says a match can start with.
 * A matcher is owned by one thread (its match data and JIT stack); the
 * packset is shared.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

/* SSE2 on x86-64 (part of its baseline): the cell features read 16 bytes
 * at a time; elsewhere, byte by byte */
#if defined(__SSE2__) && defined(__x86_64__)
#define LT_SSE2 1
#include <emmintrin.h>
#endif

#include "lethe/detect.h"

/* Backtracking bound for a pattern from a user's pack.  PCRE2 applies it
 * to each start position, so a long free-text cell is still read to its
 * end (test_match_long_cell); a pathological pattern gives up instead. */
#define MATCH_LIMIT 100000u
#define DEPTH_LIMIT 10000u
#define JIT_STACK_MIN (32u * 1024)
#define JIT_STACK_MAX (1024u * 1024)
#define TAB_DIG 64
#define TAB_LEN 256

/* PCRE2's answers by cell shape.  A pattern cannot tell apart the bytes
 * of one of its classes (lt_shape_classes), so a cell whose bytes have the
 * same classes as one seen before, offset by offset, matches at the same
 * offsets: "2023-02-02T10:01:00Z" looks like every other timestamp to the
 * card pattern, "user17@example.com" like every user<2 digits> address to
 * the email one.  The cache keeps the match offsets (not the values:
 * validators still judge each cell's own bytes) for short cells, per
 * detector; a detector whose shapes rarely repeat (a phone pattern that
 * tells digits apart) turns its cache off after a trial. */
#define SHAPE_MAX 48        /* longer cells are not cached */
#define SHAPE_SLOTS 128
#define SHAPE_SPANS 4       /* matches kept per search; later ones are
                             * searched for again */
#define SHAPE_TRIAL 4096    /* lookups before judging the cache */

struct shape_slot {
	uint8_t len;        /* subject length; 0: empty slot */
	uint8_t start;      /* where the first search starts */
	uint8_t nspan;      /* matches kept, in the order the search met them */
	uint8_t done;       /* the search found nothing after them */
	uint8_t span[SHAPE_SPANS][2];
	uint64_t cls[SHAPE_MAX / 8];   /* byte i's class in byte i % 8 of
	                                * word i / 8; zero after len, words
	                                * after the last are unused */
};
_Static_assert(SHAPE_MAX % 8 == 0, "shapes are whole words");
_Static_assert(sizeof(struct shape_slot) == 64, "a slot is a cache line");

struct shape_cache {
	struct shape_slot *slot;   /* NULL until used, or when turned off */
	uint32_t probes, found;    /* lookups and answers during the trial */
	uint64_t hits;             /* answers in all (lt_matcher_shape_hits) */
	bool off;                  /* turned off, or the pattern's classes
	                            * unknown (!rt->shape_known) */
};

struct lt_matcher {
	pcre2_match_data *md;         /* ovector for one match at a time */
	pcre2_match_context *mctx;    /* limits and the JIT stack */
	pcre2_jit_stack *jit;         /* per thread, as PCRE2 requires */
	size_t ndet;
	const struct lt_det_rt **rt;  /* per detector, cached off the packset */
	uint64_t limits;              /* runs stopped by a match/depth limit */
	struct pf *pf;                /* per detector: the prefilter, packed
	                               * contiguously (it is read for every
	                               * detector of every cell) */
	/* The prefilters of up to 64 detectors side by side, bit d for
	 * detector d: tables indexed by a cell's digit count, digit run and
	 * length (capped; the last entry lets every detector through), and
	 * per byte class the detectors a class fails or satisfies, and per
	 * first byte (cell_first).  Within their ends they decide every test
	 * of prefilter(). */
	bool wide;                    /* more than 64 detectors, or unfiltered:
	                               * no tables, each detector tested */
	uint64_t dig_ok[TAB_DIG + 1], run_ok[TAB_DIG + 1];
	uint64_t tlen_ok[TAB_LEN + 1], clen_ok[TAB_LEN + 1];
	uint64_t text_dets, cell_dets;
	uint64_t req_union, req_by_cls[64];    /* a missing class fails */
	uint64_t any_dets, any_by_cls[64];     /* a present class satisfies */
	uint64_t first_dets;          /* detectors first_by_byte covers */
	uint64_t any_cls;             /* classes some require_any holds */
	uint64_t first_by_byte[256];  /* the detectors a byte can start */
	uint64_t cell_first[256];     /* the detectors a trimmed cell starting
	                               * with the byte may hold: every
	                               * text-scope one, the cell-scope ones
	                               * whose value can start with it (all
	                               * whose first bytes are unknown) */
	uint64_t edge_dets;           /* rt->at_edge: a first byte counts only
	                               * at offset 0 or after a non-alnum */
	uint64_t after_byte[256];     /* the detectors a byte right after
	                               * byte c may start: all but edge_dets
	                               * when c is a letter or digit */
	uint64_t word_dets;           /* rt->digit_word: need a digit run with
	                               * no letter beside it */
	struct shape_cache *shapes;   /* per detector: [0] search, [1] the
	                               * anchored attempt of run_at_start */
	bool unfiltered;              /* lt_matcher_prefilter(m, false) */
};

/* Byte classes for the prefilter: each byte falls in one of 64 classes, and
 * a cell's features hold the set of classes it has, built with one table
 * load per byte.  Digits, upper-case letters and the punctuation patterns
 * key on have a class each; lower-case letters, other ASCII and the UTF-8
 * byte kinds share classes.  Tests on classes can only let more cells
 * through than tests on bytes would: conservative, so results never
 * change. */
enum {
	CL_DIGIT = 0,        /* '0'..'9': 0..9 */
	CL_UPPER = 10,       /* 'A'..'Z': 10..35 */
	CL_LOWER = 36,
	CL_SPACE, CL_WS, CL_PLUS, CL_MINUS, CL_DOT, CL_COLON, CL_AT, CL_LPAR,
	CL_RPAR, CL_HASH, CL_SLASH, CL_COMMA, CL_UNDER, CL_STAR, CL_APOS,
	CL_QUOTE, CL_PERCENT, CL_AMP, CL_OTHER, CL_CTRL,
	CL_CONT,             /* 0x80..0xbf */
	CL_LEAD2,            /* 0xc0..0xdf */
	CL_LEAD3,            /* 0xe0..0xef: Hangul, CJK */
	CL_LEAD4,            /* 0xf0..0xff */
	CL_COUNT
};

static uint64_t byte_cls[256];    /* bit of the byte's class */
static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

static void cls_init(void)
{
	for (int c = 0; c < 256; c++) {
		int k;

		if (c >= '0' && c <= '9')
			k = CL_DIGIT + (c - '0');
		else if (c >= 'A' && c <= 'Z')
			k = CL_UPPER + (c - 'A');
		else if (c >= 'a' && c <= 'z')
			k = CL_LOWER;
		else if (c >= 0xf0)
			k = CL_LEAD4;
		else if (c >= 0xe0)
			k = CL_LEAD3;
		else if (c >= 0xc0)
			k = CL_LEAD2;
		else if (c >= 0x80)
			k = CL_CONT;
		else if (c < 0x20 || c == 0x7f)
			k = c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
			    c == '\v' ? CL_WS : CL_CTRL;
		else
			switch (c) {
			case ' ': k = CL_SPACE; break;
			case '+': k = CL_PLUS; break;
			case '-': k = CL_MINUS; break;
			case '.': k = CL_DOT; break;
			case ':': k = CL_COLON; break;
			case '@': k = CL_AT; break;
			case '(': k = CL_LPAR; break;
			case ')': k = CL_RPAR; break;
			case '#': k = CL_HASH; break;
			case '/': k = CL_SLASH; break;
			case ',': k = CL_COMMA; break;
			case '_': k = CL_UNDER; break;
			case '*': k = CL_STAR; break;
			case '\'': k = CL_APOS; break;
			case '"': k = CL_QUOTE; break;
			case '%': k = CL_PERCENT; break;
			case '&': k = CL_AMP; break;
			default: k = CL_OTHER; break;
			}
		byte_cls[c] = (uint64_t)1 << k;
	}
}

_Static_assert(CL_COUNT <= 64, "byte classes fit a uint64_t");
/* the classes of ASCII letters and digits */
#define CL_ALNUM_BITS (((uint64_t)1 << (CL_LOWER + 1)) - 1)

/* A detector's prefilter, in byte classes (see above). */
struct pf {
	uint64_t req;         /* classes the cell must all have */
	uint64_t any;         /* the cell must have one of these (0: no test) */
	uint64_t first_cls;   /* text scope: a match's first byte is of one of
	                       * these classes (0: unknown); the bytes
	                       * themselves are in the detector's rt->first */
	uint32_t min_len;
	uint32_t max_len;     /* a value that is the whole (trimmed) cell:
	                       * at most this long (the pack's max_length
	                       * and what the pattern can match); 0 =
	                       * unbounded */
	uint32_t min_digits;
	uint32_t min_run;     /* longest run of digits at least */
	uint8_t cell_scope;
	uint8_t jitted;       /* JIT code exists: pcre2_jit_match (no
	                       * per-call checks) */
	uint8_t jitted_anch;  /* the same for the anchored twin */
	uint8_t twinned;      /* another detector shares the pattern
	                       * (rt->same_re) */
};

/* Features of one cell, computed once for all detectors. */
struct features {
	size_t t0, t1;        /* trimmed span: ASCII whitespace, then one pair
	                       * of surrounding quotes, then whitespace again */
	uint32_t digits;      /* ASCII digits in the cell */
	uint32_t run;         /* the longest run of ASCII digits */
	uint64_t have;        /* byte classes present */
	uint64_t any;         /* detectors whose require_any a byte meets */
	uint64_t first;       /* detectors a byte of the cell can start */
	uint64_t dmask;       /* bit i: byte i is an ASCII digit (n <= 64) */
	uint64_t letters;     /* bit i: byte i is an ASCII letter (n <= 64) */
};

static uint64_t classes_of(const uint8_t *set, int nbytes)
{
	uint64_t m = 0;

	for (int c = 0; c < nbytes * 8; c++)
		if (set[c >> 3] & (1u << (c & 7)))
			m |= byte_cls[c];
	return m;
}

/* Whether a match of the detector can start with byte c (true when PCRE2
 * could not tell). */
static bool in_first(const struct lt_det_rt *rt, unsigned char c)
{
	return !rt->first_known || (rt->first[c >> 3] >> (c & 7) & 1);
}

struct lt_matcher *lt_matcher_new(const struct lt_packset *ps)
{
	struct lt_matcher *m = lt_xcalloc(1, sizeof *m);
	const char *e;

	pthread_once(&cls_once, cls_init);
	m->md = pcre2_match_data_create(16, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	m->jit = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX, NULL);
	if (!m->md || !m->mctx) {
		lt_matcher_free(m);
		return NULL;
	}
	if (m->jit) /* NULL without JIT support: the interpreter needs none */
		pcre2_jit_stack_assign(m->mctx, NULL, m->jit);
	pcre2_set_match_limit(m->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, DEPTH_LIMIT);
	m->ndet = lt_packset_count(ps);
	m->rt = lt_xcalloc(m->ndet ? m->ndet : 1, sizeof *m->rt);
	m->pf = lt_xcalloc(m->ndet ? m->ndet : 1, sizeof *m->pf);
	m->shapes = lt_xcalloc(m->ndet ? 2 * m->ndet : 1, sizeof *m->shapes);
	m->wide = m->ndet > 64;
	for (size_t d = 0; d < m->ndet; d++) {
		const struct lt_det_rt *rt = lt_packset_rt(ps, d);
		struct pf *pf = &m->pf[d];
		size_t jsize = 0;

		m->rt[d] = rt;
		pf->req = 0;
		for (int c = 0; c < 128; c++)
			if (rt->require[c >> 3] & (1u << (c & 7)))
				pf->req |= byte_cls[c];
		pf->any = classes_of(rt->require_any, 16);
		if (rt->first_known)
			pf->first_cls = classes_of(rt->first, 32);
		pf->min_len = rt->min_len;
		pf->max_len = rt->max_len;
		if (rt->max_match && (!pf->max_len || rt->max_match < pf->max_len))
			pf->max_len = rt->max_match;
		pf->min_digits = rt->min_digits;
		pf->min_run = rt->min_digit_run;
		pf->cell_scope = rt->cell_scope;
		if (d < 64) {
			uint64_t bit = (uint64_t)1 << d;

			for (uint32_t i = 0; i <= TAB_DIG; i++) {
				if (i == TAB_DIG || i >= pf->min_digits)
					m->dig_ok[i] |= bit;
				if (i == TAB_DIG || i >= pf->min_run)
					m->run_ok[i] |= bit;
			}
			for (uint32_t i = 0; i <= TAB_LEN; i++) {
				if (!pf->cell_scope &&
				    (i == TAB_LEN || i >= pf->min_len))
					m->tlen_ok[i] |= bit;
				if (pf->cell_scope &&
				    (i == TAB_LEN || (i >= pf->min_len &&
						      (!pf->max_len || i <= pf->max_len))))
					m->clen_ok[i] |= bit;
			}
			*(pf->cell_scope ? &m->cell_dets : &m->text_dets) |= bit;
			for (int k = 0; k < 64; k++) {
				uint64_t kb = (uint64_t)1 << k;

				if (pf->req & kb) {
					m->req_union |= kb;
					m->req_by_cls[k] |= bit;
				}
				if (pf->any & kb) {
					m->any_by_cls[k] |= bit;
					m->any_cls |= kb;
				}
			}
			if (pf->any)
				m->any_dets |= bit;
			if (!pf->cell_scope && pf->first_cls)
				m->first_dets |= bit;
			if (rt->at_edge)
				m->edge_dets |= bit;
			if (rt->digit_word)
				m->word_dets |= bit;
		}
		pf->jitted = m->jit &&
			pcre2_pattern_info(rt->re, PCRE2_INFO_JITSIZE, &jsize) == 0 &&
			jsize > 0;
		jsize = 0;
		pf->jitted_anch = m->jit && rt->re_anchored &&
			pcre2_pattern_info(rt->re_anchored, PCRE2_INFO_JITSIZE,
					   &jsize) == 0 &&
			jsize > 0;
	}
	for (size_t d = 0; d < m->ndet; d++)
		for (size_t o = 0; o < m->ndet; o++)
			if (o != d && m->rt[o]->same_re == m->rt[d]->same_re)
				m->pf[d].twinned = 1;
	/* per byte, not per class: 'n' and 's' share a class, but only
	 * 's' can start an NRIC */
	for (size_t d = 0; d < m->ndet && d < 64; d++)
		if (m->first_dets >> d & 1)
			for (int c = 0; c < 256; c++)
				if (in_first(m->rt[d], (unsigned char)c))
					m->first_by_byte[c] |= (uint64_t)1 << d;
	for (int c = 0; c < 256; c++)
		m->after_byte[c] = byte_cls[c] & CL_ALNUM_BITS ? ~m->edge_dets
							       : ~(uint64_t)0;
	for (size_t d = 0; d < m->ndet && d < 64; d++)
		for (int c = 0; c < 256; c++)
			if (!m->pf[d].cell_scope ||
			    in_first(m->rt[d], (unsigned char)c))
				m->cell_first[c] |= (uint64_t)1 << d;
	e = getenv("LETHE_SHAPE_CACHE");
	lt_matcher_shape_cache(m, !(e && strcmp(e, "off") == 0));
	return m;
}

void lt_matcher_free(struct lt_matcher *m)
{
	if (!m)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	pcre2_jit_stack_free(m->jit);
	free(m->rt);
	free(m->pf);
	for (size_t i = 0; m->shapes && i < 2 * m->ndet; i++)
		free(m->shapes[i].slot);
	free(m->shapes);
	free(m);
}

static bool is_joiner(char c)
{
	return c == '-' || c == '_' || c == '.';
}

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static void trim_span(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && is_ws((unsigned char)s[*a]))
		(*a)++;
	while (*b > *a && is_ws((unsigned char)s[*b - 1]))
		(*b)--;
}

#if defined(LT_SSE2)
/* Digit and letter bits (movemask order) of the 16 bytes in v. */
static void class_bits(__m128i v, unsigned *digits, unsigned *letters)
{
	/* letters folded to lower case first */
	*digits = (unsigned)_mm_movemask_epi8(lt_in_range8(v, '0', 10));
	*letters = (unsigned)_mm_movemask_epi8(
		lt_in_range8(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26));
}

#endif


/* Bit i set when u[i] is an ASCII digit, for n <= 64; *letters: the same
 * for ASCII letters.  Reads only the cell's own bytes, never a copy (a
 * 16-byte load of bytes just stored one by one would stall): a short cell
 * as two overlapping loads, the end of a long one as the last 16 bytes. */
static uint64_t digit_mask(const unsigned char *u, size_t n, uint64_t *letters)
{
	uint64_t dm = 0, lm = 0;
#if defined(LT_SSE2)
	unsigned db, lb;

	if (n >= 16) {
		size_t i = 0;

		for (; i + 16 <= n; i += 16) {
			class_bits(_mm_loadu_si128((const __m128i *)(u + i)), &db, &lb);
			dm |= (uint64_t)db << i;
			lm |= (uint64_t)lb << i;
		}
		if (i < n) {   /* the last 16 bytes; keep the new ones */
			class_bits(_mm_loadu_si128((const __m128i *)(u + n - 16)),
				   &db, &lb);
			dm |= (uint64_t)(db >> (16 - (n - i))) << i;
			lm |= (uint64_t)(lb >> (16 - (n - i))) << i;
		}
	} else if (n >= 8) {   /* bytes 0..7 and n-8..n-1 */
		class_bits(_mm_set_epi64x((long long)lt_load64(u + n - 8),
					  (long long)lt_load64(u)), &db, &lb);
		dm = (db & 0xffu) | (uint64_t)(db >> 8) << (n - 8);
		lm = (lb & 0xffu) | (uint64_t)(lb >> 8) << (n - 8);
	} else if (n >= 4) {   /* bytes 0..3 and n-4..n-1 */
		class_bits(_mm_cvtsi64_si128((long long)((uint64_t)lt_load32(u) |
							 (uint64_t)lt_load32(u + n - 4) << 32)),
			   &db, &lb);
		dm = (db & 0xfu) | (uint64_t)(db >> 4 & 0xfu) << (n - 4);
		lm = (lb & 0xfu) | (uint64_t)(lb >> 4 & 0xfu) << (n - 4);
	} else if (n > 0) {    /* bytes 0, n/2 and n-1 */
		class_bits(_mm_cvtsi32_si128((int)(u[0] | (unsigned)u[n / 2] << 8 |
						   (unsigned)u[n - 1] << 16)),
			   &db, &lb);
		dm = (db & 1u) | (uint64_t)(db >> 1 & 1u) << (n / 2) |
		     (uint64_t)(db >> 2 & 1u) << (n - 1);
		lm = (lb & 1u) | (uint64_t)(lb >> 1 & 1u) << (n / 2) |
		     (uint64_t)(lb >> 2 & 1u) << (n - 1);
	}
#else
	for (size_t i = 0; i < n; i++) {
		dm |= (uint64_t)((unsigned)(u[i] - '0') <= 9) << i;
		lm |= (uint64_t)((unsigned)((u[i] | 0x20) - 'a') < 26) << i;
	}
#endif
	*letters = lm;
	return dm;
}

/* Set bits of x (no popcnt instruction in the x86-64 baseline). */
static uint32_t bit_count(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (uint32_t)((x * 0x0101010101010101ULL) >> 56);
}

/* The longest run of set bits. */
static uint32_t longest_run(uint64_t m)
{
	uint32_t best = 0;

	while (m) {
		uint32_t len;

		m >>= __builtin_ctzll(m);
		len = ~m ? (uint32_t)__builtin_ctzll(~m) : 64;
		best = len > best ? len : best;
		m = len < 64 ? m >> len : 0;
	}
	return best;
}

static void features(const struct lt_matcher *m, const char *s, size_t n,
		     struct features *f)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t have = 0, any = 0, first = 0, start = ~(uint64_t)0;

	/* three table loads per byte: the classes, the first bytes and the
	 * word-start rule for the next byte; a
	 * detector whose match cannot start after a letter or digit (an
	 * "(?<![A-Za-z0-9]" guard) needs its first byte where a word
	 * starts: in "note c4ca42" no digit does */
#pragma GCC unroll 4
	for (size_t i = 0; i < n; i++) {
		have |= byte_cls[u[i]];
		first |= m->first_by_byte[u[i]] & start;
		start = m->after_byte[u[i]];
	}
	if (n <= 64) {   /* digits from a bit mask */
		uint64_t dm = digit_mask(u, n, &f->letters);

		f->digits = bit_count(dm);
		f->run = longest_run(dm);
		f->dmask = dm;
	} else {
		uint32_t digits = 0, run = 0, best = 0;

		for (size_t i = 0; i < n; i++) {
			uint32_t dig = (unsigned)(u[i] - '0') <= 9;

			digits += dig;
			run = (run + 1) & (0u - dig);
			best = run > best ? run : best;
		}
		f->digits = digits;
		f->run = best;
	}
	for (uint64_t hv = have & m->any_cls; hv; hv &= hv - 1)
		any |= m->any_by_cls[__builtin_ctzll(hv)];
	f->any = any;
	f->first = first;
	f->have = have;
	f->t0 = 0;
	f->t1 = n;
	if (!(have & (byte_cls[' '] | byte_cls['\t'] | byte_cls['"'] |
		      byte_cls['\''] | byte_cls['`'])))
		return;   /* nothing to trim: the common case */
	trim_span(s, &f->t0, &f->t1);
	if (f->t1 - f->t0 >= 2 &&
	    (s[f->t0] == '"' || s[f->t0] == '\'' || s[f->t0] == '`') &&
	    s[f->t1 - 1] == s[f->t0]) {
		f->t0++;
		f->t1--;
		trim_span(s, &f->t0, &f->t1);
	}
}

/* The pack's own hints, read off the bytes one by one: what an
 * unfiltered matcher (lt_matcher_prefilter off) still requires. */
static bool hints_hold(const struct lt_det_rt *rt, const struct features *f,
		       const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint8_t seen[16] = { 0 }, any = 0, all = 1;
	uint32_t digits = 0, run = 0, best = 0;
	size_t len = rt->cell_scope ? f->t1 - f->t0 : n;

	for (size_t i = 0; i < n; i++) {
		bool dig = u[i] >= '0' && u[i] <= '9';

		digits += dig;
		run = dig ? run + 1 : 0;
		best = run > best ? run : best;
		if (u[i] < 128)
			seen[u[i] >> 3] |= (uint8_t)(1u << (u[i] & 7));
	}
	for (int k = 0; k < 16; k++) {
		all &= (rt->require[k] & ~seen[k]) == 0;
		any |= rt->require_any[k];
	}
	if (any) {
		any = 0;
		for (int k = 0; k < 16; k++)
			any |= rt->require_any[k] & seen[k];
		if (!any)
			return false;
	}
	return all && len >= rt->min_len && digits >= rt->min_digits &&
	       best >= rt->min_digit_run &&
	       !(rt->cell_scope && rt->max_len && len > rt->max_len);
}

/* Whether detector d may match the cell, when the candidate tables could
 * not decide (see candidates()). */
static bool prefilter(const struct lt_matcher *m, size_t d,
		      const struct features *f, const char *s, size_t n)
{
	const struct pf *p = &m->pf[d];
	/* cell scope: the value is the trimmed cell; text scope: a pattern
	 * may take in the quotes or blanks that trimming drops */
	size_t len = p->cell_scope ? f->t1 - f->t0 : n;

	if (m->unfiltered)
		return hints_hold(m->rt[d], f, s, n);
	if (len < p->min_len || f->digits < p->min_digits || f->run < p->min_run)
		return false;
	if (p->cell_scope && p->max_len && len > p->max_len)
		return false;
	if (p->req & ~f->have)
		return false;
	if (p->any && !(p->any & f->have))
		return false;
	/* A cell-scope match starts at the trimmed start; a text-scope one
	 * anywhere, so the cell must hold a byte it can start with. */
	if (p->cell_scope)
		return in_first(m->rt[d], (unsigned char)s[f->t0]);
	return !p->first_cls || (p->first_cls & f->have);
}

static uint8_t level_of(enum lt_valid v)
{
	switch (v) {
	case LT_VALID_OK: return LT_HIT_VALID;
	case LT_VALID_WEAK: return LT_HIT_WEAK;
	default: return LT_HIT_SHAPE;
	}
}

/* True when s[o0..o1) continues a longer token on either side through a
 * joiner ('-', '_' or '.' with a letter or digit beyond it): a digit run
 * inside a UUID ("91234567-e29b-...") or a hyphenated reference is not a
 * value of its own.  Sentence punctuation ("call 9123 4567.") is fine. */
static bool inside_token(const char *s, size_t n, size_t o0, size_t o1)
{
	if (o0 >= 2 && is_joiner(s[o0 - 1]) && is_alnum((unsigned char)s[o0 - 2]))
		return true;
	if (o1 + 1 < n && is_joiner(s[o1]) && is_alnum((unsigned char)s[o1 + 1]))
		return true;
	return false;
}

static bool limit_rc(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	       rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

/* A zeroed slot table, each slot on a cache line of its own. */
static struct shape_slot *slots_new(void)
{
	struct shape_slot *t = lt_xaligned(64, SHAPE_SLOTS * sizeof *t);

	memset(t, 0, SHAPE_SLOTS * sizeof *t);
	return t;
}

/* The cache slot for the shape of cell[0..end) searched from start, with
 * the shape written to key; *found when the slot holds that shape.  NULL
 * when the shape is not cached (unknown classes, a long cell, the cache
 * turned off). */
static struct shape_slot *shape_find(struct shape_cache *sc,
				     const struct lt_det_rt *rt,
				     const char *cell, size_t end, size_t start,
				     struct shape_slot *key, bool *found)
{
	static const uint64_t mult[SHAPE_MAX / 8] = {
		0xbf58476d1ce4e5b9ULL, 0x94d049bb133111ebULL, 0x9e3779b97f4a7c15ULL,
		0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL, 0xd6e8feb86659fd93ULL,
	};
	const unsigned char *u = (const unsigned char *)cell;
	struct shape_slot *slot;
	bool trial;
	uint64_t h = end;
	size_t words;

	*found = false;
	if (sc->off || end > SHAPE_MAX)   /* end > 0: a trimmed cell */
		return NULL;
	if (sc->probes == SHAPE_TRIAL) {   /* judged once, after the trial */
		sc->probes++;
		if (sc->found < SHAPE_TRIAL / 8) {
			sc->off = true;   /* shapes rarely repeat here */
			free(sc->slot);
			sc->slot = NULL;
			return NULL;
		}
	}
	if (!sc->slot)
		sc->slot = slots_new();
	/* the shape in whole words, zero-padded, built in registers (byte
	 * stores read back as words would stall) and hashed as it goes; each
	 * word of the cell is read whole (lt_word_at), so its eight lookups
	 * are independent */
	words = (end + 7) / 8;
	for (size_t w = 0; w < words; w++) {
		const uint8_t *S = rt->shape;
		uint64_t q = lt_word_at(u, end, 8 * w);
		uint64_t x = (uint64_t)S[q & 255] | (uint64_t)S[q >> 8 & 255] << 8 |
			     (uint64_t)S[q >> 16 & 255] << 16 |
			     (uint64_t)S[q >> 24 & 255] << 24 |
			     (uint64_t)S[q >> 32 & 255] << 32 |
			     (uint64_t)S[q >> 40 & 255] << 40 |
			     (uint64_t)S[q >> 48 & 255] << 48 |
			     (uint64_t)S[q >> 56] << 56;

		if (end - 8 * w < 8)   /* zero after len */
			x &= ((uint64_t)1 << (8 * (end - 8 * w))) - 1;
		key->cls[w] = x;
		/* independent products, summed: no chain of multiplies
		 * before the slot can be loaded */
		h += (x ^ (x >> 29)) * mult[w];
	}
	key->len = (uint8_t)end;
	key->start = (uint8_t)start;
	key->nspan = 0;
	key->done = 0;
	h = (h ^ start) * 0x94d049bb133111ebULL;
	slot = &sc->slot[(h >> 40) & (SHAPE_SLOTS - 1)];
	trial = sc->probes < SHAPE_TRIAL;
	sc->probes += trial;
	if (slot->len != end || slot->start != start)
		return slot;
	for (size_t w = 0; w < words; w++)
		if (slot->cls[w] != key->cls[w])
			return slot;
	sc->found += trial;
	sc->hits++;
	*found = true;
	return slot;
}

/* The matches one search met, in order: what the shape cache keeps, and
 * what a detector sharing the pattern reuses within the same cell. */
struct spans {
	uint8_t n;          /* kept */
	bool done;          /* the search found nothing after them */
	bool ok;            /* no limit was hit: fit to replay */
	uint32_t at[SHAPE_SPANS][2];
};

/* Runs one detector over the cell; fills *hit and returns true when its
 * pattern matched at least once.  Keeps the best level, the first value
 * at that level, and stops at a valid one.  The matches come from reuse
 * (the same pattern's search of this cell) or the shape cache as far as
 * they are known, then from PCRE2; *rec receives them all. */
static bool run_detector(struct lt_matcher *m, size_t d, const char *cell,
			 size_t n, const struct features *f,
			 const struct spans *reuse, struct spans *rec,
			 struct lt_hit *hit)
{
	const struct lt_det_rt *rt = m->rt[d];
	const pcre2_code *re = rt->re;
	bool jitted = m->pf[d].jitted;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
	/* Cell scope: the anchored pattern sees the trimmed span only. */
	size_t end = rt->cell_scope ? f->t1 : n;
	size_t start = rt->cell_scope ? f->t0 : 0;
	uint8_t best = 0;
	struct shape_slot key;
	struct shape_slot *slot = NULL;
	bool found = false, appending;
	size_t k = 0;

	if (reuse) {
		*rec = *reuse;
	} else {
		slot = shape_find(&m->shapes[2 * d], rt, cell, end, start, &key,
				  &found);
		rec->n = 0;
		rec->done = false;
		if (found) {
			rec->n = slot->nspan;
			rec->done = slot->done;
			for (size_t i = 0; i < slot->nspan; i++) {
				rec->at[i][0] = slot->span[i][0];
				rec->at[i][1] = slot->span[i][1];
			}
		}
	}
	rec->ok = true;
	appending = !rec->done && rec->n < SHAPE_SPANS;
	while (start < end) {
		size_t o0, o1, vlen;

		if (k < rec->n) {
			o0 = rec->at[k][0];
			o1 = rec->at[k][1];
			k++;
		} else if (rec->done) {
			break;
		} else {
			int rc = jitted ? pcre2_jit_match(re, (PCRE2_SPTR)cell, end,
							  start, PCRE2_NO_UTF_CHECK,
							  m->md, m->mctx)
					: pcre2_match(re, (PCRE2_SPTR)cell, end, start,
						      PCRE2_NO_UTF_CHECK, m->md,
						      m->mctx);

			if (rc < 0) { /* no (further) match, or a limit */
				if (limit_rc(rc)) {
					m->limits++;
					rec->ok = false;
				}
				rec->done = appending;
				break;
			}
			o0 = ov[0];
			o1 = ov[1];
			if (appending && rec->n < SHAPE_SPANS && o1 >= o0) {
				rec->at[rec->n][0] = (uint32_t)o0;
				rec->at[rec->n][1] = (uint32_t)o1;
				rec->n++;
				k = rec->n;
			} else {
				appending = false; /* later matches: searched again */
			}
		}
		if (o1 < o0) /* \K games: not a value */
			break;
		vlen = o1 - o0;
		if (vlen >= rt->min_len && (!rt->max_len || vlen <= rt->max_len) &&
		    !inside_token(cell, n, o0, o1)) {
			uint8_t lv = rt->validate
					     ? level_of(rt->validate(cell + o0, vlen))
					     : LT_HIT_VALID;

			if (lv > best) {
				best = lv;
				hit->level = lv;
				hit->off = (uint32_t)o0;
				hit->len = (uint32_t)vlen;
				if (lv == LT_HIT_VALID)
					break;
			}
		}
		if (rt->cell_scope)
			break;
		if (o1 > o0) {
			start = o1;
		} else { /* empty match: step over one UTF-8 character */
			start = o0 + 1;
			while (start < end &&
			       ((unsigned char)cell[start] & 0xc0) == 0x80)
				start++;
		}
	}
	if (slot && !found && rec->ok) { /* a new shape: keep its matches */
		key.nspan = rec->n;
		key.done = rec->done;
		for (size_t i = 0; i < rec->n; i++) {
			key.span[i][0] = (uint8_t)rec->at[i][0];
			key.span[i][1] = (uint8_t)rec->at[i][1];
		}
		*slot = key;
	}
	if (!best)
		return false;
	hit->whole = hit->off == f->t0 && (size_t)hit->off + hit->len == f->t1;
	return true;
}

/* The detectors (bit d: detector d < 64) whose prefilter the tables let
 * through; all when there are more than 64. */
static uint64_t candidates(const struct lt_matcher *m, const struct features *f,
			   const char *s, size_t n)
{
	size_t tl = f->t1 - f->t0;
	uint64_t cand, miss;

	if (m->wide)
		return ~(uint64_t)0;
	cand = m->dig_ok[f->digits < TAB_DIG ? f->digits : TAB_DIG] &
	       m->run_ok[f->run < TAB_DIG ? f->run : TAB_DIG] &
	       ((m->tlen_ok[n < TAB_LEN ? n : TAB_LEN] & m->text_dets) |
		(m->clen_ok[tl < TAB_LEN ? tl : TAB_LEN] & m->cell_dets));
	for (miss = ~f->have & m->req_union; miss; miss &= miss - 1)
		cand &= ~m->req_by_cls[__builtin_ctzll(miss)];
	return cand & (f->any | ~m->any_dets) & (f->first | ~m->first_dets) &
	       m->cell_first[(unsigned char)s[f->t0]];
}

static bool is_letter(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* Whether the cell has a run of ASCII digits with no ASCII letter right
 * before or after it: "9123 4567", "(65)9123", not the digits of
 * "8f14e45f" or "INV20231". */
static bool digit_word(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		if ((unsigned)(u[i] - '0') > 9)
			continue;
		while (j < n && (unsigned)(u[j] - '0') <= 9)
			j++;
		if ((i == 0 || !is_letter(u[i - 1])) &&
		    (j == n || !is_letter(u[j])))
			return true;
		i = j;
	}
	return false;
}

/* digit_word from the masks of a cell under 64 bytes: a run starts
 * where a digit follows no digit, and ends where none follows; adding the
 * starts of the runs no letter precedes carries each such run into the
 * bit after its end, which must be a good end's. */
static bool digit_word_masks(const struct features *f)
{
	uint64_t dm = f->dmask, lm = f->letters;
	uint64_t starts = dm & ~(dm << 1), ends = dm & ~(dm >> 1);
	uint64_t good_start = starts & ~(lm << 1), good_end = ends & ~(lm >> 1);

	return ((dm + good_start) & ~dm & (good_end << 1)) != 0;
}

/* Takes the lowest set bit of *c: its index, or 64 when none is left. */
static size_t next_bit(uint64_t *c)
{
	size_t d;

	if (!*c)
		return 64;
	d = (size_t)__builtin_ctzll(*c);
	*c &= *c - 1;
	return d;
}

/* The lead detector's value is the whole cell: another text-scope detector
 * can then only add a hit that starts at offset 0 and covers the cell too,
 * since any other value of it lies inside the lead's and the profile drops
 * values nested in a longer accepted one (drop_nested).  One anchored
 * attempt at offset 0 settles it: no match there, or a shorter one, and
 * every value it has is nested.  A match at 0 is the first the unanchored
 * search would find, and one that ends the cell leaves nothing after it, so
 * the hit is the one run_detector would record. */
static bool run_at_start(struct lt_matcher *m, size_t d, size_t lead,
			 const char *cell, size_t n, struct lt_hit *hit)
{
	const struct lt_det_rt *rt = m->rt[d];
	const pcre2_code *re = rt->re_anchored;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
	int rc;

	if (n < rt->min_len || (rt->max_len && n > rt->max_len))
		return false;   /* not a value of this type: too short or long */
	if (!m->unfiltered &&
	    (!in_first(rt, (unsigned char)cell[0]) ||
	     (m->pf[d].max_len && n > m->pf[d].max_len)))
		return false;   /* no match can start here, or be the cell */
	/* The lead's first match was its whole-cell value (a later match
	 * cannot start at 0), so the same pattern matches the same span. */
	if (rt->same_re != m->rt[lead]->same_re) {
		struct shape_slot key;
		bool found, whole;
		struct shape_slot *slot = shape_find(&m->shapes[2 * d + 1], rt,
						     cell, n, 0, &key, &found);

		if (found) {
			whole = slot->nspan == 1;
		} else {
			rc = m->pf[d].jitted_anch
				     ? pcre2_jit_match(re, (PCRE2_SPTR)cell, n, 0,
						       PCRE2_NO_UTF_CHECK, m->md,
						       m->mctx)
				     : pcre2_match(re, (PCRE2_SPTR)cell, n, 0,
						   PCRE2_NO_UTF_CHECK, m->md,
						   m->mctx);
			whole = rc >= 0 && ov[0] == 0 && ov[1] == n;
			if (slot && !limit_rc(rc)) {
				key.nspan = whole;  /* the span is [0, n) */
				key.done = 1;
				*slot = key;
			}
		}
		if (!whole)
			return false;
	}
	hit->level = rt->validate ? level_of(rt->validate(cell, n)) : LT_HIT_VALID;
	hit->off = 0;
	hit->len = (uint32_t)n;
	hit->whole = 1;
	return true;
}

size_t lt_match_cell_lead(struct lt_matcher *m, const char *cell, size_t n,
			  const uint64_t *enabled, int lead,
			  struct lt_hit *hits, size_t cap)
{
	size_t ndet = m->ndet, nh = 0;
	bool whole = false;
	struct features f;
	uint64_t cand;
	/* the last search of a pattern two detectors share (SG and MY
	 * addresses): the second replays the first's matches */
	struct spans rec, twin;
	uint32_t twin_re = UINT32_MAX;
	bool tabled;

	if (n == 0 || cap == 0 || ndet == 0 || n > UINT32_MAX)
		return 0;
	features(m, cell, n, &f);
	if (f.t1 == f.t0)
		return 0;
	cand = candidates(m, &f, cell, n);
	/* the tables have decided every prefilter test, unless a count is
	 * beyond their ends */
	tabled = !m->wide && f.digits < TAB_DIG && f.run < TAB_DIG &&
		 n < TAB_LEN;
	if ((cand & m->word_dets) &&
	    !(n < 64 ? digit_word_masks(&f) : digit_word(cell, n)))
		cand &= ~m->word_dets;
	if (enabled && !m->wide)
		cand &= enabled[0];
	if (lead >= 0 && (size_t)lead < ndet &&
	    (!enabled || lt_detset_has(enabled, (size_t)lead)) &&
	    f.t0 == 0 && f.t1 == n &&
	    (m->wide || (cand >> lead & 1))) {
		if (tabled || prefilter(m, (size_t)lead, &f, cell, n)) {
			memset(&hits[0], 0, sizeof hits[0]);
			hits[0].det = (uint16_t)lead;
			if (run_detector(m, (size_t)lead, cell, n, &f, NULL,
					 &rec, &hits[0])) {
				whole = hits[0].whole && hits[0].level >= LT_HIT_WEAK;
				nh++;
			}
			if (m->pf[lead].twinned && rec.ok) {
				twin = rec;
				twin_re = m->rt[lead]->same_re;
			}
		}
	} else {
		lead = -1;
	}
	if (lead >= 0 && !m->wide)
		cand &= ~((uint64_t)1 << lead);
	/* in detector order: the candidates' bits (enabled ones, the lead
	 * done), or every detector */
	for (size_t d = m->wide ? 0 : next_bit(&cand); d < ndet && nh < cap;
	     d = m->wide ? d + 1 : next_bit(&cand)) {
		const struct lt_det_rt *rt;

		if (m->wide && ((int)d == lead ||
				(enabled && !lt_detset_has(enabled, d))))
			continue;
		if (!tabled && !prefilter(m, d, &f, cell, n))
			continue;
		rt = m->rt[d];
		memset(&hits[nh], 0, sizeof hits[nh]);
		hits[nh].det = (uint16_t)d;
		if (whole && !rt->cell_scope) {
			if (run_at_start(m, d, (size_t)lead, cell, n, &hits[nh]))
				nh++;
		} else {
			bool again = m->pf[d].twinned && rt->same_re == twin_re;

			if (run_detector(m, d, cell, n, &f, again ? &twin : NULL,
					 &rec, &hits[nh]))
				nh++;
			if (m->pf[d].twinned && rec.ok) {
				twin = rec;
				twin_re = rt->same_re;
			}
		}
	}
	return nh;
}

uint64_t lt_matcher_limits(const struct lt_matcher *m)
{
	return m->limits;
}

uint64_t lt_matcher_shape_hits(const struct lt_matcher *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < 2 * m->ndet; i++)
		n += m->shapes[i].hits;
	return n;
}

void lt_matcher_shape_cache(struct lt_matcher *m, bool on)
{
	for (size_t i = 0; i < 2 * m->ndet; i++) {
		free(m->shapes[i].slot);
		memset(&m->shapes[i], 0, sizeof m->shapes[i]);
		m->shapes[i].off = !on || !m->rt[i / 2]->shape_known;
	}
}

void lt_matcher_prefilter(struct lt_matcher *m, bool on)
{
	m->unfiltered = !on;
	m->wide = !on || m->ndet > 64;   /* every detector, each tested */
}

size_t lt_match_cell(struct lt_matcher *m, const char *cell, size_t n,
		     const uint64_t *enabled, struct lt_hit *hits, size_t cap)
{
	return lt_match_cell_lead(m, cell, n, enabled, -1, hits, cap);
}
