/* quince decode on The Illustrated QUIC Connection (tests/vectors/
 * illustrated-quic): every secret, key, field and message its README lists
 * must appear in the walk-through, taken from the files, not typed in here. */
#include "common/tu.h"
#include "app/app_decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *g_out;
static size_t g_out_len;
static app_decode_stats g_st;

static char *decode(bool json, const char *keylog_rel, app_decode_stats *st)
{
    size_t cap_len, kl_len = 0;
    uint8_t *cap = tu_read_vector("illustrated-quic/capture.pcap", &cap_len);
    char *kl = keylog_rel ? (char *)tu_read_vector(keylog_rel, &kl_len) : NULL;
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    assert_non_null(f);
    assert_int_equal(app_decode_buf(cap, cap_len, kl, kl_len, json, f, NULL, st), 0);
    fclose(f);
    free(cap);
    free(kl);
    return out;
}

static int setup(void **state)
{
    (void)state;
    g_out = decode(false, "illustrated-quic/keylog.txt", &g_st);
    g_out_len = strlen(g_out);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_out);
    return 0;
}

static void expect(const char *s)
{
    if (!strstr(g_out, s)) {
        fprintf(stderr, "missing in the decode output: %s\n", s);
        fail();
    }
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}

static void test_every_packet_decrypts(void **state)
{
    (void)state;
    assert_int_equal(g_st.flows, 1);
    assert_int_equal(g_st.datagrams, 8);
    assert_int_equal(g_st.packets, 12);
    assert_int_equal(g_st.decrypted, 12);
    assert_int_equal(g_st.undecryptable, 0);
    assert_false(g_st.capture_cut);
}

/* The README's table: key, iv and hp of each level and side. */
static void test_readme_key_table_appears(void **state)
{
    (void)state;
    size_t len, rows = 0;
    char *text = (char *)tu_read_vector("illustrated-quic/README.md", &len);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char lvl[32], side[32], key[80], iv[80], hp[80], want[400];
        if (sscanf(line, "| %31s | %31s | %79s | %79s | %79s |", lvl, side, key, iv, hp) != 5 ||
            strlen(key) != 32)
            continue;
        snprintf(want, sizeof want, "%s %s keys: key %s iv %s hp %s", lvl, side, key, iv, hp);
        expect(want);
        rows++;
    }
    free(text);
    assert_int_equal(rows, 6);
}

/* keylog.txt: the four traffic secrets, each shown where it is used. */
static void test_keylog_secrets_appear(void **state)
{
    (void)state;
    size_t len, n = 0;
    char *text = (char *)tu_read_vector("illustrated-quic/keylog.txt", &len);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char label[64], random[80], secret[120], want[256];
        if (sscanf(line, "%63s %79s %119s", label, random, secret) != 3 ||
            !strstr(label, "TRAFFIC_SECRET"))
            continue;
        snprintf(want, sizeof want, "%s %s", label, secret);
        expect(want);
        n++;
    }
    free(text);
    assert_int_equal(n, 4);
}

