/* SipHash-2-4 known answer and the CID routing table's bounds. */
#include "common/tu.h"
#include "quic/cid_table.h"

#include <stdlib.h>

#include <string.h>

static void test_siphash_vector(void **state)
{
    (void)state;
    /* The SipHash paper's Appendix A: key 00..0f, message 00..0e. */
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    assert_true(quic_siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
    /* empty message of the reference test table (first entry) */
    assert_true(quic_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
}

static quic_cid cid_n(uint32_t n)
{
    quic_cid c;
    uint8_t b[8] = {0};
    memcpy(b, &n, sizeof n);
    quic_cid_set(&c, b, 8);
    return c;
}

static void test_table_add_find_remove(void **state)
{
    (void)state;
    quic_cid_table t;
    uint8_t key[16] = {7};
    assert_int_equal(quic_cid_table_init(&t, 1000, key, NULL), 0);
    int conns[1000];
    for (uint32_t i = 0; i < 1000; i++) {
        quic_cid c = cid_n(i);
        assert_int_equal(quic_cid_table_add(&t, &c, &conns[i]), 0);
    }
    quic_cid extra = cid_n(5000);
    assert_int_equal(quic_cid_table_add(&t, &extra, conns), QUIC_CIDT_ERR_FULL);
    quic_cid c7 = cid_n(7);
    assert_int_equal(quic_cid_table_add(&t, &c7, conns), QUIC_CIDT_ERR_EXISTS);
    for (uint32_t i = 0; i < 1000; i++) {
        quic_cid c = cid_n(i);
        assert_ptr_equal(quic_cid_table_find(&t, c.b, c.len), &conns[i]);
    }
    assert_null(quic_cid_table_find(&t, extra.b, extra.len));
    assert_null(quic_cid_table_find(&t, c7.b, 7)); /* length is part of the key */
    /* churn: remove and add many times; tombstones must not fill the table */
    for (uint32_t round = 0; round < 20; round++) {
        for (uint32_t i = 0; i < 1000; i += 2) {
            quic_cid c = cid_n(i + round * 100000);
            quic_cid_table_remove(&t, &c);
            quic_cid d = cid_n(i + (round + 1) * 100000);
            assert_int_equal(quic_cid_table_add(&t, &d, &conns[i]), 0);
        }
    }
    assert_int_equal(t.used, 1000);
    /* every live entry is still reachable after all the backward shifts */
    for (uint32_t i = 0; i < 1000; i++) {
        quic_cid c = cid_n(i % 2 ? i : i + 20 * 100000);
        assert_ptr_equal(quic_cid_table_find(&t, c.b, c.len), &conns[i]);
        quic_cid gone = cid_n(i + 10 * 100000);
        if (i % 2 == 0)
            assert_null(quic_cid_table_find(&t, gone.b, gone.len));
    }
    assert_int_equal(quic_cid_table_remove_conn(&t, &conns[1]), 1);
    assert_int_equal(t.used, 999);
    quic_cid_table_free(&t);
}

static size_t cidt_budget = SIZE_MAX;
static void *b_alloc(void *ud, size_t n) { (void)ud; if (!cidt_budget) return NULL; cidt_budget--; return malloc(n); }
static void *b_realloc(void *ud, void *p, size_t n) { (void)ud; if (!cidt_budget) return NULL; cidt_budget--; return realloc(p, n); }
static void b_free(void *ud, void *p) { (void)ud; free(p); }

/* Issue 10: the table holds nothing while empty, grows with the entries, and
 * gives the memory back as they go; a growth the allocator refuses is an
 * error that leaves every entry routed. */
static void test_table_grows_and_shrinks_with_use(void **state)
{
    (void)state;
    qb_alloc a = {b_alloc, b_realloc, b_free, NULL};
    uint8_t key[16] = {1};
    quic_cid_table t;
    assert_int_equal(quic_cid_table_init(&t, 8192, key, &a), 0);
    assert_null(t.slots);
    int conns[1000];
    quic_cid c;
    for (int i = 0; i < 1000; i++) {
        uint8_t b[8] = {(uint8_t)i, (uint8_t)(i >> 8), 7, 7, 7, 7, 7, 7};
        quic_cid_set(&c, b, 8);
        assert_int_equal(quic_cid_table_add(&t, &c, &conns[i]), 0);
    }
    assert_true(t.cap >= 2000 && t.cap <= 4096);
    cidt_budget = 0;
    uint8_t more[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    quic_cid_set(&c, more, 8);
    for (int i = 1000; i < 5000; i++) {
        more[0] = (uint8_t)i, more[1] = (uint8_t)(i >> 8);
        quic_cid_set(&c, more, 8);
        int rc = quic_cid_table_add(&t, &c, &conns[0]);
        if (rc == QUIC_CIDT_ERR_NOMEM)
            break;
        assert_int_equal(rc, 0);
    }
    cidt_budget = SIZE_MAX;
    for (int i = 0; i < 1000; i++) {
        uint8_t b[8] = {(uint8_t)i, (uint8_t)(i >> 8), 7, 7, 7, 7, 7, 7};
        assert_ptr_equal(quic_cid_table_find(&t, b, 8), &conns[i]);
    }
    /* conns[0] also has what the refused phase added before growth was due */
    assert_true(quic_cid_table_remove_conn(&t, &conns[0]) >= 1);
    for (int i = 1; i < 1000; i++)
        assert_int_equal(quic_cid_table_remove_conn(&t, &conns[i]), 1);
    assert_int_equal(t.used, 0);
    assert_null(t.slots);
    quic_cid_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_grows_and_shrinks_with_use),
        cmocka_unit_test(test_siphash_vector),
        cmocka_unit_test(test_table_add_find_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
