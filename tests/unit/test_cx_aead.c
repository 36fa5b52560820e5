/* AEAD and header protection wrappers: a GCM known answer (McGrew-Viega test
 * case 16, AES-256), the RFC 9001 A.5 ChaCha20-Poly1305 nonce and ciphertext,
 * the nonce construction, tamper detection and argument checks. */
#include "common/tu.h"
#include "crypto/cx_aead.h"
#include "crypto/cx_hp.h"
#include "crypto/cx_quic_keys.h"

#include <stdlib.h>
#include <string.h>

static void test_gcm256_known_answer(void **state)
{
    (void)state;
    uint8_t key[32], iv[12], aad[20], buf[80], want[80];
    tu_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key, 32);
    tu_hex("cafebabefacedbaddecaf888", iv, 12);
    tu_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
    size_t n = tu_hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39", buf, sizeof buf);
    assert_int_equal(n, 60);
    tu_hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
           "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
           "76fc6ece0f4e1768cddf8853bb2d551b", want, sizeof want);
    cx_aead *k;
    assert_int_equal(cx_aead_new(&k, NULL, CX_AES_256_GCM, key, iv), CX_OK);
    /* pn 0 leaves the IV as the nonce. */
    assert_int_equal(cx_aead_seal(k, 0, aad, 20, buf, 60), CX_OK);
    assert_memory_equal(buf, want, 76);
    assert_int_equal(cx_aead_open(k, 0, aad, 20, buf, 76), CX_OK);
    tu_hex("d9313225f88406e5a55909c5aff5269a", want, 16);
    assert_memory_equal(buf, want, 16);
    cx_aead_free(k);
}

static void test_chacha_rfc9001_a5(void **state)
{
    (void)state;
    uint8_t secret[32], buf[32], want[32];
    cx_quic_keys m;
    tu_hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b", secret, 32);
    assert_int_equal(cx_quic_keys_derive(CX_QUIC_V1, CX_CHACHA20_POLY1305, secret, 32, &m),
                     CX_OK);
    cx_aead *k;
    assert_int_equal(cx_aead_new(&k, NULL, CX_CHACHA20_POLY1305, m.key, m.iv), CX_OK);
    static const uint8_t hdr[4] = {0x42, 0x00, 0xbf, 0xf4};
    buf[0] = 0x01;
    assert_int_equal(cx_aead_seal(k, 654360564, hdr, 4, buf, 1), CX_OK);
    tu_hex("655e5cd55c41f69080575d7999c25a5bfb", want, sizeof want);
    assert_memory_equal(buf, want, 17);
    /* The same through an IV that already holds the nonce and pn 0. */
    cx_aead *k2;
    uint8_t nonce[12];
    tu_hex("e0459b3474bdd0e46d417eb0", nonce, 12);
    assert_int_equal(cx_aead_new(&k2, NULL, CX_CHACHA20_POLY1305, m.key, nonce), CX_OK);
    assert_int_equal(cx_aead_open(k2, 0, hdr, 4, buf, 17), CX_OK);
    assert_int_equal(buf[0], 0x01);
    cx_aead_free(k2);

    /* Header protection mask of the example. */
    cx_hp *hp;
    uint8_t mask[5];
    assert_int_equal(cx_hp_new(&hp, NULL, CX_CHACHA20_POLY1305, m.hp), CX_OK);
    tu_hex("5e5cd55c41f69080575d7999c25a5bfb", want, 16);
    assert_int_equal(cx_hp_mask(hp, want, mask), CX_OK);
    tu_hex("aefefe7d03", want, 5);
    assert_memory_equal(mask, want, 5);
    /* Twice: the context is reused, the result must not drift. */
    tu_hex("5e5cd55c41f69080575d7999c25a5bfb", want, 16);
    assert_int_equal(cx_hp_mask(hp, want, mask), CX_OK);
    tu_hex("aefefe7d03", want, 5);
    assert_memory_equal(mask, want, 5);
    cx_hp_free(hp);
    cx_aead_free(k);
}

