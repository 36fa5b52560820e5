/* Loss detection and RTT estimation (RFC 9002 §5, §6, §7.6, Appendix A).
 * The RTT numbers are worked out by hand from the §5.3 formulas. */
#include "common/tu.h"
#include "quic/ackrange.h"
#include "quic/cc.h"
#include "quic/recovery.h"
#include "quic/recvbuf.h"
#include "quic/sendbuf.h"

#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#define MS 1000ULL
#define APP QUIC_SPACE_APPLICATION
#define HS QUIC_SPACE_HANDSHAKE
#define INI QUIC_SPACE_INITIAL

/* ---- a counting allocator: proves no allocation after init ---- */
typedef struct counter { size_t calls; size_t live; } counter;
static void *c_alloc(void *ud, size_t n) { ((counter *)ud)->calls++; ((counter *)ud)->live++; return malloc(n); }
static void *c_realloc(void *ud, void *p, size_t n) { ((counter *)ud)->calls++; if (!p) ((counter *)ud)->live++; return realloc(p, n); }
static void c_free(void *ud, void *p) { if (p) ((counter *)ud)->live--; free(p); }

static void test_rtt_by_hand(void **state)
{
    (void)state;
    quic_rtt r;
    quic_rtt_init(&r, 0);
    /* §6.2.2: smoothed = 333 ms, rttvar = 166.5 ms before any sample */
    assert_true(r.smoothed == 333000 && r.var == 166500);
    assert_true(quic_rtt_pto_base(&r) == 333000 + 4 * 166500);
    /* first sample 100 ms: min = smoothed = 100, rttvar = 50 (§5.3) */
    quic_rtt_update(&r, 100 * MS, 7 * MS, 25 * MS, true, 1000 * MS);
    assert_true(r.min == 100 * MS && r.smoothed == 100 * MS && r.var == 50 * MS);
    assert_true(r.first_sample_time == 1000 * MS);
    /* 120 ms with ack_delay 10: 120 >= 100 + 10 -> adjusted 110;
     * rttvar = 3/4*50 + 1/4*|100-110| = 40; smoothed = 7/8*100 + 1/8*110 = 101.25 */
    quic_rtt_update(&r, 120 * MS, 10 * MS, 25 * MS, true, 0);
    assert_true(r.var == 40000 && r.smoothed == 101250);
    /* 105 ms with ack_delay 30 capped at max_ack_delay 25 after confirmation:
     * 105 < 100 + 25 -> not adjusted; rttvar = 30 + 3.75/4 = 30.9375;
     * smoothed = 7/8*101.25 + 105/8 = 101.71875 (integer us: truncated) */
    quic_rtt_update(&r, 105 * MS, 30 * MS, 25 * MS, true, 0);
    assert_true(r.var == 30937 && r.smoothed == 101718);
    assert_true(r.min == 100 * MS && r.latest == 105 * MS);
    /* before confirmation the delay is not capped: 140 - 30 = 110 */
    quic_rtt r2 = r;
    quic_rtt_update(&r2, 140 * MS, 30 * MS, 25 * MS, false, 0);
    assert_true(r2.smoothed == (7 * 101718 + 110000) / 8);
    /* after confirmation it is: 140 - 25 = 115 */
    r2 = r;
    quic_rtt_update(&r2, 140 * MS, 30 * MS, 25 * MS, true, 0);
    assert_true(r2.smoothed == (7 * 101718 + 115000) / 8);
    /* min_rtt follows a lower sample and ignores ack delay */
    quic_rtt_update(&r, 80 * MS, 50 * MS, 25 * MS, true, 0);
    assert_true(r.min == 80 * MS);
    /* kGranularity floors the variance term and the loss delay */
    quic_rtt t;
    quic_rtt_init(&t, 0);
    quic_rtt_update(&t, 100, 0, 0, true, 0); /* 100 us */
    assert_true(quic_rtt_pto_base(&t) == 100 + QUIC_RTT_GRANULARITY);
    assert_true(quic_rtt_loss_delay(&t) == QUIC_RTT_GRANULARITY);
    /* loss delay = 9/8 * max(smoothed, latest) */
    quic_rtt_init(&t, 0);
    quic_rtt_update(&t, 80 * MS, 0, 0, true, 0);
    assert_true(quic_rtt_loss_delay(&t) == 90 * MS);
}

static quic_recovery new_rc(bool server, size_t cap)
{
    quic_recovery rc;
    quic_recovery_config cfg = {.max_sent_packets = cap, .is_server = server};
    assert_int_equal(quic_recovery_init(&rc, &cfg, NULL), 0);
    return rc;
}

static void ack1(quic_recovery *rc, quic_pn_space sp, uint64_t lo, uint64_t hi, uint64_t now,
                 quic_recovery_result *res)
{
    quic_pn_range r = {lo, hi};
    assert_int_equal(quic_recovery_on_ack(rc, sp, &r, 1, 0, now, res), 0);
}

static void test_ack_basic(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(true, 64);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    for (uint64_t pn = 0; pn < 10; pn++)
        assert_int_equal(quic_recovery_on_sent(&rc, APP, pn, 1200, true, true, 100 + pn, pn * MS), 0);
    assert_true(quic_recovery_bytes_in_flight(&rc) == 12000);
    assert_true(quic_recovery_deadline(&rc) != QUIC_RECOVERY_NEVER);
    /* two ranges, largest first: {5..9}, {0..3}; 4 missing */
    quic_pn_range r[2] = {{5, 9}, {0, 3}};
    quic_recovery_result res;
    assert_int_equal(quic_recovery_on_ack(&rc, APP, r, 2, 0, 59 * MS, &res), 0);
    assert_int_equal(res.n_acked, 9);
    for (size_t i = 1; i < res.n_acked; i++)
        assert_true(res.acked[i].pn > res.acked[i - 1].pn); /* ascending */
    assert_true(res.acked[0].handle == 100 && res.acked[8].handle == 109);
    assert_true(res.rtt_sampled);
    assert_true(quic_recovery_rtt(&rc)->latest == 50 * MS); /* 59 - 9 */
    /* 4 is lost by packet threshold: 9 >= 4 + 3 */
    assert_int_equal(res.n_lost, 1);
    assert_true(res.lost[0].pn == 4);
    assert_int_equal(res.action, QUIC_RECOVERY_LOSS);
    assert_true(quic_recovery_bytes_in_flight(&rc) == 0);
    assert_true(quic_recovery_deadline(&rc) == QUIC_RECOVERY_NEVER);
    assert_int_equal(quic_recovery_tracked(&rc, APP), 0);
    /* a repeated ACK acknowledges nothing new and samples no RTT */
    assert_int_equal(quic_recovery_on_ack(&rc, APP, r, 2, 0, 70 * MS, &res), 0);
    assert_int_equal(res.n_acked, 0);
    assert_false(res.rtt_sampled);
    quic_recovery_free(&rc);
}

