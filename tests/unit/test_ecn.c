/* ECN counting and validation (RFC 9000 §13.4; quic/ecn.c). */
#include "common/tu.h"
#include "quic/ecn.h"
#include "quic/quic.h"

enum { APP = 2 };

/* Packets [from, to) of APP sent in the current datagram's mark (ECT(0) in
 * these validation tests, which leave the testing period's clock alone). */
static void sent_range(quic_ecn *e, uint64_t from, uint64_t to)
{
    for (uint64_t pn = from; pn < to; pn++) {
        assert_int_equal(quic_ecn_tx_mark(e), QUIC_ECN_ECT0);
        quic_ecn_on_sent(e, APP, pn);
    }
}

static void sent_marked(quic_ecn *e, uint64_t n) { sent_range(e, 0, n); }

static void test_ecn_counts_matching_sent_validate(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 4);
    uint64_t c[3] = {3, 0, 1}; /* one of four came CE-marked */
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 4, 4, true), QUIC_ECN_ACK_CE);
    assert_int_equal(e.state, QUIC_ECN_CAPABLE);
    assert_int_equal(e.ce_signals, 1);
    /* the same CE count again is no new signal */
    sent_range(&e, 4, 6);
    uint64_t c2[3] = {5, 0, 1};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c2, 2, 2, true), QUIC_ECN_ACK_OK);
    assert_int_equal(e.ce_signals, 1);
}

static void test_ecn_counts_exceeding_sent_fail(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 3);
    uint64_t c[3] = {4, 0, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 3, 3, true), QUIC_ECN_ACK_FAILED);
    assert_int_equal(e.state, QUIC_ECN_FAILED);
    assert_int_equal(quic_ecn_mark(&e), QUIC_ECN_NOT_ECT);
    assert_int_equal(quic_ecn_tx_mark(&e), QUIC_ECN_NOT_ECT);
    /* what is sent after is unmarked, what was before stays marked */
    quic_ecn_on_sent(&e, APP, 3);
    assert_true(quic_ecn_was_marked(&e, APP, 2));
    assert_false(quic_ecn_was_marked(&e, APP, 3));
    /* nothing is judged any more */
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 3, 3, true), QUIC_ECN_ACK_OK);
}

static void test_ecn_ect1_count_fails_when_only_ect0_sent(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 2);
    uint64_t c[3] = {1, 1, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 2, 2, true), QUIC_ECN_ACK_FAILED);
}

static void test_ecn_counts_missing_newly_acked_fail(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 5);
    uint64_t c[3] = {2, 0, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 2, 2, true), QUIC_ECN_ACK_OK);
    uint64_t c2[3] = {3, 0, 0}; /* three more acknowledged, one counted */
    assert_int_equal(quic_ecn_on_ack(&e, APP, c2, 3, 3, true), QUIC_ECN_ACK_FAILED);
}

static void test_ecn_plain_ack_of_marked_packets_fails(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 2);
    assert_int_equal(quic_ecn_on_ack(&e, APP, NULL, 0, 0, true), QUIC_ECN_ACK_OK);
    assert_int_equal(quic_ecn_on_ack(&e, APP, NULL, 2, 2, true), QUIC_ECN_ACK_FAILED);
}

static void test_ecn_decreasing_counts_fail(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 4);
    uint64_t c[3] = {2, 0, 1};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 3, 3, true), QUIC_ECN_ACK_CE);
    uint64_t c2[3] = {3, 0, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c2, 0, 0, true), QUIC_ECN_ACK_FAILED);
}

