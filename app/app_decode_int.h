/* Shared state of app_decode*.c (private to them). */
#ifndef APP_DECODE_INT_H
#define APP_DECODE_INT_H

#include "app/app_decode_stats.h"
#include "app/pcap.h"
#include "quic/ackrange.h"
#include "quic/protect.h"
#include "quic/quic_err.h"

#include <stdarg.h>

#define DEC_MAX_FLOWS 64
#define DEC_MAX_STREAMS 256
#define DEC_STREAM_MAX (1u << 20) /* bytes kept per reassembled stream */
#define DEC_MAX_KEYLOG 256
#define DEC_MAX_CIDS 16
#define DEC_MEM_MAX ((size_t)256 << 20) /* reassembly buffers of a whole capture */

enum { DEC_LVL_INITIAL, DEC_LVL_HANDSHAKE, DEC_LVL_1RTT, DEC_LVL_COUNT };
enum { DEC_C2S = 0, DEC_S2C = 1 };

/* One reassembled byte stream (CRYPTO at one level, or a QUIC stream). */
typedef struct dec_rs {
    uint8_t *buf;
    uint8_t *have; /* one flag per byte: received */
    size_t cap;
    size_t ready;  /* contiguous bytes from 0 */
    size_t parsed; /* bytes consumed by the message/frame parser */
    bool full;     /* data beyond DEC_STREAM_MAX was dropped */
} dec_rs;

typedef struct dec_stream {
    uint64_t id;
    int dir;
    dec_rs rs;
    bool type_known;   /* unidirectional: the stream type was read */
    uint64_t uni_type;
    bool dead;         /* a parse error: later bytes are not decoded */
} dec_stream;

typedef struct dec_keylog {
    char label[40];
    uint8_t random[32];
    uint8_t secret[48];
    size_t secret_len;
} dec_keylog;

typedef struct dec_flow {
    int n; /* 1-based */
    int family;
    uint8_t caddr[16], saddr[16];
    uint16_t cport, sport;
    uint32_t version; /* of the packets now: the negotiated one after a switch */
    /* the versions the connection used, in order, and how each later one
     * came (RFC 9368 §2.1 after Version Negotiation, §2.3 compatible) */
    uint32_t versions[4];
    const char *version_how[4];
    size_t nversions;
    bool vn_pending;      /* a Version Negotiation packet came: the client may start again */
    bool client_followed; /* the client sent in the negotiated version after a switch */
    /* Initial keys of another version from the same DCID (RFC 9369 §4.1:
     * the client's Initials in the original version after a switch) */
    quic_pkt_keys alt_init[2];
    bool have_alt_init[2];
    uint32_t alt_version;
    uint8_t idcid[20]; /* the DCID the Initial keys come from */
    size_t idcid_len;
    uint8_t ccid[20], scid[20]; /* each side's Source Connection ID */
    /* connection IDs each side issued in NEW_CONNECTION_ID (RFC 9000 §5.1.1),
     * by issuer: the peer puts them in the DCID of short headers */
    uint8_t ncid[2][DEC_MAX_CIDS][20];
    uint8_t ncid_len[2][DEC_MAX_CIDS];
    size_t nncid[2];
    size_t ccid_len, scid_len;
    bool have_ccid, have_scid, retry_seen, retry_pending;
    quic_pkt_keys keys[DEC_LVL_COUNT][2];
    bool have_keys[DEC_LVL_COUNT][2];
    uint64_t largest[DEC_LVL_COUNT][2];
    quic_ackrange seen[DEC_LVL_COUNT][2]; /* packet numbers received, for duplicates */
    /* 1-RTT key updates (RFC 9001 §6), per direction */
    cx_aead_id aead;
    uint8_t secret[2][48];
    size_t secret_len;
    bool phase[2];
    unsigned gen[2];
    cx_aead *prev[2];
    /* TLS */
    dec_rs crypto[DEC_LVL_COUNT][2];
    uint8_t random[32];
    bool have_random, have_suite, keys_done;
    uint16_t suite;
    bool h3;
    dec_stream *streams[DEC_MAX_STREAMS];
    size_t nstreams;
} dec_flow;

