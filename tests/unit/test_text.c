/*
 * test_text.c - decoder, sniffer and CSV parser (module: text).
 *
 * Every streaming case is fed in every chunk size from 1 byte up to the
 * input length (a selection of sizes for inputs over 64 KiB) and must give
 * the same output, the same counts and the same error, wherever the chunks
 * split a sequence, a surrogate pair, a CRLF or a quoted field.
 */
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lethe/text.h"

#define S(lit) lit, sizeof(lit) - 1 /* bytes of a literal, with NULs */

/* Chunk sizes to try for an input of n bytes: all of 1..n when small. */
static size_t next_chunk(size_t c, size_t n)
{
	static const size_t big[] = { 1, 2, 3, 5, 7, 64, 4095, 4096, 65535,
				      65536, 65537, 100000 };
	size_t i;

	if (n <= 4096)
		return c + 1;
	for (i = 0; i < sizeof big / sizeof big[0]; i++)
		if (big[i] > c && big[i] < n)
			return big[i];
	return c < n ? n : n + 1;
}

static void fail_case(const char *name, size_t chunk, const char *what,
		      const char *got, const char *want)
{
	print_error("case '%s', chunk %zu: %s\n  got:  %s\n  want: %s\n", name,
		    chunk, what, got, want);
	fail();
}

