/*
 * test_shape.c - the byte classes of a pattern (src/detect/shape.c) and the
 * matcher's cache of PCRE2 answers by cell shape (src/detect/match.c).
 *
 * The classes are checked against PCRE2 itself: for every shipped pattern,
 * cells and copies of them with bytes swapped for others of the same class
 * must match at the same offsets.  A class that merged bytes the pattern
 * tells apart fails here.  Cells are synthetic; a failure names the
 * detector and the cell's number, never the cell.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lethe/detect.h"
#include "lethe/policy.h"
#include "testdir.h"
#include "testpacks.h"

static const char *const cells[] = {
	"S8412345E", "s8412345d", "T0123456G", "9123 4567", "91234567",
	"+65 9123 4567", "+6591234567", "6591234567", "(+65) 8123 4567",
	"+82 10-1234-5678", "010-1234-5678", "02-123-4567", "012-345 6789",
	"+60 12-345 6789", "alice@example.com", "a.b+c@mail.example.co.kr",
	"user17@example.com", "user1234@example.com", "x_y%z@ex-ample.org",
	"4111 1111 1111 1111", "4111111111111111", "378282246310005",
	"4111-1111-1111-1111", "4111 1111-1111 1111", "3782 822463 10005",
	"Blk 123 Ang Mo Kio Ave 3 #05-123",
	"10 Jalan Ampang, 50450 Kuala Lumpur", "1985-03-12", "12/03/1985",
	"12 Mar 1985", "1985.03.12", "1985-03/12", "March 12, 1985",
	"1985-03-12T00:00:00Z", "2023-01-05T10:07:00Z",
	"2023-01-05 10:07:00+08", "192.168.1.20", "2001:db8::1",
	"10.0.0.1:8080", "[fe80::1%eth0]:443", "Tan Wei Ming", "Lee Hui Min",
	"O'Brien-Smith", "Ahmad bin Ismail", "김민준", "김 민준",
	"850312-14-5678", "850312145678", "900101-1234568", "9001011234568",
	"서울특별시 강남구 테헤란로 123", "123456", "12345", "560123",
	"123-456", "S****567D", "***4567D", "567D", "S\xe2\x80\xa2\xe2\x80\xa2"
	"\xe2\x80\xa2\xe2\x80\xa2" "567D", "1000001", "4999.99",
	"call back after 6pm on 9123 4567", "S8412345E, alice@example.com",
	"9123456791234567", "S8412345ES8412345E", "user1@example.com9123",
	"12345678", "3123-4567", "6123 4567 8901 2345", "0123456789",
	"  S8412345E  ", "\"91234567\"", "123-45-6789", "0", "a", "-", "@",
	"\xea\xb0\x80", "12 345 678 901", "1234 5678 9012 3456 789",
	/* several values: a later one decides when an earlier one fails */
	"S8412345E S8412345E", "S8412345E S8412345E S8412345E T0123456G",
	"4111111111111111 4111111111111111", "9123 4567 / 8123 4567",
	"a@example.com b@example.com", "1.2.3.4 5.6.7.8",
};

/* A random cell: digits, letters, the punctuation patterns key on, and a
 * few UTF-8 characters. */
static size_t random_cell(char *out, size_t cap)
{
	static const char *const bits[] = {
		"0", "1", "2", "3", "5", "6", "8", "9", "0", "4", "7", "12",
		"A", "S", "T", "x", "e", "k", "Z", "q", " ", "-", ".", ":",
		"+", "@", "(", ")", "#", "/", ",", "_", "%", "'", "\t",
		"\xea\xb0\x80", "\xe2\x80\xa2", "\xc3\xa9", "Blk ", "Ave ",
		"Jalan ", "bin ", "010", "+65", "60", "82", "::", "com",
	};
	size_t n = 0, want = 1 + rnd(30);

	while (n < want) {
		const char *b = bits[rnd(sizeof bits / sizeof bits[0])];
		size_t k = strlen(b);

		if (n + k >= cap)
			break;
		memcpy(out + n, b, k);
		n += k;
	}
	out[n] = '\0';
	return n;
}

/* Every match a search from start finds, as run_detector walks them:
 * spans into out (pairs), the last entry the final return code. */
