/* What a lost packet's frames mean (RFC 9000 §13.3): each item the sent
 * log recorded for the packet is queued to be sent again, or dropped where
 * the RFC says it needs no repair. Below conn_send.c and conn_early.c, which
 * both declare packets lost, and above only pure parts. */
#include "quic/conn_int.h"

void quic_crypto_send_lost(quic_crypto_send *cs, uint64_t off, uint64_t len)
{
    if (!cs->buf || len == 0)
        return;
    if (cs->n_lost == QUIC_CRYPTO_LOST_MAX) {
        /* Too many holes: resend one span covering them all (bounded state). */
        uint64_t lo = off, hi = off + len;
        for (size_t i = 0; i < cs->n_lost; i++) {
            if (cs->lost[i].off < lo)
                lo = cs->lost[i].off;
            if (cs->lost[i].off + cs->lost[i].len > hi)
                hi = cs->lost[i].off + cs->lost[i].len;
        }
        cs->lost[0].off = lo;
        cs->lost[0].len = hi - lo;
        cs->n_lost = 1;
        return;
    }
    cs->lost[cs->n_lost].off = off;
    cs->lost[cs->n_lost].len = len;
    cs->n_lost++;
}

void quic_conn_on_lost_items(quic_conn *c, uint64_t handle)
{
    size_t n = quic_sentlog_count(&c->log, handle);
    for (size_t i = 0; i < n; i++) {
        quic_sent_item *it = quic_sentlog_item(&c->log, handle, i);
        quic_stream *s = NULL;
        switch (it->kind) {
        case QUIC_SI_CRYPTO:
            if (it->id < QUIC_LEVELS && !c->sp[it->id].discarded)
                quic_crypto_send_lost(&c->sp[it->id].crypto_tx, it->off, it->len);
            break;
        case QUIC_SI_STREAM:
            if ((s = quic_streams_find(&c->streams, it->id)) && s->has_send && !s->reset_sent) {
                quic_sendbuf_on_lost(&s->sb, it->off, it->len, it->fin);
                quic_streams_queue(&c->streams, s);
            }
            break;
        case QUIC_SI_RESET_STREAM:
            if ((s = quic_streams_find(&c->streams, it->id)) && !s->reset_acked) {
                s->reset_pending = true;
                quic_streams_queue(&c->streams, s);
            }
            break;
        case QUIC_SI_STOP_SENDING:
            if ((s = quic_streams_find(&c->streams, it->id)) && !s->recv_done) {
                s->stop_pending = true;
                quic_streams_queue(&c->streams, s);
            }
            break;
        case QUIC_SI_MAX_STREAM_DATA:
            if ((s = quic_streams_find(&c->streams, it->id)) && !s->recv_done &&
                !quic_recvbuf_all_received(&s->rb)) {
                s->max_pending = true;
                quic_streams_queue(&c->streams, s);
            }
            break;
        case QUIC_SI_STREAM_DATA_BLOCKED:
            if ((s = quic_streams_find(&c->streams, it->id)))
                s->blocked_pending = false; /* may be sent again */
            break;
        case QUIC_SI_MAX_DATA: c->pend.max_data = true; break;
        case QUIC_SI_MAX_STREAMS_BIDI: c->pend.max_streams_bidi = true; break;
        case QUIC_SI_MAX_STREAMS_UNI: c->pend.max_streams_uni = true; break;
        case QUIC_SI_HANDSHAKE_DONE: c->pend.handshake_done = true; break;
        case QUIC_SI_NEW_TOKEN: c->pend.new_token = c->new_token != NULL; break;
        case QUIC_SI_NEW_CONNECTION_ID:
            for (size_t k = 0; k < QUIC_CID_SLOTS; k++)
                if (c->lcids.slot[k].active && c->lcids.slot[k].seq == it->id)
                    c->lcids.slot[k].announce = true;
            break;
        case QUIC_SI_RETIRE_CONNECTION_ID:
            quic_peer_cids_requeue_retire(&c->pcids, it->id);
            break;
        default:
            break; /* DATA_BLOCKED/STREAMS_BLOCKED: sent again if still blocked */
        }
    }
}
