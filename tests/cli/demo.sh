#!/usr/bin/env bash
# demo.sh - fixtures/demo: what must be found, what must not, the report's
# shape, --fail-on, --sample, --all, -o, the text format.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

CU=fixtures/demo/customers.csv
KR=fixtures/demo/customers_kr.csv
OR=fixtures/demo/orders.csv
MEDHIGH='("medium", "high")'

run demo -- scan -f json fixtures/demo
expect_exit 0
expect_json 'r["report"] == "lethe.inventory" and r["version"] == 1'
expect_json 're.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["generated_at"])' "generated_at is UTC ISO 8601 (…Z)"
expect_json 'r["errors"] == []'
case_done "demo: exit 0 (no --fail-on), report lethe.inventory v1, generated_at …Z, no errors"

expect_json '[s["source"] for s in r["sources"]] == ["'$CU'", "'$KR'", "'$OR'"]' "sources in byte order of names"
expect_json 'all(s["status"] == "ok" and s["kind"] == "file" and s["container"] == "plain" and s["encoding"] == "utf-8" and s["delimiter"] == "," and s["encoding_errors"] == 0 and s["ragged_rows"] == 0 and s["sampled"] is False for s in r["sources"])'
case_done "demo: three sources in byte order, status ok, plain utf-8 ',' files, not sampled"

expect_json '[S(n)["rows_scanned"] for n in ("'$CU'", "'$KR'", "'$OR'")] == [facts["customers"]["rows"], facts["customers_kr"]["rows"], facts["orders"]["rows"]]'
case_done "demo: rows_scanned 300 / 120 / 200"

expect_json 'C("'$CU'", "nric")["index"] == 2 and C("'$CU'", "nric")["non_empty"] == 300'
expect_json 'F("'$CU'", "nric", "sg.nric")["confidence"] == "high"'
expect_json '(lambda f: f["category"] == "national_id" and f["sensitivity"] == "high" and f["checked"] == 300 and f["free_text"] is False)(F("'$CU'", "nric", "sg.nric"))'
expect_json '300 - facts["customers"]["nric_lower"] <= F("'$CU'", "nric", "sg.nric")["matched"] <= 300' "matched: every upper-case NRIC (294), at most all 300"
expect_json '(lambda f: abs(f["ratio"] - f["matched"] / f["checked"]) < 0.001)(F("'$CU'", "nric", "sg.nric"))' "ratio = matched / checked"
expect_json '(lambda f: 0.9 * f["matched"] <= f["distinct"] <= 1.1 * f["matched"])(F("'$CU'", "nric", "sg.nric"))' "distinct within 10% of matched (all NRICs differ)"
expect_json '(lambda s: 1 <= len(s) <= 3 and all("•" in x and len(x) <= 12 for x in s))(F("'$CU'", "nric", "sg.nric")["samples"])' "1-3 masked samples (with •)"
case_done "customers.csv nric: sg.nric, high, national_id/high, checked 300, matched ≥294, masked samples"

expect_json 'C("'$CU'", "mobile")["index"] == 3 and C("'$CU'", "mobile")["non_empty"] == facts["customers"]["mobile"]'
expect_json '(lambda f: f["confidence"] in '"$MEDHIGH"' and f["category"] == "phone" and f["checked"] == facts["customers"]["mobile"] and f["matched"] == f["checked"])(F("'$CU'", "mobile", "sg.phone"))' "every written SG mobile matches"
case_done "customers.csv mobile: sg.phone ≥ medium, all 294 non-empty cells matched"

expect_json 'C("'$CU'", "email")["index"] == 4'
expect_json '(lambda f: f["confidence"] in '"$MEDHIGH"' and f["category"] == "email" and f["checked"] == facts["customers"]["email"] and f["matched"] == f["checked"])(F("'$CU'", "email", "email"))'
case_done "customers.csv email: email ≥ medium, all 291 matched"

expect_json 'C("'$CU'", "card_no")["index"] == 5'
expect_json '(lambda f: f["confidence"] in '"$MEDHIGH"' and f["category"] == "payment_card" and f["checked"] == facts["customers"]["card"] and f["matched"] == f["checked"])(F("'$CU'", "card_no", "payment_card"))' "every Luhn card (grouped or contiguous) matches"
case_done "customers.csv card_no: payment_card ≥ medium, all 257 matched (spaced, dashed, contiguous)"

expect_json 'C("'$CU'", "notes")["index"] == 8'
expect_json '(lambda f: f["confidence"] in '"$MEDHIGH"' and f["free_text"] is True and f["checked"] == facts["customers"]["notes"] and f["matched"] == facts["customers"]["notes_phone"])(F("'$CU'", "notes", "sg.phone"))' "notes: sg.phone, free text, 15 of 118 cells"
case_done "customers.csv notes: sg.phone in free text (15 of 118 notes), ≥ medium"

for c in customer_id order_ref sku created_at; do
	expect_json 'C("'$CU'", "'$c'") is None' "column $c must not be reported"
