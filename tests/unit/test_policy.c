/*
 * test_policy.c - policy loading and checking, rule and hold matching,
 * dates, zones, durations and ages (module: policy).
 *
 * Expected instants are written as UTC strings and converted with timegm(),
 * independently of the code under test.  Zone cases that need the tz
 * database are skipped when it is absent.
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

#include "lethe/policy.h"

/* ---- helpers ------------------------------------------------------------- */

/* The built-in types of DESIGN.md, as a loaded packset would give them. */
static const struct lt_type_ref TYPES[] = {
	{ "sg.nric", "national_id" },       { "kr.rrn", "national_id" },
	{ "my.mykad", "national_id" },      { "sg.phone", "phone" },
	{ "kr.phone", "phone" },            { "my.phone", "phone" },
	{ "phone", "phone" },               { "email", "email" },
	{ "sg.address", "postal_address" }, { "sg.postal_code", "postal_code" },
	{ "person_name", "person_name" },   { "date_of_birth", "date_of_birth" },
	{ "payment_card", "payment_card" }, { "bank_account", "bank_account" },
	{ "ip_address", "ip_address" },     { "sg.nric_partial", "national_id_partial" },
};
#define N_TYPES (sizeof TYPES / sizeof *TYPES)

#include "testdir.h"
#include "testrng.h"

static bool have_tzdata(const char *zone)
{
	struct lt_tz *tz;
	struct lt_err e;

	if (lt_tz_load(zone, &tz, &e) < 0)
		return false;
	lt_tz_free(tz);
	return true;
}

static struct lt_tz *zone(const char *name)
{
	struct lt_tz *tz = NULL;
	struct lt_err e;

	if (!name)
		return NULL;
	if (lt_tz_load(name, &tz, &e) < 0)
		fail_msg("zone %s: %s", name, e.msg);
	return tz;
}

static struct lt_duration dur(const char *s)
{
	struct lt_duration d;

	if (lt_duration_parse(s, &d) < 0)
		fail_msg("bad test duration %s", s);
	return d;
}

/* ---- a good policy ------------------------------------------------------- */

static const char GOOD[] =
	"# a policy using every feature\n"
	"policy: test-good\n"
	"version: 1\n"
	"timezone: \"+08:00\"\n"
	"ungoverned: fail\n"
	"rules:\n"
	"  - id: no-cards\n"
	"    match: { types: [payment_card] }\n"
	"    retain: 0\n"
	"    action: redact\n"
	"    keep: last4\n"
	"    mask: \"#\"\n"
	"  - id: nric-in-exports\n"
	"    match: { types: [sg.nric], sources: [\"exports/*\"] }\n"
	"    retain: 0\n"
	"    action: redact\n"
	"  - id: customers\n"
	"    match:\n"
	"      categories: [national_id, phone, email]\n"
	"      tables: [\"*.customers\"]\n"
	"    retain: 2y\n"
	"    age_from: [last_order_at, created_at]\n"
	"    date_format: dmy\n"
	"    action: delete_rows\n"
	"  - id: rrn-after-order\n"
	"    match: { types: [kr.rrn] }\n"
	"    retain: 5y\n"
	"    age_from: { table: public.orders, column: ordered_at, key: customer_id }\n"
	"    action: hash\n"
	"  - id: emails-by-file\n"
	"    match: { categories: [email], columns: [EMAIL, \"contact_*\"] }\n"
	"    retain: 18m\n"
	"    age_from: { file: related/orders.csv, column: ordered_at, key: customer_id }\n"
	"    action: nullify\n"
	"  - id: email-domains\n"
	"    match: { types: [email] }\n"
	"    retain: 90d\n"
	"    age_from: created_at\n"
	"    action: redact\n"
	"    keep: domain\n"
	"  - id: drop-dob\n"
	"    match: { categories: [date_of_birth] }\n"
	"    retain: 0\n"
	"    action: drop_column\n"
	"holds:\n"
	"  - id: dispute-1\n"
	"    match: { tables: [public.customers] }\n"
	"    where: { column: customer_id, in_file: holds/dispute-1.txt }\n"
	"  - id: audit\n"
	"    match: { sources: [\"exports/customers*\"] }\n"
	"    where: { column: id, in: [42, \"C-7\", 42] }\n";

static void test_load_good(void **state)
{
	struct lt_policy *p = NULL;
	struct lt_err *errs = NULL;
	size_t n = 99, i;
	const char *path;
	char dir[600];
	const struct lt_rule *r;

	(void)state;
	snprintf(dir, sizeof dir, "%s/holds", tmpdir);
	mkdir(dir, 0700);
	write_file("holds/dispute-1.txt",
		   "# customers in dispute 2026-114\r\nC100002\r\n\r\n  C100001  \nC100002\n");
	path = write_file("good.yaml", GOOD);
	if (lt_policy_load(path, TYPES, N_TYPES, &p, &errs, &n) < 0) {
		char buf[600];

		for (i = 0; i < n; i++)
			print_error("%s\n", lt_policy_err_format(&errs[i], buf, sizeof buf));
		free(errs);
		fail();
	}
	assert_null(errs);
	assert_int_equal(n, 0);
	assert_string_equal(p->name, "test-good");
	assert_int_equal(p->version, 1);
	assert_string_equal(lt_tz_name(p->tz), "+08:00");
	assert_int_equal(p->ungoverned, LT_UNGOVERNED_FAIL);
	assert_int_equal(p->n_rules, 7);
	assert_int_equal(p->n_holds, 2);

	r = &p->rules[0];
	assert_string_equal(r->id, "no-cards");
	assert_int_equal(r->line, 7);
	assert_int_equal(r->match.given, LT_MATCH_TYPES);
	assert_int_equal(r->retain.n, 0);
	assert_int_equal(r->age_from, LT_AGE_FROM_NONE);
	assert_int_equal(r->action, LT_ACT_REDACT);
	assert_int_equal(r->keep, LT_KEEP_LAST4);
	assert_int_equal(r->mask, '#');

	r = &p->rules[1];
	assert_int_equal(r->keep, LT_KEEP_NONE);
	assert_int_equal(r->mask, '*');
	assert_int_equal(r->match.given, LT_MATCH_TYPES | LT_MATCH_SOURCES);

	r = &p->rules[2];
	assert_int_equal(r->retain.n, 2);
	assert_int_equal(r->retain.unit, LT_UNIT_YEARS);
	assert_int_equal(r->age_from, LT_AGE_FROM_COLUMNS);
	assert_int_equal(r->age_columns.n, 2);
	assert_string_equal(r->age_columns.v[0], "last_order_at");
	assert_string_equal(r->age_columns.v[1], "created_at");
	assert_int_equal(r->date_format, LT_DATE_DMY);
	assert_int_equal(r->action, LT_ACT_DELETE_ROWS);
	assert_int_equal(r->match.categories.n, 3);

	r = &p->rules[3];
	assert_int_equal(r->age_from, LT_AGE_FROM_TABLE);
	assert_string_equal(r->ref_table, "public.orders");
	assert_string_equal(r->ref_column, "ordered_at");
	assert_string_equal(r->ref_key, "customer_id");
	assert_null(r->ref_file);
	assert_int_equal(r->action, LT_ACT_HASH);

	r = &p->rules[4];
	assert_int_equal(r->age_from, LT_AGE_FROM_FILE);
	snprintf(dir, sizeof dir, "%s/related/orders.csv", tmpdir);
	assert_string_equal(r->ref_file, dir); /* relative to the policy */
	assert_int_equal(r->retain.unit, LT_UNIT_MONTHS);
	assert_int_equal(r->action, LT_ACT_NULLIFY);

	r = &p->rules[5];
	assert_int_equal(r->age_columns.n, 1); /* a single column as a scalar */
	assert_int_equal(r->keep, LT_KEEP_DOMAIN);
	assert_int_equal(r->retain.unit, LT_UNIT_DAYS);
	assert_int_equal(p->rules[6].action, LT_ACT_DROP_COLUMN);

	/* holds: file keys trimmed, CRLF and comments dropped, sorted, unique */
	assert_string_equal(p->holds[0].column, "customer_id");
	snprintf(dir, sizeof dir, "%s/holds/dispute-1.txt", tmpdir);
	assert_string_equal(p->holds[0].in_file, dir);
	assert_int_equal(p->holds[0].keys.n, 2);
	assert_string_equal(p->holds[0].keys.v[0], "C100001");
	assert_string_equal(p->holds[0].keys.v[1], "C100002");
	assert_true(lt_strlist_has(&p->holds[0].keys, "C100002", 7));
	assert_false(lt_strlist_has(&p->holds[0].keys, "C10000", 6));
	assert_false(lt_strlist_has(&p->holds[0].keys, "C1000021", 8));
	assert_false(lt_strlist_has(&p->holds[0].keys, "# customers in dispute 2026-114", 31));
	assert_int_equal(p->holds[1].keys.n, 2);
	assert_null(p->holds[1].in_file);
	assert_true(lt_strlist_has(&p->holds[1].keys, "42", 2));
	assert_true(lt_strlist_has(&p->holds[1].keys, "C-7", 3));
	assert_false(lt_strlist_has(&p->holds[1].keys, "4", 1));

	lt_policy_free(p);
}

