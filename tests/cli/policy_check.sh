#!/usr/bin/env bash
# tests/cli/policy_check.sh - `lethe policy check`: every shipped policy is
# valid; each kind of bad policy exits 2 naming FILE:LINE:COL and the
# problem; all problems of a file are reported at once; usage errors; hold
# files are found relative to the policy, not the working directory.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"
require_lethe

# Type ids are checked against the packs: name them, so that a binary built
# outside the tree (build/lethe-asan) checks them too.
export LETHE_PACKS=$TOP/patterns
export NO_COLOR=1

# ---- shipped policies ------------------------------------------------------
for p in policies/*.yaml; do
	name=$(basename "$p" .yaml)
	run "check_$name" -- policy check "$p"
	expect_exit 0
	expect_stdout_matches "^$p: ok, [0-9]+ rules?, [0-9]+ holds?\$"
	expect_stderr_empty
	case_done "shipped policy $p passes policy check"
done

run check_all -- policy check policies/minimal.yaml policies/sg-pdpa-retail.yaml \
	policies/kr-pipa-ecommerce.yaml
expect_exit 0
[ "$(grep -c ': ok, ' "$LAST.out")" = 3 ] || fail "want 3 ok lines"
case_done "several policies in one run"

# ---- the example in policies/README.md is a valid policy ---------------------
mkdir -p "$T/readme/holds"
echo C100001 >"$T/readme/holds/dispute-2026-114.txt"
sed -n '/^```yaml$/,/^```$/p' policies/README.md | sed '1d;$d' >"$T/readme/example.yaml"
run readme_example -- policy check "$T/readme/example.yaml"
expect_exit 0
expect_stdout_contains "example.yaml: ok, 2 rules, 1 hold"
case_done "the example in policies/README.md passes policy check"

# ---- bad policies: one problem each ----------------------------------------
HEAD=$'policy: t\nversion: 1\n'
RULE_OK=$'  - id: ok\n    match: { types: [email] }\n    retain: 0\n    action: redact\n'

# bad NAME LINE:COL MESSAGE-SUBSTRING YAML
bad() {
	local name=$1 at=$2 msg=$3 f=$T/$1.yaml
	printf '%s' "$4" >"$f"
	run "bad_$name" -- policy check "$f"
	expect_exit 2
	expect_stdout_empty
	expect_stderr_contains "lethe: $f:$at: $msg"
	case_done "bad policy, $name: exit 2, $at: $msg"
}

bad unknown_key 3:1 "unknown key 'ungoverend'" \
	"${HEAD}ungoverend: fail"$'\nrules:\n'"$RULE_OK"
bad unknown_rule_key 7:5 "unknown key 'retian' in a rule (did you mean 'retain'?)" \
	"${HEAD}"$'rules:\n  - id: a\n    match: { types: [email] }\n    retain: 0\n    retian: 1y\n    action: redact\n'
bad bad_duration 6:13 "bad duration '2 years'" \
	"${HEAD}"$'rules:\n  - id: a\n    match: { types: [email] }\n    retain: 2 years\n    age_from: [created_at]\n    action: redact\n'
bad unknown_type 5:22 "unknown type 'sg.nrc' (did you mean 'sg.nric'?)" \
	"${HEAD}"$'rules:\n  - id: a\n    match: { types: [sg.nrc] }\n    retain: 0\n    action: redact\n'
bad unknown_category 5:34 "unknown category 'natinal_id'" \
	"${HEAD}"$'rules:\n  - id: a\n    match: { categories: [phone, natinal_id] }\n    retain: 0\n    action: redact\n'
bad unknown_action 7:13 "unknown action 'shred'" \
	"${HEAD}"$'rules:\n  - id: a\n    match: { types: [email] }\n    retain: 0\n    action: shred\n'
bad keep_on_hash 8:5 "keep applies only to redact, not hash" \
	"${HEAD}"$'rules:\n  - id: a\n    match: { types: [email] }\n    retain: 0\n    action: hash\n    keep: last4\n'
bad retain_without_age_from 6:13 "retain 2y needs age_from" \
	"${HEAD}"$'rules:\n  - id: a\n    match: { types: [email] }\n    retain: 2y\n    action: delete_rows\n'
bad empty_match 5:12 "match is empty" \
	"${HEAD}"$'rules:\n  - id: a\n    match: {}\n    retain: 0\n    action: redact\n'
bad empty_list 5:21 "types is empty: the rule can never match" \
	"${HEAD}"$'rules:\n  - id: a\n    match: { types: [] }\n    retain: 0\n    action: redact\n'
bad shadowed 9:12 "rule 'rrn' can never match: rule 'ids' (line 4)" \
	"${HEAD}"$'rules:\n  - id: ids\n    match: { categories: [national_id] }\n    retain: 0\n    action: redact\n  - id: rrn\n    match: { types: [kr.rrn] }\n    retain: 0\n    action: hash\n'
bad duplicate_id 8:9 "duplicate rule id 'ok' (first at line 4)" \
	"${HEAD}"$'rules:\n'"$RULE_OK"$'  - id: ok\n    match: { types: [kr.rrn] }\n    retain: 0\n    action: redact\n'
bad hold_file_missing 11:35 "hold file 'holds/nope.txt' cannot be read" \
	"${HEAD}"$'rules:\n'"$RULE_OK"$'holds:\n  - id: h\n    match: { tables: [public.customers] }\n    where: { column: id, in_file: holds/nope.txt }\n'
bad yaml_syntax 6:5 "yaml: did not find expected ',' or '}'" \
	"${HEAD}"$'rules:\n  - id: a\n    match: { types: [email]\n    retain: 0\n'
bad bad_timezone 3:11 "unknown time zone 'Mars/Olympus_Mons'" \
	"${HEAD}"$'timezone: Mars/Olympus_Mons\nrules:\n'"$RULE_OK"

# ---- every problem of a file, in file order ----------------------------------
f=$T/many.yaml
printf '%s' "${HEAD}"$'colour: blue\nrules:\n  - id: a\n    match: { types: [sg.nrc] }\n    retain: 1 year\n    action: shred\n  - id: a\n    match: { categories: [natinal_id] }\n    retain: 0\n    action: hash\n    keep: last4\n' >"$f"
run many -- policy check "$f"
expect_exit 2
got=$(sed -n "s|^lethe: $f:\([0-9]*:[0-9]*\): .*|\1|p" "$LAST.err" | tr '\n' ' ')
[ "$got" = "3:1 6:22 7:13 8:13 9:9 10:27 13:5 " ] ||
	fail "locations '$got', want '3:1 6:22 7:13 8:13 9:9 10:27 13:5 '"
case_done "all problems of a policy reported, in file order"

# ---- good and bad together: exit 2, the good one still reported ------------
run mixed -- policy check policies/minimal.yaml "$T/unknown_type.yaml"
expect_exit 2
expect_stdout_contains "policies/minimal.yaml: ok, 2 rules, 0 holds"
expect_stderr_contains "unknown type 'sg.nrc'"
case_done "a valid and an invalid policy: exit 2, both reported"

# ---- holds: relative to the policy file --------------------------------------
mkdir -p "$T/pol/holds" "$T/elsewhere"
printf '# disputes\nC100001\nC100002\r\n\n' >"$T/pol/holds/dispute.txt"
printf '%s' "${HEAD}"$'timezone: "+08:00"\nrules:\n'"$RULE_OK"$'holds:\n  - id: dispute\n    match: { tables: [public.customers] }\n    where: { column: customer_id, in_file: holds/dispute.txt }\n  - id: audit\n    match: { sources: ["exports/*"] }\n    where: { column: id, in: [1, 2] }\n' >"$T/pol/p.yaml"
run holds_relative --cwd "$T/elsewhere" -- policy check ../pol/p.yaml
expect_exit 0
expect_stdout_contains "../pol/p.yaml: ok, 1 rule, 2 holds"
case_done "hold in_file is read relative to the policy, not the working directory"

# ---- no such file, a directory ----------------------------------------------
run missing -- policy check "$T/no-such-policy.yaml"
expect_exit 2
expect_stderr_contains "lethe: $T/no-such-policy.yaml: cannot read policy"
case_done "a missing policy file: exit 2"

# ---- usage -----------------------------------------------------------------
run help -- policy --help
expect_exit 0
expect_stdout_contains "Usage: lethe policy check [options] FILE..."
expect_stdout_contains "Examples:"
expect_stderr_empty
case_done "policy --help: usage on stdout, exit 0"

run no_file -- policy check
expect_exit 2
expect_stderr_contains "try 'lethe help policy'"
expect_stdout_empty
case_done "policy check without FILE: usage error, exit 2"

run no_sub -- policy
expect_exit 2
expect_stderr_contains "try 'lethe help policy'"
case_done "policy without a subcommand: usage error, exit 2"

run bad_sub -- policy lint policies/minimal.yaml
expect_exit 2
expect_stderr_contains "unknown policy subcommand 'lint'"
case_done "unknown policy subcommand: usage error, exit 2"

run bad_opt -- policy check --frobnicate policies/minimal.yaml
expect_exit 2
expect_stderr_contains "try 'lethe help policy'"
case_done "unknown option: usage error, exit 2"

run bad_packs -- policy check --packs "$T/no-packs-here" policies/minimal.yaml
expect_exit 2
expect_stdout_empty
case_done "--packs naming no directory: exit 2"

check_no_leaks
finish
