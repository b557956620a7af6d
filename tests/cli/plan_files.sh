#!/usr/bin/env bash
# tests/cli/plan_files.sh - `lethe plan` on files: the rows each action
# changes, checked row by row against an independent model (Python, below:
# its own date reader and calendar arithmetic, written from policy.h and
# docs/plan-format.md, not from the C); every shipped policy on the demo
# fixtures (exit 1, violations) and on a clean file (exit 0); refusals
# (standard input, missing age columns, a table age_from on a file, a hold
# on a missing column); the CP949+gzip fixture's format and fingerprint;
# reproducible output with --now; usage errors and bad policies (exit 2)
# beat unreadable sources (exit 3), which beat violations (exit 1); no
# plan.sql without Postgres; no raw identifier in any output.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe
export LETHE_PACKS=$TOP/patterns NO_COLOR=1

PF=fixtures/plan
# the leak check also knows the plan fixtures' identifiers
cat "$IDENTS" "$PF/identifiers.txt" >"$T/idents.txt"
IDENTS=$T/idents.txt

# ---- the independent model ------------------------------------------------
cat >"$T/model.py" <<'PYEOF'
"""Expected plan of fixtures/plan/customers.csv under policy-files.yaml.

usage: model.py NOW PLAN.json ROWLOG   (prints nothing when all agree)
"""
import calendar, csv, datetime as dt, json, re, sys

OFF = 8 * 3600                      # policy timezone +08:00

def dim(y, m):
    return calendar.monthrange(y, m)[1]

def zone(z):
    if z == "Z":
        return 0
    m = re.fullmatch(r"([+-])(\d\d):?(\d\d)?", z)
    return (1 if m.group(1) == "+" else -1) * (int(m.group(2)) * 3600 + int(m.group(3) or 0) * 60)

def wall(y, mo, d, hh, mi, ss, frac, off):
    if not (1 <= y <= 9999 and 1 <= mo <= 12 and 1 <= d <= dim(y, mo)):
        raise ValueError
    if not (hh <= 23 and mi <= 59 and ss <= 59):
        raise ValueError
    ms = int(((frac or "") + "000")[:3])
    return (calendar.timegm((y, mo, d, hh, mi, ss)) - off) * 1000 + ms

TIME = r"(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?"
TIME_SP = r"(?: (\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?"

def parse(s):
    """A date as lethe reads it with date_format auto; ValueError if not."""
    s = s.strip(" \t")
    if re.fullmatch(r"\d{13}", s):
        return int(s)
    if re.fullmatch(r"\d{10}", s):
        return int(s) * 1000
    if re.fullmatch(r"\d{8}", s):
        return wall(int(s[:4]), int(s[4:6]), int(s[6:]), 0, 0, 0, None, OFF)
    if re.match(r"\d{4}-", s):
        m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)" + TIME + r"(Z|[+-]\d\d(?::?\d\d)?)?", s)
        if not m:
            raise ValueError
        g = m.groups()
        off = OFF if g[7] is None else zone(g[7])
        return wall(int(g[0]), int(g[1]), int(g[2]), int(g[3] or 0), int(g[4] or 0),
                    int(g[5] or 0), g[6], off)
    if re.match(r"\d{4}\.", s):
        m = re.fullmatch(r"(\d{4})\.(\d\d)\.(\d\d)" + TIME_SP, s)
        if not m:
            raise ValueError
        g = m.groups()
        return wall(int(g[0]), int(g[1]), int(g[2]), int(g[3] or 0), int(g[4] or 0),
                    int(g[5] or 0), g[6], OFF)
    if re.match(r"\d{1,2}[/-]", s):
        m = re.fullmatch(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4})" + TIME_SP, s)
        if not m:
            raise ValueError
        g = m.groups()
        return wall(int(g[3]), int(g[2]), int(g[0]), int(g[4] or 0), int(g[5] or 0),
                    int(g[6] or 0), g[7], OFF)
    raise ValueError

def plus(ms, n, unit):
    """ms + n units, calendar arithmetic on the wall time at +08:00."""
    w = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms + OFF * 1000)
    if unit == "d":
        w += dt.timedelta(days=n)
    else:
        k = w.month - 1 + n * (12 if unit == "y" else 1)
        y, m = w.year + k // 12, k % 12 + 1
        w = w.replace(year=y, month=m, day=min(w.day, dim(y, m)))
    return int((w - dt.datetime(1970, 1, 1)).total_seconds() * 1000) - OFF * 1000

