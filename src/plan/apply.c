/*
 * apply.c - `lethe apply` (module: plan): carries a plan out.
 *
 * Place in the data flow: plan.json (+ plan.sql) -> [apply] -> redacted
 * copies under --out DIR, guarded SQL on PostgreSQL, receipts.
 *
 * Files.  Every action on one file (or on the members of one zip) is done
 * in one pass by the rewriter (rewrite.c), which decides each row with
 * lt_plan_decide -- the function `lethe plan` counted with.  Before a byte
 * is written: every source is stat'ed against its fingerprint (size,
 * mtime), --out DIR is checked not to hold any source, and no output may
 * resolve to a source.  During the pass the source's raw bytes are hashed
 * (a zip is hashed first, its reader seeks); after it, the sha256, a second
 * stat and the recount of every action's rows and cells must all match the
 * plan.  Outputs go to temporaries (lt_afile) that are renamed only when
 * every source has passed, so a refused plan writes nothing.  With many
 * sources (more than HOLD_OPEN_MAX) a verifying pass without output runs
 * first, then each copy is written and renamed in turn.  The receipt
 * (DIR/lethe-receipt.json) is written last.
 *
 * PostgreSQL.  plan.sql is checked against the plan's sha256, then, with
 * --execute, run as one script (PQexec) on one connection per database: it
 * holds BEGIN ... COMMIT and guards that RAISE (and so roll back) when a
 * statement touches another number of rows than the plan counted.  The
 * hash key, when needed, is set as the GUC lethe.hash_key with
 * set_config($1, true) inside the transaction, the key a parameter out of
 * line.  The receipt goes beside the plan (PLAN-receipt.json).
 *
 * Nothing here prints: cmd_apply.c prints from struct lt_apply_result.
 */
#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply_int.h"

#define HOLD_OPEN_MAX 32  /* outputs held as temporaries until all pass */

static lt_ms now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (lt_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- paths ---------------------------------------------------------------------- */

/* path resolved as far as it exists (realpath), the rest appended with
 * "." and ".." read lexically.  Returns a new string. */
static char *resolve(const char *path)
{
	char buf[PATH_MAX], *head, *out, *s;
	const char *slash, *tail;
	size_t n = strlen(path), tn;

	if (realpath(path, buf))
		return lt_xstrdup(buf);
	while (n > 1 && path[n - 1] == '/')
		n--;
	slash = memrchr(path, '/', n);
	if (!slash) {
		head = lt_xstrdup(".");
		tail = path;
	} else {
		head = slash == path ? lt_xstrdup("/")
				     : lt_xstrndup(path, (size_t)(slash - path));
		tail = slash + 1;
	}
	tn = n - (size_t)(tail - path);
	out = resolve(head);
	free(head);
	if (tn == 0 || (tn == 1 && tail[0] == '.'))
		return out;
	if (tn == 2 && tail[0] == '.' && tail[1] == '.') {
		s = strrchr(out, '/');
		if (s && s != out)
			*s = '\0';
		else
			strcpy(out, "/");
		return out;
	}
	s = lt_xasprintf("%s%s%.*s", out, strcmp(out, "/") ? "/" : "", (int)tn,
			 tail);
	free(out);
	return s;
}

/* True when path s lies inside directory d (both resolved). */
static bool is_under(const char *s, const char *d)
{
	size_t n = strlen(d);

	if (!strcmp(d, "/"))
		return true;
	return !strncmp(s, d, n) && s[n] == '/';
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return true;
	return false;
}

/* Where the copy of source `path` goes below DIR: a relative path as it
 * is, an absolute one without its leading '/'; a path climbing out with
 * ".." by its resolved absolute path instead, so no copy lands outside
 * DIR. */
static char *out_rel(const char *path, const char *real)
{
	const char *p = has_dotdot(path) ? real : path;

	for (;;) {
		while (*p == '/')
			p++;
		if (p[0] == '.' && p[1] == '/')
			p += 2;
		else
			break;
	}
	return lt_xstrdup(p);
}

struct dirs {
	char **v;   /* directories created, in creation order */
	size_t n;
};

/* mkdir -p of path's parent; each directory made is recorded. */
static int mkparents(const char *path, struct dirs *made, struct lt_err *err)
{
	char *p = lt_xstrdup(path), *s;
	struct stat st;
	int rc = 0;

	s = strrchr(p, '/');
	if (!s || s == p) {
		free(p);
		return 0;
	}
	*s = '\0';
	for (s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == 0) {
			made->v = lt_xreallocarray(made->v, made->n + 1,
						   sizeof *made->v);
			made->v[made->n++] = lt_xstrdup(p);
		} else if (errno != EEXIST || stat(p, &st) < 0 ||
			   !S_ISDIR(st.st_mode)) {
			rc = lt_err_set(err, LT_E_IO, p, 0,
					"cannot create directory: %s",
					strerror(errno == EEXIST ? ENOTDIR : errno));
			*s = c;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static void dirs_undo(struct dirs *d)
{
	while (d->n > 0) {
		d->n--;
		rmdir(d->v[d->n]); /* only when still empty */
		free(d->v[d->n]);
	}
	free(d->v);
	d->v = NULL;
}

static void dirs_release(struct dirs *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i]);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

/* ---- the plan ------------------------------------------------------------------------ */

static bool is_hash_plan(const struct lt_plan *p, enum lt_plan_kind kind)
{
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].kind == kind &&
		    p->actions[i].action == LT_ACT_HASH)
			return true;
	return false;
}

/* One output file: a source file (or a zip) and every action on it. */
struct target {
	const char *path;               /* as in the plan (borrowed) */
	const struct lt_plan_action *a0; /* its first action: fingerprint */
	struct lt_rw_file f;
	size_t **idx;                   /* per part: plan indexes of its acts */
	char *real;                     /* the source resolved */
	char *out;                      /* the output path */
	struct lt_afile *af;
	lt_ms started, ended;
};

static void targets_free(struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < t[i].f.nparts; k++) {
			free(t[i].f.parts[k].acts);
			free(t[i].f.parts[k].counts);
			free(t[i].idx[k]);
		}
		free(t[i].f.parts);
		free(t[i].idx);
		free(t[i].real);
		free(t[i].out);
		lt_afile_abort(t[i].af);
	}
	free(t);
}

/* Groups the file actions by file, then by zip member. */
static int group(const struct lt_plan *p, struct target **out, size_t *nout,
		 struct lt_err *err)
{
	struct target *t = NULL;
	size_t nt = 0;

