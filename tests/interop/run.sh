#!/usr/bin/env bash
# HTTP/3 datagram ping-pong interop: quince <-> quic-go (see README.md here).
#
# usage: tests/interop/run.sh [--client IMPL] [--server IMPL] [--keep] [--list] [CASE...]
#   IMPL   quicgo or quince: run only the cases where that implementation
#          plays that role (default: every case in the table)
#   CASE   run only the cases whose name matches one of these shell patterns
#   --keep keep the logs of passing cases too (failing ones are always kept)
#   --list print the case table and exit
# environment:
#   QUINCE_BIN   the quince program (default: build/app/quince in the repository)
#   GO           the go command (default: go)
#   INTEROP_OUT  folder for certificates and logs (default: a new temporary folder)
#   QUINCE_INTEROP_SKIP=1  a missing Go, quince program or tool, or patterns
#                that match no case, are SKIPs instead of failures (CI never
#                sets it: interop cannot pass by not running)
#
# Prints one "PASS|FAIL|SKIP name ..." line per case, "interop: N skipped" if
# any, and a closing "interop: N passed, N failed" line. Exit status: 0 when
# nothing failed, 1 when a case failed or could not run, 2 on a usage error.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QGO="$HERE/quicgo"
BIN="$QGO/bin"
QUINCE_BIN=${QUINCE_BIN:-$ROOT/build/app/quince}
GO=${GO:-go}
SERVER_GRACE=10
# A peer that is refused (or closed) must see it promptly: its server exits
# within this many seconds after the client (quicgo-server waits 2 s for the
# end of the handler; an unheard close would last until an idle timeout).
PROMPT_EXIT=5
SKIP_OK=${QUINCE_INTEROP_SKIP:-0}

# The case table. Columns:
#   name client server method count size time-limit(s) expect net client-flags server-flags
# method: GET, CONNECT (classic, RFC 9114 §4.4) or CONNECT-EXT (RFC 9220).
# count: the final value (even); the server sends 0, 2, ..., count and the
#   client 1, 3, ..., count-1, so count 4000 is 2,000 rounds.
# size: client datagram payload size; the server echoes the length.
# expect: ok            both exit 0 and both logs show the exact sequence
#         ok-resend     as ok, and the client reported resends (loss test)
#         rejected-400  server answers 400: client exits 1 reporting the 400,
#                       server exits 1 and logs the client's close (code 0x100)
#         refused       client refuses a server without H3_DATAGRAM: client
#                       exits 1, server exits 1 and logs the client's close
#         (in both, the server must exit within PROMPT_EXIT s of the client)
# net: direct, or lossN: through quicgo-lossproxy dropping N% of the UDP
#   datagrams each way (handshake included)
# flags (commas for spaces, - for none): test switches, in the syntax of the
#   implementation in that role (quic-go: -no-datagrams -drop-every N
#   -resend D; quince: --no-datagrams --drop-every N).
CASES='
quince-quicgo-get         quince quicgo GET         10   8    20  ok           direct -  -
quicgo-quince-get         quicgo quince GET         10   8    20  ok           direct -  -
quince-quicgo-connect     quince quicgo CONNECT     10   8    20  ok           direct -  -
quicgo-quince-connect     quicgo quince CONNECT     10   8    20  ok           direct -  -
quince-quicgo-long        quince quicgo GET         4000 1000 120 ok           direct -  -
quicgo-quince-long        quicgo quince GET         4000 1000 120 ok           direct -  -
quince-quicgo-connect-ext quince quicgo CONNECT-EXT 10   8    20  ok           direct -  -
quicgo-quince-connect-ext quicgo quince CONNECT-EXT 10   8    20  ok           direct -  -
quince-quicgo-loss        quince quicgo GET         40   100  60  ok           loss10 -  -
quicgo-quince-loss        quicgo quince GET         40   100  60  ok           loss10 -  -
quicgo-quicgo-get         quicgo quicgo GET         10   8    20  ok           direct -  -
quicgo-quicgo-connect     quicgo quicgo CONNECT     10   8    20  ok           direct -  -
quicgo-quicgo-connect-ext quicgo quicgo CONNECT-EXT 10   8    20  ok           direct -  -
quicgo-quicgo-long        quicgo quicgo GET         4000 1000 120 ok           direct -  -
quicgo-quicgo-loss        quicgo quicgo GET         40   100  60  ok           loss10 -  -
quicgo-quicgo-drop        quicgo quicgo GET         40   100  60  ok-resend    direct -drop-every,7,-resend,200ms -drop-every,5,-resend,300ms
quince-quicgo-drop        quince quicgo GET         40   100  60  ok-resend    direct --drop-every,7 -drop-every,5,-resend,300ms
quicgo-quince-drop        quicgo quince GET         40   100  60  ok-resend    direct -drop-every,7,-resend,200ms --drop-every,5
quicgo-quicgo-no-dgram-c  quicgo quicgo GET         10   8    20  rejected-400 direct -no-datagrams -
quince-quicgo-no-dgram-c  quince quicgo GET         10   8    20  rejected-400 direct --no-datagrams -
quicgo-quince-no-dgram-c  quicgo quince GET         10   8    20  rejected-400 direct -no-datagrams -
quicgo-quicgo-no-dgram-s  quicgo quicgo GET         10   8    20  refused      direct -  -no-datagrams
quince-quicgo-no-dgram-s  quince quicgo GET         10   8    20  refused      direct -  -no-datagrams
quicgo-quince-no-dgram-s  quicgo quince GET         10   8    20  refused      direct -  --no-datagrams
'