static void test_aes_hp_rfc9001_a2(void **state)
{
    (void)state;
    uint8_t key[16], sample[16], mask[5], want[5];
    cx_hp *hp;
    tu_hex("9f50449e04a0e810283a1e9933adedd2", key, 16);
    tu_hex("d1b1c98dd7689fb8ec11d242b123dc9b", sample, 16);
    tu_hex("437b9aec36", want, 5);
    assert_int_equal(cx_hp_new(&hp, NULL, CX_AES_128_GCM, key), CX_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cx_hp_mask(hp, sample, mask), CX_OK);
        assert_memory_equal(mask, want, 5);
    }
    cx_hp_free(hp);
}

/* Every suite: many packets through one key object, each opens, and a flipped
 * bit anywhere (AAD, ciphertext, tag) or the wrong pn fails. */
static void test_seal_open_all_suites(void **state)
{
    (void)state;
    static const cx_aead_id ids[] = {CX_AES_128_GCM, CX_AES_256_GCM, CX_CHACHA20_POLY1305};
    uint8_t key[32], iv[12];
    for (size_t i = 0; i < 32; i++)
        key[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < 12; i++)
        iv[i] = (uint8_t)(0xa0 + i);
    for (size_t s = 0; s < 3; s++) {
        cx_aead *k;
        assert_int_equal(cx_aead_new(&k, NULL, ids[s], key, iv), CX_OK);
        assert_int_equal(cx_aead_get_id(k), ids[s]);
        for (uint64_t pn = 0; pn < 300; pn += 7) {
            uint8_t aad[8] = {1, 2, 3, 4, 5, 6, 7, (uint8_t)pn};
            uint8_t buf[64 + 16], plain[64];
            size_t len = (size_t)(pn % 64);
            for (size_t j = 0; j < len; j++)
                plain[j] = buf[j] = (uint8_t)(j ^ pn);
            assert_int_equal(cx_aead_seal(k, pn, aad, sizeof aad, buf, len), CX_OK);
            uint8_t sealed[64 + 16];
            memcpy(sealed, buf, len + 16);
            assert_int_equal(cx_aead_open(k, pn, aad, sizeof aad, buf, len + 16), CX_OK);
            assert_memory_equal(buf, plain, len);
            memcpy(buf, sealed, len + 16);
            assert_int_equal(cx_aead_open(k, pn + 1, aad, sizeof aad, buf, len + 16), CX_ERR_AUTH);
            memcpy(buf, sealed, len + 16);
            buf[len + 15] ^= 0x01;
            assert_int_equal(cx_aead_open(k, pn, aad, sizeof aad, buf, len + 16), CX_ERR_AUTH);
            memcpy(buf, sealed, len + 16);
            aad[0] ^= 0x80;
            assert_int_equal(cx_aead_open(k, pn, aad, sizeof aad, buf, len + 16), CX_ERR_AUTH);
            aad[0] ^= 0x80;
            if (len) {
                memcpy(buf, sealed, len + 16);
                buf[0] ^= 0x10;
                assert_int_equal(cx_aead_open(k, pn, aad, sizeof aad, buf, len + 16), CX_ERR_AUTH);
            }
            /* A good packet still opens after the failures. */
            memcpy(buf, sealed, len + 16);
            assert_int_equal(cx_aead_open(k, pn, aad, sizeof aad, buf, len + 16), CX_OK);
        }
        uint8_t tiny[15] = {0};
        assert_int_equal(cx_aead_open(k, 0, NULL, 0, tiny, sizeof tiny), CX_ERR_AEAD_SHORT);
        cx_aead_free(k);
    }
}

/* The McGrew-Viega case 16 plaintext gathered from pieces of 0, 1, 19 (the
 * 16-byte block boundary inside it), 0, 5 and 35 bytes seals to the same
 * known ciphertext and tag as the whole. */
