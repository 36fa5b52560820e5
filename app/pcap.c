/* Capture reader (see pcap.h): containers, link layers, IP and UDP. Formats:
 * classic pcap (wiki.wireshark.org/Development/LibpcapFileFormat), pcapng
 * (draft-ietf-opsawg-pcapng), IPv4 (RFC 791), IPv6 (RFC 8200), UDP (RFC 768). */
#include "app/pcap.h"

#include <stdarg.h>
#include <string.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_BOM 0x1a2b3c4du
#define PCAPNG_IDB 1u
#define PCAPNG_SPB 3u
#define PCAPNG_EPB 6u
#define PCAPNG_MAX_IF 64

typedef struct rd_ctx {
    app_pcap_cb cb;
    void *ud;
    app_pcap_stats *st;
    char *msg;
    size_t msglen;
} rd_ctx;

static uint32_t get32(const uint8_t *p, bool be)
{
    return be ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
              : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}
static uint16_t get16(const uint8_t *p, bool be)
{
    return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static int stop(rd_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->msg && c->msglen)
        vsnprintf(c->msg, c->msglen, fmt, ap);
    va_end(ap);
    return -1;
}

/* UDP (RFC 768): the Length field bounds the payload when it fits. */
static bool udp_deliver(rd_ctx *c, app_pcap_udp *d, const uint8_t *p, size_t len)
{
    if (len < 8)
        return false;
    d->sport = get16(p, true);
    d->dport = get16(p + 2, true);
    size_t ulen = get16(p + 4, true);
    if (ulen >= 8 && ulen <= len)
        len = ulen;
    d->payload = p + 8;
    d->len = len - 8;
    c->st->udp++;
    c->cb(c->ud, d);
    return true;
}

/* IPv4 (RFC 791) or IPv6 (RFC 8200) by the version nibble; fragments are not
 * reassembled (QUIC datagrams are sent with DF, RFC 9000 §14). */
static bool ip_deliver(rd_ctx *c, app_pcap_udp *d, const uint8_t *p, size_t len)
{
    if (len < 1)
        return false;
    if ((p[0] >> 4) == 4) {
        size_t ihl = (size_t)(p[0] & 0x0f) * 4;
        if (len < 20 || ihl < 20 || ihl > len)
            return false;
        size_t total = get16(p + 2, true);
        if (total >= ihl && total <= len)
            len = total; /* Ethernet pads short frames */
        uint16_t frag = get16(p + 6, true);
        if ((frag & 0x2000) || (frag & 0x1fff) || p[9] != 17)
            return false;
        d->family = 4;
        memcpy(d->src, p + 12, 4);
        memcpy(d->dst, p + 16, 4);
        return udp_deliver(c, d, p + ihl, len - ihl);
    }
    if ((p[0] >> 4) == 6) {
        if (len < 40)
            return false;
        size_t plen = get16(p + 4, true);
        if (plen + 40 <= len)
            len = plen + 40;
        d->family = 6;
        memcpy(d->src, p + 8, 16);
        memcpy(d->dst, p + 24, 16);
        uint8_t next = p[6];
        size_t off = 40;
        /* Hop-by-hop, routing, destination options (RFC 8200 §4), AH (RFC 4302). */
        for (int hops = 0; hops < 8 && next != 17; hops++) {
            if (off + 2 > len)
                return false;
            size_t elen;
            if (next == 0 || next == 43 || next == 60)
                elen = ((size_t)p[off + 1] + 1) * 8;
            else if (next == 51)
                elen = ((size_t)p[off + 1] + 2) * 4;
            else
                return false; /* fragment (44), ESP, no next header, other transports */
            next = p[off];
            off += elen;
        }
        if (next != 17 || off > len)
            return false;
        return udp_deliver(c, d, p + off, len - off);
    }
    return false;
}

