#!/usr/bin/env bash
# malformed.sh - sources that cannot be read completely are errors (exit 3)
# naming the place; the others are still scanned.  Empty, header-only,
# invalid UTF-8 and ragged files are read (exit 0).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

M=fixtures/malformed
OR=fixtures/demo/orders.csv
CU=fixtures/demo/customers.csv

run walk -- scan -f json $M
expect_exit 3
expect_json 'all(S("'$M'/" + n)["status"] == "error" for n in ("corrupt_crc.csv.gz", "truncated.csv.gz", "unbalanced_quote.csv"))'
expect_json 'all(S("'$M'/" + n)["status"] == "ok" for n in ("empty.csv", "header_only.csv", "invalid_utf8.csv", "ragged.csv"))'
expect_json 'sorted((e["source"], e["error"]) for e in r["errors"]) == sorted((s["source"], s["error"]) for s in r["sources"] if s["status"] == "error")' "errors[] lists exactly the sources in error, with the same reasons"
expect_json 'r["summary"]["sources"] == len(r["sources"])'
case_done "malformed/ walked: 3 errors (gzip truncated, CRC, quote), 4 ok, exit 3, errors[] = error sources"

run truncated -- scan -f json $M/truncated.csv.gz $CU
expect_exit 3
expect_json '(lambda s: s["status"] == "error" and "truncated" in s["error"] and re.search(r"byte \d+", s["error"]))(S("'$M'/truncated.csv.gz"))' "error says truncated, at a byte"
expect_json 'S("'$CU'")["status"] == "ok" and S("'$CU'")["rows_scanned"] == 300 and F("'$CU'", "nric", "sg.nric")["confidence"] == "high"' "the other source is scanned in full"
expect_json 'r["errors"] == [{"source": "'$M'/truncated.csv.gz", "error": S("'$M'/truncated.csv.gz")["error"]}]'
case_done "truncated gzip: error 'truncated … byte N', exit 3; customers.csv in the same run ok"

run truncated_text -- scan $M/truncated.csv.gz $OR
expect_exit 3
expect_stdout_matches 'truncated\.csv\.gz.*error'
expect_stdout_matches 'orders\.csv'
case_done "truncated gzip, text format: the source's line says error; exit 3"

run crc -- scan -f json $M/corrupt_crc.csv.gz $OR
expect_exit 3
expect_json '(lambda s: s["status"] == "error" and re.search(r"crc|checksum|corrupt", s["error"], re.I))(S("'$M'/corrupt_crc.csv.gz"))' "error names the CRC"
expect_json 'S("'$OR'")["status"] == "ok"'
case_done "gzip with a flipped CRC byte: error, exit 3; orders.csv ok"

run unbalanced -- scan -f json $M/unbalanced_quote.csv
expect_exit 3
expect_json '(lambda e: re.search(r"quot", e, re.I) and re.search(r"\bline %d\b" % facts["unbalanced_quote"]["line"], e))(S("'$M'/unbalanced_quote.csv")["error"])' "error names the quote and line 21"
case_done "quote opened on line 21 and never closed: error naming line 21, exit 3"

run png -- scan -f json $M/binary.png $OR
expect_exit 3
expect_json 'S("'$M'/binary.png")["status"] == "error" and "not text" in S("'$M'/binary.png")["error"]'
expect_json 'S("'$OR'")["status"] == "ok"'
case_done "a PNG: error 'not text', exit 3"

for f in empty.csv header_only.csv; do
	run "$f" -- scan -f json $M/$f
	expect_exit 0
	expect_json '(lambda s: s["status"] == "ok" and s["rows_scanned"] == 0 and s["columns"] == [])(S("'$M/$f'"))'
	case_done "$f: status ok, rows_scanned 0, no columns, exit 0"
done

