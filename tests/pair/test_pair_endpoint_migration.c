/* The server endpoint and migration (RFC 9000 §9, §5.1): packets of a known
 * DCID are routed to their connection from any address, the path goes with
 * them (quic_conn_recv), and the connection follows a validated new address. */
#include "common/ep_net.h"
#include "common/tu.h"

#include <string.h>

static void test_endpoint_routes_moved_client_and_connection_follows(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, false);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    quic_conn *s = quic_endpoint_accept(n.ep);
    assert_non_null(s);
    ep_net_step(&n); /* HANDSHAKE_DONE, NEW_CONNECTION_IDs */
    quic_path moved = n.p.cpath;
    memcpy(moved.local, "cl2", 4);
    assert_int_equal(quic_conn_migrate(n.p.client, &moved), 0);
    n.p.cpath = moved;
    memcpy(n.p.spath.remote, "cl2", 4); /* what the endpoint sees now */
    uint8_t d[10] = {1};
    assert_int_equal(quic_conn_dgram_send(n.p.client, d, sizeof d, n.p.now), 0);
    ep_net_step(&n);
    ep_net_step(&n);
    quic_event ev;
    bool got = false;
    while (quic_conn_next_event(s, &ev))
        got |= ev.type == QUIC_EV_DATAGRAM && ev.len == 10;
    assert_true(got); /* routed by DCID, whatever the address */
    assert_true(quic_path_equal(quic_endpoint_conn_path(s), &n.p.spath));
    quic_conn_stats st;
    quic_conn_stats_get(s, &st);
    assert_int_equal(st.migrations, 1);
    ep_net_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoint_routes_moved_client_and_connection_follows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
