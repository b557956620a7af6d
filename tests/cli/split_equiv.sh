#!/usr/bin/env bash
# split_equiv.sh - the block pipeline (reader cutting blocks, the splitter
# in parse_block with libcsv for what it leaves) gives the same JSON report,
# byte for byte (generated_at aside), as the sequential libcsv path, with
# -j1 and -j2; and the ISA-L inflater gives the same report as zlib.
#
#   sequential:  LETHE_PARSER=libcsv scan -f json --sample 1000000000 SRC
#                (--sample: one thread; LETHE_PARSER=libcsv: lt_csv over
#                the whole text, never the splitter)
#   js:          the same without LETHE_PARSER: sequential, the splitter
#                on whole records of up to 1 MiB, lt_csv for what it leaves
#   blocks:      scan -f json -j1 SRC  and  -j2 SRC
#
# Sources: every file under fixtures/ (fed on stdin, which always takes the
# block pipeline; zip archives by path), the multi-line customers fixture
# repeated to ~10 MB (quoted newlines across 4 MiB block cuts), and a
# benchmark export from bench/gen_bench.py (16 MB; LT_SPLIT_BIG=PATH uses
# that file instead, e.g. /tmp/b100.csv).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

SEQ=(--sample 1000000000)

# Runs the three scans of one source and compares them (a failed source's
# "bytes" aside).  SRC "-" reads stdin from FILE.
compare3() { # NAME FILE SRC [extra run options...]
	local name=$1 file=$2 src=$3 k
	shift 3
	local -a in=()
	[ "$src" = - ] && in=(--stdin "$file")
	local -a opts=()
	case $file in *wide.csv) opts=(--max-field-size 2000) ;; esac
	run seq "${in[@]}" --env LETHE_PARSER=libcsv "$@" -- scan -f json "${SEQ[@]}" "${opts[@]}" "$src"
	local rc0
	rc0=$(rc)
	strip_generated_at "$(capture_of seq)" "$T/seq.json"
	# a source that fails: the pipeline's reader has read ahead of the
	# failing block, so "bytes" (read so far) may differ; the rest may not
	local failed=""
	grep -q '"status": *"error"' "$T/seq.json" && failed=1
	[ -n "$failed" ] && sed -i -E 's/"bytes": *[0-9]+/"bytes": -/' "$T/seq.json"
	for k in s 1 2; do
		# s: sequential with the splitter (records parsed in place)
		if [ $k = s ]; then
			run j$k "${in[@]}" "$@" -- scan -f json "${SEQ[@]}" "${opts[@]}" "$src"
		else
			run j$k "${in[@]}" "$@" -- scan -f json -j$k "${opts[@]}" "$src"
		fi
		[ "$(rc)" = "$rc0" ] || fail "-j$k exit $(rc), sequential $rc0"
		strip_generated_at "$(capture_of j$k)" "$T/j$k.json"
		[ -n "$failed" ] && sed -i -E 's/"bytes": *[0-9]+/"bytes": -/' "$T/j$k.json"
		cmp -s "$T/seq.json" "$T/j$k.json" ||
			fail "-j$k report differs from the sequential one: $(cmp "$T/seq.json" "$T/j$k.json" 2>&1 | head -n 1)"
	done
	[ -s "$T/seq.json" ] || fail "empty report"
	case_done "$name: sequential (libcsv and splitter), -j1 and -j2 reports identical"
}

while IFS= read -r f; do
	case $f in
	*/expected/*) continue ;;
	*.zip) compare3 "$f" "$f" "$f" ;;
	*) compare3 "$f (stdin)" "$f" - ;;
	esac
done < <(find "$FIX" -type f | LC_ALL=C sort)

# the multi-line fixture, repeated past several block cuts
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
data = open("fixtures/containers/customers_multiline.csv", "rb").read()
head, body = data.split(b"\n", 1)
open(t + "/multi.csv", "wb").write(head + b"\n" + body * 250)
PY
compare3 "multi-line customers x250 (~10 MB)" "$T/multi.csv" "$T/multi.csv"

# errors deep in a big source: the same message, line and byte
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
data = open(t + "/multi.csv", "rb").read()
open(t + "/unterminated.csv", "wb").write(data + b'9,"never closed\nx,y\n')
head, body = data.split(b"\n", 1)
mid = len(body) // 2
mid = body.index(b"\n", mid) + 1
body = body[:mid] + b'1,"' + b"z" * 3000 + b'",2\n' + body[mid:]
open(t + "/wide.csv", "wb").write(head + b"\n" + body)
PY
compare3 "unterminated quote at the end of ~10 MB" "$T/unterminated.csv" "$T/unterminated.csv"
compare3 "field over --max-field-size mid-file" "$T/wide.csv" "$T/wide.csv"

BIG=${LT_SPLIT_BIG:-}
if [ -z "$BIG" ]; then
	BIG=$T/bench.csv
	python3 bench/gen_bench.py "$BIG" 16 >/dev/null
fi
if [ -s "$BIG" ]; then
	compare3 "benchmark export $(basename "$BIG") ($(($(stat -c %s "$BIG") >> 20)) MiB)" "$BIG" "$BIG"
	gzip -c "$BIG" >"$T/big.csv.gz"
	run isal -- scan -f json -j2 "$T/big.csv.gz"
	strip_generated_at "$(capture_of isal)" "$T/isal.json"
	run zlib --env LETHE_INFLATE=zlib -- scan -f json -j2 "$T/big.csv.gz"
	strip_generated_at "$(capture_of zlib)" "$T/zlib.json"
	cmp -s "$T/isal.json" "$T/zlib.json" || fail "ISA-L and zlib reports differ"
	expect_json_file "$(capture_of isal)" 'same(norm(r["sources"][0]), norm(out("j2")["sources"][0]))' "the .gz inventory equals the plain file's"
	case_done "benchmark export .gz: ISA-L and zlib reports identical, equal to the plain file's"
else
	skip "benchmark export" "$BIG missing"
fi

check_no_leaks
finish
