#!/usr/bin/env bash
# Runs every fuzz target in DIR for SECONDS each, from its seed corpus in
# fuzz/corpus/<target>/ and its crash regressions in fuzz/regressions/<target>/
# (copied to a scratch folder so the repo stays clean).
# Fails on the first crash, leak or sanitizer report.
set -euo pipefail
dir=$1
secs=${2:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

targets=$(find "$dir" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
if [ -z "$targets" ]; then
  echo "fuzz: no targets in $dir" >&2
  exit 1
fi
n=0
for t in $targets; do
  name=$(basename "$t")
  mkdir -p "$work/$name"
  if [ -d "$top/fuzz/corpus/$name" ]; then
    cp -r "$top/fuzz/corpus/$name/." "$work/$name/"
  fi
  if [ -d "$top/fuzz/regressions/$name" ]; then
    cp -r "$top/fuzz/regressions/$name/." "$work/$name/"
  fi
  echo "fuzz: $name for ${secs}s"
  if ! "$t" -max_total_time="$secs" -print_final_stats=0 -artifact_prefix="$work/" \
       "$work/$name" >"$work/$name.log" 2>&1; then
    tail -n 60 "$work/$name.log"
    mkdir -p "$top/fuzz/crashes"
    cp "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-* "$top/fuzz/crashes/" 2>/dev/null || true
    echo "fuzz: $name FAILED (inputs kept in fuzz/crashes/)" >&2
    exit 1
  fi
  grep -E '^#[0-9]+.*(DONE|pulse)' "$work/$name.log" | tail -n 1 || true
  n=$((n + 1))
done
echo "fuzz: $n targets ran clean for ${secs}s each"
