/* QUIC connection: path validation and migration (RFC 9000 §8.2, §9).
 *
 * A packet from a peer address other than the current path gets a probe
 * slot: what came from that address is counted, so what we send there stays
 * within three times it (§9.3.1, §8.1), and a PATH_CHALLENGE on it is
 * answered there (§8.2.2). A non-probing packet with the largest packet
 * number so far (§9.3) starts validation: PATH_CHALLENGE with fresh random
 * data, in datagrams expanded to 1200 bytes where the limit allows (§8.2.1),
 * to a connection ID not used on another path (§9.5). The connection moves
 * only when a PATH_RESPONSE carries the data back (§8.2.3); until then, and
 * for ever when validation fails (a spoofed source, §9.3.2), it stays on
 * the last validated path. Recovery is one context for both paths: packets
 * sent on the old path are still acknowledged or declared lost after the
 * move (§9.4). */
#include "quic/conn_int.h"

#include <string.h>

#define PROBE_MIN 64 /* less room than this on the new path: wait for more from it */

/* RFC 9000 §8.2.4: three times the larger of the current PTO and the PTO of
 * a new path (kInitialRtt, RFC 9002 §6.2.2: 333 ms, so 2 * 333 ms). */
static uint64_t probe_timeout(const quic_conn *c)
{
    uint64_t pto = quic_conn_pto(c), fresh = 2 * 333000;
    return 3 * (pto > fresh ? pto : fresh);
}

/* The probe slot, made at the first other address: idle connections that
 * never see one do not carry it. */
static bool probe_alloc(quic_conn *c)
{
    if (!c->probe)
        c->probe = qb_calloc(c->alloc, sizeof *c->probe);
    return c->probe != NULL;
}

static void probe_reset(quic_conn *c, const quic_path *path)
{
    memset(c->probe, 0, sizeof *c->probe);
    c->probe->active = true;
    c->probe->path = *path;
    c->probe->cid_slot = -1;
}

bool quic_conn_path_on_datagram(quic_conn *c, const quic_path *path, size_t len)
{
    /* RFC 9000 §9: not before the handshake is confirmed (a server's is
     * when it completes, RFC 9001 §4.1.2). */
    if (!c->handshake_confirmed || c->state != QUIC_CS_ESTABLISHED)
        return false;
    /* RFC 9000 §9: servers do not migrate; a client takes authenticated
     * packets from another server address (one it probes, or late ones
     * from before a move) without following them. */
    if (!c->is_server)
        return true;
    if (!probe_alloc(c))
        return false; /* out of memory: dropped, as a lost packet */
    c->rx_new_path = true;
    c->rx_path = path;
    c->rx_len = len;
    if (c->probe->active && quic_path_equal(&c->probe->path, path))
        c->probe->bytes_in += len;
    else if (!c->probe->validating) {
        /* A new address takes the slot unless one is being validated. */
        probe_reset(c, path);
        c->probe->bytes_in = len;
    }
    return true;
}

static bool rx_on_probe_path(const quic_conn *c)
{
    return c->rx_new_path && c->probe && c->probe->active && quic_path_equal(&c->probe->path, c->rx_path);
}

void quic_conn_path_after_packet(quic_conn *c, bool non_probing_largest, uint64_t now)
{
    if (!non_probing_largest || !c->probe)
        return;
    if (!c->rx_new_path)
        return; /* the current path: an address probed meanwhile keeps its slot */
    if (!rx_on_probe_path(c)) {
        /* The peer moved again while another address was validated: the
         * latest move wins (§9.3), with the budget of its own address. */
        probe_reset(c, c->rx_path);
        c->probe->bytes_in = c->rx_len;
    }
    quic_path_probe *p = c->probe;
    if (p->validating)
        return; /* underway */
    p->validating = true;
    p->challenge_due = true;
    p->next_at = now;
    p->fail_at = now + probe_timeout(c);
    /* RFC 9000 §9.5: a fresh CID toward a new destination when the peer
     * gave us one; without one we may keep the current one, since we send
     * from the same local address. */
    p->cid_slot = quic_peer_cids_pick(&c->pcids);
    quic_conn_logf(c, "path: a new peer address; validating it");
}