/* RFC 9000 §13.1 / quic-go: an ACK of a packet number never sent. */
static void test_ack_unsent(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(true, 64);
    quic_recovery_result res;
    quic_pn_range r = {0, 0};
    assert_int_equal(quic_recovery_on_ack(&rc, APP, &r, 1, 0, 0, &res), QUIC_RECOVERY_ERR_UNSENT_ACKED);
    quic_recovery_on_sent(&rc, APP, 0, 100, true, true, 0, 0);
    quic_recovery_on_sent(&rc, APP, 1, 100, true, true, 0, 0);
    assert_int_equal(quic_recovery_skip_pn(&rc, APP, 2), 0);
    quic_recovery_on_sent(&rc, APP, 3, 100, true, true, 0, 0);
    r = (quic_pn_range){0, 4};
    assert_int_equal(quic_recovery_on_ack(&rc, APP, &r, 1, 0, 10, &res), QUIC_RECOVERY_ERR_UNSENT_ACKED);
    r = (quic_pn_range){1, 3}; /* covers the skipped 2 */
    assert_int_equal(quic_recovery_on_ack(&rc, APP, &r, 1, 0, 10, &res), QUIC_RECOVERY_ERR_UNSENT_ACKED);
    assert_true(quic_recovery_bytes_in_flight(&rc) == 300); /* nothing changed */
    quic_pn_range ok[2] = {{3, 3}, {0, 1}};
    assert_int_equal(quic_recovery_on_ack(&rc, APP, ok, 2, 0, 10, &res), 0);
    assert_int_equal(res.n_acked, 3);
    /* malformed ranges */
    quic_pn_range bad[2] = {{0, 1}, {3, 3}};
    assert_int_equal(quic_recovery_on_ack(&rc, APP, bad, 2, 0, 10, &res), QUIC_RECOVERY_ERR_BAD_RANGES);
    /* packet numbers must increase */
    assert_int_equal(quic_recovery_on_sent(&rc, APP, 3, 100, true, true, 0, 0), QUIC_RECOVERY_ERR_PN_ORDER);
    quic_recovery_free(&rc);
}

/* RFC 9002 §6.1.2: time threshold, and the loss timer that arms it. */
static void test_time_threshold(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(true, 64);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    quic_recovery_on_sent(&rc, APP, 0, 1000, true, true, 0, 0);
    quic_recovery_on_sent(&rc, APP, 1, 1000, true, true, 0, 10 * MS);
    quic_recovery_result res;
    ack1(&rc, APP, 1, 1, 90 * MS, &res); /* sample 80 ms */
    assert_true(rc.rtt.latest == 80 * MS);
    /* 1 < 0 + 3, but loss_delay = 9/8 * 80 = 90 ms and 0 left 90 ms ago:
     * time_sent <= now - loss_delay, lost at once */
    assert_int_equal(res.n_lost, 1);
    quic_recovery_free(&rc);

    rc = new_rc(true, 64);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    quic_recovery_on_sent(&rc, APP, 0, 1000, true, true, 0, 5 * MS);
    quic_recovery_on_sent(&rc, APP, 1, 1000, true, true, 0, 10 * MS);
    ack1(&rc, APP, 1, 1, 90 * MS, &res);
    assert_int_equal(res.n_lost, 0);
    /* 0 sent at 5 ms, loss delay 90 ms -> loss timer at 95 ms */
    assert_true(quic_recovery_deadline(&rc) == 95 * MS);
    quic_recovery_on_timeout(&rc, 94 * MS, &res);
    assert_int_equal(res.action, QUIC_RECOVERY_NONE);
    quic_recovery_on_timeout(&rc, 95 * MS, &res);
    assert_int_equal(res.action, QUIC_RECOVERY_LOSS);
    assert_int_equal(res.n_lost, 1);
    assert_true(res.lost[0].pn == 0);
    assert_true(quic_recovery_deadline(&rc) == QUIC_RECOVERY_NEVER);
    assert_int_equal(rc.pto_count, 0); /* a loss timer is not a PTO */
    quic_recovery_free(&rc);
}

/* RFC 9002 §6.2.1: PTO = srtt + max(4 rttvar, 1 ms) + max_ack_delay, doubled
 * each time; no application PTO before handshake confirmation. */
static void test_pto_backoff(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(true, 64);
    quic_recovery_on_sent(&rc, APP, 0, 1000, true, true, 0, 0);
    assert_true(quic_recovery_deadline(&rc) == QUIC_RECOVERY_NEVER); /* not confirmed */
    quic_recovery_set_handshake_confirmed(&rc, 0);
    uint64_t pto = 333 * MS + 4 * 166500 + 25 * MS; /* 1024 ms */
    assert_true(quic_recovery_deadline(&rc) == pto);
    quic_recovery_result res;
    quic_recovery_on_timeout(&rc, pto - 1, &res);
    assert_int_equal(res.action, QUIC_RECOVERY_NONE);
    quic_recovery_on_timeout(&rc, pto, &res);
    assert_int_equal(res.action, QUIC_RECOVERY_PTO);
    assert_int_equal(res.probe_space, APP);
    assert_int_equal(res.probes, 2);
    assert_int_equal(res.n_lost, 0); /* §6.2: a PTO declares nothing lost */
    assert_true(quic_recovery_deadline(&rc) == 2 * pto);
    /* probes are sent; the second expiry doubles again from the last send */
    quic_recovery_on_sent(&rc, APP, 1, 1000, true, true, 0, pto);
    quic_recovery_on_sent(&rc, APP, 2, 1000, true, true, 0, pto);
    assert_true(quic_recovery_deadline(&rc) == pto + 2 * pto);
    quic_recovery_on_timeout(&rc, 3 * pto, &res);
    assert_int_equal(rc.pto_count, 2);
    assert_true(quic_recovery_deadline(&rc) == pto + 4 * pto);
    /* an ACK resets the backoff (server: peer address validated) */
    ack1(&rc, APP, 2, 2, 3 * pto + 10 * MS, &res);
    assert_int_equal(rc.pto_count, 0);
    /* Handshake PTO has no max_ack_delay and wins over application */
    quic_recovery hs = new_rc(true, 64);
    quic_recovery_on_sent(&hs, HS, 0, 1000, true, true, 0, 0);
    assert_true(quic_recovery_deadline(&hs) == 333 * MS + 4 * 166500);
    quic_recovery_free(&hs);
    quic_recovery_free(&rc);
}

