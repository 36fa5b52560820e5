#!/usr/bin/env bash
# Time to the first HTTP datagram (issue 14): full handshake vs resumed vs
# 0-RTT, quince and quic-go side by side, over loopback. Each implementation's
# ping-pong client (quince client, quicgo-client) plays against its own
# ping-pong server (quince server, quicgo-server -serve), where the server
# speaks first: its datagram 0 follows its 200. The figure is read from the
# client's qlog (bench/first_datagram.py): from the connection's start, and
# from its first packet on the wire, to the first packet received with a
# DATAGRAM frame. Full: no session; resumed: --session FILE from the run
# before (RFC 8446 §2.2); 0-RTT: --session FILE --0rtt, the request in 0-RTT
# (RFC 9001 §4.6). Prints RUN lines for bench/report.py (bench=first-KIND),
# a SKIP line for quince's 0-RTT until `quince client --help` mentions --0rtt.
#
# usage: bench/bench_first.sh QUINCE_BIN GO_BIN_DIR|- CERT KEY WORKDIR [RUNS]
#   GO_BIN_DIR: where quicgo-client and quicgo-server are (- : no quic-go)
#   RUNS: connections of each kind per implementation (default 20)
set -u
QUINCE=$1 G=$2 CERT=$3 KEY=$4 W=$5 RUNS=${6:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$W"
free_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

q0rtt=0
"$QUINCE" client --help 2>&1 | grep -q -- '--0rtt' && q0rtt=1

start() { # impl
    PORT=$(free_port)
    if [ "$1" = quince ]; then
        "$QUINCE" server --listen 127.0.0.1:$PORT --cert "$CERT" --key "$KEY" --count 2 >"$W/server.log" 2>&1 &
    else
        "$G/quicgo-server" -listen 127.0.0.1:$PORT -cert "$CERT" -key "$KEY" -count 2 -serve >"$W/server.log" 2>&1 &
    fi
    SPID=$!
    for _ in $(seq 100); do
        ss -Hlun "sport = :$PORT" 2>/dev/null | grep -q . && return
        sleep 0.05
    done
}
stop() { kill -TERM "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; }

client() { # impl kind qlogdir -> client log in $W/client.log
    local url="https://localhost:$PORT/ping-pong" a=()
    case "$1/$2" in
    quince/full) a=() ;;
    quince/resumed) a=(--session "$W/quince.sess") ;;
    quince/0rtt) a=(--session "$W/quince.sess0" --0rtt) ;;
    quic-go/full) a=() ;;
    quic-go/resumed) a=(-session "$W/quicgo.sess") ;;
    quic-go/0rtt) a=(-session "$W/quicgo.sess0" -0rtt) ;;
    esac
    if [ "$1" = quince ]; then
        timeout 20 "$QUINCE" client "$url" --ca "$CERT" --count 2 --qlog "$3" "${a[@]}" >"$W/client.log" 2>&1
    else
        QLOGDIR=$3 timeout 20 "$G/quicgo-client" -url "$url" -ca "$CERT" -count 2 "${a[@]}" >"$W/client.log" 2>&1
    fi
}

one() { # impl kind rep: one connection, one RUN line
    local impl=$1 kind=$2 rep=$3 q="$W/qlog" r why=
    rm -rf "$q"
    mkdir -p "$q"
    client "$impl" "$kind" "$q" || why="client exit $?"
    # The kind must be what happened: a resumed run that fell back to a
    # full handshake would flatter nobody.
    case "$kind" in
    resumed) grep -q 'client: session resumed' "$W/client.log" || why="${why:-not resumed}" ;;
    0rtt) grep -q 'client: 0-RTT accepted' "$W/client.log" || why="${why:-0-RTT not accepted}" ;;
    esac
    if [ -z "$why" ] && r=$(python3 "$HERE/first_datagram.py" "$q"/*client*.sqlog 2>/dev/null); then
        echo "RUN client=$impl server=$impl rep=$rep RESULT impl=$impl bench=first-$kind $r"
    else
        echo "RUN client=$impl server=$impl rep=$rep FAILED bench=first-$kind ${why:-no datagram in the qlog}"
        rm -rf "$W/failed-$impl-$kind-$rep"; cp -r "$q" "$W/failed-$impl-$kind-$rep"
    fi
}

for impl in quince quic-go; do
    if [ "$impl" = quic-go ] && [ "$G" = - ]; then continue; fi
    kinds="full resumed 0rtt"
    if [ "$impl" = quince ] && [ $q0rtt = 0 ]; then
        echo "SKIP bench=first-0rtt impl=quince why=quince has no 0-RTT yet (quince client --help does not mention --0rtt)"
        kinds="full resumed"
    fi
    start "$impl"
    # The first sessions (full handshakes, not counted).
    client "$impl" resumed "$W/warm"
    [ "$impl" = quince ] && [ $q0rtt = 0 ] || client "$impl" 0rtt "$W/warm"
    for rep in $(seq "$RUNS"); do
        for kind in $kinds; do one "$impl" "$kind" "$rep"; done
    done
    stop
done
