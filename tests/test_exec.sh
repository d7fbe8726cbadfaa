#!/bin/sh
# `sva exec`: real, unmodified programs against libsva's DSA (docs/exec.md). Each case runs
# with its own run directory (its own device daemon). Skipped (exit 77) where the machine
# cannot: not root, no /dev/fuse, no accel-config (the cases that need it).
#
# Usage: test_exec.sh PATH/TO/sva CASE
#   options      bad input: one line on stderr, exit 2 (needs nothing)
#   sysfs        sh reads /sys/bus/dsa/devices/dsa0/pasid_enabled; the host sees no change
#   status       the program's exit status, 128 + its signal, 127 for no such program
#   accel_config accel-config load-config, enable-device, enable-wq, list (compared with the
#                JSON), attribute writes refused while enabled, disable-wq, disable-device
#   modules      lsmod, rmmod idxd (the device goes, its configuration restored), modprobe
#   daemon       the daemon stops with its last launcher; killed, its clients get errors
#                and the next sva exec starts cleanly
set -u
SVA=$1
CASE=$2
CONF=/usr/libexec/accel-config/test/configs/2g2q_user_1.conf
TMP=$(mktemp -d /tmp/sva-exec-test.XXXXXX)
export SVA_EXEC_RUNDIR="$TMP/run"
fails=0

# the daemon gone (its socket removed), then the directory
cleanup() {
	for _ in $(seq 100); do
		[ -S "$SVA_EXEC_RUNDIR/ctl" ] || break
		sleep 0.1
	done
	sleep 0.2 # its unmount after the socket
	umount -l "$SVA_EXEC_RUNDIR/fs" 2>/dev/null
	umount -l "$SVA_EXEC_RUNDIR/ns" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect CODE WHAT -- COMMAND...: its exit code
expect() {
	code=$1; what=$2; shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$code" ]; then
		fail "$what: exit $got, expected $code"
		sed 's/^/  | /' "$TMP/out" "$TMP/err"
	fi
}

one_line_error() {
	if [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -q '^sva: ' "$TMP/err"; then
		fail "$1: stderr is not one 'sva:' line"
		sed 's/^/  | /' "$TMP/err"
	fi
}

need_exec() {
	if [ "$(id -u)" -ne 0 ]; then echo "SKIP: not root"; exit 77; fi
	if [ ! -c /dev/fuse ]; then echo "SKIP: no /dev/fuse"; exit 77; fi
}

need_accel_config() {
	if ! command -v accel-config >/dev/null || [ ! -f "$CONF" ]; then
		echo "SKIP: no accel-config / accel-config-test (scripts/install-deps.sh)"
		exit 77
	fi
}

case $CASE in
options)
	expect 2 "no program" -- "$SVA" exec
	one_line_error "no program"
	expect 2 "only --" -- "$SVA" exec --
	one_line_error "only --"
	expect 2 "unknown option" -- "$SVA" exec --bogus -- true
	one_line_error "unknown option"
	expect 2 "--config without a value" -- "$SVA" exec --config
	one_line_error "--config without a value"
	expect 2 "--config of no file" -- "$SVA" exec --config "$TMP/none.json" -- true
	one_line_error "--config of no file"
	grep -q "none.json" "$TMP/err" || fail "--config's error does not name the file"
	expect 0 "help" -- "$SVA" help exec
	grep -q -- "--config FILE" "$TMP/out" || fail "help exec does not list --config"
	;;
sysfs)
	need_exec
	expect 0 "cat pasid_enabled" -- "$SVA" exec -- sh -c 'cat /sys/bus/dsa/devices/dsa0/pasid_enabled'
	[ "$(cat "$TMP/out")" = "1" ] || fail "pasid_enabled reads '$(cat "$TMP/out")', not 1"
	# the configurable attribute the runner reads, and the WQ the configuration has
	expect 0 "configurable, wq0.1" -- "$SVA" exec -- sh -c \
		'cat /sys/bus/dsa/devices/dsa0/configurable /sys/bus/dsa/devices/wq0.1/mode /sys/bus/dsa/devices/dsa0/state'
	[ "$(tr '\n' ' ' <"$TMP/out")" = "1 dedicated disabled " ] ||
		fail "configurable, wq0.1/mode, state read '$(tr '\n' ' ' <"$TMP/out")'"
	# as kernfs: a read-only attribute refuses a writer at open (root too), bind a reader
	expect 0 "read-only at open" -- "$SVA" exec -- sh -c \
		'! (exec 3>/sys/bus/dsa/devices/dsa0/state) 2>/dev/null && ! cat /sys/bus/dsa/drivers/idxd/bind 2>/dev/null'
	# the modes are the kernel's to check: not root, no WQ file, no attribute write
	command -v setpriv >/dev/null &&
		expect 0 "not root" -- "$SVA" exec -- setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
			'cat /sys/bus/dsa/devices/dsa0/state >/dev/null && ! (echo 1 >/sys/bus/dsa/devices/dsa0/wq0.0/size) 2>/dev/null'
	# the rest of /sys/bus and /dev is still there inside; nothing changed outside
	expect 0 "the covered directories" -- "$SVA" exec -- sh -c \
		'test -d /sys/bus/pci/devices && test -c /dev/null && echo x >/dev/null && test -d /dev/dsa'
	[ -e /sys/bus/dsa ] && [ ! -e /sys/module/idxd ] && fail "the host has /sys/bus/dsa"
	[ -e /dev/dsa ] && [ ! -e /sys/module/idxd ] && fail "the host has /dev/dsa"
	;;
