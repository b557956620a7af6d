/*
 * age.c - time zones, dates and ages (module: policy).
 *
 * Where it sits: the plan builder reads a row's age_from cell, calls
 * lt_age_over with the governing rule's retain and the run's --now, and
 * counts the row as over, within or unreadable.  Policies carry their zone
 * compiled here.
 *
 * Zones are read from the tz database by a small TZif parser instead of
 * setenv("TZ") + mktime/localtime, which change process state and are not
 * thread-safe; after loading, a zone is read-only and shared by all workers.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe/policy.h"
#include "lethe/util.h"

#define TZIF_MAX (1u << 20) /* real TZif files are under 4 KiB */
#define MAX_OFFSET (16 * 3600 - 1)

/* ---- civil calendar (proleptic Gregorian, H. Hinnant's algorithms) ------- */

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* 0 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int weekday(int64_t days)
{
	return (int)(days + 4 - lt_floor_div(days + 4, 7) * 7);
}

/* ---- zones --------------------------------------------------------------- */

/* One POSIX TZ rule date: Jn, n or Mm.w.d, plus a time of day. */
struct rdate {
	char kind;    /* 'J', 'N' (zero-based day), 'M' */
	int a, b, c;  /* J/N: day; M: month, week, weekday */
	int32_t time; /* seconds after local midnight (may be <0 or >24h) */
};

struct posix_rule {
	int32_t std_off;   /* east of UTC */
	int32_t dst_off;
	bool has_dst;
	struct rdate start, end;
};

struct lt_tz {
	char name[256];
	bool fixed;
	int32_t off;          /* fixed */
	size_t n_trans;
	int64_t *trans;       /* transition instants, ascending */
	uint8_t *idx;         /* type of each transition */
	int32_t *types;       /* utoff of each type */
	size_t n_types;
	bool has_rule;        /* TZif footer (times past the last transition) */
	struct posix_rule rule;
};

