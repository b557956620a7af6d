/*
 * source.h - what to scan, and the bytes of each (module: source).
 *
 * lt_sources_expand turns command-line arguments into a flat, stably
 * ordered list of sources (files found by walking directories, archive
 * members, PostgreSQL tables).  lt_stream_open then gives the raw
 * (decompressed) bytes of one source; text decoding is the text module's.
 *
 * Ownership: the list owns every string in it (lt_sources_release frees).
 * A stream is owned by its opener; one stream is used by one thread.
 */
#ifndef LETHE_SOURCE_H
#define LETHE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lethe/err.h"

enum lt_source_kind {
	LT_SRC_FILE,     /* a regular file (plain or gzip, by magic bytes) */
	LT_SRC_STDIN,    /* "-" */
	LT_SRC_MEMBER,   /* a member of a zip archive: path + member */
	LT_SRC_POSTGRES, /* a table: conninfo + table */
};

enum lt_source_status {
	LT_STATUS_OK,
	LT_STATUS_ERROR,   /* could not be read (completely) */
	LT_STATUS_SKIPPED, /* FIFO, socket, device, dangling link, loop */
};

struct lt_source {
	enum lt_source_kind kind;
	char *name;        /* display name for reports: UTF-8, %XX-escaped,
	                    * URIs without password */
	char *path;        /* filesystem path (raw bytes), NULL for stdin/pg */
	char *member;      /* zip member name, or NULL */
	char *conninfo;    /* libpq conninfo (may hold a password: never
	                    * print it), or NULL */
	char *table;       /* "schema.table" (unquoted, for reports), or NULL */
	char *schema_q;    /* quoted identifiers for SQL, or NULL */
	char *table_q;
	enum lt_source_status status; /* OK unless enumeration already knows */
	char reason[256];  /* why SKIPPED or ERROR at enumeration */
	int64_t rows_estimated; /* pg: reltuples; -1 when unknown */
};

struct lt_source_list {
	struct lt_source *items;
	size_t n, cap;
};

struct lt_source_opts {
	const char *const *include; /* globs on the file name (basename) or the
	                             * path relative to the walked root */
	size_t n_include;
	const char *const *exclude;
	size_t n_exclude;
	/* PostgreSQL selection */
	const char *const *schemas;  size_t n_schemas;   /* globs; empty = all
	                                                  * non-system */
	const char *const *tables;   size_t n_tables;    /* globs on table or
	                                                  * schema.table */
	const char *const *exclude_tables; size_t n_exclude_tables;
	bool views;                  /* also views and materialized views */
};

/* Expands args into out (appending).  Directories are walked recursively in
 * byte order of names; symlinks are followed only when they stay inside the
 * walked tree; special files, dangling links and loops become SKIPPED
 * entries.  A missing path becomes an ERROR entry.  Returns -1 only on a
 * usage error (malformed URI), with err set. */
int lt_sources_expand(const char *const *args, size_t nargs,
		      const struct lt_source_opts *opts,
		      struct lt_source_list *out, struct lt_err *err);
void lt_sources_release(struct lt_source_list *l);

/* ---- streams -------------------------------------------------------------- */
struct lt_stream;

struct lt_stream_opts {
	uint64_t sample_rows;   /* pg: rows to sample (0 = all) */
	bool full;              /* pg: read every row */
	int statement_timeout_ms;
	unsigned streams;       /* pg --full: parallel ctid-range readers
	                         * (0 or 1: one stream) */
};

/* Metadata a stream knows once read (pg: estimates and sampling). */
/* What a typed column (PostgreSQL's catalog) can hold, as far as the
 * detectors go: a timestamp can be a date of birth but never a phone
 * number, an inet column only an IP address, a uuid none of them. */
enum lt_col_kind {
	LT_COL_ANY = 0,         /* text, numbers, json, arrays...: by content */
	LT_COL_DATETIME,        /* date, time, timestamp[tz]: dates of birth */
	LT_COL_NETWORK,         /* inet, cidr: IP addresses */
	LT_COL_OPAQUE,          /* uuid, interval: nothing */
};

struct lt_stream_info {
	const char *container;  /* "plain", "gzip", "zip", "postgres" */
	int64_t rows_estimated; /* -1 when unknown */
	bool source_sampled;    /* the source itself sampled (pg TABLESAMPLE) */
	uint64_t raw_bytes;     /* bytes read from the file (compressed size) */
	const uint8_t *col_kinds; /* enum lt_col_kind per column, in order,
	                           * known as soon as the stream is open;
	                           * NULL for files.  Owned by the stream. */
	size_t n_col_kinds;
};

int lt_stream_open(const struct lt_source *src, const struct lt_stream_opts *o,
		   struct lt_stream **out, struct lt_err *err);
/* Reads up to cap bytes into buf; *n = 0 at end of stream.  Errors name
 * the source and the byte offset (truncated gzip, CRC mismatch, EIO). */
int lt_stream_read(struct lt_stream *s, void *buf, size_t cap, size_t *n,
		   struct lt_err *err);
/* Bytes delivered so far (uncompressed). */
uint64_t lt_stream_offset(const struct lt_stream *s);
void lt_stream_info(const struct lt_stream *s, struct lt_stream_info *info);
void lt_stream_close(struct lt_stream *s); /* NULL is a no-op */

/* True when the first bytes are a gzip header. */
bool lt_is_gzip_magic(const void *p, size_t n);

#endif
