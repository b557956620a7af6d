/*
 * testrng.h - the unit tests' deterministic PRNG (xorshift64): the same
 * stream on every run, so a failure repeats.
 */
#ifndef LETHE_TESTRNG_H
#define LETHE_TESTRNG_H

#include <stdint.h>

static uint64_t rng = 88172645463325252ULL;

/* Steps the stream *s (a test may keep its own) and returns it. */
static __attribute__((unused)) uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A number in [0, n). */
static __attribute__((unused)) unsigned rnd(unsigned n)
{
	return (unsigned)(xorshift(&rng) % n);
}

#endif
