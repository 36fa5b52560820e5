/* QUIC versions between two quince endpoints (RFC 9368, RFC 9369): a
 * handshake in v2, compatible negotiation from v1 to v2 decided by the
 * server, and the downgrade protection of version_information (RFC 9368 §4)
 * against a forged Version Negotiation packet and a rewritten long header
 * version. */
#include "common/forge.h"
#include "common/pair.h"
#include "common/tu.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_quic_keys.h"
#include "quic/packet.h"
#include "quic/pn.h"
#include "quic/protect.h"

#include <string.h>

static bool both_established(pair *p, void *ud)
{
    (void)ud;
    return p->server && quic_conn_is_established(p->client) &&
           quic_conn_is_established(p->server);
}

static bool client_closed(pair *p, void *ud)
{
    (void)ud;
    quic_close_info ci;
    quic_conn_close_info(p->client, &ci);
    return ci.closed || ci.code != 0;
}

/* The version of the long header at the start of a datagram. */
static uint32_t dgram_version(const uint8_t *d, size_t n)
{
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, &h), 0);
    return h.version;
}

static void test_handshake_in_v2_when_client_starts_v2(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ccfg.version = QUIC_VERSION_2;
    pair_start(&p);
    assert_int_equal(quic_conn_version(p.client), QUIC_VERSION_2);
    assert_true(pair_run(&p, both_established, NULL, 5000000));
    assert_int_equal(quic_conn_version(p.client), QUIC_VERSION_2);
    assert_int_equal(quic_conn_version(p.server), QUIC_VERSION_2);
    pair_free(&p);
}

/* RFC 9368 §2.3: the client starts in v1 and lists v2; a server that
 * prefers v2 answers in v2 and the client follows. */
static void test_server_moves_v1_client_to_v2(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.scfg.version = QUIC_VERSION_2;
    pair_start(&p);
    uint8_t d[1500];
    size_t n = quic_conn_send(p.client, d, sizeof d, p.now);
    assert_int_equal(dgram_version(d, n), QUIC_VERSION_1);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, &h), 0);
    quic_cid scid, dcid;
    quic_cid_set(&scid, h.scid, h.scid_len);
    quic_cid_set(&dcid, h.dcid, h.dcid_len);
    p.server = quic_conn_new_server(&p.scfg, &p.spath, &scid, &dcid, NULL, p.now);
    assert_non_null(p.server);
    assert_int_equal(quic_conn_recv(p.server, &p.spath, d, n, p.now), 0);
    assert_int_equal(quic_conn_version(p.server), QUIC_VERSION_2);
    n = quic_conn_send(p.server, d, sizeof d, p.now);
    assert_true(n > 0);
    assert_int_equal(dgram_version(d, n), QUIC_VERSION_2); /* its CRYPTO in v2 */
    assert_int_equal(quic_conn_recv(p.client, &p.cpath, d, n, p.now), 0);
    assert_int_equal(quic_conn_version(p.client), QUIC_VERSION_2);
    assert_true(pair_run(&p, both_established, NULL, 5000000));
    assert_int_equal(quic_conn_version(p.client), QUIC_VERSION_2);
    assert_int_equal(quic_conn_version(p.server), QUIC_VERSION_2);
    pair_free(&p);
}

/* A client that lists only v1 stays in v1 whatever the server prefers; a
 * server without a preference keeps the client's v1. */
static void test_no_upgrade_unless_both_want_it(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        pair p;
        pair_init(&p);
        if (i == 0) {
            p.ccfg.versions[0] = QUIC_VERSION_1;
            p.scfg.version = QUIC_VERSION_2;
        }
        pair_start(&p);
        assert_true(pair_run(&p, both_established, NULL, 5000000));
        assert_int_equal(quic_conn_version(p.client), QUIC_VERSION_1);
        assert_int_equal(quic_conn_version(p.server), QUIC_VERSION_1);
        pair_free(&p);
    }
}

/* RFC 9368 §4: a client that prefers v2 starts in v2; an attacker's Version
 * Negotiation packet claims the server speaks only v1. The client starts
 * again in v1, and the server's Available Versions (v1 and v2) show that it
 * would have chosen v2: VERSION_NEGOTIATION_ERROR, no connection. */
static void test_forged_version_negotiation_is_detected(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ccfg.version = QUIC_VERSION_2;
    p.ccfg.versions[0] = QUIC_VERSION_2;
    p.ccfg.versions[1] = QUIC_VERSION_1;
    pair_start(&p);
    uint8_t d[1500], vn[256];
    size_t n = quic_conn_send(p.client, d, sizeof d, p.now); /* the attacker keeps it */
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, &h), 0);
    uint32_t v1 = QUIC_VERSION_1;
    qb_wr w;
    qb_wr_init(&w, vn, sizeof vn);
    assert_int_equal(quic_pkt_vn_write(&w, 0x2a, h.scid, h.scid_len, h.dcid, h.dcid_len, &v1, 1), 0);
    assert_int_equal(quic_conn_recv(p.client, &p.cpath, vn, w.off, p.now), 0);
    assert_int_equal(quic_conn_version(p.client), QUIC_VERSION_1); /* it took the bait */
    assert_true(pair_run(&p, client_closed, NULL, 5000000));
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_false(ci.by_peer);
    assert_int_equal(ci.code, QUIC_VERSION_NEGOTIATION_ERROR);
    assert_non_null(strstr(ci.reason, "downgrade"));
    assert_false(quic_conn_is_established(p.client));
    pair_free(&p);
}

/* The same client without the attack: a genuine Version Negotiation from a
 * v1-only server leads to a v1 connection (its Available Versions say v1). */
