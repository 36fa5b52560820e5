/* The stream table and send queue (stream.h). */
#include "quic/stream.h"

#include <string.h>

quic_stream_verdict quic_stream_classify(uint64_t id, bool we_are_server, quic_stream_need need,
                                         uint64_t local_opened, uint64_t peer_limit)
{
    bool local = quic_stream_is_server(id) == we_are_server;
    if (quic_stream_is_uni(id)) {
        /* RFC 9000 §2.1: a unidirectional stream has a sending part at its
         * initiator only. §19.4, §19.8, §19.13: no RESET_STREAM, STREAM or
         * STREAM_DATA_BLOCKED for our send-only streams; §19.5, §19.10: no
         * STOP_SENDING or MAX_STREAM_DATA for our receive-only streams. */
        if (local != (need == QUIC_STREAM_NEED_SEND))
            return QUIC_STREAM_WRONG_DIRECTION;
    }
    uint64_t num = id >> 2;
    if (local) /* §19.5, §19.8, §19.10: a stream of ours not yet created */
        return num >= local_opened ? QUIC_STREAM_NOT_OPENED : QUIC_STREAM_ALLOWED;
    /* §4.6: beyond the limit we sent */
    return num >= peer_limit ? QUIC_STREAM_OVER_LIMIT : QUIC_STREAM_ALLOWED;
}

static size_t slot_of(const quic_streams *t, uint64_t id)
{
    /* IDs of one kind step by 4; a multiplicative hash spreads them. */
    return (size_t)((id >> 2) * 0x9e3779b97f4a7c15ULL >> 20) & (t->cap - 1);
}

int quic_streams_init(quic_streams *t, size_t max_streams, const qb_alloc *a)
{
    memset(t, 0, sizeof *t);
    size_t cap = 16;
    while (cap < max_streams * 2)
        cap <<= 1;
    t->max_cap = cap;
    t->alloc = a;
    return 0;
}

#define STREAMS_MIN_CAP 8

/* Moves every stream into a table of ncap slots (a power of two). */
static int table_resize(quic_streams *t, size_t ncap)
{
    quic_stream **ns = NULL;
    if (ncap) {
        ns = qb_calloc(t->alloc, ncap * sizeof *ns);
        if (!ns)
            return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        quic_stream *s = t->slot[i];
        if (!s)
            continue;
        size_t j = (size_t)((s->id >> 2) * 0x9e3779b97f4a7c15ULL >> 20) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = s;
    }
    qb_free(t->alloc, t->slot);
    t->slot = ns;
    t->cap = ncap;
    return 0;
}

static void stream_free(quic_streams *t, quic_stream *s)
{
    if (s->has_send)
        quic_sendbuf_free(&s->sb);
    if (s->has_recv)
        quic_recvbuf_free(&s->rb);
    qb_free(t->alloc, s);
}

void quic_streams_free(quic_streams *t)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot && t->slot[i])
            stream_free(t, t->slot[i]);
    qb_free(t->alloc, t->slot);
    memset(t, 0, sizeof *t);
}

quic_stream *quic_streams_find(const quic_streams *t, uint64_t id)
{
    for (size_t i = slot_of(t, id), n = 0; n < t->cap; i = (i + 1) & (t->cap - 1), n++) {
        quic_stream *s = t->slot[i];
        if (!s)
            return NULL;
        if (s->id == id)
            return s;
    }
    return NULL;
}

quic_stream *quic_streams_add(quic_streams *t, uint64_t id, bool has_send, bool has_recv,
                              size_t send_buffer, uint64_t rx_window, uint64_t tx_max)
{
    if ((t->count + 1) * 2 > t->cap) {
        if (t->cap >= t->max_cap)
            return NULL; /* the caller's limits keep us below half full */
        if (table_resize(t, t->cap ? t->cap * 2 : STREAMS_MIN_CAP) != 0)
            return NULL;
    }
    quic_stream *s = qb_calloc(t->alloc, sizeof *s);
    if (!s)
        return NULL;
    s->id = id;
    s->has_send = has_send;
    s->has_recv = has_recv;
    s->tx_max = tx_max;
    s->rx_window = rx_window;
    if (has_send)
        quic_sendbuf_init(&s->sb, send_buffer, t->alloc);
    if (has_recv && quic_recvbuf_init(&s->rb, rx_window, rx_window, t->alloc) != 0) {
        if (has_send)
            quic_sendbuf_free(&s->sb);
        qb_free(t->alloc, s);
        return NULL;
    }
    s->send_done = !has_send;
    s->recv_done = !has_recv;
    size_t i = slot_of(t, id);
    while (t->slot[i])
        i = (i + 1) & (t->cap - 1);
    t->slot[i] = s;
    t->count++;
    return s;
}

void quic_streams_remove(quic_streams *t, quic_stream *s)
{
    /* Out of the send queue first. */
    if (s->queued) {
        quic_stream **pp = &t->head, *prev = NULL;
        while (*pp && *pp != s) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        if (*pp) {
            *pp = s->next;
            if (t->tail == s)
                t->tail = prev;
        }
    }
    /* Backward-shift deletion keeps every other stream reachable. */
    size_t mask = t->cap - 1, i = slot_of(t, s->id);
    while (t->slot[i] != s)
        i = (i + 1) & mask;
    t->slot[i] = NULL;
    for (size_t j = (i + 1) & mask; t->slot[j]; j = (j + 1) & mask) {
        size_t k = slot_of(t, t->slot[j]->id);
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        t->slot[i] = t->slot[j];
        t->slot[j] = NULL;
        i = j;
    }
    t->count--;
    stream_free(t, s);
    /* Shrink at an eighth full, so one stream more or less does not flip it. */
    if (t->count == 0)
        (void)table_resize(t, 0);
    else if (t->cap > STREAMS_MIN_CAP && t->count * 8 <= t->cap)
        (void)table_resize(t, t->cap / 2); /* a failure keeps the larger table */
}

void quic_streams_queue(quic_streams *t, quic_stream *s)
{
    if (s->queued)
        return;
    s->queued = true;
    s->next = NULL;
    if (t->tail)
        t->tail->next = s;
    else
        t->head = s;
    t->tail = s;
}

quic_stream *quic_streams_pop(quic_streams *t)
{
    quic_stream *s = t->head;
    if (!s)
        return NULL;
    t->head = s->next;
    if (!t->head)
        t->tail = NULL;
    s->queued = false;
    s->next = NULL;
    return s;
}
