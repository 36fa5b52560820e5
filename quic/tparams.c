/* QUIC transport parameters (RFC 9000 §18, RFC 9221 §3): one table of the
 * integer parameters with their defaults and valid ranges drives init, decode,
 * encode and equality; connection IDs, the token and preferred_address are the
 * few special cases. */
#include "quic/tparams.h"
#include "quic/quic_err.h"

#include <stddef.h>
#include <string.h>

typedef struct tp_int {
    uint64_t id;
    size_t off; /* of the uint64_t in quic_tparams */
    uint64_t def, lo, hi;
    int err; /* when outside [lo, hi] */
} tp_int;

#define F(field) offsetof(quic_tparams, field)
static const tp_int tp_ints[] = {
    {QUIC_TP_MAX_IDLE_TIMEOUT, F(max_idle_timeout), 0, 0, QB_VARINT_MAX, 0},
    {QUIC_TP_MAX_UDP_PAYLOAD_SIZE, F(max_udp_payload_size),
     QUIC_TP_DEFAULT_MAX_UDP_PAYLOAD_SIZE, QUIC_TP_MIN_MAX_UDP_PAYLOAD_SIZE, QB_VARINT_MAX,
     QUIC_TP_ERR_MAX_UDP_PAYLOAD},
    {QUIC_TP_INITIAL_MAX_DATA, F(initial_max_data), 0, 0, QB_VARINT_MAX, 0},
    {QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL, F(initial_max_stream_data_bidi_local), 0, 0,
     QB_VARINT_MAX, 0},
    {QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE, F(initial_max_stream_data_bidi_remote), 0,
     0, QB_VARINT_MAX, 0},
    {QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI, F(initial_max_stream_data_uni), 0, 0, QB_VARINT_MAX,
     0},
    {QUIC_TP_INITIAL_MAX_STREAMS_BIDI, F(initial_max_streams_bidi), 0, 0,
     QUIC_TP_MAX_STREAMS_LIMIT, QUIC_TP_ERR_MAX_STREAMS},
    {QUIC_TP_INITIAL_MAX_STREAMS_UNI, F(initial_max_streams_uni), 0, 0,
     QUIC_TP_MAX_STREAMS_LIMIT, QUIC_TP_ERR_MAX_STREAMS},
    {QUIC_TP_ACK_DELAY_EXPONENT, F(ack_delay_exponent), QUIC_TP_DEFAULT_ACK_DELAY_EXPONENT, 0,
     QUIC_TP_MAX_ACK_DELAY_EXPONENT, QUIC_TP_ERR_ACK_DELAY_EXPONENT},
    {QUIC_TP_MAX_ACK_DELAY, F(max_ack_delay), QUIC_TP_DEFAULT_MAX_ACK_DELAY, 0,
     QUIC_TP_MAX_ACK_DELAY_LIMIT - 1, QUIC_TP_ERR_MAX_ACK_DELAY},
    {QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT, F(active_connection_id_limit),
     QUIC_TP_DEFAULT_ACTIVE_CID_LIMIT, 2, QB_VARINT_MAX, QUIC_TP_ERR_ACTIVE_CID_LIMIT},
    /* RFC 9221 §3; sent only when has_max_datagram_frame_size */
    {QUIC_TP_MAX_DATAGRAM_FRAME_SIZE, F(max_datagram_frame_size), 0, 0, QB_VARINT_MAX, 0},
};
#undef F
#define TP_NINTS (sizeof tp_ints / sizeof tp_ints[0])

static uint64_t *int_at(quic_tparams *tp, const tp_int *d)
{
    return (uint64_t *)((char *)tp + d->off);
}
static uint64_t int_get(const quic_tparams *tp, const tp_int *d)
{
    return *(const uint64_t *)((const char *)tp + d->off);
}
static const tp_int *int_find(uint64_t id)
{
    for (size_t i = 0; i < TP_NINTS; i++)
        if (tp_ints[i].id == id)
            return &tp_ints[i];
    return NULL;
}

