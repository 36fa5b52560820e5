/* quince decode: keys and packet protection. Initial keys from the client's
 * first DCID (RFC 9001 §5.2), Handshake and 1-RTT keys from the NSS key log
 * matched by the ClientHello random (RFC 9001 §5.1), key updates by deriving
 * the next generation when the key phase flips (RFC 9001 §6). */
#include "app/app_decode_int.h"

#include "quic/packet.h"
#include "quic/pn.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

/* ---- key log (NSS format: LABEL <client random hex> <secret hex>) ---- */

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

static size_t hex_parse(const char *s, size_t n, uint8_t *out, size_t cap)
{
    if (n % 2 || n / 2 > cap)
        return 0;
    for (size_t i = 0; i < n / 2; i++) {
        int a = hexval((unsigned char)s[2 * i]), b = hexval((unsigned char)s[2 * i + 1]);
        if (a < 0 || b < 0)
            return 0;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return n / 2;
}

void dec_keylog_load(dec *d, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && d->nkeylog < DEC_MAX_KEYLOG) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        const char *f[3];
        size_t fl[3], nf = 0, k = i;
        while (k < e && nf < 3) {
            while (k < e && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
                k++;
            size_t s = k;
            while (k < e && text[k] != ' ' && text[k] != '\t' && text[k] != '\r')
                k++;
            if (k > s) {
                f[nf] = text + s;
                fl[nf++] = k - s;
            }
        }
        dec_keylog *kl = &d->keylog[d->nkeylog];
        if (nf == 3 && text[i] != '#' && fl[0] < sizeof kl->label &&
            hex_parse(f[1], fl[1], kl->random, 32) == 32 &&
            (kl->secret_len = hex_parse(f[2], fl[2], kl->secret, sizeof kl->secret)) > 0) {
            memcpy(kl->label, f[0], fl[0]);
            kl->label[fl[0]] = 0;
            d->nkeylog++;
        }
        i = e + 1;
    }
}

static const dec_keylog *keylog_find(const dec *d, const uint8_t random[32], const char *label)
{
    for (size_t i = 0; i < d->nkeylog; i++)
        if (!strcmp(d->keylog[i].label, label) && !memcmp(d->keylog[i].random, random, 32))
            return &d->keylog[i];
    return NULL;
}

void dec_print_keys(dec *d, int depth, const char *what, const cx_quic_keys *k)
{
    char key[80], iv[40], hp[80];
    dec_item(d, depth, "key", "RFC 9001 §5.1", "%s: key %s iv %s hp %s", what,
             dec_hex(key, sizeof key, k->key, k->key_len, 32),
             dec_hex(iv, sizeof iv, k->iv, CX_AEAD_IV_LEN, 12),
             dec_hex(hp, sizeof hp, k->hp, k->key_len, 32));
}

static void keys_set(dec_flow *f, int lvl, int dir, const cx_quic_keys *m)
{
    if (f->have_keys[lvl][dir])
        quic_pkt_keys_clear(&f->keys[lvl][dir]);
    f->have_keys[lvl][dir] = quic_pkt_keys_init(&f->keys[lvl][dir], NULL, m) == 0;
}

static cx_aead_id suite_aead(uint16_t suite, bool *ok)
{
    *ok = true;
    switch (suite) {
    case 0x1301: return CX_AES_128_GCM;
    case 0x1302: return CX_AES_256_GCM;
    case 0x1303: return CX_CHACHA20_POLY1305;
    }
    *ok = false;
    return CX_AES_128_GCM;
}

/* RFC 9001 §5.1: the Handshake and 1-RTT secrets of the key log, matched by
 * the ClientHello random, become packet protection keys. */
