/* TLS 1.3 handshake message codecs (RFC 8446 §4). */
#include "crypto/tls_msg.h"

#include <string.h>

/* RFC 8446 §4.1.3: SHA-256 of "HelloRetryRequest". */
const uint8_t TLS_HRR_RANDOM[TLS_RANDOM_LEN] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

#define TRY(x) do { if (x) return TLS_ERR_DECODE; } while (0)
#define PUT(x) do { if (x) return TLS_ERR_INTERNAL; } while (0)

static int rd_vec(qb_rd *r, size_t lenbytes, size_t minlen, size_t maxlen, tls_bytes *out)
{
    qb_rd sub;
    if (qb_rd_vec(r, lenbytes, &sub) || sub.len < minlen || sub.len > maxlen)
        return TLS_ERR_DECODE;
    out->p = sub.p;
    out->len = sub.len;
    return 0;
}

static int wr_vec(qb_wr *w, size_t lenbytes, tls_bytes b)
{
    PUT(qb_wr_uint(w, lenbytes, b.len) || qb_wr_bytes(w, b.p, b.len));
    return 0;
}

int tls_msg_decode(qb_rd *r, tls_msg *m)
{
    qb_rd body;
    TRY(qb_rd_u8(r, &m->type) || qb_rd_vec(r, 3, &body));
    m->body.p = body.p;
    m->body.len = body.len;
    return 0;
}

/* RFC 8446 §4.1.2 */
int tls_ch_decode(const uint8_t *p, size_t len, tls_ch *m)
{
    qb_rd r;
    int rc;
    qb_rd_init(&r, p, len);
    memset(m, 0, sizeof *m);
    TRY(qb_rd_u16(&r, &m->legacy_version) || qb_rd_copy(&r, m->random, TLS_RANDOM_LEN));
    TRY(rd_vec(&r, 1, 0, 32, &m->session_id));
    TRY(rd_vec(&r, 2, 2, 0xfffe, &m->suites) || (m->suites.len & 1));
    TRY(rd_vec(&r, 1, 1, 0xff, &m->compression));
    if ((rc = tls_exts_decode(&r, TLS_CTX_CH, &m->ext)))
        return rc;
    TRY(qb_rd_left(&r));
    return 0;
}

/* RFC 8446 §4.1.3, §4.1.4 */
int tls_sh_decode(const uint8_t *p, size_t len, tls_sh *m)
{
    qb_rd r;
    int rc;
    qb_rd_init(&r, p, len);
    memset(m, 0, sizeof *m);
    TRY(qb_rd_u16(&r, &m->legacy_version) || qb_rd_copy(&r, m->random, TLS_RANDOM_LEN));
    m->hrr = memcmp(m->random, TLS_HRR_RANDOM, TLS_RANDOM_LEN) == 0;
    TRY(rd_vec(&r, 1, 0, 32, &m->session_id));
    TRY(qb_rd_u16(&r, &m->suite) || qb_rd_u8(&r, &m->compression));
    if ((rc = tls_exts_decode(&r, m->hrr ? TLS_CTX_HRR : TLS_CTX_SH, &m->ext)))
        return rc;
    TRY(qb_rd_left(&r));
    return 0;
}

/* RFC 8446 §4.3.1 */
int tls_ee_decode(const uint8_t *p, size_t len, tls_ee *m)
{
    qb_rd r;
    int rc;
    qb_rd_init(&r, p, len);
    if ((rc = tls_exts_decode(&r, TLS_CTX_EE, &m->ext)))
        return rc;
    TRY(qb_rd_left(&r));
    return 0;
}

/* RFC 8446 §4.4.2 */
int tls_cert_decode(const uint8_t *p, size_t len, tls_cert *m)
{
    qb_rd r, list;
    qb_rd_init(&r, p, len);
    TRY(rd_vec(&r, 1, 0, 0xff, &m->context));
    TRY(qb_rd_vec(&r, 3, &list) || qb_rd_left(&r));
    m->list.p = list.p;
    m->list.len = list.len;
    while (qb_rd_left(&list)) {
        tls_bytes cert, ext;
        TRY(rd_vec(&list, 3, 1, 0xffffff, &cert) || rd_vec(&list, 2, 0, 0xffff, &ext));
        /* Entry extensions (status_request, SCT) are accepted unread: they
         * are only allowed when the client asked, and ours never does. */
    }
    return 0;
}

int tls_cert_next(qb_rd *r, tls_bytes *cert_data, tls_bytes *exts)
{
    if (!qb_rd_left(r))
        return 0;
    TRY(rd_vec(r, 3, 1, 0xffffff, cert_data) || rd_vec(r, 2, 0, 0xffff, exts));
    return 1;
}

/* RFC 8446 §4.3.2 */
int tls_cr_decode(const uint8_t *p, size_t len, tls_cr *m)
{
    qb_rd r;
    int rc;
    qb_rd_init(&r, p, len);
    TRY(rd_vec(&r, 1, 0, 0xff, &m->context));
    if ((rc = tls_exts_decode(&r, TLS_CTX_CR, &m->ext)))
        return rc;
    TRY(qb_rd_left(&r));
    return 0;
}

/* RFC 8446 §4.4.3 */
int tls_cv_decode(const uint8_t *p, size_t len, tls_cv *m)
{
    qb_rd r;
    qb_rd_init(&r, p, len);
    TRY(qb_rd_u16(&r, &m->scheme) || rd_vec(&r, 2, 1, 0xffff, &m->sig) || qb_rd_left(&r));
    return 0;
}