static void test_gcm256_gather_known_answer(void **state)
{
    (void)state;
    uint8_t key[32], iv[12], aad[20], plain[60], out[76], want[76];
    tu_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key, 32);
    tu_hex("cafebabefacedbaddecaf888", iv, 12);
    tu_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
    tu_hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
           "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39", plain, 60);
    tu_hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
           "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
           "76fc6ece0f4e1768cddf8853bb2d551b", want, 76);
    qb_iov v[6] = {{NULL, 0}, {plain, 1}, {plain + 1, 19}, {plain + 20, 0},
                   {plain + 20, 5}, {plain + 25, 35}};
    cx_aead *k;
    assert_int_equal(cx_aead_new(&k, NULL, CX_AES_256_GCM, key, iv), CX_OK);
    memset(out, 0, sizeof out);
    assert_int_equal(cx_aead_seal_gather(k, 0, aad, 20, v, 6, out), CX_OK);
    assert_memory_equal(out, want, 76);
    cx_aead_free(k);
}

/* For every suite, sealing N pieces (some empty, some of one byte, one
 * crossing 16-byte blocks, some lying in place at their output and some
 * elsewhere) gives exactly the bytes of sealing their concatenation. */
static void test_seal_gather_equals_seal_of_concatenation(void **state)
{
    (void)state;
    static const cx_aead_id ids[] = {CX_AES_128_GCM, CX_AES_256_GCM, CX_CHACHA20_POLY1305};
    /* piece lengths; odd-numbered pieces come from elsewhere, even ones in place */
    static const size_t lens[] = {0, 1, 1, 0, 37, 2, 16, 0, 1, 200, 3, 0, 15, 64, 1};
    enum { NP = sizeof lens / sizeof lens[0] };
    size_t total = 0;
    for (size_t i = 0; i < NP; i++)
        total += lens[i];
    uint8_t key[32], iv[12], aad[21];
    for (size_t i = 0; i < 32; i++)
        key[i] = (uint8_t)(i * 13 + 5);
    for (size_t i = 0; i < 12; i++)
        iv[i] = (uint8_t)(0x30 + 3 * i);
    for (size_t i = 0; i < sizeof aad; i++)
        aad[i] = (uint8_t)(0xc0 ^ i);
    for (size_t s = 0; s < 3; s++) {
        cx_aead *k;
        assert_int_equal(cx_aead_new(&k, NULL, ids[s], key, iv), CX_OK);
        for (uint64_t pn = 0; pn < 40; pn += 13) {
            uint8_t whole[400 + 16], pkt[400 + 16], side[400];
            for (size_t j = 0; j < total; j++)
                whole[j] = (uint8_t)(j * 31 + pn);
            assert_int_equal(cx_aead_seal(k, pn, aad, sizeof aad, whole, total), CX_OK);
            /* Rebuild the plaintext: in place in pkt, or in side (pkt holds junk there). */
            qb_iov v[NP];
            size_t off = 0;
            for (size_t i = 0; i < NP; i++) {
                uint8_t *dst = (i % 2) ? side + off : pkt + off;
                for (size_t j = 0; j < lens[i]; j++)
                    dst[j] = (uint8_t)((off + j) * 31 + pn);
                if (i % 2)
                    memset(pkt + off, 0xee, lens[i]);
                v[i].p = lens[i] || (i % 4) ? dst : NULL;
                v[i].len = lens[i];
                off += lens[i];
            }
            assert_int_equal(cx_aead_seal_gather(k, pn, aad, sizeof aad, v, NP, pkt), CX_OK);
            assert_memory_equal(pkt, whole, total + 16);
            /* No pieces: the tag of an empty plaintext. */
            uint8_t e1[16], e2[16];
            assert_int_equal(cx_aead_seal(k, pn, aad, sizeof aad, e1, 0), CX_OK);
            assert_int_equal(cx_aead_seal_gather(k, pn, aad, sizeof aad, NULL, 0, e2), CX_OK);
            assert_memory_equal(e1, e2, 16);
        }
        cx_aead_free(k);
    }
}

