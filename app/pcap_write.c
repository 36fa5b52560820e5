/* `--pcap FILE`: quince writes what it sends and receives as a classic pcap
 * (nanosecond magic, link type raw IP), so a capture needs no privileges and
 * no tshark. Headers are made up from the socket addresses: IPv4 (RFC 791,
 * with its header checksum), IPv6 (RFC 8200), UDP (RFC 768; checksum over the
 * pseudo-header, which IPv6 requires, RFC 8200 §8.1). */
#include "app/pcap.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}
static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

int app_pcap_writer_open(app_pcap_writer *w, const char *path)
{
    uint8_t h[24] = {0};
    w->f = fopen(path, "wb");
    if (!w->f)
        return -1;
    put32le(h, 0xa1b23c4du); /* nanosecond timestamps */
    h[4] = 2;                /* version 2.4 */
    h[6] = 4;
    put32le(h + 16, 65535);  /* snaplen */
    put32le(h + 20, APP_LINK_RAW);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h) {
        fclose(w->f);
        w->f = NULL;
        return -1;
    }
    return 0;
}

int app_pcap_writer_add(app_pcap_writer *w, uint64_t ts_ns, const void *src, const void *dst,
                        const uint8_t *payload, size_t len)
{
    uint8_t hdr[48], rec[16];
    size_t hlen;
    if (!w->f || len > 65535 - 48)
        return -1;
    const struct sockaddr *sa = src;
    uint16_t ulen = (uint16_t)(len + 8);
    uint8_t *udp;
    uint32_t s = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = src, *b = dst;
        hlen = 28;
        memset(hdr, 0, hlen);
        hdr[0] = 0x45;
        put16(hdr + 2, (uint16_t)(20 + ulen));
        put16(hdr + 6, 0x4000); /* DF */
        hdr[8] = 64;
        hdr[9] = 17;
        memcpy(hdr + 12, &a->sin_addr, 4);
        memcpy(hdr + 16, &b->sin_addr, 4);
        put16(hdr + 10, fold(sum16(0, hdr, 20)));
        udp = hdr + 20;
        memcpy(udp, &a->sin_port, 2);
        memcpy(udp + 2, &b->sin_port, 2);
        s = sum16(s, hdr + 12, 8);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = src, *b = dst;
        hlen = 48;
        memset(hdr, 0, hlen);
        hdr[0] = 0x60;
        put16(hdr + 4, ulen);
        hdr[6] = 17;
        hdr[7] = 64;
        memcpy(hdr + 8, &a->sin6_addr, 16);
        memcpy(hdr + 24, &b->sin6_addr, 16);
        udp = hdr + 40;
        memcpy(udp, &a->sin6_port, 2);
        memcpy(udp + 2, &b->sin6_port, 2);
        s = sum16(s, hdr + 8, 32);
    } else {
        return -1;
    }
    put16(udp + 4, ulen);
    /* pseudo-header: addresses (summed above), protocol, UDP length */
    s += 17 + ulen;
    s = sum16(s, udp, 8);
    s = sum16(s, payload, len);
    uint16_t ck = fold(s);
    put16(udp + 6, ck ? ck : 0xffff);
    put32le(rec, (uint32_t)(ts_ns / 1000000000u));
    put32le(rec + 4, (uint32_t)(ts_ns % 1000000000u));
    put32le(rec + 8, (uint32_t)(hlen + len));
    put32le(rec + 12, (uint32_t)(hlen + len));
    if (fwrite(rec, 1, 16, w->f) != 16 || fwrite(hdr, 1, hlen, w->f) != hlen ||
        fwrite(payload, 1, len, w->f) != len)
        return -1;
    return 0;
}

void app_pcap_writer_close(app_pcap_writer *w)
{
    if (w->f)
        fclose(w->f);
    w->f = NULL;
}
