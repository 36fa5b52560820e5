/* h3 codecs: frames (RFC 9114 §7), SETTINGS incl. quic-go's bytes, HTTP datagrams and
 * capsules (RFC 9297 §2.1, §3), header validation (RFC 9114 §4.2-4.4, RFC 9220). */
#include "common/tu.h"
#include "h3/h3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SETTINGS: quic-go's control stream openings ---- */
static void test_settings_quicgo_vectors(void **state)
{
    (void)state;
    size_t len;
    char *txt = (char *)tu_read_vector("h3/quicgo_settings.txt", &len);
    char *save = NULL;
    int n = 0;
    for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == 0)
            continue;
        char role[16], ver[32], mfs[32], hex[128] = "";
        int dg, ec, off = 0;
        assert_int_equal(sscanf(line, "%15s %31s %31s %d %d %n", role, ver, mfs, &dg, &ec, &off), 5);
        strncpy(hex, line + off, sizeof hex - 1);
        uint8_t want[64];
        size_t wlen = tu_hex(hex, want, sizeof want);
        /* stream type 0x00, then one SETTINGS frame covering the rest */
        assert_int_equal(want[0], 0x00);
        h3_frame f;
        size_t used;
        assert_int_equal(h3_frame_decode(want + 1, wlen - 1, 1024, &f, &used), 0);
        assert_int_equal(used, wlen - 1);
        assert_int_equal(f.type, H3_FRAME_SETTINGS);
        assert_int_equal(f.settings.h3_datagram, dg);
        assert_int_equal(f.settings.enable_connect_protocol, ec);
        if (strcmp(mfs, "-") == 0) {
            assert_false(f.settings.has_max_field_section_size);
        } else {
            assert_true(f.settings.has_max_field_section_size);
            assert_true(f.settings.max_field_section_size == strtoull(mfs, NULL, 10));
        }
        /* our encoder writes the same bytes from the same values */
        uint8_t out[64];
        qb_wr w;
        qb_wr_init(&w, out, sizeof out);
        assert_int_equal(qb_wr_varint(&w, 0x00), 0);
        assert_int_equal(h3_settings_frame_encode(&w, &f.settings), 0);
        assert_int_equal(w.off, wlen);
        assert_memory_equal(out, want, wlen);
        n++;
    }
    assert_int_equal(n, 4);
    free(txt);
}

static int settings_hex(const char *hex, h3_settings *s)
{
    uint8_t b[256];
    size_t n = tu_hex(hex, b, sizeof b);
    return h3_settings_decode(b, n, s);
}

static void test_settings_errors(void **state)
{
    (void)state;
    h3_settings s;
    assert_int_equal(settings_hex("3301 3301", &s), H3_ERR_SETTINGS_DUP);
    assert_int_equal(settings_hex("21 00 21 01", &s), H3_ERR_SETTINGS_DUP); /* grease too */
    assert_int_equal(settings_hex("0000", &s), H3_ERR_SETTINGS_H2);
    assert_int_equal(settings_hex("0200", &s), H3_ERR_SETTINGS_H2);
    assert_int_equal(settings_hex("0301", &s), H3_ERR_SETTINGS_H2);
    assert_int_equal(settings_hex("0401", &s), H3_ERR_SETTINGS_H2);
    assert_int_equal(settings_hex("0540 00", &s), H3_ERR_SETTINGS_H2);
    assert_int_equal(settings_hex("3302", &s), H3_ERR_SETTINGS_DATAGRAM);
    assert_int_equal(settings_hex("0802", &s), H3_ERR_SETTINGS_CONNECT);
    assert_int_equal(settings_hex("33", &s), H3_ERR_FRAME_TRUNCATED);
    assert_int_equal(settings_hex("3340", &s), H3_ERR_FRAME_TRUNCATED);
    assert_int_equal(h3_err_to_wire(H3_ERR_SETTINGS_DUP), H3_SETTINGS_ERROR);
    assert_int_equal(h3_err_to_wire(H3_ERR_SETTINGS_DATAGRAM), H3_SETTINGS_ERROR);
    assert_int_equal(h3_err_to_wire(H3_ERR_SETTINGS_CONNECT), H3_SETTINGS_ERROR);
    assert_int_equal(h3_err_to_wire(H3_ERR_SETTINGS_H2), H3_SETTINGS_ERROR);
    assert_int_equal(h3_err_to_wire(H3_ERR_SETTINGS_NO_QUIC_DGRAM), H3_SETTINGS_ERROR);
    /* too many entries */
    char big[6 * (H3_SETTINGS_MAX + 1) + 1];
    for (int i = 0; i <= H3_SETTINGS_MAX; i++)
        snprintf(big + 6 * i, 7, "%04x00", 0x4100 + i); /* ids 0x100.. distinct, unknown */
    assert_int_equal(settings_hex(big, &s), H3_ERR_SETTINGS_TOO_MANY);
    assert_int_equal(h3_err_to_wire(H3_ERR_SETTINGS_TOO_MANY), H3_EXCESSIVE_LOAD);
}

