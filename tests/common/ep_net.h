/* A client of ours against a server endpoint in one process, datagrams handed
 * across with no delay on a virtual clock: the harness of the endpoint suites
 * (test_pair_endpoint, test_pair_strangers). */
#ifndef TEST_EP_NET_H
#define TEST_EP_NET_H

#include "common/pair.h"
#include "quic/endpoint.h"

typedef struct ep_net {
    pair p; /* certificates, configs, the client (p.server stays NULL) */
    quic_endpoint *ep;
    quic_endpoint_config ecfg;
} ep_net;

/* Certificates and configs (4 connections, 4 handshakes); the caller may
 * change ecfg and p.ccfg before ep_net_start. */
void ep_net_prepare(ep_net *n, bool retry);
/* Makes the endpoint and the client. */
void ep_net_start(ep_net *n);
void ep_net_init(ep_net *n, bool retry); /* both */
void ep_net_free(ep_net *n);
/* Moves datagrams both ways until nothing moves or the client is established
 * and things settled; when nothing moves, time jumps to the next deadline
 * (up to 5 s ahead) and timers fire, the endpoint's handshake deadlines too. */
void ep_net_step(ep_net *n);

#endif
