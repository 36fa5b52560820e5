/* HTTP/3 rules fed by hand to one h3_conn: push IDs in CANCEL_PUSH and MAX_PUSH_ID
 * (RFC 9114 §7.2.3, §7.2.7), close reasons that name the stream kind, field names and
 * values (RFC 9110 §5.1, §5.5; RFC 9114 §4.2, §10.3) and Content-Length against the
 * DATA frames (RFC 9114 §4.1.2, RFC 9110 §8.6). */
#include "common/tu.h"
#include "h3/h3.h"

#include <stdio.h>
#include <string.h>

#define F(n, v) {(const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1}
#define NF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- harness ---- */

static h3_conn *conn_new(h3_role role)
{
    h3_config cfg;
    h3_config_default(&cfg, role);
    cfg.max_frame_payload = 1024;
    h3_conn *c;
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    h3_conn_set_transport(c, true, 1200);
    assert_int_equal(h3_conn_start(c), 0);
    h3_stream_out o;
    while (h3_conn_peek_stream(c, &o))
        h3_conn_consume_stream(c, o.stream_id, o.len);
    return c;
}

static int feed_hex(h3_conn *c, uint64_t sid, const char *hex, bool fin)
{
    uint8_t b[512];
    size_t n = tu_hex(hex, b, sizeof b);
    return h3_conn_on_stream_data(c, sid, b, n, fin);
}

/* The peer's control stream with an empty SETTINGS frame. */
static void peer_control_open(h3_conn *c, h3_role role)
{
    assert_int_equal(feed_hex(c, role == H3_ROLE_SERVER ? 2 : 3, "00 04 00", false), 0);
}

/* The connection failed with this wire code and a reason containing `what`. */
static void expect_close(h3_conn *c, uint64_t wire, const char *what)
{
    uint64_t code;
    const char *why;
    assert_true(h3_conn_error(c, &code, &why) < 0);
    assert_int_equal(code, wire);
    if (!strstr(why, what))
        fail_msg("reason \"%s\" does not name \"%s\"", why, what);
    h3_event ev;
    bool saw = false;
    while (h3_conn_next_event(c, &ev))
        if (ev.type == H3_EV_CONN_ERROR) {
            assert_int_equal(ev.code, wire);
            assert_string_equal(ev.reason, why);
            saw = true;
        }
    assert_true(saw);
    h3_conn_free(c);
}

/* A message on a request stream, built frame by frame. */
typedef struct msg {
    uint8_t b[2048];
    size_t n;
} msg;

static void msg_headers(msg *m, const h3_field *f, size_t n)
{
    uint8_t sec[1024];
    qb_wr w;
    qb_wr_init(&w, sec, sizeof sec);
    assert_int_equal(qpack_encode_field_section(&w, f, n), 0);
    qb_wr o;
    qb_wr_init(&o, m->b + m->n, sizeof m->b - m->n);
    assert_int_equal(h3_frame_header_encode(&o, H3_FRAME_HEADERS, w.off), 0);
    assert_true(o.off + w.off <= o.cap);
    memcpy(o.p + o.off, sec, w.off);
    m->n += o.off + w.off;
}

static void msg_data(msg *m, const char *s)
{
    size_t len = strlen(s);
    qb_wr o;
    qb_wr_init(&o, m->b + m->n, sizeof m->b - m->n);
    assert_int_equal(h3_frame_header_encode(&o, H3_FRAME_DATA, len), 0);
    assert_true(o.off + len <= o.cap);
    memcpy(o.p + o.off, s, len);
    m->n += o.off + len;
}

/* Fed one byte at a time, so every split point of every frame is crossed. */
static int msg_feed(h3_conn *c, uint64_t sid, const msg *m, bool fin)
{
    for (size_t i = 0; i < m->n; i++) {
        int rc = h3_conn_on_stream_data(c, sid, m->b + i, 1, fin && i + 1 == m->n);
        if (rc < 0)
            return rc;
    }
    return m->n == 0 && fin ? h3_conn_on_stream_data(c, sid, NULL, 0, true) : 0;
}

typedef struct seen {
    int requests, responses, trailers, fins, stream_errors, conn_errors;
    uint64_t stream_error_code;
    unsigned status;
    size_t data_len;
} seen;

static seen drain(h3_conn *c)
{
    seen s = {0};
    h3_event ev;
    while (h3_conn_next_event(c, &ev)) {
        switch (ev.type) {
        case H3_EV_REQUEST: s.requests++; break;
        case H3_EV_RESPONSE: s.responses++; s.status = ev.status; break;
        case H3_EV_TRAILERS: s.trailers++; break;
        case H3_EV_DATA: s.data_len += ev.len; break;
        case H3_EV_FIN: s.fins++; break;
        case H3_EV_STREAM_ERROR:
            s.stream_errors++;
            s.stream_error_code = ev.code;
            break;
        case H3_EV_CONN_ERROR: s.conn_errors++; break;
        default: break;
        }
    }
    return s;
}

