/*
 * sniff.c - CSV dialect sniffing: which delimiter (module: text).
 *
 * Place in the data flow: decoder -> [sniff the first block] -> parser.
 * Each candidate delimiter splits the first records (at most 20, within the
 * first 64 KiB) the way the parser would: quotes open only at the start of a
 * field, "" is an escaped quote, a newline inside quotes does not end the
 * record, blank lines are skipped.  The candidate whose most frequent field
 * count (> 1) covers the largest share of those records wins; equal shares
 * go to the larger field count (a TSV whose text holds one comma per row),
 * then to the order , TAB ; |.
 */
#include <stdbool.h>
#include <string.h>

#include "lethe/text.h"

#define SNIFF_BYTES (64u * 1024u)
#define SNIFF_RECORDS 20

/* Field counts of the first records of p[0..n) split on delim.  A record
 * cut by the end of the window is left out unless it is the only one. */
static size_t count_fields(const char *p, size_t n, char delim,
			   size_t counts[SNIFF_RECORDS])
{
	size_t nrec = 0, fields = 1, i;
	bool inq = false, at_start = true, content = false;

	for (i = 0; i < n && nrec < SNIFF_RECORDS; i++) {
		char c = p[i];

		if (inq) {
			if (c == '"') {
				if (i + 1 < n && p[i + 1] == '"')
					i++;
				else
					inq = false;
			}
			continue;
		}
		if (c == delim) {
			fields++;
			at_start = true;
			content = true;
		} else if (c == '\n' || c == '\r') {
			if (content)
				counts[nrec++] = fields;
			fields = 1;
			at_start = true;
			content = false;
		} else if (at_start && (c == ' ' || c == '\t')) {
			/* leading blanks before a field or a quote */
		} else if (at_start && c == '"') {
			inq = true;
			at_start = false;
			content = true;
		} else {
			at_start = false;
			content = true;
		}
	}
	if (content && !inq && nrec == 0)
		counts[nrec++] = fields;
	return nrec;
}

char lt_sniff_delimiter(const char *p, size_t n)
{
	static const char cand[] = { ',', '\t', ';', '|' };
	size_t counts[SNIFF_RECORDS];
	size_t best_freq = 0, best_k = 1, best_mode = 0;
	char best = ',';
	size_t c, i, j;

	if (!p)
		return ',';
	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		n -= 3;
	}
	if (n > SNIFF_BYTES)
		n = SNIFF_BYTES;
	for (c = 0; c < sizeof cand; c++) {
		size_t k = count_fields(p, n, cand[c], counts);
		size_t mode = 0, freq = 0;

		for (i = 0; i < k; i++) {
			size_t f = 0;

			for (j = 0; j < k; j++)
				f += counts[j] == counts[i];
			if (f > freq || (f == freq && counts[i] > mode)) {
				freq = f;
				mode = counts[i];
			}
		}
		if (mode <= 1 || freq * 2 < k)
			continue; /* no consistent split */
		/* share freq/k against best_freq/best_k, exactly */
		if (freq * best_k > best_freq * k ||
		    (freq * best_k == best_freq * k && mode > best_mode)) {
			best = cand[c];
			best_freq = freq;
			best_k = k;
			best_mode = mode;
		}
	}
	return best;
}
