/* The Illustrated QUIC Connection (tests/vectors/illustrated-quic), layer by
 * layer for the packet codec and protection: Initial keys from the client's
 * first DCID and the other keys from keylog.txt against the README's table;
 * every datagram split into its packets (pkt*); header protection removed
 * (pkt_unprot*); payload decrypted (pkt_payload*); and protected again back to
 * the captured bytes. */
#include "common/forge.h"
#include "common/tu.h"
#include "crypto/cx_quic_keys.h"
#include "quic/packet.h"
#include "quic/pn.h"
#include "quic/protect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LVL_INITIAL, LVL_HANDSHAKE, LVL_1RTT, LVL_COUNT };
enum { SIDE_CLIENT, SIDE_SERVER };
#define IQ_CID_LEN 5 /* "c_cid" and "s_cid": the short header DCID length */

static const char *const g_dgrams[] = {
    "dgram01_c01", "dgram02_s01", "dgram03_s02", "dgram04_c02",
    "dgram05_c03", "dgram06_s03", "dgram07_c04", "dgram08_s04",
};

/* The 12 packets in wire order: file suffix, level, sender. */
static const struct iq_pkt {
    const char *name;
    int level, side;
    quic_pkt_type type;
} g_pkts[12] = {
    {"01_cinit0", LVL_INITIAL, SIDE_CLIENT, QUIC_PKT_INITIAL},
    {"02_sinit0", LVL_INITIAL, SIDE_SERVER, QUIC_PKT_INITIAL},
    {"03_shand0", LVL_HANDSHAKE, SIDE_SERVER, QUIC_PKT_HANDSHAKE},
    {"04_shand1", LVL_HANDSHAKE, SIDE_SERVER, QUIC_PKT_HANDSHAKE},
    {"05_cinit1", LVL_INITIAL, SIDE_CLIENT, QUIC_PKT_INITIAL},
    {"06_chand0", LVL_HANDSHAKE, SIDE_CLIENT, QUIC_PKT_HANDSHAKE},
    {"07_chand1", LVL_HANDSHAKE, SIDE_CLIENT, QUIC_PKT_HANDSHAKE},
    {"08_cdata0", LVL_1RTT, SIDE_CLIENT, QUIC_PKT_1RTT},
    {"09_shand2", LVL_HANDSHAKE, SIDE_SERVER, QUIC_PKT_HANDSHAKE},
    {"10_sdata0", LVL_1RTT, SIDE_SERVER, QUIC_PKT_1RTT},
    {"11_cdata1", LVL_1RTT, SIDE_CLIENT, QUIC_PKT_1RTT},
    {"12_sdata1", LVL_1RTT, SIDE_SERVER, QUIC_PKT_1RTT},
};

/* keys[level][side] from the README's table. */
static cx_quic_keys g_table[LVL_COUNT][2];

static uint8_t *iq_read(const char *prefix, const char *name, size_t *len)
{
    char rel[128];
    snprintf(rel, sizeof rel, "illustrated-quic/%s%s", prefix, name);
    return tu_read_vector(rel, len);
}

/* Reads "| level | side | key | iv | hp |" rows of README.md. */
static void load_readme_table(void)
{
    size_t len, rows = 0;
    char *text = (char *)iq_read("", "README.md", &len);
    static const char *const levels[] = {"Initial", "Handshake", "1-RTT"};
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char lvl[32], side[32], key[80], iv[80], hp[80];
        if (sscanf(line, "| %31s | %31s | %79s | %79s | %79s |", lvl, side, key, iv, hp) != 5)
            continue;
        for (int l = 0; l < LVL_COUNT; l++) {
            if (strcmp(lvl, levels[l]) != 0)
                continue;
            int s = strcmp(side, "client") == 0 ? SIDE_CLIENT : SIDE_SERVER;
            cx_quic_keys *k = &g_table[l][s];
            k->aead = CX_AES_128_GCM; /* TLS_AES_128_GCM_SHA256 */
            k->key_len = tu_hex(key, k->key, sizeof k->key);
            assert_int_equal(k->key_len, 16);
            assert_int_equal(tu_hex(iv, k->iv, sizeof k->iv), 12);
            assert_int_equal(tu_hex(hp, k->hp, sizeof k->hp), 16);
            rows++;
        }
    }
    free(text);
    assert_int_equal(rows, 6);
}

