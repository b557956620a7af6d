/*
 * shape.c - the bytes a pattern cannot tell apart (detect module).
 *
 * A backtracking matcher decides everything by testing subject bytes
 * against the sets its pattern names: literals, classes, \d, \w, '.', the
 * edges of \b.  Split the 256 byte values into classes so that every such
 * set is a union of classes; then two subjects of the same length whose
 * bytes are of the same class position by position take the same path
 * through the pattern and match at the same offsets.  match.c uses this to
 * reuse PCRE2's answer for a cell of an already seen shape ("9999-99-99"
 * for a card pattern, to which every digit is alike).
 *
 * The analysis reads the pattern text and is conservative: every byte that
 * appears in the pattern is a class of its own (and its other case), each
 * range or escape adds its set, every byte >= 0x80 is a class of its own
 * (so UTF-8 characters and whatever Unicode property or case folding tests
 * them compare exactly), and a pattern using syntax it does not know gets
 * no classes at all (0: match.c then never reuses answers for it).  Extra
 * classes only cost cache hits, never correctness; a missing one would, so
 * test_shape_property checks the classes of every shipped pattern against
 * PCRE2 itself on random class-preserving substitutions.
 *
 * Backreferences compare captured bytes, so they are allowed only to
 * groups whose content is a literal or a bracket class of single
 * characters: every byte they can capture is then a class of its own.
 */
#include <string.h>

#include "lethe/detect.h"

#define MAX_GROUPS 64

struct set { uint64_t w[2]; };   /* ASCII bytes 0..127 */

struct ana {
	const char *p;
	size_t i, n;
	uint8_t cls[128];        /* the partition of ASCII so far */
	bool bad;
	bool singles;            /* each character of a bracket class is a
	                          * class of its own (for backreferences) */
	bool caseless;           /* (?i) somewhere */
	bool nonascii;           /* a non-ASCII literal, \x{80+} or \p */
	int ngroups;
	size_t gbeg[MAX_GROUPS + 1], gend[MAX_GROUPS + 1];
	int refs[MAX_GROUPS];    /* backreferenced group numbers */
	int nrefs;
};

static void set_add(struct set *s, unsigned c)
{
	if (c < 128)
		s->w[c >> 6] |= (uint64_t)1 << (c & 63);
}

static void set_range(struct set *s, unsigned a, unsigned b)
{
	for (unsigned c = a; c <= b && c < 128; c++)
		set_add(s, c);
}

static bool set_has(const struct set *s, unsigned c)
{
	return c < 128 && (s->w[c >> 6] >> (c & 63) & 1);
}

/* Splits every class into its part inside s and its part outside. */
static void refine1(struct ana *a, const struct set *s)
{
	int16_t to[256];
	int n = 0;

	for (int k = 0; k < 256; k++)
		to[k] = -1;
	for (unsigned c = 0; c < 128; c++) {
		int k = a->cls[c] * 2 + set_has(s, c);

		if (to[k] < 0)
			to[k] = (int16_t)n++;
		a->cls[c] = (uint8_t)to[k];
	}
}

/* Refines by s and by s with the case of its letters swapped: a caseless
 * part of the pattern tests both. */
static void refine(struct ana *a, const struct set *s)
{
	struct set sw = { { 0, 0 } };

	refine1(a, s);
	for (unsigned c = 0; c < 128; c++)
		if (set_has(s, c)) {
			if (c >= 'A' && c <= 'Z')
				set_add(&sw, c + 32);
			else if (c >= 'a' && c <= 'z')
				set_add(&sw, c - 32);
			else
				set_add(&sw, c);
		}
	refine1(a, &sw);
}

static void refine_char(struct ana *a, unsigned c)
{
	struct set s = { { 0, 0 } };

	if (c >= 128) {
		a->nonascii = true;
		return;
	}
	set_add(&s, c);
	refine(a, &s);
}

static void refine_range(struct ana *a, unsigned lo, unsigned hi)
{
	struct set s = { { 0, 0 } };

	if (hi >= 128)
		a->nonascii = true;
	set_range(&s, lo, hi);
	refine(a, &s);
}

