/* Secrets do not linger in the TLS engine's memory: once the handshake is
 * complete and its events are taken, no block the engine holds contains a
 * traffic secret (only the exporter secret stays, for
 * tls_conn_exporter_secret), and every block it frees (tls_conn_free, after
 * success or failure, events taken or not) is wiped of all of them. Seen
 * through the two hooks a user has: the allocator, which scans each block
 * it hands back, and the key log, which says what the secrets are. */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static cx_x509_chain *chain;
static cx_x509_trust *trust;

static int setup(void **state)
{
    (void)state;
    char *c, *k;
    size_t cl, kl;
    cx_certgen_opts o = {.host = "quince.test", .now = time(NULL), .not_before_offset = -60};
    if (cx_certgen(&o, NULL, &c, &cl, &k, &kl) || cx_x509_chain_from_pem(c, cl, k, kl, NULL, &chain) ||
        cx_x509_trust_from_pem(c, cl, &trust))
        return -1;
    qb_free(NULL, c);
    qb_free(NULL, k);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cx_x509_chain_free(chain);
    cx_x509_trust_free(trust);
    return 0;
}

/* ---- the secrets, from the key log ---- */

#define MAX_SECRETS 16
typedef struct secrets {
    char label[MAX_SECRETS][40];
    uint8_t v[MAX_SECRETS][TLS_SECRET_MAX];
    size_t len[MAX_SECRETS];
    size_t n;
} secrets;

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* "LABEL <client_random hex> <secret hex>" */
static void keylog(void *ud, const char *line)
{
    secrets *s = ud;
    const char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    assert_non_null(sp2);
    assert_true(s->n < MAX_SECRETS);
    size_t ll = (size_t)(sp1 - line), hl = strlen(sp2 + 1);
    assert_true(ll < sizeof s->label[0] && hl % 2 == 0 && hl / 2 <= TLS_SECRET_MAX);
    memcpy(s->label[s->n], line, ll);
    s->label[s->n][ll] = 0;
    for (size_t i = 0; i < hl / 2; i++)
        s->v[s->n][i] = (uint8_t)(hexval(sp2[1 + 2 * i]) << 4 | hexval(sp2[2 + 2 * i]));
    s->len[s->n++] = hl / 2;
}

/* ---- an allocator that knows its live blocks and scans what comes back ---- */

#define MAX_BLOCKS 256
typedef struct tracker {
    void *p[MAX_BLOCKS];
    size_t size[MAX_BLOCKS];
    const secrets *look_for[2];
    int freed_hits;          /* secrets found in blocks handed back */
    char last_hit[40];
} tracker;

static int scan(tracker *t, const void *p, size_t n, char *which)
{
    int hits = 0;
    for (int k = 0; k < 2; k++) {
        const secrets *s = t->look_for[k];
        for (size_t i = 0; s && i < s->n; i++)
            if (n >= s->len[i] && memmem(p, n, s->v[i], s->len[i])) {
                hits++;
                if (which)
                    snprintf(which, 40, "%s", s->label[i]);
            }
    }
    return hits;
}

static void track_add(tracker *t, void *p, size_t n)
{
    for (size_t i = 0; i < MAX_BLOCKS; i++)
        if (!t->p[i]) {
            t->p[i] = p;
            t->size[i] = n;
            return;
        }
    fail_msg("too many blocks");
}

static size_t track_del(tracker *t, void *p)
{
    for (size_t i = 0; i < MAX_BLOCKS; i++)
        if (t->p[i] == p) {
            t->p[i] = NULL;
            return t->size[i];
        }
    fail_msg("freeing a block not allocated here");
    return 0;
}

static void *t_alloc(void *ud, size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p)
        track_add(ud, p, n);
    return p;
}

static void t_free(void *ud, void *p)
{
    tracker *t = ud;
    if (!p)
        return;
    size_t n = track_del(t, p);
    t->freed_hits += scan(t, p, n, t->last_hit);
    free(p);
}

/* realloc as alloc + copy + free, so the old block is scanned too */
static void *t_realloc(void *ud, void *p, size_t n)
{
    tracker *t = ud;
    void *q = t_alloc(ud, n);
    if (!q || !p)
        return q;
    size_t old = 0;
    for (size_t i = 0; i < MAX_BLOCKS; i++)
        if (t->p[i] == p)
            old = t->size[i];
    memcpy(q, p, old < n ? old : n);
    t_free(ud, p);
    return q;
}

static int live_hits(tracker *t, char *which)
{
    int hits = 0;
    for (size_t i = 0; i < MAX_BLOCKS; i++)
        if (t->p[i])
            hits += scan(t, t->p[i], t->size[i], which);
    return hits;
}

/* ---- the handshakes ---- */

static const uint8_t TP[] = {0x01, 0x02, 0x40, 0x64};

