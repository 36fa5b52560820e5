/* X.509 wrappers: PEM chains and keys loaded from files written at test time
 * into a temporary directory, trust from a CA file and from the system store,
 * verification results (ok, name, IP, expired, not yet valid, unknown CA,
 * garbage), certificate generation (SANs, validity, key types). */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[64];
static char *ca_cert, *ca_key, *leaf_cert, *leaf_key, *rogue_key;
static int64_t now;

static void write_file(const char *name, const char *a, const char *b)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(a, f);
    if (b)
        fputs(b, f);
    fclose(f);
}

static const char *path_of(const char *name)
{
    static char path[2][128]; /* two live at once: chain and key */
    static int i;
    i ^= 1;
    snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
    return path[i];
}

static int setup(void **state)
{
    (void)state;
    size_t l1, l2;
    char *rc;
    now = time(NULL);
    strcpy(dir, "/tmp/quince-x509-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    cx_certgen_opts ca = {.common_name = "x509 test CA", .now = now, .not_before_offset = -60,
                          .is_ca = true, .days = 30};
    cx_certgen_opts leaf = {.host = "example.test", .now = now, .not_before_offset = -60};
    cx_certgen_opts rogue = {.now = now};
    if (cx_certgen(&ca, NULL, &ca_cert, &l1, &ca_key, &l2))
        return -1;
    leaf.issuer_cert_pem = ca_cert;
    leaf.issuer_key_pem = ca_key;
    if (cx_certgen(&leaf, NULL, &leaf_cert, &l1, &leaf_key, &l2) ||
        cx_certgen(&rogue, NULL, &rc, &l1, &rogue_key, &l2))
        return -1;
    qb_free(NULL, rc);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    const char *files[] = {"ca.pem", "chain.pem", "leaf.key", "rogue.key", "garbage.pem"};
    for (size_t i = 0; i < 5; i++)
        unlink(path_of(files[i]));
    rmdir(dir);
    qb_free(NULL, ca_cert);
    qb_free(NULL, ca_key);
    qb_free(NULL, leaf_cert);
    qb_free(NULL, leaf_key);
    qb_free(NULL, rogue_key);
    return 0;
}

static int verify(const cx_x509_trust *t, const cx_x509_chain *ch, const char *host, int64_t at,
                  const char **why)
{
    const uint8_t *der[CX_X509_MAX_CHAIN];
    size_t len[CX_X509_MAX_CHAIN], n = cx_x509_chain_count(ch);
    for (size_t i = 0; i < n; i++)
        cx_x509_chain_cert(ch, i, &der[i], &len[i]);
    return cx_x509_verify(t, der, len, n, host, at, NULL, why);
}

