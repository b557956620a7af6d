/*
 * alloc.c - allocation that cannot fail silently, and the capped growable
 * buffer.  Allocation failure is fatal and states the size.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe/util.h"

static void oom(size_t n)
{
	fprintf(stderr, "lethe: out of memory allocating %zu bytes\n", n);
	abort();
}

void *lt_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *lt_xcalloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *lt_xaligned(size_t align, size_t n)
{
	void *p;

	if (n > SIZE_MAX - align)
		oom(n);
	n = (n + align - 1) / align * align;   /* aligned_alloc wants a multiple */
	p = aligned_alloc(align, n ? n : align);
	if (!p)
		oom(n);
	return p;
}

void *lt_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

void *lt_xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	return lt_xrealloc(p, n * size);
}

char *lt_xstrdup(const char *s)
{
	return lt_xstrndup(s, strlen(s));
}

char *lt_xstrndup(const char *s, size_t n)
{
	char *p = lt_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *lt_xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	p = lt_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void lt_buf_init(struct lt_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int grow(struct lt_buf *b, size_t need)
{
	size_t cap;

	if (need < b->len || (b->max && need > b->max))
		return -1;
	if (need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need + 1) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if (b->max && cap > b->max + 1)
		cap = b->max + 1;
	b->data = lt_xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

int lt_buf_append(struct lt_buf *b, const void *p, size_t n)
{
	if (n > SIZE_MAX - b->len - 1 || grow(b, b->len + n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int lt_buf_putc(struct lt_buf *b, char c)
{
	return lt_buf_append(b, &c, 1);
}

void lt_buf_reset(struct lt_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void lt_buf_release(struct lt_buf *b)
{
	free(b->data);
	lt_buf_init(b, b->max);
}
