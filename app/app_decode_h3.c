/* quince decode: application data. With ALPN "h3", stream bytes are HTTP/3
 * frames (RFC 9114 §7) decoded by h3/, HEADERS field sections by qpack/, and
 * DATAGRAM frames HTTP datagrams (RFC 9297 §2.1); with another ALPN the stream
 * data is shown as text. */
#include "app/app_decode_int.h"

#include "h3/h3.h"
#include "qpack/qpack.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *uni_name(uint64_t t)
{
    switch (t) {
    case 0x00: return "control stream";
    case 0x01: return "push stream";
    case 0x02: return "QPACK encoder stream";
    case 0x03: return "QPACK decoder stream";
    }
    return (t >= 0x21 && (t - 0x21) % 0x1f == 0) ? "reserved stream type (GREASE)" : "unknown stream type";
}

static const char *uni_rfc(uint64_t t)
{
    switch (t) {
    case 0x00: return "RFC 9114 §6.2.1";
    case 0x01: return "RFC 9114 §6.2.2";
    case 0x02: return "RFC 9204 §4.2";
    case 0x03: return "RFC 9204 §4.2";
    }
    return "RFC 9114 §6.2.3";
}

static const char *frame_name(uint64_t t, const char **rfc)
{
    switch (t) {
    case H3_FRAME_DATA: *rfc = "RFC 9114 §7.2.1 DATA"; return "DATA";
    case H3_FRAME_HEADERS: *rfc = "RFC 9114 §7.2.2 HEADERS"; return "HEADERS";
    case H3_FRAME_CANCEL_PUSH: *rfc = "RFC 9114 §7.2.3 CANCEL_PUSH"; return "CANCEL_PUSH";
    case H3_FRAME_SETTINGS: *rfc = "RFC 9114 §7.2.4 SETTINGS"; return "SETTINGS";
    case H3_FRAME_PUSH_PROMISE: *rfc = "RFC 9114 §7.2.5 PUSH_PROMISE"; return "PUSH_PROMISE";
    case H3_FRAME_GOAWAY: *rfc = "RFC 9114 §7.2.6 GOAWAY"; return "GOAWAY";
    case H3_FRAME_MAX_PUSH_ID: *rfc = "RFC 9114 §7.2.7 MAX_PUSH_ID"; return "MAX_PUSH_ID";
    }
    *rfc = "RFC 9114 §9";
    return h3_frame_type_is_grease(t) ? "reserved (GREASE)" : "unknown";
}

static const char *setting_name(uint64_t id, const char **rfc)
{
    switch (id) {
    case H3_SETTING_QPACK_MAX_TABLE_CAPACITY: *rfc = "RFC 9204 §5"; return "SETTINGS_QPACK_MAX_TABLE_CAPACITY";
    case H3_SETTING_MAX_FIELD_SECTION_SIZE: *rfc = "RFC 9114 §7.2.4.1"; return "SETTINGS_MAX_FIELD_SECTION_SIZE";
    case H3_SETTING_QPACK_BLOCKED_STREAMS: *rfc = "RFC 9204 §5"; return "SETTINGS_QPACK_BLOCKED_STREAMS";
    case H3_SETTING_ENABLE_CONNECT_PROTOCOL: *rfc = "RFC 9220 §3"; return "SETTINGS_ENABLE_CONNECT_PROTOCOL";
    case H3_SETTING_H3_DATAGRAM: *rfc = "RFC 9297 §2.1.1"; return "SETTINGS_H3_DATAGRAM";
    }
    *rfc = "RFC 9114 §7.2.4.1";
    return (id >= 0x21 && (id - 0x21) % 0x1f == 0) ? "reserved (GREASE)" : "unknown";
}

static dec_stream *stream_get(dec_flow *f, int dir, uint64_t id)
{
    for (size_t i = 0; i < f->nstreams; i++)
        if (f->streams[i]->id == id && f->streams[i]->dir == dir)
            return f->streams[i];
    if (f->nstreams == DEC_MAX_STREAMS)
        return NULL;
    dec_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->id = id;
    s->dir = dir;
    f->streams[f->nstreams++] = s;
    return s;
}

