/* Client and server of ours complete TLS 1.3 handshakes with each other in
 * memory, over every cipher suite x group x signature scheme, with and without
 * HelloRetryRequest; secrets of both sides must pair up level by level.
 * Certificates are generated at test time (a CA signing one leaf per key type). */
#include "common/tu.h"
#include "common/tu_alloc.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_sig.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_msg.h"
#include "crypto/tls_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct pki {
    char *ca_cert, *ca_key;
    cx_x509_trust *trust;
    cx_x509_chain *chain[4]; /* by cx_keytype */
} pki;

static pki g;

static int setup(void **state)
{
    (void)state;
    size_t cl, kl;
    cx_certgen_opts o = {.key_type = CX_KEY_EC_P256, .common_name = "quince test CA",
                         .now = time(NULL), .not_before_offset = -3600, .is_ca = true};
    if (cx_certgen(&o, NULL, &g.ca_cert, &cl, &g.ca_key, &kl))
        return -1;
    if (cx_x509_trust_from_pem(g.ca_cert, cl, &g.trust))
        return -1;
    for (int t = 0; t < 4; t++) {
        char *c, *k;
        cx_certgen_opts lo = {.key_type = (cx_keytype)t, .host = "quince.test",
                              .now = time(NULL), .not_before_offset = -3600,
                              .issuer_cert_pem = g.ca_cert, .issuer_key_pem = g.ca_key};
        if (cx_certgen(&lo, NULL, &c, &cl, &k, &kl))
            return -1;
        /* chain = leaf + CA (the CA is sent too, as many servers do) */
        char *both = malloc(cl + strlen(g.ca_cert) + 1);
        strcpy(both, c);
        strcat(both, g.ca_cert);
        int rc = cx_x509_chain_from_pem(both, strlen(both), k, kl, NULL, &g.chain[t]);
        free(both);
        qb_free(NULL, c);
        qb_free(NULL, k);
        if (rc)
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int t = 0; t < 4; t++)
        cx_x509_chain_free(g.chain[t]);
    cx_x509_trust_free(g.trust);
    qb_free(NULL, g.ca_cert);
    qb_free(NULL, g.ca_key);
    return 0;
}

static const uint8_t CLIENT_TP[] = {0x01, 0x02, 0x40, 0x64, 0x0f, 0x00};
static const uint8_t SERVER_TP[] = {0x03, 0x02, 0x45, 0xc0, 0x0f, 0x01, 0x77};

typedef struct sides {
    tls_config ccfg, scfg;
    tls_conn *c, *s;
} sides;

static void sides_init(sides *x, cx_keytype kt)
{
    tls_config_init(&x->ccfg, TLS_ROLE_CLIENT);
    tls_config_init(&x->scfg, TLS_ROLE_SERVER);
    x->ccfg.alpn[0] = "h3";
    x->ccfg.alpn[1] = "ping/1.0";
    x->ccfg.alpn_count = 2;
    x->ccfg.server_name = "quince.test";
    x->ccfg.trust = g.trust;
    x->scfg.alpn[0] = "ping/1.0";
    x->scfg.alpn[1] = "h3";
    x->scfg.alpn_count = 2;
    x->scfg.chain = g.chain[kt];
}

static void sides_new(sides *x)
{
    x->c = tls_conn_new(&x->ccfg, CLIENT_TP, sizeof CLIENT_TP);
    x->s = tls_conn_new(&x->scfg, SERVER_TP, sizeof SERVER_TP);
    assert_non_null(x->c);
    assert_non_null(x->s);
}

static void sides_free(sides *x)
{
    tls_conn_free(x->c);
    tls_conn_free(x->s);
}

typedef struct secrets {
    uint8_t s[TLS_LEVEL_COUNT][2][TLS_SECRET_MAX];
    size_t n[TLS_LEVEL_COUNT][2];
    int done, tp;
} secrets;