void quic_tparams_init(quic_tparams *tp)
{
    memset(tp, 0, sizeof *tp);
    for (size_t i = 0; i < TP_NINTS; i++)
        *int_at(tp, &tp_ints[i]) = tp_ints[i].def;
}

bool quic_tparams_is_grease(uint64_t id)
{
    return id >= 27 && (id - 27) % 31 == 0; /* §18.1 */
}

/* §18.2: "only sent by a server" */
static bool server_only(uint64_t id)
{
    return id == QUIC_TP_ORIGINAL_DESTINATION_CONNECTION_ID ||
           id == QUIC_TP_STATELESS_RESET_TOKEN || id == QUIC_TP_PREFERRED_ADDRESS ||
           id == QUIC_TP_RETRY_SOURCE_CONNECTION_ID;
}

/* ---- decoding ---- */

/* Remembers every id seen: small ids in a bitmap, the rest in a bounded list. */
typedef struct tp_seen {
    uint64_t bits;
    uint64_t big[QUIC_TP_MAX_UNKNOWN];
    size_t nbig;
} tp_seen;

static int seen_add(tp_seen *s, uint64_t id)
{
    if (id < 64) {
        if (s->bits & ((uint64_t)1 << id))
            return QUIC_TP_ERR_DUPLICATE;
        s->bits |= (uint64_t)1 << id;
        return 0;
    }
    for (size_t i = 0; i < s->nbig; i++)
        if (s->big[i] == id)
            return QUIC_TP_ERR_DUPLICATE;
    if (s->nbig == QUIC_TP_MAX_UNKNOWN)
        return QUIC_TP_ERR_TOO_MANY;
    s->big[s->nbig++] = id;
    return 0;
}

static int rd_cid(qb_rd *v, quic_tp_cid *cid)
{
    if (qb_rd_left(v) > QUIC_TP_CID_MAX)
        return QUIC_TP_ERR_CID_LEN;
    cid->len = (uint8_t)qb_rd_left(v);
    return qb_rd_copy(v, cid->bytes, cid->len) == QB_OK ? 0 : QUIC_TP_ERR_TRUNCATED;
}

/* RFC 9000 §18.2, Figure 22: the exact layout, a 1..20 byte CID. */
static int rd_preferred_address(qb_rd *v, quic_tp_preferred_address *pa)
{
    uint8_t cl;
    if (qb_rd_copy(v, pa->ipv4, 4) != QB_OK || qb_rd_u16(v, &pa->ipv4_port) != QB_OK ||
        qb_rd_copy(v, pa->ipv6, 16) != QB_OK || qb_rd_u16(v, &pa->ipv6_port) != QB_OK ||
        qb_rd_u8(v, &cl) != QB_OK)
        return QUIC_TP_ERR_PREFERRED_ADDRESS;
    if (cl < 1 || cl > QUIC_TP_CID_MAX || qb_rd_left(v) != (size_t)cl + QUIC_TP_RESET_TOKEN_LEN)
        return QUIC_TP_ERR_PREFERRED_ADDRESS;
    pa->cid.len = cl;
    (void)qb_rd_copy(v, pa->cid.bytes, cl);
    (void)qb_rd_copy(v, pa->reset_token, QUIC_TP_RESET_TOKEN_LEN);
    return 0;
}

/* RFC 9368 §3, §4: a Chosen Version and zero or more Available Versions,
 * none of them 0; a client's Chosen Version is among its Available ones. */
