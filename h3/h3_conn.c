/* h3 connection: lifecycle, stream table, and the pulled output queues (actions,
 * events). Receiving is in h3_conn_recv.c, sending in h3_conn_send.c. */
#include "h3/h3_conn_int.h"

#include <string.h>

void h3_config_default(h3_config *c, h3_role role)
{
    memset(c, 0, sizeof *c);
    c->role = role;
    c->enable_datagrams = true;
    c->enable_connect_protocol = role == H3_ROLE_SERVER;
    c->max_field_section_size = 64 * 1024;
    c->max_frame_payload = 64 * 1024;
    c->max_fields = 128;
    c->max_streams = 100;
    c->max_stream_send = 1024 * 1024;
    c->max_capsule = 65535;
    c->max_event_bytes = 4 * 1024 * 1024;
}

int h3_conn_new(const h3_config *cfg, h3_conn **out)
{
    *out = NULL;
    if (!cfg || cfg->max_fields == 0 || cfg->max_frame_payload == 0 || cfg->max_streams == 0)
        return H3_ERR_INVALID_ARG;
    const qb_alloc *a = cfg->alloc;
    h3_conn *c = qb_calloc(a, sizeof *c);
    if (!c)
        return H3_ERR_NO_MEMORY;
    c->cfg = *cfg;
    c->a = a;
    /* Decoded sections are bounded by what we advertise (RFC 9114 §4.2.2). */
    c->scratch_cap = cfg->max_field_section_size ? (size_t)cfg->max_field_section_size
                                                 : cfg->max_frame_payload;
    c->enc_cap = cfg->max_frame_payload;
    qb_vec_init(&c->scratch, a, c->scratch_cap);
    qb_vec_init(&c->enc, a, c->enc_cap);
    qb_vec_init(&c->dfields, a, cfg->max_fields * sizeof(h3_field));
    qb_vec_init(&c->pull_fields, a, cfg->max_fields * sizeof(h3_field));
    /* RFC 9000 §2.1: bit 0 = initiator (server 1), bit 1 = unidirectional. */
    c->next_local_bidi = cfg->role == H3_ROLE_CLIENT ? 0 : 1;
    c->next_local_uni = cfg->role == H3_ROLE_CLIENT ? 2 : 3;
    c->local.has_max_field_section_size = cfg->max_field_section_size != 0;
    c->local.max_field_section_size = cfg->max_field_section_size;
    c->local.h3_datagram = cfg->enable_datagrams ? 1 : 0;
    c->local.enable_connect_protocol =
        (cfg->role == H3_ROLE_SERVER && cfg->enable_connect_protocol) ? 1 : 0;
    qpack_encoder_stream_init(&c->qenc);
    qpack_decoder_stream_init(&c->qdec);
    /* Every queue starts empty and grows with use up to its limit (issue 10). The
     * peer's uni streams are bounded too: see h3_conn_add_stream. */
    qb_vec_init(&c->streams, a, (2 * cfg->max_streams + 16) * sizeof(h3_stream *));
    /* Two actions per tracked stream at most, plus discarded uni streams. */
    qb_ring_init(&c->acts, a, sizeof(h3_action), 4 * (cfg->max_streams + 16));
    qb_ring_init(&c->dgrams, a, 1, H3_DGRAM_QUEUE_BYTES);
    size_t max_evs = cfg->max_event_bytes / sizeof(h3_ev_rec);
    qb_ring_init(&c->evs, a, sizeof(h3_ev_rec), (max_evs > 64 ? max_evs : 64) + 1);
    qb_vec_init(&c->evdata, a, cfg->max_event_bytes);
    *out = c;
    return 0;
}

static void h3_stream_free(h3_conn *c, h3_stream *s)
{
    qb_vec_free(&s->fbuf);
    qb_ring_free(&s->out);
    qb_free(c->a, s->capbuf);
    qb_free(c->a, s);
}

void h3_conn_free(h3_conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < h3_conn_n_streams(c); i++)
        h3_stream_free(c, h3_conn_stream_at(c, i));
    qb_vec_free(&c->streams);
    qb_ring_free(&c->acts);
    qb_ring_free(&c->dgrams);
    qb_ring_free(&c->evs);
    qb_vec_free(&c->evdata);
    qb_vec_free(&c->pull_fields);
    qb_vec_free(&c->scratch);
    qb_vec_free(&c->dfields);
    qb_vec_free(&c->enc);
    qb_free(c->a, c);
}

