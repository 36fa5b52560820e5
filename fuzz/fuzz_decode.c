/* Fuzz: quince decode over any capture bytes, the whole walk (packets,
 * frames, TLS, HTTP/3, QPACK, version switches), with the illustrated-quic
 * key log so that a capture with its ClientHello random gets Handshake and
 * 1-RTT keys. The fuzz build's null AEAD (QUINCE_FUZZING) opens any packet,
 * so mutated payloads reach the frame and message parsers. Checks: the
 * counts add up, and the output is clean: printable text and newlines only
 * (peer bytes are escaped), in --json each line one object. The decoder's
 * sources are compiled into the target, so it links no app library. */
#include "app/pcap.c"
#include "app/app_decode.c"
#include "app/app_decode_keys.c"
#include "app/app_decode_out.c"
#include "app/app_decode_tls.c"
#include "app/app_decode_h3.c"

#include <stdlib.h>

static const char keylog[] =
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
    "b8902ab5f9fe52fdec3aea54e9293e4b8eabf955fcd88536bf44b8b584f14982\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
    "88ad8d3b0986a71965a28d108b0f40ffffe629284a6028c80ddc5dc083b3f5d1\n"
    "CLIENT_TRAFFIC_SECRET_0 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
    "a877a82fd5f89ba622eb03dc5868fd00a31cc2eb8646b362a75bc14893a8ef07\n"
    "SERVER_TRAFFIC_SECRET_0 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
    "a1bfa69e7051fd609946fd9431a51992617c4ddb9c1269c9c0b70cc91b297751\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool json = size & 1;
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    if (!f)
        return 0;
    app_decode_stats st;
    int rc = app_decode_buf(data, size, keylog, sizeof keylog - 1, json, f, NULL, &st);
    fclose(f);
    if (rc != 0 && rc != -1)
        abort();
    if (st.decrypted + st.undecryptable > st.packets || st.flows > DEC_MAX_FLOWS)
        abort();
    /* text and JSON: no control byte but the newline ends up in the output
     * (RFC 8259 §7: JSON strings escape them; a terminal must not get them) */
    for (size_t i = 0; i < out_len; i++)
        if (((unsigned char)out[i] < 0x20 && out[i] != '\n') || out[i] == 0x7f)
            abort();
    if (json && rc == 0) {
        /* JSON Lines: every line one object */
        for (size_t i = 0; i < out_len;) {
            size_t e = i;
            while (e < out_len && out[e] != '\n')
                e++;
            if (e == out_len || out[i] != '{' || out[e - 1] != '}')
                abort();
            i = e + 1;
        }
    }
    free(out);
    return 0;
}
