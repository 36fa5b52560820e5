#!/usr/bin/env bash
# Instruction counts per delivered datagram for the quince datagram throughput
# case (valgrind callgrind: repeatable on a noisy machine), sender and receiver
# each measured on its own, with the top functions by own instructions.
#
# A whole run's count includes the handshake, so its per-datagram figure moves
# with how many datagrams a loaded machine got through. Each side is therefore
# measured twice, over CALLGRIND_MS and over CALLGRIND_SHORT_MS: the difference
# of the counts over the difference of the datagrams delivered is the cost of
# one more datagram, whatever the load ("marginal").
# usage: bench/callgrind.sh BENCH_BIN_DIR OUTDIR   (prints CALLGRIND lines)
set -uo pipefail
B=$1 OUT=$2
MS=${CALLGRIND_MS:-3000}
SHORT_MS=${CALLGRIND_SHORT_MS:-$((MS / 4))}
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
wait_for() { # file: until the server says it listens (valgrind starts slowly)
  for _ in $(seq 300); do grep -q listening "$1" 2>/dev/null && return; sleep 0.1; done
}

# sender MS TAG: the quince server under callgrind, a normal quince client
# receives; prints "IR DELIVERED".
sender() {
  PORT=$((PORT + 1))
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.sender$2" "$B/bench_server" \
    --listen 127.0.0.1:$PORT --cert "$OUT/cert.pem" --key "$OUT/key.pem" >/dev/null 2>"$OUT/cg.sender.err" &
  local vp=$!
  wait_for "$OUT/cg.sender.err"
  local r
  r=$("$B/bench_tput" --server 127.0.0.1:$PORT --ca "$OUT/cert.pem" --size "$SIZE" --ms "$1" 2>/dev/null)
  kill -TERM $vp 2>/dev/null; wait $vp 2>/dev/null
  echo "$(total "$OUT/cg.sender$2") $(sed -n 's/.* received=\([0-9]*\).*/\1/p' <<<"$r") $(sed -n 's/.* sent=\([0-9]*\).*/\1/p' <<<"$r")"
}
# receiver MS TAG: a normal quince server, the quince client under callgrind.
receiver() {
  PORT=$((PORT + 1))
  "$B/bench_server" --listen 127.0.0.1:$PORT --cert "$OUT/cert.pem" --key "$OUT/key.pem" >/dev/null 2>"$OUT/cg.srv.err" &
  local sp=$!
  wait_for "$OUT/cg.srv.err"
  local r
  r=$(valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.receiver$2" "$B/bench_tput" \
    --server 127.0.0.1:$PORT --ca "$OUT/cert.pem" --size "$SIZE" --ms "$1" 2>/dev/null)
  kill -TERM $sp 2>/dev/null; wait $sp 2>/dev/null
  echo "$(total "$OUT/cg.receiver$2") $(sed -n 's/.* received=\([0-9]*\).*/\1/p' <<<"$r")"
}
# report SIDE WHAT "IR GOT" "IR_SHORT GOT_SHORT"
report() {
  local ir got irs gots sent sents
  read -r ir got sent <<<"$3"
  read -r irs gots sents <<<"$4"
  if [ -z "${ir:-}" ] || [ -z "${got:-}" ] || [ "$got" -le 0 ]; then
    echo "CALLGRIND $1: no result"
    return
  fi
  local m="no marginal figure (short run: ${irs:-?} Ir, ${gots:-?} datagrams)"
  if [ -n "${irs:-}" ] && [ -n "${gots:-}" ] && [ "$got" -gt "$gots" ]; then
    m="marginal $(((ir - irs) / (got - gots))) Ir per datagram (against a ${SHORT_MS} ms run: $irs Ir, $gots datagrams)"
  fi
  echo "CALLGRIND $1 ($2, $SIZE B, whole run incl. handshake): $ir Ir, $got datagrams delivered: $((ir / got)) Ir per datagram; $m"
  if [ -n "${sent:-}" ] && [ -n "${sents:-}" ] && [ "$sent" -gt "$sents" ]; then
    echo "CALLGRIND $1 per datagram the sending application offered (sent=$sent, short run $sents; queue drops included): marginal $(((ir - irs) / (sent - sents))) Ir"
  fi
  top "$OUT/cg.$1"
}

SIDES=${CALLGRIND_SIDES:-sender receiver}
if [[ " $SIDES " == *" sender "* ]]; then
  s_long=$(sender "$MS" "")
  s_short=$(sender "$SHORT_MS" ".short")
  report sender bench_server "$s_long" "$s_short"
fi
if [[ " $SIDES " == *" receiver "* ]]; then
  r_long=$(receiver "$MS" "")
  r_short=$(receiver "$SHORT_MS" ".short")
  report receiver bench_tput "$r_long" "$r_short"
fi
