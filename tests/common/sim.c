/* The simulated network of the sim tier (see sim.h). Built beside pair.c: the
 * pair supplies certificates, configs and the two connections; the network,
 * its clock loop and the checks are here. */
#include "common/sim.h"

#include "common/forge.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "quic/conn_test.h" /* read-only peeks: stats, early packets */
#include "quic/packet.h"
#include "quic/protect.h"

#include <stdlib.h>
#include <string.h>

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t sim_rand(sim *s) { return splitmix(&s->rng); }

double sim_randf(sim *s) { return (double)(sim_rand(s) >> 11) / 9007199254740992.0; }

static int endpoint_random(void *ud, uint8_t *out, size_t n)
{
    uint64_t *st = ud;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = splitmix(st);
        size_t k = n - i < 8 ? n - i : 8;
        memcpy(out + i, &v, k);
    }
    return 0;
}

void sim_dir_burst(sim_dir *d, double avg, double mean_burst)
{
    /* Stationary loss = p_gb / (p_gb + p_bg) with p_bg = 1/mean_burst. */
    d->ge_p_bg = 1.0 / mean_burst;
    d->ge_p_gb = avg * d->ge_p_bg / (1.0 - avg);
    d->ge_loss_bad = 1.0;
}

/* SIM_LOG=1: every packet and frame of both sides, with the virtual time. */
static void sim_log(void *ud, const char *line)
{
    sim *s = ud;
    fprintf(stderr, "%10.3f ms %s\n", (double)s->p.now / 1000.0, line);
}

void sim_init(sim *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    pair_init(&s->p);
    s->spoof.local_len = s->spoof.remote_len = 4;
    memcpy(s->spoof.local, "srv", 4);
    memcpy(s->spoof.remote, "spf", 4);
    /* An Ed25519 certificate: its signatures are deterministic and of one
     * length (ECDSA's vary by a byte or two), so a seed replays exactly. */
    cx_x509_chain_free(s->p.chain);
    cx_x509_trust_free(s->p.trust);
    qb_free(NULL, s->p.cert_pem);
    qb_free(NULL, s->p.key_pem);
    size_t cl, kl;
    cx_x509_chain *chain;
    cx_x509_trust *trust;
    cx_certgen_opts o = {.key_type = CX_KEY_ED25519, .host = "localhost",
                         .now = SIM_CERT_NOT_BEFORE, .days = SIM_CERT_DAYS};
    assert_int_equal(cx_certgen(&o, NULL, &s->p.cert_pem, &cl, &s->p.key_pem, &kl), 0);
    assert_int_equal(cx_x509_chain_from_pem(s->p.cert_pem, cl, s->p.key_pem, kl, NULL, &chain), 0);
    assert_int_equal(cx_x509_trust_from_pem(s->p.cert_pem, cl, &trust), 0);
    s->p.chain = chain;
    s->p.trust = trust;
    s->p.stls.chain = chain;
    s->p.ctls.trust = trust;
    /* The certificate has a fixed date (so a seed replays); the client checks
     * it at a fixed time inside its validity too, not by the wall clock,
     * which leaves the validity in 2036. */
    s->p.ctls.verify_time = s->p.stls.verify_time = SIM_CERT_VERIFY_TIME;
    s->seed = seed;
    s->rng = seed * 0x2545f4914f6cdd1dull + 1;
    s->rng_c = sim_rand(s);
    s->rng_s = sim_rand(s);
    s->p.ctls.random = s->p.ccfg.random = endpoint_random;
    s->p.ctls.random_ud = s->p.ccfg.random_ud = &s->rng_c;
    s->p.stls.random = s->p.scfg.random = endpoint_random;
    s->p.stls.random_ud = s->p.scfg.random_ud = &s->rng_s;
    for (int i = 0; i < 2; i++) {
        s->dir[i].delay_us = 10000;
        s->dir[i].reorder_us = 15000;
    }
    s->check_corrupt = true;
    if (getenv("SIM_LOG")) {
        s->p.ccfg.log = s->p.scfg.log = sim_log;
        s->p.ccfg.log_ud = s->p.scfg.log_ud = s;
    }
}

