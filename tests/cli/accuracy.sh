#!/usr/bin/env bash
# accuracy.sh - detection accuracy floor on the small labelled corpus.
#
# Generates tools/gen_corpus.py --rows 2000 (10 sources in every format and
# encoding lethe reads, lookalike and misleading-header columns, free text)
# into a scratch directory, runs tools/accuracy.py on it with $LETHE
# (default ./lethe) and asserts the column-level floors:
#     overall precision >= LT_ACC_MIN_PRECISION (default 0.98)
#     overall recall    >= LT_ACC_MIN_RECALL    (default 0.95)
#     every type        >= LT_ACC_PER_TYPE_MIN  (default: not checked)
# One TAP line: "ok - accuracy floor" or "not ok - accuracy floor: why",
# then the confusions as "# " lines; then one line for the same corpus
# scanned with LETHE_SHAPE_CACHE=off (the report must not change).  accuracy.py prints only types, column
# names and counts, never a cell value.
#
# Environment: LT_ACC_ROWS (corpus size, default 2000), LT_ACC_SEED,
# LT_ACC_ARGS (extra accuracy.py options, e.g. --known-types).

HERE=$(cd "$(dirname "$0")" && pwd)
if [ -f "$HERE/../lib/cli.sh" ]; then
	# sets TOP (and cd there), LETHE (absolute), T (scratch dir, removed
	# on exit), ok / not_ok / finish
	. "$HERE/../lib/cli.sh"
else
	TOP=$(cd "$HERE/../.." && pwd)
	cd "$TOP" || exit 2
	LETHE=${LETHE:-./lethe}
	T=$(mktemp -d "${TMPDIR:-/tmp}/lethe-accuracy.XXXXXX") || exit 2
	trap 'rm -rf "$T"' EXIT
	N_NOT_OK=0
	ok() { echo "ok - $1"; }
	not_ok() { echo "not ok - $1: $2"; N_NOT_OK=$((N_NOT_OK + 1)); }
	finish() { [ "$N_NOT_OK" -eq 0 ]; exit $?; }
fi

NAME="accuracy floor"
ROWS=${LT_ACC_ROWS:-2000}
MIN_P=${LT_ACC_MIN_PRECISION:-0.98}
MIN_R=${LT_ACC_MIN_RECALL:-0.95}
CORPUS=$T/corpus
OUT=$T/accuracy.out

detail() { # FILE [N]: lines of FILE as TAP comments
	head -n "${2:-40}" "$1" | cut -c1-300 | sed 's/^/# /'
}

if [ ! -x "$LETHE" ]; then
	not_ok "$NAME" "$LETHE is not executable (build first)"
	finish
fi

if ! python3 tools/gen_corpus.py "$CORPUS" --rows "$ROWS" ${LT_ACC_SEED:+--seed "$LT_ACC_SEED"} >"$T/gen.out" 2>&1; then
	not_ok "$NAME" "tools/gen_corpus.py failed"
	detail "$T/gen.out" 10
	finish
fi

args=(--lethe "$LETHE" --min-precision "$MIN_P" --min-recall "$MIN_R")
[ -n "${LT_ACC_PER_TYPE_MIN:-}" ] && args+=(--per-type-min "$LT_ACC_PER_TYPE_MIN")
# shellcheck disable=SC2206
[ -n "${LT_ACC_ARGS:-}" ] && args+=($LT_ACC_ARGS)
python3 tools/accuracy.py "$CORPUS" "${args[@]}" >"$OUT" 2>&1
st=$?
summary=$(grep '^accuracy: ' "$OUT" | tail -n 1)

case $st in
0)
	ok "$NAME"
	echo "# ${summary#accuracy: }"
	# the confusions, if any, as information
	sed -n '/^confusions: /,$p' "$OUT" | grep -v '^accuracy: ' | head -n 20 | cut -c1-300 | sed 's/^/# /'
	;;
1)
	not_ok "$NAME" "${summary#accuracy: }"
	# the table and the confusions
	grep -v '^accuracy: ' "$OUT" | sed '/^$/d' | head -n 60 | cut -c1-300 | sed 's/^/# /'
	;;
*)
	not_ok "$NAME" "tools/accuracy.py failed (exit $st): $(tail -n 1 "$OUT" | cut -c1-200)"
	detail "$OUT" 10
	;;
esac

# The matcher's shortcuts change no result: the same corpus (every format
# and encoding, look-alikes, free text) with the shape cache off gives the
# same report, --all included (only the generation time differs).
NAME="shape cache off: same report"
same=1
for all in "" "--all"; do
	for mode in on off; do
		st=0
		if [ "$mode" = off ]; then
			LETHE_SHAPE_CACHE=off "$LETHE" scan -q -f json $all \
				-o "$T/$mode.json" "$CORPUS" 2>"$T/$mode.err" || st=$?
		else
			"$LETHE" scan -q -f json $all -o "$T/$mode.json" "$CORPUS" \
				2>"$T/$mode.err" || st=$?
		fi
		if [ "$st" -ne 0 ]; then   # a sanitizer report exits non-zero too
			same=0
			not_ok "$NAME" "lethe exited $st (cache $mode, ${all:-default})"
			detail "$T/$mode.err" 10
		fi
		grep -v '"generated_at"' "$T/$mode.json" >"$T/$mode.cmp" 2>/dev/null
	done
	if [ ! -s "$T/on.cmp" ] || ! cmp -s "$T/on.cmp" "$T/off.cmp"; then
		same=0
		not_ok "$NAME" "reports differ (${all:-default})"
		diff "$T/on.cmp" "$T/off.cmp" | grep -c '^[<>]' | sed 's/^/# lines differing: /'
	fi
done
[ "$same" = 1 ] && ok "$NAME"
finish
