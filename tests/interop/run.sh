#!/usr/bin/env bash
# The interop matrix: quince against quic-go, aioquic and ngtcp2, in both roles
# (see README.md here).
#
# usage: tests/interop/run.sh [--client IMPL] [--server IMPL] [--peer IMPL]
#                             [--keep] [--list] [CASE...]
#   IMPL   quicgo, aioquic, ngtcp2 or quince: --client/--server run only the
#          cases where that implementation plays that role, --peer only the
#          cases where it plays either (default: every case in the table)
#   CASE   run only the cases whose name matches one of these shell patterns
#   --keep keep the logs of passing cases too (failing ones are always kept)
#   --list print the case table and exit
# environment:
#   QUINCE_BIN   the quince program (default: build/app/quince in the repository)
#   GO           the go command (default: go)
#   INTEROP_OUT  folder for certificates, logs and matrix.md (default: a new
#                temporary folder, removed when nothing failed)
#   QUINCE_INTEROP_SKIP=1  a peer that cannot be installed or built (Go,
#                aioquic from PyPI, Debian's ngtcp2), a missing quince program
#                or tool, or patterns that match no case, are SKIPs instead of
#                failures (CI never sets it: interop cannot pass by not running)
#   QUINCE_INTEROP_NO_INSTALL=1  install no peer (see setup-peers.sh)
#
# Prints one "PASS|FAIL|XFAIL|SKIP name ..." line per case, the matrix (peer x
# role x case) also written to $INTEROP_OUT/matrix.md, and a closing
# "interop: N passed, N failed" line (with expected failures and skips when
# there are any). A case in XFAILS that passes is a FAIL (XPASS). Exit status:
# 0 when nothing failed, 1 when a case failed or could not run, 2 on a usage
# error.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QGO="$HERE/quicgo"
BIN="$QGO/bin"
AIOQUIC_PP="$HERE/aioquic/pingpong.py"
QUINCE_BIN=${QUINCE_BIN:-$ROOT/build/app/quince}
GO=${GO:-go}
SERVER_GRACE=10
# A peer that is refused (or closed) must see it promptly: its server exits
# within this many seconds after the client (quicgo-server waits 2 s for the
# end of the handler; an unheard close would last until an idle timeout).
PROMPT_EXIT=5
SKIP_OK=${QUINCE_INTEROP_SKIP:-0}
PEERS="quicgo aioquic ngtcp2"

