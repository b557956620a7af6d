#!/usr/bin/env python3
"""Column-level precision and recall of lethe on a labelled corpus.

    python3 tools/accuracy.py OUTDIR [options]
        runs `lethe scan -q -f json --all OUTDIR` and scores the report
        against OUTDIR/labels.json (written by tools/gen_corpus.py)
    python3 tools/accuracy.py --report REPORT.json --labels labels.json
        scores a report made earlier

A (column, type) pair is *predicted* when lethe reports a finding of that
type on that column at confidence medium or high (DESIGN.md: low findings
are hints).  Against the labels, per type and overall (micro-averaged over
all pairs):

    TP  predicted and labelled      FP  predicted, not labelled
    FN  labelled, not predicted     support = TP + FN (labelled columns)
    precision = TP / (TP + FP)      recall = TP / (TP + FN)

A type lethe has no detector for simply yields FNs; a labelled source lethe
did not report (or reported as an error) yields an FN for each of its
labelled pairs; a reported column or source that the labels do not know is
an FP for each predicted type.

Output: the table, the overall line, then every confusion (FP and FN) with
the source, the column, the types and confidences, and lethe's counts
(matched/checked) -- never a cell value, never a sample.

Options:
  --labels FILE          default OUTDIR/labels.json
  --report FILE          score this report instead of running lethe
  --lethe PATH           the binary (default $LETHE, else ./lethe)
  --save-report FILE     keep the JSON report lethe produced
  --min-precision X      exit 1 when overall precision < X
  --min-recall Y         exit 1 when overall recall < Y
  --per-type-min Z       exit 1 when some type's precision or recall < Z
                         (precision only where lethe predicted the type,
                         recall only where the corpus has it)
  --known-types          score only the types `lethe packs list` shows
                         (the others are listed as not evaluated)
  --markdown             print the table as Markdown (for the README)
  --json-out FILE        write the figures as JSON
  --max-confusions N     print at most N confusion lines (default: all)

Exit: 0 scored and every floor met; 1 a floor not met; 2 usage error, lethe
failed to run, or the report/labels could not be read.
"""

import argparse
import json
import os
import subprocess
import sys
import time

PREDICTED = ("medium", "high")


def die(msg):
    print("accuracy: " + msg, file=sys.stderr)
    sys.exit(2)


def load_json(path, what):
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        die("cannot read %s %s: %s" % (what, path, e))


def lethe_binary(arg):
    if arg:
        return arg
    if os.environ.get("LETHE"):
        return os.environ["LETHE"]
    return "./lethe"


def run_lethe(lethe, outdir):
    cmd = [lethe, "scan", "-q", "-f", "json", "--all", outdir]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        die("cannot run %s: %s" % (lethe, e))
    secs = time.monotonic() - t0
    # 0: done; 3: some source unreadable (still reported, scored as FNs)
    if p.returncode not in (0, 3):
        tail = p.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        die("%s exited %d: %s" % (" ".join(cmd), p.returncode, " | ".join(tail)))
    try:
        return json.loads(p.stdout.decode("utf-8")), secs, p.returncode
    except ValueError as e:
        die("lethe's output is not JSON: %s" % e)


