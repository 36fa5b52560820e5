/* What a stranger's Initial costs the server endpoint in allocations (issue
 * 10; RFC 9000 §21.1.1): once the endpoint is up and has seen one, a
 * datagram with an unknown DCID that does not decrypt, or decrypts but begins
 * no ClientHello, allocates nothing at all, neither through the endpoint's
 * allocator hook nor inside libcrypto (counted with CRYPTO_set_mem_functions,
 * which must be installed before libcrypto's first allocation: first thing in
 * main). */
#include "common/ep_net.h"
#include "common/forge.h"
#include "common/tu.h"
#include "common/tu_alloc.h"
#include "crypto/cx_quic_keys.h"
#include "quic/frame.h"
#include "quic/packet.h"
#include "quic/protect.h"

#include <openssl/crypto.h>

#include <stdlib.h>
#include <string.h>

/* ---- libcrypto's allocations, counted ---- */

static long g_crypto_calls; /* malloc and realloc calls inside libcrypto */

static void *cr_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    g_crypto_calls++;
    return malloc(n);
}

static void *cr_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    g_crypto_calls++;
    return realloc(p, n);
}

static void cr_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

/* ---- stranger's datagrams ---- */

static void next_dcid(uint8_t dcid[8], uint32_t *seed)
{
    for (int k = 0; k < 8; k++) {
        *seed = *seed * 1103515245u + 12345u;
        dcid[k] = (uint8_t)(*seed >> 16);
    }
}

/* A 1200-byte Initial of version to a fresh DCID whose "protected" payload is
 * random bytes: it does not decrypt. */
static size_t junk_initial(uint8_t *out, uint32_t version, uint32_t *seed)
{
    static const uint8_t scid[8] = {0x5c, 1, 2, 3, 4, 5, 6, 7};
    uint8_t dcid[8];
    next_dcid(dcid, seed);
    qb_wr w;
    qb_wr_init(&w, out, 1200);
    quic_pkt_wr pw;
    quic_pkt_long_params lp = {.type = QUIC_PKT_INITIAL, .version = version, .dcid = dcid,
                               .dcid_len = 8, .scid = scid, .scid_len = 8, .pn = 0,
                               .pn_len = 1, .length_len = 2};
    assert_int_equal(quic_pkt_long_begin(&w, &lp, &pw), 0);
    size_t payload = 1200 - w.off - 16;
    for (size_t i = 0; i < payload + 16; i++) {
        *seed = *seed * 1103515245u + 12345u;
        out[w.off + i] = (uint8_t)(*seed >> 16);
    }
    w.off += payload;
    size_t pkt_len;
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &pkt_len), 0);
    return pkt_len;
}

/* A 1200-byte Initial of version to a fresh DCID, sealed with that DCID's
 * keys, that holds only PING and PADDING: it decrypts, but begins no
 * ClientHello. */
static size_t ping_initial(uint8_t *out, uint32_t version, uint32_t *seed)
{
    static const uint8_t scid[8] = {0x5c, 1, 2, 3, 4, 5, 6, 7};
    static const uint8_t ping[1] = {0x01};
    uint8_t dcid[8];
    next_dcid(dcid, seed);
    cx_quic_keys ck, sk;
    forge_pkt fp = {.type = QUIC_PKT_INITIAL, .version = version, .dcid = dcid, .dcid_len = 8,
                    .scid = scid, .scid_len = 8, .pn_len = 1, .raw = ping, .raw_len = 1,
                    .pad_to = 1200};
    assert_int_equal(cx_quic_initial_keys(version, dcid, 8, &ck, &sk), 0);
    assert_int_equal(quic_pkt_keys_init(&fp.keys, NULL, &ck), 0);
    size_t len = forge_seal(&fp, out, 1200);
    quic_pkt_keys_clear(&fp.keys);
    assert_int_equal(len, 1200);
    return len;
}

typedef size_t (*make_fn)(uint8_t *out, uint32_t version, uint32_t *seed);

/* The endpoint on the counting allocator; one datagram of each kind and
 * version first (whatever is made once per endpoint or per process may be
 * made then), then n more of each with fresh DCIDs. Returns the allocation
 * calls of the n rounds: the hook's in *hook, libcrypto's in *crypto. */
static void count_strangers(make_fn make, int n, long *hook, long *crypto, uint64_t *dropped)
{
    tu_counter cnt = {0};
    qb_alloc a = tu_counting_alloc(&cnt);
    ep_net net;
    ep_net_prepare(&net, false);
    net.ecfg.conn.alloc = &a;
    ep_net_start(&net);
    static const uint32_t versions[] = {QUIC_VERSION_1, QUIC_VERSION_2};
    uint32_t seed = 7;
    uint8_t dg[1200];
    /* Sealing our test datagrams allocates in libcrypto: they are made
     * before the counting starts. */
    uint8_t (*dgs)[1200] = malloc((size_t)n * 2 * sizeof *dgs);
    assert_non_null(dgs);
    for (int i = 0; i < n * 2; i++)
        assert_int_equal(make(dgs[i], versions[i % 2], &seed), 1200);
    for (int v = 0; v < 2; v++) {
        make(dg, versions[v], &seed);
        assert_null(quic_endpoint_recv(net.ep, &net.p.spath, dg, sizeof dg, net.p.now));
    }
    long h0 = cnt.calls, c0 = g_crypto_calls;
    for (int i = 0; i < n * 2; i++)
        assert_null(quic_endpoint_recv(net.ep, &net.p.spath, dgs[i], 1200, net.p.now));
    *hook = cnt.calls - h0;
    *crypto = g_crypto_calls - c0;
    quic_endpoint_stats st;
    quic_endpoint_stats_get(net.ep, &st);
    *dropped = st.dropped_undecryptable + st.dropped_not_hello;
    assert_int_equal(quic_endpoint_count(net.ep), 0);
    free(dgs);
    ep_net_free(&net);
}

/* RFC 9000 §21.1.1: a junk Initial (right size, fresh DCID, payload that does
 * not decrypt) of QUIC v1 or v2 allocates nothing once the endpoint is up. */
static void test_junk_initials_allocate_nothing(void **state)
{
    (void)state;
    long hook, crypto;
    uint64_t dropped;
    count_strangers(junk_initial, 100, &hook, &crypto, &dropped);
    assert_int_equal(dropped, 202);
    print_message("junk Initials: %ld allocation calls through the hook, %ld in libcrypto\n",
                  hook, crypto);
    assert_int_equal(hook, 0);
    assert_int_equal(crypto, 0);
}

/* An Initial that decrypts but begins no ClientHello is turned away without
 * an allocation too. */
static void test_initial_without_hello_allocates_nothing(void **state)
{
    (void)state;
    long hook, crypto;
    uint64_t dropped;
    count_strangers(ping_initial, 100, &hook, &crypto, &dropped);
    assert_int_equal(dropped, 202);
    print_message("Initials without a ClientHello: %ld allocation calls through the hook, %ld "
                  "in libcrypto\n", hook, crypto);
    assert_int_equal(hook, 0);
    assert_int_equal(crypto, 0);
}

int main(void)
{
    /* Before libcrypto allocates anything, or it refuses. */
    if (CRYPTO_set_mem_functions(cr_malloc, cr_realloc, cr_free) != 1)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_junk_initials_allocate_nothing),
        cmocka_unit_test(test_initial_without_hello_allocates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