static void drain(tls_conn *c, secrets *out)
{
    tls_event ev;
    memset(out, 0, sizeof *out);
    while (tls_conn_next_event(c, &ev)) {
        if (ev.type == TLS_EVENT_SECRET) {
            assert_int_equal(out->n[ev.level][ev.dir], 0); /* each exactly once */
            memcpy(out->s[ev.level][ev.dir], ev.secret, ev.secret_len);
            out->n[ev.level][ev.dir] = ev.secret_len;
        } else if (ev.type == TLS_EVENT_HANDSHAKE_DONE) {
            out->done++;
        } else if (ev.type == TLS_EVENT_PEER_TP) {
            out->tp++;
        } else {
            fail_msg("unexpected event %d", ev.type);
        }
    }
}

static void check_success(sides *x, size_t hlen)
{
    secrets cs, ss;
    const uint8_t *p;
    size_t n;
    drain(x->c, &cs);
    drain(x->s, &ss);
    assert_int_equal(cs.done, 1);
    assert_int_equal(ss.done, 1);
    assert_int_equal(cs.tp, 1);
    assert_int_equal(ss.tp, 1);
    for (int l = TLS_LEVEL_HANDSHAKE; l <= TLS_LEVEL_APPLICATION; l++) {
        for (int d = 0; d < 2; d++) {
            assert_int_equal(cs.n[l][d], hlen);
            assert_int_equal(ss.n[l][1 - d], hlen);
            assert_memory_equal(cs.s[l][d], ss.s[l][1 - d], hlen);
        }
    }
    assert_memory_not_equal(cs.s[TLS_LEVEL_HANDSHAKE][0], cs.s[TLS_LEVEL_HANDSHAKE][1], hlen);
    assert_string_equal(tls_conn_alpn(x->c), "ping/1.0"); /* the server's preference */
    assert_string_equal(tls_conn_alpn(x->s), "ping/1.0");
    assert_string_equal(tls_conn_server_name(x->s), "quince.test");
    assert_null(tls_conn_server_name(x->c));
    tls_conn_peer_tp(x->c, &p, &n);
    assert_int_equal(n, sizeof SERVER_TP);
    assert_memory_equal(p, SERVER_TP, n);
    tls_conn_peer_tp(x->s, &p, &n);
    assert_int_equal(n, sizeof CLIENT_TP);
    assert_memory_equal(p, CLIENT_TP, n);
    uint8_t e1[TLS_SECRET_MAX], e2[TLS_SECRET_MAX];
    size_t l1, l2;
    assert_int_equal(tls_conn_exporter_secret(x->c, e1, &l1), 0);
    assert_int_equal(tls_conn_exporter_secret(x->s, e2, &l2), 0);
    assert_int_equal(l1, hlen);
    assert_memory_equal(e1, e2, l1);
    for (int l = 0; l < TLS_LEVEL_COUNT; l++) { /* nothing left to send */
        tls_conn_get_output(x->c, (tls_level)l, &p, &n);
        assert_int_equal(n, 0);
        tls_conn_get_output(x->s, (tls_level)l, &p, &n);
        assert_int_equal(n, 0);
    }
}

static const uint16_t SUITES[] = {TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
                                  TLS_CHACHA20_POLY1305_SHA256};
static const uint16_t GROUPS[] = {CX_GROUP_X25519, CX_GROUP_SECP256R1, CX_GROUP_SECP384R1};
static const struct {
    uint16_t scheme;
    cx_keytype kt;
} SIGS[] = {
    {CX_SIG_ECDSA_SECP256R1_SHA256, CX_KEY_EC_P256}, {CX_SIG_ECDSA_SECP384R1_SHA384, CX_KEY_EC_P384},
    {CX_SIG_RSA_PSS_RSAE_SHA256, CX_KEY_RSA2048},    {CX_SIG_RSA_PSS_RSAE_SHA384, CX_KEY_RSA2048},
    {CX_SIG_RSA_PSS_RSAE_SHA512, CX_KEY_RSA2048},    {CX_SIG_ED25519, CX_KEY_ED25519},
};

