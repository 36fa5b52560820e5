/**
 * quince h3q: the binding that drives an HTTP/3 connection (h3/h3.h) from a quince QUIC
 * connection (quic/quic.h). It is the only module that knows both: h3/ never sees QUIC,
 * quic/ never sees HTTP/3.
 *
 * Who calls what. The application owns the socket, the clock and the quic_conn; it makes
 * one h3q_conn per quic_conn (h3q_new) and drives both with this loop:
 *
 *   for each UDP datagram received:  quic_conn_recv (a server: quic_endpoint_recv)
 *   h3q_step(b, now, &out)           QUIC timers when due, every QUIC event into h3,
 *                                    h3's output (stream bytes, resets) into QUIC
 *   while (h3q_next_event(b, &ev))   HTTP/3 events; react with h3q_get, h3q_send_*,
 *                                    h3q_close... (they write through into QUIC)
 *   while ((n = quic_conn_send(q, buf, cap, now)) > 0)  send n bytes
 *   sleep until out.deadline or the socket is readable (a server then also calls
 *   quic_endpoint_sync; when out.closed, h3q_free, then the quic_conn goes)
 *
 * Inside h3q_step:
 *   quic event (CONNECTED)   -> transport facts, h3_conn_start (control stream, SETTINGS)
 *   STREAM_READABLE          -> quic_conn_stream_read -> h3_conn_on_stream_data (with fin)
 *   STREAM_RESET / STOP      -> h3_conn_on_stream_reset / h3_conn_on_stop_sending
 *   DATAGRAM                 -> held for h3q_next_event (QUIC hands datagrams out
 *                               after every other event)
 *   h3 stream bytes          -> quic_conn_stream_write (QUIC streams opened in the
 *                               order h3 numbers them; RFC 9000 §2.1), backpressure kept
 *                               in h3 (only what QUIC took is consumed)
 *   h3 actions               -> quic_conn_stream_reset / quic_conn_stream_stop
 *   h3 connection error      -> quic_conn_close(app, wire code, reason) (RFC 9114 §8)
 * The sending calls (h3q_send_*, h3q_get, ...) put their bytes into QUIC before they
 * return (what QUIC cannot take yet waits in h3 for the next step), so the send loop
 * right after them finds everything without another step.
 *
 * Datagrams move once each way. Sending, h3 writes the Quarter Stream ID (RFC 9297
 * §2.1) and QUIC copies prefix + payload, gathered, straight into the next packet
 * when it may send now, or into its datagram queue when the packet must wait (the
 * congestion window, pacing, older datagrams); h3 keeps nothing. Receiving, QUIC copies the DATAGRAM
 * frame out of the decrypted packet into its receive queue, and the H3_EV_DATAGRAM
 * the application gets points into that queue slot, past the Quarter Stream ID.
 *
 * Lifetimes. The quic_conn must outlive its h3q_conn (h3q_free first). Pointers in an
 * h3_event from h3q_next_event (data, fields, reason; for a datagram, QUIC's queue
 * slot) stay valid until the next h3q_next_event or h3q_step call; the sending calls
 * leave them alone, so a payload can be passed straight back to h3q_send_datagram or
 * h3q_send_data. An application that steps without draining the events loses nothing:
 * the datagram waiting in QUIC's slot is then copied into h3's (bounded) event queue.
 * @file
 */
#ifndef H3Q_H3Q_H
#define H3Q_H3Q_H

#include "h3/h3.h"
#include "quic/quic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Binding error codes: the end of the h3 range (-3280..-3299). */
enum {
    H3Q_ERR_ARG = -3280,       /**< a bad argument */
    H3Q_ERR_NOMEM = -3281, /**< the allocator refused */
    H3Q_ERR_STREAM_ID = -3282, /**< QUIC opened another stream id than h3 numbered */
    H3Q_ERR_QUIC = -3283,      /**< the QUIC connection refused a call */
    H3Q_ERR_CLOSED = -3284,    /**< the QUIC connection is closed */
    H3Q_ERR_STREAM_LIMIT = -3285, /**< no QUIC stream credit now: retry after a step */
};

/** How the binding is set up: h3q_config_init(), then change what differs. */
typedef struct h3q_config {
    h3_config h3; /**< the HTTP/3 settings (h3_config_default) */
    /** Our QUIC config allowed DATAGRAM frames (max_datagram_frame_size != 0). */
    bool quic_datagrams;
    /** Server: the initial_max_streams_bidi we announced (datagram stream id check,
     * RFC 9297 §2.1); 0 = no check. */
    uint64_t initial_max_streams_bidi;
    size_t read_chunk; /**< bytes read from a QUIC stream at a time */
    /** Streams with an unfinished receive side the binding tracks at most (QUIC's
     * stream limits bound them; default 2 * (bidi + uni) + 16 of the quic_config,
     * plus h3.max_streams for our own requests). */
    size_t max_open_streams;
} h3q_config;

/** h3 defaults for role; the QUIC facts are taken from the quic_config in use (qcfg may
 * be NULL: datagrams assumed allowed, no stream id check). */
void h3q_config_init(h3q_config *c, h3_role role, const quic_config *qcfg);

/** The binding of one h3 connection to one quic_conn (opaque; h3q_new, h3q_free). */
typedef struct h3q_conn h3q_conn;

