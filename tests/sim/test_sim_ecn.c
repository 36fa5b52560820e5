/* ECN over the simulated network (RFC 9000 §13.4, RFC 9002 §7.1): a clean
 * path validates and every packet goes marked; a router marking CE makes the
 * sender back off without any loss; a path that bleaches the ECN field, and
 * a peer whose counts are wrong, fail validation and marking stops. */
#include "common/sim.h"
#include "common/sim_xfer.h"
#include "quic/conn_test.h"
#include "quic/ecn.h"
#include "quic/frame.h"

#include <string.h>

typedef sim_xfer xfer; /* the shared handshake and transfer of tests/common */

static void ecn_sim_init(sim *s, uint64_t seed)
{
    sim_init(s, seed);
    for (int d = 0; d < 2; d++)
        s->dir[d].delay_us = 20000;
    quic_config *cfgs[2] = {&s->p.ccfg, &s->p.scfg};
    for (int i = 0; i < 2; i++) {
        cfgs[i]->initial_max_data = 16u << 20;
        cfgs[i]->initial_max_stream_data = 16u << 20;
    }
}

/* The handshake goes unmarked; once it is confirmed the path is tested and
 * validated on both sides. */
static void test_ecn_clean_path_validates_after_unmarked_handshake(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    ecn_sim_init(&s, 1);
    sim_xfer_handshake(&s, &x);
    SIM_ASSERT(&s, s.n.ect_sent[SIM_C2S] == 0 && s.n.sent[SIM_C2S] > 0);
    sim_xfer_upload(&s, &x, 1u << 20);
    for (int d = 0; d < 2; d++)
        SIM_ASSERT(&s, s.n.ect_sent[d] > 0);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_CAPABLE);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_CAPABLE);
    sim_free(&s);
}

/* RFC 9002 §7.1: CE marks are a congestion signal; the window comes down
 * without a single packet lost. Unmarked, the same run has no congestion
 * event at all. */
static void test_ecn_ce_marks_reduce_cwnd_without_loss(void **state)
{
    (void)state;
    uint64_t events[2], cwnd[2];
    for (int marked = 0; marked < 2; marked++) {
        sim s;
        xfer x = {0};
        ecn_sim_init(&s, 7);
        s.dir[SIM_C2S].ce_mark = marked ? 0.02 : 0;
        sim_xfer_handshake(&s, &x);
        sim_xfer_upload(&s, &x, 4u << 20);
        quic_conn_test_view v = quic_test_view(s.p.client);
        events[marked] = v.cc_congestion_events;
        cwnd[marked] = v.cwnd;
        SIM_ASSERT(&s, quic_test_stats(s.p.client).pkts_lost == 0);
        SIM_ASSERT(&s, v.ecn_state == QUIC_ECN_CAPABLE);
        if (marked) {
            SIM_ASSERT(&s, s.n.ce_marked[SIM_C2S] > 0);
            SIM_ASSERT(&s, v.ecn_ce_signals > 0);
        }
        sim_free(&s);
    }
    print_message("ecn: congestion events %llu -> %llu, cwnd %llu -> %llu\n",
                  (unsigned long long)events[0], (unsigned long long)events[1],
                  (unsigned long long)cwnd[0], (unsigned long long)cwnd[1]);
    assert_true(events[0] == 0);
    assert_true(events[1] > 0);
    assert_true(cwnd[1] < cwnd[0]);
}

/* §13.4.2.1: a path that clears the ECN field makes the peer's ACKs come
 * without counts: validation fails and no packet is marked after. */
static void test_ecn_bleached_path_turns_marking_off(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    ecn_sim_init(&s, 3);
    s.dir[SIM_C2S].bleach = true;
    s.dir[SIM_S2C].bleach = true;
    sim_xfer_handshake(&s, &x);
    sim_xfer_upload(&s, &x, 64u << 10);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_FAILED);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_FAILED);
    uint64_t ect[2] = {s.n.ect_sent[0], s.n.ect_sent[1]};
    uint64_t sent[2] = {s.n.sent[0], s.n.sent[1]};
    sim_xfer_upload(&s, &x, 256u << 10);
    for (int d = 0; d < 2; d++) {
        SIM_ASSERT(&s, s.n.sent[d] > sent[d]);
        SIM_ASSERT(&s, s.n.ect_sent[d] == ect[d]);
    }
    sim_free(&s);
}

/* The server sends a packet the client never sees; a hostile client then
 * acknowledges it with the frame built by make_ack. */
