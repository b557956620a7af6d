/*
 * load.c - reading and checking a policy file (module: policy).
 *
 * Where it sits: `lethe policy check` and `lethe plan --policy` load a
 * policy once, before any source is read; the plan builder then shares it
 * read-only between workers.  The file is read whole (it is small, and
 * capped), parsed into a libyaml document, then walked: every node keeps
 * its mark, so every problem is reported at its line and column, and the
 * walk goes on after a problem so that one run names them all.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "lethe/policy.h"
#include "lethe/util.h"

#define POLICY_MAX (4u << 20)     /* bytes of a policy file */
#define HOLD_FILE_MAX (64u << 20) /* bytes of a hold's key list */
#define MAX_ERRS 100              /* reported, the last one saying so */
#define MAX_ID 64                 /* rule, hold and policy ids */

/* DESIGN.md, "Types and categories". */
static const char *const vocabulary[] = {
	"national_id", "phone", "email", "postal_address", "postal_code",
	"person_name", "date_of_birth", "payment_card", "bank_account",
	"ip_address", "national_id_partial", "passport", "vehicle",
	"credential", "other",
};
#define N_VOCAB (sizeof vocabulary / sizeof *vocabulary)

static const char *const action_names[] = {
	"delete_rows", "redact", "hash", "nullify", "drop_column",
};
static const char *const keep_names[] = { "none", "last4", "first6", "domain" };
static const char *const date_names[] = {
	"auto", "iso", "dmy", "ymd8", "ymd_dot", "epoch_s", "epoch_ms",
};

enum { K_POLICY, K_VERSION, K_TIMEZONE, K_UNGOVERNED, K_RULES, K_HOLDS, K_N };
static const char *const top_keys[K_N] = {
	"policy", "version", "timezone", "ungoverned", "rules", "holds",
};
enum { R_ID, R_MATCH, R_RETAIN, R_AGE_FROM, R_DATE_FORMAT, R_ACTION, R_KEEP,
       R_MASK, R_N };
static const char *const rule_keys[R_N] = {
	"id", "match", "retain", "age_from", "date_format", "action", "keep",
	"mask",
};
/* Same order as the LT_MATCH_* bits. */
enum { M_TYPES, M_CATEGORIES, M_SOURCES, M_TABLES, M_COLUMNS, M_N };
static const char *const match_keys[M_N] = {
	"types", "categories", "sources", "tables", "columns",
};
enum { A_TABLE, A_FILE, A_COLUMN, A_KEY, A_N };
static const char *const age_keys[A_N] = { "table", "file", "column", "key" };
enum { H_ID, H_MATCH, H_WHERE, H_N };
static const char *const hold_keys[H_N] = { "id", "match", "where" };
enum { W_COLUMN, W_IN_FILE, W_IN, W_N };
static const char *const where_keys[W_N] = { "column", "in_file", "in" };

struct perr {
	struct lt_err e;
	uint64_t col;  /* 1-based, 0 when no location */
	size_t seq;    /* discovery order, to keep the sort stable */
};

/* What the checks after a rule's walk need to know of it. */
struct rule_aux {
	yaml_mark_t match_mark;
	bool match_ok;  /* the match parsed without error: comparable */
};

struct ld {
	const char *path;            /* policy path, as given */
	char *dir;                   /* its directory, for relative paths */
	yaml_document_t *doc;
	const struct lt_type_ref *types; /* NULL: type ids not checked */
	size_t n_types;
	struct perr *errs;
	size_t n_errs, cap_errs;
	struct lt_policy *p;
	struct rule_aux *aux;        /* one per rule */
};

/* ---- errors -------------------------------------------------------------- */

static void add_err(struct ld *l, uint64_t line, uint64_t col, const char *msg)
{
	struct perr *e;

	if (l->n_errs >= 10 * MAX_ERRS)
		return;
	if (l->n_errs == l->cap_errs) {
		l->cap_errs = l->cap_errs ? 2 * l->cap_errs : 16;
		l->errs = lt_xreallocarray(l->errs, l->cap_errs, sizeof *l->errs);
	}
	e = &l->errs[l->n_errs];
	if (col)
		lt_err_set(&e->e, LT_E_CONFIG, l->path, line, "%llu: %s",
			   (unsigned long long)col, msg);
	else
		lt_err_set(&e->e, LT_E_CONFIG, l->path, line, "%s", msg);
	e->col = col;
	e->seq = l->n_errs++;
}

static void err_at(struct ld *l, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void err_at(struct ld *l, yaml_mark_t m, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	add_err(l, (uint64_t)m.line + 1, (uint64_t)m.column + 1, msg);
}

static int cmp_perr(const void *a, const void *b)
{
	const struct perr *x = a, *y = b;

	if (x->e.line != y->e.line)
		return x->e.line < y->e.line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Edit distance, for "did you mean"; small strings only. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[65], cur[65];

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
		}
		memcpy(prev, cur, (lb + 1) * sizeof *cur);
	}
	return prev[lb];
}

/* The candidate closest to s, when close enough to be a typo. */
static const char *closest(const char *s, const char *const *c, size_t n,
			   size_t stride)
{
	const char *best = NULL;
	size_t bd = 3, i, d;

	for (i = 0; i < n; i++) {
		const char *x = *(const char *const *)((const char *)c + i * stride);

		d = distance(s, x);
		if (d < bd && d * 3 <= strlen(x) + 1) {
			bd = d;
			best = x;
		}
	}
	return best;
}

