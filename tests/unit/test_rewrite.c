/*
 * test_rewrite.c - the file rewriter of `lethe apply` (src/plan/rewrite.c).
 *
 *  - the tokenizer: fed every input in every chunk size from 1 byte up, its
 *    records' raw bytes put back together are the input, byte for byte; the
 *    fields' raw spans and the delimiters between them make each record's
 *    body; and its values, lines and record count are exactly what the
 *    libcsv wrapper (lt_csv) yields for the same text;
 *  - one stream rewritten in memory: redaction (keep none, last4, first6,
 *    domain) on ASCII and on Hangul, hash, nullify, delete_rows, drop_column
 *    (first, middle, last column, header included), quoting kept or added
 *    as the value needs, CRLF kept, blank lines kept, holds;
 *  - the same in UTF-16LE with a BOM, in CP949, and in gzip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lethe/plan.h"
#include "../../src/plan/apply_int.h"

/* ---- tokenizer vs lt_csv ----------------------------------------------------------- */

struct recs {
	struct lt_buf all;     /* records and gaps, raw, concatenated */
	struct lt_buf vals;    /* "line:v1|v2|...\n" per record */
	size_t nrec;
	const char *delim;
	int bad;               /* a record whose spans do not make its body */
};

static int tok_cb(void *ctx, const struct lt_tok_rec *r, struct lt_err *err)
{
	struct recs *x = ctx;
	struct lt_buf body;
	char tmp[32];

	(void)err;
	lt_buf_append(&x->all, r->raw, r->raw_len);
	if (r->n == 0)
		return 0;
	x->nrec++;
	lt_buf_init(&body, 0);
	for (size_t i = 0; i < r->n; i++) {
		const struct lt_tok_field *f = &r->f[i];

		if (i)
			lt_buf_putc(&body, x->delim[0]);
		lt_buf_append(&body, r->raw + f->raw_off, f->raw_len);
		if (f->lead + f->trail > f->raw_len)
			x->bad++;
	}
	if (body.len != r->body_len ||
	    (body.len && memcmp(body.data, r->raw, body.len) != 0))
		x->bad++;
	lt_buf_release(&body);
	snprintf(tmp, sizeof tmp, "%llu:", (unsigned long long)r->line);
	lt_buf_append(&x->vals, tmp, strlen(tmp));
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			lt_buf_putc(&x->vals, '|');
		lt_buf_append(&x->vals, r->vals + r->f[i].val_off, r->f[i].val_len);
	}
	lt_buf_putc(&x->vals, '\n');
	return 0;
}

static int csv_cb(void *ctx, const struct lt_field *f, size_t n, uint64_t line,
		  uint64_t byte)
{
	struct recs *x = ctx;
	char tmp[32];

	(void)byte;
	x->nrec++;
	snprintf(tmp, sizeof tmp, "%llu:", (unsigned long long)line);
	lt_buf_append(&x->vals, tmp, strlen(tmp));
	for (size_t i = 0; i < n; i++) {
		if (i)
			lt_buf_putc(&x->vals, '|');
		lt_buf_append(&x->vals, f[i].p, f[i].n);
	}
	lt_buf_putc(&x->vals, '\n');
	return 0;
}

static const struct {
	const char *name;
	const char *text;
	char delim;
} tok_cases[] = {
	{ "lf", "a,b,c\n1,2,3\n4,5,6\n", ',' },
	{ "crlf", "a,b\r\n1,2\r\n3,4\r\n", ',' },
	{ "cr only", "a,b\r1,2\r3,4", ',' },
	{ "no final newline", "a,b\n1,2", ',' },
	{ "quoted with newline and escapes",
	  "id,note\r\n1,\"line one\r\nline \"\"two\"\"\"\r\n2,\"x,y\"\n", ',' },
	{ "blanks around fields", "a , b ,c\n  1 ,\t\"q\"  , 3 \n", ',' },
	{ "empty fields", ",,\n,\n\n1,,\n", ',' },
	{ "blank lines between", "h1,h2\n\n\r\n  \n1,2\n\n\n3,4\n\n", ',' },
	{ "stray quotes", "a,b\n1\"x,\"ab\"cd,e\n\"p\" \"q\",z\n", ',' },
	{ "junk after quote then delim", "a,b\n\"ab\"c,d\"\n,e\n", ',' },
	{ "semicolon", "x;y\n\"1;2\";3\n", ';' },
	{ "tab", "x\ty\n 1\t 2 \n", '\t' },
	{ "pipe with quotes", "x|y\n\"a|b\"|\"\"\n", '|' },
	{ "utf8 hangul", "이름,번호\n홍길동,\"800101-1234567\"\n", ',' },
	{ "trailing blanks at eof", "a,b\n1,2\n   ", ',' },
	{ "quoted at eof", "a\n\"x\"", ',' },
	{ "quote then blanks at eof", "a\n\"x\"  ", ',' },
	{ "empty", "", ',' },
	{ "only newlines", "\n\r\n\n", ',' },
};

