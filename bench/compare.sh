#!/bin/sh
# make bench-compare REV=COMMIT: lethe built from COMMIT against lethe built
# from this tree, on make bench's export, the two timed alternately (best of
# BENCH_RUNS).  On a shared machine, figures of different runs do not
# compare; these do.  Then, with valgrind, the instructions each executes on
# a 20 MB export (cachegrind): the one figure that repeats exactly on a
# noisy machine.  A benchmark, not a test.
#   REV (required), BENCH_MB=1024, BENCH_DIR=bench/data, BENCH_RUNS=2
set -eu
cd "$(dirname "$0")/.."
REV=${REV:-${1:-}}
if [ -z "$REV" ]; then
	echo "usage: make bench-compare REV=COMMIT" >&2
	exit 2
fi
RUNS=${BENCH_RUNS:-2}
CPUS=$(nproc)
. bench/data.sh

WT=$(mktemp -d)
trap 'git worktree remove --force "$WT" 2>/dev/null || rm -rf "$WT"' EXIT
git worktree add --detach -f "$WT" "$REV" > /dev/null 2>"$WT.err" ||
	{ echo "bench-compare: cannot check out $REV:" >&2; cat "$WT.err" >&2; exit 2; }
rm -f "$WT.err"
echo "building $REV ..." >&2
make -C "$WT" --no-print-directory lethe > /dev/null
OLD="$WT/lethe"     # finds its own packs beside it ($WT/patterns)
NEW=./lethe

# secs BIN ARGS...: wall seconds of one scan
secs() {
	b=$1; shift
	if ! /usr/bin/time -f "%e" -o "$DIR/.ctime" "$b" scan -q -f json "$@" > /dev/null; then
		echo "bench-compare: $b scan $* failed:" >&2
		cat "$DIR/.ctime" >&2
		exit 1
	fi
	tail -n 1 "$DIR/.ctime"
}

echo "lethe $REV against this tree: $(awk "BEGIN{printf \"%.0f\", $BYTES/1e6}") MB export (MB: 10^6 bytes); $CPUS cores; best of $RUNS, run alternately"
printf '%-22s %10s %10s %10s %10s %8s\n' "what" "before s" "after s" "before" "after" "speed-up"
for cfg in "-j1 plain" "-j$CPUS plain" "-j1 gzip" "-j$CPUS gzip"; do
	set -- $cfg
	f=$CSV; [ "$2" = gzip ] && f=$GZ
	bo=""; bn=""; i=0
	while [ $i -lt "$RUNS" ]; do
		# alternately first, so neither always runs on a cold start
		if [ $((i % 2)) = 0 ]; then
			o=$(secs "$OLD" "$1" "$f"); n=$(secs "$NEW" "$1" "$f")
		else
			n=$(secs "$NEW" "$1" "$f"); o=$(secs "$OLD" "$1" "$f")
		fi
		if [ -z "$bo" ] || awk "BEGIN{exit !($o < $bo)}"; then bo=$o; fi
		if [ -z "$bn" ] || awk "BEGIN{exit !($n < $bn)}"; then bn=$n; fi
		i=$((i + 1))
	done
	awk -v w="$cfg" -v o="$bo" -v n="$bn" -v b="$BYTES" 'BEGIN{
	  if (o < 0.001) o = 0.001; if (n < 0.001) n = 0.001;
	  printf "%-22s %10.2f %10.2f %6.0f MB/s %6.0f MB/s %7.2fx\n", w, o, n,
	         b/1e6/o, b/1e6/n, o/n }'
done

# instructions: deterministic where the timings above swing between runs
if command -v valgrind > /dev/null; then
	CSV20=$(BENCH_MB=20 BENCH_DIR="$DIR" sh -c '. bench/data.sh; echo "$CSV"')
	ir() {
		if ! valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
			--log-file="$DIR/.vg" "$1" scan -q -f json -j1 "$CSV20" > /dev/null; then
			echo "bench-compare: $1 failed under valgrind" >&2
			exit 1
		fi
		awk '/I +refs:/ { gsub(",", "", $NF); print $NF }' "$DIR/.vg"
	}
	io=$(ir "$OLD") && inew=$(ir "$NEW") || exit 1
	awk -v o="$io" -v n="$inew" -v b="$(stat -c %s "$CSV20")" 'BEGIN{
	  if (o == "" || n == "") { print "instructions: valgrind gave no count"; exit 1 }
	  printf "instructions, -j1 on a %.0f MiB export (cachegrind): %.0f M before, %.0f M after (%.0f and %.0f per byte), %.2fx fewer\n",
	         b/1048576, o/1e6, n/1e6, o/b, n/b, o/n }'
else
	echo "instructions: valgrind not installed (make deps installs it)"
fi