	for (size_t i = 0; i < p->n_actions; i++) {
		const struct lt_plan_action *a = &p->actions[i];
		struct target *x = NULL;
		struct lt_rw_part *part = NULL;
		size_t k;

		if (a->kind != LT_PLAN_FILE)
			continue;
		if (!a->path || !a->path[0]) {
			targets_free(t, nt);
			return lt_err_set(err, LT_E_CONFIG, NULL, 0,
					  "action %zu: a file action without a "
					  "path", a->id);
		}
		for (k = 0; k < nt; k++)
			if (!strcmp(t[k].path, a->path))
				x = &t[k];
		if (!x) {
			t = lt_xreallocarray(t, nt + 1, sizeof *t);
			x = &t[nt++];
			memset(x, 0, sizeof *x);
			x->path = a->path;
			x->a0 = a;
			x->f.path = a->path;
			x->f.zip = a->member != NULL;
		}
		if (x->f.zip != (a->member != NULL)) {
			targets_free(t, nt);
			return lt_err_set(err, LT_E_CONFIG, a->path, 0,
					  "read both as a zip and as a file");
		}
		for (k = 0; k < x->f.nparts; k++)
			if ((!a->member && !x->f.parts[k].member) ||
			    (a->member && x->f.parts[k].member &&
			     !strcmp(a->member, x->f.parts[k].member)))
				part = &x->f.parts[k];
		if (!part) {
			x->f.parts = lt_xreallocarray(x->f.parts, x->f.nparts + 1,
						      sizeof *x->f.parts);
			x->idx = lt_xreallocarray(x->idx, x->f.nparts + 1,
						  sizeof *x->idx);
			x->idx[x->f.nparts] = NULL;
			part = &x->f.parts[x->f.nparts++];
			memset(part, 0, sizeof *part);
			part->member = a->member;
			part->format = &a->format;
			part->name = a->source ? a->source : a->path;
		}
		k = (size_t)(part - x->f.parts);
		part->acts = lt_xreallocarray(part->acts, part->na + 1,
					      sizeof *part->acts);
		x->idx[k] = lt_xreallocarray(x->idx[k], part->na + 1,
					     sizeof *x->idx[k]);
		part->acts[part->na] = a;
		x->idx[k][part->na] = i;
		part->na++;
	}
	for (size_t i = 0; i < nt; i++)
		for (size_t k = 0; k < t[i].f.nparts; k++)
			t[i].f.parts[k].counts = lt_xcalloc(t[i].f.parts[k].na,
							    sizeof(struct lt_rw_count));
	*out = t;
	*nout = nt;
	return 0;
}

/* ---- fingerprints ------------------------------------------------------------------- */

static int refuse(struct lt_err *err, const char *path, const char *fmt,
		  const char *what)
{
	lt_err_set(err, LT_E_CONFIG, path, 0, fmt, what);
	return LT_EXIT_REFUSED;
}

/* Size and mtime against the fingerprint: LT_EXIT_OK, _SOURCE, _REFUSED. */
static int check_stat(const char *path, const struct lt_plan_fp *fp,
		      struct lt_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		lt_err_set(err, LT_E_IO, path, 0, "cannot read: %s",
			   strerror(errno));
		return LT_EXIT_SOURCE;
	}
	if (!S_ISREG(st.st_mode)) {
		lt_err_set(err, LT_E_IO, path, 0, "not a regular file");
		return LT_EXIT_SOURCE;
	}
	if ((uint64_t)st.st_size != fp->bytes)
		return refuse(err, path, "changed since the plan was made (%s): "
			      "make a new plan", "size");
	if (fp->mtime_ns &&
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec !=
		    fp->mtime_ns)
		return refuse(err, path, "changed since the plan was made (%s): "
			      "make a new plan", "modification time");
	return LT_EXIT_OK;
}

/* The age_from files of the file actions, then their maps. */
static int prepare(struct lt_plan *p, struct lt_err *err)
{
	for (size_t i = 0; i < p->n_actions; i++) {
		const struct lt_plan_action *a = &p->actions[i];

		if (a->kind != LT_PLAN_FILE)
			continue;
		for (size_t k = 0; k < a->n_conds; k++) {
			const struct lt_plan_ref *ref = a->conds[k].ref;
			struct lt_plan_fp now;
			int rc;

			if (!ref || !ref->fp.set)
				continue;
			if ((rc = check_stat(ref->path, &ref->fp, err)) != 0)
				return rc;
			if (lt_plan_fingerprint(ref->path, &now, err) < 0)
				return LT_EXIT_SOURCE;
			if (strcmp(now.sha256, ref->fp.sha256))
				return refuse(err, ref->path,
					      "changed since the plan was made "
					      "(%s): make a new plan", "sha256");
		}
	}
	if (lt_plan_prepare(p, err) < 0)
		return LT_EXIT_SOURCE;
	return LT_EXIT_OK;
}

/* ---- the file part -------------------------------------------------------------------- */

static const char *act_what(const struct lt_plan_action *a, char *buf,
			    size_t cap)
{
	if (a->column)
		snprintf(buf, cap, "action %zu (%s of %s in %s)", a->id,
			 lt_action_name(a->action), a->column,
			 a->source ? a->source : a->path);
	else
		snprintf(buf, cap, "action %zu (%s in %s)", a->id,
			 lt_action_name(a->action),
			 a->source ? a->source : a->path);
	return buf;
}

/* After a pass: the source's hash, a second stat, the recounts. */
static int verify(struct target *t, struct lt_err *err)
{
	const struct lt_plan_fp *fp = &t->a0->fp;
	char hex[65], what[300];
	int rc;

	if (t->f.src_hashed) {
		lt_hex(t->f.src_sha256, 32, hex);
		if (t->f.src_bytes != fp->bytes || strcmp(hex, fp->sha256))
			return refuse(err, t->path, "changed since the plan was "
				      "made (%s): make a new plan", "sha256");
	}
	if ((rc = check_stat(t->path, fp, err)) != 0)
		return rc;
	for (size_t k = 0; k < t->f.nparts; k++) {
		const struct lt_rw_part *part = &t->f.parts[k];

		for (size_t j = 0; j < part->na; j++) {
			const struct lt_plan_action *a = part->acts[j];
			const struct lt_rw_count *c = &part->counts[j];

			if (c->rows == a->rows && c->cells == a->cells)
				continue;
			lt_err_set(err, LT_E_CONFIG, NULL, 0,
				   "%s: %llu rows and %llu cells now, the plan "
				   "counted %llu and %llu: make a new plan",
				   act_what(a, what, sizeof what),
				   (unsigned long long)c->rows,
				   (unsigned long long)c->cells,
				   (unsigned long long)a->rows,
				   (unsigned long long)a->cells);
			return LT_EXIT_REFUSED;
		}
	}
	return LT_EXIT_OK;
}

/* Rewrites t into fp; the exit code of a failure. */
static int pass(const struct lt_plan *p, struct target *t,
		const struct lt_hmac *key, FILE *fp, struct lt_err *err)
{
	for (size_t k = 0; k < t->f.nparts; k++)
		memset(t->f.parts[k].counts, 0,
		       t->f.parts[k].na * sizeof *t->f.parts[k].counts);
	t->started = now_ms();
	if (lt_rw_file_run(p, &t->f, key, fp, err) < 0) {
		/* a header that no longer names the planned columns is a
		 * changed source: refused; anything else: not readable */
		return err->code == LT_E_CONFIG ? LT_EXIT_REFUSED
						 : LT_EXIT_SOURCE;
	}
	t->ended = now_ms();
	return verify(t, err);
}