NOW = parse(sys.argv[1]) if sys.argv[1][-1] == "Z" else None
PLAN = json.load(open(sys.argv[2], encoding="utf-8"))
LOG = [l.rstrip("\n").split("\t") for l in open(sys.argv[3], encoding="utf-8")]
SRC = "fixtures/plan/customers.csv"

rows = list(csv.reader(open(SRC, encoding="utf-8", newline="")))
hdr, rows = rows[0], rows[1:]
col = {h: i for i, h in enumerate(hdr)}
holds = set()
for l in open("fixtures/plan/holds/dispute-7.txt", encoding="utf-8"):
    l = l.strip()
    if l and not l.startswith("#"):
        holds.add(l)
orders = {}
for r in list(csv.reader(open("fixtures/plan/orders.csv", encoding="utf-8")))[1:]:
    k = r[1].strip(" \t")
    e = orders.setdefault(k, [None, False])
    try:
        t = parse(r[2])
        e[0] = t if e[0] is None or t > e[0] else e[0]
    except ValueError:
        e[1] = True

def first_date(r, cols):
    """(date or None, column whose date could not be read or None)."""
    for c in cols:
        v = r[col[c]].strip(" \t")
        if not v:
            continue
        try:
            return parse(v), None
        except ValueError:
            return None, c
    return None, cols[0]

def judge(date, n, unit):
    return plus(date, n, unit) < NOW

RULES = {  # rule: (columns, n, unit) or the orders file
    "contacts-2y": (["last_order_at", "updated_at", "created_at"], 2, "y"),
    "phones-18m": (["updated_at", "created_at"], 18, "m"),
    "names-after-last-order": (None, 3, "y"),
}

def cond(r, rule):
    """('over'|'within'|'unreadable', date, unreadable column)."""
    cols, n, unit = RULES[rule]
    if cols is None:
        e = orders.get(r[col["customer_id"]].strip(" \t"))
        if not e or e[1] or e[0] is None:
            return "unreadable", None, "ordered_at"
        d = e[0]
    else:
        d, bad = first_date(r, cols)
        if d is None:
            return "unreadable", None, bad
    return ("over" if judge(d, n, unit) else "within"), d, None

problems = []
want_log = []
counts = {"delete": 0, "hash": 0, "nullify": 0, "redact": 0}
viol = {}     # (rule, column): [rows, oldest]
unread = {}   # column: rows
for i, r in enumerate(rows, 1):
    held = r[col["customer_id"]].strip(" \t") in holds
    res = {k: cond(r, k) for k in RULES}
    if not held:
        seen = set()
        for k, (state, d, bad) in res.items():
            if state == "unreadable" and bad not in seen:
                seen.add(bad)
                unread[bad] = unread.get(bad, 0) + 1
        for rule, c in (("contacts-2y", "email"), ("phones-18m", "mobile"),
                        ("names-after-last-order", "full_name"),
                        ("nric-hash", "nric"), ("cards-last4", "card_no")):
            if not r[col[c]]:
                continue
            if rule in RULES:
                state, d, _ = res[rule]
                if state != "over":
                    continue
                v = viol.setdefault((rule, c), [0, None])
                v[1] = d if v[1] is None or d < v[1] else v[1]
            else:
                v = viol.setdefault((rule, c), [0, None])
            v[0] += 1
    if held:
        state = "held"
    elif res["contacts-2y"][0] == "over" or res["names-after-last-order"][0] == "over":
        state = "delete"
        counts["delete"] += 1
    else:
        touched = []
        for act, c, rule in (("hash", "nric", None), ("nullify", "mobile", "phones-18m"),
                             ("redact", "card_no", None)):
            if r[col[c]] and (rule is None or res[rule][0] == "over"):
                touched.append("%s:%s" % (act, c))
                counts[act] += 1
        state = ",".join(touched) or "keep"
    want_log.append([SRC, str(i), str(i + 1), state])

got_log = [l for l in LOG if l[0] == SRC]
if len(got_log) != len(want_log):
    problems.append("row log has %d rows of %s, want %d" % (len(got_log), SRC, len(want_log)))
for g, w in zip(got_log, want_log):
    if g != w:
        problems.append("row %s (line %s): lethe says %r, the model %r" % (w[1], w[2], g[3:], w[3]))
        if len(problems) > 8:
            break

