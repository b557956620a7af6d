/*
 * detect.h - pattern packs, validators, matching, column profiles and the
 * per-source scan (module: detect).
 *
 * A packset is loaded and compiled once (libyaml, PCRE2 with JIT) and then
 * shared read-only by every thread.  Each thread owns a matcher (its PCRE2
 * match data and JIT stack) and its profiles; profiles are merged after the
 * join.  Nothing locks on the per-cell path.
 *
 * Ownership: lt_packset_free frees a packset and every string it returned.
 * Strings in lt_detector_info live as long as the packset.
 */
#ifndef LETHE_DETECT_H
#define LETHE_DETECT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lethe/err.h"
#include "lethe/source.h"
#include "lethe/text.h"
#include "lethe/util.h"

/* ---- validators (pure functions, thread-safe) ----------------------------- */
enum lt_valid {
	LT_VALID_NO = 0,   /* not this type */
	LT_VALID_WEAK = 1, /* well formed, accepted without a checksum (a KR RRN
	                    * issued since Oct 2020; a foreigner RRN passing
	                    * only the alternative rule) */
	LT_VALID_OK = 2,   /* accepted; checksum passed where there is one */
};
/* Each takes the matched text (separators allowed as the type writes them)
 * and judges it. */
enum lt_valid lt_valid_sg_nric(const char *s, size_t n);
enum lt_valid lt_valid_kr_rrn(const char *s, size_t n);
enum lt_valid lt_valid_luhn_card(const char *s, size_t n); /* Luhn + IIN */
enum lt_valid lt_valid_email(const char *s, size_t n);
enum lt_valid lt_valid_sg_phone(const char *s, size_t n);
enum lt_valid lt_valid_kr_phone(const char *s, size_t n);
/* Masked or partial NRIC/FIN: S****567D, *****567D, XXXXX567D, S••••567D,
 * S***4567D, or the last four 567D; the check letter must fit the prefix. */
enum lt_valid lt_valid_sg_nric_partial(const char *s, size_t n);
enum lt_valid lt_valid_sg_postal(const char *s, size_t n);  /* sector 01-82, not 74 */
enum lt_valid lt_valid_sg_address(const char *s, size_t n); /* >= 2 address cues */
enum lt_valid lt_valid_kr_postal(const char *s, size_t n);  /* 01000-63999, NNN-NNN */
enum lt_valid lt_valid_kr_address(const char *s, size_t n); /* region + road/dong + no. */
enum lt_valid lt_valid_my_mykad(const char *s, size_t n);   /* date + place of birth */
enum lt_valid lt_valid_my_phone(const char *s, size_t n);
enum lt_valid lt_valid_my_postal(const char *s, size_t n);  /* 01000-98859 */
enum lt_valid lt_valid_my_address(const char *s, size_t n); /* >= 2 address cues */
/* '+', an assigned country code (not 60/65/82: their packs judge those) and
 * a national number of a length that country uses; 8-15 digits. */
enum lt_valid lt_valid_e164_phone(const char *s, size_t n);
enum lt_valid lt_valid_ip(const char *s, size_t n);         /* IPv4, IPv6 */
/* A real date, not after today, at most 120 years ago (several formats). */
enum lt_valid lt_valid_dob(const char *s, size_t n);
enum lt_valid lt_valid_person_name(const char *s, size_t n);
enum lt_valid lt_valid_bank_account(const char *s, size_t n); /* 9-16 digits */
bool lt_luhn(const char *digits, size_t n); /* digits only */

/* Looks a validator up by its pack name ("sg_nric").  NULL when unknown. */
typedef enum lt_valid (*lt_validator_fn)(const char *s, size_t n);
lt_validator_fn lt_validator_find(const char *name, bool *has_checksum);
/* The address validators' cue words ("jalan", "blk", "lorong"...): the
 * i-th word and its flags (0 past the end), and the flags the lookup the
 * validators use gives a word (any bytes; 0: none).  For tests. */
unsigned lt_cue_word(size_t i, const char **word);
unsigned lt_cue_word_flags(const char *word);