static size_t all_matches(const pcre2_code *re, bool once, const char *s,
			  size_t n, size_t start, long *out, size_t cap)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	size_t k = 0;
	int rc = 0;

	while (start <= n && k + 3 < cap) {
		rc = pcre2_match(re, (PCRE2_SPTR)s, n, start, 0, md, NULL);
		if (rc < 0)
			break;
		out[k++] = (long)ov[0];
		out[k++] = (long)ov[1];
		if (once || ov[1] < ov[0])
			break;
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		while (start < n && ((unsigned char)s[start] & 0xc0) == 0x80)
			start++;
	}
	out[k++] = rc;
	pcre2_match_data_free(md);
	return k;
}

/* s with each ASCII byte replaced by a random byte of its class. */
static void substitute(const uint8_t cls[256], const char *s, size_t n,
		       char *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = (char)c;
		if (c < 128) {
			unsigned char pick[128];
			size_t np = 0;

			for (unsigned b = 0; b < 128; b++)
				if (cls[b] == cls[c])
					pick[np++] = (unsigned char)b;
			out[i] = (char)pick[rnd((unsigned)np)];
		}
	}
	out[n] = '\0';
}

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* A run of digits with no ASCII letter beside it (what digit_word
 * patterns need), written again here as the specification. */
static bool has_digit_word(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		if (s[i] < '0' || s[i] > '9')
			continue;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		if ((i == 0 || !((s[i - 1] | 0x20) >= 'a' && (s[i - 1] | 0x20) <= 'z')) &&
		    (j == n || !((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z')))
			return true;
		i = j;
	}
	return false;
}

/* *checked counts the variants compared, *changed those that differ from
 * the cell (a class of one byte, or a cell of such bytes, gives none). */
static void check_pattern(const char *id, const void *code, const uint8_t *cls,
			  bool once, bool at_edge, bool word, size_t max_match,
			  size_t *checked, size_t *changed)
{
	const pcre2_code *re = code;
	char rnd_cell[128], var[128];
	long a[64], b[64];

	for (size_t c = 0; c < sizeof cells / sizeof cells[0] + 400; c++) {
		const char *s = c < sizeof cells / sizeof cells[0] ? cells[c] : rnd_cell;
		size_t n = c < sizeof cells / sizeof cells[0]
				   ? strlen(s) : random_cell(rnd_cell, 100);
		size_t na;

		if (n >= sizeof var)
			continue;
		na = all_matches(re, once, s, n, 0, a, 64);
		/* at_edge: every match starts at 0 or after a non-alnum */
		for (size_t k = 0; at_edge && k + 1 < na; k += 2)
			if (a[k] > 0 && is_alnum((unsigned char)s[a[k] - 1]))
				fail_msg("%s: cell %zu: a match starts inside a word",
					 id, c);
		/* max_match: no match is longer */
		for (size_t k = 0; max_match && k + 1 < na; k += 2)
			if ((size_t)(a[k + 1] - a[k]) > max_match)
				fail_msg("%s: cell %zu: a match of %ld bytes, max %zu",
					 id, c, a[k + 1] - a[k], max_match);
		/* digit_word: a match needs a digit run without letters */
		if (word && na > 1 && !has_digit_word(s, n))
			fail_msg("%s: cell %zu matches without a digit word", id, c);
		for (int v = 0; v < 25; v++) {
			size_t nb;

			substitute(cls, s, n, var);
			nb = all_matches(re, once, var, n, 0, b, 64);
			if (na != nb || memcmp(a, b, na * sizeof a[0]) != 0)
				fail_msg("%s: cell %zu, variant %d matches "
					 "differently", id, c, v);
			(*checked)++;
			*changed += memcmp(var, s, n) != 0;
		}
	}
}

/* Patterns a user might write, through the same PCRE2 check as the
 * shipped ones: each answer the readers give must hold. */
static void test_shape_property_user(void **state)
{
	static const char *const pats[] = {
		"(?Ji)[a-z]\\x{212A}", "(?Jx)x#[\\n\\b]?", "(?i)[a-k]+s",
		"(?<![A-Za-z0-9])?\\d{3}", "(?<![A-Za-z0-9])a\\Kb\\d",
		"(?<![A-Za-z0-9])\\d[\\!-~]\\d(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])-(?:(*ACCEPT)|\\d)\\d(?![A-Za-z0-9])",
		"(*UCP)\\d{3}", "(\\d)[ -]\\d", "([ -])\\d\\1\\d",
		"(?<![A-Za-z0-9])(?:\\+65 ?)?[3689]\\d{3}[ -]?\\d{4}(?![A-Za-z0-9])",
	};
	size_t checked = 0, changed = 0;
	(void)state;

	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		uint8_t cls[256];
		int ec;
		PCRE2_SIZE eo;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)pats[i],
					       PCRE2_ZERO_TERMINATED, PCRE2_UTF,
					       &ec, &eo, NULL);
		char id[32];

		assert_non_null(re);
		snprintf(id, sizeof id, "pattern %zu", i);
		if (!lt_shape_classes(pats[i], cls))
			for (int c = 0; c < 256; c++)
				cls[c] = (uint8_t)c;   /* no classes: identity */
		check_pattern(id, re, cls, false, lt_shape_starts_at_edge(pats[i]),
			      lt_shape_digit_word(pats[i]), lt_shape_max_len(pats[i]),
			      &checked, &changed);
		pcre2_code_free(re);
	}
	assert_true(checked > 10000);
	assert_true(changed > checked / 2);   /* most variants are new text */
}