/* Hex dump for messages. */
static const char *hex(const void *p, size_t n, char *buf, size_t cap)
{
	const unsigned char *b = p;
	size_t i, k = 0;

	buf[0] = '\0';
	for (i = 0; i < n && k + 4 < cap; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%02x ", b[i]);
	return buf;
}

/* ---- decoder -------------------------------------------------------------- */

struct dec_result {
	struct lt_buf out;
	int rc;
	struct lt_err err;
	uint64_t errors;
	enum lt_encoding enc;
	bool bom;
};

/* Feeds in[0..n) in chunks of c; odd chunk sizes end with an empty eof
 * feed, even ones mark the last chunk eof. */
static void decode_chunked(const void *in, size_t n, size_t c,
			   enum lt_encoding forced, bool strict,
			   struct dec_result *r)
{
	struct lt_decoder *d = lt_decoder_new(forced, strict);
	const char *p = in;
	size_t off = 0;

	lt_buf_init(&r->out, 0);
	lt_err_clear(&r->err);
	r->rc = 0;
	do {
		size_t k = n - off < c ? n - off : c;
		bool last = off + k == n;

		r->rc = lt_decoder_feed(d, p + off, k, last && c % 2 == 0,
					&r->out, &r->err);
		off += k;
	} while (r->rc == 0 && off < n);
	if (r->rc == 0 && (c % 2 == 1 || n == 0))
		r->rc = lt_decoder_feed(d, "", 0, true, &r->out, &r->err);
	r->errors = lt_decoder_errors(d);
	r->enc = lt_decoder_encoding(d);
	r->bom = lt_decoder_had_bom(d);
	lt_decoder_free(d);
}

/* UTF-8 text converted to another encoding with iconv, BOM in front. */
static char *to_encoding(const char *utf8, const char *to, const char *bom,
			 size_t bomlen, size_t *outlen)
{
	iconv_t cd = iconv_open(to, "UTF-8");
	size_t il = strlen(utf8), ol = il * 4 + 8;
	char *buf = malloc(ol + bomlen), *ip = (char *)utf8, *op;

	assert_true(cd != (iconv_t)-1);
	memcpy(buf, bom, bomlen);
	op = buf + bomlen;
	assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
	iconv_close(cd);
	*outlen = (size_t)(op - buf);
	return buf;
}

struct dec_case {
	const char *name;
	const char *in;
	size_t n;
	enum lt_encoding forced;
	const char *want;         /* UTF-8 */
	size_t wantn;
	enum lt_encoding enc;
	bool bom;
	uint64_t errors;
};

#define FFFD "\xEF\xBF\xBD"

static const struct dec_case dec_cases[] = {
	{ "ascii", S("id,name\n1,x\n"), LT_ENC_AUTO, S("id,name\n1,x\n"),
	  LT_ENC_UTF8, false, 0 },
	{ "empty", S(""), LT_ENC_AUTO, S(""), LT_ENC_UTF8, false, 0 },
	{ "utf8 bom stripped", S("\xEF\xBB\xBFid\n1\n"), LT_ENC_AUTO,
	  S("id\n1\n"), LT_ENC_UTF8, true, 0 },
	{ "bom only", S("\xEF\xBB\xBF"), LT_ENC_AUTO, S(""), LT_ENC_UTF8, true,
	  0 },
	{ "partial bom at eof is cp949", S("\xEF\xBB"), LT_ENC_AUTO,
	  S("\xE7\x99\xA4"), LT_ENC_CP949, false, 0 },
	{ "partial bom at eof, forced utf8", S("\xEF\xBB"), LT_ENC_UTF8,
	  S(FFFD FFFD), LT_ENC_UTF8, false, 2 },
	{ "utf8 multibyte", S("\xED\x99\x8D\xEA\xB8\xB8\xEB\x8F\x99,\xF0\x9F\x98\x80\n"),
	  LT_ENC_AUTO, S("\xED\x99\x8D\xEA\xB8\xB8\xEB\x8F\x99,\xF0\x9F\x98\x80\n"),
	  LT_ENC_UTF8, false, 0 },
	{ "invalid byte", S("ab\xFF" "cd"), LT_ENC_AUTO, S("ab" FFFD "cd"),
	  LT_ENC_UTF8, false, 1 },
	{ "truncated sequence mid-text", S("a\xE2\x82" "b"), LT_ENC_AUTO,
	  S("a" FFFD FFFD "b"), LT_ENC_UTF8, false, 2 },
	{ "truncated sequence at eof", S("ab\xE2\x82"), LT_ENC_AUTO,
	  S("ab" FFFD FFFD), LT_ENC_UTF8, false, 2 },
	{ "overlong", S("x\xC0\xAFy"), LT_ENC_UTF8, S("x" FFFD FFFD "y"),
	  LT_ENC_UTF8, false, 2 },
	{ "utf8-encoded surrogate", S("\xED\xA0\x80!"), LT_ENC_AUTO,
	  S(FFFD FFFD FFFD "!"), LT_ENC_UTF8, false, 3 },
	{ "above U+10FFFF", S("\xF4\x90\x80\x80"), LT_ENC_AUTO,
	  S(FFFD FFFD FFFD FFFD), LT_ENC_UTF8, false, 4 },
	{ "nul replaced", S("a\0b\0\0c"), LT_ENC_AUTO,
	  S("a" FFFD "b" FFFD FFFD "c"), LT_ENC_UTF8, false, 3 },
	{ "nul inside ascii run", S("abcdefgh\0ijklmnopq"), LT_ENC_AUTO,
	  S("abcdefgh" FFFD "ijklmnopq"), LT_ENC_UTF8, false, 1 },
	{ "cp949 detected", S("name\n\xC8\xAB\xB1\xE6\xB5\xBF\n"), LT_ENC_AUTO,
	  S("name\n\xED\x99\x8D\xEA\xB8\xB8\xEB\x8F\x99\n"), LT_ENC_CP949,
	  false, 0 },
	{ "cp949 with invalid lead and nul", S("\xC8\xAB\x80" "a\0\xC8\xAB"),
	  LT_ENC_CP949, S("\xED\x99\x8D" FFFD "a" FFFD "\xED\x99\x8D"),
	  LT_ENC_CP949, false, 2 },
	{ "cp949 lead byte at eof", S("\xC8\xAB\xC8"), LT_ENC_CP949,
	  S("\xED\x99\x8D" FFFD), LT_ENC_CP949, false, 1 },
	{ "cp949 lead byte before nul", S("\xC8\0z"), LT_ENC_CP949,
	  S(FFFD FFFD "z"), LT_ENC_CP949, false, 2 },
	{ "neither utf8 nor cp949 -> utf8", S("a\xFF\xFF" "b"), LT_ENC_AUTO,
	  S("a" FFFD FFFD "b"), LT_ENC_UTF8, false, 2 },
	{ "forced utf8 keeps cp949 bytes out", S("\xB1\xE6"), LT_ENC_UTF8,
	  S(FFFD FFFD), LT_ENC_UTF8, false, 2 },
	{ "utf16le nul and lone surrogates",
	  S("\xFF\xFE" "a\0" "\0\0" "\x00\xD8" "b\0" "\x00\xDC" "c\0" "\x3D\xD8"),
	  LT_ENC_AUTO, S("a" FFFD FFFD "b" FFFD "c" FFFD), LT_ENC_UTF16LE, true,
	  8 },
	{ "utf16le odd trailing byte", S("\xFF\xFE" "a\0b"), LT_ENC_AUTO,
	  S("a" FFFD), LT_ENC_UTF16LE, true, 1 },
	{ "utf16be high surrogate before nul", S("\xFE\xFF" "\xD8\x00\0\0\0x"),
	  LT_ENC_AUTO, S(FFFD FFFD "x"), LT_ENC_UTF16BE, true, 4 },
	{ "forced utf16le without bom", S("h\0i\0"), LT_ENC_UTF16LE, S("hi"),
	  LT_ENC_UTF16LE, false, 0 },
};

static void check_dec(const char *name, size_t c, const struct dec_result *r,
		      const char *want, size_t wantn, enum lt_encoding enc,
		      bool bom, uint64_t errors)
{
	char g[512], w[512];

	if (r->rc != 0)
		fail_case(name, c, "rc", r->err.msg, "0");
	if (r->out.len != wantn ||
	    (wantn && memcmp(r->out.data, want, wantn) != 0))
		fail_case(name, c, "output", hex(r->out.data, r->out.len, g, sizeof g),
			  hex(want, wantn, w, sizeof w));
	if (r->enc != enc)
		fail_case(name, c, "encoding", lt_encoding_name(r->enc),
			  lt_encoding_name(enc));
	if (r->bom != bom)
		fail_case(name, c, "bom", r->bom ? "yes" : "no",
			  bom ? "yes" : "no");
	if (r->errors != errors) {
		snprintf(g, sizeof g, "%llu", (unsigned long long)r->errors);
		snprintf(w, sizeof w, "%llu", (unsigned long long)errors);
		fail_case(name, c, "errors", g, w);
	}
}

static void test_decoder_table(void **state)
{
	size_t i, c;

	(void)state;
	for (i = 0; i < sizeof dec_cases / sizeof dec_cases[0]; i++) {
		const struct dec_case *t = &dec_cases[i];

		for (c = 1; c <= (t->n ? t->n : 1); c = next_chunk(c, t->n)) {
			struct dec_result r;

			decode_chunked(t->in, t->n, c, t->forced, false, &r);
			check_dec(t->name, c, &r, t->want, t->wantn, t->enc,
				  t->bom, t->errors);
			lt_buf_release(&r.out);
			/* Detection holds small inputs back until EOF; forcing
			 * the encoding it found streams every chunk through the
			 * carry instead.  Same result expected. */
			if (t->forced != LT_ENC_AUTO || t->enc == LT_ENC_AUTO)
				continue;
			decode_chunked(t->in, t->n, c, t->enc, false, &r);
			check_dec(t->name, c, &r, t->want, t->wantn, t->enc,
				  t->bom, t->errors);
			lt_buf_release(&r.out);
		}
	}
}

/* UTF-16 made with iconv: BMP Korean, an astral emoji (a surrogate pair
 * that every odd chunk size splits), quotes and CRLF. */
static void test_decoder_utf16(void **state)
{
	static const char text[] =
		"name,phone\r\n\"\xED\x99\x8D\xEA\xB8\xB8\xEB\x8F\x99\",010-1234-5678\r\n"
		"\xF0\x9F\x98\x80 smile,\"a,b\"\r\n";
	static const struct {
		const char *to, *bom;
		enum lt_encoding enc;
	} forms[] = {
		{ "UTF-16LE", "\xFF\xFE", LT_ENC_UTF16LE },
		{ "UTF-16BE", "\xFE\xFF", LT_ENC_UTF16BE },
	};
	size_t f, c, n;

	(void)state;
	for (f = 0; f < 2; f++) {
		char *in = to_encoding(text, forms[f].to, forms[f].bom, 2, &n);

		for (c = 1; c <= n; c++) {
			struct dec_result r;

			decode_chunked(in, n, c, LT_ENC_AUTO, false, &r);
			check_dec(forms[f].to, c, &r, text, strlen(text),
				  forms[f].enc, true, 0);
			lt_buf_release(&r.out);
		}
		free(in);
	}
}

/* The first 64 KiB decide: ASCII there means UTF-8, and later CP949 bytes
 * are invalid UTF-8; CP949 inside the first block means CP949 for all. */
static void test_decoder_first_block(void **state)
{
	size_t n = 70000, c;
	char *in = malloc(n + 2);
	struct dec_result r;

	(void)state;
	memset(in, 'a', n);
	memcpy(in + n, "\xB1\xE6", 2); /* not UTF-8 (B1 cannot lead) */
	for (c = 1; c <= n + 2; c = next_chunk(c, n + 2)) {
		decode_chunked(in, n + 2, c, LT_ENC_AUTO, false, &r);
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.enc, LT_ENC_UTF8);
		assert_int_equal(r.errors, 2);
		assert_int_equal(r.out.len, n + 6);
		lt_buf_release(&r.out);
	}
	/* CP949 in the first block, then a sequence split at 64 KiB */
	memcpy(in, "\xC8\xAB", 2);
	memcpy(in + 65535, "\xB1\xE6", 2);
	memcpy(in + n, "\xC8\xAB", 2);
	for (c = 1; c <= n + 2; c = next_chunk(c, n + 2)) {
		decode_chunked(in, n + 2, c, LT_ENC_AUTO, false, &r);
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.enc, LT_ENC_CP949);
		assert_int_equal(r.errors, 0);
		assert_memory_equal(r.out.data, "\xED\x99\x8D", 3);
		assert_memory_equal(r.out.data + 3 + 65533, "\xEA\xB8\xB8", 3);
		assert_memory_equal(r.out.data + r.out.len - 3, "\xED\x99\x8D", 3);
		lt_buf_release(&r.out);
	}
	free(in);
}

