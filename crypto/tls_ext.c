/* TLS 1.3 extension codecs (RFC 8446 §4.2, RFC 9001 §8.2), table-driven. */
#include "crypto/tls_ext.h"

#include <string.h>

/* Inner shapes of an extension's contents. */
enum form {
    F_NONE = 0, /* not allowed in this message */
    F_RAW,      /* opaque, any length */
    F_EMPTY,    /* zero length */
    F_U16,      /* exactly one u16 */
    F_U32,      /* exactly one u32 */
    F_U16S8,    /* u8-length list of u16, non-empty */
    F_U16S16,   /* u16-length list of u16, non-empty */
    F_U8S8,     /* u8-length list of u8, non-empty */
    F_OPAQUE16, /* u16-length opaque, non-empty */
    F_SNI,      /* u16-length ServerNameList */
    F_ALPN,     /* u16-length ProtocolNameList */
    F_KS_LIST,  /* u16-length KeyShareEntry list (may be empty: §4.2.8) */
    F_KS_ONE,   /* one KeyShareEntry */
};

typedef struct ext_def {
    uint16_t type;
    uint8_t form[TLS_CTX_CR + 1]; /* by tls_ctx: CH SH HRR EE CERT NST CR */
} ext_def;

/* Indexed by TLS_X_*; also the encoding order. RFC 8446 §4.2 table says
 * which message may carry which extension. */
static const ext_def EXTS[TLS_X_COUNT] = {
    [TLS_X_SERVER_NAME] = {TLS_EXT_SERVER_NAME, {F_SNI, 0, 0, F_EMPTY, 0, 0}},
    [TLS_X_GROUPS] = {TLS_EXT_SUPPORTED_GROUPS, {F_U16S16, 0, 0, F_U16S16, 0, 0}},
    [TLS_X_SIGALGS] = {TLS_EXT_SIGNATURE_ALGORITHMS, {F_U16S16, 0, 0, 0, 0, 0, F_U16S16}},
    [TLS_X_ALPN] = {TLS_EXT_ALPN, {F_ALPN, 0, 0, F_ALPN, 0, 0}},
    [TLS_X_KEY_SHARE] = {TLS_EXT_KEY_SHARE, {F_KS_LIST, F_KS_ONE, F_U16, 0, 0, 0}},
    [TLS_X_VERSIONS] = {TLS_EXT_SUPPORTED_VERSIONS, {F_U16S8, F_U16, F_U16, 0, 0, 0}},
    [TLS_X_COOKIE] = {TLS_EXT_COOKIE, {F_OPAQUE16, 0, F_OPAQUE16, 0, 0, 0}},
    [TLS_X_PSK_MODES] = {TLS_EXT_PSK_KEY_EXCHANGE_MODES, {F_U8S8, 0, 0, 0, 0, 0}},
    [TLS_X_TP] = {TLS_EXT_QUIC_TRANSPORT_PARAMETERS, {F_RAW, 0, 0, F_RAW, 0, 0}},
    [TLS_X_EARLY_DATA] = {TLS_EXT_EARLY_DATA, {F_EMPTY, 0, 0, F_EMPTY, 0, F_U32}},
    [TLS_X_PSK] = {TLS_EXT_PRE_SHARED_KEY, {F_RAW, F_U16, 0, 0, 0, 0}},
};

int tls_ext_type(int x) { return x >= 0 && x < TLS_X_COUNT ? EXTS[x].type : -1; }

static int find_ext(uint16_t type)
{
    for (int i = 0; i < TLS_X_COUNT; i++)
        if (EXTS[i].type == type)
            return i;
    return -1;
}

static int check_list(qb_rd *r, size_t lenbytes, size_t unit, tls_bytes *out)
{
    qb_rd sub;
    if (qb_rd_vec(r, lenbytes, &sub) != QB_OK || sub.len == 0 || sub.len % unit)
        return TLS_ERR_DECODE;
    out->p = sub.p;
    out->len = sub.len;
    return 0;
}

static int check_ks_entry(qb_rd *r)
{
    uint16_t group;
    qb_rd key;
    if (qb_rd_u16(r, &group) || qb_rd_vec(r, 2, &key) || key.len == 0)
        return TLS_ERR_DECODE;
    return 0;
}

