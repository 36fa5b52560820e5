/* quince decode: the TLS 1.3 handshake carried in CRYPTO frames (RFC 9001 §4),
 * reassembled per encryption level and direction, each message and extension
 * decoded with crypto/'s own parsers and explained. */
#include "app/app_decode_int.h"

#include "crypto/tls_msg.h"
#include "quic/tparams.h"

#include <inttypes.h>
#include <string.h>

static const char *lvl_name(int lvl)
{
    return lvl == DEC_LVL_INITIAL ? "Initial" : lvl == DEC_LVL_HANDSHAKE ? "Handshake" : "1-RTT";
}

static const char *suite_name(uint16_t s)
{
    switch (s) {
    case 0x1301: return "TLS_AES_128_GCM_SHA256";
    case 0x1302: return "TLS_AES_256_GCM_SHA384";
    case 0x1303: return "TLS_CHACHA20_POLY1305_SHA256";
    case 0x1304: return "TLS_AES_128_CCM_SHA256";
    }
    return "unknown";
}

static const char *group_name(uint16_t g)
{
    switch (g) {
    case 0x0017: return "secp256r1";
    case 0x0018: return "secp384r1";
    case 0x0019: return "secp521r1";
    case 0x001d: return "x25519";
    case 0x001e: return "x448";
    case 0x0100: return "ffdhe2048";
    case 0x11eb: return "SecP256r1MLKEM768";
    case 0x11ec: return "X25519MLKEM768";
    case 0x11ed: return "SecP384r1MLKEM1024";
    }
    return (g & 0x0f0f) == 0x0a0a ? "GREASE" : "unknown";
}

static const char *sigalg_name(uint16_t s)
{
    switch (s) {
    case 0x0401: return "rsa_pkcs1_sha256";
    case 0x0501: return "rsa_pkcs1_sha384";
    case 0x0601: return "rsa_pkcs1_sha512";
    case 0x0403: return "ecdsa_secp256r1_sha256";
    case 0x0503: return "ecdsa_secp384r1_sha384";
    case 0x0603: return "ecdsa_secp521r1_sha512";
    case 0x0804: return "rsa_pss_rsae_sha256";
    case 0x0805: return "rsa_pss_rsae_sha384";
    case 0x0806: return "rsa_pss_rsae_sha512";
    case 0x0807: return "ed25519";
    case 0x0808: return "ed448";
    case 0x0809: return "rsa_pss_pss_sha256";
    case 0x080a: return "rsa_pss_pss_sha384";
    case 0x080b: return "rsa_pss_pss_sha512";
    case 0x0201: return "rsa_pkcs1_sha1";
    case 0x0203: return "ecdsa_sha1";
    }
    return "unknown";
}

static const struct {
    uint16_t type;
    const char *name, *rfc;
} g_exts[] = {
    {0, "server_name", "RFC 6066 §3"},
    {10, "supported_groups", "RFC 8446 §4.2.7"},
    {13, "signature_algorithms", "RFC 8446 §4.2.3"},
    {16, "application_layer_protocol_negotiation", "RFC 7301 §3.1"},
    {41, "pre_shared_key", "RFC 8446 §4.2.11"},
    {42, "early_data", "RFC 8446 §4.2.10"},
    {43, "supported_versions", "RFC 8446 §4.2.1"},
    {44, "cookie", "RFC 8446 §4.2.2"},
    {45, "psk_key_exchange_modes", "RFC 8446 §4.2.9"},
    {51, "key_share", "RFC 8446 §4.2.8"},
    {57, "quic_transport_parameters", "RFC 9001 §8.2"},
    {5, "status_request", "RFC 6066 §8"},
    {11, "ec_point_formats", "RFC 8422 §5.1.2"},
    {21, "padding", "RFC 7685 §3"},
    {23, "extended_master_secret", "RFC 7627 §5.1"},
    {28, "record_size_limit", "RFC 8449 §4"},
    {35, "session_ticket", "RFC 5077 §3.2"},
    {18, "signed_certificate_timestamp", "RFC 6962 §3.3.1"},
    {27, "compress_certificate", "RFC 8879 §3"},
    {50, "signature_algorithms_cert", "RFC 8446 §4.2.3"},
    {65037, "encrypted_client_hello", "RFC 9849"},
    {65281, "renegotiation_info", "RFC 5746 §3.2"},
};