usage() {
    sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

want_client= want_server= keep=0 patterns=()
while [ $# -gt 0 ]; do
    case "$1" in
    --client) [ $# -ge 2 ] || usage; want_client=$2; shift 2 ;;
    --server) [ $# -ge 2 ] || usage; want_server=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --list) printf '%s\n' "$CASES" | sed '/^$/d'; exit 0 ;;
    -h|--help) usage ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) patterns+=("$1"); shift ;;
    esac
done
for impl in "$want_client" "$want_server"; do
    case "$impl" in ''|quicgo|quince) ;; *) echo "run.sh: unknown implementation '$impl'" >&2; usage ;; esac
done

selected() { # name client server
    [ -z "$want_client" ] || [ "$want_client" = "$2" ] || return 1
    [ -z "$want_server" ] || [ "$want_server" = "$3" ] || return 1
    [ ${#patterns[@]} -eq 0 ] && return 0
    local p
    for p in "${patterns[@]}"; do
        # shellcheck disable=SC2053
        [[ $1 == $p ]] && return 0
    done
    return 1
}

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "PASS $1${2:+ ($2)}"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
skip() { skipped=$((skipped + 1)); echo "SKIP $1: $2"; }
# A case that cannot run: a failure, unless QUINCE_INTEROP_SKIP=1 allows skipping.
cannot_run() {
    if [ "$SKIP_OK" = 1 ]; then
        skip "$1" "$2 (QUINCE_INTEROP_SKIP=1)"
    else
        fail "$1" "cannot run: $2 (set QUINCE_INTEROP_SKIP=1 to accept skipping)"
    fi
}
summary() {
    [ "$skipped" -eq 0 ] || echo "interop: $skipped skipped"
    echo "interop: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

# --- Which cases -------------------------------------------------------------
n_selected=0
while read -r name client server _; do
    [ -n "$name" ] || continue
    selected "$name" "$client" "$server" && n_selected=$((n_selected + 1))
done <<<"$CASES"
if [ "$n_selected" -eq 0 ]; then
    echo "interop: no case matches${patterns[*]:+ '${patterns[*]}'}${want_client:+ --client $want_client}${want_server:+ --server $want_server} (run.sh --list shows them)" >&2
    if [ "$SKIP_OK" = 1 ]; then
        echo "interop: nothing to run (QUINCE_INTEROP_SKIP=1)"
        exit 0
    fi
    echo "interop: 0 passed, 1 failed"
    exit 1
fi

# --- What is available -------------------------------------------------------
quicgo_missing= quince_missing= global_missing=
if ! command -v "$GO" >/dev/null 2>&1; then
    global_missing="Go not installed ('$GO' not found)"
elif [ ! -x "$QUINCE_BIN" ] && ! command -v openssl >/dev/null 2>&1; then
    global_missing="neither quince nor the openssl command to make test certificates"
elif ! command -v timeout >/dev/null 2>&1; then
    global_missing="timeout command (coreutils) not found"
fi
if [ -n "$global_missing" ]; then
    while read -r name client server _; do
        [ -n "$name" ] || continue
        selected "$name" "$client" "$server" && cannot_run "$name" "$global_missing"
    done <<<"$CASES"
    summary
fi

echo "interop: building quic-go programs into ${BIN#"$ROOT"/}"
if ! build_log=$(cd "$QGO" && "$GO" build -o "$BIN/" ./cmd/... 2>&1); then
    quicgo_missing="build failed: $(printf '%s' "$build_log" | tail -n 3 | tr '\n' ' ')"
fi
if [ ! -x "$QUINCE_BIN" ]; then
    quince_missing="quince program not found ($QUINCE_BIN; set QUINCE_BIN or build the app target)"
fi

OUT=${INTEROP_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/quince-interop.XXXXXX")}
mkdir -p "$OUT"
CERT="$OUT/cert.pem" KEY="$OUT/key.pem"
# ECDSA P-256, SAN DNS:localhost + IP:127.0.0.1: from `quince gencert` when quince is
# built (both stacks must accept it), else from the openssl command.
if [ -x "$QUINCE_BIN" ]; then
    certgen=("$QUINCE_BIN" gencert --host localhost --cert "$CERT" --key "$KEY")
else
    certgen=(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
        -keyout "$KEY" -out "$CERT" -days 2 -subj /CN=localhost
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
        -addext "extendedKeyUsage=serverAuth")
fi
if ! "${certgen[@]}" >"$OUT/certgen.log" 2>&1; then
    echo "interop: cannot make a test certificate:" >&2
    cat "$OUT/certgen.log" >&2
    exit 1
fi
echo "interop: certificates and logs in $OUT"

free_port() {
    if [ -x "$BIN/quicgo-freeport" ]; then
        "$BIN/quicgo-freeport"
    else
        python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    fi
}

# Waits until something listens on UDP port $1 or process $2 is gone.
wait_listening() {
    local i
    if ! command -v ss >/dev/null 2>&1; then
        sleep 0.5
        return
    fi
    for i in $(seq 1 100); do
        ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && return
        kill -0 "$2" 2>/dev/null || return
        sleep 0.05
    done
}

server_cmd() { # impl port count limit flags -> SCMD
    case "$1" in
    quicgo)
        SCMD=("$BIN/quicgo-server" -listen "127.0.0.1:$2" -cert "$CERT" -key "$KEY" -count "$3" -timeout "${4}s")
        # shellcheck disable=SC2206
        [ -z "$5" ] || SCMD+=($5)
        ;;
    quince)
        # --one-shot: like the quic-go server, exit after the first ping-pong.
        SCMD=("$QUINCE_BIN" server --listen "127.0.0.1:$2" --cert "$CERT" --key "$KEY" --one-shot)
        # The quince server plays to 10 by default; other counts need --count.
        [ "$3" = 10 ] || SCMD+=(--count "$3")
        # shellcheck disable=SC2206
        [ -z "$5" ] || SCMD+=($5)
        ;;
    esac
}

client_cmd() { # impl port method count size limit flags -> CCMD
    local url="https://localhost:$2/ping-pong"
    case "$1" in
    quicgo)
        CCMD=("$BIN/quicgo-client" -url "$url" -ca "$CERT" -method "$3" -count "$4" -size "$5" -timeout "${6}s")
        # shellcheck disable=SC2206
        [ -z "$7" ] || CCMD+=($7)
        ;;
    quince)
        CCMD=("$QUINCE_BIN" client "$url" --ca "$CERT" --method "$3" --count "$4" --size "$5")
        # shellcheck disable=SC2206
        [ -z "$7" ] || CCMD+=($7)
        ;;
    esac
}