void h3_conn_trim(h3_conn *c)
{
    /* The work spaces hold nothing between calls; their size is only a cache. */
    qb_vec_free(&c->scratch);
    qb_vec_free(&c->enc);
    qb_vec_free(&c->dfields);
    h3_conn_reset_drained(c);
    if (qb_ring_count(&c->evs) == 0) {
        qb_ring_shrink(&c->evs);
        qb_vec_shrink(&c->evdata);
        qb_vec_free(&c->pull_fields); /* undrained field events need it */
    }
    if (qb_ring_count(&c->acts) == 0)
        qb_ring_shrink(&c->acts);
    if (qb_ring_count(&c->dgrams) == 0)
        qb_ring_shrink(&c->dgrams);
    qb_vec_shrink(&c->streams);
    for (size_t i = 0; i < h3_conn_n_streams(c); i++) {
        h3_stream *s = h3_conn_stream_at(c, i);
        if (qb_ring_count(&s->out) == 0)
            qb_ring_shrink(&s->out);
        qb_vec_shrink(&s->fbuf); /* fits a partial frame, frees an empty one */
    }
}

void h3_conn_set_transport(h3_conn *c, bool quic_datagrams, size_t max_datagram_payload)
{
    c->quic_dgram = quic_datagrams;
    c->max_dgram_payload = max_datagram_payload;
}

void h3_conn_set_bidi_stream_limit(h3_conn *c, uint64_t max_client_bidi_streams)
{
    c->bidi_limit = max_client_bidi_streams;
}

bool h3_stream_peer_initiated(const h3_conn *c, uint64_t id)
{
    uint64_t peer_bit = c->cfg.role == H3_ROLE_CLIENT ? 1 : 0;
    return (id & 1) == peer_bit;
}

h3_stream *h3_conn_find(h3_conn *c, uint64_t id)
{
    for (size_t i = 0; i < h3_conn_n_streams(c); i++)
        if (h3_conn_stream_at(c, i)->id == id)
            return h3_conn_stream_at(c, i);
    return NULL;
}

bool h3_conn_was_closed(const h3_conn *c, uint64_t id)
{
    for (size_t i = 0; i < c->n_closed; i++)
        if (c->closed[i] == id)
            return true;
    return false;
}

int h3_conn_add_stream(h3_conn *c, uint64_t id, h3_stream_kind kind, h3_stream **out)
{
    /* Requests plus a handful of uni streams: every peer-created stream is bounded. */
    if (kind == H3_SK_REQUEST && c->n_requests >= c->cfg.max_streams)
        return H3_ERR_BUFFER_FULL;
    if (kind != H3_SK_REQUEST && h3_conn_n_streams(c) - c->n_requests >= c->cfg.max_streams + 16)
        return H3_ERR_BUFFER_FULL;
    int rc = qb_vec_reserve(&c->streams, sizeof(h3_stream *));
    if (rc < 0)
        return h3_err_from_qb(rc);
    h3_stream *s = qb_calloc(c->a, sizeof *s);
    if (!s)
        return H3_ERR_NO_MEMORY;
    s->id = id;
    s->kind = kind;
    qb_vec_init(&s->fbuf, c->a, c->cfg.max_frame_payload);
    qb_ring_init(&s->out, c->a, 1, c->cfg.max_stream_send);
    (void)qb_vec_append(&c->streams, &s, sizeof s); /* reserved above */
    if (kind == H3_SK_REQUEST)
        c->n_requests++;
    *out = s;
    return 0;
}

void h3_conn_remove_stream(h3_conn *c, h3_stream *s)
{
    size_t n = h3_conn_n_streams(c);
    h3_stream **v = (h3_stream **)qb_vec_data(&c->streams);
    for (size_t i = 0; i < n; i++) {
        if (v[i] != s)
            continue;
        v[i] = v[n - 1];
        qb_vec_truncate(&c->streams, (n - 1) * sizeof *v);
        break;
    }
    if (s->kind == H3_SK_REQUEST)
        c->n_requests--;
    /* Remember it, so late bytes or datagrams for it are dropped, not a new stream. */
    c->closed[c->closed_pos] = s->id;
    c->closed_pos = (c->closed_pos + 1) % H3_CLOSED_RING;
    if (c->n_closed < H3_CLOSED_RING)
        c->n_closed++;
    h3_stream_free(c, s);
}

void h3_conn_maybe_release(h3_conn *c, h3_stream *s)
{
    if (s->kind == H3_SK_REQUEST && s->recv_closed && s->send_closed &&
        qb_ring_count(&s->out) == 0 && !s->fin_pending)
        h3_conn_remove_stream(c, s);
}

int h3_conn_fail(h3_conn *c, int err)
{
    if (c->err)
        return c->err;
    c->err = err;
    h3_ev_rec ev = {.type = H3_EV_CONN_ERROR, .code = h3_err_to_wire(err),
                    .reason = h3_err_str(err)};
    /* The error event must get through even when the queue is full. */
    (void)h3_conn_push_event(c, &ev, NULL, 0);
    return err;
}

