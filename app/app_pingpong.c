/* The ping-pong state machines (app_pingpong.h). */
#include "app/app_pingpong.h"

#include "app/app_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTINGS_WAIT_US (10 * 1000000ull) /* the blog's 10 s */
#define RESEND_US 500000ull /* nothing new for this long: send the last one again */
#define LINGER_US (5 * 1000000ull)
/* A peer that has not answered the same value this many times (10 s, or
 * --timeout) is gone or playing to another final value: give up rather than hang. */
#define MAX_RESENDS_IN_A_ROW 20

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

int app_pp_init(app_pp *pp, bool is_server, h3q_conn *h3, const char *authority, int method,
                uint64_t final, size_t size)
{
    memset(pp, 0, sizeof *pp);
    pp->is_server = is_server;
    pp->who = is_server ? "server" : "client";
    pp->state = is_server ? APP_PP_WAIT_REQUEST : APP_PP_WAIT_SETTINGS;
    pp->h3 = h3;
    pp->authority = authority;
    pp->method = method;
    pp->final = final;
    pp->size = size < 8 ? 8 : size;
    pp->resend_after = RESEND_US;
    pp->max_resends = MAX_RESENDS_IN_A_ROW;
    pp->buf_cap = pp->size > 65535 ? 65535 : pp->size;
    if (pp->buf_cap < 65535)
        pp->buf_cap = 65535; /* the server echoes whatever size the client picked */
    pp->buf = calloc(1, pp->buf_cap);
    return pp->buf ? 0 : -1;
}

void app_pp_set_timeout(app_pp *pp, uint64_t us)
{
    uint64_t n = us / RESEND_US;
    pp->max_resends = n < 1 ? 1 : n > 100000 ? 100000 : (unsigned)n;
}

void app_pp_free(app_pp *pp)
{
    free(pp->buf);
    pp->buf = NULL;
}

static void fail(app_pp *pp, const char *why)
{
    if (pp->state == APP_PP_FAILED)
        return;
    snprintf(pp->error, sizeof pp->error, "%s", why);
    pp->state = APP_PP_FAILED;
    app_error("%s: %s", pp->who, why);
}

/* Can a --size payload of n bytes go out on this connection? The client's
 * --size fails at once, with both numbers, when the peer's
 * max_datagram_frame_size (RFC 9221 §3) cannot take it, and after one resend
 * interval when the path cannot (a PMTU probe in flight may still raise the
 * path's limit, RFC 9000 §14.3), instead of resending into the void until the
 * timeout. The server only echoes what arrived, which fitted. */
static bool dgram_fits(app_pp *pp, size_t n)
{
    h3_conn *h = h3q_h3(pp->h3);
    if (pp->is_server || !h || n <= h3_conn_max_datagram_payload(h, pp->stream_id))
        return true;
    size_t oh = h3_datagram_overhead(pp->stream_id);
    uint64_t peer = quic_conn_peer_max_dgram(h3q_quic(pp->h3));
    /* The DATAGRAM frame's type and length (RFC 9221 §4) and the Quarter
     * Stream ID (RFC 9297 §2.1) come out of the peer's frame limit. */
    size_t by_peer = peer > 3 + oh ? (size_t)(peer - 3 - oh) : 0;
    char why[256];
    if (n > by_peer) {
        snprintf(why, sizeof why,
                 "--size %zu is more than the peer accepts: %zu bytes (its max_datagram_frame_size "
                 "%llu minus the frame and HTTP datagram headers)", n, by_peer, (unsigned long long)peer);
        fail(pp, why);
        return false;
    }
    if (!pp->size_waited) {
        pp->size_waited = true;
        return true; /* the send fails; the resend decides */
    }
    size_t path = quic_conn_dgram_max(h3q_quic(pp->h3));
    snprintf(why, sizeof why,
             "--size %zu is more than the path carries: %zu bytes per HTTP datagram (%zu per QUIC "
             "datagram minus the %zu-byte HTTP datagram prefix)", n, path > oh ? path - oh : 0, path, oh);
    fail(pp, why);
    return false;
}

/* Sends value in a payload of n bytes: the counter (8 bytes big-endian), then
 * padding where byte i is i & 0xff (the rule both implementations check), and
 * arms the resend timer. */
static void send_value(app_pp *pp, uint64_t value, size_t n, uint64_t now)
{
    if (n < 8)
        n = 8;
    if (n > pp->buf_cap)
        n = pp->buf_cap;
    put_be64(pp->buf, value);
    for (size_t i = 8; i < n; i++)
        pp->buf[i] = (uint8_t)(i & 0xff);
    pp->buf_len = n;
    pp->last_tx = value;
    if (!dgram_fits(pp, n))
        return;
    if (pp->drop_every && ++pp->first_sends % pp->drop_every == 0)
        /* --drop-every: as if the network lost it; the resend timer recovers */
        app_debug("%s: skipped datagram value=%llu on purpose", pp->who, (unsigned long long)value);
    else if (h3q_send_datagram(pp->h3, pp->stream_id, pp->buf, n) != 0)
        app_warn("%s: datagram of %zu bytes not queued", pp->who, n);
    pp->resend_at = now + pp->resend_after;
}