/* RFC 9002 §6.2.2.1 and A.8: a client that is not sure the server validated
 * its address keeps a timer even with nothing in flight, and keeps its PTO
 * backoff on Initial ACKs. */
static void test_client_anti_deadlock(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(false, 64);
    quic_recovery_result res;
    quic_recovery_on_sent(&rc, INI, 0, 1200, true, true, 0, 0);
    uint64_t base = 333 * MS + 4 * 166500;
    assert_true(quic_recovery_deadline(&rc) == base);
    quic_recovery_on_timeout(&rc, base, &res);
    assert_int_equal(res.action, QUIC_RECOVERY_PTO);
    assert_int_equal(res.probe_space, INI);
    quic_recovery_on_sent(&rc, INI, 1, 1200, true, true, 0, base);
    /* the server acks the Initials: client keeps pto_count (not validated) */
    quic_pn_range r = {0, 1};
    assert_int_equal(quic_recovery_on_ack(&rc, INI, &r, 1, 0, base + 30 * MS, &res), 0);
    assert_int_equal(rc.pto_count, 1);
    /* nothing in flight, yet the anti-deadlock timer runs from now */
    uint64_t now = base + 30 * MS;
    uint64_t d = quic_rtt_pto_base(&rc.rtt) * 2;
    assert_true(quic_recovery_deadline(&rc) == now + d);
    quic_recovery_on_timeout(&rc, now + d, &res);
    assert_int_equal(res.action, QUIC_RECOVERY_ANTI_DEADLOCK);
    assert_int_equal(res.probe_space, INI);
    quic_recovery_set_has_handshake_keys(&rc, now + d);
    quic_recovery_on_timeout(&rc, quic_recovery_deadline(&rc), &res);
    assert_int_equal(res.action, QUIC_RECOVERY_ANTI_DEADLOCK);
    assert_int_equal(res.probe_space, HS);
    /* a Handshake ACK proves validation: the timer stops */
    uint64_t t = quic_recovery_deadline(&rc);
    quic_recovery_on_sent(&rc, HS, 0, 100, true, true, 0, t);
    ack1(&rc, HS, 0, 0, t + 20 * MS, &res);
    assert_int_equal(rc.pto_count, 0);
    assert_true(quic_recovery_deadline(&rc) == QUIC_RECOVERY_NEVER);
    quic_recovery_free(&rc);
}

/* A server blocked by the amplification limit arms no timer (A.8). */
static void test_amplification_blocked(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(true, 64);
    quic_recovery_on_sent(&rc, INI, 0, 1200, true, true, 0, 0);
    quic_recovery_set_amplification_blocked(&rc, true, 0);
    assert_true(quic_recovery_deadline(&rc) == QUIC_RECOVERY_NEVER);
    quic_recovery_set_amplification_blocked(&rc, false, 5 * MS);
    assert_true(quic_recovery_deadline(&rc) == 333 * MS + 4 * 166500);
    quic_recovery_free(&rc);
}

/* RFC 9002 §7.6.3 example, in units of 100 ms, with the PTO-sum
 * (srtt + max(4 rttvar, 1ms) + max_ack_delay) set to 2 units. */
static void pc_example(uint64_t first_ack_time, bool want_pc)
{
    const uint64_t U = 100 * MS;
    quic_recovery rc = new_rc(true, 64);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    quic_recovery_set_max_ack_delay(&rc, 0);
    quic_recovery_result res;
    quic_recovery_on_sent(&rc, APP, 1, 1000, true, true, 0, 0);
    quic_recovery_on_sent(&rc, APP, 2, 1000, true, true, 0, 1 * U);
    ack1(&rc, APP, 1, 1, first_ack_time, &res);
    /* set the estimator so the example's sums hold after #9's sample:
     * srtt 0.8 U, rttvar 0.4 U (4*rttvar*3/4 = 1.2 U after one more sample of 0.8 U) */
    rc.rtt.smoothed = 80 * MS;
    rc.rtt.var = 40 * MS;
    for (uint64_t pn = 3; pn <= 7; pn++)
        quic_recovery_on_sent(&rc, APP, pn, 1000, true, true, 0, (pn - 1) * U);
    quic_recovery_on_sent(&rc, APP, 8, 1000, true, true, 0, 8 * U);  /* PTO 1 */
    quic_recovery_on_sent(&rc, APP, 9, 1000, true, true, 0, 12 * U); /* PTO 2 */
    ack1(&rc, APP, 9, 9, 12 * U + 80 * MS, &res);
    assert_true(rc.rtt.smoothed == 80 * MS && quic_rtt_pto_base(&rc.rtt) == 2 * U);
    assert_int_equal(res.n_lost, 7); /* packets 2..8 */
    assert_true(res.lost[0].pn == 2 && res.lost[6].pn == 8);
    assert_int_equal(res.persistent_congestion, want_pc);
    quic_recovery_free(&rc);
}

static void test_persistent_congestion_example(void **state)
{
    (void)state;
    /* First RTT sample before #2 was sent: period 8 - 1 = 7 > 6. */
    pc_example(80 * MS, true);
    /* As printed (ack of #1 at t=1.2, after #2 left at t=1): §7.6.2 requires
     * an RTT sample before both packets were sent, so #2 does not count and
     * the period is 8 - 2 = 6, not more than 6. */
    pc_example(120 * MS, false);
}

