/* qb_ring: growth on demand up to a cap, wrap-around without moving queued
 * elements, contiguous read and write spans, shrinking when drained, and clean
 * failure through the allocator hook. */
#include "common/tu.h"
#include "common/tu_alloc.h"
#include "base/qb_ring.h"

#include <stdlib.h>
#include <string.h>

static void fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed + i * 13);
}

/* Copies the whole ring out through read spans. */
static size_t ring_flatten(const qb_ring *r, void *outv)
{
    uint8_t *out = outv;
    size_t i = 0;
    while (i < qb_ring_count(r)) {
        const void *p;
        size_t k = qb_ring_read_span(r, i, &p);
        assert_true(k > 0);
        memcpy(out + i * r->esz, p, k * r->esz);
        i += k;
    }
    return i;
}

static void test_ring_empty_until_first_use(void **state)
{
    (void)state;
    tu_counter f = {0};
    qb_alloc a = tu_counting_alloc(&f);
    qb_ring r;
    qb_ring_init(&r, &a, 1, 4096);
    assert_null(r.p);
    void *p;
    assert_int_equal(qb_ring_write_span(&r, &p), 0);
    assert_int_equal(qb_ring_push(&r, "", 0), QB_OK);
    assert_null(qb_ring_at(&r, 0));
    assert_int_equal(f.calls, 0);
    qb_ring_free(&r);
}

static void test_ring_grows_by_doubling_to_cap(void **state)
{
    (void)state;
    qb_ring r;
    qb_ring_init(&r, NULL, 1, 1000);
    uint8_t b[1000], out[1000];
    fill(b, sizeof b, 1);
    assert_int_equal(qb_ring_push(&r, b, 1), QB_OK);
    assert_int_equal(r.cap, QB_RING_MIN_BYTES);
    assert_int_equal(qb_ring_push(&r, b + 1, 99), QB_OK);
    assert_int_equal(r.cap, 2 * QB_RING_MIN_BYTES);
    assert_int_equal(qb_ring_push(&r, b + 100, 900), QB_OK);
    assert_int_equal(r.cap, 1000);
    assert_int_equal(qb_ring_push(&r, b, 1), QB_ERR_LIMIT);
    assert_int_equal(ring_flatten(&r, out), 1000);
    assert_memory_equal(out, b, 1000);
    qb_ring_free(&r);
}

static void test_ring_cap_refuses_and_keeps_state(void **state)
{
    (void)state;
    qb_ring r;
    qb_ring_init(&r, NULL, 8, 10); /* ten 8-byte records */
    uint64_t v[12], out[12];
    for (int i = 0; i < 12; i++)
        v[i] = 1000 + (uint64_t)i;
    assert_int_equal(qb_ring_push(&r, v, 7), QB_OK);
    assert_int_equal(qb_ring_push(&r, v + 7, 4), QB_ERR_LIMIT);
    assert_int_equal(qb_ring_count(&r), 7);
    assert_int_equal(qb_ring_reserve(&r, SIZE_MAX), QB_ERR_LIMIT);
    assert_int_equal(qb_ring_push(&r, v + 7, 3), QB_OK);
    assert_int_equal(ring_flatten(&r, out), 10);
    assert_memory_equal(out, v, 10 * sizeof v[0]);
    qb_ring_free(&r);
}

/* Consuming at the front and pushing at the back wraps around: the queued
 * elements stay where they are, and a read span ends at the wrap. */
static void test_ring_wraps_without_moving(void **state)
{
    (void)state;
    qb_ring r;
    qb_ring_init(&r, NULL, 1, 64);
    uint8_t b[64], out[64];
    fill(b, sizeof b, 2);
    assert_int_equal(qb_ring_push(&r, b, 60), QB_OK);
    qb_ring_consume(&r, 40);
    const void *front;
    assert_int_equal(qb_ring_read_span(&r, 0, &front), 20);
    uint8_t *base = r.p;
    assert_int_equal(qb_ring_push(&r, b + 60, 4), QB_OK);
    assert_int_equal(qb_ring_push(&r, b, 30), QB_OK); /* 54 live: wraps, no growth */
    assert_ptr_equal(r.p, base);
    const void *again;
    assert_int_equal(qb_ring_read_span(&r, 0, &again), 24); /* up to the wrap */
    assert_ptr_equal(again, front);
    const void *second;
    assert_int_equal(qb_ring_read_span(&r, 24, &second), 30);
    assert_ptr_equal(second, r.p);
    assert_int_equal(ring_flatten(&r, out), 54);
    assert_memory_equal(out, b + 40, 24);
    assert_memory_equal(out + 24, b, 30);
    assert_memory_equal(qb_ring_at(&r, 24), b, 1);
    assert_null(qb_ring_at(&r, 54));
    qb_ring_free(&r);
}

