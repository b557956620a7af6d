#!/usr/bin/env bash
# tests/cli/pg_plan.sh - `lethe plan` on PostgreSQL tables, against a real
# throwaway cluster (tests/lib/pg.sh).
#
# Loads four tables (customers with a primary key and three date columns of
# three types, orders for age_from {table}, members and an access log
# without primary keys), then, as a role that may only SELECT: the plan's
# row counts equal counts written independently here (CASE instead of
# COALESCE, AT TIME ZONE INTERVAL instead of the session zone, months
# instead of years, NOT EXISTS/NOT IN instead of the plan's predicates); the
# catalog refusals (hash into varchar(9), nullify on NOT NULL); drop_column
# noted as needing --allow-ddl; plan.sql's sha256 in plan.json; plan.sql
# runs with psql -v ON_ERROR_STOP=1 with every COMMIT turned into ROLLBACK
# (every guard passes, nothing changes); after a concurrent change a guard
# raises "lethe: action N (rule R) touched X rows, plan counted Y";
# --batch-rows (primary-key ranges, ctid ranges, counts adding up);
# an unreachable server exits 3; no password and no identifier in any output.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe
export LETHE_PACKS=$TOP/patterns NO_COLOR=1
PF=fixtures/plan
cat "$IDENTS" "$PF/identifiers.txt" >"$T/idents.txt"
IDENTS=$T/idents.txt

. "$TOP/tests/lib/pg.sh"
if ! pg_start >"$T/pg_start.log" 2>&1; then
	not_ok "pg: start a throwaway cluster" "$(tail -n 3 "$T/pg_start.log" | tr '\n' ' ')"
	finish
fi

DB=lethe_plan
PW='Pl4nPw!x9'
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
URI="postgresql://lethe_ro:$(enc "$PW")@/$DB?host=$(enc "$PGHOST")&port=$PGPORT"
SHOWN="postgresql://lethe_ro@/$DB?host=$(enc "$PGHOST")&port=$PGPORT"
echo "$PW" >>"$IDENTS"

# ---- data: identifiers from fixtures/plan/customers.csv, typed dates ---------
python3 - "$PF/customers.csv" >"$T/load.sql" <<'PYEOF'
import csv, random, sys
rnd = random.Random(7)
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))[1:]
def q(v):
    return "NULL" if v is None else "'" + v.replace("'", "''") + "'"
def ts(y0=2018, y1=2026):
    y = rnd.randrange(y0, y1 + 1)
    m = rnd.randrange(1, 11 if y == 2026 else 13)
    return "%04d-%02d-%02d %02d:%02d:%02d" % (y, m, rnd.randrange(1, 29), rnd.randrange(24),
                                              rnd.randrange(60), rnd.randrange(60))
print("""SET client_min_messages = warning;
CREATE EXTENSION pgcrypto;
CREATE ROLE lethe_ro LOGIN PASSWORD 'Pl4nPw!x9';
CREATE TABLE public.customers (customer_id text PRIMARY KEY, full_name text,
  nric varchar(9), email text, mobile text NOT NULL, card_no varchar(19),
  last_order_at timestamptz, updated_at timestamp, created_at date);
CREATE TABLE public.orders (order_id integer PRIMARY KEY, customer_id text,
  ordered_at timestamptz, buyer_email text);
CREATE TABLE public.members (member_no text, nric text, phone text, joined_at date, card text);
CREATE TABLE public.access_log (id bigint, client_ip text, logged_at timestamptz);""")
edge = [  # (last_order_at, updated_at, created_at) at the 2y limit of 2026-11-01T00:00Z, +08:00
    ("2024-11-01 00:00:00+00", None, None), ("2024-10-31 23:59:59.999+00", None, None),
    (None, "2024-11-01 08:00:00", None), (None, "2024-11-01 07:59:59", None),
    (None, None, "2024-11-01"), (None, None, "2024-11-02"), (None, None, None),
    ("2024-02-29 12:00:00+08", None, None)]