/* The network layer inside one frame of the given link type; -1: link type unknown. */
static int link_deliver(rd_ctx *c, uint32_t link, app_pcap_udp *d, const uint8_t *p, size_t len)
{
    size_t off;
    uint16_t proto;
    switch (link) {
    case APP_LINK_NULL: /* 4-byte address family in the capturer's byte order */
        off = 4;
        break;
    case APP_LINK_RAW:
    case APP_LINK_IPV4:
    case APP_LINK_IPV6:
        off = 0;
        break;
    case APP_LINK_ETHERNET:
        if (len < 14)
            return 0;
        off = 12;
        proto = get16(p + off, true);
        /* 802.1Q / 802.1ad tags, up to two */
        for (int tags = 0; tags < 2 && (proto == 0x8100 || proto == 0x88a8); tags++) {
            off += 4;
            if (off + 2 > len)
                return 0;
            proto = get16(p + off, true);
        }
        off += 2;
        if (proto != 0x0800 && proto != 0x86dd)
            return 0;
        break;
    case APP_LINK_LINUX_SLL:
        if (len < 16)
            return 0;
        proto = get16(p + 14, true);
        if (proto != 0x0800 && proto != 0x86dd)
            return 0;
        off = 16;
        break;
    case APP_LINK_LINUX_SLL2:
        if (len < 20)
            return 0;
        proto = get16(p, true);
        if (proto != 0x0800 && proto != 0x86dd)
            return 0;
        off = 20;
        break;
    default:
        return -1;
    }
    if (off > len)
        return 0;
    return ip_deliver(c, d, p + off, len - off) ? 1 : 0;
}

static int record(rd_ctx *c, uint32_t link, uint64_t ts_ns, const uint8_t *p, size_t len)
{
    app_pcap_udp d;
    memset(&d, 0, sizeof d);
    d.record = ++c->st->records;
    d.ts_ns = ts_ns;
    int r = link_deliver(c, link, &d, p, len);
    if (r < 0)
        return stop(c, "link type %u is not supported", (unsigned)link);
    if (r == 0)
        c->st->skipped++;
    return 0;
}

static int read_classic(rd_ctx *c, const uint8_t *p, size_t len, bool be, bool ns)
{
    if (len < 24)
        return stop(c, "truncated pcap file header (%zu of 24 bytes)", len);
    uint32_t link = get32(p + 20, be) & 0xffff; /* upper bits: FCS length */
    size_t off = 24;
    while (off < len) {
        if (len - off < 16)
            return stop(c, "truncated record header at byte %zu", off);
        uint64_t sec = get32(p + off, be), frac = get32(p + off + 4, be);
        size_t incl = get32(p + off + 8, be);
        off += 16;
        if (incl > len - off)
            return stop(c, "truncated record at byte %zu (%zu of %zu bytes)", off - 16,
                        len - off, incl);
        if (record(c, link, sec * 1000000000u + (ns ? frac : frac * 1000u), p + off, incl) < 0)
            return -1;
        off += incl;
    }
    return 0;
}

typedef struct ng_if {
    uint32_t link;
    uint32_t snaplen;
    uint64_t units;      /* timestamp units per second */
} ng_if;

/* if_tsresol (option 9): 10^-v, or 2^-v when the high bit is set. */
static uint64_t ng_units(uint8_t v)
{
    uint64_t u = 1;
    unsigned e = v & 0x7f;
    if (v & 0x80) {
        return e < 63 ? (uint64_t)1 << e : 0;
    }
    for (unsigned i = 0; i < e && i < 19; i++)
        u *= 10;
    return e < 20 ? u : 0;
}

static uint64_t ng_ns(uint64_t ts, uint64_t units)
{
    if (units == 0)
        return 0;
    if (units == 1000000000u)
        return ts;
    /* seconds and remainder separately so the product does not overflow */
    uint64_t sec = ts / units, rem = ts % units;
    long double f = (long double)rem * 1e9L / (long double)units;
    return sec * 1000000000u + (uint64_t)f;
}

static void ng_idb(const uint8_t *b, size_t blen, bool be, ng_if *ifc)
{
    ifc->link = get16(b + 8, be);
    ifc->snaplen = get32(b + 12, be);
    ifc->units = 1000000;
    size_t off = 16;
    while (off + 4 <= blen - 4) {
        uint16_t code = get16(b + off, be), olen = get16(b + off + 2, be);
        off += 4;
        if (code == 0 || olen > blen - 4 - off)
            break;
        if (code == 9 && olen >= 1)
            ifc->units = ng_units(b[off]);
        off += ((size_t)olen + 3) & ~(size_t)3;
    }
}

