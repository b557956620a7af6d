/*
 * util.h - allocation, growable buffers, atomic output files, masking,
 * hashing, HyperLogLog and the worker pool (module: util).
 *
 * Ownership: lt_buf owns its data (lt_buf_release frees it).  lt_afile owns
 * its temporary file until commit or abort.  Nothing here is domain
 * specific except masking styles, which know only character classes.
 */
#ifndef LETHE_UTIL_H
#define LETHE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lethe/err.h"

/* ---- allocation: failure is fatal and states the size ------------------ */
void *lt_xmalloc(size_t n);
void *lt_xcalloc(size_t n, size_t size);       /* overflow checked */
void *lt_xaligned(size_t align, size_t n);      /* align: a power of 2;
                                                 * free() it */
void *lt_xrealloc(void *p, size_t n);
void *lt_xreallocarray(void *p, size_t n, size_t size); /* overflow checked */
char *lt_xstrdup(const char *s);
char *lt_xstrndup(const char *s, size_t n);
char *lt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- growable byte buffer with a cap ----------------------------------- */
struct lt_buf {
	char *data;  /* NUL-terminated when len < cap (always kept so) */
	size_t len;  /* bytes used */
	size_t cap;  /* bytes allocated */
	size_t max;  /* growth cap; 0 = unlimited */
};
void lt_buf_init(struct lt_buf *b, size_t max);
/* Appends n bytes.  Returns 0, or -1 when the cap would be exceeded
 * (buffer unchanged). */
int lt_buf_append(struct lt_buf *b, const void *p, size_t n);
int lt_buf_putc(struct lt_buf *b, char c);
void lt_buf_reset(struct lt_buf *b);  /* len = 0, keeps memory */
void lt_buf_release(struct lt_buf *b);

/* ---- atomic output: temp file in the same directory, fsync, rename ------ */
struct lt_afile;
/* Opens a temporary file beside path.  path "-" means stdout (commit only
 * flushes and checks).  The temporary is removed on abort, on exit and on
 * SIGINT/SIGTERM/SIGHUP. */
int lt_afile_open(const char *path, struct lt_afile **out, struct lt_err *err);
FILE *lt_afile_fp(struct lt_afile *af);
/* Flushes, fsyncs, renames into place, frees af.  On failure removes the
 * temporary, frees af and returns -1. */
int lt_afile_commit(struct lt_afile *af, struct lt_err *err);
void lt_afile_abort(struct lt_afile *af);   /* NULL is a no-op */
/* Whether path could be written by lt_afile_open now (its directory
 * exists and takes a new file; path is no directory), without writing:
 * for commands that learn what to write only after long work. */
int lt_afile_check(const char *path, struct lt_err *err);

/* ---- masking ------------------------------------------------------------ */
/* How a value is shown in samples.  Letters and digits become U+2022 '•'
 * except the parts the style keeps; separators are kept. */
enum lt_mask_style {
	LT_MASK_DEFAULT,   /* keep the last 2 alphanumerics */
	LT_MASK_ID,        /* keep a leading letter and the last 3 (S•••••67D) */
	LT_MASK_PHONE,     /* keep a leading +CC and the last 4 */
	LT_MASK_EMAIL,     /* first char of local part, •••, @domain */
	LT_MASK_CARD,      /* keep the last 4 digits */
	LT_MASK_ALL,       /* keep nothing but separators */
};
/* Writes a masked copy of v[0..n) into out (NUL-terminated, truncated to
 * cap).  Never copies more than the style keeps.  Returns strlen(out). */
size_t lt_mask(enum lt_mask_style style, const char *v, size_t n, char *out,
	       size_t cap);

/* ---- hashing and HyperLogLog -------------------------------------------- */
/* The hash of values (distinct counts, sample order): stable, so reports
 * and merged results do not depend on the build. */
uint64_t lt_hash64(const void *p, size_t n);

/* The 4 or 8 bytes at p as a little-endian word (byte 0 lowest) on every
 * machine, at any alignment: hashes, and so reports, are the same
 * everywhere.  Compilers make each one load (and a byte swap where the
 * machine is big-endian). */
