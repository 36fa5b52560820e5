/* Everything a peer can make us hold is bounded (DESIGN.md; RFC 9000 §4.6,
 * §5.1.1, §7.5, §19.*; RFC 9221 §5): a hostile client, after a real
 * handshake, sends the server frames sealed with the client's 1-RTT keys.
 * Allocations are counted through the qb_alloc hook. */
#include "common/sim.h"

#include "quic/conn_test.h" /* counters in failure messages */
#include "quic/packet.h"
#include "quic/frame.h"

#include <stdlib.h>
#include <string.h>

/* ---- a counting allocator ---- */

typedef struct counter {
    size_t live, peak, calls;
    bool fail; /* every allocation fails while set */
} counter;

static void *c_alloc(void *ud, size_t n)
{
    counter *k = ud;
    if (k->fail)
        return NULL;
    size_t *p = malloc(n + 16);
    if (!p)
        return NULL;
    p[0] = n;
    k->live += n;
    k->calls++;
    if (k->live > k->peak)
        k->peak = k->live;
    return (uint8_t *)p + 16;
}

static void c_free(void *ud, void *q)
{
    counter *k = ud;
    if (!q)
        return;
    size_t *p = (size_t *)(void *)((uint8_t *)q - 16);
    k->live -= p[0];
    free(p);
}

static void *c_realloc(void *ud, void *q, size_t n)
{
    counter *k = ud;
    if (!q)
        return c_alloc(ud, n);
    size_t *p = (size_t *)(void *)((uint8_t *)q - 16);
    size_t old = p[0];
    if (k->fail)
        return NULL;
    size_t *np = realloc(p, n + 16);
    if (!np)
        return NULL;
    np[0] = n;
    k->live = k->live - old + n;
    k->calls++;
    if (k->live > k->peak)
        k->peak = k->live;
    return (uint8_t *)np + 16;
}

typedef struct ctx {
    sim s;
    counter cnt;
    qb_alloc alloc;
    bool c_conn, s_conn, closed;
} ctx;

static void note(quic_conn *c, const quic_event *e, void *ud)
{
    ctx *x = ud;
    if (e->type == QUIC_EV_CONNECTED)
        *(quic_conn_is_server(c) ? &x->s_conn : &x->c_conn) = true;
    if (e->type == QUIC_EV_CLOSED)
        x->closed = true;
}

static bool hs_done(sim *s, void *ud)
{
    ctx *x = ud;
    pair_events(s->p.client, note, x);
    pair_events(s->p.server, note, x);
    return (x->c_conn && x->s_conn) || x->closed;
}

/* A connected pair whose server allocates through the counter. */
static ctx *setup(uint64_t seed, void (*tune)(quic_config *))
{
    ctx *x = calloc(1, sizeof *x);
    sim_init(&x->s, seed);
    x->alloc = (qb_alloc){c_alloc, c_realloc, c_free, &x->cnt};
    x->s.p.scfg.alloc = &x->alloc;
    if (tune)
        tune(&x->s.p.scfg);
    sim_start(&x->s);
    assert_true(sim_run(&x->s, hs_done, x, 10000000));
    assert_true(x->c_conn && x->s_conn && !x->closed);
    /* Let the handshake's tail (HANDSHAKE_DONE, NEW_CONNECTION_ID) settle. */
    sim_run(&x->s, NULL, NULL, 300000);
    return x;
}

static void teardown(ctx *x)
{
    sim_free(&x->s);
    assert_int_equal(x->cnt.live, 0); /* the server freed all it took */
    free(x);
}

static int send_frame(ctx *x, const quic_frame *f)
{
    uint8_t buf[1400];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_frame_encode(&w, f), 0);
    return sim_client_inject_1rtt(&x->s, buf, w.off);
}

static uint64_t server_error(ctx *x)
{
    quic_close_info ci;
    quic_conn_close_info(x->s.p.server, &ci);
    return ci.code;
}

static uint64_t server_frame_type(ctx *x)
{
    quic_close_info ci;
    quic_conn_close_info(x->s.p.server, &ci);
    return ci.frame_type;
}

static bool server_closing(ctx *x)
{
    quic_close_info ci;
    quic_conn_close_info(x->s.p.server, &ci);
    return ci.code != 0 || ci.closed;
}

static void small_streams(quic_config *c)
{
    c->initial_max_streams_bidi = 10;
    c->initial_max_streams_uni = 5;
}