/* " (did you mean 'x'?)" or " (one of a, b, c)" into buf. */
static const char *hint(const char *s, const char *const *c, size_t n,
			char *buf, size_t cap)
{
	const char *b = closest(s, c, n, sizeof *c);
	size_t k, i;

	if (b) {
		snprintf(buf, cap, " (did you mean '%s'?)", b);
		return buf;
	}
	k = (size_t)snprintf(buf, cap, " (one of ");
	for (i = 0; i < n && k < cap; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", c[i]);
	if (k < cap)
		snprintf(buf + k, cap - k, ")");
	return buf;
}

/* ---- nodes --------------------------------------------------------------- */

static yaml_node_t *node(struct ld *l, int id)
{
	return yaml_document_get_node(l->doc, id);
}

static const char *kind_name(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE ? "mapping"
	       : n->type == YAML_SEQUENCE_NODE ? "list" : "string";
}

static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcmp(v, "null") ||
		!strcmp(v, "Null") || !strcmp(v, "NULL"));
}

/* The string value of n, or NULL after reporting why not. */
static const char *want_str(struct ld *l, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		err_at(l, n->start_mark, "%s must be a string, not a %s", what,
		       kind_name(n));
		return NULL;
	}
	if (is_null(n)) {
		err_at(l, n->start_mark, "%s needs a value", what);
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		err_at(l, n->start_mark, "%s holds a NUL character", what);
		return NULL;
	}
	if (n->data.scalar.length == 0) {
		err_at(l, n->start_mark, "%s is empty", what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static bool want_map(struct ld *l, yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return true;
	err_at(l, n->start_mark, "%s must be a mapping, not a %s", what,
	       is_null(n) ? "null" : kind_name(n));
	return false;
}

/* Index of the key of pair in names, or -1 after reporting an unknown or
 * duplicate key.  seen[i] records the first key node of each name. */
static int pick_key(struct ld *l, yaml_node_pair_t *pair,
		    const char *const *names, size_t n, yaml_node_t **seen,
		    const char *where)
{
	yaml_node_t *k = node(l, pair->key);
	const char *s;
	char h[256];
	size_t i;

	if (k->type != YAML_SCALAR_NODE) {
		err_at(l, k->start_mark, "a key in %s must be a string", where);
		return -1;
	}
	s = (const char *)k->data.scalar.value;
	for (i = 0; i < n; i++) {
		if (strcmp(s, names[i]) != 0)
			continue;
		if (seen[i]) {
			err_at(l, k->start_mark,
			       "duplicate key '%s' in %s (first at line %lu)", s,
			       where, (unsigned long)seen[i]->start_mark.line + 1);
			return -1;
		}
		seen[i] = k;
		return (int)i;
	}
	err_at(l, k->start_mark, "unknown key '%.64s' in %s%s", s, where,
	       hint(s, names, n, h, sizeof h));
	return -1;
}

#define FOR_PAIRS(map, pair)                                             \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start;     \
	     pair < (map)->data.mapping.pairs.top; pair++)
#define FOR_ITEMS(seq, item)                                             \
	for (yaml_node_item_t *item = (seq)->data.sequence.items.start;    \
	     item < (seq)->data.sequence.items.top; item++)
#define SEQ_LEN(seq)                                                     \
	((size_t)((seq)->data.sequence.items.top -                         \
		  (seq)->data.sequence.items.start))

static bool id_ok(const char *s)
{
	size_t i;

	if (!isalnum((unsigned char)s[0]) || strlen(s) > MAX_ID)
		return false;
	for (i = 1; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static char *resolve(const struct ld *l, const char *rel)
{
	if (rel[0] == '/' || !strcmp(l->dir, "."))
		return lt_xstrdup(rel);
	return lt_xasprintf("%s/%s", l->dir, rel);
}

/* ---- matches ------------------------------------------------------------- */

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

static bool glob_well_formed(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\') {
			if (!*++s)
				return false;
		} else if (*s == '[') {
			const char *q = s + 1;

			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			q = strchr(q, ']');
			if (!q)
				return false;
			s = q;
		}
	}
	return true;
}

static bool type_known(const struct ld *l, const char *pat)
{
	size_t i;

	for (i = 0; i < l->n_types; i++)
		if (lt_glob(pat, l->types[i].id, false))
			return true;
	return false;
}

static bool vocab_known(const char *pat)
{
	size_t i;

	for (i = 0; i < N_VOCAB; i++)
		if (lt_glob(pat, vocabulary[i], false))
			return true;
	return false;
}

static bool check_pattern(struct ld *l, yaml_node_t *n, const char *s,
			  int field)
{
	char h[256];
	size_t i;

	if (!glob_well_formed(s)) {
		err_at(l, n->start_mark, "bad pattern '%.64s' in %s: unclosed "
		       "'[' or trailing '\\'", s, match_keys[field]);
		return false;
	}
	if (field == M_TYPES) {
		for (i = 0; s[i]; i++)
			if (!isalnum((unsigned char)s[i]) && !strchr("._-*?[]!^", s[i]))
				break;
		if (s[i]) {
			err_at(l, n->start_mark, "bad type id '%.64s'", s);
			return false;
		}
		if (l->types && !type_known(l, s)) {
			const char *b = closest(s, &l->types[0].id, l->n_types,
						sizeof *l->types);

			if (vocab_known(s))
				err_at(l, n->start_mark, "unknown type '%.64s': "
				       "it is a category (put it under "
				       "categories)", s);
			else if (b)
				err_at(l, n->start_mark, "unknown type '%.64s' "
				       "(did you mean '%s'?)", s, b);
			else
				err_at(l, n->start_mark, "unknown type '%.64s' "
				       "(no loaded pack defines it)", s);
			return false;
		}
	} else if (field == M_CATEGORIES && !vocab_known(s)) {
		if (strchr(s, '.') || (l->types && type_known(l, s)))
			err_at(l, n->start_mark, "unknown category '%.64s': it "
			       "looks like a type (put it under types)", s);
		else
			err_at(l, n->start_mark, "unknown category '%.64s'%s", s,
			       hint(s, vocabulary, N_VOCAB, h, sizeof h));
		return false;
	}
	return true;
}

static struct lt_strlist *field_list(struct lt_match *m, int f)
{
	switch (f) {
	case M_TYPES: return &m->types;
	case M_CATEGORIES: return &m->categories;
	case M_SOURCES: return &m->sources;
	case M_TABLES: return &m->tables;
	default: return &m->columns;
	}
}

static const struct lt_strlist *cfield(const struct lt_match *m, int f)
{
	return field_list((struct lt_match *)m, f);
}

/* Parses a match mapping.  Returns true when it parsed cleanly. */
static bool parse_match(struct ld *l, yaml_node_t *map, bool hold,
			struct lt_match *m)
{
	yaml_node_t *seen[M_N] = { 0 };
	bool ok = true;
	size_t i;

	if (!want_map(l, map, "match"))
		return false;
	FOR_PAIRS(map, pair) {
		int f = pick_key(l, pair, match_keys, M_N, seen, "match");
		yaml_node_t *v = node(l, pair->value);
		struct lt_strlist *list;

		if (f < 0) {
			ok = false;
			continue;
		}
		if (hold && f != M_SOURCES && f != M_TABLES) {
			err_at(l, seen[f]->start_mark, "a hold matches sources "
			       "or tables, not %s: it exempts whole rows",
			       match_keys[f]);
			ok = false;
			continue;
		}
		list = field_list(m, f);
		m->given |= 1u << f;
		if (v->type == YAML_SCALAR_NODE) {
			const char *s = want_str(l, v, match_keys[f]);

			if (s && check_pattern(l, v, s, f))
				lt_strlist_push(list, s);
			else
				ok = false;
			continue;
		}
		if (v->type != YAML_SEQUENCE_NODE) {
			err_at(l, v->start_mark, "%s must be a list, not a mapping",
			       match_keys[f]);
			ok = false;
			continue;
		}
		if (SEQ_LEN(v) == 0) {
			err_at(l, v->start_mark, "%s is empty: the %s can never "
			       "match", match_keys[f], hold ? "hold" : "rule");
			ok = false;
			continue;
		}
		FOR_ITEMS(v, it) {
			yaml_node_t *n = node(l, *it);
			const char *s = want_str(l, n, match_keys[f]);

			if (s && check_pattern(l, n, s, f))
				lt_strlist_push(list, s);
			else
				ok = false;
		}
	}
	for (i = 0; i < M_N && !seen[i]; i++)
		;
	if (i == M_N && map->data.mapping.pairs.top == map->data.mapping.pairs.start) {
		err_at(l, map->start_mark, "match is empty: name at least one "
		       "of %s", hold ? "sources, tables"
				      : "types, categories, sources, tables, columns");
		return false;
	}
	/* Types and categories must both hold: with known types, some type
	 * must lie in some category. */
	if (ok && l->types && (m->given & LT_MATCH_TYPES) &&
	    (m->given & LT_MATCH_CATEGORIES)) {
		bool meet = false;

		for (i = 0; i < l->n_types && !meet; i++) {
			size_t a, b;

			for (a = 0; a < m->types.n; a++)
				if (lt_glob(m->types.v[a], l->types[i].id, false))
					break;
			if (a == m->types.n || !l->types[i].category)
				continue;
			for (b = 0; b < m->categories.n; b++)
				if (lt_glob(m->categories.v[b],
					    l->types[i].category, false))
					meet = true;
		}
		if (!meet) {
			err_at(l, map->start_mark, "match can never hold: none "
			       "of its types is in one of its categories");
			ok = false;
		}
	}
	return ok;
}

/* Does pattern a match every string pattern b matches?  Exact for
 * literal b; for glob b, only when equal or a is "*". */
static bool pat_covers(const char *a, const char *b, bool casefold)
{
	if (!strcmp(a, b) || (casefold && !strcasecmp(a, b)) || !strcmp(a, "*"))
		return true;
	return !has_glob(b) && lt_glob(a, b, casefold);
}

static bool list_covers(const struct lt_strlist *a, const struct lt_strlist *b,
			bool casefold)
{
	size_t i, j;

	for (j = 0; j < b->n; j++) {
		for (i = 0; i < a->n; i++)
			if (pat_covers(a->v[i], b->v[j], casefold))
				break;
		if (i == a->n)
			return false;
	}
	return true;
}

static bool any_glob(const struct lt_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; s && i < l->n; i++)
		if (lt_glob(l->v[i], s, false))
			return true;
	return false;
}

