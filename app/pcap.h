/* A pure reader of packet captures for `quince decode`: classic pcap (both byte
 * orders, micro- and nanosecond timestamps) and pcapng (SHB, IDB, EPB, SPB; both
 * byte orders; other blocks skipped), link types null/loopback (0), Ethernet (1),
 * raw IP (101, 228, 229), Linux cooked SLL (113) and SLL2 (276); IPv4 and IPv6
 * (extension headers walked), UDP. It takes (pointer, length) and calls back for
 * every UDP datagram, so a fuzzer can drive it; it never allocates. */
#ifndef APP_PCAP_H
#define APP_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One UDP datagram found in the capture. Pointers point into the input. */
typedef struct app_pcap_udp {
    size_t record;   /* 1-based record (frame) number in the file */
    uint64_t ts_ns;  /* capture time, nanoseconds since the epoch */
    int family;      /* 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 addresses use the first 4 bytes */
    uint16_t sport, dport;
    const uint8_t *payload;
    size_t len;
} app_pcap_udp;

typedef struct app_pcap_stats {
    size_t records; /* packet records read */
    size_t udp;     /* UDP datagrams handed to the callback */
    size_t skipped; /* records that were not UDP over IP (or fragments, or cut short) */
    size_t blocks_skipped; /* pcapng blocks of types this reader does not use */
} app_pcap_stats;

typedef void (*app_pcap_cb)(void *ud, const app_pcap_udp *d);

/* Reads the whole capture p[0..len). Returns 0 when the file ended where a
 * record could end, -1 when it stopped early (truncated record, bad block
 * length, unknown link type), -2 when it is not a capture at all: msg says why
 * and at which byte. The datagrams before the stop were delivered. */
int app_pcap_read(const uint8_t *p, size_t len, app_pcap_cb cb, void *ud, app_pcap_stats *st,
                  char *msg, size_t msglen);

/* Link types (tcpdump.org/linktypes.html). */
enum {
    APP_LINK_NULL = 0,
    APP_LINK_ETHERNET = 1,
    APP_LINK_RAW = 101,
    APP_LINK_LINUX_SLL = 113,
    APP_LINK_IPV4 = 228,
    APP_LINK_IPV6 = 229,
    APP_LINK_LINUX_SLL2 = 276,
};

/* ---- writer: what quince itself sends and receives, as a classic pcap with
 * link type raw IP (101), nanosecond timestamps ---- */
typedef struct app_pcap_writer {
    FILE *f;
} app_pcap_writer;

/* Creates path and writes the file header. -1 with errno on failure. */
int app_pcap_writer_open(app_pcap_writer *w, const char *path);
/* One UDP datagram from src to dst (struct sockaddr_in or sockaddr_in6, both of
 * the same family) at ts_ns (wall clock). */
int app_pcap_writer_add(app_pcap_writer *w, uint64_t ts_ns, const void *src, const void *dst,
                        const uint8_t *payload, size_t len);
void app_pcap_writer_close(app_pcap_writer *w);

#endif