static void test_files(void **state)
{
    (void)state;
    cx_x509_chain *ch;
    cx_x509_trust *t, *sys;
    const char *why;
    write_file("ca.pem", ca_cert, NULL);
    write_file("chain.pem", leaf_cert, ca_cert);
    write_file("leaf.key", leaf_key, NULL);
    write_file("rogue.key", rogue_key, NULL);
    write_file("garbage.pem", "not a certificate\n", NULL);

    assert_int_equal(cx_x509_chain_load_pem(path_of("chain.pem"), path_of("leaf.key"), NULL, &ch), 0);
    assert_int_equal(cx_x509_chain_count(ch), 2);
    assert_non_null(cx_x509_chain_key(ch));
    assert_int_equal(cx_x509_trust_new(path_of("ca.pem"), &t), 0);

    assert_int_equal(verify(t, ch, "example.test", 0, &why), 0);
    assert_int_equal(verify(t, ch, "localhost", 0, &why), 0);
    assert_int_equal(verify(t, ch, "127.0.0.1", 0, &why), 0);
    assert_int_equal(verify(t, ch, "::1", 0, &why), 0);
    assert_int_equal(verify(t, ch, NULL, 0, &why), 0);
    assert_int_equal(verify(t, ch, "other.test", 0, &why), CX_X509_ERR_NAME);
    assert_non_null(why);
    assert_int_equal(verify(t, ch, "10.0.0.1", 0, &why), CX_X509_ERR_NAME);
    assert_int_equal(verify(t, ch, "example.test", now + 15 * 86400, &why), CX_X509_ERR_EXPIRED);
    assert_int_equal(verify(t, ch, "example.test", now - 86400, &why), CX_X509_ERR_EXPIRED);

    /* the system store does not know our CA */
    assert_int_equal(cx_x509_trust_new(NULL, &sys), 0);
    assert_int_equal(verify(sys, ch, "example.test", 0, &why), CX_X509_ERR_UNKNOWN_CA);
    cx_x509_trust_free(sys);

    /* a key that is not the leaf's, missing files, garbage */
    cx_x509_chain *bad;
    assert_int_equal(cx_x509_chain_load_pem(path_of("chain.pem"), path_of("rogue.key"), NULL, &bad),
                     CX_X509_ERR_KEY);
    assert_null(bad);
    assert_int_equal(cx_x509_chain_load_pem(path_of("nope.pem"), path_of("leaf.key"), NULL, &bad),
                     CX_X509_ERR_LOAD);
    assert_int_equal(cx_x509_chain_load_pem(path_of("garbage.pem"), path_of("leaf.key"), NULL, &bad),
                     CX_X509_ERR_LOAD);
    assert_int_equal(cx_x509_trust_new(path_of("nope.pem"), &sys), CX_X509_ERR_LOAD);

    /* DER that does not parse, a chain that is too long, an empty one */
    const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01};
    const uint8_t *d[CX_X509_MAX_CHAIN + 1] = {junk};
    size_t l[CX_X509_MAX_CHAIN + 1] = {sizeof junk};
    assert_int_equal(cx_x509_verify(t, d, l, 1, NULL, 0, NULL, &why), CX_X509_ERR_PARSE);
    assert_int_equal(cx_x509_verify(t, d, l, CX_X509_MAX_CHAIN + 1, NULL, 0, NULL, &why),
                     CX_X509_ERR_TOO_MANY);
    assert_int_equal(cx_x509_verify(t, d, l, 0, NULL, 0, NULL, &why), CX_X509_ERR_PARSE);

    /* the leaf's public key comes back */
    const uint8_t *der0;
    size_t len0;
    cx_pkey *pub;
    cx_x509_chain_cert(ch, 0, &der0, &len0);
    assert_int_equal(cx_x509_verify(t, &der0, &len0, 1, "localhost", 0, &pub, &why), 0);
    assert_true(cx_sig_scheme_fits(CX_SIG_ECDSA_SECP256R1_SHA256, pub));
    cx_pkey_free(pub);

    cx_x509_trust_free(t);
    cx_x509_chain_free(ch);
}

/* A self-signed certificate from certgen verifies as its own anchor with the
 * SANs of the task: localhost, 127.0.0.1, ::1 and the given host. */
static void test_self_signed(void **state)
{
    (void)state;
    char *c, *k;
    size_t cl, kl;
    cx_x509_chain *ch;
    cx_x509_trust *t;
    const char *why;
    cx_certgen_opts o = {.host = "192.0.2.7", .now = now};
    assert_int_equal(cx_certgen(&o, NULL, &c, &cl, &k, &kl), 0);
    assert_non_null(strstr(c, "BEGIN CERTIFICATE"));
    assert_non_null(strstr(k, "PRIVATE KEY"));
    assert_int_equal(cx_x509_chain_from_pem(c, cl, k, kl, NULL, &ch), 0);
    assert_int_equal(cx_x509_trust_from_pem(c, cl, &t), 0);
    assert_int_equal(verify(t, ch, "192.0.2.7", 0, &why), 0);
    assert_int_equal(verify(t, ch, "localhost", 0, &why), 0);
    assert_int_equal(verify(t, ch, "::1", 0, &why), 0);
    assert_int_equal(verify(t, ch, "192.0.2.8", 0, &why), CX_X509_ERR_NAME);
    /* 14 days by default */
    assert_int_equal(verify(t, ch, "localhost", now + 13 * 86400, &why), 0);
    assert_int_equal(verify(t, ch, "localhost", now + 15 * 86400, &why), CX_X509_ERR_EXPIRED);
    cx_x509_trust_free(t);
    cx_x509_chain_free(ch);
    qb_free(NULL, c);
    qb_free(NULL, k);
    /* issuer given by half is an error */
    cx_certgen_opts half = {.now = now, .issuer_cert_pem = ca_cert};
    assert_int_equal(cx_certgen(&half, NULL, &c, &cl, &k, &kl), CX_CERTGEN_ERR_ARG);
}

