#!/bin/bash
# The mutation judge's reach (docs/testing.md, "Mutation score"): on two examples - a seed that
# never opens an idxd WQ and an idxd story - a mutant of the embedder API, which neither
# drives (the embedder stories do), is unreached at once; one the seed's explorer kills is killed; one only the story
# executes is killed by the story with every command of the seed's left out; and reach.py
# selects every command for lines it has no counters for.
# Usage: test_mutate_reach.sh SRCDIR. Exits 77 (CTest: skipped) without GNU parallel or gcov.
set -u
top=$1
for t in parallel gcov; do
	command -v $t >/dev/null || { echo "SKIP: $t is not installed (scripts/install-deps.sh)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
seed=examples/seeds/000-pasid-follows-the-mm.sva story=examples/stories/idxd-exit-with-a-descriptor-in-flight.sva
embed='src/drivers/swiommu/embed.c:sva_swiommu_find_device:unlock:removesva_mutex_lock/sva_mutex_unlock(&sw->lock)'
accel='src/drivers/accel/accel.c:sva_accel_ctx_close:unlock:removesva_spin_lock/sva_spin_unlock(&wq->lock)'
cdev='src/drivers/idxd/cdev.c:sva_idxd_open:delete:deletesva_refcount_inc(&c->refs)'
printf '%s\n' "$embed" "$accel" "$cdev" >"$tmp/ids"
SVA_MUTATE_RACES=0 SVA_MUTATE_EXAMPLES="$seed|$story" "$top/scripts/mutate/run" --ids "$tmp/ids" -j 1 \
	--out "$tmp/out" >"$tmp/log" 2>&1 || fail "the campaign failed: $(tail -n 3 "$tmp/log")"
status() { awk -F'\t' -v id="$1" '$1 == id { print $2 }' "$tmp/out/results.tsv"; }
detail() { awk -F'\t' -v id="$1" '$1 == id { print $4 }' "$tmp/out/results.tsv"; }
[ "$(status "$embed")" = unreached ] || fail "embed.c mutant: '$(status "$embed")', not unreached"
[ "$(status "$accel")" = killed ] || fail "accel.c mutant: '$(status "$accel")', not killed"
[ "$(status "$cdev")" = killed ] || fail "cdev.c mutant: '$(status "$cdev")', not killed"
case $(detail "$cdev") in *"$story"*) ;; *) fail "cdev.c mutant not killed by the story: $(detail "$cdev")" ;; esac
# the reach file: one record per command of the two examples; the seed never opens a WQ
n=$(wc -l <"$tmp/out/reach.jsonl")
[ "$n" -eq 8 ] || fail "reach.jsonl has $n records, not 8 (explore, pct, stress, faults of each)"
line=$(python3 "$top/scripts/mutate/gen.py" list --root "$top" | awk -F'\t' -v k="$cdev" '$3 == k { split($1, a, ":"); print a[2] }')
sel=$(python3 "$top/scripts/mutate/reach.py" select --reach "$tmp/out/reach.jsonl" \
	--file src/drivers/idxd/cdev.c --lines "$line")
[ -n "$sel" ] || fail "no command executes cdev.c:$line"
grep -q "$seed" <<<"$sel" && fail "a command of the seed executes cdev.c:$line: $sel"
# line 1 is the licence comment: no counters, so every command
[ "$(python3 "$top/scripts/mutate/reach.py" select --reach "$tmp/out/reach.jsonl" \
	--file src/drivers/idxd/cdev.c --lines 1 | wc -l)" -eq 8 ] || fail "a line without counters did not select every command"
grep -q "^BENCH mutate.score 0.667 ratio (2 of 3)" "$tmp/log" || fail "the score line: $(grep BENCH "$tmp/log" | head -n 1)"
[ $fails -eq 0 ] || { cat "$tmp/log"; exit 1; }
echo "test_mutate_reach: ok"