/* The stream was aborted with H3_MESSAGE_ERROR (RESET_STREAM, and STOP_SENDING unless
 * the peer already finished), and the connection lives on (RFC 9114 §4.1.2). */
static void expect_message_error(h3_conn *c, uint64_t sid, bool peer_finished)
{
    h3_action a;
    assert_true(h3_conn_next_action(c, &a));
    assert_int_equal(a.kind, H3_ACTION_RESET_STREAM);
    assert_int_equal(a.stream_id, sid);
    assert_int_equal(a.code, H3_MESSAGE_ERROR);
    if (!peer_finished) {
        assert_true(h3_conn_next_action(c, &a));
        assert_int_equal(a.kind, H3_ACTION_STOP_SENDING);
        assert_int_equal(a.stream_id, sid);
        assert_int_equal(a.code, H3_MESSAGE_ERROR);
    }
    assert_false(h3_conn_next_action(c, &a));
    assert_int_equal(h3_conn_error(c, NULL, NULL), 0);
}

static const h3_field get_req[] = {F(":method", "GET"), F(":scheme", "https"),
                                   F(":path", "/"), F(":authority", "a")};

/* ---- push IDs (RFC 9114 §7.2.3, §7.2.7) ---- */

/* §7.2.3: a server never promised anything, so every push ID a client cancels was not
 * mentioned by a PUSH_PROMISE: H3_ID_ERROR. */
static void test_server_cancel_push_unpromised_is_id_error(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_SERVER);
    peer_control_open(c, H3_ROLE_SERVER);
    assert_true(feed_hex(c, 2, "03 01 00", false) < 0);
    expect_close(c, H3_ID_ERROR, "CANCEL_PUSH");
}

/* Even within the client's MAX_PUSH_ID, a push ID we never promised is H3_ID_ERROR. */
static void test_server_cancel_push_below_max_push_id_is_id_error(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_SERVER);
    peer_control_open(c, H3_ROLE_SERVER);
    assert_int_equal(feed_hex(c, 2, "0d 01 0a", false), 0);
    assert_true(feed_hex(c, 2, "03 01 02", false) < 0);
    expect_close(c, H3_ID_ERROR, "CANCEL_PUSH");
}

/* §7.2.7: MAX_PUSH_ID may stay or grow, never shrink. */
static void test_server_max_push_id_decrease_is_id_error(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_SERVER);
    peer_control_open(c, H3_ROLE_SERVER);
    assert_int_equal(feed_hex(c, 2, "0d 01 05", false), 0);
    assert_int_equal(feed_hex(c, 2, "0d 01 05", false), 0); /* equal: fine */
    assert_int_equal(feed_hex(c, 2, "0d 02 4100", false), 0); /* 256: grows */
    assert_int_equal(h3_conn_error(c, NULL, NULL), 0);
    assert_true(feed_hex(c, 2, "0d 01 3f", false) < 0); /* 63 < 256 */
    expect_close(c, H3_ID_ERROR, "MAX_PUSH_ID");
}

/* §7.2.3: a client sent no MAX_PUSH_ID, so any push ID is above what it allows. */
static void test_client_cancel_push_is_id_error(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_CLIENT);
    peer_control_open(c, H3_ROLE_CLIENT);
    assert_true(feed_hex(c, 3, "03 01 00", false) < 0);
    expect_close(c, H3_ID_ERROR, "CANCEL_PUSH");
}

/* §7.2.7: a server MUST NOT send MAX_PUSH_ID; a client gets H3_FRAME_UNEXPECTED. */
static void test_client_max_push_id_is_frame_unexpected(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_CLIENT);
    peer_control_open(c, H3_ROLE_CLIENT);
    assert_true(feed_hex(c, 3, "0d 01 00", false) < 0);
    expect_close(c, H3_FRAME_UNEXPECTED, "MAX_PUSH_ID");
}

/* §7.2.3, §7.2.7: both belong on the control stream only. */
static void test_push_frames_on_request_stream_are_frame_unexpected(void **state)
{
    (void)state;
    const char *frames[] = {"03 01 00", "0d 01 00"};
    for (size_t i = 0; i < NF(frames); i++) {
        h3_conn *c = conn_new(H3_ROLE_SERVER);
        msg m = {0};
        msg_headers(&m, get_req, NF(get_req));
        assert_int_equal(msg_feed(c, 0, &m, false), 0);
        assert_true(feed_hex(c, 0, frames[i], false) < 0);
        expect_close(c, H3_FRAME_UNEXPECTED, "request stream");
    }
}

