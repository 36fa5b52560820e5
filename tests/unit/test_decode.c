/* quince decode on captures built here: Version Negotiation shown as such,
 * UDP that is not QUIC left out, a capture cut short or with a spoiled packet
 * reported and counted and never fatal. */
#include "common/tu.h"
#include "app/app_cli.h"
#include "app/app_decode.h"
#include "app/pcap.h"
#include "crypto/cx_quic_keys.h"
#include "quic/packet.h"
#include "quic/protect.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct capfile {
    char path[64];
    app_pcap_writer w;
    struct sockaddr_in c, s;
} capfile;

static void cap_open(capfile *cf)
{
    snprintf(cf->path, sizeof cf->path, "/tmp/quince-test-decode-XXXXXX");
    int fd = mkstemp(cf->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(app_pcap_writer_open(&cf->w, cf->path), 0);
    memset(&cf->c, 0, sizeof cf->c);
    memset(&cf->s, 0, sizeof cf->s);
    cf->c.sin_family = cf->s.sin_family = AF_INET;
    cf->c.sin_addr.s_addr = cf->s.sin_addr.s_addr = htonl(0x7f000001);
    cf->c.sin_port = htons(40000);
    cf->s.sin_port = htons(443);
}

static void cap_add(capfile *cf, bool to_server, const uint8_t *p, size_t len)
{
    assert_int_equal(app_pcap_writer_add(&cf->w, 1000, to_server ? &cf->c : &cf->s,
                                         to_server ? &cf->s : &cf->c, p, len), 0);
}

static char *cap_decode(capfile *cf, const char *keylog, app_decode_stats *st)
{
    app_pcap_writer_close(&cf->w);
    size_t len;
    uint8_t *p = tu_read_file(cf->path, &len);
    unlink(cf->path);
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    assert_int_equal(app_decode_buf(p, len, keylog, keylog ? strlen(keylog) : 0, false, f, NULL, st), 0);
    fclose(f);
    free(p);
    return out;
}

static void test_version_negotiation_is_shown_as_such(void **state)
{
    (void)state;
    static const uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8}, scid[4] = {9, 9, 9, 9};
    uint8_t ini[1200] = {0xc3, 0x1a, 0x2a, 0x3a, 0x4a, 8};
    memcpy(ini + 6, dcid, 8);
    ini[14] = 4;
    memcpy(ini + 15, scid, 4);
    uint8_t vn[64];
    qb_wr w;
    qb_wr_init(&w, vn, sizeof vn);
    const uint32_t versions[2] = {QUIC_VERSION_1, QUIC_VERSION_2};
    assert_int_equal(quic_pkt_vn_write(&w, 0x7f, scid, 4, dcid, 8, versions, 2), 0);
    capfile cf;
    cap_open(&cf);
    cap_add(&cf, true, ini, sizeof ini);
    cap_add(&cf, false, vn, w.off);
    app_decode_stats st;
    char *out = cap_decode(&cf, NULL, &st);
    assert_int_equal(st.flows, 1);
    assert_int_equal(st.datagrams, 2);
    assert_non_null(strstr(out, "Version Negotiation packet"));
    assert_non_null(strstr(out, "[RFC 9000 §17.2.1 Version Negotiation]"));
    assert_non_null(strstr(out, "supported version 0x00000001"));
    assert_non_null(strstr(out, "supported version 0x6b3343cf"));
    /* the client's Initial of an unknown version cannot be opened: counted */
    assert_int_equal(st.undecryptable, 1);
    free(out);
}

static void test_udp_that_is_not_quic_is_left_out(void **state)
{
    (void)state;
    static const uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
    uint8_t longish[40];
    memset(longish, 0xff, sizeof longish); /* long header bit set, but no Initial */
    capfile cf;
    cap_open(&cf);
    cap_add(&cf, true, dns, sizeof dns);
    cap_add(&cf, true, longish, sizeof longish);
    app_decode_stats st;
    char *out = cap_decode(&cf, NULL, &st);
    assert_int_equal(st.other_udp, 2);
    assert_int_equal(st.flows, 0);
    assert_int_equal(st.datagrams, 0);
    assert_null(strstr(out, "datagram 1"));
    assert_non_null(strstr(out, "2 other UDP datagrams"));
    free(out);
}

/* Every prefix of the illustrated-quic capture: the datagrams before the cut
 * decode, the cut is reported, nothing crashes or leaks. */
