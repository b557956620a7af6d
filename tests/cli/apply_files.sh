#!/usr/bin/env bash
# apply_files.sh - `lethe apply PLAN.json --out DIR` on files, with real
# plans from `lethe plan`.
#
# Round trip: the fixture dataset in every container and encoding (plain,
# gzip, a zip with a member nobody planned, UTF-8 with BOM and CRLF,
# CP949, UTF-16LE, semicolons, tabs, multi-line cells) planned with
# policies/minimal.yaml, applied, then: the copies re-scanned hold no NRIC,
# RRN or card number at medium/high; every byte outside the redacted cells
# is the original's (same length, the only differing bytes are '*'); gzip
# stays gzip, zip stays zip, CP949 stays CP949, UTF-16 keeps its BOM, CRLF
# stays CRLF; the receipt names every output with its sha256.
# delete_rows (with a hold and --now), hash (LETHE_HASH_KEY) and
# drop_column on their own plans.  Refusals (exit 4, nothing written): a
# source touched, grown by a byte, or changed in place with its size and
# mtime put back; --out holding a source; a recount that differs from the
# plan's.  Usage: no --out, no LETHE_HASH_KEY for a hash plan, a plan that
# is not JSON (exit 2); a source gone (exit 3).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe
export NO_COLOR=1

W=$T/w
mkdir -p "$W/src/kr"
cp fixtures/demo/customers.csv fixtures/containers/customers.csv.gz \
   fixtures/containers/customers_bom_crlf.csv \
   fixtures/containers/customers_kr_cp949.csv \
   fixtures/containers/customers_kr_utf16le.csv \
   fixtures/containers/customers_semicolon.csv \
   fixtures/containers/customers.tsv \
   fixtures/containers/customers_multiline.csv "$W/src/"
# a zip whose third member (orders, no personal data) nobody plans
python3 - "$W/src/bundle.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile("fixtures/containers/customers.zip") as z, \
     zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as o:
    for n in z.namelist():
        o.writestr(z.getinfo(n), z.read(n))
    o.write("fixtures/demo/orders.csv", "orders.csv")
EOF

# check.py MODE ARGS: the byte-level verdicts, one line of reasons on failure
cat >"$T/check.py" <<'EOF'
import csv, gzip, hashlib, hmac, io, json, os, re, sys, zipfile

def raw(path, member=None):
    """Decompressed bytes of a file or a zip member."""
    if member is not None:
        with zipfile.ZipFile(path) as z:
            b = z.read(member)
    else:
        b = open(path, "rb").read()
    return gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b

def text(b):
    if b[:2] == b"\xff\xfe":
        return b[2:].decode("utf-16-le")
    if b[:3] == b"\xef\xbb\xbf":
        return b[3:].decode("utf-8")
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("cp949")

def rows(b, delim):
    return list(csv.reader(io.StringIO(text(b), newline=""), delimiter=delim))

def fail(msg):
    print(msg[:400])
    sys.exit(1)

mode = sys.argv[1]
if mode == "roundtrip":
    # plan.json, DIR: each planned source against its copy
    plan = json.load(open(sys.argv[2]))
    out = sys.argv[3]
    planned = {}
    for a in plan["actions"]:
        key = (a["path"], a.get("member"))
        planned.setdefault(key, {"cols": set(), "delim": a["format"]["delimiter"]})
        planned[key]["cols"].add(a["column_index"])
    changed_total = 0
    for (path, member), p in sorted(planned.items(), key=lambda x: (x[0][0], x[0][1] or "")):
        o, c = raw(path, member), raw(os.path.join(out, path), member)
        name = path + (":" + member if member else "")
        if len(o) != len(c):
            fail("%s: %d bytes, copy %d" % (name, len(o), len(c)))
        diff = [i for i in range(len(o)) if o[i] != c[i]]
        if not diff:
            fail("%s: nothing changed" % name)
        if any(c[i] != 0x2A for i in diff):
            fail("%s: a byte other than '*' differs" % name)
        ro, rc = rows(o, p["delim"]), rows(c, p["delim"])
        if len(ro) != len(rc) or ro[0] != rc[0]:
            fail("%s: rows or header differ" % name)
        for x, y in zip(ro[1:], rc[1:]):
            for j, (u, v) in enumerate(zip(x, y)):
                if j in p["cols"]:
                    if u and not re.fullmatch(r"\*+.{0,4}", v):
                        fail("%s: column %d not redacted" % (name, j))
                    changed_total += u != v
                elif u != v:
                    fail("%s: column %d changed" % (name, j))
    print(changed_total)
