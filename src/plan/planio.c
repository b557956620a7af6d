/*
 * planio.c - plan.json, written by `plan` and read by `apply` (module:
 * plan), with jansson.  Format: docs/plan-format.md.  Also lt_plan_free and
 * the plan's time formats.
 *
 * Place in the data flow: the last stage of `plan` (after build.c and
 * sql.c) and the first of `apply`.  A written plan read back gives the same
 * struct (tests/unit/test_plan.c round-trips one), so what apply decides
 * is what plan counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "plan_int.h"

/* ---- times --------------------------------------------------------------------- */

char *lt_plan_fmt_ms(lt_ms t, char *buf, size_t cap)
{
	int64_t s = t >= 0 ? t / 1000 : (t - 999) / 1000;
	int ms = (int)(t - s * 1000);
	time_t tt = (time_t)s;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (ms)
		snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	else
		snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

int lt_plan_parse_time(const char *s, lt_ms *out)
{
	return lt_date_parse(s, strlen(s), LT_DATE_ISO, NULL, out);
}

/* ---- freeing ---------------------------------------------------------------------- */

void lt_plan_cond_clear(struct lt_plan_cond *c)
{
	free(c->rule);
	lt_strlist_free(&c->age_columns);
	free(c->age_column_indexes);
	if (c->ref) {
		lt_plan_ref_release(c->ref);
		free(c->ref);
	}
	free(c->ref_table);
	free(c->ref_column);
	free(c->ref_key);
	memset(c, 0, sizeof *c);
}

void lt_plan_cond_copy(struct lt_plan_cond *dst, const struct lt_plan_cond *src)
{
	size_t i;

	*dst = *src;
	dst->rule = lt_xstrdup(src->rule);
	lt_strlist_copy(&dst->age_columns, &src->age_columns);
	dst->age_column_indexes = lt_xcalloc(src->age_columns.n + 1,
					     sizeof *dst->age_column_indexes);
	for (i = 0; i < src->age_columns.n; i++)
		dst->age_column_indexes[i] = src->age_column_indexes[i];
	dst->ref = NULL;
	if (src->ref) {
		dst->ref = lt_xcalloc(1, sizeof *dst->ref);
		lt_plan_ref_share(dst->ref, src->ref);
	}
	dst->ref_table = src->ref_table ? lt_xstrdup(src->ref_table) : NULL;
	dst->ref_column = src->ref_column ? lt_xstrdup(src->ref_column) : NULL;
	dst->ref_key = src->ref_key ? lt_xstrdup(src->ref_key) : NULL;
}

void lt_plan_action_clear(struct lt_plan_action *a)
{
	size_t i;

	free(a->source);
	free(a->path);
	free(a->member);
	free(a->uri);
	free(a->table);
	free(a->column);
	free(a->rule);
	lt_strlist_free(&a->rules);
	for (i = 0; i < a->n_conds; i++)
		lt_plan_cond_clear(&a->conds[i]);
	free(a->conds);
	for (i = 0; i < a->n_holds; i++) {
		free(a->holds[i].id);
		free(a->holds[i].column);
		lt_strlist_free(&a->holds[i].keys);
	}
	free(a->holds);
	free(a->where);
	memset(a, 0, sizeof *a);
}

void lt_plan_free(struct lt_plan *p)
{
	size_t i;

	if (!p)
		return;
	free(p->policy_path);
	free(p->policy_name);
	free(p->timezone);
	lt_tz_free(p->tz);
	for (i = 0; i < p->n_actions; i++)
		lt_plan_action_clear(&p->actions[i]);
	free(p->actions);
	free(p->sql_path);
	for (i = 0; i < p->n_violations; i++) {
		free(p->violations[i].rule);
		free(p->violations[i].source);
		free(p->violations[i].column);
		free(p->violations[i].type);
	}
	free(p->violations);
	for (i = 0; i < p->n_ungoverned; i++) {
		free(p->ungoverned[i].source);
		free(p->ungoverned[i].column);
		free(p->ungoverned[i].type);
	}
	free(p->ungoverned);
	for (i = 0; i < p->n_unreadable; i++) {
		free(p->unreadable[i].source);
		free(p->unreadable[i].column);
	}
	free(p->unreadable);
	for (i = 0; i < p->n_refused; i++) {
		free(p->refused[i].source);
		free(p->refused[i].column);
		free(p->refused[i].rule);
		free(p->refused[i].reason);
	}
	free(p->refused);
	for (i = 0; i < p->n_errors; i++) {
		free(p->errors[i].source);
		free(p->errors[i].error);
	}
	free(p->errors);
	free(p);
}

/* ---- writing ------------------------------------------------------------------------ */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *jtime(lt_ms t)
{
	char b[40];

	return json_string(lt_plan_fmt_ms(t, b, sizeof b));
}

static json_t *jstrlist(const struct lt_strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static json_t *fp_json(const struct lt_plan_fp *fp)
{
	json_t *o;
	char b[40];

	if (!fp->set)
		return json_null();
	o = json_object();
	json_object_set_new(o, "bytes", jint(fp->bytes));
	json_object_set_new(o, "mtime", json_string(lt_plan_fmt_ms(
		fp->mtime_ns / 1000000, b, sizeof b)));
	json_object_set_new(o, "mtime_ns", json_integer(fp->mtime_ns));
	json_object_set_new(o, "sha256", json_string(fp->sha256));
	return o;
}

static json_t *cond_json(const struct lt_plan_cond *c)
{
	json_t *o = json_object(), *idx = json_array();
	char d[32];
	size_t i;

	json_object_set_new(o, "rule", json_string(c->rule));
	json_object_set_new(o, "age_columns", jstrlist(&c->age_columns));
	for (i = 0; i < c->age_columns.n; i++)
		json_array_append_new(idx, json_integer(c->age_column_indexes[i]));
	json_object_set_new(o, "age_column_indexes", idx);
	json_object_set_new(o, "retain",
			    json_string(lt_duration_format(c->retain, d, sizeof d)));
	json_object_set_new(o, "date_format",
			    json_string(lt_date_format_name(c->date_format)));
	json_object_set_new(o, "cutoff", jtime(c->cutoff));
	if (c->ref) {
		json_t *r = json_object();

		json_object_set_new(r, "path", json_string(c->ref->path));
		json_object_set_new(r, "column", json_string(c->ref->column));
		json_object_set_new(r, "key", json_string(c->ref->key));
		json_object_set_new(r, "key_index", json_integer(c->ref->key_index));
		json_object_set_new(r, "fingerprint", fp_json(&c->ref->fp));
		json_object_set_new(o, "age_from_file", r);
	}
	if (c->ref_table) {
		json_t *r = json_object();

		json_object_set_new(r, "table", json_string(c->ref_table));
		json_object_set_new(r, "column", json_string(c->ref_column));
		json_object_set_new(r, "key", json_string(c->ref_key));
		json_object_set_new(o, "age_from_table", r);
	}
	return o;
}

static json_t *action_json(const struct lt_plan_action *a)
{
	json_t *o = json_object(), *conds = json_array(), *holds = json_array();
	size_t i;

	json_object_set_new(o, "id", jint(a->id));
	json_object_set_new(o, "source", json_string(a->source));
	json_object_set_new(o, "kind", json_string(a->kind == LT_PLAN_FILE
							   ? "file" : "postgres"));
	if (a->kind == LT_PLAN_FILE) {
		json_object_set_new(o, "path", jstr(a->path));
		json_object_set_new(o, "member", jstr(a->member));
	} else {
		json_object_set_new(o, "uri", jstr(a->uri));
		json_object_set_new(o, "table", jstr(a->table));
	}
	json_object_set_new(o, "action", json_string(lt_action_name(a->action)));
	if (a->action == LT_ACT_DELETE_ROWS) {
		json_object_set_new(o, "rules", jstrlist(&a->rules));
	} else {
		json_object_set_new(o, "column", jstr(a->column));
		json_object_set_new(o, "column_index", json_integer(a->column_index));
		json_object_set_new(o, "rule", jstr(a->rule));
	}
	if (a->action == LT_ACT_REDACT) {
		char m[2] = { a->mask, 0 };

		json_object_set_new(o, "keep", json_string(lt_keep_name(a->keep)));
		json_object_set_new(o, "mask", json_string(m));
	}
	for (i = 0; i < a->n_conds; i++)
		json_array_append_new(conds, cond_json(&a->conds[i]));
	json_object_set_new(o, "conditions", conds);
	if (a->kind == LT_PLAN_POSTGRES && a->n_conds) {
		char d[32];

		/* the first condition, flat, as DESIGN.md shows it */
		json_object_set_new(o, "age_column", a->conds[0].age_columns.n
			? json_string(a->conds[0].age_columns.v[0]) : json_null());
		json_object_set_new(o, "retain", json_string(lt_duration_format(
			a->conds[0].retain, d, sizeof d)));
		json_object_set_new(o, "cutoff", jtime(a->conds[0].cutoff));
	}
	for (i = 0; i < a->n_holds; i++) {
		json_t *h = json_object();

		json_object_set_new(h, "id", json_string(a->holds[i].id));
		json_object_set_new(h, "column", json_string(a->holds[i].column));
		json_object_set_new(h, "column_index",
				    json_integer(a->holds[i].column_index));
		json_object_set_new(h, "keys", jstrlist(&a->holds[i].keys));
		json_array_append_new(holds, h);
	}
	json_object_set_new(o, "holds", holds);
	json_object_set_new(o, "rows", jint(a->rows));
	json_object_set_new(o, "cells", jint(a->cells));
	if (a->kind == LT_PLAN_FILE) {
		json_t *f = json_object();
		char dl[2] = { a->format.delimiter, 0 };

		json_object_set_new(o, "fingerprint", fp_json(&a->fp));
		json_object_set_new(f, "container", json_string(a->format.container));
		json_object_set_new(f, "encoding", json_string(a->format.encoding));
		json_object_set_new(f, "bom", json_boolean(a->format.bom));
		json_object_set_new(f, "header", json_boolean(a->format.header));
		json_object_set_new(f, "delimiter", json_string(dl));
		json_object_set_new(o, "format", f);
	} else {
		json_object_set_new(o, "where", jstr(a->where));
		if (a->needs_ddl)
			json_object_set_new(o, "needs", json_string("--allow-ddl"));
		if (a->hash_client_side)
			json_object_set_new(o, "hash_client_side", json_true());
	}
	return o;
}

static json_t *plan_json(const struct lt_plan *p)
{
	json_t *o = json_object(), *pol = json_object(), *acts = json_array();
	json_t *v = json_array(), *u = json_array(), *ud = json_array();
	json_t *rf = json_array(), *er = json_array();
	char b[40];
	size_t i;

	json_object_set_new(o, "plan", json_string("lethe.plan"));
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(pol, "path", jstr(p->policy_path));
	json_object_set_new(pol, "name", jstr(p->policy_name));
	json_object_set_new(pol, "sha256", json_string(p->policy_sha256));
	json_object_set_new(o, "policy", pol);
	json_object_set_new(o, "now", jtime(p->now));
	json_object_set_new(o, "generated_at", json_string(lt_fmt_time(
		p->generated_at, b, sizeof b)));
	json_object_set_new(o, "timezone", jstr(p->timezone));
	for (i = 0; i < p->n_actions; i++)
		json_array_append_new(acts, action_json(&p->actions[i]));
	json_object_set_new(o, "actions", acts);
	if (p->sql_path) {
		json_t *s = json_object();

		json_object_set_new(s, "path", json_string(p->sql_path));
		json_object_set_new(s, "sha256", json_string(p->sql_sha256));
		if (p->batch_rows)
			json_object_set_new(s, "batch_rows", jint(p->batch_rows));
		json_object_set_new(o, "sql", s);
	} else {
		json_object_set_new(o, "sql", json_null());
	}
	for (i = 0; i < p->n_violations; i++) {
		const struct lt_plan_violation *x = &p->violations[i];
		json_t *e = json_object();

		json_object_set_new(e, "rule", jstr(x->rule));
		json_object_set_new(e, "source", json_string(x->source));
		json_object_set_new(e, "column", jstr(x->column));
		json_object_set_new(e, "type", jstr(x->type));
		json_object_set_new(e, "rows", jint(x->rows));
		json_object_set_new(e, "oldest", x->oldest[0] ? json_string(x->oldest)
							      : json_null());
		json_array_append_new(v, e);
	}
	json_object_set_new(o, "violations", v);
	for (i = 0; i < p->n_ungoverned; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "source", json_string(p->ungoverned[i].source));
		json_object_set_new(e, "column", json_string(p->ungoverned[i].column));
		json_object_set_new(e, "type", json_string(p->ungoverned[i].type));
		json_array_append_new(u, e);
	}
	json_object_set_new(o, "ungoverned", u);
	for (i = 0; i < p->n_unreadable; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "source", json_string(p->unreadable[i].source));
		json_object_set_new(e, "column", json_string(p->unreadable[i].column));
		json_object_set_new(e, "rows", jint(p->unreadable[i].rows));
		json_array_append_new(ud, e);
	}
	json_object_set_new(o, "unreadable_dates", ud);
	for (i = 0; i < p->n_refused; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "source", json_string(p->refused[i].source));
		json_object_set_new(e, "column", jstr(p->refused[i].column));
		json_object_set_new(e, "rule", jstr(p->refused[i].rule));
		json_object_set_new(e, "reason", json_string(p->refused[i].reason));
		json_array_append_new(rf, e);
	}
	json_object_set_new(o, "refused", rf);
	for (i = 0; i < p->n_errors; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "source", json_string(p->errors[i].source));
		json_object_set_new(e, "error", json_string(p->errors[i].error));
		json_array_append_new(er, e);
	}
	json_object_set_new(o, "errors", er);
	return o;
}