/* For types (when known) and categories, the values are a known set:
 * does a match every value of it that b matches? */
static bool universe_covers(const struct ld *l, int f,
			    const struct lt_strlist *a, const struct lt_strlist *b)
{
	size_t i, n;
	bool some = false;

	if (f == M_TYPES && !l->types)
		return false;
	if (f != M_TYPES && f != M_CATEGORIES)
		return false;
	n = f == M_TYPES ? l->n_types : N_VOCAB;
	for (i = 0; i < n; i++) {
		const char *v = f == M_TYPES ? l->types[i].id : vocabulary[i];

		if (!any_glob(b, v))
			continue;
		some = true;
		if (!any_glob(a, v))
			return false;
	}
	return some;
}

/* Does every finding b matches also satisfy a? */
static bool match_covers(const struct ld *l, const struct lt_match *a,
			 const struct lt_match *b)
{
	int f;

	if (!a->given)
		return false;
	for (f = 0; f < M_N; f++) {
		uint32_t bit = 1u << f;

		if (!(a->given & bit))
			continue;
		if (b->given & bit) {
			if (!list_covers(cfield(a, f), cfield(b, f), f == M_COLUMNS) &&
			    !universe_covers(l, f, cfield(a, f), cfield(b, f)))
				return false;
			continue;
		}
		/* a names categories, b names types: decided by the packs. */
		if (f == M_CATEGORIES && (b->given & LT_MATCH_TYPES) && l->types) {
			bool some = false;
			size_t i;

			for (i = 0; i < l->n_types; i++) {
				if (!any_glob(&b->types, l->types[i].id))
					continue;
				some = true;
				if (!any_glob(&a->categories, l->types[i].category))
					return false;
			}
			if (some)
				continue;
		}
		return false;
	}
	return true;
}

