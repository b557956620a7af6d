/*
 * pg.c - PostgreSQL tables as sources (module: source).
 *
 * Place in the data flow: the first stage.  lt_pg_expand turns one URI into
 * one source per table (listed from the catalog, not filtered by privilege);
 * lt_pg_stream_open turns one table into the same thing every other source
 * is, a stream of CSV bytes with a header, read with
 *
 *   COPY (SELECT cols FROM "schema"."table" [sample]) TO STDOUT
 *        WITH (FORMAT csv, HEADER)
 *
 * inside one REPEATABLE READ, READ ONLY transaction with an empty
 * search_path.  lethe never writes: every statement here is a SELECT, a
 * SET inside the transaction, or the COPY; the transaction is rolled back.
 *
 * Secrets: the URI may carry a password (user:pw@ or ?password=).  It lives
 * only in lt_source.conninfo and in libpq.  Source names drop it, and every
 * message taken from libpq or the server is scrubbed of it (both its
 * percent-encoded and its decoded spelling, and $PGPASSWORD) before it goes
 * into an lt_err or a source's reason.
 *
 * Sampling (lt_stream_opts.sample_rows = N, not full):
 *   1. count at most N+1 rows; when the table holds N or fewer, read it all
 *      (not sampled; the exact count replaces the estimate);
 *   2. otherwise TABLESAMPLE SYSTEM (p) REPEATABLE (seed) with p chosen for
 *      about 1.5 N rows, counted first; ORDER BY random() LIMIT N so the N
 *      rows are spread over every sampled page, not the first ones;
 *   3. when SYSTEM yields fewer than N rows (few pages, stale estimate),
 *      retry once with p scaled by the shortfall, then fall back to reading
 *      the whole table in random order, LIMIT N (one scan, exactly N rows,
 *      uniform).  Views cannot be TABLESAMPLEd: they take step 3 directly.
 * random() is seeded from the table name, so a rescan of unchanged data
 * reads the same sample (reproducible reports).
 *
 * Later (issue 7): --full on a large table splits it into ctid ranges read
 * over several connections that share one exported snapshot.  struct
 * pg_reader is one connection + one COPY; struct pg_stream holds an array
 * of them (one today) and the snapshot id, so ranges slot in without
 * changing the read/close logic.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>

#include <libpq-fe.h>

#include "lethe/err.h"
#include "lethe/source.h"
#include "lethe/util.h"
#include "source_int.h"

/* ---- secrets: what must never leave this file ------------------------- */

#define MAX_SECRETS 8

struct secrets {
	char *v[MAX_SECRETS]; /* owned; each at least MIN_SECRET bytes */
	size_t n;
};

/* Shorter strings are not scrubbed: they would mangle every message and a
 * one- or two-character password is not recognisable in one anyway. */
#define MIN_SECRET 3

static void secrets_add(struct secrets *sc, const char *p, size_t len)
{
	size_t i;

	if (!p || len < MIN_SECRET || sc->n == MAX_SECRETS)
		return;
	for (i = 0; i < sc->n; i++)
		if (strlen(sc->v[i]) == len && memcmp(sc->v[i], p, len) == 0)
			return;
	sc->v[sc->n++] = lt_xstrndup(p, len);
}

static void secrets_release(struct secrets *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++) {
		memset(sc->v[i], 0, strlen(sc->v[i]));
		free(sc->v[i]);
	}
	sc->n = 0;
}

/* Copies the first line of msg into out (cap bytes) with every secret
 * replaced by "***" and trailing blanks dropped.  The whole message is
 * scrubbed before it is cut, so a cut never leaves part of a secret. */
static void clean_msg(char *out, size_t cap, const char *msg,
		      const struct secrets *sc)
{
	char *m, *nl;
	size_t i, len;

	if (cap == 0)
		return;
	m = lt_xstrdup(msg ? msg : "");
	for (i = 0; sc && i < sc->n; i++)
		lt_scrub(m, sc->v[i]);
	nl = strchr(m, '\n');
	if (nl)
		*nl = '\0';
	len = strlen(m);
	while (len > 0 && isspace((unsigned char)m[len - 1]))
		m[--len] = '\0';
	snprintf(out, cap, "%s", m[0] ? m : "unknown error");
	free(m);
}

/* ---- URI handling -------------------------------------------------------- */

int lt_pg_is_uri(const char *arg)
{
	return arg && (strncmp(arg, "postgresql://", 13) == 0 ||
		       strncmp(arg, "postgres://", 11) == 0);
}

/* Percent-decodes s[0..n) into a new string; a malformed escape is kept as
 * written. */
static char *pct_decode(const char *s, size_t n)
{
	char *o = lt_xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && lt_hexval(s[i + 1]) >= 0 &&
		    lt_hexval(s[i + 2]) >= 0) {
			o[k++] = (char)(lt_hexval(s[i + 1]) * 16 + lt_hexval(s[i + 2]));
			i += 2;
		} else {
			o[k++] = s[i];
		}
	}
	o[k] = '\0';
	return o;
}

static bool is_password_key(const char *k, size_t n)
{
	char *d = pct_decode(k, n);
	bool r = strcmp(d, "password") == 0 || strcmp(d, "sslpassword") == 0;

	free(d);
	return r;
}

/* A URI taken apart: what libpq gets, what reports show, the fragment. */
struct pg_uri {
	char *conninfo; /* the URI without "#fragment" (may hold a password) */
	char *display;  /* the URI without password and fragment */
	char *frag;     /* decoded fragment ("schema.table"), or NULL */
	struct secrets sc;
};

static void pg_uri_release(struct pg_uri *u)
{
	if (u->conninfo) {
		memset(u->conninfo, 0, strlen(u->conninfo));
		free(u->conninfo);
	}
	free(u->display);
	free(u->frag);
	secrets_release(&u->sc);
	memset(u, 0, sizeof *u);
}

/* Splits uri the way libpq reads it: userinfo is everything up to the first
 * '@' that comes before the first '/'; the password is what follows the
 * first ':' in it.  The fragment (lethe's, libpq has none) is the first '#'
 * after the userinfo. */