/* The classes of every shipped pattern are ones PCRE2 cannot tell apart. */
static void test_shape_property(void **state)
{
	struct lt_packset *ps = load_shipped();
	size_t checked = 0, changed = 0, known = 0, edges = 0, words = 0;
	size_t bounded = 0;
	(void)state;

	for (size_t d = 0; d < lt_packset_count(ps); d++) {
		const struct lt_det_rt *rt = lt_packset_rt(ps, d);
		const char *id = lt_packset_info(ps, d)->id;

		if (!rt->shape_known)
			continue;
		known++;
		check_pattern(id, rt->re, rt->shape, rt->cell_scope, rt->at_edge,
			      rt->digit_word, rt->max_match, &checked, &changed);
		if (rt->re_anchored)
			check_pattern(id, rt->re_anchored, rt->shape, true,
				      false, rt->digit_word, rt->max_match,
				      &checked, &changed);
		bounded += rt->max_match > 0;
		edges += rt->at_edge;
		words += rt->digit_word;
	}
	/* every shipped pattern is understood, and was checked */
	assert_int_equal(known, lt_packset_count(ps));
	assert_true(edges >= 12);   /* the digit and address patterns */
	assert_true(words >= 7);    /* card, phones, RRN, MyKad */
	assert_true(bounded >= 13); /* RRN, MyKad, phones, postcodes... */
	assert_true(checked > 100000);
	assert_true(changed > checked / 2);   /* most variants are new text */
	print_message("%zu class-preserving substitutions checked, %zu of them "
		      "different from their cell\n", checked, changed);
	lt_packset_free(ps);
}

static bool same(const uint8_t cls[256], unsigned a, unsigned b)
{
	return cls[a] == cls[b];
}