static void tokenize(const char *text, size_t n, char delim, size_t chunk,
		     struct recs *x)
{
	struct lt_err err;
	struct lt_tok *t;
	char d[2] = { delim, 0 };

	memset(x, 0, sizeof *x);
	lt_buf_init(&x->all, 0);
	lt_buf_init(&x->vals, 0);
	x->delim = lt_xstrdup(d);
	t = lt_tok_new(delim, 0, "t", tok_cb, x);
	for (size_t off = 0; off < n; off += chunk)
		assert_int_equal(lt_tok_feed(t, text + off,
					     n - off < chunk ? n - off : chunk,
					     &err), 0);
	assert_int_equal(lt_tok_finish(t, &err), 0);
	lt_tok_free(t);
}

static void recs_release(struct recs *x)
{
	lt_buf_release(&x->all);
	lt_buf_release(&x->vals);
	free((char *)x->delim);
}

static void test_tok_every_chunk(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof tok_cases / sizeof tok_cases[0]; c++) {
		const char *text = tok_cases[c].text;
		size_t n = strlen(text);
		struct lt_csv_opts o = { .delim = tok_cases[c].delim };
		struct recs ref, got;
		struct lt_csv *csv;
		struct lt_err err;

		memset(&ref, 0, sizeof ref);
		lt_buf_init(&ref.vals, 0);
		csv = lt_csv_new(&o, csv_cb, &ref);
		assert_int_equal(lt_csv_feed(csv, text, n, &err), 0);
		assert_int_equal(lt_csv_finish(csv, &err), 0);
		lt_csv_free(csv);
		for (size_t chunk = 1; chunk <= n + 1; chunk++) {
			tokenize(text, n, tok_cases[c].delim, chunk, &got);
			if (got.all.len != n ||
			    (n && memcmp(got.all.data, text, n)) ||
			    got.bad || got.nrec != ref.nrec ||
			    got.vals.len != ref.vals.len ||
			    (ref.vals.len && memcmp(got.vals.data,
						       ref.vals.data,
						       ref.vals.len))) {
				print_error("case '%s', chunk %zu:\nraw %s (%zu of "
					    "%zu bytes), spans %s\nwant:\n%.*s"
					    "got:\n%.*s",
					    tok_cases[c].name, chunk,
					    got.all.len == n ? "ok" : "differs",
					    got.all.len, n,
					    got.bad ? "bad" : "ok",
					    (int)ref.vals.len,
					    ref.vals.data ? ref.vals.data : "",
					    (int)got.vals.len,
					    got.vals.data ? got.vals.data : "");
				fail();
			}
			recs_release(&got);
		}
		lt_buf_release(&ref.vals);
	}
}

static void test_tok_lead_trail(void **state)
{
	struct recs x;
	const char *in = "a, \"b,c\" ,  d  \n";

	(void)state;
	tokenize(in, strlen(in), ',', 3, &x);
	assert_int_equal(x.nrec, 1);
	assert_int_equal(x.bad, 0);
	assert_string_equal(x.vals.data, "1:a|b,c|d\n");
	recs_release(&x);
}

/* A few hundred KiB of awkward CSV: quoted fields with CRLF, LF, CR and
 * "" inside, blanks around fields, empty fields, blank-line runs longer
 * than the gap flush, a field longer than the read chunks. */
