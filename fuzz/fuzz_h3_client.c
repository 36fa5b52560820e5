/* Fuzz: a client h3_conn with two requests open (GET on stream 0, CONNECT on stream 4)
 * fed arbitrary server stream bytes, resets, STOP_SENDING and datagrams; it answers
 * datagrams and ends streams like the ping-pong client. Nothing may crash or leak. */
#include "h3/h3.h"

#include <stdlib.h>

static const uint64_t ids[] = {0, 4, 3, 7, 11, 15, 1, 2, 8};

static void drain(h3_conn *c)
{
    h3_event ev;
    while (h3_conn_next_event(c, &ev)) {
        if (ev.type == H3_EV_DATAGRAM)
            (void)h3_conn_send_datagram(c, ev.stream_id, ev.data, ev.len);
        else if (ev.type == H3_EV_RESPONSE)
            (void)h3_conn_send_datagram_capsule(c, ev.stream_id, (const uint8_t *)"x", 1);
        else if (ev.type == H3_EV_FIN)
            (void)h3_conn_send_fin(c, ev.stream_id);
        else if (ev.type == H3_EV_SETTINGS && h3_conn_peer_extended_connect(c)) {
            static const h3_field ext[] = {
                {(const uint8_t *)":method", 7, (const uint8_t *)"CONNECT", 7},
                {(const uint8_t *)":protocol", 9, (const uint8_t *)"connect-udp", 11},
                {(const uint8_t *)":scheme", 7, (const uint8_t *)"https", 5},
                {(const uint8_t *)":path", 5, (const uint8_t *)"/", 1},
                {(const uint8_t *)":authority", 10, (const uint8_t *)"p", 1},
                {(const uint8_t *)"capsule-protocol", 16, (const uint8_t *)"?1", 2},
            };
            uint64_t sid;
            (void)h3_conn_send_request(c, ext, 6, &sid);
        }
    }
    h3_stream_out o;
    int guard = 0;
    while (h3_conn_peek_stream(c, &o) && guard++ < 64)
        h3_conn_consume_stream(c, o.stream_id, o.len);
    h3_action a;
    while (h3_conn_next_action(c, &a)) {
    }
    const uint8_t *p;
    size_t len;
    while (h3_conn_next_datagram(c, &p, &len)) {
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    h3_config cfg;
    h3_config_default(&cfg, H3_ROLE_CLIENT);
    cfg.max_frame_payload = 2048;
    cfg.max_field_section_size = 2048;
    cfg.max_streams = 8;
    cfg.max_capsule = 256;
    cfg.max_event_bytes = 1 << 16;
    h3_conn *c;
    if (h3_conn_new(&cfg, &c) != 0)
        return 0;
    h3_conn_set_transport(c, size > 0 ? (data[0] & 1) : 1, 1200);
    (void)h3_conn_start(c);
    static const h3_field get[] = {
        {(const uint8_t *)":method", 7, (const uint8_t *)"GET", 3},
        {(const uint8_t *)":scheme", 7, (const uint8_t *)"https", 5},
        {(const uint8_t *)":path", 5, (const uint8_t *)"/ping-pong", 10},
        {(const uint8_t *)":authority", 10, (const uint8_t *)"localhost:8080", 14},
    };
    static const h3_field conn[] = {
        {(const uint8_t *)":method", 7, (const uint8_t *)"CONNECT", 7},
        {(const uint8_t *)":authority", 10, (const uint8_t *)"example.org:443", 15},
    };
    uint64_t sid;
    (void)h3_conn_send_request(c, get, 4, &sid);
    (void)h3_conn_send_request(c, conn, 2, &sid);
    drain(c);
    size_t off = 1;
    while (off + 2 <= size) {
        uint8_t op = data[off], arg = data[off + 1];
        off += 2;
        uint64_t id = ids[(op >> 2) % (sizeof ids / sizeof ids[0])];
        size_t len = arg;
        if (len > size - off)
            len = size - off;
        int rc;
        switch (op & 3) {
        case 0:
            rc = h3_conn_on_stream_data(c, id, data + off, len, (op & 0x80) != 0);
            off += len;
            break;
        case 1:
            rc = h3_conn_on_datagram(c, data + off, len);
            off += len;
            break;
        case 2:
            rc = h3_conn_on_stream_reset(c, id, arg);
            break;
        default:
            rc = h3_conn_on_stop_sending(c, id, arg);
            break;
        }
        drain(c);
        if (rc < 0)
            break;
    }
    h3_conn_free(c);
    return 0;
}
