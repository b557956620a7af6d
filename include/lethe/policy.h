/*
 * policy.h - retention policies: loading and checking a policy file, matching
 * rules and holds to findings, reading dates and computing ages (module:
 * policy).  Format: DESIGN.md, section Policy.
 *
 * A policy is loaded and checked once (libyaml), then shared read-only by
 * every thread: nothing here writes to a loaded policy or to a loaded zone,
 * so every function taking a const pointer is thread-safe.  Nothing here
 * reads the process time zone or calls setenv/tzset: IANA zones are read
 * from the tz database (TZif files) into a struct lt_tz.
 *
 * Ownership: lt_policy_free frees a policy and every string, array, zone and
 * hold value inside it.  Pointers returned by lt_policy_match and friends
 * are borrowed from the policy and live as long as it.
 *
 * Times are int64 milliseconds since 1970-01-01T00:00:00Z (lt_ms).
 */
#ifndef LETHE_POLICY_H
#define LETHE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lethe/err.h"

/* ---- time zones ---------------------------------------------------------- */

struct lt_tz;

/*! Loads a zone: "UTC" (also "Z", "GMT", "Etc/UTC"), a fixed offset
 * ("+08:00", "-0530", "+09"; within +-15:59), or an IANA name
 * ("Asia/Singapore") read from $TZDIR or /usr/share/zoneinfo (TZif v1-v4,
 * with the POSIX TZ footer for times past the last transition).  Fixed
 * offsets and UTC never need tzdata.  Returns 0 with *out set, or -1 with
 * err set (path empty, message names the zone).  Free with lt_tz_free. */
int lt_tz_load(const char *name, struct lt_tz **out, struct lt_err *err);
void lt_tz_free(struct lt_tz *tz); /* NULL is a no-op */
/* The name the zone was loaded with.  Borrowed. */
const char *lt_tz_name(const struct lt_tz *tz);
/* Offset east of UTC, in seconds, in effect at UTC instant t (seconds). */
int32_t lt_tz_offset(const struct lt_tz *tz, int64_t t);
/* UTC instant (seconds) of local wall time `local` (seconds since 1970-01-01
 * 00:00 as if local were UTC).  A time repeated when clocks go back is read
 * as its first occurrence; a time skipped when clocks go forward is read
 * with the offset before the change (02:30 in a 02:00->03:00 gap is 03:30). */
int64_t lt_tz_to_utc(const struct lt_tz *tz, int64_t local);

/* ---- dates --------------------------------------------------------------- */

typedef int64_t lt_ms; /* milliseconds since the epoch, UTC */

enum lt_date_format {
	LT_DATE_AUTO = 0,  /* see lt_date_parse */
	LT_DATE_ISO,       /* 2024-01-31, 2024-01-31T10:15[:00[.123]], then
	                    * optionally Z, +08:00, +0800 or +08; 'T', 't'
	                    * or a space between date and time */
	LT_DATE_DMY,       /* 31/01/2024 or 31-01-2024 (day and month may be 1
	                    * digit), optionally followed by " HH:MM[:SS[.f]]" */
	LT_DATE_YMD8,      /* 20240131 */
	LT_DATE_YMD_DOT,   /* 2024.01.31, optionally followed by a time as DMY */
	LT_DATE_EPOCH_S,   /* seconds since the epoch (any number of digits,
	                    * optional '-'; fraction allowed) */
	LT_DATE_EPOCH_MS,  /* milliseconds since the epoch */
};
/* "auto", "iso", "dmy", "ymd8", "ymd_dot", "epoch_s", "epoch_ms". */
const char *lt_date_format_name(enum lt_date_format f);
/* Returns 0 and sets *out for a known name, else -1. */
int lt_date_format_parse(const char *s, enum lt_date_format *out);

/*! Reads a date or timestamp from s[0..n) (surrounding blanks ignored).
 * A value without a zone (every format but ISO with Z/offset, and the
 * epochs) is a wall time in tz (NULL = UTC); a date alone is its midnight.
 * Fractions beyond the millisecond are truncated.  Years 1..9999.
 *
 * LT_DATE_AUTO tries, in this order, and the first shape that fits decides
 * (a value of that shape that is not a valid date is unreadable, never
 * retried as another format):
 *   1. 13 digits           -> epoch milliseconds
 *   2. 10 digits           -> epoch seconds
 *   3.  8 digits           -> YYYYMMDD
 *   4. DDDD-               -> ISO 8601
 *   5. DDDD.               -> YYYY.MM.DD
 *   6. D/ DD/ D- DD-       -> DD/MM/YYYY or DD-MM-YYYY (never month first)
 * Returns 0 with *out set, or -1: unreadable (the caller counts it in
 * unreadable_dates).  Thread-safe. */
int lt_date_parse(const char *s, size_t n, enum lt_date_format f,
		  const struct lt_tz *tz, lt_ms *out);

/* ---- durations and ages -------------------------------------------------- */

enum lt_unit { LT_UNIT_DAYS = 'd', LT_UNIT_MONTHS = 'm', LT_UNIT_YEARS = 'y' };

