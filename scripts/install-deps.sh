#!/bin/sh
# Install the Debian packages libsva needs to build, test and lint, when they are missing.
# Runs as root on a fresh Debian 12; says what it does; does nothing when all are present.
set -eu

PACKAGES="cmake make gcc g++ libc6-dev linux-libc-dev pkg-config libcmocka-dev libjansson-dev clang-format cppcheck python3 parallel clang libclang-rt-dev lcov libfuse3-dev fuse3 accel-config accel-config-test chromium"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: not root; run: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
echo "install-deps: done"
