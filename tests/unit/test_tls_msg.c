/* TLS message and extension codec rules (RFC 8446 §4.1-§4.4, §4.2 table):
 * each malformed or misplaced item gives its own error. Hand-made messages;
 * the real ones are exercised by tests/vectors/test_iq_tls.c. */
#include "common/tu.h"
#include "crypto/tls_msg.h"

#include <stdio.h>
#include <string.h>

/* A ServerHello body with the given extension block. */
static size_t sh_with(const char *ext_hex, uint8_t *out)
{
    uint8_t ext[256];
    size_t n = tu_hex(ext_hex, ext, sizeof ext), off = 0;
    out[off++] = 3;
    out[off++] = 3;
    memset(out + off, 0x11, 32);
    off += 32;
    out[off++] = 0; /* session id */
    out[off++] = 0x13;
    out[off++] = 0x01;
    out[off++] = 0; /* compression */
    qb_put_u16(out + off, (uint16_t)n);
    off += 2;
    memcpy(out + off, ext, n);
    return off + n;
}

static void test_server_hello_rules(void **state)
{
    (void)state;
    uint8_t b[512];
    tls_sh sh;
    size_t n = sh_with("002b00020304 0033002400 1d0020" "0000000000000000000000000000000000000000000000000000000000000001", b);
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    assert_false(sh.hrr);
    /* supported_versions in a ServerHello is one u16, not a list */
    n = sh_with("002b0003020304", b);
    assert_int_equal(tls_sh_decode(b, n, &sh), TLS_ERR_DECODE);
    /* signature_algorithms is not allowed in a ServerHello */
    n = sh_with("000d000400020403", b);
    assert_int_equal(tls_sh_decode(b, n, &sh), TLS_ERR_ILLEGAL);
    /* the same extension twice */
    n = sh_with("002b00020304 002b00020304", b);
    assert_int_equal(tls_sh_decode(b, n, &sh), TLS_ERR_ILLEGAL);
    /* an extension length past the block */
    n = sh_with("002b00050304", b);
    assert_int_equal(tls_sh_decode(b, n, &sh), TLS_ERR_DECODE);
    /* a key share with an empty key */
    n = sh_with("00330004001d0000", b);
    assert_int_equal(tls_sh_decode(b, n, &sh), TLS_ERR_DECODE);
    /* unknown extensions are counted, not refused (the client refuses them) */
    n = sh_with("fafa0000 002b00020304", b);
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    assert_int_equal(sh.ext.unknown, 1);
    /* trailing bytes after the extensions */
    n = sh_with("002b00020304", b);
    b[n++] = 0;
    assert_int_equal(tls_sh_decode(b, n, &sh), TLS_ERR_DECODE);
    /* a HelloRetryRequest carries a bare group in key_share */
    n = sh_with("002b00020304 003300020017", b);
    memcpy(b + 2, TLS_HRR_RANDOM, 32);
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    assert_true(sh.hrr);
    assert_int_equal(qb_get_u16(sh.ext.val[TLS_X_KEY_SHARE].p), 0x0017);
    /* truncated anywhere */
    n = sh_with("002b00020304", b);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(tls_sh_decode(b, i, &sh), TLS_ERR_DECODE);
}

/* A ClientHello body around an extension block. */
static size_t ch_with(const char *ext_hex, uint8_t *out)
{
    uint8_t ext[1024];
    size_t n = tu_hex(ext_hex, ext, sizeof ext), off = 0;
    out[off++] = 3;
    out[off++] = 3;
    memset(out + off, 0x22, 32);
    off += 32;
    out[off++] = 0;
    out[off++] = 0;
    out[off++] = 2;
    out[off++] = 0x13;
    out[off++] = 0x01;
    out[off++] = 1;
    out[off++] = 0;
    qb_put_u16(out + off, (uint16_t)n);
    off += 2;
    memcpy(out + off, ext, n);
    return off + n;
}

