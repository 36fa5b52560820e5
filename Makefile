# quince: a thin wrapper over CMake so that a fresh Debian machine needs only `make test`.
#   make demo     build and run the HTTP/3 datagram ping-pong
#   make test     install what is missing, build with -Werror, run every CTest suite,
#                 then the quic-go interop cases (without Go this fails, unless
#                 QUINCE_INTEROP_SKIP=1 accepts skipping them)
#   make interop  only the quince <-> quic-go cases (tests/interop/run.sh)
#   make asan     the same suite under AddressSanitizer + UBSan
#   make fuzz     build every libFuzzer target (clang) and run each FUZZ_SECONDS seconds
#   make clean    remove the build folders

FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
# Go for the quic-go interop programs: on PATH, or where the Go tarball installs it.
GO ?= $(shell command -v go 2>/dev/null || { [ -x /usr/local/go/bin/go ] && echo /usr/local/go/bin/go; })

.PHONY: all deps build test asan fuzz demo clean interop

all: build

deps:
	@tools/deps.sh build

build: deps
	@cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

test: build
	cd build && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory interop

interop: build
	@if [ -n "$(GO)" ]; then \
	  GO=$(GO) QUINCE_BIN=$(CURDIR)/build/app/quince tests/interop/run.sh; \
	elif [ "$(QUINCE_INTEROP_SKIP)" = 1 ]; then \
	  echo "SKIP interop: Go is not installed (QUINCE_INTEROP_SKIP=1)"; \
	else \
	  echo "FAIL interop: Go is not installed (the quic-go programs need it; install it, or set QUINCE_INTEROP_SKIP=1 to skip)"; \
	  exit 1; \
	fi

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

clean:
	rm -rf build build-asan build-fuzz

# make bench: quince and quic-go side by side (bench/README.md); writes
# bench/results.md and bench/results.png. REPEAT=N, BENCH_CALLGRIND=1.
.PHONY: bench
bench: deps
	@CMAKE_GEN="$(CMAKE_GEN)" GO="$(GO)" bench/run.sh
