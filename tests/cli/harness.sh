#!/usr/bin/env bash
# harness.sh - the test harness itself: the committed fixtures are what the
# generator writes, their identifiers pass an independent check, and the
# leak check finds a planted identifier.  Needs no lethe binary.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib/cli.sh"

if python3 tools/gen_fixtures.py "$T/fx" >"$T/gen.log" 2>&1; then
	# fixtures/plan has its own generator (fixtures/plan/gen.py)
	if ! diff -r -x plan "$T/fx" fixtures >"$T/diff.log" 2>&1; then
		fail "fixtures/ differs from the generator's output: $(head -n 3 "$T/diff.log" | tr '\n' ' ')"
		if ! grep -v -E '\.(gz|zip) differ$' "$T/diff.log" | grep -q .; then
			_detail "only compressed files differ: the committed ones were made with zlib 1.2.13, this python has $(python3 -c 'import zlib; print(zlib.ZLIB_RUNTIME_VERSION)')"
		fi
	fi
else
	fail "gen_fixtures.py failed: $(tail -n 3 "$T/gen.log" | tr '\n' ' ')"
fi
rm -rf "$T/fx"
case_done "fixtures/ is byte-identical to a fresh 'python3 tools/gen_fixtures.py'"

python3 tools/gen_fixtures.py --check >"$T/check.log" 2>&1 ||
	fail "$(grep FAIL "$T/check.log" | head -n 3 | tr '\n' ' ')"
case_done "gen_fixtures.py --check: every identifier valid by a second implementation, lookalikes invalid"

NRIC=$(sed -n 2p fixtures/demo/customers.csv | cut -d, -f3)
printf 'masked S\342\200\242\342\200\242\342\200\242\342\200\242\342\200\24267D only\n' >"$T/clean.txt"
printf 'report line with %s inside\n' "$NRIC" >"$T/leaky.txt"
n_clean=$(count_leaks "$T/clean.txt")
n_leaky=$(count_leaks "$T/leaky.txt")
[ "$n_clean" = 0 ] || fail "clean file counted $n_clean leaks"
[ "$n_leaky" = 1 ] || fail "planted NRIC counted $n_leaky times, want 1"
printf 'lower %s\n' "$(echo "$NRIC" | tr 'A-Z' 'a-z')" >"$T/leaky2.txt"
[ "$(count_leaks "$T/leaky2.txt")" = 1 ] || fail "a lower-cased identifier is not caught"
rm -f "$T/leaky.txt" "$T/leaky2.txt"
case_done "leak check: finds a planted NRIC (any case), ignores a masked sample"

grep -q -x -F '' fixtures/expected/identifiers.txt && fail "identifiers.txt has an empty line (would match everything)"
[ "$(wc -l <fixtures/expected/identifiers.txt)" -gt 1000 ] || fail "identifiers.txt looks too short"
case_done "identifiers.txt: no empty line, > 1000 identifiers"

check_no_leaks
finish
