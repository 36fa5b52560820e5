/* The quince client's moves between paths (RFC 9000 §9): a deliberate
 * migration (--migrate-after), a NAT-like rebinding the connection is not
 * told of (--rebind-after), the server's preferred address (§9.6) probed from
 * a second socket, and the socket swap once the connection has moved. */
#include "app/app_client_path.h"

#include "app/app_log.h"

#include "quic/tparams.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* How long the old socket is read after a move (to the preferred address,
 * or --migrate-after): the server learns our new address only when it
 * validated it, and sends to the old one until then, about a round trip. */
#define APP_RETIRE_US 1000000

/* A new socket (a new local port) connected to the current server address. */
static int client_open_socket(app_client *cl, app_udp *nu, const char *why)
{
    char err[200];
    if (app_udp_open(nu, &cl->server, false, err, sizeof err) != 0 ||
        app_udp_connect(nu, &cl->server, err, sizeof err) != 0) {
        app_warn("client: no new socket to %s: %s", why, err);
        app_udp_close(nu);
        return -1;
    }
    nu->pcap = cl->io.udp.pcap;
    return 0;
}

/* nu in place of io.udp. keep: the old socket is read a while (a
 * migration: the server sends there until it validated the new address),
 * else closed (a NAT rebinding: the old mapping is gone, what the server
 * still sends there is lost). Logs the move. */
static void client_swap_socket(app_client *cl, app_udp *nu, bool keep, uint64_t now,
                               const char *what, const char *after)
{
    char a[80], b[80];
    app_addr_str(&cl->io.udp.local, a, sizeof a);
    app_addr_str(&nu->local, b, sizeof b);
    /* One extra socket at a time: a probe of the preferred address, or one
     * read after a move, ends here. */
    app_udp_close(&cl->io.more[0]);
    cl->retire_at = 0;
    if (keep) {
        cl->io.more[0] = cl->io.udp;
        cl->retire_at = now + APP_RETIRE_US;
    } else {
        app_udp_close(&cl->io.udp);
    }
    cl->io.udp = *nu;
    app_info("client: %s from %s to %s after %llu rounds%s", what, a, b,
             (unsigned long long)cl->s.pp.last_rx, after);
}

/* --migrate-after N: after N rounds, a new socket and the connection moves
 * to it (RFC 9000 §9.2): a fresh CID, the server validates the address. */
void app_client_maybe_migrate(app_client *cl, uint64_t now)
{
    quic_conn *q = cl->s.q;
    if (!cl->migrate_after || cl->migrated || cl->closing || !cl->s.pp.have_rx ||
        cl->s.pp.last_rx < cl->migrate_after)
        return;
    cl->migrated = true;
    app_udp nu;
    if (client_open_socket(cl, &nu, "migrate to") != 0)
        return;
    quic_path path;
    app_path_make(&path, &nu.local, &cl->server);
    int rc = quic_conn_migrate(q, &path);
    if (rc != 0) {
        /* RFC 9000 §9: not from another address at all (disable_active_migration). */
        app_warn("client: migration refused (%s)", quic_err_str(rc));
        app_udp_close(&nu);
        return;
    }
    cl->core_local = nu.local;
    client_swap_socket(cl, &nu, true, now, "migrated", "");
}

/* --rebind-after N: after N rounds, a new socket, and the connection is not
 * told: it keeps its path and CID, as behind a NAT that gave the flow a new
 * port. The server sees a new client address and must validate it before
 * it moves there (RFC 9000 §9.3). */
void app_client_maybe_rebind(app_client *cl, uint64_t now)
{
    if (!cl->rebind_after || cl->rebound || cl->closing || !cl->s.pp.have_rx ||
        cl->s.pp.last_rx < cl->rebind_after)
        return;
    cl->rebound = true;
    app_udp nu;
    if (client_open_socket(cl, &nu, "rebind to") != 0)
        return;
    client_swap_socket(cl, &nu, false, now, "rebound",
                       ", not telling the connection (as a NAT rebinding)");
}

/* RFC 9000 §9.6: a server's preferred address of our socket's family is
 * validated from a second socket connected to it (our socket is connected
 * to the server's first address: the kernel drops what comes from any
 * other), and the connection moves there when the server answers. */