struct strict_case {
	const char *name;
	const char *in;
	size_t n;
	enum lt_encoding forced;
	uint64_t byte;     /* offset of the bad byte in the input stream */
	const char *msg;
};

static const struct strict_case strict_cases[] = {
	{ "invalid byte", S("abc\xFF" "def"), LT_ENC_AUTO, 3,
	  "invalid utf-8 byte" },
	{ "after bom, counted from stream start", S("\xEF\xBB\xBF" "ab\0c"),
	  LT_ENC_AUTO, 5, "nul byte" },
	{ "truncated at eof", S("abcdefghij\xE2\x82"), LT_ENC_AUTO, 10,
	  "invalid utf-8 byte" },
	{ "after valid multibyte", S("\xED\x99\x8Dx\xC0"), LT_ENC_AUTO, 4,
	  "invalid utf-8 byte" },
	/* forced: streamed chunk by chunk, not held back for detection */
	{ "invalid byte, streamed", S("abc\xFF" "def"), LT_ENC_UTF8, 3,
	  "invalid utf-8 byte" },
	{ "nul after bom, streamed", S("\xEF\xBB\xBF" "ab\0c"), LT_ENC_UTF8, 5,
	  "nul byte" },
	{ "truncated at eof, streamed", S("abcdefghij\xE2\x82"), LT_ENC_UTF8,
	  10, "invalid utf-8 byte" },
	{ "split sequence then bad byte, streamed",
	  S("\xED\x99\x8D\xF0\x9F\x98\x80x\xE2\x82y"), LT_ENC_UTF8, 8,
	  "invalid utf-8 byte" },
	{ "utf16 lone low surrogate", S("\xFF\xFE" "a\0b\0" "\x00\xDC"),
	  LT_ENC_AUTO, 6, "invalid utf-16 sequence" },
	{ "utf16 nul", S("\xFE\xFF" "\0a\0\0"), LT_ENC_AUTO, 4, "nul byte" },
	{ "cp949 invalid", S("\xC8\xAB\xC8\xAB\xFF"), LT_ENC_CP949, 4,
	  "invalid cp949 sequence" },
	/* bad bytes deep in a long ASCII run (read 32 bytes at a time) */
	{ "nul at 37 of a long run",
	  S("abcdefghijklmnopqrstuvwxyz0123456789,\0abcdefghijklmnopqrstuvwxyz"),
	  LT_ENC_AUTO, 37, "nul byte" },
	{ "invalid at 62 of a long run",
	  S("abcdefghijklmnopqrstuvwxyz0123456789,abcdefghijklmnopqrstuvwxy\xFF" "z"),
	  LT_ENC_AUTO, 62, "invalid utf-8 byte" },
	{ "invalid at 32 of a long run, streamed",
	  S("abcdefghijklmnopqrstuvwxyz012345\x80" "6789abcdefghijklmnopqrstuvwxyz"),
	  LT_ENC_UTF8, 32, "invalid utf-8 byte" },
};

