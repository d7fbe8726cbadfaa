# libsva: the two commands the README leads with, and their helpers.
#   make run     build the sva tool, then `sva run`: what libsva does, on the built-in scenario
#   make check   the whole suite: lint; every test under ASan+UBSan and again optimised;
#                the concurrency tests under TSan; a fixed sample of the mutation campaign;
#                each fuzz target for FUZZ_CHECK_SECONDS
#   make fuzz    the libFuzzer targets (clang), FUZZ_SECONDS each (default 60)
#   make coverage   the suite under gcov; lcov HTML in build/coverage/html, per-folder table
#   make bench   optimised build, every benchmark, "BENCH <name> <value> <unit>" lines
#   make install PREFIX=... [DESTDIR=...]   the library, headers, libsva.pc, the CMake package
# Build trees live in build/<flavour>. CMake does the real work.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake
CTEST_FLAGS ?= --output-on-failure --no-tests=error -j $(JOBS)
FUZZ_CC ?= clang
FUZZ_CXX ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 60

.PHONY: all deps run check lint format bench asan release tsan install clean mutate mutate-check \
	sweep fuzz fuzz-check coverage

all: release

deps:
	@scripts/install-deps.sh

build/release/CMakeCache.txt: | deps
	$(CMAKE) -S . -B build/release -DCMAKE_BUILD_TYPE=Release
build/asan/CMakeCache.txt: | deps
	$(CMAKE) -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSVA_SANITIZE=address,undefined \
		-DSVA_BUILD_BENCH=OFF
# the fuzz targets need clang's libFuzzer: its own tree, built with clang
build/fuzz/CMakeCache.txt: | deps
	CC=$(FUZZ_CC) CXX=$(FUZZ_CXX) $(CMAKE) -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DSVA_SANITIZE=address,undefined -DSVA_BUILD_FUZZ=ON -DSVA_BUILD_TESTS=OFF \
		-DSVA_BUILD_BENCH=OFF
build/coverage/CMakeCache.txt: | deps
	$(CMAKE) -S . -B build/coverage -DCMAKE_BUILD_TYPE=Debug -DSVA_COVERAGE=ON \
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

check: lint asan check-release tsan mutate-check fuzz-check
	@echo "make check: all passed"

# The faithful design at K=3 (200,000 schedules each) and 30 s of PCT on every example: hours.
sweep: release
	scripts/sweep.sh build/release/sva

bench: release
	scripts/bench.sh build/release

# Every libFuzzer target of tests/fuzz/ for FUZZ_SECONDS, from its seed corpus (docs/testing.md).
fuzz: build/fuzz/CMakeCache.txt
	$(CMAKE) --build build/fuzz -j $(JOBS)
	scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

fuzz-check: build/fuzz/CMakeCache.txt
	$(CMAKE) --build build/fuzz -j $(JOBS)
	scripts/fuzz.sh build/fuzz $(FUZZ_CHECK_SECONDS)

# The suite under gcov: the lcov report in build/coverage/html, lines and branches per folder
# of src/ (scripts/coverage.sh; the figures of docs/testing.md).
coverage: build/coverage/CMakeCache.txt
	$(CMAKE) --build build/coverage -j $(JOBS)
	scripts/coverage.sh build/coverage

# The mutation campaign (docs/testing.md): every generated mutant of the lifetime code, judged by
# the explorer and checker; MUTATE_FLAGS="--sample 40 --seed 3" for a sample.
mutate: | deps
	scripts/mutate/run $(MUTATE_FLAGS)

# The fixed sample make check judges (about three minutes): every mutant listed was killed by the
# campaign; one that survives now means the explorer or the checker lost a reach. Without the
# race pass (none of them needs it; test_races covers race_check under TSan), and without reach
# (every one is killed: its coverage run would cost more than it saves; test_mutate_reach checks it).
mutate-check: | deps
	SVA_MUTATE_RACES=0 SVA_MUTATE_REACH=0 scripts/mutate/run --ids scripts/mutate/check-sample.txt \
		--expect scripts/mutate/check-sample.txt --out build/mutate-check

# make install [PREFIX=/opt/sva] [DESTDIR=/stage]: the libraries, headers, libsva.pc, the CMake
# package (lib/cmake/sva) and the tool; PREFIX defaults to the configured CMAKE_INSTALL_PREFIX.
install: release
	DESTDIR="$(DESTDIR)" $(CMAKE) --install build/release $(if $(PREFIX),--prefix "$(PREFIX)")

clean:
	rm -rf build
