#!/bin/sh
# Connection migration between two quince programs over loopback (issue 12):
# a server's preferred address (RFC 9000 §9.6) followed by the client, a NAT
# rebinding (--rebind-after: the client's port changes, the connection is not
# told, the server validates the new address, RFC 9000 §9.3) and a deliberate
# migration (--migrate-after, RFC 9000 §9.2); each ping-pong must complete
# and both logs must show the move. Also the usage errors of the switches.
# Usage: check_migration.sh QUINCE
set -u
Q=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() {
    echo "check_migration: $*" >&2
    for f in "$DIR"/*.log; do
        [ -f "$f" ] || continue
        echo "--- $f" >&2
        grep -E 'INFO|WARN|ERROR|path' "$f" | grep -v 'received datagram' | tail -n 12 >&2
    done
    exit 1
}
expect_rc() { # want cmd...
    want=$1; shift
    "$@" >/dev/null 2>&1; rc=$?
    [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, want $want"
}

# Usage errors (exit 2): a preferred address is numeric, of its family, not
# all zeros (that means "none" in the parameter), with a port.
for bad in 0.0.0.0:4433 localhost:4433 127.0.0.1 127.0.0.1:70000 '[::1]:4433' 127.0.0.1:; do
    expect_rc 2 "$Q" server --listen 127.0.0.1:0 --preferred-address "$bad"
done
for bad in ::1:4433 '[::]:4433' '[127.0.0.1]:4433' '[::1]'; do
    expect_rc 2 "$Q" server --listen 127.0.0.1:0 --preferred-address6 "$bad"
done
expect_rc 2 "$Q" client https://localhost:4433/ --rebind-after 0
expect_rc 2 "$Q" client https://localhost:4433/ --rebind-after ten
expect_rc 2 "$Q" client https://localhost:4433/ --preferred-address 127.0.0.1:1
"$Q" help server | grep -q -- '--preferred-address ADDR:PORT' || fail "'quince help server' lacks --preferred-address"
"$Q" help client | grep -q -- '--rebind-after N' || fail "'quince help client' lacks --rebind-after"

# start_server LOG ARGS...: a one-shot server on an ephemeral port; sets
# SPID and PORT.
start_server() {
    log=$1; shift
    "$Q" server --one-shot --count 40 -v "$@" >"$log" 2>&1 &
    SPID=$!
    i=0
    until grep -q 'listening on' "$log" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 200 ] || { kill $SPID 2>/dev/null; fail "server did not start"; }
        kill -0 $SPID 2>/dev/null || fail "server exited at start"
        sleep 0.05
    done
    PORT=$(sed -n 's/.*listening on .*:\([0-9]*\) (HTTP.*/\1/p' "$log" | head -n 1)
}
# run_pair NAME HOST CLIENT-ARGS...: the client against the server of
# start_server; both must exit 0 with the ping-pong done.
run_pair() {
    name=$1 host=$2; shift 2
    timeout 30 "$Q" client "https://$host:$PORT/ping-pong" --insecure --count 40 -v "$@" \
        >"$DIR/$name-client.log" 2>&1
    crc=$?
    i=0
    while kill -0 $SPID 2>/dev/null && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
    kill $SPID 2>/dev/null
    wait $SPID; src=$?
    [ $crc -eq 0 ] || fail "$name: client exited $crc"
    [ $src -eq 0 ] || fail "$name: server exited $src"
    grep -q 'INFO client: received final datagram, exiting' "$DIR/$name-client.log" ||
        fail "$name: the client's ping-pong did not finish"
    grep -q 'INFO server: sent final datagram, exiting' "$DIR/$name-server.log" ||
        fail "$name: the server's ping-pong did not finish"
}