/* The first rule whose match holds governs; NULL fields never match. */
static void test_match(void **state)
{
	static const struct {
		const char *source, *table, *column, *type, *category;
		const char *want; /* rule id, NULL = ungoverned */
	} cases[] = {
		{ "exports/a.csv", NULL, "card", "payment_card", "payment_card", "no-cards" },
		{ "exports/a.csv", NULL, "nric", "sg.nric", "national_id", "nric-in-exports" },
		{ "other/a.csv", NULL, "nric", "sg.nric", "national_id", NULL },
		{ "postgresql://db/shop#public.customers", "public.customers",
		  "nric", "sg.nric", "national_id", "customers" },
		{ "postgresql://db/shop#crm.customers", "crm.customers", "mobile",
		  "sg.phone", "phone", "customers" },
		{ "postgresql://db/shop#public.customers_old", "public.customers_old",
		  "mobile", "sg.phone", "phone", NULL },
		{ "postgresql://db/shop#public.customers", "public.customers",
		  "rrn", "kr.rrn", "national_id", "customers" },
		{ "postgresql://db/shop#public.people", "public.people", "rrn",
		  "kr.rrn", "national_id", "rrn-after-order" },
		{ "x.csv", NULL, "Email", "email", "email", "emails-by-file" },
		{ "x.csv", NULL, "CONTACT_main", "email", "email", "emails-by-file" },
		{ "x.csv", NULL, "mail", "email", "email", "email-domains" },
		{ "x.csv", NULL, "dob", "date_of_birth", "date_of_birth", "drop-dob" },
		{ "x.csv", NULL, "ip", "ip_address", "ip_address", NULL },
	};
	struct lt_policy *p;
	struct lt_err *errs;
	size_t n, i;
	char dir[600];

	(void)state;
	snprintf(dir, sizeof dir, "%s/holds", tmpdir);
	mkdir(dir, 0700);
	write_file("holds/dispute-1.txt", "C1\n");
	assert_int_equal(lt_policy_load(write_file("good.yaml", GOOD), TYPES,
					N_TYPES, &p, &errs, &n), 0);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct lt_match_ctx c = { cases[i].source, "file", cases[i].table,
					  cases[i].column, cases[i].type,
					  cases[i].category };
		const struct lt_rule *r = lt_policy_match(p, &c);

		if (!cases[i].want && r)
			fail_msg("case %zu: governed by %s, want ungoverned", i, r->id);
		if (cases[i].want && (!r || strcmp(r->id, cases[i].want)))
			fail_msg("case %zu: governed by %s, want %s", i,
				 r ? r->id : "nothing", cases[i].want);
	}
	{
		struct lt_match_ctx c = { .source = "postgresql://db#public.customers",
					  .table = "public.customers",
					  .column = "nric", .type = "sg.nric" };

		assert_true(lt_hold_applies(&p->holds[0], &c));
		assert_false(lt_hold_applies(&p->holds[1], &c));
		c.table = NULL;
		c.source = "exports/customers.csv.gz";
		assert_false(lt_hold_applies(&p->holds[0], &c));
		assert_true(lt_hold_applies(&p->holds[1], &c));
	}
	lt_policy_free(p);
}

static void test_glob(void **state)
{
	(void)state;
	assert_true(lt_glob("*.customers", "public.customers", false));
	assert_false(lt_glob("*.customers", "public.customers2", false));
	assert_true(lt_glob("exports/*", "exports/a/b.csv", false)); /* '*' crosses '/' */
	assert_true(lt_glob("kr.*", "kr.rrn", false));
	assert_false(lt_glob("NRIC", "nric", false));
	assert_true(lt_glob("NRIC", "nric", true));
	assert_true(lt_glob("c[ao]rd_?", "card_1", false));
}

/* ---- bad policies -------------------------------------------------------- */

#define HEAD "policy: t\nversion: 1\n"
#define RULE_OK "  - id: ok\n    match: { types: [email] }\n    retain: 0\n    action: redact\n"

