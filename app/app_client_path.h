/* The quince client's moves between paths (app_client_path.c; RFC 9000 §9),
 * called from app_client_step in this order each turn. */
#ifndef QUINCE_APP_CLIENT_PATH_H
#define QUINCE_APP_CLIENT_PATH_H

#include "app/app_peer_types.h"

/* --migrate-after N: after N rounds, a new local port and a fresh CID,
 * probed before the connection moves (RFC 9000 §9.2). */
void app_client_maybe_migrate(app_client *cl, uint64_t now);
/* --rebind-after N: after N rounds, a new local port the connection is not
 * told of, as a NAT rebinding (RFC 9000 §9.3). */
void app_client_maybe_rebind(app_client *cl, uint64_t now);
/* The server's preferred address (RFC 9000 §9.6): probed from a second
 * socket connected there once the handshake is confirmed. */
void app_client_maybe_prefer(app_client *cl);
/* Once the connection has moved to another socket's path, that socket
 * becomes the main one; the old one is read for a while longer. */
void app_client_follow_path(app_client *cl, uint64_t now);

#endif
