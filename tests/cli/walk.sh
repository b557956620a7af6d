#!/usr/bin/env bash
# walk.sh - walking a directory: byte order, recursion, FIFOs, dangling
# links and symlink loops are skipped (exit unchanged), non-UTF-8 names.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

W=$T/tree
mkdir -p "$W/subdir"
cp fixtures/demo/customers_kr.csv "$W/ok.csv"
cp fixtures/demo/orders.csv "$W/subdir/b.csv"
cp fixtures/malformed/header_only.csv "$W/100%.csv"
cp fixtures/malformed/header_only.csv "$W/$(printf 'caf\351.csv')"
mkfifo "$W/pipe.csv"
ln -s missing.csv "$W/dangling.csv"
ln -s loop2.csv "$W/loop1.csv"
ln -s loop1.csv "$W/loop2.csv"
ln -s ok.csv "$W/link_ok.csv"

run walk --cwd "$T" -- scan -f json tree
expect_exit 0
expect_json '[s["source"] for s in r["sources"]] == ["tree/100%25.csv", "tree/caf%E9.csv", "tree/dangling.csv", "tree/link_ok.csv", "tree/loop1.csv", "tree/loop2.csv", "tree/ok.csv", "tree/pipe.csv", "tree/subdir/b.csv"]' "byte order, recursive, names %XX-escaped"
case_done "walk: every entry in byte order of names, subdir recursed, exit 0 (FIFO did not block)"

expect_json '(lambda s: s["status"] == "skipped" and re.search(r"fifo|pipe|special|not a regular", s.get("error", ""), re.I))(S("tree/pipe.csv"))' "FIFO skipped, reason given"
case_done "FIFO: status skipped with a reason"

expect_json '(lambda s: s["status"] == "skipped" and re.search(r"link|dangling|no such|not exist|missing", s.get("error", ""), re.I))(S("tree/dangling.csv"))'
case_done "dangling symlink: status skipped with a reason"

expect_json 'all(S(n)["status"] == "skipped" and S(n).get("error") for n in ("tree/loop1.csv", "tree/loop2.csv"))'
case_done "symlink loop: both links skipped with a reason"

expect_json 'S("tree/ok.csv")["status"] == "ok" and F("tree/ok.csv", "주민등록번호", "kr.rrn")["confidence"] == "high"'
expect_json 'S("tree/subdir/b.csv")["status"] == "ok" and S("tree/subdir/b.csv")["rows_scanned"] == 200'
expect_json 'S("tree/link_ok.csv")["status"] == "ok" and same(norm(S("tree/link_ok.csv")), norm(S("tree/ok.csv")))' "a link inside the tree is followed"
case_done "regular files and an in-tree symlink are scanned"

expect_json 'r["errors"] == [] and all(s["status"] != "error" for s in r["sources"])' "skipped is not an error"
expect_json 'S("tree/100%25.csv")["status"] == "ok" and S("tree/caf%E9.csv")["status"] == "ok"'
case_done "skips do not count as errors; '%' and a non-UTF-8 byte in names are escaped (%25, %E9)"

run walk_text --cwd "$T" -- scan tree
expect_exit 0
expect_stdout_matches 'pipe\.csv.*skipped'
case_done "text format: the FIFO's line says skipped, exit 0"

run walk_fail --cwd "$T" -- scan -f json --fail-on high tree
expect_exit 1
case_done "--fail-on high with skips and a finding: exit 1 (skips do not raise it to 3)"

run include --cwd "$T" -- scan -f json --include 'ok.csv' tree
expect_exit 0
expect_json '[s["source"] for s in r["sources"]] == ["tree/ok.csv"]'
case_done "--include 'ok.csv' in a walked tree: only tree/ok.csv"

run exclude --cwd "$T" -- scan -f json --exclude 'subdir/*' --exclude 'loop*' tree
expect_exit 0
expect_json '[s["source"] for s in r["sources"]] == ["tree/100%25.csv", "tree/caf%E9.csv", "tree/dangling.csv", "tree/link_ok.csv", "tree/ok.csv", "tree/pipe.csv"]'
case_done "--exclude 'subdir/*' (relative path) --exclude 'loop*' (name): both applied"

check_no_leaks
finish
