/* QUIC connection IDs of a connection (RFC 9000 §5.1): issuing ours to the
 * peer, and acting on its NEW_CONNECTION_ID and RETIRE_CONNECTION_ID frames.
 * The CID sets themselves are the pure part quic/cid.c. */
#include "quic/conn_int.h"

/* More CIDs for the peer to move to (RFC 9000 §5.1.1); quic-go switches to
 * a new one right after the handshake. */
void quic_conn_issue_cids(quic_conn *c)
{
    uint64_t limit = c->peer_tp_ok ? c->peer_tp.active_connection_id_limit : 2;
    if (limit > 4)
        limit = 4;
    size_t want = quic_local_cids_wanted(&c->lcids, limit);
    size_t len = c->lcids.slot[0].cid.len;
    for (size_t i = 0; i < want; i++) {
        uint8_t b[QUIC_CID_MAX_LEN], token[QUIC_RESET_TOKEN_LEN];
        quic_cid cid;
        if (quic_conn_random(c, b, len) != 0)
            return;
        quic_cid_set(&cid, b, len);
        if (quic_reset_token(c->cfg.static_key, &cid, token) != 0 ||
            quic_local_cids_add(&c->lcids, &cid, token, true) < 0)
            return;
    }
}

/* NEW_CONNECTION_ID (RFC 9000 §19.15): a CID of the peer's to move to. */
int quic_conn_on_new_cid(quic_conn *c, const quic_frame *f)
{
    quic_cid cid;
    quic_cid_set(&cid, f->new_cid.cid, f->new_cid.cid_len);
    int rc = quic_peer_cids_on_new(&c->pcids, f->new_cid.seq, f->new_cid.retire_prior_to, &cid,
                                   f->new_cid.reset_token);
    if (rc == QUIC_CID_ERR_LIMIT || rc == QUIC_CID_ERR_RETIRE_BACKLOG)
        return quic_conn_fail(c, QUIC_CONNECTION_ID_LIMIT_ERROR, f->type, "too many connection IDs");
    if (rc != 0)
        return quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, f->type, "bad NEW_CONNECTION_ID");
    return 0;
}

/* RETIRE_CONNECTION_ID (RFC 9000 §19.16): one of ours the peer is done with. */
int quic_conn_on_retire_cid(quic_conn *c, const quic_frame *f)
{
    int rc = quic_local_cids_retire(&c->lcids, f->retire_cid.seq, NULL);
    if (rc != 0)
        return quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, f->type, "bad RETIRE_CONNECTION_ID");
    /* RFC 9000 §5.1.1: a retired CID is replaced, or a peer that moves
     * (quic-go does after the handshake) runs out of CIDs to move to. Once
     * the packet is done (conn_recv.c), so a packet retiring sequence numbers
     * in turn cannot make us mint a CID per frame. */
    c->cids_retired = true;
    return 0;
}