static void test_tok_big(void **state)
{
	struct lt_buf in;
	uint32_t x = 12345;
	static const char *const pieces[] = {
		"abc", "\"q,\r\nq\"", " pad ", "\"a\"\"b\"", "", "\"\"",
		"x\"y", "\"lf\nin\"", "\t t", "\"cr\rin\"", "  \"sp\"  ",
	};
	static const char *const ends[] = { "\n", "\r\n", "\r", "\n\n\r\n" };
	static const size_t chunks[] = { 1, 3, 4096, 65536, 1 << 20 };

	(void)state;
	lt_buf_init(&in, 0);
	for (int r = 0; r < 3000; r++) {
		int nf = 1 + (int)((x = x * 1103515245 + 12345) >> 16) % 6;

		for (int f = 0; f < nf; f++) {
			const char *p;

			x = x * 1103515245 + 12345;
			p = pieces[(x >> 16) % (sizeof pieces / sizeof pieces[0])];
			if (f)
				lt_buf_putc(&in, ',');
			lt_buf_append(&in, p, strlen(p));
		}
		x = x * 1103515245 + 12345;
		lt_buf_append(&in, ends[(x >> 16) % 4], strlen(ends[(x >> 16) % 4]));
		if (r == 1000)
			for (int k = 0; k < 70000; k++)
				lt_buf_putc(&in, '\n');
		if (r == 2000) {
			lt_buf_putc(&in, '"');
			for (int k = 0; k < 200000; k++)
				lt_buf_putc(&in, (char)('a' + k % 26));
			lt_buf_append(&in, "\"\n", 2);
		}
	}
	{
		struct lt_csv_opts o = { .delim = ',' };
		struct recs ref, got;
		struct lt_csv *csv;
		struct lt_err err;

		memset(&ref, 0, sizeof ref);
		lt_buf_init(&ref.vals, 0);
		csv = lt_csv_new(&o, csv_cb, &ref);
		assert_int_equal(lt_csv_feed(csv, in.data, in.len, &err), 0);
		assert_int_equal(lt_csv_finish(csv, &err), 0);
		lt_csv_free(csv);
		for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
			tokenize(in.data, in.len, ',', chunks[c], &got);
			assert_int_equal(got.bad, 0);
			assert_int_equal(got.all.len, in.len);
			assert_memory_equal(got.all.data, in.data, in.len);
			assert_int_equal(got.nrec, ref.nrec);
			assert_int_equal(got.vals.len, ref.vals.len);
			assert_memory_equal(got.vals.data, ref.vals.data, ref.vals.len);
			recs_release(&got);
		}
		lt_buf_release(&ref.vals);
	}
	lt_buf_release(&in);
}

static int stop_cb(void *ctx, const struct lt_tok_rec *r, struct lt_err *err)
{
	(void)ctx;
	(void)r;
	(void)err;
	return 0;
}

static void test_tok_errors(void **state)
{
	struct lt_err err;
	struct lt_tok *t;
	char *big;

	(void)state;
	t = lt_tok_new(',', 0, "x.csv", stop_cb, NULL);
	assert_int_equal(lt_tok_feed(t, "a\n\"open,", 8, &err), 0);
	assert_int_equal(lt_tok_finish(t, &err), -1);
	assert_int_equal(err.code, LT_E_PARSE);
	assert_int_equal(err.line, 2);
	assert_true(strstr(err.msg, "unterminated") != NULL);
	lt_tok_free(t);

	big = malloc(5000);
	memset(big, 'x', 5000);
	t = lt_tok_new(',', 4096, "x.csv", stop_cb, NULL);
	assert_int_equal(lt_tok_feed(t, big, 5000, &err), -1);
	assert_int_equal(err.code, LT_E_LIMIT);
	lt_tok_free(t);
	free(big);
}

/* ---- one stream, in memory ------------------------------------------------------------- */

struct mem_src {
	const unsigned char *p;
	size_t n, off, chunk;
};

static int mem_read(void *ctx, void *buf, size_t cap, size_t *n,
		    struct lt_err *err)
{
	struct mem_src *s = ctx;
	size_t k = s->n - s->off;

	(void)err;
	if (k > cap)
		k = cap;
	if (s->chunk && k > s->chunk)
		k = s->chunk;
	memcpy(buf, s->p + s->off, k);
	s->off += k;
	*n = k;
	return 0;
}

static int mem_write(void *ctx, const void *p, size_t n, struct lt_err *err)
{
	(void)err;
	lt_buf_append(ctx, p, n);
	return 0;
}

static struct lt_plan_action act(enum lt_action a, const char *col, long idx)
{
	struct lt_plan_action x;

