/* STREAM / CRYPTO reassembly (RFC 9000 §2.2, §4.1, §4.5). */
#include "common/tu.h"
#include "quic/recvbuf.h"

#include <stdlib.h>
#include <string.h>

typedef struct counter { size_t calls, live, bytes, peak; } counter;
typedef struct hdr { size_t n; max_align_t pad; } hdr;
static void *c_alloc(void *ud, size_t n)
{
    counter *c = ud;
    hdr *h = malloc(sizeof(hdr) + n);
    h->n = n;
    c->calls++;
    c->live++;
    c->bytes += n;
    if (c->bytes > c->peak)
        c->peak = c->bytes;
    return h + 1;
}
static void *c_realloc(void *ud, void *p, size_t n) { (void)ud; (void)p; (void)n; return NULL; }
static void c_free(void *ud, void *p)
{
    if (!p)
        return;
    counter *c = ud;
    hdr *h = (hdr *)p - 1;
    c->live--;
    c->bytes -= h->n;
    free(h);
}

static uint8_t *pattern(size_t n)
{
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 131 + (i >> 8));
    return b;
}

static void test_out_of_order_overlaps(void **state)
{
    (void)state;
    size_t n = 10000;
    uint8_t *src = pattern(n);
    quic_recvbuf rb;
    assert_int_equal(quic_recvbuf_init(&rb, 16384, 16384, NULL), 0);
    /* pieces: overlapping, duplicated, crossing chunk borders, out of order */
    struct { size_t off, len; } w[] = {
        {5000, 3000}, {100, 50}, {4090, 20}, {9000, 1000}, {120, 4000}, {7000, 2500},
        {100, 50}, {0, 101}, {8000, 1}, {4100, 1000}, {4120, 10},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        bool fin = w[i].off + w[i].len == n;
        assert_int_equal(quic_recvbuf_write(&rb, w[i].off, src + w[i].off, w[i].len, fin), 0);
    }
    assert_true(quic_recvbuf_readable(&rb) == n);
    assert_true(quic_recvbuf_all_received(&rb));
    uint8_t *dst = malloc(n);
    assert_int_equal(quic_recvbuf_read(&rb, dst, n), n);
    assert_memory_equal(dst, src, n);
    assert_true(quic_recvbuf_finished(&rb));
    /* late duplicates below the read offset are ignored */
    assert_int_equal(quic_recvbuf_write(&rb, 0, src, 100, false), 0);
    assert_true(quic_recvbuf_readable(&rb) == 0);
    quic_recvbuf_free(&rb);
    free(dst);
    free(src);
}

static void test_gap_and_peek(void **state)
{
    (void)state;
    uint8_t *src = pattern(9000);
    quic_recvbuf rb;
    assert_int_equal(quic_recvbuf_init(&rb, 65536, 65536, NULL), 0);
    assert_int_equal(quic_recvbuf_write(&rb, 100, src + 100, 100, false), 0);
    assert_true(quic_recvbuf_readable(&rb) == 0);
    const uint8_t *p;
    assert_int_equal(quic_recvbuf_peek(&rb, &p), 0);
    assert_int_equal(quic_recvbuf_write(&rb, 0, src, 100, false), 0);
    assert_true(quic_recvbuf_readable(&rb) == 200);
    /* peek hands out bytes in place; consume releases part of them */
    assert_int_equal(quic_recvbuf_peek(&rb, &p), 200);
    assert_memory_equal(p, src, 200);
    quic_recvbuf_consume(&rb, 150);
    assert_true(quic_recvbuf_read_offset(&rb) == 150);
    assert_int_equal(quic_recvbuf_peek(&rb, &p), 50);
    assert_memory_equal(p, src + 150, 50);
    quic_recvbuf_consume(&rb, 1000); /* clamped to what is readable */
    assert_true(quic_recvbuf_read_offset(&rb) == 200);
    /* peek stops at a chunk border; read crosses it */
    assert_int_equal(quic_recvbuf_write(&rb, 200, src + 200, 8800, false), 0);
    assert_int_equal(rb.chunk, 4096);
    assert_int_equal(quic_recvbuf_peek(&rb, &p), rb.chunk - 200);
    uint8_t out[9000];
    assert_int_equal(quic_recvbuf_read(&rb, out, sizeof out), 8800);
    assert_memory_equal(out, src + 200, 8800);
    quic_recvbuf_free(&rb);
    free(src);
}