static const struct bad {
	const char *name;
	const char *yaml;
	bool with_types;     /* pass the type list */
	uint64_t line, col;  /* of the expected error */
	const char *msg;     /* substring of it */
	size_t n_errs;       /* exactly this many errors */
} BAD[] = {
	{ "yaml syntax", HEAD "rules:\n  - id: a\n    match: { types: [email]\n    retain: 0\n",
	  true, 6, 5, "yaml: did not find expected", 1 },
	{ "tab indentation", HEAD "rules:\n\t- id: a\n", true, 4, 1, "yaml:", 1 },
	{ "unknown top key", HEAD "ungoverend: fail\nrules:\n" RULE_OK,
	  true, 3, 1, "unknown key 'ungoverend' in the policy (did you mean 'ungoverned'?)", 1 },
	{ "unknown rule key", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 0\n    retian: 1y\n    action: redact\n",
	  true, 7, 5, "unknown key 'retian' in a rule (did you mean 'retain'?)", 1 },
	{ "unknown match key", HEAD "rules:\n  - id: a\n    match: { type: [email] }\n"
	  "    retain: 0\n    action: redact\n",
	  true, 5, 14, "unknown key 'type' in match", 1 },
	{ "duplicate key", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 0\n    action: redact\n    action: hash\n",
	  true, 8, 5, "duplicate key 'action' in a rule (first at line 7)", 1 },
	{ "bad duration", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 2 years\n    age_from: [c]\n    action: redact\n",
	  true, 6, 13, "bad duration '2 years'", 1 },
	{ "duration without unit", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 90\n    age_from: [c]\n    action: redact\n",
	  true, 6, 13, "bad duration '90'", 1 },
	{ "duration in weeks", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 2w\n    age_from: [c]\n    action: redact\n",
	  true, 6, 13, "bad duration '2w'", 1 },
	{ "unknown type", HEAD "rules:\n  - id: a\n    match: { types: [sg.nrc] }\n"
	  "    retain: 0\n    action: redact\n",
	  true, 5, 22, "unknown type 'sg.nrc' (did you mean 'sg.nric'?)", 1 },
	{ "category as type", HEAD "rules:\n  - id: a\n    match: { types: [email, phone_number] }\n"
	  "    retain: 0\n    action: redact\n",
	  true, 5, 29, "unknown type 'phone_number'", 1 },
	{ "type glob matching nothing", HEAD "rules:\n  - id: a\n    match: { types: [\"us.*\"] }\n"
	  "    retain: 0\n    action: redact\n",
	  true, 5, 22, "unknown type 'us.*'", 1 },
	{ "bad type shape without packs", HEAD "rules:\n  - id: a\n    match: { types: [\"sg nric\"] }\n"
	  "    retain: 0\n    action: redact\n",
	  false, 5, 22, "bad type id 'sg nric'", 1 },
	{ "unknown category", HEAD "rules:\n  - id: a\n    match:\n      categories:\n"
	  "        - phone\n        - natinal_id\n    retain: 0\n    action: redact\n",
	  true, 8, 11, "unknown category 'natinal_id' (did you mean 'national_id'?)", 1 },
	{ "type as category", HEAD "rules:\n  - id: a\n    match: { categories: [sg.nric] }\n"
	  "    retain: 0\n    action: redact\n",
	  false, 5, 27, "unknown category 'sg.nric': it looks like a type", 1 },
	{ "unknown action", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 0\n    action: delete\n",
	  true, 7, 13, "unknown action 'delete'", 1 },
	{ "keep on hash", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 0\n    action: hash\n    keep: last4\n",
	  true, 8, 5, "keep applies only to redact, not hash", 1 },
	{ "mask on nullify", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 0\n    action: nullify\n    mask: \"#\"\n",
	  true, 8, 5, "mask applies only to redact, not nullify", 1 },
	{ "unknown keep", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 0\n    action: redact\n    keep: last5\n",
	  true, 8, 11, "unknown keep 'last5' (did you mean 'last4'?)", 1 },
	{ "bad mask", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 0\n    action: redact\n    mask: \"\xe2\x80\xa2\"\n",
	  true, 8, 11, "bad mask", 1 },
	{ "keep domain on cards", HEAD "rules:\n  - id: a\n    match: { types: [payment_card] }\n"
	  "    retain: 0\n    action: redact\n    keep: domain\n",
	  true, 8, 11, "keep: domain keeps an email's domain", 1 },
	{ "retain without age_from", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 2y\n    action: redact\n",
	  true, 6, 13, "retain 2y needs age_from", 1 },
	{ "date_format without age_from", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 0\n    date_format: dmy\n    action: redact\n",
	  true, 7, 5, "date_format without age_from", 1 },
	{ "unknown date_format", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 1y\n    age_from: [c]\n    date_format: mdy\n    action: redact\n",
	  true, 8, 18, "unknown date_format 'mdy'", 1 },
	{ "drop_column with retain", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 1y\n    age_from: [c]\n    action: drop_column\n",
	  true, 8, 13, "drop_column removes the whole column", 1 },
	{ "age_from both table and file", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 1y\n    age_from: { table: a.b, file: x.csv, column: c, key: k }\n"
	  "    action: redact\n",
	  true, 7, 29, "age_from names both a table and a file", 1 },
	{ "age_from table without schema", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 1y\n    age_from: { table: orders, column: c, key: k }\n"
	  "    action: redact\n",
	  true, 7, 24, "table 'orders' must be schema.table", 1 },
	{ "age_from without key", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain: 1y\n    age_from: { table: public.orders, column: c }\n"
	  "    action: redact\n",
	  true, 7, 15, "age_from needs key", 1 },
	{ "empty list", HEAD "rules:\n  - id: a\n    match: { types: [] }\n"
	  "    retain: 0\n    action: redact\n",
	  true, 5, 21, "types is empty: the rule can never match", 1 },
	{ "empty match", HEAD "rules:\n  - id: a\n    match: {}\n"
	  "    retain: 0\n    action: redact\n",
	  true, 5, 12, "match is empty", 1 },
	{ "types outside categories", HEAD "rules:\n  - id: a\n"
	  "    match: { types: [sg.nric], categories: [phone] }\n"
	  "    retain: 0\n    action: redact\n",
	  true, 5, 12, "none of its types is in one of its categories", 1 },
	{ "shadowed: identical match", HEAD "rules:\n" RULE_OK
	  "  - id: again\n    match: { types: [email] }\n    retain: 1y\n"
	  "    age_from: [c]\n    action: delete_rows\n",
	  true, 9, 12, "rule 'again' can never match: rule 'ok' (line 4)", 1 },
	{ "shadowed: narrower match", HEAD "rules:\n"
	  "  - id: wide\n    match: { categories: [phone, email] }\n    retain: 0\n    action: redact\n"
	  "  - id: narrow\n    match: { categories: [email], columns: [mail] }\n"
	  "    retain: 0\n    action: nullify\n",
	  true, 9, 12, "rule 'narrow' can never match: rule 'wide'", 1 },
	{ "shadowed: glob before literal", HEAD "rules:\n"
	  "  - id: wide\n    match: { tables: [\"*.customers\"] }\n    retain: 0\n    action: redact\n"
	  "  - id: narrow\n    match: { tables: [public.customers], types: [email] }\n"
	  "    retain: 0\n    action: nullify\n",
	  true, 9, 12, "rule 'narrow' can never match", 1 },
	{ "shadowed: category before its type", HEAD "rules:\n"
	  "  - id: ids\n    match: { categories: [national_id] }\n    retain: 0\n    action: redact\n"
	  "  - id: rrn\n    match: { types: [kr.rrn] }\n    retain: 0\n    action: hash\n",
	  true, 9, 12, "rule 'rrn' can never match: rule 'ids'", 1 },
	{ "shadowed: list covering a glob's known types", HEAD "rules:\n"
	  "  - id: two\n    match: { types: [sg.nric, kr.rrn] }\n    retain: 0\n    action: redact\n"
	  "  - id: rrns\n    match: { types: [\"*.rrn\"] }\n    retain: 0\n    action: hash\n",
	  true, 9, 12, "rule 'rrns' can never match: rule 'two'", 1 },
	{ "shadowed: category glob", HEAD "rules:\n"
	  "  - id: ids\n    match: { categories: [national_id, national_id_partial] }\n"
	  "    retain: 0\n    action: redact\n"
	  "  - id: nat\n    match: { categories: [\"national_*\"] }\n    retain: 0\n    action: hash\n",
	  true, 9, 12, "rule 'nat' can never match: rule 'ids'", 1 },
	{ "duplicate rule id", HEAD "rules:\n" RULE_OK
	  "  - id: ok\n    match: { types: [kr.rrn] }\n    retain: 0\n    action: redact\n",
	  true, 8, 9, "duplicate rule id 'ok' (first at line 4)", 1 },
	{ "bad rule id", HEAD "rules:\n  - id: \"no spaces\"\n    match: { types: [email] }\n"
	  "    retain: 0\n    action: redact\n",
	  true, 4, 9, "bad rule id 'no spaces'", 1 },
	{ "missing action and retain", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n",
	  true, 4, 5, "rule 'a' has no retain", 2 },
	{ "missing rules", HEAD "ungoverned: report\n", true, 1, 1, "missing key 'rules'", 1 },
	{ "no rules", HEAD "rules: []\n", true, 3, 8, "rules is empty", 1 },
	{ "rules not a list", HEAD "rules:\n  id: a\n", true, 4, 3, "rules must be a list, not a mapping", 1 },
	{ "version 2", "policy: t\nversion: 2\nrules:\n" RULE_OK, true, 2, 10,
	  "unsupported version '2'", 1 },
	{ "bad timezone", HEAD "timezone: \"+8\"\nrules:\n" RULE_OK, true, 3, 11,
	  "bad time zone offset '+8'", 1 },
	{ "unknown timezone", HEAD "timezone: Mars/Olympus_Mons\nrules:\n" RULE_OK, true, 3, 11,
	  "unknown time zone 'Mars/Olympus_Mons'", 1 },
	{ "timezone path escape", HEAD "timezone: ../../etc/passwd\nrules:\n" RULE_OK, true, 3, 11,
	  "bad time zone name", 1 },
	{ "bad ungoverned", HEAD "ungoverned: warn\nrules:\n" RULE_OK, true, 3, 13,
	  "unknown ungoverned 'warn' (report or fail)", 1 },
	{ "string expected", HEAD "rules:\n  - id: [a]\n    match: { types: [email] }\n"
	  "    retain: 0\n    action: redact\n",
	  true, 4, 9, "id must be a string, not a list", 1 },
	{ "null value", HEAD "rules:\n  - id: a\n    match: { types: [email] }\n"
	  "    retain:\n    action: redact\n",
	  true, 6, 12, "retain needs a value", 1 },
	{ "hold in_file missing", HEAD "rules:\n" RULE_OK "holds:\n  - id: h\n"
	  "    match: { tables: [public.customers] }\n"
	  "    where: { column: id, in_file: holds/nope.txt }\n",
	  true, 11, 35, "hold file 'holds/nope.txt' cannot be read", 1 },
	{ "hold on types", HEAD "rules:\n" RULE_OK "holds:\n  - id: h\n"
	  "    match: { types: [email] }\n    where: { column: id, in: [1] }\n",
	  true, 10, 14, "a hold matches sources or tables, not types", 1 },
	{ "hold with empty in", HEAD "rules:\n" RULE_OK "holds:\n  - id: h\n"
	  "    match: { tables: [a.b] }\n    where: { column: id, in: [] }\n",
	  true, 11, 30, "in is empty", 1 },
	{ "hold with in and in_file", HEAD "rules:\n" RULE_OK "holds:\n  - id: h\n"
	  "    match: { tables: [a.b] }\n    where: { column: id, in_file: k.txt, in: [1] }\n",
	  true, 11, 42, "where has both in_file and in", 1 },
	{ "hold without where", HEAD "rules:\n" RULE_OK "holds:\n  - id: h\n"
	  "    match: { tables: [a.b] }\n",
	  true, 9, 5, "hold has no where", 1 },
	{ "duplicate hold id", HEAD "rules:\n" RULE_OK "holds:\n"
	  "  - { id: h, match: { tables: [a.b] }, where: { column: id, in: [1] } }\n"
	  "  - { id: h, match: { tables: [a.c] }, where: { column: id, in: [2] } }\n",
	  true, 10, 11, "duplicate hold id 'h' (first at line 9)", 1 },
	{ "bad glob", HEAD "rules:\n  - id: a\n    match: { sources: [\"exports/[ab\"] }\n"
	  "    retain: 0\n    action: redact\n",
	  true, 5, 24, "bad pattern 'exports/[ab'", 1 },
	{ "second document", HEAD "rules:\n" RULE_OK "---\npolicy: u\n", true, 9, 1,
	  "a second YAML document", 1 },
	{ "not a mapping", "- policy: t\n", true, 1, 1, "a policy is a mapping", 1 },
};