	memset(&x, 0, sizeof x);
	x.id = 1;
	x.kind = LT_PLAN_FILE;
	x.source = "mem.csv";
	x.path = "mem.csv";
	x.action = a;
	x.column = (char *)col;
	x.column_index = idx;
	x.mask = '*';
	x.format.header = true;
	return x;
}

/* Rewrites in[0..n) with actions a[0..na); the output goes to out.
 * counts gets na entries.  Returns lt_rw_stream's result. */
static int rewrite(const void *in, size_t n, struct lt_plan_action *a,
		   size_t na, enum lt_encoding enc, char delim,
		   struct lt_buf *out, struct lt_rw_count *counts,
		   struct lt_err *err)
{
	struct lt_plan plan;
	const struct lt_plan_action *acts[8];
	struct mem_src ms = { in, n, 0, 7 };
	struct lt_rw_src src = { mem_read, &ms };
	struct lt_rw_sink snk = { mem_write, out };
	struct lt_rw_unit u;
	struct lt_hmac key;

	assert_true(na <= 8);
	memset(&plan, 0, sizeof plan);
	assert_int_equal(lt_plan_parse_time("2026-11-01T00:00:00Z", &plan.now), 0);
	for (size_t i = 0; i < na; i++)
		acts[i] = &a[i];
	memset(counts, 0, na * sizeof *counts);
	lt_hmac_init(&key, "k3y", 3);
	memset(&u, 0, sizeof u);
	u.plan = &plan;
	u.acts = acts;
	u.na = na;
	u.counts = counts;
	u.key = &key;
	u.enc = enc;
	u.delim = delim;
	u.name = "mem.csv";
	lt_buf_reset(out);
	return lt_rw_stream(&u, &src, &snk, err);
}

static void expect_out(const char *in, struct lt_plan_action *a, size_t na,
		       const char *want)
{
	struct lt_buf out;
	struct lt_rw_count counts[8];
	struct lt_err err;

	lt_buf_init(&out, 0);
	lt_err_clear(&err);
	if (rewrite(in, strlen(in), a, na, LT_ENC_AUTO, 0, &out, counts,
		    &err) != 0) {
		print_error("rewrite failed: %s\n", err.msg);
		fail();
	}
	if (out.len != strlen(want) || memcmp(out.data, want, out.len)) {
		print_error("want:\n%s\ngot:\n%.*s\n", want, (int)out.len,
			    out.data ? out.data : "");
		fail();
	}
	lt_buf_release(&out);
}

static void test_redact_ascii(void **state)
{
	struct lt_plan_action a = act(LT_ACT_REDACT, "nric", 1);

	(void)state;
	a.keep = LT_KEEP_LAST4;
	expect_out("id,nric\n1,S1234567D\n2,\n3,\"T7654321A\"\n",
		   &a, 1, "id,nric\n1,*****567D\n2,\n3,\"*****321A\"\n");
	a.keep = LT_KEEP_NONE;
	expect_out("id,nric\n1,S1234567D\n", &a, 1, "id,nric\n1,*********\n");
	a.keep = LT_KEEP_FIRST6;
	a.column = "card";
	expect_out("id,card\n1,4111-1111-1111-1111\n", &a, 1,
		   "id,card\n1,4111-1*************\n");
	a.keep = LT_KEEP_DOMAIN;
	a.column = "email";
	expect_out("id,email\n1,ana.s@example.org\n2,no-at-sign\n", &a, 1,
		   "id,email\n1,*****@example.org\n2,**********\n");
	/* a mask that is not '*' */
	a.keep = LT_KEEP_LAST4;
	a.mask = '#';
	a.column = "nric";
	expect_out("id,nric\n1,S1234567D\n", &a, 1, "id,nric\n1,#####567D\n");
}

/* A plan made with --no-header: the first record is data (col2), no
 * header check, and it is redacted like the others. */
static void test_redact_headerless(void **state)
{
	struct lt_plan_action a = act(LT_ACT_REDACT, "col2", 1);

	(void)state;
	a.keep = LT_KEEP_LAST4;
	a.format.header = false;
	expect_out("1,S1234567D\n2,T7654321A\n", &a, 1,
		   "1,*****567D\n2,*****321A\n");
	a.format.header = true;   /* with a header the first record is kept */
	a.column = "nric";
	expect_out("id,nric\n1,S1234567D\n", &a, 1, "id,nric\n1,*****567D\n");
}