static void record(struct lt_apply_result *r, const struct target *t)
{
	char hex[65];

	lt_hex(t->f.out_sha256, 32, hex);
	for (size_t k = 0; k < t->f.nparts; k++) {
		const struct lt_rw_part *part = &t->f.parts[k];

		for (size_t j = 0; j < part->na; j++) {
			struct lt_apply_act *x = &r->acts[t->idx[k][j]];

			x->done = true;
			x->rows = part->counts[j].rows;
			x->cells = part->counts[j].cells;
			free(x->output);
			x->output = lt_xstrdup(t->out);
			memcpy(x->out_sha256, hex, sizeof hex);
			x->started = t->started;
			x->ended = t->ended;
		}
	}
}

/* Renames t's temporary into place and records what it holds. */
static int commit_output(struct lt_apply_result *r, struct target *t,
			 struct lt_err *err)
{
	struct lt_afile *af = t->af;

	t->af = NULL;
	if (lt_afile_commit(af, err) < 0)
		return LT_EXIT_SOURCE;
	record(r, t);
	r->n_outputs++;
	return 0;
}

static json_t *jtime(lt_ms t)
{
	char b[40];

	return json_string(lt_plan_fmt_ms(t, b, sizeof b));
}

static json_t *receipt_head(const struct lt_apply_opts *o,
			    const struct lt_apply_result *r)
{
	json_t *root = json_object(), *plan = json_object();

	json_object_set_new(root, "receipt", json_string("lethe.apply"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "generated_at", jtime(now_ms()));
	json_object_set_new(plan, "path", json_string(o->plan_path));
	json_object_set_new(plan, "sha256", json_string(r->plan_sha256));
	json_object_set_new(root, "plan", plan);
	return root;
}

static json_t *receipt_action(const struct lt_plan_action *a,
			      const struct lt_apply_act *x)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer((json_int_t)a->id));
	json_object_set_new(o, "source", json_string(a->source ? a->source : ""));
	json_object_set_new(o, "kind", json_string(a->kind == LT_PLAN_FILE
						   ? "file" : "postgres"));
	if (a->table)
		json_object_set_new(o, "table", json_string(a->table));
	json_object_set_new(o, "action", json_string(lt_action_name(a->action)));
	if (a->column)
		json_object_set_new(o, "column", json_string(a->column));
	json_object_set_new(o, "rows", json_integer((json_int_t)x->rows));
	json_object_set_new(o, "cells", json_integer((json_int_t)x->cells));
	if (x->output) {
		json_object_set_new(o, "output", json_string(x->output));
		json_object_set_new(o, "output_sha256", json_string(x->out_sha256));
	}
	json_object_set_new(o, "started_at", jtime(x->started));
	json_object_set_new(o, "ended_at", jtime(x->ended));
	return o;
}

