/*
 * test_source.c - streams (plain, gzip, stdin, zip members) and the
 * expansion of arguments into sources (walk, filters, zip listing).
 *
 * Inputs are made in the test: gzip with zlib (deflateInit2 15+16), zip
 * with libarchive's writer, a directory tree with a FIFO, a socket and
 * symlinks that dangle, loop or leave the tree.  Streams are read with
 * every buffer size from 1 byte up and must give the same bytes.  The gzip
 * cases run with both inflaters (ISA-L by default when built in, zlib with
 * LETHE_INFLATE=zlib), and hundreds of generated streams (sizes, levels,
 * strategies, header fields, members, cuts, flipped bytes, tails) must give
 * the same bytes, message and offset through both.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "lethe/source.h"
#include "lethe/util.h"

static char T[256]; /* scratch directory of this run */

/* ---- helpers -------------------------------------------------------------- */

static char *tpath(const char *rel)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", T, rel);
	return buf[k];
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* gzip of p[0..n), one member. */
static unsigned char *gzip_make(const void *p, size_t n, size_t *outn)
{
	z_stream z;
	size_t cap = n + n / 2 + 128;
	unsigned char *out = malloc(cap);

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outn = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* Text with some variety, so deflate emits real codes. */
static char *sample_text(size_t rows, size_t *n)
{
	char *s = malloc(rows * 64 + 32);
	size_t k, i;

	k = (size_t)sprintf(s, "id,name,phone\n");
	for (i = 0; i < rows; i++)
		k += (size_t)sprintf(s + k, "%zu,user%zu,+65 9%07zu\n", i,
				     i * 7919 % 1000, i * 104729 % 10000000);
	*n = k;
	return s;
}

static void make_zip(const char *path, const char *const *names,
		     const char *const *data, size_t n)
{
	struct archive *a = archive_write_new();
	size_t i;

	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = strlen(data[i]);

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, data[i], len),
				 (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static struct lt_source file_src(const char *path)
{
	struct lt_source s;

	memset(&s, 0, sizeof s);
	s.kind = LT_SRC_FILE;
	s.name = (char *)path;
	s.path = (char *)path;
	s.status = LT_STATUS_OK;
	s.rows_estimated = -1;
	return s;
}

/* Reads the whole stream with buffers of cap bytes.  Returns the rc of the
 * last call; out holds what was delivered before an error. */
static int read_all(const struct lt_source *src, size_t cap,
		    struct lt_buf *out, struct lt_err *err,
		    struct lt_stream_info *info)
{
	struct lt_stream *s = NULL;
	char *buf = malloc(cap);
	size_t n;
	int rc;

	lt_buf_init(out, 0);
	lt_buf_append(out, "", 0);
	lt_err_clear(err);
	rc = lt_stream_open(src, NULL, &s, err);
	if (rc == 0) {
		do {
			rc = lt_stream_read(s, buf, cap, &n, err);
			if (rc == 0)
				lt_buf_append(out, buf, n);
		} while (rc == 0 && n > 0);
		if (rc == 0)
			assert_int_equal(lt_stream_offset(s), out->len);
		if (info)
			lt_stream_info(s, info);
		lt_stream_close(s);
	}
	free(buf);
	return rc;
}

static int rm_cb(const char *p, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(T, sizeof T, "/tmp/lethe-test-source-XXXXXX");
	return mkdtemp(T) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(T, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- streams -------------------------------------------------------------- */

static void test_gzip_magic(void **state)
{
	(void)state;
	assert_true(lt_is_gzip_magic("\x1f\x8b\x08", 3));
	assert_true(lt_is_gzip_magic("\x1f\x8b", 2));
	assert_false(lt_is_gzip_magic("\x1f", 1));
	assert_false(lt_is_gzip_magic("\x8b\x1f", 2));
	assert_false(lt_is_gzip_magic("id,name", 7));
	assert_false(lt_is_gzip_magic("", 0));
}

static void test_stream_plain(void **state)
{
	size_t n, cap;
	char *text = sample_text(40, &n);
	struct lt_source src = file_src(tpath("plain.csv"));
	struct lt_stream_info info;

	(void)state;
	write_file(src.path, text, n);
	for (cap = 1; cap <= n + 1; cap++) {
		struct lt_buf out;
		struct lt_err err;

		assert_int_equal(read_all(&src, cap, &out, &err, &info), 0);
		assert_int_equal(out.len, n);
		assert_memory_equal(out.data, text, n);
		assert_string_equal(info.container, "plain");
		assert_int_equal(info.raw_bytes, n);
		assert_int_equal(info.rows_estimated, -1);
		lt_buf_release(&out);
	}
	free(text);
}

static void test_stream_empty_and_one_byte(void **state)
{
	struct lt_source src = file_src(tpath("empty.csv"));
	struct lt_buf out;
	struct lt_err err;

	(void)state;
	write_file(src.path, "", 0);
	assert_int_equal(read_all(&src, 16, &out, &err, NULL), 0);
	assert_int_equal(out.len, 0);
	lt_buf_release(&out);
	/* one 0x1f byte is not a gzip header: plain */
	write_file(src.path, "\x1f", 1);
	assert_int_equal(read_all(&src, 16, &out, &err, NULL), 0);
	assert_int_equal(out.len, 1);
	lt_buf_release(&out);
}

/* gzip by magic whatever the name, every buffer size. */
static void test_stream_gzip(void **state)
{
	size_t n, gzn, cap;
	char *text = sample_text(60, &n);
	unsigned char *gz = gzip_make(text, n, &gzn);
	struct lt_source src = file_src(tpath("looks-plain.csv"));
	struct lt_stream_info info;

	(void)state;
	write_file(src.path, gz, gzn);
	for (cap = 1; cap <= n + 1; cap++) {
		struct lt_buf out;
		struct lt_err err;

		assert_int_equal(read_all(&src, cap, &out, &err, &info), 0);
		assert_int_equal(out.len, n);
		assert_memory_equal(out.data, text, n);
		assert_string_equal(info.container, "gzip");
		assert_int_equal(info.raw_bytes, gzn);
		lt_buf_release(&out);
	}
	free(gz);
	free(text);
}

static void test_stream_gzip_members(void **state)
{
	static const char a[] = "id,name\n1,alpha\n", b[] = "2,beta\n3,gamma\n";
	size_t na, nb, cap;
	unsigned char *ga = gzip_make(a, strlen(a), &na);
	unsigned char *gb = gzip_make(b, strlen(b), &nb);
	unsigned char *both = malloc(na + nb);
	struct lt_source src = file_src(tpath("two.csv.gz"));

	(void)state;
	memcpy(both, ga, na);
	memcpy(both + na, gb, nb);
	write_file(src.path, both, na + nb);
	for (cap = 1; cap <= strlen(a) + strlen(b) + 1; cap++) {
		struct lt_buf out;
		struct lt_err err;

		assert_int_equal(read_all(&src, cap, &out, &err, NULL), 0);
		assert_string_equal(out.data, "id,name\n1,alpha\n2,beta\n3,gamma\n");
		lt_buf_release(&out);
	}
	free(both);
	free(ga);
	free(gb);
}

/* Cut anywhere after the magic: "truncated gzip stream" at the cut. */
static void test_stream_gzip_truncated(void **state)
{
	size_t n, gzn, cut;
	char *text = sample_text(30, &n);
	unsigned char *gz = gzip_make(text, n, &gzn);
	struct lt_source src = file_src(tpath("cut.csv.gz"));

	(void)state;
	for (cut = 2; cut < gzn; cut++) {
		struct lt_buf out;
		struct lt_err err;

		write_file(src.path, gz, cut);
		assert_int_equal(read_all(&src, 7, &out, &err, NULL), -1);
		assert_int_equal(err.code, LT_E_FORMAT);
		assert_string_equal(err.msg, "truncated gzip stream");
		assert_string_equal(err.path, src.name);
		assert_true(err.has_byte);
		assert_int_equal(err.byte, cut);
		assert_true(out.len <= n);
		assert_memory_equal(out.data, text, out.len);
		lt_buf_release(&out);
	}
	free(gz);
	free(text);
}

static void test_stream_gzip_corrupt(void **state)
{
	static const struct {
		const char *name;
		int from_end;      /* byte flipped, counted from the end */
		const char *msg;
	} t[] = {
		{ "crc", 8, "corrupt gzip stream: incorrect data check" },
		{ "length", 4, "corrupt gzip stream: incorrect length check" },
	};
	size_t n, gzn, i;
	char *text = sample_text(30, &n);
	unsigned char *gz = gzip_make(text, n, &gzn);
	struct lt_source src = file_src(tpath("bad.csv.gz"));

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct lt_buf out;
		struct lt_err err;

		gz[gzn - (size_t)t[i].from_end] ^= 0x55;
		write_file(src.path, gz, gzn);
		gz[gzn - (size_t)t[i].from_end] ^= 0x55;
		assert_int_equal(read_all(&src, 4096, &out, &err, NULL), -1);
		assert_int_equal(err.code, LT_E_FORMAT);
		assert_string_equal(err.msg, t[i].msg);
		assert_true(err.has_byte);
		assert_true(err.byte >= gzn - 8 && err.byte <= gzn);
		lt_buf_release(&out);
	}
	/* a damaged deflate block */
	{
		struct lt_buf out;
		struct lt_err err;

		memset(gz + 12, 0xff, 8);
		write_file(src.path, gz, gzn);
		assert_int_equal(read_all(&src, 4096, &out, &err, NULL), -1);
		assert_int_equal(err.code, LT_E_FORMAT);
		assert_int_equal(strncmp(err.msg, "corrupt gzip stream: ", 21), 0);
		assert_true(err.has_byte && err.byte >= 12 && err.byte <= gzn);
		lt_buf_release(&out);
	}
	free(gz);
	free(text);
}

static void test_stream_gzip_trailing(void **state)
{
	static const struct {
		const char *tail;
		size_t n;
	} t[] = { { "junk", 4 }, { "\0\0\0\0", 4 }, { "\x1f", 1 } };
	static const char text[] = "a,b\n1,2\n";
	size_t gzn, i;
	unsigned char *gz = gzip_make(text, strlen(text), &gzn);
	unsigned char *buf = malloc(gzn + 8);
	struct lt_source src = file_src(tpath("tail.csv.gz"));

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct lt_buf out;
		struct lt_err err;

		memcpy(buf, gz, gzn);
		memcpy(buf + gzn, t[i].tail, t[i].n);
		write_file(src.path, buf, gzn + t[i].n);
		assert_int_equal(read_all(&src, 3, &out, &err, NULL), -1);
		assert_string_equal(err.msg, "trailing garbage after gzip stream");
		assert_int_equal(err.byte, gzn);
		assert_string_equal(out.data, text);
		lt_buf_release(&out);
	}
	free(buf);
	free(gz);
}

static void test_stream_stdin(void **state)
{
	static const char text[] = "id\n42\n";
	size_t gzn;
	unsigned char *gz = gzip_make(text, strlen(text), &gzn);
	struct lt_source src;
	struct lt_stream_info info;
	struct lt_buf out;
	struct lt_err err;
	int saved = dup(0), fd;

	(void)state;
	write_file(tpath("stdin.gz"), gz, gzn);
	fd = open(tpath("stdin.gz"), O_RDONLY);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	memset(&src, 0, sizeof src);
	src.kind = LT_SRC_STDIN;
	src.name = "-";
	src.rows_estimated = -1;
	assert_int_equal(read_all(&src, 2, &out, &err, &info), 0);
	assert_string_equal(out.data, text);
	assert_string_equal(info.container, "gzip");
	/* stdin is not closed by the stream */
	assert_int_equal(fcntl(0, F_GETFD), 0);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	lt_buf_release(&out);
	free(gz);
}

static void test_stream_open_errors(void **state)
{
	struct lt_source src = file_src(tpath("no-such.csv"));
	struct lt_stream *s = (struct lt_stream *)&src; /* must stay untouched */
	struct lt_err err;

	(void)state;
	assert_int_equal(lt_stream_open(&src, NULL, &s, &err), -1);
	assert_ptr_equal(s, (struct lt_stream *)&src);
	assert_int_equal(err.code, LT_E_IO);
	assert_string_equal(err.msg, "cannot open: No such file or directory");
	assert_string_equal(err.path, src.name);

	src = file_src(T);
	assert_int_equal(lt_stream_open(&src, NULL, &s, &err), -1);
	assert_string_equal(err.msg, "is a directory");

	src = file_src(tpath("whatever.csv"));
	src.status = LT_STATUS_SKIPPED;
	strcpy(src.reason, "fifo");
	assert_int_equal(lt_stream_open(&src, NULL, &s, &err), -1);
	assert_string_equal(err.msg, "fifo");
	lt_stream_close(NULL);
}

/* ---- zip ------------------------------------------------------------------ */

static const char M1[] = "id,email\n1,a@example.com\n2,b@example.com\n";
static const char M2[] = "nric\nS1234567D\n";

static void make_test_zip(const char *path)
{
	const char *names[] = { "sub/m2.csv", "m1.csv", "pic.png", "readme.md" };
	const char *data[] = { M2, M1, "\x89PNG\r\n\x1a\n....", "# hi\n" };

	make_zip(path, names, data, 4);
}

/* Serialises a list: "name|kind|status|reason|member" per line. */
static char *list_str(const struct lt_source_list *l)
{
	static const char *kinds = "FSMP";
	static const char *const st[] = { "ok", "error", "skipped" };
	struct lt_buf b;
	size_t i;

	lt_buf_init(&b, 0);
	lt_buf_append(&b, "", 0);
	for (i = 0; i < l->n; i++) {
		const struct lt_source *s = &l->items[i];
		char *line = lt_xasprintf("%s|%c|%s|%s|%s\n", s->name,
					  kinds[s->kind], st[s->status],
					  s->reason, s->member ? s->member : "");

		lt_buf_append(&b, line, strlen(line));
		free(line);
		assert_int_equal(s->rows_estimated, -1);
	}
	return b.data;
}

static void test_zip_members(void **state)
{
	const char *path = tpath("data.zip");
	const char *args[] = { path };
	struct lt_source_list l = { 0 };
	struct lt_err err;
	char *got, *want;
	size_t cap, i;

	(void)state;
	make_test_zip(path);
	assert_int_equal(lt_sources_expand(args, 1, NULL, &l, &err), 0);
	got = list_str(&l);
	want = lt_xasprintf("%s:m1.csv|M|ok||m1.csv\n%s:sub/m2.csv|M|ok||sub/m2.csv\n",
			    path, path);
	assert_string_equal(got, want);
	free(got);
	free(want);
	for (i = 0; i < 2; i++) {
		const char *text = i == 0 ? M1 : M2;

		assert_string_equal(l.items[i].path, path);
		for (cap = 1; cap <= strlen(text) + 1; cap++) {
			struct lt_buf out;
			struct lt_stream_info info;

			assert_int_equal(read_all(&l.items[i], cap, &out, &err,
						  &info), 0);
			assert_string_equal(out.data, text);
			assert_string_equal(info.container, "zip");
			lt_buf_release(&out);
		}
	}
	/* a member that is not there */
	{
		struct lt_buf out;

		free(l.items[0].member);
		l.items[0].member = lt_xstrdup("gone.csv");
		assert_int_equal(read_all(&l.items[0], 64, &out, &err, NULL), -1);
		assert_string_equal(err.msg, "member not found in zip");
		lt_buf_release(&out);
	}
	lt_sources_release(&l);
	assert_null(l.items);
	assert_int_equal(l.n, 0);
}

/* A damaged member: listed, then its stream fails naming the offset. */
static void test_zip_member_corrupt(void **state)
{
	const char *path = tpath("damaged.zip");
	const char *args[] = { path };
	const char *names[] = { "big.csv" };
	const char *data[1];
	size_t n;
	char *text = sample_text(200, &n);
	struct lt_source_list l = { 0 };
	struct lt_buf out;
	struct lt_err err;
	FILE *f;

	(void)state;
	data[0] = text;
	make_zip(path, names, data, 1);
	f = fopen(path, "r+b");
	assert_non_null(f);
	/* local header (30) + name (7), then deflate data: damage it */
	assert_int_equal(fseek(f, 30 + 7 + 40, SEEK_SET), 0);
	assert_int_equal(fwrite("\xff\x00\xff\x00\xff\x00", 1, 6, f), 6);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(lt_sources_expand(args, 1, NULL, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].status, LT_STATUS_OK);
	assert_int_equal(read_all(&l.items[0], 4096, &out, &err, NULL), -1);
	assert_int_equal(err.code, LT_E_FORMAT);
	assert_int_equal(strncmp(err.msg, "cannot read zip member: ", 24), 0);
	assert_string_equal(err.path, l.items[0].name);
	assert_true(err.has_byte && err.byte <= n);
	lt_buf_release(&out);
	lt_sources_release(&l);
	free(text);
}

/* ---- expanding arguments -------------------------------------------------- */

static void test_expand_args(void **state)
{
	const char *names1[] = { "x.csv" };
	const char *data1[] = { "a\n1\n" };
	const char *names2[] = { "pic.png" };
	const char *data2[] = { "\x89PNG" };
	char *missing = lt_xstrdup(tpath("missing.csv"));
	char *notes = lt_xstrdup(tpath("notes.dat"));
	char *packed = lt_xstrdup(tpath("packed.bin"));
	char *bad = lt_xstrdup(tpath("bad.zip"));
	char *latin = lt_xstrdup(tpath("caf\xe9.csv"));
	char *fifo = lt_xstrdup(tpath("fifo-arg"));
	char *pics = lt_xstrdup(tpath("pics.zip"));
	const char *args[] = { "-", missing, notes, packed, bad, latin, fifo,
			       pics };
	struct lt_source_list l = { 0 };
	struct lt_err err;
	const struct lt_source *s;

	(void)state;
	write_file(notes, "x\n", 2);
	make_zip(packed, names1, data1, 1);
	write_file(bad, "PK\x03\x04garbage that is no zip at all", 34);
	write_file(latin, "a\n", 2);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	make_zip(pics, names2, data2, 1);

	assert_int_equal(lt_sources_expand(args, 8, NULL, &l, &err), 0);
	assert_int_equal(l.n, 8);
	s = &l.items[0];
	assert_int_equal(s->kind, LT_SRC_STDIN);
	assert_string_equal(s->name, "-");
	assert_null(s->path);
	s = &l.items[1];
	assert_int_equal(s->status, LT_STATUS_ERROR);
	assert_string_equal(s->name, missing);
	assert_string_equal(s->reason, "No such file or directory");
	s = &l.items[2]; /* any name is a source when named explicitly */
	assert_int_equal(s->kind, LT_SRC_FILE);
	assert_int_equal(s->status, LT_STATUS_OK);
	assert_string_equal(s->path, notes);
	s = &l.items[3]; /* zip by magic */
	assert_int_equal(s->kind, LT_SRC_MEMBER);
	assert_string_equal(s->member, "x.csv");
	assert_string_equal(s->path, packed);
	s = &l.items[4];
	assert_int_equal(s->kind, LT_SRC_FILE);
	assert_int_equal(s->status, LT_STATUS_ERROR);
	assert_string_equal(s->name, bad);
	assert_int_equal(strncmp(s->reason, "corrupt zip: ", 13), 0);
	s = &l.items[5]; /* raw path kept, name escaped */
	assert_string_equal(s->path, latin);
	assert_non_null(strstr(s->name, "caf%"));
	assert_true(strcasecmp(strstr(s->name, "caf%"), "caf%E9.csv") == 0);
	s = &l.items[6]; /* a FIFO named on the command line is read */
	assert_int_equal(s->status, LT_STATUS_OK);
	assert_string_equal(s->path, fifo);
	s = &l.items[7];
	assert_int_equal(s->status, LT_STATUS_SKIPPED);
	assert_string_equal(s->name, pics);
	assert_string_equal(s->reason, "zip without csv, tsv or txt members");
	lt_sources_release(&l);
	lt_sources_release(&l); /* twice is harmless */

	/* appending: a second call adds to the list */
	assert_int_equal(lt_sources_expand(args, 1, NULL, &l, &err), 0);
	assert_int_equal(lt_sources_expand(args, 1, NULL, &l, &err), 0);
	assert_int_equal(l.n, 2);
	lt_sources_release(&l);

	if (geteuid() != 0) { /* root opens anything */
		char *locked = lt_xstrdup(tpath("locked.csv"));
		const char *a1[] = { locked };

		write_file(locked, "a\n", 2);
		chmod(locked, 0);
		assert_int_equal(lt_sources_expand(a1, 1, NULL, &l, &err), 0);
		assert_int_equal(l.items[0].status, LT_STATUS_ERROR);
		assert_string_equal(l.items[0].reason, "Permission denied");
		lt_sources_release(&l);
		free(locked);
	}
	free(missing);
	free(notes);
	free(packed);
	free(bad);
	free(latin);
	free(fifo);
	free(pics);
}

static void make_tree(void)
{
	static const char *const dirs[] = { "tree", "tree/skip", "tree/sub",
					    "tree/sub/deeper" };
	static const char *const files[] = {
		"tree/sub/z.tsv", "tree/sub/deeper/y.csv", "tree/skip/s.csv",
		"tree/d.csv.gz", "tree/c.json", "tree/b.txt", "tree/a.csv",
		"tree/UPPER.CSV", "outside.csv",
	};
	struct sockaddr_un sa;
	size_t i;
	int fd;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		assert_int_equal(mkdir(tpath(dirs[i]), 0755), 0);
	for (i = 0; i < sizeof files / sizeof files[0]; i++)
		write_file(tpath(files[i]), "a,b\n1,2\n", 8);
	make_test_zip(tpath("tree/data.zip"));
	assert_int_equal(mkfifo(tpath("tree/fifo.csv"), 0600), 0);
	assert_int_equal(symlink("nonexistent.csv", tpath("tree/dangling.csv")), 0);
	assert_int_equal(symlink("nowhere", tpath("tree/noise.bak")), 0);
	assert_int_equal(symlink("a.csv", tpath("tree/inlink.csv")), 0);
	assert_int_equal(symlink("loop2.csv", tpath("tree/loop1.csv")), 0);
	assert_int_equal(symlink("loop1.csv", tpath("tree/loop2.csv")), 0);
	assert_int_equal(symlink("../outside.csv", tpath("tree/out.csv")), 0);
	assert_int_equal(symlink("..", tpath("tree/outdir")), 0);
	assert_int_equal(symlink("..", tpath("tree/sub/up")), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", tpath("tree/sock.csv"));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(fd);
}

/* Expected walk lines; "R" stands for the root as given. */
static const char WALK_ALL[] =
	"R/UPPER.CSV|F|ok||\n"
	"R/a.csv|F|ok||\n"
	"R/b.txt|F|ok||\n"
	"R/d.csv.gz|F|ok||\n"
	"R/dangling.csv|F|skipped|dangling symlink|\n"
	"R/data.zip:m1.csv|M|ok||m1.csv\n"
	"R/data.zip:sub/m2.csv|M|ok||sub/m2.csv\n"
	"R/fifo.csv|F|skipped|fifo|\n"
	"R/inlink.csv|F|ok||\n"
	"R/loop1.csv|F|skipped|symlink loop|\n"
	"R/loop2.csv|F|skipped|symlink loop|\n"
	"R/out.csv|F|skipped|symlink out of tree|\n"
	"R/outdir|F|skipped|symlink out of tree|\n"
	"R/skip/s.csv|F|ok||\n"
	"R/sock.csv|F|skipped|socket|\n"
	"R/sub/deeper/y.csv|F|ok||\n"
	"R/sub/up|F|skipped|symlink loop|\n"
	"R/sub/z.tsv|F|ok||\n";

static char *expand_root(const char *root, const char *const *inc, size_t ninc,
			 const char *const *exc, size_t nexc)
{
	struct lt_source_opts o;
	struct lt_source_list l = { 0 };
	struct lt_err err;
	const char *args[] = { root };
	struct lt_buf b;
	char *s, *p, *line;
	size_t rl = strlen(root);

	memset(&o, 0, sizeof o);
	o.include = inc;
	o.n_include = ninc;
	o.exclude = exc;
	o.n_exclude = nexc;
	assert_int_equal(lt_sources_expand(args, 1, &o, &l, &err), 0);
	s = list_str(&l);
	lt_sources_release(&l);
	/* replace the root prefix by "R" so expectations are fixed text */
	lt_buf_init(&b, 0);
	lt_buf_append(&b, "", 0);
	for (p = s; (line = strsep(&p, "\n")) != NULL && *line;) {
		assert_int_equal(strncmp(line, root, rl), 0);
		lt_buf_putc(&b, 'R');
		lt_buf_append(&b, line + rl, strlen(line + rl));
		lt_buf_putc(&b, '\n');
	}
	free(s);
	return b.data;
}

/* Keeps the lines of WALK_ALL that contain one of the given names. */
static char *walk_subset(const char *const *keep, size_t n)
{
	struct lt_buf b;
	char *all = lt_xstrdup(WALK_ALL), *p = all, *line;
	size_t i;

	lt_buf_init(&b, 0);
	lt_buf_append(&b, "", 0);
	while ((line = strsep(&p, "\n")) != NULL && *line)
		for (i = 0; i < n; i++)
			if (strncmp(line, keep[i], strlen(keep[i])) == 0 &&
			    line[strlen(keep[i])] == '|') {
				lt_buf_append(&b, line, strlen(line));
				lt_buf_putc(&b, '\n');
			}
	free(all);
	return b.data;
}

static void test_walk(void **state)
{
	char *got, *again;
	char root[600];

	(void)state;
	make_tree();
	snprintf(root, sizeof root, "%s", tpath("tree"));
	got = expand_root(root, NULL, 0, NULL, 0);
	assert_string_equal(got, WALK_ALL);
	again = expand_root(root, NULL, 0, NULL, 0);
	assert_string_equal(again, got); /* stable */
	free(again);
	free(got);
	/* a trailing slash gives no double slash */
	snprintf(root, sizeof root, "%s/", tpath("tree"));
	got = expand_root(root, NULL, 0, NULL, 0);
	assert_non_null(strstr(got, "\nRa.csv|F|ok||\n"));
	assert_non_null(strstr(got, "\nRsub/deeper/y.csv|F|ok||\n"));
	assert_null(strstr(got, "//"));
	free(got);
}

static void test_walk_filters(void **state)
{
	static const struct {
		const char *name;
		const char *inc[2];
		size_t ninc;
		const char *exc[2];
		size_t nexc;
		const char *keep[18];   /* names (R/...) expected, in order */
		size_t nkeep;
	} t[] = {
		{ "exclude a directory", { 0 }, 0, { "skip" }, 1,
		  { "R/UPPER.CSV", "R/a.csv", "R/b.txt", "R/d.csv.gz",
		    "R/dangling.csv", "R/data.zip:m1.csv", "R/data.zip:sub/m2.csv",
		    "R/fifo.csv", "R/inlink.csv", "R/loop1.csv", "R/loop2.csv",
		    "R/out.csv", "R/outdir", "R/sock.csv", "R/sub/deeper/y.csv",
		    "R/sub/up", "R/sub/z.tsv" }, 17 },
		{ "include by basename", { "*.tsv" }, 1, { 0 }, 0,
		  { "R/sub/z.tsv" }, 1 },
		{ "include by relative path", { "sub/*" }, 1, { 0 }, 0,
		  { "R/sub/deeper/y.csv", "R/sub/z.tsv" }, 2 },
		{ "include a member", { "m1.csv" }, 1, { 0 }, 0,
		  { "R/data.zip:m1.csv" }, 1 },
		{ "include the archive keeps its members", { "data.zip" }, 1,
		  { 0 }, 0, { "R/data.zip:m1.csv", "R/data.zip:sub/m2.csv" }, 2 },
		{ "exclude wins", { "*.csv", "*.CSV" }, 2, { "a.csv", "*loop*" }, 2,
		  { "R/UPPER.CSV", "R/dangling.csv", "R/data.zip:m1.csv",
		    "R/data.zip:sub/m2.csv", "R/fifo.csv", "R/inlink.csv",
		    "R/out.csv", "R/skip/s.csv", "R/sock.csv",
		    "R/sub/deeper/y.csv" }, 10 },
		{ "exclude a member by archive:member", { 0 }, 0,
		  { "data.zip:sub/*" }, 1,
		  { "R/UPPER.CSV", "R/a.csv", "R/b.txt", "R/d.csv.gz",
		    "R/dangling.csv", "R/data.zip:m1.csv", "R/fifo.csv",
		    "R/inlink.csv", "R/loop1.csv", "R/loop2.csv", "R/out.csv",
		    "R/outdir", "R/skip/s.csv", "R/sock.csv",
		    "R/sub/deeper/y.csv", "R/sub/up", "R/sub/z.tsv" }, 17 },
		{ "exclude is case-sensitive, all members gone", { 0 }, 0,
		  { "*.csv" }, 1,
		  { "R/UPPER.CSV", "R/b.txt", "R/d.csv.gz", "R/outdir",
		    "R/sub/up", "R/sub/z.tsv" }, 6 },
		{ "exclude archives", { 0 }, 0, { "*.zip", "*.txt" }, 2,
		  { "R/UPPER.CSV", "R/a.csv", "R/d.csv.gz", "R/dangling.csv",
		    "R/fifo.csv", "R/inlink.csv", "R/loop1.csv", "R/loop2.csv",
		    "R/out.csv", "R/outdir", "R/skip/s.csv", "R/sock.csv",
		    "R/sub/deeper/y.csv", "R/sub/up", "R/sub/z.tsv" }, 15 },
	};
	size_t i;

	(void)state;
	assert_int_equal(access(tpath("tree/a.csv"), F_OK), 0); /* test_walk ran */
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *got = expand_root(tpath("tree"), t[i].inc, t[i].ninc,
					t[i].exc, t[i].nexc);
		char *want = walk_subset(t[i].keep, t[i].nkeep);

		if (strcmp(got, want) != 0) {
			print_error("case '%s'\n got:\n%s want:\n%s", t[i].name,
				    got, want);
			fail();
		}
		free(got);
		free(want);
	}
}

/* A directory that cannot be listed, and one named on the command line
 * that vanished: ERROR entries, not a failed expansion. */
static void test_walk_errors(void **state)
{
	struct lt_source_list l = { 0 };
	struct lt_err err;
	const char *args[] = { tpath("tree/sub/deeper/y.csv/x") };

	(void)state;
	assert_int_equal(lt_sources_expand(args, 1, NULL, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].status, LT_STATUS_ERROR);
	assert_string_equal(l.items[0].reason, "Not a directory");
	lt_sources_release(&l);
	if (geteuid() != 0) {
		const char *a2[] = { tpath("tree/sub") };

		chmod(tpath("tree/sub/deeper"), 0);
		assert_int_equal(lt_sources_expand(a2, 1, NULL, &l, &err), 0);
		chmod(tpath("tree/sub/deeper"), 0755);
		assert_int_equal(l.items[0].status, LT_STATUS_ERROR);
		assert_string_equal(l.items[0].reason, "Permission denied");
		lt_sources_release(&l);
	}
}


/* ---- ISA-L and zlib: the same bytes, the same errors ---------------------- */

/* The gzip cases above run again with LETHE_INFLATE=zlib (the default is
 * ISA-L when built in). */
static int env_zlib(void **state)
{
	(void)state;
	return setenv("LETHE_INFLATE", "zlib", 1);
}

static int env_default(void **state)
{
	(void)state;
	return unsetenv("LETHE_INFLATE");
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure names a reproducible case */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static size_t rndn(size_t n)
{
	return n ? rnd() % n : 0;
}

/* Text that deflate codes in every way: CSV rows, runs, random bytes
 * (stored blocks). */
static void gen_text(struct lt_buf *b, size_t n)
{
	size_t start = b->len;

	while (b->len - start < n) {
		char row[128];
		int k;

		switch (rndn(4)) {
		case 0:
		case 1:
			k = snprintf(row, sizeof row, "%u,user%u,+65 9%07u,%s\n",
				     rnd() % 100000, rnd() % 1000,
				     rnd() % 10000000,
				     rndn(2) ? "active" : "\"a, b\"");
			lt_buf_append(b, row, (size_t)k);
			break;
		case 2:
			memset(row, 'a' + (int)rndn(26), sizeof row);
			lt_buf_append(b, row, 1 + rndn(sizeof row));
			break;
		default:
			for (k = 0; k < (int)sizeof row; k++)
				row[k] = (char)rnd();
			lt_buf_append(b, row, 1 + rndn(sizeof row));
			break;
		}
	}
	b->len = start + n;
}

/* Appends one gzip member of p[0..n) to out, with a random level,
 * strategy and header (name, comment, extra field, header CRC). */
static void gzip_member(struct lt_buf *out, const char *p, size_t n)
{
	static const int strat[] = { Z_DEFAULT_STRATEGY, Z_FILTERED,
				     Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED };
	unsigned char extra[40];
	char name[32], comment[32];
	gz_header h;
	z_stream z;
	size_t cap = n + n / 2 + 1024;
	unsigned char *buf = malloc(cap);
	int level = (int)rndn(11) - 1;

	memset(&z, 0, sizeof z);
	memset(&h, 0, sizeof h);
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 15 + 16,
				      1 + (int)rndn(9), strat[rndn(5)]), Z_OK);
	if (rndn(2)) {
		snprintf(name, sizeof name, "part%u.csv", rnd() % 100);
		snprintf(comment, sizeof comment, "c%u", rnd());
		for (size_t i = 0; i < sizeof extra; i++)
			extra[i] = (unsigned char)rnd();
		h.name = rndn(2) ? (Bytef *)name : NULL;
		h.comment = rndn(2) ? (Bytef *)comment : NULL;
		if (rndn(2)) {
			h.extra = extra;
			h.extra_len = (uInt)rndn(sizeof extra + 1);
		}
		h.hcrc = (int)rndn(2);
		h.text = (int)rndn(2);
		h.os = (int)rndn(256);
		assert_int_equal(deflateSetHeader(&z, &h), Z_OK);
	}
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	lt_buf_append(out, buf, cap - z.avail_out);
	deflateEnd(&z);
	free(buf);
}

struct outcome {
	int rc;
	struct lt_buf out;
	struct lt_err err;
};

static void read_as(const struct lt_source *src, const char *inflater,
		    size_t cap, struct outcome *o)
{
	if (inflater)
		setenv("LETHE_INFLATE", inflater, 1);
	else
		unsetenv("LETHE_INFLATE");
	o->rc = read_all(src, cap, &o->out, &o->err, NULL);
	unsetenv("LETHE_INFLATE");
}

/* "" when a and b agree, else what differs. */
static const char *outcome_diff(const struct outcome *a,
				const struct outcome *b, char *why, size_t cap)
{
	size_t i;

	if (a->rc != b->rc)
		snprintf(why, cap, "rc %d vs %d (%.80s / %.80s)", a->rc, b->rc,
			 a->err.msg, b->err.msg);
	else if (strcmp(a->err.msg, b->err.msg) != 0)
		snprintf(why, cap, "message \"%.80s\" vs \"%.80s\"", a->err.msg,
			 b->err.msg);
	else if (a->err.code != b->err.code ||
		 a->err.has_byte != b->err.has_byte ||
		 a->err.byte != b->err.byte)
		snprintf(why, cap, "%.80s: byte %llu vs %llu", a->err.msg,
			 (unsigned long long)a->err.byte,
			 (unsigned long long)b->err.byte);
	else if (a->out.len != b->out.len)
		snprintf(why, cap, "%zu vs %zu bytes delivered (%.80s)",
			 a->out.len, b->out.len, a->err.msg);
	else if (memcmp(a->out.data, b->out.data, a->out.len) != 0) {
		for (i = 0; a->out.data[i] == b->out.data[i]; i++)
			;
		snprintf(why, cap, "bytes differ at %zu", i);
	} else
		why[0] = '\0';
	return why;
}

/* One random case: members, then a mutation.  Returns the file's bytes. */
static void gen_case(struct lt_buf *gz, struct lt_buf *plain, char *what,
		     size_t wcap)
{
	static const size_t sizes[] = { 0, 1, 100, 5000, 70000, 300000 };
	size_t members = 1 + rndn(3), m, at, k;
	int mut = (int)rndn(6);

	lt_buf_reset(gz);
	lt_buf_reset(plain);
	for (m = 0; m < members; m++) {
		size_t start = plain->len, n = sizes[rndn(6)];

		n = n ? n / 2 + rndn(n) : 0;
		gen_text(plain, n);
		gzip_member(gz, plain->data + start, n);
	}
	at = gz->len ? rndn(gz->len) : 0;
	switch (mut) {
	case 0:
		snprintf(what, wcap, "%zu members, intact", members);
		break;
	case 1: /* truncated, often near the ends */
		at = rndn(3) == 0 ? gz->len - rndn(20) : at;
		if (at < 2)
			at = 2;
		gz->len = at;
		snprintf(what, wcap, "%zu members, cut at %zu", members, at);
		break;
	case 2: /* bytes flipped anywhere */
	case 3:
		for (k = 1 + rndn(3); k > 0; k--) {
			at = rndn(gz->len);
			if (rndn(3) == 0) /* header or trailer */
				at = rndn(2) ? rndn(gz->len < 30 ? gz->len : 30)
					     : gz->len - 1 - rndn(8);
			if (at < 2)
				at = 2; /* keep the magic: still gzip */
			gz->data[at] ^= (char)(1u << rndn(8));
		}
		snprintf(what, wcap, "%zu members, flipped (last at %zu)",
			 members, at);
		break;
	case 4: { /* trailing bytes: garbage, zeros, a partial member */
		static const char *tails[] = { "junk", "\0\0\0", "\x1f",
					       "\x1f\x8b", "\x1f\x8b\x08",
					       "\x1f\x8b\x07\x00",
					       "\x1f\x8b\x08\xe0" };
		static const size_t tn[] = { 4, 3, 1, 2, 3, 4, 4 };
		k = rndn(7);
		lt_buf_append(gz, tails[k], tn[k]);
		snprintf(what, wcap, "%zu members, tail %zu", members, k);
		break;
	}
	default: /* a damaged block somewhere */
		k = 1 + rndn(16);
		if (at < 12)
			at = 12;
		for (m = at; m < at + k && m < gz->len; m++)
			gz->data[m] = (char)rnd();
		snprintf(what, wcap, "%zu members, %zu random bytes at %zu",
			 members, k, at);
		break;
	}
}

static void test_inflate_equivalence(void **state)
{
	struct lt_source src = file_src(tpath("eq.gz"));
	struct lt_buf gz, plain;
	char what[128], why[256];
	char seen[16][96];    /* outcomes met, for the summary line */
	int nseen[16] = { 0 }, kinds = 0;
	int i, k, cases = 600, bad = 0;

	(void)state;
	rng_state = 0x9E3779B97F4A7C15ULL;
	lt_buf_init(&gz, 0);
	lt_buf_init(&plain, 0);
	for (i = 0; i < cases; i++) {
		struct outcome z, is;
		size_t cz = 1 + rndn(70000), ci = 1 + rndn(70000);

		gen_case(&gz, &plain, what, sizeof what);
		write_file(src.path, gz.data, gz.len);
		read_as(&src, "zlib", cz, &z);
		read_as(&src, NULL, ci, &is);
		outcome_diff(&z, &is, why, sizeof why);
		if (why[0]) {
			print_message("case %d (%s, %zu bytes): zlib vs isa-l: "
				      "%s\n", i, what, gz.len, why);
			bad++;
		}
		for (k = 0; k < kinds &&
			    strcmp(seen[k], z.rc ? z.err.msg : "ok"); k++)
			;
		if (k == kinds && kinds < 16)
			snprintf(seen[kinds++], sizeof seen[0], "%.90s",
				 z.rc ? z.err.msg : "ok");
		if (k < 16)
			nseen[k]++;
		/* an intact stream gives its text back */
		if (strstr(what, "intact")) {
			assert_int_equal(z.rc, 0);
			assert_int_equal(z.out.len, plain.len);
			assert_memory_equal(z.out.data, plain.data, plain.len);
		}
		lt_buf_release(&z.out);
		lt_buf_release(&is.out);
	}
	lt_buf_release(&gz);
	lt_buf_release(&plain);
	for (k = 0; k < kinds; k++)
		print_message("  %4d x %s\n", nseen[k], seen[k]);
	assert_int_equal(bad, 0);
}

/* Header fields longer than the read buffer (256 KiB): skipped across
 * refills; a wrong header CRC is caught at the same byte by both. */
static void test_inflate_long_header(void **state)
{
	static const char text[] = "id,name\n1,alpha\n";
	struct lt_source src = file_src(tpath("longhdr.gz"));
	size_t nlen = 600000, clen = 300000, i;
	char *name = malloc(nlen + 1), *comment = malloc(clen + 1);
	unsigned char extra[60000];
	unsigned char *buf = malloc(nlen + clen + 70000 + 1024);
	gz_header h;
	z_stream z;
	size_t gzn;

	(void)state;
	memset(name, 'n', nlen);
	name[nlen] = '\0';
	memset(comment, 'c', clen);
	comment[clen] = '\0';
	for (i = 0; i < sizeof extra; i++)
		extra[i] = (unsigned char)(i * 7);
	memset(&z, 0, sizeof z);
	memset(&h, 0, sizeof h);
	h.name = (Bytef *)name;
	h.comment = (Bytef *)comment;
	h.extra = extra;
	h.extra_len = sizeof extra;
	h.hcrc = 1;
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	assert_int_equal(deflateSetHeader(&z, &h), Z_OK);
	z.next_in = (Bytef *)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = buf;
	z.avail_out = (uInt)(nlen + clen + 70000 + 1024);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	gzn = z.total_out;
	deflateEnd(&z);
	for (int flip = 0; flip < 2; flip++) {
		struct outcome a, b;
		char why[256];
		/* the header CRC sits right after the comment's NUL */
		size_t hcrc_at = 10 + 2 + sizeof extra + nlen + 1 + clen + 1;

		if (flip)
			buf[hcrc_at] ^= 0x40;
		write_file(src.path, buf, gzn);
		read_as(&src, "zlib", 4096, &a);
		read_as(&src, NULL, 4096, &b);
		outcome_diff(&a, &b, why, sizeof why);
		if (why[0])
			fail_msg("flip %d: zlib vs isa-l: %s", flip, why);
		if (flip) {
			assert_int_equal(a.rc, -1);
			assert_string_equal(a.err.msg,
					    "corrupt gzip stream: header crc mismatch");
			assert_int_equal(a.err.byte, hcrc_at + 2);
		} else {
			assert_int_equal(a.rc, 0);
			assert_string_equal(a.out.data, text);
		}
		lt_buf_release(&a.out);
		lt_buf_release(&b.out);
	}
	free(buf);
	free(name);
	free(comment);
}

/* The same over a pipe (no replay possible): intact streams, header and
 * trailer errors agree; deflate-level errors are not compared. */
static int read_piped(const void *p, size_t n, const char *inflater,
		      size_t cap, struct outcome *o)
{
	struct lt_source src;
	int fds[2], saved = dup(0);
	pid_t pid;

	assert_true(saved >= 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *q = p;

		close(fds[0]);
		while (n > 0) {
			ssize_t w = write(fds[1], q, n);

			if (w <= 0)
				_exit(1);
			q += w;
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(dup2(fds[0], 0), 0);
	close(fds[0]);
	memset(&src, 0, sizeof src);
	src.kind = LT_SRC_STDIN;
	src.name = "-";
	src.rows_estimated = -1;
	read_as(&src, inflater, cap, o);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return o->rc;
}

static void test_inflate_equivalence_pipe(void **state)
{
	struct lt_buf gz, plain;
	char what[128], why[256];
	int i;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	rng_state = 0x2545F4914F6CDD1DULL;
	lt_buf_init(&gz, 0);
	lt_buf_init(&plain, 0);
	for (i = 0; i < 120; i++) {
		struct outcome z, is;

		gen_case(&gz, &plain, what, sizeof what);
		read_piped(gz.data, gz.len, "zlib", 1 + rndn(70000), &z);
		read_piped(gz.data, gz.len, NULL, 1 + rndn(70000), &is);
		outcome_diff(&z, &is, why, sizeof why);
		if (why[0] && (strstr(what, "intact") || strstr(what, "tail") ||
			       strstr(z.err.msg, "check") ||
			       strstr(z.err.msg, "header")))
			fail_msg("case %d (%s): zlib vs isa-l on a pipe: %s", i,
				 what, why);
		lt_buf_release(&z.out);
		lt_buf_release(&is.out);
	}
	lt_buf_release(&gz);
	lt_buf_release(&plain);
}

#define ZLIB_TOO(t) \
	static void t##_zlib(void **state) { t(state); }
ZLIB_TOO(test_stream_gzip)
ZLIB_TOO(test_stream_gzip_members)
ZLIB_TOO(test_stream_gzip_truncated)
ZLIB_TOO(test_stream_gzip_corrupt)
ZLIB_TOO(test_stream_gzip_trailing)
ZLIB_TOO(test_stream_stdin)
#define ZLIB_CASE(t) cmocka_unit_test_setup_teardown(t##_zlib, env_zlib, \
						     env_default)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_magic),
		cmocka_unit_test(test_stream_plain),
		cmocka_unit_test(test_stream_empty_and_one_byte),
		cmocka_unit_test(test_stream_gzip),
		cmocka_unit_test(test_stream_gzip_members),
		cmocka_unit_test(test_stream_gzip_truncated),
		cmocka_unit_test(test_stream_gzip_corrupt),
		cmocka_unit_test(test_stream_gzip_trailing),
		cmocka_unit_test(test_stream_stdin),
		ZLIB_CASE(test_stream_gzip),
		ZLIB_CASE(test_stream_gzip_members),
		ZLIB_CASE(test_stream_gzip_truncated),
		ZLIB_CASE(test_stream_gzip_corrupt),
		ZLIB_CASE(test_stream_gzip_trailing),
		ZLIB_CASE(test_stream_stdin),
		cmocka_unit_test(test_inflate_equivalence),
		cmocka_unit_test(test_inflate_equivalence_pipe),
		cmocka_unit_test(test_inflate_long_header),
		cmocka_unit_test(test_stream_open_errors),
		cmocka_unit_test(test_zip_members),
		cmocka_unit_test(test_zip_member_corrupt),
		cmocka_unit_test(test_expand_args),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_walk_filters),
		cmocka_unit_test(test_walk_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
