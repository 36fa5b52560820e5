#!/usr/bin/env bash
# Every qlog file of a pair run validates against the qlog 0.3 schema
# (tools/qlog-check): `quince demo --qlog DIR` and QLOGDIR both write one file
# per connection named <odcid>_client.sqlog / <odcid>_server.sqlog.
# usage: check_demo_qlog.sh SOURCE_DIR QUINCE
set -u
src=$1 quince=$2
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0
mkdir "$dir/opt" # env: QLOGDIR names a directory not there yet
"$quince" demo --qlog "$dir/opt" >"$dir/opt.log" 2>&1 || { echo "FAIL quince demo --qlog"; cat "$dir/opt.log"; exit 1; }
QLOGDIR=$dir/env/ "$quince" demo >"$dir/env.log" 2>&1 || { echo "FAIL QLOGDIR quince demo"; cat "$dir/env.log"; exit 1; }
for d in opt env; do
  c=$(ls "$dir/$d" | grep -cE '^[0-9a-f]{16,40}_client\.sqlog$')
  s=$(ls "$dir/$d" | grep -cE '^[0-9a-f]{16,40}_server\.sqlog$')
  if [ "$c" != 1 ] || [ "$s" != 1 ]; then
    echo "FAIL $d: want one <odcid>_client.sqlog and one <odcid>_server.sqlog, got:"; ls "$dir/$d"; fail=1
  elif [ "$(ls "$dir/$d" | sed 's/_.*//' | sort -u | wc -l)" != 1 ]; then
    echo "FAIL $d: client and server files name different ODCIDs:"; ls "$dir/$d"; fail=1
  fi
done
# Secrets: none in a qlog file without a key log; with --keylog, key_updated
# carries the same secrets as the key log (quic-events-04 requires "new").
if grep -h '"name":"security:key_updated"' "$dir"/opt/*.sqlog | grep -Eq '"(new|old)":"[^"]'; then
  echo "FAIL a secret in a qlog file without a key log"; fail=1
fi
mkdir "$dir/kl"
"$quince" demo --qlog "$dir/kl" --keylog "$dir/kl/keys.txt" >"$dir/kl.log" 2>&1 || { echo "FAIL demo --keylog"; fail=1; }
for label_type in CLIENT_HANDSHAKE_TRAFFIC_SECRET:client_handshake_secret \
                  SERVER_TRAFFIC_SECRET_0:server_1rtt_secret; do
  want=$(awk -v l="${label_type%%:*}" '$1 == l {print $3}' "$dir/kl/keys.txt" | head -n 1)
  for f in "$dir"/kl/*.sqlog; do
    grep -q "\"key_type\":\"${label_type#*:}\",\"new\":\"$want\"" "$f" && [ -n "$want" ] ||
      { echo "FAIL $f: ${label_type#*:} is not the key log's ${label_type%%:*}"; fail=1; }
  done
done
# A client/server pair with 1-RTT key updates (RFC 9001 §6) on both sides:
# ku_pair DIR COUNT CLIENT_AFTER SERVER_AFTER KEYLOG_SIDE; the side with the
# smaller --key-update-after starts the updates, the other answers.
ku_pair() {
  local d=$dir/$1 port spid
  mkdir "$d"
  port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$quince" server --listen "127.0.0.1:$port" --one-shot --count "$2" --key-update-after "$4" \
    --qlog "$d" $([ "$5" = server ] && echo --keylog "$d.keys") >"$d-server.log" 2>&1 &
  spid=$!
  sleep 0.3
  "$quince" client "https://localhost:$port/ping-pong" --insecure --count "$2" \
    --key-update-after "$3" --qlog "$d" $([ "$5" = client ] && echo --keylog "$d.keys") \
    >"$d-client.log" 2>&1 || { echo "FAIL key-update pair $1"; cat "$d"-*.log; fail=1; }
  wait $spid
}
ku_pair ku 30 5 7 client
for f in "$dir"/ku/*.sqlog; do
  for k in client server; do
    grep -Eq "\"name\":\"security:key_updated\",\"data\":\{\"key_type\":\"${k}_1rtt_secret\",\"old\":\"[0-9a-f]*\",\"new\":\"[0-9a-f]*\",\"generation\":[1-9][0-9]*,\"trigger\":\"(local|remote)_update\"" "$f" ||
      { echo "FAIL $f: no key_updated of ${k}_1rtt_secret with old, new, a generation and trigger"; fail=1; }
  done
done
# Every generation of both directions (issue 16): the side that writes a key
# log logs each 1-RTT secret as old and new, chained by "quic ku" (RFC 9001
# §6.1) from the key log's traffic secrets; the other, without one, logs the
# same events with the empty hexstring. Here the client starts the update and
# logs the secrets; in ku2 (long enough for 3 PTO to pass between updates,
# §6.5) the server answers each of several and logs them.
python3 "$src/tests/qlog/check_key_chain.py" "$dir/ku.keys" "$dir"/ku/*_client.sqlog || fail=1
python3 "$src/tests/qlog/check_key_chain.py" --empty "$dir"/ku/*_server.sqlog || fail=1
ku_pair ku2 20000 5 7 server
python3 "$src/tests/qlog/check_key_chain.py" --min-gen 2 "$dir/ku2.keys" "$dir"/ku2/*_server.sqlog || fail=1
python3 "$src/tests/qlog/check_key_chain.py" --empty --min-gen 2 "$dir"/ku2/*_client.sqlog || fail=1
"$src/tools/qlog-check/qlog-check.sh" "$dir/opt" "$dir/env" "$dir/ku"
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail=1
# The checker is not a rubber stamp: a free-text trigger (what quince wrote
# before), an unknown event name and a 1-RTT key update without its old or
# new secret are refused.
mkdir "$dir/bad"
f=$(ls "$dir"/opt/*_client.sqlog)
sed 's/"trigger":"clean"/"trigger":"closed by the peer"/' "$f" >"$dir/bad/a_client.sqlog"
sed 's/"name":"transport:packet_sent"/"name":"transport:packet_sent_x"/' "$f" >"$dir/bad/b_client.sqlog"
# a 1-RTT key update without old (or new) is refused too
sed -E 's/"old":"[0-9a-f]*",//' "$dir"/ku/*_server.sqlog >"$dir/bad/c_server.sqlog"
sed -E '/_update"/s/,"new":"[0-9a-f]*"//' "$dir"/ku/*_server.sqlog >"$dir/bad/d_server.sqlog"
for b in "$dir"/bad/*.sqlog; do
  if "$src/tools/qlog-check/qlog-check.sh" "$b" >/dev/null 2>&1; then
    echo "FAIL qlog-check accepted a broken file ($(basename "$b"))"; fail=1
  fi
done
# The events the schema makes us promise are there, in both traces.
for f in "$dir"/opt/*.sqlog; do
  for ev in connectivity:connection_started connectivity:connection_closed \
            transport:parameters_set security:key_updated http:frame_created http:frame_parsed; do
    grep -q "\"name\":\"$ev\"" "$f" || { echo "FAIL $f: no $ev event"; fail=1; }
  done
  grep -q '"reference_time":' "$f" || { echo "FAIL $f: no reference_time"; fail=1; }
  grep -q '"owner":"local"' "$f" && grep -q '"owner":"remote"' "$f" \
    || { echo "FAIL $f: parameters_set of both owners"; fail=1; }
done
exit $fail
