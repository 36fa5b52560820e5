/* h3 connection, receive side: stream bytes, resets and datagrams in (RFC 9114 §4, §6,
 * §7; RFC 9297 §2, §3). Frames may be split anywhere across deliveries; only bounded
 * payloads (HEADERS, SETTINGS, GOAWAY, ...) are buffered, DATA is streamed. */
#include "h3/h3_conn_int.h"
#include "h3/h3_frame_table.h"

#include <string.h>

int h3_conn_stream_error(h3_conn *c, h3_stream *s, uint64_t code)
{
    int rc = 0;
    if (!s->send_closed)
        rc = h3_conn_push_action(c, H3_ACTION_RESET_STREAM, s->id, code);
    if (rc == 0 && !s->recv_closed)
        rc = h3_conn_push_action(c, H3_ACTION_STOP_SENDING, s->id, code);
    h3_conn_remove_stream(c, s);
    return rc < 0 ? h3_conn_fail(c, rc) : 0;
}

/* A stream error found while receiving (§8): the stream is aborted both ways and, when
 * the application knows the stream, it gets H3_EV_STREAM_ERROR. Returns 1 (stream gone)
 * or the connection error. */
static int h3_stream_fail(h3_conn *c, h3_stream *s, uint64_t code)
{
    if (c->cfg.role == H3_ROLE_CLIENT || s->msg != H3_M_HEADERS) {
        h3_ev_rec ev = {.type = H3_EV_STREAM_ERROR, .stream_id = s->id, .code = code};
        int rc = h3_conn_push_event(c, &ev, NULL, 0);
        if (rc < 0)
            return rc;
    }
    return h3_conn_stream_error(c, s, code) < 0 ? c->err : 1;
}

/* Which frames may arrive where: the frame table (RFC 9114 §7.2 Table 1) plus the
 * rules that depend on what came before: SETTINGS first and only once on the
 * control stream (§6.2.1, §7.2.4), the order of a message on a request stream
 * (§4.1). Returns 0 or the error. */
static int h3_frame_check(const h3_conn *c, const h3_stream *s, uint64_t type)
{
    const h3_frame_row *row = h3_frame_row_get(type);
    bool first = row && (row->flags & H3_FRF_FIRST);
    if (row && (row->flags & H3_FRF_H2))
        return H3_ERR_FRAME_H2; /* §7.2.8: on any stream, first frame or not */
    if (s->kind == H3_SK_CONTROL_IN) {
        if (!s->settings_seen)
            return first ? 0 : H3_ERR_MISSING_SETTINGS;
        if (first)
            return H3_ERR_SETTINGS_TWICE;
        return h3_frame_allowed(type, H3_FS_CONTROL, c->cfg.role);
    }
    /* request stream */
    int rc = h3_frame_allowed(type, H3_FS_REQUEST, c->cfg.role);
    if (rc < 0)
        return rc;
    if (type == H3_FRAME_DATA)
        return s->msg == H3_M_BODY ? 0 : H3_ERR_MSG_DATA; /* §4.1 */
    if (type == H3_FRAME_HEADERS)
        return s->msg == H3_M_DONE ? H3_ERR_MSG_DATA : 0;
    return 0;
}