static void test_stream_limit(void **state)
{
    (void)state;
    for (int uni = 0; uni < 2; uni++) {
        ctx *x = setup(1 + (uint64_t)uni, small_streams);
        uint64_t limit = uni ? 5 : 10;
        quic_frame f = {.type = QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN};
        f.stream.data = (const uint8_t *)"x";
        f.stream.len = 1;
        /* The last stream allowed opens every lower one (§3.2). */
        f.stream.stream_id = ((limit - 1) << 2) | (uni ? 2u : 0u);
        send_frame(x, &f);
        assert_false(server_closing(x));
        size_t live = x->cnt.live;
        /* One more: STREAM_LIMIT_ERROR, and nothing allocated for it (§4.6). */
        f.stream.stream_id = (limit << 2) | (uni ? 2u : 0u);
        send_frame(x, &f);
        assert_int_equal(server_error(x), QUIC_STREAM_LIMIT_ERROR);
        assert_int_equal(server_frame_type(x), f.type); /* RFC 9000 §19.19: the frame that triggered it */
        assert_true(x->cnt.live <= live);
        teardown(x);
    }
    /* Far beyond (stream 2^60-ish): the same, at once. */
    ctx *x = setup(3, small_streams);
    quic_frame f = {.type = QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN};
    f.stream.stream_id = ((uint64_t)1 << 60) - 4;
    f.stream.data = (const uint8_t *)"x";
    f.stream.len = 1;
    send_frame(x, &f);
    assert_int_equal(server_error(x), QUIC_STREAM_LIMIT_ERROR);
    teardown(x);
}

static void test_crypto_buffer(void **state)
{
    (void)state;
    ctx *x = setup(4, NULL);
    quic_frame f = {.type = QUIC_FT_CRYPTO};
    uint8_t junk[100] = {0};
    f.crypto.data = junk;
    f.crypto.len = sizeof junk;
    /* Inside the buffer, out of order: held, no error. */
    f.crypto.offset = 1000;
    send_frame(x, &f);
    assert_false(server_closing(x));
    f.crypto.offset = x->s.p.scfg.max_crypto_buffer + 1000;
    send_frame(x, &f);
    assert_int_equal(server_error(x), QUIC_CRYPTO_BUFFER_EXCEEDED);
    assert_int_equal(server_frame_type(x), QUIC_FT_CRYPTO);
    teardown(x);
}

static void test_new_cid_limit(void **state)
{
    (void)state;
    ctx *x = setup(5, NULL);
    quic_frame f = {.type = QUIC_FT_NEW_CONNECTION_ID};
    f.new_cid.cid_len = 8;
    int sent = 0;
    for (uint64_t seq = 20; seq < 60 && !server_closing(x); seq++, sent++) {
        f.new_cid.seq = seq;
        for (int i = 0; i < 8; i++)
            f.new_cid.cid[i] = (uint8_t)sim_rand(&x->s);
        for (int i = 0; i < 16; i++)
            f.new_cid.reset_token[i] = (uint8_t)sim_rand(&x->s);
        send_frame(x, &f);
    }
    assert_int_equal(server_error(x), QUIC_CONNECTION_ID_LIMIT_ERROR);
    assert_int_equal(server_frame_type(x), QUIC_FT_NEW_CONNECTION_ID);
    assert_true(sent <= QUIC_CID_SLOTS);
    teardown(x);
}

static void small_dgram_queue(quic_config *c) { c->dgram_recv_queue = 64; }

static void test_dgram_flood(void **state)
{
    (void)state;
    ctx *x = setup(6, small_dgram_queue);
    uint8_t frames[1300];
    uint8_t payload[100];
    memset(payload, 0xab, sizeof payload);
    size_t live_after_first = 0;
    for (int pkt = 0; pkt < 300; pkt++) {
        qb_wr w;
        qb_wr_init(&w, frames, sizeof frames);
        for (int k = 0; k < 10; k++) {
            quic_frame f = {.type = QUIC_FT_DATAGRAM_LEN};
            f.datagram.data = payload;
            f.datagram.len = sizeof payload;
            assert_int_equal(quic_frame_encode(&w, &f), 0);
        }
        sim_client_inject_1rtt(&x->s, frames, w.off);
        if (pkt == 20)
            live_after_first = x->cnt.live;
    }
    assert_false(server_closing(x));
    quic_dgram_counters st;
    quic_conn_dgram_stats(x->s.p.server, &st);
    assert_int_equal(st.received, 3000);
    assert_true(st.drop_recv_queue_full >= 3000 - 64);
    /* The queue filled after 7 packets: memory stopped growing there. */
    assert_true(x->cnt.live <= live_after_first + 4096);
    teardown(x);
}

static bool got_empty_dgram(quic_conn *c)
{
    quic_event e;
    while (quic_conn_next_event(c, &e))
        if (e.type == QUIC_EV_DATAGRAM && e.len == 0 && e.data)
            return true;
    return false;
}

static void test_dgram_empty(void **state)
{
    (void)state;
    /* RFC 9221 §4: a DATAGRAM may be empty; the event must not copy from
     * or hand out a NULL buffer (found by fuzz_conn_established, UBSan). */
    ctx *x = setup(9, NULL);
    quic_frame f = {.type = QUIC_FT_DATAGRAM_LEN};
    send_frame(x, &f);
    assert_false(server_closing(x));
    assert_true(got_empty_dgram(x->s.p.server));
    teardown(x);
}