static void test_capture_cut_anywhere_ends_cleanly(void **state)
{
    (void)state;
    size_t len, kl_len;
    uint8_t *cap = tu_read_vector("illustrated-quic/capture.pcap", &len);
    char *kl = (char *)tu_read_vector("illustrated-quic/keylog.txt", &kl_len);
    size_t prev = 0;
    for (size_t cut = 24; cut <= len; cut += (cut + 13 < len ? 13 : 1)) {
        char *out = NULL, *err = NULL;
        size_t out_len = 0, err_len = 0;
        FILE *f = open_memstream(&out, &out_len), *e = open_memstream(&err, &err_len);
        app_decode_stats st;
        assert_int_equal(app_decode_buf(cap, cut, kl, kl_len, cut % 2, f, e, &st), 0);
        fclose(f);
        fclose(e);
        assert_true(st.datagrams >= prev);
        prev = st.datagrams;
        assert_int_equal(st.undecryptable, 0);
        if (cut < len) {
            assert_true(st.capture_cut || st.datagrams == 0 || strlen(err) == 0);
            if (st.capture_cut)
                assert_non_null(strstr(err, "truncated"));
        } else {
            assert_false(st.capture_cut);
            assert_int_equal(st.datagrams, 8);
        }
        free(out);
        free(err);
    }
    free(cap);
    free(kl);
}

/* A byte flipped in a packet: that packet is reported undecryptable and
 * counted, and the walk goes on to the next datagram. */
static void test_spoiled_packet_is_counted_not_fatal(void **state)
{
    (void)state;
    size_t len, kl_len;
    uint8_t *cap = tu_read_vector("illustrated-quic/capture.pcap", &len);
    char *kl = (char *)tu_read_vector("illustrated-quic/keylog.txt", &kl_len);
    cap[len - 3] ^= 0x40; /* inside the last datagram's AEAD tag */
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    app_decode_stats st;
    assert_int_equal(app_decode_buf(cap, len, kl, kl_len, false, f, NULL, &st), 0);
    fclose(f);
    assert_int_equal(st.datagrams, 8);
    assert_int_equal(st.undecryptable, 1);
    assert_int_equal(st.decrypted, 11);
    assert_non_null(strstr(out, "cannot decrypt: packet decryption failed"));
    free(out);
    free(cap);
    free(kl);
}

/* The illustrated-quic datagrams again, with datagram 3 (CRYPTO: the
 * CertificateVerify and Finished) and datagram 5 (STREAM "ping") sent twice. */
typedef struct dgrams {
    size_t n;
    uint8_t p[8][1500];
    size_t len[8];
    bool to_server[8];
} dgrams;

static void keep(void *ud, const app_pcap_udp *d)
{
    dgrams *g = ud;
    assert_true(g->n < 8 && d->len <= 1500);
    memcpy(g->p[g->n], d->payload, d->len);
    g->len[g->n] = d->len;
    g->to_server[g->n] = d->dport == 8400;
    g->n++;
}

static void test_retransmission_is_shown_and_messages_not_repeated(void **state)
{
    (void)state;
    size_t len, kl_len;
    uint8_t *cap = tu_read_vector("illustrated-quic/capture.pcap", &len);
    char *kl = (char *)tu_read_vector("illustrated-quic/keylog.txt", &kl_len);
    dgrams *g = calloc(1, sizeof *g);
    assert_int_equal(app_pcap_read(cap, len, keep, g, NULL, NULL, 0), 0);
    assert_int_equal(g->n, 8);
    capfile cf;
    cap_open(&cf);
    cf.s.sin_port = htons(8400);
    for (size_t i = 0; i < 8; i++) {
        cap_add(&cf, g->to_server[i], g->p[i], g->len[i]);
        if (i == 2 || i == 4)
            cap_add(&cf, g->to_server[i], g->p[i], g->len[i]);
    }
    app_decode_stats st;
    char *out = cap_decode(&cf, kl, &st);
    assert_int_equal(st.datagrams, 10);
    assert_int_equal(st.undecryptable, 0);
    assert_non_null(strstr(out, "retransmission: 185 of these bytes were seen before"));
    assert_non_null(strstr(out, "duplicate: packet number 1 was received before"));
    assert_non_null(strstr(out, "retransmission: 4 of these bytes were seen before (same stream offset)"));
    /* the message is explained once, where it was first complete */
    char *first = strstr(out, "server Finished (20)");
    assert_non_null(first);
    assert_null(strstr(first + 1, "server Finished (20)"));
    free(out);
    free(g);
    free(cap);
    free(kl);
}

/* The client's last 1-RTT datagram from another port: matched to the
 * connection by its DCID ("s_cid"), decrypted, shown as a new path. */
