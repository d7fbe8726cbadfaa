#!/bin/sh
# The pictures of docs/timeline.md: `sva run --timeline` of every seed story and story example
# (sim, seed 1: a sim run is a pure function of scenario, seed and design, so the pictures only
# change when the code does) and of one variant stopped at its violation, into docs/pictures/.
# Usage: scripts/pictures.sh [SVA]   (default: build/release/sva, else build/asan/sva)
set -eu
cd "$(dirname "$0")/.."

SVA=${1:-}
if [ -z "$SVA" ]; then
	for s in build/release/sva build/asan/sva build/sva; do
		[ -x "$s" ] && SVA=$s && break
	done
fi
[ -n "$SVA" ] && [ -x "$SVA" ] || { echo "pictures: no sva binary (build it, or pass its path)" >&2; exit 2; }

mkdir -p docs/pictures
for f in examples/seeds/*.sva examples/stories/*.sva; do
	name=$(basename "$f" .sva)
	"$SVA" run "$f" --seed 1 --quiet --timeline "docs/pictures/$name.svg" >/dev/null
	echo "pictures: docs/pictures/$name.svg"
done
# a run stopped at its violation: the red line with the invariant and its message
"$SVA" run examples/variants/detach-at-last-user.sva --variant detach-at-last-user --seed 1 \
	--quiet --timeline docs/pictures/variant-detach-at-last-user.svg >/dev/null || [ $? -eq 1 ]
echo "pictures: docs/pictures/variant-detach-at-last-user.svg"
