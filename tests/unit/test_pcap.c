/* The capture reader of quince decode (app/pcap.h): classic pcap and pcapng in
 * both byte orders, every link type it knows, IPv4 and IPv6, truncated and
 * foreign input; and the --pcap writer read back. Captures are built here. */
#include "common/tu.h"
#include "app/pcap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct got {
    size_t n;
    app_pcap_udp d[8];
    uint8_t payload[8][64];
} got;

static void collect(void *ud, const app_pcap_udp *d)
{
    got *g = ud;
    if (g->n < 8) {
        g->d[g->n] = *d;
        memcpy(g->payload[g->n], d->payload, d->len < 64 ? d->len : 64);
        g->d[g->n].payload = g->payload[g->n];
    }
    g->n++;
}

/* A little growable byte builder with both byte orders. */
typedef struct bb {
    uint8_t p[4096];
    size_t n;
    bool be;
} bb;
static void b8(bb *b, uint8_t v) { b->p[b->n++] = v; }
static void b16(bb *b, uint16_t v)
{
    if (b->be) { b8(b, (uint8_t)(v >> 8)); b8(b, (uint8_t)v); }
    else { b8(b, (uint8_t)v); b8(b, (uint8_t)(v >> 8)); }
}
static void b32(bb *b, uint32_t v)
{
    if (b->be) { b16(b, (uint16_t)(v >> 16)); b16(b, (uint16_t)v); }
    else { b16(b, (uint16_t)v); b16(b, (uint16_t)(v >> 16)); }
}
static void bput(bb *b, const void *p, size_t n) { memcpy(b->p + b->n, p, n); b->n += n; }
static void bpad4(bb *b) { while (b->n % 4) b8(b, 0); }

static const uint8_t PAYLOAD[] = "quic!";
#define PLEN 5

/* IPv4 or IPv6 + UDP 1111 -> 2222 carrying PAYLOAD, network byte order. */
static size_t ip_udp(uint8_t *out, int family)
{
    size_t n = 0;
    uint16_t ulen = 8 + PLEN;
    if (family == 4) {
        uint8_t h[20] = {0x45, 0, 0, (uint8_t)(20 + ulen), 0, 0, 0x40, 0, 64, 17, 0, 0,
                         10, 0, 0, 1, 10, 0, 0, 2};
        memcpy(out, h, 20);
        n = 20;
    } else {
        uint8_t h[40] = {0x60, 0, 0, 0, 0, (uint8_t)ulen, 17, 64};
        h[8 + 15] = 1;  /* ::1 */
        h[24 + 15] = 2; /* ::2 */
        memcpy(out, h, 40);
        n = 40;
    }
    uint8_t u[8] = {0x04, 0x57, 0x08, 0xae, 0, (uint8_t)ulen, 0, 0};
    memcpy(out + n, u, 8);
    memcpy(out + n + 8, PAYLOAD, PLEN);
    return n + 8 + PLEN;
}

/* One frame of link type lt around an IP packet of family. */
static size_t frame(uint8_t *out, uint32_t lt, int family, bool le_null)
{
    size_t n = 0;
    uint16_t et = family == 4 ? 0x0800 : 0x86dd;
    switch (lt) {
    case APP_LINK_NULL: {
        uint32_t af = family == 4 ? 2 : 30;
        uint8_t h[4] = {(uint8_t)(af >> 24), (uint8_t)(af >> 16), (uint8_t)(af >> 8), (uint8_t)af};
        if (le_null) { h[0] = (uint8_t)af; h[3] = 0; }
        memcpy(out, h, 4);
        n = 4;
        break;
    }
    case APP_LINK_ETHERNET: {
        uint8_t h[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0, 5,
                         (uint8_t)(et >> 8), (uint8_t)et}; /* with one 802.1Q tag */
        memcpy(out, h, 18);
        n = 18;
        break;
    }
    case APP_LINK_LINUX_SLL: {
        uint8_t h[16] = {0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, (uint8_t)(et >> 8), (uint8_t)et};
        memcpy(out, h, 16);
        n = 16;
        break;
    }
    case APP_LINK_LINUX_SLL2: {
        uint8_t h[20] = {(uint8_t)(et >> 8), (uint8_t)et, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6};
        memcpy(out, h, 20);
        n = 20;
        break;
    }
    default:
        break;
    }
    return n + ip_udp(out + n, family);
}