for i, r in enumerate(rows):
    cid = "C%04d" % (i + 1) if i != 9 else "it's"
    if i < len(edge):
        lo, up, cr = edge[i]
    else:
        lo = ts() + "+00" if rnd.random() < 0.5 else None
        up = ts() if rnd.random() < 0.5 else None
        cr = ts()[:10] if rnd.random() < 0.8 else None
    print("INSERT INTO public.customers VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s);" % (
        q(cid), q(r[1]), q(r[2]), q(r[3] or None), q(r[4] or "60000000"),
        q(r[5].replace("-", "") or None), q(lo), q(up), q(cr)))
    for k in range(rnd.randrange(3) if i % 4 else 0):
        print("INSERT INTO public.orders VALUES (%d, %s, %s, %s);" % (
            1000 + 10 * i + k, q(cid), q(ts() + "+08"), q(r[3] or None)))
    if i < 30:
        print("INSERT INTO public.members VALUES (%s, %s, %s, %s, %s);" % (
            q("M%03d" % i), q(r[2]), q(r[4] or None), q(ts()[:10]), q(r[5].replace("-", "") or None)))
for i in range(60):
    print("INSERT INTO public.access_log VALUES (%d, '%d.%d.%d.%d', %s);" % (
        i, rnd.choice((203, 198, 192)), rnd.randrange(256), rnd.randrange(256),
        rnd.randrange(1, 255), q(ts(2025, 2026) + "+00")))
print("CREATE SCHEMA probe; CREATE TABLE probe.redact (id integer PRIMARY KEY,"
      " card_first6 text, card_none text, card_last4 text, email text);")
cards = [r[5].replace("-", "") for r in rows if r[5]]
for i, c in enumerate(cards):
    print("INSERT INTO probe.redact VALUES (%d, %s, %s, %s, %s);" % (
        i, q(c), q(c), q(c), q(rows[i][3] or "x.%d@example.com" % i)))
print("""GRANT USAGE ON SCHEMA public, probe TO lethe_ro;
GRANT SELECT ON ALL TABLES IN SCHEMA public, probe TO lethe_ro;
ANALYZE;""")
PYEOF
if ! pg_psql postgres -c "CREATE DATABASE $DB" >"$T/load.log" 2>&1 ||
   ! pg_psql "$DB" -f "$T/load.sql" >>"$T/load.log" 2>&1; then
	not_ok "pg: load the test tables" "$(tail -n 3 "$T/load.log" | tr '\n' ' ')"
	finish
fi
psql_val() { pg_psql "$DB" -At -c "$1" 2>&1; }

NOW=2026-11-01T00:00:00Z
run plan -- plan --policy "$PF/policy-pg.yaml" --now "$NOW" -o "$T/pg.json" --no-progress --schema public "$URI"
expect_exit 1
leak_watch "$T/pg.json"
leak_watch "$T/pg.sql"
A() { json_get "$1" "$T/pg.json"; }
ACTS=$(A '[(a["table"], a["action"], a.get("column")) for a in r["actions"]]')
[ "$ACTS" = '[["public.access_log", "delete_rows", null], ["public.customers", "delete_rows", null], ["public.customers", "redact", "card_no"], ["public.members", "hash", "nric"], ["public.members", "nullify", "phone"], ["public.members", "drop_column", "card"], ["public.orders", "redact", "buyer_email"]]' ] ||
	fail "actions: $ACTS"
expect_json_file "$T/pg.json" "(
all(a['kind'] == 'postgres' and a['uri'] == '$SHOWN' and a['source'] == '$SHOWN#' + a['table'] for a in r['actions'])
and r['sql']['path'] == 'pg.sql' and len(r['sql']['sha256']) == 64
)" "actions name the URI without password, plan.sql beside the plan"
case_done "pg: the actions planned on four tables (read-only role)"

# ---- counts, written independently -------------------------------------------
# wall time at +08:00, calendar arithmetic on it, compared with now's wall time
W="(TIMESTAMP '2026-11-01 08:00:00')"
AGE_C="CASE WHEN c.last_order_at IS NOT NULL THEN c.last_order_at AT TIME ZONE INTERVAL '+08:00'
       WHEN c.updated_at IS NOT NULL THEN c.updated_at ELSE c.created_at::timestamp END"
