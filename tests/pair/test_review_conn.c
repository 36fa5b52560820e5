/* Review findings: connection behaviour over the pair (timers, closing). */
#include "common/pair.h"
#include "common/tu.h"
#include "quic/conn_int.h"

#include <string.h>

static bool server_exists(pair *p, void *ud)
{
    (void)ud;
    return p->server != NULL;
}

/* RFC 9000 §14.1: a client pads every datagram with an Initial packet to
 * 1200 bytes, and a server drops smaller ones. A client that closed while it
 * had only Initial keys sent its CONNECTION_CLOSE unpadded: the server never
 * heard of it and kept the connection until its idle timeout. */
static void test_review_client_initial_close_padded(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    assert_true(pair_run(&p, server_exists, NULL, 1000000));
    assert_false(p.client->keys[1].tx_ok); /* Initial keys only */
    quic_conn_close(p.client, true, 0x101, "bye");
    pair_run(&p, NULL, NULL, 200000);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    assert_true(ci.by_peer);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review_client_initial_close_padded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
