/* The TLS 1.3 handshake of "The Illustrated QUIC Connection" (README in
 * illustrated-quic/), checked against bytes and secrets no one here produced:
 * every crypto_* message parses (and re-encodes), the x25519 exchange and
 * the key schedule reproduce keylog.txt, the CertificateVerify verifies
 * against server.crt, both Finished values match, and a server of ours fed
 * the captured ClientHello derives the same handshake secrets. */
#include "common/tu.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_sig.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_keysched.h"
#include "crypto/tls_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IQ "illustrated-quic/"

typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

static blob vec(const char *name)
{
    char rel[128];
    blob b;
    snprintf(rel, sizeof rel, IQ "%s", name);
    b.p = tu_read_vector(rel, &b.n);
    return b;
}

/* The secret of keylog.txt for label. */
static size_t keylog(const char *label, uint8_t *out)
{
    blob k = vec("keylog.txt");
    char line[512], name[64], cr[128], sec[200];
    size_t n = 0;
    FILE *f = fmemopen(k.p, k.n, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%63s %127s %199s", name, cr, sec) == 3 && strcmp(name, label) == 0)
            n = tu_hex(sec, out, 64);
    }
    fclose(f);
    free(k.p);
    assert_true(n > 0);
    return n;
}

/* Body of a whole captured message, with type check. */
static tls_msg msg_of(blob b, uint8_t type)
{
    qb_rd r;
    tls_msg m;
    qb_rd_init(&r, b.p, b.n);
    assert_int_equal(tls_msg_decode(&r, &m), 0);
    assert_int_equal(qb_rd_left(&r), 0);
    assert_int_equal(m.type, type);
    return m;
}

static void test_parse_clienthello(void **state)
{
    (void)state;
    blob b = vec("crypto_clienthello");
    tls_msg m = msg_of(b, TLS_HS_CLIENT_HELLO);
    tls_ch ch;
    tls_bytes host, key;
    assert_int_equal(tls_ch_decode(m.body.p, m.body.len, &ch), 0);
    assert_int_equal(ch.legacy_version, 0x0303);
    for (int i = 0; i < 32; i++)
        assert_int_equal(ch.random[i], i);
    assert_int_equal(ch.session_id.len, 0); /* RFC 9001 §8.4 */
    assert_int_equal(tls_u16_list_count(ch.suites), 3);
    assert_int_equal(tls_u16_list_at(ch.suites, 0), TLS_AES_128_GCM_SHA256);
    assert_int_equal(ch.compression.len, 1);
    assert_int_equal(tls_sni_host(ch.ext.val[TLS_X_SERVER_NAME], &host), 1);
    assert_int_equal(host.len, strlen("example.ulfheim.net"));
    assert_memory_equal(host.p, "example.ulfheim.net", host.len);
    assert_true(tls_u16_list_has(ch.ext.val[TLS_X_GROUPS], CX_GROUP_X25519));
    assert_true(tls_u16_list_has(ch.ext.val[TLS_X_VERSIONS], TLS_VERSION_13));
    assert_true(tls_u16_list_has(ch.ext.val[TLS_X_SIGALGS], CX_SIG_RSA_PSS_RSAE_SHA256));
    assert_int_equal(ch.ext.val[TLS_X_ALPN].len, 9);
    assert_memory_equal(ch.ext.val[TLS_X_ALPN].p, "\x08ping/1.0", 9);
    assert_int_equal(tls_key_share_find(ch.ext.val[TLS_X_KEY_SHARE], CX_GROUP_X25519, &key), 1);
    assert_int_equal(key.len, 32);
    assert_true(tls_exts_has(&ch.ext, TLS_X_TP));
    assert_int_equal(ch.ext.val[TLS_X_TP].len, 49);
    assert_true(tls_exts_has(&ch.ext, TLS_X_PSK_MODES));
    assert_int_equal(ch.ext.unknown, 0);

    /* Re-encoding (our extension order differs) decodes to the same values. */
    uint8_t out[512];
    qb_wr w;
    tls_ch ch2;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(tls_ch_encode(&w, &ch), 0);
    assert_int_equal(w.off, b.n);
    tls_msg m2;
    qb_rd r;
    qb_rd_init(&r, out, w.off);
    assert_int_equal(tls_msg_decode(&r, &m2), 0);
    assert_int_equal(tls_ch_decode(m2.body.p, m2.body.len, &ch2), 0);
    assert_int_equal(ch2.ext.present, ch.ext.present);
    for (int x = 0; x < TLS_X_COUNT; x++) {
        assert_int_equal(ch2.ext.val[x].len, ch.ext.val[x].len);
        if (ch.ext.val[x].len)
            assert_memory_equal(ch2.ext.val[x].p, ch.ext.val[x].p, ch.ext.val[x].len);
    }
    free(b.p);
}

