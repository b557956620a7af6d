/*
 * decode.c - raw bytes to UTF-8 (module: text).
 *
 * Place in the data flow: source stream -> [decoder] -> splitter/parser.
 * The stream gives the raw (decompressed) bytes of a source in chunks of any
 * size; the decoder detects the encoding once (a BOM, else UTF-8, else CP949
 * when the first block is valid CP949 but not UTF-8) and appends UTF-8 to a
 * caller's buffer.  Invalid bytes and NUL become U+FFFD, one per byte
 * replaced (a UTF-16 code unit counts its two bytes), and are counted; in
 * strict mode the first one is an error at its offset in the input stream.
 *
 * Chunking never changes the result: a sequence split across feeds is
 * carried (at most 3 bytes) and decided when its next bytes arrive, by
 * re-running the same conversion over carry + the first bytes of the next
 * feed.  UTF-16 and CP949 go through iconv; UTF-8, the common case, is
 * validated here with an 8-bytes-at-a-time ASCII fast path.
 */
#include <assert.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "lethe/text.h"

#define DETECT_BLOCK (64u * 1024u) /* the "first block" encoding is guessed on */

static const unsigned char REPL[3] = { 0xEF, 0xBF, 0xBD }; /* U+FFFD */

struct lt_decoder {
	enum lt_encoding forced;  /* LT_ENC_AUTO: detect */
	enum lt_encoding enc;     /* decided encoding; AUTO while detecting */
	bool strict;              /* invalid byte -> error, not U+FFFD */
	bool decided;             /* enc is final, head has been drained */
	bool had_bom;             /* a BOM was found and stripped */
	struct lt_buf head;       /* input held back until enc is decided */
	unsigned char carry[8];   /* incomplete sequence from the last feed */
	size_t ncarry;
	uint64_t pos;             /* stream offset of the next unseen byte */
	uint64_t errors;          /* bytes replaced by U+FFFD */
	iconv_t cd;               /* UTF-16 / CP949 converter, or (iconv_t)-1 */
};

/* ---- names ---------------------------------------------------------------- */

const char *lt_encoding_name(enum lt_encoding e)
{
	switch (e) {
	case LT_ENC_AUTO:    return "auto";
	case LT_ENC_UTF8:    return "utf-8";
	case LT_ENC_UTF16LE: return "utf-16le";
	case LT_ENC_UTF16BE: return "utf-16be";
	case LT_ENC_CP949:   return "cp949";
	}
	return "unknown";
}

int lt_encoding_parse(const char *s, enum lt_encoding *out)
{
	static const struct {
		const char *name;
		enum lt_encoding e;
	} names[] = {
		{ "auto", LT_ENC_AUTO },        { "utf-8", LT_ENC_UTF8 },
		{ "utf8", LT_ENC_UTF8 },        { "utf-16le", LT_ENC_UTF16LE },
		{ "utf16le", LT_ENC_UTF16LE },  { "utf-16be", LT_ENC_UTF16BE },
		{ "utf16be", LT_ENC_UTF16BE },  { "cp949", LT_ENC_CP949 },
		{ "euc-kr", LT_ENC_CP949 },     { "euckr", LT_ENC_CP949 },
		{ "uhc", LT_ENC_CP949 },        { "ms949", LT_ENC_CP949 },
		{ "windows-949", LT_ENC_CP949 },
	};
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].e;
			return 0;
		}
	}
	return -1;
}

/* ---- UTF-8 ---------------------------------------------------------------- */

#define HI8 0x8080808080808080ull
#define LO8 0x0101010101010101ull

/* True when the 8 bytes are all ASCII and none is NUL. */
static inline bool plain_ascii8(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return ((v & HI8) | ((v - LO8) & ~v & HI8)) == 0;
}

/* The length of the run of plain bytes (ASCII, not NUL) at p[0..n),
 * counted 32 bytes at a time (SSE2), then 8, to within 8 of its end; the
 * caller reads on byte by byte. */
static size_t plain_run(const unsigned char *p, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const __m128i z = _mm_setzero_si128();

	for (; i + 32 <= n; i += 32) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
		/* a high bit, or a NUL byte */
		__m128i bad = _mm_or_si128(_mm_or_si128(a, b),
					   _mm_or_si128(_mm_cmpeq_epi8(a, z),
							_mm_cmpeq_epi8(b, z)));

		if (_mm_movemask_epi8(bad))
			break;
	}
#endif
	while (i + 8 <= n && plain_ascii8(p + i))
		i += 8;
	return i;
}

/* Is p[0..n) UTF-8?  NUL counts as valid here (it is replaced later in any
 * encoding).  complete: no more input follows, so a trailing partial
 * sequence is invalid. */