static const char *ext_name(uint16_t t, const char **rfc)
{
    for (size_t i = 0; i < sizeof g_exts / sizeof g_exts[0]; i++)
        if (g_exts[i].type == t) {
            *rfc = g_exts[i].rfc;
            return g_exts[i].name;
        }
    *rfc = "RFC 8446 §4.2";
    return (t & 0x0f0f) == 0x0a0a ? "GREASE" : "unknown";
}

static const char *tp_name(uint64_t id)
{
    static const char *const n[] = {
        "original_destination_connection_id", "max_idle_timeout", "stateless_reset_token",
        "max_udp_payload_size", "initial_max_data", "initial_max_stream_data_bidi_local",
        "initial_max_stream_data_bidi_remote", "initial_max_stream_data_uni",
        "initial_max_streams_bidi", "initial_max_streams_uni", "ack_delay_exponent",
        "max_ack_delay", "disable_active_migration", "preferred_address",
        "active_connection_id_limit", "initial_source_connection_id",
        "retry_source_connection_id",
    };
    if (id < sizeof n / sizeof n[0])
        return n[id];
    if (id == QUIC_TP_MAX_DATAGRAM_FRAME_SIZE)
        return "max_datagram_frame_size";
    if (id == QUIC_TP_VERSION_INFORMATION)
        return "version_information";
    return quic_tparams_is_grease(id) ? "reserved (GREASE)" : "unknown";
}

/* Transport parameters: each id and value (RFC 9000 §18.2), then the stack's
 * own validation of the block. */
static void tparams(dec *d, tls_bytes v, bool from_server, int depth)
{
    qb_rd r;
    char hex[100];
    qb_rd_init(&r, v.p, v.len);
    while (qb_rd_left(&r)) {
        uint64_t id, len, x;
        const uint8_t *val;
        if (qb_rd_varint(&r, &id) || qb_rd_varint(&r, &len) || len > qb_rd_left(&r) ||
            qb_rd_bytes(&r, (size_t)len, &val))
            break;
        bool is_int = id <= 0x0e && id != 0 && id != 2 && id != 0x0c && id != 0x0d;
        if (id == QUIC_TP_MAX_DATAGRAM_FRAME_SIZE)
            is_int = true;
        qb_rd vr;
        qb_rd_init(&vr, val, (size_t)len);
        if (id == QUIC_TP_VERSION_INFORMATION && len >= 4 && len % 4 == 0 && len <= 4 * 16) {
            /* RFC 9368 §3: Chosen Version, then the Available Versions */
            char list[16 * 14] = "", vb[12];
            size_t o = 0;
            for (size_t k = 4; k < len; k += 4)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", k > 4 ? ", " : "",
                                      dec_version_name(qb_get_u32(val + k), vb));
            dec_item(d, depth, "tparam", "RFC 9368 §3", "%s (0x%" PRIx64 ") = Chosen Version %s, Available Versions %s",
                     tp_name(id), id, dec_version_name(qb_get_u32(val), vb), o ? list : "(none)");
        } else if (is_int && qb_rd_varint(&vr, &x) == 0 && qb_rd_left(&vr) == 0)
            dec_item(d, depth, "tparam", id == QUIC_TP_MAX_DATAGRAM_FRAME_SIZE ? "RFC 9221 §3" : "RFC 9000 §18.2",
                     "%s (0x%" PRIx64 ") = %" PRIu64, tp_name(id), id, x);
        else
            dec_item(d, depth, "tparam", "RFC 9000 §18.2", "%s (0x%" PRIx64 ") = %s%s", tp_name(id), id,
                     len ? dec_hex(hex, sizeof hex, val, (size_t)len, 40) : "(empty)", "");
    }
    quic_tparams tp;
    int rc = quic_tparams_decode(v.p, v.len, from_server, &tp);
    if (rc != 0)
        dec_item(d, depth, "error", "RFC 9000 §7.4", "transport parameters rejected: %s",
                 quic_err_str(rc));
}