static void test_settings_values(void **state)
{
    (void)state;
    h3_settings s;
    /* grease 0x21 and 0x1f*2+0x21 = 0x5f, QPACK settings 0 */
    assert_int_equal(settings_hex("21 05 405f 00 0100 0700 3300 0800 06 4400", &s), 0);
    assert_int_equal(s.n_unknown, 2);
    assert_int_equal(s.h3_datagram, 0);
    assert_int_equal(s.enable_connect_protocol, 0);
    assert_true(s.has_max_field_section_size);
    assert_int_equal(s.max_field_section_size, 0x400);
    assert_int_equal(settings_hex("", &s), 0);
    assert_false(s.has_max_field_section_size);
}

/* ---- frames ---- */
static void roundtrip(const h3_frame *in, const char *want_hex)
{
    uint8_t out[256], want[256];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(h3_frame_encode(&w, in), 0);
    size_t wl = tu_hex(want_hex, want, sizeof want);
    assert_int_equal(w.off, wl);
    assert_memory_equal(out, want, wl);
    h3_frame f;
    size_t used = 0;
    assert_int_equal(h3_frame_decode(out, w.off, 1024, &f, &used), 0);
    assert_int_equal(used, w.off);
    assert_true(f.type == in->type);
    assert_true(f.id == in->id);
    if (in->type == H3_FRAME_HEADERS || in->type == H3_FRAME_PUSH_PROMISE) {
        assert_int_equal(f.field_section_len, in->field_section_len);
        assert_memory_equal(f.field_section, in->field_section, in->field_section_len);
    }
    if (in->type == H3_FRAME_DATA || !h3_frame_type_is_known(in->type)) {
        assert_int_equal(f.payload_len, in->payload_len);
        assert_memory_equal(f.payload, in->payload, in->payload_len);
    }
    /* every strict prefix needs more */
    for (size_t k = 0; k < w.off; k++)
        assert_int_equal(h3_frame_decode(out, k, 1024, &f, &used), H3_ERR_NEED_MORE);
}