static void test_ecn_ack_not_advancing_is_not_judged(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    sent_marked(&e, 2);
    assert_int_equal(quic_ecn_on_ack(&e, APP, NULL, 2, 2, false), QUIC_ECN_ACK_OK);
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

/* ---- the testing period of a path (RFC 9000 §13.4.2, Appendix A.4) ---- */

enum { PTO = 100000 }; /* 100 ms */

/* One datagram at now with one APP packet pn; returns its codepoint. */
static uint8_t dgram(quic_ecn *e, uint64_t now, uint64_t pn)
{
    uint8_t m = quic_ecn_on_datagram(e, now, PTO);
    assert_int_equal(quic_ecn_tx_mark(e), m);
    quic_ecn_on_sent(e, APP, pn);
    return m;
}

/* The first ten packets go marked, then unmarked until validated. */
static void test_ecn_testing_period_ends_after_ten_marked_packets(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    for (uint64_t pn = 0; pn < QUIC_ECN_TESTING_PACKETS; pn++) {
        assert_int_equal(dgram(&e, pn, pn), QUIC_ECN_ECT0);
        assert_int_equal(e.state, QUIC_ECN_TESTING);
    }
    assert_int_equal(dgram(&e, 20, 10), QUIC_ECN_NOT_ECT);
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
    assert_true(quic_ecn_was_marked(&e, APP, 9));
    assert_false(quic_ecn_was_marked(&e, APP, 10));
}

/* Fewer packets than that: the period ends three PTOs after it began. */
static void test_ecn_testing_period_ends_after_three_ptos(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    assert_int_equal(dgram(&e, 1000, 0), QUIC_ECN_ECT0);
    assert_int_equal(dgram(&e, 1000 + 3 * PTO - 1, 1), QUIC_ECN_ECT0);
    assert_int_equal(dgram(&e, 1000 + 3 * PTO, 2), QUIC_ECN_NOT_ECT);
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
}

/* Ten marked, then unmarked; an ACK whose counts cover the marked ones makes
 * the path capable and every packet after goes marked. */
static void test_ecn_unknown_path_capable_once_marked_packets_validated(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    for (uint64_t pn = 0; pn < 12; pn++)
        dgram(&e, 0, pn);
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
    /* an ACK of unmarked packets only leaves it unknown */
    uint64_t none[3] = {0, 0, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, none, 0, 0, true), QUIC_ECN_ACK_OK);
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
    uint64_t c[3] = {10, 0, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 10, 10, true), QUIC_ECN_ACK_OK);
    assert_int_equal(e.state, QUIC_ECN_CAPABLE);
    for (uint64_t pn = 12; pn < 40; pn++)
        assert_int_equal(dgram(&e, 10 * PTO + pn, pn), QUIC_ECN_ECT0);
    assert_int_equal(e.state, QUIC_ECN_CAPABLE);
}

/* A validated ACK during the testing period: capable at once, the marks go
 * on past ten packets. */
static void test_ecn_validated_during_testing_keeps_marking(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    dgram(&e, 0, 0);
    dgram(&e, 0, 1);
    uint64_t c[3] = {2, 0, 0};
    quic_ecn_on_ack(&e, APP, c, 2, 2, true);
    assert_int_equal(e.state, QUIC_ECN_CAPABLE);
    for (uint64_t pn = 2; pn < 30; pn++)
        assert_int_equal(dgram(&e, pn, pn), QUIC_ECN_ECT0);
}

/* Appendix A.4: every marked packet of the testing period lost (a box that
 * drops ECT packets): failed, and no more marks. */
static void test_ecn_all_marked_packets_lost_fails(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    for (uint64_t pn = 0; pn < 14; pn++)
        dgram(&e, 0, pn);
    for (uint64_t pn = 0; pn < 9; pn++)
        assert_false(quic_ecn_on_lost(&e, APP, pn));
    assert_false(quic_ecn_on_lost(&e, APP, 12)); /* unmarked: not counted */
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
    assert_true(quic_ecn_on_lost(&e, APP, 9));
    assert_int_equal(e.state, QUIC_ECN_FAILED);
    assert_int_equal(dgram(&e, 1, 14), QUIC_ECN_NOT_ECT);
}

/* Losses during the testing period are judged when it ends: all marked
 * packets lost by then fails at once. */
