/* The test-only view of a connection (quic/conn_test.h): reads state for
 * tests and fuzzers and offers the hooks they need to act as the peer. */
#include "quic/conn_int.h"
#include "quic/conn_test.h"

#include <string.h>

void quic_conn_test_view_get(const quic_conn *c, quic_conn_test_view *v)
{
    memset(v, 0, sizeof *v);
    v->state = (int)c->state;
    v->handshake_confirmed = c->handshake_confirmed;
    v->got_first_server_pkt = c->got_first_server_pkt;
    for (int i = 0; i < 2; i++) {
        v->keys_rx[i] = c->keys[i].rx_ok;
        v->keys_tx[i] = c->keys[i].tx_ok;
    }
    v->app_rx_ok = c->app_rx_ok;
    v->app_tx_ok = c->app_tx_ok;
    if (c->app_rx_ok || c->app_tx_ok) {
        v->key_phase_tx = c->app.tx_phase;
        v->key_phase_rx = c->app.rx_phase;
        v->key_updates = c->app.updates;
        v->app_tx_packets = c->app.tx_packets;
    }
    for (int i = 0; i < QUIC_LEVELS; i++)
        v->next_pn[i] = c->sp[i].next_pn;
    v->app_ack_ranges = quic_ackrange_count(&c->sp[QUIC_SPACE_APPLICATION].acks);
    v->tls_engine = c->tls != NULL;
    v->ecn_state = (int)c->ecn.state;
    v->pmtu = quic_pmtud_mtu(&c->pmtud);
    v->pmtu_blackholes = c->pmtud.blackholes;
    v->pmtu_searching = c->pmtud.searching;
    v->ecn_ce_signals = c->ecn.ce_signals;
    v->cc_congestion_events = quic_cc_congestion_events(&c->cc);
    v->early_held = c->early_n;
    v->early_keys = c->early_keys;
    v->dgram_queue_copied = c->dg_tx_copied;
    v->now = c->now;
    v->idle_deadline = c->idle_deadline;
    v->pto = quic_conn_pto(c);
    v->bytes_in = c->bytes_in;
    v->bytes_out = c->bytes_out;
    v->addr_validated = c->addr_validated;
    v->ev_overflow = c->ev_overflow;
    v->path_response_pending = c->pend.path_response;
    v->peer_disable_active_migration = c->peer_tp_ok && c->peer_tp.disable_active_migration;
    v->tx_max_streams_uni = c->tx_max_streams_uni;
    v->rx_max_streams_uni = c->rx_max_streams_uni;
    v->peer_uni_closed = c->peer_uni_closed;
    v->conn_tx_sent = c->conn_tx.sent;
    v->conn_tx_limit = c->conn_tx.limit;
    v->conn_rx_limit = c->conn_rx.limit;
    v->cwnd = quic_cc_window(&c->cc);
    v->bytes_in_flight = quic_cc_bytes_in_flight(&c->cc);
    v->cc_name = quic_cc_name(&c->cc);
}

bool quic_conn_test_stream_get(const quic_conn *c, uint64_t id, quic_conn_test_stream *out)
{
    memset(out, 0, sizeof *out);
    quic_stream *s = quic_streams_find((quic_streams *)&c->streams, id);
    if (!s)
        return false;
    out->sb_base = s->sb.base_off;
    out->sb_next = s->sb.next_off;
    out->sb_end = s->sb.end_off;
    out->sb_lost = s->sb.lost.n;
    out->queued = s->queued;
    out->rb_read = s->rb.read_off;
    out->rb_contig = s->rb.contig_end;
    out->rb_highest = s->rb.highest;
    out->rb_max = s->rb.max_off;
    return true;
}

bool quic_conn_test_keys(const quic_conn *c, quic_pn_space sp, bool rx, quic_pkt_keys *out)
{
    memset(out, 0, sizeof *out);
    if (sp == QUIC_SPACE_APPLICATION) {
        if (rx ? !c->app_rx_ok : !c->app_tx_ok)
            return false;
        out->aead = rx ? c->app.rx[c->app.rx_phase] : c->app.tx;
        out->hp = rx ? c->app.rx_hp : c->app.tx_hp;
        return true;
    }
    if (sp != QUIC_SPACE_INITIAL && sp != QUIC_SPACE_HANDSHAKE)
        return false;
    const quic_level_keys *k = &c->keys[sp];
    if (rx ? !k->rx_ok : !k->tx_ok)
        return false;
    *out = rx ? k->rx : k->tx;
    return true;
}

cx_aead *quic_conn_test_rx_key(const quic_conn *c, bool phase)
{
    return c->app_rx_ok ? c->app.rx[phase] : NULL;
}

cx_aead *quic_conn_test_rx_key_sealer(const quic_conn *c, bool next)
{
    uint8_t secret[CX_QUIC_SECRET_MAX];
    cx_quic_keys m;
    cx_aead *k = NULL;
    const quic_keyphase *kp = &c->app;
    if (!c->app_rx_ok)
        return NULL;
    memcpy(secret, kp->rx_secret, kp->secret_len);
    int rc = next ? cx_quic_secret_update(kp->version, kp->aead, secret, kp->secret_len, secret)
                  : CX_OK;
    if (rc == CX_OK)
        rc = cx_quic_keys_derive(kp->version, kp->aead, secret, kp->secret_len, &m);
    if (rc == CX_OK) {
        (void)cx_aead_new_for(&k, NULL, kp->aead, m.key, m.iv, CX_AEAD_SEAL);
        cx_quic_keys_clear(&m);
    }
    memset(secret, 0, sizeof secret);
    return k;
}

uint64_t quic_conn_test_take_pn(quic_conn *c, quic_pn_space sp)
{
    return c->sp[sp].next_pn++;
}

const quic_peer_cids *quic_conn_test_peer_cids(const quic_conn *c) { return &c->pcids; }

bool quic_conn_test_next_announce(quic_conn *c, uint64_t *seq)
{
    quic_local_cid *lc = quic_local_cids_next_announce(&c->lcids);
    if (lc)
        *seq = lc->seq;
    return lc != NULL;
}

void quic_conn_test_set_retry_token(quic_conn *c, const uint8_t *token, size_t len)
{
    if (len > QUIC_CONN_TOKEN_MAX)
        len = QUIC_CONN_TOKEN_MAX;
    (void)quic_conn_token_set_initial(c, token, len);
}

void quic_conn_test_set_dgram_seal_from_slots(quic_conn *c, bool on) { c->dg_seal_from_slots = on; }
