#!/usr/bin/env bash
# A stand-in for build/app/quince that runs the quic-go programs behind the
# quince command line, to test run.sh itself (its commands, log checks and
# failure reports) before quince speaks QUIC:
#   QUINCE_BIN=tests/interop/fake-quince.sh tests/interop/run.sh
# FAKE_QUINCE_BREAK=format|sequence|exit|hang makes the fake misbehave, and
# the quince cases must then FAIL. FAKE_QUINCE_0RTT=1: `client --help`
# mentions --0rtt, so the 0rtt cases run (quic-go's 0-RTT behind quince's
# --session/--0rtt), to test run.sh's resume/0rtt runner before quince has it.
set -u
BIN="$(cd "$(dirname "$0")" && pwd)/quicgo/bin"
cmd=${1:-}
shift || true
args=()
if [ "${1:-}" = --help ]; then
    echo "usage: fake-quince.sh $cmd ... (quic-go behind quince's options)"
    [ "${FAKE_QUINCE_0RTT:-0}" = 1 ] && echo "  --session F [--0rtt]"
    exit 0
fi
case "$cmd" in
server)
    serve=1
    while [ $# -gt 0 ]; do
        case "$1" in
        --listen) args+=(-listen "$2"); shift 2 ;;
        --cert) args+=(-cert "$2"); shift 2 ;;
        --key) args+=(-key "$2"); shift 2 ;;
        --count) args+=(-count "$2"); shift 2 ;;
        --one-shot) serve=0; shift ;; # the quic-go server is one-shot by default
        --qlog) shift 2 ;;
        -v) shift ;;
        --no-datagrams) args+=(-no-datagrams); shift ;;
        --drop-every) args+=(-drop-every "$2"); shift 2 ;;
        *) echo "fake-quince: unknown server option $1" >&2; exit 2 ;;
        esac
    done
    [ $serve = 0 ] || args+=(-serve) # like quince without --one-shot
    prog="$BIN/quicgo-server"
    ;;
client)
    [ $# -ge 1 ] || { echo "fake-quince: client needs a URL" >&2; exit 2; }
    args+=(-url "$1")
    shift
    while [ $# -gt 0 ]; do
        case "$1" in
        --ca) args+=(-ca "$2"); shift 2 ;;
        --method) args+=(-method "$2"); shift 2 ;;
        --count) args+=(-count "$2"); shift 2 ;;
        --size) args+=(-size "$2"); shift 2 ;;
        --no-datagrams) args+=(-no-datagrams); shift ;;
        --drop-every) args+=(-drop-every "$2"); shift 2 ;;
        --session) args+=(-session "$2"); shift 2 ;;
        --0rtt) args+=(-0rtt); shift ;;
        --qlog) shift 2 ;;
        -v) shift ;;
        *) echo "fake-quince: unknown client option $1" >&2; exit 2 ;;
        esac
    done
    prog="$BIN/quicgo-client"
    ;;
gencert)
    cert= key=
    while [ $# -gt 0 ]; do
        case "$1" in
        --cert) cert=$2; shift 2 ;;
        --key) key=$2; shift 2 ;;
        --host) shift 2 ;; # always localhost
        *) echo "fake-quince: unknown gencert option $1" >&2; exit 2 ;;
        esac
    done
    exec openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$key" -out "$cert" -days 2 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -addext "extendedKeyUsage=serverAuth"
    ;;
*) echo "usage: fake-quince.sh server|client|gencert ..." >&2; exit 2 ;;
esac

case "${FAKE_QUINCE_BREAK:-}" in
'') exec "$prog" "${args[@]}" ;;
format) "$prog" "${args[@]}" 2>&1 | cut -c 21- ; exit "${PIPESTATUS[0]}" ;;
sequence) "$prog" "${args[@]}" 2>&1 | grep -v 'datagram value=4$' ; exit "${PIPESTATUS[0]}" ;;
exit) "$prog" "${args[@]}"; exit 1 ;;
hang) "$prog" "${args[@]}"; sleep 600 ;;
*) echo "fake-quince: unknown FAKE_QUINCE_BREAK" >&2; exit 2 ;;
esac