static void bad_ack(sim *s, bool with_counts, const uint64_t counts[3])
{
    quic_conn *srv = s->p.server;
    int64_t sid = quic_conn_stream_open(srv, false);
    SIM_ASSERT(s, sid >= 0);
    SIM_ASSERT(s, quic_conn_stream_write(srv, (uint64_t)sid, (const uint8_t *)"x", 1, false) == 1);
    uint8_t dg[1500];
    SIM_ASSERT(s, quic_conn_send(srv, dg, sizeof dg, s->p.now) > 0); /* dropped */
    SIM_ASSERT(s, quic_conn_ecn(srv) == QUIC_ECN_ECT0); /* in the testing period */
    uint64_t largest = quic_test_view(srv).next_pn[QUIC_SPACE_APPLICATION] - 1;
    quic_ack_range r = {.smallest = largest, .largest = largest};
    uint8_t fr[64];
    qb_wr w;
    qb_wr_init(&w, fr, sizeof fr);
    SIM_ASSERT(s, quic_frame_ack_encode(&w, &r, 1, 0, with_counts ? counts : NULL) == 0);
    SIM_ASSERT(s, quic_test_view(srv).ecn_state != QUIC_ECN_FAILED);
    sim_client_inject_1rtt(s, fr, w.off);
}

/* §13.4.2.1: counts above what was sent marked fail validation. */
static void test_ecn_counts_above_sent_fail_validation(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    ecn_sim_init(&s, 4);
    sim_xfer_handshake(&s, &x);
    uint64_t counts[3] = {1000000, 0, 0};
    bad_ack(&s, true, counts);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_FAILED);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state != QUIC_ECN_FAILED);
    sim_free(&s);
}

/* §13.4.2.1: an ACK newly acknowledging an ECT(0) packet without counting
 * it (an ACK frame without counts) fails validation. */
static void test_ecn_counts_omitting_marked_packets_fail_validation(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    ecn_sim_init(&s, 5);
    sim_xfer_handshake(&s, &x);
    bad_ack(&s, false, NULL);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_FAILED);
    SIM_ASSERT(&s, quic_conn_ecn(s.p.server) == QUIC_ECN_NOT_ECT);
    sim_free(&s);
}

/* RFC 9000 §13.4.2: a path whose faulty box drops every ECT-marked datagram.
 * Only the testing period's packets go marked (ten, or three PTOs); they are
 * all lost, ECN is declared failed, and the handshake and the transfer
 * complete unmarked. */
static void test_ecn_path_dropping_ect_turns_marking_off_and_transfer_completes(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    ecn_sim_init(&s, 11);
    s.dir[SIM_C2S].drop_ect = true;
    s.dir[SIM_S2C].drop_ect = true;
    uint64_t t0 = s.p.now;
    sim_xfer_handshake(&s, &x);
    uint64_t hs_us = s.p.now - t0;
    sim_xfer_upload(&s, &x, 1u << 20);
    print_message("ecn: ECT-dropping path: handshake %llu ms, ECT datagrams dropped %llu/%llu\n",
                  (unsigned long long)(hs_us / 1000), (unsigned long long)s.n.ect_dropped[0],
                  (unsigned long long)s.n.ect_dropped[1]);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_FAILED);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_FAILED);
    for (int d = 0; d < 2; d++)
        SIM_ASSERT(&s, s.n.ect_dropped[d] > 0 && s.n.ect_dropped[d] <= QUIC_ECN_TESTING_PACKETS);
    /* failed stays failed: nothing more goes marked */
    uint64_t ect[2] = {s.n.ect_sent[0], s.n.ect_sent[1]};
    sim_xfer_upload(&s, &x, 256u << 10);
    for (int d = 0; d < 2; d++)
        SIM_ASSERT(&s, s.n.ect_sent[d] == ect[d]);
    sim_free(&s);
}

/* RFC 9000 §13.4.2 warns of boxes that drop ECT packets: the handshake
 * goes unmarked (testing begins once it is confirmed), so such a path costs
 * the handshake nothing; with 20 ms each way it completes in one round trip
 * and a bit, as on a clean path, not after the PTOs a testing period in the
 * handshake would take. */
