#!/bin/sh
# The training run of the profile-guided build (make; see the Makefile):
# the instrumented lethe (build/pgo/lethe) scans the generated accuracy
# corpus (every format and encoding; tools/gen_corpus.py) and the bundled
# fixtures, single-threaded and with workers.  Never the benchmark's export:
# the profile is of the kind of data users scan, not of what make bench
# times.  The profiles land in build/pgo/prof (the Makefile's PGO_NAME),
# where the release build reads them.  When the training cannot run, the
# build goes on without a profile (a plain -O2 build) and says so.
set -u
cd "$(dirname "$0")/.."
rm -rf build/pgo/prof
W=$(mktemp -d "${TMPDIR:-/tmp}/lethe-pgo.XXXXXX") || W=
trap '[ -n "$W" ] && rm -rf "$W"' EXIT
untrained() {
	echo "pgo_train: $1; building without a profile" >&2
	rm -rf build/pgo/prof
	exit 0
}
[ -n "$W" ] || untrained "no temporary directory"
python3 tools/gen_corpus.py "$W/corpus" > /dev/null 2>&1 ||
	untrained "tools/gen_corpus.py failed"
L="build/pgo/lethe scan --packs patterns --no-progress"
# 0: nothing found, 1: --fail-on, 3: a source could not be read (the
# malformed fixtures); anything else (a crash) is reported
run() {
	rc=0
	"$@" > /dev/null 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; then
		untrained "'$*' exited $rc"
	fi
}
run $L -j1 --all -f json "$W/corpus"
run $L -j2 "$W/corpus"
run $L -j1 fixtures
run $L -j2 --all -f json fixtures
[ -n "$(find build/pgo/prof -name '*.gcda' 2>/dev/null)" ] ||
	untrained "no profile written"