/* ---- packs ---------------------------------------------------------------- */
struct lt_detector_info {
	const char *id;          /* "sg.nric" */
	const char *name;        /* "Singapore NRIC/FIN" */
	const char *category;    /* "national_id" */
	const char *sensitivity; /* "high" | "medium" | "low" */
	const char *pack;        /* pack name, "sg" */
	const char *pack_path;   /* file it came from */
	const char *validator;   /* validator name or NULL */
	bool has_checksum;       /* the validator verifies a check digit */
	bool needs_header;       /* weak shape: medium+ only with a header hint */
	bool cell_scope;         /* pattern must cover the whole cell */
	enum lt_mask_style mask; /* how samples are masked */
	size_t n_match, n_reject;/* example counts */
};

struct lt_packset;
/* Loads every *.yaml in dir (sorted by name), or only the named packs when
 * n_only > 0.  A bad pack (YAML error, unknown key, bad regex, unknown
 * validator or category, duplicate id) is an error naming file, line and
 * column. */
int lt_packset_load(const char *dir, const char *const *only, size_t n_only,
		    struct lt_packset **out, struct lt_err *err);
void lt_packset_free(struct lt_packset *ps);
size_t lt_packset_count(const struct lt_packset *ps);
const struct lt_detector_info *lt_packset_info(const struct lt_packset *ps,
					       size_t det);
/* Index of a detector id, or -1. */
long lt_packset_find(const struct lt_packset *ps, const char *id);

/* Column-name hint for detector det: +1 the header suggests this type, -1
 * it suggests something else (order_no, sku), 0 neither. */
int lt_header_hint(const struct lt_packset *ps, size_t det, const char *name);

/* Runs every example of every detector.  cb is called once per example
 * (ok = behaved as the pack says); the example is passed masked.  Returns
 * the number of failures. */
typedef void (*lt_selftest_fn)(void *ctx, const struct lt_detector_info *d,
			       bool is_match_example, const char *masked,
			       bool ok);
size_t lt_packset_selftest(const struct lt_packset *ps, lt_selftest_fn cb,
			   void *ctx);

/* ---- matching ------------------------------------------------------------- */
enum lt_hit_level {
	LT_HIT_SHAPE = 1, /* pattern matched, validator said no */
	LT_HIT_WEAK = 2,  /* accepted without checksum (see LT_VALID_WEAK) */
	LT_HIT_VALID = 3, /* accepted */
};
struct lt_hit {
	uint16_t det;   /* detector index */
	uint8_t level;  /* enum lt_hit_level: the best seen in the cell */
	uint8_t whole;  /* the value spans the whole cell (trimmed) */
	uint32_t off;   /* the best value's offset and length in the cell */
	uint32_t len;
};

struct lt_matcher;
struct lt_matcher *lt_matcher_new(const struct lt_packset *ps);
void lt_matcher_free(struct lt_matcher *m);
/* How many pattern runs gave up at PCRE2's match, depth or JIT stack limit
 * (a pathological pattern in a user's pack): such a run counts as no match. */
uint64_t lt_matcher_limits(const struct lt_matcher *m);
/* Whether the matcher reuses PCRE2's match offsets for cells of a shape it
 * has seen (see match.c); on by default, off when the environment sets
 * LETHE_SHAPE_CACHE=off.  Results are the same either way. */
void lt_matcher_shape_cache(struct lt_matcher *m, bool on);
/* Pattern runs answered from that cache so far. */
uint64_t lt_matcher_shape_hits(const struct lt_matcher *m);
/* Whether the matcher skips detectors a cell's length, digits, byte
 * classes and first bytes rule out (on by default).  Off, every enabled
 * detector whose pack hints (min_length, max_length, min_digits,
 * min_digit_run, require, require_any: read off the bytes one by one) the
 * cell meets runs its pattern: the reference the tests hold the
 * prefilter to.  Results are the same either way. */
void lt_matcher_prefilter(struct lt_matcher *m, bool on);
/* A set of detectors: bit d % 64 of word d / 64 for detector d, in
 * LT_DETSET_WORDS(ndet) words.  Built once per column, so the per-cell
 * path reads a mask instead of a flag per detector. */
