/* The send side of the AEAD limits (RFC 9001 §6.6): when a key update is
 * due, and when the keys must stop (quic_keyphase_before_seal), for every
 * suite and with the stack's defaults. */
#include "common/tu.h"
#include "quic/keyphase.h"
#include "quic/protect.h"
#include "quic/quic.h"

#include <string.h>

static const uint8_t s_a[32] = {0x11, 0x22, 0x33}, s_b[32] = {0x44, 0x55, 0x66};
#define PTO 100000

static void keys(quic_keyphase *kp, cx_aead_id id)
{
    size_t len = id == CX_AES_256_GCM ? 48 : 32;
    uint8_t a[48] = {0}, b[48] = {0};
    memcpy(a, s_a, 32);
    memcpy(b, s_b, 32);
    assert_int_equal(quic_keyphase_init(kp, NULL, 1, id, a, b, len), 0);
}

static void sent(quic_keyphase *kp, uint64_t *pn, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        quic_keyphase_on_sent(kp, (*pn)++);
}

/* The update comes at update_after, or at half the limit when that is
 * sooner or update_after is 0; the keys then start counting again. */
static void test_before_seal_updates_when_due(void **state)
{
    (void)state;
    quic_keyphase kp;
    keys(&kp, CX_AES_128_GCM);
    uint64_t pn = 0, limit = 1000;
    sent(&kp, &pn, 1);
    quic_keyphase_on_acked(&kp, 0, 1);
    sent(&kp, &pn, 98);
    assert_int_equal(quic_keyphase_before_seal(&kp, limit, 100, true, 2, PTO), 0);
    sent(&kp, &pn, 1);
    /* not before the handshake is confirmed */
    assert_int_equal(quic_keyphase_before_seal(&kp, limit, 100, false, 2, PTO), 0);
    assert_int_equal(quic_keyphase_before_seal(&kp, limit, 100, true, 2, PTO), 1);
    assert_int_equal(kp.tx_packets, 0);
    assert_true(kp.tx_phase);
    quic_keyphase_free(&kp);

    /* update_after 0 (none wanted) or above half: at half the limit */
    uint64_t afters[] = {0, 900};
    for (size_t i = 0; i < 2; i++) {
        keys(&kp, CX_AES_128_GCM);
        pn = 0;
        sent(&kp, &pn, 1);
        quic_keyphase_on_acked(&kp, 0, 1);
        sent(&kp, &pn, 498);
        assert_int_equal(quic_keyphase_before_seal(&kp, limit, afters[i], true, 2, PTO), 0);
        sent(&kp, &pn, 1);
        assert_int_equal(quic_keyphase_before_seal(&kp, limit, afters[i], true, 2, PTO), 1);
        quic_keyphase_free(&kp);
    }
}

/* With no update possible (nothing under these keys acknowledged) the keys
 * stop QUIC_KP_CLOSE_RESERVE (or an eighth of a small limit) before it. */
static void test_before_seal_stops_before_limit(void **state)
{
    (void)state;
    quic_keyphase kp;
    keys(&kp, CX_AES_128_GCM);
    uint64_t pn = 0, limit = 1000;
    sent(&kp, &pn, limit - QUIC_KP_CLOSE_RESERVE - 1);
    assert_int_equal(quic_keyphase_before_seal(&kp, limit, 100, true, 2, PTO), 0);
    sent(&kp, &pn, 1);
    assert_int_equal(quic_keyphase_before_seal(&kp, limit, 100, true, 2, PTO), QUIC_KP_ERR_LIMIT);
    /* an acknowledgement makes the update possible again: it comes instead */
    quic_keyphase_on_acked(&kp, 5, 3);
    assert_int_equal(quic_keyphase_before_seal(&kp, limit, 100, true, 4, PTO), 1);
    quic_keyphase_free(&kp);

    keys(&kp, CX_AES_128_GCM);
    pn = 0;
    sent(&kp, &pn, 13);
    assert_int_equal(quic_keyphase_before_seal(&kp, 16, 0, true, 2, PTO), 0);
    sent(&kp, &pn, 1);
    assert_int_equal(quic_keyphase_before_seal(&kp, 16, 0, true, 2, PTO), QUIC_KP_ERR_LIMIT);
    quic_keyphase_free(&kp);
}

/* For every suite the stack's default update point comes long before the
 * confidentiality limit, so that acknowledgements have room to arrive: the
 * 2^20 of quic_config_init is under half of AES-GCM's 2^23; ChaCha20's limit
 * is beyond the packet number space. */
static void test_default_update_before_limit_every_suite(void **state)
{
    (void)state;
    quic_config cfg;
    quic_config_init(&cfg, false, NULL);
    assert_int_equal(cfg.aead_confidentiality_limit, 0);
    assert_int_equal(cfg.aead_integrity_limit, 0);
    cx_aead_id ids[] = {CX_AES_128_GCM, CX_AES_256_GCM, CX_CHACHA20_POLY1305};
    for (size_t i = 0; i < 3; i++) {
        uint64_t limit = quic_aead_confidentiality_limit(ids[i]);
        assert_true(cfg.key_update_after > 0);
        assert_true(cfg.key_update_after <= limit / 2);
        quic_keyphase kp;
        keys(&kp, ids[i]);
        uint64_t pn = 0;
        sent(&kp, &pn, 1);
        quic_keyphase_on_acked(&kp, 0, 1);
        sent(&kp, &pn, cfg.key_update_after - 2);
        assert_int_equal(quic_keyphase_before_seal(&kp, limit, cfg.key_update_after, true, 2, PTO), 0);
        sent(&kp, &pn, 1);
        assert_int_equal(quic_keyphase_before_seal(&kp, limit, cfg.key_update_after, true, 2, PTO), 1);
        quic_keyphase_free(&kp);
    }
    assert_true(quic_aead_confidentiality_limit(CX_CHACHA20_POLY1305) > (1ull << 62));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_seal_updates_when_due),
        cmocka_unit_test(test_before_seal_stops_before_limit),
        cmocka_unit_test(test_default_update_before_limit_every_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