LAST_ORDER="(SELECT max(o.ordered_at) AT TIME ZONE INTERVAL '+08:00' FROM public.orders o WHERE o.customer_id = c.customer_id)"
HELD="c.customer_id IN ('C0001', 'C0006', 'it''s')"
DEL="($AGE_C + INTERVAL '24 months' < $W OR $LAST_ORDER + INTERVAL '36 months' < $W)"
want() { # JSON-EXPR SQL WHAT
	local got exp
	got=$(A "$1")
	exp=$(psql_val "$2")
	[ "$got" = "$exp" ] || fail "$3: plan $got, SQL $exp"
}
want '[a["rows"] for a in r["actions"] if a["table"] == "public.customers" and a["action"] == "delete_rows"][0]' \
	"SELECT count(*) FROM public.customers c WHERE NOT $HELD AND $DEL" "customers delete_rows"
want '[a["rows"] for a in r["actions"] if a.get("column") == "card_no"][0]' \
	"SELECT count(*) FROM public.customers c WHERE NOT $HELD AND NOT COALESCE($DEL, false) AND coalesce(c.card_no, '') <> ''" \
	"customers.card_no redact (rows that remain)"
want '[a["rows"] for a in r["actions"] if a.get("column") == "buyer_email"][0]' \
	"SELECT count(*) FROM public.orders o WHERE (o.ordered_at AT TIME ZONE INTERVAL '+08:00') + INTERVAL '24 months' < $W AND o.buyer_email <> ''" \
	"orders.buyer_email redact"
want '[a["rows"] for a in r["actions"] if a.get("column") == "phone"][0]' \
	"SELECT count(*) FROM public.members m WHERE m.joined_at + INTERVAL '12 months' < $W AND m.phone <> ''" \
	"members.phone nullify"
want '[a["rows"] for a in r["actions"] if a.get("column") == "nric"][0]' \
	"SELECT count(*) FROM public.members m WHERE m.nric <> ''" "members.nric hash"
want '[a["rows"] for a in r["actions"] if a["table"] == "public.access_log"][0]' \
	"SELECT count(*) FROM public.access_log l WHERE (l.logged_at AT TIME ZONE INTERVAL '+08:00') + INTERVAL '90 days' < $W" \
	"access_log delete_rows"
want '[u["rows"] for u in r["unreadable_dates"] if u["column"] == "last_order_at"][0]' \
	"SELECT count(*) FROM public.customers c WHERE NOT $HELD AND ($AGE_C) IS NULL" \
	"unreadable (no date at all) under last_order_at"
want '[u["rows"] for u in r["unreadable_dates"] if u["column"] == "ordered_at"][0]' \
	"SELECT count(*) FROM public.customers c WHERE NOT $HELD AND NOT EXISTS (SELECT 1 FROM public.orders o WHERE o.customer_id = c.customer_id)" \
	"unreadable (no related order) under ordered_at"
want '[v["rows"] for v in r["violations"] if v["rule"] == "contacts-2y"][0]' \
	"SELECT count(*) FROM public.customers c WHERE NOT $HELD AND $AGE_C + INTERVAL '24 months' < $W AND c.email <> ''" \
	"violation contacts-2y rows"
want '[v["oldest"] for v in r["violations"] if v["rule"] == "contacts-2y"][0]' \
	"SELECT to_char(min($AGE_C), 'YYYY-MM-DD') FROM public.customers c WHERE NOT $HELD AND $AGE_C + INTERVAL '24 months' < $W AND c.email <> ''" \
	"violation contacts-2y oldest"
case_done "pg: every count equals an independently written SQL count"

expect_json_file "$T/pg.json" "(
any(x['column'] == 'nric' and x['source'].endswith('#public.customers') and 'too short' in x['reason'] for x in r['refused'])
and any(x['column'] == 'mobile' and x['reason'] == 'nullify on a NOT NULL column' for x in r['refused'])
and [a.get('needs') for a in r['actions'] if a['action'] == 'drop_column'] == ['--allow-ddl']
and [a['holds'][0]['keys'] for a in r['actions'] if a['table'] == 'public.customers'][0] == ['C0001', 'C0006', \"it's\"]
)" "refusals from the catalog; drop_column needs --allow-ddl; holds carried"
case_done "pg: hash into varchar(9) and nullify on NOT NULL refused; drop_column noted as needing --allow-ddl"

