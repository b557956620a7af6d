/*
 * plan.h - plans (module: plan): actions from findings + policy, plan.json
 * read and written, the row decisions `plan` and `apply` share, plan.sql,
 * redaction, SHA-256 and HMAC-SHA-256.  Formats: DESIGN.md (Plan) and
 * docs/plan-format.md.
 *
 * Who uses what:
 *   - `lethe plan` builds a plan (lt_plan_build), writes plan.sql and
 *     plan.json (lt_plan_write);
 *   - `lethe apply` reads plan.json (lt_plan_load), prepares it
 *     (lt_plan_prepare: reads the age_from files), checks each file's
 *     header (lt_plan_check_header) and decides each row with
 *     lt_plan_decide -- the very function `plan` counted with, so the two
 *     cannot disagree -- and rewrites cells with lt_redact / lt_hmac_*.
 *
 * Ownership: a struct lt_plan owns every string, array, zone and age_from
 * map in it; lt_plan_free frees it all.  After lt_plan_prepare a plan is
 * read-only: lt_plan_decide and friends are then thread-safe.  Hold keys
 * and age_from maps may hold personal data: never print them.
 *
 * Times are lt_ms (milliseconds since the epoch, UTC; see policy.h).
 */
#ifndef LETHE_PLAN_H
#define LETHE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lethe/detect.h"
#include "lethe/err.h"
#include "lethe/policy.h"
#include "lethe/source.h"
#include "lethe/text.h"
#include "lethe/util.h"

/* ---- SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) -------------------- */

struct lt_sha256 {
	uint32_t h[8];      /* chaining state */
	uint64_t len;       /* bytes hashed so far */
	uint8_t buf[64];    /* partial block */
	size_t nbuf;        /* bytes in buf */
};
void lt_sha256_init(struct lt_sha256 *c);
void lt_sha256_update(struct lt_sha256 *c, const void *p, size_t n);
/* Writes the digest; c must be initialised again before reuse. */
void lt_sha256_final(struct lt_sha256 *c, uint8_t out[32]);
void lt_sha256(const void *p, size_t n, uint8_t out[32]);

/* A key prepared once (inner and outer pads hashed), then used for any
 * number of messages: the apply `hash` action's per-cell cost is two
 * compressions for a short cell.  Read-only after init: thread-safe. */
struct lt_hmac {
	struct lt_sha256 inner; /* state after key ^ ipad */
	struct lt_sha256 outer; /* state after key ^ opad */
};
void lt_hmac_init(struct lt_hmac *h, const void *key, size_t kn);
void lt_hmac_mac(const struct lt_hmac *h, const void *msg, size_t n,
		 uint8_t out[32]);
/* One-shot HMAC-SHA-256(key, msg). */
void lt_hmac_sha256(const void *key, size_t kn, const void *msg, size_t n,
		    uint8_t out[32]);
/* Lower-case hex of p[0..n) into out (2n+1 bytes).  Returns out. */
char *lt_hex(const uint8_t *p, size_t n, char *out);

/* ---- fingerprints ---------------------------------------------------------- */

struct lt_plan_fp {
	bool set;           /* false: none recorded */
	uint64_t bytes;     /* file size */
	int64_t mtime_ns;   /* modification time, ns since the epoch */
	char sha256[65];    /* hex SHA-256 of the file's raw bytes */
};
/* Fingerprints the file at path (reads it whole).  Returns 0 or -1. */
int lt_plan_fingerprint(const char *path, struct lt_plan_fp *fp,
			struct lt_err *err);

/* ---- redaction ------------------------------------------------------------- */

/*! Redacts s[0..n) (UTF-8) into out (appended), character by character:
 * every character (a UTF-8 sequence; a stray byte counts as one
 * character) becomes `mask`, except the ones `keep` names:
 *   none    nothing kept                        S1234567D -> *********
 *   last4   the last 4 characters               S1234567D -> *****567D
 *   first6  the first 6 characters              4111-1111-1111-1111 -> 4111-1*************
 *   domain  from the last '@' to the end        a.b@x.org -> ***@x.org
 *           (no '@': nothing kept)
 * Separators are characters like any other.  A value of 4 (6) characters
 * or fewer is kept whole by last4 (first6), as SQL's right()/left() do.
 * plan.sql computes exactly this (lt_plan_sql_redact_expr).  Returns -1
 * only when out's cap is hit. */
int lt_redact(enum lt_keep keep, char mask, const char *s, size_t n,
	      struct lt_buf *out);

/* ---- the plan -------------------------------------------------------------- */

enum lt_plan_kind { LT_PLAN_FILE, LT_PLAN_POSTGRES };

/* A hold as an action carries it: the rows whose `column` value (blanks
 * and tabs around it trimmed) is one of keys are never touched. */