# The case table. Columns:
#   name client server method count size time-limit(s) expect net client-flags server-flags [proofs]
# name: CLIENT-SERVER-CASE; the matrix has one row per CASE.
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
#   ngtcp2 (its examples have no HTTP datagrams; gtlsserver never exits and
#   is stopped once the client is done):
#         h3-404        ngtcp2 client GETs /index.html from quince: the
#                       handshake completes, the response is 404 with quince's
#                       body (a whole HTTP/3 response: HEADERS, DATA, FIN), the
#                       client closes with 0x100 and the quince server exits 1
#                       (no ping-pong) within PROMPT_EXIT s
#         h3-400        the same for GET /ping-pong: quince refuses a client
#                       without H3_DATAGRAM with 400 "datagram support not
#                       enabled"; both sides log it
#         refused-ng    quince client against gtlsserver: the handshake
#                       completes, quince refuses the server's SETTINGS
#                       (no H3_DATAGRAM, exit 1) and gtlsserver logs the
#                       CONNECTION_CLOSE it received
#   resume, 0rtt (any implementations): the client twice against one serving server with one
#         session file, the second run resumed (0rtt: its request in 0-RTT);
#         see "Resumption and 0-RTT" below (f~ proofs: the first run's log)
# net: direct, or lossN: through quicgo-lossproxy dropping N% of the UDP
#   datagrams each way (handshake included)
# flags (commas for spaces, - for none): test switches, in the syntax of the
#   implementation in that role (quic-go: -no-datagrams -drop-every N
#   -resend D; aioquic: the same and -cipher C -key-update-after N -version V
#   -retry; quince: --no-datagrams --drop-every N --retry -v; ngtcp2: its own
#   options, e.g. --ciphers=... --groups=... -V --key-update=D).
# proofs (optional; ; between several): what must also be in a log, so that
#   a case proves its feature happened: c~REGEX (client log), s~REGEX (server
#   log), c!REGEX / s!REGEX (must not be there); no spaces (use .);
#   resume/0rtt cases also f~ / f! (the first client run) and ?X~REGEX
#   (checked only once quince has 0-RTT).
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
aioquic-aioquic-get        aioquic aioquic GET         10   8    20  ok           direct -  -
quince-aioquic-get         quince  aioquic GET         10   8    20  ok           direct -  -
aioquic-quince-get         aioquic quince  GET         10   8    20  ok           direct -  -
quince-aioquic-connect     quince  aioquic CONNECT     10   8    20  ok           direct -  -
aioquic-quince-connect     aioquic quince  CONNECT     10   8    20  ok           direct -  -
quince-aioquic-connect-ext quince  aioquic CONNECT-EXT 10   8    20  ok           direct -  -
aioquic-quince-connect-ext aioquic quince  CONNECT-EXT 10   8    20  ok           direct -  -
quince-aioquic-long        quince  aioquic GET         4000 1000 120 ok           direct -  -
aioquic-quince-long        aioquic quince  GET         4000 1000 120 ok           direct -  -
quince-aioquic-loss        quince  aioquic GET         40   100  60  ok           loss10 -  -
aioquic-quince-loss        aioquic quince  GET         40   100  60  ok           loss10 -  -
quince-aioquic-drop        quince  aioquic GET         40   100  60  ok-resend    direct --drop-every,7 -drop-every,5,-resend,300ms
aioquic-quince-drop        aioquic quince  GET         40   100  60  ok-resend    direct -drop-every,7,-resend,200ms --drop-every,5
quince-aioquic-no-dgram-c  quince  aioquic GET         10   8    20  rejected-400 direct --no-datagrams -
aioquic-quince-no-dgram-c  aioquic quince  GET         10   8    20  rejected-400 direct -no-datagrams -
quince-aioquic-no-dgram-s  quince  aioquic GET         10   8    20  refused      direct -  -no-datagrams
aioquic-quince-no-dgram-s  aioquic quince  GET         10   8    20  refused      direct -  --no-datagrams
quince-aioquic-chacha20    quince  aioquic GET         10   8    20  ok           direct -  -cipher,CHACHA20 s~connected.*cipher=CHACHA20_POLY1305_SHA256
aioquic-quince-chacha20    aioquic quince  GET         10   8    20  ok           direct -cipher,CHACHA20 - c~connected.*cipher=CHACHA20_POLY1305_SHA256
quince-aioquic-aes256      quince  aioquic GET         10   8    20  ok           direct -  -cipher,AES256 s~connected.*cipher=AES_256_GCM_SHA384
aioquic-quince-aes256      aioquic quince  GET         10   8    20  ok           direct -cipher,AES256 - c~connected.*cipher=AES_256_GCM_SHA384
quince-aioquic-ecn         quince  aioquic GET         40   100  60  ok           direct -v - c~ecn:.validation.failed..ACK.without.ECN.counts
aioquic-quince-ecn         aioquic quince  GET         40   100  60  ok           direct - -v s~ecn:.validation.failed..ACK.without.ECN.counts
quince-aioquic-retry       quince  aioquic GET         10   8    20  ok           direct -v -retry c~client:.retry:.new.DCID
aioquic-quince-retry       aioquic quince  GET         10   8    20  ok           direct -  --retry c~client:.received.Retry
aioquic-quince-vn          aioquic quince  GET         10   8    20  ok           direct -version,1a2a3a4a - c~received.Version.Negotiation.versions=.*0x00000001;c~connected.*version=0x1$
quince-aioquic-v2          quince  aioquic GET         10   8    20  ok           direct --quic-version,2,-v - c~handshake.complete:.QUIC.version.0x6b3343cf;s~connected.*version=0x6b3343cf
aioquic-quince-v2          aioquic quince  GET         10   8    20  ok           direct -version,6b3343cf -v c~connected.*version=0x6b3343cf;s~handshake.complete:.QUIC.version.0x6b3343cf
aioquic-quince-v2-upgrade  aioquic quince  GET         10   8    20  ok           direct - --quic-version,2+1,-v s~version:.0x00000001.->.0x6b3343cf;c~connected.*version=0x6b3343cf
quince-aioquic-key-update-peer quince aioquic GET       10   8    20  ok           direct -v -key-update-after,5 s~stats.*key_phase=1;c~1-RTT.keys.updated,.key.phase.1
aioquic-quince-key-update-peer aioquic quince GET       10   8    20  ok           direct -key-update-after,4 -v c~stats.*key_phase=1;s~1-RTT.keys.updated,.key.phase.1
quicgo-quince-retry       quicgo quince GET         10   8    20  ok           direct -  --retry
quince-quicgo-retry       quince quicgo GET         10   8    20  ok           direct -v -retry c~client:.retry:.new.DCID
quicgo-quince-vn          quicgo quince GET         10   8    20  ok           direct -version,v2 --quic-version,1 c~connected.*version=v1
quince-quicgo-v2          quince quicgo GET         10   8    20  ok           direct --quic-version,2,-v - c~handshake.complete:.QUIC.version.0x6b3343cf
quicgo-quince-v2          quicgo quince GET         10   8    20  ok           direct -version,v2 -v c~connected.*version=v2;s~handshake.complete:.QUIC.version.0x6b3343cf
quince-quicgo-key-update-quince  quince quicgo GET    10   8    20  ok           direct --key-update-after,4,-v - c~keys.updated,.key.phase.1
quicgo-quince-key-update-quince  quicgo quince GET    10   8    20  ok           direct - --key-update-after,4,-v s~keys.updated,.key.phase.1
quince-quicgo-ecn         quince quicgo GET         40   100  60  ok           direct -v - c~ecn:.path.validated,.marking.ECT
quicgo-quince-ecn         quicgo quince GET         40   100  60  ok           direct - -v s~ecn:.path.validated,.marking.ECT
quince-aioquic-key-update-quince quince aioquic GET   10   8    20  ok           direct --key-update-after,4,-v - c~keys.updated,.key.phase.1
aioquic-quince-key-update-quince aioquic quince GET   10   8    20  ok           direct - --key-update-after,4,-v s~keys.updated,.key.phase.1
ngtcp2-quince-key-update-quince  ngtcp2 quince GET    -    -    20  h3-404       direct --delay-stream=200ms --key-update-after,2,-v c~pkt.rx.*type=1RTT.k=1;s~keys.updated,.key.phase.1
ngtcp2-quince-h3-get       ngtcp2  quince  GET         -    -    20  h3-404       direct -  -
ngtcp2-quince-no-dgram-c   ngtcp2  quince  GET         -    -    20  h3-400       direct -  -
quince-ngtcp2-no-dgram-s   quince  ngtcp2  GET         10   8    20  refused-ng   direct -  -
ngtcp2-quince-retry        ngtcp2  quince  GET         -    -    20  h3-404       direct -  --retry c~type=Retry
quince-ngtcp2-retry        quince  ngtcp2  GET         10   8    20  refused-ng   direct -v -V c~client:.retry:.new.DCID;s~Sending.Retry.packet;s~Verifying.Retry.token
ngtcp2-quince-vn           ngtcp2  quince  GET         -    -    20  h3-404       direct -v,0x1a2a3a4a,--preferred-versions=v1 - c~type=VN;c~VN.v=0x00000001
ngtcp2-quince-chacha20     ngtcp2  quince  GET         -    -    20  h3-404       direct --ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305 -
quince-ngtcp2-chacha20     quince  ngtcp2  GET         10   8    20  refused-ng   direct -  --ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305
ngtcp2-quince-aes256       ngtcp2  quince  GET         -    -    20  h3-404       direct --ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM -
quince-ngtcp2-aes256       quince  ngtcp2  GET         10   8    20  refused-ng   direct -  --ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM
ngtcp2-quince-hrr          ngtcp2  quince  GET         -    -    20  h3-404       direct --groups=-GROUP-ALL:+GROUP-SECP521R1:+GROUP-SECP384R1 -v s~HelloRetryRequest.for.group.0x0018
quince-ngtcp2-hrr          quince  ngtcp2  GET         10   8    20  refused-ng   direct -  --groups=-GROUP-ALL:+GROUP-SECP384R1 s~frm.rx.[0-9]+.Initial.CRYPTO.0x06..offset=[1-9]
ngtcp2-quince-key-update-peer ngtcp2 quince GET        -    -    20  h3-404       direct --key-update=100ms,--delay-stream=300ms -v c~pkt.tx.*type=1RTT.k=1;s~1-RTT.keys.updated,.key.phase.1
ngtcp2-quince-nat-rebinding ngtcp2 quince  GET         -    -    20  h3-404       direct --change-local-addr=100ms,--nat-rebinding,--delay-stream=1500ms -v c~Changing.local.address;c~frm.rx.*PATH_CHALLENGE;s~path:.validated
ngtcp2-quince-migration    ngtcp2  quince  GET         -    -    20  h3-404       direct --change-local-addr=100ms,--delay-stream=1500ms -v c~Changing.local.address;c!initiate_immediate_migration:.ERR_INVALID_STATE;s~path:.validated
quicgo-quince-migration    quicgo  quince  GET         20000 100 60  ok           direct -migrate-after,50ms -v c~client:.migrated;s~path:.validated
quince-quicgo-migration    quince  quicgo  GET         40   100  60  ok           direct --migrate-after,10,-v - c~client:.migrated.from;c~path:.migrated
quince-aioquic-migration   quince  aioquic GET         40   100  60  ok           direct --migrate-after,10,-v - c~client:.migrated.from;c~path:.migrated
quince-quicgo-nat-rebinding quince quicgo GET         40   100  60  ok           direct --rebind-after,10,-v - c~client:.rebound.from;c~<-.PATH_CHALLENGE;c!path:.migrated
quince-aioquic-nat-rebinding quince aioquic GET        40   100  60  ok           direct --rebind-after,10,-v - c~client:.rebound.from;c~<-.PATH_CHALLENGE;c!path:.migrated
ngtcp2-quince-preferred-address ngtcp2 quince GET      -    -    20  h3-404       direct --delay-stream=1500ms --preferred-address,127.0.0.1:0,-v c~selected.server.preferred_address;c~frm.rx.*PATH_RESPONSE;s~moved.to.*our.preferred.address.*path.validated
quicgo-quince-preferred-address quicgo quince GET      40   100  60  ok           direct - --preferred-address,127.0.0.1:0,-v s~moved.to.*our.preferred.address.*path.validated
aioquic-quince-preferred-address aioquic quince GET    40   100  60  ok           direct - --preferred-address,127.0.0.1:0,-v s~moved.to.*our.preferred.address.*path.validated
quince-quicgo-resume       quince  quicgo  GET         10   8    20  resume       direct -  -  f~client:.full.handshake;c~client:.session.resumed;s~server:.session.resumed
quicgo-quince-resume       quicgo  quince  GET         10   8    20  resume       direct -  -v f~client:.full.handshake;c~client:.session.resumed;s~handshake.complete.alpn=h3$;s~handshake.complete.alpn=h3.\(resumed\);?s~server:.session.resumed
quince-aioquic-resume      quince  aioquic GET         10   8    20  resume       direct -  -  f~client:.full.handshake;c~client:.session.resumed;s~server:.session.resumed
aioquic-quince-resume      aioquic quince  GET         10   8    20  resume       direct -  -v f~client:.full.handshake;c~client:.session.resumed;s~handshake.complete.alpn=h3$;s~handshake.complete.alpn=h3.\(resumed\);?s~server:.session.resumed
ngtcp2-quince-resume       ngtcp2  quince  GET         -    -    20  resume       direct -  -v f~rx.*Handshake.CRYPTO.*offset=0.len=([3-9][0-9]{2}|[0-9]{4,})$;c~rx.*Handshake.CRYPTO.*offset=0.len=([0-9]{1,2}|[12][0-9]{2})$;s~handshake.complete.alpn=h3$;s~handshake.complete.alpn=h3.\(resumed\);?s~server:.session.resumed
quicgo-quicgo-resume       quicgo  quicgo  GET         10   8    20  resume       direct -  -  f~client:.full.handshake;c~client:.session.resumed;s~server:.session.resumed
aioquic-aioquic-resume     aioquic aioquic GET         10   8    20  resume       direct -  -  f~client:.full.handshake;c~client:.session.resumed;s~server:.session.resumed
quince-quicgo-0rtt         quince  quicgo  GET         10   8    20  0rtt         direct -  -  f~client:.full.handshake;c~client:.session.resumed;c~client:.0-RTT.accepted;s~server:.0-RTT.accepted
quicgo-quince-0rtt         quicgo  quince  GET         10   8    20  0rtt         direct -  -v f~client:.full.handshake;c~client:.session.resumed;c~client:.0-RTT.accepted;s~server:.session.resumed;s~server:.0-RTT.accepted
quince-aioquic-0rtt        quince  aioquic GET         10   8    20  0rtt         direct -  -  f~client:.full.handshake;c~client:.session.resumed;c~client:.0-RTT.accepted;s~server:.0-RTT.accepted
aioquic-quince-0rtt        aioquic quince  GET         10   8    20  0rtt         direct -  -v f~client:.full.handshake;c~client:.session.resumed;c~client:.0-RTT.accepted;s~server:.session.resumed;s~server:.0-RTT.accepted
ngtcp2-quince-0rtt         ngtcp2  quince  GET         -    -    20  0rtt         direct -  -v f!type=0RTT;c~pkt.tx.*type=0RTT;c!Early.data.was.rejected;s~server:.session.resumed;s~server:.0-RTT.accepted
quicgo-quicgo-0rtt         quicgo  quicgo  GET         10   8    20  0rtt         direct -  -  f~client:.full.handshake;c~client:.session.resumed;c~client:.0-RTT.accepted;s~server:.0-RTT.accepted
aioquic-aioquic-0rtt       aioquic aioquic GET         10   8    20  0rtt         direct -  -  f~client:.full.handshake;c~client:.session.resumed;c~client:.0-RTT.accepted;s~server:.0-RTT.accepted
'