static void test_short_header_on_new_path_found_by_dcid(void **state)
{
    (void)state;
    size_t len, kl_len;
    uint8_t *cap = tu_read_vector("illustrated-quic/capture.pcap", &len);
    char *kl = (char *)tu_read_vector("illustrated-quic/keylog.txt", &kl_len);
    dgrams *g = calloc(1, sizeof *g);
    assert_int_equal(app_pcap_read(cap, len, keep, g, NULL, NULL, 0), 0);
    capfile cf;
    cap_open(&cf);
    cf.s.sin_port = htons(8400);
    for (size_t i = 0; i < 8; i++) {
        if (i == 6) {
            struct sockaddr_in moved = cf.c;
            moved.sin_port = htons(40001);
            assert_int_equal(app_pcap_writer_add(&cf.w, 1000, &moved, &cf.s, g->p[i], g->len[i]), 0);
        } else {
            cap_add(&cf, g->to_server[i], g->p[i], g->len[i]);
        }
    }
    app_decode_stats st;
    char *out = cap_decode(&cf, kl, &st);
    assert_int_equal(st.datagrams, 8);
    assert_int_equal(st.other_udp, 0);
    assert_int_equal(st.undecryptable, 0);
    char *moved = strstr(out, "127.0.0.1:40001 -> 127.0.0.1:8400");
    assert_non_null(moved);
    assert_non_null(strstr(moved, "client -> server"));
    assert_non_null(strstr(moved, "a new path for connection 1"));
    free(out);
    free(g);
    free(cap);
    free(kl);
}

/* A client Initial of our own making (the decoder derives its keys from the
 * DCID as any observer can): frames with peer-chosen bytes. */
static size_t seal_initial(const uint8_t *frames, size_t flen, uint8_t *out, size_t cap)
{
    static const uint8_t dcid[8] = {8, 7, 6, 5, 4, 3, 2, 1};
    cx_quic_keys ck, sk;
    quic_pkt_keys keys;
    assert_int_equal(cx_quic_initial_keys(QUIC_VERSION_1, dcid, 8, &ck, &sk), 0);
    assert_int_equal(quic_pkt_keys_init(&keys, NULL, &ck), 0);
    quic_pkt_long_params p = {.type = QUIC_PKT_INITIAL, .version = QUIC_VERSION_1,
                              .dcid = dcid, .dcid_len = 8, .pn = 0, .pn_len = 2,
                              .length_len = 2};
    qb_wr w;
    quic_pkt_wr pw;
    size_t len;
    qb_wr_init(&w, out, cap);
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), 0);
    assert_int_equal(qb_wr_bytes(&w, frames, flen), 0);
    assert_int_equal(qb_wr_zeros(&w, 1100), 0); /* PADDING */
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &len), 0);
    assert_int_equal(quic_pkt_protect(&keys, out, len, pw.pn_offset, pw.pn_len, pw.pn), 0);
    quic_pkt_keys_clear(&keys);
    return len;
}

/* A reason phrase with terminal escapes and bytes that are not UTF-8, a
 * ClientHello that does not parse, an unknown frame type: each reported, the
 * peer's bytes never reach the terminal or the JSON raw. */
static void test_peer_bytes_are_cleaned_and_bad_frames_reported(void **state)
{
    (void)state;
    static const uint8_t frames[] = {
        0x06, 0x00, 0x09, 0x01, 0x00, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00, /* CRYPTO */
        0x1c, 0x0a, 0x00, 0x0a, 'x', 0x1b, '[', '2', 'J', 'y', 0xff, 0xc3, 0xa9, 'z',
        0x21, /* not a frame type */
    };
    uint8_t pkt[1500];
    size_t len = seal_initial(frames, sizeof frames, pkt, sizeof pkt);
    for (int json = 0; json < 2; json++) {
        capfile cf;
        cap_open(&cf);
        cap_add(&cf, true, pkt, len);
        app_pcap_writer_close(&cf.w);
        size_t clen;
        uint8_t *cap = tu_read_file(cf.path, &clen);
        unlink(cf.path);
        char *out = NULL;
        size_t out_len = 0;
        FILE *f = open_memstream(&out, &out_len);
        app_decode_stats st;
        assert_int_equal(app_decode_buf(cap, clen, NULL, 0, json, f, NULL, &st), 0);
        fclose(f);
        free(cap);
        assert_int_equal(st.decrypted, 1);
        assert_non_null(strstr(out, "ClientHello (1), 5 bytes"));
        assert_non_null(strstr(out, "the message does not parse"));
        assert_non_null(strstr(out, "x?[2Jy?"));
        assert_non_null(strstr(out, "\xc3\xa9z")); /* well-formed UTF-8 stays */
        assert_non_null(strstr(out, "unknown frame type"));
        for (size_t i = 0; i < out_len; i++)
            assert_true(out[i] == '\n' || (unsigned char)out[i] >= 0x20);
        free(out);
    }
}

