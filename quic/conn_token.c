/*
 * NEW_TOKEN in a connection (RFC 9000 §8.1.3, §19.7): a server sends the
 * token its endpoint made once the handshake is complete; a client hands
 * received tokens to its caller and sends a token it was given in the
 * Initials of its next connection.
 */
#include "quic/conn_int.h"
#include "quic/conn_endpoint.h"

#include <string.h>

void quic_conn_token_init_client(quic_conn *c)
{
    /* RFC 9000 §8.1.3: a token from NEW_TOKEN goes in the Token field of
     * the client's Initials (a Retry's token would replace it). */
    if (c->cfg.token)
        (void)quic_conn_token_set_initial(c, c->cfg.token, c->cfg.token_len); /* none: a Retry may ask */
    c->cfg.token = NULL; /* the caller's bytes need not outlive this call */
    c->cfg.token_len = 0;
}

int quic_conn_token_on_frame(quic_conn *c, const uint8_t *token, size_t len)
{
    /* RFC 9000 §19.7: a server receiving NEW_TOKEN closes with PROTOCOL_VIOLATION. */
    if (c->is_server)
        return quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, QUIC_FT_NEW_TOKEN,
                              "NEW_TOKEN from a client");
    if (c->cfg.on_new_token)
        c->cfg.on_new_token(c->cfg.new_token_ud, token, len);
    return 0;
}

int quic_conn_token_set_initial(quic_conn *c, const uint8_t *token, size_t len)
{
    if (len == 0 || len > QUIC_CONN_TOKEN_MAX)
        return -1;
    uint8_t *copy = qb_malloc(c->alloc, len);
    if (!copy)
        return QUIC_ERR_NOMEM;
    memcpy(copy, token, len);
    qb_free(c->alloc, c->retry_token);
    c->retry_token = copy;
    c->retry_token_len = len;
    return 0;
}

void quic_conn_token_free(quic_conn *c)
{
    qb_free(c->alloc, c->retry_token);
    c->retry_token = NULL;
    c->retry_token_len = 0;
    qb_free(c->alloc, c->new_token);
    c->new_token = NULL;
    c->new_token_len = 0;
}

void quic_conn_endpoint_validated(quic_conn *c)
{
    c->addr_validated = true;
}

bool quic_conn_endpoint_complete(const quic_conn *c)
{
    return c->handshake_complete;
}

int quic_conn_endpoint_new_token(quic_conn *c, const uint8_t *token, size_t len)
{
    if (!c->is_server || !len)
        return -1;
    uint8_t *copy = qb_malloc(c->alloc, len);
    if (!copy)
        return -1;
    memcpy(copy, token, len);
    quic_conn_token_free(c);
    c->new_token = copy;
    c->new_token_len = len;
    c->pend.new_token = true;
    return 0;
}

bool quic_conn_resumed(const quic_conn *c)
{
    return c->tls ? tls_conn_resumed(c->tls) : c->tls_resumed;
}