/* An acknowledgment between two losses breaks the period (§7.6.2). */
static void test_persistent_congestion_broken(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(true, 64);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    quic_recovery_set_max_ack_delay(&rc, 0);
    quic_recovery_result res;
    quic_recovery_on_sent(&rc, APP, 0, 1000, true, true, 0, 0);
    ack1(&rc, APP, 0, 0, 10 * MS, &res); /* srtt 10 ms, rttvar 5 ms */
    for (uint64_t pn = 1; pn <= 20; pn++)
        quic_recovery_on_sent(&rc, APP, pn, 1000, true, true, 0, 10 * MS + pn * 20 * MS);
    ack1(&rc, APP, 20, 20, 450 * MS, &res);
    /* sample 40 ms: srtt 13.75, rttvar 11.25 -> duration 3 * 58.75 = 176.25 ms;
     * 1..17 lost by count, 18 and 19 by time; 1..19 span 360 ms */
    assert_int_equal(res.n_lost, 19);
    assert_true(res.persistent_congestion);
    quic_recovery_free(&rc);

    rc = new_rc(true, 64);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    quic_recovery_set_max_ack_delay(&rc, 0);
    quic_recovery_on_sent(&rc, APP, 0, 1000, true, true, 0, 0);
    ack1(&rc, APP, 0, 0, 10 * MS, &res);
    uint64_t t[] = {20, 80, 90, 140};          /* ms; #2 gets acked */
    for (uint64_t pn = 1; pn <= 4; pn++)
        quic_recovery_on_sent(&rc, APP, pn, 1000, true, true, 0, t[pn - 1] * MS);
    quic_recovery_on_sent(&rc, APP, 5, 1000, true, true, 0, 141 * MS);
    quic_recovery_on_sent(&rc, APP, 6, 1000, true, true, 0, 142 * MS);
    quic_recovery_on_sent(&rc, APP, 7, 1000, true, true, 0, 143 * MS);
    quic_pn_range r2[2] = {{7, 7}, {2, 2}};
    assert_int_equal(quic_recovery_on_ack(&rc, APP, r2, 2, 0, 150 * MS, &res), 0);
    /* sample 7 ms: srtt 9.625, rttvar 4.5 -> duration 82.875 ms. Lost by
     * count: 1 (20 ms), 3 (90), 4 (140); 1..4 spans 120 ms but #2 was acked
     * between; 3..4 spans 50 ms: no persistent congestion */
    assert_int_equal(res.n_lost, 3);
    assert_false(res.persistent_congestion);
    quic_recovery_free(&rc);
}

/* RFC 9002 A.11: discarding Handshake keys drops its records. */
static void test_discard_space(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(false, 64);
    quic_recovery_on_sent(&rc, INI, 0, 1200, true, true, 7, 0);
    quic_recovery_on_sent(&rc, INI, 1, 50, false, false, 8, 0);
    quic_recovery_on_sent(&rc, HS, 0, 500, true, true, 9, 0);
    quic_recovery_result res;
    quic_recovery_discard_space(&rc, INI, 10 * MS, &res);
    assert_int_equal(res.n_discarded, 2);
    assert_true(res.discarded[0].handle == 7);
    assert_true(quic_recovery_bytes_in_flight(&rc) == 500);
    assert_int_equal(quic_recovery_on_sent(&rc, INI, 2, 10, true, true, 0, 0), QUIC_RECOVERY_ERR_DISCARDED);
    quic_pn_range r = {0, 0};
    assert_int_equal(quic_recovery_on_ack(&rc, INI, &r, 1, 0, 0, &res), QUIC_RECOVERY_ERR_DISCARDED);
    assert_true(quic_recovery_deadline(&rc) == 333 * MS + 4 * 166500); /* HS packet at 0 */
    quic_recovery_free(&rc);
}

/* The bound: the ring grows to its cap and no further, nothing is allocated
 * once it is there; ACK-only records give way when it is full. */
static void test_bound_and_no_alloc(void **state)
{
    (void)state;
    counter c = {0, 0};
    qb_alloc a = {c_alloc, c_realloc, c_free, &c};
    quic_recovery rc;
    quic_recovery_config cfg = {.max_sent_packets = 8, .is_server = true};
    assert_int_equal(quic_recovery_init(&rc, &cfg, &a), 0);
    assert_int_equal(c.calls, 0); /* memory grows with use */
    quic_recovery_set_handshake_confirmed(&rc, 0);
    for (uint64_t pn = 0; pn < 8; pn++)
        assert_int_equal(quic_recovery_on_sent(&rc, APP, pn, 100, true, true, 0, pn), 0);
    size_t after_init = c.calls;
    assert_false(quic_recovery_can_send(&rc, APP));
    assert_int_equal(quic_recovery_on_sent(&rc, APP, 8, 100, true, true, 0, 8), QUIC_RECOVERY_ERR_FULL);
    /* an ACK-only packet may still go out, untracked */
    assert_int_equal(quic_recovery_on_sent(&rc, APP, 9, 40, false, false, 0, 9), QUIC_RECOVERY_ERR_FULL);
    quic_recovery_result res;
    ack1(&rc, APP, 0, 9, 20, &res);
    assert_int_equal(res.n_acked, 8);
    /* many rounds: ACK-only packets interleaved, ring stays at cap; the
     * evicted ACK-only records come back for their handles */
    uint64_t pn = 10, now = 100, evicted = 0;
    const quic_sent_pkt *ev;
    for (int round = 0; round < 1000; round++) {
        for (int k = 0; k < 3; k++) {
            assert_int_equal(quic_recovery_on_sent(&rc, APP, pn, 40, false, false, 1000 + pn, now++), 0);
            pn++;
            size_t n = quic_recovery_take_evicted(&rc, &ev);
            assert_true(n <= 1);
            if (n)
                assert_true(ev[0].handle >= 1000 && !ev[0].ack_eliciting);
            evicted += n;
        }
        for (int k = 0; k < 5 && quic_recovery_can_send(&rc, APP); k++)
            assert_int_equal(quic_recovery_on_sent(&rc, APP, pn++, 1000, true, true, 0, now++), 0);
        assert_true(quic_recovery_tracked(&rc, APP) <= 8);
        ack1(&rc, APP, pn - 2, pn - 1, now++, &res);
    }
    assert_true(evicted > 0);
    assert_int_equal(c.calls, after_init);
    quic_recovery_free(&rc);
    assert_int_equal(c.live, 0);

    /* undrained, eviction stops at QUIC_RECOVERY_EVICT_MAX records */
    rc = new_rc(true, 4);
    for (pn = 0; pn < 4 + QUIC_RECOVERY_EVICT_MAX; pn++)
        assert_int_equal(quic_recovery_on_sent(&rc, APP, pn, 40, false, false, pn, 0), 0);
    assert_int_equal(quic_recovery_on_sent(&rc, APP, pn, 40, false, false, pn, 0), QUIC_RECOVERY_ERR_FULL);
    assert_false(quic_recovery_can_send(&rc, APP));
    assert_int_equal(quic_recovery_take_evicted(&rc, &ev), QUIC_RECOVERY_EVICT_MAX);
    assert_true(ev[0].handle == 0 && ev[QUIC_RECOVERY_EVICT_MAX - 1].handle == QUIC_RECOVERY_EVICT_MAX - 1);
    assert_true(quic_recovery_can_send(&rc, APP));
    quic_recovery_free(&rc);
}

