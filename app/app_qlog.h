/* qlog 0.3 JSON pieces (draft-ietf-quic-qlog-quic-events-04): a QUIC frame,
 * transport parameters, a hex string, a JSON string. Used by app_trace.c. */
#ifndef APP_QLOG_H
#define APP_QLOG_H

#include "quic/frame.h"
#include "quic/tparams.h"

#include <stdio.h>

/* A hexstring (quic-events-04 §ConnectionID): lowercase, two digits a byte. */
void app_qlog_hex(FILE *f, const uint8_t *p, size_t n);
/* A JSON string of printable ASCII; other bytes escaped (reasons come from the peer). */
void app_qlog_str(FILE *f, const uint8_t *p, size_t n);
/* One $QuicFrame object. ack_delay_exp scales ACK Delay into milliseconds
 * (RFC 9000 §19.3: the sender's ack_delay_exponent). */
void app_qlog_frame(FILE *f, const quic_frame *fr, unsigned ack_delay_exp);
/* The fields of a transport:parameters_set event (no braces). */
void app_qlog_tparams(FILE *f, const quic_tparams *tp);
/* connection_code / application_code of connection_closed and error_code of a
 * CONNECTION_CLOSE frame: the draft's names where it has one, else the number. */
void app_qlog_error(FILE *f, uint64_t code, int app);

#endif