/* Checks the contents of one extension against its form; val gets the part
 * kept (see tls_exts in tls_ext.h). */
static int ext_shape(enum form f, const uint8_t *p, size_t len, tls_bytes *val)
{
    qb_rd r, sub;
    qb_rd_init(&r, p, len);
    val->p = p;
    val->len = len;
    switch (f) {
    case F_NONE:
        return TLS_ERR_ILLEGAL;
    case F_RAW:
        return 0;
    case F_EMPTY:
        return len == 0 ? 0 : TLS_ERR_DECODE;
    case F_U16:
        return len == 2 ? 0 : TLS_ERR_DECODE;
    case F_U32:
        return len == 4 ? 0 : TLS_ERR_DECODE;
    case F_U16S8:
        if (check_list(&r, 1, 2, val))
            return TLS_ERR_DECODE;
        break;
    case F_U16S16:
        if (check_list(&r, 2, 2, val))
            return TLS_ERR_DECODE;
        break;
    case F_U8S8:
        if (check_list(&r, 1, 1, val))
            return TLS_ERR_DECODE;
        break;
    case F_OPAQUE16:
        if (check_list(&r, 2, 1, val))
            return TLS_ERR_DECODE;
        break;
    case F_SNI: /* RFC 6066 §3 */
        if (check_list(&r, 2, 1, val))
            return TLS_ERR_DECODE;
        qb_rd_init(&sub, val->p, val->len);
        while (qb_rd_left(&sub)) {
            uint8_t type;
            qb_rd name;
            if (qb_rd_u8(&sub, &type) || qb_rd_vec(&sub, 2, &name) || name.len == 0)
                return TLS_ERR_DECODE;
        }
        break;
    case F_ALPN: /* RFC 7301 §3.1: non-empty list of non-empty names */
        if (check_list(&r, 2, 1, val))
            return TLS_ERR_DECODE;
        qb_rd_init(&sub, val->p, val->len);
        while (qb_rd_left(&sub)) {
            qb_rd name;
            if (qb_rd_vec(&sub, 1, &name) || name.len == 0)
                return TLS_ERR_DECODE;
        }
        break;
    case F_KS_LIST:
        if (qb_rd_vec(&r, 2, &sub))
            return TLS_ERR_DECODE;
        val->p = sub.p;
        val->len = sub.len;
        while (qb_rd_left(&sub))
            if (check_ks_entry(&sub))
                return TLS_ERR_DECODE;
        break;
    case F_KS_ONE:
        if (check_ks_entry(&r))
            return TLS_ERR_DECODE;
        break;
    }
    return qb_rd_left(&r) == 0 ? 0 : TLS_ERR_DECODE;
}

int tls_exts_decode(qb_rd *r, tls_ctx ctx, tls_exts *e)
{
    qb_rd blk;
    uint16_t seen[TLS_MAX_EXTENSIONS];
    size_t nseen = 0;
    memset(e, 0, sizeof *e);
    if (qb_rd_vec(r, 2, &blk))
        return TLS_ERR_DECODE;
    while (qb_rd_left(&blk)) {
        uint16_t type;
        qb_rd data;
        if (qb_rd_u16(&blk, &type) || qb_rd_vec(&blk, 2, &data))
            return TLS_ERR_DECODE;
        /* RFC 8446 §4.2: at most one extension of each type. */
        for (size_t i = 0; i < nseen; i++)
            if (seen[i] == type)
                return TLS_ERR_ILLEGAL;
        if (nseen == TLS_MAX_EXTENSIONS)
            return TLS_ERR_DECODE;
        seen[nseen++] = type;
        /* §4.2.11: pre_shared_key must be the last extension of a ClientHello. */
        if (tls_exts_has(e, TLS_X_PSK))
            return TLS_ERR_ILLEGAL;
        int x = find_ext(type);
        if (x < 0) {
            e->unknown++;
            continue;
        }
        int rc = ext_shape((enum form)EXTS[x].form[ctx], data.p, data.len, &e->val[x]);
        if (rc)
            return rc;
        e->present |= 1u << x;
    }
    return 0;
}

