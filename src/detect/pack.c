/*
 * pack.c - pattern packs: load (libyaml), check, compile (PCRE2 + JIT),
 * header hints and the packs' self-test (detect module).
 *
 * Place in the data flow: run once at start-up, before any source is read.
 * The packset it builds is immutable and shared read-only by every worker;
 * match.c runs its compiled patterns against cells.  Pack format:
 * DESIGN.md, "Pattern packs"; keys accepted here are listed in det_keys[]
 * and top_keys[].  Every error names the file, line and column.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <yaml.h>

#include "lethe/detect.h"

/* Ids of detectors are indexed by uint16_t in struct lt_hit. */
#define MAX_DETECTORS 65535
/* Bound on a pack's numeric hints (lengths, digit counts). */
#define MAX_HINT 1000000

struct det {
	struct lt_detector_info info; /* public view; strings owned below */
	struct lt_det_rt rt;      /* compiled form, for match.c */
	char *id, *name, *validator; /* owned copies behind info */
	char *pattern;            /* the pattern's text */
	pcre2_code *re;           /* the pattern (== rt.re) */
	pcre2_code *re_anch;      /* text scope: the same, anchored at the
	                           * start (== rt.re_anchored) */
	pcre2_code *hdr;          /* headers: +1 hint, or NULL */
	pcre2_code *not_hdr;      /* not_headers: -1 hint, or NULL */
	char **match_ex;          /* info.n_match examples that must be found */
	char **reject_ex;         /* info.n_reject that must not */
	uint64_t line;            /* where the detector starts, for duplicates */
};

struct lt_packset {
	struct det *d;    /* detectors in load order */
	size_t n, cap;
	char **strs;      /* pack names and paths the infos point into */
	size_t nstrs, capstrs;
};

/* Fixed category vocabulary (DESIGN.md, types and categories). */
static const char *const categories[] = {
	"national_id", "phone", "email", "postal_address", "postal_code",
	"person_name", "date_of_birth", "payment_card", "bank_account",
	"ip_address", "national_id_partial", "passport", "vehicle",
	"credential", "other",
};
static const char *const sensitivities[] = { "high", "medium", "low" };

static const struct {
	const char *name;
	enum lt_mask_style style;
} masks[] = {
	{ "default", LT_MASK_DEFAULT }, { "id", LT_MASK_ID },
	{ "phone", LT_MASK_PHONE },     { "email", LT_MASK_EMAIL },
	{ "card", LT_MASK_CARD },       { "all", LT_MASK_ALL },
};

/* One file being loaded. */
struct ctx {
	const char *path;      /* as shown in errors */
	yaml_document_t *doc;
	struct lt_packset *ps;
	struct lt_err *err;
	const char *pack;      /* the pack's name, owned by ps->strs */
	const char *pack_path; /* owned by ps->strs */
};

/* ---- errors and YAML helpers -------------------------------------------- */