# Expected failures: name, then the reason (the RFC rule the peer breaks, or
# a quince feature that is not there yet). A listed case that fails is XFAIL;
# one that passes is a FAIL (XPASS): the entry must go.
XFAILS='
quicgo-quince-preferred-address quic-go v0.65.0 does not use a server'"'"'s preferred_address (connection.go: "We don'"'"'t support connection migration yet, so we don'"'"'t have any use for the preferred_address"; it only retires its CID); RFC 9000 §9.6.1: a client SHOULD validate and move to it
'

# Matrix rows that are not cases: name, then why they cannot run.
NOT_RUN='
quince-aioquic-vn              n/a: quince clients speak only QUIC v1 and v2, which aioquic speaks too: nothing to negotiate
quince-ngtcp2-vn               n/a: quince clients speak only QUIC v1 and v2, which gtlsserver speaks too: nothing to negotiate
quince-aioquic-v2-upgrade      n/a: aioquic'"'"'s server follows the order of the client'"'"'s Available Versions, and a quince client lists its first flight'"'"'s version first
quince-quicgo-v2-upgrade       n/a: quic-go sends no version_information, so there is no compatible negotiation (RFC 9368 §2.3) with it
quicgo-quince-v2-upgrade       n/a: quic-go sends no version_information, so there is no compatible negotiation (RFC 9368 §2.3) with it
quince-ngtcp2-key-update-peer  n/a: gtlsserver has no option to start a key update
ngtcp2-quince-ping-pong        n/a: the ngtcp2 examples have no HTTP datagrams (RFC 9297): no GET/CONNECT ping-pong, loss or 2,000-round cases
quince-ngtcp2-ping-pong        n/a: the ngtcp2 examples have no HTTP datagrams (RFC 9297): no GET/CONNECT ping-pong, loss or 2,000-round cases
quince-quicgo-chacha20         n/a: Go'"'"'s crypto/tls does not let a program choose TLS 1.3 cipher suites
quicgo-quince-chacha20         n/a: Go'"'"'s crypto/tls does not let a program choose TLS 1.3 cipher suites
quince-quicgo-aes256           n/a: Go'"'"'s crypto/tls does not let a program choose TLS 1.3 cipher suites
quicgo-quince-aes256           n/a: Go'"'"'s crypto/tls does not let a program choose TLS 1.3 cipher suites
quince-quicgo-key-update-peer  n/a: quic-go has no API to start a key update
quicgo-quince-key-update-peer  n/a: quic-go has no API to start a key update
quince-quicgo-vn               n/a: quince clients speak only QUIC v1 and v2, which quic-go speaks too: nothing to negotiate
quicgo-quince-hrr              n/a: Go'"'"'s crypto/tls sent key shares quince accepts for every group order tried (P-521 first, then P-256 or P-384), so no HelloRetryRequest
aioquic-quince-hrr             n/a: aioquic 1.7.2 has no setting for its key share groups
quince-aioquic-hrr             n/a: aioquic 1.7.2 has no setting for its key share groups
aioquic-quince-migration       n/a: pingpong.py has no switch to move to a new port
quince-ngtcp2-key-update-quince  n/a: quince refuses gtlsserver'"'"'s SETTINGS (no H3_DATAGRAM) before the handshake is confirmed, and no key update may start before that (RFC 9001 §6)
quince-ngtcp2-nat-rebinding    n/a: quince refuses gtlsserver'"'"'s SETTINGS (no H3_DATAGRAM) before any round, so --rebind-after never comes
quince-ngtcp2-preferred-address n/a: quince refuses gtlsserver'"'"'s SETTINGS (no H3_DATAGRAM) in the handshake, before it may probe the --preferred-ipv4-addr address (once the handshake is confirmed, RFC 9000 §9.6.1)
quince-quicgo-preferred-address n/a: quic-go v0.65.0 servers offer no preferred_address (conn_id_generator.go: "We currently don'"'"'t send the preferred_address")
quince-aioquic-preferred-address n/a: aioquic 1.7.2 servers offer no preferred_address (its configuration has no setting for one)
quicgo-quince-nat-rebinding    n/a: quicgo-client has no switch to change its port without telling the connection
aioquic-quince-nat-rebinding   n/a: pingpong.py has no switch to change its port without telling the connection
quince-ngtcp2-migration        n/a: quince refuses gtlsserver'"'"'s SETTINGS (no H3_DATAGRAM) before any round, so --migrate-after never comes
quince-ngtcp2-resume           n/a: quince refuses gtlsserver'"'"'s SETTINGS (no H3_DATAGRAM), and a refused connection stores no session worth resuming
quince-ngtcp2-0rtt             n/a: quince refuses gtlsserver'"'"'s SETTINGS (no H3_DATAGRAM), so there is no ping-pong to send early
'

usage() {
    sed -n '4,29p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

want_client= want_server= want_peer= keep=0 patterns=()
while [ $# -gt 0 ]; do
    case "$1" in
    --client) [ $# -ge 2 ] || usage; want_client=$2; shift 2 ;;
    --server) [ $# -ge 2 ] || usage; want_server=$2; shift 2 ;;
    --peer) [ $# -ge 2 ] || usage; want_peer=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --list) printf '%s\n' "$CASES" | sed '/^$/d'; exit 0 ;;
    -h|--help) usage ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) patterns+=("$1"); shift ;;
    esac
done
for impl in "$want_client" "$want_server" "$want_peer"; do
    case "$impl" in ''|quicgo|quince|aioquic|ngtcp2) ;; *) echo "run.sh: unknown implementation '$impl'" >&2; usage ;; esac
