/* The HTTP/3 frame table against RFC 9114: every frame type on every stream kind
 * (control, request, push) at each receiving role (client, server), checked in the
 * table (h3_frame_allowed) and, for the stream kinds a connection accepts, on a
 * connection fed the frame. The expected outcomes below are written from the RFC
 * text (§7.2 Table 1, §7.2.1-§7.2.8, §6.2.1, §6.2.2, §9, §11.2.1), as wire codes. */
#include "common/tu.h"
#include "h3/h3.h"
#include "h3/h3_frame_table.h"

#include <stdio.h>
#include <string.h>

#define NF(a) (sizeof(a) / sizeof((a)[0]))
#define F(n, v) {(const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1}

#define UNEXP H3_FRAME_UNEXPECTED
#define IDERR H3_ID_ERROR
#define NOPUSH H3_STREAM_CREATION_ERROR /* §6.2.2: only servers push */

/* want[stream kind][receiving role]: 0 accepted, else the connection error. */
typedef struct rfc_row {
    uint64_t type;
    const char *name;
    uint64_t want[H3_FS_COUNT][2];
} rfc_row;

/*                                    control         request         push
 *                                    client server   client server   client server */
static const rfc_row rfc_rows[] = {
    /* §7.2.1: DATA on a control stream is H3_FRAME_UNEXPECTED; Table 1: request, push */
    {0x00, "DATA",          {{UNEXP, UNEXP}, {0, 0},         {0, NOPUSH}}},
    /* §7.2.2: HEADERS only on request or push streams */
    {0x01, "HEADERS",       {{UNEXP, UNEXP}, {0, 0},         {0, NOPUSH}}},
    /* §7.2.8, §11.2.1: HTTP/2 types without HTTP/3 meaning, H3_FRAME_UNEXPECTED */
    {0x02, "PRIORITY",      {{UNEXP, UNEXP}, {UNEXP, UNEXP}, {UNEXP, NOPUSH}}},
    /* §7.2.3: CANCEL_PUSH anywhere but the control stream is H3_FRAME_UNEXPECTED */
    {0x03, "CANCEL_PUSH",   {{0, 0},         {UNEXP, UNEXP}, {UNEXP, NOPUSH}}},
    /* §7.2.4: SETTINGS on any other stream is H3_FRAME_UNEXPECTED */
    {0x04, "SETTINGS",      {{0, 0},         {UNEXP, UNEXP}, {UNEXP, NOPUSH}}},
    /* §7.2.5: on the control stream or at a server, H3_FRAME_UNEXPECTED; at a client
     * a push ID above the maximum (ours is unset: no MAX_PUSH_ID is ever sent) is
     * H3_ID_ERROR; §4.1: not permitted on push streams */
    {0x05, "PUSH_PROMISE",  {{UNEXP, UNEXP}, {IDERR, UNEXP}, {UNEXP, NOPUSH}}},
    {0x06, "PING",          {{UNEXP, UNEXP}, {UNEXP, UNEXP}, {UNEXP, NOPUSH}}},
    /* §7.2.6: GOAWAY on a stream other than the control stream, H3_FRAME_UNEXPECTED */
    {0x07, "GOAWAY",        {{0, 0},         {UNEXP, UNEXP}, {UNEXP, NOPUSH}}},
    {0x08, "WINDOW_UPDATE", {{UNEXP, UNEXP}, {UNEXP, UNEXP}, {UNEXP, NOPUSH}}},
    {0x09, "CONTINUATION",  {{UNEXP, UNEXP}, {UNEXP, UNEXP}, {UNEXP, NOPUSH}}},
    /* §7.2.7: control stream only; a client receiving one is H3_FRAME_UNEXPECTED */
    {0x0d, "MAX_PUSH_ID",   {{UNEXP, 0},     {UNEXP, UNEXP}, {UNEXP, NOPUSH}}},
};

