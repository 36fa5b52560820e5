/* DATAGRAM payload queues (RFC 9221 §5: unreliable, dropped and counted). */
#include "common/tu.h"
#include "quic/dgram_queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000ULL

typedef struct counter { size_t calls, live; } counter;
static void *c_alloc(void *ud, size_t n) { ((counter *)ud)->calls++; ((counter *)ud)->live++; return malloc(n); }
static void *c_realloc(void *ud, void *p, size_t n) { ((counter *)ud)->calls++; return realloc(p, n); }
static void c_free(void *ud, void *p) { if (p) ((counter *)ud)->live--; free(p); }

static void fill(uint8_t *b, size_t n, uint8_t tag) { memset(b, tag, n); }

static void test_fifo_and_packing(void **state)
{
    (void)state;
    quic_dgram_queue q;
    quic_dgram_queue_config cfg = {.slots = 8, .slot_size = 1200};
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, NULL), 0);
    uint8_t b[1200];
    for (int i = 1; i <= 5; i++) {
        fill(b, (size_t)i * 100, (uint8_t)i);
        assert_int_equal(quic_dgram_queue_push(&q, b, (size_t)i * 100, 0), 0);
    }
    /* pack DATAGRAM frames (type + 2-byte length = 3 bytes overhead) into
     * 1000-byte packets, in order */
    int packets = 0, next_tag = 1;
    while (quic_dgram_queue_count(&q) > 0) {
        size_t room = 1000;
        int in_this = 0;
        const uint8_t *p;
        size_t len;
        while (quic_dgram_queue_peek(&q, 0, &p, &len) && len + 3 <= room) {
            assert_int_equal(p[0], next_tag);
            assert_int_equal(len, (size_t)next_tag * 100);
            next_tag++;
            room -= len + 3;
            quic_dgram_queue_pop(&q);
            in_this++;
        }
        assert_true(in_this > 0);
        packets++;
    }
    assert_int_equal(packets, 2); /* {100,200,300} = 609 bytes, {400,500} = 906 */
    assert_true(quic_dgram_queue_stats(&q)->popped == 5);
    quic_dgram_queue_free(&q);
}

static void test_full_policies(void **state)
{
    (void)state;
    uint8_t b[10];
    quic_dgram_queue q;
    quic_dgram_queue_config cfg = {.slots = 4, .slot_size = 10};
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, NULL), 0);
    for (int i = 1; i <= 5; i++) {
        fill(b, 1, (uint8_t)i);
        int rc = quic_dgram_queue_push(&q, b, 1, 0);
        assert_int_equal(rc, i <= 4 ? 0 : QUIC_DGRAM_ERR_FULL);
    }
    assert_true(quic_dgram_queue_stats(&q)->dropped_full == 1);
    size_t len;
    assert_int_equal(quic_dgram_queue_read(&q, 0, b, sizeof b, &len), 0);
    assert_int_equal(b[0], 1); /* the oldest stayed */
    quic_dgram_queue_free(&q);

    cfg.drop_oldest = true;
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, NULL), 0);
    for (int i = 1; i <= 6; i++) {
        fill(b, 1, (uint8_t)i);
        assert_int_equal(quic_dgram_queue_push(&q, b, 1, 0), 0);
    }
    assert_true(quic_dgram_queue_stats(&q)->dropped_full == 2);
    assert_int_equal(quic_dgram_queue_count(&q), 4);
    for (int want = 3; want <= 6; want++) {
        assert_int_equal(quic_dgram_queue_read(&q, 0, b, sizeof b, &len), 0);
        assert_int_equal(b[0], want);
    }
    assert_int_equal(quic_dgram_queue_read(&q, 0, b, sizeof b, &len), QUIC_DGRAM_ERR_EMPTY);
    quic_dgram_queue_free(&q);
}