static void test_redact_hangul(void **state)
{
	struct lt_plan_action a = act(LT_ACT_REDACT, "이름", 1);

	(void)state;
	a.keep = LT_KEEP_NONE;
	expect_out("번호,이름\n1,홍길동\n", &a, 1, "번호,이름\n1,***\n");
	a.keep = LT_KEEP_LAST4;
	expect_out("번호,이름\n1,남궁민수님안녕\n", &a, 1,
		   "번호,이름\n1,***수님안녕\n");
	a.keep = LT_KEEP_FIRST6;
	expect_out("번호,이름\n1,가나다라마바사아\n", &a, 1,
		   "번호,이름\n1,가나다라마바**\n");
	a.column = "주소";
	a.keep = LT_KEEP_DOMAIN;
	expect_out("번호,주소\n1,홍길동@예시.kr\n", &a, 1,
		   "번호,주소\n1,***@예시.kr\n");
}

static void test_hash_nullify(void **state)
{
	struct lt_plan_action a[2] = { act(LT_ACT_HASH, "nric", 1),
				       act(LT_ACT_NULLIFY, "mobile", 2) };
	uint8_t mac[32];
	char hex[65], want[256];

	(void)state;
	lt_hmac_sha256("k3y", 3, "S1234567D", 9, mac);
	lt_hex(mac, 32, hex);
	snprintf(want, sizeof want, "id,nric,mobile\r\n1,%s,\r\n2,,\"\"\r\n",
		 hex);
	expect_out("id,nric,mobile\r\n1,S1234567D,91234567\r\n2,,\"\"\r\n", a,
		   2, want);
	/* a quoted cell nullified is an empty field, not "" */
	expect_out("id,nric,mobile\n3,,\"9123 4567\"\n", a, 2,
		   "id,nric,mobile\n3,,\n");
}

static void test_delete_rows(void **state)
{
	struct lt_plan_action a = act(LT_ACT_DELETE_ROWS, NULL, -1);
	struct lt_plan_cond c;
	long idx[1] = { 1 };
	char *cols[1] = { "created_at" };
	struct lt_buf out;
	struct lt_rw_count counts[1];
	struct lt_err err;
	const char *in =
		"id,created_at\r\n"
		"1,2019-01-01\r\n"   /* over 2y */
		"2,2026-01-01\r\n"   /* within */
		"\r\n"               /* blank line: kept */
		"3,\"2018-05-05\"\r\n"
		"4,not a date\r\n"   /* unreadable: kept */
		"5,2020-02-02";      /* over, no terminator */

	(void)state;
	memset(&c, 0, sizeof c);
	c.rule = "r";
	c.retain.n = 2;
	c.retain.unit = LT_UNIT_YEARS;
	c.age_columns.v = cols;
	c.age_columns.n = 1;
	c.age_column_indexes = idx;
	a.conds = &c;
	a.n_conds = 1;
	lt_buf_init(&out, 0);
	assert_int_equal(rewrite(in, strlen(in), &a, 1, LT_ENC_AUTO, 0, &out,
				 counts, &err), 0);
	assert_int_equal(counts[0].rows, 3);
	assert_int_equal(out.len, strlen("id,created_at\r\n2,2026-01-01\r\n\r\n"
					 "4,not a date\r\n"));
	assert_memory_equal(out.data,
			    "id,created_at\r\n2,2026-01-01\r\n\r\n4,not a date\r\n",
			    out.len);
	lt_buf_release(&out);
}

static void test_holds(void **state)
{
	struct lt_plan_action a = act(LT_ACT_REDACT, "nric", 1);
	struct lt_plan_hold h;
	char *keys[1] = { "C2" };

	(void)state;
	memset(&h, 0, sizeof h);
	h.id = "dispute";
	h.column = "id";
	h.column_index = 0;
	h.keys.v = keys;
	h.keys.n = 1;
	a.holds = &h;
	a.n_holds = 1;
	expect_out("id,nric\nC1,S1234567D\n C2 ,T7654321A\n", &a, 1,
		   "id,nric\nC1,*********\n C2 ,T7654321A\n");
}

