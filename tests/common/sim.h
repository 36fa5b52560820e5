/* A seeded simulated network between a client and a server of ours (the "sim"
 * tier, DESIGN.md): per-direction delay and jitter, independent and burst loss
 * (Gilbert-Elliott), reordering, duplication, corruption and an MTU limit, on a
 * virtual clock. Every run checks the server's anti-amplification limit (RFC
 * 9000 §8.1) from the outside and that corrupted packets are never accepted.
 * A run is a pure function of its seed: SIM_SEED=n replays one seed. */
#ifndef TEST_SIM_H
#define TEST_SIM_H

#include "common/pair.h"

#include "common/tu.h"

#include "crypto/cx_aead.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A bottleneck: datagrams leave one after another at rate_bps behind a
 * drop-tail queue of queue_bytes (what waits, not counting the one being
 * sent). Several sims' directions may point at one link; they must then run
 * on one clock (sim_run_group). */
typedef struct sim_link {
    uint64_t rate_bps;
    uint64_t queue_bytes;
    uint64_t busy_until_ns; /* when the last accepted datagram is out */
    uint64_t drops, passed;
} sim_link;

typedef struct sim_dir {
    uint64_t delay_us;   /* one-way base delay */
    uint64_t jitter_us;  /* + uniform 0..jitter (reorders when > gap) */
    double loss;         /* independent loss probability */
    /* Gilbert-Elliott: good->bad and bad->good per datagram, loss when bad. */
    double ge_p_gb, ge_p_bg, ge_loss_bad;
    bool ge_bad;
    uint64_t ge_last; /* a burst is a short event: after 200 ms quiet, good */
    double reorder;      /* probability of holding a datagram back */
    uint64_t reorder_us; /* by this much extra */
    double dup;          /* probability of delivering a second copy */
    double corrupt;      /* probability of flipping 1..4 bytes */
    size_t mtu;          /* 0: no limit; larger datagrams are dropped */
    double ce_mark;      /* probability of marking an ECT datagram CE (RFC 3168) */
    bool bleach;         /* clears the ECN field of every datagram */
    bool drop_ect;       /* drops every ECT-marked datagram (a faulty box, RFC 9000 §13.4.2) */
    sim_link *link;      /* NULL: no rate limit; else queued here first */
} sim_dir;

typedef struct sim_dgram {
    uint8_t data[1500];
    size_t len;
    uint64_t at;
    uint64_t seq; /* ties broken by send order */
    bool to_server;
    bool corrupted;
    uint8_t ecn; /* the ECN field of its IP header (quic_ecn_codepoint) */
    bool spoofed; /* from sim.spoof rather than the client's address */
    uint8_t intact_pkts; /* packets of the datagram left untouched by corruption */
} sim_dgram;

typedef struct sim_counters {
    uint64_t sent[2], delivered[2], lost[2], dup[2], corrupted[2], mtu_drop[2], reordered[2];
    uint64_t bytes_sent[2], bytes_delivered[2];
    uint64_t ect_sent[2], ce_marked[2]; /* datagrams sent ECT-marked, marked CE on the way */
    uint64_t ect_dropped[2];            /* ECT-marked datagrams dropped (sim_dir.drop_ect) */
    /* RFC 9000 §8.1, seen from the wire */
    uint64_t srv_bytes_unvalidated, srv_bytes_in;
    bool srv_validated;
    /* Migration (RFC 9000 §9): NAT rebindings, server datagrams to an address
     * other than the client's (not delivered), bytes from and to sim.spoof. */
    uint64_t rebinds, srv_elsewhere, spoof_in, spoof_out;
} sim_counters;

enum { SIM_C2S = 0, SIM_S2C = 1 };

/* The sim's certificate: valid from 2026-01-01 for ten years, and verified at
 * a fixed time a day later (tls_config.verify_time), whatever the date. */