static void pg_uri_split(const char *uri, struct pg_uri *u)
{
	const char *start = strstr(uri, "://");
	const char *p, *rest, *hash, *q, *end, *item, *amp, *eq;
	struct lt_buf b;
	bool first = true;
	const char *pw;

	memset(u, 0, sizeof *u);
	if (!start) { /* not a URI: key=value conninfo, shown as no more */
		u->conninfo = lt_xstrdup(uri);
		u->display = lt_xstrdup("postgresql");
		return;
	}
	start += 3;
	p = start;
	lt_buf_init(&b, 0);
	lt_buf_append(&b, uri, (size_t)(start - uri));
	while (*p && *p != '@' && *p != '/')
		p++;
	rest = start;
	if (*p == '@') {
		const char *colon = memchr(start, ':', (size_t)(p - start));

		if (colon) {
			lt_buf_append(&b, start, (size_t)(colon - start));
			pw = colon + 1;
			secrets_add(&u->sc, pw, (size_t)(p - pw));
			{
				char *d = pct_decode(pw, (size_t)(p - pw));

				secrets_add(&u->sc, d, strlen(d));
				memset(d, 0, strlen(d));
				free(d);
			}
			if (colon > start)
				lt_buf_putc(&b, '@');
		} else {
			lt_buf_append(&b, start, (size_t)(p + 1 - start));
		}
		rest = p + 1;
	}
	hash = strchr(rest, '#');
	end = hash ? hash : rest + strlen(rest);
	u->conninfo = lt_xstrndup(uri, (size_t)(end - uri));
	if (hash && hash[1])
		u->frag = pct_decode(hash + 1, strlen(hash + 1));

	/* host, port, path as they are; the query without password keys */
	q = memchr(rest, '?', (size_t)(end - rest));
	lt_buf_append(&b, rest, (size_t)((q ? q : end) - rest));
	if (q) {
		for (item = q + 1; item < end; item = amp + 1) {
			amp = memchr(item, '&', (size_t)(end - item));
			if (!amp)
				amp = end;
			eq = memchr(item, '=', (size_t)(amp - item));
			if (eq && is_password_key(item, (size_t)(eq - item))) {
				char *d;

				secrets_add(&u->sc, eq + 1, (size_t)(amp - eq - 1));
				d = pct_decode(eq + 1, (size_t)(amp - eq - 1));
				secrets_add(&u->sc, d, strlen(d));
				memset(d, 0, strlen(d));
				free(d);
				continue;
			}
			lt_buf_putc(&b, first ? '?' : '&');
			lt_buf_append(&b, item, (size_t)(amp - item));
			first = false;
		}
	}
	u->display = lt_xstrndup(b.data ? b.data : "", b.len);
	lt_buf_release(&b);
	pw = getenv("PGPASSWORD");
	if (pw)
		secrets_add(&u->sc, pw, strlen(pw));
}

/* Checks what libpq would only reject at connect time but is a malformed
 * URI all the same (a port that is not a number, an unknown sslmode).
 * Adds the decoded password options to the secrets.  Returns 0, or -1 with
 * a (scrubbed) message in msg. */
static int pg_uri_check(struct pg_uri *u, char *msg, size_t cap)
{
	PQconninfoOption *opts, *o;
	char *emsg = NULL;
	int rc = 0;

	opts = PQconninfoParse(u->conninfo, &emsg);
	if (!opts) {
		clean_msg(msg, cap, emsg ? emsg : "cannot parse URI", &u->sc);
		PQfreemem(emsg);
		return -1;
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		if (strcmp(o->keyword, "password") == 0 ||
		    strcmp(o->keyword, "sslpassword") == 0)
			secrets_add(&u->sc, o->val, strlen(o->val));
	}
	for (o = opts; o->keyword && rc == 0; o++) {
		const char *v = o->val;

		if (!v || !*v)
			continue;
		if (strcmp(o->keyword, "port") == 0) {
			for (; *v; v++)
				if (!isdigit((unsigned char)*v) && *v != ',') {
					snprintf(msg, cap,
						 "invalid port in URI");
					rc = -1;
					break;
				}
		} else if (strcmp(o->keyword, "sslmode") == 0) {
			static const char *const modes[] = {
				"disable", "allow", "prefer", "require",
				"verify-ca", "verify-full", NULL };
			size_t i;

			for (i = 0; modes[i] && strcmp(modes[i], v); i++)
				;
			if (!modes[i]) {
				snprintf(msg, cap, "invalid sslmode in URI");
				rc = -1;
			}
		}
	}
	PQconninfoFree(opts);
	return rc;
}

/* ---- connections and queries --------------------------------------------- */

/* Connects with conninfo (a URI).  Defaults that keep a dead server from
 * hanging a scan come first, so the URI can override them; the
 * application name and client encoding come after it, so it cannot.  On
 * failure returns NULL with the scrubbed first line of libpq's message in
 * msg. */