/* ---- close reasons name the stream kind ---- */

typedef struct step {
    uint64_t sid;
    char kind; /* 'd' stream bytes, 'f' bytes + FIN, 'r' RESET_STREAM, 's' STOP_SENDING */
    const char *hex;
} step;

typedef struct reason_case {
    h3_role role;
    step steps[3]; /* the last one fails */
    size_t n;
    uint64_t wire;
    const char *reason;
} reason_case;

static int step_run(h3_conn *c, const step *s)
{
    switch (s->kind) {
    case 'r': return h3_conn_on_stream_reset(c, s->sid, H3_NO_ERROR);
    case 's': return h3_conn_on_stop_sending(c, s->sid, H3_NO_ERROR);
    default: return feed_hex(c, s->sid, s->hex, s->kind == 'f');
    }
}

static void test_close_reasons_name_the_stream(void **state)
{
    (void)state;
    const h3_role S = H3_ROLE_SERVER, C = H3_ROLE_CLIENT;
    const reason_case cases[] = {
        /* §6.2.2: only servers push */
        {S, {{2, 'd', "01"}}, 1, H3_STREAM_CREATION_ERROR, "push stream"},
        /* §6.2.2, §4.6: a client that sent no MAX_PUSH_ID */
        {C, {{3, 'd', "01 00"}}, 1, H3_ID_ERROR, "push stream"},
        {S, {{2, 'd', "00 04 00"}, {6, 'd', "00"}}, 2, H3_STREAM_CREATION_ERROR,
         "control stream"},
        /* RFC 9204 §4.2: one encoder and one decoder stream each */
        {S, {{2, 'd', "02"}, {6, 'd', "02"}}, 2, H3_STREAM_CREATION_ERROR,
         "QPACK encoder stream"},
        {S, {{2, 'd', "03"}, {6, 'd', "03"}}, 2, H3_STREAM_CREATION_ERROR,
         "QPACK decoder stream"},
        {S, {{2, 'd', "02"}, {2, 'f', ""}}, 2, H3_CLOSED_CRITICAL_STREAM,
         "QPACK encoder stream"},
        {S, {{6, 'd', "03"}, {6, 'r', ""}}, 2, H3_CLOSED_CRITICAL_STREAM,
         "QPACK decoder stream"},
        /* §6.2.1 */
        {C, {{3, 'd', "00 04 00"}, {3, 'f', ""}}, 2, H3_CLOSED_CRITICAL_STREAM,
         "control stream"},
        {C, {{3, 'd', "00 04 00"}, {3, 'r', ""}}, 2, H3_CLOSED_CRITICAL_STREAM,
         "control stream"},
        {C, {{2, 's', ""}}, 1, H3_CLOSED_CRITICAL_STREAM, "control stream"},
        {C, {{3, 'd', "00 07 01 00"}}, 1, H3_MISSING_SETTINGS, "control stream"},
        {C, {{3, 'd', "00 04 00 04 00"}}, 1, H3_FRAME_UNEXPECTED, "control stream"},
        /* §7.2.1, §7.2.2: DATA and HEADERS never on the control stream */
        {C, {{3, 'd', "00 04 00 00 00"}}, 1, H3_FRAME_UNEXPECTED, "control stream"},
        {C, {{3, 'd', "00 04 00 01 00"}}, 1, H3_FRAME_UNEXPECTED, "control stream"},
        /* §7.2.5: PUSH_PROMISE only on request streams, only from a server */
        {C, {{3, 'd', "00 04 00 05 01 00"}}, 1, H3_FRAME_UNEXPECTED, "control stream"},
        {S, {{0, 'd', "05 03 00 0000"}}, 1, H3_FRAME_UNEXPECTED, "PUSH_PROMISE"},
        /* §7.2.4, §7.2.6 on a request stream */
        {S, {{0, 'd', "04 00"}}, 1, H3_FRAME_UNEXPECTED, "request stream"},
        {S, {{0, 'd', "07 01 00"}}, 1, H3_FRAME_UNEXPECTED, "request stream"},
        /* §4.1, §7.1 */
        {S, {{0, 'd', "00 00"}}, 1, H3_FRAME_UNEXPECTED, "request stream"},
        {S, {{0, 'f', "01 05 0000"}}, 1, H3_FRAME_ERROR, "request stream"},
        /* §6.1: a server-initiated bidirectional stream */
        {C, {{1, 'd', "00"}}, 1, H3_STREAM_CREATION_ERROR, "bidirectional"},
        /* bytes on a unidirectional stream we opened (our control stream), and on
         * streams of ours that were never opened */
        {C, {{2, 'd', "00"}}, 1, H3_GENERAL_PROTOCOL_ERROR, "our control stream"},
        {C, {{6, 'd', "00"}}, 1, H3_GENERAL_PROTOCOL_ERROR, "never opened"},
        {C, {{8, 'd', "00"}}, 1, H3_GENERAL_PROTOCOL_ERROR, "never opened"},
        {S, {{1, 'd', "00"}}, 1, H3_GENERAL_PROTOCOL_ERROR, "never opened"},
    };
    for (size_t i = 0; i < NF(cases); i++) {
        const reason_case *k = &cases[i];
        h3_conn *c = conn_new(k->role);
        for (size_t j = 0; j + 1 < k->n; j++)
            if (step_run(c, &k->steps[j]) != 0)
                fail_msg("case %zu: step %zu failed", i, j);
        if (step_run(c, &k->steps[k->n - 1]) >= 0)
            fail_msg("case %zu: accepted", i);
        uint64_t code;
        const char *why;
        (void)h3_conn_error(c, &code, &why);
        if (code != k->wire || !strstr(why, k->reason))
            fail_msg("case %zu: 0x%llx \"%s\", want 0x%llx naming \"%s\"", i,
                     (unsigned long long)code, why, (unsigned long long)k->wire, k->reason);
        h3_conn_free(c);
    }
}

