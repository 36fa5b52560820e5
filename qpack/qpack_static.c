/* The QPACK static table (RFC 9204 §3.1, Appendix A): lookup by index for the decoder,
 * by name and value for the encoder through a generated hash of the distinct names. */
#include "qpack/qpack_priv.h"

#include <string.h>

int qpack_static_get(uint64_t index, qpack_field *out)
{
    if (index >= QPACK_STATIC_COUNT) {
        out->name = out->value = NULL;
        out->name_len = out->value_len = 0;
        return QPACK_ERR_STATIC_INDEX;
    }
    const qpack_static_entry *e = &qpack_static_table[index];
    out->name = (const uint8_t *)e->name;
    out->name_len = e->name_len;
    out->value = (const uint8_t *)e->value;
    out->value_len = e->value_len;
    return 0;
}

/* FNV-1a 32, the function gen_qpack_tables.py hashes the names with. */
static uint32_t name_hash(const uint8_t *p, size_t n)
{
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x01000193u;
    }
    return h;
}

int qpack_static_find(const uint8_t *name, size_t name_len, const uint8_t *value,
                      size_t value_len, int *exact)
{
    *exact = 0;
    if (name_len == 0 || name_len > 255)
        return -1;
    unsigned slot = name_hash(name, name_len) & (QPACK_STATIC_HASH_SLOTS - 1);
    int first = -1;
    /* The table is at most half full, so the probe ends at an empty slot. */
    for (unsigned tries = 0; tries < QPACK_STATIC_HASH_SLOTS; tries++) {
        unsigned v = qpack_static_name_hash[slot];
        if (v == 0)
            return -1;
        const qpack_static_entry *e = &qpack_static_table[v - 1];
        if (e->name_len == name_len && memcmp(e->name, name, name_len) == 0) {
            first = (int)v - 1;
            break;
        }
        slot = (slot + 1) & (QPACK_STATIC_HASH_SLOTS - 1);
    }
    if (first < 0)
        return -1;
    for (unsigned i = (unsigned)first; i != 0xff; i = qpack_static_next_same_name[i]) {
        const qpack_static_entry *e = &qpack_static_table[i];
        if (e->value_len == value_len && (value_len == 0 || memcmp(e->value, value, value_len) == 0)) {
            *exact = 1;
            return (int)i;
        }
    }
    return first;
}
