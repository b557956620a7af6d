/*
 * mask.c - masked samples: the only form in which a value found in a
 * source may leave lethe.  Letters and digits become U+2022 except the few
 * characters a style keeps (never more than half of them); separators stay
 * so the shape of the value remains readable.
 */
#include <string.h>

#include "lethe/util.h"

#define BULLET "\xe2\x80\xa2"

static int is_alnum_ascii(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

/* Length of the UTF-8 sequence starting with c (1 for invalid bytes). */
static size_t u8len(unsigned char c)
{
	if (c < 0xC0)
		return 1;
	if (c < 0xE0)
		return 2;
	if (c < 0xF0)
		return 3;
	return 4;
}

/* A "secret" character: ASCII letter/digit or any non-ASCII character
 * (Hangul, CJK, accented letters). */
static int is_secret(const char *v, size_t i)
{
	unsigned char c = (unsigned char)v[i];

	return is_alnum_ascii(c) || c >= 0x80;
}

struct out {
	char *p;
	size_t cap, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap)
		return;   /* truncate whole characters only */
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

size_t lt_mask(enum lt_mask_style style, const char *v, size_t n, char *out,
	       size_t cap)
{
	struct out o = { out, cap, 0 };
	size_t total = 0, keep_last = 0, keep_first = 0, idx = 0, i;
	const char *at = NULL;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	/* trim ASCII blanks */
	while (n && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	for (i = 0; i < n; i += u8len((unsigned char)v[i]))
		if (is_secret(v, i))
			total++;

	switch (style) {
	case LT_MASK_ID:
		keep_first = (n && ((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z')) ? 1 : 0;
		keep_last = 3;
		break;
	case LT_MASK_PHONE:
		keep_last = 4;
		if (n && v[0] == '+') {
			size_t d = 1;
			while (d < n && v[d] >= '0' && v[d] <= '9')
				d++;
			if (d - 1 <= 3 && d < n)
				keep_first = d - 1;
		}
		break;
	case LT_MASK_CARD:
		keep_last = 4;
		break;
	case LT_MASK_EMAIL:
		at = memchr(v, '@', n);
		if (at) {
			size_t l = (size_t)(at - v);
			size_t c1 = l ? u8len((unsigned char)v[0]) : 0;
			if (c1 > l)
				c1 = l;
			put(&o, v, c1);
			put(&o, BULLET BULLET BULLET, 9);
			put(&o, at, n - l);
			return o.len;
		}
		keep_last = 2;
		break;
	case LT_MASK_ALL:
		break;
	case LT_MASK_DEFAULT:
	default:
		keep_last = 2;
		break;
	}
	/* Never show more than half of the secret characters (a phone's
	 * country code is not secret), and nothing of very short values. */
	if (total < 4) {
		keep_first = keep_last = 0;
	} else {
		size_t cc = style == LT_MASK_PHONE ? keep_first : 0;
		while (keep_first + keep_last - cc > (total - cc) / 2 &&
		       keep_last) {
			keep_last--;
		}
		while (keep_first + keep_last > total / 2 + cc && keep_first)
			keep_first--;
	}
	for (i = 0; i < n;) {
		size_t l = u8len((unsigned char)v[i]);

		if (i + l > n)
			l = n - i;
		if (is_secret(v, i)) {
			if (idx < keep_first || idx >= total - keep_last)
				put(&o, v + i, l);
			else
				put(&o, BULLET, 3);
			idx++;
		} else {
			put(&o, v + i, l);
		}
		i += l;
	}
	return o.len;
}
