/* qb_vec: growth on demand up to a cap, consumption from the front without a move
 * per call, shrinking when drained, and clean failure through the allocator hook. */
#include "common/tu.h"
#include "common/tu_alloc.h"
#include "base/qb_vec.h"

#include <stdlib.h>
#include <string.h>

static void fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed + i * 7);
}

static void test_vec_empty_until_first_use(void **state)
{
    (void)state;
    tu_counter f = {0};
    qb_alloc a = tu_counting_alloc(&f);
    qb_vec v;
    qb_vec_init(&v, &a, 1024);
    assert_int_equal(qb_vec_len(&v), 0);
    assert_null(v.p);
    assert_int_equal(f.calls, 0);
    assert_int_equal(qb_vec_append(&v, "", 0), QB_OK); /* nothing to store: no allocation */
    assert_int_equal(f.calls, 0);
    qb_vec_free(&v);
}

static void test_vec_grows_by_doubling_to_cap(void **state)
{
    (void)state;
    qb_vec v;
    qb_vec_init(&v, NULL, 1000);
    uint8_t b[1000];
    fill(b, sizeof b, 1);
    assert_int_equal(qb_vec_append(&v, b, 10), QB_OK);
    assert_int_equal(v.cap, QB_VEC_MIN);
    assert_int_equal(qb_vec_append(&v, b + 10, 100), QB_OK);
    assert_int_equal(v.cap, 2 * QB_VEC_MIN * 1); /* 64 -> 128 holds 110 */
    assert_int_equal(qb_vec_append(&v, b + 110, 890), QB_OK);
    assert_int_equal(v.cap, 1000); /* doubling stops at the cap */
    assert_int_equal(qb_vec_len(&v), 1000);
    assert_memory_equal(qb_vec_data(&v), b, 1000);
    qb_vec_free(&v);
}

static void test_vec_cap_refuses_and_keeps_state(void **state)
{
    (void)state;
    qb_vec v;
    qb_vec_init(&v, NULL, 100);
    uint8_t b[101];
    fill(b, sizeof b, 2);
    assert_int_equal(qb_vec_append(&v, b, 60), QB_OK);
    assert_int_equal(qb_vec_append(&v, b, 41), QB_ERR_LIMIT);
    assert_int_equal(qb_vec_len(&v), 60);
    assert_memory_equal(qb_vec_data(&v), b, 60);
    assert_int_equal(qb_vec_reserve(&v, SIZE_MAX), QB_ERR_LIMIT); /* no overflow */
    assert_int_equal(qb_vec_append(&v, b, 40), QB_OK);
    qb_vec_consume(&v, 30); /* the cap counts live bytes, not what was consumed */
    assert_int_equal(qb_vec_append(&v, b, 30), QB_OK);
    assert_int_equal(qb_vec_len(&v), 100);
    qb_vec_free(&v);
}

static void test_vec_consume_does_not_move_bytes(void **state)
{
    (void)state;
    qb_vec v;
    qb_vec_init(&v, NULL, 4096);
    uint8_t b[512];
    fill(b, sizeof b, 3);
    assert_int_equal(qb_vec_append(&v, b, 512), QB_OK);
    uint8_t *first = qb_vec_data(&v);
    qb_vec_consume(&v, 10);
    assert_ptr_equal(qb_vec_data(&v), first + 10);
    /* Appends that fit after the end leave the live bytes where they are, and a
     * small consumed front is not worth a slide: the buffer grows instead. */
    size_t cap = v.cap;
    assert_int_equal(qb_vec_append(&v, b, (cap - 512) + 1), QB_OK);
    assert_memory_equal(qb_vec_data(&v), b + 10, 502);
    qb_vec_free(&v);
}

static void test_vec_slides_only_when_consumed_covers_live(void **state)
{
    (void)state;
    qb_vec v;
    qb_vec_init(&v, NULL, 256);
    uint8_t b[256];
    fill(b, sizeof b, 4);
    assert_int_equal(qb_vec_append(&v, b, 256), QB_OK);
    assert_int_equal(v.cap, 256);
    qb_vec_consume(&v, 200); /* 56 live, 200 consumed */
    uint8_t *base = v.p;
    assert_int_equal(qb_vec_append(&v, b, 100), QB_OK); /* at the cap: must reuse */
    assert_ptr_equal(v.p, base);
    assert_int_equal(v.off, 0);
    assert_memory_equal(qb_vec_data(&v), b + 200, 56);
    assert_memory_equal(qb_vec_data(&v) + 56, b, 100);
    qb_vec_free(&v);
}

static void test_vec_drained_restarts_at_front(void **state)
{
    (void)state;
    qb_vec v;
    qb_vec_init(&v, NULL, 4096);
    uint8_t b[100];
    fill(b, sizeof b, 5);
    assert_int_equal(qb_vec_append(&v, b, 100), QB_OK);
    qb_vec_consume(&v, 100);
    assert_int_equal(v.off, 0);
    assert_int_equal(v.len, 0);
    qb_vec_consume(&v, 5); /* over-consuming is harmless */
    assert_int_equal(qb_vec_len(&v), 0);
    qb_vec_free(&v);
}