static void test_too_large_and_short_buffer(void **state)
{
    (void)state;
    uint8_t b[200] = {0};
    quic_dgram_queue q;
    quic_dgram_queue_config cfg = {.slots = 4, .slot_size = 100};
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, NULL), 0);
    assert_int_equal(quic_dgram_queue_push(&q, b, 101, 0), QUIC_DGRAM_ERR_TOO_LARGE);
    assert_true(quic_dgram_queue_memory(&q) == 0); /* nothing allocated for it */
    assert_int_equal(quic_dgram_queue_push(&q, b, 100, 0), 0);
    assert_int_equal(quic_dgram_queue_push(&q, b, 0, 0), 0); /* empty payloads are valid */
    size_t len;
    uint8_t small[50];
    assert_int_equal(quic_dgram_queue_read(&q, 0, small, sizeof small, &len), QUIC_DGRAM_ERR_SHORT_BUFFER);
    assert_int_equal(quic_dgram_queue_count(&q), 2);
    /* the head can never fit the path: drop it, counted as too large */
    quic_dgram_queue_drop_head(&q);
    assert_int_equal(quic_dgram_queue_read(&q, 0, small, sizeof small, &len), 0);
    assert_int_equal(len, 0);
    const quic_dgram_stats *s = quic_dgram_queue_stats(&q);
    assert_true(s->dropped_too_large == 2 && s->pushed == 2 && s->popped == 1);
    quic_dgram_queue_free(&q);
    quic_dgram_queue_config bad = {.slot_size = 70000};
    assert_int_equal(quic_dgram_queue_init(&q, &bad, NULL), QUIC_DGRAM_ERR_ARG);
}

/* A payload in pieces (prefix + payload) is joined by the one copy into its slot;
 * the pieces together are held to the slot size, each overflow counted once. */
static void test_pushv_joins_pieces_in_one_slot(void **state)
{
    (void)state;
    quic_dgram_queue q;
    quic_dgram_queue_config cfg = {.slots = 4, .slot_size = 100};
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, NULL), 0);
    uint8_t pre[2] = {0x40, 0x07}, pay[98];
    fill(pay, sizeof pay, 0xab);
    qb_iov v[3] = {{pre, 2}, {NULL, 0}, {pay, 98}};
    assert_int_equal(quic_dgram_queue_pushv(&q, v, 3, 0), 0);
    const uint8_t *p;
    size_t len;
    assert_true(quic_dgram_queue_peek(&q, 0, &p, &len));
    assert_int_equal(len, 100);
    assert_memory_equal(p, pre, 2);
    assert_memory_equal(p + 2, pay, 98);
    qb_iov big[2] = {{pre, 2}, {pay, 99}};
    assert_int_equal(quic_dgram_queue_pushv(&q, big, 2, 0), QUIC_DGRAM_ERR_TOO_LARGE);
    qb_iov huge[2] = {{pay, 98}, {pay, SIZE_MAX}}; /* a length sum that would wrap */
    assert_int_equal(quic_dgram_queue_pushv(&q, huge, 2, 0), QUIC_DGRAM_ERR_TOO_LARGE);
    assert_true(quic_dgram_queue_stats(&q)->dropped_too_large == 2);
    assert_int_equal(quic_dgram_queue_count(&q), 1);
    quic_dgram_queue_free(&q);
}

static void test_expiry(void **state)
{
    (void)state;
    uint8_t b[4];
    quic_dgram_queue q;
    quic_dgram_queue_config cfg = {.slots = 8, .slot_size = 4, .max_age = 10 * MS};
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, NULL), 0);
    fill(b, 4, 1);
    quic_dgram_queue_push(&q, b, 4, 0);
    fill(b, 4, 2);
    quic_dgram_queue_push(&q, b, 4, 5 * MS);
    fill(b, 4, 3);
    quic_dgram_queue_push(&q, b, 4, 20 * MS); /* expires #1 (20 ms old) and #2 (15 ms) */
    assert_true(quic_dgram_queue_stats(&q)->dropped_expired == 2);
    const uint8_t *p;
    size_t len;
    assert_true(quic_dgram_queue_peek(&q, 30 * MS, &p, &len)); /* exactly 10 ms: kept */
    assert_int_equal(p[0], 3);
    assert_false(quic_dgram_queue_peek(&q, 30 * MS + 1, &p, &len));
    assert_true(quic_dgram_queue_stats(&q)->dropped_expired == 3);
    quic_dgram_queue_free(&q);
}

