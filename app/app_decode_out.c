/* quince decode: output as indented text or JSON Lines (one object per
 * datagram), and stream reassembly shared by CRYPTO and STREAM data. */
#include "app/app_decode_int.h"
#include "quic/packet.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char *dec_hex(char *out, size_t cap, const uint8_t *p, size_t n, size_t max)
{
    size_t o = 0;
    if (cap == 0)
        return out;
    out[0] = 0;
    for (size_t i = 0; i < n && i < max && o + 3 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x", p[i]);
    if (n > max && o + 4 < cap)
        snprintf(out + o, cap - o, "...");
    return out;
}

const char *dec_text(char *out, size_t cap, const uint8_t *p, size_t n, size_t max)
{
    size_t o = 0;
    if (cap < 8)
        return "";
    out[o++] = '"';
    for (size_t i = 0; i < n && i < max && o + 6 < cap; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    out[o++] = '"';
    out[o] = 0;
    if (n > max && o + 4 < cap)
        snprintf(out + o, cap - o, "...");
    return out;
}

static void js_put(dec *d, const char *s, size_t n)
{
    if (d->js_len + n + 1 > d->js_cap) {
        size_t cap = (d->js_cap ? d->js_cap * 2 : 4096) + n;
        char *p = realloc(d->js, cap);
        if (!p)
            return;
        d->js = p;
        d->js_cap = cap;
    }
    memcpy(d->js + d->js_len, s, n);
    d->js_len += n;
    d->js[d->js_len] = 0;
}

static void js_str(dec *d, const char *s)
{
    char e[8];
    js_put(d, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            js_put(d, e, 2);
        } else if (c < 0x20) {
            snprintf(e, sizeof e, "\\u%04x", c);
            js_put(d, e, 6);
        } else {
            js_put(d, s, 1);
        }
    }
    js_put(d, "\"", 1);
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 §4), 0 if none. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

/* Peer bytes (a reason phrase) can reach an item's text: control characters
 * and bytes that are not UTF-8 become '?', for the terminal and for JSON. */
static void text_clean(char *text)
{
    unsigned char *p = (unsigned char *)text;
    while (*p) {
        if (*p < 0x80) {
            if (*p < 0x20 || *p == 0x7f)
                *p = '?';
            p++;
            continue;
        }
        size_t n = utf8_len(p);
        if (n == 0) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

void dec_item(dec *d, int depth, const char *kind, const char *rfc, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    text_clean(text);
    if (!d->json) {
        int w = fprintf(d->out, "%*s%s", depth * 2, "", text);
        if (rfc)
            fprintf(d->out, "%*s[%s]", w < 64 ? 64 - w : 2, "", rfc);
        fputc('\n', d->out);
        return;
    }
    char num[32];
    const char *open = d->items++ ? ",{\"depth\":" : "{\"depth\":";
    js_put(d, open, strlen(open));
    snprintf(num, sizeof num, "%d", depth);
    js_put(d, num, strlen(num));
    js_put(d, ",\"kind\":", 8);
    js_str(d, kind);
    js_put(d, ",\"text\":", 8);
    js_str(d, text);
    if (rfc) {
        js_put(d, ",\"rfc\":", 7);
        js_str(d, rfc);
    }
    js_put(d, "}", 1);
}

static void addr_str(char *out, size_t cap, int family, const uint8_t *a, uint16_t port)
{
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(family == 4 ? AF_INET : AF_INET6, a, ip, sizeof ip);
    snprintf(out, cap, family == 4 ? "%s:%u" : "[%s]:%u", ip, (unsigned)port);
}

void dec_dgram_begin(dec *d, const app_pcap_udp *u, const dec_flow *f, int dir)
{
    char src[64], dst[64];
    if (!d->have_t0) {
        d->t0 = u->ts_ns;
        d->have_t0 = true;
    }
    uint64_t rel = u->ts_ns >= d->t0 ? u->ts_ns - d->t0 : 0;
    addr_str(src, sizeof src, u->family, u->src, u->sport);
    addr_str(dst, sizeof dst, u->family, u->dst, u->dport);
    const char *who = !f ? "" : dir == DEC_C2S ? "client -> server" : "server -> client";
    if (!d->json) {
        fprintf(d->out, "\ndatagram %zu (frame %zu) +%" PRIu64 ".%06" PRIu64 "s %s -> %s, %zu bytes",
                d->st->datagrams, u->record, rel / 1000000000u, rel % 1000000000u / 1000u, src,
                dst, u->len);
        if (f)
            fprintf(d->out, ", connection %d, %s", f->n, who);
        fputc('\n', d->out);
        return;
    }
    char head[512];
    d->js_len = 0;
    d->items = 0;
    snprintf(head, sizeof head,
             "{\"datagram\":%zu,\"frame\":%zu,\"time_ns\":%" PRIu64 ",\"rel_ns\":%" PRIu64
             ",\"src\":\"%s\",\"dst\":\"%s\",\"len\":%zu,\"connection\":%d,\"direction\":\"%s\",\"items\":[",
             d->st->datagrams, u->record, u->ts_ns, rel, src, dst, u->len, f ? f->n : 0,
             !f ? "" : dir == DEC_C2S ? "client_to_server" : "server_to_client");
    js_put(d, head, strlen(head));
}

void dec_dgram_end(dec *d)
{
    if (!d->json)
        return;
    js_put(d, "]}\n", 3);
    fwrite(d->js, 1, d->js_len, d->out);
    d->js_len = 0;
}

/* Each connection's versions: the client's first, then each switch and how
 * (RFC 9368 §2.1, §2.3). */
static void summary_versions(dec *d)
{
    char vb[12];
    for (size_t i = 0; i < d->nflows; i++) {
        const dec_flow *f = d->flows[i];
        if (d->json) {
            fprintf(d->out, "%s{\"connection\":%d,\"versions\":[", i ? "," : "", f->n);
            for (size_t k = 0; k < f->nversions; k++)
                fprintf(d->out, "%s\"0x%08" PRIx32 "\"", k ? "," : "", f->versions[k]);
            fprintf(d->out, "],\"switches\":[");
            for (size_t k = 1; k < f->nversions; k++)
                fprintf(d->out, "%s\"%s\"", k > 1 ? "," : "", f->version_how[k]);
            fprintf(d->out, "]}");
            continue;
        }
        fprintf(d->out, "connection %d: QUIC %s", f->n, dec_version_name(f->versions[0], vb));
        for (size_t k = 1; k < f->nversions; k++)
            fprintf(d->out, ", then %s (%s)", dec_version_name(f->versions[k], vb), f->version_how[k]);
        fputc('\n', d->out);
    }
}

void dec_summary(dec *d)
{
    const app_decode_stats *s = d->st;
    if (d->json) {
        fprintf(d->out,
                "{\"summary\":{\"connections\":%zu,\"datagrams\":%zu,\"packets\":%zu,"
                "\"decrypted\":%zu,\"undecryptable\":%zu,\"other_udp\":%zu,\"capture_cut\":%s,"
                "\"connection_versions\":[",
                s->flows, s->datagrams, s->packets, s->decrypted, s->undecryptable, s->other_udp,
                s->capture_cut ? "true" : "false");
        summary_versions(d);
        fprintf(d->out, "]}}\n");
        return;
    }
    fprintf(d->out,
            "\nsummary: %zu connection(s), %zu datagrams, %zu packets, %zu decrypted, "
            "%zu undecryptable, %zu other UDP datagrams%s\n",
            s->flows, s->datagrams, s->packets, s->decrypted, s->undecryptable, s->other_udp,
            s->capture_cut ? ", capture cut short" : "");
    summary_versions(d);
}

int dec_rs_add(dec *d, dec_rs *rs, uint64_t off, const uint8_t *p, size_t len, size_t *dup)
{
    *dup = 0;
    bool cut = off >= DEC_STREAM_MAX || off + len > DEC_STREAM_MAX;
    if (off >= DEC_STREAM_MAX)
        len = 0;
    else if (off + len > DEC_STREAM_MAX)
        len = (size_t)(DEC_STREAM_MAX - off);
    size_t end = (size_t)off + len;
    if (end > rs->cap) {
        size_t cap = rs->cap ? rs->cap : 4096;
        while (cap < end)
            cap *= 2;
        if (cap > DEC_STREAM_MAX)
            cap = DEC_STREAM_MAX;
        uint8_t *b = NULL, *h = NULL;
        if (d->mem + 2 * (cap - rs->cap) <= DEC_MEM_MAX && (b = realloc(rs->buf, cap)) != NULL) {
            rs->buf = b;
            if ((h = realloc(rs->have, cap)) != NULL) {
                memset(h + rs->cap, 0, cap - rs->cap);
                rs->have = h;
                d->mem += 2 * (cap - rs->cap);
                rs->cap = cap;
            }
        }
        if (!h) { /* out of budget: keep what fits */
            cut = true;
            if (off >= rs->cap)
                len = 0;
            else if (off + len > rs->cap)
                len = rs->cap - (size_t)off;
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (rs->have[off + i])
            (*dup)++;
        rs->buf[off + i] = p[i];
        rs->have[off + i] = 1;
    }
    while (rs->ready < rs->cap && rs->have[rs->ready])
        rs->ready++;
    if (!cut)
        return 0;
    if (rs->full)
        return 1;
    rs->full = true;
    return -1;
}

void dec_rs_free(dec_rs *rs)
{
    free(rs->buf);
    free(rs->have);
    memset(rs, 0, sizeof *rs);
}

const char *dec_version_name(uint32_t v, char *buf)
{
    if (v == QUIC_VERSION_1)
        return "v1";
    if (v == QUIC_VERSION_2)
        return "v2";
    snprintf(buf, 12, "0x%08" PRIx32, v);
    return buf;
}
