/* Fuzz: the server endpoint fed arbitrary datagrams from a few addresses
 * (RFC 9000 §5.2, §6, §8, §10.3, §21.1.1): routing, the stateless check of a
 * stranger's Initial, Retry, refusals, half-open limits and the handshake
 * deadline. The input is a list of records, each [kind][from][len:2][bytes]:
 *   kind % 3 == 0  a raw datagram, as is;
 *   kind % 3 == 1  frames, sealed into a client Initial (padded to 1200) to
 *                  a DCID chosen by `from`, with that DCID's Initial keys;
 *   kind % 3 == 2  time passes (bytes = milliseconds) and due timers run.
 * `from` picks one of four source addresses (two share an IP). After each
 * record the endpoint's answers and its connections' datagrams are drained,
 * and closed connections are removed. Fuzz builds use the null AEAD for
 * payloads; header protection is real. Seeds: FUZZ_EP_GEN=dir writes a real
 * client's first datagram in a few records (one address, several, then the
 * handshake deadline) and exits. */
#include "fuzz_conn_common.h"
#include "common/forge.h"
#include "crypto/cx_quic_keys.h"
#include "quic/endpoint.h"
#include "quic/packet.h"
#include "quic/protect.h"

#include <stdio.h>
#include <string.h>

static uint32_t g_rng;

static size_t source_ip(void *ud, const quic_path *p, uint8_t *out)
{
    (void)ud;
    out[0] = p->remote[0]; /* the "IP"; remote[1] is the "port" */
    return 1;
}

static void make_path(quic_path *p, unsigned from)
{
    const char r[4] = {(char)('a' + (from & 3) / 2), (char)(from & 3), 0, 0};
    path_set(p, "srv", r);
}

/* Frames sealed into a client Initial to a DCID made from `from`. */
static size_t seal_initial(unsigned from, const uint8_t *fr, size_t len, uint8_t *out, size_t cap)
{
    uint8_t dcid[8] = {0xd0, (uint8_t)from, 2, 3, 4, 5, 6, 7}, scid[8] = {0xc0, (uint8_t)from};
    cx_quic_keys ck, sk;
    forge_pkt fp = {.type = QUIC_PKT_INITIAL, .dcid = dcid, .dcid_len = 8, .scid = scid,
                    .scid_len = 8, .pn_len = 1, .raw = fr, .raw_len = len, .clip = true,
                    .pad_to = 1200};
    if (cx_quic_initial_keys(QUIC_VERSION_1, dcid, 8, &ck, &sk) != 0 ||
        quic_pkt_keys_init(&fp.keys, NULL, &ck) != 0)
        return 0;
    size_t pkt_len = forge_seal(&fp, out, cap);
    quic_pkt_keys_clear(&fp.keys);
    return pkt_len;
}

/* What an application does after each event: answers out, datagrams of
 * every connection sent (to nowhere), closed ones removed. */
static void drain(quic_endpoint *ep, uint64_t now)
{
    uint8_t buf[1500];
    quic_path to;
    while (quic_endpoint_send_stateless(ep, buf, sizeof buf, &to))
        ;
    while (quic_endpoint_accept(ep))
        ;
    for (quic_conn *c = quic_endpoint_next(ep, NULL), *n; c; c = n) {
        n = quic_endpoint_next(ep, c);
        for (int i = 0; i < 16 && quic_conn_send(c, buf, sizeof buf, now); i++)
            ;
        quic_event ev;
        while (quic_conn_next_event(c, &ev))
            ;
        quic_endpoint_sync(ep, c);
        quic_close_info ci;
        quic_conn_close_info(c, &ci);
        if (ci.closed)
            quic_endpoint_remove(ep, c);
    }
}

static void put_record(FILE *f, uint8_t kind, uint8_t from, const uint8_t *p, size_t len)
{
    uint8_t h[4] = {kind, from, (uint8_t)(len >> 8), (uint8_t)len};
    fwrite(h, 1, 4, f);
    fwrite(p, 1, len, f);
}

static void gen_seeds(const char *dir)
{
    uint32_t rng = 9;
    quic_config cc;
    quic_config_init(&cc, false, &g_ctls);
    cc.random = det_random;
    cc.random_ud = &rng;
    g_ctls.random = det_random;
    g_ctls.random_ud = &rng;
    quic_path cp;
    make_path(&cp, 0);
    quic_conn *c = quic_conn_new_client(&cc, &cp, 1000000);
    uint8_t d[1500];
    size_t n = c ? quic_conn_send(c, d, sizeof d, 1000000) : 0;
    if (!n)
        abort();
    static const uint8_t eleven_s[3] = {0x00, 0x2a, 0xf8}; /* 11000 ms */
    const char *names[] = {"hello", "hello_retry", "hello_addrs", "hello_deadline"};
    for (int i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "wb");
        if (!f)
            abort();
        fputc(i == 1 ? 0x80 : 0, f); /* Retry for all, or not */
        for (uint8_t from = 0; from < (i == 2 ? 4 : 1); from++)
            put_record(f, 0, from, d, n);
        if (i == 3)
            put_record(f, 2, 0, eleven_s, 3);
        fclose(f);
    }
    quic_conn_free(c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_conn_tls_setup();
    const char *gen = getenv("FUZZ_EP_GEN");
    if (gen) {
        gen_seeds(gen);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_rng = 5;
    quic_endpoint_config ec;
    quic_endpoint_config_init(&ec, &g_stls);
    ec.conn.random = det_random;
    ec.conn.random_ud = &g_rng;
    g_stls.random = det_random;
    g_stls.random_ud = &g_rng;
    memset(ec.conn.static_key, 3, 32);
    ec.max_conns = 4;
    ec.max_handshakes = 4;
    ec.max_half_open_per_addr = 2;
    ec.source = source_ip;
    ec.retry = size && (data[0] & 0x80); /* sometimes Retry for all */
    quic_endpoint *ep = quic_endpoint_new(&ec);
    if (!ep)
        return 0;
    uint64_t now = 1000000;
    static uint8_t dg[65536];
    size_t off = size ? 1 : 0;
    while (off + 4 <= size) {
        unsigned kind = data[off], from = data[off + 1];
        size_t len = ((size_t)data[off + 2] << 8) | data[off + 3];
        off += 4;
        if (len > size - off)
            len = size - off;
        const uint8_t *p = data + off;
        off += len;
        quic_path path;
        make_path(&path, from);
        if (kind % 3 == 0) {
            memcpy(dg, p, len);
            quic_endpoint_recv(ep, &path, dg, len, now);
        } else if (kind % 3 == 1) {
            size_t n = seal_initial(from, p, len, dg, 1500);
            if (n)
                quic_endpoint_recv(ep, &path, dg, n, now);
        } else {
            uint64_t ms = 0;
            for (size_t i = 0; i < len && i < 3; i++)
                ms = ms << 8 | p[i];
            now += ms * 1000;
            quic_endpoint_expire(ep, now);
            quic_conn *due[8];
            size_t n;
            /* Each handed out once; drain() syncs them back into the heap. */
            for (int pass = 0; pass < 4 && (n = quic_endpoint_due(ep, now, due, 8)); pass++)
                for (size_t i = 0; i < n; i++)
                    quic_conn_on_deadline(due[i], now);
        }
        drain(ep, now);
    }
    quic_endpoint_free(ep);
    return 0;
}