def known_types(lethe):
    try:
        p = subprocess.run([lethe, "packs", "list"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    except OSError as e:
        die("cannot run %s: %s" % (lethe, e))
    if p.returncode != 0:
        die("%s packs list exited %d" % (lethe, p.returncode))
    lines = p.stdout.decode("utf-8", "replace").splitlines()
    return {ln.split()[0] for ln in lines[1:] if ln.strip()}


def match_source(name, keys):
    """The label key a reported source name stands for: the same name, or
    the name with the directory lethe was given in front."""
    best = None
    for k in keys:
        if name == k or name.endswith("/" + k):
            if best is None or len(k) > len(best):
                best = k
    return best


def fmt_ratio(num, den):
    return "-" if den == 0 else "%.3f" % (num / den)


def finding_note(f):
    """Counts of a finding, never a value."""
    s = "%s %s" % (f["type"], f.get("confidence", "?"))
    if "matched" in f and "checked" in f:
        s += " %s/%s" % (f["matched"], f["checked"])
    if f.get("checksum_valid") is not None:
        s += " checksum_valid=%s" % f["checksum_valid"]
    if f.get("free_text"):
        s += " free_text"
    return s


def score(report, labels, only=None):
    """-> (per-type counts, confusions, notes)"""
    lsrc = labels["sources"]
    universe = set(labels.get("types", []))
    for s in lsrc.values():
        for ts in s["columns"].values():
            universe.update(ts)
    reported = {}                         # label key -> report source
    notes = []
    stray = []
    for s in report.get("sources", []):
        k = match_source(s.get("source", ""), lsrc)
        if k is None:
            stray.append(s)
        elif k in reported:
            notes.append("source %s reported twice" % k)
        else:
            reported[k] = s
    for s in report.get("sources", []):
        for c in s.get("columns", []):
            for f in c.get("findings", []):
                universe.add(f["type"])
    excluded = set()
    if only is not None:
        excluded = universe - only
        universe &= only

    counts = {t: {"TP": 0, "FP": 0, "FN": 0} for t in universe}
    confusions = []                       # (kind, source, column, type, text)

    def judge(src, col, truth, findings, why=""):
        pred = {f["type"]: f for f in findings
                if f.get("confidence") in PREDICTED and f["type"] in universe}
        other = {f["type"]: f for f in findings if f["type"] not in pred}
        truth = {t for t in truth if t in universe}
        for t in sorted(truth & set(pred)):
            counts[t]["TP"] += 1
        for t in sorted(set(pred) - truth):
            counts[t]["FP"] += 1
            confusions.append(("FP", src, col, t, "reported %s; labelled %s%s" % (
                finding_note(pred[t]), ", ".join(sorted(truth)) or "nothing", why)))
        for t in sorted(truth - set(pred)):
            counts[t]["FN"] += 1
            if why:
                got = why.lstrip("; ")
            elif t in other:
                got = "lethe: " + finding_note(other[t])
            elif pred or other:
                got = "lethe: " + ", ".join(finding_note(f) for f in
                                             list(pred.values()) + list(other.values()))
            else:
                got = "lethe: no finding"
            confusions.append(("FN", src, col, t, "missing %s; %s" % (t, got)))

    for key in sorted(lsrc):
        lab = lsrc[key]["columns"]
        s = reported.get(key)
        if s is None:
            for col in lab:
                judge(key, col, lab[col], [], "; source not in the report")
            continue
        if s.get("status", "ok") != "ok":
            notes.append("source %s: status %s: %s" % (key, s.get("status"), s.get("error", "")))
        cols = {}
        for c in s.get("columns", []):
            cols.setdefault(c.get("name"), c)
        why_missing = ""
        if s.get("status", "ok") != "ok":
            why_missing = "; source status %s" % s.get("status")
        for col in lab:
            c = cols.get(col)
            judge(key, col, lab[col], c.get("findings", []) if c else [],
                  "" if c is not None or not why_missing else why_missing)
        for name, c in cols.items():
            if name not in lab:
                judge(key, name, [], c.get("findings", []), "; column not in the labels")
    for s in stray:
        for c in s.get("columns", []):
            judge(s.get("source", "?"), c.get("name"), [], c.get("findings", []),
                  "; source not in the labels")
    return counts, confusions, notes, excluded


def table_rows(counts):
    rows = []
    tot = {"TP": 0, "FP": 0, "FN": 0}
    for t in sorted(counts, key=type_order):
        c = counts[t]
        for k in tot:
            tot[k] += c[k]
        rows.append((t, c["TP"] + c["FN"], c["TP"], c["FP"], c["FN"],
                     fmt_ratio(c["TP"], c["TP"] + c["FP"]),
                     fmt_ratio(c["TP"], c["TP"] + c["FN"])))
    overall = ("overall", tot["TP"] + tot["FN"], tot["TP"], tot["FP"], tot["FN"],
               fmt_ratio(tot["TP"], tot["TP"] + tot["FP"]),
               fmt_ratio(tot["TP"], tot["TP"] + tot["FN"]))
    return rows, overall, tot


ORDER = ["sg.nric", "kr.rrn", "my.mykad", "sg.nric_partial", "sg.phone",
         "kr.phone", "my.phone", "phone", "email", "sg.address", "kr.address",
         "my.address", "sg.postal_code", "kr.postal_code", "my.postal_code",
         "person_name", "date_of_birth", "payment_card", "bank_account",
         "ip_address"]


def type_order(t):
    return (ORDER.index(t), t) if t in ORDER else (len(ORDER), t)


def print_table(rows, overall, markdown):
    head = ("type", "support", "TP", "FP", "FN", "precision", "recall")
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("| --- | " + " | ".join("---:" for _ in head[1:]) + " |")
        for r in rows:
            print("| `%s` | " % r[0] + " | ".join(str(x) for x in r[1:]) + " |")
        print("| **%s** | " % overall[0] + " | ".join("**%s**" % x for x in overall[1:]) + " |")
        return
    fmt = "%-16s %7s %5s %5s %5s %9s %7s"
    print(fmt % head)
    for r in rows:
        print(fmt % r)
    print(fmt % overall)


def main(argv):
    ap = argparse.ArgumentParser(
        description="Column-level precision/recall of lethe on a labelled corpus.",
        epilog="See the module docstring (head of this file) for the definitions.")
    ap.add_argument("outdir", nargs="?", help="corpus directory (tools/gen_corpus.py)")
    ap.add_argument("--labels")
    ap.add_argument("--report")
    ap.add_argument("--lethe")
    ap.add_argument("--save-report")
    ap.add_argument("--min-precision", type=float)
    ap.add_argument("--min-recall", type=float)
    ap.add_argument("--per-type-min", type=float)
    ap.add_argument("--known-types", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json-out")
    ap.add_argument("--max-confusions", type=int)
    a = ap.parse_args(argv)

    if not a.outdir and not a.report:
        ap.error("give OUTDIR, or --report and --labels")
    labels_path = a.labels or (os.path.join(a.outdir, "labels.json") if a.outdir else None)
    if not labels_path:
        ap.error("--labels is required with --report and no OUTDIR")
    labels = load_json(labels_path, "labels")
    if "sources" not in labels:
        die("%s: no \"sources\" (not a gen_corpus.py labels file)" % labels_path)
    lethe = lethe_binary(a.lethe)

    if a.report:
        report = load_json(a.report, "report")
        print("report: %s" % a.report)
    else:
        report, secs, rc = run_lethe(lethe, a.outdir)
        rows = sum(s.get("rows_scanned", 0) for s in report.get("sources", []))
        print("lethe scan: %d sources, %d rows in %.1fs%s" % (
            len(report.get("sources", [])), rows, secs,
            " (exit 3: a source could not be read)" if rc == 3 else ""))
        if a.save_report:
            with open(a.save_report, "w", encoding="utf-8") as f:
                json.dump(report, f, ensure_ascii=False, indent=1)
    only = known_types(lethe) if a.known_types else None

    counts, confusions, notes, excluded = score(report, labels, only)
    nrows = sum(s.get("rows", 0) for s in labels["sources"].values())
    ncols = sum(len(s["columns"]) for s in labels["sources"].values())
    print("corpus: %d sources, %d columns, %d rows (%s)" % (
        len(labels["sources"]), ncols, nrows, labels_path))
    if excluded:
        print("not evaluated (no detector in %s): %s" % (lethe, ", ".join(sorted(excluded, key=type_order))))
    print()
    rows, overall, tot = table_rows(counts)
    print_table(rows, overall, a.markdown)

    print()
    for n in notes:
        print("note: " + n)
    nfp = sum(1 for c in confusions if c[0] == "FP")
    nfn = len(confusions) - nfp
    print("confusions: %d FP, %d FN" % (nfp, nfn))
    shown = sorted(confusions, key=lambda c: (c[0] != "FP", c[1], c[2], type_order(c[3])))
    if a.max_confusions is not None:
        shown = shown[:a.max_confusions]
    for kind, src, col, t, text in shown:
        print("  %s %s : %s : %s" % (kind, src, col, text))
    if a.max_confusions is not None and len(confusions) > a.max_confusions:
        print("  ... %d more" % (len(confusions) - a.max_confusions))

    fails = []
    prec = tot["TP"] / (tot["TP"] + tot["FP"]) if tot["TP"] + tot["FP"] else None
    rec = tot["TP"] / (tot["TP"] + tot["FN"]) if tot["TP"] + tot["FN"] else None
    if a.min_precision is not None and (prec if prec is not None else 1.0) < a.min_precision:
        fails.append("precision %.3f < %.2f" % (prec, a.min_precision))
    if a.min_recall is not None and (rec if rec is not None else 1.0) < a.min_recall:
        fails.append("recall %.3f < %.2f" % (rec, a.min_recall))
    if a.per_type_min is not None:
        for t in sorted(counts, key=type_order):
            c = counts[t]
            if c["TP"] + c["FP"] and c["TP"] / (c["TP"] + c["FP"]) < a.per_type_min:
                fails.append("%s precision %.3f < %.2f" % (t, c["TP"] / (c["TP"] + c["FP"]), a.per_type_min))
            if c["TP"] + c["FN"] and c["TP"] / (c["TP"] + c["FN"]) < a.per_type_min:
                fails.append("%s recall %.3f < %.2f" % (t, c["TP"] / (c["TP"] + c["FN"]), a.per_type_min))

    if a.json_out:
        doc = {"overall": {"support": overall[1], "TP": tot["TP"], "FP": tot["FP"], "FN": tot["FN"],
                           "precision": prec, "recall": rec},
               "types": {t: dict(counts[t], support=counts[t]["TP"] + counts[t]["FN"]) for t in counts},
               "not_evaluated": sorted(excluded),
               "confusions": [{"kind": k, "source": s, "column": c, "type": t, "detail": x}
                              for k, s, c, t, x in confusions],
               "floors_failed": fails}
        with open(a.json_out, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=1)
            f.write("\n")

    summary = "accuracy: precision %s recall %s (%d TP, %d FP, %d FN)" % (
        overall[5], overall[6], tot["TP"], tot["FP"], tot["FN"])
    if fails:
        print(summary + ": FAIL: " + "; ".join(fails))
        return 1
    floors = [x for x in (
        a.min_precision is not None and "precision >= %.2f" % a.min_precision,
        a.min_recall is not None and "recall >= %.2f" % a.min_recall,
        a.per_type_min is not None and "every type >= %.2f" % a.per_type_min) if x]
    print(summary + (": ok (%s)" % ", ".join(floors) if floors else ""))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:                # quiet under `| head`
        sys.stderr.close()
        sys.exit(1)