static void test_decoder_strict(void **state)
{
	size_t i, c;

	(void)state;
	for (i = 0; i < sizeof strict_cases / sizeof strict_cases[0]; i++) {
		const struct strict_case *t = &strict_cases[i];

		for (c = 1; c <= t->n; c++) {
			struct dec_result r;
			char g[64], w[64];

			decode_chunked(t->in, t->n, c, t->forced, true, &r);
			if (r.rc != -1)
				fail_case(t->name, c, "rc", "0", "-1");
			if (r.err.code != LT_E_ENCODING || !r.err.has_byte ||
			    r.err.byte != t->byte) {
				snprintf(g, sizeof g, "code %d byte %llu",
					 r.err.code,
					 (unsigned long long)r.err.byte);
				snprintf(w, sizeof w, "code %d byte %llu",
					 LT_E_ENCODING,
					 (unsigned long long)t->byte);
				fail_case(t->name, c, "error", g, w);
			}
			if (strcmp(r.err.msg, t->msg) != 0)
				fail_case(t->name, c, "message", r.err.msg,
					  t->msg);
			assert_int_equal(r.errors, 0);
			lt_buf_release(&r.out);
		}
	}
}

static void test_decoder_output_cap(void **state)
{
	struct lt_decoder *d = lt_decoder_new(LT_ENC_AUTO, false);
	struct lt_buf out;
	struct lt_err err;

	(void)state;
	lt_buf_init(&out, 4);
	assert_int_equal(lt_decoder_feed(d, "abcdefgh", 8, true, &out, &err),
			 -1);
	assert_int_equal(err.code, LT_E_LIMIT);
	lt_buf_release(&out);
	lt_decoder_free(d);
	lt_decoder_free(NULL);
}

