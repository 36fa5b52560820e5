/* QUINCE_MINIMAL (cmake/quince_minimal.cmake): no session resumption and no
 * 0-RTT. tls_psk.c, tls_ticket.c and tls_early.c stay out; the client offers
 * no pre_shared_key and no early_data (so the server may pick neither: RFC
 * 8446 §4.2.11, §4.2.10) and lets NewSessionTickets go after checking that
 * they parse (§4.6.1: a client may ignore them). The public API links and
 * answers "none". Outside crypto/'s glob: the default build never sees it. */
#include "crypto/tls_int.h"

/* ---- client handshake hooks (tls_client.c) ---- */

int tls_psk_client_prepare(tls_conn *c)
{
    (void)c;
    return 0;
}

int tls_psk_client_ext(tls_conn *c, tls_ch *ch)
{
    (void)c;
    (void)ch;
    return 0;
}

int tls_psk_client_bind(tls_conn *c, qb_wr *w)
{
    (void)c;
    (void)w;
    return 0;
}

void tls_psk_client_on_hrr(tls_conn *c, uint16_t suite)
{
    (void)c;
    (void)suite;
}

int tls_psk_client_on_sh(tls_conn *c, const tls_sh *sh)
{
    /* RFC 8446 §4.2.11: the server may only select a PSK we offered. */
    if (tls_exts_has(&sh->ext, TLS_X_PSK))
        return tls_fail(c, TLS_ERR_ILLEGAL, "ServerHello selected a PSK not offered");
    return 0;
}

int tls_psk_client_on_ticket(tls_conn *c, const tls_msg *m)
{
    tls_nst nst;
    int rc = tls_nst_decode(m->body.p, m->body.len, &nst);
    if (rc)
        return tls_fail(c, rc, "malformed NewSessionTicket");
    c->tickets++;
    return 0; /* RFC 8446 §4.6.1: not kept */
}

void tls_early_client_ext(tls_conn *c, tls_ch *ch)
{
    (void)c;
    (void)ch;
}

int tls_early_client_secret(tls_conn *c)
{
    (void)c;
    return 0;
}

int tls_early_client_on_ee(tls_conn *c, const tls_ee *ee)
{
    /* RFC 8446 §4.2: an answer to an extension not offered. */
    if (tls_exts_has(&ee->ext, TLS_X_EARLY_DATA))
        return tls_fail(c, TLS_ERR_UNSUPPORTED_EXT, "early_data accepted but not offered");
    return 0;
}

/* ---- API (tls.h) ---- */

tls_ticket_keys *tls_ticket_keys_new(const qb_alloc *a, cx_rand_fn random, void *random_ud)
{
    (void)a;
    (void)random;
    (void)random_ud;
    return NULL;
}

int tls_ticket_keys_rotate(tls_ticket_keys *k)
{
    (void)k;
    return TLS_ERR_INTERNAL;
}

void tls_ticket_keys_free(tls_ticket_keys *k) { (void)k; }

tls_early_state tls_conn_early_data(const tls_conn *c)
{
    (void)c;
    return TLS_EARLY_NONE;
}

const char *tls_conn_early_reason(const tls_conn *c)
{
    (void)c;
    return NULL;
}

int tls_conn_reject_early_data(tls_conn *c, const char *reason)
{
    (void)c;
    (void)reason;
    return TLS_ERR_STATE;
}

int tls_session_parse(const uint8_t *p, size_t n, tls_session_info *out)
{
    (void)p;
    (void)n;
    (void)out;
    return TLS_ERR_DECODE;
}

bool tls_session_usable(const uint8_t *p, size_t n, const char *server_name, int64_t now_ms)
{
    (void)p;
    (void)n;
    (void)server_name;
    (void)now_ms;
    return false;
}
