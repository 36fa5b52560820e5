/* Key update (RFC 9001 §6) between two key-phase states: initiate, respond,
 * reordered packets under previous keys, and the KEY_UPDATE_ERROR cases. */
#include "common/tu.h"
#include "quic/keyphase.h"
#include "quic/packet.h"
#include "quic/protect.h"

#include <string.h>

static const uint8_t s_c2s[32] = {0x11, 0x22, 0x33}, s_s2c[32] = {0x44, 0x55, 0x66};
static const uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* Seals a short-header packet with kp's send keys (or with phase/aead given). */
static size_t seal(cx_aead *aead, cx_hp *hp, bool phase, uint64_t pn, uint8_t *out, size_t cap)
{
    qb_wr w;
    quic_pkt_wr pw;
    qb_wr_init(&w, out, cap);
    assert_int_equal(quic_pkt_short_begin(&w, dcid, sizeof dcid, false, phase, pn, 2, &pw), 0);
    static const uint8_t payload[24] = {0x01}; /* PING, then PADDING */
    assert_int_equal(qb_wr_bytes(&w, payload, sizeof payload), 0);
    size_t len;
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &len), 0);
    quic_pkt_keys k = {.aead = aead, .hp = hp};
    assert_int_equal(quic_pkt_protect(&k, out, len, pw.pn_offset, pw.pn_len, pn), 0);
    return len;
}

static size_t send_from(quic_keyphase *kp, uint64_t pn, uint8_t *out, size_t cap)
{
    size_t n = seal(kp->tx, kp->tx_hp, kp->tx_phase, pn, out, cap);
    quic_keyphase_on_sent(kp, pn);
    return n;
}

static int recv_at(quic_keyphase *kp, uint8_t *pkt, size_t len, uint64_t largest, uint64_t now)
{
    quic_pkt_clear c;
    int rc = quic_pkt_unprotect_header(kp->rx_hp, pkt, len, 1 + sizeof dcid, largest, &c);
    if (rc)
        return rc;
    return quic_keyphase_open(kp, pkt, len, &c, now, 1000);
}

static void test_update_both_ways(void **state)
{
    (void)state;
    quic_keyphase a, b, a_old;
    uint8_t pkt[128], late[128];
    assert_int_equal(quic_keyphase_init(&a, NULL, CX_QUIC_V1, CX_AES_128_GCM, s_s2c, s_c2s, 32), 0);
    assert_int_equal(quic_keyphase_init(&b, NULL, CX_QUIC_V1, CX_AES_128_GCM, s_c2s, s_s2c, 32), 0);
    assert_int_equal(quic_keyphase_init(&a_old, NULL, CX_QUIC_V1, CX_AES_128_GCM, s_s2c, s_c2s, 32), 0);

    assert_false(quic_keyphase_can_initiate(&a, 0, 1000)); /* nothing acknowledged yet */
    size_t late_len = 0;
    for (uint64_t pn = 0; pn < 5; pn++) {
        size_t n = send_from(&a, pn, pkt, sizeof pkt);
        if (pn == 3) { /* keep pn 3 back: it arrives after the update */
            memcpy(late, pkt, n);
            late_len = n;
            continue;
        }
        assert_int_equal(recv_at(&b, pkt, n, pn ? pn - 1 : UINT64_MAX, 0), 0);
    }
    quic_keyphase_on_acked(&a, 4, 0);
    assert_true(quic_keyphase_can_initiate(&a, 0, 1000));
    assert_int_equal(quic_keyphase_initiate(&a, 0, 1000), 0);
    assert_true(a.tx_phase);
    assert_false(quic_keyphase_can_initiate(&a, 0, 1000)); /* not again before an ACK */
    assert_int_equal(quic_keyphase_initiate(&a, 0, 1000), QUIC_KP_ERR_NOT_ALLOWED);

    /* b sees the flipped phase, opens with its next keys, answers in kind */
    size_t n = send_from(&a, 5, pkt, sizeof pkt);
    assert_int_equal(recv_at(&b, pkt, n, 4, 100), 0);
    assert_true(b.rx_phase);
    assert_true(b.tx_phase);
    assert_int_equal(b.updates, 1);

    /* the late pn 3 of the old phase still opens with the previous keys */
    assert_int_equal(recv_at(&b, late, late_len, 5, 200), 0);

    /* old keys on a NEWER packet number: KEY_UPDATE_ERROR (§6.4) */
    n = seal(a_old.tx, a_old.tx_hp, false, 10, pkt, sizeof pkt);
    assert_int_equal(recv_at(&b, pkt, n, 5, 300), QUIC_KP_ERR_KEY_UPDATE);

    /* b's first packet under its answering keys: a promotes its receive side */
    n = send_from(&b, 0, pkt, sizeof pkt);
    assert_int_equal(recv_at(&a, pkt, n, UINT64_MAX, 400), 0);
    assert_true(a.rx_phase); /* a promoted on b's answer */
    assert_int_equal(a.updates, 1);

    /* b cannot start the next update while it still holds previous keys */
    quic_keyphase_on_acked(&b, 0, 500);
    assert_false(quic_keyphase_can_initiate(&b, 500, 1000));
    assert_int_equal(quic_keyphase_deadline(&b), 100 + 3 * 1000);
    assert_int_equal(quic_keyphase_on_timer(&b, 100 + 3 * 1000), 0);
    /* RFC 9001 §6.5: after an update, wait 3 PTO past the acknowledgement */
    assert_false(quic_keyphase_can_initiate(&b, 3100, 1000));
    assert_true(quic_keyphase_can_initiate(&b, 3500, 1000));
    assert_int_equal(quic_keyphase_initiate(&b, 3500, 1000), 0);
    n = send_from(&b, 1, pkt, sizeof pkt);
    /* a still holds previous keys (its timer has not run): the packet is lost */
    assert_int_equal(recv_at(&a, pkt, n, 0, 500), QUIC_PKT_ERR_DECRYPT);
    assert_int_equal(quic_keyphase_on_timer(&a, 400 + 3 * 1000), 0);
    n = send_from(&b, 2, pkt, sizeof pkt);
    assert_int_equal(recv_at(&a, pkt, n, 0, 4000), 0);
    assert_false(a.rx_phase);
    assert_false(a.tx_phase);
    assert_int_equal(a.updates, 2);

    quic_keyphase_free(&a);
    quic_keyphase_free(&b);
    quic_keyphase_free(&a_old);
}

