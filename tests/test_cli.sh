#!/bin/sh
# The sva tool's contract: exit codes (0 clean, 1 violation, 2 usage), one-line errors on
# stderr, a replayable schedule, a trace file that parses, scenario files and their errors,
# the historical variants.  Usage: test_cli.sh PATH/TO/sva EXAMPLES_DIR
set -u
SVA=$1
EXAMPLES=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
passes=0

# expect CODE DESCRIPTION -- COMMAND...
expect() {
	code=$1; what=$2; shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$code" ]; then
		echo "FAIL: $what: exit $got, expected $code"; sed 's/^/  | /' "$TMP/err"
		fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
}

# one_line_error: the last command's stderr is exactly one line starting "sva: "
one_line_error() {
	if [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -q '^sva: ' "$TMP/err"; then
		echo "FAIL: $1: stderr is not one 'sva:' line"; sed 's/^/  | /' "$TMP/err"
		fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
}

expect 0 "tour" -- "$SVA" tour
grep -q "every step behaved as expected" "$TMP/out" || { echo "FAIL: tour verdict"; fails=$((fails + 1)); }
expect 0 "the built-in nginx scenario" -- "$SVA" run
grep -q "^verdict: clean" "$TMP/out" || { echo "FAIL: nginx verdict"; fails=$((fails + 1)); }
grep -q "PASIDs  *4 allocated, 4 freed" "$TMP/out" || { echo "FAIL: nginx summary"; fails=$((fails + 1)); }
expect 0 "nginx on native threads" -- "$SVA" run --native --quiet
expect 0 "a scenario file" -- "$SVA" run "$EXAMPLES/nginx.sva" --seed 7 --quiet
expect 0 "timeline export" -- "$SVA" run --quiet --timeline "$TMP/t.svg"
grep -q '</svg>' "$TMP/t.svg" || { echo "FAIL: timeline file"; fails=$((fails + 1)); }
expect 0 "variants" -- "$SVA" variants
[ "$(wc -l <"$TMP/out")" -eq 7 ] || { echo "FAIL: seven variants"; fails=$((fails + 1)); }
grep -q '^pasid-free-at-mmput  *seed 000  *I2' "$TMP/out" || { echo "FAIL: variant line"; fails=$((fails + 1)); }

# a malformed scenario: one line naming file:line:column, nothing runs
printf 'device dsa0\nwq dsa0 shared\nprocess p {\n\tr0 = opn(dsa0wq0)\n}\n' >"$TMP/bad.sva"
expect 2 "malformed scenario" -- "$SVA" run "$TMP/bad.sva"; one_line_error "malformed scenario"
grep -q "bad.sva:4:7: " "$TMP/err" || { echo "FAIL: error location"; sed 's/^/  | /' "$TMP/err"; fails=$((fails + 1)); }
expect 2 "unknown variant" -- "$SVA" run --variant nope; one_line_error "unknown variant"

# a scenario that expects its violation passes; the same without the expectation fails
printf 'device dsa0\nwq dsa0 shared\nprocess p1 {\n\tr0 = open(dsa0wq0)\n}\nexpect violation(I2)\n' >"$TMP/expect.sva"
expect 0 "expected violation seen" -- "$SVA" run "$TMP/expect.sva" --variant pasid-free-at-mmput --quiet
expect 1 "expected violation missing" -- "$SVA" run "$TMP/expect.sva" --quiet
expect 0 "help" -- "$SVA" help
expect 0 "--help on a command" -- "$SVA" explore --help
expect 0 "version" -- "$SVA" --version
expect 0 "clean program" -- "$SVA" run locked-counter --seed 3
grep -q "^verdict: clean" "$TMP/out" || { echo "FAIL: clean verdict"; fails=$((fails + 1)); }
expect 0 "native run" -- "$SVA" run pasid-churn --native --quiet
expect 1 "explore finds the lost update" -- "$SVA" explore lost-update -k 1
schedule=$(sed -n 's/^  schedule: //p' "$TMP/out")
[ -n "$schedule" ] || { echo "FAIL: no schedule printed"; fails=$((fails + 1)); }
expect 1 "the schedule replays the failure" -- "$SVA" replay lost-update "$schedule"
grep -q "^verdict: VIOLATION: lost update" "$TMP/out" || { echo "FAIL: replay verdict"; fails=$((fails + 1)); }
expect 0 "explore clean at K=2" -- "$SVA" explore locked-counter -k 2
grep -q "(all within the bound)" "$TMP/out" || { echo "FAIL: not exhausted"; fails=$((fails + 1)); }
expect 1 "abba inversion" -- "$SVA" explore abba -k 1
grep -q "lock order inversion" "$TMP/out" || { echo "FAIL: no inversion named"; fails=$((fails + 1)); }
expect 0 "trace export" -- "$SVA" run pasid-churn --quiet --trace "$TMP/t.json"
grep -q '"traceEvents"' "$TMP/t.json" || { echo "FAIL: trace file"; fails=$((fails + 1)); }

# stress: runs again and again; a failure under --sim prints a replay that reproduces it, and
# --trace / --timeline keep the failing run
expect 0 "stress native, clean" -- "$SVA" stress "$EXAMPLES/seeds/000-pasid-follows-the-mm.sva" --runs 20
grep -q ": 20 runs in .*, 0 failing" "$TMP/out" || { echo "FAIL: stress summary"; fails=$((fails + 1)); }
expect 1 "stress finds a variant's violation" -- "$SVA" stress \
	"$EXAMPLES/variants/free-pasid-at-exit.sva" --sim --variant free-pasid-at-exit --runs 50 \
	--trace "$TMP/s.json" --timeline "$TMP/s.svg"
grep -q "failure: invariant violated: I2" "$TMP/out" || { echo "FAIL: stress failure"; fails=$((fails + 1)); }
grep -q '"traceEvents"' "$TMP/s.json" || { echo "FAIL: stress trace"; fails=$((fails + 1)); }
grep -q '</svg>' "$TMP/s.svg" || { echo "FAIL: stress timeline"; fails=$((fails + 1)); }
schedule=$(sed -n "s/^  replay: .* '\(.*\)'$/\1/p" "$TMP/out")
expect 1 "the stress failure replays" -- "$SVA" replay --variant free-pasid-at-exit \
	"$EXAMPLES/variants/free-pasid-at-exit.sva" "$schedule"
grep -q "^verdict: VIOLATION: invariant violated: I2" "$TMP/out" || { echo "FAIL: stress replay"; fails=$((fails + 1)); }
expect 2 "stress --seed without --sim" -- "$SVA" stress --seed 3; one_line_error "stress seed"
expect 2 "stress bad number" -- "$SVA" stress --runs lots; one_line_error "stress number"

# bench: three figures, each a BENCH line with a number; a violation is exit 1
expect 0 "bench" -- "$SVA" bench "$EXAMPLES/seeds/004-bond-holds-mm-count.sva" --seconds 1
[ "$(grep -c '^BENCH [a-z_.]* [0-9][0-9]* [a-z/]*' "$TMP/out")" -eq 3 ] || { echo "FAIL: bench lines"; cat "$TMP/out"; fails=$((fails + 1)); }
expect 1 "bench of a broken variant" -- "$SVA" bench "$EXAMPLES/variants/free-pasid-at-exit.sva" \
	--seconds 1 --variant free-pasid-at-exit; one_line_error "bench violation"
expect 2 "bench takes no --sim" -- "$SVA" bench --sim; one_line_error "bench sim"

expect 2 "no command" -- "$SVA"; one_line_error "no command"
expect 2 "unknown command" -- "$SVA" frobnicate; one_line_error "unknown command"
expect 2 "unknown option" -- "$SVA" run --bogus; one_line_error "unknown option"
expect 2 "bad number" -- "$SVA" explore abba -k many; one_line_error "bad number"
expect 2 "unknown program" -- "$SVA" run nothing; one_line_error "unknown program"
expect 2 "missing schedule" -- "$SVA" replay abba; one_line_error "missing schedule"
expect 2 "schedule that does not fit" -- "$SVA" replay abba 'zz9'; one_line_error "bad schedule"
expect 2 "malformed schedule" -- "$SVA" replay abba 'a0'; one_line_error "malformed schedule"
expect 2 "unwritable trace" -- "$SVA" run abba --trace /nonexistent/dir/t.json; one_line_error "trace"

# golden outputs: a sim run is a pure function of (scenario, seed, design), so its whole
# output is fixed. After an intended change: SVA_GOLDEN_UPDATE=1 ctest -R test_cli
golden() {
	name=$1; shift 2
	(cd "$EXAMPLES/.." && "$@") >"$TMP/golden" 2>&1
	if [ -n "${SVA_GOLDEN_UPDATE:-}" ]; then
		cp "$TMP/golden" "$GOLDEN/$name.out"
	elif ! diff -u "$GOLDEN/$name.out" "$TMP/golden" >"$TMP/diff"; then
		echo "FAIL: golden $name differs:"; head -20 "$TMP/diff" | sed 's/^/  | /'
		fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
}
GOLDEN=$(dirname "$0")/golden
golden nginx -- "$SVA" run examples/nginx.sva --seed 1
golden pasid-free-at-mmput -- "$SVA" run examples/variants/pasid-free-at-mmput.sva
golden detach-at-last-user -- "$SVA" run examples/variants/detach-at-last-user.sva \
	--variant detach-at-last-user

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