#define LT_DETSET_WORDS(ndet) (((ndet) + 63) / 64 ? ((ndet) + 63) / 64 : 1)
static inline bool lt_detset_has(const uint64_t *s, size_t d)
{
	return s[d / 64] >> (d % 64) & 1;
}
static inline void lt_detset_put(uint64_t *s, size_t d, bool on)
{
	if (on)
		s[d / 64] |= (uint64_t)1 << (d % 64);
	else
		s[d / 64] &= ~((uint64_t)1 << (d % 64));
}

/* Runs the detectors in the set enabled (all when enabled is NULL) over one
 * UTF-8 cell; a cheap prefilter skips detectors that cannot apply.  Writes
 * at most one hit per detector into hits; returns how many. */
size_t lt_match_cell(struct lt_matcher *m, const char *cell, size_t n,
		     const uint64_t *enabled, struct lt_hit *hits, size_t cap);
/* The same, trying detector lead (< 0: none) first.  When the lead's
 * accepted value is the whole cell, hits of other detectors that lie
 * strictly inside it are left out: the column profile drops such nested
 * values anyway, so what it counts is unchanged; only less work is done.
 * The profile passes the detector that last matched a whole cell of the
 * column (a column of NRICs: the NRIC detector). */
size_t lt_match_cell_lead(struct lt_matcher *m, const char *cell, size_t n,
			  const uint64_t *enabled, int lead,
			  struct lt_hit *hits, size_t cap);

/* ---- detect-internal: the compiled form of one detector -------------------
 * Shared by src/detect/pack.c (which builds it) and src/detect/match.c
 * (which runs it); other modules use the API above.  pcre2.h stays out of
 * this header, hence the void pointer. */
struct lt_det_rt {
	const void *re;           /* pcre2_code *: UTF, ASCII \d; anchored at
	                           * both ends when cell_scope */
	lt_validator_fn validate; /* NULL: the pattern alone accepts */
	bool cell_scope;          /* match only the trimmed cell, whole */
	uint32_t min_len;         /* value bytes at least (pack min_length,
	                           * raised to PCRE2's minimum match length) */
	uint32_t max_len;         /* value bytes at most; 0 = unbounded */
	uint32_t min_digits;      /* ASCII digits the cell must hold */
	uint32_t min_digit_run;   /* ... of which this many in a row */
	uint8_t require[16];      /* ASCII bytes the cell must hold (bit set) */
	uint8_t require_any[16];  /* the cell must hold one of these, when
	                           * any bit is set */
	const void *re_anchored;  /* text scope: re anchored at the start
	                           * offset; NULL for cell scope */
	uint32_t same_re;         /* the first detector with the same
	                           * pattern and scope (itself if none) */
	bool first_known;         /* first holds every byte a match can
	                           * start with (PCRE2's start bitmap) */
	uint8_t first[32];        /* bit b of first[b >> 3]: byte b */
	bool at_edge;             /* matches start only at offset 0 or after a
	                           * byte not an ASCII letter or digit
	                           * (lt_shape_starts_at_edge) */
	uint32_t max_match;       /* bytes a match takes at most; 0: unbounded
	                           * or unknown (lt_shape_max_len) */
	bool digit_word;          /* at_edge, and a match needs digits with no
	                           * ASCII letter beside them
	                           * (lt_shape_digit_word) */
	bool shape_known;         /* shape holds the pattern's byte classes */
	uint8_t shape[256];       /* byte -> class: bytes of one class are
	                           * alike to the pattern (lt_shape_classes) */
};
/* The compiled detector det (< lt_packset_count).  Lives as long as ps. */
const struct lt_det_rt *lt_packset_rt(const struct lt_packset *ps, size_t det);

/* Splits the 256 byte values into classes (cls[byte]) that the pattern
 * cannot tell apart: two subjects of one length whose bytes have the same
 * classes at every offset match at the same offsets.  False when the
 * pattern uses syntax the analysis does not know (no classes then).
 * Conservative: it may split more than needed. */
