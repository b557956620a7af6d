/*
 * match.c - runs a packset's detectors over one cell (detect module).
 *
 * Place in the data flow: the parser hands each worker's cells here; the
 * hits go to the column profiles.  This is the hot path: per cell, one pass
 * computes cheap features (trimmed span, digit count, which ASCII bytes
 * occur); each detector's prefilter (pack.c derived it from the pack) skips
 * cells that cannot hold its type before PCRE2 runs.  A matcher is owned by
 * one thread (its match data and JIT stack); the packset is shared.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "lethe/detect.h"

/* Backtracking bound for a pattern from a user's pack.  PCRE2 applies it
 * to each start position, so a long free-text cell is still read to its
 * end (test_match_long_cell); a pathological pattern gives up instead. */
#define MATCH_LIMIT 100000u
#define DEPTH_LIMIT 10000u
#define JIT_STACK_MIN (32u * 1024)
#define JIT_STACK_MAX (1024u * 1024)

struct lt_matcher {
	const struct lt_packset *ps;  /* borrowed; outlives the matcher */
	pcre2_match_data *md;         /* ovector for one match at a time */
	pcre2_match_context *mctx;    /* limits and the JIT stack */
	pcre2_jit_stack *jit;         /* per thread, as PCRE2 requires */
	size_t ndet;
	const struct lt_det_rt **rt;  /* per detector, cached off the packset */
	uint8_t *jitted;              /* per detector: JIT code exists, so
	                               * pcre2_jit_match (no per-call checks) */
	struct pf *pf;                /* per detector: the prefilter, packed
	                               * contiguously (it is read for every
	                               * detector of every cell) */
};

/* A detector's prefilter, copied off its lt_det_rt. */
struct pf {
	uint64_t req[2];      /* ASCII bytes the cell must hold */
	uint32_t min_len;
	uint32_t max_len;     /* cell scope only; 0 = unbounded */
	uint32_t min_digits;
	uint8_t cell_scope;
	uint8_t jitted;       /* JIT code exists: pcre2_jit_match */
};

/* Features of one cell, computed once for all detectors. */
struct features {
	size_t t0, t1;        /* trimmed span: ASCII whitespace, then one pair
	                       * of surrounding quotes, then whitespace again */
	uint32_t digits;      /* ASCII digits in the cell */
	uint64_t have[2];     /* ASCII bytes present: bit c of have[c >> 6] */
};

struct lt_matcher *lt_matcher_new(const struct lt_packset *ps)
{
	struct lt_matcher *m = lt_xcalloc(1, sizeof *m);

	m->ps = ps;
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
	m->jitted = lt_xcalloc(m->ndet ? m->ndet : 1, 1);
	m->pf = lt_xcalloc(m->ndet ? m->ndet : 1, sizeof *m->pf);
	for (size_t d = 0; d < m->ndet; d++) {
		size_t jsize = 0;

		m->rt[d] = lt_packset_rt(ps, d);
		for (int c = 0; c < 128; c++)
			if (m->rt[d]->require[c >> 3] & (1u << (c & 7)))
				m->pf[d].req[c >> 6] |= (uint64_t)1 << (c & 63);
		m->pf[d].min_len = m->rt[d]->min_len;
		m->pf[d].max_len = m->rt[d]->max_len;
		m->pf[d].min_digits = m->rt[d]->min_digits;
		m->pf[d].cell_scope = m->rt[d]->cell_scope;
		m->jitted[d] = m->jit &&
			pcre2_pattern_info(m->rt[d]->re, PCRE2_INFO_JITSIZE, &jsize) == 0 &&
			jsize > 0;
	}
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
	free(m->jitted);
	free(m->pf);
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

static void features(const char *s, size_t n, struct features *f)
{
	uint32_t digits = 0;
	uint64_t lo = 0, hi = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 64)
			lo |= (uint64_t)1 << c;
		else if (c < 128)
			hi |= (uint64_t)1 << (c - 64);
		digits += (unsigned)(c - '0') <= 9;
	}
	f->have[0] = lo;
	f->have[1] = hi;
	f->digits = digits;
	f->t0 = 0;
	f->t1 = n;
	trim_span(s, &f->t0, &f->t1);
	if (f->t1 - f->t0 >= 2 &&
	    (s[f->t0] == '"' || s[f->t0] == '\'' || s[f->t0] == '`') &&
	    s[f->t1 - 1] == s[f->t0]) {
		f->t0++;
		f->t1--;
		trim_span(s, &f->t0, &f->t1);
	}
}

static bool prefilter(const struct pf *p, const struct features *f, size_t n)
{
	/* cell scope: the value is the trimmed cell; text scope: a pattern
	 * may take in the quotes or blanks that trimming drops */
	size_t len = p->cell_scope ? f->t1 - f->t0 : n;

	if (len < p->min_len || f->digits < p->min_digits)
		return false;
	if (p->cell_scope && p->max_len && len > p->max_len)
		return false;
	return (p->req[0] & ~f->have[0]) == 0 && (p->req[1] & ~f->have[1]) == 0;
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

/* Runs one detector over the cell; fills *hit and returns true when its
 * pattern matched at least once.  Keeps the best level, the first value
 * at that level, and stops at a valid one. */
static bool run_detector(struct lt_matcher *m, const struct lt_det_rt *rt,
			 bool jitted, const char *cell, size_t n,
			 const struct features *f, struct lt_hit *hit)
{
	const pcre2_code *re = rt->re;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
	/* Cell scope: the anchored pattern sees the trimmed span only. */
	size_t end = rt->cell_scope ? f->t1 : n;
	size_t start = rt->cell_scope ? f->t0 : 0;
	uint8_t best = 0;

	while (start < end) {
		size_t o0, o1, vlen;
		int rc;

		rc = jitted ? pcre2_jit_match(re, (PCRE2_SPTR)cell, end, start,
					      PCRE2_NO_UTF_CHECK, m->md, m->mctx)
			    : pcre2_match(re, (PCRE2_SPTR)cell, end, start,
					  PCRE2_NO_UTF_CHECK, m->md, m->mctx);
		if (rc < 0) /* no (further) match, or a limit was hit */
			break;
		o0 = ov[0];
		o1 = ov[1];
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
	if (!best)
		return false;
	hit->whole = hit->off == f->t0 && (size_t)hit->off + hit->len == f->t1;
	return true;
}

size_t lt_match_cell(struct lt_matcher *m, const char *cell, size_t n,
		     const uint8_t *enabled, struct lt_hit *hits, size_t cap)
{
	size_t ndet = m->ndet, nh = 0;
	struct features f;

	if (n == 0 || cap == 0 || ndet == 0 || n > UINT32_MAX)
		return 0;
	features(cell, n, &f);
	if (f.t1 == f.t0)
		return 0;
	for (size_t d = 0; d < ndet && nh < cap; d++) {
		const struct lt_det_rt *rt;

		if (enabled && !enabled[d])
			continue;
		if (!prefilter(&m->pf[d], &f, n))
			continue;
		rt = m->rt[d];
		memset(&hits[nh], 0, sizeof hits[nh]);
		hits[nh].det = (uint16_t)d;
		if (run_detector(m, rt, m->jitted[d], cell, n, &f, &hits[nh]))
			nh++;
	}
	return nh;
}
