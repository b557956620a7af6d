#!/usr/bin/env bash
# pg_apply.sh - `lethe apply PLAN.json --execute` on a real PostgreSQL
# cluster (tests/lib/pg.sh), with plans from `lethe plan`.
#
# Tables filled with synthetic, checksum-valid identifiers; a policy that
# redacts cards (last4), hashes NRICs (pgcrypto), nullifies the phones of
# leads, drops a legacy NRIC column (--allow-ddl) and deletes customers two
# years after their last order, one customer held.  Checked:
#   - without --execute: what would run (plan.sql, statement count, the
#     database without password), nothing changed;
#   - usage: --execute without LETHE_HASH_KEY or without --allow-ddl
#     (exit 2); plan.sql edited after the plan (exit 4);
#   - a concurrent change between plan and execute (an old customer
#     inserted): the guard raises, everything rolls back (exit 4, the
#     server's message naming the action, every table unchanged);
#   - then --execute: every row and cell as planned (psql against a
#     snapshot: deleted rows, hashes = pgcrypto's hmac, masks, NULLs, the
#     column gone), the receipt beside the plan; a second run refused;
#   - client-side hashing when pgcrypto is missing;
#   - batches (plan --batch-rows): a batch whose guard fails after the first
#     committed, a partial receipt, then a second run resumes and finishes;
#   - the password (a .pgpass file, or --db) never in any output.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
export NO_COLOR=1

. "$TOP/tests/lib/pg.sh"
if ! pg_start >"$T/pg_start.log" 2>&1; then
	not_ok "pg: start a throwaway cluster" "$(tail -n 3 "$T/pg_start.log" | tr '\n' ' ')"
	finish
fi
require_lethe

PW='Apply-S3cret!'
KEY='hmac-K3y-for-tests'
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
HOSTQ=$(enc "$PGHOST")
URI="postgresql://lethe_app@/lethe_a?host=$HOSTQ&port=$PGPORT"
URI2="postgresql://lethe_app@/lethe_b?host=$HOSTQ&port=$PGPORT"
URI3="postgresql://lethe_app@/lethe_c?host=$HOSTQ&port=$PGPORT"
# the password comes from a .pgpass file: the plan never holds one
printf '*:*:*:lethe_app:%s\n' "$PW" >"$T/pgpass"
chmod 600 "$T/pgpass"
export PGPASSFILE=$T/pgpass

W=$T/w
mkdir -p "$W"
python3 - "$T/load.sql" "$T/b.sql" "$T/c.sql" <<'PYEOF'
import os, random, sys
sys.path.insert(0, os.path.join(os.environ["LT_TOP"], "tools"))
from checkdigits import luhn_complete, nric_letter
rnd = random.Random(20261123)

def nric():
    p = rnd.choice("ST")
    d = "".join(str(rnd.randrange(10)) for _ in range(7))
    return p + d + nric_letter(p, d)

def luhn():
    return luhn_complete("4" + "".join(str(rnd.randrange(10)) for _ in range(14)))

def mob():
    return "9" + "".join(str(rnd.randrange(10)) for _ in range(7))

def copy(o, table, cols, rows):
    o.write("COPY %s (%s) FROM stdin;\n" % (table, ", ".join(cols)))
    for r in rows:
        o.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
    o.write("\\.\n")

