/* What the connection fuzz targets share: the TLS configurations (one
 * certificate made once, with a fixed date and a fixed verification time so
 * runs replay in any year), deterministic randomness, the paths, the input
 * records, sealing a record's frames with the shared packet forger
 * (tests/common/forge.h, linked in by fuzz/forge.cmake), draining a
 * connection, and libcrypto's allocations kept out of ASan
 * (fuzz_ossl_alloc.h). Static functions: each target is its own program. */
#ifndef FUZZ_CONN_COMMON_H
#define FUZZ_CONN_COMMON_H

#include "fuzz_ossl_alloc.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "common/forge.h"
#include "quic/conn_test.h"
#include "quic/quic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tls_config g_stls, g_ctls;
static cx_x509_chain *g_chain;
static cx_x509_trust *g_trust;

static int det_random(void *ud, uint8_t *out, size_t n)
{
    uint32_t *s = ud;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        out[i] = (uint8_t)(*s >> 16);
    }
    return 0;
}

static void path_set(quic_path *p, const char *l, const char *r)
{
    memset(p, 0, sizeof *p);
    p->local_len = p->remote_len = 4;
    memcpy(p->local, l, 4);
    memcpy(p->remote, r, 4);
}

/* The next input record [kind][len:2][bytes] at *off (len: its low 11 bits,
 * cut at the input's end); false when no header is left. */
static inline bool fuzz_record_next(const uint8_t *data, size_t size, size_t *off, uint8_t *kind,
                                    const uint8_t **p, size_t *len)
{
    if (*off + 3 > size)
        return false;
    *kind = data[*off];
    size_t n = (size_t)((data[*off + 1] << 8) | data[*off + 2]) & 0x7ff;
    *off += 3;
    if (n > size - *off)
        n = size - *off;
    *p = data + *off;
    *len = n;
    *off += n;
    return true;
}

/* Writes one record (a seed file is a list of them). */
static inline void fuzz_record_put(FILE *f, uint8_t kind, const uint8_t *p, size_t n)
{
    uint8_t h[3] = {kind, (uint8_t)(n >> 8), (uint8_t)n};
    fwrite(h, 1, 3, f);
    fwrite(p, 1, n, f);
}

/* A time record: its first four bytes, big-endian, in microseconds. */
static inline uint64_t fuzz_record_us(const uint8_t *p, size_t len)
{
    uint64_t dt = 0;
    for (size_t i = 0; i < len && i < 4; i++)
        dt = dt << 8 | p[i];
    return dt;
}

/* Frames (cut to fit) in a packet c accepts from its peer at sp, with
 * packet number pn (forge_to); 0 when c has no keys for sp. */
static inline size_t fuzz_seal_to(quic_conn *c, quic_pn_space sp, uint64_t pn, const uint8_t *fr,
                                  size_t len, uint8_t *out, size_t cap)
{
    forge_pkt fp;
    if (!forge_to(&fp, c, sp))
        return 0;
    fp.pn = pn;
    fp.raw = fr;
    fp.raw_len = len;
    fp.clip = true;
    return forge_seal(&fp, out, cap);
}

/* What an application does after each record: c's datagrams go out (and
 * nowhere), its events are read and its streams emptied (bounded work). */
static inline void fuzz_conn_drain(quic_conn *c, uint64_t now)
{
    uint8_t buf[1500];
    for (int i = 0; i < 64 && quic_conn_send(c, buf, sizeof buf, now); i++)
        ;
    quic_event ev;
    for (int i = 0; i < 256 && quic_conn_next_event(c, &ev); i++) {
        if (ev.type == QUIC_EV_STREAM_READABLE || ev.type == QUIC_EV_STREAM_OPENED) {
            bool fin;
            while (quic_conn_stream_read(c, ev.stream_id, buf, sizeof buf, &fin) > 0)
                ;
        }
    }
}

/* How fuzz_conn_feed seals long-header records for one side: the peer's
 * 8-byte CIDs as they go on the wire, its Initial send keys, and the size
 * an Initial is padded to (a client's: 1200, RFC 9000 §14.1; 0: none). */
typedef struct fuzz_conn_peer {
    const uint8_t *dcid, *scid;
    const quic_pkt_keys *initial;
    size_t initial_pad;
} fuzz_conn_peer;

