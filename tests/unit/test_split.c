/*
 * test_split.c - the block splitter (src/text/split.c) against libcsv.
 *
 * The reference is lt_csv alone (csv.c over libcsv).  lt_split_parse (the
 * splitter, then lt_csv for what it leaves) must deliver the same records
 * (fields, NUL-termination, line, byte), return code and error:
 *
 *  - a table of small cases, with what lt_split_block itself returns (does
 *    it take the whole block, or where does it stop);
 *  - tens of thousands of random texts over an adversarial alphabet
 *    (a b , ; " CR LF space TAB, multi-byte UTF-8) with random delimiters,
 *    field caps and callbacks that stop;
 *  - structured CSVs (quoted delimiters and newlines, "" escapes, CRLF,
 *    blank lines, blanks around fields) which the splitter must take whole;
 *  - the wrapper's caps: a field over max_field, a record over its cap;
 *  - the stored fuzz inputs (tests/fuzz/corpus/split/).
 * A mismatch names the input in hex (inputs are synthetic).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define FUZZ_SPLIT_NO_MAIN
#include "../fuzz/fuzz_split.c"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static size_t rndn(size_t n)
{
	return n ? rnd() % n : 0;
}

/* Fails with the input in hex when the two parsers disagree. */
static void expect_same(const char *text, size_t n,
			const struct lt_csv_opts *o, size_t stop_after,
			const char *label)
{
	char why[256];

	split_check(text, n, o, stop_after, why, sizeof why);
	if (why[0]) {
		char h[2048];

		fail_msg("%s: %s (delim 0x%02x, max_field %zu, stop after "
			 "%zu)\n  input (%zu bytes, hex): %s", label, why,
			 (unsigned char)o->delim, o->max_field, stop_after, n,
			 hex(text, n, h, sizeof h));
	}
}

/* ---- lt_split_block itself -------------------------------------------- */

static int count_records(void *ctx, const struct lt_field *f, size_t n,
			 uint64_t line, uint64_t byte)
{
	(void)f;
	(void)n;
	(void)line;
	(void)byte;
	++*(size_t *)ctx;
	return 0;
}

static void test_block_table(void **state)
{
	static const struct {
		const char *text;
		int rc;          /* what lt_split_block returns */
		size_t done;     /* where it stops (n when whole) */
		uint64_t line;   /* the line there */
		size_t records;  /* delivered by the splitter */
	} t[] = {
		{ "", 0, 0, 1, 0 },
		{ "a,b\n", 0, 4, 2, 1 },
		{ "a,b\r\nc,d\r\n", 0, 10, 3, 2 },
		{ "a\rb\rc\n", 0, 6, 4, 3 },                  /* lone CRs */
		{ "\n\n  \t\r\n a , b \n", 0, 15, 5, 1 },     /* blank lines */
		{ "\"x,\ny\",\"q\"\"q\"\n", 0, 14, 3, 1 },    /* quoted */
		{ "\"a\"  ,b\n", 0, 8, 2, 1 },                /* blanks after " */
		{ "ab\"c,d\n", 0, 7, 2, 1 },                  /* quote in data */
		{ "a,b", 1, 0, 1, 0 },                        /* no line end */
		{ "a\nb", 1, 2, 2, 1 },
		{ "a\n\"b\"c\nd\n", 1, 2, 2, 1 },             /* after quote */
		{ "a\n\"open\n", 1, 2, 2, 1 },                /* unterminated */
		{ "a\n\"b\"", 1, 2, 2, 1 },                   /* ends at quote */
		{ "a,\n", 0, 3, 2, 1 },
		{ "a,", 1, 0, 1, 0 },
		{ "   ", 0, 3, 1, 0 },                        /* only blanks */
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct lt_csv_opts o = { .delim = ',' };
		size_t n = strlen(t[i].text), done = 99, records = 0;
		uint64_t line = 99;
		char *p = strdup(t[i].text);
		int rc = lt_split_block(p, n, &o, count_records, &records, 1, 0,
					&done, &line);

		if (rc != t[i].rc || done != t[i].done || line != t[i].line ||
		    records != t[i].records)
			fail_msg("case %zu: rc %d done %zu line %llu records %zu",
				 i, rc, done, (unsigned long long)line,
				 records);
		/* and whatever it did, the whole parse agrees with libcsv */
		expect_same(t[i].text, n, &o, 0, "table");
		free(p);
	}
}

