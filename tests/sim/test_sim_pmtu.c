/* Path MTU discovery over the simulated network (RFC 9000 §14.3, RFC 8899):
 * paths of 1280, 1400 and 1500 bytes are found within the search
 * granularity, lost probes are no congestion signal (§14.4), a path that
 * shrinks in the middle of a transfer is a black hole the sender falls back
 * from, and a path dropping everything above 1300 settles at most there. */
#include "common/sim.h"
#include "common/sim_xfer.h"
#include "quic/conn_test.h"
#include "quic/pmtud.h"

#include <string.h>

/* A path that shrinks once the receiver got shrink_at bytes (a black hole
 * for the packets sized to the old path, RFC 8899 §4.3). */
typedef struct shrink {
    uint64_t at;
    size_t to;
} shrink;

static void shrink_path(sim *s, sim_xfer *x)
{
    shrink *sh = x->ud;
    if (sh && sh->at && x->got >= sh->at) {
        sh->at = 0;
        s->dir[SIM_C2S].mtu = s->dir[SIM_S2C].mtu = sh->to;
    }
}

typedef sim_xfer xfer;

/* Handshake, then a client-to-server stream of total bytes. */
static void upload(sim *s, xfer *x, uint64_t total)
{
    sim_xfer_handshake(s, x);
    x->on_pump = shrink_path;
    sim_xfer_upload(s, x, total);
}

static void pmtu_sim_init(sim *s, uint64_t seed, size_t mtu)
{
    sim_init(s, seed);
    for (int d = 0; d < 2; d++) {
        s->dir[d].delay_us = 10000;
        s->dir[d].mtu = mtu;
    }
}

static void test_pmtu_found_on_1280_1400_1500_paths(void **state)
{
    (void)state;
    const size_t mtus[] = {1280, 1400, 1500};
    for (size_t i = 0; i < 3; i++) {
        sim s;
        xfer x = {0};
        pmtu_sim_init(&s, 20 + i, mtus[i]);
        upload(&s, &x, 1u << 20);
        size_t want = mtus[i] < 1452 ? mtus[i] : 1452; /* quic_config max_udp_payload */
        quic_conn *cs[2] = {s.p.client, s.p.server};
        for (int k = 0; k < 2; k++) {
            quic_conn_test_view v = quic_test_view(cs[k]);
            print_message("path %zu: %s found %zu\n", mtus[i], k ? "server" : "client", v.pmtu);
            SIM_ASSERT(&s, v.pmtu <= want && v.pmtu + QUIC_PMTUD_GRANULARITY >= want);
            SIM_ASSERT(&s, !v.pmtu_searching);
            /* RFC 9000 §14.4: the lost probes were no congestion signal */
            SIM_ASSERT(&s, v.cc_congestion_events == 0);
        }
        SIM_ASSERT(&s, s.n.lost[SIM_C2S] == 0 && s.n.lost[SIM_S2C] == 0);
        sim_free(&s);
    }
}

/* RFC 8899 §4.3: the path carried 1452, then only 1300: a black hole. The
 * sender falls back, searches again and the transfer completes. */
static void test_pmtu_shrinking_path_falls_back_and_completes(void **state)
{
    (void)state;
    sim s;
    shrink sh = {.at = 1u << 20, .to = 1300};
    xfer x = {.ud = &sh};
    pmtu_sim_init(&s, 31, 0);
    upload(&s, &x, 4u << 20);
    quic_conn_test_view v = quic_test_view(s.p.client);
    print_message("shrink: blackholes %llu, pmtu %zu, mtu drops %llu\n",
                  (unsigned long long)v.pmtu_blackholes, v.pmtu,
                  (unsigned long long)s.n.mtu_drop[SIM_C2S]);
    SIM_ASSERT(&s, s.n.mtu_drop[SIM_C2S] > 0);
    SIM_ASSERT(&s, v.pmtu_blackholes >= 1);
    SIM_ASSERT(&s, v.pmtu <= 1300 && v.pmtu + QUIC_PMTUD_GRANULARITY >= 1300);
    sim_free(&s);
}

static void test_pmtu_path_dropping_above_1300_settles_at_most_1300(void **state)
{
    (void)state;
    sim s;
    xfer x = {0};
    pmtu_sim_init(&s, 41, 1300);
    upload(&s, &x, 2u << 20);
    uint64_t drops = s.n.mtu_drop[SIM_C2S];
    quic_conn_test_view v = quic_test_view(s.p.client);
    SIM_ASSERT(&s, v.pmtu <= 1300 && v.pmtu > 1200);
    /* settled: more data, no more datagrams too large */
    xfer y = {.c_conn = true, .s_conn = true};
    sim_xfer_upload(&s, &y, 1u << 20);
    SIM_ASSERT(&s, s.n.mtu_drop[SIM_C2S] == drops);
    sim_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pmtu_found_on_1280_1400_1500_paths),
        cmocka_unit_test(test_pmtu_shrinking_path_falls_back_and_completes),
        cmocka_unit_test(test_pmtu_path_dropping_above_1300_settles_at_most_1300),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
