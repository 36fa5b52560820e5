/* Default random source: libcrypto's DRBG (OPENSSL3-NOTES, Randomness), with a
 * small per-thread pool so a handshake's many small draws cost one call. */
#include "crypto/cx_rand.h"
#include "crypto/cx_hash.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

#define POOL 512     /* bytes one RAND_bytes call fills */
#define POOL_MAX 64  /* larger draws go to RAND_bytes directly */

static _Thread_local uint8_t g_pool[POOL];
static _Thread_local size_t g_avail; /* unserved bytes: the last g_avail of g_pool */
static _Thread_local size_t g_refills;
static pthread_once_t g_fork_once = PTHREAD_ONCE_INIT;

/* A child of fork() must not hand out the bytes its parent will hand out
 * too (the same CIDs, randoms, key shares): it starts empty. Only the forking
 * thread lives on in the child, and this runs on it. */
static void pool_forget(void)
{
    OPENSSL_cleanse(g_pool, sizeof g_pool);
    g_avail = 0;
}

static void fork_hook(void) { pthread_atfork(NULL, NULL, pool_forget); }

size_t cx_rand_refills(void) { return g_refills; }

static int draw(uint8_t *out, size_t n)
{
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        g_refills++;
        if (RAND_bytes(out, chunk) != 1)
            return CX_ERR_LIBCRYPTO;
        out += chunk;
        n -= (size_t)chunk;
    }
    return CX_OK;
}

int cx_rand_default(void *ud, uint8_t *out, size_t n)
{
    (void)ud;
    if (n > POOL_MAX)
        return draw(out, n);
    if (g_avail < n) {
        pthread_once(&g_fork_once, fork_hook);
        if (draw(g_pool, POOL) != CX_OK) {
            pool_forget();
            return CX_ERR_LIBCRYPTO;
        }
        g_avail = POOL;
    }
    /* each byte is served once, then wiped from the pool */
    uint8_t *p = g_pool + POOL - g_avail;
    memcpy(out, p, n);
    OPENSSL_cleanse(p, n);
    g_avail -= n;
    return CX_OK;
}