static void test_drop_column(void **state)
{
	struct lt_plan_action a = act(LT_ACT_DROP_COLUMN, "a", 0);

	(void)state;
	expect_out("a,b,c\r\n1,2,3\r\n\"x,y\",5,6\r\n", &a, 1,
		   "b,c\r\n2,3\r\n5,6\r\n");
	a.column = "b";
	a.column_index = 1;
	expect_out("a,b,c\n1,\"2\n2\",3\n4,5,6", &a, 1, "a,c\n1,3\n4,6");
	a.column = "c";
	a.column_index = 2;
	expect_out("a;b;c\n1;2;3\n4;5\n", &a, 1, "a;b\n1;2\n4;5\n");
}

static void test_quoting(void **state)
{
	struct lt_plan_action a = act(LT_ACT_REDACT, "email", 1);
	struct lt_plan_action r = act(LT_ACT_REDACT, "note", 2);

	(void)state;
	a.keep = LT_KEEP_DOMAIN;
	/* untouched quoted fields stay byte-identical; a quoted cell stays
	 * quoted; blanks around a cell are kept */
	expect_out("\"id\",email,\"x\"\n\"1\", \"a@b.co\" ,\"q \"\"z\"\"\"\n"
		   "2,  c@d.co  ,y\n",
		   &a, 1,
		   "\"id\",email,\"x\"\n\"1\", \"*@b.co\" ,\"q \"\"z\"\"\"\n"
		   "2,  *@d.co  ,y\n");
	/* a value that needs quotes gets them (the kept domain has a comma) */
	expect_out("id,email\n1,x@a\"b,c\n", &a, 1,
		   "id,email\n1,\"*@a\"\"b\",c\n");
	expect_out("id,email\n1,\"x@a,b\"\n", &a, 1, "id,email\n1,\"*@a,b\"\n");
	/* an embedded newline is a character like any other */
	r.keep = LT_KEEP_NONE;
	expect_out("id,x,note\n1,2,\"ab\r\ncd\"\n", &r, 1,
		   "id,x,note\n1,2,\"******\"\n");
}

static void test_header_mismatch(void **state)
{
	struct lt_plan_action a = act(LT_ACT_REDACT, "nric", 1);
	struct lt_buf out;
	struct lt_rw_count counts[1];
	struct lt_err err;
	const char *in = "id,email\n1,x\n";

	(void)state;
	lt_buf_init(&out, 0);
	assert_int_equal(rewrite(in, strlen(in), &a, 1, LT_ENC_AUTO, 0, &out,
				 counts, &err), -1);
	assert_int_equal(err.code, LT_E_CONFIG);
	lt_buf_release(&out);
}

/* ---- encodings and gzip ------------------------------------------------------------------ */

static size_t conv(const char *to, const char *from, const char *in,
		   size_t n, char *out, size_t cap)
{
	iconv_t cd = iconv_open(to, from);
	char *ip = (char *)in, *op = out;
	size_t il = n, ol = cap;

	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
	iconv_close(cd);
	return cap - ol;
}

static void test_utf16_cp949(void **state)
{
	const char *in = "번호,이름,주민번호\r\n1,홍길동,800101-1234567\r\n"
			 "2,\"김, 철수\",900202-2345678\r\n";
	const char *want = "번호,이름,주민번호\r\n1,홍길동,**************\r\n"
			   "2,\"김, 철수\",**************\r\n";
	struct lt_plan_action a = act(LT_ACT_REDACT, "주민번호", 2);
	char enc[1024], wenc[1024];
	size_t en, wn;
	struct lt_buf out;
	struct lt_rw_count counts[1];
	struct lt_err err;

	(void)state;
	a.keep = LT_KEEP_NONE;
	lt_buf_init(&out, 0);
	/* UTF-16LE with a BOM */
	enc[0] = (char)0xFF;
	enc[1] = (char)0xFE;
	en = 2 + conv("UTF-16LE", "UTF-8", in, strlen(in), enc + 2,
		      sizeof enc - 2);
	wenc[0] = (char)0xFF;
	wenc[1] = (char)0xFE;
	wn = 2 + conv("UTF-16LE", "UTF-8", want, strlen(want), wenc + 2,
		      sizeof wenc - 2);
	assert_int_equal(rewrite(enc, en, &a, 1, LT_ENC_AUTO, 0, &out, counts,
				 &err), 0);
	assert_int_equal(counts[0].cells, 2);
	assert_int_equal(out.len, wn);
	assert_memory_equal(out.data, wenc, wn);
	/* an odd byte count cannot be rewritten byte for byte */
	assert_int_equal(rewrite(enc, en - 1, &a, 1, LT_ENC_AUTO, 0, &out,
				 counts, &err), -1);
	assert_int_equal(err.code, LT_E_ENCODING);
	/* CP949, no BOM, the plan naming the encoding */
	en = conv("CP949", "UTF-8", in, strlen(in), enc, sizeof enc);
	wn = conv("CP949", "UTF-8", want, strlen(want), wenc, sizeof wenc);
	assert_int_equal(rewrite(enc, en, &a, 1, LT_ENC_CP949, ',', &out,
				 counts, &err), 0);
	assert_int_equal(out.len, wn);
	assert_memory_equal(out.data, wenc, wn);
	/* CP949 detected */
	assert_int_equal(rewrite(enc, en, &a, 1, LT_ENC_AUTO, 0, &out, counts,
				 &err), 0);
	assert_memory_equal(out.data, wenc, wn);
	lt_buf_release(&out);
}

