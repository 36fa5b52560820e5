/* RFC 9369 Appendix A: the packet protection examples of QUIC v2
 * (the runner is tests/common/quic_vectors.c, the packets are in
 * tests/vectors/rfc9369/). */
#include "common/quic_vectors.h"
#include "common/tu.h"
#include "crypto/cx_quic_keys.h"

static const qv_case g_case = {
    .version = CX_QUIC_V2,
    .dir = "rfc9369",
    .client_secret = "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b",
    .server_secret = "0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1",
    .ckey = "8b1a0bc121284290a29e0971b5cd045d",
    .civ = "91f73e2351d8fa91660e909f",
    .chp = "45b95e15235d6f45a6b19cbcb0294ba9",
    .skey = "82db637861d55e1d011f19ea71d5d2a7",
    .siv = "dd13c276499c0249d3310652",
    .shp = "edf6d05c83121201b436e16877593c3a",
    .client_hdr = "d36b3343cf088394c8f03e5157080000449e00000002",
    .server_hdr = "d16b3343cf0008f067a5502a4262b50040750001",
    .cc_key = "3bfcddd72bcf02541d7fa0dd1f5f9eeea817e09a6963a0e6c7df0f9a1bab90f2",
    .cc_iv = "a6b5bc6ab7dafce30ffff5dd",
    .cc_hp = "d659760d2ba434a226fd37b35c69e2da8211d10c4f12538787d65645d5d1b8e2",
    .cc_ku = "c69374c49e3d2a9466fa689e49d476db5d0dfbc87d32ceeaa6343fd0ae4c7d88",
    .cc_packet = "5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba",
};

static void test_rfc9369_a1_initial_keys(void **state)
{
    (void)state;
    qv_check_keys(&g_case);
}

static void test_rfc9369_a2_client_initial(void **state)
{
    (void)state;
    qv_check_client_initial(&g_case);
}

static void test_rfc9369_a3_server_initial(void **state)
{
    (void)state;
    qv_check_server_initial(&g_case);
}

static void test_rfc9369_a4_retry(void **state)
{
    (void)state;
    qv_check_retry(&g_case);
}

static void test_rfc9369_a5_chacha20_short_header(void **state)
{
    (void)state;
    qv_check_chacha20_short_header(&g_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9369_a1_initial_keys),
        cmocka_unit_test(test_rfc9369_a2_client_initial),
        cmocka_unit_test(test_rfc9369_a3_server_initial),
        cmocka_unit_test(test_rfc9369_a4_retry),
        cmocka_unit_test(test_rfc9369_a5_chacha20_short_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