static int h3_on_settings(h3_conn *c, uint64_t stream_id, const uint8_t *p, size_t len)
{
    h3_settings st;
    int rc = h3_settings_decode(p, len, &st);
    if (rc < 0)
        return rc;
    /* RFC 9297 §2.1.1 with RFC 9221: H3_DATAGRAM needs QUIC datagram support. */
    if (st.h3_datagram && !c->quic_dgram)
        return H3_ERR_SETTINGS_NO_QUIC_DGRAM;
    /* RFC 9114 §7.2.4.2: after accepted 0-RTT, nothing the client relied on
     * may be omitted or lowered. */
    const h3_settings *was = &c->peer;
    if (c->peer_remembered && !c->peer_settings_rx &&
        (st.h3_datagram < was->h3_datagram || st.enable_connect_protocol < was->enable_connect_protocol ||
         st.qpack_max_table_capacity < was->qpack_max_table_capacity ||
         st.qpack_blocked_streams < was->qpack_blocked_streams ||
         (was->has_max_field_section_size &&
          (!st.has_max_field_section_size || st.max_field_section_size < was->max_field_section_size))))
        return H3_ERR_SETTINGS_LOWERED;
    c->peer = st;
    c->peer_settings_rx = true;
    h3_frame_trace t = {.stream_id = stream_id, .type = H3_FRAME_SETTINGS,
                        .length = len, .settings = &st};
    h3_conn_trace_frame(c, &t);
    h3_ev_rec ev = {.type = H3_EV_SETTINGS};
    return h3_conn_push_event(c, &ev, NULL, 0);
}

void h3_conn_forget_remembered_settings(h3_conn *c) { c->peer_remembered = false; }

int h3_conn_remember_peer_settings(h3_conn *c, const uint8_t *p, size_t len)
{
    h3_settings st;
    int rc = h3_settings_decode(p, len, &st);
    if (rc < 0)
        return rc;
    /* RFC 9297 §2.1.1: only over QUIC datagrams the remembered limits allow */
    if (!c->quic_dgram)
        st.h3_datagram = false;
    c->peer = st;
    c->peer_remembered = true; /* the real SETTINGS replace them when they come */
    h3_ev_rec ev = {.type = H3_EV_SETTINGS};
    return h3_conn_push_event(c, &ev, NULL, 0);
}

static int h3_on_control_frame(h3_conn *c, h3_stream *s, const uint8_t *p, size_t len)
{
    h3_frame f;
    int rc = h3_frame_payload_decode(s->ftype, p, len, &f);
    if (rc < 0)
        return rc;
    if (s->ftype != H3_FRAME_SETTINGS) {
        h3_frame_trace t = {.stream_id = s->id, .type = s->ftype, .length = len, .id = f.id};
        h3_conn_trace_frame(c, &t);
    }
    switch (s->ftype) {
    case H3_FRAME_SETTINGS:
        s->settings_seen = true;
        return h3_on_settings(c, s->id, p, len);
    case H3_FRAME_GOAWAY:
        /* §5.2: a stream ID (client bidi) from a server, a push ID from a client;
         * never larger than a previous one. */
        if (c->cfg.role == H3_ROLE_CLIENT && (f.id & 3) != 0)
            return H3_ERR_GOAWAY_ID;
        if (c->goaway_rx && f.id > c->goaway_rx_id)
            return H3_ERR_GOAWAY_ID;
        c->goaway_rx = true;
        c->goaway_rx_id = f.id;
        {
            h3_ev_rec ev = {.type = H3_EV_GOAWAY, .id = f.id};
            rc = h3_conn_push_event(c, &ev, NULL, 0);
        }
        /* §5.2: our requests at or above the id were not and will not be processed:
         * the application may retry them elsewhere. */
        for (size_t i = 0; rc == 0 && c->cfg.role == H3_ROLE_CLIENT && i < h3_conn_n_streams(c);) {
            h3_stream *r = h3_conn_stream_at(c, i);
            if (r->kind != H3_SK_REQUEST || r->id < f.id) {
                i++;
                continue;
            }
            h3_ev_rec ev = {.type = H3_EV_STREAM_ERROR, .stream_id = r->id,
                            .code = H3_REQUEST_REJECTED};
            rc = h3_conn_push_event(c, &ev, NULL, 0);
            if (rc == 0)
                rc = h3_conn_stream_error(c, r, H3_REQUEST_CANCELLED); /* swaps in the last */
        }
        return rc;
    case H3_FRAME_CANCEL_PUSH:
        /* §7.2.3: a client never sent MAX_PUSH_ID, so every push ID is above the
         * maximum; a server never promised a push, so no push ID was mentioned by a
         * PUSH_PROMISE. Both are H3_ID_ERROR. */
        return c->cfg.role == H3_ROLE_CLIENT ? H3_ERR_CANCEL_PUSH_ID
                                             : H3_ERR_CANCEL_PUSH_UNPROMISED;
    case H3_FRAME_MAX_PUSH_ID:
        /* A server (h3_frame_check refuses it at a client): we never push, but the
         * maximum may only grow (§7.2.7). */
        if (c->max_push_id_rx && f.id < c->max_push_id)
            return H3_ERR_MAX_PUSH_ID_DECREASED;
        c->max_push_id_rx = true;
        c->max_push_id = f.id;
        return 0;
    default:
        return 0;
    }
}

