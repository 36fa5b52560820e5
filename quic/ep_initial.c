/* Stateless Initial checks and refusals of the server endpoint (ep_initial.h). */
#include "quic/ep_initial.h"

#include "crypto/cx_initial.h"
#include "quic/frame.h"
#include "quic/pn.h"
#include "quic/protect.h"
#include "quic/quic_err.h"

#include <string.h>

#define TAG_LEN 16
#define STACK_COPY 1600
/* A ClientHello body has at least legacy_version, random, session id length,
 * one cipher suite with its length, compression methods and an extensions
 * length (RFC 8446 §4.1.2): 2 + 32 + 1 + 4 + 2 + 2. In QUIC it is at most
 * what a TLS stack takes in one message (quince: 64 KiB). */
#define HELLO_MIN 43
#define HELLO_MAX 65536

/* The Initial keys of one direction only (RFC 9001 §5.2), in the endpoint's
 * scratch contexts: the other half of the derivation is not worth doing for
 * every stranger's datagram, and neither is an allocation. */
static int keys_for(cx_initial *s, uint32_t version, const uint8_t *dcid, size_t dcid_len,
                    bool client, quic_pkt_keys *k)
{
    if (cx_initial_rekey(s, version, dcid, dcid_len, client) != CX_OK)
        return -1;
    k->aead = cx_initial_aead(s);
    k->hp = cx_initial_hp(s);
    return 0;
}

/* RFC 8446 §4: msg_type (1 = client_hello) and a 3-byte length. */
static int judge_frames(const uint8_t *p, size_t len)
{
    qb_rd r;
    qb_rd_init(&r, p, len);
    while (qb_rd_left(&r)) {
        quic_frame f;
        if (quic_frame_decode(&r, &f) != 0 || !quic_frame_allowed(f.type, QUIC_PKT_INITIAL))
            return QUIC_EP_NOT_HELLO;
        if (f.type != QUIC_FT_CRYPTO || f.crypto.offset != 0)
            continue;
        if (f.crypto.len < 4 || f.crypto.data[0] != 1)
            return QUIC_EP_NOT_HELLO;
        uint32_t body = ((uint32_t)f.crypto.data[1] << 16) | ((uint32_t)f.crypto.data[2] << 8) |
                        f.crypto.data[3];
        return body >= HELLO_MIN && body <= HELLO_MAX ? QUIC_EP_HELLO : QUIC_EP_NOT_HELLO;
    }
    return QUIC_EP_NOT_HELLO;
}

int quic_ep_initial_check(cx_initial *s, const qb_alloc *a, const quic_pkt_hdr *h)
{
    if (h->type != QUIC_PKT_INITIAL || h->pkt_len <= h->pn_offset)
        return QUIC_EP_UNDECRYPTABLE;
    uint8_t stack[STACK_COPY];
    uint8_t *copy = h->pkt_len <= sizeof stack ? stack : qb_malloc(a, h->pkt_len);
    if (!copy)
        return QUIC_EP_UNDECRYPTABLE;
    memcpy(copy, h->pkt, h->pkt_len);
    int verdict = QUIC_EP_UNDECRYPTABLE;
    quic_pkt_keys k;
    if (keys_for(s, h->version, h->dcid, h->dcid_len, true, &k) == 0) {
        quic_pkt_clear clr;
        /* A client's first packet: nothing received yet in its space. */
        if (quic_pkt_unprotect(&k, copy, h->pkt_len, h->pn_offset, QUIC_PN_NONE, &clr) == 0)
            verdict = judge_frames(copy + clr.payload_offset, clr.payload_len);
    }
    if (copy != stack)
        qb_free(a, copy);
    return verdict;
}

size_t quic_ep_close_write(cx_initial *s, uint8_t *buf, size_t cap, uint32_t version,
                           const uint8_t *dcid, size_t dcid_len, const uint8_t *scid,
                           size_t scid_len, const uint8_t *scid_ours, size_t scid_ours_len,
                           uint64_t code, const char *reason, size_t pad_to)
{
    quic_pkt_keys k;
    if (keys_for(s, version, dcid, dcid_len, false, &k) != 0)
        return 0;
    size_t out = 0;
    qb_wr w;
    qb_wr_init(&w, buf, cap);
    quic_pkt_wr pw;
    /* Our first (and only) packet in the Initial space: number 0. */
    quic_pkt_long_params lp = {
        .type = QUIC_PKT_INITIAL, .version = version,
        .dcid = scid, .dcid_len = scid_len,
        .scid = scid_ours, .scid_len = scid_ours_len,
        .pn = 0, .pn_len = 1, .length_len = 2,
    };
    if (quic_pkt_long_begin(&w, &lp, &pw) != 0 || qb_wr_left(&w) < TAG_LEN + 1)
        goto done;
    size_t hdr_end = w.off;
    qb_wr pl;
    qb_wr_init(&pl, w.p + w.off, qb_wr_left(&w) - TAG_LEN);
    quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = QUIC_FT_CONNECTION_CLOSE;
    f.close.error_code = code;
    f.close.reason = (const uint8_t *)reason;
    f.close.reason_len = reason ? strlen(reason) : 0;
    if (quic_frame_encode(&pl, &f) != 0)
        goto done;
    size_t want = pl.off < quic_pkt_min_payload(pw.pn_len) ? quic_pkt_min_payload(pw.pn_len) : pl.off;
    if (pad_to && hdr_end + want + TAG_LEN < pad_to)
        want = pad_to - hdr_end - TAG_LEN;
    if (want > pl.cap)
        goto done;
    qb_wr_zeros(&pl, want - pl.off);
    w.off = hdr_end + pl.off;
    size_t pkt_len;
    if (quic_pkt_wr_finish(&w, &pw, TAG_LEN, &pkt_len) != 0 ||
        quic_pkt_protect(&k, buf, pkt_len, pw.pn_offset, pw.pn_len, 0) != 0)
        goto done;
    out = pkt_len;
done:
    return out;
}