/* Decode and re-encode must give the captured bytes back exactly. */
static void test_parse_server_flight(void **state)
{
    (void)state;
    uint8_t out[2048];
    qb_wr w;

    blob b = vec("crypto_serverhello");
    tls_msg m = msg_of(b, TLS_HS_SERVER_HELLO);
    tls_sh sh;
    uint16_t g;
    tls_bytes key;
    assert_int_equal(tls_sh_decode(m.body.p, m.body.len, &sh), 0);
    assert_false(sh.hrr);
    assert_int_equal(sh.suite, TLS_AES_128_GCM_SHA256);
    assert_int_equal(sh.random[0], 0x70);
    assert_int_equal(qb_get_u16(sh.ext.val[TLS_X_VERSIONS].p), TLS_VERSION_13);
    assert_int_equal(tls_key_share_one(sh.ext.val[TLS_X_KEY_SHARE], &g, &key), 0);
    assert_int_equal(g, CX_GROUP_X25519);
    assert_int_equal(key.len, 32);
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(tls_sh_encode(&w, &sh), 0);
    assert_int_equal(w.off, b.n);
    assert_memory_equal(out, b.p, b.n);
    free(b.p);

    b = vec("crypto_extensions");
    m = msg_of(b, TLS_HS_ENCRYPTED_EXTENSIONS);
    tls_ee ee;
    assert_int_equal(tls_ee_decode(m.body.p, m.body.len, &ee), 0);
    assert_memory_equal(ee.ext.val[TLS_X_ALPN].p, "\x08ping/1.0", 9);
    assert_true(tls_exts_has(&ee.ext, TLS_X_TP));
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(tls_ee_encode(&w, &ee), 0);
    assert_int_equal(w.off, b.n);
    assert_memory_equal(out, b.p, b.n);
    free(b.p);

    b = vec("crypto_cert");
    m = msg_of(b, TLS_HS_CERTIFICATE);
    tls_cert cert;
    tls_bytes der, exts;
    qb_rd r;
    assert_int_equal(tls_cert_decode(m.body.p, m.body.len, &cert), 0);
    assert_int_equal(cert.context.len, 0);
    qb_rd_init(&r, cert.list.p, cert.list.len);
    assert_int_equal(tls_cert_next(&r, &der, &exts), 1);
    cx_pkey *pub = NULL;
    assert_int_equal(cx_pkey_from_cert_der(der.p, der.len, &pub), 0);
    cx_pkey_free(pub);
    assert_int_equal(tls_cert_next(&r, &der, &exts), 0);
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(tls_cert_encode_raw(&w, &cert), 0);
    assert_memory_equal(out, b.p, b.n);
    free(b.p);

    b = vec("crypto_certverify");
    m = msg_of(b, TLS_HS_CERTIFICATE_VERIFY);
    tls_cv cv;
    assert_int_equal(tls_cv_decode(m.body.p, m.body.len, &cv), 0);
    assert_int_equal(cv.scheme, CX_SIG_RSA_PSS_RSAE_SHA256);
    assert_int_equal(cv.sig.len, 256);
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(tls_cv_encode(&w, &cv), 0);
    assert_memory_equal(out, b.p, b.n);
    free(b.p);

    const char *fins[] = {"crypto_s_finished", "crypto_c_finished"};
    for (int i = 0; i < 2; i++) {
        b = vec(fins[i]);
        m = msg_of(b, TLS_HS_FINISHED);
        tls_fin fin;
        assert_int_equal(tls_fin_decode(m.body.p, m.body.len, &fin), 0);
        assert_int_equal(fin.verify_data.len, 32);
        qb_wr_init(&w, out, sizeof out);
        assert_int_equal(tls_fin_encode(&w, &fin), 0);
        assert_memory_equal(out, b.p, b.n);
        free(b.p);
    }
}

static cx_kex *load_kex(const char *name)
{
    blob b = vec(name);
    cx_kex *k = NULL;
    assert_int_equal(cx_kex_from_pem((const char *)b.p, b.n, &k), 0);
    free(b.p);
    return k;
}

static void add(tls_transcript *t, const char *name)
{
    blob b = vec(name);
    assert_int_equal(tls_transcript_add(t, b.p, b.n), 0);
    free(b.p);
}

