#!/bin/sh
# accel-config-test's own runner, unmodified, against libsva's DSA under `sva exec`: load-config,
# enable-device, enable-wq, and every dsa_test it runs (each opcode, 1 B to 2 MiB, dedicated and
# shared WQs, block-on-fault on and off, batches, DIF). Skipped (77) with the reason where the
# machine cannot run it; its own skips (77) are skips too.
# usage: test_exec_runner.sh SVA
set -u
sva=$1
runner=/usr/libexec/accel-config/test/dsa_user_test_runner.sh
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "sva exec needs root"
[ -c /dev/fuse ] || skip "no /dev/fuse"
[ -x "$runner" ] || skip "accel-config-test is not installed (scripts/install-deps.sh)"
command -v accel-config >/dev/null || skip "accel-config is not installed"
log=$(mktemp)
SVA_EXEC_RUNDIR=$(mktemp -d /run/sva-exec-test.XXXXXX) # a daemon of its own
export SVA_EXEC_RUNDIR
"$sva" exec -- "$runner" >"$log" 2>&1
rc=$?
tests=$(grep -c '^\[ info\] test with op .* passed' "$log")
echo "dsa_user_test_runner.sh: exit $rc, $tests dsa_test checks passed"
[ $rc = 0 ] || tail -40 "$log"
rm -f "$log"
rm -rf "$SVA_EXEC_RUNDIR" 2>/dev/null
# a run that checked nothing passed nothing
[ $rc = 0 ] && [ "$tests" -eq 0 ] && { echo "FAIL: no dsa_test result"; exit 1; }
exit $rc
