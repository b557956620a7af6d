/*
 * test_plan.c - the plan module: SHA-256 (FIPS 180-2 vectors), HMAC-SHA-256
 * (RFC 4231), redaction, plan.json written and read back, the row
 * decisions plan and apply share (every date format, zone edges, holds,
 * unreadable dates, the union of delete rules, age_from files), header
 * checks, and the TimeZone string plan.sql gives PostgreSQL.
 *
 * Expected instants are written as UTC strings and converted with timegm(),
 * independently of the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lethe/plan.h"
#include "../../src/plan/plan_int.h"

#include "testdir.h"

static void hexeq(const uint8_t d[32], const char *want)
{
	char h[65];

	assert_string_equal(lt_hex(d, 32, h), want);
}

/* ---- SHA-256 --------------------------------------------------------------- */

static void test_sha256_vectors(void **state)
{
	static const struct { const char *in, *hex; } V[] = {
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	uint8_t d[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof V / sizeof *V; i++) {
		lt_sha256(V[i].in, strlen(V[i].in), d);
		hexeq(d, V[i].hex);
	}
}

/* One million 'a' (FIPS 180-2), fed in pieces of every size 1..97 so
 * block boundaries fall everywhere. */
static void test_sha256_million(void **state)
{
	struct lt_sha256 c;
	char buf[97];
	size_t left = 1000000, k = 1;
	uint8_t d[32];

	(void)state;
	memset(buf, 'a', sizeof buf);
	lt_sha256_init(&c);
	while (left) {
		size_t n = k < left ? k : left;

		lt_sha256_update(&c, buf, n);
		left -= n;
		k = k % 97 + 1;
	}
	lt_sha256_final(&c, d);
	hexeq(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the padding boundary (55, 56, 63, 64, 65 bytes), against
 * the one-shot digest of the same bytes split at every point. */
static void test_sha256_split(void **state)
{
	char msg[130];
	size_t len, cut;

	(void)state;
	for (len = 0; len < sizeof msg; len++)
		msg[len] = (char)('a' + len % 26);
	for (len = 50; len < sizeof msg; len++) {
		uint8_t whole[32];

		lt_sha256(msg, len, whole);
		for (cut = 0; cut <= len; cut++) {
			struct lt_sha256 c;
			uint8_t d[32];

			lt_sha256_init(&c);
			lt_sha256_update(&c, msg, cut);
			lt_sha256_update(&c, msg + cut, len - cut);
			lt_sha256_final(&c, d);
			assert_memory_equal(d, whole, 32);
		}
	}
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* RFC 4231 test cases 1-4, 6, 7 (5 truncates its output). */
static void test_hmac_rfc4231(void **state)
{
	static const struct { const char *key, *data, *mac; } V[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};
	uint8_t key[200], data[200], d[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof V / sizeof *V; i++) {
		size_t kn = unhex(V[i].key, key), dn = unhex(V[i].data, data);
		struct lt_hmac h;

		lt_hmac_sha256(key, kn, data, dn, d);
		hexeq(d, V[i].mac);
		/* a prepared key gives the same, message after message */
		lt_hmac_init(&h, key, kn);
		lt_hmac_mac(&h, data, dn, d);
		hexeq(d, V[i].mac);
		lt_hmac_mac(&h, data, dn, d);
		hexeq(d, V[i].mac);
	}
}

static void test_fingerprint(void **state)
{
	struct lt_plan_fp fp;
	struct lt_err e;
	const char *p = write_file("abc.txt", "abc");

	(void)state;
	assert_int_equal(lt_plan_fingerprint(p, &fp, &e), 0);
	assert_true(fp.set);
	assert_int_equal(fp.bytes, 3);
	assert_string_equal(fp.sha256,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(fp.mtime_ns > 0);
	assert_int_equal(lt_plan_fingerprint("/nonexistent/x", &fp, &e), -1);
	assert_int_equal(e.code, LT_E_IO);
}

/* ---- redaction (plan.sql's expressions compute the same: pg_plan.sh) ------ */

static void test_redact(void **state)
{
	static const struct { enum lt_keep k; char mask; const char *in, *out; } V[] = {
		{ LT_KEEP_LAST4, '*', "S1234567D", "*****567D" },
		{ LT_KEEP_LAST4, '*', "4111-1111-1111-1111", "***************1111" },
		{ LT_KEEP_LAST4, '*', "1234", "1234" },
		{ LT_KEEP_LAST4, '*', "12", "12" },
		{ LT_KEEP_LAST4, '#', "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4\xed\x85\x8c\xec\x8a\xa4\xed\x8a\xb8",
		  "##\xec\x96\xb4\xed\x85\x8c\xec\x8a\xa4\xed\x8a\xb8" }, /* 한국어테스트 */
		{ LT_KEEP_FIRST6, '*', "4111-1111-1111-1111", "4111-1*************" },
		{ LT_KEEP_FIRST6, '*', "41111", "41111" },
		{ LT_KEEP_NONE, '*', "S1234567D", "*********" },
		{ LT_KEEP_NONE, 'x', "\xed\x99\x8d\xea\xb8\xb8\xeb\x8f\x99", "xxx" }, /* 홍길동 */
		{ LT_KEEP_NONE, '*', "a\xff" "b", "***" },   /* a stray byte is one */
		{ LT_KEEP_DOMAIN, '*', "alice.tan@example.com", "*********@example.com" },
		{ LT_KEEP_DOMAIN, '*', "a@b@c.com", "***@c.com" },
		{ LT_KEEP_DOMAIN, '*', "no-at-sign", "**********" },
		{ LT_KEEP_DOMAIN, '*', "\xed\x99\x8d@x.kr", "*@x.kr" },
		{ LT_KEEP_NONE, '*', "", "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof V / sizeof *V; i++) {
		struct lt_buf b;

		lt_buf_init(&b, 0);
		assert_int_equal(lt_redact(V[i].k, V[i].mask, V[i].in, strlen(V[i].in), &b), 0);
		if (strcmp(b.data ? b.data : "", V[i].out) != 0)
			fail_msg("vector %zu: got '%s', want '%s'", i, b.data ? b.data : "", V[i].out);
		lt_buf_release(&b);
	}
	{
		struct lt_buf b;

		lt_buf_init(&b, 4);
		assert_int_equal(lt_redact(LT_KEEP_NONE, '*', "123456", 6, &b), -1);
		lt_buf_release(&b);
	}
}

/* ---- a hand-built plan --------------------------------------------------- */

static void sl_set(struct lt_strlist *l, const char *const *v, size_t n)
{
	size_t i;

	l->v = calloc(n + 1, sizeof *l->v);
	for (i = 0; i < n; i++)
		l->v[i] = strdup(v[i]);
	l->n = n;
}

/* Header: 0 id, 1 email, 2 card, 3 last_order_at, 4 created_at, 5 seen_at */
static void cond_cols(struct lt_plan_cond *c, const char *rule, const char *retain,
		      const char *const *cols, const long *idx, size_t n, lt_ms now,
		      const struct lt_tz *tz)
{
	memset(c, 0, sizeof *c);
	c->rule = strdup(rule);
	assert_int_equal(lt_duration_parse(retain, &c->retain), 0);
	sl_set(&c->age_columns, cols, n);
	c->age_column_indexes = calloc(n + 1, sizeof(long));
	memcpy(c->age_column_indexes, idx, n * sizeof(long));
	c->cutoff = lt_age_cutoff(c->retain, tz, now);
}

static struct lt_plan *hand_plan(void)
{
	static const char *const age2[] = { "last_order_at", "created_at" };
	static const long idx2[] = { 3, 4 };
	static const char *const age1[] = { "seen_at" };
	static const long idx1[] = { 5 };
	static const char *const keys[] = { "C0001", "C0009" };
	struct lt_plan *p = calloc(1, sizeof *p);
	struct lt_plan_action *a;
	struct lt_err e;
	size_t i;

	p->policy_path = strdup("policies/test.yaml");
	p->policy_name = strdup("test");
	memset(p->policy_sha256, 'a', 64);
	p->now = utc("2026-11-01T00:00:00Z");
	p->generated_at = 1790000000;
	p->timezone = strdup("+08:00");
	assert_int_equal(lt_tz_load(p->timezone, &p->tz, &e), 0);
	p->n_actions = 3;
	p->actions = calloc(3, sizeof *p->actions);
	for (i = 0; i < 3; i++) {
		a = &p->actions[i];
		a->id = i + 1;
		a->kind = LT_PLAN_FILE;
		a->source = strdup("exports/c.csv");
		a->path = strdup("exports/c.csv");
		a->column_index = -1;
		a->mask = '*';
		a->fp.set = true;
		a->fp.bytes = 123;
		a->fp.mtime_ns = 1790000000123456789LL;
		memset(a->fp.sha256, 'b', 64);
		strcpy(a->format.container, "gzip");
		strcpy(a->format.encoding, "cp949");
		a->format.bom = true;
		a->format.delimiter = ';';
		a->holds = calloc(1, sizeof *a->holds);
		a->n_holds = 1;
		a->holds[0].id = strdup("dispute");
		a->holds[0].column = strdup("id");
		a->holds[0].column_index = 0;
		sl_set(&a->holds[0].keys, keys, 2);
	}
	/* 1: delete_rows, union of two rules */
	a = &p->actions[0];
	a->action = LT_ACT_DELETE_ROWS;
	a->rule = strdup("contacts-2y");
	{
		static const char *const r[] = { "contacts-2y", "seen-90d" };

		sl_set(&a->rules, r, 2);
	}
	a->conds = calloc(2, sizeof *a->conds);
	a->n_conds = 2;
	cond_cols(&a->conds[0], "contacts-2y", "2y", age2, idx2, 2, p->now, p->tz);
	cond_cols(&a->conds[1], "seen-90d", "90d", age1, idx1, 1, p->now, p->tz);
	a->rows = 7;
	/* 2: redact the card, retain 0 */
	a = &p->actions[1];
	a->action = LT_ACT_REDACT;
	a->column = strdup("card");
	a->column_index = 2;
	a->rule = strdup("cards");
	a->keep = LT_KEEP_LAST4;
	a->mask = '#';
	a->rows = a->cells = 3;
	/* 3: nullify the email after 18m */
	a = &p->actions[2];
	a->action = LT_ACT_NULLIFY;
	a->column = strdup("email");
	a->column_index = 1;
	a->rule = strdup("emails-18m");
	a->conds = calloc(1, sizeof *a->conds);
	a->n_conds = 1;
	{
		static const char *const c[] = { "created_at" };
		static const long ci[] = { 4 };

		cond_cols(&a->conds[0], "emails-18m", "18m", c, ci, 1, p->now, p->tz);
		a->conds[0].date_format = LT_DATE_DMY;
	}
	a->rows = a->cells = 2;
	p->sql_path = strdup("plan.sql");
	memset(p->sql_sha256, 'c', 64);
	p->violations = calloc(1, sizeof *p->violations);
	p->n_violations = 1;
	p->violations[0].rule = strdup("cards");
	p->violations[0].source = strdup("exports/c.csv");
	p->violations[0].column = strdup("card");
	p->violations[0].type = strdup("payment_card");
	p->violations[0].rows = 3;
	strcpy(p->violations[0].oldest, "2019-03-02");
	p->ungoverned = calloc(1, sizeof *p->ungoverned);
	p->n_ungoverned = 1;
	p->ungoverned[0].source = strdup("exports/c.csv");
	p->ungoverned[0].column = strdup("notes");
	p->ungoverned[0].type = strdup("my.mykad");
	p->unreadable = calloc(1, sizeof *p->unreadable);
	p->n_unreadable = 1;
	p->unreadable[0].source = strdup("exports/c.csv");
	p->unreadable[0].column = strdup("created_at");
	p->unreadable[0].rows = 4;
	p->refused = calloc(1, sizeof *p->refused);
	p->n_refused = 1;
	p->refused[0].source = strdup("-");
	p->refused[0].column = strdup("nric");
	p->refused[0].rule = strdup("ids");
	p->refused[0].reason = strdup("read from standard input");
	return p;
}

static void test_json_round_trip(void **state)
{
	struct lt_plan *p = hand_plan(), *q = NULL;
	struct lt_err e;
	char path[600];
	char *a, *b;

	(void)state;
	snprintf(path, sizeof path, "%s/plan.json", tmpdir);
	assert_int_equal(lt_plan_write(p, path, &e), 0);
	if (lt_plan_load(path, &q, &e) < 0)
		fail_msg("load: %s", e.msg);
	a = lt_plan_dumps(p);
	b = lt_plan_dumps(q);
	assert_string_equal(a, b);
	assert_int_equal(q->n_actions, 3);
	assert_int_equal(q->actions[1].mask, '#');
	assert_int_equal(q->actions[1].keep, LT_KEEP_LAST4);
	assert_int_equal(q->actions[2].conds[0].date_format, LT_DATE_DMY);
	assert_int_equal(q->actions[0].conds[1].retain.n, 90);
	assert_int_equal(q->actions[0].fp.mtime_ns, 1790000000123456789LL);
	assert_int_equal(q->actions[0].format.delimiter, ';');
	assert_true(q->actions[0].format.bom);
	assert_int_equal(q->now, p->now);
	assert_string_equal(lt_tz_name(q->tz), "+08:00");
	free(a);
	free(b);
	lt_plan_free(p);
	lt_plan_free(q);
}

static void test_json_bad(void **state)
{
	static const struct { const char *text, *msg; } V[] = {
		{ "{", "not a plan" },
		{ "{\"plan\": \"other\", \"version\": 1}", "not a lethe plan" },
		{ "{\"plan\": \"lethe.plan\", \"version\": 2}", "not a lethe plan" },
		{ "{\"plan\": \"lethe.plan\", \"version\": 1, \"now\": \"2026-11-01T00:00:00Z\","
		  " \"actions\": [{\"id\": 1, \"source\": \"a\", \"kind\": \"file\", \"path\": \"a\","
		  " \"action\": \"shred\", \"rows\": 1}]}", "unknown action 'shred'" },
		{ "{\"plan\": \"lethe.plan\", \"version\": 1, \"now\": \"2026-11-01T00:00:00Z\","
		  " \"actions\": [{\"id\": 1, \"source\": \"a\", \"kind\": \"file\", \"path\": \"a\","
		  " \"action\": \"redact\", \"column\": \"c\", \"column_index\": 0, \"rule\": \"r\","
		  " \"rows\": 1}]}", "'fingerprint' missing" },
		{ "{\"plan\": \"lethe.plan\", \"version\": 1, \"actions\": []}", "'now' missing" },
		{ "{\"plan\": \"lethe.plan\", \"version\": 1, \"now\": \"x\", \"actions\": []}", "'now' missing" },
		{ "{\"plan\": \"lethe.plan\", \"version\": 1, \"now\": \"2026-11-01T00:00:00Z\","
		  " \"timezone\": \"Mars/Olympus\", \"actions\": []}", "time zone" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof V / sizeof *V; i++) {
		struct lt_plan *p = NULL;
		struct lt_err e;
		const char *path = write_file("bad.json", V[i].text);

		lt_err_clear(&e);
		assert_int_equal(lt_plan_load(path, &p, &e), -1);
		assert_null(p);
		if (!strstr(e.msg, V[i].msg))
			fail_msg("case %zu: message '%s' lacks '%s'", i, e.msg, V[i].msg);
	}
}

/* ---- row decisions ----------------------------------------------------------- */

struct row {
	const char *f[6];   /* id, email, card, last_order_at, created_at, seen_at */
};

static enum lt_row judge(const struct lt_plan *p, size_t act, const struct row *r)
{
	struct lt_field f[6];
	size_t i;

	for (i = 0; i < 6; i++) {
		f[i].p = r->f[i] ? r->f[i] : "";
		f[i].n = strlen(f[i].p);
	}
	return lt_plan_row(p, &p->actions[act], f, 6);
}

/* Every date format, and the instants around the limit, at +08:00 with
 * now = 2026-11-01T00:00:00Z (08:00 local) and retain 2y: a date is over
 * when it is before 2024-11-01T00:00:00Z (no month-end clamp here). */
static void test_rows_formats(void **state)
{
	static const struct { const char *date; enum lt_row want; } V[] = {
		{ "2024-10-31", LT_ROW_OVER },               /* midnight +08 */
		{ "2024-11-01", LT_ROW_OVER },               /* 2024-10-31T16:00Z */
		{ "2024-11-02", LT_ROW_WITHIN },
		{ "2024-11-01 07:59:59", LT_ROW_OVER },
		{ "2024-11-01 08:00", LT_ROW_WITHIN },       /* exactly at the limit */
		{ "2024-11-01T08:00:00.001", LT_ROW_WITHIN },
		{ "2024-11-01t07:59:59.999", LT_ROW_OVER },
		{ "2024-10-31T23:59:59Z", LT_ROW_OVER },
		{ "2024-11-01T00:00:00Z", LT_ROW_WITHIN },
		{ "2024-11-01T09:00:00+09:00", LT_ROW_WITHIN },
		{ "2024-11-01T08:59:59+0900", LT_ROW_OVER },
		{ "2024-10-31T19:00:00-05", LT_ROW_WITHIN },   /* 00:00Z */
		{ "01/11/2024", LT_ROW_OVER },
		{ "2/11/2024", LT_ROW_WITHIN },
		{ "31-10-2024 23:59", LT_ROW_OVER },
		{ "20241101", LT_ROW_OVER },
		{ "20241102", LT_ROW_WITHIN },
		{ "2024.11.01", LT_ROW_OVER },
		{ "2024.11.01 08:00", LT_ROW_WITHIN },
		{ "1730419199", LT_ROW_OVER },               /* 2024-10-31T23:59:59Z */
		{ "1730419200", LT_ROW_WITHIN },
		{ "1730419199999", LT_ROW_OVER },
		{ "1730419200000", LT_ROW_WITHIN },
		{ "  2024-10-01  ", LT_ROW_OVER },           /* blanks around */
		{ "31/02/2024", LT_ROW_UNREADABLE },         /* no such day */
		{ "2024-13-01", LT_ROW_UNREADABLE },
		{ "10/31/2024", LT_ROW_UNREADABLE },         /* never month first */
		{ "2024/10/01", LT_ROW_UNREADABLE },
		{ "soon", LT_ROW_UNREADABLE },
		{ "17304192", LT_ROW_UNREADABLE },           /* 8 digits: YYYYMMDD */
	};
	struct lt_plan *p = hand_plan();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof V / sizeof *V; i++) {
		/* the delete action: contacts-2y on last_order_at; seen_at
		 * empty makes seen-90d unreadable, which must not hide an
		 * over or within verdict of the other rule... */
		struct row r = { { "C0002", "x@y", "", V[i].date, "", "2026-10-31" } };
		enum lt_row got = judge(p, 0, &r);

		if (got != V[i].want)
			fail_msg("'%s': got %d, want %d", V[i].date, got, V[i].want);
	}
	lt_plan_free(p);
}

static void test_rows_rules(void **state)
{
	struct lt_plan *p = hand_plan();
	struct lt_plan_action *const acts[] = { &p->actions[0], &p->actions[1],
						&p->actions[2] };
	struct { struct row r; bool del; uint8_t t1, t2; const char *why; } V[] = {
		/* held: never touched, however old */
		{ { { "C0001", "a@b", "4111", "2001-01-01", "", "2001-01-01" } }, false, 0, 0, "held" },
		{ { { " C0009\t", "a@b", "4111", "2001-01-01", "", "" } }, false, 0, 0, "held, key trimmed" },
		/* the first non-empty age column decides (last_order_at recent) */
		{ { { "C1", "a@b", "4111", "2026-01-01", "2001-01-01", "2026-10-30" } }, false, 1, 0, "first non-empty; ISO is not dmy" },
		/* last_order_at empty: created_at decides */
		{ { { "C2", "a@b", "4111", "", "2001-01-01", "2026-10-30" } }, true, 0, 0, "falls to created_at" },
		/* union: contacts within, seen-90d over */
		{ { { "C3", "a@b", "4111", "2026-01-01", "", "2026-01-01" } }, true, 0, 0, "second delete rule" },
		/* unreadable last_order_at does not fall through to created_at */
		{ { { "C4", "", "4111", "31/02/2024", "2001-01-01", "2026-10-30" } }, false, 1, 0, "unreadable: kept" },
		/* redact: empty card untouched; nullify: emails-18m on created_at
		 * with date_format dmy: ISO cannot be read as dmy */
		{ { { "C5", "a@b", "", "2026-01-01", "2001-01-01", "2026-10-30" } }, false, 0, 0, "created_at not dmy" },
		{ { { "C6", "a@b", "4111", "2026-01-01", "01/01/2001", "2026-10-30" } }, false, 1, 1, "dmy over" },
		{ { { "C7", "", "4111", "2026-01-01", "01/01/2001", "2026-10-30" } }, false, 1, 0, "nullify: empty cell untouched" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof V / sizeof *V; i++) {
		struct lt_field f[6];
		uint8_t touch[3];
		bool del;
		size_t k;

		for (k = 0; k < 6; k++) {
			f[k].p = V[i].r.f[k];
			f[k].n = strlen(f[k].p);
		}
		del = lt_plan_decide(p, (const struct lt_plan_action *const *)acts, 3, f, 6, touch);
		if (del != V[i].del || touch[0] != V[i].del || touch[1] != V[i].t1 ||
		    touch[2] != V[i].t2)
			fail_msg("%s: del %d touch %d %d %d", V[i].why, del, touch[0],
				 touch[1], touch[2]);
	}
	/* a short (ragged) row: missing fields are empty */
	{
		struct lt_field f[2] = { { "C8", 2 }, { "a@b", 3 } };
		uint8_t touch[3];

		assert_false(lt_plan_decide(p, (const struct lt_plan_action *const *)acts,
					    3, f, 2, touch));
		assert_int_equal(touch[1], 0);
		assert_int_equal(lt_plan_row(p, &p->actions[0], f, 2), LT_ROW_UNREADABLE);
	}
	/* which column could not be read */
	{
		struct row r = { { "C9", "", "", "", "yesterday", "" } };
		struct lt_field f[6];
		const char *ucol = NULL;
		size_t k;

		for (k = 0; k < 6; k++) {
			f[k].p = r.f[k];
			f[k].n = strlen(f[k].p);
		}
		assert_int_equal(lt_plan_cond_eval(p, &p->actions[0].conds[0], f, 6, NULL, &ucol),
				 LT_ROW_UNREADABLE);
		assert_string_equal(ucol, "created_at");
		assert_int_equal(lt_plan_cond_eval(p, &p->actions[0].conds[1], f, 6, NULL, &ucol),
				 LT_ROW_UNREADABLE);
		assert_string_equal(ucol, "seen_at");
	}
	lt_plan_free(p);
}

/* Month-end clamp and a zone with DST: Europe/Berlin (skipped without
 * tzdata).  now = 2026-03-29T01:30:00Z, just after the spring change. */
static void test_rows_zones(void **state)
{
	struct lt_plan *p = hand_plan();
	struct lt_tz *tz;
	struct lt_err e;
	struct row r = { { "C1", "", "", "", "", "" } };

	(void)state;
	/* 2y from 2024-02-29 is 2026-02-28 (clamped): with now 2026-02-28
	 * 12:00 local (+08), 2024-02-29 11:00 local is over, 13:00 within */
	p->now = utc("2026-02-28T04:00:00Z");
	r.f[3] = "2024-02-29 11:00";
	assert_int_equal(judge(p, 0, &r), LT_ROW_OVER);
	r.f[3] = "2024-02-29 13:00";
	r.f[5] = "2026-02-27";
	assert_int_equal(judge(p, 0, &r), LT_ROW_WITHIN);
	/* 18m from 2024-08-31 is 2026-02-28 */
	r.f[4] = "31/08/2024";
	{
		struct lt_field f[6];
		size_t k;

		for (k = 0; k < 6; k++) {
			f[k].p = r.f[k];
			f[k].n = strlen(f[k].p);
		}
		assert_int_equal(lt_plan_row(p, &p->actions[2], f, 6), LT_ROW_OVER);
	}
	if (lt_tz_load("Europe/Berlin", &tz, &e) == 0) {
		lt_tz_free(p->tz);
		p->tz = tz;
		/* 90d in a zone with DST keeps the wall time: 2025-12-29 03:00
		 * local (+01) + 90d = 2026-03-29 03:00 local (+02) = 01:00Z */
		p->now = utc("2026-03-29T01:30:00Z");
		r.f[3] = "";
		r.f[4] = "";
		r.f[5] = "2025-12-29 03:00";
		assert_int_equal(judge(p, 0, &r), LT_ROW_OVER);
		r.f[5] = "2025-12-29 04:00";
		assert_int_equal(judge(p, 0, &r), LT_ROW_UNREADABLE); /* no contacts date */
		r.f[3] = "2026-03-01";
		assert_int_equal(judge(p, 0, &r), LT_ROW_WITHIN);
	}
	lt_plan_free(p);
}

/* age_from {file}: the latest related date per key, read by prepare. */
static void test_rows_ref_file(void **state)
{
	struct lt_plan *p = hand_plan();
	struct lt_plan_action *a = &p->actions[0];
	struct lt_plan_cond *c = &a->conds[1];
	struct lt_err e;
	struct row r = { { "C1", "", "", "2026-10-01", "", "" } };
	const char *path = write_file("orders.csv",
		"order_id;Customer_ID;ordered_at\n"
		"1;C1;2020-01-01\n"
		"2;C1;2026-10-01\n"      /* the latest counts */
		"3;C2;2020-01-01\n"
		"4; C3 ;2020-01-01\n"
		"5;C3;n/a\n"             /* one unreadable date: C3 unreadable */
		"6;;2001-01-01\n");

	(void)state;
	/* seen-90d now reads the latest order of the same customer_id (id) */
	for (size_t i = 0; i < c->age_columns.n; i++)
		free(c->age_columns.v[i]);
	c->age_columns.n = 0;
	c->ref = calloc(1, sizeof *c->ref);
	c->ref->path = strdup(path);
	c->ref->column = strdup("ordered_at");
	c->ref->key = strdup("customer_id");
	c->ref->key_index = 0;
	assert_int_equal(lt_plan_fingerprint(path, &c->ref->fp, &e), 0);
	if (lt_plan_prepare(p, &e) < 0)
		fail_msg("prepare: %s", e.msg);
	assert_int_equal(judge(p, 0, &r), LT_ROW_WITHIN);   /* 2026-10-01 + 90d */
	r.f[0] = "C2";
	assert_int_equal(judge(p, 0, &r), LT_ROW_OVER);
	r.f[0] = "C3";
	assert_int_equal(judge(p, 0, &r), LT_ROW_UNREADABLE);
	r.f[0] = "C4";                                      /* no related row */
	assert_int_equal(judge(p, 0, &r), LT_ROW_UNREADABLE);
	/* written and read back, the plan still carries the file, and a
	 * changed file is refused by prepare */
	{
		char pp[600];
		struct lt_plan *q = NULL;

		snprintf(pp, sizeof pp, "%s/plan.json", tmpdir);
		assert_int_equal(lt_plan_write(p, pp, &e), 0);
		assert_int_equal(lt_plan_load(pp, &q, &e), 0);
		assert_non_null(q->actions[0].conds[1].ref);
		assert_int_equal(lt_plan_prepare(q, &e), 0);
		r.f[0] = "C2";
		assert_int_equal(judge(q, 0, &r), LT_ROW_OVER);
		lt_plan_free(q);
		write_file("orders.csv", "order_id;customer_id;ordered_at\n1;C2;2026-10-01\n");
		assert_int_equal(lt_plan_load(pp, &q, &e), 0);
		assert_int_equal(lt_plan_prepare(q, &e), -1);
		assert_non_null(strstr(e.msg, "changed since the plan"));
		lt_plan_free(q);
	}
	lt_plan_free(p);
}

static void test_check_header(void **state)
{
	struct lt_plan *p = hand_plan();
	struct lt_field h[6] = { { "ID", 2 }, { "email", 5 }, { "card", 4 },
				 { "last_order_at", 13 }, { "created_at", 10 },
				 { "seen_at", 7 } };
	struct lt_err e;

	(void)state;
	assert_int_equal(lt_plan_check_header(&p->actions[0], h, 6, &e), 0);
	assert_int_equal(lt_plan_check_header(&p->actions[1], h, 6, &e), 0);
	h[2].p = "card_no";
	h[2].n = 7;
	assert_int_equal(lt_plan_check_header(&p->actions[1], h, 6, &e), -1);
	assert_non_null(strstr(e.msg, "column 3 is no longer 'card'"));
	assert_int_equal(lt_plan_check_header(&p->actions[0], h, 3, &e), -1);
	lt_plan_free(p);
}

static void test_pg_timezone(void **state)
{
	static const struct { const char *in, *out; } V[] = {
		{ "UTC", "UTC" }, { "Z", "UTC" }, { "Etc/UTC", "UTC" },
		{ "+08:00", "<+0800>-08:00" }, { "-0530", "<-0530>+05:30" },
		{ "+09", "<+0900>-09:00" }, { "Asia/Seoul", "Asia/Seoul" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof V / sizeof *V; i++) {
		char *s = lt_plan_pg_timezone(V[i].in);

		assert_string_equal(s, V[i].out);
		free(s);
	}
}

static void test_times(void **state)
{
	char b[40];
	lt_ms t;

	(void)state;
	assert_string_equal(lt_plan_fmt_ms(utc("2026-11-01T00:00:00Z"), b, sizeof b),
			    "2026-11-01T00:00:00Z");
	assert_string_equal(lt_plan_fmt_ms(utc("2026-11-01T00:00:00.5Z") , b, sizeof b),
			    "2026-11-01T00:00:00.005Z");
	assert_string_equal(lt_plan_fmt_ms(-1, b, sizeof b), "1969-12-31T23:59:59.999Z");
	assert_int_equal(lt_plan_parse_time("2026-11-01", &t), 0);
	assert_int_equal(t, utc("2026-11-01T00:00:00Z"));
	assert_int_equal(lt_plan_parse_time("2026-11-01T08:00:00+08:00", &t), 0);
	assert_int_equal(t, utc("2026-11-01T00:00:00Z"));
	assert_int_equal(lt_plan_parse_time("01/11/2026", &t), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha256_million),
		cmocka_unit_test(test_sha256_split),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test_setup_teardown(test_fingerprint, setup_dir, teardown_dir),
		cmocka_unit_test(test_redact),
		cmocka_unit_test_setup_teardown(test_json_round_trip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_json_bad, setup_dir, teardown_dir),
		cmocka_unit_test(test_rows_formats),
		cmocka_unit_test(test_rows_rules),
		cmocka_unit_test(test_rows_zones),
		cmocka_unit_test_setup_teardown(test_rows_ref_file, setup_dir, teardown_dir),
		cmocka_unit_test(test_check_header),
		cmocka_unit_test(test_pg_timezone),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