void app_client_maybe_prefer(app_client *cl)
{
    quic_conn *q = cl->s.q;
    const quic_tp_preferred_address *pa = quic_conn_peer_preferred_address(q);
    if (cl->pref_tried || !pa || cl->closing || !quic_conn_is_established(q))
        return;
    app_addr a;
    memset(&a, 0, sizeof a);
    static const uint8_t zero[16];
    if (cl->server.ss.ss_family == AF_INET && pa->ipv4_port && memcmp(pa->ipv4, zero, 4)) {
        struct sockaddr_in *in = (struct sockaddr_in *)&a.ss;
        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, pa->ipv4, 4);
        in->sin_port = htons(pa->ipv4_port);
        a.len = sizeof *in;
    } else if (cl->server.ss.ss_family == AF_INET6 && pa->ipv6_port && memcmp(pa->ipv6, zero, 16)) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a.ss;
        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, pa->ipv6, 16);
        in6->sin6_port = htons(pa->ipv6_port);
        a.len = sizeof *in6;
    } else {
        cl->pref_tried = true;
        return;
    }
    char where[80], err[200];
    app_addr_str(&a, where, sizeof where);
    if (app_addr_equal(&a, &cl->server)) {
        cl->pref_tried = true; /* already there */
        return;
    }
    /* The socket of an earlier try (before the handshake was confirmed)
     * is still there. */
    if (!app_io_sock(&cl->io, 1) &&
        (app_io_open_more(&cl->io, 1, &a, false, err, sizeof err) != 0 ||
         app_udp_connect(&cl->io.more[0], &a, err, sizeof err) != 0)) {
        cl->pref_tried = true;
        app_warn("client: no socket to validate the server's preferred address %s: %s", where, err);
        app_udp_close(&cl->io.more[0]);
        return;
    }
    quic_path path;
    app_path_make(&path, &cl->io.more[0].local, &a);
    quic_conn_stats st;
    quic_conn_stats_get(q, &st);
    int rc = quic_conn_probe_path(q, &path);
    if (rc != 0) {
        /* Not yet confirmed (RFC 9001 §4.1.2: HANDSHAKE_DONE to come):
         * again next time, with this socket. */
        if (rc == QUIC_ERR_ARG)
            return;
        app_udp_close(&cl->io.more[0]);
        cl->pref_tried = true;
        app_warn("client: cannot validate the server's preferred address %s (%s)", where,
                 quic_err_str(rc));
        return;
    }
    cl->pref_tried = true;
    cl->preferred = a;
    cl->pref_failures = st.path_validation_failures;
    char l[80];
    app_addr_str(&cl->io.more[0].local, l, sizeof l);
    app_info("client: validating the server's preferred address %s from %s", where, l);
}

/* The connection moved to the server's preferred address: its probe socket
 * is the socket from now on, connected to it (RFC 9000 §9.6.1); the first
 * one is only read, for a while. A probe that failed closes its socket; the
 * connection stayed where it was. */
void app_client_follow_path(app_client *cl, uint64_t now)
{
    const quic_path *cur = quic_conn_path(cl->s.q);
    app_addr to;
    app_path_peer(cur, &to);
    if (cl->retire_at) {
        if (now >= cl->retire_at) {
            app_udp_close(&cl->io.more[0]);
            cl->retire_at = 0;
        }
        return;
    }
    if (app_io_sock(&cl->io, 1) && app_io_sock_of(&cl->io, cur) == 1) {
        char where[80], l[80];
        app_addr_str(&to, where, sizeof where);
        app_addr_str(&cl->io.more[0].local, l, sizeof l);
        app_info("client: moved to the server's preferred address %s (path validated; from %s)",
                 where, l);
        app_udp old = cl->io.udp;
        cl->io.udp = cl->io.more[0];
        cl->io.more[0] = old;
        cl->retire_at = now + APP_RETIRE_US;
        cl->core_local = cl->io.udp.local;
        cl->server = to;
        return;
    }
    if (app_io_sock(&cl->io, 1)) {
        quic_conn_stats st;
        quic_conn_stats_get(cl->s.q, &st);
        if (st.path_validation_failures > cl->pref_failures) {
            char where[80];
            app_addr_str(&cl->preferred, where, sizeof where);
            app_warn("client: the server's preferred address %s did not validate; staying", where);
            app_udp_close(&cl->io.more[0]);
        }
    }
}