/* Data far beyond what the decoder keeps, and a frame the packet type may not
 * carry: reported once, nothing allocated for the far offsets. */
static void test_far_offsets_and_forbidden_frames_are_reported(void **state)
{
    (void)state;
    static const uint8_t frames[] = {
        0x06, 0xc0, 0, 0, 0x10, 0, 0, 0, 0, 0x02, 'h', 'i',       /* CRYPTO off=2^36 */
        0x0e, 0x00, 0xc0, 0, 0, 0x10, 0, 0, 0, 0, 0x02, 'h', 'i', /* STREAM 0 off=2^36 */
    };
    uint8_t pkt[1500];
    size_t len = seal_initial(frames, sizeof frames, pkt, sizeof pkt);
    capfile cf;
    cap_open(&cf);
    cap_add(&cf, true, pkt, len);
    app_decode_stats st;
    char *out = cap_decode(&cf, NULL, &st);
    assert_int_equal(st.decrypted, 1);
    assert_non_null(strstr(out, "CRYPTO data beyond 1048576 bytes is not decoded"));
    assert_non_null(strstr(out, "stream data beyond 1048576 bytes is not decoded"));
    assert_non_null(strstr(out, "PROTOCOL_VIOLATION"));
    assert_non_null(strstr(out, "[RFC 9000 §12.4]"));
    free(out);
}

/* The command line: quince decode CAPTURE --keylog FILE [--json]; a missing
 * piece is a usage error (2); a file that is not there or not a capture is 1. */
static void test_decode_command_line_and_exit_codes(void **state)
{
    (void)state;
    app_opts o;
    FILE *devnull = fopen("/dev/null", "w");
    char *ok[] = {"quince", "decode", "c.pcap", "--keylog", "k.txt", "--json"};
    assert_int_equal(app_cli_parse(6, ok, &o, devnull), 0);
    assert_int_equal(o.cmd, APP_CMD_DECODE);
    assert_string_equal(o.capture, "c.pcap");
    assert_string_equal(o.keylog, "k.txt");
    assert_true(o.json);
    char *no_keylog[] = {"quince", "decode", "c.pcap"};
    assert_int_equal(app_cli_parse(3, no_keylog, &o, devnull), 2);
    char *no_capture[] = {"quince", "decode", "--keylog", "k.txt"};
    assert_int_equal(app_cli_parse(4, no_capture, &o, devnull), 2);
    char *json_elsewhere[] = {"quince", "client", "https://localhost:1/", "--json"};
    assert_int_equal(app_cli_parse(4, json_elsewhere, &o, devnull), 2);
    char *pcap_on_client[] = {"quince", "client", "https://localhost:1/", "--pcap", "x.pcap"};
    assert_int_equal(app_cli_parse(5, pcap_on_client, &o, devnull), 0);
    assert_string_equal(o.pcap, "x.pcap");
    assert_int_equal(app_decode_run("/nonexistent/c.pcap", tu_vector_path("illustrated-quic/keylog.txt"),
                                    false, devnull, devnull), 1);
    assert_int_equal(app_decode_run(tu_vector_path("illustrated-quic/keylog.txt"),
                                    tu_vector_path("illustrated-quic/keylog.txt"), false, devnull,
                                    devnull), 1); /* not a capture */
    char cap[512];
    snprintf(cap, sizeof cap, "%s", tu_vector_path("illustrated-quic/capture.pcap"));
    assert_int_equal(app_decode_run(cap, tu_vector_path("illustrated-quic/keylog.txt"), true,
                                    devnull, devnull), 0);
    fclose(devnull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_negotiation_is_shown_as_such),
        cmocka_unit_test(test_udp_that_is_not_quic_is_left_out),
        cmocka_unit_test(test_capture_cut_anywhere_ends_cleanly),
        cmocka_unit_test(test_spoiled_packet_is_counted_not_fatal),
        cmocka_unit_test(test_retransmission_is_shown_and_messages_not_repeated),
        cmocka_unit_test(test_short_header_on_new_path_found_by_dcid),
        cmocka_unit_test(test_peer_bytes_are_cleaned_and_bad_frames_reported),
        cmocka_unit_test(test_far_offsets_and_forbidden_frames_are_reported),
        cmocka_unit_test(test_decode_command_line_and_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