static void test_encoding_names(void **state)
{
	static const struct {
		const char *s;
		int rc;
		enum lt_encoding e;
	} t[] = {
		{ "UTF-8", 0, LT_ENC_UTF8 },       { "utf8", 0, LT_ENC_UTF8 },
		{ "EUC-KR", 0, LT_ENC_CP949 },     { "cp949", 0, LT_ENC_CP949 },
		{ "utf-16le", 0, LT_ENC_UTF16LE }, { "UTF-16BE", 0, LT_ENC_UTF16BE },
		{ "auto", 0, LT_ENC_AUTO },        { "latin1", -1, LT_ENC_AUTO },
		{ "", -1, LT_ENC_AUTO },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		enum lt_encoding e = LT_ENC_AUTO;

		assert_int_equal(lt_encoding_parse(t[i].s, &e), t[i].rc);
		if (t[i].rc == 0) {
			assert_int_equal(e, t[i].e);
			assert_int_equal(lt_encoding_parse(lt_encoding_name(e), &e), 0);
			assert_int_equal(e, t[i].e);
		}
	}
	assert_string_equal(lt_encoding_name(LT_ENC_CP949), "cp949");
	assert_string_equal(lt_encoding_name(LT_ENC_UTF16LE), "utf-16le");
}

/* ---- binary sniffing ------------------------------------------------------ */

