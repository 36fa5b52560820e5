/* QUIC connection: DATAGRAM frames for the application (RFC 9221).
 *
 * Outgoing datagrams are copied once. When the connection may send now (1-RTT
 * keys, handshake confirmed, room in the congestion window, the pacer and the
 * sent-packet ring allow a packet) and no older datagram waits, the gather is
 * written as a DATAGRAM frame straight into the next packet's payload
 * (dg_pkt), which conn_send.c seals from there into the caller's datagram.
 * Otherwise it is copied into the send queue, from which conn_send.c writes it
 * into a later packet. Either way they leave in the order they were sent: a
 * datagram never goes into the open packet while older ones are queued, and the
 * open packet's go out before the queue's.
 *
 * Received ones are copied once, from the decrypted packet into the receive
 * queue (quic_conn_dgram_on_frame, the DATAGRAM rows' handler in conn_frames.c),
 * and handed out in place. */
#include "quic/conn_int.h"

#include <string.h>

/* A DATAGRAM frame (0x30 or 0x31) of frame_len bytes on the wire. */
int quic_conn_dgram_on_frame(quic_conn *c, const quic_frame *f, size_t frame_len, uint64_t now)
{
    /* RFC 9221 §3: DATAGRAM only when we announced support, and never larger
     * (type, length and payload) than what we announced. */
    if (c->cfg.max_datagram_frame_size == 0)
        return quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, f->type, "DATAGRAM frame without support");
    if (frame_len > c->cfg.max_datagram_frame_size)
        return quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, f->type, "DATAGRAM frame too large");
    c->dg_stats.received++;
    if (quic_dgram_queue_push(&c->dg_rx, f->datagram.data, f->datagram.len, now) != 0)
        c->dg_stats.drop_recv_queue_full++;
    return 0;
}

size_t quic_conn_dgram_max(const quic_conn *c)
{
    /* RFC 9221 §3: in 0-RTT, the remembered max_datagram_frame_size */
    bool early = quic_conn_early_sending(c);
    if (!(quic_conn_app_sendable(c) || early) || !(c->peer_tp_ok || early) ||
        c->peer_tp.max_datagram_frame_size == 0)
        return 0;
    /* What fits in one short-header packet: 1 flag byte, DCID, up to 4 bytes
     * of packet number, the tag; then the frame's type and length. */
    size_t pkt = c->handshake_confirmed ? quic_conn_path_mtu(c) : QUIC_MIN_INITIAL;
    size_t overhead = 1 + quic_peer_cids_current(&c->pcids)->len + 4 + 16 + 1 + 2;
    size_t room = pkt > overhead ? pkt - overhead : 0;
    uint64_t frame_max = c->peer_tp.max_datagram_frame_size;
    size_t by_peer = frame_max > 3 ? (size_t)(frame_max - 3) : 0;
    return room < by_peer ? room : by_peer;
}

/* Payload bytes a 1-RTT packet on the current path has at most: its size
 * less the short header with the longest packet number and the tag. */
static size_t dgram_pkt_room(const quic_conn *c)
{
    size_t pkt = quic_conn_path_mtu(c);
    if (pkt > c->max_udp_payload)
        pkt = (size_t)c->max_udp_payload;
    size_t overhead = 1 + quic_peer_cids_current(&c->pcids)->len + 4 + CX_AEAD_TAG_LEN;
    return pkt > overhead ? pkt - overhead : 0;
}

/* May a packet with this datagram leave now? The checks quic_conn_build makes
 * before it writes application data, without changing anything. */
static bool dgram_may_send_now(quic_conn *c, size_t room, uint64_t now)
{
    if (c->state != QUIC_CS_ESTABLISHED || !c->handshake_confirmed || !c->app_tx_ok ||
        c->sp[QUIC_SPACE_APPLICATION].discarded || (c->is_server && !c->addr_validated))
        return false;
    if (!quic_recovery_can_send(&c->rec, QUIC_SPACE_APPLICATION))
        return false;
    size_t pkt = room + 1 + quic_peer_cids_current(&c->pcids)->len + 4 + CX_AEAD_TAG_LEN;
    if (!quic_cc_can_send(&c->cc, pkt))
        return false;
    quic_pacer_rate rate = quic_cc_pacing_rate(&c->cc, quic_recovery_rtt(&c->rec)->smoothed);
    return quic_pacer_next_send_time(&c->pacer, rate, pkt, now) <= now;
}

/* The one copy straight into the next packet, when it may go now and nothing
 * older waits in the queue (that would reorder them). */