static int write_json(const char *path, json_t *root, struct lt_err *err)
{
	struct lt_afile *af;

	if (lt_afile_open(path, &af, err) < 0)
		return -1;
	if (json_dumpf(root, lt_afile_fp(af), JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
	    fputc('\n', lt_afile_fp(af)) == EOF) {
		lt_afile_abort(af);
		return lt_err_set(err, LT_E_IO, path, 0, "write error");
	}
	return lt_afile_commit(af, err);
}

static int files_receipt(const struct lt_apply_opts *o,
			 struct lt_apply_result *r, const struct target *t,
			 size_t nt, struct lt_err *err)
{
	json_t *root = receipt_head(o, r), *acts = json_array(),
	       *outs = json_array();
	int rc;

	json_object_set_new(root, "out", json_string(o->out_dir));
	for (size_t i = 0; i < r->plan->n_actions; i++)
		if (r->plan->actions[i].kind == LT_PLAN_FILE && r->acts[i].done)
			json_array_append_new(acts, receipt_action(
				&r->plan->actions[i], &r->acts[i]));
	for (size_t i = 0; i < nt; i++) {
		json_t *x = json_object();
		char hex[65];

		json_object_set_new(x, "source", json_string(t[i].path));
		json_object_set_new(x, "source_sha256",
				    json_string(t[i].a0->fp.sha256));
		json_object_set_new(x, "output", json_string(t[i].out));
		json_object_set_new(x, "sha256", json_string(
			lt_hex(t[i].f.out_sha256, 32, hex)));
		json_object_set_new(x, "bytes", json_integer(
			(json_int_t)t[i].f.out_bytes));
		json_array_append_new(outs, x);
	}
	json_object_set_new(root, "actions", acts);
	json_object_set_new(root, "outputs", outs);
	r->receipt = lt_xasprintf("%s/lethe-receipt.json", o->out_dir);
	rc = write_json(r->receipt, root, err);
	json_decref(root);
	return rc < 0 ? LT_EXIT_SOURCE : LT_EXIT_OK;
}

static int do_files(const struct lt_apply_opts *o, struct lt_apply_result *r,
		    const struct lt_hmac *key, struct lt_err *err)
{
	struct lt_plan *p = r->plan;
	struct target *t = NULL;
	size_t nt = 0, i;
	struct dirs made = { NULL, 0 };
	char *dir = NULL;
	bool hold;
	int rc;

	if (group(p, &t, &nt, err) < 0)
		return LT_EXIT_USAGE;
	/* every source as planned, DIR holding none of them */
	for (i = 0; i < nt; i++) {
		if (!t[i].a0->fp.set) {
			lt_err_set(err, LT_E_CONFIG, t[i].path, 0,
				   "no fingerprint in the plan");
			rc = LT_EXIT_USAGE;
			goto out;
		}
		if ((rc = check_stat(t[i].path, &t[i].a0->fp, err)) != 0)
			goto out;
		if (t[i].f.zip) {
			struct lt_plan_fp fp;

			if (lt_plan_fingerprint(t[i].path, &fp, err) < 0) {
				rc = LT_EXIT_SOURCE;
				goto out;
			}
			if (strcmp(fp.sha256, t[i].a0->fp.sha256)) {
				rc = refuse(err, t[i].path, "changed since the "
					    "plan was made (%s): make a new plan",
					    "sha256");
				goto out;
			}
		}
		t[i].real = resolve(t[i].path);
	}
	dir = resolve(o->out_dir);
	for (i = 0; i < nt; i++) {
		char *rel, *oreal;

		if (is_under(t[i].real, dir) || !strcmp(t[i].real, dir)) {
			lt_err_set(err, LT_E_CONFIG, o->out_dir, 0,
				   "holds the source %s: the copies must go "
				   "where no source is", t[i].path);
			rc = LT_EXIT_REFUSED;
			goto out;
		}
		rel = out_rel(t[i].path, t[i].real);
		t[i].out = lt_xasprintf("%s%s%s", o->out_dir,
					o->out_dir[strlen(o->out_dir) - 1] == '/'
						? "" : "/", rel);
		free(rel);
		oreal = resolve(t[i].out);
		for (size_t k = 0; k < nt; k++) {
			if (k < i && !strcmp(t[k].out, t[i].out)) {
				lt_err_set(err, LT_E_CONFIG, t[i].out, 0,
					   "two sources would be written here "
					   "(%s and %s)", t[k].path, t[i].path);
				free(oreal);
				rc = LT_EXIT_USAGE;
				goto out;
			}
			if (t[k].real && !strcmp(oreal, t[k].real)) {
				lt_err_set(err, LT_E_CONFIG, t[i].out, 0,
					   "would overwrite the source %s",
					   t[k].path);
				free(oreal);
				rc = LT_EXIT_REFUSED;
				goto out;
			}
		}
		free(oreal);
	}
	if ((rc = prepare(p, err)) != 0)
		goto out;

	/* few outputs: all held as temporaries until every one passed;
	 * many: a pass without output first */
	hold = nt <= HOLD_OPEN_MAX;
	if (!hold) {
		FILE *null = fopen("/dev/null", "w");

		if (!null) {
			rc = LT_EXIT_SOURCE;
			lt_err_set(err, LT_E_IO, "/dev/null", 0, "cannot open: %s",
				   strerror(errno));
			goto out;
		}
		for (i = 0; i < nt; i++)
			if ((rc = pass(p, &t[i], key, null, err)) != 0)
				break;
		fclose(null);
		if (rc != 0)
			goto out;
	}
	for (i = 0; i < nt; i++) {
		if (mkparents(t[i].out, &made, err) < 0 ||
		    lt_afile_open(t[i].out, &t[i].af, err) < 0) {
			rc = LT_EXIT_SOURCE;
			goto out;
		}
		if ((rc = pass(p, &t[i], key, lt_afile_fp(t[i].af), err)) != 0)
			goto out;
		if (!hold && (rc = commit_output(r, &t[i], err)) != 0)
			goto out;
	}
	for (i = 0; hold && i < nt; i++)
		if ((rc = commit_output(r, &t[i], err)) != 0)
			goto out;
	rc = files_receipt(o, r, t, nt, err);
out:
	for (i = 0; i < nt; i++) {
		lt_afile_abort(t[i].af); /* temporaries gone first */
		t[i].af = NULL;
	}
	if (rc != 0 && r->n_outputs == 0)
		dirs_undo(&made); /* nothing written: no directory left behind */
	else
		dirs_release(&made);
	free(dir);
	targets_free(t, nt);
	return rc;
}

/* ---- SQL ------------------------------------------------------------------------------ */

size_t lt_apply_count_statements(const char *s, size_t n)
{
	size_t i = 0, count = 0;
	bool content = false;

	while (i < n) {
		char c = s[i];

		if (c == '-' && i + 1 < n && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			int depth = 1;

			for (i += 2; i < n && depth > 0; i++) {
				if (s[i] == '/' && i + 1 < n && s[i + 1] == '*')
					depth++, i++;
				else if (s[i] == '*' && i + 1 < n && s[i + 1] == '/')
					depth--, i++;
			}
			continue;
		}
		if (c == '\'' || c == '"') {
			content = true;
			for (i++; i < n; i++) {
				if (s[i] == c) {
					if (i + 1 < n && s[i + 1] == c)
						i++;
					else
						break;
				}
			}
			i++;
			continue;
		}
		if (c == '$') {
			size_t j = i + 1;

			while (j < n && (s[j] == '_' || (s[j] >= 'a' && s[j] <= 'z') ||
					 (s[j] >= 'A' && s[j] <= 'Z') ||
					 (j > i + 1 && s[j] >= '0' && s[j] <= '9')))
				j++;
			if (j < n && s[j] == '$') {
				size_t tl = j - i + 1;
				const char *end = NULL;

				for (size_t k = j + 1; k + tl <= n; k++)
					if (!memcmp(s + k, s + i, tl)) {
						end = s + k;
						break;
					}
				content = true;
				i = end ? (size_t)(end - s) + tl : n;
				continue;
			}
		}
		if (c == ';') {
			if (content)
				count++;
			content = false;
		} else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			content = true;
		}
		i++;
	}
	return count + (content ? 1 : 0);
}

char *lt_apply_uri_display(const char *uri)
{
	char *s = lt_xstrdup(uri), *q, *at, *colon, *start;

	/* user:password@ in the authority */
	start = strstr(s, "://");
	if (start) {
		start += 3;
		at = NULL;
		for (char *c = start; *c && *c != '/' && *c != '?' && *c != '#'; c++)
			if (*c == '@')
				at = c;
		if (at) {
			colon = memchr(start, ':', (size_t)(at - start));
			if (colon)
				memmove(colon, at, strlen(at) + 1);
		}
	}
	/* password=... in the query string or a conninfo */
	while ((q = strstr(s, "password=")) != NULL) {
		char *end = q + 9;

		while (*end && *end != '&' && *end != ' ')
			end++;
		if (q > s && (q[-1] == '&' || q[-1] == '?' || q[-1] == ' ')) {
			if (*end == '&' || *end == ' ')
				end++;
			else if (q[-1] == '&' || q[-1] == ' ')
				q--;
		}
		memmove(q, end, strlen(end) + 1);
	}
	return s;
}

/* Reads a whole text file (plan.sql).  Returns 0 or -1. */
static int slurp(const char *path, struct lt_buf *b, struct lt_err *err)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (!f)
		return lt_err_set(err, LT_E_IO, path, 0, "cannot read: %s",
				  strerror(errno));
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		lt_buf_append(b, tmp, n);
	if (ferror(f)) {
		fclose(f);
		return lt_err_set(err, LT_E_IO, path, 0, "read error");
	}
	fclose(f);
	return 0;
}

/* plan.sql: as written in the plan when it exists from here, else beside
 * the plan. */
static char *find_sql(const char *plan_path, const char *sql_path)
{
	const char *slash = strrchr(plan_path, '/');
	const char *base = strrchr(sql_path, '/');
	char *c;

	if (sql_path[0] == '/' || access(sql_path, F_OK) == 0)
		return lt_xstrdup(sql_path);
	c = slash ? lt_xasprintf("%.*s/%s", (int)(slash - plan_path), plan_path,
				 sql_path)
		  : lt_xstrdup(sql_path);
	if (access(c, F_OK) == 0)
		return c;
	free(c);
	base = base ? base + 1 : sql_path;
	return slash ? lt_xasprintf("%.*s/%s", (int)(slash - plan_path),
				    plan_path, base)
		     : lt_xstrdup(base);
}

struct pgctx {
	struct lt_apply_result *r;
	const char *secret;      /* a password, scrubbed from messages */
	bool in_wrap;            /* lethe opened the transaction */
};

