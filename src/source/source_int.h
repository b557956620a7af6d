/*
 * source_int.h - the stream vtable shared by the source module's files
 * (file.c / gzip / zip / stdin in stream.c and friends, PostgreSQL in pg.c).
 * Private to src/source/.
 */
#ifndef LETHE_SOURCE_INT_H
#define LETHE_SOURCE_INT_H

#include "lethe/source.h"

struct lt_stream;

struct lt_stream_ops {
	/* Reads up to cap bytes; *n = 0 at end.  -1 with err set on failure. */
	int (*read)(struct lt_stream *s, void *buf, size_t cap, size_t *n,
		    struct lt_err *err);
	/* Frees impl (not the lt_stream itself). */
	void (*close)(struct lt_stream *s);
};

struct lt_stream {
	const struct lt_stream_ops *ops;
	const struct lt_source *src;  /* borrowed */
	uint64_t offset;              /* bytes delivered so far */
	struct lt_stream_info info;   /* container, estimates */
	void *impl;                   /* the backend's state */
};

/* PostgreSQL (pg.c).  lt_pg_expand lists the tables of a URI into out
 * (connecting to the catalog); a connection failure becomes one ERROR
 * source named by the URI without password, not a -1.  -1 only for a
 * malformed URI (usage error). */
int lt_pg_expand(const char *uri, const struct lt_source_opts *opts,
		 struct lt_source_list *out, struct lt_err *err);
/* Opens a COPY ... TO STDOUT (FORMAT csv, HEADER) stream of src into s
 * (s->ops, s->impl, s->info set by the callee). */
int lt_pg_stream_open(const struct lt_source *src,
		      const struct lt_stream_opts *o, struct lt_stream *s,
		      struct lt_err *err);
/* True when arg looks like a PostgreSQL URI (postgresql:// or postgres://). */
int lt_pg_is_uri(const char *arg);

#endif
