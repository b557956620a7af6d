#!/usr/bin/env bash
# jobs.sh - parallel scans give byte-identical reports; a file big enough to
# be cut into record blocks gives exact counts (and distinct stays ~300).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

# big.csv: the multi-line customers variant's 300 records (quoted notes with
# newlines, ';', ',' and a record-shaped line inside quotes) repeated 250
# times: ~10 MB, 75,000 rows, several 4 MiB record blocks whose cuts must
# respect quotes.  big.csv.gz: the same, gzip.
K=250
python3 - "$T" "$K" <<'PY'
import gzip, sys
t, k = sys.argv[1], int(sys.argv[2])
data = open("fixtures/containers/customers_multiline.csv", "rb").read()
head, body = data.split(b"\n", 1)
big = head + b"\n" + body * k
open(t + "/big.csv", "wb").write(big)
open(t + "/big.csv.gz", "wb").write(gzip.compress(big, 6, mtime=0))
# wide.csv: 100 rows, one row whose quoted field is 6 MiB of record-shaped
# lines, then 99 rows (200 in all): a block cut can only fall outside it
rows = [r.split(b",") for r in data.split(b"\n")[1:301] if r.count(b",") == 9][:200]
fake = b"".join(b'%d,fake,""quoted"",x;y\n' % i for i in range(300000))
with open(t + "/wide.csv", "wb") as f:
    f.write(b"id,nric,notes\n")
    for i, r in enumerate(rows[:100]):
        f.write(b"%d,%s,plain\n" % (i, r[2].upper()))
    f.write(b'100,%s,"%s"\n' % (rows[100][2].upper(), fake))
    for i, r in enumerate(rows[101:], 101):
        f.write(b"%d,%s,plain\n" % (i, r[2].upper()))
PY
B=$T/big.csv
SRCS=(fixtures/demo fixtures/containers "$B" "$B.gz")

run j1 -- scan -f json -j1 "${SRCS[@]}"
expect_exit 0
run j4 -- scan -f json -j4 "${SRCS[@]}"
expect_exit 0
run j3 -- scan -f json --jobs 3 "${SRCS[@]}"
expect_exit 0
strip_generated_at "$(capture_of j1)" "$T/j1.json"
strip_generated_at "$(capture_of j4)" "$T/j4.json"
strip_generated_at "$(capture_of j3)" "$T/j3.json"
cmp -s "$T/j1.json" "$T/j4.json" || fail "-j1 and -j4 reports differ: $(cmp "$T/j1.json" "$T/j4.json" 2>&1 | head -n 1)"
cmp -s "$T/j1.json" "$T/j3.json" || fail "-j1 and --jobs 3 reports differ"
case_done "-j1, -j4, --jobs 3: byte-identical JSON (generated_at aside)"

run ref -- scan -f json fixtures/demo/customers.csv
expect_exit 0
case_done "reference scan of customers.csv"

expect_json_file "$(capture_of j4)" 'S("'$B'")["rows_scanned"] == 300 * '$K' and S("'$B'")["sampled"] is False'
expect_json_file "$(capture_of j4)" '(lambda f, g: f["checked"] == g["checked"] * '$K' and f["matched"] == g["matched"] * '$K' and f["confidence"] == "high")(F("'$B'", "nric", "sg.nric"), F(out("ref")["sources"][0], "nric", "sg.nric"))' "nric checked/matched = 250 × customers.csv"
expect_json_file "$(capture_of j4)" '(lambda f: f["matched"] == 15 * '$K' and f["free_text"] is True)(F("'$B'", "notes", "sg.phone"))' "notes phones = 250 × 15"
expect_json_file "$(capture_of j4)" '270 <= F("'$B'", "nric", "sg.nric")["distinct"] <= 330' "distinct ≈ 300 (the same 300 NRICs repeated), not 75,000"
case_done "big.csv (75,000 rows, several blocks) with -j4: counts exactly 250 × customers.csv, distinct ≈ 300"

expect_json_file "$(capture_of j4)" 'same(norm(S("'$B'.gz")), norm(S("'$B'")))'
case_done "big.csv.gz (one inflating thread, parallel parse): same inventory as big.csv"

W=$T/wide.csv
run wide1 -- scan -f json -j1 "$W"
expect_exit 0
run wide4 -- scan -f json -j4 "$W"
expect_exit 0
expect_json '(lambda s: s["status"] == "ok" and s["rows_scanned"] == 200)(S("'$W'"))' "200 records (the 6 MiB quoted field is one cell)"
expect_json '(lambda f: f["checked"] == 200 and f["matched"] == 200)(F("'$W'", "nric", "sg.nric"))'
strip_generated_at "$(capture_of wide1)" "$T/w1.json"
strip_generated_at "$(capture_of wide4)" "$T/w4.json"
cmp -s "$T/w1.json" "$T/w4.json" || fail "-j1 and -j4 differ on wide.csv"
case_done "a 6 MiB quoted field of record-shaped lines: 200 rows, 200 NRICs, same with -j1 and -j4"

run j1s -- scan -f json -j1 --sample 1000 "$B"
expect_exit 0
run j8s -- scan -f json -j8 --sample 1000 "$B"
expect_exit 0
expect_json 'S("'$B'")["rows_scanned"] == 1000 and S("'$B'")["sampled"] is True'
strip_generated_at "$(capture_of j1s)" "$T/j1s.json"
strip_generated_at "$(capture_of j8s)" "$T/j8s.json"
cmp -s "$T/j1s.json" "$T/j8s.json" || fail "--sample 1000 differs between -j1 and -j8"
case_done "--sample 1000 on big.csv: exactly 1000 rows, sampled, identical with -j1 and -j8"

run t1 -- scan -j1 "${SRCS[@]}"
expect_exit 0
run t4 -- scan -j4 "${SRCS[@]}"
expect_exit 0
cmp -s "$(capture_of t1)" "$(capture_of t4)" || fail "text reports differ between -j1 and -j4"
case_done "text report identical with -j1 and -j4"

check_no_leaks
finish