static void test_matrix(void **state)
{
    (void)state;
    int count = 0;
    for (size_t si = 0; si < 3; si++)
        for (size_t gi = 0; gi < 3; gi++)
            for (size_t ki = 0; ki < 6; ki++)
                for (int hrr = 0; hrr < 2; hrr++) {
                    sides x;
                    sides_init(&x, SIGS[ki].kt);
                    x.ccfg.suites[0] = SUITES[si];
                    x.ccfg.suite_count = 1;
                    x.ccfg.sigalgs[0] = SIGS[ki].scheme;
                    x.ccfg.sigalg_count = 1;
                    if (hrr) {
                        /* the client's only share is for another group */
                        x.ccfg.groups[0] = GROUPS[(gi + 1) % 3];
                        x.ccfg.groups[1] = GROUPS[gi];
                        x.ccfg.group_count = 2;
                        x.scfg.groups[0] = GROUPS[gi];
                        x.scfg.group_count = 1;
                    } else {
                        x.ccfg.groups[0] = GROUPS[gi];
                        x.ccfg.group_count = 1;
                    }
                    sides_new(&x);
                    int rc = tls_pair_run(x.c, x.s, NULL, NULL);
                    if (rc)
                        fail_msg("suite %04x group %04x sig %04x hrr %d: rc %d client %s server %s",
                                 SUITES[si], GROUPS[gi], SIGS[ki].scheme, hrr, rc,
                                 tls_conn_reason(x.c), tls_conn_reason(x.s));
                    assert_int_equal(tls_conn_suite(x.c), SUITES[si]);
                    assert_int_equal(tls_conn_suite(x.s), SUITES[si]);
                    assert_int_equal(tls_conn_group(x.c), GROUPS[gi]);
                    assert_int_equal(tls_conn_group(x.s), GROUPS[gi]);
                    assert_int_equal(tls_conn_sigalg(x.c), SIGS[ki].scheme);
                    assert_int_equal(tls_conn_did_hrr(x.c), hrr);
                    assert_int_equal(tls_conn_did_hrr(x.s), hrr);
                    check_success(&x, SUITES[si] == TLS_AES_256_GCM_SHA384 ? 48 : 32);
                    sides_free(&x);
                    count++;
                }
    assert_int_equal(count, 108);
}

/* Defaults on both sides: x25519, AES-128-GCM, ECDSA P-256, no HRR. */
static void test_defaults(void **state)
{
    (void)state;
    sides x;
    sides_init(&x, CX_KEY_EC_P256);
    sides_new(&x);
    assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), 0);
    assert_int_equal(tls_conn_suite(x.c), TLS_AES_128_GCM_SHA256);
    assert_int_equal(tls_conn_group(x.c), CX_GROUP_X25519);
    assert_int_equal(tls_conn_sigalg(x.c), CX_SIG_ECDSA_SECP256R1_SHA256);
    assert_false(tls_conn_did_hrr(x.c));
    check_success(&x, 32);
    sides_free(&x);
}

/* Bytes delivered one at a time must give the same result (reassembly). */
static int one_byte_at_a_time(void *ud, tls_role from, tls_level level, uint8_t *buf,
                              size_t *len, size_t cap)
{
    tls_conn *to = from == TLS_ROLE_CLIENT ? ((sides *)ud)->s : ((sides *)ud)->c;
    for (size_t i = 0; i < *len; i++)
        if (tls_conn_recv(to, level, buf + i, 1))
            break;
    return 1; /* delivered here */
}

static void test_byte_by_byte(void **state)
{
    (void)state;
    sides x;
    sides_init(&x, CX_KEY_EC_P256);
    sides_new(&x);
    assert_int_equal(tls_pair_run(x.c, x.s, one_byte_at_a_time, &x), 0);
    check_success(&x, 32);
    sides_free(&x);
}

/* Chunks that cut messages anywhere, with a message size limit close to the
 * largest message: reassembly must hold one message at most, not a chunk. */
typedef struct chunker {
    sides *x;
    size_t chunk;
} chunker;