/* RFC 9114 §4.1.2, RFC 9110 §8.6: a message with a Content-Length must carry exactly
 * that much content in its DATA frames; counted only when `counted`. Returns 0 or
 * H3_ERR_MSG_CONTENT_LENGTH for an invalid value. */
static int h3_content_length_arm(h3_stream *s, const h3_field *f, size_t n, bool counted)
{
    bool present;
    uint64_t len;
    int rc = h3_content_length_parse(f, n, &present, &len);
    if (rc < 0)
        return rc;
    s->cl_check = present && counted;
    s->cl_left = len;
    return 0;
}

/* A complete HEADERS frame on a request stream. */
static int h3_on_headers(h3_conn *c, h3_stream *s, const uint8_t *p, size_t len)
{
    size_t n = 0;
    h3_field *df;
    int rc = h3_conn_decode_section(c, p, len, &df, &n);
    if (rc == QPACK_ERR_SECTION_TOO_LARGE || rc == QPACK_ERR_SCRATCH_FULL ||
        rc == QPACK_ERR_TOO_MANY_FIELDS)
        /* Our limit, not a broken peer: refuse only this message (§4.2.2); with no
         * dynamic table, abandoning a section leaves no QPACK state behind. */
        return h3_stream_fail(c, s, H3_EXCESSIVE_LOAD);
    if (rc < 0)
        return rc; /* QPACK_DECOMPRESSION_FAILED: a connection error (RFC 9204 §2.2) */
    h3_frame_trace t = {.stream_id = s->id, .type = H3_FRAME_HEADERS, .length = len,
                        .fields = df, .n_fields = n};
    h3_conn_trace_frame(c, &t);
    h3_ev_rec ev = {.stream_id = s->id};
    if (s->msg == H3_M_BODY) {
        if (h3_trailers_validate(df, n) < 0)
            return h3_stream_fail(c, s, H3_MESSAGE_ERROR);
        if (s->cl_check && s->cl_left > 0) /* §4.1.2: the content ended short */
            return h3_stream_fail(c, s, H3_MESSAGE_ERROR);
        s->msg = H3_M_DONE;
        ev.type = H3_EV_TRAILERS;
        return h3_conn_push_fields_event(c, &ev, df, n);
    }
    if (c->cfg.role == H3_ROLE_SERVER) {
        h3_request_head head;
        if (h3_request_validate(df, n, c->local.enable_connect_protocol, &head) < 0)
            return h3_stream_fail(c, s, H3_MESSAGE_ERROR); /* §4.1.2 */
        /* RFC 9110 §9.3.6: a CONNECT request has no content; its DATA is the tunnel. */
        if (!head.connect && h3_content_length_arm(s, df, n, true) < 0)
            return h3_stream_fail(c, s, H3_MESSAGE_ERROR);
        s->msg = H3_M_BODY;
        s->ext_connect = head.extended_connect;
        s->capsules = head.extended_connect && head.capsule_protocol;
        ev.type = H3_EV_REQUEST;
        return h3_conn_push_fields_event(c, &ev, df, n);
    }
    unsigned status;
    if (h3_response_validate(df, n, &status) < 0)
        return h3_stream_fail(c, s, H3_MESSAGE_ERROR);
    if (status < 200) /* §4.1: interim responses precede the final one */
        return 0;
    /* RFC 9297 §3.2: the Capsule Protocol is in use only after a 2xx, never with
     * 204, 205 or 206. */
    if (s->capsules && (status == 204 || status == 205 || status == 206))
        return h3_stream_fail(c, s, H3_MESSAGE_ERROR);
    /* RFC 9110 §9.3.6: a client ignores Content-Length in a 2xx to CONNECT (the tunnel
     * follows); §8.6: responses to HEAD, 204 and 304 never have content, whatever
     * length they state. */
    if (!(s->connect_req && status < 300) &&
        h3_content_length_arm(s, df, n,
                              !s->head_req && status != 204 && status != 304) < 0)
        return h3_stream_fail(c, s, H3_MESSAGE_ERROR);
    s->msg = H3_M_BODY;
    if (status >= 300)
        s->capsules = false;
    ev.type = H3_EV_RESPONSE;
    ev.status = status;
    return h3_conn_push_fields_event(c, &ev, df, n);
}

