/*
 * sha256.c - SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for plan
 * fingerprints (the sha256 of a source's raw bytes, of plan.sql, of the
 * policy) and for apply's keyed `hash` action.  A compact, portable
 * implementation: big-endian loads and stores by hand, no tables beyond
 * the round constants.  Tested against the FIPS 180-2 and RFC 4231
 * vectors (tests/unit/test_plan.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lethe/plan.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t h[8], const uint8_t *b)
{
	uint32_t w[64], a, bb, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | (uint32_t)b[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; bb = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		     ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		     ((a & bb) ^ (a & c) ^ (bb & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = bb; bb = a; a = t1 + t2;
	}
	h[0] += a; h[1] += bb; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void lt_sha256_init(struct lt_sha256 *c)
{
	static const uint32_t H0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, H0, sizeof H0);
	c->len = 0;
	c->nbuf = 0;
}

void lt_sha256_update(struct lt_sha256 *c, const void *p, size_t n)
{
	const uint8_t *s = p;

	c->len += n;
	if (c->nbuf) {
		size_t k = 64 - c->nbuf < n ? 64 - c->nbuf : n;

		memcpy(c->buf + c->nbuf, s, k);
		c->nbuf += k;
		s += k;
		n -= k;
		if (c->nbuf < 64)
			return;
		compress(c->h, c->buf);
		c->nbuf = 0;
	}
	for (; n >= 64; s += 64, n -= 64)
		compress(c->h, s);
	memcpy(c->buf, s, n);
	c->nbuf = n;
}

void lt_sha256_final(struct lt_sha256 *c, uint8_t out[32])
{
	uint64_t bits = c->len * 8;
	int i;

	c->buf[c->nbuf++] = 0x80;
	if (c->nbuf > 56) {
		memset(c->buf + c->nbuf, 0, 64 - c->nbuf);
		compress(c->h, c->buf);
		c->nbuf = 0;
	}
	memset(c->buf + c->nbuf, 0, 56 - c->nbuf);
	for (i = 0; i < 8; i++)
		c->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	compress(c->h, c->buf);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
	memset(c->buf, 0, sizeof c->buf); /* may have held key material */
}

void lt_sha256(const void *p, size_t n, uint8_t out[32])
{
	struct lt_sha256 c;

	lt_sha256_init(&c);
	lt_sha256_update(&c, p, n);
	lt_sha256_final(&c, out);
}

void lt_hmac_init(struct lt_hmac *h, const void *key, size_t kn)
{
	uint8_t k[64], pad[64];
	int i;

	memset(k, 0, sizeof k);
	if (kn > 64)
		lt_sha256(key, kn, k);
	else if (kn)
		memcpy(k, key, kn);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	lt_sha256_init(&h->inner);
	lt_sha256_update(&h->inner, pad, 64);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	lt_sha256_init(&h->outer);
	lt_sha256_update(&h->outer, pad, 64);
	memset(k, 0, sizeof k);
	memset(pad, 0, sizeof pad);
}

void lt_hmac_mac(const struct lt_hmac *h, const void *msg, size_t n,
		 uint8_t out[32])
{
	struct lt_sha256 c = h->inner;
	uint8_t ih[32];

	lt_sha256_update(&c, msg, n);
	lt_sha256_final(&c, ih);
	c = h->outer;
	lt_sha256_update(&c, ih, sizeof ih);
	lt_sha256_final(&c, out);
}

void lt_hmac_sha256(const void *key, size_t kn, const void *msg, size_t n,
		    uint8_t out[32])
{
	struct lt_hmac h;

	lt_hmac_init(&h, key, kn);
	lt_hmac_mac(&h, msg, n, out);
	memset(&h, 0, sizeof h);
}

char *lt_hex(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

int lt_plan_fingerprint(const char *path, struct lt_plan_fp *fp,
			struct lt_err *err)
{
	static const size_t CHUNK = 1 << 20;
	struct lt_sha256 c;
	struct stat st;
	uint8_t d[32];
	char *buf;
	FILE *f;
	size_t n;
	uint64_t total = 0;

	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) < 0) {
		int e = errno;

		if (f)
			fclose(f);
		return lt_err_set(err, LT_E_IO, path, 0, "cannot open: %s",
				  strerror(e));
	}
	buf = lt_xmalloc(CHUNK);
	lt_sha256_init(&c);
	while ((n = fread(buf, 1, CHUNK, f)) > 0) {
		lt_sha256_update(&c, buf, n);
		total += n;
	}
	free(buf);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		return lt_err_set(err, LT_E_IO, path, 0, "read error: %s",
				  strerror(e ? e : EIO));
	}
	fclose(f);
	lt_sha256_final(&c, d);
	fp->set = true;
	fp->bytes = total;
	fp->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	lt_hex(d, 32, fp->sha256);
	return 0;
}
