/* quince client --session FILE: the TLS session ticket (RFC 8446 §4.6.1) and
 * the NEW_TOKEN token (RFC 9000 §8.1.3) of the last connection, kept in a
 * file (mode 0600) for the next one.
 * File: "QSES" | version (2) | u32 session length | session | u32 token
 * length | token | u32 settings length | settings; the session bytes are
 * tls_session_fn's, the settings the server's HTTP/3 SETTINGS payload that
 * 0-RTT requests use (RFC 9114 §7.2.4.2). Version 1 files (no settings) load. */
#ifndef APP_RESUME_H
#define APP_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APP_RESUME_VERSION 2

typedef struct app_resume {
    const char *path;
    uint8_t *sess;     /* loaded: offered by this connection */
    size_t sess_len;
    uint8_t *tok;      /* loaded: sent in this connection's Initials */
    size_t tok_len;
    uint8_t *new_sess; /* received in this connection: saved */
    size_t new_sess_len;
    uint8_t *new_tok;
    size_t new_tok_len;
    uint8_t *settings;     /* loaded: the server's SETTINGS for 0-RTT */
    size_t settings_len;
    uint8_t *new_settings; /* seen in this connection: saved */
    size_t new_settings_len;
} app_resume;

/* Reads path; a missing file is no session, an unreadable or malformed one
 * a warning and no session. 0 always (errors are not fatal). */
int app_resume_load(app_resume *r, const char *path);
/* tls_session_fn and quic_config.on_new_token: keep the newest, save the file. */
void app_resume_on_session(void *ud, const uint8_t *p, size_t n);
void app_resume_on_token(void *ud, const uint8_t *p, size_t n);
/* The server's SETTINGS payload of this connection: kept, file saved when
 * they differ from what it holds. */
void app_resume_on_settings(app_resume *r, const uint8_t *p, size_t n);
/* Writes the newest session and token (the loaded ones where none came) to
 * path, created 0600 (it holds a key). 0 or -1. */
int app_resume_save(const app_resume *r);
void app_resume_free(app_resume *r);

#endif
