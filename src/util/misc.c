/*
 * misc.c - small formatting helpers for reports: escaped names, counts with
 * thousands separators, UTC timestamps.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lethe/util.h"

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t valid_u8(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2; cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3; cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4; cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

char *lt_name_escape(const char *s)
{
	struct lt_buf b;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	lt_buf_init(&b, 0);
	while (i < n) {
		size_t l = valid_u8(p + i, n - i);
		if (l == 0 || p[i] == '%' || p[i] < 0x20 || p[i] == 0x7f) {
			char hex[4];
			snprintf(hex, sizeof hex, "%%%02X", p[i]);
			lt_buf_append(&b, hex, 3);
			i++;
		} else {
			lt_buf_append(&b, p + i, l);
			i += l;
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