static void test_ecn_handshake_unmarked_so_ect_dropping_path_does_not_delay_it(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    ecn_sim_init(&s, 17);
    s.dir[SIM_C2S].drop_ect = true;
    s.dir[SIM_S2C].drop_ect = true;
    uint64_t t0 = s.p.now;
    sim_xfer_handshake(&s, &x);
    print_message("ecn: handshake over an ECT-dropping path: %llu ms\n",
                  (unsigned long long)((s.p.now - t0) / 1000));
    SIM_ASSERT(&s, s.p.now - t0 < 200000);
    SIM_ASSERT(&s, s.n.ect_dropped[SIM_C2S] == 0);
    sim_xfer_upload(&s, &x, 256u << 10);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_FAILED);
    sim_free(&s);
}

/* RFC 9000 §13.4.2, A.4: on a clean path the testing period ends with the
 * first validated ACK; ECN stays on afterwards, every later packet marked. */
static void test_ecn_clean_path_stays_capable_after_testing_period(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    ecn_sim_init(&s, 12);
    sim_xfer_handshake(&s, &x);
    sim_xfer_upload(&s, &x, 64u << 10);
    uint64_t ect[2] = {s.n.ect_sent[0], s.n.ect_sent[1]};
    uint64_t sent[2] = {s.n.sent[0], s.n.sent[1]};
    sim_xfer_upload(&s, &x, 2u << 20);
    for (int d = 0; d < 2; d++) {
        SIM_ASSERT(&s, s.n.sent[d] - sent[d] > 2 * QUIC_ECN_TESTING_PACKETS);
        SIM_ASSERT(&s, s.n.ect_sent[d] - ect[d] == s.n.sent[d] - sent[d]);
    }
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_CAPABLE);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_CAPABLE);
    sim_free(&s);
}

/* ---- a new path is validated anew (RFC 9000 §13.4.2: "for each new
 * connection, when switching to a server's preferred address, and on active
 * connection migration to a new path") ---- */

/* The client moves to a new local address (quic_conn_migrate); the server
 * sees the datagrams come from another port, validates and follows. From
 * then on the network behaves as set by `after`. */
typedef struct migr {
    bool done;
    uint64_t at_byte;
    bool bleach, drop_ect;
    uint64_t ect_at_move[2], sent_at_move[2];
} migr;

static void migrate_mid_transfer(sim *s, sim_xfer *x)
{
    migr *m = x->ud;
    if (m->done || x->got < m->at_byte)
        return;
    m->done = true;
    quic_path moved = s->p.cpath;
    moved.local[moved.local_len ? moved.local_len - 1 : 0] ^= 0x5a;
    if (!moved.local_len)
        moved.local_len = 1;
    SIM_ASSERT(s, quic_conn_migrate(s->p.client, &moved) == 0);
    s->p.cpath = moved;
    sim_rebind(s); /* the server sees the client's new address */
    for (int d = 0; d < 2; d++) {
        s->dir[d].bleach = m->bleach;
        s->dir[d].drop_ect = m->drop_ect;
        m->ect_at_move[d] = s->n.ect_sent[d];
        m->sent_at_move[d] = s->n.sent[d];
    }
}

static void migrated_transfer(sim *s, xfer *x, migr *m, uint64_t total)
{
    m->at_byte = total / 4;
    x->on_pump = migrate_mid_transfer;
    x->ud = m;
    sim_xfer_upload(s, x, total);
    SIM_ASSERT(s, m->done);
    quic_conn_stats st;
    quic_conn_stats_get(s->p.server, &st);
    SIM_ASSERT(s, st.migrations >= 1);
    quic_conn_stats_get(s->p.client, &st);
    SIM_ASSERT(s, st.migrations >= 1);
}

/* Failed on a bleaching path, ECN is tried again on the next path, which is
 * clean: both sides validate it and mark again. */
static void test_ecn_revalidated_after_migration_from_bleaching_to_clean_path(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    migr m = {0};
    ecn_sim_init(&s, 13);
    s.dir[SIM_C2S].bleach = true;
    s.dir[SIM_S2C].bleach = true;
    sim_xfer_handshake(&s, &x);
    sim_xfer_upload(&s, &x, 64u << 10);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_FAILED);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_FAILED);
    migrated_transfer(&s, &x, &m, 2u << 20);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_CAPABLE);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_CAPABLE);
    for (int d = 0; d < 2; d++)
        SIM_ASSERT(&s, s.n.ect_sent[d] - m.ect_at_move[d] > 2 * QUIC_ECN_TESTING_PACKETS);
    sim_free(&s);
}

/* Capable on a clean path, the connection moves to a path that bleaches:
 * the new path's validation fails and marking stops. */
