/* Issue 10: the TLS engine is freed once the handshake is confirmed (RFC 9001
 * §4.1.2); what a peer may still send at 1-RTT is framed without it: a
 * client skips NewSessionTicket messages (RFC 8446 §4.6.1), however they are
 * split into CRYPTO frames, and anything else, on either side, ends the
 * connection with the unexpected_message alert as the engine would have. */
#include "common/forge.h"
#include "common/pair.h"
#include "common/tu.h"
#include "quic/conn_test.h"
#include "quic/packet.h"
#include "quic/protect.h"

#include <string.h>

static bool connected(pair *p, void *ud)
{
    (void)ud;
    return quic_conn_is_established(p->client) && p->server &&
           quic_conn_is_established(p->server) && quic_test_view(p->client).handshake_confirmed &&
           quic_test_view(p->client).app_tx_ok;
}

static void start(pair *p)
{
    pair_init(p);
    pair_start(p);
    assert_true(pair_run(p, connected, NULL, 5000000));
    pair_run(p, NULL, NULL, 100000);
}

/* Frames in one 1-RTT packet sealed with from's keys, handed straight to to. */
static void inject(pair *p, quic_conn *from, quic_conn *to, const uint8_t *fr, size_t len)
{
    uint8_t out[1500];
    forge_pkt fp;
    assert_true(forge_as(&fp, from, QUIC_SPACE_APPLICATION)); /* the shared forger */
    fp.raw = fr;
    fp.raw_len = len;
    size_t pkt_len = forge_seal(&fp, out, sizeof out);
    assert_true(pkt_len > 0);
    quic_conn_recv(to, from == p->client ? &p->spath : &p->cpath, out, pkt_len, p->now);
}

/* A CRYPTO frame (RFC 9000 §19.6) at offset off with the given bytes. */
static size_t crypto_frame(uint8_t *fr, uint64_t off, const uint8_t *data, size_t len)
{
    qb_wr w;
    qb_wr_init(&w, fr, 1400);
    qb_wr_varint(&w, 0x06);
    qb_wr_varint(&w, off);
    qb_wr_varint(&w, len);
    qb_wr_bytes(&w, data, len);
    return w.off;
}

static void test_tls_engine_freed_once_confirmed(void **state)
{
    (void)state;
    pair p;
    start(&p);
    assert_false(quic_test_view(p.client).tls_engine);
    assert_false(quic_test_view(p.server).tls_engine);
    assert_string_equal(quic_conn_alpn(p.client), "h3");
    assert_string_equal(quic_conn_alpn(p.server), "h3");
    pair_free(&p);
}

static void test_client_skips_split_session_tickets(void **state)
{
    (void)state;
    pair p;
    start(&p);
    /* Two NewSessionTicket messages (type 4, 24-bit length), 40 and 300
     * body bytes, cut at odd places: inside a header, inside a body. */
    uint8_t msgs[4 + 40 + 4 + 300];
    memset(msgs, 0xab, sizeof msgs);
    msgs[0] = 4, msgs[1] = 0, msgs[2] = 0, msgs[3] = 40;
    msgs[44] = 4, msgs[45] = 0, msgs[46] = 0x01, msgs[47] = 0x2c;
    size_t cuts[] = {0, 2, 30, 46, 200, sizeof msgs};
    uint8_t fr[1400];
    for (size_t i = 0; i + 1 < sizeof cuts / sizeof cuts[0]; i++) {
        size_t n = crypto_frame(fr, cuts[i], msgs + cuts[i], cuts[i + 1] - cuts[i]);
        inject(&p, p.server, p.client, fr, n);
    }
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_true(ci.code == 0 && !ci.closed);
    assert_true(quic_conn_is_established(p.client));
    /* then a Finished (type 20) after the handshake: unexpected_message */
    uint8_t fin[8] = {20, 0, 0, 4, 1, 2, 3, 4};
    size_t n = crypto_frame(fr, sizeof msgs, fin, sizeof fin);
    inject(&p, p.server, p.client, fr, n);
    quic_conn_close_info(p.client, &ci);
    assert_true(ci.code == 0x100 + 10); /* CRYPTO_ERROR, RFC 9001 §4.8 */
    pair_free(&p);
}

static void test_server_rejects_post_handshake_message(void **state)
{
    (void)state;
    pair p;
    start(&p);
    uint8_t nst[8] = {4, 0, 0, 4, 0, 0, 0, 0}, fr[64];
    size_t n = crypto_frame(fr, 0, nst, sizeof nst);
    inject(&p, p.client, p.server, fr, n);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    assert_true(ci.code == 0x100 + 10);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_engine_freed_once_confirmed),
        cmocka_unit_test(test_client_skips_split_session_tickets),
        cmocka_unit_test(test_server_rejects_post_handshake_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
