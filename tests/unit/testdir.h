/*
 * testdir.h - helpers shared by unit tests that write files: a scratch
 * directory per test (cmocka setup/teardown), writing a file into it, and
 * UTC timestamps.  Include after <cmocka.h> and "lethe/policy.h".
 */
#ifndef LETHE_TESTDIR_H
#define LETHE_TESTDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char tmpdir[256];

static __attribute__((unused)) int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "%s/lethe-test-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static __attribute__((unused)) int teardown_dir(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to tmpdir/name; returns the path (static buffer). */
static __attribute__((unused)) const char *write_file(const char *name,
						       const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Removes tmpdir/name (gone already is fine). */
static __attribute__((unused)) void remove_file(const char *name)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	remove(path);
}

/* "2024-01-31T02:15:30.123Z" (fraction optional) -> ms, via timegm. */
static __attribute__((unused)) lt_ms utc(const char *s)
{
	struct tm tm = { 0 };
	int ms = 0;

	if (sscanf(s, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
		fail_msg("bad test timestamp %s", s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (lt_ms)timegm(&tm) * 1000 + ms;
}

#endif