/* Peer unidirectional streams are bounded (§10.5): the reason says which limit. */
static void test_too_many_uni_streams_reason(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_SERVER);
    int rc = 0;
    uint64_t sid = 2;
    for (int i = 0; i < 1000 && rc == 0; i++, sid += 4)
        rc = feed_hex(c, sid, "21", false); /* reserved type: kept, read and dropped */
    assert_true(rc < 0);
    assert_true(sid > 2 + 4 * 100); /* the default allows max_streams + 16 */
    expect_close(c, H3_EXCESSIVE_LOAD, "unidirectional streams");
}

/* ---- field names and values (RFC 9110 §5.1, §5.5; RFC 9114 §4.2, §10.3) ---- */

typedef struct vcase {
    const char *v;
    size_t len;
    bool ok;
} vcase;
#define V(s, ok) {s, sizeof(s) - 1, ok}

static const vcase value_cases[] = {
    V("", true), V("x", true), V("a b", true), V("a\tb", true), V("a  \t b", true),
    V("!~\"(),/:;<=>?@[\\]{}", true), V("\x80\xff caf\xc3\xa9", true),
    /* CTL characters other than HTAB, and DEL */
    V("a\x00" "b", false), V("a\rb", false), V("a\nb", false), V("\x01", false),
    V("a\x08", false), V("a\x0b" "b", false), V("\x1f", false), V("a\x7f", false),
    V("\x7f" "a", false),
    /* field-content begins and ends with a visible character */
    V(" a", false), V("a ", false), V("\ta", false), V("a\t", false), V(" ", false),
    V("\t", false), V("a b ", false),
};

static void test_field_values_follow_field_content(void **state)
{
    (void)state;
    for (size_t i = 0; i < NF(value_cases); i++) {
        const vcase *k = &value_cases[i];
        int want = k->ok ? 0 : H3_ERR_MSG_VALUE;
        h3_field f = {(const uint8_t *)"x-v", 3, (const uint8_t *)k->v, k->len};
        h3_field req[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                          F(":authority", "a"), f};
        h3_request_head h;
        if (h3_request_validate(req, NF(req), true, &h) != want)
            fail_msg("request value case %zu", i);
        h3_field resp[] = {F(":status", "200"), f};
        unsigned st;
        if (h3_response_validate(resp, NF(resp), &st) != want)
            fail_msg("response value case %zu", i);
        if (h3_trailers_validate(&f, 1) != want)
            fail_msg("trailer value case %zu", i);
        if (k->len == 0)
            continue; /* an empty :authority is a different error */
        /* pseudo-header values are field values too */
        h3_field ps[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                         {(const uint8_t *)":authority", 10, (const uint8_t *)k->v, k->len}};
        int rc = h3_request_validate(ps, NF(ps), true, &h);
        if (k->ok ? rc == H3_ERR_MSG_VALUE : rc != H3_ERR_MSG_VALUE)
            fail_msg(":authority value case %zu: %d", i, rc);
    }
    assert_int_equal(h3_err_to_wire(H3_ERR_MSG_VALUE), H3_MESSAGE_ERROR);
}

