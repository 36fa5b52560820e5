/* The send side of a stream (RFC 9000 §2.2, §3.1, §13.3). */
#include "common/tu.h"
#include "quic/sendbuf.h"

#include <stdlib.h>
#include <string.h>

static uint8_t src_at(uint64_t i) { return (uint8_t)(i * 13 + (i >> 9)); }

static void append_n(quic_sendbuf *sb, uint64_t from, size_t n)
{
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = src_at(from + i);
    size_t acc;
    assert_int_equal(quic_sendbuf_append(sb, b, n, &acc), 0);
    assert_int_equal(acc, n);
    free(b);
}

static void check_piece(const quic_sendbuf_piece *p, uint64_t off, size_t len, bool fin)
{
    assert_true(p->offset == off);
    assert_int_equal(p->len, len);
    assert_int_equal(p->fin, fin);
    for (size_t i = 0; i < p->len; i++)
        assert_int_equal(p->data[i], src_at(p->offset + i));
}

static void test_basic(void **state)
{
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, 65536, NULL);
    quic_sendbuf_piece p;
    assert_false(quic_sendbuf_next(&sb, 1000, 100000, &p));
    append_n(&sb, 0, 3000);
    assert_true(quic_sendbuf_has_pending(&sb));
    assert_true(quic_sendbuf_next(&sb, 1000, 100000, &p));
    check_piece(&p, 0, 1000, false);
    assert_false(p.retransmit);
    assert_true(quic_sendbuf_next(&sb, 1000, 100000, &p));
    check_piece(&p, 1000, 1000, false);
    quic_sendbuf_finish(&sb);
    size_t acc;
    assert_int_equal(quic_sendbuf_append(&sb, (const uint8_t *)"x", 1, &acc), QUIC_SENDBUF_ERR_FIN);
    assert_true(quic_sendbuf_next(&sb, 5000, 100000, &p));
    check_piece(&p, 2000, 1000, true); /* the last piece carries the FIN */
    assert_false(quic_sendbuf_next(&sb, 5000, 100000, &p));
    assert_false(quic_sendbuf_has_pending(&sb));
    quic_sendbuf_on_acked(&sb, 1000, 1000, false);
    assert_true(sb.base_off == 0); /* a hole at the front */
    quic_sendbuf_on_acked(&sb, 0, 1000, false);
    assert_true(sb.base_off == 2000);
    assert_false(quic_sendbuf_all_acked(&sb));
    quic_sendbuf_on_acked(&sb, 2000, 1000, true);
    assert_true(quic_sendbuf_all_acked(&sb));
    assert_true(quic_sendbuf_buffered(&sb) == 0);
    quic_sendbuf_free(&sb);
}

/* RFC 9000 §13.3: lost data is sent again, before new data, minus whatever
 * was acknowledged in the meantime. */
static void test_loss(void **state)
{
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, 65536, NULL);
    append_n(&sb, 0, 5000);
    quic_sendbuf_piece p;
    for (int i = 0; i < 3; i++)
        assert_true(quic_sendbuf_next(&sb, 1000, 100000, &p));
    quic_sendbuf_on_lost(&sb, 1000, 1000, false);
    assert_true(quic_sendbuf_next(&sb, 600, 100000, &p));
    check_piece(&p, 1000, 600, false);
    assert_true(p.retransmit);
    assert_true(quic_sendbuf_next(&sb, 600, 100000, &p));
    check_piece(&p, 1600, 400, false);
    assert_true(quic_sendbuf_next(&sb, 600, 100000, &p));
    check_piece(&p, 3000, 600, false); /* then new data */
    assert_false(p.retransmit);
    /* lost, then acked after all (spurious loss): not resent */
    quic_sendbuf_on_lost(&sb, 0, 1000, false);
    quic_sendbuf_on_acked(&sb, 0, 1000, false);
    assert_true(quic_sendbuf_next(&sb, 100, 100000, &p));
    check_piece(&p, 3600, 100, false);
    /* a loss report covering acked bytes re-queues only the gaps */
    quic_sendbuf_on_acked(&sb, 2300, 200, false);
    quic_sendbuf_on_lost(&sb, 1000, 2700, false); /* [1000, 3700) */
    assert_int_equal(sb.lost.n, 2);
    assert_true(sb.lost.r[0].lo == 1000 && sb.lost.r[0].hi == 2300);
    assert_true(sb.lost.r[1].lo == 2500 && sb.lost.r[1].hi == 3700);
    /* an ack splitting a lost range */
    quic_sendbuf_on_acked(&sb, 1500, 100, false);
    assert_int_equal(sb.lost.n, 3);
    /* the base advances past everything acked; lost below it is trimmed */
    quic_sendbuf_on_acked(&sb, 1000, 3000, false);
    assert_true(sb.base_off == 3700 && sb.lost.n == 0);
    quic_sendbuf_free(&sb);
}