# ---- plan.sql --------------------------------------------------------------------
SQL=$T/pg.sql
[ "$(sha256sum "$SQL" | cut -c1-64)" = "$(A 'r["sql"]["sha256"]')" ] || fail "sha256 of plan.sql differs from plan.json"
grep -q "^-- lethe:database $SHOWN\$" "$SQL" || fail "no '-- lethe:database URI' line"
grep -q "^SET LOCAL search_path = '';\$" "$SQL" || fail "no empty search_path"
grep -q "^SET LOCAL TimeZone = '<+0800>-08:00';\$" "$SQL" || fail "TimeZone not the policy's zone"
[ "$(grep -c '^BEGIN;$' "$SQL")" = 1 ] || fail "want one transaction for one database"
grep -q 'hmac(t."nric"::pg_catalog.text, pg_catalog.current_setting(.lethe.hash_key.), .sha256.)' "$SQL" || fail "hash is not pgcrypto hmac with lethe.hash_key"
grep -q "'it''s'" "$SQL" || fail "hold key literal not escaped"
grep -q "PW\|$PW" "$SQL" && fail "the password is in plan.sql"
case_done "pg: plan.sql: sha256 in plan.json, one transaction, empty search_path, the zone, quoted literals"

# Runs plan.sql with every COMMIT a ROLLBACK (nothing stays), as the
# superuser, with apply's settings.
run_sql() { # FILE LOG
	{ echo "SET lethe.hash_key = 'test-key'; SET lethe.allow_ddl = 'on';"
	  sed 's/^COMMIT;$/ROLLBACK;/' "$1"; } |
		pg_psql "$DB" -v ON_ERROR_STOP=1 >"$2" 2>&1
}
SNAP="SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM (SELECT c::text AS t FROM public.customers c UNION ALL SELECT o::text FROM public.orders o UNION ALL SELECT m::text FROM public.members m UNION ALL SELECT l::text FROM public.access_log l) s"
before=$(psql_val "$SNAP")
if run_sql "$SQL" "$T/run1.log"; then :; else fail "plan.sql failed: $(tail -n 2 "$T/run1.log" | tr '\n' ' ')"; fi
[ "$(psql_val "$SNAP")" = "$before" ] || fail "data changed after ROLLBACK"
case_done "pg: plan.sql runs under psql -v ON_ERROR_STOP=1: every guard passes (counts exact), rolled back"

# a concurrent change: one more customer over the limit
pg_psql "$DB" -c "UPDATE public.customers SET last_order_at = '2001-01-01', updated_at = NULL WHERE customer_id = 'C0003'" >/dev/null
if run_sql "$SQL" "$T/run2.log"; then
	fail "plan.sql ran although the data changed"
else
	grep -q "lethe: action [0-9]* (rule contacts-2y) touched [0-9]* rows, plan counted [0-9]*" "$T/run2.log" ||
		fail "guard message: $(grep -m1 ERROR "$T/run2.log")"
fi
pg_psql "$DB" -c "UPDATE public.customers SET last_order_at = NULL, updated_at = '2024-11-01 08:00:00' WHERE customer_id = 'C0003'" >/dev/null
case_done "pg: after a concurrent change a guard raises, naming the action and rule, and the transaction rolls back"

# ---- batches ----------------------------------------------------------------------
run batched -- plan --policy "$PF/policy-pg.yaml" --now "$NOW" -o "$T/b.json" --batch-rows 4 --no-progress --schema public "$URI"
expect_exit 1
leak_watch "$T/b.sql"
grep -q "^-- lethe:batch " "$T/b.sql" || fail "no batches"
grep -q "t.\"customer_id\" > '[^']*'::text AND t.\"customer_id\" <= " "$T/b.sql" || fail "no primary-key ranges"
grep -q "t.ctid >= '([0-9]*,0)'::pg_catalog.tid" "$T/b.sql" || fail "no ctid ranges (access_log has no key)"
python3 - "$T/b.json" "$T/b.sql" >"$T/bcheck.txt" <<'PYEOF' || fail "$(cat "$T/bcheck.txt")"
import json, re, sys
plan = json.load(open(sys.argv[1]))
sql = open(sys.argv[2]).read()
sums, nb = {}, {}
for block in re.split(r"\n(?=-- lethe:database )", sql):
    m = re.search(r"^-- lethe:batch (\d+) (\d+)/(\d+)$", block, re.M)
    if not m:
        continue
    a = int(m.group(1))
    c = re.search(r"plan counted (\d+)'", block)
    sums[a] = sums.get(a, 0) + int(c.group(1))
    nb[a] = int(m.group(3))