/* Can a rule with this match govern an email address? */
static bool may_be_email(const struct ld *l, const struct lt_match *m)
{
	size_t i;

	if ((m->given & LT_MATCH_CATEGORIES) && !any_glob(&m->categories, "email"))
		return false;
	if (!(m->given & LT_MATCH_TYPES))
		return true;
	if (!l->types) {
		for (i = 0; i < m->types.n; i++)
			if (strstr(m->types.v[i], "email") ||
			    lt_glob(m->types.v[i], "email", false))
				return true;
		return false;
	}
	for (i = 0; i < l->n_types; i++)
		if (any_glob(&m->types, l->types[i].id) && l->types[i].category &&
		    !strcmp(l->types[i].category, "email"))
			return true;
	return false;
}

/* ---- rules --------------------------------------------------------------- */

static int name_index(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

/* Reports id when an earlier rule (or hold) has it.  The one being
 * parsed is at index n_rules (n_holds) and not counted yet. */
static bool dup_id(struct ld *l, yaml_node_t *at, const char *id, bool rule)
{
	size_t i, n = rule ? l->p->n_rules : l->p->n_holds;

	for (i = 0; i < n; i++) {
		const char *o = rule ? l->p->rules[i].id : l->p->holds[i].id;

		if (o && !strcmp(o, id)) {
			err_at(l, at->start_mark, "duplicate %s id '%s' (first "
			       "at line %llu)", rule ? "rule" : "hold", id,
			       (unsigned long long)(rule ? l->p->rules[i].line
							 : l->p->holds[i].line));
			return true;
		}
	}
	return false;
}

static void parse_age_from(struct ld *l, yaml_node_t *v, struct lt_rule *r)
{
	yaml_node_t *seen[A_N] = { 0 }, *vn[A_N] = { 0 };
	const char *vals[A_N] = { 0 };

	if (v->type == YAML_SCALAR_NODE) {
		const char *s = want_str(l, v, "age_from");

		if (s) {
			lt_strlist_push(&r->age_columns, s);
			r->age_from = LT_AGE_FROM_COLUMNS;
		}
		return;
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		if (SEQ_LEN(v) == 0) {
			err_at(l, v->start_mark, "age_from is empty: name the "
			       "date columns a row's age is counted from");
			return;
		}
		FOR_ITEMS(v, it) {
			const char *s = want_str(l, node(l, *it), "a column in age_from");

			if (s)
				lt_strlist_push(&r->age_columns, s);
		}
		r->age_from = LT_AGE_FROM_COLUMNS;
		return;
	}
	FOR_PAIRS(v, pair) {
		int k = pick_key(l, pair, age_keys, A_N, seen, "age_from");

		if (k >= 0) {
			vn[k] = node(l, pair->value);
			vals[k] = want_str(l, vn[k], age_keys[k]);
		}
	}
	if (seen[A_TABLE] && seen[A_FILE]) {
		err_at(l, seen[A_FILE]->start_mark, "age_from names both a table "
		       "and a file: give one");
		return;
	}
	if (!seen[A_TABLE] && !seen[A_FILE]) {
		err_at(l, v->start_mark, "age_from needs a list of date columns, "
		       "or table (or file), column and key");
		return;
	}
	if (!seen[A_COLUMN] || !seen[A_KEY]) {
		err_at(l, v->start_mark, "age_from needs %s: the date column "
		       "and the key that relate rows", !seen[A_COLUMN] ? "column"
		       : "key");
		return;
	}
	if (vals[A_TABLE] && (!strchr(vals[A_TABLE], '.') ||
			      vals[A_TABLE][0] == '.' ||
			      strchr(vals[A_TABLE], '.')[1] == '\0')) {
		err_at(l, vn[A_TABLE]->start_mark, "table '%.64s' must be "
		       "schema.table", vals[A_TABLE]);
		return;
	}
	if (!vals[A_COLUMN] || !vals[A_KEY] ||
	    (seen[A_TABLE] && !vals[A_TABLE]) || (seen[A_FILE] && !vals[A_FILE]))
		return;
	r->ref_column = lt_xstrdup(vals[A_COLUMN]);
	r->ref_key = lt_xstrdup(vals[A_KEY]);
	if (seen[A_TABLE]) {
		r->ref_table = lt_xstrdup(vals[A_TABLE]);
		r->age_from = LT_AGE_FROM_TABLE;
	} else {
		r->ref_file = resolve(l, vals[A_FILE]);
		r->age_from = LT_AGE_FROM_FILE;
	}
}

static bool mask_ok(const char *s)
{
	return s[0] && !s[1] && s[0] > ' ' && s[0] < 0x7f &&
	       !strchr("\"',;|\\", s[0]);
}

static void parse_rule(struct ld *l, yaml_node_t *map, struct lt_rule *r,
		       struct rule_aux *aux)
{
	yaml_node_t *seen[R_N] = { 0 };
	yaml_node_t *vn[R_N] = { 0 };
	bool action_ok = false, retain_ok = false;
	char h[256];
	int k;

	r->line = (uint64_t)map->start_mark.line + 1;
	r->mask = '*';
	aux->match_mark = map->start_mark;
	FOR_PAIRS(map, pair) {
		yaml_node_t *v;
		const char *s;

		if ((k = pick_key(l, pair, rule_keys, R_N, seen, "a rule")) < 0)
			continue;
		v = vn[k] = node(l, pair->value);
		switch (k) {
		case R_ID:
			if (!(s = want_str(l, v, "id")))
				break;
			if (!id_ok(s)) {
				err_at(l, v->start_mark, "bad rule id '%.64s': "
				       "letters, digits, '.', '_', '-', up to %d",
				       s, MAX_ID);
				break;
			}
			dup_id(l, v, s, true);
			r->id = lt_xstrdup(s);
			break;
		case R_MATCH:
			aux->match_mark = v->start_mark;
			aux->match_ok = parse_match(l, v, false, &r->match);
			break;
		case R_RETAIN:
			if (!(s = want_str(l, v, "retain")))
				break;
			if (lt_duration_parse(s, &r->retain) < 0) {
				err_at(l, v->start_mark, "bad duration '%.32s' "
				       "(use 0, or a number and d, m or y: 90d, "
				       "18m, 2y)", s);
				break;
			}
			retain_ok = true;
			break;
		case R_AGE_FROM:
			parse_age_from(l, v, r);
			break;
		case R_DATE_FORMAT:
			if (!(s = want_str(l, v, "date_format")))
				break;
			if (lt_date_format_parse(s, &r->date_format) < 0)
				err_at(l, v->start_mark, "unknown date_format "
				       "'%.32s'%s", s, hint(s, date_names, 7, h,
							    sizeof h));
			break;
		case R_ACTION:
			if (!(s = want_str(l, v, "action")))
				break;
			if ((k = name_index(s, action_names, 5)) < 0) {
				err_at(l, v->start_mark, "unknown action '%.32s'%s",
				       s, hint(s, action_names, 5, h, sizeof h));
				break;
			}
			r->action = (enum lt_action)k;
			action_ok = true;
			break;
		case R_KEEP:
			if (!(s = want_str(l, v, "keep")))
				break;
			if ((k = name_index(s, keep_names, 4)) < 0) {
				err_at(l, v->start_mark, "unknown keep '%.32s'%s", s,
				       hint(s, keep_names, 4, h, sizeof h));
				seen[R_KEEP] = NULL; /* no further complaint */
				break;
			}
			r->keep = (enum lt_keep)k;
			break;
		case R_MASK:
			if (!(s = want_str(l, v, "mask")))
				break;
			if (!mask_ok(s)) {
				err_at(l, v->start_mark, "bad mask '%.8s': one "
				       "ASCII character, not a blank, quote, "
				       "delimiter or backslash", s);
				seen[R_MASK] = NULL;
				break;
			}
			r->mask = s[0];
			break;
		}
	}
	if (r->id)
		snprintf(h, sizeof h, "rule '%s'", r->id);
	else
		snprintf(h, sizeof h, "this rule");
	if (!seen[R_ID])
		err_at(l, map->start_mark, "rule has no id");
	if (!seen[R_MATCH])
		err_at(l, map->start_mark, "%s has no match: it would govern "
		       "nothing", h);
	if (!seen[R_RETAIN])
		err_at(l, map->start_mark, "%s has no retain (0, 90d, 18m, 2y)", h);
	if (!seen[R_ACTION])
		err_at(l, map->start_mark, "%s has no action (delete_rows, "
		       "redact, hash, nullify, drop_column)", h);
	if (retain_ok && r->retain.n > 0 && !seen[R_AGE_FROM])
		err_at(l, vn[R_RETAIN]->start_mark, "retain %s needs age_from: "
		       "the date a row's age is counted from",
		       lt_duration_format(r->retain, h, sizeof h));
	if (seen[R_DATE_FORMAT] && !seen[R_AGE_FROM])
		err_at(l, seen[R_DATE_FORMAT]->start_mark, "date_format without "
		       "age_from: no date is read");
	if (action_ok && seen[R_KEEP] && r->action != LT_ACT_REDACT)
		err_at(l, seen[R_KEEP]->start_mark, "keep applies only to "
		       "redact, not %s", lt_action_name(r->action));
	if (action_ok && seen[R_MASK] && r->action != LT_ACT_REDACT)
		err_at(l, seen[R_MASK]->start_mark, "mask applies only to "
		       "redact, not %s", lt_action_name(r->action));
	if (action_ok && r->action == LT_ACT_REDACT && r->keep == LT_KEEP_DOMAIN &&
	    aux->match_ok && !may_be_email(l, &r->match))
		err_at(l, vn[R_KEEP]->start_mark, "keep: domain keeps an email's "
		       "domain, but this rule matches no email type");
	if (action_ok && retain_ok && r->action == LT_ACT_DROP_COLUMN &&
	    r->retain.n > 0)
		err_at(l, vn[R_ACTION]->start_mark, "drop_column removes the "
		       "whole column and cannot keep recent rows: use retain: 0");
}

/* Reports every rule an earlier rule shadows: it can never govern anything. */
static void check_shadowing(struct ld *l)
{
	size_t i, j;

	for (j = 1; j < l->p->n_rules; j++) {
		if (!l->aux[j].match_ok)
			continue;
		for (i = 0; i < j; i++) {
			if (!l->aux[i].match_ok ||
			    !match_covers(l, &l->p->rules[i].match,
					  &l->p->rules[j].match))
				continue;
			err_at(l, l->aux[j].match_mark, "rule '%s' can never "
			       "match: rule '%s' (line %llu) comes first and "
			       "matches everything it does",
			       l->p->rules[j].id ? l->p->rules[j].id : "?",
			       l->p->rules[i].id ? l->p->rules[i].id : "?",
			       (unsigned long long)l->p->rules[i].line);
			break;
		}
	}
}

/* ---- holds --------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_unique(struct lt_strlist *k)
{
	size_t i, o = 0;

	if (k->n < 2)
		return;
	qsort(k->v, k->n, sizeof *k->v, cmp_str);
	for (i = 0; i < k->n; i++) {
		if (o && !strcmp(k->v[o - 1], k->v[i]))
			free(k->v[i]);
		else
			k->v[o++] = k->v[i];
	}
	k->n = o;
}

/* Reads the key list of a hold: one key a line. */
static void read_keys(struct ld *l, yaml_node_t *at, const char *shown,
		      struct lt_hold *h)
{
	struct stat st = { 0 };
	FILE *f;
	char *buf, *p, *end;
	size_t n;

	f = fopen(h->in_file, "rb");
	if (!f) {
		int e = errno;

		if (strcmp(shown, h->in_file) != 0)
			err_at(l, at->start_mark, "hold file '%.100s' cannot be "
			       "read: %s (at %.100s)", shown, strerror(e),
			       h->in_file);
		else
			err_at(l, at->start_mark, "hold file '%.200s' cannot be "
			       "read: %s", shown, strerror(e));
		return;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > HOLD_FILE_MAX) {
		err_at(l, at->start_mark, "hold file '%.200s' is %s", shown,
		       S_ISREG(st.st_mode) ? "larger than 64 MiB"
					   : "not a regular file");
		fclose(f);
		return;
	}
	buf = lt_xmalloc((size_t)st.st_size + 1);
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		err_at(l, at->start_mark, "hold file '%.200s' holds NUL bytes: "
		       "not a list of keys", shown);
		free(buf);
		return;
	}
	for (p = buf; p < buf + n; p = end + 1) {
		char *q;

		end = memchr(p, '\n', (size_t)(buf + n - p));
		if (!end)
			end = buf + n;
		q = end;
		while (q > p && (q[-1] == '\r' || q[-1] == ' ' || q[-1] == '\t'))
			q--;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		if (p == q || *p == '#')
			continue;
		*q = '\0';
		lt_strlist_push(&h->keys, p);
	}
	free(buf);
	sort_unique(&h->keys);
}