static int h3_on_capsule_bytes(h3_conn *c, h3_stream *s, const uint8_t *p, size_t len)
{
    if (!s->capbuf) {
        s->capbuf = qb_malloc(c->a, c->cfg.max_capsule ? c->cfg.max_capsule : 1);
        if (!s->capbuf)
            return H3_ERR_NO_MEMORY;
        h3_capsule_reader_init(&s->cap, s->capbuf, c->cfg.max_capsule);
    }
    while (len > 0) {
        size_t used;
        uint64_t type;
        const uint8_t *v;
        size_t vlen;
        int rc = h3_capsule_reader_feed(&s->cap, p, len, &used, &type, &v, &vlen);
        if (rc < 0) /* RFC 9297 §3.3: the message is malformed */
            return h3_stream_fail(c, s, h3_err_to_wire(rc));
        p += used;
        len -= used;
        if (rc == 1 && !s->recv_closed) {
            h3_ev_rec ev = {.type = H3_EV_DATAGRAM, .stream_id = s->id};
            if (h3_conn_push_event(c, &ev, v, vlen) < 0)
                c->stats.datagrams_dropped_queue++;
            else
                c->stats.datagrams_received++;
        }
    }
    return 0;
}

/* A complete buffered frame. Returns 1 when the stream was removed. */
static int h3_on_frame(h3_conn *c, h3_stream *s, const uint8_t *p, size_t len)
{
    if (s->kind == H3_SK_CONTROL_IN)
        return h3_on_control_frame(c, s, p, len);
    return h3_on_headers(c, s, p, len);
}

static int h3_uni_type(h3_conn *c, h3_stream *s, uint64_t type)
{
    switch (type) {
    case 0x00: /* control, §6.2.1 */
        if (c->peer_control)
            return H3_ERR_STREAM_CONTROL_DUP;
        c->peer_control = true;
        s->kind = H3_SK_CONTROL_IN;
        return 0;
    case 0x01: /* push, §6.2.2: a client never sent MAX_PUSH_ID; a server gets none */
        return c->cfg.role == H3_ROLE_CLIENT ? H3_ERR_PUSH_REFUSED
                                             : H3_ERR_STREAM_PUSH_FROM_CLIENT;
    case 0x02: /* QPACK encoder, RFC 9204 §4.2 */
        if (c->peer_qenc)
            return H3_ERR_STREAM_QPACK_DUP;
        c->peer_qenc = true;
        s->kind = H3_SK_QPACK_ENC_IN;
        return 0;
    case 0x03:
        if (c->peer_qdec)
            return H3_ERR_STREAM_QPACK_DEC_DUP;
        c->peer_qdec = true;
        s->kind = H3_SK_QPACK_DEC_IN;
        return 0;
    default: /* §6.2.3, §9: unknown and grease types are read and discarded */
        s->kind = H3_SK_DISCARD_IN;
        c->stats.unknown_streams++;
        return h3_conn_push_action(c, H3_ACTION_STOP_SENDING, s->id, H3_STREAM_CREATION_ERROR);
    }
}