acts = {a["action"]: a for a in PLAN["actions"] if a["source"] == SRC}
for act, n in counts.items():
    key = "delete_rows" if act == "delete" else act
    got = acts.get(key, {}).get("rows", 0)
    if got != n:
        problems.append("%s rows: plan %d, model %d" % (key, got, n))
    if key != "delete_rows" and n and acts[key].get("cells") != n:
        problems.append("%s cells: plan %s, model %d" % (key, acts[key].get("cells"), n))
if "delete_rows" in acts and sorted(acts["delete_rows"]["rules"]) != ["contacts-2y", "names-after-last-order"]:
    problems.append("delete_rows rules %r" % acts["delete_rows"]["rules"])

def day(ms):
    return (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms + OFF * 1000)).strftime("%Y-%m-%d")
gotv = {(v["rule"], v["column"]): (v["rows"], v["oldest"]) for v in PLAN["violations"] if v["source"] == SRC}
wantv = {k: (v[0], day(v[1]) if v[1] is not None else None) for k, v in viol.items()}
if gotv != wantv:
    problems.append("violations: plan %r, model %r" % (sorted(gotv.items()), sorted(wantv.items())))
gotu = {u["column"]: u["rows"] for u in PLAN["unreadable_dates"] if u["source"] == SRC}
if gotu != unread:
    problems.append("unreadable_dates: plan %r, model %r" % (gotu, unread))
print("; ".join(problems))
PYEOF

ALL="$PF/customers.csv $PF/orders.csv $PF/clean.csv"

# ---- row by row, at two reference times -----------------------------------
for NOW in 2026-11-01T00:00:00Z 2026-03-01T00:00:00Z; do
	run "rows_$NOW" -- plan --policy "$PF/policy-files.yaml" --now "$NOW" \
		-o "$T/rows-$NOW.json" --row-log "$T/rows-$NOW.log" $ALL
	expect_exit 1
	leak_watch "$T/rows-$NOW.json"
	leak_watch "$T/rows-$NOW.log"
	msg=$(python3 "$T/model.py" "$NOW" "$T/rows-$NOW.json" "$T/rows-$NOW.log" 2>&1)
	[ -z "$msg" ] || fail "$msg"
	case_done "files, --now $NOW: every row's decision, action counts, violations and unreadable dates as the model computes them"
done

# the edge rows by hand (a model written by the same person could share a
# mistake): --now 2026-11-01T00:00:00Z, retain 2y, zone +08:00
LOGF=$T/rows-2026-11-01T00:00:00Z.log
row_state() { awk -F'\t' -v r="$1" '$1 == "fixtures/plan/customers.csv" && $2 == r { print $4 }' "$LOGF"; }
want_state() { # ROW STATE WHY
	local got
	got=$(row_state "$1")
	[ "$got" = "$2" ] || fail "row $1 ($3): got '$got', want '$2'"
}
want_kept() { # ROW WHY: neither deleted nor held
	local got
	got=$(row_state "$1")
	case $got in ""|delete|held) fail "row $1 ($2): got '$got', want it kept" ;; esac
}
want_state 1 held "C0001 is held, though over its limit"
want_kept 2 "2024-11-01 08:00 at +08:00 + 2y is exactly now: within"
want_kept 3 "2024-11-01T00:00:00Z + 2y is exactly now: within"
want_state 4 delete "2024-10-31T23:59:59.999Z: over by a millisecond"
want_kept 5 "07:00+07:00 is 00:00Z: within"
want_state 6 held "\" C0006 \" is held once trimmed"
want_state 7 delete "01/11/2024 is midnight at +08:00, 16:00Z the day before"
want_state 9 delete "20241101: midnight +08:00"
want_state 11 delete "2024.11.01: midnight +08:00"
want_kept 10 "20241102: midnight +08:00 is after the limit"
want_state 13 delete "epoch 1730419199 is 23:59:59Z"
want_kept 14 "epoch 1730419200 is exactly the limit"
want_state 15 delete "epoch ms 1730419199999: a millisecond over"
want_kept 16 "epoch ms 1730419200000: exactly the limit"
want_kept 21 "31/02/2024 cannot be read: not deleted"
case_done "files: the edge rows, by hand (limits, zones, formats, holds, unreadable dates)"

