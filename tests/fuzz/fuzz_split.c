/*
 * fuzz_split.c - differential target: lt_split_parse (the fast splitter,
 * then libcsv for whatever it leaves) against lt_csv alone, the reference.
 * Both must deliver the same records (fields byte for byte, each
 * NUL-terminated, line, byte), return the same code and set the same error
 * (code, message, line, byte).  A difference aborts, after printing the
 * input as hex on stderr.
 *
 * Input: byte 0 picks the options (delimiter, max_field, a callback that
 * asks to stop after k records); the rest is the text.
 *
 * libFuzzer (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DLT_LIBFUZZER \
 *     -std=c11 -D_GNU_SOURCE -Iinclude tests/fuzz/fuzz_split.c \
 *     src/text/[cs]*.c src/util/[aem]*.c -lcsv -o /tmp/fuzz_split
 *   /tmp/fuzz_split tests/fuzz/corpus/split
 * Without LT_LIBFUZZER this file has a replay driver instead:
 *   fuzz_split FILE|DIR...   runs every stored input once
 * tests/unit/test_split.c includes this file (FUZZ_SPLIT_NO_MAIN) and
 * replays tests/fuzz/corpus/split/ in make test.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lethe/text.h"

struct reclog {
	struct lt_buf b;   /* records, serialised */
	size_t count;
	size_t stop_after; /* 0 = never */
	bool unterminated; /* a field without its NUL */
};

static void log_u64(struct lt_buf *b, uint64_t v)
{
	lt_buf_append(b, &v, sizeof v);
}

static int log_record(void *ctx, const struct lt_field *f, size_t n,
		      uint64_t line, uint64_t byte)
{
	struct reclog *l = ctx;

	log_u64(&l->b, line);
	log_u64(&l->b, byte);
	log_u64(&l->b, n);
	for (size_t i = 0; i < n; i++) {
		if (f[i].p[f[i].n] != '\0')
			l->unterminated = true;
		log_u64(&l->b, f[i].n);
		lt_buf_append(&l->b, f[i].p, f[i].n);
	}
	l->count++;
	return l->stop_after && l->count == l->stop_after;
}

struct outcome {
	int rc;
	struct lt_err err;
	struct reclog log;
};

static void parse_ref(const char *text, size_t n, const struct lt_csv_opts *o,
		      size_t stop_after, struct outcome *out)
{
	struct lt_csv *c;

	memset(out, 0, sizeof *out);
	lt_buf_init(&out->log.b, 0);
	out->log.stop_after = stop_after;
	lt_err_clear(&out->err);
	c = lt_csv_new(o, log_record, &out->log);
	out->rc = lt_csv_feed(c, text, n, &out->err);
	if (out->rc == 0)
		out->rc = lt_csv_finish(c, &out->err);
	lt_csv_free(c);
}

static void parse_split(const char *text, size_t n,
			const struct lt_csv_opts *o, size_t stop_after,
			struct outcome *out)
{
	/* an exact-size copy: the sanitizer sees any read past the block */
	char *copy = malloc(n ? n : 1);

	if (n)
		memcpy(copy, text, n);
	memset(out, 0, sizeof *out);
	lt_buf_init(&out->log.b, 0);
	out->log.stop_after = stop_after;
	lt_err_clear(&out->err);
	out->rc = lt_split_parse(copy, n, o, log_record, &out->log, &out->err);
	free(copy);
}

