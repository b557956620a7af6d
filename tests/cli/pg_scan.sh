#!/usr/bin/env bash
# tests/cli/pg_scan.sh - `lethe scan postgresql://...` against a real server.
#
# Starts a throwaway cluster (tests/lib/pg.sh), loads typed tables filled
# with synthetic, checksum-valid identifiers (SG NRIC/FIN, KR RRN, SG
# mobiles, example.com emails, Luhn card numbers), then checks: the columns
# found, partitioned tables read once through the parent, views only with
# --views, a table the role may not read reported as an error (exit 3) while
# the others are scanned, sampling (50k-row table: sampled, <= 10000 rows;
# --full: every row; a small table: not sampled), exit 2 on a malformed
# URI, exit 3 on a wrong password, and the password in no output at all.
#
# PG_SCAN_SETUP_ONLY=1: start the cluster, load the data, print the URI and
# wait (for developing by hand); the cluster goes away on Ctrl-C.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
export NO_COLOR=1

. "$TOP/tests/lib/pg.sh"
if ! pg_start >"$T/pg_start.log" 2>&1; then
	not_ok "pg: start a throwaway cluster" "$(tail -n 3 "$T/pg_start.log" | tr '\n' ' ')"
	finish
fi

PW='S3cretPw!x'
DB=lethe_t
# URL-encode the socket directory and the password for the URI
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
HOSTQ=$(enc "$PGHOST")
PWQ=$(enc "$PW")
URI="postgresql://lethe_scan:$PWQ@/$DB?host=$HOSTQ&port=$PGPORT"
URI_BADPW="postgresql://lethe_scan:Wr0ngPw%21zz@/$DB?host=$HOSTQ&port=$PGPORT"

# ---- data ------------------------------------------------------------------
python3 - "$T/load.sql" "$T/pg_idents.txt" <<'PYEOF'
import os, random, sys
sys.path.insert(0, os.path.join(os.environ["LT_TOP"], "tools"))
from checkdigits import luhn_complete, nric_letter, rrn_check
rnd = random.Random(20261122)
IDS = set()  # every raw identifier generated: none may appear in any output
def kept(f):
    def g(*a):
        v = f(*a)
        IDS.add(v)
        return v
    return g

@kept
def nric():
    p = rnd.choice("STFGM")
    d = "".join(str(rnd.randrange(10)) for _ in range(7))
    return p + d + nric_letter(p, d)

@kept
def rrn():
    y = rnd.randrange(1950, 2010)
    g = rnd.choice((1, 2)) if y < 2000 else rnd.choice((3, 4))
    d = "%02d%02d%02d%d%02d%03d" % (y % 100, rnd.randrange(1, 13),
                                   rnd.randrange(1, 29), g,
                                   rnd.randrange(0, 96), rnd.randrange(1000))
    return d[:6] + "-" + d[6:] + str(rrn_check(d))

@kept
def luhn():
    return luhn_complete("4" + "".join(str(rnd.randrange(10)) for _ in range(14)))

def sgmob():
    return "9" + "".join(str(rnd.randrange(10)) for _ in range(7))

def krmob():
    return "010-%04d-%04d" % (rnd.randrange(10000), rnd.randrange(10000))

@kept
def email(i):
    return "user%d.%s@example.com" % (i, rnd.choice(("tan", "lim", "kim", "lee")))

def uuid():
    return "%032x" % rnd.getrandbits(128)