static void test_bad_policies(void **state)
{
	size_t i, j, failures = 0;
	char buf[600];

	(void)state;
	write_file("k.txt", "1\n");
	for (i = 0; i < sizeof BAD / sizeof *BAD; i++) {
		const struct bad *b = &BAD[i];
		struct lt_policy *p = NULL;
		struct lt_err *errs = NULL;
		size_t n = 0;
		char want[32];
		const char *path = write_file("bad.yaml", b->yaml);
		bool found = false;

		if (lt_policy_load(path, b->with_types ? TYPES : NULL, N_TYPES,
				   &p, &errs, &n) == 0) {
			lt_policy_free(p);
			fail_msg("%s: loaded, want an error at %llu:%llu", b->name,
				 (unsigned long long)b->line, (unsigned long long)b->col);
		}
		assert_null(p);
		snprintf(want, sizeof want, "%llu: ", (unsigned long long)b->col);
		for (j = 0; j < n; j++) {
			assert_string_equal(errs[j].path, path);
			if (errs[j].line == b->line &&
			    !strncmp(errs[j].msg, want, strlen(want)) &&
			    strstr(errs[j].msg, b->msg))
				found = true;
		}
		if (!found || n != b->n_errs) {
			print_error("%s: want %zu error(s), one at %llu:%llu with '%s'; got %zu:\n",
				    b->name, b->n_errs, (unsigned long long)b->line,
				    (unsigned long long)b->col, b->msg, n);
			for (j = 0; j < n; j++)
				print_error("  %s\n", lt_policy_err_format(&errs[j], buf, sizeof buf));
			failures++;
		}
		free(errs);
	}
	assert_int_equal(failures, 0);
}

/* Narrow rules before wide ones are fine; so are overlapping ones. */
static void test_not_shadowed(void **state)
{
	static const char *const yamls[] = {
		HEAD "rules:\n"
		"  - id: rrn\n    match: { types: [kr.rrn] }\n    retain: 0\n    action: hash\n"
		"  - id: ids\n    match: { categories: [national_id] }\n    retain: 0\n    action: redact\n",
		HEAD "rules:\n"
		"  - id: a\n    match: { types: [email], tables: [a.b] }\n    retain: 0\n    action: redact\n"
		"  - id: b\n    match: { types: [email], sources: [\"x*\"] }\n    retain: 0\n    action: redact\n",
		HEAD "rules:\n"
		"  - id: a\n    match: { types: [\"sg.*\"] }\n    retain: 0\n    action: redact\n"
		"  - id: b\n    match: { types: [\"*.phone\"] }\n    retain: 0\n    action: redact\n",
		HEAD "rules:\n"
		"  - id: a\n    match: { columns: [\"nric*\"] }\n    retain: 0\n    action: redact\n"
		"  - id: b\n    match: { columns: [\"*nric\"] }\n    retain: 0\n    action: redact\n",
	};
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof yamls / sizeof *yamls; i++) {
		struct lt_policy *p = NULL;
		struct lt_err *errs;
		char buf[600];

		if (lt_policy_load(write_file("ns.yaml", yamls[i]), TYPES, N_TYPES,
				   &p, &errs, &n) < 0) {
			for (j = 0; j < n; j++)
				print_error("  %s\n", lt_policy_err_format(&errs[j], buf, sizeof buf));
			free(errs);
			fail_msg("case %zu does not load", i);
		}
		lt_policy_free(p);
	}
}

/* All errors are reported, in file order, formatted FILE:LINE:COL. */
static void test_all_errors_collected(void **state)
{
	static const char yaml[] =
		"policy: t\n"
		"version: 1\n"
		"colour: blue\n"                                  /* 3:1 */
		"rules:\n"
		"  - id: a\n"
		"    match: { types: [sg.nrc] }\n"                /* 6:22 */
		"    retain: 1 year\n"                            /* 7:13 */
		"    action: shred\n"                             /* 8:13 */
		"  - id: a\n"                                     /* 9:9 dup */
		"    match: { categories: [natinal_id] }\n"       /* 10:27 */
		"    retain: 0\n"
		"    action: hash\n"
		"    keep: last4\n";                              /* 13:5 */
	static const char *const want[] = {
		"3:1: unknown key 'colour'",
		"6:22: unknown type 'sg.nrc'",
		"7:13: bad duration '1 year'",
		"8:13: unknown action 'shred'",
		"9:9: duplicate rule id 'a'",
		"10:27: unknown category 'natinal_id'",
		"13:5: keep applies only to redact",
	};
	struct lt_policy *p = NULL;
	struct lt_err *errs;
	size_t n, i;
	char buf[600], exp[300];
	const char *path = write_file("many.yaml", yaml);

	(void)state;
	assert_int_equal(lt_policy_load(path, TYPES, N_TYPES, &p, &errs, &n), -1);
	if (n != sizeof want / sizeof *want) {
		for (i = 0; i < n; i++)
			print_error("  %s\n", lt_policy_err_format(&errs[i], buf, sizeof buf));
		fail_msg("%zu errors, want %zu", n, sizeof want / sizeof *want);
	}
	for (i = 0; i < n; i++) {
		snprintf(exp, sizeof exp, "%s:%s", path, want[i]);
		lt_policy_err_format(&errs[i], buf, sizeof buf);
		if (strncmp(buf, exp, strlen(exp)) != 0)
			fail_msg("error %zu: '%s', want '%s...'", i, buf, exp);
	}
	free(errs);
}

static void test_unreadable_policy(void **state)
{
	struct lt_policy *p = NULL;
	struct lt_err *errs;
	size_t n;
	char path[600], buf[700];

	(void)state;
	snprintf(path, sizeof path, "%s/does-not-exist.yaml", tmpdir);
	assert_int_equal(lt_policy_load(path, NULL, 0, &p, &errs, &n), -1);
	assert_int_equal(n, 1);
	assert_int_equal(errs[0].line, 0);
	assert_non_null(strstr(lt_policy_err_format(&errs[0], buf, sizeof buf),
			       "cannot read policy"));
	free(errs);
	assert_int_equal(lt_policy_load(write_file("empty.yaml", "# nothing\n"),
					NULL, 0, &p, &errs, &n), -1);
	assert_int_equal(n, 1);
	assert_non_null(strstr(errs[0].msg, "empty policy"));
	free(errs);
}

/* Hundreds of errors: capped, the last one says so. */
static void test_error_cap(void **state)
{
	struct lt_policy *p = NULL;
	struct lt_err *errs;
	size_t n, i, k = 0;
	char *yaml = malloc(64 * 1024);

	(void)state;
	k += (size_t)sprintf(yaml + k, "policy: t\nversion: 1\nrules:\n");
	for (i = 0; i < 300; i++)
		k += (size_t)sprintf(yaml + k, "  - { id: r%zu, match: { types: [nope%zu] }, "
				     "retain: 0, action: redact }\n", i, i);
	assert_int_equal(lt_policy_load(write_file("cap.yaml", yaml), TYPES, N_TYPES,
					&p, &errs, &n), -1);
	assert_int_equal(n, 100);
	assert_non_null(strstr(errs[99].msg, "too many errors"));
	free(errs);
	free(yaml);
}

/* Every shipped policy loads, with the DESIGN types and without. */
static void test_shipped_policies(void **state)
{
	static const char *const names[] = { "minimal.yaml", "sg-pdpa-retail.yaml",
					     "kr-pipa-ecommerce.yaml" };
	char path[600], buf[700], base[512];
	const char *f = __FILE__, *s = strstr(f, "tests/unit/");
	size_t i, j, n;

	(void)state;
	snprintf(base, sizeof base, "%.*spolicies", s ? (int)(s - f) : 0, f);
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		for (int with = 0; with < 2; with++) {
			struct lt_policy *p = NULL;
			struct lt_err *errs;

			snprintf(path, sizeof path, "%s/%s", base, names[i]);
			if (access(path, R_OK) != 0)
				snprintf(path, sizeof path, "policies/%s", names[i]);
			if (lt_policy_load(path, with ? TYPES : NULL, N_TYPES, &p,
					   &errs, &n) < 0) {
				for (j = 0; j < n; j++)
					print_error("  %s\n", lt_policy_err_format(
						&errs[j], buf, sizeof buf));
				free(errs);
				fail_msg("%s does not load", path);
			}
			assert_true(p->n_rules > 0);
			lt_policy_free(p);
		}
	}
}

