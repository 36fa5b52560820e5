/* Fuzz: frame handling after the handshake (RFC 9000 §19, §12.4; RFC 9221).
 * A client and a server of ours complete a handshake in memory (deterministic
 * randomness, no loss); then the input is a list of records [kind][len:2][bytes]:
 *   kind % 4 == 0  frames, sealed into a 1-RTT packet with the client's real
 *                  send keys and next packet number, to the server;
 *   kind % 4 == 1  a raw datagram to the server;
 *   kind % 4 == 2  the server's application acts: bytes[0] picks open a
 *                  stream and write, send a datagram, reset, stop, close or
 *                  key update;
 *   kind % 4 == 3  time passes (bytes = microseconds), timers run, and the
 *                  datagrams of each side are handed to the other.
 * After each record the server's datagrams and events are drained. Seeds:
 * FUZZ_CONN_GEN=dir writes frames of every kind and exits. */
#include "fuzz_conn_common.h"
#include "common/forge.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "quic/conn_test.h"
#include "quic/frame.h"
#include "quic/packet.h"
#include "quic/protect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void gen_seeds(const char *dir);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_conn_tls_setup();
    const char *gen = getenv("FUZZ_CONN_GEN");
    if (gen) {
        gen_seeds(gen);
        exit(0);
    }
    return 0;
}

typedef struct duo {
    quic_config ccfg, scfg;
    uint32_t rc, rs, tls_rc, tls_rs;
    quic_path cpath, spath;
    quic_conn *c, *s;
    uint64_t now;
} duo;

/* Hands every datagram each side has to the other, n rounds. */
static void exchange(duo *d, int rounds)
{
    uint8_t buf[1500];
    for (int r = 0; r < rounds; r++) {
        bool any = false;
        size_t n;
        for (int i = 0; i < 32 && (n = quic_conn_send(d->c, buf, sizeof buf, d->now)); i++) {
            if (!d->s) {
                quic_pkt_hdr h;
                if (quic_pkt_hdr_parse(buf, n, 8, &h) != 0)
                    abort();
                quic_cid scid, dcid;
                quic_cid_set(&scid, h.scid, h.scid_len);
                quic_cid_set(&dcid, h.dcid, h.dcid_len);
                d->s = quic_conn_new_server(&d->scfg, &d->spath, &scid, &dcid, NULL, d->now);
                if (!d->s)
                    abort();
            }
            quic_conn_recv(d->s, &d->spath, buf, n, d->now);
            any = true;
        }
        for (int i = 0; d->s && i < 32 && (n = quic_conn_send(d->s, buf, sizeof buf, d->now));
             i++) {
            quic_conn_recv(d->c, &d->cpath, buf, n, d->now);
            any = true;
        }
        d->now += 1000;
        if (!any)
            break;
    }
}

static bool duo_start(duo *d)
{
    memset(d, 0, sizeof *d);
    d->rc = 1;
    d->rs = 2;
    quic_config_init(&d->ccfg, false, &g_ctls);
    quic_config_init(&d->scfg, true, &g_stls);
    d->ccfg.random = d->scfg.random = det_random;
    d->ccfg.random_ud = &d->rc;
    d->scfg.random_ud = &d->rs;
    /* TLS randomness too (randoms, key shares): the same handshake on every
     * run, so an input replays exactly. */
    d->tls_rc = 3;
    d->tls_rs = 4;
    g_ctls.random = g_stls.random = det_random;
    g_ctls.random_ud = &d->tls_rc;
    g_stls.random_ud = &d->tls_rs;
    d->scfg.initial_max_streams_bidi = 8;
    d->scfg.initial_max_streams_uni = 4;
    d->scfg.initial_max_stream_data = 16384;
    d->scfg.initial_max_data = 65536;
    d->scfg.dgram_recv_queue = 16;
    /* 64 unacknowledged packets per space instead of 1024: a full record
     * ring (sending stops until ACKs free room) is within one input's reach,
     * and each side allocates 10 KB of it per input instead of 160 KB. */
    d->ccfg.max_sent_packets = d->scfg.max_sent_packets = 64;
    memset(d->scfg.static_key, 9, 32);
    path_set(&d->cpath, "cli", "srv");
    path_set(&d->spath, "srv", "cli");
    d->now = 1000000;
    d->c = quic_conn_new_client(&d->ccfg, &d->cpath, d->now);
    if (!d->c)
        abort();
    exchange(d, 20);
    return d->s && quic_conn_is_established(d->c) && quic_conn_is_established(d->s) &&
           quic_test_view(d->c).handshake_confirmed && quic_test_view(d->c).app_tx_ok;
}

