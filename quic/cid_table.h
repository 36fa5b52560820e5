/*
 * The server endpoint's routing table: connection ID -> connection. Keys are
 * hashed with SipHash-2-4 under a random per-endpoint key, so a client choosing
 * CIDs cannot flood one bucket. Open addressing in one array that grows with
 * use (doubling at half full, issue 10) up to what the configured entry count
 * needs and shrinks at an eighth full, so an idle server holds a few hundred
 * bytes, not the table for its connection limit; a table at its limit refuses
 * new entries (the endpoint then refuses new connections).
 */
#ifndef QUIC_CID_TABLE_H
#define QUIC_CID_TABLE_H

#include "base/qb.h"
#include "quic/cid.h"
#include "quic/quic_err.h" /* QUIC_CIDT_ERR_* */

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of data under a 16-byte key. */
uint64_t quic_siphash24(const uint8_t key[16], const uint8_t *data, size_t len);

typedef struct quic_cid_entry {
    quic_cid cid;
    void *conn;
    uint8_t state; /* 0 empty, 1 used */
} quic_cid_entry;

typedef struct quic_cid_table {
    quic_cid_entry *slots;
    size_t cap;       /* power of two; 0 while empty */
    size_t max_cap;   /* the most cap may grow to */
    size_t max_used;  /* entries allowed (cap / 2 keeps probes short) */
    size_t used;
    uint8_t key[16];
    const qb_alloc *alloc;
} quic_cid_table;

/* Room for up to max_entries CIDs, allocated as they come; key is 16 random bytes. */
int quic_cid_table_init(quic_cid_table *t, size_t max_entries, const uint8_t key[16],
                        const qb_alloc *alloc);
void quic_cid_table_free(quic_cid_table *t);
/* 0, QUIC_CIDT_ERR_EXISTS, QUIC_CIDT_ERR_FULL or QUIC_CIDT_ERR_NOMEM. */
int quic_cid_table_add(quic_cid_table *t, const quic_cid *cid, void *conn);
void *quic_cid_table_find(const quic_cid_table *t, const uint8_t *cid, size_t len);
/* Points a routed CID at another value (its record moved); 0 or -1 when absent. */
int quic_cid_table_update(quic_cid_table *t, const quic_cid *cid, void *conn);
/* Removes one CID; returns whether it was there. */
int quic_cid_table_remove(quic_cid_table *t, const quic_cid *cid);
/* Removes every CID that routes to conn (when it closes). */
size_t quic_cid_table_remove_conn(quic_cid_table *t, void *conn);

#endif
