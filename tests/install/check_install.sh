#!/usr/bin/env bash
# cmake --install into a temporary prefix, then use quince as a program outside
# the tree would: every public header alone (C, and C++ when there is a C++
# compiler) against the installed tree only; the two examples built once with
# pkg-config and once with find_package(quince), then run against each other
# over loopback; quince --version against the .pc version; with shared
# libraries, only public symbols (and the QUINCE_PRIVATE node) exported.
# usage: check_install.sh SOURCE_DIR BUILD_DIR
# QUINCE_CONSUMER_FLAGS: compile and link flags the consumers need as well
# (the sanitizer flags of a QUINCE_SANITIZE build, whose libraries need them).
# QUINCE_EXPECT_SHARED=1 (make check-shared): fail unless shared libraries
# were installed, so the symbol check cannot pass by having nothing to check.
set -euo pipefail
src=$1 build=$2
xf=${QUINCE_CONSUMER_FLAGS:-}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
inc=$prefix/include/quince
libdir=$(dirname "$(find "$prefix" -name quince.pc)")/..
export PKG_CONFIG_PATH=$libdir/pkgconfig
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} # shared builds
echo "ok   installed into $prefix"

# Public headers: self-contained, no internal header, extern "C".
cd "$inc"
headers=$(find . -name '*.h' | sed 's|^\./||' | sort)
for h in $headers; do
  printf '#include "%s"\n' "$h" > "$tmp/one.c"
  cc -std=c11 -Wall -Wextra -Werror -I"$inc" -c "$tmp/one.c" -o "$tmp/one.o" ||
    fail "$h does not compile alone against the installed headers"
  grep -q 'extern "C"' "$h" || fail "$h has no extern \"C\" guard"
done
echo "ok   $(wc -w <<<"$headers") public headers compile alone as C"
if command -v c++ >/dev/null; then
  { for h in $headers; do printf '#include "%s"\n' "$h"; done
    # calls into every library: a missing extern "C" leaves a C++-mangled
    # name that the link cannot find
    echo 'int main() { h3q_config c; h3q_config_init(&c, H3_ROLE_CLIENT, 0); quic_config q;'
    echo '  quic_config_init(&q, false, 0); return quince_version()[0] && qpack_err_str(-1) &&'
    echo '  tls_alert_str(0) ? 0 : 1; }'
  } > "$tmp/all.cc"
  c++ $xf -Wall -Werror -I"$inc" "$tmp/all.cc" -o "$tmp/all_cc" $(pkg-config --libs quince) ||
    fail "the headers do not link from C++ (extern \"C\")"
  "$tmp/all_cc" || fail "C++ program"
  echo "ok   the headers compile and link as C++"
fi

# Version: program, pkg-config, macro.
v=$(pkg-config --modversion quince)
[ "$("$prefix/bin/quince" --version)" = "quince $v" ] || fail "quince --version is not quince $v"
echo "ok   quince --version = pkg-config version = $v"

# The examples with pkg-config: the two-line build of the README.
for e in server client; do
  cc $xf -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror "$src/examples/h3dgram_$e.c" \
     -o "$tmp/pc_$e" $(pkg-config --cflags --libs quince) || fail "pkg-config build of $e"
done
echo "ok   examples built with pkg-config"

# The examples with find_package(quince).
cmake -S "$src/examples" -B "$tmp/fp" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="$xf" ${CMAKE_GENERATOR:+-G "$CMAKE_GENERATOR"} >"$tmp/fp.log" 2>&1 ||
  { cat "$tmp/fp.log"; fail "find_package(quince) configure"; }
cmake --build "$tmp/fp" >>"$tmp/fp.log" 2>&1 || { cat "$tmp/fp.log"; fail "find_package build"; }
echo "ok   examples built with find_package(quince)"

# Run them against each other: pkg-config server with find_package client,
# and the other way round.
"$prefix/bin/quince" gencert --host localhost --cert "$tmp/cert.pem" --key "$tmp/key.pem" >/dev/null 2>&1
run_pair() { # server client
  local so=$tmp/server.out co=$tmp/client.out port=
  : >"$so" # exists before the server's own redirection does (it runs in the child)
  "$1" 0 "$tmp/cert.pem" "$tmp/key.pem" >"$so" 2>&1 &
  local spid=$!
  pids+=("$spid")
  for _ in $(seq 50); do
    port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$so")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$so"; fail "$1 did not start"; }
  timeout 10 "$2" "$port" "$tmp/cert.pem" 10 >"$co" 2>&1 || { cat "$co" "$so"; fail "$2 failed"; }
  timeout 5 tail --pid="$spid" -f /dev/null || { cat "$so"; fail "$1 did not exit"; }
  wait "$spid" || { cat "$so"; fail "$1 exited non-zero"; }
  grep -q 'client: received datagram value=9$' "$co" || { cat "$co"; fail "client did not get 9"; }
  grep -q 'client: done at 10$' "$co" || { cat "$co"; fail "client did not reach 10"; }
  grep -q 'server: received datagram value=8$' "$so" || { cat "$so"; fail "server did not get 8"; }
  grep -q 'closed by client, code 0x100' "$so" || { cat "$so"; fail "no H3_NO_ERROR close"; }
}
run_pair "$tmp/pc_server" "$tmp/fp/h3dgram_client"
run_pair "$tmp/fp/h3dgram_server" "$tmp/pc_client"
echo "ok   client and server played the ping-pong to 10 (both builds, both ways)"

# Shared libraries: a versioned soname and only the public API exported.
shopt -s nullglob
sos=("$libdir"/libquince_*.so)
[ "${QUINCE_EXPECT_SHARED:-0}" = 1 ] && [ ${#sos[@]} -eq 0 ] &&
  fail "no shared libraries installed (QUINCE_EXPECT_SHARED=1; configure with BUILD_SHARED_LIBS=ON)"
for so in "${sos[@]}"; do
  soname=$(objdump -p "$so" | awk '/SONAME/{print $2}')
  [[ $soname =~ ^libquince_[a-z0-9]+\.so\.[0-9]+\.[0-9]+$ ]] || fail "$so soname '$soname'"
  m=$(basename "$so" .so); m=${m#libquince_}
  # every exported function is declared in an installed header, or is in
  # the QUINCE_PRIVATE node (internal calls between quince libraries)
  while read -r sym ver; do
    case $ver in *QUINCE_PRIVATE*) continue ;; esac
    grep -rqw -- "$sym" "$inc" || fail "$so exports $sym, which no public header declares"
  done < <(nm -D --defined-only --with-symbol-versions "$so" | awk '$2 ~ /[TDBR]/ {split($3,a,"@"); print a[1], $3}')
done
if [ ${#sos[@]} -gt 0 ]; then
  nm -D --defined-only "$libdir/libquince_quic.so" | grep -qw quic_frame_decode &&
    fail "internal quic_frame_decode is exported"
  echo "ok   ${#sos[@]} shared libraries: versioned sonames, public symbols only"
fi
echo "PASS"