int h3_conn_error(const h3_conn *c, uint64_t *wire_code, const char **reason)
{
    if (wire_code)
        *wire_code = c->err ? h3_err_to_wire(c->err) : H3_NO_ERROR;
    if (reason)
        *reason = h3_err_str(c->err);
    return c->err;
}

int h3_conn_push_action(h3_conn *c, h3_action_kind kind, uint64_t id, uint64_t code)
{
    h3_action act = {.kind = kind, .stream_id = id, .code = code};
    int rc = qb_ring_push(&c->acts, &act, 1);
    return rc == QB_ERR_LIMIT ? H3_ERR_EVENTS_FULL : h3_err_from_qb(rc);
}

bool h3_conn_next_action(h3_conn *c, h3_action *a)
{
    return qb_ring_pop(&c->acts, a, 1) == 1;
}

void h3_conn_reset_drained(h3_conn *c)
{
    if (qb_ring_count(&c->evs) == 0)
        qb_vec_clear(&c->evdata);
}

/* Room for one event record and len bytes of its data; *dst is where the data goes. */
static int h3_event_reserve(h3_conn *c, const h3_ev_rec *ev, size_t len, uint8_t **dst)
{
    h3_conn_reset_drained(c);
    /* The last slot is kept so the error event gets through a full queue. */
    if (ev->type != H3_EV_CONN_ERROR && qb_ring_count(&c->evs) + 1 >= c->evs.max)
        return H3_ERR_EVENTS_FULL;
    int rc = qb_ring_reserve(&c->evs, 1);
    if (rc == 0 && len)
        rc = qb_vec_reserve(&c->evdata, len);
    if (rc < 0)
        return rc == QB_ERR_LIMIT ? H3_ERR_EVENTS_FULL : h3_err_from_qb(rc);
    *dst = len ? qb_vec_end(&c->evdata) : NULL;
    return 0;
}

/* Queues the record with the len bytes written where h3_event_reserve pointed.
 * Event data is only appended while undrained records point at it, so it is never
 * consumed or slid: offsets stay valid until the queue drains. */
static void h3_event_commit(h3_conn *c, const h3_ev_rec *ev, size_t len)
{
    h3_ev_rec r = *ev;
    r.data_off = qb_vec_len(&c->evdata);
    r.data_len = len;
    qb_vec_commit(&c->evdata, len);
    (void)qb_ring_push(&c->evs, &r, 1); /* reserved */
}

int h3_conn_push_event(h3_conn *c, const h3_ev_rec *ev, const uint8_t *data, size_t len)
{
    uint8_t *dst;
    int rc = h3_event_reserve(c, ev, len, &dst);
    if (rc < 0)
        return rc;
    if (len)
        memcpy(dst, data, len);
    h3_event_commit(c, ev, len);
    return 0;
}

/* Fields are stored as u32 name length, u32 value length, name, value. */
int h3_conn_push_fields_event(h3_conn *c, h3_ev_rec *ev, const h3_field *f, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += 8 + f[i].name_len + f[i].value_len;
    if (total > c->scratch_cap + 8 * n || n > c->cfg.max_fields)
        return H3_ERR_EVENTS_FULL;
    /* Room to hand these fields out later: h3_conn_next_event cannot fail. */
    int rc = qb_vec_reserve(&c->pull_fields, n * sizeof(h3_field));
    if (rc < 0)
        return h3_err_from_qb(rc);
    ev->n_fields = n;
    uint8_t *d;
    rc = h3_event_reserve(c, ev, total, &d);
    if (rc < 0)
        return rc;
    size_t o = 0; /* serialised straight into the event data: no staging copy */
    for (size_t i = 0; i < n; i++) {
        qb_put_u32(d + o, (uint32_t)f[i].name_len);
        qb_put_u32(d + o + 4, (uint32_t)f[i].value_len);
        o += 8;
        if (f[i].name_len)
            memcpy(d + o, f[i].name, f[i].name_len);
        o += f[i].name_len;
        if (f[i].value_len)
            memcpy(d + o, f[i].value, f[i].value_len);
        o += f[i].value_len;
    }
    h3_event_commit(c, ev, o);
    return 0;
}

