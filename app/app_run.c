/* The event loops of the quince commands (app_run.h): poll on the sockets
 * with a timeout from the earliest deadline, then step every peer. */
#include "app/app_run.h"

#include "app/app_log.h"
#include "app/app_peer.h"

#include <arpa/inet.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

void app_run_stop(void) { g_stop = 1; }

static void catch_signals(void)
{
    g_stop = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Waits until one of the sockets is readable or the deadline (a minute at
 * most: the loop then steps and waits again). */
static void wait_fds(const int *fds, int n, uint64_t deadline)
{
    app_wait_fds(fds, (size_t)n, deadline, 60000000ull);
}

static void set_verbosity(const app_opts *o)
{
    app_log_set_level(o->verbose ? APP_LOG_DEBUG : APP_LOG_INFO);
}

/* The server and client state, with their batch buffers, live once for the
 * process (a run is one of server, client or demo; the demo needs both), so
 * the binary does not carry a copy per mode (issue 10). */
static app_server g_server;
static app_client g_client;

int app_run_server(const app_opts *o)
{
    char err[300];
    app_addr listen;
    set_verbosity(o);
    if (app_addr_parse(o->listen, &listen, err, sizeof err) != 0) {
        app_error("server: %s", err);
        return 2;
    }
    app_server *sv = &g_server;
    if (app_server_open(sv, o, &listen, err, sizeof err) != 0) {
        app_error("server: %s", err);
        app_server_close(sv);
        return 1;
    }
    char where[80];
    app_addr_str(&sv->io.udp.local, where, sizeof where);
    app_info("server: listening on %s (HTTP/3, datagrams %s; /ping-pong)%s", where,
             o->no_datagrams ? "off" : "on",
             o->cert ? "" : " with a self-signed certificate for localhost");
    for (size_t k = 1; k <= APP_IO_MORE; k++) {
        const app_udp *u = app_io_sock(&sv->io, k);
        if (u) {
            app_addr_str(&u->local, where, sizeof where);
            app_info("server: preferred address %s offered and served (RFC 9000 §9.6)", where);
        }
    }
    catch_signals();
    sv->one_shot = o->one_shot;
    int fds[1 + APP_IO_MORE];
    int nfds = (int)app_server_fds(sv, fds);
    while (!g_stop && !sv->finished) {
        app_server_step(sv, app_now_us());
        if (!sv->finished)
            wait_fds(fds, nfds, app_io_pending(&sv->io) ? 0 : app_server_deadline(sv));
    }
    int rc = sv->exit_code;
    if (g_stop && !sv->finished) {
        /* Interrupted: an orderly end for a server (exit 0). */
        app_server_interrupt(sv, app_now_us());
        app_info("server: interrupted");
        rc = 0;
    }
    app_server_close(sv);
    app_info("server closed");
    return rc;
}

int app_run_client(const app_opts *o)
{
    char err[300];
    set_verbosity(o);
    app_client *cl = &g_client;
    int orc = app_client_open(cl, o, o->url, NULL, app_now_us(), err, sizeof err);
    if (orc != 0) {
        app_error("client: %s", err);
        app_client_close(cl);
        return orc == -2 ? 2 : 1; /* a bad URL or host is a usage error */
    }
    catch_signals();
    while (!g_stop && !cl->finished) {
        app_client_step(cl, app_now_us());
        int fds[1 + APP_IO_MORE];
        if (!cl->finished) /* the sockets may change (migration, preferred address) */
            wait_fds(fds, (int)app_client_fds(cl, fds), app_client_deadline(cl));
    }
    if (g_stop && !cl->finished) {
        /* The ping-pong did not finish: exit 1, but tell the server first. */
        app_client_interrupt(cl, app_now_us());
        app_info("client: interrupted");
    }
    int rc = g_stop ? 1 : cl->exit_code;
    app_client_close(cl);
    return rc;
}

int app_run_demo(const app_opts *o)
{
    char err[300], url[128];
    set_verbosity(o);
    app_addr listen;
    app_addr_parse("127.0.0.1:0", &listen, err, sizeof err);
    app_server *sv = &g_server;
    app_client *cl = &g_client;
    app_opts so = *o;
    so.pcap = NULL; /* the client's capture sees the whole connection */
    if (app_server_open(sv, &so, &listen, err, sizeof err) != 0) {
        app_error("demo: %s", err);
        app_server_close(sv);
        return 1;
    }
    sv->one_shot = true;
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&sv->io.udp.local.ss;
    snprintf(url, sizeof url, "https://localhost:%u/ping-pong", ntohs(sin->sin_port));
    app_opts co = *o;
    co.url = url;
    if (app_client_open(cl, &co, url, &sv->tls, app_now_us(), err, sizeof err) != 0) {
        app_error("demo: %s", err);
        app_client_close(cl);
        app_server_close(sv);
        return 1;
    }
    catch_signals();
    while (!g_stop && !(sv->finished && cl->finished)) {
        int fds[2 * (1 + APP_IO_MORE)];
        size_t nfds = app_server_fds(sv, fds);
        uint64_t now = app_now_us();
        if (!cl->finished)
            app_client_step(cl, now);
        app_server_step(sv, now);
        if (cl->finished && cl->exit_code != 0)
            break; /* the client failed: no point waiting for the server */
        if (sv->finished && cl->finished)
            break;
        uint64_t d = app_io_pending(&sv->io) ? 0 : app_server_deadline(sv);
        uint64_t e = cl->finished ? QUIC_NEVER : app_client_deadline(cl);
        nfds += app_client_fds(cl, fds + nfds);
        wait_fds(fds, (int)nfds, d < e ? d : e);
    }
    /* Both halves must have finished their ping-pong: with an odd count the
     * client sends the final value and only the server can tell it arrived. */
    int rc = g_stop ? 1 : cl->exit_code ? cl->exit_code : sv->finished ? sv->exit_code : 1;
    if (g_stop) {
        uint64_t now = app_now_us();
        if (!cl->finished)
            app_client_interrupt(cl, now);
        app_server_interrupt(sv, now);
        app_info("demo: interrupted");
    }
    app_client_close(cl);
    app_server_close(sv);
    app_info("server closed");
    return rc;
}

int app_run_gencert(const app_opts *o)
{
    char err[300];
    if (app_gencert(o->host, o->cert, o->key, err, sizeof err) != 0) {
        app_error("gencert: %s", err);
        return 1;
    }
    app_info("gencert: wrote %s and %s (ECDSA P-256, SAN %s, localhost, 127.0.0.1, ::1; 14 days)",
             o->cert, o->key, o->host);
    return 0;
}