static void classic(bb *b, bool be, bool ns, uint32_t lt, int family, int records)
{
    uint8_t f[128];
    size_t fl = frame(f, lt, family, !be);
    memset(b, 0, sizeof *b);
    b->be = be;
    b32(b, ns ? 0xa1b23c4du : 0xa1b2c3d4u);
    b16(b, 2);
    b16(b, 4);
    b32(b, 0);
    b32(b, 0);
    b32(b, 65535);
    b32(b, lt);
    for (int i = 0; i < records; i++) {
        b32(b, 1700000000u + (uint32_t)i);
        b32(b, ns ? 123456789u : 123456u);
        b32(b, (uint32_t)fl);
        b32(b, (uint32_t)fl);
        bput(b, f, fl);
    }
}

static void check_one(const got *g, size_t i, int family, uint64_t ts_ns)
{
    assert_true(g->n > i);
    const app_pcap_udp *d = &g->d[i];
    assert_int_equal(d->family, family);
    assert_int_equal(d->sport, 1111);
    assert_int_equal(d->dport, 2222);
    assert_int_equal(d->len, PLEN);
    assert_memory_equal(d->payload, PAYLOAD, PLEN);
    if (family == 4) {
        static const uint8_t s[4] = {10, 0, 0, 1}, t[4] = {10, 0, 0, 2};
        assert_memory_equal(d->src, s, 4);
        assert_memory_equal(d->dst, t, 4);
    } else {
        assert_int_equal(d->src[15], 1);
        assert_int_equal(d->dst[15], 2);
    }
    if (ts_ns)
        assert_int_equal(d->ts_ns, ts_ns);
}

static void test_classic_pcap_both_byte_orders_and_resolutions(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++)
        for (int ns = 0; ns < 2; ns++) {
            bb b;
            got g = {0};
            app_pcap_stats st;
            char msg[128];
            classic(&b, be, ns, APP_LINK_RAW, 4, 2);
            assert_int_equal(app_pcap_read(b.p, b.n, collect, &g, &st, msg, sizeof msg), 0);
            assert_int_equal(g.n, 2);
            assert_int_equal(st.records, 2);
            check_one(&g, 0, 4, 1700000000ull * 1000000000u + (ns ? 123456789u : 123456000u));
            check_one(&g, 1, 4, 1700000001ull * 1000000000u + (ns ? 123456789u : 123456000u));
        }
}

static void test_every_link_type_ipv4_and_ipv6(void **state)
{
    (void)state;
    static const uint32_t lts[] = {APP_LINK_NULL, APP_LINK_ETHERNET, APP_LINK_RAW,
                                   APP_LINK_LINUX_SLL, APP_LINK_LINUX_SLL2, APP_LINK_IPV4,
                                   APP_LINK_IPV6};
    for (size_t i = 0; i < sizeof lts / sizeof lts[0]; i++)
        for (int fam = 4; fam <= 6; fam += 2) {
            if ((lts[i] == APP_LINK_IPV4 && fam == 6) || (lts[i] == APP_LINK_IPV6 && fam == 4))
                continue;
            for (int be = 0; be < 2; be++) {
                bb b;
                got g = {0};
                app_pcap_stats st;
                char msg[128];
                classic(&b, be, false, lts[i], fam, 1);
                assert_int_equal(app_pcap_read(b.p, b.n, collect, &g, &st, msg, sizeof msg), 0);
                assert_int_equal(g.n, 1);
                check_one(&g, 0, fam, 0);
            }
        }
}

static void test_unknown_link_type_stops_with_message(void **state)
{
    (void)state;
    bb b;
    got g = {0};
    char msg[128];
    classic(&b, false, false, APP_LINK_RAW, 4, 1);
    b.p[20] = 147; /* LINKTYPE_USER0 */
    assert_int_equal(app_pcap_read(b.p, b.n, collect, &g, NULL, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "link type 147"));
    assert_int_equal(g.n, 0);
}

