#!/usr/bin/env bash
# containers.sh - one dataset in every container and encoding gives the same
# inventory; delimiters, --include/--exclude, stdin, --no-header,
# --encoding, one-column text.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

D=fixtures/containers
run ref -- scan -f json fixtures/demo/customers.csv
expect_exit 0
run refkr -- scan -f json fixtures/demo/customers_kr.csv
expect_exit 0
case_done "reference scans of customers.csv and customers_kr.csv"

run all -- scan -f json $D
expect_exit 0
expect_json '[s["source"] for s in r["sources"]] == ["'$D'/customers.csv.gz", "'$D'/customers.tsv", "'$D'/customers.zip:customers.csv", "'$D'/customers.zip:kr/customers_kr.csv", "'$D'/customers_bom_crlf.csv", "'$D'/customers_concat.csv.gz", "'$D'/customers_kr_cp949.csv", "'$D'/customers_kr_utf16le.csv", "'$D'/customers_multiline.csv", "'$D'/customers_semicolon.csv"]' "walk order (byte order) with zip members as ARCHIVE:MEMBER"
expect_json 'all(s["status"] == "ok" for s in r["sources"])'
case_done "containers/: ten sources (zip members named ARCHIVE:MEMBER), all ok"

# each variant: the same inventory as its reference once the source,
# container, encoding and delimiter fields are removed
for v in customers.csv.gz customers_concat.csv.gz customers_bom_crlf.csv \
	customers_semicolon.csv customers.tsv customers_multiline.csv \
	customers.zip:customers.csv; do
	expect_json 'same(norm(S("'$D/$v'")), norm(out("ref")["sources"][0]))'
	case_done "$v: same columns, findings and rows_scanned as demo/customers.csv"
done
for v in customers.zip:kr/customers_kr.csv customers_kr_cp949.csv customers_kr_utf16le.csv; do
	expect_json 'same(norm(S("'$D/$v'")), norm(out("refkr")["sources"][0]))'
	case_done "$v: same columns, findings and rows_scanned as demo/customers_kr.csv"
done

expect_json 'all(S(n)["container"] == "gzip" for n in ("'$D'/customers.csv.gz", "'$D'/customers_concat.csv.gz"))'
expect_json 'all(S(n)["container"] == "zip" for n in ("'$D'/customers.zip:customers.csv", "'$D'/customers.zip:kr/customers_kr.csv"))'
expect_json 'all(s["container"] == "plain" for s in r["sources"] if not re.search(r"\.(gz|zip:.*)$", s["source"]))'
case_done "container: gzip for .gz (also two members), zip for members, plain otherwise"

expect_json 'S("'$D'/customers_semicolon.csv")["delimiter"] == ";"'
expect_json 'S("'$D'/customers.tsv")["delimiter"] == "\t"'
expect_json 'all(s["delimiter"] == "," for s in r["sources"] if not s["source"].endswith(("semicolon.csv", ".tsv")))'
case_done "delimiter sniffed: ';' and TAB, ',' elsewhere"

expect_json 'S("'$D'/customers_kr_cp949.csv")["encoding"] == "cp949"'
expect_json 'S("'$D'/customers_kr_utf16le.csv")["encoding"] == "utf-16le"'
expect_json 'S("'$D'/customers_bom_crlf.csv")["encoding"] == "utf-8"'
expect_json 'all(s["encoding_errors"] == 0 for s in r["sources"])'
case_done "encoding detected: cp949 (no BOM), utf-16le (BOM), utf-8 (BOM stripped: first column is customer_id); no errors"

expect_json 'S("'$D'/customers_multiline.csv")["rows_scanned"] == 300' "embedded newlines and a record-shaped line inside quotes are one record"
case_done "multi-line variant: 300 records"

# a BOM right before the first header name must not become part of it
python3 - "$T/bom_first.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open("fixtures/demo/customers.csv", newline="", encoding="utf-8")))
with open(sys.argv[1], "w", newline="", encoding="utf-8-sig") as f:
    csv.writer(f, lineterminator="\r\n").writerows([[r[2], r[4]] for r in rows])
