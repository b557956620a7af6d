/*
 * stream.c - the raw bytes of one source (module: source).
 *
 * Place in the data flow: [source stream] -> decoder -> parser.
 * Two layers.  The bottom one reads the container: a file descriptor (a
 * file, or standard input) with read(2) in big chunks, or one member of a
 * zip archive through libarchive (streaming archive_read_data).  The top one
 * sniffs the first bytes: a gzip header (1f 8b), whatever the name, puts an
 * inflater on top (concatenated members followed, CRC and length checked,
 * anything after a member that is not another member is an error);
 * otherwise bytes pass through.  PostgreSQL streams are pg.c's.
 *
 * Two inflaters, same bytes and same errors:
 *
 *  - zlib (inflateInit2 15+16): the reference.  Its messages are the
 *    contract: "truncated gzip stream", "corrupt gzip stream: <zlib's
 *    reason>", "trailing garbage after gzip stream".
 *  - ISA-L (isal_inflate on raw deflate), 2-3x faster, when built with
 *    LT_HAVE_ISAL and LETHE_INFLATE is not "zlib".  The gzip header and the
 *    trailer are ours (RFC 1952), checked in zlib's order and reported at
 *    the byte offsets zlib reports.  Deflate-level diagnoses differ between
 *    the two libraries (ISA-L accepts incomplete Huffman codes, names its
 *    errors differently, stops at other bytes), so when anything goes wrong
 *    inside a member's deflate data or trailer on a seekable source, the
 *    member is replayed from its first byte with zlib, the bytes already
 *    delivered are skipped, and zlib's verdict is the one reported (one
 *    more pass over that member, only for a damaged file).  On a pipe or
 *    inside a zip member (no replay) such an error keeps ISA-L's own
 *    wording and offset; header, trailer and truncation errors keep
 *    zlib's message and offset (a cut stream may deliver a byte less).
 *
 * Bytes decoded before an error are delivered first; the error comes with
 * the next read.  So what a reader sees before an error does not depend on
 * the buffer sizes nor on the inflater.
 *
 * Errors name the source (its display name) and a byte offset: the
 * compressed offset for gzip errors, the file offset for read errors, the
 * member offset (uncompressed) for zip member errors.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#if LT_HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif

#include "lethe/util.h"
#include "source_int.h"

#define IBUF_SIZE (256u * 1024u)

/* gzip header flags (RFC 1952) */
#define GZ_FHCRC 0x02
#define GZ_FEXTRA 0x04
#define GZ_FNAME 0x08
#define GZ_FCOMMENT 0x10
#define GZ_FRESERVED 0xe0

enum gz_stage {
	GZ_HEAD,   /* a member's header is next */
	GZ_DATA,   /* inside its deflate data */
	GZ_TRAIL,  /* its 8-byte trailer is next */
};

struct fimpl {
	int fd;               /* file or stdin; -1 for a zip member */
	bool own_fd;          /* close fd at the end (not stdin) */
	struct archive *ar;   /* zip member reader, or NULL */
	const char *name;     /* source display name, for errors */
	bool gz;              /* inflating */
	bool z_live;          /* inflateInit2 done */
	bool member_end;      /* a gzip member ended; another may follow */
	z_stream z;
	unsigned char *ibuf;  /* raw bytes read ahead (sniffing, inflate input) */
	size_t ipos, ilen;    /* unread part of ibuf: [ipos, ilen) */
	bool raw_eof;         /* the container has no more bytes */
	uint64_t raw_off;     /* bytes taken from the container */
	bool pend;            /* perr waits behind bytes already delivered */
	struct lt_err perr;
	uint64_t skip;        /* zlib replay: output bytes already delivered */
	bool seekable;        /* fd is a regular file: a member can be replayed */
	off_t base;           /* fd's offset when opened (stdin may not be 0) */
	uint64_t member_start; /* raw offset of the current member */
	uint64_t member_out;  /* bytes of the current member delivered */
#if LT_HAVE_ISAL
	bool isal;            /* ISA-L inflates (else zlib) */
	enum gz_stage stage;
	struct inflate_state *is; /* heap: ~85 KiB */
	uint32_t crc;         /* of the member's output so far */
	uint64_t trail_at;    /* raw offset of the member's trailer */
	unsigned char trail[8];
	size_t tlen;          /* trailer bytes gathered */
#endif
};

/* ---- bottom layer: fd or zip member --------------------------------------- */

