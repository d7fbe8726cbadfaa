#!/bin/sh
# The installed libsva, consumed as another project would (tests/consumer/):
#   test_install.sh stage BUILD STAGE     install BUILD with DESTDIR under STAGE (prefix
#                                         /opt/sva), then move the tree to STAGE/moved: the
#                                         package and the .pc must not remember where they were
#   test_install.sh MODE STAGE SRC CC     build the consumer from STAGE/moved and run it, MODE:
#       pkgconfig-shared   pkg-config --cflags --libs; the program needs libsva.so.<soname>
#       pkgconfig-static   pkg-config --static from a copy without libsva.so: links libsva.a
#                          and what its .pc says it needs (jansson: the regression)
#       cmake-shared       find_package(sva <this version> CONFIG) -> sva::sva (the shared one)
#       cmake-static       the same with SVA_USE_STATIC_LIBS=ON: no libsva.so needed
#       cmake-version      find_package(sva 99.0) and (an older minor) must fail
# SVA_TEST_CFLAGS (the sanitizers of the build) are added to every compile and link.
set -eu

fail() {
	echo "test_install: $*" >&2
	exit 1
}

mode=$1
if [ "$mode" = stage ]; then
	build=$2 stage=$3
	rm -rf "$stage"
	mkdir -p "$stage"
	DESTDIR="$stage/destdir" cmake --install "$build" --prefix /opt/sva >/dev/null
	mv "$stage/destdir/opt/sva" "$stage/moved"
	rm -rf "$stage/destdir"
	for f in include/sva/swiommu.h include/sva/version.h lib/libsva.a lib/pkgconfig/libsva.pc \
		lib/cmake/sva/svaConfig.cmake lib/cmake/sva/svaConfigVersion.cmake bin/sva; do
		[ -e "$stage/moved/$f" ] || fail "not installed: $f"
	done
	# the soname: libsva.so.0.MINOR before 1.0, libsva.so.MAJOR after (sva/version.h)
	version=$(sed -n 's/^Version: //p' "$stage/moved/lib/pkgconfig/libsva.pc")
	case $version in
	0.*) want=libsva.so.$(echo "$version" | cut -d. -f1-2) ;;
	*) want=libsva.so.${version%%.*} ;;
	esac
	soname=$(readelf -d "$stage/moved/lib/libsva.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ "$soname" = "$want" ] || fail "version $version: soname $soname, not $want"
	[ -e "$stage/moved/lib/$soname" ] || fail "no $soname installed"
	if grep -rn "/opt/sva\|$build" "$stage/moved/lib/pkgconfig" "$stage/moved/lib/cmake"; then
		fail "an absolute path in the installed package: not relocatable"
	fi
	echo "test_install: staged and moved to $stage/moved"
	exit 0
fi

stage=$2 src=$3 cc=$4
prefix=$stage/moved
flags=${SVA_TEST_CFLAGS:-}
consumer=$src/tests/consumer
work=$stage/$mode
rm -rf "$work"
mkdir -p "$work"
soname=$(readelf -d "$prefix/lib/libsva.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')

needs_libsva() {
	readelf -d "$1" | grep NEEDED | grep -q "libsva\.so"
}

run() {
	"$1" || fail "$mode: the consumer failed"
}

case $mode in
pkgconfig-shared)
	export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
	pc_prefix=$(cd "$(pkg-config --variable=prefix libsva)" && pwd -P)
	[ "$pc_prefix" = "$(cd "$prefix" && pwd -P)" ] ||
		fail "pkg-config's prefix is $pc_prefix, not $prefix: libsva.pc is not relocatable"
	libdir=$(pkg-config --variable=libdir libsva)
	# shellcheck disable=SC2046,SC2086
	"$cc" $flags -o "$work/consumer" "$consumer/consumer.c" $(pkg-config --cflags --libs libsva) \
		-Wl,-rpath,"$libdir"
	readelf -d "$work/consumer" | grep NEEDED | grep -q "\[$soname\]" ||
		fail "$mode: the program does not need $soname"
	run "$work/consumer"
	;;
pkgconfig-static)
	cp -a "$prefix" "$work/prefix"
	rm -f "$work"/prefix/lib/libsva.so*
	export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
	pkg-config --static --libs libsva | grep -q -- -ljansson ||
		fail "$mode: pkg-config --static --libs libsva lacks -ljansson"
	# shellcheck disable=SC2046,SC2086
	"$cc" $flags -o "$work/consumer" "$consumer/consumer.c" \
		$(pkg-config --static --cflags --libs libsva) ||
		fail "$mode: a static link as libsva.pc describes it failed"
	needs_libsva "$work/consumer" && fail "$mode: linked libsva.so, not libsva.a"
	run "$work/consumer"
	;;
cmake-shared | cmake-static)
	static=OFF
	[ "$mode" = cmake-static ] && static=ON
	version=$(sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/libsva.pc")
	cmake -S "$consumer" -B "$work/build" -DCMAKE_C_COMPILER="$cc" \
		-DCMAKE_PREFIX_PATH="$prefix" -DSVA_USE_STATIC_LIBS=$static \
		-DSVA_WANT_VERSION="$version" -DCMAKE_C_FLAGS="$flags" \
		-DCMAKE_EXE_LINKER_FLAGS="$flags" >"$work/configure.log" 2>&1 ||
		{ cat "$work/configure.log"; fail "$mode: find_package(sva $version) failed"; }
	cmake --build "$work/build" >"$work/build.log" 2>&1 ||
		{ cat "$work/build.log"; fail "$mode: the consumer did not build"; }
	if [ $static = ON ]; then
		needs_libsva "$work/build/consumer" && fail "$mode: linked libsva.so, not libsva.a"
	else
		readelf -d "$work/build/consumer" | grep NEEDED | grep -q "\[$soname\]" ||
			fail "$mode: the program does not need $soname"
	fi
	run "$work/build/consumer"
	;;
cmake-version)
	version=$(sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/libsva.pc")
	major=${version%%.*}
	rest=${version#*.}
	minor=${rest%%.*}
	older=$major.$((minor - 1))
	[ "$minor" -gt 0 ] || older=$((major - 1)).99
	for want in 99.0 "$older"; do
		if cmake -S "$consumer" -B "$work/build-$want" -DCMAKE_C_COMPILER="$cc" \
			-DCMAKE_PREFIX_PATH="$prefix" -DSVA_WANT_VERSION="$want" >"$work/log" 2>&1; then
			fail "$mode: find_package(sva $want) accepted version $version"
		fi
		tr -s " \n" "  " <"$work/log" | grep -q "compatible with requested version \"$want\"" ||
			{ cat "$work/log"; fail "$mode: find_package(sva $want) failed for another reason"; }
	done
	;;
*)
	fail "unknown mode $mode"
	;;
esac
echo "test_install: $mode ok"
