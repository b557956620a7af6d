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

/* strcmp order of the string v against k[0..n) (not NUL-terminated),
 * reading v only as far as the comparison needs: no strlen per probe. */
static int keycmp(const char *v, const char *k, size_t n)
{
	const unsigned char *a = (const unsigned char *)v,
			    *b = (const unsigned char *)k;

	for (size_t i = 0; i < n; i++) {
		if (a[i] == '\0')
			return -1;   /* v ends first */
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return a[n] != '\0';
}

bool lt_strlist_has(const struct lt_strlist *l, const char *k, size_t n)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = keycmp(l->v[mid], k, n);

		if (r == 0)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