static int setup(void **state)
{
    (void)state;
    load_readme_table();
    return 0;
}

static void assert_keys_equal(const cx_quic_keys *a, const cx_quic_keys *b)
{
    assert_int_equal(a->key_len, b->key_len);
    assert_memory_equal(a->key, b->key, a->key_len);
    assert_memory_equal(a->iv, b->iv, CX_AEAD_IV_LEN);
    assert_memory_equal(a->hp, b->hp, a->key_len);
}

static void test_initial_keys_from_dcid(void **state)
{
    (void)state;
    static const uint8_t dcid[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    cx_quic_keys c, s;
    assert_int_equal(cx_quic_initial_keys(CX_QUIC_V1, dcid, 8, &c, &s), CX_OK);
    assert_keys_equal(&c, &g_table[LVL_INITIAL][SIDE_CLIENT]);
    assert_keys_equal(&s, &g_table[LVL_INITIAL][SIDE_SERVER]);
}

/* The Handshake and 1-RTT rows of the table follow from keylog.txt's secrets. */
static void test_keys_from_keylog(void **state)
{
    (void)state;
    static const struct { const char *label; int level, side; } rows[] = {
        {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", LVL_HANDSHAKE, SIDE_CLIENT},
        {"SERVER_HANDSHAKE_TRAFFIC_SECRET", LVL_HANDSHAKE, SIDE_SERVER},
        {"CLIENT_TRAFFIC_SECRET_0", LVL_1RTT, SIDE_CLIENT},
        {"SERVER_TRAFFIC_SECRET_0", LVL_1RTT, SIDE_SERVER},
    };
    size_t len, found = 0;
    char *text = (char *)iq_read("", "keylog.txt", &len);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char label[64], random[80], secret_hex[200];
        if (sscanf(line, "%63s %79s %199s", label, random, secret_hex) != 3)
            continue;
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            if (strcmp(label, rows[i].label) != 0)
                continue;
            uint8_t secret[48];
            cx_quic_keys k;
            size_t n = tu_hex(secret_hex, secret, sizeof secret);
            assert_int_equal(n, 32);
            assert_int_equal(cx_quic_keys_derive(CX_QUIC_V1, CX_AES_128_GCM, secret, n, &k),
                             CX_OK);
            assert_keys_equal(&k, &g_table[rows[i].level][rows[i].side]);
            found++;
        }
    }
    free(text);
    assert_int_equal(found, 4);
}

/* Splits every datagram; the packets come out in wire order and match pkt*.
 * The capture pads datagrams with zeros after the last long header packet; the
 * pkt* file of that packet keeps the padding, the parser reports it ignored. */