static bool utf8_valid(const unsigned char *p, size_t n, bool complete)
{
	size_t i = 0;
	int k;

	while (i < n) {
		i += plain_run(p + i, n - i);
		if (i >= n)
			break;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = lt_utf8_seq(p + i, n - i);
		if (k > 0)
			i += (size_t)k;
		else
			return k < 0 && !complete;
	}
	return true;
}

static int emit(struct lt_buf *out, const void *p, size_t n, struct lt_err *err)
{
	if (n && lt_buf_append(out, p, n) < 0)
		return lt_err_set(err, LT_E_LIMIT, NULL, 0,
				  "decoded text larger than %zu bytes",
				  out->max);
	return 0;
}

/* One bad unit of `len` input bytes at stream offset off: U+FFFD, or an
 * error in strict mode. */
static int bad(struct lt_decoder *d, uint64_t off, size_t len,
	       const char *what, struct lt_buf *out, struct lt_err *err)
{
	if (d->strict) {
		lt_err_set(err, LT_E_ENCODING, NULL, 0, "%s", what);
		lt_err_at_byte(err, off);
		return -1;
	}
	d->errors += len;
	return emit(out, REPL, sizeof REPL, err);
}

/* Converts p[0..n) (stream offset base).  Sets *used to the bytes consumed:
 * all of them when final, else all but an incomplete trailing sequence. */
static int conv_utf8(struct lt_decoder *d, const unsigned char *p, size_t n,
		     bool final, uint64_t base, struct lt_buf *out,
		     struct lt_err *err, size_t *used)
{
	size_t i = 0, run = 0;
	int k;

	while (i < n) {
		i += plain_run(p + i, n - i);
		if (i >= n)
			break;
		if (p[i] != 0 && p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] == 0) {
			if (emit(out, p + run, i - run, err) < 0 ||
			    bad(d, base + i, 1, "nul byte", out, err) < 0)
				return -1;
			run = ++i;
			continue;
		}
		k = lt_utf8_seq(p + i, n - i);
		if (k > 0) {
			i += (size_t)k;
			continue;
		}
		if (k < 0 && !final)
			break; /* carried to the next feed */
		if (emit(out, p + run, i - run, err) < 0 ||
		    bad(d, base + i, 1, "invalid utf-8 byte", out, err) < 0)
			return -1;
		run = ++i;
	}
	if (emit(out, p + run, i - run, err) < 0)
		return -1;
	*used = i;
	return 0;
}

/* ---- iconv (UTF-16, CP949) ------------------------------------------------ */

static size_t unit_of(enum lt_encoding e)
{
	return e == LT_ENC_CP949 ? 1 : 2;
}

static const char *bad_msg(enum lt_encoding e)
{
	return e == LT_ENC_CP949 ? "invalid cp949 sequence"
				 : "invalid utf-16 sequence";
}

/* Converts a segment holding no NUL unit.  final: an incomplete tail is
 * invalid (end of input, or a NUL unit follows). */
static int iconv_seg(struct lt_decoder *d, const unsigned char *p, size_t n,
		     bool final, uint64_t base, struct lt_buf *out,
		     struct lt_err *err, size_t *used)
{
	char obuf[8192];
	char *ip = (char *)p;
	size_t il = n, unit = unit_of(d->enc), skip;

	while (il > 0) {
		char *op = obuf;
		size_t ol = sizeof obuf;
		size_t r = iconv(d->cd, &ip, &il, &op, &ol);
		int e = errno;

		if (emit(out, obuf, (size_t)(op - obuf), err) < 0)
			return -1;
		if (r != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		if (e == EINVAL && !final)
			break; /* incomplete tail: carried */
		if (e != EILSEQ && e != EINVAL)
			return lt_err_set(err, LT_E_ENCODING, NULL, 0,
					  "conversion failed: %s",
					  strerror(e));
		/* EILSEQ: one bad unit; EINVAL at the end: the whole tail,
		 * one U+FFFD per unit (rounded up). */
		skip = e == EILSEQ ? (il < unit ? il : unit) : il;
		while (skip > 0) {
			size_t k = skip < unit ? skip : unit;

			if (bad(d, base + (uint64_t)((const unsigned char *)ip - p),
				k, bad_msg(d->enc), out, err) < 0)
				return -1;
			ip += k;
			il -= k;
			skip -= k;
		}
	}
	*used = (size_t)((const unsigned char *)ip - p);
	return 0;
}

/* Offset in p[0..n) of the first NUL unit (aligned), or n. */
static size_t find_nul(enum lt_encoding e, const unsigned char *p, size_t n)
{
	const unsigned char *z;
	size_t i;

	if (e == LT_ENC_CP949) {
		z = memchr(p, 0, n);
		return z ? (size_t)(z - p) : n;
	}
	for (i = 0; i + 1 < n; i += 2)
		if (p[i] == 0 && p[i + 1] == 0)
			return i;
	return n;
}

static int conv_iconv(struct lt_decoder *d, const unsigned char *p, size_t n,
		      bool final, uint64_t base, struct lt_buf *out,
		      struct lt_err *err, size_t *used)
{
	size_t i = 0, z, u, unit = unit_of(d->enc);

