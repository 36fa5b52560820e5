/* NewReno (RFC 9002 §7, Appendix B) through the congestion control interface. */
#include "common/tu.h"
#include "quic/cc.h"

#define MS 1000ULL

static quic_sent_pkt pkt(uint64_t pn, uint32_t size, uint64_t t)
{
    quic_sent_pkt p = {.pn = pn, .time_sent = t, .size = size, .ack_eliciting = 1, .in_flight = 1};
    return p;
}

static void test_initial_window(void **state)
{
    (void)state;
    /* §7.2: min(10 * mds, max(14720, 2 * mds)) */
    assert_true(quic_cc_initial_window(1200) == 12000);
    assert_true(quic_cc_initial_window(1452) == 14520);
    assert_true(quic_cc_initial_window(1500) == 14720);
    assert_true(quic_cc_initial_window(9000) == 18000);
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_NEWRENO, 1000); /* raised to 1200 */
    assert_true(cc.max_datagram_size == 1200 && cc.cwnd == 12000);
    assert_true(quic_cc_minimum_window(&cc) == 2400);
    assert_true(quic_cc_in_slow_start(&cc));
    /* a smaller PMTU during the handshake resets to the new initial window */
    quic_cc_init(&cc, QUIC_CC_NEWRENO, 1452);
    quic_cc_set_max_datagram_size(&cc, 1200, true);
    assert_true(cc.cwnd == 12000);
}

static void test_slow_start(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_NEWRENO, 1200);
    quic_sent_pkt p[10];
    for (int i = 0; i < 10; i++) {
        assert_true(quic_cc_can_send(&cc, 1200));
        quic_cc_on_sent(&cc, 1200, 0);
        p[i] = pkt((uint64_t)i, 1200, 0);
    }
    assert_false(quic_cc_can_send(&cc, 1200));
    assert_true(quic_cc_available(&cc) == 0);
    assert_false(quic_cc_can_send(&cc, 1)); /* window exactly full */
    quic_cc_on_acked(&cc, p, 10, NULL, 50 * MS);
    assert_true(cc.cwnd == 24000); /* grows by the bytes acked */
    assert_true(cc.bytes_in_flight == 0);
    /* non-in-flight packets do not count */
    quic_sent_pkt ackonly = pkt(11, 50, 0);
    ackonly.in_flight = 0;
    quic_cc_on_acked(&cc, &ackonly, 1, NULL, 60 * MS);
    assert_true(cc.cwnd == 24000);
}

static void test_recovery_and_avoidance(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_NEWRENO, 1200);
    for (int i = 0; i < 10; i++)
        quic_cc_on_sent(&cc, 1200, 0);
    quic_sent_pkt lost = pkt(3, 1200, 10 * MS);
    quic_cc_on_lost(&cc, &lost, 1, false, 100 * MS);
    /* §7.3.2: ssthresh = cwnd / 2, window cut at once, recovery starts now */
    assert_true(cc.ssthresh == 6000 && cc.cwnd == 6000);
    assert_true(cc.bytes_in_flight == 10800);
    assert_true(quic_cc_can_send(&cc, 1200)); /* the one packet after a cut */
    quic_cc_on_sent(&cc, 1200, 0);
    assert_false(quic_cc_can_send(&cc, 1200));
    /* another loss of a packet sent before recovery began: no second cut */
    quic_sent_pkt lost2 = pkt(4, 1200, 20 * MS);
    quic_cc_on_lost(&cc, &lost2, 1, false, 110 * MS);
    assert_true(cc.cwnd == 6000 && cc.congestion_events == 1);
    /* acks of packets sent before the recovery start do not grow the window */
    quic_sent_pkt old = pkt(5, 1200, 30 * MS);
    quic_cc_on_acked(&cc, &old, 1, NULL, 120 * MS);
    assert_true(cc.cwnd == 6000);
    assert_true(quic_cc_in_recovery(&cc, 100 * MS));
    /* a packet sent after it ends recovery: congestion avoidance, +1 MSS per
     * cwnd of bytes acknowledged */
    quic_sent_pkt p[5];
    for (int i = 0; i < 5; i++)
        p[i] = pkt(20 + (uint64_t)i, 1200, 150 * MS);
    quic_cc_on_acked(&cc, p, 4, NULL, 200 * MS); /* 4800 < 6000 */
    assert_true(cc.cwnd == 6000);
    assert_false(quic_cc_in_slow_start(&cc));
    quic_cc_on_acked(&cc, &p[4], 1, NULL, 200 * MS); /* 6000 acked: + 1200 */
    assert_true(cc.cwnd == 7200);
    /* a new loss of a packet sent after the recovery start cuts again */
    quic_sent_pkt lost3 = pkt(30, 1200, 150 * MS);
    quic_cc_on_lost(&cc, &lost3, 1, false, 300 * MS);
    assert_true(cc.cwnd == 3600 && cc.ssthresh == 3600);
    /* never below the minimum window */
    for (int i = 0; i < 10; i++) {
        quic_sent_pkt l = pkt(40 + (uint64_t)i, 1200, 400 * MS + (uint64_t)i * 100 * MS);
        quic_cc_on_lost(&cc, &l, 1, false, 401 * MS + (uint64_t)i * 100 * MS);
    }
    assert_true(cc.cwnd == 2400);
}

