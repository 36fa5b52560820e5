/* Resumption and NEW_TOKEN through QUIC: a client of ours against the server
 * endpoint twice, keeping the session ticket (RFC 8446 §2.2, RFC 9001 §4.6)
 * and the NEW_TOKEN token (RFC 9000 §8.1.3) of the first connection for the
 * second. */
#include "common/ep_net.h"
#include "common/forge.h"
#include "common/tu.h"
#include "quic/conn_test.h"
#include "quic/packet.h"

#include <string.h>

typedef struct jar {
    uint8_t sess[4096];
    size_t sess_len;
    uint8_t tok[256];
    size_t tok_len;
    int nsess, ntok;
} jar;

static void on_session(void *ud, const uint8_t *p, size_t n)
{
    jar *j = ud;
    assert_true(n <= sizeof j->sess);
    memcpy(j->sess, p, n);
    j->sess_len = n;
    j->nsess++;
}

static void on_token(void *ud, const uint8_t *p, size_t n)
{
    jar *j = ud;
    assert_true(n <= sizeof j->tok);
    memcpy(j->tok, p, n);
    j->tok_len = n;
    j->ntok++;
}

typedef struct world {
    ep_net n;
    tls_ticket_keys *keys;
    jar j;
} world;

/* First connection: a full handshake that leaves a ticket and a token. */
static void world_first(world *w, bool retry)
{
    memset(w, 0, sizeof *w);
    w->keys = tls_ticket_keys_new(NULL, NULL, NULL);
    assert_non_null(w->keys);
    ep_net_prepare(&w->n, retry);
    w->n.p.stls.ticket_keys = w->keys;
    w->n.p.ctls.on_session = on_session;
    w->n.p.ctls.session_ud = &w->j;
    w->n.p.ccfg.on_new_token = on_token;
    w->n.p.ccfg.new_token_ud = &w->j;
    ep_net_start(&w->n);
    ep_net_step(&w->n);
    assert_true(quic_conn_is_established(w->n.p.client));
    assert_false(quic_conn_resumed(w->n.p.client));
}

/* A second client from the same address, with what the jar holds. */
static void world_again(world *w, bool with_session, bool with_token)
{
    quic_conn_close(w->n.p.client, true, 0, "bye");
    ep_net_step(&w->n);
    quic_conn_free(w->n.p.client);
    w->n.p.ctls.session = with_session ? w->j.sess : NULL;
    w->n.p.ctls.session_len = with_session ? w->j.sess_len : 0;
    w->n.p.ccfg.token = with_token ? w->j.tok : NULL;
    w->n.p.ccfg.token_len = with_token ? w->j.tok_len : 0;
    w->n.p.client = quic_conn_new_client(&w->n.p.ccfg, &w->n.p.cpath, w->n.p.now);
    assert_non_null(w->n.p.client);
    ep_net_step(&w->n);
    assert_true(quic_conn_is_established(w->n.p.client));
}

static void world_free(world *w)
{
    ep_net_free(&w->n);
    tls_ticket_keys_free(w->keys);
}

static void test_quic_connection_resumes_with_ticket(void **state)
{
    (void)state;
    world w;
    world_first(&w, false);
    assert_int_equal(w.j.nsess, 1); /* the ticket came in 1-RTT CRYPTO */
    world_again(&w, true, false);
    assert_true(quic_conn_resumed(w.n.p.client));
    world_free(&w);
}

static void test_unusable_session_gives_full_handshake(void **state)
{
    (void)state;
    world w;
    world_first(&w, false);
    /* the server's keys rotate twice: the ticket is not ours any more */
    assert_int_equal(tls_ticket_keys_rotate(w.keys), 0);
    assert_int_equal(tls_ticket_keys_rotate(w.keys), 0);
    world_again(&w, true, false);
    assert_false(quic_conn_resumed(w.n.p.client));
    world_free(&w);
}

