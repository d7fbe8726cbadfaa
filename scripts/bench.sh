#!/bin/sh
# Run every benchmark of a build tree. Each prints "BENCH <name> <value> <unit>" lines.
# exec_dsa is a real DSA program: it runs under `sva exec` (root, /dev/fuse, accel-config).
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
exit $status
