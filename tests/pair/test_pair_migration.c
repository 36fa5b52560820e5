/* Client-initiated migration (RFC 9000 §9.2, §9.5): the client moves to a new
 * local address with a connection ID it never used, retires the old one, and
 * the server validates the new address and follows it. */
#include "common/pair.h"
#include "common/tu.h"
#include "quic/conn_test.h"
#include "quic/tparams.h"

#include <string.h>

typedef struct xfer {
    bool c_conn, s_conn, closed;
    int64_t sid;
    uint64_t got, want;
} xfer;

static void note(quic_conn *c, const quic_event *ev, void *ud)
{
    xfer *x = ud;
    if (ev->type == QUIC_EV_CONNECTED)
        *(quic_conn_is_server(c) ? &x->s_conn : &x->c_conn) = true;
    if (ev->type == QUIC_EV_CLOSED)
        x->closed = true;
}

static bool connected(pair *p, void *ud)
{
    xfer *x = ud;
    pair_events(p->client, note, x);
    pair_events(p->server, note, x);
    return x->c_conn && x->s_conn;
}

static bool all_read(pair *p, void *ud)
{
    xfer *x = ud;
    uint8_t buf[4096];
    bool fin;
    int64_t n;
    pair_events(p->client, note, x);
    pair_events(p->server, note, x);
    while ((n = quic_conn_stream_read(p->server, (uint64_t)x->sid, buf, sizeof buf, &fin)) > 0)
        x->got += (uint64_t)n;
    return x->got >= x->want || x->closed;
}

static void send_some(pair *p, xfer *x, size_t n)
{
    static uint8_t data[20000];
    assert_true(n <= sizeof data);
    assert_int_equal(quic_conn_stream_write(p->client, (uint64_t)x->sid, data, n, false), (int64_t)n);
    x->want += n;
    assert_true(pair_run(p, all_read, x, 10000000));
    assert_false(x->closed);
}

static void test_client_migration_uses_fresh_cid_and_retires_old(void **state)
{
    (void)state;
    pair p;
    xfer x = {0};
    pair_init(&p);
    pair_start(&p);
    assert_true(pair_run(&p, connected, &x, 5000000));
    pair_run(&p, NULL, NULL, 200000); /* NEW_CONNECTION_IDs settle */
    x.sid = quic_conn_stream_open(p.client, true);
    send_some(&p, &x, 5000);

    quic_cid old = *quic_peer_cids_current(quic_conn_test_peer_cids(p.client));
    quic_cid srv_old = *quic_peer_cids_current(quic_conn_test_peer_cids(p.server));
    quic_path moved = p.cpath;
    memcpy(moved.local, "cl2", 4);
    assert_int_equal(quic_conn_migrate(p.client, &moved), 0);
    p.cpath = moved;
    memcpy(p.spath.remote, "cl2", 4); /* the server sees the new address */
    send_some(&p, &x, 20000);
    pair_run(&p, NULL, NULL, 500000);

    /* RFC 9000 §9.5: a CID not used before, from the new address. */
    const quic_cid *now_cid = quic_peer_cids_current(quic_conn_test_peer_cids(p.client));
    assert_false(quic_cid_equal(&old, now_cid));
    /* §5.1.2: the old one retired, so the server no longer routes it. */
    assert_false(quic_local_cids_has(quic_conn_local_cids(p.server), &old));
    assert_true(quic_local_cids_has(quic_conn_local_cids(p.server), now_cid));
    /* The server validated the address and moved, with a fresh CID too. */
    quic_conn_stats st;
    quic_conn_stats_get(p.server, &st);
    assert_int_equal(st.migrations, 1);
    assert_true(quic_path_equal(quic_conn_path(p.server), &p.spath));
    assert_false(quic_cid_equal(&srv_old,
                                quic_peer_cids_current(quic_conn_test_peer_cids(p.server))));
    pair_free(&p);
}

/* RFC 9000 §9: not before the handshake is confirmed, and not against a
 * server that sent disable_active_migration. */
static void test_client_migration_refused_when_server_disables_it(void **state)
{
    (void)state;
    pair p;
    xfer x = {0};
    pair_init(&p);
    p.scfg.disable_active_migration = true;
    pair_start(&p);
    quic_path moved = p.cpath;
    memcpy(moved.local, "cl2", 4);
    assert_int_equal(quic_conn_migrate(p.client, &moved), QUIC_ERR_ARG);
    assert_true(pair_run(&p, connected, &x, 5000000));
    pair_run(&p, NULL, NULL, 200000);
    assert_int_equal(quic_conn_migrate(p.client, &moved), QUIC_ERR_ARG);
    pair_free(&p);
}

/* RFC 9000 §9.6: a server's preferred_address is validated by the client
 * (PATH_CHALLENGE to it, with the CID of sequence 1 that came with it) and
 * used once the server answers. */
static void test_client_moves_to_server_preferred_address(void **state)
{
    (void)state;
    pair p;
    xfer x = {0};
    pair_init(&p);
    p.scfg.preferred_address = true;
    memcpy(p.scfg.preferred_ipv4, "\x7f\x00\x00\x02", 4);
    p.scfg.preferred_ipv4_port = 4434;
    pair_start(&p);
    assert_true(pair_run(&p, connected, &x, 5000000));
    pair_run(&p, NULL, NULL, 200000);
    const quic_tp_preferred_address *pa = quic_conn_peer_preferred_address(p.client);
    assert_non_null(pa);
    assert_int_equal(pa->ipv4_port, 4434);
    quic_cid pcid;
    quic_cid_set(&pcid, pa->cid.bytes, pa->cid.len);
    /* The server routes it: it is one of its CIDs. */
    assert_true(quic_local_cids_has(quic_conn_local_cids(p.server), &pcid));
    quic_path moved = p.cpath;
    memcpy(moved.remote, "sv2", 4);
    assert_int_equal(quic_conn_probe_path(p.client, &moved), 0);
    x.sid = quic_conn_stream_open(p.client, true);
    send_some(&p, &x, 3000);
    pair_run(&p, NULL, NULL, 300000);
    assert_true(quic_path_equal(quic_conn_path(p.client), &moved));
    assert_true(quic_cid_equal(&pcid, quic_peer_cids_current(quic_conn_test_peer_cids(p.client))));
    quic_conn_stats st;
    quic_conn_stats_get(p.client, &st);
    assert_int_equal(st.migrations, 1);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_migration_uses_fresh_cid_and_retires_old),
        cmocka_unit_test(test_client_migration_refused_when_server_disables_it),
        cmocka_unit_test(test_client_moves_to_server_preferred_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