void dec_flow_keys_from_keylog(dec *d, dec_flow *f, int depth)
{
    static const struct {
        const char *label;
        int lvl, dir;
    } want[] = {
        {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", DEC_LVL_HANDSHAKE, DEC_C2S},
        {"SERVER_HANDSHAKE_TRAFFIC_SECRET", DEC_LVL_HANDSHAKE, DEC_S2C},
        {"CLIENT_TRAFFIC_SECRET_0", DEC_LVL_1RTT, DEC_C2S},
        {"SERVER_TRAFFIC_SECRET_0", DEC_LVL_1RTT, DEC_S2C},
    };
    char hex[100];
    bool ok;
    if (f->keys_done || !f->have_random || !f->have_suite)
        return;
    f->keys_done = true;
    f->aead = suite_aead(f->suite, &ok);
    if (!ok) {
        dec_item(d, depth, "error", "RFC 9001 §5.3", "cipher suite 0x%04x cannot protect QUIC packets",
                 f->suite);
        return;
    }
    size_t hlen = cx_hash_len(cx_aead_hash(f->aead));
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const dec_keylog *kl = keylog_find(d, f->random, want[i].label);
        if (!kl || kl->secret_len != hlen) {
            dec_item(d, depth, "error", "RFC 9001 §5.1",
                     "key log has no %s of %zu bytes for client random %s", want[i].label, hlen,
                     dec_hex(hex, sizeof hex, f->random, 32, 32));
            continue;
        }
        cx_quic_keys k;
        dec_item(d, depth, "key", "RFC 8446 §7.1", "%s %s (from the key log)", want[i].label,
                 dec_hex(hex, sizeof hex, kl->secret, kl->secret_len, 48));
        if (cx_quic_keys_derive(f->version, f->aead, kl->secret, kl->secret_len, &k) != 0)
            continue;
        char what[64];
        snprintf(what, sizeof what, "%s %s keys", want[i].lvl == DEC_LVL_HANDSHAKE ? "Handshake" : "1-RTT",
                 want[i].dir == DEC_C2S ? "client" : "server");
        dec_print_keys(d, depth + 1, what, &k);
        keys_set(f, want[i].lvl, want[i].dir, &k);
        cx_quic_keys_clear(&k);
        if (want[i].lvl == DEC_LVL_1RTT) {
            memcpy(f->secret[want[i].dir], kl->secret, kl->secret_len);
            f->secret_len = kl->secret_len;
        }
    }
}

/* RFC 9001 §5.2: Initial keys from the DCID of the client's first Initial (or
 * of its first Initial after a Retry). */
void dec_flow_initial_keys(dec *d, dec_flow *f, const uint8_t *dcid, size_t dcid_len, int depth)
{
    cx_quic_keys c, s;
    char hex[48];
    if (cx_quic_initial_keys(f->version, dcid, dcid_len, &c, &s) != 0) {
        dec_item(d, depth, "error", "RFC 9001 §5.2", "no Initial salt for version 0x%08" PRIx32,
                 f->version);
        return;
    }
    memcpy(f->idcid, dcid, dcid_len);
    f->idcid_len = dcid_len;
    dec_flow_alt_initial_clear(f); /* they came from an earlier DCID */
    dec_item(d, depth, "key", "RFC 9001 §5.2", "Initial secrets from the client's DCID %s%s",
             dec_hex(hex, sizeof hex, dcid, dcid_len, 20), f->retry_seen ? " (after Retry)" : "");
    dec_print_keys(d, depth + 1, "Initial client keys", &c);
    dec_print_keys(d, depth + 1, "Initial server keys", &s);
    keys_set(f, DEC_LVL_INITIAL, DEC_C2S, &c);
    keys_set(f, DEC_LVL_INITIAL, DEC_S2C, &s);
    cx_quic_keys_clear(&c);
    cx_quic_keys_clear(&s);
}

void dec_flow_alt_initial_clear(dec_flow *f)
{
    for (int s = 0; s < 2; s++) {
        if (f->have_alt_init[s])
            quic_pkt_keys_clear(&f->alt_init[s]);
        f->have_alt_init[s] = false;
    }
    f->alt_version = 0;
}

void dec_flow_initial_swap(dec_flow *f)
{
    for (int s = 0; s < 2; s++) {
        quic_pkt_keys k = f->keys[DEC_LVL_INITIAL][s];
        bool have = f->have_keys[DEC_LVL_INITIAL][s];
        f->keys[DEC_LVL_INITIAL][s] = f->alt_init[s];
        f->have_keys[DEC_LVL_INITIAL][s] = f->have_alt_init[s];
        f->alt_init[s] = k;
        f->have_alt_init[s] = have;
    }
    uint32_t v = f->version;
    f->version = f->alt_version;
    f->alt_version = v;
}

/* RFC 9368 §2.3, RFC 9369 §4.1: the Initial packets of the other compatible
 * version are protected with that version's salt and labels (RFC 9369 §3.3),
 * from the same client DCID: the one of its first Initial (or after Retry). */
