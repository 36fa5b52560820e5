/* Fuzz: unprotect arbitrary bytes with fixed Initial keys (the client's and the
 * server's of the Illustrated QUIC connection, DCID 0001020304050607): every
 * packet of the datagram, and the raw input at an input-chosen pn offset. Must
 * never crash or read out of bounds. Fuzz builds use the null AEAD, so packets
 * with any tag reach the reserved-bit check and the payload. */
#include "crypto/cx_quic_keys.h"
#include "quic/packet.h"
#include "quic/pn.h"
#include "quic/protect.h"

#include <stdlib.h>
#include <string.h>

static quic_pkt_keys g_keys[2];
static int g_ready;

static void setup(void)
{
    static const uint8_t dcid[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    cx_quic_keys c, s;
    if (cx_quic_initial_keys(CX_QUIC_V1, dcid, 8, &c, &s) != CX_OK ||
        quic_pkt_keys_init(&g_keys[0], NULL, &c) != 0 ||
        quic_pkt_keys_init(&g_keys[1], NULL, &s) != 0)
        abort();
    g_ready = 1;
}

static uint8_t g_buf[65536];

static void try_unprotect(const uint8_t *pkt, size_t len, size_t pn_offset, uint64_t largest)
{
    for (int k = 0; k < 2; k++) {
        quic_pkt_clear c;
        memcpy(g_buf, pkt, len);
        int rc = quic_pkt_unprotect(&g_keys[k], g_buf, len, pn_offset, largest, &c);
        if (rc == 0 || rc == QUIC_PKT_ERR_RESERVED) {
            if (c.payload_offset + c.payload_len + 16 != len || c.pn_len < 1 || c.pn_len > 4 ||
                c.pn > QUIC_PN_MAX)
                abort();
            /* Protecting what came out must work and give a packet that
             * unprotects to the same packet number and payload. */
            uint8_t again[64];
            size_t n = len < sizeof again ? len : 0;
            if (n && rc == 0) {
                memcpy(again, g_buf, n);
                if (quic_pkt_protect(&g_keys[k], again, n, pn_offset, c.pn_len, c.pn) != 0)
                    abort();
                quic_pkt_clear c2;
                if (quic_pkt_unprotect(&g_keys[k], again, n, pn_offset, largest, &c2) != 0 ||
                    c2.pn != c.pn || memcmp(again + c2.payload_offset,
                                            g_buf + c.payload_offset, c.payload_len) != 0)
                    abort();
            }
        } else if (rc != QUIC_PKT_ERR_SHORT_SAMPLE && rc != QUIC_PKT_ERR_DECRYPT) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_ready)
        setup();
    if (size > sizeof g_buf)
        return 0;
    quic_dgram_iter it;
    quic_pkt_hdr h;
    quic_dgram_iter_init(&it, data, size, 5);
    while (quic_dgram_next(&it, &h) == 1) {
        if (h.type == QUIC_PKT_VN || h.type == QUIC_PKT_RETRY)
            continue;
        try_unprotect(h.pkt, h.pkt_len, h.pn_offset, QUIC_PN_NONE);
    }
    /* Raw: the first two bytes choose pn_offset and the largest pn. */
    if (size >= 2)
        try_unprotect(data + 2, size - 2, 1 + data[0] % 64, data[1] ? (uint64_t)data[1] << 24
                                                                 : QUIC_PN_NONE);
    return 0;
}
