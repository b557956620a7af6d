/*
 * rule.c - which rule governs a finding, which holds cover a row (module:
 * policy).
 *
 * Where it sits: after a scan, the plan builder asks, for every column
 * finding, which rule governs it (the first whose match holds, else the
 * finding is ungoverned), and for every source, which holds exempt rows.
 * Everything here reads a loaded policy only: thread-safe.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "lethe/policy.h"

static const char *const action_names[] = {
	[LT_ACT_DELETE_ROWS] = "delete_rows", [LT_ACT_REDACT] = "redact",
	[LT_ACT_HASH] = "hash",               [LT_ACT_NULLIFY] = "nullify",
	[LT_ACT_DROP_COLUMN] = "drop_column",
};

static const char *const keep_names[] = {
	[LT_KEEP_NONE] = "none",     [LT_KEEP_LAST4] = "last4",
	[LT_KEEP_FIRST6] = "first6", [LT_KEEP_DOMAIN] = "domain",
};

const char *lt_action_name(enum lt_action a)
{
	return (unsigned)a < sizeof action_names / sizeof *action_names
		       ? action_names[a] : "?";
}

const char *lt_keep_name(enum lt_keep k)
{
	return (unsigned)k < sizeof keep_names / sizeof *keep_names
		       ? keep_names[k] : "?";
}

bool lt_glob(const char *pattern, const char *s, bool casefold)
{
#ifdef FNM_CASEFOLD
	return fnmatch(pattern, s, casefold ? FNM_CASEFOLD : 0) == 0;
#else
	if (casefold) {
		/* Lower-case copies; patterns and names are short. */
		char pb[512], sb[512];
		size_t i;

		if (strlen(pattern) >= sizeof pb || strlen(s) >= sizeof sb)
			return false;
		for (i = 0; (pb[i] = (char)tolower((unsigned char)pattern[i])); i++)
			;
		for (i = 0; (sb[i] = (char)tolower((unsigned char)s[i])); i++)
			;
		return fnmatch(pb, sb, 0) == 0;
	}
	return fnmatch(pattern, s, 0) == 0;
#endif
}

static bool any(const struct lt_strlist *l, const char *s, bool casefold)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < l->n; i++)
		if (lt_glob(l->v[i], s, casefold))
			return true;
	return false;
}

bool lt_match_test(const struct lt_match *m, const struct lt_match_ctx *c)
{
	if ((m->given & LT_MATCH_TYPES) && !any(&m->types, c->type, false))
		return false;
	if ((m->given & LT_MATCH_CATEGORIES) &&
	    !any(&m->categories, c->category, false))
		return false;
	if ((m->given & LT_MATCH_SOURCES) && !any(&m->sources, c->source, false))
		return false;
	if ((m->given & LT_MATCH_TABLES) && !any(&m->tables, c->table, false))
		return false;
	if ((m->given & LT_MATCH_COLUMNS) && !any(&m->columns, c->column, true))
		return false;
	return true;
}

const struct lt_rule *lt_policy_match(const struct lt_policy *p,
				      const struct lt_match_ctx *c)
{
	size_t i;

	for (i = 0; i < p->n_rules; i++)
		if (lt_match_test(&p->rules[i].match, c))
			return &p->rules[i];
	return NULL;
}

bool lt_hold_applies(const struct lt_hold *h, const struct lt_match_ctx *c)
{
	struct lt_match_ctx only = { .source = c->source, .table = c->table };

	return lt_match_test(&h->match, &only);
}