/* Bases: records carry line0/byte0 onwards; a callback can stop. */
static int stop_at_second(void *ctx, const struct lt_field *f, size_t n,
			  uint64_t line, uint64_t byte)
{
	uint64_t *seen = ctx;

	(void)f;
	(void)n;
	seen[seen[0] * 2 + 1] = line;
	seen[seen[0] * 2 + 2] = byte;
	return ++seen[0] == 2;
}

static void test_block_bases_and_stop(void **state)
{
	char text[] = "a\r\nb\nc\n";
	uint64_t seen[8] = { 0 }, line;
	size_t done;

	(void)state;
	assert_int_equal(lt_split_block(text, strlen(text), NULL,
					stop_at_second, seen, 10, 1000, &done,
					&line), 2);
	assert_int_equal(seen[0], 2);
	assert_int_equal(seen[1], 10);
	assert_int_equal(seen[2], 1000);
	assert_int_equal(seen[3], 11);
	assert_int_equal(seen[4], 1003);
	assert_int_equal(done, 5);
	assert_int_equal(line, 12);
}

/* ---- random texts ------------------------------------------------------- */

static const char *const ALPHA[] = {
	"a", "b", ",", "\n", ";", "\r", " ", "\t", "\xc3\xa9",
	"\xed\x95\x9c", "\xf0\x9f\x98\x80", "|", "\r\n", "\"\"",
	"\"", /* last: left out of some texts, so quotes come in pairs */
};
#define NALPHA (sizeof ALPHA / sizeof ALPHA[0])

static void random_text(struct lt_buf *b, size_t units, size_t nalpha)
{
	lt_buf_reset(b);
	for (size_t i = 0; i < units; i++) {
		const char *u = ALPHA[rndn(nalpha)];

		lt_buf_append(b, u, strlen(u));
	}
}

static void test_random_alphabet(void **state)
{
	struct lt_buf b;
	size_t whole = 0, cases = 40000, split = 0, total = 0;

	(void)state;
	lt_buf_init(&b, 0);
	for (size_t i = 0; i < cases; i++) {
		struct lt_csv_opts o;
		size_t stop_after, done;
		uint64_t line;
		char label[64];
		char *copy;

		opts_from((unsigned char)rnd(), &o, &stop_after);
		/* some texts without quotes, to reach the splitter's end */
		random_text(&b, rndn(i % 10 == 0 ? 400 : 120),
			    (size_t[]){ NALPHA, NALPHA - 1, NALPHA - 2, 4 }[rndn(4)]);
		snprintf(label, sizeof label, "random case %zu", i);
		expect_same(b.data ? b.data : "", b.len, &o, stop_after, label);
		copy = malloc(b.len + 1);
		memcpy(copy, b.data ? b.data : "", b.len);
		whole += lt_split_block(copy, b.len, &o, count_records,
					&(size_t){ 0 }, 1, 0, &done,
					&line) == 0;
		split += done;
		total += b.len;
		free(copy);
	}
	print_message("  %zu of %zu random texts split whole, %zu of %zu "
		      "bytes by the splitter\n", whole, cases, split, total);
	lt_buf_release(&b);
}

/* ---- structured CSVs ---------------------------------------------------- */

/* A well-formed CSV: every kind of field libcsv and the splitter share. */
static void structured_csv(struct lt_buf *b, char delim, size_t rows,
			   bool crlf)
{
	static const char *const plain[] = {
		"alpha", "S1234567D", "+65 9123 4567", "a@example.com", "",
		"\xed\x95\x9c\xea\xb8\x80", "12.50",
		"x\"y", /* last: a quote inside an unquoted field only */
	};
	const char *eol = crlf ? "\r\n" : "\n";

	lt_buf_reset(b);
	for (size_t r = 0; r < rows; r++) {
		size_t nf = 1 + rndn(12);

		if (rndn(20) == 0) {
			const char *blank = rndn(2) ? "\n" : " \t\r\n";

			lt_buf_append(b, blank, strlen(blank));
		}
		for (size_t f = 0; f < nf; f++) {
			char cell[96];
			int k;

			if (f)
				lt_buf_putc(b, delim);
			if (rndn(8) == 0)
				lt_buf_append(b, "  ", 1 + rndn(2));
			switch (rndn(5)) {
			case 0: /* quoted, with what quoting is for */
				k = snprintf(cell, sizeof cell,
					     "\"%s%c\"\"q\"\"%s%s\"", plain[rndn(7)],
					     delim, rndn(2) ? "\n" : "",
					     rndn(3) ? "" : "\r\n");
				lt_buf_append(b, cell, (size_t)k);
				break;
			case 1: /* quoted, quotes doubled */
				k = snprintf(cell, sizeof cell, "\"%s\"",
					     rndn(4) ? plain[rndn(7)]
						     : "x\"\"y");
				lt_buf_append(b, cell, (size_t)k);
				break;
			default: {
				const char *c = plain[rndn(8)];

				lt_buf_append(b, c, strlen(c));
				break;
			}
			}
			if (rndn(8) == 0 && delim != '\t')
				lt_buf_append(b, " \t", 1 + rndn(2));
		}
		lt_buf_append(b, eol, strlen(eol));
	}
}