/* pcapng: SHB, IDB (if_tsresol 9 = nanoseconds), an EPB, an unknown block
 * (skipped), an SPB; optionally a second section in the other byte order. */
static void ng_section(bb *b, bool be, uint32_t lt, int family)
{
    uint8_t f[128];
    size_t fl = frame(f, lt, family, !be);
    b->be = be;
    /* SHB */
    b32(b, 0x0a0d0d0au);
    b32(b, 28);
    b32(b, 0x1a2b3c4du);
    b16(b, 1);
    b16(b, 0);
    b32(b, 0xffffffffu);
    b32(b, 0xffffffffu);
    b32(b, 28);
    /* IDB with if_tsresol = 9 and opt_endofopt */
    b32(b, 1);
    b32(b, 32);
    b16(b, (uint16_t)lt);
    b16(b, 0);
    b32(b, 0);
    b16(b, 9);
    b16(b, 1);
    b8(b, 9);
    bpad4(b);
    b16(b, 0);
    b16(b, 0);
    b32(b, 32);
    /* EPB */
    size_t epb = 32 + ((fl + 3) & ~(size_t)3);
    uint64_t ts = 1700000000ull * 1000000000u + 42;
    b32(b, 6);
    b32(b, (uint32_t)epb);
    b32(b, 0);
    b32(b, (uint32_t)(ts >> 32));
    b32(b, (uint32_t)ts);
    b32(b, (uint32_t)fl);
    b32(b, (uint32_t)fl);
    bput(b, f, fl);
    bpad4(b);
    b32(b, (uint32_t)epb);
    /* an Interface Statistics Block, which the reader skips */
    b32(b, 5);
    b32(b, 24);
    b32(b, 0);
    b32(b, 0);
    b32(b, 0);
    b32(b, 24);
    /* SPB */
    size_t spb = 16 + ((fl + 3) & ~(size_t)3);
    b32(b, 3);
    b32(b, (uint32_t)spb);
    b32(b, (uint32_t)fl);
    bput(b, f, fl);
    bpad4(b);
    b32(b, (uint32_t)spb);
}

static void test_pcapng_both_byte_orders_epb_spb_and_sections(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        bb b;
        got g = {0};
        app_pcap_stats st;
        char msg[128];
        memset(&b, 0, sizeof b);
        ng_section(&b, be, APP_LINK_ETHERNET, 4);
        ng_section(&b, !be, APP_LINK_LINUX_SLL2, 6); /* a second section, other order */
        assert_int_equal(app_pcap_read(b.p, b.n, collect, &g, &st, msg, sizeof msg), 0);
        assert_int_equal(g.n, 4);
        assert_int_equal(st.blocks_skipped, 2);
        check_one(&g, 0, 4, 1700000000ull * 1000000000u + 42);
        check_one(&g, 1, 4, 0);
        check_one(&g, 2, 6, 1700000000ull * 1000000000u + 42);
        check_one(&g, 3, 6, 0);
    }
}

/* Every prefix of a valid file: no crash, the whole records before the cut
 * are delivered, and a cut inside a record or block is reported. */
static void test_truncated_capture_ends_cleanly_with_message(void **state)
{
    (void)state;
    bb files[2];
    memset(files, 0, sizeof files);
    classic(&files[0], true, true, APP_LINK_ETHERNET, 6, 3);
    ng_section(&files[1], false, APP_LINK_RAW, 4);
    for (int k = 0; k < 2; k++) {
        size_t full_records = 0;
        for (size_t cut = 0; cut < files[k].n; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);
            memcpy(copy, files[k].p, cut);
            got g = {0};
            app_pcap_stats st;
            char msg[128] = "";
            int rc = app_pcap_read(copy, cut, collect, &g, &st, msg, sizeof msg);
            if (rc != 0)
                assert_true(strlen(msg) > 0);
            assert_true(g.n >= full_records); /* never fewer than a shorter prefix gave */
            full_records = g.n;
            free(copy);
        }
        got g = {0};
        assert_int_equal(app_pcap_read(files[k].p, files[k].n, collect, &g, NULL, NULL, 0), 0);
        assert_true(g.n > full_records);
    }
    /* one specific cut: inside the second record of the classic file */
    got g = {0};
    char msg[128];
    size_t one = 24 + 16 + (files[0].n - 24) / 3 - 16;
    assert_int_equal(app_pcap_read(files[0].p, one + 30, collect, &g, NULL, msg, sizeof msg), -1);
    assert_int_equal(g.n, 1);
    assert_non_null(strstr(msg, "truncated"));
}