	while (i < n) {
		z = i + find_nul(d->enc, p + i, n - i);
		if (z >= n) {
			if (iconv_seg(d, p + i, n - i, final, base + i, out,
				      err, &u) < 0)
				return -1;
			i += u;
			break;
		}
		if (iconv_seg(d, p + i, z - i, true, base + i, out, err, &u) < 0)
			return -1;
		if (bad(d, base + z, unit, "nul byte", out, err) < 0)
			return -1;
		i = z + unit;
	}
	*used = i;
	return 0;
}

static int conv(struct lt_decoder *d, const unsigned char *p, size_t n,
		bool final, uint64_t base, struct lt_buf *out,
		struct lt_err *err, size_t *used)
{
	if (d->enc == LT_ENC_UTF8)
		return conv_utf8(d, p, n, final, base, out, err, used);
	return conv_iconv(d, p, n, final, base, out, err, used);
}

/* Converts in[0..n), the bytes after d->pos, with the carry in front. */
static int run(struct lt_decoder *d, const unsigned char *in, size_t n,
	       bool eof, struct lt_buf *out, struct lt_err *err)
{
	size_t used, left, take;

	if (d->ncarry) {
		unsigned char tmp[sizeof d->carry + 16];
		size_t m;

		take = n < 16 ? n : 16;
		memcpy(tmp, d->carry, d->ncarry);
		memcpy(tmp + d->ncarry, in, take);
		m = d->ncarry + take;
		if (conv(d, tmp, m, eof && take == n, d->pos - d->ncarry, out,
			 err, &used) < 0)
			return -1;
		left = m - used;
		if (left > take) {
			/* still incomplete, and every input byte is in tmp */
			assert(take == n && left <= sizeof d->carry);
			memmove(d->carry, tmp + used, left);
			d->ncarry = left;
			d->pos += take;
			return 0;
		}
		/* the unconsumed tail of tmp is input: take it back */
		d->ncarry = 0;
		in += take - left;
		n -= take - left;
		d->pos += take - left;
	}
	if (conv(d, in, n, eof, d->pos, out, err, &used) < 0)
		return -1;
	left = n - used;
	assert(left <= 3 && (left == 0 || !eof));
	memcpy(d->carry, in + used, left);
	d->ncarry = left;
	d->pos += n;
	return 0;
}

/* ---- detection ------------------------------------------------------------ */

static bool cp949_valid(const unsigned char *p, size_t n, bool complete)
{
	iconv_t cd = iconv_open("UTF-8", "CP949");
	char obuf[8192];
	char *ip = (char *)p;
	size_t il = n;
	bool ok = true;

	if (cd == (iconv_t)-1)
		return false;
	while (il > 0) {
		char *op = obuf;
		size_t ol = sizeof obuf;

		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		ok = errno == EINVAL && !complete;
		break;
	}
	iconv_close(cd);
	return ok;
}

static const struct {
	unsigned char b[3];
	size_t n;
	enum lt_encoding e;
} boms[] = {
	{ { 0xEF, 0xBB, 0xBF }, 3, LT_ENC_UTF8 },
	{ { 0xFF, 0xFE, 0 }, 2, LT_ENC_UTF16LE },
	{ { 0xFE, 0xFF, 0 }, 2, LT_ENC_UTF16BE },
};

/* Decides d->enc from the first bytes h[0..len) of the input.  Returns 1
 * when decided (*bom_len set), 0 when more input is needed, -1 on error. */
static int decide(struct lt_decoder *d, const unsigned char *h, size_t len,
		  bool eof, size_t *bom_len, struct lt_err *err)
{
	size_t i, blk;
	const char *from = NULL;

	*bom_len = 0;
	d->enc = LT_ENC_AUTO;
	for (i = 0; i < sizeof boms / sizeof boms[0]; i++) {
		if (d->forced != LT_ENC_AUTO && d->forced != boms[i].e)
			continue;
		if (len >= boms[i].n && memcmp(h, boms[i].b, boms[i].n) == 0) {
			d->enc = boms[i].e;
			d->had_bom = true;
			*bom_len = boms[i].n;
			break;
		}
		if (len < boms[i].n && !eof &&
		    (len == 0 || memcmp(h, boms[i].b, len) == 0))
			return 0; /* could still be this BOM */
	}
	if (d->enc == LT_ENC_AUTO && d->forced != LT_ENC_AUTO)
		d->enc = d->forced;
	if (d->enc == LT_ENC_AUTO) {
		if (len < DETECT_BLOCK && !eof)
			return 0;
		blk = len < DETECT_BLOCK ? len : DETECT_BLOCK;
		if (utf8_valid(h, blk, eof && len <= DETECT_BLOCK))
			d->enc = LT_ENC_UTF8;
		else if (cp949_valid(h, blk, eof && len <= DETECT_BLOCK))
			d->enc = LT_ENC_CP949;
		else
			d->enc = LT_ENC_UTF8;
	}
	if (d->enc == LT_ENC_UTF16LE)
		from = "UTF-16LE";
	else if (d->enc == LT_ENC_UTF16BE)
		from = "UTF-16BE";
	else if (d->enc == LT_ENC_CP949)
		from = "CP949";
	if (from) {
		d->cd = iconv_open("UTF-8", from);
		if (d->cd == (iconv_t)-1)
			return lt_err_set(err, LT_E_ENCODING, NULL, 0,
					  "no converter from %s: %s", from,
					  strerror(errno));
	}
	d->decided = true;
	return 1;
}

/* ---- public --------------------------------------------------------------- */

struct lt_decoder *lt_decoder_new(enum lt_encoding forced, bool strict)
{
	struct lt_decoder *d = lt_xcalloc(1, sizeof *d);