void sim_start(sim *s)
{
    s->p.client = quic_conn_new_client(&s->p.ccfg, &s->p.cpath, s->p.now);
    assert_non_null(s->p.client);
}

void sim_free(sim *s)
{
    free(s->q);
    s->q = NULL;
    pair_free(&s->p);
}

static sim_dgram *slot(sim *s)
{
    if (s->nq == s->capq) {
        s->capq = s->capq ? s->capq * 2 : 256;
        s->q = realloc(s->q, s->capq * sizeof *s->q);
        assert_non_null(s->q);
    }
    return &s->q[s->nq++];
}

/* Packets of a datagram, by their boundaries before any corruption. */
static size_t pkt_bounds(const uint8_t *d, size_t len, size_t *start, size_t *end, size_t max)
{
    quic_dgram_iter it;
    quic_pkt_hdr h;
    size_t n = 0;
    quic_dgram_iter_init(&it, d, len, 8);
    while (n < max && quic_dgram_next(&it, &h) > 0) {
        start[n] = (size_t)(h.pkt - d);
        end[n] = start[n] + h.pkt_len;
        n++;
    }
    return n;
}

static void put(sim *s, int dir, const uint8_t *d, size_t len, uint8_t ecn, uint64_t extra)
{
    sim_dir *nd = &s->dir[dir];
    sim_dgram *g = slot(s);
    g->ecn = ecn;
    memcpy(g->data, d, len);
    g->len = len;
    g->to_server = dir == SIM_C2S;
    g->seq = s->seq++;
    g->corrupted = false;
    g->spoofed = false;
    g->at = s->p.now + nd->delay_us + extra;
    if (nd->jitter_us)
        g->at += sim_rand(s) % (nd->jitter_us + 1);
    if (nd->reorder > 0 && sim_randf(s) < nd->reorder) {
        g->at += nd->reorder_us;
        s->n.reordered[dir]++;
    }
    size_t st[16], en[16];
    size_t np = pkt_bounds(g->data, len, st, en, 16);
    g->intact_pkts = (uint8_t)np;
    if (nd->corrupt > 0 && sim_randf(s) < nd->corrupt) {
        unsigned flips = 1 + (unsigned)(sim_rand(s) % 4);
        for (unsigned i = 0; i < flips; i++) {
            size_t at = (size_t)(sim_rand(s) % len);
            g->data[at] ^= (uint8_t)(1 + sim_rand(s) % 255);
        }
        /* Damage is judged against the original bytes: two flips of one byte
         * by the same value cancel out and leave the packet intact. */
        bool any = false;
        for (size_t k = 0; k < np; k++) {
            bool hit = memcmp(g->data + st[k], d + st[k], en[k] - st[k]) != 0;
            g->intact_pkts -= hit;
            any |= hit;
        }
        if (memcmp(g->data, d, len) != 0)
            any = true;
        g->corrupted = any;
        s->n.corrupted[dir] += any;
    }
}