/* The code point of the UTF-8 character at a->p[a->i]; advances. */
static unsigned take_char(struct ana *a)
{
	const unsigned char *u = (const unsigned char *)a->p + a->i;
	unsigned c = u[0];
	size_t len = 1;

	if (c >= 0xf0 && a->i + 3 < a->n) {
		c = (c & 7u) << 18 | (u[1] & 63u) << 12 | (u[2] & 63u) << 6 |
		    (u[3] & 63u);
		len = 4;
	} else if (c >= 0xe0 && a->i + 2 < a->n) {
		c = (c & 15u) << 12 | (u[1] & 63u) << 6 | (u[2] & 63u);
		len = 3;
	} else if (c >= 0xc0 && a->i + 1 < a->n) {
		c = (c & 31u) << 6 | (u[1] & 63u);
		len = 2;
	}
	a->i += len;
	return c;
}

/* \x{hhh} or \xhh, with a->i just past the 'x'. */
static long take_hex(struct ana *a)
{
	long v = 0;
	int k = 0;

	if (a->i < a->n && a->p[a->i] == '{') {
		a->i++;
		while (a->i < a->n && a->p[a->i] != '}') {
			int h = lt_hexval(a->p[a->i++]);

			if (h < 0 || ++k > 8)
				return -1;
			v = v * 16 + h;
		}
		if (a->i >= a->n || k == 0)
			return -1;
		a->i++;
		return v;
	}
	while (k < 2 && a->i < a->n && lt_hexval(a->p[a->i]) >= 0) {
		v = v * 16 + lt_hexval(a->p[a->i++]);
		k++;
	}
	return v;
}

/* \p{Name}, \pL: the ASCII part of the property, with a->i just past the
 * 'p' or 'P' (complements split alike).  Unknown names fail. */
static bool take_prop(struct ana *a, struct set *s)
{
	static const struct { const char *name; const char *lo, *hi; } props[] = {
		{ "L", "Aa", "Zz" }, { "L&", "Aa", "Zz" }, { "Lu", "A", "Z" },
		{ "Ll", "a", "z" }, { "N", "0", "9" }, { "Nd", "0", "9" },
		{ "Lt", "", "" }, { "Lm", "", "" }, { "Lo", "", "" },
		{ "Hangul", "", "" }, { "Han", "", "" },
		{ "Hiragana", "", "" }, { "Katakana", "", "" },
	};
	char name[16];
	size_t k = 0;

	a->nonascii = true;
	if (a->i >= a->n)
		return false;
	if (a->p[a->i] == '{') {
		a->i++;
		while (a->i < a->n && a->p[a->i] != '}' && k + 1 < sizeof name)
			name[k++] = a->p[a->i++];
		if (a->i >= a->n || a->p[a->i] != '}')
			return false;
		a->i++;
	} else {
		name[k++] = a->p[a->i++];
	}
	name[k] = '\0';
	if (name[0] == '^')
		memmove(name, name + 1, k);
	for (size_t j = 0; j < sizeof props / sizeof props[0]; j++)
		if (strcmp(name, props[j].name) == 0) {
			for (size_t r = 0; props[j].lo[r]; r++)
				set_range(s, (unsigned char)props[j].lo[r],
					  (unsigned char)props[j].hi[r]);
			return true;
		}
	return false;
}

enum esc { ESC_BAD, ESC_CHAR, ESC_SET, ESC_NONE };

/* One escape, a->i just past the backslash.  A character goes to *c, a
 * set to *s; ESC_NONE for assertions that test no byte (\A \z \K \G). */
static enum esc take_escape(struct ana *a, bool in_class, unsigned *c,
			    struct set *s)
{
	char e;