/* "+hh", "+hhmm" or "+hh:mm" (or '-'), within 15:59. */
static int parse_fixed(const char *s, int32_t *off)
{
	size_t n = strlen(s);
	int hh, mm = 0;
	const char *m;

	if ((n != 3 && n != 5 && n != 6) || (s[0] != '+' && s[0] != '-') ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
		return -1;
	hh = (s[1] - '0') * 10 + (s[2] - '0');
	if (n > 3) {
		m = n == 6 ? s + 4 : s + 3;
		if ((n == 6 && s[3] != ':') || !isdigit((unsigned char)m[0]) ||
		    !isdigit((unsigned char)m[1]))
			return -1;
		mm = (m[0] - '0') * 10 + (m[1] - '0');
	}
	if (hh > 15 || mm > 59)
		return -1;
	*off = (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	return 0;
}

static bool zone_name_ok(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (n == 0 || n >= 200 || s[0] == '/' || s[n - 1] == '/')
		return false;
	for (p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("_+-/", *p))
			return false;
		if (*p == '/' && p[1] == '/')
			return false;
	}
	return true;
}

/* POSIX TZ string parsing (the TZif footer). */
static const char *ptz_name(const char *p)
{
	const char *q = p;

	if (*p == '<') {
		q = strchr(p, '>');
		return q && q > p + 1 ? q + 1 : NULL;
	}
	while (isalpha((unsigned char)*q))
		q++;
	return q - p >= 3 ? q : NULL;
}

/* [+-]h[h[h]][:mm[:ss]] in seconds; hours up to 167. */
static const char *ptz_time(const char *p, int32_t *out)
{
	int sign = 1, h = 0, m = 0, s = 0, k = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	while (isdigit((unsigned char)*p) && k < 3)
		h = h * 10 + (*p++ - '0'), k++;
	if (k == 0 || h > 167)
		return NULL;
	if (*p == ':') {
		p++;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
			return NULL;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':') {
			p++;
			if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
				return NULL;
			s = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
	}
	if (m > 59 || s > 59)
		return NULL;
	*out = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *ptz_num(const char *p, int *out, int max)
{
	int v = 0, k = 0;

	while (isdigit((unsigned char)*p) && k < 4)
		v = v * 10 + (*p++ - '0'), k++;
	if (k == 0 || v > max)
		return NULL;
	*out = v;
	return p;
}

static const char *ptz_rdate(const char *p, struct rdate *r)
{
	r->time = 7200;
	if (*p == 'J') {
		r->kind = 'J';
		p = ptz_num(p + 1, &r->a, 365);
		if (!p || r->a < 1)
			return NULL;
	} else if (*p == 'M') {
		r->kind = 'M';
		if (!(p = ptz_num(p + 1, &r->a, 12)) || r->a < 1 || *p++ != '.' ||
		    !(p = ptz_num(p, &r->b, 5)) || r->b < 1 || *p++ != '.' ||
		    !(p = ptz_num(p, &r->c, 6)))
			return NULL;
	} else {
		r->kind = 'N';
		if (!(p = ptz_num(p, &r->a, 365)))
			return NULL;
	}
	if (*p == '/')
		p = ptz_time(p + 1, &r->time);
	return p;
}

static int parse_posix(const char *p, struct posix_rule *r)
{
	int32_t t;

	memset(r, 0, sizeof *r);
	if (!(p = ptz_name(p)) || !(p = ptz_time(p, &t)))
		return -1;
	r->std_off = -t;
	if (!*p)
		return 0;
	if (!(p = ptz_name(p)))
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = ptz_time(p, &t)))
			return -1;
		r->dst_off = -t;
	}
	if (!*p) { /* POSIX default: US rules */
		r->start = (struct rdate){ 'M', 3, 2, 0, 7200 };
		r->end = (struct rdate){ 'M', 11, 1, 0, 7200 };
		return 0;
	}
	if (*p++ != ',' || !(p = ptz_rdate(p, &r->start)) || *p++ != ',' ||
	    !(p = ptz_rdate(p, &r->end)) || *p)
		return -1;
	return 0;
}

/* Local seconds (since the epoch, as if UTC) of rule date r in year y. */
static int64_t rdate_local(const struct rdate *r, int64_t y)
{
	int64_t days;

	if (r->kind == 'J')
		days = lt_days_from_civil(y, 1, 1) + r->a - 1 +
		       (is_leap(y) && r->a >= 60);
	else if (r->kind == 'N')
		days = lt_days_from_civil(y, 1, 1) + r->a;
	else {
		int64_t first = lt_days_from_civil(y, r->a, 1);
		int d = 1 + (r->c - weekday(first) + 7) % 7 + (r->b - 1) * 7;

		while (d > days_in_month(y, r->a))
			d -= 7;
		days = first + d - 1;
	}
	return days * 86400 + r->time;
}

