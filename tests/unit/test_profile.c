/*
 * test_profile.c - column verdicts on synthetic columns, with the shipped
 * packs: real columns are found, look-alikes are not, free text is, and a
 * profile split in parts and merged gives the same verdicts as one pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe/detect.h"
#include "testpacks.h"

static struct lt_packset *ps;

static int setup(void **state)
{
	struct lt_err e;

	(void)state;
	if (lt_packset_load("patterns", NULL, 0, &ps, &e) < 0) {
		char buf[1024];
		fprintf(stderr, "packs: %s\n", lt_err_format(&e, buf, sizeof buf));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lt_packset_free(ps);
	return 0;
}


/* An NRIC-shaped string; valid when want_valid, else with a wrong letter. */
static void make_nric(char out[10], int want_valid)
{
	for (;;) {
		out[0] = "STFGM"[rnd(5)];
		for (int i = 1; i < 8; i++)
			out[i] = (char)('0' + rnd(10));
		out[9] = '\0';
		for (int l = 0; l < 26; l++) {
			out[8] = (char)('A' + (l + (int)rnd(26)) % 26);
			if ((lt_valid_sg_nric(out, 9) == LT_VALID_OK) == (want_valid != 0))
				return;
		}
	}
}

struct table {
	char cells[400][4][96];
	size_t rows;
};

static const char *names[4] = { "nric", "order_ref", "notes", "email" };

static void fill(struct table *t, size_t rows)
{
	t->rows = rows;
	for (size_t r = 0; r < rows; r++) {
		make_nric(t->cells[r][0], 1);
		make_nric(t->cells[r][1], 0);
		if (r % 25 == 0) {
			char id[10];
			make_nric(id, 1);
			snprintf(t->cells[r][2], 96, "customer gave IC %s at the counter", id);
		} else {
			snprintf(t->cells[r][2], 96, "parcel %zu left at the lobby", r);
		}
		snprintf(t->cells[r][3], 96, "user%zu@example.com", r);
	}
}

static void feed(struct lt_profile *p, struct lt_matcher *m, struct table *t,
		 size_t from, size_t to)
{
	for (size_t r = from; r < to; r++) {
		struct lt_field f[4];
		for (int c = 0; c < 4; c++) {
			f[c].p = t->cells[r][c];
			f[c].n = strlen(t->cells[r][c]);
		}
		lt_profile_row(p, m, f, 4);
	}
}

static const struct lt_finding *find(struct lt_column *cols, size_t n,
				     const char *col, const char *type)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cols[i].name, col))
			continue;
		for (size_t k = 0; k < cols[i].n_findings; k++)
			if (!strcmp(lt_packset_info(ps, cols[i].findings[k].det)->id, type))
				return &cols[i].findings[k];
	}
	return NULL;
}

/* The same columns, findings, counts, distinct estimates and samples. */
static void same_columns(const struct lt_column *c1, size_t n1,
			 const struct lt_column *c2, size_t n2)
{
	assert_int_equal(n1, n2);
	for (size_t i = 0; i < n1; i++) {
		assert_string_equal(c1[i].name, c2[i].name);
		assert_int_equal(c1[i].non_empty, c2[i].non_empty);
		assert_int_equal(c1[i].n_findings, c2[i].n_findings);
		for (size_t k = 0; k < c1[i].n_findings; k++) {
			const struct lt_finding *x = &c1[i].findings[k], *y = &c2[i].findings[k];
			assert_int_equal(x->det, y->det);
			assert_int_equal(x->confidence, y->confidence);
			assert_int_equal(x->checked, y->checked);
			assert_int_equal(x->shape, y->shape);
			assert_int_equal(x->matched, y->matched);
			assert_int_equal(x->valid, y->valid);
			assert_int_equal(x->whole, y->whole);
			assert_int_equal(x->distinct, y->distinct);
			assert_int_equal(x->n_samples, y->n_samples);
			for (size_t s = 0; s < x->n_samples; s++)
				assert_string_equal(x->samples[s], y->samples[s]);
		}
	}
}

static struct table tab;

