/* QUINCE_MINIMAL (cmake/quince_minimal.cmake): a client that never migrates.
 * quic/conn_path.c stays out; what a client must still do is here: answer a
 * PATH_CHALLENGE on the path it came on (RFC 9000 §8.2.2), ignore a
 * PATH_RESPONSE it did not ask for (§8.2.3), and take authenticated packets
 * from another server address without following them (§9: servers do not
 * migrate). quic_conn_probe_path and quic_conn_migrate refuse (QUIC_ERR_ARG):
 * no path validation is ever started. Outside quic/'s glob: the default build
 * never sees it. */
#include "quic/conn_int.h"

#include <string.h>

bool quic_conn_path_on_datagram(quic_conn *c, const quic_path *path, size_t len)
{
    (void)path;
    (void)len;
    /* RFC 9000 §9: not before the handshake is confirmed. */
    return c->handshake_confirmed && c->state == QUIC_CS_ESTABLISHED;
}

void quic_conn_path_after_packet(quic_conn *c, bool non_probing_largest, uint64_t now)
{
    (void)c;
    (void)non_probing_largest;
    (void)now;
}

void quic_conn_path_on_challenge(quic_conn *c, const uint8_t data[8])
{
    /* RFC 9000 §8.2.2: echo the latest challenge. */
    c->pend.path_response = true;
    memcpy(c->pend.path_response_data, data, 8);
}

void quic_conn_path_on_response(quic_conn *c, const uint8_t data[8], uint64_t now)
{
    (void)c;
    (void)data;
    (void)now; /* RFC 9000 §8.2.3: never asked, so ignored */
}

size_t quic_conn_path_build(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now)
{
    (void)c;
    (void)buf;
    (void)cap;
    (void)now;
    return 0;
}

uint64_t quic_conn_path_deadline(const quic_conn *c)
{
    (void)c;
    return QUIC_NEVER;
}

void quic_conn_path_on_timer(quic_conn *c, uint64_t now)
{
    (void)c;
    (void)now;
}

const quic_path *quic_conn_path(const quic_conn *c) { return &c->path; }

const struct quic_tp_preferred_address *quic_conn_peer_preferred_address(const quic_conn *c)
{
    return c->peer_tp_ok && c->peer_tp.has_preferred_address ? &c->peer_tp.preferred_address
                                                             : NULL;
}

int quic_conn_probe_path(quic_conn *c, const quic_path *path)
{
    (void)path;
    return c->state >= QUIC_CS_CLOSING ? QUIC_ERR_CLOSING : QUIC_ERR_ARG;
}

int quic_conn_migrate(quic_conn *c, const quic_path *path)
{
    (void)path;
    return c->state >= QUIC_CS_CLOSING ? QUIC_ERR_CLOSING : QUIC_ERR_ARG;
}