static void test_ecn_losses_during_testing_judged_when_it_ends(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    for (uint64_t pn = 0; pn < 3; pn++)
        dgram(&e, 0, pn);
    for (uint64_t pn = 0; pn < 3; pn++)
        assert_false(quic_ecn_on_lost(&e, APP, pn));
    assert_int_equal(e.state, QUIC_ECN_TESTING);
    assert_int_equal(dgram(&e, PTO, 3), QUIC_ECN_ECT0);
    assert_false(quic_ecn_on_lost(&e, APP, 3));
    assert_int_equal(dgram(&e, 3 * PTO, 4), QUIC_ECN_NOT_ECT);
    assert_int_equal(e.state, QUIC_ECN_FAILED);
}

/* One marked packet acknowledged (by a reordered ACK, not judged): the
 * losses of all the others are only losses, not a failure of ECN. */
static void test_ecn_some_marked_acked_then_others_lost_not_failed(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    for (uint64_t pn = 0; pn < 11; pn++)
        dgram(&e, 0, pn);
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
    uint64_t c[3] = {1, 0, 0};
    quic_ecn_on_ack(&e, APP, c, 1, 1, false);
    for (uint64_t pn = 1; pn < 10; pn++)
        assert_false(quic_ecn_on_lost(&e, APP, pn));
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
}

/* No ACK validates a marked packet within three PTOs of the testing period
 * (e.g. they left with the Initial keys, never declared lost): failed. */
static void test_ecn_unvalidated_three_ptos_after_testing_fails(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    dgram(&e, 0, 0);
    assert_int_equal(dgram(&e, 3 * PTO, 1), QUIC_ECN_NOT_ECT);
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
    dgram(&e, 6 * PTO - 1, 2);
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
    dgram(&e, 6 * PTO, 3);
    assert_int_equal(e.state, QUIC_ECN_FAILED);
    assert_int_equal(e.why, QUIC_ECN_WHY_NOT_VALIDATED);
}

/* RFC 9000 §13.4.2: a new path is tested anew, even after a failure, with
 * the peer's latest counts as baseline (they are per packet number space,
 * §13.4.1, and keep counting across paths). */
static void test_ecn_new_path_tests_again_from_latest_counts(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    for (uint64_t pn = 0; pn < 4; pn++)
        dgram(&e, 0, pn);
    uint64_t c[3] = {4, 0, 0};
    quic_ecn_on_ack(&e, APP, c, 4, 4, true);
    assert_int_equal(e.state, QUIC_ECN_CAPABLE);
    dgram(&e, 1, 4);
    dgram(&e, 1, 5);
    uint64_t bleached[3] = {4, 0, 0}; /* 4 and 5 came unmarked */
    assert_int_equal(quic_ecn_on_ack(&e, APP, bleached, 2, 2, true), QUIC_ECN_ACK_FAILED);
    assert_int_equal(dgram(&e, 2, 6), QUIC_ECN_NOT_ECT);
    /* the peer's counts went on while failed (its own ACK of pn 6 and 7) */
    dgram(&e, 2, 7);
    uint64_t later[3] = {5, 0, 0};
    quic_ecn_on_ack(&e, APP, later, 0, 0, true);

    quic_ecn_new_path(&e, 8);
    assert_int_equal(e.state, QUIC_ECN_TESTING);
    assert_int_equal(dgram(&e, 1000, 8), QUIC_ECN_ECT0);
    assert_int_equal(dgram(&e, 1000, 9), QUIC_ECN_ECT0);
    assert_false(quic_ecn_marked_on_path(&e, APP, 3)); /* the old path's */
    assert_true(quic_ecn_marked_on_path(&e, APP, 9));
    /* counted from the baseline 5: both new packets covered */
    uint64_t c2[3] = {6, 0, 1};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c2, 2, 2, true), QUIC_ECN_ACK_CE);
    assert_int_equal(e.state, QUIC_ECN_CAPABLE);
}

/* A marked packet of the old path acknowledged on the new one proves nothing
 * of the new path, and its loss does not count against it. */
