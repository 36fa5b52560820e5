#!/usr/bin/env bash
# Instruction counts per delivered datagram for the quince 1200-byte throughput
# case (valgrind callgrind: repeatable on a noisy machine), sender and receiver
# each measured on its own, with the top functions by own instructions.
# usage: bench/callgrind.sh BENCH_BIN_DIR OUTDIR   (prints CALLGRIND lines)
set -uo pipefail
B=$1 OUT=$2
MS=${CALLGRIND_MS:-3000}
SIZE=${CALLGRIND_SIZE:-1200}
command -v valgrind >/dev/null || { echo "CALLGRIND skipped: valgrind is not installed"; exit 0; }
[ -f "$OUT/cert.pem" ] || exit 1
PORT=$((40000 + RANDOM % 20000))
top() { # callgrind.out -> top functions by self Ir
  callgrind_annotate --threshold=100 "$1" 2>/dev/null |
    awk '/^-+$/{n++} n>=3 && $1 ~ /^[0-9,]+$/ && !/PROGRAM TOTALS/ {print}' | head -"${CALLGRIND_TOP:-12}" |
    sed 's/^/CALLGRIND   /'
}
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}'; }

# Sender: the quince server under callgrind, a normal quince client receives.
valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.sender" "$B/bench_server" \
  --listen 127.0.0.1:$PORT --cert "$OUT/cert.pem" --key "$OUT/key.pem" >/dev/null 2>"$OUT/cg.sender.err" &
VP=$!
for _ in $(seq 100); do grep -q listening "$OUT/cg.sender.err" && break; sleep 0.1; done
r=$("$B/bench_tput" --server 127.0.0.1:$PORT --ca "$OUT/cert.pem" --size "$SIZE" --ms "$MS" 2>/dev/null)
kill -TERM $VP; wait $VP 2>/dev/null
got=$(sed -n 's/.* received=\([0-9]*\).*/\1/p' <<<"$r")
ir=$(total "$OUT/cg.sender")
if [ -n "$got" ] && [ -n "$ir" ] && [ "$got" -gt 0 ]; then
  echo "CALLGRIND sender (bench_server, whole run incl. handshake): $ir Ir, $got datagrams of $SIZE B delivered: $((ir / got)) Ir per datagram"
  top "$OUT/cg.sender"
else
  echo "CALLGRIND sender: no result ($r)"
fi

# Receiver: a normal quince server, the quince client under callgrind.
PORT=$((PORT + 1))
"$B/bench_server" --listen 127.0.0.1:$PORT --cert "$OUT/cert.pem" --key "$OUT/key.pem" >/dev/null 2>"$OUT/cg.srv.err" &
SP=$!
for _ in $(seq 50); do grep -q listening "$OUT/cg.srv.err" && break; sleep 0.05; done
r=$(valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.receiver" "$B/bench_tput" \
  --server 127.0.0.1:$PORT --ca "$OUT/cert.pem" --size "$SIZE" --ms "$MS" 2>/dev/null)
kill -TERM $SP; wait $SP 2>/dev/null
got=$(sed -n 's/.* received=\([0-9]*\).*/\1/p' <<<"$r")
ir=$(total "$OUT/cg.receiver")
if [ -n "$got" ] && [ -n "$ir" ] && [ "$got" -gt 0 ]; then
  echo "CALLGRIND receiver (bench_tput, whole run incl. handshake): $ir Ir, $got datagrams received: $((ir / got)) Ir per datagram"
  top "$OUT/cg.receiver"
else
  echo "CALLGRIND receiver: no result ($r)"
fi
