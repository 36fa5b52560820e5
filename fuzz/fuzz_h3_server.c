/* Fuzz: a server h3_conn fed arbitrary stream bytes on several stream ids, resets,
 * STOP_SENDING and datagrams. It answers requests and sends datagrams like the ping-pong
 * server, draining every output after each input. Nothing may crash or leak. */
#include "h3/h3.h"

#include <stdlib.h>

static const uint64_t ids[] = {0, 4, 8, 2, 6, 10, 14, 1, 3, 5, 7, 12, 400};

static void drain(h3_conn *c)
{
    h3_event ev;
    while (h3_conn_next_event(c, &ev)) {
        if (ev.type == H3_EV_REQUEST) {
            unsigned st = h3_conn_datagrams_enabled(c) ? 200 : 400;
            (void)h3_conn_send_response(c, ev.stream_id, st, NULL, 0);
            (void)h3_conn_send_datagram(c, ev.stream_id, (const uint8_t *)"\0\0\0\0\0\0\0\0", 8);
            (void)h3_conn_send_datagram_capsule(c, ev.stream_id, (const uint8_t *)"x", 1);
        } else if (ev.type == H3_EV_DATAGRAM) {
            (void)h3_conn_send_datagram(c, ev.stream_id, ev.data, ev.len);
        } else if (ev.type == H3_EV_FIN) {
            (void)h3_conn_send_data(c, ev.stream_id, (const uint8_t *)"bye", 3, true);
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
    h3_config_default(&cfg, H3_ROLE_SERVER);
    cfg.max_frame_payload = 2048;
    cfg.max_field_section_size = 2048;
    cfg.max_streams = 8;
    cfg.max_capsule = 256;
    cfg.max_event_bytes = 1 << 16;
    h3_conn *c;
    if (h3_conn_new(&cfg, &c) != 0)
        return 0;
    h3_conn_set_transport(c, size > 0 ? (data[0] & 1) : 1, 1200);
    h3_conn_set_bidi_stream_limit(c, size > 0 ? data[0] >> 4 : 0);
    (void)h3_conn_start(c);
    size_t off = 1;
    while (off + 2 <= size) {
        uint8_t op = data[off], arg = data[off + 1];
        off += 2;
        uint64_t sid = ids[(op >> 2) % (sizeof ids / sizeof ids[0])];
        size_t len = arg;
        if (len > size - off)
            len = size - off;
        int rc = 0;
        switch (op & 3) {
        case 0: /* stream bytes, fin on the top bit of op */
            rc = h3_conn_on_stream_data(c, sid, data + off, len, (op & 0x80) != 0);
            off += len;
            break;
        case 1:
            rc = h3_conn_on_datagram(c, data + off, len);
            off += len;
            break;
        case 2:
            rc = h3_conn_on_stream_reset(c, sid, arg);
            break;
        default:
            rc = h3_conn_on_stop_sending(c, sid, arg);
            break;
        }
        drain(c);
        if (rc < 0)
            break;
    }
    h3_conn_free(c);
    return 0;
}
