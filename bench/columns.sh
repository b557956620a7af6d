#!/bin/sh
# make bench-columns: where a scan's time goes, column by column.  Takes the
# first BENCH_COL_MB (default 200) megabytes of make bench's export, writes
# each column to a file of its own (header + cells, the CSV module quoting
# as needed) and times `lethe scan --full -j1` on each (best of BENCH_RUNS),
# slowest first, with ns per cell.  The sum is more than one scan of the
# whole slice (each file pays its own start-up and row parsing); the order
# is what to work on next.  A benchmark, not a test.
#   BENCH_COL_MB=200, BENCH_MB=1024, BENCH_DIR=bench/data, BENCH_RUNS=2
set -eu
cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-2}
SLICE=${BENCH_COL_MB:-200}
. bench/data.sh   # CSV: the export, made once
W=$(mktemp -d "${TMPDIR:-/tmp}/lethe-cols.XXXXXX")
trap 'rm -rf "$W"' EXIT

python3 - "$CSV" "$W" "$SLICE" <<'PYEOF'
import csv, io, sys
src, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, newline="", encoding="utf-8") as f:
    data = f.read(mb * 1000 * 1000)
data = data[: data.rfind("\n") + 1]          # whole records only
rows = csv.reader(io.StringIO(data, newline=""))
hdr = next(rows)
files = [open("%s/%02d_%s.csv" % (out, i, h), "w", newline="", encoding="utf-8")
         for i, h in enumerate(hdr)]
writers = [csv.writer(f, lineterminator="\n") for f in files]
for w, h in zip(writers, hdr):
    w.writerow([h])
for r in rows:
    for w, v in zip(writers, r):
        w.writerow([v])
for f in files:
    f.close()
PYEOF

echo "lethe scan --full -j1, column by column: first $SLICE MB of $(basename "$CSV"), best of $RUNS"
for f in "$W"/*.csv; do
	cells=$(($(wc -l < "$f") - 1))
	best=""
	i=0
	while [ $i -lt "$RUNS" ]; do
		if ! /usr/bin/time -f "%e" -o "$W/.t" ./lethe scan --full -q -j1 -f json "$f" > /dev/null; then
			echo "bench-columns: the scan of $(basename "$f") failed" >&2
			exit 1
		fi
		s=$(cat "$W/.t")
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
		i=$((i + 1))
	done
	name=$(basename "$f" .csv)
	awk -v n="${name#??_}" -v s="$best" -v c="$cells" \
		'BEGIN{ printf "%-20s %7.2f s %8.0f ns/cell\n", n, s, c ? s * 1e9 / c : 0 }'
done > "$W/times"   # not in a pipeline: a failure above ends the script
sort -k2 -rn "$W/times"
