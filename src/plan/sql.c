/*
 * sql.c - Postgres sources in a plan (module: plan): the counts, in SQL,
 * and plan.sql.
 *
 * Place in the data flow: after the scan, beside build.c's file pass.  For
 * each table with governed columns, one connection, one transaction
 * (REPEATABLE READ, READ ONLY, search_path '', TimeZone = the policy's
 * zone), the catalog (column types, NOT NULL, primary key, pgcrypto), then
 * ONE scan of the table counting every action, violation and unreadable
 * date with count(*) FILTER (WHERE predicate).  The same predicates, with
 * the same `now` literal, become the statements of plan.sql, so each
 * statement touches exactly the rows counted -- unless the data changed,
 * which its guard catches.
 *
 * Predicates (t is the table's alias):
 *   age    COALESCE(t."c1"::timestamptz, t."c2"::timestamptz, ...) over the
 *          age_from columns present, in order; age_from {table}: the latest
 *          related row, (SELECT max(r."col")::timestamptz FROM "s"."rt" AS r
 *          WHERE r."key" = t."key")
 *   over   COALESCE((age + 'N unit'::interval) < 'NOW'::timestamptz, false)
 *          -- calendar arithmetic in the session TimeZone, as lt_time_add
 *   held   COALESCE(btrim(t."col"::text, ' ' || chr(9)) = ANY (ARRAY[...]),
 *          false), OR-ed over the holds that apply
 *   delete_rows    NOT held AND (over_1 OR over_2 ...)
 *   redact/hash/nullify  NOT held AND NOT (delete) AND over AND non-empty
 * A NULL age (no date) is never over: it is counted in unreadable_dates.
 *
 * plan.sql layout (what apply relies on):
 *   -- lethe:database URI            starts the part for one database
 *   BEGIN; SET LOCAL search_path = ''; SET LOCAL TimeZone = '...';
 *   -- lethe:action ID ...           one guarded DO block per action
 *   COMMIT;
 *   -- lethe:batch ID K/N            with --batch-rows: one transaction
 *   BEGIN; ...; COMMIT;              per batch, after the main one
 * Every statement sits in a DO block that compares GET DIAGNOSTICS
 * ROW_COUNT with the plan's count and RAISEs 'lethe: action N (rule R)
 * touched X rows, plan counted Y' otherwise: the transaction rolls back.
 * hash reads the key from current_setting('lethe.hash_key') (apply sets it
 * from LETHE_HASH_KEY; without it the statement fails); drop_column runs
 * only when lethe.allow_ddl is 'on' (apply --allow-ddl).
 *
 * Batches (--batch-rows N, for actions over N rows): by ranges of a
 * single-column primary key (N rows each, bounds read in the counting
 * transaction), or, for delete_rows on a table without one, by ctid page
 * ranges (deleting moves no tuple).  An UPDATE without such a key is not
 * batched (an updated row moves to a new ctid).  Resuming: batches commit
 * one by one, in file order; after a failure, the batches before the
 * failing one are done and must not run again (a second run would touch
 * no rows -- or hash twice -- and its guard would fail).  Run the file from
 * the failing batch's "-- lethe:batch" line on: apply records the last
 * committed batch in its receipt and resumes there.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "plan_int.h"

/* ---- per-job private state --------------------------------------------- */

struct pcol {
	char *name;
	char *type;      /* format_type() */
	char *typname;   /* pg_type.typname */
	char cat;        /* typcategory: 'S' string, 'D' date/time, ... */
	bool notnull;
	int maxlen;      /* varchar(n)/char(n): n; else -1 */
};

struct batch {
	char *range;     /* extra predicate */
	uint64_t rows;
};

struct pact {
	char *pred;      /* the action's WHERE predicate */
	char *set;       /* UPDATE ... SET "c" = set (NULL: delete, drop) */
	char *col_q;     /* quoted column */
	struct batch *b; /* with --batch-rows */
	size_t nb;
	char *note;      /* why not batched, or NULL */
};

struct priv {
	char *uri;       /* display URI (no password) */
	char *rel;       /* "schema"."table" */
	struct pact *a;  /* parallel to job->actions */
	size_t n;        /* entries in a (job->actions may be moved out) */
};

static char *display_uri(const char *name)
{
	const char *h = strrchr(name, '#');

	return h ? lt_xstrndup(name, (size_t)(h - name)) : lt_xstrdup(name);
}

/* ---- SQL text ---------------------------------------------------------- */

struct sb {
	struct lt_buf b;
};

static void sb_printf(struct lt_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct lt_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "lethe: out of memory\n");
		abort();
	}
	lt_buf_append(b, s, (size_t)n);
	free(s);
}

static char *buf_take(struct lt_buf *b)
{
	char *s = lt_xstrndup(b->data ? b->data : "", b->len);

	lt_buf_release(b);
	return s;
}

/* A string literal without a connection, as PQescapeLiteral writes it. */
static char *lit(const char *s)
{
	struct lt_buf b;
	bool bs = strchr(s, '\\') != NULL;

	lt_buf_init(&b, 0);
	if (bs)
		lt_buf_append(&b, " E'", 3);
	else
		lt_buf_putc(&b, '\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			lt_buf_putc(&b, *s);
		lt_buf_putc(&b, *s);
	}
	lt_buf_putc(&b, '\'');
	return buf_take(&b);
}

static char *qlit(PGconn *c, const char *s)
{
	char *q = PQescapeLiteral(c, s, strlen(s));
	char *r;

	if (!q)
		return lit(s);
	r = lt_xstrdup(q);
	PQfreemem(q);
	return r;
}

static char *qid(PGconn *c, const char *s)
{
	char *q = PQescapeIdentifier(c, s, strlen(s));
	char *r;

	if (!q) {
		struct lt_buf b;

		lt_buf_init(&b, 0);
		lt_buf_putc(&b, '"');
		for (; *s; s++) {
			if (*s == '"')
				lt_buf_putc(&b, '"');
			lt_buf_putc(&b, *s);
		}
		lt_buf_putc(&b, '"');
		return buf_take(&b);
	}
	r = lt_xstrdup(q);
	PQfreemem(q);
	return r;
}

