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
tail -1 "$TMP/out" | grep -q "K=2: exhausted (every schedule within the bound): [0-9]* schedules, 0 failing" || { echo "FAIL: not exhausted"; fails=$((fails + 1)); }
expect 1 "abba inversion" -- "$SVA" explore abba -k 1
grep -q "lock order inversion" "$TMP/out" || { echo "FAIL: no inversion named"; fails=$((fails + 1)); }
expect 0 "trace export" -- "$SVA" run pasid-churn --quiet --trace "$TMP/t.json"
grep -q '"traceEvents"' "$TMP/t.json" || { echo "FAIL: trace file"; fails=$((fails + 1)); }

# the explorer never loses a failure: a crash, a sanitizer's report, a livelock, a hung run, the
# wall clock, SIGINT/SIGTERM - each prints the schedule so far, the replay line, a stop line
# check FILE PATTERN WHAT: FILE has a line matching PATTERN
check() {
	if grep -q -- "$2" "$1"; then
		passes=$((passes + 1))
	else
		echo "FAIL: $3: no '$2' in:"; sed 's/^/  | /' "$1" | head -20; fails=$((fails + 1))
	fi
}
# replay_of: the schedule of the last command's replay line
replay_of() { sed -n "s/^  replay: sva replay .* '\(.*\)'$/\1/p" "$TMP/out"; }
for prog in test-null-deref test-stack-overflow; do
	expect 1 "explore finds the crash of $prog" -- "$SVA" explore "$prog" -k 1
	check "$TMP/out" "^  first failure: crashed" "$prog: crash reported"
	tail -1 "$TMP/out" | grep -q "K=1: stopped by a crash .*: 2 schedules, 1 failing$" || { echo "FAIL: $prog stop line"; cat "$TMP/out"; fails=$((fails + 1)); }
	schedule=$(replay_of)
	[ -n "$schedule" ] || { echo "FAIL: $prog: no replay line"; fails=$((fails + 1)); }
	expect 1 "the replay of $prog crashes" -- "$SVA" replay "$prog" "$schedule"
	check "$TMP/out" "^verdict: crashed" "$prog: replay crash"
done
expect 0 "the crash needs its interleaving" -- "$SVA" run test-null-deref --quiet
expect 1 "explore finds the livelock" -- "$SVA" explore test-livelock -k 1 --max-steps 20000
check "$TMP/out" "^  first failure: step budget exceeded: no end after 20000 steps" "livelock reported"
check "$TMP/out" "^  replay: sva replay --max-steps 20000 test-livelock '" "livelock replay line"
schedule=$(replay_of)
expect 1 "the livelock replays" -- "$SVA" replay --max-steps 20000 test-livelock "$schedule"
check "$TMP/out" "^verdict: VIOLATION: step budget exceeded" "livelock replay verdict"
expect 0 "--seconds stops a long enumeration" -- "$SVA" explore locked-counter -k 5 --seconds 1
tail -1 "$TMP/out" | grep -q "K=5: stopped at --seconds 1: [1-9][0-9]* schedules, 0 failing" || { echo "FAIL: --seconds stop line"; cat "$TMP/out"; fails=$((fails + 1)); }
expect 1 "a run that hangs past --seconds is reported" -- "$SVA" explore test-hang -k 1 --seconds 1
check "$TMP/out" "^  first failure: run in progress did not end after --seconds" "hang reported"
check "$TMP/out" "^  replay: sva replay test-hang '.\+'$" "hang replay line"
# signal SIG CODE [PROGRAM ARGS...]: explore until it has listed a schedule, send SIG (twice for
# a hung run), expect exit CODE and a stop line
signal() {
	sig=$1; code=$2; shift 2
	rm -f "$TMP/sig.out"
	"$SVA" explore "$@" --list >"$TMP/sig.out" 2>"$TMP/sig.err" &
	pid=$!
	n=0
	while [ ! -s "$TMP/sig.out" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
	kill "-$sig" "$pid"
	[ "$1" = test-hang ] && kill "-$sig" "$pid"
	wait "$pid"
	got=$?
	if [ "$got" -ne "$code" ] || ! tail -1 "$TMP/sig.out" | grep -q "stopped by SIG$sig: [0-9]* schedules, [0-9]* failing"; then
		echo "FAIL: SIG$sig: exit $got (expected $code), last line:"; tail -1 "$TMP/sig.out"; fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
}
signal INT 130 locked-counter -k 5
signal TERM 143 locked-counter -k 5
signal INT 130 test-hang -k 1
check "$TMP/sig.out" "^  replay: sva replay test-hang '.\+'$" "hung run's replay line after SIGINT"

# progress: nothing when stderr is not a tty; on a tty (script(1), where there is one) a line
# about once a second - at least one in two seconds, not one per schedule
expect 0 "no progress off a tty" -- "$SVA" explore locked-counter -k 2 --max 3000
[ -s "$TMP/err" ] && { echo "FAIL: progress written to a file"; fails=$((fails + 1)); }
if command -v script >/dev/null 2>&1; then
	script -qc "$SVA explore locked-counter -k 5 --seconds 2" /dev/null >"$TMP/tty" 2>&1
	n=$(tr '\r' '\n' <"$TMP/tty" | grep -c '^explore: [0-9]* schedules, 0 failing, [0-9]* s$')
	if [ "$n" -lt 1 ] || [ "$n" -gt 4 ]; then
		echo "FAIL: $n progress lines in 2 s on a tty"; fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
fi

# PCT: the faithful examples stay clean; a variant is found and its schedule replays
for f in "$EXAMPLES"/nginx.sva "$EXAMPLES"/seeds/*.sva "$EXAMPLES"/variants/*.sva; do
	expect 0 "PCT keeps $(basename "$f") clean" -- "$SVA" explore "$f" --pct 3 --runs 20 --seed 1
done
tail -1 "$TMP/out" | grep -q "PCT depth 3, seed 1: ran --runs 20 (k = [0-9]* decisions): 20 schedules, 0 failing" || { echo "FAIL: PCT stop line"; cat "$TMP/out"; fails=$((fails + 1)); }
expect 1 "PCT finds a variant" -- "$SVA" explore "$EXAMPLES/variants/fault-without-mmget.sva" \
	--variant fault-without-mmget --pct 3 --runs 100
schedule=$(replay_of)
expect 1 "the PCT schedule replays" -- "$SVA" replay --variant fault-without-mmget \
	"$EXAMPLES/variants/fault-without-mmget.sva" "$schedule"
check "$TMP/out" "^verdict: VIOLATION: invariant violated" "PCT replay verdict"
printf '%s\n' "$schedule" >"$TMP/schedule.txt"
expect 1 "a schedule replays from a file" -- "$SVA" replay --variant fault-without-mmget \
	"$EXAMPLES/variants/fault-without-mmget.sva" "@$TMP/schedule.txt"
check "$TMP/out" "^verdict: VIOLATION: invariant violated" "replay from a file"
expect 2 "a schedule file that is not there" -- "$SVA" replay abba @/nonexistent
one_line_error "missing schedule file"
expect 2 "--runs without --pct" -- "$SVA" explore abba --runs 3; one_line_error "runs without pct"
expect 2 "a bad shard" -- "$SVA" explore abba --shard 4/4; one_line_error "bad shard"
expect 2 "merge of a missing shard" -- "$SVA" explore --merge /nonexistent; one_line_error "merge"

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