/* Issue 10: a ring holds nothing until used and grows with what is in flight. */
static void test_ring_grows_with_use(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(true, 1024);
    assert_int_equal(quic_recovery_heap(&rc), 0);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    for (uint64_t pn = 0; pn < 4; pn++)
        assert_int_equal(quic_recovery_on_sent(&rc, APP, pn, 100, true, true, 0, pn), 0);
    size_t small = quic_recovery_heap(&rc);
    assert_true(small > 0 && small <= 3 * 8 * sizeof(quic_sent_pkt));
    for (uint64_t pn = 4; pn < 300; pn++)
        assert_int_equal(quic_recovery_on_sent(&rc, APP, pn, 100, true, true, 0, pn), 0);
    assert_true(quic_recovery_heap(&rc) >= 3 * 300 * sizeof(quic_sent_pkt));
    quic_recovery_result res;
    ack1(&rc, APP, 0, 299, 1000, &res);
    assert_int_equal(res.n_acked, 300);
    quic_recovery_free(&rc);
}

/* RFC 9001 §4.9 + issue 10: a discarded space's ring is freed. */
static void test_discarded_space_ring_freed(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(false, 1024);
    for (uint64_t pn = 0; pn < 20; pn++)
        assert_int_equal(quic_recovery_on_sent(&rc, INI, pn, 1200, true, true, pn, 0), 0);
    assert_true(quic_recovery_heap(&rc) > 0);
    quic_recovery_result res;
    quic_recovery_discard_space(&rc, INI, 10 * MS, &res);
    assert_int_equal(res.n_discarded, 20);
    assert_true(res.discarded[19].handle == 19);
    assert_true(rc.sp[INI].ring.p == NULL);
    quic_recovery_set_has_handshake_keys(&rc, 10 * MS);
    quic_recovery_on_timeout(&rc, 0, &res); /* a next call: result arrays fit the rings */
    assert_int_equal(quic_recovery_heap(&rc), 0);
    quic_recovery_free(&rc);
}

/* After a burst, a few small drain cycles give the memory back; a steady
 * pattern of bursts keeps it (no free and regrow per burst). */
static void test_ring_shrinks_after_burst(void **state)
{
    (void)state;
    counter c = {0, 0};
    qb_alloc a = {c_alloc, c_realloc, c_free, &c};
    quic_recovery rc;
    quic_recovery_config cfg = {.max_sent_packets = 1024, .is_server = true};
    assert_int_equal(quic_recovery_init(&rc, &cfg, &a), 0);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    quic_recovery_result res;
    uint64_t pn = 0, now = 0;
    for (int burst = 0; burst < 10; burst++) {
        uint64_t first = pn;
        for (int k = 0; k < 200; k++)
            assert_int_equal(quic_recovery_on_sent(&rc, APP, pn++, 1000, true, true, 0, now++), 0);
        ack1(&rc, APP, first, pn - 1, now++, &res);
        if (burst == 2)
            c.calls = 0;
    }
    assert_int_equal(c.calls, 0); /* bursts of the same size: no reallocation */
    size_t big = quic_recovery_heap(&rc);
    assert_true(big >= 3 * 200 * sizeof(quic_sent_pkt));
    for (int round = 0; round < 2 * QB_TRIM_ROUNDS; round++) {
        assert_int_equal(quic_recovery_on_sent(&rc, APP, pn++, 100, true, true, 0, now++), 0);
        ack1(&rc, APP, pn - 1, pn - 1, now++, &res);
    }
    assert_true(quic_recovery_heap(&rc) <= 3 * 8 * sizeof(quic_sent_pkt));
    quic_recovery_free(&rc);
    assert_int_equal(c.live, 0);
}

static size_t fail_after;
static void *f_alloc(void *ud, size_t n) { (void)ud; if (fail_after == 0) return NULL; fail_after--; return malloc(n); }
static void *f_realloc(void *ud, void *p, size_t n) { (void)ud; if (fail_after == 0) return NULL; fail_after--; return realloc(p, n); }
static void f_free(void *ud, void *p) { (void)ud; free(p); }

/* A ring that cannot grow says so (the connection closes with
 * INTERNAL_ERROR) and loses nothing it tracked. */
static void test_ring_growth_failure_is_an_error(void **state)
{
    (void)state;
    for (size_t budget = 0; budget < 8; budget++) {
        qb_alloc a = {f_alloc, f_realloc, f_free, NULL};
        quic_recovery rc;
        quic_recovery_config cfg = {.max_sent_packets = 1024, .is_server = true};
        fail_after = 1000;
        assert_int_equal(quic_recovery_init(&rc, &cfg, &a), 0);
        quic_recovery_set_handshake_confirmed(&rc, 0);
        fail_after = budget;
        uint64_t pn = 0;
        int r = 0;
        while (pn < 100 && (r = quic_recovery_on_sent(&rc, APP, pn, 100, true, true, pn, pn)) == 0)
            pn++;
        assert_int_equal(r, QUIC_RECOVERY_ERR_NOMEM);
        assert_int_equal(quic_recovery_tracked(&rc, APP), pn);
        assert_true(quic_recovery_bytes_in_flight(&rc) == 100 * pn);
        fail_after = 1000;
        quic_recovery_result res;
        if (pn) {
            ack1(&rc, APP, 0, pn - 1, 200, &res);
            assert_int_equal(res.n_acked, pn);
        }
        quic_recovery_free(&rc);
    }
}

