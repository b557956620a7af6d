/*
 * err.c - filling and formatting error values.  Used by every module; never
 * allocates, never prints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lethe/err.h"

void lt_err_clear(struct lt_err *e)
{
	if (!e)
		return;
	e->code = LT_E_NONE;
	e->path[0] = '\0';
	e->line = 0;
	e->byte = 0;
	e->has_byte = 0;
	e->msg[0] = '\0';
}

int lt_err_set(struct lt_err *e, int code, const char *path, uint64_t line,
	       const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	lt_err_clear(e);
	e->code = code;
	if (path)
		snprintf(e->path, sizeof e->path, "%s", path);
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void lt_err_at_byte(struct lt_err *e, uint64_t byte)
{
	if (!e)
		return;
	e->byte = byte;
	e->has_byte = 1;
}

void lt_err_shift(struct lt_err *e, uint64_t line0, uint64_t byte0)
{
	if (e->line)
		e->line += line0 - 1;
	if (e->has_byte)
		e->byte += byte0;
}

char *lt_err_format(const struct lt_err *e, char *buf, size_t cap)
{
	size_t k = 0;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (e->path[0])
		k += (size_t)snprintf(buf, cap, "%s:", e->path);
	if (k < cap && e->line)
		k += (size_t)snprintf(buf + k, cap - k, "%llu:",
				      (unsigned long long)e->line);
	if (k < cap && k > 0)
		k += (size_t)snprintf(buf + k, cap - k, " ");
	if (k < cap)
		k += (size_t)snprintf(buf + k, cap - k, "%s", e->msg);
	if (k < cap && e->has_byte)
		snprintf(buf + k, cap - k, " (byte %llu)",
			 (unsigned long long)e->byte);
	return buf;
}

char *lt_err_format_short(const struct lt_err *e, char *buf, size_t cap)
{
	if (e->line && e->has_byte)
		snprintf(buf, cap, "%s (line %llu, byte %llu)", e->msg,
			 (unsigned long long)e->line,
			 (unsigned long long)e->byte);
	else if (e->line)
		snprintf(buf, cap, "%s (line %llu)", e->msg,
			 (unsigned long long)e->line);
	else if (e->has_byte)
		snprintf(buf, cap, "%s (byte %llu)", e->msg,
			 (unsigned long long)e->byte);
	else
		snprintf(buf, cap, "%s", e->msg);
	return buf;
}