static PGconn *pg_connect(const char *conninfo, const struct secrets *sc,
			  char *msg, size_t cap)
{
	const char *kw[12], *val[12];
	int i = 0;
	PGconn *c;

	if (!getenv("PGCONNECT_TIMEOUT")) {
		kw[i] = "connect_timeout"; val[i++] = "10";
	}
	kw[i] = "keepalives"; val[i++] = "1";
	kw[i] = "keepalives_idle"; val[i++] = "30";
	kw[i] = "keepalives_interval"; val[i++] = "10";
	kw[i] = "keepalives_count"; val[i++] = "3";
	kw[i] = "dbname"; val[i++] = conninfo;
	kw[i] = "application_name"; val[i++] = "lethe";
	kw[i] = "client_encoding"; val[i++] = "UTF8";
	kw[i] = NULL; val[i] = NULL;

	c = PQconnectdbParams(kw, val, 1);
	if (!c) {
		snprintf(msg, cap, "out of memory creating a connection");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		clean_msg(msg, cap, PQerrorMessage(c), sc);
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* The message of a failed result (primary message, else libpq's), first
 * line, scrubbed. */
static void result_msg(PGconn *c, PGresult *r, const struct secrets *sc,
		       char *msg, size_t cap)
{
	const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (!m || !*m)
		m = r ? PQresultErrorMessage(r) : NULL;
	if (!m || !*m)
		m = PQerrorMessage(c);
	clean_msg(msg, cap, m, sc);
}

/* Runs sql with text parameters; returns the result when its status is
 * want, else NULL with the message in msg (result cleared). */
static PGresult *run(PGconn *c, const char *sql, int np,
		     const char *const *params, ExecStatusType want,
		     const struct secrets *sc, char *msg, size_t cap)
{
	PGresult *r;

	if (np > 0)
		r = PQexecParams(c, sql, np, NULL, params, NULL, NULL, 0);
	else
		r = PQexec(c, sql);
	if (r && PQresultStatus(r) == want)
		return r;
	result_msg(c, r, sc, msg, cap);
	PQclear(r);
	return NULL;
}

static int run_ok(PGconn *c, const char *sql, int np,
		  const char *const *params, ExecStatusType want,
		  const struct secrets *sc, char *msg, size_t cap)
{
	PGresult *r = run(c, sql, np, params, want, sc, msg, cap);

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

/* PQescapeIdentifier into a lethe-owned string. */
static char *quote_ident(PGconn *c, const char *name)
{
	char *q = PQescapeIdentifier(c, name, strlen(name));
	char *r;

	if (!q) { /* only on an encoding error or out of memory */
		struct lt_buf b;
		const char *p;

		lt_buf_init(&b, 0);
		lt_buf_putc(&b, '"');
		for (p = name; *p; p++) {
			if (*p == '"')
				lt_buf_putc(&b, '"');
			lt_buf_putc(&b, *p);
		}
		lt_buf_putc(&b, '"');
		r = lt_xstrndup(b.data, b.len);
		lt_buf_release(&b);
		return r;
	}
	r = lt_xstrdup(q);
	PQfreemem(q);
	return r;
}

/* ---- expand: one source per table ------------------------------------- */

static struct lt_source *push_source(struct lt_source_list *l)
{
	struct lt_source *s;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;

		l->items = lt_xreallocarray(l->items, nc, sizeof *l->items);
		l->cap = nc;
	}
	s = &l->items[l->n++];
	memset(s, 0, sizeof *s);
	s->kind = LT_SRC_POSTGRES;
	s->status = LT_STATUS_OK;
	s->rows_estimated = -1;
	return s;
}

static bool glob_any(const char *const *g, size_t n, const char *a,
		     const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fnmatch(g[i], a, 0) == 0 || (b && fnmatch(g[i], b, 0) == 0))
			return true;
	return false;
}

/* Every table, partitioned parent, view and materialized view outside the
 * system schemas, by schema and name in byte order.  Partitions are left
 * out (their parent reads them) unless the fragment names one.  No
 * privilege filter: a table the role cannot read is listed, and its COPY
 * reports the refusal.  rows: reltuples, summed over the leaves of a
 * partitioned table, -1 when never analyzed (or a view). */
static const char list_sql[] =
	"SELECT n.nspname, c.relname, c.relkind,"
	" CASE c.relkind"
	"  WHEN 'p' THEN (WITH RECURSIVE tree(relid) AS ("
	"     SELECT c.oid"
	"     UNION ALL SELECT i.inhrelid FROM pg_catalog.pg_inherits i"
	"      JOIN tree t ON i.inhparent = t.relid)"
	"    SELECT CASE WHEN pg_catalog.bool_or(l.reltuples < 0) THEN -1"
	"     ELSE COALESCE(pg_catalog.sum(l.reltuples), 0) END"
	"    FROM tree JOIN pg_catalog.pg_class l ON l.oid = tree.relid"
	"    WHERE l.relkind IN ('r', 'm'))"
	"  WHEN 'v' THEN -1"
	"  WHEN 'm' THEN CASE WHEN c.relispopulated THEN c.reltuples ELSE 0 END"
	"  ELSE c.reltuples END::pg_catalog.int8,"
	" c.relpages, c.relispartition"
	" FROM pg_catalog.pg_class c"
	" JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p', 'v', 'm')"
	"  AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	"  AND n.nspname NOT LIKE 'pg\\_toast%'"
	"  AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
	" ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"";

int lt_pg_expand(const char *uri, const struct lt_source_opts *opts,
		 struct lt_source_list *out, struct lt_err *err)
{
	static const struct lt_source_opts none;
	struct pg_uri u;
	char msg[256];
	PGconn *c;
	PGresult *r;
	int i, nrows, ver;
	bool frag_found = false;

	if (!opts)
		opts = &none;
	pg_uri_split(uri, &u);
	if (pg_uri_check(&u, msg, sizeof msg) < 0) {
		lt_err_set(err, LT_E_USAGE, u.display, 0,
			   "malformed PostgreSQL URI: %s", msg);
		pg_uri_release(&u);
		return -1;
	}

	c = pg_connect(u.conninfo, &u.sc, msg, sizeof msg);
	if (c && run_ok(c, "SELECT pg_catalog.set_config('search_path', '',"
			   " false)", 0, NULL, PGRES_TUPLES_OK, &u.sc, msg,
			sizeof msg) < 0) {
		PQfinish(c);
		c = NULL;
	}
	r = c ? run(c, list_sql, 0, NULL, PGRES_TUPLES_OK, &u.sc, msg,
		    sizeof msg) : NULL;
	if (!r) {
		/* cannot connect, refused, or the catalog cannot be read:
		 * one ERROR source for the whole database */
		struct lt_source *s = push_source(out);

		s->name = u.frag ? lt_xasprintf("%s#%s", u.display, u.frag)
				 : lt_xstrdup(u.display);
		s->conninfo = lt_xstrdup(u.conninfo);
		s->table = u.frag ? lt_xstrdup(u.frag) : NULL;
		s->status = LT_STATUS_ERROR;
		snprintf(s->reason, sizeof s->reason, "%s", msg);
		PQfinish(c);
		pg_uri_release(&u);
		return 0;
	}

	ver = PQserverVersion(c);
	nrows = PQntuples(r);
	for (i = 0; i < nrows; i++) {
		const char *nsp = PQgetvalue(r, i, 0);
		const char *rel = PQgetvalue(r, i, 1);
		char kind = PQgetvalue(r, i, 2)[0];
		int64_t est = strtoll(PQgetvalue(r, i, 3), NULL, 10);
		long pages = strtol(PQgetvalue(r, i, 4), NULL, 10);
		bool partition = PQgetvalue(r, i, 5)[0] == 't';
		char *full = lt_xasprintf("%s.%s", nsp, rel);
		struct lt_source *s;

		if (u.frag) {
			/* "schema.table", or a bare table name in any schema */
			if (strcmp(u.frag, full) != 0 &&
			    (strchr(u.frag, '.') || strcmp(u.frag, rel) != 0)) {
				free(full);
				continue;
			}
			frag_found = true;
		} else {
			if (partition) /* its parent reads it */
				goto skip;
			if ((kind == 'v' || kind == 'm') && !opts->views)
				goto skip;
			if (opts->n_schemas &&
			    !glob_any(opts->schemas, opts->n_schemas, nsp, NULL))
				goto skip;
			if (opts->n_tables &&
			    !glob_any(opts->tables, opts->n_tables, rel, full))
				goto skip;
			if (opts->n_exclude_tables &&
			    glob_any(opts->exclude_tables,
				     opts->n_exclude_tables, rel, full))
				goto skip;
		}
		/* before 14, "never analyzed" reads as 0 rows on 0 pages */
		if (ver < 140000 && kind == 'r' && est == 0 && pages == 0)
			est = -1;
		s = push_source(out);
		s->name = lt_xasprintf("%s#%s", u.display, full);
		s->conninfo = lt_xstrdup(u.conninfo);
		s->table = full;
		s->schema_q = quote_ident(c, nsp);
		s->table_q = quote_ident(c, rel);
		s->rows_estimated = est < 0 ? -1 : est;
		continue;
skip:
		free(full);
	}
	PQclear(r);
	PQfinish(c);

	if (u.frag && !frag_found) {
		struct lt_source *s = push_source(out);

		s->name = lt_xasprintf("%s#%s", u.display, u.frag);
		s->conninfo = lt_xstrdup(u.conninfo);
		s->table = lt_xstrdup(u.frag);
		s->status = LT_STATUS_ERROR;
		snprintf(s->reason, sizeof s->reason,
			 "no such table (or not a table or view)");
	}
	pg_uri_release(&u);
	return 0;
}

/* ---- streams ----------------------------------------------------------- */

#define MAX_RANGES 64   /* ctid ranges (connections) per table at most */

/* One connection reading one COPY.  The --full parallel version (issue 7)
 * gives each ctid range its own reader sharing the first one's snapshot. */
struct pg_reader {
	PGconn *conn;
	bool in_tx;         /* BEGIN done, not yet rolled back */
	bool in_copy;       /* COPY OUT started and not finished */
	char *row;          /* current row from PQgetCopyData (PQfreemem) */
	size_t row_len;     /* its length */
	size_t row_off;     /* bytes of it already handed out */
	uint64_t msgs;      /* COPY data messages: the header + one per row */
	uint64_t bytes;     /* bytes received */
};

struct pg_stream {
	struct pg_reader r;      /* the first reader (the whole table, or the
	                          * first ctid range; its COPY has the header) */
	struct pg_reader *more;  /* --full on a large table: the other ctid
	                          * ranges, one connection each, sharing r's
	                          * exported snapshot */
	size_t nmore;
	size_t cur;              /* reader being read: 0 = r, k = more[k-1] */
	size_t live;             /* readers whose COPY has not ended */
	struct secrets sc;       /* scrubbed from every message */
	char *name;              /* the source's display name (for errors) */
	bool full_read;          /* every row requested: at the end the row
	                          * count becomes the exact rows_estimated */
	bool done;               /* end of COPY reached */
	struct lt_err fail;      /* sticky error once read failed */
	uint8_t *kinds;          /* enum lt_col_kind per column */
};

static void reader_close(struct pg_reader *r)
{
	PGresult *res;
	char *b;

	if (r->row) {
		PQfreemem(r->row);
		r->row = NULL;
	}
	if (!r->conn)
		return;
	if (r->in_copy && PQstatus(r->conn) == CONNECTION_OK) {
		/* closed before the end: stop the server and drop what is in
		 * flight (a few rows), so the connection ends cleanly.  When
		 * the cancel cannot be sent, draining could mean reading the
		 * rest of the table: just hang up (the server then stops at
		 * its next write). */
		PGcancel *cc = PQgetCancel(r->conn);
		char eb[256];
		int sent = 0;

		if (cc) {
			sent = PQcancel(cc, eb, sizeof eb);
			PQfreeCancel(cc);
		}
		if (sent) {
			while (PQgetCopyData(r->conn, &b, 0) > 0)
				PQfreemem(b);
			while ((res = PQgetResult(r->conn)) != NULL)
				PQclear(res);
		} else {
			r->in_tx = false; /* no ROLLBACK on a busy connection */
		}
	}
	r->in_copy = false;
	if (r->in_tx && PQstatus(r->conn) == CONNECTION_OK &&
	    PQtransactionStatus(r->conn) != PQTRANS_ACTIVE) {
		res = PQexec(r->conn, "ROLLBACK");
		PQclear(res);
	}
	r->in_tx = false;
	PQfinish(r->conn);
	r->conn = NULL;
}

static void pg_stream_free(struct pg_stream *ps)
{
	if (!ps)
		return;
	reader_close(&ps->r);
	for (size_t i = 0; i < ps->nmore; i++)
		reader_close(&ps->more[i]);
	free(ps->more);
	free(ps->kinds);
	secrets_release(&ps->sc);
	free(ps->name);
	free(ps);
}

static void pg_close(struct lt_stream *s)
{
	pg_stream_free(s->impl);
	s->impl = NULL;
}

static uint64_t pg_rows(const struct pg_stream *ps)
{
	uint64_t n = ps->r.msgs > 0 ? ps->r.msgs - 1 : 0;

	for (size_t i = 0; i < ps->nmore; i++)
		n += ps->more[i].msgs; /* no header on the other ranges */
	return n;
}

static struct pg_reader *reader_at(struct pg_stream *ps, size_t k)
{
	return k == 0 ? &ps->r : &ps->more[k - 1];
}

/* A reader's COPY ended (PQgetCopyData -1): its result says whether it
 * ended well (a statement timeout or a terminated backend end it too). */
static int copy_finish(struct lt_stream *s, struct pg_stream *ps,
		       struct pg_reader *r, struct lt_err *err)
{
	PGresult *res;
	char msg[256];
	int rc = 0;

	r->in_copy = false;
	while ((res = PQgetResult(r->conn)) != NULL) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
			result_msg(r->conn, res, &ps->sc, msg, sizeof msg);
			rc = -1;
		}
		PQclear(res);
	}
	if (rc < 0) {
		lt_err_set(&ps->fail, LT_E_DB, ps->name, 0, "%s", msg);
		lt_err_at_byte(&ps->fail, r->bytes);
		*err = ps->fail;
		return -1;
	}
	if (ps->live > 0)
		ps->live--;
	if (ps->live == 0) {
		ps->done = true;
		if (ps->full_read)
			s->info.rows_estimated = (int64_t)pg_rows(ps);
	}
	return 0;
}