bad = []
for a in plan["actions"]:
    if a["id"] in sums:
        if sums[a["id"]] != a["rows"]:
            bad.append("action %d: batches add up to %d, plan %d" % (a["id"], sums[a["id"]], a["rows"]))
    elif a["rows"] > 4 and a["action"] != "drop_column" and a["table"] != "public.members":
        bad.append("action %d (%s, %d rows) not batched" % (a["id"], a["table"], a["rows"]))
print("; ".join(bad))
sys.exit(1 if bad else 0)
PYEOF
if run_sql "$T/b.sql" "$T/run3.log"; then :; else fail "batched plan.sql failed: $(tail -n 2 "$T/run3.log" | tr '\n' ' ')"; fi
[ "$(psql_val "$SNAP")" = "$before" ] || fail "data changed after ROLLBACK"
case_done "pg: --batch-rows: key ranges, ctid ranges for a keyless delete, batch counts add up, every batch's guard passes"

# ---- redaction in SQL = redaction in files ---------------------------------------
run redact -- plan --policy "$PF/policy-pg-redact.yaml" --now "$NOW" -o "$T/r.json" --no-progress "$URI#probe.redact"
expect_exit 1
leak_watch "$T/r.sql"
# the vectors of tests/unit/test_plan.c (test_redact), through each SET expression
python3 - "$T/r.sql" >"$T/probe.sql" <<'PYEOF'
import re, sys
sql = open(sys.argv[1]).read()
V = {
    "card_last4": [("S1234567D", "*****567D"), ("4111-1111-1111-1111", "***************1111"),
                   ("1234", "1234"), ("12", "12"), ("한국어테스트", "**어테스트")],
    "card_first6": [("4111-1111-1111-1111", "4111-1*************"), ("41111", "41111")],
    "card_none": [("S1234567D", "#########"), ("홍길동", "###")],
    "email": [("alice.tan@example.com", "*********@example.com"), ("a@b@c.com", "***@c.com"),
              ("no-at-sign", "**********"), ("홍@x.kr", "*@x.kr")],
}
for col, vecs in V.items():
    m = re.search(r'SET "%s" = (.*)\n  WHERE' % col, sql)
    if not m:
        print("SELECT 'no SET expression for %s';" % col)
        continue
    for v, want in vecs:
        print("SELECT CASE WHEN (%s) = '%s' THEN 'ok' ELSE '%s: ' || (%s) END FROM (VALUES ('%s')) AS t(\"%s\");"
              % (m.group(1), want, col, m.group(1), v, col))
PYEOF
bad=$(pg_psql "$DB" -At -f "$T/probe.sql" 2>&1 | grep -v '^ok$')
[ -z "$bad" ] || fail "SQL redaction differs: $(echo "$bad" | head -n 3 | tr '\n' ' ')"
[ "$(pg_psql "$DB" -At -f "$T/probe.sql" | grep -c '^ok$')" = 13 ] || fail "want 13 vectors checked"
case_done "pg: plan.sql's redactions (last4, first6, none with a mask, domain) write what lt_redact writes"

# ---- a server that is not there ------------------------------------------------------
run down -- plan --policy "$PF/policy-pg.yaml" --now "$NOW" -o "$T/down.json" --no-progress \
	"postgresql://lethe_ro:$(enc "$PW")@/$DB?host=$(enc "$T/nosuchdir")&port=1"
expect_exit 3
case_done "pg: an unreachable server: exit 3"

[ -n "${PG_PLAN_KEEP:-}" ] && cp "$T"/pg.json "$T"/pg.sql "$T"/b.sql /tmp/plantest/ 2>/dev/null
check_no_leaks
finish
