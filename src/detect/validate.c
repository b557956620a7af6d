/*
 * validate.c - the built-in validators that packs name (detect module).
 *
 * Place in the data flow: a detector's PCRE2 pattern finds a candidate in a
 * cell (match.c); the validator named by the pack then judges the matched
 * text.  Validators are pure functions of their input: no allocation, no
 * global state, safe from any thread.  Each one strips the separators its
 * type is written with and normalises case itself, so packs may match
 * loosely.  Rules and sources: shared/IDENTIFIERS.md (section per type).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lethe/detect.h"

/* Longest normalised value any validator looks at (a 19-digit card plus a
 * country code is far below it); longer input is never one of our types. */
#define NORM_MAX 64

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* Trims ASCII whitespace from both ends of s[0..*n). */
static const char *trim(const char *s, size_t *n)
{
	while (*n && is_space(s[0])) {
		s++;
		(*n)--;
	}
	while (*n && is_space(s[*n - 1]))
		(*n)--;
	return s;
}

/* Copies the digits of s[0..n) into out, skipping bytes in seps.  Returns
 * the digit count, or -1 when another byte appears or out would overflow. */
static int digits_only(const char *s, size_t n, const char *seps, char *out,
		       size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			if (k + 1 >= cap)
				return -1;
			out[k++] = s[i];
		} else if (!s[i] || !strchr(seps, s[i])) {
			return -1;
		}
	}
	out[k] = '\0';
	return (int)k;
}

/* Whether digit string d starts with a prefix in [lo, hi], comparing as
 * many digits as lo has (lo and hi have the same length). */
static bool prefix_in(const char *d, size_t n, const char *lo, const char *hi)
{
	size_t k = strlen(lo);

	if (n < k)
		return false;
	return strncmp(d, lo, k) >= 0 && strncmp(d, hi, k) <= 0;
}

/* ---- Luhn ----------------------------------------------------------------- */

bool lt_luhn(const char *digits, size_t n)
{
	unsigned sum = 0;
	bool dbl = false;

	if (n == 0)
		return false;
	for (size_t i = n; i-- > 0;) {
		unsigned d;

		if (!is_digit(digits[i]))
			return false;
		d = (unsigned)(digits[i] - '0');
		if (dbl) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

/* ---- Singapore NRIC / FIN (IDENTIFIERS.md section 1) ---------------------- */

enum lt_valid lt_valid_sg_nric(const char *s, size_t n)
{
	static const int w[7] = { 2, 7, 6, 5, 4, 3, 2 };
	static const char st[] = "JZIHGFEDCBA"; /* indexed by sum mod 11 */
	static const char fg[] = "XWUTRQPNMLK";
	static const char m[] = "XWUTRQPNJLK";
	const char *table;
	char prefix, check;
	int sum = 0;

	s = trim(s, &n);
	if (n != 9)
		return LT_VALID_NO;
	prefix = to_upper(s[0]);
	check = to_upper(s[8]);
	if (!is_alpha(s[8]))
		return LT_VALID_NO;
	for (int i = 0; i < 7; i++) {
		if (!is_digit(s[1 + i]))
			return LT_VALID_NO;
		sum += (s[1 + i] - '0') * w[i];
	}
	switch (prefix) {
	case 'S': table = st; break;
	case 'T': table = st; sum += 4; break;
	case 'F': table = fg; break;
	case 'G': table = fg; sum += 4; break;
	case 'M': table = m; sum += 3; break;
	default: return LT_VALID_NO;
	}
	return table[sum % 11] == check ? LT_VALID_OK : LT_VALID_NO;
}

/* ---- Korean RRN / foreigner registration number (section 2) -------------- */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool valid_date(int y, int mo, int d)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31 };
	int max;

	if (mo < 1 || mo > 12 || d < 1)
		return false;
	max = mdays[mo - 1] + (mo == 2 && leap(y));
	return d <= max;
}

/* The current UTC date, the one input of a validator that is not its
 * argument (a birth date cannot be in the future, whatever --now says
 * about retention).  Read once per process: every date of a scan is held
 * against the same day, and no validator calls time() per cell. */
struct today {
	int64_t days;    /* since 1970-01-01 */
	int64_t oldest;  /* the day 120 years before (29 February: the 28th) */
};
static struct today today_v;
static pthread_once_t today_once = PTHREAD_ONCE_INIT;

static void today_init(void)
{
	int64_t y;
	int m, d;

	today_v.days = (int64_t)time(NULL) / 86400;
	lt_civil_from_days(today_v.days, &y, &m, &d);
	today_v.oldest = lt_days_from_civil(y - 120, m, m == 2 && d == 29 ? 28 : d);
}

static const struct today *today(void)
{
	pthread_once(&today_once, today_init);
	return &today_v;
}

/* Whether the real date y-mo-d lies after the current UTC date. */
static bool after_today(int y, int mo, int d)
{
	if (y < 2000) /* cheap exit for every past century */
		return false;
	return lt_days_from_civil(y, mo, d) > today()->days;
}

enum lt_valid lt_valid_kr_rrn(const char *s, size_t n)
{
	static const int w[12] = { 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 };
	char d[NORM_MAX];
	int y, mo, day, g, sum = 0, x, citizen_ck, foreign_ck;

	s = trim(s, &n);
	if (digits_only(s, n, "- ", d, sizeof d) != 13)
		return LT_VALID_NO;
	y = (d[0] - '0') * 10 + (d[1] - '0');
	mo = (d[2] - '0') * 10 + (d[3] - '0');
	day = (d[4] - '0') * 10 + (d[5] - '0');
	g = d[6] - '0';
	switch (g) {
	case 9: case 0: y += 1800; break;
	case 1: case 2: case 5: case 6: y += 1900; break;
	default: y += 2000; break; /* 3 4 7 8 */
	}
	/* The hard filter: a real date in the century G names, not after
	 * today (880-prefixed Korean EAN-13 barcodes often read as 2088). */
	if (!valid_date(y, mo, day) || after_today(y, mo, day))
		return LT_VALID_NO;
	for (int i = 0; i < 12; i++)
		sum += (d[i] - '0') * w[i];
	x = d[12] - '0';
	citizen_ck = (11 - sum % 11) % 10;
	foreign_ck = (13 - sum % 11) % 10;
	if (x == citizen_ck)
		return LT_VALID_OK;
	/* Foreigners (G 5-8): presidio's rule; python-stdnum uses the citizen
	 * rule for them too, so either passes. */
	if (g >= 5 && g <= 8 && x == foreign_ck)
		return LT_VALID_OK;
	/* Numbers issued since 5 Oct 2020 carry a random tail, and foreigner
	 * numbers are never rejected on the checksum alone. */
	return LT_VALID_WEAK;
}

/* ---- payment cards (section 11) -------------------------------------------- */

/* Whether the IIN table of IDENTIFIERS.md section 11 admits digits d of
 * length n. */
static bool card_iin_ok(const char *d, size_t n)
{
	if (n < 12 || n > 19)
		return false;
	if (n == 13 && d[0] == '1') /* presidio: 13 digits starting 1 */
		return false;
	if (d[0] == '4') /* Visa */
		return n == 13 || n == 16 || n == 19;
	if (prefix_in(d, n, "51", "55") || prefix_in(d, n, "2221", "2720"))
		return n == 16; /* Mastercard */
	if (prefix_in(d, n, "34", "34") || prefix_in(d, n, "37", "37"))
		return n == 15; /* American Express */
	if ((prefix_in(d, n, "6011", "6011") || prefix_in(d, n, "644", "649") ||
	     prefix_in(d, n, "65", "65") || prefix_in(d, n, "62", "62")) &&
	    n >= 16) /* Discover (with 622126-622925), UnionPay */
		return true;
	if (prefix_in(d, n, "3528", "3589") && n >= 16) /* JCB */
		return true;
	if ((prefix_in(d, n, "300", "305") || prefix_in(d, n, "309", "309") ||
	     prefix_in(d, n, "36", "36") || prefix_in(d, n, "38", "39")) &&
	    n >= 14) /* Diners Club */
		return true;
	if (prefix_in(d, n, "50", "50") || prefix_in(d, n, "56", "69"))
		return true; /* Maestro, 12-19 */
	if (d[0] == '1') /* UATP */
		return n == 15;
	return false;
}

/* Whether the separators of s[0..n) (space or dash, one kind only) cut it
 * into a grouping cards are written in.  Contiguous digits pass. */