/* With several readers and nothing received: waits until one socket has
 * data (or an error), then lets libpq read it. */
static void wait_readers(struct pg_stream *ps)
{
	struct pollfd fds[MAX_RANGES];
	struct pg_reader *who[MAX_RANGES];
	size_t nf = 0;

	for (size_t k = 0; k <= ps->nmore && nf < MAX_RANGES; k++) {
		struct pg_reader *r = reader_at(ps, k);
		int fd;

		if (!r->in_copy || !r->conn || (fd = PQsocket(r->conn)) < 0)
			continue;
		fds[nf] = (struct pollfd){ .fd = fd, .events = POLLIN };
		who[nf++] = r;
	}
	if (nf == 0 || poll(fds, (nfds_t)nf, -1) < 0)
		return;
	/* a socket with input, an error or a hang-up: read what came
	 * (libpq notices a failed connection there) */
	for (size_t i = 0; i < nf; i++)
		if (fds[i].revents)
			PQconsumeInput(who[i]->conn);
}

/* Hands out whole COPY rows, switching readers only between rows, so the
 * parser sees one header and then every row of every range. */
static int pg_read(struct lt_stream *s, void *buf, size_t cap, size_t *n,
		   struct lt_err *err)
{
	struct pg_stream *ps = s->impl;
	struct pg_reader *r;
	char *out = buf;
	size_t got = 0, idle = 0;