done
expect_json 'set(show(cols("'$CU'"))) - {"full_name"} == {"nric", "mobile", "email", "card_no", "notes"}' "reported columns: nric mobile email card_no notes (full_name allowed)"
case_done "customers.csv: NOT order_ref (NRIC-shaped, wrong check letter), sku, customer_id, created_at"

expect_json 'C("'$KR'", "주민등록번호")["index"] == 2'
expect_json '(lambda f: f["confidence"] == "high" and f["category"] == "national_id" and f["checked"] == 120 and f["matched"] == 120)(F("'$KR'", "주민등록번호", "kr.rrn"))' "all 120 RRNs, incl. 6 post-Oct-2020 ones without a check digit"
case_done "customers_kr.csv 주민등록번호: kr.rrn high, 120/120 (post-2020 numbers accepted)"

expect_json '(lambda f: f["confidence"] in '"$MEDHIGH"' and f["category"] == "phone" and f["matched"] == 120)(F("'$KR'", "휴대폰", "kr.phone"))'
expect_json '(lambda f: f["confidence"] in '"$MEDHIGH"' and f["matched"] == 120)(F("'$KR'", "이메일", "email"))'
expect_json 'set(cols("'$KR'")) - {"이름"} == {"주민등록번호", "휴대폰", "이메일"}' "not 고객번호, not 가입일"
case_done "customers_kr.csv: 휴대폰 kr.phone, 이메일 email; 고객번호 and 가입일 not reported"

expect_json 'show(found("'$OR'")) == []' "orders.csv holds no personal data"
case_done "orders.csv (order ids 45…, EAN-13, epoch millis): no column reported"

expect_json 'r["summary"]["sources"] == 3'
expect_json 'r["summary"]["columns_with_personal_data"] == sum(len(s["columns"]) for s in r["sources"])'
expect_json '(lambda b: b.get("sg.nric") == 1 and b.get("kr.rrn") == 1 and b.get("email") == 2 and b.get("payment_card") == 1 and b.get("kr.phone") == 1 and b.get("sg.phone", 0) >= 2)(show(r["summary"]["by_type"]))' "by_type: sg.nric 1, kr.rrn 1, email 2, payment_card 1, kr.phone 1, sg.phone ≥2"
expect_json '(lambda c: c.get("national_id") == 2 and c.get("email") == 2 and c.get("payment_card") == 1 and c.get("phone", 0) >= 3)(show(r["summary"]["by_category"]))' "by_category: national_id 2, email 2, payment_card 1, phone ≥3"
case_done "summary: 3 sources, column count and by_type/by_category agree with the columns"

expect_json 'all(f["confidence"] in '"$MEDHIGH"' for s in r["sources"] for c in s["columns"] for f in c["findings"])' "low findings appear only with --all"
case_done "without --all no finding below medium is shown"

run all -- scan -f json --all fixtures/demo
expect_exit 0
expect_json 'set(cols("'$CU'")) >= set(cols(out("demo")["sources"][0]))' "--all keeps every default column"
expect_json 'all(f["confidence"] == "low" or (f["type"] != "sg.nric") for f in (C("'$CU'", "order_ref") or {"findings": []})["findings"])' "order_ref: at most a low hint, never sg.nric at medium/high"
expect_json 'not types("'$CU'", "order_ref") and not types("'$CU'", "sku") and not [x for x in show(found("'$OR'")) if x[2] != "low"]' "--all adds only low findings to the lookalike columns"
case_done "--all: same columns plus low hints; order_ref/sku/orders still nothing at medium/high"

run fail_high -- scan -f json --fail-on high fixtures/demo
expect_exit 1
expect_json 'F("'$CU'", "nric", "sg.nric")["confidence"] == "high"' "the report is still written"
case_done "--fail-on high on demo: exit 1, report still on stdout"

run fail_medium -- scan --fail-on medium fixtures/demo
expect_exit 1
case_done "--fail-on medium on demo: exit 1"

run fail_orders -- scan -f json --fail-on medium $OR
expect_exit 0 || expect_json 'show(found("'$OR'")) and False' "what was found"
case_done "--fail-on medium on orders.csv (nothing at medium): exit 0"

run sample10 -- scan -f json --sample 10 $CU
expect_exit 0
expect_json 'S("'$CU'")["rows_scanned"] == 10 and S("'$CU'")["sampled"] is True'
expect_json 'F("'$CU'", "nric", "sg.nric")["checked"] == 10'
case_done "--sample 10: rows_scanned 10, sampled true, 10 cells checked"

run sample_gz -- scan -f json --sample 10 fixtures/containers/customers.csv.gz
expect_exit 0
expect_json 'S("fixtures/containers/customers.csv.gz")["rows_scanned"] == 10 and S("fixtures/containers/customers.csv.gz")["sampled"] is True'
case_done "--sample 10 on gzip: rows_scanned 10, sampled true"

run sample300 -- scan -f json --sample 300 $CU
expect_exit 0
expect_json 'S("'$CU'")["rows_scanned"] == 300 and S("'$CU'")["sampled"] is False' "300 of 300 rows read is not a sample"
run sample1000 -- scan -f json --sample 1000 $CU
expect_exit 0
expect_json 'S("'$CU'")["rows_scanned"] == 300 and S("'$CU'")["sampled"] is False'
case_done "--sample 300 and 1000 on a 300-row file: rows_scanned 300, sampled false"

