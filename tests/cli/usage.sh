#!/usr/bin/env bash
# usage.sh - usage errors exit 2 with "try 'lethe help scan'"; exit-code
# precedence 2 > 3 > 1.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

TRY="try 'lethe help scan'"

# one line "lethe: ...", then the try line; nothing on stdout
usage_case() { # TITLE ARGS...
	local title=$1; shift
	run usage -- scan "$@"
	expect_exit 2
	expect_stdout_empty
	expect_stderr_contains "$TRY"
	expect_stderr_matches '^lethe: '
	[ "$(wc -l <"$LAST.err")" -eq 2 ] ||
		{ fail "stderr has $(wc -l <"$LAST.err") lines, want 2 (message, try line)"; _detail "$(_masked_tail "$LAST.err" 4)"; }
	case_done "usage error, $title: exit 2, one message line + \"$TRY\""
}

usage_case "unknown flag" --no-such-flag fixtures/demo
usage_case "unknown format" -f yaml fixtures/demo
usage_case "unknown --fail-on level" --fail-on extreme fixtures/demo
usage_case "non-numeric -j" -j abc fixtures/demo
usage_case "non-numeric --sample" --sample many fixtures/demo
usage_case "non-numeric --max-field-size" --max-field-size big fixtures/demo
usage_case "unknown --encoding-errors" --encoding-errors sometimes fixtures/demo
usage_case "unknown --encoding" --encoding klingon fixtures/demo
usage_case "no SOURCE" -f json

run usage_o -- scan -f json -o "$T/never.json" --no-such-flag fixtures/demo
expect_exit 2
[ ! -e "$T/never.json" ] || fail "-o file created despite the usage error"
[ -z "$(ls -A "$T" | grep -v '^cap$')" ] || fail "files left in the output dir: $(ls -A "$T" | grep -v '^cap$' | tr '\n' ' ')"
case_done "usage error with -o: exit 2, no output file, nothing left behind"

# -o onto something that is not a regular file: written in place, never
# renamed over (a FIFO here, as /dev/null would be)
mkfifo "$T/pipe"
timeout 20 cat "$T/pipe" >"$T/from_pipe" &   # never waits for ever
reader=$!
run o_fifo -- scan -f json -o "$T/pipe" fixtures/demo/customers.csv
expect_exit 0
wait "$reader"
[ -p "$T/pipe" ] || fail "-o replaced the FIFO with a file"
grep -q '"sources"' "$T/from_pipe" || fail "the report did not come through the FIFO"
[ -z "$(ls -A "$T" | grep -v '^cap$\|^pipe$\|^from_pipe$')" ] || fail "files left beside the FIFO"
case_done "-o onto a FIFO (or /dev/null): written in place, the FIFO stays one"

run o_dir -- scan -f json -o "$T" fixtures/malformed/truncated.csv.gz
expect_exit 2
expect_stderr_contains "Is a directory"
grep -q truncated "$LAST.err" && fail "the source was read before the output was checked"
expect_stdout_empty
case_done "-o onto a directory: exit 2 before any source is read, says so"

run o_missing -- scan -f json -o "$T/no/such/dir/r.json" fixtures/malformed/truncated.csv.gz
expect_exit 2
expect_stderr_contains "cannot create output"
grep -q truncated "$LAST.err" && fail "the source was read before the output was checked"
case_done "-o into a missing directory: exit 2 before any source is read"

run prec21 -- scan --fail-on high --no-such-flag fixtures/demo
expect_exit 2
expect_stdout_empty
case_done "precedence: usage error (2) beats findings (1)"

run prec23 -- scan -f json --no-such-flag fixtures/demo fixtures/malformed/truncated.csv.gz
expect_exit 2
expect_stdout_empty
case_done "precedence: usage error (2) beats an unreadable source (3)"

run prec31 -- scan -f json --fail-on high fixtures/demo fixtures/malformed/truncated.csv.gz
expect_exit 3
expect_json 'S("fixtures/demo/customers.csv")["status"] == "ok" and F("fixtures/demo/customers.csv", "nric", "sg.nric")["confidence"] == "high"' \
	"the readable sources are still scanned and reported"
expect_json 'S("fixtures/malformed/truncated.csv.gz")["status"] == "error"'
case_done "precedence: unreadable source (3) beats findings (1); the rest still reported"

run prec_skip -- scan -f json --fail-on high fixtures/demo/orders.csv
expect_exit 0
case_done "--fail-on high with nothing found: exit 0"

check_no_leaks
finish
