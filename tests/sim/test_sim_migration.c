/* Connection migration over the simulated network (RFC 9000 §8.2, §9): a
 * rebinding NAT changes the client's address as the server sees it in the
 * middle of a 10 MB transfer and of a 2,000-round datagram ping-pong (with
 * and without loss), and during a key update; an off-path attacker's copies
 * of the client's packets from a spoofed address never move the connection,
 * and draw at most three times their size from the server (§9.3.2). */
#include "common/sim.h"
#include "quic/conn_test.h"

#include <stdlib.h>
#include <string.h>

static uint8_t byte_at(uint64_t i) { return (uint8_t)((i * 0x9e3779b97f4a7c15ull) >> 56); }

typedef struct run {
    bool c_conn, s_conn, closed;
    /* stream */
    int64_t sid;
    uint64_t total, written, got;
    bool fin_got, bad;
    uint64_t rebind_at_byte; /* 0: none */
    bool key_update_at_rebind;
    /* datagram ping-pong */
    uint64_t rounds, round, rebind_at_round;
    uint64_t sent_at, now;
} run;

static void note(quic_conn *c, const quic_event *ev, void *ud)
{
    run *r = ud;
    if (ev->type == QUIC_EV_CONNECTED)
        *(quic_conn_is_server(c) ? &r->s_conn : &r->c_conn) = true;
    if (ev->type == QUIC_EV_CLOSED)
        r->closed = true;
}

static bool hs_done(sim *s, void *ud)
{
    run *r = ud;
    pair_events(s->p.client, note, r);
    pair_events(s->p.server, note, r);
    return (r->c_conn && r->s_conn) || r->closed;
}

static void rebind(sim *s, run *r)
{
    if (r->key_update_at_rebind)
        assert_int_equal(quic_conn_key_update(s->p.client), 0);
    sim_rebind(s);
}

static bool pump(sim *s, void *ud)
{
    run *r = ud;
    pair_events(s->p.client, note, r);
    pair_events(s->p.server, note, r);
    uint8_t buf[16384];
    while (r->written < r->total) {
        size_t n = sizeof buf;
        if (r->total - r->written < n)
            n = (size_t)(r->total - r->written);
        for (size_t i = 0; i < n; i++)
            buf[i] = byte_at(r->written + i);
        int64_t w = quic_conn_stream_write(s->p.client, (uint64_t)r->sid, buf, n,
                                           r->written + n == r->total);
        if (w <= 0)
            break;
        r->written += (uint64_t)w;
    }
    bool fin = false;
    int64_t k;
    while (!r->fin_got &&
           (k = quic_conn_stream_read(s->p.server, (uint64_t)r->sid, buf, sizeof buf, &fin)) > 0) {
        for (int64_t i = 0; i < k; i++)
            r->bad |= buf[i] != byte_at(r->got + (uint64_t)i);
        r->got += (uint64_t)k;
        r->fin_got = fin;
    }
    if (r->rebind_at_byte && r->got >= r->rebind_at_byte) {
        r->rebind_at_byte = 0;
        rebind(s, r);
    }
    return r->fin_got || r->closed || r->bad;
}

static void start(sim *s, run *r)
{
    sim_start(s);
    SIM_ASSERT(s, sim_run(s, hs_done, r, 60000000) && !r->closed);
}

static void transfer(sim *s, run *r)
{
    r->sid = quic_conn_stream_open(s->p.client, true);
    SIM_ASSERT(s, r->sid >= 0);
    bool ok = sim_run(s, pump, r, 600000000);
    if (!ok || r->closed)
        fprintf(stderr, "seed %llu: got %llu of %llu\n", (unsigned long long)s->seed,
                (unsigned long long)r->got, (unsigned long long)r->total);
    SIM_ASSERT(s, ok && !r->closed && !r->bad && r->fin_got && r->got == r->total);
}

static void lossy(sim *s)
{
    for (int d = 0; d < 2; d++) {
        s->dir[d].delay_us = 20000;
        s->dir[d].jitter_us = 2000;
        s->dir[d].loss = 0.03;
        s->dir[d].reorder = 0.02;
        s->dir[d].dup = 0.02;
    }
}

static void clean(sim *s)
{
    for (int d = 0; d < 2; d++)
        s->dir[d].delay_us = 20000;
}