/* Frames on a control or request stream. Returns 0, 1 (stream removed) or <0. */
static int h3_frames_recv(h3_conn *c, h3_stream *s, const uint8_t *p, size_t len)
{
    while (len > 0 || (s->rstate != H3_R_HDR && s->fleft == 0)) {
        if (s->rstate == H3_R_HDR) {
            size_t used;
            uint64_t type, flen;
            int rc = h3_frame_reader_feed(&s->fr, p, len, &used, &type, &flen);
            p += used;
            len -= used;
            if (rc == 0)
                return 0;
            rc = h3_frame_check(c, s, type);
            if (rc < 0)
                return rc;
            s->ftype = type;
            s->fleft = flen;
            if (type == H3_FRAME_DATA || !h3_frame_type_is_known(type)) {
                /* Not buffered: traced at the header (h3-events-04 §frame_parsed). */
                h3_frame_trace t = {.stream_id = s->id, .type = type, .length = flen};
                h3_conn_trace_frame(c, &t);
            }
            if (type == H3_FRAME_DATA && s->kind == H3_SK_REQUEST) {
                /* §4.1.2: content past the Content-Length is malformed; refused
                 * before any byte of the frame is delivered. */
                if (s->cl_check && flen > s->cl_left)
                    return h3_stream_fail(c, s, H3_MESSAGE_ERROR);
                s->cl_left -= s->cl_check ? flen : 0;
                s->rstate = H3_R_DATA;
            } else if (h3_frame_type_is_known(type)) {
                /* §10.5: bounded; a HEADERS frame is also bounded by our
                 * SETTINGS_MAX_FIELD_SECTION_SIZE through the decoded size. */
                if (flen > c->cfg.max_frame_payload)
                    return H3_ERR_FRAME_TOO_LARGE;
                s->rstate = H3_R_BUFFER;
                qb_vec_clear(&s->fbuf);
            } else {
                c->stats.unknown_frames++;
                s->rstate = H3_R_SKIP;
            }
            continue;
        }
        size_t take = len < s->fleft ? len : (size_t)s->fleft;
        if (s->rstate == H3_R_BUFFER) {
            int rc = qb_vec_append(&s->fbuf, p, take);
            if (rc < 0)
                return h3_err_from_qb(rc);
        } else if (s->rstate == H3_R_DATA && take > 0) {
            int rc;
            if (s->capsules) {
                rc = h3_on_capsule_bytes(c, s, p, take);
            } else {
                h3_ev_rec ev = {.type = H3_EV_DATA, .stream_id = s->id};
                rc = h3_conn_push_event(c, &ev, p, take);
            }
            if (rc != 0)
                return rc;
        }
        p += take;
        len -= take;
        s->fleft -= take;
        if (s->fleft > 0)
            return 0;
        if (s->rstate == H3_R_BUFFER) {
            s->rstate = H3_R_HDR;
            const uint8_t *fp = qb_vec_len(&s->fbuf) ? qb_vec_data(&s->fbuf) : (const uint8_t *)"";
            int rc = h3_on_frame(c, s, fp, qb_vec_len(&s->fbuf));
            if (rc != 0)
                return rc;
        }
        s->rstate = H3_R_HDR;
    }
    return 0;
}

/* §6.2.1, RFC 9204 §4.2: closing a critical stream, named in the reason. */
static int h3_closed_critical(const h3_stream *s)
{
    switch (s->kind) {
    case H3_SK_QPACK_ENC_IN: return H3_ERR_CLOSED_QPACK_ENC;
    case H3_SK_QPACK_DEC_IN: return H3_ERR_CLOSED_QPACK_DEC;
    default: return H3_ERR_CLOSED_CRITICAL;
    }
}