static void test_frame_roundtrips(void **state)
{
    (void)state;
    const uint8_t body[] = "hi";
    const uint8_t fs[] = {0x00, 0x00, 0xd1}; /* QPACK: :method GET (static 17) */
    roundtrip(&(h3_frame){.type = H3_FRAME_DATA, .payload = body, .payload_len = 2}, "00 02 6869");
    roundtrip(&(h3_frame){.type = H3_FRAME_DATA, .payload = body, .payload_len = 0}, "00 00");
    roundtrip(&(h3_frame){.type = H3_FRAME_HEADERS, .field_section = fs, .field_section_len = 3},
              "01 03 0000d1");
    roundtrip(&(h3_frame){.type = H3_FRAME_CANCEL_PUSH, .id = 7}, "03 01 07");
    roundtrip(&(h3_frame){.type = H3_FRAME_PUSH_PROMISE, .id = 300, .field_section = fs,
                          .field_section_len = 3}, "05 05 412c 0000d1");
    roundtrip(&(h3_frame){.type = H3_FRAME_GOAWAY, .id = 16384}, "07 04 80004000");
    roundtrip(&(h3_frame){.type = H3_FRAME_MAX_PUSH_ID, .id = 0}, "0d 01 00");
    roundtrip(&(h3_frame){.type = 0x21, .payload = body, .payload_len = 2}, "21 02 6869");
    roundtrip(&(h3_frame){.type = 0x1f * 3 + 0x21, .payload = body, .payload_len = 1},
              "407e 01 68");
    h3_frame st = {.type = H3_FRAME_SETTINGS};
    st.settings.h3_datagram = 1;
    roundtrip(&st, "04 02 3301");
    assert_true(h3_frame_type_is_grease(0x21) && h3_frame_type_is_grease(0x40));
    assert_false(h3_frame_type_is_grease(0x22) || h3_frame_type_is_grease(0x20));
}

static int frame_hex(const char *hex, h3_frame *f)
{
    uint8_t b[64];
    size_t n = tu_hex(hex, b, sizeof b), used;
    return h3_frame_decode(b, n, 16, f, &used);
}

static void test_frame_errors(void **state)
{
    (void)state;
    h3_frame f;
    assert_int_equal(frame_hex("02 00", &f), H3_ERR_FRAME_H2);
    assert_int_equal(frame_hex("06 08 0000000000000000", &f), H3_ERR_FRAME_H2);
    assert_int_equal(frame_hex("08 00", &f), H3_ERR_FRAME_H2);
    assert_int_equal(frame_hex("09 00", &f), H3_ERR_FRAME_H2);
    assert_int_equal(h3_err_to_wire(H3_ERR_FRAME_H2), H3_FRAME_UNEXPECTED);
    assert_int_equal(frame_hex("07 00", &f), H3_ERR_FRAME_TRUNCATED);
    assert_int_equal(frame_hex("07 01 40", &f), H3_ERR_FRAME_TRUNCATED);
    assert_int_equal(frame_hex("07 02 00 00", &f), H3_ERR_FRAME_EXTRA);
    assert_int_equal(frame_hex("03 02 00 00", &f), H3_ERR_FRAME_EXTRA);
    assert_int_equal(frame_hex("0d 02 00 00", &f), H3_ERR_FRAME_EXTRA);
    assert_int_equal(frame_hex("05 00", &f), H3_ERR_FRAME_TRUNCATED);
    assert_int_equal(h3_err_to_wire(H3_ERR_FRAME_TRUNCATED), H3_FRAME_ERROR);
    assert_int_equal(h3_err_to_wire(H3_ERR_FRAME_EXTRA), H3_FRAME_ERROR);
    assert_int_equal(frame_hex("01 11", &f), H3_ERR_FRAME_TOO_LARGE); /* 17 > 16 */
    assert_int_equal(frame_hex("04 11", &f), H3_ERR_FRAME_TOO_LARGE);
    assert_int_equal(h3_err_to_wire(H3_ERR_FRAME_TOO_LARGE), H3_EXCESSIVE_LOAD);
    assert_int_equal(frame_hex("00 11", &f), H3_ERR_NEED_MORE); /* DATA is not limited */
    assert_int_equal(frame_hex("04 02 3302", &f), H3_ERR_SETTINGS_DATAGRAM);
    /* encoder refuses HTTP/2 types and small buffers */
    uint8_t out[2];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(h3_frame_encode(&w, &(h3_frame){.type = 0x02}), H3_ERR_FRAME_H2);
    assert_int_equal(h3_frame_encode(&w, &(h3_frame){.type = H3_FRAME_GOAWAY, .id = 64}),
                     H3_ERR_NO_SPACE);
    assert_int_equal(w.off, 0);
}