/* §9, §7.2.8: any other type, reserved (0x1f * N + 0x21) or not, is ignored on every
 * stream that carries frames. */
static const rfc_row rfc_unknown = {0, "unknown", {{0, 0}, {0, 0}, {0, NOPUSH}}};

static const rfc_row *rfc_row_of(uint64_t type)
{
    for (size_t i = 0; i < NF(rfc_rows); i++)
        if (rfc_rows[i].type == type)
            return &rfc_rows[i];
    return &rfc_unknown;
}

/* Every type up to 0x60 (the first three reserved types among them), and a few
 * far ones: reserved, unknown, the largest varint. */
static size_t types_to_walk(uint64_t *t, size_t cap)
{
    size_t n = 0;
    for (uint64_t v = 0; v <= 0x60 && n < cap; v++)
        t[n++] = v;
    const uint64_t far[] = {0x1f * 1000 + 0x21, 0x1f * 1000 + 0x22, 0x3fff,
                            (1ull << 62) - 1};
    for (size_t i = 0; i < NF(far) && n < cap; i++)
        t[n++] = far[i];
    return n;
}

/* §11.2.1: HTTP/2 types reserved in HTTP/3 (§7.2.8) */
static bool rfc_is_h2(uint64_t t) { return t == 0x02 || t == 0x06 || t == 0x08 || t == 0x09; }

static const char *kind_name[H3_FS_COUNT] = {"control", "request", "push"};
static const char *role_name[2] = {"client", "server"};

static void test_frame_table_follows_rfc9114_table_1(void **state)
{
    (void)state;
    uint64_t types[128];
    size_t nt = types_to_walk(types, NF(types));
    for (size_t i = 0; i < nt; i++) {
        const rfc_row *want = rfc_row_of(types[i]);
        for (int k = 0; k < H3_FS_COUNT; k++) {
            for (int r = 0; r < 2; r++) {
                int rc = h3_frame_allowed(types[i], (h3_frame_stream)k, (h3_role)r);
                uint64_t got = rc == 0 ? 0 : h3_err_to_wire(rc);
                if (rc > 0 || got != want->want[k][r])
                    fail_msg("type 0x%llx on a %s stream at a %s: 0x%llx (%d), RFC says 0x%llx",
                             (unsigned long long)types[i], kind_name[k], role_name[r],
                             (unsigned long long)got, rc,
                             (unsigned long long)want->want[k][r]);
            }
        }
    }
}

static void test_frame_names_and_kinds(void **state)
{
    (void)state;
    for (size_t i = 0; i < NF(rfc_rows); i++)
        assert_string_equal(h3_frame_name(rfc_rows[i].type), rfc_rows[i].name);
    /* §7.2.8: 0x1f * N + 0x21 */
    assert_string_equal(h3_frame_name(0x21), "reserved");
    assert_string_equal(h3_frame_name(0x40), "reserved");
    assert_string_equal(h3_frame_name(0x1f * 1000 + 0x21), "reserved");
    assert_string_equal(h3_frame_name(0x22), "unknown");
    assert_string_equal(h3_frame_name(0x0e), "unknown");
    assert_true(h3_frame_type_is_grease(0x21) && h3_frame_type_is_grease(0x5f));
    assert_false(h3_frame_type_is_grease(0x20) || h3_frame_type_is_grease(0x3e));
    for (uint64_t t = 0; t <= 0x60; t++)
        assert_true(h3_frame_type_is_h2(t) == rfc_is_h2(t));
    const uint64_t known[] = {0x00, 0x01, 0x03, 0x04, 0x05, 0x07, 0x0d}; /* §7.2 */
    for (size_t i = 0; i < NF(known); i++)
        assert_true(h3_frame_type_is_known(known[i]) && !h3_frame_type_is_h2(known[i]));
    assert_false(h3_frame_type_is_known(0x0e) || h3_frame_type_is_h2(0x21));
}

/* ---- the same walk on a connection ---- */

