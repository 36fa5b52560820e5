/* The scratch Initial keys of cx_initial.h (RFC 9001 §5.2, RFC 9369 §3.3):
 * re-keyed per DCID without allocating, they must protect exactly as keys
 * made the usual way (cx_quic_initial_keys, checked against the RFC 9001
 * Appendix A and RFC 9369 Appendix A vectors elsewhere). */
#include "common/tu.h"
#include "crypto/cx_initial.h"
#include "crypto/cx_quic_keys.h"

#include <string.h>

/* RFC 9001 §A.1: the client Initial keys of DCID 0x8394c8f03e515708. */
static void test_initial_scratch_matches_rfc9001_client_keys(void **state)
{
    (void)state;
    static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
    static const uint8_t hp_key[16] = {0x9f, 0x50, 0x44, 0x9e, 0x04, 0xa0, 0xe8, 0x10,
                                       0x28, 0x3a, 0x1e, 0x99, 0x33, 0xad, 0xed, 0xd2};
    static const uint8_t key[16] = {0x1f, 0x36, 0x96, 0x13, 0xdd, 0x76, 0xd5, 0x46,
                                    0x77, 0x30, 0xef, 0xcb, 0xe3, 0xb1, 0xa2, 0x2d};
    static const uint8_t iv[12] = {0xfa, 0x04, 0x4b, 0x2f, 0x42, 0xa3, 0xfd, 0x3b,
                                   0x46, 0xfb, 0x25, 0x5c};
    cx_initial *s;
    cx_aead *ref;
    cx_hp *ref_hp;
    assert_int_equal(cx_initial_new(&s, NULL), 0);
    assert_int_equal(cx_aead_new(&ref, NULL, CX_AES_128_GCM, key, iv), 0);
    assert_int_equal(cx_hp_new(&ref_hp, NULL, CX_AES_128_GCM, hp_key), 0);
    assert_int_equal(cx_initial_rekey(s, CX_QUIC_V1, dcid, sizeof dcid, true), 0);
    /* The mask of the RFC's sample d1b1c98dd7689fb8ec11d242b123dc9b (§A.2). */
    static const uint8_t sample[16] = {0xd1, 0xb1, 0xc9, 0x8d, 0xd7, 0x68, 0x9f, 0xb8,
                                       0xec, 0x11, 0xd2, 0x42, 0xb1, 0x23, 0xdc, 0x9b};
    static const uint8_t want_mask[5] = {0x43, 0x7b, 0x9a, 0xec, 0x36};
    uint8_t mask[5];
    assert_int_equal(cx_hp_mask(cx_initial_hp(s), sample, mask), 0);
    assert_memory_equal(mask, want_mask, 5);
    /* Sealed with the RFC's key and IV, opened with the scratch key. */
    uint8_t buf[64 + CX_AEAD_TAG_LEN], aad[20] = {0xc3};
    memset(buf, 0x5a, 64);
    assert_int_equal(cx_aead_seal(ref, 2, aad, sizeof aad, buf, 64), 0);
    assert_int_equal(cx_aead_open(cx_initial_aead(s), 2, aad, sizeof aad, buf, sizeof buf), 0);
    cx_hp_free(ref_hp);
    cx_aead_free(ref);
    cx_initial_free(s);
}

/* For v1 and v2, DCIDs of 0, 8 and 20 bytes, each direction, and re-keyed
 * one after another: what the scratch keys seal or open agrees with keys made
 * from cx_quic_initial_keys, and the header protection masks are the same. */
static void test_initial_scratch_agrees_with_derived_keys(void **state)
{
    (void)state;
    static const uint32_t versions[] = {CX_QUIC_V1, CX_QUIC_V2};
    static const size_t lens[] = {0, 8, 20};
    cx_initial *s;
    assert_int_equal(cx_initial_new(&s, NULL), 0);
    for (size_t v = 0; v < 2; v++)
        for (size_t l = 0; l < 3; l++)
            for (int client = 0; client < 2; client++) {
                uint8_t dcid[20];
                for (size_t i = 0; i < sizeof dcid; i++)
                    dcid[i] = (uint8_t)(v * 77 + l * 13 + i);
                cx_quic_keys ck, sk;
                assert_int_equal(cx_quic_initial_keys(versions[v], dcid, lens[l], &ck, &sk), 0);
                const cx_quic_keys *m = client ? &ck : &sk;
                cx_aead *ref;
                cx_hp *ref_hp;
                assert_int_equal(cx_aead_new(&ref, NULL, CX_AES_128_GCM, m->key, m->iv), 0);
                assert_int_equal(cx_hp_new(&ref_hp, NULL, CX_AES_128_GCM, m->hp), 0);
                assert_int_equal(cx_initial_rekey(s, versions[v], dcid, lens[l], client), 0);
                uint8_t sample[16], m1[5], m2[5];
                for (size_t i = 0; i < 16; i++)
                    sample[i] = (uint8_t)(i * 9 + l);
                assert_int_equal(cx_hp_mask(ref_hp, sample, m1), 0);
                assert_int_equal(cx_hp_mask(cx_initial_hp(s), sample, m2), 0);
                assert_memory_equal(m1, m2, 5);
                uint8_t buf[100 + CX_AEAD_TAG_LEN], aad[12] = {1, 2, 3};
                memset(buf, 0x33, 100);
                if (client) { /* the server opens what a client sealed */
                    assert_int_equal(cx_aead_seal(ref, 0, aad, sizeof aad, buf, 100), 0);
                    assert_int_equal(
                        cx_aead_open(cx_initial_aead(s), 0, aad, sizeof aad, buf, sizeof buf), 0);
                } else { /* and seals what the client opens */
                    assert_int_equal(cx_aead_seal(cx_initial_aead(s), 0, aad, sizeof aad, buf, 100),
                                     0);
                    assert_int_equal(cx_aead_open(ref, 0, aad, sizeof aad, buf, sizeof buf), 0);
                }
                cx_hp_free(ref_hp);
                cx_aead_free(ref);
                cx_quic_keys_clear(&ck);
                cx_quic_keys_clear(&sk);
            }
    cx_initial_free(s);
}

/* A version without a key schedule is refused. */
static void test_initial_scratch_refuses_unknown_version(void **state)
{
    (void)state;
    cx_initial *s;
    static const uint8_t dcid[8] = {1};
    assert_int_equal(cx_initial_new(&s, NULL), 0);
    assert_int_equal(cx_initial_rekey(s, 0xff00001d, dcid, 8, true), CX_ERR_QUIC_VERSION);
    cx_initial_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_scratch_matches_rfc9001_client_keys),
        cmocka_unit_test(test_initial_scratch_agrees_with_derived_keys),
        cmocka_unit_test(test_initial_scratch_refuses_unknown_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