# expected_lines role count: the log lines (without time stamps) a correct run shows.
expected_lines() {
    local v
    if [ "$1" = client ]; then
        for ((v = 0; v <= $2; v += 2)); do echo "INFO client: received datagram value=$v"; done
        echo "INFO client: received final datagram, exiting"
    else
        for ((v = 1; v < $2; v += 2)); do echo "INFO server: received datagram value=$v"; done
        echo "INFO server: sent final datagram, exiting"
        echo "INFO server closed"
    fi
}

# check_log role count log: the ping-pong lines of log, in order, must be
# exactly the expected ones, each "YYYY/MM/DD HH:MM:SS INFO ..." (Go's
# log/slog default format). Other lines (stats, resends) are ignored.
check_log() {
    local role=$1 count=$2 log=$3 sel bad
    if [ "$role" = client ]; then
        sel='client: received (datagram value=|final datagram)'
    else
        sel='server: (received datagram value=|sent final datagram)|server closed'
    fi
    bad=$(grep -E "$sel" "$log" | grep -Ev '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} INFO ' | head -n 1)
    if [ -n "$bad" ]; then
        echo "$role log line not in 'YYYY/MM/DD HH:MM:SS INFO msg' format: $bad"
        return 1
    fi
    local d
    d=$(diff <(expected_lines "$role" "$count") <(grep -E "$sel" "$log" | cut -c 21-))
    if [ -n "$d" ]; then
        echo "$role log differs from the expected sequence (diff expected actual): $(echo "$d" | head -n 6 | tr '\n' ' ')"
        return 1
    fi
    return 0
}