status)
	need_exec
	expect 7 "exit 7" -- "$SVA" exec -- sh -c 'exit 7'
	expect 0 "true" -- "$SVA" exec -- true
	expect 143 "killed by SIGTERM" -- "$SVA" exec -- sh -c 'kill -TERM $$'
	expect 137 "killed by SIGKILL" -- "$SVA" exec -- sh -c 'kill -KILL $$'
	# a SIGTERM to the launcher reaches the program (which says so and exits 9)
	"$SVA" exec -- sh -c 'trap "exit 9" TERM; sleep 5 & wait' >"$TMP/out" 2>&1 &
	l=$!
	sleep 1
	kill -TERM $l
	wait $l
	got=$?
	[ "$got" -eq 9 ] || fail "SIGTERM to the launcher: exit $got, expected the program's 9"
	expect 127 "no such program" -- "$SVA" exec -- /nonexistent/program
	grep -q "/nonexistent/program" "$TMP/err" || fail "no such program: not named"
	expect 3 "a program's own options" -- "$SVA" exec -- sh -c 'exit 3' --help
	;;
accel_config)
	need_exec
	need_accel_config
	cat >"$TMP/script" <<EOF
set -e
accel-config load-config -c $CONF
accel-config enable-device dsa0
accel-config enable-wq dsa0/wq0.0
accel-config enable-wq dsa0/wq0.1
ls /dev/dsa >$TMP/dev.enabled
accel-config list >$TMP/list.json
# refused while enabled: the writer gets the error
if echo 4 >/sys/bus/dsa/devices/dsa0/wq0.0/size 2>/dev/null; then echo "size written"; exit 1; fi
if accel-config config-wq dsa0/wq0.1 --priority=3 2>/dev/null; then echo "config-wq"; exit 1; fi
cat /sys/bus/dsa/devices/dsa0/wq0.0/size >$TMP/size
accel-config disable-wq dsa0/wq0.0
cat /sys/bus/dsa/devices/wq0.0/state >$TMP/wq0.state
ls /dev/dsa >$TMP/dev.one
accel-config disable-device dsa0
cat /sys/bus/dsa/devices/dsa0/state /sys/bus/dsa/devices/wq0.1/state >$TMP/states
ls /dev/dsa >$TMP/dev.none
EOF
	expect 0 "accel-config's sequence" -- "$SVA" exec -- sh "$TMP/script"
	[ "$(tr '\n' ' ' <"$TMP/dev.enabled")" = "wq0.0 wq0.1 " ] ||
		fail "/dev/dsa while enabled: '$(tr '\n' ' ' <"$TMP/dev.enabled")'"
	[ "$(cat "$TMP/size")" = "16" ] || fail "wq0.0/size after a refused write: $(cat "$TMP/size")"
	[ "$(cat "$TMP/wq0.state")" = "disabled" ] || fail "wq0.0 after disable-wq"
	[ "$(tr '\n' ' ' <"$TMP/dev.one")" = "wq0.1 " ] || fail "/dev/dsa after disable-wq"
	[ "$(tr '\n' ' ' <"$TMP/states")" = "disabled disabled " ] ||
		fail "after disable-device: $(tr '\n' ' ' <"$TMP/states")"
	[ -s "$TMP/dev.none" ] && fail "/dev/dsa after disable-device: $(cat "$TMP/dev.none")"
	# what list shows is the configuration loaded (python: the conf has trailing commas)
	python3 - "$CONF" "$TMP/list.json" <<'EOF' || fail "accel-config list differs from the JSON"
import json, re, sys
conf = json.loads(re.sub(r",(\s*[}\]])", r"\1", open(sys.argv[1]).read()))
got = json.load(open(sys.argv[2]))
def wqs(devs):
    out = {}
    for d in devs:
        for g in d.get("groups", []):
            for w in g.get("grouped_workqueues", []):
                out[w["dev"]] = (g["dev"], w)
    return out
