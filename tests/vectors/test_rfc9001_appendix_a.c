/* RFC 9001 Appendix A: the packet protection examples of QUIC v1
 * (the runner is tests/common/quic_vectors.c, the packets are in
 * tests/vectors/rfc9001/). */
#include "common/quic_vectors.h"
#include "common/tu.h"
#include "crypto/cx_quic_keys.h"

static const qv_case g_case = {
    .version = CX_QUIC_V1,
    .dir = "rfc9001",
    .client_secret = "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea",
    .server_secret = "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b",
    .ckey = "1f369613dd76d5467730efcbe3b1a22d",
    .civ = "fa044b2f42a3fd3b46fb255c",
    .chp = "9f50449e04a0e810283a1e9933adedd2",
    .skey = "cf3a5331653c364c88f0f379b6067e37",
    .siv = "0ac1493ca1905853b0bba03e",
    .shp = "c206b8d9b9f0f37644430b490eeaa314",
    .client_hdr = "c300000001088394c8f03e5157080000449e00000002",
    .server_hdr = "c1000000010008f067a5502a4262b50040750001",
    .cc_key = "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8",
    .cc_iv = "e0459b3474bdd0e44a41c144",
    .cc_hp = "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4",
    .cc_ku = "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9",
    .cc_packet = "4cfe4189655e5cd55c41f69080575d7999c25a5bfb",
};

static void test_rfc9001_a1_initial_keys(void **state)
{
    (void)state;
    qv_check_keys(&g_case);
}

static void test_rfc9001_a2_client_initial(void **state)
{
    (void)state;
    qv_check_client_initial(&g_case);
}

static void test_rfc9001_a3_server_initial(void **state)
{
    (void)state;
    qv_check_server_initial(&g_case);
}

static void test_rfc9001_a4_retry(void **state)
{
    (void)state;
    qv_check_retry(&g_case);
}

static void test_rfc9001_a5_chacha20_short_header(void **state)
{
    (void)state;
    qv_check_chacha20_short_header(&g_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9001_a1_initial_keys),
        cmocka_unit_test(test_rfc9001_a2_client_initial),
        cmocka_unit_test(test_rfc9001_a3_server_initial),
        cmocka_unit_test(test_rfc9001_a4_retry),
        cmocka_unit_test(test_rfc9001_a5_chacha20_short_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