# -o: atomic write, nothing on stdout, no temporary left behind
mkdir -p "$T/o"
echo "old content" >"$T/o/out.json"
run out_json -- scan -f json -o "$T/o/out.json" fixtures/demo
expect_exit 0
expect_stdout_empty
leak_watch "$T/o/out.json"
[ "$(ls -A "$T/o")" = "out.json" ] || fail "files left in the output dir: $(ls -A "$T/o" | tr '\n' ' ')"
strip_generated_at "$T/o/out.json" "$T/o.a"
strip_generated_at "$(capture_of demo)" "$T/o.b"
cmp -s "$T/o.a" "$T/o.b" || fail "-o file differs from the stdout report (beyond generated_at)"
case_done "-o FILE: replaces FILE with the same report, stdout empty, no temp file left"

mkdir -p "$T/o2"
run out_text -- scan -o "$T/o2/report.txt" fixtures/demo
expect_exit 0
expect_stdout_empty
leak_watch "$T/o2/report.txt"
[ "$(ls -A "$T/o2")" = "report.txt" ] || fail "files left: $(ls -A "$T/o2" | tr '\n' ' ')"
grep -q "customers.csv" "$T/o2/report.txt" 2>/dev/null || fail "text report file lacks customers.csv"
case_done "-o with the text format writes the text report there"

run out_fail -- scan -f json --fail-on high -o "$T/o/fail.json" fixtures/demo
expect_exit 1
leak_watch "$T/o/fail.json"
expect_json_file "$T/o/fail.json" 'F("'$CU'", "nric", "sg.nric")["confidence"] == "high"' "report written with exit 1"
case_done "-o with --fail-on: file written, exit 1"

# text format: one line per personal-data column, a summary line
run text -- scan fixtures/demo
expect_exit 0
python3 - "$LAST.out" "$(capture_of demo)" >"$T/text.why" 2>&1 <<'PY' || fail "text report: $(cat "$T/text.why")"
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
r = json.load(open(sys.argv[2], encoding="utf-8"))
lines = text.splitlines()
problems = []
if "\x1b[" in text:
    problems.append("ANSI colour codes while stdout is not a terminal")
ncols = r["summary"]["columns_with_personal_data"]
col_lines = [l for l in lines if re.match(r"^\s+\S", l) and not re.match(r"^\s+warning:", l)]
if len(col_lines) != ncols:
    problems.append("%d indented column lines, JSON has %d columns" % (len(col_lines), ncols))
for s in r["sources"]:
    if not any(s["source"] in l and not l.startswith(" ") for l in lines):
        problems.append("no source line for " + s["source"])
    for c in s["columns"]:
        t = c["findings"][0]["type"]
        if not any(l.split() and l.split()[0] == c["name"] and t in l.split() for l in col_lines):
            problems.append("no line '%s ... %s'" % (c["name"], t))
if not any("orders.csv" in l and "no personal data" in l for l in lines):
    problems.append("orders.csv line does not say 'no personal data'")
if not any(re.search(r"\b%d columns\b" % ncols, l) for l in lines):
    problems.append("no summary line with '%d columns'" % ncols)
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
case_done "--format text: a line per source, one line per personal-data column (name + type), 'N columns' summary, no colour"

run text_explicit -- scan --format text fixtures/demo
expect_exit 0
cmp -s "$LAST.out" "$(capture_of text)" || fail "--format text differs from the default format"
case_done "--format text is the default"

run quiet -- scan -q -f json fixtures/demo
expect_exit 0
expect_stderr_empty
run noprog -- scan --no-progress -f json fixtures/demo
expect_exit 0
expect_stderr_empty
case_done "-q and --no-progress: nothing on stderr for a clean scan"

run quiet_err -- scan -q -f json fixtures/demo/orders.csv "$T/does-not-exist.csv"
expect_exit 3
[ -s "$LAST.err" ] || fail "-q hid the error"
case_done "-q still shows errors (missing source: exit 3, stderr not empty)"

# stdout: a failed write is an error; a reader that goes away is not
"$LETHE" scan -f json fixtures/demo >/dev/full 2>"$T/devfull.err" </dev/null
st=$?
leak_watch "$T/devfull.err"
[ "$st" != 0 ] || fail "exit 0 although stdout (/dev/full) could not be written"
grep -q . "$T/devfull.err" || fail "nothing on stderr about the failed write"
case_done "report to /dev/full: non-zero exit and a message (the close of stdout is checked)"

mkdir -p "$T/many"
for i in $(seq -w 1 24); do cp $CU "$T/many/c$i.csv"; done
timeout 60 "$LETHE" scan -f json "$T/many" 2>"$T/pipe.err" </dev/null | head -c 100 >/dev/null
leak_watch "$T/pipe.err"
if grep -q -i -E 'pipe|write' "$T/pipe.err"; then
	fail "a reader that closes early gives: $(_masked_tail "$T/pipe.err" 1)"
fi
case_done "broken pipe (report > 64 KiB into head -c 100): ends quietly, no message"

check_no_leaks
finish