/* x25519 both ways, the whole key schedule, CertificateVerify and Finished. */
static void test_key_schedule(void **state)
{
    (void)state;
    cx_kex *ck = load_kex("client-ephemeral-private.key");
    cx_kex *sk = load_kex("server-ephemeral-private.key");
    uint8_t cpub[65], spub[65], s1[32], s2[32], th[48], want[64], got[48];
    size_t n1, n2, l;
    assert_int_equal(cx_kex_public(ck, cpub, sizeof cpub, &l), 0);
    assert_int_equal(l, 32);
    assert_int_equal(cx_kex_public(sk, spub, sizeof spub, &l), 0);

    /* The shares in the captured hellos are these keys' public halves. */
    blob b = vec("crypto_clienthello");
    tls_ch ch;
    tls_bytes key;
    assert_int_equal(tls_ch_decode(b.p + 4, b.n - 4, &ch), 0);
    assert_int_equal(tls_key_share_find(ch.ext.val[TLS_X_KEY_SHARE], CX_GROUP_X25519, &key), 1);
    assert_memory_equal(key.p, cpub, 32);
    free(b.p);

    assert_int_equal(cx_kex_derive(ck, spub, 32, s1, sizeof s1, &n1), 0);
    assert_int_equal(cx_kex_derive(sk, cpub, 32, s2, sizeof s2, &n2), 0);
    assert_int_equal(n1, 32);
    assert_memory_equal(s1, s2, 32);

    tls_transcript t;
    tls_keysched ks;
    tls_transcript_init(&t, NULL);
    add(&t, "crypto_clienthello");
    add(&t, "crypto_serverhello");
    assert_int_equal(tls_transcript_set_hash(&t, CX_SHA256), 0);
    assert_int_equal(tls_transcript_hash(&t, th), 0);
    assert_int_equal(tls_ks_init(&ks, CX_SHA256), 0);
    assert_int_equal(tls_ks_handshake(&ks, s1, n1, th), 0);
    assert_int_equal(keylog("CLIENT_HANDSHAKE_TRAFFIC_SECRET", want), 32);
    assert_memory_equal(ks.c_hs, want, 32);
    keylog("SERVER_HANDSHAKE_TRAFFIC_SECRET", want);
    assert_memory_equal(ks.s_hs, want, 32);

    add(&t, "crypto_extensions");
    add(&t, "crypto_cert");
    /* CertificateVerify: RSA-PSS over the content of RFC 8446 §4.4.3. */
    uint8_t content[TLS_CV_CONTENT_MAX];
    assert_int_equal(tls_transcript_hash(&t, th), 0);
    size_t clen = tls_cv_content(true, th, 32, content);
    blob cert = vec("crypto_cert"), cvb = vec("crypto_certverify");
    blob crt = vec("server.crt"), skey = vec("server.key");
    tls_cert cm;
    tls_bytes der, ext;
    tls_cv cv;
    qb_rd r;
    cx_pkey *pub = NULL;
    cx_x509_chain *chain = NULL;
    const uint8_t *crt_der;
    size_t crt_len;
    /* the certificate in the message is server.crt, whose key is server.key */
    assert_int_equal(cx_x509_chain_from_pem((const char *)crt.p, crt.n, (const char *)skey.p,
                                            skey.n, NULL, &chain), 0);
    cx_x509_chain_cert(chain, 0, &crt_der, &crt_len);
    assert_int_equal(tls_cert_decode(cert.p + 4, cert.n - 4, &cm), 0);
    qb_rd_init(&r, cm.list.p, cm.list.len);
    assert_int_equal(tls_cert_next(&r, &der, &ext), 1);
    assert_int_equal(der.len, crt_len);
    assert_memory_equal(der.p, crt_der, crt_len);
    assert_int_equal(cx_pkey_from_cert_der(crt_der, crt_len, &pub), 0);
    cx_x509_chain_free(chain);
    free(crt.p);
    free(skey.p);
    assert_int_equal(tls_cv_decode(cvb.p + 4, cvb.n - 4, &cv), 0);
    assert_int_equal(cx_sig_verify(cv.scheme, pub, content, clen, cv.sig.p, cv.sig.len), 0);
    /* and a flipped bit does not */
    content[clen - 1] ^= 1;
    assert_int_equal(cx_sig_verify(cv.scheme, pub, content, clen, cv.sig.p, cv.sig.len),
                     CX_SIG_ERR_BAD);
    cx_pkey_free(pub);
    free(cert.p);
    free(cvb.p);
    add(&t, "crypto_certverify");

    /* Server Finished over ClientHello..CertificateVerify (§4.4.4). */
    blob fin = vec("crypto_s_finished");
    assert_int_equal(tls_transcript_hash(&t, th), 0);
    assert_int_equal(tls_ks_finished(&ks, ks.s_hs, th, got), 0);
    assert_memory_equal(got, fin.p + 4, 32);
    free(fin.p);
    add(&t, "crypto_s_finished");

    assert_int_equal(tls_transcript_hash(&t, th), 0);
    assert_int_equal(tls_ks_application(&ks, th), 0);
    keylog("CLIENT_TRAFFIC_SECRET_0", want);
    assert_memory_equal(ks.c_ap, want, 32);
    keylog("SERVER_TRAFFIC_SECRET_0", want);
    assert_memory_equal(ks.s_ap, want, 32);
    keylog("EXPORTER_SECRET", want);
    assert_memory_equal(ks.exporter, want, 32);

    /* Client Finished over ClientHello..server Finished. */
    fin = vec("crypto_c_finished");
    assert_int_equal(tls_ks_finished(&ks, ks.c_hs, th, got), 0);
    assert_memory_equal(got, fin.p + 4, 32);
    free(fin.p);

    tls_transcript_free(&t);
    cx_kex_free(ck);
    cx_kex_free(sk);
}