/* One extension: its type and length, then what its contents say. */
static void extension(dec *d, dec_flow *f, tls_ctx ctx, uint16_t type, tls_bytes v, int depth)
{
    const char *rfc;
    char buf[512], hex[140];
    const char *name = ext_name(type, &rfc);
    dec_item(d, depth, "tls_ext", rfc, "extension %s (%u), %zu bytes", name, type, v.len);
    qb_rd r, sub;
    qb_rd_init(&r, v.p, v.len);
    size_t o = 0;
    buf[0] = 0;
    switch (type) {
    case TLS_EXT_SERVER_NAME: {
        tls_bytes host;
        if (v.len >= 2 && qb_rd_vec(&r, 2, &sub) == 0) {
            tls_bytes list = {sub.p, sub.len};
            if (tls_sni_host(list, &host) == 1)
                dec_item(d, depth + 1, "field", rfc, "host_name %s",
                         dec_text(buf, sizeof buf, host.p, host.len, 255));
        }
        break;
    }
    case TLS_EXT_SUPPORTED_GROUPS:
    case TLS_EXT_SIGNATURE_ALGORITHMS:
        if (qb_rd_vec(&r, 2, &sub) == 0) {
            tls_bytes list = {sub.p, sub.len & ~(size_t)1};
            for (size_t i = 0; i < tls_u16_list_count(list) && o + 40 < sizeof buf; i++) {
                uint16_t x = tls_u16_list_at(list, i);
                o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s (0x%04x)", i ? ", " : "",
                                      type == TLS_EXT_SUPPORTED_GROUPS ? group_name(x) : sigalg_name(x), x);
            }
            dec_item(d, depth + 1, "field", rfc, "%s", buf);
        }
        break;
    case TLS_EXT_ALPN: {
        tls_bytes proto;
        if (qb_rd_vec(&r, 2, &sub) == 0)
            while (tls_alpn_next(&sub, &proto) == 1) {
                dec_item(d, depth + 1, "field", rfc, "protocol %s",
                         dec_text(buf, sizeof buf, proto.p, proto.len, 255));
                if (ctx == TLS_CTX_EE)
                    f->h3 = proto.len == 2 && !memcmp(proto.p, "h3", 2);
            }
        break;
    }
    case TLS_EXT_SUPPORTED_VERSIONS:
        if (ctx == TLS_CTX_CH && qb_rd_vec(&r, 1, &sub) == 0) {
            tls_bytes list = {sub.p, sub.len & ~(size_t)1};
            for (size_t i = 0; i < tls_u16_list_count(list) && o + 20 < sizeof buf; i++)
                o += (size_t)snprintf(buf + o, sizeof buf - o, "%s0x%04x%s", i ? ", " : "",
                                      tls_u16_list_at(list, i),
                                      tls_u16_list_at(list, i) == TLS_VERSION_13 ? " (TLS 1.3)" : "");
            dec_item(d, depth + 1, "field", rfc, "versions %s", buf);
        } else if (v.len == 2) {
            dec_item(d, depth + 1, "field", rfc, "selected version 0x%04x%s", qb_get_u16(v.p),
                     qb_get_u16(v.p) == TLS_VERSION_13 ? " (TLS 1.3)" : "");
        }
        break;
    case TLS_EXT_KEY_SHARE:
        if (ctx == TLS_CTX_CH && qb_rd_vec(&r, 2, &sub) == 0) {
            uint16_t g;
            qb_rd key;
            while (qb_rd_u16(&sub, &g) == 0 && qb_rd_vec(&sub, 2, &key) == 0)
                dec_item(d, depth + 1, "field", rfc, "key share %s (0x%04x): %s", group_name(g), g,
                         dec_hex(hex, sizeof hex, key.p, key.len, 64));
        } else if (ctx == TLS_CTX_SH) {
            uint16_t g;
            tls_bytes key;
            if (tls_key_share_one(v, &g, &key) == 0)
                dec_item(d, depth + 1, "field", rfc, "key share %s (0x%04x): %s", group_name(g), g,
                         dec_hex(hex, sizeof hex, key.p, key.len, 64));
        } else if (v.len == 2) {
            dec_item(d, depth + 1, "field", rfc, "selected group %s", group_name(qb_get_u16(v.p)));
        }
        break;
    case TLS_EXT_PSK_KEY_EXCHANGE_MODES:
        if (qb_rd_vec(&r, 1, &sub) == 0)
            for (size_t i = 0; i < sub.len; i++)
                dec_item(d, depth + 1, "field", rfc, "mode %s (%u)",
                         sub.p[i] == 1 ? "psk_dhe_ke" : sub.p[i] == 0 ? "psk_ke" : "unknown", sub.p[i]);
        break;
    case TLS_EXT_QUIC_TRANSPORT_PARAMETERS:
        tparams(d, v, ctx != TLS_CTX_CH, depth + 1);
        break;
    default:
        if (v.len)
            dec_item(d, depth + 1, "field", rfc, "%s", dec_hex(hex, sizeof hex, v.p, v.len, 48));
        break;
    }
}

/* Walks the extension block at p (u16 length, then extensions), showing each
 * in wire order; the block was validated by the message decoder already. */