static int node_err(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets the error at node n: "PATH:LINE: msg (column C)". */
static int node_err(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return lt_err_set(c->err, LT_E_CONFIG, c->path,
			  n ? (uint64_t)n->start_mark.line + 1 : 0,
			  "%s (column %llu)", msg,
			  n ? (unsigned long long)n->start_mark.column + 1 : 0ULL);
}

static yaml_node_t *node(struct ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

/* The scalar text of n, or NULL with the error set naming key. */
static const char *scalar(struct ctx *c, const yaml_node_t *n, const char *key)
{
	const char *s;

	if (!n || n->type != YAML_SCALAR_NODE) {
		node_err(c, n, "'%s' must be a string", key);
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		node_err(c, n, "'%s' holds a NUL byte", key);
		return NULL;
	}
	return s;
}

static int get_uint(struct ctx *c, const yaml_node_t *n, const char *key,
		    uint32_t *out)
{
	const char *s = scalar(c, n, key);
	char *end;
	unsigned long v;

	if (!s)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || s[0] == '+' || v > MAX_HINT)
		return node_err(c, n, "'%s' must be an integer from 0 to %d",
				key, MAX_HINT);
	*out = (uint32_t)v;
	return 0;
}

static int get_bool(struct ctx *c, const yaml_node_t *n, const char *key,
		    bool *out)
{
	static const char *const t[] = { "true", "yes", "on", "True", "TRUE" };
	static const char *const f[] = { "false", "no", "off", "False",
					  "FALSE" };
	const char *s = scalar(c, n, key);

	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (strcmp(s, t[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, f[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return node_err(c, n, "'%s' must be true or false", key);
}

static const char *one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return set[i];
	return NULL;
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '.' && s[i + 1] == '.')
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

static char *keep_str(struct lt_packset *ps, char *s)
{
	if (ps->nstrs == ps->capstrs) {
		ps->capstrs = ps->capstrs ? ps->capstrs * 2 : 8;
		ps->strs = lt_xreallocarray(ps->strs, ps->capstrs,
					    sizeof *ps->strs);
	}
	ps->strs[ps->nstrs++] = s;
	return s;
}

/* Compiles a pattern scalar; on error names PCRE2's message and offset. */
static pcre2_code *compile(struct ctx *c, const yaml_node_t *n,
			   const char *key, uint32_t opts)
{
	const char *s = scalar(c, n, key);
	pcre2_code *re;
	int ecode;
	PCRE2_SIZE eoff;

	if (!s)
		return NULL;
	if (!*s) {
		node_err(c, n, "'%s' is empty", key);
		return NULL;
	}
	re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF | opts, &ecode, &eoff, NULL);
	if (!re) {
		PCRE2_UCHAR msg[160];

		if (pcre2_get_error_message(ecode, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", ecode);
		node_err(c, n, "bad regex in '%s': %s at offset %zu", key,
			 (const char *)msg, (size_t)eoff);
		return NULL;
	}
	return re;
}

/* ---- one detector ------------------------------------------------------- */

enum {
	K_ID, K_NAME, K_CATEGORY, K_SENSITIVITY, K_PATTERN, K_VALIDATOR,
	K_HEADERS, K_NOT_HEADERS, K_MASK, K_NEEDS_HEADER, K_SCOPE,
	K_MIN_LENGTH, K_MAX_LENGTH, K_MIN_DIGITS, K_MIN_DIGIT_RUN, K_REQUIRE,
	K_REQUIRE_ANY, K_EXAMPLES, K_COUNT
};
static const char *const det_keys[K_COUNT] = {
	"id", "name", "category", "sensitivity", "pattern", "validator",
	"headers", "not_headers", "mask", "needs_header", "scope",
	"min_length", "max_length", "min_digits", "min_digit_run", "require",
	"require_any", "examples",
};

static int load_examples(struct ctx *c, const yaml_node_t *list,
			 const char *key, char ***out, size_t *n_out)
{
	size_t n;

	if (list->type != YAML_SEQUENCE_NODE)
		return node_err(c, list, "'examples.%s' must be a list", key);
	n = (size_t)(list->data.sequence.items.top -
		     list->data.sequence.items.start);
	*out = lt_xcalloc(n ? n : 1, sizeof **out);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *it = node(c, list->data.sequence.items.start[i]);
		const char *s = scalar(c, it, "examples");

		if (!s)
			return -1;
		if (!*s)
			return node_err(c, it, "empty example");
		(*out)[i] = lt_xstrdup(s);
		*n_out = i + 1;
	}
	return 0;
}

static int examples(struct ctx *c, struct det *d, const yaml_node_t *m)
{
	bool seen[2] = { false, false };

	if (m->type != YAML_MAPPING_NODE)
		return node_err(c, m, "'examples' must be a mapping with match "
				      "and reject lists");
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
		const char *name = scalar(c, k, "examples");
		int which;

		if (!name)
			return -1;
		if (strcmp(name, "match") == 0)
			which = 0;
		else if (strcmp(name, "reject") == 0)
			which = 1;
		else
			return node_err(c, k, "unknown key 'examples.%s' "
					      "(match, reject)", name);
		if (seen[which])
			return node_err(c, k, "duplicate key 'examples.%s'",
					name);
		seen[which] = true;
		if (which == 0 && load_examples(c, v, "match", &d->match_ex,
						&d->info.n_match) < 0)
			return -1;
		if (which == 1 && load_examples(c, v, "reject", &d->reject_ex,
						&d->info.n_reject) < 0)
			return -1;
	}
	return 0;
}

static enum lt_mask_style default_mask(const char *category)
{
	if (strcmp(category, "national_id") == 0)
		return LT_MASK_ID;
	if (strcmp(category, "phone") == 0)
		return LT_MASK_PHONE;
	if (strcmp(category, "email") == 0)
		return LT_MASK_EMAIL;
	if (strcmp(category, "payment_card") == 0)
		return LT_MASK_CARD;
	return LT_MASK_DEFAULT;
}

static long find_id(const struct lt_packset *ps, const char *id, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (strcmp(ps->d[i].info.id, id) == 0)
			return (long)i;
	return -1;
}

/* A set of printable ASCII bytes (require, require_any) as a bitmap. */
static int byte_set(struct ctx *c, const yaml_node_t *n, const char *key,
		    uint8_t set[16])
{
	const char *s = scalar(c, n, key);

	if (!s)
		return -1;
	if (!*s)
		return node_err(c, n, "'%s' is empty", key);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f)
			return node_err(c, n, "'%s' takes printable ASCII "
					"bytes", key);
		set[ch >> 3] |= (uint8_t)(1u << (ch & 7));
	}
	return 0;
}

/* What the matcher may know before running a pattern, taken from PCRE2
 * itself rather than from the pack: the bytes a match can start with
 * (PCRE2's own start-of-match bitmap, which its search uses the same way),
 * and, for a text-scope pattern, a twin anchored at the start, which
 * answers "is there a match at offset 0" in one attempt (JIT code cannot
 * anchor at match time).  A cell-scope pattern is anchored already; its
 * bitmap comes from an unanchored compile made for the purpose. */
static int first_bytes(struct ctx *c, const yaml_node_t *pat, struct det *d)
{
	pcre2_code *probe = d->re;
	const uint8_t *map = NULL;
	uint32_t ctype = 0, unit = 0;

	if (d->info.cell_scope) {
		if (!(probe = compile(c, pat, "pattern", 0)))
			return -1;
	} else if (!(d->re_anch = compile(c, pat, "pattern", PCRE2_ANCHORED))) {
		return -1;
	}
	d->rt.re_anchored = d->re_anch;
	if (pcre2_pattern_info(probe, PCRE2_INFO_FIRSTBITMAP, &map) == 0 && map) {
		memcpy(d->rt.first, map, sizeof d->rt.first);
		d->rt.first_known = true;
	} else if (pcre2_pattern_info(probe, PCRE2_INFO_FIRSTCODETYPE,
				      &ctype) == 0 && ctype == 1 &&
		   pcre2_pattern_info(probe, PCRE2_INFO_FIRSTCODEUNIT,
				      &unit) == 0 &&
		   unit < 128 && !((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z')) {
		/* one first byte ("\+..."); PCRE2 gives no bitmap then.  Not
		 * for a letter: the unit may stand for both cases */
		d->rt.first[unit >> 3] = (uint8_t)(1u << (unit & 7));
		d->rt.first_known = true;
	}
	if (probe != d->re)
		pcre2_code_free(probe);
	return 0;
}

static int load_detector(struct ctx *c, const yaml_node_t *m)
{
	const yaml_node_t *val[K_COUNT] = { 0 };
	struct lt_packset *ps = c->ps;
	struct det *d;
	const char *s;
	uint32_t min_len = 0, max_len = 0, minlength = 0;
	size_t mx;
	long dup;

	if (m->type != YAML_MAPPING_NODE)
		return node_err(c, m, "a detector must be a mapping");
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = node(c, p->key);
		const char *name = scalar(c, k, "key");
		int i;

		if (!name)
			return -1;
		for (i = 0; i < K_COUNT; i++)
			if (strcmp(name, det_keys[i]) == 0)
				break;
		if (i == K_COUNT)
			return node_err(c, k, "unknown key '%.60s' in detector",
					name);
		if (val[i])
			return node_err(c, k, "duplicate key '%s'", name);
		val[i] = node(c, p->value);
	}
	if (!val[K_ID])
		return node_err(c, m, "detector has no 'id'");
	if (!val[K_PATTERN])
		return node_err(c, m, "detector has no 'pattern'");
	if (!val[K_CATEGORY])
		return node_err(c, m, "detector has no 'category'");
	if (ps->n >= MAX_DETECTORS)
		return node_err(c, m, "more than %d detectors", MAX_DETECTORS);

	/* Append first, zeroed, so lt_packset_free cleans up a half-built
	 * detector on any error below. */
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->d = lt_xreallocarray(ps->d, ps->cap, sizeof *ps->d);
	}
	d = &ps->d[ps->n++];
	memset(d, 0, sizeof *d);
	d->line = (uint64_t)m->start_mark.line + 1;
	d->info.pack = c->pack;
	d->info.pack_path = c->pack_path;

	if (!(s = scalar(c, val[K_ID], "id")))
		return -1;
	if (!id_ok(s))
		return node_err(c, val[K_ID], "bad id '%.64s': lower-case "
				"letters, digits, '_', '-' and inner dots", s);
	dup = find_id(ps, s, ps->n - 1);
	if (dup >= 0)
		return node_err(c, val[K_ID], "duplicate detector id '%s' "
				"(first in %.200s:%llu)", s,
				ps->d[dup].info.pack_path,
				(unsigned long long)ps->d[dup].line);
	d->info.id = d->id = lt_xstrdup(s);

	if (val[K_NAME]) {
		if (!(s = scalar(c, val[K_NAME], "name")))
			return -1;
		d->info.name = d->name = lt_xstrdup(s);
	} else {
		d->info.name = d->info.id;
	}

	if (!(s = scalar(c, val[K_CATEGORY], "category")))
		return -1;
	d->info.category = one_of(s, categories,
				  sizeof categories / sizeof categories[0]);
	if (!d->info.category)
		return node_err(c, val[K_CATEGORY], "unknown category '%.60s'",
				s);

	d->info.sensitivity = "medium";
	if (val[K_SENSITIVITY]) {
		if (!(s = scalar(c, val[K_SENSITIVITY], "sensitivity")))
			return -1;
		d->info.sensitivity = one_of(s, sensitivities, 3);
		if (!d->info.sensitivity)
			return node_err(c, val[K_SENSITIVITY], "bad sensitivity "
					"'%.60s' (high, medium, low)", s);
	}

	if (val[K_VALIDATOR]) {
		if (!(s = scalar(c, val[K_VALIDATOR], "validator")))
			return -1;
		if (strcmp(s, "none") != 0) {
			d->rt.validate = lt_validator_find(s,
							   &d->info.has_checksum);
			if (!d->rt.validate)
				return node_err(c, val[K_VALIDATOR],
						"unknown validator '%.60s'", s);
			d->info.validator = d->validator = lt_xstrdup(s);
		}
	}

	if (val[K_SCOPE]) {
		if (!(s = scalar(c, val[K_SCOPE], "scope")))
			return -1;
		if (strcmp(s, "cell") == 0)
			d->info.cell_scope = true;
		else if (strcmp(s, "text") != 0)
			return node_err(c, val[K_SCOPE], "bad scope '%.60s' "
					"(cell, text)", s);
	}
	d->rt.cell_scope = d->info.cell_scope;

	d->info.mask = default_mask(d->info.category);
	if (val[K_MASK]) {
		size_t i;

		if (!(s = scalar(c, val[K_MASK], "mask")))
			return -1;
		for (i = 0; i < sizeof masks / sizeof masks[0]; i++)
			if (strcmp(s, masks[i].name) == 0)
				break;
		if (i == sizeof masks / sizeof masks[0])
			return node_err(c, val[K_MASK], "bad mask '%.60s' (id, "
					"phone, email, card, default, all)", s);
		d->info.mask = masks[i].style;
	}

	if (val[K_NEEDS_HEADER] &&
	    get_bool(c, val[K_NEEDS_HEADER], "needs_header",
		     &d->info.needs_header) < 0)
		return -1;
	if (val[K_MIN_LENGTH] &&
	    get_uint(c, val[K_MIN_LENGTH], "min_length", &min_len) < 0)
		return -1;
	if (val[K_MAX_LENGTH] &&
	    get_uint(c, val[K_MAX_LENGTH], "max_length", &max_len) < 0)
		return -1;
	if (val[K_MAX_LENGTH] && (max_len == 0 || max_len < min_len))
		return node_err(c, val[K_MAX_LENGTH], "'max_length' must be at "
				"least 1 and at least 'min_length'");
	if (val[K_MIN_DIGITS] &&
	    get_uint(c, val[K_MIN_DIGITS], "min_digits", &d->rt.min_digits) < 0)
		return -1;
	if (val[K_MIN_DIGIT_RUN] &&
	    get_uint(c, val[K_MIN_DIGIT_RUN], "min_digit_run",
		     &d->rt.min_digit_run) < 0)
		return -1;
	if (d->rt.min_digit_run > d->rt.min_digits)
		d->rt.min_digits = d->rt.min_digit_run;
	if (val[K_REQUIRE] &&
	    byte_set(c, val[K_REQUIRE], "require", d->rt.require) < 0)
		return -1;
	if (val[K_REQUIRE_ANY] &&
	    byte_set(c, val[K_REQUIRE_ANY], "require_any",
		     d->rt.require_any) < 0)
		return -1;

	/* Cell scope: the pattern must cover the trimmed cell, so anchor it at
	 * both ends at compile time (JIT does not run match-time anchors). */
	d->re = compile(c, val[K_PATTERN], "pattern",
			d->info.cell_scope ? PCRE2_ANCHORED | PCRE2_ENDANCHORED
					   : 0);
	if (!d->re)
		return -1;
	d->rt.re = d->re;
	if (first_bytes(c, val[K_PATTERN], d) < 0)
		return -1;
	/* The same pattern (SG and MY addresses share one): the matcher may
	 * reuse one detector's match for the other. */
	d->pattern = lt_xstrdup(scalar(c, val[K_PATTERN], "pattern"));
	d->rt.shape_known = lt_shape_classes(d->pattern, d->rt.shape);
	d->rt.at_edge = !d->info.cell_scope &&
			lt_shape_starts_at_edge(d->pattern);
	d->rt.digit_word = !d->info.cell_scope &&
			   lt_shape_digit_word(d->pattern);
	mx = lt_shape_max_len(d->pattern);
	d->rt.max_match = mx <= UINT32_MAX ? (uint32_t)mx : 0;
	d->rt.same_re = (uint32_t)(ps->n - 1);
	for (size_t e = 0; e + 1 < ps->n; e++)
		if (ps->d[e].info.cell_scope == d->info.cell_scope &&
		    strcmp(ps->d[e].pattern, d->pattern) == 0) {
			d->rt.same_re = ps->d[e].rt.same_re;
			break;
		}
	if (pcre2_pattern_info(d->re, PCRE2_INFO_MINLENGTH, &minlength) != 0)
		minlength = 0;
	if (minlength == 0)
		return node_err(c, val[K_PATTERN], "pattern can match the empty "
				"string");
	(void)pcre2_jit_compile(d->re, PCRE2_JIT_COMPLETE); /* else interpret */
	if (d->re_anch)
		(void)pcre2_jit_compile(d->re_anch, PCRE2_JIT_COMPLETE);
	d->rt.min_len = min_len > minlength ? min_len : minlength;
	d->rt.max_len = max_len;
	if (max_len && max_len < d->rt.min_len)
		return node_err(c, val[K_MAX_LENGTH], "'max_length' %u is below "
				"the pattern's shortest match (%u)",
				(unsigned)max_len, (unsigned)d->rt.min_len);

	if (val[K_HEADERS] &&
	    !(d->hdr = compile(c, val[K_HEADERS], "headers", PCRE2_CASELESS)))
		return -1;
	if (val[K_NOT_HEADERS] &&
	    !(d->not_hdr = compile(c, val[K_NOT_HEADERS], "not_headers",
				   PCRE2_CASELESS)))
		return -1;
	if (val[K_EXAMPLES] && examples(c, d, val[K_EXAMPLES]) < 0)
		return -1;
	return 0;
}

/* ---- one file ----------------------------------------------------------- */

enum { T_PACK, T_VERSION, T_DETECTORS, T_COUNT };
static const char *const top_keys[T_COUNT] = { "pack", "version",
					       "detectors" };

static int load_root(struct ctx *c, const yaml_node_t *root)
{
	const yaml_node_t *val[T_COUNT] = { 0 };
	const yaml_node_t *dets;
	const char *s;
	uint32_t version;

	if (root->type != YAML_MAPPING_NODE)
		return node_err(c, root, "a pack must be a mapping with pack, "
				"version and detectors");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = node(c, p->key);
		const char *name = scalar(c, k, "key");
		int i;

		if (!name)
			return -1;
		for (i = 0; i < T_COUNT; i++)
			if (strcmp(name, top_keys[i]) == 0)
				break;
		if (i == T_COUNT)
			return node_err(c, k, "unknown key '%.60s' (pack, "
					"version, detectors)", name);
		if (val[i])
			return node_err(c, k, "duplicate key '%s'", name);
		val[i] = node(c, p->value);
	}
	if (!val[T_PACK])
		return node_err(c, root, "missing 'pack'");
	if (!val[T_VERSION])
		return node_err(c, root, "missing 'version'");
	if (!val[T_DETECTORS])
		return node_err(c, root, "missing 'detectors'");
	if (!(s = scalar(c, val[T_PACK], "pack")))
		return -1;
	if (!id_ok(s) || strchr(s, '.'))
		return node_err(c, val[T_PACK], "bad pack name '%.64s'", s);
	for (size_t i = 0; i < c->ps->n; i++)
		if (strcmp(c->ps->d[i].info.pack, s) == 0)
			return node_err(c, val[T_PACK], "duplicate pack '%s' "
					"(also in %.200s)", s,
					c->ps->d[i].info.pack_path);
	c->pack = keep_str(c->ps, lt_xstrdup(s));
	if (get_uint(c, val[T_VERSION], "version", &version) < 0)
		return -1;
	if (version != 1)
		return node_err(c, val[T_VERSION], "unsupported version %u "
				"(this lethe reads 1)", (unsigned)version);
	dets = val[T_DETECTORS];
	if (dets->type != YAML_SEQUENCE_NODE)
		return node_err(c, dets, "'detectors' must be a list");
	if (dets->data.sequence.items.top == dets->data.sequence.items.start)
		return node_err(c, dets, "'detectors' is empty");
	for (yaml_node_item_t *it = dets->data.sequence.items.start;
	     it < dets->data.sequence.items.top; it++)
		if (load_detector(c, node(c, *it)) < 0)
			return -1;
	return 0;
}