/* Connection facts of the README. */
static void test_connection_facts_appear(void **state)
{
    (void)state;
    expect("version 0x00000001 (QUIC v1)");
    expect("cipher suite TLS_AES_128_GCM_SHA256 (0x1301)");
    expect("key share x25519 (0x001d)");
    expect("host_name \"example.ulfheim.net\"");
    expect("protocol \"ping/1.0\"");
    expect("random 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    expect("Destination Connection ID (8 bytes) 0001020304050607");
    expect("Source Connection ID (5 bytes) 635f636964 \"c_cid\"");
    expect("Source Connection ID (5 bytes) 735f636964 \"s_cid\"");
    expect("Initial secrets from the client's DCID 0001020304050607");
    /* dgram02_s01: Initial (137 bytes) coalesced with Handshake (1063 bytes) */
    expect("Initial packet, 137 bytes (packet 1 of the coalesced datagram");
    expect("Handshake packet, 1063 bytes (packet 2 of the coalesced datagram");
    expect("RFC 9000 §12.2");
    /* the 1-RTT exchange */
    expect("data \"ping\"");
    expect("data \"pong\"");
    expect("HANDSHAKE_DONE");
    expect("reason=\"graceful shutdown\"");
}

/* crypto_*: every handshake message with its length and its key fields. */
static void test_tls_messages_appear(void **state)
{
    (void)state;
    static const struct {
        const char *file, *name;
    } msgs[] = {
        {"crypto_clienthello", "ClientHello (1)"},
        {"crypto_serverhello", "ServerHello (2)"},
        {"crypto_extensions", "EncryptedExtensions (8)"},
        {"crypto_cert", "Certificate (11)"},
        {"crypto_certverify", "CertificateVerify (15)"},
        {"crypto_s_finished", "server Finished (20)"},
        {"crypto_c_finished", "client Finished (20)"},
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        char rel[96], want[600];
        size_t len;
        snprintf(rel, sizeof rel, "illustrated-quic/%s", msgs[i].file);
        uint8_t *m = tu_read_vector(rel, &len);
        snprintf(want, sizeof want, "%s, %zu bytes", msgs[i].name, len - 4);
        expect(want);
        if (m[0] == 20) { /* Finished: the whole verify_data */
            char hex[200];
            hex_of(m + 4, len - 4, hex);
            snprintf(want, sizeof want, "verify_data %s", hex);
            expect(want);
        }
        free(m);
    }
    /* every extension of the ClientHello, by name */
    expect("extension server_name (0)");
    expect("extension supported_groups (10)");
    expect("extension application_layer_protocol_negotiation (16)");
    expect("extension signature_algorithms (13)");
    expect("extension key_share (51)");
    expect("extension psk_key_exchange_modes (45)");
    expect("extension supported_versions (43)");
    expect("extension quic_transport_parameters (57)");
    expect("initial_source_connection_id (0xf) = 635f636964");
    expect("original_destination_connection_id (0x0) = 0001020304050607");
    expect("algorithm rsa_pss_rsae_sha256 (0x0804)");
    expect("certificate 1: ");
}

/* Each item names its RFC section. */
static void test_items_cite_rfc_sections(void **state)
{
    (void)state;
    expect("[RFC 9000 §19.6 CRYPTO]");
    expect("[RFC 9000 §19.8 STREAM]");
    expect("[RFC 9000 §17.2.2 Initial]");
    expect("[RFC 9001 §5.2]");
    expect("[RFC 8446 §4.1.2 ClientHello]");
}

/* Without the key log only the Initial packets decrypt; the rest are
 * counted and reported, and the walk goes on. */
static void test_without_keylog_rest_is_counted_not_fatal(void **state)
{
    (void)state;
    app_decode_stats st;
    char *out = decode(false, NULL, &st);
    assert_int_equal(st.packets, 12);
    assert_int_equal(st.decrypted, 3);
    assert_int_equal(st.undecryptable, 9);
    assert_non_null(strstr(out, "cannot decrypt: the key log has no secret for this connection"));
    assert_non_null(strstr(out, "9 undecryptable"));
    free(out);
}

/* --json: one object per datagram and a summary, each line one JSON object. */
static void test_json_lines_one_object_per_datagram(void **state)
{
    (void)state;
    app_decode_stats st;
    char *out = decode(true, "illustrated-quic/keylog.txt", &st);
    size_t lines = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        size_t n = strlen(line);
        assert_true(n > 2 && line[0] == '{' && line[n - 1] == '}');
        lines++;
        if (lines <= 8) {
            char want[32];
            snprintf(want, sizeof want, "{\"datagram\":%zu,", lines);
            assert_true(!strncmp(line, want, strlen(want)));
        } else {
            assert_non_null(strstr(line, "\"undecryptable\":0"));
        }
    }
    assert_int_equal(lines, 9);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_packet_decrypts),
        cmocka_unit_test(test_readme_key_table_appears),
        cmocka_unit_test(test_keylog_secrets_appear),
        cmocka_unit_test(test_connection_facts_appear),
        cmocka_unit_test(test_tls_messages_appear),
        cmocka_unit_test(test_items_cite_rfc_sections),
        cmocka_unit_test(test_without_keylog_rest_is_counted_not_fatal),
        cmocka_unit_test(test_json_lines_one_object_per_datagram),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