/* RFC 9525 §6.3, §6.4, table-driven: the reference identifier (the client's
 * server name) against the presented ones (subjectAltName). DNS-IDs match
 * label by label, case-insensitively; a wildcard only as the whole left-most
 * label and for exactly one label; never a partial-label wildcard; never the
 * subject CN; an IP address only an iPAddress entry, octet for octet. */
static void test_name_matching_rfc9525(void **state)
{
    (void)state;
    static const struct {
        const char *san, *cn, *host;
        int ok;
    } cases[] = {
        {"DNS:www.example.com", NULL, "www.example.com", 1},
        {"DNS:www.example.com", NULL, "WWW.Example.COM", 1},
        {"DNS:WWW.EXAMPLE.COM", NULL, "www.example.com", 1},
        {"DNS:www.example.com", NULL, "example.com", 0},
        {"DNS:www.example.com", NULL, "www.example.com.evil", 0},
        {"DNS:www.example.com", NULL, "wwww.example.com", 0},
        {"DNS:other.example,DNS:www.example.com", NULL, "www.example.com", 1},
        /* wildcards: the complete left-most label, one label */
        {"DNS:*.example.com", NULL, "a.example.com", 1},
        {"DNS:*.example.com", NULL, "A-1.EXAMPLE.com", 1},
        {"DNS:*.example.com", NULL, "example.com", 0},
        {"DNS:*.example.com", NULL, "a.b.example.com", 0},
        {"DNS:*.example.com", NULL, ".example.com", 0},
        {"DNS:*.*.example.com", NULL, "a.b.example.com", 0},
        {"DNS:a.*.example.com", NULL, "a.b.example.com", 0},
        {"DNS:*", NULL, "example", 0},
        {"DNS:*.test", NULL, "example.test", 0}, /* §7.2: not a whole top-level domain */
        /* partial-label wildcards never match */
        {"DNS:f*.example.com", NULL, "foo.example.com", 0},
        {"DNS:f*.example.com", NULL, "f.example.com", 0},
        {"DNS:*o.example.com", NULL, "foo.example.com", 0},
        {"DNS:f*o.example.com", NULL, "foo.example.com", 0},
        {"DNS:**.example.com", NULL, "foo.example.com", 0},
        /* no CN-ID: not as a fallback without DNS-IDs, not beside them */
        {"IP:192.0.2.1", "www.example.com", "www.example.com", 0},
        {"", "www.example.com", "www.example.com", 0},
        {"DNS:other.example", "www.example.com", "www.example.com", 0},
        {"", "*.example.com", "a.example.com", 0},
        /* IP-IDs: iPAddress entries only, any spelling of the same octets */
        {"IP:192.0.2.1", NULL, "192.0.2.1", 1},
        {"IP:192.0.2.1", NULL, "192.0.2.10", 0},
        {"IP:192.0.2.1", NULL, "192.0.2.0", 0},
        {"DNS:192.0.2.1", NULL, "192.0.2.1", 0},
        {"", "192.0.2.1", "192.0.2.1", 0},
        {"IP:2001:db8::1", NULL, "2001:db8::1", 1},
        {"IP:2001:db8::1", NULL, "2001:0db8:0:0:0:0:0:1", 1},
        {"IP:2001:db8::1", NULL, "2001:DB8::1", 1},
        {"IP:2001:db8::1", NULL, "2001:db8::2", 0},
        {"IP:::ffff:192.0.2.1", NULL, "192.0.2.1", 0},
        {"DNS:*.example.com", NULL, "192.0.2.1", 0},
    };
    int wrong = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *c, *k;
        size_t cl, kl;
        cx_x509_chain *ch;
        cx_x509_trust *t;
        const char *why = NULL;
        cx_certgen_opts o = {.san = cases[i].san, .common_name = cases[i].cn ? cases[i].cn : "n/a",
                             .now = now, .not_before_offset = -60};
        assert_int_equal(cx_certgen(&o, NULL, &c, &cl, &k, &kl), 0);
        assert_int_equal(cx_x509_chain_from_pem(c, cl, k, kl, NULL, &ch), 0);
        assert_int_equal(cx_x509_trust_from_pem(c, cl, &t), 0);
        int rc = verify(t, ch, cases[i].host, 0, &why);
        if (rc != (cases[i].ok ? 0 : CX_X509_ERR_NAME) && ++wrong)
            print_message("case %zu: SAN '%s' CN '%s' host '%s': rc %d (%s), want %s\n", i,
                     cases[i].san, cases[i].cn ? cases[i].cn : "-", cases[i].host, rc,
                     why ? why : "-", cases[i].ok ? "a match" : "no match");
        cx_x509_trust_free(t);
        cx_x509_chain_free(ch);
        qb_free(NULL, c);
        qb_free(NULL, k);
    }
    assert_int_equal(wrong, 0);
}

