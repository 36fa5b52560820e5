/* h3 connection, send side: the control stream and SETTINGS, requests, responses,
 * DATA, HTTP datagrams and GOAWAY, and pulling the bytes out per stream. */
#include "h3/h3_conn_int.h"

#include <string.h>

/* Queues pieces of n[0] + n[1] + ... bytes on the stream, all or nothing. The send
 * queue is a ring: bytes stay where they were written until the transport takes
 * them, and consumed space is reused without moving anything (issue 15). */
static int h3_stream_write_v(h3_stream *s, const uint8_t *const *p, const size_t *n,
                             size_t count)
{
    if (s->send_closed || s->fin_pending)
        return H3_ERR_BAD_STATE;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (n[i] > SIZE_MAX - total)
            return H3_ERR_BUFFER_FULL;
        total += n[i];
    }
    int rc = qb_ring_reserve(&s->out, total);
    if (rc < 0)
        return h3_err_from_qb(rc);
    for (size_t i = 0; i < count; i++)
        (void)qb_ring_push(&s->out, p[i], n[i]); /* reserved above */
    return 0;
}

static int h3_stream_write(h3_stream *s, const uint8_t *p, size_t n)
{
    return h3_stream_write_v(s, &p, &n, 1);
}

/* Frame header and payload, all or nothing. */
static int h3_stream_write_frame(h3_stream *s, uint64_t type, const uint8_t *p, size_t n)
{
    uint8_t hdr[16];
    qb_wr w;
    qb_wr_init(&w, hdr, sizeof hdr);
    int rc = h3_frame_header_encode(&w, type, n);
    if (rc < 0)
        return rc;
    const uint8_t *pp[2] = {hdr, p};
    size_t nn[2] = {w.off, n};
    return h3_stream_write_v(s, pp, nn, 2);
}

static h3_stream *h3_control_out(h3_conn *c)
{
    for (size_t i = 0; i < h3_conn_n_streams(c); i++)
        if (h3_conn_stream_at(c, i)->kind == H3_SK_CONTROL_OUT)
            return h3_conn_stream_at(c, i);
    return NULL;
}

int h3_conn_start(h3_conn *c)
{
    if (c->started)
        return H3_ERR_BAD_STATE;
    /* §6.2.1: stream type 0x00, then SETTINGS as the first frame. */
    uint8_t buf[1 + 16 + 5 * 16];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    (void)qb_wr_varint(&w, 0x00);
    int rc = h3_settings_frame_encode(&w, &c->local);
    if (rc < 0)
        return rc;
    h3_stream *s;
    rc = h3_conn_add_stream(c, c->next_local_uni, H3_SK_CONTROL_OUT, &s);
    if (rc < 0)
        return rc;
    c->next_local_uni += 4;
    rc = h3_stream_write(s, buf, w.off);
    if (rc < 0)
        return rc;
    /* Payload length: past the stream type, frame type and length varints. */
    size_t rest = w.off - 2;
    h3_frame_trace t = {.sent = true, .stream_id = s->id, .type = H3_FRAME_SETTINGS,
                        .length = rest - (rest - 1 <= 63 ? 1 : 2), .settings = &c->local};
    h3_conn_trace_frame(c, &t);
    c->started = true;
    return 0;
}

static int h3_headers_write(h3_conn *c, h3_stream *s, const h3_field *f, size_t n)
{
    size_t len;
    int rc = h3_conn_encode_section(c, f, n, &len);
    if (rc < 0)
        return rc;
    /* The peer's limit (§4.2.2): name + value + 32 per field. */
    if (c->peer.has_max_field_section_size) {
        uint64_t size = 0;
        for (size_t i = 0; i < n; i++)
            size += f[i].name_len + f[i].value_len + QPACK_FIELD_OVERHEAD;
        if (size > c->peer.max_field_section_size)
            return H3_ERR_SECTION_TOO_LARGE;
    }
    rc = h3_stream_write_frame(s, H3_FRAME_HEADERS, c->enc.p, len);
    if (rc == 0) {
        s->sent_sections++;
        h3_frame_trace t = {.sent = true, .stream_id = s->id, .type = H3_FRAME_HEADERS,
                            .length = len, .fields = f, .n_fields = n};
        h3_conn_trace_frame(c, &t);
    }
    return rc;
}

