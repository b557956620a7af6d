/*
 * build.c - findings + policy -> a plan (module: plan).
 *
 * Place in the data flow: after the scan (cmd_plan.c ran lt_scan_source on
 * every source).  Here:
 *   1. each reported finding (medium or high) is matched to the first rule
 *      that governs it (lt_policy_match); no rule: ungoverned;
 *   2. each file source with governed columns is read a second time, and
 *      every data row is judged by lt_plan_decide (rows.c) -- the function
 *      apply uses -- to count the rows and cells of each action, the
 *      violations (rows over the limit), and the dates that cannot be read;
 *   3. each Postgres source is counted in SQL (sql.c), which also writes
 *      plan.sql.
 * Sources are independent jobs on the worker pool; results are gathered in
 * source order, so the plan does not depend on -j.
 *
 * Actions of one source: one delete_rows action for the union of every
 * delete_rows rule governing one of its columns; per column, one cell
 * action (redact, hash, nullify, drop_column) from the first such rule in
 * policy order among the rules governing the column's findings (the others
 * are listed as refused: superseded).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan_int.h"

/* ---- small helpers ---------------------------------------------------------- */

static size_t rule_index(const struct lt_policy *pol, const struct lt_rule *r)
{
	return (size_t)(r - pol->rules);
}