static int h3_stream_fin(h3_conn *c, h3_stream *s)
{
    switch (s->kind) {
    case H3_SK_CONTROL_IN: case H3_SK_QPACK_ENC_IN: case H3_SK_QPACK_DEC_IN:
        return h3_closed_critical(s);
    case H3_SK_REQUEST:
        if (s->rstate != H3_R_HDR || h3_frame_reader_partial(&s->fr))
            return H3_ERR_FRAME_INCOMPLETE; /* §7.1 */
        s->recv_closed = true; /* nothing more comes: no STOP_SENDING needed */
        if (s->msg == H3_M_HEADERS) /* §4.1.2: ended before a complete message */
            return h3_stream_fail(c, s, H3_REQUEST_INCOMPLETE);
        if (s->capsules && s->cap.buf && h3_capsule_reader_finish(&s->cap) < 0)
            return h3_stream_fail(c, s, H3_MESSAGE_ERROR);
        if (s->cl_check && s->cl_left > 0) /* §4.1.2: less content than announced */
            return h3_stream_fail(c, s, H3_MESSAGE_ERROR);
        {
            h3_ev_rec ev = {.type = H3_EV_FIN, .stream_id = s->id};
            int rc = h3_conn_push_event(c, &ev, NULL, 0);
            if (rc < 0)
                return rc;
        }
        h3_conn_maybe_release(c, s);
        return 0;
    default: /* an unfinished uni type or a discarded stream: just forget it */
        h3_conn_remove_stream(c, s);
        return 0;
    }
}

int h3_stream_recv(h3_conn *c, h3_stream *s, const uint8_t *p, size_t len, bool fin)
{
    int rc = 0;
    if (s->kind == H3_SK_UNI_PENDING && len > 0) {
        /* §6.2: the stream type is a varint; its bytes may arrive one by one. */
        size_t need = s->fr.n ? qb_varint_len_from_first(s->fr.buf[0]) : 1;
        while (len > 0 && s->fr.n < need) {
            s->fr.buf[s->fr.n++] = *p++;
            len--;
            need = qb_varint_len_from_first(s->fr.buf[0]);
        }
        if (s->fr.n == need) {
            qb_rd r;
            uint64_t type;
            qb_rd_init(&r, s->fr.buf, s->fr.n);
            (void)qb_rd_varint(&r, &type);
            s->fr.n = 0;
            rc = h3_uni_type(c, s, type);
            if (rc < 0)
                return rc;
        }
    }
    switch (s->kind) {
    case H3_SK_CONTROL_IN: case H3_SK_REQUEST:
        if (len > 0)
            rc = h3_frames_recv(c, s, p, len);
        break;
    case H3_SK_QPACK_ENC_IN:
        rc = qpack_on_encoder_stream(&c->qenc, p, len);
        break;
    case H3_SK_QPACK_DEC_IN:
        rc = qpack_on_decoder_stream(&c->qdec, p, len);
        break;
    default: /* pending or discarded: bytes dropped */
        break;
    }
    if (rc < 0)
        return rc;
    if (rc == 1) /* the stream was removed by a stream error */
        return 0;
    return fin ? h3_stream_fin(c, s) : 0;
}

