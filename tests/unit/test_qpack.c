/* QPACK field sections (RFC 9204 §4.5) with the static table (Appendix A): the
 * Appendix B.1 example, what quic-go sends (INTEROP-QUICGO.md), our encoder's choices,
 * the decoder's limits and every way a section can be refused. */
#include "common/tu.h"
#include "qpack/qpack.h"

#include <stdlib.h>
#include <string.h>

#define F(n, v) {(const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1}

static void assert_field(const qpack_field *f, const char *name, const char *value)
{
    assert_int_equal(f->name_len, strlen(name));
    assert_memory_equal(f->name, name, f->name_len);
    assert_int_equal(f->value_len, strlen(value));
    if (f->value_len)
        assert_memory_equal(f->value, value, f->value_len);
}

static void assert_fields_equal(const qpack_field *a, const qpack_field *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(a[i].name_len, b[i].name_len);
        assert_memory_equal(a[i].name, b[i].name, a[i].name_len);
        assert_int_equal(a[i].value_len, b[i].value_len);
        if (a[i].value_len)
            assert_memory_equal(a[i].value, b[i].value, a[i].value_len);
    }
}

static size_t section_size(const qpack_field *f, size_t n)
{
    size_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += f[i].name_len + f[i].value_len + QPACK_FIELD_OVERHEAD;
    return s;
}

/* ---- static table ---- */

static void test_static_table_entries(void **state)
{
    (void)state;
    /* Spot checks typed from RFC 9204 Appendix A. */
    struct { unsigned i; const char *name, *value; } want[] = {
        {0, ":authority", ""}, {1, ":path", "/"}, {6, "date", ""}, {17, ":method", "GET"},
        {23, ":scheme", "https"}, {25, ":status", "200"}, {29, "accept", "*/*"},
        {31, "accept-encoding", "gzip, deflate, br"}, {52, "content-type", "text/html; charset=utf-8"},
        {58, "strict-transport-security", "max-age=31536000; includesubdomains; preload"},
        {63, ":status", "100"}, {71, ":status", "500"},
        {85, "content-security-policy", "script-src 'none'; object-src 'none'; base-uri 'none'"},
        {95, "user-agent", ""}, {98, "x-frame-options", "sameorigin"},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        qpack_field f;
        assert_int_equal(qpack_static_get(want[k].i, &f), 0);
        assert_field(&f, want[k].name, want[k].value);
    }
    qpack_field f;
    assert_int_equal(qpack_static_get(99, &f), QPACK_ERR_STATIC_INDEX);
    assert_null(f.name);
    assert_int_equal(qpack_static_get(UINT64_MAX, &f), QPACK_ERR_STATIC_INDEX);
}

/* All 99 entries against tests/vectors/qpack/rfc9204-static-table.txt (Appendix A as
 * "index<TAB>name<TAB>value"). */
