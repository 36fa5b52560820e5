/* The defaults of quic_config (quic/quic.h): what a connection announces and
 * the limits it keeps when the application changes nothing. Pure: no
 * connection state. */
#include "quic/quic.h"

#include <string.h>

void quic_config_init(quic_config *c, bool is_server, const tls_config *tls)
{
    memset(c, 0, sizeof *c);
    c->is_server = is_server;
    c->tls = tls;
    c->scid_len = 8;
    c->max_idle_timeout_ms = 30000;
    c->initial_max_data = 1u << 20;
    c->initial_max_stream_data = 256u << 10;
    c->initial_max_streams_bidi = 100;
    c->initial_max_streams_uni = 100;
    c->max_datagram_frame_size = 65535;
    c->max_ack_delay_ms = 25;
    c->max_udp_payload = 1452;
    c->max_crypto_buffer = 64u << 10;
    c->dgram_recv_queue = 256;
    c->dgram_send_queue = 256;
    c->dgram_max_age_us = 1000000;
    c->stream_send_buffer = 1u << 20;
    c->key_update_after = 1u << 20; /* far below AES-GCM's 2^23 packet limit */
}