static int raw_read(struct fimpl *f, void *buf, size_t cap, size_t *n,
		    struct lt_err *err)
{
	*n = 0;
	if (f->raw_eof || cap == 0)
		return 0;
	if (f->ar) {
		la_ssize_t r = archive_read_data(f->ar, buf, cap);

		if (r < 0) {
			lt_err_set(err, LT_E_FORMAT, f->name, 0,
				   "cannot read zip member: %s",
				   archive_error_string(f->ar)
					   ? archive_error_string(f->ar)
					   : "read error");
			lt_err_at_byte(err, f->raw_off);
			return -1;
		}
		*n = (size_t)r;
	} else {
		ssize_t r;

		do
			r = read(f->fd, buf, cap);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			lt_err_set(err, LT_E_IO, f->name, 0, "read error: %s",
				   strerror(errno));
			lt_err_at_byte(err, f->raw_off);
			return -1;
		}
		*n = (size_t)r;
	}
	if (*n == 0)
		f->raw_eof = true;
	f->raw_off += *n;
	return 0;
}

/* Moves the unread bytes to the front of ibuf and reads once more. */
static int fill(struct fimpl *f, struct lt_err *err)
{
	size_t got;

	if (f->ipos > 0) {
		memmove(f->ibuf, f->ibuf + f->ipos, f->ilen - f->ipos);
		f->ilen -= f->ipos;
		f->ipos = 0;
	}
	if (raw_read(f, f->ibuf + f->ilen, IBUF_SIZE - f->ilen, &got, err) < 0)
		return -1;
	f->ilen += got;
	return 0;
}

/* ---- top layer: plain or gzip --------------------------------------------- */