with open(sys.argv[1], "w") as o:
    o.write("""
SET client_min_messages = warning;
CREATE ROLE lethe_app WITH LOGIN PASSWORD 'Apply-S3cret!';
CREATE EXTENSION pgcrypto;
CREATE TABLE public.customers (id integer PRIMARY KEY, nric text, email text,
  card_no text, mobile text, created_at timestamptz, last_order_at date);
CREATE TABLE public.leads (id integer PRIMARY KEY, mobile text, note text);
CREATE TABLE public.legacy (id integer PRIMARY KEY, old_nric text, kept text);
""")
    rows = []
    for i in range(1, 201):
        year = 2018 + i % 9      # 2018..2026
        lo = None if i % 5 == 0 else "%d-%02d-15" % (year, 1 + i % 12)
        rows.append((i, nric(), "user%d@example.com" % i,
                     luhn() if i % 7 else "", "+65 " + mob(),
                     "%d-%02d-01 10:00:00+08" % (2017 + i % 9, 1 + i % 12), lo))
    copy(o, "public.customers", ["id", "nric", "email", "card_no", "mobile",
                                 "created_at", "last_order_at"], rows)
    copy(o, "public.leads", ["id", "mobile", "note"],
         [(i, mob() if i % 4 else "", "lead %d" % i) for i in range(1, 81)])
    copy(o, "public.legacy", ["id", "old_nric", "kept"],
         [(i, nric(), "k%d" % i) for i in range(1, 51)])
    o.write("""
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO lethe_app;
ALTER TABLE public.legacy OWNER TO lethe_app;
CREATE SCHEMA snap;
CREATE TABLE snap.customers AS TABLE public.customers;
CREATE TABLE snap.leads AS TABLE public.leads;
CREATE TABLE snap.legacy AS TABLE public.legacy;
ANALYZE;
""")
# lethe_b: no pgcrypto -> apply hashes client-side
with open(sys.argv[2], "w") as o:
    o.write("SET client_min_messages = warning;\n"
            "CREATE TABLE public.people (id integer PRIMARY KEY, nric text, name text);\n")
    copy(o, "public.people", ["id", "nric", "name"],
         [(i, nric() if i % 3 else "", "p%d" % i) for i in range(1, 2501)])
    o.write("GRANT SELECT, UPDATE ON public.people TO lethe_app;\n"
            "CREATE SCHEMA snap; CREATE TABLE snap.people AS TABLE public.people;\nANALYZE;\n")
# lethe_c: batches
with open(sys.argv[3], "w") as o:
    o.write("SET client_min_messages = warning;\n"
            "CREATE TABLE public.cards (id integer PRIMARY KEY, card_no text);\n")
    copy(o, "public.cards", ["id", "card_no"], [(i, luhn()) for i in range(1, 600, 2)])
    o.write("GRANT SELECT, UPDATE ON public.cards TO lethe_app;\n"
            "CREATE SCHEMA snap; CREATE TABLE snap.cards AS TABLE public.cards;\nANALYZE;\n")
PYEOF
if ! { pg_psql postgres -c "CREATE DATABASE lethe_a" &&
       pg_psql lethe_a -f "$T/load.sql" &&
       pg_psql postgres -c "CREATE DATABASE lethe_b" &&
       pg_psql lethe_b -f "$T/b.sql" &&
       pg_psql postgres -c "CREATE DATABASE lethe_c" &&
       pg_psql lethe_c -f "$T/c.sql"; } >"$T/load.log" 2>&1; then
	not_ok "pg: load fixtures" "$(head -n 5 "$T/load.log" | tr '\n' ' ')"
	finish
fi
ok "pg: cluster up, fixtures loaded"

q() { pg_psql "$1" -At -c "SET TimeZone = 'Asia/Singapore'; $2" 2>&1; }
# sq DB SQL WANT WHY: one value from psql
sq() {
	local got
	got=$(q "$1" "$2")
	[ "$got" = "$3" ] || fail "$4: got '$got', want '$3'"
}
state() { # a digest of every planned table of lethe_a
	q lethe_a "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
	  SELECT 'c' || row(c.*)::text AS x FROM public.customers c
	  UNION ALL SELECT 'l' || row(l.*)::text FROM public.leads l
	  UNION ALL SELECT 'g' || row(g.*)::text FROM public.legacy g) s"
}

cat >"$W/policy.yaml" <<'EOF'
policy: pg-apply-test
version: 1
timezone: "+08:00"
rules:
  - id: legacy-nric-column
    match: { types: [sg.nric], tables: ["*.legacy"] }
    retain: 0
    action: drop_column
  - id: no-card-numbers
    match: { categories: [payment_card] }
    retain: 0
    action: redact
    keep: last4
  - id: nric-hashed
    match: { types: [sg.nric] }
    retain: 0
    action: hash
  - id: leads-phones
    match: { categories: [phone], tables: ["*.leads"] }
    retain: 0
    action: nullify
  - id: customers-2y
    match: { categories: [email, phone], tables: ["*.customers"] }
    retain: 2y
    age_from: [last_order_at, created_at]
    action: delete_rows