static void parse_where(struct ld *l, yaml_node_t *map, struct lt_hold *h)
{
	yaml_node_t *seen[W_N] = { 0 }, *vn[W_N] = { 0 };
	const char *s;

	if (!want_map(l, map, "where"))
		return;
	FOR_PAIRS(map, pair) {
		int k = pick_key(l, pair, where_keys, W_N, seen, "where");

		if (k < 0)
			continue;
		vn[k] = node(l, pair->value);
		switch (k) {
		case W_COLUMN:
			if ((s = want_str(l, vn[k], "column")))
				h->column = lt_xstrdup(s);
			break;
		case W_IN_FILE:
			if (!(s = want_str(l, vn[k], "in_file")))
				break;
			h->in_file = resolve(l, s);
			read_keys(l, vn[k], s, h);
			break;
		case W_IN:
			if (vn[k]->type != YAML_SEQUENCE_NODE) {
				err_at(l, vn[k]->start_mark, "in must be a list "
				       "of keys, not a %s", kind_name(vn[k]));
				break;
			}
			if (SEQ_LEN(vn[k]) == 0) {
				err_at(l, vn[k]->start_mark, "in is empty: the "
				       "hold exempts nothing");
				break;
			}
			FOR_ITEMS(vn[k], it)
				if ((s = want_str(l, node(l, *it), "a key in in")))
					lt_strlist_push(&h->keys, s);
			sort_unique(&h->keys);
			break;
		}
	}
	if (!seen[W_COLUMN])
		err_at(l, map->start_mark, "where has no column: the key column "
		       "the held keys are in");
	if (seen[W_IN_FILE] && seen[W_IN])
		err_at(l, seen[W_IN]->start_mark, "where has both in_file and "
		       "in: give one");
	else if (!seen[W_IN_FILE] && !seen[W_IN])
		err_at(l, map->start_mark, "where needs in_file (a file of keys, "
		       "one a line) or in (a list of keys)");
}

