/*
 * misc.c - small formatting helpers for reports: escaped names, counts with
 * thousands separators, UTC timestamps, display widths.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lethe/util.h"

int lt_utf8_seq(const void *v, size_t avail)
{
	const unsigned char *p = v;
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	int len;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c == 0xE0)
		len = 3, lo = 0xA0;       /* no overlong forms */
	else if (c == 0xED)
		len = 3, hi = 0x9F;       /* no surrogates */
	else if (c >= 0xE1 && c <= 0xEF)
		len = 3;
	else if (c == 0xF0)
		len = 4, lo = 0x90;
	else if (c == 0xF4)
		len = 4, hi = 0x8F;       /* nothing above U+10FFFF */
	else if (c >= 0xF1 && c <= 0xF3)
		len = 4;
	else
		return 0;
	if (avail < 2)
		return -1;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int k = 2; k < len; k++) {
		if ((size_t)k >= avail)
			return -1;
		if ((p[k] & 0xC0) != 0x80)
			return 0;
	}
	return len;
}

char *lt_name_escape(const char *s)
{
	struct lt_buf b;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	lt_buf_init(&b, 0);
	while (i < n) {
		int l = lt_utf8_seq(p + i, n - i);
		if (l <= 0 || p[i] == '%' || p[i] < 0x20 || p[i] == 0x7f) {
			char hex[4];
			snprintf(hex, sizeof hex, "%%%02X", p[i]);
			lt_buf_append(&b, hex, 3);
			i++;
		} else {
			lt_buf_append(&b, p + i, (size_t)l);
			i += (size_t)l;
		}
	}
	if (!b.data)
		return lt_xstrdup("");
	return b.data;
}

char *lt_fmt_count(uint64_t n, char *buf, size_t cap)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
	size_t o = 0;

	for (int i = 0; i < len && o + 2 < cap; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

char *lt_fmt_time(int64_t epoch, char *buf, size_t cap)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

size_t lt_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0;

	while (n) {
		int k = lt_utf8_seq(p, n);
		unsigned cp;

		if (k <= 0)
			k = 1;   /* a stray byte: one column */
		if (k == 3) {
			cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) |
			     (p[2] & 0x3Fu);
			w += (cp >= 0x1100 && cp <= 0x115F) ||
			     (cp >= 0x2E80 && cp <= 0xA4CF) ||
			     (cp >= 0xAC00 && cp <= 0xD7A3) ||
			     (cp >= 0xF900 && cp <= 0xFAFF) ||
			     (cp >= 0xFF00 && cp <= 0xFF60) ? 2 : 1;
		} else {
			w += k == 4 ? 2 : 1;
		}
		p += k;
		n -= (size_t)k;
	}
	return w;
}

void lt_pad(FILE *fp, const char *s, size_t width)
{
	fputs(s, fp);
	for (size_t w = lt_display_width(s); w < width; w++)
		fputc(' ', fp);
}

void lt_scrub(char *s, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	char *p = s;

	if (n < 3)
		return;
	/* the search goes on after each "***": a secret made of stars
	 * would otherwise be found in its own replacement for ever */
	while ((p = strstr(p, secret)) != NULL) {
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
		p += 3;
	}
}

int lt_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- civil calendar ------------------------------------------------------ */

int64_t lt_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t lt_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = lt_floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void lt_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = lt_floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}
