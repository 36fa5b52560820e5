/* The default random source serves small draws from a per-thread pool that
 * one RAND_bytes call fills (issue 10: a handshake drew its random bytes in
 * 8-9 separate calls), never serves a byte twice, and after fork() the child
 * does not hand out the parent's pooled bytes. */
#include "common/tu.h"
#include "crypto/cx_rand.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_small_draws_share_one_refill(void **state)
{
    (void)state;
    uint8_t b[16];
    assert_int_equal(cx_rand_default(NULL, b, 1), 0); /* the pool exists now */
    size_t before = cx_rand_refills();
    /* what a handshake draws: randoms, a CID or two, a key share, a nonce */
    for (int i = 0; i < 9; i++)
        assert_int_equal(cx_rand_default(NULL, b, 16), 0);
    assert_true(cx_rand_refills() - before <= 1);
}

static void test_pooled_bytes_never_repeat(void **state)
{
    (void)state;
    enum { N = 200 };
    static uint8_t seen[N][16];
    for (int i = 0; i < N; i++) {
        assert_int_equal(cx_rand_default(NULL, seen[i], 16), 0);
        for (int j = 0; j < i; j++)
            assert_memory_not_equal(seen[i], seen[j], 16);
    }
    /* a large draw bypasses the pool and still works */
    static uint8_t big[5000];
    assert_int_equal(cx_rand_default(NULL, big, sizeof big), 0);
    assert_memory_not_equal(big, big + 2500, 16);
}

static void test_fork_child_draws_fresh_bytes(void **state)
{
    (void)state;
    uint8_t mine[32], theirs[32];
    int fd[2];
    assert_int_equal(cx_rand_default(NULL, mine, 1), 0); /* pool filled before the fork */
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        uint8_t b[32];
        int ok = cx_rand_default(NULL, b, sizeof b) == 0 && write(fd[1], b, sizeof b) == sizeof b;
        _exit(ok ? 0 : 1);
    }
    close(fd[1]);
    assert_int_equal(read(fd[0], theirs, sizeof theirs), (ssize_t)sizeof theirs);
    close(fd[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(cx_rand_default(NULL, mine, sizeof mine), 0);
    assert_memory_not_equal(mine, theirs, sizeof mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_draws_share_one_refill),
        cmocka_unit_test(test_pooled_bytes_never_repeat),
        cmocka_unit_test(test_fork_child_draws_fresh_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
