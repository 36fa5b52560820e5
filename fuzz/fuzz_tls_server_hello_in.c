/* Fuzz: a TLS server fed arbitrary bytes at the Initial level (a ClientHello
 * or anything else, possibly split across two calls). It must either answer,
 * wait for more, or fail with an alert; never crash, leak or overrun. The
 * certificate is made once; randomness is fixed so a crash replays. */
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"

#include <stdlib.h>
#include <string.h>

static cx_x509_chain *chain;

static int fixed_rand(void *ud, uint8_t *out, size_t n)
{
    (void)ud;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(i * 7 + 1);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *c, *k;
    size_t cl, kl;
    cx_certgen_opts o = {.now = 1700000000};
    (void)argc;
    (void)argv;
    if (cx_certgen(&o, NULL, &c, &cl, &k, &kl) || cx_x509_chain_from_pem(c, cl, k, kl, NULL, &chain))
        abort();
    qb_free(NULL, c);
    qb_free(NULL, k);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t tp[] = {0x01, 0x02, 0x40, 0x64};
    tls_config cfg;
    tls_event ev;
    tls_config_init(&cfg, TLS_ROLE_SERVER);
    cfg.alpn[0] = "h3";
    cfg.alpn[1] = "ping/1.0";
    cfg.alpn_count = 2;
    cfg.chain = chain;
    cfg.random = fixed_rand;
    cfg.max_message_size = 4096;
    tls_conn *s = tls_conn_new(&cfg, tp, sizeof tp);
    if (!s)
        abort();
    /* first byte: where to split the input in two calls */
    size_t split = size ? data[0] : 0;
    const uint8_t *p = size ? data + 1 : data;
    size_t n = size ? size - 1 : 0;
    if (split > n)
        split = n;
    int rc = tls_conn_recv(s, TLS_LEVEL_INITIAL, p, split);
    if (rc == 0)
        rc = tls_conn_recv(s, TLS_LEVEL_INITIAL, p + split, n - split);
    if (rc != 0 && tls_conn_alert(s) == 0)
        abort(); /* every failure names an alert */
    while (tls_conn_next_event(s, &ev))
        if (ev.type == TLS_EVENT_ERROR && rc == 0)
            abort();
    tls_conn_free(s);
    return 0;
}
