/*
 * QUIC versions: which ones a configuration speaks and how two endpoints
 * settle on one (RFC 9368: compatible negotiation in one connection,
 * incompatible negotiation through Version Negotiation packets, and the
 * version_information checks that keep an attacker from forcing a
 * downgrade; RFC 9369 §4: v1 and v2 are compatible both ways). Pure rules
 * over lists of versions: the connection (conn_recv.c, conn_crypto.c) and
 * the server endpoint act on their answers. The per-version facts (salts,
 * labels, type bits) are crypto/cx_quic_keys.c's table.
 */
#ifndef QUIC_VERSION_H
#define QUIC_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic.h"
#include "quic/tparams.h"

/* The versions of cfg in preference order (cfg->versions, or v1 then v2
 * when it lists none), leaving out those quince cannot speak; the count. */
size_t quic_versions_of(const quic_config *cfg, uint32_t out[QUIC_VERSIONS_MAX]);
bool quic_versions_has(const uint32_t *v, size_t n, uint32_t x);
/* A client's first flight version: cfg->version, or its first version. */
uint32_t quic_version_first(const quic_config *cfg);
/* RFC 9368 §2.2, RFC 9369 §4: a first flight of version from can be turned
 * into one of version to (v1 and v2 both ways; a version with itself). */
bool quic_version_compatible(uint32_t from, uint32_t to);
/* The first of ours (preference order) that offered lists; 0 when none
 * (RFC 9368 §2.1: a client's pick from a Version Negotiation packet). */
uint32_t quic_version_select(const uint32_t *ours, size_t n, const uint32_t *offered,
                             size_t m);
/* Server, RFC 9368 §2.3: the Negotiated Version for a first flight in
 * version chosen, with the client's Version Information vi (NULL when it
 * sent none): the server's preferred version when the client lists it and
 * chosen converts to it, else chosen. */
uint32_t quic_version_negotiate(const quic_config *cfg, uint32_t chosen,
                                const quic_tp_version_info *vi);
/* Our Version Information (RFC 9368 §3): a client's Chosen Version and its
 * versions (the chosen one included), a server's Negotiated Version and the
 * versions it accepts. */
void quic_version_info_local(const quic_config *cfg, uint32_t chosen, quic_tp_version_info *vi);
/* Client, RFC 9368 §4: the checks of the server's transport parameters tp
 * for a connection now in version negotiated whose first flight was in
 * attempted, after a Version Negotiation packet or not. NULL when they
 * pass, else why (the connection closes with VERSION_NEGOTIATION_ERROR). */
const char *quic_version_check_server(const quic_config *cfg, const quic_tparams *tp,
                                      uint32_t negotiated, uint32_t attempted, bool after_vn);

#endif