static void fmt_day(lt_ms t, const struct lt_tz *tz, char out[11])
{
	int64_t s = (t >= 0 ? t / 1000 : (t - 999) / 1000);
	time_t tt;
	struct tm tm;

	s += lt_tz_offset(tz, s);
	tt = (time_t)s;
	gmtime_r(&tt, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- the per-source decisions shared by files and Postgres ------------------ */

void lt_plan_pick(const struct lt_policy *pol, const struct plan_gov *gov,
		  size_t n, const bool *refused, const char *source,
		  const struct lt_rule ***del, size_t *n_del, bool *cell,
		  struct lt_plan_refusal **ref, size_t *n_ref)
{
	size_t i, k, r;

	*del = NULL;
	*n_del = 0;
	for (r = 0; r < pol->n_rules; r++) {
		const struct lt_rule *rule = &pol->rules[r];

		if (rule->action != LT_ACT_DELETE_ROWS)
			continue;
		for (i = 0; i < n; i++)
			if (gov[i].rule == rule && !refused[i])
				break;
		if (i < n) {
			*del = lt_xreallocarray(*del, *n_del + 1, sizeof **del);
			(*del)[(*n_del)++] = rule;
		}
	}
	for (i = 0; i < n; i++) {
		cell[i] = false;
		if (refused[i] || gov[i].rule->action == LT_ACT_DELETE_ROWS)
			continue;
		/* the first cell rule (policy order) on this column wins */
		for (k = 0; k < n; k++) {
			if (k == i || refused[k] ||
			    gov[k].rule->action == LT_ACT_DELETE_ROWS ||
			    strcmp(gov[k].column, gov[i].column) != 0)
				continue;
			if (rule_index(pol, gov[k].rule) < rule_index(pol, gov[i].rule))
				break;
		}
		if (k < n) {
			lt_plan_push_refusal(ref, n_ref, source, gov[i].column,
					     gov[i].rule->id,
					     "superseded on this column by rule %s (%s), "
					     "which comes first in the policy",
					     gov[k].rule->id,
					     lt_action_name(gov[k].rule->action));
			continue;
		}
		cell[i] = true;
	}
}

/* ---- file sources: the second pass ------------------------------------------ */

struct ucount {
	const char *column; /* borrowed from a condition */
	uint64_t rows;
	uint64_t last_row;  /* row last counted (a row counts once per column) */
};

struct file_job {
	/* in */
	const struct lt_plan_input *in;
	struct lt_plan *plan;            /* now and tz only (read-only) */
	const struct lt_source *src;
	const struct lt_source_result *res;
	struct plan_gov *gov;
	size_t n_gov;
	struct lt_plan_ref **refproto;   /* by rule index: age_from file maps */
	char **referr;                   /* by rule index: why the map failed */
	/* state */
	bool *refused;                   /* per gov entry */
	struct lt_plan_cond **rc;        /* by rule index: the rule's condition
	                                  * in this file (NULL: retain 0) */
	bool *rule_ok;                   /* by rule index: usable here */
	struct lt_plan_hold *holds;
	size_t n_holds;
	const struct lt_plan_action **acts;
	size_t n_acts;
	uint8_t *touch;
	bool header_done, stop;
	uint64_t row;                    /* data rows so far */
	uint64_t *vrows;                 /* per gov entry: violation rows */
	lt_ms *voldest;                  /* per gov entry */
	bool *vhas;                      /* per gov entry: a date was seen */
	struct ucount *uc;
	size_t n_uc;
	struct lt_buf log;
	/* out */
	struct lt_plan_action *actions;  size_t n_actions;
	struct lt_plan_violation *viol;  size_t n_viol;
	struct lt_plan_unreadable *unr;  size_t n_unr;
	struct lt_plan_refusal *ref;     size_t n_ref;
	char *error;
};

static void refuse_rule(struct file_job *j, const struct lt_rule *rule,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void refuse_rule(struct file_job *j, const struct lt_rule *rule,
			const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	j->rule_ok[rule_index(j->in->policy, rule)] = false;
	for (i = 0; i < j->n_gov; i++)
		if (j->gov[i].rule == rule && !j->refused[i]) {
			j->refused[i] = true;
			lt_plan_push_refusal(&j->ref, &j->n_ref, j->src->name,
					     j->gov[i].column, rule->id, "%s", msg);
		}
}

static long find_col(const struct lt_field *f, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lt_plan_name_eq(f[i].p, f[i].n, name))
			return (long)i;
	return -1;
}

/* The condition of rule in this file, from its header.  Refuses the rule
 * (and returns) when its dates cannot be found. */
static void file_cond(struct file_job *j, const struct lt_rule *rule,
		      const struct lt_field *f, size_t n)
{
	size_t ri = rule_index(j->in->policy, rule), i;
	struct lt_plan_cond *c;
	char names[300] = "";

	if (rule->retain.n == 0 || j->rc[ri] || !j->rule_ok[ri])
		return;
	switch (rule->age_from) {
	case LT_AGE_FROM_TABLE:
		refuse_rule(j, rule, "age_from names a table (%s): a file needs "
			    "age_from: {file: ...}", rule->ref_table);
		return;
	case LT_AGE_FROM_FILE:
		if (j->referr[ri]) {
			refuse_rule(j, rule, "age_from file: %s", j->referr[ri]);
			return;
		}
		if (find_col(f, n, rule->ref_key) < 0) {
			refuse_rule(j, rule, "the age_from key column '%s' is not "
				    "in the file", rule->ref_key);
			return;
		}
		break;
	case LT_AGE_FROM_COLUMNS:
		for (i = 0; i < rule->age_columns.n; i++)
			if (find_col(f, n, rule->age_columns.v[i]) >= 0)
				break;
		if (i == rule->age_columns.n) {
			for (i = 0; i < rule->age_columns.n; i++)
				snprintf(names + strlen(names), sizeof names - strlen(names),
					 "%s%s", i ? ", " : "", rule->age_columns.v[i]);
			refuse_rule(j, rule, "none of its age_from columns (%s) is "
				    "in the file", names);
			return;
		}
		break;
	default:
		refuse_rule(j, rule, "retain without age_from");
		return;
	}
	c = lt_xcalloc(1, sizeof *c);
	c->rule = lt_xstrdup(rule->id);
	c->retain = rule->retain;
	c->date_format = rule->date_format;
	c->cutoff = lt_age_cutoff(rule->retain, j->plan->tz, j->plan->now);
	c->age_column_indexes = lt_xcalloc(rule->age_columns.n + 1,
					   sizeof *c->age_column_indexes);
	if (rule->age_from == LT_AGE_FROM_COLUMNS) {
		for (i = 0; i < rule->age_columns.n; i++) {
			long k = find_col(f, n, rule->age_columns.v[i]);

			if (k < 0)
				continue;
			c->age_column_indexes[c->age_columns.n] = k;
			lt_strlist_push(&c->age_columns, rule->age_columns.v[i]);
		}
	} else {
		c->ref = lt_xcalloc(1, sizeof *c->ref);
		lt_plan_ref_share(c->ref, j->refproto[ri]);
		c->ref->key_index = find_col(f, n, rule->ref_key);
	}
	j->rc[ri] = c;
}

static void new_action(struct file_job *j, struct lt_plan_action *a,
		       enum lt_action act)
{
	memset(a, 0, sizeof *a);
	a->kind = LT_PLAN_FILE;
	a->source = lt_xstrdup(j->src->name);
	a->path = lt_xstrdup(j->src->path);
	a->member = j->src->member ? lt_xstrdup(j->src->member) : NULL;
	a->action = act;
	a->column_index = -1;
	a->mask = '*';
	if (j->n_holds) {
		size_t i;

		a->holds = lt_xcalloc(j->n_holds, sizeof *a->holds);
		a->n_holds = j->n_holds;
		for (i = 0; i < j->n_holds; i++) {
			a->holds[i].id = lt_xstrdup(j->holds[i].id);
			a->holds[i].column = lt_xstrdup(j->holds[i].column);
			a->holds[i].column_index = j->holds[i].column_index;
			lt_strlist_copy(&a->holds[i].keys, &j->holds[i].keys);
		}
	}
}

static void add_cond(struct lt_plan_action *a, const struct lt_plan_cond *c)
{
	a->conds = lt_xreallocarray(a->conds, a->n_conds + 1, sizeof *a->conds);
	lt_plan_cond_copy(&a->conds[a->n_conds++], c);
}

/* The header: column indexes, conditions, holds, actions. */
static int file_header(struct file_job *j, const struct lt_field *f, size_t n)
{
	const struct lt_policy *pol = j->in->policy;
	struct lt_match_ctx mc = { .source = j->src->name, .kind = "file" };
	const struct lt_rule **del = NULL;
	size_t n_del = 0, i, k;
	bool *cell;

	/* holds that apply to this file, by their key column */
	for (i = 0; i < pol->n_holds; i++) {
		const struct lt_hold *h = &pol->holds[i];
		long col;

		if (!lt_hold_applies(h, &mc))
			continue;
		col = find_col(f, n, h->column);
		if (col < 0) {
			for (k = 0; k < j->n_gov; k++)
				if (!j->refused[k]) {
					j->refused[k] = true;
					lt_plan_push_refusal(&j->ref, &j->n_ref,
						j->src->name, j->gov[k].column,
						j->gov[k].rule->id,
						"hold %s: its column '%s' is not in "
						"the file, so its rows cannot be "
						"told apart", h->id, h->column);
				}
			return 1;
		}
		j->holds = lt_xreallocarray(j->holds, j->n_holds + 1, sizeof *j->holds);
		memset(&j->holds[j->n_holds], 0, sizeof *j->holds);
		j->holds[j->n_holds].id = lt_xstrdup(h->id);
		j->holds[j->n_holds].column = lt_xstrdup(h->column);
		j->holds[j->n_holds].column_index = col;
		lt_strlist_copy(&j->holds[j->n_holds].keys, &h->keys);
		j->n_holds++;
	}
	for (i = 0; i < j->n_gov; i++)
		if (!j->refused[i])
			file_cond(j, j->gov[i].rule, f, n);
	/* drop_column cannot spare held rows: refused where a hold applies */
	for (i = 0; i < j->n_gov; i++)
		if (!j->refused[i] && j->gov[i].rule->action == LT_ACT_DROP_COLUMN &&
		    j->n_holds) {
			j->refused[i] = true;
			lt_plan_push_refusal(&j->ref, &j->n_ref, j->src->name,
					     j->gov[i].column, j->gov[i].rule->id,
					     "drop_column would remove the column "
					     "from rows a hold (%s) exempts",
					     j->holds[0].id);
		}

	cell = lt_xcalloc(j->n_gov + 1, sizeof *cell);
	lt_plan_pick(pol, j->gov, j->n_gov, j->refused, j->src->name, &del,
		     &n_del, cell, &j->ref, &j->n_ref);
	j->actions = lt_xcalloc(j->n_gov + 1, sizeof *j->actions);
	if (n_del) {
		struct lt_plan_action *a = &j->actions[j->n_actions++];
		bool every = false;

		new_action(j, a, LT_ACT_DELETE_ROWS);
		for (k = 0; k < n_del; k++) {
			lt_strlist_push(&a->rules, del[k]->id);
			if (del[k]->retain.n == 0)
				every = true;
		}
		a->rule = lt_xstrdup(del[0]->id);
		for (k = 0; k < n_del && !every; k++)
			add_cond(a, j->rc[rule_index(pol, del[k])]);
	}
	for (i = 0; i < j->n_gov; i++) {
		const struct lt_rule *r = j->gov[i].rule;
		struct lt_plan_action *a;

		if (!cell[i])
			continue;
		a = &j->actions[j->n_actions++];
		new_action(j, a, r->action);
		a->column = lt_xstrdup(j->gov[i].column);
		a->column_index = j->gov[i].index;
		a->rule = lt_xstrdup(r->id);
		a->keep = r->keep;
		a->mask = r->mask ? r->mask : '*';
		if (r->retain.n)
			add_cond(a, j->rc[rule_index(pol, r)]);
	}
	free(cell);
	free(del);
	/* actions in column order after the delete: stable for apply */
	for (i = 1 + (n_del ? 1 : 0); i < j->n_actions; i++)
		for (k = i; k > (n_del ? 1u : 0u) &&
		     j->actions[k - 1].column_index > j->actions[k].column_index; k--) {
			struct lt_plan_action t = j->actions[k];

			j->actions[k] = j->actions[k - 1];
			j->actions[k - 1] = t;
		}
	j->acts = lt_xcalloc(j->n_actions + 1, sizeof *j->acts);
	for (i = 0; i < j->n_actions; i++)
		j->acts[i] = &j->actions[i];
	j->touch = lt_xcalloc(j->n_actions + 1, 1);
	return 0;
}

static void count_unreadable(struct file_job *j, const char *col)
{
	size_t i;

	for (i = 0; i < j->n_uc; i++)
		if (!strcmp(j->uc[i].column, col))
			break;
	if (i == j->n_uc) {
		j->uc = lt_xreallocarray(j->uc, j->n_uc + 1, sizeof *j->uc);
		j->uc[j->n_uc].column = col;
		j->uc[j->n_uc].rows = 0;
		j->uc[j->n_uc].last_row = 0;
		j->n_uc++;
	}
	if (j->uc[i].last_row != j->row) {
		j->uc[i].last_row = j->row;
		j->uc[i].rows++;
	}
}

static int file_record(void *ctx, const struct lt_field *f, size_t n,
		       uint64_t line, uint64_t byte)
{
	struct file_job *j = ctx;
	const struct lt_policy *pol = j->in->policy;
	bool deleted, held;
	size_t i;

	(void)byte;
	if (!j->header_done) {
		int rc;

		j->header_done = true;
		if (j->in->scan->no_header) {
			/* columns are col1, col2, ... as the scan named them */
			struct lt_field *names = lt_xcalloc(n + 1, sizeof *names);

			for (i = 0; i < n; i++) {
				names[i].p = lt_xasprintf("col%zu", i + 1);
				names[i].n = strlen(names[i].p);
			}
			rc = file_header(j, names, n);
			for (i = 0; i < n; i++)
				free((char *)names[i].p);
			free(names);
		} else {
			rc = file_header(j, f, n);
		}
		if (rc != 0) {
			j->stop = true;
			return 1;
		}
		if (!j->in->scan->no_header)
			return 0;
	}
	j->row++;
	deleted = lt_plan_decide(j->plan, j->acts, j->n_actions, f, n, j->touch);
	held = j->n_actions ? lt_plan_held(j->acts[0], f, n) : false;
	for (i = 0; i < j->n_actions; i++) {
		struct lt_plan_action *a = &j->actions[i];

		if (!j->touch[i])
			continue;
		a->rows++;
		if (a->action != LT_ACT_DELETE_ROWS && a->column_index >= 0 &&
		    (size_t)a->column_index < n && f[a->column_index].n > 0)
			a->cells++;
	}
	/* violations and unreadable dates: every usable rule, held rows aside */
	if (!held) {
		for (i = 0; i < pol->n_rules; i++) {
			const char *ucol = NULL;

			if (!j->rc[i])
				continue;
			if (lt_plan_cond_eval(j->plan, j->rc[i], f, n, NULL, &ucol) ==
			    LT_ROW_UNREADABLE && ucol)
				count_unreadable(j, ucol);
		}
		for (i = 0; i < j->n_gov; i++) {
			const struct lt_rule *r = j->gov[i].rule;
			long ci = j->gov[i].index;
			lt_ms t = 0;

			if (j->refused[i] || ci < 0 || (size_t)ci >= n || f[ci].n == 0)
				continue;
			if (r->retain.n) {
				struct lt_plan_cond *c = j->rc[rule_index(pol, r)];

				if (!c || lt_plan_cond_eval(j->plan, c, f, n, &t, NULL) !=
					  LT_ROW_OVER)
					continue;
				if (!j->vhas[i] || t < j->voldest[i]) {
					j->voldest[i] = t;
					j->vhas[i] = true;
				}
			}
			j->vrows[i]++;
		}
	}
	if (j->in->row_log) {
		char buf[64];
		bool any = false;

		snprintf(buf, sizeof buf, "\t%llu\t%llu\t",
			 (unsigned long long)j->row, (unsigned long long)line);
		lt_buf_append(&j->log, j->src->name, strlen(j->src->name));
		lt_buf_append(&j->log, buf, strlen(buf));
		if (held) {
			lt_buf_append(&j->log, "held", 4);
		} else if (deleted) {
			lt_buf_append(&j->log, "delete", 6);
		} else {
			for (i = 0; i < j->n_actions; i++) {
				const struct lt_plan_action *a = &j->actions[i];

				if (!j->touch[i])
					continue;
				if (any)
					lt_buf_putc(&j->log, ',');
				lt_buf_append(&j->log, lt_action_name(a->action),
					      strlen(lt_action_name(a->action)));
				lt_buf_putc(&j->log, ':');
				lt_buf_append(&j->log, a->column, strlen(a->column));
				any = true;
			}
			if (!any)
				lt_buf_append(&j->log, "keep", 4);
		}
		lt_buf_putc(&j->log, '\n');
	}
	return 0;
}

static void file_job_run(struct file_job *j)
{
	const struct lt_policy *pol = j->in->policy;
	struct plan_csv_opts o = {
		.delimiter = j->in->scan->delimiter,
		.encoding = j->in->scan->encoding,
		.max_field = j->in->scan->max_field,
	};
	struct plan_csv_info info = { 0 };
	struct lt_plan_fp fp = { 0 };
	struct lt_err err;
	char msg[600];
	size_t i;

	lt_err_clear(&err);
	j->refused = lt_xcalloc(j->n_gov + 1, sizeof *j->refused);
	j->rc = lt_xcalloc(pol->n_rules + 1, sizeof *j->rc);
	j->rule_ok = lt_xcalloc(pol->n_rules + 1, sizeof *j->rule_ok);
	for (i = 0; i < pol->n_rules; i++)
		j->rule_ok[i] = true;
	j->vrows = lt_xcalloc(j->n_gov + 1, sizeof *j->vrows);
	j->voldest = lt_xcalloc(j->n_gov + 1, sizeof *j->voldest);
	j->vhas = lt_xcalloc(j->n_gov + 1, sizeof *j->vhas);
	lt_buf_init(&j->log, 0);

	if (j->src->kind == LT_SRC_STDIN) {
		/* cannot be read twice nor rewritten: refuse, and report what
		 * the scan alone shows (retain 0: every non-empty cell) */
		for (i = 0; i < j->n_gov; i++) {
			const struct lt_rule *r = j->gov[i].rule;

			j->refused[i] = true;
			lt_plan_push_refusal(&j->ref, &j->n_ref, j->src->name,
					     j->gov[i].column, r->id,
					     "read from standard input: a plan needs a "
					     "file it can read again and apply can rewrite");
			if (r->retain.n == 0) {
				size_t k;

				for (k = 0; k < j->res->n_columns; k++)
					if ((long)j->res->columns[k].index == j->gov[i].index)
						j->vrows[i] = j->res->columns[k].non_empty;
			}
		}
		goto violations;
	}
	if (lt_plan_fingerprint(j->src->path, &fp, &err) < 0 ||
	    lt_plan_read_csv(j->src, &o, file_record, j, &info, &err) < 0) {
		j->error = lt_xstrdup(lt_err_format_short(&err, msg, sizeof msg));
		for (i = 0; i < j->n_actions; i++) {
			/* a partial count is no plan: drop the actions */
			lt_plan_action_clear(&j->actions[i]);
		}
		j->n_actions = 0;
		for (i = 0; i < j->n_gov; i++)
			if (!j->refused[i]) {
				j->refused[i] = true;
				lt_plan_push_refusal(&j->ref, &j->n_ref, j->src->name,
						     j->gov[i].column, j->gov[i].rule->id,
						     "the file could not be read again");
			}
		goto done;
	}
	if (!j->header_done) { /* empty file: nothing to plan */
		for (i = 0; i < j->n_gov; i++)
			j->refused[i] = true;
	}
	for (i = 0; i < j->n_actions; i++) {
		struct lt_plan_action *a = &j->actions[i];

		a->fp = fp;
		snprintf(a->format.container, sizeof a->format.container, "%s",
			 j->src->member ? "zip" : info.container);
		snprintf(a->format.encoding, sizeof a->format.encoding, "%s",
			 info.encoding);
		a->format.bom = info.bom;
		a->format.delimiter = info.delimiter;
		a->format.header = !j->in->scan->no_header;
	}
	/* actions that change nothing are left out */
	for (i = 0; i < j->n_actions;) {
		if (j->actions[i].rows == 0) {
			lt_plan_action_clear(&j->actions[i]);
			memmove(&j->actions[i], &j->actions[i + 1],
				(j->n_actions - i - 1) * sizeof *j->actions);
			j->n_actions--;
		} else {
			i++;
		}
	}
violations:
	for (i = 0; i < j->n_gov; i++) {
		struct lt_plan_violation *v;

		if (j->vrows[i] == 0)
			continue;
		v = lt_plan_push_violation(&j->viol, &j->n_viol, j->src->name,
					   &j->gov[i], j->vrows[i]);
		if (j->vhas[i])
			fmt_day(j->voldest[i], j->plan->tz, v->oldest);
	}
	for (i = 0; i < j->n_uc; i++) {
		struct lt_plan_unreadable *u;

		j->unr = lt_xreallocarray(j->unr, j->n_unr + 1, sizeof *j->unr);
		u = &j->unr[j->n_unr++];
		u->source = lt_xstrdup(j->src->name);
		u->column = lt_xstrdup(j->uc[i].column);
		u->rows = j->uc[i].rows;
	}
done:
	free(j->uc);
	j->uc = NULL;
	free(j->refused);
	for (i = 0; i < pol->n_rules; i++)
		if (j->rc[i]) {
			lt_plan_cond_clear(j->rc[i]);
			free(j->rc[i]);
		}
	free(j->rc);
	free(j->rule_ok);
	free(j->vrows);
	free(j->voldest);
	free(j->vhas);
	for (i = 0; i < j->n_holds; i++) {
		free(j->holds[i].id);
		free(j->holds[i].column);
		lt_strlist_free(&j->holds[i].keys);
	}
	free(j->holds);
	free(j->acts);
	free(j->touch);
}

/* ---- the build ------------------------------------------------------------------ */

struct job {
	bool pg;
	struct file_job f;
	struct plan_pg_job g;
};

struct pool_ctx {
	struct job *jobs;
};

static void run_job(void *vctx, size_t i, unsigned worker)
{
	struct pool_ctx *ctx = vctx;

	(void)worker;
	if (ctx->jobs[i].pg)
		lt_plan_pg_job(&ctx->jobs[i].g);
	else
		file_job_run(&ctx->jobs[i].f);
}

static void push_gov(struct plan_gov **v, size_t *n, const char *column,
		     long index, const char *type, const struct lt_rule *rule)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i].rule == rule && !strcmp((*v)[i].column, column))
			return; /* one entry per (column, rule): the first type */
	*v = lt_xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].column = column;
	(*v)[*n].index = index;
	(*v)[*n].type = type;
	(*v)[*n].rule = rule;
	(*n)++;
}