static void parse_hold(struct ld *l, yaml_node_t *map, struct lt_hold *h)
{
	yaml_node_t *seen[H_N] = { 0 };
	const char *s;

	h->line = (uint64_t)map->start_mark.line + 1;
	FOR_PAIRS(map, pair) {
		int k = pick_key(l, pair, hold_keys, H_N, seen, "a hold");
		yaml_node_t *v;

		if (k < 0)
			continue;
		v = node(l, pair->value);
		if (k == H_ID) {
			if (!(s = want_str(l, v, "id")))
				continue;
			if (!id_ok(s))
				err_at(l, v->start_mark, "bad hold id '%.64s': "
				       "letters, digits, '.', '_', '-', up to %d",
				       s, MAX_ID);
			else {
				dup_id(l, v, s, false);
				h->id = lt_xstrdup(s);
			}
		} else if (k == H_MATCH) {
			parse_match(l, v, true, &h->match);
		} else {
			parse_where(l, v, h);
		}
	}
	if (!seen[H_ID])
		err_at(l, map->start_mark, "hold has no id");
	if (!seen[H_MATCH])
		err_at(l, map->start_mark, "hold has no match: name the sources "
		       "or tables it covers");
	if (!seen[H_WHERE])
		err_at(l, map->start_mark, "hold has no where: name the key "
		       "column and the held keys");
}

