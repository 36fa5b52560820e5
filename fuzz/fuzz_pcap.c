/* Fuzz: the capture reader of quince decode (app/pcap.h) over any bytes:
 * never reads outside the input, every datagram it hands out lies inside the
 * input, and its counts add up. The reader is one pure file and is compiled
 * into the target, so the target links no app library (no sockets). */
#include "app/pcap.c"

#include <stdlib.h>

typedef struct span {
    const uint8_t *p;
    size_t len, seen;
    uint64_t sum;
} span;

static void on_udp(void *ud, const app_pcap_udp *d)
{
    span *s = ud;
    if (d->payload < s->p || d->len > s->len || d->payload + d->len > s->p + s->len)
        abort();
    if (d->family != 4 && d->family != 6)
        abort();
    for (size_t i = 0; i < d->len; i++) /* touch every byte: ASan checks the bounds */
        s->sum += d->payload[i];
    s->seen++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    span s = {data, size, 0, 0};
    app_pcap_stats st;
    char msg[128];
    int rc = app_pcap_read(data, size, on_udp, &s, &st, msg, sizeof msg);
    if (rc != 0 && rc != -1 && rc != -2)
        abort();
    if (rc != 0 && msg[0] == 0)
        abort(); /* a stop always says why */
    if (st.udp != s.seen || st.udp + st.skipped > st.records)
        abort();
    return 0;
}