def q(v):  # COPY text format escaping
    if v is None:
        return r"\N"
    return (str(v).replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n"))

def copy(out, table, cols, rows):
    out.write("COPY %s (%s) FROM stdin;\n" % (table, ", ".join(cols)))
    for r in rows:
        out.write("\t".join(q(v) for v in r) + "\n")
    out.write("\\.\n")

with open(sys.argv[1], "w", encoding="utf-8") as o:
    o.write(r"""
SET client_min_messages = warning;
CREATE ROLE lethe_scan WITH LOGIN PASSWORD 'S3cretPw!x';
CREATE SCHEMA crm;
CREATE SCHEMA "Sales";
CREATE TABLE public.customers (
  id integer PRIMARY KEY, nric text, full_name varchar(60), mobile bigint,
  email text, card_no text, birth_date date, updated_at timestamptz,
  last_ip inet, ext_id uuid, prefs jsonb, phones text[], balance numeric(12,2),
  active boolean, photo bytea, home point);
CREATE TABLE public.settings (k text, v integer);
CREATE TABLE public.events (id bigint, nric text, email text, note text);
CREATE TABLE public.secret_notes (id integer, nric text);
CREATE TABLE public."한국고객" ("고객번호" integer, "주민등록번호" text, "전화번호" text, "이메일" text);
CREATE TABLE "Sales"."Customers" ("Id" integer, "NRIC No" text, "Mobile No" text);
CREATE TABLE crm."we""ird.tbl" ("e-mail" text, n integer);
CREATE TABLE public.orders (id integer, ordered_at date, buyer_nric text, card text)
  PARTITION BY RANGE (ordered_at);
CREATE TABLE public.orders_2025 PARTITION OF public.orders
  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.orders_2026 PARTITION OF public.orders
  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE VIEW public.v_contacts AS SELECT id, email, mobile FROM public.customers;
CREATE TABLE public.typed (id integer, called_at timestamptz, span interval,
  span_txt text, seen_from inet, dob date, ref uuid);
""")
    rows = []
    for i in range(1, 301):
        rows.append((i, nric(), "Customer %d" % i, sgmob(), email(i), luhn(),
                     "19%02d-%02d-%02d" % (rnd.randrange(50, 99), rnd.randrange(1, 13), rnd.randrange(1, 28)),
                     "2026-0%d-1%d 10:00:00+08" % (rnd.randrange(1, 9), rnd.randrange(10)),
                     "10.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255)),
                     uuid(), '{"contact": {"email": "%s"}}' % email(i),
                     "{%s,%s}" % (sgmob(), sgmob()), "%d.%02d" % (rnd.randrange(9999), rnd.randrange(100)),
                     rnd.choice(("t", "f")), r"\\x00ff", "(1.5,2.5)"))
    copy(o, "public.customers",
         ["id", "nric", "full_name", "mobile", "email", "card_no", "birth_date",
          "updated_at", "last_ip", "ext_id", "prefs", "phones", "balance",
          "active", "photo", "home"], rows)
    copy(o, "public.settings", ["k", "v"], [("opt%d" % i, i) for i in range(5)])
    # an interval of N days renders as "N days": N a mobile number here;
    # span_txt holds the same text in a text column, which is reported
    spans = ["%s days" % sgmob() for _ in range(200)]
    copy(o, "public.typed", ["id", "called_at", "span", "span_txt", "seen_from", "dob", "ref"],
         [(i, "2026-0%d-1%d 10:00:00+08" % (rnd.randrange(1, 9), rnd.randrange(10)),
           spans[i - 1], spans[i - 1],
           "10.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255)),
           "19%02d-%02d-%02d" % (rnd.randrange(50, 99), rnd.randrange(1, 13), rnd.randrange(1, 28)),
           uuid()) for i in range(1, 201)])
    copy(o, "public.events", ["id", "nric", "email", "note"],
         [(i, nric(), email(i), "event %d" % i) for i in range(1, 50001)])
    copy(o, "public.secret_notes", ["id", "nric"], [(i, nric()) for i in range(1, 51)])
    copy(o, 'public."한국고객"', ['"고객번호"', '"주민등록번호"', '"전화번호"', '"이메일"'],
         [(i, rrn(), krmob(), email(i)) for i in range(1, 201)])
    copy(o, '"Sales"."Customers"', ['"Id"', '"NRIC No"', '"Mobile No"'],
         [(i, nric(), "+65 " + sgmob()) for i in range(1, 201)])
    copy(o, 'crm."we""ird.tbl"', ['"e-mail"', "n"], [(email(i), i) for i in range(1, 101)])
    copy(o, "public.orders", ["id", "ordered_at", "buyer_nric", "card"],
         [(i, "%d-%02d-10" % (2025 + i % 2, 1 + i % 12), nric(), luhn())
          for i in range(1, 401)])
    o.write(r"""
GRANT USAGE ON SCHEMA crm, "Sales" TO lethe_scan;
GRANT SELECT ON ALL TABLES IN SCHEMA public, crm, "Sales" TO lethe_scan;
REVOKE ALL ON public.secret_notes FROM lethe_scan;
ANALYZE;
""")
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("\n".join(sorted(IDS)) + "\n")
PYEOF

if ! pg_psql postgres -c "CREATE DATABASE $DB" >"$T/load.log" 2>&1 ||
   ! pg_psql "$DB" -f "$T/load.sql" >>"$T/load.log" 2>&1 ||
   ! pg_psql "$DB" >>"$T/load.log" 2>&1 <<'EOF'
-- for the "server gone" and timeout cases: a view that reads slowly
CREATE VIEW public.v_slow AS
  SELECT e.*, pg_catalog.length(pg_catalog.pg_sleep(0.001)::text) AS s
  FROM public.events e;
GRANT SELECT ON public.v_slow TO lethe_scan;
-- never analyzed (autovacuum is off): no estimate in the catalog
CREATE TABLE public.fresh AS
  SELECT i AS id, 'user' || i || '@example.com' AS email
  FROM pg_catalog.generate_series(1, 30000) AS g(i);
GRANT SELECT ON public.fresh TO lethe_scan;
EOF
then
	not_ok "pg: load fixtures" "$(head -n 5 "$T/load.log" | tr '\n' ' ')"
	finish
fi
ok "pg: cluster up, fixtures loaded"

if [ -n "${PG_SCAN_SETUP_ONLY:-}" ]; then
	echo "URI=$URI"
	echo "PGHOST=$PGHOST PGPORT=$PGPORT (superuser: postgres)"
	while :; do sleep 1; done
fi
require_lethe

# pgcheck CODE [WHY]: Python statements over the last run's JSON report `r`,
# with by_table(t) (the one source of that table), types(src, col) (types
# found at medium or high) and has(t, col, type).
pgcheck() {
	local msg
	msg=$(python3 - "$LAST.out" "$1" 2>&1 <<'PYEOF'
import json, sys
try:
    r = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    print("not JSON: %s" % str(e)[:200])
    sys.exit(1)
def by_table(t):
    hits = [s for s in r["sources"] if s.get("table") == t]
    assert len(hits) == 1, "%s listed %d times" % (t, len(hits))
    return hits[0]
def types(s, col):
    for c in s.get("columns", []):
        if c["name"] == col:
            return {f["type"] for f in c.get("findings", [])
                    if f.get("confidence") in ("medium", "high")}
    return set()
def has(t, col, ty):
    s = by_table(t)
    assert s["status"] == "ok", "%s: %s" % (t, s.get("error"))
    got = types(s, col)
    assert ty in got, "%s.%s: want %s, got %s" % (t, col, ty, sorted(got))
try:
    exec(sys.argv[2])
except (AssertionError, LookupError, TypeError) as e:
    print("%s: %s" % (type(e).__name__, str(e)[:400]))
    sys.exit(1)
PYEOF
	) && return 0
	fail "${2:-check}: $(echo "$msg" | tail -n 2 | tr '\n' ' ')"
}

# ---- the default scan: sampled, every readable table, exit 3 --------------
run scan -- scan -f json --no-progress "$URI"
expect_exit 3
pgcheck '
has("public.customers", "nric", "sg.nric")
has("public.events", "nric", "sg.nric")
has("public.한국고객", "주민등록번호", "kr.rrn")
has("Sales.Customers", "NRIC No", "sg.nric")
' "national ids"
case_done "pg: national ids found (text; Korean and mixed-case quoted names)"

pgcheck '
has("public.customers", "mobile", "sg.phone")
has("public.customers", "email", "email")
has("public.customers", "card_no", "payment_card")
has("public.customers", "prefs", "email")
has("public.customers", "phones", "sg.phone")
has("crm.we\"ird.tbl", "e-mail", "email")
' "contacts"
case_done "pg: phones (bigint, text[]), emails (text, jsonb), cards found"

pgcheck '
has("public.typed", "dob", "date_of_birth")
has("public.typed", "seen_from", "ip_address")
has("public.typed", "span_txt", "sg.phone")    # the same text, as text
s = by_table("public.typed")
for c in ("called_at", "span", "ref"):
    assert not types(s, c), "%s: %s" % (c, sorted(types(s, c)))
' "typed columns"
case_done "pg: typed columns: dates only as dates of birth, inet as IPs, intervals and uuids not at all"

pgcheck '
o = by_table("public.orders")
assert o["status"] == "ok" and o["rows_scanned"] == 400, o
has("public.orders", "buyer_nric", "sg.nric")
for p in ("public.orders_2025", "public.orders_2026"):
    assert not [s for s in r["sources"] if s.get("table") == p], p + " listed"
' "partitions"
case_done "pg: a partitioned table is read once, through its parent"

pgcheck '
s = by_table("public.customers")
assert s["kind"] == "postgres", s["kind"]
assert s["source"].startswith("postgresql://lethe_scan@/lethe_t?"), s["source"]
assert s["source"].endswith("#public.customers"), s["source"]
' "names"
case_done "pg: sources named URI-without-password#schema.table, kind postgres"

pgcheck '
s = by_table("public.secret_notes")
assert s["status"] == "error", s
assert "permission denied" in s.get("error", ""), s.get("error")
bad = [x["source"] for x in r["sources"] if x["status"] != "ok" and x is not s]
assert not bad, bad
' "unreadable"
case_done "pg: a table the role may not read is listed as an error (exit 3), the others ok"

pgcheck '
assert not [s for s in r["sources"] if s.get("table") in ("public.v_contacts", "public.v_slow")]
' "views"
case_done "pg: views left out without --views"

pgcheck '
s = by_table("public.events")
assert s["sampled"] is True, s["sampled"]
assert 0 < s["rows_scanned"] <= 10000, s["rows_scanned"]
assert 45000 <= s["rows_estimated"] <= 55000, s["rows_estimated"]
' "sample"
case_done "pg: 50k-row table sampled by default (<= 10000 rows, estimate ~50000)"

pgcheck '
for t, n in (("public.settings", 5), ("public.customers", 300)):
    s = by_table(t)
    assert s["sampled"] is False and s["rows_scanned"] == n, (t, s["sampled"], s["rows_scanned"])
' "small"
case_done "pg: small tables read whole, not sampled"

run views -- scan -f json --no-progress --views --exclude-table v_slow "$URI"
pgcheck '
s = by_table("public.v_contacts")
assert s["status"] == "ok", s
has("public.v_contacts", "email", "email")
' "--views"
case_done "pg: --views adds views"

run full -- scan -f json --no-progress --full "$URI#public.events"
expect_exit 0
pgcheck '
assert len(r["sources"]) == 1, [s["source"] for s in r["sources"]]
s = by_table("public.events")
assert s["rows_scanned"] == 50000 and s["sampled"] is False, (s["rows_scanned"], s["sampled"])
' "--full"
case_done "pg: --full on URI#schema.table reads every row, not sampled, exit 0"

# --full on a table over 16 MiB with -j4: ctid ranges over several
# connections in one exported snapshot (a server on this machine gets half
# as many ranges as workers: two; the table's pages allow two); the report
# equals one stream's.
# (Its own database, so the "nothing written" count below stays exact.)
if pg_psql postgres -c "CREATE DATABASE ${DB}_big" >"$T/big.log" 2>&1 &&
   pg_psql "${DB}_big" >>"$T/big.log" 2>&1 <<'EOF'
CREATE TABLE big AS SELECT g AS id, 'user' || g || '@example.com' AS email,
	md5(g::text) AS h, 'note ' || g AS notes
	FROM generate_series(1, 200000) g;
GRANT SELECT ON big TO lethe_scan;
EOF
then
	URIB=${URI/\/$DB\?/\/${DB}_big?}
	# sessions the big database has seen (asked from another database,
	# so the asking is not counted); a backend counts itself as it exits,
	# so wait until the count reaches what is expected (or 10 s pass)
	sessions() { pg_psql postgres -Atc "SELECT sessions FROM pg_stat_database WHERE datname = '${DB}_big'"; }
	sessions_reach() { # N: the count, or the last one seen
		for _ in $(seq 50); do
			n=$(sessions); [ "$n" -ge "$1" ] && break; sleep 0.2
		done
		echo "$n"
	}
	pages=$(pg_psql "${DB}_big" -Atc "SELECT pg_relation_size('big') / current_setting('block_size')::int8")
	[ "$pages" -ge 2048 ] || fail "big has $pages pages: too few for ctid ranges"
	s0=$(sessions_reach 0)
	run ranges1 -- scan -f json --no-progress --full -j1 "$URIB#public.big"
	expect_exit 0
	s1=$(sessions_reach $((s0 + 1)))
	run rangesN -- scan -f json --no-progress --full -j4 "$URIB#public.big"
	expect_exit 0
	s2=$(sessions_reach $((s1 + (s1 - s0) + 1)))
	# -j1: the table's connection (and any lethe opens to list tables);
	# -j4: one more, the second range's
	[ $((s2 - s1)) -eq $((s1 - s0 + 1)) ] ||
		fail "-j4 opened $((s2 - s1)) connections, -j1 $((s1 - s0)): not one more (two ranges)"
	python3 - "$(capture_of ranges1)" "$(capture_of rangesN)" >"$T/ranges.log" 2>&1 <<'PY' ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    r.pop("generated_at")
    s = r["sources"][0]
    assert s["status"] == "ok" and s["rows_scanned"] == 200000 and not s["sampled"], s
assert a == b, "reports differ"
PY
		fail "$(tail -n 2 "$T/ranges.log")"
else
	fail "could not load the big table: $(tail -n 2 "$T/big.log")"
fi
case_done "pg: --full -j4 on a 16+ MiB table (two ctid ranges, two connections, shared snapshot) equals -j1"

run sample100 -- scan -f json --no-progress --sample 100 "$URI#public.orders"
pgcheck '
s = by_table("public.orders")
assert s["rows_scanned"] == 100 and s["sampled"] is True, (s["rows_scanned"], s["sampled"])
' "--sample"
case_done "pg: --sample 100 on a partitioned table: 100 rows, sampled"

run fresh -- scan -f json --no-progress "$URI#public.fresh"
expect_exit 0
pgcheck '
s = by_table("public.fresh")
assert s["sampled"] is True and s["rows_scanned"] == 10000, (s["sampled"], s["rows_scanned"])
assert s["rows_estimated"] > 10000, s["rows_estimated"]
has("public.fresh", "email", "email")
' "never analyzed"
case_done "pg: a never-analyzed 30k-row table is still sampled (planner estimate)"

run partition -- scan -f json --no-progress "$URI#public.orders_2025"
expect_exit 0
pgcheck '
s = by_table("public.orders_2025")
assert s["status"] == "ok" and s["rows_scanned"] == 200, s
' "partition by name"
case_done "pg: URI#schema.partition reads that one partition"

run sel -- scan -f json --no-progress --schema public --table 'cust*' \
	--exclude-table 'public.customers_*' "$URI"
pgcheck '
got = sorted(s.get("table") for s in r["sources"])
assert got == ["public.customers"], got
' "selection"
case_done "pg: --schema and --table select tables"

run sel2 -- scan -f json --no-progress --exclude-table secret_notes \
	--exclude-table 'public.ev*' "$URI"
expect_exit 0
pgcheck '
got = [s.get("table") for s in r["sources"]]
assert "public.events" not in got and "public.secret_notes" not in got, got
assert "public.customers" in got and "Sales.Customers" in got, got
assert all(s["status"] == "ok" for s in r["sources"]), got
' "--exclude-table"
case_done "pg: --exclude-table (table or schema.table globs); all readable -> exit 0"

run ofile -- scan -f json --no-progress -o "$T/report.json" "$URI#public.customers"
expect_exit 0
[ -s "$T/report.json" ] || fail "no report in -o file"
leak_watch "$T/report.json"
case_done "pg: -o writes the report"

run text -- scan --no-progress "$URI"
expect_exit 3
expect_stdout_contains "#public.events"
expect_stdout_contains "(sampled)"
expect_stderr_contains "permission denied"
case_done "pg: text report, the refused table on stderr, exit 3"

# ---- errors -----------------------------------------------------------------
run badpw -- scan -f json --no-progress "$URI_BADPW"
expect_exit 3
pgcheck '
assert len(r["sources"]) == 1, r["sources"]
s = r["sources"][0]
assert s["status"] == "error" and "password authentication failed" in s.get("error", ""), s
assert s["source"].startswith("postgresql://lethe_scan@/lethe_t"), s["source"]
' "wrong password"
if grep -q -F "Wr0ngPw" "$LAST.out" "$LAST.err"; then
	fail "the wrong password is echoed"
fi
case_done "pg: wrong password: one error source, exit 3, password not echoed"

for bad in "postgresql://lethe_scan:$PWQ@/$DB?host=$HOSTQ&port=$PGPORT&bogus=1" \
	   "postgresql://lethe_scan:$PWQ@[::1/$DB" \
	   "postgresql://lethe_scan:$PWQ@localhost:notaport/$DB" \
	   "postgresql://lethe_scan:S3cretPw%zz@/$DB?host=$HOSTQ"; do
	run malformed -- scan -f json --no-progress "$bad"
	expect_exit 2
	expect_stdout_empty
	expect_stderr_contains "malformed"
	n=${bad#*@}
	case_done "pg: malformed URI exits 2 (${n:0:24})"
done

run nohost -- scan -f json --no-progress \
	"postgresql://lethe_scan:$PWQ@/$DB?host=/nonexistent-lethe&port=$PGPORT"
expect_exit 3
pgcheck 'assert r["sources"][0]["status"] == "error", r["sources"]' "unreachable"
case_done "pg: unreachable server: an error source, exit 3"

run nosuch -- scan -f json --no-progress "$URI#public.nope"
expect_exit 3
case_done "pg: URI#schema.table naming no table: error, exit 3"

# the server goes away in the middle of a COPY: terminate the backend while
# lethe reads the slow view
(
	sleep 2
	pg_psql postgres -Atc "SELECT pg_catalog.pg_terminate_backend(pid)
		FROM pg_catalog.pg_stat_activity
		WHERE usename = 'lethe_scan' AND application_name = 'lethe'"
) >/dev/null 2>&1 &
killer=$!
start=$(date +%s)
run gone -- scan -f json --no-progress --full "$URI#public.v_slow"
wait "$killer"
took=$(( $(date +%s) - start ))
expect_exit 3
[ "$took" -lt 30 ] || fail "took ${took}s"
pgcheck '
s = r["sources"][0]
assert s["status"] == "error" and "terminat" in s.get("error", ""), s
' "gone"
case_done "pg: server gone mid-COPY: a clear error on the source, exit 3, no hang"

run tmo -- scan -f json --no-progress --full --statement-timeout 500 "$URI#public.v_slow"
expect_exit 3
pgcheck '
s = r["sources"][0]
assert s["status"] == "error" and "statement timeout" in s.get("error", ""), s
' "timeout"
case_done "pg: --statement-timeout ends a slow read (error, exit 3)"

# ---- what must never happen ---------------------------------------------------
bad=""
for f in "$T"/cap/*.out "$T"/cap/*.err; do
	if grep -q -F -e "$PW" -e "$PWQ" -e "S3cretPw" "$f"; then
		bad="$bad $(basename "$f")"
	fi
done
[ -z "$bad" ] || fail "password in:$bad"
case_done "pg: the password appears in no stdout, stderr or -o file"

n=$(pg_psql "$DB" -Atc "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del)
	FROM pg_catalog.pg_stat_user_tables")
n_loaded=$((300 + 5 + 200 + 50000 + 50 + 200 + 200 + 100 + 400 + 30000))
[ "$n" = "$n_loaded" ] || fail "rows changed: $n, loaded $n_loaded"
case_done "pg: nothing written (only the loaded rows ever changed)"

# raw identifiers: the shared fixture list plus every one generated here
cat "$IDENTS" "$T/pg_idents.txt" >"$T/idents.all"
IDENTS=$T/idents.all
check_no_leaks
finish