run invalid_utf8 -- scan -f json $M/invalid_utf8.csv
expect_exit 0
expect_json '(lambda s: s["status"] == "ok" and s["rows_scanned"] == 30 and s["encoding"] == "utf-8" and s["encoding_errors"] == facts["invalid_utf8"]["encoding_errors"])(S("'$M'/invalid_utf8.csv"))' "ok, utf-8, 30 rows, 4 encoding errors (0xFF, lone 0xC3, NUL, 0xFF)"
expect_json '(lambda f: f["confidence"] == "high" and f["matched"] == 30)(F("'$M'/invalid_utf8.csv", "nric", "sg.nric"))' "the NRIC column is still read"
case_done "invalid UTF-8 + NUL: ok, encoding_errors 4, nric still found, exit 0"

run invalid_text -- scan $M/invalid_utf8.csv
expect_exit 0
expect_stdout_matches '^[[:space:]]+warning:.*\<4\>'
run invalid_quiet -- scan -q $M/invalid_utf8.csv
expect_exit 0
expect_stderr_empty
case_done "invalid UTF-8, text format: a warning line naming the 4 replaced bytes; -q: nothing on stderr"

run invalid_strict -- scan -f json --encoding-errors strict $M/invalid_utf8.csv $OR
expect_exit 3
expect_json '(lambda s: s["status"] == "error" and re.search(r"\bbyte %d\b" % facts["invalid_utf8"]["first_bad_byte"], s["error"]))(S("'$M'/invalid_utf8.csv"))' "error names byte $(python3 -c 'import json;print(json.load(open("fixtures/expected/facts.json"))["invalid_utf8"]["first_bad_byte"])') (0-based offset of the first 0xFF)"
expect_json 'S("'$OR'")["status"] == "ok"'
case_done "--encoding-errors strict: error at the first invalid byte's offset, exit 3"

run ragged -- scan -f json $M/ragged.csv
expect_exit 0
expect_json '(lambda s: s["status"] == "ok" and s["rows_scanned"] == 20 and s["ragged_rows"] == 3)(S("'$M'/ragged.csv"))'
case_done "ragged rows: ok, rows_scanned 20, ragged_rows 3"

run missing -- scan -f json "$T/no-such-file.csv" $OR
expect_exit 3
expect_json '(lambda s: s["status"] == "error" and s["error"] != "")(S("'$T'/no-such-file.csv"))'
expect_json 'S("'$OR'")["status"] == "ok" and S("'$OR'")["rows_scanned"] == 200'
case_done "nonexistent path: error, exit 3; the other source scanned"

# a 40 MiB field (generated here, not committed)
python3 -c '
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"id,blob\n1,")
    f.write(b"a" * (40 << 20))
    f.write(b"\n2,x\n")' "$T/bigfield.csv"
run bigfield -- scan -f json "$T/bigfield.csv" $OR
expect_exit 3
expect_json '(lambda e: "field larger than" in e and re.search(r"\bline 2\b", e) and re.search(r"byte \d+", e))(S("'$T'/bigfield.csv")["error"])' "'field larger than … (line 2, byte N)'"
expect_json 'S("'$OR'")["status"] == "ok"'
case_done "40 MiB field over the 32 MiB default: error 'field larger than' on line 2, exit 3"

run bigfield_ok -- scan -f json --max-field-size 64000000 "$T/bigfield.csv"
expect_exit 0
expect_json 'S("'$T'/bigfield.csv")["status"] == "ok" and S("'$T'/bigfield.csv")["rows_scanned"] == 2'
case_done "--max-field-size 64000000: the 40 MiB field is read, 2 rows, exit 0"
rm -f "$T/bigfield.csv"

# a small cap: the first field over 12 bytes is on the first data line
L=$(python3 -c '
import csv
for i, r in enumerate(csv.reader(open("fixtures/demo/customers.csv", newline="", encoding="utf-8")), 1):
    if any(len(c.encode()) > 12 for c in r):
        print(i); break')
run smallcap -- scan -f json --max-field-size 12 $CU
expect_exit 3
expect_json '(lambda e: "field larger than 12 bytes" in e and re.search(r"\bline '"$L"'\b", e))(S("'$CU'")["error"])'
case_done "--max-field-size 12: 'field larger than 12 bytes' on line $L, exit 3"

check_no_leaks
finish
