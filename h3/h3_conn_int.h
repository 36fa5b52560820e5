/* h3 connection internals, shared by h3_conn*.c only. */
#ifndef H3_CONN_INT_H
#define H3_CONN_INT_H

#include "base/qb_ring.h"
#include "base/qb_vec.h"
#include "h3/h3.h"

typedef enum h3_stream_kind {
    H3_SK_REQUEST = 1,   /* client-initiated bidi (§4.1) */
    H3_SK_UNI_PENDING,   /* peer uni stream whose type is not read yet (§6.2) */
    H3_SK_CONTROL_IN,    /* §6.2.1 */
    H3_SK_QPACK_ENC_IN,  /* RFC 9204 §4.2 */
    H3_SK_QPACK_DEC_IN,
    H3_SK_DISCARD_IN,    /* unknown/grease type: read and dropped (§6.2.3, §9) */
    H3_SK_CONTROL_OUT,
} h3_stream_kind;

typedef enum h3_rstate {
    H3_R_HDR = 0,  /* reading a frame header */
    H3_R_BUFFER,   /* buffering a bounded payload (HEADERS, SETTINGS, GOAWAY, ...) */
    H3_R_DATA,     /* streaming a DATA payload */
    H3_R_SKIP,     /* skipping an unknown frame's payload */
} h3_rstate;

typedef enum h3_msg_state {
    H3_M_HEADERS = 0, /* waiting for the (final) header section */
    H3_M_BODY,        /* DATA frames, then maybe trailers */
    H3_M_DONE,        /* trailers received: nothing more (§4.1) */
} h3_msg_state;

typedef struct h3_stream {
    uint64_t id;
    h3_stream_kind kind;
    /* receive side */
    h3_frame_reader fr;
    h3_rstate rstate;
    uint64_t ftype, fleft;
    qb_vec fbuf; /* a bounded frame payload being reassembled */
    h3_msg_state msg;
    bool recv_closed;
    bool settings_seen;  /* control stream */
    bool capsules;       /* DATA carries capsules (RFC 9297 §3) */
    bool ext_connect;
    bool connect_req, head_req; /* client: what we asked (RFC 9110 §8.6, §9.3.6) */
    bool cl_check;         /* the message has a Content-Length to hold DATA to */
    uint64_t cl_left;      /* content bytes still due (RFC 9114 §4.1.2) */
    h3_capsule_reader cap;
    uint8_t *capbuf;
    /* send side: queued bytes never move until consumed (issue 15) */
    qb_ring out;
    bool fin_pending, send_closed;
    uint8_t sent_sections; /* header sections sent: 1 = headers, 2 = trailers too */
} h3_stream;

typedef struct h3_ev_rec {
    h3_event_type type;
    uint64_t stream_id, id, code;
    unsigned status;
    const char *reason;
    size_t data_off, data_len;
    size_t n_fields; /* fields serialised at data_off */
} h3_ev_rec;

#define H3_CLOSED_RING 64
#define H3_DGRAM_QUEUE_MAX 128 /* queued HTTP datagrams; more are refused */
#define H3_DGRAM_QUEUE_BYTES (H3_DGRAM_QUEUE_MAX * (2 + H3_DATAGRAM_PREFIX_MAX + 0xffffu))