char *lt_plan_pg_timezone(const char *zone)
{
	int sign, hh = 0, mm = 0;
	const char *p;

	if (!strcmp(zone, "UTC") || !strcmp(zone, "Z") || !strcmp(zone, "GMT") ||
	    !strcmp(zone, "Etc/UTC") || !strcmp(zone, "Etc/GMT"))
		return lt_xstrdup("UTC");
	if (zone[0] != '+' && zone[0] != '-')
		return lt_xstrdup(zone);
	/* "+08:00", "-0530", "+09" (lt_tz_load checked the shape): POSIX
	 * offsets count west, so the sign flips */
	sign = zone[0] == '+' ? 1 : -1;
	p = zone + 1;
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])) {
		hh = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]))
			mm = (p[0] - '0') * 10 + (p[1] - '0');
	}
	return lt_xasprintf("<%c%02d%02d>%c%02d:%02d", sign > 0 ? '+' : '-', hh, mm,
			    sign > 0 ? '-' : '+', hh, mm);
}

static const char *unit_word(enum lt_unit u)
{
	return u == LT_UNIT_DAYS ? "days" : u == LT_UNIT_MONTHS ? "months" : "years";
}

/* ---- connection ---------------------------------------------------------------- */

/* msg without the connection's password (both spellings libpq knows). */
static void scrub(char *msg, const char *conninfo)
{
	PQconninfoOption *o = PQconninfoParse(conninfo, NULL), *x;
	const char *env = getenv("PGPASSWORD");
	const char *pw[3] = { NULL, NULL, env };
	char *nl;
	size_t i;

	for (x = o; x && x->keyword; x++)
		if (x->val && !strcmp(x->keyword, "password"))
			pw[0] = x->val;
		else if (x->val && !strcmp(x->keyword, "sslpassword"))
			pw[1] = x->val;
	for (i = 0; i < 3; i++)
		lt_scrub(msg, pw[i]);
	PQconninfoFree(o);
	nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
}

struct conn {
	PGconn *c;
	const char *conninfo;
	char msg[512];    /* the last error, scrubbed */
};

static void set_msg(struct conn *k, PGresult *r)
{
	const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (!m || !*m)
		m = PQerrorMessage(k->c);
	snprintf(k->msg, sizeof k->msg, "%s", m && *m ? m : "unknown error");
	scrub(k->msg, k->conninfo);
}

static PGresult *q(struct conn *k, const char *sql, int np,
		   const char *const *params, ExecStatusType want)
{
	PGresult *r = np ? PQexecParams(k->c, sql, np, NULL, params, NULL, NULL, 0)
			 : PQexec(k->c, sql);

	if (r && PQresultStatus(r) == want)
		return r;
	set_msg(k, r);
	PQclear(r);
	return NULL;
}

static int q_ok(struct conn *k, const char *sql, int np,
		const char *const *params, ExecStatusType want)
{
	PGresult *r = q(k, sql, np, params, want);

	PQclear(r);
	return r ? 0 : -1;
}

static const char cols_sql[] =
	"SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),"
	" ty.typname, ty.typcategory, a.attnotnull,"
	" CASE WHEN ty.typname IN ('varchar', 'bpchar') AND a.atttypmod > 4"
	"  THEN a.atttypmod - 4 ELSE -1 END"
	" FROM pg_catalog.pg_attribute a"
	" JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid"
	" WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0"
	"  AND NOT a.attisdropped ORDER BY a.attnum";

static int load_cols(struct conn *k, const char *rel, struct pcol **out,
		     size_t *n)
{
	const char *params[1] = { rel };
	PGresult *r = q(k, cols_sql, 1, params, PGRES_TUPLES_OK);
	int i;

	*out = NULL;
	*n = 0;
	if (!r)
		return -1;
	*out = lt_xcalloc((size_t)PQntuples(r) + 1, sizeof **out);
	for (i = 0; i < PQntuples(r); i++) {
		struct pcol *c = &(*out)[(*n)++];

		c->name = lt_xstrdup(PQgetvalue(r, i, 0));
		c->type = lt_xstrdup(PQgetvalue(r, i, 1));
		c->typname = lt_xstrdup(PQgetvalue(r, i, 2));
		c->cat = PQgetvalue(r, i, 3)[0];
		c->notnull = PQgetvalue(r, i, 4)[0] == 't';
		c->maxlen = atoi(PQgetvalue(r, i, 5));
	}
	PQclear(r);
	return 0;
}

static void free_cols(struct pcol *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].type);
		free(c[i].typname);
	}
	free(c);
}

/* Column names compare exactly first, then case-insensitively (a policy
 * names columns case-insensitively). */
static const struct pcol *find_pcol(const struct pcol *c, size_t n,
				    const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return &c[i];
	for (i = 0; i < n; i++)
		if (lt_plan_name_eq(c[i].name, strlen(c[i].name), name))
			return &c[i];
	return NULL;
}

static bool is_datetime(const struct pcol *c)
{
	return !strcmp(c->typname, "date") || !strcmp(c->typname, "timestamp") ||
	       !strcmp(c->typname, "timestamptz");
}

/* "schema.table" -> "schema"."table" */
static char *rel_of(PGconn *c, const char *st)
{
	const char *dot = strchr(st, '.');
	char *s, *t, *r, *sch;

	if (!dot)
		return qid(c, st);
	sch = lt_xstrndup(st, (size_t)(dot - st));
	s = qid(c, sch);
	t = qid(c, dot + 1);
	r = lt_xasprintf("%s.%s", s, t);
	free(sch);
	free(s);
	free(t);
	return r;
}

/* ---- the job -------------------------------------------------------------------- */

struct rcond {           /* one rule's condition in this table */
	bool done, ok;
	char *age;            /* age expression */
	char *over;           /* over predicate */
	char *ucol;           /* column unreadable dates are reported under */
	struct lt_plan_cond cond;
};

static void refuse_gov(struct plan_pg_job *j, bool *refused, size_t i,
		       const char *reason)
{
	if (refused[i])
		return;
	refused[i] = true;
	lt_plan_push_refusal(&j->ref, &j->n_ref, j->src->name, j->gov[i].column,
			     j->gov[i].rule->id, "%s", reason);
}

static void refuse_rule(struct plan_pg_job *j, bool *refused,
			const struct lt_rule *rule, const char *reason)
{
	size_t i;

	for (i = 0; i < j->n_gov; i++)
		if (j->gov[i].rule == rule)
			refuse_gov(j, refused, i, reason);
}

/* Works out rule's condition in this table; refuses the rule when it
 * cannot be read in SQL. */
