#!/bin/sh
# The sva tool's contract: exit codes (0 clean, 1 violation, 2 usage), one-line errors on
# stderr, a replayable schedule, a trace file that parses.  Usage: test_cli.sh PATH/TO/sva
set -u
SVA=$1
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

expect 0 "tour" -- "$SVA" run
grep -q "every step behaved as expected" "$TMP/out" || { echo "FAIL: tour verdict"; fails=$((fails + 1)); }
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

expect 2 "no command" -- "$SVA"; one_line_error "no command"
expect 2 "unknown command" -- "$SVA" frobnicate; one_line_error "unknown command"
expect 2 "unknown option" -- "$SVA" run --bogus; one_line_error "unknown option"
expect 2 "bad number" -- "$SVA" explore abba -k many; one_line_error "bad number"
expect 2 "unknown program" -- "$SVA" run nothing; one_line_error "unknown program"
expect 2 "missing schedule" -- "$SVA" replay abba; one_line_error "missing schedule"
expect 2 "schedule that does not fit" -- "$SVA" replay abba 'zz9'; one_line_error "bad schedule"
expect 2 "malformed schedule" -- "$SVA" replay abba 'a0'; one_line_error "malformed schedule"
expect 2 "unwritable trace" -- "$SVA" run abba --trace /nonexistent/dir/t.json; one_line_error "trace"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