run rows_again -- plan --policy "$PF/policy-files.yaml" --now 2026-11-01T00:00:00Z \
	-o "$T/again.json" $ALL
strip_generated_at "$T/rows-2026-11-01T00:00:00Z.json" "$T/a.json"
strip_generated_at "$T/again.json" "$T/b.json"
cmp -s "$T/a.json" "$T/b.json" || fail "two runs with the same --now differ"
run rows_j1 -- plan -j 1 --policy "$PF/policy-files.yaml" --now 2026-11-01T00:00:00Z \
	-o "$T/j1.json" $ALL
strip_generated_at "$T/j1.json" "$T/c.json"
cmp -s "$T/a.json" "$T/c.json" || fail "-j 1 and the default differ"
case_done "files: --now makes the plan reproducible, whatever -j"

expect_json_file "$T/rows-2026-11-01T00:00:00Z.json" '(
r["plan"] == "lethe.plan" and r["version"] == 1 and r["now"] == "2026-11-01T00:00:00Z"
and r["timezone"] == "+08:00" and r["sql"] is None
and r["policy"]["name"] == "plan-test-files" and len(r["policy"]["sha256"]) == 64
and [a["id"] for a in r["actions"]] == list(range(1, len(r["actions"]) + 1))
and [a["action"] for a in r["actions"]] == ["delete_rows", "hash", "nullify", "redact"]
and all(a["kind"] == "file" and a["path"] == "fixtures/plan/customers.csv" and a["member"] is None
        and a["format"] == {"container": "plain", "encoding": "utf-8", "bom": False, "delimiter": ",", "header": True}
        and a["holds"][0]["id"] == "dispute-7" and a["holds"][0]["column_index"] == 0
        and a["holds"][0]["keys"] == ["C0001", "C0006", "C0017", "C0999"]
        for a in r["actions"])
and r["actions"][3]["keep"] == "last4" and r["actions"][3]["mask"] == "*" and r["actions"][3]["column_index"] == 5
and r["actions"][2]["conditions"][0]["age_columns"] == ["updated_at", "created_at"]
and r["actions"][2]["conditions"][0]["age_column_indexes"] == [7, 8]
and r["actions"][2]["conditions"][0]["retain"] == "18m"
and r["actions"][2]["conditions"][0]["cutoff"] == "2025-05-01T00:00:00Z"
and r["actions"][0]["conditions"][1]["age_from_file"]["path"] == "fixtures/plan/orders.csv"
and r["actions"][0]["conditions"][1]["age_from_file"]["key_index"] == 0
and len(r["actions"][0]["conditions"][1]["age_from_file"]["fingerprint"]["sha256"]) == 64
and r["actions"][1]["conditions"] == []
)' "plan.json fields"
fp=$(sha256sum "$PF/customers.csv" | cut -c1-64)
sz=$(wc -c <"$PF/customers.csv")
expect_json_file "$T/rows-2026-11-01T00:00:00Z.json" \
	"r['actions'][0]['fingerprint']['sha256'] == '$fp' and r['actions'][0]['fingerprint']['bytes'] == $sz" \
	"fingerprint = sha256sum and size of the file"
[ ! -e "$T/rows-2026-11-01T00:00:00Z.sql" ] || fail "plan.sql written without Postgres"
case_done "files: plan.json carries what apply needs (indexes, conditions, holds, format, fingerprint); no plan.sql"

run summary_text -- plan --policy "$PF/policy-files.yaml" --now 2026-11-01T00:00:00Z \
	-o "$T/s.json" $ALL
expect_stdout_contains "policy plan-test-files, now 2026-11-01T00:00:00Z, timezone +08:00"
expect_stdout_contains "delete_rows"
expect_stdout_contains "violations"
expect_stdout_contains "unreadable dates"
expect_stdout_contains "the policy is violated (exit 1)."
case_done "files: the summary names actions, violations and unreadable dates"

