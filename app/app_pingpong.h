/*
 * The blog's HTTP/3 datagram ping-pong as two state machines over an h3q_conn
 * binding, without sockets: the event loops in app_run.c drive them.
 *
 * The server answers /ping-pong (GET, classic CONNECT, extended CONNECT) once
 * the client's SETTINGS show datagram support (400 otherwise), then sends the
 * 8-byte big-endian value 0. Each side logs what it receives and answers with
 * value + 1 until the final value. Datagrams are unreliable: a side that heard
 * nothing new for 500 ms sends its last datagram again; repeats are counted and
 * never answered (answering them could echo forever). So a lost datagram costs
 * a timeout, never a hang. The rules match tests/interop/README.md.
 */
#ifndef APP_PINGPONG_H
#define APP_PINGPONG_H

#include "h3q/h3q.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum app_pp_state {
    APP_PP_WAIT_SETTINGS = 0, /* client: waiting for the server's SETTINGS */
    APP_PP_WAIT_REQUEST,      /* server: no request yet */
    APP_PP_WAIT_RESPONSE,     /* client: request sent */
    APP_PP_RUNNING,
    APP_PP_DONE,              /* the final value went out (server) or came in (client) */
    APP_PP_FAILED,
} app_pp_state;

typedef struct app_pp {
    bool is_server;
    const char *who; /* "client" or "server" in the log lines */
    app_pp_state state;
    h3q_conn *h3;
    uint64_t stream_id;
    int method;      /* app_method of the client */
    const char *authority;
    uint64_t final;  /* the last value of the exchange */
    size_t size;     /* payload bytes (counter in the first 8) */
    bool have_rx;
    uint64_t last_rx, last_tx;
    uint8_t *buf;    /* the last payload sent, for resends */
    size_t buf_len, buf_cap;
    bool sent_final;        /* we sent the final value (server) */
    bool closed_by_us;      /* ... and closed after lingering */
    uint64_t linger_until;  /* and resend it until then, or until the peer closes */
    uint64_t duplicates;
    uint64_t resend_at;   /* when to send the last datagram again (0: not waiting) */
    uint64_t resend_after;
    uint64_t resends;
    uint64_t drop_every;  /* test switch: skip every Nth first send (0: none) */
    bool no_datagrams;    /* test switch: we offer none, so ask anyway (expect a 400) */
    uint64_t first_sends; /* first transmissions so far (resends not counted) */
    unsigned resends_in_a_row; /* for the same value: the peer may be gone */
    uint64_t settings_deadline; /* server: 10 s for the client's SETTINGS */
    bool pending_request;       /* server: a request waits for SETTINGS */
    bool size_waited;           /* client: --size did not fit the path once (PMTU may grow) */
    unsigned max_resends;       /* resends of one value before giving up (--timeout) */
    bool stays;                 /* server serving many: no "exiting" in the log lines */
    char error[256];            /* why it FAILED */
} app_pp;

/* method: 0 GET, 1 CONNECT, 2 extended CONNECT (app_method). */
int app_pp_init(app_pp *pp, bool is_server, h3q_conn *h3, const char *authority, int method,
                uint64_t final, size_t size);
void app_pp_free(app_pp *pp);
/* Give up after this long without an answer to the same value (default 10 s). */
void app_pp_set_timeout(app_pp *pp, uint64_t us);
/* Handles every pending HTTP/3 event, then the timers; call after each h3q_step. */
void app_pp_step(app_pp *pp, uint64_t now);
/* The next time app_pp_step must run even without traffic (QUIC_NEVER: none). */
uint64_t app_pp_deadline(const app_pp *pp);

#endif