#define SIM_CERT_NOT_BEFORE 1767225600
#define SIM_CERT_DAYS 3650
#define SIM_CERT_VERIFY_TIME (SIM_CERT_NOT_BEFORE + 86400)

typedef struct sim {
    pair p;           /* certificates, configs, the two connections, now */
    uint64_t seed;
    uint64_t rng;     /* the network's */
    uint64_t rng_c, rng_s; /* the endpoints' randomness (CIDs, TLS randoms) */
    sim_dir dir[2];
    sim_dgram *q;
    size_t nq, capq;
    uint64_t seq;
    sim_counters n;
    /* Optional taps: see every datagram a side sent (before the network) or
     * is about to receive; a tap returning false drops the datagram. */
    bool (*tap)(struct sim *s, bool to_server, uint8_t *d, size_t *len, void *ud);
    void *tap_ud;
    bool no_server_auto; /* the test creates the server itself */
    quic_path spoof;     /* an attacker's source address (sim_inject_spoofed) */
    bool check_corrupt;  /* assert corrupted packets are never accepted */
} sim;

/* Like pair_init, with the endpoints' randomness and the network seeded. */
void sim_init(sim *s, uint64_t seed);
void sim_start(sim *s);
/* Moves datagrams and time until pred(s, ud) holds or max_us passes. */
bool sim_run(sim *s, bool (*pred)(sim *, void *), void *ud, uint64_t max_us);
void sim_free(sim *s);
/* sim_run for several sims on one clock (they start at the same now), e.g.
 * flows sharing a sim_link. pred sees them all. */
bool sim_run_group(sim *const *ss, size_t n, bool (*pred)(sim *const *, size_t, void *), void *ud,
                   uint64_t max_us);
/* Puts a datagram on the wire as if a side had sent it (through the network). */
void sim_inject(sim *s, bool to_server, const uint8_t *d, size_t len, uint64_t delay_us);

/* A datagram to the server from sim.spoof (an off-path attacker's copy). */
void sim_inject_spoofed(sim *s, const uint8_t *d, size_t len, uint64_t delay_us);
/* A rebinding NAT: from now on the server sees the client at another port.
 * The server's datagrams reach the client only at its current address. */
void sim_rebind(sim *s);

/* A hostile client: seals frames (padded to the sample size) into a 1-RTT
 * packet with the client's current keys and next packet number, and hands it
 * straight to the server. Returns what quic_conn_recv returned. The client's
 * own recovery never learns of the packet, so run no further exchange that
 * would bring its ACK back to the client. */
int sim_client_inject_1rtt(sim *s, const uint8_t *frames, size_t len);
/* The same with a chosen Key Phase bit and packet key (RFC 9001 §6), and the
 * two reserved short-header bits (0x18) set as given (RFC 9000 §17.3.1). */
int sim_client_inject_1rtt_keys(sim *s, const uint8_t *frames, size_t len, bool key_phase,
                                cx_aead *aead, uint8_t reserved_bits);

/* The same from another address (the server sees it come from there). */
int sim_client_inject_1rtt_from(sim *s, const quic_path *from, const uint8_t *frames, size_t len);

/* Sets burst loss of average rate avg (0..1) with mean burst length mean_burst. */
void sim_dir_burst(sim_dir *d, double avg, double mean_burst);

uint64_t sim_rand(sim *s);
double sim_randf(sim *s);

/* The seeds to run: SIM_SEED=n gives just n; else first..first+count-1
 * (SIM_SEEDS=k runs k seeds instead of count). */
typedef struct sim_seeds {
    uint64_t first, count;
} sim_seeds;
sim_seeds sim_seeds_get(uint64_t first, uint64_t count);
/* A check that names the seed to replay when it fails. */
#define SIM_ASSERT(s, cond)                                                              \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "sim: %s:%d: %s failed; replay with SIM_SEED=%llu\n",          \
                    __FILE__, __LINE__, #cond, (unsigned long long)(s)->seed);            \
            fail();                                                                      \
        }                                                                                \
    } while (0)

#endif