static void test_looks_binary(void **state)
{
	static const struct {
		const char *name, *p;
		size_t n;
		bool want;
	} t[] = {
		{ "csv", S("id,name\r\n1,\t x\f\n"), false },
		{ "empty", S(""), false },
		{ "korean utf8", S("\xED\x99\x8D\xEA\xB8\xB8\xEB\x8F\x99\n"), false },
		{ "cp949", S("\xC8\xAB\xB1\xE6\xB5\xBF\n"), false },
		{ "utf16le bom", S("\xFF\xFE" "a\0b\0\0\0\1\0"), false },
		{ "utf16be bom", S("\xFE\xFF\0a\0b"), false },
		{ "pdf", S("%PDF-1.7\n"), true },
		{ "png", S("\x89PNG\r\n\x1a\n"), true },
		{ "gif", S("GIF89a...."), true },
		{ "elf", S("\x7f" "ELF\2\1\1"), true },
		{ "zip / xlsx", S("PK\x03\x04\x14\0"), true },
		{ "ole2 xls", S("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0"), true },
		{ "sqlite", S("SQLite format 3\0\x10\0"), true },
		{ "utf8 bom then pdf", S("\xEF\xBB\xBF%PDF-1.4"), true },
		{ "mostly control", S("\1\2\3\4a\5\6b\7c"), true },
		{ "10% control exactly", S("\1bcdefghij"), false },
		{ "11% control", S("\1\2bcdefghijklmnopqr"), true },
		{ "utf16 without bom", S("a\0b\0c\0d\0"), true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (lt_looks_binary(t[i].p, t[i].n) != t[i].want)
			fail_case(t[i].name, 0, "binary",
				  t[i].want ? "text" : "binary",
				  t[i].want ? "binary" : "text");
}

/* ---- sniffer -------------------------------------------------------------- */

static void test_sniff(void **state)
{
	static const struct {
		const char *name, *p;
		char want;
	} t[] = {
		{ "comma", "id,name,phone\n1,a,b\n2,c,d\n", ',' },
		{ "semicolon with decimal commas",
		  "name;price;qty\nfoo;1,5;2\nbar;2,25;3\nbaz;3;4\n", ';' },
		{ "tab with a comma in each row",
		  "name\tcity\tnote\nLee, A\tSeoul\tx\nKim, B\tBusan\ty\n", '\t' },
		{ "pipe", "a|b|c\n1|2|3\n", '|' },
		{ "quoted semicolons", "\"a;b\",c\n\"d;e\",f\n\"g;h\",i\n", ',' },
		{ "quoted newline keeps the record",
		  "id;note\n1;\"x\ny;z;w\"\n2;ok\n", ';' },
		{ "escaped quotes", "a,\"b \"\"x;y\"\" c\"\n1,\"2;3\"\n", ',' },
		{ "no delimiter: one column", "name\nalice\nbob\n", ',' },
		{ "empty", "", ',' },
		{ "single unterminated line", "a;b;c", ';' },
		{ "tie prefers comma", "a,b;c\n1,2;3\n", ',' },
		{ "tie tab over semicolon", "a\tb;c\n1\t2;3\n", '\t' },
		{ "equal share: more fields win",
		  "last, first\tcity\tnote\nLee, A\tSeoul\tx\n", '\t' },
		{ "crlf and blank lines", "a;b\r\n\r\n1;2\r\n3;4\r\n", ';' },
		{ "bom", "\xEF\xBB\xBF" "a|b\n1|2\n", '|' },
		{ "inconsistent commas lose", "a;b\nx, y;1\nz;2\nw;3\n", ';' },
	};
	size_t i;
	char g[2] = { 0 }, w[2] = { 0 };

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		g[0] = lt_sniff_delimiter(t[i].p, strlen(t[i].p));
		w[0] = t[i].want;
		if (g[0] != w[0])
			fail_case(t[i].name, 0, "delimiter", g, w);
	}
	assert_int_equal(lt_sniff_delimiter(NULL, 0), ',');
}

/* Only the first 20 records count. */
static void test_sniff_window(void **state)
{
	char buf[4096];
	size_t k = 0, i;

	(void)state;
	for (i = 0; i < 20; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "a;b;c\n");
	for (i = 0; i < 40; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "1,2,3,4\n");
	assert_int_equal(lt_sniff_delimiter(buf, k), ';');
}

/* ---- CSV ------------------------------------------------------------------ */

struct collect {
	struct lt_buf s;   /* "L@B[f1][f2]\n" per record */
	size_t records;
	size_t stop_after; /* 0 = never */
};

static int on_rec(void *ctx, const struct lt_field *f, size_t nf,
		  uint64_t line, uint64_t byte)
{
	struct collect *c = ctx;
	char head[64];
	size_t i;

	snprintf(head, sizeof head, "%llu@%llu", (unsigned long long)line,
		 (unsigned long long)byte);
	lt_buf_append(&c->s, head, strlen(head));
	for (i = 0; i < nf; i++) {
		assert_int_equal(f[i].p[f[i].n], '\0');
		lt_buf_putc(&c->s, '[');
		lt_buf_append(&c->s, f[i].p, f[i].n);
		lt_buf_putc(&c->s, ']');
	}
	lt_buf_putc(&c->s, '\n');
	c->records++;
	return c->stop_after && c->records >= c->stop_after;
}

struct csv_case {
	const char *name;
	const char *in;
	size_t n;
	char delim;
	size_t max_field;
	size_t stop_after;
	const char *want;     /* serialised records */
	int rc;               /* final result: 0, 1 (stopped), -1 */
	int code;             /* when -1 */
	const char *msg;
	uint64_t line, byte;  /* of the error */
	uint64_t lines;       /* lt_csv_lines at the end (when rc 0) */
};

static const struct csv_case csv_cases[] = {
	{ "simple", S("a,b\n1,2\n"), ',', 0, 0, "1@0[a][b]\n2@4[1][2]\n", 0, 0,
	  NULL, 0, 0, 2 },
	{ "no final newline", S("a,b\n1,2"), ',', 0, 0, "1@0[a][b]\n2@4[1][2]\n",
	  0, 0, NULL, 0, 0, 2 },
	{ "empty", S(""), ',', 0, 0, "", 0, 0, NULL, 0, 0, 0 },
	{ "quoted delimiters and escapes",
	  S("\"x,y\",\"he said \"\"hi\"\"\"\n\"\",z\n"), ',', 0, 0,
	  "1@0[x,y][he said \"hi\"]\n2@23[][z]\n", 0, 0, NULL, 0, 0, 2 },
	{ "embedded newlines keep the start line",
	  S("id,note\n1,\"l1\nl2\nl3\"\n2,z\n"), ',', 0, 0,
	  "1@0[id][note]\n2@8[1][l1\nl2\nl3]\n5@21[2][z]\n", 0, 0, NULL, 0, 0, 5 },
	{ "crlf", S("a,b\r\n1,2\r\n\"q\r\nr\",3\r\n"), ',', 0, 0,
	  "1@0[a][b]\n2@5[1][2]\n3@10[q\r\nr][3]\n", 0, 0, NULL, 0, 0, 4 },
	{ "blank lines skipped", S("a\n\n\r\n  \nb\n"), ',', 0, 0,
	  "1@0[a]\n5@8[b]\n", 0, 0, NULL, 0, 0, 5 },
	{ "lone cr ends lines", S("a,b\r1,2\rx"), ',', 0, 0,
	  "1@0[a][b]\n2@4[1][2]\n3@8[x]\n", 0, 0, NULL, 0, 0, 3 },
	{ "tab delimiter", S("a\tb c\t\n1\t\t3\n"), '\t', 0, 0,
	  "1@0[a][b c][]\n2@7[1][][3]\n", 0, 0, NULL, 0, 0, 2 },
	{ "semicolon", S("a;\"b;c\"\n"), ';', 0, 0, "1@0[a][b;c]\n", 0, 0, NULL,
	  0, 0, 1 },
	{ "unquoted fields trimmed, quoted kept", S(" a , \" b \" \n"), ',', 0, 0,
	  "1@0[a][ b ]\n", 0, 0, NULL, 0, 0, 1 },
	{ "lenient stray quote", S("a\"b,c\n"), ',', 0, 0, "1@0[a\"b][c]\n", 0, 0,
	  NULL, 0, 0, 1 },
	{ "utf8 fields", S("\xED\x99\x8D,\xEA\xB8\xB8\n"), ',', 0, 0,
	  "1@0[\xED\x99\x8D][\xEA\xB8\xB8]\n", 0, 0, NULL, 0, 0, 1 },
	{ "field at the cap is fine", S("h\n12345678\n\"abcdefgh\"\n"), ',', 8, 0,
	  "1@0[h]\n2@2[12345678]\n3@11[abcdefgh]\n", 0, 0, NULL, 0, 0, 3 },
	{ "field over the cap", S("a,b\nxx,123456789\nnext\n"), ',', 8, 0,
	  "1@0[a][b]\n", -1, LT_E_LIMIT, "field larger than 8 bytes", 2, 4, 0 },
	{ "quoted field over the cap spanning lines",
	  S("a\n\"1234\n5678\n9\"\n"), ',', 8, 0, "1@0[a]\n", -1, LT_E_LIMIT,
	  "field larger than 8 bytes", 2, 2, 0 },
	{ "unterminated quote", S("a,b\n1,\"open\n2,3\n"), ',', 0, 0,
	  "1@0[a][b]\n", -1, LT_E_PARSE, "unterminated quoted field", 2, 4, 0 },
	{ "unterminated quote after crlf lines", S("x\r\ny\r\n\"z"), ',', 0, 0,
	  "1@0[x]\n2@3[y]\n", -1, LT_E_PARSE, "unterminated quoted field", 3, 6,
	  0 },
	{ "closing quote at eof is fine", S("a,\"b\""), ',', 0, 0, "1@0[a][b]\n",
	  0, 0, NULL, 0, 0, 1 },
	{ "callback stops", S("a\nb\nc\n"), ',', 0, 1, "1@0[a]\n", 1, 0, NULL, 0,
	  0, 0 },
};

/* Parses in chunks of c; returns the final rc and fills out/err. */
static int parse_chunked(const struct csv_case *t, size_t c,
			 struct collect *col, struct lt_err *err,
			 uint64_t *lines)
{
	struct lt_csv_opts o = { t->delim, t->max_field, "t.csv" };
	struct lt_csv *p;
	size_t off = 0;
	int rc = 0;

	lt_buf_init(&col->s, 0);
	lt_buf_append(&col->s, "", 0);
	col->records = 0;
	col->stop_after = t->stop_after;
	lt_err_clear(err);
	p = lt_csv_new(&o, on_rec, col);
	while (rc == 0 && off < t->n) {
		size_t k = t->n - off < c ? t->n - off : c;

		rc = lt_csv_feed(p, t->in + off, k, err);
		off += k;
	}
	if (rc == 0)
		rc = lt_csv_finish(p, err);
	*lines = lt_csv_lines(p);
	lt_csv_free(p);
	return rc;
}

static void test_csv_table(void **state)
{
	size_t i, c;

	(void)state;
	for (i = 0; i < sizeof csv_cases / sizeof csv_cases[0]; i++) {
		const struct csv_case *t = &csv_cases[i];

		for (c = 1; c <= (t->n ? t->n : 1); c = next_chunk(c, t->n)) {
			struct collect col;
			struct lt_err err;
			uint64_t lines;
			char g[1024], w[1024];
			int rc = parse_chunked(t, c, &col, &err, &lines);

			if (strcmp(col.s.data, t->want) != 0)
				fail_case(t->name, c, "records", col.s.data,
					  t->want);
			snprintf(g, sizeof g, "%d", rc);
			snprintf(w, sizeof w, "%d", t->rc);
			if (rc != t->rc)
				fail_case(t->name, c, "rc", g, w);
			if (rc == -1) {
				snprintf(g, sizeof g, "%d %s %s:%llu byte %llu",
					 err.code, err.msg, err.path,
					 (unsigned long long)err.line,
					 (unsigned long long)err.byte);
				snprintf(w, sizeof w, "%d %s t.csv:%llu byte %llu",
					 t->code, t->msg,
					 (unsigned long long)t->line,
					 (unsigned long long)t->byte);
				if (strcmp(g, w) != 0 || !err.has_byte)
					fail_case(t->name, c, "error", g, w);
			}
			if (rc == 0 && lines != t->lines) {
				snprintf(g, sizeof g, "%llu",
					 (unsigned long long)lines);
				snprintf(w, sizeof w, "%llu",
					 (unsigned long long)t->lines);
				fail_case(t->name, c, "lines", g, w);
			}
			lt_buf_release(&col.s);
		}
	}
}

/* Lines longer than the 64 KiB feeding piece; a field over the cap is
 * caught before the whole of it is buffered. */
static void test_csv_long_lines(void **state)
{
	size_t n = 200000, c;
	char *in = malloc(n + 16);
	struct csv_case t;

	(void)state;
	memcpy(in, "h\n\"", 3);
	memset(in + 3, 'x', n);
	memcpy(in + 3 + n, "\"\nok\n", 5);
	memset(&t, 0, sizeof t);
	t.name = "long field";
	t.in = in;
	t.n = n + 8;
	t.delim = ',';
	for (c = 1; c <= t.n; c = next_chunk(c, t.n)) {
		struct collect col;
		struct lt_err err;
		uint64_t lines;

		t.max_field = 0;
		assert_int_equal(parse_chunked(&t, c, &col, &err, &lines), 0);
		assert_int_equal(col.records, 3);
		assert_int_equal(col.s.len, strlen("1@0[h]\n2@2[]\n3@200005[ok]\n") + n);
		assert_memory_equal(col.s.data + col.s.len - 14, "\n3@200005[ok]\n", 14);
		lt_buf_release(&col.s);

		t.max_field = 100000;
		assert_int_equal(parse_chunked(&t, c, &col, &err, &lines), -1);
		assert_int_equal(err.code, LT_E_LIMIT);
		assert_string_equal(err.msg, "field larger than 100000 bytes");
		assert_int_equal(err.line, 2);
		assert_int_equal(err.byte, 2);
		assert_int_equal(col.records, 1);
		assert_null(strstr(err.msg, "xxx"));
		lt_buf_release(&col.s);
	}
	free(in);
}

/* Decoder then parser: a UTF-16LE CSV with BOM, any chunking of the raw
 * bytes gives the same records. */
static void test_decode_then_parse(void **state)
{
	static const char text[] =
		"id,name\r\n1,\"\xED\x99\x8D, \xEA\xB8\xB8\xEB\x8F\x99\"\r\n2,\"a\r\nb\"\r\n";
	static const char want[] =
		"1@0[id][name]\n2@9[1][\xED\x99\x8D, \xEA\xB8\xB8\xEB\x8F\x99]\n"
		"3@26[2][a\r\nb]\n";
	size_t n, c;
	char *in = to_encoding(text, "UTF-16LE", "\xFF\xFE", 2, &n);

	(void)state;
	for (c = 1; c <= n; c++) {
		struct dec_result r;
		struct collect col = { .stop_after = 0 };
		struct lt_csv_opts o = { 0, 0, "u16.csv" };
		struct lt_csv *p;
		struct lt_err err;

		decode_chunked(in, n, c, LT_ENC_AUTO, false, &r);
		assert_int_equal(r.rc, 0);
		assert_int_equal(lt_sniff_delimiter(r.out.data, r.out.len), ',');
		lt_buf_init(&col.s, 0);
		p = lt_csv_new(&o, on_rec, &col);
		assert_int_equal(lt_csv_feed(p, r.out.data, r.out.len, &err), 0);
		assert_int_equal(lt_csv_finish(p, &err), 0);
		assert_string_equal(col.s.data, want);
		lt_csv_free(p);
		lt_buf_release(&col.s);
		lt_buf_release(&r.out);
	}
	free(in);
	lt_csv_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoder_table),
		cmocka_unit_test(test_decoder_utf16),
		cmocka_unit_test(test_decoder_first_block),
		cmocka_unit_test(test_decoder_strict),
		cmocka_unit_test(test_decoder_output_cap),
		cmocka_unit_test(test_encoding_names),
		cmocka_unit_test(test_looks_binary),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_sniff_window),
		cmocka_unit_test(test_csv_table),
		cmocka_unit_test(test_csv_long_lines),
		cmocka_unit_test(test_decode_then_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