struct lt_duration {
	uint32_t n;        /* 0 = "must not be held at all" */
	enum lt_unit unit; /* calendar days, months or years */
};
/* Parses "0", "90d", "18m", "2y" (n <= 365000d, 12000m, 1000y; "0d" etc.
 * mean 0).  Returns 0 or -1. */
int lt_duration_parse(const char *s, struct lt_duration *out);
/* Formats as written ("0", "2y") into buf.  Returns buf. */
char *lt_duration_format(struct lt_duration d, char *buf, size_t cap);

/*! t + d as calendar arithmetic on the wall time in tz (NULL = UTC): days
 * keep the time of day across DST changes; months and years keep the day
 * of month, clamped to the month's last day (31 Jan + 1m = 28/29 Feb,
 * 29 Feb 2024 + 1y = 28 Feb 2025) -- as PostgreSQL adds an interval to a
 * timestamptz in a session whose TimeZone is tz.  d.n == 0 returns t. */
lt_ms lt_time_add(lt_ms t, struct lt_duration d, const struct lt_tz *tz);

enum lt_age {
	LT_AGE_UNREADABLE = -1, /* the date could not be read */
	LT_AGE_WITHIN = 0,      /* date + retain is now or later: keep */
	LT_AGE_OVER = 1,        /* date + retain is strictly before now */
};
/*! Reads the date in s[0..n) (as lt_date_parse) and judges it against
 * retain at now.  A date exactly at the limit is within.  Thread-safe. */
enum lt_age lt_age_over(const char *s, size_t n, enum lt_date_format f,
			const struct lt_tz *tz, struct lt_duration retain,
			lt_ms now);
/* The same judgement on a date already read. */
bool lt_age_over_ms(lt_ms date, struct lt_duration retain,
		    const struct lt_tz *tz, lt_ms now);
/*! now - retain, by the same calendar arithmetic (30 Mar 2024 - 1m =
 * 29 Feb 2024), for the plan's "cutoff" and messages.  In a zone without
 * DST, date < cutoff exactly when lt_age_over_ms for days, and for months
 * and years when both wall-clock days of month are 28 or less; near a
 * month's end the clamp makes "date + retain < now" differ from it by up
 * to 3 days.  So rows are decided by lt_age_over_ms (in SQL: "col +
 * interval < now" with the session TimeZone set to the policy's zone,
 * which clamps the same way), never by the cutoff. */
lt_ms lt_age_cutoff(struct lt_duration retain, const struct lt_tz *tz,
		    lt_ms now);

/* ---- the policy ---------------------------------------------------------- */

enum lt_action {
	LT_ACT_DELETE_ROWS,
	LT_ACT_REDACT,
	LT_ACT_HASH,
	LT_ACT_NULLIFY,
	LT_ACT_DROP_COLUMN,
};
const char *lt_action_name(enum lt_action a); /* "delete_rows", ... */

enum lt_keep { LT_KEEP_NONE, LT_KEEP_LAST4, LT_KEEP_FIRST6, LT_KEEP_DOMAIN };
const char *lt_keep_name(enum lt_keep k);     /* "none", "last4", ... */

enum lt_ungoverned { LT_UNGOVERNED_REPORT, LT_UNGOVERNED_FAIL };

struct lt_strlist {
	char **v;  /* owned strings */
	size_t n;
};
void lt_strlist_push(struct lt_strlist *l, const char *s);   /* a copy of s */
void lt_strlist_copy(struct lt_strlist *dst, const struct lt_strlist *src);
void lt_strlist_free(struct lt_strlist *l);                  /* leaves it empty */
/* True when k[0..n) is one of l's strings (exact bytes); l sorted by
 * strcmp (hold keys are). */
bool lt_strlist_has(const struct lt_strlist *l, const char *k, size_t n);

/* What a rule or hold governs.  Every field given must hold; within a field
 * any pattern may.  Patterns are fnmatch(3) globs without flags ('*' also
 * crosses '/' and '.'); column names compare case-insensitively, everything
 * else exactly. */
struct lt_match {
	struct lt_strlist types;      /* detector ids: "sg.nric", "kr.*" */
	struct lt_strlist categories; /* DESIGN vocabulary: "national_id" */
	struct lt_strlist sources;    /* source names: "exports/customers*" */
	struct lt_strlist tables;     /* "schema.table" of Postgres sources */
	struct lt_strlist columns;    /* column names */
	uint32_t given;               /* LT_MATCH_* bits of the fields given */
};
#define LT_MATCH_TYPES      (1u << 0)
#define LT_MATCH_CATEGORIES (1u << 1)
#define LT_MATCH_SOURCES    (1u << 2)
#define LT_MATCH_TABLES     (1u << 3)
#define LT_MATCH_COLUMNS    (1u << 4)

enum lt_age_from {
	LT_AGE_FROM_NONE,    /* retain 0: no date is read */
	LT_AGE_FROM_COLUMNS, /* the first of age_columns present, per row */
	LT_AGE_FROM_TABLE,   /* latest ref_column of ref_table rows with the
	                      * same ref_key (Postgres) */
	LT_AGE_FROM_FILE,    /* the same over another export, ref_file */
};

