/* The QUINCE_MINIMAL profile (cmake/quince_minimal.cmake) holds what it says:
 * AES-128-GCM, X25519 and P-256 only, and a client TLS connection can be made
 * with the default lists; a ClientHello offers no PSK and no early_data even
 * with a fresh session that allows 0-RTT; a connection runs NewReno, never
 * marks ECN and sends no ACK_ECN, never probes the path MTU nor migrates (but
 * answers PATH_CHALLENGE), and logs and traces nothing; frames have no
 * describe lines; errors keep their codes and alerts but lose their texts.
 * Each check of something left out fails on the full profile's code. Built
 * and run by `make size` (tools/size.sh) on x86-64 and, under qemu-user, on
 * armhf. Prints "check_minimal: N passed, M failed"; exits 1 on a failure. */
#include "crypto/cx_aead.h"
#include "crypto/cx_kex.h"
#include "crypto/tls.h"
#include "crypto/tls_ext.h"
#include "crypto/tls_keysched.h"
#include "crypto/tls_msg.h"
#include "quic/conn_int.h"
#include "quic/quic_err.h"

#include <stdio.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "check_minimal: FAILED: %s\n", what);
    }
}

#define NOW_MS 1800000000000ll

static int64_t fixed_clock(void *ud)
{
    (void)ud;
    return NOW_MS;
}

static void put(uint8_t **w, const void *p, size_t n)
{
    memcpy(*w, p, n);
    *w += n;
}

