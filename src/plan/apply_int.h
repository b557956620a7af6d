/*
 * apply_int.h - `lethe apply` (module: plan): the file rewriter
 * (rewrite.c) and the orchestration (apply.c: fingerprints, refusals,
 * atomic outputs, receipts, PostgreSQL execution).  Shared by those two
 * files, src/cmd_apply.c and tests/unit/test_rewrite.c.
 *
 * The rewriter has two layers:
 *
 *  - lt_tok: a streaming CSV record tokenizer that keeps each field's RAW
 *    bytes (quotes, blanks and all) next to its value, so a rewrite copies
 *    every byte it does not change.  Values are exactly what the text
 *    module's libcsv wrapper yields (it mirrors libcsv's lenient state
 *    machine: unquoted fields trimmed of blanks, "" inside quotes, CR, LF
 *    and CRLF ends, blank lines skipped), so `apply` decides rows on the
 *    values `plan` counted.  It runs on text whose structural bytes are
 *    ASCII: UTF-8 and CP949 as they are on disk (no CP949 trail byte is a
 *    quote, delimiter, blank or line end), UTF-16 after a lossless
 *    conversion to UTF-8.
 *
 *  - lt_rw_stream / lt_rw_file: one CSV stream (a file, or a zip member)
 *    from raw bytes to rewritten raw bytes, in the same container, encoding,
 *    delimiter, quoting and line endings; rows decided with lt_plan_decide,
 *    cells rewritten with lt_redact / HMAC-SHA-256.  Memory is bounded by
 *    the largest record, never by the size of the file.
 *
 * Ownership: each object is owned by its creator and used by one thread.
 * Records handed to a callback are borrowed: valid during the call only.
 */
#ifndef LETHE_APPLY_INT_H
#define LETHE_APPLY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lethe/err.h"
#include "lethe/plan.h"
#include "lethe/text.h"

/* ---- tokenizer --------------------------------------------------------------- */

struct lt_tok_field {
	size_t raw_off;  /* first raw byte, from the record's start */
	size_t raw_len;  /* raw bytes up to (not including) the delimiter or
	                  * the record's terminator */
	size_t val_off;  /* value in lt_tok_rec.vals (NUL-terminated there) */
	size_t val_len;
	size_t lead;     /* raw blanks before the value or its opening quote */
	size_t trail;    /* raw blanks after the value or its closing quote */
	bool quoted;     /* the field opened with a quote */
};

struct lt_tok_rec {
	const char *raw;       /* the record's raw bytes, terminator included */
	size_t raw_len;
	size_t body_len;       /* raw_len minus the terminator ("", CR, LF, CRLF) */
	const char *vals;      /* values arena */
	const struct lt_tok_field *f;
	size_t n;              /* fields; 0: raw is a gap (blank lines between
	                        * records), to be copied as it is */
	uint64_t line;         /* 1-based line where the record starts */
	uint64_t byte;         /* text offset of raw[0] */
};

/* Return 0 to go on, nonzero to stop (lt_tok_feed then returns 1), -1 with
 * err set to fail. */
typedef int (*lt_tok_fn)(void *ctx, const struct lt_tok_rec *r,
			 struct lt_err *err);

struct lt_tok;
/* delim: the field delimiter; max_field: value cap in bytes (0: 32 MiB);
 * a record's raw bytes are capped at 2 * max_field (at least 1 MiB). */
struct lt_tok *lt_tok_new(char delim, size_t max_field, const char *name,
			  lt_tok_fn fn, void *ctx);
/* Feeds text (any chunking).  Returns 0, 1 when the callback stopped, -1
 * with err set (a cap hit, the callback's error). */
int lt_tok_feed(struct lt_tok *t, const char *p, size_t n, struct lt_err *err);
/* Ends the input: the last record (without a terminator) and trailing
 * blank lines are delivered.  An unterminated quoted field is an error
 * naming the line and byte where its record started. */
