#!/usr/bin/env bash
# docs.sh - docs are tests: every option `lethe scan --help` lists is in the
# man page, every command in `lethe help` is in the man page and the README.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"

run scanhelp -- scan --help
expect_exit 0
man_opts=$(sed 's/\\-/-/g' man/lethe.1)
missing=""
for o in $(grep -o -- '--[a-z][a-z-]*' "$(capture_of scanhelp)" | sort -u); do
	printf '%s\n' "$man_opts" | grep -q -- "$o" || missing="$missing $o"
done
[ -z "$missing" ] || fail "scan options missing from man/lethe.1:$missing"
case_done "every 'lethe scan --help' option is in the man page"

run help -- help
expect_exit 0
missing=""
for c in $(awk '/^Commands:/{f=1; next} f && /^  [a-z]/{print $1}' "$(capture_of help)"); do
	grep -q "lethe $c" man/lethe.1 || missing="$missing man:$c"
	[ "$c" = help ] || grep -q "lethe $c" README.md || missing="$missing README:$c"
done
[ -z "$missing" ] || fail "commands not documented:$missing"
case_done "every command in 'lethe help' is in the man page and the README"
check_no_leaks
