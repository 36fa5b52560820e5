/* Received packet number ranges and the ACK decision (RFC 9000 §13.2). */
#include "common/tu.h"
#include "quic/ackrange.h"

#define MS 1000ULL

static void expect_ranges(const quic_ackrange *a, const uint64_t (*want)[2], size_t n)
{
    quic_pn_range out[QUIC_ACKRANGE_MAX];
    size_t got = quic_ackrange_export(a, out, QUIC_ACKRANGE_MAX);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(out[i].smallest == want[i][0]);
        assert_true(out[i].largest == want[i][1]);
    }
}

static void test_insert_merge_export(void **state)
{
    (void)state;
    quic_ackrange a;
    quic_ackrange_init(&a, 64, 25 * MS);
    uint64_t pns[] = {5, 1, 2, 9, 3, 7, 8, 0};
    for (size_t i = 0; i < sizeof pns / sizeof pns[0]; i++)
        assert_int_equal(quic_ackrange_insert(&a, pns[i], false, i), 0);
    /* {0..3}, {5}, {7..9} -> largest first */
    const uint64_t want[][2] = {{7, 9}, {5, 5}, {0, 3}};
    expect_ranges(&a, want, 3);
    /* filling the gap at 4 and 6 merges everything */
    assert_int_equal(quic_ackrange_insert(&a, 4, false, 10), 0);
    assert_int_equal(quic_ackrange_insert(&a, 6, false, 11), 0);
    const uint64_t one[][2] = {{0, 9}};
    expect_ranges(&a, one, 1);
    uint64_t l, t;
    assert_true(quic_ackrange_largest(&a, &l, &t));
    assert_true(l == 9 && t == 3); /* 9 was the 4th insert, at time 3 */
    /* export with a short array keeps the newest ranges */
    quic_ackrange_insert(&a, 20, false, 12);
    quic_ackrange_insert(&a, 30, false, 13);
    quic_pn_range out[2];
    assert_int_equal(quic_ackrange_export(&a, out, 2), 2);
    assert_true(out[0].smallest == 30 && out[1].smallest == 20);
    quic_ackrange_free(&a);
}

static void test_duplicates(void **state)
{
    (void)state;
    quic_ackrange a;
    quic_ackrange_init(&a, 8, 25 * MS);
    assert_false(quic_ackrange_contains(&a, 0));
    assert_int_equal(quic_ackrange_insert(&a, 0, true, 0), 0);
    assert_true(quic_ackrange_contains(&a, 0));
    assert_int_equal(quic_ackrange_insert(&a, 0, true, 1), QUIC_ACKRANGE_ERR_DUPLICATE);
    assert_int_equal(quic_ackrange_insert(&a, 1ULL << 62, true, 1), QUIC_ACKRANGE_ERR_RANGE);
    assert_int_equal(quic_ackrange_insert(&a, (1ULL << 62) - 1, true, 1), 0);
    assert_true(quic_ackrange_contains(&a, (1ULL << 62) - 1));
    assert_false(quic_ackrange_contains(&a, (1ULL << 62) - 2));
    quic_ackrange_free(&a);
}

/* RFC 9000 §13.2.2: an ACK after the second ack-eliciting packet; the first
 * alone waits at most max_ack_delay. */
static void test_ack_every_second(void **state)
{
    (void)state;
    quic_ackrange a;
    quic_ackrange_init(&a, 64, 25 * MS);
    assert_true(quic_ackrange_ack_deadline(&a) == QUIC_ACKRANGE_NONE);
    quic_ackrange_insert(&a, 0, true, 100 * MS);
    assert_true(quic_ackrange_ack_deadline(&a) == 125 * MS);
    assert_false(quic_ackrange_ack_needed(&a, 124 * MS));
    assert_true(quic_ackrange_ack_needed(&a, 125 * MS));
    quic_ackrange_insert(&a, 1, true, 110 * MS);
    assert_true(quic_ackrange_ack_deadline(&a) == 110 * MS);
    assert_true(quic_ackrange_ack_needed(&a, 110 * MS));
    assert_true(quic_ackrange_ack_delay(&a, 112 * MS) == 2 * MS);
    quic_ackrange_on_ack_sent(&a);
    assert_false(quic_ackrange_ack_pending(&a));
    assert_true(quic_ackrange_ack_deadline(&a) == QUIC_ACKRANGE_NONE);
    quic_ackrange_insert(&a, 2, true, 200 * MS);
    assert_true(quic_ackrange_ack_deadline(&a) == 225 * MS);
    quic_ackrange_free(&a);
}