#define APPEND(dst, ndst, src, nsrc)                                           \
	do {                                                                   \
		if (nsrc) {                                                    \
			dst = lt_xreallocarray(dst, ndst + nsrc, sizeof *dst); \
			memcpy(dst + ndst, src, nsrc * sizeof *dst);           \
			ndst += nsrc;                                          \
		}                                                              \
		free(src);                                                     \
		src = NULL;                                                    \
		nsrc = 0;                                                      \
	} while (0)

int lt_plan_build(const struct lt_plan_input *in, struct lt_plan **out,
		  struct lt_buf *sql, struct lt_err *err)
{
	const struct lt_policy *pol = in->policy;
	struct lt_plan *p = lt_xcalloc(1, sizeof *p);
	struct lt_plan_fp pfp = { 0 };
	struct lt_plan_ref **refproto;
	char **referr;
	struct job *jobs;
	size_t nj = 0, i, k, f;
	bool any_pg = false;

	p->policy_path = lt_xstrdup(in->policy_path);
	p->policy_name = lt_xstrdup(pol->name ? pol->name : "");
	if (lt_plan_fingerprint(pol->path, &pfp, err) < 0) {
		lt_plan_free(p);
		return -1;
	}
	memcpy(p->policy_sha256, pfp.sha256, sizeof p->policy_sha256);
	p->now = in->now;
	p->generated_at = (int64_t)time(NULL);
	p->timezone = lt_xstrdup(lt_tz_name(pol->tz));
	if (lt_tz_load(p->timezone, &p->tz, err) < 0) {
		lt_plan_free(p);
		return -1;
	}
	p->batch_rows = in->batch_rows;

