/* h3 connection: HTTP Datagrams (RFC 9297 §2.1), a Quarter Stream ID and a payload in
 * one QUIC DATAGRAM frame. A binding that can hand its transport a gather uses the
 * copy-free pair: h3_conn_datagram_prefix (send) and h3_conn_datagram_event (receive).
 * The queued pair (h3_conn_send_datagram / h3_conn_next_datagram, h3_conn_on_datagram)
 * serves a transport that needs the bytes kept in h3.
 *
 * That queue is a byte ring of records (u16 length, then the prefix and
 * payload; padded to an even size) that never wrap: a record that does not fit
 * before the end of the storage goes to its front, behind a u16 0 (the rest of
 * the storage is padding; a record's length is never 0, its prefix is at least
 * one byte). Queued bytes stay where they were written: taking one only moves
 * the head, and nothing is compacted (issue #15). They move only when the ring
 * must grow past the largest backlog so far, never in steady state. */
#include "h3/h3_conn_int.h"

#include <string.h>

size_t h3_conn_max_datagram_payload(const h3_conn *c, uint64_t stream_id)
{
    size_t oh = h3_datagram_overhead(stream_id);
    return c->max_dgram_payload > oh ? c->max_dgram_payload - oh : 0;
}

/* May an HTTP datagram of len payload bytes go on stream_id now? */
static int dgram_check(h3_conn *c, uint64_t stream_id, size_t len)
{
    if (c->err)
        return c->err;
    if (!h3_conn_datagrams_enabled(c))
        return H3_ERR_DATAGRAMS_OFF; /* RFC 9297 §2.1.1 */
    h3_stream *s = h3_conn_find(c, stream_id);
    /* RFC 9297 §2.1: on a request stream, only while its send side is open. */
    if (!s || s->kind != H3_SK_REQUEST || s->send_closed || s->fin_pending)
        return H3_ERR_BAD_STATE;
    if (len > h3_conn_max_datagram_payload(c, stream_id))
        return H3_ERR_DATAGRAM_TOO_BIG;
    return 0;
}

static size_t dgram_prefix(uint64_t stream_id, uint8_t *prefix)
{
    qb_wr w;
    qb_wr_init(&w, prefix, H3_DATAGRAM_PREFIX_MAX);
    (void)h3_datagram_encode(&w, stream_id, NULL, 0); /* a request stream: fits */
    return w.off;
}

int h3_conn_datagram_prefix(h3_conn *c, uint64_t stream_id, size_t len,
                            uint8_t prefix[H3_DATAGRAM_PREFIX_MAX], size_t *prefix_len)
{
    int rc = dgram_check(c, stream_id, len);
    if (rc < 0)
        return rc;
    *prefix_len = dgram_prefix(stream_id, prefix);
    c->stats.datagrams_sent++;
    return 0;
}

/* Room for a record of need (even) bytes, contiguous: *dst points at it. */
static int ring_room(qb_ring *r, size_t need, uint8_t **dst)
{
    void *w;
    size_t span = qb_ring_write_span(r, &w);
    if (span >= need) {
        *dst = w;
        return 0;
    }
    /* Not wrapped yet and the front has room: pad to the end, go to the front. */
    if (qb_ring_count(r) > 0 && span > 0 && r->head + r->n < r->cap && r->head >= need) {
        qb_put_u16(w, 0); /* span is even: every record and the storage are */
        qb_ring_commit(r, span);
        span = qb_ring_write_span(r, &w);
        *dst = w;
        return span >= need ? 0 : QB_ERR_LIMIT;
    }
    /* Grow: the records (without padding) into larger storage, in order. */
    qb_ring nr;
    qb_ring_init(&nr, r->a, 1, r->max);
    int rc = qb_ring_reserve(&nr, qb_ring_count(r) + need);
    if (rc != QB_OK)
        return rc;
    for (size_t i = 0; i < qb_ring_count(r);) {
        const void *p;
        size_t n = qb_ring_read_span(r, i, &p);
        size_t rec = qb_get_u16(p);
        if (rec == 0) {
            i += n; /* padding up to the end of the storage */
            continue;
        }
        rec = (2 + rec + 1) & ~(size_t)1;
        (void)qb_ring_push(&nr, p, rec); /* reserved above */
        i += rec;
    }
    qb_ring_free(r);
    *r = nr;
    span = qb_ring_write_span(r, &w);
    *dst = w;
    return span >= need ? 0 : QB_ERR_LIMIT;
}

