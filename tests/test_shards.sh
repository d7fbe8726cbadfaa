#!/bin/sh
# Shards under GNU parallel: four processes of `sva explore --shard I/4` together explore exactly
# the schedules of one unsharded run - the same set of schedule strings, each once - and
# `sva explore --merge` adds their summary lines up to the whole run's count and checksum.
# Usage: test_shards.sh PATH/TO/sva. Exits 77 (CTest: skipped) when GNU parallel is missing.
set -u
SVA=$1
if ! parallel --version 2>/dev/null | grep -q '^GNU parallel'; then
	echo "SKIP: GNU parallel is not installed (Debian package 'parallel': scripts/install-deps.sh)"
	exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# summary FILE KEY: the value of KEY in FILE's shard/merged summary line
summary() { sed -n "s/^\(shard\|merged\) .* $2=\([^ ]*\).*/\2/p" "$1"; }

# the whole tree, as one shard of one (the same enumeration, with its summary line)
"$SVA" explore locked-counter -k 2 --list --shard 0/1 >"$TMP/whole.out" || fail "unsharded run"
parallel --will-cite "$SVA" explore locked-counter -k 2 --list --shard {}/4 '>' "$TMP/shard{}.out" \
	::: 0 1 2 3 || fail "a shard failed"

grep '^explored ' "$TMP/whole.out" | sort >"$TMP/whole.list"
cat "$TMP"/shard?.out | grep '^explored ' | sort >"$TMP/shards.list"
[ -s "$TMP/whole.list" ] || fail "the unsharded run listed nothing"
sort -u "$TMP/shards.list" | cmp -s - "$TMP/shards.list" || fail "a schedule explored by two shards"
cmp -s "$TMP/whole.list" "$TMP/shards.list" || fail "the shards' schedules are not the whole run's"
for i in 0 1 2 3; do
	[ "$(summary "$TMP/shard$i.out" schedules)" -gt 0 ] || fail "shard $i explored nothing"
	tail -1 "$TMP/shard$i.out" | grep -q "shard $i/4: exhausted" || fail "shard $i: stop line"
done

"$SVA" explore --merge "$TMP"/shard?.out >"$TMP/merged.out" || fail "merge"
for key in schedules failures exhausted checksum; do
	[ "$(summary "$TMP/merged.out" $key)" = "$(summary "$TMP/whole.out" $key)" ] ||
		fail "merged $key $(summary "$TMP/merged.out" $key) != whole $(summary "$TMP/whole.out" $key)"
done
[ "$(summary "$TMP/whole.out" schedules)" -eq "$(wc -l <"$TMP/whole.list")" ] ||
	fail "the count is not the number of schedules listed"
# three of four shards do not cover the tree
"$SVA" explore --merge "$TMP/shard0.out" "$TMP/shard1.out" "$TMP/shard2.out" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a merge with a shard missing"

echo "$(wc -l <"$TMP/whole.list") schedules, 4 shards: $fails failed"
[ "$fails" -eq 0 ]