void quic_conn_path_on_challenge(quic_conn *c, const uint8_t data[8])
{
    if (c->rx_new_path) {
        if (!rx_on_probe_path(c))
            return; /* a third address while another is validated: not answered */
        c->probe->response_due = true;
        memcpy(c->probe->response, data, 8);
        return;
    }
    /* RFC 9000 §8.2.2: on the current path, echo the latest challenge. */
    c->pend.path_response = true;
    memcpy(c->pend.path_response_data, data, 8);
}

/* RFC 9000 §9.4: a new peer address gets a fresh congestion controller and
 * RTT estimator (we reset on a port change too, which §9.4 allows). Bytes
 * still in flight on the old path stay counted until acknowledged or lost. */
static void reset_path_state(quic_conn *c)
{
    quic_cc_reset_for_new_path(&c->cc, quic_conn_path_mtu(c));
    quic_rtt_init(&c->rec.rtt, 0);
    /* RFC 9000 §14.2.1: the new path's MTU is not known. */
    quic_pmtud_init(&c->pmtud, (size_t)c->max_udp_payload);
    /* RFC 9000 §13.4.2: nor whether it carries ECN. */
    quic_conn_ecn_on_new_path(c);
}

static void move_to_probe_path(quic_conn *c)
{
    quic_path_probe *p = c->probe;
    if (p->cid_slot >= 0 && !quic_peer_cids_switch_to(&c->pcids, p->cid_slot))
        quic_peer_cids_rotate(&c->pcids);
    c->path = p->path;
    /* The rest of the datagram in hand (if it came on the new path) is on
     * the current path now. */
    if (c->rx_new_path && quic_path_equal(c->rx_path, &c->path))
        c->rx_new_path = false;
    reset_path_state(c);
    c->stats.migrations++;
    c->probe->active = false;
    c->probe->validating = false;
    c->pend.ping = true; /* a non-probing packet on the new path at once */
    quic_conn_logf(c, "path: validated; the connection moved");
}

void quic_conn_path_on_response(quic_conn *c, const uint8_t data[8], uint64_t now)
{
    (void)now;
    quic_path_probe *p = c->probe;
    if (!p || !p->active || !p->validating)
        return; /* RFC 9000 §8.2.3: one we did not ask for is ignored */
    for (unsigned i = 0; i < p->n_sent && i < QUIC_PATH_CHALLENGES; i++)
        if (!memcmp(p->challenge[i], data, 8)) {
            move_to_probe_path(c);
            return;
        }
}

size_t quic_conn_path_build(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now)
{
    quic_path_probe *p = c->probe;
    if (!p || !p->active || c->state != QUIC_CS_ESTABLISHED)
        return 0;
    bool challenge = p->validating && p->challenge_due && p->n_sent < QUIC_PATH_CHALLENGES;
    if (!challenge && !p->response_due)
        return 0;
    /* RFC 9000 §9.3.1, §8.1: three times what came from the address. */
    uint64_t budget = 3 * p->bytes_in > p->bytes_out ? 3 * p->bytes_in - p->bytes_out : 0;
    size_t size = cap < QUIC_MIN_INITIAL ? cap : QUIC_MIN_INITIAL;
    if (budget < size)
        size = (size_t)budget;
    if (size < PROBE_MIN)
        return 0;
    uint8_t *ch = NULL;
    if (challenge) {
        ch = p->challenge[p->n_sent];
        if (quic_conn_random(c, ch, 8) != 0)
            return 0;
    }
    const quic_cid *dcid = p->cid_slot >= 0 ? &c->pcids.slot[p->cid_slot].cid
                                            : quic_peer_cids_current(&c->pcids);
    size_t n = quic_conn_build_path_probe(c, buf, size, dcid, ch,
                                          p->response_due ? p->response : NULL, now);
    if (!n)
        return 0;
    quic_conn_ecn_on_probe(c, c->sp[QUIC_SPACE_APPLICATION].next_pn - 1);
    p->bytes_out += n;
    p->response_due = false;
    if (challenge) {
        p->n_sent++;
        p->challenge_due = false;
        /* RFC 9000 §9.4: the probe's own timer, no faster than a PTO. */
        p->next_at = now + 2 * quic_conn_pto(c);
        if (p->cid_slot >= 0)
            c->pcids.slot[p->cid_slot].used = true;
    }
    return n;
}

