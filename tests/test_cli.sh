#!/bin/sh
# The sva tool's contract: exit codes (0 clean, 1 violation, 2 usage, 3 a call or goal that
# failed), one-line errors on stderr, a replayable schedule, a trace file that parses, scenario
# files and their errors, the historical variants; what `sva run` prints (the story, the
# verdict), the options' checks and help.  Usage: test_cli.sh PATH/TO/sva EXAMPLES_DIR
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

# a malformed scenario: one line FILE:LINE:COL: message, no prefix (editors jump to it), nothing
# runs, and a misspelt call gets "did you mean"
printf 'device dsa0\nwq dsa0 shared\nprocess p {\n\tr0 = opn(dsa0wq0)\n}\n' >"$TMP/bad.sva"
expect 2 "malformed scenario" -- "$SVA" run "$TMP/bad.sva"
if [ "$(wc -l <"$TMP/err")" -ne 1 ] || [ -s "$TMP/out" ] ||
	! grep -q "^$TMP/bad.sva:4:7: unknown call 'opn'; did you mean open?$" "$TMP/err"; then
	echo "FAIL: error location"; sed 's/^/  | /' "$TMP/err" "$TMP/out"; fails=$((fails + 1))
else
	passes=$((passes + 1))
fi
expect 2 "unknown variant" -- "$SVA" run --variant nope; one_line_error "unknown variant"

# a scenario that expects its violation passes; the same without the expectation fails
printf 'device dsa0\nwq dsa0 shared\nprocess p1 {\n\tr0 = open(dsa0wq0)\n}\nexpect violation(I2)\n' >"$TMP/expect.sva"
expect 0 "expected violation seen" -- "$SVA" run "$TMP/expect.sva" --variant pasid-free-at-mmput --quiet
expect 3 "expected violation missing" -- "$SVA" run "$TMP/expect.sva" --quiet
grep -q "^verdict: FAILED: expected a violation of I2 no early reuse; the run had none$" "$TMP/out" || { echo "FAIL: missing violation verdict"; cat "$TMP/out"; fails=$((fails + 1)); }
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