static void extensions(dec *d, dec_flow *f, tls_ctx ctx, const uint8_t *p, size_t len, int depth)
{
    qb_rd r, block;
    qb_rd_init(&r, p, len);
    if (qb_rd_vec(&r, 2, &block) != 0)
        return;
    while (qb_rd_left(&block)) {
        uint16_t type;
        qb_rd ext;
        if (qb_rd_u16(&block, &type) || qb_rd_vec(&block, 2, &ext))
            return;
        tls_bytes v = {ext.p, ext.len};
        extension(d, f, ctx, type, v, depth);
    }
}

static void message(dec *d, dec_flow *f, int dir, const tls_msg *m, int depth)
{
    char hex[200];
    const uint8_t *b = m->body.p;
    size_t n = m->body.len;
    int rc = 0;
    switch (m->type) {
    case TLS_HS_CLIENT_HELLO: {
        tls_ch ch;
        dec_item(d, depth, "tls", "RFC 8446 §4.1.2 ClientHello", "ClientHello (1), %zu bytes", n);
        if ((rc = tls_ch_decode(b, n, &ch)) != 0)
            break;
        dec_item(d, depth + 1, "field", "RFC 8446 §4.1.2", "legacy_version 0x%04x", ch.legacy_version);
        dec_item(d, depth + 1, "field", "RFC 8446 §4.1.2", "random %s",
                 dec_hex(hex, sizeof hex, ch.random, 32, 32));
        dec_item(d, depth + 1, "field", "RFC 8446 §4.1.2", "legacy_session_id (%zu bytes)%s%s",
                 ch.session_id.len, ch.session_id.len ? " " : "",
                 dec_hex(hex, sizeof hex, ch.session_id.p, ch.session_id.len, 32));
        for (size_t i = 0; i < tls_u16_list_count(ch.suites); i++)
            dec_item(d, depth + 1, "field", "RFC 8446 §B.4", "cipher suite %s (0x%04x)",
                     suite_name(tls_u16_list_at(ch.suites, i)), tls_u16_list_at(ch.suites, i));
        extensions(d, f, TLS_CTX_CH, ch.compression.p + ch.compression.len,
                   (size_t)(b + n - (ch.compression.p + ch.compression.len)), depth + 1);
        if (!f->have_random) {
            memcpy(f->random, ch.random, 32);
            f->have_random = true;
        }
        break;
    }
    case TLS_HS_SERVER_HELLO: {
        tls_sh sh;
        if ((rc = tls_sh_decode(b, n, &sh)) != 0) {
            dec_item(d, depth, "tls", "RFC 8446 §4.1.3 ServerHello", "ServerHello (2), %zu bytes", n);
            break;
        }
        dec_item(d, depth, "tls", sh.hrr ? "RFC 8446 §4.1.4 HelloRetryRequest" : "RFC 8446 §4.1.3 ServerHello",
                 "%s (2), %zu bytes", sh.hrr ? "HelloRetryRequest" : "ServerHello", n);
        dec_item(d, depth + 1, "field", "RFC 8446 §4.1.3", "legacy_version 0x%04x", sh.legacy_version);
        dec_item(d, depth + 1, "field", "RFC 8446 §4.1.3", "random %s",
                 dec_hex(hex, sizeof hex, sh.random, 32, 32));
        dec_item(d, depth + 1, "field", "RFC 8446 §4.1.3", "cipher suite %s (0x%04x)",
                 suite_name(sh.suite), sh.suite);
        const uint8_t *ext = sh.session_id.p + sh.session_id.len + 3;
        extensions(d, f, sh.hrr ? TLS_CTX_HRR : TLS_CTX_SH, ext, (size_t)(b + n - ext), depth + 1);
        if (!sh.hrr) {
            f->suite = sh.suite;
            f->have_suite = true;
            dec_flow_keys_from_keylog(d, f, depth + 1);
        }
        break;
    }
    case TLS_HS_ENCRYPTED_EXTENSIONS: {
        tls_ee ee;
        dec_item(d, depth, "tls", "RFC 8446 §4.3.1 EncryptedExtensions", "EncryptedExtensions (8), %zu bytes", n);
        if ((rc = tls_ee_decode(b, n, &ee)) == 0)
            extensions(d, f, TLS_CTX_EE, b, n, depth + 1);
        break;
    }
    case TLS_HS_CERTIFICATE: {
        tls_cert c;
        dec_item(d, depth, "tls", "RFC 8446 §4.4.2 Certificate", "Certificate (11), %zu bytes", n);
        if ((rc = tls_cert_decode(b, n, &c)) != 0)
            break;
        qb_rd r;
        tls_bytes der, exts;
        int i = 0;
        qb_rd_init(&r, c.list.p, c.list.len);
        while (tls_cert_next(&r, &der, &exts) == 1)
            dec_item(d, depth + 1, "field", "RFC 8446 §4.4.2.1", "certificate %d: %zu bytes of X.509 DER %s, %zu bytes of extensions",
                     ++i, der.len, dec_hex(hex, sizeof hex, der.p, der.len, 16), exts.len);
        break;
    }
    case TLS_HS_CERTIFICATE_REQUEST:
        dec_item(d, depth, "tls", "RFC 8446 §4.3.2 CertificateRequest", "CertificateRequest (13), %zu bytes", n);
        break;
    case TLS_HS_CERTIFICATE_VERIFY: {
        tls_cv cv;
        dec_item(d, depth, "tls", "RFC 8446 §4.4.3 CertificateVerify", "CertificateVerify (15), %zu bytes", n);
        if ((rc = tls_cv_decode(b, n, &cv)) != 0)
            break;
        dec_item(d, depth + 1, "field", "RFC 8446 §4.4.3", "algorithm %s (0x%04x)", sigalg_name(cv.scheme), cv.scheme);
        dec_item(d, depth + 1, "field", "RFC 8446 §4.4.3", "signature (%zu bytes) %s", cv.sig.len,
                 dec_hex(hex, sizeof hex, cv.sig.p, cv.sig.len, 80));
        break;
    }
    case TLS_HS_FINISHED: {
        tls_fin fin;
        dec_item(d, depth, "tls", "RFC 8446 §4.4.4 Finished", "%s Finished (20), %zu bytes",
                 dir == DEC_C2S ? "client" : "server", n);
        if ((rc = tls_fin_decode(b, n, &fin)) == 0)
            dec_item(d, depth + 1, "field", "RFC 8446 §4.4.4", "verify_data %s",
                     dec_hex(hex, sizeof hex, fin.verify_data.p, fin.verify_data.len, 64));
        break;
    }
    case TLS_HS_NEW_SESSION_TICKET: {
        tls_nst t;
        dec_item(d, depth, "tls", "RFC 8446 §4.6.1 NewSessionTicket", "NewSessionTicket (4), %zu bytes", n);
        if ((rc = tls_nst_decode(b, n, &t)) == 0)
            dec_item(d, depth + 1, "field", "RFC 8446 §4.6.1", "lifetime %" PRIu32 " s, ticket %zu bytes",
                     t.lifetime, t.ticket.len);
        break;
    }
    case TLS_HS_KEY_UPDATE:
        dec_item(d, depth, "error", "RFC 9001 §6", "KeyUpdate (24): forbidden in QUIC");
        break;
    default:
        dec_item(d, depth, "tls", "RFC 8446 §4", "handshake message type %u, %zu bytes", m->type, n);
        break;
    }
    if (rc != 0)
        dec_item(d, depth + 1, "error", "RFC 8446 §6", "the message does not parse (alert %d)", rc);
}