	if (a->i >= a->n)
		return ESC_BAD;
	e = a->p[a->i++];
	switch (e) {
	case 'd': case 'D':
		set_range(s, '0', '9');
		return ESC_SET;
	case 'w': case 'W': case 'b': case 'B':
		if (in_class && e == 'b') {
			*c = 8;
			return ESC_CHAR;
		}
		if (in_class && e == 'B')
			return ESC_BAD;
		set_range(s, '0', '9');
		set_range(s, 'A', 'Z');
		set_range(s, 'a', 'z');
		set_add(s, '_');
		return ESC_SET;
	case 's': case 'S':
		set_range(s, '\t', '\r');
		set_add(s, ' ');
		return ESC_SET;
	case 'h': case 'H':
		set_add(s, '\t');
		set_add(s, ' ');
		a->nonascii = true;
		return ESC_SET;
	case 'v': case 'V':
		set_range(s, '\n', '\r');
		a->nonascii = true;
		return ESC_SET;
	case 'p': case 'P':
		return take_prop(a, s) ? ESC_SET : ESC_BAD;
	case 'x': {
		long v = take_hex(a);

		if (v < 0)
			return ESC_BAD;
		*c = (unsigned)v;
		return ESC_CHAR;
	}
	case 'n': *c = '\n'; return ESC_CHAR;
	case 'r': *c = '\r'; return ESC_CHAR;
	case 't': *c = '\t'; return ESC_CHAR;
	case 'f': *c = '\f'; return ESC_CHAR;
	case 'e': *c = 27; return ESC_CHAR;
	case 'a': *c = 7; return ESC_CHAR;
	case 'A': case 'z': case 'Z': case 'K': case 'G': case 'E':
		if (in_class)
			return ESC_BAD;
		if (e == 'Z') { /* before a final newline */
			set_add(s, '\n');
			return ESC_SET;
		}
		return ESC_NONE;
	default:
		break;
	}
	if (e >= '1' && e <= '9' && !in_class) {
		int g = e - '0';

		while (a->i < a->n && a->p[a->i] >= '0' && a->p[a->i] <= '9')
			if ((g = g * 10 + (a->p[a->i++] - '0')) > MAX_GROUPS)
				return ESC_BAD;
		if (a->nrefs == MAX_GROUPS)
			return ESC_BAD;
		a->refs[a->nrefs++] = g;
		return ESC_NONE;
	}
	/* letters and digits not named above: \Q, \N, \R, \X, \C, \g, \k,
	 * \c, \o, \0, POSIX oddities; punctuation stands for itself */
	if ((e >= '0' && e <= '9') || (e >= 'A' && e <= 'Z') ||
	    (e >= 'a' && e <= 'z') || (unsigned char)e >= 0x80)
		return ESC_BAD;
	*c = (unsigned char)e;
	return ESC_CHAR;
}

/* One element of a bracket class: a character to *c, or a set. */
static enum esc class_elem(struct ana *a, unsigned *c, struct set *s)
{
	if (a->p[a->i] == '[' && a->i + 1 < a->n &&
	    (a->p[a->i + 1] == ':' || a->p[a->i + 1] == '.' ||
	     a->p[a->i + 1] == '='))
		return ESC_BAD; /* POSIX classes, collating elements */
	if (a->p[a->i] == '\\') {
		enum esc k;

		a->i++;
		k = take_escape(a, true, c, s);
		return k == ESC_NONE ? ESC_BAD : k;
	}
	*c = take_char(a);
	return ESC_CHAR;
}

/* A bracket class, a->i just past the '['. */
static void take_class(struct ana *a)
{
	bool first = true;
	struct set chars = { { 0, 0 } };   /* the single characters */

	if (a->i < a->n && a->p[a->i] == '^')
		a->i++;
	while (a->i < a->n && !a->bad) {
		struct set s = { { 0, 0 } };
		unsigned c = 0, hi = 0;
		enum esc k;

		if (a->p[a->i] == ']' && !first) {
			a->i++;
			refine(a, &chars);
			return;
		}
		first = false;
		k = class_elem(a, &c, &s);
		if (k == ESC_BAD) {
			a->bad = true;
			return;
		}
		if (k == ESC_SET) {
			refine(a, &s);
			continue;
		}
		/* a range c-hi, unless '-' ends the class */
		if (a->i + 1 < a->n && a->p[a->i] == '-' && a->p[a->i + 1] != ']') {
			struct set s2 = { { 0, 0 } };

			a->i++;
			k = class_elem(a, &hi, &s2);
			if (k != ESC_CHAR || hi < c) {
				a->bad = true;
				return;
			}
			refine_range(a, c, hi);
			continue;
		}
		if (a->singles || c >= 128)
			refine_char(a, c);
		else
			set_add(&chars, c);
	}
	a->bad = true; /* no closing ']' */
}

/* A counted quantifier at a->p[a->i]: "{n}", "{n,}" or "{n,m}" (the forms
 * every PCRE2 reads as one; anything else is literal text).  Skips it. */