/* RFC 9000 §4.1: data beyond the advertised limit. */
static void test_flow_control(void **state)
{
    (void)state;
    uint8_t buf[2000] = {0};
    quic_recvbuf rb;
    assert_int_equal(quic_recvbuf_init(&rb, 4096, 1000, NULL), 0);
    assert_int_equal(quic_recvbuf_write(&rb, 0, buf, 1001, false), QUIC_RECVBUF_ERR_FLOW);
    assert_int_equal(quic_recvbuf_write(&rb, 1000, buf, 1, false), QUIC_RECVBUF_ERR_FLOW);
    assert_true(quic_recvbuf_memory(&rb) == 0); /* nothing stored on error */
    assert_int_equal(quic_recvbuf_write(&rb, 0, buf, 1000, false), 0);
    assert_int_equal(quic_recvbuf_set_max_offset(&rb, 4097), QUIC_RECVBUF_ERR_WINDOW);
    assert_int_equal(quic_recvbuf_set_max_offset(&rb, 4096), 0);
    assert_int_equal(quic_recvbuf_set_max_offset(&rb, 10), 0); /* never lowers */
    assert_true(rb.max_off == 4096);
    assert_int_equal(quic_recvbuf_write(&rb, 1000, buf, 2000, false), 0);
    /* the CRYPTO way: the limit follows the read offset */
    uint8_t out[3000];
    assert_int_equal(quic_recvbuf_read(&rb, out, sizeof out), 3000);
    assert_int_equal(quic_recvbuf_set_max_offset(&rb, 3000 + 4096), 0);
    assert_int_equal(quic_recvbuf_write(&rb, 3000, buf, 2000, false), 0);
    assert_int_equal(quic_recvbuf_write(&rb, 7000, buf, 97, false), QUIC_RECVBUF_ERR_FLOW);
    /* offset + length above 2^62-1 (RFC 9000 §19.8) */
    assert_int_equal(quic_recvbuf_write(&rb, (1ULL << 62) - 1, buf, 2, false), QUIC_RECVBUF_ERR_RANGE);
    /* bad configurations */
    quic_recvbuf bad;
    assert_int_equal(quic_recvbuf_init(&bad, 0, 0, NULL), QUIC_RECVBUF_ERR_WINDOW);
    assert_int_equal(quic_recvbuf_init(&bad, 100, 200, NULL), QUIC_RECVBUF_ERR_WINDOW);
    quic_recvbuf_free(&rb);
}

/* RFC 9000 §4.5 final size rules. */
static void test_final_size(void **state)
{
    (void)state;
    uint8_t buf[1000] = {0};
    quic_recvbuf rb;
    assert_int_equal(quic_recvbuf_init(&rb, 4096, 4096, NULL), 0);
    assert_int_equal(quic_recvbuf_write(&rb, 0, buf, 700, false), 0);
    /* a FIN below data already received */
    assert_int_equal(quic_recvbuf_write(&rb, 500, buf, 100, true), QUIC_RECVBUF_ERR_FINAL_SIZE);
    assert_int_equal(quic_recvbuf_write(&rb, 800, buf, 0, true), 0); /* final size 800 */
    assert_false(quic_recvbuf_all_received(&rb));
    assert_int_equal(quic_recvbuf_write(&rb, 750, buf, 51, false), QUIC_RECVBUF_ERR_FINAL_SIZE);
    assert_int_equal(quic_recvbuf_write(&rb, 700, buf, 50, true), QUIC_RECVBUF_ERR_FINAL_SIZE);
    assert_int_equal(quic_recvbuf_write(&rb, 700, buf, 100, true), 0); /* same final size */
    assert_true(quic_recvbuf_all_received(&rb));
    assert_int_equal(quic_recvbuf_reset(&rb, 900), QUIC_RECVBUF_ERR_FINAL_SIZE);
    assert_int_equal(quic_recvbuf_reset(&rb, 800), 0);
    assert_true(quic_recvbuf_readable(&rb) == 0);
    assert_false(quic_recvbuf_finished(&rb));
    quic_recvbuf_free(&rb);

    /* RESET_STREAM checks the same rules, and flow control */
    assert_int_equal(quic_recvbuf_init(&rb, 4096, 1000, NULL), 0);
    assert_int_equal(quic_recvbuf_write(&rb, 0, buf, 600, false), 0);
    assert_int_equal(quic_recvbuf_reset(&rb, 599), QUIC_RECVBUF_ERR_FINAL_SIZE);
    assert_int_equal(quic_recvbuf_reset(&rb, 1001), QUIC_RECVBUF_ERR_FLOW);
    assert_int_equal(quic_recvbuf_reset(&rb, 600), 0);
    assert_int_equal(quic_recvbuf_memory(&rb), 0); /* done: chunks given back */
    assert_int_equal(quic_recvbuf_write(&rb, 600, buf, 1, false), QUIC_RECVBUF_ERR_FINAL_SIZE);
    quic_recvbuf_free(&rb);
}

