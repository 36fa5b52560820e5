#!/usr/bin/env bash
# make mutants: mutation testing of the connection, TLS, HTTP/3 and QPACK code.
# Mutants are made by universalmutator (PyPI, installed into a venv under
# ~/.cache/quince-mut), applied one at a time to a copy of the tree in build-mut/src
# (never to the repository), rebuilt there with ccache, and run against the fast
# CTest suites. Results: build-mut/mutants.md (kill rate per file, surviving mutants
# with their diffs) and build-mut/mutants.jsonl (one line per mutant). Not run by CI.
#
#   MUTANTS_SAMPLE=N    test N mutants drawn at random (default 200; 0: all of them)
#   MUTANTS_SEED=S      seed of the draw (default 1)
#   MUTANTS_FILES=glob  only files matching this shell glob (default: the core below)
#   MUTANTS_MINUTES=M   stop after M minutes whatever the count (default: no limit)
#   MUTANTS_EXCLUDE=re  CTest tests not run per mutant (default: ^check_, the script checks: linkage, install, qlog, CLI, includes)
#   MUTANTS_RESUME=1    continue the previous run's log instead of starting again
#   MUTANTS_TIMEOUT=T   seconds per test (default 30; a mutant's whole run gets 4x)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/build-mut
cache=${XDG_CACHE_HOME:-$HOME/.cache}/quince-mut
jobs=${JOBS:-2}

tools/deps.sh mutants
if [ ! -x "$cache/venv/bin/mutate" ]; then
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" install -q universalmutator==1.14.1
fi

default_files=(quic/conn_*.c quic/endpoint.c crypto/tls_*.c h3/h3_conn_*.c qpack/*.c)
files=()
if [ -n "${MUTANTS_FILES:-}" ]; then
  # shellcheck disable=SC2206 # the glob is meant to expand here
  files=(${MUTANTS_FILES})
else
  files=("${default_files[@]}")
fi
# Generated tables are data, not logic.
sel=()
for f in "${files[@]}"; do
  [ -f "$f" ] || { echo "mutants: no file $f" >&2; exit 1; }
  case $f in *_data.c) continue ;; esac
  sel+=("$f")
done

# A fresh copy of the tracked sources each run (the build dir inside is kept, so
# only what changed is rebuilt).
mkdir -p "$out/src"
git ls-files > "$out/files.txt"
while IFS= read -r f; do
  if ! cmp -s "$f" "$out/src/$f"; then
    mkdir -p "$out/src/$(dirname "$f")"
    cp "$f" "$out/src/$f"
  fi
done < "$out/files.txt"
(cd "$out/src" && find . -type f | sed 's|^\./||' | sort) \
  | comm -23 - <(sort "$out/files.txt") | (cd "$out/src" && xargs -r rm -f)
export CCACHE_DIR=$cache/ccache
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
# -O1 builds and runs fast; -w because a mutant that only adds a warning is still a
# mutant to test, not a compile error (-Werror stays on the command line).
cmake -S "$out/src" -B "$out/build" -G Ninja -DCMAKE_BUILD_TYPE=None \
      -DCMAKE_C_FLAGS="-O1 -w" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "${launcher[@]}" >/dev/null

t=${MUTANTS_TIMEOUT:-30}
resume=()
[ "${MUTANTS_RESUME:-0}" = 1 ] && resume=(--resume)
exec python3 tools/mutants.py --src "$out/src" --build "$out/build" --gen "$out/gen" \
  --log "$out/mutants.jsonl" --report "$out/mutants.md" --mutate "$cache/venv/bin/mutate" \
  --sample "${MUTANTS_SAMPLE:-200}" --seed "${MUTANTS_SEED:-1}" \
  --exclude "${MUTANTS_EXCLUDE:-^check_}" --test-timeout "$t" \
  --mutant-timeout $((4 * t)) --minutes "${MUTANTS_MINUTES:-0}" --jobs "$jobs" \
  "${resume[@]}" --files "${sel[@]}"