/* ---- the document -------------------------------------------------------- */

static void parse_list(struct ld *l, yaml_node_t *v, bool rules)
{
	struct lt_policy *p = l->p;
	size_t n;

	if (!rules && is_null(v))
		return; /* "holds:" with only commented-out examples below */
	if (v->type != YAML_SEQUENCE_NODE) {
		err_at(l, v->start_mark, "%s must be a list, not a %s",
		       rules ? "rules" : "holds", is_null(v) ? "null" : kind_name(v));
		return;
	}
	n = SEQ_LEN(v);
	if (rules && n == 0) {
		err_at(l, v->start_mark, "rules is empty: the policy governs nothing");
		return;
	}
	if (rules) {
		p->rules = lt_xcalloc(n, sizeof *p->rules);
		l->aux = lt_xcalloc(n, sizeof *l->aux);
	} else {
		p->holds = lt_xcalloc(n ? n : 1, sizeof *p->holds);
	}
	FOR_ITEMS(v, it) {
		yaml_node_t *m = node(l, *it);

		if (!want_map(l, m, rules ? "a rule" : "a hold"))
			continue;
		if (rules) {
			parse_rule(l, m, &p->rules[p->n_rules], &l->aux[p->n_rules]);
			p->n_rules++;
		} else {
			parse_hold(l, m, &p->holds[p->n_holds++]);
		}
	}
}

static void parse_top(struct ld *l, yaml_node_t *root)
{
	yaml_node_t *seen[K_N] = { 0 };
	struct lt_policy *p = l->p;
	const char *s;
	struct lt_err e;

	if (root->type != YAML_MAPPING_NODE) {
		err_at(l, root->start_mark, "a policy is a mapping (policy, "
		       "version, rules, ...), not a %s", kind_name(root));
		return;
	}
	FOR_PAIRS(root, pair) {
		int k = pick_key(l, pair, top_keys, K_N, seen, "the policy");
		yaml_node_t *v;

		if (k < 0)
			continue;
		v = node(l, pair->value);
		switch (k) {
		case K_POLICY:
			if (!(s = want_str(l, v, "policy")))
				break;
			if (!id_ok(s))
				err_at(l, v->start_mark, "bad policy name '%.64s': "
				       "letters, digits, '.', '_', '-', up to %d",
				       s, MAX_ID);
			else
				p->name = lt_xstrdup(s);
			break;
		case K_VERSION:
			if (!(s = want_str(l, v, "version")))
				break;
			if (strcmp(s, "1") != 0)
				err_at(l, v->start_mark, "unsupported version "
				       "'%.16s': this lethe reads version 1", s);
			else
				p->version = 1;
			break;
		case K_TIMEZONE:
			if (!(s = want_str(l, v, "timezone")))
				break;
			lt_tz_free(p->tz);
			p->tz = NULL;
			if (lt_tz_load(s, &p->tz, &e) < 0)
				err_at(l, v->start_mark, "%s", e.msg);
			break;
		case K_UNGOVERNED:
			if (!(s = want_str(l, v, "ungoverned")))
				break;
			if (!strcmp(s, "report"))
				p->ungoverned = LT_UNGOVERNED_REPORT;
			else if (!strcmp(s, "fail"))
				p->ungoverned = LT_UNGOVERNED_FAIL;
			else
				err_at(l, v->start_mark, "unknown ungoverned "
				       "'%.32s' (report or fail)", s);
			break;
		case K_RULES:
			parse_list(l, v, true);
			break;
		case K_HOLDS:
			parse_list(l, v, false);
			break;
		}
	}
	if (!seen[K_POLICY])
		err_at(l, root->start_mark, "missing key 'policy': the policy's name");
	if (!seen[K_VERSION])
		err_at(l, root->start_mark, "missing key 'version' (1)");
	if (!seen[K_RULES])
		err_at(l, root->start_mark, "missing key 'rules'");
	check_shadowing(l);
}

static void rule_release(struct lt_rule *r)
{
	free(r->id);
	lt_strlist_free(&r->match.types);
	lt_strlist_free(&r->match.categories);
	lt_strlist_free(&r->match.sources);
	lt_strlist_free(&r->match.tables);
	lt_strlist_free(&r->match.columns);
	lt_strlist_free(&r->age_columns);
	free(r->ref_table);
	free(r->ref_file);
	free(r->ref_column);
	free(r->ref_key);
}