bool lt_is_gzip_magic(const void *p, size_t n)
{
	const unsigned char *b = p;

	return n >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

static int gz_error(struct fimpl *f, const char *msg, uint64_t at,
		    struct lt_err *err)
{
	lt_err_set(err, LT_E_FORMAT, f->name, 0, "%s", msg);
	lt_err_at_byte(err, at);
	return -1;
}

/* Raw offset of the next unread byte of ibuf. */
static uint64_t in_pos(const struct fimpl *f)
{
	return f->raw_off - (f->ilen - f->ipos);
}

/* An error found after *n bytes were produced by this call: those bytes go
 * out now, the error with the next read. */
static int gz_fail_after(struct fimpl *f, size_t *n, struct lt_err *err)
{
	if (*n == 0)
		return -1;
	f->pend = true;
	f->perr = *err;
	lt_err_clear(err);
	return 0;
}

/* Drops the first bytes of a replayed member (already delivered). */
static size_t drop_skipped(struct fimpl *f, unsigned char *buf, size_t n)
{
	size_t d = f->skip < n ? (size_t)f->skip : n;

	if (d) {
		memmove(buf, buf + d, n - d);
		f->skip -= d;
	}
	return n - d;
}

/* After a member: end of input, another member, or garbage.  Returns 1 at
 * a clean end, 0 when a member starts at ipos, -1 on error. */
static int next_member(struct fimpl *f, struct lt_err *err)
{
	while (f->ilen - f->ipos < 2 && !f->raw_eof)
		if (fill(f, err) < 0)
			return -1;
	if (f->ilen == f->ipos)
		return 1; /* clean end after the last member */
	if (!lt_is_gzip_magic(f->ibuf + f->ipos, f->ilen - f->ipos))
		return gz_error(f, "trailing garbage after gzip stream",
				in_pos(f), err);
	f->member_end = false;
	f->member_start = in_pos(f);
	f->member_out = 0;
	return 0;
}

/* zlib: the reference inflater (and the replay of a member ISA-L could
 * not finish). */
static int zlib_read(struct fimpl *f, unsigned char *buf, size_t cap,
		     size_t *n, struct lt_err *err)
{
	char msg[200];
	size_t produced;
	int ret, r;

	*n = 0;
	for (;;) {
		if (f->member_end) {
			if ((r = next_member(f, err)) != 0)
				return r < 0 ? -1 : 0;
			if (inflateReset(&f->z) != Z_OK)
				return gz_error(f, "cannot reset inflater",
						f->raw_off, err);
		}
		if (f->ipos == f->ilen && !f->raw_eof) {
			if (fill(f, err) < 0)
				return -1;
		}
		f->z.next_in = f->ibuf + f->ipos;
		f->z.avail_in = (uInt)(f->ilen - f->ipos);
		f->z.next_out = buf;
		f->z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
		ret = inflate(&f->z, Z_NO_FLUSH);
		f->ipos = f->ilen - f->z.avail_in;
		produced = (size_t)(f->z.next_out - buf);
		*n = f->skip ? drop_skipped(f, buf, produced) : produced;
		f->member_out += *n;
		switch (ret) {
		case Z_STREAM_END:
			f->member_end = true;
			break;
		case Z_OK:
		case Z_BUF_ERROR:
			if (produced == 0 && f->ipos == f->ilen && f->raw_eof)
				return gz_error(f, "truncated gzip stream",
						f->raw_off, err);
			break;
		case Z_MEM_ERROR:
			gz_error(f, "out of memory inflating", in_pos(f), err);
			return gz_fail_after(f, n, err);
		default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
			snprintf(msg, sizeof msg, "corrupt gzip stream: %s",
				 f->z.msg ? f->z.msg : "bad data");
			gz_error(f, msg, in_pos(f), err);
			return gz_fail_after(f, n, err);
		}
		if (*n > 0)
			return 0;
	}
}

static int zlib_start(struct fimpl *f, struct lt_err *err)
{
	if (f->z_live)
		return inflateReset(&f->z) == Z_OK
			       ? 0
			       : gz_error(f, "cannot reset inflater",
					  f->raw_off, err);
	if (inflateInit2(&f->z, 15 + 16) != Z_OK)
		return lt_err_set(err, LT_E_FORMAT, f->name, 0,
				  "cannot start inflater");
	f->z_live = true;
	return 0;
}

#if LT_HAVE_ISAL
/* ---- ISA-L: header and trailer ours, deflate data isal_inflate's ---------- */

/* Makes k bytes (k <= IBUF_SIZE) readable at ipos.  1 when they are, 0 at
 * the end of input first, -1 on a read error. */
static int have(struct fimpl *f, size_t k, struct lt_err *err)
{
	while (f->ilen - f->ipos < k) {
		if (f->raw_eof)
			return 0;
		if (fill(f, err) < 0)
			return -1;
	}
	return 1;
}

/* The end of input inside a member's header or trailer: zlib would have
 * taken every byte, produced nothing, and said so at the end offset. */
static int gz_truncated(struct fimpl *f, int r, struct lt_err *err)
{
	if (r < 0)
		return -1;
	f->ipos = f->ilen;
	return gz_error(f, "truncated gzip stream", f->raw_off, err);
}

/* Skips a header field: len bytes, or up to and including a NUL when zstr.
 * The bytes go into the header CRC. */
static int skip_field(struct fimpl *f, size_t len, bool zstr, uLong *hcrc,
		      struct lt_err *err)
{
	for (;;) {
		size_t avail = f->ilen - f->ipos, k;
		const unsigned char *p = f->ibuf + f->ipos, *z;
		int r;

		if (avail == 0) {
			if ((r = have(f, 1, err)) <= 0)
				return gz_truncated(f, r, err);
			continue;
		}
		if (zstr) {
			z = memchr(p, 0, avail);
			k = z ? (size_t)(z - p) + 1 : avail;
		} else {
			k = len < avail ? len : avail;
			len -= k;
		}
		*hcrc = crc32(*hcrc, p, (uInt)k);
		f->ipos += k;
		if (zstr ? p[k - 1] == 0 : len == 0)
			return 0;
	}
}

/* Reads a member header at ipos (its magic already seen), checking what
 * zlib checks, in its order, at the offsets it reports. */
static int isal_header(struct fimpl *f, struct lt_err *err)
{
	const unsigned char *p;
	unsigned flg;
	uLong hcrc;
	int r;

	if ((r = have(f, 4, err)) <= 0)
		return gz_truncated(f, r, err);
	p = f->ibuf + f->ipos;
	flg = p[3];
	if (p[2] != 8)
		return gz_error(f, "corrupt gzip stream: unknown compression "
				"method", in_pos(f) + 4, err);
	if (flg & GZ_FRESERVED)
		return gz_error(f, "corrupt gzip stream: unknown header flags "
				"set", in_pos(f) + 4, err);
	if ((r = have(f, 10, err)) <= 0)
		return gz_truncated(f, r, err);
	hcrc = crc32(0L, f->ibuf + f->ipos, 10);
	f->ipos += 10;
	if (flg & GZ_FEXTRA) {
		size_t xlen;

		if ((r = have(f, 2, err)) <= 0)
			return gz_truncated(f, r, err);
		p = f->ibuf + f->ipos;
		xlen = (size_t)p[0] | (size_t)p[1] << 8;
		hcrc = crc32(hcrc, p, 2);
		f->ipos += 2;
		if (xlen && skip_field(f, xlen, false, &hcrc, err) < 0)
			return -1;
	}
	if ((flg & GZ_FNAME) && skip_field(f, 0, true, &hcrc, err) < 0)
		return -1;
	if ((flg & GZ_FCOMMENT) && skip_field(f, 0, true, &hcrc, err) < 0)
		return -1;
	if (flg & GZ_FHCRC) {
		if ((r = have(f, 2, err)) <= 0)
			return gz_truncated(f, r, err);
		p = f->ibuf + f->ipos;
		f->ipos += 2;
		if (((unsigned)p[0] | (unsigned)p[1] << 8) != (hcrc & 0xffff))
			return gz_error(f, "corrupt gzip stream: header crc "
					"mismatch", in_pos(f), err);
	}
	isal_inflate_reset(f->is);
	f->crc = 0;
	f->stage = GZ_DATA;
	return 0;
}

/* Something is wrong inside the member's deflate data or trailer.  A
 * seekable source replays the member with zlib (returns 1: go on with
 * zlib_read); otherwise err gets ISA-L's own diagnosis (-1). */
static int isal_trouble(struct fimpl *f, const char *msg, uint64_t at,
			struct lt_err *err)
{
	if (f->seekable &&
	    lseek(f->fd, f->base + (off_t)f->member_start, SEEK_SET) >= 0 &&
	    zlib_start(f, err) == 0) {
		f->isal = false;
		f->ipos = f->ilen = 0;
		f->raw_eof = false;
		f->raw_off = f->member_start;
		f->member_end = false;
		f->skip = f->member_out;
		f->member_out = 0;
		return 1;
	}
	return gz_error(f, msg, at, err);
}

/* The 8-byte trailer: CRC32 then ISIZE, little-endian. */
static int isal_trailer(struct fimpl *f, struct lt_err *err)
{
	uint32_t want;
	int r;

	while (f->tlen < 8) {
		size_t k;

		if (f->ipos == f->ilen) {
			if ((r = have(f, 1, err)) < 0)
				return -1;
			if (r == 0) {
				if (f->tlen >= 4)
					break; /* the CRC can still be wrong */
				return gz_truncated(f, r, err);
			}
		}
		k = f->ilen - f->ipos < 8 - f->tlen ? f->ilen - f->ipos
						    : 8 - f->tlen;
		memcpy(f->trail + f->tlen, f->ibuf + f->ipos, k);
		f->ipos += k;
		f->tlen += k;
	}
	want = (uint32_t)f->trail[0] | (uint32_t)f->trail[1] << 8 |
	       (uint32_t)f->trail[2] << 16 | (uint32_t)f->trail[3] << 24;
	if (want != f->crc)
		return isal_trouble(f, "corrupt gzip stream: incorrect data "
				    "check", f->trail_at + 4, err);
	if (f->tlen < 8)
		return gz_truncated(f, 0, err);
	want = (uint32_t)f->trail[4] | (uint32_t)f->trail[5] << 8 |
	       (uint32_t)f->trail[6] << 16 | (uint32_t)f->trail[7] << 24;
	if (want != (uint32_t)f->member_out)
		return isal_trouble(f, "corrupt gzip stream: incorrect length "
				    "check", f->trail_at + 8, err);
	f->member_end = true;
	f->stage = GZ_HEAD;
	return 0;
}

static const char *isal_reason(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK:
		return "corrupt gzip stream: invalid block";
	case ISAL_INVALID_SYMBOL:
		return "corrupt gzip stream: invalid code";
	case ISAL_INVALID_LOOKBACK:
		return "corrupt gzip stream: invalid distance too far back";
	default:
		return "corrupt gzip stream: bad data";
	}
}