static void resend(app_pp *pp, uint64_t now)
{
    if (++pp->resends_in_a_row > pp->max_resends && !pp->sent_final) {
        char why[160];
        snprintf(why, sizeof why,
                 "no answer to value=%llu after %u resends (is the peer gone, or playing to "
                 "another --count?)", (unsigned long long)pp->last_tx, pp->max_resends);
        fail(pp, why);
        return;
    }
    if (!dgram_fits(pp, pp->buf_len))
        return;
    pp->resends++;
    app_debug("%s: resent datagram value=%llu", pp->who, (unsigned long long)pp->last_tx);
    if (h3q_send_datagram(pp->h3, pp->stream_id, pp->buf, pp->buf_len) != 0)
        app_warn("%s: datagram not queued", pp->who);
    pp->resend_at = now + pp->resend_after;
}

/* A value past our final one (after we sent or received the final value):
 * the two sides play to different --count values. Rather than resend our
 * final value until the linger or resend limit, end it now, and close with
 * H3_GENERAL_PROTOCOL_ERROR, not H3_NO_ERROR: the exchange broke its rule
 * (each side stops at the final value), and a peer that sent its own final
 * value and waits for our close takes H3_NO_ERROR for success (RFC 9114 §8.1:
 * the general code when no more specific one fits; the ping-pong has no
 * error codes of its own). The reason says what went wrong. */
static void beyond_final(app_pp *pp, uint64_t v)
{
    const char *peer = pp->is_server ? "client" : "server";
    char why[200];
    snprintf(why, sizeof why, "%s answered %llu after our final value %llu: does the %s use "
             "another --count?", peer, (unsigned long long)v, (unsigned long long)pp->final, peer);
    fail(pp, why);
    h3q_close(pp->h3, H3_GENERAL_PROTOCOL_ERROR, why);
    pp->closed_by_us = true;
    pp->resend_at = 0;
}

static void on_datagram(app_pp *pp, const h3_event *ev, uint64_t now)
{
    if (ev->stream_id == pp->stream_id && pp->state == APP_PP_DONE && ev->len >= 8 &&
        get_be64(ev->data) > pp->final) {
        beyond_final(pp, get_be64(ev->data));
        return;
    }
    if (ev->stream_id != pp->stream_id || pp->state != APP_PP_RUNNING)
        return;
    if (ev->len < 8) {
        fail(pp, "a datagram shorter than the 8-byte counter");
        return;
    }
    uint64_t v = get_be64(ev->data);
    if (pp->have_rx && v <= pp->last_rx) {
        /* A repeat: counted, never answered (answering repeats can start an
         * endless echo); our own timer resends if we are the one waiting. */
        pp->duplicates++;
        return;
    }
    if (v != pp->last_tx + 1) {
        char why[96];
        snprintf(why, sizeof why, "value %llu skips ahead of %llu", (unsigned long long)v,
                 (unsigned long long)(pp->last_tx + 1));
        fail(pp, why);
        return;
    }
    for (size_t i = 8; i < ev->len; i++) {
        if (ev->data[i] != (uint8_t)(i & 0xff)) {
            fail(pp, "bad padding in a datagram");
            return;
        }
    }
    pp->have_rx = true;
    pp->last_rx = v;
    pp->resends_in_a_row = 0;
    app_info("%s: received datagram value=%llu", pp->who, (unsigned long long)v);
    if (v >= pp->final) {
        /* The blog's line (interop checks it) for a program that exits
         * now; a server serving many stays. */
        app_info("%s: received final datagram%s", pp->who, pp->stays ? "" : ", exiting");
        pp->state = APP_PP_DONE;
        pp->resend_at = 0;
        return;
    }
    /* The server echoes the client's size; the client sends its own. */
    send_value(pp, v + 1, pp->is_server ? ev->len : pp->size, now);
    if (v + 1 >= pp->final) {
        app_info("%s: sent final datagram%s", pp->who, pp->stays ? "" : ", exiting");
        pp->state = APP_PP_DONE;
        pp->sent_final = true;
        /* Until the peer closes (at most a few seconds), the final value is
         * sent again on the timer in case it was lost. */
        pp->linger_until = now + LINGER_US;
    }
}

static bool path_is_pingpong(const h3_request_head *r)
{
    /* Classic CONNECT has no :path (RFC 9114 §4.4): it means the ping-pong. */
    if (r->connect && !r->extended_connect)
        return true;
    return r->path.len == 10 && !memcmp(r->path.p, "/ping-pong", 10);
}

static void server_answer(app_pp *pp, uint64_t now)
{
    h3_conn *h = h3q_h3(pp->h3);
    if (!h3_conn_datagrams_enabled(h)) {
        static const char body[] = "datagram support not enabled\n";
        h3q_send_response(pp->h3, pp->stream_id, 400);
        h3q_send_data(pp->h3, pp->stream_id, (const uint8_t *)body, sizeof body - 1, true);
        fail(pp, "client has no datagram support: answered 400");
        return;
    }
    h3q_send_response(pp->h3, pp->stream_id, 200);
    pp->state = APP_PP_RUNNING;
    pp->have_rx = false;
    /* the server's first value is 0, 8 bytes, and 1 comes back */
    send_value(pp, 0, 8, now);
}