int h3_conn_send_request(h3_conn *c, const h3_field *fields, size_t n, uint64_t *stream_id)
{
    if (c->err)
        return c->err;
    if (c->cfg.role != H3_ROLE_CLIENT || !c->started)
        return H3_ERR_BAD_STATE;
    h3_request_head head;
    int rc = h3_request_validate(fields, n, true, &head);
    if (rc < 0)
        return rc;
    /* RFC 8441 §3 / RFC 9220: :protocol only after the server allowed it. */
    if (head.extended_connect && !h3_conn_peer_extended_connect(c))
        return H3_ERR_BAD_STATE;
    /* §5.2: no new requests at or above the GOAWAY id. */
    if (c->goaway_rx && c->next_local_bidi >= c->goaway_rx_id)
        return H3_ERR_BAD_STATE;
    h3_stream *s;
    rc = h3_conn_add_stream(c, c->next_local_bidi, H3_SK_REQUEST, &s);
    if (rc < 0)
        return rc;
    rc = h3_headers_write(c, s, fields, n);
    if (rc < 0) {
        h3_conn_remove_stream(c, s);
        return rc;
    }
    c->next_local_bidi += 4;
    s->ext_connect = head.extended_connect;
    s->capsules = head.extended_connect && head.capsule_protocol;
    s->connect_req = head.connect;
    s->head_req = head.method.len == 4 && memcmp(head.method.p, "HEAD", 4) == 0;
    *stream_id = s->id;
    return 0;
}

static h3_stream *h3_request_stream(h3_conn *c, uint64_t id)
{
    h3_stream *s = h3_conn_find(c, id);
    return (s && s->kind == H3_SK_REQUEST) ? s : NULL;
}

int h3_conn_send_headers(h3_conn *c, uint64_t stream_id, const h3_field *f, size_t n)
{
    if (c->err)
        return c->err;
    h3_stream *s = h3_request_stream(c, stream_id);
    if (!s || s->sent_sections >= 2)
        return H3_ERR_BAD_STATE;
    int rc;
    unsigned status = 200;
    if (s->sent_sections == 0) {
        if (c->cfg.role != H3_ROLE_SERVER)
            return H3_ERR_BAD_STATE;
        rc = h3_response_validate(f, n, &status);
    } else {
        rc = h3_trailers_validate(f, n);
    }
    if (rc == 0)
        rc = h3_headers_write(c, s, f, n);
    if (rc == 0 && status < 200)
        s->sent_sections = 0; /* interim (§4.1): the final response still follows */
    return rc;
}

int h3_conn_send_response(h3_conn *c, uint64_t stream_id, unsigned status,
                          const h3_field *extra, size_t n_extra)
{
    if (status < 100 || status > 999 || n_extra + 1 > c->cfg.max_fields)
        return H3_ERR_INVALID_ARG;
    char code[4] = {(char)('0' + status / 100), (char)('0' + status / 10 % 10),
                    (char)('0' + status % 10), 0};
    h3_field *f = qb_malloc(c->a, (n_extra + 1) * sizeof *f);
    if (!f)
        return H3_ERR_NO_MEMORY;
    f[0] = (h3_field){(const uint8_t *)":status", 7, (const uint8_t *)code, 3};
    if (n_extra)
        memcpy(f + 1, extra, n_extra * sizeof *f);
    int rc = h3_conn_send_headers(c, stream_id, f, n_extra + 1);
    qb_free(c->a, f);
    return rc;
}

int h3_conn_send_data(h3_conn *c, uint64_t stream_id, const uint8_t *p, size_t len, bool fin)
{
    if (c->err)
        return c->err;
    h3_stream *s = h3_request_stream(c, stream_id);
    if (!s || s->sent_sections != 1)
        return H3_ERR_BAD_STATE;
    int rc = len ? h3_stream_write_frame(s, H3_FRAME_DATA, p, len) : 0;
    if (rc == 0 && len) {
        h3_frame_trace t = {.sent = true, .stream_id = s->id, .type = H3_FRAME_DATA, .length = len};
        h3_conn_trace_frame(c, &t);
    }
    if (rc == 0 && fin)
        rc = h3_conn_send_fin(c, stream_id);
    return rc;
}

