/*
 * hll.c - 64-bit hashing and HyperLogLog sketches for the `distinct`
 * figures: 4 KiB per sketch (p = 12, ~1.6% standard error), mergeable so
 * per-worker and per-shard counts add up exactly as one run would.
 */
#include <math.h>
#include <string.h>

#include "lethe/util.h"

/* The 128-bit product of x and y: *lo and *hi (from 32-bit halves where
 * the compiler has no 128-bit integers: 32-bit targets). */
static void mul128(uint64_t *lo, uint64_t *hi, uint64_t x, uint64_t y)
{
#if defined(__SIZEOF_INT128__)
	__extension__ typedef unsigned __int128 u128;
	u128 r = (u128)x * y;

	*lo = (uint64_t)r;
	*hi = (uint64_t)(r >> 64);
#else
	uint64_t xl = (uint32_t)x, xh = x >> 32, yl = (uint32_t)y, yh = y >> 32;
	uint64_t ll = xl * yl, lh = xl * yh, hl = xh * yl, hh = xh * yh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

	*lo = (mid << 32) | (uint32_t)ll;
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* The product's halves folded together. */
static uint64_t mum(uint64_t a, uint64_t b)
{
	uint64_t lo, hi;

	mul128(&lo, &hi, a, b);
	return lo ^ hi;
}

/* wyhash's construction (Wang Yi, public domain), unseeded: a value of up
 * to 16 bytes (most are) takes two multiplies, not one per byte, so a
 * cell's hash is no longer a long chain of dependent multiplies. */
uint64_t lt_hash64(const void *p, size_t n)
{
	static const uint64_t K0 = 0xa0761d6478bd642fULL,
			      K1 = 0xe7037ed1a0b428dbULL;
	const unsigned char *s = p;
	uint64_t seed = 0x1ff5c2923a788d2cULL;   /* mum(K0, K1) */
	uint64_t a, b;

	if (n <= 16) {
		if (n >= 4) {   /* four overlapping words of 4 bytes */
			size_t q = (n >> 3) << 2;

			a = (uint64_t)lt_load32(s) << 32 | lt_load32(s + q);
			b = (uint64_t)lt_load32(s + n - 4) << 32 |
			    lt_load32(s + n - 4 - q);
		} else if (n > 0) {
			a = (uint64_t)s[0] << 16 | (uint64_t)s[n >> 1] << 8 |
			    s[n - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = n;

		while (i > 16) {
			seed = mum(lt_load64(s) ^ K1, lt_load64(s + 8) ^ seed);
			s += 16;
			i -= 16;
		}
		a = lt_load64(s + i - 16);
		b = lt_load64(s + i - 8);
	}
	mul128(&a, &b, a ^ K1, b ^ seed);
	return mum(a ^ K0 ^ n, b ^ K1);
}

void lt_hll_init(struct lt_hll *h)
{
	memset(h->reg, 0, sizeof h->reg);
}

void lt_hll_add(struct lt_hll *h, uint64_t hash)
{
	uint32_t idx = (uint32_t)(hash >> (64 - LT_HLL_P));
	uint64_t w = (hash << LT_HLL_P) | (1ULL << (LT_HLL_P - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);

	if (rank > h->reg[idx])
		h->reg[idx] = rank;
}

void lt_hll_merge(struct lt_hll *into, const struct lt_hll *from)
{
	for (size_t i = 0; i < LT_HLL_M; i++)
		if (from->reg[i] > into->reg[i])
			into->reg[i] = from->reg[i];
}

uint64_t lt_hll_estimate(const struct lt_hll *h)
{
	double m = LT_HLL_M, sum = 0, alpha = 0.7213 / (1.0 + 1.079 / m), e;
	size_t zeros = 0;

	for (size_t i = 0; i < LT_HLL_M; i++) {
		sum += ldexp(1.0, -(int)h->reg[i]);
		if (h->reg[i] == 0)
			zeros++;
	}
	e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log(m / (double)zeros);   /* linear counting */
	return (uint64_t)(e + 0.5);
}