int h3_conn_on_stream_data(h3_conn *c, uint64_t id, const uint8_t *p, size_t len, bool fin)
{
    if (c->err)
        return c->err;
    h3_conn_reset_drained(c);
    if (len == 0)
        p = (const uint8_t *)"";
    h3_stream *s = h3_conn_find(c, id);
    if (!s) {
        bool uni = (id & 2) != 0, peer = h3_stream_peer_initiated(c, id);
        if (h3_conn_was_closed(c, id))
            return 0; /* late bytes for a stream we are done with */
        if (!uni && (id & 1)) /* §6.1: servers open no bidirectional streams */
            return h3_conn_fail(c, peer ? H3_ERR_STREAM_SERVER_BIDI : H3_ERR_STREAM_NOT_OPENED);
        if (!peer)
            return h3_conn_fail(c, H3_ERR_STREAM_NOT_OPENED); /* ours, and not open */
        int rc = h3_conn_add_stream(c, id, uni ? H3_SK_UNI_PENDING : H3_SK_REQUEST, &s);
        if (rc == H3_ERR_BUFFER_FULL && !uni) {
            /* Over our request limit (which QUIC's MAX_STREAMS should prevent). */
            c->closed[c->closed_pos] = id;
            c->closed_pos = (c->closed_pos + 1) % H3_CLOSED_RING;
            if (c->n_closed < H3_CLOSED_RING)
                c->n_closed++;
            rc = h3_conn_push_action(c, H3_ACTION_STOP_SENDING, id, H3_REQUEST_REJECTED);
            if (rc == 0)
                rc = h3_conn_push_action(c, H3_ACTION_RESET_STREAM, id, H3_REQUEST_REJECTED);
            return rc < 0 ? h3_conn_fail(c, rc) : 0;
        }
        if (rc == H3_ERR_BUFFER_FULL)
            return h3_conn_fail(c, H3_ERR_UNI_STREAMS_TOO_MANY); /* §10.5 */
        if (rc < 0)
            return h3_conn_fail(c, rc);
        if (!uni) {
            if (!c->any_peer_bidi || id > c->max_peer_bidi_seen)
                c->max_peer_bidi_seen = id;
            c->any_peer_bidi = true;
        }
    } else if (s->kind == H3_SK_CONTROL_OUT) {
        return h3_conn_fail(c, H3_ERR_STREAM_STATE);
    } else if (s->kind == H3_SK_REQUEST && s->recv_closed) {
        return h3_conn_fail(c, H3_ERR_STREAM_ENDED);
    }
    int rc = h3_stream_recv(c, s, p, len, fin);
    return rc < 0 ? h3_conn_fail(c, rc) : 0;
}

int h3_conn_on_stream_reset(h3_conn *c, uint64_t id, uint64_t app_error)
{
    if (c->err)
        return c->err;
    h3_conn_reset_drained(c);
    h3_stream *s = h3_conn_find(c, id);
    if (!s)
        return 0;
    switch (s->kind) {
    case H3_SK_CONTROL_IN: case H3_SK_QPACK_ENC_IN: case H3_SK_QPACK_DEC_IN:
        return h3_conn_fail(c, h3_closed_critical(s));
    case H3_SK_REQUEST: {
        s->recv_closed = true;
        h3_ev_rec ev = {.type = H3_EV_STREAM_RESET, .stream_id = id, .code = app_error};
        int rc = h3_conn_push_event(c, &ev, NULL, 0);
        if (rc < 0)
            return h3_conn_fail(c, rc);
        h3_conn_maybe_release(c, s);
        return 0;
    }
    case H3_SK_CONTROL_OUT:
        return 0;
    default:
        h3_conn_remove_stream(c, s);
        return 0;
    }
}

int h3_conn_on_stop_sending(h3_conn *c, uint64_t id, uint64_t app_error)
{
    if (c->err)
        return c->err;
    h3_conn_reset_drained(c);
    h3_stream *s = h3_conn_find(c, id);
    if (!s)
        return 0;
    if (s->kind == H3_SK_CONTROL_OUT)
        return h3_conn_fail(c, H3_ERR_CONTROL_STOPPED); /* §6.2.1 */
    if (s->kind != H3_SK_REQUEST || s->send_closed)
        return 0;
    /* RFC 9000 §3.5: answer with RESET_STREAM; what was buffered is abandoned. */
    int rc = h3_conn_push_action(c, H3_ACTION_RESET_STREAM, id, app_error);
    if (rc < 0)
        return h3_conn_fail(c, rc);
    s->send_closed = true;
    s->fin_pending = false;
    qb_ring_clear(&s->out);
    h3_conn_maybe_release(c, s);
    return 0;
}