# ---- the CP949 + gzip export: format and fingerprint -------------------------
KR=$PF/customers_kr.cp949.csv.gz
run kr_minimal -- plan --policy policies/minimal.yaml --now 2026-11-01 -o "$T/kr.json" "$KR"
expect_exit 1
fp=$(sha256sum "$KR" | cut -c1-64)
expect_json_file "$T/kr.json" "(
[a['action'] for a in r['actions']] == ['redact', 'redact']
and [a['column'] for a in r['actions']] == ['nric', 'card_no']
and all(a['format'] == {'container': 'gzip', 'encoding': 'cp949', 'bom': False, 'delimiter': ',', 'header': True} for a in r['actions'])
and all(a['fingerprint']['sha256'] == '$fp' for a in r['actions'])
and r['actions'][0]['rows'] == 12 and r['actions'][1]['rows'] == 10 and r['actions'][1]['keep'] == 'last4'
)" "gzip/cp949 export: format, fingerprint of the raw (compressed) bytes, counts"
case_done "files: a CP949 gzip export keeps its container and encoding in the plan"

# ---- shipped policies on the demo fixtures, and on a clean file ---------------
for p in policies/*.yaml; do
	name=$(basename "$p" .yaml)
	run "demo_$name" -- plan --policy "$p" --now 2026-11-01T00:00:00Z -o "$T/demo-$name.json" fixtures/demo
	expect_exit 1
	leak_watch "$T/demo-$name.json"
	expect_json_file "$T/demo-$name.json" '(
len(r["violations"]) > 0 and len(r["actions"]) > 0
and any(v["source"] == "fixtures/demo/customers.csv" and v["column"] == "card_no" for v in r["violations"])
and any(a.get("column") == "card_no" and a["action"] == "redact" and a["keep"] == "last4" for a in r["actions"])
and not any(a["source"] == "fixtures/demo/orders.csv" for a in r["actions"])
)' "violations and a card redaction on the demo customers"
	case_done "shipped policy $name on fixtures/demo: exit 1, card numbers redacted to last4"
	run "clean_$name" -- plan --policy "$p" --now 2026-11-01T00:00:00Z -o "$T/clean-$name.json" \
		"$PF/clean.csv" fixtures/demo/orders.csv
	expect_exit 0
	expect_stdout_contains "no violation."
	expect_json_file "$T/clean-$name.json" 'r["actions"] == [] and r["violations"] == []'
	case_done "shipped policy $name on files without personal data: exit 0, nothing to do"
done
expect_json_file "$T/demo-sg-pdpa-retail.json" '(
any(a["action"] == "delete_rows" and a["rules"] == ["customer-exports-after-relationship"]
    and a["conditions"][0]["age_columns"] == ["created_at"] for a in r["actions"])
and any(x["source"] == "fixtures/demo/customers_kr.csv" and "age_from columns" in x["reason"] for x in r["refused"])
)' "sg-pdpa: customers deleted after 2y by created_at; the Korean export refused (no such date column)"
expect_json_file "$T/demo-kr-pipa-ecommerce.json" 'r["ungoverned"] == []' "kr-pipa: nothing ungoverned"
expect_json_file "$T/demo-minimal.json" 'len(r["ungoverned"]) > 0 and all(v["rule"] for v in r["violations"])' \
	"minimal: ungoverned reported, not violations"
case_done "shipped policies: what each governs on the demo data"

# ungoverned: fail makes ungoverned data a violation
cat >"$T/ungov.yaml" <<'EOF'
policy: ungov
version: 1
ungoverned: fail
rules:
  - id: cards
    match: { categories: [payment_card] }
    retain: 0
    action: redact
EOF
run ungoverned_fail -- plan --policy "$T/ungov.yaml" --now 2026-11-01 -o "$T/ungov.json" "$PF/customers.csv"
expect_exit 1
expect_json_file "$T/ungov.json" '(
sorted(v["column"] for v in r["violations"] if v["rule"] is None) == sorted(u["column"] for u in r["ungoverned"])
and len(r["ungoverned"]) >= 3)' "each ungoverned finding is a violation (rule null)"
case_done "ungoverned: fail turns every ungoverned finding into a violation"

# ---- refusals ---------------------------------------------------------------------
run refused -- plan --policy "$PF/policy-refused.yaml" --now 2026-11-01 -o "$T/ref.json" "$PF/customers.csv"
expect_exit 0
expect_json_file "$T/ref.json" '(
r["actions"] == []
and any(x["rule"] == "emails-by-login" and x["column"] == "email" and "none of its age_from columns (last_login_at, signed_up_at)" in x["reason"] for x in r["refused"])
and any(x["rule"] == "cards-by-order-table" and "age_from names a table" in x["reason"] for x in r["refused"])
)' "missing age columns and a table age_from are refused with their reason"
expect_stdout_contains "refused"
case_done "refused: a rule whose dates are not in the file, a table age_from on a file"

run hold_missing -- plan --policy "$PF/policy-hold-missing.yaml" --now 2026-11-01 -o "$T/hm.json" "$PF/customers.csv"
expect_json_file "$T/hm.json" '(
r["actions"] == [] and any("hold legal-1" in x["reason"] for x in r["refused"]))' "hold on a missing column refuses"
case_done "refused: a hold whose key column the file lacks refuses every action on it"

run from_stdin --stdin "$PF/customers.csv" -- plan --policy "$PF/policy-files.yaml" \
	--now 2026-11-01 -o "$T/stdin.json" -
expect_exit 1
expect_json_file "$T/stdin.json" '(
r["actions"] == [] and all("standard input" in x["reason"] for x in r["refused"]) and len(r["refused"]) == 2
and {v["rule"] for v in r["violations"]} == {"nric-hash", "cards-last4"})' \
	"stdin: refused; retain-0 data still a violation"
case_done "refused: a file read from standard input (it cannot be rewritten)"

# ---- exit codes: 2 > 3 > 1 ------------------------------------------------------
run bad_policy -- plan --policy "$PF/policy-bad.yaml" -o "$T/bad.json" "$PF/customers.csv"
expect_exit 2
expect_stderr_contains "policy-bad.yaml:6:13: bad duration"
expect_stderr_contains "policy-bad.yaml:7:13: unknown action 'shred'"
[ ! -e "$T/bad.json" ] || fail "a plan was written for a bad policy"
case_done "bad policy: exit 2, every error with its line and column, no plan"

run bad_policy_and_missing -- plan --policy "$PF/policy-bad.yaml" -o "$T/bad2.json" "$T/nope.csv"
expect_exit 2
case_done "bad policy and a missing source: 2 wins"

run missing_source -- plan --policy "$PF/policy-files.yaml" --now 2026-11-01 -o "$T/miss.json" \
	"$PF/customers.csv" "$T/nope.csv"
expect_exit 3
expect_json_file "$T/miss.json" 'len(r["errors"]) == 1 and len(r["actions"]) == 4' \
	"the other sources are planned"
case_done "a missing source: exit 3 over violations, the others still planned"

cp "$PF/policy-files.yaml" "$T/pf-noorders.yaml"
sed -i 's#file: orders.csv#file: no-such-orders.csv#' "$T/pf-noorders.yaml"
mkdir -p "$T/holds" && cp "$PF/holds/dispute-7.txt" "$T/holds/"
run missing_ref -- plan --policy "$T/pf-noorders.yaml" --now 2026-11-01 -o "$T/mref.json" "$PF/customers.csv"
expect_exit 3
expect_json_file "$T/mref.json" '(
any(x["rule"] == "names-after-last-order" and "age_from file" in x["reason"] for x in r["refused"])
and r["actions"][0]["rules"] == ["contacts-2y"])' "rule refused, the rest planned"
case_done "an age_from file that cannot be read: exit 3, its rule refused"

run usage_no_policy -- plan "$PF/customers.csv"
expect_exit 2
expect_stderr_contains "--policy FILE is required"
case_done "usage: --policy is required (exit 2)"
run usage_bad_now -- plan --policy "$PF/policy-files.yaml" --now yesterday "$PF/customers.csv"
expect_exit 2
expect_stderr_contains "--now takes an ISO 8601 time"
case_done "usage: a bad --now (exit 2)"
run usage_no_source -- plan --policy "$PF/policy-files.yaml"
expect_exit 2
case_done "usage: no source (exit 2)"
run bad_output -- plan --policy "$PF/policy-files.yaml" -o "$T/no/such/dir/plan.json" \
	fixtures/malformed/truncated.csv.gz
expect_exit 2
expect_stderr_contains "cannot create output"
grep -q truncated "$LAST.err" && fail "the sources were scanned before the output was checked"
[ ! -e "$T/no" ] || fail "something was created"
case_done "-o into a missing directory: exit 2 before any source is scanned"
run help -- plan --help
expect_exit 0
expect_stdout_contains "Usage: lethe plan --policy FILE [options] SOURCE..."
expect_stdout_contains "Exit codes:"
case_done "plan --help: usage on stdout, exit 0"

check_no_leaks
finish
