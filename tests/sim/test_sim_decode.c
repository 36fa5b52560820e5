/* quince decode follows key updates (RFC 9001 §6): a connection over the
 * simulated network in which the client asks for a key update every turn and
 * the server updates after 100 packets is captured through the sim's tap with
 * its key log; every packet must decrypt, with the updates shown as such. */
#include "common/sim.h"
#include "app/app_decode.h"
#include "app/pcap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct cap {
    app_pcap_writer w;
    struct sockaddr_in c, s;
    char keylog[8192];
    size_t keylog_len;
} cap;

static cap g_cap;

static bool tap(sim *s, bool to_server, uint8_t *d, size_t *len, void *ud)
{
    cap *c = ud;
    assert_int_equal(app_pcap_writer_add(&c->w, s->p.now * 1000u, to_server ? &c->c : &c->s,
                                         to_server ? &c->s : &c->c, d, *len), 0);
    return true;
}

static void keylog(void *ud, const char *line)
{
    cap *c = ud;
    int n = snprintf(c->keylog + c->keylog_len, sizeof c->keylog - c->keylog_len, "%s\n", line);
    assert_true(n > 0 && (size_t)n < sizeof c->keylog - c->keylog_len);
    c->keylog_len += (size_t)n;
}

typedef struct run {
    bool c_conn, s_conn, closed;
    int64_t sid;
    uint64_t written, total, got;
    bool fin;
} run;

static void note(quic_conn *c, const quic_event *e, void *ud)
{
    run *r = ud;
    if (e->type == QUIC_EV_CONNECTED)
        *(quic_conn_is_server(c) ? &r->s_conn : &r->c_conn) = true;
    if (e->type == QUIC_EV_CLOSED)
        r->closed = true;
}

static bool connected(sim *s, void *ud)
{
    run *r = ud;
    pair_events(s->p.client, note, r);
    pair_events(s->p.server, note, r);
    return (r->c_conn && r->s_conn) || r->closed;
}

static bool pump(sim *s, void *ud)
{
    run *r = ud;
    uint8_t buf[4096];
    pair_events(s->p.client, note, r);
    pair_events(s->p.server, note, r);
    while (r->written < r->total) {
        size_t n = r->total - r->written < sizeof buf ? (size_t)(r->total - r->written) : sizeof buf;
        memset(buf, 'q', n);
        int64_t w = quic_conn_stream_write(s->p.client, (uint64_t)r->sid, buf, n,
                                           r->written + n == r->total);
        if (w <= 0)
            break;
        r->written += (uint64_t)w;
    }
    quic_conn_key_update(s->p.client);
    bool fin = false;
    int64_t got;
    while ((got = quic_conn_stream_read(s->p.server, (uint64_t)r->sid, buf, sizeof buf, &fin)) > 0)
        r->got += (uint64_t)got;
    r->fin |= fin || r->got == r->total;
    return r->fin || r->closed;
}

static void test_key_updates_both_ways_decode_with_zero_undecryptable(void **state)
{
    (void)state;
    char path[] = "/tmp/quince-test-sim-decode-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    cap *c = &g_cap;
    memset(c, 0, sizeof *c);
    assert_int_equal(app_pcap_writer_open(&c->w, path), 0);
    c->c.sin_family = c->s.sin_family = AF_INET;
    c->c.sin_addr.s_addr = c->s.sin_addr.s_addr = htonl(0x7f000001);
    c->c.sin_port = htons(50000);
    c->s.sin_port = htons(4433);

    sim s;
    sim_init(&s, 7);
    s.p.ctls.keylog = keylog;
    s.p.ctls.keylog_ud = c;
    s.p.scfg.key_update_after = 50;
    s.tap = tap;
    s.tap_ud = c;
    run r = {.total = 2000000};
    sim_start(&s);
    SIM_ASSERT(&s, sim_run(&s, connected, &r, 60000000) && !r.closed);
    r.sid = quic_conn_stream_open(s.p.client, true);
    SIM_ASSERT(&s, r.sid >= 0);
    bool ok = sim_run(&s, pump, &r, 300000000);
    SIM_ASSERT(&s, ok && !r.closed && r.got == r.total);
    quic_conn_stats cs, ss;
    quic_conn_stats_get(s.p.client, &cs);
    quic_conn_stats_get(s.p.server, &ss);
    SIM_ASSERT(&s, cs.key_updates >= 2 && ss.key_updates >= 2);
    sim_free(&s);
    app_pcap_writer_close(&c->w);

    size_t len;
    uint8_t *capture = tu_read_file(path, &len);
    unlink(path);
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    app_decode_stats st;
    assert_int_equal(app_decode_buf(capture, len, c->keylog, c->keylog_len, false, f, stderr, &st), 0);
    fclose(f);
    free(capture);
    assert_int_equal(st.undecryptable, 0);
    assert_int_equal(st.decrypted, st.packets);
    assert_true(st.packets > 300);
    /* the updates of each side, in order, as the decoder derived them */
    assert_non_null(strstr(out, "key update: the client moves to key phase 1, generation 1"));
    assert_non_null(strstr(out, "key update: the client moves to key phase 0, generation 2"));
    assert_non_null(strstr(out, "key update: the server moves to key phase 1, generation 1"));
    assert_non_null(strstr(out, "key update: the server moves to key phase 0, generation 2"));
    assert_non_null(strstr(out, "[RFC 9001 §6 key update]"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_updates_both_ways_decode_with_zero_undecryptable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
