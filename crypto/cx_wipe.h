/*
 * Wiping secrets: a thin wrapper over OPENSSL_cleanse, which the compiler
 * may not drop as a dead store the way it may drop a memset before a free or
 * before a local goes out of scope. For the modules that include no OpenSSL
 * header (the TLS engine, quic/).
 */
#ifndef CX_WIPE_H
#define CX_WIPE_H

#include <stddef.h>

/* Overwrites n bytes at p with zeros (p may be NULL when n is 0). */
void cx_wipe(void *p, size_t n);

#endif
