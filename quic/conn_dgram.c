/* QUIC connection: DATAGRAM frames for the application (RFC 9221). Outgoing
 * datagrams are copied once, gathered, into the send queue (conn_send.c packs them
 * from there); received ones are copied once, from the decrypted packet into the
 * receive queue (quic_conn_dgram_on_frame, the DATAGRAM rows' handler in
 * conn_frames.c), and handed out in place. */
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
    if (!(c->handshake_complete || early) || !(c->peer_tp_ok || early) ||
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
    /* RFC 9221 §5: unreliable; a full queue drops the newest, counted. */
    if (quic_dgram_queue_pushv(&c->dg_tx, iov, n, now) != 0) {
        c->dg_stats.drop_send_queue_full++;
        return QUIC_ERR_BLOCKED;
    }
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

void quic_conn_dgram_stats(const quic_conn *c, quic_dgram_counters *s) { *s = c->dg_stats; }