static int load_file(struct lt_packset *ps, const char *path,
		     struct lt_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ctx c = { 0 };
	yaml_node_t *root;
	FILE *fp;
	int rc = -1;

	fp = fopen(path, "rb");
	if (!fp && errno == ENOENT)
		return lt_err_set(err, LT_E_CONFIG, path, 0, "no such pack file");
	if (!fp)
		return lt_err_set(err, LT_E_IO, path, 0, "cannot open pack: %s",
				  strerror(errno));
	if (!yaml_parser_initialize(&parser)) {
		fclose(fp);
		return lt_err_set(err, LT_E_CONFIG, path, 0,
				  "cannot initialise the YAML parser");
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		const yaml_mark_t *mk = &parser.problem_mark;

		lt_err_set(err, LT_E_CONFIG, path, (uint64_t)mk->line + 1,
			   "invalid YAML: %s%s%s (column %llu)",
			   parser.problem ? parser.problem : "syntax error",
			   parser.context ? ", " : "",
			   parser.context ? parser.context : "",
			   (unsigned long long)mk->column + 1);
		yaml_parser_delete(&parser);
		fclose(fp);
		return -1;
	}
	c.path = path;
	c.doc = &doc;
	c.ps = ps;
	c.err = err;
	c.pack_path = keep_str(ps, lt_xstrdup(path));
	root = yaml_document_get_root_node(&doc);
	if (!root)
		lt_err_set(err, LT_E_CONFIG, path, 1, "empty pack (column 1)");
	else
		rc = load_root(&c, root);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}

