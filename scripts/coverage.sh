#!/bin/sh
# make coverage: run the suite in a gcov build (-DSVA_COVERAGE=ON: --coverage
# -fprofile-update=atomic) and report it.
#   scripts/coverage.sh BUILD_DIR
# Zeroes the counters, runs every CTest test (but test_exports), captures with lcov (branches too) keeping the
# library's own sources (src/), writes the HTML report to BUILD_DIR/html and prints, per folder
# of src/, lines and branches covered and the functions never called (the table of
# docs/testing.md). A failing test is reported but the report is still written; the script
# then fails.
set -eu

build=${1:?usage: scripts/coverage.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
rc="--rc lcov_branch_coverage=1"

# shellcheck disable=SC2086
lcov $rc --quiet --zerocounters --directory "$build"
status=0
# test_exports is left out: the gcov runtime's own symbols are exported from the instrumented
# libsva.so, which says nothing about the real one
ctest --test-dir "$build" --output-on-failure --no-tests=error -j "$jobs" -E '^test_exports$' ||
	status=$?
# shellcheck disable=SC2086
lcov $rc --quiet --capture --directory "$build" --base-directory "$src" \
	--output-file "$build/coverage-all.info"
# shellcheck disable=SC2086
lcov $rc --quiet --extract "$build/coverage-all.info" "$src/src/*" \
	--output-file "$build/coverage.info"
# shellcheck disable=SC2086
genhtml $rc --quiet --prefix "$src" --output-directory "$build/html" "$build/coverage.info"

python3 - "$build/coverage.info" "$src" <<'PY'
# The per-folder table: lines, branches, functions (and the names never called).
import os, sys
info, root = sys.argv[1], sys.argv[2] + "/"
folders = {}
cur = None
for line in open(info):
    line = line.rstrip("\n")
    if line.startswith("SF:"):
        path = line[3:]
        rel = path[len(root):] if path.startswith(root) else path
        d = folders.setdefault(os.path.dirname(rel), {"l": [0, 0], "b": [0, 0], "f": [0, 0], "never": []})
        cur = (d, rel, {})
    elif cur and line.startswith("DA:"):
        hits = int(line[3:].split(",")[1])
        cur[0]["l"][0] += 1
        cur[0]["l"][1] += hits > 0
    elif cur and line.startswith("BRDA:"):
        taken = line[5:].split(",")[3]
        cur[0]["b"][0] += 1
        cur[0]["b"][1] += taken not in ("-", "0")
    elif cur and line.startswith("FNDA:"):
        n, name = line[5:].split(",", 1)
        cur[2][name] = max(cur[2].get(name, 0), int(n))
    elif cur and line == "end_of_record":
        for name, n in sorted(cur[2].items()):
            cur[0]["f"][0] += 1
            cur[0]["f"][1] += n > 0
            if n == 0:
                cur[0]["never"].append(f"{name} ({os.path.basename(cur[1])})")
        cur = None

def pct(p):
    return f"{100.0 * p[1] / p[0]:5.1f}% ({p[1]}/{p[0]})" if p[0] else "    -"

tot = {"l": [0, 0], "b": [0, 0], "f": [0, 0]}
print(f"{'folder':<22} {'lines':>20} {'branches':>20} {'never called':>12}")
for name in sorted(folders):
    d = folders[name]
    for k in tot:
        tot[k][0] += d[k][0]
        tot[k][1] += d[k][1]
    print(f"{name:<22} {pct(d['l']):>20} {pct(d['b']):>20} {d['f'][0] - d['f'][1]:>12}")
print(f"{'total':<22} {pct(tot['l']):>20} {pct(tot['b']):>20} {tot['f'][0] - tot['f'][1]:>12}")
never = [n for name in sorted(folders) for n in folders[name]["never"]]
if never:
    print("never called: " + ", ".join(never))
PY
echo "coverage: report in $build/html/index.html"
exit $status
