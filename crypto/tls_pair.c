/* In-memory client/server handshake driver (tests, fuzzing, benchmarks). */
#include "crypto/tls_pair.h"
#include "crypto/tls_int.h"

#include <string.h>

#define PAIR_BUF 65536

static int move(tls_conn *from, tls_role role, tls_conn *to, tls_pair_filter f, void *ud,
                uint8_t *buf, int *moved)
{
    for (int l = 0; l < TLS_LEVEL_COUNT; l++) {
        const uint8_t *p;
        size_t n;
        tls_conn_get_output(from, (tls_level)l, &p, &n);
        if (!n)
            continue;
        if (n > PAIR_BUF)
            return TLS_ERR_INTERNAL;
        memcpy(buf, p, n);
        tls_conn_consume_output(from, (tls_level)l, n);
        *moved = 1;
        if (f && f(ud, role, (tls_level)l, buf, &n, PAIR_BUF))
            continue;
        int rc = tls_conn_recv(to, (tls_level)l, buf, n);
        if (rc)
            return rc;
    }
    return 0;
}

int tls_pair_run(tls_conn *client, tls_conn *server, tls_pair_filter f, void *ud)
{
    const qb_alloc *a = client->a; /* the client's allocator */
    uint8_t *buf = qb_malloc(a, PAIR_BUF);
    int rc = 0;
    if (!buf)
        return TLS_ERR_INTERNAL;
    if ((rc = tls_conn_start(client)))
        goto out;
    for (int round = 0; round < 16; round++) {
        int moved = 0;
        if ((rc = move(client, TLS_ROLE_CLIENT, server, f, ud, buf, &moved)))
            break;
        if ((rc = move(server, TLS_ROLE_SERVER, client, f, ud, buf, &moved)))
            break;
        if (!moved)
            break;
    }
    if (!rc && !(tls_conn_is_done(client) && tls_conn_is_done(server)))
        rc = TLS_ERR_STATE;
out:
    qb_free(a, buf);
    return rc;
}
