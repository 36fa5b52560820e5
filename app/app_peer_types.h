/*
 * The state of the ping-pong's server and client objects (app_peer.h), on its
 * own so the client's path moves (app_client_path.c) can reach it without the
 * header of app_peer.c, the file above them.
 */
#ifndef APP_PEER_TYPES_H
#define APP_PEER_TYPES_H

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

#endif
