/* An h3 client and server of ours over the pair harness (pair.h): each QUIC side
 * has an h3q_conn binding, stepped after every delivery and timer, so what the test
 * queues goes out at once. A test timer (app_deadline) lets an application act on
 * virtual time (e.g. resend after a timeout). */
#ifndef TEST_PAIR_H3_H
#define TEST_PAIR_H3_H

#include "common/pair.h"
#include "h3q/h3q.h"

typedef struct pair_h3 {
    pair p;
    h3q_config ccfg, scfg; /* may be changed before pair_h3_start */
    h3q_conn *c, *s;            /* the server's appears with the server */
    uint64_t app_deadline;     /* QUIC_NEVER: none; the predicate runs at it */
    int cerr, serr;            /* first error a step returned */
} pair_h3;

/* pair_init plus default binding configs (from the pair's QUIC configs). */
void pair_h3_init(pair_h3 *t);
/* Call after changing t->p.ccfg/scfg: the binding configs follow them again. */
void pair_h3_sync_configs(pair_h3 *t);
void pair_h3_start(pair_h3 *t);
/* Runs the link: deliver, step both bindings (timers too), pred, step, send. Stops when
 * pred(t, ud) is true (returns true) or max_us of virtual time passed. */
bool pair_h3_run(pair_h3 *t, bool (*pred)(pair_h3 *, void *), void *ud, uint64_t max_us);
void pair_h3_free(pair_h3 *t);

#endif
