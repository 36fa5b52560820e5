/* A server that could not run for a while (a starved process, a stopped
 * one) and wakes past a half-open connection's handshake deadline (RFC 9000
 * §8, issue 10) first hears what its socket buffer holds: the datagrams that
 * arrived together are all delivered before any connection is judged, so a
 * client whose Finished waited in the buffer is not dropped for a deadline
 * it met. One that sent nothing is still dropped at the next datagram. */
#include "common/ep_net.h"
#include "common/tu.h"
#include "quic/packet.h"

#include <string.h>

#define HS_TIMEOUT 10000000ull

/* A 1200-byte datagram to an unknown DCID that is not an Initial of ours: a
 * stranger's, and no proof of anything. */
static size_t stranger(uint8_t *out)
{
    memset(out, 0, 1200);
    out[0] = 0x40; /* short header, fixed bit */
    memset(out + 1, 0x77, 8);
    return 1200;
}

/* Runs the client until its Handshake flight (Finished) is written, keeping
 * those datagrams in held instead of handing them to the server. */
static size_t hold_client_finished(ep_net *n, uint8_t held[][1500], size_t *lens, size_t max)
{
    uint8_t buf[1500];
    size_t len, k = 0;
    quic_path to;
    while ((len = quic_conn_send(n->p.client, buf, sizeof buf, n->p.now)))
        quic_endpoint_recv(n->ep, &n->p.spath, buf, len, n->p.now);
    while ((len = quic_endpoint_send_stateless(n->ep, buf, sizeof buf, &to)))
        quic_conn_recv(n->p.client, &n->p.cpath, buf, len, n->p.now);
    for (quic_conn *c = quic_endpoint_next(n->ep, NULL); c; c = quic_endpoint_next(n->ep, c)) {
        while ((len = quic_conn_send(c, buf, sizeof buf, n->p.now)))
            quic_conn_recv(n->p.client, &n->p.cpath, buf, len, n->p.now);
        quic_endpoint_sync(n->ep, c);
    }
    while (k < max && (len = quic_conn_send(n->p.client, held[k], sizeof held[k], n->p.now)))
        lens[k++] = len;
    return k;
}

static void test_queued_finished_heard_before_deadline_judged(void **state)
{
    (void)state;
    ep_net n;
    ep_net_prepare(&n, false);
    n.ecfg.handshake_timeout_us = HS_TIMEOUT;
    ep_net_start(&n);
    uint64_t t0 = n.p.now;
    uint8_t held[8][1500], junk[1200];
    size_t lens[8];
    size_t k = hold_client_finished(&n, held, lens, 8);
    assert_true(k > 0);
    assert_true(quic_conn_is_established(n.p.client));
    assert_int_equal(quic_endpoint_half_open(n.ep), 1);
    /* The server wakes 11 s later: a stranger's datagram came first, the
     * client's Finished after it, both waiting in the socket buffer. */
    n.p.now = t0 + HS_TIMEOUT + 1000000;
    quic_endpoint_recv(n.ep, &n.p.spath, junk, stranger(junk), n.p.now);
    for (size_t i = 0; i < k; i++)
        quic_endpoint_recv(n.ep, &n.p.spath, held[i], lens[i], n.p.now);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.handshake_timeouts, 0);
    assert_int_equal(quic_endpoint_half_open(n.ep), 0);
    quic_conn *s = quic_endpoint_next(n.ep, NULL);
    assert_non_null(s);
    assert_true(quic_conn_is_established(s));
    ep_net_free(&n);
}

/* The same stall with nothing from the client: its connection is gone at
 * the next datagram after the one that arrived with the wake-up. */
static void test_silent_half_open_dropped_after_stall(void **state)
{
    (void)state;
    ep_net n;
    ep_net_prepare(&n, false);
    n.ecfg.handshake_timeout_us = HS_TIMEOUT;
    ep_net_start(&n);
    uint64_t t0 = n.p.now;
    uint8_t held[8][1500], junk[1200];
    size_t lens[8];
    assert_true(hold_client_finished(&n, held, lens, 8) > 0);
    n.p.now = t0 + HS_TIMEOUT + 1000000;
    quic_endpoint_recv(n.ep, &n.p.spath, junk, stranger(junk), n.p.now);
    quic_endpoint_recv(n.ep, &n.p.spath, junk, stranger(junk), n.p.now + 1);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.handshake_timeouts, 1);
    assert_int_equal(quic_endpoint_count(n.ep), 0);
    ep_net_free(&n);
}

/* An application that judges deadlines itself passes the time its socket
 * was last found empty: after an 11 s stall the backlog takes two wake-ups
 * to read, the client's Finished in the second; it is heard, and the
 * connection completes. recv does not judge behind the application's back. */
static void test_backlog_over_two_wakeups_judged_as_of_drain(void **state)
{
    (void)state;
    ep_net n;
    ep_net_prepare(&n, false);
    n.ecfg.handshake_timeout_us = HS_TIMEOUT;
    ep_net_start(&n);
    uint64_t t0 = n.p.now;
    uint8_t held[8][1500], junk[1200];
    size_t lens[8];
    size_t k = hold_client_finished(&n, held, lens, 8);
    assert_true(k > 0);
    quic_endpoint_expire(n.ep, t0); /* the socket was empty at t0 */
    uint64_t t1 = t0 + HS_TIMEOUT + 1000000;
    /* wake-up 1: a batch of strangers' datagrams, the socket not empty */
    for (int i = 0; i < 4; i++)
        quic_endpoint_recv(n.ep, &n.p.spath, junk, stranger(junk), t1);
    quic_endpoint_expire(n.ep, t0);
    /* wake-up 2: the rest, the Finished among it; then the socket is empty */
    quic_endpoint_recv(n.ep, &n.p.spath, junk, stranger(junk), t1 + 1000);
    for (size_t i = 0; i < k; i++)
        quic_endpoint_recv(n.ep, &n.p.spath, held[i], lens[i], t1 + 1000);
    quic_endpoint_expire(n.ep, t1 + 1000);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.handshake_timeouts, 0);
    quic_conn *s = quic_endpoint_next(n.ep, NULL);
    assert_non_null(s);
    assert_true(quic_conn_is_established(s));
    /* and one that never answers is dropped at the application's judging */
    ep_net m;
    ep_net_prepare(&m, false);
    m.ecfg.handshake_timeout_us = HS_TIMEOUT;
    ep_net_start(&m);
    assert_true(hold_client_finished(&m, held, lens, 8) > 0);
    quic_endpoint_expire(m.ep, m.p.now);
    quic_endpoint_recv(m.ep, &m.p.spath, junk, stranger(junk), t1 + 2000);
    assert_int_equal(quic_endpoint_half_open(m.ep), 1);
    quic_endpoint_expire(m.ep, t1 + 2000);
    assert_int_equal(quic_endpoint_half_open(m.ep), 0);
    ep_net_free(&m);
    ep_net_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queued_finished_heard_before_deadline_judged),
        cmocka_unit_test(test_silent_half_open_dropped_after_stall),
        cmocka_unit_test(test_backlog_over_two_wakeups_judged_as_of_drain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