static void make_cond(struct plan_pg_job *j, struct conn *k, const struct pcol *cols,
		      size_t ncols, const struct lt_rule *rule, struct rcond *rc,
		      bool *refused, const char *now_lit)
{
	struct lt_buf b;
	char reason[700];
	size_t i;

	rc->done = true;
	lt_buf_init(&b, 0);
	memset(&rc->cond, 0, sizeof rc->cond);
	rc->cond.rule = lt_xstrdup(rule->id);
	rc->cond.retain = rule->retain;
	rc->cond.date_format = rule->date_format;
	rc->cond.cutoff = lt_age_cutoff(rule->retain, j->tz, j->now);
	rc->cond.age_column_indexes = lt_xcalloc(rule->age_columns.n + 1, sizeof(long));
	if (rule->age_from == LT_AGE_FROM_COLUMNS) {
		for (i = 0; i < rule->age_columns.n; i++) {
			const struct pcol *c = find_pcol(cols, ncols, rule->age_columns.v[i]);
			char *cq;

			if (!c)
				continue;
			if (!is_datetime(c)) {
				snprintf(reason, sizeof reason, "age column '%s' has type "
					 "%s: SQL reads only date and timestamp columns",
					 c->name, c->type);
				refuse_rule(j, refused, rule, reason);
				lt_buf_release(&b);
				return;
			}
			cq = qid(k->c, c->name);
			sb_printf(&b, "%st.%s::pg_catalog.timestamptz",
				  rc->cond.age_columns.n ? ", " : "", cq);
			free(cq);
			rc->cond.age_column_indexes[rc->cond.age_columns.n] = -1;
			lt_strlist_push(&rc->cond.age_columns, c->name);
		}
		if (!rc->cond.age_columns.n) {
			struct lt_buf nb;

			lt_buf_init(&nb, 0);
			for (i = 0; i < rule->age_columns.n; i++)
				sb_printf(&nb, "%s%s", i ? ", " : "", rule->age_columns.v[i]);
			snprintf(reason, sizeof reason, "none of its age_from columns "
				 "(%s) is in the table", nb.data ? nb.data : "");
			lt_buf_release(&nb);
			refuse_rule(j, refused, rule, reason);
			lt_buf_release(&b);
			return;
		}
		rc->age = lt_xasprintf("COALESCE(%s)", b.data);
		rc->ucol = lt_xstrdup(rc->cond.age_columns.v[0]);
	} else if (rule->age_from == LT_AGE_FROM_TABLE) {
		struct pcol *rcols = NULL;
		size_t nr = 0;
		const struct pcol *rcol, *rkey, *key;
		char *rrel = rel_of(k->c, rule->ref_table);

		if (load_cols(k, rrel, &rcols, &nr) < 0 || nr == 0) {
			snprintf(reason, sizeof reason, "age_from table %s: %s",
				 rule->ref_table, nr ? k->msg : "no such table");
			refuse_rule(j, refused, rule, reason);
			free(rrel);
			free_cols(rcols, nr);
			lt_buf_release(&b);
			return;
		}
		rcol = find_pcol(rcols, nr, rule->ref_column);
		rkey = find_pcol(rcols, nr, rule->ref_key);
		key = find_pcol(cols, ncols, rule->ref_key);
		if (!rcol || !rkey || !key || !is_datetime(rcol)) {
			snprintf(reason, sizeof reason, "age_from table %s: %s",
				 rule->ref_table,
				 !rcol ? "no such date column" : !rkey ? "no such key column there"
				 : !key ? "the key column is not in this table"
				 : "its date column is not a date or timestamp");
			refuse_rule(j, refused, rule, reason);
		} else {
			char *cq = qid(k->c, rcol->name), *rk = qid(k->c, rkey->name),
			     *tk = qid(k->c, key->name);

			rc->age = lt_xasprintf("(SELECT pg_catalog.max(r.%s)::pg_catalog.timestamptz"
					       " FROM %s AS r WHERE r.%s = t.%s)",
					       cq, rrel, rk, tk);
			free(cq);
			free(rk);
			free(tk);
			rc->cond.ref_table = lt_xstrdup(rule->ref_table);
			rc->cond.ref_column = lt_xstrdup(rcol->name);
			rc->cond.ref_key = lt_xstrdup(rkey->name);
			rc->ucol = lt_xstrdup(rcol->name);
		}
		free(rrel);
		free_cols(rcols, nr);
		if (!rc->age) {
			lt_buf_release(&b);
			return;
		}
	} else {
		refuse_rule(j, refused, rule, rule->age_from == LT_AGE_FROM_FILE
			    ? "age_from names a file: a table needs age_from: {table: ...}"
			    : "retain without age_from");
		lt_buf_release(&b);
		return;
	}
	lt_buf_release(&b);
	rc->over = lt_xasprintf("COALESCE((%s + '%u %s'::pg_catalog.interval) < %s, false)",
				rc->age, rule->retain.n, unit_word(rule->retain.unit),
				now_lit);
	rc->ok = true;
}

static void rcond_free(struct rcond *rc)
{
	free(rc->age);
	free(rc->over);
	free(rc->ucol);
	if (rc->done)
		lt_plan_cond_clear(&rc->cond);
}

/* The SET expression of a redaction: lt_redact (rows.c), in SQL. */
static char *redact_expr(const char *cq, enum lt_keep keep, char mask)
{
	char m[2] = { mask, 0 };
	char *ml = lit(m), *r;

	switch (keep) {
	case LT_KEEP_LAST4:
		r = lt_xasprintf("pg_catalog.repeat(%s, pg_catalog.length(t.%s) - 4)"
				 " || pg_catalog.right(t.%s, 4)", ml, cq, cq);
		break;
	case LT_KEEP_FIRST6:
		r = lt_xasprintf("pg_catalog.left(t.%s, 6) || pg_catalog.repeat(%s,"
				 " pg_catalog.length(t.%s) - 6)", cq, ml, cq);
		break;
	case LT_KEEP_DOMAIN:
		r = lt_xasprintf("CASE WHEN pg_catalog.strpos(t.%s, '@') > 0 THEN"
				 " pg_catalog.repeat(%s, pg_catalog.length(t.%s) -"
				 " pg_catalog.strpos(pg_catalog.reverse(t.%s), '@'))"
				 " || pg_catalog.right(t.%s, pg_catalog.strpos("
				 "pg_catalog.reverse(t.%s), '@'))"
				 " ELSE pg_catalog.repeat(%s, pg_catalog.length(t.%s)) END",
				 cq, ml, cq, cq, cq, cq, ml, cq);
		break;
	default:
		r = lt_xasprintf("pg_catalog.repeat(%s, pg_catalog.length(t.%s))", ml, cq);
		break;
	}
	free(ml);
	return r;
}

