/* RFC 9001 Appendix A (and the same examples for QUIC v2, RFC 9369 Appendix A):
 * Initial keys, the client and server Initial packets protected byte for byte,
 * the Retry integrity tag, and the ChaCha20-Poly1305 short header packet. */
#include "common/tu.h"
#include "crypto/cx_quic_keys.h"
#include "quic/packet.h"
#include "quic/pn.h"
#include "quic/protect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-version expectations; the long packets are in tests/vectors/rfc9001/. */
typedef struct version_case {
    uint32_t version;
    const char *prefix; /* file name prefix: "" (v1) or "v2_" */
    const char *ckey, *civ, *chp, *skey, *siv, *shp;
    const char *client_hdr; /* unprotected header of the client Initial */
    const char *server_hdr;
    const char *cc_key, *cc_iv, *cc_hp, *cc_ku; /* ChaCha20 example */
    const char *cc_packet;
} version_case;

static const version_case g_cases[] = {
    {CX_QUIC_V1, "",
     "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c",
     "9f50449e04a0e810283a1e9933adedd2", "cf3a5331653c364c88f0f379b6067e37",
     "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314",
     "c300000001088394c8f03e5157080000449e00000002",
     "c1000000010008f067a5502a4262b50040750001",
     "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8",
     "e0459b3474bdd0e44a41c144",
     "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4",
     "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9",
     "4cfe4189655e5cd55c41f69080575d7999c25a5bfb"},
    {CX_QUIC_V2, "v2_",
     "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f",
     "45b95e15235d6f45a6b19cbcb0294ba9", "82db637861d55e1d011f19ea71d5d2a7",
     "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a",
     "d36b3343cf088394c8f03e5157080000449e00000002",
     "d16b3343cf0008f067a5502a4262b50040750001",
     "3bfcddd72bcf02541d7fa0dd1f5f9eeea817e09a6963a0e6c7df0f9a1bab90f2",
     "a6b5bc6ab7dafce30ffff5dd",
     "d659760d2ba434a226fd37b35c69e2da8211d10c4f12538787d65645d5d1b8e2",
     "c69374c49e3d2a9466fa689e49d476db5d0dfbc87d32ceeaa6343fd0ae4c7d88",
     "5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba"},
};

static const uint8_t g_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static const uint8_t g_server_scid[8] = {0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5};

static uint8_t *load_hex(const version_case *vc, const char *name, size_t *len)
{
    char rel[128];
    size_t flen;
    snprintf(rel, sizeof rel, "rfc9001/%s%s.hex", vc->prefix, name);
    uint8_t *text = tu_read_vector(rel, &flen);
    uint8_t *bytes = tu_hex_alloc((const char *)text, len);
    free(text);
    return bytes;
}

static void check_hex(const uint8_t *got, size_t len, const char *hex)
{
    uint8_t want[256];
    size_t n = tu_hex(hex, want, sizeof want);
    assert_int_equal(n, len);
    assert_memory_equal(got, want, n);
}

static void test_a1_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_cases / sizeof g_cases[0]; i++) {
        const version_case *vc = &g_cases[i];
        cx_quic_keys c, s;
        assert_int_equal(cx_quic_initial_keys(vc->version, g_dcid, 8, &c, &s), CX_OK);
        assert_int_equal(c.aead, CX_AES_128_GCM);
        check_hex(c.key, c.key_len, vc->ckey);
        check_hex(c.iv, CX_AEAD_IV_LEN, vc->civ);
        check_hex(c.hp, c.key_len, vc->chp);
        check_hex(s.key, s.key_len, vc->skey);
        check_hex(s.iv, CX_AEAD_IV_LEN, vc->siv);
        check_hex(s.hp, s.key_len, vc->shp);
    }
    /* The intermediate secrets of RFC 9001 A.1. */
    uint8_t cs[32], ss[32];
    assert_int_equal(cx_quic_initial_secrets(CX_QUIC_V1, g_dcid, 8, cs, ss), CX_OK);
    check_hex(cs, 32, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
    check_hex(ss, 32, "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b");
    assert_int_equal(cx_quic_initial_secrets(0xbabababa, g_dcid, 8, cs, ss), CX_ERR_QUIC_VERSION);
}

/* Builds an Initial with the packet writer, checks the clear header, protects it
 * and compares with the RFC's bytes, then parses and unprotects it back. */