/* Memory stays within (window / 4 KiB + 1 + spare) chunks whatever a peer
 * sends, and steady in-order traffic allocates nothing once warm. */
static void test_memory_bound(void **state)
{
    (void)state;
    counter c = {0};
    qb_alloc a = {c_alloc, c_realloc, c_free, &c};
    const uint64_t W = 65536;
    quic_recvbuf rb;
    assert_int_equal(quic_recvbuf_init(&rb, W, W, &a), 0);
    size_t slots_bytes = c.bytes;
    /* 17 chunks of 4 KiB + bitmap: about 1.13 times the window */
    size_t bound = slots_bytes + rb.nslots * quic_recvbuf_chunk_bytes(&rb);
    assert_int_equal(rb.nslots, W / 4096 + 1);
    /* the worst pattern: one byte per chunk, never readable (byte 0 missing) */
    uint8_t b = 1;
    for (uint64_t off = 1; off < W; off += 97)
        assert_int_equal(quic_recvbuf_write(&rb, off, &b, 1, false), 0);
    assert_true(c.peak <= bound);
    assert_true(rb.nchunks <= rb.nslots);
    quic_recvbuf_free(&rb);
    assert_int_equal(quic_recvbuf_init(&rb, W, W, &a), 0);
    /* fill, read, slide the window, many times over */
    uint8_t *src = pattern(1 << 20);
    uint8_t out[1500];
    uint64_t wr = 0, rd = 0;
    size_t calls_warm = 0;
    while (rd < (1 << 20)) {
        size_t n = 1200;
        if (wr + n > (1 << 20))
            n = (size_t)((1 << 20) - wr);
        if (n && wr + n <= rb.max_off) {
            assert_int_equal(quic_recvbuf_write(&rb, wr, src + wr, n, wr + n == (1 << 20)), 0);
            wr += n;
        }
        size_t got = quic_recvbuf_read(&rb, out, sizeof out);
        assert_memory_equal(out, src + rd, got);
        rd += got;
        assert_int_equal(quic_recvbuf_set_max_offset(&rb, rd + W), 0);
        assert_true(c.bytes <= bound);
        if (rd > 200000 && calls_warm == 0)
            calls_warm = c.calls;
    }
    assert_int_equal(c.calls, calls_warm); /* no allocation in steady state */
    assert_true(quic_recvbuf_finished(&rb));
    assert_int_equal(quic_recvbuf_memory(&rb), 0); /* done: chunks given back */
    quic_recvbuf_free(&rb);
    assert_int_equal(c.live, 0);
    free(src);
}

/* Issue 10: spares a burst left are given back once the buffer has drained
 * a few times with little in it; steady small traffic then allocates nothing. */