/* ---- dates --------------------------------------------------------------- */

static void test_dates(void **state)
{
	static const struct {
		const char *in;
		enum lt_date_format f;
		const char *zone;  /* NULL = UTC */
		const char *want;  /* UTC instant, NULL = unreadable */
	} cases[] = {
		/* ISO 8601 */
		{ "2024-01-31", LT_DATE_AUTO, NULL, "2024-01-31T00:00:00Z" },
		{ "2024-01-31", LT_DATE_ISO, "+08:00", "2024-01-30T16:00:00Z" },
		{ "2024-01-31T10:15:30Z", LT_DATE_AUTO, "+08:00", "2024-01-31T10:15:30Z" },
		{ "2024-01-31 10:15:30.123456+08:00", LT_DATE_AUTO, NULL, "2024-01-31T02:15:30.123Z" },
		{ "2024-01-31T10:15:30+0800", LT_DATE_AUTO, NULL, "2024-01-31T02:15:30Z" },
		{ "2024-01-31T10:15:30-05:30", LT_DATE_AUTO, NULL, "2024-01-31T15:45:30Z" },
		{ "2024-01-31 10:15:30+09", LT_DATE_AUTO, NULL, "2024-01-31T01:15:30Z" },
		{ "2024-01-31t10:15z", LT_DATE_AUTO, NULL, "2024-01-31T10:15:00Z" },
		{ "2024-01-31T10:15:30,5Z", LT_DATE_AUTO, NULL, "2024-01-31T10:15:30.500Z" },
		{ "2024-01-31T10:15:30.1", LT_DATE_AUTO, "-0530", "2024-01-31T15:45:30.100Z" },
		{ "  2024-01-31\t", LT_DATE_AUTO, NULL, "2024-01-31T00:00:00Z" },
		{ "2024-02-29", LT_DATE_AUTO, NULL, "2024-02-29T00:00:00Z" },
		{ "2000-02-29", LT_DATE_AUTO, NULL, "2000-02-29T00:00:00Z" },
		{ "1969-12-31T23:59:59.999Z", LT_DATE_AUTO, NULL, "1969-12-31T23:59:59.999Z" },
		/* DD/MM/YYYY, DD-MM-YYYY */
		{ "31/01/2024", LT_DATE_AUTO, NULL, "2024-01-31T00:00:00Z" },
		{ "31-01-2024", LT_DATE_AUTO, NULL, "2024-01-31T00:00:00Z" },
		{ "1/2/2024", LT_DATE_DMY, NULL, "2024-02-01T00:00:00Z" },
		{ "31/01/2024 13:45", LT_DATE_AUTO, "+08:00", "2024-01-31T05:45:00Z" },
		{ "31/01/2024 9:05:07", LT_DATE_AUTO, NULL, "2024-01-31T09:05:07Z" },
		/* YYYYMMDD, YYYY.MM.DD */
		{ "20240131", LT_DATE_AUTO, NULL, "2024-01-31T00:00:00Z" },
		{ "20240131", LT_DATE_YMD8, "+09:00", "2024-01-30T15:00:00Z" },
		{ "2024.01.31", LT_DATE_AUTO, NULL, "2024-01-31T00:00:00Z" },
		{ "2024.1.5", LT_DATE_YMD_DOT, NULL, "2024-01-05T00:00:00Z" },
		{ "2024.01.31 08:00", LT_DATE_AUTO, "+09:00", "2024-01-30T23:00:00Z" },
		/* epochs: zone-free */
		{ "1706659200", LT_DATE_AUTO, "+08:00", "2024-01-31T00:00:00Z" },
		{ "1706659200123", LT_DATE_AUTO, "+08:00", "2024-01-31T00:00:00.123Z" },
		{ "946684800", LT_DATE_EPOCH_S, NULL, "2000-01-01T00:00:00Z" },
		{ "1700000000.5", LT_DATE_EPOCH_S, NULL, "2023-11-14T22:13:20.500Z" },
		{ "-1000", LT_DATE_EPOCH_MS, NULL, "1969-12-31T23:59:59Z" },
		{ "0", LT_DATE_EPOCH_S, NULL, "1970-01-01T00:00:00Z" },
		/* unreadable */
		{ "", LT_DATE_AUTO, NULL, NULL },
		{ "   ", LT_DATE_AUTO, NULL, NULL },
		{ "2024-02-30", LT_DATE_AUTO, NULL, NULL },
		{ "2023-02-29", LT_DATE_AUTO, NULL, NULL },
		{ "1900-02-29", LT_DATE_AUTO, NULL, NULL },
		{ "2024-13-01", LT_DATE_AUTO, NULL, NULL },
		{ "2024-1-5", LT_DATE_AUTO, NULL, NULL },
		{ "0000-01-01", LT_DATE_AUTO, NULL, NULL },
		{ "31/13/2024", LT_DATE_AUTO, NULL, NULL },
		{ "12/31/2024", LT_DATE_AUTO, NULL, NULL },   /* never month first */
		{ "31/01-2024", LT_DATE_AUTO, NULL, NULL },
		{ "31.01.2024", LT_DATE_AUTO, NULL, NULL },
		{ "2024/01/31", LT_DATE_AUTO, NULL, NULL },
		{ "2024-01-31T24:00:00Z", LT_DATE_AUTO, NULL, NULL },
		{ "2024-01-31T10:60", LT_DATE_AUTO, NULL, NULL },
		{ "2024-01-31T10:15:60", LT_DATE_AUTO, NULL, NULL },
		{ "2024-01-31T10:15:30+16:00", LT_DATE_AUTO, NULL, NULL },
		{ "2024-01-31T10:15:30 +08:00", LT_DATE_AUTO, NULL, NULL },
		{ "2024-01-31T10:15:30.Z", LT_DATE_AUTO, NULL, NULL },
		{ "2024-01-31X", LT_DATE_AUTO, NULL, NULL },
		{ "2024-01-31T", LT_DATE_AUTO, NULL, NULL },
		{ "20240132", LT_DATE_AUTO, NULL, NULL },
		{ "946684800", LT_DATE_AUTO, NULL, NULL },     /* 9 digits: no shape */
		{ "12345678901", LT_DATE_AUTO, NULL, NULL },   /* 11 digits */
		{ "tomorrow", LT_DATE_AUTO, NULL, NULL },
		{ "N/A", LT_DATE_AUTO, NULL, NULL },
		{ "infinity", LT_DATE_AUTO, NULL, NULL },
		{ "31/01/2024", LT_DATE_ISO, NULL, NULL },     /* a named format is not sniffed */
		{ "2024-01-31", LT_DATE_DMY, NULL, NULL },
		{ "1706659200", LT_DATE_YMD8, NULL, NULL },
		{ "2024-01-31", LT_DATE_EPOCH_S, NULL, NULL },
		{ "1e9", LT_DATE_EPOCH_S, NULL, NULL },
		{ "99999999999999999", LT_DATE_EPOCH_MS, NULL, NULL },
		{ "253402300800", LT_DATE_EPOCH_S, NULL, NULL }, /* year 10000 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct lt_tz *tz = zone(cases[i].zone);
		lt_ms got = 0;
		int rc = lt_date_parse(cases[i].in, strlen(cases[i].in), cases[i].f,
				       tz, &got);

		lt_tz_free(tz);
		if (!cases[i].want && rc == 0)
			fail_msg("'%s' (%s): read as %lld, want unreadable", cases[i].in,
				 lt_date_format_name(cases[i].f), (long long)got);
		if (cases[i].want && rc != 0)
			fail_msg("'%s' (%s): unreadable, want %s", cases[i].in,
				 lt_date_format_name(cases[i].f), cases[i].want);
		if (cases[i].want && got != utc(cases[i].want))
			fail_msg("'%s' (%s, zone %s): %lld, want %s (%lld)", cases[i].in,
				 lt_date_format_name(cases[i].f),
				 cases[i].zone ? cases[i].zone : "UTC", (long long)got,
				 cases[i].want, (long long)utc(cases[i].want));
	}
	/* not NUL-terminated input: only n bytes are read */
	{
		lt_ms t;

		assert_int_equal(lt_date_parse("2024-01-31T10:00:00Zjunk", 20,
					       LT_DATE_AUTO, NULL, &t), 0);
		assert_int_equal(t, utc("2024-01-31T10:00:00Z"));
	}
}

static void test_date_format_names(void **state)
{
	enum lt_date_format f;
	int i;

	(void)state;
	for (i = LT_DATE_AUTO; i <= LT_DATE_EPOCH_MS; i++) {
		assert_int_equal(lt_date_format_parse(lt_date_format_name(i), &f), 0);
		assert_int_equal(f, i);
	}
	assert_int_equal(lt_date_format_parse("mdy", &f), -1);
}

/* ---- zones --------------------------------------------------------------- */

static void test_zone_names(void **state)
{
	static const struct {
		const char *name;
		bool ok;
		int32_t off;  /* for fixed zones */
	} cases[] = {
		{ "UTC", true, 0 },       { "Z", true, 0 },
		{ "Etc/UTC", true, 0 },   { "+08:00", true, 8 * 3600 },
		{ "-0530", true, -(5 * 3600 + 1800) }, { "+09", true, 9 * 3600 },
		{ "+15:59", true, 15 * 3600 + 59 * 60 },
		{ "+16:00", false, 0 },   { "+8", false, 0 },    { "+08:0", false, 0 },
		{ "+08:60", false, 0 },   { "+080", false, 0 },  { "08:00", false, 0 },
		{ "../etc/passwd", false, 0 }, { "/etc/localtime", false, 0 },
		{ "Asia//Seoul", false, 0 }, { "No/Such_Zone", false, 0 },
		{ "", false, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct lt_tz *tz = NULL;
		struct lt_err e;
		int rc = lt_tz_load(cases[i].name, &tz, &e);

		if ((rc == 0) != cases[i].ok)
			fail_msg("zone '%s': rc %d", cases[i].name, rc);
		if (rc == 0) {
			assert_int_equal(lt_tz_offset(tz, 1700000000), cases[i].off);
			assert_string_equal(lt_tz_name(tz), cases[i].name);
		} else {
			assert_true(e.msg[0] != '\0');
		}
		lt_tz_free(tz);
	}
	lt_tz_free(NULL);
}

/* IANA zones through the TZif reader: DST, its edges, far past and future
 * (the footer rule), a southern-hemisphere zone. */
static void test_iana_zones(void **state)
{
	static const struct {
		const char *zone, *in, *want;
	} cases[] = {
		{ "Europe/Berlin", "2024-01-15 12:00", "2024-01-15T11:00:00Z" },
		{ "Europe/Berlin", "2024-07-15 12:00", "2024-07-15T10:00:00Z" },
		/* 02:30 on 31 Mar 2024 does not exist: read with the offset before */
		{ "Europe/Berlin", "2024-03-31 02:30", "2024-03-31T01:30:00Z" },
		{ "Europe/Berlin", "2024-03-31 01:59:59", "2024-03-31T00:59:59Z" },
		{ "Europe/Berlin", "2024-03-31 03:00", "2024-03-31T01:00:00Z" },
		/* 02:30 on 27 Oct 2024 happens twice: the first */
		{ "Europe/Berlin", "2024-10-27 02:30", "2024-10-27T00:30:00Z" },
		{ "Europe/Berlin", "2024-10-27 03:00", "2024-10-27T02:00:00Z" },
		{ "Europe/Berlin", "2100-07-01 12:00", "2100-07-01T10:00:00Z" },
		{ "Europe/Berlin", "2100-12-01 12:00", "2100-12-01T11:00:00Z" },
		{ "Europe/Berlin", "1900-01-01", "1899-12-31T23:00:00Z" },
		{ "Europe/Berlin", "2024-07-15T12:00:00Z", "2024-07-15T12:00:00Z" },
		{ "Australia/Sydney", "2024-01-15 12:00", "2024-01-15T01:00:00Z" },
		{ "Australia/Sydney", "2024-07-15 12:00", "2024-07-15T02:00:00Z" },
		{ "Australia/Sydney", "2060-01-15 12:00", "2060-01-15T01:00:00Z" },
		{ "Australia/Sydney", "2060-07-15 12:00", "2060-07-15T02:00:00Z" },
		{ "Asia/Singapore", "2024-01-31", "2024-01-30T16:00:00Z" },
		{ "Asia/Singapore", "1981-12-31 12:00", "1981-12-31T04:30:00Z" },
		{ "Asia/Seoul", "2024-01-31 09:00", "2024-01-31T00:00:00Z" },
		{ "America/New_York", "2024-03-10 02:30", "2024-03-10T07:30:00Z" },
		{ "America/New_York", "2024-11-03 01:30", "2024-11-03T05:30:00Z" },
	};
	size_t i;

	(void)state;
	if (!have_tzdata("Europe/Berlin"))
		skip();
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct lt_tz *tz;
		lt_ms got;

		if (!have_tzdata(cases[i].zone))
			continue;
		tz = zone(cases[i].zone);
		if (lt_date_parse(cases[i].in, strlen(cases[i].in), LT_DATE_AUTO, tz,
				  &got) < 0)
			fail_msg("%s %s: unreadable", cases[i].zone, cases[i].in);
		lt_tz_free(tz);
		if (got != utc(cases[i].want))
			fail_msg("%s %s: %lld, want %s", cases[i].zone, cases[i].in,
				 (long long)got, cases[i].want);
	}
	{
		struct lt_tz *tz = zone("Europe/Berlin");
		int64_t t = utc("2024-03-31T01:00:00Z") / 1000;

		assert_int_equal(lt_tz_offset(tz, t - 1), 3600);
		assert_int_equal(lt_tz_offset(tz, t), 7200);
		t = utc("2024-10-27T01:00:00Z") / 1000;
		assert_int_equal(lt_tz_offset(tz, t - 1), 7200);
		assert_int_equal(lt_tz_offset(tz, t), 3600);
		t = utc("2200-03-30T01:00:00Z") / 1000; /* last Sunday of March 2200 */
		assert_int_equal(lt_tz_offset(tz, t - 1), 3600);
		assert_int_equal(lt_tz_offset(tz, t), 7200);
		lt_tz_free(tz);
	}
	/* Round trip: every instant's wall time reads back as the earliest
	 * instant with that wall time. */
	{
		static const char *const zs[] = { "Europe/Berlin", "Australia/Sydney",
						   "America/New_York", "Asia/Singapore" };
		uint64_t seed = 0x9e3779b97f4a7c15ULL;
		size_t z, k;

		for (z = 0; z < sizeof zs / sizeof *zs; z++) {
			struct lt_tz *tz;

			if (!have_tzdata(zs[z]))
				continue;
			tz = zone(zs[z]);
			for (k = 0; k < 200000; k++) {
				int64_t u, local, r;

				xorshift(&seed);
				u = (int64_t)(seed % 4102444800ULL); /* 1970..2100 */
				if (k % 2) /* near a transition: on the hour */
					u -= u % 1800 + (int64_t)(seed % 3) - 1;
				local = u + lt_tz_offset(tz, u);
				r = lt_tz_to_utc(tz, local);
				if (r + lt_tz_offset(tz, r) != local || r > u)
					fail_msg("%s: %lld -> local %lld -> %lld", zs[z],
						 (long long)u, (long long)local,
						 (long long)r);
			}
			lt_tz_free(tz);
		}
	}
}

/* The TZif reader and the footer rules agree with the C library's
 * localtime over 1900..2150, for zones with odd rules: negative DST
 * (Dublin), 30-minute DST (Lord Howe), southern hemisphere, DST abolished
 * (Sao Paulo), 45-minute offsets (Chatham), Ramadan shifts (Casablanca). */
static void test_tz_vs_libc(void **state)
{
	static const char *const zs[] = {
		"Europe/Berlin", "Europe/Dublin", "Australia/Lord_Howe",
		"Australia/Sydney", "America/Sao_Paulo", "Pacific/Chatham",
		"Africa/Casablanca", "America/New_York", "Asia/Seoul",
		"Asia/Singapore", "America/Nuuk", "Asia/Tehran",
	};
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	uint64_t seed = 1;
	size_t z, k, checked = 0;

	(void)state;
	for (z = 0; z < sizeof zs / sizeof *zs; z++) {
		struct lt_tz *tz;

		if (!have_tzdata(zs[z]))
			continue;
		tz = zone(zs[z]);
		setenv("TZ", zs[z], 1);
		tzset();
		for (k = 0; k < 20000; k++) {
			time_t t;
			struct tm tm;

			xorshift(&seed);
			t = (time_t)(seed % 7889238000ULL) - 2208988800LL; /* 1900..2150 */
			if (!localtime_r(&t, &tm))
				continue;
			checked++;
			if (lt_tz_offset(tz, t) != tm.tm_gmtoff)
				fail_msg("%s at %lld: %d, libc %ld", zs[z], (long long)t,
					 lt_tz_offset(tz, t), (long)tm.tm_gmtoff);
		}
		lt_tz_free(tz);
	}
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
	if (checked == 0)
		skip();
}

/* A zone read from a TZif file via $TZDIR: a version-1 file without a
 * footer, written here; and garbage. */
static void test_tzdir(void **state)
{
	/* v1: one transition at 1e9 s from +01:00 (type 0) to +02:00 (type 1) */
	static const unsigned char v1[] = {
		'T', 'Z', 'i', 'f', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* isut isstd leap */
		0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4, /* time type char */
		0x3b, 0x9a, 0xca, 0x00,             /* 1000000000 */
		1,
		0, 0, 0x0e, 0x10, 0, 0,             /* +3600 */
		0, 0, 0x1c, 0x20, 1, 2,             /* +7200 dst */
		'A', 0, 'B', 0,
	};
	char dir[600], path[700], *old = getenv("TZDIR");
	char *saved = old ? strdup(old) : NULL;
	struct lt_tz *tz = NULL;
	struct lt_err e;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof dir, "%s/zi", tmpdir);
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/Test_Zone", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(v1, 1, sizeof v1, f);
	fclose(f);
	write_file("zi/Garbage", "TZif2 but not really");
	setenv("TZDIR", dir, 1);
	assert_int_equal(lt_tz_load("Test_Zone", &tz, &e), 0);
	assert_int_equal(lt_tz_offset(tz, 999999999), 3600);
	assert_int_equal(lt_tz_offset(tz, 1000000000), 7200);
	assert_int_equal(lt_tz_offset(tz, 4000000000LL), 7200);
	assert_int_equal(lt_tz_to_utc(tz, 0), -3600);
	lt_tz_free(tz);
	assert_int_equal(lt_tz_load("Garbage", &tz, &e), -1);
	assert_non_null(strstr(e.msg, "not a valid TZif file"));
	if (saved) {
		setenv("TZDIR", saved, 1);
		free(saved);
	} else {
		unsetenv("TZDIR");
	}
}

