/* Raw-UDP ceilings over loopback, no QUIC: (1) ping-pong of an 8-byte counter
 * between two processes (blocking recv, one in flight): p50/p99/p99.9 µs;
 * (2) one-way blast with sendmmsg/recvmmsg batches of 32 for a fixed time:
 * datagrams/s delivered.
 * Usage: bench_udp pingpong [--rounds 10000] | bench_udp blast [--size 1200] [--ms 2000]
 * Prints: RESULT impl=udp bench=rtt ... / RESULT impl=udp bench=tput size=S dgrams_per_s= */
#include "bench/bq.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int udp_bound(struct sockaddr_in *a)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof *a;
    if (bind(fd, (struct sockaddr *)a, sizeof *a) != 0 || getsockname(fd, (struct sockaddr *)a, &l))
        exit(1);
    return fd;
}

static int pingpong(long rounds, long warm)
{
    struct sockaddr_in sa, ca;
    int sfd = udp_bound(&sa), cfd = udp_bound(&ca);
    pid_t pid = fork();
    if (pid == 0) { /* echo server */
        uint8_t b[64];
        for (;;) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(sfd, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
            if (n > 0)
                sendto(sfd, b, (size_t)n, 0, (struct sockaddr *)&from, fl);
        }
    }
    struct timeval tv = {0, 200000};
    setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    double *rtt = malloc((size_t)rounds * sizeof *rtt);
    long done = 0, lost = 0;
    for (long i = 0; done < rounds; i++) {
        uint8_t m[8], r[64];
        bq_put_be64(m, (uint64_t)i);
        uint64_t t0 = bq_now_ns();
        sendto(cfd, m, 8, 0, (struct sockaddr *)&sa, sizeof sa);
        for (;;) {
            ssize_t n = recv(cfd, r, sizeof r, 0);
            if (n < 0) {
                lost++;
                break;
            }
            if (n == 8 && bq_get_be64(r) == (uint64_t)i) {
                if (i >= warm)
                    rtt[done++] = (double)(bq_now_ns() - t0) / 1000.0;
                break;
            }
        }
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    double sum = 0;
    for (long i = 0; i < rounds; i++)
        sum += rtt[i];
    bq_dump_samples(rtt, (size_t)rounds);
    bq_sort(rtt, (size_t)rounds);
    printf("RESULT impl=udp bench=rtt rounds=%ld p50_us=%.1f p99_us=%.1f p999_us=%.1f mean_us=%.1f "
           "lost=%ld\n",
           rounds, bq_pct(rtt, (size_t)rounds, 50), bq_pct(rtt, (size_t)rounds, 99),
           bq_pct(rtt, (size_t)rounds, 99.9), sum / (double)rounds, lost);
    free(rtt);
    return 0;
}

#define BATCH 32

static int blast(size_t size, long ms)
{
    struct sockaddr_in ra, sa;
    int rfd = udp_bound(&ra), sfd = udp_bound(&sa);
    int pfd[2];
    if (pipe(pfd) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) { /* sender: sendmmsg batches until killed */
        static uint8_t buf[BATCH][2048];
        struct mmsghdr m[BATCH];
        struct iovec iov[BATCH];
        memset(m, 0, sizeof m);
        for (int i = 0; i < BATCH; i++) {
            iov[i] = (struct iovec){buf[i], size};
            m[i].msg_hdr.msg_iov = &iov[i];
            m[i].msg_hdr.msg_iovlen = 1;
            m[i].msg_hdr.msg_name = &ra;
            m[i].msg_hdr.msg_namelen = sizeof ra;
        }
        uint64_t seq = 0, end = app_now_us() + (uint64_t)ms * 1000;
        while (app_now_us() < end) {
            for (int i = 0; i < BATCH; i++)
                bq_put_be64(buf[i], seq++);
            int n = sendmmsg(sfd, m, BATCH, 0);
            if (n < BATCH)
                seq -= (uint64_t)(BATCH - (n < 0 ? 0 : n));
        }
        if (write(pfd[1], &seq, sizeof seq) != sizeof seq)
            _exit(1);
        _exit(0);
    }
    static uint8_t rb[BATCH][2048];
    struct mmsghdr m[BATCH];
    struct iovec iov[BATCH];
    memset(m, 0, sizeof m);
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){rb[i], sizeof rb[i]};
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    struct timeval tv = {0, 300000};
    setsockopt(rfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint64_t got = 0, first = 0, last = 0;
    for (;;) {
        int n = recvmmsg(rfd, m, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0)
            break; /* quiet for 300 ms: the sender is done */
        last = app_now_us();
        if (!got)
            first = last;
        got += (uint64_t)n;
    }
    uint64_t sent = 0;
    if (read(pfd[0], &sent, sizeof sent) != sizeof sent)
        sent = 0;
    waitpid(pid, NULL, 0);
    double secs = last > first ? (double)(last - first) * 1e-6 : 1;
    double rate = (double)got / secs;
    printf("RESULT impl=udp bench=tput size=%zu dgrams_per_s=%.0f mbit_s=%.1f sent=%llu received=%llu "
           "drops=%lld\n",
           size, rate, rate * (double)size * 8e-6, (unsigned long long)sent,
           (unsigned long long)got, (long long)(sent - got));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "pingpong"))
        return pingpong(atol(bq_opt(argc, argv, "--rounds", "10000")),
                        atol(bq_opt(argc, argv, "--warmup", "1000")));
    if (argc >= 2 && !strcmp(argv[1], "blast"))
        return blast((size_t)atol(bq_opt(argc, argv, "--size", "1200")),
                     atol(bq_opt(argc, argv, "--ms", "2000")));
    fprintf(stderr, "usage: bench_udp pingpong [--rounds N] | blast [--size S] [--ms D]\n");
    return 2;
}
