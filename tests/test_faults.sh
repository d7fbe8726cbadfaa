#!/bin/sh
# Fail-nth from the command line: `sva run --fail-nth N` says which allocation it failed and
# judges the run as usual (a failed call is FAILED, exit 3); `sva faults` fails every allocation
# in turn, one line per N, and is clean on the examples; on sva_broken (the tool built with
# SVA_BREAK_BIND_LEAKS_BOND: a bind whose domain cannot be made forgets its bond) both find the
# leak. Usage: test_faults.sh PATH/TO/sva PATH/TO/sva_broken EXAMPLES_DIR
set -u
SVA=$1
BROKEN=$2
EXAMPLES=$3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
passes=0
SEED0=$EXAMPLES/seeds/000-pasid-follows-the-mm.sva

# expect CODE DESCRIPTION -- COMMAND...
expect() {
	code=$1; what=$2; shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$code" ]; then
		echo "FAIL: $what: exit $got, expected $code"; sed 's/^/  | /' "$TMP/out" "$TMP/err" | tail -20
		fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
}

# check DESCRIPTION -- COMMAND...: the command (a test on the last output) succeeds
check() {
	what=$1; shift 2
	if "$@"; then
		passes=$((passes + 1))
	else
		echo "FAIL: $what"; sed 's/^/  | /' "$TMP/out" | tail -20
		fails=$((fails + 1))
	fi
}

# ---- sva faults on a seed example: every N, one line each, all clean ----
expect 0 "faults on seed 000" -- "$SVA" faults "$SEED0"
total=$(sed -n 's/^faults .*: the run makes \([0-9]*\) allocations; failing each in turn$/\1/p' "$TMP/out")
check "the header gives the run's allocations" -- [ -n "$total" ]
check "more than a few allocations" -- [ "${total:-0}" -gt 20 ]
lines=$(grep -c '^ *[0-9][0-9]*  [a-z_]* at [a-z/_.-]*\.c:[0-9][0-9]*  *\(clean error\|absorbed\)' "$TMP/out")
check "one clean line per allocation ($lines of $total)" -- [ "$lines" -eq "${total:-0}" ]
check "the N after the last injects nothing" -- grep -q "^ *$((total + 1))  nothing injected" "$TMP/out"
check "the summary" -- grep -q "^summary: $total runs with an allocation failed: .* 0 violations, 0 leaks; no crash$" "$TMP/out"
check "the verdict" -- grep -q '^verdict: clean$' "$TMP/out"
cp "$TMP/out" "$TMP/seed0.faults"

# every seed example, and the stories: clean at every N (the suite's short sweep)
for f in "$EXAMPLES"/seeds/*.sva "$EXAMPLES"/stories/*.sva; do
	expect 0 "faults on $(basename "$f")" -- "$SVA" faults --quiet "$f"
	check "quiet faults on $(basename "$f") prints no N" -- sh -c "! grep -q '^ *[0-9]' '$TMP/out'"
done

# the built-in programs clean with nothing failed: clean at every N too (fd-mm-clean's check
# crashed on a worker whose open had failed, pasid-lifetime's device waited for ever for it)
for p in pasid-churn locked-counter fd-mm-clean pasid-lifetime; do
	expect 0 "faults on the built-in $p" -- "$SVA" faults --quiet "$p"
done
expect 0 "faults on fd-mm-clean" -- "$SVA" faults fd-mm-clean
n=$(sed -n 's/^ *\([0-9]*\)  file at src\/fs\/file\.c:[0-9]*  *clean error: the worker failed.*/\1/p' "$TMP/out" | head -1)
check "fd-mm-clean: the open's file allocation is a clean error" -- [ -n "$n" ]
expect 3 "run --fail-nth ${n:-?} fd-mm-clean: the worker's open failed, a failed call" -- \
	"$SVA" run --quiet --fail-nth "${n:-1}" fd-mm-clean
check "the worker's failure, said" -- grep -q '^verdict: FAILED: the worker failed (exit status 1)' "$TMP/out"

# the long sweep, behind the flag: the built-in nginx scenario (about 40 s under ASan)
if [ "${SVA_TEST_FAIL_ALL:-0}" = 1 ]; then
	expect 0 "faults on nginx" -- "$SVA" faults --quiet "$EXAMPLES/nginx.sva"
fi

