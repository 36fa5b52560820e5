/* The DPLPMTUD state machine (RFC 8899, RFC 9000 §14.3; quic/pmtud.c),
 * driven against a path that carries up to path_mtu bytes. */
#include "common/tu.h"
#include "quic/pmtud.h"

/* Probes until the search ends; each probe passes when it fits. Returns the
 * number of probes sent. */
static unsigned search(quic_pmtud *p, size_t path_mtu, uint64_t *pn, uint64_t now)
{
    unsigned probes = 0;
    size_t size;
    while ((size = quic_pmtud_probe_size(p, now)) != 0) {
        assert_true(size > quic_pmtud_mtu(p) && size <= p->max);
        quic_pmtud_on_probe_sent(p, *pn, size);
        assert_int_equal(quic_pmtud_probe_size(p, now), 0); /* one at a time */
        if (size <= path_mtu)
            quic_pmtud_on_acked(p, *pn, size, now);
        else
            quic_pmtud_on_lost(p, *pn, size, now);
        (*pn)++;
        probes++;
        assert_true(probes < 100);
    }
    return probes;
}

static void test_pmtud_finds_path_mtu_within_granularity(void **state)
{
    (void)state;
    const size_t paths[] = {1200, 1250, 1280, 1400, 1451, 1452, 1500, 9000};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        quic_pmtud p;
        quic_pmtud_init(&p, 1452);
        assert_int_equal(quic_pmtud_mtu(&p), 1200); /* nothing above the base untested */
        uint64_t pn = 0;
        search(&p, paths[i], &pn, 1000);
        size_t want = paths[i] < 1452 ? paths[i] : 1452;
        assert_true(quic_pmtud_mtu(&p) <= want);
        assert_true(quic_pmtud_mtu(&p) + QUIC_PMTUD_GRANULARITY >= want);
    }
}

static void test_pmtud_max_passing_takes_one_probe(void **state)
{
    (void)state;
    quic_pmtud p;
    quic_pmtud_init(&p, 1452);
    uint64_t pn = 10;
    assert_int_equal(search(&p, 1500, &pn, 0), 1);
    assert_int_equal(quic_pmtud_mtu(&p), 1452);
}

/* RFC 8899 §5.1.2: a size fails only after MAX_PROBES losses. */
static void test_pmtud_size_fails_after_max_probes(void **state)
{
    (void)state;
    quic_pmtud p;
    quic_pmtud_init(&p, 1452);
    for (unsigned k = 0; k < QUIC_PMTUD_MAX_PROBES; k++) {
        assert_int_equal(quic_pmtud_probe_size(&p, 0), 1452);
        quic_pmtud_on_probe_sent(&p, k, 1452);
        assert_true(quic_pmtud_is_probe(&p, k));
        quic_pmtud_on_lost(&p, k, 1452, 0);
    }
    size_t next = quic_pmtud_probe_size(&p, 0);
    assert_true(next > 1200 && next < 1452);
}

/* RFC 8899 §5.1.1: after the search ends below the maximum, it starts again
 * when PMTU_RAISE_TIMER expires, and finds a path that grew. */
static void test_pmtud_searches_again_after_raise_timer(void **state)
{
    (void)state;
    quic_pmtud p;
    quic_pmtud_init(&p, 1452);
    uint64_t pn = 0;
    search(&p, 1300, &pn, 1000);
    assert_true(quic_pmtud_mtu(&p) <= 1300);
    assert_int_equal(quic_pmtud_probe_size(&p, 1000 + QUIC_PMTUD_RAISE_US - 1), 0);
    search(&p, 1500, &pn, 1000 + QUIC_PMTUD_RAISE_US);
    assert_int_equal(quic_pmtud_mtu(&p), 1452);
}

/* RFC 8899 §4.3: full-size packets lost while a small one passes. */
static void test_pmtud_blackhole_by_losses_falls_back(void **state)
{
    (void)state;
    quic_pmtud p;
    quic_pmtud_init(&p, 1452);
    uint64_t pn = 0;
    search(&p, 1452, &pn, 0);
    assert_int_equal(quic_pmtud_mtu(&p), 1452);
    /* lost full-size packets alone are congestion, not a black hole */
    for (int i = 0; i < 5; i++)
        assert_false(quic_pmtud_on_lost(&p, pn++, 1452, 0));
    assert_false(quic_pmtud_on_acked(&p, pn++, 1452, 0)); /* and a big one passed */
    assert_false(quic_pmtud_on_lost(&p, pn++, 1452, 0));
    assert_false(quic_pmtud_on_acked(&p, pn++, 300, 0));
    assert_false(quic_pmtud_on_lost(&p, pn++, 1452, 0));
    assert_true(quic_pmtud_on_lost(&p, pn++, 1452, 0));
    assert_int_equal(quic_pmtud_mtu(&p), 1200);
    assert_int_equal(p.blackholes, 1);
    /* and searches again: the path now carries 1280 */
    search(&p, 1280, &pn, 0);
    assert_true(quic_pmtud_mtu(&p) <= 1280 && quic_pmtud_mtu(&p) + QUIC_PMTUD_GRANULARITY >= 1280);
}

static void test_pmtud_blackhole_by_ptos_falls_back(void **state)
{
    (void)state;
    quic_pmtud p;
    quic_pmtud_init(&p, 1452);
    uint64_t pn = 0;
    assert_false(quic_pmtud_on_pto(&p, 5, 0)); /* at the base: nothing to fall from */
    search(&p, 1452, &pn, 0);
    assert_false(quic_pmtud_on_pto(&p, 1, 0));
    assert_true(quic_pmtud_on_pto(&p, QUIC_PMTUD_BLACKHOLE_PTOS, 0));
    assert_int_equal(quic_pmtud_mtu(&p), 1200);
}

static void test_pmtud_peer_limit_lowers_max(void **state)
{
    (void)state;
    quic_pmtud p;
    quic_pmtud_init(&p, 1452);
    quic_pmtud_set_max(&p, 1350);
    uint64_t pn = 0;
    assert_int_equal(quic_pmtud_probe_size(&p, 0), 1350);
    search(&p, 1500, &pn, 0);
    assert_int_equal(quic_pmtud_mtu(&p), 1350);
    quic_pmtud_set_max(&p, 1000); /* never below the base */
    assert_int_equal(quic_pmtud_mtu(&p), 1200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pmtud_finds_path_mtu_within_granularity),
        cmocka_unit_test(test_pmtud_max_passing_takes_one_probe),
        cmocka_unit_test(test_pmtud_size_fails_after_max_probes),
        cmocka_unit_test(test_pmtud_searches_again_after_raise_timer),
        cmocka_unit_test(test_pmtud_blackhole_by_losses_falls_back),
        cmocka_unit_test(test_pmtud_blackhole_by_ptos_falls_back),
        cmocka_unit_test(test_pmtud_peer_limit_lowers_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