done

selected() { # name client server
    [ -z "$want_client" ] || [ "$want_client" = "$2" ] || return 1
    [ -z "$want_server" ] || [ "$want_server" = "$3" ] || return 1
    [ -z "$want_peer" ] || [ "$want_peer" = "$2" ] || [ "$want_peer" = "$3" ] || return 1
    [ ${#patterns[@]} -eq 0 ] && return 0
    local p
    for p in "${patterns[@]}"; do
        # shellcheck disable=SC2053
        [[ $1 == $p ]] && return 0
    done
    return 1
}

xfail_reason() { # name -> the reason, or nothing
    printf '%s\n' "$XFAILS" | awk -v n="$1" '$1 == n { sub(/^[^ ]+ +/, ""); print; exit }'
}

passed=0 failed=0 skipped=0 xfailed=0
RESULTS=() # "name<TAB>STATUS<TAB>note" for the matrix
record() { RESULTS+=("$1"$'\t'"$2"$'\t'"$3"); }
pass() { passed=$((passed + 1)); echo "PASS $1${2:+ ($2)}"; record "$1" PASS "${2:-}"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; record "$1" FAIL "$2"; }
skip() { skipped=$((skipped + 1)); echo "SKIP $1: $2"; record "$1" SKIP "$2"; }
xfail() { xfailed=$((xfailed + 1)); echo "XFAIL $1: $2"; record "$1" XFAIL "$2"; }
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
    [ "$xfailed" -eq 0 ] || echo "interop: $xfailed expected failures (XFAIL)"
    echo "interop: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

# --- Which cases -------------------------------------------------------------
n_selected=0 uses_quicgo=0 uses_aioquic=0 uses_ngtcp2=0 uses_quince=0
while read -r name client server method count size limit expect net _; do
    [ -n "$name" ] || continue
    selected "$name" "$client" "$server" || continue
    n_selected=$((n_selected + 1))
    for impl in "$client" "$server"; do
        case "$impl" in
        quicgo) uses_quicgo=1 ;; aioquic) uses_aioquic=1 ;; ngtcp2) uses_ngtcp2=1 ;; quince) uses_quince=1 ;;
        esac
    done
    [ "$net" = direct ] || uses_quicgo=1 # the loss proxy is a quic-go program
done <<<"$CASES"
if [ "$n_selected" -eq 0 ]; then
    echo "interop: no case matches${patterns[*]:+ '${patterns[*]}'}${want_client:+ --client $want_client}${want_server:+ --server $want_server}${want_peer:+ --peer $want_peer} (run.sh --list shows them)" >&2
    if [ "$SKIP_OK" = 1 ]; then
        echo "interop: nothing to run (QUINCE_INTEROP_SKIP=1)"
        exit 0
    fi
    echo "interop: 0 passed, 1 failed"
    exit 1
fi

