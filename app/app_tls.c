/* TLS set-up for the commands (app_tls.h). */
#include "app/app_tls.h"

#include "app/app_log.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_lib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void base_config(app_tls *t, tls_role role)
{
    /* Usually the program's first use of libcrypto: no error strings, which
     * would be 56 KB of every quince process's heap (issue 10). */
    cx_lib_init_lean();
    tls_config_init(&t->cfg, role);
    t->cfg.alpn[0] = "h3"; /* RFC 9114 §3.1 */
    t->cfg.alpn_count = 1;
}

static void tls_log(void *ud, tls_log_level lvl, const char *msg)
{
    (void)ud;
    app_log(lvl == TLS_LOG_ERROR ? APP_LOG_ERROR : lvl == TLS_LOG_WARN ? APP_LOG_WARN
            : APP_LOG_DEBUG, "tls: %s", msg);
}

static int make_cert(const char *host, char **cert, size_t *cl, char **key, size_t *kl)
{
    cx_certgen_opts o = {.key_type = CX_KEY_EC_P256, .host = host, .now = time(NULL),
                         .not_before_offset = -3600, .days = 14};
    return cx_certgen(&o, NULL, cert, cl, key, kl);
}

int app_tls_server(app_tls *t, const char *cert, const char *key, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    base_config(t, TLS_ROLE_SERVER);
    t->cfg.log = tls_log;
    if (cert) {
        if (access(cert, R_OK) != 0) {
            snprintf(err, errlen, "cannot read certificate %s: %s", cert, strerror(errno));
            return -1;
        }
        if (access(key, R_OK) != 0) {
            snprintf(err, errlen, "cannot read key %s: %s", key, strerror(errno));
            return -1;
        }
        if (cx_x509_chain_load_pem(cert, key, NULL, &t->chain) != 0) {
            snprintf(err, errlen, "cannot load certificate %s with key %s: not PEM, or the key "
                                  "does not match", cert, key);
            return -1;
        }
    } else {
        size_t cl, kl;
        if (make_cert("localhost", &t->cert_pem, &cl, &t->key_pem, &kl) != 0 ||
            cx_x509_chain_from_pem(t->cert_pem, cl, t->key_pem, kl, NULL, &t->chain) != 0) {
            snprintf(err, errlen, "cannot make a certificate in memory");
            return -1;
        }
    }
    t->cfg.chain = t->chain;
    /* Tickets for resumption; the keys live as long as the process (a
     * restart makes old tickets fall back to full handshakes). */
    if (!(t->ticket_keys = tls_ticket_keys_new(NULL, NULL, NULL))) {
        snprintf(err, errlen, "cannot make session ticket keys");
        return -1;
    }
    t->cfg.ticket_keys = t->ticket_keys;
    return 0;
}

int app_tls_client(app_tls *t, const char *server_name, const char *ca, bool insecure,
                   char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    base_config(t, TLS_ROLE_CLIENT);
    t->cfg.log = tls_log;
    t->cfg.server_name = server_name;
    if (insecure) {
        app_warn("client: --insecure: the server's certificate is NOT verified");
        t->cfg.insecure_skip_verify = true;
        return 0;
    }
    if (ca && access(ca, R_OK) != 0) {
        snprintf(err, errlen, "cannot read CA file %s: %s", ca, strerror(errno));
        return -1;
    }
    if (cx_x509_trust_new(ca, &t->trust) != 0) {
        snprintf(err, errlen, ca ? "cannot load CA file %s" : "cannot load the system trust store%s",
                 ca ? ca : "");
        return -1;
    }
    t->cfg.trust = t->trust;
    return 0;
}

int app_tls_client_pinned(app_tls *t, const app_tls *server, const char *server_name,
                          char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    base_config(t, TLS_ROLE_CLIENT);
    t->cfg.log = tls_log;
    t->cfg.server_name = server_name;
    if (!server->cert_pem ||
        cx_x509_trust_from_pem(server->cert_pem, strlen(server->cert_pem), &t->trust) != 0) {
        snprintf(err, errlen, "cannot trust the in-memory certificate");
        return -1;
    }
    t->cfg.trust = t->trust;
    return 0;
}

static void keylog_line(void *ud, const char *line)
{
    FILE *f = ud;
    fprintf(f, "%s\n", line);
    fflush(f);
}

int app_tls_keylog(app_tls *t, const char *path, char *err, size_t errlen)
{
    if (!path)
        path = getenv("SSLKEYLOGFILE");
    if (!path || !*path)
        return 0;
    /* The key log decrypts every connection: created readable by its owner
     * only, not with fopen's 0666 less the umask. */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    t->keylog = fd >= 0 ? fdopen(fd, "a") : NULL;
    if (!t->keylog && fd >= 0)
        close(fd);
    if (!t->keylog) {
        snprintf(err, errlen, "cannot open key log %s: %s", path, strerror(errno));
        return -1;
    }
    t->cfg.keylog = keylog_line;
    t->cfg.keylog_ud = t->keylog;
    return 0;
}

void app_tls_free(app_tls *t)
{
    cx_x509_chain_free(t->chain);
    cx_x509_trust_free(t->trust);
    tls_ticket_keys_free(t->ticket_keys);
    qb_free(NULL, t->cert_pem);
    qb_free(NULL, t->key_pem);
    if (t->keylog)
        fclose(t->keylog);
    memset(t, 0, sizeof *t);
}

static int write_file(const char *path, const char *data, mode_t mode, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(data), off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n <= 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    close(fd);
    return 0;
}

int app_gencert(const char *host, const char *cert_path, const char *key_path, char *err,
                size_t errlen)
{
    char *cert = NULL, *key = NULL;
    size_t cl, kl;
    if (make_cert(host, &cert, &cl, &key, &kl) != 0) {
        snprintf(err, errlen, "cannot make a certificate for %s", host);
        return -1;
    }
    int rc = write_file(cert_path, cert, 0644, err, errlen);
    if (rc == 0)
        rc = write_file(key_path, key, 0600, err, errlen);
    qb_free(NULL, cert);
    qb_free(NULL, key);
    return rc;
}
