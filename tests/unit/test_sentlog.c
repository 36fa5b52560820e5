/* The sent-packet item log against a simple model: items come back per
 * handle until settled, the ring grows to its cap and no further, and the
 * space is reused once the oldest packets settle. */
#include "common/tu.h"
#include "quic/sentlog.h"

#include <string.h>

static uint64_t send_pkt(quic_sentlog *l, uint64_t tag, size_t n)
{
    quic_sentlog_begin(l);
    for (size_t i = 0; i < n; i++) {
        quic_sent_item it = {.kind = QUIC_SI_STREAM, .id = tag, .off = i, .len = 100};
        if (quic_sentlog_add(l, &it) != 0) {
            quic_sentlog_abort(l);
            return QUIC_SENTLOG_NO_HANDLE;
        }
    }
    return quic_sentlog_end(l);
}

static void test_model(void **state)
{
    (void)state;
    quic_sentlog l;
    quic_sentlog_init(&l, 256, NULL);
    enum { N = 2000 };
    static uint64_t handles[N];
    static size_t counts[N];
    static bool settled[N];
    uint32_t seed = 12345;
    size_t sent = 0;
    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 3 != 0 && sent < N) {
            size_t n = 1 + (seed >> 8) % 6;
            uint64_t h = send_pkt(&l, sent, n);
            if (h == QUIC_SENTLOG_NO_HANDLE) {
                assert_true(quic_sentlog_live(&l) + n > 256); /* full only at the cap */
                continue;
            }
            handles[sent] = h;
            counts[sent] = n;
            settled[sent] = false;
            sent++;
        } else if (sent) {
            /* settle mostly old packets, sometimes a recent one */
            size_t i = (seed >> 4) % 4 ? (seed >> 8) % (sent < 30 ? sent : 30) : (seed >> 8) % sent;
            for (size_t k = 0; k < sent; k++)
                if (!settled[k]) {
                    if (i-- == 0) {
                        assert_int_equal(quic_sentlog_count(&l, handles[k]), counts[k]);
                        for (size_t j = 0; j < counts[k]; j++) {
                            quic_sent_item *it = quic_sentlog_item(&l, handles[k], j);
                            assert_int_equal(it->id, k);
                            assert_int_equal(it->off, j);
                        }
                        quic_sentlog_settle(&l, handles[k]);
                        settled[k] = true;
                        assert_int_equal(quic_sentlog_count(&l, handles[k]), 0);
                        break;
                    }
                }
        }
        assert_true(l.cap <= 256);
    }
    assert_true(sent > 500);
    quic_sentlog_free(&l);
}

static void test_abort_and_empty(void **state)
{
    (void)state;
    quic_sentlog l;
    quic_sentlog_init(&l, 64, NULL);
    quic_sentlog_begin(&l);
    assert_int_equal(quic_sentlog_end(&l), QUIC_SENTLOG_NO_HANDLE);
    uint64_t h = send_pkt(&l, 1, 3);
    quic_sentlog_begin(&l);
    quic_sent_item it = {.kind = QUIC_SI_CRYPTO};
    assert_int_equal(quic_sentlog_add(&l, &it), 0);
    quic_sentlog_abort(&l);
    assert_int_equal(quic_sentlog_live(&l), 3);
    assert_int_equal(quic_sentlog_count(&l, h), 3);
    assert_int_equal(quic_sentlog_count(&l, QUIC_SENTLOG_NO_HANDLE), 0);
    quic_sentlog_settle(&l, h);
    assert_int_equal(quic_sentlog_live(&l), 0);
    quic_sentlog_settle(&l, h); /* twice is harmless */
    quic_sentlog_free(&l);
}

/* Issue 10: a ring grown by a burst of packets in flight is given back once
 * the log has drained a few times with little in it; steady small traffic
 * keeps the small ring. */
static void test_ring_shrinks_after_burst(void **state)
{
    (void)state;
    quic_sentlog l;
    quic_sentlog_init(&l, 8192, NULL);
    uint64_t h[600];
    for (int i = 0; i < 600; i++)
        h[i] = send_pkt(&l, (uint64_t)i, 3);
    assert_true(l.cap >= 1800);
    for (int i = 0; i < 600; i++)
        quic_sentlog_settle(&l, h[i]);
    assert_true(l.cap >= 1800); /* one drain is no pattern yet */
    for (int round = 0; round < 2 * QB_TRIM_ROUNDS; round++) {
        uint64_t one = send_pkt(&l, 9, 2);
        quic_sentlog_settle(&l, one);
    }
    assert_true(l.cap <= 64);
    quic_sentlog_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_abort_and_empty),
        cmocka_unit_test(test_ring_shrinks_after_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