	d->forced = forced;
	d->strict = strict;
	d->cd = (iconv_t)-1;
	lt_buf_init(&d->head, 0);
	return d;
}

int lt_decoder_feed(struct lt_decoder *d, const void *in, size_t n, bool eof,
		    struct lt_buf *out, struct lt_err *err)
{
	size_t bom;
	int rc;

	if (d->decided)
		return run(d, in, n, eof, out, err);
	if (d->head.len == 0 && (n >= DETECT_BLOCK || eof)) {
		/* the first feed holds the whole first block: no copy */
		rc = decide(d, in, n, eof, &bom, err);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			d->pos = bom;
			return run(d, (const unsigned char *)in + bom, n - bom,
				   eof, out, err);
		}
	}
	if (lt_buf_append(&d->head, in, n) < 0)
		return lt_err_set(err, LT_E_LIMIT, NULL, 0,
				  "input block too large");
	rc = decide(d, (const unsigned char *)d->head.data, d->head.len, eof,
		    &bom, err);
	if (rc <= 0)
		return rc;
	d->pos = bom;
	rc = run(d, (const unsigned char *)d->head.data + bom,
		 d->head.len - bom, eof, out, err);
	lt_buf_release(&d->head);
	return rc;
}

enum lt_encoding lt_decoder_encoding(const struct lt_decoder *d)
{
	return d->enc;
}

bool lt_decoder_had_bom(const struct lt_decoder *d)
{
	return d->had_bom;
}

uint64_t lt_decoder_errors(const struct lt_decoder *d)
{
	return d->errors;
}

void lt_decoder_free(struct lt_decoder *d)
{
	if (!d)
		return;
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	lt_buf_release(&d->head);
	free(d);
}

/* ---- binary sniffing ------------------------------------------------------ */

bool lt_looks_binary(const void *p, size_t n)
{
	static const struct {
		const char *m;
		size_t n;
	} magics[] = {
		{ "%PDF", 4 },
		{ "\x89PNG", 4 },
		{ "GIF87a", 6 },
		{ "GIF89a", 6 },
		{ "\x7f" "ELF", 4 },
		{ "PK\x03\x04", 4 },            /* zip, xlsx, docx, jar */
		{ "PK\x05\x06", 4 },            /* empty zip */
		{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8 }, /* OLE2: xls, doc */
		{ "SQLite format 3\0", 16 },
		{ "\x1f\x8b", 2 },              /* gzip inside gzip */
		{ "\xff\xd8\xff", 3 },          /* JPEG */
		{ "7z\xbc\xaf\x27\x1c", 6 },
		{ "Rar!\x1a\x07", 6 },
		{ "\xfd" "7zXZ\0", 6 },
		{ "\x28\xb5\x2f\xfd", 4 },      /* zstd */
	};
	const unsigned char *b = p;
	size_t i, ctl = 0;

	if (n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) ||
		       (b[0] == 0xFE && b[1] == 0xFF)))
		return false; /* UTF-16 with a BOM is text */
	if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
		b += 3;
		n -= 3;
	}
	for (i = 0; i < sizeof magics / sizeof magics[0]; i++)
		if (n >= magics[i].n && memcmp(b, magics[i].m, magics[i].n) == 0)
			return true;
	if (n > DETECT_BLOCK)
		n = DETECT_BLOCK;
	for (i = 0; i < n; i++)
		if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' &&
		     b[i] != '\r' && b[i] != '\f') || b[i] == 0x7F)
			ctl++;
	return n > 0 && ctl * 10 > n;
}
