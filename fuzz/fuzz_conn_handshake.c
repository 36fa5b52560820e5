/* Fuzz: a fresh server connection fed arbitrary datagrams (RFC 9000 §7, §12,
 * §17; RFC 9001). The input is a list of records, each [kind][len:2][bytes]:
 *   kind % 4 == 0  a raw datagram, as is;
 *   kind % 4 == 1  frames, sealed here into a client Initial (padded to 1200)
 *                  with the Initial keys of the fixed client DCID;
 *   kind % 4 == 2  frames, sealed into the highest level the server can read
 *                  (Handshake, else 1-RTT) with the server's own receive keys
 *                  (the same key material as the client's send keys);
 *   kind % 4 == 3  time passes (bytes = microseconds) and timers run.
 * After each record the server's datagrams and events are drained. Header
 * protection is real; fuzz builds use the null AEAD, so any frames reach the
 * frame handlers. Seeds: FUZZ_CONN_GEN=dir writes a real client's ClientHello
 * as a kind-1 record and exits. */
#include "fuzz_conn_common.h"
#include "common/forge.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_quic_keys.h"
#include "crypto/cx_x509.h"
#include "quic/conn_test.h"
#include "quic/frame.h"
#include "quic/packet.h"
#include "quic/pn.h"
#include "quic/protect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static quic_pkt_keys g_cinit; /* the client's Initial send keys */
/* The CIDs of a real client's first Initial (deterministic randomness), so
 * its ClientHello's initial_source_connection_id matches (RFC 9000 §7.3). */
static uint8_t g_dcid[8], g_scid[8];
static uint8_t g_first[1500]; /* that Initial */
static size_t g_first_len;

static void gen_seeds(const char *dir);
static void first_initial(void);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_conn_tls_setup();
    first_initial();
    cx_quic_keys ck, sk;
    if (cx_quic_initial_keys(QUIC_VERSION_1, g_dcid, sizeof g_dcid, &ck, &sk) != 0 ||
        quic_pkt_keys_init(&g_cinit, NULL, &ck) != 0)
        abort();
    const char *gen = getenv("FUZZ_CONN_GEN");
    if (gen) {
        gen_seeds(gen);
        exit(0);
    }
    return 0;
}


static void run_input(const uint8_t *data, size_t size)
{
    uint32_t rnd = 7, tls_rnd = 11;
    /* The server's TLS randomness too, so that an input replays exactly. */
    g_stls.random = det_random;
    g_stls.random_ud = &tls_rnd;
    quic_config cfg;
    quic_config_init(&cfg, true, &g_stls);
    cfg.random = det_random;
    cfg.random_ud = &rnd;
    memset(cfg.static_key, 9, 32);
    quic_path path;
    path_set(&path, "srv", "cli");
    quic_cid scid, dcid;
    quic_cid_set(&scid, g_scid, 8);
    quic_cid_set(&dcid, g_dcid, 8);
    uint64_t now = 1000000;
    quic_conn *s = quic_conn_new_server(&cfg, &path, &scid, &dcid, NULL, now);
    if (!s)
        abort();
    fuzz_conn_peer peer = {g_dcid, g_scid, &g_cinit, 1200};
    fuzz_conn_feed(s, &path, &peer, data, size, now);
    if (getenv("FUZZ_CONN_DEBUG")) {
        quic_close_info ci;
        quic_conn_close_info(s, &ci);
        fprintf(stderr, "hs keys %d app rx %d state %d close 0x%llx '%s' recv %llu\n",
                quic_test_view(s).keys_rx[QUIC_SPACE_HANDSHAKE], quic_test_view(s).app_rx_ok, (int)quic_test_view(s).state,
                (unsigned long long)ci.code, ci.reason, (unsigned long long)quic_test_stats(s).pkts_recv);
    }
    quic_conn_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ossl_run(run_input, data, size);
    return 0;
}

/* ---- seeds ---- */

static void first_initial(void)
{
    uint32_t rnd = 1;
    quic_config cfg;
    quic_config_init(&cfg, false, &g_ctls);
    cfg.random = det_random;
    cfg.random_ud = &rnd;
    quic_path path;
    path_set(&path, "cli", "srv");
    quic_conn *c = quic_conn_new_client(&cfg, &path, 1000000);
    quic_pkt_hdr h;
    if (!c || !(g_first_len = quic_conn_send(c, g_first, sizeof g_first, 1000000)) ||
        quic_pkt_hdr_parse(g_first, g_first_len, 8, &h) != 0 || h.dcid_len != 8 ||
        h.scid_len != 8)
        abort();
    memcpy(g_dcid, h.dcid, 8);
    memcpy(g_scid, h.scid, 8);
    quic_conn_free(c);
}

static void gen_seeds(const char *dir)
{
    /* The real client's first flight: its frames (the ClientHello) go into a
     * kind-1 record, sealed again by the target. */
    uint8_t buf[1500];
    size_t n = g_first_len;
    memcpy(buf, g_first, n);
    quic_pkt_hdr h;
    if (quic_pkt_hdr_parse(buf, n, 8, &h) != 0)
        abort();
    cx_quic_keys ck, sk;
    quic_pkt_keys k;
    quic_pkt_clear clr;
    if (cx_quic_initial_keys(QUIC_VERSION_1, h.dcid, h.dcid_len, &ck, &sk) != 0 ||
        quic_pkt_keys_init(&k, NULL, &ck) != 0 ||
        quic_pkt_unprotect(&k, buf, h.pkt_len, h.pn_offset, QUIC_PN_NONE, &clr) != 0)
        abort();
    /* The frames without the trailing PADDING. */
    const uint8_t *fr = buf + clr.payload_offset;
    size_t flen = clr.payload_len;
    while (flen && fr[flen - 1] == 0)
        flen--;
    char path_buf[512];
    snprintf(path_buf, sizeof path_buf, "%s/client_hello", dir);
    FILE *f = fopen(path_buf, "wb");
    fuzz_record_put(f, 1, fr, flen);
    fclose(f);
    /* ClientHello, then Handshake and 1-RTT frames of several kinds, and a
     * timer run. */
    snprintf(path_buf, sizeof path_buf, "%s/client_hello_then_frames", dir);
    f = fopen(path_buf, "wb");
    fuzz_record_put(f, 1, fr, flen);
    uint8_t fb[256];
    qb_wr w;
    quic_frame fs[] = {
        {.type = QUIC_FT_CRYPTO, .crypto = {0, (const uint8_t *)"\x14\x00\x00\x20", 4}},
        {.type = QUIC_FT_PING},
        {.type = QUIC_FT_ACK, .ack = {.largest = 0, .first_range = 0}},
        {.type = QUIC_FT_CONNECTION_CLOSE, .close = {.error_code = 0x0a}},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        qb_wr_init(&w, fb, sizeof fb);
        if (quic_frame_encode(&w, &fs[i]) == 0)
            fuzz_record_put(f, 2, fb, w.off);
    }
    fuzz_record_put(f, 3, (const uint8_t *)"\x00\x10\x00\x00", 4);
    fclose(f);
    /* The raw datagram too, as the client sent it. */
    snprintf(path_buf, sizeof path_buf, "%s/raw_initial", dir);
    f = fopen(path_buf, "wb");
    fuzz_record_put(f, 0, g_first, g_first_len);
    fclose(f);
    quic_pkt_keys_clear(&k);
}