show_tail() { # label file
    echo "    --- last lines of $1 ($2)"
    tail -n 12 "$2" | sed 's/^/    | /'
}

run_case() {
    local name=$1 client=$2 server=$3 method=$4 count=$5 size=$6 limit=$7 expect=$8 net=$9
    local cflags=${10//,/ } sflags=${11//,/ }
    [ "$cflags" = - ] && cflags=
    [ "$sflags" = - ] && sflags=
    local impl
    for impl in "$client" "$server"; do
        if [ "$impl" = quicgo ] && [ -n "$quicgo_missing" ]; then
            fail "$name" "quic-go programs: $quicgo_missing"
            return
        fi
        if [ "$impl" = quince ] && [ -n "$quince_missing" ]; then
            cannot_run "$name" "$quince_missing"
            return
        fi
    done
    local dir="$OUT/$name" port slog clog spid src crc t0 why=
    mkdir -p "$dir"
    slog="$dir/server.log" clog="$dir/client.log"
    port=$(free_port)
    t0=$(date +%s.%N)
    local cport=$port ppid=
    if [ "$net" != direct ]; then
        # The client talks to the loss proxy, the proxy to the server.
        cport=$(free_port)
        "$BIN/quicgo-lossproxy" -listen "127.0.0.1:$cport" -to "127.0.0.1:$port" \
            -loss "$(awk -v p="${net#loss}" 'BEGIN { print p / 100 }')" >"$dir/lossproxy.log" 2>&1 &
        ppid=$!
        wait_listening "$cport" "$ppid"
    fi
    server_cmd "$server" "$port" "$count" "$limit" "$sflags"
    client_cmd "$client" "$cport" "$method" "$count" "$size" "$limit" "$cflags"
    printf '%q ' "${SCMD[@]}" >"$dir/server.cmd"
    printf '%q ' "${CCMD[@]}" >"$dir/client.cmd"
    timeout -k 2 "$((limit + 5))" "${SCMD[@]}" >"$slog" 2>&1 &
    spid=$!
    wait_listening "$port" "$spid"
    timeout -k 2 "$limit" "${CCMD[@]}" >"$clog" 2>&1
    crc=$?
    local tc
    tc=$(date +%s.%N)
    # A one-shot server exits by itself once the client is done; give it
    # SERVER_GRACE seconds (quicgo-server lingers at most 5 s + 2 s).
    local i late=
    for ((i = 0; i < SERVER_GRACE * 20; i++)); do
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$spid" 2>/dev/null; then
        late="server still running ${SERVER_GRACE}s after the client exited (stopped it); "
        kill -TERM "$spid" 2>/dev/null
    fi
    wait "$spid"
    src=$?
    local after
    after=$(echo "$tc $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')
    if [ -n "$ppid" ]; then
        kill -TERM "$ppid" 2>/dev/null
        wait "$ppid"
    fi
    local secs
    secs=$(echo "$t0 $(date +%s.%N)" | awk '{printf "%.2fs", $2 - $1}')

    why=$late
    [ $crc -eq 124 ] && why="client timed out after ${limit}s; "
    [ $src -eq 124 ] && why="${why}server timed out; "
    case "$expect" in
    ok | ok-resend)
        [ $crc -eq 0 ] || why="${why}client exit $crc; "
        [ $src -eq 0 ] || why="${why}server exit $src; "
        local m
        m=$(check_log client "$count" "$clog") || why="$why$m; "
        m=$(check_log server "$count" "$slog") || why="$why$m; "
        # quic-go: "client: stats ... resends=N"; quince: "client: resent N datagrams"
        if [ "$expect" = ok-resend ] && ! grep -Eq 'client: (stats .*resends=|resent )[1-9]' "$clog"; then
            why="${why}client reported no resends; "
        fi
        ;;
    rejected-400 | refused)
        [ $crc -eq 1 ] || why="${why}client exit $crc, want 1; "
        [ $src -eq 1 ] || why="${why}server exit $src, want 1; "
        if [ "$expect" = rejected-400 ]; then
            # quic-go: "unexpected status 400"; quince: "the server answered 400"
            grep -Eq 'unexpected status 400|server answered 400' "$clog" || why="${why}client did not report status 400; "
            # quic-go: "datagram support not enabled by the client"; quince: "client has no datagram support"
            grep -Eq 'datagram support not enabled|no datagram support' "$slog" || why="${why}server did not report the missing datagram support; "
        else
            grep -q 'server does not support HTTP datagrams' "$clog" || why="${why}client did not refuse the server; "
        fi
        grep -q 'datagram value=' "$clog" "$slog" && why="${why}datagrams flowed; "
        grep -q 'INFO server closed' "$slog" || why="${why}server did not log 'server closed'; "
        # The server learned of the client's close (H3_NO_ERROR, 0x100) and
        # ended promptly, not at an idle timeout. quic-go: "Application error
        # 0x100 (remote)"; quince: "the peer closed with application code 0x100".
        grep -Eq 'Application error 0x100 \(remote\)|peer closed with application code 0x100' "$slog" ||
            why="${why}server log shows no close with code 0x100 from the client; "
        awk -v a="$after" -v m="$PROMPT_EXIT" 'BEGIN { exit !(a <= m) }' ||
            why="${why}server exited ${after}s after the client (want <= ${PROMPT_EXIT}s): it did not learn of the close promptly; "
        ;;
    esac
    if [ -z "$why" ]; then
        local extra=$secs
        [ "$expect" = ok-resend ] && extra="$secs, $(grep -Eo 'resends=[0-9]+|resent [0-9]+' "$clog" | tail -n 1) client"
        [ "$expect" = rejected-400 ] || [ "$expect" = refused ] && extra="$secs, server exited ${after}s after the client"
        # Not a failure (the CONNECTION_CLOSE may be lost), but worth seeing.
        grep -q 'peer did not close' "$slog" && extra="$extra; note: server saw no close from the client"
        pass "$name" "$extra"
        [ $keep -eq 1 ] || rm -rf "$dir"
    else
        fail "$name" "${why%; } [$secs, logs in $dir]"
        show_tail "client" "$clog"
        show_tail "server" "$slog"
        [ -z "$ppid" ] || show_tail "loss proxy" "$dir/lossproxy.log"
    fi
}

while read -r name client server method count size limit expect net cflags sflags; do
    [ -n "$name" ] || continue
    selected "$name" "$client" "$server" || continue
    run_case "$name" "$client" "$server" "$method" "$count" "$size" "$limit" "$expect" "$net" "$cflags" "$sflags"
done <<<"$CASES"

if [ $failed -eq 0 ] && [ $keep -eq 0 ] && [ -z "${INTEROP_OUT:-}" ]; then
    rm -rf "$OUT"
fi
summary
