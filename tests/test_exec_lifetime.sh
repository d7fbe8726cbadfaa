#!/bin/sh
# The lifetime rules of issue 15 on real processes: a real DSA client (tests/exec/dsa_client.c,
# no libsva in it) under `sva exec`, against the default device enabled by accel-config as an
# administrator would. Each case prints what it saw; the daemon's verdict (the checker in the
# daemon: I1-I7 on the real processes' events, leaks at its exit) must be clean, and a design
# variant must break visibly on the same program.
# usage: test_exec_lifetime.sh SVA DSA_CLIENT     (SVA_EXEC_LONG=1: 10,000 exits, 1,000 kills)
set -u
sva=$1
client=$2
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "sva exec needs root"
[ -c /dev/fuse ] || skip "no /dev/fuse"
command -v accel-config >/dev/null || skip "accel-config is not installed (scripts/install-deps.sh)"
exits=500 kills=50
[ "${SVA_EXEC_LONG:-0}" = 1 ] && exits=10000 kills=1000
fail=0
log=$(mktemp)
# a daemon of its own: other sva exec users of this machine never share it
SVA_EXEC_RUNDIR=$(mktemp -d /run/sva-exec-test.XXXXXX)
export SVA_EXEC_RUNDIR
dlog=$SVA_EXEC_RUNDIR/daemon.log
trap 'rm -f "$log"; rm -rf "$SVA_EXEC_RUNDIR" 2>/dev/null' EXIT

# run CASE...: each client command under one sva exec, the device enabled first
run() {
	variant=$1
	shift
	script="accel-config enable-device dsa0 >/dev/null && accel-config enable-wq dsa0/wq0.0 >/dev/null && accel-config enable-wq dsa0/wq0.1 >/dev/null"
	for c in "$@"; do
		script="$script && $client $c"
	done
	stops=$(grep -c 'stopped (' "$dlog" 2>/dev/null)
	# shellcheck disable=SC2086
	"$sva" exec $variant -- sh -c "$script" >"$log" 2>&1
}

# the daemon's verdict of the last run: its log says how many violations it found
verdict() { # this run's daemon's: the stop after those before the run
	for _ in $(seq 100); do
		[ "$(grep -c 'stopped (' "$dlog" 2>/dev/null)" -gt "${stops:-0}" ] && break
		sleep 0.1
	done
	[ "$(grep -c 'stopped (' "$dlog" 2>/dev/null)" -gt "${stops:-0}" ] &&
		sed -n 's/.*stopped (\([0-9]*\) violation.*/\1/p' "$dlog" | tail -1
}

check() { # NAME EXPECTED-STATUS EXPECTED-VIOLATIONS
	v=$(verdict)
	if [ "$rc" != "$2" ] || [ "${v:-x}" != "$3" ]; then
		echo "FAIL: $1: exit $rc (expected $2), daemon violations ${v:-none} (expected $3)"
		cat "$log"
		# a sanitizer's report whole (its stack, not only the legend that ends it), else the tail
		if [ -f "$dlog" ] && grep -q 'ERROR: .*Sanitizer' "$dlog"; then
			sed -n '/ERROR: .*Sanitizer/,/SUMMARY/p' "$dlog"
		elif [ -f "$dlog" ]; then
			tail -20 "$dlog"
		fi
		fail=1
	else
		echo "ok: $1: $(tail -1 "$log")"
	fi
}

run "" "memmove wq0.1 1" "memmove wq0.0 2097152" "ops wq0.1" "ops wq0.0"
rc=$?; check "opcodes, statuses, faults on both WQs" 0 0
run "" "fork wq0.0" "fork wq0.1"
rc=$?; check "a forked child is refused its parent's queue, gets its own" 0 0
# one PASID per mm, shared by its threads: the daemon's events show four binds of one mm
events=$SVA_EXEC_RUNDIR/events.txt
run "--events $events" "threads wq0.0 4"
rc=$?; check "four threads of one process" 0 0
binds=$(grep -c ' sva\.bind ' "$events")
distinct=$(sed -n 's/.* sva\.bind .* mm=\([^ ]*\) pasid=\([^ ]*\) .*/\1 \2/p' "$events" | sort -u | wc -l)
if [ "$binds" = 4 ] && [ "$distinct" = 1 ]; then
	echo "ok: the threads' four binds are one mm's, one PASID"
else
	echo "FAIL: threads: $binds binds, $distinct distinct (mm, PASID)"
	grep ' sva\.bind ' "$events"
	fail=1
fi
run "" "exec wq0.0"
rc=$?; check "exec: a new mm, the old fd's queue refused, a new queue" 0 0
run "" "seed000 wq0.0 $exits"
rc=$?; check "seed 000: $exits workers exit without closing, every PASID back" 0 0
if [ "${SVA_EXEC_LONG:-0}" = 1 ]; then
	# the daemon's memory stays flat: its RSS after the second half of the exits as after
	# the first (a release build: ASan's quarantine grows by design)
	half=$((exits / 2))
	run "" "seed000 wq0.0 $half" "rss-mark" "seed000 wq0.0 $half" "rss-mark"
	rc=$?; check "seed 000 twice $half, the daemon's memory" 0 0
	r1=$(sed -n 's/^rss \([0-9]*\)$/\1/p' "$log" | sed -n 1p)
	r2=$(sed -n 's/^rss \([0-9]*\)$/\1/p' "$log" | sed -n 2p)
	if [ -n "$r1" ] && [ -n "$r2" ] && [ $((r2 - r1)) -lt 8192 ]; then
		echo "ok: the daemon's RSS: $r1 kB after $half exits, $r2 kB after $exits"
	else
		echo "FAIL: the daemon's RSS grew: ${r1:-?} kB -> ${r2:-?} kB"
		fail=1
	fi
fi
run "" "kill wq0.1 $kills" "kill wq0.0 $kills"
rc=$?; check "$kills clients killed mid-DMA per WQ" 0 0
run "" "garbage wq0.1" "garbage wq0.0"
rc=$?; check "garbage in the portal" 0 0
# the variant that frees the PASID at mm exit: the same real program, a violation (I2)
# sva exec itself says so (exit 1, a VIOLATION line), and the daemon's log
run "--variant pasid-free-at-mmput" "seed000 wq0.0 3"
rc=$?
v=$(verdict)
if [ "$rc" = 1 ] && grep -q '^VIOLATION: .*I2' "$log" && [ "${v:-0}" -gt 0 ]; then
	echo "ok: pasid-free-at-mmput breaks on seed 000 for real: $(grep '^VIOLATION' "$log")"
else
	echo "FAIL: pasid-free-at-mmput: exit $rc, daemon violations ${v:-none}"
	cat "$log"
	fail=1
fi
exit $fail