static void test_genuine_version_negotiation_passes_the_check(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ccfg.version = QUIC_VERSION_2;
    p.ccfg.versions[0] = QUIC_VERSION_2;
    p.ccfg.versions[1] = QUIC_VERSION_1;
    p.scfg.versions[0] = QUIC_VERSION_1;
    pair_start(&p);
    uint8_t d[1500], vn[256];
    size_t n = quic_conn_send(p.client, d, sizeof d, p.now);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, &h), 0);
    uint32_t v1 = QUIC_VERSION_1;
    qb_wr w;
    qb_wr_init(&w, vn, sizeof vn);
    assert_int_equal(quic_pkt_vn_write(&w, 0x2a, h.scid, h.scid_len, h.dcid, h.dcid_len, &v1, 1), 0);
    assert_int_equal(quic_conn_recv(p.client, &p.cpath, vn, w.off, p.now), 0);
    assert_true(pair_run(&p, both_established, NULL, 5000000));
    assert_int_equal(quic_conn_version(p.client), QUIC_VERSION_1);
    /* a second VN is ignored once we acted on one (RFC 9368 §4) */
    uint32_t v2 = QUIC_VERSION_2;
    qb_wr_init(&w, vn, sizeof vn);
    assert_int_equal(quic_pkt_vn_write(&w, 0x2a, h.scid, h.scid_len, h.dcid, h.dcid_len, &v2, 1), 0);
    quic_conn_recv(p.client, &p.cpath, vn, w.off, p.now);
    assert_true(quic_conn_is_established(p.client));
    pair_free(&p);
}

/* Re-protects the client Initial at d (version from) as the same packet of
 * version to: what an attacker can do, Initial keys being public. */
static size_t rewrite_initial(uint8_t *d, size_t n, uint32_t from, uint32_t to, uint8_t *out)
{
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, &h), 0);
    assert_int_equal(h.version, from);
    cx_quic_keys ck, sk;
    quic_pkt_keys k;
    quic_pkt_clear c;
    assert_int_equal(cx_quic_initial_keys(from, h.dcid, h.dcid_len, &ck, &sk), 0);
    assert_int_equal(quic_pkt_keys_init(&k, NULL, &ck), 0);
    assert_int_equal(quic_pkt_unprotect(&k, d, h.pkt_len, h.pn_offset, QUIC_PN_NONE, &c), 0);
    quic_pkt_keys_clear(&k);
    forge_pkt fp = {.type = QUIC_PKT_INITIAL, .version = to, .dcid = h.dcid,
                    .dcid_len = h.dcid_len, .scid = h.scid, .scid_len = h.scid_len,
                    .pn = c.pn, .pn_len = c.pn_len, .raw = d + c.payload_offset,
                    .raw_len = c.payload_len, .no_sample_pad = true};
    assert_int_equal(cx_quic_initial_keys(to, h.dcid, h.dcid_len, &ck, &sk), 0);
    assert_int_equal(quic_pkt_keys_init(&fp.keys, NULL, &ck), 0);
    size_t len = forge_seal(&fp, out, 1500);
    assert_true(len > 0);
    quic_pkt_keys_clear(&fp.keys);
    return len;
}

/* RFC 9368 §4: the client's first flight in v2 rewritten into v1 on the
 * way; the server sees v1 packets whose Version Information chose v2 and
 * closes with VERSION_NEGOTIATION_ERROR. */
static void test_rewritten_header_version_is_detected(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ccfg.version = QUIC_VERSION_2;
    pair_start(&p);
    uint8_t d[1500], forged[1500];
    size_t n = quic_conn_send(p.client, d, sizeof d, p.now);
    size_t fn = rewrite_initial(d, n, QUIC_VERSION_2, QUIC_VERSION_1, forged);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(forged, fn, 8, &h), 0);
    quic_cid scid, dcid;
    quic_cid_set(&scid, h.scid, h.scid_len);
    quic_cid_set(&dcid, h.dcid, h.dcid_len);
    p.server = quic_conn_new_server(&p.scfg, &p.spath, &scid, &dcid, NULL, p.now);
    assert_non_null(p.server);
    quic_conn_recv(p.server, &p.spath, forged, fn, p.now);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    assert_int_equal(ci.code, QUIC_VERSION_NEGOTIATION_ERROR);
    assert_int_equal(ci.frame_type, 0x06); /* CRYPTO: the parameters came in the handshake */
    assert_false(quic_conn_is_established(p.server));
    pair_free(&p);
}

/* RFC 9369 §4: after a HelloRetryRequest, which went out in the original
 * version, the client takes that version as the negotiated one; a server
 * that prefers v2 keeps v1 then, and the handshake completes. */
static void test_hello_retry_request_keeps_the_original_version(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.scfg.version = QUIC_VERSION_2;
    p.ctls.groups[0] = CX_GROUP_SECP256R1; /* a key share the server does not take */
    p.ctls.groups[1] = CX_GROUP_X25519;
    p.ctls.group_count = 2;
    p.ctls.key_share_count = 1;
    p.stls.groups[0] = CX_GROUP_X25519;
    p.stls.group_count = 1;
    pair_start(&p);
    assert_true(pair_run(&p, both_established, NULL, 5000000));
    assert_int_equal(quic_conn_version(p.client), QUIC_VERSION_1);
    assert_int_equal(quic_conn_version(p.server), QUIC_VERSION_1);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_in_v2_when_client_starts_v2),
        cmocka_unit_test(test_server_moves_v1_client_to_v2),
        cmocka_unit_test(test_no_upgrade_unless_both_want_it),
        cmocka_unit_test(test_forged_version_negotiation_is_detected),
        cmocka_unit_test(test_genuine_version_negotiation_passes_the_check),
        cmocka_unit_test(test_rewritten_header_version_is_detected),
        cmocka_unit_test(test_hello_retry_request_keeps_the_original_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