static void test_stream_data_bounded(void **state)
{
    (void)state;
    ctx *x = setup(7, NULL);
    size_t base = x->cnt.live;
    /* Scattered 1-byte pieces over every stream the peer may open, within
     * the stream windows: what we hold stays near the windows' worth. */
    quic_frame f = {.type = QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN | QUIC_FT_STREAM_BIT_OFF};
    f.stream.data = (const uint8_t *)"y";
    f.stream.len = 1;
    uint8_t frames[1300];
    uint64_t window = x->s.p.scfg.initial_max_stream_data;
    for (uint64_t sid = 0; sid < 100; sid++) {
        qb_wr w;
        qb_wr_init(&w, frames, sizeof frames);
        for (uint64_t k = 0; k < 60; k++) {
            f.stream.stream_id = sid << 2;
            f.stream.offset = 1 + (k * 131 + sid * 7) % 7999; /* sum of ends < MAX_DATA */
            assert_int_equal(quic_frame_encode(&w, &f), 0);
        }
        sim_client_inject_1rtt(&x->s, frames, w.off);
    }
    if (server_closing(x))
        fprintf(stderr, "server error 0x%llx\n", (unsigned long long)server_error(x));
    assert_false(server_closing(x));
    size_t grown = x->cnt.live - base;
    fprintf(stderr, "100 streams x 60 scattered bytes: %zu bytes held (peak %zu)\n", grown,
            x->cnt.peak);
    /* Bounded by the connection window (1 MiB) plus per-stream state. */
    assert_true(grown <= x->s.p.scfg.initial_max_data + 100 * 8192);
    /* Past the stream window: FLOW_CONTROL_ERROR (§4.1). */
    f.stream.stream_id = 0;
    f.stream.offset = window;
    send_frame(x, &f);
    assert_int_equal(server_error(x), QUIC_FLOW_CONTROL_ERROR);
    assert_int_equal(server_frame_type(x), f.type);
    teardown(x);
}

static void test_conn_window(void **state)
{
    (void)state;
    ctx *x = setup(8, NULL);
    /* Each stream within its window, the sum past MAX_DATA (§4.1). */
    uint64_t window = x->s.p.scfg.initial_max_stream_data;
    uint64_t sum = 0;
    quic_frame f = {.type = QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN | QUIC_FT_STREAM_BIT_OFF};
    f.stream.data = (const uint8_t *)"z";
    f.stream.len = 1;
    for (uint64_t sid = 0; sid < 100 && !server_closing(x); sid++) {
        f.stream.stream_id = sid << 2;
        f.stream.offset = window - 1;
        send_frame(x, &f);
        sum += window;
    }
    assert_int_equal(server_error(x), QUIC_FLOW_CONTROL_ERROR);
    assert_int_equal(server_frame_type(x), f.type);
    assert_true(sum > x->s.p.scfg.initial_max_data);
    teardown(x);
}

/* ---- every error the connection can close with, from a hostile client ----
 * Each case: what the client sends after the handshake, and the exact
 * {error code, frame type} the server latches for its CONNECTION_CLOSE
 * (RFC 9000 §19.19: the frame type that triggered the error, 0 when the
 * error is not about one frame). */

static int send_raw(ctx *x, const uint8_t *b, size_t n)
{
    return sim_client_inject_1rtt(&x->s, b, n);
}

static void send_stream(ctx *x, uint64_t type, uint64_t id, uint64_t off, const char *data)
{
    quic_frame f = {.type = type};
    f.stream.stream_id = id;
    f.stream.offset = off;
    f.stream.data = (const uint8_t *)data;
    f.stream.len = strlen(data);
    send_frame(x, &f);
}

static void act_frame(ctx *x, const quic_frame *f) { send_frame(x, f); }

/* RFC 9221 §3: larger than our max_datagram_frame_size (100, set below). */
static void dgram_max_100(quic_config *c) { c->max_datagram_frame_size = 100; }
static void act_dgram_too_large(ctx *x)
{
    uint8_t payload[120] = {0};
    quic_frame f = {.type = QUIC_FT_DATAGRAM_LEN};
    f.datagram.data = payload;
    f.datagram.len = 97; /* type 1 + length 2 + 97 = 100: allowed */
    send_frame(x, &f);
    assert_false(server_closing(x));
    f.datagram.len = 98; /* 101 bytes: one too many */
    send_frame(x, &f);
}

/* RFC 9221 §3: DATAGRAM when we did not advertise support. */
static void dgram_off(quic_config *c) { c->max_datagram_frame_size = 0; }
static void act_dgram_unsupported(ctx *x)
{
    quic_frame f = {.type = QUIC_FT_DATAGRAM_LEN};
    f.datagram.data = (const uint8_t *)"hi";
    f.datagram.len = 2;
    send_frame(x, &f);
}