struct h3_conn {
    h3_config cfg;
    const qb_alloc *a;
    bool quic_dgram;
    size_t max_dgram_payload;
    uint64_t bidi_limit; /* client bidi streams QUIC allows; 0 = unknown */
    bool started;
    h3_settings local, peer;
    bool peer_settings_rx;
    bool peer_remembered; /* client 0-RTT: peer holds the remembered SETTINGS */
    /* streams */
    qb_vec streams; /* h3_stream *, unordered */
    size_t n_requests;
    uint64_t next_local_bidi, next_local_uni, max_peer_bidi_seen;
    bool any_peer_bidi;
    uint64_t closed[H3_CLOSED_RING];
    size_t n_closed, closed_pos;
    bool peer_control, peer_qenc, peer_qdec;
    qpack_encoder_stream_state qenc;
    qpack_decoder_stream_state qdec;
    bool goaway_rx, goaway_tx;
    bool max_push_id_rx;  /* server: a MAX_PUSH_ID arrived (§7.2.7) */
    uint64_t max_push_id;
    uint64_t goaway_rx_id, goaway_tx_id;
    size_t n_dgrams;
    /* outputs */
    qb_ring acts;   /* h3_action */
    qb_ring dgrams; /* byte ring of records (h3_conn_dgram.c) */
    qb_ring evs;    /* h3_ev_rec; one slot kept for the connection error */
    qb_vec evdata;  /* event payloads, at offsets kept until the queue drains */
    qb_vec pull_fields; /* h3_field, as many as the largest section pulled */
    /* Field-section work space, grown to what the sections seen needed (issue 10):
     * an idle connection holds none of it. */
    qb_vec scratch;     /* decoded literals; used as raw space, up to scratch_cap */
    size_t scratch_cap;
    qb_vec dfields;     /* h3_field, as many as the largest section decoded */
    qb_vec enc;         /* an encoded field section, up to enc_cap */
    size_t enc_cap;
    /* the latched connection error */
    int err;
    h3_conn_stats stats;
};

static inline size_t h3_conn_n_streams(const h3_conn *c)
{
    return qb_vec_len(&c->streams) / sizeof(h3_stream *);
}
static inline h3_stream *h3_conn_stream_at(const h3_conn *c, size_t i)
{
    return ((h3_stream **)qb_vec_data(&c->streams))[i];
}
/* A base/ buffer's refusal in h3's terms. */
static inline int h3_err_from_qb(int rc)
{
    return rc == QB_ERR_LIMIT ? H3_ERR_BUFFER_FULL : rc == QB_ERR_NO_MEMORY ? H3_ERR_NO_MEMORY : rc;
}

/* h3_conn.c */
h3_stream *h3_conn_find(h3_conn *c, uint64_t id);
int h3_conn_add_stream(h3_conn *c, uint64_t id, h3_stream_kind kind, h3_stream **out);
void h3_conn_remove_stream(h3_conn *c, h3_stream *s);
void h3_conn_maybe_release(h3_conn *c, h3_stream *s);
bool h3_conn_was_closed(const h3_conn *c, uint64_t id);
int h3_conn_fail(h3_conn *c, int err);
/* Hands one frame to cfg.frame_trace, if set (h3.h). */
static inline void h3_conn_trace_frame(const h3_conn *c, const h3_frame_trace *f)
{
    if (c->cfg.frame_trace)
        c->cfg.frame_trace(c->cfg.frame_trace_ud, f);
}
int h3_conn_push_action(h3_conn *c, h3_action_kind kind, uint64_t id, uint64_t code);
int h3_conn_push_event(h3_conn *c, const h3_ev_rec *ev, const uint8_t *data, size_t len);
int h3_conn_push_fields_event(h3_conn *c, h3_ev_rec *ev, const h3_field *f, size_t n);
/* QPACK-encodes a field section into c->enc; *len is its size. */
int h3_conn_encode_section(h3_conn *c, const h3_field *f, size_t n, size_t *len);
/* QPACK-decodes a field section into *fields (in c->dfields, strings in c->scratch). */
int h3_conn_decode_section(h3_conn *c, const uint8_t *p, size_t len, h3_field **fields,
                           size_t *n);
void h3_conn_reset_drained(h3_conn *c);
bool h3_stream_peer_initiated(const h3_conn *c, uint64_t id);

/* h3_conn_recv.c */
int h3_stream_recv(h3_conn *c, h3_stream *s, const uint8_t *p, size_t len, bool fin);
/* Stream error: RESET_STREAM + STOP_SENDING with code, stream forgotten. */
int h3_conn_stream_error(h3_conn *c, h3_stream *s, uint64_t code);

#endif