int h3_conn_send_fin(h3_conn *c, uint64_t stream_id)
{
    h3_stream *s = h3_request_stream(c, stream_id);
    if (!s || s->send_closed || s->fin_pending)
        return H3_ERR_BAD_STATE;
    s->fin_pending = true;
    return 0;
}

int h3_conn_abort_stream(h3_conn *c, uint64_t stream_id, uint64_t code)
{
    if (c->err)
        return c->err;
    h3_stream *s = h3_request_stream(c, stream_id);
    if (!s)
        return H3_ERR_BAD_STATE;
    return h3_conn_stream_error(c, s, code);
}

int h3_conn_send_datagram_capsule(h3_conn *c, uint64_t stream_id, const uint8_t *p,
                                  size_t len)
{
    if (c->err)
        return c->err;
    h3_stream *s = h3_request_stream(c, stream_id);
    if (!s || s->sent_sections != 1)
        return H3_ERR_BAD_STATE;
    /* RFC 9297 §3.5: DATAGRAM capsule (type 0x00) inside DATA (§3.2). */
    uint8_t hdr[16];
    qb_wr w;
    qb_wr_init(&w, hdr, sizeof hdr);
    if (qb_wr_varint(&w, H3_CAPSULE_DATAGRAM) != QB_OK || qb_wr_varint(&w, len) != QB_OK)
        return H3_ERR_INVALID_ARG;
    uint8_t fh[16];
    qb_wr fw;
    qb_wr_init(&fw, fh, sizeof fh);
    int rc = h3_frame_header_encode(&fw, H3_FRAME_DATA, w.off + len);
    if (rc < 0)
        return rc;
    const uint8_t *pp[3] = {fh, hdr, p};
    size_t nn[3] = {fw.off, w.off, len};
    rc = h3_stream_write_v(s, pp, nn, 3);
    if (rc == 0) {
        h3_frame_trace t = {.sent = true, .stream_id = s->id, .type = H3_FRAME_DATA,
                            .length = w.off + len};
        h3_conn_trace_frame(c, &t);
    }
    return rc;
}

int h3_conn_send_goaway(h3_conn *c)
{
    if (c->err)
        return c->err;
    h3_stream *ctl = h3_control_out(c);
    if (!ctl)
        return H3_ERR_BAD_STATE;
    /* §5.2: a server names the first client bidi stream it will not process; a
     * client names a push ID (0: we allow none). Never increasing. */
    uint64_t id = 0;
    if (c->cfg.role == H3_ROLE_SERVER && c->any_peer_bidi)
        id = c->max_peer_bidi_seen + 4;
    if (c->goaway_tx && id > c->goaway_tx_id)
        id = c->goaway_tx_id;
    uint8_t buf[16];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    h3_frame f = {.type = H3_FRAME_GOAWAY, .id = id};
    int rc = h3_frame_encode(&w, &f);
    if (rc == 0)
        rc = h3_stream_write(ctl, buf, w.off);
    if (rc == 0) {
        h3_frame_trace t = {.sent = true, .stream_id = ctl->id, .type = H3_FRAME_GOAWAY,
                            .length = qb_varint_len(id), .id = id};
        h3_conn_trace_frame(c, &t);
        c->goaway_tx = true;
        c->goaway_tx_id = id;
    }
    return rc;
}

bool h3_conn_peek_stream(h3_conn *c, h3_stream_out *out)
{
    for (size_t i = 0; i < h3_conn_n_streams(c); i++) {
        h3_stream *s = h3_conn_stream_at(c, i);
        size_t queued = qb_ring_count(&s->out);
        if (queued > 0 || s->fin_pending) {
            /* The first contiguous run of the ring; the rest follows once it is
             * consumed. FIN goes with the run that ends the queue. */
            const void *p;
            size_t run = qb_ring_read_span(&s->out, 0, &p);
            out->stream_id = s->id;
            out->p = run ? p : (const uint8_t *)"";
            out->len = run;
            out->fin = s->fin_pending && run == queued;
            return true;
        }
    }
    return false;
}

void h3_conn_consume_stream(h3_conn *c, uint64_t stream_id, size_t n)
{
    h3_stream *s = h3_conn_find(c, stream_id);
    if (!s)
        return;
    qb_ring_consume(&s->out, n);
    if (qb_ring_count(&s->out) == 0 && s->fin_pending) {
        s->fin_pending = false;
        s->send_closed = true;
        h3_conn_maybe_release(c, s);
    }
}
