/* TLS set-up for the quince commands: certificates from files or made in
 * memory, trust from a CA file or the system store, the key log. */
#ifndef APP_TLS_H
#define APP_TLS_H

#include "crypto/cx_x509.h"
#include "crypto/tls.h"

#include <stdio.h>

typedef struct app_tls {
    tls_config cfg;
    cx_x509_chain *chain;
    cx_x509_trust *trust;
    char *cert_pem, *key_pem; /* a certificate made in memory (demo, server default) */
    FILE *keylog;
    tls_ticket_keys *ticket_keys; /* server: session tickets (RFC 8446 §4.6.1) */
} app_tls;

/* Server: the chain and key from files, or (cert == NULL) a self-signed P-256
 * certificate for localhost made in memory. Returns 0 or -1 with a reason. */
int app_tls_server(app_tls *t, const char *cert, const char *key, char *err, size_t errlen);
/* Client: trust the CA file (or the system store when NULL), or nothing at
 * all when insecure (logged loudly). server_name is checked against the SAN. */
int app_tls_client(app_tls *t, const char *server_name, const char *ca, bool insecure,
                   char *err, size_t errlen);
/* Client trusting exactly the certificate of a server set up in memory. */
int app_tls_client_pinned(app_tls *t, const app_tls *server, const char *server_name,
                          char *err, size_t errlen);
/* NSS key log to path (or $SSLKEYLOGFILE when path is NULL); no-op when neither. */
int app_tls_keylog(app_tls *t, const char *path, char *err, size_t errlen);
void app_tls_free(app_tls *t);

/* quince gencert: writes a certificate and key (mode 0600). */
int app_gencert(const char *host, const char *cert_path, const char *key_path, char *err,
                size_t errlen);

#endif