# --max bounds the sweep
expect 0 "faults --max 5" -- "$SVA" faults --max 5 "$SEED0"
check "--max 5: five lines" -- [ "$(grep -c '^ *[0-9][0-9]*  ' "$TMP/out")" -eq 5 ]
check "--max 5: said" -- grep -q '^summary: 5 runs .*; stopped at --max$' "$TMP/out"

# ---- sva run --fail-nth N: which allocation, and the verdict as usual ----
bond=$(sed -n 's/^ *\([0-9]*\)  bond at src\/iommu\/iommu-sva\.c:[0-9]*  *clean error: .*open() returned -ENOMEM.*/\1/p' "$TMP/seed0.faults" | head -1)
check "faults names a bond's allocation that open() reports" -- [ -n "$bond" ]
expect 3 "run --fail-nth $bond: a failed call" -- "$SVA" run --fail-nth "${bond:-1}" "$SEED0"
check "run --fail-nth names the allocation" -- grep -q "^fail-nth $bond: allocation $bond of the run failed: bond at src/iommu/iommu-sva.c:[0-9]*$" "$TMP/out"
check "run --fail-nth: FAILED, not a violation" -- grep -q '^verdict: FAILED: .*open() returned -ENOMEM' "$TMP/out"
check "run --fail-nth: the replay line repeats it" -- grep -q "^replay: sva replay --fail-nth $bond " "$TMP/out"
replay=$(sed -n "s/^replay: //p" "$TMP/out")
expect 3 "the replay line replays it" -- sh -c "$(echo "$replay" | sed "s|^sva |'$SVA' |")"
check "the replay fails the same allocation" -- grep -q "^fail-nth $bond: allocation $bond of the run failed: bond at" "$TMP/out"
expect 3 "run --fail-nth 1: setup fails, a failed call" -- "$SVA" run --quiet --fail-nth 1 "$SEED0"
check "run --fail-nth 1: setup failed" -- grep -q '^verdict: FAILED: setup of .* failed: -ENOMEM' "$TMP/out"
expect 0 "run --fail-nth past the end" -- "$SVA" run --quiet --fail-nth $((total + 1)) "$SEED0"
check "nothing injected, said" -- grep -q "^fail-nth $((total + 1)): nothing injected (the run made $total allocations)$" "$TMP/out"
check "and clean" -- grep -q '^verdict: clean$' "$TMP/out"
expect 2 "run --fail-nth 0" -- "$SVA" run --fail-nth 0 "$SEED0"
expect 2 "run --fail-nth x" -- "$SVA" run --fail-nth x "$SEED0"
expect 2 "faults without a file" -- "$SVA" faults
expect 2 "faults takes no --fail-nth" -- "$SVA" faults --fail-nth 3 "$SEED0"
# a run that is not clean with nothing failed: no sweep
expect 1 "faults on a broken design" -- "$SVA" faults --variant pasid-free-at-mmput "$SEED0"
check "says the run itself is not clean" -- grep -q 'the run with nothing failed is not clean: .*I2' "$TMP/out"

# ---- the broken build: the leak on bind's error path is found ----
expect 1 "faults on sva_broken" -- "$BROKEN" faults "$SEED0"
check "sva_broken: the domain's failure is a violation" -- grep -q '^ *[0-9]*  domain at src/drivers/swiommu/domain.c:[0-9]*  *\(VIOLATION: .*I4 no leaks.*1 bond\|LEAK: leak: 1 bond\)' "$TMP/out"
check "sva_broken: the summary counts it" -- grep -q '^summary: .* [1-9][0-9]* violations\|^summary: .* [1-9][0-9]* leaks' "$TMP/out"
check "sva_broken: the verdict" -- grep -q '^verdict: VIOLATION' "$TMP/out"
n=$(sed -n 's/^ *\([0-9]*\)  domain at src\/drivers\/swiommu\/domain\.c:[0-9]*  *\(VIOLATION\|LEAK\).*/\1/p' "$TMP/out" | head -1)
expect 1 "sva_broken run --fail-nth ${n:-?}: a violation, not a failed call" -- "$BROKEN" run --quiet --fail-nth "${n:-1}" "$SEED0"
check "sva_broken run --fail-nth: the leak's verdict" -- grep -q '^verdict: VIOLATION .*1 bond' "$TMP/out"
# and the faithful build at the same N is a failed call only
expect 3 "sva run --fail-nth ${n:-?}: a failed call" -- "$SVA" run --quiet --fail-nth "${n:-1}" "$SEED0"

echo "test_faults: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
