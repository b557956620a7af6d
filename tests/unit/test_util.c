/*
 * test_util.c - masking, HyperLogLog, buffers, errors, atomic files,
 * name escaping and the pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lethe/util.h"

static void test_mask_styles(void **state)
{
	static const struct {
		enum lt_mask_style style;
		const char *in, *want;
	} cases[] = {
		{ LT_MASK_ID, "S1234567D", "S\u2022\u2022\u2022\u2022\u202267D" },
		{ LT_MASK_ID, "900101-1234567", "\u2022\u2022\u2022\u2022\u2022\u2022-\u2022\u2022\u2022\u2022567" },
		{ LT_MASK_PHONE, "+65 9123 4567", "+65 \u2022\u2022\u2022\u2022 4567" },
		{ LT_MASK_PHONE, "010-1234-5678", "\u2022\u2022\u2022-\u2022\u2022\u2022\u2022-5678" },
		{ LT_MASK_EMAIL, "jane.doe@example.com", "j\u2022\u2022\u2022@example.com" },
		{ LT_MASK_CARD, "4111 1111 1111 1111", "\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 1111" },
		{ LT_MASK_DEFAULT, "ab", "\u2022\u2022" },
		{ LT_MASK_DEFAULT, "abcdef", "\u2022\u2022\u2022\u2022ef" },
		{ LT_MASK_ALL, "A1-B2", "\u2022\u2022-\u2022\u2022" },
		{ LT_MASK_DEFAULT, "\xed\x99\x8d\xea\xb8\xb8\xeb\x8f\x99", "\u2022\u2022\u2022" },
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		lt_mask(cases[i].style, cases[i].in, strlen(cases[i].in), out, sizeof out);
		assert_string_equal(out, cases[i].want);
	}
}

/* Never more than half of the characters survive, whatever the style. */
static void test_mask_never_reveals_short_values(void **state)
{
	char out[64];

	(void)state;
	lt_mask(LT_MASK_CARD, "1234", 4, out, sizeof out);
	assert_string_equal(out, "\u2022\u202234");
	lt_mask(LT_MASK_ID, "S1", 2, out, sizeof out);
	assert_string_equal(out, "\u2022\u2022");
	/* truncation keeps whole characters */
	lt_mask(LT_MASK_ALL, "123456", 6, out, 8);
	assert_string_equal(out, "\u2022\u2022");
}

static void test_hll_accuracy_and_merge(void **state)
{
	struct lt_hll *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	char buf[32];
	uint64_t est;

	(void)state;
	lt_hll_init(a);
	lt_hll_init(b);
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(buf, sizeof buf, "S%07dX", i);
		lt_hll_add(i % 2 ? a : b, lt_hash64(buf, (size_t)n));
		lt_hll_add(a, lt_hash64(buf, (size_t)n)); /* duplicates */
	}
	lt_hll_merge(a, b);
	est = lt_hll_estimate(a);
	assert_in_range(est, 95000, 105000);
	lt_hll_init(b);
	for (int i = 0; i < 50; i++) {
		int n = snprintf(buf, sizeof buf, "%d", i);
		lt_hll_add(b, lt_hash64(buf, (size_t)n));
	}
	assert_in_range(lt_hll_estimate(b), 49, 51);
	free(a);
	free(b);
}

static void test_buf_cap(void **state)
{
	struct lt_buf b;

	(void)state;
	lt_buf_init(&b, 10);
	assert_int_equal(lt_buf_append(&b, "12345", 5), 0);
	assert_int_equal(lt_buf_append(&b, "67890", 5), 0);
	assert_int_equal(lt_buf_append(&b, "x", 1), -1);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "1234567890");
	lt_buf_reset(&b);
	assert_int_equal(b.len, 0);
	lt_buf_release(&b);
}

static void test_err_format(void **state)
{
	struct lt_err e;
	char buf[256];

	(void)state;
	lt_err_set(&e, LT_E_PARSE, "a.csv", 12, "unterminated quoted field");
	lt_err_at_byte(&e, 900);
	assert_string_equal(lt_err_format(&e, buf, sizeof buf),
			    "a.csv:12: unterminated quoted field (byte 900)");
	assert_string_equal(lt_err_format_short(&e, buf, sizeof buf),
			    "unterminated quoted field (line 12, byte 900)");
	lt_err_set(&e, LT_E_IO, NULL, 0, "x");
	assert_string_equal(lt_err_format(&e, buf, sizeof buf), "x");
}

static void test_name_escape(void **state)
{
	char *s;

	(void)state;
	s = lt_name_escape("a%b\xff\xed\x99\x8d.csv");
	assert_string_equal(s, "a%25b%FF\xed\x99\x8d.csv");
	free(s);
}

/* Display widths for padded report columns: wide scripts count 2, and
 * broken UTF-8 never reads past the end. */
static void test_display_width(void **state)
{
	static const struct {
		const char *s;
		size_t w;
	} t[] = {
		{ "", 0 }, { "nric", 4 }, { "\xea\xb9\x80\xeb\xaf\xbc\xec\xa4\x80", 6 },
		{ "\xe5\xa7\x93\xe5\x90\x8d", 4 }, { "\xef\xbd\x86", 2 },
		{ "caf\xc3\xa9", 4 }, { "\xf0\x9f\x98\x80", 2 },
		{ "a\xff" "b", 3 }, { "ab\xea\xb9", 4 },
	};
	char buf[64];
	FILE *fp;
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(lt_display_width(t[i].s), t[i].w);
	fp = fmemopen(buf, sizeof buf, "w");
	assert_non_null(fp);
	lt_pad(fp, "\xea\xb9\x80x", 5);   /* width 3, two blanks */
	fclose(fp);
	assert_string_equal(buf, "\xea\xb9\x80x  ");
}