static void on_sent(sim *s, int dir, uint8_t *d, size_t len, uint8_t ecn)
{
    sim_dir *nd = &s->dir[dir];
    /* RFC 9000 §8.1: before the client's address is validated the server
     * sends at most three times what it received. Whether it is validated is
     * the server's own state (a Handshake packet it opened, or a Retry token),
     * read before the send is judged; what it sent counts even when a tap or
     * the network drops it afterwards. */
    if (dir == SIM_S2C) {
        s->n.srv_validated = s->p.server && quic_test_view(s->p.server).addr_validated;
        if (!s->n.srv_validated) {
            s->n.srv_bytes_unvalidated += len;
            SIM_ASSERT(s, s->n.srv_bytes_unvalidated <= 3 * s->n.srv_bytes_in);
        }
    }
    if (s->tap && !s->tap(s, dir == SIM_C2S, d, &len, s->tap_ud))
        return;
    s->n.sent[dir]++;
    s->n.bytes_sent[dir] += len;
    if (nd->mtu && len > nd->mtu) {
        s->n.mtu_drop[dir]++;
        return;
    }
    bool lose = nd->loss > 0 && sim_randf(s) < nd->loss;
    if (nd->ge_p_gb > 0) {
        double r = sim_randf(s);
        if (s->p.now - nd->ge_last > 200000)
            nd->ge_bad = false;
        nd->ge_last = s->p.now;
        if (nd->ge_bad)
            nd->ge_bad = !(r < nd->ge_p_bg);
        else
            nd->ge_bad = r < nd->ge_p_gb;
        if (nd->ge_bad && sim_randf(s) < nd->ge_loss_bad)
            lose = true;
    }
    if (lose) {
        if (s->p.ccfg.log)
            fprintf(stderr, "%10.3f ms sim: %zu bytes to the %s lost\n", (double)s->p.now / 1000.0,
                    len, dir == SIM_C2S ? "server" : "client");
        s->n.lost[dir]++;
        return;
    }
    uint64_t queued_us = 0;
    if (nd->link) {
        /* Drop-tail: the bytes still waiting are what the link has not
         * sent by now, less the one datagram in service. */
        sim_link *l = nd->link;
        uint64_t now_ns = s->p.now * 1000;
        uint64_t start = l->busy_until_ns > now_ns ? l->busy_until_ns : now_ns;
        uint64_t backlog = (start - now_ns) * l->rate_bps / 8000000000ull;
        if (backlog > l->queue_bytes) {
            l->drops++;
            s->n.lost[dir]++;
            return;
        }
        l->passed++;
        l->busy_until_ns = start + (uint64_t)len * 8000000000ull / l->rate_bps;
        queued_us = (l->busy_until_ns + 999) / 1000 - s->p.now;
    }
    if ((ecn == QUIC_ECN_ECT0 || ecn == QUIC_ECN_ECT1) && nd->drop_ect) {
        s->n.ect_sent[dir]++;
        s->n.ect_dropped[dir]++;
        s->n.lost[dir]++;
        return;
    }
    if (ecn == QUIC_ECN_ECT0 || ecn == QUIC_ECN_ECT1) {
        s->n.ect_sent[dir]++;
        if (nd->ce_mark > 0 && sim_randf(s) < nd->ce_mark) {
            ecn = QUIC_ECN_CE; /* a router's congestion mark (RFC 3168 §5) */
            s->n.ce_marked[dir]++;
        }
    }
    if (nd->bleach)
        ecn = QUIC_ECN_NOT_ECT;
    put(s, dir, d, len, ecn, queued_us);
    if (nd->dup > 0 && sim_randf(s) < nd->dup) {
        s->n.dup[dir]++;
        put(s, dir, d, len, ecn, sim_rand(s) % (nd->delay_us + 1));
    }
}

void sim_inject(sim *s, bool to_server, const uint8_t *d, size_t len, uint64_t delay_us)
{
    assert_true(len <= sizeof s->q[0].data);
    sim_dgram *g = slot(s);
    memcpy(g->data, d, len);
    g->len = len;
    g->to_server = to_server;
    g->seq = s->seq++;
    g->corrupted = false;
    g->spoofed = false;
    g->intact_pkts = 255;
    g->ecn = QUIC_ECN_NOT_ECT;
    g->at = s->p.now + delay_us;
}

void sim_inject_spoofed(sim *s, const uint8_t *d, size_t len, uint64_t delay_us)
{
    sim_inject(s, true, d, len, delay_us);
    s->q[s->nq - 1].spoofed = true;
}

void sim_rebind(sim *s)
{
    /* The NAT's new mapping: another source port for the same client. */
    s->p.spath.remote[s->p.spath.remote_len - 1]++;
    s->n.rebinds++;
}

/* Where the server's datagram goes: to the client's current address, or
 * elsewhere (an old NAT mapping, a spoofed source): counted, not delivered. */
static bool server_reaches_client(sim *s, const quic_path *to, size_t len)
{
    if (to->remote_len == s->p.spath.remote_len &&
        !memcmp(to->remote, s->p.spath.remote, to->remote_len))
        return true;
    s->n.srv_elsewhere++;
    if (to->remote_len == s->spoof.remote_len && !memcmp(to->remote, s->spoof.remote, to->remote_len))
        s->n.spoof_out += len;
    return false;
}

