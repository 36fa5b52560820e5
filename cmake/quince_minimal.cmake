# QUINCE_MINIMAL=ON: the size profile for small devices (issue 16). A client
# only: no server endpoint (dispatch, Version Negotiation, Retry and NEW_TOKEN
# minting, stateless reset), no TLS server, no certificate generation, no
# test-only hooks; AES-128-GCM, X25519 and P-256 only (QUINCE_MINIMAL=1 guards
# the few places that name the others). What a small client does without also
# stays out: 0-RTT, session resumption (no PSK offered, tickets not kept),
# CUBIC (NewReno only), ECN (never marks; ACK_ECN counts ignored), DPLPMTUD
# (1200-byte datagrams), migration (PATH_CHALLENGE still answered), frame
# describe lines; log lines, trace events, frame names and error, alert and
# reason texts go by QUINCE_MINIMAL guards in headers and tables. Whole files
# leave the source lists here for stand-ins in crypto/minimal/ and
# quic/minimal/, so the default build is untouched. Only the libraries and the example client
# are built (the program, tests and benchmarks need the server).
# `make size` builds it for x86-64 and armhf and checks the size bound.
set(QUINCE_MINIMAL_DROP
  quic/endpoint.c quic/ep_initial.c quic/ep_heap.c quic/ep_addr.c
  quic/conn_endpoint.c quic/conn_test.c quic/token.c
  crypto/tls_server.c crypto/tls_pair.c crypto/cx_certgen.c crypto/cx_initial.c
  quic/conn_early.c crypto/tls_early.c crypto/tls_psk.c crypto/tls_ticket.c
  quic/cc_cubic.c quic/ecn.c quic/conn_ecn.c quic/pmtud.c quic/cid_table.c
  quic/frame_describe.c quic/conn_path.c)

# Removes the dropped files from a module's source list (in place).
function(quince_minimal_filter var)
  set(kept)
  foreach(s ${${var}})
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${s})
    if(NOT rel IN_LIST QUINCE_MINIMAL_DROP)
      list(APPEND kept ${s})
    endif()
  endforeach()
  # Stand-ins for what a kept file still names (crypto/minimal/, quic/minimal/:
  # outside the modules' globs, so only this profile compiles them).
  foreach(mod crypto quic)
    if(var STREQUAL "srcs" AND kept MATCHES "/${mod}/[a-z_]+\\.c")
      file(GLOB stand_ins ${PROJECT_SOURCE_DIR}/${mod}/minimal/*.c)
      list(APPEND kept ${stand_ins})
    endif()
  endforeach()
  set(${var} ${kept} PARENT_SCOPE)
endfunction()

# The example HTTP/3 datagram client, built in the tree against the minimal
# libraries: proof that a client links without the dropped files.
function(quince_minimal_client)
  add_executable(h3dgram_client ${PROJECT_SOURCE_DIR}/examples/h3dgram_client.c)
  target_link_libraries(h3dgram_client PRIVATE quince_h3q)
  # What the profile leaves out of crypto/ stays out (tests/minimal/).
  add_executable(check_minimal ${PROJECT_SOURCE_DIR}/tests/minimal/check_minimal.c)
  target_link_libraries(check_minimal PRIVATE quince_quic)
endfunction()