/* Frames sealed with the client's current 1-RTT send keys. */
static size_t seal_1rtt(duo *d, const uint8_t *fr, size_t len, uint8_t *out, size_t cap)
{
    forge_pkt fp;
    if (!forge_as(&fp, d->c, QUIC_SPACE_APPLICATION))
        return 0;
    fp.raw = fr;
    fp.raw_len = len;
    fp.clip = true;
    return forge_seal(&fp, out, cap);
}

static void app_act(duo *d, const uint8_t *p, size_t len, uint64_t *last_sid)
{
    static const uint8_t junk[3000];
    quic_conn *s = d->s;
    uint8_t op = len ? p[0] : 0;
    uint64_t arg = len > 1 ? p[1] : 0;
    int64_t id;
    switch (op % 7) {
    case 0:
        if ((id = quic_conn_stream_open(s, (op & 8) == 0)) >= 0)
            *last_sid = (uint64_t)id;
        quic_conn_stream_write(s, *last_sid, junk, 100 + arg * 10, (op & 16) != 0);
        break;
    case 1:
        quic_conn_stream_write(s, arg * 4 + (op >> 3 & 3), junk, arg * 11, (op & 32) != 0);
        break;
    case 2:
        quic_conn_dgram_send(s, junk, arg * 5, d->now);
        break;
    case 3:
        quic_conn_stream_reset(s, arg * 4 + (op >> 3 & 3), arg);
        break;
    case 4:
        quic_conn_stream_stop(s, arg * 4 + (op >> 3 & 3), arg);
        break;
    case 5:
        quic_conn_key_update(s);
        break;
    default:
        quic_conn_close(s, (op & 8) != 0, arg, "fuzz");
        break;
    }
}

