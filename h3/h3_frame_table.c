/* The HTTP/3 frame table (RFC 9114 §7.2 Table 1, §7.2.1-§7.2.8, §11.2.1): where each
 * frame type may arrive and the error where it may not. Pure data and lookups; it
 * calls nothing else in h3/. */
#include "h3/h3_frame_table.h"

#include <stddef.h>

#define I H3_FRF_ID_ONLY
#define FIRST H3_FRF_FIRST
#define H2 H3_FRF_H2

/* Cells: what the receiver does with the frame. */
#define OK 0
#define CTL H3_ERR_FRAME_UNEXPECTED_CONTROL /* §7.2.1, §7.2.2, §7.2.5 */
#define REQ H3_ERR_FRAME_UNEXPECTED_REQUEST /* §7.2.3, §7.2.4, §7.2.6, §7.2.7 */
#define PSH H3_ERR_FRAME_UNEXPECTED         /* §4.1, §7.2: not on a push stream */
#define NP H3_ERR_STREAM_PUSH_FROM_CLIENT   /* §6.2.2: a server has no push streams */
#define MPS H3_ERR_MAX_PUSH_ID_FROM_SERVER  /* §7.2.7: a client receives none */
#define PFC H3_ERR_PUSH_PROMISE_FROM_CLIENT /* §7.2.5: a server receives none */
/* §7.2.5: our client never sends MAX_PUSH_ID, so every push ID is above the
 * maximum: H3_ID_ERROR. */
#define PID H3_ERR_PUSH_PROMISE_REFUSED
#define XX H3_ERR_FRAME_H2                  /* §7.2.8: on any stream */

/* Sorted by type. Per stream kind, the client's receive then the server's:
 *                                          control     request     push */
static const h3_frame_row h3_frame_rows[] = {
    {0x00, "DATA",          0,         {{CTL, CTL}, {OK, OK},   {OK, NP}}},
    {0x01, "HEADERS",       0,         {{CTL, CTL}, {OK, OK},   {OK, NP}}},
    {0x02, "PRIORITY",      H2,        {{XX, XX},   {XX, XX},   {XX, NP}}},
    {0x03, "CANCEL_PUSH",   I,         {{OK, OK},   {REQ, REQ}, {PSH, NP}}},
    {0x04, "SETTINGS",      FIRST,     {{OK, OK},   {REQ, REQ}, {PSH, NP}}},
    {0x05, "PUSH_PROMISE",  0,         {{CTL, CTL}, {PID, PFC}, {PSH, NP}}},
    {0x06, "PING",          H2,        {{XX, XX},   {XX, XX},   {XX, NP}}},
    {0x07, "GOAWAY",        I,         {{OK, OK},   {REQ, REQ}, {PSH, NP}}},
    {0x08, "WINDOW_UPDATE", H2,        {{XX, XX},   {XX, XX},   {XX, NP}}},
    {0x09, "CONTINUATION",  H2,        {{XX, XX},   {XX, XX},   {XX, NP}}},
    {0x0d, "MAX_PUSH_ID",   I,         {{MPS, OK},  {REQ, REQ}, {PSH, NP}}},
};

/* §9, §7.2.8: unknown and reserved types are ignored wherever frames may be. */
static const h3_frame_row h3_frame_unknown_row = {0, "unknown", 0,
                                                  {{OK, OK}, {OK, OK}, {OK, NP}}};

const h3_frame_row *h3_frame_row_get(uint64_t type)
{
    for (size_t i = 0; i < sizeof h3_frame_rows / sizeof h3_frame_rows[0]; i++)
        if (h3_frame_rows[i].type == type)
            return &h3_frame_rows[i];
    return NULL;
}

int h3_frame_allowed(uint64_t type, h3_frame_stream on, h3_role receiver)
{
    const h3_frame_row *r = h3_frame_row_get(type);
    if ((unsigned)on >= H3_FS_COUNT || (unsigned)receiver > H3_ROLE_SERVER)
        return H3_ERR_INVALID_ARG;
    return (r ? r : &h3_frame_unknown_row)->rx[on][receiver];
}

bool h3_frame_type_is_grease(uint64_t type)
{
    /* §7.2.8: 0x1f * N + 0x21 */
    return type >= 0x21 && (type - 0x21) % 0x1f == 0;
}

bool h3_frame_type_is_h2(uint64_t type)
{
    const h3_frame_row *r = h3_frame_row_get(type);
    return r && (r->flags & H3_FRF_H2);
}

bool h3_frame_type_is_known(uint64_t type)
{
    const h3_frame_row *r = h3_frame_row_get(type);
    return r && !(r->flags & H3_FRF_H2);
}

const char *h3_frame_name(uint64_t type)
{
    const h3_frame_row *r = h3_frame_row_get(type);
    if (r)
        return r->name;
    return h3_frame_type_is_grease(type) ? "reserved" : "unknown";
}