static void test_ring_growth_keeps_order_across_wrap(void **state)
{
    (void)state;
    qb_ring r;
    qb_ring_init(&r, NULL, 4, 1000);
    uint32_t v[200], out[200];
    for (int i = 0; i < 200; i++)
        v[i] = (uint32_t)i * 3u;
    assert_int_equal(qb_ring_push(&r, v, 16), QB_OK); /* exactly the first 64 bytes */
    assert_int_equal(r.cap, 16);
    qb_ring_consume(&r, 10);
    assert_int_equal(qb_ring_push(&r, v + 16, 8), QB_OK); /* wraps */
    assert_int_equal(qb_ring_push(&r, v + 24, 100), QB_OK); /* grows, unwraps */
    assert_int_equal(ring_flatten(&r, out), 114);
    assert_memory_equal(out, v + 10, 114 * sizeof v[0]);
    assert_int_equal(qb_ring_pop(&r, out, 5), 5);
    assert_memory_equal(out, v + 10, 5 * sizeof v[0]);
    assert_int_equal(qb_ring_count(&r), 109);
    qb_ring_free(&r);
}

/* Zero-copy writes: the free space after the tail, up to the wrap or the head. */
static void test_ring_write_span_commit(void **state)
{
    (void)state;
    qb_ring r;
    qb_ring_init(&r, NULL, 1, 64);
    assert_int_equal(qb_ring_reserve(&r, 64), QB_OK);
    void *w;
    assert_int_equal(qb_ring_write_span(&r, &w), 64);
    assert_ptr_equal(w, r.p);
    memset(w, 'a', 50);
    qb_ring_commit(&r, 50);
    qb_ring_consume(&r, 30); /* head at 30, tail at 50 */
    assert_int_equal(qb_ring_write_span(&r, &w), 14); /* to the end of storage */
    assert_ptr_equal(w, r.p + 50);
    memset(w, 'b', 14);
    qb_ring_commit(&r, 14);
    assert_int_equal(qb_ring_write_span(&r, &w), 30); /* wrapped: up to the head */
    assert_ptr_equal(w, r.p);
    memset(w, 'c', 30);
    qb_ring_commit(&r, 30);
    assert_int_equal(qb_ring_write_span(&r, &w), 0); /* full */
    assert_int_equal(qb_ring_count(&r), 64);
    uint8_t out[64];
    ring_flatten(&r, out);
    for (int i = 0; i < 64; i++)
        assert_int_equal(out[i], i < 20 ? 'a' : i < 34 ? 'b' : 'c');
    qb_ring_consume(&r, 64);
    assert_int_equal(qb_ring_write_span(&r, &w), 64); /* emptied: from the front */
    assert_ptr_equal(w, r.p);
    qb_ring_free(&r);
}

static void test_ring_shrink_frees_when_drained(void **state)
{
    (void)state;
    tu_counter f = {0};
    qb_alloc a = tu_counting_alloc(&f);
    qb_ring r;
    qb_ring_init(&r, &a, 1, 1 << 20);
    uint8_t b[5000], out[16];
    fill(b, sizeof b, 3);
    assert_int_equal(qb_ring_push(&r, b, sizeof b), QB_OK);
    qb_ring_consume(&r, 4990);
    qb_ring_shrink(&r);
    assert_int_equal(r.cap, 10);
    assert_int_equal(ring_flatten(&r, out), 10);
    assert_memory_equal(out, b + 4990, 10);
    qb_ring_consume(&r, 10);
    qb_ring_shrink(&r);
    assert_null(r.p);
    assert_int_equal(f.live, 0);
    assert_int_equal(qb_ring_push(&r, b, 3), QB_OK); /* usable again */
    qb_ring_free(&r);
    assert_int_equal(f.live, 0);
}

static void test_ring_truncate(void **state)
{
    (void)state;
    qb_ring r;
    qb_ring_init(&r, NULL, 1, 64);
    assert_int_equal(qb_ring_push(&r, "abcdef", 6), QB_OK);
    qb_ring_truncate(&r, 2);
    assert_int_equal(qb_ring_count(&r), 2);
    assert_int_equal(qb_ring_push(&r, "xy", 2), QB_OK);
    uint8_t out[4];
    ring_flatten(&r, out);
    assert_memory_equal(out, "abxy", 4);
    qb_ring_free(&r);
}

