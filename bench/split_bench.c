/*
 * split_bench.c - MB/s of the two CSV paths on one file held in memory:
 * lt_csv (libcsv, the reference) and lt_split_block (the block splitter),
 * both delivering every record to a callback that reads each field's
 * length.  Blocks of 4 MiB cut at line ends, as the scanner's blocks are.
 * Not a test.
 *
 *   make lethe    (then, from the repo top:)
 *   cc -O2 -Iinclude bench/split_bench.c build/rel/src/text/csv.o \
 *      build/rel/src/text/split.o build/rel/src/util/alloc.o \
 *      build/rel/src/util/err.o -lcsv -o /tmp/split_bench
 *   /tmp/split_bench /tmp/b100.csv [rounds]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lethe/text.h"
#include "benchutil.h"

struct tally {
	uint64_t records, fields, bytes;
};

static int on_record(void *ctx, const struct lt_field *f, size_t n,
		     uint64_t line, uint64_t byte)
{
	struct tally *t = ctx;

	(void)line;
	(void)byte;
	t->records++;
	t->fields += n;
	for (size_t i = 0; i < n; i++)
		t->bytes += f[i].n;
	return 0;
}


int main(int argc, char **argv)
{
	struct lt_csv_opts o = { .delim = ',' };
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	double best_csv = 1e9, best_split = 1e9;
	struct tally tc = { 0 }, ts = { 0 };
	uint64_t fell_back = 0;
	char *text, *work;
	size_t n, k;
	FILE *f;

	if (argc < 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: split_bench FILE.csv [rounds]\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	n = (size_t)ftell(f);
	rewind(f);
	text = malloc(n);
	work = malloc(n);
	if (fread(text, 1, n, f) != n)
		return 1;
	fclose(f);

	for (int r = 0; r < rounds; r++) {
		double t0 = now();

		memset(&tc, 0, sizeof tc);
		for (size_t off = 0; off < n; off += k) {
			struct lt_csv *c = lt_csv_new(&o, on_record, &tc);
			struct lt_err err;

			k = cut(text + off, n - off);
			if (lt_csv_feed(c, text + off, k, &err) != 0 ||
			    lt_csv_finish(c, &err) != 0)
				return fprintf(stderr, "%s\n", err.msg), 1;
			lt_csv_free(c);
		}
		if (now() - t0 < best_csv)
			best_csv = now() - t0;

		memcpy(work, text, n); /* the splitter writes NULs: fresh copy */
		t0 = now();
		memset(&ts, 0, sizeof ts);
		fell_back = 0;
		for (size_t off = 0; off < n; off += k) {
			size_t done;
			uint64_t line;

			k = cut(work + off, n - off);
			if (lt_split_block(work + off, k, &o, on_record, &ts, 1,
					   0, &done, &line) != 0)
				fell_back += k - done;
		}
		if (now() - t0 < best_split)
			best_split = now() - t0;
	}
	printf("lt_csv         %8.1f MB/s  (%llu records, %llu fields)\n",
	       (double)n / best_csv / 1e6, (unsigned long long)tc.records,
	       (unsigned long long)tc.fields);
	printf("lt_split_block %8.1f MB/s  (%llu records, %llu fields, %llu "
	       "bytes left to lt_csv)  x%.1f\n",
	       (double)n / best_split / 1e6, (unsigned long long)ts.records,
	       (unsigned long long)ts.fields, (unsigned long long)fell_back,
	       best_csv / best_split);
	free(text);
	free(work);
	return 0;
}
