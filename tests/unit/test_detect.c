/*
 * test_detect.c - validators, pack loading, cell matching and the shipped
 * packs' self-test (detect module: validate.c, pack.c, match.c).
 *
 * Table-driven.  Identifier values never reach the output: a failing row is
 * reported by its table name, row number and a masked copy of its input.
 * The shipped packs are read from $LETHE_TEST_PACKS, default "patterns"
 * (run from the top of the tree).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lethe/detect.h"
#include "lethe/policy.h"
#include "testdir.h"
#include "testpacks.h"

/* Writes tmpdir/name; returns a heap copy of its path. */
static char *dup_file(const char *name, const char *text)
{
	return lt_xstrdup(write_file(name, text));
}

/* ---- helpers --------------------------------------------------------------- */

#define BUL "\xe2\x80\xa2" /* U+2022, what lt_mask writes for a hidden char */

/* Letters and digits become '*' except the last two; other bytes kept,
 * each non-ASCII character becomes one '*'. */
static const char *masked(const char *s)
{
	static char buf[512];
	size_t n = strlen(s), keep_from = n, seen = 0, k = 0;

	for (size_t i = n; i-- > 0 && seen < 2;) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
			seen++;
			keep_from = i;
		}
	}
	for (size_t i = 0; i < n && k + 1 < sizeof buf; i++) {
		unsigned char c = (unsigned char)s[i];
		int word = (c >= '0' && c <= '9') ||
			   ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');

		if (c >= 0x80) {
			if ((c & 0xc0) != 0x80)
				buf[k++] = '*';
		} else {
			buf[k++] = (word && i < keep_from) ? '*' : (char)c;
		}
	}
	buf[k] = '\0';
	return buf;
}

static const char *vname(enum lt_valid v)
{
	return v == LT_VALID_OK ? "ok" : v == LT_VALID_WEAK ? "weak" : "no";
}

struct vcase {
	const char *in;
	enum lt_valid want;
};