static char *nonempty(const char *cq, const struct pcol *c)
{
	if (c->cat == 'S')
		return lt_xasprintf("(t.%s IS NOT NULL AND t.%s::pg_catalog.text <> '')",
				    cq, cq);
	return lt_xasprintf("t.%s IS NOT NULL", cq);
}

/* "A AND B AND C" of the non-NULL parts. */
static char *and_of(const char *a, const char *b, const char *c, const char *d)
{
	const char *v[4] = { a, b, c, d };
	struct lt_buf s;
	int i, n = 0;

	lt_buf_init(&s, 0);
	for (i = 0; i < 4; i++) {
		if (!v[i])
			continue;
		sb_printf(&s, "%s%s", n++ ? " AND " : "", v[i]);
	}
	if (!n)
		sb_printf(&s, "true");
	return buf_take(&s);
}

static void push_cell(struct plan_pg_job *j, struct priv *pv)
{
	j->actions = lt_xreallocarray(j->actions, j->n_actions + 1, sizeof *j->actions);
	pv->a = lt_xreallocarray(pv->a, j->n_actions + 1, sizeof *pv->a);
	memset(&j->actions[j->n_actions], 0, sizeof *j->actions);
	memset(&pv->a[j->n_actions], 0, sizeof *pv->a);
	j->n_actions++;
	pv->n = j->n_actions;
}

static void batches(struct plan_pg_job *j, struct conn *k, struct priv *pv,
		    size_t ai, const struct pcol *pk, const char *pkq)
{
	struct lt_plan_action *a = &j->actions[ai];
	struct pact *pa = &pv->a[ai];
	uint64_t n = j->batch_rows, done = 0;
	char *sql;
	PGresult *r;
	int i;

	if (pk) {
		sql = lt_xasprintf("SELECT b FROM (SELECT t.%s::pg_catalog.text AS b,"
				   " pg_catalog.row_number() OVER (ORDER BY t.%s) AS rn"
				   " FROM %s AS t WHERE %s) s WHERE rn %% %" PRIu64 " = 0"
				   " ORDER BY rn", pkq, pkq, pv->rel, pa->pred, n);
		r = q(k, sql, 0, NULL, PGRES_TUPLES_OK);
		free(sql);
		if (!r) {
			pa->note = lt_xasprintf("not batched: %s", k->msg);
			return;
		}
		pa->b = lt_xcalloc((size_t)PQntuples(r) + 2, sizeof *pa->b);
		for (i = 0; i <= PQntuples(r); i++) {
			char *lo = i ? qlit(k->c, PQgetvalue(r, i - 1, 0)) : NULL;
			char *hi = i < PQntuples(r) ? qlit(k->c, PQgetvalue(r, i, 0)) : NULL;
			uint64_t rows = hi ? n : a->rows - done;

			if (rows == 0) {
				free(lo);
				break;
			}
			if (lo && hi)
				pa->b[pa->nb].range = lt_xasprintf(
					"t.%s > %s::%s AND t.%s <= %s::%s", pkq, lo,
					pk->type, pkq, hi, pk->type);
			else if (hi)
				pa->b[pa->nb].range = lt_xasprintf("t.%s <= %s::%s",
								   pkq, hi, pk->type);
			else
				pa->b[pa->nb].range = lt_xasprintf("t.%s > %s::%s",
								   pkq, lo, pk->type);
			pa->b[pa->nb++].rows = rows;
			done += rows;
			free(lo);
			free(hi);
		}
		PQclear(r);
		return;
	}
	if (a->action != LT_ACT_DELETE_ROWS) {
		pa->note = lt_xstrdup("not batched: the table has no single-column "
				      "primary key, and an UPDATE moves rows to new "
				      "ctids");
		return;
	}
	sql = lt_xasprintf("SELECT (t.ctid::pg_catalog.text::pg_catalog.point)[0]"
			   "::pg_catalog.int8, pg_catalog.count(*) FROM %s AS t"
			   " WHERE %s GROUP BY 1 ORDER BY 1", pv->rel, pa->pred);
	r = q(k, sql, 0, NULL, PGRES_TUPLES_OK);
	free(sql);
	if (!r) {
		pa->note = lt_xasprintf("not batched: %s", k->msg);
		return;
	}
	pa->b = lt_xcalloc((size_t)PQntuples(r) + 1, sizeof *pa->b);
	{
		int64_t start = -1;
		uint64_t acc = 0;

		for (i = 0; i < PQntuples(r); i++) {
			int64_t page = strtoll(PQgetvalue(r, i, 0), NULL, 10);

			if (start < 0)
				start = page;
			acc += strtoull(PQgetvalue(r, i, 1), NULL, 10);
			if (acc >= n || i + 1 == PQntuples(r)) {
				pa->b[pa->nb].range = lt_xasprintf(
					"t.ctid >= '(%" PRId64 ",0)'::pg_catalog.tid AND "
					"t.ctid < '(%" PRId64 ",0)'::pg_catalog.tid",
					start, page + 1);
				pa->b[pa->nb++].rows = acc;
				acc = 0;
				start = -1;
			}
		}
	}
	PQclear(r);
}