/* What the analysis splits and joins, and what it refuses. */
static void test_shape_classes(void **state)
{
	static const char *const unknown[] = {
		"\\Qa.b\\E", "(?x) a b", "(\\d)\\1", "(a|b)\\1", "[[:digit:]]",
		"\\R", "(?|(a)|(b))", "(?<n>a)\\k<n>", "\\p{Greek}", "\\N",
		"a\\g1", "[a", "(a", "a)", "\\cA", "\\o{101}", "(?C1)a",
		"\\X", "\\101", "(?<n>a)(?P=n)", "(a)?(?(1)b|c)", "(?n)(a)\\1",
	};
	uint8_t cls[256];
	(void)state;

	assert_true(lt_shape_classes("[STFGM]\\d{7}[A-Z]", cls));
	assert_true(same(cls, '0', '9') && same(cls, '1', '7'));
	assert_true(same(cls, 'S', 'T') && same(cls, 'A', 'B'));
	assert_false(same(cls, 'S', 'A'));
	assert_false(same(cls, 's', 'a'));      /* the other case too */
	assert_false(same(cls, 'A', '0'));
	assert_true(same(cls, '{', '}'));       /* neither in the pattern */
	assert_false(same(cls, '{', '7'));
	assert_false(same(cls, '\n', ' '));     /* newlines: always apart */
	for (unsigned c = 128; c < 256; c++)
		assert_int_equal(cls[c], c);     /* UTF-8 bytes: exact */

	/* literals and ranges split, quantifiers do not */
	assert_true(lt_shape_classes("\\+65[ -]?[3689]\\d{3}", cls));
	assert_false(same(cls, '6', '0'));
	assert_false(same(cls, '3', '0'));
	assert_true(same(cls, '0', '1') && same(cls, '0', '7'));
	assert_true(same(cls, '3', '9'));       /* one class: [3689] */
	assert_true(same(cls, ' ', '-'));       /* one class: [ -] */
	assert_false(same(cls, ' ', '.'));
	assert_true(lt_shape_classes("x{2,5}y{3}", cls));
	assert_true(same(cls, '2', '3') && same(cls, '0', '9'));
	assert_true(lt_shape_classes("a{,5}", cls)); /* literal in old PCRE2s */
	assert_false(same(cls, '5', '6'));

	/* escapes that name sets; '.' tells newlines apart */
	assert_true(lt_shape_classes("\\w+\\s\\.", cls));
	assert_true(same(cls, 'a', '_') && same(cls, 'a', '5'));
	assert_false(same(cls, 'a', '-'));
	assert_true(same(cls, ' ', '\t'));      /* both \s */
	assert_false(same(cls, ' ', '.'));
	assert_true(lt_shape_classes("a.b", cls));
	assert_false(same(cls, '\n', 'x'));
	assert_true(same(cls, 'x', 'y'));
	assert_true(lt_shape_classes("\\p{Lu}\\p{Ll}+", cls));
	assert_true(same(cls, 'A', 'Q') && same(cls, 'b', 'z'));
	assert_false(same(cls, 'A', 'a'));
	assert_true(lt_shape_classes("[\\x41-\\x43]", cls));
	assert_true(same(cls, 'A', 'C'));
	assert_false(same(cls, 'A', 'D'));

	/* caseless with non-ASCII: every letter apart (U+212A is 'k') */
	assert_true(lt_shape_classes("(?i:[a-z]+)\xc3\xa9", cls));
	assert_false(same(cls, 'k', 'm'));
	assert_true(lt_shape_classes("(?i:[a-z]+)", cls));
	assert_true(same(cls, 'k', 'm'));

	/* backreferences to single characters are fine */
	assert_true(lt_shape_classes("\\d{4}([ -])\\d{4}\\1\\d{4}", cls));
	assert_false(same(cls, ' ', '-'));
	assert_true(lt_shape_classes("(?:([-/.])\\d\\1)", cls));

	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		if (lt_shape_classes(unknown[i], cls))
			fail_msg("pattern %zu should have no classes", i);
}

/* A pattern property: true for every yes, false for every no. */
static void sort_out(const char *what, bool (*is)(const char *),
		     const char *const *yes, size_t nyes,
		     const char *const *no, size_t nno)
{
	for (size_t i = 0; i < nyes; i++)
		if (!is(yes[i]))
			fail_msg("%s pattern %zu not seen", what, i);
	for (size_t i = 0; i < nno; i++)
		if (is(no[i]))
			fail_msg("pattern %zu taken for a %s one", i, what);
}

/* Which patterns start only where a word starts. */
static void test_shape_edge(void **state)
{
	static const char *const yes[] = {
		"(?<![A-Za-z0-9])\\d{4}", "(?<![A-Za-z0-9+]|\\d[-.])\\d+",
		"(?<![0-9A-Za-z._-])x(?:a|b)", "(?<![\\w])x", "(?<![a-zA-Z0-9#])x",
	};
	static const char *const no[] = {
		"(?<![A-Za-z])\\d", "(?<![A-Za-z0-9])a|b", "(?:(?<![A-Za-z0-9])a)",
		"(?<![^A-Za-z0-9])x", "(?<=[A-Za-z0-9])x", "x(?<![A-Za-z0-9])",
		"(?<![A-Z0-9])x", "(?<![A-Za-z0-9]x)y", "(?<![A-Za-z0-9]",
		"(?<![A-Za-z0-9])?\\d+", "(?<![A-Za-z0-9]){0}\\d+",
		"(?<![A-Za-z0-9])a\\Kb", "(?<![A-Za-z0-9])\\Q|\\Ex",
		"(?<![\\.-A-Za-z0-9])x", "(?<![A-Za-z0-9])(?#c|)x",
	};
	struct lt_packset *ps = load_shipped();
	struct lt_matcher *m = lt_matcher_new(ps);
	struct lt_hit h[64];
	long sg_phone = lt_packset_find(ps, "sg.phone");
	size_t nh;
	(void)state;

	sort_out("edge", lt_shape_starts_at_edge, yes, sizeof yes / sizeof yes[0],
		 no, sizeof no / sizeof no[0]);
	/* digits inside words start nothing; a number of its own does */
	assert_int_equal(lt_match_cell(m, "order note 8f14e45fceea167a5a36dedd4bea2543",
				       43, NULL, h, 64), 0);
	nh = lt_match_cell(m, "order 8f14e4 9123 4567 ok", 25, NULL, h, 64);
	assert_true(nh >= 1);
	assert_int_equal(h[0].det, sg_phone);
	/* a value after a blank: its first byte counts */
	nh = lt_match_cell(m, "ID: S8412345E OK", 16, NULL, h, 64);
	assert_int_equal(nh, 1);
	assert_int_equal(h[0].det, lt_packset_find(ps, "sg.nric"));
	lt_matcher_free(m);
	lt_packset_free(ps);
}

