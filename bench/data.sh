# Sourced by the benchmarks: makes (once) the deterministic customers export
# of BENCH_MB megabytes and its gzip, and sets CSV, GZ and BYTES.
#   BENCH_MB=1024, BENCH_DIR=bench/data
MB=${BENCH_MB:-1024}
DIR=${BENCH_DIR:-bench/data}
mkdir -p "$DIR"
# the generator's hash in the name: a changed generator (or the check
# digits it imports) makes new data
GEN=$(cat bench/gen_bench.py tools/checkdigits.py | md5sum | cut -c1-8)
CSV="$DIR/customers-${MB}MB-$GEN.csv"
GZ="$CSV.gz"
if [ ! -s "$CSV" ]; then
	echo "generating $CSV ..." >&2
	python3 bench/gen_bench.py "$CSV.tmp" "$MB" && mv "$CSV.tmp" "$CSV"
fi
if [ ! -s "$GZ" ]; then
	echo "compressing $GZ ..." >&2
	gzip -c "$CSV" > "$GZ.tmp" && mv "$GZ.tmp" "$GZ"
fi
BYTES=$(stat -c %s "$CSV")
cat "$CSV" > /dev/null; cat "$GZ" > /dev/null   # warm the page cache