int tls_vec_open(qb_wr *w, size_t lenbytes, tls_vec *v)
{
    v->lenbytes = lenbytes;
    if (qb_wr_reserve(w, lenbytes, &v->at))
        return TLS_ERR_INTERNAL;
    v->start = w->off;
    return 0;
}

int tls_vec_close(qb_wr *w, const tls_vec *v)
{
    size_t n = w->off - v->start;
    if (n >> (8 * v->lenbytes))
        return TLS_ERR_INTERNAL;
    for (size_t i = 0; i < v->lenbytes; i++)
        v->at[i] = (uint8_t)(n >> (8 * (v->lenbytes - 1 - i)));
    return 0;
}

/* Writes val back with the prefix its form strips. */
static int ext_put(qb_wr *w, enum form f, tls_bytes val)
{
    tls_vec v;
    size_t lb = 0;
    switch (f) {
    case F_U16S8: case F_U8S8: lb = 1; break;
    case F_U16S16: case F_OPAQUE16: case F_SNI: case F_ALPN: case F_KS_LIST: lb = 2; break;
    default: break;
    }
    if (lb && tls_vec_open(w, lb, &v))
        return TLS_ERR_INTERNAL;
    if (qb_wr_bytes(w, val.p, val.len))
        return TLS_ERR_INTERNAL;
    return lb ? tls_vec_close(w, &v) : 0;
}

int tls_exts_encode(qb_wr *w, tls_ctx ctx, const tls_exts *e)
{
    tls_vec blk, one;
    if (tls_vec_open(w, 2, &blk))
        return TLS_ERR_INTERNAL;
    for (int x = 0; x < TLS_X_COUNT; x++) {
        if (!tls_exts_has(e, x))
            continue;
        enum form f = (enum form)EXTS[x].form[ctx];
        if (f == F_NONE)
            return TLS_ERR_ARG;
        if (qb_wr_u16(w, EXTS[x].type) || tls_vec_open(w, 2, &one) ||
            ext_put(w, f, e->val[x]) || tls_vec_close(w, &one))
            return TLS_ERR_INTERNAL;
    }
    return tls_vec_close(w, &blk);
}

bool tls_u16_list_has(tls_bytes list, uint16_t v)
{
    for (size_t i = 0; i + 1 < list.len; i += 2)
        if (qb_get_u16(list.p + i) == v)
            return true;
    return false;
}

int tls_key_share_find(tls_bytes list, uint16_t group, tls_bytes *key)
{
    qb_rd r, k;
    qb_rd_init(&r, list.p, list.len);
    while (qb_rd_left(&r)) {
        uint16_t g;
        if (qb_rd_u16(&r, &g) || qb_rd_vec(&r, 2, &k))
            return TLS_ERR_DECODE;
        if (g == group) {
            key->p = k.p;
            key->len = k.len;
            return 1;
        }
    }
    return 0;
}

int tls_key_share_one(tls_bytes entry, uint16_t *group, tls_bytes *key)
{
    qb_rd r, k;
    qb_rd_init(&r, entry.p, entry.len);
    if (qb_rd_u16(&r, group) || qb_rd_vec(&r, 2, &k) || qb_rd_left(&r))
        return TLS_ERR_DECODE;
    key->p = k.p;
    key->len = k.len;
    return 0;
}

int tls_sni_host(tls_bytes list, tls_bytes *host)
{
    qb_rd r, name;
    qb_rd_init(&r, list.p, list.len);
    while (qb_rd_left(&r)) {
        uint8_t type;
        if (qb_rd_u8(&r, &type) || qb_rd_vec(&r, 2, &name))
            return TLS_ERR_DECODE;
        if (type == 0) { /* RFC 6066 §3 host_name */
            host->p = name.p;
            host->len = name.len;
            return 1;
        }
    }
    return 0;
}

int tls_alpn_next(qb_rd *r, tls_bytes *proto)
{
    qb_rd name;
    if (!qb_rd_left(r))
        return 0;
    if (qb_rd_vec(r, 1, &name))
        return TLS_ERR_DECODE;
    proto->p = name.p;
    proto->len = name.len;
    return 1;
}