	*n = 0;
	if (!ps)
		return lt_err_set(err, LT_E_DB, NULL, 0, "stream not open");
	if (ps->fail.code != LT_E_NONE) {
		*err = ps->fail;
		return -1;
	}
	while (got < cap) {
		r = reader_at(ps, ps->cur);
		if (r->row_off < r->row_len) {
			size_t k = r->row_len - r->row_off;

			if (k > cap - got)
				k = cap - got;
			memcpy(out + got, r->row + r->row_off, k);
			r->row_off += k;
			got += k;
			continue;
		}
		if (r->row) {
			PQfreemem(r->row);
			r->row = NULL;
			r->row_len = r->row_off = 0;
		}
		if (ps->done)
			break;
		if (!r->in_copy) {
			ps->cur = (ps->cur + 1) % (ps->nmore + 1);
			continue;
		}
		{
			/* one reader: with bytes in hand, take only rows
			 * already received rather than wait for the server.
			 * Several: never block on one while another has rows */
			bool async = got > 0 || ps->nmore > 0;
			int len = PQgetCopyData(r->conn, &r->row, 1);

			if (len == 0 && PQconsumeInput(r->conn))
				len = PQgetCopyData(r->conn, &r->row, 1);
			if (len == 0 && !async) {
				/* Nothing received: lethe reads faster than the
				 * server sends.  Waiting at once would wake on
				 * each packet (33,000 wake-ups for 2M rows);
				 * 0.2 ms lets the socket gather ~75 KB first
				 * (3,800), far from filling it: a server that
				 * could fill it in that time would never leave
				 * it empty.  2M rows with -j2: 1.41-1.46 s ->
				 * 1.33-1.35 s. */
				struct timespec nap = { 0, 200000 };

				nanosleep(&nap, NULL);
				if (PQconsumeInput(r->conn))
					len = PQgetCopyData(r->conn, &r->row, 1);
				if (len == 0)
					len = PQgetCopyData(r->conn, &r->row, 0);
			}
			if (len > 0) {
				r->row_len = (size_t)len;
				r->row_off = 0;
				r->msgs++;
				r->bytes += (uint64_t)len;
				idle = 0;
				continue;
			}
			if (len == 0) { /* async and nothing ready yet */
				if (ps->nmore == 0 || got > 0)
					break;
				ps->cur = (ps->cur + 1) % (ps->nmore + 1);
				if (++idle > ps->nmore) {
					wait_readers(ps);
					idle = 0;
				}
				continue;
			}
			r->row = NULL;
			if (len == -1) {
				if (copy_finish(s, ps, r, err) < 0) {
					if (got > 0) { /* report it next call */
						lt_err_clear(err);
						break;
					}
					return -1;
				}
				continue;
			}
			/* -2: the connection failed (server gone) */
			{
				char msg[256];

				clean_msg(msg, sizeof msg,
					  PQerrorMessage(r->conn), &ps->sc);
				r->in_copy = false;
				lt_err_set(&ps->fail, LT_E_DB, ps->name, 0,
					   "%s", msg);
				lt_err_at_byte(&ps->fail, r->bytes);
				if (got > 0)
					break;
				*err = ps->fail;
				return -1;
			}
		}
	}
	s->info.raw_bytes = ps->r.bytes;
	for (size_t k = 0; k < ps->nmore; k++)
		s->info.raw_bytes += ps->more[k].bytes;
	*n = got;
	return 0;
}

