/* Flow-control credit (RFC 9000 §4.1, §4.5). */
#include "common/tu.h"
#include "quic/flowctl.h"

static void test_sender(void **state)
{
    (void)state;
    quic_flowctl_tx tx;
    quic_flowctl_tx_init(&tx, 1000);
    assert_false(quic_flowctl_tx_blocked_needed(&tx));
    assert_int_equal(quic_flowctl_tx_consume(&tx, 600), 0);
    assert_true(quic_flowctl_tx_credit(&tx) == 400);
    assert_int_equal(quic_flowctl_tx_consume(&tx, 401), QUIC_FLOWCTL_ERR_OVERSEND);
    assert_true(quic_flowctl_tx_credit(&tx) == 400);
    assert_int_equal(quic_flowctl_tx_consume(&tx, 400), 0);
    /* at the limit: one BLOCKED frame per limit (RFC 9000 §4.1) */
    assert_true(quic_flowctl_tx_blocked_needed(&tx));
    quic_flowctl_tx_on_blocked_sent(&tx);
    assert_false(quic_flowctl_tx_blocked_needed(&tx));
    /* a smaller or equal MAX_DATA (reordered) is ignored */
    assert_false(quic_flowctl_tx_update(&tx, 900));
    assert_false(quic_flowctl_tx_update(&tx, 1000));
    assert_true(quic_flowctl_tx_update(&tx, 2500));
    assert_true(quic_flowctl_tx_credit(&tx) == 1500);
    assert_true(quic_flowctl_tx_limit(&tx) == 2500);
    assert_int_equal(quic_flowctl_tx_consume(&tx, 1500), 0);
    assert_true(quic_flowctl_tx_blocked_needed(&tx)); /* again at the new limit */
}

static void test_receiver_stream_and_connection(void **state)
{
    (void)state;
    quic_flowctl_rx st, conn;
    quic_flowctl_rx_init(&st, 1000);
    quic_flowctl_rx_init(&conn, 1500);
    uint64_t d;
    assert_int_equal(quic_flowctl_rx_on_offset(&st, 500, &d), 0);
    assert_true(d == 500);
    assert_int_equal(quic_flowctl_rx_add(&conn, d), 0);
    /* a retransmission below the highest offset adds nothing */
    assert_int_equal(quic_flowctl_rx_on_offset(&st, 300, &d), 0);
    assert_true(d == 0);
    assert_int_equal(quic_flowctl_rx_on_offset(&st, 1001, &d), QUIC_FLOWCTL_ERR_EXCEEDED);
    assert_int_equal(quic_flowctl_rx_on_offset(&st, 1000, &d), 0);
    assert_true(d == 500);
    assert_int_equal(quic_flowctl_rx_add(&conn, d), 0);
    /* the connection limit is the sum over streams */
    assert_int_equal(quic_flowctl_rx_add(&conn, 501), QUIC_FLOWCTL_ERR_EXCEEDED);
    assert_int_equal(quic_flowctl_rx_add(&conn, 500), 0);
    assert_int_equal(quic_flowctl_rx_add(&conn, 1), QUIC_FLOWCTL_ERR_EXCEEDED);
    assert_int_equal(quic_flowctl_rx_on_offset(&st, 1ULL << 62, &d), QUIC_FLOWCTL_ERR_RANGE);

    /* new credit once half the window is consumed */
    quic_flowctl_rx_on_consumed(&st, 400);
    assert_false(quic_flowctl_rx_update_needed(&st)); /* 600 left > 500 */
    quic_flowctl_rx_on_consumed(&st, 100);
    assert_true(quic_flowctl_rx_update_needed(&st));  /* 500 left */
    assert_true(quic_flowctl_rx_next_limit(&st) == 1500);
    quic_flowctl_rx_on_update_sent(&st, 1500);
    assert_false(quic_flowctl_rx_update_needed(&st));
    assert_int_equal(quic_flowctl_rx_on_offset(&st, 1500, &d), 0);
    /* consumption never exceeds what arrived */
    quic_flowctl_rx_on_consumed(&st, 1000000);
    assert_true(st.consumed == 1500);
    assert_true(quic_flowctl_rx_next_limit(&st) == 2500);
    quic_flowctl_rx_on_update_sent(&st, 10); /* never lowers */
    assert_true(st.limit == 1500);
}

static void test_limits_near_varint_max(void **state)
{
    (void)state;
    quic_flowctl_rx rx;
    quic_flowctl_rx_init(&rx, UINT64_MAX);
    assert_true(rx.limit == (1ULL << 62) - 1);
    uint64_t d;
    assert_int_equal(quic_flowctl_rx_on_offset(&rx, (1ULL << 62) - 1, &d), 0);
    quic_flowctl_rx_on_consumed(&rx, (1ULL << 62) - 1);
    assert_true(quic_flowctl_rx_next_limit(&rx) == (1ULL << 62) - 1);
    assert_false(quic_flowctl_rx_update_needed(&rx)); /* nothing more to give */
}

/* Stream counts with the same counters (RFC 9000 §4.6). */
static void test_stream_counts(void **state)
{
    (void)state;
    /* the peer lets us open 3 bidirectional streams */
    quic_flowctl_tx open;
    quic_flowctl_tx_init(&open, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(quic_flowctl_tx_consume(&open, 1), 0);
    assert_int_equal(quic_flowctl_tx_consume(&open, 1), QUIC_FLOWCTL_ERR_OVERSEND);
    assert_true(quic_flowctl_tx_blocked_needed(&open)); /* STREAMS_BLOCKED(3) */
    assert_true(quic_flowctl_tx_update(&open, 5));      /* MAX_STREAMS(5) */
    assert_true(quic_flowctl_tx_credit(&open) == 2);
    /* we allow the peer 4 streams: client bidi ids 0, 4, 8, 12 (index = id / 4) */
    quic_flowctl_rx peer;
    quic_flowctl_rx_init(&peer, 4);
    uint64_t d;
    assert_int_equal(quic_flowctl_rx_on_offset(&peer, 12 / 4 + 1, &d), 0);
    assert_true(d == 4); /* opening id 12 opens 0, 4 and 8 too (§3.2) */
    assert_int_equal(quic_flowctl_rx_on_offset(&peer, 16 / 4 + 1, &d), QUIC_FLOWCTL_ERR_EXCEEDED);
    quic_flowctl_rx_on_consumed(&peer, 1);
    assert_false(quic_flowctl_rx_update_needed(&peer));
    quic_flowctl_rx_on_consumed(&peer, 1); /* two closed: MAX_STREAMS(6) */
    assert_true(quic_flowctl_rx_update_needed(&peer));
    assert_true(quic_flowctl_rx_next_limit(&peer) == 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sender),
        cmocka_unit_test(test_receiver_stream_and_connection),
        cmocka_unit_test(test_limits_near_varint_max),
        cmocka_unit_test(test_stream_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