# --- What is available -------------------------------------------------------
# Each is empty when usable, else why not; a case needing it cannot run.
declare -A missing=([quicgo]= [aioquic]= [ngtcp2]= [quince]= [lossproxy]=)
global_missing=
if [ ! -x "$QUINCE_BIN" ] && ! command -v openssl >/dev/null 2>&1; then
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
peer_note() { # peer reason: one visible line per peer that cannot run
    if [ "$SKIP_OK" = 1 ]; then echo "SKIP peer $1: $2"; else echo "FAIL peer $1: $2"; fi
}
if [ $uses_quicgo -eq 1 ]; then
    if ! command -v "$GO" >/dev/null 2>&1; then
        missing[quicgo]="Go not installed ('$GO' not found)"
    else
        echo "interop: building quic-go programs into ${BIN#"$ROOT"/}"
        if ! build_log=$(cd "$QGO" && "$GO" build -o "$BIN/" ./cmd/... 2>&1); then
            missing[quicgo]="build failed: $(printf '%s' "$build_log" | tail -n 3 | tr '\n' ' ')"
        fi
    fi
    missing[lossproxy]=${missing[quicgo]:+"the loss proxy is a quic-go program: ${missing[quicgo]}"}
    [ -z "${missing[quicgo]}" ] || peer_note quicgo "${missing[quicgo]}"
fi
if [ $uses_aioquic -eq 1 ]; then
    echo "interop: setting up aioquic ($(sed -n 's/^aioquic==//p' "$HERE/aioquic/requirements.txt"), Python venv)"
    setup_log=$(mktemp)
    if AIOQUIC_PY=$("$HERE/setup-peers.sh" aioquic 2>"$setup_log"); then
        :
    else
        missing[aioquic]=$AIOQUIC_PY
        tail -n 5 "$setup_log" | sed 's/^/    | /'
        peer_note aioquic "${missing[aioquic]}"
    fi
    rm -f "$setup_log"
fi
if [ $uses_ngtcp2 -eq 1 ]; then
    setup_log=$(mktemp)
    if ng=$("$HERE/setup-peers.sh" ngtcp2 2>"$setup_log"); then
        NG_CLIENT=${ng% *} NG_SERVER=${ng#* }
        echo "interop: ngtcp2 examples: $NG_CLIENT, $NG_SERVER ($(dpkg-query -W -f='${Version}' ngtcp2-client 2>/dev/null || echo '?'))"
    else
        missing[ngtcp2]=$ng
        tail -n 5 "$setup_log" | sed 's/^/    | /'
        peer_note ngtcp2 "${missing[ngtcp2]}"
    fi
    rm -f "$setup_log"
fi
if [ $uses_quince -eq 1 ] && [ ! -x "$QUINCE_BIN" ]; then
    missing[quince]="quince program not found ($QUINCE_BIN; set QUINCE_BIN or build the app target)"
fi

OUT=${INTEROP_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/quince-interop.XXXXXX")}
mkdir -p "$OUT"
CERT="$OUT/cert.pem" KEY="$OUT/key.pem"
# ECDSA P-256, SAN DNS:localhost + IP:127.0.0.1: from `quince gencert` when quince is
# built (every stack must accept it), else from the openssl command.
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
    for i in $(seq 1 200); do
        ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && return
        kill -0 "$2" 2>/dev/null || return
        sleep 0.05
    done
}

server_cmd() { # impl port count limit flags dir -> SCMD
    case "$1" in
    quicgo)
        SCMD=("$BIN/quicgo-server" -listen "127.0.0.1:$2" -cert "$CERT" -key "$KEY" -count "$3" -timeout "${4}s")
        ;;
    aioquic)
        SCMD=("$AIOQUIC_PY" "$AIOQUIC_PP" server -listen "127.0.0.1:$2" -cert "$CERT" -key "$KEY" -count "$3" -timeout "${4}s")
        ;;
    ngtcp2)
        # Serves files from the case folder (there are none: 404s); stays up
        # until stopped. Idle timeout 5 s.
        SCMD=("$NG_SERVER" --no-quic-dump --no-http-dump --timeout=5s -d "$6" 127.0.0.1 "$2" "$KEY" "$CERT")
        ;;
    quince)
        # --one-shot: like the quic-go server, exit after the first ping-pong.
        SCMD=("$QUINCE_BIN" server --listen "127.0.0.1:$2" --cert "$CERT" --key "$KEY" --one-shot
            --qlog "$6/qlog")
        # The quince server plays to 10 by default; other counts need --count.
        [ "$3" = 10 ] || [ "$3" = - ] || SCMD+=(--count "$3")
        ;;
    esac
    # shellcheck disable=SC2206
    [ -z "$5" ] || SCMD+=($5)
}

client_cmd() { # impl port method count size limit flags expect dir -> CCMD
    local url="https://localhost:$2/ping-pong"
    case "$1" in
    quicgo)
        CCMD=("$BIN/quicgo-client" -url "$url" -ca "$CERT" -method "$3" -count "$4" -size "$5" -timeout "${6}s")
        ;;
    aioquic)
        CCMD=("$AIOQUIC_PY" "$AIOQUIC_PP" client -url "$url" -ca "$CERT" -method "$3" -count "$4" -size "$5" -timeout "${6}s")
        ;;
    ngtcp2)
        # h3-404: a path quince does not serve; h3-400: the ping-pong path.
        [ "$8" = h3-400 ] || url="https://localhost:$2/index.html"
        CCMD=("$NG_CLIENT" --exit-on-all-streams-close --no-quic-dump --timeout=5s
            --download="$9/download" 127.0.0.1 "$2" "$url")
        ;;
    quince)
        CCMD=("$QUINCE_BIN" client "$url" --ca "$CERT" --method "$3" --count "$4" --size "$5"
            --qlog "$9/qlog")
        ;;
    esac
    # shellcheck disable=SC2206
    [ -z "$7" ] || CCMD+=($7)
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

# check_proofs proofs clog slog: each c~RE / s~RE must match its log, each
# c!RE / s!RE must not.
check_proofs() {
    local p log out=
    local IFS=';'
    for p in $1; do
        [ -n "$p" ] && [ "$p" != - ] || continue
        case "${p:0:1}" in c) log=$2 ;; s) log=$3 ;; *) out="${out}bad proof '$p'; "; continue ;; esac
        case "${p:1:1}" in
        '~') grep -Eq -- "${p:2}" "$log" || out="${out}${p:0:1}log lacks /${p:2}/; " ;;
        '!') grep -Eq -- "${p:2}" "$log" && out="${out}${p:0:1}log has /${p:2}/; " ;;
        *) out="${out}bad proof '$p'; " ;;
        esac
    done
    printf '%s' "$out"
}

