/*
 * testpacks.h - helpers shared by unit tests that use the shipped pattern
 * packs ($LETHE_TEST_PACKS, default "patterns", run from the top of the
 * tree), compare matcher hits, or need a deterministic random stream.  Include after <cmocka.h>
 * and "lethe/detect.h".
 */
#ifndef LETHE_TESTPACKS_H
#define LETHE_TESTPACKS_H

#include "testrng.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static __attribute__((unused)) const char *packs_dir(void)
{
	const char *d = getenv("LETHE_TEST_PACKS");

	return d && *d ? d : "patterns";
}

/* The shipped packs; fails the test when they do not load. */
static __attribute__((unused)) struct lt_packset *load_shipped(void)
{
	struct lt_packset *ps = NULL;
	struct lt_err err;
	char buf[1024];

	lt_err_clear(&err);
	if (lt_packset_load(packs_dir(), NULL, 0, &ps, &err) != 0)
		print_error("%s\n", lt_err_format(&err, buf, sizeof buf));
	assert_non_null(ps);
	return ps;
}

/* Two hits the same in every field. */
static __attribute__((unused)) bool same_hit(const struct lt_hit *a,
					     const struct lt_hit *b)
{
	return a->det == b->det && a->level == b->level && a->off == b->off &&
	       a->len == b->len && a->whole == b->whole;
}

#endif