/* Which patterns need a run of digits with no letter beside it. */
static void test_shape_digit_word(void **state)
{
	static const char *const yes[] = {
		"(?<![A-Za-z0-9]|\\d[-. ])(?:\\d{4}([ -])\\d{4}\\1\\d{4}|\\d{12,19})"
		"(?![A-Za-z0-9]|[-. ]\\d)",
		"(?<![A-Za-z0-9+])\\+[1-9](?:[ .-]?\\(?\\d\\)?){6,14}(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])(?:\\(0\\)|0)?[3689]\\d{3}(?![A-Za-z0-9])",
	};
	static const char *const no[] = {
		"(?<![A-Za-z0-9])[STFGM]\\d{7}[A-Z](?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])\\d{4}", "(?<![A-Za-z0-9])\\d{4}(?![A-Za-z0-9])?",
		"(?<![A-Za-z0-9])\\d?(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])(?:\\d+|x)(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])(?=([a-z]))\\1\\d(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])[^x]\\d(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])\\d.(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])\\w\\d(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])\\d{,3}(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])[0-Z]\\d(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])\\d(?![A-Z0-9])",
		"\\d{4}(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])(?i:\xe2\x84\xaa)\\d(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])(?x)[-.]#5\n(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])-(?:(*ACCEPT)|\\d)\\d(?![A-Za-z0-9])",
		"(?<![A-Za-z0-9])\\d[\\!-~]\\d(?![A-Za-z0-9])",
	};
	struct lt_packset *ps = load_shipped();
	struct lt_matcher *m = lt_matcher_new(ps);
	struct lt_hit h[64];
	size_t nh;
	(void)state;

	/* the longest match */
	assert_int_equal(lt_shape_max_len("\\d{6}[- ]?\\d{7}"), 14);
	assert_int_equal(lt_shape_max_len("(?<![A-Za-z0-9])\\d{3,5}(?:-\\d{4})?(?![0-9])"), 10);
	assert_int_equal(lt_shape_max_len("ab|c{2}d|\xea\xb0\x80"), 3);
	assert_int_equal(lt_shape_max_len("[^x]\\.[\xea\xb0\x80" "a]"), 9);
	assert_int_equal(lt_shape_max_len("\\d+"), 0);
	assert_int_equal(lt_shape_max_len("\\d{2,}"), 0);
	assert_int_equal(lt_shape_max_len("(\\d)\\1"), 0);
	assert_int_equal(lt_shape_max_len("(?i:k)"), 0);   /* U+212A: 3 bytes */
	assert_int_equal(lt_shape_max_len("\\w{3}"), 0);   /* not read */
	assert_int_equal(lt_shape_max_len("(*UCP)\\d{3}"), 0);  /* \d wider */
	assert_int_equal(lt_shape_max_len("\\\xc3\xa9{3}"), 0);
	assert_int_equal(lt_shape_max_len("(?x)aaaa#|\nbbbb"), 0);
	sort_out("digit-word", lt_shape_digit_word, yes,
		 sizeof yes / sizeof yes[0], no, sizeof no / sizeof no[0]);
	/* digits inside words: no card, phone or ID run at all */
	assert_int_equal(lt_match_cell(m, "ref INV4111111111111111 x9123456700",
				       35, NULL, h, 64), 0);
	nh = lt_match_cell(m, "ref 4111111111111111 ok", 23, NULL, h, 64);
	assert_int_equal(nh, 1);
	assert_int_equal(h[0].det, lt_packset_find(ps, "payment_card"));
	nh = lt_match_cell(m, "call(+65)91234567", 17, NULL, h, 64);
	assert_true(nh >= 1);
	lt_matcher_free(m);
	lt_packset_free(ps);
}