void dec_tls_crypto(dec *d, dec_flow *f, int lvl, int dir, uint64_t off, const uint8_t *p,
                    size_t len, int depth)
{
    dec_rs *rs = &f->crypto[lvl][dir];
    size_t dup = 0;
    if (dec_rs_add(d, rs, off, p, len, &dup) < 0)
        dec_item(d, depth, "error", "RFC 9000 §7.5", "CRYPTO data beyond %u bytes is not decoded", DEC_STREAM_MAX);
    if (dup)
        dec_item(d, depth, "note", "RFC 9000 §13.3", "retransmission: %zu of these bytes were seen before", dup);
    /* Whole handshake messages: 4-byte header (type, u24 length), then the body. */
    while (rs->ready - rs->parsed >= 4) {
        const uint8_t *h = rs->buf + rs->parsed;
        size_t mlen = 4 + ((size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3]);
        if (rs->ready - rs->parsed < mlen) {
            dec_item(d, depth, "note", "RFC 9001 §4.1.3", "%s CRYPTO stream: %zu of %zu bytes of the next message",
                     lvl_name(lvl), rs->ready - rs->parsed, mlen);
            break;
        }
        qb_rd r;
        tls_msg m;
        qb_rd_init(&r, h, mlen);
        if (tls_msg_decode(&r, &m) != 0)
            break;
        message(d, f, dir, &m, depth);
        rs->parsed += mlen;
    }
}
