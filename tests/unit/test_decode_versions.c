/* quince decode and QUIC v2 (RFC 9369): the Appendix A packets of v2 decode
 * as a capture, and a connection that starts in v1 and is moved to v2 by the
 * server (compatible version negotiation, RFC 9368 §2.3) decodes after the
 * switch, which is shown as such in text and JSON. */
#include "common/tu.h"
#include "app/app_decode.h"
#include "app/pcap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A pcap of datagrams between 127.0.0.1:40000 (client) and :443 (server),
 * written with the app's own pcap writer and decoded; returns the output. */
static char *decode_datagrams(const uint8_t *const *dg, const size_t *len, const bool *to_server,
                              size_t n, bool json, app_decode_stats *st)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/quince-test-decv-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    app_pcap_writer w;
    assert_int_equal(app_pcap_writer_open(&w, path), 0);
    struct sockaddr_in c = {.sin_family = AF_INET, .sin_port = htons(40000)}, s = c;
    c.sin_addr.s_addr = s.sin_addr.s_addr = htonl(0x7f000001);
    s.sin_port = htons(443);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(app_pcap_writer_add(&w, 1000 * (i + 1), to_server[i] ? (void *)&c : (void *)&s,
                                             to_server[i] ? (void *)&s : (void *)&c, dg[i], len[i]),
                         0);
    app_pcap_writer_close(&w);
    size_t cap_len;
    uint8_t *cap = tu_read_file(path, &cap_len);
    unlink(path);
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    assert_int_equal(app_decode_buf(cap, cap_len, NULL, 0, json, f, NULL, st), 0);
    fclose(f);
    free(cap);
    return out;
}

static void expect(const char *out, const char *s)
{
    if (!strstr(out, s)) {
        fprintf(stderr, "missing in the decode output: %s\n", s);
        fail();
    }
}

/* RFC 9369 Appendix A.2 and A.3: the v2 client and server Initial decrypt
 * with the v2 salt and labels; the v2 type bits name them Initial. */
static void test_rfc9369_v2_initials_decode_as_a_capture(void **state)
{
    (void)state;
    size_t cl, sl;
    uint8_t *ci = tu_read_vector("rfc9369/client_initial_protected.hex", &cl);
    uint8_t *si = tu_read_vector("rfc9369/server_initial_protected.hex", &sl);
    uint8_t *cb = tu_hex_alloc((const char *)ci, &cl), *sb = tu_hex_alloc((const char *)si, &sl);
    const uint8_t *dg[2] = {cb, sb};
    size_t len[2] = {cl, sl};
    bool up[2] = {true, false};
    app_decode_stats st;
    char *out = decode_datagrams(dg, len, up, 2, false, &st);
    assert_int_equal(st.flows, 1);
    assert_int_equal(st.packets, 2);
    assert_int_equal(st.undecryptable, 0);
    assert_int_equal(st.decrypted, 2);
    expect(out, "Initial packet");
    expect(out, "version 0x6b3343cf (QUIC v2)");
    expect(out, "Initial secrets from the client's DCID 8394c8f03e515708");
    /* RFC 9369 Appendix A.1: the v2 client Initial key */
    expect(out, "Initial client keys: key 8b1a0bc121284290a29e0971b5cd045d");
    expect(out, "ClientHello");
    expect(out, "ServerHello");
    assert_null(strstr(out, "version switched"));
    free(out);
    free(ci);
    free(si);
    free(cb);
    free(sb);
}

/* The client's first Initial in v1 (RFC 9001 Appendix A.2), the server's
 * answer in v2 (RFC 9369 Appendix A.3), both from DCID 8394c8f03e515708:
 * the v2 Initial keys come from the same original DCID (RFC 9368 §2.3,
 * RFC 9369 §4.1), the packet decrypts and the switch is an item of its own. */
static void test_v1_to_v2_switch_decodes_and_is_shown(void **state)
{
    (void)state;
    size_t cl, sl;
    uint8_t *ci = tu_read_vector("rfc9001/client_initial_protected.hex", &cl);
    uint8_t *si = tu_read_vector("rfc9369/server_initial_protected.hex", &sl);
    uint8_t *cb = tu_hex_alloc((const char *)ci, &cl), *sb = tu_hex_alloc((const char *)si, &sl);
    const uint8_t *dg[2] = {cb, sb};
    size_t len[2] = {cl, sl};
    bool up[2] = {true, false};
    for (int json = 0; json < 2; json++) {
        app_decode_stats st;
        char *out = decode_datagrams(dg, len, up, 2, json, &st);
        assert_int_equal(st.flows, 1);
        assert_int_equal(st.undecryptable, 0);
        assert_int_equal(st.decrypted, 2);
        expect(out, "version 0x00000001 (QUIC v1)");
        expect(out, "version switched to v2 (0x6b3343cf) from v1: compatible version negotiation");
        expect(out, "RFC 9368 §2.3");
        expect(out, "Initial v2 server keys");
        expect(out, "ServerHello");
        if (json) {
            expect(out, "\"kind\":\"version_switch\"");
            expect(out, "\"versions\":[\"0x00000001\",\"0x6b3343cf\"]");
        } else {
            expect(out, "connection 1: QUIC v1, then v2 (compatible version negotiation)");
        }
        free(out);
    }
    free(ci);
    free(si);
    free(cb);
    free(sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9369_v2_initials_decode_as_a_capture),
        cmocka_unit_test(test_v1_to_v2_switch_decodes_and_is_shown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
