#!/bin/bash
# The faithful design's long sweep (docs/testing.md, "The sweep"): every example explored at
# K=3, bounded to SWEEP_MAX schedules (default 200,000), then SWEEP_PCT_SECONDS (default 30) of
# PCT at depth 3 - with --races too when the sva given is a ThreadSanitizer build. Each line is
# the tool's stop line; the sweep fails (exit 1) at the first example that is not clean, after
# printing its replay line. Too long for make check: `make sweep`, or jobs on GNU parallel with
# SWEEP_JOBS (each example is independent).
#   scripts/sweep.sh [SVA]        (default build/release/sva)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
sva=${1:-$here/build/release/sva}
max=${SWEEP_MAX:-200000}
pct_s=${SWEEP_PCT_SECONDS:-30}
jobs=${SWEEP_JOBS:-1}
[ -x "$sva" ] || { echo "sweep: no sva at $sva (make release)" >&2; exit 2; }
races=
"$sva" run --races --quiet >/dev/null 2>&1 && races=--races

one() { # $1: example; prints its two stop lines, 1 when either was not clean
	local f=$1 out rc bad=0
	out=$(cd "$here" && "$sva" explore "$f" -k 3 --max "$max" $races 2>&1); rc=$?
	printf '%s\n' "$out" | tail -n 1
	[ $rc -eq 0 ] || { printf '%s\n' "$out" | grep -m1 'replay:'; bad=1; }
	out=$(cd "$here" && "$sva" explore "$f" --pct 3 --runs 1000000000 --seconds "$pct_s" $races 2>&1)
	rc=$?
	printf '%s\n' "$out" | tail -n 1
	[ $rc -eq 0 ] || { printf '%s\n' "$out" | grep -m1 'replay:'; bad=1; }
	return $bad
}
export -f one
export here sva max pct_s races
cd "$here" && ls examples/*.sva examples/seeds/*.sva examples/stories/*.sva |
	parallel --will-cite --halt now,fail=1 -j "$jobs" --keep-order one {}