/* ISA-L.  Returns 0 / -1 like zlib_read, or 1 when the member is to be
 * replayed by zlib_read. */
static int isal_read(struct fimpl *f, unsigned char *buf, size_t cap,
		     size_t *n, struct lt_err *err)
{
	struct inflate_state *is = f->is;
	int ret, r;

	*n = 0;
	for (;;) {
		if (f->member_end) {
			if ((r = next_member(f, err)) != 0)
				return r < 0 ? -1 : 0;
		}
		if (f->stage == GZ_HEAD) {
			if (isal_header(f, err) < 0)
				return -1;
		}
		if (f->stage == GZ_TRAIL) {
			if ((r = isal_trailer(f, err)) != 0)
				return r;
			continue;
		}
		if (f->ipos == f->ilen && !f->raw_eof) {
			if (fill(f, err) < 0)
				return -1;
		}
		is->next_in = f->ibuf + f->ipos;
		is->avail_in = (uint32_t)(f->ilen - f->ipos);
		is->next_out = buf;
		is->avail_out = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
		ret = isal_inflate(is);
		f->ipos = f->ilen - is->avail_in;
		if (ret < 0)
			return isal_trouble(f, isal_reason(ret), in_pos(f), err);
		*n = (size_t)(is->next_out - buf);
		if (*n) {
			f->crc = crc32_gzip_refl(f->crc, buf, *n);
			f->member_out += *n;
		}
		if (is->block_state == ISAL_BLOCK_FINISH) {
			/* whole bytes ISA-L read past the deflate data are the
			 * trailer's first bytes; the odd bits were padding */
			size_t k = (size_t)is->read_in_length / 8, i;
			uint64_t bits = is->read_in >> (is->read_in_length % 8);

			for (i = 0; i < k && i < 8; i++)
				f->trail[i] = (unsigned char)(bits >> (8 * i));
			f->tlen = i;
			f->trail_at = in_pos(f) - k;
			f->stage = GZ_TRAIL;
		} else if (*n == 0 && f->ipos == f->ilen && f->raw_eof) {
			return isal_trouble(f, "truncated gzip stream",
					    f->raw_off, err);
		}
		if (*n > 0)
			return 0;
	}
}
#endif

