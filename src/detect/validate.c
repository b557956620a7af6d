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
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
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

/* Whether y-mo-d lies after the current UTC date.  The one input of a
 * validator that is not its argument: a birth date cannot be in the
 * future, whatever --now says about retention. */
static bool after_today(int y, int mo, int d)
{
	time_t now;
	struct tm tm;

	if (y < 2000) /* cheap exit for every past century */
		return false;
	now = time(NULL);
	if (!gmtime_r(&now, &tm))
		return false;
	if (y != tm.tm_year + 1900)
		return y > tm.tm_year + 1900;
	if (mo != tm.tm_mon + 1)
		return mo > tm.tm_mon + 1;
	return d > tm.tm_mday;
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