/* Randomised run against a model: every packet is reported at most once
 * (acked, lost, evicted or discarded), bytes in flight always equal the
 * model's, the ring stays within its bound, cc agrees with recovery, and
 * an ACK of a skipped number changes nothing. */
enum { M_NONE, M_OUT, M_ACKED, M_LOST, M_GONE, M_SKIP };
#define NPN 6000

static void settle_model(uint8_t *fate, const quic_sent_pkt *p, size_t n, uint8_t to)
{
    for (size_t i = 0; i < n; i++) {
        assert_true(p[i].pn < NPN);
        assert_int_equal(fate[p[i].pn], M_OUT);
        fate[p[i].pn] = to;
    }
}

static void test_randomised_model(void **state)
{
    (void)state;
    static uint8_t fate[NPN];
    static uint32_t size[NPN];
    static uint8_t inflight[NPN], received[NPN];
    memset(fate, 0, sizeof fate);
    memset(received, 0, sizeof received);
    quic_recovery rc = new_rc(true, 64);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_NEWRENO, 1200);
    unsigned seed = 7;
#define RND(n) ((seed = seed * 1103515245u + 12345u), (seed >> 16) % (n))
    uint64_t now = 0, pn = 0;
    quic_recovery_result res;
    const quic_sent_pkt *ev;
    size_t refused = 0, timeouts = 0;
    while (pn < NPN - 1) {
        now += RND(3000);
        unsigned what = RND(10);
        if (what < 5) { /* send */
            if (RND(20) == 0) {
                assert_int_equal(quic_recovery_skip_pn(&rc, APP, pn), 0);
                fate[pn++] = M_SKIP;
                continue;
            }
            bool ae = RND(5) != 0;
            bool infl = ae || RND(2);
            uint32_t sz = 50 + RND(1200);
            if (ae && !quic_recovery_can_send(&rc, APP))
                continue;
            int r = quic_recovery_on_sent(&rc, APP, pn, sz, ae, infl, pn, now);
            size_t ne = quic_recovery_take_evicted(&rc, &ev);
            settle_model(fate, ev, ne, M_GONE);
            if (r == QUIC_RECOVERY_ERR_FULL) {
                assert_false(ae || infl);
                fate[pn++] = M_GONE;
                continue;
            }
            assert_int_equal(r, 0);
            if (infl)
                quic_cc_on_sent(&cc, sz, now);
            fate[pn] = M_OUT;
            size[pn] = sz;
            inflight[pn] = infl;
            if (RND(4) != 0)
                received[pn] = 1; /* the peer got it */
            pn++;
        } else if (what < 8 && pn > 0) { /* an ACK of some received packets */
            quic_pn_range r[16];
            size_t n = 0;
            uint64_t hi = pn - 1;
            for (;;) {
                while (hi > 0 && !received[hi])
                    hi--;
                if (!received[hi] || n == 16)
                    break;
                uint64_t lo = hi;
                while (lo > 0 && received[lo - 1])
                    lo--;
                r[n].smallest = lo;
                r[n].largest = hi;
                n++;
                if (lo < 2 || RND(3) == 0)
                    break;
                hi = lo - 2;
            }
            if (n == 0)
                continue;
            if (RND(15) == 0) { /* cover a skipped number: refused, no change */
                uint64_t k = pn; /* the latest skipped number */
                while (k > 0 && fate[k - 1] != M_SKIP)
                    k--;
                k = k > 0 ? k - 1 : pn;
                if (k < pn) {
                    quic_pn_range bad = {k, k};
                    uint64_t before = quic_recovery_bytes_in_flight(&rc);
                    int e = quic_recovery_on_ack(&rc, APP, &bad, 1, 0, now, &res);
                    /* refused while the skip is remembered; a no-op after */
                    assert_true(e == QUIC_RECOVERY_ERR_UNSENT_ACKED || (e == 0 && res.n_acked == 0));
                    refused += e != 0;
                    assert_true(quic_recovery_bytes_in_flight(&rc) == before);
                }
                continue;
            }
            assert_int_equal(quic_recovery_on_ack(&rc, APP, r, n, RND(5000), now, &res), 0);
            settle_model(fate, res.acked, res.n_acked, M_ACKED);
            settle_model(fate, res.lost, res.n_lost, M_LOST);
            quic_cc_on_acked(&cc, res.acked, res.n_acked, &rc.rtt, now);
            quic_cc_on_lost(&cc, res.lost, res.n_lost, res.persistent_congestion, now);
        } else if (quic_recovery_deadline(&rc) <= now) {
            quic_recovery_on_timeout(&rc, now, &res);
            timeouts++;
            settle_model(fate, res.lost, res.n_lost, M_LOST);
            quic_cc_on_lost(&cc, res.lost, res.n_lost, res.persistent_congestion, now);
        }
        uint64_t bif = 0;
        for (uint64_t k = 0; k < pn; k++)
            if (fate[k] == M_OUT && inflight[k])
                bif += size[k];
        assert_true(quic_recovery_bytes_in_flight(&rc) == bif);
        assert_true(cc.bytes_in_flight == bif);
        assert_true(quic_recovery_tracked(&rc, APP) <= 64);
        assert_true(cc.cwnd >= 2400);
    }
#undef RND
    /* everything still outstanding leaves with the space's keys */
    quic_recovery_discard_space(&rc, APP, now, &res);
    settle_model(fate, res.discarded, res.n_discarded, M_GONE);
    size_t count[6] = {0};
    for (uint64_t k = 0; k < pn; k++)
        count[fate[k]]++;
    assert_int_equal(count[M_OUT], 0);
    /* the run exercised every path */
    assert_true(count[M_ACKED] > 1000 && count[M_LOST] > 100 && count[M_GONE] > 0);
    assert_true(refused > 0 && timeouts > 0);
    quic_recovery_free(&rc);
}

