#!/bin/sh
# Run every benchmark of a build tree. Each prints "BENCH <name> <value> <unit>" lines.
set -eu
dir=${1:-build/release}
status=0
for b in "$dir"/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || status=1
done
exit $status