void lt_plan_pg_job(struct plan_pg_job *j)
{
	const struct lt_policy *pol = j->policy;
	struct lt_match_ctx mc = { .source = j->src->name, .table = j->src->table,
				   .kind = "postgres" };
	const char *kw[] = { "dbname", "connect_timeout", "application_name",
			     "client_encoding", NULL };
	const char *val[] = { j->src->conninfo, "10", "lethe", "UTF8", NULL };
	struct priv *pv = lt_xcalloc(1, sizeof *pv);
	struct conn k = { .conninfo = j->src->conninfo };
	struct pcol *cols = NULL;
	size_t ncols = 0, i, h, n_del = 0;
	struct rcond *rc = lt_xcalloc(pol->n_rules + 1, sizeof *rc);
	bool *refused = lt_xcalloc(j->n_gov + 1, sizeof *refused);
	bool *cell = lt_xcalloc(j->n_gov + 1, sizeof *cell);
	const struct lt_rule **del = NULL;
	struct lt_plan_hold *holds = NULL;
	size_t n_holds = 0;
	char *held = NULL, *delp = NULL, *now_lit, *tzs, *pgcrypto = NULL;
	const struct pcol *pk = NULL;
	char *pkq = NULL;
	char nowb[40];
	struct lt_buf qb;
	PGresult *r;
	int col;

	j->priv = pv;
	pv->uri = display_uri(j->src->name);
	now_lit = lt_xasprintf("'%s'::pg_catalog.timestamptz",
			       lt_plan_fmt_ms(j->now, nowb, sizeof nowb));
	tzs = lt_plan_pg_timezone(lt_tz_name(j->tz));
	lt_buf_init(&qb, 0);

	k.c = PQconnectdbParams(kw, val, 1);
	if (!k.c || PQstatus(k.c) != CONNECTION_OK) {
		if (k.c)
			set_msg(&k, NULL);
		else
			snprintf(k.msg, sizeof k.msg, "out of memory");
		goto fail;
	}
	{
		char tmo[24];
		const char *params[1] = { tzs }, *tparams[1] = { tmo };

		snprintf(tmo, sizeof tmo, "%d", j->statement_timeout_ms);
		if (q_ok(&k, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
			 NULL, PGRES_COMMAND_OK) < 0 ||
		    q_ok(&k, "SELECT pg_catalog.set_config('search_path', '', true)",
			 0, NULL, PGRES_TUPLES_OK) < 0 ||
		    q_ok(&k, "SELECT pg_catalog.set_config('TimeZone', $1, true)",
			 1, params, PGRES_TUPLES_OK) < 0 ||
		    q_ok(&k, "SELECT pg_catalog.set_config('statement_timeout', $1, true)",
			 1, tparams, PGRES_TUPLES_OK) < 0)
			goto fail;
	}
	pv->rel = lt_xasprintf("%s.%s", j->src->schema_q, j->src->table_q);
	if (load_cols(&k, pv->rel, &cols, &ncols) < 0)
		goto fail;
	if (ncols == 0) {
		snprintf(k.msg, sizeof k.msg, "the table is gone");
		goto fail;
	}
	r = q(&k, "SELECT a.attname FROM pg_catalog.pg_index i"
		  " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid"
		  "  AND a.attnum = i.indkey[0]"
		  " WHERE i.indrelid = pg_catalog.to_regclass($1) AND i.indisprimary"
		  "  AND i.indnatts = 1", 1, (const char *const[]){ pv->rel },
	      PGRES_TUPLES_OK);
	if (!r)
		goto fail;
	if (PQntuples(r) == 1) {
		pk = find_pcol(cols, ncols, PQgetvalue(r, 0, 0));
		if (pk)
			pkq = qid(k.c, pk->name);
	}
	PQclear(r);
	r = q(&k, "SELECT n.nspname FROM pg_catalog.pg_extension e"
		  " JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
		  " WHERE e.extname = 'pgcrypto'", 0, NULL, PGRES_TUPLES_OK);
	if (!r)
		goto fail;
	if (PQntuples(r) == 1)
		pgcrypto = qid(k.c, PQgetvalue(r, 0, 0));
	PQclear(r);

	/* holds that apply to this table */
	{
		struct lt_buf hb;

		lt_buf_init(&hb, 0);
		for (h = 0; h < pol->n_holds; h++) {
			const struct lt_hold *hd = &pol->holds[h];
			const struct pcol *hc;
			char *cq;
			size_t x;

			if (!lt_hold_applies(hd, &mc))
				continue;
			hc = find_pcol(cols, ncols, hd->column);
			if (!hc) {
				char reason[300];

				snprintf(reason, sizeof reason, "hold %s: its column '%s' "
					 "is not in the table, so its rows cannot be "
					 "told apart", hd->id, hd->column);
				for (i = 0; i < j->n_gov; i++)
					refuse_gov(j, refused, i, reason);
				lt_buf_release(&hb);
				goto count;
			}
			holds = lt_xreallocarray(holds, n_holds + 1, sizeof *holds);
			memset(&holds[n_holds], 0, sizeof *holds);
			holds[n_holds].id = lt_xstrdup(hd->id);
			holds[n_holds].column = lt_xstrdup(hc->name);
			holds[n_holds].column_index = -1;
			lt_strlist_copy(&holds[n_holds].keys, &hd->keys);
			cq = qid(k.c, hc->name);
			sb_printf(&hb, "%sCOALESCE(pg_catalog.btrim(t.%s::pg_catalog.text,"
				  " ' ' || pg_catalog.chr(9)) = ANY (ARRAY[",
				  n_holds ? " OR " : "", cq);
			for (x = 0; x < hd->keys.n; x++) {
				char *l = qlit(k.c, hd->keys.v[x]);

				sb_printf(&hb, "%s%s", x ? ", " : "", l);
				free(l);
			}
			sb_printf(&hb, "]::pg_catalog.text[]), false)");
			free(cq);
			n_holds++;
		}
		if (n_holds)
			held = lt_xasprintf("NOT (%s)", hb.data);
		lt_buf_release(&hb);
	}

	/* conditions, and what the catalog forbids */
	for (i = 0; i < j->n_gov; i++) {
		const struct lt_rule *rule = j->gov[i].rule;
		size_t ri = (size_t)(rule - pol->rules);
		const struct pcol *c = find_pcol(cols, ncols, j->gov[i].column);
		char reason[300];

		if (refused[i])
			continue;
		if (!c) {
			refuse_gov(j, refused, i, "the column is gone from the table");
			continue;
		}
		if (rule->retain.n && !rc[ri].done)
			make_cond(j, &k, cols, ncols, rule, &rc[ri], refused, now_lit);
		if (refused[i])
			continue;
		reason[0] = '\0';
		switch (rule->action) {
		case LT_ACT_NULLIFY:
			if (c->notnull)
				snprintf(reason, sizeof reason, "nullify on a NOT NULL column");
			break;
		case LT_ACT_HASH:
			if (c->cat != 'S')
				snprintf(reason, sizeof reason, "hash writes 64 hex characters: "
					 "the column has type %s", c->type);
			else if (c->maxlen >= 0 && c->maxlen < 64)
				snprintf(reason, sizeof reason, "hash into a column too short "
					 "for its output (%s, 64 characters needed)", c->type);
			break;
		case LT_ACT_REDACT:
			if (c->cat != 'S')
				snprintf(reason, sizeof reason, "redact writes text: the column "
					 "has type %s", c->type);
			break;
		case LT_ACT_DROP_COLUMN:
			if (n_holds)
				snprintf(reason, sizeof reason, "drop_column would remove the "
					 "column from rows a hold (%s) exempts", holds[0].id);
			break;
		default:
			break;
		}
		if (reason[0])
			refuse_gov(j, refused, i, reason);
	}

	lt_plan_pick(pol, j->gov, j->n_gov, refused, j->src->name, &del, &n_del,
		     cell, &j->ref, &j->n_ref);

	/* the actions and their predicates */
	if (n_del) {
		struct lt_plan_action *a;
		struct lt_buf db;
		bool every = false;

		lt_buf_init(&db, 0);
		push_cell(j, pv);
		a = &j->actions[j->n_actions - 1];
		a->action = LT_ACT_DELETE_ROWS;
		for (i = 0; i < n_del; i++) {
			const struct rcond *c = &rc[del[i] - pol->rules];

			lt_strlist_push(&a->rules, del[i]->id);
			if (del[i]->retain.n == 0) {
				every = true;
				continue;
			}
			sb_printf(&db, "%s%s", db.len ? " OR " : "", c->over);
			a->conds = lt_xreallocarray(a->conds, a->n_conds + 1, sizeof *a->conds);
			lt_plan_cond_copy(&a->conds[a->n_conds++], &c->cond);
		}
		if (every) {
			for (i = 0; i < a->n_conds; i++)
				lt_plan_cond_clear(&a->conds[i]);
			free(a->conds);
			a->conds = NULL;
			a->n_conds = 0;
			delp = lt_xstrdup("true");
		} else {
			delp = lt_xasprintf("(%s)", db.data);
		}
		lt_buf_release(&db);
		a->rule = lt_xstrdup(del[0]->id);
		pv->a[j->n_actions - 1].pred = and_of(held, delp, NULL, NULL);
	}
	for (i = 0; i < j->n_gov; i++) {
		const struct lt_rule *rule = j->gov[i].rule;
		const struct pcol *c;
		struct lt_plan_action *a;
		struct pact *pa;
		char *cq, *ne, *notdel = NULL;

		if (!cell[i])
			continue;
		c = find_pcol(cols, ncols, j->gov[i].column);
		push_cell(j, pv);
		a = &j->actions[j->n_actions - 1];
		pa = &pv->a[j->n_actions - 1];
		a->action = rule->action;
		a->column = lt_xstrdup(j->gov[i].column);
		a->rule = lt_xstrdup(rule->id);
		a->keep = rule->keep;
		a->mask = rule->mask ? rule->mask : '*';
		cq = qid(k.c, c->name);
		pa->col_q = cq;
		ne = nonempty(cq, c);
		if (delp)
			notdel = lt_xasprintf("NOT %s", delp);
		if (rule->retain.n) {
			const struct rcond *x = &rc[rule - pol->rules];

			a->conds = lt_xcalloc(1, sizeof *a->conds);
			lt_plan_cond_copy(&a->conds[0], &x->cond);
			a->n_conds = 1;
			pa->pred = and_of(held, notdel, x->over, ne);
		} else {
			pa->pred = and_of(held, notdel, NULL, ne);
		}
		switch (rule->action) {
		case LT_ACT_REDACT:
			pa->set = redact_expr(cq, a->keep, a->mask);
			break;
		case LT_ACT_HASH:
			if (pgcrypto)
				pa->set = lt_xasprintf("pg_catalog.encode(%s.hmac(t.%s::pg_catalog.text,"
						       " pg_catalog.current_setting('lethe.hash_key'),"
						       " 'sha256'), 'hex')", pgcrypto, cq);
			else
				a->hash_client_side = true;
			break;
		case LT_ACT_NULLIFY:
			pa->set = lt_xstrdup("NULL");
			break;
		case LT_ACT_DROP_COLUMN:
			a->needs_ddl = true;
			free(pa->pred);
			pa->pred = lt_xstrdup("true");
			break;
		default:
			break;
		}
		free(ne);
		free(notdel);
	}
	for (i = 0; i < j->n_actions; i++) {
		struct lt_plan_action *a = &j->actions[i];

		a->kind = LT_PLAN_POSTGRES;
		a->source = lt_xstrdup(j->src->name);
		a->uri = lt_xstrdup(pv->uri);
		a->table = lt_xstrdup(j->src->table);
		a->column_index = -1;
		a->where = lt_xstrdup(pv->a[i].pred);
		if (n_holds) {
			a->holds = lt_xcalloc(n_holds, sizeof *a->holds);
			for (h = 0; h < n_holds; h++) {
				a->holds[h].id = lt_xstrdup(holds[h].id);
				a->holds[h].column = lt_xstrdup(holds[h].column);
				a->holds[h].column_index = -1;
				lt_strlist_copy(&a->holds[h].keys, &holds[h].keys);
			}
			a->n_holds = n_holds;
		}
	}

count:
	/* one scan counts everything */
	sb_printf(&qb, "SELECT pg_catalog.count(*)");
	for (i = 0; i < j->n_actions; i++) {
		sb_printf(&qb, ", pg_catalog.count(*) FILTER (WHERE %s)", pv->a[i].pred);
		if (j->actions[i].action == LT_ACT_DROP_COLUMN) {
			const struct pcol *c = find_pcol(cols, ncols, j->actions[i].column);
			char *ne = nonempty(pv->a[i].col_q, c);

			sb_printf(&qb, ", pg_catalog.count(*) FILTER (WHERE %s)", ne);
			free(ne);
		}
	}
	for (i = 0; i < j->n_gov; i++) {
		const struct lt_rule *rule = j->gov[i].rule;
		const struct pcol *c = find_pcol(cols, ncols, j->gov[i].column);
		const struct rcond *x = &rc[rule - pol->rules];
		char *cq, *ne, *p;

		if (refused[i] || !c)
			continue;
		cq = qid(k.c, c->name);
		ne = nonempty(cq, c);
		p = and_of(held, rule->retain.n ? x->over : NULL, ne, NULL);
		sb_printf(&qb, ", pg_catalog.count(*) FILTER (WHERE %s)", p);
		if (rule->retain.n)
			sb_printf(&qb, ", pg_catalog.to_char(pg_catalog.min(%s) FILTER"
				  " (WHERE %s), 'YYYY-MM-DD')", x->age, p);
		else
			sb_printf(&qb, ", NULL");
		free(cq);
		free(ne);
		free(p);
	}
	/* unreadable dates: per column reported, a row counts once */
	for (i = 0; i < pol->n_rules; i++) {
		size_t x;
		bool first = true;

		if (!rc[i].ok)
			continue;
		for (x = 0; x < i; x++)
			if (rc[x].ok && !strcmp(rc[x].ucol, rc[i].ucol))
				break;
		if (x < i)
			continue; /* this column is already counted */
		sb_printf(&qb, ", pg_catalog.count(*) FILTER (WHERE %s%s(",
			  held ? held : "", held ? " AND " : "");
		for (x = i; x < pol->n_rules; x++)
			if (rc[x].ok && !strcmp(rc[x].ucol, rc[i].ucol)) {
				sb_printf(&qb, "%s(%s) IS NULL", first ? "" : " OR ",
					  rc[x].age);
				first = false;
			}
		sb_printf(&qb, "))");
	}
	sb_printf(&qb, " FROM %s AS t", pv->rel);
	r = q(&k, qb.data, 0, NULL, PGRES_TUPLES_OK);
	if (!r)
		goto fail;
	col = 1;
	for (i = 0; i < j->n_actions; i++) {
		struct lt_plan_action *a = &j->actions[i];

		a->rows = strtoull(PQgetvalue(r, 0, col++), NULL, 10);
		if (a->action == LT_ACT_DROP_COLUMN)
			a->cells = strtoull(PQgetvalue(r, 0, col++), NULL, 10);
		else if (a->action != LT_ACT_DELETE_ROWS)
			a->cells = a->rows;
	}
	for (i = 0; i < j->n_gov; i++) {
		const struct pcol *c = find_pcol(cols, ncols, j->gov[i].column);
		uint64_t rows;
		const char *old;

		if (refused[i] || !c)
			continue;
		rows = strtoull(PQgetvalue(r, 0, col++), NULL, 10);
		old = PQgetisnull(r, 0, col) ? "" : PQgetvalue(r, 0, col);
		col++;
		if (rows) {
			struct lt_plan_violation *v;

			v = lt_plan_push_violation(&j->viol, &j->n_viol,
						   j->src->name, &j->gov[i], rows);
			snprintf(v->oldest, sizeof v->oldest, "%s", old);
		}
	}
	for (i = 0; i < pol->n_rules; i++) {
		uint64_t rows;
		size_t x;

		if (!rc[i].ok)
			continue;
		for (x = 0; x < i; x++)
			if (rc[x].ok && !strcmp(rc[x].ucol, rc[i].ucol))
				break;
		if (x < i)
			continue;
		rows = strtoull(PQgetvalue(r, 0, col++), NULL, 10);
		if (!rows)
			continue;
		j->unr = lt_xreallocarray(j->unr, j->n_unr + 1, sizeof *j->unr);
		j->unr[j->n_unr].source = lt_xstrdup(j->src->name);
		j->unr[j->n_unr].column = lt_xstrdup(rc[i].ucol);
		j->unr[j->n_unr].rows = rows;
		j->n_unr++;
	}
	PQclear(r);

	/* actions that change nothing are left out */
	for (i = 0; i < j->n_actions;) {
		if (j->actions[i].rows == 0) {
			struct pact *pa = &pv->a[i];

			lt_plan_action_clear(&j->actions[i]);
			free(pa->pred);
			free(pa->set);
			free(pa->col_q);
			memmove(&j->actions[i], &j->actions[i + 1],
				(j->n_actions - i - 1) * sizeof *j->actions);
			memmove(&pv->a[i], &pv->a[i + 1],
				(j->n_actions - i - 1) * sizeof *pv->a);
			j->n_actions--;
			pv->n = j->n_actions;
		} else {
			i++;
		}
	}
	if (j->batch_rows)
		for (i = 0; i < j->n_actions; i++)
			if (j->actions[i].rows > j->batch_rows &&
			    j->actions[i].action != LT_ACT_DROP_COLUMN &&
			    !j->actions[i].hash_client_side)
				batches(j, &k, pv, i, pk, pkq);
	q_ok(&k, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK);
	goto out;

fail:
	j->error = lt_xstrdup(k.msg);
	for (i = 0; i < j->n_actions; i++) {
		lt_plan_action_clear(&j->actions[i]);
		free(pv->a[i].pred);
		free(pv->a[i].set);
		free(pv->a[i].col_q);
	}
	j->n_actions = 0;
	pv->n = 0;
	for (i = 0; i < j->n_gov; i++)
		refuse_gov(j, refused, i, "the table could not be read");
out:
	if (k.c)
		PQfinish(k.c);
	for (i = 0; i < pol->n_rules; i++)
		rcond_free(&rc[i]);
	free(rc);
	free(refused);
	free(cell);
	free(del);
	for (h = 0; h < n_holds; h++) {
		free(holds[h].id);
		free(holds[h].column);
		lt_strlist_free(&holds[h].keys);
	}
	free(holds);
	free_cols(cols, ncols);
	free(held);
	free(delp);
	free(now_lit);
	free(tzs);
	free(pgcrypto);
	free(pkq);
	lt_buf_release(&qb);
}

