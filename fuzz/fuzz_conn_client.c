/* Fuzz: a fresh client connection fed arbitrary server datagrams (RFC 9000
 * §6, §7, §12, §17.2.5; RFC 9001): the client side of fuzz_conn_handshake.
 * The input is a list of records, each [kind][len:2][bytes]:
 *   kind % 4 == 0  a raw datagram (Version Negotiation, Retry, garbage...);
 *   kind % 4 == 1  frames, sealed here into a server Initial with the Initial
 *                  keys of the client's DCID;
 *   kind % 4 == 2  frames, sealed into the highest level the client can read
 *                  (Handshake, else 1-RTT) with the client's own receive keys;
 *   kind % 4 == 3  time passes (bytes = microseconds) and timers run.
 * After each record the client's datagrams and events are drained. The
 * client's randomness is fixed, so its CIDs and key shares are the same on
 * every run; FUZZ_CONN_GEN=dir writes a real server's first flight (Initial
 * and Handshake frames) as seeds, which take the client to the end of its
 * handshake. Fuzz builds use the null AEAD; header protection is real. */
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

static quic_pkt_keys g_sinit; /* the server's Initial send keys */
/* The client's CIDs (fixed by its randomness) and a real server's SCID. */
static uint8_t g_cdcid[8], g_cscid[8], g_sscid[8];

typedef struct cli {
    uint32_t rnd;
    quic_config cfg;
    quic_path path;
    quic_conn *c;
} cli;

static void cli_new(cli *k)
{
    k->rnd = 1;
    quic_config_init(&k->cfg, false, &g_ctls);
    k->cfg.random = det_random;
    k->cfg.random_ud = &k->rnd;
    /* TLS randomness too (ClientHello.random, key share): the same hello on
     * every run, so a recorded server flight fits its transcript. */
    g_ctls.random = det_random;
    g_ctls.random_ud = &k->rnd;
    path_set(&k->path, "cli", "srv");
    k->c = quic_conn_new_client(&k->cfg, &k->path, 1000000);
    if (!k->c)
        abort();
}

static void first_flights(const char *dir);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_conn_tls_setup();
    /* Seeds come from another process, with another (random) certificate:
     * the chain is not checked, the CertificateVerify still is. */
    g_ctls.insecure_skip_verify = true;
    first_flights(getenv("FUZZ_CONN_GEN"));
    cx_quic_keys ck, sk;
    if (cx_quic_initial_keys(QUIC_VERSION_1, g_cdcid, 8, &ck, &sk) != 0 ||
        quic_pkt_keys_init(&g_sinit, NULL, &sk) != 0)
        abort();
    if (getenv("FUZZ_CONN_GEN"))
        exit(0);
    return 0;
}

/* Seals frames into a server long-header packet; returns its length. */
static size_t seal_long_token(quic_pkt_type t, const quic_pkt_keys *k, uint64_t pn,
                              const uint8_t *token, size_t token_len, const uint8_t *fr,
                              size_t len, uint8_t *out, size_t cap)
{
    forge_pkt fp = {.type = t, .dcid = g_cscid, .dcid_len = 8, .scid = g_sscid, .scid_len = 8,
                    .token = token, .token_len = token_len, .pn = pn, .raw = fr,
                    .raw_len = len, .clip = true, .keys = *k};
    return forge_seal(&fp, out, cap);
}


static void run_input(const uint8_t *data, size_t size)
{
    cli k;
    cli_new(&k);
    quic_conn *c = k.c;
    uint64_t now = 1000000;
    fuzz_conn_drain(c, now); /* the first Initial goes out */
    fuzz_conn_peer peer = {g_cscid, g_sscid, &g_sinit, 0};
    fuzz_conn_feed(c, &k.path, &peer, data, size, now);
    if (getenv("FUZZ_CONN_DEBUG")) {
        quic_close_info ci;
        quic_conn_close_info(c, &ci);
        fprintf(stderr, "hs keys %d app rx %d state %d established %d close 0x%llx '%s'\n",
                quic_test_view(c).keys_rx[QUIC_SPACE_HANDSHAKE], quic_test_view(c).app_rx_ok, (int)quic_test_view(c).state,
                quic_conn_is_established(c), (unsigned long long)ci.code, ci.reason);
    }
    quic_conn_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ossl_run(run_input, data, size);
    return 0;
}

/* ---- the real exchange: CIDs, and seeds ---- */

/* Frames of each packet of a server datagram, as kind-1/kind-2 records. */
static void flight_records(FILE *f, quic_conn *s, uint8_t *d, size_t n, const quic_pkt_keys *ik)
{
    quic_dgram_iter it;
    quic_pkt_hdr h;
    quic_dgram_iter_init(&it, d, n, 8);
    quic_pkt_keys hk = quic_test_keys(s, QUIC_SPACE_HANDSHAKE, false);
    while (quic_dgram_next(&it, &h) > 0) {
        const quic_pkt_keys *k = h.type == QUIC_PKT_INITIAL ? ik
                                 : h.type == QUIC_PKT_HANDSHAKE ? &hk
                                                                : NULL;
        if (!k || !k->aead)
            continue;
        quic_pkt_clear clr;
        if (quic_pkt_unprotect(k, (uint8_t *)h.pkt, h.pkt_len, h.pn_offset, QUIC_PN_NONE, &clr) != 0)
            abort();
        const uint8_t *fr = h.pkt + clr.payload_offset;
        size_t flen = clr.payload_len;
        while (flen && fr[flen - 1] == 0)
            flen--;
        fuzz_record_put(f, h.type == QUIC_PKT_INITIAL ? 1 : 2, fr, flen);
    }
}