static bool take_count(struct ana *a)
{
	size_t j = a->i + 1, d1 = 0;

	while (j < a->n && a->p[j] >= '0' && a->p[j] <= '9')
		j++, d1++;
	if (d1 == 0)
		return false;
	if (j < a->n && a->p[j] == ',') {
		j++;
		while (j < a->n && a->p[j] >= '0' && a->p[j] <= '9')
			j++;
	}
	if (j >= a->n || a->p[j] != '}')
		return false;
	a->i = j + 1;
	return true;
}

/* "(?" options: true unless they switch on extended mode (where '#' and
 * blanks change meaning). */
static bool take_options(struct ana *a)
{
	size_t j = a->i + 1;   /* a->i is at the '?' */

	while (j < a->n && ((a->p[j] >= 'a' && a->p[j] <= 'z') ||
			    (a->p[j] >= 'A' && a->p[j] <= 'Z') ||
			    a->p[j] == '-' || a->p[j] == '^')) {
		if (a->p[j] == 'x' || a->p[j] == 'n')
			return false;   /* extended; no auto-capture */
		if (a->p[j] == 'i')
			a->caseless = true;
		j++;
	}
	return true;
}

static void take_group(struct ana *a, int *stack, int *depth)
{
	int g = 0;   /* capture number, 0: not capturing */

	if (a->i < a->n && a->p[a->i] == '?') {
		char k = a->i + 1 < a->n ? a->p[a->i + 1] : '\0';

		/* branch reset, callouts, comments, conditionals and named
		 * backreferences or calls change numbering or compare text */
		if (k == '|' || k == 'C' || k == '#' || k == '(' ||
		    (k == 'P' && a->i + 2 < a->n &&
		     (a->p[a->i + 2] == '=' || a->p[a->i + 2] == '>'))) {
			a->bad = true;
			return;
		}
		if (!take_options(a)) {
			a->bad = true;
			return;
		}
		if ((k == '<' && a->i + 2 < a->n && a->p[a->i + 2] != '=' &&
		     a->p[a->i + 2] != '!') || k == '\'' ||
		    (k == 'P' && a->i + 2 < a->n && a->p[a->i + 2] == '<'))
			g = ++a->ngroups;   /* named capture */
	} else if (a->i >= a->n || a->p[a->i] != '*') {
		g = ++a->ngroups;
	}
	if (a->ngroups > MAX_GROUPS || *depth == 64) {
		a->bad = true;
		return;
	}
	if (g)
		a->gbeg[g] = a->i;
	stack[(*depth)++] = g;
}

/* Whether group g holds one literal character or a class of single
 * characters, so that the bytes it captures are classes of their own. */
static bool simple_group(const struct ana *a, int g)
{
	const char *s = a->p + a->gbeg[g];
	size_t n = a->gend[g] - a->gbeg[g];

	if (g > a->ngroups || a->gend[g] == 0)
		return false;
	if (n == 1)
		return strchr("\\[](){}|.*+?^$", s[0]) == NULL;
	if (n >= 3 && s[0] == '[' && s[1] != '^' && s[n - 1] == ']') {
		for (size_t j = 1; j + 1 < n; j++)
			if (s[j] == '\\' || s[j] == '[' || s[j] == ']' ||
			    (s[j] == '-' && j != 1 && j != n - 2) ||
			    (unsigned char)s[j] >= 0x80)
				return false;
		return true;
	}
	return false;
}

/* One pass over the pattern; false when it uses unknown syntax. */
static bool analyze(struct ana *a)
{
	int stack[64], depth = 0;

	while (a->i < a->n && !a->bad) {
		unsigned char ch = (unsigned char)a->p[a->i];
		struct set s = { { 0, 0 } };
		unsigned c = 0;

		switch (ch) {
		case '\\':
			a->i++;
			switch (take_escape(a, false, &c, &s)) {
			case ESC_BAD: a->bad = true; break;
			case ESC_CHAR: refine_char(a, c); break;
			case ESC_SET: refine(a, &s); break;
			case ESC_NONE: break;
			}
			break;
		case '[':
			a->i++;
			take_class(a);
			break;
		case '(':
			a->i++;
			take_group(a, stack, &depth);
			break;
		case ')':
			a->i++;
			if (depth == 0) {
				a->bad = true;
				break;
			}
			depth--;
			if (stack[depth])
				a->gend[stack[depth]] = a->i - 1;
			break;
		case '{':
			if (!take_count(a))
				refine_char(a, take_char(a));
			break;
		case '.':   /* any byte but a newline */
			a->i++;
			set_add(&s, '\n');
			refine(a, &s);
			break;
		default:
			/* a literal, or syntax ('|', '?', "?<!"): a class of
			 * its own either way, which costs nothing */
			refine_char(a, take_char(a));
			break;
		}
	}
	if (a->bad || depth != 0)
		return false;
	for (int r = 0; r < a->nrefs; r++)
		if (!simple_group(a, a->refs[r]))
			return false;
	return true;
}