/* Memory: nothing until first use, then blocks as the queue grows, no
 * allocation per datagram however many pass through once warm. */
static void test_memory_bound(void **state)
{
    (void)state;
    counter c = {0, 0};
    qb_alloc a = {c_alloc, c_realloc, c_free, &c};
    quic_dgram_queue q;
    quic_dgram_queue_config cfg = {.slots = 32, .slot_size = 1200, .drop_oldest = true};
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, &a), 0);
    assert_int_equal(c.calls, 0);
    uint8_t b[1200] = {0};
    for (int i = 0; i < 10000; i++) {
        quic_dgram_queue_push(&q, b, (size_t)(i % 1201), (uint64_t)i);
        if (i % 3 == 0)
            quic_dgram_queue_pop(&q);
        assert_true(quic_dgram_queue_count(&q) <= 32);
        if (i == 5000) /* warm: the queue has been as full as it gets */
            c.calls = 0;
    }
    assert_int_equal(c.calls, 0);
    /* 32 records of at most 1216 bytes, in 4 KiB blocks (3 a block) */
    assert_true(quic_dgram_queue_memory(&q) <= 12 * (QUIC_DGRAM_BLOCK + 64));
    quic_dgram_queue_free(&q);
    assert_int_equal(c.live, 0);
}

/* Issue 10: a burst's blocks are given back once the queue has drained a few
 * times with little in it; a ping-pong keeps one block and allocates nothing. */
static void test_blocks_given_back_after_burst(void **state)
{
    (void)state;
    counter c = {0, 0};
    qb_alloc a = {c_alloc, c_realloc, c_free, &c};
    quic_dgram_queue q;
    quic_dgram_queue_config cfg = {.slots = 128, .slot_size = 1200};
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, &a), 0);
    uint8_t b[1200] = {0}, out[1200];
    size_t len;
    for (int i = 0; i < 128; i++)
        assert_int_equal(quic_dgram_queue_push(&q, b, 1000, 0), 0);
    size_t burst = quic_dgram_queue_memory(&q);
    assert_true(burst >= 128 * 1000);
    while (quic_dgram_queue_read(&q, 0, out, sizeof out, &len) == 0)
        ;
    for (int i = 0; i < 2 * QB_TRIM_ROUNDS; i++) {
        assert_int_equal(quic_dgram_queue_push(&q, b, 1000, 0), 0);
        assert_int_equal(quic_dgram_queue_read(&q, 0, out, sizeof out, &len), 0);
    }
    assert_true(quic_dgram_queue_memory(&q) <= QUIC_DGRAM_BLOCK + 64);
    c.calls = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(quic_dgram_queue_push(&q, b, 1000, 0), 0);
        assert_int_equal(quic_dgram_queue_read(&q, 0, out, sizeof out, &len), 0);
    }
    assert_int_equal(c.calls, 0);
    quic_dgram_queue_free(&q);
    assert_int_equal(c.live, 0);
}

/* A peeked payload stays where it is while more are pushed (the one-copy
 * receive path hands it out in place), even when the queue grows. */