static void test_split_datagrams(void **state)
{
    (void)state;
    size_t next = 0;
    for (size_t d = 0; d < sizeof g_dgrams / sizeof g_dgrams[0]; d++) {
        size_t dlen;
        uint8_t *dg = iq_read("", g_dgrams[d], &dlen);
        quic_dgram_iter it;
        quic_pkt_hdr h;
        int rc;
        quic_dgram_iter_init(&it, dg, dlen, IQ_CID_LEN);
        while ((rc = quic_dgram_next(&it, &h)) == 1) {
            assert_true(next < 12);
            size_t plen;
            uint8_t *pkt = iq_read("pkt", g_pkts[next].name, &plen);
            assert_int_equal(h.type, g_pkts[next].type);
            assert_true(h.pkt_len <= plen);
            assert_memory_equal(h.pkt, pkt, h.pkt_len);
            if (plen > h.pkt_len) {
                /* The rest of the file is the datagram's padding. */
                assert_int_equal((size_t)(h.pkt - dg) + plen, dlen);
                for (size_t i = h.pkt_len; i < plen; i++)
                    assert_int_equal(pkt[i], 0);
            }
            if (h.type != QUIC_PKT_1RTT) {
                assert_int_equal(h.version, QUIC_VERSION_1);
                assert_int_equal(h.scid_len, 5);
                assert_memory_equal(h.scid, g_pkts[next].side == SIDE_CLIENT ? "c_cid" : "s_cid", 5);
            }
            if (next == 0) { /* the client's first, random DCID */
                assert_int_equal(h.dcid_len, 8);
                assert_memory_equal(h.dcid, "\x00\x01\x02\x03\x04\x05\x06\x07", 8);
            } else {
                assert_int_equal(h.dcid_len, 5);
                assert_memory_equal(h.dcid, g_pkts[next].side == SIDE_CLIENT ? "s_cid" : "c_cid", 5);
            }
            free(pkt);
            next++;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(it.off, dlen);
        free(dg);
    }
    assert_int_equal(next, 12);
}

/* The first datagram goes to the server with the client's random DCID. */
static void test_first_dgram_dcid(void **state)
{
    (void)state;
    size_t dlen;
    uint8_t *dg = iq_read("", "dgram01_c01", &dlen);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(dg, dlen, 0, &h), 0);
    assert_int_equal(h.dcid_len, 8);
    assert_int_equal(h.token_len, 0);
    assert_int_equal(h.pkt_len, 282);
    free(dg);
}

/* For each packet: remove header protection, decrypt, re-protect. */
static void test_unprotect_decrypt_reprotect(void **state)
{
    (void)state;
    uint64_t largest[LVL_COUNT][2];
    for (int l = 0; l < LVL_COUNT; l++)
        largest[l][0] = largest[l][1] = QUIC_PN_NONE;
    for (size_t i = 0; i < 12; i++) {
        const struct iq_pkt *ip = &g_pkts[i];
        size_t plen, ulen, paylen;
        uint8_t *pkt = iq_read("pkt", ip->name, &plen);
        uint8_t *unprot = iq_read("pkt_unprot", ip->name, &ulen);
        uint8_t *payload = iq_read("pkt_payload", ip->name, &paylen);
        uint8_t *orig = malloc(plen);
        assert_non_null(orig);
        memcpy(orig, pkt, plen);
        quic_pkt_keys keys;
        assert_int_equal(quic_pkt_keys_init(&keys, NULL, &g_table[ip->level][ip->side]), 0);

        quic_pkt_hdr h;
        quic_pkt_clear c;
        assert_int_equal(quic_pkt_hdr_parse(pkt, plen, IQ_CID_LEN, &h), 0);
        assert_int_equal(h.type, ip->type);
        /* Header protection only: the whole file matches pkt_unprot*. */
        assert_int_equal(quic_pkt_unprotect_header(keys.hp, pkt, h.pkt_len, h.pn_offset,
                                                   largest[ip->level][ip->side], &c), 0);
        assert_int_equal(ulen, plen);
        assert_memory_equal(pkt, unprot, plen);
        assert_false(c.key_phase);
        /* Then the payload. */
        assert_int_equal(quic_pkt_decrypt(keys.aead, pkt, h.pkt_len, &c), 0);
        assert_int_equal(c.payload_len, paylen);
        assert_memory_equal(pkt + c.payload_offset, payload, paylen);
        largest[ip->level][ip->side] = c.pn;

        /* Protect again: the captured bytes come back. */
        assert_int_equal(quic_pkt_protect(&keys, pkt, h.pkt_len, h.pn_offset, c.pn_len, c.pn), 0);
        assert_memory_equal(pkt, orig, h.pkt_len);

        /* A packet is not opened by the peer's keys of the same level. */
        quic_pkt_keys other;
        assert_int_equal(quic_pkt_keys_init(&other, NULL, &g_table[ip->level][!ip->side]), 0);
        assert_int_equal(quic_pkt_unprotect(&other, pkt, h.pkt_len, h.pn_offset, QUIC_PN_NONE, &c),
                         QUIC_PKT_ERR_DECRYPT);
        quic_pkt_keys_clear(&other);
        quic_pkt_keys_clear(&keys);
        free(orig);
        free(pkt);
        free(unprot);
        free(payload);
    }
}