static bool card_grouping_ok(const char *s, size_t n)
{
	static const unsigned char groupings[][6] = {
		{ 4, 4, 4, 4, 0 },    /* 16 */
		{ 4, 4, 4, 4, 3, 0 }, /* 19 */
		{ 4, 6, 5, 0 },       /* Amex 15 */
		{ 4, 6, 4, 0 },       /* Diners 14 */
		{ 4, 4, 4, 1, 0 },    /* Visa 13 */
	};
	size_t groups[8], ng = 0, run = 0;
	char sep = 0;

	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			run++;
			continue;
		}
		if (sep && s[i] != sep)
			return false;
		sep = s[i];
		if (run == 0 || ng + 1 >= 8)
			return false;
		groups[ng++] = run;
		run = 0;
	}
	if (!sep)
		return true;
	if (run == 0)
		return false;
	groups[ng++] = run;
	for (size_t g = 0; g < sizeof groupings / sizeof groupings[0]; g++) {
		size_t k = 0;

		while (k < ng && groupings[g][k] && groupings[g][k] == groups[k])
			k++;
		if (k == ng && groupings[g][k] == 0)
			return true;
	}
	return false;
}

enum lt_valid lt_valid_luhn_card(const char *s, size_t n)
{
	char d[NORM_MAX];
	int k;

	s = trim(s, &n);
	k = digits_only(s, n, " -", d, sizeof d);
	if (k < 12 || k > 19)
		return LT_VALID_NO;
	if (!card_grouping_ok(s, n))
		return LT_VALID_NO;
	if (!card_iin_ok(d, (size_t)k))
		return LT_VALID_NO;
	return lt_luhn(d, (size_t)k) ? LT_VALID_OK : LT_VALID_NO;
}

/* ---- email (section 10) ---------------------------------------------------- */

static bool email_local_char(unsigned char c)
{
	if (c >= 0x80) /* RFC 6531 UTF-8 local parts */
		return true;
	if (is_digit((char)c) || is_alpha((char)c))
		return true;
	return c && strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL;
}

enum lt_valid lt_valid_email(const char *s, size_t n)
{
	const char *at = NULL, *dom, *label, *tld = NULL;
	size_t local_n, dom_n, tld_n;

	s = trim(s, &n);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '@') {
			if (at)
				return LT_VALID_NO;
			at = s + i;
		}
	}
	if (!at)
		return LT_VALID_NO;
	local_n = (size_t)(at - s);
	dom = at + 1;
	dom_n = n - local_n - 1;
	if (local_n == 0 || local_n > 64 || dom_n == 0 || dom_n > 255)
		return LT_VALID_NO;
	if (s[0] == '.' || s[local_n - 1] == '.')
		return LT_VALID_NO;
	for (size_t i = 0; i < local_n; i++) {
		if (!email_local_char((unsigned char)s[i]))
			return LT_VALID_NO;
		if (s[i] == '.' && s[i + 1] == '.')
			return LT_VALID_NO;
	}
	/* Domain: dot-separated labels of letters, digits and inner hyphens,
	 * 1-63 bytes each, at least two labels. */
	label = dom;
	for (size_t i = 0; i <= dom_n; i++) {
		size_t ln;

		if (i < dom_n && dom[i] != '.') {
			if (!is_digit(dom[i]) && !is_alpha(dom[i]) &&
			    dom[i] != '-')
				return LT_VALID_NO;
			continue;
		}
		ln = (size_t)(dom + i - label);
		if (ln == 0 || ln > 63 || label[0] == '-' || label[ln - 1] == '-')
			return LT_VALID_NO;
		if (i == dom_n)
			tld = label;
		label = dom + i + 1;
	}
	if (tld == dom) /* no dot in the domain */
		return LT_VALID_NO;
	tld_n = (size_t)(dom + dom_n - tld);
	if (tld_n > 4 && (tld[0] == 'x' || tld[0] == 'X') &&
	    (tld[1] == 'n' || tld[1] == 'N') && tld[2] == '-' && tld[3] == '-')
		return LT_VALID_OK; /* punycode TLD */
	if (tld_n < 2)
		return LT_VALID_NO;
	for (size_t i = 0; i < tld_n; i++)
		if (!is_alpha(tld[i]))
			return LT_VALID_NO;
	return LT_VALID_OK;
}

/* ---- phones ---------------------------------------------------------------- */

/* Normalises a phone number: strips space, dash, dot and parentheses, keeps
 * a leading '+'.  Writes digits to out (with '+' first when present).
 * Returns the length, or -1 on any other byte. */
static int phone_norm(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	s = trim(s, &n);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (is_digit(c) || (c == '+' && k == 0)) {
			if (k + 1 >= cap)
				return -1;
			out[k++] = c;
		} else if (!strchr(" -.()", c) || !c) {
			return -1;
		}
	}
	out[k] = '\0';
	return (int)k;
}

/* SG national numbers: libphonenumber mobile, fixed line and VoIP ranges
 * (IDENTIFIERS.md section 4). */
static bool sg_national_ok(const char *d)
{
	if (strlen(d) != 8)
		return false;
	switch (d[0]) {
	case '8': /* 80[1-9]xxxxx, 8[1-9]xxxxxx */
		return d[1] != '0' || d[2] != '0';
	case '9': /* 9[0-8]xxxxxx; 99 holds 999/995 emergency */
		return d[1] != '9';
	case '6': /* 662[0-24-9], 6[0-578]x, 66[013-57-9], 666 (VoIP),
		   * 69[0-35-9]: every 6 except 6623 and 694 */
		if (d[1] == '6')
			return d[2] != '2' || d[3] != '3';
		if (d[1] == '9')
			return d[2] != '4';
		return true;
	case '3': /* 3[12]xxxxxx VoIP */
		return d[1] == '1' || d[1] == '2';
	default:
		return false;
	}
}

enum lt_valid lt_valid_sg_phone(const char *s, size_t n)
{
	char d[NORM_MAX];
	const char *nat = d;
	int k;

	k = phone_norm(s, n, d, sizeof d);
	if (k < 0)
		return LT_VALID_NO;
	if (d[0] == '+') {
		if (k != 11 || d[1] != '6' || d[2] != '5')
			return LT_VALID_NO;
		nat = d + 3;
	} else if (k == 10) {
		if (d[0] != '6' || d[1] != '5')
			return LT_VALID_NO;
		nat = d + 2;
	} else if (k != 8) {
		return LT_VALID_NO;
	}
	return sg_national_ok(nat) ? LT_VALID_OK : LT_VALID_NO;
}

/* KR national significant number (without the trunk 0): personal ranges of
 * libphonenumber (IDENTIFIERS.md section 5).  Company hotlines 15xx/16xx/
 * 18xx, toll free 080 and premium 060 are not personal data. */
static bool kr_national_ok(const char *d)
{
	size_t n = strlen(d), rest;

	if (n < 2)
		return false;
	if (d[0] == '1') { /* mobile */
		rest = n - 2;
		if (rest != 7 && rest != 8)
			return false;
		if (d[1] == '0') { /* 010: 105[0-8], 1059[0-6] only */
			if (d[2] == '5')
				return d[3] != '9' || d[4] <= '6';
			return true;
		}
		return d[1] == '1' || (d[1] >= '6' && d[1] <= '9');
	}
	if (d[0] == '2') /* Seoul: 2 [1-9] + 6-7 digits */
		return (n == 8 || n == 9) && d[1] != '0';
	if (d[0] == '7') /* 070 VoIP */
		return d[1] == '0' && n == 10;
	if (d[0] == '5' && d[1] == '0') /* 050x personal numbers */
		return n == 10 || n == 11;
	/* area codes 031-033, 041-044, 051-055, 061-064 */
	if ((d[0] == '3' && d[1] >= '1' && d[1] <= '3') ||
	    (d[0] == '4' && d[1] >= '1' && d[1] <= '4') ||
	    (d[0] == '5' && d[1] >= '1' && d[1] <= '5') ||
	    (d[0] == '6' && d[1] >= '1' && d[1] <= '4'))
		return (n == 9 || n == 10) && d[2] != '0';
	return false;
}

enum lt_valid lt_valid_kr_phone(const char *s, size_t n)
{
	char d[NORM_MAX];
	const char *nat;
	int k;