/* RFC 9001 §5.3: nonce = iv XOR pn (left-padded). */
static void test_nonce_is_iv_xor_pn(void **state)
{
    (void)state;
    uint8_t key[16] = {9}, iv[12] = {0}, iv2[12] = {0}, a[16 + 4], b[16 + 4];
    const uint64_t pn = 0x0123456789ULL;
    for (int i = 0; i < 12; i++)
        iv[i] = iv2[i] = (uint8_t)(0x5a ^ i);
    for (int i = 0; i < 8; i++)
        iv2[11 - i] ^= (uint8_t)(pn >> (8 * i));
    cx_aead *k1, *k2;
    assert_int_equal(cx_aead_new(&k1, NULL, CX_AES_128_GCM, key, iv), CX_OK);
    assert_int_equal(cx_aead_new(&k2, NULL, CX_AES_128_GCM, key, iv2), CX_OK);
    memcpy(a, "ping", 4);
    memcpy(b, "ping", 4);
    assert_int_equal(cx_aead_seal(k1, pn, NULL, 0, a, 4), CX_OK);
    assert_int_equal(cx_aead_seal(k2, 0, NULL, 0, b, 4), CX_OK);
    assert_memory_equal(a, b, sizeof a);
    cx_aead_free(k1);
    cx_aead_free(k2);
}

static void test_bad_args(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, iv[12] = {0}, secret[48] = {0}, out[48];
    cx_aead *k = (cx_aead *)1;
    cx_hp *hp = (cx_hp *)1;
    cx_quic_keys m;
    assert_int_equal(cx_aead_new(&k, NULL, (cx_aead_id)7, key, iv), CX_ERR_ARG);
    assert_null(k);
    assert_int_equal(cx_hp_new(&hp, NULL, (cx_aead_id)7, key), CX_ERR_ARG);
    assert_null(hp);
    assert_int_equal(cx_aead_key_len((cx_aead_id)7), 0);
    /* The secret length must match the suite's hash. */
    assert_int_equal(cx_quic_keys_derive(CX_QUIC_V1, CX_AES_256_GCM, secret, 32, &m), CX_ERR_ARG);
    assert_int_equal(cx_quic_keys_derive(CX_QUIC_V1, CX_AES_256_GCM, secret, 48, &m), CX_OK);
    assert_int_equal(m.key_len, 32);
    assert_int_equal(cx_quic_keys_derive(0xdeadbeef, CX_AES_128_GCM, secret, 32, &m),
                     CX_ERR_QUIC_VERSION);
    assert_int_equal(cx_quic_secret_update(CX_QUIC_V1, CX_AES_256_GCM, secret, 48, out), CX_OK);
    assert_int_equal(cx_quic_secret_update(CX_QUIC_V1, CX_AES_128_GCM, secret, 48, out),
                     CX_ERR_ARG);
    uint8_t tag[16];
    assert_int_equal(cx_quic_retry_tag(CX_QUIC_V1, secret, 21, secret, 4, tag), CX_ERR_ARG);
    assert_null(cx_quic_version_find(0));
    assert_non_null(cx_quic_version_find(CX_QUIC_V2));
}

/* An allocator that counts, to show every object goes through the hook. */
static int g_live;
static void *count_alloc(void *ud, size_t n) { (void)ud; g_live++; return malloc(n); }
static void *count_realloc(void *ud, void *p, size_t n) { (void)ud; return realloc(p, n); }
static void count_free(void *ud, void *p) { (void)ud; if (p) g_live--; free(p); }

static void test_allocator_hook(void **state)
{
    (void)state;
    qb_alloc a = {count_alloc, count_realloc, count_free, NULL};
    uint8_t key[32] = {0}, iv[12] = {0};
    cx_aead *k;
    cx_hp *hp;
    assert_int_equal(cx_aead_new(&k, &a, CX_AES_128_GCM, key, iv), CX_OK);
    assert_int_equal(cx_hp_new(&hp, &a, CX_CHACHA20_POLY1305, key), CX_OK);
    assert_int_equal(g_live, 2);
    cx_aead_free(k);
    cx_hp_free(hp);
    assert_int_equal(g_live, 0);
}

/* A QUIC packet key is used in one direction (RFC 9001 §5: receive keys only
 * open, send keys only seal): a key made for one use has no context for the
 * other and refuses it with CX_ERR_ARG, leaving the buffer as it was. */