typedef struct sides {
    tracker tr;
    qb_alloc alloc;
    secrets cs, ss;
    tls_config cc, sc;
    tls_conn *c, *s;
} sides;

static void start(sides *x, const char *name, uint16_t suite)
{
    memset(x, 0, sizeof *x);
    x->alloc = (qb_alloc){t_alloc, t_realloc, t_free, &x->tr};
    x->tr.look_for[0] = &x->cs;
    x->tr.look_for[1] = &x->ss;
    tls_config_init(&x->cc, TLS_ROLE_CLIENT);
    x->cc.alpn[0] = "h3";
    x->cc.alpn_count = 1;
    x->cc.server_name = name;
    x->cc.trust = trust;
    x->cc.keylog = keylog;
    x->cc.keylog_ud = &x->cs;
    x->cc.alloc = &x->alloc;
    x->cc.suites[0] = suite;
    x->cc.suite_count = 1;
    tls_config_init(&x->sc, TLS_ROLE_SERVER);
    x->sc.alpn[0] = "h3";
    x->sc.alpn_count = 1;
    x->sc.chain = chain;
    x->sc.keylog = keylog;
    x->sc.keylog_ud = &x->ss;
    x->sc.alloc = &x->alloc;
    x->c = tls_conn_new(&x->cc, TP, sizeof TP);
    x->s = tls_conn_new(&x->sc, TP, sizeof TP);
    assert_non_null(x->c);
    assert_non_null(x->s);
}

static void drain(tls_conn *c)
{
    tls_event ev;
    while (tls_conn_next_event(c, &ev))
        memset(&ev, 0, sizeof ev);
}

/* After a complete handshake whose events were taken, the engine holds the
 * exporter secret and no traffic secret; at free it wipes everything. */
static void test_connected_tls_keeps_no_traffic_secret(void **state)
{
    (void)state;
    static const uint16_t suites[] = {TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384};
    for (size_t i = 0; i < 2; i++) {
        sides x;
        char which[40] = "";
        start(&x, "quince.test", suites[i]);
        assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), 0);
        drain(x.c);
        drain(x.s);
        assert_int_equal(x.cs.n, 5); /* 4 traffic secrets + exporter, each side */
        assert_int_equal(x.ss.n, 5);
        /* the exporter secret is the one the engine must keep */
        int hits = live_hits(&x.tr, which);
        assert_int_equal(hits, 4);
        assert_string_equal(which, "EXPORTER_SECRET");
        uint8_t e[TLS_SECRET_MAX];
        size_t el;
        assert_int_equal(tls_conn_exporter_secret(x.c, e, &el), 0);
        /* no traffic secret: leave the exporter out of the search */
        secrets cs = x.cs, ss = x.ss;
        cs.n = ss.n = 0;
        for (size_t k = 0; k < x.cs.n; k++)
            if (strcmp(x.cs.label[k], "EXPORTER_SECRET") != 0) {
                memcpy(cs.v[cs.n], x.cs.v[k], x.cs.len[k]);
                cs.len[cs.n] = x.cs.len[k];
                strcpy(cs.label[cs.n++], x.cs.label[k]);
            }
        x.tr.look_for[0] = &cs;
        x.tr.look_for[1] = &ss;
        hits = live_hits(&x.tr, which);
        if (hits)
            fail_msg("suite %04x: %d traffic secrets still held, e.g. %s", suites[i], hits, which);
        x.tr.look_for[0] = &x.cs;
        x.tr.look_for[1] = &x.ss;
        tls_conn_free(x.c);
        tls_conn_free(x.s);
        if (x.tr.freed_hits)
            fail_msg("suite %04x: %d secrets in freed blocks, e.g. %s", suites[i], x.tr.freed_hits,
                     x.tr.last_hit);
        assert_int_equal(live_hits(&x.tr, NULL), 0);
    }
}

/* A client that fails after the server's flight (a name mismatch: bad
 * certificate) still holds its handshake secrets in untaken events; the
 * server holds its secrets of every level. tls_conn_free wipes them all. */
static void test_failed_handshake_wipes_secrets_at_free(void **state)
{
    (void)state;
    sides x;
    start(&x, "other.test", TLS_AES_128_GCM_SHA256);
    assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), TLS_ERR_BAD_CERT);
    assert_int_equal(x.cs.n, 2); /* the handshake secrets only */
    assert_true(live_hits(&x.tr, NULL) > 0); /* in the event ring, not taken */
    tls_conn_free(x.c);
    tls_conn_free(x.s);
    if (x.tr.freed_hits)
        fail_msg("%d secrets in freed blocks, e.g. %s", x.tr.freed_hits, x.tr.last_hit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connected_tls_keeps_no_traffic_secret),
        cmocka_unit_test(test_failed_handshake_wipes_secrets_at_free),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
