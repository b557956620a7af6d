/*
 * rows.c - the row decisions `plan` counts with and `apply` rewrites with
 * (module: plan), the age_from {file} maps they need, redaction, and the
 * CSV reader of the plan's second pass.
 *
 * Place in the data flow: after the scan.  A file source is read again
 * (stream -> decoder -> lt_csv), and each data row is judged against the
 * actions of its source by lt_plan_decide.  apply calls the same function
 * on the same rows, so the rows it changes are the rows the plan counted.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

#define READ_CHUNK (1u << 20)
#define SNIFF_BYTES (64u << 10)
#define DEFAULT_MAX_FIELD ((size_t)32 << 20)

/* ---- small helpers ----------------------------------------------------------- */

void lt_plan_trim(const char **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

bool lt_plan_name_eq(const char *p, size_t n, const char *name)
{
	size_t i;

	if (strlen(name) != n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char a = (unsigned char)p[i], b = (unsigned char)name[i];

		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return false;
	}
	return true;
}

struct lt_plan_violation *lt_plan_push_violation(struct lt_plan_violation **v,
						 size_t *n, const char *source,
						 const struct plan_gov *g,
						 uint64_t rows)
{
	struct lt_plan_violation *x;

	*v = lt_xreallocarray(*v, *n + 1, sizeof **v);
	x = &(*v)[(*n)++];
	memset(x, 0, sizeof *x);
	x->rule = lt_xstrdup(g->rule->id);
	x->source = lt_xstrdup(source);
	x->column = lt_xstrdup(g->column);
	x->type = lt_xstrdup(g->type);
	x->rows = rows;
	return x;
}

void lt_plan_push_refusal(struct lt_plan_refusal **v, size_t *n,
			  const char *source, const char *column,
			  const char *rule, const char *fmt, ...)
{
	struct lt_plan_refusal *r;
	char msg[512];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (i = 0; i < *n; i++) { /* one line per (source, column, rule) */
		r = &(*v)[i];
		if (!strcmp(r->source, source) &&
		    !strcmp(r->column ? r->column : "", column ? column : "") &&
		    !strcmp(r->rule ? r->rule : "", rule ? rule : ""))
			return;
	}
	*v = lt_xreallocarray(*v, *n + 1, sizeof **v);
	r = &(*v)[(*n)++];
	r->source = lt_xstrdup(source);
	r->column = column ? lt_xstrdup(column) : NULL;
	r->rule = rule ? lt_xstrdup(rule) : NULL;
	r->reason = lt_xstrdup(msg);
}

/* Field i of a row, empty when the row is shorter (ragged) or i < 0. */
static struct lt_field field(const struct lt_field *f, size_t n, long i)
{
	struct lt_field e = { "", 0 };

	if (i < 0 || (size_t)i >= n)
		return e;
	return f[i];
}

/* ---- redaction ----------------------------------------------------------------- */

/* Length of the UTF-8 character at s (n bytes left): its lead byte and the
 * continuation bytes after it; a stray byte is a character of its own. */
static size_t u8len(const unsigned char *s, size_t n)
{
	size_t want = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3
		    : s[0] >= 0xC0 ? 2 : 1;
	size_t i;

	for (i = 1; i < want && i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			break;
	return i;
}

int lt_redact(enum lt_keep keep, char mask, const char *s, size_t n,
	      struct lt_buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t nch = 0, i, k, ch, keep_from = 0, keep_to = 0;

	for (i = 0; i < n; i += u8len(u + i, n - i))
		nch++;
	switch (keep) {
	case LT_KEEP_LAST4:
		keep_from = nch > 4 ? nch - 4 : 0;
		keep_to = nch;
		break;
	case LT_KEEP_FIRST6:
		keep_from = 0;
		keep_to = nch < 6 ? nch : 6;
		break;
	case LT_KEEP_DOMAIN: {
		size_t at = (size_t)-1;

		for (i = 0, ch = 0; i < n; i += u8len(u + i, n - i), ch++)
			if (s[i] == '@')
				at = ch;
		if (at != (size_t)-1) {
			keep_from = at;
			keep_to = nch;
		}
		break;
	}
	case LT_KEEP_NONE:
	default:
		break;
	}
	for (i = 0, ch = 0; i < n; i += k, ch++) {
		k = u8len(u + i, n - i);
		if (ch >= keep_from && ch < keep_to) {
			if (lt_buf_append(out, s + i, k) < 0)
				return -1;
		} else if (lt_buf_putc(out, mask) < 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- reading a CSV source --------------------------------------------------- */

int lt_plan_read_csv(const struct lt_source *src, const struct plan_csv_opts *o,
		     lt_csv_record_fn fn, void *ctx, struct plan_csv_info *info,
		     struct lt_err *err)
{
	struct lt_stream_opts so = { .full = true };
	struct lt_stream *st = NULL;
	struct lt_decoder *dec;
	struct lt_csv_opts co = { 0 };
	struct lt_csv *csv = NULL;
	struct lt_stream_info si;
	struct lt_buf text;
	char *raw;
	size_t n;
	bool first = true, eof = false;
	int rc = 0;

	if (lt_stream_open(src, &so, &st, err) < 0)
		return -1;
	dec = lt_decoder_new(o->encoding, false);
	raw = lt_xmalloc(READ_CHUNK);
	lt_buf_init(&text, 0);
	while (rc == 0) {
		if (!eof && (csv == NULL ? text.len < SNIFF_BYTES : text.len == 0)) {
			if (lt_stream_read(st, raw, READ_CHUNK, &n, err) < 0) {
				rc = -1;
				break;
			}
			eof = n == 0;
			if (first && n > 0) {
				first = false;
				if (lt_looks_binary(raw, n)) {
					rc = lt_err_set(err, LT_E_FORMAT, src->name,
							0, "not text");
					break;
				}
			}
			if (lt_decoder_feed(dec, raw, n, eof, &text, err) < 0) {
				rc = -1;
				break;
			}
			if (!eof && csv == NULL)
				continue;
		}
		if (!csv) {
			co.delim = o->delimiter ? o->delimiter
				: lt_sniff_delimiter(text.data ? text.data : "",
						     text.len);
			co.max_field = o->max_field ? o->max_field : DEFAULT_MAX_FIELD;
			co.name = src->name;
			csv = lt_csv_new(&co, fn, ctx);
		}
		rc = lt_csv_feed(csv, text.data ? text.data : "", text.len, err);
		lt_buf_reset(&text);
		if (rc != 0 || eof)
			break;
	}
	if (rc == 0 && csv)
		rc = lt_csv_finish(csv, err);
	if (rc == 1)
		rc = 0; /* the callback stopped: not an error */
	if (info) {
		lt_stream_info(st, &si);
		info->container = si.container ? si.container : "plain";
		info->encoding = lt_encoding_name(lt_decoder_encoding(dec));
		info->bom = lt_decoder_had_bom(dec);
		info->delimiter = co.delim ? co.delim : ',';
		info->encoding_errors = lt_decoder_errors(dec);
	}
	lt_csv_free(csv);
	lt_buf_release(&text);
	free(raw);
	lt_decoder_free(dec);
	lt_stream_close(st);
	return rc < 0 ? -1 : 0;
}

/* ---- age_from {file}: key -> latest date -------------------------------------- */

enum { ENT_DATE = 1, ENT_UNREADABLE = 2 };

struct refent {
	char *key;       /* owned; NULL = empty slot */
	lt_ms latest;    /* the latest date read for the key */
	uint8_t state;   /* ENT_* bits */
};

struct lt_plan_refmap {
	atomic_int refs;          /* conditions sharing it (jobs copy
	                           * conditions on several threads) */
	char *path, *column, *key;
	enum lt_date_format fmt;
	struct refent *v;         /* open addressing, cap a power of two */
	size_t cap, n;
};

static struct refent *ref_slot(struct lt_plan_refmap *m, const char *k,
			       size_t kn)
{
	uint64_t h = lt_hash64(k, kn);
	size_t i = (size_t)h & (m->cap - 1);

	while (m->v[i].key && (strlen(m->v[i].key) != kn ||
			       memcmp(m->v[i].key, k, kn) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

static void ref_grow(struct lt_plan_refmap *m)
{
	struct refent *old = m->v;
	size_t oc = m->cap, i;

	m->cap = oc ? oc * 2 : 1024;
	m->v = lt_xcalloc(m->cap, sizeof *m->v);
	for (i = 0; i < oc; i++)
		if (old[i].key)
			*ref_slot(m, old[i].key, strlen(old[i].key)) = old[i];
	free(old);
}

struct refread {
	struct lt_plan_refmap *m;
	const struct lt_tz *tz;
	long ki, di;           /* key and date column indexes */
	bool header_done;
	char missing[256];     /* a column not found in the header */
};

static int ref_record(void *ctx, const struct lt_field *f, size_t n,
		      uint64_t line, uint64_t byte)
{
	struct refread *r = ctx;
	struct lt_field k, d;
	struct refent *e;
	lt_ms t;

	(void)line;
	(void)byte;
	if (!r->header_done) {
		size_t i;

		r->header_done = true;
		r->ki = r->di = -1;
		for (i = 0; i < n; i++) {
			if (r->ki < 0 && lt_plan_name_eq(f[i].p, f[i].n, r->m->key))
				r->ki = (long)i;
			if (r->di < 0 && lt_plan_name_eq(f[i].p, f[i].n, r->m->column))
				r->di = (long)i;
		}
		if (r->ki < 0 || r->di < 0) {
			snprintf(r->missing, sizeof r->missing, "%s",
				 r->ki < 0 ? r->m->key : r->m->column);
			return 1;
		}
		return 0;
	}
	k = field(f, n, r->ki);
	lt_plan_trim(&k.p, &k.n);
	if (k.n == 0)
		return 0; /* a related row without a key relates to nothing */
	if ((r->m->n + 1) * 2 > r->m->cap)
		ref_grow(r->m);
	e = ref_slot(r->m, k.p, k.n);
	if (!e->key) {
		e->key = lt_xstrndup(k.p, k.n);
		r->m->n++;
	}
	d = field(f, n, r->di);
	lt_plan_trim(&d.p, &d.n);
	if (d.n == 0 || lt_date_parse(d.p, d.n, r->m->fmt, r->tz, &t) < 0) {
		e->state |= ENT_UNREADABLE;
	} else if (!(e->state & ENT_DATE) || t > e->latest) {
		e->latest = t;
		e->state |= ENT_DATE;
	}
	return 0;
}

static void refmap_free(struct lt_plan_refmap *m)
{
	size_t i;

	if (!m || atomic_fetch_sub(&m->refs, 1) > 1)
		return;
	for (i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	free(m->path);
	free(m->column);
	free(m->key);
	free(m);
}

void lt_plan_ref_share(struct lt_plan_ref *dst, const struct lt_plan_ref *src)
{
	*dst = *src;
	dst->path = lt_xstrdup(src->path);
	dst->column = lt_xstrdup(src->column);
	dst->key = lt_xstrdup(src->key);
	if (dst->map)
		atomic_fetch_add(&dst->map->refs, 1);
}

void lt_plan_ref_release(struct lt_plan_ref *ref)
{
	if (!ref)
		return;
	refmap_free(ref->map);
	free(ref->path);
	free(ref->column);
	free(ref->key);
}

int lt_plan_ref_build(struct lt_plan_ref *ref, enum lt_date_format fmt,
		      const struct lt_tz *tz, struct lt_plan_ref *const *done,
		      size_t ndone, struct lt_err *err)
{
	struct lt_source src = { .kind = LT_SRC_FILE, .status = LT_STATUS_OK,
				 .rows_estimated = -1 };
	struct plan_csv_opts o = { 0 };
	struct refread rr = { .tz = tz };
	struct lt_plan_refmap *m;
	size_t i;

	if (ref->map)
		return 0;
	for (i = 0; i < ndone; i++) {
		m = done[i] ? done[i]->map : NULL;
		if (m && !strcmp(m->path, ref->path) &&
		    !strcmp(m->column, ref->column) && !strcmp(m->key, ref->key) &&
		    m->fmt == fmt) {
			atomic_fetch_add(&m->refs, 1);
			ref->map = m;
			return 0;
		}
	}
	m = lt_xcalloc(1, sizeof *m);
	atomic_init(&m->refs, 1);
	m->path = lt_xstrdup(ref->path);
	m->column = lt_xstrdup(ref->column);
	m->key = lt_xstrdup(ref->key);
	m->fmt = fmt;
	ref_grow(m);
	rr.m = m;
	src.name = lt_name_escape(ref->path);
	src.path = ref->path;
	if (lt_plan_read_csv(&src, &o, ref_record, &rr, NULL, err) < 0) {
		free(src.name);
		refmap_free(m);
		return -1;
	}
	if (!rr.header_done || rr.missing[0]) {
		lt_err_set(err, LT_E_FORMAT, src.name, 1, "no column '%s'",
			   rr.header_done ? rr.missing : ref->key);
		free(src.name);
		refmap_free(m);
		return -1;
	}
	free(src.name);
	ref->map = m;
	return 0;
}

int lt_plan_prepare(struct lt_plan *p, struct lt_err *err)
{
	struct lt_plan_ref **done = NULL;
	size_t ndone = 0, i, k;
	int rc = 0;

	for (i = 0; i < p->n_actions && rc == 0; i++) {
		struct lt_plan_action *a = &p->actions[i];

		for (k = 0; k < a->n_conds && rc == 0; k++) {
			struct lt_plan_ref *ref = a->conds[k].ref;
			struct lt_plan_fp now;

			if (!ref || ref->map)
				continue;
			if (ref->fp.set) {
				if (lt_plan_fingerprint(ref->path, &now, err) < 0) {
					rc = -1;
					break;
				}
				if (now.bytes != ref->fp.bytes ||
				    strcmp(now.sha256, ref->fp.sha256) != 0) {
					rc = lt_err_set(err, LT_E_FORMAT, ref->path, 0,
							"changed since the plan was made "
							"(age_from file of rule %s)",
							a->conds[k].rule);
					break;
				}
			}
			rc = lt_plan_ref_build(ref, a->conds[k].date_format, p->tz,
					       done, ndone, err);
			if (rc == 0) {
				done = lt_xreallocarray(done, ndone + 1, sizeof *done);
				done[ndone++] = ref;
			}
		}
	}
	free(done);
	return rc;
}

/* ---- row decisions ------------------------------------------------------------ */

int lt_plan_check_header(const struct lt_plan_action *a,
			 const struct lt_field *f, size_t n, struct lt_err *err)
{
	size_t i, k;

#define WANT(idx, name)                                                        \
	do {                                                                   \
		struct lt_field x_ = field(f, n, (idx));                       \
		if ((idx) >= 0 && !lt_plan_name_eq(x_.p, x_.n, (name)))        \
			return lt_err_set(err, LT_E_FORMAT, a->source, 1,      \
					  "column %ld is no longer '%s'",      \
					  (long)(idx) + 1, (name));            \
	} while (0)

	if (a->column && a->column_index >= 0)
		WANT(a->column_index, a->column);
	for (i = 0; i < a->n_holds; i++)
		WANT(a->holds[i].column_index, a->holds[i].column);
	for (k = 0; k < a->n_conds; k++) {
		const struct lt_plan_cond *c = &a->conds[k];

		for (i = 0; i < c->age_columns.n; i++)
			WANT(c->age_column_indexes[i], c->age_columns.v[i]);
		if (c->ref)
			WANT(c->ref->key_index, c->ref->key);
	}
#undef WANT
	return 0;
}

bool lt_plan_held(const struct lt_plan_action *a, const struct lt_field *f,
		  size_t n)
{
	size_t i;

	for (i = 0; i < a->n_holds; i++) {
		struct lt_field v = field(f, n, a->holds[i].column_index);

		lt_plan_trim(&v.p, &v.n);
		if (v.n && lt_strlist_has(&a->holds[i].keys, v.p, v.n))
			return true;
	}
	return false;
}

enum lt_row lt_plan_cond_eval(const struct lt_plan *p,
			      const struct lt_plan_cond *c,
			      const struct lt_field *f, size_t n, lt_ms *date,
			      const char **ucol)
{
	lt_ms t = 0;
	size_t i;

	if (c->ref) {
		struct lt_field k = field(f, n, c->ref->key_index);
		struct refent *e;

		lt_plan_trim(&k.p, &k.n);
		if (ucol)
			*ucol = c->ref->column;
		if (!c->ref->map || k.n == 0)
			return LT_ROW_UNREADABLE;
		e = ref_slot(c->ref->map, k.p, k.n);
		if (!e->key || (e->state & ENT_UNREADABLE) || !(e->state & ENT_DATE))
			return LT_ROW_UNREADABLE; /* no related row, or one
						   * whose date cannot be read */
		t = e->latest;
	} else {
		for (i = 0; i < c->age_columns.n; i++) {
			struct lt_field v = field(f, n, c->age_column_indexes[i]);

			lt_plan_trim(&v.p, &v.n);
			if (v.n == 0)
				continue;
			if (lt_date_parse(v.p, v.n, c->date_format, p->tz, &t) < 0) {
				if (ucol)
					*ucol = c->age_columns.v[i];
				return LT_ROW_UNREADABLE;
			}
			break;
		}
		if (i == c->age_columns.n) {
			if (ucol)
				*ucol = c->age_columns.n ? c->age_columns.v[0] : "";
			return LT_ROW_UNREADABLE; /* no date at all */
		}
	}
	if (date)
		*date = t;
	return lt_age_over_ms(t, c->retain, p->tz, p->now) ? LT_ROW_OVER
							   : LT_ROW_WITHIN;
}

enum lt_row lt_plan_row(const struct lt_plan *p, const struct lt_plan_action *a,
			const struct lt_field *f, size_t n)
{
	bool unreadable = false;
	size_t k;

	if (lt_plan_held(a, f, n))
		return LT_ROW_HELD;
	if (a->n_conds == 0)
		return LT_ROW_OVER;
	for (k = 0; k < a->n_conds; k++) {
		enum lt_row r = lt_plan_cond_eval(p, &a->conds[k], f, n, NULL, NULL);

		if (r == LT_ROW_OVER)
			return LT_ROW_OVER;
		if (r == LT_ROW_UNREADABLE)
			unreadable = true;
	}
	return unreadable ? LT_ROW_UNREADABLE : LT_ROW_WITHIN;
}

bool lt_plan_decide(const struct lt_plan *p,
		    const struct lt_plan_action *const *acts, size_t na,
		    const struct lt_field *f, size_t n, uint8_t *touch)
{
	size_t i;

	memset(touch, 0, na);
	for (i = 0; i < na; i++)
		if (acts[i]->action == LT_ACT_DELETE_ROWS &&
		    lt_plan_row(p, acts[i], f, n) == LT_ROW_OVER) {
			touch[i] = 1;
			return true;
		}
	for (i = 0; i < na; i++) {
		const struct lt_plan_action *a = acts[i];

		switch (a->action) {
		case LT_ACT_DELETE_ROWS:
			break;
		case LT_ACT_DROP_COLUMN:
			touch[i] = 1;
			break;
		default:
			touch[i] = field(f, n, a->column_index).n > 0 &&
				   lt_plan_row(p, a, f, n) == LT_ROW_OVER;
			break;
		}
	}
	return false;
}
