/* Everything a peer can make us hold is bounded (DESIGN.md; RFC 9000 §4.6,
 * §5.1.1, §7.5, §19.*; RFC 9221 §5): a hostile client, after a real
 * handshake, sends the server frames sealed with the client's 1-RTT keys.
 * Allocations are counted through the qb_alloc hook. */
#include "common/sim.h"

#include "quic/conn_int.h" /* counters in failure messages */
#include "quic/frame.h"

#include <stdlib.h>
#include <string.h>

/* ---- a counting allocator ---- */

typedef struct counter {
    size_t live, peak, calls;
} counter;

static void *c_alloc(void *ud, size_t n)
{
    counter *k = ud;
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
    assert_true(sum > x->s.p.scfg.initial_max_data);
    teardown(x);
}

static void test_protocol_errors(void **state)
{
    (void)state;
    /* Each: one frame a client must not send, and the error it earns. */
    struct {
        quic_frame f;
        uint64_t err;
    } cases[] = {
        {{.type = QUIC_FT_HANDSHAKE_DONE}, QUIC_PROTOCOL_VIOLATION},
        {{.type = QUIC_FT_RETIRE_CONNECTION_ID, .retire_cid = {1000}}, QUIC_PROTOCOL_VIOLATION},
        {{.type = QUIC_FT_MAX_STREAM_DATA, .max_stream_data = {1, 100}}, QUIC_STREAM_STATE_ERROR},
        {{.type = QUIC_FT_STOP_SENDING, .stop_sending = {2, 0}}, QUIC_STREAM_STATE_ERROR},
        {{.type = QUIC_FT_RESET_STREAM, .reset_stream = {3, 0, 0}}, QUIC_STREAM_STATE_ERROR},
        {{.type = QUIC_FT_NEW_TOKEN, .new_token = {(const uint8_t *)"t", 1}},
         QUIC_PROTOCOL_VIOLATION},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ctx *x = setup(10 + i, NULL);
        send_frame(x, &cases[i].f);
        if (server_error(x) != cases[i].err)
            fprintf(stderr, "case %zu: frame 0x%llx got error 0x%llx\n", i,
                    (unsigned long long)cases[i].f.type, (unsigned long long)server_error(x));
        assert_int_equal(server_error(x), cases[i].err);
        teardown(x);
    }
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
                (unsigned long long)x->s.p.server->rx_max_streams_uni,
                (unsigned long long)x->s.p.server->peer_uni_closed,
                (unsigned long long)x->s.p.client->tx_max_streams_uni);
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
        cmocka_unit_test(test_stream_churn_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