	jobs = lt_xcalloc(in->sources->n + 1, sizeof *jobs);
	refproto = lt_xcalloc(pol->n_rules + 1, sizeof *refproto);
	referr = lt_xcalloc(pol->n_rules + 1, sizeof *referr);

	/* 1. findings -> rules */
	for (i = 0; i < in->sources->n; i++) {
		const struct lt_source_result *r = &in->results[i];
		const struct lt_source *src = &in->sources->items[i];
		bool pg = src->kind == LT_SRC_POSTGRES;
		struct plan_gov *gov = NULL;
		size_t n_gov = 0;

		if (r->status == LT_STATUS_ERROR) {
			p->errors = lt_xreallocarray(p->errors, p->n_errors + 1,
						     sizeof *p->errors);
			p->errors[p->n_errors].source = lt_xstrdup(src->name);
			p->errors[p->n_errors].error = lt_xstrdup(r->error);
			p->n_errors++;
			continue;
		}
		if (r->status != LT_STATUS_OK)
			continue;
		for (k = 0; k < r->n_columns; k++) {
			const struct lt_column *c = &r->columns[k];

			for (f = 0; f < c->n_findings; f++) {
				const struct lt_detector_info *di;
				struct lt_match_ctx mc = {
					.source = src->name,
					.kind = pg ? "postgres" : "file",
					.table = src->table, .column = c->name,
				};
				const struct lt_rule *rule;

				if (c->findings[f].confidence < LT_CONF_MEDIUM)
					continue;
				di = lt_packset_info(in->ps, c->findings[f].det);
				mc.type = di->id;
				mc.category = di->category;
				rule = lt_policy_match(pol, &mc);
				if (rule) {
					push_gov(&gov, &n_gov, c->name, (long)c->index,
						 di->id, rule);
					continue;
				}
				p->ungoverned = lt_xreallocarray(p->ungoverned,
					p->n_ungoverned + 1, sizeof *p->ungoverned);
				p->ungoverned[p->n_ungoverned].source = lt_xstrdup(src->name);
				p->ungoverned[p->n_ungoverned].column = lt_xstrdup(c->name);
				p->ungoverned[p->n_ungoverned].type = lt_xstrdup(di->id);
				p->n_ungoverned++;
				if (pol->ungoverned == LT_UNGOVERNED_FAIL) {
					struct lt_plan_violation *v;

					p->violations = lt_xreallocarray(p->violations,
						p->n_violations + 1, sizeof *p->violations);
					v = &p->violations[p->n_violations++];
					memset(v, 0, sizeof *v);
					v->source = lt_xstrdup(src->name);
					v->column = lt_xstrdup(c->name);
					v->type = lt_xstrdup(di->id);
					v->rows = c->findings[f].matched;
				}
			}
		}
		if (!n_gov)
			continue;
		jobs[nj].pg = pg;
		if (pg) {
			any_pg = true;
			jobs[nj].g.src = src;
			jobs[nj].g.policy = pol;
			jobs[nj].g.gov = gov;
			jobs[nj].g.n_gov = n_gov;
			jobs[nj].g.now = in->now;
			jobs[nj].g.batch_rows = in->batch_rows;
			jobs[nj].g.statement_timeout_ms = in->scan->statement_timeout_ms;
			jobs[nj].g.tz = p->tz;
		} else {
			jobs[nj].f.in = in;
			jobs[nj].f.plan = p;
			jobs[nj].f.src = src;
			jobs[nj].f.res = r;
			jobs[nj].f.gov = gov;
			jobs[nj].f.n_gov = n_gov;
			jobs[nj].f.refproto = refproto;
			jobs[nj].f.referr = referr;
			/* age_from files of the rules governing it, read once */
			for (k = 0; k < n_gov; k++) {
				const struct lt_rule *rule = gov[k].rule;
				size_t ri = rule_index(pol, rule);
				struct lt_err e;
				char m[600];

				if (rule->age_from != LT_AGE_FROM_FILE ||
				    rule->retain.n == 0 || refproto[ri] || referr[ri] ||
				    src->kind == LT_SRC_STDIN)
					continue;
				refproto[ri] = lt_xcalloc(1, sizeof **refproto);
				refproto[ri]->path = lt_xstrdup(rule->ref_file);
				refproto[ri]->column = lt_xstrdup(rule->ref_column);
				refproto[ri]->key = lt_xstrdup(rule->ref_key);
				refproto[ri]->key_index = -1;
				lt_err_clear(&e);
				if (lt_plan_fingerprint(rule->ref_file, &refproto[ri]->fp, &e) < 0 ||
				    lt_plan_ref_build(refproto[ri], rule->date_format, p->tz,
						      refproto, pol->n_rules, &e) < 0) {
					lt_err_format(&e, m, sizeof m);
					referr[ri] = lt_xstrdup(m);
					lt_plan_ref_release(refproto[ri]);
					free(refproto[ri]);
					refproto[ri] = NULL;
					p->errors = lt_xreallocarray(p->errors, p->n_errors + 1,
								     sizeof *p->errors);
					p->errors[p->n_errors].source = lt_name_escape(rule->ref_file);
					p->errors[p->n_errors].error = lt_xstrdup(e.msg);
					p->n_errors++;
				}
			}
		}
		nj++;
	}