static void test_field_names_are_lowercase_tokens(void **state)
{
    (void)state;
    const vcase names[] = {
        V("x", true), V("!#$%&'*+-.^_`|~09az", true),
        V("", false), V(":", false), V("X-up", false), V("a b", false), V("a:b", false),
        V("a\tb", false), V("a\x00", false), V("a\x7f", false), V("caf\xc3\xa9", false),
        V("a\"b", false), V("a(b", false), V("a/b", false), V("a@b", false),
        V("a\r", false), V("x,y", false),
    };
    for (size_t i = 0; i < NF(names); i++) {
        h3_field f = {(const uint8_t *)names[i].v, names[i].len, (const uint8_t *)"1", 1};
        h3_field req[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                          F(":authority", "a"), f};
        h3_request_head h;
        int want = names[i].ok ? 0 : H3_ERR_MSG_NAME;
        if (h3_request_validate(req, NF(req), true, &h) != want)
            fail_msg("name case %zu", i);
        if (h3_trailers_validate(&f, 1) != want)
            fail_msg("trailer name case %zu", i);
    }
    /* pseudo-header names: defined ones only, lowercase, in their context */
    h3_field upper[] = {F(":METHOD", "GET"), F(":scheme", "https"), F(":path", "/"),
                        F(":authority", "a")};
    h3_request_head h;
    assert_int_equal(h3_request_validate(upper, NF(upper), true, &h), H3_ERR_MSG_NAME);
    h3_field undef[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                        F(":authority", "a"), F(":x", "1")};
    assert_int_equal(h3_request_validate(undef, NF(undef), true, &h),
                     H3_ERR_MSG_PSEUDO_UNKNOWN);
    h3_field resp_method[] = {F(":status", "200"), F(":method", "GET")};
    unsigned st;
    assert_int_equal(h3_response_validate(resp_method, NF(resp_method), &st),
                     H3_ERR_MSG_PSEUDO_UNKNOWN);
}

/* RFC 9114 §4.3.1: no userinfo in :authority for http and https. */
static void test_authority_userinfo_is_malformed(void **state)
{
    (void)state;
    h3_request_head h;
    h3_field ui[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                     F(":authority", "user@a")};
    assert_int_equal(h3_request_validate(ui, NF(ui), true, &h), H3_ERR_MSG_AUTHORITY);
    h3_field uih[] = {F(":method", "GET"), F(":scheme", "http"), F(":path", "/"),
                      F("host", "u:p@a")};
    assert_int_equal(h3_request_validate(uih, NF(uih), true, &h), H3_ERR_MSG_AUTHORITY);
    assert_int_equal(h3_err_to_wire(H3_ERR_MSG_AUTHORITY), H3_MESSAGE_ERROR);
    /* other schemes are not restricted */
    h3_field other[] = {F(":method", "GET"), F(":scheme", "foo"), F(":path", "/"),
                        F(":authority", "user@a")};
    assert_int_equal(h3_request_validate(other, NF(other), true, &h), 0);
}

/* End to end: a request with a control character in a value is a stream error
 * H3_MESSAGE_ERROR, the application never sees it, and the connection carries on. */
static void test_server_bad_field_value_is_stream_error(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_SERVER);
    peer_control_open(c, H3_ROLE_SERVER);
    const h3_field bad[][5] = {
        {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"), F(":authority", "a"),
         F("x-v", "a\x01" "b")},
        {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"), F(":authority", "a"),
         F("x-v", "trailing ")},
        {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"), F(":authority", "a"),
         F("x-v", "\x7f")},
    };
    for (size_t i = 0; i < NF(bad); i++) {
        msg m = {0};
        msg_headers(&m, bad[i], 5);
        assert_int_equal(msg_feed(c, 4 * i, &m, false), 0);
        expect_message_error(c, 4 * i, false);
        seen s = drain(c);
        assert_int_equal(s.requests, 0);
        assert_int_equal(s.conn_errors, 0);
    }
    msg m = {0};
    msg_headers(&m, get_req, NF(get_req));
    assert_int_equal(msg_feed(c, 4 * NF(bad), &m, true), 0);
    seen s = drain(c);
    assert_int_equal(s.requests, 1);
    assert_int_equal(s.fins, 1);
    h3_conn_free(c);
}