/* RFC 9000 §13.2.1: non-ack-eliciting packets never cause an ACK by
 * themselves, but are acknowledged along with other frames. */
static void test_non_ack_eliciting(void **state)
{
    (void)state;
    quic_ackrange a;
    quic_ackrange_init(&a, 64, 25 * MS);
    for (uint64_t pn = 0; pn < 10; pn++)
        quic_ackrange_insert(&a, pn, false, pn);
    quic_ackrange_insert(&a, 20, false, 20); /* even a gap does not trigger one */
    assert_true(quic_ackrange_ack_deadline(&a) == QUIC_ACKRANGE_NONE);
    assert_true(quic_ackrange_ack_pending(&a));
    quic_ackrange_free(&a);
}

/* RFC 9000 §13.2.1: immediate ACK when an ack-eliciting packet arrives out of
 * order or after a gap, e.g. quic-go skipping packet number 3 on purpose. */
static void test_immediate_on_reorder_and_gap(void **state)
{
    (void)state;
    quic_ackrange a;
    quic_ackrange_init(&a, 64, 25 * MS);
    quic_ackrange_insert(&a, 0, true, 0);
    quic_ackrange_insert(&a, 1, true, 1);
    quic_ackrange_insert(&a, 2, true, 2);
    quic_ackrange_on_ack_sent(&a);
    quic_ackrange_insert(&a, 4, true, 1000); /* 3 skipped by the peer */
    assert_true(quic_ackrange_ack_deadline(&a) == 1000);
    const uint64_t want[][2] = {{4, 4}, {0, 2}};
    expect_ranges(&a, want, 2); /* acknowledge only what arrived */
    quic_ackrange_on_ack_sent(&a);
    quic_ackrange_insert(&a, 5, true, 2000); /* in order: may wait */
    assert_true(quic_ackrange_ack_deadline(&a) == 2000 + 25 * MS);
    quic_ackrange_on_ack_sent(&a);
    quic_ackrange_insert(&a, 3, true, 3000); /* reordered: at once */
    assert_true(quic_ackrange_ack_deadline(&a) == 3000);
    quic_ackrange_on_ack_sent(&a);
    /* a gap filled by non-ack-eliciting packets is no gap */
    quic_ackrange_insert(&a, 6, false, 3100);
    quic_ackrange_insert(&a, 7, true, 3200);
    assert_true(quic_ackrange_ack_deadline(&a) == 3200 + 25 * MS);
    quic_ackrange_free(&a);
}

/* Initial and Handshake packets are acknowledged immediately (§13.2.1). */
static void test_handshake_space_immediate(void **state)
{
    (void)state;
    quic_ackrange a;
    quic_ackrange_init(&a, 16, 0);
    quic_ackrange_insert(&a, 0, true, 500);
    assert_true(quic_ackrange_ack_needed(&a, 500));
    quic_ackrange_free(&a);
}

/* The bound: never more than cap ranges; the oldest go, and their packet
 * numbers are then refused as duplicates via the floor. */
static void test_bound(void **state)
{
    (void)state;
    quic_ackrange a;
    quic_ackrange_init(&a, 4, 25 * MS);
    for (uint64_t pn = 1; pn < 2000; pn += 2) {
        assert_int_equal(quic_ackrange_insert(&a, pn, true, pn), 0);
        assert_true(quic_ackrange_count(&a) <= 4);
    }
    assert_int_equal(quic_ackrange_count(&a), 4);
    const uint64_t want[][2] = {{1999, 1999}, {1997, 1997}, {1995, 1995}, {1993, 1993}};
    expect_ranges(&a, want, 4);
    assert_true(quic_ackrange_contains(&a, 1)); /* below the floor */
    assert_true(quic_ackrange_contains(&a, 1990));
    assert_false(quic_ackrange_contains(&a, 1994));
    /* an old packet below all ranges while full: refused, no growth */
    assert_int_equal(quic_ackrange_insert(&a, 0, true, 0), QUIC_ACKRANGE_ERR_DUPLICATE);
    /* a packet that would be the new oldest range is absorbed by the floor */
    quic_ackrange b;
    quic_ackrange_init(&b, 2, 25 * MS);
    quic_ackrange_insert(&b, 10, true, 0);
    quic_ackrange_insert(&b, 20, true, 0);
    assert_int_equal(quic_ackrange_insert(&b, 5, true, 0), 0);
    assert_int_equal(quic_ackrange_count(&b), 2);
    assert_true(quic_ackrange_contains(&b, 5));
    /* the clamp of the configured bound */
    quic_ackrange c;
    quic_ackrange_init(&c, 100000, 0);
    assert_int_equal(c.cap, QUIC_ACKRANGE_MAX);
    for (uint64_t pn = 0; pn < 10 * QUIC_ACKRANGE_MAX; pn += 2)
        quic_ackrange_insert(&c, pn, false, 0);
    assert_int_equal(quic_ackrange_count(&c), QUIC_ACKRANGE_MAX);
    quic_ackrange_free(&a);
    quic_ackrange_free(&b);
    quic_ackrange_free(&c);
}

