/* Test helpers shared by every suite: files, hex, vector paths. */
#ifndef TU_H
#define TU_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Reads a whole file into a malloc'd buffer; fails the test if it cannot. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* Reads tests/vectors/<rel>. */
uint8_t *tu_read_vector(const char *rel, size_t *len);
/* Full path of tests/vectors/<rel> in a static buffer. */
const char *tu_vector_path(const char *rel);
/* Decodes hex (spaces and newlines ignored) into out; returns the byte count,
 * fails the test on bad hex or overflow. */
size_t tu_hex(const char *hex, uint8_t *out, size_t cap);
/* Decodes hex into a malloc'd buffer. */
uint8_t *tu_hex_alloc(const char *hex, size_t *len);

#define assert_bytes_equal(a, b, n) assert_memory_equal((a), (b), (n))

#endif
