/* QUIC connection: making and freeing one, client or server side. */
#include "quic/conn_int.h"

#include "crypto/cx_wipe.h"
#include "quic/version.h"

#include <string.h>

#define SENTLOG_MAX_ITEMS 8192

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

static int init_recovery(quic_conn *c)
{
    quic_recovery_config rcfg = {
        .max_sent_packets = c->cfg.max_sent_packets,
        .max_ack_delay = 25000, /* the peer's is not known yet (RFC 9000 §18.2 default) */
        .is_server = c->is_server,
    };
    if (quic_recovery_init(&c->rec, &rcfg, c->alloc) != 0)
        return QUIC_ERR_NOMEM;
    quic_cc_init(&c->cc, c->cfg.cc, QUIC_MIN_INITIAL);
    quic_pacer_init(&c->pacer, QUIC_MIN_INITIAL, 0);
    quic_ecn_init(&c->ecn);
    quic_pmtud_init(&c->pmtud, c->cfg.max_udp_payload);
    quic_sentlog_init(&c->log, SENTLOG_MAX_ITEMS, c->alloc);
    return 0;
}

static quic_conn *conn_alloc(const quic_config *cfg, const quic_path *path, bool is_server,
                             uint64_t now)
{
    quic_conn *c = qb_calloc(cfg->alloc, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = *cfg;
    c->alloc = cfg->alloc;
    c->is_server = is_server;
    /* A client's first flight version; a server takes the version of the
     * client's first Initial (conn_recv.c). */
    c->version = is_server ? 0 : quic_version_first(cfg);
    c->orig_version = c->version;
    c->path = *path;
    c->now = now;
    c->state = QUIC_CS_HANDSHAKE;
    c->max_udp_payload = cfg->max_udp_payload < QUIC_MIN_INITIAL ? QUIC_MIN_INITIAL
                                                                 : cfg->max_udp_payload;
    /* A key for the stateless reset tokens of the CIDs we issue. */
    if (all_zero(c->cfg.static_key, sizeof c->cfg.static_key) &&
        quic_conn_random(c, c->cfg.static_key, sizeof c->cfg.static_key) != 0)
        goto fail;
    if (init_recovery(c) != 0)
        goto fail;
    for (int i = 0; i < QUIC_LEVELS; i++)
        quic_ackrange_init_with(&c->sp[i].acks, QUIC_ACKRANGE_DEFAULT,
                                i == QUIC_SPACE_APPLICATION ? cfg->max_ack_delay_ms * 1000 : 0,
                                c->alloc);
    quic_dgram_queue_config tx = {.slots = cfg->dgram_send_queue, .slot_size = 1500,
                                  .max_age = cfg->dgram_max_age_us};
    quic_dgram_queue_config rx = {.slots = cfg->dgram_recv_queue, .slot_size = 1500};
    if (quic_dgram_queue_init(&c->dg_tx, &tx, c->alloc) != 0 ||
        quic_dgram_queue_init(&c->dg_rx, &rx, c->alloc) != 0)
        goto fail;
    if (quic_conn_streams_init(c) != 0)
        goto fail;
    /* Per stream at most OPENED, READABLE, WRITABLE, RESET and STOP wait at
     * once; plus CONNECTED and CLOSED. */
    c->ev_max = 5 * (c->streams.max_cap / 2) + 8;
    qb_ring_init(&c->events, c->alloc, sizeof(quic_event), c->ev_max);
    c->idle_timeout = quic_idle_timeout_us(cfg->max_idle_timeout_ms, 0);
    c->idle_deadline = quic_idle_deadline(now, c->idle_timeout, 0);
    return c;
fail:
    quic_conn_free(c);
    return NULL;
}

static int random_cid(quic_conn *c, quic_cid *cid, size_t len)
{
    uint8_t b[QUIC_CID_MAX_LEN];
    if (len && quic_conn_random(c, b, len) != 0)
        return QUIC_ERR_TLS;
    quic_cid_set(cid, b, len);
    return 0;
}

quic_conn *quic_conn_new_client(const quic_config *cfg, const quic_path *path, uint64_t now)
{
    if (!cfg->tls || cfg->is_server || cfg->scid_len > QUIC_CID_MAX_LEN)
        return NULL;
    quic_conn *c = conn_alloc(cfg, path, false, now);
    if (!c)
        return NULL;
    quic_cid dcid, scid;
    /* RFC 9000 §7.2: an unpredictable DCID of at least 8 bytes. */
    if (random_cid(c, &dcid, 8) != 0 || random_cid(c, &scid, cfg->scid_len) != 0)
        goto fail;
    c->odcid = dcid;
    quic_local_cids_init(&c->lcids, &scid, scid.len == 0);
    quic_peer_cids_init(&c->pcids, &dcid, QUIC_CID_SLOTS);
    quic_conn_token_init_client(c);
    if (quic_conn_initial_keys(c, &dcid) != 0 || quic_conn_crypto_init(c) != 0)
        goto fail;
    return c;
fail:
    quic_conn_free(c);
    return NULL;
}

quic_conn *quic_conn_new_server(const quic_config *cfg, const quic_path *path,
                                const quic_cid *client_scid, const quic_cid *odcid,
                                const quic_cid *retry_scid, uint64_t now)
{
    if (!cfg->tls || !cfg->is_server)
        return NULL;
    quic_conn *c = conn_alloc(cfg, path, true, now);
    if (!c)
        return NULL;
    quic_cid scid;
    /* A server needs a CID to route on (RFC 9000 §5.1). */
    if (random_cid(c, &scid, cfg->scid_len ? cfg->scid_len : 8) != 0)
        goto fail;
    quic_local_cids_init(&c->lcids, &scid, false);
    quic_peer_cids_init(&c->pcids, client_scid, QUIC_CID_SLOTS);
    c->odcid = *odcid;
    if (retry_scid) {
        c->did_retry = true;
        c->retry_scid = *retry_scid;
        c->addr_validated = true; /* the token proved the address (RFC 9000 §8.1.2) */
    }
    /* The Initial keys come from the DCID the client's Initial carries, in
     * the version of that Initial (made when it comes, conn_recv.c). */
    c->init_dcid = retry_scid ? *retry_scid : *odcid;
    if (quic_conn_crypto_init(c) != 0)
        goto fail;
    return c;
fail:
    quic_conn_free(c);
    return NULL;
}

int quic_conn_reset_for_retry(quic_conn *c)
{
    /* RFC 9002 §6.3: after a Retry, recovery and congestion state start over;
     * packet numbers do not (RFC 9000 §17.2.5.3). The ClientHello goes again,
     * and what 0-RTT packets carried (RFC 9000 §17.2.5.3). */
    quic_conn_early_requeue(c);
    quic_recovery_free(&c->rec);
    quic_sentlog_free(&c->log);
    if (init_recovery(c) != 0)
        return QUIC_ERR_NOMEM;
    quic_crypto_send *cs = &c->sp[QUIC_SPACE_INITIAL].crypto_tx;
    cs->sent = 0;
    cs->n_lost = 0;
    return quic_conn_initial_keys(c, &c->retry_scid);
}

int quic_conn_restart_for_vn(quic_conn *c, uint32_t version)
{
    /* RFC 9368 §2.1: a new first flight in version; conceptually a new
     * connection (§2.4), here the same object: recovery and the Initial
     * CRYPTO stream start over, packet numbers go on, and a new ClientHello
     * announces the new Chosen Version. */
    quic_conn_early_requeue(c);
    quic_recovery_free(&c->rec);
    quic_sentlog_free(&c->log);
    if (init_recovery(c) != 0)
        return QUIC_ERR_NOMEM;
    for (int i = 0; i < QUIC_LEVELS; i++) {
        quic_recvbuf_free(&c->sp[i].crypto_rx);
        quic_crypto_send_free(c, &c->sp[i].crypto_tx);
    }
    tls_conn_free(c->tls);
    c->tls = NULL;
    c->vn_done = true;
    c->version = c->orig_version = version;
    if (quic_conn_initial_keys(c, &c->init_dcid) != 0)
        return QUIC_ERR_TLS;
    return quic_conn_crypto_init(c);
}

void quic_conn_free(quic_conn *c)
{
    if (!c)
        return;
    if (c->initial_orig_rx_ok)
        quic_pkt_keys_clear(&c->initial_orig_rx);
    tls_conn_free(c->tls);
    qb_free(c->alloc, c->alpn);
    qb_free(c->alloc, c->probe);
    for (int i = 0; i < 2; i++) {
        if (c->keys[i].rx_ok)
            quic_pkt_keys_clear(&c->keys[i].rx);
        if (c->keys[i].tx_ok)
            quic_pkt_keys_clear(&c->keys[i].tx);
    }
    if (c->app_rx_ok)
        quic_keyphase_free(&c->app);
    for (int i = 0; i < QUIC_LEVELS; i++) {
        quic_recvbuf_free(&c->sp[i].crypto_rx);
        quic_ackrange_free(&c->sp[i].acks);
        quic_crypto_send_free(c, &c->sp[i].crypto_tx);
    }
    quic_recovery_free(&c->rec);
    quic_sentlog_free(&c->log);
    quic_conn_streams_free(c);
    quic_dgram_queue_free(&c->dg_tx);
    quic_dgram_pkt_free(&c->dg_pkt, c->alloc);
    quic_dgram_queue_free(&c->dg_rx);
    qb_free(c->alloc, c->early_buf);
    quic_conn_early_free(c);
    quic_conn_token_free(c);
    qb_ring_free(&c->events);
    cx_wipe(c->app_rx_secret, sizeof c->app_rx_secret);
    cx_wipe(c->app_tx_secret, sizeof c->app_tx_secret);
    qb_free(c->alloc, c);
}
