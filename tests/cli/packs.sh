#!/usr/bin/env bash
# packs.sh - --packs DIR and $LETHE_PACKS: a custom pack is used instead of
# the built-in ones; a bad pack is a configuration error (exit 2) naming
# FILE:LINE.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

P=$T/packs_ok
mkdir -p "$P" "$T/packs_badkey" "$T/packs_badre" "$T/packs_badex"
cat >"$P/test.yaml" <<'YAML'
pack: test
version: 1
detectors:
  - id: test.code
    name: Test code
    category: other
    sensitivity: low
    pattern: '(?<![A-Za-z0-9])ZX-\d{6}(?![0-9])'
    headers: '(?i)zx'
    examples:
      match: ['ZX-123456', 'ref ZX-654321 here']
      reject: ['ZX-12345', 'AZX-123456']
YAML
# line 9: an unknown key
sed 's/^    headers: .*/    colour: blue/' "$P/test.yaml" >"$T/packs_badkey/bad.yaml"
# line 8: a pattern that does not compile
sed "s/^    pattern: .*/    pattern: '(unclosed'/" "$P/test.yaml" >"$T/packs_badre/badre.yaml"
# an example the pattern does not find
sed "s/^      match: .*/      match: ['ZX-12']/" "$P/test.yaml" >"$T/packs_badex/badex.yaml"
[ "$(sed -n 9p "$T/packs_badkey/bad.yaml")" = "    colour: blue" ] || echo "# packs.sh: fixture pack not as expected" >&2

python3 - "$T/codes.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open("fixtures/demo/customers.csv", newline="", encoding="utf-8")))[1:21]
with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "zx_code", "nric"])
    for i, r in enumerate(rows):
        w.writerow([i + 1, "ZX-%06d" % (100000 + 37 * i), r[2]])
PY

run custom -- scan -f json --all --packs "$P" "$T/codes.csv"
expect_exit 0
expect_json '(lambda f: f["category"] == "other" and f["matched"] == 20 and f["checked"] == 20)(F("'$T'/codes.csv", "zx_code", "test.code"))' "zx_code: test.code 20/20"
expect_json 'all(f["type"] != "sg.nric" for c in S("'$T'/codes.csv")["columns"] for f in c["findings"])' "the built-in packs are not loaded"
case_done "--packs DIR: the custom detector finds 20/20; built-in sg.nric not loaded"

run env_custom --env "LETHE_PACKS=$P" -- scan -f json --all "$T/codes.csv"
expect_exit 0
expect_json 'F("'$T'/codes.csv", "zx_code", "test.code")["matched"] == 20'
case_done "\$LETHE_PACKS=DIR: same custom detector"

run env_list --env "LETHE_PACKS=$P" -- packs list
expect_exit 0
expect_stdout_contains "test.code"
expect_stdout_not_contains "sg.nric"
run env_test --env "LETHE_PACKS=$P" -- packs test
expect_exit 0
case_done "packs list / packs test with \$LETHE_PACKS: only test.code, examples pass"

run flag_beats_env --env "LETHE_PACKS=$T/packs_badkey" -- scan -f json --all --packs "$P" "$T/codes.csv"
expect_exit 0
expect_json 'F("'$T'/codes.csv", "zx_code", "test.code")["matched"] == 20'
case_done "--packs wins over \$LETHE_PACKS (the bad env dir is not read)"

run badkey -- scan -f json --packs "$T/packs_badkey" fixtures/demo
expect_exit 2
expect_stdout_empty
expect_stderr_contains "bad.yaml:9"
expect_stderr_contains "colour"
case_done "pack with an unknown key: exit 2, stderr names bad.yaml:9 and the key"

run badkey_env --env "LETHE_PACKS=$T/packs_badkey" -- scan -f json fixtures/demo
expect_exit 2
expect_stderr_contains "bad.yaml:9"
case_done "same bad pack through \$LETHE_PACKS: exit 2, bad.yaml:9"

run badre -- scan -f json --packs "$T/packs_badre" fixtures/demo
expect_exit 2
expect_stdout_empty
expect_stderr_contains "badre.yaml:8"
case_done "pack with a pattern that does not compile: exit 2, badre.yaml:8"

run badex --env "LETHE_PACKS=$T/packs_badex" -- packs test
[ "$(rc)" != 0 ] || fail "packs test passed with a failing example"
grep -q "test.code" "$LAST.out" "$LAST.err" || fail "the failing detector test.code is not named"
case_done "packs test with an example that does not match: non-zero exit, names test.code"

run nodir -- scan -f json --packs "$T/no-such-dir" fixtures/demo
expect_exit 2
expect_stdout_empty
case_done "--packs pointing nowhere: exit 2"

run default -- scan -f json fixtures/demo/customers.csv
expect_exit 0
run explicit -- scan -f json --packs patterns fixtures/demo/customers.csv
expect_exit 0
expect_json 'same(norm(r["sources"]), norm(out("default")["sources"]))'
case_done "--packs patterns (the source tree's packs) = the default lookup"

check_no_leaks
finish