static void test_verdicts(void **state)
{
	struct lt_matcher *m = lt_matcher_new(ps);
	struct lt_profile *p = lt_profile_new(ps, names, 4, true);
	struct lt_column *cols;
	size_t n;
	const struct lt_finding *f;

	(void)state;
	fill(&tab, 400);
	feed(p, m, &tab, 0, 400);
	lt_profile_verdicts(p, LT_CONF_MEDIUM, &cols, &n);

	f = find(cols, n, "nric", "sg.nric");
	assert_non_null(f);
	assert_int_equal(f->confidence, LT_CONF_HIGH);
	assert_int_equal(f->checked, 400);
	assert_int_equal(f->matched, 400);
	assert_in_range(f->distinct, 390, 400);
	assert_true(f->n_samples >= 1);
	assert_false(f->free_text);
	/* masked: a bullet in the middle, never the raw value */
	assert_non_null(strstr(f->samples[0], "\u2022"));

	/* NRIC-shaped codes with wrong check letters: not reported */
	assert_null(find(cols, n, "order_ref", "sg.nric"));

	/* 4% of the notes hold a valid NRIC: reported, as free text */
	f = find(cols, n, "notes", "sg.nric");
	assert_non_null(f);
	assert_int_equal(f->matched, 16);
	assert_true(f->free_text);
	assert_true(f->confidence >= LT_CONF_MEDIUM);

	f = find(cols, n, "email", "email");
	assert_non_null(f);
	assert_int_equal(f->confidence, LT_CONF_HIGH);

	/* every look-alike fails its check letter: nothing accepted, so not
	 * even a low hint with --all */
	lt_columns_free(cols, n);
	lt_profile_verdicts(p, LT_CONF_LOW, &cols, &n);
	assert_null(find(cols, n, "order_ref", "sg.nric"));
	lt_columns_free(cols, n);
	lt_profile_free(p);
	lt_matcher_free(m);
}

/* Samples: a column whose values all mask alike shows one sample, and a
 * column of distinct values shows LT_MAX_SAMPLES different ones, the same
 * whichever order the rows come in. */