holds:
  - id: dispute-7
    match: { tables: [public.customers] }
    where: { column: id, in: ["7"] }
EOF

NOW=2026-11-01T00:00:00+08:00
run plan --cwd "$W" -- plan --policy policy.yaml --now "$NOW" --full --no-progress \
	-o plan.json "$URI#public.customers" "$URI#public.leads" "$URI#public.legacy"
expect_exit 1
expect_json_file "$W/plan.json" 'sorted((a["table"], a["action"], a.get("column")) for a in r["actions"]) == [("public.customers", "delete_rows", None), ("public.customers", "hash", "nric"), ("public.customers", "redact", "card_no"), ("public.leads", "nullify", "mobile"), ("public.legacy", "drop_column", "old_nric")]' "the five actions"
expect_json_file "$W/plan.json" 'not [a for a in r["actions"] if a.get("hash_client_side")]' "pgcrypto used"
[ -s "$W/plan.sql" ] || fail "no plan.sql"
case_done "plan: delete_rows, hash, redact, nullify, drop_column on three tables; plan.sql beside the plan"
BEFORE=$(state)

run dry --cwd "$W" -- apply plan.json
expect_exit 0
expect_stdout_matches "would run .*plan\.sql \([0-9]+ statements\) on postgresql://lethe_app@/lethe_a"
expect_stdout_contains "--execute"
[ "$(state)" = "$BEFORE" ] || fail "the database changed"
case_done "without --execute: plan.sql, its statement count and the database shown; nothing changed"

run nokey --cwd "$W" --env LETHE_HASH_KEY= -- apply plan.json --execute --allow-ddl
expect_exit 2
expect_stderr_contains "LETHE_HASH_KEY"
run noddl --cwd "$W" --env LETHE_HASH_KEY="$KEY" -- apply plan.json --execute
expect_exit 2
expect_stderr_contains "--allow-ddl"
[ "$(state)" = "$BEFORE" ] || fail "the database changed"
case_done "--execute without LETHE_HASH_KEY or without --allow-ddl: exit 2, nothing changed"

cp "$W/plan.sql" "$W/plan.sql.orig"
echo "-- edited" >>"$W/plan.sql"
run edited --cwd "$W" --env LETHE_HASH_KEY="$KEY" -- apply plan.json --execute --allow-ddl
expect_exit 4
expect_stderr_contains "changed since the plan was made"
cp "$W/plan.sql.orig" "$W/plan.sql"
[ "$(state)" = "$BEFORE" ] || fail "the database changed"
case_done "plan.sql edited after the plan: refused (exit 4), nothing changed"

# a concurrent change: one more customer over two years, not held
q lethe_a "INSERT INTO public.customers VALUES (9999, 'S0000001I', 'late@example.com', '', '+65 91234567', '2019-01-01', '2019-06-01')" >/dev/null
MID=$(state)
run race --cwd "$W" --env LETHE_HASH_KEY="$KEY" -- apply plan.json --execute --allow-ddl
expect_exit 4
expect_stderr_matches "lethe: action [0-9]+ \(rule customers-2y\) touched [0-9]+ rows, plan counted [0-9]+"
[ "$(state)" = "$MID" ] || fail "the database changed: no rollback"
sq lethe_a "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'legacy' AND column_name = 'old_nric'" 1 "old_nric still there"
[ ! -e "$W/plan-receipt.json" ] || fail "a receipt for a rolled-back run"
case_done "a row inserted between plan and execute: the guard raises, all rolled back (exit 4, every table unchanged)"
q lethe_a "DELETE FROM public.customers WHERE id = 9999" >/dev/null
[ "$(state)" = "$BEFORE" ] || fail "could not put the table back"