static void test_new_token_skips_retry(void **state)
{
    (void)state;
    world w;
    quic_endpoint_stats st;
    world_first(&w, true);
    quic_endpoint_stats_get(w.n.ep, &st);
    assert_int_equal(st.retry_sent, 1);
    assert_int_equal(st.new_token_sent, 1);
    assert_int_equal(w.j.ntok, 1);
    assert_int_equal(w.j.tok[0], 'n');
    world_again(&w, true, true);
    quic_endpoint_stats_get(w.n.ep, &st);
    assert_int_equal(st.retry_sent, 1); /* no second Retry */
    assert_int_equal(st.new_token_accepted, 1);
    assert_true(quic_conn_resumed(w.n.p.client));
    world_free(&w);
}

static void test_expired_new_token_gets_retry(void **state)
{
    (void)state;
    world w;
    quic_endpoint_stats st;
    memset(&w, 0, sizeof w);
    w.keys = tls_ticket_keys_new(NULL, NULL, NULL);
    ep_net_prepare(&w.n, true);
    w.n.ecfg.new_token_age_us = 2000000;
    w.n.p.stls.ticket_keys = w.keys;
    w.n.p.ccfg.on_new_token = on_token;
    w.n.p.ccfg.new_token_ud = &w.j;
    ep_net_start(&w.n);
    ep_net_step(&w.n);
    assert_int_equal(w.j.ntok, 1);
    w.n.p.now += 3000000; /* past the token's age */
    world_again(&w, false, true);
    quic_endpoint_stats_get(w.n.ep, &st);
    /* RFC 9000 §8.1.3: treated as no token: a Retry, not INVALID_TOKEN */
    assert_int_equal(st.retry_sent, 2);
    assert_int_equal(st.new_token_refused, 1);
    assert_int_equal(st.retry_bad_token, 0);
    world_free(&w);
}

static void test_new_token_of_another_address_gets_retry(void **state)
{
    (void)state;
    world w;
    quic_endpoint_stats st;
    world_first(&w, true);
    w.n.p.cpath.local[w.n.p.cpath.local_len - 1] ^= 1; /* the client moved */
    w.n.p.spath.remote[w.n.p.spath.remote_len - 1] ^= 1;
    world_again(&w, false, true);
    quic_endpoint_stats_get(w.n.ep, &st);
    assert_int_equal(st.retry_sent, 2);
    assert_int_equal(st.new_token_refused, 1);
    world_free(&w);
}

static bool connected(pair *p, void *ud)
{
    (void)ud;
    return quic_conn_is_established(p->client) && p->server &&
           quic_conn_is_established(p->server) && quic_test_view(p->client).app_tx_ok;
}

/* Frames from the client in one 1-RTT packet, straight to the server. */
static int inject(pair *p, const uint8_t *fr, size_t len)
{
    uint8_t out[1500];
    forge_pkt fp;
    assert_true(forge_as(&fp, p->client, QUIC_SPACE_APPLICATION)); /* the shared forger */
    fp.raw = fr;
    fp.raw_len = len;
    size_t pkt_len = forge_seal(&fp, out, sizeof out);
    assert_true(pkt_len > 0);
    return quic_conn_recv(p->server, &p->spath, out, pkt_len, p->now);
}

/* RFC 9000 §19.7: a server receiving NEW_TOKEN closes with PROTOCOL_VIOLATION. */
static void test_new_token_from_client_is_protocol_violation(void **state)
{
    (void)state;
    pair p;
    quic_close_info ci;
    static const uint8_t fr[] = {0x07, 0x02, 'n', 'x'};
    pair_init(&p);
    pair_start(&p);
    assert_true(pair_run(&p, connected, NULL, 5000000));
    inject(&p, fr, sizeof fr);
    quic_conn_close_info(p.server, &ci);
    assert_int_equal(ci.code, QUIC_PROTOCOL_VIOLATION);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_connection_resumes_with_ticket),
        cmocka_unit_test(test_unusable_session_gives_full_handshake),
        cmocka_unit_test(test_new_token_skips_retry),
        cmocka_unit_test(test_expired_new_token_gets_retry),
        cmocka_unit_test(test_new_token_of_another_address_gets_retry),
        cmocka_unit_test(test_new_token_from_client_is_protocol_violation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
