/* Review findings: the server endpoint and a client of ours through it
 * (routing, Retry, Version Negotiation). */
#include "common/ep_net.h"
#include "common/tu.h"
#include "quic/conn_test.h" /* the client's Initial token */
#include "quic/packet.h"

#include <string.h>

/* RFC 9000 §12.3, §5.2: once the handshake was complete the endpoint forgot
 * the client's first DCID, so a late copy of the client's first Initial (a
 * duplicate, or reordered behind the handshake) made a second, zombie
 * connection that answered with a new handshake and held a handshake slot
 * until its idle timeout. */
static void test_review_late_initial_no_second_conn(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, false);
    uint8_t first[1500], copy[1500];
    size_t fl = quic_conn_send(n.p.client, first, sizeof first, n.p.now);
    assert_true(fl >= 1200);
    memcpy(copy, first, fl);
    quic_endpoint_recv(n.ep, &n.p.spath, first, fl, n.p.now);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    quic_conn *s = quic_endpoint_next(n.ep, NULL);
    assert_true(quic_conn_is_established(s));
    assert_int_equal(quic_endpoint_count(n.ep), 1);
    n.p.now += 50000;
    quic_endpoint_recv(n.ep, &n.p.spath, copy, fl, n.p.now);
    assert_int_equal(quic_endpoint_count(n.ep), 1);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.accepted, 1);
    ep_net_free(&n);
}

/* RFC 9000 §6.2: a client discards a Version Negotiation packet once it has
 * processed any other packet from the server, a Retry included; one that
 * came after the Retry closed the connection. */
static void test_review_vn_after_retry_ignored(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, true);
    uint8_t first[1500], out[1500];
    quic_path to;
    size_t fl = quic_conn_send(n.p.client, first, sizeof first, n.p.now);
    assert_true(fl >= 1200);
    quic_pkt_hdr ch;
    assert_int_equal(quic_pkt_hdr_parse(first, fl, 0, &ch), 0);
    uint8_t scid[20], dcid[20];
    size_t scid_len = ch.scid_len, dcid_len = ch.dcid_len;
    memcpy(scid, ch.scid, scid_len);
    memcpy(dcid, ch.dcid, dcid_len);
    quic_endpoint_recv(n.ep, &n.p.spath, first, fl, n.p.now);
    size_t rl = quic_endpoint_send_stateless(n.ep, out, sizeof out, &to);
    assert_true(rl > 0);
    quic_conn_recv(n.p.client, &n.p.cpath, out, rl, n.p.now); /* the Retry */
    qb_wr w;
    uint32_t other = 0x6b3343cf; /* v2 only */
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_pkt_vn_write(&w, 0x11, scid, scid_len, dcid, dcid_len, &other, 1), 0);
    quic_conn_recv(n.p.client, &n.p.cpath, out, w.off, n.p.now);
    quic_close_info ci;
    quic_conn_close_info(n.p.client, &ci);
    assert_false(ci.closed);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    ep_net_free(&n);
}

/* RFC 9000 §8.1.3: a client Initial with a token that is not ours (a
 * NEW_TOKEN token of another server) must be treated as unvalidated, with a
 * Retry; a Retry server dropped it, and as the client kept sending the same
 * token the connection never came up. */
static void test_review_foreign_token_gets_retry(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, true);
    uint8_t junk[40];
    memset(junk, 0xa5, sizeof junk);
    quic_conn_test_set_retry_token(n.p.client, junk, sizeof junk);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.retry_sent, 1);
    assert_int_equal(st.accepted, 1);
    ep_net_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review_late_initial_no_second_conn),
        cmocka_unit_test(test_review_vn_after_retry_ignored),
        cmocka_unit_test(test_review_foreign_token_gets_retry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