show_tail() { # label file
    echo "    --- last lines of $1 ($2)"
    grep -Ev '^(I[0-9]{8} |Set timer|Timer expired|Sent packet|Received packet)' "$2" | tail -n 12 | sed 's/^/    | /'
}

# --- Resumption and 0-RTT (issue 14) ----------------------------------------
# expect resume / 0rtt: one server that keeps serving (quince without
# --one-shot, quicgo-server and pingpong.py -serve) and the same client run
# twice with one session file: the first run stores the ticket (full
# handshake), the second resumes with it (RFC 8446 §2.2) and, for 0rtt, sends
# its request in 0-RTT (RFC 9001 §4.6). Both client runs must pass the usual
# checks (ping-pong sequence; ngtcp2: handshake and the 404), the server must
# have played both and exit 0 when stopped. Proofs: f~ / f! apply to the first
# run's log, c~ / c! to the second's, s~ / s! to the server's; a proof
# written ?X~RE is checked only when the quince program has 0-RTT (see below),
# because it names a log line the 0-RTT core adds.

# quince has 0-RTT when `quince client --help` mentions --0rtt (probed once):
# until then the 0rtt cases that involve quince are SKIPs, so they turn on by
# themselves when the core lands.
QUINCE_0RTT=
quince_has_0rtt() {
    if [ -z "$QUINCE_0RTT" ]; then
        QUINCE_0RTT=no
        [ -x "$QUINCE_BIN" ] && "$QUINCE_BIN" client --help 2>&1 | grep -q -- '--0rtt' && QUINCE_0RTT=yes
    fi
    [ "$QUINCE_0RTT" = yes ]
}

session_flags() { # impl expect session-file -> SFLAGS (client flags)
    case "$1" in
    quince) SFLAGS=(--session "$3"); [ "$2" = 0rtt ] && SFLAGS+=(--0rtt) ;;
    quicgo | aioquic) SFLAGS=(-session "$3"); [ "$2" = 0rtt ] && SFLAGS+=(-0rtt) ;;
    # gtlsclient sends 0-RTT whenever it has a session and the server's
    # transport parameters: the resume case turns that off.
    ngtcp2) SFLAGS=(--session-file="$3" --tp-file="$3.tp"); [ "$2" = 0rtt ] || SFLAGS+=(--disable-early-data) ;;
    esac
}

# check_proofs for three logs: f (first client run), c (second), s (server);
# ?-proofs only with a quince that has 0-RTT (run_resume_case names the others).
check_proofs3() { # proofs clog1 clog slog
    local p out= plain=
    local IFS=';'
    for p in $1; do
        [ -n "$p" ] && [ "$p" != - ] || continue
        if [ "${p:0:1}" = '?' ]; then
            quince_has_0rtt || continue
            p=${p:1}
        fi
        case "${p:0:1}" in
        f) out="$out$(check_proofs "c${p:1}" "$2" "$4" | sed 's/clog /first run clog /')" ;;
        c | s) plain="$plain;$p" ;;
        *) out="${out}bad proof '$p'; " ;;
        esac
    done
    out="$out$(check_proofs "$plain" "$3" "$4")"
    printf '%s' "$out"
}

