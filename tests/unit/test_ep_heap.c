/* The endpoint's deadline heap and per-address counts: the earliest deadline
 * after any mix of inserts, changes and removals, and counts that come and go
 * with their entries (checked against a plain array and brute force). */
#include "common/tu.h"
#include "common/tu_alloc.h"
#include "quic/ep_addr.h"
#include "quic/ep_heap.h"

#include <string.h>

#define N 200

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void test_heap_top_is_earliest(void **state)
{
    (void)state;
    quic_ep_heap h;
    assert_int_equal(quic_ep_heap_init(&h, NULL, N), 0);
    uint64_t ref[N];
    for (size_t i = 0; i < N; i++)
        ref[i] = UINT64_MAX;
    assert_int_equal(quic_ep_heap_top(&h, NULL), UINT64_MAX);
    uint32_t s = 7;
    for (int step = 0; step < 20000; step++) {
        size_t slot = rnd(&s) % N;
        uint64_t key = rnd(&s) % 4 == 0 ? UINT64_MAX : rnd(&s) % 1000;
        quic_ep_heap_set(&h, slot, key);
        ref[slot] = key;
        uint64_t best = UINT64_MAX;
        size_t count = 0;
        for (size_t i = 0; i < N; i++) {
            if (ref[i] < best)
                best = ref[i];
            count += ref[i] != UINT64_MAX;
        }
        size_t top_slot = N;
        assert_int_equal(quic_ep_heap_top(&h, &top_slot), best);
        assert_int_equal(h.n, count);
        if (best != UINT64_MAX)
            assert_int_equal(ref[top_slot], best);
    }
    quic_ep_heap_set(&h, N + 5, 1); /* out of range: ignored */
    quic_ep_heap_free(&h);
}

static void test_addr_counts(void **state)
{
    (void)state;
    static const uint8_t key[16] = {1, 2, 3};
    quic_ep_addrs t;
    assert_int_equal(quic_ep_addrs_init(&t, NULL, 64, key), 0);
    uint32_t ref[300] = {0};
    uint32_t s = 3;
    size_t live = 0;
    for (int step = 0; step < 50000; step++) {
        uint32_t a = rnd(&s) % 300;
        uint8_t b[4];
        memcpy(b, &a, 4);
        if (rnd(&s) % 2) {
            int rc = quic_ep_addrs_inc(&t, b, 4);
            if (rc == 0) {
                live += ref[a] == 0;
                ref[a]++;
            } else {
                assert_int_equal(ref[a], 0); /* only a new address can find no room */
                assert_true(2 * (live + 1) > t.cap_max);
            }
        } else {
            quic_ep_addrs_dec(&t, b, 4);
            if (ref[a]) {
                ref[a]--;
                live -= ref[a] == 0;
            }
        }
        if (step % 97 == 0)
            for (uint32_t i = 0; i < 300; i++) {
                memcpy(b, &i, 4);
                assert_int_equal(quic_ep_addrs_count(&t, b, 4), ref[i]);
            }
        assert_int_equal(t.used, live);
    }
    quic_ep_addrs_free(&t);
}

/* Issue 10: the table of an endpoint allowing 1,024 handshakes holds a few
 * hundred bytes until addresses come, grows to hold all 1,024 (and no more),
 * keeps every count across its growth, and is small again once they left. */
static void test_addr_table_grows_with_addresses_and_shrinks_when_empty(void **state)
{
    (void)state;
    static const uint8_t key[16] = {9};
    tu_counter cnt = {0};
    qb_alloc a = tu_counting_alloc(&cnt);
    quic_ep_addrs t;
    assert_int_equal(quic_ep_addrs_init(&t, &a, 1024, key), 0);
    size_t small = cnt.bytes;
    assert_true(small <= 512);
    for (uint32_t i = 0; i < 1024; i++) {
        uint8_t b[4];
        memcpy(b, &i, 4);
        for (uint32_t k = 0; k <= i % 3; k++)
            assert_int_equal(quic_ep_addrs_inc(&t, b, 4), 0);
    }
    uint8_t extra[4] = {0xff, 0xff, 0xff, 0xff};
    assert_int_equal(quic_ep_addrs_inc(&t, extra, 4), -1);
    assert_true(cnt.bytes > small);
    for (uint32_t i = 0; i < 1024; i++) {
        uint8_t b[4];
        memcpy(b, &i, 4);
        assert_int_equal(quic_ep_addrs_count(&t, b, 4), i % 3 + 1);
    }
    for (uint32_t i = 0; i < 1024; i++) {
        uint8_t b[4];
        memcpy(b, &i, 4);
        for (uint32_t k = 0; k <= i % 3; k++)
            quic_ep_addrs_dec(&t, b, 4);
    }
    assert_int_equal(t.used, 0);
    assert_int_equal(cnt.bytes, small);
    quic_ep_addrs_free(&t);
    assert_int_equal(cnt.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_top_is_earliest),
        cmocka_unit_test(test_addr_counts),
        cmocka_unit_test(test_addr_table_grows_with_addresses_and_shrinks_when_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