bool lt_shape_classes(const char *pattern, uint8_t cls[256])
{
	struct ana a;

	for (int pass = 0; pass < 2; pass++) {
		memset(&a, 0, sizeof a);
		a.p = pattern;
		a.n = strlen(pattern);
		a.singles = pass == 1;
		if (!analyze(&a))
			return false;
		if (a.nrefs == 0)
			break;   /* else again, with class characters apart */
	}
	/* newline conventions ('$', '^', '.', any of them a (*VERB) may
	 * choose); caseless matching folds a few
	 * non-ASCII characters onto ASCII letters (U+212A K, U+017F s,
	 * U+0130/0131 i): with both in play, every letter is its own class */
	for (unsigned nl = 0; nl <= '\r'; nl++)   /* NUL, \n, \v, \f, \r */
		if (nl == 0 || nl >= '\n')
			refine_char(&a, nl);
	if (a.caseless && a.nonascii)
		for (unsigned l = 'A'; l <= 'Z'; l++)
			refine_char(&a, l);
	for (int c = 0; c < 128; c++)
		cls[c] = a.cls[c];
	for (int c = 128; c < 256; c++)
		cls[c] = (uint8_t)c;
	return true;
}

/* The class at p (just past its '['), up to its ']': whether it holds
 * every ASCII letter and digit, as the ranges A-Z, a-z and 0-9 or \w.
 * *end is set past the ']'. */
static bool class_has_alnum(const char *p, size_t *end)
{
	bool up = false, lo = false, dg = false;
	size_t i = 0;

	if (p[0] == '^')
		return false;
	for (; p[i] && (p[i] != ']' || i == 0); i++) {
		if (p[i] == '\\') {
			if (p[i + 1] == 'w')
				up = lo = dg = true;
			if (p[i + 1] == 'd')
				dg = true;
			if (!p[i + 1])
				return false;
			i++;
			if (p[i + 1] == '-' && p[i + 2] != ']')
				return false;   /* "\.-A": a range, not read here */
			continue;
		}
		if (p[i + 1] == '-' && p[i + 2] && p[i + 2] != ']') {
			up |= p[i] == 'A' && p[i + 2] == 'Z';
			lo |= p[i] == 'a' && p[i + 2] == 'z';
			dg |= p[i] == '0' && p[i + 2] == '9';
			i += 2;
		}
	}
	if (p[i] != ']')
		return false;
	*end = i + 1;
	return up && lo && dg;
}

bool lt_shape_starts_at_edge(const char *pattern)
{
	const char *p = pattern;
	size_t i, end = 0;
	int depth = 0;
	bool closed = false;    /* the lookbehind's ')' is behind us */

	/* "(?<![...A-Za-z0-9...]" then "|" or ")": the lookbehind refuses a
	 * start right after a letter or digit whatever its other branches */
	if (strncmp(p, "(?<![", 5) != 0 || !class_has_alnum(p + 5, &end) ||
	    (p[5 + end] != '|' && p[5 + end] != ')'))
		return false;
	/* and it guards every match: no '|' outside parentheses */
	for (i = 0; p[i]; i++) {
		if (p[i] == '\\') {
			/* \K moves the start, \Q hides syntax */
			if (!p[i + 1] || p[i + 1] == 'K' || p[i + 1] == 'Q')
				return false;
			i++;
		} else if (p[i] == '#') {
			return false;   /* a comment, in (?#...) or (?x) */
		} else if (p[i] == '[') {
			size_t j = i + 1;

			if (p[j] == '^')
				j++;
			if (p[j] == ']')
				j++;
			while (p[j] && p[j] != ']')
				j += p[j] == '\\' && p[j + 1] ? 2 : 1;
			if (!p[j])
				return false;
			i = j;
		} else if (p[i] == '(') {
			depth++;
		} else if (p[i] == ')') {
			/* the lookbehind itself made optional: "(?<!...)?" */
			if (--depth == 0 && !closed && p[i + 1] &&
			    strchr("?*+{", p[i + 1]))
				return false;
			closed |= depth == 0;
		} else if (p[i] == '|' && depth == 0) {
			return false;
		}
	}
	return depth == 0;
}