/* RFC 9002 §5.3 in recovery: the ACK Delay of Initial packets is ignored;
 * elsewhere it is subtracted when the result stays above min_rtt, and only
 * capped by max_ack_delay once the handshake is confirmed. */
static void test_ack_delay_rules(void **state)
{
    (void)state;
    quic_recovery rc = new_rc(false, 64);
    quic_recovery_result res;
    quic_pn_range r;
    quic_recovery_on_sent(&rc, INI, 0, 1200, true, true, 0, 0);
    r = (quic_pn_range){0, 0};
    quic_recovery_on_ack(&rc, INI, &r, 1, 0, 100 * MS, &res); /* first sample 100 */
    quic_recovery_on_sent(&rc, INI, 1, 1200, true, true, 0, 100 * MS);
    r = (quic_pn_range){1, 1};
    quic_recovery_on_ack(&rc, INI, &r, 1, 20 * MS, 220 * MS, &res);
    assert_true(rc.rtt.smoothed == (7 * 100000 + 120000) / 8); /* delay ignored */
    uint64_t s1 = rc.rtt.smoothed;
    quic_recovery_on_sent(&rc, HS, 0, 1200, true, true, 0, 220 * MS);
    r = (quic_pn_range){0, 0};
    quic_recovery_on_ack(&rc, HS, &r, 1, 20 * MS, 340 * MS, &res);
    assert_true(rc.rtt.smoothed == (7 * s1 + 100000) / 8); /* 120 - 20 */
    uint64_t s2 = rc.rtt.smoothed;
    /* not confirmed: a delay above max_ack_delay (25 ms) is used whole */
    quic_recovery_on_sent(&rc, APP, 0, 1200, true, true, 0, 340 * MS);
    r = (quic_pn_range){0, 0};
    quic_recovery_on_ack(&rc, APP, &r, 1, 60 * MS, 500 * MS, &res); /* 160 - 60 */
    assert_true(rc.rtt.smoothed == (7 * s2 + 100000) / 8);
    uint64_t s3 = rc.rtt.smoothed;
    quic_recovery_set_handshake_confirmed(&rc, 500 * MS);
    quic_recovery_on_sent(&rc, APP, 1, 1200, true, true, 0, 500 * MS);
    r = (quic_pn_range){1, 1};
    quic_recovery_on_ack(&rc, APP, &r, 1, 60 * MS, 660 * MS, &res); /* 160 - 25 */
    assert_true(rc.rtt.smoothed == (7 * s3 + 135000) / 8);
    /* an ACK of only non-ack-eliciting packets gives no sample (§5.1) */
    quic_recovery_on_sent(&rc, APP, 2, 50, false, false, 0, 660 * MS);
    r = (quic_pn_range){2, 2};
    quic_recovery_on_ack(&rc, APP, &r, 1, 0, 700 * MS, &res);
    assert_int_equal(res.n_acked, 1);
    assert_false(res.rtt_sampled);
    /* nor one whose largest was acked before (§5.1) */
    quic_recovery_on_sent(&rc, APP, 3, 1200, true, true, 0, 700 * MS);
    quic_recovery_on_sent(&rc, APP, 4, 1200, true, true, 0, 700 * MS);
    r = (quic_pn_range){4, 4};
    quic_recovery_on_ack(&rc, APP, &r, 1, 0, 750 * MS, &res);
    assert_true(res.rtt_sampled);
    r = (quic_pn_range){3, 4};
    quic_recovery_on_ack(&rc, APP, &r, 1, 0, 800 * MS, &res);
    assert_int_equal(res.n_acked, 1);
    assert_false(res.rtt_sampled);
    quic_recovery_free(&rc);
}

/* The pieces wired together as the connection will: a 300 KB stream over a
 * link with 30 ms one-way delay and 5% loss each way. Sender: sendbuf,
 * recovery, cc, pacer; receiver: ackrange, recvbuf. The stream must arrive
 * intact and every byte be acknowledged. */
#define NET_MAX 4096
typedef struct net_pkt {
    uint64_t arrive;
    int is_ack;
    uint64_t pn;                 /* data packet number */
    uint64_t off; size_t len; int fin; int ping;
    quic_pn_range r[8]; size_t nr; uint64_t ack_delay;
} net_pkt;

