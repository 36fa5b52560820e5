/*
 * QUIC streams of one connection (RFC 9000 §2-§4): the stream objects with
 * their send and receive halves, and a table from stream ID to stream. A peer
 * can only make streams below the MAX_STREAMS we sent, so the table is
 * bounded by our own limits.
 */
#ifndef QUIC_STREAM_H
#define QUIC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "quic/recvbuf.h"
#include "quic/sendbuf.h"

/* RFC 9000 §2.1: the two low bits of a stream ID. */
#define QUIC_STREAM_SERVER_BIT 0x1
#define QUIC_STREAM_UNI_BIT 0x2
static inline bool quic_stream_is_uni(uint64_t id) { return (id & QUIC_STREAM_UNI_BIT) != 0; }
static inline bool quic_stream_is_server(uint64_t id) { return (id & QUIC_STREAM_SERVER_BIT) != 0; }

/* Which part of a stream a peer's frame speaks of (RFC 9000 §3): STREAM,
 * RESET_STREAM and STREAM_DATA_BLOCKED come from the peer's sending part, so
 * we must have a receiving part; STOP_SENDING and MAX_STREAM_DATA come from
 * the peer's receiving part, so we must have a sending part. */
typedef enum quic_stream_need {
    QUIC_STREAM_NEED_RECV,
    QUIC_STREAM_NEED_SEND,
} quic_stream_need;

typedef enum quic_stream_verdict {
    QUIC_STREAM_ALLOWED = 0,
    QUIC_STREAM_WRONG_DIRECTION, /* send-only / receive-only: STREAM_STATE_ERROR */
    QUIC_STREAM_NOT_OPENED,      /* ours, never opened: STREAM_STATE_ERROR */
    QUIC_STREAM_OVER_LIMIT,      /* the peer's, beyond our MAX_STREAMS: STREAM_LIMIT_ERROR */
} quic_stream_verdict;

/* Judges a peer's frame for stream id from the ID alone (initiator and
 * direction bits) and two counts of its kind: how many streams we opened
 * (ours) and the MAX_STREAMS we sent (the peer's). Whether the stream object
 * still exists plays no part (RFC 9000 §4.6, §19.4, §19.5, §19.8, §19.10,
 * §19.13). */
quic_stream_verdict quic_stream_classify(uint64_t id, bool we_are_server, quic_stream_need need,
                                         uint64_t local_opened, uint64_t peer_limit);

typedef struct quic_stream {
    uint64_t id;
    bool has_send, has_recv;
    /* send half (RFC 9000 §3.1) */
    quic_sendbuf sb;
    uint64_t tx_max;        /* the peer's MAX_STREAM_DATA */
    bool reset_pending;     /* RESET_STREAM to send */
    bool reset_sent, reset_acked;
    uint64_t reset_code, reset_final;
    bool blocked_pending;   /* STREAM_DATA_BLOCKED to send */
    bool send_done;         /* all acked, or reset acknowledged */
    /* receive half (RFC 9000 §3.2) */
    quic_recvbuf rb;
    uint64_t rx_window;
    bool max_pending;       /* MAX_STREAM_DATA to send */
    bool stop_pending;      /* STOP_SENDING to send */
    bool stop_sent;
    uint64_t stop_code;
    bool stop_received;     /* the peer's STOP_SENDING was reported (once) */
    bool reset_received;
    uint64_t peer_reset_code;
    bool recv_done;         /* FIN read, or reset delivered */
    /* events queued for the application and not yet pulled */
    bool ev_readable, ev_writable;
    /* the application was given less room than it asked for (a WRITABLE
     * event is owed when the send buffer drains) */
    bool write_short;
    /* scheduling: streams with something to send, round robin */
    bool queued;
    struct quic_stream *next;
} quic_stream;

typedef struct quic_streams {
    quic_stream **slot; /* open addressing on the stream ID; NULL while empty */
    size_t cap, count;
    size_t max_cap;     /* the table never grows beyond (from our limits) */
    quic_stream *head, *tail; /* send queue */
    const qb_alloc *alloc;
} quic_streams;

int quic_streams_init(quic_streams *t, size_t max_streams, const qb_alloc *a);
void quic_streams_free(quic_streams *t);
quic_stream *quic_streams_find(const quic_streams *t, uint64_t id);
/* Makes the stream object; NULL when out of memory or the table is full. The
 * table grows on demand (doubling, at half full) up to max_cap and shrinks
 * (at an eighth full) as streams go. */
quic_stream *quic_streams_add(quic_streams *t, uint64_t id, bool has_send, bool has_recv,
                              size_t send_buffer, uint64_t rx_window, uint64_t tx_max);
void quic_streams_remove(quic_streams *t, quic_stream *s);
/* Puts a stream at the back of the send queue (once). */
void quic_streams_queue(quic_streams *t, quic_stream *s);
/* Takes the first stream off the send queue. */
quic_stream *quic_streams_pop(quic_streams *t);

#endif
