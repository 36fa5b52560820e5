/* QUINCE_MINIMAL (cmake/quince_minimal.cmake): the client-only profile has no
 * TLS server. tls_conn.c still dispatches a server role's messages here; they
 * are refused, so a server connection made by mistake fails its handshake with
 * internal_error (RFC 8446 §6.2) instead of linking in tls_server.c. This
 * folder is outside crypto/'s source glob: the default build never sees it. */
#include "crypto/tls_int.h"

int tls_server_resume(tls_conn *c)
{
    (void)c;
    return TLS_ERR_INTERNAL;
}

int tls_server_handle(tls_conn *c, tls_level level, const tls_msg *m, const uint8_t *raw,
                      size_t rawlen)
{
    (void)c;
    (void)level;
    (void)m;
    (void)raw;
    (void)rawlen;
    return TLS_ERR_INTERNAL;
}