static void flush(sim *s)
{
    uint8_t buf[1500];
    for (int round = 0; round < 10000; round++) {
        size_t n1 = 0, n2 = 0;
        if (s->p.client && (n1 = quic_conn_send(s->p.client, buf, sizeof buf, s->p.now)))
            on_sent(s, SIM_C2S, buf, n1, quic_conn_ecn(s->p.client));
        quic_path to;
        if (s->p.server && (n2 = quic_conn_send_path(s->p.server, buf, sizeof buf, s->p.now, &to)) &&
            server_reaches_client(s, &to, n2))
            on_sent(s, SIM_S2C, buf, n2, quic_conn_ecn(s->p.server));
        if (!n1 && !n2)
            return;
    }
}

static void make_server(sim *s, const sim_dgram *g)
{
    /* The endpoint's part: a server connection for an intact client Initial. */
    quic_pkt_hdr h;
    if (g->corrupted || quic_pkt_hdr_parse(g->data, g->len, 8, &h) != 0 ||
        h.type != QUIC_PKT_INITIAL || g->len < 1200 || h.dcid_len < 8)
        return;
    quic_cid scid, dcid;
    quic_cid_set(&scid, h.scid, h.scid_len);
    quic_cid_set(&dcid, h.dcid, h.dcid_len);
    s->p.server = quic_conn_new_server(&s->p.scfg, &s->p.spath, &scid, &dcid, NULL, s->p.now);
    assert_non_null(s->p.server);
}

static void deliver(sim *s, sim_dgram *g)
{
    int dir = g->to_server ? SIM_C2S : SIM_S2C;
    quic_conn *c;
    if (g->to_server) {
        if (!s->p.server && !s->no_server_auto)
            make_server(s, g);
        c = s->p.server;
    } else {
        c = s->p.client;
    }
    if (!c)
        return;
    s->n.delivered[dir]++;
    s->n.bytes_delivered[dir] += g->len;
    if (g->to_server)
        s->n.srv_bytes_in += g->len;
    if (g->spoofed)
        s->n.spoof_in += g->len;
    uint64_t before = quic_test_stats(c).pkts_recv;
    size_t early = quic_test_view(c).early_held;
    const quic_path *from = g->spoofed ? &s->spoof : g->to_server ? &s->p.spath : &s->p.cpath;
    quic_conn_recv_ecn(c, from, g->data, g->len, g->ecn, s->p.now);
    if (s->p.ccfg.log && quic_test_stats(c).pkts_recv == before)
        fprintf(stderr, "%10.3f ms sim: %zu bytes to the %s: nothing accepted%s\n",
                (double)s->p.now / 1000.0, g->len, g->to_server ? "server" : "client",
                g->corrupted ? " (corrupted)" : "");
    if (g->corrupted && s->check_corrupt) {
        /* Corrupted packets fail authentication: only the untouched packets
         * of the datagram (and 1-RTT packets held for keys) may count. */
        SIM_ASSERT(s, quic_test_stats(c).pkts_recv - before <= (uint64_t)g->intact_pkts + early);
    }
}

/* The next time something happens in s: a delivery or a timer. */
static uint64_t next_time(sim *s)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < s->nq; i++)
        if (s->q[i].at < next)
            next = s->q[i].at;
    quic_conn *cs[2] = {s->p.client, s->p.server};
    for (int k = 0; k < 2; k++)
        if (cs[k]) {
            uint64_t d = quic_conn_deadline(cs[k]);
            if (d < next)
                next = d;
        }
    return next;
}

/* Delivers what is due at s->p.now, earliest first, ties in send order,
 * then runs the timers that are due. */
static void step(sim *s)
{
    for (;;) {
        size_t best = s->nq;
        for (size_t i = 0; i < s->nq; i++)
            if (s->q[i].at <= s->p.now &&
                (best == s->nq || s->q[i].at < s->q[best].at ||
                 (s->q[i].at == s->q[best].at && s->q[i].seq < s->q[best].seq)))
                best = i;
        if (best == s->nq)
            break;
        sim_dgram g = s->q[best];
        s->q[best] = s->q[--s->nq];
        deliver(s, &g);
    }
    for (int k = 0; k < 2; k++) {
        quic_conn *c = k ? s->p.server : s->p.client;
        if (c && quic_conn_deadline(c) <= s->p.now)
            quic_conn_on_deadline(c, s->p.now);
    }
}