run exec --cwd "$W" --env LETHE_HASH_KEY="$KEY" -- apply plan.json --execute --allow-ddl
expect_exit 0
expect_stdout_contains "committed"
leak_watch "$W/plan-receipt.json"
case_done "--execute --allow-ddl: exit 0, committed"

# deletes: exactly the planned rows; the held customer stays
DEL=$(python3 -c 'import json,sys; print([a["rows"] for a in json.load(open(sys.argv[1]))["actions"] if a["action"] == "delete_rows"][0])' "$W/plan.json")
sq lethe_a "SELECT (SELECT count(*) FROM snap.customers) - count(*) FROM public.customers" "$DEL" "rows deleted"
sq lethe_a "SELECT count(*) FROM public.customers WHERE id = 7" 1 "held row"
sq lethe_a "SELECT count(*) FROM public.customers WHERE id <> 7 AND
  COALESCE(last_order_at::timestamptz, created_at) + interval '2 years' < '$NOW'::timestamptz" 0 "an old row left"
sq lethe_a "SELECT count(*) FROM snap.customers s WHERE NOT EXISTS (SELECT 1 FROM public.customers c WHERE c.id = s.id)
  AND (s.id = 7 OR COALESCE(s.last_order_at::timestamptz, s.created_at) + interval '2 years' >= '$NOW'::timestamptz)" 0 "a recent or held row deleted"
case_done "delete_rows: exactly the planned rows gone (over 2y by last_order_at, else created_at), the held one kept"

sq lethe_a "SELECT count(*) FROM public.customers c JOIN snap.customers s USING (id)
  WHERE c.nric IS DISTINCT FROM CASE WHEN c.id = 7 THEN s.nric ELSE encode(hmac(s.nric, '$KEY', 'sha256'), 'hex') END" 0 "hashes (the held row untouched)"
sq lethe_a "SELECT count(*) FROM public.customers c JOIN snap.customers s USING (id)
  WHERE c.card_no IS DISTINCT FROM CASE WHEN s.card_no = '' THEN '' ELSE repeat('*', length(s.card_no) - 4) || right(s.card_no, 4) END" 0 "card masks"
sq lethe_a "SELECT count(*) FROM public.customers c JOIN snap.customers s USING (id)
  WHERE (c.email, c.mobile, c.created_at, c.last_order_at) IS DISTINCT FROM (s.email, s.mobile, s.created_at, s.last_order_at)" 0 "other columns"
case_done "hash = hmac(nric, key, sha256) hex (the held row untouched); cards masked but the last 4; every other cell as it was"

sq lethe_a "SELECT count(*) FROM public.leads l JOIN snap.leads s USING (id)
  WHERE l.mobile IS DISTINCT FROM (CASE WHEN s.mobile = '' THEN '' END) OR l.note <> s.note" 0 "leads"
sq lethe_a "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'legacy'" "id,kept" "legacy columns"
case_done "nullify: non-empty phones NULL, empty ones kept; drop_column: the column gone"

expect_json_file "$W/plan-receipt.json" 'r["status"] == "done" and len(r["actions"]) == 5 and r["sql"]["sha256"] == load("'"$W"'/plan.json")["sql"]["sha256"]' "receipt"
expect_json_file "$W/plan-receipt.json" 'sorted((a["id"], a["rows"]) for a in r["actions"]) == sorted((a["id"], a["rows"]) for a in load("'"$W"'/plan.json")["actions"])' "receipt rows"
case_done "receipt beside the plan: done, every action with the rows the guards verified"

AFTER=$(q lethe_a "SELECT count(*) FROM public.customers")
run again --cwd "$W" --env LETHE_HASH_KEY="$KEY" -- apply plan.json --execute --allow-ddl
expect_exit 4
expect_stderr_contains "carried out already"
sq lethe_a "SELECT count(*) FROM public.customers" "$AFTER" "second run"
case_done "a second --execute of the same plan: refused (exit 4)"

# ---- client-side hash: no pgcrypto in lethe_b ------------------------------------
cat >"$W/hash.yaml" <<'EOF'
policy: hash-people
version: 1
rules:
  - id: nric-hashed
    match: { types: [sg.nric] }
    retain: 0
    action: hash