static void run_input(const uint8_t *data, size_t size)
{
    duo d;
    if (!duo_start(&d))
        abort(); /* the handshake itself must work */
    static uint8_t dg[1500];
    uint64_t last_sid = 0;
    size_t off = 0, len;
    uint8_t kind;
    const uint8_t *p;
    while (fuzz_record_next(data, size, &off, &kind, &p, &len)) {
        size_t n = 0;
        switch (kind & 3) {
        case 0:
            n = seal_1rtt(&d, p, len, dg, sizeof dg);
            break;
        case 1:
            if (len > sizeof dg)
                len = sizeof dg;
            memcpy(dg, p, len);
            n = len;
            break;
        case 2:
            app_act(&d, p, len, &last_sid);
            break;
        default:
            d.now += fuzz_record_us(p, len);
            if (quic_conn_deadline(d.s) <= d.now)
                quic_conn_on_deadline(d.s, d.now);
            if (quic_conn_deadline(d.c) <= d.now)
                quic_conn_on_deadline(d.c, d.now);
            exchange(&d, 4);
            break;
        }
        if (n && quic_conn_recv(d.s, &d.spath, dg, n, d.now) == QUIC_ERR_CLOSING)
            break;
        fuzz_conn_drain(d.s, d.now);
    }
    if (getenv("FUZZ_CONN_DEBUG")) {
        quic_close_info ci;
        quic_conn_close_info(d.s, &ci);
        fprintf(stderr, "server state %d close 0x%llx ft 0x%llx '%s' recv %llu\n", (int)quic_test_view(d.s).state,
                (unsigned long long)ci.code, (unsigned long long)ci.frame_type, ci.reason,
                (unsigned long long)quic_test_stats(d.s).pkts_recv);
    }
    quic_conn_free(d.c);
    quic_conn_free(d.s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ossl_run(run_input, data, size);
    return 0;
}

/* ---- seeds ---- */

/* A seed: the records in head, then each frame in its own kind-0 record,
 * then the records in tail. */
static void put_seed(const char *dir, const char *name, const uint8_t *head, size_t head_len,
                     const quic_frame *fs, size_t n, const uint8_t *tail, size_t tail_len)
{
    uint8_t buf[2048];
    qb_wr w;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(head, 1, head_len, f);
    for (size_t i = 0; i < n; i++) {
        qb_wr_init(&w, buf, sizeof buf);
        if (quic_frame_encode(&w, &fs[i]) != 0)
            abort();
        uint8_t h[3] = {0, (uint8_t)(w.off >> 8), (uint8_t)w.off};
        fwrite(h, 1, 3, f);
        fwrite(buf, 1, w.off, f);
    }
    fwrite(tail, 1, tail_len, f);
    fclose(f);
}

static void put_frames(const char *dir, const char *name, const quic_frame *fs, size_t n,
                       const uint8_t *tail, size_t tail_len)
{
    put_seed(dir, name, NULL, 0, fs, n, tail, tail_len);
}

/* RFC 9000 §19.4, §19.5, §19.8, §19.10, §2.1: frames naming a stream in a
 * direction it cannot carry, which the server must refuse with
 * STREAM_STATE_ERROR (stream IDs from the server's side: 2 is the client's
 * unidirectional stream, receive-only here; 3 the server's, send-only; 1 a
 * server bidirectional stream it never opened). */
static void stream_state_seeds(const char *dir, const uint8_t *tick, size_t tick_len)
{
    static const uint8_t d[8] = "datadata";
    /* app act 42 (42 % 7 == 0, bit 8 set): the server opens unidirectional
     * stream 3 and writes to it */
    static const uint8_t open_uni[] = {2, 0, 2, 42, 0};
    const quic_frame uni_data = {.type = 0x0a, .stream = {2, 0, d, 8}};
    quic_frame stop[] = {uni_data, {.type = QUIC_FT_STOP_SENDING, .stop_sending = {2, 1}}};
    put_seed(dir, "stop_sending_receive_only", NULL, 0, stop, 2, tick, tick_len);
    quic_frame stop_gone[] = {{.type = QUIC_FT_STOP_SENDING, .stop_sending = {6, 1}}};
    put_seed(dir, "stop_sending_receive_only_unopened", NULL, 0, stop_gone, 1, tick, tick_len);
    quic_frame msd[] = {uni_data, {.type = QUIC_FT_MAX_STREAM_DATA, .max_stream_data = {2, 99999}}};
    put_seed(dir, "max_stream_data_receive_only", NULL, 0, msd, 2, tick, tick_len);
    quic_frame rst[] = {{.type = QUIC_FT_RESET_STREAM, .reset_stream = {3, 1, 0}}};
    put_seed(dir, "reset_stream_send_only", open_uni, sizeof open_uni, rst, 1, tick, tick_len);
    quic_frame str[] = {{.type = 0x0a, .stream = {3, 0, d, 8}}};
    put_seed(dir, "stream_on_send_only", open_uni, sizeof open_uni, str, 1, tick, tick_len);
    quic_frame unopened[] = {{.type = 0x0a, .stream = {1, 0, d, 8}}};
    put_seed(dir, "stream_on_unopened_local_bidi", NULL, 0, unopened, 1, tick, tick_len);
}

static void gen_seeds(const char *dir)
{
    static const uint8_t data[64] = "0123456789abcdef0123456789abcdef0123456789abcdef012345678";
    const uint8_t tick[] = {3, 0, 4, 0, 0, 0x40, 0}; /* time, exchange */
    const uint8_t acts[] = {2, 0, 2, 0, 5, 2, 0, 2, 2, 9, 2, 0, 2, 5, 0, 2, 0, 2, 3, 1};
    quic_frame streams[] = {
        {.type = 0x0a, .stream = {0, 0, data, 20}},
        {.type = 0x0e, .stream = {0, 40, data, 20}},
        {.type = 0x0e, .stream = {0, 20, data, 20}},
        {.type = 0x0f, .stream = {0, 60, data, 1}},
        {.type = 0x0b, .stream = {2, 0, data, 10}},
        {.type = 0x0e, .stream = {4, 100, data, 64}},
        {.type = QUIC_FT_RESET_STREAM, .reset_stream = {4, 7, 200}},
        {.type = QUIC_FT_STOP_SENDING, .stop_sending = {0, 9}},
    };
    put_frames(dir, "streams", streams, sizeof streams / sizeof streams[0], tick, sizeof tick);
    quic_frame ctl[] = {
        {.type = QUIC_FT_PING},
        {.type = QUIC_FT_ACK, .ack = {.largest = 0, .first_range = 0}},
        {.type = QUIC_FT_MAX_DATA, .max_data = {1 << 20}},
        {.type = QUIC_FT_MAX_STREAM_DATA, .max_stream_data = {0, 100000}},
        {.type = QUIC_FT_MAX_STREAMS_BIDI, .max_streams = {50}},
        {.type = QUIC_FT_MAX_STREAMS_UNI, .max_streams = {50}},
        {.type = QUIC_FT_DATA_BLOCKED, .data_blocked = {1000}},
        {.type = QUIC_FT_STREAM_DATA_BLOCKED, .stream_data_blocked = {0, 10}},
        {.type = QUIC_FT_STREAMS_BLOCKED_BIDI, .streams_blocked = {8}},
        {.type = QUIC_FT_RETIRE_CONNECTION_ID, .retire_cid = {1}},
        {.type = QUIC_FT_PATH_CHALLENGE, .path = {{1, 2, 3, 4, 5, 6, 7, 8}}},
        {.type = QUIC_FT_PATH_RESPONSE, .path = {{1, 2, 3, 4, 5, 6, 7, 8}}},
        {.type = QUIC_FT_DATAGRAM_LEN, .datagram = {data, 30}},
        {.type = QUIC_FT_DATAGRAM, .datagram = {data, 12}},
    };
    put_frames(dir, "control", ctl, sizeof ctl / sizeof ctl[0], acts, sizeof acts);
    quic_frame cid[] = {
        {.type = QUIC_FT_NEW_CONNECTION_ID,
         .new_cid = {.seq = 4, .retire_prior_to = 1, .cid_len = 8, .cid = {9, 9, 9, 9, 9, 9, 9, 9}}},
        {.type = QUIC_FT_NEW_CONNECTION_ID,
         .new_cid = {.seq = 5, .retire_prior_to = 3, .cid_len = 4, .cid = {8, 8, 8, 8}}},
        {.type = QUIC_FT_RETIRE_CONNECTION_ID, .retire_cid = {0}},
        {.type = QUIC_FT_CRYPTO, .crypto = {0, data, 8}},
    };
    put_frames(dir, "cids", cid, sizeof cid / sizeof cid[0], tick, sizeof tick);
    quic_frame close[] = {
        {.type = QUIC_FT_CONNECTION_CLOSE_APP, .close = {.error_code = 5, .reason = data, .reason_len = 5}},
    };
    put_frames(dir, "close", close, 1, tick, sizeof tick);
    stream_state_seeds(dir, tick, sizeof tick);
}