static void run_vcases(const char *table, lt_validator_fn fn,
		       const struct vcase *c, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		enum lt_valid got = fn(c[i].in, strlen(c[i].in));

		if (got != c[i].want) {
			print_error("%s row %zu (%s): got %s, want %s\n", table,
				    i, masked(c[i].in), vname(got),
				    vname(c[i].want));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

#define RUN(table, fn) run_vcases(#table, fn, table, sizeof table / sizeof table[0])

/* ---- validators ------------------------------------------------------------ */

static void test_sg_nric(void **state)
{
	static const struct vcase t[] = {
		{ "G5872776N", LT_VALID_OK },   /* SAP KBA 2572734 */
		{ "M4332674T", LT_VALID_OK },   /* presidio */
		{ "S8412345E", LT_VALID_OK },
		{ "T0212345I", LT_VALID_OK },   /* T: offset 4 */
		{ "F9876543M", LT_VALID_OK },
		{ "s8412345e", LT_VALID_OK },   /* lower case */
		{ " T0212345I\t", LT_VALID_OK },
		{ "S1234567D", LT_VALID_OK },
		{ "M1234567K", LT_VALID_OK },   /* M table: offset 3 */
		{ "S1234567A", LT_VALID_NO },   /* Singpass illustration */
		{ "M1234567B", LT_VALID_NO },   /* ICA illustration */
		{ "G5872776M", LT_VALID_NO },
		{ "T0212345J", LT_VALID_NO },   /* S table without T's offset */
		{ "M4332674R", LT_VALID_NO },   /* F/G letter without M's */
		{ "X8412345E", LT_VALID_NO },
		{ "S841234E", LT_VALID_NO },
		{ "S84123456", LT_VALID_NO },
		{ "S8412345EE", LT_VALID_NO },
		{ "", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_sg_nric);
}

static void test_kr_rrn(void **state)
{
	static const struct vcase t[] = {
		{ "971013-9019902", LT_VALID_OK },   /* stdnum doctest */
		{ "971013-9019903", LT_VALID_WEAK }, /* stdnum: bad checksum */
		{ "940624-5149547", LT_VALID_OK },   /* stdnum, G 5: citizen rule */
		{ "881219-5460537", LT_VALID_OK },
		{ "741213-6670511", LT_VALID_OK },
		{ "810819-6901483", LT_VALID_OK },
		{ "931112-6271351", LT_VALID_OK },
		{ "051102-9234110", LT_VALID_OK },   /* 1805 */
		{ "921231-5543211", LT_VALID_OK },   /* foreigner (13 - s) rule */
		{ "921231-5543219", LT_VALID_OK },   /* foreigner, citizen rule */
		{ "921231-5543212", LT_VALID_WEAK }, /* foreigner, neither */
		{ "900101-1234568", LT_VALID_OK },
		{ "900101 1234568", LT_VALID_OK },
		{ "9001011234568", LT_VALID_OK },
		{ "900101-1234567", LT_VALID_WEAK }, /* citizen, no checksum */
		{ "2101013123450", LT_VALID_WEAK },  /* post-2020 random tail */
		{ "000229-4123457", LT_VALID_OK },   /* 2000 is a leap year */
		{ "990229-1234567", LT_VALID_NO },   /* 1999 is not */
		{ "900230-1234563", LT_VALID_NO },
		{ "900431-2345670", LT_VALID_NO },
		{ "901301-1234567", LT_VALID_NO },
		{ "900100-1234567", LT_VALID_NO },
		{ "8801234567893", LT_VALID_NO },    /* born 2088: EAN-13 */
		{ "900101-123456", LT_VALID_NO },
		{ "900101-12345689", LT_VALID_NO },
		{ "90010a-1234568", LT_VALID_NO },
		{ "900101/1234568", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_kr_rrn);
}

static void test_luhn(void **state)
{
	static const struct {
		const char *in;
		bool want;
	} t[] = {
		{ "79927398713", true },
		{ "78949", true },  /* stdnum docstring: 7894 -> 9 */
		{ "78940", false },
		{ "4111111111111111", true },
		{ "4111111111111112", false },
		{ "0", true },
		{ "", false },
		{ "12a4", false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (lt_luhn(t[i].in, strlen(t[i].in)) != t[i].want)
			fail_msg("luhn row %zu (%s)", i, masked(t[i].in));
	}
}

static void test_card(void **state)
{
	static const struct vcase t[] = {
		{ "4111111111111111", LT_VALID_OK },
		{ "4111 1111 1111 1111", LT_VALID_OK },
		{ "4111-1111-1111-1111", LT_VALID_OK },
		{ "5555555555554444", LT_VALID_OK },
		{ "5105105105105100", LT_VALID_OK },
		{ "2223003122003222", LT_VALID_OK },  /* Mastercard 2-series */
		{ "378282246310005", LT_VALID_OK },
		{ "3782 822463 10005", LT_VALID_OK }, /* 4-6-5 */
		{ "371449635398431", LT_VALID_OK },
		{ "6011111111111117", LT_VALID_OK },
		{ "3530111333300000", LT_VALID_OK },
		{ "3566002020360505", LT_VALID_OK },
		{ "36227206271667", LT_VALID_OK },    /* Diners 14 */
		{ "3622 720627 1667", LT_VALID_OK },  /* 4-6-4 */
		{ "6200000000000005", LT_VALID_OK },  /* UnionPay */
		{ "6304000000000000", LT_VALID_OK },  /* Maestro */
		{ "4222222222222", LT_VALID_OK },     /* Visa 13 */
		{ "122000000000003", LT_VALID_OK },   /* UATP */
		{ "4111111111111112", LT_VALID_NO },  /* Luhn */
		{ "1748503543012", LT_VALID_NO },     /* 13 digits starting 1 */
		{ "490154203237518", LT_VALID_NO },   /* IMEI: Visa is not 15 */
		{ "8806123456784", LT_VALID_NO },     /* EAN-13, passes Luhn */
		{ "0000000000000000", LT_VALID_NO },  /* no issuer */
		{ "5555555555554444000", LT_VALID_NO }, /* Mastercard is 16 */
		{ "41111111111", LT_VALID_NO },       /* 11 digits */
		{ "4111-1111 1111-1111", LT_VALID_NO }, /* mixed separators */
		{ "4111 111111 111111", LT_VALID_NO },
		{ "41111 1111 1111 111", LT_VALID_NO },
		{ "4111 1111 1111 1111 ", LT_VALID_OK }, /* trimmed */
		{ "4111  1111 1111 1111", LT_VALID_NO },
		{ "4111.1111.1111.1111", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_luhn_card);
}

static void test_email(void **state)
{
	static const struct vcase t[] = {
		{ "alice@example.com", LT_VALID_OK },
		{ "Bob.Smith+news@mail.example.co.uk", LT_VALID_OK },
		{ "user@xn--80ak6aa92e.com", LT_VALID_OK },
		{ "user@xn--d1acufc.xn--p1ai", LT_VALID_OK },
		{ "o'brien@example.ie", LT_VALID_OK },
		{ "info@presidio.", LT_VALID_NO },  /* presidio */
		{ "hello-world", LT_VALID_NO },     /* presidio */
		{ "john..doe@example.com", LT_VALID_NO },
		{ ".john@example.com", LT_VALID_NO },
		{ "john.@example.com", LT_VALID_NO },
		{ "john@.example.com", LT_VALID_NO },
		{ "john@example..com", LT_VALID_NO },
		{ "john@-example.com", LT_VALID_NO },
		{ "john@example-.com", LT_VALID_NO },
		{ "user@localhost", LT_VALID_NO },
		{ "user@example.c", LT_VALID_NO },
		{ "user@123.45", LT_VALID_NO },
		{ "user@example.c0m", LT_VALID_NO },
		{ "a@b@example.com", LT_VALID_NO },
		{ "@example.com", LT_VALID_NO },
		{ "user@", LT_VALID_NO },
		{ "a b@example.com", LT_VALID_NO },
	};
	char local[80], dom[300];
	(void)state;
	RUN(t, lt_valid_email);

	/* RFC 5321 lengths: local part 64, domain 255. */
	memset(local, 'a', 64);
	strcpy(local + 64, "@example.com");
	assert_int_equal(lt_valid_email(local, strlen(local)), LT_VALID_OK);
	memset(local, 'a', 65);
	strcpy(local + 65, "@example.com");
	assert_int_equal(lt_valid_email(local, strlen(local)), LT_VALID_NO);
	strcpy(dom, "u@");
	for (int i = 0; i < 4; i++)
		strcat(dom, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	strcat(dom, "com"); /* domain: 4 * 62 + 3 = 251 bytes */
	assert_int_equal(lt_valid_email(dom, strlen(dom)), LT_VALID_OK);
	strcpy(dom + strlen(dom) - 3, "abcdefg"); /* 4 * 62 + 7 = 255 */
	assert_int_equal(lt_valid_email(dom, strlen(dom)), LT_VALID_OK);
	strcat(dom, "h"); /* 256 */
	assert_int_equal(lt_valid_email(dom, strlen(dom)), LT_VALID_NO);
}

/* The email rules as RFC 5321/5322 state them (a reference for
 * test_email_differential, written label by label): one '@'; a local part
 * of 1-64 atext bytes or UTF-8, dots not first, last or doubled; a domain
 * of 1-255 bytes, two or more labels of 1-63 letters, digits and inner
 * hyphens; a top-level label of 2+ letters, or a punycode one. */
static bool ref_email(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n), *d, *end = s + n, *lab;
	size_t ln, labels = 0;

	if (!at || memchr(at + 1, '@', (size_t)(end - at - 1)))
		return false;
	if (at == s || at - s > 64 || end - at - 1 < 1 || end - at - 1 > 255)
		return false;
	for (const char *p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;

		if (!(c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
		      (c && strchr("!#$%&'*+/=?^_`{|}~.-", c))))
			return false;
		if (c == '.' && (p == s || p + 1 == at || p[1] == '.'))
			return false;
	}
	for (d = at + 1; ; d = lab + ln + 1) {
		lab = d;
		for (ln = 0; lab + ln < end && lab[ln] != '.'; ln++) {
			unsigned char c = (unsigned char)lab[ln];

			if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '-'))
				return false;
		}
		if (ln == 0 || ln > 63 || lab[0] == '-' || lab[ln - 1] == '-')
			return false;
		labels++;
		if (lab + ln == end)
			break;
	}
	if (labels < 2)
		return false;
	if (ln > 4 && (lab[0] | 0x20) == 'x' && (lab[1] | 0x20) == 'n' && lab[2] == '-' && lab[3] == '-')
		return true;
	if (ln < 2)
		return false;
	for (size_t i = 0; i < ln; i++)
		if (((unsigned char)lab[i] | 0x20) < 'a' || ((unsigned char)lab[i] | 0x20) > 'z')
			return false;
	return true;
}

/* lt_valid_email (bit masks up to 64 bytes, byte loops beyond) against the
 * reference on emails built from parts, one byte changed, up to 90 bytes. */
static void test_email_differential(void **state)
{
	static const char *const parts[] = {
		"a", "Bo", "x9", "user17", "com", "io", "example", "mail", "ZZ",
		"q", "xn--p1ai", "c0", "\xc3\xa9", ".", "-", "-a", "a-", "_", "+",
		"'", "..", "@",
	};
	static const char bytes[] = "a.@-Z0_+ x\x80\"!n";
	uint64_t st = 0x9e3779b97f4a7c15ULL;
	unsigned ok = 0, checked = 0;

	(void)state;
	for (int t = 0; t < 300000; t++) {
		char v[128];
		size_t n = 0, nl = 1 + xorshift(&st) % 3, nd = 1 + xorshift(&st) % 4;

		/* local@label.label...tld from parts; lengths up to ~90 */
		for (size_t i = 0; i < nl + nd; i++) {
			const char *p = parts[xorshift(&st) % (sizeof parts / sizeof parts[0])];
			size_t k = strlen(p);
			size_t reps = 1 + xorshift(&st) % (xorshift(&st) % 8 ? 2 : 12);

			for (size_t r = 0; r < reps && n + k + 2 < sizeof v; r++) {
				memcpy(v + n, p, k);
				n += k;
			}
			if (i + 1 < nl + nd && n + 2 < sizeof v)
				v[n++] = i + 1 == nl ? '@' : '.';
		}
		if (n == 0)
			continue;
		if (xorshift(&st) % 3 == 0)
			v[xorshift(&st) % n] = bytes[xorshift(&st) % (sizeof bytes - 1)];
		if (v[0] == ' ')
			v[0] = 'a';
		if (v[n - 1] == ' ')
			v[n - 1] = 'a';
		checked++;
		ok += ref_email(v, n);
		if ((lt_valid_email(v, n) == LT_VALID_OK) != ref_email(v, n))
			fail_msg("email case %d (%zu bytes): lethe %d, reference %d", t, n,
				 lt_valid_email(v, n) == LT_VALID_OK, ref_email(v, n));
	}
	assert_true(ok > checked / 50);   /* valid ones were made too */
	assert_true(ok < checked / 2);
}

static void test_sg_phone(void **state)
{
	static const struct vcase t[] = {
		{ "+65 9123 4567", LT_VALID_OK },
		{ "+6591234567", LT_VALID_OK },
		{ "(65) 9123-4567", LT_VALID_OK },
		{ "(+65) 9123 4567", LT_VALID_OK },
		{ "65-91234567", LT_VALID_OK },
		{ "6591234567", LT_VALID_OK },
		{ "91234567", LT_VALID_OK },
		{ "8123 4567", LT_VALID_OK },
		{ "80123456", LT_VALID_OK },   /* 80[1-9] */
		{ "61234567", LT_VALID_OK },
		{ "66201234", LT_VALID_OK },   /* 662[0-24-9] */
		{ "66612345", LT_VALID_OK },   /* 666 VoIP */
		{ "31234567", LT_VALID_OK },   /* VoIP */
		{ "32123456", LT_VALID_OK },
		{ "99912345", LT_VALID_NO },   /* 999 emergency */
		{ "99512345", LT_VALID_NO },
		{ "+65 9991 2345", LT_VALID_NO },
		{ "80012345", LT_VALID_NO },   /* 800 */
		{ "66231234", LT_VALID_NO },   /* 6623 hole */
		{ "69412345", LT_VALID_NO },   /* 694 hole */
		{ "33123456", LT_VALID_NO },
		{ "71234567", LT_VALID_NO },
		{ "21234567", LT_VALID_NO },
		{ "9123456", LT_VALID_NO },
		{ "912345678", LT_VALID_NO },
		{ "+6691234567", LT_VALID_NO },  /* Thailand */
		{ "6491234567", LT_VALID_NO },
		{ "18001234567", LT_VALID_NO },  /* toll free */
		{ "9123+4567", LT_VALID_NO },
		{ "9123x4567", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_sg_phone);
}

static void test_kr_phone(void **state)
{
	static const struct vcase t[] = {
		{ "010-1234-5678", LT_VALID_OK },
		{ "01012345678", LT_VALID_OK },
		{ "010 1234 5678", LT_VALID_OK },
		{ "010-123-4567", LT_VALID_OK },   /* 7-digit legacy */
		{ "011-234-5678", LT_VALID_OK },
		{ "016-2345-6789", LT_VALID_OK },
		{ "019-234-5678", LT_VALID_OK },
		{ "+82 10-1234-5678", LT_VALID_OK },
		{ "+821012345678", LT_VALID_OK },
		{ "+82 (0)10 1234 5678", LT_VALID_OK },
		{ "02-123-4567", LT_VALID_OK },
		{ "02-1234-5678", LT_VALID_OK },
		{ "(02) 1234-5678", LT_VALID_OK },
		{ "+82 2 1234 5678", LT_VALID_OK },
		{ "031-123-4567", LT_VALID_OK },
		{ "044-1234-5678", LT_VALID_OK },  /* Sejong */
		{ "064-712-3456", LT_VALID_OK },
		{ "070-1234-5678", LT_VALID_OK },
		{ "0505-123-4567", LT_VALID_OK },
		{ "0504-1234-5678", LT_VALID_OK },
		{ "010-5912-3456", LT_VALID_OK },  /* 1059[0-6] */
		{ "010-5812-3456", LT_VALID_OK },
		{ "010-5971-2345", LT_VALID_NO },  /* 1059[7-9] */
		{ "1588-1234", LT_VALID_NO },      /* company hotline */
		{ "1544-1234", LT_VALID_NO },
		{ "1899-1234", LT_VALID_NO },
		{ "+82 1588-1234", LT_VALID_NO },
		{ "080-123-4567", LT_VALID_NO },   /* toll free */
		{ "060-123-4567", LT_VALID_NO },   /* premium */
		{ "012-345-6789", LT_VALID_NO },
		{ "015-123-4567", LT_VALID_NO },   /* pager */
		{ "02-0123-4567", LT_VALID_NO },
		{ "02-12-3456", LT_VALID_NO },
		{ "031-012-3456", LT_VALID_NO },
		{ "035-123-4567", LT_VALID_NO },
		{ "010-1234-56789", LT_VALID_NO },
		{ "00-1234-5678", LT_VALID_NO },
		{ "+81 10-1234-5678", LT_VALID_NO },
		{ "010-1234-567a", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_kr_phone);
}

static void test_sg_nric_partial(void **state)
{
	static const struct vcase t[] = {
		{ "S****567D", LT_VALID_OK },
		{ "*****567D", LT_VALID_OK },
		{ "XXXXX567D", LT_VALID_OK },
		{ "S\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "567D", LT_VALID_OK }, /* U+2022 masks */
		{ "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "567D", LT_VALID_OK },
		{ "T***4567G", LT_VALID_OK }, /* 3 masks, 4 digits */
		{ "****4567D", LT_VALID_OK },
		{ "xxxxx567d", LT_VALID_OK },
		{ "F****321K", LT_VALID_OK }, /* F/G table */
		{ "M****321J", LT_VALID_OK }, /* M table has J */
		{ "567D", LT_VALID_OK }, /* last four */
		{ " S****567D ", LT_VALID_OK },
		{ "S8412345E", LT_VALID_NO }, /* unmasked: sg.nric */
		{ "S****567K", LT_VALID_NO }, /* K is no S letter */
		{ "F****567A", LT_VALID_NO },
		{ "M****567M", LT_VALID_NO }, /* M is no M letter */
		{ "A****567D", LT_VALID_NO }, /* no such prefix */
		{ "S**4567D", LT_VALID_NO },
		{ "S****56D", LT_VALID_NO },
		{ "S*****67D", LT_VALID_NO }, /* two digits shown */
		{ "S**34567D", LT_VALID_NO }, /* two masks */
		{ "S*******D", LT_VALID_NO },
		{ "567O", LT_VALID_NO },
		{ "56D", LT_VALID_NO },
		{ "S****567", LT_VALID_NO },
		{ "S****567DD", LT_VALID_NO },
		{ "", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_sg_nric_partial);
}

static void test_sg_postal(void **state)
{
	static const struct vcase t[] = {
		{ "560123", LT_VALID_OK },
		{ "018981", LT_VALID_OK },
		{ "828761", LT_VALID_OK }, /* sector 82 */
		{ " 119077 ", LT_VALID_OK },
		{ "010000", LT_VALID_OK },
		{ "740123", LT_VALID_NO }, /* sector 74 */
		{ "830123", LT_VALID_NO },
		{ "000123", LT_VALID_NO },
		{ "56012", LT_VALID_NO },
		{ "5601234", LT_VALID_NO },
		{ "56O123", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_sg_postal);
}

static void test_sg_address(void **state)
{
	static const struct vcase t[] = {
		{ "Blk 123 Ang Mo Kio Ave 3 #05-123 Singapore 560123", LT_VALID_OK },
		{ "8 Marina Boulevard #12-03 Singapore 018981", LT_VALID_OK },
		{ "Blk 145 Lorong 2 Toa Payoh", LT_VALID_OK }, /* Blk + prefix street word */
		{ "10 Anson Road S(079903)", LT_VALID_OK },
		{ "Block 520 Jurong West St 52, #08-11", LT_VALID_OK },
		{ "1 Jalan Besar Singapore 208787", LT_VALID_OK },
		{ "Ang Mo Kio Ave 3, #05-123, 560123", LT_VALID_OK }, /* bare postal code last */
		{ "Blk 12 #B1-12", LT_VALID_OK }, /* basement unit */
		{ "Blk 123", LT_VALID_NO }, /* one cue */
		{ "8 Marina Boulevard", LT_VALID_NO },
		{ "#05-123 Singapore", LT_VALID_NO },
		{ "Blk 123 Ang Mo Kio Ave 3 Singapore 740123", LT_VALID_NO }, /* sector 74 */
		{ "No. 12 Jalan SS2/24, 47300 Petaling Jaya, Selangor", LT_VALID_NO }, /* Malaysia */
		{ "Order #12-345 shipped", LT_VALID_NO },
		{ "Dr Tan Wei Ming 12 years", LT_VALID_NO }, /* Dr first is a title */
		{ "Street 5 and 6", LT_VALID_NO },
		{ "", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_sg_address);
}

static void test_kr_postal(void **state)
{
	static const struct vcase t[] = {
		{ "06236", LT_VALID_OK },
		{ "01000", LT_VALID_OK },
		{ "63999", LT_VALID_OK },
		{ "48058", LT_VALID_OK },
		{ "135-080", LT_VALID_OK }, /* legacy */
		{ " 13494 ", LT_VALID_OK },
		{ "64000", LT_VALID_NO },
		{ "00999", LT_VALID_NO },
		{ "99999", LT_VALID_NO },
		{ "1234", LT_VALID_NO },
		{ "123456", LT_VALID_NO },
		{ "835-123", LT_VALID_NO },
		{ "12-3456", LT_VALID_NO },
		{ "0623a", LT_VALID_NO },
		{ "135080", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_kr_postal);
}

static void test_kr_address(void **state)
{
	static const struct vcase t[] = {
		{ "\xec\x84\x9c\xec\x9a\xb8\xed\x8a\xb9\xeb\xb3\x84\xec\x8b\x9c \xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac \xed\x85\x8c\xed\x97\xa4\xeb\x9e\x80\xeb\xa1\x9c 152", LT_VALID_OK },
		{ "\xec\x84\x9c\xec\x9a\xb8 \xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac \xed\x85\x8c\xed\x97\xa4\xeb\x9e\x80\xeb\xa1\x9c" "78\xea\xb8\xb8 14-10, 101\xeb\x8f\x99 1203\xed\x98\xb8", LT_VALID_OK },
		{ "\xea\xb2\xbd\xea\xb8\xb0\xeb\x8f\x84 \xec\x84\xb1\xeb\x82\xa8\xec\x8b\x9c \xeb\xb6\x84\xeb\x8b\xb9\xea\xb5\xac \xed\x8c\x90\xea\xb5\x90\xec\x97\xad\xeb\xa1\x9c 235", LT_VALID_OK },
		{ "\xeb\xb6\x80\xec\x82\xb0\xea\xb4\x91\xec\x97\xad\xec\x8b\x9c \xed\x95\xb4\xec\x9a\xb4\xeb\x8c\x80\xea\xb5\xac \xec\x84\xbc\xed\x85\x80\xec\xa4\x91\xec\x95\x99\xeb\xa1\x9c 79 (\xec\x9a\xb0\xeb\x8f\x99)", LT_VALID_OK },
		{ "\xec\x84\x9c\xec\x9a\xb8 \xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac \xec\x97\xad\xec\x82\xbc\xeb\x8f\x99 123-45", LT_VALID_OK }, /* lot address */
		{ "\xec\x84\x9c\xec\x9a\xb8 \xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac \xec\x97\xad\xec\x82\xbc\xeb\x8f\x99 123-45\xeb\xb2\x88\xec\xa7\x80", LT_VALID_OK },
		{ "\xec\xa0\x9c\xec\xa3\xbc\xed\x8a\xb9\xeb\xb3\x84\xec\x9e\x90\xec\xb9\x98\xeb\x8f\x84 \xec\xa0\x9c\xec\xa3\xbc\xec\x8b\x9c \xec\xb2\xa8\xeb\x8b\xa8\xeb\xa1\x9c 242", LT_VALID_OK },
		{ "\xec\x9d\xb8\xec\xb2\x9c \xec\x97\xb0\xec\x88\x98\xea\xb5\xac \xec\x86\xa1\xeb\x8f\x84\xeb\x8f\x99 24-5 2\xec\xb8\xb5", LT_VALID_OK },
		{ "\xec\x84\x9c\xec\x9a\xb8 \xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac", LT_VALID_NO },
		{ "\xed\x85\x8c\xed\x97\xa4\xeb\x9e\x80\xeb\xa1\x9c 152", LT_VALID_NO }, /* no region */
		{ "\xec\x84\x9c\xec\x9a\xb8\xed\x8a\xb9\xeb\xb3\x84\xec\x8b\x9c \xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac \xed\x85\x8c\xed\x97\xa4\xeb\x9e\x80\xeb\xa1\x9c", LT_VALID_NO }, /* no number */
		{ "\xec\x84\x9c\xec\x9a\xb8 12 \xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac 34", LT_VALID_NO },
		{ "\xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac\xec\xb2\xad \xeb\xaf\xbc\xec\x9b\x90\xec\x8b\xa4 3\xec\xb8\xb5 12", LT_VALID_NO },
		{ "152 \xec\x84\x9c\xec\x9a\xb8 \xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac \xed\x85\x8c\xed\x97\xa4\xeb\x9e\x80\xeb\xa1\x9c", LT_VALID_NO }, /* number first */
		{ "", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_kr_address);
}

static void test_my_mykad(void **state)
{
	static const struct vcase t[] = {
		{ "850315-14-5123", LT_VALID_OK },
		{ "920101105678", LT_VALID_OK }, /* no hyphens */
		{ "030722-01-6544", LT_VALID_OK }, /* born 2003 */
		{ "750228-65-1235", LT_VALID_OK }, /* PB 65 */
		{ "000229-08-1234", LT_VALID_OK }, /* 29 Feb 2000 */
		{ "601123-45-6789", LT_VALID_OK }, /* with hyphens */
		{ "85031514-5123", LT_VALID_OK },
		{ "991231-99-0001", LT_VALID_OK }, /* PB 99 */
		{ "850315-82-5123", LT_VALID_OK }, /* PB 82 */
		{ "850315-00-5123", LT_VALID_NO }, /* PB 00 */
		{ "850315-17-5123", LT_VALID_NO },
		{ "850315-20-5123", LT_VALID_NO },
		{ "850315-69-5123", LT_VALID_NO },
		{ "850315-70-5123", LT_VALID_NO },
		{ "850315-73-5123", LT_VALID_NO },
		{ "850315-80-5123", LT_VALID_NO },
		{ "850315-81-5123", LT_VALID_NO },
		{ "850315-94-5123", LT_VALID_NO },
		{ "850315-97-5123", LT_VALID_NO },
		{ "851315-14-5123", LT_VALID_NO }, /* month 13 */
		{ "850230-14-5123", LT_VALID_NO },
		{ "990229-14-5123", LT_VALID_NO }, /* 1999, 2099: no leap */
		{ "601123456789", LT_VALID_NO }, /* +60 11 mobile without the plus */
		{ "8503-1514-5123", LT_VALID_NO },
		{ "85031514512", LT_VALID_NO },
		{ "8503151451234", LT_VALID_NO },
		{ "850315 14 5123", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_my_mykad);
}

static void test_my_phone(void **state)
{
	static const struct vcase t[] = {
		{ "012-345 6789", LT_VALID_OK },
		{ "011-2345 6789", LT_VALID_OK },
		{ "+60 12-345 6789", LT_VALID_OK },
		{ "+60123456789", LT_VALID_OK },
		{ "60123456789", LT_VALID_OK },
		{ "03-2345 6789", LT_VALID_OK },
		{ "04-234 5678", LT_VALID_OK },
		{ "082-234 567", LT_VALID_OK },
		{ "(+60) 12-345 6789", LT_VALID_OK },
		{ "+60 3-2345 6789", LT_VALID_OK },
		{ "0123456789", LT_VALID_OK },
		{ "+60 (0)12-345 6789", LT_VALID_OK },
		{ "010-1234-5678", LT_VALID_NO }, /* Korean mobile */
		{ "031-987-6543", LT_VALID_NO }, /* Korean area code */
		{ "012-345 678", LT_VALID_NO },
		{ "011-234 5678", LT_VALID_NO },
		{ "02-1234 5678", LT_VALID_NO },
		{ "03-1234 5678", LT_VALID_NO },
		{ "+65 9123 4567", LT_VALID_NO },
		{ "1-300-88-1234", LT_VALID_NO },
		{ "0123", LT_VALID_NO },
		{ "+61 2 9374 4000", LT_VALID_NO },
		{ "0012-345 6789", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_my_phone);
}

static void test_my_postal(void **state)
{
	static const struct vcase t[] = {
		{ "50450", LT_VALID_OK },
		{ "01000", LT_VALID_OK },
		{ "98859", LT_VALID_OK },
		{ "47300", LT_VALID_OK },
		{ "00999", LT_VALID_NO },
		{ "98860", LT_VALID_NO },
		{ "99999", LT_VALID_NO },
		{ "5045", LT_VALID_NO },
		{ "504500", LT_VALID_NO },
		{ "5O450", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_my_postal);
}

static void test_my_address(void **state)
{
	static const struct vcase t[] = {
		{ "No. 12, Jalan SS2/24, Taman Sea, 47300 Petaling Jaya, Selangor", LT_VALID_OK },
		{ "No 5 Jalan Ampang, 50450 Kuala Lumpur", LT_VALID_OK },
		{ "Lot 1234 Kampung Baru 2", LT_VALID_OK },
		{ "23 Lorong Selamat, 10400 George Town, Pulau Pinang", LT_VALID_OK },
		{ "Jln Tun Razak, 50400 Kuala Lumpur", LT_VALID_OK },
		{ "No.8 Tmn Desa Jaya", LT_VALID_OK },
		{ "Jalan Ampang", LT_VALID_NO },
		{ "50450 Kuala Lumpur", LT_VALID_NO }, /* postcode and state only */
		{ "1 Jalan Besar Singapore 208787", LT_VALID_NO },
		{ "Blk 12 Jalan Bukit Merah #01-234", LT_VALID_NO }, /* SG unit */
		{ "No 5 was delivered late", LT_VALID_NO },
		{ "Taman 123 and 456", LT_VALID_NO },
		{ "", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_my_address);
}

static void test_e164_phone(void **state)
{
	static const struct vcase t[] = {
		{ "+14155552671", LT_VALID_OK },
		{ "+44 20 7946 0958", LT_VALID_OK },
		{ "+44 (0)20 7946 0958", LT_VALID_OK },
		{ "+61 2 9374 4000", LT_VALID_OK },
		{ "+852 2123 4567", LT_VALID_OK },
		{ "+86 138 0013 8000", LT_VALID_OK },
		{ "+49 30 901820", LT_VALID_OK },
		{ "+971 50 123 4567", LT_VALID_OK },
		{ "+65 9123 4567", LT_VALID_NO }, /* sg.phone */
		{ "+82 10-1234-5678", LT_VALID_NO }, /* kr.phone */
		{ "+60 12-345 6789", LT_VALID_NO }, /* my.phone */
		{ "+1 055 555 0123", LT_VALID_NO }, /* NPA 0 */
		{ "+1 415 155 2671", LT_VALID_NO }, /* NXX 1 */
		{ "+999 1234 5678", LT_VALID_NO }, /* unassigned */
		{ "+44 12", LT_VALID_NO },
		{ "+1234567890123456", LT_VALID_NO },
		{ "14155552671", LT_VALID_NO }, /* no plus */
		{ "+0 123 456 789", LT_VALID_NO },
		{ "+800 1234 5678", LT_VALID_NO }, /* non-geographic */
		{ "+44 20 7946 0958 x", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_e164_phone);
}

static void test_ip(void **state)
{
	static const struct vcase t[] = {
		{ "192.0.2.1", LT_VALID_OK },
		{ "203.0.113.254", LT_VALID_OK },
		{ "2001:db8::1", LT_VALID_OK },
		{ "::ffff:192.0.2.1", LT_VALID_OK },
		{ "0:0:0:0:0:FFFF:129.144.52.38", LT_VALID_OK },
		{ "fe80::1%eth0", LT_VALID_OK },
		{ "[2001:db8::1]:8080", LT_VALID_OK },
		{ "[2001:db8::1]", LT_VALID_OK },
		{ "A099::09C0:876A:130B", LT_VALID_OK },
		{ "2001:0db8:0000:0000:0000:ff00:0042:8329", LT_VALID_OK },
		{ "::1", LT_VALID_OK },
		{ "1::", LT_VALID_OK },
		{ "4.12.3", LT_VALID_NO }, /* version */
		{ "1.3.6.1.4.1", LT_VALID_NO }, /* OID */
		{ "12:30:45", LT_VALID_NO }, /* time */
		{ "00:1A:2B:3C:4D:5E", LT_VALID_NO }, /* MAC */
		{ "00:1a:2b:ff:fe:3c:4d:5e", LT_VALID_NO }, /* EUI-64 */
		{ "192.168.001.1", LT_VALID_NO }, /* leading zero */
		{ "256.1.1.1", LT_VALID_NO },
		{ "255.255.255.0", LT_VALID_NO }, /* netmask */
		{ "0.0.0.0", LT_VALID_NO },
		{ "::", LT_VALID_NO },
		{ "1::2::3", LT_VALID_NO },
		{ "2001:db8:::1", LT_VALID_NO },
		{ "1:2:3:4:5:6:7:8:9", LT_VALID_NO },
		{ "1:2:3:4:5:6:7", LT_VALID_NO },
		{ "fe80::1%", LT_VALID_NO },
		{ "[2001:db8::1]:", LT_VALID_NO },
		{ "[1.2.3.4]", LT_VALID_NO },
		{ "12345::1", LT_VALID_NO }, /* 5 hex digits */
		{ "::ffff:1.2.3", LT_VALID_NO },
		{ "1.2.3.4:80", LT_VALID_NO },
		{ "2.0.1.15", LT_VALID_NO }, /* version number */
		{ "9.19.0.1", LT_VALID_NO },
		{ "9.20.0.1", LT_VALID_OK },
		{ "10.0.0.1", LT_VALID_OK },
		{ "", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_ip);
}

static void test_dob(void **state)
{
	static const struct vcase t[] = {
		{ "1985-03-12", LT_VALID_OK },
		{ "12/03/1985", LT_VALID_OK },
		{ "03/31/1985", LT_VALID_OK }, /* month first */
		{ "31-12-1979", LT_VALID_OK },
		{ "5 Mar 1985", LT_VALID_OK },
		{ "05-Mar-1985", LT_VALID_OK },
		{ "5 March 1985", LT_VALID_OK },
		{ "1990.07.15", LT_VALID_OK },
		{ "1990/07/15", LT_VALID_OK },
		{ "19900715", LT_VALID_OK },
		{ "1988\xeb\x85\x84 3\xec\x9b\x94 5\xec\x9d\xbc", LT_VALID_OK },
		{ "1988\xeb\x85\x84" "3\xec\x9b\x94" "5\xec\x9d\xbc", LT_VALID_OK },
		{ "1985-03-12 00:00:00", LT_VALID_OK },
		{ "1985-03-12T00:00:00Z", LT_VALID_OK },
		{ "Mar 5, 1985", LT_VALID_OK },
		{ "5 Ogos 1985", LT_VALID_OK }, /* Malay */
		{ "1 Disember 1990", LT_VALID_OK },
		{ "29/02/2000", LT_VALID_OK },
		{ "31.12.1979", LT_VALID_OK },
		{ "1985-02-30", LT_VALID_NO },
		{ "2999-01-01", LT_VALID_NO }, /* future */
		{ "1850-01-01", LT_VALID_NO }, /* over 120 years */
		{ "13/13/1985", LT_VALID_NO },
		{ "19851332", LT_VALID_NO },
		{ "5 Foo 1985", LT_VALID_NO },
		{ "1985", LT_VALID_NO },
		{ "29/02/1900", LT_VALID_NO },
		{ "1985-03", LT_VALID_NO },
		{ "1985-03-12-01", LT_VALID_NO },
		{ "", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_dob);
}

static void test_person_name(void **state)
{
	static const struct vcase t[] = {
		{ "Tan Wei Ming", LT_VALID_OK },
		{ "Siti Nurhaliza binte Yusof", LT_VALID_OK },
		{ "TAN AH KOW", LT_VALID_OK },
		{ "J. Smith", LT_VALID_OK },
		{ "Mary-Jane O'Brien", LT_VALID_OK },
		{ "\xea\xb9\x80\xeb\xaf\xbc\xec\x88\x98", LT_VALID_OK },
		{ "\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e", LT_VALID_OK },
		{ "Test Test", LT_VALID_NO },
		{ "Acme Trading Pte Ltd", LT_VALID_NO },
		{ "Guest User", LT_VALID_NO },
		{ "A B", LT_VALID_NO }, /* initials only */
		{ "Madonna", LT_VALID_NO }, /* one word */
		{ "Not Available", LT_VALID_NO },
		{ "TEST test", LT_VALID_NO },
		{ "", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_person_name);
}

static void test_bank_account(void **state)
{
	static const struct vcase t[] = {
		{ "172-384951-6", LT_VALID_OK }, /* DBS 3-6-1 */
		{ "501-283746-001", LT_VALID_OK },
		{ "110-284-736152", LT_VALID_OK },
		{ "392817-01-264813", LT_VALID_OK },
		{ "514012345678", LT_VALID_OK },
		{ "5140 2837 4615", LT_VALID_OK },
		{ "100212345678", LT_VALID_OK },
		{ "12345678", LT_VALID_NO }, /* 8 digits */
		{ "12345678901234567", LT_VALID_NO }, /* 17 digits */
		{ "000000000", LT_VALID_NO },
		{ "123456789", LT_VALID_NO },
		{ "9876543210", LT_VALID_NO },
		{ "172-384 951-6", LT_VALID_NO }, /* mixed separators */
		{ "-1723849516", LT_VALID_NO },
		{ "1723849516-", LT_VALID_NO },
		{ "1723--849516", LT_VALID_NO },
		{ "900101-1234568", LT_VALID_NO }, /* RRN */
		{ "010-5256-2649", LT_VALID_NO }, /* mobile */
		{ "9780306406157", LT_VALID_NO }, /* EAN-13 */
		{ "4111 1111 1111 1111", LT_VALID_NO }, /* card */
		{ "17238495a6", LT_VALID_NO },
	};
	(void)state;
	RUN(t, lt_valid_bank_account);
}

/* Dates of birth around today and 120 years back: lt_valid_dob reads the
 * clock (two days' margin either side of each bound). */
static void day_str(time_t t, const char *fmt, char *buf, size_t cap)
{
	struct tm tm;

	assert_non_null(gmtime_r(&t, &tm));
	assert_true(strftime(buf, cap, fmt, &tm) > 0);
}

static void ymd(time_t t, char *buf, size_t cap)
{
	day_str(t, "%Y-%m-%d", buf, cap);
}

/* The value fill() writes for today is valid, the ones for tomorrow and two
 * days on are not (a birth date in the future).  The validators read the
 * date once per process: in the first ten minutes of a UTC day (a run
 * that may have begun the day before) "today" may be yesterday, so today
 * is then tested as yesterday and tomorrow not at all. */
static void around_today(void (*fill)(time_t, char *, size_t),
			 lt_validator_fn valid)
{
	time_t now = time(NULL);
	bool early = now % 86400 < 600;
	char buf[32];

	fill(early ? now - 600 : now, buf, sizeof buf);
	assert_int_equal(valid(buf, strlen(buf)), LT_VALID_OK);
	if (!early) {
		fill(now + 86400, buf, sizeof buf);
		assert_int_equal(valid(buf, strlen(buf)), LT_VALID_NO);
	}
	fill(now + 2 * 86400, buf, sizeof buf);
	assert_int_equal(valid(buf, strlen(buf)), LT_VALID_NO);
}

static void test_dob_bounds(void **state)
{
	time_t now = time(NULL), past;
	struct tm tm;
	char buf[32];
	(void)state;

	around_today(ymd, lt_valid_dob);
	assert_non_null(gmtime_r(&now, &tm));
	tm.tm_year -= 120;
	past = timegm(&tm);
	ymd(past + 2 * 86400, buf, sizeof buf);
	assert_int_equal(lt_valid_dob(buf, strlen(buf)), LT_VALID_OK);
	ymd(past - 2 * 86400, buf, sizeof buf);
	assert_int_equal(lt_valid_dob(buf, strlen(buf)), LT_VALID_NO);
}

/* A citizen RRN (G = 3: born 2000-2099) of the day t, check digit and all:
 * born today is a real number, born in two days is not. */
static void rrn_of(time_t t, char *buf, size_t cap)
{
	static const int w[12] = { 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 };
	int sum = 0;

	day_str(t, "%y%m%d", buf, cap);
	assert_int_equal(strlen(buf), 6);
	memcpy(buf + 6, "312345", 7);
	for (int i = 0; i < 12; i++)
		sum += (buf[i] - '0') * w[i];
	buf[12] = (char)('0' + (11 - sum % 11) % 10);
	buf[13] = '\0';
}

static void test_rrn_bounds(void **state)
{
	(void)state;
	around_today(rrn_of, lt_valid_kr_rrn);
}

/* The cue-word lookup against a linear search of the list: every word,
 * its upper-case form, and near misses (one byte shorter, one longer,
 * the last byte changed) that are not words themselves. */
static unsigned cue_linear(const char *w)
{
	const char *x;

	for (size_t i = 0; lt_cue_word(i, &x); i++)
		if (strcmp(x, w) == 0)
			return lt_cue_word(i, &x);
	return 0;
}

static void test_cue_words(void **state)
{
	const char *w;
	char buf[64];
	size_t i, n;
	unsigned f;
	(void)state;

	for (i = 0; (f = lt_cue_word(i, &w)) != 0; i++) {
		n = strlen(w);
		assert_true(n < 16);
		assert_int_equal(lt_cue_word_flags(w), f);
		for (size_t k = 0; k < n; k++)
			buf[k] = (char)(w[k] >= 'a' && w[k] <= 'z' ? w[k] - 32 : w[k]);
		buf[n] = '\0';
		assert_int_equal(lt_cue_word_flags(buf), f);
		snprintf(buf, sizeof buf, "%.*s", (int)(n - 1), w);
		assert_int_equal(lt_cue_word_flags(buf), n > 2 ? cue_linear(buf) : 0);
		snprintf(buf, sizeof buf, "%sq", w);
		assert_int_equal(lt_cue_word_flags(buf), cue_linear(buf));
		snprintf(buf, sizeof buf, "%s", w);
		buf[n - 1] = buf[n - 1] == 'z' ? 'y' : 'z';
		assert_int_equal(lt_cue_word_flags(buf), cue_linear(buf));
	}
	assert_true(i > 100);
	assert_int_equal(lt_cue_word_flags("x"), 0);
	assert_int_equal(lt_cue_word_flags("tampines"), 0);
}

static void test_validator_find(void **state)
{
	static const struct {
		const char *name;
		lt_validator_fn fn;
		bool checksum;
	} t[] = {
		{ "sg_nric", lt_valid_sg_nric, true },
		{ "kr_rrn", lt_valid_kr_rrn, true },
		{ "luhn_card", lt_valid_luhn_card, true },
		{ "email", lt_valid_email, false },
		{ "sg_phone", lt_valid_sg_phone, false },
		{ "kr_phone", lt_valid_kr_phone, false },
		{ "sg_nric_partial", lt_valid_sg_nric_partial, false },
		{ "sg_postal", lt_valid_sg_postal, false },
		{ "sg_address", lt_valid_sg_address, false },
		{ "kr_postal", lt_valid_kr_postal, false },
		{ "kr_address", lt_valid_kr_address, false },
		{ "my_mykad", lt_valid_my_mykad, false },
		{ "my_phone", lt_valid_my_phone, false },
		{ "my_postal", lt_valid_my_postal, false },
		{ "my_address", lt_valid_my_address, false },
		{ "e164_phone", lt_valid_e164_phone, false },
		{ "ip", lt_valid_ip, false },
		{ "dob", lt_valid_dob, false },
		{ "person_name", lt_valid_person_name, false },
		{ "bank_account", lt_valid_bank_account, false },
	};
	bool ck;
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck = !t[i].checksum;
		assert_ptr_equal(lt_validator_find(t[i].name, &ck), t[i].fn);
		assert_int_equal(ck, t[i].checksum);
	}
	assert_null(lt_validator_find("luhn", &ck));
	assert_null(lt_validator_find("", &ck));
	assert_null(lt_validator_find(NULL, &ck));
	assert_non_null(lt_validator_find("email", NULL));
}

/* ---- pack loading ---------------------------------------------------------- */

static const char good_pack[] =
	"pack: t\n"
	"version: 1\n"
	"detectors:\n"
	"  - id: t.nric\n"
	"    name: Test NRIC\n"
	"    category: national_id\n"
	"    sensitivity: high\n"
	"    pattern: '(?<![A-Za-z0-9])[STFGMstfgm]\\d{7}[A-Za-z](?![A-Za-z0-9])'\n"
	"    validator: sg_nric\n"
	"    headers: 'nric|\\bfin\\b'\n"
	"    not_headers: 'sku|order'\n"
	"    min_digits: 7\n"
	"    examples:\n"
	"      match: [S8412345E, 'id T0212345I']\n"
	"      reject: [S8412345F]\n"
	"  - id: t.code\n"
	"    category: other\n"
	"    pattern: 'AB-\\d{3}'\n"
	"    scope: cell\n"
	"    mask: all\n"
	"    needs_header: true\n"
	"    min_length: 6\n"
	"    max_length: 6\n"
	"    require: '-'\n"
	"    examples: { match: ['AB-123', ' AB-123 '], reject: ['x AB-123'] }\n";

static void test_pack_good(void **state)
{
	struct lt_packset *ps = NULL;
	const struct lt_detector_info *a, *b;
	struct lt_err err;
	char *path;
	(void)state;

	path = dup_file("t.yaml", good_pack);
	assert_int_equal(lt_packset_load(tmpdir, NULL, 0, &ps, &err), 0);
	assert_int_equal(lt_packset_count(ps), 2);
	a = lt_packset_info(ps, 0);
	b = lt_packset_info(ps, 1);
	assert_null(lt_packset_info(ps, 2));
	assert_string_equal(a->id, "t.nric");
	assert_string_equal(a->name, "Test NRIC");
	assert_string_equal(a->category, "national_id");
	assert_string_equal(a->sensitivity, "high");
	assert_string_equal(a->pack, "t");
	assert_string_equal(a->pack_path, path);
	assert_string_equal(a->validator, "sg_nric");
	assert_true(a->has_checksum);
	assert_false(a->needs_header);
	assert_false(a->cell_scope);
	assert_int_equal(a->mask, LT_MASK_ID);   /* national_id default */
	assert_int_equal(a->n_match, 2);
	assert_int_equal(a->n_reject, 1);
	assert_string_equal(b->id, "t.code");
	assert_string_equal(b->name, "t.code");  /* defaults to the id */
	assert_string_equal(b->sensitivity, "medium");
	assert_null(b->validator);
	assert_false(b->has_checksum);
	assert_true(b->needs_header);
	assert_true(b->cell_scope);
	assert_int_equal(b->mask, LT_MASK_ALL);
	assert_int_equal(lt_packset_rt(ps, 0)->min_len, 9);
	assert_int_equal(lt_packset_rt(ps, 0)->min_digits, 7);
	assert_int_equal(lt_packset_rt(ps, 1)->max_len, 6);
	assert_int_equal(lt_packset_find(ps, "t.code"), 1);
	assert_int_equal(lt_packset_find(ps, "t.nope"), -1);
	assert_int_equal(lt_header_hint(ps, 0, "NRIC"), 1);
	assert_int_equal(lt_header_hint(ps, 0, "order_no"), -1);
	assert_int_equal(lt_header_hint(ps, 0, "order_nric"), 0);
	assert_int_equal(lt_header_hint(ps, 0, "name"), 0);
	assert_int_equal(lt_header_hint(ps, 1, "anything"), 0);
	assert_int_equal(lt_packset_selftest(ps, NULL, NULL), 0);
	lt_packset_free(ps);

	/* only = [name] picks dir/NAME.yaml; a path works too */
	ps = NULL;
	{
		const char *only[] = { "t" };

		assert_int_equal(lt_packset_load(tmpdir, only, 1, &ps, &err), 0);
		assert_int_equal(lt_packset_count(ps), 2);
		lt_packset_free(ps);
		only[0] = path;
		assert_int_equal(lt_packset_load("/nonexistent", only, 1, &ps,
						 &err), 0);
		lt_packset_free(ps);
		only[0] = "nosuch";
		ps = NULL;
		assert_int_equal(lt_packset_load(tmpdir, only, 1, &ps, &err), -1);
		assert_null(ps);
		assert_int_equal(err.code, LT_E_CONFIG);
		assert_non_null(strstr(err.path, "nosuch.yaml"));
		assert_string_equal(err.msg, "no such pack file");
	}
	remove_file("t.yaml");
	free(path);
	lt_packset_free(NULL); /* no-op */
}

/* A detector body that is valid, to be spliced into bad packs. */
#define HEAD "pack: bad\nversion: 1\ndetectors:\n"
#define DET(extra) "  - id: bad.x\n    category: other\n    pattern: 'x\\d'\n" extra

static void test_pack_errors(void **state)
{
	static const struct {
		const char *what;
		const char *text;
		uint64_t line;
		int column;
		const char *msg; /* substring of err.msg */
	} t[] = {
		{ "unknown top key", "pack: bad\nversion: 1\nfoo: 1\ndetectors: []\n",
		  3, 1, "unknown key 'foo'" },
		{ "unknown detector key", HEAD DET("    patern: 'y'\n"), 7, 5,
		  "unknown key 'patern'" },
		{ "missing id", HEAD "  - category: other\n    pattern: x\n", 4, 5,
		  "no 'id'" },
		{ "missing pattern", HEAD "  - id: bad.x\n    category: other\n", 4, 5,
		  "no 'pattern'" },
		{ "missing category", HEAD "  - id: bad.x\n    pattern: x\n", 4, 5,
		  "no 'category'" },
		{ "bad regex", HEAD "  - id: bad.x\n    category: other\n"
				    "    pattern: '(ab'\n", 6, 14,
		  "missing closing parenthesis at offset 3" },
		{ "bad header regex", HEAD DET("    headers: '[a-'\n"), 7, 14,
		  "bad regex in 'headers'" },
		{ "unknown validator", HEAD DET("    validator: luhn\n"), 7, 16,
		  "unknown validator 'luhn'" },
		{ "unknown category", HEAD "  - id: bad.x\n    category: health\n"
					   "    pattern: x\n", 5, 15,
		  "unknown category 'health'" },
		{ "bad sensitivity", HEAD DET("    sensitivity: extreme\n"), 7, 18,
		  "bad sensitivity 'extreme'" },
		{ "bad scope", HEAD DET("    scope: row\n"), 7, 12, "bad scope" },
		{ "bad mask", HEAD DET("    mask: half\n"), 7, 11, "bad mask" },
		{ "bad bool", HEAD DET("    needs_header: maybe\n"), 7, 19,
		  "true or false" },
		{ "bad number", HEAD DET("    min_length: -3\n"), 7, 17,
		  "integer" },
		{ "bad digit run", HEAD DET("    min_digit_run: x\n"), 7, 20,
		  "integer" },
		{ "empty require_any", HEAD DET("    require_any: ''\n"), 7, 18,
		  "'require_any' is empty" },
		{ "non-ASCII require", HEAD DET("    require: 'é'\n"), 7, 14,
		  "printable ASCII" },
		{ "max below min", HEAD DET("    min_length: 5\n    max_length: 3\n"),
		  8, 17, "max_length" },
		{ "empty match", HEAD "  - id: bad.x\n    category: other\n"
				      "    pattern: 'a*'\n", 6, 14, "empty string" },
		{ "duplicate key", HEAD DET("    category: other\n"), 7, 5,
		  "duplicate key 'category'" },
		{ "duplicate id in pack", HEAD DET("") DET(""), 7, 9,
		  "duplicate detector id 'bad.x'" },
		{ "bad id", HEAD "  - id: Bad X\n    category: other\n"
				 "    pattern: x\n", 4, 9, "bad id" },
		{ "examples not a list", HEAD DET("    examples: { match: x1 }\n"),
		  7, 24, "must be a list" },
		{ "unknown examples key", HEAD DET("    examples: { good: [x1] }\n"),
		  7, 17, "unknown key 'examples.good'" },
		{ "version", "pack: bad\nversion: 2\ndetectors: []\n", 2, 10,
		  "unsupported version 2" },
		{ "missing detectors", "pack: bad\nversion: 1\n", 1, 1,
		  "missing 'detectors'" },
		{ "empty detectors", "pack: bad\nversion: 1\ndetectors: []\n", 3, 12,
		  "empty" },
		{ "not a mapping", "- a\n- b\n", 1, 1, "must be a mapping" },
		{ "empty file", "# nothing\n", 1, 1, "empty pack" },
		{ "yaml syntax", "pack: bad\nversion: 1\ndetectors:\n  - id: [x\n",
		  5, 1, "invalid YAML" },
		{ "yaml tab", "pack: bad\n\tversion: 1\n", 2, 1, "invalid YAML" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct lt_packset *ps = NULL;
		struct lt_err err;
		char col[32], buf[1024];
		char *path = dup_file("bad.yaml", t[i].text);
		int rc = lt_packset_load(tmpdir, NULL, 0, &ps, &err);

		snprintf(col, sizeof col, "(column %d)", t[i].column);
		if (rc != -1 || ps || err.code != LT_E_CONFIG ||
		    strcmp(err.path, path) != 0 || err.line != t[i].line ||
		    !strstr(err.msg, col) || !strstr(err.msg, t[i].msg))
			fail_msg("bad pack '%s': rc %d, got \"%s\", want line "
				 "%llu %s and \"%s\"", t[i].what, rc,
				 rc ? lt_err_format(&err, buf, sizeof buf) : "",
				 (unsigned long long)t[i].line, col, t[i].msg);
		free(path);
		remove_file("bad.yaml");
	}
}

static void test_pack_duplicate_across(void **state)
{
	struct lt_packset *ps = NULL;
	struct lt_err err;
	char *a, *b;
	(void)state;

	a = dup_file("a.yaml", "pack: a\nversion: 1\ndetectors:\n"
		       "  - id: dup.x\n    category: other\n    pattern: x1\n");
	b = dup_file("b.yaml", "pack: b\nversion: 1\ndetectors:\n"
		       "  - id: ok.y\n    category: other\n    pattern: y1\n"
		       "  - id: dup.x\n    category: other\n    pattern: x2\n");
	assert_int_equal(lt_packset_load(tmpdir, NULL, 0, &ps, &err), -1);
	assert_null(ps);
	assert_string_equal(err.path, b); /* a.yaml sorts first */
	assert_int_equal(err.line, 7);
	assert_non_null(strstr(err.msg, "duplicate detector id 'dup.x'"));
	assert_non_null(strstr(err.msg, "a.yaml:4"));
	assert_non_null(strstr(err.msg, "(column 9)"));
	remove_file("b.yaml");

	/* the same pack name in two files */
	free(b);
	b = dup_file("b.yaml", "pack: a\nversion: 1\ndetectors:\n"
		       "  - id: ok.y\n    category: other\n    pattern: y1\n");
	assert_int_equal(lt_packset_load(tmpdir, NULL, 0, &ps, &err), -1);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.msg, "duplicate pack 'a'"));
	remove_file("a.yaml");
	remove_file("b.yaml");
	free(a);
	free(b);

	/* no packs at all, and no such directory */
	assert_int_equal(lt_packset_load(tmpdir, NULL, 0, &ps, &err), -1);
	assert_non_null(strstr(err.msg, "no *.yaml packs"));
	assert_int_equal(lt_packset_load("/nonexistent/lethe", NULL, 0, &ps,
					 &err), -1);
	assert_int_equal(err.code, LT_E_CONFIG);
}

/* ---- matching -------------------------------------------------------------- */

static void test_match_cell(void **state)
{
	static const struct {
		const char *cell;
		const char *det;
		int level;  /* 0: no hit */
		int whole;
		unsigned off, len;
	} t[] = {
		{ "S8412345E", "sg.nric", LT_HIT_VALID, 1, 0, 9 },
		{ "  s8412345e\t", "sg.nric", LT_HIT_VALID, 1, 2, 9 },
		{ "\"G5872776N\"", "sg.nric", LT_HIT_VALID, 1, 1, 9 },
		{ " 'M4332674T' ", "sg.nric", LT_HIT_VALID, 1, 2, 9 },
		{ "Customer S8412345E called", "sg.nric", LT_HIT_VALID, 0, 9, 9 },
		{ "S8412345F", "sg.nric", LT_HIT_SHAPE, 1, 0, 9 },
		{ "sku S8412345F, then T0212345I", "sg.nric", LT_HIT_VALID, 0, 20, 9 },
		{ "T0212345I S8412345F", "sg.nric", LT_HIT_VALID, 0, 0, 9 },
		{ "T01FC6132D", "sg.nric", 0, 0, 0, 0 },
		{ "AS8412345E", "sg.nric", 0, 0, 0, 0 },
		{ "S8412345E9", "sg.nric", 0, 0, 0, 0 },
		{ "900101-1234568", "kr.rrn", LT_HIT_VALID, 1, 0, 14 },
		{ "2101013123450", "kr.rrn", LT_HIT_WEAK, 1, 0, 13 },
		{ "900230-1234563", "kr.rrn", LT_HIT_SHAPE, 1, 0, 14 },
		{ "\xec\xa3\xbc\xeb\xaf\xbc 751111-2543211", "kr.rrn",
		  LT_HIT_VALID, 0, 7, 14 },
		{ "8801234567893", "kr.rrn", LT_HIT_SHAPE, 1, 0, 13 },
		{ "email: alice@example.com.", "email", LT_HIT_VALID, 0, 7, 17 },
		{ "ALICE@EXAMPLE.COM", "email", LT_HIT_VALID, 1, 0, 17 },
		{ "info@presidio.", "email", 0, 0, 0, 0 },
		{ "v1.2@3.4", "email", LT_HIT_SHAPE, 1, 0, 8 },
		{ "4111 1111 1111 1111", "payment_card", LT_HIT_VALID, 1, 0, 19 },
		{ "paid with 5555-5555-5555-4444 ok", "payment_card",
		  LT_HIT_VALID, 0, 10, 19 },
		{ "4111111111111112", "payment_card", LT_HIT_SHAPE, 1, 0, 16 },
		{ "+65 9123 4567", "sg.phone", LT_HIT_VALID, 1, 0, 13 },
		{ "tel 6123-4567 / 9999 0000", "sg.phone", LT_HIT_VALID, 0, 4, 9 },
		{ "99912345", "sg.phone", LT_HIT_SHAPE, 1, 0, 8 },
		{ "010-1234-5678", "kr.phone", LT_HIT_VALID, 1, 0, 13 },
		{ "+82 10-2345-6789", "kr.phone", LT_HIT_VALID, 1, 0, 16 },
		{ "1588-1234", "kr.phone", 0, 0, 0, 0 },
		{ "S****567D", "sg.nric_partial", LT_HIT_VALID, 1, 0, 9 },
		{ "S\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "567D", "sg.nric_partial", LT_HIT_VALID, 1, 0, 17 },
		{ " 567D ", "sg.nric_partial", LT_HIT_VALID, 1, 1, 4 },
		{ "S****567K", "sg.nric_partial", LT_HIT_SHAPE, 1, 0, 9 },
		{ "NRIC S****567D", "sg.nric_partial", 0, 0, 0, 0 },
		{ "S8412345E", "sg.nric_partial", 0, 0, 0, 0 },
		{ "S****567D", "sg.nric", 0, 0, 0, 0 },
		{ " 560123 ", "sg.postal_code", LT_HIT_VALID, 1, 1, 6 },
		{ "740123", "sg.postal_code", LT_HIT_SHAPE, 1, 0, 6 },
		{ "Deliver to Blk 2 Tampines St 21 #02-002 before 6pm", "sg.address", LT_HIT_VALID, 0, 11, 39 },
		{ "Blk 123 Ang Mo Kio Ave 3 #05-123 Singapore 560123", "sg.address", LT_HIT_VALID, 1, 0, 49 },
		{ "call back after 6pm on 9123 4567", "sg.address", 0, 0, 0, 0 },
		{ "06236", "kr.postal_code", LT_HIT_VALID, 1, 0, 5 },
		{ "135-080", "kr.postal_code", LT_HIT_VALID, 1, 0, 7 },
		{ "\xec\x84\x9c\xec\x9a\xb8\xed\x8a\xb9\xeb\xb3\x84\xec\x8b\x9c \xea\xb0\x95\xeb\x82\xa8\xea\xb5\xac \xed\x85\x8c\xed\x97\xa4\xeb\x9e\x80\xeb\xa1\x9c 152", "kr.address", LT_HIT_VALID, 1, 0, 42 },
		{ "850315-14-5123", "my.mykad", LT_HIT_VALID, 1, 0, 14 },
		{ "601123456789", "my.mykad", LT_HIT_SHAPE, 1, 0, 12 },
		{ "+601123456789", "my.mykad", 0, 0, 0, 0 },
		{ "hubungi 019-876 5432 selepas 6pm", "my.phone", LT_HIT_VALID, 0, 8, 12 },
		{ "47300", "my.postal_code", LT_HIT_VALID, 1, 0, 5 },
		{ "No 5 Jalan Ampang, 50450 Kuala Lumpur", "my.address", LT_HIT_VALID, 1, 0, 37 },
		{ "call +49 30 901820 today", "phone", LT_HIT_VALID, 0, 5, 13 },
		{ "+65 9123 4567", "phone", LT_HIT_SHAPE, 1, 0, 13 },
		{ "login from 198.51.100.7:443 failed", "ip_address", LT_HIT_VALID, 0, 11, 12 },
		{ "12:30:45 then 192.0.2.1", "ip_address", LT_HIT_VALID, 0, 14, 9 },
		{ "256.1.1.1 or 192.0.2.1", "ip_address", LT_HIT_VALID, 0, 13, 9 },
		{ "[2001:db8::1]:8080", "ip_address", LT_HIT_VALID, 1, 0, 18 },
		{ "v1.2.3.4", "ip_address", 0, 0, 0, 0 },
		{ "1.3.6.1.4.1", "ip_address", 0, 0, 0, 0 },
		{ "1985-03-12", "date_of_birth", LT_HIT_VALID, 1, 0, 10 },
		{ "2023-10-05T10:21:07Z", "date_of_birth", 0, 0, 0, 0 },
		{ "2999-01-01", "date_of_birth", LT_HIT_SHAPE, 1, 0, 10 },
		{ "Tan Wei Ming", "person_name", LT_HIT_VALID, 1, 0, 12 },
		{ "Test Test", "person_name", LT_HIT_SHAPE, 1, 0, 9 },
		{ "tan wei ming", "person_name", 0, 0, 0, 0 },
		{ "172-384951-6", "bank_account", LT_HIT_VALID, 1, 0, 12 },
		{ "4111 1111 1111 1111", "bank_account", LT_HIT_SHAPE, 1, 0, 19 },
		{ "", "sg.nric", 0, 0, 0, 0 },
		{ "   ", "sg.nric", 0, 0, 0, 0 },
	};
	struct lt_packset *ps = load_shipped();
	struct lt_matcher *m = lt_matcher_new(ps);
	size_t ndet = lt_packset_count(ps);
	uint64_t *en = calloc(LT_DETSET_WORDS(ndet), sizeof *en);
	size_t bad = 0;
	(void)state;

	assert_non_null(m);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		long d = lt_packset_find(ps, t[i].det);
		struct lt_hit hit[4];
		size_t nh;

		assert_true(d >= 0);
		memset(en, 0, LT_DETSET_WORDS(ndet) * sizeof *en);
		lt_detset_put(en, (size_t)d, true);
		nh = lt_match_cell(m, t[i].cell, strlen(t[i].cell), en, hit, 4);
		if (t[i].level == 0 ? nh != 0
				    : (nh != 1 || hit[0].det != d ||
				       hit[0].level != t[i].level ||
				       hit[0].whole != t[i].whole ||
				       hit[0].off != t[i].off ||
				       hit[0].len != t[i].len)) {
			print_error("match row %zu (%s, %s): %zu hits, level %d "
				    "whole %d off %u len %u\n", i,
				    masked(t[i].cell), t[i].det, nh,
				    nh ? hit[0].level : 0, nh ? hit[0].whole : 0,
				    nh ? hit[0].off : 0, nh ? hit[0].len : 0);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	free(en);
	lt_matcher_free(m);
	lt_packset_free(ps);
}

static void test_match_all_detectors(void **state)
{
	static const char cell[] = "S8412345E, alice@example.com, +65 9123 4567";
	struct lt_packset *ps = load_shipped();
	struct lt_matcher *m = lt_matcher_new(ps);
	struct lt_hit hit[16];
	size_t nh, accepted = 0;
	bool seen_nric = false, seen_email = false, seen_phone = false;
	(void)state;

	/* three accepted values; other detectors may see shapes they turn
	 * down (the generic phone detector leaves +65 to sg.phone) */
	nh = lt_match_cell(m, cell, strlen(cell), NULL, hit, 16);
	for (size_t i = 0; i < nh; i++) {
		const char *id = lt_packset_info(ps, hit[i].det)->id;

		if (hit[i].level < LT_HIT_WEAK)
			continue;
		accepted++;
		assert_int_equal(hit[i].level, LT_HIT_VALID);
		assert_int_equal(hit[i].whole, 0);
		seen_nric |= strcmp(id, "sg.nric") == 0 && hit[i].off == 0;
		seen_email |= strcmp(id, "email") == 0 && hit[i].off == 11;
		seen_phone |= strcmp(id, "sg.phone") == 0 && hit[i].off == 30;
	}
	assert_int_equal(accepted, 3);
	assert_true(seen_nric && seen_email && seen_phone);
	/* cap bounds the hits written */
	assert_int_equal(lt_match_cell(m, cell, strlen(cell), NULL, hit, 2), 2);
	assert_int_equal(lt_match_cell(m, cell, strlen(cell), NULL, hit, 0), 0);
	/* a lone NRIC is only an NRIC */
	nh = lt_match_cell(m, "S8412345E", 9, NULL, hit, 8);
	assert_int_equal(nh, 1);
	assert_string_equal(lt_packset_info(ps, hit[0].det)->id, "sg.nric");
	/* n bounds the cell: the NRIC is cut short */
	assert_int_equal(lt_match_cell(m, "S8412345E", 8, NULL, hit, 8), 0);
	lt_matcher_free(m);
	lt_matcher_free(NULL);
	lt_packset_free(ps);
}

/* A hit that the lead mode may leave out: strictly inside an accepted
 * whole-cell value of another hit (the profile's drop_nested). */
static bool nested_in(const struct lt_hit *x, const struct lt_hit *hs,
		      size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hs[i].det != x->det && hs[i].level >= LT_HIT_WEAK &&
		    hs[i].len > x->len && x->off >= hs[i].off &&
		    x->off + x->len <= hs[i].off + hs[i].len)
			return true;
	return false;
}

/* lt_match_cell_lead, whatever the lead, finds what lt_match_cell finds,
 * less only values nested in the lead's whole-cell value: the profile
 * counts the same either way. */
static void test_match_lead_equivalent(void **state)
{
	static const char *const cells[] = {
		"S8412345E", "s8412345d", "T0123456G", "9123 4567", "91234567",
		"+65 9123 4567", "+6591234567", "6591234567", "+82 10-1234-5678",
		"010-1234-5678", "02-123-4567", "012-345 6789", "+60 12-345 6789",
		"alice@example.com", "a.b+c@mail.example.co.kr",
		"4111 1111 1111 1111", "4111111111111111", "378282246310005",
		"Blk 123 Ang Mo Kio Ave 3 #05-123", "10 Jalan Ampang, 50450 Kuala Lumpur",
		"Blk 123 Ang Mo Kio Ave 3 #05-123 Singapore 560123",
		"1985-03-12", "12/03/1985", "12 Mar 1985", "2023-01-05T10:07:00Z",
		"192.168.1.20", "2001:db8::1", "10.0.0.1:8080", "Tan Wei Ming",
		"Lee Hui Min", "김민준", "850312-14-5678", "850312145678",
		"900101-1234568", "9001011234568", "서울특별시 강남구 테헤란로 123",
		"123456", "12345", "560123", "S****567D", "***4567D", "567D",
		"1000001", "4999.99", "call back after 6pm on 9123 4567",
		"S8412345E, alice@example.com, +65 9123 4567",
		"9123456791234567", "S8412345ES8412345E", "user1@example.com9123",
		"12345678", "3123-4567", "6123 4567 8901 2345", "0123456789",
	};
	struct lt_packset *ps = load_shipped();
	struct lt_matcher *m = lt_matcher_new(ps);
	size_t ndet = lt_packset_count(ps), whole_leads = 0;
	struct lt_hit full[64], led[64];
	(void)state;

	for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
		size_t n = strlen(cells[c]);
		size_t nf = lt_match_cell(m, cells[c], n, NULL, full, 64);

		for (size_t lead = 0; lead < ndet; lead++) {
			size_t nl = lt_match_cell_lead(m, cells[c], n, NULL,
						       (int)lead, led, 64);
			bool lead_whole = false;

			/* every hit of the lead mode is one of the full set */
			for (size_t i = 0; i < nl; i++) {
				size_t j = 0;

				while (j < nf && !same_hit(&led[i], &full[j]))
					j++;
				if (j == nf)
					fail_msg("cell %zu lead %s: extra hit of %s",
						 c, lt_packset_info(ps, lead)->id,
						 lt_packset_info(ps, led[i].det)->id);
				lead_whole |= led[i].det == lead && led[i].whole &&
					      led[i].level >= LT_HIT_WEAK;
			}
			whole_leads += lead_whole;
			/* and a hit it leaves out is nested in one it kept */
			for (size_t j = 0; j < nf; j++) {
				size_t i = 0;

				while (i < nl && !same_hit(&led[i], &full[j]))
					i++;
				if (i == nl && !nested_in(&full[j], led, nl))
					fail_msg("cell %zu lead %s: lost a hit of %s",
						 c, lt_packset_info(ps, lead)->id,
						 lt_packset_info(ps, full[j].det)->id);
			}
		}
	}
	/* the shortcut was taken, so the test checked something */
	assert_true(whole_leads >= 20);
	lt_matcher_free(m);
	lt_packset_free(ps);
}

static void test_match_long_cell(void **state)
{
	/* A long free-text cell: the value at its end is still found (the
	 * match limit scales with the cell). */
	size_t n = 4u << 20;
	char *cell = malloc(n + 1);
	struct lt_packset *ps = load_shipped();
	struct lt_matcher *m = lt_matcher_new(ps);
	long d = lt_packset_find(ps, "email");
	uint64_t *en = calloc(LT_DETSET_WORDS(lt_packset_count(ps)), sizeof *en);
	struct lt_hit hit;
	(void)state;

	for (size_t i = 0; i < n; i++)
		cell[i] = "ab.c-@ 1"[i % 8];
	memcpy(cell + n - 20, " bob@example.org    ", 20);
	cell[n] = '\0';
	lt_detset_put(en, (size_t)d, true);
	assert_int_equal(lt_match_cell(m, cell, n, en, &hit, 1), 1);
	assert_int_equal(hit.level, LT_HIT_VALID);
	assert_int_equal(hit.off, n - 19);
	assert_int_equal(hit.len, 15);
	free(en);
	free(cell);
	lt_matcher_free(m);
	lt_packset_free(ps);
}

static void test_match_limit(void **state)
{
	/* A catastrophic pattern in a user's pack gives up at the match
	 * limit (no hit) instead of running for minutes. */
	static const char cell[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!c";
	struct lt_packset *ps = NULL;
	struct lt_matcher *m;
	struct lt_err err;
	struct lt_hit hit;
	char *path;
	(void)state;

	path = dup_file("slow.yaml",
			  "pack: slow\nversion: 1\ndetectors:\n"
			  "  - id: slow.x\n    category: other\n"
			  "    pattern: '(?:a|aa)+c'\n");
	assert_int_equal(lt_packset_load(tmpdir, NULL, 0, &ps, &err), 0);
	m = lt_matcher_new(ps);
	assert_int_equal(lt_matcher_limits(m), 0);
	/* unbounded, this cell costs ~7 s of CPU at -O2: the limit stops it
	 * (a behaviour the matcher reports, not a timing) */
	assert_int_equal(lt_match_cell(m, cell, strlen(cell), NULL, &hit, 1), 0);
	assert_true(lt_matcher_limits(m) >= 1);
	/* the same matcher still works afterwards */
	assert_int_equal(lt_match_cell(m, "aac", 3, NULL, &hit, 1), 1);
	assert_int_equal(hit.len, 3);
	lt_matcher_free(m);
	lt_packset_free(ps);
	remove_file("slow.yaml");
	free(path);
}

/* More than 64 detectors: the matcher's prefilter tables cover 64, the
 * rest run through the plain loop; every detector is still reached, in
 * order, with its own prefilter. */
static void test_match_many_detectors(void **state)
{
	char *text = lt_xstrdup(""), *more;
	struct lt_packset *ps = NULL;
	struct lt_matcher *m;
	struct lt_err err;
	struct lt_hit hit[4];
	char *path;
	(void)state;

	for (int d = 0; d < 70; d++) {
		more = lt_xasprintf("%s  - id: wide.d%d\n    category: other\n"
				    "    pattern: 'q%dz\\d{%d}'\n"
				    "    min_digit_run: %d\n",
				    text, d, d, 1 + d % 3, 1 + d % 3);
		free(text);
		text = more;
	}
	more = lt_xasprintf("pack: wide\nversion: 1\ndetectors:\n%s", text);
	free(text);
	path = dup_file("wide.yaml", more);
	free(more);
	assert_int_equal(lt_packset_load(tmpdir, NULL, 0, &ps, &err), 0);
	assert_int_equal(lt_packset_count(ps), 70);
	m = lt_matcher_new(ps);
	for (int d = 0; d < 70; d++) {
		char cell[32];
		int n = snprintf(cell, sizeof cell, "q%dz%.*s", d, 1 + d % 3, "999");

		assert_int_equal(lt_match_cell(m, cell, (size_t)n, NULL, hit, 4), 1);
		assert_int_equal(hit[0].det, d);
		assert_int_equal(hit[0].len, n);
		/* one digit short of the run: the prefilter, or the pattern,
		 * turns it down */
		assert_int_equal(lt_match_cell(m, cell, (size_t)n - 1, NULL, hit, 4), 0);
	}
	lt_matcher_free(m);
	lt_packset_free(ps);
	remove_file("wide.yaml");
	free(path);
}

static void test_header_hints(void **state)
{
	static const struct {
		const char *det, *name;
		int want;
	} t[] = {
		{ "sg.nric", "nric", 1 },
		{ "sg.nric", "NRIC_FIN", 1 },
		{ "sg.nric", "customer_ic_no", 1 },
		{ "sg.nric", "uinfin", 1 },
		{ "sg.nric", "fin", 1 },
		{ "sg.nric", "financial_year", 0 },
		{ "sg.nric", "order_ref", -1 },
		{ "sg.nric", "SKU", -1 },
		{ "sg.nric", "preference", 0 },
		{ "sg.nric", "name", 0 },
		{ "kr.rrn", "\xec\xa3\xbc\xeb\xaf\xbc\xeb\x93\xb1\xeb\xa1\x9d"
			    "\xeb\xb2\x88\xed\x98\xb8", 1 },  /* 주민등록번호 */
		{ "kr.rrn", "RRN", 1 },
		{ "kr.rrn", "barcode", -1 },
		{ "kr.rrn", "created_at", -1 },
		{ "sg.phone", "Mobile", 1 },
		{ "sg.phone", "hotel", 0 },
		{ "sg.phone", "order_no", -1 },
		{ "kr.phone", "tel_no", 1 },
		{ "email", "E-Mail", 1 },
		{ "payment_card", "card_no", 1 },
		{ "payment_card", "gift_card_no", 0 },
		{ "payment_card", "imei", -1 },
		{ "sg.nric", "", 0 },
		{ "sg.nric", "\xff\xfe", 0 },  /* not UTF-8: no hint */
	};
	struct lt_packset *ps = load_shipped();
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		long d = lt_packset_find(ps, t[i].det);
		int got;

		assert_true(d >= 0);
		got = lt_header_hint(ps, (size_t)d, t[i].name);
		if (got != t[i].want)
			fail_msg("hint row %zu (%s): got %d want %d", i,
				 t[i].det, got, t[i].want);
	}
	assert_int_equal(lt_header_hint(ps, 9999, "nric"), 0);
	assert_int_equal(lt_header_hint(ps, 0, NULL), 0);
	lt_packset_free(ps);
}

/* ---- self-test ------------------------------------------------------------- */

struct tally {
	size_t calls, ok, match_ex;
	bool quiet;         /* failures are expected: do not print them */
	bool leaked;        /* a raw example reached the callback */
	char last[128];
};

static void count_cb(void *ctx, const struct lt_detector_info *d,
		     bool is_match, const char *mask, bool ok)
{
	struct tally *t = ctx;

	t->calls++;
	t->ok += ok;
	t->match_ex += is_match;
	if (!ok && !t->quiet)
		print_error("selftest: %s %s example %s failed\n", d->id,
			    is_match ? "match" : "reject", mask);
	/* Every shipped example holds 4+ letters or digits: some are masked. */
	if (!strstr(mask, BUL))
		t->leaked = true;
	snprintf(t->last, sizeof t->last, "%s", mask);
}

static void test_selftest_shipped(void **state)
{
	struct lt_packset *ps = load_shipped();
	struct tally t = { 0 };
	size_t total = 0, matches = 0;
	(void)state;

	assert_int_equal(lt_packset_count(ps), 20);
	for (size_t i = 0; i < lt_packset_count(ps); i++) {
		const struct lt_detector_info *d = lt_packset_info(ps, i);

		assert_true(d->n_match >= 6);
		assert_true(d->n_reject >= 6);
		total += d->n_match + d->n_reject;
		matches += d->n_match;
	}
	assert_int_equal(lt_packset_selftest(ps, count_cb, &t), 0);
	assert_int_equal(t.calls, total);
	assert_int_equal(t.ok, total);
	assert_int_equal(t.match_ex, matches);
	assert_false(t.leaked);
	lt_packset_free(ps);
}

static void test_selftest_fails(void **state)
{
	struct lt_packset *ps = NULL;
	struct tally t = { 0 };
	struct lt_err err;
	char *path;
	(void)state;

	/* one wrong match example (bad check letter), one wrong reject */
	t.quiet = true;
	path = dup_file("f.yaml",
		   "pack: f\nversion: 1\ndetectors:\n"
		   "  - id: f.nric\n    category: national_id\n"
		   "    pattern: '[STFGM]\\d{7}[A-Z]'\n    validator: sg_nric\n"
		   "    examples:\n"
		   "      match: [S8412345E, S8412345F]\n"
		   "      reject: [T0212345I, X1]\n");
	assert_int_equal(lt_packset_load(tmpdir, NULL, 0, &ps, &err), 0);
	assert_int_equal(lt_packset_selftest(ps, count_cb, &t), 2);
	assert_int_equal(t.calls, 4);
	assert_int_equal(t.ok, 2);
	assert_string_equal(t.last, BUL BUL); /* too short to keep any */
	lt_packset_free(ps);
	remove_file("f.yaml");
	free(path);
}

static void test_selftest_masks(void **state)
{
	struct lt_packset *ps = NULL;
	struct tally t = { 0 };
	struct lt_err err;
	char *path;
	(void)state;

	path = dup_file("m.yaml",
		   "pack: m\nversion: 1\ndetectors:\n"
		   "  - id: m.rrn\n    category: national_id\n"
		   "    pattern: '\\d{6}-\\d{7}'\n    validator: kr_rrn\n"
		   "    examples:\n"
		   "      match: ['\xec\xa3\xbc 900101-1234568']\n");
	assert_int_equal(lt_packset_load(tmpdir, NULL, 0, &ps, &err), 0);
	assert_int_equal(lt_packset_selftest(ps, count_cb, &t), 0);
	/* national_id: the style of lt_mask LT_MASK_ID, last 3 kept */
	assert_string_equal(t.last, BUL " " BUL BUL BUL BUL BUL BUL "-" BUL BUL
			    BUL BUL "568");
	lt_packset_free(ps);
	remove_file("m.yaml");
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sg_nric),
		cmocka_unit_test(test_kr_rrn),
		cmocka_unit_test(test_luhn),
		cmocka_unit_test(test_card),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_email_differential),
		cmocka_unit_test(test_sg_phone),
		cmocka_unit_test(test_kr_phone),
		cmocka_unit_test(test_sg_nric_partial),
		cmocka_unit_test(test_sg_postal),
		cmocka_unit_test(test_sg_address),
		cmocka_unit_test(test_kr_postal),
		cmocka_unit_test(test_kr_address),
		cmocka_unit_test(test_my_mykad),
		cmocka_unit_test(test_my_phone),
		cmocka_unit_test(test_my_postal),
		cmocka_unit_test(test_my_address),
		cmocka_unit_test(test_e164_phone),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_dob),
		cmocka_unit_test(test_dob_bounds),
		cmocka_unit_test(test_rrn_bounds),
		cmocka_unit_test(test_cue_words),
		cmocka_unit_test(test_person_name),
		cmocka_unit_test(test_bank_account),
		cmocka_unit_test(test_validator_find),
		cmocka_unit_test(test_pack_good),
		cmocka_unit_test(test_pack_errors),
		cmocka_unit_test(test_pack_duplicate_across),
		cmocka_unit_test(test_match_cell),
		cmocka_unit_test(test_match_all_detectors),
		cmocka_unit_test(test_match_lead_equivalent),
		cmocka_unit_test(test_match_many_detectors),
		cmocka_unit_test(test_match_long_cell),
		cmocka_unit_test(test_match_limit),
		cmocka_unit_test(test_header_hints),
		cmocka_unit_test(test_selftest_shipped),
		cmocka_unit_test(test_selftest_fails),
		cmocka_unit_test(test_selftest_masks),
	};

	return cmocka_run_group_tests_name("detect", tests, setup_dir, teardown_dir);
}
