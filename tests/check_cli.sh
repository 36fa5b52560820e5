#!/bin/sh
# The quince program as a shell sees it (issue 16): exit 2 for usage errors,
# `quince help CMD` with the shared options, and Ctrl-C (SIGINT) or SIGTERM
# making a server close, log "interrupted" and exit 0. Usage: check_cli.sh QUINCE
set -u
Q=$1
fail() { echo "check_cli: $*" >&2; exit 1; }
expect_rc() { # want cmd...
    want=$1; shift
    "$@" >/dev/null 2>&1; rc=$?
    [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, want $want"
}
expect_rc 2 "$Q"
expect_rc 2 "$Q" fly
expect_rc 2 "$Q" client localhost:4433
expect_rc 2 "$Q" client https://nosuchhost.invalid:4433/ping-pong
expect_rc 2 "$Q" server --listen 127.0.0.1
expect_rc 2 "$Q" server --listen=127.0.0.1:0 --retry=yes
expect_rc 2 "$Q" client https://localhost/ --count=0
expect_rc 2 "$Q" server --listen 127.0.0.1:0 --timeout 0
expect_rc 2 "$Q" server --listen 127.0.0.1:0 --timeout=soon
expect_rc 2 "$Q" server --listen 127.0.0.1:0 --timeout 3601
expect_rc 2 "$Q" server --listen 127.0.0.1:0 --timeout
expect_rc 0 "$Q" help client
expect_rc 0 "$Q" server --help
"$Q" help server | grep -q -- '--keylog FILE' || fail "'quince help server' lacks --keylog"
"$Q" help server | grep -q -- '--timeout S' || fail "'quince help server' lacks --timeout"
"$Q" client --help | grep -q 'exit codes: 0 success' || fail "'quince client --help' lacks the exit codes"

for sig in INT TERM; do # Ctrl-C, and a service manager's stop
    log=$(mktemp)
    "$Q" server --listen 127.0.0.1:0 2>"$log" &
    pid=$!
    i=0
    until grep -q 'listening on' "$log"; do
        i=$((i + 1)); [ $i -lt 100 ] || { kill $pid; fail "server did not start"; }
        sleep 0.05
    done
    kill -$sig $pid
    wait $pid; rc=$?
    grep -q 'INFO server: interrupted' "$log" || { cat "$log"; rm -f "$log"; fail "SIG$sig: no 'interrupted' line"; }
    rm -f "$log"
    [ $rc -eq 0 ] || fail "server stopped by SIG$sig exited $rc, want 0"
done
echo "check_cli: ok"