static void test_frame_reader_split(void **state)
{
    (void)state;
    /* HEADERS (len 3), DATA with an 8-byte length, grease with 2-byte type */
    uint8_t b[64];
    size_t n = tu_hex("01 03 0000d1  00 c000000000000002 6869  407e 00", b, sizeof b);
    const uint64_t want_t[] = {1, 0, 0x7e}, want_l[] = {3, 2, 0};
    for (size_t chunk = 1; chunk <= n; chunk++) {
        h3_frame_reader fr = {0};
        size_t pos = 0, k = 0, skip = 0;
        while (pos < n) {
            size_t end = pos + chunk < n ? pos + chunk : n;
            size_t used;
            uint64_t t, l;
            if (skip) {
                size_t s = end - pos < skip ? end - pos : skip;
                pos += s;
                skip -= s;
                continue;
            }
            int rc = h3_frame_reader_feed(&fr, b + pos, end - pos, &used, &t, &l);
            pos += used;
            if (rc == 1) {
                assert_true(k < 3);
                assert_true(t == want_t[k] && l == want_l[k]);
                skip = (size_t)l;
                k++;
            } else {
                assert_int_equal(rc, 0);
                assert_int_equal(pos, end);
                assert_true(h3_frame_reader_partial(&fr));
            }
        }
        assert_int_equal(k, 3);
        assert_false(h3_frame_reader_partial(&fr));
    }
}

/* ---- HTTP datagrams ---- */
static void test_datagram(void **state)
{
    (void)state;
    uint8_t out[32];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    const uint8_t zero8[8] = {0};
    /* The blog's first datagram: quarter ID 0, 8 zero bytes (after the 0x31 frame type). */
    assert_int_equal(h3_datagram_encode(&w, 0, zero8, 8), 0);
    uint8_t want[16];
    assert_int_equal(tu_hex("00 0000000000000000", want, sizeof want), 9);
    assert_int_equal(w.off, 9);
    assert_memory_equal(out, want, 9);
    uint64_t sid;
    const uint8_t *p;
    size_t pl;
    assert_int_equal(h3_datagram_decode(out, w.off, &sid, &p, &pl), 0);
    assert_true(sid == 0 && pl == 8 && p == out + 1);
    /* stream 256: quarter ID 64 = 2-byte varint */
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(h3_datagram_encode(&w, 256, (const uint8_t *)"x", 1), 0);
    assert_int_equal(w.off, 3);
    assert_int_equal(out[0], 0x40);
    assert_int_equal(out[1], 0x40);
    assert_int_equal(h3_datagram_overhead(256), 2);
    assert_int_equal(h3_datagram_decode(out, 3, &sid, &p, &pl), 0);
    assert_true(sid == 256 && pl == 1 && p[0] == 'x');
    /* empty payload is fine */
    assert_int_equal(h3_datagram_decode(out, 2, &sid, &p, &pl), 0);
    assert_int_equal(pl, 0);
    /* errors */
    assert_int_equal(h3_datagram_decode(out, 0, &sid, &p, &pl), H3_ERR_DATAGRAM_TRUNCATED);
    assert_int_equal(h3_datagram_decode(out, 1, &sid, &p, &pl), H3_ERR_DATAGRAM_TRUNCATED);
    assert_int_equal(h3_err_to_wire(H3_ERR_DATAGRAM_TRUNCATED), H3_DATAGRAM_ERROR);
    uint8_t big[8];
    tu_hex("cfffffffffffffff", big, 8); /* 2^60-1: the largest legal */
    assert_int_equal(h3_datagram_decode(big, 8, &sid, &p, &pl), 0);
    assert_true(sid == 0x3ffffffffffffffcULL);
    tu_hex("d000000000000000", big, 8); /* 2^60 */
    assert_int_equal(h3_datagram_decode(big, 8, &sid, &p, &pl), H3_ERR_DATAGRAM_QSID);
    assert_int_equal(h3_err_to_wire(H3_ERR_DATAGRAM_QSID), H3_DATAGRAM_ERROR);
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(h3_datagram_encode(&w, 2, NULL, 0), H3_ERR_DATAGRAM_STREAM);
    assert_int_equal(h3_datagram_encode(&w, 1, NULL, 0), H3_ERR_DATAGRAM_STREAM);
    qb_wr_init(&w, out, 4);
    assert_int_equal(h3_datagram_encode(&w, 0, zero8, 8), H3_ERR_NO_SPACE);
    assert_int_equal(w.off, 0);
}