/* ---- durations and ages -------------------------------------------------- */

static void test_durations(void **state)
{
	static const struct {
		const char *in;
		int ok;
		uint32_t n;
		char unit;
		const char *shown;
	} cases[] = {
		{ "0", 1, 0, 'd', "0" },      { "0d", 1, 0, 'd', "0" },
		{ "0y", 1, 0, 'd', "0" },     { "90d", 1, 90, 'd', "90d" },
		{ "18m", 1, 18, 'm', "18m" }, { "2y", 1, 2, 'y', "2y" },
		{ "1000y", 1, 1000, 'y', "1000y" }, { "365000d", 1, 365000, 'd', "365000d" },
		{ "1001y", 0, 0, 0, NULL },   { "12001m", 0, 0, 0, NULL },
		{ "90", 0, 0, 0, NULL },      { "-1d", 0, 0, 0, NULL },
		{ "1w", 0, 0, 0, NULL },      { "2 y", 0, 0, 0, NULL },
		{ "", 0, 0, 0, NULL },        { "d", 0, 0, 0, NULL },
		{ "2yy", 0, 0, 0, NULL },     { "99999999d", 0, 0, 0, NULL },
		{ "2Y", 0, 0, 0, NULL },      { "1.5y", 0, 0, 0, NULL },
	};
	size_t i;
	char buf[32];

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct lt_duration d;
		int rc = lt_duration_parse(cases[i].in, &d);

		if ((rc == 0) != cases[i].ok)
			fail_msg("duration '%s': rc %d", cases[i].in, rc);
		if (rc == 0) {
			assert_int_equal(d.n, cases[i].n);
			if (d.n)
				assert_int_equal(d.unit, cases[i].unit);
			assert_string_equal(lt_duration_format(d, buf, sizeof buf),
					    cases[i].shown);
		}
	}
}

