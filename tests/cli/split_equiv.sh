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
		local what="-j$k"
		[ $k = s ] && what="the sequential splitter"
		[ "$(rc)" = "$rc0" ] || fail "$what: exit $(rc), lt_csv alone $rc0"
		strip_generated_at "$(capture_of j$k)" "$T/j$k.json"
		[ -n "$failed" ] && sed -i -E 's/"bytes": *[0-9]+/"bytes": -/' "$T/j$k.json"
		cmp -s "$T/seq.json" "$T/j$k.json" ||
			fail "$what: report differs from lt_csv alone's: $(cmp "$T/seq.json" "$T/j$k.json" 2>&1 | head -n 1)"
	done
	[ -s "$T/seq.json" ] || fail "empty report"
	case_done "$name: sequential (libcsv and splitter), -j1 and -j2 reports identical"
}

# Scans FILE with lt_csv alone (sequential) and by one other path (seq: the
# sequential splitter; pipe: stdin through the block pipeline, -j2), with
# --max-field-size MAX, and requires the same report ("source", "kind" and
# "bytes" aside: a failing source's read-ahead may differ).  The reports
# stay in $T/TAG1.json and $T/TAG2.json.
same_as_libcsv() { # TAG FILE MAX seq|pipe
	local tag=$1 f=$2 max=$3
	run "${tag}l" --env LETHE_PARSER=libcsv -- scan -f json "${SEQ[@]}" --max-field-size "$max" "$f"
	strip_generated_at "$(capture_of "${tag}l")" "$T/${tag}1.json"
	if [ "$4" = seq ]; then
		run "${tag}p" -- scan -f json "${SEQ[@]}" --max-field-size "$max" "$f"
	else
		run "${tag}p" --stdin "$f" -- scan -f json -j2 --max-field-size "$max" -
	fi
	strip_generated_at "$(capture_of "${tag}p")" "$T/${tag}2.json"
	sed -i -E 's/"(source|kind|bytes)": *("[^"]*"|[0-9]+)/"\1": -/g' "$T/${tag}1.json" "$T/${tag}2.json"
	cmp -s "$T/${tag}1.json" "$T/${tag}2.json" ||
		fail "$(basename "$f") ($4): the report differs from lt_csv's: $(cmp "$T/${tag}1.json" "$T/${tag}2.json" 2>&1 | head -n 1)"
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

# a CR alone inside a quoted field ends a line for lt_csv too: the error
# at the end is on the same line whichever path counted the lines
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
data = open(t + "/multi.csv", "rb").read()
head, body = data.split(b"\n", 1)
body = b'1,"a\rb",2\n' + body[:2 << 20]
body = body[:body.rindex(b"\n") + 1]
open(t + "/cr.csv", "wb").write(head + b"\n" + body + b'9,"never closed\nx,y\n')
PY
compare3 "a lone CR in a quoted field, an error 2 MB later" "$T/cr.csv" "$T/cr.csv"

# one record larger than the sequential path holds (max field + a block):
# it hands the rest to lt_csv, which finds what lt_csv alone finds
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
open(t + "/longrec.csv", "wb").write(b"a,b\n1,2\n" + b"x," * (5 << 19) + b"y\n3,4\n")
PY
same_as_libcsv lr "$T/longrec.csv" 1000 seq
grep -q '"status": *"error"' "$T/lr1.json" || fail "a 5 MB record over the record cap: no error"
case_done "a 5 MB record, sequential: the same error as lt_csv alone"
# and through the block pipeline (stdin), -j1 and -j2 (compare3 gives a
# *wide.csv --max-field-size 2000)
cp "$T/longrec.csv" "$T/longrec-wide.csv"
compare3 "a 5 MB record (stdin)" "$T/longrec-wide.csv" -
# the same as the first record: the pipeline cuts no header out of it
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
open(t + "/longhead-wide.csv", "wb").write(b"h," * (5 << 19) + b"z\n1,2\n")
PY
compare3 "a 5 MB header (stdin)" "$T/longhead-wide.csv" -
# a 9.5 MB header of two fields, under lt_csv's record cap (2 x 5 MiB)
# but over what the reader holds (5 MiB + a block): read whole, not cut
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
open(t + "/bighead.csv", "wb").write(b"a" * 4980000 + b"," + b"b" * 4980000 + b"\n1,2\n3,4\n")
PY
same_as_libcsv bh "$T/bighead.csv" 5242880 pipe
grep -q '"rows_scanned": *2[,}]' "$T/bh2.json" || fail "a 9.5 MB header: not 2 rows"
case_done "a 9.5 MB header through the pipeline: read whole, as lt_csv reads it"

# --sample on sources over a read chunk, UTF-8 with a BOM and UTF-16LE:
# the splitter reads exactly as far as lt_csv alone ("bytes" and all)
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
text = open(t + "/multi.csv", "rb").read()[:3 << 20].decode("utf-8", "replace")
text = text[:text.rindex("\n") + 1]
open(t + "/bom.csv", "wb").write(b"\xef\xbb\xbf" + text.encode("utf-8"))
open(t + "/u16.csv", "wb").write(b"\xff\xfe" + text.encode("utf-16-le"))
PY
for f in bom u16; do
	for n in 50 5000; do
		run "s$f$n" --env LETHE_PARSER=libcsv -- scan -f json --sample $n "$T/$f.csv"
		strip_generated_at "$(capture_of "s$f$n")" "$T/s1.json"
		run "p$f$n" -- scan -f json --sample $n "$T/$f.csv"
		strip_generated_at "$(capture_of "p$f$n")" "$T/s2.json"
		cmp -s "$T/s1.json" "$T/s2.json" ||
			fail "--sample $n on $f.csv: the splitter's report differs from lt_csv's: $(cmp "$T/s1.json" "$T/s2.json" 2>&1 | head -n 1)"
		grep -q '"sampled": *true' "$T/s1.json" || fail "--sample $n on $f.csv: not sampled"
	done
	case_done "--sample 50 and 5000 on a 3 MB $f.csv: splitter and lt_csv reports identical"
done

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