PY
run bom_first -- scan -f json "$T/bom_first.csv"
expect_exit 0
expect_json '[c["name"] for c in S("'$T'/bom_first.csv")["columns"]] == ["nric", "email"] and F("'$T'/bom_first.csv", "nric", "sg.nric")["confidence"] == "high"'
case_done "UTF-8 BOM before the first header: first column is named 'nric' (BOM stripped)"

run direct_gz -- scan -f json $D/customers.csv.gz
expect_exit 0
expect_json 'same(norm(S("'$D'/customers.csv.gz")), norm(out("ref")["sources"][0]))'
case_done "a .gz named on the command line: same inventory"

run forced_cp949 -- scan -f json --encoding cp949 $D/customers_kr_cp949.csv
expect_exit 0
expect_json 'same(norm(S("'$D'/customers_kr_cp949.csv")), norm(out("refkr")["sources"][0]))'
case_done "--encoding cp949: same inventory as the UTF-8 file"

run forced_utf8 -- scan -f json --encoding utf-8 $D/customers_kr_cp949.csv
expect_exit 0
expect_json 'S("'$D'/customers_kr_cp949.csv")["status"] == "ok" and S("'$D'/customers_kr_cp949.csv")["encoding_errors"] > 0' "CP949 bytes read as UTF-8 are replaced and counted"
run forced_utf8_strict -- scan -f json --encoding utf-8 --encoding-errors strict $D/customers_kr_cp949.csv
expect_exit 3
expect_json 'S("'$D'/customers_kr_cp949.csv")["status"] == "error" and re.search(r"byte \d+", S("'$D'/customers_kr_cp949.csv")["error"])'
case_done "--encoding utf-8 on CP949: replaced + counted; with strict: error at a byte, exit 3"

run forced_delim -- scan -f json --delimiter ';' $D/customers_semicolon.csv
expect_exit 0
expect_json 'same(norm(S("'$D'/customers_semicolon.csv")), norm(out("ref")["sources"][0]))'
case_done "--delimiter ';': same inventory"

run include_tsv -- scan -f json --include '*.tsv' $D
expect_exit 0
expect_json '[s["source"] for s in r["sources"]] == ["'$D'/customers.tsv"]'
case_done "--include '*.tsv': only customers.tsv"

run exclude_gz -- scan -f json --exclude '*.gz' $D
expect_exit 0
expect_json '[s["source"] for s in r["sources"]] == [s["source"] for s in out("all")["sources"] if not s["source"].endswith(".gz")]'
case_done "--exclude '*.gz': everything but the two .gz files"

run stdin_pipe --pipe fixtures/demo/customers.csv -- scan -f json -
expect_exit 0
expect_json '[s["source"] for s in r["sources"]] == ["-"]'
expect_json 'same({k: S("-")[k] for k in ("status", "rows_scanned", "sampled", "columns")}, {k: out("ref")["sources"][0][k] for k in ("status", "rows_scanned", "sampled", "columns")})'
case_done "stdin '-' (a pipe): source '-', same rows and columns as the file"

tail -n +2 fixtures/demo/customers.csv >"$T/noheader.csv"
run no_header -- scan -f json --no-header "$T/noheader.csv"
expect_exit 0
expect_json 'S("'$T'/noheader.csv")["rows_scanned"] == 300'
expect_json '[(f["type"], f["confidence"], f["matched"]) for c in S("'$T'/noheader.csv")["columns"] if c["index"] == 2 for f in c["findings"] if f["type"] == "sg.nric"] == [("sg.nric", "high", F(out("ref")["sources"][0], "nric", "sg.nric")["matched"])]' "column index 2 is sg.nric high with the same matches"
run with_header -- scan -f json "$T/noheader.csv"
expect_exit 0
expect_json 'S("'$T'/noheader.csv")["rows_scanned"] == 299' "without --no-header the first record is the header"
case_done "--no-header: 300 rows, column 2 sg.nric; without it 299 rows"

{ echo contact; cut -d, -f5 fixtures/demo/customers.csv | grep @ | head -n 40; } >"$T/contacts.txt"
run one_col -- scan -f json "$T/contacts.txt"
expect_exit 0
expect_json '[(c["name"], c["index"]) for c in S("'$T'/contacts.txt")["columns"]] == [("contact", 0)] and F("'$T'/contacts.txt", "contact", "email")["matched"] == 40'
case_done "text without a delimiter is one column: contact, email 40/40"

check_no_leaks
finish