/* Random hook: hands out a fixed byte string in order. */
typedef struct fixed_rand {
    uint8_t bytes[64];
    size_t off;
} fixed_rand;

static int fixed_random(void *ud, uint8_t *out, size_t n)
{
    fixed_rand *f = ud;
    if (f->off + n > sizeof f->bytes)
        return -1;
    memcpy(out, f->bytes + f->off, n);
    f->off += n;
    return 0;
}

/* A server of ours, with the captured server random and ephemeral key fixed
 * through the random hook, answers the captured ClientHello with the captured
 * ServerHello, EncryptedExtensions and Certificate byte for byte and derives
 * the handshake secrets of keylog.txt. */
static void test_our_server(void **state)
{
    (void)state;
    blob crt = vec("server.crt"), key = vec("server.key"), ch = vec("crypto_clienthello");
    blob sh = vec("crypto_serverhello"), ee = vec("crypto_extensions"), cert = vec("crypto_cert");
    cx_x509_chain *chain = NULL;
    fixed_rand fr = {.off = 0};
    tls_config cfg;
    tls_ee eem;
    tls_event ev;
    const uint8_t *p;
    size_t n;
    uint8_t want[64];
    int secrets = 0;

    for (int i = 0; i < 32; i++) {
        fr.bytes[i] = (uint8_t)(0x70 + i);      /* ServerHello.random */
        fr.bytes[32 + i] = (uint8_t)(0x90 + i); /* x25519 private key */
    }
    assert_int_equal(cx_x509_chain_from_pem((const char *)crt.p, crt.n, (const char *)key.p,
                                            key.n, NULL, &chain), 0);
    assert_int_equal(tls_ee_decode(ee.p + 4, ee.n - 4, &eem), 0);
    tls_config_init(&cfg, TLS_ROLE_SERVER);
    cfg.alpn[0] = "ping/1.0";
    cfg.alpn_count = 1;
    cfg.chain = chain;
    cfg.random = fixed_random;
    cfg.random_ud = &fr;
    tls_conn *s = tls_conn_new(&cfg, eem.ext.val[TLS_X_TP].p, eem.ext.val[TLS_X_TP].len);
    assert_non_null(s);
    assert_int_equal(tls_conn_recv(s, TLS_LEVEL_INITIAL, ch.p, ch.n), 0);

    tls_conn_get_output(s, TLS_LEVEL_INITIAL, &p, &n);
    assert_int_equal(n, sh.n);
    assert_memory_equal(p, sh.p, sh.n);
    tls_conn_get_output(s, TLS_LEVEL_HANDSHAKE, &p, &n);
    assert_true(n > ee.n + cert.n);
    assert_memory_equal(p, ee.p, ee.n);
    assert_memory_equal(p + ee.n, cert.p, cert.n);
    /* then CertificateVerify with RSA-PSS (randomised) and Finished */
    assert_int_equal(p[ee.n + cert.n], TLS_HS_CERTIFICATE_VERIFY);
    assert_int_equal(qb_get_u16(p + ee.n + cert.n + 4), CX_SIG_RSA_PSS_RSAE_SHA256);

    while (tls_conn_next_event(s, &ev)) {
        if (ev.type != TLS_EVENT_SECRET || ev.level != TLS_LEVEL_HANDSHAKE)
            continue;
        keylog(ev.dir == TLS_DIR_READ ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
                                      : "SERVER_HANDSHAKE_TRAFFIC_SECRET", want);
        assert_int_equal(ev.secret_len, 32);
        assert_memory_equal(ev.secret, want, 32);
        secrets++;
    }
    assert_int_equal(secrets, 2);
    assert_string_equal(tls_conn_alpn(s), "ping/1.0");
    assert_string_equal(tls_conn_server_name(s), "example.ulfheim.net");
    tls_conn_peer_tp(s, &p, &n);
    assert_int_equal(n, 49);
    tls_conn_free(s);
    cx_x509_chain_free(chain);
    free(crt.p);
    free(key.p);
    free(ch.p);
    free(sh.p);
    free(ee.p);
    free(cert.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_clienthello),
        cmocka_unit_test(test_parse_server_flight),
        cmocka_unit_test(test_key_schedule),
        cmocka_unit_test(test_our_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