elif mode == "zipmembers":
    # ORIG COPY UNTOUCHED_MEMBER
    zo, zc = zipfile.ZipFile(sys.argv[2]), zipfile.ZipFile(sys.argv[3])
    if zo.namelist() != zc.namelist():
        fail("members %s vs %s" % (zo.namelist(), zc.namelist()))
    if zc.testzip() is not None:
        fail("bad CRC in the copy")
    if zo.read(sys.argv[4]) != zc.read(sys.argv[4]):
        fail("unplanned member changed")
elif mode == "encodings":
    d = sys.argv[2]
    cp = open(d + "/customers_kr_cp949.csv", "rb").read()
    try:
        cp.decode("utf-8")
        fail("cp949 copy is utf-8")
    except UnicodeDecodeError:
        pass
    cp.decode("cp949")
    u16 = open(d + "/customers_kr_utf16le.csv", "rb").read()
    if u16[:2] != b"\xff\xfe" or len(u16) % 2:
        fail("utf-16 copy lost its BOM")
    u16[2:].decode("utf-16-le")
    crlf = open(d + "/customers_bom_crlf.csv", "rb").read()
    orig = open(sys.argv[3] + "/customers_bom_crlf.csv", "rb").read()
    if crlf[:3] != b"\xef\xbb\xbf" or crlf.count(b"\r\n") != orig.count(b"\r\n") \
       or crlf.replace(b"\r\n", b"").count(b"\n") != orig.replace(b"\r\n", b"").count(b"\n"):
        fail("line endings or BOM changed")
elif mode == "receipt":
    # RECEIPT PLAN: every output's sha256 and the plan's
    r = json.load(open(sys.argv[2]))
    sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
    if r["plan"]["sha256"] != sha(sys.argv[3]):
        fail("plan sha256")
    for o in r["outputs"]:
        if sha(o["output"]) != o["sha256"] or os.path.getsize(o["output"]) != o["bytes"]:
            fail("output %s: sha256 or size" % o["output"])
    for a in r["actions"]:
        if sha(a["output"]) != a["output_sha256"] or a["started_at"] > a["ended_at"]:
            fail("action %s" % a["id"])
    print(sum(a["cells"] for a in r["actions"]))
elif mode == "hash":
    # ORIG COPY COLUMN KEY
    o, c = rows(raw(sys.argv[2]), ","), rows(raw(sys.argv[3]), ",")
    j = o[0].index(sys.argv[4])
    key = sys.argv[5].encode()
    for x, y in zip(o[1:], c[1:]):
        want = hmac.new(key, x[j].encode(), hashlib.sha256).hexdigest() if x[j] else ""
        if y[j] != want:
            fail("row %s: not the HMAC of the original" % x[0])
        if x[:j] + x[j + 1:] != y[:j] + y[j + 1:]:
            fail("row %s: another cell changed" % x[0])
elif mode == "delete":
    # ORIG COPY PLAN HELD_ID NOW_YEAR_CUTOFF(YYYY-MM-DD)
    o, c = rows(raw(sys.argv[2]), ","), rows(raw(sys.argv[3]), ",")
    plan = json.load(open(sys.argv[4]))
    n = sum(a["rows"] for a in plan["actions"] if a["action"] == "delete_rows")
    if len(c) != len(o) - n or n == 0:
        fail("%d rows left of %d, plan deletes %d" % (len(c), len(o), n))
    j = o[0].index("created_at")
    kept = {r[0] for r in c[1:]}
    for r in o[1:]:
        old = re.fullmatch(r"\d{4}-\d\d-\d\d", r[j]) and r[j] < sys.argv[6]
        if r[0] == sys.argv[5]:
            if r[0] not in kept or not old:
                fail("the held row is gone, or was not old")
        elif old and r[0] in kept:
            fail("row %s is over 2y and still there" % r[0])
        elif not old and r[0] not in kept:
            fail("row %s deleted but within 2y" % r[0])
    if c[1:] != [r for r in o[1:] if r[0] in kept]:
        fail("kept rows differ")
elif mode == "drop":
    # ORIG COPY COLUMN
    o, c = rows(raw(sys.argv[2]), ","), rows(raw(sys.argv[3]), ",")
    j = o[0].index(sys.argv[4])
    if [r[:j] + r[j + 1:] for r in o] != c:
        fail("the copy is not the original without column %d" % j)