/* ---- the packset -------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n && dir[n - 1] == '/')
		return lt_xasprintf("%s%s", dir, name);
	return lt_xasprintf("%s/%s", dir, name);
}

/* Collects dir's *.yaml files (no hidden ones), sorted by byte order. */
static int list_dir(const char *dir, char ***out, size_t *n_out,
		    struct lt_err *err)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (!dp)
		return lt_err_set(err, errno == ENOENT ? LT_E_CONFIG : LT_E_IO,
				  dir, 0, "cannot open pack directory: %s",
				  strerror(errno));
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.' || !ends_with(e->d_name, ".yaml"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = lt_xreallocarray(v, cap, sizeof *v);
		}
		v[n++] = join(dir, e->d_name);
	}
	closedir(dp);
	if (n)
		qsort(v, n, sizeof *v, cmp_str);
	*out = v;
	*n_out = n;
	return 0;
}

int lt_packset_load(const char *dir, const char *const *only, size_t n_only,
		    struct lt_packset **out, struct lt_err *err)
{
	struct lt_packset *ps = lt_xcalloc(1, sizeof *ps);
	char **files = NULL;
	size_t nfiles = 0;
	int rc = 0;

	if (!dir)
		dir = ".";
	if (n_only == 0) {
		if (list_dir(dir, &files, &nfiles, err) < 0) {
			lt_packset_free(ps);
			return -1;
		}
		if (nfiles == 0) {
			rc = lt_err_set(err, LT_E_CONFIG, dir, 0,
					"no *.yaml packs in the directory");
		}
	} else {
		/* A name is a pack in dir (NAME.yaml), or a path to a file. */
		files = lt_xcalloc(n_only, sizeof *files);
		for (size_t i = 0; i < n_only; i++) {
			const char *nm = only[i];
			bool dup = false;
			char *f;

			if (strchr(nm, '/') || ends_with(nm, ".yaml"))
				f = lt_xstrdup(nm);
			else
				f = lt_xasprintf("%s%s%s.yaml", dir,
						 ends_with(dir, "/") ? "" : "/",
						 nm);
			for (size_t j = 0; j < nfiles; j++)
				dup = dup || strcmp(files[j], f) == 0;
			if (dup)
				free(f);
			else
				files[nfiles++] = f;
		}
	}
	for (size_t i = 0; rc == 0 && i < nfiles; i++)
		rc = load_file(ps, files[i], err);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	if (rc < 0) {
		lt_packset_free(ps);
		return -1;
	}
	*out = ps;
	return 0;
}