	k = phone_norm(s, n, d, sizeof d);
	if (k < 0)
		return LT_VALID_NO;
	if (d[0] == '+') {
		if (k < 4 || d[1] != '8' || d[2] != '2')
			return LT_VALID_NO;
		nat = d + 3;
		if (nat[0] == '0') /* "+82 (0)10 ..." */
			nat++;
	} else {
		if (d[0] != '0' || d[1] == '0')
			return LT_VALID_NO;
		nat = d + 1;
	}
	return kr_national_ok(nat) ? LT_VALID_OK : LT_VALID_NO;
}

/* ---- digit fields ------------------------------------------------------------ */

/* Reads exactly k ASCII digits at s as a number; -1 when one is not. */
static int num_at(const char *s, size_t k)
{
	int v = 0;

	for (size_t i = 0; i < k; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* ---- Singapore: masked NRIC, postal code, address (sections 1, 8) ---------- */

/* Whether check letter c can end an NRIC/FIN of prefix p ('*' = unknown
 * prefix: any table).  IDENTIFIERS.md section 1. */
static bool nric_letter_ok(char p, char c)
{
	static const char st[] = "ABCDEFGHIZJ";
	static const char fg[] = "KLMNPQRTUWX";
	static const char m[] = "KLJNPQRTUWX";

	if (!is_alpha(c))
		return false;
	switch (p) {
	case 'S': case 'T': return strchr(st, c) != NULL;
	case 'F': case 'G': return strchr(fg, c) != NULL;
	case 'M': return strchr(m, c) != NULL;
	case '*': return strchr(st, c) || strchr(fg, c) || strchr(m, c);
	default: return false;
	}
}

enum lt_valid lt_valid_sg_nric_partial(const char *s, size_t n)
{
	char v[12];
	size_t k = 0, masks = 0, digits = 0, i;

	s = trim(s, &n);
	/* Normalise: U+2022, '*', 'x' and 'X' are mask characters ('*'),
	 * except the last character, which is the check letter. */
	for (i = 0; i < n; k++) {
		char c = s[i];

		if (k + 1 >= sizeof v)
			return LT_VALID_NO;
		if (n - i >= 3 && memcmp(s + i, "\xe2\x80\xa2", 3) == 0) {
			c = '*';
			i += 3;
		} else {
			i++;
			if ((c == 'x' || c == 'X') && i < n)
				c = '*';
		}
		v[k] = to_upper(c);
	}
	v[k] = '\0';
	if (k == 4) /* the last four: three digits and the check letter */
		return num_at(v, 3) >= 0 && nric_letter_ok('*', v[3])
			       ? LT_VALID_OK : LT_VALID_NO;
	if (k != 9 || !strchr("STFGM*", v[0]))
		return LT_VALID_NO;
	/* positions 1..7: masks first, then the 3 or 4 digits shown */
	for (i = 1; i < 8 && v[i] == '*'; i++)
		masks++;
	for (; i < 8 && is_digit(v[i]); i++)
		digits++;
	if (i != 8 || digits < 3 || digits > 4 || masks < 3)
		return LT_VALID_NO;
	return nric_letter_ok(v[0], v[8]) ? LT_VALID_OK : LT_VALID_NO;
}

/* Postal sectors: the first two digits, 01-82 except 74. */
static bool sg_sector_ok(const char *d)
{
	int sec = num_at(d, 2);

	return sec >= 1 && sec <= 82 && sec != 74;
}

enum lt_valid lt_valid_sg_postal(const char *s, size_t n)
{
	s = trim(s, &n);
	if (n != 6 || num_at(s, 6) < 0)
		return LT_VALID_NO;
	return sg_sector_ok(s) ? LT_VALID_OK : LT_VALID_NO;
}

/* ---- address tokens (SG, MY) ------------------------------------------------- */

/* One word of an address: its bytes, and for a word of at most 15 bytes
 * that starts with a letter a lower-cased copy without a final '.' for
 * comparisons (else ""; no cue word is longer). */
struct tok {
	const char *p;
	size_t n;
	unsigned f;          /* word_flags of low */
	char low[16];
};

static unsigned word_flags(uint64_t w0, uint64_t w1);
static void word_init(void);
static pthread_once_t word_once = PTHREAD_ONCE_INIT;   /* word_tab built */

static bool tok_sep(char c)
{
	return c == ' ' || c == ',' || c == '\t' || c == ';';
}

/* s[at..at+len) (len <= 8, within s[0..n)) as a little-endian word, zero
 * above it; reads only bytes of s[0..n). */
static uint64_t part8(const char *s, size_t n, size_t at, size_t len)
{
	if (len == 0)
		return 0;
	return len == 8 ? lt_word_at(s, n, at)
			: lt_word_at(s, n, at) & (((uint64_t)1 << (8 * len)) - 1);
}

/* ASCII upper-case letters of the eight bytes in w lower-cased, the
 * others (non-ASCII too) unchanged. */
static uint64_t lower8(uint64_t w)
{
	const uint64_t L = 0x0101010101010101ULL, H = 0x8080808080808080ULL;
	uint64_t t = w & ~H;   /* seven bits: the sums below cannot carry */
	uint64_t ge_a = t + (0x80 - 'A') * L, gt_z = t + (0x80 - 'Z' - 1) * L;
	uint64_t up = ge_a & ~gt_z & ~w & H;

	return w | up >> 2;
}

/* Splits s[0..n) into at most cap words at blanks, commas, semicolons. */
static size_t tokens(const char *s, size_t n, struct tok *t, size_t cap)
{
	size_t k = 0, i = 0;

	pthread_once(&word_once, word_init);   /* once a cell, not a word */
	while (i < n && k < cap) {
		size_t j, m;
		uint64_t w0, w1;   /* low as word_flags keys it */

		while (i < n && tok_sep(s[i]))
			i++;
		if (i >= n)
			break;
		for (j = i; j < n && !tok_sep(s[j]); j++)
			;
		t[k].p = s + i;
		t[k].n = j - i;
		m = j - i;
		if (m > 1 && s[j - 1] == '.')
			m--;
		if (!is_alpha(s[i]) || m >= sizeof t[k].low)
			m = 0; /* only words are looked up: keep "" */
		/* m < 16: the word in two words, lower-cased, zero after it */
		w0 = lower8(part8(s, n, i, m < 8 ? m : 8));
		w1 = m > 8 ? lower8(part8(s, n, i + 8, m - 8)) : 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		memcpy(t[k].low, &w0, 8);
		memcpy(t[k].low + 8, &w1, 8);
#else
		for (size_t l = 0; l < 8; l++) {
			t[k].low[l] = (char)(w0 >> (8 * l));
			t[k].low[l + 8] = (char)(w1 >> (8 * l));
		}
#endif
		t[k].f = word_flags(w0, w1);
		k++;
		i = j;
	}
	return k;
}

/* The SG and MY address validators run on the same cells (their packs
 * share a pattern), so each thread keeps the words of the last address it
 * split; a cell with the same bytes reuses them. */
#define ADDR_TOKS 48
static _Thread_local struct {
	size_t n, nt;
	char s[256];
	struct tok t[ADDR_TOKS];
} addr_cache;

/* The words point into the thread's copy of the bytes, which equal s. */
static const struct tok *addr_tokens(const char *s, size_t n, size_t *nt)
{
	if (n > sizeof addr_cache.s) {
		*nt = tokens(s, n, addr_cache.t, ADDR_TOKS);
		addr_cache.n = addr_cache.nt = 0;   /* the copy is not these */
		return addr_cache.t;
	}
	if (addr_cache.n != n || memcmp(addr_cache.s, s, n) != 0) {
		memcpy(addr_cache.s, s, n);
		addr_cache.n = n;
		addr_cache.nt = tokens(addr_cache.s, n, addr_cache.t, ADDR_TOKS);
	}
	*nt = addr_cache.nt;
	return addr_cache.t;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* A house, block or lot number: digits, then optionally a letter, '-' or
 * '/' and more digits ("12", "123A", "12-3", "5/2"). */
static bool house_no(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_digit(s[i]))
		i++;
	if (i == 0 || i > 5)
		return false;
	if (i < n && is_alpha(s[i]) && i + 1 == n)
		return true;
	if (i < n && (s[i] == '-' || s[i] == '/')) {
		size_t j = ++i;

		while (i < n && (is_digit(s[i]) || is_alpha(s[i])))
			i++;
		if (i == j)
			return false;
	}
	return i == n;
}

/* Words that mark addresses and non-names (looked up in word_tab).  SG street words: prefix words open a street name ("Jalan
 * Besar"); suffix words close one and never stand first ("Dr Tan" is a
 * person).  MY: state and federal territory names and the country, one
 * word each ("Lumpur" for Kuala Lumpur, "Pinang" for Pulau Pinang); street
 * and area words.  Not-name words: placeholders and company or place words
 * that make a capitalised phrase something other than a person's name
 * (not a name list). */
enum {
	W_SG_PRE = 1, W_SG_SUF = 2, W_MY_STATE = 4, W_MY_STREET = 8,
	W_MY_AREA = 16, W_NOT_NAME = 32,
};
static const struct {
	const char *w;
	unsigned char f;
} cue_words[] = {
	{ "admin", W_NOT_NAME },
	{ "administrator", W_NOT_NAME },
	{ "and", W_NOT_NAME },
	{ "anonymous", W_NOT_NAME },
	{ "apartment", W_MY_AREA },
	{ "applicable", W_NOT_NAME },
	{ "available", W_NOT_NAME },
	{ "ave", W_SG_SUF },
	{ "avenue", W_SG_SUF | W_NOT_NAME },
	{ "bandar", W_MY_AREA },
	{ "bdr", W_MY_AREA },
	{ "berhad", W_NOT_NAME },
	{ "bhd", W_NOT_NAME },
	{ "blvd", W_SG_SUF },
	{ "boulevard", W_SG_SUF },
	{ "cash", W_NOT_NAME },
	{ "center", W_NOT_NAME },
	{ "central", W_SG_SUF },
	{ "centre", W_NOT_NAME },
	{ "circle", W_SG_SUF },
	{ "close", W_SG_SUF },
	{ "co", W_NOT_NAME },
	{ "company", W_NOT_NAME },
	{ "corp", W_NOT_NAME },
	{ "corporation", W_NOT_NAME },
	{ "cres", W_SG_SUF },
	{ "crescent", W_SG_SUF },
	{ "customer", W_NOT_NAME },
	{ "default", W_NOT_NAME },
	{ "demo", W_NOT_NAME },
	{ "desa", W_MY_AREA },
	{ "dr", W_SG_SUF },
	{ "drive", W_SG_SUF },
	{ "dummy", W_NOT_NAME },
	{ "enterprise", W_NOT_NAME },
	{ "enterprises", W_NOT_NAME },
	{ "example", W_NOT_NAME },
	{ "expressway", W_SG_SUF },
	{ "felda", W_MY_AREA },
	{ "flat", W_MY_AREA },
	{ "for", W_NOT_NAME },
	{ "gardens", W_SG_SUF },
	{ "green", W_SG_SUF },
	{ "group", W_NOT_NAME },
	{ "grove", W_SG_SUF },
	{ "guest", W_NOT_NAME },
	{ "heights", W_SG_SUF },
	{ "highway", W_SG_SUF },
	{ "hill", W_SG_SUF },
	{ "holdings", W_NOT_NAME },
	{ "inc", W_NOT_NAME },
	{ "jalan", W_SG_PRE | W_MY_STREET },
	{ "jln", W_SG_PRE | W_MY_STREET },
	{ "johor", W_MY_STATE },
	{ "kampong", W_MY_AREA },
	{ "kampung", W_MY_AREA },
	{ "kedah", W_MY_STATE },
	{ "kelantan", W_MY_STATE },
	{ "kg", W_MY_AREA },
	{ "kondominium", W_MY_AREA },
	{ "korea", W_NOT_NAME },
	{ "labuan", W_MY_STATE },
	{ "lane", W_SG_SUF },
	{ "lebuh", W_MY_STREET },
	{ "lebuhan", W_MY_STREET },
	{ "lebuhraya", W_MY_STREET },
	{ "lengkok", W_SG_PRE | W_MY_STREET },
	{ "limited", W_NOT_NAME },
	{ "lingkaran", W_MY_STREET },
	{ "link", W_SG_SUF },
	{ "lintang", W_SG_PRE | W_MY_STREET },
	{ "llc", W_NOT_NAME },
	{ "llp", W_NOT_NAME },
	{ "loop", W_SG_SUF },
	{ "lor", W_SG_SUF },
	{ "lorong", W_SG_PRE | W_MY_STREET },
	{ "lrg", W_MY_STREET },
	{ "ltd", W_NOT_NAME },
	{ "lumpur", W_MY_STATE },
	{ "malacca", W_MY_STATE },
	{ "malaysia", W_MY_STATE | W_NOT_NAME },
	{ "mall", W_NOT_NAME },
	{ "medan", W_MY_STREET },
	{ "melaka", W_MY_STATE },
	{ "n/a", W_NOT_NAME },
	{ "nil", W_NOT_NAME },
	{ "none", W_NOT_NAME },
	{ "not", W_NOT_NAME },
	{ "null", W_NOT_NAME },
	{ "of", W_NOT_NAME },
	{ "pahang", W_MY_STATE },
	{ "pangsapuri", W_MY_AREA },
	{ "park", W_SG_SUF },
	{ "penang", W_MY_STATE },
	{ "pending", W_NOT_NAME },
	{ "perak", W_MY_STATE },
	{ "perlis", W_MY_STATE },
	{ "persiaran", W_MY_STREET },
	{ "pinang", W_MY_STATE },
	{ "pl", W_SG_SUF },
	{ "place", W_SG_SUF },
	{ "presint", W_MY_AREA },
	{ "psrn", W_MY_STREET },
	{ "pte", W_NOT_NAME },
	{ "putrajaya", W_MY_STATE },
	{ "quay", W_SG_SUF },
	{ "rd", W_SG_SUF },
	{ "ring", W_SG_SUF },
	{ "rise", W_SG_SUF },
	{ "road", W_SG_SUF | W_NOT_NAME },
	{ "sabah", W_MY_STATE },
	{ "sample", W_NOT_NAME },
	{ "sarawak", W_MY_STATE },
	{ "sdn", W_NOT_NAME },
	{ "seksyen", W_MY_AREA },
	{ "selangor", W_MY_STATE },
	{ "sembilan", W_MY_STATE },
	{ "services", W_NOT_NAME },
	{ "shop", W_NOT_NAME },
	{ "singapore", W_NOT_NAME },
	{ "solutions", W_NOT_NAME },
	{ "sq", W_SG_SUF },
	{ "square", W_SG_SUF },
	{ "st", W_SG_SUF },
	{ "store", W_NOT_NAME },
	{ "street", W_SG_SUF | W_NOT_NAME },
	{ "taman", W_MY_AREA },
	{ "tba", W_NOT_NAME },
	{ "tbc", W_NOT_NAME },
	{ "terengganu", W_MY_STATE },
	{ "terrace", W_SG_SUF },
	{ "test", W_NOT_NAME },
	{ "testing", W_NOT_NAME },
	{ "the", W_NOT_NAME },
	{ "tmn", W_MY_AREA },
	{ "trading", W_NOT_NAME },
	{ "unknown", W_NOT_NAME },
	{ "user", W_NOT_NAME },
	{ "view", W_SG_SUF },
	{ "walk", W_SG_SUF },
	{ "walk-in", W_NOT_NAME },
	{ "way", W_SG_SUF },
};

/* The cue words in a hash table keyed by the word's bytes in two words
 * (byte i of the word in bits 8 * (i % 8) of word i / 8, zero-padded): a
 * lookup is one or two probes, built in registers as tokens() lowers the
 * word.  Built once from cue_words. */
#define WORD_BITS 9
#define WORD_SLOTS (1u << WORD_BITS)
static struct {
	uint64_t w0, w1;
	unsigned char f;     /* 0: empty */
} word_tab[WORD_SLOTS];
static size_t word_slot(uint64_t w0, uint64_t w1)
{
	uint64_t h = w0 * 0x9e3779b97f4a7c15ULL ^ w1 * 0xc2b2ae3d27d4eb4fULL;

	return (size_t)((h ^ (h >> 29)) >> (64 - WORD_BITS));
}

/* at most half full: every probe sequence meets an empty slot soon */
_Static_assert(sizeof cue_words / sizeof cue_words[0] <= WORD_SLOTS / 2,
	       "word_tab too small for cue_words");

static void word_init(void)
{
	for (size_t k = 0; k < sizeof cue_words / sizeof cue_words[0]; k++) {
		const char *w = cue_words[k].w;
		uint64_t x[2] = { 0, 0 };
		size_t i, n = strlen(w);

		if (n > 15)
			continue;   /* longer than any word tokens() looks up */
		for (i = 0; i < n; i++)
			x[i / 8] |= (uint64_t)(unsigned char)w[i] << (8 * (i % 8));
		for (i = word_slot(x[0], x[1]); word_tab[i].f;
		     i = (i + 1) & (WORD_SLOTS - 1))
			;
		word_tab[i].w0 = x[0];
		word_tab[i].w1 = x[1];
		word_tab[i].f = cue_words[k].f;
	}
}

/* The flags of a lower-case word of at most 15 bytes (in two words, as
 * word_tab keys them), 0 when it is in no list or has under two bytes.
 * tokens() has built word_tab. */
static unsigned word_flags(uint64_t w0, uint64_t w1)
{
	unsigned c0 = (unsigned)(w0 & 0xff);

	if (c0 < 'a' || c0 > 'z' || !(w0 & 0xff00))
		return 0;
	for (size_t i = word_slot(w0, w1); word_tab[i].f;
	     i = (i + 1) & (WORD_SLOTS - 1))
		if (word_tab[i].w0 == w0 && word_tab[i].w1 == w1)
			return word_tab[i].f;
	return 0;
}

unsigned lt_cue_word(size_t i, const char **word)
{
	if (i >= sizeof cue_words / sizeof cue_words[0])
		return 0;
	*word = cue_words[i].w;
	return cue_words[i].f;
}

/* As tokens() looks a word up: lower-cased by it, at most 15 bytes. */
unsigned lt_cue_word_flags(const char *word)
{
	struct tok t;

	return tokens(word, strlen(word), &t, 1) == 1 && t.n == strlen(word)
		       ? t.f : 0;
}

/* "#05-123", "#B1-12", "#12-03A": floor and unit. */
static bool sg_unit(const char *s, size_t n)
{
	size_t i = 1, f = 0, u = 0;

	if (n < 4 || s[0] != '#')
		return false;
	if (i < n && (s[i] == 'B' || s[i] == 'b'))
		i++;
	while (i < n && is_digit(s[i]) && f < 3) {
		i++;
		f++;
	}
	if (f == 0 || i >= n || s[i] != '-')
		return false;
	i++;
	while (i < n && is_digit(s[i]) && u < 5) {
		i++;
		u++;
	}
	if (u == 0)
		return false;
	if (i < n && is_alpha(s[i]))
		i++;
	return i == n || (i + 1 == n && s[i] == '.');
}

enum lt_valid lt_valid_sg_address(const char *s, size_t n)
{
	const struct tok *t;
	size_t nt;
	bool blk = false, unit = false, street = false, postal = false;

	s = trim(s, &n);
	t = addr_tokens(s, n, &nt);
	for (size_t i = 0; i < nt; i++) {
		const char *w = t[i].low;
		const struct tok *nx = i + 1 < nt ? &t[i + 1] : NULL;

		unsigned f = t[i].f;

		if (f & W_MY_STATE)
			return LT_VALID_NO; /* a Malaysian address */
		if (w[0] == 'b' && (!strcmp(w, "blk") || !strcmp(w, "block")) &&
		    nx && house_no(nx->p, nx->n))
			blk = true;
		else if (t[i].p[0] == '#' && sg_unit(t[i].p, t[i].n))
			unit = true;
		else if ((f & W_SG_PRE) && nx)
			street = true;
		else if (i > 0 && (f & W_SG_SUF))
			street = true;
		else if (w[0] == 's' && !strcmp(w, "singapore") && nx &&
			 nx->n >= 6) {
			/* "Singapore 560123", "Singapore (560123)" */
			const char *p = nx->p;
			size_t m = nx->n;

			if (p[0] == '(' && m >= 8 && p[7] == ')') {
				p++;
				m -= 2;
			}
			if (m == 6 && all_digits(p, 6)) {
				if (!sg_sector_ok(p))
					return LT_VALID_NO;
				postal = true;
			}
		} else if (w[0] == 's' && t[i].n == 9 &&
			   t[i].p[1] == '(' && t[i].p[8] == ')' &&
			   all_digits(t[i].p + 2, 6)) {
			if (!sg_sector_ok(t[i].p + 2)) /* "S(560123)" */
				return LT_VALID_NO;
			postal = true;
		} else if (i + 1 == nt && i > 0 && t[i].n == 6 &&
			   all_digits(t[i].p, 6) && sg_sector_ok(t[i].p)) {
			postal = true; /* a bare postal code closing it */
		}
	}
	return blk + unit + street + postal >= 2 ? LT_VALID_OK : LT_VALID_NO;
}

/* ---- Malaysia: MyKad, phones, postcodes, addresses (sections 3, 6) --------- */

/* Place-of-birth codes of IDENTIFIERS.md section 3 (current bp.dat): 01-16,
 * 21-59, 60-68, 71, 72, 74-79, 82-93, 98, 99. */
static bool my_place_ok(int pb)
{
	if ((pb >= 1 && pb <= 16) || (pb >= 21 && pb <= 68))
		return true;
	if (pb == 71 || pb == 72 || (pb >= 74 && pb <= 79))
		return true;
	return (pb >= 82 && pb <= 93) || pb == 98 || pb == 99;
}

enum lt_valid lt_valid_my_mykad(const char *s, size_t n)
{
	char d[NORM_MAX];
	int yy, mo, dd, pb, k;
	bool seps;

	s = trim(s, &n);
	k = digits_only(s, n, "-", d, sizeof d);
	if (k != 12)
		return LT_VALID_NO;
	seps = n != 12;
	if (seps) { /* hyphens only where YYMMDD-PB-###G puts them */
		for (size_t i = 0, dg = 0; i < n; i++) {
			if (s[i] != '-') {
				dg++;
				continue;
			}
			if (dg != 6 && dg != 8)
				return LT_VALID_NO;
		}
	}
	/* +60 11-xxxx xxxx written as 6011xxxxxxxx reads as a birth in
	 * November 1960: without the card's hyphens, take it for a phone. */
	if (!seps && memcmp(d, "6011", 4) == 0)
		return LT_VALID_NO;
	yy = num_at(d, 2);
	mo = num_at(d + 2, 2);
	dd = num_at(d + 4, 2);
	pb = num_at(d + 6, 2);
	if (!valid_date(1900 + yy, mo, dd) && !valid_date(2000 + yy, mo, dd))
		return LT_VALID_NO;
	return my_place_ok(pb) ? LT_VALID_OK : LT_VALID_NO;
}

/* Digits of the first group of a written phone number after its country
 * code and trunk 0 ("012-345 6789" -> 2, "03-1234 5678" -> 1), or 0 when
 * the number has no separator after that point. */
static size_t first_group(const char *s, size_t n, size_t skip_digits)
{
	size_t i = 0, seen = 0, g = 0;
	bool sep = false;

	while (i < n && seen < skip_digits) { /* "+60", "60", "(+60)" */
		if (is_digit(s[i]))
			seen++;
		i++;
	}
	while (i < n && !is_digit(s[i]))
		i++;
	if (i < n && s[i] == '0') /* trunk prefix */
		i++;
	while (i < n && is_digit(s[i])) {
		i++;
		g++;
	}
	for (; i < n; i++)
		sep = sep || !is_digit(s[i]);
	return sep ? g : 0;
}

/* MY national significant numbers (libphonenumber MY): mobiles 1X + 7
 * digits, 11 + 8, 15 + 7-8; fixed lines 3[2-9] + 7, [4-79] + 7, 8[2-9] +
 * 6.  Toll free 1-300/1-800 and premium 1-600 are 10 digits starting 1[368]
 * and are rejected by length. */
static bool my_national_ok(const char *d, size_t n, size_t group)
{
	if (n < 8)
		return false;
	switch (d[0]) {
	case '1':
		if (group && group != 2)
			return false;
		if (d[1] == '1')
			return n == 10;
		if (d[1] == '5')
			return n == 9 || n == 10;
		return n == 9;
	case '3':
		return n == 9 && d[1] >= '2' && (!group || group == 1);
	case '8':
		return n == 8 && d[1] >= '2' && (!group || group == 2);
	case '4': case '5': case '6': case '7': case '9':
		return n == 8 && (!group || group == 1);
	default:
		return false;
	}
}

enum lt_valid lt_valid_my_phone(const char *s, size_t n)
{
	char d[NORM_MAX];
	const char *nat;
	size_t cc = 0;
	int k;

	s = trim(s, &n);
	k = phone_norm(s, n, d, sizeof d);
	if (k < 0)
		return LT_VALID_NO;
	nat = d;
	if (d[0] == '+') {
		if (k < 3 || d[1] != '6' || d[2] != '0')
			return LT_VALID_NO;
		nat = d + 3;
		cc = 2;
	} else if (d[0] == '6' && d[1] == '0') {
		nat = d + 2;
		cc = 2;
	}
	if (nat[0] == '0') /* trunk, or "+60 (0)12..." */
		nat++;
	else if (!cc)
		return LT_VALID_NO;
	if (nat[0] == '0')
		return LT_VALID_NO;
	return my_national_ok(nat, strlen(nat), first_group(s, n, cc))
		       ? LT_VALID_OK : LT_VALID_NO;
}

enum lt_valid lt_valid_my_postal(const char *s, size_t n)
{
	int v;

	s = trim(s, &n);
	if (n != 5 || (v = num_at(s, 5)) < 0)
		return LT_VALID_NO;
	return v >= 1000 && v <= 98859 ? LT_VALID_OK : LT_VALID_NO;
}


enum lt_valid lt_valid_my_address(const char *s, size_t n)
{
	const struct tok *t;
	size_t nt;
	bool street = false, area = false, num = false, pc = false,
	     state = false;

	s = trim(s, &n);
	t = addr_tokens(s, n, &nt);
	for (size_t i = 0; i < nt; i++) {
		const char *w = t[i].low;
		const struct tok *nx = i + 1 < nt ? &t[i + 1] : NULL;

		if ((w[0] == 's' && !strcmp(w, "singapore")) ||
		    (t[i].p[0] == '#' && sg_unit(t[i].p, t[i].n)))
			return LT_VALID_NO; /* a Singapore address */
		unsigned f = t[i].f;

		if (f & W_MY_STATE)
			state = true;
		else if ((f & W_MY_STREET) && nx)
			street = true;
		else if ((f & W_MY_AREA) && nx)
			area = true;
		else if ((w[0] == 'n' || w[0] == 'l') &&
			 (!strcmp(w, "no") || !strcmp(w, "lot")) && nx &&
			 house_no(nx->p, nx->n))
			num = true;
		else if (w[0] == 'n' && !strncmp(w, "no.", 3) &&
			 house_no(t[i].p + 3, t[i].n - 3))
			num = true; /* "No.12" */
		else if (t[i].n == 5 && all_digits(t[i].p, 5) &&
			 lt_valid_my_postal(t[i].p, 5) == LT_VALID_OK)
			pc = true;
	}
	return street + area + num + (pc && state) >= 2 ? LT_VALID_OK
							 : LT_VALID_NO;
}

/* ---- Korea: postcodes and addresses (section 9) ------------------------------ */

enum lt_valid lt_valid_kr_postal(const char *s, size_t n)
{
	int v;

	s = trim(s, &n);
	if (n == 5) { /* 국가기초구역번호 since 2015: 01000-63999 */
		if ((v = num_at(s, 5)) < 0)
			return LT_VALID_NO;
		return v >= 1000 && v <= 63999 ? LT_VALID_OK : LT_VALID_NO;
	}
	if (n == 7 && s[3] == '-' && num_at(s, 3) >= 0 && num_at(s + 4, 3) >= 0)
		/* legacy NNN-NNN: 100-000 .. 799-999 */
		return s[0] >= '1' && s[0] <= '7' ? LT_VALID_OK : LT_VALID_NO;
	return LT_VALID_NO;
}

/* Whether word w[0..n) ends with the UTF-8 string suf, with at least
 * min_before bytes before it. */
static bool ends_with_u8(const char *w, size_t n, const char *suf,
			 size_t min_before)
{
	size_t k = strlen(suf);

	return n >= k + min_before && memcmp(w + n - k, suf, k) == 0;
}

static bool starts_with_u8(const char *w, size_t n, const char *pre)
{
	size_t k = strlen(pre);

	return n >= k && memcmp(w, pre, k) == 0;
}

/* Provinces (시/도), by the stems they are written with: "서울",
 * "서울특별시", "경기도", "충청북도", "제주특별자치도". */
static bool kr_province(const char *w, size_t n)
{
	static const char *const stems[] = {
		"서울", "부산", "대구", "인천", "광주", "대전", "울산",
		"세종", "경기", "강원", "충북", "충남", "전북", "전남",
		"경북", "경남", "제주", "충청", "전라", "경상", NULL,
	};

	for (size_t i = 0; stems[i]; i++) {
		size_t k = strlen(stems[i]);

		if (!starts_with_u8(w, n, stems[i]))
			continue;
		if (n == k || ends_with_u8(w, n, "시", k - 3) ||
		    ends_with_u8(w, n, "도", k - 3))
			return true;
	}
	return false;
}

/* A word of Hangul syllables only (U+AC00..U+D7A3, 3 bytes each) possibly
 * with ASCII digits inside ("테헤란로78길", "역삼1동"); first a syllable. */
static bool hangul_word(const char *w, size_t n)
{
	size_t i = 0;

	if (n < 3)
		return false;
	while (i < n) {
		unsigned char c = (unsigned char)w[i];

		if (is_digit(w[i])) {
			if (i == 0)
				return false;
			i++;
		} else if (c >= 0xEA && c <= 0xED && i + 3 <= n) {
			unsigned cp = ((c & 0x0Fu) << 12) |
				      (((unsigned char)w[i + 1] & 0x3Fu) << 6) |
				      ((unsigned char)w[i + 2] & 0x3Fu);
			if (cp < 0xAC00 || cp > 0xD7A3)
				return false;
			i += 3;
		} else {
			return false;
		}
	}
	return true;
}

/* A building or lot number: "152", "102-22", "123-45번지", "지하12". */
static bool kr_number(const char *w, size_t n)
{
	size_t i = 0, a = 0, b = 0;

	if (starts_with_u8(w, n, "지하"))
		i = 6;
	while (i < n && is_digit(w[i])) {
		i++;
		a++;
	}
	if (a == 0 || a > 5)
		return false;
	if (i < n && w[i] == '-') {
		i++;
		while (i < n && is_digit(w[i])) {
			i++;
			b++;
		}
		if (b == 0 || b > 4)
			return false;
	}
	if (i == n)
		return true;
	return (n - i == 6 && !memcmp(w + i, "번지", 6)) ||
	       (n - i == 3 && !memcmp(w + i, "번", 3));
}

enum lt_valid lt_valid_kr_address(const char *s, size_t n)
{
	bool region = false, road = false, number = false;
	size_t i = 0, words = 0;

	s = trim(s, &n);
	while (i < n && words < 48) {
		size_t j;
		const char *w;
		size_t m;

		while (i < n && (tok_sep(s[i]) || s[i] == '(' || s[i] == ')'))
			i++;
		if (i >= n)
			break;
		for (j = i; j < n && !tok_sep(s[j]) && s[j] != '(' &&
			    s[j] != ')'; j++)
			;
		w = s + i;
		m = j - i;
		i = j;
		words++;
		if (kr_number(w, m)) {
			/* a number counts after the road or dong it follows */
			number = number || road;
			continue;
		}
		if (!hangul_word(w, m))
			continue;
		if (kr_province(w, m) || ends_with_u8(w, m, "시", 3) ||
		    ends_with_u8(w, m, "군", 3) || ends_with_u8(w, m, "구", 3))
			region = true;
		else if (ends_with_u8(w, m, "로", 3) ||
			 ends_with_u8(w, m, "길", 3) ||
			 ends_with_u8(w, m, "동", 3) ||
			 ends_with_u8(w, m, "읍", 3) ||
			 ends_with_u8(w, m, "면", 3) ||
			 ends_with_u8(w, m, "리", 3) ||
			 ends_with_u8(w, m, "가", 3))
			road = road || region;
	}
	return region && road && number ? LT_VALID_OK : LT_VALID_NO;
}

/* ---- international phone numbers, E.164 (section 7) -------------------------- */

/* Country calling codes in use and the lengths of their national
 * significant numbers (libphonenumber metadata, all number types of every
 * region sharing the code).  Leaves out 60, 65 and 82 (the MY, SG and KR
 * packs judge those) and the non-geographic codes (800, 808, 870, 878,
 * 881-883, 888, 979).  Sorted by code. */
static const struct {
	unsigned short cc;
	unsigned char min, max;
} e164[] = {
	{1,10,10},{7,10,10},{20,8,10},{27,5,10},{30,10,10},{31,5,11},{32,8,9},
	{33,9,9},{34,9,9},{36,8,9},{39,6,11},{40,6,9},{41,9,9},{43,4,13},
	{44,9,10},{45,8,8},{46,7,9},{47,5,8},{48,6,9},{49,4,15},{51,8,9},
	{52,10,11},{53,6,10},{54,10,11},{55,10,11},{56,9,9},{57,10,10},
	{58,10,10},{61,5,9},{62,7,12},{63,6,10},{64,5,10},{66,8,9},{81,9,10},
	{84,7,10},{86,7,11},{90,7,10},{91,10,10},{92,9,12},{93,9,9},{94,9,9},
	{95,6,10},{98,4,10},{211,9,9},{212,9,9},{213,8,9},{216,8,8},{218,9,9},
	{220,7,7},{221,9,9},{222,8,8},{223,8,8},{224,8,9},{225,10,10},
	{226,8,8},{227,8,8},{228,8,8},{229,8,8},{230,7,8},{231,7,9},{232,8,8},
	{233,9,9},{234,7,14},{235,8,8},{236,8,8},{237,9,9},{238,7,7},{239,7,7},
	{240,9,9},{241,7,8},{242,9,9},{243,7,9},{244,9,9},{245,7,9},{246,7,7},
	{247,5,6},{248,7,7},{249,9,9},{250,8,9},{251,9,9},{252,6,9},{253,8,8},
	{254,7,9},{255,9,9},{256,9,9},{257,8,8},{258,8,9},{260,9,9},{261,9,9},
	{262,9,9},{263,5,10},{264,8,9},{265,7,9},{266,8,8},{267,7,8},{268,8,8},
	{269,7,7},{290,4,5},{291,7,7},{297,7,7},{298,6,6},{299,6,6},{350,8,8},
	{351,9,9},{352,4,11},{353,7,10},{354,7,9},{355,8,9},{356,8,8},{357,8,8},
	{358,5,12},{359,6,9},{370,8,8},{371,8,8},{372,7,8},{373,8,8},{374,8,8},
	{375,9,9},{376,6,9},{377,8,9},{378,8,10},{380,9,9},{381,6,12},{382,8,8},
	{383,8,9},{385,8,9},{386,8,8},{387,8,9},{389,8,8},{420,9,9},{421,6,9},
	{423,7,9},{500,5,5},{501,7,7},{502,8,8},{503,8,8},{504,8,8},{505,8,8},
	{506,8,8},{507,7,8},{508,6,6},{509,8,8},{590,9,9},{591,8,8},{592,7,7},
	{593,8,9},{594,9,9},{595,6,9},{596,9,9},{597,6,7},{598,8,8},{599,7,8},
	{670,7,8},{672,6,6},{673,7,7},{674,7,7},{675,7,8},{676,5,7},{677,5,7},
	{678,5,7},{679,7,7},{680,7,7},{681,6,6},{682,5,5},{683,4,7},{685,5,10},
	{686,5,8},{687,6,6},{688,5,7},{689,6,8},{690,4,7},{691,7,7},{692,7,7},
	{850,8,10},{852,8,8},{853,8,8},{855,8,9},{856,8,10},{880,6,10},
	{886,8,11},{960,7,7},{961,7,8},{962,8,9},{963,8,9},{964,8,10},{965,8,8},
	{966,9,10},{967,7,9},{968,8,8},{970,8,9},{971,8,9},{972,8,12},{973,8,8},
	{974,7,8},{975,7,8},{976,8,10},{977,8,10},{992,9,9},{993,8,8},{994,9,9},
	{995,9,9},{996,9,9},{998,9,9},
};

enum lt_valid lt_valid_e164_phone(const char *s, size_t n)
{
	char d[NORM_MAX];
	const char *nat;
	size_t len;
	int k;

	s = trim(s, &n);
	k = phone_norm(s, n, d, sizeof d);
	if (k < 9 || k > 16 || d[0] != '+' || d[1] == '0') /* 8-15 digits */
		return LT_VALID_NO;
	for (size_t ccl = 1; ccl <= 3; ccl++) {
		int cc = num_at(d + 1, ccl);
		size_t lo = 0, hi = sizeof e164 / sizeof e164[0], i;

		while (lo < hi) { /* binary search: the table is sorted */
			size_t mid = (lo + hi) / 2;

			if (e164[mid].cc < cc)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
		if (i < sizeof e164 / sizeof e164[0] && e164[i].cc == cc) {
			nat = d + 1 + ccl;
			/* "+44 (0)20 ...": the bracketed trunk 0 is no digit
			 * of the number */
			if (nat[0] == '0' && memmem(s, n, "(0)", 3))
				nat++;
			len = strlen(nat);
			if (len < e164[i].min || len > e164[i].max)
				return LT_VALID_NO;
			if (cc == 1) /* NANP: NPA and NXX start 2-9 */
				return nat[0] >= '2' && nat[3] >= '2'
					       ? LT_VALID_OK : LT_VALID_NO;
			return LT_VALID_OK;
		}
	}
	return LT_VALID_NO; /* unassigned, or +60/+65/+82 */
}

/* ---- IP addresses (section 12) ----------------------------------------------- */

static bool ipv4_ok(const char *s, size_t n, int *oct)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t j = i;
		int v = 0;

		if (part > 0) {
			if (i >= n || s[i] != '.')
				return false;
			j = ++i;
		}
		while (i < n && is_digit(s[i]) && i - j < 3)
			v = v * 10 + (s[i++] - '0');
		if (i == j || v > 255 || (s[j] == '0' && i - j > 1))
			return false;
		if (oct)
			oct[part] = v;
	}
	return i == n;
}

static bool ipv6_ok(const char *s, size_t n)
{
	size_t i = 0, groups = 0, two_hex = 0;
	bool gap = false;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = true;
		i = 2;
		if (i == n)
			return false; /* "::" alone: no address */
	} else if (n && s[0] == ':') {
		return false;
	}
	while (i < n) {
		size_t j = i;

		while (i < n && lt_hexval((unsigned char)s[i]) >= 0 && i - j < 5)
			i++;
		if (i < n && s[i] == '.') { /* embedded IPv4 closes it */
			if (!ipv4_ok(s + j, n - j, NULL))
				return false;
			groups += 2;
			i = n;
			break;
		}
		if (i == j || i - j > 4)
			return false;
		two_hex += i - j == 2;
		groups++;
		if (i == n)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < n && s[i] == ':') {
			if (gap)
				return false;
			gap = true;
			i++;
		} else if (i == n) {
			return false; /* trailing single ':' */
		}
	}
	if (gap ? groups > 7 : groups != 8)
		return false;
	/* EUI-64 / MAC-style aa:bb:cc:dd:ee:ff:00:11 */
	return gap || two_hex < 8;
}