static inline uint32_t lt_load32(const void *p)
{
	const unsigned char *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t lt_load64(const void *p)
{
	const unsigned char *b = p;

	return lt_load32(b) | (uint64_t)lt_load32(b + 4) << 32;
}

/* Bytes at..at+7 of p[0..n) (at < n) as a little-endian word, reading
 * only p[0..n): those from n on are any of p's bytes (the caller masks
 * them).  Near the end, a word that ends with p, shifted; a buffer under
 * 8 bytes as two overlapping loads. */
static inline uint64_t lt_word_at(const void *p, size_t n, size_t at)
{
	const unsigned char *u = p;
	uint64_t w;

	if (n - at >= 8)
		return lt_load64(u + at);
	if (n >= 8)
		return lt_load64(u + n - 8) >> (8 * (8 - (n - at)));
	if (n >= 4)
		w = (uint64_t)lt_load32(u) | (uint64_t)lt_load32(u + n - 4) << (8 * (n - 4));
	else
		w = (uint64_t)u[0] | (uint64_t)u[n > 1] << 8 |
		    (uint64_t)u[n > 2 ? 2 : 0] << 16;
	return w >> (8 * at);
}

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
/* 0xff in each byte of v that lies in [lo, lo + span) (span <= 128), else
 * 0: b - lo < span unsigned, as a signed compare after flipping the top
 * bit (SSE2 has no unsigned byte compare).  The cell features and the
 * canonical values share it. */
static inline __m128i lt_in_range8(__m128i v, int lo, int span)
{
	const __m128i flip = _mm_set1_epi8(-128);

	return _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, _mm_set1_epi8((char)lo)),
					    flip),
			      _mm_set1_epi8((char)(-128 + span)));
}
#endif

#define LT_HLL_P 12
#define LT_HLL_M (1u << LT_HLL_P)
struct lt_hll {
	uint8_t reg[LT_HLL_M]; /* max rank per bucket */
};
void lt_hll_init(struct lt_hll *h);
void lt_hll_add(struct lt_hll *h, uint64_t hash);
void lt_hll_merge(struct lt_hll *into, const struct lt_hll *from);
uint64_t lt_hll_estimate(const struct lt_hll *h);

/* ---- worker pool --------------------------------------------------------- */
/* Runs fn(ctx, job, worker) for job in [0, njobs) on nthreads threads
 * (worker in [0, nthreads)).  Jobs are handed out in index order; the
 * caller stores results by job index, so output order never depends on
 * nthreads.  Returns when all jobs are done. */
typedef void (*lt_pool_fn)(void *ctx, size_t job, unsigned worker);
void lt_pool_run(unsigned nthreads, size_t njobs, lt_pool_fn fn, void *ctx);
unsigned lt_online_cpus(void);

/* ---- misc ---------------------------------------------------------------- */
/* The well-formed UTF-8 sequence at p (avail > 0 bytes): its length (1 for
 * ASCII, NUL included; 2..4), 0 when p[0] cannot start one (overlong,
 * surrogate, above U+10FFFF, bad continuation), -1 when the avail bytes are
 * a valid but incomplete prefix.  The one UTF-8 check of the project. */
int lt_utf8_seq(const void *p, size_t avail);
/* The value of a hexadecimal digit, or -1. */
int lt_hexval(int c);
/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil; any year, months 1-12), and back: the one calendar of
 * the project (dates of birth, retention ages, time zones). */
int64_t lt_days_from_civil(int64_t y, int m, int d);
void lt_civil_from_days(int64_t z, int64_t *y, int *m, int *d);
/* a / b rounded toward minus infinity (b != 0). */
int64_t lt_floor_div(int64_t a, int64_t b);
/* Replaces every occurrence of secret in the string s by "***" in place
 * (s never grows).  Secrets shorter than 3 bytes are left: they would mangle
 * every message and are not recognisable in one anyway.  The one password
 * scrubber of the project. */
void lt_scrub(char *s, const char *secret);

/* Escapes a byte string for reports: valid UTF-8 kept, other bytes and '%'
 * as %XX.  Returns a new string. */
char *lt_name_escape(const char *s);
/* Formats n with thousands separators into buf ("52,000"). */
char *lt_fmt_count(uint64_t n, char *buf, size_t cap);
/* UTC time as "2026-11-22T10:00:00Z". */
char *lt_fmt_time(int64_t epoch, char *buf, size_t cap);
/* Terminal columns of UTF-8 text: East Asian wide characters (Hangul, CJK,
 * full-width forms) and 4-byte characters count 2, a stray byte 1. */
size_t lt_display_width(const char *s);
/* Prints s, then blanks up to width display columns. */
void lt_pad(FILE *fp, const char *s, size_t width);

#endif