void lt_plan_pg_job_release(struct plan_pg_job *j)
{
	struct priv *pv = j->priv;
	size_t i, b;

	if (!pv)
		return;
	for (i = 0; i < pv->n; i++) {
		free(pv->a[i].pred);
		free(pv->a[i].set);
		free(pv->a[i].col_q);
		for (b = 0; b < pv->a[i].nb; b++)
			free(pv->a[i].b[b].range);
		free(pv->a[i].b);
		free(pv->a[i].note);
	}
	free(pv->a);
	free(pv->uri);
	free(pv->rel);
	free(pv);
	j->priv = NULL;
}

/* ---- plan.sql ------------------------------------------------------------------ */

/* A dollar-quote tag that does not occur in body. */
static void dollar_tag(const char *body, char *tag, size_t cap)
{
	int i;

	snprintf(tag, cap, "$lethe$");
	for (i = 1; strstr(body, tag); i++)
		snprintf(tag, cap, "$lethe%d$", i);
}

static void guarded(struct lt_buf *o, const struct lt_plan_action *a,
		    const struct pact *pa, const char *rel, const char *range,
		    uint64_t rows)
{
	struct lt_buf body;
	char tag[32];

	lt_buf_init(&body, 0);
	if (a->action == LT_ACT_DROP_COLUMN) {
		sb_printf(&body,
			  "BEGIN\n"
			  "  IF pg_catalog.current_setting('lethe.allow_ddl', true)"
			  " IS DISTINCT FROM 'on' THEN\n"
			  "    RAISE EXCEPTION 'lethe: action %zu (rule %s) drops a column:"
			  " run apply --execute --allow-ddl';\n"
			  "  END IF;\n"
			  "  ALTER TABLE %s DROP COLUMN %s;\n"
			  "END\n", a->id, a->rule, rel, pa->col_q);
	} else {
		sb_printf(&body, "DECLARE lethe_rows pg_catalog.int8;\nBEGIN\n");
		if (a->action == LT_ACT_DELETE_ROWS)
			sb_printf(&body, "  DELETE FROM %s AS t\n  WHERE %s", rel, pa->pred);
		else
			sb_printf(&body, "  UPDATE %s AS t SET %s = %s\n  WHERE %s", rel,
				  pa->col_q, pa->set, pa->pred);
		if (range)
			sb_printf(&body, "\n    AND %s", range);
		sb_printf(&body,
			  ";\n  GET DIAGNOSTICS lethe_rows = ROW_COUNT;\n"
			  "  IF lethe_rows <> %" PRIu64 " THEN\n"
			  "    RAISE EXCEPTION 'lethe: action %zu (rule %s) touched %% rows,"
			  " plan counted %" PRIu64 "', lethe_rows;\n"
			  "  END IF;\nEND\n", rows, a->id, a->rule, rows);
	}
	dollar_tag(body.data, tag, sizeof tag);
	sb_printf(o, "DO %s\n%s%s;\n", tag, body.data, tag);
	lt_buf_release(&body);
}