EOF
run bplan --cwd "$W" -- plan --policy hash.yaml --full --no-progress -o b.json "$URI2#public.people"
expect_exit 1
expect_json_file "$W/b.json" 'r["actions"][0]["hash_client_side"] is True and r["actions"][0]["rows"] == 1667' "client-side"
run bexec --cwd "$W" --env LETHE_HASH_KEY="$KEY" -- apply b.json --execute
expect_exit 0
pg_psql lethe_b -c "CREATE EXTENSION pgcrypto" >/dev/null 2>&1
sq lethe_b "SELECT count(*) FROM public.people p JOIN snap.people s USING (id)
  WHERE p.nric IS DISTINCT FROM CASE WHEN s.nric = '' THEN '' ELSE encode(hmac(s.nric, '$KEY', 'sha256'), 'hex') END OR p.name <> s.name" 0 "client hashes"
case_done "no pgcrypto: apply hashes client-side (2,500 rows, in chunks), same HMAC as pgcrypto's"

# ---- batches, a failure in the second, then a resume ---------------------------------
cat >"$W/cards.yaml" <<'EOF'
policy: cards
version: 1
rules:
  - id: no-card-numbers
    match: { categories: [payment_card] }
    retain: 0
    action: redact
    keep: last4
EOF
run cplan --cwd "$W" -- plan --policy cards.yaml --full --no-progress --batch-rows 100 -o c.json "$URI3#public.cards"
expect_exit 1
NB=$(grep -c '^-- lethe:batch ' "$W/c.sql")
[ "$NB" -ge 3 ] || fail "$NB batches in c.sql"
case_done "plan --batch-rows 100: plan.sql holds $NB batch transactions"
# a card inserted in the second batch's key range after the plan (ids are odd)
q lethe_c "INSERT INTO public.cards VALUES (300, '4111111111111111')" >/dev/null
run cfail --cwd "$W" -- apply c.json --execute
expect_exit 4
expect_stderr_contains "run apply --execute again to resume"
expect_json_file "$W/c-receipt.json" 'r["status"] == "partial" and r["transactions"][0]["committed"] and not r["transactions"][-1]["committed"]' "partial receipt"
case_done "a batch whose guard fails after others committed: exit 4, a partial receipt"
q lethe_c "DELETE FROM public.cards WHERE id = 300" >/dev/null
run cresume --cwd "$W" -- apply c.json --execute
expect_exit 0
expect_stdout_contains "resumed: 1 transaction committed by an earlier run skipped"
expect_json_file "$W/c-receipt.json" 'r["status"] == "done" and all(t["committed"] for t in r["transactions"])' "done receipt"
sq lethe_c "SELECT count(*) FROM public.cards c JOIN snap.cards s USING (id)
  WHERE c.card_no IS DISTINCT FROM repeat('*', length(s.card_no) - 4) || right(s.card_no, 4)" 0 "masks"
sq lethe_c "SELECT count(*) FROM public.cards" 300 "rows"
case_done "the second run resumes after the committed batches and finishes: every card masked"

# ---- the password stays secret ---------------------------------------------------------
run badpw --cwd "$W" --env PGPASSFILE=/nonexistent -- apply c.json --execute \
	--db "postgresql://lethe_app:Wr0ng-Pw%21@/lethe_c?host=$HOSTQ&port=$PGPORT"
expect_exit 4
expect_stderr_contains "carried out already"
rm -f "$W/c-receipt.json"
run badpw2 --cwd "$W" --env PGPASSFILE=/nonexistent -- apply c.json --execute \
	--db "postgresql://lethe_app:Wr0ng-Pw%21@/lethe_c?host=$HOSTQ&port=$PGPORT"
expect_exit 3
expect_stderr_contains "password authentication failed"
if grep -q -F -e "Wr0ng" -e "$PW" -e "$KEY" "$T"/cap/*.out "$T"/cap/*.err "$W"/*receipt*.json; then
	fail "a password or the key is printed"
fi
case_done "--db with a wrong password: exit 3; no password nor hash key in any output or receipt"

check_no_leaks
finish