static int gz_read(struct fimpl *f, unsigned char *buf, size_t cap,
		   size_t *n, struct lt_err *err)
{
#if LT_HAVE_ISAL
	if (f->isal) {
		int rc = isal_read(f, buf, cap, n, err);

		if (rc <= 0)
			return rc;
	}
#endif
	return zlib_read(f, buf, cap, n, err);
}

static int f_read(struct lt_stream *s, void *buf, size_t cap, size_t *n,
		  struct lt_err *err)
{
	struct fimpl *f = s->impl;
	int rc;

	*n = 0;
	if (f->pend) {
		*err = f->perr;
		return -1;
	}
	if (cap == 0)
		return 0;
	if (f->gz) {
		rc = gz_read(f, buf, cap, n, err);
	} else if (f->ipos < f->ilen) {
		*n = f->ilen - f->ipos < cap ? f->ilen - f->ipos : cap;
		memcpy(buf, f->ibuf + f->ipos, *n);
		f->ipos += *n;
		rc = 0;
	} else {
		rc = raw_read(f, buf, cap, n, err);
	}
	s->info.raw_bytes = f->ar ? (uint64_t)archive_filter_bytes(f->ar, -1)
				  : f->raw_off;
	return rc;
}

static void f_close(struct lt_stream *s)
{
	struct fimpl *f = s->impl;

	if (!f)
		return;
	if (f->z_live)
		inflateEnd(&f->z);
#if LT_HAVE_ISAL
	free(f->is);
#endif
	if (f->ar)
		archive_read_free(f->ar);
	if (f->own_fd && f->fd >= 0)
		close(f->fd);
	free(f->ibuf);
	free(f);
	s->impl = NULL;
}

static const struct lt_stream_ops file_ops = { f_read, f_close };

/* ---- opening -------------------------------------------------------------- */

static const char *entry_name(struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);

	return p ? p : archive_entry_pathname_utf8(e);
}

static int open_member(struct fimpl *f, const struct lt_source *src,
		       struct lt_err *err)
{
	struct archive_entry *e;
	const char *nm;
	int r;

	f->ar = archive_read_new();
	archive_read_support_format_zip(f->ar);
	if (archive_read_open_filename(f->ar, src->path, 64 * 1024) !=
	    ARCHIVE_OK)
		return lt_err_set(err, LT_E_IO, src->name, 0,
				  "cannot open zip: %s",
				  archive_error_string(f->ar)
					  ? archive_error_string(f->ar)
					  : strerror(archive_errno(f->ar)));
	for (;;) {
		r = archive_read_next_header(f->ar, &e);
		if (r == ARCHIVE_EOF)
			return lt_err_set(err, LT_E_IO, src->name, 0,
					  "member not found in zip");
		if (r < ARCHIVE_WARN)
			return lt_err_set(err, LT_E_FORMAT, src->name, 0,
					  "corrupt zip: %s",
					  archive_error_string(f->ar)
						  ? archive_error_string(f->ar)
						  : "bad header");
		nm = entry_name(e);
		if (nm && strcmp(nm, src->member) == 0 &&
		    archive_entry_filetype(e) == AE_IFREG)
			return 0;
	}
}

