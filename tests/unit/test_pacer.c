/* The pacer (RFC 9002 §7.7): a token bucket refilled at a given rate. */
#include "common/tu.h"
#include "quic/pacer.h"

#define MS 1000ULL

/* §7.7: a burst of 10 packets, then one packet per
 * srtt * size / (1.25 * cwnd) = 100 ms * 1200 / 15000 = 8 ms. */
static void test_pacer_bursts_then_spaces_packets(void **state)
{
    (void)state;
    quic_pacer p;
    quic_pacer_init(&p, 1200, 0);
    assert_true(p.capacity == 12000);
    uint64_t now = 0;
    /* 1.25 * cwnd / srtt with cwnd 12000 and srtt 100 ms */
    quic_pacer_rate r = {5 * 12000, 4 * 100 * MS};
    for (int i = 0; i < 10; i++) {
        assert_true(quic_pacer_next_send_time(&p, r, 1200, now) == now);
        quic_pacer_on_sent(&p, r, 1200, now);
    }
    assert_true(quic_pacer_next_send_time(&p, r, 1200, now) == 8 * MS);
    /* consulted every microsecond, the credit still adds up exactly */
    uint64_t sent = 0, first = 0, lastt = 0;
    for (now = 1; sent < 100; now++) {
        if (quic_pacer_next_send_time(&p, r, 1200, now) <= now) {
            quic_pacer_on_sent(&p, r, 1200, now);
            if (sent == 0)
                first = now;
            lastt = now;
            sent++;
        }
    }
    assert_true(first == 8 * MS);
    assert_true(lastt == 800 * MS); /* 100 packets, 8 ms apart */
    /* an idle pause refills the bucket up to the burst, not beyond */
    now = lastt + 10 * 1000 * MS;
    for (int i = 0; i < 10; i++) {
        assert_true(quic_pacer_next_send_time(&p, r, 1200, now) == now);
        quic_pacer_on_sent(&p, r, 1200, now);
    }
    assert_true(quic_pacer_next_send_time(&p, r, 1200, now) > now);
    /* a larger window paces faster: cwnd 120000 -> 0.8 ms per packet */
    r.bytes = 5 * 120000;
    assert_true(quic_pacer_next_send_time(&p, r, 1200, now) == now + 800);
    /* no RTT estimate: no pacing */
    assert_true(quic_pacer_next_send_time(&p, (quic_pacer_rate){0, 0}, 1200, now) == now);
    /* a huge srtt does not overflow */
    assert_true(quic_pacer_next_send_time(&p, (quic_pacer_rate){5 * 120000, UINT64_MAX}, 1200, now) > now);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pacer_bursts_then_spaces_packets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