bool lt_shape_classes(const char *pattern, uint8_t cls[256]);
/* True when the pattern opens with a negative lookbehind that refuses every
 * ASCII letter and digit and guards all its matches: every match then
 * starts at offset 0 or right after a byte that is not one. */
bool lt_shape_starts_at_edge(const char *pattern);
/* True when, besides that, every match consumes an ASCII digit and never
 * an ASCII letter, and the pattern ends with a negative lookahead refusing
 * every letter and digit.  Such a match needs a run of digits with no
 * letter right before or after it ("2023", not the "2023" of "ab2023"). */
bool lt_shape_digit_word(const char *pattern);
/* The most bytes a match can take, or 0 when unbounded or unknown. */
size_t lt_shape_max_len(const char *pattern);

/* ---- column profiles ------------------------------------------------------ */
enum lt_confidence { LT_CONF_NONE = 0, LT_CONF_LOW, LT_CONF_MEDIUM, LT_CONF_HIGH };
const char *lt_confidence_name(enum lt_confidence c);
int lt_confidence_parse(const char *s, enum lt_confidence *out);

#define LT_MAX_SAMPLES 3
struct lt_finding {
	size_t det;            /* detector index in the packset */
	enum lt_confidence confidence;
	uint64_t checked;      /* non-empty cells examined */
	uint64_t matched;      /* cells with an accepted value (weak or valid) */
	uint64_t valid;        /* of which checksum-valid (or no checksum) */
	uint64_t shape;        /* cells whose pattern matched at all */
	uint64_t whole;        /* cells where the accepted value is the cell */
	double ratio;          /* matched / checked */
	uint64_t distinct;     /* HyperLogLog estimate of distinct values */
	bool free_text;        /* values embedded in longer text */
	int header_hint;       /* -1, 0, +1 */
	size_t n_samples;
	char samples[LT_MAX_SAMPLES][96]; /* masked */
};

struct lt_column {
	char *name;            /* header (escaped for reports) */
	size_t index;          /* 0-based position */
	uint64_t non_empty;
	struct lt_finding *findings; /* best first */
	size_t n_findings;
};

struct lt_profile;
/* A profile of one table: ncols named columns (more appear as colN when rows
 * are longer).  Owned by one thread until merged. */
/* all: low hints are wanted (--all), so header-led types run on every
 * column; otherwise only where their header hints at them. */
struct lt_profile *lt_profile_new(const struct lt_packset *ps,
				  const char *const *names, size_t ncols,
				  bool all);
/* Column i can only hold what kinds[i] (enum lt_col_kind, from a typed
 * source) allows: detectors of other categories are not run on it, now
 * and on columns the profile adds later.  kinds is copied. */
void lt_profile_col_kinds(struct lt_profile *p, const uint8_t *kinds,
			  size_t n);
void lt_profile_free(struct lt_profile *p);
/* Columns seen so far (header plus any colN added by longer rows). */
size_t lt_profile_ncols(const struct lt_profile *p);
void lt_profile_row(struct lt_profile *p, struct lt_matcher *m,
		    const struct lt_field *fields, size_t n);
/* Rows gathered for lt_profile_add, profiled one column at a time when
 * the batch is full or flushed (profile.c says why).  A batch holds at
 * most LT_ROWS_MAX rows, LT_ROWS_CELLS cells and LT_ROWS_BYTES bytes of
 * cells (32 KiB: each column's pass reads them again, so they should stay
 * in the first-level cache); its memory is fixed.  Embedded:
 * _init/_release. */
#define LT_ROWS_BYTES ((size_t)32 << 10)
#define LT_ROWS_CELLS ((size_t)4 << 10)
#define LT_ROWS_MAX ((size_t)4 << 10)
struct lt_rows {
	char *bytes;               /* copied cells, each NUL-terminated */
	struct lt_field *f;        /* the cells of every row, in order */
	uint32_t *row;             /* row r's cells: f[row[r] .. row[r + 1]) */
	size_t nrows, ncells, nbytes;
};
void lt_rows_init(struct lt_rows *b);
void lt_rows_release(struct lt_rows *b);
/* Same results as lt_profile_row on each row in turn, once the batch is
 * flushed.  The cells are copied, unless in_place: their bytes then stay
 * valid and unchanged until the flush (a block the splitter parsed in
 * place, while it is being parsed). */
