#!/bin/sh
# make bench: throughput of lethe against the tools users would reach for,
# on a deterministic customers export (bench/gen_bench.py).  Prints MB/s of
# uncompressed data and lethe's peak RSS.  A benchmark, not a test.
#   BENCH_MB=1024 (size of the export), BENCH_DIR=bench/data, BENCH_RUNS=2
set -eu
cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-2}
CPUS=$(nproc)
. bench/data.sh   # CSV, GZ, BYTES: the export, made once

# The four detector regexes, in ripgrep's syntax (no look-behind): NRIC,
# email, SG phone, card; ASCII word boundaries.
RG_ARGS="--count-matches -e '(?-u:\\b)[STFGM][0-9]{7}[A-Z](?-u:\\b)' -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}' -e '(?-u:\\b)(?:\\+65[ -]?)?[3689][0-9]{3}[ -]?[0-9]{4}(?-u:\\b)' -e '(?-u:\\b)[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,7}(?-u:\\b)'"

# run LABEL CMD...: best wall time of RUNS runs; sets SECS and RSS_KB
run() {
	label=$1; shift
	SECS=""; RSS_KB=0
	i=0
	while [ $i -lt "$RUNS" ]; do
		if ! /usr/bin/time -f "%e %M" -o "$DIR/.time" sh -c "$*" > /dev/null 2> "$DIR/.err"; then
			echo "bench: '$label' failed:" >&2
			tail -3 "$DIR/.err" >&2
			exit 1
		fi
		read -r s k < "$DIR/.time"
		if [ -z "$SECS" ] || awk "BEGIN{exit !($s < $SECS)}"; then SECS=$s; fi
		[ "$k" -gt "$RSS_KB" ] && RSS_KB=$k
		i=$((i + 1))
	done
	MBS=$(awk "BEGIN{ s=$SECS; if (s < 0.001) s = 0.001; printf \"%.0f\", $BYTES/1e6/s }")
	printf '%-40s %8s s %8s MB/s %8s MB RSS\n' "$label" "$SECS" "$MBS" "$((RSS_KB * 1024 / 1000000))"
}

echo "lethe bench: $(awk "BEGIN{printf \"%.0f\", $BYTES/1e6}") MB customers export, 15 columns (MB: 10^6 bytes); $CPUS cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
printf '%-40s %10s %13s %15s\n' "what" "time" "throughput" "peak RSS"
run "cat" "cat '$CSV'";                                   CAT=$MBS
run "gzip -dc" "gzip -dc '$GZ'";                          GZIP=$MBS
if command -v rg > /dev/null; then
	run "rg --count-matches (4 regexes)" "rg $RG_ARGS '$CSV'";   RG=$MBS
	run "rg -z --count-matches (on .gz)" "rg -z $RG_ARGS '$GZ'"; RGZ=$MBS
else
	RG=0; RGZ=0; echo "(ripgrep not installed: make deps installs it)"
fi
run "lethe scan -j1 (plain)" "./lethe scan -q -f json -j1 '$CSV'";        L1=$MBS; R1=$RSS_KB
run "lethe scan -j$CPUS (plain)" "./lethe scan -q -f json -j$CPUS '$CSV'"; LN=$MBS; RN=$RSS_KB
run "lethe scan -j1 (gzip)" "./lethe scan -q -f json -j1 '$GZ'";          G1=$MBS
run "lethe scan -j$CPUS (gzip)" "./lethe scan -q -f json -j$CPUS '$GZ'";   GN=$MBS; RG_RSS=$RSS_KB
echo
awk "BEGIN{
  printf \"lethe/ripgrep (plain, all cores vs rg):   %.2f\n\", ($RG>0)?$LN/$RG:0;
  printf \"lethe/rg -z (gzip, all cores vs rg -z):   %.2f\n\", ($RGZ>0)?$GN/$RGZ:0;
  printf \"lethe/gzip -dc (gzip, all cores):         %.2f\n\", ($GZIP>0)?$GN/$GZIP:0;
}"
echo "peak RSS: -j1 $((R1 * 1024 / 1000000)) MB, -j$CPUS $((RN * 1024 / 1000000)) MB (plain), $((RG_RSS * 1024 / 1000000)) MB (gzip)"

# Table shapes: a wide export (memory grows with columns, never rows) and
# many small exports (one per worker at a time, each parsed by the
# splitter; LETHE_PARSER=libcsv is the libcsv-only path for comparison).
XGEN=$(cat bench/gen_extra.py tools/checkdigits.py | md5sum | cut -c1-8)
WIDE="$DIR/wide-2000x4000-$XGEN.csv"
SMALL="$DIR/small-256x1M-of-${MB}MB-$XGEN-$GEN"
if [ ! -s "$WIDE" ]; then
	echo "generating $WIDE ..." >&2
	python3 bench/gen_extra.py wide "$WIDE.tmp" 2000 4000 && mv "$WIDE.tmp" "$WIDE"
fi
if [ ! -d "$SMALL" ]; then
	rm -rf "$SMALL.tmp"
	python3 bench/gen_extra.py split "$CSV" "$SMALL.tmp" 256 1024 && mv "$SMALL.tmp" "$SMALL"
fi
echo
FULL_BYTES=$BYTES
BYTES=$(stat -c %s "$WIDE")
echo "shapes: a $(awk "BEGIN{printf \"%.0f\", $BYTES/1e6}") MB export of 2,000 columns x 4,000 rows; up to 256 files of 1 MiB cut from the export"
run "lethe scan -j1 (2,000 columns)" "./lethe scan -q -f json -j1 '$WIDE'"; W1=$RSS_KB
run "lethe scan -j$CPUS (2,000 columns)" "./lethe scan -q -f json -j$CPUS '$WIDE'"; WN=$RSS_KB
BYTES=$(cat "$SMALL"/*.csv | wc -c)
NSMALL=$(ls "$SMALL" | wc -l)
echo "($NSMALL small files, $(awk "BEGIN{printf \"%.0f\", $BYTES/1e6}") MB in all)"
run "lethe scan -j$CPUS ($NSMALL small files)" "./lethe scan -q -f json -j$CPUS '$SMALL'"
run "  the same, LETHE_PARSER=libcsv" "LETHE_PARSER=libcsv ./lethe scan -q -f json -j$CPUS '$SMALL'"
BYTES=$FULL_BYTES
echo "peak RSS, 2,000 columns: -j1 $((W1 * 1024 / 1000000)) MB, -j$CPUS $((WN * 1024 / 1000000)) MB"

# The parts on their own: the CSV parsers (libcsv through lt_csv, and the
# block splitter) on the plain file in memory, and gzip inflate through the
# stream layer (ISA-L and zlib).
echo
if [ -x build/bench/split_bench ] && [ -x build/bench/inflate_bench ]; then
	build/bench/split_bench "$CSV" "$RUNS"
	build/bench/inflate_bench "$GZ" "$RUNS"
fi