static void test_client_hello_rules(void **state)
{
    (void)state;
    uint8_t b[1024];
    tls_ch ch;
    tls_bytes host;
    size_t n = ch_with("0000000e000c0000096c6f63616c686f7374" /* SNI localhost */
                       "0010000500030268 33"                  /* ALPN h3 */
                       "002b0003020304", b);
    assert_int_equal(tls_ch_decode(b, n, &ch), 0);
    assert_int_equal(tls_sni_host(ch.ext.val[TLS_X_SERVER_NAME], &host), 1);
    assert_int_equal(host.len, 9);
    /* an empty ALPN protocol name */
    n = ch_with("001000050003000268", b);
    assert_int_equal(tls_ch_decode(b, n, &ch), TLS_ERR_DECODE);
    /* an odd-length group list */
    n = ch_with("000a0005000300 1d00", b);
    assert_int_equal(tls_ch_decode(b, n, &ch), TLS_ERR_DECODE);
    /* pre_shared_key not last (§4.2.11) */
    n = ch_with("00290000 002b0003020304", b);
    assert_int_equal(tls_ch_decode(b, n, &ch), TLS_ERR_ILLEGAL);
    /* an empty key_share list is legal (it asks for a HelloRetryRequest) */
    n = ch_with("003300020000", b);
    assert_int_equal(tls_ch_decode(b, n, &ch), 0);
    /* a session id over 32 bytes */
    n = ch_with("", b);
    b[34] = 33;
    assert_int_equal(tls_ch_decode(b, n, &ch), TLS_ERR_DECODE);
    /* more than TLS_MAX_EXTENSIONS extensions */
    char many[1200] = "";
    for (int i = 0; i < TLS_MAX_EXTENSIONS + 1; i++)
        sprintf(many + strlen(many), "%04x0000", 0x1000 + i);
    uint8_t big[2048];
    n = ch_with(many, big);
    assert_int_equal(tls_ch_decode(big, n, &ch), TLS_ERR_DECODE);
}

static void test_other_messages(void **state)
{
    (void)state;
    uint8_t b[64];
    tls_ee ee;
    tls_cert cert;
    tls_cv cv;
    tls_fin fin;
    tls_nst nst;
    /* EncryptedExtensions: key_share is not allowed there */
    size_t n = tu_hex("0006 00330002001d", b, sizeof b);
    assert_int_equal(tls_ee_decode(b, n, &ee), TLS_ERR_ILLEGAL);
    n = tu_hex("0004 00000000", b, sizeof b); /* empty server_name ack */
    assert_int_equal(tls_ee_decode(b, n, &ee), 0);
    /* Certificate: an entry of zero length; an entry past the list */
    n = tu_hex("00 000005 000000 0000", b, sizeof b);
    assert_int_equal(tls_cert_decode(b, n, &cert), TLS_ERR_DECODE);
    n = tu_hex("00 000006 000002aa 0000", b, sizeof b);
    assert_int_equal(tls_cert_decode(b, n, &cert), TLS_ERR_DECODE);
    n = tu_hex("00 000006 000001aa 0000", b, sizeof b);
    assert_int_equal(tls_cert_decode(b, n, &cert), 0);
    /* CertificateVerify: empty signature */
    n = tu_hex("0403 0000", b, sizeof b);
    assert_int_equal(tls_cv_decode(b, n, &cv), TLS_ERR_DECODE);
    /* Finished: empty */
    assert_int_equal(tls_fin_decode(b, 0, &fin), TLS_ERR_DECODE);
    /* NewSessionTicket: empty ticket */
    n = tu_hex("00001c20 01020304 00 0000 0000", b, sizeof b);
    assert_int_equal(tls_nst_decode(b, n, &nst), TLS_ERR_DECODE);
    n = tu_hex("00001c20 01020304 00 0001aa 0000", b, sizeof b);
    assert_int_equal(tls_nst_decode(b, n, &nst), 0);
    /* a handshake header longer than the input */
    qb_rd r;
    tls_msg m;
    n = tu_hex("14000005 0102", b, sizeof b);
    qb_rd_init(&r, b, n);
    assert_int_equal(tls_msg_decode(&r, &m), TLS_ERR_DECODE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_hello_rules),
        cmocka_unit_test(test_client_hello_rules),
        cmocka_unit_test(test_other_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