/* The server moved to the client's new address: validated, and on it. */
static void assert_moved(sim *s)
{
    quic_conn_stats st;
    quic_conn_stats_get(s->p.server, &st);
    SIM_ASSERT(s, st.migrations >= 1);
    SIM_ASSERT(s, quic_path_equal(quic_conn_path(s->p.server), &s->p.spath));
}

static void rebinding_transfer(bool with_loss, uint64_t first)
{
    sim_seeds sd = sim_seeds_get(first, 2);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        run r = {.total = 10u << 20};
        r.rebind_at_byte = r.total / 3;
        sim_init(&s, seed);
        (with_loss ? lossy : clean)(&s);
        start(&s, &r);
        const quic_cid before = *quic_peer_cids_current(quic_conn_test_peer_cids(s.p.server));
        transfer(&s, &r);
        SIM_ASSERT(&s, s.n.rebinds == 1);
        assert_moved(&s);
        /* RFC 9000 §9.5: toward the new address with a CID not used before. */
        SIM_ASSERT(&s, !quic_cid_equal(&before,
                                       quic_peer_cids_current(quic_conn_test_peer_cids(s.p.server))));
        sim_free(&s);
    }
}

/* RFC 9000 §9.3: a NAT rebinding a third into a 10 MB transfer. */
static void test_nat_rebinding_mid_10mb_transfer_survives(void **state)
{
    (void)state;
    rebinding_transfer(false, 1);
}

static void test_nat_rebinding_mid_10mb_transfer_lossy_survives(void **state)
{
    (void)state;
    rebinding_transfer(true, 21);
}

/* ---- a datagram ping-pong: the client sends round i, the server echoes it,
 * the client resends after 100 ms without the echo ---- */

static void echo(quic_conn *c, const quic_event *ev, void *ud)
{
    note(c, ev, ud);
    if (ev->type == QUIC_EV_DATAGRAM)
        quic_conn_dgram_send(c, ev->data, ev->len, ((run *)ud)->now);
}

static void client_dg(quic_conn *c, const quic_event *ev, void *ud)
{
    run *r = ud;
    note(c, ev, ud);
    if (ev->type == QUIC_EV_DATAGRAM && ev->len == 1000) {
        uint64_t v;
        memcpy(&v, ev->data, 8);
        if (v == r->round)
            r->round++, r->sent_at = 0;
    }
}

static bool pingpong(sim *s, void *ud)
{
    run *r = ud;
    r->now = s->p.now;
    pair_events(s->p.server, echo, r);
    pair_events(s->p.client, client_dg, r);
    if (r->rebind_at_round && r->round >= r->rebind_at_round) {
        r->rebind_at_round = 0;
        rebind(s, r);
    }
    if (r->round >= r->rounds || r->closed)
        return true;
    if (!r->sent_at || s->p.now >= r->sent_at + 100000) {
        uint8_t d[1000];
        memset(d, 0x5a, sizeof d);
        memcpy(d, &r->round, 8);
        quic_conn_dgram_send(s->p.client, d, sizeof d, s->p.now);
        r->sent_at = s->p.now ? s->p.now : 1;
    }
    return false;
}

static void rebinding_pingpong(bool with_loss, uint64_t first)
{
    sim_seeds sd = sim_seeds_get(first, 2);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        run r = {.rounds = 2000, .rebind_at_round = 1000};
        sim_init(&s, seed);
        (with_loss ? lossy : clean)(&s);
        start(&s, &r);
        bool ok = sim_run(&s, pingpong, &r, 3600000000ull);
        if (!ok || r.closed)
            fprintf(stderr, "seed %llu: round %llu of %llu\n", (unsigned long long)seed,
                    (unsigned long long)r.round, (unsigned long long)r.rounds);
        SIM_ASSERT(&s, ok && !r.closed && r.round == r.rounds);
        assert_moved(&s);
        sim_free(&s);
    }
}

static void test_nat_rebinding_mid_2000_round_pingpong_survives(void **state)
{
    (void)state;
    rebinding_pingpong(false, 41);
}

static void test_nat_rebinding_mid_2000_round_pingpong_lossy_survives(void **state)
{
    (void)state;
    rebinding_pingpong(true, 61);
}