static void on_notice(void *arg, const PGresult *res)
{
	struct pgctx *c = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	struct lt_apply_notice *n;

	if (!msg)
		return;
	/* plan.sql's own BEGIN inside the transaction lethe opened */
	if (c->in_wrap && st && !strcmp(st, "25001"))
		return;
	c->r->notices = lt_xreallocarray(c->r->notices, c->r->n_notices + 1,
					 sizeof *c->r->notices);
	n = &c->r->notices[c->r->n_notices++];
	n->severity = lt_xstrdup(sev ? sev : "NOTICE");
	n->msg = lt_xstrdup(msg);
	lt_scrub(n->msg, c->secret);
}

static char *conn_password(const char *uri)
{
	PQconninfoOption *opts = PQconninfoParse(uri, NULL), *o;
	char *pw = NULL;

	if (!opts)
		return NULL;
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			pw = lt_xstrdup(o->val);
	PQconninfoFree(opts);
	return pw;
}

/* ---- plan.sql in parts ------------------------------------------------------------- */

/* One transaction of plan.sql: the main part for a database ("-- lethe:
 * database URI" then BEGIN ... COMMIT), or one batch of an action. */
struct seg {
	char *uri;               /* the database, as plan.sql names it */
	size_t batch;            /* batch of this action id; 0: main part */
	size_t k, n;             /* batch k of n */
	const char *text;        /* in the script */
	size_t len;
	size_t *ids;             /* actions with a statement in it */
	size_t nids;
	bool committed;          /* now, or by an earlier run (resumed) */
	lt_ms started, ended;
};

static void segs_free(struct seg *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i].uri);
		free(g[i].ids);
	}
	free(g);
}

/* Cuts the script at its "-- lethe:database" lines.  A script without
 * any is one part for the plan's one database (uri0). */
static struct seg *split_sql(const char *s, size_t n, const char *uri0,
			     size_t *nseg)
{
	static const char DB[] = "-- lethe:database ", BT[] = "-- lethe:batch ",
			  AC[] = "-- lethe:action ";
	struct seg *g = NULL, *cur = NULL;
	size_t ng = 0, i = 0;

	while (i < n) {
		const char *line = s + i, *nl = memchr(line, '\n', n - i);
		size_t ll = nl ? (size_t)(nl - line) : n - i;

		if (ll >= sizeof DB - 1 && !memcmp(line, DB, sizeof DB - 1)) {
			if (cur)
				cur->len = (size_t)(line - cur->text);
			g = lt_xreallocarray(g, ng + 1, sizeof *g);
			cur = &g[ng++];
			memset(cur, 0, sizeof *cur);
			cur->uri = lt_xstrndup(line + sizeof DB - 1,
					       ll - (sizeof DB - 1));
			cur->uri[strcspn(cur->uri, "\r")] = '\0';
			cur->text = line;
		} else if (!cur && ll > 0 && strncmp(line, "--", 2)) {
			/* a statement before any marker: one part, all of it */
			g = lt_xreallocarray(g, ng + 1, sizeof *g);
			cur = &g[ng++];
			memset(cur, 0, sizeof *cur);
			cur->uri = lt_xstrdup(uri0 ? uri0 : "");
			cur->text = s;
		} else if (cur && ll >= sizeof BT - 1 &&
			   !memcmp(line, BT, sizeof BT - 1)) {
			sscanf(line + sizeof BT - 1, "%zu %zu/%zu", &cur->batch,
			       &cur->k, &cur->n);
		} else if (cur && ll >= sizeof AC - 1 &&
			   !memcmp(line, AC, sizeof AC - 1)) {
			size_t id;

			if (sscanf(line + sizeof AC - 1, "%zu", &id) == 1) {
				cur->ids = lt_xreallocarray(cur->ids, cur->nids + 1,
							    sizeof *cur->ids);
				cur->ids[cur->nids++] = id;
			}
		}
		i += ll + (nl ? 1 : 0);
	}
	if (cur)
		cur->len = (size_t)(s + n - cur->text);
	*nseg = ng;
	return g;
}

/* ---- client-side hash (no pgcrypto on the server) ------------------------------------- */

/* Appends v to a Postgres array literal as a quoted element. */
static void arr_put(struct lt_buf *b, const char *v)
{
	lt_buf_putc(b, b->len ? ',' : '{');
	lt_buf_putc(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			lt_buf_putc(b, '\\');
		lt_buf_putc(b, *v);
	}
	lt_buf_putc(b, '"');
}

/* Hashes the cells of action a in the open transaction: the rows of its
 * predicate, fetched by a cursor in chunks, each updated by ctid; the
 * total must be the plan's count.  Returns 0, or -1 with msg set (the
 * transaction is then to be rolled back). */
static int client_hash(PGconn *conn, const struct lt_plan_action *a,
		       const struct lt_hmac *key, char *msg, size_t cap)
{
	const char *dot = a->table ? strchr(a->table, '.') : NULL;
	char *sq = NULL, *tq = NULL, *cq = NULL, *sql = NULL;
	struct lt_buf ids, hs;
	uint64_t total = 0;
	PGresult *res = NULL;
	int rc = -1;

	lt_buf_init(&ids, 0);
	lt_buf_init(&hs, 0);
	if (!dot || !a->column || !a->where) {
		snprintf(msg, cap, "action %zu: no table, column or predicate "
			 "for the client-side hash", a->id);
		return -1;
	}
	sq = PQescapeIdentifier(conn, a->table, (size_t)(dot - a->table));
	tq = PQescapeIdentifier(conn, dot + 1, strlen(dot + 1));
	cq = PQescapeIdentifier(conn, a->column, strlen(a->column));
	if (!sq || !tq || !cq) {
		snprintf(msg, cap, "action %zu: cannot quote names", a->id);
		goto out;
	}
	sql = lt_xasprintf("DECLARE lethe_hash NO SCROLL CURSOR FOR SELECT "
			   "t.ctid::pg_catalog.text, t.%s::pg_catalog.text FROM "
			   "%s.%s AS t WHERE %s FOR UPDATE", cq, sq, tq, a->where);
	res = PQexec(conn, sql);
	free(sql);
	/* unnest(a, b) is grammar, not a pg_catalog function: ROWS FROM */
	sql = lt_xasprintf("UPDATE %s.%s AS t SET %s = v.h FROM ROWS FROM ("
			   "pg_catalog.unnest($1::pg_catalog.tid[]), "
			   "pg_catalog.unnest($2::pg_catalog.text[])) AS v(id, h) "
			   "WHERE t.ctid OPERATOR(pg_catalog.=) v.id", sq, tq, cq);
	for (;;) {
		int nt;

		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
			const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

			snprintf(msg, cap, "action %zu: %s", a->id,
				 m ? m : "client-side hash failed");
			goto out;
		}
		PQclear(res);
		res = PQexec(conn, "FETCH 1000 FROM lethe_hash");
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			continue; /* reported above on the next turn */
		nt = PQntuples(res);
		if (nt == 0)
			break;
		lt_buf_reset(&ids);
		lt_buf_reset(&hs);
		for (int i = 0; i < nt; i++) {
			const char *v = PQgetvalue(res, i, 1);
			uint8_t mac[32];
			char hex[65];

			lt_hmac_mac(key, v, (size_t)PQgetlength(res, i, 1), mac);
			arr_put(&ids, PQgetvalue(res, i, 0));
			arr_put(&hs, lt_hex(mac, 32, hex));
		}
		lt_buf_putc(&ids, '}');
		lt_buf_putc(&hs, '}');
		PQclear(res);
		res = PQexecParams(conn, sql, 2, NULL,
				   (const char *const[]){ ids.data, hs.data },
				   NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			continue;
		total += strtoull(PQcmdTuples(res), NULL, 10);
	}
	if (total != a->rows) {
		snprintf(msg, cap, "lethe: action %zu (rule %s) touched %llu rows, "
			 "plan counted %llu", a->id, a->rule ? a->rule : "?",
			 (unsigned long long)total, (unsigned long long)a->rows);
		goto out;
	}
	PQclear(PQexec(conn, "CLOSE lethe_hash"));
	rc = 0;
out:
	PQclear(res);
	free(sql);
	PQfreemem(sq);
	PQfreemem(tq);
	PQfreemem(cq);
	lt_buf_release(&ids);
	lt_buf_release(&hs);
	return rc;
}

