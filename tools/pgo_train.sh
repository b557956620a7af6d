#!/bin/sh
# The training run of the profile-guided build (make; see the Makefile):
# the instrumented lethe (build/pgo/lethe) scans the generated accuracy
# corpus (every format and encoding; tools/gen_corpus.py) and the bundled
# fixtures, single-threaded and with workers.  Never the benchmark's export:
# the profile is of the kind of data users scan, not of what make bench
# times.  The profiles land in build/pgo/prof (the Makefile's PGO_NAME),
# where the release build reads them.
set -eu
cd "$(dirname "$0")/.."
rm -rf build/pgo/prof
W=$(mktemp -d "${TMPDIR:-/tmp}/lethe-pgo.XXXXXX")
trap 'rm -rf "$W"' EXIT
python3 tools/gen_corpus.py "$W/corpus" > /dev/null
L="build/pgo/lethe scan --packs patterns --no-progress"
# 0: nothing found, 1: --fail-on, 3: a source could not be read (the
# malformed fixtures); anything else (a crash) stops the build
run() {
	rc=0
	"$@" > /dev/null 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; then
		echo "pgo_train: '$*' exited $rc" >&2
		exit 1
	fi
}
run $L -j1 --all -f json "$W/corpus"
run $L -j2 "$W/corpus"
run $L -j1 fixtures
run $L -j2 --all -f json fixtures
test -n "$(find build/pgo/prof -name '*.gcda' 2>/dev/null)" || {
	echo "pgo_train: no profile written" >&2
	exit 1
}