int h3_conn_encode_section(h3_conn *c, const h3_field *f, size_t n, size_t *len)
{
    /* A first guess that fits most sections: every string raw plus a few bytes of
     * prefixes each (RFC 9204 §4.5); doubled on the rare miss, up to the cap. */
    size_t want = 2;
    for (size_t i = 0; i < n && want < c->enc_cap; i++)
        want += f[i].name_len + f[i].value_len + 12;
    if (want > c->enc_cap)
        want = c->enc_cap;
    for (;;) {
        int rc = qb_vec_reserve(&c->enc, want);
        if (rc < 0)
            return h3_err_from_qb(rc);
        qb_wr w;
        qb_wr_init(&w, c->enc.p, c->enc.cap);
        rc = qpack_encode_field_section(&w, f, n);
        if (rc == QPACK_ERR_NO_SPACE && c->enc.cap < c->enc_cap) {
            want = c->enc.cap > c->enc_cap / 2 ? c->enc_cap : 2 * c->enc.cap;
            continue;
        }
        if (rc < 0)
            return rc == QPACK_ERR_NO_SPACE ? H3_ERR_NO_SPACE : rc;
        *len = w.off;
        return 0;
    }
}

int h3_conn_decode_section(h3_conn *c, const uint8_t *p, size_t len, h3_field **fields,
                           size_t *n)
{
    /* Every field line takes at least one byte (RFC 9204 §4.5), so a section of
     * len bytes has fewer than len fields. */
    size_t max_fields = len < c->cfg.max_fields ? len : c->cfg.max_fields;
    int rc = qb_vec_reserve(&c->dfields, max_fields * sizeof(h3_field));
    if (rc < 0)
        return h3_err_from_qb(rc);
    *fields = (h3_field *)(void *)c->dfields.p;
    /* Literals are copied, Huffman-decoded ones at most 8/5 longer (RFC 7541
     * Appendix B: no code is shorter than 5 bits), so twice the section is enough;
     * static-table strings are not copied. */
    size_t want = len > c->scratch_cap / 2 ? c->scratch_cap : 2 * len;
    for (;;) {
        rc = qb_vec_reserve(&c->scratch, want);
        if (rc < 0)
            return h3_err_from_qb(rc);
        rc = qpack_decode_field_section(p, len, c->scratch_cap, c->scratch.p, c->scratch.cap,
                                        *fields, max_fields, n);
        if (rc == QPACK_ERR_SCRATCH_FULL && c->scratch.cap < c->scratch_cap) {
            want = c->scratch_cap; /* the guess was short: the whole allowance, once */
            continue;
        }
        return rc;
    }
}

bool h3_conn_has_events(const h3_conn *c) { return qb_ring_count(&c->evs) > 0; }

bool h3_conn_next_event(h3_conn *c, h3_event *ev)
{
    h3_conn_reset_drained(c);
    h3_ev_rec rec;
    if (qb_ring_pop(&c->evs, &rec, 1) == 0)
        return false;
    const h3_ev_rec *r = &rec;
    memset(ev, 0, sizeof *ev);
    ev->type = r->type;
    ev->stream_id = r->stream_id;
    ev->status = r->status;
    ev->id = r->id;
    ev->code = r->code;
    ev->reason = r->reason;
    if (r->data_len == 0)
        return true;
    const uint8_t *d = qb_vec_data(&c->evdata) + r->data_off;
    if (r->n_fields == 0) {
        ev->data = d;
        ev->len = r->data_len;
        return true;
    }
    size_t o = 0;
    for (size_t i = 0; i < r->n_fields; i++) {
        h3_field *f = (h3_field *)(void *)c->pull_fields.p + i;
        f->name_len = qb_get_u32(d + o);
        f->value_len = qb_get_u32(d + o + 4);
        o += 8;
        f->name = d + o;
        o += f->name_len;
        f->value = d + o;
        o += f->value_len;
    }
    ev->fields = (h3_field *)(void *)c->pull_fields.p;
    ev->n_fields = r->n_fields;
    if (ev->type == H3_EV_REQUEST) /* validated when received: fills the pointers */
        (void)h3_request_validate(ev->fields, ev->n_fields, true, &ev->req);
    return true;
}

bool h3_conn_peer_settings_received(const h3_conn *c) { return c->peer_settings_rx; }
const h3_settings *h3_conn_peer_settings(const h3_conn *c) { return &c->peer; }

bool h3_conn_datagrams_enabled(const h3_conn *c)
{
    /* RFC 9297 §2.1.1: sent and received with value 1; RFC 9221 underneath. */
    return c->local.h3_datagram && (c->peer_settings_rx || c->peer_remembered) &&
           c->peer.h3_datagram && c->quic_dgram;
}

bool h3_conn_peer_extended_connect(const h3_conn *c)
{
    return (c->peer_settings_rx || c->peer_remembered) && c->peer.enable_connect_protocol;
}

void h3_conn_get_stats(const h3_conn *c, h3_conn_stats *s) { *s = c->stats; }