static void test_structured(void **state)
{
	static const char delims[] = { ',', ';', '\t', '|' };
	struct lt_buf b;

	(void)state;
	lt_buf_init(&b, 0);
	for (size_t i = 0; i < 300; i++) {
		struct lt_csv_opts o = { .delim = delims[i % 4] };
		size_t done, records = 0;
		uint64_t line;
		char label[64];
		char *copy;

		structured_csv(&b, o.delim, 1 + rndn(i % 50 == 0 ? 3000 : 60),
			       rndn(3) == 0);
		snprintf(label, sizeof label, "structured case %zu", i);
		expect_same(b.data, b.len, &o, 0, label);
		/* well-formed: the splitter takes it whole */
		copy = malloc(b.len);
		memcpy(copy, b.data, b.len);
		if (lt_split_block(copy, b.len, &o, count_records, &records, 1,
				   0, &done, &line) != 0)
			fail_msg("%s: the splitter stopped at byte %zu (line "
				 "%llu) of a well-formed CSV", label, done,
				 (unsigned long long)line);
		free(copy);
	}
	lt_buf_release(&b);
}

/* ---- the wrapper's caps ------------------------------------------------- */

static void test_caps(void **state)
{
	struct lt_buf b;
	struct lt_csv_opts o = { .delim = ',', .max_field = 8 };

	(void)state;
	lt_buf_init(&b, 0);
	/* a field over the cap after good records: libcsv's error, its place */
	lt_buf_append(&b, "a,b\nc,d\n", 8);
	lt_buf_append(&b, "e,\"123456789\"\nf\n", 16);
	expect_same(b.data, b.len, &o, 0, "field over max_field");
	lt_buf_reset(&b);
	lt_buf_append(&b, "a\n\n12345678 \t,\"1234\"\"567\"\n", 26);
	expect_same(b.data, b.len, &o, 0, "fields at max_field");
	/* a record over its cap (1 MiB of fields at 33 bytes of overhead) */
	lt_buf_reset(&b);
	lt_buf_append(&b, "h\nx\n", 4);
	for (size_t i = 0; i < 40000; i++)
		lt_buf_append(&b, "ab,", 3);
	lt_buf_append(&b, "z\ny\n", 4);
	expect_same(b.data, b.len, &o, 0, "record over its cap");
	lt_buf_release(&b);
}

/* ---- stored fuzz inputs --------------------------------------------------- */

static void test_fuzz_corpus(void **state)
{
	const char *dir = "tests/fuzz/corpus/split";
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t runs = 0;

	(void)state;
	if (!d)
		skip(); /* run from elsewhere than the repo top */
	while ((e = readdir(d)) != NULL) {
		char path[1024], label[300];
		struct lt_buf b;
		struct lt_csv_opts o;
		size_t stop_after, k;
		FILE *f;
		char chunk[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		lt_buf_init(&b, 0);
		while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
			lt_buf_append(&b, chunk, k);
		fclose(f);
		if (b.len > 0) {
			opts_from((unsigned char)b.data[0], &o, &stop_after);
			snprintf(label, sizeof label, "corpus %s", e->d_name);
			expect_same(b.data + 1, b.len - 1, &o, stop_after, label);
		}
		lt_buf_release(&b);
		runs++;
	}
	closedir(d);
	assert_true(runs > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_table),
		cmocka_unit_test(test_block_bases_and_stop),
		cmocka_unit_test(test_random_alphabet),
		cmocka_unit_test(test_structured),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_fuzz_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