# PCT: the faithful examples stay clean (the stories too: PCT found a swap-in racing another
# fault's within 20 runs of the reclaim story); a variant is found and its schedule replays
for f in "$EXAMPLES"/nginx.sva "$EXAMPLES"/seeds/*.sva "$EXAMPLES"/stories/*.sva \
	"$EXAMPLES"/variants/*.sva; do
	expect 0 "PCT keeps $(basename "$f") clean" -- "$SVA" explore "$f" --pct 3 --runs 30 --seed 1
done
tail -1 "$TMP/out" | grep -q "PCT depth 3, seed 1: ran --runs 30 (k = [0-9]* decisions): 30 schedules, 0 failing" || { echo "FAIL: PCT stop line"; cat "$TMP/out"; fails=$((fails + 1)); }
expect 1 "PCT finds a variant" -- "$SVA" explore "$EXAMPLES/variants/fault-without-mmget.sva" \
	--variant fault-without-mmget --pct 3 --runs 100
schedule=$(replay_of)
expect 1 "the PCT schedule replays" -- "$SVA" replay --variant fault-without-mmget \
	"$EXAMPLES/variants/fault-without-mmget.sva" "$schedule"
check "$TMP/out" "^verdict: VIOLATION I[1-7] ([a-z ]*): " "PCT replay verdict"
printf '%s\n' "$schedule" >"$TMP/schedule.txt"
expect 1 "a schedule replays from a file" -- "$SVA" replay --variant fault-without-mmget \
	"$EXAMPLES/variants/fault-without-mmget.sva" "@$TMP/schedule.txt"
check "$TMP/out" "^verdict: VIOLATION I[1-7] ([a-z ]*): " "replay from a file"
expect 2 "a schedule file that is not there" -- "$SVA" replay abba @/nonexistent
one_line_error "missing schedule file"
expect 2 "--runs without --pct" -- "$SVA" explore abba --runs 3; one_line_error "runs without pct"
expect 2 "a bad shard" -- "$SVA" explore abba --shard 4/4; one_line_error "bad shard"
expect 2 "merge of a missing shard" -- "$SVA" explore --merge /nonexistent; one_line_error "merge"
# as many shard files as a job array makes (no cap on arguments)
mkdir "$TMP/shards"
for i in $(seq 0 69); do
	"$SVA" explore "$EXAMPLES/seeds/004-bond-holds-mm-count.sva" -k 2 --shard "$i/70" >"$TMP/shards/s$i.out"
done
expect 0 "merge of 70 shards" -- "$SVA" explore --merge "$TMP"/shards/s*.out
check "$TMP/out" "^explore, 70 shards merged: exhausted: [0-9]* schedules, 0 failing$" "70 shards merged"

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
grep -q "^verdict: VIOLATION I2 (no early reuse): " "$TMP/out" || { echo "FAIL: stress replay"; fails=$((fails + 1)); }
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

# ---- what `sva run` prints (issue 16): what ran, the story, the summary, the verdict ----
# lines COUNT_MAX: the last command printed fewer than COUNT_MAX lines
expect 0 "sva run, as make run runs it" -- "$SVA" run
n=$(wc -l <"$TMP/out")
[ "$n" -lt 60 ] || { echo "FAIL: sva run printed $n lines (at most 59)"; fails=$((fails + 1)); }
check "$TMP/out" "^run nginx.sva (the built-in scenario): sim, seed 1, faithful design$" "what ran"
[ "$(head -1 "$TMP/out" | grep -c '^run ')" -eq 1 ] || { echo "FAIL: what ran is not the first line"; fails=$((fails + 1)); }
# one story line per PASID (4) and per mm (5): allocated, bound, exit_mmap, unbound, freed
n=$(grep -c '^  PASID [1-4] · mm[2-5] · [a-z]*/[2-5]: allocated [0-9]* · bound dsa0 [0-9]* · exit_mmap [0-9]* · unbound dsa0 [0-9]* · freed [0-9]*$' "$TMP/out")
[ "$n" -eq 4 ] || { echo "FAIL: $n PASID story lines, expected 4"; cat "$TMP/out"; fails=$((fails + 1)); }
n=$(grep -c '^  mm[1-5] · [a-z]*/[1-5]: created [0-9]*.* · \(exited [0-9]* (status [0-9]*)\|killed [0-9]* (SIG[A-Z]*)\) · exit_mmap [0-9]* · freed (__mmdrop) [0-9]*$' "$TMP/out")
[ "$n" -eq 5 ] || { echo "FAIL: $n mm story lines, expected 5"; fails=$((fails + 1)); }
check "$TMP/out" "^  mm4 · streamer/4: .* killed [0-9]* (SIGKILL)" "the killed streamer's story"
check "$TMP/out" "^summary:$" "summary table"
[ "$(tail -1 "$TMP/out")" = "verdict: clean" ] || { echo "FAIL: the verdict is not the last line"; fails=$((fails + 1)); }
grep -q "actor.spawn" "$TMP/out" && { echo "FAIL: the event timeline printed without -v"; fails=$((fails + 1)); }
check "$TMP/out" "^schedule: [0-9]* characters (-v prints it" "a long schedule is not printed"
# -v and --timeline-text: every event; -v the whole schedule as a replay line
expect 0 "run -v" -- "$SVA" run -v
check "$TMP/out" "^timeline ([0-9]* events; step, actor, event):$" "-v timeline"
check "$TMP/out" "actor.spawn actor=0" "-v events"
check "$TMP/out" "^replay: sva replay nginx.sva '[a-z0-9]*'$" "-v replay line"
schedule=$(sed -n "s/^replay: sva replay nginx.sva '\(.*\)'$/\1/p" "$TMP/out")
expect 0 "the built-in scenario replays by its name" -- "$SVA" replay nginx.sva "$schedule"
check "$TMP/out" "^replay nginx.sva (the built-in scenario): sim, a schedule of [0-9]* decisions" "replay's first line"
expect 0 "--timeline-text" -- "$SVA" run --timeline-text
check "$TMP/out" "actor.spawn actor=0" "--timeline-text events"
# --schedule-out: the file replays, and the replay line names it
expect 0 "--schedule-out" -- "$SVA" run --schedule-out "$TMP/nginx.sched"
check "$TMP/out" "^replay: sva replay nginx.sva @$TMP/nginx.sched$" "replay line of --schedule-out"
expect 0 "replay of --schedule-out's file" -- "$SVA" replay nginx.sva "@$TMP/nginx.sched" --quiet
# a short schedule is printed as a ready-to-paste replay line
expect 1 "a short schedule" -- "$SVA" run lost-update --seed 2
check "$TMP/out" "^replay: sva replay lost-update '[a-z0-9]*'$" "short schedule replay line"
# --quiet: the verdict alone
expect 0 "--quiet" -- "$SVA" run --quiet
[ "$(cat "$TMP/out")" = "verdict: clean" ] || { echo "FAIL: --quiet printed more than the verdict"; cat "$TMP/out"; fails=$((fails + 1)); }
expect 2 "--quiet with -v" -- "$SVA" run --quiet -v; one_line_error "quiet and verbose"