int lt_tok_finish(struct lt_tok *t, struct lt_err *err);
void lt_tok_free(struct lt_tok *t); /* NULL is a no-op */

/* ---- cells -------------------------------------------------------------------- */

/* True when a value written unquoted would not read back as itself: it
 * holds the delimiter, a quote, CR or LF, or starts or ends with a blank. */
bool lt_rw_needs_quotes(const char *v, size_t n, char delim);
/* Appends v as a quoted CSV field ("" for each quote) to out.  Returns 0 or
 * -1 (out's cap). */
int lt_rw_quote(const char *v, size_t n, struct lt_buf *out);

/* ---- byte sources and sinks ----------------------------------------------------- */

struct lt_rw_src {
	/* Reads up to cap bytes; *n = 0 at the end.  -1 with err set. */
	int (*read)(void *ctx, void *buf, size_t cap, size_t *n,
		    struct lt_err *err);
	void *ctx;
};

struct lt_rw_sink {
	/* Writes all n bytes.  -1 with err set. */
	int (*write)(void *ctx, const void *p, size_t n, struct lt_err *err);
	void *ctx;
};

/* ---- one CSV stream --------------------------------------------------------------- */

/* What one action did to one stream. */
struct lt_rw_count {
	uint64_t rows;   /* rows deleted or changed */
	uint64_t cells;  /* cells changed or removed */
};

struct lt_rw_unit {
	const struct lt_plan *plan;                /* row decisions: now, zone */
	const struct lt_plan_action *const *acts;  /* this stream's actions, plan
	                                            * order */
	size_t na;
	struct lt_rw_count *counts;                /* na entries, added to */
	const struct lt_hmac *key;                 /* hash actions; else NULL */
	enum lt_encoding enc;                      /* LT_ENC_AUTO: detect */
	char delim;                                /* 0: sniff */
	size_t max_field;                          /* 0: 32 MiB */
	const char *name;                          /* source name for errors */
	/* filled by lt_rw_stream */
	bool gzip;                                 /* the stream was gzip */
	enum lt_encoding enc_used;
	bool bom;
	char delim_used;
	uint64_t records;                          /* data records read */
};

/*! Rewrites one CSV stream: reads raw bytes from in (inflating gzip, by
 * its magic bytes), decides each data record with lt_plan_decide, and
 * writes the result to out in the same container (gzip: zlib deflate),
 * encoding, BOM, delimiter, quoting and line endings.  The header is
 * checked with lt_plan_check_header and kept (less dropped columns).
 * Returns 0, or -1 with err set: LT_E_FORMAT / LT_E_PARSE / LT_E_IO /
 * LT_E_ENCODING for a source that cannot be read or rewritten byte for
 * byte (invalid UTF-16), LT_E_CONFIG when the header no longer matches the
 * plan. */
int lt_rw_stream(struct lt_rw_unit *u, const struct lt_rw_src *in,
		 const struct lt_rw_sink *out, struct lt_err *err);

/* ---- one file ----------------------------------------------------------------------- */

/* A zip member (or the whole file, member NULL) and its actions. */
struct lt_rw_part {
	const char *member;                        /* NULL: not a zip */
	const struct lt_plan_action **acts;        /* owned by the caller */
	size_t na;
	struct lt_rw_count *counts;                /* na entries */
	const struct lt_plan_format *format;       /* borrowed from an action */
	const char *name;                          /* source name */
};

struct lt_rw_file {
	const char *path;        /* the source file */
	bool zip;                /* parts are members of a zip */
	struct lt_rw_part *parts;
	size_t nparts;
	/* filled by lt_rw_file_run */
	uint8_t src_sha256[32];  /* of the raw bytes read (plain and gzip:
	                          * the same pass; zip: not set) */
	bool src_hashed;
	uint64_t src_bytes;      /* raw bytes read (plain, gzip) */
	uint8_t out_sha256[32];  /* of every byte written to out */
	uint64_t out_bytes;
};