EOF
CHKDIR=$W
chk() { # MODE ARGS...: python verdict (run in $CHKDIR); fails the case
	local msg
	msg=$(cd "$CHKDIR" && python3 "$T/check.py" "$@" 2>&1) && { CHK=$msg; return 0; }
	fail "$1: $(echo "$msg" | tail -n 2 | tr '\n' ' ')"
}

# ---- the round trip -----------------------------------------------------------
run plan --cwd "$W" -- plan --policy "$TOP/policies/minimal.yaml" --now 2026-11-01T00:00:00Z \
	-o plan.json src
expect_exit 1
expect_json_file "$W/plan.json" 'len(r["actions"]) >= 15 and all(a["kind"] == "file" for a in r["actions"])' "plan actions"
expect_json_file "$W/plan.json" 'sorted({(a["format"]["container"], a["format"]["encoding"]) for a in r["actions"]}) == [("gzip", "utf-8"), ("plain", "cp949"), ("plain", "utf-16le"), ("plain", "utf-8"), ("zip", "utf-8")]' "containers and encodings planned"
case_done "plan: every container and encoding has redact actions (exit 1: violations)"

run apply --cwd "$W" -- apply plan.json --out clean
expect_exit 0
expect_stderr_empty
expect_stdout_contains "receipt clean/lethe-receipt.json"
[ -f "$W/clean/src/bundle.zip" ] && [ -f "$W/clean/src/customers.csv.gz" ] &&
	[ -f "$W/clean/lethe-receipt.json" ] || fail "outputs missing"
[ -z "$(find "$W/clean" -name '*.lethe-tmp.*')" ] || fail "temporaries left"
leak_watch "$W/clean/lethe-receipt.json"
case_done "apply --out clean: exit 0, copies at the same relative paths, receipt, no temporaries"

run rescan -- scan -f json --no-progress "$W/clean/src"
expect_json 'all(s["status"] == "ok" for s in r["sources"]) and len(r["sources"]) == 11' "11 sources ok"
expect_json 'not [(s["source"], c["name"], f["type"]) for s in r["sources"] for c in s["columns"] for f in c["findings"] if f["type"] in ("sg.nric", "kr.rrn", "payment_card") and f["confidence"] in ("medium", "high")]' "no national id or card left"
case_done "copies re-scanned: no sg.nric, kr.rrn or payment_card at medium/high"

chk roundtrip plan.json clean && CELLS=$CHK
case_done "every byte outside the redacted cells identical (same length, only '*' differs); header and other cells equal"

chk receipt clean/lethe-receipt.json plan.json &&
	{ [ "$CHK" = "$CELLS" ] || fail "receipt counts $CHK cells, the copies $CELLS"; }
for f in $(cd "$W/clean" && find src -type f | sort); do
	s=$(sha256sum "$W/clean/$f" | cut -d' ' -f1)
	grep -q "$s" "$W/clean/lethe-receipt.json" || fail "sha256 of $f not in the receipt"
done
case_done "receipt: plan sha256, each output's sha256 (sha256sum) and size, cells = cells changed"

b=$(head -c 2 "$W/clean/src/customers.csv.gz" | od -An -tx1 | tr -d ' ')
[ "$b" = "1f8b" ] || fail "gzip magic: $b"
gzip -t "$W/clean/src/customers.csv.gz" 2>/dev/null || fail "gzip -t"
case_done "gzip stays gzip (magic bytes, gzip -t)"

chk zipmembers src/bundle.zip clean/src/bundle.zip orders.csv
case_done "zip stays zip: same members, CRCs good, the unplanned member byte-identical"

chk encodings clean/src src
case_done "CP949 stays CP949, UTF-16LE keeps its BOM, UTF-8 BOM and CRLF kept"

# ---- refusals ---------------------------------------------------------------
R=$T/r
mkdir -p "$R/src"
cp fixtures/demo/customers.csv "$R/src/"
run rplan --cwd "$R" -- plan --policy "$TOP/policies/minimal.yaml" -o plan.json src
expect_exit 1
MT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["actions"][0]["fingerprint"]["mtime_ns"])' "$R/plan.json")
put_back_mtime() { python3 -c 'import os,sys; os.utime(sys.argv[1], ns=(int(sys.argv[2]), int(sys.argv[2])))' "$R/src/customers.csv" "$MT"; }
refused() { # NAME WHY-PATTERN
	expect_exit 4
	expect_stderr_contains "$2"
	expect_stdout_empty
	[ ! -e "$R/out" ] || fail "$1: something was written"
}