struct lt_plan_hold {
	char *id;
	char *column;
	long column_index;        /* files: 0-based index in the header; -1 pg */
	struct lt_strlist keys;   /* sorted (strcmp), unique */
};

/* The latest date of related rows in another export (age_from: {file}). */
struct lt_plan_refmap;        /* key -> latest date; built by prepare */
struct lt_plan_ref {
	char *path;               /* the other export, as the policy resolved it */
	char *column;             /* its date column */
	char *key;                /* key column, same name on both sides */
	long key_index;           /* files: the key's index in THIS source */
	struct lt_plan_fp fp;     /* of the other export when planned */
	struct lt_plan_refmap *map; /* NULL until lt_plan_prepare */
};

/* A retention condition (one rule's age test).  A row is over the limit
 * when the first of age_columns non-empty in it holds a date that, plus
 * retain (calendar arithmetic in the plan's zone), is strictly before now
 * (lt_age_over_ms).  No such column, or a date that cannot be read:
 * unreadable (never touched). */
struct lt_plan_cond {
	char *rule;
	struct lt_duration retain;        /* > 0 */
	enum lt_date_format date_format;
	lt_ms cutoff;                     /* now - retain, informative only */
	struct lt_strlist age_columns;    /* present ones, age_from order */
	long *age_column_indexes;         /* files: indexes; pg: -1 each */
	struct lt_plan_ref *ref;          /* age_from: {file}, or NULL */
	char *ref_table;                  /* pg age_from: {table}, or NULL */
	char *ref_column, *ref_key;       /* pg age_from: {table} */
};

struct lt_plan_format {
	char container[16];       /* "plain", "gzip", "zip" */
	char encoding[16];        /* "utf-8", "cp949", ... */
	bool bom;
	char delimiter;
	bool header;              /* the first record is a header (false:
	                           * scanned with --no-header) */
};

struct lt_plan_action {
	size_t id;                /* 1-based, order of the plan */
	enum lt_plan_kind kind;
	char *source;             /* source name as reported */
	char *path;               /* files: filesystem path */
	char *member;             /* zip member, or NULL */
	char *uri;                /* pg: URI without password */
	char *table;              /* pg: schema.table */
	enum lt_action action;
	char *column;             /* not for delete_rows */
	long column_index;        /* files: 0-based; -1 otherwise */
	char *rule;               /* the governing rule (delete_rows: first) */
	struct lt_strlist rules;  /* delete_rows: every rule in the union */
	enum lt_keep keep;        /* redact */
	char mask;                /* redact */
	struct lt_plan_cond *conds; /* empty: every row (retain 0) */
	size_t n_conds;
	struct lt_plan_hold *holds;
	size_t n_holds;
	uint64_t rows;            /* rows the action changes */
	uint64_t cells;           /* cells it changes (delete_rows: 0) */
	struct lt_plan_fp fp;     /* files */
	struct lt_plan_format format; /* files */
	char *where;              /* pg: the SQL predicate, for review */
	bool needs_ddl;           /* pg drop_column: apply --allow-ddl */
	bool hash_client_side;    /* pg hash without pgcrypto */
};

struct lt_plan_violation {
	char *rule;               /* NULL: ungoverned data (ungoverned: fail) */
	char *source, *column, *type;
	uint64_t rows;
	char oldest[11];          /* YYYY-MM-DD of the oldest date, "" none */
};
struct lt_plan_ungoverned { char *source, *column, *type; };
struct lt_plan_unreadable { char *source, *column; uint64_t rows; };
struct lt_plan_refusal { char *source, *column, *rule, *reason; };
struct lt_plan_error { char *source, *error; };

struct lt_plan {
	char *policy_path, *policy_name;
	char policy_sha256[65];
	lt_ms now;
	int64_t generated_at;     /* epoch seconds */
	char *timezone;           /* the policy's zone, as written */
	struct lt_tz *tz;
	struct lt_plan_action *actions;
	size_t n_actions;
	char *sql_path;           /* NULL: no plan.sql */
	char sql_sha256[65];
	uint64_t batch_rows;      /* plan --batch-rows; 0 none */
	struct lt_plan_violation *violations;   size_t n_violations;
	struct lt_plan_ungoverned *ungoverned;  size_t n_ungoverned;
	struct lt_plan_unreadable *unreadable;  size_t n_unreadable;
	struct lt_plan_refusal *refused;        size_t n_refused;
	struct lt_plan_error *errors;           size_t n_errors;
};

void lt_plan_free(struct lt_plan *p); /* NULL is a no-op */

/*! Reads plan.json.  Checks the "plan"/"version" marker, every field an
 * action needs, the zone; unknown keys are ignored.  Does not read
 * age_from files (lt_plan_prepare does).  Returns 0 with *out set, or -1
 * with err naming the file and what is wrong. */
int lt_plan_load(const char *path, struct lt_plan **out, struct lt_err *err);