static void test_peeked_payload_never_moves(void **state)
{
    (void)state;
    quic_dgram_queue q;
    quic_dgram_queue_config cfg = {.slots = 64, .slot_size = 1200};
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, NULL), 0);
    uint8_t b[1200];
    fill(b, sizeof b, 0x5a);
    assert_int_equal(quic_dgram_queue_push(&q, b, 1200, 0), 0);
    const uint8_t *p;
    size_t len;
    assert_true(quic_dgram_queue_peek(&q, 0, &p, &len));
    fill(b, sizeof b, 0x11);
    for (int i = 0; i < 63; i++)
        assert_int_equal(quic_dgram_queue_push(&q, b, 1200, 0), 0);
    const uint8_t *p2;
    assert_true(quic_dgram_queue_peek(&q, 0, &p2, &len));
    assert_ptr_equal(p, p2);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(p[i], 0x5a);
    quic_dgram_queue_free(&q);
}

static void *null_alloc(void *ud, size_t n) { (void)ud; (void)n; return NULL; }
static void *null_realloc(void *ud, void *p, size_t n) { (void)ud; (void)p; (void)n; return NULL; }
static void null_free(void *ud, void *p) { (void)ud; (void)p; }

/* A queue that cannot grow says so and keeps what it has. */
/* A cursor reads the queued datagrams in order, in place, across blocks,
 * without removing them; pops afterwards remove exactly those read. */
static void test_cursor_reads_records_in_place_across_blocks(void **state)
{
    (void)state;
    quic_dgram_queue q;
    quic_dgram_queue_config cfg = {.slots = 64, .slot_size = 1500};
    assert_int_equal(quic_dgram_queue_init(&q, &cfg, NULL), 0);
    uint8_t b[1500];
    const uint8_t *slot[12];
    for (int i = 0; i < 12; i++) { /* 12 x ~1000 B: several 4096-byte blocks */
        fill(b, 1000 + (size_t)i, (uint8_t)(i + 1));
        assert_int_equal(quic_dgram_queue_push(&q, b, 1000 + (size_t)i, 0), 0);
    }
    quic_dgram_cursor cur;
    const uint8_t *p;
    size_t len;
    int i = 0;
    for (bool more = quic_dgram_queue_first(&q, 0, &cur, &p, &len); more;
         more = quic_dgram_queue_next(&q, &cur, &p, &len), i++) {
        assert_int_equal(len, 1000 + (size_t)i);
        assert_int_equal(p[0], i + 1);
        assert_int_equal(p[len - 1], i + 1);
        slot[i] = p;
    }
    assert_int_equal(i, 12);
    assert_int_equal(quic_dgram_queue_count(&q), 12);
    /* A push meanwhile moves none of them. */
    fill(b, 700, 0x77);
    assert_int_equal(quic_dgram_queue_push(&q, b, 700, 0), 0);
    for (int k = 0; k < 5; k++)
        quic_dgram_queue_pop(&q);
    assert_true(quic_dgram_queue_peek(&q, 0, &p, &len));
    assert_ptr_equal(p, slot[5]);
    assert_int_equal(p[0], 6);
    quic_dgram_queue_free(&q);
}

static void test_no_memory_refuses_push(void **state)
{
    (void)state;
    qb_alloc none = {null_alloc, null_realloc, null_free, NULL};
    quic_dgram_queue q;
    assert_int_equal(quic_dgram_queue_init(&q, NULL, &none), 0);
    uint8_t b[10] = {0};
    assert_int_equal(quic_dgram_queue_push(&q, b, 10, 0), QUIC_DGRAM_ERR_NOMEM);
    assert_int_equal(quic_dgram_queue_count(&q), 0);
    quic_dgram_queue_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_packing),
        cmocka_unit_test(test_full_policies),
        cmocka_unit_test(test_too_large_and_short_buffer),
        cmocka_unit_test(test_pushv_joins_pieces_in_one_slot),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_memory_bound),
        cmocka_unit_test(test_blocks_given_back_after_burst),
        cmocka_unit_test(test_peeked_payload_never_moves),
        cmocka_unit_test(test_no_memory_refuses_push),
        cmocka_unit_test(test_cursor_reads_records_in_place_across_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