char *lt_plan_dumps(const struct lt_plan *p)
{
	json_t *o = plan_json(p);
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *r;

	json_decref(o);
	if (!s) {
		fprintf(stderr, "lethe: out of memory writing a plan\n");
		abort();
	}
	r = lt_xasprintf("%s\n", s);
	free(s);
	return r;
}

int lt_plan_write(const struct lt_plan *p, const char *path, struct lt_err *err)
{
	struct lt_afile *af;
	char *s;

	if (lt_afile_open(path, &af, err) < 0)
		return -1;
	s = lt_plan_dumps(p);
	if (fputs(s, lt_afile_fp(af)) == EOF) {
		free(s);
		lt_afile_abort(af);
		return lt_err_set(err, LT_E_IO, path, 0, "write error: %s",
				  strerror(errno));
	}
	free(s);
	return lt_afile_commit(af, err);
}

/* ---- reading ------------------------------------------------------------------------ */

struct rd {
	const char *path;
	struct lt_err *err;
	bool failed;
	char where[96];   /* "action 3", for messages */
};

static bool bad(struct rd *r, const char *fmt, const char *key)
{
	if (!r->failed) {
		char m[200];

		snprintf(m, sizeof m, fmt, key);
		lt_err_set(r->err, LT_E_FORMAT, r->path, 0, "%s%s%s",
			   r->where, r->where[0] ? ": " : "", m);
	}
	r->failed = true;
	return false;
}