static void lossy_run(unsigned loss_pct, unsigned seed, bool want_pto)
{
    enum { TOTAL = 300000, MSS = 1200, WIN = 200000 };
    const uint64_t DELAY = 30 * MS;
    static uint8_t src[TOTAL], dst[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        src[i] = (uint8_t)(i * 31 + (i >> 10));
    static net_pkt net[NET_MAX];
    size_t nnet = 0;
    static struct { uint64_t off; size_t len; int fin; } sent[20000];
#define LOSE() ((seed = seed * 1103515245u + 12345u), ((seed >> 16) % 100) < loss_pct)

    quic_sendbuf sb;
    quic_sendbuf_init(&sb, TOTAL, NULL);
    size_t acc;
    assert_int_equal(quic_sendbuf_append(&sb, src, TOTAL, &acc), 0);
    quic_sendbuf_finish(&sb);
    quic_recovery rc = new_rc(false, 1024);
    quic_recovery_set_handshake_confirmed(&rc, 0);
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_NEWRENO, MSS + 50);
    quic_pacer pacer;
    quic_pacer_init(&pacer, MSS + 50, 0);
    quic_ackrange ar;
    quic_ackrange_init(&ar, 32, 25 * MS);
    quic_recvbuf rb;
    assert_int_equal(quic_recvbuf_init(&rb, WIN, WIN, NULL), 0);
    uint64_t pn = 0, rd = 0, now = 0, ptos = 0, lost_pkts = 0;
    quic_recovery_result res;

    while (!(quic_recvbuf_finished(&rb) && quic_sendbuf_all_acked(&sb))) {
        assert_true(now < 120ULL * 1000 * MS); /* 2 minutes of virtual time */
        /* 1. the network delivers */
        for (size_t i = 0; i < nnet;) {
            if (net[i].arrive > now) {
                i++;
                continue;
            }
            net_pkt p = net[i];
            net[i] = net[--nnet];
            if (!p.is_ack) {
                if (quic_ackrange_contains(&ar, p.pn))
                    continue;
                if (!p.ping)
                    assert_int_equal(quic_recvbuf_write(&rb, p.off, src + p.off, p.len, p.fin), 0);
                quic_ackrange_insert(&ar, p.pn, true, now);
                rd += quic_recvbuf_read(&rb, dst + rd, TOTAL - rd);
                assert_int_equal(quic_recvbuf_set_max_offset(&rb, rd + WIN), 0);
            } else {
                assert_int_equal(quic_recovery_on_ack(&rc, APP, p.r, p.nr, p.ack_delay, now, &res), 0);
                for (size_t k = 0; k < res.n_acked; k++) {
                    uint64_t h = res.acked[k].handle;
                    if (sent[h].len || sent[h].fin)
                        quic_sendbuf_on_acked(&sb, sent[h].off, sent[h].len, sent[h].fin);
                }
                for (size_t k = 0; k < res.n_lost; k++) {
                    uint64_t h = res.lost[k].handle;
                    quic_sendbuf_on_lost(&sb, sent[h].off, sent[h].len, sent[h].fin);
                }
                lost_pkts += res.n_lost;
                quic_cc_on_acked(&cc, res.acked, res.n_acked, &rc.rtt, now);
                quic_cc_on_lost(&cc, res.lost, res.n_lost, res.persistent_congestion, now);
            }
        }
        /* 2. the receiver acknowledges */
        if (quic_ackrange_ack_needed(&ar, now)) {
            net_pkt a = {.arrive = now + DELAY, .is_ack = 1};
            a.nr = quic_ackrange_export(&ar, a.r, 8);
            a.ack_delay = quic_ackrange_ack_delay(&ar, now);
            quic_ackrange_on_ack_sent(&ar);
            if (!LOSE() && nnet < NET_MAX)
                net[nnet++] = a;
        }
        /* 3. the sender's timer */
        int probes = 0;
        if (quic_recovery_deadline(&rc) <= now) {
            quic_recovery_on_timeout(&rc, now, &res);
            for (size_t k = 0; k < res.n_lost; k++) {
                uint64_t h = res.lost[k].handle;
                quic_sendbuf_on_lost(&sb, sent[h].off, sent[h].len, sent[h].fin);
            }
            quic_cc_on_lost(&cc, res.lost, res.n_lost, res.persistent_congestion, now);
            if (res.action == QUIC_RECOVERY_PTO) {
                probes = (int)res.probes;
                ptos++;
            }
        }
        /* 4. the sender sends: probes regardless of cc, else within cwnd and pacing */
        for (;;) {
            bool probe = probes > 0;
            if (!probe && (!quic_cc_can_send(&cc, MSS + 50) ||
                           quic_pacer_next_send_time(&pacer, quic_cc_pacing_rate(&cc, rc.rtt.smoothed), MSS + 50, now) > now))
                break;
            if (!quic_recovery_can_send(&rc, APP))
                break;
            quic_sendbuf_piece pc;
            bool data = quic_sendbuf_next(&sb, MSS, rb.max_off, &pc);
            if (!data && !probe)
                break;
            net_pkt d = {.arrive = now + DELAY, .pn = pn};
            sent[pn].off = data ? pc.offset : 0;
            sent[pn].len = data ? pc.len : 0;
            sent[pn].fin = data && pc.fin;
            d.off = sent[pn].off;
            d.len = sent[pn].len;
            d.fin = sent[pn].fin;
            d.ping = !data;
            size_t size = sent[pn].len + 50;
            assert_int_equal(quic_recovery_on_sent(&rc, APP, pn, size, true, true, pn, now), 0);
            quic_cc_on_sent(&cc, size, now);
            quic_pacer_on_sent(&pacer, quic_cc_pacing_rate(&cc, rc.rtt.smoothed), size, now);
            pn++;
            assert_true(pn < 20000);
            if (!LOSE() && nnet < NET_MAX)
                net[nnet++] = d;
            if (probe)
                probes--;
        }
        now += 100; /* 0.1 ms steps */
    }
#undef LOSE
    assert_memory_equal(dst, src, TOTAL);
    assert_true(lost_pkts > 0);
    if (want_pto)
        assert_true(ptos > 0);
    assert_true(rc.rtt.min >= 2 * DELAY && rc.rtt.min < 2 * DELAY + 30 * MS);
    quic_recvbuf_free(&rb);
    quic_sendbuf_free(&sb);
    quic_recovery_free(&rc);
    quic_ackrange_free(&ar);
    fprintf(stderr, "lossy transfer: %.2f s virtual, %llu packets, %llu lost, %llu PTOs, cwnd %llu, srtt %llu us\n", now / 1e6, (unsigned long long)pn, (unsigned long long)lost_pkts, (unsigned long long)ptos, (unsigned long long)cc.cwnd, (unsigned long long)rc.rtt.smoothed);
}

static void test_lossy_transfer(void **state)
{
    (void)state;
    lossy_run(5, 99, false);
    lossy_run(25, 7, true); /* tail losses: PTOs needed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rtt_by_hand),
        cmocka_unit_test(test_ack_basic),
        cmocka_unit_test(test_ack_unsent),
        cmocka_unit_test(test_time_threshold),
        cmocka_unit_test(test_pto_backoff),
        cmocka_unit_test(test_client_anti_deadlock),
        cmocka_unit_test(test_amplification_blocked),
        cmocka_unit_test(test_persistent_congestion_example),
        cmocka_unit_test(test_persistent_congestion_broken),
        cmocka_unit_test(test_discard_space),
        cmocka_unit_test(test_bound_and_no_alloc),
        cmocka_unit_test(test_randomised_model),
        cmocka_unit_test(test_ack_delay_rules),
        cmocka_unit_test(test_lossy_transfer),
        cmocka_unit_test(test_ring_grows_with_use),
        cmocka_unit_test(test_discarded_space_ring_freed),
        cmocka_unit_test(test_ring_shrinks_after_burst),
        cmocka_unit_test(test_ring_growth_failure_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
