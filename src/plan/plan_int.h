/*
 * plan_int.h - what the plan module's files share (private to src/plan/).
 *
 *   rows.c    row decisions, age_from maps, redaction, reading a CSV source
 *   planio.c  plan.json (jansson), lt_plan_free, times
 *   build.c   findings + policy -> actions; the file pass
 *   sql.c     Postgres: catalog, counts, plan.sql (libpq)
 *   sha256.c  SHA-256, HMAC, fingerprints
 */
#ifndef LETHE_PLAN_INT_H
#define LETHE_PLAN_INT_H

#include "lethe/plan.h"

/* ---- reading a CSV source (rows.c) --------------------------------------- */

struct plan_csv_opts {
	char delimiter;            /* 0: sniff */
	enum lt_encoding encoding; /* LT_ENC_AUTO: detect */
	size_t max_field;          /* 0: 32 MiB */
};
struct plan_csv_info {
	const char *container;     /* static */
	const char *encoding;      /* static */
	bool bom;
	char delimiter;
	uint64_t encoding_errors;
};
/* Reads src (stream -> decoder -> lt_csv) and calls fn for every record,
 * the header included (it is the first).  fn returning nonzero stops the
 * read (not an error).  Returns 0 or -1 with err set. */
int lt_plan_read_csv(const struct lt_source *src, const struct plan_csv_opts *o,
		     lt_csv_record_fn fn, void *ctx, struct plan_csv_info *info,
		     struct lt_err *err);

/* Builds (or shares, when an equal one exists among done[0..ndone)) the
 * map of ref for a condition read with fmt in tz.  Returns 0 or -1. */
int lt_plan_ref_build(struct lt_plan_ref *ref, enum lt_date_format fmt,
		      const struct lt_tz *tz, struct lt_plan_ref *const *done,
		      size_t ndone, struct lt_err *err);
void lt_plan_ref_release(struct lt_plan_ref *ref); /* frees ref's fields */
/* dst (zeroed) becomes a copy of src sharing its map.  Thread-safe. */
void lt_plan_ref_share(struct lt_plan_ref *dst, const struct lt_plan_ref *src);

/* ---- plan structs (planio.c, build.c) --------------------------------------- */

/* Frees what an action owns and zeroes it. */
void lt_plan_action_clear(struct lt_plan_action *a);
/* Deep copy (the age_from map is shared). */
void lt_plan_cond_copy(struct lt_plan_cond *dst, const struct lt_plan_cond *src);
void lt_plan_cond_clear(struct lt_plan_cond *c);

/* Case-insensitive (ASCII) equality of a field and a name. */
bool lt_plan_name_eq(const char *p, size_t n, const char *name);
/* Blanks and tabs trimmed off both ends. */
void lt_plan_trim(const char **p, size_t *n);

/* ---- Postgres (sql.c) -------------------------------------------------------- */

/* What the builder hands over for one Postgres source: the governed
 * columns with their rules, the holds that apply.  sql.c fills the
 * outputs.  Everything in `in` is borrowed. */
struct plan_gov {
	const char *column;        /* column name */
	long index;                /* its 0-based position in the source */
	const char *type;          /* the finding's type */
	const struct lt_rule *rule;
};
struct plan_pg_job {
	/* in */
	const struct lt_source *src;
	const struct lt_policy *policy;
	const struct plan_gov *gov;       /* every (column, rule) governed */
	size_t n_gov;
	lt_ms now;
	const struct lt_tz *tz;
	uint64_t batch_rows;
	int statement_timeout_ms;        /* 0: none */
	/* out (the builder copies actions and moves the lists) */
	struct lt_plan_action *actions;  size_t n_actions;
	struct lt_plan_violation *viol;  size_t n_viol;
	struct lt_plan_unreadable *unr;  size_t n_unr;
	struct lt_plan_refusal *ref;     size_t n_ref;
	char *error;                     /* source could not be read */
	void *priv;                      /* sql.c: predicates, batches */
};
/* Counts one Postgres source (its own connection, read-only) and keeps
 * what its statements need.  Never fails: problems go to job->error and
 * job->ref.  Thread-safe (one job per thread). */
void lt_plan_pg_job(struct plan_pg_job *job);
/* Writes plan.sql for jobs[0..n) (action ids already set) into out:
 * one guarded transaction per database, then the batches. */
void lt_plan_pg_write_sql(struct plan_pg_job *const *jobs, size_t n,
			  const struct lt_plan *p, struct lt_buf *out);
/* Frees job->priv (not the lists moved out). */
void lt_plan_pg_job_release(struct plan_pg_job *job);

/* Which governed entries become actions: the delete_rows rules (policy
 * order, unique) and, per column, the entry whose rule acts on the cells.
 * refused[i]: entry i cannot be planned (skipped).  Entries superseded by
 * an earlier rule on the same column are refused with that reason. */
void lt_plan_pick(const struct lt_policy *pol, const struct plan_gov *gov,
		  size_t n, const bool *refused, const char *source,
		  const struct lt_rule ***del, size_t *n_del, bool *cell,
		  struct lt_plan_refusal **ref, size_t *n_ref);

/* The TimeZone setting PostgreSQL reads as the policy's zone: IANA names
 * as they are, fixed offsets as POSIX strings ("<+08:00>-08:00"). */
char *lt_plan_pg_timezone(const char *zone);

/* Pushes a violation of governed entry g (rows over the limit) onto a
 * growable array; returns it, its oldest date still to fill. */
struct lt_plan_violation *lt_plan_push_violation(struct lt_plan_violation **v,
						 size_t *n, const char *source,
						 const struct plan_gov *g,
						 uint64_t rows);

/* Pushes a refusal onto a growable array (one per source, column, rule). */
void lt_plan_push_refusal(struct lt_plan_refusal **v, size_t *n,
			  const char *source, const char *column,
			  const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#endif
