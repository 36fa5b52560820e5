/*
 * In-memory driver for two tls_conns (client and server): shuttles the
 * handshake bytes of each level from one to the other until both are done or
 * one fails. For tests, fuzz targets and benchmarks; QUIC is not involved.
 */
#ifndef TLS_PAIR_H
#define TLS_PAIR_H

#include "crypto/tls.h"

/* Called on each flight before delivery: may rewrite buf (up to cap bytes)
 * and *len. Returning non-zero drops the flight. */
typedef int (*tls_pair_filter)(void *ud, tls_role from, tls_level level, uint8_t *buf,
                               size_t *len, size_t cap);

/* 0 when both finished; else the first error (of the side that failed). */
int tls_pair_run(tls_conn *client, tls_conn *server, tls_pair_filter f, void *ud);

#endif
