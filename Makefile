# moodscope: the two commands of the quick start, and the usual developer targets.
#   make demo    install what is missing, build, and find the mood groups of two demo tables
#   make check   install what is missing, build, and run every test
#   make ci      what CI runs (.ci/run): lint, check, and the build matrix below
#   make lint    clang-format, function length and layer checks (scripts/check-*.sh)
#   make install build and install (PREFIX=/usr/local, DESTDIR= honoured)
BUILD      ?= build
ASAN_BUILD ?= build-asan
MIN_BUILD  ?= build-minimal
NOOMP_BUILD ?= build-noomp
CLANG_BUILD ?= build-clang
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
CTEST_ARGS ?=

.PHONY: all build deps test-deps demo check unit asan bench format clean ci lint minimal \
	noomp-werror clang install tidy minimal-chroot

all: build

deps:
	@bash scripts/install-deps.sh build

test-deps:
	@bash scripts/install-deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)/moodscope

# Every test: unit, CLI, reference (scikit-learn), web; then the unit tests again under
# AddressSanitizer + UBSan.
check: test-deps build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)
	@$(MAKE) --no-print-directory asan

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMOOD_SANITIZE=ON -DMOOD_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		ctest --output-on-failure -j $(JOBS) -L unit

# The CI matrix (docs/ARCHITECTURE.md "Checks"); each entry prints its wall time.
ci: test-deps lint
	@bash scripts/ci-step.sh default $(MAKE) --no-print-directory check CMAKE_ARGS=-DMOOD_WERROR=ON
	@bash scripts/ci-step.sh minimal $(MAKE) --no-print-directory minimal
	@bash scripts/ci-step.sh noomp-werror $(MAKE) --no-print-directory noomp-werror
	@bash scripts/ci-step.sh clang $(MAKE) --no-print-directory clang
	@bash scripts/ci-step.sh asan $(MAKE) --no-print-directory asan
	@bash scripts/ci-step.sh tsan $(MAKE) --no-print-directory tsan
	@bash scripts/ci-step.sh tidy $(MAKE) --no-print-directory tidy

lint:
	@bash scripts/check-format.sh
	@bash scripts/check-function-length.sh
	@bash scripts/check-layers.sh

# Every optional component off, configured with pkg-config limited to the required modules
# (jansson sqlite3 cairo openblas lapacke, cmocka for the tests) and without MPI: proves the
# build needs nothing else. Runs every test this build registers.
minimal: deps
	@bash scripts/minimal-pkgconfig.sh $(MIN_BUILD)/pkgconfig
	@PKG_CONFIG_LIBDIR=$(CURDIR)/$(MIN_BUILD)/pkgconfig cmake -S . -B $(MIN_BUILD) \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOOD_WERROR=ON -DMOOD_WITH_AUDIO=OFF \
		-DMOOD_WITH_TAGS=OFF -DMOOD_WITH_RECOMMEND=OFF -DMOOD_WITH_HISTORY=OFF \
		-DMOOD_WITH_SUBSONIC=OFF -DMOOD_WITH_SERVER=OFF -DMOOD_WITH_POSTGRES=OFF \
		-DMOOD_WITH_MPI=OFF -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON >/dev/null
	@cmake --build $(MIN_BUILD) -j $(JOBS)
	@cd $(MIN_BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

noomp-werror: deps
	@cmake -S . -B $(NOOMP_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOOD_WITH_OPENMP=OFF \
		-DMOOD_WERROR=ON >/dev/null
	@cmake --build $(NOOMP_BUILD) -j $(JOBS)
	@cd $(NOOMP_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

clang: deps
	@CC=clang CXX=clang++ cmake -S . -B $(CLANG_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DMOOD_WERROR=ON >/dev/null
	@cmake --build $(CLANG_BUILD) -j $(JOBS)
	@cd $(CLANG_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# The minimal build in a fresh Debian 12 chroot that has only a compiler, CMake, pkg-config and
# the core libraries (scripts/test-minimal-chroot.sh; root, a few minutes; not in `make ci`).
minimal-chroot:
	@bash scripts/test-minimal-chroot.sh

# clang-tidy with .clang-tidy over src/ (needs the compile database of $(BUILD)).
tidy: build
	@bash scripts/check-tidy.sh $(BUILD)

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	@bash scripts/install-deps.sh bench
	@bash bench/run

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(MIN_BUILD) $(NOOMP_BUILD) $(CLANG_BUILD) $(TSAN_BUILD)

# ---- ThreadSanitizer job (issue 15) ------------------------------------------------------
# The server and parallel-analysis tests under TSan. OpenMP is off for this build: libgomp is
# not instrumented, so TSan cannot see its barriers and would report every parallel loop.
# Reports of every process (also the servers the CLI tests start) go to $(TSAN_BUILD)/tsan/;
# any report fails the target. tests/tsan.supp holds suppressions for third-party code only.
TSAN_BUILD ?= build-tsan
TSAN_TESTS ?= ^(unit/server/|unit/audio/test_library|unit/history/|cli/test_serve_api|cli/test_analyze_resume|cli/test_analyze_formats|cli/test_history$$|cli/test_queue)
TSAN_DIR    = $(abspath $(TSAN_BUILD))/tsan
.PHONY: tsan
tsan: deps
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOOD_TSAN=ON -DMOOD_WERROR=ON \
		-DMOOD_WITH_OPENMP=OFF >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS)
	@rm -rf $(TSAN_DIR) && mkdir -p $(TSAN_DIR)
	@cd $(TSAN_BUILD) && MOOD_TSAN_RUN=1 TSAN_OPTIONS="log_path=$(TSAN_DIR)/report suppressions=$(CURDIR)/tests/tsan.supp ignore_noninstrumented_modules=1 second_deadlock_stack=1 halt_on_error=0" \
		ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'
	@if ls $(TSAN_DIR)/report* >/dev/null 2>&1; then \
		cat $(TSAN_DIR)/report*; echo "tsan: $$(ls $(TSAN_DIR) | wc -l) process(es) reported races (above)"; exit 1; \
	else echo "tsan: no reports"; fi
