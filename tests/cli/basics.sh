#!/usr/bin/env bash
# basics.sh - version, help, usage texts, packs list / packs test.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

run version -- --version
expect_exit 0
expect_stdout_matches '^lethe [0-9]+\.[0-9]+'
expect_stderr_empty
case_done "--version prints 'lethe X.Y' on stdout, exit 0"

run help -- help
expect_exit 0
for c in scan plan apply packs policy; do
	expect_stdout_matches "(^|[[:space:]])$c([[:space:]]|\$)"
done
expect_stderr_empty
case_done "help lists scan, plan, apply, packs, policy, exit 0"

run scan_help -- scan --help
expect_exit 0
expect_stdout_contains "Usage:"
expect_stdout_contains "lethe scan"
for o in --format --output --jobs --packs --sample --include --exclude \
	--delimiter --no-header --max-field-size --encoding --encoding-errors \
	--fail-on --all --no-progress; do
	expect_stdout_contains "$o"
done
expect_stderr_empty
case_done "scan --help: usage with every option on stdout, exit 0"

run help_scan -- help scan
expect_exit 0
expect_stdout_contains "Usage:"
expect_stdout_contains "--fail-on"
expect_stderr_empty
case_done "help scan: the scan usage, exit 0"

run unknown_cmd -- frobnicate
expect_exit 2
expect_stdout_empty
expect_stderr_contains "frobnicate"
case_done "unknown command: exit 2, named on stderr, nothing on stdout"

run packs_list -- packs list
expect_exit 0
for t in sg.nric kr.rrn sg.phone kr.phone email payment_card; do
	expect_stdout_matches "(^|[[:space:]])${t//./\\.}([[:space:]]|\$)"
done
case_done "packs list names sg.nric kr.rrn sg.phone kr.phone email payment_card"

run packs_test -- packs test
expect_exit 0
case_done "packs test: every pack example passes, exit 0"

check_no_leaks
finish