uint64_t quic_conn_path_deadline(const quic_conn *c)
{
    const quic_path_probe *p = c->probe;
    if (!p || !p->active || !p->validating)
        return QUIC_NEVER;
    if (!p->challenge_due && p->n_sent < QUIC_PATH_CHALLENGES && p->next_at < p->fail_at)
        return p->next_at;
    return p->fail_at;
}

void quic_conn_path_on_timer(quic_conn *c, uint64_t now)
{
    quic_path_probe *p = c->probe;
    if (!p || !p->active || !p->validating)
        return;
    if (now >= p->fail_at) {
        /* RFC 9000 §8.2.4, §9.3.2: abandoned; the connection never left the
         * last validated path, and stays on it. */
        quic_conn_logf(c, "path: validation failed; staying on the validated path");
        c->stats.path_validation_failures++;
        /* RFC 9000 §9.5, §5.1.2: the CID seen on that path is not used
         * again elsewhere; retired, so the peer can issue another. */
        if (p->cid_slot >= 0 && c->pcids.slot[p->cid_slot].used)
            quic_peer_cids_retire_slot(&c->pcids, p->cid_slot);
        memset(p, 0, sizeof *p);
        p->cid_slot = -1;
        return;
    }
    if (now >= p->next_at && p->n_sent < QUIC_PATH_CHALLENGES)
        p->challenge_due = true;
}

/* ---- the public calls of migration ---- */

const quic_path *quic_conn_path(const quic_conn *c) { return &c->path; }

const struct quic_tp_preferred_address *quic_conn_peer_preferred_address(const quic_conn *c)
{
    return !c->is_server && c->peer_tp_ok && c->peer_tp.has_preferred_address
               ? &c->peer_tp.preferred_address
               : NULL;
}

int quic_conn_probe_path(quic_conn *c, const quic_path *path)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    if (c->is_server || !c->handshake_confirmed || c->state != QUIC_CS_ESTABLISHED)
        return QUIC_ERR_ARG;
    /* RFC 9000 §9.6.1: the preferred address's CID (sequence 1) if still
     * there, else any unused one (§9.5: a new path, a new CID). */
    int slot = -1;
    for (int i = 0; i < QUIC_CID_SLOTS; i++)
        if (c->pcids.slot[i].valid && c->pcids.slot[i].seq == 1 && i != c->pcids.current)
            slot = i;
    if (slot < 0 && (slot = quic_peer_cids_pick(&c->pcids)) < 0)
        return QUIC_ERR_BLOCKED;
    if (!probe_alloc(c))
        return QUIC_ERR_NOMEM;
    probe_reset(c, path);
    quic_path_probe *p = c->probe;
    p->bytes_in = UINT64_MAX / 8; /* an address we chose: no amplification limit */
    p->validating = true;
    p->challenge_due = true;
    p->next_at = c->now;
    p->fail_at = c->now + probe_timeout(c);
    p->cid_slot = slot;
    return 0;
}

int quic_conn_migrate(quic_conn *c, const quic_path *path)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    /* RFC 9000 §9: a client only, after the handshake is confirmed, and not
     * when the server asked us not to. */
    if (c->is_server || !c->handshake_confirmed || c->state != QUIC_CS_ESTABLISHED ||
        (c->peer_tp_ok && c->peer_tp.disable_active_migration))
        return QUIC_ERR_ARG;
    /* RFC 9000 §9.5: never the same CID from two local addresses. */
    if (!quic_peer_cids_rotate(&c->pcids))
        return QUIC_ERR_BLOCKED;
    c->path = *path;
    if (c->probe) {
        memset(c->probe, 0, sizeof *c->probe);
        c->probe->cid_slot = -1;
    }
    reset_path_state(c);
    c->stats.migrations++;
    /* RFC 9000 §9.2: a non-probing packet from the new address tells the
     * server to validate it and move. */
    c->pend.ping = true;
    quic_conn_logf(c, "path: migrated to a new local address");
    return 0;
}
