#!/usr/bin/env bash
# Installs the Debian packages quince needs, when they are missing.
# usage: tools/deps.sh [build|fuzz|coverage|mutants|docs]
#   build: cmake, pkg-config, gcc, make, libssl-dev (OpenSSL 3), libcmocka-dev
#   fuzz:  the same plus clang and its libFuzzer/sanitizer runtimes
#   coverage: the same plus gcovr (make coverage)
#   mutants:  the same plus ninja, ccache and python3-venv (make mutants installs
#             universalmutator from PyPI into a venv of its own)
#   docs:  doxygen (make docs)
set -euo pipefail

want=(cmake pkg-config gcc make libssl-dev libcmocka-dev)
case "${1:-build}" in
  fuzz) want+=(clang libclang-rt-14-dev) ;;
  coverage) want+=(gcovr) ;;
  mutants) want+=(ninja-build ccache python3-venv) ;;
  docs) want=(doxygen) ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "quince needs these packages: ${missing[*]}" >&2
  echo "run as root:  $cmd" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