def engines(devs):
    return {e["dev"]: g["dev"] for d in devs for g in d.get("groups", [])
            for e in g.get("grouped_engines", [])}
want, have = wqs(conf), wqs(got)
bad = 0
for name, (group, w) in want.items():
    if name not in have:
        print("missing", name); bad = 1; continue
    hg, hw = have[name]
    if hg != group:
        print(name, "in", hg, "not", group); bad = 1
    for k, v in w.items():
        if k in ("dev",):
            continue
        if hw.get(k) != v:
            print(name, k, hw.get(k), "!=", v); bad = 1
    if hw.get("state") != "enabled":
        print(name, "state", hw.get("state")); bad = 1
if engines(conf) != engines(got):
    print("engines", engines(got), "!=", engines(conf)); bad = 1
if got[0].get("state") != "enabled" or got[0].get("pasid_enabled") != 1:
    print("device", got[0].get("state"), got[0].get("pasid_enabled")); bad = 1
sys.exit(bad)
EOF
	;;
modules)
	need_exec
	cat >"$TMP/script" <<EOF
lsmod | grep -q '^idxd ' || { echo "lsmod: no idxd"; exit 1; }
echo 2 >/sys/bus/dsa/devices/dsa0/wq0.0/priority || exit 1
rmmod idxd || exit 1
[ -e /sys/bus/dsa/devices/dsa0 ] && { echo "dsa0 after rmmod"; exit 1; }
[ -e /sys/module/idxd ] && { echo "/sys/module/idxd after rmmod"; exit 1; }
lsmod | grep -q '^idxd ' && { echo "lsmod: idxd after rmmod"; exit 1; }
rmmod idxd 2>/dev/null && { echo "rmmod twice"; exit 1; }
modprobe idxd || exit 1
[ -d /sys/module/idxd ] || { echo "no /sys/module/idxd after modprobe"; exit 1; }
cat /sys/bus/dsa/devices/dsa0/wq0.0/priority >$TMP/priority
if modprobe not_a_module 2>$TMP/mp.err; then echo "modprobe not_a_module"; exit 1; fi
exit 0
EOF
	expect 0 "module tools" -- "$SVA" exec -- sh "$TMP/script"
	[ "$(cat "$TMP/priority" 2>/dev/null)" = "10" ] ||
		fail "after rmmod + modprobe: priority $(cat "$TMP/priority" 2>/dev/null), not the configuration's 10"
	grep -q "not_a_module" "$TMP/mp.err" || fail "modprobe of another module: no message"
	;;
daemon)
	need_exec
	expect 0 "a first run" -- "$SVA" exec -- true
	for _ in $(seq 50); do
		grep -q "stopped" "$SVA_EXEC_RUNDIR/daemon.log" && break
		sleep 0.1
	done
	[ -S "$SVA_EXEC_RUNDIR/ctl" ] && fail "the daemon did not stop with its last launcher"
	grep -q "stopped (0 violation(s))$" "$SVA_EXEC_RUNDIR/daemon.log" ||
		{ fail "no clean stop in daemon.log"; sed 's/^/  | /' "$SVA_EXEC_RUNDIR/daemon.log"; }
	# two launchers share one daemon
	"$SVA" exec -- sh -c 'sleep 1; cat /sys/bus/dsa/devices/dsa0/state' >"$TMP/a" 2>&1 &
	a=$!
	expect 0 "a second launcher" -- "$SVA" exec -- cat /sys/bus/dsa/devices/dsa0/state
	wait $a || fail "the first of two launchers"
	[ "$(grep -c "serving" "$SVA_EXEC_RUNDIR/daemon.log")" -eq 2 ] ||
		fail "two launchers at once started $(($(grep -c serving "$SVA_EXEC_RUNDIR/daemon.log") - 1)) daemons"
	# the daemon killed: its client's next access fails, the next sva exec starts cleanly
	"$SVA" exec -- sh -c 'cat /sys/bus/dsa/devices/dsa0/state && sleep 2 && ! cat /sys/bus/dsa/devices/dsa0/state' \
		>"$TMP/k" 2>&1 &
	k=$!
	sleep 1
	pid=$(sed -n 's/.*daemon \([0-9]*\): serving.*/\1/p' "$SVA_EXEC_RUNDIR/daemon.log" | tail -1)
	kill -KILL "$pid"
	wait $k || { fail "the killed daemon's client did not get an error"; sed 's/^/  | /' "$TMP/k"; }
	expect 0 "after a killed daemon" -- "$SVA" exec -- cat /sys/bus/dsa/devices/dsa0/pasid_enabled
	;;
*)
	echo "test_exec.sh: no case '$CASE'"
	exit 2
	;;
esac
[ "$fails" -eq 0 ] && echo "test_exec $CASE: ok" && exit 0
echo "test_exec $CASE: $fails failure(s)"
exit 1
