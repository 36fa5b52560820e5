/* What `quince decode` counts (app_decode.h), in a header of its own: the
 * decoder's parts (app_decode_int.h) fill it without including app_decode.h,
 * the header of app_decode.c, which sits above them (tools/check_includes.sh). */
#ifndef APP_DECODE_STATS_H
#define APP_DECODE_STATS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct app_decode_stats {
    size_t datagrams;     /* UDP datagrams that belong to a QUIC connection */
    size_t packets;       /* QUIC packets in them */
    size_t decrypted;     /* packets whose payload was decrypted */
    size_t undecryptable; /* packets that could not be (no key, bad tag) */
    size_t flows;         /* QUIC connections found */
    size_t other_udp;     /* UDP datagrams that are not QUIC */
    bool capture_cut;     /* the capture ended early (truncated, bad block) */
} app_decode_stats;

#endif
