/*
 * inflate_bench.c - MB/s (of uncompressed output) of the stream layer on a
 * gzip file, ISA-L and zlib, 1 MiB reads as the scanner does.  Not a test.
 *
 *   make build/rel/src/source/stream.o    (then, from the repo top:)
 *   cc -O2 -Iinclude bench/inflate_bench.c build/rel/src/source/ *.o \
 *      build/rel/src/util/ *.o -larchive -lpq -lz -lisal -lpthread -lm \
 *      -o /tmp/inflate_bench          (no space before the '*'s)
 *   /tmp/inflate_bench /tmp/b100.csv.gz [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lethe/source.h"
#include "lethe/util.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds to read the whole file; *bytes = output size. */
static double run(const char *path, uint64_t *bytes)
{
	struct lt_source src = { 0 };
	struct lt_stream *s;
	struct lt_err err;
	size_t cap = 1u << 20, n;
	char *buf = malloc(cap);
	double t0 = now();

	src.kind = LT_SRC_FILE;
	src.name = src.path = (char *)path;
	src.status = LT_STATUS_OK;
	src.rows_estimated = -1;
	if (lt_stream_open(&src, NULL, &s, &err) < 0) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		exit(1);
	}
	*bytes = 0;
	do {
		if (lt_stream_read(s, buf, cap, &n, &err) < 0) {
			fprintf(stderr, "%s: %s\n", path, err.msg);
			exit(1);
		}
		*bytes += n;
	} while (n > 0);
	lt_stream_close(s);
	free(buf);
	return now() - t0;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "isal", "zlib" };
	int rounds = argc > 2 ? atoi(argv[2]) : 3;

	if (argc < 2) {
		fprintf(stderr, "usage: inflate_bench FILE.gz [rounds]\n");
		return 2;
	}
	for (int m = 0; m < 2; m++) {
		double best = 1e9;
		uint64_t bytes = 0;

		setenv("LETHE_INFLATE", modes[m], 1);
		for (int r = 0; r < rounds; r++) {
			double t = run(argv[1], &bytes);

			if (t < best)
				best = t;
		}
		printf("%-5s %8.1f MB/s  (%llu bytes, best of %d: %.3f s)\n",
		       modes[m], (double)bytes / best / 1e6,
		       (unsigned long long)bytes, rounds, best);
	}
	return 0;
}