/* Whichever allocation fails, the call says so and the contents are unchanged. */
static void test_ring_alloc_failure_keeps_state(void **state)
{
    (void)state;
    static uint8_t b[6000], out[6000];
    fill(b, sizeof b, 4);
    for (long n = 1; n <= 10; n++) {
        tu_counter f = {.fail_at = n};
        qb_alloc a = tu_counting_alloc(&f);
        qb_ring r;
        qb_ring_init(&r, &a, 1, sizeof b);
        size_t have = 0, gone = 0;
        bool failed = false;
        for (size_t step = 1; have < sizeof b && step < 80; step++) {
            size_t k = step * 53 % 900 + 1;
            if (have + k > sizeof b)
                k = sizeof b - have;
            int rc = qb_ring_push(&r, b + have, k);
            if (rc == QB_ERR_NO_MEMORY) {
                failed = true;
            } else {
                assert_int_equal(rc, QB_OK);
                have += k;
            }
            if (step % 4 == 0) {
                qb_ring_consume(&r, 150);
                gone = gone + 150 < have ? gone + 150 : have;
            }
            assert_int_equal(ring_flatten(&r, out), have - gone);
            assert_memory_equal(out, b + gone, have - gone);
        }
        assert_true(failed || f.calls < n);
        qb_ring_free(&r);
        assert_int_equal(f.live, 0);
    }
}

/* A seeded random walk of pushes, zero-copy writes, pops, consumes, truncates
 * and shrinks on a ring of 3-byte records, against a plain array model. */
static void test_ring_matches_model(void **state)
{
    (void)state;
    enum { ESZ = 3, CAP = 500 };
    static uint8_t model[ESZ * CAP], tmp[ESZ * CAP], src[ESZ * CAP];
    size_t mn = 0; /* records in the model */
    qb_ring r;
    qb_ring_init(&r, NULL, ESZ, CAP);
    srand(4242);
    for (int it = 0; it < 30000; it++) {
        int op = rand() % 12;
        if (op < 4) {
            size_t k = (size_t)rand() % 200;
            fill(src, k * ESZ, (unsigned)it);
            int rc = qb_ring_push(&r, src, k);
            if (mn + k > CAP) {
                assert_int_equal(rc, QB_ERR_LIMIT);
            } else {
                assert_int_equal(rc, QB_OK);
                memcpy(model + mn * ESZ, src, k * ESZ);
                mn += k;
            }
        } else if (op < 6) {
            void *w;
            size_t room = qb_ring_write_span(&r, &w);
            size_t k = room ? (size_t)rand() % (room + 1) : 0;
            fill(src, k * ESZ, (unsigned)it * 5u);
            if (k)
                memcpy(w, src, k * ESZ);
            qb_ring_commit(&r, k);
            memcpy(model + mn * ESZ, src, k * ESZ);
            mn += k;
        } else if (op < 8) {
            size_t k = (size_t)rand() % 150;
            size_t got = qb_ring_pop(&r, tmp, k);
            assert_int_equal(got, k < mn ? k : mn);
            assert_memory_equal(tmp, model, got * ESZ);
            memmove(model, model + got * ESZ, (mn - got) * ESZ);
            mn -= got;
        } else if (op < 10) {
            size_t k = (size_t)rand() % 150;
            qb_ring_consume(&r, k);
            k = k < mn ? k : mn;
            memmove(model, model + k * ESZ, (mn - k) * ESZ);
            mn -= k;
        } else if (op == 10) {
            size_t k = mn ? (size_t)rand() % (mn + 1) : 0;
            qb_ring_truncate(&r, k);
            mn = k;
        } else {
            qb_ring_shrink(&r);
        }
        assert_int_equal(qb_ring_count(&r), mn);
        assert_true(r.cap <= CAP);
        assert_int_equal(ring_flatten(&r, tmp), mn);
        assert_memory_equal(tmp, model, mn * ESZ);
        if (mn)
            assert_memory_equal(qb_ring_at(&r, mn - 1), model + (mn - 1) * ESZ, ESZ);
    }
    qb_ring_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_empty_until_first_use),
        cmocka_unit_test(test_ring_grows_by_doubling_to_cap),
        cmocka_unit_test(test_ring_cap_refuses_and_keeps_state),
        cmocka_unit_test(test_ring_wraps_without_moving),
        cmocka_unit_test(test_ring_growth_keeps_order_across_wrap),
        cmocka_unit_test(test_ring_write_span_commit),
        cmocka_unit_test(test_ring_shrink_frees_when_drained),
        cmocka_unit_test(test_ring_truncate),
        cmocka_unit_test(test_ring_alloc_failure_keeps_state),
        cmocka_unit_test(test_ring_matches_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