static void test_samples(void **state)
{
	static const char *const cols[2] = { "date_of_birth", "mobile" };
	struct lt_matcher *m = lt_matcher_new(ps);
	struct lt_profile *fwd = lt_profile_new(ps, cols, 2, false);
	struct lt_profile *rev = lt_profile_new(ps, cols, 2, false);
	static char cell[300][2][32];
	struct lt_column *c1, *c2;
	size_t n1, n2;
	const struct lt_finding *f, *g;

	(void)state;
	for (int i = 0; i < 300; i++) {
		snprintf(cell[i][0], 32, "19%02d-%02d-%02d", 50 + i % 40,
			 1 + i % 12, 1 + i % 28);
		snprintf(cell[i][1], 32, "9%07d", 1000000 + i * 7);
	}
	for (int i = 0; i < 300; i++) {
		struct lt_field a[2] = { { cell[i][0], strlen(cell[i][0]) },
					 { cell[i][1], strlen(cell[i][1]) } };
		struct lt_field b[2] = { { cell[299 - i][0], strlen(cell[299 - i][0]) },
					 { cell[299 - i][1], strlen(cell[299 - i][1]) } };

		lt_profile_row(fwd, m, a, 2);
		lt_profile_row(rev, m, b, 2);
	}
	lt_profile_verdicts(fwd, LT_CONF_MEDIUM, &c1, &n1);
	lt_profile_verdicts(rev, LT_CONF_MEDIUM, &c2, &n2);
	f = find(c1, n1, "date_of_birth", "date_of_birth");
	assert_non_null(f);
	assert_int_equal(f->n_samples, 1);
	f = find(c1, n1, "mobile", "sg.phone");
	g = find(c2, n2, "mobile", "sg.phone");
	assert_non_null(f);
	assert_non_null(g);
	assert_int_equal(f->n_samples, LT_MAX_SAMPLES);
	assert_int_equal(g->n_samples, LT_MAX_SAMPLES);
	for (size_t i = 0; i < LT_MAX_SAMPLES; i++) {
		assert_string_equal(f->samples[i], g->samples[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(f->samples[i], f->samples[j]);
	}
	lt_columns_free(c1, n1);
	lt_columns_free(c2, n2);
	lt_profile_free(fwd);
	lt_profile_free(rev);
	lt_matcher_free(m);
}

/* Splitting the rows over three profiles and merging gives the same
 * counts, samples and distinct estimates as one pass. */
static void test_merge_equals_one_pass(void **state)
{
	struct lt_matcher *m = lt_matcher_new(ps);
	struct lt_profile *one = lt_profile_new(ps, names, 4, true);
	struct lt_profile *a = lt_profile_new(ps, names, 4, true);
	struct lt_profile *b = lt_profile_new(ps, names, 4, true);
	struct lt_profile *c = lt_profile_new(ps, names, 4, true);
	struct lt_column *c1, *c2;
	size_t n1, n2;

	(void)state;
	fill(&tab, 400);
	feed(one, m, &tab, 0, 400);
	feed(a, m, &tab, 0, 150);
	feed(b, m, &tab, 150, 151);
	feed(c, m, &tab, 151, 400);
	lt_profile_merge(a, b);
	lt_profile_merge(a, c);
	lt_profile_verdicts(one, LT_CONF_LOW, &c1, &n1);
	lt_profile_verdicts(a, LT_CONF_LOW, &c2, &n2);
	same_columns(c1, n1, c2, n2);
	lt_columns_free(c1, n1);
	lt_columns_free(c2, n2);
	lt_profile_free(one);
	lt_profile_free(a);
	lt_profile_free(b);
	lt_profile_free(c);
	lt_matcher_free(m);
}

/* Rows longer than the header add colN columns. */
static void test_extra_fields_become_columns(void **state)
{
	struct lt_matcher *m = lt_matcher_new(ps);
	const char *hdr[1] = { "a" };
	struct lt_profile *p = lt_profile_new(ps, hdr, 1, true);
	struct lt_field f[3] = { { "x", 1 }, { "y", 1 }, { "z", 1 } };

	(void)state;
	lt_profile_row(p, m, f, 3);
	assert_int_equal(lt_profile_ncols(p), 3);
	lt_profile_free(p);
	lt_matcher_free(m);
}

/* Rows profiled in batches, column by column (lt_profile_add), give what
 * lt_profile_row gives row by row: ragged rows, rows longer than the
 * header (new columns mid-batch), blank cells, a record too large for a
 * batch (profiled on its own, between batched ones), cells copied and
 * cells left in place, batches filled to each of their limits and flushed
 * early. */
static void test_batch_equals_rows(void **state)
{
	enum { ROWS = 3000 };
	static char cells[ROWS][8][64];
	static size_t nf[ROWS];
	static char big[2][40000];
	struct lt_matcher *m = lt_matcher_new(ps);
	struct lt_profile *one = lt_profile_new(ps, names, 4, true);
	struct lt_profile *bat = lt_profile_new(ps, names, 4, true);
	struct lt_rows b;
	struct lt_column *c1, *c2;
	size_t n1, n2, flushes = 0, prev;

	(void)state;
	lt_rows_init(&b);
	memset(big, 'x', sizeof big);
	for (int k = 0; k < 2; k++) {
		char id[10];

		make_nric(id, 1);
		memcpy(big[k] + 100 * (k + 1), id, 9);
		big[k][sizeof big[k] - 1] = '\0';
	}
	for (size_t r = 0; r < ROWS; r++) {
		/* mostly 4 fields; some short, some up to 8 (col5..col8) */
		nf[r] = r % 37 == 5 ? 2 : r % 53 == 7 ? 8 : r % 41 == 3 ? 6 : 4;
		for (size_t c = 0; c < nf[r]; c++) {
			char *x = cells[r][c];

			switch ((c + r % 3) % 6) {
			case 0: make_nric(x, rnd(10) != 0); break;
			case 1: snprintf(x, 64, "user%u@example.com", rnd(500)); break;
			case 2: snprintf(x, 64, "9%07u", rnd(10000000)); break;
			case 3: snprintf(x, 64, "%s", r % 7 ? "  " : ""); break;
			case 4: snprintf(x, 64, "Blk %u Bedok North Rd #0%u-%03u",
					 1 + rnd(300), 1 + rnd(9), rnd(1000)); break;
			default: snprintf(x, 64, "19%02u-%02u-%02u", 50 + rnd(40),
					  1 + rnd(12), 1 + rnd(28)); break;
			}
		}
	}
	for (size_t r = 0; r < ROWS; r++) {
		struct lt_field f[8];

		for (size_t c = 0; c < nf[r]; c++) {
			f[c].p = cells[r][c];
			f[c].n = strlen(cells[r][c]);
		}
		if (r == 1000 || r == 2000) {   /* larger than a batch */
			f[1].p = big[r / 1000 - 1];
			f[1].n = strlen(f[1].p);
		}
		lt_profile_row(one, m, f, nf[r]);
		prev = b.nrows;
		lt_profile_add(bat, m, &b, f, nf[r], r % 5 < 3);
		flushes += b.nrows <= prev;   /* it flushed the batch */
		if (r % 997 == 0)
			lt_profile_flush(bat, m, &b);
	}
	lt_profile_flush(bat, m, &b);
	assert_true(flushes >= 5);   /* the batches did fill */
	assert_int_equal(b.nrows, 0);
	assert_int_equal(lt_profile_ncols(one), 8);
	assert_int_equal(lt_profile_ncols(bat), 8);
	lt_profile_verdicts(one, LT_CONF_LOW, &c1, &n1);
	lt_profile_verdicts(bat, LT_CONF_LOW, &c2, &n2);
	assert_true(n1 >= 4);
	same_columns(c1, n1, c2, n2);
	lt_columns_free(c1, n1);
	lt_columns_free(c2, n2);
	lt_rows_release(&b);
	lt_profile_free(one);
	lt_profile_free(bat);
	lt_matcher_free(m);
}

/* lt_value_hash is the hash of the canonical form, built byte by byte
 * here, for every length around its fast paths (4..32 bytes, loads that
 * overlap) and bytes at the edges of each kept range. */
static void test_value_hash_canonical(void **state)
{
	static const unsigned char pick[] = {
		'/', '0', '5', '9', ':', '?', '@', 'A', 'M', 'Z', '[', '`', 'a',
		'q', 'z', '{', '.', '-', ' ', '+', 0x7f, 0x80, 0xbf, 0xea, 0xff, 1,
	};
	char v[300];
	unsigned char ref[256];

	(void)state;
	for (int t = 0; t < 200000; t++) {
		size_t n = t < 1000 ? (size_t)t % 41 : rnd(t % 50 ? 41 : 300);
		size_t k = 0;
		unsigned dropped = rnd(4);   /* 0: no byte to drop, mostly */

		for (size_t i = 0; i < n; i++) {
			unsigned char c = pick[rnd(sizeof pick)];

			if (!dropped)
				while (c == '/' || c == ':' || c == '?' || c == '[' ||
				       c == '`' || c == '{' || c == '-' || c == ' ' ||
				       c == '+' || c == 0x7f || c == 1)
					c = pick[rnd(sizeof pick)];
			v[i] = (char)c;
		}
		for (size_t i = 0; i < n && k < sizeof ref; i++) {
			unsigned char c = (unsigned char)v[i];

			if (c >= 'a' && c <= 'z')
				ref[k++] = (unsigned char)(c - 32);
			else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				 c == '@' || c == '.' || c >= 0x80)
				ref[k++] = c;
		}
		assert_true(lt_value_hash(v, n) == lt_hash64(ref, k));
	}
	/* the canonical equivalences the README states */
	assert_true(lt_value_hash("S1234567d", 9) == lt_value_hash("s1234567D", 9));
	assert_true(lt_value_hash("9123 4567", 9) == lt_value_hash("9123-4567", 9));
	assert_true(lt_value_hash("9123 4567", 9) == lt_value_hash("91234567", 8));
	assert_true(lt_value_hash("91234567", 8) != lt_value_hash("91234568", 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_merge_equals_one_pass),
		cmocka_unit_test(test_batch_equals_rows),
		cmocka_unit_test(test_value_hash_canonical),
		cmocka_unit_test(test_extra_fields_become_columns),
	};
	return cmocka_run_group_tests_name("profile", tests, setup, teardown);
}