static void begin_tx(struct lt_buf *o, const char *tzlit)
{
	sb_printf(o, "BEGIN;\nSET LOCAL search_path = '';\nSET LOCAL TimeZone = %s;\n",
		  tzlit);
}

static void action_comment(struct lt_buf *o, const struct lt_plan_action *a)
{
	if (a->action == LT_ACT_DELETE_ROWS)
		sb_printf(o, "-- lethe:action %zu delete_rows %s: %" PRIu64 " rows (rule%s",
			  a->id, a->table, a->rows, a->rules.n > 1 ? "s" : "");
	else
		sb_printf(o, "-- lethe:action %zu %s %s.%s: %" PRIu64 " rows (rule",
			  a->id, lt_action_name(a->action), a->table, a->column, a->rows);
	if (a->action == LT_ACT_DELETE_ROWS) {
		for (size_t i = 0; i < a->rules.n; i++)
			sb_printf(o, "%s%s", i ? ", " : " ", a->rules.v[i]);
		sb_printf(o, ")\n");
	} else {
		sb_printf(o, " %s)\n", a->rule);
	}
}

/* True when another job of the same database reads job's table through
 * age_from {table}: its actions go last, so that rows it loses do not
 * change the ages the others compare. */
static bool referenced(struct plan_pg_job *const *jobs, size_t n, size_t me)
{
	const struct priv *mp = jobs[me]->priv;
	size_t i, a, c;

	for (i = 0; i < n; i++) {
		const struct priv *pv = jobs[i]->priv;

		if (i == me || strcmp(pv->uri, mp->uri))
			continue;
		for (a = 0; a < jobs[i]->n_actions; a++)
			for (c = 0; c < jobs[i]->actions[a].n_conds; c++) {
				const char *t = jobs[i]->actions[a].conds[c].ref_table;

				if (t && jobs[me]->src->table && !strcmp(t, jobs[me]->src->table))
					return true;
			}
	}
	return false;
}