int dec_flow_alt_initial_keys(dec *d, dec_flow *f, uint32_t version, int depth)
{
    cx_quic_keys c, s;
    char hex[48], vb[12], what[48];
    if (f->alt_version == version && f->have_alt_init[DEC_C2S])
        return 0;
    if (!f->have_keys[DEC_LVL_INITIAL][DEC_C2S] ||
        cx_quic_initial_keys(version, f->idcid, f->idcid_len, &c, &s) != 0)
        return -1;
    dec_flow_alt_initial_clear(f);
    const char *name = dec_version_name(version, vb);
    dec_item(d, depth, "key", "RFC 9369 §3.3.1", "Initial secrets of %s (its salt and labels) from the same client DCID %s",
             name, dec_hex(hex, sizeof hex, f->idcid, f->idcid_len, 20));
    snprintf(what, sizeof what, "Initial %s client keys", name);
    dec_print_keys(d, depth + 1, what, &c);
    snprintf(what, sizeof what, "Initial %s server keys", name);
    dec_print_keys(d, depth + 1, what, &s);
    f->have_alt_init[DEC_C2S] = quic_pkt_keys_init(&f->alt_init[DEC_C2S], NULL, &c) == 0;
    f->have_alt_init[DEC_S2C] = quic_pkt_keys_init(&f->alt_init[DEC_S2C], NULL, &s) == 0;
    f->alt_version = version;
    cx_quic_keys_clear(&c);
    cx_quic_keys_clear(&s);
    return f->have_alt_init[DEC_C2S] && f->have_alt_init[DEC_S2C] ? 0 : -1;
}

/* Removes header protection and decrypts (RFC 9001 §5.4, §5.3), trying the
 * next key phase on a flipped key phase bit (§6.3) and the previous one for a
 * late packet (§6.5). 0, or -1 with *why. */
int dec_pkt_open(dec *d, dec_flow *f, int lvl, int dir, uint8_t *pkt, size_t pkt_len,
                 size_t pn_offset, quic_pkt_clear *c, const char **why, int depth)
{
    uint8_t *copy = d->copy;
    if (!f->have_keys[lvl][dir]) {
        *why = lvl == DEC_LVL_INITIAL ? "no Initial keys (the client's first Initial is not in the capture)"
               : f->have_random && f->have_suite ? "the key log has no secret for this connection"
                                                 : "no keys: the ClientHello or ServerHello is missing";
        return -1;
    }
    quic_pkt_keys *k = &f->keys[lvl][dir];
    int rc = quic_pkt_unprotect_header(k->hp, pkt, pkt_len, pn_offset, f->largest[lvl][dir], c);
    if (rc != 0) {
        *why = quic_err_str(rc);
        return -1;
    }
    memcpy(copy, pkt, pkt_len);
    if (lvl == DEC_LVL_1RTT && c->key_phase != f->phase[dir] && f->secret_len) {
        uint8_t next_secret[48];
        cx_aead *next = NULL;
        memcpy(next_secret, f->secret[dir], f->secret_len);
        if (quic_pkt_keys_next(NULL, f->version, f->aead, next_secret, f->secret_len, &next) == 0) {
            rc = quic_pkt_decrypt(next, pkt, pkt_len, c);
            if (rc == 0 || rc == QUIC_PKT_ERR_RESERVED) {
                cx_aead_free(f->prev[dir]);
                f->prev[dir] = k->aead;
                k->aead = next;
                memcpy(f->secret[dir], next_secret, f->secret_len);
                f->phase[dir] = c->key_phase;
                f->gen[dir]++;
                dec_item(d, depth, "key", "RFC 9001 §6 key update",
                         "key update: the %s moves to key phase %d, generation %u (secret = HKDF-Expand-Label(secret, \"quic ku\"))",
                         dir == DEC_C2S ? "client" : "server", c->key_phase, f->gen[dir]);
                memset(next_secret, 0, sizeof next_secret);
                goto done;
            }
            cx_aead_free(next);
            memcpy(pkt, copy, pkt_len);
        }
        memset(next_secret, 0, sizeof next_secret);
    }
    rc = quic_pkt_decrypt(k->aead, pkt, pkt_len, c);
    if (rc != 0 && rc != QUIC_PKT_ERR_RESERVED && f->prev[dir]) {
        memcpy(pkt, copy, pkt_len);
        rc = quic_pkt_decrypt(f->prev[dir], pkt, pkt_len, c);
        if (rc == 0 || rc == QUIC_PKT_ERR_RESERVED)
            dec_item(d, depth, "note", "RFC 9001 §6.5", "sealed with the previous key phase");
    }
    if (rc != 0 && rc != QUIC_PKT_ERR_RESERVED) {
        *why = quic_err_str(rc);
        return -1;
    }
done:
    if (rc == QUIC_PKT_ERR_RESERVED)
        dec_item(d, depth, "error", "RFC 9000 §17.2", "reserved bits are not zero");
    if (f->largest[lvl][dir] == QUIC_PN_NONE || c->pn > f->largest[lvl][dir])
        f->largest[lvl][dir] = c->pn;
    return 0;
}