/* RFC 8446 §4.4.4: verify_data is the whole body; its length is checked by
 * the caller against the hash length. */
int tls_fin_decode(const uint8_t *p, size_t len, tls_fin *m)
{
    TRY(len == 0);
    m->verify_data.p = p;
    m->verify_data.len = len;
    return 0;
}

/* RFC 8446 §4.6.1 */
int tls_nst_decode(const uint8_t *p, size_t len, tls_nst *m)
{
    qb_rd r;
    int rc;
    qb_rd_init(&r, p, len);
    TRY(qb_rd_u32(&r, &m->lifetime) || qb_rd_u32(&r, &m->age_add));
    TRY(rd_vec(&r, 1, 0, 255, &m->nonce) || rd_vec(&r, 2, 1, 0xffff, &m->ticket));
    if ((rc = tls_exts_decode(&r, TLS_CTX_NST, &m->ext)))
        return rc;
    TRY(qb_rd_left(&r));
    return 0;
}

/* ---- encoders ---- */

static int hdr_open(qb_wr *w, uint8_t type, tls_vec *v)
{
    PUT(qb_wr_u8(w, type) || tls_vec_open(w, 3, v));
    return 0;
}

int tls_ch_encode(qb_wr *w, const tls_ch *m)
{
    tls_vec v;
    PUT(hdr_open(w, TLS_HS_CLIENT_HELLO, &v));
    PUT(qb_wr_u16(w, m->legacy_version) || qb_wr_bytes(w, m->random, TLS_RANDOM_LEN));
    PUT(wr_vec(w, 1, m->session_id) || wr_vec(w, 2, m->suites) || wr_vec(w, 1, m->compression));
    PUT(tls_exts_encode(w, TLS_CTX_CH, &m->ext));
    return tls_vec_close(w, &v);
}

int tls_sh_encode(qb_wr *w, const tls_sh *m)
{
    tls_vec v;
    PUT(hdr_open(w, TLS_HS_SERVER_HELLO, &v));
    PUT(qb_wr_u16(w, m->legacy_version));
    PUT(qb_wr_bytes(w, m->hrr ? TLS_HRR_RANDOM : m->random, TLS_RANDOM_LEN));
    PUT(wr_vec(w, 1, m->session_id) || qb_wr_u16(w, m->suite) || qb_wr_u8(w, m->compression));
    PUT(tls_exts_encode(w, m->hrr ? TLS_CTX_HRR : TLS_CTX_SH, &m->ext));
    return tls_vec_close(w, &v);
}

int tls_ee_encode(qb_wr *w, const tls_ee *m)
{
    tls_vec v;
    PUT(hdr_open(w, TLS_HS_ENCRYPTED_EXTENSIONS, &v));
    PUT(tls_exts_encode(w, TLS_CTX_EE, &m->ext));
    return tls_vec_close(w, &v);
}

int tls_cert_encode(qb_wr *w, tls_bytes context, const uint8_t *const *der, const size_t *lens,
                    size_t n)
{
    tls_vec v, list;
    PUT(hdr_open(w, TLS_HS_CERTIFICATE, &v));
    PUT(wr_vec(w, 1, context) || tls_vec_open(w, 3, &list));
    for (size_t i = 0; i < n; i++)
        PUT(qb_wr_u24(w, (uint32_t)lens[i]) || qb_wr_bytes(w, der[i], lens[i]) || qb_wr_u16(w, 0));
    PUT(tls_vec_close(w, &list));
    return tls_vec_close(w, &v);
}

int tls_cert_encode_raw(qb_wr *w, const tls_cert *m)
{
    tls_vec v;
    PUT(hdr_open(w, TLS_HS_CERTIFICATE, &v));
    PUT(wr_vec(w, 1, m->context) || wr_vec(w, 3, m->list));
    return tls_vec_close(w, &v);
}

int tls_cr_encode(qb_wr *w, const tls_cr *m)
{
    tls_vec v;
    PUT(hdr_open(w, TLS_HS_CERTIFICATE_REQUEST, &v));
    PUT(wr_vec(w, 1, m->context));
    PUT(tls_exts_encode(w, TLS_CTX_CR, &m->ext));
    return tls_vec_close(w, &v);
}

int tls_cv_encode(qb_wr *w, const tls_cv *m)
{
    tls_vec v;
    PUT(hdr_open(w, TLS_HS_CERTIFICATE_VERIFY, &v));
    PUT(qb_wr_u16(w, m->scheme) || wr_vec(w, 2, m->sig));
    return tls_vec_close(w, &v);
}

int tls_fin_encode(qb_wr *w, const tls_fin *m)
{
    tls_vec v;
    PUT(hdr_open(w, TLS_HS_FINISHED, &v));
    PUT(qb_wr_bytes(w, m->verify_data.p, m->verify_data.len));
    return tls_vec_close(w, &v);
}

int tls_nst_encode(qb_wr *w, const tls_nst *m)
{
    tls_vec v;
    PUT(hdr_open(w, TLS_HS_NEW_SESSION_TICKET, &v));
    PUT(qb_wr_u32(w, m->lifetime) || qb_wr_u32(w, m->age_add));
    PUT(wr_vec(w, 1, m->nonce) || wr_vec(w, 2, m->ticket));
    PUT(tls_exts_encode(w, TLS_CTX_NST, &m->ext));
    return tls_vec_close(w, &v);
}
