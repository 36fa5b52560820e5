#!/usr/bin/env bash
# make bench: quince and quic-go side by side over loopback, plus raw-UDP and
# libcrypto ceilings (bench/README.md). Each pair runs REPEAT times alternating
# A B A B; bench/report.py takes medians and writes bench/results.md and
# bench/results.png. Figures are for comparing ratios on one machine.
#
#   bench/run.sh                 everything (about 5 minutes on 2 cores)
#   REPEAT=7 bench/run.sh        more repeats
#   BENCH_CALLGRIND=1 bench/run.sh   also instruction counts per datagram (slow)
#   BULK_BYTES=50000000 bench/run.sh  a shorter bulk GET
#   NETEM="delay 25ms loss 0.1%" NETEM_BYTES=10000000 bench/run.sh  the lossy-path bulk row
#   FIRST_RUNS=50 bench/run.sh   connections per kind in the first-datagram rows (default 20)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPEAT=${REPEAT:-5}
BULK_BYTES=${BULK_BYTES:-200000000}
TPUT_MS=${TPUT_MS:-2000}
HS_MS=${HS_MS:-2000}
RTT_ROUNDS=${RTT_ROUNDS:-10000}
IDLE_CONNS=${IDLE_CONNS:-1000}
# bench_load (quince only, once): LOAD_CONNS connections at once, each playing a
# datagram ping-pong; 10,000 is the documented setting.
LOAD_CONNS=${LOAD_CONNS:-10000}
# QUINCE_RCVBUF=B: the quince receiver's socket buffer in the throughput case (0: the
# 4 MiB app_udp_open asks for). 212992 (the Linux default) was needed before 3500bc8,
# when a quince sender outgrew its sent-packet ring with a big receive buffer.
QUINCE_RCVBUF=${QUINCE_RCVBUF:-0}
BUILD=${BENCH_BUILD:-$ROOT/build-bench}
GO=${GO:-$(command -v go || { [ -x /usr/local/go/bin/go ] && echo /usr/local/go/bin/go; })}
OUT=$(mktemp -d /tmp/quince-bench.XXXXXX)
LOG=$OUT/results.log
# The bulk GET over a long lossy path: loopback inside a network namespace of
# our own whose lo has netem (delay on lo applies to both directions: 25 ms is
# a 50 ms RTT). quince sends with CUBIC (its default), quic-go with its own.
NETEM=${NETEM:-delay 25ms loss 0.1%}
NETEM_BYTES=${NETEM_BYTES:-10000000}
NS=quince-bench-$$
NSX=     # "ip netns exec NS" while a netem pair runs
TAG=     # appended to bench= of the RESULT lines of those pairs
netem_setup() { # prints why not, returns 1, when the namespace cannot have netem
  { command -v ip && command -v tc; } >/dev/null 2>&1 || { echo "no ip or tc"; return 1; }
  [ "$(id -u)" = 0 ] || { echo "needs root (ip netns, tc)"; return 1; }
  ip netns add "$NS" 2>/dev/null || { echo "ip netns add failed"; return 1; }
  local e
  if ! e=$(ip netns exec "$NS" ip link set lo up 2>&1 &&
           ip netns exec "$NS" tc qdisc add dev lo root netem $NETEM limit 100000 2>&1); then
    ip netns del "$NS" 2>/dev/null
    echo "tc netem failed: ${e//$'\n'/ }"
    return 1
  fi
}
if NETEM_WHY=$(netem_setup); then
  NETEM_OK=1
  trap 'ip netns del "$NS" 2>/dev/null' EXIT
else
  NETEM_OK=0
fi

# gnuplot draws the chart: installed like tools/deps.sh installs build tools.
if ! command -v gnuplot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing gnuplot-nox"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null; }
  else
    echo "bench: no gnuplot (no chart); as root: apt-get install -y gnuplot-nox" >&2
  fi
fi
cmake -S . -B "$BUILD" ${CMAKE_GEN:-} -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build "$BUILD" -j "$(nproc)" || exit 1
B=$BUILD/bench
HAVE_GO=0
if [ -n "$GO" ]; then
  (cd tests/interop/quicgo && "$GO" build -o bin/ ./cmd/bench-server ./cmd/bench-client \
    ./cmd/quicgo-server ./cmd/quicgo-client) && HAVE_GO=1
fi
G=$ROOT/tests/interop/quicgo/bin
[ $HAVE_GO = 1 ] || echo "bench: Go is missing: quic-go columns stay empty" >&2
"$BUILD/app/quince" gencert --host localhost --cert "$OUT/cert.pem" --key "$OUT/key.pem" 2>/dev/null || exit 1