static int rd_version_info(qb_rd *v, bool from_server, quic_tp_version_info *vi)
{
    size_t n = qb_rd_left(v);
    bool listed = false;
    if (n < 4 || n % 4 != 0)
        return QUIC_TP_ERR_VERSION_INFO;
    (void)qb_rd_u32(v, &vi->chosen);
    if (vi->chosen == 0)
        return QUIC_TP_ERR_VERSION_INFO;
    vi->n_available = 0;
    while (qb_rd_left(v)) {
        uint32_t x;
        (void)qb_rd_u32(v, &x);
        if (x == 0)
            return QUIC_TP_ERR_VERSION_INFO;
        listed |= x == vi->chosen;
        if (vi->n_available == QUIC_TP_VERSIONS_MAX)
            return QUIC_TP_ERR_VERSION_INFO;
        vi->available[vi->n_available++] = x;
    }
    return from_server || listed ? 0 : QUIC_TP_ERR_VERSION_INFO;
}

static int decode_one(uint64_t id, qb_rd *v, bool from_server, quic_tparams *tp)
{
    const tp_int *d = int_find(id);
    if (d) {
        uint64_t x;
        if (qb_rd_varint(v, &x) != QB_OK || qb_rd_left(v) != 0)
            return QUIC_TP_ERR_VARINT_LEN;
        if (x < d->lo || x > d->hi)
            return d->err;
        *int_at(tp, d) = x;
        if (id == QUIC_TP_MAX_DATAGRAM_FRAME_SIZE)
            tp->has_max_datagram_frame_size = true;
        return 0;
    }
    switch (id) {
    case QUIC_TP_ORIGINAL_DESTINATION_CONNECTION_ID:
        tp->has_original_dcid = true;
        return rd_cid(v, &tp->original_dcid);
    case QUIC_TP_INITIAL_SOURCE_CONNECTION_ID:
        tp->has_initial_scid = true;
        return rd_cid(v, &tp->initial_scid);
    case QUIC_TP_RETRY_SOURCE_CONNECTION_ID:
        tp->has_retry_scid = true;
        return rd_cid(v, &tp->retry_scid);
    case QUIC_TP_STATELESS_RESET_TOKEN:
        if (qb_rd_left(v) != QUIC_TP_RESET_TOKEN_LEN)
            return QUIC_TP_ERR_RESET_TOKEN_LEN;
        tp->has_stateless_reset_token = true;
        return qb_rd_copy(v, tp->stateless_reset_token, QUIC_TP_RESET_TOKEN_LEN) == QB_OK
                   ? 0 : QUIC_TP_ERR_TRUNCATED;
    case QUIC_TP_DISABLE_ACTIVE_MIGRATION:
        if (qb_rd_left(v) != 0)
            return QUIC_TP_ERR_DISABLE_MIGRATION;
        tp->disable_active_migration = true;
        return 0;
    case QUIC_TP_PREFERRED_ADDRESS:
        tp->has_preferred_address = true;
        return rd_preferred_address(v, &tp->preferred_address);
    case QUIC_TP_VERSION_INFORMATION:
        tp->has_version_info = true;
        return rd_version_info(v, from_server, &tp->version_info);
    default:
        return 0; /* unknown or reserved: ignored (§7.4.2, §18.1) */
    }
}

int quic_tparams_decode(const uint8_t *p, size_t len, bool from_server, quic_tparams *out)
{
    qb_rd r;
    tp_seen seen;
    seen.bits = 0; /* big[] is only read below nbig */
    seen.nbig = 0;
    quic_tparams_init(out);
    qb_rd_init(&r, p, p ? len : 0);
    while (qb_rd_left(&r)) {
        uint64_t id, vlen;
        qb_rd v;
        if (qb_rd_varint(&r, &id) != QB_OK || qb_rd_varint(&r, &vlen) != QB_OK ||
            vlen > qb_rd_left(&r) || qb_rd_sub(&r, (size_t)vlen, &v) != QB_OK)
            return QUIC_TP_ERR_TRUNCATED;
        int rc = seen_add(&seen, id); /* §7.4: no id twice, known or not */
        if (rc)
            return rc;
        if (!from_server && server_only(id))
            return QUIC_TP_ERR_SERVER_ONLY; /* §18.2 */
        if ((rc = decode_one(id, &v, from_server, out)))
            return rc;
    }
    return 0;
}

