/* The shared stream transfer of the sim suites (sim_xfer.h). */
#include "common/sim_xfer.h"

#include <stdio.h>

static void note(quic_conn *c, const quic_event *ev, void *ud)
{
    sim_xfer *x = ud;
    if (ev->type == QUIC_EV_CONNECTED)
        *(quic_conn_is_server(c) ? &x->s_conn : &x->c_conn) = true;
    if (ev->type == QUIC_EV_CLOSED)
        x->closed = true;
}

static bool hs_done(sim *s, void *ud)
{
    sim_xfer *x = ud;
    pair_events(s->p.client, note, x);
    pair_events(s->p.server, note, x);
    return (x->c_conn && x->s_conn) || x->closed;
}

static bool pump(sim *s, void *ud)
{
    sim_xfer *x = ud;
    pair_events(s->p.client, note, x);
    pair_events(s->p.server, note, x);
    static uint8_t buf[16384];
    while (x->written < x->total) {
        size_t n = sizeof buf;
        if (x->total - x->written < n)
            n = (size_t)(x->total - x->written);
        int64_t w = quic_conn_stream_write(s->p.client, (uint64_t)x->sid, buf, n,
                                           x->written + n == x->total);
        if (w <= 0)
            break;
        x->written += (uint64_t)w;
    }
    bool fin = false;
    int64_t r;
    while (!x->fin_got &&
           (r = quic_conn_stream_read(s->p.server, (uint64_t)x->sid, buf, sizeof buf, &fin)) >= 0) {
        x->got += (uint64_t)r;
        x->fin_got = fin;
        if (r == 0)
            break;
    }
    if (x->on_pump)
        x->on_pump(s, x);
    return x->fin_got || x->closed;
}

void sim_xfer_handshake(sim *s, sim_xfer *x)
{
    sim_start(s);
    SIM_ASSERT(s, sim_run(s, hs_done, x, 60000000) && !x->closed);
}

void sim_xfer_upload(sim *s, sim_xfer *x, uint64_t total)
{
    x->sid = quic_conn_stream_open(s->p.client, true);
    SIM_ASSERT(s, x->sid >= 0);
    x->total = total;
    x->written = x->got = 0;
    x->fin_got = false;
    bool ok = sim_run(s, pump, x, 600000000);
    if (!ok || x->closed)
        fprintf(stderr, "got %llu of %llu, closed %d\n", (unsigned long long)x->got,
                (unsigned long long)total, x->closed);
    SIM_ASSERT(s, ok && !x->closed);
    SIM_ASSERT(s, x->got == total && x->fin_got);
}