enum lt_valid lt_valid_ip(const char *s, size_t n)
{
	const char *pct;
	int oct[4];

	s = trim(s, &n);
	if (n && s[0] == '[') { /* "[2001:db8::1]" or "[...]:8080" */
		const char *end = memchr(s, ']', n);
		size_t rest;

		if (!end)
			return LT_VALID_NO;
		rest = n - (size_t)(end + 1 - s);
		if (rest && (end[1] != ':' || rest < 2 || rest > 6 ||
			     !all_digits(end + 2, rest - 1)))
			return LT_VALID_NO;
		s++;
		n = (size_t)(end - s);
		if (!memchr(s, ':', n))
			return LT_VALID_NO;
	}
	if (n < 3 || n > 64)
		return LT_VALID_NO;
	if (!memchr(s, ':', n)) {
		/* 0.x.x.x is "this network", 255.x.x.x a netmask; a.b.x.x
		 * with a < 10 and b < 20 reads as a version number (1.2.3.4,
		 * 2.0.1.15) far more often than as someone's address */
		if (!ipv4_ok(s, n, oct) || oct[0] == 0 || oct[0] == 255 ||
		    (oct[0] < 10 && oct[1] < 20))
			return LT_VALID_NO;
		return LT_VALID_OK;
	}
	pct = memchr(s, '%', n);
	if (pct) { /* zone id (RFC 6874) */
		size_t zn = n - (size_t)(pct + 1 - s);

		if (zn == 0)
			return LT_VALID_NO;
		for (size_t i = 0; i < zn; i++) {
			char c = pct[1 + i];

			if (!is_digit(c) && !is_alpha(c) && !strchr("._~-", c))
				return LT_VALID_NO;
		}
		n = (size_t)(pct - s);
	}
	return ipv6_ok(s, n) ? LT_VALID_OK : LT_VALID_NO;
}

