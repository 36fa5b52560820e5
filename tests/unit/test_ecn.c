/* ECN counting and validation (RFC 9000 §13.4; quic/ecn.c). */
#include "common/tu.h"
#include "quic/ecn.h"
#include "quic/quic.h"

enum { APP = 2 };

/* n packets of APP sent marked, numbered from 0. */
static void sent_marked(quic_ecn *e, uint64_t n)
{
    for (uint64_t pn = 0; pn < n; pn++) {
        assert_int_equal(quic_ecn_mark(e), QUIC_ECN_ECT0);
        quic_ecn_on_sent(e, APP, pn);
    }
}

static void test_ecn_counts_matching_sent_validate(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 4);
    uint64_t c[3] = {3, 0, 1}; /* one of four came CE-marked */
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 4, true), QUIC_ECN_ACK_CE);
    assert_int_equal(e.state, QUIC_ECN_CAPABLE);
    assert_int_equal(e.ce_signals, 1);
    /* the same CE count again is no new signal */
    sent_marked(&e, 6);
    uint64_t c2[3] = {5, 0, 1};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c2, 2, true), QUIC_ECN_ACK_OK);
    assert_int_equal(e.ce_signals, 1);
}

static void test_ecn_counts_exceeding_sent_fail(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 3);
    uint64_t c[3] = {4, 0, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 3, true), QUIC_ECN_ACK_FAILED);
    uint64_t next[3] = {0, 0, 3};
    quic_ecn_fail(&e, e.why, next);
    assert_int_equal(quic_ecn_mark(&e), QUIC_ECN_NOT_ECT);
    /* what is sent after is unmarked, what was before stays marked */
    quic_ecn_on_sent(&e, APP, 3);
    assert_true(quic_ecn_was_marked(&e, APP, 2));
    assert_false(quic_ecn_was_marked(&e, APP, 3));
    /* nothing is judged any more */
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 3, true), QUIC_ECN_ACK_OK);
}

static void test_ecn_ect1_count_fails_when_only_ect0_sent(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 2);
    uint64_t c[3] = {1, 1, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 2, true), QUIC_ECN_ACK_FAILED);
}

static void test_ecn_counts_missing_newly_acked_fail(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 5);
    uint64_t c[3] = {2, 0, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 2, true), QUIC_ECN_ACK_OK);
    uint64_t c2[3] = {3, 0, 0}; /* three more acknowledged, one counted */
    assert_int_equal(quic_ecn_on_ack(&e, APP, c2, 3, true), QUIC_ECN_ACK_FAILED);
}

static void test_ecn_plain_ack_of_marked_packets_fails(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 2);
    assert_int_equal(quic_ecn_on_ack(&e, APP, NULL, 0, true), QUIC_ECN_ACK_OK);
    assert_int_equal(quic_ecn_on_ack(&e, APP, NULL, 2, true), QUIC_ECN_ACK_FAILED);
}

static void test_ecn_decreasing_counts_fail(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 4);
    uint64_t c[3] = {2, 0, 1};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 3, true), QUIC_ECN_ACK_CE);
    uint64_t c2[3] = {3, 0, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c2, 0, true), QUIC_ECN_ACK_FAILED);
}

static void test_ecn_ack_not_advancing_is_not_judged(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 2);
    assert_int_equal(quic_ecn_on_ack(&e, APP, NULL, 2, false), QUIC_ECN_ACK_OK);
    assert_int_equal(e.state, QUIC_ECN_TESTING);
}

static void test_ecn_received_marks_counted_per_space(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    assert_null(quic_ecn_ack_counts(&e, APP));
    quic_ecn_on_received(&e, APP, QUIC_ECN_NOT_ECT);
    assert_null(quic_ecn_ack_counts(&e, APP)); /* a plain ACK will do */
    quic_ecn_on_received(&e, APP, QUIC_ECN_ECT0);
    quic_ecn_on_received(&e, APP, QUIC_ECN_ECT0);
    quic_ecn_on_received(&e, APP, QUIC_ECN_ECT1);
    quic_ecn_on_received(&e, APP, QUIC_ECN_CE);
    quic_ecn_on_received(&e, 0, QUIC_ECN_CE);
    const uint64_t *c = quic_ecn_ack_counts(&e, APP);
    assert_non_null(c);
    assert_int_equal(c[0], 2);
    assert_int_equal(c[1], 1);
    assert_int_equal(c[2], 1);
    assert_int_equal(quic_ecn_ack_counts(&e, 0)[2], 1);
    assert_null(quic_ecn_ack_counts(&e, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecn_counts_matching_sent_validate),
        cmocka_unit_test(test_ecn_counts_exceeding_sent_fail),
        cmocka_unit_test(test_ecn_ect1_count_fails_when_only_ect0_sent),
        cmocka_unit_test(test_ecn_counts_missing_newly_acked_fail),
        cmocka_unit_test(test_ecn_plain_ack_of_marked_packets_fails),
        cmocka_unit_test(test_ecn_decreasing_counts_fail),
        cmocka_unit_test(test_ecn_ack_not_advancing_is_not_judged),
        cmocka_unit_test(test_ecn_received_marks_counted_per_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
