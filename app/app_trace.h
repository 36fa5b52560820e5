/* What the quince command shows of a connection: -v prints every packet and
 * frame sent and received, decoded; --qlog DIR writes one qlog file per
 * connection (JSON-SEQ, qlog 0.3 with the QUIC event schema, for qvis). Both
 * come from the connection's trace hook (quic/trace.h). */
#ifndef APP_TRACE_H
#define APP_TRACE_H

#include "quic/trace.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct app_trace {
    const char *who; /* "client" or "server" */
    bool verbose;
    FILE *qlog;
    uint64_t t0;     /* first event's time: qlog times are relative to it */
    bool started;
    char path[512];
} app_trace;

/* Opens DIR/quince-WHO-PID-N.sqlog when dir is set. Returns 0 or -1 (err). */
int app_trace_open(app_trace *t, const char *who, bool verbose, const char *dir, char *err,
                   size_t errlen);
void app_trace_close(app_trace *t);
/* Writes one event (-v line, qlog record). */
void app_trace_write(app_trace *t, const quic_trace *ev);

#endif