static void initial_round_trip(const version_case *vc, bool client)
{
    cx_quic_keys ck, sk;
    quic_pkt_keys keys;
    size_t plen, wlen, payload_len;
    uint8_t *payload = load_hex(vc, client ? "client_initial_crypto" : "server_initial_payload",
                                &plen);
    uint8_t *want = load_hex(vc, client ? "client_initial_protected" : "server_initial_protected",
                             &wlen);
    assert_int_equal(cx_quic_initial_keys(vc->version, g_dcid, 8, &ck, &sk), CX_OK);
    assert_int_equal(quic_pkt_keys_init(&keys, NULL, client ? &ck : &sk), 0);

    quic_pkt_long_params p = {
        .type = QUIC_PKT_INITIAL, .version = vc->version,
        .dcid = client ? g_dcid : NULL, .dcid_len = client ? 8 : 0,
        .scid = client ? NULL : g_server_scid, .scid_len = client ? 0 : 8,
        .pn = client ? 2 : 1, .pn_len = client ? 4 : 2, .length_len = 2,
    };
    /* A.2: the CRYPTO frame plus PADDING to a 1162-byte payload; A.3: no padding. */
    payload_len = client ? 1162 : plen;
    uint8_t buf[1500];
    qb_wr w;
    quic_pkt_wr pw;
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), 0);
    assert_int_equal(qb_wr_bytes(&w, payload, plen), QB_OK);
    assert_int_equal(qb_wr_zeros(&w, payload_len - plen), QB_OK);
    size_t pkt_len;
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, CX_AEAD_TAG_LEN, &pkt_len), 0);
    assert_int_equal(pkt_len, wlen);
    check_hex(buf, pw.pn_offset + pw.pn_len, client ? vc->client_hdr : vc->server_hdr);

    assert_int_equal(quic_pkt_protect(&keys, buf, pkt_len, pw.pn_offset, pw.pn_len, pw.pn), 0);
    assert_memory_equal(buf, want, wlen);

    /* And back: parse the RFC's bytes, remove both protections. */
    quic_pkt_hdr h;
    quic_pkt_clear c;
    memcpy(buf, want, wlen);
    assert_int_equal(quic_pkt_hdr_parse(buf, wlen, 0, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_INITIAL);
    assert_int_equal(h.version, vc->version);
    assert_int_equal(h.pkt_len, wlen);
    assert_int_equal(h.pn_offset, pw.pn_offset);
    assert_int_equal(quic_pkt_unprotect(&keys, buf, h.pkt_len, h.pn_offset, QUIC_PN_NONE, &c), 0);
    assert_int_equal(c.pn, client ? 2 : 1);
    assert_int_equal(c.pn_len, client ? 4 : 2);
    assert_int_equal(c.payload_len, payload_len);
    assert_memory_equal(buf + c.payload_offset, payload, plen);
    check_hex(buf, c.payload_offset, client ? vc->client_hdr : vc->server_hdr);

    /* A flipped bit in the tag is a decryption failure, and nothing else. */
    memcpy(buf, want, wlen);
    buf[wlen - 1] ^= 1;
    assert_int_equal(quic_pkt_unprotect(&keys, buf, wlen, h.pn_offset, QUIC_PN_NONE, &c),
                     QUIC_PKT_ERR_DECRYPT);
    /* The other direction's keys do not open it either. */
    quic_pkt_keys other;
    assert_int_equal(quic_pkt_keys_init(&other, NULL, client ? &sk : &ck), 0);
    memcpy(buf, want, wlen);
    assert_int_equal(quic_pkt_unprotect(&other, buf, wlen, h.pn_offset, QUIC_PN_NONE, &c),
                     QUIC_PKT_ERR_DECRYPT);
    quic_pkt_keys_clear(&other);
    quic_pkt_keys_clear(&keys);
    free(payload);
    free(want);
}

static void test_a2_client_initial(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_cases / sizeof g_cases[0]; i++)
        initial_round_trip(&g_cases[i], true);
}

static void test_a3_server_initial(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_cases / sizeof g_cases[0]; i++)
        initial_round_trip(&g_cases[i], false);
}