/* Packs come from users: the readers take any text without reading past
 * its end (the ASan pass checks that), and answer something. */
static void test_shape_any_text(void **state)
{
	static const char *const bits[] = {
		"(", ")", "[", "]", "\\", "{", "}", "|", "?", "*", "+", ".",
		"^", "$", "-", ",", "2", "9", "a", "Z", "(?", "(?<!", "(?=",
		"(?i", "(?P", "(*", "[^", "[:", "\\d", "\\w", "\\p{", "\\x{",
		"\\1", "\\Q", "\\K", "{2,", "\xea\xb0\x80", "\xc3", ":", "'",
		"<", ">", "=", "!", "#", " ",
	};
	char pat[80];
	uint8_t cls[256];
	size_t answered = 0;
	(void)state;

	for (int k = 0; k < 200000; k++) {
		size_t n = 0, want = 1 + rnd(20);

		while (n < want) {
			const char *b = bits[rnd(sizeof bits / sizeof bits[0])];
			size_t l = strlen(b);

			if (n + l >= sizeof pat)
				break;
			memcpy(pat + n, b, l);
			n += l;
		}
		pat[n] = '\0';
		/* a heap copy of exactly the pattern: a read past it is caught */
		{
			char *h = malloc(n + 1);

			assert_non_null(h);
			memcpy(h, pat, n + 1);
			answered += lt_shape_classes(h, cls) > 0;
			answered += lt_shape_starts_at_edge(h);
			answered += lt_shape_digit_word(h);
			answered += lt_shape_max_len(h) > 0;
			free(h);
		}
	}
	assert_true(answered > 1000);   /* not everything refused */
}

/* Matches cell[0..n) with lead (< 0: none) in x, from an exact-size heap
 * copy (under ASan a read past the cell fails), and in the reference
 * matcher ref; fails unless they give the same hits in the same order.
 * Returns x's hit count; its hits go to out (64 entries) unless NULL. */
static size_t agree(struct lt_matcher *x, struct lt_matcher *ref,
		    const char *cell, size_t n, int lead, const char *what,
		    size_t k, struct lt_hit *out)
{
	struct lt_hit a[64], b[64];
	char *h = malloc(n ? n : 1);
	size_t na, nb;

	assert_non_null(h);
	memcpy(h, cell, n);
	na = lt_match_cell_lead(x, h, n, NULL, lead, a, 64);
	free(h);
	nb = lt_match_cell_lead(ref, cell, n, NULL, lead, b, 64);
	if (na != nb)
		fail_msg("%s %zu: %zu hits, %zu in the reference", what, k, na, nb);
	for (size_t i = 0; i < na; i++)
		if (!same_hit(&a[i], &b[i]))
			fail_msg("%s %zu: hit %zu differs", what, k, i);
	if (out)
		memcpy(out, a, na * sizeof *a);
	return na;
}

/* A matcher with a warm shape cache finds what one without finds. */
static void test_shape_cache_equivalent(void **state)
{
	struct lt_packset *ps = load_shipped();
	struct lt_matcher *warm = lt_matcher_new(ps), *cold = lt_matcher_new(ps);
	size_t ndet = lt_packset_count(ps), compared = 0;
	char buf[128];
	(void)state;

	lt_matcher_shape_cache(cold, false);
	for (int round = 0; round < 5; round++)
		for (size_t c = 0; c < sizeof cells / sizeof cells[0] * 20; c++) {
			const char *base = cells[c % (sizeof cells / sizeof cells[0])];
			size_t n = strlen(base);
			int lead = (int)rnd((unsigned)ndet + 1) - 1;

			if (n >= sizeof buf)
				continue;
			/* variants of the cell: digits for digits (rounds 1-2:
			 * mostly the same shapes), then letters for letters of
			 * either case too (rounds 3-4: shapes of one length
			 * that differ anywhere) */
			for (size_t i = 0; i <= n; i++) {
				char ch = base[i];

				buf[i] = ch;
				if (round && ch >= '0' && ch <= '9')
					buf[i] = (char)('0' + rnd(10));
				else if (round >= 3 && ((ch | 0x20) >= 'a' &&
							(ch | 0x20) <= 'z'))
					buf[i] = (char)((rnd(2) ? 'a' : 'A') + rnd(26));
			}
			agree(warm, cold, buf, n, lead,
			      round ? "cell variant" : "cell", c * 10 + (size_t)round,
			      NULL);
			compared++;
		}
	/* the cache answered (most runs), and only the warm matcher's */
	assert_true(compared > 1000);
	assert_true(lt_matcher_shape_hits(warm) > compared);
	assert_int_equal(lt_matcher_shape_hits(cold), 0);
	/* random cells: many shapes of each length, so that different
	 * shapes share cache slots */
	for (size_t c = 0; c < 20000; c++) {
		size_t n = random_cell(buf, 60);
		int lead = (int)rnd((unsigned)ndet + 1) - 1;

		agree(warm, cold, buf, n, lead, "random cell", c, NULL);
	}
	lt_matcher_free(warm);
	lt_matcher_free(cold);
	lt_packset_free(ps);
}

