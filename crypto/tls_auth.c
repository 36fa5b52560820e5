/*
 * Certificate authentication, shared by both sides (RFC 8446 §4.4.2,
 * §4.4.3): sending Certificate + CertificateVerify, and checking the peer's
 * Certificate (chain verification through cx_x509) and CertificateVerify.
 */
#include "crypto/tls_int.h"

#include <string.h>

int tls_send_cert_and_verify(tls_conn *c, tls_bytes context, const cx_x509_chain *chain,
                             uint16_t scheme, bool server)
{
    const uint8_t *ders[CX_X509_MAX_CHAIN];
    size_t lens[CX_X509_MAX_CHAIN], n = chain ? cx_x509_chain_count(chain) : 0, total = 16;
    uint8_t th[TLS_HASH_MAX], content[TLS_CV_CONTENT_MAX], sig[CX_SIG_MAX];
    size_t clen, slen;
    tls_cv cv;
    qb_wr w;

    for (size_t i = 0; i < n; i++) {
        cx_x509_chain_cert(chain, i, &ders[i], &lens[i]);
        total += lens[i] + 5;
    }
    if (tls_out_begin(c, TLS_LEVEL_HANDSHAKE, total + context.len, &w) ||
        tls_cert_encode(&w, context, ders, lens, n) ||
        tls_out_commit(c, TLS_LEVEL_HANDSHAKE, &w, true))
        return tls_fail(c, TLS_ERR_INTERNAL, "Certificate");
    if (n == 0)
        return 0; /* §4.4.3: no CertificateVerify after an empty Certificate */
    if (tls_transcript_hash(&c->tr, th))
        return tls_fail(c, TLS_ERR_INTERNAL, "transcript");
    clen = tls_cv_content(server, th, c->ks.hlen, content);
    if (cx_sig_sign(scheme, cx_x509_chain_key(chain), content, clen, sig, sizeof sig, &slen))
        return tls_fail(c, TLS_ERR_INTERNAL, "signing failed");
    cv.scheme = scheme;
    cv.sig = (tls_bytes){sig, slen};
    if (tls_out_begin(c, TLS_LEVEL_HANDSHAKE, 8 + slen, &w) || tls_cv_encode(&w, &cv) ||
        tls_out_commit(c, TLS_LEVEL_HANDSHAKE, &w, true))
        return tls_fail(c, TLS_ERR_INTERNAL, "CertificateVerify");
    return 0;
}

static int cert_alert(int x509_err)
{
    switch (x509_err) {
    case CX_X509_ERR_EXPIRED: return TLS_ERR_ALERT(TLS_ALERT_CERTIFICATE_EXPIRED);
    case CX_X509_ERR_UNKNOWN_CA: return TLS_ERR_ALERT(TLS_ALERT_UNKNOWN_CA);
    case CX_X509_ERR_NAME: return TLS_ERR_BAD_CERT;
    case CX_X509_ERR_PARSE: return TLS_ERR_BAD_CERT;
    case CX_X509_ERR_TOO_MANY: return TLS_ERR_BAD_CERT;
    case CX_X509_ERR_KEY_USAGE: return TLS_ERR_BAD_CERT; /* RFC 8446 §4.4.2.2 */
    }
    return TLS_ERR_ALERT(TLS_ALERT_CERTIFICATE_UNKNOWN);
}

int tls_recv_certificate(tls_conn *c, const tls_msg *m, bool from_server, size_t *count)
{
    tls_cert cert;
    tls_bytes der, ext;
    const uint8_t *ders[CX_X509_MAX_CHAIN];
    size_t lens[CX_X509_MAX_CHAIN], n = 0;
    qb_rd r;
    int rc = tls_cert_decode(m->body.p, m->body.len, &cert);
    *count = 0;
    if (rc)
        return tls_fail(c, rc, "malformed Certificate");
    /* §4.4.2: a server's context is empty; a client echoes the request's (ours is empty). */
    if (cert.context.len)
        return tls_fail(c, TLS_ERR_ILLEGAL, "Certificate with an unexpected request context");
    qb_rd_init(&r, cert.list.p, cert.list.len);
    while ((rc = tls_cert_next(&r, &der, &ext)) == 1) {
        if (n == CX_X509_MAX_CHAIN)
            return tls_fail(c, TLS_ERR_BAD_CERT, "certificate chain too long");
        ders[n] = der.p;
        lens[n++] = der.len;
    }
    if (n == 0)
        return 0;
    if (from_server && c->cfg->insecure_skip_verify) {
        tls_log(c, TLS_LOG_WARN, "client: INSECURE: skipping verification of the server certificate");
        if (cx_pkey_from_cert_der(ders[0], lens[0], &c->peer_key))
            return tls_fail(c, TLS_ERR_BAD_CERT, "server certificate does not parse");
    } else {
        const char *why = NULL;
        rc = from_server ? cx_x509_verify(c->cfg->trust, ders, lens, n, c->cfg->server_name,
                                          c->cfg->verify_time, &c->peer_key, &why)
                         : cx_x509_verify_client(c->cfg->trust, ders, lens, n,
                                                 c->cfg->verify_time, &c->peer_key, &why);
        if (rc)
            return tls_fail(c, cert_alert(rc), why ? why : "certificate verification failed");
    }
    *count = n;
    return 0;
}

static bool listed(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return true;
    return false;
}

int tls_check_cert_verify(tls_conn *c, const tls_msg *m, bool from_server)
{
    tls_cv cv;
    uint8_t th[TLS_HASH_MAX], content[TLS_CV_CONTENT_MAX];
    size_t clen;
    int rc = tls_cv_decode(m->body.p, m->body.len, &cv);
    if (rc)
        return tls_fail(c, rc, "malformed CertificateVerify");
    /* §4.4.3: a scheme we offered, matching the key of the certificate. */
    if (!listed(c->sigalgs, c->nsigalgs, cv.scheme) || !cx_sig_scheme_fits(cv.scheme, c->peer_key))
        return tls_fail(c, TLS_ERR_ILLEGAL, "signature scheme not offered or not fitting the key");
    if (tls_transcript_hash(&c->tr, th))
        return tls_fail(c, TLS_ERR_INTERNAL, "transcript");
    clen = tls_cv_content(from_server, th, c->ks.hlen, content);
    if (cx_sig_verify(cv.scheme, c->peer_key, content, clen, cv.sig.p, cv.sig.len))
        return tls_fail(c, TLS_ERR_DECRYPT, "CertificateVerify signature does not verify");
    if (from_server)
        c->sigalg = cv.scheme;
    return 0;
}
