/*
 * err.h - error values and exit codes (module: util).
 *
 * Module code never prints and never exits: it fills a caller-owned
 * struct lt_err and returns -1.  Only src/main.c picks an exit code.
 * Filling an error never allocates.  Messages never hold a cell value.
 */
#ifndef LETHE_ERR_H
#define LETHE_ERR_H

#include <stddef.h>
#include <stdint.h>

/* Process exit codes (DESIGN.md, Command line).  When several apply the
 * first of 2, 3, 1 wins. */
enum lt_exit {
	LT_EXIT_OK = 0,       /* done, nothing at or above --fail-on */
	LT_EXIT_FINDINGS = 1, /* findings / violations at or above --fail-on */
	LT_EXIT_USAGE = 2,    /* usage or configuration error */
	LT_EXIT_SOURCE = 3,   /* a source could not be read completely */
	LT_EXIT_REFUSED = 4,  /* apply: refused, nothing changed */
};

/* Error classes carried in lt_err.code. */
enum lt_errcode {
	LT_E_NONE = 0,
	LT_E_USAGE,    /* bad option or argument */
	LT_E_CONFIG,   /* bad pack, bad policy */
	LT_E_IO,       /* open/read/write failed */
	LT_E_FORMAT,   /* corrupt or unsupported input (truncated gzip, not text) */
	LT_E_PARSE,    /* CSV-level error (unterminated quote, field too large) */
	LT_E_ENCODING, /* invalid bytes under --encoding-errors strict */
	LT_E_DB,       /* database error */
	LT_E_LIMIT,    /* a cap was hit (field size, record size) */
};

struct lt_err {
	int code;          /* enum lt_errcode; LT_E_NONE when unset */
	char path[512];    /* file or source name, "" when none */
	uint64_t line;     /* 1-based line, 0 when unknown */
	uint64_t byte;     /* byte offset, meaningful when has_byte */
	int has_byte;      /* byte is set */
	char msg[256];     /* lower case, no final period, no cell values */
};

/* Clears *e to "no error". */
void lt_err_clear(struct lt_err *e);

/* Sets *e.  path may be NULL.  line 0 = unknown.  Never allocates; the
 * message is truncated to fit.  Returns -1 so callers can `return
 * lt_err_set(...)`. */
int lt_err_set(struct lt_err *e, int code, const char *path, uint64_t line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Adds a byte offset to an error already set. */
void lt_err_at_byte(struct lt_err *e, uint64_t byte);
/* Places an error found in a part of a text that starts at line line0 and
 * byte byte0 of the whole (its line and byte, where known, counted from 1
 * and 0 in the part) in the whole text. */
void lt_err_shift(struct lt_err *e, uint64_t line0, uint64_t byte0);

/* Formats "PATH:LINE: msg (byte N)" (parts omitted when unknown) into buf.
 * Returns buf. */
char *lt_err_format(const struct lt_err *e, char *buf, size_t cap);

/* Formats only "msg (line L, byte N)" without the path, for report fields
 * whose source is named elsewhere.  Returns buf. */
char *lt_err_format_short(const struct lt_err *e, char *buf, size_t cap);

#endif