void lt_plan_pg_write_sql(struct plan_pg_job *const *jobs, size_t n,
			  const struct lt_plan *p, struct lt_buf *out)
{
	char *tzs = lt_plan_pg_timezone(p->timezone), *tzlit = lit(tzs);
	bool *written = lt_xcalloc(n + 1, sizeof *written);
	size_t i, k, a, b, pass;
	char nowb[40];
	bool any = false;

	for (i = 0; i < n; i++)
		if (jobs[i]->n_actions)
			any = true;
	if (!any)
		goto done;
	sb_printf(out,
		  "-- plan.sql - written by `lethe plan` (policy %s, now %s, timezone %s).\n"
		  "-- Run it with `lethe apply PLAN.json --execute`, which checks its sha256,\n"
		  "-- sets lethe.hash_key (from LETHE_HASH_KEY) and, with --allow-ddl,\n"
		  "-- lethe.allow_ddl = on.  Each statement is guarded: when it touches a\n"
		  "-- different number of rows than the plan counted, it raises and the\n"
		  "-- whole transaction rolls back.  \"-- lethe:database URI\" starts the\n"
		  "-- part for one database; \"-- lethe:batch ID K/N\" starts one batch\n"
		  "-- (its own transaction; batches commit one by one: after a failure,\n"
		  "-- resume from the failing batch's line, never before it).\n",
		  p->policy_name ? p->policy_name : "?",
		  lt_plan_fmt_ms(p->now, nowb, sizeof nowb), p->timezone);
	for (i = 0; i < n; i++) {
		const struct priv *pv = jobs[i]->priv;
		bool opened = false;

		if (written[i] || !jobs[i]->n_actions)
			continue;
		/* every job of this database, referenced tables last */
		for (pass = 0; pass < 2; pass++)
			for (k = i; k < n; k++) {
				const struct priv *kp = jobs[k]->priv;

				if (written[k] || strcmp(kp->uri, pv->uri) ||
				    (size_t)referenced(jobs, n, k) != pass)
					continue;
				written[k] = true;
				for (a = 0; a < jobs[k]->n_actions; a++) {
					const struct lt_plan_action *x = &jobs[k]->actions[a];
					const struct pact *pa = &kp->a[a];

					if (pa->nb)
						continue;
					if (!opened) {
						sb_printf(out, "\n-- lethe:database %s\n", pv->uri);
						begin_tx(out, tzlit);
						opened = true;
					}
					action_comment(out, x);
					if (pa->note)
						sb_printf(out, "-- %s\n", pa->note);
					if (x->hash_client_side) {
						sb_printf(out, "-- lethe:client-side hash: pgcrypto "
							  "is not installed; apply hashes these "
							  "cells itself\n");
						continue;
					}
					guarded(out, x, pa, kp->rel, NULL, x->rows);
				}
			}
		if (opened)
			sb_printf(out, "COMMIT;\n");
		/* the batches of this database */
		for (k = i; k < n; k++) {
			const struct priv *kp = jobs[k]->priv;

			if (strcmp(kp->uri, pv->uri))
				continue;
			for (a = 0; a < jobs[k]->n_actions; a++) {
				const struct lt_plan_action *x = &jobs[k]->actions[a];
				const struct pact *pa = &kp->a[a];

				for (b = 0; b < pa->nb; b++) {
					sb_printf(out, "\n-- lethe:database %s\n", pv->uri);
					sb_printf(out, "-- lethe:batch %zu %zu/%zu\n", x->id,
						  b + 1, pa->nb);
					begin_tx(out, tzlit);
					action_comment(out, x);
					guarded(out, x, pa, kp->rel, pa->b[b].range,
						pa->b[b].rows);
					sb_printf(out, "COMMIT;\n");
				}
			}
		}
	}
done:
	free(written);
	free(tzs);
	free(tzlit);
}