# the verdict: a call that failed (FAILED, exit 3) is not an invariant broken (VIOLATION, exit 1)
printf 'device dsa0 pri\nwq dsa0 shared\nprogram worker {\n\tr0 = open(dsa0wq0)\n\tq0 = mmap(r0, mmio)\n\tioctl(r0, start_q)\n\tsrc = mmap(64k)\n\tdst = mmap(64k)\n\tfill(src, 64k, 0x5a)\n\tc0 = submit(r0, memmove, src=src, dst=dst, len=64k)\n\twait(c0)\n}\nprocess master {\n\tp1 = fork(worker)\n\twait(p1)\n}\n' >"$TMP/fault.sva"
expect 3 "a call that fails is FAILED" -- "$SVA" run "$TMP/fault.sva"
[ "$(tail -1 "$TMP/out")" = "verdict: FAILED: $TMP/fault.sva:11:2: wait() returned -EFAULT (Bad address), expected success" ] || { echo "FAIL: FAILED verdict"; tail -1 "$TMP/out"; fails=$((fails + 1)); }
expect 3 "FAILED under --quiet" -- "$SVA" run "$TMP/fault.sva" --quiet
check "$TMP/out" "^verdict: FAILED: " "--quiet prints the FAILED verdict"
expect 1 "an invariant broken is a VIOLATION" -- "$SVA" run "$EXAMPLES/variants/pasid-free-at-mmput.sva" --variant pasid-free-at-mmput
check "$TMP/out" "^verdict: VIOLATION I2 (no early reuse): PASID 1 freed while" "VIOLATION verdict"
# the story shows the bug: the PASID freed at exit_mmap while dsa0 never unbound it
check "$TMP/out" "^  PASID 1 · mm1 · p1/1: allocated [0-9]* · bound dsa0 [0-9]* · exit_mmap [0-9]* · freed [0-9]*$" "the story of a violation"

# schedules: malformed, truncated, trailing, too long - errors, never a verdict
expect 2 "malformed schedule says where" -- "$SVA" replay lost-update 'ab3a0'
[ "$(cat "$TMP/err")" = "sva: replay: bad schedule at character 5: a repeat count is at least 1, found '0'" ] || { echo "FAIL: bad schedule message"; cat "$TMP/err"; fails=$((fails + 1)); }
[ -s "$TMP/out" ] && { echo "FAIL: output before the schedule error"; fails=$((fails + 1)); }
expect 2 "run --schedule checked too" -- "$SVA" run lost-update --schedule 'a1x!'; one_line_error "run --schedule"
grep -q "at character 4" "$TMP/err" || { echo "FAIL: run --schedule position"; fails=$((fails + 1)); }
expect 2 "a truncated schedule" -- "$SVA" replay lost-update 'a'; one_line_error "truncated"
grep -q "schedule ends too soon: it has 1 decisions, lost-update took 51" "$TMP/err" || { echo "FAIL: truncated message"; cat "$TMP/err"; fails=$((fails + 1)); }
grep -q "^verdict" "$TMP/out" && { echo "FAIL: a truncated schedule got a verdict"; fails=$((fails + 1)); }
expect 2 "trailing decisions" -- "$SVA" replay lost-update 'a50b52'; one_line_error "trailing"
grep -q "schedule too long: it has 102 decisions, lost-update ended after 101" "$TMP/err" || { echo "FAIL: trailing message"; cat "$TMP/err"; fails=$((fails + 1)); }
expect 1 "the whole schedule replays" -- "$SVA" replay lost-update 'a50b51' --quiet
expect 2 "a schedule beyond the step budget" -- "$SVA" replay lost-update 'a100000000'; one_line_error "step budget"
grep -q "more than 10000000 decisions, the run's step budget" "$TMP/err" || { echo "FAIL: step budget message"; cat "$TMP/err"; fails=$((fails + 1)); }
expect 2 "the budget is --max-steps" -- "$SVA" replay lost-update 'a6b6' --max-steps 11; one_line_error "max-steps budget"

