/* Connection ID sets: issuing, retiring, Retire Prior To, limits, stateless
 * reset tokens (RFC 9000 §5.1, §10.3, §19.15, §19.16). */
#include "common/tu.h"
#include "quic/cid.h"

#include <string.h>

static quic_cid mk(uint8_t fill, uint8_t len)
{
    quic_cid c;
    uint8_t b[QUIC_CID_MAX_LEN];
    memset(b, fill, sizeof b);
    quic_cid_set(&c, b, len);
    return c;
}

static const uint8_t tok_a[16] = {1}, tok_b[16] = {2};

static void test_local_issue_and_retire(void **state)
{
    (void)state;
    quic_local_cids s;
    quic_cid first = mk(0xaa, 8);
    quic_local_cids_init(&s, &first, false);
    assert_int_equal(quic_local_cids_wanted(&s, 4), 3); /* peer limit 4, one active */
    for (int i = 1; i <= 3; i++) {
        quic_cid c = mk((uint8_t)i, 8);
        assert_int_equal(quic_local_cids_add(&s, &c, tok_a, true), i);
    }
    assert_int_equal(quic_local_cids_wanted(&s, 4), 0);
    assert_int_equal(quic_local_cids_wanted(&s, 100), QUIC_CID_SLOTS - 4); /* our own cap */
    quic_local_cid *a = quic_local_cids_next_announce(&s);
    assert_non_null(a);
    assert_int_equal(a->seq, 1); /* lowest sequence first */
    a->announce = false;
    assert_int_equal(quic_local_cids_next_announce(&s)->seq, 2);
    quic_cid c2 = mk(2, 8), c1 = mk(1, 8);
    assert_true(quic_local_cids_has(&s, &c2));
    /* §19.16: retiring with the packet's own DCID is a violation */
    assert_int_equal(quic_local_cids_retire(&s, 2, &c2), QUIC_CID_ERR_RETIRE_CURRENT);
    assert_int_equal(quic_local_cids_retire(&s, 2, &c1), 0);
    assert_false(quic_local_cids_has(&s, &c2));
    assert_int_equal(quic_local_cids_retire(&s, 2, &c1), 0); /* repeat is fine */
    /* §19.16: a sequence never sent */
    assert_int_equal(quic_local_cids_retire(&s, 4, &c1), QUIC_CID_ERR_RETIRE_UNKNOWN);
    assert_int_equal(quic_local_cids_wanted(&s, 4), 1);
}

static void test_local_full_and_zero_length(void **state)
{
    (void)state;
    quic_local_cids s;
    quic_cid first = mk(0xaa, 8);
    quic_local_cids_init(&s, &first, false);
    for (int i = 1; i < QUIC_CID_SLOTS; i++) {
        quic_cid c = mk((uint8_t)i, 8);
        assert_true(quic_local_cids_add(&s, &c, tok_a, true) > 0);
    }
    quic_cid c = mk(0x77, 8);
    assert_int_equal(quic_local_cids_add(&s, &c, tok_a, true), QUIC_CID_ERR_FULL);
    quic_cid empty = mk(0, 0);
    quic_local_cids_init(&s, &empty, true);
    assert_int_equal(quic_local_cids_wanted(&s, 8), 0);
    assert_int_equal(quic_local_cids_retire(&s, 0, &empty), QUIC_CID_ERR_ZERO_LENGTH);
}

static void test_peer_new_and_limit(void **state)
{
    (void)state;
    quic_peer_cids s;
    quic_cid first = mk(0x10, 4);
    quic_peer_cids_init(&s, &first, 4);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        quic_cid c = mk((uint8_t)(0x10 + seq), 4);
        assert_int_equal(quic_peer_cids_on_new(&s, seq, 0, &c, tok_a), 0);
    }
    /* a repeated frame is fine (§19.15) */
    quic_cid c3 = mk(0x13, 4);
    assert_int_equal(quic_peer_cids_on_new(&s, 3, 0, &c3, tok_a), 0);
    /* same sequence, other CID or token */
    quic_cid other = mk(0x99, 4);
    assert_int_equal(quic_peer_cids_on_new(&s, 3, 0, &other, tok_a), QUIC_CID_ERR_MISMATCH);
    assert_int_equal(quic_peer_cids_on_new(&s, 3, 0, &c3, tok_b), QUIC_CID_ERR_MISMATCH);
    /* a fifth active CID over our limit of 4 */
    quic_cid c4 = mk(0x14, 4);
    assert_int_equal(quic_peer_cids_on_new(&s, 4, 0, &c4, tok_a), QUIC_CID_ERR_LIMIT);
    /* ... unless Retire Prior To makes room: retires 0 and 1, we switch off 0 */
    assert_int_equal(quic_peer_cids_on_new(&s, 4, 2, &c4, tok_a), 0);
    uint64_t seq;
    assert_true(quic_peer_cids_next_retire(&s, &seq));
    assert_int_equal(seq, 0);
    assert_true(quic_peer_cids_next_retire(&s, &seq));
    assert_int_equal(seq, 1);
    assert_false(quic_peer_cids_next_retire(&s, &seq));
    quic_cid c2 = mk(0x12, 4);
    assert_true(quic_cid_equal(quic_peer_cids_current(&s), &c2));
}

