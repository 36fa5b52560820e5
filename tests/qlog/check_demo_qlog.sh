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
if grep -h '"name":"security:key_updated"' "$dir"/opt/*.sqlog | grep -vq '"new":""'; then
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
# A client/server pair with 1-RTT key updates (RFC 9001 §6) on both sides.
mkdir "$dir/ku"
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$quince" server --listen "127.0.0.1:$port" --one-shot --count 30 --key-update-after 5 \
  --qlog "$dir/ku" >"$dir/ku-server.log" 2>&1 &
spid=$!
sleep 0.3
"$quince" client "https://localhost:$port/ping-pong" --insecure --count 30 --key-update-after 7 \
  --qlog "$dir/ku" >"$dir/ku-client.log" 2>&1 || { echo "FAIL key-update pair"; cat "$dir"/ku-*.log; fail=1; }
wait $spid
for f in "$dir"/ku/*.sqlog; do
  for k in client server; do
    grep -Eq "\"name\":\"security:key_updated\",\"data\":\{\"key_type\":\"${k}_1rtt_secret\",\"new\":\"\",\"generation\":[1-9][0-9]*,\"trigger\":\"(local|remote)_update\"" "$f" ||
      { echo "FAIL $f: no key_updated of ${k}_1rtt_secret with a generation and trigger"; fail=1; }
  done
done
"$src/tools/qlog-check/qlog-check.sh" "$dir/opt" "$dir/env" "$dir/ku"
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail=1
# The checker is not a rubber stamp: a free-text trigger (what quince wrote
# before) and an unknown event name are refused.
mkdir "$dir/bad"
f=$(ls "$dir"/opt/*_client.sqlog)
sed 's/"trigger":"clean"/"trigger":"closed by the peer"/' "$f" >"$dir/bad/a_client.sqlog"
sed 's/"name":"transport:packet_sent"/"name":"transport:packet_sent_x"/' "$f" >"$dir/bad/b_client.sqlog"
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