/* The prefilter (cell features, candidate tables, first bytes, digit
 * words) only skips detectors that would find nothing: a matcher that
 * runs every detector on every cell finds the same.  Values are placed
 * at every offset up to past 64 bytes (the features read 16 bytes at a
 * time and keep digit masks for cells up to 64 bytes). */
static void test_prefilter_exact(void **state)
{
	struct lt_packset *ps = load_shipped();
	struct lt_matcher *filt = lt_matcher_new(ps), *all = lt_matcher_new(ps);
	size_t ndet = lt_packset_count(ps), compared = 0;
	char buf[256];
	(void)state;

	lt_matcher_prefilter(all, false);
	lt_matcher_shape_cache(all, false);
	/* every sample cell behind 0..80 bytes of blanks, letters or digits */
	for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++)
		for (size_t pad = 0; pad <= 80; pad++) {
			static const char fill[] = " x7";
			size_t n = strlen(cells[c]);
			char f = fill[(c + pad) % 3];

			if (pad + n + 2 >= sizeof buf)
				continue;
			memset(buf, f, pad);
			if (pad && f != ' ' && pad % 2)
				buf[pad - 1] = ' ';   /* else it touches the value */
			memcpy(buf + pad, cells[c], n + 1);
			agree(filt, all, buf, pad + n, -1, "padded cell",
			      c * 100 + pad, NULL);
			compared++;
		}
	/* random cells, one to four joined (up to ~200 bytes), with a lead */
	for (size_t c = 0; c < 20000; c++) {
		size_t n = 0, parts = 1 + rnd(4);
		int lead = (int)rnd((unsigned)ndet + 1) - 1;

		for (size_t p = 0; p < parts; p++)
			n += random_cell(buf + n, sizeof buf - n);
		if (n == 0)
			continue;
		agree(filt, all, buf, n, lead, "random cell", c, NULL);
		compared++;
	}
	assert_true(compared > 20000);
	lt_matcher_free(filt);
	lt_matcher_free(all);
	lt_packset_free(ps);
}

/* The same for a user's pack whose hints reach past what the shipped
 * packs use: digit runs and counts beyond 16 and 64, long minimum
 * lengths, required bytes, cell-scope bounds. */
