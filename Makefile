# libsva: the two commands the README leads with, and their helpers.
#   make run     build the sva tool, then `sva run`: what libsva does, on the built-in scenario
#   make check   the whole suite: lint; every test under ASan+UBSan and again optimised;
#                the concurrency tests under TSan
#   make bench   optimised build, every benchmark, "BENCH <name> <value> <unit>" lines
# Build trees live in build/<flavour>. CMake does the real work.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake
CTEST_FLAGS ?= --output-on-failure --no-tests=error -j $(JOBS)

.PHONY: all deps run check lint format bench asan release tsan install clean mutate

all: release

deps:
	@scripts/install-deps.sh

build/release/CMakeCache.txt: | deps
	$(CMAKE) -S . -B build/release -DCMAKE_BUILD_TYPE=Release
build/asan/CMakeCache.txt: | deps
	$(CMAKE) -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSVA_SANITIZE=address,undefined \
		-DSVA_BUILD_BENCH=OFF
build/tsan/CMakeCache.txt: | deps
	$(CMAKE) -S . -B build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSVA_SANITIZE=thread \
		-DSVA_BUILD_BENCH=OFF

release: build/release/CMakeCache.txt
	$(CMAKE) --build build/release -j $(JOBS)

# only the tool and what it links (the library), not the tests and benchmarks
run: build/release/CMakeCache.txt
	$(CMAKE) --build build/release -j $(JOBS) --target sva
	./build/release/sva run

asan: build/asan/CMakeCache.txt
	$(CMAKE) --build build/asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build/asan $(CTEST_FLAGS)

check-release: release
	ctest --test-dir build/release $(CTEST_FLAGS)

tsan: build/tsan/CMakeCache.txt
	$(CMAKE) --build build/tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		ctest --test-dir build/tsan -L concurrency $(CTEST_FLAGS)

lint: | deps
	scripts/lint.sh

format:
	scripts/lint.sh --fix

check: lint asan check-release tsan
	@echo "make check: all passed"

bench: release
	scripts/bench.sh build/release

# The mutation campaign (docs/testing.md): every generated mutant of the lifetime code, judged by
# the explorer and checker; MUTATE_FLAGS="--sample 40 --seed 3" for a sample.
mutate: | deps
	scripts/mutate/run $(MUTATE_FLAGS)

install: release
	$(CMAKE) --install build/release

clean:
	rm -rf build