int h3_conn_send_datagram(h3_conn *c, uint64_t stream_id, const uint8_t *p, size_t len)
{
    int rc = dgram_check(c, stream_id, len);
    if (rc < 0)
        return rc;
    if (len > 0xffff - H3_DATAGRAM_PREFIX_MAX) /* the u16 record length */
        return H3_ERR_DATAGRAM_TOO_BIG;
    if (qb_ring_count(&c->dgrams) == 0)
        c->n_dgrams = 0;
    if (c->n_dgrams >= H3_DGRAM_QUEUE_MAX)
        return H3_ERR_BUFFER_FULL;
    uint8_t pre[H3_DATAGRAM_PREFIX_MAX];
    size_t plen = dgram_prefix(stream_id, pre);
    size_t need = (2 + plen + len + 1) & ~(size_t)1;
    uint8_t *dst = NULL;
    /* Records are written whole, all or nothing, where they then stay. */
    rc = ring_room(&c->dgrams, need, &dst);
    if (rc < 0)
        return h3_err_from_qb(rc);
    qb_put_u16(dst, (uint16_t)(plen + len));
    memcpy(dst + 2, pre, plen);
    if (len)
        memcpy(dst + 2 + plen, p, len);
    qb_ring_commit(&c->dgrams, need);
    c->n_dgrams++;
    c->stats.datagrams_sent++;
    return 0;
}

bool h3_conn_next_datagram(h3_conn *c, const uint8_t **p, size_t *len)
{
    const void *v;
    size_t span = qb_ring_read_span(&c->dgrams, 0, &v);
    if (span >= 2 && qb_get_u16(v) == 0) {
        qb_ring_consume(&c->dgrams, span); /* padding: the next record is at the front */
        span = qb_ring_read_span(&c->dgrams, 0, &v);
    }
    if (span < 2) {
        qb_ring_clear(&c->dgrams);
        c->n_dgrams = 0;
        return false;
    }
    const uint8_t *d = v;
    size_t n = qb_get_u16(d);
    *p = d + 2;
    *len = n;
    /* Only the head moves: the record stays valid until the next call. */
    qb_ring_consume(&c->dgrams, (2 + n + 1) & ~(size_t)1);
    c->n_dgrams--;
    return true;
}

int h3_conn_datagram_event(h3_conn *c, const uint8_t *p, size_t len, h3_event *ev)
{
    if (c->err)
        return c->err;
    uint64_t sid;
    const uint8_t *payload;
    size_t plen;
    int rc = h3_datagram_decode(p, len, &sid, &payload, &plen);
    if (rc < 0)
        return h3_conn_fail(c, rc);
    /* RFC 9297 §2.1: a stream that the stream limit does not allow yet (SHOULD). */
    if (c->cfg.role == H3_ROLE_SERVER && c->bidi_limit && sid / 4 >= c->bidi_limit)
        return h3_conn_fail(c, H3_ERR_DATAGRAM_ID);
    h3_stream *s = c->local.h3_datagram ? h3_conn_find(c, sid) : NULL;
    /* RFC 9297 §2.1: unknown (not yet created) or receive-closed: dropped. */
    if (!s || s->kind != H3_SK_REQUEST || s->recv_closed) {
        c->stats.datagrams_dropped_unknown++;
        return 0;
    }
    memset(ev, 0, sizeof *ev);
    ev->type = H3_EV_DATAGRAM;
    ev->stream_id = sid;
    ev->data = payload; /* inside p: no copy */
    ev->len = plen;
    c->stats.datagrams_received++;
    return 1;
}

int h3_conn_on_datagram(h3_conn *c, const uint8_t *p, size_t len)
{
    if (c->err)
        return c->err;
    h3_conn_reset_drained(c);
    h3_event e;
    int rc = h3_conn_datagram_event(c, p, len, &e);
    if (rc <= 0)
        return rc;
    h3_ev_rec ev = {.type = H3_EV_DATAGRAM, .stream_id = e.stream_id};
    if (h3_conn_push_event(c, &ev, e.data, e.len) < 0) {
        c->stats.datagrams_received--;
        c->stats.datagrams_dropped_queue++; /* unreliable by design: drop, count */
    }
    return 0;
}
