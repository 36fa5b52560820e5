/* Fuzz: the TLS handshake message decoders (RFC 8446 §4). Whatever decodes
 * must re-encode, and encode(decode(encode(decode(x)))) == encode(decode(x))
 * (unknown extensions are dropped by the first encode, so it is the second
 * round that must be a fixed point). */
#include "crypto/tls_msg.h"

#include <stdlib.h>
#include <string.h>

static int roundtrip(uint8_t type, const uint8_t *p, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    qb_wr w;
    qb_wr_init(&w, out, cap);
    int rc;
    switch (type) {
    case TLS_HS_CLIENT_HELLO: {
        tls_ch m;
        if (tls_ch_decode(p, n, &m))
            return 1;
        rc = tls_ch_encode(&w, &m);
        break;
    }
    case TLS_HS_SERVER_HELLO: {
        tls_sh m;
        if (tls_sh_decode(p, n, &m))
            return 1;
        rc = tls_sh_encode(&w, &m);
        break;
    }
    case TLS_HS_ENCRYPTED_EXTENSIONS: {
        tls_ee m;
        if (tls_ee_decode(p, n, &m))
            return 1;
        rc = tls_ee_encode(&w, &m);
        break;
    }
    case TLS_HS_CERTIFICATE: {
        tls_cert m;
        tls_bytes c, e;
        qb_rd r;
        if (tls_cert_decode(p, n, &m))
            return 1;
        qb_rd_init(&r, m.list.p, m.list.len);
        while ((rc = tls_cert_next(&r, &c, &e)) == 1)
            ;
        if (rc != 0) /* the list was checked by the decoder */
            abort();
        rc = tls_cert_encode_raw(&w, &m);
        break;
    }
    case TLS_HS_CERTIFICATE_REQUEST: {
        tls_cr m;
        if (tls_cr_decode(p, n, &m))
            return 1;
        rc = tls_cr_encode(&w, &m);
        break;
    }
    case TLS_HS_CERTIFICATE_VERIFY: {
        tls_cv m;
        if (tls_cv_decode(p, n, &m))
            return 1;
        rc = tls_cv_encode(&w, &m);
        break;
    }
    case TLS_HS_FINISHED: {
        tls_fin m;
        if (tls_fin_decode(p, n, &m))
            return 1;
        rc = tls_fin_encode(&w, &m);
        break;
    }
    case TLS_HS_NEW_SESSION_TICKET: {
        tls_nst m;
        if (tls_nst_decode(p, n, &m))
            return 1;
        rc = tls_nst_encode(&w, &m);
        break;
    }
    default:
        return 1;
    }
    if (rc)
        abort(); /* what decodes must encode, and never grows */
    *len = w.off;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qb_rd r;
    tls_msg m;
    qb_rd_init(&r, data, size);
    while (tls_msg_decode(&r, &m) == 0) {
        size_t cap = m.body.len + 4, l1, l2;
        uint8_t *a = malloc(cap), *b = malloc(cap);
        if (!a || !b)
            abort();
        if (roundtrip(m.type, m.body.p, m.body.len, a, cap, &l1) == 0) {
            if (l1 < 4 || a[0] != m.type)
                abort();
            if (roundtrip(a[0], a + 4, l1 - 4, b, cap, &l2) != 0 || l1 != l2 || memcmp(a, b, l1))
                abort();
        }
        free(a);
        free(b);
    }
    return 0;
}