void dec_flow_free_streams(dec_flow *f)
{
    for (size_t i = 0; i < f->nstreams; i++) {
        dec_rs_free(&f->streams[i]->rs);
        free(f->streams[i]);
    }
    f->nstreams = 0;
}

/* One string literal: raw or Huffman-coded (RFC 7541 §5.2), with its size on
 * the wire against its decoded size. */
static const char *str_how(char *out, size_t cap, bool huffman, size_t wire, size_t len)
{
    if (huffman)
        snprintf(out, cap, "Huffman-coded, %zu bytes on the wire for %zu", wire, len);
    else
        snprintf(out, cap, "raw, %zu bytes on the wire", wire);
    return out;
}

static void fields(dec *d, const h3_frame *fr, int depth)
{
    qpack_field fl[128];
    qpack_line ln[128];
    size_t n = 0;
    char name[300], value[600], how[80], how2[80];
    int rc = qpack_decode_field_section_lines(fr->field_section, fr->field_section_len, SIZE_MAX,
                                              d->scratch, sizeof d->scratch, fl, ln, 128, &n);
    if (rc != 0) {
        dec_item(d, depth, "error", "RFC 9204 §4.5", "field section does not decode: %s", qpack_err_str(rc));
        return;
    }
    dec_item(d, depth, "qpack", "RFC 9204 §4.5.1", "field section prefix: Required Insert Count 0, Base 0 (static table only)");
    for (size_t i = 0; i < n; i++) {
        dec_text(name, sizeof name, fl[i].name, fl[i].name_len, 128);
        dec_text(value, sizeof value, fl[i].value, fl[i].value_len, 256);
        switch (ln[i].rep) {
        case QPACK_REP_INDEXED:
            dec_item(d, depth, "qpack", "RFC 9204 §4.5.2", "%s: %s (indexed field line, static table entry %" PRIu64 ")",
                     name, value, ln[i].static_index);
            break;
        case QPACK_REP_NAME_REF:
            dec_item(d, depth, "qpack", "RFC 9204 §4.5.4", "%s: %s (literal with the name of static entry %" PRIu64 "; value %s)",
                     name, value, ln[i].static_index,
                     str_how(how, sizeof how, ln[i].value_huffman, ln[i].value_wire_len, fl[i].value_len));
            break;
        default:
            dec_item(d, depth, "qpack", "RFC 9204 §4.5.6", "%s: %s (literal name %s; value %s)", name, value,
                     str_how(how, sizeof how, ln[i].name_huffman, ln[i].name_wire_len, fl[i].name_len),
                     str_how(how2, sizeof how2, ln[i].value_huffman, ln[i].value_wire_len, fl[i].value_len));
            break;
        }
    }
}

static void settings(dec *d, const h3_frame *fr, int depth)
{
    qb_rd r;
    qb_rd_init(&r, fr->payload, fr->payload_len);
    uint64_t id, v;
    const char *rfc;
    while (qb_rd_varint(&r, &id) == 0 && qb_rd_varint(&r, &v) == 0) {
        const char *name = setting_name(id, &rfc);
        dec_item(d, depth, "h3", rfc, "%s (0x%" PRIx64 ") = %" PRIu64, name, id, v);
    }
}

static void h3_frames(dec *d, dec_stream *s, int depth)
{
    char text[200];
    while (!s->dead && s->rs.ready > s->rs.parsed) {
        h3_frame fr;
        size_t used;
        const char *rfc;
        int rc = h3_frame_decode(s->rs.buf + s->rs.parsed, s->rs.ready - s->rs.parsed, SIZE_MAX,
                                 &fr, &used);
        if (rc == H3_ERR_NEED_MORE)
            return;
        if (rc != 0) {
            dec_item(d, depth, "error", "RFC 9114 §7.1", "HTTP/3 frame does not decode: %s", h3_err_str(rc));
            s->dead = true;
            return;
        }
        s->rs.parsed += used;
        const char *name = frame_name(fr.type, &rfc);
        dec_item(d, depth, "h3", rfc, "HTTP/3 %s (0x%" PRIx64 "), %zu bytes", name, fr.type, fr.payload_len);
        switch (fr.type) {
        case H3_FRAME_HEADERS:
        case H3_FRAME_PUSH_PROMISE:
            fields(d, &fr, depth + 1);
            break;
        case H3_FRAME_SETTINGS:
            settings(d, &fr, depth + 1);
            break;
        case H3_FRAME_DATA:
            dec_item(d, depth + 1, "field", rfc, "%s", dec_text(text, sizeof text, fr.payload, fr.payload_len, 64));
            break;
        case H3_FRAME_GOAWAY:
        case H3_FRAME_CANCEL_PUSH:
        case H3_FRAME_MAX_PUSH_ID:
            dec_item(d, depth + 1, "field", rfc, "id %" PRIu64, fr.id);
            break;
        default:
            break;
        }
    }
}