/* ---- encoding ---- */

static int wr_err(int qb) { return qb == QB_ERR_NO_SPACE ? QUIC_TP_ERR_NO_SPACE : QUIC_TP_ERR_INVALID; }

static int wr_param(qb_wr *w, uint64_t id, const void *val, size_t n)
{
    int rc;
    if ((rc = qb_wr_varint(w, id)) || (rc = qb_wr_varint(w, n)) || (rc = qb_wr_bytes(w, val, n)))
        return wr_err(rc);
    return 0;
}

static int wr_int(qb_wr *w, uint64_t id, uint64_t x)
{
    int rc;
    if ((rc = qb_wr_varint(w, id)) || (rc = qb_wr_varint(w, qb_varint_len(x))) ||
        (rc = qb_wr_varint(w, x)))
        return wr_err(rc);
    return 0;
}

static int wr_cid(qb_wr *w, uint64_t id, bool has, const quic_tp_cid *c)
{
    if (!has)
        return 0;
    if (c->len > QUIC_TP_CID_MAX)
        return QUIC_TP_ERR_INVALID;
    return wr_param(w, id, c->bytes, c->len);
}

static int wr_preferred_address(qb_wr *w, const quic_tp_preferred_address *pa)
{
    uint8_t b[4 + 2 + 16 + 2 + 1 + QUIC_TP_CID_MAX + QUIC_TP_RESET_TOKEN_LEN];
    qb_wr bw;
    if (pa->cid.len < 1 || pa->cid.len > QUIC_TP_CID_MAX)
        return QUIC_TP_ERR_INVALID; /* §18.2: never a zero-length CID */
    qb_wr_init(&bw, b, sizeof b);
    (void)qb_wr_bytes(&bw, pa->ipv4, 4);
    (void)qb_wr_u16(&bw, pa->ipv4_port);
    (void)qb_wr_bytes(&bw, pa->ipv6, 16);
    (void)qb_wr_u16(&bw, pa->ipv6_port);
    (void)qb_wr_u8(&bw, pa->cid.len);
    (void)qb_wr_bytes(&bw, pa->cid.bytes, pa->cid.len);
    (void)qb_wr_bytes(&bw, pa->reset_token, QUIC_TP_RESET_TOKEN_LEN);
    return wr_param(w, QUIC_TP_PREFERRED_ADDRESS, b, bw.off);
}

static int wr_version_info(qb_wr *w, const quic_tp_version_info *vi)
{
    uint8_t b[4 * (1 + QUIC_TP_VERSIONS_MAX)];
    qb_wr bw;
    if (vi->chosen == 0 || vi->n_available > QUIC_TP_VERSIONS_MAX)
        return QUIC_TP_ERR_INVALID;
    qb_wr_init(&bw, b, sizeof b);
    (void)qb_wr_u32(&bw, vi->chosen);
    for (size_t i = 0; i < vi->n_available; i++)
        (void)qb_wr_u32(&bw, vi->available[i]);
    return wr_param(w, QUIC_TP_VERSION_INFORMATION, b, bw.off);
}