/*! Writes p as plan.json to path atomically (path "-": stdout).  The plan
 * format of docs/plan-format.md.  Returns 0 or -1. */
int lt_plan_write(const struct lt_plan *p, const char *path,
		  struct lt_err *err);
/* The same into a string (caller frees). */
char *lt_plan_dumps(const struct lt_plan *p);

/*! Builds the key -> latest date maps of every age_from file of p's file
 * actions (each file read once; shared by the conditions naming it).
 * Before reading one, checks it still matches its fingerprint (a changed
 * file is an error: the plan's counts would no longer hold).  Returns 0
 * or -1 (err names the file). */
int lt_plan_prepare(struct lt_plan *p, struct lt_err *err);

/* ---- row decisions (shared by plan and apply) --------------------------- */

enum lt_row {
	LT_ROW_WITHIN = 0,     /* keep: within the limit */
	LT_ROW_OVER = 1,       /* over the limit (or retain 0): act */
	LT_ROW_HELD = 2,       /* a hold exempts it */
	LT_ROW_UNREADABLE = 3, /* its date cannot be read: never touched */
};

/*! Checks that header fields f[0..n) (the file's first record, UTF-8) name
 * the columns the action's indexes point at (column, age columns, hold
 * and key columns; names compare case-insensitively).  Returns 0 or -1
 * with err saying which. */
int lt_plan_check_header(const struct lt_plan_action *a,
			 const struct lt_field *f, size_t n, struct lt_err *err);

/* True when a hold of a exempts the row f[0..n). */
bool lt_plan_held(const struct lt_plan_action *a, const struct lt_field *f,
		  size_t n);

/*! One condition on one row: LT_ROW_OVER, WITHIN or UNREADABLE.  *date
 * (may be NULL) gets the date read; *ucol (may be NULL) the name of the
 * column whose date could not be read (borrowed from c).  Requires
 * lt_plan_prepare for age_from files. */
enum lt_row lt_plan_cond_eval(const struct lt_plan *p,
			      const struct lt_plan_cond *c,
			      const struct lt_field *f, size_t n, lt_ms *date,
			      const char **ucol);

/*! One action on one row: HELD when a hold exempts it, else OVER when
 * some condition is over (or there is none), else UNREADABLE when some
 * condition could not read its date, else WITHIN.  Does not look at the
 * action's own cell nor at other actions: use lt_plan_decide. */
enum lt_row lt_plan_row(const struct lt_plan *p, const struct lt_plan_action *a,
			const struct lt_field *f, size_t n);

/*! The decision for one data row of one file source, with acts[0..na)
 * every action of that source (in plan order):
 *   - the row is deleted when a delete_rows action is OVER for it
 *     (returns true, touch[i] = 1 for that action, 0 for the others);
 *   - otherwise touch[i] = 1 for each redact/hash/nullify action that is
 *     OVER for it and whose cell is non-empty (n > 0), and for every
 *     drop_column action.
 * touch has na entries.  Thread-safe after lt_plan_prepare. */
bool lt_plan_decide(const struct lt_plan *p,
		    const struct lt_plan_action *const *acts, size_t na,
		    const struct lt_field *f, size_t n, uint8_t *touch);

/* ---- building a plan (lethe plan) ------------------------------------------ */

struct lt_plan_input {
	const struct lt_policy *policy;
	const char *policy_path;             /* as given (for plan.json) */
	const struct lt_packset *ps;
	const struct lt_source_list *sources;
	const struct lt_source_result *results; /* scan results, same order */
	const struct lt_scan_opts *scan;     /* delimiter, encoding, ... */
	lt_ms now;
	unsigned jobs;                       /* worker threads for the passes */
	uint64_t batch_rows;                 /* 0: one transaction per db */
	const char *sql_path;                /* where plan.sql will be (name
	                                      * recorded in plan.json) */
	FILE *row_log;                       /* NULL, or: one line per file row
	                                      * decision (line numbers and
	                                      * verdicts only, never values) */
};

/*! Builds the plan: matches findings to rules, reads every file source a
 * second time to count rows, counts Postgres rows in SQL (read-only), and
 * generates plan.sql into *sql (empty when no Postgres action).  Source
 * problems do not fail the build: they become p->errors (exit 3) and
 * refusals.  Returns 0 with *out set, or -1 on a configuration error
 * (err set). */
int lt_plan_build(const struct lt_plan_input *in, struct lt_plan **out,
		  struct lt_buf *sql, struct lt_err *err);

/* Formats an instant as "2026-11-01T00:00:00Z" (".123Z" when it has
 * milliseconds).  Returns buf. */
char *lt_plan_fmt_ms(lt_ms t, char *buf, size_t cap);
/* Parses --now / plan.json times: ISO 8601 with a zone (Z or offset), or
 * a date / wall time read as UTC.  Returns 0 or -1. */
int lt_plan_parse_time(const char *s, lt_ms *out);

#endif