static void test_forged_phase_is_dropped(void **state)
{
    (void)state;
    quic_keyphase a, b;
    uint8_t pkt[128];
    assert_int_equal(quic_keyphase_init(&a, NULL, CX_QUIC_V1, CX_CHACHA20_POLY1305, s_s2c, s_c2s, 32), 0);
    assert_int_equal(quic_keyphase_init(&b, NULL, CX_QUIC_V1, CX_CHACHA20_POLY1305, s_c2s, s_s2c, 32), 0);
    /* sealed with the current keys but claiming the other phase */
    size_t n = seal(a.tx, a.tx_hp, true, 7, pkt, sizeof pkt);
    assert_int_equal(recv_at(&b, pkt, n, UINT64_MAX, 0), QUIC_PKT_ERR_DECRYPT);
    assert_false(b.rx_phase);
    assert_true(b.other_is_next); /* next keys kept (§6.3) */
    quic_keyphase_free(&a);
    quic_keyphase_free(&b);
}

/* Issue 10: an idle connection holds its current keys only; the next
 * receive keys are built on the first packet of the other phase and kept
 * (RFC 9001 §6.3), and after an update the previous ones are dropped at
 * their deadline (§6.5), leaving the slot empty again. */
static void test_next_rx_keys_built_when_needed(void **state)
{
    (void)state;
    quic_keyphase a, b;
    uint8_t pkt[128];
    assert_int_equal(quic_keyphase_init(&a, NULL, CX_QUIC_V1, CX_AES_128_GCM, s_s2c, s_c2s, 32), 0);
    assert_int_equal(quic_keyphase_init(&b, NULL, CX_QUIC_V1, CX_AES_128_GCM, s_c2s, s_s2c, 32), 0);
    assert_null(b.rx[1]);
    /* a forged flip builds them, and they stay though the packet fails */
    size_t n = seal(a.tx, a.tx_hp, true, 7, pkt, sizeof pkt);
    assert_int_equal(recv_at(&b, pkt, n, UINT64_MAX, 0), QUIC_PKT_ERR_DECRYPT);
    cx_aead *next = b.rx[1];
    assert_non_null(next);
    /* a real update opens with those very keys */
    n = send_from(&a, 0, pkt, sizeof pkt);
    assert_int_equal(recv_at(&b, pkt, n, UINT64_MAX, 0), 0);
    quic_keyphase_on_acked(&a, 0, 0);
    assert_int_equal(quic_keyphase_initiate(&a, 0, 1000), 0);
    assert_non_null(a.rx[1]); /* ready for b's answer before it comes */
    n = send_from(&a, 1, pkt, sizeof pkt);
    assert_int_equal(recv_at(&b, pkt, n, 0, 100), 0);
    assert_true(b.rx_phase);
    assert_ptr_equal(b.rx[1], next);
    assert_non_null(b.rx[0]); /* previous, for reordered packets */
    assert_int_equal(quic_keyphase_on_timer(&b, 100 + 3 * 1000), 0);
    assert_null(b.rx[0]);
    assert_true(b.other_is_next);
    quic_keyphase_free(&a);
    quic_keyphase_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_both_ways),
        cmocka_unit_test(test_forged_phase_is_dropped),
        cmocka_unit_test(test_next_rx_keys_built_when_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