static void test_spares_given_back_after_burst(void **state)
{
    (void)state;
    counter c = {0};
    qb_alloc a = {c_alloc, c_realloc, c_free, &c};
    const uint64_t W = 65536;
    quic_recvbuf rb;
    assert_int_equal(quic_recvbuf_init(&rb, W, W, &a), 0);
    uint8_t *src = pattern(W), out[4096];
    /* one message first: the stream is in use again and again from here on */
    assert_int_equal(quic_recvbuf_write(&rb, 0, src, 10, false), 0);
    assert_int_equal(quic_recvbuf_read(&rb, out, sizeof out), 10);
    assert_int_equal(quic_recvbuf_set_max_offset(&rb, 10 + W - 200), 0);
    assert_int_equal(quic_recvbuf_write(&rb, 10, src, W - 200, false), 0);
    uint64_t rd = 10;
    size_t got;
    while ((got = quic_recvbuf_read(&rb, out, sizeof out)) > 0)
        rd += got;
    assert_true(rd == W - 190);
    size_t after_burst = rb.nchunks;
    assert_true(after_burst >= 15);
    uint64_t wr = rd;
    for (int i = 0; i < 3 * QB_TRIM_ROUNDS; i++) {
        assert_int_equal(quic_recvbuf_set_max_offset(&rb, rd + W), 0);
        assert_int_equal(quic_recvbuf_write(&rb, wr, src, 100, false), 0);
        wr += 100;
        rd += quic_recvbuf_read(&rb, out, sizeof out);
    }
    assert_true(rb.nchunks <= 2);
    size_t calls = c.calls;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(quic_recvbuf_set_max_offset(&rb, rd + W), 0);
        assert_int_equal(quic_recvbuf_write(&rb, wr, src, 1000, false), 0);
        wr += 1000;
        rd += quic_recvbuf_read(&rb, out, sizeof out);
    }
    assert_int_equal(c.calls, calls);
    quic_recvbuf_free(&rb);
    assert_int_equal(c.live, 0);
    free(src);
}

/* A stream that carried one message and stays open (an HTTP/3 control
 * stream) holds no chunk once it was read. */
static void test_one_message_stream_holds_nothing_when_read(void **state)
{
    (void)state;
    counter c = {0};
    qb_alloc a = {c_alloc, c_realloc, c_free, &c};
    quic_recvbuf rb;
    assert_int_equal(quic_recvbuf_init(&rb, 256 * 1024, 256 * 1024, &a), 0);
    size_t table = c.bytes;
    uint8_t msg[20] = {0}, out[64];
    assert_int_equal(quic_recvbuf_write(&rb, 0, msg, sizeof msg, false), 0);
    assert_true(c.bytes > table);
    assert_int_equal(quic_recvbuf_read(&rb, out, sizeof out), sizeof msg);
    assert_int_equal(c.bytes, table);
    /* and it still works afterwards */
    assert_int_equal(quic_recvbuf_write(&rb, 20, msg, sizeof msg, false), 0);
    assert_int_equal(quic_recvbuf_read(&rb, out, sizeof out), sizeof msg);
    quic_recvbuf_free(&rb);
    assert_int_equal(c.live, 0);
}

/* Small windows get small chunks, so memory stays near the window. */
static void test_small_window(void **state)
{
    (void)state;
    counter c = {0};
    qb_alloc a = {c_alloc, c_realloc, c_free, &c};
    quic_recvbuf rb;
    assert_int_equal(quic_recvbuf_init(&rb, 4096, 4096, &a), 0);
    assert_int_equal(rb.chunk, 512);
    assert_int_equal(rb.nslots, 9);
    size_t slots_bytes = c.bytes;
    uint8_t b[4096];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)i;
    for (uint64_t off = 1; off < 4096; off += 61) /* sparse: nothing readable */
        assert_int_equal(quic_recvbuf_write(&rb, off, b + off, 1, false), 0);
    size_t chunk_mem = c.peak - slots_bytes;
    assert_true(chunk_mem <= 9 * (512 + 64 + sizeof(quic_recvbuf_chunk)));
    assert_true(chunk_mem < 2 * 4096);
    assert_int_equal(quic_recvbuf_write(&rb, 0, b, 4096, false), 0);
    uint8_t out[4096];
    assert_int_equal(quic_recvbuf_read(&rb, out, sizeof out), 4096);
    assert_memory_equal(out, b, 4096);
    quic_recvbuf_free(&rb);
    assert_int_equal(c.live, 0);
    /* the smallest chunk */
    assert_int_equal(quic_recvbuf_init(&rb, 100, 100, NULL), 0);
    assert_int_equal(rb.chunk, 64);
    assert_int_equal(rb.nslots, 3);
    quic_recvbuf_free(&rb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_order_overlaps),
        cmocka_unit_test(test_gap_and_peek),
        cmocka_unit_test(test_flow_control),
        cmocka_unit_test(test_final_size),
        cmocka_unit_test(test_memory_bound),
        cmocka_unit_test(test_small_window),
        cmocka_unit_test(test_spares_given_back_after_burst),
        cmocka_unit_test(test_one_message_stream_holds_nothing_when_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
