/* libcrypto's own allocations in the handshake-heavy fuzz targets, kept out of
 * AddressSanitizer and counted instead.
 *
 * Why: a handshake makes ~3000 libcrypto allocations (mostly OpenSSL 3's
 * decoder and algorithm-fetch machinery), and under ASan each one records a
 * stack trace, is poisoned, then sits in the quarantine; that was a third of
 * fuzz_conn_established's time. libcrypto is not what these targets fuzz, so
 * its blocks go straight to glibc's allocator (__libc_malloc is not
 * intercepted). quince's own allocations still go through ASan.
 *
 * What ASan no longer sees is an OpenSSL object that quince forgets to free
 * (an EVP_PKEY on an error path, say): LeakSanitizer would have reported it.
 * So the live blocks are counted, and fuzz_ossl_run() checks that an input
 * leaves as many as it found. libcrypto fills caches the first time it meets
 * an algorithm, so a count that grew is confirmed by running the same input
 * again: growth on the second run is a leak and aborts.
 *
 * fuzz_ossl_alloc_install() must run before libcrypto allocates anything
 * (first thing in LLVMFuzzerInitialize). */
#ifndef FUZZ_OSSL_ALLOC_H
#define FUZZ_OSSL_ALLOC_H

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef __GLIBC__
extern void *__libc_malloc(size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
#define FUZZ_OSSL_MALLOC __libc_malloc
#define FUZZ_OSSL_REALLOC __libc_realloc
#define FUZZ_OSSL_FREE __libc_free
#else /* elsewhere: still counted, just not hidden from the sanitizer */
#define FUZZ_OSSL_MALLOC malloc
#define FUZZ_OSSL_REALLOC realloc
#define FUZZ_OSSL_FREE free
#endif

static long g_ossl_live; /* blocks libcrypto holds now */

static void *fuzz_ossl_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    void *p = FUZZ_OSSL_MALLOC(n ? n : 1);
    if (p)
        g_ossl_live++;
    return p;
}

static void fuzz_ossl_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    if (p) {
        g_ossl_live--;
        FUZZ_OSSL_FREE(p);
    }
}

/* CRYPTO_realloc's contract: NULL is malloc, size 0 is free. */
static void *fuzz_ossl_realloc(void *p, size_t n, const char *file, int line)
{
    if (!p)
        return fuzz_ossl_malloc(n, file, line);
    if (n == 0) {
        fuzz_ossl_free(p, file, line);
        return NULL;
    }
    return FUZZ_OSSL_REALLOC(p, n);
}

static void fuzz_ossl_alloc_install(void)
{
    /* Fails once libcrypto has allocated: then the counts would be wrong. */
    if (!CRYPTO_set_mem_functions(fuzz_ossl_malloc, fuzz_ossl_realloc, fuzz_ossl_free)) {
        fprintf(stderr, "fuzz: libcrypto allocated before fuzz_ossl_alloc_install\n");
        abort();
    }
}

/* Runs one input; aborts if libcrypto blocks leak (see above). The error
 * queue is emptied first, since its entries are blocks that outlive calls. */
static inline void fuzz_ossl_run(void (*run)(const uint8_t *, size_t), const uint8_t *data, size_t size)
{
    long before = g_ossl_live;
    run(data, size);
    ERR_clear_error();
    if (g_ossl_live == before)
        return;
    before = g_ossl_live;
    run(data, size);
    ERR_clear_error();
    if (g_ossl_live > before) {
        fprintf(stderr, "fuzz: %ld libcrypto blocks leaked by this input\n", g_ossl_live - before);
        abort();
    }
}

#endif
