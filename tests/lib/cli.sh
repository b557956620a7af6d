# tests/lib/cli.sh - helpers for the CLI tests (tests/cli/*.sh); bash.
#
# Sourced at the top of every tests/cli/*.sh.  The script then runs the real
# binary ($LETHE; default ./lethe at the repo top; tests/run.sh sets it) in a
# scratch directory and prints one TAP-like line per case:
#
#     ok - NAME
#     not ok - NAME: reason[; reason...]
#     # detail lines (stderr tails, identifiers masked)
#     skip - NAME: reason
#
# A case is built from runs and expectations, then closed by case_done:
#
#     run scan_demo -- scan -f json fixtures/demo    # captures out/err/rc
#     expect_exit 0
#     expect_json 'F("fixtures/demo/customers.csv","nric","sg.nric")["confidence"] == "high"'
#     case_done "demo: nric is sg.nric, high"
#
# expect_* look at the LAST run; a failed expectation adds a reason to the
# open case and returns 1 (so it can also steer the script).  Every script
# ends with check_no_leaks (its own case: no raw fixture identifier in any
# captured stdout/stderr or watched file) and then finish.
#
# run options, before the "--":
#     --stdin FILE        stdin from FILE (default /dev/null: never a tty,
#                         never blocks)
#     --pipe FILE         stdin is a pipe fed by `cat FILE`
#     --cwd DIR           run in DIR (default: the repo top)
#     --env VAR=VALUE     extra environment (repeatable)
# Paths: the scripts run from the repo top, so fixtures are "fixtures/...".
# Every run has a time limit ($LT_TIMEOUT seconds, default 120): a hang is
# exit 124, reported as a timeout.
#
# JSON: json_get EXPR / expect_json EXPR [WHY] evaluate a Python expression
# over the LAST run's stdout parsed as `r` (expect_json_file FILE EXPR [WHY]
# over a file).  Helpers available in EXPR:
#     S(name)            the source object named name (LookupError if absent)
#     cols(name)         names of the columns reported for that source
#     C(name, col)       the column object, or None
#     F(name, col, type) the finding of that type in that column, or None
#     types(name, col)   set of types found at medium or high in that column
#     norm(obj)          deep copy without source/container/encoding/bytes/
#                        delimiter/generated_at keys (for comparisons)
#     same(a, b)         a == b; when not, says where they first differ
#     show(x[, label])   x, and shows it in the failure reason
#     found(name)        [(column, type, confidence, matched, checked)...]
#     out(run_name)      another run's stdout, parsed
#     load(path)         a JSON file, parsed
#     facts              fixtures/expected/facts.json
#     re                 the re module