client_run_ok() { # impl count expect log dir rc -> a reason, or nothing
    local impl=$1 count=$2 log=$4 dir=$5 rc=$6 m
    if [ "$rc" -eq 124 ]; then echo "timed out; "; return; fi
    [ "$rc" -eq 0 ] || echo "exit $rc; "
    if [ "$impl" = ngtcp2 ]; then
        # gtlsclient: a completed handshake and quince's 404 (h3-404)
        grep -q 'QUIC handshake has completed' "$log" || echo "no completed handshake; "
        grep -q '\[:status: 404\]' "$log" || echo "no 404 response; "
        [[ $(cat "$dir"/download/* 2>/dev/null) == *'not found'* ]] || echo "404 body lacks 'not found'; "
    else
        m=$(check_log client "$count" "$log") || echo "$m; "
    fi
}

run_resume_case() { # the arguments of run_case
    local name=$1 client=$2 server=$3 method=$4 count=$5 size=$6 limit=$7 expect=$8 net=$9
    local cflags=${10//,/ } sflags=${11//,/ } proofs=${12:--}
    [ "$cflags" = - ] && cflags=
    [ "$sflags" = - ] && sflags=
    local need
    for need in "$client" "$server"; do
        if [ -n "${missing[$need]}" ]; then
            cannot_run "$name" "${missing[$need]}"
            return
        fi
    done
    if [ "$expect" = 0rtt ] && { [ "$client" = quince ] || [ "$server" = quince ]; } && ! quince_has_0rtt; then
        skip "$name" "quince has no 0-RTT yet (quince client --help does not mention --0rtt)"
        return
    fi
    local dir="$OUT/$name" port slog spid src t0 why= i
    rm -rf "$dir"
    mkdir -p "$dir/download" "$dir/qlog" "$dir/run1/download" "$dir/run1/qlog"
    slog="$dir/server.log"
    port=$(free_port)
    t0=$(date +%s.%N)
    server_cmd "$server" "$port" "$count" "$limit" "$sflags" "$dir"
    # Keep serving: the second connection comes to the same server (its
    # ticket keys live as long as the process).
    case "$server" in
    quince) local a=() x; for x in "${SCMD[@]}"; do [ "$x" = --one-shot ] || a+=("$x"); done; SCMD=("${a[@]}") ;;
    quicgo | aioquic) SCMD+=(-serve) ;;
    esac
    printf '%q ' "${SCMD[@]}" >"$dir/server.cmd"
    timeout -k 2 "$((2 * limit + 5))" "${SCMD[@]}" >"$slog" 2>&1 &
    spid=$!
    wait_listening "$port" "$spid"
    local run rdir rlog rc SFLAGS
    for run in 1 2; do
        if [ $run = 1 ]; then rdir=$dir/run1 rlog=$dir/client1.log; else rdir=$dir rlog=$dir/client.log; fi
        client_cmd "$client" "$port" "$method" "$count" "$size" "$limit" "$cflags" h3-404 "$rdir"
        session_flags "$client" "$expect" "$dir/session"
        CCMD+=("${SFLAGS[@]}")
        printf '%q ' "${CCMD[@]}" >"$rdir/client$run.cmd"
        timeout -k 2 "$limit" "${CCMD[@]}" >"$rlog" 2>&1
        rc=$?
        m=$(client_run_ok "$client" "$count" "$expect" "$rlog" "$rdir" "$rc")
        [ -z "$m" ] || why="${why}client run $run: ${m% }"
    done
    # Both exchanges are over; a moment for the last close to arrive, then
    # the server is stopped (each exits 0 on SIGTERM).
    sleep 0.3
    if [ "$server" = ngtcp2 ] || kill -0 "$spid" 2>/dev/null; then
        kill -TERM "$spid" 2>/dev/null
    else
        why="${why}server exited before it was stopped; "
    fi
    wait "$spid"
    src=$?
    [ $src -eq 0 ] || why="${why}server exit $src; "
    if [ "$client" != ngtcp2 ]; then
        local n
        n=$(grep -c "server: received datagram value=$((count - 1))\$" "$slog")
        [ "$n" = 2 ] || why="${why}server played $n ping-pongs to the end, want 2; "
        grep -q 'INFO server closed' "$slog" || why="${why}server did not log 'server closed'; "
    fi
    local m UNCHECKED
    quince_has_0rtt # probed here, not in the subshell below, so it is kept
    m=$(check_proofs3 "$proofs" "$dir/client1.log" "$dir/client.log" "$slog")
    why=$why$m
    UNCHECKED=
    if ! quince_has_0rtt; then
        local p IFS=';'
        for p in $proofs; do [ "${p:0:1}" = '?' ] && UNCHECKED="$UNCHECKED ${p:1}"; done
        unset IFS
    fi
    local q
    for q in "$dir/run1/qlog" "$dir/qlog"; do
        compgen -G "$q/*.sqlog" >/dev/null || continue
        m=$("$ROOT/tools/qlog-check/qlog-check.sh" "$q" 2>&1)
        case $? in
        0) ;;
        77) echo "$m" | tail -n 1 ;;
        *) why="${why}qlog invalid: $(echo "$m" | head -n 3 | tr '\n' ' '); " ;;
        esac
    done
    local secs xr
    secs=$(echo "$t0 $(date +%s.%N)" | awk '{printf "%.2fs", $2 - $1}')
    xr=$(xfail_reason "$name")
    if [ -z "$why" ]; then
        if [ -n "$xr" ]; then
            fail "$name" "XPASS: expected to fail ($xr) but passed: take it off XFAILS [$secs, logs in $dir]"
            return
        fi
        pass "$name" "$secs, 2 connections${UNCHECKED:+; not checked until quince has 0-RTT:$UNCHECKED}"
        [ $keep -eq 1 ] || rm -rf "$dir"
    elif [ -n "$xr" ]; then
        xfail "$name" "$xr (saw: ${why%; }) [$secs]"
    else
        fail "$name" "${why%; } [$secs, logs in $dir]"
        show_tail "first client run" "$dir/client1.log"
        show_tail "second client run" "$dir/client.log"
        show_tail "server" "$slog"
    fi
}

run_case() {
    local name=$1 client=$2 server=$3 method=$4 count=$5 size=$6 limit=$7 expect=$8 net=$9
    case "$expect" in resume | 0rtt) run_resume_case "$@"; return ;; esac
    local cflags=${10//,/ } sflags=${11//,/ } proofs=${12:--}
    [ "$cflags" = - ] && cflags=
    [ "$sflags" = - ] && sflags=
    local impl need
    for need in "$client" "$server" $([ "$net" = direct ] || echo lossproxy); do
        if [ -n "${missing[$need]}" ]; then
            cannot_run "$name" "${missing[$need]}"
            return
        fi
    done
    local dir="$OUT/$name" port slog clog spid src crc t0 why=
    rm -rf "$dir"
    mkdir -p "$dir/download" "$dir/qlog"
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
    server_cmd "$server" "$port" "$count" "$limit" "$sflags" "$dir"
    client_cmd "$client" "$cport" "$method" "$count" "$size" "$limit" "$cflags" "$expect" "$dir"
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
    # gtlsserver never exits: it gets a moment to log the client's close.
    local i late= grace=$SERVER_GRACE
    [ "$server" = ngtcp2 ] && grace=0
    for ((i = 0; i < grace * 20; i++)); do
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.05
    done
    if [ "$server" = ngtcp2 ]; then
        sleep 0.3
        kill -TERM "$spid" 2>/dev/null
    elif kill -0 "$spid" 2>/dev/null; then
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
    # The server learned of the client's close (H3_NO_ERROR, 0x100) and ended
    # promptly, not at an idle timeout. quic-go: "Application error 0x100
    # (remote)"; quince and aioquic: "the peer closed with application code 0x100".
    local close_re='Application error 0x100 \(remote\)|peer closed with application code 0x100'
    prompt_exit() {
        awk -v a="$after" -v m="$PROMPT_EXIT" 'BEGIN { exit !(a <= m) }' ||
            why="${why}server exited ${after}s after the client (want <= ${PROMPT_EXIT}s): it did not learn of the close promptly; "
    }
    case "$expect" in
    ok | ok-resend)
        [ $crc -eq 0 ] || why="${why}client exit $crc; "
        [ $src -eq 0 ] || why="${why}server exit $src; "
        local m
        m=$(check_log client "$count" "$clog") || why="$why$m; "
        m=$(check_log server "$count" "$slog") || why="$why$m; "
        # quic-go and aioquic: "client: stats ... resends=N"; quince: "client: resent N datagrams"
        if [ "$expect" = ok-resend ] && ! grep -Eq 'client: (stats .*resends=|resent )[1-9]' "$clog"; then
            why="${why}client reported no resends; "
        fi
        ;;
    rejected-400 | refused)
        [ $crc -eq 1 ] || why="${why}client exit $crc, want 1; "
        [ $src -eq 1 ] || why="${why}server exit $src, want 1; "
        if [ "$expect" = rejected-400 ]; then
            # quic-go, aioquic: "unexpected status 400"; quince: "the server answered 400"
            grep -Eq 'unexpected status 400|server answered 400' "$clog" || why="${why}client did not report status 400; "
            # quic-go, aioquic: "datagram support not enabled by the client"; quince: "client has no datagram support"
            grep -Eq 'datagram support not enabled|no datagram support' "$slog" || why="${why}server did not report the missing datagram support; "
        else
            grep -q 'server does not support HTTP datagrams' "$clog" || why="${why}client did not refuse the server; "
        fi
        grep -q 'datagram value=' "$clog" "$slog" && why="${why}datagrams flowed; "
        grep -q 'INFO server closed' "$slog" || why="${why}server did not log 'server closed'; "
        grep -Eq "$close_re" "$slog" || why="${why}server log shows no close with code 0x100 from the client; "
        prompt_exit
        ;;
    h3-404 | h3-400)
        # gtlsclient exits 0 even when no response came: its log decides.
        [ $crc -eq 0 ] || why="${why}client exit $crc; "
        [ $src -eq 1 ] || why="${why}server exit $src, want 1 (no ping-pong); "
        grep -q 'QUIC handshake has completed' "$clog" || why="${why}client log shows no completed handshake; "
        local st=${expect#h3-} body want
        grep -q "\[:status: $st\]" "$clog" || why="${why}client got no $st response; "
        body=$(cat "$dir"/download/* 2>/dev/null)
        if [ "$st" = 404 ]; then want='not found'; else want='datagram support not enabled'; fi
        [[ $body == *"$want"* ]] || why="${why}response body '$(printf '%.60s' "$body")' lacks '$want'; "
        [ "$st" = 404 ] || grep -q 'no datagram support' "$slog" || why="${why}server did not report the missing datagram support; "
        grep -Eq "$close_re" "$slog" || why="${why}server log shows no close with code 0x100 from the client; "
        prompt_exit
        ;;
    refused-ng)
        [ $crc -eq 1 ] || why="${why}client exit $crc, want 1; "
        grep -q 'server does not support HTTP datagrams' "$clog" || why="${why}client did not refuse the server; "
        # 0x1d with 0x100 in 1-RTT, or 0x1c APPLICATION_ERROR when the close
        # came in a Handshake packet (RFC 9000 §10.2.3) and ngtcp2 stopped there.
        grep -Eq 'frm rx .*CONNECTION_CLOSE\(0x1[cd]\) error_code=(\(unknown\)\(0x100\)|APPLICATION_ERROR\(0xc\))' "$slog" ||
            why="${why}gtlsserver log shows no CONNECTION_CLOSE from the client; "
        ;;
    esac
    local m
    m=$(check_proofs "$proofs" "$clog" "$slog")
    why=$why$m
    # quince's qlog files validate against the qlog 0.3 schema (tools/qlog-check;
    # 77: jsonschema could not be installed, said once in the output).
    if compgen -G "$dir/qlog/*.sqlog" >/dev/null; then
        m=$("$ROOT/tools/qlog-check/qlog-check.sh" "$dir/qlog" 2>&1)
        case $? in
        0) ;;
        77) echo "$m" | tail -n 1 ;;
        *) why="${why}qlog invalid: $(echo "$m" | head -n 3 | tr '\n' ' '); " ;;
        esac
    fi
    local xr
    xr=$(xfail_reason "$name")
    if [ -z "$why" ]; then
        local extra=$secs
        [ "$expect" = ok-resend ] && extra="$secs, $(grep -Eo 'resends=[0-9]+|resent [0-9]+' "$clog" | tail -n 1) client"
        [ "$expect" = rejected-400 ] || [ "$expect" = refused ] && extra="$secs, server exited ${after}s after the client"
        # Not a failure (the CONNECTION_CLOSE may be lost), but worth seeing.
        grep -q 'peer did not close' "$slog" && extra="$extra; note: server saw no close from the client"
        if [ -n "$xr" ]; then
            fail "$name" "XPASS: expected to fail ($xr) but passed: take it off XFAILS [$secs, logs in $dir]"
            return
        fi
        pass "$name" "$extra"
        [ $keep -eq 1 ] || rm -rf "$dir"
    elif [ -n "$xr" ]; then
        xfail "$name" "$xr (saw: ${why%; }) [$secs]"
    else
        fail "$name" "${why%; } [$secs, logs in $dir]"
        show_tail "client" "$clog"
        show_tail "server" "$slog"
        [ -z "$ppid" ] || show_tail "loss proxy" "$dir/lossproxy.log"
    fi
}

# --- The matrix --------------------------------------------------------------
# Rows: cases (the part of the name after CLIENT-SERVER-); columns: each peer
# as client of a quince server, as server for a quince client, and against
# itself (a reference for the test programs). Cells: PASS, FAIL, XFAIL,
# SKIP, n/a or not yet (NOT_RUN); empty: not in the table.
matrix() {
    local md="$OUT/matrix.md" r name status note client server cas
    local -A cell=() reason=() seen=() ran=()
    local cases=() cols=() col
    for r in "${RESULTS[@]}"; do
        IFS=$'\t' read -r name status note <<<"$r"
        client=${name%%-*} server=${name#*-}
        server=${server%%-*}
        cas=${name#*-*-}
        ran[$client]=1 ran[$server]=1
        if [ "$client" = quince ]; then col="quince→$server"; elif [ "$server" = quince ]; then col="$client→quince"; else col="$client→$server"; fi
        [ -n "${seen[$cas]:-}" ] || { cases+=("$cas"); seen[$cas]=1; }
        cell["$cas|$col"]=$status
        [ "$status" = PASS ] || reason["$cas|$col"]=$note
    done
    # NOT_RUN rows for the peers that ran.
    while read -r name note; do
        [ -n "$name" ] || continue
        client=${name%%-*} server=${name#*-}
        server=${server%%-*}
        cas=${name#*-*-}
        [ -n "${ran[$client]:-}" ] && [ -n "${ran[$server]:-}" ] || continue
        if [ "$client" = quince ]; then col="quince→$server"; else col="$client→quince"; fi
        [ -n "${seen[$cas]:-}" ] || { cases+=("$cas"); seen[$cas]=1; }
        cell["$cas|$col"]=${note%%:*}
        reason["$cas|$col"]=${note#*: }
    done <<<"$NOT_RUN"
    local p
    for p in $PEERS; do
        for col in "$p→quince" "quince→$p" "$p→$p"; do
            for cas in "${cases[@]}"; do
                if [ -n "${cell["$cas|$col"]:-}" ]; then cols+=("$col"); break; fi
            done
        done
    done
    {
        echo "| case |$(printf ' %s |' "${cols[@]}")"
        echo "|---|$(printf -- '---|%.0s' "${cols[@]}")"
        for cas in "${cases[@]}"; do
            printf '| %s |' "$cas"
            for col in "${cols[@]}"; do printf ' %s |' "${cell["$cas|$col"]:-}"; done
            echo
        done
        echo
        echo "Not PASS (A→B: A is the client, B the server):"
        echo
        for cas in "${cases[@]}"; do
            for col in "${cols[@]}"; do
                [ -n "${reason["$cas|$col"]:-}" ] || continue
                echo "- $cas, $col: ${cell["$cas|$col"]}: ${reason["$cas|$col"]}" | sed -E 's/ \[[0-9.]+s(, logs in [^]]*)?\]//'
            done
        done
    } >"$md"
    echo
    echo "interop: matrix (also in $md)"
    cat "$md"
    echo
}

while read -r name client server method count size limit expect net cflags sflags proofs; do
    [ -n "$name" ] || continue
    selected "$name" "$client" "$server" || continue
    run_case "$name" "$client" "$server" "$method" "$count" "$size" "$limit" "$expect" "$net" "$cflags" "$sflags" "${proofs:--}"
done <<<"$CASES"

matrix
if [ $failed -eq 0 ] && [ $keep -eq 0 ] && [ -z "${INTEROP_OUT:-}" ]; then
    rm -rf "$OUT"
fi
summary