static h3_conn *conn_new(h3_role role)
{
    h3_config cfg;
    h3_config_default(&cfg, role);
    h3_conn *c;
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    h3_conn_set_transport(c, true, 1200);
    assert_int_equal(h3_conn_start(c), 0);
    h3_stream_out o;
    while (h3_conn_peek_stream(c, &o))
        h3_conn_consume_stream(c, o.stream_id, o.len);
    return c;
}

/* One frame of type with a payload that is valid for it where it is allowed. */
static size_t frame_make(uint64_t type, uint8_t *b, size_t cap)
{
    uint8_t pay[16];
    qb_wr p, w;
    qb_wr_init(&p, pay, sizeof pay);
    switch (type) {
    case H3_FRAME_DATA: assert_int_equal(qb_wr_u8(&p, 'x'), QB_OK); break;
    case H3_FRAME_SETTINGS: break; /* no settings */
    case H3_FRAME_HEADERS: /* an empty field section: trailers with no fields */
        assert_int_equal(qpack_encode_field_section(&p, NULL, 0), 0);
        break;
    case H3_FRAME_PUSH_PROMISE: /* push ID 0, empty field section */
        assert_int_equal(qb_wr_varint(&p, 0), QB_OK);
        assert_int_equal(qpack_encode_field_section(&p, NULL, 0), 0);
        break;
    default: /* the ID frames: ID 0; any other type: one byte */
        assert_int_equal(qb_wr_varint(&p, 0), QB_OK);
        break;
    }
    qb_wr_init(&w, b, cap);
    assert_int_equal(h3_frame_header_encode(&w, type, p.off), 0);
    assert_int_equal(qb_wr_bytes(&w, pay, p.off), QB_OK);
    return w.off;
}

static int feed(h3_conn *c, uint64_t sid, const uint8_t *p, size_t n)
{
    return h3_conn_on_stream_data(c, sid, p, n, false);
}

/* The peer's control stream, its type and, when `settings`, a SETTINGS frame. */
static uint64_t open_control(h3_conn *c, h3_role role, bool settings)
{
    uint64_t sid = role == H3_ROLE_SERVER ? 2 : 3;
    const uint8_t b[] = {0x00, 0x04, 0x00};
    assert_int_equal(feed(c, sid, b, settings ? 3 : 1), 0);
    return sid;
}

/* A request stream past its first HEADERS: the request (server) or the response to
 * ours (client), so both DATA and trailing HEADERS are in order (§4.1). */
static uint64_t open_request(h3_conn *c, h3_role role)
{
    uint8_t sec[256], b[300];
    qb_wr s, w;
    uint64_t sid = 0;
    qb_wr_init(&s, sec, sizeof sec);
    if (role == H3_ROLE_SERVER) {
        h3_field req[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                          F(":authority", "a")};
        assert_int_equal(qpack_encode_field_section(&s, req, NF(req)), 0);
    } else {
        h3_field req[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                          F(":authority", "a")};
        assert_int_equal(h3_conn_send_request(c, req, NF(req), &sid), 0);
        h3_field resp[] = {F(":status", "200")};
        assert_int_equal(qpack_encode_field_section(&s, resp, NF(resp)), 0);
    }
    qb_wr_init(&w, b, sizeof b);
    assert_int_equal(h3_frame_header_encode(&w, H3_FRAME_HEADERS, s.off), 0);
    assert_int_equal(qb_wr_bytes(&w, sec, s.off), QB_OK);
    assert_int_equal(feed(c, sid, b, w.off), 0);
    h3_event ev;
    while (h3_conn_next_event(c, &ev))
        assert_int_not_equal(ev.type, H3_EV_CONN_ERROR);
    return sid;
}

