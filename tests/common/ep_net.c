#include "common/ep_net.h"

#include "common/tu.h"

void ep_net_prepare(ep_net *n, bool retry)
{
    pair_init(&n->p);
    quic_endpoint_config_init(&n->ecfg, &n->p.stls);
    n->ecfg.conn = n->p.scfg;
    n->ecfg.retry = retry;
    n->ecfg.max_conns = 4;
    n->ecfg.max_handshakes = 4;
    n->ep = NULL;
}

void ep_net_start(ep_net *n)
{
    n->ep = quic_endpoint_new(&n->ecfg);
    assert_non_null(n->ep);
    pair_start(&n->p);
}

void ep_net_init(ep_net *n, bool retry)
{
    ep_net_prepare(n, retry);
    ep_net_start(n);
}

void ep_net_free(ep_net *n)
{
    quic_endpoint_free(n->ep);
    n->p.server = NULL; /* the endpoint owned it */
    pair_free(&n->p);
}

void ep_net_step(ep_net *n)
{
    uint8_t buf[1500];
    quic_path to;
    for (int round = 0; round < 200; round++) {
        bool moved = false;
        size_t len;
        while ((len = quic_conn_send(n->p.client, buf, sizeof buf, n->p.now))) {
            quic_endpoint_recv(n->ep, &n->p.spath, buf, len, n->p.now);
            moved = true;
        }
        while ((len = quic_endpoint_send_stateless(n->ep, buf, sizeof buf, &to))) {
            quic_conn_recv(n->p.client, &n->p.cpath, buf, len, n->p.now);
            moved = true;
        }
        for (quic_conn *c = quic_endpoint_next(n->ep, NULL); c; c = quic_endpoint_next(n->ep, c)) {
            while ((len = quic_conn_send(c, buf, sizeof buf, n->p.now))) {
                quic_conn_recv(n->p.client, &n->p.cpath, buf, len, n->p.now);
                moved = true;
            }
            quic_endpoint_sync(n->ep, c);
        }
        if (!moved) {
            uint64_t d = quic_conn_deadline(n->p.client);
            uint64_t e = quic_endpoint_deadline(n->ep);
            if (e < d)
                d = e;
            if (d == QUIC_NEVER || d > n->p.now + 5000000)
                return;
            n->p.now = d > n->p.now ? d : n->p.now;
            quic_conn_on_deadline(n->p.client, n->p.now);
            quic_endpoint_expire(n->ep, n->p.now);
            for (quic_conn *c = quic_endpoint_next(n->ep, NULL); c; c = quic_endpoint_next(n->ep, c)) {
                quic_conn_on_deadline(c, n->p.now);
                quic_endpoint_sync(n->ep, c);
            }
        }
        if (quic_conn_is_established(n->p.client) && round > 20)
            return;
    }
}