/* RFC 9000 §13.2.4: once an ACK frame is acknowledged, stop reporting what it
 * covered; keep the largest received packet number. */
static void test_drop_below(void **state)
{
    (void)state;
    quic_ackrange a;
    quic_ackrange_init(&a, 64, 25 * MS);
    uint64_t pns[] = {0, 1, 2, 4, 5, 8};
    for (size_t i = 0; i < 6; i++)
        quic_ackrange_insert(&a, pns[i], true, i);
    quic_ackrange_drop_below(&a, 5);
    const uint64_t want[][2] = {{8, 8}, {5, 5}};
    expect_ranges(&a, want, 2);
    assert_true(quic_ackrange_contains(&a, 3)); /* below the floor now */
    quic_ackrange_drop_below(&a, 9);
    assert_int_equal(quic_ackrange_count(&a), 0);
    uint64_t l;
    assert_true(quic_ackrange_largest(&a, &l, NULL));
    assert_true(l == 8);
    assert_int_equal(quic_ackrange_insert(&a, 9, true, 10), 0);
    const uint64_t after[][2] = {{9, 9}};
    expect_ranges(&a, after, 1);
    quic_ackrange_drop_below(&a, 2); /* never lowers the floor */
    assert_true(quic_ackrange_contains(&a, 8));
    quic_ackrange_free(&a);
}

static int no_mem_calls;
static void *no_alloc(void *ud, size_t n) { (void)ud; (void)n; no_mem_calls++; return NULL; }
static void *no_realloc(void *ud, void *p, size_t n) { (void)ud; (void)p; (void)n; no_mem_calls++; return NULL; }
static void no_free(void *ud, void *p) { (void)ud; (void)p; }

/* Issue 10: few ranges need no heap; many go to the heap and come back once
 * acknowledged ranges are dropped. */
static void test_ranges_grow_on_heap_and_return_inline(void **state)
{
    (void)state;
    quic_ackrange a;
    quic_ackrange_init(&a, 64, 25 * MS);
    for (uint64_t pn = 0; pn < 2 * QUIC_ACKRANGE_INLINE; pn += 2)
        assert_int_equal(quic_ackrange_insert(&a, pn, true, 0), 0);
    assert_null(a.heap);
    for (uint64_t pn = 2 * QUIC_ACKRANGE_INLINE; pn < 80; pn += 2)
        assert_int_equal(quic_ackrange_insert(&a, pn, true, 0), 0);
    assert_non_null(a.heap);
    assert_int_equal(quic_ackrange_count(&a), 40);
    quic_ackrange_drop_below(&a, 76);
    assert_null(a.heap);
    assert_true(quic_ackrange_contains(&a, 78) && !quic_ackrange_contains(&a, 77));
    quic_ackrange_free(&a);
}

/* A heap that refuses makes the inline array the bound (RFC 9000 §13.2.3:
 * the oldest range goes behind the floor), never an error. */
static void test_ranges_without_memory_act_as_bound(void **state)
{
    (void)state;
    qb_alloc none = {no_alloc, no_realloc, no_free, NULL};
    quic_ackrange a;
    quic_ackrange_init_with(&a, 64, 25 * MS, &none);
    for (uint64_t pn = 0; pn < 40; pn += 2)
        assert_int_equal(quic_ackrange_insert(&a, pn, true, 0), 0);
    assert_true(no_mem_calls > 0);
    assert_int_equal(quic_ackrange_count(&a), QUIC_ACKRANGE_INLINE);
    assert_true(quic_ackrange_contains(&a, 1)); /* below the floor */
    assert_int_equal(quic_ackrange_insert(&a, 30, true, 0), QUIC_ACKRANGE_ERR_DUPLICATE);
    quic_ackrange_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges_grow_on_heap_and_return_inline),
        cmocka_unit_test(test_ranges_without_memory_act_as_bound),
        cmocka_unit_test(test_insert_merge_export),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_ack_every_second),
        cmocka_unit_test(test_non_ack_eliciting),
        cmocka_unit_test(test_immediate_on_reorder_and_gap),
        cmocka_unit_test(test_handshake_space_immediate),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_drop_below),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
