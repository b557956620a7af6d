/*
 * testrng.h - the unit tests' deterministic PRNG (xorshift64): the same
 * stream on every run, so a failure repeats.
 */
#ifndef LETHE_TESTRNG_H
#define LETHE_TESTRNG_H

#include <stdint.h>

static uint64_t rng = 88172645463325252ULL;

/* A number in [0, n). */
static __attribute__((unused)) unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

#endif