void lt_packset_free(struct lt_packset *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		struct det *d = &ps->d[i];

		pcre2_code_free(d->re);
		pcre2_code_free(d->re_anch);
		pcre2_code_free(d->hdr);
		pcre2_code_free(d->not_hdr);
		free(d->id);
		free(d->name);
		free(d->validator);
		free(d->pattern);
		for (size_t j = 0; d->match_ex && j < d->info.n_match; j++)
			free(d->match_ex[j]);
		for (size_t j = 0; d->reject_ex && j < d->info.n_reject; j++)
			free(d->reject_ex[j]);
		free(d->match_ex);
		free(d->reject_ex);
	}
	for (size_t i = 0; i < ps->nstrs; i++)
		free(ps->strs[i]);
	free(ps->strs);
	free(ps->d);
	free(ps);
}

size_t lt_packset_count(const struct lt_packset *ps)
{
	return ps ? ps->n : 0;
}

const struct lt_detector_info *lt_packset_info(const struct lt_packset *ps,
					       size_t det)
{
	if (!ps || det >= ps->n)
		return NULL;
	return &ps->d[det].info;
}

const struct lt_det_rt *lt_packset_rt(const struct lt_packset *ps, size_t det)
{
	if (!ps || det >= ps->n)
		return NULL;
	return &ps->d[det].rt;
}