static int32_t rule_offset(const struct posix_rule *r, int64_t t)
{
	int64_t y, s, e;
	int m, d;

	if (!r->has_dst)
		return r->std_off;
	lt_civil_from_days(lt_floor_div(t + r->std_off, 86400), &y, &m, &d);
	s = rdate_local(&r->start, y) - r->std_off;
	e = rdate_local(&r->end, y) - r->dst_off;
	if (s < e)
		return t >= s && t < e ? r->dst_off : r->std_off;
	return t >= e && t < s ? r->std_off : r->dst_off;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parses a TZif file image into tz.  Returns 0 or -1. */
static int parse_tzif(const unsigned char *b, size_t n, struct lt_tz *tz)
{
	uint32_t cnt[6], i;
	size_t off = 0, tsz = 4, need;
	int ver;

	if (n < 44 || memcmp(b, "TZif", 4) != 0)
		return -1;
	ver = b[4] ? b[4] - '0' : 1;
	for (;;) {
		if (off + 44 > n)
			return -1;
		for (i = 0; i < 6; i++)
			cnt[i] = be32(b + off + 20 + 4 * i);
		/* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
		if (cnt[3] > 100000 || cnt[4] == 0 || cnt[4] > 256 ||
		    cnt[5] > 100000 || cnt[2] > 100000 ||
		    cnt[0] > cnt[4] || cnt[1] > cnt[4])
			return -1;
		need = (size_t)cnt[3] * (tsz + 1) + (size_t)cnt[4] * 6 + cnt[5] +
		       (size_t)cnt[2] * (tsz + 4) + cnt[1] + cnt[0];
		if (off + 44 + need > n)
			return -1;
		if (tsz == 4 && ver >= 2) {
			off += 44 + need;
			tsz = 8;
			if (n < off + 4 || memcmp(b + off, "TZif", 4) != 0)
				return -1;
			continue;
		}
		break;
	}
	{
		const unsigned char *p = b + off + 44;
		const unsigned char *pi = p + (size_t)cnt[3] * tsz;
		const unsigned char *pt = pi + cnt[3];

		tz->n_trans = cnt[3];
		tz->n_types = cnt[4];
		tz->trans = lt_xcalloc(tz->n_trans ? tz->n_trans : 1, sizeof *tz->trans);
		tz->idx = lt_xcalloc(tz->n_trans ? tz->n_trans : 1, 1);
		tz->types = lt_xcalloc(tz->n_types, sizeof *tz->types);
		for (i = 0; i < cnt[3]; i++) {
			tz->trans[i] = tsz == 8 ? be64(p + 8 * i)
						: (int32_t)be32(p + 4 * i);
			if (i && tz->trans[i] <= tz->trans[i - 1])
				return -1;
			tz->idx[i] = pi[i];
			if (pi[i] >= cnt[4])
				return -1;
		}
		for (i = 0; i < cnt[4]; i++) {
			int32_t u = (int32_t)be32(pt + 6 * i);

			if (u < -MAX_OFFSET - 9 * 3600 || u > MAX_OFFSET + 9 * 3600)
				return -1;
			tz->types[i] = u;
		}
		off += 44 + need;
	}
	if (ver >= 2 && off < n && b[off] == '\n') {
		const unsigned char *e = memchr(b + off + 1, '\n', n - off - 1);
		char foot[128];
		size_t fl;

		if (!e)
			return -1;
		fl = (size_t)(e - (b + off + 1));
		if (fl >= sizeof foot)
			return -1;
		memcpy(foot, b + off + 1, fl);
		foot[fl] = '\0';
		if (fl > 0) {
			if (parse_posix(foot, &tz->rule) < 0)
				return -1;
			tz->has_rule = true;
		}
	}
	return 0;
}

static int read_tzif(const char *name, struct lt_tz *tz, struct lt_err *err)
{
	const char *dirs[4];
	const char *env = getenv("TZDIR");
	size_t nd = 0, i;
	char path[512];
	unsigned char *buf = NULL;
	FILE *f = NULL;

	if (env && *env)
		dirs[nd++] = env;
	dirs[nd++] = "/usr/share/zoneinfo";
	dirs[nd++] = "/usr/lib/zoneinfo";
	dirs[nd++] = "/usr/share/lib/zoneinfo";
	for (i = 0; i < nd && !f; i++) {
		snprintf(path, sizeof path, "%s/%s", dirs[i], name);
		f = fopen(path, "rb");
	}
	if (!f)
		return lt_err_set(err, LT_E_CONFIG, NULL, 0,
				  "unknown time zone '%s' (not in the tz database at %s)",
				  name, dirs[0]);
	buf = lt_xmalloc(TZIF_MAX);
	i = fread(buf, 1, TZIF_MAX, f);
	fclose(f);
	if (i == TZIF_MAX || parse_tzif(buf, i, tz) < 0) {
		free(buf);
		return lt_err_set(err, LT_E_CONFIG, NULL, 0,
				  "time zone '%s': %s is not a valid TZif file",
				  name, path);
	}
	free(buf);
	return 0;
}

int lt_tz_load(const char *name, struct lt_tz **out, struct lt_err *err)
{
	struct lt_tz *tz = lt_xcalloc(1, sizeof *tz);

	snprintf(tz->name, sizeof tz->name, "%s", name);
	if (!strcmp(name, "UTC") || !strcmp(name, "Z") || !strcmp(name, "GMT") ||
	    !strcmp(name, "Etc/UTC") || !strcmp(name, "Etc/GMT")) {
		tz->fixed = true;
	} else if (name[0] == '+' || name[0] == '-') {
		tz->fixed = true;
		if (parse_fixed(name, &tz->off) < 0) {
			lt_tz_free(tz);
			return lt_err_set(err, LT_E_CONFIG, NULL, 0,
					  "bad time zone offset '%s' (use +08:00, "
					  "-0530 or +09, within 15:59)", name);
		}
	} else if (!zone_name_ok(name)) {
		lt_err_set(err, LT_E_CONFIG, NULL, 0,
			   "bad time zone name '%.100s' (an IANA name such as "
			   "Asia/Singapore, or an offset such as +08:00)", name);
		lt_tz_free(tz);
		return -1;
	} else if (read_tzif(name, tz, err) < 0) {
		lt_tz_free(tz);
		return -1;
	}
	*out = tz;
	return 0;
}

void lt_tz_free(struct lt_tz *tz)
{
	if (!tz)
		return;
	free(tz->trans);
	free(tz->idx);
	free(tz->types);
	free(tz);
}

const char *lt_tz_name(const struct lt_tz *tz)
{
	return tz ? tz->name : "UTC";
}

int32_t lt_tz_offset(const struct lt_tz *tz, int64_t t)
{
	size_t lo, hi;

	if (!tz)
		return 0;
	if (tz->fixed)
		return tz->off;
	if (tz->n_trans == 0)
		return tz->has_rule ? rule_offset(&tz->rule, t) : tz->types[0];
	if (t < tz->trans[0])
		return tz->types[0];
	if (t >= tz->trans[tz->n_trans - 1] && tz->has_rule)
		return rule_offset(&tz->rule, t);
	lo = 0;
	hi = tz->n_trans; /* trans[lo] <= t < trans[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->types[tz->idx[lo]];
}

int64_t lt_tz_to_utc(const struct lt_tz *tz, int64_t local)
{
	int32_t before, after;
	bool ok_b, ok_a;

	if (!tz)
		return local;
	if (tz->fixed)
		return local - tz->off;
	/* Real zones change offset at most once in two days, and offsets stay
	 * within a day: the offsets a day before and after are the candidates. */
	before = lt_tz_offset(tz, local - 86400);
	after = lt_tz_offset(tz, local + 86400);
	ok_b = lt_tz_offset(tz, local - before) == before;
	ok_a = lt_tz_offset(tz, local - after) == after;
	if (ok_b && ok_a)
		return local - (before > after ? before : after); /* repeated */
	if (ok_a)
		return local - after;
	return local - before; /* valid, or skipped: the offset before */
}

/* ---- dates --------------------------------------------------------------- */

static const char *const format_names[] = {
	[LT_DATE_AUTO] = "auto",       [LT_DATE_ISO] = "iso",
	[LT_DATE_DMY] = "dmy",         [LT_DATE_YMD8] = "ymd8",
	[LT_DATE_YMD_DOT] = "ymd_dot", [LT_DATE_EPOCH_S] = "epoch_s",
	[LT_DATE_EPOCH_MS] = "epoch_ms",
};

const char *lt_date_format_name(enum lt_date_format f)
{
	return (unsigned)f < sizeof format_names / sizeof *format_names
		       ? format_names[f] : "?";
}

int lt_date_format_parse(const char *s, enum lt_date_format *out)
{
	size_t i;

	for (i = 0; i < sizeof format_names / sizeof *format_names; i++)
		if (!strcmp(s, format_names[i])) {
			*out = (enum lt_date_format)i;
			return 0;
		}
	return -1;
}

/* Seconds since the epoch of years 1 and 10000. */
#define MIN_S (-62135596800LL)
#define MAX_S (253402300799LL)

struct cur {
	const char *p, *e;
};

/* Reads between min and max digits into *v. */
static bool digits(struct cur *c, int min, int max, int *v)
{
	int k = 0, x = 0;

	while (c->p < c->e && k < max && isdigit((unsigned char)*c->p))
		x = x * 10 + (*c->p++ - '0'), k++;
	*v = x;
	return k >= min;
}

static bool eat(struct cur *c, char ch)
{
	if (c->p < c->e && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

struct civil {
	int y, mo, d, h, mi, s, ms;
	bool has_zone;
	int32_t zone;
};

static bool civil_ok(const struct civil *t)
{
	return t->y >= 1 && t->mo >= 1 && t->mo <= 12 && t->d >= 1 &&
	       t->d <= days_in_month(t->y, t->mo) && t->h <= 23 &&
	       t->mi <= 59 && t->s <= 59;
}

/* [.,]digits -> milliseconds (truncated). */
static bool fraction(struct cur *c, int *ms)
{
	int k = 0;

	*ms = 0;
	if (!(c->p < c->e && (*c->p == '.' || *c->p == ',')))
		return true;
	c->p++;
	while (c->p < c->e && isdigit((unsigned char)*c->p)) {
		if (k < 3)
			*ms = *ms * 10 + (*c->p - '0');
		c->p++, k++;
	}
	if (k == 0)
		return false;
	for (; k < 3; k++)
		*ms *= 10;
	return true;
}

/* HH:MM[:SS[.f]]; hour_min 1 or 2 digits. */
static bool clock_time(struct cur *c, int hour_min, struct civil *t)
{
	if (!digits(c, hour_min, 2, &t->h) || !eat(c, ':') ||
	    !digits(c, 2, 2, &t->mi))
		return false;
	if (eat(c, ':')) {
		if (!digits(c, 2, 2, &t->s) || !fraction(c, &t->ms))
			return false;
	}
	return true;
}

/* Optional " HH:MM[:SS[.f]]" (or 'T') after a non-ISO date. */
static bool opt_time(struct cur *c, struct civil *t)
{
	if (c->p == c->e)
		return true;
	if (*c->p != ' ' && *c->p != 'T' && *c->p != 't')
		return false;
	c->p++;
	return clock_time(c, 1, t);
}

static bool parse_iso(struct cur *c, struct civil *t)
{
	if (!digits(c, 4, 4, &t->y) || !eat(c, '-') || !digits(c, 2, 2, &t->mo) ||
	    !eat(c, '-') || !digits(c, 2, 2, &t->d))
		return false;
	if (c->p == c->e)
		return true;
	if (*c->p != 'T' && *c->p != 't' && *c->p != ' ')
		return false;
	c->p++;
	if (!clock_time(c, 2, t))
		return false;
	if (c->p == c->e)
		return true;
	if (*c->p == 'Z' || *c->p == 'z') {
		c->p++;
		t->has_zone = true;
		return true;
	}
	if (*c->p == '+' || *c->p == '-') {
		int sign = *c->p++ == '-' ? -1 : 1, zh, zm = 0;

		if (!digits(c, 2, 2, &zh))
			return false;
		if (eat(c, ':')) {
			if (!digits(c, 2, 2, &zm))
				return false;
		} else if (c->p < c->e && !digits(c, 2, 2, &zm)) {
			return false;
		}
		if (zh > 15 || zm > 59)
			return false;
		t->has_zone = true;
		t->zone = sign * (zh * 3600 + zm * 60);
		return true;
	}
	return false;
}

static bool parse_dmy(struct cur *c, struct civil *t)
{
	char sep;

	if (!digits(c, 1, 2, &t->d) || c->p == c->e)
		return false;
	sep = *c->p;
	if ((sep != '/' && sep != '-') || !eat(c, sep) ||
	    !digits(c, 1, 2, &t->mo) || !eat(c, sep) || !digits(c, 4, 4, &t->y))
		return false;
	return opt_time(c, t);
}

static bool parse_ymd_dot(struct cur *c, struct civil *t)
{
	if (!digits(c, 4, 4, &t->y) || !eat(c, '.') || !digits(c, 1, 2, &t->mo) ||
	    !eat(c, '.') || !digits(c, 1, 2, &t->d))
		return false;
	return opt_time(c, t);
}

static bool parse_ymd8(struct cur *c, struct civil *t)
{
	return digits(c, 4, 4, &t->y) && digits(c, 2, 2, &t->mo) &&
	       digits(c, 2, 2, &t->d);
}

/* [-]digits[.digits] scaled by unit (1000 for seconds, 1 for ms). */
static int parse_epoch(struct cur *c, int64_t unit, lt_ms *out)
{
	bool neg = eat(c, '-');
	int64_t v = 0, frac = 0, scale = unit;
	int k = 0;

	while (c->p < c->e && isdigit((unsigned char)*c->p)) {
		if (++k > 16)
			return -1;
		v = v * 10 + (*c->p++ - '0');
	}
	if (k == 0)
		return -1;
	if (eat(c, '.')) {
		int f = 0;

		while (c->p < c->e && isdigit((unsigned char)*c->p)) {
			scale /= 10;
			if (scale > 0)
				frac += (*c->p - '0') * scale;
			c->p++, f++;
		}
		if (f == 0)
			return -1;
	}
	if (c->p != c->e)
		return -1;
	v = v * unit + frac;
	if (neg)
		v = -v;
	if (v < MIN_S * 1000 || v > MAX_S * 1000 + 999)
		return -1;
	*out = v;
	return 0;
}

static enum lt_date_format sniff(const char *p, size_t n)
{
	size_t k = 0;

	while (k < n && isdigit((unsigned char)p[k]))
		k++;
	if (k == n)
		return k == 13 ? LT_DATE_EPOCH_MS : k == 10 ? LT_DATE_EPOCH_S
			: k == 8 ? LT_DATE_YMD8 : LT_DATE_AUTO;
	if (k == 4 && p[k] == '-')
		return LT_DATE_ISO;
	if (k == 4 && p[k] == '.')
		return LT_DATE_YMD_DOT;
	if ((k == 1 || k == 2) && (p[k] == '/' || p[k] == '-'))
		return LT_DATE_DMY;
	return LT_DATE_AUTO; /* no shape fits */
}

int lt_date_parse(const char *s, size_t n, enum lt_date_format f,
		  const struct lt_tz *tz, lt_ms *out)
{
	struct cur c = { s, s + n };
	struct civil t;
	bool ok;
	int64_t local, utc;

	while (c.p < c.e && isspace((unsigned char)*c.p))
		c.p++;
	while (c.e > c.p && isspace((unsigned char)c.e[-1]))
		c.e--;
	if (c.p == c.e)
		return -1;
	if (f == LT_DATE_AUTO && (f = sniff(c.p, (size_t)(c.e - c.p))) == LT_DATE_AUTO)
		return -1;
	if (f == LT_DATE_EPOCH_S)
		return parse_epoch(&c, 1000, out);
	if (f == LT_DATE_EPOCH_MS)
		return parse_epoch(&c, 1, out);
	memset(&t, 0, sizeof t);
	switch (f) {
	case LT_DATE_ISO: ok = parse_iso(&c, &t); break;
	case LT_DATE_DMY: ok = parse_dmy(&c, &t); break;
	case LT_DATE_YMD8: ok = parse_ymd8(&c, &t); break;
	case LT_DATE_YMD_DOT: ok = parse_ymd_dot(&c, &t); break;
	default: ok = false; break;
	}
	if (!ok || c.p != c.e || !civil_ok(&t))
		return -1;
	local = lt_days_from_civil(t.y, t.mo, t.d) * 86400 + t.h * 3600 +
		t.mi * 60 + t.s;
	utc = t.has_zone ? local - t.zone : lt_tz_to_utc(tz, local);
	*out = utc * 1000 + t.ms;
	return 0;
}

/* ---- durations and ages -------------------------------------------------- */

int lt_duration_parse(const char *s, struct lt_duration *out)
{
	uint64_t v = 0;
	size_t k = 0;
	char u;

	while (isdigit((unsigned char)s[k])) {
		v = v * 10 + (uint64_t)(s[k] - '0');
		if (++k > 7)
			return -1;
	}
	if (k == 0)
		return -1;
	if (s[k] == '\0') {
		if (v != 0)
			return -1; /* a number without a unit is ambiguous */
		*out = (struct lt_duration){ 0, LT_UNIT_DAYS };
		return 0;
	}
	u = s[k];
	if (s[k + 1] != '\0' ||
	    !((u == 'd' && v <= 365000) || (u == 'm' && v <= 12000) ||
	      (u == 'y' && v <= 1000)))
		return -1;
	*out = (struct lt_duration){ (uint32_t)v, (enum lt_unit)u };
	if (v == 0)
		out->unit = LT_UNIT_DAYS;
	return 0;
}

char *lt_duration_format(struct lt_duration d, char *buf, size_t cap)
{
	if (d.n == 0)
		snprintf(buf, cap, "0");
	else
		snprintf(buf, cap, "%u%c", d.n, (char)d.unit);
	return buf;
}

/* t + sign * d on the wall clock of tz. */
static lt_ms calendar_add(lt_ms t, struct lt_duration d, int sign,
			  const struct lt_tz *tz)
{
	int64_t sec = lt_floor_div(t, 1000), ms = t - sec * 1000;
	int64_t local = sec + lt_tz_offset(tz, sec);
	int64_t days = lt_floor_div(local, 86400), tod = local - days * 86400;

	if (d.n == 0)
		return t;
	if (d.unit == LT_UNIT_DAYS) {
		days += sign * (int64_t)d.n;
	} else {
		int64_t y, total, months = d.unit == LT_UNIT_YEARS
						   ? (int64_t)d.n * 12 : d.n;
		int m, dd, dim;

		lt_civil_from_days(days, &y, &m, &dd);
		total = y * 12 + (m - 1) + sign * months;
		y = lt_floor_div(total, 12);
		m = (int)(total - y * 12) + 1;
		dim = days_in_month(y, m);
		days = lt_days_from_civil(y, m, dd < dim ? dd : dim);
	}
	return lt_tz_to_utc(tz, days * 86400 + tod) * 1000 + ms;
}

lt_ms lt_time_add(lt_ms t, struct lt_duration d, const struct lt_tz *tz)
{
	return calendar_add(t, d, 1, tz);
}

bool lt_age_over_ms(lt_ms date, struct lt_duration retain,
		    const struct lt_tz *tz, lt_ms now)
{
	return calendar_add(date, retain, 1, tz) < now;
}

enum lt_age lt_age_over(const char *s, size_t n, enum lt_date_format f,
			const struct lt_tz *tz, struct lt_duration retain,
			lt_ms now)
{
	lt_ms t;

	if (lt_date_parse(s, n, f, tz, &t) < 0)
		return LT_AGE_UNREADABLE;
	return lt_age_over_ms(t, retain, tz, now) ? LT_AGE_OVER : LT_AGE_WITHIN;
}

lt_ms lt_age_cutoff(struct lt_duration retain, const struct lt_tz *tz,
		    lt_ms now)
{
	return calendar_add(now, retain, -1, tz);
}
