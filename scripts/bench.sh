#!/bin/sh
# Run every benchmark of a build tree. Each prints "BENCH <name> <value> <unit>" lines.
# exec_dsa is a real DSA program: it runs under `sva exec` (root, /dev/fuse, accel-config); the
# mutation figures come from a small sample of the campaign.
set -eu
dir=$(cd "${1:-build/release}" && pwd)
status=0
for b in "$dir"/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || status=1
done
echo "== exec_dsa (under sva exec)"
if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || ! command -v accel-config >/dev/null; then
	echo "bench: exec_dsa not run: sva exec needs root, /dev/fuse and accel-config" >&2
	status=1
else
	"$dir/sva" exec -- sh -c "accel-config enable-device dsa0 >/dev/null &&
		accel-config enable-wq dsa0/wq0.1 >/dev/null && $dir/exec_dsa /dev/dsa/wq0.1" ||
		status=1
fi
# The mutation figures (mutate.score, mutate.mutants, mutate.median_kill_s): a small sample of the
# campaign, judged as `make mutate` judges it (docs/testing.md; the published score is the
# 40-mutant sample's). SVA_BENCH_MUTATE_SAMPLE=0 leaves it out.
n=${SVA_BENCH_MUTATE_SAMPLE:-8}
if [ "$n" -gt 0 ]; then
	echo "== mutation sample ($n mutants, seed 11)"
	top=$(cd "$(dirname "$0")/.." && pwd)
	"$top/scripts/mutate/run" --sample "$n" --seed 11 -j 2 --out "$dir/bench-mutate" \
		2>/dev/null | grep '^BENCH' || status=1
fi
exit $status