/* RFC 8446 §4.4.2.2, §4.4.2.3: a leaf with keyUsage must allow
 * digitalSignature, whatever libcrypto's TLS purposes accept. */
static void test_key_usage_digital_signature(void **state)
{
    (void)state;
    /* rc[server, client]; what the purposes refuse already is INVALID */
    static const struct {
        const char *ku;
        int rc[2];
    } cases[] = {
        {"critical,keyEncipherment", {CX_X509_ERR_KEY_USAGE, CX_X509_ERR_INVALID}},
        {"critical,keyAgreement", {CX_X509_ERR_KEY_USAGE, CX_X509_ERR_KEY_USAGE}},
        {"keyEncipherment,keyAgreement", {CX_X509_ERR_KEY_USAGE, CX_X509_ERR_KEY_USAGE}},
        {"nonRepudiation", {CX_X509_ERR_INVALID, CX_X509_ERR_INVALID}},
        {"critical,digitalSignature", {0, 0}},
        {"digitalSignature,keyAgreement", {0, 0}},
        {"", {0, 0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int client = 0; client < 2; client++) {
            char *c, *k;
            size_t cl, kl;
            cx_x509_chain *ch;
            const uint8_t *der;
            size_t len;
            const char *why = NULL;
            cx_certgen_opts o = {.host = "example.test", .now = now, .not_before_offset = -60,
                                 .key_usage = cases[i].ku, .client = client,
                                 .issuer_cert_pem = ca_cert, .issuer_key_pem = ca_key};
            cx_x509_trust *t;
            assert_int_equal(cx_certgen(&o, NULL, &c, &cl, &k, &kl), 0);
            assert_int_equal(cx_x509_chain_from_pem(c, cl, k, kl, NULL, &ch), 0);
            assert_int_equal(cx_x509_trust_from_pem(ca_cert, strlen(ca_cert), &t), 0);
            cx_x509_chain_cert(ch, 0, &der, &len);
            int rc = client ? cx_x509_verify_client(t, &der, &len, 1, 0, NULL, &why)
                            : cx_x509_verify(t, &der, &len, 1, "example.test", 0, NULL, &why);
            if (rc != cases[i].rc[client])
                fail_msg("keyUsage '%s' %s: rc %d (%s)", cases[i].ku, client ? "client" : "server",
                         rc, why ? why : "-");
            cx_x509_trust_free(t);
            cx_x509_chain_free(ch);
            qb_free(NULL, c);
            qb_free(NULL, k);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_self_signed),
        cmocka_unit_test(test_name_matching_rfc9525),
        cmocka_unit_test(test_key_usage_digital_signature),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
