/*
 * benchutil.h - what the standalone benchmarks (split_bench.c,
 * hs_probe.c) share: a wall clock and the cut of a file in memory into
 * blocks at line ends.
 */
#ifndef LETHE_BENCHUTIL_H
#define LETHE_BENCHUTIL_H

#include <string.h>
#include <time.h>

#define BLOCK (4u << 20)   /* bytes per block, as lethe's pipeline cuts */

/* Monotonic wall-clock seconds. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Length of the block at p (n bytes left): up to the last '\n' within
 * BLOCK bytes (no quote tracking: the benchmark export has no quoted
 * newlines); BLOCK when one line is longer than that. */
static size_t cut(const char *p, size_t n)
{
	const char *nl;

	if (n <= BLOCK)
		return n;
	nl = memrchr(p, '\n', BLOCK);
	return nl ? (size_t)(nl - p) + 1 : BLOCK;
}

#endif
