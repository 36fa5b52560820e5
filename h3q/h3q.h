/*
 * quince h3 over quince QUIC: the binding that drives an h3_conn (h3/h3.h) from a
 * quic_conn (quic/quic.h). It owns nothing of the QUIC connection: the application
 * keeps calling the five quic_conn calls for I/O and, after every quic_conn_recv /
 * quic_conn_on_deadline (and whenever it queued requests, responses or datagrams),
 * calls h3_quic_pump() before its next quic_conn_send(). Then it pulls HTTP/3 events
 * with h3_quic_next_event().
 *
 *   quic event (CONNECTED)   -> transport facts, h3_conn_start (control stream, SETTINGS)
 *   STREAM_READABLE          -> quic_conn_stream_read -> h3_conn_on_stream_data (with fin)
 *   STREAM_RESET / STOP      -> h3_conn_on_stream_reset / h3_conn_on_stop_sending
 *   DATAGRAM                 -> h3_conn_on_datagram
 *   h3 stream bytes          -> quic_conn_stream_write (QUIC streams opened in the
 *                               order h3 numbers them; RFC 9000 §2.1), backpressure kept
 *                               in h3 (only what QUIC took is consumed)
 *   h3 actions               -> quic_conn_stream_reset / quic_conn_stream_stop
 *   h3 datagrams             -> quic_conn_dgram_send
 *   h3 connection error      -> quic_conn_close(app, wire code, reason) (RFC 9114 §8)
 *
 * An application that wants to see the QUIC events too pulls them itself and hands
 * each to h3_quic_on_quic_event(), then calls h3_quic_flush().
 */
#ifndef H3_QUIC_H
#define H3_QUIC_H

#include "h3/h3.h"
#include "quic/quic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Binding error codes: the end of the h3 range (-3280..-3299). */
enum {
    H3_QUIC_ERR_ARG = -3280,       /* a bad argument */
    H3_QUIC_ERR_NOMEM = -3281,
    H3_QUIC_ERR_STREAM_ID = -3282, /* QUIC opened another stream id than h3 numbered */
    H3_QUIC_ERR_QUIC = -3283,      /* the QUIC connection refused a call */
    H3_QUIC_ERR_CLOSED = -3284,    /* the QUIC connection is closed */
    H3_QUIC_ERR_STREAM_LIMIT = -3285, /* no QUIC stream credit now: retry after a pump */
};

typedef struct h3_quic_config {
    h3_config h3;
    /* Our QUIC config allowed DATAGRAM frames (max_datagram_frame_size != 0). */
    bool quic_datagrams;
    /* Server: the initial_max_streams_bidi we announced (datagram stream id check,
     * RFC 9297 §2.1); 0 = no check. */
    uint64_t initial_max_streams_bidi;
    size_t read_chunk; /* bytes read from a QUIC stream at a time */
    /* Streams with an unfinished receive side the binding tracks at most (QUIC's
     * stream limits bound them; default 2 * (bidi + uni) + 16 of the quic_config,
     * plus h3.max_streams for our own requests). */
    size_t max_open_streams;
} h3_quic_config;

/* h3 defaults for role; the QUIC facts are taken from the quic_config in use (qcfg may
 * be NULL: datagrams assumed allowed, no stream id check). */
void h3_quic_config_init(h3_quic_config *c, h3_role role, const quic_config *qcfg);

typedef struct h3_quic h3_quic;

/* The binding for q (not owned; must outlive the binding's use). If q is already
 * established the h3 connection starts at the first pump. */
int h3_quic_new(quic_conn *q, const h3_quic_config *cfg, h3_quic **out);
void h3_quic_free(h3_quic *b);

/* Pulls every pending QUIC event, handles it, then flushes h3's output into QUIC.
 * now is the caller's clock (datagrams are queued with it). Returns 0, or the h3
 * connection error / a binding error (the QUIC connection is then being closed). */
int h3_quic_pump(h3_quic *b, uint64_t now);
/* One QUIC event the application pulled itself. Returns like h3_quic_pump. */
int h3_quic_on_quic_event(h3_quic *b, const quic_event *ev, uint64_t now);
/* h3 output (stream bytes, actions, datagrams) into QUIC, as far as QUIC takes it. */
int h3_quic_flush(h3_quic *b, uint64_t now);

/* HTTP/3 events (h3_conn_next_event; H3_EV_SETTINGS when the peer's SETTINGS arrive). */
bool h3_quic_next_event(h3_quic *b, h3_event *ev);

/* Client requests on a new client bidi stream (HEADERS, no FIN; RFC 9114 §4.1). The
 * QUIC stream is opened first: H3_QUIC_ERR_STREAM_LIMIT when the server's MAX_STREAMS
 * does not allow another yet (retry after the next pump). Requests must go through
 * these calls, not h3_conn_send_request on h3_quic_h3(). */
int h3_quic_send_request(h3_quic *b, const h3_field *fields, size_t n, uint64_t *stream_id);
/* GET https://authority/path. */
int h3_quic_get(h3_quic *b, const char *authority, const char *path, uint64_t *stream_id);
/* Classic CONNECT to authority (RFC 9114 §4.4). */
int h3_quic_connect(h3_quic *b, const char *authority, uint64_t *stream_id);
/* Extended CONNECT (RFC 9220) with :protocol, https scheme, authority, path and
 * capsule-protocol: ?1 (RFC 9297 §3.4); needs the server's ENABLE_CONNECT_PROTOCOL. */
int h3_quic_connect_ext(h3_quic *b, const char *protocol, const char *authority,
                        const char *path, uint64_t *stream_id);
/* Server: a response header section with :status (no FIN). */
int h3_quic_send_response(h3_quic *b, uint64_t stream_id, unsigned status);
int h3_quic_send_data(h3_quic *b, uint64_t stream_id, const uint8_t *p, size_t len, bool fin);
/* HTTP datagram on a request stream (RFC 9297 §2.1); goes out at the next flush. */
int h3_quic_send_datagram(h3_quic *b, uint64_t stream_id, const uint8_t *p, size_t len);

/* Graceful shutdown: GOAWAY (RFC 9114 §5.2). */
int h3_quic_goaway(h3_quic *b);
/* Closes the QUIC connection with an application code (H3_NO_ERROR for a clean close,
 * RFC 9114 §5.2) and reason. */
void h3_quic_close(h3_quic *b, uint64_t code, const char *reason);

/* State. */
h3_conn *h3_quic_h3(h3_quic *b);
quic_conn *h3_quic_quic(h3_quic *b);
bool h3_quic_started(const h3_quic *b);
bool h3_quic_closed(const h3_quic *b); /* QUIC_EV_CLOSED seen */

typedef struct h3_quic_stats {
    uint64_t stream_bytes_out, stream_bytes_in;
    uint64_t write_blocked;   /* QUIC took fewer bytes than h3 offered */
    uint64_t dgrams_out, dgrams_in, dgrams_dropped_out; /* refused by QUIC */
} h3_quic_stats;
void h3_quic_get_stats(const h3_quic *b, h3_quic_stats *s);

#endif