/* RFC 9000 §17.2.2: a server's Initial has an empty token; a client
 * discards one that has a token or closes with PROTOCOL_VIOLATION. Seed: the
 * server's first Initial (d, still protected) again, with a token. */
static void token_seed(const char *dir, const uint8_t *d, size_t n, const quic_pkt_keys *ik)
{
    uint8_t pkt[1500], dg[1500];
    quic_dgram_iter it;
    quic_pkt_hdr h;
    quic_pkt_clear clr;
    memcpy(pkt, d, n);
    quic_dgram_iter_init(&it, pkt, n, 8);
    if (quic_dgram_next(&it, &h) <= 0 || h.type != QUIC_PKT_INITIAL ||
        quic_pkt_unprotect(ik, (uint8_t *)h.pkt, h.pkt_len, h.pn_offset, QUIC_PN_NONE, &clr) != 0)
        abort();
    size_t dn = seal_long_token(QUIC_PKT_INITIAL, ik, 0, (const uint8_t *)"token", 5,
                                h.pkt + clr.payload_offset, clr.payload_len, dg, sizeof dg);
    char path[512];
    snprintf(path, sizeof path, "%s/server_initial_with_token", dir);
    FILE *f = fopen(path, "wb");
    if (!dn || !f)
        abort();
    fuzz_record_put(f, 0, dg, dn);
    fclose(f);
}

static void first_flights(const char *dir)
{
    cli k;
    cli_new(&k);
    uint8_t buf[1500];
    size_t n = quic_conn_send(k.c, buf, sizeof buf, 1000000);
    quic_pkt_hdr h;
    if (!n || quic_pkt_hdr_parse(buf, n, 8, &h) != 0 || h.dcid_len != 8 || h.scid_len != 8)
        abort();
    memcpy(g_cdcid, h.dcid, 8);
    memcpy(g_cscid, h.scid, 8);
    /* A real server answers; its SCID is the one the target's packets use. */
    uint32_t rs = 2;
    quic_config scfg;
    quic_config_init(&scfg, true, &g_stls);
    scfg.random = det_random;
    scfg.random_ud = &rs;
    quic_path sp;
    path_set(&sp, "srv", "cli");
    quic_cid scid, dcid;
    quic_cid_set(&scid, g_cscid, 8);
    quic_cid_set(&dcid, g_cdcid, 8);
    quic_conn *s = quic_conn_new_server(&scfg, &sp, &scid, &dcid, NULL, 1000000);
    if (!s || quic_conn_recv(s, &sp, buf, n, 1010000) != 0)
        abort();
    uint8_t out[4][1500];
    size_t on[4], no = 0;
    while (no < 4 && (on[no] = quic_conn_send(s, out[no], sizeof out[no], 1010000)))
        no++;
    if (!no || quic_pkt_hdr_parse(out[0], on[0], 8, &h) != 0 || h.scid_len != 8)
        abort();
    memcpy(g_sscid, h.scid, 8);
    if (dir) {
        cx_quic_keys ck, sk;
        quic_pkt_keys ik;
        if (cx_quic_initial_keys(QUIC_VERSION_1, g_cdcid, 8, &ck, &sk) != 0 ||
            quic_pkt_keys_init(&ik, NULL, &sk) != 0)
            abort();
        token_seed(dir, out[0], on[0], &ik);
        char path[512];
        /* The flight as raw datagrams (before unprotecting them in place). */
        snprintf(path, sizeof path, "%s/server_flight_raw", dir);
        FILE *f = fopen(path, "wb");
        for (size_t i = 0; i < no; i++)
            fuzz_record_put(f, 0, out[i], on[i]);
        fclose(f);
        /* Its frames, for the target to seal again; and a Version Negotiation. */
        snprintf(path, sizeof path, "%s/server_flight", dir);
        f = fopen(path, "wb");
        for (size_t i = 0; i < no; i++)
            flight_records(f, s, out[i], on[i], &ik);
        fuzz_record_put(f, 3, (const uint8_t *)"\x00\x01\x00\x00", 4);
        fclose(f);
        uint8_t vn[64];
        qb_wr w;
        uint32_t versions[2] = {0x1a2a3a4a, 0xff00001d};
        qb_wr_init(&w, vn, sizeof vn);
        if (quic_pkt_vn_write(&w, 0x40, g_cscid, 8, g_cdcid, 8, versions, 2) != 0)
            abort();
        snprintf(path, sizeof path, "%s/version_negotiation", dir);
        f = fopen(path, "wb");
        fuzz_record_put(f, 0, vn, w.off);
        fclose(f);
        quic_pkt_keys_clear(&ik);
    }
    quic_conn_free(s);
    quic_conn_free(k.c);
}
