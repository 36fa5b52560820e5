/* Fuzz: decode a transport parameter block as a server's and as a client's; when
 * it decodes, encode it again and decode that to equal parameters. */
#include "quic/tparams.h"

#include <stdlib.h>

static void round_trip(const uint8_t *data, size_t size, bool from_server)
{
    quic_tparams tp, back;
    if (quic_tparams_decode(data, size, from_server, &tp) != 0)
        return;
    uint8_t buf[1024];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    if (quic_tparams_encode(&w, &tp, from_server) != 0)
        abort();
    if (quic_tparams_decode(buf, w.off, from_server, &back) != 0 ||
        !quic_tparams_equal(&tp, &back))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    round_trip(data, size, true);
    round_trip(data, size, false);
    return 0;
}
