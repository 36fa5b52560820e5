/*
 * The HTTP/3 frame table (RFC 9114 §7.2 Table 1, §7.2.8, §11.2.1): one row per
 * frame type that has a meaning here, saying which stream kinds may carry it for
 * which receiving role and, where not, the error. Types without a row (unknown
 * extensions and the reserved 0x1f * N + 0x21) are ignored on every stream
 * (RFC 9114 §9, §7.2.8). The rules that depend on what came before (SETTINGS
 * first and once on the control stream, the order of a message on a request
 * stream) are the connection's; the table only marks SETTINGS as "first".
 */
#ifndef H3_FRAME_TABLE_H
#define H3_FRAME_TABLE_H

#include "h3/h3.h"

/* The three stream kinds of RFC 9114 §6.2 that carry frames. */
typedef enum h3_frame_stream {
    H3_FS_CONTROL = 0,
    H3_FS_REQUEST,
    H3_FS_PUSH,
    H3_FS_COUNT
} h3_frame_stream;

enum {
    H3_FRF_ID_ONLY = 1 << 0, /* payload: exactly one varint (§7.2.3, §7.2.6, §7.2.7) */
    H3_FRF_FIRST = 1 << 1,   /* first frame of a control stream, and only then (§6.2.1) */
    H3_FRF_H2 = 1 << 2,      /* HTTP/2 type with no HTTP/3 meaning (§7.2.8, §11.2.1) */
};

typedef struct h3_frame_row {
    uint64_t type;
    const char *name;
    uint8_t flags;
    /* [stream kind][receiving role (h3_role)]: 0 when allowed, else the internal
     * error code (h3_err_to_wire maps it). */
    int rx[H3_FS_COUNT][2];
} h3_frame_row;

/* The row of type, or NULL for a type without meaning here. */
const h3_frame_row *h3_frame_row_get(uint64_t type);
/* 0 when a frame of type may arrive on a stream of kind `on` at `receiver`, else
 * the error; unknown and reserved types are allowed wherever frames are. */
int h3_frame_allowed(uint64_t type, h3_frame_stream on, h3_role receiver);
/* "DATA", ..., "reserved" (0x1f * N + 0x21), "unknown". */
const char *h3_frame_name(uint64_t type);

#endif