static void test_peer_rotate_and_reset(void **state)
{
    (void)state;
    quic_peer_cids s;
    quic_cid first = mk(0x10, 4);
    quic_peer_cids_init(&s, &first, 4);
    quic_peer_cids_set_token0(&s, tok_a);
    uint8_t dgram[40];
    memset(dgram, 0x40, sizeof dgram);
    memcpy(dgram + sizeof dgram - 16, tok_a, 16);
    assert_true(quic_peer_cids_is_reset(&s, dgram, sizeof dgram));
    assert_false(quic_peer_cids_is_reset(&s, dgram, 20)); /* too short to be one */
    /* an unused CID's token does not count (§10.3.1) */
    quic_cid c1 = mk(0x11, 4);
    assert_int_equal(quic_peer_cids_on_new(&s, 1, 0, &c1, tok_b), 0);
    memcpy(dgram + sizeof dgram - 16, tok_b, 16);
    assert_false(quic_peer_cids_is_reset(&s, dgram, sizeof dgram));
    assert_true(quic_peer_cids_rotate(&s));
    assert_true(quic_cid_equal(quic_peer_cids_current(&s), &c1));
    assert_true(quic_peer_cids_is_reset(&s, dgram, sizeof dgram));
    uint64_t seq;
    assert_true(quic_peer_cids_next_retire(&s, &seq));
    assert_int_equal(seq, 0);
    assert_false(quic_peer_cids_rotate(&s)); /* nothing unused left */
    /* zero-length peer CIDs: NEW_CONNECTION_ID is a violation (§19.15) */
    quic_cid empty = mk(0, 0);
    quic_peer_cids_init(&s, &empty, 4);
    assert_int_equal(quic_peer_cids_on_new(&s, 1, 0, &c1, tok_a), QUIC_CID_ERR_ZERO_LENGTH);
}

static void test_retire_below_prior_to(void **state)
{
    (void)state;
    quic_peer_cids s;
    quic_cid first = mk(0x10, 4), c5 = mk(0x15, 4), c2 = mk(0x12, 4);
    quic_peer_cids_init(&s, &first, 4);
    assert_int_equal(quic_peer_cids_on_new(&s, 5, 5, &c5, tok_a), 0);
    uint64_t seq;
    assert_true(quic_peer_cids_next_retire(&s, &seq));
    assert_int_equal(seq, 0);
    /* seq 2 arrives late, below Retire Prior To 5: owed a RETIRE, never used */
    assert_int_equal(quic_peer_cids_on_new(&s, 2, 0, &c2, tok_b), 0);
    assert_true(quic_peer_cids_next_retire(&s, &seq));
    assert_int_equal(seq, 2);
    assert_true(quic_cid_equal(quic_peer_cids_current(&s), &c5));
}

/* RFC 9000 §9.5: a new path takes an unused CID without leaving the current
 * one; a path given up retires the CID it saw, never the current one. */
static void test_peer_pick_switch_and_retire_slot(void **state)
{
    (void)state;
    quic_peer_cids s;
    quic_cid first = mk(0x10, 4), c1 = mk(0x11, 4), c2 = mk(0x12, 4);
    quic_peer_cids_init(&s, &first, 4);
    assert_int_equal(quic_peer_cids_pick(&s), -1);
    assert_int_equal(quic_peer_cids_on_new(&s, 1, 0, &c1, tok_a), 0);
    assert_int_equal(quic_peer_cids_on_new(&s, 2, 0, &c2, tok_b), 0);
    int k = quic_peer_cids_pick(&s);
    assert_true(k >= 0);
    assert_true(quic_cid_equal(&s.slot[k].cid, &c1)); /* lowest sequence first */
    assert_true(quic_cid_equal(quic_peer_cids_current(&s), &first)); /* unchanged */
    assert_false(quic_peer_cids_retire_slot(&s, s.current));
    assert_true(quic_peer_cids_retire_slot(&s, k));
    uint64_t seq;
    assert_true(quic_peer_cids_next_retire(&s, &seq));
    assert_int_equal(seq, 1);
    k = quic_peer_cids_pick(&s);
    assert_true(quic_cid_equal(&s.slot[k].cid, &c2));
    assert_true(quic_peer_cids_switch_to(&s, k));
    assert_true(quic_cid_equal(quic_peer_cids_current(&s), &c2));
    assert_true(quic_peer_cids_next_retire(&s, &seq));
    assert_int_equal(seq, 0);
}

static void test_reset_token_is_keyed(void **state)
{
    (void)state;
    uint8_t k1[32] = {1}, k2[32] = {2}, t1[16], t2[16], t3[16];
    quic_cid a = mk(0xab, 8), b = mk(0xac, 8);
    assert_int_equal(quic_reset_token(k1, &a, t1), 0);
    assert_int_equal(quic_reset_token(k1, &a, t2), 0);
    assert_memory_equal(t1, t2, 16); /* recomputable without state */
    assert_int_equal(quic_reset_token(k2, &a, t2), 0);
    assert_memory_not_equal(t1, t2, 16);
    assert_int_equal(quic_reset_token(k1, &b, t3), 0);
    assert_memory_not_equal(t1, t3, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_issue_and_retire),
        cmocka_unit_test(test_local_full_and_zero_length),
        cmocka_unit_test(test_peer_new_and_limit),
        cmocka_unit_test(test_peer_rotate_and_reset),
        cmocka_unit_test(test_retire_below_prior_to),
        cmocka_unit_test(test_peer_pick_switch_and_retire_slot),
        cmocka_unit_test(test_reset_token_is_keyed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