/* The record loop of fuzz_conn_client and fuzz_conn_handshake: each record
 * [kind][len:2][bytes] is
 *   kind % 4 == 0  a raw datagram, as is;
 *   kind % 4 == 1  frames sealed into an Initial with the peer's Initial keys;
 *   kind % 4 == 2  frames sealed into the highest level c can read (Handshake
 *                  unless kind & 4, else 1-RTT) with c's own receive keys;
 *   kind % 4 == 3  time passes (fuzz_record_us) and c's timers run;
 * then c is drained. Ends at the input's end or when c is closing. */
static inline void fuzz_conn_feed(quic_conn *c, const quic_path *path, const fuzz_conn_peer *peer,
                                  const uint8_t *data, size_t size, uint64_t now)
{
    uint64_t pn[3] = {0, 0, 0};
    static uint8_t dg[1500];
    size_t off = 0, len;
    uint8_t kind;
    const uint8_t *p;
    while (fuzz_record_next(data, size, &off, &kind, &p, &len)) {
        size_t n = 0;
        forge_pkt fp = {.dcid = peer->dcid, .dcid_len = 8, .scid = peer->scid, .scid_len = 8,
                        .raw = p, .raw_len = len, .clip = true};
        switch (kind & 3) {
        case 0:
            n = len < sizeof dg ? len : sizeof dg;
            memcpy(dg, p, n);
            break;
        case 1:
            fp.type = QUIC_PKT_INITIAL;
            fp.pn = pn[0]++;
            fp.pad_to = peer->initial_pad;
            fp.keys = *peer->initial;
            n = forge_seal(&fp, dg, sizeof dg);
            break;
        case 2:
            if (quic_conn_test_keys(c, QUIC_SPACE_HANDSHAKE, true, &fp.keys) && !(kind & 4)) {
                fp.type = QUIC_PKT_HANDSHAKE;
                fp.pn = pn[1]++;
                n = forge_seal(&fp, dg, sizeof dg);
            } else if (quic_test_view(c).app_rx_ok) {
                n = fuzz_seal_to(c, QUIC_SPACE_APPLICATION, pn[2]++, p, len, dg, sizeof dg);
            }
            break;
        default:
            now += fuzz_record_us(p, len);
            if (quic_conn_deadline(c) <= now)
                quic_conn_on_deadline(c, now);
            break;
        }
        if (n && quic_conn_recv(c, path, dg, n, now) == QUIC_ERR_CLOSING)
            break;
        fuzz_conn_drain(c, now);
    }
}

#define FUZZ_CERT_FROM 1767225600 /* 2026-01-01 */

/* g_stls / g_ctls: ALPN h3, a self-signed P-256 certificate for localhost.
 * First call of every target's LLVMFuzzerInitialize. */
static void fuzz_conn_tls_setup(void)
{
    char *cert, *key;
    size_t cl, kl;
    cx_certgen_opts o = {.key_type = CX_KEY_EC_P256, .host = "localhost",
                         .now = FUZZ_CERT_FROM, .days = 3650};
    fuzz_ossl_alloc_install();
    if (cx_certgen(&o, NULL, &cert, &cl, &key, &kl) != 0 ||
        cx_x509_chain_from_pem(cert, cl, key, kl, NULL, &g_chain) != 0 ||
        cx_x509_trust_from_pem(cert, cl, &g_trust) != 0)
        abort();
    qb_free(NULL, cert);
    qb_free(NULL, key);
    tls_config_init(&g_stls, TLS_ROLE_SERVER);
    tls_config_init(&g_ctls, TLS_ROLE_CLIENT);
    g_stls.alpn[0] = g_ctls.alpn[0] = "h3";
    g_stls.alpn_count = g_ctls.alpn_count = 1;
    g_stls.chain = g_chain;
    g_ctls.trust = g_trust;
    g_ctls.server_name = "localhost";
    /* Verified at a fixed time inside the validity (a day after notBefore),
     * not by the wall clock: the harness keeps working after 2035. */
    g_ctls.verify_time = g_stls.verify_time = FUZZ_CERT_FROM + 86400;
}

#endif