/* A lost FIN goes again, alone if its data was acknowledged. */
static void test_fin_lost(void **state)
{
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, 65536, NULL);
    append_n(&sb, 0, 100);
    quic_sendbuf_finish(&sb);
    quic_sendbuf_piece p;
    assert_true(quic_sendbuf_next(&sb, 1000, 100000, &p));
    check_piece(&p, 0, 100, true);
    quic_sendbuf_on_lost(&sb, 0, 100, true);
    quic_sendbuf_on_acked(&sb, 0, 50, false);
    assert_true(quic_sendbuf_next(&sb, 1000, 100000, &p));
    check_piece(&p, 50, 50, true); /* data and FIN together again */
    quic_sendbuf_on_lost(&sb, 50, 50, true);
    quic_sendbuf_on_acked(&sb, 50, 50, false); /* the data made it another way */
    assert_true(quic_sendbuf_has_pending(&sb));
    assert_true(quic_sendbuf_next(&sb, 1000, 100000, &p));
    check_piece(&p, 100, 0, true); /* FIN alone */
    assert_false(quic_sendbuf_next(&sb, 1000, 100000, &p));
    quic_sendbuf_on_acked(&sb, 100, 0, true);
    assert_true(quic_sendbuf_all_acked(&sb));
    /* a FIN with no data at all */
    quic_sendbuf e;
    quic_sendbuf_init(&e, 1000, NULL);
    quic_sendbuf_finish(&e);
    assert_true(quic_sendbuf_next(&e, 1000, 0, &p));
    assert_true(p.offset == 0 && p.len == 0 && p.fin);
    quic_sendbuf_on_acked(&e, 0, 0, true);
    assert_true(quic_sendbuf_all_acked(&e));
    quic_sendbuf_free(&e);
    quic_sendbuf_free(&sb);
}

/* RFC 9000 §4.1: new data stops at the limit; retransmissions do not. */
static void test_flow_limit(void **state)
{
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, 65536, NULL);
    append_n(&sb, 0, 3000);
    quic_sendbuf_piece p;
    assert_true(quic_sendbuf_next(&sb, 1000, 1500, &p));
    check_piece(&p, 0, 1000, false);
    assert_true(quic_sendbuf_next(&sb, 1000, 1500, &p));
    check_piece(&p, 1000, 500, false);
    assert_false(quic_sendbuf_next(&sb, 1000, 1500, &p));
    assert_true(quic_sendbuf_is_blocked(&sb, 1500));
    assert_false(quic_sendbuf_is_blocked(&sb, 1600));
    quic_sendbuf_on_lost(&sb, 0, 1000, false);
    assert_true(quic_sendbuf_next(&sb, 1000, 1500, &p));
    check_piece(&p, 0, 1000, false);
    assert_true(p.retransmit);
    quic_sendbuf_finish(&sb);
    assert_true(quic_sendbuf_next(&sb, 5000, 3000, &p));
    check_piece(&p, 1500, 1500, true);
    quic_sendbuf_free(&sb);
}

