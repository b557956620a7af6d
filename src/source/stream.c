/*
 * stream.c - the raw bytes of one source (module: source).
 *
 * Place in the data flow: [source stream] -> decoder -> parser.
 * Two layers.  The bottom one reads the container: a file descriptor (a
 * file, or standard input) with read(2) in big chunks, or one member of a
 * zip archive through libarchive (streaming archive_read_data).  The top one
 * sniffs the first bytes: a gzip header (1f 8b), whatever the name, puts a
 * zlib inflater on top (concatenated members followed, CRC and length
 * checked by zlib, anything after a member that is not another member is an
 * error); otherwise bytes pass through.  PostgreSQL streams are pg.c's.
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

#include "lethe/util.h"
#include "source_int.h"

#define IBUF_SIZE (256u * 1024u)

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

static int gz_read(struct fimpl *f, unsigned char *buf, size_t cap,
		   size_t *n, struct lt_err *err)
{
	char msg[200];
	size_t produced;
	int ret;

	*n = 0;
	for (;;) {
		if (f->member_end) {
			while (f->ilen - f->ipos < 2 && !f->raw_eof)
				if (fill(f, err) < 0)
					return -1;
			if (f->ilen == f->ipos)
				return 0; /* clean end after the last member */
			if (!lt_is_gzip_magic(f->ibuf + f->ipos,
					      f->ilen - f->ipos))
				return gz_error(f, "trailing garbage after gzip "
						"stream", f->raw_off -
						(f->ilen - f->ipos), err);
			if (inflateReset(&f->z) != Z_OK)
				return gz_error(f, "cannot reset inflater",
						f->raw_off, err);
			f->member_end = false;
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
			return gz_error(f, "out of memory inflating",
					f->raw_off - (f->ilen - f->ipos), err);
		default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
			snprintf(msg, sizeof msg, "corrupt gzip stream: %s",
				 f->z.msg ? f->z.msg : "bad data");
			return gz_error(f, msg,
					f->raw_off - (f->ilen - f->ipos), err);
		}
		if (produced > 0) {
			*n = produced;
			return 0;
		}
	}
}

static int f_read(struct lt_stream *s, void *buf, size_t cap, size_t *n,
		  struct lt_err *err)
{
	struct fimpl *f = s->impl;
	int rc;

	if (cap == 0) {
		*n = 0;
		return 0;
	}
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
		if (inflateInit2(&f->z, 15 + 16) != Z_OK)
			rc = lt_err_set(err, LT_E_FORMAT, f->name, 0,
					"cannot start inflater");
		else
			f->z_live = true;
		if (src->kind != LT_SRC_MEMBER)
			s->info.container = "gzip";
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