/* A client must not accept a malformed response (§4.1.2), nor malformed trailers. */
static void test_client_bad_field_value_is_stream_error(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_CLIENT);
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(c, get_req, NF(get_req), &sid), 0);
    h3_field resp[] = {F(":status", "200"), F("server", "x\ty\t")};
    msg m = {0};
    msg_headers(&m, resp, NF(resp));
    assert_int_equal(msg_feed(c, sid, &m, false), 0);
    expect_message_error(c, sid, false);
    seen s = drain(c);
    assert_int_equal(s.responses, 0);
    assert_int_equal(s.stream_errors, 1);
    assert_int_equal(s.stream_error_code, H3_MESSAGE_ERROR);

    assert_int_equal(h3_conn_send_request(c, get_req, NF(get_req), &sid), 0);
    h3_field ok[] = {F(":status", "200")};
    h3_field tr[] = {F("x-checksum", "1\x1e")};
    msg t = {0};
    msg_headers(&t, ok, NF(ok));
    msg_data(&t, "hi");
    msg_headers(&t, tr, NF(tr));
    assert_int_equal(msg_feed(c, sid, &t, true), 0);
    expect_message_error(c, sid, false); /* found before the FIN was taken in */
    s = drain(c);
    assert_int_equal(s.responses, 1);
    assert_int_equal(s.trailers, 0);
    assert_int_equal(s.fins, 0);
    assert_int_equal(s.stream_errors, 1);
    h3_conn_free(c);
}

/* ---- Content-Length against DATA (RFC 9114 §4.1.2, RFC 9110 §8.6) ---- */

typedef struct clcase {
    const char *v[2]; /* one or two field lines */
    int rc;
    uint64_t len;
} clcase;