static char *get_str(struct rd *r, json_t *o, const char *k, bool need)
{
	json_t *v = json_object_get(o, k);

	if (json_is_string(v))
		return lt_xstrdup(json_string_value(v));
	if (need || (v && !json_is_null(v)))
		bad(r, "'%s' missing or not a string", k);
	return NULL;
}

static int64_t get_int(struct rd *r, json_t *o, const char *k, bool need,
		       int64_t dflt)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (need || (v && !json_is_null(v)))
		bad(r, "'%s' missing or not an integer", k);
	return dflt;
}

static lt_ms get_time(struct rd *r, json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	lt_ms t = 0;

	if (!json_is_string(v) || lt_plan_parse_time(json_string_value(v), &t) < 0)
		bad(r, "'%s' missing or not an ISO 8601 time", k);
	return t;
}

static void get_strlist(struct rd *r, json_t *o, const char *k,
			struct lt_strlist *out)
{
	json_t *a = json_object_get(o, k), *v;
	size_t i;

	if (!a || json_is_null(a))
		return;
	if (!json_is_array(a)) {
		bad(r, "'%s' is not an array", k);
		return;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			bad(r, "'%s' holds a non-string", k);
			return;
		}
		lt_strlist_push(out, json_string_value(v));
	}
}

static void get_fp(struct rd *r, json_t *o, struct lt_plan_fp *fp)
{
	json_t *s;

	if (!json_is_object(o))
		return;
	fp->set = true;
	fp->bytes = (uint64_t)get_int(r, o, "bytes", true, 0);
	fp->mtime_ns = get_int(r, o, "mtime_ns", false, 0);
	s = json_object_get(o, "sha256");
	if (!json_is_string(s) || strlen(json_string_value(s)) != 64)
		bad(r, "'%s' missing or not 64 hex digits", "sha256");
	else
		memcpy(fp->sha256, json_string_value(s), 65);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_cond(struct rd *r, json_t *o, struct lt_plan_cond *c)
{
	json_t *idx = json_object_get(o, "age_column_indexes"), *ref, *v;
	char *s;
	size_t i;

	c->rule = get_str(r, o, "rule", true);
	get_strlist(r, o, "age_columns", &c->age_columns);
	c->age_column_indexes = lt_xcalloc(c->age_columns.n + 1,
					   sizeof *c->age_column_indexes);
	for (i = 0; i < c->age_columns.n; i++) {
		v = json_array_get(idx, i);
		c->age_column_indexes[i] = json_is_integer(v)
			? (long)json_integer_value(v) : -1;
	}
	s = get_str(r, o, "retain", true);
	if (s && (lt_duration_parse(s, &c->retain) < 0 || c->retain.n == 0))
		bad(r, "bad retain '%s'", s);
	free(s);
	s = get_str(r, o, "date_format", false);
	if (s && lt_date_format_parse(s, &c->date_format) < 0)
		bad(r, "bad date_format '%s'", s);
	free(s);
	c->cutoff = get_time(r, o, "cutoff");
	ref = json_object_get(o, "age_from_file");
	if (json_is_object(ref)) {
		c->ref = lt_xcalloc(1, sizeof *c->ref);
		c->ref->path = get_str(r, ref, "path", true);
		c->ref->column = get_str(r, ref, "column", true);
		c->ref->key = get_str(r, ref, "key", true);
		c->ref->key_index = (long)get_int(r, ref, "key_index", true, -1);
		get_fp(r, json_object_get(ref, "fingerprint"), &c->ref->fp);
	}
	ref = json_object_get(o, "age_from_table");
	if (json_is_object(ref)) {
		c->ref_table = get_str(r, ref, "table", true);
		c->ref_column = get_str(r, ref, "column", true);
		c->ref_key = get_str(r, ref, "key", true);
	}
	if (!c->ref && !c->ref_table && c->age_columns.n == 0)
		bad(r, "a condition of rule %s has no age column", c->rule ? c->rule : "?");
}

static void read_action(struct rd *r, json_t *o, struct lt_plan_action *a)
{
	json_t *conds, *holds, *v, *fmt;
	char *s;
	size_t i;

	a->id = (size_t)get_int(r, o, "id", true, 0);
	snprintf(r->where, sizeof r->where, "action %zu", a->id);
	a->source = get_str(r, o, "source", true);
	s = get_str(r, o, "kind", true);
	if (s && !strcmp(s, "file"))
		a->kind = LT_PLAN_FILE;
	else if (s && !strcmp(s, "postgres"))
		a->kind = LT_PLAN_POSTGRES;
	else if (s)
		bad(r, "unknown kind '%s'", s);
	free(s);
	a->path = get_str(r, o, "path", a->kind == LT_PLAN_FILE);
	a->member = get_str(r, o, "member", false);
	a->uri = get_str(r, o, "uri", a->kind == LT_PLAN_POSTGRES);
	a->table = get_str(r, o, "table", a->kind == LT_PLAN_POSTGRES);
	s = get_str(r, o, "action", true);
	if (s) {
		int k;

		for (k = LT_ACT_DELETE_ROWS; k <= LT_ACT_DROP_COLUMN; k++)
			if (!strcmp(s, lt_action_name((enum lt_action)k)))
				break;
		if (k > LT_ACT_DROP_COLUMN)
			bad(r, "unknown action '%s'", s);
		a->action = (enum lt_action)k;
	}
	free(s);
	a->column_index = -1;
	if (a->action == LT_ACT_DELETE_ROWS) {
		get_strlist(r, o, "rules", &a->rules);
		if (a->rules.n)
			a->rule = lt_xstrdup(a->rules.v[0]);
	} else {
		a->column = get_str(r, o, "column", true);
		a->column_index = (long)get_int(r, o, "column_index", false, -1);
		if (a->kind == LT_PLAN_FILE && a->column_index < 0)
			bad(r, "'%s' missing", "column_index");
		a->rule = get_str(r, o, "rule", true);
	}
	a->mask = '*';
	if (a->action == LT_ACT_REDACT) {
		s = get_str(r, o, "keep", false);
		if (s) {
			int k;

			for (k = LT_KEEP_NONE; k <= LT_KEEP_DOMAIN; k++)
				if (!strcmp(s, lt_keep_name((enum lt_keep)k)))
					break;
			if (k > LT_KEEP_DOMAIN)
				bad(r, "unknown keep '%s'", s);
			a->keep = (enum lt_keep)k;
		}
		free(s);
		s = get_str(r, o, "mask", false);
		if (s && strlen(s) == 1 && (unsigned char)s[0] >= 0x20 &&
		    (unsigned char)s[0] < 0x7f)
			a->mask = s[0];
		else if (s)
			bad(r, "mask '%s' is not one ASCII character", s);
		free(s);
	}
	conds = json_object_get(o, "conditions");
	if (conds && !json_is_array(conds))
		bad(r, "'%s' is not an array", "conditions");
	a->conds = lt_xcalloc(json_array_size(conds) + 1, sizeof *a->conds);
	json_array_foreach(conds, i, v) {
		read_cond(r, v, &a->conds[a->n_conds++]);
	}
	holds = json_object_get(o, "holds");
	if (holds && !json_is_array(holds))
		bad(r, "'%s' is not an array", "holds");
	a->holds = lt_xcalloc(json_array_size(holds) + 1, sizeof *a->holds);
	json_array_foreach(holds, i, v) {
		struct lt_plan_hold *h = &a->holds[a->n_holds++];

		h->id = get_str(r, v, "id", true);
		h->column = get_str(r, v, "column", true);
		h->column_index = (long)get_int(r, v, "column_index", false, -1);
		get_strlist(r, v, "keys", &h->keys);
		if (h->keys.n)
			qsort(h->keys.v, h->keys.n, sizeof *h->keys.v, str_cmp);
	}
	a->rows = (uint64_t)get_int(r, o, "rows", true, 0);
	a->cells = (uint64_t)get_int(r, o, "cells", false, 0);
	get_fp(r, json_object_get(o, "fingerprint"), &a->fp);
	if (a->kind == LT_PLAN_FILE && !a->fp.set)
		bad(r, "'%s' missing", "fingerprint");
	fmt = json_object_get(o, "format");
	if (json_is_object(fmt)) {
		snprintf(a->format.container, sizeof a->format.container, "%s",
			 json_string_value(json_object_get(fmt, "container"))
			 ? json_string_value(json_object_get(fmt, "container")) : "plain");
		snprintf(a->format.encoding, sizeof a->format.encoding, "%s",
			 json_string_value(json_object_get(fmt, "encoding"))
			 ? json_string_value(json_object_get(fmt, "encoding")) : "utf-8");
		a->format.bom = json_is_true(json_object_get(fmt, "bom"));
		a->format.header = !json_is_false(json_object_get(fmt, "header"));
		s = get_str(r, fmt, "delimiter", false);
		a->format.delimiter = s && strlen(s) == 1 ? s[0] : ',';
		free(s);
	}
	a->where = get_str(r, o, "where", false);
	s = get_str(r, o, "needs", false);
	a->needs_ddl = s && !strcmp(s, "--allow-ddl");
	free(s);
	a->hash_client_side = json_is_true(json_object_get(o, "hash_client_side"));
	r->where[0] = '\0';
}

int lt_plan_load(const char *path, struct lt_plan **out, struct lt_err *err)
{
	json_error_t je;
	json_t *root, *v, *pol, *sql;
	struct lt_plan *p;
	struct rd r = { .path = path, .err = err };
	struct lt_err zerr;
	char *s;
	size_t i;

	root = json_load_file(path, 0, &je);
	if (!root)
		return lt_err_set(err, LT_E_FORMAT, path, (uint64_t)(je.line > 0 ? je.line : 0),
				  "not a plan: %s", je.text);
	if (!json_is_object(root) ||
	    !json_is_string(json_object_get(root, "plan")) ||
	    strcmp(json_string_value(json_object_get(root, "plan")), "lethe.plan") ||
	    json_integer_value(json_object_get(root, "version")) != 1) {
		json_decref(root);
		return lt_err_set(err, LT_E_FORMAT, path, 0,
				  "not a lethe plan (version 1)");
	}
	p = lt_xcalloc(1, sizeof *p);
	pol = json_object_get(root, "policy");
	if (json_is_object(pol)) {
		p->policy_path = get_str(&r, pol, "path", false);
		p->policy_name = get_str(&r, pol, "name", false);
		s = get_str(&r, pol, "sha256", false);
		if (s)
			snprintf(p->policy_sha256, sizeof p->policy_sha256, "%s", s);
		free(s);
	}
	p->now = get_time(&r, root, "now");
	v = json_object_get(root, "generated_at");
	if (json_is_string(v)) {
		lt_ms g;

		if (lt_plan_parse_time(json_string_value(v), &g) == 0)
			p->generated_at = g / 1000;
	}
	p->timezone = get_str(&r, root, "timezone", false);
	if (!p->timezone)
		p->timezone = lt_xstrdup("UTC");
	lt_err_clear(&zerr);
	if (!r.failed && lt_tz_load(p->timezone, &p->tz, &zerr) < 0)
		bad(&r, "%s", zerr.msg);
	v = json_object_get(root, "actions");
	if (!json_is_array(v))
		bad(&r, "'%s' missing or not an array", "actions");
	p->actions = lt_xcalloc(json_array_size(v) + 1, sizeof *p->actions);
	for (i = 0; !r.failed && i < json_array_size(v); i++) {
		json_t *a = json_array_get(v, i);

		if (!json_is_object(a)) {
			bad(&r, "%s", "an action is not an object");
			break;
		}
		read_action(&r, a, &p->actions[p->n_actions++]);
	}
	sql = json_object_get(root, "sql");
	if (json_is_object(sql)) {
		p->sql_path = get_str(&r, sql, "path", true);
		s = get_str(&r, sql, "sha256", true);
		if (s)
			snprintf(p->sql_sha256, sizeof p->sql_sha256, "%s", s);
		free(s);
		p->batch_rows = (uint64_t)get_int(&r, sql, "batch_rows", false, 0);
	}
	/* The lists apply does not need are read for completeness (round trip,
	 * receipts); a malformed entry is skipped, not an error. */
	v = json_object_get(root, "violations");
	p->violations = lt_xcalloc(json_array_size(v) + 1, sizeof *p->violations);
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		struct lt_plan_violation *x = &p->violations[p->n_violations++];
		const char *o = json_string_value(json_object_get(e, "oldest"));

		x->rule = get_str(&r, e, "rule", false);
		x->source = get_str(&r, e, "source", true);
		x->column = get_str(&r, e, "column", false);
		x->type = get_str(&r, e, "type", false);
		x->rows = (uint64_t)get_int(&r, e, "rows", false, 0);
		snprintf(x->oldest, sizeof x->oldest, "%s", o ? o : "");
	}
	v = json_object_get(root, "ungoverned");
	p->ungoverned = lt_xcalloc(json_array_size(v) + 1, sizeof *p->ungoverned);
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		struct lt_plan_ungoverned *x = &p->ungoverned[p->n_ungoverned++];

		x->source = get_str(&r, e, "source", true);
		x->column = get_str(&r, e, "column", true);
		x->type = get_str(&r, e, "type", true);
	}
	v = json_object_get(root, "unreadable_dates");
	p->unreadable = lt_xcalloc(json_array_size(v) + 1, sizeof *p->unreadable);
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		struct lt_plan_unreadable *x = &p->unreadable[p->n_unreadable++];

		x->source = get_str(&r, e, "source", true);
		x->column = get_str(&r, e, "column", true);
		x->rows = (uint64_t)get_int(&r, e, "rows", false, 0);
	}
	v = json_object_get(root, "refused");
	p->refused = lt_xcalloc(json_array_size(v) + 1, sizeof *p->refused);
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		struct lt_plan_refusal *x = &p->refused[p->n_refused++];

		x->source = get_str(&r, e, "source", true);
		x->column = get_str(&r, e, "column", false);
		x->rule = get_str(&r, e, "rule", false);
		x->reason = get_str(&r, e, "reason", true);
	}
	v = json_object_get(root, "errors");
	p->errors = lt_xcalloc(json_array_size(v) + 1, sizeof *p->errors);
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		struct lt_plan_error *x = &p->errors[p->n_errors++];

		x->source = get_str(&r, e, "source", true);
		x->error = get_str(&r, e, "error", true);
	}
	json_decref(root);
	if (r.failed) {
		lt_plan_free(p);
		return -1;
	}
	*out = p;
	return 0;
}
