# quince: a thin wrapper over CMake so that a fresh Debian machine needs only `make test`.
#   make demo     build and run the HTTP/3 datagram ping-pong
#   make test     install what is missing, build with -Werror, run every CTest suite,
#                 then the interop matrix (a peer that cannot be installed or
#                 built fails, unless QUINCE_INTEROP_SKIP=1 accepts skipping it)
#   make interop  only the interop matrix: quince <-> quic-go, aioquic, ngtcp2
#                 (tests/interop/run.sh; matrix in build/interop/matrix.md)
#   make asan     the same suite under AddressSanitizer + UBSan
#   make fuzz     build every libFuzzer target (clang) and run each FUZZ_SECONDS seconds
#   make docs     the API reference of the public headers (Doxygen) in build-docs/html;
#                 an undocumented public symbol fails it
#   make clean    remove the build folders
#   make coverage line and branch coverage of the core by the whole suite (gcovr):
#                 build-cov/coverage.md and build-cov/html/ (not in CI)
#   make mutants  mutation testing of the core (tools/mutants.sh; MUTANTS_SAMPLE,
#                 MUTANTS_SEED, MUTANTS_FILES): build-mut/mutants.md (not in CI)
#   make cross-arm  armhf build (Debian cross compiler, cmake/toolchain-armhf.cmake);
#                 unit, vector and pair suites and quince demo under qemu-user
#                 (tools/cross-arm.sh; installs what it needs, or prints SKIP)
#   make size     .text per module, x86-64 and armhf, full and QUINCE_MINIMAL (-Os);
#                 the minimal profile links a client; a size ceiling (tools/size.sh)
#   make check-shared  a BUILD_SHARED_LIBS=ON build in build-shared (no test
#                 suites), installed and checked by tests/install/check_install.sh:
#                 versioned sonames, only the public API exported (~40 s)

FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
# Go for the quic-go interop programs: on PATH, or where the Go tarball installs it.
GO ?= $(shell command -v go 2>/dev/null || { [ -x /usr/local/go/bin/go ] && echo /usr/local/go/bin/go; })

.PHONY: all deps build test asan fuzz demo clean interop docs

all: build

deps:
	@tools/deps.sh build

build: deps
	@cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

test: build
	cd build && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory interop

# run.sh installs aioquic (PyPI, into build/interop-venv) and Debian's ngtcp2
# examples when missing; without Go the quic-go cases fail (or SKIP with
# QUINCE_INTEROP_SKIP=1) and the other peers still run.
interop: build
	@GO="$(or $(GO),go)" QUINCE_BIN=$(CURDIR)/build/app/quince \
	  AIOQUIC_VENV=$(CURDIR)/build/interop-venv INTEROP_OUT=$(CURDIR)/build/interop \
	  tests/interop/run.sh

asan: deps
	@cmake -S . -B build-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DQUINCE_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

fuzz:
	@tools/deps.sh fuzz
	@CC=clang cmake -S . -B build-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUINCE_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@tools/run-fuzz.sh build-fuzz/fuzz $(FUZZ_SECONDS)

demo: build
	./build/app/quince demo

docs:
	@tools/deps.sh docs
	doxygen docs/Doxyfile
	tools/check-doc-enums.sh
	@echo "docs: build-docs/html/index.html"

clean:
	rm -rf build build-asan build-fuzz build-docs build-arm build-size build-shared

# make bench: quince and quic-go side by side (bench/README.md); writes
# bench/results.md and bench/results.png. REPEAT=N, BENCH_CALLGRIND=1.
.PHONY: bench
bench: deps
	@CMAKE_GEN="$(CMAKE_GEN)" GO="$(GO)" bench/run.sh

# make coverage / make mutants: measurements, not gates; neither runs in CI.
.PHONY: coverage mutants
coverage:
	@tools/deps.sh coverage
	@JOBS=$(JOBS) tools/coverage.sh build-cov

mutants:
	@JOBS=$(JOBS) nice -n 19 tools/mutants.sh

# make cross-arm: niced, -j2 at most (qemu-user runs the tests on the same cores).
.PHONY: cross-arm
cross-arm:
	@JOBS=$(if $(filter 1,$(JOBS)),1,2) tools/cross-arm.sh build-arm

# make size: the table of tools/size.sh in build-size/size.md (niced, -j2 at most).
.PHONY: size
size: deps
	@JOBS=$(if $(filter 1,$(JOBS)),1,2) tools/size.sh

# make check-shared: ctest's check_install sees only static libraries; this
# checks the shared ones (and fails if none were built).
.PHONY: check-shared
check-shared: deps
	@cmake -S . -B build-shared $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DBUILD_SHARED_LIBS=ON -DQUINCE_TESTS=OFF >/dev/null
	@cmake --build build-shared -j $(JOBS)
	QUINCE_EXPECT_SHARED=1 tests/install/check_install.sh $(CURDIR) $(CURDIR)/build-shared