typedef struct dec {
    FILE *out;
    bool json;
    app_decode_stats *st;
    dec_keylog keylog[DEC_MAX_KEYLOG];
    size_t nkeylog;
    dec_flow *flows[DEC_MAX_FLOWS];
    size_t nflows;
    uint64_t t0;
    bool have_t0;
    /* JSON: items of the current datagram */
    char *js;
    size_t js_len, js_cap;
    size_t items;
    size_t mem; /* bytes held by reassembly buffers */
    uint8_t scratch[65536]; /* QPACK literal strings */
    uint8_t dgram[65536];   /* the datagram being unprotected in place */
    uint8_t copy[65536];    /* a packet before a trial decryption */
} dec;

/* Output: one item at a nesting depth, of a kind ("packet", "frame", "tls",
 * "h3", "qpack", "datagram", "key", "note", "error"), with its RFC section
 * (may be NULL). */
void dec_item(dec *d, int depth, const char *kind, const char *rfc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void dec_dgram_begin(dec *d, const app_pcap_udp *u, const dec_flow *f, int dir);
void dec_dgram_end(dec *d);
void dec_summary(dec *d);
/* Hex of p[0..n) into out (cap bytes), "..." after max bytes. */
const char *dec_hex(char *out, size_t cap, const uint8_t *p, size_t n, size_t max);
/* Printable text of p[0..n) with escapes, quoted, at most max bytes. */
const char *dec_text(char *out, size_t cap, const uint8_t *p, size_t n, size_t max);

/* Reassembly: adds data at off; *dup gets the bytes already seen. 0, or -1
 * the first time data lies beyond DEC_STREAM_MAX or the decoder's memory
 * budget (DEC_MEM_MAX over all streams): that part is dropped, the stream
 * marked full, later calls beyond return 1 quietly. */
int dec_rs_add(dec *d, dec_rs *rs, uint64_t off, const uint8_t *p, size_t len, size_t *dup);
void dec_rs_free(dec_rs *rs);

/* Keys and packet protection (app_decode_keys.c). */
void dec_keylog_load(dec *d, const char *text, size_t len);
void dec_flow_initial_keys(dec *d, dec_flow *f, const uint8_t *dcid, size_t dcid_len, int depth);
/* Initial keys of version from the same client DCID into alt_init (once per
 * version); 0, or -1 when the version has no key schedule. */
int dec_flow_alt_initial_keys(dec *d, dec_flow *f, uint32_t version, int depth);
/* Exchanges the Initial keys (and version) with the alternative ones. */
void dec_flow_initial_swap(dec_flow *f);
void dec_flow_alt_initial_clear(dec_flow *f);
/* "v1", "v2", or the hex of another version (buf of 12 bytes). */
const char *dec_version_name(uint32_t v, char *buf);
/* Removes header protection and decrypts pkt in place with the keys of lvl and
 * dir; 0, or -1 with *why. */
int dec_pkt_open(dec *d, dec_flow *f, int lvl, int dir, uint8_t *pkt, size_t pkt_len,
                 size_t pn_offset, quic_pkt_clear *c, const char **why, int depth);

/* TLS over CRYPTO frames (app_decode_tls.c). */
void dec_tls_crypto(dec *d, dec_flow *f, int lvl, int dir, uint64_t off, const uint8_t *p,
                    size_t len, int depth);
/* Handshake and 1-RTT keys from the key log, once random and suite are known. */
void dec_flow_keys_from_keylog(dec *d, dec_flow *f, int depth);
void dec_print_keys(dec *d, int depth, const char *what, const cx_quic_keys *k);

/* Application data (app_decode_h3.c). */
void dec_app_stream(dec *d, dec_flow *f, int dir, uint64_t id, uint64_t off, const uint8_t *p,
                    size_t len, bool fin, int depth);
void dec_app_datagram(dec *d, dec_flow *f, const uint8_t *p, size_t len, int depth);
void dec_flow_free_streams(dec_flow *f);

#endif