static int open_fd(struct fimpl *f, const struct lt_source *src,
		   struct lt_err *err)
{
	struct stat st;

	f->fd = open(src->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return lt_err_set(err, LT_E_IO, src->name, 0, "cannot open: %s",
				  strerror(errno));
	f->own_fd = true;
	if (fstat(f->fd, &st) == 0 && S_ISDIR(st.st_mode))
		return lt_err_set(err, LT_E_IO, src->name, 0,
				  "is a directory");
	return 0;
}

/* Picks the inflater: ISA-L when built in, unless LETHE_INFLATE=zlib. */
static int start_inflate(struct fimpl *f, struct lt_err *err)
{
	struct stat st;
	const char *e = getenv("LETHE_INFLATE");

	f->member_start = 0;
	if (f->fd >= 0 && !f->ar && fstat(f->fd, &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		f->base = lseek(f->fd, 0, SEEK_CUR);
		/* the sniffed bytes were read from base on */
		if (f->base >= 0 && (uint64_t)f->base >= f->raw_off) {
			f->base -= (off_t)f->raw_off;
			f->seekable = true;
		}
	}
#if LT_HAVE_ISAL
	if (!e || strcmp(e, "zlib") != 0) {
		f->isal = true;
		f->stage = GZ_HEAD;
		f->is = lt_xmalloc(sizeof *f->is);
		isal_inflate_init(f->is);
		f->is->crc_flag = ISAL_DEFLATE;
		f->is->hist_bits = 0;
		return 0;
	}
#else
	(void)e;
#endif
	return zlib_start(f, err);
}

static int open_local(struct lt_stream *s, const struct lt_source *src,
		      struct lt_err *err)
{
	struct fimpl *f = lt_xcalloc(1, sizeof *f);
	int rc;

	f->fd = -1;
	f->name = src->name ? src->name : "-";
	f->ibuf = lt_xmalloc(IBUF_SIZE);
	s->impl = f;
	s->ops = &file_ops;
	s->info.container = "plain";
	if (src->kind == LT_SRC_STDIN) {
		f->fd = 0;
		rc = 0;
	} else if (src->kind == LT_SRC_MEMBER) {
		s->info.container = "zip";
		rc = open_member(f, src, err);
	} else {
		rc = open_fd(f, src, err);
	}
	/* sniff: at least 2 bytes, or the whole input when shorter */
	while (rc == 0 && f->ilen < 2 && !f->raw_eof)
		rc = fill(f, err);
	if (rc == 0 && lt_is_gzip_magic(f->ibuf, f->ilen)) {
		f->gz = true;
		if (src->kind != LT_SRC_MEMBER)
			s->info.container = "gzip";
		rc = start_inflate(f, err);
	}
	return rc;
}

int lt_stream_open(const struct lt_source *src, const struct lt_stream_opts *o,
		   struct lt_stream **out, struct lt_err *err)
{
	struct lt_stream *s;
	int rc;

	if (src->status != LT_STATUS_OK)
		return lt_err_set(err, LT_E_IO, src->name, 0, "%s",
				  src->reason[0] ? src->reason
						 : "source not readable");
	s = lt_xcalloc(1, sizeof *s);
	s->src = src;
	s->info.container = "plain";
	s->info.rows_estimated = src->rows_estimated;
	if (src->kind == LT_SRC_POSTGRES)
		rc = lt_pg_stream_open(src, o, s, err);
	else if (src->kind != LT_SRC_STDIN && !src->path)
		rc = lt_err_set(err, LT_E_IO, src->name, 0, "source has no path");
	else
		rc = open_local(s, src, err);
	if (rc < 0) {
		if (s->ops && s->ops->close)
			s->ops->close(s);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int lt_stream_read(struct lt_stream *s, void *buf, size_t cap, size_t *n,
		   struct lt_err *err)
{
	*n = 0;
	if (s->ops->read(s, buf, cap, n, err) < 0)
		return -1;
	s->offset += *n;
	return 0;
}

uint64_t lt_stream_offset(const struct lt_stream *s)
{
	return s->offset;
}

void lt_stream_info(const struct lt_stream *s, struct lt_stream_info *info)
{
	*info = s->info;
}

void lt_stream_close(struct lt_stream *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s);
}