/* ---- capsules ---- */
static void test_capsule_roundtrip(void **state)
{
    (void)state;
    uint8_t out[64];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(h3_capsule_encode(&w, H3_CAPSULE_DATAGRAM, (const uint8_t *)"abc", 3), 0);
    assert_int_equal(h3_capsule_encode(&w, 0x2e5c, (const uint8_t *)"zz", 2), 0); /* unknown */
    assert_int_equal(h3_capsule_encode(&w, H3_CAPSULE_DATAGRAM, NULL, 0), 0);
    uint8_t want[32];
    size_t wl = tu_hex("00 03 616263  6e5c 02 7a7a  00 00", want, sizeof want);
    assert_int_equal(w.off, wl);
    assert_memory_equal(out, want, wl);
    uint64_t t;
    const uint8_t *v;
    size_t vl, used;
    assert_int_equal(h3_capsule_decode(out, wl, &t, &v, &vl, &used), 0);
    assert_true(t == 0 && vl == 3 && used == 5 && memcmp(v, "abc", 3) == 0);
    assert_int_equal(h3_capsule_decode(out + 5, wl - 5, &t, &v, &vl, &used), 0);
    assert_true(t == 0x2e5c && vl == 2 && used == 5);
    assert_int_equal(h3_capsule_decode(out, 4, &t, &v, &vl, &used), H3_ERR_NEED_MORE);

    /* the incremental reader, split at every chunk size: two DATAGRAMs, unknown skipped */
    for (size_t chunk = 1; chunk <= wl; chunk++) {
        uint8_t buf[8];
        h3_capsule_reader r;
        h3_capsule_reader_init(&r, buf, sizeof buf);
        int got = 0;
        for (size_t pos = 0; pos < wl;) {
            size_t end = pos + chunk < wl ? pos + chunk : wl;
            while (pos < end) {
                int rc = h3_capsule_reader_feed(&r, out + pos, end - pos, &used, &t, &v, &vl);
                assert_true(rc == 0 || rc == 1);
                pos += used;
                if (rc == 1) {
                    assert_int_equal(t, H3_CAPSULE_DATAGRAM);
                    if (got == 0)
                        assert_true(vl == 3 && memcmp(v, "abc", 3) == 0);
                    else
                        assert_int_equal(vl, 0);
                    got++;
                }
            }
        }
        assert_int_equal(got, 2);
        assert_int_equal(h3_capsule_reader_finish(&r), 0);
    }
}

