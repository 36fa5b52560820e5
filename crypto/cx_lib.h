/*
 * Process-wide libcrypto choices a program makes before its first use of
 * libcrypto (OpenSSL 3 initialises itself on first use, and most of what it
 * loads then stays for the life of the process).
 */
#ifndef CX_LIB_H
#define CX_LIB_H

/* Tells libcrypto not to load its error strings: about 56 KB of heap that
 * quince never reads (it reports its own reasons; X509 verification reasons
 * come from a static table). Without effect once libcrypto has loaded them;
 * error codes are still kept. 0, or CX_ERR_LIBCRYPTO. */
int cx_lib_init_lean(void);

#endif