static void on_request(app_pp *pp, const h3_event *ev, uint64_t now)
{
    if (pp->state != APP_PP_WAIT_REQUEST) {
        h3q_send_response(pp->h3, ev->stream_id, 429);
        h3q_send_data(pp->h3, ev->stream_id, NULL, 0, true);
        return;
    }
    if (!path_is_pingpong(&ev->req)) {
        static const char body[] = "not found: try /ping-pong\n";
        h3q_send_response(pp->h3, ev->stream_id, 404);
        h3q_send_data(pp->h3, ev->stream_id, (const uint8_t *)body, sizeof body - 1, true);
        return;
    }
    pp->stream_id = ev->stream_id;
    if (!h3_conn_peer_settings_received(h3q_h3(pp->h3))) {
        pp->pending_request = true;
        pp->settings_deadline = now + SETTINGS_WAIT_US;
        return;
    }
    server_answer(pp, now);
}

static void client_request(app_pp *pp)
{
    h3_conn *h = h3q_h3(pp->h3);
    if (!h3_conn_datagrams_enabled(h) && !pp->no_datagrams) {
        h3q_close(pp->h3, H3_NO_ERROR, "datagram support not enabled");
        fail(pp, "the server does not support HTTP datagrams (no SETTINGS_H3_DATAGRAM)");
        return;
    }
    int rc;
    if (pp->method == 1)
        rc = h3q_connect(pp->h3, pp->authority, &pp->stream_id);
    else if (pp->method == 2)
        rc = h3q_connect_ext(pp->h3, "ping-pong", pp->authority, "/ping-pong", &pp->stream_id);
    else
        rc = h3q_get(pp->h3, pp->authority, "/ping-pong", &pp->stream_id);
    if (rc != 0) {
        fail(pp, "cannot send the request");
        return;
    }
    pp->state = APP_PP_WAIT_RESPONSE;
}

void app_pp_step(app_pp *pp, uint64_t now)
{
    h3_event ev;
    while (h3q_next_event(pp->h3, &ev)) {
        switch (ev.type) {
        case H3_EV_SETTINGS:
            if (!pp->is_server && pp->state == APP_PP_WAIT_SETTINGS)
                client_request(pp);
            if (pp->is_server && pp->pending_request) {
                pp->pending_request = false;
                server_answer(pp, now);
            }
            break;
        case H3_EV_REQUEST:
            if (pp->is_server)
                on_request(pp, &ev, now);
            break;
        case H3_EV_RESPONSE:
            if (!pp->is_server && ev.stream_id == pp->stream_id && pp->state == APP_PP_WAIT_RESPONSE) {
                if (ev.status != 200) {
                    char why[96];
                    snprintf(why, sizeof why, "the server answered %u", ev.status);
                    fail(pp, why);
                } else {
                    pp->state = APP_PP_RUNNING;
                    /* waiting for the server's 0; nothing of ours to resend yet */
                    pp->last_tx = (uint64_t)-1;
                }
            }
            break;
        case H3_EV_DATA:
            if (!pp->is_server && ev.stream_id == pp->stream_id && ev.len)
                app_info("client: server says: %.*s", (int)(ev.len > 200 ? 200 : ev.len),
                         (const char *)ev.data);
            break;
        case H3_EV_DATAGRAM:
            on_datagram(pp, &ev, now);
            break;
        case H3_EV_STREAM_RESET:
        case H3_EV_STREAM_ERROR:
            if (ev.stream_id == pp->stream_id && pp->state != APP_PP_DONE)
                fail(pp, "the request stream was reset");
            break;
        case H3_EV_CONN_ERROR:
            fail(pp, ev.reason ? ev.reason : "HTTP/3 connection error");
            break;
        default:
            break;
        }
    }
    if (pp->pending_request && now >= pp->settings_deadline) {
        pp->pending_request = false;
        static const char body[] = "timeout waiting for SETTINGS\n";
        h3q_send_response(pp->h3, pp->stream_id, 400);
        h3q_send_data(pp->h3, pp->stream_id, (const uint8_t *)body, sizeof body - 1, true);
        fail(pp, "no SETTINGS from the client within 10 s: answered 400");
    }
    bool lingering = pp->sent_final && now < pp->linger_until;
    if (pp->resend_at && now >= pp->resend_at && pp->buf_len &&
        (pp->state == APP_PP_RUNNING || lingering))
        resend(pp, now);
}

uint64_t app_pp_deadline(const app_pp *pp)
{
    uint64_t d = QUIC_NEVER;
    if (pp->resend_at && pp->state == APP_PP_RUNNING)
        d = pp->resend_at;
    if (pp->sent_final && !pp->closed_by_us) {
        /* resends of the final value while lingering, then the close */
        d = pp->resend_at && pp->resend_at < pp->linger_until ? pp->resend_at : pp->linger_until;
    }
    if (pp->pending_request && pp->settings_deadline < d)
        d = pp->settings_deadline;
    return d;
}