static void test_content_length_parse(void **state)
{
    (void)state;
    const clcase cases[] = {
        {{"0"}, 0, 0},
        {{"5"}, 0, 5},
        {{"0005"}, 0, 5},
        {{"4611686018427387903"}, 0, 4611686018427387903ull},
        {{"5, 5"}, 0, 5},     /* the same value repeated (§8.6) */
        {{"5,5"}, 0, 5},
        {{"5", "5"}, 0, 5},
        {{"5, 6"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{"5", "6"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{""}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{"abc"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{"5a"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{"-1"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{"+5"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{"0x5"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{"5,"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{",5"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{"5 5"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
        {{"18446744073709551616"}, H3_ERR_MSG_CONTENT_LENGTH, 0}, /* 2^64 */
        {{"99999999999999999999999"}, H3_ERR_MSG_CONTENT_LENGTH, 0},
    };
    for (size_t i = 0; i < NF(cases); i++) {
        h3_field f[3] = {F("date", "x")};
        size_t n = 1;
        for (size_t j = 0; j < 2 && cases[i].v[j]; j++)
            f[n++] = (h3_field){(const uint8_t *)"content-length", 14,
                                (const uint8_t *)cases[i].v[j], strlen(cases[i].v[j])};
        bool present = false;
        uint64_t len = 99;
        int rc = h3_content_length_parse(f, n, &present, &len);
        if (rc != cases[i].rc || (rc == 0 && (!present || len != cases[i].len)))
            fail_msg("case %zu: rc %d len %llu", i, rc, (unsigned long long)len);
    }
    h3_field none[] = {F("content-type", "text/plain"), F("content-length-x", "1")};
    bool present = true;
    uint64_t len = 7;
    assert_int_equal(h3_content_length_parse(none, NF(none), &present, &len), 0);
    assert_false(present);
    assert_int_equal(h3_err_to_wire(H3_ERR_MSG_CONTENT_LENGTH), H3_MESSAGE_ERROR);
}

static const h3_field post5[] = {F(":method", "POST"), F(":scheme", "https"),
                                 F(":path", "/"), F(":authority", "a"),
                                 F("content-length", "5")};

/* Server side: a request body longer or shorter than its Content-Length. */
static void test_server_request_content_length_mismatch_is_stream_error(void **state)
{
    (void)state;
    /* too much: the frame that goes past the length is refused before delivery */
    h3_conn *c = conn_new(H3_ROLE_SERVER);
    msg m = {0};
    msg_headers(&m, post5, NF(post5));
    msg_data(&m, "abc");
    msg_data(&m, "def");
    assert_int_equal(msg_feed(c, 0, &m, false), 0);
    expect_message_error(c, 0, false);
    seen s = drain(c);
    assert_int_equal(s.requests, 1);
    assert_int_equal(s.data_len, 3);
    assert_int_equal(s.stream_errors, 1);
    assert_int_equal(s.stream_error_code, H3_MESSAGE_ERROR);
    /* too little: FIN after 3 of 5 bytes */
    m.n = 0;
    msg_headers(&m, post5, NF(post5));
    msg_data(&m, "abc");
    assert_int_equal(msg_feed(c, 4, &m, true), 0);
    expect_message_error(c, 4, true);
    s = drain(c);
    assert_int_equal(s.fins, 0);
    assert_int_equal(s.stream_errors, 1);
    /* too little: trailers after 4 of 5 bytes end the content */
    h3_field tr[] = {F("x-checksum", "1")};
    m.n = 0;
    msg_headers(&m, post5, NF(post5));
    msg_data(&m, "abcd");
    msg_headers(&m, tr, NF(tr));
    assert_int_equal(msg_feed(c, 8, &m, false), 0);
    expect_message_error(c, 8, false);
    s = drain(c);
    assert_int_equal(s.trailers, 0);
    /* exact, in two DATA frames with an empty one, then trailers and FIN: fine */
    m.n = 0;
    msg_headers(&m, post5, NF(post5));
    msg_data(&m, "ab");
    msg_data(&m, "");
    msg_data(&m, "cde");
    msg_headers(&m, tr, NF(tr));
    assert_int_equal(msg_feed(c, 12, &m, true), 0);
    s = drain(c);
    assert_int_equal(s.requests, 1);
    assert_int_equal(s.data_len, 5);
    assert_int_equal(s.trailers, 1);
    assert_int_equal(s.fins, 1);
    assert_int_equal(s.stream_errors, 0);
    h3_action a;
    assert_false(h3_conn_next_action(c, &a));
    assert_int_equal(h3_conn_error(c, NULL, NULL), 0);
    h3_conn_free(c);
}

/* Invalid values: not digits, or a list of different values. */
static void test_server_request_invalid_content_length_is_stream_error(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_SERVER);
    const char *bad[] = {"x", "5, 6", "", "-0"};
    for (size_t i = 0; i < NF(bad); i++) {
        h3_field f[] = {F(":method", "POST"), F(":scheme", "https"), F(":path", "/"),
                        F(":authority", "a"),
                        {(const uint8_t *)"content-length", 14, (const uint8_t *)bad[i],
                         strlen(bad[i])}};
        msg m = {0};
        msg_headers(&m, f, NF(f));
        assert_int_equal(msg_feed(c, 4 * i, &m, false), 0);
        expect_message_error(c, 4 * i, false);
        seen s = drain(c);
        assert_int_equal(s.requests, 0);
    }
    h3_field two[] = {F(":method", "POST"), F(":scheme", "https"), F(":path", "/"),
                      F(":authority", "a"), F("content-length", "1"),
                      F("content-length", "2")};
    msg m = {0};
    msg_headers(&m, two, NF(two));
    assert_int_equal(msg_feed(c, 100, &m, false), 0);
    expect_message_error(c, 100, false);
    h3_conn_free(c);
}

/* Client side: the response's Content-Length against its DATA. */
static void test_client_response_content_length_mismatch_is_stream_error(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_CLIENT);
    const char *bodies[] = {"ab", "abcd"};
    for (size_t i = 0; i < NF(bodies); i++) {
        uint64_t sid;
        assert_int_equal(h3_conn_send_request(c, get_req, NF(get_req), &sid), 0);
        h3_field resp[] = {F(":status", "200"), F("content-length", "3")};
        msg m = {0};
        msg_headers(&m, resp, NF(resp));
        msg_data(&m, bodies[i]);
        assert_int_equal(msg_feed(c, sid, &m, true), 0);
        expect_message_error(c, sid, i == 0);
        seen s = drain(c);
        assert_int_equal(s.responses, 1);
        assert_int_equal(s.fins, 0);
        assert_int_equal(s.stream_errors, 1);
        assert_int_equal(s.stream_error_code, H3_MESSAGE_ERROR);
        assert_true(s.data_len <= 3);
    }
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(c, get_req, NF(get_req), &sid), 0);
    h3_field bad[] = {F(":status", "200"), F("content-length", "3, 4")};
    msg m = {0};
    msg_headers(&m, bad, NF(bad));
    assert_int_equal(msg_feed(c, sid, &m, false), 0);
    expect_message_error(c, sid, false);
    assert_int_equal(drain(c).responses, 0);
    h3_conn_free(c);
}

/* Responses that never have content (RFC 9110 §8.6, §9.3.2, §15.3.5, §15.4.5): the
 * length describes what a GET would have returned, so no DATA is fine. */
static void test_client_head_204_304_need_no_content(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_CLIENT);
    const h3_field head[] = {F(":method", "HEAD"), F(":scheme", "https"), F(":path", "/"),
                             F(":authority", "a")};
    const struct {
        const h3_field *req;
        const char *status;
    } cases[] = {{head, "200"}, {get_req, "204"}, {get_req, "304"}};
    for (size_t i = 0; i < NF(cases); i++) {
        uint64_t sid;
        assert_int_equal(h3_conn_send_request(c, cases[i].req, 4, &sid), 0);
        h3_field resp[] = {{(const uint8_t *)":status", 7, (const uint8_t *)cases[i].status, 3},
                           F("content-length", "1000")};
        msg m = {0};
        msg_headers(&m, resp, NF(resp));
        assert_int_equal(msg_feed(c, sid, &m, true), 0);
        seen s = drain(c);
        assert_int_equal(s.responses, 1);
        assert_int_equal(s.fins, 1);
        assert_int_equal(s.stream_errors, 0);
    }
    h3_action a;
    assert_false(h3_conn_next_action(c, &a));
    assert_int_equal(h3_conn_error(c, NULL, NULL), 0);
    h3_conn_free(c);
}

/* CONNECT (RFC 9110 §9.3.6): the request has no content and a client ignores the
 * Content-Length of a 2xx response, so the tunnel's DATA is never counted; a
 * response refusing the tunnel has ordinary content. */
static void test_connect_content_length_not_counted(void **state)
{
    (void)state;
    /* server: a CONNECT request, then tunnel bytes past its Content-Length */
    h3_conn *c = conn_new(H3_ROLE_SERVER);
    h3_field creq[] = {F(":method", "CONNECT"), F(":authority", "a:1"),
                       F("content-length", "0")};
    msg m = {0};
    msg_headers(&m, creq, NF(creq));
    msg_data(&m, "tunnel bytes");
    assert_int_equal(msg_feed(c, 0, &m, true), 0);
    seen s = drain(c);
    assert_int_equal(s.requests, 1);
    assert_int_equal(s.data_len, 12);
    assert_int_equal(s.fins, 1);
    h3_action a;
    assert_false(h3_conn_next_action(c, &a));
    h3_conn_free(c);

    /* client: CONNECT and extended CONNECT, 200 with a Content-Length, tunnel bytes */
    c = conn_new(H3_ROLE_CLIENT);
    assert_int_equal(feed_hex(c, 3, "00 04 02 08 01", false), 0); /* extended CONNECT on */
    const h3_field plain[] = {F(":method", "CONNECT"), F(":authority", "a:1")};
    const h3_field ext[] = {F(":method", "CONNECT"), F(":protocol", "connect-udp"),
                            F(":scheme", "https"), F(":path", "/x"), F(":authority", "p")};
    const struct {
        const h3_field *req;
        size_t n;
    } reqs[] = {{plain, NF(plain)}, {ext, NF(ext)}};
    for (size_t i = 0; i < NF(reqs); i++) {
        uint64_t sid;
        assert_int_equal(h3_conn_send_request(c, reqs[i].req, reqs[i].n, &sid), 0);
        h3_field ok[] = {F(":status", "200"), F("content-length", "2, 3")};
        m.n = 0;
        msg_headers(&m, ok, NF(ok));
        msg_data(&m, "tunnel bytes");
        assert_int_equal(msg_feed(c, sid, &m, true), 0);
        s = drain(c);
        assert_int_equal(s.responses, 1);
        assert_int_equal(s.data_len, 12);
        assert_int_equal(s.fins, 1);
        assert_int_equal(s.stream_errors, 0);
    }
    /* a 407 to CONNECT has content like any response */
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(c, plain, NF(plain), &sid), 0);
    h3_field no[] = {F(":status", "407"), F("content-length", "5")};
    m.n = 0;
    msg_headers(&m, no, NF(no));
    msg_data(&m, "ab");
    assert_int_equal(msg_feed(c, sid, &m, true), 0);
    expect_message_error(c, sid, true);
    h3_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_cancel_push_unpromised_is_id_error),
        cmocka_unit_test(test_server_cancel_push_below_max_push_id_is_id_error),
        cmocka_unit_test(test_server_max_push_id_decrease_is_id_error),
        cmocka_unit_test(test_client_cancel_push_is_id_error),
        cmocka_unit_test(test_client_max_push_id_is_frame_unexpected),
        cmocka_unit_test(test_push_frames_on_request_stream_are_frame_unexpected),
        cmocka_unit_test(test_close_reasons_name_the_stream),
        cmocka_unit_test(test_too_many_uni_streams_reason),
        cmocka_unit_test(test_field_values_follow_field_content),
        cmocka_unit_test(test_field_names_are_lowercase_tokens),
        cmocka_unit_test(test_authority_userinfo_is_malformed),
        cmocka_unit_test(test_server_bad_field_value_is_stream_error),
        cmocka_unit_test(test_client_bad_field_value_is_stream_error),
        cmocka_unit_test(test_content_length_parse),
        cmocka_unit_test(test_server_request_content_length_mismatch_is_stream_error),
        cmocka_unit_test(test_server_request_invalid_content_length_is_stream_error),
        cmocka_unit_test(test_client_response_content_length_mismatch_is_stream_error),
        cmocka_unit_test(test_client_head_204_304_need_no_content),
        cmocka_unit_test(test_connect_content_length_not_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
