/*
 * The two programs of the ping-pong as steppable objects over one UDP socket
 * each, so `quince server`, `quince client` and `quince demo` (both in one
 * process, one thread) share them. Each object says which socket it reads and
 * when it next needs time; the loop in app_run.c waits on the sockets.
 */
#ifndef APP_PEER_H
#define APP_PEER_H

#include "app/app_resume.h"
#include "app/app_cli.h"
#include "app/app_io.h"
#include "app/app_pingpong.h"
#include "app/app_tls.h"
#include "app/app_trace.h"
#include "app/app_udp.h"
#include "quic/endpoint.h"
#include "quic/ep_heap.h"

#include <stdbool.h>
#include <stdint.h>

/* Receive batches a server reads per step before it runs timers and sends. */
#define APP_SERVER_BATCHES 8

typedef struct app_session {
    quic_conn *q;
    h3q_conn *h3;
    app_pp pp;
    app_trace trace; /* -v lines and the qlog file of this connection */
    bool logged_close;
    bool was_established; /* the handshake completed once (closing ends it) */
    bool active;  /* server: on this step's list of sessions to work */
    quic_path seen; /* server: the connection's path as last logged */
    size_t index; /* server: its place in app_server.sessions */
} app_session;

typedef struct app_server {
    app_io io;
    app_tls tls;
    quic_endpoint *ep;
    uint64_t drained_at;    /* when app_io_recv_endpoint last read every socket dry */
    app_session **sessions; /* one per connection */
    size_t n_sessions, cap_sessions;
    /* Each step works only the sessions with something to do (a datagram,
     * a due timer), gathered here; ping-pong deadlines in a heap by index. */
    app_session **active;
    size_t n_active;
    quic_ep_heap pp_timers;
    bool one_shot;      /* stop after the first ping-pong's connection closes */
    /* Tracing of a connection the endpoint made but we have not taken yet. */
    app_trace pending_trace;
    quic_conn *pending_conn;
    const char *qlog_dir;
    bool finished;
    int exit_code;  /* one-shot: 0 when the first connection's ping-pong finished */
    uint64_t final;
    int verbose;
    bool no_datagrams;   /* --no-datagrams */
    uint64_t drop_every; /* --drop-every */
    uint64_t timeout_us; /* --timeout: handshake deadline and ping-pong give-up */
} app_server;

typedef struct app_client {
    app_io io;
    app_tls tls;
    app_addr server;
    char authority[300];
    char host[256];
    app_session s;
    uint64_t started, connect_timeout;
    bool finished;
    int exit_code;
    int verbose;
    bool closing;
    uint64_t close_deadline;
    app_resume resume;  /* --session FILE */
    bool use_resume;
    bool resume_logged; /* "session resumed" / "full handshake" said */
    bool early_data;    /* --0rtt */
    bool settings_kept; /* the server's SETTINGS went to the session file */
    uint64_t migrate_after; /* --migrate-after N (0: never) */
    bool migrated;
    uint64_t rebind_after; /* --rebind-after N (0: never) */
    bool rebound;
    /* The local address the connection knows: the socket's, except after
     * --rebind-after, when the socket changed under it as behind a NAT. */
    app_addr core_local;
    /* The server's preferred address (RFC 9000 §9.6), probed from a second
     * socket connected to it (io.more[0]), which becomes io.udp once the
     * connection moved there. */
    bool pref_tried;
    app_addr preferred;
    uint64_t pref_failures; /* path_validation_failures when the probe began */
    /* After the move, the first socket is io.more[0] until then: what the
     * server sent to our old address before it validated the new one. */
    uint64_t retire_at;
} app_client;

int app_server_open(app_server *sv, const app_opts *o, const app_addr *listen, char *err, size_t errlen);
void app_server_close(app_server *sv);
/* Reads what the socket has, runs timers and state machines, sends. */
void app_server_step(app_server *sv, uint64_t now);
uint64_t app_server_deadline(const app_server *sv);
/* The sockets to wait on (the listening one, the preferred addresses'):
 * their fds into fds (room for 1 + APP_IO_MORE); returns how many. */
size_t app_server_fds(const app_server *sv, int *fds);
/* Interrupted: closes every connection with H3_NO_ERROR and sends the
 * CONNECTION_CLOSE packets before returning. */
void app_server_interrupt(app_server *sv, uint64_t now);

/* url: https://HOST:PORT/path. pinned: trust exactly this server's in-memory
 * certificate (the demo), else o->ca / o->insecure / the system store.
 * Returns 0, -2 for a bad URL or an unresolvable host, -1 for other failures. */
int app_client_open(app_client *cl, const app_opts *o, const char *url, const app_tls *pinned,
                    uint64_t now, char *err, size_t errlen);
void app_client_close(app_client *cl);
void app_client_step(app_client *cl, uint64_t now);
uint64_t app_client_deadline(const app_client *cl);
/* The client's sockets to wait on (room for 1 + APP_IO_MORE); returns how many. */
size_t app_client_fds(const app_client *cl, int *fds);
/* Interrupted: closes with H3_NO_ERROR and sends the CONNECTION_CLOSE now. */
void app_client_interrupt(app_client *cl, uint64_t now);

/* Why a connection ended, in words (a refusing server, an idle timeout, a
 * reset, or the code, its name and the reason). */
void app_close_describe(const quic_close_info *ci, char *buf, size_t len);

#endif