# 1. The server's preferred address: the client validates it from a second
# socket, moves, and the server sees the connection on that address.
start_server "$DIR/pref-server.log" --listen 127.0.0.1:0 --preferred-address 127.0.0.1:0
PREF=$(sed -n 's/.*preferred address \(127.0.0.1:[0-9]*\) offered.*/\1/p' "$DIR/pref-server.log")
[ -n "$PREF" ] || fail "pref: the server did not say its preferred address"
[ "$PREF" != "127.0.0.1:$PORT" ] || fail "pref: the preferred address is the listening one"
run_pair pref localhost
grep -q "INFO client: moved to the server's preferred address $PREF (path validated" \
    "$DIR/pref-client.log" || fail "pref: the client did not move to $PREF"
grep -Eq "INFO server: client .* moved to .*our preferred address $PREF \(path validated\)" \
    "$DIR/pref-server.log" || fail "pref: the server did not see the client move to $PREF"
grep -q 'DEBUG server: path: validated' "$DIR/pref-server.log" || fail "pref: no path validation on the server"
# The client read its first socket a while after the move: what the server
# sent there before it validated the new port arrived, nothing was resent.
grep -q 'client: resent' "$DIR/pref-client.log" && fail "pref: the client resent values across the move"

# 2. NAT rebinding: a new client port the connection does not know about;
# the server validates it (PATH_CHALLENGE answered from the new port).
start_server "$DIR/rebind-server.log" --listen 127.0.0.1:0
run_pair rebind localhost --rebind-after 10
NEW=$(sed -n 's/.*INFO client: rebound from .* to 0\.0\.0\.0:\([0-9]*\) after 10 rounds.*/\1/p' "$DIR/rebind-client.log")
[ -n "$NEW" ] || fail "rebind: the client did not rebind"
grep -Eq "INFO server: client 127.0.0.1:[0-9]+ moved to 127.0.0.1:$NEW \(path validated\)" \
    "$DIR/rebind-server.log" || fail "rebind: the server did not validate and follow port $NEW"
grep -q 'DEBUG client:   <- PATH_CHALLENGE' "$DIR/rebind-client.log" || fail "rebind: no PATH_CHALLENGE reached the client"
grep -q 'path: migrated' "$DIR/rebind-client.log" && fail "rebind: the client's connection was told (path: migrated)"

# 3. A deliberate migration, for comparison: the connection is told.
start_server "$DIR/migrate-server.log" --listen 127.0.0.1:0
run_pair migrate localhost --migrate-after 10
NEW=$(sed -n 's/.*INFO client: migrated from .* to 0\.0\.0\.0:\([0-9]*\) after 10 rounds.*/\1/p' "$DIR/migrate-client.log")
[ -n "$NEW" ] || fail "migrate: the client did not migrate"
grep -Eq "INFO server: client 127.0.0.1:[0-9]+ moved to 127.0.0.1:$NEW \(path validated\)" \
    "$DIR/migrate-server.log" || fail "migrate: the server did not follow port $NEW"
grep -q 'client: resent' "$DIR/migrate-client.log" && fail "migrate: the client resent values across the move"

# 4. The IPv6 preferred address, where the machine has ::1.
if "$Q" server --listen '[::1]:0' --one-shot >"$DIR/v6probe.log" 2>&1 & then
    p=$!; sleep 0.2; kill $p 2>/dev/null; wait $p
fi
if grep -q 'listening on' "$DIR/v6probe.log"; then
    start_server "$DIR/pref6-server.log" --listen '[::1]:0' --preferred-address6 '[::1]:0'
    PREF=$(sed -n 's/.*preferred address \(\[::1\]:[0-9]*\) offered.*/\1/p' "$DIR/pref6-server.log")
    [ -n "$PREF" ] || fail "pref6: the server did not say its preferred address"
    run_pair pref6 '[::1]'
    grep -Fq "INFO client: moved to the server's preferred address $PREF (path validated" \
        "$DIR/pref6-client.log" || fail "pref6: the client did not move to $PREF"
else
    echo "check_migration: no ::1 here, IPv6 preferred address not checked"
fi
rm -f "$DIR"/v6probe.log
echo "check_migration: ok"