static void test_bom_utf8(void **state)
{
	struct lt_plan_action a = act(LT_ACT_NULLIFY, "b", 1);

	(void)state;
	expect_out("\xEF\xBB\xBF" "a,b\r\n1,2\r\n", &a, 1,
		   "\xEF\xBB\xBF" "a,b\r\n1,\r\n");
}

static void test_gzip(void **state)
{
	const char *in = "id,nric\n1,S1234567D\n2,T7654321A\n";
	struct lt_plan_action a = act(LT_ACT_REDACT, "nric", 1);
	unsigned char gz[512], back[512];
	z_stream z;
	struct lt_buf out;
	struct lt_rw_count counts[1];
	struct lt_err err;

	(void)state;
	a.keep = LT_KEEP_LAST4;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)strlen(in);
	z.next_out = gz;
	z.avail_out = sizeof gz;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	lt_buf_init(&out, 0);
	assert_int_equal(rewrite(gz, sizeof gz - z.avail_out, &a, 1,
				 LT_ENC_AUTO, 0, &out, counts, &err), 0);
	assert_true(out.len > 2 && (unsigned char)out.data[0] == 0x1f &&
		    (unsigned char)out.data[1] == 0x8b);
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 31), Z_OK);
	z.next_in = (unsigned char *)out.data;
	z.avail_in = (uInt)out.len;
	z.next_out = back;
	z.avail_out = sizeof back;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	inflateEnd(&z);
	back[sizeof back - z.avail_out] = 0;
	assert_string_equal((char *)back,
			    "id,nric\n1,*****567D\n2,*****321A\n");
	/* a truncated gzip is an error */
	assert_int_equal(rewrite(gz, 20, &a, 1, LT_ENC_AUTO, 0, &out, counts,
				 &err), -1);
	assert_int_equal(err.code, LT_E_FORMAT);
	lt_buf_release(&out);
}

static void test_needs_quotes(void **state)
{
	(void)state;
	assert_false(lt_rw_needs_quotes("abc", 3, ','));
	assert_false(lt_rw_needs_quotes("", 0, ','));
	assert_true(lt_rw_needs_quotes("a,b", 3, ','));
	assert_false(lt_rw_needs_quotes("a,b", 3, ';'));
	assert_true(lt_rw_needs_quotes("a;b", 3, ';'));
	assert_true(lt_rw_needs_quotes("a\"b", 3, ','));
	assert_true(lt_rw_needs_quotes("a\nb", 3, ','));
	assert_true(lt_rw_needs_quotes(" ab", 3, ','));
	assert_true(lt_rw_needs_quotes("ab\t", 3, ','));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tok_every_chunk),
		cmocka_unit_test(test_tok_lead_trail),
		cmocka_unit_test(test_tok_big),
		cmocka_unit_test(test_tok_errors),
		cmocka_unit_test(test_needs_quotes),
		cmocka_unit_test(test_redact_ascii),
		cmocka_unit_test(test_redact_headerless),
		cmocka_unit_test(test_redact_hangul),
		cmocka_unit_test(test_hash_nullify),
		cmocka_unit_test(test_delete_rows),
		cmocka_unit_test(test_holds),
		cmocka_unit_test(test_drop_column),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_header_mismatch),
		cmocka_unit_test(test_utf16_cp949),
		cmocka_unit_test(test_bom_utf8),
		cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
