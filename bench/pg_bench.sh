#!/usr/bin/env bash
# bench/pg_bench.sh - PostgreSQL read throughput: lethe against plain COPY.
#
# A benchmark, not a test: it prints figures and fails only when something
# does not run.  It starts a throwaway cluster (tests/lib/pg.sh), loads a
# synthetic customers table of BENCH_ROWS rows (default 2,000,000) with
# generate_series (checksum-valid NRICs, SG mobiles, example.com emails),
# then times, on the same table:
#   1. psql: \copy (SELECT * FROM t) TO /dev/null WITH (FORMAT csv) -- the
#      ceiling, with one stream, with one ctid range per CPU side by side
#      (the most the machine's COPY gives), and with as many ranges as
#      lethe uses (lethe --full reads a table over 16 MiB as ctid ranges:
#      one per worker, -j = the CPU count, or half as many for a server on
#      the same machine, as here: src/source/pg.c range_count)
#   2. lethe scan --full, -j = the CPU count (MB/s, rows/s, peak RSS)
#   3. lethe scan (default sample) (time; target: under 2 s at 10M rows)
# and where the cores went: the machine's CPU seconds (/proc/stat) during
# the parallel COPY and during lethe's run, split into lethe's own (from
# /usr/bin/time) and the server's, per MiB: when the server and lethe share
# the cores, their sum bounds what lethe can read.
#
#   BENCH_ROWS=10000000 bench/pg_bench.sh
#   LETHE=/path/to/lethe BENCH_RUNS=3 bench/pg_bench.sh
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
LETHE=${LETHE:-$root/lethe}
ROWS=${BENCH_ROWS:-2000000}
RUNS=${BENCH_RUNS:-3}
export NO_COLOR=1