PORT=$((20000 + RANDOM % 20000))
SPID=
start_server() { # impl [more options for the quince bench server]
  PORT=$((PORT + 1))
  if [ "$1" = quince ] || [ "$1" = quince-gso ]; then
    $NSX "$B/bench_server" --listen 127.0.0.1:$PORT --cert "$OUT/cert.pem" --key "$OUT/key.pem" \
      $([ "$1" = quince-gso ] && echo --gso) "${@:2}" >"$OUT/server.out" 2>"$OUT/server.err" &
  else
    $NSX "$G/bench-server" -listen 127.0.0.1:$PORT -cert "$OUT/cert.pem" -key "$OUT/key.pem" \
      >"$OUT/server.out" 2>"$OUT/server.err" &
  fi
  SPID=$!
  for _ in $(seq 50); do grep -q listening "$OUT/server.err" 2>/dev/null && return; sleep 0.05; done
}
stop_server() {
  kill -TERM "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
  SPID=
}
client() { # impl mode args...
  local impl=$1 mode=$2; shift 2
  if [ "$impl" = quince ]; then
    timeout 120 $NSX "$B/bench_$mode" --server 127.0.0.1:$PORT --ca "$OUT/cert.pem" "$@"
  else
    local a=() k
    while [ $# -gt 0 ]; do k=${1#--}; a+=("-$k" "$2"); shift 2; done
    timeout 120 $NSX "$G/bench-client" -mode "$mode" -server 127.0.0.1:$PORT -ca "$OUT/cert.pem" "${a[@]}"
  fi
}
# pair CLIENT SERVER REP MODE ARGS...: one run, its RESULT line tagged.
pair() {
  local c=$1 s=$2 rep=$3 mode=$4; shift 4
  if { [ $c = quic-go ] || [ $s = quic-go ]; } && [ $HAVE_GO = 0 ]; then return; fi
  start_server "$s"
  local r
  r=$(client "$c" "$mode" "$@" 2>>"$OUT/client.err" | grep '^RESULT' | sed "s/ bench=$mode / bench=$mode$TAG /")
  stop_server
  if [ -n "$r" ]; then
    echo "RUN client=$c server=$s rep=$rep $r" | tee -a "$LOG"
  else
    echo "RUN client=$c server=$s rep=$rep FAILED bench=$mode$TAG $*" | tee -a "$LOG"
  fi
}
pairs() { # rep mode args...: the pairs in alternating order
  local rep=$1; shift
  if [ $((rep % 2)) = 1 ]; then
    pair quince quince "$rep" "$@"; pair quic-go quic-go "$rep" "$@"
  else
    pair quic-go quic-go "$rep" "$@"; pair quince quince "$rep" "$@"
  fi
  pair quince quic-go "$rep" "$@"
  pair quic-go quince "$rep" "$@"
}

echo "bench: $REPEAT repeats, logs in $OUT"
[ $NETEM_OK = 1 ] || echo "SKIP bench=bulk-netem why=$NETEM_WHY" | tee -a "$LOG"
# Other work on the machine skews every figure: the load is recorded with them.
echo "LOAD when=start $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG"
for rep in $(seq "$REPEAT"); do
  last=$([ "$rep" = "$REPEAT" ] && echo 1 || echo 0)
  echo "RUN client=udp server=udp rep=$rep $(BENCH_RTT_DUMP=$([ $last = 1 ] && echo "$OUT/rtt-udp.txt") "$B/bench_udp" pingpong --rounds "$RTT_ROUNDS")" | tee -a "$LOG"
  for size in 64 1200; do
    echo "RUN client=udp server=udp rep=$rep $("$B/bench_udp" blast --size $size --ms "$TPUT_MS")" | tee -a "$LOG"
  done
  echo "RUN client=libcrypto server=- rep=$rep $("$B/bench_aead")" | tee -a "$LOG"
  if [ $last = 1 ]; then
    BENCH_RTT_DUMP=$OUT/rtt-quince.txt pair quince quince "$rep" rtt --rounds "$RTT_ROUNDS"
    BENCH_RTT_DUMP=$OUT/rtt-quic-go.txt pair quic-go quic-go "$rep" rtt --rounds "$RTT_ROUNDS"
    pair quince quic-go "$rep" rtt --rounds "$RTT_ROUNDS"
    pair quic-go quince "$rep" rtt --rounds "$RTT_ROUNDS"
  else
    pairs "$rep" rtt --rounds "$RTT_ROUNDS"
  fi
  for size in 64 1200; do
    # --rcvbuf is read by the quince client only; the quic-go client ignores it.
    pair_tput() { if [ "$1" = quince ]; then pair "$@" --rcvbuf "$QUINCE_RCVBUF"; else pair "$@"; fi; }
    if [ $((rep % 2)) = 1 ]; then
      pair_tput quince quince "$rep" tput --size $size --ms "$TPUT_MS"
      pair_tput quic-go quic-go "$rep" tput --size $size --ms "$TPUT_MS"
    else
      pair_tput quic-go quic-go "$rep" tput --size $size --ms "$TPUT_MS"
      pair_tput quince quince "$rep" tput --size $size --ms "$TPUT_MS"
    fi
    # quince's sender with UDP GSO in the bench server's loop (quic-go uses GSO too).
    pair_tput quince quince-gso "$rep" tput --size $size --ms "$TPUT_MS"
    pair_tput quince quic-go "$rep" tput --size $size --ms "$TPUT_MS"
    pair_tput quic-go quince "$rep" tput --size $size --ms "$TPUT_MS"
  done
  pairs "$rep" hs --ms "$HS_MS" --par 4
  pairs "$rep" bulk --bytes "$BULK_BYTES"
  pair quince quince-gso "$rep" bulk --bytes "$BULK_BYTES"
  if [ $NETEM_OK = 1 ]; then
    NSX="ip netns exec $NS" TAG=-netem
    if [ $((rep % 2)) = 1 ]; then
      pair quince quince "$rep" bulk --bytes "$NETEM_BYTES"; pair quic-go quic-go "$rep" bulk --bytes "$NETEM_BYTES"
    else
      pair quic-go quic-go "$rep" bulk --bytes "$NETEM_BYTES"; pair quince quince "$rep" bulk --bytes "$NETEM_BYTES"
    fi
    NSX= TAG=
  fi
  if [ $((rep % 2)) = 1 ]; then
    pair quince quince "$rep" idle --conns "$IDLE_CONNS"; pair quic-go quic-go "$rep" idle --conns "$IDLE_CONNS"
  else
    pair quic-go quic-go "$rep" idle --conns "$IDLE_CONNS"; pair quince quince "$rep" idle --conns "$IDLE_CONNS"
  fi
done

# Time to the first HTTP datagram (issue 14): full vs resumed vs 0-RTT, each
# implementation's ping-pong client against its own server (bench/bench_first.sh).
bench/bench_first.sh "$BUILD/app/quince" "$([ $HAVE_GO = 1 ] && echo "$G" || echo -)" \
  "$OUT/cert.pem" "$OUT/key.pem" "$OUT/first" "${FIRST_RUNS:-20}" | tee -a "$LOG"

# Memory (issue 10), quince only, once: one connection's peak over 2,000 rounds of
# 1,000-byte datagrams and the idle server's heap (bench=load1), then LOAD_CONNS
# connections at once, all playing (bench=load).
load_run() { # name args...
  local name=$1 r; shift
  start_server quince --max-conns $((LOAD_CONNS + 64))
  r=$(timeout 1800 nice -n 10 "$B/bench_load" --server 127.0.0.1:$PORT --ca "$OUT/cert.pem" "$@" \
      2>>"$OUT/client.err" | grep '^RESULT' | sed "s/bench=load/bench=$name/")
  stop_server
  echo "RUN client=quince server=quince rep=1 ${r:-FAILED bench=$name}" | tee -a "$LOG"
}
load_run load1 --conns 1 --rounds 2000 --size 1000
load_run load --conns "$LOAD_CONNS" --rounds 20 --size 1000 --timeout 1700
# What a stranger's junk Initial costs the endpoint: µs and allocation calls
# (bench_junk, in process, no sockets; issue 10).
echo "RUN client=quince server=quince rep=1 $("$B/bench_junk" --ms 1000)" | tee -a "$LOG"

echo "LOAD when=end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG"
# Footprint: the static libraries.
for lib in base crypto quic qpack h3 app; do
  f=$(find "$BUILD" -name "libquince_$lib.a" | head -1)
  [ -n "$f" ] && echo "SIZE lib=quince_$lib $(size -t "$f" | awk 'END{print "text="$1" data="$2" bss="$3" total="$4}')" | tee -a "$LOG"
done

if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
  bench/callgrind.sh "$B" "$OUT" | tee -a "$LOG"
fi

python3 bench/report.py "$LOG" "$OUT" bench/results.md bench/results.png
cat bench/results.md
echo "bench: raw log $LOG"
