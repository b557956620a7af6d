#!/bin/sh
# make bench-hyperscan: Hyperscan as a prefilter over the detectors'
# regexes (bench/hs_probe.c).  Installs libhyperscan-dev if missing, writes
# the patterns of patterns/*.yaml to a file, builds build/bench/hs_probe and
# runs it on the first BENCH_HS_MB (default 200) megabytes of make bench's
# export: which patterns compile, MB/s of all of them and of the four that
# bench.sh gives ripgrep (each also with SINGLEMATCH), and, on the first
# 20 MB, the share of each column's cells a prefilter would let through.
# One thread, data in memory.  A benchmark, not a test.
#   BENCH_HS_MB=200, BENCH_RUNS=3 (best of), BENCH_MB=1024, BENCH_DIR=bench/data
set -eu
cd "$(dirname "$0")/.."
SLICE=${BENCH_HS_MB:-200}
RUNS=${BENCH_RUNS:-3}
FOUR=sg.nric,email,sg.phone,payment_card   # bench.sh's ripgrep regexes

if [ ! -f /usr/include/hs/hs.h ]; then
	echo "bench-hyperscan: installing libhyperscan-dev" >&2
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get install -y libhyperscan-dev >&2 ||
		{ $SUDO apt-get update >&2 && $SUDO apt-get install -y libhyperscan-dev >&2; } ||
		{ echo "bench-hyperscan: cannot install libhyperscan-dev" >&2; exit 1; }
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/lethe-hs.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' HUP INT TERM
P="$W/patterns.tsv"

# id<TAB>regex for every detector.  Read line by line (PyYAML may be
# missing): "- id: NAME", then that detector's "pattern: '...'", a
# one-line YAML single-quoted scalar ('' is one quote).
python3 - "$P" patterns/*.yaml <<'PYEOF'
import re, sys
out, files = sys.argv[1], sys.argv[2:]
dets = []  # [id, pattern or None, where]
def fail(msg):
    sys.exit("bench-hyperscan: " + msg)
for path in files:
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            where = "%s:%d" % (path, no)
            m = re.match(r"\s*- id:\s*(\S+)\s*$", line)
            if m:
                dets.append([m.group(1), None, where])
                continue
            m = re.match(r"\s*pattern:(.*)$", line)
            if not m:
                continue
            v = re.fullmatch(r"\s*'((?:[^']|'')*)'\s*(?:#.*)?", m.group(1))
            if not v:
                fail(where + ": pattern is not a one-line '...' scalar")
            if not dets or dets[-1][1] is not None or not dets[-1][2].startswith(path + ":"):
                fail(where + ": pattern outside a detector, or a second one")
            dets[-1][1] = v.group(1).replace("''", "'")
for d, p, where in dets:
    if p is None:
        fail("%s: detector %s has no pattern" % (where, d))
    if "\t" in p:
        fail("%s: a tab in %s's pattern" % (where, d))
if len({d[0] for d in dets}) != len(dets):
    fail("duplicate detector ids")
# Hyperscan has neither \G nor \K.  ip_address is \G(walk to a start)\K(the
# address); the part after \K alone matches at least wherever the whole
# does (it is the reported match, its lookarounds see the same text), so
# as a prefilter it is a superset.
ip = [d for d in dets if d[0] == "ip_address"]
if len(ip) != 1 or ip[0][1].count("\\K") != 1:
    fail("ip_address: expected one pattern with one \\K")
ip[0][1] = ip[0][1].split("\\K", 1)[1]
for d, p, where in dets:
    if re.search(r"(?<!\\)(?:\\\\)*\\[GK]", p):
        fail("%s: %s's pattern has \\G or \\K" % (where, d))
with open(out, "w", encoding="utf-8") as f:
    for d, p, _ in dets:
        f.write("%s\t%s\n" % (d, p))
PYEOF
N=$(wc -l < "$P")

mkdir -p build/bench
# shellcheck disable=SC2046
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o build/bench/hs_probe \
	bench/hs_probe.c $(pkg-config --cflags --libs libhs)

. bench/data.sh   # CSV: the export, made once
head -c $((SLICE * 1000000)) "$CSV" > "$W/data.csv"
D="$W/data.csv"

echo "bench-hyperscan: $N detector patterns (patterns/*.yaml; ip_address without \\G...\\K); first $SLICE MB of $(basename "$CSV"), best of $RUNS"
echo
echo "== check: each pattern compiled alone, four flag sets =="
build/bench/hs_probe check "$P"
echo
echo "== bench: all $N patterns =="
build/bench/hs_probe bench "$P" "$D" --reps "$RUNS"
echo
echo "== bench: all $N patterns, --single (SINGLEMATCH) =="
build/bench/hs_probe bench "$P" "$D" --reps "$RUNS" --single
echo
echo "== bench: $FOUR =="
build/bench/hs_probe bench "$P" "$D" --reps "$RUNS" --ids "$FOUR"
echo
echo "== bench: $FOUR, --single (SINGLEMATCH) =="
build/bench/hs_probe bench "$P" "$D" --reps "$RUNS" --ids "$FOUR" --single
echo
echo "== cols: first 20 MB, all $N patterns; any(sub): $FOUR =="
build/bench/hs_probe cols "$P" "$D" --limit 20000000 --sub "$FOUR"