/* §7.6.2: persistent congestion collapses the window and restarts slow start. */
static void test_persistent_congestion(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_NEWRENO, 1200);
    quic_sent_pkt p[2] = {pkt(1, 1200, 0), pkt(2, 1200, 700 * MS)};
    quic_cc_on_sent(&cc, 1200, 0);
    quic_cc_on_sent(&cc, 1200, 0);
    quic_cc_on_lost(&cc, p, 2, true, 800 * MS);
    assert_true(cc.cwnd == 2400);
    assert_true(cc.ssthresh == 6000);
    assert_true(quic_cc_in_slow_start(&cc));
    assert_false(quic_cc_in_recovery(&cc, 0)); /* recovery start cleared */
    assert_true(cc.bytes_in_flight == 0);
    quic_sent_pkt a = pkt(3, 1200, 900 * MS);
    quic_cc_on_sent(&cc, 1200, 0);
    quic_cc_on_acked(&cc, &a, 1, NULL, 950 * MS);
    assert_true(cc.cwnd == 3600); /* slow start again */
}

static void test_app_limited_and_discard(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_NEWRENO, 1200);
    quic_cc_on_sent(&cc, 1200, 0);
    quic_cc_on_sent(&cc, 1200, 0);
    quic_cc_set_app_limited(&cc, true);
    quic_sent_pkt a = pkt(0, 1200, 0);
    quic_cc_on_acked(&cc, &a, 1, NULL, 10 * MS);
    assert_true(cc.cwnd == 12000 && cc.bytes_in_flight == 1200);
    quic_sent_pkt d = pkt(1, 1200, 0);
    quic_cc_on_discarded(&cc, &d, 1);
    assert_true(cc.bytes_in_flight == 0 && cc.cwnd == 12000 && cc.congestion_events == 0);
}

static void test_new_path_resets_window_keeps_algo_and_in_flight(void **state)
{
    (void)state;
    /* RFC 9000 §9.4: a new path starts from the initial window; packets still
     * in flight on the old path stay counted, and the algorithm is kept. */
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_NEWRENO, 1200);
    quic_sent_pkt p[3] = {pkt(0, 1200, 0), pkt(1, 1200, 0), pkt(2, 1200, 0)};
    for (int i = 0; i < 3; i++)
        quic_cc_on_sent(&cc, 1200, 0);
    quic_cc_on_lost(&cc, p, 1, false, 10 * MS);
    assert_true(cc.cwnd < 12000 && quic_cc_congestion_events(&cc) == 1);
    quic_cc_reset_for_new_path(&cc, 1452);
    assert_true(cc.algo == QUIC_CC_NEWRENO);
    assert_true(cc.cwnd == 14520 && cc.ssthresh == UINT64_MAX);
    assert_true(quic_cc_bytes_in_flight(&cc) == 2400);
    assert_true(quic_cc_congestion_events(&cc) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_window),
        cmocka_unit_test(test_slow_start),
        cmocka_unit_test(test_recovery_and_avoidance),
        cmocka_unit_test(test_persistent_congestion),
        cmocka_unit_test(test_app_limited_and_discard),
        cmocka_unit_test(test_new_path_resets_window_keeps_algo_and_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