/* "" when the outcomes agree, else what differs (into why). */
static const char *outcome_diff(const struct outcome *a,
				const struct outcome *b, char *why,
				size_t cap)
{
	why[0] = '\0';
	if (b->log.unterminated)
		snprintf(why, cap, "a split field is not NUL-terminated");
	else if (a->rc != b->rc)
		snprintf(why, cap, "rc %d vs %d", a->rc, b->rc);
	else if (a->rc < 0 &&
		 (a->err.code != b->err.code || a->err.line != b->err.line ||
		  a->err.byte != b->err.byte ||
		  a->err.has_byte != b->err.has_byte ||
		  strcmp(a->err.msg, b->err.msg) != 0))
		snprintf(why, cap, "error \"%.60s\" line %llu byte %llu vs "
			 "\"%.60s\" line %llu byte %llu", a->err.msg,
			 (unsigned long long)a->err.line,
			 (unsigned long long)a->err.byte, b->err.msg,
			 (unsigned long long)b->err.line,
			 (unsigned long long)b->err.byte);
	else if (a->log.count != b->log.count)
		snprintf(why, cap, "%zu vs %zu records", a->log.count,
			 b->log.count);
	else if (a->log.b.len != b->log.b.len ||
		 (a->log.b.len &&
		  memcmp(a->log.b.data, b->log.b.data, a->log.b.len) != 0)) {
		size_t i = 0;

		while (i < a->log.b.len && i < b->log.b.len &&
		       a->log.b.data[i] == b->log.b.data[i])
			i++;
		snprintf(why, cap, "records differ (serialised byte %zu)", i);
	}
	return why;
}

static void outcome_release(struct outcome *o)
{
	lt_buf_release(&o->log.b);
}

/* Options from one byte. */
static void opts_from(unsigned char b, struct lt_csv_opts *o,
		      size_t *stop_after)
{
	static const char delims[] = { ',', ',', ',', ';', '\t', ' ', '|', ',' };
	static const size_t maxf[] = { 0, 0, 0, 1, 2, 3, 8, 40 };

	memset(o, 0, sizeof *o);
	o->delim = delims[b & 7];
	o->max_field = maxf[(b >> 3) & 7];
	o->name = "fuzz.csv";
	*stop_after = (b >> 6) ? (size_t)(b >> 6) * 2 - 1 : 0;
}

/* Runs both parsers on text with o; "" when they agree. */
static const char *split_check(const char *text, size_t n,
			       const struct lt_csv_opts *o, size_t stop_after,
			       char *why, size_t cap)
{
	struct outcome ref, fast;

	parse_ref(text, n, o, stop_after, &ref);
	parse_split(text, n, o, stop_after, &fast);
	outcome_diff(&ref, &fast, why, cap);
	outcome_release(&ref);
	outcome_release(&fast);
	return why;
}

/* Hex of p[0..n) into out (truncated to cap). */
static char *hex(const void *p, size_t n, char *out, size_t cap)
{
	const unsigned char *b = p;
	size_t k = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && k + 3 < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%02x", b[i]);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_csv_opts o;
	size_t stop_after;
	char why[256];

	if (size == 0)
		return 0;
	opts_from(data[0], &o, &stop_after);
	split_check((const char *)data + 1, size - 1, &o, stop_after, why,
		    sizeof why);
	if (why[0]) {
		char *h = malloc(2 * size + 1);

		fprintf(stderr, "fuzz_split: %s\ninput (hex): %s\n", why,
			hex(data, size, h, 2 * size + 1));
		free(h);
		abort();
	}
	return 0;
}

#if !defined(LT_LIBFUZZER) && !defined(FUZZ_SPLIT_NO_MAIN)
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct lt_buf b;
	char chunk[65536];
	size_t k;

	if (!f) {
		perror(path);
		return 1;
	}
	lt_buf_init(&b, 0);
	while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
		lt_buf_append(&b, chunk, k);
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
	lt_buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0, runs = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) &&
		    (d = opendir(argv[i])) != NULL) {
			while ((e = readdir(d)) != NULL) {
				char path[4096];

				if (e->d_name[0] == '.')
					continue;
				snprintf(path, sizeof path, "%s/%s", argv[i],
					 e->d_name);
				bad |= replay_file(path);
				runs++;
			}
			closedir(d);
		} else {
			bad |= replay_file(argv[i]);
			runs++;
		}
	}
	printf("fuzz_split: %d inputs replayed\n", runs);
	return bad;
}
#endif