/* ---- digit words ---------------------------------------------------------
 * A small recursive-descent reading of the pattern, enough to say for a
 * piece of it: may it consume an ASCII letter, and does every match of it
 * consume an ASCII digit.  Anything unknown fails the whole question. */

struct rd {
	const char *p;
	size_t i;
	bool bad;
	bool caseless;      /* (?i) somewhere: a non-ASCII literal may then
	                     * match an ASCII letter (U+212A is 'k') */
	bool nonascii;
	int in_look;        /* inside a lookaround */
	bool cap_in_look;   /* a capturing group inside one */
	bool backref;
	size_t last_item;   /* top level: where the last item starts */
	bool last_quant;    /* ... and whether a quantifier follows it */
};

/* What a piece of pattern may consume: an ASCII letter; a digit in every
 * match; at most mx bytes (NO_MAX: unbounded). */
#define NO_MAX SIZE_MAX
struct piece { bool letter, digit; size_t mx; };

static size_t add_max(size_t a, size_t b)
{
	return a == NO_MAX || b == NO_MAX || a > NO_MAX - b ? NO_MAX : a + b;
}

static size_t mul_max(size_t a, size_t k)
{
	if (a == 0 || k == 0)
		return 0;
	return a == NO_MAX || k == NO_MAX || a > NO_MAX / k ? NO_MAX : a * k;
}

/* Steps over the UTF-8 character at r->i; its length (the pattern was
 * compiled with PCRE2_UTF, so it is well formed). */
static size_t rd_utf8(struct rd *r)
{
	int l = lt_utf8_seq(r->p + r->i, strnlen(r->p + r->i, 4));

	if (l <= 0) {   /* not UTF-8 after all */
		r->bad = true;
		l = 1;
	}
	r->i += (size_t)l;
	return (size_t)l;
}

static struct piece rd_alt(struct rd *r, int depth);