static void test_not_a_capture_is_refused(void **state)
{
    (void)state;
    static const uint8_t junk[] = "GET / HTTP/1.1\r\n\r\n";
    got g = {0};
    char msg[128];
    assert_int_equal(app_pcap_read(junk, sizeof junk, collect, &g, NULL, msg, sizeof msg), -2);
    assert_non_null(strstr(msg, "not a pcap"));
    assert_int_equal(app_pcap_read(junk, 2, collect, &g, NULL, msg, sizeof msg), -2);
    assert_int_equal(g.n, 0);
}

static void test_non_udp_and_fragments_are_skipped(void **state)
{
    (void)state;
    bb b;
    got g = {0};
    app_pcap_stats st;
    classic(&b, false, false, APP_LINK_RAW, 4, 3);
    size_t rec = (b.n - 24) / 3;
    b.p[24 + 16 + 9] = 6;                /* record 1: TCP */
    b.p[24 + rec + 16 + 6] = 0x20;       /* record 2: more fragments */
    assert_int_equal(app_pcap_read(b.p, b.n, collect, &g, &st, NULL, 0), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(st.skipped, 2);
    check_one(&g, 0, 4, 0);
}

static void test_writer_output_reads_back_v4_and_v6(void **state)
{
    (void)state;
    char path[] = "/tmp/quince-test-pcap-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    app_pcap_writer w;
    assert_int_equal(app_pcap_writer_open(&w, path), 0);
    struct sockaddr_in a = {0}, b = {0};
    a.sin_family = b.sin_family = AF_INET;
    a.sin_port = htons(1111);
    b.sin_port = htons(2222);
    inet_pton(AF_INET, "10.0.0.1", &a.sin_addr);
    inet_pton(AF_INET, "10.0.0.2", &b.sin_addr);
    struct sockaddr_in6 a6 = {0}, b6 = {0};
    a6.sin6_family = b6.sin6_family = AF_INET6;
    a6.sin6_port = htons(1111);
    b6.sin6_port = htons(2222);
    inet_pton(AF_INET6, "::1", &a6.sin6_addr);
    inet_pton(AF_INET6, "::2", &b6.sin6_addr);
    assert_int_equal(app_pcap_writer_add(&w, 5000000007ull, &a, &b, PAYLOAD, PLEN), 0);
    assert_int_equal(app_pcap_writer_add(&w, 6000000008ull, &a6, &b6, PAYLOAD, PLEN), 0);
    app_pcap_writer_close(&w);
    size_t len;
    uint8_t *p = tu_read_file(path, &len);
    unlink(path);
    got g = {0};
    assert_int_equal(app_pcap_read(p, len, collect, &g, NULL, NULL, 0), 0);
    free(p);
    assert_int_equal(g.n, 2);
    check_one(&g, 0, 4, 5000000007ull);
    check_one(&g, 1, 6, 6000000008ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classic_pcap_both_byte_orders_and_resolutions),
        cmocka_unit_test(test_every_link_type_ipv4_and_ipv6),
        cmocka_unit_test(test_unknown_link_type_stops_with_message),
        cmocka_unit_test(test_pcapng_both_byte_orders_epb_spb_and_sections),
        cmocka_unit_test(test_truncated_capture_ends_cleanly_with_message),
        cmocka_unit_test(test_not_a_capture_is_refused),
        cmocka_unit_test(test_non_udp_and_fragments_are_skipped),
        cmocka_unit_test(test_writer_output_reads_back_v4_and_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
