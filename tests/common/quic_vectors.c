/* The Appendix A runner of RFC 9001 and RFC 9369 (quic_vectors.h). */
#include "common/quic_vectors.h"

#include "common/tu.h"
#include "crypto/cx_quic_keys.h"
#include "quic/packet.h"
#include "quic/pn.h"
#include "quic/protect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t g_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static const uint8_t g_server_scid[8] = {0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5};

static uint8_t *load_hex(const qv_case *vc, const char *name, size_t *len)
{
    char rel[128];
    size_t flen;
    snprintf(rel, sizeof rel, "%s/%s.hex", vc->dir, name);
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

void qv_check_keys(const qv_case *vc)
{
    {
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
    /* The intermediate secrets (A.1 of both RFCs). */
    uint8_t cs[32], ss[32];
    assert_int_equal(cx_quic_initial_secrets(vc->version, g_dcid, 8, cs, ss), CX_OK);
    check_hex(cs, 32, vc->client_secret);
    check_hex(ss, 32, vc->server_secret);
    assert_int_equal(cx_quic_initial_secrets(0xbabababa, g_dcid, 8, cs, ss), CX_ERR_QUIC_VERSION);
}

/* Builds an Initial with the packet writer, checks the clear header, protects it
 * and compares with the RFC's bytes, then parses and unprotects it back. */
static void initial_round_trip(const qv_case *vc, bool client)
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

void qv_check_client_initial(const qv_case *vc)
{
    initial_round_trip(vc, true);
}

void qv_check_server_initial(const qv_case *vc)
{
    initial_round_trip(vc, false);
}

void qv_check_retry(const qv_case *vc)
{
    {
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

void qv_check_chacha20_short_header(const qv_case *vc)
{
    uint8_t secret[32], next[32];
    tu_hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b", secret, 32);
    {
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

