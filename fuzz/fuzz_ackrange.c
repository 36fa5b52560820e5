/* Fuzz: random inserts and drops into quic_ackrange against a bitmap model.
 * While the range bound has never been hit, contains / largest / exported
 * ranges must agree exactly with the model; after, the bound must hold and
 * everything the model saw must still read as received (floor semantics).
 *
 * Input: byte 0 = range bound (1..64), then 3-byte ops: op, pn_hi, pn_lo.
 * op & 3 == 3 means drop_below(pn); else insert pn (ack-eliciting = op & 1). */
#include "quic/ackrange.h"

#include <stdlib.h>
#include <string.h>

#define MODEL_BITS 1024

static int model_has(const uint8_t *bits, uint64_t pn) { return (bits[pn / 8] >> (pn % 8)) & 1; }

/* Everything received reads as received, bound or not; while the bound has
 * not been hit, nothing else does. */
static void check_contains(const quic_ackrange *a, const uint8_t *seen, uint64_t floor, int exact,
                           uint64_t p)
{
    if (p >= MODEL_BITS)
        return;
    int in_model = model_has(seen, p) || p < floor;
    int in_set = quic_ackrange_contains(a, p);
    if (in_model && !in_set)
        abort();
    if (exact && in_set != in_model)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cap = (size_t)(data[0] % 64) + 1;
    quic_ackrange a;
    quic_ackrange_init(&a, cap, 25000);
    uint8_t seen[MODEL_BITS / 8];
    memset(seen, 0, sizeof seen);
    uint64_t floor = 0; /* model floor from drop_below */
    int exact = 1;      /* the bound has not been hit yet */
    int have_largest = 0;
    uint64_t largest = 0;
    uint64_t now = 0;

    for (size_t i = 1; i + 3 <= size; i += 3) {
        uint8_t op = data[i];
        uint64_t pn = (((uint64_t)data[i + 1] << 8) | data[i + 2]) % MODEL_BITS;
        now += op;
        if ((op & 3) == 3) {
            quic_ackrange_drop_below(&a, pn);
            if (pn > floor)
                floor = pn;
        } else {
            int dup = model_has(seen, pn) || pn < floor;
            int rc = quic_ackrange_insert(&a, pn, op & 1, now);
            if (exact && dup != (rc == QUIC_ACKRANGE_ERR_DUPLICATE))
                abort();
            if (rc == 0) {
                seen[pn / 8] |= (uint8_t)(1u << (pn % 8));
                if (!have_largest || pn > largest)
                    largest = pn;
                have_largest = 1;
            }
        }
        if (quic_ackrange_count(&a) > cap)
            abort();
        if (quic_ackrange_count(&a) == cap)
            exact = 0; /* next gap may drop the oldest range */

        /* Largest is never forgotten. */
        uint64_t l;
        if (quic_ackrange_largest(&a, &l, NULL) != have_largest || (have_largest && l != largest))
            abort();
        /* Export: largest first, disjoint, non-adjacent, inside the model. */
        quic_pn_range out[QUIC_ACKRANGE_MAX];
        size_t n = quic_ackrange_export(&a, out, QUIC_ACKRANGE_MAX);
        for (size_t k = 0; k < n; k++) {
            if (out[k].smallest > out[k].largest)
                abort();
            if (k > 0 && out[k].largest + 1 >= out[k - 1].smallest)
                abort();
            for (uint64_t p = out[k].smallest; p <= out[k].largest; p++)
                if (!model_has(seen, p))
                    abort();
        }
        /* contains() where it can go wrong after this op: the packet number
         * itself, the floor and every range edge (the whole space, 1024
         * lookups, once at the end: per op it made this the slowest target). */
        check_contains(&a, seen, floor, exact, pn);
        check_contains(&a, seen, floor, exact, floor);
        if (floor)
            check_contains(&a, seen, floor, exact, floor - 1);
        for (size_t k = 0; k < n; k++) {
            check_contains(&a, seen, floor, exact, out[k].smallest);
            check_contains(&a, seen, floor, exact, out[k].largest);
            check_contains(&a, seen, floor, exact, out[k].largest + 1);
            if (out[k].smallest)
                check_contains(&a, seen, floor, exact, out[k].smallest - 1);
        }
        if (exact) {
            /* ranges cover exactly the model's bits at or above the floor */
            size_t covered = 0, want = 0;
            for (size_t k = 0; k < n; k++)
                covered += (size_t)(out[k].largest - out[k].smallest + 1);
            for (uint64_t p = floor; p < MODEL_BITS; p++)
                want += (size_t)model_has(seen, p);
            if (covered != want)
                abort();
        }
    }
    for (uint64_t p = 0; p < MODEL_BITS; p++)
        check_contains(&a, seen, floor, exact, p);
    quic_ackrange_free(&a);
    return 0;
}