/* RFC 9001 §6.4, §6.5: the client updates keys (phase flips, the server
 * follows), then sends a packet with the old keys and a higher packet number
 * than one it already sent with the new keys: KEY_UPDATE_ERROR. */
static void act_key_update_old_keys(ctx *x)
{
    quic_conn *srv = x->s.p.server;
    bool old = quic_test_view(srv).key_phase_rx;
    uint64_t updates = quic_test_view(srv).key_updates;
    static const uint8_t ping[] = {QUIC_FT_PING};
    /* Sealing twins of the server's current and next receive keys. */
    cx_aead *cur = quic_conn_test_rx_key_sealer(srv, false);
    cx_aead *next = quic_conn_test_rx_key_sealer(srv, true);
    assert_non_null(cur);
    assert_non_null(next);
    /* A packet of the other phase sealed with the current key does not open:
     * dropped, no error (RFC 9001 §6.3, a failed decryption). */
    sim_client_inject_1rtt_keys(&x->s, ping, 1, !old, cur, 0);
    assert_false(server_closing(x));
    assert_int_equal(quic_test_view(srv).key_updates, updates);
    /* The next keys: a real update, no error. */
    sim_client_inject_1rtt_keys(&x->s, ping, 1, !old, next, 0);
    assert_false(server_closing(x));
    assert_int_equal(quic_test_view(srv).key_updates, updates + 1);
    assert_true(quic_test_view(srv).key_phase_rx == !old);
    /* The previous keys on a newer packet number. */
    sim_client_inject_1rtt_keys(&x->s, ping, 1, old, cur, 0);
    cx_aead_free(cur);
    cx_aead_free(next);
}

/* RFC 9000 §4.5: a final size changed by a later STREAM frame. */
static void act_final_size_stream(ctx *x)
{
    send_stream(x, QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN | QUIC_FT_STREAM_BIT_FIN, 0, 0, "abc");
    assert_false(server_closing(x));
    /* type 0x08 exactly (no bits): data to the packet's end, past 3 */
    send_stream(x, QUIC_FT_STREAM, 0, 0, "abcdef");
}

/* RFC 9000 §4.5: a RESET_STREAM whose final size is not the FIN's. */
static void act_final_size_reset(ctx *x)
{
    send_stream(x, QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN | QUIC_FT_STREAM_BIT_FIN, 4, 0, "abc");
    assert_false(server_closing(x));
    quic_frame f = {.type = QUIC_FT_RESET_STREAM, .reset_stream = {4, 0, 2}};
    send_frame(x, &f);
}

/* RFC 9000 §4.5: a RESET_STREAM final size below data already received. */
static void act_final_size_reset_below(ctx *x)
{
    send_stream(x, QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN | QUIC_FT_STREAM_BIT_OFF, 0, 10, "abc");
    quic_frame f = {.type = QUIC_FT_RESET_STREAM, .reset_stream = {0, 0, 5}};
    send_frame(x, &f);
}

/* RFC 9000 §19.8: STREAM on a stream the server opened unidirectional. */
static void act_stream_on_send_only(ctx *x)
{
    int64_t id = quic_conn_stream_open(x->s.p.server, false);
    assert_int_equal(id, 3);
    send_stream(x, QUIC_FT_STREAM, 3, 0, "x");
}

/* RFC 9000 §19.13: STREAM_DATA_BLOCKED on the server's unidirectional stream. */
static void act_sdb_on_send_only(ctx *x)
{
    assert_int_equal(quic_conn_stream_open(x->s.p.server, false), 3);
    quic_frame f = {.type = QUIC_FT_STREAM_DATA_BLOCKED, .stream_data_blocked = {3, 0}};
    send_frame(x, &f);
}

/* RFC 9000 §19.4: RESET_STREAM on the server's unidirectional stream. */
static void act_reset_on_send_only(ctx *x)
{
    assert_int_equal(quic_conn_stream_open(x->s.p.server, false), 3);
    quic_frame f = {.type = QUIC_FT_RESET_STREAM, .reset_stream = {3, 0, 0}};
    send_frame(x, &f);
}

/* RFC 9000 §19.10: MAX_STREAM_DATA on a stream the client opened
 * unidirectional (receive-only for the server). */
static void act_msd_on_recv_only(ctx *x)
{
    send_stream(x, QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN, 2, 0, "x");
    assert_false(server_closing(x));
    quic_frame f = {.type = QUIC_FT_MAX_STREAM_DATA, .max_stream_data = {2, 100}};
    send_frame(x, &f);
}