static void test_a4_retry(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_cases / sizeof g_cases[0]; i++) {
        const version_case *vc = &g_cases[i];
        size_t len;
        uint8_t *want = load_hex(vc, "retry", &len);
        quic_pkt_hdr h;
        assert_int_equal(quic_pkt_hdr_parse(want, len, 0, &h), 0);
        assert_int_equal(h.type, QUIC_PKT_RETRY);
        assert_int_equal(h.version, vc->version);
        assert_int_equal(h.dcid_len, 0);
        assert_int_equal(h.scid_len, 8);
        assert_memory_equal(h.scid, g_server_scid, 8);
        assert_int_equal(h.token_len, 5);
        assert_memory_equal(h.token, "token", 5);
        assert_int_equal(quic_pkt_retry_verify(&h, g_dcid, 8), 0);
        /* The tag binds the client's original DCID. */
        uint8_t other[8];
        memcpy(other, g_dcid, 8);
        other[7] ^= 1;
        assert_int_equal(quic_pkt_retry_verify(&h, other, 8), QUIC_PKT_ERR_RETRY_TAG);

        /* The writer produces the same bytes (the RFC sets all 4 unused bits). */
        uint8_t buf[128];
        qb_wr w;
        qb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(quic_pkt_retry_write(&w, vc->version, 0x0f, NULL, 0, g_server_scid, 8,
                                              (const uint8_t *)"token", 5, g_dcid, 8), 0);
        assert_int_equal(w.off, len);
        assert_memory_equal(buf, want, len);

        /* Any flipped bit breaks it. */
        want[len - 1] ^= 0x80;
        assert_int_equal(quic_pkt_retry_verify(&h, g_dcid, 8), QUIC_PKT_ERR_RETRY_TAG);
        free(want);
    }
}

static void test_a5_chacha20_short_header(void **state)
{
    (void)state;
    uint8_t secret[32], next[32];
    tu_hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b", secret, 32);
    for (size_t i = 0; i < sizeof g_cases / sizeof g_cases[0]; i++) {
        const version_case *vc = &g_cases[i];
        cx_quic_keys m;
        quic_pkt_keys keys;
        assert_int_equal(cx_quic_keys_derive(vc->version, CX_CHACHA20_POLY1305, secret, 32, &m),
                         CX_OK);
        check_hex(m.key, m.key_len, vc->cc_key);
        check_hex(m.iv, CX_AEAD_IV_LEN, vc->cc_iv);
        check_hex(m.hp, m.key_len, vc->cc_hp);
        assert_int_equal(cx_quic_secret_update(vc->version, CX_CHACHA20_POLY1305, secret, 32,
                                               next), CX_OK);
        check_hex(next, 32, vc->cc_ku);
        /* The same through the key update helper, which also makes the AEAD. */
        uint8_t upd[32];
        cx_aead *next_aead;
        memcpy(upd, secret, 32);
        assert_int_equal(quic_pkt_keys_next(NULL, vc->version, CX_CHACHA20_POLY1305, upd, 32,
                                            &next_aead), 0);
        check_hex(upd, 32, vc->cc_ku);
        cx_aead_free(next_aead);
        assert_int_equal(quic_pkt_keys_init(&keys, NULL, &m), 0);

        /* pn 654360564 in 3 bytes (49140 = 0xbff4), payload one PING frame. */
        const uint64_t pn = 654360564;
        uint8_t buf[64];
        qb_wr w;
        quic_pkt_wr pw;
        size_t pkt_len;
        qb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(quic_pkt_short_begin(&w, NULL, 0, false, false, pn, 3, &pw), 0);
        check_hex(buf, 4, "4200bff4");
        assert_int_equal(qb_wr_u8(&w, 0x01), QB_OK);
        assert_int_equal(quic_pkt_wr_finish(&w, &pw, CX_AEAD_TAG_LEN, &pkt_len), 0);
        assert_int_equal(pkt_len, 21);
        assert_int_equal(quic_pkt_protect(&keys, buf, pkt_len, pw.pn_offset, 3, pn), 0);
        check_hex(buf, 21, vc->cc_packet);

        quic_pkt_hdr h;
        quic_pkt_clear c;
        assert_int_equal(quic_pkt_hdr_parse(buf, 21, 0, &h), 0);
        assert_int_equal(h.type, QUIC_PKT_1RTT);
        assert_int_equal(h.pn_offset, 1);
        assert_int_equal(quic_pkt_unprotect(&keys, buf, 21, h.pn_offset, pn - 1, &c), 0);
        assert_int_equal(c.pn, pn);
        assert_false(c.key_phase);
        assert_int_equal(c.payload_len, 1);
        assert_int_equal(buf[c.payload_offset], 0x01);
        quic_pkt_keys_clear(&keys);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a1_keys),
        cmocka_unit_test(test_a2_client_initial),
        cmocka_unit_test(test_a3_server_initial),
        cmocka_unit_test(test_a4_retry),
        cmocka_unit_test(test_a5_chacha20_short_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
