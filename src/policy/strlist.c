/*
 * strlist.c - lists of owned strings (struct lt_strlist), module: policy.
 *
 * Policies hold them (match fields, age columns, hold keys) and plans copy
 * them; one set of helpers serves both.
 */
#include <stdlib.h>
#include <string.h>

#include "lethe/policy.h"
#include "lethe/util.h"

void lt_strlist_push(struct lt_strlist *l, const char *s)
{
	l->v = lt_xreallocarray(l->v, l->n + 2, sizeof *l->v);
	l->v[l->n++] = lt_xstrdup(s);
	l->v[l->n] = NULL;
}

void lt_strlist_copy(struct lt_strlist *dst, const struct lt_strlist *src)
{
	dst->v = lt_xcalloc(src->n + 1, sizeof *dst->v);
	for (size_t i = 0; i < src->n; i++)
		dst->v[i] = lt_xstrdup(src->v[i]);
	dst->n = src->n;
}

void lt_strlist_free(struct lt_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool lt_strlist_has(const struct lt_strlist *l, const char *k, size_t n)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, vn = strlen(l->v[mid]);
		int r = memcmp(l->v[mid], k, vn < n ? vn : n);

		if (r == 0)
			r = vn < n ? -1 : vn > n ? 1 : 0;
		if (r == 0)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