static bool is_letter(unsigned c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static struct piece rd_class(struct rd *r)
{
	struct piece pc = { false, true, 1 };
	bool first = true;

	if (r->p[r->i] == '^') {
		pc.letter = true;
		pc.digit = false;
		pc.mx = 4;      /* any character but these */
		r->i++;
	}
	for (;; first = false) {
		unsigned char c = (unsigned char)r->p[r->i];

		if (!c) {
			r->bad = true;
			return pc;
		}
		if (c == ']' && !first) {
			r->i++;
			return pc;
		}
		if (c == '[' && (r->p[r->i + 1] == ':' || r->p[r->i + 1] == '.' ||
				 r->p[r->i + 1] == '=')) {
			r->bad = true;
			return pc;
		}
		if (c == '\\') {
			char e = r->p[r->i + 1];

			if (!e) {
				r->bad = true;
				return pc;
			}
			r->i += 2;
			if ((unsigned char)e >= 0x80 ||
			    (r->p[r->i] == '-' && r->p[r->i + 1] != ']')) {
				r->bad = true;  /* "\!-~" is a range */
				return pc;
			}
			if (e == 'd')
				continue;
			if (e == 's' || e == 'h' || e == 'v' || (!is_letter(e) &&
			    !(e >= '0' && e <= '9'))) {
				pc.digit = false;   /* a blank or punctuation */
				if (e == 'h' || e == 'v')
					pc.mx = 4;  /* U+2028 and others */
				continue;
			}
			r->bad = true;      /* \w, \p, \x..: not worth it */
			return pc;
		}
		if (r->p[r->i + 1] == '-' && r->p[r->i + 2] &&
		    r->p[r->i + 2] != ']') {
			unsigned char hi = (unsigned char)r->p[r->i + 2];

			if (hi == '\\') {
				r->bad = true;
				return pc;
			}
			if (!(c >= '0' && hi <= '9'))
				pc.digit = false;
			/* any range reaching into or past 'A'..'z' */
			if (!(hi < 'A' || c > 'z' || (c > 'Z' && hi < 'a')))
				pc.letter = true;
			r->i += 3;
			continue;
		}
		if (c >= 0x80) {            /* a UTF-8 character */
			r->nonascii = true;
			pc.digit = false;
			pc.mx = 4;      /* one of them: up to 4 bytes */
			rd_utf8(r);
			continue;
		}
		if (is_letter(c))
			pc.letter = true;
		if (!(c >= '0' && c <= '9'))
			pc.digit = false;
		r->i++;
	}
}

static struct piece rd_atom(struct rd *r, int depth)
{
	struct piece pc = { false, false, 0 };
	unsigned char c = (unsigned char)r->p[r->i];

	switch (c) {
	case '(': {
		bool look = false;

		r->i++;
		if (r->p[r->i] == '*') {
			/* (*UCP) widens \d, (*ACCEPT) ends a match early */
			r->bad = true;
			return pc;
		}
		if (r->p[r->i] == '?') {
			const char *q = r->p + r->i + 1;

			if (q[0] == ':' || q[0] == '>') {
				r->i += 2;
			} else if (q[0] == '=' || q[0] == '!') {
				r->i += 2;
				look = true;
			} else if (q[0] == '<' && (q[1] == '=' || q[1] == '!')) {
				r->i += 3;
				look = true;
			} else {
				/* flags: (?i) or (?i-s:...) */
				size_t j = 0;

				while ((q[j] >= 'a' && q[j] <= 'z') || q[j] == '-') {
					if (q[j] == 'x' || q[j] == 'n')
						r->bad = true;  /* comments; numbering */
					r->caseless |= q[j++] == 'i';
				}
				if (r->bad || j == 0 || (q[j] != ')' && q[j] != ':')) {
					r->bad = true;  /* names, (?|, (?R)... */
					return pc;
				}
				r->i += 1 + j;
				if (q[j] == ')') {
					r->i++;
					return pc;
				}
				r->i++;
			}
		}
		if (r->p[r->i - 1] == '(' && r->in_look)
			r->cap_in_look = true;
		r->in_look += look;
		pc = rd_alt(r, depth + 1);
		r->in_look -= look;
		if (r->p[r->i] != ')') {
			r->bad = true;
			return pc;
		}
		r->i++;
		if (look) { /* zero-width: consumes nothing */
			pc.letter = pc.digit = false;
			pc.mx = 0;
		}
		return pc;
	}
	case '[':
		r->i++;
		return rd_class(r);
	case '.':
		r->i++;
		pc.letter = true;
		pc.mx = 4;
		return pc;
	case '\\': {
		char e = r->p[r->i + 1];

		if (!e) {
			r->bad = true;
			return pc;
		}
		r->i += 2;
		if (e == 'd') {
			pc.digit = true;
			pc.mx = 1;
		} else if (e == 's' || e == 'h' || e == 'v') {
			pc.mx = e == 's' ? 1 : 3;   /* blanks */
		} else if (e == 'b' || e == 'B' || e == 'A' || e == 'z' ||
			   e == 'Z' || e == 'G') {
			/* zero-width */
		} else if (e >= '1' && e <= '9') {
			pc.mx = NO_MAX;
			/* the text of a group: letter-free when the pattern is
			 * (checked at the end), a digit not guaranteed */
			r->backref = true;
			while (r->p[r->i] >= '0' && r->p[r->i] <= '9')
				r->i++;
		} else if (is_letter(e) || e == '0' || (unsigned char)e >= 0x80) {
			/* \K, \w, \p, \x, \g, \k; an escaped UTF-8 character */
			r->bad = true;
		} else {
			pc.mx = 1;          /* escaped punctuation */
		}
		return pc;
	}
	default:
		if (c == '{') {     /* a literal brace, or "{,n}": not worth it */
			r->bad = true;
			return pc;
		}
		if (c >= 0x80) {
			r->nonascii = true;
			pc.mx = rd_utf8(r);
			return pc;
		}
		r->i++;
		pc.letter = is_letter(c);
		pc.digit = c >= '0' && c <= '9';
		pc.mx = 1;
		return pc;
	}
}

/* A quantifier after an atom: its minimum and maximum count (1 and 1
 * when there is none; *max NO_MAX when unbounded). */
static long rd_quant(struct rd *r, bool *had, size_t *max)
{
	long min = 1;
	char c = r->p[r->i];

	*had = true;
	*max = 1;
	if (c == '?' || c == '*') {
		min = 0;
		*max = c == '?' ? 1 : NO_MAX;
		r->i++;
	} else if (c == '+') {
		*max = NO_MAX;
		r->i++;
	} else if (c == '{' && r->p[r->i + 1] == ',') {
		r->bad = true;              /* "{,n}": read differently by
		                             * PCRE2 versions */
		return 1;
	} else if (c == '{' && r->p[r->i + 1] >= '0' && r->p[r->i + 1] <= '9') {
		size_t j = r->i + 1, hi = 0;

		min = 0;
		while (r->p[j] >= '0' && r->p[j] <= '9' && min < 100000)
			min = min * 10 + (r->p[j++] - '0');
		*max = (size_t)min;
		if (r->p[j] == ',') {
			j++;
			*max = NO_MAX;
			if (r->p[j] >= '0' && r->p[j] <= '9') {
				while (r->p[j] >= '0' && r->p[j] <= '9' &&
				       hi < 100000)
					hi = hi * 10 + (size_t)(r->p[j++] - '0');
				*max = hi;
			}
		}
		if (r->p[j] != '}') {
			r->bad = true;      /* literal '{': not worth it */
			return 1;
		}
		r->i = j + 1;
	} else {
		*had = false;
		return 1;
	}
	if (r->p[r->i] == '?' || r->p[r->i] == '+')
		r->i++;                     /* lazy, possessive */
	return min;
}

static struct piece rd_seq(struct rd *r, int depth)
{
	struct piece pc = { false, false, 0 };

	while (!r->bad && r->p[r->i] && r->p[r->i] != '|' && r->p[r->i] != ')') {
		size_t at = r->i, qmax;
		struct piece a = rd_atom(r, depth);
		bool had;
		long min = rd_quant(r, &had, &qmax);

		if (depth == 0) {
			r->last_item = at;
			r->last_quant = had;
		}
		pc.letter |= a.letter;
		pc.digit |= a.digit && min > 0;
		pc.mx = add_max(pc.mx, mul_max(a.mx, qmax));
	}
	return pc;
}

static struct piece rd_alt(struct rd *r, int depth)
{
	struct piece pc = rd_seq(r, depth);

	while (!r->bad && r->p[r->i] == '|') {
		struct piece b;

		r->i++;
		b = rd_seq(r, depth);
		pc.letter |= b.letter;
		pc.digit &= b.digit;
		pc.mx = b.mx > pc.mx ? b.mx : pc.mx;
	}
	return pc;
}

/* Reads the whole pattern; false when a part was unknown or it did not
 * end where the pattern does (an unbalanced ')'). */
static bool rd_read(const char *pattern, struct rd *r, struct piece *pc)
{
	*r = (struct rd){ .p = pattern };
	*pc = rd_alt(r, 0);
	return !r->bad && !r->p[r->i];
}

bool lt_shape_digit_word(const char *pattern)
{
	struct rd r;
	struct piece pc;
	size_t end = 0;
	const char *last;

	if (!lt_shape_starts_at_edge(pattern))
		return false;
	if (!rd_read(pattern, &r, &pc) || pc.letter || !pc.digit ||
	    (r.caseless && r.nonascii) || (r.backref && r.cap_in_look))
		return false;
	/* the last top-level item: "(?![...A-Za-z0-9...]" then '|' or ')' */
	last = pattern + r.last_item;
	return !r.last_quant && strncmp(last, "(?![", 4) == 0 &&
	       class_has_alnum(last + 4, &end) &&
	       (last[4 + end] == '|' || last[4 + end] == ')');
}

size_t lt_shape_max_len(const char *pattern)
{
	struct rd r;
	struct piece pc;

	/* caseless: an ASCII letter may match a longer character (U+212A) */
	if (!rd_read(pattern, &r, &pc) || r.caseless || pc.mx == NO_MAX)
		return 0;
	return pc.mx;
}