static void hold_release(struct lt_hold *h)
{
	free(h->id);
	lt_strlist_free(&h->match.types);
	lt_strlist_free(&h->match.categories);
	lt_strlist_free(&h->match.sources);
	lt_strlist_free(&h->match.tables);
	lt_strlist_free(&h->match.columns);
	free(h->column);
	free(h->in_file);
	lt_strlist_free(&h->keys);
}

void lt_policy_free(struct lt_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_rules; i++)
		rule_release(&p->rules[i]);
	for (i = 0; i < p->n_holds; i++)
		hold_release(&p->holds[i]);
	free(p->rules);
	free(p->holds);
	lt_tz_free(p->tz);
	free(p->name);
	free(p->path);
	free(p);
}

static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return lt_xstrdup(".");
	if (s == path)
		return lt_xstrdup("/");
	return lt_xstrndup(path, (size_t)(s - path));
}

/* Reads the whole file into *out (NUL-terminated).  Returns 0 or -1 after
 * reporting. */
static int read_policy(struct ld *l, unsigned char **out, size_t *len)
{
	FILE *f = fopen(l->path, "rb");
	struct stat st;
	unsigned char *buf;
	size_t n;

	if (!f) {
		char m[256];

		snprintf(m, sizeof m, "cannot read policy: %s", strerror(errno));
		add_err(l, 0, 0, m);
		return -1;
	}
	if (fstat(fileno(f), &st) < 0 || S_ISDIR(st.st_mode)) {
		add_err(l, 0, 0, "cannot read policy: is a directory");
		fclose(f);
		return -1;
	}
	buf = lt_xmalloc(POLICY_MAX + 1);
	n = fread(buf, 1, POLICY_MAX + 1, f);
	if (ferror(f)) {
		add_err(l, 0, 0, "cannot read policy: read error");
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	if (n > POLICY_MAX) {
		add_err(l, 0, 0, "policy file larger than 4 MiB");
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static void yaml_error(struct ld *l, const yaml_parser_t *ps)
{
	char m[256];

	if (ps->error == YAML_MEMORY_ERROR) {
		fprintf(stderr, "lethe: out of memory parsing a policy\n");
		abort();
	}
	if (ps->context)
		snprintf(m, sizeof m, "yaml: %s (%s)", ps->problem ? ps->problem
			 : "syntax error", ps->context);
	else
		snprintf(m, sizeof m, "yaml: %s", ps->problem ? ps->problem
			 : "syntax error");
	add_err(l, (uint64_t)ps->problem_mark.line + 1,
		(uint64_t)ps->problem_mark.column + 1, m);
}

int lt_policy_load(const char *path, const struct lt_type_ref *types,
		   size_t n_types, struct lt_policy **out, struct lt_err **errs,
		   size_t *n_errs)
{
	struct ld l = { 0 };
	unsigned char *buf = NULL;
	size_t len = 0, i;
	yaml_parser_t ps;
	yaml_document_t doc, doc2;
	yaml_node_t *root;

	*errs = NULL;
	*n_errs = 0;
	l.path = path;
	l.dir = dir_of(path);
	l.types = types;
	l.n_types = types ? n_types : 0;
	l.p = lt_xcalloc(1, sizeof *l.p);
	l.p->path = lt_xstrdup(path);
	l.p->version = 1;
	if (read_policy(&l, &buf, &len) == 0) {
		yaml_parser_initialize(&ps);
		yaml_parser_set_input_string(&ps, buf, len);
		if (!yaml_parser_load(&ps, &doc)) {
			yaml_error(&l, &ps);
		} else {
			l.doc = &doc;
			root = yaml_document_get_root_node(&doc);
			if (!root) {
				add_err(&l, 0, 0, "empty policy file");
			} else {
				parse_top(&l, root);
				if (!yaml_parser_load(&ps, &doc2)) {
					yaml_error(&l, &ps);
				} else {
					yaml_node_t *r2 = yaml_document_get_root_node(&doc2);

					if (r2)
						err_at(&l, r2->start_mark, "a second "
						       "YAML document: a policy file "
						       "holds one");
					yaml_document_delete(&doc2);
				}
			}
			yaml_document_delete(&doc);
		}
		yaml_parser_delete(&ps);
		free(buf);
	}
	free(l.dir);
	free(l.aux);
	if (l.n_errs == 0) {
		if (!l.p->tz && lt_tz_load("UTC", &l.p->tz, NULL) < 0)
			abort(); /* UTC needs no tzdata */
		*out = l.p;
		return 0;
	}
	lt_policy_free(l.p);
	qsort(l.errs, l.n_errs, sizeof *l.errs, cmp_perr);
	if (l.n_errs > MAX_ERRS) {
		lt_err_set(&l.errs[MAX_ERRS - 1].e, LT_E_CONFIG, path, 0,
			   "too many errors: %zu more not shown",
			   l.n_errs - (MAX_ERRS - 1));
		l.n_errs = MAX_ERRS;
	}
	*errs = lt_xcalloc(l.n_errs, sizeof **errs);
	for (i = 0; i < l.n_errs; i++)
		(*errs)[i] = l.errs[i].e;
	*n_errs = l.n_errs;
	free(l.errs);
	return -1;
}

char *lt_policy_err_format(const struct lt_err *e, char *buf, size_t cap)
{
	const char *m = e->msg;

	while (*m >= '0' && *m <= '9')
		m++;
	if (e->line && m > e->msg && m[0] == ':' && m[1] == ' ')
		snprintf(buf, cap, "%s:%llu:%s", e->path,
			 (unsigned long long)e->line, e->msg);
	else
		lt_err_format(e, buf, cap);
	return buf;
}