static void test_prefilter_exact_hints(void **state)
{
	static const char pack[] =
		"pack: hints\nversion: 1\ndetectors:\n"
		"  - id: h.run13\n    category: other\n"
		"    pattern: '\\d[\\d ]{11,90}\\d'\n    min_digit_run: 13\n"
		"  - id: h.run17\n    category: other\n"
		"    pattern: '\\d+'\n    min_digit_run: 17\n"
		"  - id: h.run65\n    category: other\n"
		"    pattern: '\\d+'\n    min_digit_run: 65\n"
		"  - id: h.dig30\n    category: other\n"
		"    pattern: '[\\d -]+'\n    min_digits: 30\n"
		"  - id: h.dig64\n    category: other\n"
		"    pattern: '[\\d x]+'\n    min_digits: 64\n"
		"  - id: h.dig66\n    category: other\n"
		"    pattern: '[\\d x]+'\n    min_digits: 66\n"
		"  - id: h.len70\n    category: other\n"
		"    pattern: '[^@]+'\n    min_length: 70\n"
		"  - id: h.req\n    category: other\n"
		"    pattern: '\\S+@\\S+'\n    require: '@#'\n"
		"  - id: h.any\n    category: other\n"
		"    pattern: '\\d+[:/]\\d+'\n    require_any: ':/'\n"
		"  - id: h.cell\n    category: other\n    scope: cell\n"
		"    pattern: '[\\d x]+'\n    min_length: 17\n"
		"    max_length: 65\n    min_digits: 15\n"
		"  - id: h.short\n    category: other\n"
		"    pattern: '\\d[a-z]?\\d'\n    min_digits: 2\n"
		"  - id: h.maxlen\n    category: other\n"
		"    pattern: '[\\d ]+'\n    min_length: 5\n    max_length: 12\n";
	struct lt_packset *ps = NULL;
	struct lt_matcher *filt, *all;
	struct lt_err err;
	char buf[200];
	size_t compared = 0, found = 0, hit_by[32] = { 0 };
	(void)state;

	write_file("hints.yaml", pack);
	if (lt_packset_load(tmpdir, NULL, 0, &ps, &err) != 0)
		fail_msg("hints pack: %s", err.msg);
	filt = lt_matcher_new(ps);
	all = lt_matcher_new(ps);
	lt_matcher_prefilter(all, false);
	lt_matcher_shape_cache(all, false);   /* the plain reference */
	/* runs of digits from 1 to 90 long, broken at random by blanks,
	 * 'x', '@', '#', ':' or '/', behind 0 to 20 bytes of padding */
	for (size_t c = 0; c < 20000; c++) {
		static const char brk[] = " x@#:/-";
		size_t pad = rnd(21), len = 1 + rnd(90), n = 0;

		while (n < pad)
			buf[n++] = rnd(2) ? ' ' : 'q';
		for (size_t i = 0; i < len && n + 1 < sizeof buf; i++)
			buf[n++] = rnd(12) ? (char)('0' + rnd(10))
					   : brk[rnd(sizeof brk - 1)];
		buf[n] = '\0';
		struct lt_hit got[64];
		size_t nh = agree(filt, all, buf, n, -1, "hints cell", c, got);

		uint64_t seen = 0;   /* each detector counted once a cell */

		for (size_t h = 0; h < nh; h++)
			seen |= (uint64_t)1 << got[h].det;
		for (size_t d = 0; d < lt_packset_count(ps); d++)
			hit_by[d] += seen >> d & 1;
		found += nh;
		/* with a lead: the anchored attempts of the others */
		agree(filt, all, buf, n, (int)rnd((unsigned)lt_packset_count(ps)),
		      "hints cell with a lead", c, NULL);
		compared++;
	}
	/* every cell of up to 4 bytes over digits, letters and blanks */
	for (size_t c = 0; c < 5 * 5 * 5 * 5 + 5 * 5 * 5 + 5 * 5 + 5; c++) {
		size_t n = c < 5 ? 1 : c < 30 ? 2 : c < 155 ? 3 : 4;
		size_t x = c - (n == 1 ? 0 : n == 2 ? 5 : n == 3 ? 30 : 155);

		for (size_t i = 0; i < n; i++, x /= 5)
			buf[i] = "1x 9Q"[x % 5];
		buf[n] = '\0';
		found += agree(filt, all, buf, n, -1, "short cell", c, NULL);
		compared++;
	}
	assert_int_equal(compared, 20000 + 780);
	assert_true(found > 10000);   /* the detectors do match */
	/* each one matches some random cell and turns some down: every
	 * threshold above is met and missed (hit_by counts cells) */
	for (size_t d = 0; d < lt_packset_count(ps); d++)
		if (hit_by[d] == 0 || hit_by[d] == 20000)
			fail_msg("%s: %zu of 20000 random cells",
				 lt_packset_info(ps, d)->id, hit_by[d]);
	lt_matcher_free(filt);
	lt_matcher_free(all);
	lt_packset_free(ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_classes),
		cmocka_unit_test(test_shape_property),
		cmocka_unit_test(test_shape_property_user),
		cmocka_unit_test(test_shape_edge),
		cmocka_unit_test(test_shape_digit_word),
		cmocka_unit_test(test_shape_any_text),
		cmocka_unit_test(test_shape_cache_equivalent),
		cmocka_unit_test(test_prefilter_exact),
		cmocka_unit_test_setup_teardown(test_prefilter_exact_hints,
						setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
