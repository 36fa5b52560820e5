/* Every allocation failure during a handshake, on either side, ends cleanly:
 * the handshake is run once per allocation with exactly that one failing
 * (server: the endpoint's connections and their TLS; client: its connection
 * and TLS), and each run must end established or closed, never crash, hang
 * or leak (the sanitizer build checks the leaks). */
#include "common/ep_net.h"
#include "common/tu.h"

#include <stdlib.h>

static size_t g_count, g_fail_at; /* g_fail_at 0: none fails */
static size_t g_failed;

static void *fail_alloc(void *ud, size_t n)
{
    (void)ud;
    if (++g_count == g_fail_at) {
        g_failed++;
        return NULL;
    }
    return malloc(n ? n : 1);
}

static void *fail_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (++g_count == g_fail_at) {
        g_failed++;
        return NULL;
    }
    return realloc(p, n ? n : 1);
}

static void fail_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static const qb_alloc failing = {fail_alloc, fail_realloc, fail_free, NULL};

static bool settled(ep_net *n)
{
    quic_close_info ci;
    quic_conn_close_info(n->p.client, &ci);
    if (ci.closed)
        return true;
    if (!quic_conn_is_established(n->p.client))
        return false;
    quic_conn *s = quic_endpoint_next(n->ep, NULL);
    return !s || quic_conn_is_established(s) || (quic_conn_close_info(s, &ci), ci.closed);
}

/* Runs the handshake to its end, time jumping from deadline to deadline (the
 * client's idle timeout ends a handshake the server gave up on). */
static void run(ep_net *n)
{
    for (int i = 0; i < 400 && !settled(n); i++) {
        ep_net_step(n);
        if (settled(n))
            break;
        uint64_t d = quic_conn_deadline(n->p.client), e = quic_endpoint_deadline(n->ep);
        if (e < d)
            d = e;
        if (d == QUIC_NEVER)
            break;
        n->p.now = d > n->p.now ? d : n->p.now;
        quic_conn_on_deadline(n->p.client, n->p.now);
        quic_endpoint_expire(n->ep, n->p.now);
        for (quic_conn *c = quic_endpoint_next(n->ep, NULL); c; c = quic_endpoint_next(n->ep, c)) {
            quic_conn_on_deadline(c, n->p.now);
            quic_endpoint_sync(n->ep, c);
        }
    }
}

/* One handshake with allocation number fail_at failing on one side; returns
 * how many allocations that side made. */
static size_t handshake(bool server_side, size_t fail_at, bool *established)
{
    ep_net n;
    ep_net_prepare(&n, false);
    g_count = 0;
    g_fail_at = 0;
    if (server_side) {
        n.ecfg.conn.alloc = &failing;
        n.p.stls.alloc = &failing;
        ep_net_start(&n); /* the endpoint's own tables: not part of a handshake */
        g_count = 0;
        g_fail_at = fail_at;
    } else {
        n.p.ccfg.alloc = &failing;
        n.p.ctls.alloc = &failing;
        n.ep = quic_endpoint_new(&n.ecfg);
        assert_non_null(n.ep);
        g_fail_at = fail_at;
        n.p.client = quic_conn_new_client(&n.p.ccfg, &n.p.cpath, n.p.now);
        if (!n.p.client) { /* a clean failure too */
            *established = false;
            size_t c = g_count;
            ep_net_free(&n);
            return c;
        }
    }
    run(&n);
    assert_true(settled(&n));
    *established = quic_conn_is_established(n.p.client);
    size_t c = g_count;
    g_fail_at = 0;
    ep_net_free(&n);
    return c;
}

static void every_allocation(bool server_side)
{
    bool ok;
    size_t total = handshake(server_side, 0, &ok);
    assert_true(ok);
    assert_true(total > 10);
    size_t failed_runs = 0;
    for (size_t k = 1; k <= total; k++) {
        g_failed = 0;
        handshake(server_side, k, &ok);
        assert_int_equal(g_failed, 1);
        failed_runs += !ok;
    }
    print_message("%s: %zu allocations in a handshake, %zu failures ended it\n",
                  server_side ? "server" : "client", total, failed_runs);
}

static void test_server_allocation_failures_end_cleanly(void **state)
{
    (void)state;
    every_allocation(true);
}

static void test_client_allocation_failures_end_cleanly(void **state)
{
    (void)state;
    every_allocation(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_allocation_failures_end_cleanly),
        cmocka_unit_test(test_client_allocation_failures_end_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