/* ---- dates of birth (section 13) --------------------------------------------- */

/* Month from its English or Malay name or abbreviation ("Mar", "Mac",
 * "Ogos", "Disember"); 0 when none. */
static int month_name(const char *s, size_t n)
{
	static const char *const m3[] = { "jan", "feb", "mar", "apr", "may",
					  "jun", "jul", "aug", "sep", "oct",
					  "nov", "dec" };
	static const struct {
		const char *name;
		int month;
	} ms[] = { { "mac", 3 }, { "mei", 5 }, { "ogo", 8 }, { "okt", 10 },
		   { "dis", 12 }, { "jul", 7 } };
	char w[4];

	if (n < 3 || n > 10)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (!is_alpha(s[i]))
			return 0;
		w[i] = (char)(to_upper(s[i]) + 32);
	}
	w[3] = '\0';
	for (size_t i = 3; i < n; i++)
		if (!is_alpha(s[i]) && !(s[i] == '.' && i + 1 == n))
			return 0;
	for (int i = 0; i < 12; i++)
		if (!strcmp(w, m3[i]))
			return i + 1;
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
		if (!strcmp(w, ms[i].name))
			return ms[i].month;
	return 0;
}

/* Whether y-m-d is a real date, not after today and at most 120 years
 * before it (UTC). */