long lt_packset_find(const struct lt_packset *ps, const char *id)
{
	if (!ps || !id)
		return -1;
	return find_id(ps, id, ps->n);
}

/* Whether re finds a match in s.  Invalid UTF-8 never matches. */
static bool search(const pcre2_code *re, const char *s)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc;

	if (!md)
		return false;
	rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

int lt_header_hint(const struct lt_packset *ps, size_t det, const char *name)
{
	const struct det *d;
	bool pos, neg;

	if (!ps || det >= ps->n || !name || !*name)
		return 0;
	d = &ps->d[det];
	pos = d->hdr && search(d->hdr, name);
	neg = d->not_hdr && search(d->not_hdr, name);
	if (pos == neg) /* neither, or both: the name does not decide */
		return 0;
	return pos ? 1 : -1;
}

/* ---- self-test ---------------------------------------------------------- */

/* An example as the self-test may show it: masked in the detector's own
 * style, like every sample lethe prints. */
static char *mask_example(const struct det *d, const char *s)
{
	size_t n = strlen(s), cap = 3 * n + 1; /* U+2022 is 3 bytes */
	char *out = lt_xmalloc(cap);

	lt_mask(d->info.mask, s, n, out, cap);
	return out;
}

size_t lt_packset_selftest(const struct lt_packset *ps, lt_selftest_fn cb,
			   void *ctx)
{
	struct lt_matcher *m;
	uint64_t *enabled;
	size_t failures = 0;

	if (!ps || ps->n == 0)
		return 0;
	m = lt_matcher_new(ps);
	if (!m)
		return 1;
	enabled = lt_xcalloc(LT_DETSET_WORDS(ps->n), sizeof *enabled);
	for (size_t i = 0; i < ps->n; i++) {
		const struct det *d = &ps->d[i];

		lt_detset_put(enabled, i, true);
		for (int kind = 0; kind < 2; kind++) {
			char **ex = kind == 0 ? d->match_ex : d->reject_ex;
			size_t nex = kind == 0 ? d->info.n_match
					       : d->info.n_reject;

			for (size_t j = 0; j < nex; j++) {
				struct lt_hit hit;
				size_t nh;
				bool found, ok;

				nh = lt_match_cell(m, ex[j], strlen(ex[j]),
						   enabled, &hit, 1);
				found = nh == 1 && hit.level >= LT_HIT_WEAK;
				ok = kind == 0 ? found : !found;
				failures += !ok;
				if (cb) {
					char *masked = mask_example(d, ex[j]);

					cb(ctx, &d->info, kind == 0, masked, ok);
					free(masked);
				}
			}
		}
		lt_detset_put(enabled, i, false);
	}
	free(enabled);
	lt_matcher_free(m);
	return failures;
}
