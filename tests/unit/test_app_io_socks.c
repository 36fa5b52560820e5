/* The event loop's extra sockets (a server's preferred address, a client's
 * probe of one, RFC 9000 §9.6): each datagram leaves by the socket whose
 * local address is its path's, and arrives from that socket's port. */
#include "common/tu.h"
#include "app/app_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>

static uint16_t port_of(const app_addr *a)
{
    return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

/* Datagrams by socket 0 and socket 1 in one batch reach the peer from the
 * two different ports, in order, each intact. */
static void test_io_datagram_leaves_by_socket_of_its_path(void **state)
{
    (void)state;
    static app_io io;
    memset(&io, 0, sizeof io);
    app_udp peer;
    app_addr any;
    char err[128];
    assert_int_equal(app_addr_parse("127.0.0.1:0", &any, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&peer, &any, true, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&io.udp, &any, true, err, sizeof err), 0);
    assert_null(app_io_sock(&io, 1)); /* none yet */
    assert_int_equal(app_io_open_more(&io, 1, &any, true, err, sizeof err), 0);
    assert_int_equal(app_io_open_more(&io, 3, &any, true, err, sizeof err), -1);
    assert_non_null(app_io_sock(&io, 1));
    assert_int_not_equal(port_of(&io.udp.local), port_of(&io.more[0].local));

    quic_path p0, p1, other;
    app_path_make(&p0, &io.udp.local, &peer.local);
    app_path_make(&p1, &io.more[0].local, &peer.local);
    app_path_make(&other, &peer.local, &peer.local); /* no socket of ours */
    assert_int_equal(app_io_sock_of(&io, &p0), 0);
    assert_int_equal(app_io_sock_of(&io, &p1), 1);
    assert_int_equal(app_io_sock_of(&io, &other), 0);

    /* 0, 1, 1, 0: same sizes, so without the socket check GSO would merge. */
    const quic_path *paths[4] = {&p0, &p1, &p1, &p0};
    for (int i = 0; i < 4; i++) {
        uint8_t *b = app_io_tx_slot(&io);
        memset(b, 'a' + i, 300);
        app_io_tx_commit(&io, 300, &peer.local);
        io.txv[io.n_tx - 1].sock = (uint8_t)app_io_sock_of(&io, paths[i]);
    }
    app_io_flush(&io);
    /* The two by socket 1 may leave as one GSO send; never with socket 0's. */
    assert_int_equal(io.sent + io.gso_sends, 4);
    assert_int_equal(io.send_errors, 0);

    uint8_t in[4][1500];
    app_dgram rv[4];
    int got = 0;
    uint64_t until = app_now_us() + 2000000;
    while (got < 4 && app_now_us() < until) {
        for (int i = got; i < 4; i++)
            rv[i] = (app_dgram){.data = in[i], .len = sizeof in[i]};
        app_udp_wait(&peer, app_now_us() + 100000);
        got += app_udp_recv_batch(&peer, rv + got, (size_t)(4 - got));
    }
    assert_int_equal(got, 4);
    /* Loopback keeps the order of one socket's datagrams; across the two
     * sockets it may not: match each by its contents. */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(rv[i].len, 300);
        int which = rv[i].data[0] - 'a';
        assert_true(which >= 0 && which < 4);
        uint16_t want = port_of(which == 1 || which == 2 ? &io.more[0].local : &io.udp.local);
        assert_int_equal(port_of(&rv[i].peer), want);
    }

    /* A closed extra socket reads as none, and a datagram still routed to it
     * counts as a send error, not a crash. */
    app_udp_close(&io.more[0]);
    assert_null(app_io_sock(&io, 1));
    assert_int_equal(app_io_sock_of(&io, &p1), 0);
    app_io_tx_slot(&io);
    app_io_tx_commit(&io, 10, &peer.local);
    io.txv[io.n_tx - 1].sock = 1;
    app_io_flush(&io);
    assert_int_equal(io.send_errors, 1);
    app_udp_close(&io.udp);
    app_udp_close(&peer);
}

/* An app_udp never opened (zeroed: fd 0, family 0) owns no descriptor:
 * closing it, as a server or client does with its unused extra sockets,
 * leaves the descriptor with that number alone. */
static void test_udp_close_of_unopened_leaves_fd_alone(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    app_udp u;
    memset(&u, 0, sizeof u);
    u.fd = p[0]; /* what a zeroed struct has for fd 0 */
    assert_false(app_udp_is_open(&u));
    app_udp_close(&u);
    assert_int_not_equal(fcntl(p[0], F_GETFD), -1);
    assert_int_equal(u.fd, -1);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io_datagram_leaves_by_socket_of_its_path),
        cmocka_unit_test(test_udp_close_of_unopened_leaves_fd_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