/*! Rewrites the file f->path into out (a FILE* the caller commits or
 * aborts): a plain or gzip file through lt_rw_stream, hashing the source's
 * raw bytes on the way (f->src_sha256); a zip as a new zip (libarchive)
 * whose planned members are rewritten and every other entry copied.
 * Returns 0 or -1 with err set. */
int lt_rw_file_run(const struct lt_plan *p, struct lt_rw_file *f,
		   const struct lt_hmac *key, FILE *out, struct lt_err *err);

/* ==== apply: the whole plan (apply.c) ==================================================== */

struct lt_apply_opts {
	const char *plan_path;     /* PLAN.json */
	const char *out_dir;       /* --out DIR, or NULL */
	bool execute;              /* --execute: run plan.sql */
	bool allow_ddl;            /* --allow-ddl: drop_column on Postgres */
	uint64_t batch_rows;       /* --batch-rows N, 0 when not given */
	const char *db_uri;        /* --db URI (may hold a password), or NULL */
	const char *hash_key;      /* $LETHE_HASH_KEY, or NULL: never printed */
};

/* What happened to one action of the plan. */
struct lt_apply_act {
	bool done;                 /* carried out (files written / SQL run) */
	uint64_t rows, cells;      /* changed (files: recounted; pg: verified) */
	char *output;              /* files: the output path */
	char out_sha256[65];       /* files: of the output */
	lt_ms started, ended;
};

/* A NOTICE or WARNING the server sent while plan.sql ran (never one that
 * could echo the hash key: lethe's own set_config is not reported). */
struct lt_apply_notice {
	char *severity;            /* "NOTICE", "WARNING", ... */
	char *msg;
};

struct lt_apply_result {
	struct lt_plan *plan;      /* owned: freed by lt_apply_result_release */
	char plan_sha256[65];
	struct lt_apply_act *acts; /* one per plan action */
	size_t n_file_actions, n_pg_actions;
	size_t n_outputs;          /* files written */
	char *receipt;             /* DIR/lethe-receipt.json, or NULL */
	char *pg_receipt;          /* PLAN-receipt.json, or NULL */
	/* the Postgres part */
	char *sql_path;            /* plan.sql as found, or NULL */
	size_t sql_statements;     /* statements in it */
	char **databases;          /* URIs without password, distinct */
	size_t n_databases;
	bool sql_batched;          /* plan.sql holds several transactions */
	bool pg_executed;          /* --execute ran it and it committed */
	size_t pg_resumed;         /* transactions an earlier run committed */
	size_t pg_committed;       /* transactions this run committed */
	struct lt_apply_notice *notices;
	size_t n_notices;
};

/*! Carries the plan out: the file actions into opts->out_dir, then, with
 * opts->execute, the Postgres actions (plan.sql); without it the Postgres
 * part is only described in r (sql_path, sql_statements, databases).
 * Nothing is written unless every file source still matches its
 * fingerprint and every action's recount matches the plan; the receipt
 * is written last.  Returns the exit code (enum lt_exit): 0 done; 2 a
 * usage or configuration problem (bad plan, missing --out, LETHE_HASH_KEY
 * or --allow-ddl); 3 a source, plan.sql or database could not be read;
 * 4 refused, nothing changed (fingerprint, recount, DIR holding a source,
 * plan.sql changed, a guard that rolled back).  err says why when not 0.
 * r is filled as far as the run went; release it with
 * lt_apply_result_release.  Messages never hold a cell value, the hash
 * key or a password. */
int lt_apply_run(const struct lt_apply_opts *opts, struct lt_apply_result *r,
		 struct lt_err *err);
void lt_apply_result_release(struct lt_apply_result *r);

/* The URI without its password (user:password@, password=...).  Returns a
 * new string. */
char *lt_apply_uri_display(const char *uri);

/* Statements in a SQL script: semicolons outside quotes, dollar quotes and
 * comments, plus a last statement without one. */
size_t lt_apply_count_statements(const char *sql, size_t n);

#endif