/* RFC 9000 §13.1: an ACK of a packet number the server never sent. */
static void act_ack_unsent(ctx *x)
{
    quic_frame f = {.type = QUIC_FT_ACK};
    f.ack.largest = 1000000;
    send_frame(x, &f);
}

/* RFC 9000 §12.4: a packet with no frames at all. */
static void act_empty_packet(ctx *x) { send_raw(x, NULL, 0); }

/* RFC 9000 §17.3.1: reserved bits set in an authenticated packet. */
static void act_reserved_bits(ctx *x)
{
    static const uint8_t ping[] = {QUIC_FT_PING};
    quic_conn *c = x->s.p.client;
    sim_client_inject_1rtt_keys(&x->s, ping, 1, quic_test_view(c).key_phase_tx, quic_test_keys(c, QUIC_SPACE_APPLICATION, false).aead, 0x18);
}

/* RFC 9000 §12.4: an unknown frame type (0x21 is no frame of ours). */
static void act_unknown_frame(ctx *x)
{
    static const uint8_t b[] = {0x21, 0, 0};
    send_raw(x, b, sizeof b);
}

/* RFC 9000 §12.4: a frame cut off by the packet's end (MAX_DATA, no value). */
static void act_truncated_frame(ctx *x)
{
    static const uint8_t b[] = {QUIC_FT_MAX_DATA};
    send_raw(x, b, sizeof b);
}

/* RFC 9000 §12.4: a frame type not in its shortest encoding (PING as 0x4001). */
static void act_long_frame_type(ctx *x)
{
    static const uint8_t b[] = {0x40, 0x01};
    send_raw(x, b, sizeof b);
}

