/*
 * test_pg.c - PostgreSQL URIs as sources, without a server: malformed URIs
 * are usage errors, an unreachable server is one ERROR source, and no
 * password ever reaches a source name, a reason or an error message
 * (whether given as user:password@, as ?password=, or malformed).  The
 * server-side behaviour (tables, sampling, COPY, errors mid-stream) is
 * tests/cli/pg_scan.sh's, against a real cluster.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe/source.h"

#define NOHOST "host=/nonexistent-lethe-test&port=1"

static int setup(void **state)
{
	(void)state;
	/* the environment must not add a password or a service */
	unsetenv("PGPASSWORD");
	unsetenv("PGSERVICE");
	unsetenv("PGSERVICEFILE");
	unsetenv("PGPASSFILE");
	setenv("PGPASSFILE", "/nonexistent-lethe-test/pgpass", 1);
	return 0;
}

static void no_secret(const char *s, const char *what)
{
	if (!s)
		return;
	if (strstr(s, "S3cret") || strstr(s, "Pw%21") || strstr(s, "Pw!x")) {
		fprintf(stderr, "secret in %s: %s\n", what, s);
		fail();
	}
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"postgresql://u:S3cretPw%21x@/db?" NOHOST "&bogus=1",
		"postgresql://u:S3cretPw%21x@[::1/db",
		"postgresql://u:S3cretPw%21x@localhost:notaport/db",
		"postgresql://u:S3cretPw%zz@/db?" NOHOST,
		"postgresql://u@/db?password=S3cretPw%21x&sslmode=sometimes",
		"postgres://u:S3cretPw!x@h/db?port=12a",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lt_source_list l = { 0 };
		struct lt_err e;
		char buf[1024];
		const char *args[1] = { bad[i] };

		lt_err_clear(&e);
		if (lt_sources_expand(args, 1, NULL, &l, &e) != -1) {
			fprintf(stderr, "accepted: case %zu\n", i);
			fail();
		}
		assert_int_equal(e.code, LT_E_USAGE);
		no_secret(lt_err_format(&e, buf, sizeof buf), "error");
		assert_non_null(strstr(e.msg, "malformed"));
		lt_sources_release(&l);
	}
}

struct unreachable_case {
	const char *uri;
	const char *name;  /* expected source name */
	const char *table; /* expected table, or NULL */
};

static void test_unreachable(void **state)
{
	static const struct unreachable_case cases[] = {
		{ "postgresql://u:S3cretPw%21x@/db?" NOHOST,
		  "postgresql://u@/db?" NOHOST, NULL },
		{ "postgresql://u@/db?password=S3cretPw%21x&" NOHOST,
		  "postgresql://u@/db?" NOHOST, NULL },
		{ "postgresql://u@/db?" NOHOST "&password=S3cretPw%21x",
		  "postgresql://u@/db?" NOHOST, NULL },
		{ "postgres://u:S3cretPw!x@/db?" NOHOST "#public.customers",
		  "postgres://u@/db?" NOHOST "#public.customers",
		  "public.customers" },
		{ "postgresql://:S3cretPw!x@/db?" NOHOST,
		  "postgresql:///db?" NOHOST, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct lt_source_list l = { 0 };
		struct lt_err e;
		const char *args[1] = { cases[i].uri };
		const struct lt_source *s;

		lt_err_clear(&e);
		assert_int_equal(lt_sources_expand(args, 1, NULL, &l, &e), 0);
		assert_int_equal(l.n, 1);
		s = &l.items[0];
		assert_int_equal(s->kind, LT_SRC_POSTGRES);
		assert_int_equal(s->status, LT_STATUS_ERROR);
		assert_string_equal(s->name, cases[i].name);
		if (cases[i].table)
			assert_string_equal(s->table, cases[i].table);
		assert_true(s->reason[0] != '\0');
		assert_null(strchr(s->reason, '\n'));
		no_secret(s->name, "name");
		no_secret(s->reason, "reason");
		/* libpq gets the password (and never the fragment) */
		assert_non_null(s->conninfo);
		assert_non_null(strstr(s->conninfo, "S3cret"));
		assert_null(strchr(s->conninfo, '#'));
		lt_sources_release(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unreachable),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