# options: decimal only, ranges, missing values, conflicts, other commands', did you mean
expect 2 "hex refused" -- "$SVA" explore abba -k 0x2; one_line_error "hex"
grep -q "'0x2' is not a decimal number" "$TMP/err" || { echo "FAIL: hex message"; fails=$((fails + 1)); }
expect 2 "-k range" -- "$SVA" explore abba -k 65; one_line_error "-k range"
grep -q "65 is out of range (0..64)" "$TMP/err" || { echo "FAIL: range message"; fails=$((fails + 1)); }
expect 2 "--max 0" -- "$SVA" explore abba --max 0; one_line_error "max range"
expect 2 "--seconds 0" -- "$SVA" explore abba --seconds 0; one_line_error "seconds range"
expect 2 "--runs 0" -- "$SVA" stress --runs 0; one_line_error "runs range"
expect 2 "--seed overflow" -- "$SVA" run --seed 18446744073709551616; one_line_error "seed range"
expect 0 "--seed at its maximum" -- "$SVA" run --seed 18446744073709551615 --quiet
expect 2 "negative number" -- "$SVA" run --seed -1; one_line_error "negative"
expect 2 "missing value" -- "$SVA" run --seed; one_line_error "missing value"
grep -q "run: --seed S needs a value" "$TMP/err" || { echo "FAIL: missing value message"; cat "$TMP/err"; fails=$((fails + 1)); }
expect 2 "missing value before an option" -- "$SVA" run --trace --quiet; one_line_error "missing value 2"
expect 0 "--opt=value" -- "$SVA" run --seed=3 --quiet
expect 2 "--native with --schedule" -- "$SVA" run --native --schedule a; one_line_error "native schedule"
expect 2 "--seed with --schedule" -- "$SVA" run --seed 2 --schedule a; one_line_error "seed schedule"
expect 2 "explore --seed without --pct" -- "$SVA" explore abba --seed 3; one_line_error "explore seed"
expect 2 "another command's option" -- "$SVA" run -k 2; one_line_error "other command's option"
grep -q "run: -k K is explore's option, not run's" "$TMP/err" || { echo "FAIL: other command's message"; cat "$TMP/err"; fails=$((fails + 1)); }
expect 2 "misspelt option" -- "$SVA" run --sed 3; one_line_error "misspelt option"
grep -q "did you mean --seed?" "$TMP/err" || { echo "FAIL: did you mean --seed"; fails=$((fails + 1)); }
expect 2 "misspelt variant" -- "$SVA" run --variant pasid-fre-at-mmput; one_line_error "misspelt variant"
grep -q "did you mean pasid-free-at-mmput?" "$TMP/err" || { echo "FAIL: did you mean variant"; fails=$((fails + 1)); }
expect 2 "misspelt command" -- "$SVA" rnu; one_line_error "misspelt command"
grep -q "did you mean run?" "$TMP/err" || { echo "FAIL: did you mean run"; fails=$((fails + 1)); }
printf 'device dsa0\nwq dsa0 shared\nprocess p {\n\tr0 = open(dsa1wq0)\n}\n' >"$TMP/dev.sva"
expect 2 "misspelt wq" -- "$SVA" run "$TMP/dev.sva"
grep -q "^$TMP/dev.sva:4:12: unknown wq 'dsa1wq0'; did you mean dsa0wq0?$" "$TMP/err" || { echo "FAIL: did you mean wq"; cat "$TMP/err"; fails=$((fails + 1)); }
# output files are opened before the run: nothing runs when one cannot be written
expect 2 "unwritable timeline, nothing runs" -- "$SVA" run --timeline /nonexistent/dir/t.svg; one_line_error "timeline path"
[ -s "$TMP/out" ] && { echo "FAIL: ran before finding the timeline unwritable"; fails=$((fails + 1)); }
expect 2 "unwritable schedule file" -- "$SVA" run --schedule-out /nonexistent/dir/s; one_line_error "schedule-out path"
expect 2 "stress: unwritable trace before the runs" -- "$SVA" stress --runs 1 --trace /nonexistent/dir/t.json; one_line_error "stress trace path"