static void test_ecn_old_path_packets_do_not_judge_new_path(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    for (uint64_t pn = 0; pn < 3; pn++)
        dgram(&e, 0, pn);
    quic_ecn_new_path(&e, 3);
    for (uint64_t pn = 3; pn < 13; pn++)
        dgram(&e, 10, pn);
    assert_int_equal(dgram(&e, 10, 13), QUIC_ECN_NOT_ECT);
    uint64_t c[3] = {1, 0, 0};
    assert_int_equal(quic_ecn_on_ack(&e, APP, c, 1, 0, true), QUIC_ECN_ACK_OK);
    assert_int_equal(e.state, QUIC_ECN_UNKNOWN);
    assert_false(quic_ecn_on_lost(&e, APP, 1));
    for (uint64_t pn = 3; pn < 12; pn++)
        assert_false(quic_ecn_on_lost(&e, APP, pn));
    assert_true(quic_ecn_on_lost(&e, APP, 12));
}

/* A path probe goes unmarked between marked packets: the run of marked
 * packet numbers after it says exactly which were marked; skipped numbers
 * (never sent) do not split a run. */
static void test_ecn_unmarked_probe_between_marked_packets(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    dgram(&e, 0, 0);
    dgram(&e, 0, 1);
    quic_ecn_on_datagram(&e, 0, PTO);
    quic_ecn_unmarked_datagram(&e);
    assert_int_equal(quic_ecn_tx_mark(&e), QUIC_ECN_NOT_ECT);
    quic_ecn_on_sent(&e, APP, 2);
    dgram(&e, 0, 3);
    dgram(&e, 0, 5); /* 4 skipped */
    /* the run before the probe: exact while a slot keeps it */
    assert_int_equal(quic_ecn_was_marked(&e, APP, 1), QUIC_ECN_RUNS > 1);
    assert_false(quic_ecn_was_marked(&e, APP, 2));
    assert_true(quic_ecn_was_marked(&e, APP, 3));
    assert_true(quic_ecn_was_marked(&e, APP, 5));
    assert_false(quic_ecn_was_marked(&e, APP, 6));
    assert_int_equal(e.sp[APP].sent_ect0, 4);
}

/* More runs than kept: the oldest is forgotten (counted unmarked, which
 * only weakens the checks), the newest are exact. */
static void test_ecn_runs_forget_oldest_when_full(void **state)
{
    (void)state;
    quic_ecn e;
    quic_ecn_init(&e);
    uint64_t pn = 0;
    for (int r = 0; r < QUIC_ECN_RUNS + 1; r++) {
        dgram(&e, 0, pn++); /* marked */
        quic_ecn_unmarked_datagram(&e);
        quic_ecn_on_sent(&e, APP, pn++); /* unmarked */
    }
    assert_int_equal(e.n_runs[APP], QUIC_ECN_RUNS);
    assert_false(quic_ecn_was_marked(&e, APP, 0));
    for (uint64_t k = 2; k < pn; k += 2) {
        assert_true(quic_ecn_was_marked(&e, APP, k));
        assert_false(quic_ecn_was_marked(&e, APP, k + 1));
    }
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
        cmocka_unit_test(test_ecn_testing_period_ends_after_ten_marked_packets),
        cmocka_unit_test(test_ecn_testing_period_ends_after_three_ptos),
        cmocka_unit_test(test_ecn_unknown_path_capable_once_marked_packets_validated),
        cmocka_unit_test(test_ecn_validated_during_testing_keeps_marking),
        cmocka_unit_test(test_ecn_all_marked_packets_lost_fails),
        cmocka_unit_test(test_ecn_some_marked_acked_then_others_lost_not_failed),
        cmocka_unit_test(test_ecn_losses_during_testing_judged_when_it_ends),
        cmocka_unit_test(test_ecn_unvalidated_three_ptos_after_testing_fails),
        cmocka_unit_test(test_ecn_new_path_tests_again_from_latest_counts),
        cmocka_unit_test(test_ecn_old_path_packets_do_not_judge_new_path),
        cmocka_unit_test(test_ecn_unmarked_probe_between_marked_packets),
        cmocka_unit_test(test_ecn_runs_forget_oldest_when_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
