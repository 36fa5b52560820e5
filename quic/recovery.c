/* Loss detection, RFC 9002 §6 and Appendix A; see recovery.h. */
#include "quic/recovery.h"

#include <string.h>

enum { ST_OUT = 0, ST_ACKED = 1, ST_LOST = 2, ST_SKIPPED = 3 };

/* ---- the ring: records in increasing packet number order ---- */

/* Records kept when a ring shrinks: a handshake flight or a ping-pong. */
#define RING_KEEP 8

static quic_sent_pkt *ring_at(const qb_ring *r, size_t i)
{
    return (quic_sent_pkt *)qb_ring_at(r, i);
}

/* First logical index whose pn >= pn (count when none). */
static size_t ring_lower_bound(const qb_ring *r, uint64_t pn)
{
    size_t lo = 0, hi = qb_ring_count(r);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ring_at(r, mid)->pn < pn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void ring_remove(qb_ring *r, size_t i)
{
    /* Shift the older records up by one; rare (only to make room). */
    for (size_t k = i; k > 0; k--)
        *ring_at(r, k) = *ring_at(r, k - 1);
    qb_ring_consume(r, 1);
}

/* The result arrays follow the longest ring, so filling them never fails. */
static int out_grow(quic_recovery *rc, size_t n)
{
    if (n <= rc->out_cap)
        return 0;
    quic_sent_pkt *a = qb_realloc(rc->alloc, rc->out_acked, n * sizeof *a);
    if (!a)
        return QUIC_RECOVERY_ERR_NOMEM;
    rc->out_acked = a;
    quic_sent_pkt *l = qb_realloc(rc->alloc, rc->out_lost, n * sizeof *l);
    if (!l)
        return QUIC_RECOVERY_ERR_NOMEM; /* out_acked is larger; harmless */
    rc->out_lost = l;
    rc->out_cap = n;
    return 0;
}

static size_t ring_cap_max(const quic_recovery *rc)
{
    size_t m = 0;
    for (int i = 0; i < QUIC_RECOVERY_SPACES; i++)
        if (rc->sp[i].ring.cap > m)
            m = rc->sp[i].ring.cap;
    return m;
}

/* One more slot in the ring, growing it when below its cap: 1 = room,
 * 0 = at the cap, <0 = no memory (nothing changed). */
static int ring_grow(quic_recovery *rc, quic_recovery_space *s)
{
    qb_ring *r = &s->ring;
    if (r->n >= r->cap) {
        if (r->n >= r->max)
            return 0;
        if (qb_ring_reserve(r, 1) != QB_OK)
            return QUIC_RECOVERY_ERR_NOMEM;
    }
    /* Also after an earlier failure here: the ring may have grown alone. */
    if (out_grow(rc, r->cap) != 0)
        return QUIC_RECOVERY_ERR_NOMEM;
    return 1;
}

/* A ring just emptied: give back what a past burst took (see qb_trim.h). */
static void ring_drained(quic_recovery *rc, quic_recovery_space *s)
{
    qb_ring *r = &s->ring;
    size_t target = qb_trim_drained(&s->trim, r->cap, RING_KEEP);
    if (target == r->cap)
        return;
    qb_ring_free(r);
    (void)qb_ring_reserve(r, target); /* a failure only delays the regrowth */
}

/* Shrinks the result arrays to the longest ring after a ring shrank; only at
 * the start of a call, since results of the last call point into them. */
static void out_fit(quic_recovery *rc)
{
    size_t m = ring_cap_max(rc);
    if (m >= rc->out_cap)
        return;
    if (m == 0) {
        qb_free(rc->alloc, rc->out_acked);
        qb_free(rc->alloc, rc->out_lost);
        rc->out_acked = rc->out_lost = NULL;
        rc->out_cap = 0;
        return;
    }
    /* A failed realloc keeps the larger array, which is as good. */
    quic_sent_pkt *a = qb_realloc(rc->alloc, rc->out_acked, m * sizeof *a);
    if (a)
        rc->out_acked = a;
    quic_sent_pkt *l = qb_realloc(rc->alloc, rc->out_lost, m * sizeof *l);
    if (l)
        rc->out_lost = l;
    if (a && l)
        rc->out_cap = m;
}

size_t quic_recovery_heap(const quic_recovery *rc)
{
    size_t n = 2 * rc->out_cap;
    for (int i = 0; i < QUIC_RECOVERY_SPACES; i++)
        n += rc->sp[i].ring.cap;
    return n * sizeof(quic_sent_pkt);
}

/* A record that may go to make room: settled, skipped, or an outstanding
 * ACK-only record when there is room to hand it back. */
static bool evictable(const quic_recovery *rc, const quic_sent_pkt *p)
{
    if (p->state == ST_ACKED || p->state == ST_LOST || p->state == ST_SKIPPED)
        return true;
    return !p->ack_eliciting && !p->in_flight && rc->n_evicted < QUIC_RECOVERY_EVICT_MAX;
}

/* Pops settled records from the old end. */
static void ring_pop_settled(quic_recovery *rc, quic_recovery_space *s)
{
    qb_ring *r = &s->ring;
    size_t k = 0;
    while (k < r->n) {
        quic_sent_pkt *p = ring_at(r, k);
        bool settled = p->state == ST_ACKED || p->state == ST_LOST ||
                       (p->state == ST_SKIPPED && s->has_largest_acked && p->pn < s->largest_acked);
        if (!settled)
            break;
        k++;
    }
    qb_ring_consume(r, k);
    if (k && r->n == 0)
        ring_drained(rc, s);
}

/* Room for one more record: grows the ring below its cap, else drops the
 * oldest evictable record. 1 = room, 0 = full, <0 = no memory. */
static int ring_make_room(quic_recovery *rc, quic_recovery_space *s)
{
    qb_ring *r = &s->ring;
    int g = ring_grow(rc, s);
    if (g != 0)
        return g;
    for (size_t i = 0; i < r->n; i++) {
        quic_sent_pkt *p = ring_at(r, i);
        if (evictable(rc, p)) {
            if (p->state == ST_OUT) {
                rc->evicted_rec[rc->n_evicted++] = *p;
                rc->evicted++;
            }
            ring_remove(r, i);
            return 1;
        }
    }
    return 0;
}

static bool ring_can_take(const quic_recovery *rc, const qb_ring *r)
{
    if (r->n < r->max)
        return true;
    for (size_t i = 0; i < r->n; i++)
        if (evictable(rc, ring_at(r, i)))
            return true;
    return false;
}

size_t quic_recovery_take_evicted(quic_recovery *rc, const quic_sent_pkt **out)
{
    size_t n = rc->n_evicted;
    *out = rc->evicted_rec;
    rc->n_evicted = 0;
    return n;
}

/* ---- init ---- */

int quic_recovery_init(quic_recovery *rc, const quic_recovery_config *cfg, const qb_alloc *a)
{
    quic_recovery_config def = {0};
    if (!cfg)
        cfg = &def;
    memset(rc, 0, sizeof *rc);
    rc->alloc = a;
    size_t cap = cfg->max_sent_packets ? cfg->max_sent_packets : 1024;
    if (cap > ((size_t)1 << 24))
        return QUIC_RECOVERY_ERR_ARG;
    rc->max_ack_delay = cfg->max_ack_delay ? cfg->max_ack_delay : 25000;
    rc->is_server = cfg->is_server;
    rc->pto_probes = cfg->pto_probes == 1 ? 1 : 2;
    rc->timer = QUIC_RECOVERY_NEVER;
    quic_rtt_init(&rc->rtt, cfg->initial_rtt);
    for (int i = 0; i < QUIC_RECOVERY_SPACES; i++)
        qb_ring_init(&rc->sp[i].ring, a, sizeof(quic_sent_pkt), cap);
    return 0;
}

void quic_recovery_free(quic_recovery *rc)
{
    for (int i = 0; i < QUIC_RECOVERY_SPACES; i++)
        qb_ring_free(&rc->sp[i].ring);
    qb_free(rc->alloc, rc->out_acked);
    qb_free(rc->alloc, rc->out_lost);
    rc->out_acked = rc->out_lost = NULL;
    rc->out_cap = 0;
}

static void result_clear(quic_recovery *rc, quic_recovery_result *res)
{
    out_fit(rc);
    memset(res, 0, sizeof *res);
    res->acked = rc->out_acked;
    res->lost = rc->out_lost;
    res->discarded = rc->out_lost;
}

/* ---- timer (RFC 9002 A.8) ---- */

static bool peer_completed_address_validation(const quic_recovery *rc)
{
    /* Clients assume servers validate them once a Handshake packet was acked
     * or the handshake is confirmed; servers validate clients themselves. */
    return rc->is_server || rc->handshake_ack_received || rc->handshake_confirmed;
}

static size_t ae_in_flight_total(const quic_recovery *rc)
{
    size_t n = 0;
    for (int i = 0; i < QUIC_RECOVERY_SPACES; i++)
        n += rc->sp[i].ae_in_flight;
    return n;
}

static uint64_t backoff(uint64_t d, unsigned count)
{
    if (count > 30)
        count = 30; /* the idle timeout ends it long before */
    if (d > (UINT64_MAX >> count))
        return UINT64_MAX;
    return d << count;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static uint64_t loss_time_and_space(const quic_recovery *rc, quic_pn_space *space)
{
    uint64_t t = 0;
    *space = QUIC_SPACE_INITIAL;
    for (int i = 0; i < QUIC_RECOVERY_SPACES; i++) {
        uint64_t lt = rc->sp[i].loss_time;
        if (lt != 0 && (t == 0 || lt < t)) {
            t = lt;
            *space = (quic_pn_space)i;
        }
    }
    return t;
}

static uint64_t pto_time_and_space(const quic_recovery *rc, uint64_t now, quic_pn_space *space)
{
    uint64_t duration = backoff(quic_rtt_pto_base(&rc->rtt), rc->pto_count);
    if (ae_in_flight_total(rc) == 0) {
        /* Anti-deadlock PTO counts from now (RFC 9002 §6.2.2.1). */
        *space = rc->has_handshake_keys ? QUIC_SPACE_HANDSHAKE : QUIC_SPACE_INITIAL;
        return sat_add(now, duration);
    }
    uint64_t t = QUIC_RECOVERY_NEVER;
    *space = QUIC_SPACE_INITIAL;
    for (int i = 0; i < QUIC_RECOVERY_SPACES; i++) {
        const quic_recovery_space *s = &rc->sp[i];
        if (s->ae_in_flight == 0)
            continue;
        if (i == QUIC_SPACE_APPLICATION) {
            /* §6.2.1: no application PTO before handshake confirmation. */
            if (!rc->handshake_confirmed)
                break;
            duration = sat_add(duration, backoff(rc->max_ack_delay, rc->pto_count));
        }
        uint64_t ti = sat_add(s->last_ae_time, duration);
        if (ti < t) {
            t = ti;
            *space = (quic_pn_space)i;
        }
    }
    return t;
}

static void set_timer(quic_recovery *rc, uint64_t now)
{
    quic_pn_space sp;
    uint64_t lt = loss_time_and_space(rc, &sp);
    if (lt != 0) {
        rc->timer = lt; /* time threshold loss detection */
        return;
    }
    if (rc->amplification_blocked) {
        rc->timer = QUIC_RECOVERY_NEVER; /* nothing could be sent anyway */
        return;
    }
    if (ae_in_flight_total(rc) == 0 && peer_completed_address_validation(rc)) {
        rc->timer = QUIC_RECOVERY_NEVER;
        return;
    }
    rc->timer = pto_time_and_space(rc, now, &sp);
}

uint64_t quic_recovery_deadline(const quic_recovery *rc) { return rc->timer; }

/* ---- sending ---- */

int quic_recovery_on_sent(quic_recovery *rc, quic_pn_space space, uint64_t pn, size_t size,
                          bool ack_eliciting, bool in_flight, uint64_t handle, uint64_t now)
{
    if ((unsigned)space >= QUIC_RECOVERY_SPACES || size > UINT32_MAX)
        return QUIC_RECOVERY_ERR_ARG;
    quic_recovery_space *s = &rc->sp[space];
    if (s->discarded)
        return QUIC_RECOVERY_ERR_DISCARDED;
    if (s->has_sent && pn <= s->largest_sent)
        return QUIC_RECOVERY_ERR_PN_ORDER;
    int room = ring_make_room(rc, s);
    if (room < 0)
        return room;
    if (room == 0) {
        if (!ack_eliciting && !in_flight) {
            s->has_sent = true; /* an ACK-only packet may go out untracked */
            s->largest_sent = pn;
        }
        return QUIC_RECOVERY_ERR_FULL;
    }
    qb_ring_commit(&s->ring, 1);
    quic_sent_pkt *p = ring_at(&s->ring, s->ring.n - 1);
    qb_trim_use(&s->trim, s->ring.n);
    p->pn = pn;
    p->time_sent = now;
    p->handle = handle;
    p->size = (uint32_t)size;
    p->ack_eliciting = ack_eliciting;
    p->in_flight = in_flight;
    p->state = ST_OUT;
    p->space = (uint8_t)space;
    s->has_sent = true;
    s->largest_sent = pn;
    if (in_flight) {
        s->bytes_in_flight += size;
        if (ack_eliciting) {
            s->ae_in_flight++;
            s->last_ae_time = now;
        }
        set_timer(rc, now);
    }
    return 0;
}

int quic_recovery_skip_pn(quic_recovery *rc, quic_pn_space space, uint64_t pn)
{
    if ((unsigned)space >= QUIC_RECOVERY_SPACES)
        return QUIC_RECOVERY_ERR_ARG;
    quic_recovery_space *s = &rc->sp[space];
    if (s->discarded)
        return QUIC_RECOVERY_ERR_DISCARDED;
    if (s->has_sent && pn <= s->largest_sent)
        return QUIC_RECOVERY_ERR_PN_ORDER;
    int room = ring_make_room(rc, s);
    if (room <= 0)
        return room < 0 ? room : QUIC_RECOVERY_ERR_FULL;
    qb_ring_commit(&s->ring, 1);
    quic_sent_pkt *p = ring_at(&s->ring, s->ring.n - 1);
    memset(p, 0, sizeof *p);
    p->pn = pn;
    p->state = ST_SKIPPED;
    p->space = (uint8_t)space;
    s->has_sent = true;
    s->largest_sent = pn;
    return 0;
}

bool quic_recovery_can_send(const quic_recovery *rc, quic_pn_space space)
{
    if ((unsigned)space >= QUIC_RECOVERY_SPACES || rc->sp[space].discarded)
        return false;
    return ring_can_take(rc, &rc->sp[space].ring);
}

/* ---- loss detection (RFC 9002 A.10) and persistent congestion (§7.6) ---- */

static void settle(quic_recovery_space *s, quic_sent_pkt *p, int state)
{
    p->state = (uint8_t)state;
    if (p->in_flight) {
        s->bytes_in_flight -= p->size;
        if (p->ack_eliciting)
            s->ae_in_flight--;
    }
}

static uint64_t pc_duration(const quic_recovery *rc)
{
    /* §7.6.1: includes max_ack_delay whatever the space. */
    return (quic_rtt_pto_base(&rc->rtt) + rc->max_ack_delay) * QUIC_RECOVERY_PC_THRESHOLD;
}

static void detect_lost(quic_recovery *rc, quic_pn_space space, uint64_t now,
                        quic_recovery_result *res)
{
    quic_recovery_space *s = &rc->sp[space];
    s->loss_time = 0;
    if (!s->has_largest_acked)
        return;
    uint64_t loss_delay = quic_rtt_loss_delay(&rc->rtt);
    uint64_t pcd = pc_duration(rc);
    bool run = false;        /* a persistent congestion candidate period */
    uint64_t run_start = 0;  /* send time of its first lost packet */
    for (size_t i = 0; i < s->ring.n; i++) {
        quic_sent_pkt *p = ring_at(&s->ring, i);
        if (p->pn > s->largest_acked)
            break;
        if (p->state == ST_ACKED) {
            run = false; /* an acknowledgment inside the period breaks it */
            continue;
        }
        if (p->state != ST_OUT)
            continue;
        bool by_time = sat_add(p->time_sent, loss_delay) <= now;
        bool by_count = s->largest_acked >= p->pn + QUIC_RECOVERY_PACKET_THRESHOLD;
        if (!by_time && !by_count) {
            uint64_t lt = p->time_sent + loss_delay;
            if (s->loss_time == 0 || lt < s->loss_time)
                s->loss_time = lt;
            continue;
        }
        settle(s, p, ST_LOST);
        rc->out_lost[res->n_lost++] = *p;
        /* §7.6.2: two ack-eliciting losses, both sent after the first RTT
         * sample, further apart than the duration, nothing acked between. */
        if (p->ack_eliciting && rc->rtt.has_sample && p->time_sent > rc->rtt.first_sample_time) {
            if (!run) {
                run = true;
                run_start = p->time_sent;
            } else if (p->time_sent - run_start > pcd) {
                res->persistent_congestion = true;
            }
        }
    }
    if (res->persistent_congestion)
        quic_rtt_reset_min(&rc->rtt); /* §5.2 */
}

/* ---- acknowledgments (RFC 9002 A.7) ---- */

int quic_recovery_on_ack(quic_recovery *rc, quic_pn_space space, const quic_pn_range *ranges,
                         size_t n, uint64_t ack_delay, uint64_t now, quic_recovery_result *res)
{
    result_clear(rc, res);
    if ((unsigned)space >= QUIC_RECOVERY_SPACES || n == 0 || !ranges)
        return QUIC_RECOVERY_ERR_ARG;
    quic_recovery_space *s = &rc->sp[space];
    if (s->discarded)
        return QUIC_RECOVERY_ERR_DISCARDED;
    for (size_t k = 0; k < n; k++) {
        if (ranges[k].smallest > ranges[k].largest ||
            (k > 0 && ranges[k].largest >= ranges[k - 1].smallest))
            return QUIC_RECOVERY_ERR_BAD_RANGES;
    }
    if (!s->has_sent || ranges[0].largest > s->largest_sent)
        return QUIC_RECOVERY_ERR_UNSENT_ACKED;
    /* First pass: refuse an ACK of a skipped packet number before acting. */
    for (size_t k = 0; k < n; k++) {
        for (size_t i = ring_lower_bound(&s->ring, ranges[k].smallest); i < s->ring.n; i++) {
            const quic_sent_pkt *p = ring_at(&s->ring, i);
            if (p->pn > ranges[k].largest)
                break;
            if (p->state == ST_SKIPPED)
                return QUIC_RECOVERY_ERR_UNSENT_ACKED;
        }
    }
    if (!s->has_largest_acked || ranges[0].largest > s->largest_acked)
        s->largest_acked = ranges[0].largest;
    s->has_largest_acked = true;
    if (space == QUIC_SPACE_HANDSHAKE)
        rc->handshake_ack_received = true;

    /* Newly acked, in ascending packet number order (ranges are largest first). */
    bool ae = false;
    const quic_sent_pkt *largest = NULL;
    for (size_t k = n; k-- > 0;) {
        for (size_t i = ring_lower_bound(&s->ring, ranges[k].smallest); i < s->ring.n; i++) {
            quic_sent_pkt *p = ring_at(&s->ring, i);
            if (p->pn > ranges[k].largest)
                break;
            if (p->state != ST_OUT)
                continue; /* acked before, or declared lost (spurious) */
            settle(s, p, ST_ACKED);
            rc->out_acked[res->n_acked] = *p;
            largest = &rc->out_acked[res->n_acked];
            res->n_acked++;
            ae = ae || p->ack_eliciting;
        }
    }
    if (res->n_acked == 0)
        return 0;

    /* §5.1: a sample only when the largest acknowledged is newly acked and
     * something ack-eliciting was. */
    if (largest->pn == ranges[0].largest && ae) {
        uint64_t latest = now > largest->time_sent ? now - largest->time_sent : 0;
        /* §5.3: the ACK Delay of Initial packets may be ignored. */
        uint64_t delay = space == QUIC_SPACE_INITIAL ? 0 : ack_delay;
        quic_rtt_update(&rc->rtt, latest, delay, rc->max_ack_delay, rc->handshake_confirmed, now);
        res->rtt_sampled = true;
    }
    detect_lost(rc, space, now, res);
    if (res->n_lost)
        res->action = QUIC_RECOVERY_LOSS;
    /* §6.2.1: a client unsure of address validation keeps its backoff. */
    if (peer_completed_address_validation(rc))
        rc->pto_count = 0;
    ring_pop_settled(rc, s);
    set_timer(rc, now);
    return 0;
}

/* ---- timeout (RFC 9002 A.9) ---- */

void quic_recovery_on_timeout(quic_recovery *rc, uint64_t now, quic_recovery_result *res)
{
    result_clear(rc, res);
    if (rc->timer == QUIC_RECOVERY_NEVER || now < rc->timer)
        return;
    quic_pn_space space;
    if (loss_time_and_space(rc, &space) != 0) {
        detect_lost(rc, space, now, res);
        ring_pop_settled(rc, &rc->sp[space]);
        res->action = QUIC_RECOVERY_LOSS;
        set_timer(rc, now);
        return;
    }
    if (ae_in_flight_total(rc) == 0) {
        res->action = QUIC_RECOVERY_ANTI_DEADLOCK;
        res->probe_space = rc->has_handshake_keys ? QUIC_SPACE_HANDSHAKE : QUIC_SPACE_INITIAL;
        res->probes = 1;
    } else {
        pto_time_and_space(rc, now, &space);
        res->action = QUIC_RECOVERY_PTO;
        res->probe_space = space;
        res->probes = rc->pto_probes;
    }
    rc->pto_count++;
    set_timer(rc, now);
}

/* ---- key discard (RFC 9002 A.11) ---- */

void quic_recovery_discard_space(quic_recovery *rc, quic_pn_space space, uint64_t now,
                                 quic_recovery_result *res)
{
    result_clear(rc, res);
    if ((unsigned)space >= QUIC_RECOVERY_SPACES || rc->sp[space].discarded)
        return;
    quic_recovery_space *s = &rc->sp[space];
    for (size_t i = 0; i < s->ring.n; i++) {
        quic_sent_pkt *p = ring_at(&s->ring, i);
        if (p->state == ST_OUT)
            rc->out_lost[res->n_discarded++] = *p;
    }
    qb_ring_free(&s->ring); /* the space never sends again */
    s->bytes_in_flight = 0;
    s->ae_in_flight = 0;
    s->last_ae_time = 0;
    s->loss_time = 0;
    s->discarded = true;
    rc->pto_count = 0;
    set_timer(rc, now);
}

void quic_recovery_forget_outstanding(quic_recovery *rc, quic_pn_space space, uint64_t now,
                                      quic_recovery_result *res)
{
    result_clear(rc, res);
    if ((unsigned)space >= QUIC_RECOVERY_SPACES || rc->sp[space].discarded)
        return;
    quic_recovery_space *s = &rc->sp[space];
    for (size_t i = 0; i < s->ring.n; i++) {
        quic_sent_pkt *p = ring_at(&s->ring, i);
        if (p->state != ST_OUT)
            continue;
        rc->out_lost[res->n_discarded++] = *p;
        settle(s, p, ST_LOST);
    }
    ring_pop_settled(rc, s);
    s->loss_time = 0;
    rc->pto_count = 0;
    set_timer(rc, now);
}

/* ---- connection state ---- */

void quic_recovery_set_handshake_confirmed(quic_recovery *rc, uint64_t now)
{
    rc->handshake_confirmed = true;
    set_timer(rc, now);
}

void quic_recovery_set_has_handshake_keys(quic_recovery *rc, uint64_t now)
{
    rc->has_handshake_keys = true;
    set_timer(rc, now);
}

void quic_recovery_set_amplification_blocked(quic_recovery *rc, bool blocked, uint64_t now)
{
    rc->amplification_blocked = blocked;
    set_timer(rc, now);
}

void quic_recovery_set_max_ack_delay(quic_recovery *rc, uint64_t max_ack_delay)
{
    rc->max_ack_delay = max_ack_delay;
}

uint64_t quic_recovery_pto(const quic_recovery *rc, quic_pn_space space)
{
    uint64_t d = quic_rtt_pto_base(&rc->rtt);
    if (space == QUIC_SPACE_APPLICATION)
        d += rc->max_ack_delay;
    return d;
}

uint64_t quic_recovery_bytes_in_flight(const quic_recovery *rc)
{
    uint64_t b = 0;
    for (int i = 0; i < QUIC_RECOVERY_SPACES; i++)
        b += rc->sp[i].bytes_in_flight;
    return b;
}