void lt_profile_add(struct lt_profile *p, struct lt_matcher *m,
		    struct lt_rows *b, const struct lt_field *fields, size_t n,
		    bool in_place);
/* Profiles the rows the batch holds and empties it. */
void lt_profile_flush(struct lt_profile *p, struct lt_matcher *m,
		      struct lt_rows *b);
/* The hash a value is counted by (distinct sketches, sample order): of its
 * canonical form, ASCII letters upper-cased, letters, digits, '@', '.'
 * and non-ASCII bytes kept, the rest dropped, at most 256 bytes. */
uint64_t lt_value_hash(const char *v, size_t n);
/* Adds from's counts into into (same packset, same header). */
void lt_profile_merge(struct lt_profile *into, const struct lt_profile *from);
/* Computes verdicts.  Returns columns that have at least one finding at
 * min_conf or above, findings sorted strongest first.  Caller frees with
 * lt_columns_free. */
void lt_profile_verdicts(const struct lt_profile *p, enum lt_confidence min_conf,
			 struct lt_column **out, size_t *n_out);
void lt_columns_free(struct lt_column *c, size_t n);

/* ---- scanning one source --------------------------------------------------- */
struct lt_scan_opts {
	uint64_t sample_rows;      /* 0 = all rows (files); pg default applied
	                            * by the caller */
	bool full;
	char delimiter;            /* 0 = sniff */
	bool no_header;
	size_t max_field;          /* 0 = 32 MiB */
	enum lt_encoding encoding; /* LT_ENC_AUTO = detect */
	bool encoding_strict;
	enum lt_confidence min_conf; /* LOW with --all, else MEDIUM */
	int statement_timeout_ms;
	bool parallel;             /* large source: use the block pipeline with
	                            * all matchers (ignored with sample_rows) */
};

struct lt_source_result {
	const struct lt_source *src;  /* borrowed from the source list */
	enum lt_source_status status;
	char error[600];              /* when ERROR or SKIPPED: the reason */
	const char *container;        /* "plain", "gzip", ... (static) */
	const char *encoding;         /* "utf-8", ... (static) */
	char delimiter;
	uint64_t bytes;               /* uncompressed bytes read */
	uint64_t rows_scanned;        /* data rows (header excluded) */
	int64_t rows_estimated;       /* -1 when unknown */
	bool sampled;
	uint64_t encoding_errors;
	uint64_t ragged_rows;         /* rows whose field count != header's */
	bool header_masked;           /* the header row held personal data (a
	                               * headerless file): names are masked */
	size_t n_columns_total;       /* columns in the source */
	struct lt_column *columns;    /* with findings */
	size_t n_columns;
};

/* Scans one source.  m[0..nm) are matchers owned by the caller: the
 * sequential path uses m[0] on the calling thread; with o->parallel the
 * block pipeline starts nm worker threads, one per matcher.  Results are
 * the same either way.  Always fills *out (status ERROR with the reason on
 * failure). */
void lt_scan_source(const struct lt_packset *ps, struct lt_matcher *const *m,
		    unsigned nm, const struct lt_source *src,
		    const struct lt_scan_opts *o, struct lt_source_result *out);
void lt_source_result_release(struct lt_source_result *r);

/* Scans every source of sl into results[i] (same order, whatever jobs is):
 * large sources (regular files of 8 MiB or more, stdin, tables with
 * o->full) one after another, each with all jobs workers (block pipeline);
 * the others whole, jobs at a time.  Tables are sampled to pg_sample rows
 * unless o->full.  done, when not NULL, counts finished sources (for a
 * progress line read by another thread). */
void lt_scan_all(const struct lt_packset *ps, const struct lt_source_list *sl,
		 const struct lt_scan_opts *o, uint64_t pg_sample, unsigned jobs,
		 struct lt_source_result *results, atomic_size_t *done);

#endif
