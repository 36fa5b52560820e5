/* quic_stream_classify: a peer's frame judged from the stream ID alone
 * (RFC 9000 §2.1, §4.6, §19.4-§19.13), for both roles and every kind. */
#include "common/tu.h"
#include "quic/stream.h"

#define R QUIC_STREAM_NEED_RECV
#define S QUIC_STREAM_NEED_SEND

static void test_stream_classify_table(void **state)
{
    (void)state;
    static const struct {
        uint64_t id;
        bool server;
        quic_stream_need need;
        uint64_t opened, limit;
        quic_stream_verdict want;
    } cases[] = {
        /* a server: client bidi 0, 4 ...; client uni 2, 6 ...; its own 1, 3 */
        {0, true, R, 0, 1, QUIC_STREAM_ALLOWED},
        {0, true, S, 0, 1, QUIC_STREAM_ALLOWED},
        {4, true, R, 0, 1, QUIC_STREAM_OVER_LIMIT},
        {2, true, R, 0, 1, QUIC_STREAM_ALLOWED},
        {2, true, S, 0, 1, QUIC_STREAM_WRONG_DIRECTION},  /* §19.5, §19.10 */
        {6, true, S, 0, 0, QUIC_STREAM_WRONG_DIRECTION},  /* direction before limit */
        {3, true, R, 1, 0, QUIC_STREAM_WRONG_DIRECTION},  /* §19.4, §19.8, §19.13 */
        {3, true, S, 1, 0, QUIC_STREAM_ALLOWED},
        {7, true, S, 1, 0, QUIC_STREAM_NOT_OPENED},
        {1, true, R, 0, 9, QUIC_STREAM_NOT_OPENED},
        {1, true, R, 1, 9, QUIC_STREAM_ALLOWED},
        {5, true, S, 1, 9, QUIC_STREAM_NOT_OPENED},
        /* a client: the mirror image */
        {1, false, R, 0, 1, QUIC_STREAM_ALLOWED},
        {3, false, S, 0, 1, QUIC_STREAM_WRONG_DIRECTION},
        {2, false, R, 1, 0, QUIC_STREAM_WRONG_DIRECTION},
        {2, false, S, 1, 0, QUIC_STREAM_ALLOWED},
        {0, false, S, 0, 0, QUIC_STREAM_NOT_OPENED},
        /* the largest stream ID (2^62 - 1: server uni) */
        {0x3fffffffffffffffULL, false, R, 0, (1ULL << 60) - 1, QUIC_STREAM_OVER_LIMIT},
        {0x3fffffffffffffffULL, true, S, 1ULL << 60, 0, QUIC_STREAM_ALLOWED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        quic_stream_verdict v = quic_stream_classify(cases[i].id, cases[i].server, cases[i].need,
                                                     cases[i].opened, cases[i].limit);
        if (v != cases[i].want)
            fail_msg("case %zu (id %llu): %d, want %d", i, (unsigned long long)cases[i].id, v,
                     cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_stream_classify_table)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