/* The shared forger (common/forge.h) given each packet's header fields, its
 * decrypted payload and the table's keys seals it back to the captured bytes;
 * coalesced, the packets rebuild each datagram (the capture's zeros after
 * the last packet aside). */
static void test_forger_reproduces_captured_datagrams(void **state)
{
    (void)state;
    uint64_t largest[LVL_COUNT][2];
    for (int l = 0; l < LVL_COUNT; l++)
        largest[l][0] = largest[l][1] = QUIC_PN_NONE;
    size_t next = 0;
    for (size_t d = 0; d < sizeof g_dgrams / sizeof g_dgrams[0]; d++) {
        size_t dlen;
        uint8_t *dg = iq_read("", g_dgrams[d], &dlen);
        forge_dgram out;
        forge_dgram_init(&out);
        quic_dgram_iter it;
        quic_pkt_hdr h;
        quic_dgram_iter_init(&it, dg, dlen, IQ_CID_LEN);
        while (quic_dgram_next(&it, &h) == 1) {
            const struct iq_pkt *ip = &g_pkts[next++];
            size_t paylen;
            uint8_t *payload = iq_read("pkt_payload", ip->name, &paylen);
            uint8_t clear[1500];
            assert_true(h.pkt_len <= sizeof clear);
            memcpy(clear, h.pkt, h.pkt_len);
            forge_pkt fp = {.type = h.type, .version = h.version, .dcid = h.dcid,
                            .dcid_len = h.dcid_len, .scid = h.scid, .scid_len = h.scid_len,
                            .token = h.token, .token_len = h.token_len, .raw = payload,
                            .raw_len = paylen, .no_sample_pad = true};
            assert_int_equal(quic_pkt_keys_init(&fp.keys, NULL, &g_table[ip->level][ip->side]), 0);
            quic_pkt_clear c;
            assert_int_equal(quic_pkt_unprotect_header(fp.keys.hp, clear, h.pkt_len, h.pn_offset,
                                                       largest[ip->level][ip->side], &c), 0);
            largest[ip->level][ip->side] = c.pn;
            fp.pn = c.pn;
            fp.pn_len = c.pn_len;
            fp.key_phase = c.key_phase;
            fp.spin = h.type == QUIC_PKT_1RTT && (c.first & 0x20);
            if (h.type != QUIC_PKT_1RTT) /* the Length field's width, before the PN */
                for (size_t w = 1; w <= 4; w *= 2)
                    if (h.pn_offset >= w && (size_t)1 << (h.pkt[h.pn_offset - w] >> 6) == w)
                        fp.length_len = w;
            size_t at = out.len;
            assert_int_equal(forge_dgram_add(&out, &fp), h.pkt_len);
            assert_memory_equal(out.b + at, h.pkt, h.pkt_len);
            quic_pkt_keys_clear(&fp.keys);
            free(payload);
        }
        assert_true(out.len <= dlen);
        assert_memory_equal(out.b, dg, out.len);
        for (size_t i = out.len; i < dlen; i++)
            assert_int_equal(dg[i], 0);
        free(dg);
    }
    assert_int_equal(next, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_keys_from_dcid),
        cmocka_unit_test(test_keys_from_keylog),
        cmocka_unit_test(test_split_datagrams),
        cmocka_unit_test(test_first_dgram_dcid),
        cmocka_unit_test(test_unprotect_decrypt_reprotect),
        cmocka_unit_test(test_forger_reproduces_captured_datagrams),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