static bool birth_date_ok(int y, int m, int d)
{
	const struct today *t;
	int64_t day;

	if (y < 1800 || y > 9999 || !valid_date(y, m, d))
		return false;
	day = lt_days_from_civil(y, m, d);
	t = today();
	return day <= t->days && day >= t->oldest;
}

/* One field of a written date: a run of digits or of letters (a month
 * name, with its final '.'); separators and 년/월/일 fall between fields. */
struct dfield {
	const char *p;
	size_t n;
	bool digits;
};

enum lt_valid lt_valid_dob(const char *s, size_t n)
{
	struct dfield f[4];
	size_t nf = 0, i = 0, cut;
	int y = 0, m = 0, d = 0;

	s = trim(s, &n);
	cut = n;
	/* drop a time part (" 00:00", "T00:00:00Z"; the pattern admits
	 * midnight only) */
	for (size_t k = 1; k + 2 < n; k++) {
		if ((s[k] == ' ' || s[k] == 'T') && is_digit(s[k - 1]) &&
		    is_digit(s[k + 1]) && memchr(s + k, ':', n - k)) {
			cut = k;
			break;
		}
	}
	n = cut;
	while (i < n) {
		size_t j = i;

		if (is_digit(s[i])) {
			while (j < n && is_digit(s[j]))
				j++;
		} else if (is_alpha(s[i])) {
			while (j < n && is_alpha(s[j]))
				j++;
			if (j < n && s[j] == '.')
				j++;
		} else if ((unsigned char)s[i] >= 0x80) { /* 년 월 일 */
			while (j < n && (unsigned char)s[j] >= 0x80)
				j++;
			i = j;
			continue;
		} else {
			i++;
			continue;
		}
		if (nf == 4)
			return LT_VALID_NO;
		f[nf].p = s + i;
		f[nf].n = j - i;
		f[nf].digits = is_digit(s[i]);
		nf++;
		i = j;
	}
	if (nf == 1 && f[0].digits && f[0].n == 8) { /* YYYYMMDD */
		y = num_at(s, 4);
		m = num_at(s + 4, 2);
		d = num_at(s + 6, 2);
		return birth_date_ok(y, m, d) ? LT_VALID_OK : LT_VALID_NO;
	}
	if (nf != 3)
		return LT_VALID_NO;
	if (f[0].digits && f[0].n == 4 && f[1].digits && f[2].digits &&
	    f[1].n <= 2 && f[2].n <= 2) { /* Y M D */
		y = num_at(f[0].p, 4);
		m = num_at(f[1].p, f[1].n);
		d = num_at(f[2].p, f[2].n);
	} else if (f[0].digits && f[0].n <= 2 && f[2].digits && f[2].n == 4) {
		y = num_at(f[2].p, 4);
		d = num_at(f[0].p, f[0].n);
		if (f[1].digits && f[1].n <= 2) { /* D M Y, or M D Y */
			m = num_at(f[1].p, f[1].n);
			if (!birth_date_ok(y, m, d)) {
				int t = m;

				m = d;
				d = t;
			}
		} else if (!f[1].digits) { /* D MMM Y */
			m = month_name(f[1].p, f[1].n);
		}
	} else if (!f[0].digits && f[1].digits && f[1].n <= 2 &&
		   f[2].digits && f[2].n == 4) { /* MMM D, Y */
		m = month_name(f[0].p, f[0].n);
		d = num_at(f[1].p, f[1].n);
		y = num_at(f[2].p, 4);
	} else {
		return LT_VALID_NO;
	}
	return birth_date_ok(y, m, d) ? LT_VALID_OK : LT_VALID_NO;
}