void dec_app_stream(dec *d, dec_flow *f, int dir, uint64_t id, uint64_t off, const uint8_t *p,
                    size_t len, bool fin, int depth)
{
    char text[200];
    bool uni = id & 2;
    bool client_init = !(id & 1);
    dec_item(d, depth, "field", "RFC 9000 §2.1", "stream %" PRIu64 ": %s-initiated, %s%s", id,
             client_init ? "client" : "server", uni ? "unidirectional" : "bidirectional",
             fin ? ", FIN: the last byte of the stream" : "");
    dec_stream *s = stream_get(f, dir, id);
    size_t dup = 0;
    if (s && dec_rs_add(d, &s->rs, off, p, len, &dup) < 0)
        dec_item(d, depth, "error", "RFC 9000 §2.2", "stream data beyond %u bytes is not decoded", DEC_STREAM_MAX);
    if (dup)
        dec_item(d, depth, "note", "RFC 9000 §13.3", "retransmission: %zu of these bytes were seen before (same stream offset)", dup);
    if (!f->h3) {
        if (len)
            dec_item(d, depth, "data", "RFC 9000 §2.2", "data %s", dec_text(text, sizeof text, p, len, 64));
        return;
    }
    if (!s)
        return;
    if (uni && !s->type_known) {
        qb_rd r;
        qb_rd_init(&r, s->rs.buf, s->rs.ready);
        if (qb_rd_varint(&r, &s->uni_type) != 0)
            return;
        s->type_known = true;
        s->rs.parsed = r.off;
        dec_item(d, depth, "h3", uni_rfc(s->uni_type), "stream type 0x%" PRIx64 ": %s", s->uni_type,
                 uni_name(s->uni_type));
    }
    if (!uni || s->uni_type == 0x00 || s->uni_type == 0x01) {
        h3_frames(d, s, depth);
    } else if (s->rs.ready > s->rs.parsed) {
        char hex[100];
        const char *what = s->uni_type == 0x02 ? "encoder instructions" : s->uni_type == 0x03 ? "decoder instructions" : "bytes";
        dec_item(d, depth, "qpack", s->uni_type <= 3 ? (s->uni_type == 2 ? "RFC 9204 §4.3" : "RFC 9204 §4.4") : "RFC 9114 §6.2.3",
                 "%s %s", what, dec_hex(hex, sizeof hex, s->rs.buf + s->rs.parsed, s->rs.ready - s->rs.parsed, 32));
        s->rs.parsed = s->rs.ready;
    }
}

void dec_app_datagram(dec *d, dec_flow *f, const uint8_t *p, size_t len, int depth)
{
    char hex[100];
    uint64_t sid;
    const uint8_t *pl;
    size_t pl_len;
    if (!f->h3) {
        dec_item(d, depth, "data", "RFC 9221 §5", "datagram %s", dec_hex(hex, sizeof hex, p, len, 32));
        return;
    }
    if (h3_datagram_decode(p, len, &sid, &pl, &pl_len) != 0) {
        dec_item(d, depth, "error", "RFC 9297 §2.1", "HTTP datagram without a valid Quarter Stream ID");
        return;
    }
    dec_item(d, depth, "datagram", "RFC 9297 §2.1", "HTTP datagram: Quarter Stream ID %" PRIu64 " (request stream %" PRIu64 "), %zu bytes of payload %s",
             sid / 4, sid, pl_len, dec_hex(hex, sizeof hex, pl, pl_len, 32));
    if (pl_len >= 8) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | pl[i];
        dec_item(d, depth + 1, "field", NULL, "ping-pong counter (8 bytes, big-endian) = %" PRIu64, v);
    }
}
