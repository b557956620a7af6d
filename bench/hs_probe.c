/*
 * hs_probe.c - Hyperscan (libhs) as a multi-pattern prefilter over the
 * detectors' regexes: which patterns it compiles, how fast it scans, and
 * how many cells it would let through.  Every pattern is compiled with
 * HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_UCP (a match is a superset
 * of the regex's), in block mode.  Not a test.
 *
 *   hs_probe check PATTERNS.tsv
 *       compiles each pattern alone under four flag sets and prints, per
 *       pattern, "OK" or Hyperscan's error for each.
 *   hs_probe bench PATTERNS.tsv DATA [--ids a,b,..] [--single] [--reps N]
 *       MB/s (10^6 bytes / wall s, best of N, default 3), one thread, DATA
 *       held in memory: block mode (hs_scan per 4 MiB block cut at a line
 *       end) and cell mode (hs_scan per cell, cells split naively at ','
 *       and '\n').  --single adds HS_FLAG_SINGLEMATCH.  Prints the block
 *       mode's match callbacks per pattern.
 *   hs_probe cols PATTERNS.tsv DATA [--limit BYTES] [--ids a,b,..]
 *                 [--sub a,b,..]
 *       on the first BYTES of DATA (default 20,000,000), per CSV column,
 *       the share of cells with at least one prefilter match, twice: the
 *       block scan with each match's last byte mapped to its cell (cells
 *       split quote-aware), and hs_scan per cell (outer quotes stripped).
 *       any(sub) counts only the --sub patterns.
 *
 * PATTERNS.tsv: one "id<TAB>regex" a line ('#' lines skipped); --ids
 * picks some of them (default: all).  DATA is cut at its last '\n'.
 *
 *   sh bench/hs_probe.sh    (make bench-hyperscan: makes the patterns
 *                            file, builds this, runs every mode)
 *   cc -O2 -std=c11 -D_GNU_SOURCE bench/hs_probe.c \
 *      $(pkg-config --cflags --libs libhs) -o /tmp/hs_probe
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* getline, strndup, memrchr */
#endif
#include <hs/hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"

#define MAXP 64 /* patterns; a cell's matches are a 64-bit mask */
#define MAXCOL 256

static char *ids[MAXP], *pats[MAXP];
static int npat;
static int sel[MAXP], nsel; /* the patterns compiled, indexes into ids[] */

static _Noreturn void die(const char *m)
{
	fprintf(stderr, "%s\n", m);
	exit(1);
}


static void load_patterns(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *tab;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		die("cannot open patterns");
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!n || line[0] == '#')
			continue;
		if (!(tab = strchr(line, '\t')))
			die("bad pattern line");
		*tab = 0;
		if (npat == MAXP)
			die("too many patterns");
		ids[npat] = strdup(line);
		pats[npat] = strdup(tab + 1);
		npat++;
	}
	free(line);
	fclose(f);
}

/* The first limit bytes of the file (0: all), cut at its last '\n'. */
static char *load_file(const char *path, size_t *len, size_t limit)
{
	FILE *f = fopen(path, "rb");
	long end;
	size_t sz;
	char *buf;

	if (!f)
		die("cannot open data");
	if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0)
		die("cannot size data");
	rewind(f);
	sz = (size_t)end;
	if (limit && sz > limit)
		sz = limit;
	if (!(buf = malloc(sz + 1)))
		die("out of memory");
	if (fread(buf, 1, sz, f) != sz)
		die("short read");
	fclose(f);
	while (sz && buf[sz - 1] != '\n')
		sz--;
	if (!sz)
		die("no complete line in data");
	*len = sz;
	return buf;
}

static int find_id(const char *id)
{
	for (int i = 0; i < npat; i++)
		if (!strcmp(ids[i], id))
			return i;
	return -1;
}

/* ---- check mode ---- */

/* NULL if p compiles with flags, else Hyperscan's message. */
static const char *try_compile(const char *p, unsigned flags)
{
	static char msg[512];
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;

	if (hs_compile(p, flags, HS_MODE_BLOCK, NULL, &db, &err) ==
	    HS_SUCCESS) {
		hs_free_database(db);
		return NULL;
	}
	snprintf(msg, sizeof msg, "%s", err->message);
	hs_free_compile_error(err);
	return msg;
}