bool sim_run_group(sim *const *ss, size_t n, bool (*pred)(sim *const *, size_t, void *), void *ud,
                   uint64_t max_us)
{
    uint64_t now = ss[0]->p.now;
    uint64_t end = now + max_us;
    for (;;) {
        for (size_t i = 0; i < n; i++)
            flush(ss[i]);
        if (pred && pred(ss, n, ud))
            return true;
        uint64_t next = UINT64_MAX;
        for (size_t i = 0; i < n; i++) {
            flush(ss[i]);
            uint64_t t = next_time(ss[i]);
            if (t < next)
                next = t;
        }
        if (next == UINT64_MAX || next > end) {
            for (size_t i = 0; i < n; i++)
                ss[i]->p.now = end;
            return pred ? pred(ss, n, ud) : false;
        }
        if (next > now)
            now = next;
        for (size_t i = 0; i < n; i++) {
            ss[i]->p.now = now;
            step(ss[i]);
        }
    }
}

bool sim_run(sim *s, bool (*pred)(sim *, void *), void *ud, uint64_t max_us)
{
    uint64_t end = s->p.now + max_us;
    for (;;) {
        flush(s);
        if (pred && pred(s, ud))
            return true;
        flush(s); /* what pred wrote goes out now, not at the next timer */
        uint64_t next = next_time(s);
        if (next == UINT64_MAX || next > end) {
            if (end > s->p.now)
                s->p.now = end;
            return pred ? pred(s, ud) : false;
        }
        if (next > s->p.now)
            s->p.now = next;
        step(s);
    }
}

sim_seeds sim_seeds_get(uint64_t first, uint64_t count)
{
    sim_seeds r = {first, count};
    const char *n = getenv("SIM_SEEDS"); /* soak: more seeds than the suite's */
    if (n && *n)
        r.count = strtoull(n, NULL, 0);
    const char *e = getenv("SIM_SEED");
    if (e && *e) {
        r.first = strtoull(e, NULL, 0);
        r.count = 1;
    }
    return r;
}

int sim_client_inject_1rtt(sim *s, const uint8_t *frames, size_t len)
{
    quic_conn *c = s->p.client;
    assert_true(c && quic_test_view(c).app_tx_ok);
    return sim_client_inject_1rtt_keys(s, frames, len, quic_test_view(c).key_phase_tx,
                                       quic_test_keys(c, QUIC_SPACE_APPLICATION, false).aead, 0);
}

static int inject_1rtt(sim *s, const quic_path *from, const uint8_t *frames, size_t len,
                       bool key_phase, cx_aead *aead, uint8_t reserved_bits);

int sim_client_inject_1rtt_from(sim *s, const quic_path *from, const uint8_t *frames, size_t len)
{
    quic_conn *c = s->p.client;
    assert_true(c && quic_test_view(c).app_tx_ok);
    return inject_1rtt(s, from, frames, len, quic_test_view(c).key_phase_tx,
                       quic_test_keys(c, QUIC_SPACE_APPLICATION, false).aead, 0);
}

int sim_client_inject_1rtt_keys(sim *s, const uint8_t *frames, size_t len, bool key_phase,
                                cx_aead *aead, uint8_t reserved_bits)
{
    return inject_1rtt(s, &s->p.spath, frames, len, key_phase, aead, reserved_bits);
}

static int inject_1rtt(sim *s, const quic_path *from, const uint8_t *frames, size_t len,
                       bool key_phase, cx_aead *aead, uint8_t reserved_bits)
{
    quic_conn *c = s->p.client;
    uint8_t buf[1500];
    forge_pkt fp;
    assert_true(c && s->p.server && quic_test_view(c).app_tx_ok);
    assert_true(forge_as(&fp, c, QUIC_SPACE_APPLICATION));
    fp.key_phase = key_phase;
    fp.keys.aead = aead;
    fp.reserved = reserved_bits; /* RFC 9000 §17.3.1: must be 0 */
    fp.raw = frames;
    fp.raw_len = len;
    size_t pkt_len = forge_seal(&fp, buf, sizeof buf);
    assert_true(pkt_len > 0);
    return quic_conn_recv(s->p.server, from, buf, pkt_len, s->p.now);
}