static void test_utf8_seq(void **state)
{
	static const struct {
		const char *p;
		size_t n;
		int want;
	} cases[] = {
		{ "A", 1, 1 }, { "", 1, 1 },                 /* ASCII, NUL */
		{ "\xc3\xa9", 2, 2 }, { "\xed\x99\x8d", 3, 3 },
		{ "\xf0\x9f\x98\x80", 4, 4 },
		{ "\xc0\xaf", 2, 0 }, { "\xe0\x80\xaf", 3, 0 }, /* overlong */
		{ "\xed\xa0\x80", 3, 0 },                     /* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0 },                /* > U+10FFFF */
		{ "\xff", 1, 0 }, { "\x80", 1, 0 },
		{ "\xe2\x82", 2, -1 }, { "\xf0\x9f", 2, -1 }, /* cut short */
		{ "\xe2", 1, -1 },
		{ "\xe2\x28\xa1", 3, 0 },                     /* bad continuation */
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(lt_utf8_seq(cases[i].p, cases[i].n), cases[i].want);
}

static void test_fmt_count(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(lt_fmt_count(0, buf, sizeof buf), "0");
	assert_string_equal(lt_fmt_count(999, buf, sizeof buf), "999");
	assert_string_equal(lt_fmt_count(52000, buf, sizeof buf), "52,000");
	assert_string_equal(lt_fmt_count(1234567, buf, sizeof buf), "1,234,567");
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_afile_commit_and_abort(void **state)
{
	char dir[] = "/tmp/lethe-afile-XXXXXX", path[128], got[16] = { 0 };
	struct lt_afile *af;
	struct lt_err e;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/out.json", dir);
	assert_int_equal(lt_afile_open(path, &af, &e), 0);
	fputs("hello", lt_afile_fp(af));
	assert_int_equal(access(path, F_OK), -1);   /* not there until commit */
	assert_int_equal(lt_afile_commit(af, &e), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(got, sizeof got, fp));
	fclose(fp);
	assert_string_equal(got, "hello");
	assert_int_equal(lt_afile_open(path, &af, &e), 0);
	fputs("other", lt_afile_fp(af));
	lt_afile_abort(af);
	assert_int_equal(count_entries(dir), 1);    /* no temporary left */
	unlink(path);
	rmdir(dir);
	/* a directory that does not exist is an error, not a crash */
	assert_int_equal(lt_afile_open("/nonexistent-dir/x.json", &af, &e), -1);
	assert_int_equal(e.code, LT_E_IO);
}

static atomic_int hits[1000];

static void pool_fn(void *ctx, size_t job, unsigned worker)
{
	(void)ctx;
	(void)worker;
	atomic_fetch_add(&hits[job], 1);
}

static void test_pool_runs_each_job_once(void **state)
{
	(void)state;
	lt_pool_run(4, 1000, pool_fn, NULL);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(atomic_load(&hits[i]), 1);
	lt_pool_run(3, 0, pool_fn, NULL);  /* no jobs: returns */
}

/* lt_scrub: every occurrence masked, the string never grows, a secret of
 * stars (found in its own mask) ends, short secrets are left. */
static void test_scrub(void **state)
{
	char a[] = "password=hunter2 again hunter2hunter2.";
	char b[] = "pw *** and ****";
	char c[] = "ab ab";
	char d[] = "no secret here";
	(void)state;

	lt_scrub(a, "hunter2");
	assert_string_equal(a, "password=*** again ******.");
	lt_scrub(b, "***");
	assert_string_equal(b, "pw *** and ****");
	lt_scrub(b, "****");
	assert_string_equal(b, "pw *** and ***");
	lt_scrub(c, "ab");
	assert_string_equal(c, "ab ab");
	lt_scrub(d, NULL);
	lt_scrub(d, "");
	assert_string_equal(d, "no secret here");
}

/* The calendar: known days (1970-01-01 is day 0, leap days, years before
 * 1970 and before year 0), a round trip over 800 years day by day
 * against a date stepped by hand, and the floor division under it. */
static void test_civil_calendar(void **state)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t y = 1600, yy;
	int m = 1, d = 1, mm, dd;

	(void)state;
	assert_int_equal(lt_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(lt_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(lt_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(lt_days_from_civil(2000, 2, 29), 11016);
	assert_int_equal(lt_days_from_civil(0, 3, 1), -719468);
	assert_int_equal(lt_floor_div(-7, 2), -4);
	assert_int_equal(lt_floor_div(7, -2), -4);
	assert_int_equal(lt_floor_div(-8, 2), -4);
	assert_int_equal(lt_floor_div(7, 2), 3);
	for (int64_t z = lt_days_from_civil(1600, 1, 1);
	     z < lt_days_from_civil(2400, 1, 1); z++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		assert_int_equal(lt_days_from_civil(y, m, d), z);
		lt_civil_from_days(z, &yy, &mm, &dd);
		assert_int_equal(yy, y);
		assert_int_equal(mm, m);
		assert_int_equal(dd, d);
		if (++d > dim[m - 1] + (m == 2 && leap)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_styles),
		cmocka_unit_test(test_mask_never_reveals_short_values),
		cmocka_unit_test(test_hll_accuracy_and_merge),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_err_format),
		cmocka_unit_test(test_name_escape),
		cmocka_unit_test(test_utf8_seq),
		cmocka_unit_test(test_fmt_count),
		cmocka_unit_test(test_display_width),
		cmocka_unit_test(test_afile_commit_and_abort),
		cmocka_unit_test(test_pool_runs_each_job_once),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_civil_calendar),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