/* ---- running the parts ------------------------------------------------------------------ */

struct conn {
	char *uri;
	PGconn *c;
	char *pw;
	struct pgctx ctx;
};

static int exec_ok(PGconn *conn, const char *sql, int np, const char *const *v)
{
	PGresult *res = np ? PQexecParams(conn, sql, np, NULL, v, NULL, NULL, 0)
			   : PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);

	PQclear(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
}

static int db_fail(struct conn *k, const char *m, struct lt_err *err)
{
	char msg[240];

	snprintf(msg, sizeof msg, "%s", m ? m : PQerrorMessage(k->c));
	msg[strcspn(msg, "\n")] = '\0';
	lt_scrub(msg, k->pw);
	lt_err_set(err, LT_E_DB, k->uri, 0, "%s", msg);
	if (PQtransactionStatus(k->c) != PQTRANS_IDLE)
		PQclear(PQexec(k->c, "ROLLBACK"));
	return LT_EXIT_REFUSED;
}

/* Runs one part in its own transaction.  The exit code. */
static int run_seg(const struct lt_apply_opts *o, struct lt_apply_result *r,
		   struct conn *k, struct seg *g, const struct lt_hmac *key,
		   bool need_key, struct lt_err *err)
{
	const struct lt_plan *p = r->plan;
	struct lt_buf text;
	PGresult *res;
	ExecStatusType st;
	bool client = false;
	int rc;

	/* client-side hashes of this database go at the end of its main part */
	for (size_t i = 0; !g->batch && i < p->n_actions; i++)
		if (p->actions[i].kind == LT_PLAN_POSTGRES &&
		    p->actions[i].hash_client_side &&
		    !strcmp(p->actions[i].uri ? p->actions[i].uri : "", g->uri))
			client = true;
	if (exec_ok(k->c, "BEGIN", 0, NULL) < 0)
		return db_fail(k, NULL, err);
	k->ctx.in_wrap = true;
	if (need_key &&
	    exec_ok(k->c, "SELECT pg_catalog.set_config('lethe.hash_key', $1, "
		    "true)", 1, (const char *const[]){ o->hash_key }) < 0) {
		/* never the server's message: it could quote the key */
		k->ctx.in_wrap = false;
		return db_fail(k, "cannot set lethe.hash_key", err);
	}
	if (o->allow_ddl &&
	    exec_ok(k->c, "SELECT pg_catalog.set_config('lethe.allow_ddl', 'on', "
		    "true)", 0, NULL) < 0)
		return db_fail(k, NULL, err);
	lt_buf_init(&text, 0);
	lt_buf_append(&text, g->text, g->len);
	if (client) {
		/* the part without its COMMIT: lethe commits after hashing */
		const char *c = NULL;

		for (const char *s = text.data; (s = strstr(s, "COMMIT;")) != NULL;
		     s += 7)
			if (s == text.data || s[-1] == '\n')
				c = s;
		if (c)
			text.len = (size_t)(c - text.data);
		lt_buf_putc(&text, '\0');
		text.len--;
	}
	g->started = now_ms();
	res = PQexec(k->c, text.data ? text.data : "");
	lt_buf_release(&text);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
	    st != PGRES_EMPTY_QUERY) {
		rc = db_fail(k, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY),
			     err);
		PQclear(res);
		k->ctx.in_wrap = false;
		return rc;
	}
	PQclear(res);
	for (size_t i = 0; client && i < p->n_actions; i++) {
		const struct lt_plan_action *a = &p->actions[i];
		char msg[240];

		if (a->kind != LT_PLAN_POSTGRES || !a->hash_client_side ||
		    strcmp(a->uri ? a->uri : "", g->uri))
			continue;
		if (client_hash(k->c, a, key, msg, sizeof msg) < 0) {
			k->ctx.in_wrap = false;
			return db_fail(k, msg, err);
		}
		g->ids = lt_xreallocarray(g->ids, g->nids + 1, sizeof *g->ids);
		g->ids[g->nids++] = a->id;
	}
	if (client && exec_ok(k->c, "COMMIT", 0, NULL) < 0) {
		k->ctx.in_wrap = false;
		return db_fail(k, NULL, err);
	}
	k->ctx.in_wrap = false;
	if (PQtransactionStatus(k->c) != PQTRANS_IDLE)
		return db_fail(k, "plan.sql left its transaction open: rolled "
			       "back", err);
	g->ended = now_ms();
	g->committed = true;
	return LT_EXIT_OK;
}

static const char *receipt_path(const struct lt_apply_opts *o,
				struct lt_apply_result *r)
{
	size_t n = strlen(o->plan_path);

	if (!r->pg_receipt) {
		if (n > 5 && !strcmp(o->plan_path + n - 5, ".json"))
			n -= 5;
		r->pg_receipt = lt_xasprintf("%.*s-receipt.json", (int)n,
					     o->plan_path);
	}
	return r->pg_receipt;
}

/* An earlier, interrupted run of the same plan and plan.sql: the parts it
 * committed are not run again.  Returns the exit code (REFUSED when that
 * run completed). */
static int resume(const struct lt_apply_opts *o, struct lt_apply_result *r,
		  const char *sql_sha, struct seg *g, size_t ng, size_t *skipped,
		  struct lt_err *err)
{
	json_t *root = json_load_file(receipt_path(o, r), 0, NULL), *tx, *e;
	const char *ps, *ss, *status;
	size_t i;