static int encode_all(qb_wr *w, const quic_tparams *tp, bool is_server)
{
    int rc = 0;
    if (!is_server && (tp->has_original_dcid || tp->has_retry_scid ||
                       tp->has_stateless_reset_token || tp->has_preferred_address))
        return QUIC_TP_ERR_INVALID; /* §18.2: server-only */
    if (tp->grease_id) { /* §18.1 */
        if (!quic_tparams_is_grease(tp->grease_id))
            return QUIC_TP_ERR_INVALID;
        if ((rc = wr_param(w, tp->grease_id, NULL, 0)))
            return rc;
    }
    if ((rc = wr_cid(w, QUIC_TP_ORIGINAL_DESTINATION_CONNECTION_ID, tp->has_original_dcid,
                     &tp->original_dcid)))
        return rc;
    if (tp->has_stateless_reset_token &&
        (rc = wr_param(w, QUIC_TP_STATELESS_RESET_TOKEN, tp->stateless_reset_token,
                       QUIC_TP_RESET_TOKEN_LEN)))
        return rc;
    for (size_t i = 0; i < TP_NINTS; i++) {
        const tp_int *d = &tp_ints[i];
        uint64_t x = int_get(tp, d);
        if (x < d->lo || x > d->hi)
            return QUIC_TP_ERR_INVALID; /* never send what a peer must reject */
        bool send = d->id == QUIC_TP_MAX_DATAGRAM_FRAME_SIZE ? tp->has_max_datagram_frame_size
                                                             : x != d->def;
        if (send && (rc = wr_int(w, d->id, x)))
            return rc;
    }
    if (tp->disable_active_migration &&
        (rc = wr_param(w, QUIC_TP_DISABLE_ACTIVE_MIGRATION, NULL, 0)))
        return rc;
    if (tp->has_preferred_address && (rc = wr_preferred_address(w, &tp->preferred_address)))
        return rc;
    if (tp->has_version_info && (rc = wr_version_info(w, &tp->version_info)))
        return rc;
    if ((rc = wr_cid(w, QUIC_TP_INITIAL_SOURCE_CONNECTION_ID, tp->has_initial_scid,
                     &tp->initial_scid)))
        return rc;
    return wr_cid(w, QUIC_TP_RETRY_SOURCE_CONNECTION_ID, tp->has_retry_scid, &tp->retry_scid);
}

int quic_tparams_encode(qb_wr *w, const quic_tparams *tp, bool is_server)
{
    size_t start = w->off;
    int rc = encode_all(w, tp, is_server);
    if (rc)
        w->off = start;
    return rc;
}

/* ---- equality, errors ---- */

static bool cid_eq(bool ha, const quic_tp_cid *a, bool hb, const quic_tp_cid *b)
{
    if (ha != hb)
        return false;
    return !ha || (a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0);
}

bool quic_tparams_equal(const quic_tparams *a, const quic_tparams *b)
{
    for (size_t i = 0; i < TP_NINTS; i++)
        if (int_get(a, &tp_ints[i]) != int_get(b, &tp_ints[i]))
            return false;
    if (a->disable_active_migration != b->disable_active_migration ||
        a->has_max_datagram_frame_size != b->has_max_datagram_frame_size ||
        !cid_eq(a->has_original_dcid, &a->original_dcid, b->has_original_dcid,
                &b->original_dcid) ||
        !cid_eq(a->has_initial_scid, &a->initial_scid, b->has_initial_scid, &b->initial_scid) ||
        !cid_eq(a->has_retry_scid, &a->retry_scid, b->has_retry_scid, &b->retry_scid) ||
        a->has_stateless_reset_token != b->has_stateless_reset_token ||
        a->has_preferred_address != b->has_preferred_address ||
        a->has_version_info != b->has_version_info)
        return false;
    if (a->has_version_info) {
        const quic_tp_version_info *x = &a->version_info, *y = &b->version_info;
        if (x->chosen != y->chosen || x->n_available != y->n_available ||
            memcmp(x->available, y->available, x->n_available * sizeof x->available[0]))
            return false;
    }
    if (a->has_stateless_reset_token &&
        memcmp(a->stateless_reset_token, b->stateless_reset_token, QUIC_TP_RESET_TOKEN_LEN))
        return false;
    if (a->has_preferred_address) {
        const quic_tp_preferred_address *x = &a->preferred_address, *y = &b->preferred_address;
        if (memcmp(x->ipv4, y->ipv4, 4) || x->ipv4_port != y->ipv4_port ||
            memcmp(x->ipv6, y->ipv6, 16) || x->ipv6_port != y->ipv6_port ||
            !cid_eq(true, &x->cid, true, &y->cid) ||
            memcmp(x->reset_token, y->reset_token, QUIC_TP_RESET_TOKEN_LEN))
            return false;
    }
    return true;
}
