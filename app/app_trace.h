/* What the quince command shows of a connection: -v prints every packet and
 * frame sent and received, decoded; --qlog DIR (or the QLOGDIR environment
 * variable, qlog main-schema-05 §9) writes one qlog file per connection,
 * DIR/<odcid>_<client|server>.sqlog (JSON-SEQ, qlog 0.3: main-schema-05 with
 * the QUIC events of quic-events-04 and the HTTP/3 events of h3-events-04).
 * Both come from the connection's trace hook (quic/trace.h) and the HTTP/3
 * frame hook of h3q (h3q.h). */
#ifndef APP_TRACE_H
#define APP_TRACE_H

#include "h3/h3.h"
#include "quic/quic.h"
#include "quic/trace.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct app_trace {
    const char *who; /* "client" or "server" */
    bool verbose;
    const char *dir; /* qlog directory; the file opens at the first event (its ODCID) */
    FILE *qlog;
    uint64_t t0;     /* first event's time: qlog times are relative to it */
    bool started;
    bool have_path;
    quic_path path;  /* addresses for connectivity:connection_started */
    unsigned ack_exp_local, ack_exp_peer; /* ack_delay_exponent of each side */
    uint64_t last_now; /* the latest event's time: h3 frames have none of their own */
    uint32_t version, logged_version; /* QUIC version in use; the one in the file */
    bool log_secrets; /* a key log is written: key_updated may carry the secrets */
    /* log_secrets: the latest 1-RTT secret logged per direction ([1]: ours to
     * send), the "old" of the next key update of that direction */
    uint8_t secret_1rtt[2][64];
    size_t secret_1rtt_len[2];
    char path_name[512];
} app_trace;

/* The qlog directory: opt if set, else $QLOGDIR if set and not empty, else NULL. */
const char *app_trace_dir(const char *opt);
/* Prepares the trace; the qlog file is created in dir (when set) at the first
 * event. Returns 0 or -1 (err) if dir is not a writable directory. */
int app_trace_open(app_trace *t, const char *who, bool verbose, const char *dir, char *err,
                   size_t errlen);
/* The connection's addresses, logged in connection_started. */
void app_trace_set_path(app_trace *t, const quic_path *p);
void app_trace_close(app_trace *t);
/* The QUIC version the connection speaks now (quic_conn_version); a change is
 * logged as transport:version_information. */
void app_trace_set_version(app_trace *t, uint32_t version);
/* Writes one event (-v line, qlog record). */
void app_trace_write(app_trace *t, const quic_trace *ev);
/* An HTTP/3 frame sent or received (h3_config.frame_trace): its qlog
 * http:frame_created / http:frame_parsed event (h3-events-04). */
void app_trace_h3_frame(app_trace *t, const h3_frame_trace *f);

#endif
