/* A client-to-server stream transfer over the simulated network (sim.h), the
 * driver the transport suites share (ECN, path MTU, ...): the handshake, then
 * one stream of a given size pumped until the server read its FIN. */
#ifndef TEST_SIM_XFER_H
#define TEST_SIM_XFER_H

#include "common/sim.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct sim_xfer {
    bool c_conn, s_conn, closed; /* CONNECTED seen per side, CLOSED seen */
    int64_t sid;
    uint64_t total, written, got;
    bool fin_got;
    /* Called after every pump round, e.g. to change the path mid-transfer. */
    void (*on_pump)(sim *s, struct sim_xfer *x);
    void *ud; /* for on_pump */
} sim_xfer;

/* sim_start, then run until both sides are connected (asserts it). */
void sim_xfer_handshake(sim *s, sim_xfer *x);
/* A new client stream of total bytes, run until the server has read all of it
 * and the FIN (asserts it, printing how far it got when not). */
void sim_xfer_upload(sim *s, sim_xfer *x, uint64_t total);

#endif
