/*
 * json.c - the JSON inventory (DESIGN.md, "Report (JSON)"), with jansson.
 * Every figure comes from the source results; nothing is computed here
 * beyond the summary's sums.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "lethe/report.h"

static const char *status_name(enum lt_source_status s)
{
	switch (s) {
	case LT_STATUS_OK: return "ok";
	case LT_STATUS_ERROR: return "error";
	case LT_STATUS_SKIPPED: return "skipped";
	}
	return "error";
}

static const char *kind_name(enum lt_source_kind k)
{
	switch (k) {
	case LT_SRC_POSTGRES: return "postgres";
	case LT_SRC_MEMBER: return "file";
	case LT_SRC_STDIN: return "stdin";
	case LT_SRC_FILE: return "file";
	}
	return "file";
}

static double round4(double x)
{
	return (double)(long long)(x * 10000.0 + 0.5) / 10000.0;
}

static json_t *finding_json(const struct lt_packset *ps,
			    const struct lt_finding *f)
{
	const struct lt_detector_info *di = lt_packset_info(ps, f->det);
	json_t *o = json_object(), *samples = json_array();

	json_object_set_new(o, "type", json_string(di->id));
	json_object_set_new(o, "category", json_string(di->category));
	json_object_set_new(o, "sensitivity", json_string(di->sensitivity));
	json_object_set_new(o, "confidence",
			    json_string(lt_confidence_name(f->confidence)));
	json_object_set_new(o, "checked", json_integer((json_int_t)f->checked));
	json_object_set_new(o, "matched", json_integer((json_int_t)f->matched));
	json_object_set_new(o, "ratio", json_real(round4(f->ratio)));
	json_object_set_new(o, "distinct", json_integer((json_int_t)f->distinct));
	if (di->has_checksum)
		json_object_set_new(o, "checksum_valid",
				    json_integer((json_int_t)f->valid));
	json_object_set_new(o, "free_text", json_boolean(f->free_text));
	for (size_t s = 0; s < f->n_samples; s++)
		json_array_append_new(samples, json_string(f->samples[s]));
	json_object_set_new(o, "samples", samples);
	return o;
}

static json_t *source_json(const struct lt_packset *ps,
			   const struct lt_source_result *r)
{
	json_t *o = json_object(), *cols = json_array();
	char delim[2] = { r->delimiter ? r->delimiter : ',', 0 };

	json_object_set_new(o, "source", json_string(r->src->name));
	json_object_set_new(o, "kind", json_string(kind_name(r->src->kind)));
	if (r->src->table)
		json_object_set_new(o, "table", json_string(r->src->table));
	json_object_set_new(o, "status", json_string(status_name(r->status)));
	if (r->status != LT_STATUS_OK)
		json_object_set_new(o, "error", json_string(r->error));
	if (r->status != LT_STATUS_SKIPPED) {
		json_object_set_new(o, "rows_scanned",
				    json_integer((json_int_t)r->rows_scanned));
		if (r->rows_estimated >= 0)
			json_object_set_new(o, "rows_estimated",
					    json_integer(r->rows_estimated));
		json_object_set_new(o, "sampled", json_boolean(r->sampled));
		json_object_set_new(o, "container", json_string(r->container));
		json_object_set_new(o, "encoding", json_string(r->encoding));
		json_object_set_new(o, "delimiter", json_string(delim));
		json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
		json_object_set_new(o, "encoding_errors",
				    json_integer((json_int_t)r->encoding_errors));
		json_object_set_new(o, "ragged_rows",
				    json_integer((json_int_t)r->ragged_rows));
		if (r->header_masked)
			json_object_set_new(o, "header_masked", json_true());
	}
	for (size_t i = 0; i < r->n_columns; i++) {
		const struct lt_column *c = &r->columns[i];
		json_t *co = json_object(), *fs = json_array();

		json_object_set_new(co, "name", json_string(c->name));
		json_object_set_new(co, "index", json_integer((json_int_t)c->index));
		json_object_set_new(co, "non_empty", json_integer((json_int_t)c->non_empty));
		for (size_t k = 0; k < c->n_findings; k++)
			json_array_append_new(fs, finding_json(ps, &c->findings[k]));
		json_object_set_new(co, "findings", fs);
		json_array_append_new(cols, co);
	}
	json_object_set_new(o, "columns", cols);
	return o;
}

int lt_report_json(FILE *fp, const struct lt_inventory *inv, struct lt_err *err)
{
	json_t *root = json_object(), *sources = json_array(), *errors = json_array();
	json_t *summary = json_object(), *by_type = json_object(),
	       *by_cat = json_object();
	struct lt_summary sum;
	char ts[32];
	int rc = 0;

	json_object_set_new(root, "report", json_string("lethe.inventory"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "generated_at",
			    json_string(lt_fmt_time(inv->generated_at, ts, sizeof ts)));
	for (size_t i = 0; i < inv->n; i++) {
		const struct lt_source_result *r = &inv->results[i];

		json_array_append_new(sources, source_json(inv->ps, r));
		if (r->status == LT_STATUS_ERROR) {
			json_t *e = json_object();
			json_object_set_new(e, "source", json_string(r->src->name));
			json_object_set_new(e, "error", json_string(r->error));
			json_array_append_new(errors, e);
		}
	}
	json_object_set_new(root, "sources", sources);
	json_object_set_new(summary, "sources", json_integer((json_int_t)inv->n));
	lt_summary_make(inv, &sum);
	for (size_t t = 0; t < sum.n_type; t++)
		json_object_set_new(by_type, sum.by_type[t].key,
				    json_integer((json_int_t)sum.by_type[t].n));
	for (size_t t = 0; t < sum.n_category; t++)
		json_object_set_new(by_cat, sum.by_category[t].key,
				    json_integer((json_int_t)sum.by_category[t].n));
	json_object_set_new(summary, "sources_with_personal_data",
			    json_integer((json_int_t)sum.sources_pd));
	json_object_set_new(summary, "sources_with_errors",
			    json_integer((json_int_t)sum.errors));
	json_object_set_new(summary, "columns_with_personal_data",
			    json_integer((json_int_t)sum.columns_pd));
	lt_summary_release(&sum);
	json_object_set_new(summary, "by_type", by_type);
	json_object_set_new(summary, "by_category", by_cat);
	json_object_set_new(root, "summary", summary);
	json_object_set_new(root, "errors", errors);
	if (json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
			JSON_REAL_PRECISION(6)) != 0 || fputc('\n', fp) == EOF)
		rc = lt_err_set(err, LT_E_IO, NULL, 0, "cannot write report: %s",
				strerror(errno));
	json_decref(root);
	return rc;
}
