/* quince decode on a capture of quince itself: `quince demo` (a server and a
 * client over loopback) with --pcap and --keylog, with and without Retry;
 * every packet must decrypt and the HTTP/3 exchange must be explained. */
#include "common/tu.h"
#include "app/app_cli.h"
#include "app/app_decode.h"
#include "app/app_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *run_and_decode(bool retry, app_decode_stats *st)
{
    char pcap[] = "/tmp/quince-test-decode-XXXXXX", keys[] = "/tmp/quince-test-keys-XXXXXX";
    int fd = mkstemp(pcap);
    assert_true(fd >= 0);
    close(fd);
    fd = mkstemp(keys);
    assert_true(fd >= 0);
    close(fd);
    app_opts o;
    char *argv[] = {"quince", "demo", "--pcap", pcap, "--keylog", keys, "--count", "4"};
    assert_int_equal(app_cli_parse(8, argv, &o, stderr), 0);
    o.retry = retry; /* the demo's server takes the server options */
    assert_int_equal(app_run_demo(&o), 0);
    size_t cap_len, kl_len;
    uint8_t *cap = tu_read_file(pcap, &cap_len);
    char *kl = (char *)tu_read_file(keys, &kl_len);
    unlink(pcap);
    unlink(keys);
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    assert_int_equal(app_decode_buf(cap, cap_len, kl, kl_len, false, f, stderr, st), 0);
    fclose(f);
    free(cap);
    free(kl);
    return out;
}

static void expect(const char *out, const char *s)
{
    if (!strstr(out, s)) {
        fprintf(stderr, "missing in the decode output: %s\n", s);
        fail();
    }
}

static void test_demo_capture_decodes_with_zero_undecryptable(void **state)
{
    (void)state;
    app_decode_stats st;
    char *out = run_and_decode(false, &st);
    assert_int_equal(st.flows, 1);
    assert_true(st.packets > 10);
    assert_int_equal(st.undecryptable, 0);
    assert_int_equal(st.decrypted, st.packets);
    expect(out, "protocol \"h3\"");
    expect(out, "stream type 0x0: control stream");
    expect(out, "SETTINGS_H3_DATAGRAM (0x33) = 1");
    expect(out, "HTTP/3 HEADERS (0x1)");
    expect(out, "\":path\": \"/ping-pong\" (literal with the name of static entry 1; value Huffman-coded");
    expect(out, "\":method\": \"GET\" (indexed field line, static table entry 17)");
    expect(out, "\":status\": \"200\"");
    expect(out, "HTTP datagram: Quarter Stream ID 0 (request stream 0)");
    expect(out, "ping-pong counter (8 bytes, big-endian) = 4");
    expect(out, "client Finished (20)");
    free(out);
}

static void test_demo_capture_with_retry_shows_retry_and_decodes(void **state)
{
    (void)state;
    app_decode_stats st;
    char *out = run_and_decode(true, &st);
    assert_int_equal(st.undecryptable, 0);
    assert_int_equal(st.decrypted + 1, st.packets); /* the Retry has no payload to decrypt */
    expect(out, "Retry packet");
    expect(out, "verifies over the client's original DCID");
    expect(out, "(after Retry)");
    expect(out, "ping-pong counter (8 bytes, big-endian) = 4");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_capture_decodes_with_zero_undecryptable),
        cmocka_unit_test(test_demo_capture_with_retry_shows_retry_and_decodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