static int chunked(void *ud, tls_role from, tls_level level, uint8_t *buf, size_t *len,
                   size_t cap)
{
    chunker *k = ud;
    tls_conn *to = from == TLS_ROLE_CLIENT ? k->x->s : k->x->c;
    for (size_t off = 0; off < *len; off += k->chunk) {
        size_t n = *len - off < k->chunk ? *len - off : k->chunk;
        if (tls_conn_recv(to, level, buf + off, n))
            break;
    }
    return 1;
}

static void test_chunked(void **state)
{
    (void)state;
    static const size_t sizes[] = {2, 3, 5, 64, 333, 500, 1000, 1500, 2500};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        sides x;
        chunker k = {&x, sizes[i]};
        sides_init(&x, CX_KEY_EC_P256);
        x.ccfg.max_message_size = 940; /* the Certificate (leaf + CA) is ~905 bytes */
        x.scfg.max_message_size = 940;
        sides_new(&x);
        if (tls_pair_run(x.c, x.s, chunked, &k))
            fail_msg("chunk %zu: client %s server %s", sizes[i], tls_conn_reason(x.c),
                     tls_conn_reason(x.s));
        check_success(&x, 32);
        sides_free(&x);
    }
}

/* Key log lines: the five labels of the NSS format, the same on both sides. */
typedef struct kl {
    char lines[8][256];
    int n;
} kl;
static void keylog_cb(void *ud, const char *line)
{
    kl *k = ud;
    if (k->n < 8)
        snprintf(k->lines[k->n++], 256, "%s", line);
}

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

static void test_keylog(void **state)
{
    (void)state;
    sides x;
    kl ck = {0}, sk = {0};
    sides_init(&x, CX_KEY_EC_P256);
    x.ccfg.keylog = keylog_cb;
    x.ccfg.keylog_ud = &ck;
    x.scfg.keylog = keylog_cb;
    x.scfg.keylog_ud = &sk;
    sides_new(&x);
    assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), 0);
    assert_int_equal(ck.n, 5);
    assert_int_equal(sk.n, 5);
    qsort(ck.lines, 5, 256, cmp_str);
    qsort(sk.lines, 5, 256, cmp_str);
    const char *labels[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "CLIENT_TRAFFIC_SECRET_0 ",
                            "EXPORTER_SECRET ", "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
                            "SERVER_TRAFFIC_SECRET_0 "};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(ck.lines[i], sk.lines[i]);
        assert_int_equal(strncmp(ck.lines[i], labels[i], strlen(labels[i])), 0);
        assert_int_equal(strlen(ck.lines[i]), strlen(labels[i]) + 64 + 1 + 64);
    }
    sides_free(&x);
}

/* insecure_skip_verify accepts an untrusted certificate and says so in the log. */
static int warned;
static void log_cb(void *ud, tls_log_level lvl, const char *msg)
{
    (void)ud;
    if (lvl == TLS_LOG_WARN && strstr(msg, "INSECURE"))
        warned++;
}

static void test_insecure(void **state)
{
    (void)state;
    sides x;
    sides_init(&x, CX_KEY_ED25519);
    x.ccfg.trust = NULL;
    x.ccfg.insecure_skip_verify = true;
    x.ccfg.server_name = "not-the-name.example";
    x.ccfg.log = log_cb;
    warned = 0;
    sides_new(&x);
    assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), 0);
    assert_true(warned >= 1);
    sides_free(&x);
}

/* A client without trust anchors and without the insecure flag is refused. */
static void test_config_checks(void **state)
{
    (void)state;
    sides x;
    sides_init(&x, CX_KEY_EC_P256);
    x.ccfg.trust = NULL;
    assert_null(tls_conn_new(&x.ccfg, NULL, 0));
    x.ccfg.trust = g.trust;
    x.ccfg.alpn_count = 0;
    assert_null(tls_conn_new(&x.ccfg, NULL, 0));
    x.scfg.chain = NULL;
    assert_null(tls_conn_new(&x.scfg, NULL, 0));
    x.scfg.chain = g.chain[0];
    x.scfg.suites[0] = 0x1304; /* CCM: not implemented */
    x.scfg.suite_count = 1;
    assert_null(tls_conn_new(&x.scfg, NULL, 0));
}