static void test_static_table_file(void **state)
{
    (void)state;
    size_t len;
    char *file = (char *)tu_read_vector("qpack/rfc9204-static-table.txt", &len);
    unsigned seen = 0;
    for (char *line = strtok(file, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t');
        assert_non_null(t1);
        char *t2 = strchr(t1 + 1, '\t');
        assert_non_null(t2);
        *t1 = *t2 = 0;
        assert_int_equal(atoi(line), seen);
        qpack_field f;
        assert_int_equal(qpack_static_get(seen, &f), 0);
        assert_field(&f, t1 + 1, t2 + 1);
        seen++;
    }
    assert_int_equal(seen, QPACK_STATIC_COUNT);
    free(file);
}

static void test_static_find(void **state)
{
    (void)state;
    for (unsigned i = 0; i < QPACK_STATIC_COUNT; i++) {
        qpack_field f;
        assert_int_equal(qpack_static_get(i, &f), 0);
        int exact = 0;
        assert_int_equal(qpack_static_find(f.name, f.name_len, f.value, f.value_len, &exact), (int)i);
        assert_int_equal(exact, 1);
        /* a value not in the table: the lowest index with the name */
        int j = qpack_static_find(f.name, f.name_len, (const uint8_t *)"\x7f", 1, &exact);
        assert_int_equal(exact, 0);
        assert_true(j >= 0 && (unsigned)j <= i);
        qpack_field g;
        assert_int_equal(qpack_static_get((uint64_t)j, &g), 0);
        assert_int_equal(g.name_len, f.name_len);
        assert_memory_equal(g.name, f.name, f.name_len);
        for (int k = 0; k < j; k++) {
            qpack_field h;
            assert_int_equal(qpack_static_get((uint64_t)k, &h), 0);
            assert_false(h.name_len == f.name_len && memcmp(h.name, f.name, f.name_len) == 0);
        }
    }
    int exact = 1;
    assert_int_equal(qpack_static_find((const uint8_t *)":status", 7, (const uint8_t *)"418", 3, &exact), 24);
    assert_int_equal(exact, 0);
    assert_int_equal(qpack_static_find((const uint8_t *)"x-custom", 8, NULL, 0, &exact), -1);
    assert_int_equal(qpack_static_find((const uint8_t *)":Status", 7, NULL, 0, &exact), -1);
    assert_int_equal(qpack_static_find((const uint8_t *)"", 0, NULL, 0, &exact), -1);
}

/* ---- RFC 9204 Appendix B.1 ---- */

static void test_rfc9204_b1(void **state)
{
    (void)state;
    uint8_t b[64], scratch[64];
    size_t n = tu_hex("0000 510b 2f69 6e64 6578 2e68 746d 6c", b, sizeof b), nf = 0;
    qpack_field f[4];
    assert_int_equal(qpack_decode_field_section(b, n, 4096, scratch, sizeof scratch, f, 4, &nf), 0);
    assert_int_equal(nf, 1);
    assert_field(&f[0], ":path", "/index.html");
    assert_ptr_equal(f[0].value, scratch); /* literal strings are copied to scratch */
    /* Our encoding of the same field: same representation, Huffman value (shorter). */
    uint8_t out[64];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(qpack_encode_field_section(&w, f, 1), 0);
    assert_true(w.off < n);
    assert_int_equal(out[0], 0x00);
    assert_int_equal(out[1], 0x00);
    assert_int_equal(out[2], 0x51);
    assert_int_equal(out[3] & 0x80, 0x80);
    qpack_field g[4];
    assert_int_equal(qpack_decode_field_section(out, w.off, 4096, scratch, sizeof scratch, g, 4, &nf), 0);
    assert_int_equal(nf, 1);
    assert_fields_equal(f, g, 1);
    /* B.2 and B.4 sections reference the dynamic table: refused (capacity 0). */
    n = tu_hex("0381 10 11", b, sizeof b);
    assert_int_equal(qpack_decode_field_section(b, n, 4096, scratch, sizeof scratch, f, 4, &nf),
                     QPACK_ERR_REQUIRED_INSERT_COUNT);
    n = tu_hex("0500 80 c1 81", b, sizeof b);
    assert_int_equal(qpack_decode_field_section(b, n, 4096, scratch, sizeof scratch, f, 4, &nf),
                     QPACK_ERR_REQUIRED_INSERT_COUNT);
    assert_int_equal(nf, 0);
}

/* ---- quic-go ---- */

/* One field line the way INTEROP-QUICGO.md says quic-go's encoder writes it: static
 * table only, exact match 0xC0|idx, name match 0x50|idx (4-bit prefix) with a
 * Huffman value, else 0x28|len (3-bit prefix) Huffman name; Huffman always. The
 * indexes below are RFC 9204 Appendix A's. */
enum { QG_EXACT, QG_NAME, QG_LITERAL };
typedef struct qg_line { int kind; unsigned idx; qpack_field f; } qg_line;

static void qg_huff(qb_wr *w, unsigned prefix, uint8_t flags, const uint8_t *s, size_t len)
{
    size_t hl = qpack_huffman_encoded_len(s, len), got;
    assert_int_equal(qpack_int_encode(w, prefix, flags, hl), 0);
    assert_int_equal(qpack_huffman_encode(s, len, qb_wr_ptr(w), qb_wr_left(w), &got), 0);
    assert_int_equal(got, hl);
    w->off += got;
}

static size_t qg_encode(const qg_line *l, size_t n, uint8_t *out, size_t cap)
{
    qb_wr w;
    qb_wr_init(&w, out, cap);
    assert_int_equal(qb_wr_u16(&w, 0), QB_OK);
    for (size_t i = 0; i < n; i++) {
        if (l[i].kind == QG_EXACT) {
            assert_int_equal(qpack_int_encode(&w, 6, 0xc0, l[i].idx), 0);
            continue;
        }
        if (l[i].kind == QG_NAME)
            assert_int_equal(qpack_int_encode(&w, 4, 0x50, l[i].idx), 0);
        else
            qg_huff(&w, 3, 0x28, l[i].f.name, l[i].f.name_len);
        qg_huff(&w, 7, 0x80, l[i].f.value, l[i].f.value_len);
    }
    return w.off;
}

static void check_quicgo(const qg_line *l, size_t n)
{
    uint8_t wire[512], ours[512], scratch[512];
    size_t wl = qg_encode(l, n, wire, sizeof wire), nf = 0;
    qpack_field want[16], got[16];
    for (size_t i = 0; i < n; i++)
        want[i] = l[i].f;
    /* We decode what quic-go sends. */
    assert_int_equal(qpack_decode_field_section(wire, wl, 16384, scratch, sizeof scratch, got, 16, &nf), 0);
    assert_int_equal(nf, n);
    assert_fields_equal(got, want, n);
    /* Our encoding of the same fields decodes back and is no longer. */
    qb_wr w;
    qb_wr_init(&w, ours, sizeof ours);
    assert_int_equal(qpack_encode_field_section(&w, want, n), 0);
    assert_true(w.off <= wl);
    assert_int_equal(qpack_decode_field_section(ours, w.off, 16384, scratch, sizeof scratch, got, 16, &nf), 0);
    assert_int_equal(nf, n);
    assert_fields_equal(got, want, n);
}

/* tests/vectors/qpack/<name>: hex with '#' comments to the end of a line. */
static size_t load_hex_vector(const char *name, uint8_t *out, size_t cap)
{
    size_t len;
    char *text = (char *)tu_read_vector(name, &len);
    for (char *p = text; *p; p++) {
        if (*p == '#')
            while (*p && *p != '\n')
                *p++ = ' ';
        if (!*p)
            break;
    }
    size_t n = tu_hex(text, out, cap);
    free(text);
    return n;
}

static void test_quicgo_request(void **state)
{
    (void)state;
    const qg_line get[] = {
        {QG_NAME, 0, F(":authority", "localhost:8080")},
        {QG_EXACT, 17, F(":method", "GET")},
        {QG_NAME, 1, F(":path", "/ping-pong")},
        {QG_EXACT, 23, F(":scheme", "https")},
        {QG_NAME, 31, F("accept-encoding", "gzip")},
        {QG_NAME, 95, F("user-agent", "quic-go HTTP/3")},
    };
    check_quicgo(get, 6);
    /* Byte-exact against the independently computed vector. */
    uint8_t vec[256];
    size_t vl = load_hex_vector("qpack/quicgo-get.txt", vec, sizeof vec);
    /* The first bytes by the rule: prefix, 0x50 with Huffman "localhost:8080". */
    uint8_t wire[256];
    size_t wl = qg_encode(get, 6, wire, sizeof wire);
    assert_int_equal(wl, vl);
    assert_memory_equal(wire, vec, vl);
    /* Every string here is shorter Huffman-coded, so our encoder writes the same bytes. */
    qpack_field fields[6];
    for (size_t i = 0; i < 6; i++)
        fields[i] = get[i].f;
    uint8_t ours[256];
    qb_wr w;
    qb_wr_init(&w, ours, sizeof ours);
    assert_int_equal(qpack_encode_field_section(&w, fields, 6), 0);
    assert_int_equal(w.off, vl);
    assert_memory_equal(ours, vec, vl);
    assert_int_equal(wire[0], 0x00);
    assert_int_equal(wire[1], 0x00);
    assert_int_equal(wire[2], 0x50);
    assert_int_equal(wire[3], 0x80 | 10); /* 14 chars, 77 bits of code -> 10 bytes */
    /* Extended CONNECT as a CONNECT-UDP / datagram client sends it, with names not
     * in the table (literal name 0x28|len: 16 chars, 11 bytes of code -> 2f 04). */
    const qg_line connect[] = {
        {QG_EXACT, 15, F(":method", "CONNECT")},
        {QG_NAME, 0, F(":protocol", "connect-udp")}, /* not in the table: literal below */
    };
    (void)connect;
    const qg_line connect2[] = {
        {QG_EXACT, 15, F(":method", "CONNECT")},
        {QG_LITERAL, 0, F(":protocol", "connect-udp")},
        {QG_EXACT, 23, F(":scheme", "https")},
        {QG_NAME, 0, F(":authority", "localhost:8080")},
        {QG_NAME, 1, F(":path", "/.well-known/masque/udp/192.0.2.6/443/")},
        {QG_LITERAL, 0, F("capsule-protocol", "?1")},
    };
    check_quicgo(connect2, 6);
    wl = qg_encode(&connect2[5], 1, wire, sizeof wire);
    assert_int_equal(wire[2], 0x2f);
    assert_int_equal(wire[3], 0x04);
}

static void test_quicgo_response(void **state)
{
    (void)state;
    const qg_line resp[] = {
        {QG_EXACT, 25, F(":status", "200")},
        {QG_NAME, 6, F("date", "Tue, 24 Nov 2026 15:52:41 GMT")},
    };
    check_quicgo(resp, 2);
    uint8_t wire[128];
    size_t wl = qg_encode(resp, 2, wire, sizeof wire);
    uint8_t vec[128];
    size_t vl = load_hex_vector("qpack/quicgo-response.txt", vec, sizeof vec);
    assert_int_equal(wl, vl);
    assert_memory_equal(wire, vec, vl);
    assert_int_equal(wire[2], 0xd9); /* 0xc0 | 25 */
    assert_int_equal(wire[3], 0x56); /* 0x50 | 6 */
    const qg_line bad[] = {{QG_NAME, 25, F(":status", "400")}};
    check_quicgo(bad, 1);
}

/* ---- our encoder's choices ---- */

static void check_encoding(const qpack_field *f, size_t n, const char *hex)
{
    uint8_t want[256], out[256];
    size_t wl = tu_hex(hex, want, sizeof want);
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(qpack_encode_field_section(&w, f, n), 0);
    assert_int_equal(w.off, wl);
    assert_memory_equal(out, want, wl);
}

static void test_encoder_representations(void **state)
{
    (void)state;
    const qpack_field get[] = {F(":method", "GET")};
    check_encoding(get, 1, "0000 d1");
    const qpack_field s500[] = {F(":status", "500")};
    check_encoding(s500, 1, "0000 ff08"); /* index 71 = 63 + 8 */
    const qpack_field cookie[] = {F("cookie", "")};
    check_encoding(cookie, 1, "0000 c5");
    /* name reference at 15+: 4-bit prefix continues; value "\x01" raw (Huffman longer) */
    const qpack_field ua[] = {F("user-agent", "\x01")};
    check_encoding(ua, 1, "0000 5f50 0101");
    /* literal name, both raw: 0x20 | len */
    const qpack_field lit[] = {F("\x01", "\x02")};
    check_encoding(lit, 1, "0000 2101 0102");
    /* literal name of 7+ bytes raw: 3-bit prefix full */
    const qpack_field lit7[] = {F("\x01\x01\x01\x01\x01\x01\x01", "")};
    check_encoding(lit7, 1, "0000 2700 01010101010101 00");
    const qpack_field gz[] = {F("content-encoding", "deflate")};
    check_encoding(gz, 1, "0000 5f1b 85 90b2d03497"); /* name ref 42 = 15 + 27 */
    const qpack_field ae[] = {F("content-encoding", "gzip")};
    check_encoding(ae, 1, "0000 eb"); /* exact: 0xc0 | 43 */
    const qpack_field cc[] = {F("cache-control", "private")};
    check_encoding(cc, 1, "0000 5f15 85 aec3771a4b"); /* index 36 = 15 + 21; C.6.1 code */
    const qpack_field none[1] = {F("a", "b")};
    check_encoding(none, 0, "0000");
}

static void test_encoder_no_space(void **state)
{
    (void)state;
    const qpack_field f[] = {F(":method", "GET"), F(":path", "/index.html"), F("x-y", "zz"),
                             F("user-agent", "quince")};
    uint8_t out[128];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(qpack_encode_field_section(&w, f, 4), 0);
    size_t full = w.off;
    for (size_t cap = 0; cap < full; cap++) {
        qb_wr_init(&w, out, cap);
        assert_int_equal(qpack_encode_field_section(&w, f, 4), QPACK_ERR_NO_SPACE);
        assert_int_equal(w.off, 0);
    }
    /* appends after what is already in the writer, and restores it on failure */
    qb_wr_init(&w, out, full + 2);
    w.off = 3;
    assert_int_equal(qpack_encode_field_section(&w, f, 4), QPACK_ERR_NO_SPACE);
    assert_int_equal(w.off, 3);
}

/* ---- decoder limits ---- */

static void test_decoder_limits(void **state)
{
    (void)state;
    const qpack_field f[] = {F(":method", "GET"), F(":path", "/index.html"),
                             F("x-custom", "some value here")};
    uint8_t wire[128], scratch[128];
    qb_wr w;
    qb_wr_init(&w, wire, sizeof wire);
    assert_int_equal(qpack_encode_field_section(&w, f, 3), 0);
    size_t size = section_size(f, 3), nf = 99;
    size_t need = 11 + 8 + 15; /* literal strings land in scratch */
    qpack_field g[4];
    assert_int_equal(qpack_decode_field_section(wire, w.off, size, scratch, need, g, 3, &nf), 0);
    assert_int_equal(nf, 3);
    assert_fields_equal(f, g, 3);
    assert_int_equal(qpack_decode_field_section(wire, w.off, size - 1, scratch, need, g, 3, &nf),
                     QPACK_ERR_SECTION_TOO_LARGE);
    assert_int_equal(nf, 0);
    memset(scratch, 0xa5, sizeof scratch);
    assert_int_equal(qpack_decode_field_section(wire, w.off, size, scratch, need - 1, g, 3, &nf),
                     QPACK_ERR_SCRATCH_FULL);
    for (size_t i = need - 1; i < sizeof scratch; i++)
        assert_int_equal(scratch[i], 0xa5);
    assert_int_equal(qpack_decode_field_section(wire, w.off, size, scratch, need, g, 2, &nf),
                     QPACK_ERR_TOO_MANY_FIELDS);
    /* Every smaller limit fails with the error of the limit that binds first. */
    for (size_t lim = 0; lim < size; lim++)
        assert_int_equal(qpack_decode_field_section(wire, w.off, lim, scratch, sizeof scratch, g, 3, &nf),
                         QPACK_ERR_SECTION_TOO_LARGE);
    for (size_t cap = 0; cap < need; cap++)
        assert_int_equal(qpack_decode_field_section(wire, w.off, 1 << 20, scratch, cap, g, 3, &nf),
                         QPACK_ERR_SCRATCH_FULL);
    /* Without scratch, sections of indexed lines and empty strings still decode. */
    uint8_t b[16];
    size_t n = tu_hex("0000 d1 c5 5100 2000", b, sizeof b);
    assert_int_equal(qpack_decode_field_section(b, n, 4096, NULL, 0, g, 4, &nf), 0);
    assert_int_equal(nf, 4);
    assert_field(&g[0], ":method", "GET");
    assert_field(&g[1], "cookie", "");
    assert_field(&g[2], ":path", "");
    assert_field(&g[3], "", "");
    /* An indexed line counts its name, value and 32. */
    n = tu_hex("0000 d1", b, sizeof b);
    assert_int_equal(qpack_decode_field_section(b, n, 42, NULL, 0, g, 4, &nf), 0);
    assert_int_equal(qpack_decode_field_section(b, n, 41, NULL, 0, g, 4, &nf), QPACK_ERR_SECTION_TOO_LARGE);
    assert_int_equal(qpack_decode_field_section(b, n, 31, NULL, 0, g, 4, &nf), QPACK_ERR_SECTION_TOO_LARGE);
    assert_int_equal(qpack_decode_field_section(b, n, 42, NULL, 0, g, 0, &nf), QPACK_ERR_TOO_MANY_FIELDS);
    /* An empty section (prefix only) is valid. */
    n = tu_hex("0000", b, sizeof b);
    assert_int_equal(qpack_decode_field_section(b, n, 0, NULL, 0, NULL, 0, &nf), 0);
    assert_int_equal(nf, 0);
}

/* ---- decoder errors ---- */

static void test_decoder_errors(void **state)
{
    (void)state;
    struct { const char *hex; int err; } cases[] = {
        {"", QPACK_ERR_TRUNCATED},
        {"00", QPACK_ERR_TRUNCATED},                     /* no Base */
        {"01 00", QPACK_ERR_REQUIRED_INSERT_COUNT},
        {"ff ff ff ff ff ff ff ff ff 7f 00", QPACK_ERR_INT_OVERFLOW},
        {"00 ff 80 80 80 80 80 80 80 80 80 00", QPACK_ERR_INT_TOO_LONG},
        {"00 80", QPACK_ERR_BASE_SIGN},
        {"00 81 d1", QPACK_ERR_BASE_SIGN},
        {"0000 80", QPACK_ERR_DYNAMIC_REF},              /* indexed, T=0 */
        {"0000 bf 00", QPACK_ERR_DYNAMIC_REF},
        {"0000 40 00", QPACK_ERR_DYNAMIC_REF},           /* name reference, T=0 */
        {"0000 60 00", QPACK_ERR_DYNAMIC_REF},           /* ... with N=1 */
        {"0000 10", QPACK_ERR_POST_BASE_REF},            /* post-Base indexed */
        {"0000 00 00", QPACK_ERR_POST_BASE_REF},         /* post-Base name reference */
        {"0000 08 00", QPACK_ERR_POST_BASE_REF},         /* ... with N=1 */
        {"0000 d1 1f 00", QPACK_ERR_POST_BASE_REF},      /* after a good line */
        {"0000 ff 24", QPACK_ERR_STATIC_INDEX},          /* 63 + 36 = 99 */
        {"0000 5f 54 00", QPACK_ERR_STATIC_INDEX},       /* 15 + 84 = 99 */
        {"0000 ff", QPACK_ERR_TRUNCATED},
        {"0000 51", QPACK_ERR_TRUNCATED},                /* value missing */
        {"0000 51 05 61", QPACK_ERR_STRING_LENGTH},
        {"0000 51 81 ff", QPACK_ERR_HUFF_PADDING_LONG},
        {"0000 51 81 18", QPACK_ERR_HUFF_PADDING_BITS},
        {"0000 51 84 ffffffff", QPACK_ERR_HUFF_EOS},
        {"0000 2f", QPACK_ERR_TRUNCATED},                /* literal name length */
        {"0000 21 61", QPACK_ERR_TRUNCATED},             /* value missing */
        {"0000 23 61 62", QPACK_ERR_STRING_LENGTH},
        {"0000 29 ff 00", QPACK_ERR_HUFF_PADDING_LONG},  /* Huffman name */
        {"0000 21 61 ff ff ff ff ff ff ff ff ff 7f", QPACK_ERR_INT_OVERFLOW},
        {"0000 5f 80 80 80 80 80 80 80 80 80 00", QPACK_ERR_INT_TOO_LONG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[64], scratch[64];
        size_t n = tu_hex(cases[i].hex, b, sizeof b), nf = 7;
        qpack_field f[8];
        int rc = qpack_decode_field_section(b, n, 4096, scratch, sizeof scratch, f, 8, &nf);
        if (rc != cases[i].err)
            fail_msg("case %zu (%s): got %d want %d", i, cases[i].hex, rc, cases[i].err);
        assert_int_equal(nf, 0);
        assert_int_equal(qpack_err_to_wire(rc), QPACK_DECOMPRESSION_FAILED);
    }
    /* Accepted oddities: a non-zero Delta Base with Sign 0, the N bit. */
    const char *ok[] = {"00 05 d1", "0000 71 81 1f", "0000 31 61 01 62", "00 7f ff 01 d1"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint8_t b[64], scratch[64];
        size_t n = tu_hex(ok[i], b, sizeof b), nf = 0;
        qpack_field f[8];
        assert_int_equal(qpack_decode_field_section(b, n, 4096, scratch, sizeof scratch, f, 8, &nf), 0);
        assert_int_equal(nf, 1);
    }
}

static void test_err_map(void **state)
{
    (void)state;
    static const struct { int err; uint64_t wire; } m[] = {
        {QPACK_ERR_TRUNCATED, 0x200}, {QPACK_ERR_INT_OVERFLOW, 0x200}, {QPACK_ERR_INT_TOO_LONG, 0x200},
        {QPACK_ERR_HUFF_EOS, 0x200}, {QPACK_ERR_HUFF_PADDING_LONG, 0x200},
        {QPACK_ERR_HUFF_PADDING_BITS, 0x200}, {QPACK_ERR_REQUIRED_INSERT_COUNT, 0x200},
        {QPACK_ERR_BASE_SIGN, 0x200}, {QPACK_ERR_DYNAMIC_REF, 0x200}, {QPACK_ERR_POST_BASE_REF, 0x200},
        {QPACK_ERR_STATIC_INDEX, 0x200}, {QPACK_ERR_STRING_LENGTH, 0x200},
        {QPACK_ERR_ENC_STREAM_CAPACITY, 0x201}, {QPACK_ERR_ENC_STREAM_INSERT, 0x201},
        {QPACK_ERR_ENC_STREAM_DUPLICATE, 0x201},
        {QPACK_ERR_DEC_STREAM_INSERT_COUNT, 0x202}, {QPACK_ERR_DEC_STREAM_SECTION_ACK, 0x202},
        {QPACK_ERR_DEC_STREAM_INT, 0x202},
        {QPACK_ERR_SECTION_TOO_LARGE, 0x200}, {QPACK_ERR_SCRATCH_FULL, 0x200},
        {QPACK_ERR_TOO_MANY_FIELDS, 0x200}, {QPACK_ERR_NO_SPACE, 0x200}, {QPACK_ERR_ARG, 0x200},
    };
    const char *unknown = qpack_err_str(-2199);
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        assert_int_equal(qpack_err_to_wire(m[i].err), m[i].wire);
        assert_true(m[i].err <= -2000 && m[i].err >= -2199);
        assert_string_not_equal(qpack_err_str(m[i].err), unknown);
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(m[i].err, m[j].err);
    }
    assert_string_equal(qpack_err_str(0), "ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_table_entries),
        cmocka_unit_test(test_static_table_file),
        cmocka_unit_test(test_static_find),
        cmocka_unit_test(test_rfc9204_b1),
        cmocka_unit_test(test_quicgo_request),
        cmocka_unit_test(test_quicgo_response),
        cmocka_unit_test(test_encoder_representations),
        cmocka_unit_test(test_encoder_no_space),
        cmocka_unit_test(test_decoder_limits),
        cmocka_unit_test(test_decoder_errors),
        cmocka_unit_test(test_err_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
