/* The shared packet forger (forge.h). */
#include "common/forge.h"

#include "quic/conn_test.h"
#include "quic/packet.h"

#include <string.h>

#define FORGE_TAG 16 /* AEAD tag of every QUIC v1 cipher suite (RFC 9001 §5.3) */

static size_t seal_at(const forge_pkt *p, uint8_t *out, size_t cap, size_t before)
{
    qb_wr w;
    quic_pkt_wr pw;
    size_t pn_len = p->pn_len ? p->pn_len : 4, pkt_len;
    if (!p->keys.aead || !p->keys.hp)
        return 0;
    qb_wr_init(&w, out, cap);
    int rc;
    if (p->type == QUIC_PKT_1RTT) {
        rc = quic_pkt_short_begin(&w, p->dcid, p->dcid_len, p->spin, p->key_phase, p->pn, pn_len,
                                  &pw);
    } else {
        quic_pkt_long_params lp = {.type = p->type,
                                   .version = p->version ? p->version : QUIC_VERSION_1,
                                   .dcid = p->dcid, .dcid_len = p->dcid_len,
                                   .scid = p->scid, .scid_len = p->scid_len,
                                   .token = p->token, .token_len = p->token_len,
                                   .pn = p->pn, .pn_len = pn_len,
                                   .length_len = p->length_len ? p->length_len : 2};
        rc = quic_pkt_long_begin(&w, &lp, &pw);
    }
    if (rc != 0 || qb_wr_left(&w) < FORGE_TAG)
        return 0;
    w.cap -= FORGE_TAG; /* the payload ends where the tag begins */
    size_t payload_start = w.off, raw = p->raw_len;
    if (raw > qb_wr_left(&w)) {
        if (!p->clip)
            return 0;
        raw = qb_wr_left(&w);
    }
    if (raw && qb_wr_bytes(&w, p->raw, raw) != 0)
        return 0;
    for (size_t i = 0; i < p->nframes; i++)
        if (quic_frame_encode(&w, &p->frames[i]) != 0)
            return 0;
    size_t min = p->no_sample_pad ? 0 : quic_pkt_min_payload(pn_len);
    if (w.off - payload_start < min && qb_wr_zeros(&w, min - (w.off - payload_start)) != 0)
        return 0;
    if (p->pad_to && before + w.off + FORGE_TAG < p->pad_to) /* PADDING frames (§19.1) */
        if (qb_wr_zeros(&w, p->pad_to - before - w.off - FORGE_TAG) != 0)
            return 0;
    w.cap += FORGE_TAG;
    if (quic_pkt_wr_finish(&w, &pw, FORGE_TAG, &pkt_len) != 0)
        return 0;
    out[0] |= (uint8_t)(p->reserved & (p->type == QUIC_PKT_1RTT ? 0x18 : 0x0c));
    if (quic_pkt_protect(&p->keys, out, pkt_len, pw.pn_offset, pw.pn_len, p->pn) != 0)
        return 0;
    return pkt_len;
}

size_t forge_seal(const forge_pkt *p, uint8_t *out, size_t cap)
{
    return seal_at(p, out, cap, 0);
}

size_t forge_dgram_add(forge_dgram *d, const forge_pkt *p)
{
    size_t n = seal_at(p, d->b + d->len, sizeof d->b - d->len, d->len);
    d->len += n;
    return n;
}

static quic_pkt_type type_of(quic_pn_space sp)
{
    return sp == QUIC_SPACE_INITIAL     ? QUIC_PKT_INITIAL
           : sp == QUIC_SPACE_HANDSHAKE ? QUIC_PKT_HANDSHAKE
                                        : QUIC_PKT_1RTT;
}

static void set_cids(forge_pkt *p, const quic_cid *dcid, const quic_cid *scid)
{
    if (dcid) {
        p->dcid = dcid->b;
        p->dcid_len = dcid->len;
    }
    if (scid) {
        p->scid = scid->b;
        p->scid_len = scid->len;
    }
}

bool forge_as(forge_pkt *p, quic_conn *c, quic_pn_space sp)
{
    memset(p, 0, sizeof *p);
    p->type = type_of(sp);
    if (!quic_conn_test_keys(c, sp, false, &p->keys))
        return false;
    set_cids(p, quic_peer_cids_current(quic_conn_test_peer_cids(c)), quic_conn_test_first_cid(c));
    p->key_phase = quic_test_view(c).key_phase_tx;
    p->pn = quic_conn_test_take_pn(c, sp);
    return true;
}

bool forge_to(forge_pkt *p, const quic_conn *c, quic_pn_space sp)
{
    memset(p, 0, sizeof *p);
    p->type = type_of(sp);
    if (!quic_conn_test_keys(c, sp, true, &p->keys))
        return false;
    set_cids(p, quic_conn_test_first_cid(c), quic_peer_cids_current(quic_conn_test_peer_cids(c)));
    p->key_phase = quic_test_view(c).key_phase_rx;
    return true;
}