	*skipped = 0;
	if (!root)
		return LT_EXIT_OK;
	ps = json_string_value(json_object_get(json_object_get(root, "plan"),
					       "sha256"));
	ss = json_string_value(json_object_get(json_object_get(root, "sql"),
					       "sha256"));
	status = json_string_value(json_object_get(root, "status"));
	tx = json_object_get(root, "transactions");
	if (!ps || !ss || strcmp(ps, r->plan_sha256) || strcmp(ss, sql_sha) ||
	    !status || !json_is_array(tx)) {
		json_decref(root);
		return LT_EXIT_OK; /* another plan's receipt: replaced */
	}
	if (!strcmp(status, "done")) {
		lt_err_set(err, LT_E_CONFIG, r->pg_receipt, 0,
			   "this plan was carried out already (remove the "
			   "receipt to run it again)");
		json_decref(root);
		return LT_EXIT_REFUSED;
	}
	json_array_foreach(tx, i, e) {
		const char *db = json_string_value(json_object_get(e, "database"));
		json_int_t b = json_integer_value(json_object_get(e, "batch"));
		json_int_t k = json_integer_value(json_object_get(e, "k"));

		if (i >= ng || !json_is_true(json_object_get(e, "committed")))
			break;
		if (!db || strcmp(db, g[i].uri) || (size_t)b != g[i].batch ||
		    (size_t)k != g[i].k)
			break;
		g[i].committed = true;
		(*skipped)++;
	}
	json_decref(root);
	return LT_EXIT_OK;
}

static int pg_receipt(const struct lt_apply_opts *o, struct lt_apply_result *r,
		      const char *sql_sha, const struct seg *g, size_t ng,
		      const char *error, struct lt_err *err)
{
	json_t *root = receipt_head(o, r), *sql = json_object(),
	       *dbs = json_array(), *tx = json_array(), *acts = json_array();
	const struct lt_plan *p = r->plan;
	bool all = true;
	int rc;

	for (size_t i = 0; i < ng; i++)
		all = all && g[i].committed;
	json_object_set_new(root, "status", json_string(all ? "done"
							  : "partial"));
	json_object_set_new(sql, "path", json_string(r->sql_path));
	json_object_set_new(sql, "sha256", json_string(sql_sha));
	json_object_set_new(sql, "statements",
			    json_integer((json_int_t)r->sql_statements));
	json_object_set_new(root, "sql", sql);
	for (size_t k = 0; k < r->n_databases; k++)
		json_array_append_new(dbs, json_string(r->databases[k]));
	json_object_set_new(root, "databases", dbs);
	for (size_t i = 0; i < ng; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "database", json_string(g[i].uri));
		json_object_set_new(e, "batch", json_integer((json_int_t)g[i].batch));
		json_object_set_new(e, "k", json_integer((json_int_t)g[i].k));
		json_object_set_new(e, "n", json_integer((json_int_t)g[i].n));
		json_object_set_new(e, "committed", json_boolean(g[i].committed));
		if (g[i].ended) {
			json_object_set_new(e, "started_at", jtime(g[i].started));
			json_object_set_new(e, "ended_at", jtime(g[i].ended));
		}
		json_array_append_new(tx, e);
	}
	json_object_set_new(root, "transactions", tx);
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].kind == LT_PLAN_POSTGRES && r->acts[i].done)
			json_array_append_new(acts, receipt_action(&p->actions[i],
								   &r->acts[i]));
	json_object_set_new(root, "actions", acts);
	if (error)
		json_object_set_new(root, "error", json_string(error));
	rc = write_json(receipt_path(o, r), root, err);
	json_decref(root);
	return rc;
}

static int do_pg(const struct lt_apply_opts *o, struct lt_apply_result *r,
		 const struct lt_hmac *key, struct lt_err *err)
{
	struct lt_plan *p = r->plan;
	struct lt_buf script;
	struct seg *g = NULL;
	struct conn *cs = NULL;
	size_t ng = 0, nc = 0, skipped = 0, i, j;
	const char *uri0 = NULL;
	uint8_t d[32];
	char hex[65];
	int rc = LT_EXIT_OK;

	if (!p->sql_path) {
		lt_err_set(err, LT_E_CONFIG, o->plan_path, 0,
			   "Postgres actions but no plan.sql in the plan");
		return LT_EXIT_USAGE;
	}
	for (i = 0; i < p->n_actions; i++)
		if (p->actions[i].kind == LT_PLAN_POSTGRES && !uri0)
			uri0 = p->actions[i].uri;
	r->sql_path = find_sql(o->plan_path, p->sql_path);
	lt_buf_init(&script, 0);
	if (slurp(r->sql_path, &script, err) < 0) {
		lt_buf_release(&script);
		return LT_EXIT_SOURCE;
	}
	lt_buf_putc(&script, '\0');
	script.len--;
	lt_sha256(script.data, script.len, d);
	lt_hex(d, 32, hex);
	r->sql_statements = lt_apply_count_statements(script.data, script.len);
	g = split_sql(script.data, script.len, uri0, &ng);
	for (i = 0; i < ng; i++) {
		for (j = 0; j < r->n_databases; j++)
			if (!strcmp(r->databases[j], g[i].uri))
				break;
		if (j == r->n_databases) {
			r->databases = lt_xreallocarray(r->databases,
							r->n_databases + 1,
							sizeof *r->databases);
			r->databases[r->n_databases++] = lt_apply_uri_display(g[i].uri);
		}
		if (g[i].batch)
			r->sql_batched = true;
	}
	if (strcmp(hex, p->sql_sha256)) {
		lt_err_set(err, LT_E_CONFIG, r->sql_path, 0,
			   "changed since the plan was made (sha256): make a "
			   "new plan");
		rc = LT_EXIT_REFUSED;
		goto out;
	}
	if (!o->execute)
		goto out;
	if (o->db_uri && r->n_databases > 1) {
		lt_err_set(err, LT_E_USAGE, r->sql_path, 0,
			   "--db names one database, plan.sql has %zu",
			   r->n_databases);
		rc = LT_EXIT_USAGE;
		goto out;
	}
	if (o->batch_rows && o->batch_rows != p->batch_rows) {
		lt_err_set(err, LT_E_USAGE, r->sql_path, 0,
			   "--batch-rows %llu: plan.sql holds the batches 'lethe "
			   "plan --batch-rows' made (%llu rows): make a new plan "
			   "to change them",
			   (unsigned long long)o->batch_rows,
			   (unsigned long long)p->batch_rows);
		rc = LT_EXIT_USAGE;
		goto out;
	}
	if ((rc = resume(o, r, hex, g, ng, &skipped, err)) != 0)
		goto out;
	for (i = 0; i < ng && rc == LT_EXIT_OK; i++) {
		struct conn *k = NULL;

		if (g[i].committed)
			continue;
		for (j = 0; j < nc; j++)
			if (!strcmp(cs[j].uri, g[i].uri))
				k = &cs[j];
		if (!k) {
			const char *ci = o->db_uri ? o->db_uri : g[i].uri;

			cs = lt_xreallocarray(cs, nc + 1, sizeof *cs);
			k = &cs[nc++];
			memset(k, 0, sizeof *k);
			k->uri = lt_apply_uri_display(g[i].uri);
			k->pw = conn_password(ci);
			k->ctx.r = r;
			k->ctx.secret = k->pw;
			k->c = PQconnectdb(ci);
			if (PQstatus(k->c) != CONNECTION_OK) {
				char msg[240];

				snprintf(msg, sizeof msg, "%s", PQerrorMessage(k->c));
				msg[strcspn(msg, "\n")] = '\0';
				lt_scrub(msg, k->pw);
				lt_err_set(err, LT_E_DB, k->uri, 0,
					   "cannot connect: %s", msg);
				rc = LT_EXIT_SOURCE;
				break;
			}
			PQsetNoticeReceiver(k->c, on_notice, &k->ctx);
		}
		rc = run_seg(o, r, k, &g[i], key,
			     is_hash_plan(p, LT_PLAN_POSTGRES), err);
		r->pg_committed += g[i].committed;
	}
	/* an action is done when every part holding it committed */
	for (i = 0; i < p->n_actions; i++) {
		const struct lt_plan_action *a = &p->actions[i];
		bool seen = false, all = true;

		if (a->kind != LT_PLAN_POSTGRES)
			continue;
		for (j = 0; j < ng; j++) {
			for (size_t q = 0; q < g[j].nids; q++)
				if (g[j].ids[q] == a->id) {
					seen = true;
					all = all && g[j].committed;
					if (g[j].ended && (!r->acts[i].started ||
							   g[j].started < r->acts[i].started))
						r->acts[i].started = g[j].started;
					if (g[j].ended > r->acts[i].ended)
						r->acts[i].ended = g[j].ended;
				}
		}
		if (seen && all) {
			r->acts[i].done = true;
			r->acts[i].rows = a->rows;   /* what the guards verified */
			r->acts[i].cells = a->cells;
		}
	}
	{
		bool any = false;

		for (i = 0; i < ng; i++)
			any = any || g[i].committed;
		if (any) {
			char emsg[600];
			struct lt_err e2;

			if (rc != LT_EXIT_OK)
				lt_err_format(err, emsg, sizeof emsg);
			if (pg_receipt(o, r, hex, g, ng,
				       rc != LT_EXIT_OK ? emsg : NULL, &e2) < 0 &&
			    rc == LT_EXIT_OK) {
				*err = e2;
				rc = LT_EXIT_SOURCE;
			}
			if (rc != LT_EXIT_OK) {
				size_t done = 0;

				for (i = 0; i < ng; i++)
					done += g[i].committed;
				snprintf(err->msg + strlen(err->msg),
					 sizeof err->msg - strlen(err->msg),
					 "; %zu of %zu transactions committed: "
					 "run apply --execute again to resume",
					 done, ng);
			}
		}
	}
	r->pg_executed = rc == LT_EXIT_OK;
	r->pg_resumed = skipped;
out:
	for (i = 0; i < nc; i++) {
		PQfinish(cs[i].c);
		free(cs[i].uri);
		free(cs[i].pw);
	}
	free(cs);
	segs_free(g, ng);
	lt_buf_release(&script);
	return rc;
}