static void test_ecn_migration_to_bleaching_path_turns_marking_off(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    migr m = {.bleach = true};
    ecn_sim_init(&s, 14);
    sim_xfer_handshake(&s, &x);
    sim_xfer_upload(&s, &x, 64u << 10);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_CAPABLE);
    migrated_transfer(&s, &x, &m, 1u << 20);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_FAILED);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_FAILED);
    uint64_t ect[2] = {s.n.ect_sent[0], s.n.ect_sent[1]};
    sim_xfer_upload(&s, &x, 256u << 10);
    for (int d = 0; d < 2; d++)
        SIM_ASSERT(&s, s.n.ect_sent[d] == ect[d]);
    sim_free(&s);
}

/* Capable on a clean path, the connection moves to a path that drops ECT:
 * marking only in the new path's testing period, then off, and the
 * transfer completes. */
static void test_ecn_migration_to_ect_dropping_path_turns_off_and_completes(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    migr m = {.drop_ect = true};
    ecn_sim_init(&s, 15);
    sim_xfer_handshake(&s, &x);
    sim_xfer_upload(&s, &x, 64u << 10);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_CAPABLE);
    migrated_transfer(&s, &x, &m, 1u << 20);
    print_message("ecn: moved to an ECT-dropping path: ECT datagrams dropped %llu/%llu\n",
                  (unsigned long long)s.n.ect_dropped[0], (unsigned long long)s.n.ect_dropped[1]);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_FAILED);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_FAILED);
    for (int d = 0; d < 2; d++)
        SIM_ASSERT(&s, s.n.ect_dropped[d] > 0 && s.n.ect_dropped[d] <= QUIC_ECN_TESTING_PACKETS);
    uint64_t ect[2] = {s.n.ect_sent[0], s.n.ect_sent[1]};
    sim_xfer_upload(&s, &x, 256u << 10);
    for (int d = 0; d < 2; d++)
        SIM_ASSERT(&s, s.n.ect_sent[d] == ect[d]);
    sim_free(&s);
}

/* Capable, the connection moves to another clean path: it is tested again
 * (unmarked between the testing period and the first ACK from there) and
 * stays on: once validated, every packet marked. */
static void test_ecn_migration_to_clean_path_keeps_marking(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    migr m = {0};
    ecn_sim_init(&s, 16);
    sim_xfer_handshake(&s, &x);
    sim_xfer_upload(&s, &x, 64u << 10);
    migrated_transfer(&s, &x, &m, 2u << 20);
    SIM_ASSERT(&s, quic_test_view(s.p.client).ecn_state == QUIC_ECN_CAPABLE);
    SIM_ASSERT(&s, quic_test_view(s.p.server).ecn_state == QUIC_ECN_CAPABLE);
    uint64_t ect[2] = {s.n.ect_sent[0], s.n.ect_sent[1]};
    uint64_t sent[2] = {s.n.sent[0], s.n.sent[1]};
    sim_xfer_upload(&s, &x, 1u << 20);
    for (int d = 0; d < 2; d++) {
        SIM_ASSERT(&s, ect[d] > m.ect_at_move[d]);
        SIM_ASSERT(&s, s.n.ect_sent[d] - ect[d] == s.n.sent[d] - sent[d]);
    }
    sim_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecn_clean_path_validates_after_unmarked_handshake),
        cmocka_unit_test(test_ecn_ce_marks_reduce_cwnd_without_loss),
        cmocka_unit_test(test_ecn_bleached_path_turns_marking_off),
        cmocka_unit_test(test_ecn_counts_above_sent_fail_validation),
        cmocka_unit_test(test_ecn_counts_omitting_marked_packets_fail_validation),
        cmocka_unit_test(test_ecn_path_dropping_ect_turns_marking_off_and_transfer_completes),
        cmocka_unit_test(test_ecn_clean_path_stays_capable_after_testing_period),
        cmocka_unit_test(test_ecn_handshake_unmarked_so_ect_dropping_path_does_not_delay_it),
        cmocka_unit_test(test_ecn_revalidated_after_migration_from_bleaching_to_clean_path),
        cmocka_unit_test(test_ecn_migration_to_bleaching_path_turns_marking_off),
        cmocka_unit_test(test_ecn_migration_to_ect_dropping_path_turns_off_and_completes),
        cmocka_unit_test(test_ecn_migration_to_clean_path_keeps_marking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