touch -d '2001-01-01' "$R/src/customers.csv"
run touched --cwd "$R" -- apply plan.json --out out
refused touched "changed since the plan was made"
case_done "refused after touch (mtime): exit 4, nothing written"

put_back_mtime
printf 'x' >>"$R/src/customers.csv"
run appended --cwd "$R" -- apply plan.json --out out
refused appended "changed since the plan was made (size)"
case_done "refused after a byte was appended: exit 4, nothing written"

truncate -s -1 "$R/src/customers.csv"
python3 - "$R/src/customers.csv" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b"Gift wrap")
b[i] = ord("g")
open(p, "wb").write(b)
EOF
put_back_mtime
run inplace --cwd "$R" -- apply plan.json --out out
refused inplace "changed since the plan was made (sha256)"
case_done "refused after a change in place with size and mtime put back (sha256): exit 4"

cp fixtures/demo/customers.csv "$R/src/customers.csv"
put_back_mtime
ln -s . "$R/here"
for d in . src ./src/ here/src here; do
	run dirsrc --cwd "$R" -- apply plan.json --out "$d"
	expect_exit 4
	expect_stderr_contains "holds the source"
	[ ! -e "$R/src/src" ] && [ ! -e "$R/lethe-receipt.json" ] &&
		! ls "$R"/src/*.lethe-tmp.* >/dev/null 2>&1 || fail "--out $d: something was written"
	case_done "refused: --out $d holds a source (realpaths compared; exit 4, nothing written)"
done

python3 - "$R/plan.json" "$R/plan_bad.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
p["actions"][-1]["rows"] += 1
p["actions"][-1]["cells"] += 1
json.dump(p, open(sys.argv[2], "w"))
EOF
run recount --cwd "$R" -- apply plan_bad.json --out out
refused recount "the plan counted"
case_done "refused when the recount differs from the plan's: exit 4, nothing written"

run rok --cwd "$R" -- apply plan.json --out out
expect_exit 0
cmp -s "$R/src/customers.csv" fixtures/demo/customers.csv || fail "the source was modified"
case_done "the unchanged source then applies (exit 0); the original untouched"

# an absolute source path: its copy below DIR without the leading '/'
run absplan --cwd "$R" -- plan --policy "$TOP/policies/minimal.yaml" -o abs.json "$R/src/customers.csv"
expect_exit 1
run abs --cwd "$R" -- apply abs.json --out absout
expect_exit 0
[ -f "$R/absout${R}/src/customers.csv" ] || fail "no copy at absout$R/src/customers.csv"
case_done "an absolute source path: the copy at DIR/path-without-leading-slash"

# many sources (more than apply keeps open): a verifying pass first, so a
# source changed after the plan still means nothing written
M=$T/m
mkdir -p "$M/src"
for i in $(seq 1 40); do
	head -n 30 fixtures/demo/customers.csv >"$M/src/part$i.csv"
done
run mplan --cwd "$M" -- plan --policy "$TOP/policies/minimal.yaml" -o plan.json src
expect_exit 1
printf 'C999999,x,,,,,,,,2020-01-01\n' >>"$M/src/part33.csv"
run mrefused --cwd "$M" -- apply plan.json --out out
expect_exit 4
expect_stderr_contains "part33.csv"
[ ! -e "$M/out" ] || fail "something was written"
case_done "40 sources, one changed after the plan: refused before any copy is written"
head -n 30 fixtures/demo/customers.csv >"$M/src/part33.csv"
run mplan2 --cwd "$M" -- plan --policy "$TOP/policies/minimal.yaml" -o plan.json src
run many --cwd "$M" -- apply plan.json --out out
expect_exit 0
[ "$(find "$M/out/src" -name 'part*.csv' | wc -l)" = 40 ] || fail "not 40 copies"
expect_json_file "$M/out/lethe-receipt.json" 'len(r["outputs"]) == 40' "receipt outputs"
case_done "40 sources: 40 copies and one receipt"

# ---- usage and unreadable sources ----------------------------------------------
run noout --cwd "$R" -- apply plan.json
expect_exit 2
expect_stderr_contains "--out DIR"
case_done "file actions without --out: exit 2"

echo '{"plan": ' >"$R/broken.json"
run notjson --cwd "$R" -- apply broken.json --out out2
expect_exit 2
[ ! -e "$R/out2" ] || fail "out2 written"
case_done "a plan that is not JSON: exit 2"

mv "$R/src/customers.csv" "$R/src/gone.csv"
run gone --cwd "$R" -- apply plan.json --out out3
expect_exit 3
expect_stderr_contains "cannot read"
[ ! -e "$R/out3" ] || fail "out3 written"
mv "$R/src/gone.csv" "$R/src/customers.csv"
case_done "a source gone: exit 3, nothing written"

# ---- hash, delete_rows with a hold, drop_column -------------------------------------
H=$T/h
CHKDIR=$H
mkdir -p "$H/src"
cp fixtures/demo/customers.csv "$H/src/"
cat >"$H/hash.yaml" <<'EOF'
policy: hash-nric
version: 1
rules:
  - id: nric-hashed
    match: { types: [sg.nric] }
    retain: 0
    action: hash
EOF
run hplan --cwd "$H" -- plan --policy hash.yaml -o plan.json src
expect_exit 1
run nokey --cwd "$H" --env LETHE_HASH_KEY= -- apply plan.json --out out
expect_exit 2
expect_stderr_contains "LETHE_HASH_KEY"
[ ! -e "$H/out" ] || fail "written without a key"
case_done "hash plan without LETHE_HASH_KEY: exit 2, nothing written"

KEY='k3y-Sup3r-s3cret'
run hash --cwd "$H" --env LETHE_HASH_KEY="$KEY" -- apply plan.json --out out
expect_exit 0
chk hash src/customers.csv out/src/customers.csv nric "$KEY"
grep -q -F "$KEY" "$LAST.out" "$LAST.err" "$H/out/lethe-receipt.json" && fail "the key is printed"
case_done "hash: each nric is the hex HMAC-SHA-256 of the original with LETHE_HASH_KEY, the key never printed"

cat >"$H/delete.yaml" <<'EOF'
policy: delete-old
version: 1
timezone: "+08:00"
rules:
  - id: customers-2y
    match: { categories: [email] }
    retain: 2y
    age_from: [created_at]
    action: delete_rows
holds:
  - id: dispute-1
    match: { sources: ["*customers*"] }
    where: { column: customer_id, in: [C100001] }
EOF
run dplan --cwd "$H" -- plan --policy delete.yaml --now 2026-11-01T00:00:00+08:00 -o dplan.json src
expect_exit 1
run delete --cwd "$H" -- apply dplan.json --out dout
expect_exit 0
chk delete src/customers.csv dout/src/customers.csv dplan.json C100001 2024-11-01
case_done "delete_rows (2y, --now): old rows gone with their line ends, the held row and recent rows kept"

cat >"$H/drop.yaml" <<'EOF'
policy: drop-nric
version: 1
rules:
  - id: no-nric-column
    match: { types: [sg.nric] }
    retain: 0
    action: drop_column
EOF
run xplan --cwd "$H" -- plan --policy drop.yaml -o xplan.json src
expect_exit 1
run drop --cwd "$H" -- apply xplan.json --out xout
expect_exit 0
chk drop src/customers.csv xout/src/customers.csv nric
case_done "drop_column: the column and its separator gone from every row, header included"

# a headerless export: plan and apply with --no-header; the first record is
# data and is redacted too, the other columns stay byte for byte
mkdir -p "$H/nh"
tail -n +2 fixtures/demo/customers.csv >"$H/nh/data.csv"
cat >"$H/nh/cards.yaml" <<'EOF'
policy: cards
version: 1
rules:
  - id: cards
    match: { types: [payment_card] }
    retain: 0
    action: redact
    keep: last4
EOF
run nhplan --cwd "$H/nh" -- plan --no-header --policy cards.yaml -o plan.json data.csv
expect_exit 1
run nhapply --cwd "$H/nh" -- apply plan.json --out out
expect_exit 0
python3 - "$H/nh/data.csv" "$H/nh/out/data.csv" >"$T/nh.log" 2>&1 <<'PY' || fail "$(tail -n 2 "$T/nh.log")"
import csv, sys
a = list(csv.reader(open(sys.argv[1], newline="")))
b = list(csv.reader(open(sys.argv[2], newline="")))
assert len(a) == len(b) == 300, (len(a), len(b))
for x, y in zip(a, b):
    assert x[:5] == y[:5] and x[6:] == y[6:], "an untouched column changed"
    if x[5]:
        assert y[5] != x[5] and y[5][-1] == x[5][-1] and "*" in y[5], "card not redacted"
assert b[0][5] != a[0][5], "the first record (data) was not redacted"
PY
case_done "--no-header: plan and apply on a headerless export redact the first record too"

check_no_leaks
finish