set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$TOP" || exit 2
LETHE=${LETHE:-./lethe}
case $LETHE in /*) ;; *) LETHE=$TOP/${LETHE#./} ;; esac
export LETHE
LT_TIMEOUT=${LT_TIMEOUT:-120}
FIX=fixtures
IDENTS=$TOP/fixtures/expected/identifiers.txt
SCRIPT=$(basename "$0" .sh)

T=$(mktemp -d "${TMPDIR:-/tmp}/lethe-cli-$SCRIPT.XXXXXX") || exit 2
mkdir -p "$T/cap"
export LT_CAP=$T/cap LT_TOP=$TOP
_cleanup() { chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"; }
trap _cleanup EXIT
trap 'exit 130' INT TERM

N_RUN=0
LAST=""           # capture prefix of the last run: $LAST.out .err .rc
LAST_NAME=""
CASE_ERRS=""
CASE_DETAIL=""
N_OK=0
N_NOT_OK=0
N_SKIP=0

# Copies stdin to stdout with every fixture identifier masked (diagnostics
# may quote lethe's output; a leak must not travel on through the log).
_mask() {
	python3 -c '
import re, sys
ids = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
ids.sort(key=len, reverse=True)
rx = re.compile("|".join(re.escape(i) for i in ids), re.I) if ids else None
for line in sys.stdin.buffer.read().decode("utf-8", "replace").splitlines():
    if rx: line = rx.sub("[IDENTIFIER]", line)
    print(line[:300])
' "$IDENTS"
}
# The last lines of FILE, identifiers masked.
_masked_tail() { # FILE [N]
	[ -s "$1" ] || return 0
	tail -n "${2:-5}" "$1" | _mask
}

_detail() { CASE_DETAIL="$CASE_DETAIL$*"$'\n'; }
_detail_stderr() {
	if [ -s "$LAST.err" ]; then
		_detail "$LAST_NAME stderr (last lines, identifiers masked):"
		_detail "$(_masked_tail "$LAST.err" 4)"
	elif [ -s "$LAST.out" ]; then
		_detail "$LAST_NAME stderr empty; stdout (last lines, identifiers masked):"
		_detail "$(_masked_tail "$LAST.out" 4)"
	else
		_detail "$LAST_NAME stderr and stdout: empty"
	fi
}
fail() { CASE_ERRS="${CASE_ERRS:+$CASE_ERRS; }$*"; return 1; }

run() { # NAME [--stdin F|--pipe F|--cwd D|--env V=X]... -- ARGS...
	local name=$1; shift
	local stdin=/dev/null pipe="" cwd=$TOP
	local -a envs=()
	while [ $# -gt 0 ]; do
		case $1 in
		--stdin) stdin=$2; shift 2 ;;
		--pipe) pipe=$2; shift 2 ;;
		--cwd) cwd=$2; shift 2 ;;
		--env) envs+=("$2"); shift 2 ;;
		--) shift; break ;;
		*) echo "cli.sh: run: unknown option $1" >&2; exit 2 ;;
		esac
	done
	N_RUN=$((N_RUN + 1))
	LAST=$T/cap/$(printf %03d "$N_RUN").$name
	LAST_NAME=$name
	if [ -n "$pipe" ]; then
		cat "$pipe" | (cd "$cwd" && exec env ${envs[@]+"${envs[@]}"} \
			timeout -k 5 "$LT_TIMEOUT" "$LETHE" "$@") \
			>"$LAST.out" 2>"$LAST.err"
		echo "${PIPESTATUS[1]}" >"$LAST.rc"
	else
		(cd "$cwd" && exec env ${envs[@]+"${envs[@]}"} \
			timeout -k 5 "$LT_TIMEOUT" "$LETHE" "$@") \
			<"$stdin" >"$LAST.out" 2>"$LAST.err"
		echo $? >"$LAST.rc"
	fi
	if grep -q -E 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$LAST.err"; then
		fail "$name: sanitizer report on stderr"
		_detail "$(_masked_tail "$LAST.err" 12)"
	fi
	return 0
}

rc() { cat "$LAST.rc"; }

# Path of the stdout capture of the latest run called NAME.
capture_of() { ls "$T"/cap/[0-9][0-9][0-9]."$1".out 2>/dev/null | tail -n 1; }

expect_exit() { # N
	local got; got=$(rc)
	[ "$got" = "$1" ] && return 0
	case $got in
	124|137) fail "$LAST_NAME: timed out after ${LT_TIMEOUT}s" ;;
	*) fail "$LAST_NAME: exit $got, want $1" ;;
	esac
	_detail_stderr
	return 1
}

expect_stdout_contains() {
	grep -q -F -e "$1" "$LAST.out" && return 0
	fail "$LAST_NAME: stdout lacks '$1'"
}
expect_stdout_not_contains() {
	grep -q -F -e "$1" "$LAST.out" || return 0
	fail "$LAST_NAME: stdout has '$1'"
}
expect_stderr_contains() {
	grep -q -F -e "$1" "$LAST.err" && return 0
	fail "$LAST_NAME: stderr lacks '$1'"
	_detail_stderr
	return 1
}
expect_stdout_empty() {
	[ ! -s "$LAST.out" ] && return 0
	fail "$LAST_NAME: stdout not empty ($(wc -c <"$LAST.out") bytes)"
}
expect_stderr_empty() {
	[ ! -s "$LAST.err" ] && return 0
	fail "$LAST_NAME: stderr not empty"
	_detail_stderr
	return 1
}
# stdout matches an extended regex (grep -E) on some line
expect_stdout_matches() {
	grep -q -E -e "$1" "$LAST.out" && return 0
	fail "$LAST_NAME: no stdout line matches /$1/"
}
expect_stderr_matches() {
	grep -q -E -e "$1" "$LAST.err" && return 0
	fail "$LAST_NAME: no stderr line matches /$1/"
	_detail_stderr
	return 1
}

# Python evaluator shared by json_get / expect_json*.
_PYJSON='
import copy, json, os, re, sys
mode, path, expr = sys.argv[1], sys.argv[2], sys.argv[3]
CAP = os.environ["LT_CAP"]
WHY = []
def load(p):
    with open(p, "rb") as f:
        return json.loads(f.read().decode("utf-8"))
def out(name):
    hits = sorted(f for f in os.listdir(CAP) if f.endswith("." + name + ".out") and f[:3].isdigit() and f[4:-4] == name)
    if not hits:
        raise LookupError("no run named %r" % name)
    return load(os.path.join(CAP, hits[-1]))
facts = load(os.path.join(os.environ["LT_TOP"], "fixtures/expected/facts.json"))
def _src(s):
    if isinstance(s, dict):
        return s
    for x in r["sources"]:
        if x.get("source") == s:
            return x
    raise LookupError("no source %r in report (have: %s)" % (s, [x.get("source") for x in r["sources"]]))
S = _src
def cols(s):
    return [c["name"] for c in _src(s).get("columns", [])]
def C(s, col):
    for c in _src(s).get("columns", []):
        if c["name"] == col:
            return c
    return None
def F(s, col, typ):
    c = C(s, col)
    if c is None:
        WHY.append("column %r not reported in %r" % (col, s if isinstance(s, str) else s.get("source")))
        return None
    for f in c.get("findings", []):
        if f["type"] == typ:
            return f
    WHY.append("column %r has no %s finding (has %s)" % (col, typ, [(f["type"], f["confidence"]) for f in c.get("findings", [])]))
    return None
def show(x, label=""):
    """Returns x; on failure the reason shows it (values are masked/counts)."""
    WHY.append((label + "=" if label else "got ") + json.dumps(x, ensure_ascii=False)[:400])
    return x
def found(s):
    """What a source reports: [(column, type, confidence, matched, checked)]."""
    return [(c["name"], f["type"], f["confidence"], f.get("matched"), f.get("checked"))
            for c in _src(s).get("columns", []) for f in c.get("findings", [])]
def types(s, col):
    c = C(s, col)
    return set() if c is None else {f["type"] for f in c.get("findings", []) if f["confidence"] in ("medium", "high")}
DROP = {"source", "container", "encoding", "delimiter", "generated_at", "bytes"}
def norm(o):
    if isinstance(o, dict):
        return {k: norm(v) for k, v in o.items() if k not in DROP}
    if isinstance(o, list):
        return [norm(v) for v in o]
    return copy.deepcopy(o)
def _diff(a, b, p):
    if type(a) != type(b):
        return "%s: %s vs %s" % (p or "top", type(a).__name__, type(b).__name__)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s only on the %s side" % (p, k, "left" if k in a else "right")
            d = _diff(a[k], b[k], p + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            names = lambda l: [x.get("name", x.get("type")) if isinstance(x, dict) else x for x in l]
            return "%s: %d vs %d items (%s vs %s)" % (p, len(a), len(b), names(a)[:12], names(b)[:12])
        for i, (x, y) in enumerate(zip(a, b)):
            d = _diff(x, y, "%s[%d]" % (p, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (p, a, b)
def same(a, b):
    d = _diff(a, b, "")
    if d:
        WHY.append("differ at " + d)
    return d is None
try:
    r = load(path) if path != "-" else None
except Exception as e:
    print("not JSON: %s" % str(e)[:200])
    sys.exit(1)
try:
    v = eval(expr)
except Exception as e:
    print("%s: %s%s" % (type(e).__name__, str(e)[:300], ("; " + "; ".join(WHY)) if WHY else ""))
    sys.exit(1)
if mode == "get":
    print(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
    sys.exit(0)
if not v:
    print("; ".join(WHY) if WHY else "false")
    sys.exit(1)
'

json_get() { # EXPR [FILE]
	python3 -c "$_PYJSON" get "${2:-$LAST.out}" "$1"
}

expect_json_file() { # FILE EXPR [WHY]
	local msg
	msg=$(python3 -c "$_PYJSON" expect "$1" "$2" 2>&1) && return 0
	fail "${3:-$2}${msg:+ ($(printf '%s\n' "$msg" | _mask | tr '\n' ' ' | sed 's/ *$//'))}"
}
expect_json() { # EXPR [WHY]
	expect_json_file "$LAST.out" "$@"
}

# Copies FILE into the captures now, so the leak check also reads it.
leak_watch() {
	[ -e "$1" ] || return 0
	N_RUN=$((N_RUN + 1))
	cp "$1" "$T/cap/$(printf %03d "$N_RUN").watch.$(basename "$1").out"
}

_emit_detail() {
	[ -n "$CASE_DETAIL" ] || return 0
	printf '%s' "$CASE_DETAIL" | sed '/^$/d; s/^/# /'
}
ok() { echo "ok - $1"; N_OK=$((N_OK + 1)); }
not_ok() { echo "not ok - $1: $2"; N_NOT_OK=$((N_NOT_OK + 1)); }
skip() { echo "skip - $1: $2"; N_SKIP=$((N_SKIP + 1)); CASE_ERRS=""; CASE_DETAIL=""; }

case_done() { # NAME
	if [ -z "$CASE_ERRS" ]; then
		ok "$1"
	else
		not_ok "$1" "$CASE_ERRS"
		_emit_detail
	fi
	CASE_ERRS=""
	CASE_DETAIL=""
}

# Prints how many lines of FILE hold a fixture identifier (0 when none).
count_leaks() {
	local pat=$T/.identifiers
	[ -s "$pat" ] || grep -v '^$' "$IDENTS" >"$pat"
	LC_ALL=C grep -c -i -F -f "$pat" "$1" 2>/dev/null || true
}

# The last case of every script: no raw identifier in any captured output.
check_no_leaks() {
	local f n bad="" files=0
	if [ ! -s "$IDENTS" ]; then
		not_ok "no raw identifiers in any output" "$IDENTS missing or empty"
		return
	fi
	for f in "$T"/cap/*.out "$T"/cap/*.err; do
		[ -e "$f" ] || continue
		files=$((files + 1))
		n=$(count_leaks "$f")
		[ "${n:-0}" = 0 ] || bad="${bad:+$bad, }$n line(s) in $(basename "$f")"
	done
	if [ -z "$bad" ]; then
		ok "no raw identifiers in any output ($files captures)"
	else
		not_ok "no raw identifiers in any output" "$bad"
	fi
}

finish() {
	if [ -n "$CASE_ERRS" ]; then
		not_ok "(expectations after the last case_done)" "$CASE_ERRS"
		_emit_detail
	fi
	echo "# $SCRIPT: $N_OK ok, $N_NOT_OK not ok, $N_SKIP skipped"
	[ "$N_NOT_OK" -eq 0 ]
	exit $?
}

# ---- small helpers used by several scripts -----------------------------------

# Strips the generated_at value from a JSON report (byte-level, for cmp).
strip_generated_at() { # IN OUT
	python3 -c '
import re, sys
b = open(sys.argv[1], "rb").read()
b = re.sub(rb"\"generated_at\"\s*:\s*\"[^\"]*\"", b"\"generated_at\":\"-\"", b)
open(sys.argv[2], "wb").write(b)' "$1" "$2"
}

# True when the lethe binary exists; otherwise every case would fail the
# same way, so say it once.
require_lethe() {
	if [ ! -x "$LETHE" ]; then
		not_ok "lethe binary present" "$LETHE is not executable (build first)"
		finish
	fi
}