static int read_ng(rd_ctx *c, const uint8_t *p, size_t len)
{
    ng_if ifs[PCAPNG_MAX_IF];
    size_t nif = 0;
    bool be = false;
    size_t off = 0;
    while (off < len) {
        if (len - off < 12)
            return stop(c, "truncated block header at byte %zu", off);
        const uint8_t *b = p + off;
        uint32_t type = get32(b, be);
        if (type == PCAPNG_SHB) {
            /* A new section: its own byte order and interfaces. */
            uint32_t bom = get32(b + 8, false);
            if (bom == PCAPNG_BOM)
                be = false;
            else if (bom == 0x4d3c2b1au)
                be = true;
            else
                return stop(c, "bad pcapng byte-order magic at byte %zu", off);
            nif = 0;
        }
        size_t blen = get32(b + 4, be);
        if (blen < 12 || blen % 4 != 0)
            return stop(c, "bad block length %zu at byte %zu", blen, off);
        if (blen > len - off)
            return stop(c, "truncated block at byte %zu (%zu of %zu bytes)", off, len - off, blen);
        if (get32(b + blen - 4, be) != blen)
            return stop(c, "block at byte %zu: trailing length differs", off);
        if (type == PCAPNG_SHB) {
            if (blen < 28)
                return stop(c, "section header block too short at byte %zu", off);
        } else if (type == PCAPNG_IDB) {
            if (blen < 20)
                return stop(c, "interface description block too short at byte %zu", off);
            if (nif == PCAPNG_MAX_IF)
                return stop(c, "more than %d interfaces", PCAPNG_MAX_IF);
            ng_idb(b, blen, be, &ifs[nif++]);
        } else if (type == PCAPNG_EPB) {
            if (blen < 32)
                return stop(c, "enhanced packet block too short at byte %zu", off);
            uint32_t id = get32(b + 8, be);
            uint64_t ts = (uint64_t)get32(b + 12, be) << 32 | get32(b + 16, be);
            size_t cap = get32(b + 20, be);
            if (id >= nif)
                return stop(c, "packet at byte %zu names interface %u, not described", off,
                            (unsigned)id);
            if (cap > blen - 32)
                return stop(c, "packet at byte %zu: captured length %zu beyond its block", off, cap);
            if (record(c, ifs[id].link, ng_ns(ts, ifs[id].units), b + 28, cap) < 0)
                return -1;
        } else if (type == PCAPNG_SPB) {
            if (blen < 16)
                return stop(c, "simple packet block too short at byte %zu", off);
            if (nif == 0)
                return stop(c, "simple packet block at byte %zu without an interface", off);
            size_t orig = get32(b + 8, be), cap = blen - 16;
            if (orig < cap)
                cap = orig;
            if (ifs[0].snaplen && ifs[0].snaplen < cap)
                cap = ifs[0].snaplen;
            if (record(c, ifs[0].link, 0, b + 12, cap) < 0)
                return -1;
        } else {
            c->st->blocks_skipped++; /* statistics, name resolution, secrets, ... */
        }
        off += blen;
    }
    return 0;
}

int app_pcap_read(const uint8_t *p, size_t len, app_pcap_cb cb, void *ud, app_pcap_stats *st,
                  char *msg, size_t msglen)
{
    app_pcap_stats dummy;
    rd_ctx c = {cb, ud, st ? st : &dummy, msg, msglen};
    memset(c.st, 0, sizeof *c.st);
    if (msg && msglen)
        msg[0] = 0;
    if (len < 4)
        return stop(&c, "not a capture: %zu bytes", len) - 1;
    uint32_t m = get32(p, false);
    if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS)
        return read_classic(&c, p, len, false, m == PCAP_MAGIC_NS);
    m = get32(p, true);
    if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS)
        return read_classic(&c, p, len, true, m == PCAP_MAGIC_NS);
    if (m == PCAPNG_SHB)
        return read_ng(&c, p, len);
    return stop(&c, "not a pcap or pcapng file (magic %08x)", (unsigned)m) - 1;
}