/* RFC 9000 §19.15: retire_prior_to above the sequence number. */
static void act_new_cid_retire_above(ctx *x)
{
    static const uint8_t b[] = {QUIC_FT_NEW_CONNECTION_ID, 2, 3, 8, 1, 2, 3, 4, 5, 6, 7, 8,
                                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    send_raw(x, b, sizeof b);
}

/* RFC 9000 §19.15: a sequence number the client already used (the client
 * issued 1 after the handshake) with a different CID. */
static void act_new_cid_conflict(ctx *x)
{
    quic_frame f = {.type = QUIC_FT_NEW_CONNECTION_ID};
    f.new_cid.seq = 1;
    f.new_cid.cid_len = 8;
    memset(f.new_cid.cid, 0x11, 8);
    memset(f.new_cid.reset_token, 0x22, 16);
    send_frame(x, &f);
}

/* RFC 9000 §4.6: MAX_STREAMS is above 2^60. */
static void act_max_streams_2_60(ctx *x)
{
    quic_frame f = {.type = QUIC_FT_MAX_STREAMS_BIDI, .max_streams = {((uint64_t)1 << 60) + 1}};
    qb_wr w;
    uint8_t buf[32];
    qb_wr_init(&w, buf, sizeof buf);
    /* the encoder may refuse what the decoder must reject: write it by hand */
    if (quic_frame_encode(&w, &f) != 0) {
        static const uint8_t b[] = {QUIC_FT_MAX_STREAMS_BIDI, 0xd0, 0, 0, 0, 0, 0, 0, 1};
        send_raw(x, b, sizeof b);
        return;
    }
    send_raw(x, buf, w.off);
}

/* RFC 9000 §4.1: RESET_STREAM whose final size passes the stream window. */
static void act_reset_over_window(ctx *x)
{
    quic_frame f = {.type = QUIC_FT_RESET_STREAM,
                    .reset_stream = {0, 0, x->s.p.scfg.initial_max_stream_data + 1}};
    send_frame(x, &f);
}

/* Out of memory for a stream the client opens: the server cannot go on. */
static void act_no_memory_for_stream(ctx *x)
{
    x->cnt.fail = true;
    send_stream(x, QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN, 0, 0, "x");
    x->cnt.fail = false;
}

typedef struct pe_case {
    const char *name;
    void (*tune)(quic_config *);
    void (*act)(ctx *);
    quic_frame f; /* when act is NULL: this one frame */
    uint64_t err, ft;
    const char *why; /* words the reason phrase must hold */
} pe_case;

static void test_protocol_errors(void **state)
{
    (void)state;
    const pe_case cases[] = {
        /* frames a client must not send (RFC 9000 §12.4 Table 3, §19.7, §19.20) */
        {"HANDSHAKE_DONE from a client", NULL, NULL, {.type = QUIC_FT_HANDSHAKE_DONE},
         QUIC_PROTOCOL_VIOLATION, QUIC_FT_HANDSHAKE_DONE, "only a server"},
        {"NEW_TOKEN from a client", NULL, NULL,
         {.type = QUIC_FT_NEW_TOKEN, .new_token = {(const uint8_t *)"t", 1}},
         QUIC_PROTOCOL_VIOLATION, QUIC_FT_NEW_TOKEN, "only a server"},
        {"RETIRE_CONNECTION_ID never issued", NULL, NULL,
         {.type = QUIC_FT_RETIRE_CONNECTION_ID, .retire_cid = {1000}}, QUIC_PROTOCOL_VIOLATION,
         QUIC_FT_RETIRE_CONNECTION_ID, "RETIRE_CONNECTION_ID"},
        {"ACK of an unsent packet", NULL, act_ack_unsent, {0}, QUIC_PROTOCOL_VIOLATION,
         QUIC_FT_ACK, "never sent"},
        {"NEW_CONNECTION_ID seq reused", NULL, act_new_cid_conflict, {0},
         QUIC_PROTOCOL_VIOLATION, QUIC_FT_NEW_CONNECTION_ID, "NEW_CONNECTION_ID"},
        {"packet without frames", NULL, act_empty_packet, {0}, QUIC_PROTOCOL_VIOLATION, 0,
         "without frames"},
        {"reserved bits set", NULL, act_reserved_bits, {0}, QUIC_PROTOCOL_VIOLATION, 0,
         "reserved"},
        {"frame type too long", NULL, act_long_frame_type, {0}, QUIC_PROTOCOL_VIOLATION, 0,
         "shortest"},
        /* RFC 9221 §3 */
        {"DATAGRAM too large", dgram_max_100, act_dgram_too_large, {0}, QUIC_PROTOCOL_VIOLATION,
         QUIC_FT_DATAGRAM_LEN, "too large"},
        /* Any DATAGRAM is larger than a limit of 0, so only the reason
         * phrase (which the peer sees) tells the two checks apart. */
        {"DATAGRAM not advertised", dgram_off, act_dgram_unsupported, {0},
         QUIC_PROTOCOL_VIOLATION, QUIC_FT_DATAGRAM_LEN, "without support"},
        /* RFC 9001 §6 */
        {"old keys after a key update", NULL, act_key_update_old_keys, {0},
         QUIC_KEY_UPDATE_ERROR, 0, "old keys"},
        /* RFC 9000 §4.5 */
        {"STREAM changes the final size", NULL, act_final_size_stream, {0}, QUIC_FINAL_SIZE_ERROR,
         QUIC_FT_STREAM, "final size"},
        {"RESET_STREAM changes the final size", NULL, act_final_size_reset, {0},
         QUIC_FINAL_SIZE_ERROR, QUIC_FT_RESET_STREAM, "final size"},
        {"RESET_STREAM below received data", NULL, act_final_size_reset_below, {0},
         QUIC_FINAL_SIZE_ERROR, QUIC_FT_RESET_STREAM, "final size"},
        /* RFC 9000 §4.1 */
        {"RESET_STREAM past the window", NULL, act_reset_over_window, {0},
         QUIC_FLOW_CONTROL_ERROR, QUIC_FT_RESET_STREAM, "RESET_STREAM"},
        /* RFC 9000 §19.4-§19.13: stream state, judged from the stream ID;
         * the close names the frame (§19.19) */
        {"MAX_STREAM_DATA on an unopened server stream", NULL, NULL,
         {.type = QUIC_FT_MAX_STREAM_DATA, .max_stream_data = {1, 100}}, QUIC_STREAM_STATE_ERROR,
         QUIC_FT_MAX_STREAM_DATA, "never opened"},
        {"STOP_SENDING on a client uni stream", NULL, NULL,
         {.type = QUIC_FT_STOP_SENDING, .stop_sending = {2, 0}}, QUIC_STREAM_STATE_ERROR,
         QUIC_FT_STOP_SENDING, "receive-only"},
        {"RESET_STREAM on an unopened server stream", NULL, NULL,
         {.type = QUIC_FT_RESET_STREAM, .reset_stream = {3, 0, 0}}, QUIC_STREAM_STATE_ERROR,
         QUIC_FT_RESET_STREAM, "send-only"}, /* direction is judged first */
        {"STREAM on a server uni stream", NULL, act_stream_on_send_only, {0},
         QUIC_STREAM_STATE_ERROR, QUIC_FT_STREAM, "send-only"},
        {"STREAM_DATA_BLOCKED on a server uni stream", NULL, act_sdb_on_send_only, {0},
         QUIC_STREAM_STATE_ERROR, QUIC_FT_STREAM_DATA_BLOCKED, "send-only"},
        {"RESET_STREAM on a server uni stream", NULL, act_reset_on_send_only, {0},
         QUIC_STREAM_STATE_ERROR, QUIC_FT_RESET_STREAM, "send-only"},
        {"MAX_STREAM_DATA on a client uni stream", NULL, act_msd_on_recv_only, {0},
         QUIC_STREAM_STATE_ERROR, QUIC_FT_MAX_STREAM_DATA, "receive-only"},
        /* RFC 9000 §12.4, §19: encoding; decode errors carry frame type 0
         * (the decoder hands back no frame) */
        {"unknown frame type", NULL, act_unknown_frame, {0}, QUIC_FRAME_ENCODING_ERROR, 0,
         "unknown frame type"},
        {"truncated frame", NULL, act_truncated_frame, {0}, QUIC_FRAME_ENCODING_ERROR, 0,
         "truncated"},
        {"NEW_CONNECTION_ID retire_prior_to > seq", NULL, act_new_cid_retire_above, {0},
         QUIC_FRAME_ENCODING_ERROR, 0, "retire_prior_to"},
        {"MAX_STREAMS above 2^60", NULL, act_max_streams_2_60, {0}, QUIC_FRAME_ENCODING_ERROR, 0,
         "2^60"},
        /* out of memory */
        {"no memory for a stream", NULL, act_no_memory_for_stream, {0}, QUIC_INTERNAL_ERROR,
         QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN,
         "out of memory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const pe_case *pc = &cases[i];
        ctx *x = setup(10 + i, pc->tune);
        if (pc->act)
            pc->act(x);
        else
            act_frame(x, &pc->f);
        quic_close_info ci;
        quic_conn_close_info(x->s.p.server, &ci);
        if (ci.code != pc->err || ci.frame_type != pc->ft || ci.by_peer)
            fprintf(stderr, "case %zu (%s): got error 0x%llx frame 0x%llx '%s', want 0x%llx 0x%llx\n",
                    i, pc->name, (unsigned long long)ci.code, (unsigned long long)ci.frame_type,
                    ci.reason, (unsigned long long)pc->err, (unsigned long long)pc->ft);
        assert_int_equal(ci.code, pc->err);
        assert_int_equal(ci.frame_type, pc->ft);
        assert_false(ci.by_peer || ci.app);
        if (!strstr(ci.reason, pc->why))
            fail_msg("case %zu (%s): reason '%s' lacks '%s'", i, pc->name, ci.reason, pc->why);
        teardown(x);
    }
}

/* ---- errors of the handshake itself ---- */

typedef struct hs_tap {
    int mode; /* 1: the server is told a wrong client SCID; 2: a Retry that never was */
    bool made;
} hs_tap;

/* Makes the server for the client's first Initial, as the endpoint would,
 * but with the CIDs the mode spoils. */
static bool make_spoiled_server(sim *s, bool to_server, uint8_t *d, size_t *len, void *ud)
{
    hs_tap *t = ud;
    quic_pkt_hdr h;
    if (!to_server || t->made || quic_pkt_hdr_parse(d, *len, 8, &h) != 0 ||
        h.type != QUIC_PKT_INITIAL)
        return true;
    quic_cid scid, dcid, fake;
    quic_cid_set(&scid, h.scid, h.scid_len);
    quic_cid_set(&dcid, h.dcid, h.dcid_len);
    fake = dcid;
    fake.b[0] ^= 0xff;
    if (t->mode == 1) {
        scid.b[0] ^= 0xff; /* not what initial_source_connection_id says */
        s->p.server = quic_conn_new_server(&s->p.scfg, &s->p.spath, &scid, &dcid, NULL, s->p.now);
    } else {
        /* keys from the real DCID, but original_destination_connection_id
         * and retry_source_connection_id claim a Retry */
        s->p.server = quic_conn_new_server(&s->p.scfg, &s->p.spath, &scid, &fake, &dcid, s->p.now);
    }
    assert_non_null(s->p.server);
    t->made = true;
    return true;
}

static bool someone_closing(sim *s, void *ud)
{
    (void)ud;
    quic_close_info ci = {0}, si = {0};
    quic_conn_close_info(s->p.client, &ci);
    if (s->p.server)
        quic_conn_close_info(s->p.server, &si);
    return ci.code || ci.closed || si.code || si.closed;
}

/* RFC 9000 §7.3: the CIDs of the handshake must match the transport
 * parameters that authenticate them, else TRANSPORT_PARAMETER_ERROR. */
static void test_tparam_cid_errors(void **state)
{
    (void)state;
    for (int mode = 1; mode <= 2; mode++) {
        sim s;
        sim_init(&s, 30 + (uint64_t)mode);
        hs_tap t = {.mode = mode};
        s.tap = make_spoiled_server;
        s.tap_ud = &t;
        s.no_server_auto = true;
        sim_start(&s);
        assert_true(sim_run(&s, someone_closing, NULL, 5000000));
        quic_close_info ci, si;
        quic_conn_close_info(s.p.client, &ci);
        quic_conn_close_info(s.p.server, &si);
        /* mode 1: the server sees the client's parameters disagree; mode 2:
         * the client sees the server's */
        quic_close_info *who = mode == 1 ? &si : &ci;
        assert_int_equal(who->code, QUIC_TRANSPORT_PARAMETER_ERROR);
        assert_int_equal(who->frame_type, QUIC_FT_CRYPTO); /* carried by CRYPTO frames */
        assert_false(who->by_peer || who->app);
        sim_free(&s);
    }
}

static bool server_exists(sim *s, void *ud)
{
    (void)ud;
    return s->p.server != NULL;
}

static bool server_closed(sim *s, void *ud)
{
    (void)ud;
    quic_close_info si;
    quic_conn_close_info(s->p.server, &si);
    return si.closed || si.by_peer;
}

/* RFC 9000 §10.2.3: an application close before the handshake is done goes
 * out in Initial/Handshake packets as a transport CONNECTION_CLOSE with
 * APPLICATION_ERROR, hiding the application's code and reason. */
static void test_app_close_in_handshake(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, 40);
    sim_start(&s);
    assert_true(sim_run(&s, server_exists, NULL, 1000000));
    quic_conn_close(s.p.client, true, 0x1234, "secret reason");
    assert_true(sim_run(&s, server_closed, NULL, 5000000));
    quic_close_info si;
    quic_conn_close_info(s.p.server, &si);
    assert_true(si.by_peer);
    assert_false(si.app);
    assert_int_equal(si.code, QUIC_APPLICATION_ERROR);
    assert_null(strstr(si.reason, "secret"));
    sim_free(&s);
}

/* A long-lived connection: the client opens 3000 short uni streams over
 * time (more than the stream limit of 10, so MAX_STREAMS credit must keep
 * coming, RFC 9000 §4.6); the server reads each to its end. What the server
 * holds at the end is what it held at the start. */
typedef struct churn {
    ctx *x;
    uint64_t opened, finished;
    size_t live0, live_max;
} churn;

static void churn_read(quic_conn *c, const quic_event *e, void *ud)
{
    churn *ch = ud;
    if (e->type != QUIC_EV_STREAM_READABLE || !quic_conn_is_server(c))
        return;
    uint8_t buf[256];
    bool fin = false;
    while (quic_conn_stream_read(c, e->stream_id, buf, sizeof buf, &fin) > 0 && !fin)
        ;
    if (fin)
        ch->finished++;
}

static bool churn_step(sim *s, void *ud)
{
    churn *ch = ud;
    int64_t id;
    while (ch->opened < 3000 && (id = quic_conn_stream_open(s->p.client, false)) >= 0) {
        quic_conn_stream_write(s->p.client, (uint64_t)id, (const uint8_t *)"hello, stream", 13,
                               true);
        ch->opened++;
    }
    pair_events(s->p.client, NULL, NULL);
    pair_events(s->p.server, churn_read, ch);
    ch->live_max = ch->x->cnt.peak;
    return ch->finished == 3000;
}

static void test_stream_churn_bounded(void **state)
{
    (void)state;
    ctx *x = setup(20, small_streams);
    churn ch = {.x = x, .live0 = x->cnt.live};
    x->cnt.peak = x->cnt.live;
    for (int d = 0; d < 2; d++)
        x->s.dir[d].loss = 0.05;
    bool ok = sim_run(&x->s, churn_step, &ch, 120000000);
    if (!ok)
        fprintf(stderr, "opened %llu finished %llu; server rx_max_streams_uni %llu closed %llu; client tx_max_streams_uni %llu\n",
                (unsigned long long)ch.opened, (unsigned long long)ch.finished,
                (unsigned long long)quic_test_view(x->s.p.server).rx_max_streams_uni,
                (unsigned long long)quic_test_view(x->s.p.server).peer_uni_closed,
                (unsigned long long)quic_test_view(x->s.p.client).tx_max_streams_uni);
    assert_true(ok);
    sim_run(&x->s, NULL, NULL, 2000000); /* ACKs settle */
    quic_conn_stats st;
    quic_conn_stats_get(x->s.p.server, &st);
    assert_true(st.pkts_recv > 300 && ch.finished == 3000);
    fprintf(stderr, "3000 streams: server held %zu bytes at start, %zu at most, %zu at the end\n",
            ch.live0, ch.live_max, x->cnt.live);
    assert_true(ch.live_max < ch.live0 + 256 * 1024);
    assert_true(x->cnt.live <= ch.live0 + 16 * 1024);
    teardown(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_limit),
        cmocka_unit_test(test_crypto_buffer),
        cmocka_unit_test(test_new_cid_limit),
        cmocka_unit_test(test_dgram_flood),
        cmocka_unit_test(test_dgram_empty),
        cmocka_unit_test(test_stream_data_bounded),
        cmocka_unit_test(test_conn_window),
        cmocka_unit_test(test_protocol_errors),
        cmocka_unit_test(test_tparam_cid_errors),
        cmocka_unit_test(test_app_close_in_handshake),
        cmocka_unit_test(test_stream_churn_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