# help: every option of every command with its meaning and default; the man page from it
# joined_options: the last command's options, an entry and its continuation lines (wrapped at
# 100 columns) joined into one line
joined_options() {
	sed -n '/^options:$/,/^$/p' "$TMP/out" | awk '/^  -/ { if (e) print e; e = $0; next }
		/^   / { sub(/^ +/, " "); e = e $0; next } END { if (e) print e }'
}
for cmd in run explore replay stress bench; do
	expect 0 "help $cmd" -- "$SVA" help "$cmd"
	joined_options | grep -v -- '--help' >"$TMP/opts"
	awk 'length > 100' "$TMP/out" | grep -q . && { echo "FAIL: help $cmd has lines over 100 columns"; fails=$((fails + 1)); }
	[ -s "$TMP/opts" ] || { echo "FAIL: help $cmd lists no options"; fails=$((fails + 1)); }
	if grep -v '(default: [^)]*)$' "$TMP/opts" >"$TMP/nodefault"; then
		echo "FAIL: help $cmd: options without a default:"; cat "$TMP/nodefault"; fails=$((fails + 1))
	fi
	check "$TMP/out" "^exit codes: 0 clean; 1 a violation" "help $cmd exit codes"
	# every option the help lists is one the command takes (no "not CMD's", no "unknown")
	for opt in $(sed -n 's/^  \(-[a-z], \)\{0,1\}\(--[a-z-]*\).*/\2/p' "$TMP/opts"); do
		"$SVA" "$cmd" "$opt" >/dev/null 2>"$TMP/opterr" </dev/null &
		pid=$!; sleep 0.2; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		if grep -q "unknown option\|option, not" "$TMP/opterr"; then
			echo "FAIL: help $cmd lists $opt, which $cmd refuses"; fails=$((fails + 1))
		fi
	done
done
expect 0 "help run lists --seed" -- "$SVA" help run
joined_options >"$TMP/opts"
check "$TMP/opts" "^  --seed S  *seed of the sim backend's random schedule.*; 0..18446744073709551615 (default: 1" "help --seed line"
check "$TMP/opts" "^  --max-steps N .*(default: 10000000)$" "help --max-steps line"
expect 2 "help of no command" -- "$SVA" help rnu; one_line_error "help rnu"
expect 0 "the man page" -- "$SVA" help --man
check "$TMP/out" '^\.TH SVA 1 ' "man page header"
for opt in seed native schedule variant max-steps trace timeline timeline-text schedule-out verbose quiet max seconds runs keep-going pct shard list no-por merge sim races; do
	roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	grep -q "^\.B .*\\\\-\\\\-$roff\b" "$TMP/out" || { echo "FAIL: man page lacks --$opt"; fails=$((fails + 1)); }
done
check "$TMP/out" '^\.SH "EXIT STATUS"$' "man page exit status"
# --races: a ThreadSanitizer build runs the built-in scenario race-free; any other refuses, once
"$SVA" run --races --quiet >"$TMP/out" 2>"$TMP/err"
case $? in
0) passes=$((passes + 1)) ;;
2) grep -q "^sva: run: --races needs a ThreadSanitizer build" "$TMP/err" && passes=$((passes + 1)) ||
	{ echo "FAIL: --races refusal"; cat "$TMP/err"; fails=$((fails + 1)); } ;;
*) echo "FAIL: run --races"; cat "$TMP/err"; fails=$((fails + 1)) ;;
esac
if command -v groff >/dev/null 2>&1; then
	groff -man -Tutf8 -ww "$TMP/out" >"$TMP/man.txt" 2>"$TMP/man.err" && [ ! -s "$TMP/man.err" ] || { echo "FAIL: groff warns on the man page"; head "$TMP/man.err"; fails=$((fails + 1)); }
fi

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
# -v: the story and the verdict, and every event and the whole schedule as before
golden nginx -- "$SVA" run examples/nginx.sva --seed 1 -v
golden pasid-free-at-mmput -- "$SVA" run examples/variants/pasid-free-at-mmput.sva -v
golden detach-at-last-user -- "$SVA" run examples/variants/detach-at-last-user.sva \
	--variant detach-at-last-user -v

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