/* The outcome on a connection whose control stream already carried SETTINGS: the
 * table's, plus what comes before and what the payload means where the frame is
 * allowed. §7.2.4: a second SETTINGS is H3_FRAME_UNEXPECTED. §7.2.3: a CANCEL_PUSH
 * for push ID 0 is H3_ID_ERROR both ways (a client that sent no MAX_PUSH_ID allows no
 * push ID; a server never promised one). */
static uint64_t conn_want(uint64_t type, h3_frame_stream k, h3_role r)
{
    uint64_t w = rfc_row_of(type)->want[k][r];
    if (w == 0 && type == H3_FRAME_SETTINGS)
        return UNEXP;
    if (w == 0 && type == H3_FRAME_CANCEL_PUSH)
        return IDERR;
    return w;
}

static void test_every_frame_on_control_and_request_streams(void **state)
{
    (void)state;
    uint64_t types[128];
    size_t nt = types_to_walk(types, NF(types));
    size_t checked = 0;
    for (size_t i = 0; i < nt; i++) {
        uint8_t fb[64];
        size_t fn = frame_make(types[i], fb, sizeof fb);
        for (int k = H3_FS_CONTROL; k <= H3_FS_REQUEST; k++) {
            for (int r = 0; r < 2; r++) {
                h3_conn *c = conn_new((h3_role)r);
                uint64_t sid = k == H3_FS_CONTROL ? open_control(c, (h3_role)r, true)
                                                  : open_request(c, (h3_role)r);
                int rc = feed(c, sid, fb, fn);
                uint64_t code = 0;
                const char *why = "";
                int err = h3_conn_error(c, &code, &why);
                uint64_t want = conn_want(types[i], (h3_frame_stream)k, (h3_role)r);
                if ((want == 0) != (rc == 0 && err == 0) || (want && code != want))
                    fail_msg("type 0x%llx on a %s stream at a %s: rc %d, 0x%llx \"%s\"; "
                             "RFC says 0x%llx",
                             (unsigned long long)types[i], kind_name[k], role_name[r], rc,
                             (unsigned long long)code, why, (unsigned long long)want);
                h3_conn_free(c);
                checked++;
            }
        }
    }
    assert_int_equal(checked, nt * 4);
}

/* §6.2.1: the first frame of a control stream is SETTINGS, any other is
 * H3_MISSING_SETTINGS; for the HTTP/2 types §7.2.8's H3_FRAME_UNEXPECTED is as much a
 * MUST, so either is right. Push streams are refused at their type, before any
 * frame (test_h3_rules: test_close_reasons_name_the_stream). */
static void test_first_control_frame_must_be_settings(void **state)
{
    (void)state;
    uint64_t types[128];
    size_t nt = types_to_walk(types, NF(types));
    for (size_t i = 0; i < nt; i++) {
        uint8_t fb[64];
        size_t fn = frame_make(types[i], fb, sizeof fb);
        for (int r = 0; r < 2; r++) {
            h3_conn *c = conn_new((h3_role)r);
            uint64_t sid = open_control(c, (h3_role)r, false);
            int rc = feed(c, sid, fb, fn);
            uint64_t code = 0;
            const char *why = "";
            int err = h3_conn_error(c, &code, &why);
            bool ok;
            if (types[i] == H3_FRAME_SETTINGS)
                ok = rc == 0 && err == 0;
            else if (rfc_is_h2(types[i]))
                ok = rc < 0 && (code == H3_MISSING_SETTINGS || code == H3_FRAME_UNEXPECTED);
            else
                ok = rc < 0 && code == H3_MISSING_SETTINGS;
            if (!ok)
                fail_msg("first control frame 0x%llx at a %s: rc %d, 0x%llx \"%s\"",
                         (unsigned long long)types[i], role_name[r], rc,
                         (unsigned long long)code, why);
            h3_conn_free(c);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_table_follows_rfc9114_table_1),
        cmocka_unit_test(test_frame_names_and_kinds),
        cmocka_unit_test(test_every_frame_on_control_and_request_streams),
        cmocka_unit_test(test_first_control_frame_must_be_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