static void put_be(uint8_t **w, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *(*w)++ = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* A stored session as crypto/tls_ticket.h lays it out (version 1): fresh,
 * for "localhost" and "h3", allowing 0-RTT (RFC 9001 §4.6.1: 0xffffffff). */
static size_t fresh_session(uint8_t *buf)
{
    uint8_t *w = buf, psk[32], ticket[16];
    memset(psk, 7, sizeof psk);
    memset(ticket, 9, sizeof ticket);
    put_be(&w, 1, 1);
    put_be(&w, TLS_AES_128_GCM_SHA256, 2);
    put_be(&w, 2, 1), put(&w, "h3", 2);
    put_be(&w, 9, 1), put(&w, "localhost", 9);
    put_be(&w, sizeof psk, 1), put(&w, psk, sizeof psk);
    put_be(&w, sizeof ticket, 2), put(&w, ticket, sizeof ticket);
    put_be(&w, 3600, 4);                /* lifetime */
    put_be(&w, 0, 4);                   /* age_add */
    put_be(&w, NOW_MS - 1000, 8);       /* received */
    put_be(&w, 0xffffffffu, 4);         /* max_early_data */
    put_be(&w, 0, 2);                   /* peer_tp */
    return (size_t)(w - buf);
}

/* RFC 8446 §4.2.11, §4.2.10: the profile resumes nothing and sends nothing early. */
static void check_client_hello(void)
{
    uint8_t sess[128];
    tls_config cfg;
    tls_config_init(&cfg, TLS_ROLE_CLIENT);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.server_name = "localhost";
    cfg.insecure_skip_verify = true;
    cfg.clock = fixed_clock;
    cfg.session = sess;
    cfg.session_len = fresh_session(sess);
    cfg.early_data = true;
    tls_conn *c = tls_conn_new(&cfg, (const uint8_t *)"", 0);
    const uint8_t *p = NULL;
    size_t n = 0;
    tls_ch ch;
    check(c && tls_conn_start(c) == 0, "ClientHello with a stored session");
    if (c)
        tls_conn_get_output(c, TLS_LEVEL_INITIAL, &p, &n);
    bool ok = n > 4 && tls_ch_decode(p + 4, n - 4, &ch) == 0;
    check(ok, "ClientHello decodes");
    check(ok && !tls_exts_has(&ch.ext, TLS_X_PSK), "no pre_shared_key offered");
    check(ok && !tls_exts_has(&ch.ext, TLS_X_EARLY_DATA), "no early_data offered");
    check(c && tls_conn_early_data(c) == TLS_EARLY_NONE, "0-RTT not offered");
    /* A malformed ServerHello fails the handshake with its alert, no text. */
    static const uint8_t bad_sh[] = {2, 0, 0, 1, 0};
    if (c)
        tls_conn_consume_output(c, TLS_LEVEL_INITIAL, n);
    check(c && tls_conn_recv(c, TLS_LEVEL_INITIAL, bad_sh, sizeof bad_sh) != 0,
          "malformed ServerHello refused");
    const char *why = c ? tls_conn_reason(c) : NULL;
    check(!why || !*why, "no reason texts");
    tls_conn_free(c);
}

static int log_lines, trace_events;

static void count_trace(void *ud, quic_conn *c, const quic_trace *t)
{
    (void)ud;
    (void)c;
    (void)t;
    trace_events++;
}

static void count_log(void *ud, const char *line)
{
    (void)ud;
    (void)line;
    log_lines++;
}

static void check_connection(void)
{
    tls_config tls;
    quic_config qc;
    uint8_t dg[1500];
    tls_config_init(&tls, TLS_ROLE_CLIENT);
    tls.alpn[0] = "h3";
    tls.alpn_count = 1;
    tls.server_name = "localhost";
    tls.insecure_skip_verify = true;
    quic_config_init(&qc, false, &tls);
    qc.log = count_log;
    qc.trace = count_trace;
    quic_path path = {.local_len = 1, .remote_len = 1};
    quic_conn *c = quic_conn_new_client(&qc, &path, 1000);
    check(c != NULL, "client connection made");
    if (!c)
        return;
    check(quic_conn_send(c, dg, sizeof dg, 1000) >= 1200, "first Initial datagram");
    check(trace_events == 0, "no trace events (no qlog)");
    check(strcmp(quic_cc_name(&c->cc), "newreno") == 0, "NewReno by default");
    /* RFC 9000 §13.4: never marks, counts nothing, so plain ACK frames. */
    c->handshake_confirmed = true;
    quic_conn_ecn_on_datagram(c, 2000);
    check(quic_conn_ecn(c) == QUIC_ECN_NOT_ECT, "no ECT mark once confirmed");
    c->rx_ecn = QUIC_ECN_ECT0;
    quic_conn_ecn_on_packet(c, QUIC_SPACE_APPLICATION);
    check(quic_conn_ecn_ack_counts(c, QUIC_SPACE_APPLICATION) == NULL, "no ACK_ECN counts");
    /* RFC 9000 §14.1: 1200 bytes, and no probe for more. */
    quic_pmtud_set_max(&c->pmtud, 1500);
    check(quic_pmtud_probe_size(&c->pmtud, 2000) == 0, "no PMTU probe");
    check(quic_conn_path_mtu(c) == 1200, "datagrams of 1200 bytes");
    /* RFC 9000 §8.2.2: a PATH_CHALLENGE is still answered; no migration is
     * ever started (the full profile would try, and find no spare CID). */
    uint8_t challenge[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    c->state = QUIC_CS_ESTABLISHED;
    quic_conn_path_on_challenge(c, challenge);
    check(c->pend.path_response && !memcmp(c->pend.path_response_data, challenge, 8),
          "PATH_CHALLENGE answered");
    check(quic_conn_migrate(c, &path) == QUIC_ERR_ARG, "no migration");
    check(quic_conn_probe_path(c, &path) == QUIC_ERR_ARG, "no path probing");
    quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, 0, "check");
    check(log_lines == 0, "no log lines");
    quic_conn_free(c);
}

int main(void)
{
    cx_hash_id h;
    check(tls_suite_hash(TLS_AES_128_GCM_SHA256, &h) == 0, "TLS_AES_128_GCM_SHA256 known");
    check(tls_suite_hash(TLS_AES_256_GCM_SHA384, &h) != 0, "TLS_AES_256_GCM_SHA384 unknown");
    check(tls_suite_hash(TLS_CHACHA20_POLY1305_SHA256, &h) != 0, "ChaCha20-Poly1305 unknown");
    check(cx_kex_supported(CX_GROUP_X25519), "X25519 supported");
    check(cx_kex_supported(CX_GROUP_SECP256R1), "secp256r1 supported");
    check(!cx_kex_supported(CX_GROUP_SECP384R1), "secp384r1 not supported");

    uint8_t key[32] = {1}, iv[CX_AEAD_IV_LEN] = {2};
    cx_aead *k = NULL;
    check(cx_aead_new(&k, NULL, CX_AES_128_GCM, key, iv) == 0, "AES-128-GCM key made");
    cx_aead_free(k);
    k = NULL;
    check(cx_aead_new(&k, NULL, CX_CHACHA20_POLY1305, key, iv) != 0, "no ChaCha20-Poly1305 key");
    cx_aead_free(k);
    k = NULL;
    check(cx_aead_new(&k, NULL, CX_AES_256_GCM, key, iv) != 0, "no AES-256-GCM key");
    cx_aead_free(k);

    /* A client with the default suites and groups: only the profile's. */
    tls_config cfg;
    tls_config_init(&cfg, TLS_ROLE_CLIENT);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.server_name = "localhost";
    cfg.insecure_skip_verify = true;
    tls_conn *c = tls_conn_new(&cfg, (const uint8_t *)"", 0);
    check(c != NULL, "client TLS connection with the default lists");
    tls_conn_free(c);
    cfg.groups[0] = CX_GROUP_SECP384R1;
    cfg.group_count = 1;
    c = tls_conn_new(&cfg, (const uint8_t *)"", 0);
    check(c == NULL, "a client configured for secp384r1 is refused");
    tls_conn_free(c);

    check_client_hello();
    check_connection();
    /* No describe lines (quic/frame_describe.c left out). */
    char line[64];
    quic_frame ping = {.type = QUIC_FT_PING};
    check(quic_frame_describe(&ping, line, sizeof line) == 0 && !line[0], "no frame lines");
    /* Codes keep their RFC 9000 §20.1 mapping; the texts are gone. */
    check(quic_err_to_wire(QUIC_RECVBUF_ERR_FLOW) == QUIC_FLOW_CONTROL_ERROR, "error codes mapped");
    check(strcmp(quic_err_str(QUIC_RECVBUF_ERR_FLOW), quic_err_str(QUIC_ERR_NOMEM)) == 0,
          "no error texts");

    printf("check_minimal: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
