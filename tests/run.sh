#!/bin/sh
# tests/run.sh - the whole test suite; `make test` runs it from the repo top
# after building ./lethe, build/lethe-asan and the cmocka binaries.
#
# Two passes, the same three sections each:
#   rel   build/rel/tests/test_*   ./lethe packs test   tests/cli/*.sh (LETHE=./lethe)
#   asan  build/asan/tests/test_*  (same, LETHE=build/lethe-asan, ASan+UBSan
#         aborting on the first report, leak detection on)
# Counting: cmocka's "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)"
# lines (a binary that crashes or prints no summary is 1 failure); `packs
# test` is one case; CLI scripts print "ok - " / "not ok - " / "skip - "
# lines (a script that exits non-zero without a "not ok" line is 1 failure).
# Failing cases are named with the tail of their output.  The last line is
# exactly "N passed, M failed" (", K skipped" when some were); exit 1 when
# M > 0.
#
# Environment: LT_PASSES="rel asan" (or one of them), LT_CLI="pattern" (only
# tests/cli/*pattern*.sh), LT_UNIT_TIMEOUT / LT_CLI_TIMEOUT (seconds).

cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/lethe-test.XXXXXX") || exit 2
trap 'rm -rf "$LOGS"' EXIT
trap 'exit 130' INT TERM

PASSES=${LT_PASSES:-rel asan}
UNIT_TMO=${LT_UNIT_TIMEOUT:-120}
CLI_TMO=${LT_CLI_TIMEOUT:-300}
unset CMOCKA_MESSAGE_OUTPUT CMOCKA_XML_FILE

PASSED=0
FAILED=0
SKIPPED=0

show_tail() { # FILE [N]
	tail -n "${2:-15}" "$1" | cut -c1-300 | sed 's/^/    | /'
}

failed_case() { # NAME [LOGFILE]
	echo "FAIL: $1"
	[ -n "${2:-}" ] && [ -s "$2" ] && show_tail "$2"
}

# ---- (a) cmocka binaries ----------------------------------------------------
unit_section() { # DIR LABEL
	dir=$1 label=$2 p=0 f=0 nbin=0
	for src in tests/unit/test_*.c; do
		[ -e "$src" ] || continue
		name=$(basename "$src" .c)
		bin=$dir/tests/$name
		nbin=$((nbin + 1))
		if [ ! -x "$bin" ]; then
			failed_case "$label $name: not built ($bin)"
			f=$((f + 1))
			continue
		fi
		log=$LOGS/$label.$name.log
		timeout -k 5 "$UNIT_TMO" "$bin" >"$log" 2>&1
		st=$?
		np=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" |
			awk '{ s += $1 } END { print s + 0 }')
		nf=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$log" |
			awk '{ s += $1 } END { print s + 0 }')
		names=$(sed -n 's/^\[  FAILED  \] \([^ ][^ ]*\)$/\1/p' "$log" | sort -u | tr '\n' ' ')
		if [ "$nf" -gt 0 ]; then
			echo "FAIL: $label $name: $nf failed: $names"
			grep -E '^\[  (ERROR|FAILED)  \] |^\[   LINE   \] ' "$log" |
				grep -v 'test(s)' | head -n 20 | cut -c1-300 | sed 's/^/    | /'
		fi
		if [ "$st" -ne 0 ] && [ "$nf" -eq 0 ]; then
			case $st in
			124|137) why="timed out after ${UNIT_TMO}s" ;;
			*) why="exit $st" ;;
			esac
			failed_case "$label $name: crashed or aborted ($why) after $np passing test(s)" "$log"
			nf=1
		elif [ "$st" -eq 0 ] && [ "$np" -eq 0 ] && [ "$nf" -eq 0 ]; then
			failed_case "$label $name: no cmocka summary line" "$log"
			nf=1
		fi
		p=$((p + np))
		f=$((f + nf))
	done
	echo "unit ($label): $p passed, $f failed ($nbin binaries)"
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
}

