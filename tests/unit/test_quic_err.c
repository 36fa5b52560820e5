/* One place maps quic/'s local error codes and the wire codes to names
 * (quic/quic_err.h): every local code has its own text and one RFC 9000 §20.1
 * code, and every transport error code has its RFC name. */
#include "common/tu.h"
#include "quic/cid_table.h"
#include "quic/quic_err.h"
#include "quic/token.h"

#include <string.h>

static void test_every_local_code_has_its_own_text_and_a_wire_code(void **state)
{
    (void)state;
    int codes[256];
    size_t n = 0;
    while (n < 256 && (codes[n] = quic_err_code_at(n)) != 0)
        n++;
    assert_int_equal(n, 103); /* every code of the enum in quic_err.h */
    for (size_t i = 0; i < n; i++) {
        assert_true(codes[i] < 0);
        const char *s = quic_err_str(codes[i]);
        assert_non_null(s);
        assert_string_not_equal(s, quic_err_str(-1)); /* not the unknown text */
        uint64_t w = quic_err_to_wire(codes[i]);
        assert_true(w <= QUIC_NO_VIABLE_PATH);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(s, quic_err_str(codes[j]));
        }
    }
    assert_int_equal(quic_err_to_wire(0), QUIC_NO_ERROR);
    assert_int_equal(quic_err_to_wire(-1), QUIC_INTERNAL_ERROR);
    /* a sample of each part's mapping */
    assert_int_equal(quic_err_to_wire(QUIC_FRAME_ERR_TYPE_ENCODING), QUIC_PROTOCOL_VIOLATION);
    assert_int_equal(quic_err_to_wire(QUIC_FRAME_ERR_TRUNCATED), QUIC_FRAME_ENCODING_ERROR);
    assert_int_equal(quic_err_to_wire(QUIC_TP_ERR_DUPLICATE), QUIC_TRANSPORT_PARAMETER_ERROR);
    assert_int_equal(quic_err_to_wire(QUIC_TP_ERR_NO_SPACE), QUIC_INTERNAL_ERROR);
    assert_int_equal(quic_err_to_wire(QUIC_PKT_ERR_RESERVED), QUIC_PROTOCOL_VIOLATION);
    assert_int_equal(quic_err_to_wire(QUIC_PKT_ERR_DECRYPT), QUIC_NO_ERROR); /* dropped */
    assert_int_equal(quic_err_to_wire(QUIC_FLOWCTL_ERR_EXCEEDED), QUIC_FLOW_CONTROL_ERROR);
    assert_int_equal(quic_err_to_wire(QUIC_KP_ERR_KEY_UPDATE), QUIC_KEY_UPDATE_ERROR);
    assert_int_equal(quic_err_to_wire(QUIC_RECOVERY_ERR_UNSENT_ACKED), QUIC_PROTOCOL_VIOLATION);
    assert_int_equal(quic_err_to_wire(QUIC_ERR_CLOSING), QUIC_NO_ERROR);
}

/* Address-validation tokens and the endpoint's CID routing table answer with
 * codes of the one enum, mapped in the one table: a bad Retry token closes
 * with INVALID_TOKEN (RFC 9000 §8.1.3), a full routing table refuses the
 * connection (CONNECTION_REFUSED, §20.1), and each has its own text. */
static void test_token_and_cid_table_codes_are_in_the_one_table(void **state)
{
    (void)state;
    static const struct {
        int code;
        uint64_t wire;
    } want[] = {
        {QUIC_TOKEN_ERR_INVALID, QUIC_INVALID_TOKEN},
        {QUIC_TOKEN_ERR_EXPIRED, QUIC_INVALID_TOKEN},
        {QUIC_TOKEN_ERR_CRYPTO, QUIC_INTERNAL_ERROR},
        {QUIC_CIDT_ERR_FULL, QUIC_CONNECTION_REFUSED},
        {QUIC_CIDT_ERR_EXISTS, QUIC_INTERNAL_ERROR},
        {QUIC_CIDT_ERR_NOMEM, QUIC_INTERNAL_ERROR},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t k = 0;
        while (quic_err_code_at(k) != 0 && quic_err_code_at(k) != want[i].code)
            k++;
        assert_int_equal(quic_err_code_at(k), want[i].code); /* listed in the table */
        assert_int_equal(quic_err_to_wire(want[i].code), want[i].wire);
        assert_string_not_equal(quic_err_str(want[i].code), quic_err_str(-1));
    }
}

static void test_transport_error_names_rfc9000_20_1(void **state)
{
    (void)state;
    assert_string_equal(quic_wire_err_name(QUIC_NO_ERROR), "NO_ERROR");
    assert_string_equal(quic_wire_err_name(QUIC_FRAME_ENCODING_ERROR), "FRAME_ENCODING_ERROR");
    assert_string_equal(quic_wire_err_name(QUIC_PROTOCOL_VIOLATION), "PROTOCOL_VIOLATION");
    assert_string_equal(quic_wire_err_name(QUIC_AEAD_LIMIT_REACHED), "AEAD_LIMIT_REACHED");
    assert_string_equal(quic_wire_err_name(QUIC_NO_VIABLE_PATH), "NO_VIABLE_PATH");
    assert_string_equal(quic_wire_err_name(0x128), "CRYPTO_ERROR"); /* RFC 9001 §4.8 */
    /* RFC 9368 §7.3 */
    assert_string_equal(quic_wire_err_name(QUIC_VERSION_NEGOTIATION_ERROR),
                        "VERSION_NEGOTIATION_ERROR");
    assert_string_equal(quic_wire_err_name(0x12), "unknown");
    assert_string_equal(quic_wire_err_name(0x200), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_local_code_has_its_own_text_and_a_wire_code),
        cmocka_unit_test(test_token_and_cid_table_codes_are_in_the_one_table),
        cmocka_unit_test(test_transport_error_names_rfc9000_20_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