static void test_vec_shrink_frees_when_drained(void **state)
{
    (void)state;
    tu_counter f = {0};
    qb_alloc a = tu_counting_alloc(&f);
    qb_vec v;
    qb_vec_init(&v, &a, 1 << 20);
    uint8_t b[3000];
    fill(b, sizeof b, 6);
    assert_int_equal(qb_vec_append(&v, b, sizeof b), QB_OK);
    qb_vec_consume(&v, 2990);
    qb_vec_shrink(&v); /* ten live bytes: the storage fits them */
    assert_int_equal(v.cap, 10);
    assert_memory_equal(qb_vec_data(&v), b + 2990, 10);
    qb_vec_consume(&v, 10);
    qb_vec_shrink(&v);
    assert_null(v.p);
    assert_int_equal(v.cap, 0);
    assert_int_equal(f.live, 0);
    assert_int_equal(qb_vec_append(&v, b, 5), QB_OK); /* usable again */
    qb_vec_free(&v);
    assert_int_equal(f.live, 0);
}

static void test_vec_truncate_and_commit(void **state)
{
    (void)state;
    qb_vec v;
    qb_vec_init(&v, NULL, 64);
    assert_int_equal(qb_vec_append(&v, "abcdef", 6), QB_OK);
    qb_vec_truncate(&v, 2);
    assert_int_equal(qb_vec_len(&v), 2);
    assert_int_equal(qb_vec_reserve(&v, 3), QB_OK);
    memcpy(qb_vec_end(&v), "xyz", 3);
    qb_vec_commit(&v, 3);
    assert_memory_equal(qb_vec_data(&v), "abxyz", 5);
    qb_vec_truncate(&v, 0);
    assert_int_equal(v.len, 0);
    qb_vec_free(&v);
}

/* Whichever allocation fails, the call says so and the contents are unchanged. */
static void test_vec_alloc_failure_keeps_state(void **state)
{
    (void)state;
    uint8_t b[5000];
    fill(b, sizeof b, 7);
    for (long n = 1; n <= 12; n++) {
        tu_counter f = {.fail_at = n};
        qb_alloc a = tu_counting_alloc(&f);
        qb_vec v;
        qb_vec_init(&v, &a, sizeof b);
        size_t have = 0, gone = 0;
        bool failed = false;
        for (size_t step = 1; have < sizeof b && step < 64; step++) {
            size_t k = step * 37 % 700 + 1;
            if (have + k > sizeof b)
                k = sizeof b - have;
            int rc = qb_vec_append(&v, b + have, k);
            if (rc == QB_ERR_NO_MEMORY) {
                failed = true;
                assert_int_equal(qb_vec_len(&v), have - gone);
                continue;
            }
            assert_int_equal(rc, QB_OK);
            have += k;
            if (step % 3 == 0) { /* consume some so slides and copies happen too */
                qb_vec_consume(&v, 100);
                gone = gone + 100 < have ? gone + 100 : have;
            }
            assert_int_equal(qb_vec_len(&v), have - gone);
            assert_memory_equal(qb_vec_data(&v), b + gone, have - gone);
        }
        assert_true(failed || f.calls < n);
        qb_vec_free(&v);
        assert_int_equal(f.live, 0);
    }
}

/* A seeded random walk of appends, consumes, truncates and shrinks against a
 * plain array model. */
static void test_vec_matches_model(void **state)
{
    (void)state;
    enum { CAP = 3000 };
    static uint8_t model[1 << 20];
    size_t mlen = 0, moff = 0;
    qb_vec v;
    qb_vec_init(&v, NULL, CAP);
    srand(12345);
    uint8_t src[800];
    for (int it = 0; it < 20000; it++) {
        int op = rand() % 10;
        size_t live = mlen - moff;
        if (op < 5) {
            size_t k = (size_t)rand() % sizeof src;
            fill(src, k, (unsigned)it);
            int rc = qb_vec_append(&v, src, k);
            if (live + k > CAP) {
                assert_int_equal(rc, QB_ERR_LIMIT);
            } else {
                assert_int_equal(rc, QB_OK);
                if (mlen + k > sizeof model) { /* keep the model in bounds */
                    memmove(model, model + moff, live);
                    mlen = live;
                    moff = 0;
                }
                memcpy(model + mlen, src, k);
                mlen += k;
            }
        } else if (op < 8) {
            size_t k = (size_t)rand() % 900;
            qb_vec_consume(&v, k);
            moff += k < live ? k : live;
        } else if (op == 8) {
            size_t k = live ? (size_t)rand() % (live + 1) : 0;
            qb_vec_truncate(&v, k);
            mlen = moff + k;
        } else {
            qb_vec_shrink(&v);
        }
        assert_int_equal(qb_vec_len(&v), mlen - moff);
        assert_true(v.cap <= CAP);
        if (mlen > moff)
            assert_memory_equal(qb_vec_data(&v), model + moff, mlen - moff);
    }
    qb_vec_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vec_empty_until_first_use),
        cmocka_unit_test(test_vec_grows_by_doubling_to_cap),
        cmocka_unit_test(test_vec_cap_refuses_and_keeps_state),
        cmocka_unit_test(test_vec_consume_does_not_move_bytes),
        cmocka_unit_test(test_vec_slides_only_when_consumed_covers_live),
        cmocka_unit_test(test_vec_drained_restarts_at_front),
        cmocka_unit_test(test_vec_shrink_frees_when_drained),
        cmocka_unit_test(test_vec_truncate_and_commit),
        cmocka_unit_test(test_vec_alloc_failure_keeps_state),
        cmocka_unit_test(test_vec_matches_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
