#!/usr/bin/env bash
# make coverage: line and branch coverage of the core (quic/, crypto/, h3/, qpack/,
# base/) by the whole CTest suite, measured with gcc --coverage and gcovr.
# usage: tools/coverage.sh [BUILD_DIR]        (default build-cov)
# Writes BUILD_DIR/coverage.md (summary table per file and per module, markdown),
# BUILD_DIR/coverage.json (gcovr's summary) and BUILD_DIR/html/index.html (annotated
# sources); prints the same table as text. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bdir=${1:-build-cov}
jobs=${JOBS:-2}
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
command -v gcovr >/dev/null 2>&1 || { echo "coverage: gcovr missing (tools/deps.sh coverage)" >&2; exit 1; }

cmake -S . -B "$bdir" "${gen[@]}" -DCMAKE_BUILD_TYPE=Debug -DQUINCE_COVERAGE=ON >/dev/null
cmake --build "$bdir" -j "$jobs"
# Counters add up across runs: start every measurement from zero.
find "$bdir" -name '*.gcda' -delete
(cd "$bdir" && ctest -j "$jobs" --output-on-failure)

mkdir -p "$bdir/html"
filters=()
for m in quic crypto h3 qpack base; do filters+=(--filter "$root/$m/"); done
# Branches the compiler adds on lines without source logic are left out, so the
# branch figure counts the program's own decisions.
gcovr -r "$root" --object-directory "$bdir" "${filters[@]}" \
      --exclude-unreachable-branches \
      --json-summary "$bdir/coverage.json" --json-summary-pretty \
      --html-details "$bdir/html/index.html" --html-title "quince coverage" \
      --print-summary >/dev/null
python3 tools/coverage_table.py "$bdir/coverage.json" "$bdir/coverage.md"
echo "coverage: $bdir/coverage.md, $bdir/html/index.html"