static bool dgram_pkt_add(quic_conn *c, const qb_iov *iov, size_t n, size_t len, uint64_t now)
{
    if (quic_dgram_queue_count(&c->dg_tx) > 0)
        return false;
    size_t room = dgram_pkt_room(c);
    if (quic_dgram_pkt_count(c->dg_pkt) == 0) {
        /* A packet that was allowed to leave when it was opened still is:
         * what joins it does not make it larger than the path allows. */
        if (!dgram_may_send_now(c, room, now) || quic_dgram_pkt_reserve(&c->dg_pkt, c->alloc, room) != 0)
            return false;
    }
    return quic_dgram_pkt_add(c->dg_pkt, iov, n, len, room, now);
}

uint8_t *quic_conn_dgram_pkt_take(quic_conn *c, size_t room, uint64_t now, size_t *len,
                                  size_t *cap)
{
    quic_dgram_pkt *k = c->dg_pkt;
    if (quic_dgram_pkt_count(k) == 0)
        return NULL;
    /* The age limit of queued datagrams holds for these too. */
    uint64_t max_age = c->dg_tx.cfg.max_age;
    if (max_age && now > k->oldest && now - k->oldest > max_age) {
        c->dg_stats.drop_send_expired += k->count;
        quic_dgram_pkt_clear(k);
        return NULL;
    }
    if (k->len > room) {
        /* The path shrank below them (RFC 9221 §5: dropped, counted); a
         * buffer smaller than the path only makes them wait. */
        if (k->len > dgram_pkt_room(c)) {
            c->dg_stats.drop_send_too_large += k->count;
            quic_dgram_pkt_clear(k);
        }
        return NULL;
    }
    (void)quic_dgram_pkt_reserve(&c->dg_pkt, c->alloc, room); /* e.g. a PMTU probe: room to pad */
    k = c->dg_pkt; /* it may have moved */
    *len = k->len;
    *cap = room < k->cap ? room : k->cap;
    return k->buf;
}

void quic_conn_dgram_pkt_sent(quic_conn *c)
{
    c->dg_stats.sent += c->dg_pkt->count;
    quic_dgram_pkt_clear(c->dg_pkt);
}

int quic_conn_dgram_sendv(quic_conn *c, const qb_iov *iov, size_t n, uint64_t now)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    if (!(c->peer_tp_ok || quic_conn_early_sending(c)) || c->peer_tp.max_datagram_frame_size == 0)
        return QUIC_ERR_DGRAM_OFF;
    size_t len = 0, max = quic_conn_dgram_max(c);
    for (size_t k = 0; k < n && len <= max; k++)
        len += iov[k].len > max ? max + 1 : iov[k].len;
    if (len > max) {
        c->dg_stats.drop_send_too_large++;
        return QUIC_ERR_DGRAM_SIZE;
    }
    if (dgram_pkt_add(c, iov, n, len, now))
        return 0;
    /* RFC 9221 §5: unreliable; a full queue drops the newest, counted. */
    if (quic_dgram_queue_pushv(&c->dg_tx, iov, n, now) != 0) {
        c->dg_stats.drop_send_queue_full++;
        return QUIC_ERR_BLOCKED;
    }
    c->dg_stats.queued++;
    return 0;
}

int quic_conn_dgram_send(quic_conn *c, const uint8_t *data, size_t len, uint64_t now)
{
    qb_iov v = {data, len};
    return quic_conn_dgram_sendv(c, &v, 1, now);
}

bool quic_conn_dgram_next_event(quic_conn *c, quic_event *ev)
{
    /* The one handed out last stayed in its slot until now. */
    if (c->dg_rx_held) {
        quic_dgram_queue_pop(&c->dg_rx);
        c->dg_rx_held = false;
    }
    const uint8_t *p;
    size_t n;
    if (!quic_dgram_queue_peek(&c->dg_rx, c->now, &p, &n))
        return false;
    c->dg_rx_held = true;
    memset(ev, 0, sizeof *ev);
    ev->type = QUIC_EV_DATAGRAM;
    ev->data = p; /* RFC 9221 §4: may be empty */
    ev->len = n;
    return true;
}

uint64_t quic_conn_peer_max_dgram(const quic_conn *c)
{
    return c->peer_tp_ok ? c->peer_tp.max_datagram_frame_size : 0;
}

void quic_conn_dgram_stats(const quic_conn *c, quic_dgram_counters *s)
{
    *s = c->dg_stats;
    /* The queue counts its own expiries. */
    s->drop_send_expired += quic_dgram_queue_stats(&c->dg_tx)->dropped_expired;
}
