/* `quince decode CAPTURE --keylog FILE [--json]`: reads a pcap/pcapng capture,
 * finds the QUIC connections in it, decrypts them with an NSS key log and prints
 * every datagram as an annotated walk-through (packets, frames, TLS messages and
 * extensions, HTTP/3 frames, QPACK field lines, HTTP datagrams), each item with
 * the RFC section it comes from. It decodes with the stack's own codecs.
 * A connection that changes version (compatible version negotiation, RFC
 * 9368 §2.3, or a new first flight after Version Negotiation, §2.1) decodes
 * on with each version's keys; the change is an item of kind
 * "version_switch", and the JSON summary lists each connection's versions
 * ("connection_versions": [{"connection", "versions", "switches"}]). */
#ifndef APP_DECODE_H
#define APP_DECODE_H

#include "app/app_decode_stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Decodes capture bytes with the key log text (may be NULL: only Initial
 * packets decrypt) and writes text, or JSON Lines when json, to out. Messages
 * about the capture go to err (may be NULL). Returns 0, or -1 when the capture
 * could not be read at all. */
int app_decode_buf(const uint8_t *cap, size_t cap_len, const char *keylog, size_t keylog_len,
                   bool json, FILE *out, FILE *err, app_decode_stats *st);
/* The command: reads the files; 0 success (undecryptable packets are reported
 * and counted, not fatal), 1 when a file cannot be read or is no capture. */
int app_decode_run(const char *capture, const char *keylog, bool json, FILE *out, FILE *err);

#endif