struct lt_rule {
	char *id;
	uint64_t line;                  /* 1-based line of the rule */
	struct lt_match match;
	struct lt_duration retain;
	enum lt_age_from age_from;
	struct lt_strlist age_columns;  /* AGE_FROM_COLUMNS, in order */
	char *ref_table;                /* AGE_FROM_TABLE: "schema.table" */
	char *ref_file;                 /* AGE_FROM_FILE: path resolved against
	                                 * the policy's directory */
	char *ref_column;               /* TABLE/FILE: date column there */
	char *ref_key;                  /* TABLE/FILE: key column, same name
	                                 * on both sides */
	enum lt_date_format date_format;/* AUTO unless the rule names one */
	enum lt_action action;
	enum lt_keep keep;              /* redact only; NONE otherwise */
	char mask;                      /* redact only; '*' by default */
};

struct lt_hold {
	char *id;
	uint64_t line;           /* 1-based line of the hold */
	struct lt_match match;   /* only sources and tables */
	char *column;            /* the key column */
	char *in_file;           /* resolved path of the key list, or NULL */
	struct lt_strlist keys;  /* from `in:` or the file (one key a line,
	                          * blank lines and lines starting with '#'
	                          * skipped, blanks around a key trimmed);
	                          * sorted, unique; may hold personal data:
	                          * never print them */
};

struct lt_policy {
	char *path;              /* as given to lt_policy_load */
	char *name;              /* policy: */
	uint32_t version;        /* 1 */
	struct lt_tz *tz;        /* timezone: (UTC when not given) */
	enum lt_ungoverned ungoverned;
	struct lt_rule *rules;   /* in file order: the first match governs */
	size_t n_rules;
	struct lt_hold *holds;
	size_t n_holds;
};

/* A type the loaded packs know, to check `types:` (see lt_policy_load). */
struct lt_type_ref {
	const char *id;       /* "sg.nric" */
	const char *category; /* "national_id" */
};

/*! Loads and checks the policy at path.  types[0..n_types) are the types
 * the loaded packs define; with types NULL, type patterns are checked only
 * for shape, and rules are compared field by field only (a category rule
 * shadowing a later type rule needs the types' categories).
 *
 * Every problem is reported, not only the first: on failure *errs is a
 * malloc'd array of *n_errs >= 1 errors (free(*errs)) in file order, each
 * with path = the policy path, line = 1-based line (0: the file itself),
 * and msg starting with the 1-based column: "7: unknown key 'retian'".
 * Print them with lt_policy_err_format ("FILE:LINE:COL: message").  At
 * most 100 are kept; the last then says how many more there were.
 *
 * Checked: YAML syntax; unknown and duplicate keys; missing keys; version;
 * timezone; ungoverned; rule and hold ids (shape, duplicates); match fields
 * (unknown type or category, bad glob, empty list, empty match, types
 * outside the categories also given); retain; age_from (required when
 * retain > 0; table as schema.table; table or file, with column and key);
 * date_format (only with age_from); action; keep and mask (redact only;
 * keep: domain only where an email can match); drop_column with
 * retain > 0; a rule never reached because an earlier rule matches all it
 * does; holds (match on sources/tables only, where.column, exactly one of
 * in_file (readable, relative to the policy) and in (not empty)).  An
 * age_from file is resolved but not opened: it is data, read by the plan.
 *
 * Returns 0 with *out set (*errs NULL, *n_errs 0), or -1.  Thread-safe
 * (reads files, touches no global state). */
int lt_policy_load(const char *path, const struct lt_type_ref *types,
		   size_t n_types, struct lt_policy **out, struct lt_err **errs,
		   size_t *n_errs);
void lt_policy_free(struct lt_policy *p); /* NULL is a no-op */
/* Formats an error of lt_policy_load as "FILE:LINE:COL: message" (or
 * "FILE: message" when it has no location) into buf.  Returns buf. */
char *lt_policy_err_format(const struct lt_err *e, char *buf, size_t cap);

/* ---- matching ------------------------------------------------------------ */

/* One finding (or one column) to match.  A field left NULL never satisfies
 * a pattern on it: a file source has no table, so `tables:` never matches
 * a file. */
struct lt_match_ctx {
	const char *source;   /* source name as reported */
	const char *kind;     /* "file", "postgres" (not matched on yet) */
	const char *table;    /* "schema.table" or NULL */
	const char *column;   /* column name */
	const char *type;     /* detector id */
	const char *category; /* its category */
};

/*! fnmatch(3) without flags; with casefold, letters compare ignoring case.
 * Thread-safe. */
bool lt_glob(const char *pattern, const char *s, bool casefold);
/* True when every field m gives holds for c. */
bool lt_match_test(const struct lt_match *m, const struct lt_match_ctx *c);
/*! The first rule that governs c, or NULL (ungoverned).  Borrowed. */
const struct lt_rule *lt_policy_match(const struct lt_policy *p,
				      const struct lt_match_ctx *c);
/* True when hold h applies to the source (c->source, c->table; the other
 * fields are ignored). */
bool lt_hold_applies(const struct lt_hold *h, const struct lt_match_ctx *c);

#endif
