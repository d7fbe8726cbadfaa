#!/bin/sh
# Run each libFuzzer target of tests/fuzz/ for SECONDS (make fuzz; make check runs a short one).
#   scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]     targets default: every fuzz_* in BUILD_DIR
# Each target uses the scenario language's dictionary (tests/fuzz/scenario.dict), starts from
# its committed seed corpus (tests/fuzz/corpus/<target>/, read only) and
# keeps what it finds in BUILD_DIR/corpus/<target>/; a crash, leak or sanitizer report leaves its
# input in BUILD_DIR/artifacts/ and fails the run (fix it, and add the input as a regression test
# in tests/test_scenario_parse.c). Prints one line per target: runs, executions per second.
set -eu

build=${1:?usage: scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
	for f in "$src"/tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		set -- "$@" "${n#fuzz_}"
	done
fi

status=0
mkdir -p "$build/artifacts"
for t in "$@"; do
	mkdir -p "$build/corpus/$t"
	log="$build/fuzz_$t.log"
	# -max_len: the seeds are at most a few kB; -timeout: one input that runs 10 s is a hang
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$build/fuzz_$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
		-dict="$src/tests/fuzz/scenario.dict" \
		"$build/corpus/$t" "$src/tests/fuzz/corpus/$t" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		echo "fuzz $t: ${runs:-?} runs in ${seconds} s, ${rate:-?} exec/s, no crash"
	else
		status=1
		echo "fuzz $t: FAILED (log $log)" >&2
		grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" >&2 || tail -20 "$log" >&2
	fi
done
exit $status
