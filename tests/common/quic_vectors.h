/* The packet protection examples that RFC 9001 Appendix A gives for QUIC v1
 * and RFC 9369 Appendix A repeats for QUIC v2: Initial keys and secrets,
 * the client and server Initial packets protected byte for byte, the Retry
 * integrity tag, and the ChaCha20-Poly1305 short header packet. One runner,
 * one case per version; the long packets are files in tests/vectors/<dir>/. */
#ifndef QUIC_VECTORS_H
#define QUIC_VECTORS_H

#include <stdint.h>

typedef struct qv_case {
    uint32_t version;
    const char *dir; /* under tests/vectors: "rfc9001", "rfc9369" */
    const char *client_secret, *server_secret;
    const char *ckey, *civ, *chp, *skey, *siv, *shp;
    const char *client_hdr; /* unprotected header of the client Initial */
    const char *server_hdr;
    const char *cc_key, *cc_iv, *cc_hp, *cc_ku; /* ChaCha20 example */
    const char *cc_packet;
} qv_case;

void qv_check_keys(const qv_case *vc);
void qv_check_client_initial(const qv_case *vc);
void qv_check_server_initial(const qv_case *vc);
void qv_check_retry(const qv_case *vc);
void qv_check_chacha20_short_header(const qv_case *vc);

#endif
