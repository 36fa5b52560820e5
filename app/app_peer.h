/*
 * The two programs of the ping-pong as steppable objects over one UDP socket
 * each, so `quince server`, `quince client` and `quince demo` (both in one
 * process, one thread) share them. Each object says which socket it reads and
 * when it next needs time; the loop in app_run.c waits on the sockets.
 */
#ifndef APP_PEER_H
#define APP_PEER_H

#include "app/app_peer_types.h"

int app_server_open(app_server *sv, const app_opts *o, const app_addr *listen, char *err, size_t errlen);
void app_server_close(app_server *sv);
/* Reads what the socket has, runs timers and state machines, sends. */
void app_server_step(app_server *sv, uint64_t now);
uint64_t app_server_deadline(const app_server *sv);
/* The sockets to wait on (the listening one, the preferred addresses'):
 * their fds into fds (room for 1 + APP_IO_MORE); returns how many. */
size_t app_server_fds(const app_server *sv, int *fds);
/* Interrupted: closes every connection with H3_NO_ERROR and sends the
 * CONNECTION_CLOSE packets before returning. */
void app_server_interrupt(app_server *sv, uint64_t now);

/* url: https://HOST:PORT/path. pinned: trust exactly this server's in-memory
 * certificate (the demo), else o->ca / o->insecure / the system store.
 * Returns 0, -2 for a bad URL or an unresolvable host, -1 for other failures. */
int app_client_open(app_client *cl, const app_opts *o, const char *url, const app_tls *pinned,
                    uint64_t now, char *err, size_t errlen);
void app_client_close(app_client *cl);
void app_client_step(app_client *cl, uint64_t now);
uint64_t app_client_deadline(const app_client *cl);
/* The client's sockets to wait on (room for 1 + APP_IO_MORE); returns how many. */
size_t app_client_fds(const app_client *cl, int *fds);
/* Interrupted: closes with H3_NO_ERROR and sends the CONNECTION_CLOSE now. */
void app_client_interrupt(app_client *cl, uint64_t now);

/* Why a connection ended, in words (a refusing server, an idle timeout, a
 * reset, or the code, its name and the reason). */
void app_close_describe(const quic_close_info *ci, char *buf, size_t len);

#endif