/* ---- the whole run ------------------------------------------------------------------------ */

int lt_apply_run(const struct lt_apply_opts *o, struct lt_apply_result *r,
		 struct lt_err *err)
{
	struct lt_plan_fp pfp;
	struct lt_hmac key;
	bool file_hash, pg_hash, ddl = false;
	int rc;

	memset(r, 0, sizeof *r);
	lt_err_clear(err);
	if (lt_plan_fingerprint(o->plan_path, &pfp, err) < 0)
		return LT_EXIT_USAGE;
	memcpy(r->plan_sha256, pfp.sha256, sizeof r->plan_sha256);
	if (lt_plan_load(o->plan_path, &r->plan, err) < 0)
		return LT_EXIT_USAGE;
	r->acts = lt_xcalloc(r->plan->n_actions ? r->plan->n_actions : 1,
			     sizeof *r->acts);
	for (size_t i = 0; i < r->plan->n_actions; i++) {
		const struct lt_plan_action *a = &r->plan->actions[i];

		if (a->kind == LT_PLAN_FILE)
			r->n_file_actions++;
		else
			r->n_pg_actions++;
		if (a->kind == LT_PLAN_POSTGRES &&
		    (a->action == LT_ACT_DROP_COLUMN || a->needs_ddl))
			ddl = true;
	}
	/* usage problems before anything is read */
	if (r->n_file_actions && (!o->out_dir || !o->out_dir[0])) {
		lt_err_set(err, LT_E_USAGE, NULL, 0,
			   "the plan has %zu file action%s: --out DIR is needed",
			   r->n_file_actions, r->n_file_actions == 1 ? "" : "s");
		return LT_EXIT_USAGE;
	}
	file_hash = is_hash_plan(r->plan, LT_PLAN_FILE);
	pg_hash = o->execute && is_hash_plan(r->plan, LT_PLAN_POSTGRES);
	if ((file_hash || pg_hash) && (!o->hash_key || !o->hash_key[0])) {
		lt_err_set(err, LT_E_USAGE, NULL, 0,
			   "the plan has hash actions: set LETHE_HASH_KEY to "
			   "the key (it is never printed nor stored)");
		return LT_EXIT_USAGE;
	}
	if (o->execute && ddl && !o->allow_ddl) {
		lt_err_set(err, LT_E_USAGE, NULL, 0,
			   "the plan drops Postgres columns (ALTER TABLE ... "
			   "DROP COLUMN): --allow-ddl is needed");
		return LT_EXIT_USAGE;
	}
	if (file_hash)
		lt_hmac_init(&key, o->hash_key, strlen(o->hash_key));
	if (r->n_file_actions) {
		rc = do_files(o, r, file_hash ? &key : NULL, err);
		if (rc != LT_EXIT_OK)
			goto out;
	}
	if (r->n_pg_actions && pg_hash && !file_hash)
		lt_hmac_init(&key, o->hash_key, strlen(o->hash_key));
	rc = r->n_pg_actions ? do_pg(o, r, &key, err) : LT_EXIT_OK;
out:
	memset(&key, 0, sizeof key);
	return rc;
}

void lt_apply_result_release(struct lt_apply_result *r)
{
	if (!r)
		return;
	if (r->acts && r->plan)
		for (size_t i = 0; i < r->plan->n_actions; i++)
			free(r->acts[i].output);
	free(r->acts);
	lt_plan_free(r->plan);
	free(r->receipt);
	free(r->pg_receipt);
	free(r->sql_path);
	for (size_t i = 0; i < r->n_databases; i++)
		free(r->databases[i]);
	free(r->databases);
	for (size_t i = 0; i < r->n_notices; i++) {
		free(r->notices[i].severity);
		free(r->notices[i].msg);
	}
	free(r->notices);
	memset(r, 0, sizeof *r);
}