[ -x "$LETHE" ] || { echo "pg_bench: $LETHE not built (make lethe)" >&2; exit 1; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "pg_bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }

# shellcheck source=../tests/lib/pg.sh
. "$root/tests/lib/pg.sh"
pg_start
W=$(mktemp -d "${TMPDIR:-/tmp}/lethe-pgbench.XXXXXX")
trap 'pg_stop; rm -rf "$W"' EXIT

now() { date +%s.%N; }
fmt() { LC_ALL=C printf "%.${2:-2f}" "$1"; }
calc() { LC_ALL=C awk "BEGIN { printf \"%.3f\", $1 }"; }

DB=bench
pg_psql postgres -c "CREATE DATABASE $DB"
echo "pg_bench: loading $ROWS rows ($("$PG_BIN/postgres" --version))" >&2
t0=$(now)
pg_psql "$DB" <<EOF
SET client_min_messages = warning;
-- a checksum-valid NRIC/FIN for each i (weights 2765432, T/G +4)
CREATE FUNCTION nric(i bigint) RETURNS text LANGUAGE sql IMMUTABLE AS \$\$
  SELECT p || d || substr(CASE WHEN p IN ('S', 'T') THEN 'JZIHGFEDCBA'
                               ELSE 'XWUTRQPNMLK' END,
    ((2 * substr(d, 1, 1)::int + 7 * substr(d, 2, 1)::int
      + 6 * substr(d, 3, 1)::int + 5 * substr(d, 4, 1)::int
      + 4 * substr(d, 5, 1)::int + 3 * substr(d, 6, 1)::int
      + 2 * substr(d, 7, 1)::int
      + CASE WHEN p IN ('T', 'G') THEN 4 ELSE 0 END) % 11) + 1, 1)
  FROM (SELECT substr('STFG', (i % 4)::int + 1, 1) AS p,
               lpad(((i * 7919) % 10000000)::text, 7, '0') AS d) x
\$\$;
CREATE UNLOGGED TABLE customers (
  id bigint, nric text, full_name text, mobile text, email text,
  birth_date date, created_at timestamptz, balance numeric(12,2),
  active boolean, note text);
INSERT INTO customers
SELECT i, nric(i), 'Customer ' || i,
       (80000000 + (i * 37) % 20000000)::text,
       'user' || i || '@example.com',
       date '1950-01-01' + (i % 20000)::int,
       timestamptz '2020-01-01 00:00:00+00' + make_interval(secs => i),
       ((i * 13) % 1000000) / 100.0,
       i % 3 = 0,
       'order note ' || md5(i::text)
FROM generate_series(1::bigint, $ROWS) AS g(i);
ANALYZE customers;
CREATE ROLE bench LOGIN PASSWORD 'bench';
GRANT SELECT ON customers TO bench;
EOF
t1=$(now)
echo "pg_bench: loaded in $(fmt "$(calc "$t1 - $t0")" 1f) s" >&2
size=$(pg_psql "$DB" -Atc "SELECT pg_size_pretty(pg_table_size('customers'))")
HOSTQ=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGHOST")
URI="postgresql://bench@/$DB?host=$HOSTQ&port=$PGPORT#public.customers"
export PGPASSWORD=bench

# the CSV the COPY produces (not timed): the bytes both sides move
bytes=$("$PG_BIN/psql" -X -q -U "$PG_SUPER" -d "$DB" \
	-c "\\copy (SELECT * FROM public.customers) TO STDOUT WITH (FORMAT csv)" | wc -c)
mb=$(calc "$bytes / 1048576")

best() { sort -g | head -n 1; } # fastest of the runs (first field)
# CPU time of the whole machine so far, in seconds (every core's busy
# ticks in /proc/stat: all but idle and iowait), to tell what the server
# spends from what lethe spends when both share the cores
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
busy() { awk -v hz="$HZ" '/^cpu / { b = 0; for (i = 2; i <= NF; i++) if (i != 5 && i != 6) b += $i; printf "%.2f", b / hz }' /proc/stat; }

# 1. plain COPY through psql: one stream, then k ctid ranges side by side
# (the same split as src/source/pg.c: pages * i / k)
copy_range() { # WHERE
	"$PG_BIN/psql" -X -q -U "$PG_SUPER" -d "$DB" \
		-c "\\copy (SELECT * FROM public.customers $1) TO /dev/null WITH (FORMAT csv)"
}
copy_ranges() { # K: "wall-seconds cpu-seconds" of one run
	c0=$(busy)
	a=$(now)
	i=0; pids=""
	while [ "$i" -lt "$1" ]; do
		lo=$((pages * i / $1)); hi=$((pages * (i + 1) / $1))
		copy_range "WHERE ctid >= '($lo,0)'::tid AND ctid < '($hi,0)'::tid" &
		pids="$pids $!"
		i=$((i + 1))
	done
	# these only (pg_start's watchdog is a child too), each checked
	for p in $pids; do
		wait "$p" || { echo "pg_bench: a ranged COPY failed" >&2; exit 1; }
	done
	b=$(now)
	c1=$(busy)
	echo "$(calc "$b - $a") $(calc "$c1 - $c0")"
}
# lethe's rule (src/source/pg.c): at most one range per 1024 pages and 64,
# one stream under 2048 pages
cap_ranges() { # K
	k=$1
	[ "$k" -le 64 ] || k=64
	[ "$pages" -ge 2048 ] || k=1
	[ "$k" -le $((pages / 1024)) ] || k=$((pages / 1024))
	echo "$k"
}
for _ in $(seq "$RUNS"); do
	a=$(now)
	copy_range ""
	b=$(now)
	calc "$b - $a"; echo
done >"$W/copy.t"
t_copy=$(best <"$W/copy.t")
pages=$(pg_psql "$DB" -Atc "SELECT pg_relation_size('customers') / current_setting('block_size')::int8")
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
# one range per CPU: the machine's COPY at its fastest
streams=$(cap_ranges "$jobs")
for _ in $(seq "$RUNS"); do copy_ranges "$streams"; done >"$W/copyn.t"
read -r t_copyn cpu_copyn < <(best <"$W/copyn.t")
# lethe's ranges with -j = the CPU count and the server on this machine
lstreams=$(cap_ranges $((jobs / 2 > 0 ? jobs / 2 : 1)))
if [ "$lstreams" -eq 1 ]; then
	t_copyl=$t_copy
elif [ "$lstreams" -eq "$streams" ]; then
	t_copyl=$t_copyn
else
	for _ in $(seq "$RUNS"); do copy_ranges "$lstreams"; done >"$W/copyl.t"
	read -r t_copyl _ < <(best <"$W/copyl.t")
fi

# 2. lethe scan --full (-j the CPU count; peak RSS from /usr/bin/time -v)
for i in $(seq "$RUNS"); do
	c0=$(busy)
	a=$(now)
	rc=0
	$TIME -v -o "$W/full.$i.time" "$LETHE" scan --full -j "$jobs" -q -f json \
		-o "$W/full.json" "$URI" >"$W/full.out" 2>"$W/full.err" || rc=$?
	b=$(now)
	if [ "$rc" -gt 1 ]; then
		echo "pg_bench: lethe scan --full failed (exit $rc):" >&2
		head -5 "$W/full.err" >&2
		exit 1
	fi
	c1=$(busy)
	own=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$W/full.$i.time")
	echo "$(calc "$b - $a") $(calc "$c1 - $c0") $own"
done >"$W/full.t"
read -r t_full cpu_full cpu_lethe < <(best <"$W/full.t")
rss=$(awk -F': ' '/Maximum resident/ { print $2 }' "$W"/full.*.time | sort -n | tail -n 1)
scanned=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["sources"][0]; print(s.get("rows_scanned"), s.get("sampled"))' "$W/full.json" 2>/dev/null || echo "? ?")

# 3. lethe scan with the default sample
for i in $(seq "$RUNS"); do
	a=$(now)
	rc=0
	$TIME -v -o "$W/sample.$i.time" "$LETHE" scan -q -f json \
		-o "$W/sample.json" "$URI" >/dev/null 2>"$W/sample.err" || rc=$?
	b=$(now)
	[ "$rc" -gt 1 ] && { echo "pg_bench: sampled scan failed (exit $rc)" >&2; head -5 "$W/sample.err" >&2; exit 1; }
	calc "$b - $a"; echo
done >"$W/sample.t"
t_sample=$(best <"$W/sample.t")
sampled=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["sources"][0]; print(s.get("rows_scanned"), s.get("sampled"))' "$W/sample.json" 2>/dev/null || echo "? ?")
rss_s=$(awk -F': ' '/Maximum resident/ { print $2 }' "$W"/sample.*.time | sort -n | tail -n 1)

echo
echo "PostgreSQL read benchmark: $ROWS rows, table $size, CSV $(fmt "$mb" 1f) MiB, $jobs CPUs, best of $RUNS"
printf "  %-34s %8s s  %8s MiB/s  %12s rows/s\n" \
	"psql \\copy TO /dev/null (1 stream)" "$(fmt "$t_copy")" \
	"$(fmt "$(calc "$mb / $t_copy")" 1f)" "$(fmt "$(calc "$ROWS / $t_copy")" 0f)"
printf "  %-34s %8s s  %8s MiB/s  %12s rows/s\n" \
	"psql \\copy, $streams ctid ranges at once" "$(fmt "$t_copyn")" \
	"$(fmt "$(calc "$mb / $t_copyn")" 1f)" "$(fmt "$(calc "$ROWS / $t_copyn")" 0f)"
if [ "$lstreams" -ne 1 ] && [ "$lstreams" -ne "$streams" ]; then
	printf "  %-34s %8s s  %8s MiB/s  %12s rows/s\n" \
		"psql \\copy, $lstreams ctid ranges (lethe's)" "$(fmt "$t_copyl")" \
		"$(fmt "$(calc "$mb / $t_copyl")" 1f)" "$(fmt "$(calc "$ROWS / $t_copyl")" 0f)"
fi
printf "  %-34s %8s s  %8s MiB/s  %12s rows/s  peak RSS %s MiB  (rows %s)\n" \
	"lethe scan --full -j$jobs ($lstreams stream$([ "$lstreams" -eq 1 ] || echo s))" "$(fmt "$t_full")" \
	"$(fmt "$(calc "$mb / $t_full")" 1f)" "$(fmt "$(calc "$ROWS / $t_full")" 0f)" \
	"$(fmt "$(calc "$rss / 1024")" 1f)" "${scanned% *}"
printf "  %-34s %8s s  %s  peak RSS %s MiB\n" "lethe scan (default sample)" \
	"$(fmt "$t_sample")" "(rows ${sampled% *}, sampled ${sampled#* })" \
	"$(fmt "$(calc "$rss_s / 1024")" 1f)"
printf "  lethe --full / plain COPY throughput: %s%% of the COPY with lethe's %d stream(s) (target >= 90%%), %s%% of %d streams\n" \
	"$(fmt "$(calc "100 * $t_copyl / $t_full")" 0f)" "$lstreams" \
	"$(fmt "$(calc "100 * $t_copyn / $t_full")" 0f)" "$streams"
# where the cores went: the server's share is the machine's busy time less
# lethe's own (other load on the machine counts as the server's)
cpu_server=$(calc "$cpu_full - $cpu_lethe")
printf "  CPU seconds, all cores (/proc/stat): %d-stream COPY %s; lethe --full run %s = lethe %s + server and the rest %s\n" \
	"$streams" "$(fmt "$cpu_copyn")" "$(fmt "$cpu_full")" "$(fmt "$cpu_lethe")" "$(fmt "$cpu_server")"
printf "  per MiB: lethe %s ms of CPU, the server and the rest %s ms; on %s cores sharing both, lethe can read at most ~%s MiB/s (%s%% of the %d-stream COPY)\n" \
	"$(fmt "$(calc "1000 * $cpu_lethe / $mb")" 1f)" \
	"$(fmt "$(calc "1000 * $cpu_server / $mb")" 1f)" "$jobs" \
	"$(fmt "$(calc "$jobs * $mb / ($cpu_lethe + $cpu_server)")" 0f)" \
	"$(fmt "$(calc "100 * $jobs * $t_copyn / ($cpu_lethe + $cpu_server)")" 0f)" "$streams"
# the target in the same terms: 90% of the COPY's rate leaves this much CPU
# per MiB for lethe once the server's share is paid
need=$(calc "1000 * ($jobs * $t_copyn / (0.9 * $mb) - $cpu_server / $mb)")
if awk "BEGIN { exit !($need > 0) }"; then
	printf "  for 90%% of the %d-stream COPY here, lethe may spend at most %s ms of CPU per MiB (~%s MiB/s per core): %sx less than now\n" \
		"$streams" "$(fmt "$need" 2f)" "$(fmt "$(calc "1000 / $need")" 0f)" \
		"$(fmt "$(calc "1000 * $cpu_lethe / $mb / $need")" 1f)"
else
	printf "  for 90%% of the %d-stream COPY here, the server's share alone uses every core\n" "$streams"
fi
