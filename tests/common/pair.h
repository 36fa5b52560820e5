/* A QUIC client and server of ours in one process, datagrams handed across by
 * the test on a virtual clock, with an optional lossy link. The "pair" tier of
 * tests/ and the base of the simulated network. */
#ifndef TEST_PAIR_H
#define TEST_PAIR_H

#include "quic/quic.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct pair_link {
    uint64_t delay_us;      /* one-way delay */
    unsigned loss_pct;      /* 0..100, independent */
    uint32_t seed;
} pair_link;

typedef struct pair_dgram {
    uint8_t data[1500];
    size_t len;
    uint64_t at;  /* delivery time */
    bool to_server;
} pair_dgram;

typedef struct pair {
    tls_config ctls, stls;
    quic_config ccfg, scfg;
    quic_conn *client, *server;
    quic_path cpath, spath;
    uint64_t now;
    pair_link link;
    pair_dgram *inflight;
    size_t n_inflight, cap_inflight;
    uint64_t dgrams_c2s, dgrams_s2c, bytes_c2s, bytes_s2c, dropped;
    char *cert_pem, *key_pem;
    void *chain, *trust;
} pair;

/* Certificates, TLS and QUIC configs with defaults; the caller may change
 * ccfg/scfg before pair_start. */
void pair_init(pair *p);
/* Creates the client; the server is created from the client's first datagram. */
void pair_start(pair *p);
/* Moves datagrams and time until pred(p, ud) is true or max_us passes;
 * returns whether pred came true. */
bool pair_run(pair *p, bool (*pred)(pair *, void *), void *ud, uint64_t max_us);
void pair_free(pair *p);
/* Drains events of one side, calling fn for each (fn may be NULL). */
void pair_events(quic_conn *c, void (*fn)(quic_conn *, const quic_event *, void *), void *ud);

#endif