/** The binding for q (not owned; must outlive the binding). If q is already established
 * the h3 connection starts at the first step. */
int h3q_new(quic_conn *q, const h3q_config *cfg, h3q_conn **out);
/** Frees the binding and its h3 connection (not the quic_conn); NULL allowed. */
void h3q_free(h3q_conn *b);
/** Client whose QUIC connection can send 0-RTT (quic_conn_early_sendable), right
 * after h3q_new: h3 starts now with the server's SETTINGS payload remembered from
 * an earlier connection (RFC 9114 §7.2.4.2), so a request made now goes in 0-RTT
 * packets. 0 when started; H3Q_ERR_ARG when 0-RTT is not possible (h3 then starts
 * when QUIC is established, as without this call). */
int h3q_start_early(h3q_conn *b, const uint8_t *settings, size_t len);

/** What the application must know after a step. */
typedef struct h3q_step_out {
    uint64_t deadline; /**< step again by then at the latest (QUIC_NEVER: no timer) */
    bool events;       /**< h3q_next_event has HTTP/3 events or datagrams to hand out */
    bool closed;       /**< the QUIC connection is over: nothing more will happen */
} h3q_step_out;

/** Advances everything in order: quic_conn_on_deadline when due, every pending QUIC
 * event into h3, h3's output into QUIC. now is the caller's clock. out may be NULL.
 * Returns 0, or the h3 connection error / a binding error (the QUIC connection is
 * then being closed). */
int h3q_step(h3q_conn *b, uint64_t now, h3q_step_out *out);

/** The next HTTP/3 event (false: none now). See the lifetimes above. */
bool h3q_next_event(h3q_conn *b, h3_event *ev);

/** Client requests on a new client bidi stream (HEADERS, no FIN; RFC 9114 §4.1). The
 * QUIC stream is opened first: H3Q_ERR_STREAM_LIMIT when the server's MAX_STREAMS
 * does not allow another yet (retry after the next step). Requests must go through
 * these calls, not h3_conn_send_request on h3q_h3(). */
int h3q_send_request(h3q_conn *b, const h3_field *fields, size_t n, uint64_t *stream_id);
/** GET https://authority/path. */
int h3q_get(h3q_conn *b, const char *authority, const char *path, uint64_t *stream_id);
/** Classic CONNECT to authority (RFC 9114 §4.4). */
int h3q_connect(h3q_conn *b, const char *authority, uint64_t *stream_id);
/** Extended CONNECT (RFC 9220) with :protocol, https scheme, authority, path and
 * capsule-protocol: ?1 (RFC 9297 §3.4); needs the server's ENABLE_CONNECT_PROTOCOL. */
int h3q_connect_ext(h3q_conn *b, const char *protocol, const char *authority,
                    const char *path, uint64_t *stream_id);
/** Server: a response header section with :status (no FIN). */
int h3q_send_response(h3q_conn *b, uint64_t stream_id, unsigned status);
/** DATA on a request stream (fin: and end it); returns 0 or an error. The bytes are
 * copied: what QUIC cannot take now waits in h3 (bounded by h3 max_stream_send). */
int h3q_send_data(h3q_conn *b, uint64_t stream_id, const uint8_t *p, size_t len, bool fin);
/** HTTP datagram on a request stream (RFC 9297 §2.1): checked by h3 (negotiated, send
 * side open, size), then copied once, into QUIC's next packet or its datagram queue
 * (quic_conn_dgram_sendv); p is free again on return. One that QUIC refuses (queue full, too large for the path now) is dropped
 * and counted in dgrams_dropped_out, not an error: datagrams are unreliable (RFC 9221
 * §5). */
int h3q_send_datagram(h3q_conn *b, uint64_t stream_id, const uint8_t *p, size_t len);

/** Graceful shutdown: GOAWAY (RFC 9114 §5.2). */
int h3q_goaway(h3q_conn *b);
/** Closes the QUIC connection with an application code (H3_NO_ERROR for a clean close,
 * RFC 9114 §5.2) and reason. */
void h3q_close(h3q_conn *b, uint64_t code, const char *reason);

/** State. h3q_h3 is NULL until QUIC is established and the first step started h3. */
h3_conn *h3q_h3(h3q_conn *b);
quic_conn *h3q_quic(h3q_conn *b); /**< the quic_conn given to h3q_new() */
bool h3q_started(const h3q_conn *b); /**< h3 started (QUIC established, one step done) */
bool h3q_closed(const h3q_conn *b); /**< QUIC_EV_CLOSED seen */

/** Counters of the binding (h3q_get_stats()). */
typedef struct h3q_stats {
    uint64_t stream_bytes_out; /**< stream bytes h3 handed to QUIC */
    uint64_t stream_bytes_in;  /**< stream bytes read from QUIC into h3 */
    uint64_t write_blocked;   /**< QUIC took fewer bytes than h3 offered */
    uint64_t dgrams_out;         /**< HTTP datagrams QUIC took */
    uint64_t dgrams_in;          /**< HTTP datagrams received */
    uint64_t dgrams_dropped_out; /**< refused by QUIC (queue full, too large) */
} h3q_stats;
void h3q_get_stats(const h3q_conn *b, h3q_stats *s); /**< copies the counters into *s */

#ifdef __cplusplus
}
#endif

#endif