/* The bound: never more than max_buffered bytes held. */
static void test_bound(void **state)
{
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, 4096, NULL);
    uint8_t big[5000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = src_at(i);
    size_t acc;
    assert_int_equal(quic_sendbuf_append(&sb, big, sizeof big, &acc), 0);
    assert_int_equal(acc, 4096);
    assert_int_equal(quic_sendbuf_space(&sb), 0);
    assert_int_equal(quic_sendbuf_append(&sb, big, 10, &acc), 0);
    assert_int_equal(acc, 0);
    quic_sendbuf_piece p;
    assert_true(quic_sendbuf_next(&sb, 1000, 100000, &p));
    quic_sendbuf_on_acked(&sb, 0, 1000, false);
    assert_int_equal(quic_sendbuf_space(&sb), 1000);
    assert_int_equal(quic_sendbuf_append(&sb, big + 4096, 904, &acc), 0);
    assert_int_equal(acc, 904);
    assert_true(sb.buf_cap <= 4096);
    /* the data stays right where the ring wraps (a piece stops at the wrap) */
    uint64_t off = 1000;
    int pieces = 0;
    while (quic_sendbuf_next(&sb, 1000, 100000, &p)) {
        assert_true(p.len > 0 && p.len <= 1000);
        check_piece(&p, off, p.len, false);
        off += p.len;
        pieces++;
    }
    assert_true(off == 5000);
    assert_int_equal(pieces, 5); /* 1000, 1000, 1000, 96 up to the wrap, 904 */
    quic_sendbuf_free(&sb);
}

/* Acks in a scattered order overflow the acked-range set; the stream still
 * completes, every piece carries the right bytes, memory stays bounded. */
static void test_scattered_acks(void **state)
{
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, 1 << 20, NULL);
    const uint64_t total = 2000000;
    uint64_t appended = 0;
    quic_sendbuf_piece inflight[512];
    size_t ninf = 0;
    unsigned seed = 12345;
    int rounds = 0;
    while (!quic_sendbuf_all_acked(&sb)) {
        assert_true(++rounds < 100000);
        if (appended < total) {
            size_t n = total - appended < 100000 ? (size_t)(total - appended) : 100000;
            if (n > quic_sendbuf_space(&sb))
                n = quic_sendbuf_space(&sb);
            append_n(&sb, appended, n);
            appended += n;
            if (appended == total)
                quic_sendbuf_finish(&sb);
        }
        quic_sendbuf_piece p;
        while (ninf < 512 && quic_sendbuf_next(&sb, 700, UINT64_MAX, &p)) {
            check_piece(&p, p.offset, p.len, p.fin);
            inflight[ninf++] = p;
        }
        /* deliver half of the in-flight pieces in a pseudo-random order, lose
         * one in eight */
        size_t keep = 0;
        for (size_t i = 0; i < ninf; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 16;
            if (r < 7)
                quic_sendbuf_on_acked(&sb, inflight[i].offset, inflight[i].len, inflight[i].fin);
            else if (r < 9)
                quic_sendbuf_on_lost(&sb, inflight[i].offset, inflight[i].len, inflight[i].fin);
            else
                inflight[keep++] = inflight[i];
        }
        ninf = keep;
        assert_true(sb.acked.n <= QUIC_SENDBUF_RANGES && sb.lost.n <= QUIC_SENDBUF_RANGES);
        assert_true(sb.buf_cap <= (1 << 20));
    }
    assert_true(sb.base_off == total);
    assert_true(sb.ack_overflows > 0); /* the overflow path was taken */
    quic_sendbuf_free(&sb);
}

/* Issue 10: once everything is acknowledged the ring goes (the first time at
 * once; then only after a few small cycles), and a stream that keeps sending
 * messages of the same size does not free and allocate per message. */
static void test_ring_given_back_when_acked(void **state)
{
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, 65536, NULL);
    uint8_t msg[4000] = {1};
    size_t acc;
    quic_sendbuf_piece pc;
    uint64_t off = 0;
    for (int round = 0; round < 10; round++) {
        assert_int_equal(quic_sendbuf_append(&sb, msg, sizeof msg, &acc), 0);
        assert_int_equal(acc, sizeof msg);
        assert_true(quic_sendbuf_next(&sb, 65536, UINT64_MAX, &pc));
        assert_int_equal(pc.len, sizeof msg);
        quic_sendbuf_on_acked(&sb, off, sizeof msg, false);
        off += sizeof msg;
        if (round == 0)
            assert_null(sb.buf); /* one message, then idle: nothing held */
        else
            assert_non_null(sb.buf); /* used again and again: kept */
    }
    quic_sendbuf_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_given_back_when_acked),
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_loss),
        cmocka_unit_test(test_fin_lost),
        cmocka_unit_test(test_flow_limit),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_scattered_acks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