/* ---- person names -------------------------------------------------------------- */


enum lt_valid lt_valid_person_name(const char *s, size_t n)
{
	struct tok t[8];
	size_t nt, longw = 0;

	s = trim(s, &n);
	if (n && (unsigned char)s[0] >= 0x80)
		return LT_VALID_OK; /* Hangul / CJK: the pattern's shape */
	nt = tokens(s, n, t, sizeof t / sizeof t[0]);
	if (nt < 2)
		return LT_VALID_NO;
	for (size_t i = 0; i < nt; i++) {
		if (t[i].f & W_NOT_NAME)
			return LT_VALID_NO;
		longw += strlen(t[i].low) >= 2;
	}
	if (longw == 0) /* "A B": initials only */
		return LT_VALID_NO;
	/* "Test Test", "Aaa Aaa": every word the same */
	for (size_t i = 1; i < nt; i++)
		if (t[i].n != t[0].n || strncasecmp(t[i].p, t[0].p, t[0].n) != 0)
			return LT_VALID_OK;
	return LT_VALID_NO;
}

/* ---- bank accounts ------------------------------------------------------------- */

enum lt_valid lt_valid_bank_account(const char *s, size_t n)
{
	char d[NORM_MAX];
	char sep = 0;
	bool same = true, up = true, down = true;
	int k;