/* RFC 9000 §9.3 with RFC 9001 §6: the address changes right as the client
 * starts a key update; both complete and the transfer goes on. */
static void test_nat_rebinding_during_key_update_survives(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(81, 2);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        run r = {.total = 2u << 20, .key_update_at_rebind = true};
        r.rebind_at_byte = r.total / 2;
        sim_init(&s, seed);
        lossy(&s);
        start(&s, &r);
        transfer(&s, &r);
        assert_moved(&s);
        quic_conn_stats st;
        quic_conn_stats_get(s.p.server, &st);
        SIM_ASSERT(&s, st.key_updates >= 1);
        sim_free(&s);
    }
}

/* ---- an off-path attacker (RFC 9000 §9.3.2, §21.1.1.3): it sees the
 * client's datagrams and forwards copies from its own address, arriving
 * before the originals ---- */

static bool race_copies(sim *s, bool to_server, uint8_t *d, size_t *len, void *ud)
{
    (void)ud;
    if (to_server && s->p.server && quic_conn_is_established(s->p.server))
        sim_inject_spoofed(s, d, *len, s->dir[SIM_C2S].delay_us / 2);
    return true;
}

static void test_spoofed_copies_never_move_connection_and_get_at_most_3x(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(101, 2);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        run r = {.total = 1u << 20};
        sim_init(&s, seed);
        clean(&s);
        start(&s, &r);
        quic_path orig = *quic_conn_path(s.p.server);
        s.tap = race_copies;
        transfer(&s, &r);
        s.tap = NULL;
        sim_run(&s, NULL, NULL, 5000000); /* validation of the spoofed address times out */
        quic_conn_stats st;
        quic_conn_stats_get(s.p.server, &st);
        SIM_ASSERT(&s, st.migrations == 0);
        SIM_ASSERT(&s, quic_path_equal(quic_conn_path(s.p.server), &orig));
        /* It did try the address (PATH_CHALLENGE), within the limit. */
        SIM_ASSERT(&s, s.n.spoof_out > 0);
        SIM_ASSERT(&s, s.n.spoof_out <= 3 * s.n.spoof_in);
        SIM_ASSERT(&s, st.path_validation_failures >= 1);
        sim_free(&s);
    }
}

/* RFC 9000 §8.2.2: a PATH_CHALLENGE from a new address (a peer probing it,
 * §9.1) is answered there, even when a non-probing packet on the current
 * path comes before the server sends anything. */
static void test_challenge_from_probed_address_answered_there(void **state)
{
    (void)state;
    sim s;
    run r = {0};
    sim_init(&s, 121);
    clean(&s);
    start(&s, &r);
    sim_run(&s, NULL, NULL, 300000);
    const uint8_t challenge[9] = {0x1a, 1, 2, 3, 4, 5, 6, 7, 8};
    const uint8_t ping[1] = {0x01};
    assert_int_equal(sim_client_inject_1rtt_from(&s, &s.spoof, challenge, sizeof challenge), 0);
    assert_int_equal(sim_client_inject_1rtt_from(&s, &s.p.spath, ping, sizeof ping), 0);
    uint8_t buf[1500];
    quic_path to;
    size_t n;
    size_t to_probe = 0;
    for (int i = 0; i < 16 && (n = quic_conn_send_path(s.p.server, buf, sizeof buf, s.p.now, &to)); i++)
        if (quic_path_equal(&to, &s.spoof))
            to_probe += n;
    /* answered there, padded only as far as 3x of the small probe allows */
    assert_true(to_probe > 0 && to_probe < 1200);
    quic_conn_stats st;
    quic_conn_stats_get(s.p.server, &st);
    assert_int_equal(st.migrations, 0); /* probing only: no move */
    sim_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nat_rebinding_mid_10mb_transfer_survives),
        cmocka_unit_test(test_nat_rebinding_mid_10mb_transfer_lossy_survives),
        cmocka_unit_test(test_nat_rebinding_mid_2000_round_pingpong_survives),
        cmocka_unit_test(test_nat_rebinding_mid_2000_round_pingpong_lossy_survives),
        cmocka_unit_test(test_nat_rebinding_during_key_update_survives),
        cmocka_unit_test(test_spoofed_copies_never_move_connection_and_get_at_most_3x),
        cmocka_unit_test(test_challenge_from_probed_address_answered_there),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