static void test_seal_only_key_refuses_open(void **state)
{
    (void)state;
    uint8_t key[16] = {1}, iv[12] = {2}, aad[5] = {3, 4, 5, 6, 7}, buf[40], copy[40], tag[16];
    memset(buf, 0x5a, sizeof buf);
    cx_aead *seal, *open;
    assert_int_equal(cx_aead_new_for(&seal, NULL, CX_AES_128_GCM, key, iv, CX_AEAD_SEAL), CX_OK);
    assert_int_equal(cx_aead_new_for(&open, NULL, CX_AES_128_GCM, key, iv, CX_AEAD_OPEN), CX_OK);
    assert_int_equal(cx_aead_seal(seal, 9, aad, sizeof aad, buf, 24), CX_OK);
    memcpy(copy, buf, sizeof buf);
    assert_int_equal(cx_aead_open(seal, 9, aad, sizeof aad, buf, 40), CX_ERR_ARG);
    assert_memory_equal(buf, copy, sizeof buf);
    /* The other half of the same key opens what the first sealed. */
    assert_int_equal(cx_aead_open(open, 9, aad, sizeof aad, buf, 40), CX_OK);
    assert_int_equal(cx_aead_auth_tag(seal, aad, sizeof aad, NULL, 0, tag), CX_OK);
    assert_int_equal(cx_aead_rekey(seal, key, iv, CX_AEAD_OPEN), CX_ERR_ARG);
    assert_int_equal(cx_aead_rekey(seal, key, iv, CX_AEAD_SEAL), CX_OK);
    cx_aead_free(seal);
    cx_aead_free(open);
}

static void test_open_only_key_refuses_seal(void **state)
{
    (void)state;
    uint8_t key[32] = {1}, iv[12] = {2}, aad[5] = {3}, buf[40], copy[40], tag[16];
    memset(buf, 0x5a, sizeof buf);
    memcpy(copy, buf, sizeof buf);
    qb_iov v = {buf, 8};
    cx_aead *k;
    assert_int_equal(cx_aead_new_for(&k, NULL, CX_CHACHA20_POLY1305, key, iv, CX_AEAD_OPEN), CX_OK);
    assert_int_equal(cx_aead_seal(k, 1, aad, sizeof aad, buf, 24), CX_ERR_ARG);
    assert_int_equal(cx_aead_seal_to(k, 1, aad, sizeof aad, copy, buf, 24), CX_ERR_ARG);
    assert_int_equal(cx_aead_seal_gather(k, 1, aad, sizeof aad, &v, 1, buf + 8), CX_ERR_ARG);
    assert_memory_equal(buf, copy, sizeof buf);
    assert_int_equal(cx_aead_auth_tag(k, aad, sizeof aad, NULL, 0, tag), CX_ERR_ARG);
    assert_int_equal(cx_aead_rekey(k, key, iv, CX_AEAD_SEAL), CX_ERR_ARG);
    /* It still opens (a wrong tag here: the buffer was never sealed). */
    assert_int_equal(cx_aead_open(k, 1, aad, sizeof aad, buf, 40), CX_ERR_AUTH);
    cx_aead_free(k);
}

static void test_aead_new_for_needs_a_use(void **state)
{
    (void)state;
    uint8_t key[16] = {0}, iv[12] = {0};
    cx_aead *k = (cx_aead *)1;
    assert_int_equal(cx_aead_new_for(&k, NULL, CX_AES_128_GCM, key, iv, 0), CX_ERR_ARG);
    assert_null(k);
    assert_int_equal(cx_aead_new_for(&k, NULL, CX_AES_128_GCM, key, iv, 4), CX_ERR_ARG);
    assert_null(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gcm256_known_answer),
        cmocka_unit_test(test_chacha_rfc9001_a5),
        cmocka_unit_test(test_aes_hp_rfc9001_a2),
        cmocka_unit_test(test_seal_open_all_suites),
        cmocka_unit_test(test_gcm256_gather_known_answer),
        cmocka_unit_test(test_seal_gather_equals_seal_of_concatenation),
        cmocka_unit_test(test_nonce_is_iv_xor_pn),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_allocator_hook),
        cmocka_unit_test(test_seal_only_key_refuses_open),
        cmocka_unit_test(test_open_only_key_refuses_seal),
        cmocka_unit_test(test_aead_new_for_needs_a_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