# ---- (b) packs test ------------------------------------------------------------
packs_section() { # LETHE LABEL
	log=$LOGS/$2.packs.log
	if [ ! -x "$1" ]; then
		failed_case "$2 packs test: $1 not built"
		FAILED=$((FAILED + 1))
		return
	fi
	timeout -k 5 120 "$1" packs test </dev/null >"$log" 2>&1
	st=$?
	if [ "$st" -eq 0 ]; then
		echo "packs test ($2): ok"
		PASSED=$((PASSED + 1))
	else
		failed_case "$2 packs test: exit $st" "$log"
		echo "packs test ($2): FAILED"
		FAILED=$((FAILED + 1))
	fi
}

# ---- (c) CLI scripts -------------------------------------------------------------
cli_section() { # LETHE LABEL
	lethe=$1 label=$2 p=0 f=0 s=0 nscr=0
	for scr in tests/cli/*.sh; do
		[ -e "$scr" ] || continue
		case $scr in *"${LT_CLI:-}"*) ;; *) continue ;; esac
		name=$(basename "$scr" .sh)
		nscr=$((nscr + 1))
		log=$LOGS/$label.cli.$name.log
		LETHE=$lethe timeout -k 10 "$CLI_TMO" bash "$scr" </dev/null >"$log" 2>&1
		st=$?
		np=$(grep -c '^ok - ' "$log")
		nf=$(grep -c '^not ok - ' "$log")
		ns=$(grep -c '^skip - ' "$log")
		if [ "$nf" -gt 0 ]; then
			# each failing case with the detail lines that follow it
			awk -v pre="$label $name: " '
				/^not ok - / { print "FAIL: " pre substr($0, 10); show = 1; n = 0; next }
				/^# [^ ]+: [0-9]+ ok, [0-9]+ not ok/ { show = 0; next }
				show && /^# / && n < 12 { print "    | " substr($0, 1, 300); n++; next }
				{ show = 0 }' "$log"
		fi
		if [ "$st" -ne 0 ] && [ "$nf" -eq 0 ]; then
			case $st in
			124|137) why="timed out after ${CLI_TMO}s" ;;
			*) why="exit $st" ;;
			esac
			failed_case "$label $name: script failed ($why) without a failing case" "$log"
			nf=1
		fi
		p=$((p + np))
		f=$((f + nf))
		s=$((s + ns))
	done
	echo "cli ($label): $p passed, $f failed, $s skipped ($nscr scripts)"
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + s))
}

START=$(date +%s)
for pass in $PASSES; do
	case $pass in
	rel)
		echo "== rel: build/rel, ./lethe"
		unit_section build/rel rel
		packs_section ./lethe rel
		cli_section ./lethe rel
		;;
	asan)
		echo "== asan: build/asan, build/lethe-asan (ASan + UBSan)"
		(
			export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
			export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
			# patterns/ is looked for beside the executable: build/ has none
			export LETHE_PACKS="${LETHE_PACKS:-$TOP/patterns}"
			PASSED=0 FAILED=0 SKIPPED=0
			unit_section build/asan asan
			packs_section build/lethe-asan asan
			cli_section build/lethe-asan asan
			echo "$PASSED $FAILED $SKIPPED" >"$LOGS/asan.counts"
		)
		if [ -s "$LOGS/asan.counts" ]; then
			read -r a b c <"$LOGS/asan.counts"
			PASSED=$((PASSED + a))
			FAILED=$((FAILED + b))
			SKIPPED=$((SKIPPED + c))
		else
			failed_case "asan pass did not complete"
			FAILED=$((FAILED + 1))
		fi
		;;
	*)
		echo "run.sh: unknown pass '$pass'" >&2
		FAILED=$((FAILED + 1))
		;;
	esac
done
echo "== $(($(date +%s) - START))s"

if [ "$SKIPPED" -gt 0 ]; then
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
	echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ]