static void test_ages(void **state)
{
	static const struct {
		const char *date;
		const char *zone;
		const char *retain;
		const char *now;
		enum lt_age want;
	} cases[] = {
		/* exactly at the limit is not over; a millisecond later is */
		{ "2023-06-15T12:00:00Z", NULL, "1y", "2024-06-15T12:00:00Z", LT_AGE_WITHIN },
		{ "2023-06-15T12:00:00Z", NULL, "1y", "2024-06-15T12:00:00.001Z", LT_AGE_OVER },
		{ "2023-06-15T12:00:00Z", NULL, "1y", "2024-06-15T11:59:59.999Z", LT_AGE_WITHIN },
		/* +08:00 vs UTC around midnight: the local date is midnight in the zone */
		{ "2024-01-01", "+08:00", "1d", "2024-01-01T16:00:00Z", LT_AGE_WITHIN },
		{ "2024-01-01", "+08:00", "1d", "2024-01-01T16:00:00.001Z", LT_AGE_OVER },
		{ "2024-01-01", NULL, "1d", "2024-01-01T16:00:00.001Z", LT_AGE_WITHIN },
		{ "2024-01-01", NULL, "1d", "2024-01-02T00:00:00.001Z", LT_AGE_OVER },
		{ "2024-01-01T23:30:00+00:00", "+08:00", "1d", "2024-01-02T23:30:00.001Z", LT_AGE_OVER },
		{ "31/12/2023 23:59", "+08:00", "1d", "2024-01-01T15:59:00Z", LT_AGE_WITHIN },
		{ "31/12/2023 23:59", "+08:00", "1d", "2024-01-01T15:59:00.001Z", LT_AGE_OVER },
		/* leap day + 1y = 28 Feb; + 4y = 29 Feb */
		{ "2024-02-29", NULL, "1y", "2025-02-28T00:00:00Z", LT_AGE_WITHIN },
		{ "2024-02-29", NULL, "1y", "2025-02-28T00:00:00.001Z", LT_AGE_OVER },
		{ "2024-02-29", NULL, "4y", "2028-02-29T00:00:00Z", LT_AGE_WITHIN },
		{ "2024-02-29", NULL, "4y", "2028-02-29T00:00:00.001Z", LT_AGE_OVER },
		{ "2024-02-29", NULL, "12m", "2025-02-28T00:00:00.001Z", LT_AGE_OVER },
		/* 31 Jan + 1m = 29 Feb (leap) or 28 Feb */
		{ "2024-01-31", NULL, "1m", "2024-02-29T00:00:00Z", LT_AGE_WITHIN },
		{ "2024-01-31", NULL, "1m", "2024-02-29T00:00:00.001Z", LT_AGE_OVER },
		{ "2023-01-31", NULL, "1m", "2023-02-28T00:00:00.001Z", LT_AGE_OVER },
		{ "2023-01-31", NULL, "1m", "2023-02-28T00:00:00Z", LT_AGE_WITHIN },
		{ "2024-03-31", NULL, "1m", "2024-04-30T00:00:00.001Z", LT_AGE_OVER },
		{ "2023-11-30", NULL, "3m", "2024-02-29T00:00:00.001Z", LT_AGE_OVER },
		{ "2023-11-30", NULL, "3m", "2024-02-29T00:00:00Z", LT_AGE_WITHIN },
		{ "2024-12-15", NULL, "18m", "2026-06-15T00:00:00.001Z", LT_AGE_OVER },
		/* days */
		{ "2024-01-01", NULL, "90d", "2024-03-31T00:00:00Z", LT_AGE_WITHIN },
		{ "2024-01-01", NULL, "90d", "2024-03-31T00:00:00.001Z", LT_AGE_OVER },
		/* retain 0: over as soon as it is in the past */
		{ "2024-01-01", NULL, "0", "2024-01-01T00:00:00Z", LT_AGE_WITHIN },
		{ "2024-01-01", NULL, "0", "2024-01-01T00:00:00.001Z", LT_AGE_OVER },
		/* epochs are zone-free */
		{ "1706659200", "+08:00", "1d", "2024-02-01T00:00:00Z", LT_AGE_WITHIN },
		{ "1706659200000", "+08:00", "1d", "2024-02-01T00:00:00.001Z", LT_AGE_OVER },
		{ "20240131", NULL, "1y", "2030-01-01T00:00:00Z", LT_AGE_OVER },
		{ "2024.01.31", NULL, "10y", "2030-01-01T00:00:00Z", LT_AGE_WITHIN },
		/* unreadable: counted, never judged */
		{ "not a date", NULL, "1y", "2030-01-01T00:00:00Z", LT_AGE_UNREADABLE },
		{ "", NULL, "0", "2030-01-01T00:00:00Z", LT_AGE_UNREADABLE },
		{ "2023-02-29", NULL, "1y", "2030-01-01T00:00:00Z", LT_AGE_UNREADABLE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct lt_tz *tz = zone(cases[i].zone);
		enum lt_age got = lt_age_over(cases[i].date, strlen(cases[i].date),
					      LT_DATE_AUTO, tz, dur(cases[i].retain),
					      utc(cases[i].now));

		lt_tz_free(tz);
		if (got != cases[i].want)
			fail_msg("%s (%s) + %s at %s: %d, want %d", cases[i].date,
				 cases[i].zone ? cases[i].zone : "UTC", cases[i].retain,
				 cases[i].now, got, cases[i].want);
	}
}

/* Days are calendar days on the zone's wall clock, across DST changes. */
static void test_ages_dst(void **state)
{
	struct lt_tz *tz;
	struct lt_duration d1 = dur("1d");
	lt_ms t;

	(void)state;
	if (!have_tzdata("Europe/Berlin"))
		skip();
	tz = zone("Europe/Berlin");
	/* 30 Mar 12:00 CET + 1d = 31 Mar 12:00 CEST = 10:00Z (23 hours later) */
	assert_int_equal(lt_date_parse("2024-03-30 12:00", 16, LT_DATE_AUTO, tz, &t), 0);
	assert_int_equal(lt_time_add(t, d1, tz), utc("2024-03-31T10:00:00Z"));
	assert_int_equal(lt_age_over("2024-03-30 12:00", 16, LT_DATE_AUTO, tz, d1,
				     utc("2024-03-31T10:00:00Z")), LT_AGE_WITHIN);
	assert_int_equal(lt_age_over("2024-03-30 12:00", 16, LT_DATE_AUTO, tz, d1,
				     utc("2024-03-31T10:00:00.001Z")), LT_AGE_OVER);
	/* 26 Oct 12:00 CEST + 1d = 27 Oct 12:00 CET = 11:00Z (25 hours later) */
	assert_int_equal(lt_date_parse("2024-10-26 12:00", 16, LT_DATE_AUTO, tz, &t), 0);
	assert_int_equal(lt_time_add(t, d1, tz), utc("2024-10-27T11:00:00Z"));
	/* + 6m from winter to summer keeps the wall time */
	assert_int_equal(lt_date_parse("2024-01-15 12:00", 16, LT_DATE_AUTO, tz, &t), 0);
	assert_int_equal(lt_time_add(t, dur("6m"), tz), utc("2024-07-15T10:00:00Z"));
	lt_tz_free(tz);
}

/* The cutoff: now - retain; equivalent to lt_age_over_ms wherever no
 * month-end clamp is involved, whatever the zone. */
static void test_cutoff(void **state)
{
	static const char *const zones[] = { NULL, "+08:00", "-0930" };
	static const char *const retains[] = { "0", "1d", "90d", "1m", "18m", "2y", "5y" };
	uint64_t seed = 88172645463325252ULL;
	size_t z, r, k;

	(void)state;
	assert_int_equal(lt_age_cutoff(dur("1m"), NULL, utc("2024-03-30T00:00:00Z")),
			 utc("2024-02-29T00:00:00Z"));
	assert_int_equal(lt_age_cutoff(dur("1y"), NULL, utc("2025-02-28T06:00:00Z")),
			 utc("2024-02-28T06:00:00Z"));
	{
		struct lt_tz *sg = zone("+08:00");

		assert_int_equal(lt_age_cutoff(dur("2y"), sg, utc("2026-11-01T00:00:00Z")),
				 utc("2024-11-01T00:00:00Z"));
		/* 30 Mar 00:30 in +08:00 is 29 Mar 16:30Z: the local date decides */
		assert_int_equal(lt_age_cutoff(dur("1m"), sg, utc("2024-03-29T16:30:00Z")),
				 utc("2024-02-28T16:30:00Z"));
		lt_tz_free(sg);
	}
	for (z = 0; z < sizeof zones / sizeof *zones; z++) {
		struct lt_tz *tz = zone(zones[z]);

		for (r = 0; r < sizeof retains / sizeof *retains; r++) {
			struct lt_duration d = dur(retains[r]);

			for (k = 0; k < 3000; k++) {
				lt_ms now, date, cut;
				int64_t lnow, ldate;

				xorshift(&seed);
				now = utc("2020-01-01T00:00:00Z") +
				      (lt_ms)(seed % (10ULL * 365 * 86400000));
				xorshift(&seed);
				date = now - (lt_ms)(seed % (8ULL * 365 * 86400000));
				if (k % 3 == 0) /* near the cutoff */
					date = lt_age_cutoff(d, tz, now) +
					       (lt_ms)(seed % 5) - 2;
				lnow = (now / 1000 + lt_tz_offset(tz, now / 1000)) / 86400;
				ldate = (date / 1000 + lt_tz_offset(tz, date / 1000)) / 86400;
				if (d.unit != LT_UNIT_DAYS) {
					/* skip days of month past 28: the clamp */
					time_t a = (time_t)lnow * 86400, b = (time_t)ldate * 86400;
					struct tm ta, tb;

					gmtime_r(&a, &ta);
					gmtime_r(&b, &tb);
					if (ta.tm_mday > 28 || tb.tm_mday > 28)
						continue;
				}
				cut = lt_age_cutoff(d, tz, now);
				if ((date < cut) != lt_age_over_ms(date, d, tz, now))
					fail_msg("zone %s retain %s now %lld date %lld cut %lld",
						 zones[z] ? zones[z] : "UTC", retains[r],
						 (long long)now, (long long)date, (long long)cut);
			}
		}
		lt_tz_free(tz);
	}
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A random key of fewer than max bytes over a few ASCII and UTF-8 bytes
 * (so keys are often prefixes of one another); returns its length. */
static size_t rand_key(char *k, unsigned max)
{
	static const char alpha[] = "ab\xc3\xa9Z9";
	size_t n = rnd(max);

	for (size_t j = 0; j < n; j++)
		k[j] = alpha[rnd(sizeof alpha - 1)];
	k[n] = '\0';
	return n;
}

/* lt_strlist_has on a sorted list agrees with a linear search, for keys
 * that are prefixes of one another and bytes above 0x7f. */
static void test_strlist_has_random(void **state)
{
	struct lt_strlist l = { 0 };
	size_t found = 0;
	(void)state;

	for (int i = 0; i < 600; i++) {
		char k[8];

		rand_key(k, 7);
		lt_strlist_push(&l, k);
	}
	qsort(l.v, l.n, sizeof *l.v, cmp_strp);
	for (int i = 0; i < 5000; i++) {
		char k[8];
		size_t n = rand_key(k, 8);
		bool linear = false;

		for (size_t j = 0; j < l.n && !linear; j++)
			linear = strlen(l.v[j]) == n && memcmp(l.v[j], k, n) == 0;
		if (lt_strlist_has(&l, k, n) != linear)
			fail_msg("probe %d (%zu bytes): %d, linear search %d", i, n,
				 !linear, linear);
		found += linear;
	}
	assert_true(found > 500 && found < 4500);   /* both answers seen */
	lt_strlist_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_good, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_match, setup_dir, teardown_dir),
		cmocka_unit_test(test_glob),
		cmocka_unit_test_setup_teardown(test_bad_policies, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_not_shadowed, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_all_errors_collected, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_unreadable_policy, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_error_cap, setup_dir, teardown_dir),
		cmocka_unit_test(test_shipped_policies),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_date_format_names),
		cmocka_unit_test(test_zone_names),
		cmocka_unit_test(test_iana_zones),
		cmocka_unit_test(test_tz_vs_libc),
		cmocka_unit_test_setup_teardown(test_tzdir, setup_dir, teardown_dir),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ages),
		cmocka_unit_test(test_ages_dst),
		cmocka_unit_test(test_cutoff),
		cmocka_unit_test(test_strlist_has_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