	s = trim(s, &n);
	k = digits_only(s, n, "- ", d, sizeof d);
	if (k < 9 || k > 16)
		return LT_VALID_NO;
	for (size_t i = 0; i < n; i++) { /* one kind of separator, between digits */
		if (is_digit(s[i]))
			continue;
		if ((sep && s[i] != sep) || i == 0 || i + 1 == n ||
		    !is_digit(s[i + 1]))
			return LT_VALID_NO;
		sep = s[i];
	}
	for (int i = 1; i < k; i++) {
		same = same && d[i] == d[0];
		up = up && d[i] == (char)('0' + (d[i - 1] - '0' + 1) % 10);
		down = down && d[i] == (char)('0' + (d[i - 1] - '0' + 9) % 10);
	}
	/* 000000000, 123456789, 987654321: placeholders */
	if (same || up || down)
		return LT_VALID_NO;
	/* Other identifiers of the same shape: a payment card (Luhn and an
	 * issuer's prefix and length), a Korean RRN written YYMMDD-NNNNNNN,
	 * a mobile number (010-..., 012-...), an EAN-13 barcode (check
	 * digit: weights 1 and 3 from the left). */
	if (lt_valid_luhn_card(s, n) == LT_VALID_OK)
		return LT_VALID_NO;
	if (k == 13 && n == 14 && s[6] == '-' &&
	    lt_valid_kr_rrn(s, n) != LT_VALID_NO)
		return LT_VALID_NO;
	if (d[0] == '0' && d[1] == '1' && (lt_valid_kr_phone(s, n) ||
					   lt_valid_my_phone(s, n)))
		return LT_VALID_NO;
	if (k == 13 && n == 13) {
		int sum = 0;

		for (int i = 0; i < 12; i++)
			sum += (d[i] - '0') * (i % 2 ? 3 : 1);
		if ((10 - sum % 10) % 10 == d[12] - '0')
			return LT_VALID_NO;
	}
	return LT_VALID_OK;
}

/* ---- lookup ---------------------------------------------------------------- */

static const struct {
	const char *name;
	lt_validator_fn fn;
	bool has_checksum;
} validators[] = {
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

lt_validator_fn lt_validator_find(const char *name, bool *has_checksum)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof validators / sizeof validators[0]; i++) {
		if (strcmp(validators[i].name, name) == 0) {
			if (has_checksum)
				*has_checksum = validators[i].has_checksum;
			return validators[i].fn;
		}
	}
	return NULL;
}