static int do_check(void)
{
	static const struct {
		const char *name;
		unsigned flags;
	} fs[] = {
		{ "PREFILTER|UTF8|UCP",
		  HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_UCP },
		{ "PREFILTER|UTF8|UCP|SINGLEMATCH",
		  HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_UCP |
			  HS_FLAG_SINGLEMATCH },
		{ "PREFILTER|UTF8", HS_FLAG_PREFILTER | HS_FLAG_UTF8 },
		{ "UTF8|UCP (exact, no prefilter)",
		  HS_FLAG_UTF8 | HS_FLAG_UCP },
	};

	for (int i = 0; i < npat; i++) {
		printf("%-16s", ids[i]);
		for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) {
			const char *e = try_compile(pats[i], fs[k].flags);

			printf(" | %s: %s", fs[k].name, e ? e : "OK");
		}
		printf("\n");
	}
	return 0;
}

/* ---- the selected set ---- */

static void select_ids(const char *list)
{
	char *dup, *save = NULL;

	nsel = 0;
	if (!list) {
		for (int i = 0; i < npat; i++)
			sel[nsel++] = i;
		return;
	}
	dup = strdup(list);
	for (char *t = strtok_r(dup, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		int found = find_id(t);

		if (found < 0) {
			fprintf(stderr, "unknown id %s\n", t);
			exit(1);
		}
		if (nsel == MAXP)
			die("too many ids");
		sel[nsel++] = found;
	}
	free(dup);
}

/* Match ids are indexes into sel[]. */
static hs_database_t *compile_sel(unsigned extra)
{
	const char *ex[MAXP];
	unsigned fl[MAXP], id[MAXP];
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	size_t dbsz = 0;
	double t0;

	for (int k = 0; k < nsel; k++) {
		ex[k] = pats[sel[k]];
		fl[k] = HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_UCP | extra;
		id[k] = (unsigned)k;
	}
	t0 = now();
	if (hs_compile_multi(ex, fl, id, (unsigned)nsel, HS_MODE_BLOCK, NULL,
			     &db, &err) != HS_SUCCESS) {
		fprintf(stderr, "hs_compile_multi failed on expr %d (%s): %s\n",
			err->expression,
			err->expression >= 0 ? ids[sel[err->expression]] : "?",
			err->message);
		exit(1);
	}
	hs_database_size(db, &dbsz);
	printf("compiled %d patterns%s in %.2f s, db %zu bytes\n", nsel,
	       (extra & HS_FLAG_SINGLEMATCH) ? " (SINGLEMATCH)" : "",
	       now() - t0, dbsz);
	return db;
}

/* ---- bench mode ---- */

static unsigned long long counts[MAXP], ncalls;

static int on_count(unsigned int id, unsigned long long from,
		    unsigned long long to, unsigned int flags, void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	(void)ctx;
	counts[id]++;
	return 0;
}

static double scan_blocks(hs_database_t *db, hs_scratch_t *s,
			  const char *buf, size_t len)
{
	double t0;
	size_t n;

	memset(counts, 0, sizeof counts);
	t0 = now();
	for (size_t off = 0; off < len; off += n) {
		n = cut(buf + off, len - off);
		if (hs_scan(db, buf + off, (unsigned)n, 0, s, on_count,
			    NULL) != HS_SUCCESS)
			die("hs_scan failed");
	}
	return now() - t0;
}

static double scan_cells(hs_database_t *db, hs_scratch_t *s,
			 const char *buf, size_t len)
{
	const char *end = buf + len, *cell = buf;
	double t0;

	memset(counts, 0, sizeof counts);
	ncalls = 0;
	t0 = now();
	for (const char *p = buf; p < end; p++) {
		if (*p != ',' && *p != '\n')
			continue;
		if (hs_scan(db, cell, (unsigned)(p - cell), 0, s, on_count,
			    NULL) != HS_SUCCESS)
			die("hs_scan failed");
		ncalls++;
		cell = p + 1;
	}
	return now() - t0;
}

static int do_bench(const char *data, int single, int reps)
{
	hs_database_t *db;
	hs_scratch_t *s = NULL;
	double best = 1e30;
	size_t len;
	char *buf = load_file(data, &len, 0);

	printf("data %s: %zu bytes (preloaded)\n", data, len);
	db = compile_sel(single ? HS_FLAG_SINGLEMATCH : 0);
	if (hs_alloc_scratch(db, &s) != HS_SUCCESS)
		die("scratch");

	for (int r = 0; r < reps; r++) {
		double t = scan_blocks(db, s, buf, len);

		printf("  block run %d: %.3f s  %.1f MB/s\n", r + 1, t,
		       (double)len / 1e6 / t);
		if (t < best)
			best = t;
	}
	printf("BLOCK best: %.1f MB/s\n", (double)len / 1e6 / best);
	printf("  match callbacks per pattern (block mode%s):\n",
	       single ? ", SINGLEMATCH => at most 1 per block" : "");
	for (int k = 0; k < nsel; k++)
		printf("    %-16s %llu\n", ids[sel[k]], counts[k]);

	best = 1e30;
	for (int r = 0; r < reps; r++) {
		double t = scan_cells(db, s, buf, len);

		printf("  cell run %d: %.3f s  %.1f MB/s  (%llu hs_scan calls)\n",
		       r + 1, t, (double)len / 1e6 / t, ncalls);
		if (t < best)
			best = t;
	}
	printf("CELL best: %.1f MB/s  (%llu calls, %.1f ns/call avg)\n",
	       (double)len / 1e6 / best, ncalls,
	       best * 1e9 / (double)ncalls);
	hs_free_scratch(s);
	hs_free_database(db);
	free(buf);
	return 0;
}

/* ---- cols mode ---- */

struct cells {
	size_t *start;  /* cell i: [start[i], start[i + 1]), its delimiter last */
	uint8_t *col;
	uint64_t *mask; /* bit k: sel[k] has a match ending in the cell */
	size_t n;
	unsigned long long ends, on_delim; /* match ends; on ',' or '\n' */
	const char *buf;
	size_t base; /* offset of the block being scanned */
};

static int on_cell(unsigned int id, unsigned long long from,
		   unsigned long long to, unsigned int flags, void *ctx)
{
	struct cells *c = ctx;
	size_t b = c->base + (size_t)to - 1; /* the match's last byte */
	size_t lo = 0, hi = c->n;

	(void)from;
	(void)flags;
	if (c->buf[b] == ',' || c->buf[b] == '\n')
		c->on_delim++;
	c->ends++;
	while (hi - lo > 1) { /* the last cell starting at or before b */
		size_t mid = (lo + hi) / 2;

		if (c->start[mid] <= b)
			lo = mid;
		else
			hi = mid;
	}
	c->mask[lo] |= 1ull << id;
	return 0;
}

static int on_cellmask(unsigned int id, unsigned long long from,
		       unsigned long long to, unsigned int flags, void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	*(uint64_t *)ctx |= 1ull << id;
	return 0;
}

/* The cells of the rows from hdr on, quote-aware; columns past the
 * header's last are counted as overflow and tallied as the last. */
static void split_cells(struct cells *c, const char *buf, size_t len,
			size_t hdr, int ncol)
{
	size_t cap = 1 << 20, rows = 0, overflow = 0;
	int col = 0, inq = 0;

	c->start = malloc(cap * sizeof *c->start);
	c->col = malloc(cap);
	if (!c->start || !c->col)
		die("out of memory");
	c->buf = buf;
	c->start[0] = hdr;
	c->col[0] = 0;
	c->n = 1;
	for (size_t i = hdr; i < len; i++) {
		char ch = buf[i];

		if (ch == '"') {
			inq = !inq;
			continue;
		}
		if (inq || (ch != ',' && ch != '\n'))
			continue;
		if (ch == '\n') {
			col = 0;
			rows++;
		} else {
			col++;
		}
		if (i + 1 >= len)
			break;
		if (c->n == cap) {
			cap *= 2;
			c->start = realloc(c->start, cap * sizeof *c->start);
			c->col = realloc(c->col, cap);
			if (!c->start || !c->col)
				die("out of memory");
		}
		if (col >= ncol) {
			overflow++;
			col = ncol - 1;
		}
		c->start[c->n] = i + 1;
		c->col[c->n] = (uint8_t)col;
		c->n++;
	}
	if (!(c->mask = calloc(c->n, sizeof *c->mask)))
		die("out of memory");
	printf("cols: %zu bytes, %zu rows, %zu cells, %d columns, %zu overflow cells\n",
	       len - hdr, rows, c->n, ncol, overflow);
}

/* Per column: cells, share with any match, with a --sub match, and the
 * patterns matching in at least 0.5% of its cells. */
static void report(const struct cells *c, const uint64_t *m,
		   uint64_t submask, int sub, char **names, int ncol)
{
	static size_t per[MAXCOL][MAXP];
	size_t tot[MAXCOL] = { 0 }, any[MAXCOL] = { 0 };
	size_t anysub[MAXCOL] = { 0 };
	size_t t = 0, a = 0, as = 0;

	memset(per, 0, sizeof per);
	for (size_t i = 0; i < c->n; i++) {
		int cc = c->col[i];

		tot[cc]++;
		if (m[i])
			any[cc]++;
		if (m[i] & submask)
			anysub[cc]++;
		for (int k = 0; k < nsel; k++)
			if (m[i] >> k & 1)
				per[cc][k]++;
	}
	printf("\n%-16s %9s %9s %9s   patterns hitting (share of cells, >=0.5%%)\n",
	       "column", "cells", "any(all)", sub ? "any(sub)" : "");
	for (int k = 0; k < ncol; k++) {
		t += tot[k];
		a += any[k];
		as += anysub[k];
		printf("%-16s %9zu %8.1f%% %8.1f%%  ", names[k], tot[k],
		       tot[k] ? 100.0 * (double)any[k] / (double)tot[k] : 0,
		       tot[k] ? 100.0 * (double)anysub[k] / (double)tot[k] : 0);
		for (int p = 0; p < nsel; p++)
			if (tot[k] && per[k][p] * 200 >= tot[k])
				printf(" %s=%.0f%%", ids[sel[p]],
				       100.0 * (double)per[k][p] /
					       (double)tot[k]);
		printf("\n");
	}
	printf("%-16s %9zu %8.1f%% %8.1f%%\n", "ALL", t,
	       100.0 * (double)a / (double)t, 100.0 * (double)as / (double)t);
}

static int do_cols(const char *data, size_t limit, const char *sub)
{
	struct cells c = { 0 };
	hs_database_t *db;
	hs_scratch_t *s = NULL;
	uint64_t *cmask, submask = 0;
	char *names[MAXCOL], *h, *save = NULL;
	int ncol = 0;
	size_t len, hdr = 0, n;
	char *buf = load_file(data, &len, limit);

	while (buf[hdr] != '\n')
		hdr++;
	hdr++;
	if (hdr == len)
		die("no rows in data");
	h = strndup(buf, hdr - 1);
	for (char *t = strtok_r(h, ",", &save); t && ncol < MAXCOL;
	     t = strtok_r(NULL, ",", &save))
		names[ncol++] = t;
	if (!ncol)
		die("no columns in the header");
	split_cells(&c, buf, len, hdr, ncol);

	db = compile_sel(0);
	if (hs_alloc_scratch(db, &s) != HS_SUCCESS)
		die("scratch");
	for (size_t off = hdr; off < len; off += n) {
		n = cut(buf + off, len - off);
		c.base = off;
		if (hs_scan(db, buf + off, (unsigned)n, 0, s, on_cell, &c) !=
		    HS_SUCCESS)
			die("scan");
	}
	printf("match ends: %llu, of which on a ',' or '\\n' byte: %llu\n",
	       c.ends, c.on_delim);

	/* second pass, the same database: hs_scan per cell (matches confined
	 * to the cell), outer quotes stripped */
	if (!(cmask = calloc(c.n, sizeof *cmask)))
		die("out of memory");
	for (size_t i = 0; i < c.n; i++) {
		size_t a = c.start[i];
		size_t b = (i + 1 < c.n ? c.start[i + 1] : len) - 1; /* delim */

		if (b > a + 1 && buf[a] == '"' && buf[b - 1] == '"') {
			a++;
			b--;
		}
		if (hs_scan(db, buf + a, (unsigned)(b - a), 0, s, on_cellmask,
			    &cmask[i]) != HS_SUCCESS)
			die("scan");
	}

	if (sub) {
		char *dup = strdup(sub);

		save = NULL;
		for (char *t = strtok_r(dup, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			int k = 0, i = find_id(t);

			while (k < nsel && sel[k] != i)
				k++;
			if (k == nsel) {
				fprintf(stderr,
					"--sub: %s is not a selected id\n", t);
				exit(1);
			}
			submask |= 1ull << k;
		}
		free(dup);
	}
	printf("\n== BLOCK scan, match end byte mapped to its cell ==\n");
	report(&c, c.mask, submask, sub != NULL, names, ncol);
	printf("\n== PER-CELL scan (hs_scan per cell, matches confined to the cell) ==\n");
	report(&c, cmask, submask, sub != NULL, names, ncol);

	hs_free_scratch(s);
	hs_free_database(db);
	free(cmask);
	free(c.mask);
	free(c.col);
	free(c.start);
	free(h);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	const char *idl = NULL, *sub = NULL;
	int single = 0, reps = 3;
	size_t limit = 20000000;

	if (argc < 3)
		die("usage: hs_probe check|bench|cols PATTERNS.tsv [DATA] [opts]");
	load_patterns(argv[2]);
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--ids") && i + 1 < argc)
			idl = argv[++i];
		else if (!strcmp(argv[i], "--sub") && i + 1 < argc)
			sub = argv[++i];
		else if (!strcmp(argv[i], "--single"))
			single = 1;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			limit = strtoull(argv[++i], NULL, 10);
		else
			die("bad option");
	}
	if (reps < 1)
		die("bad option");
	printf("hyperscan %s\n", hs_version());
	if (!strcmp(argv[1], "check"))
		return do_check();
	if (argc < 4)
		die("need DATA");
	select_ids(idl);
	if (!strcmp(argv[1], "bench"))
		return do_bench(argv[3], single, reps);
	if (!strcmp(argv[1], "cols"))
		return do_cols(argv[3], limit, sub);
	die("unknown mode");
}