static void test_capsule_errors(void **state)
{
    (void)state;
    uint8_t buf[4], in[16];
    h3_capsule_reader r;
    size_t used, vl;
    uint64_t t;
    const uint8_t *v;
    /* DATAGRAM capsule over the limit */
    h3_capsule_reader_init(&r, buf, sizeof buf);
    size_t n = tu_hex("00 05 0102030405", in, sizeof in);
    assert_int_equal(h3_capsule_reader_feed(&r, in, n, &used, &t, &v, &vl),
                     H3_ERR_CAPSULE_TOO_LARGE);
    assert_int_equal(h3_err_to_wire(H3_ERR_CAPSULE_TOO_LARGE), H3_DATAGRAM_ERROR);
    /* unknown capsules are not limited: skipped without buffering */
    h3_capsule_reader_init(&r, buf, sizeof buf);
    n = tu_hex("17 08 0102030405060708", in, sizeof in);
    assert_int_equal(h3_capsule_reader_feed(&r, in, n, &used, &t, &v, &vl), 0);
    assert_int_equal(used, n);
    assert_int_equal(h3_capsule_reader_finish(&r), 0);
    /* truncated at the end of the stream (RFC 9297 §3.3) */
    assert_int_equal(h3_capsule_reader_feed(&r, in, 3, &used, &t, &v, &vl), 0);
    assert_int_equal(h3_capsule_reader_finish(&r), H3_ERR_CAPSULE_TRUNCATED);
    h3_capsule_reader_init(&r, buf, sizeof buf);
    assert_int_equal(h3_capsule_reader_feed(&r, (const uint8_t *)"\x40", 1, &used, &t, &v, &vl), 0);
    assert_int_equal(h3_capsule_reader_finish(&r), H3_ERR_CAPSULE_TRUNCATED);
    assert_int_equal(h3_err_to_wire(H3_ERR_CAPSULE_TRUNCATED), H3_MESSAGE_ERROR);
}

/* ---- header validation ---- */
#define F(n, v) {(const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1}

static void test_request_valid(void **state)
{
    (void)state;
    h3_request_head h;
    /* a Go client's GET (INTEROP-QUICGO.md) */
    h3_field get[] = {F(":authority", "localhost:8080"), F(":method", "GET"),
                      F(":path", "/ping-pong"), F(":scheme", "https"),
                      F("accept-encoding", "gzip"), F("user-agent", "quic-go HTTP/3")};
    assert_int_equal(h3_request_validate(get, 6, false, &h), 0);
    assert_false(h.connect);
    assert_true(h.path.len == 10 && memcmp(h.path.p, "/ping-pong", 10) == 0);
    assert_true(h.authority.len == 14);
    h3_field host[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                       F("host", "example.com"), F("te", "trailers")};
    assert_int_equal(h3_request_validate(host, 5, false, &h), 0);
    assert_true(h.authority.len == 11);
    h3_field conn[] = {F(":method", "CONNECT"), F(":authority", "example.com:443")};
    assert_int_equal(h3_request_validate(conn, 2, false, &h), 0);
    assert_true(h.connect && !h.extended_connect);
    h3_field ext[] = {F(":method", "CONNECT"), F(":protocol", "connect-udp"),
                      F(":scheme", "https"), F(":path", "/.well-known/masque/udp/a/53/"),
                      F(":authority", "proxy"), F("capsule-protocol", "?1")};
    assert_int_equal(h3_request_validate(ext, 6, true, &h), 0);
    assert_true(h.connect && h.extended_connect && h.capsule_protocol);
    assert_true(h.protocol.len == 11);
    assert_int_equal(h3_request_validate(ext, 6, false, &h), H3_ERR_MSG_PROTOCOL);
    h3_field extcl[] = {F(":method", "CONNECT"), F(":protocol", "connect-udp"),
                        F(":scheme", "https"), F(":path", "/x"), F(":authority", "proxy"),
                        F("capsule-protocol", "?1"), F("content-length", "0")};
    assert_int_equal(h3_request_validate(extcl, 7, true, &h), H3_ERR_MSG_CAPSULE);
    assert_int_equal(h3_err_to_wire(H3_ERR_MSG_CAPSULE), H3_MESSAGE_ERROR);
    extcl[5].value = (const uint8_t *)"?0"; /* false: no Capsule Protocol */
    assert_int_equal(h3_request_validate(extcl, 7, true, &h), 0);
    assert_false(h.capsule_protocol);
}

static void expect_req(h3_field *f, size_t n, int err)
{
    h3_request_head h;
    assert_int_equal(h3_request_validate(f, n, true, &h), err);
    if (err == 0)
        return;
    assert_int_equal(h3_err_to_wire(err), H3_MESSAGE_ERROR);
}