static const struct lt_stream_ops pg_ops = { pg_read, pg_close };

/* FNV-1a of the table name: the sampling seed. */
static uint64_t name_seed(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

/* Runs a one-value query and parses it as an integer.  -1 on failure. */
static int query_int(PGconn *c, const char *sql, int np,
		     const char *const *params, const struct secrets *sc,
		     int64_t *v, char *msg, size_t cap)
{
	PGresult *r = run(c, sql, np, params, PGRES_TUPLES_OK, sc, msg, cap);

	if (!r)
		return -1;
	if (PQntuples(r) < 1 || PQnfields(r) < 1 || PQgetisnull(r, 0, 0)) {
		snprintf(msg, cap, "unexpected empty result");
		PQclear(r);
		return -1;
	}
	*v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

/* The planner's row estimate for rel (from its current size when it has
 * never been analyzed); -1 when it cannot be had. */
static int64_t explain_rows(PGconn *c, const char *rel)
{
	char *sql = lt_xasprintf("EXPLAIN SELECT 1 FROM %s", rel);
	PGresult *r = PQexec(c, sql);
	int64_t v = -1;
	const char *p;

	free(sql);
	if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
	    (p = strstr(PQgetvalue(r, 0, 0), " rows=")) != NULL)
		v = strtoll(p + 6, NULL, 10);
	PQclear(r);
	return v;
}

/* A percentage as SQL text, six decimals, whatever the C locale says. */
static void fmt_pct(char *out, size_t cap, double p)
{
	unsigned long long u;

	if (p > 100.0)
		p = 100.0;
	u = (unsigned long long)(p * 1e6 + 0.5);
	if (u == 0)
		u = 1;
	snprintf(out, cap, "%llu.%06llu", u / 1000000ull, u % 1000000ull);
}

/* Decides what to read and fills from (the FROM clause plus ordering and
 * limit).  Sets the info fields. */
static int plan_sample(PGconn *c, struct lt_stream *s, struct pg_stream *ps,
		       const char *rel, char relkind, uint64_t N, uint64_t seed,
		       struct lt_buf *from, char *msg, size_t cap)
{
	int64_t cnt, est, k;
	char *sql, pct[48];
	double p;
	int attempt;
	bool tablesample = relkind == 'r' || relkind == 'p' || relkind == 'm';
	uint64_t rep = seed % 1000000007u; /* the REPEATABLE seed */

	/* 1. at most N rows: read them all, and we know the exact count */
	sql = lt_xasprintf("SELECT pg_catalog.count(*) FROM (SELECT 1 FROM %s"
			   " LIMIT %" PRIu64 ") s", rel, N + 1);
	if (query_int(c, sql, 0, NULL, &ps->sc, &cnt, msg, cap) < 0) {
		free(sql);
		return -1;
	}
	free(sql);
	if ((uint64_t)cnt <= N) {
		lt_buf_append(from, rel, strlen(rel));
		ps->full_read = true;
		s->info.rows_estimated = cnt;
		s->info.source_sampled = false;
		return 0;
	}

	/* more than N rows: sampled whatever happens next.  The planner's
	 * figure scales reltuples to the table's current size, so it also
	 * covers a table grown or emptied since its last ANALYZE, and a
	 * table never analyzed at all. */
	est = explain_rows(c, rel);
	if (est <= (int64_t)N)
		est = s->info.rows_estimated;
	if (est <= (int64_t)N)
		est = (int64_t)N + 1;
	s->info.rows_estimated = est;
	s->info.source_sampled = true;

	/* 2. TABLESAMPLE SYSTEM for about 1.5 N rows, counted first */
	p = 150.0 * (double)N / (double)est;
	for (attempt = 0; tablesample && attempt < 2 && p < 100.0; attempt++) {
		fmt_pct(pct, sizeof pct, p);
		sql = lt_xasprintf("SELECT pg_catalog.count(*) FROM %s"
				   " TABLESAMPLE SYSTEM (%s) REPEATABLE (%"
				   PRIu64 ")", rel, pct, rep);
		if (query_int(c, sql, 0, NULL, &ps->sc, &k, msg, cap) < 0) {
			free(sql);
			return -1;
		}
		free(sql);
		if ((uint64_t)k >= N) {
			char *f = lt_xasprintf(
				"%s TABLESAMPLE SYSTEM (%s) REPEATABLE (%"
				PRIu64 ") ORDER BY pg_catalog.random()"
				" LIMIT %" PRIu64, rel, pct, rep, N);

			lt_buf_append(from, f, strlen(f));
			free(f);
			return 0;
		}
		/* too few pages, or a stale estimate: scale by the shortfall */
		p = k > 0 ? p * 1.5 * (double)N / (double)k : p * 10.0;
	}

	/* 3. the whole table in random order: exactly N rows, uniform */
	sql = lt_xasprintf("%s ORDER BY pg_catalog.random() LIMIT %" PRIu64,
			   rel, N);
	lt_buf_append(from, sql, strlen(sql));
	free(sql);
	return 0;
}

/* What a column of this type can hold (enum lt_col_kind): typcategory D
 * is date/time, I network addresses, T intervals; 2950 is uuid. */
static uint8_t col_kind(const char *typcategory, const char *typoid)
{
	switch (typcategory[0]) {
	case 'D': return LT_COL_DATETIME;
	case 'I': return LT_COL_NETWORK;
	case 'T': return LT_COL_OPAQUE;
	default: break;
	}
	return strcmp(typoid, "2950") == 0 ? LT_COL_OPAQUE : LT_COL_ANY;
}

static bool skip_type(const char *typcategory, const char *typoid)
{
	/* boolean, geometric; bytea (17) */
	return typcategory[0] == 'B' || typcategory[0] == 'G' ||
	       strcmp(typoid, "17") == 0;
}

/* Starts one reader's transaction on the exported snapshot. */
static int range_begin(struct pg_stream *ps, PGconn *c, const char *snap,
		       const struct lt_stream_opts *o, char *msg, size_t cap)
{
	char *lit = PQescapeLiteral(c, snap, strlen(snap)), *sql, tmo[32];
	const char *params[1];
	int rc;

	if (!lit) {
		snprintf(msg, cap, "cannot quote the snapshot id");
		return -1;
	}
	if (run_ok(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0,
		   NULL, PGRES_COMMAND_OK, &ps->sc, msg, cap) < 0) {
		PQfreemem(lit);
		return -1;
	}
	sql = lt_xasprintf("SET TRANSACTION SNAPSHOT %s", lit);
	PQfreemem(lit);
	rc = run_ok(c, sql, 0, NULL, PGRES_COMMAND_OK, &ps->sc, msg, cap);
	free(sql);
	if (rc < 0 || run_ok(c, "SELECT pg_catalog.set_config('search_path', '', true)",
			     0, NULL, PGRES_TUPLES_OK, &ps->sc, msg, cap) < 0)
		return -1;
	if (o->statement_timeout_ms > 0) {
		snprintf(tmo, sizeof tmo, "%d", o->statement_timeout_ms);
		params[0] = tmo;
		if (run_ok(c, "SELECT pg_catalog.set_config('statement_timeout', $1, true)",
			   1, params, PGRES_TUPLES_OK, &ps->sc, msg, cap) < 0)
			return -1;
	}
	return 0;
}

/* How many ctid ranges --full reads a large table in, for this many
 * workers.  A server on this machine (a Unix socket, a loopback address)
 * runs on the cores the workers use, and each range's COPY keeps a backend
 * busy: half as many ranges as workers, at least one, read fastest
 * (bench/pg_bench.sh, 2M rows on 2 cores with -j2: one range 1.45-1.50 s,
 * two 1.60-1.68 s).  A server elsewhere gets one range per worker. */
static size_t range_count(PGconn *c, unsigned workers)
{
	const char *h = PQhost(c), *a = PQhostaddr(c);
	bool local = !h || !*h || h[0] == '/' || h[0] == '@' ||
		     strcmp(h, "localhost") == 0 ||
		     (a && (strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0));

	if (!local)
		return workers;
	return workers / 2 ? workers / 2 : 1;
}

/* --full on a large table with several workers: the table's pages are cut
 * into k ctid ranges (TID range scans: PostgreSQL 14+), each read
 * by its own connection inside one exported snapshot, so together they see
 * exactly the rows one COPY would.  Only the first range's COPY has the
 * header.  A table under 16 MiB, or any failure to set up, keeps one
 * stream (ps->nmore stays 0 after a failed setup only when nothing was
 * started; otherwise the error is returned). */
static int open_ranges(const struct lt_source *src, const struct lt_stream_opts *o,
		       struct pg_stream *ps, PGconn *c, const char *rel,
		       const char *relid, const char *cols, size_t k,
		       char *msg, size_t cap)
{
	const char *params[1] = { relid };
	PGresult *r;
	char snap[128];
	int64_t pages = 0;
	char *sql;

	r = run(c, "SELECT pg_catalog.pg_export_snapshot(),"
		" pg_catalog.pg_relation_size($1::pg_catalog.oid)"
		" / pg_catalog.current_setting('block_size')::pg_catalog.int8",
		1, params, PGRES_TUPLES_OK, &ps->sc, msg, cap);
	if (!r)
		return -1;
	snprintf(snap, sizeof snap, "%s", PQgetvalue(r, 0, 0));
	pages = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	if (pages < 2048)
		return 0;
	if (k > (size_t)(pages / 1024))
		k = (size_t)(pages / 1024);
	if (k > MAX_RANGES)
		k = MAX_RANGES;
	ps->more = lt_xcalloc(k - 1, sizeof *ps->more);
	for (size_t i = 0; i < k; i++) {
		int64_t lo = pages * (int64_t)i / (int64_t)k;
		int64_t hi = pages * (int64_t)(i + 1) / (int64_t)k;
		struct pg_reader *rd = i == 0 ? &ps->r : &ps->more[i - 1];
		char where[160];

		if (i == 0)
			snprintf(where, sizeof where,
				 "ctid < '(%lld,0)'::pg_catalog.tid", (long long)hi);
		else if (i + 1 == k)
			snprintf(where, sizeof where,
				 "ctid >= '(%lld,0)'::pg_catalog.tid", (long long)lo);
		else
			snprintf(where, sizeof where,
				 "ctid >= '(%lld,0)'::pg_catalog.tid"
				 " AND ctid < '(%lld,0)'::pg_catalog.tid",
				 (long long)lo, (long long)hi);
		if (i > 0) {
			rd->conn = pg_connect(src->conninfo, &ps->sc, msg, cap);
			if (!rd->conn)
				return -1;
			ps->nmore = i;   /* close what was opened on failure */
			if (range_begin(ps, rd->conn, snap, o, msg, cap) < 0)
				return -1;
			rd->in_tx = true;
		}
		sql = lt_xasprintf("COPY (SELECT %s FROM %s WHERE %s) TO STDOUT"
				   " WITH (FORMAT csv%s)", cols, rel, where,
				   i == 0 ? ", HEADER" : "");
		r = run(rd->conn, sql, 0, NULL, PGRES_COPY_OUT, &ps->sc, msg, cap);
		free(sql);
		if (!r)
			return -1;
		PQclear(r);
		rd->in_copy = true;
	}
	ps->nmore = k - 1;
	return 0;
}

int lt_pg_stream_open(const struct lt_source *src,
		      const struct lt_stream_opts *o, struct lt_stream *s,
		      struct lt_err *err)
{
	static const struct lt_stream_opts defaults;
	struct pg_stream *ps;
	struct pg_uri u;
	char msg[256], tmo[32], seedtxt[32], relkind;
	const char *params[2];
	char *rel = NULL, *sql = NULL, *relid = NULL;
	PGresult *r = NULL;
	PGconn *c;
	struct lt_buf cols, from;
	uint64_t seed;
	size_t nranges;
	int i, n;

	if (!o)
		o = &defaults;
	s->ops = &pg_ops;
	s->impl = NULL;
	s->info.container = "postgres";
	s->info.rows_estimated = src->rows_estimated;
	s->info.source_sampled = false;
	s->info.raw_bytes = 0;
	if (src->kind != LT_SRC_POSTGRES || !src->conninfo || !src->schema_q ||
	    !src->table_q)
		return lt_err_set(err, LT_E_DB, src->name, 0,
				  "not a PostgreSQL table source");

	ps = lt_xcalloc(1, sizeof *ps);
	ps->name = lt_xstrdup(src->name ? src->name : "postgresql");
	lt_err_clear(&ps->fail);
	pg_uri_split(src->conninfo, &u);
	(void)pg_uri_check(&u, msg, sizeof msg); /* decoded passwords too */
	ps->sc = u.sc; /* move the secrets */
	memset(&u.sc, 0, sizeof u.sc);
	pg_uri_release(&u);
	lt_buf_init(&cols, 0);
	lt_buf_init(&from, 0);

	c = pg_connect(src->conninfo, &ps->sc, msg, sizeof msg);
	if (!c)
		goto fail;
	ps->r.conn = c;

	if (run_ok(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0,
		   NULL, PGRES_COMMAND_OK, &ps->sc, msg, sizeof msg) < 0)
		goto fail;
	ps->r.in_tx = true;
	if (run_ok(c, "SELECT pg_catalog.set_config('search_path', '', true)",
		   0, NULL, PGRES_TUPLES_OK, &ps->sc, msg, sizeof msg) < 0)
		goto fail;
	if (o->statement_timeout_ms > 0) {
		snprintf(tmo, sizeof tmo, "%d", o->statement_timeout_ms);
		params[0] = tmo;
		if (run_ok(c, "SELECT pg_catalog.set_config("
			   "'statement_timeout', $1, true)", 1, params,
			   PGRES_TUPLES_OK, &ps->sc, msg, sizeof msg) < 0)
			goto fail;
	}
	/* random() seeded from the name: the same sample on a rescan */
	seed = name_seed(src->table ? src->table : src->name);
	snprintf(seedtxt, sizeof seedtxt, "0.%06" PRIu64, (uint64_t)(seed % 1000000u));
	params[0] = seedtxt;
	if (run_ok(c, "SELECT pg_catalog.setseed($1::pg_catalog.float8)", 1,
		   params, PGRES_TUPLES_OK, &ps->sc, msg, sizeof msg) < 0)
		goto fail;

	/* the relation (it may have gone since it was listed) */
	rel = lt_xasprintf("%s.%s", src->schema_q, src->table_q);
	params[0] = rel;
	r = run(c, "SELECT c.oid, c.relkind FROM pg_catalog.pg_class c"
		" WHERE c.oid = $1::pg_catalog.regclass", 1, params,
		PGRES_TUPLES_OK, &ps->sc, msg, sizeof msg);
	if (!r)
		goto fail;
	if (PQntuples(r) != 1) {
		snprintf(msg, sizeof msg, "relation not found");
		goto fail;
	}
	relid = lt_xstrdup(PQgetvalue(r, 0, 0));
	relkind = PQgetvalue(r, 0, 1)[0];
	PQclear(r);

	/* its columns, in order; types that cannot hold personal data are
	 * read as NULL (the column keeps its place and name) */
	params[0] = relid;
	r = run(c, "SELECT a.attname, t.typcategory, a.atttypid"
		" FROM pg_catalog.pg_attribute a"
		" JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
		" WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum > 0"
		"  AND NOT a.attisdropped ORDER BY a.attnum", 1, params,
		PGRES_TUPLES_OK, &ps->sc, msg, sizeof msg);
	if (!r)
		goto fail;
	n = PQntuples(r);
	ps->kinds = lt_xcalloc(n ? (size_t)n : 1, 1);
	for (i = 0; i < n; i++) {
		char *q = quote_ident(c, PQgetvalue(r, i, 0));

		ps->kinds[i] = col_kind(PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
		if (i > 0)
			lt_buf_append(&cols, ", ", 2);
		if (skip_type(PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)))
			lt_buf_append(&cols, "NULL AS ", 8);
		lt_buf_append(&cols, q, strlen(q));
		free(q);
	}
	PQclear(r);
	r = NULL;

	if (o->full || o->sample_rows == 0) {
		lt_buf_append(&from, rel, strlen(rel));
		ps->full_read = true;
	} else if (plan_sample(c, s, ps, rel, relkind, o->sample_rows, seed,
			       &from, msg, sizeof msg) < 0) {
		goto fail;
	}

	nranges = range_count(c, o->streams);
	if (ps->full_read && nranges > 1 && relkind == 'r' &&
	    PQserverVersion(c) >= 140000) {
		if (open_ranges(src, o, ps, c, rel, relid, cols.data ? cols.data : "",
				nranges, msg, sizeof msg) < 0)
			goto fail;
	}
	if (ps->nmore == 0) {
		sql = lt_xasprintf("COPY (SELECT %s FROM %s) TO STDOUT"
				   " WITH (FORMAT csv, HEADER)",
				   cols.data ? cols.data : "", from.data);
		r = run(c, sql, 0, NULL, PGRES_COPY_OUT, &ps->sc, msg, sizeof msg);
		if (!r)
			goto fail;
		PQclear(r);
		ps->r.in_copy = true;
	}
	ps->live = 1 + ps->nmore;
	s->info.col_kinds = ps->kinds;
	s->info.n_col_kinds = (size_t)n;

	free(sql);
	free(rel);
	free(relid);
	lt_buf_release(&cols);
	lt_buf_release(&from);
	s->impl = ps;
	return 0;

fail:
	PQclear(r);
	lt_err_set(err, LT_E_DB, ps->name, 0, "%s", msg);
	free(sql);
	free(rel);
	free(relid);
	lt_buf_release(&cols);
	lt_buf_release(&from);
	pg_stream_free(ps);
	s->impl = NULL;
	return -1;
}