/* A ClientHello whose only key share is secp384r1 (as from a client that
 * prefers P-384) is answered with a ServerHello at once, by a server with
 * the default groups: no HelloRetryRequest (RFC 8446 §4.2.8, §4.1.4). */
static void test_p384_only_share_needs_no_retry(void **state)
{
    (void)state;
    sides x;
    const uint8_t *p;
    size_t n;
    tls_bytes key;
    uint8_t ch[4096];
    sides_init(&x, CX_KEY_EC_P384);
    x.ccfg.groups[0] = CX_GROUP_SECP384R1;
    x.ccfg.groups[1] = CX_GROUP_X25519;
    x.ccfg.group_count = 2;
    sides_new(&x);
    /* the ClientHello: one share, 97 bytes of uncompressed P-384 point */
    assert_int_equal(tls_conn_start(x.c), 0);
    tls_conn_get_output(x.c, TLS_LEVEL_INITIAL, &p, &n);
    assert_true(n <= sizeof ch);
    memcpy(ch, p, n);
    tls_conn_consume_output(x.c, TLS_LEVEL_INITIAL, n);
    tls_ch hello;
    assert_int_equal(tls_ch_decode(ch + 4, n - 4, &hello), 0);
    tls_bytes shares = hello.ext.val[TLS_X_KEY_SHARE];
    assert_int_equal(tls_key_share_find(shares, CX_GROUP_SECP384R1, &key), 1);
    assert_int_equal(key.len, 97);
    assert_int_equal(key.p[0], 0x04);
    assert_int_equal(shares.len, 4 + 97);
    /* the server's answer is a ServerHello, not a retry */
    assert_int_equal(tls_conn_recv(x.s, TLS_LEVEL_INITIAL, ch, n), 0);
    assert_false(tls_conn_did_hrr(x.s));
    assert_int_equal(tls_conn_group(x.s), CX_GROUP_SECP384R1);
    tls_conn_get_output(x.s, TLS_LEVEL_INITIAL, &p, &n);
    tls_sh sh;
    assert_int_equal(tls_sh_decode(p + 4, n - 4, &sh), 0);
    assert_false(sh.hrr);
    /* and the rest of the handshake completes on P-384 with ECDSA P-384 */
    tls_conn_free(x.c);
    tls_conn_free(x.s);
    sides_new(&x);
    assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), 0);
    assert_false(tls_conn_did_hrr(x.c));
    assert_int_equal(tls_conn_group(x.c), CX_GROUP_SECP384R1);
    assert_int_equal(tls_conn_sigalg(x.c), CX_SIG_ECDSA_SECP384R1_SHA384);
    check_success(&x, 32);
    sides_free(&x);
}

/* Issue 10: memory grows with use and is given back when drained. Once both
 * sides are connected and every flight was taken, neither holds a flight's
 * output or a reassembled message: only what it had before plus the peer's
 * transport parameters. */
static void test_connected_tls_holds_no_flight_buffers(void **state)
{
    (void)state;
    tu_counter cnt = {0};
    qb_alloc a = tu_counting_alloc(&cnt);
    sides x;
    chunker k = {&x, 700}; /* cuts the Certificate: reassembly is used */
    sides_init(&x, CX_KEY_EC_P256);
    x.ccfg.alloc = &a;
    x.scfg.alloc = &a;
    sides_new(&x);
    size_t before = cnt.bytes;
    assert_int_equal(tls_pair_run(x.c, x.s, chunked, &k), 0);
    check_success(&x, 32);
    print_message("connected pair: %zu bytes of heap more than when created\n",
                  cnt.bytes - before);
    assert_true(cnt.bytes <= before + sizeof CLIENT_TP + sizeof SERVER_TP);
    sides_free(&x);
    assert_int_equal(cnt.bytes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_p384_only_share_needs_no_retry),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_keylog),
        cmocka_unit_test(test_insecure),
        cmocka_unit_test(test_config_checks),
        cmocka_unit_test(test_connected_tls_holds_no_flight_buffers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
