/* The connection side of the endpoint's narrow interface (conn_endpoint.h). */
#include "quic/conn_endpoint.h"

#include "quic/conn_int.h"

#include <stdio.h>

void quic_conn_endpoint_set_slot(quic_conn *c, void *slot) { c->endpoint_slot = slot; }

void *quic_conn_endpoint_slot(const quic_conn *c) { return c->endpoint_slot; }

const quic_path *quic_conn_endpoint_path(const quic_conn *c) { return &c->path; }

bool quic_conn_endpoint_half_open(const quic_conn *c)
{
    return !c->handshake_complete && c->state < QUIC_CS_CLOSING;
}

uint64_t quic_conn_endpoint_progress(const quic_conn *c)
{
    return c->sp[QUIC_SPACE_HANDSHAKE].crypto_rx.contig_end;
}

void quic_conn_endpoint_drop(quic_conn *c, const char *reason)
{
    if (c->state == QUIC_CS_CLOSED)
        return;
    c->close_pending = false;
    c->close.by_peer = false;
    c->close.app = false;
    c->close.code = QUIC_NO_ERROR;
    snprintf(c->close.reason, sizeof c->close.reason, "%s", reason);
    quic_trace t = {.type = QUIC_TRACE_CLOSED, .reason = reason, .close_code = QUIC_NO_ERROR};
    quic_conn_trace(c, &t);
    c->state = QUIC_CS_CLOSED;
    c->close.closed = true;
    if (!c->ev_closed_sent) {
        c->ev_closed_sent = true;
        quic_conn_push_event(c, QUIC_EV_CLOSED, 0, QUIC_NO_ERROR);
    }
}