	/* 2, 3. the passes */
	{
		struct pool_ctx ctx = { .jobs = jobs };
		unsigned nw = in->jobs ? in->jobs : 1;

		if (nw > nj)
			nw = nj ? (unsigned)nj : 1;
		if (nj)
			lt_pool_run(nw, nj, run_job, &ctx);
	}

	/* gather, in source order */
	for (i = 0; i < nj; i++) {
		struct lt_plan_action *acts;
		size_t na;

		if (jobs[i].pg) {
			struct plan_pg_job *g = &jobs[i].g;

			for (k = 0; k < g->n_actions; k++)
				g->actions[k].id = p->n_actions + k + 1;
			acts = g->actions;
			na = g->n_actions;
			/* the SQL names action ids: copy, do not move, so the
			 * job can still write its statements */
			if (na) {
				p->actions = lt_xreallocarray(p->actions, p->n_actions + na,
							      sizeof *p->actions);
				memcpy(p->actions + p->n_actions, acts, na * sizeof *acts);
				p->n_actions += na;
			}
			APPEND(p->violations, p->n_violations, g->viol, g->n_viol);
			APPEND(p->unreadable, p->n_unreadable, g->unr, g->n_unr);
			APPEND(p->refused, p->n_refused, g->ref, g->n_ref);
			if (g->error) {
				p->errors = lt_xreallocarray(p->errors, p->n_errors + 1,
							     sizeof *p->errors);
				p->errors[p->n_errors].source = lt_xstrdup(g->src->name);
				p->errors[p->n_errors].error = g->error;
				g->error = NULL;
				p->n_errors++;
			}
		} else {
			struct file_job *fj = &jobs[i].f;

			for (k = 0; k < fj->n_actions; k++)
				fj->actions[k].id = p->n_actions + k + 1;
			APPEND(p->actions, p->n_actions, fj->actions, fj->n_actions);
			APPEND(p->violations, p->n_violations, fj->viol, fj->n_viol);
			APPEND(p->unreadable, p->n_unreadable, fj->unr, fj->n_unr);
			APPEND(p->refused, p->n_refused, fj->ref, fj->n_ref);
			if (fj->error) {
				p->errors = lt_xreallocarray(p->errors, p->n_errors + 1,
							     sizeof *p->errors);
				p->errors[p->n_errors].source = lt_xstrdup(fj->src->name);
				p->errors[p->n_errors].error = fj->error;
				fj->error = NULL;
				p->n_errors++;
			}
			if (in->row_log && fj->log.len)
				fwrite(fj->log.data, 1, fj->log.len, in->row_log);
			lt_buf_release(&fj->log);
			free(fj->gov);
		}
	}

	/* plan.sql: every Postgres job's statements, per database */
	if (any_pg) {
		struct plan_pg_job **pj = lt_xcalloc(nj + 1, sizeof *pj);
		size_t npj = 0;

		for (i = 0; i < nj; i++)
			if (jobs[i].pg)
				pj[npj++] = &jobs[i].g;
		lt_plan_pg_write_sql(pj, npj, p, sql);
		for (i = 0; i < npj; i++) {
			/* the actions were copied into p: only the job's own
			 * bookkeeping goes */
			free(pj[i]->actions);
			pj[i]->actions = NULL;
			pj[i]->n_actions = 0;
			lt_plan_pg_job_release(pj[i]);
			free((void *)pj[i]->gov);
		}
		free(pj);
		if (sql->len && in->sql_path)
			p->sql_path = lt_xstrdup(in->sql_path);
	}

	for (i = 0; i < pol->n_rules; i++) {
		if (refproto[i]) {
			lt_plan_ref_release(refproto[i]);
			free(refproto[i]);
		}
		free(referr[i]);
	}
	free(refproto);
	free(referr);
	free(jobs);
	*out = p;
	return 0;
}