static void test_request_errors(void **state)
{
    (void)state;
    h3_field upper[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                        F(":authority", "a"), F("User-Agent", "x")};
    expect_req(upper, 5, H3_ERR_MSG_NAME);
    h3_field empty[] = {F(":method", "GET"), F("", "x")};
    expect_req(empty, 2, H3_ERR_MSG_NAME);
    h3_field colon[] = {F(":", "GET")};
    expect_req(colon, 1, H3_ERR_MSG_NAME);
    h3_field crlf[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                       F(":authority", "a"), F("x", "a\r\nb: c")};
    expect_req(crlf, 5, H3_ERR_MSG_VALUE);
    h3_field order[] = {F(":method", "GET"), F("x", "y"), F(":scheme", "https"),
                        F(":path", "/"), F(":authority", "a")};
    expect_req(order, 5, H3_ERR_MSG_PSEUDO_ORDER);
    h3_field dup[] = {F(":method", "GET"), F(":method", "GET"), F(":scheme", "https"),
                      F(":path", "/"), F(":authority", "a")};
    expect_req(dup, 5, H3_ERR_MSG_PSEUDO_DUP);
    h3_field unk[] = {F(":method", "GET"), F(":status", "200")};
    expect_req(unk, 2, H3_ERR_MSG_PSEUDO_UNKNOWN);
    const char *cs[] = {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                        "upgrade"};
    for (size_t i = 0; i < 5; i++) {
        h3_field f[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                        F(":authority", "a"), {(const uint8_t *)cs[i], strlen(cs[i]),
                                               (const uint8_t *)"x", 1}};
        expect_req(f, 5, H3_ERR_MSG_CONN_SPECIFIC);
    }
    h3_field te[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                     F(":authority", "a"), F("te", "gzip")};
    expect_req(te, 5, H3_ERR_MSG_CONN_SPECIFIC);
    h3_field nopath[] = {F(":method", "GET"), F(":scheme", "https"), F(":authority", "a")};
    expect_req(nopath, 3, H3_ERR_MSG_MISSING);
    h3_field emptypath[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", ""),
                            F(":authority", "a")};
    expect_req(emptypath, 4, H3_ERR_MSG_MISSING);
    h3_field noauth[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/")};
    expect_req(noauth, 3, H3_ERR_MSG_MISSING);
    h3_field hostdiff[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                           F(":authority", "a"), F("host", "b")};
    expect_req(hostdiff, 5, H3_ERR_MSG_HOST);
    h3_field hostempty[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                            F("host", "")};
    expect_req(hostempty, 4, H3_ERR_MSG_HOST);
    h3_field hostsame[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                           F(":authority", "a"), F("host", "a")};
    expect_req(hostsame, 5, 0);
    h3_field nomethod[] = {F(":scheme", "https"), F(":path", "/"), F(":authority", "a")};
    expect_req(nomethod, 3, H3_ERR_MSG_MISSING);
    h3_field cpath[] = {F(":method", "CONNECT"), F(":authority", "a:1"), F(":path", "/")};
    expect_req(cpath, 3, H3_ERR_MSG_CONNECT);
    h3_field cscheme[] = {F(":method", "CONNECT"), F(":authority", "a:1"), F(":scheme", "https")};
    expect_req(cscheme, 3, H3_ERR_MSG_CONNECT);
    h3_field cnoauth[] = {F(":method", "CONNECT")};
    expect_req(cnoauth, 1, H3_ERR_MSG_MISSING);
    h3_field protoget[] = {F(":method", "GET"), F(":protocol", "websocket"), F(":scheme", "https"),
                           F(":path", "/"), F(":authority", "a")};
    expect_req(protoget, 5, H3_ERR_MSG_PROTOCOL);
    h3_field extnopath[] = {F(":method", "CONNECT"), F(":protocol", "websocket"),
                            F(":scheme", "https"), F(":authority", "a")};
    expect_req(extnopath, 4, H3_ERR_MSG_MISSING);
}

static void test_response_and_trailers(void **state)
{
    (void)state;
    unsigned st;
    h3_field ok[] = {F(":status", "200"), F("date", "Tue, 08 Jul 2025 20:59:35 GMT")};
    assert_int_equal(h3_response_validate(ok, 2, &st), 0);
    assert_int_equal(st, 200);
    h3_field bad[] = {F(":status", "20")};
    assert_int_equal(h3_response_validate(bad, 1, &st), H3_ERR_MSG_STATUS);
    h3_field bad2[] = {F(":status", "2x0")};
    assert_int_equal(h3_response_validate(bad2, 1, &st), H3_ERR_MSG_STATUS);
    h3_field bad3[] = {F(":status", "099")};
    assert_int_equal(h3_response_validate(bad3, 1, &st), H3_ERR_MSG_STATUS);
    h3_field sw[] = {F(":status", "101")};
    assert_int_equal(h3_response_validate(sw, 1, &st), H3_ERR_MSG_STATUS);
    h3_field none[] = {F("date", "x")};
    assert_int_equal(h3_response_validate(none, 1, &st), H3_ERR_MSG_MISSING);
    h3_field reqps[] = {F(":status", "200"), F(":path", "/")};
    assert_int_equal(h3_response_validate(reqps, 2, &st), H3_ERR_MSG_PSEUDO_UNKNOWN);
    h3_field dup[] = {F(":status", "200"), F(":status", "204")};
    assert_int_equal(h3_response_validate(dup, 2, &st), H3_ERR_MSG_PSEUDO_DUP);
    h3_field order[] = {F("date", "x"), F(":status", "200")};
    assert_int_equal(h3_response_validate(order, 2, &st), H3_ERR_MSG_PSEUDO_ORDER);
    h3_field conn[] = {F(":status", "200"), F("connection", "close")};
    assert_int_equal(h3_response_validate(conn, 2, &st), H3_ERR_MSG_CONN_SPECIFIC);
    h3_field tr[] = {F("grpc-status", "0")};
    assert_int_equal(h3_trailers_validate(tr, 1), 0);
    h3_field trp[] = {F(":status", "200")};
    assert_int_equal(h3_trailers_validate(trp, 1), H3_ERR_MSG_PSEUDO_TRAILER);
    h3_field tru[] = {F("X", "0")};
    assert_int_equal(h3_trailers_validate(tru, 1), H3_ERR_MSG_NAME);
}

static void test_err_strings(void **state)
{
    (void)state;
    for (int e = -3000; e > -3300; e--)
        assert_non_null(h3_err_str(e));
    assert_int_equal(h3_err_to_wire(H3_ERR_MISSING_SETTINGS), H3_MISSING_SETTINGS);
    assert_int_equal(h3_err_to_wire(H3_ERR_STREAM_CONTROL_DUP), H3_STREAM_CREATION_ERROR);
    assert_int_equal(h3_err_to_wire(H3_ERR_CLOSED_CRITICAL), H3_CLOSED_CRITICAL_STREAM);
    assert_int_equal(h3_err_to_wire(H3_ERR_PUSH_REFUSED), H3_ID_ERROR);
    assert_int_equal(h3_err_to_wire(QPACK_ERR_DYNAMIC_REF), QPACK_DECOMPRESSION_FAILED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_quicgo_vectors),
        cmocka_unit_test(test_settings_errors),
        cmocka_unit_test(test_settings_values),
        cmocka_unit_test(test_frame_roundtrips),
        cmocka_unit_test(test_frame_errors),
        cmocka_unit_test(test_frame_reader_split),
        cmocka_unit_test(test_datagram),
        cmocka_unit_test(test_capsule_roundtrip),
        cmocka_unit_test(test_capsule_errors),
        cmocka_unit_test(test_request_valid),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_response_and_trailers),
        cmocka_unit_test(test_err_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
