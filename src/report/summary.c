/*
 * summary.c - the inventory's totals, counted once for every writer
 * (module: report).
 *
 * A column counts as holding personal data when one of its findings is
 * medium or high; by_type and by_category count those findings, keys in
 * the order first seen.
 */
#include <stdlib.h>
#include <string.h>

#include "lethe/report.h"

static void tally(struct lt_tally **t, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*t)[i].key, key)) {
			(*t)[i].n++;
			return;
		}
	*t = lt_xreallocarray(*t, *n + 1, sizeof **t);
	(*t)[(*n)++] = (struct lt_tally){ key, 1 };
}

void lt_summary_make(const struct lt_inventory *inv, struct lt_summary *s)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < inv->n; i++) {
		const struct lt_source_result *r = &inv->results[i];
		size_t before = s->columns_pd;

		s->errors += r->status == LT_STATUS_ERROR;
		s->skipped += r->status == LT_STATUS_SKIPPED;
		for (size_t c = 0; c < r->n_columns; c++) {
			const struct lt_column *col = &r->columns[c];
			bool counted = false;

			for (size_t k = 0; k < col->n_findings; k++) {
				const struct lt_detector_info *di;

				if (col->findings[k].confidence < LT_CONF_MEDIUM)
					continue;
				counted = true;
				di = lt_packset_info(inv->ps, col->findings[k].det);
				tally(&s->by_type, &s->n_type, di->id);
				tally(&s->by_category, &s->n_category, di->category);
			}
			s->columns_pd += counted;
		}
		s->sources_pd += s->columns_pd > before;
	}
}

void lt_summary_release(struct lt_summary *s)
{
	free(s->by_type);
	free(s->by_category);
	memset(s, 0, sizeof *s);
}
