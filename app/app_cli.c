/* Command-line parsing for quince (see app_cli.h). */
#include "app/app_cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void app_cli_usage_body(FILE *f, app_cmd cmd);

static const struct {
    const char *name;
    app_cmd cmd;
} commands[] = {
    {"demo", APP_CMD_DEMO},     {"server", APP_CMD_SERVER}, {"client", APP_CMD_CLIENT},
    {"gencert", APP_CMD_GENCERT}, {"help", APP_CMD_HELP}, {"decode", APP_CMD_DECODE},
};

/* What every command's usage ends with: the options all commands share and
 * the exit codes, so `quince CMD --help` is complete on its own. */
static void usage_shared(FILE *f, app_cmd cmd)
{
    fprintf(f, "options for every command (also as --opt=value):\n"
               "  --help          this usage (also: quince help %s)\n"
               "  -v              print every packet and frame sent and received, decoded\n"
               "  --keylog FILE   write TLS secrets in NSS key log format (also SSLKEYLOGFILE;\n"
               "                  the file is created readable by its owner only)\n"
               "  --qlog DIR      write one qlog file per connection into DIR\n",
            cmd == APP_CMD_DEMO ? "demo" : cmd == APP_CMD_SERVER ? "server"
            : cmd == APP_CMD_CLIENT ? "client" : cmd == APP_CMD_GENCERT ? "gencert" : "decode");
    if (cmd == APP_CMD_DEMO || cmd == APP_CMD_SERVER || cmd == APP_CMD_CLIENT)
        fprintf(f, "  --pcap FILE     write every datagram sent and received as a pcap capture\n"
                   "SIGINT/SIGTERM close every connection with H3_NO_ERROR and exit\n"
                   "(server 0, client 1).\n");
    fprintf(f, "exit codes: 0 success, 1 runtime, protocol or peer failure, 2 usage error\n"
               "(an unknown option, a bad value, address or URL)\n");
}

void app_cli_usage(FILE *f, app_cmd cmd)
{
    if (cmd != APP_CMD_NONE && cmd != APP_CMD_HELP) {
        app_cli_usage_body(f, cmd);
        usage_shared(f, cmd);
        return;
    }
    app_cli_usage_body(f, cmd);
}

static void app_cli_usage_body(FILE *f, app_cmd cmd)
{
    switch (cmd) {
    case APP_CMD_DEMO:
        fprintf(f, "usage: quince demo [-v] [--keylog FILE] [--qlog DIR] [--count N] [--size BYTES]\n"
                   "                   [--timeout S]\n"
                   "  A server and a client in one process on 127.0.0.1, with a certificate made\n"
                   "  in memory, playing the HTTP/3 datagram ping-pong from 0 to N (default 10).\n");
        break;
    case APP_CMD_SERVER:
        fprintf(f, "usage: quince server --listen ADDR:PORT [--cert F --key F] [--retry] [--count N]\n"
                   "                     [--max-memory BYTES] [--per-addr N] [--one-shot] [--no-0rtt]\n"
                   "                     [--timeout S] [-v] [--keylog FILE] [--qlog DIR]\n"
                   "                     [--preferred-address ADDR:PORT] [--preferred-address6 [V6]:PORT]\n"
                   "  Serves /ping-pong over HTTP/3 with datagrams (GET, CONNECT, extended CONNECT)\n"
                   "  to many clients at once, until interrupted.\n"
                   "  Without --cert/--key it makes a self-signed certificate in memory.\n"
                   "  --retry     validate every client address with a Retry first (by default\n"
                   "              only when many handshakes are in progress)\n"
                   "  --max-memory BYTES  the memory the QUIC endpoint (its tables, connections\n"
                   "              and their TLS state) may hold (K, M, G suffixes);\n"
                   "              past it new clients are refused, established ones carry on\n"
                   "  --per-addr N  handshakes in progress allowed per client IP (default 16;\n"
                   "              load tests from one address may need more)\n"
                   "  --count N   the final value of the exchange (default 10)\n"
                   "  --no-0rtt   refuse 0-RTT early data (resumption still works)\n"
                   "  --one-shot  exit after the first connection closes: 0 when its ping-pong\n"
                   "              finished, else 1\n"
                   "  --preferred-address ADDR:PORT, --preferred-address6 [V6]:PORT  also serve\n"
                   "              on this numeric address and offer it to clients as the\n"
                   "              preferred address (RFC 9000 §9.6); port 0: any free one\n"
                   "  --timeout S seconds a client has to finish its handshake, and to answer\n"
                   "              before the server gives its ping-pong up (1-3600, default 10)\n"
                   "  test switches (also for client): --no-datagrams (offer no HTTP\n"
                   "  datagrams: SETTINGS_H3_DATAGRAM=0), --drop-every N (skip every Nth\n"
                   "  first send of a value, so resends happen), --key-update-after N (start a\n"
                   "  key update after N packets under one key, RFC 9001 §6)\n"
                   "  --cc newreno|cubic  congestion control (also for client; default cubic)\n"
                   "  --quic-version V[,V]  QUIC versions 1 and 2 (RFC 9369) in order of\n"
                   "              preference (2,1 or 2+1); server: accepts those (default both) and\n"
                   "              moves a client that offers the first to it (RFC 9368); client: its\n"
                   "              first flight is in the first (default 1,2)\n");
        break;
    case APP_CMD_CLIENT:
        fprintf(f, "usage: quince client URL [--ca F | --insecure] [--method GET|CONNECT|CONNECT-EXT]\n"
                   "                     [--count N] [--size BYTES] [--timeout S] [-v] [--keylog FILE] [--qlog DIR]\n"
                   "  Runs the ping-pong against URL, e.g. https://localhost:8080/ping-pong.\n"
                   "  --ca F      trust the certificates in F (default: the system store)\n"
                   "  --insecure  do not verify the server's certificate (tests only)\n"
                   "  --count N   play until the counter reaches N (default 10)\n"
                   "  --size B    datagram payload size, at least 8 (the counter) (default 8);\n"
                   "              more than the server or the path allows fails at once\n"
                   "  --timeout S seconds for the handshake, and without an answer before\n"
                   "              giving up (default 10)\n"
                   "  --session F resume with the TLS session and address token kept in F from\n"
                   "              an earlier run, and keep this run's there (created 0600)\n"
                   "  --0rtt      with --session: send early (0-RTT) data when the ticket allows\n"
                   "              it; logs whether the server accepted it\n"
                   "  --no-datagrams, --drop-every N, --key-update-after N, --cc ALGO,\n"
                   "  --quic-version V[,V] (the first is the version of the first flight): see\n"
                   "  quince server --help; --migrate-after N: move to a new local port after\n"
                   "  N rounds (connection migration, RFC 9000 §9.2); --rebind-after N: a new\n"
                   "  local port after N rounds without telling the connection, as a NAT\n"
                   "  rebinding does (the server must notice and validate it, RFC 9000 §9.3).\n"
                   "  A server's preferred address (RFC 9000 §9.6) is followed when offered.\n");
        break;
    case APP_CMD_GENCERT:
        fprintf(f, "usage: quince gencert --host NAME --cert F --key F\n"
                   "  Writes a self-signed ECDSA P-256 certificate (SAN NAME, localhost,\n"
                   "  127.0.0.1, ::1; valid 14 days) and its key, accepted by quince and quic-go.\n");
        break;
    case APP_CMD_DECODE:
        fprintf(f, "usage: quince decode CAPTURE --keylog FILE [--json]\n"
                   "  Explains every QUIC datagram of a pcap or pcapng capture: packet headers,\n"
                   "  frames, TLS messages and extensions, HTTP/3 frames, QPACK field lines and\n"
                   "  HTTP datagrams, each with its RFC section, decrypted with the NSS key log.\n"
                   "  --json  one JSON object per datagram (JSON Lines)\n");
        break;
    default:
        fprintf(f, "usage: quince <command> [options]\n"
                   "       quince --version\n"
                   "\n"
                   "commands:\n"
                   "  demo      the HTTP/3 datagram ping-pong, server and client in one process\n"
                   "  server    serve /ping-pong over HTTP/3 with datagrams\n"
                   "  client    run the ping-pong against a server\n"
                   "  gencert   write a self-signed certificate and key\n"
                   "  decode    explain a capture of QUIC traffic, decrypted with a key log\n"
                   "\n"
                   "options for every command:\n"
                   "  --help          usage of the command\n"
                   "  -v              print every packet and frame sent and received, decoded\n"
                   "  --keylog FILE   write TLS secrets in NSS key log format (also SSLKEYLOGFILE)\n"
                   "  --qlog DIR      write one qlog file per connection into DIR (also QLOGDIR):\n"
                   "                  <odcid>_client.sqlog / <odcid>_server.sqlog, qlog 0.3\n"
                   "  --pcap FILE     write every datagram sent and received as a pcap capture\n"
                   "                  (server, client, demo; read it with quince decode)\n"
                   "  --opt=value works as well as --opt value\n"
                   "  quince help CMD (or quince CMD --help): the options of CMD\n"
                   "\n"
                   "exit codes: 0 success, 1 runtime, protocol or peer failure, 2 usage error\n"
                   "(an unknown option, a bad value, address or URL)\n");
        break;
    }
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

/* A byte count with an optional K, M or G suffix (powers of 1024). */
static int parse_bytes(const char *s, size_t *v)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s < '0' || *s > '9')
        return -1;
    unsigned long long x = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (errno || (shift ? end[1] != 0 : *end != 0) || x > (SIZE_MAX >> shift))
        return -1;
    *v = (size_t)(x << shift);
    return 0;
}

static int usage_error(FILE *err, app_cmd cmd, const char *fmt, const char *arg)
{
    fprintf(err, "quince: ");
    fprintf(err, fmt, arg);
    fprintf(err, "\n");
    app_cli_usage(err, cmd);
    return 2;
}

/* "1", "2", "1,2", "2,1" (or "1+2", "2+1", for lists that split on commas):
 * QUIC v1 (RFC 9000) and v2 (RFC 9369), each once. */
static int parse_quic_versions(const char *v, app_opts *o)
{
    o->n_quic_versions = 0;
    for (const char *p = v; *p; p++) {
        uint32_t ver;
        if (*p == '1')
            ver = 0x00000001u;
        else if (*p == '2')
            ver = 0x6b3343cfu;
        else
            return -1;
        for (size_t i = 0; i < o->n_quic_versions; i++)
            if (o->quic_versions[i] == ver)
                return -1;
        o->quic_versions[o->n_quic_versions++] = ver;
        if ((p[1] == ',' || p[1] == '+') && p[2])
            p++;
        else if (p[1])
            return -1;
    }
    return o->n_quic_versions ? 0 : -1;
}

/* "--name=value" as getopt_long reads it: split into "--name" "value" before
 * the parser below, which then sees one form only. The value is marked, so a
 * flag that takes none ("--retry=1") is a usage error, not a stray argument. */
#define APP_CLI_MAX_ARGS 256
static char *norm_argv[APP_CLI_MAX_ARGS + 1];
static bool norm_is_value[APP_CLI_MAX_ARGS + 1];

static int normalise_args(int argc, char **argv)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        char *eq = strncmp(argv[i], "--", 2) == 0 && argv[i][2] ? strchr(argv[i], '=') : NULL;
        if (n + (eq ? 2 : 1) > APP_CLI_MAX_ARGS)
            return -1;
        norm_is_value[n] = false;
        norm_argv[n++] = argv[i];
        if (eq) {
            *eq = 0; /* argv strings are the program's to modify (C11 5.1.2.2.1) */
            norm_is_value[n] = true;
            norm_argv[n++] = eq + 1;
        }
    }
    norm_argv[n] = NULL;
    return n;
}

/* A valid client URL: https://HOST[:PORT][/path], PORT 1..65535. Checked
 * here so a typo is a usage error (exit 2), not a failed run. */
static bool url_ok(const char *u)
{
    if (strncmp(u, "https://", 8) != 0)
        return false;
    const char *p = u + 8, *end = p + strcspn(p, "/");
    const char *port = NULL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (!rb || rb == p + 1 || (rb + 1 < end && rb[1] != ':'))
            return false;
        port = rb + 1 < end ? rb + 2 : NULL;
    } else {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if ((colon ? colon : end) == p)
            return false;
        port = colon ? colon + 1 : NULL;
    }
    if (!port)
        return true;
    unsigned long v = 0;
    if (port == end)
        return false;
    for (const char *q = port; q < end; q++) {
        if (*q < '0' || *q > '9' || (v = v * 10 + (unsigned long)(*q - '0')) > 65535)
            return false;
    }
    return v > 0;
}

/* ADDR:PORT or [V6]:PORT with a numeric port (the name is resolved later). */
static bool listen_ok(const char *a)
{
    const char *colon = strrchr(a, ':');
    if (!colon || (a[0] == '[' && colon[-1] != ']'))
        return false;
    uint64_t v;
    char *end;
    errno = 0;
    if (!colon[1] || colon[1] < '0' || colon[1] > '9')
        return false;
    v = strtoull(colon + 1, &end, 10);
    return !errno && !*end && v <= 65535;
}

/* A preferred address (RFC 9000 §18.2 carries numbers, not names): a
 * numeric, specified address of the family and a port; "[V6]:PORT" for v6. */
static bool preferred_ok(const char *a, int family)
{
    char host[64];
    const char *colon = strrchr(a, ':');
    if (!colon || !listen_ok(a))
        return false;
    const char *h = a;
    size_t n = (size_t)(colon - a);
    if (family == AF_INET6) {
        if (a[0] != '[' || n < 3 || colon[-1] != ']')
            return false;
        h = a + 1;
        n -= 2;
    }
    if (n == 0 || n >= sizeof host)
        return false;
    memcpy(host, h, n);
    host[n] = 0;
    uint8_t bin[16], zero[16] = {0};
    if (inet_pton(family, host, bin) != 1)
        return false;
    /* All zero means "none of this family" in the parameter. */
    return memcmp(bin, zero, family == AF_INET ? 4 : 16) != 0;
}

int app_cli_parse(int argc, char **argv, app_opts *o, FILE *err)
{
    memset(o, 0, sizeof *o);
    o->count = 10;
    o->size = 8;
    o->timeout_s = 10;
    if (argc < 2)
        return usage_error(err, APP_CMD_NONE, "%s", "a command is needed");
    if ((argc = normalise_args(argc, argv)) < 0)
        return usage_error(err, APP_CMD_NONE, "%s", "too many arguments");
    argv = norm_argv;
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        o->cmd = APP_CMD_HELP;
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            o->cmd = commands[i].cmd;
    if (o->cmd == APP_CMD_NONE)
        return usage_error(err, APP_CMD_NONE, "unknown command '%s'", argv[1]);
    app_cmd c = o->cmd;
    /* quince help CMD: that command's usage (quince CMD --help). */
    if (c == APP_CMD_HELP && argc > 2) {
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (!strcmp(argv[2], commands[i].name) && commands[i].cmd != APP_CMD_HELP) {
                if (argc > 3)
                    return usage_error(err, APP_CMD_NONE, "help takes one command, not '%s'", argv[3]);
                o->cmd = commands[i].cmd;
                o->help = true;
                return 0;
            }
        return usage_error(err, APP_CMD_NONE, "no help for unknown command '%s'", argv[2]);
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (norm_is_value[i])
            return usage_error(err, c, "%s takes no value", argv[i - 1]);
        /* A flag that takes a value: the next argument, which must exist. */
#define VALUE()                                                                 \
    (i + 1 < argc ? argv[++i]                                                   \
                  : (usage_error(err, c, "%s needs a value", a), (char *)NULL))
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            o->help = true;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            o->verbose++;
        } else if (!strcmp(a, "--keylog")) {
            if (!(o->keylog = VALUE()))
                return 2;
        } else if (!strcmp(a, "--qlog")) {
            if (!(o->qlog_dir = VALUE()))
                return 2;
        } else if (c == APP_CMD_SERVER && !strcmp(a, "--listen")) {
            if (!(o->listen = VALUE()))
                return 2;
        } else if ((c == APP_CMD_SERVER || c == APP_CMD_GENCERT) && !strcmp(a, "--cert")) {
            if (!(o->cert = VALUE()))
                return 2;
        } else if ((c == APP_CMD_SERVER || c == APP_CMD_GENCERT) && !strcmp(a, "--key")) {
            if (!(o->key = VALUE()))
                return 2;
        } else if (c == APP_CMD_SERVER && !strcmp(a, "--retry")) {
            o->retry = true;
        } else if (c == APP_CMD_SERVER && !strcmp(a, "--max-memory")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (parse_bytes(v, &o->max_memory) || o->max_memory == 0)
                return usage_error(err, c, "--max-memory takes a byte count like 65536, 512K or 64M, not '%s'", v);
        } else if (c == APP_CMD_SERVER && !strcmp(a, "--per-addr")) {
            const char *v = VALUE();
            uint64_t n;
            if (!v)
                return 2;
            if (parse_u64(v, &n) || n == 0 || n > 1000000)
                return usage_error(err, c, "--per-addr takes a number from 1 to 1000000, not '%s'", v);
            o->per_addr = (size_t)n;
        } else if (c == APP_CMD_SERVER && !strcmp(a, "--one-shot")) {
            o->one_shot = true;
        } else if (c == APP_CMD_SERVER && !strcmp(a, "--preferred-address")) {
            if (!(o->preferred4 = VALUE()))
                return 2;
            if (!preferred_ok(o->preferred4, AF_INET))
                return usage_error(err, c, "--preferred-address takes a numeric IPv4 ADDR:PORT other than 0.0.0.0, not '%s'", o->preferred4);
        } else if (c == APP_CMD_SERVER && !strcmp(a, "--preferred-address6")) {
            if (!(o->preferred6 = VALUE()))
                return 2;
            if (!preferred_ok(o->preferred6, AF_INET6))
                return usage_error(err, c, "--preferred-address6 takes a numeric [IPV6]:PORT other than [::], not '%s'", o->preferred6);
        } else if (c == APP_CMD_CLIENT && !strcmp(a, "--ca")) {
            if (!(o->ca = VALUE()))
                return 2;
        } else if (c == APP_CMD_CLIENT && !strcmp(a, "--session")) {
            if (!(o->session = VALUE()))
                return 2;
        } else if (c == APP_CMD_CLIENT && !strcmp(a, "--0rtt")) {
            o->early_data = true;
        } else if (c == APP_CMD_SERVER && !strcmp(a, "--no-0rtt")) {
            o->no_0rtt = true;
        } else if (c == APP_CMD_CLIENT && !strcmp(a, "--insecure")) {
            o->insecure = true;
        } else if (c == APP_CMD_CLIENT && !strcmp(a, "--method")) {
            const char *m = VALUE();
            if (!m)
                return 2;
            if (!strcmp(m, "GET"))
                o->method = APP_METHOD_GET;
            else if (!strcmp(m, "CONNECT"))
                o->method = APP_METHOD_CONNECT;
            else if (!strcmp(m, "CONNECT-EXT"))
                o->method = APP_METHOD_CONNECT_EXT;
            else
                return usage_error(err, c, "--method takes GET, CONNECT or CONNECT-EXT, not '%s'", m);
        } else if ((c == APP_CMD_CLIENT || c == APP_CMD_DEMO || c == APP_CMD_SERVER) && !strcmp(a, "--count")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (parse_u64(v, &o->count) || o->count == 0 || o->count > 1000000000)
                return usage_error(err, c, "--count takes a number from 1 to 1000000000, not '%s'", v);
        } else if ((c == APP_CMD_CLIENT || c == APP_CMD_DEMO) && !strcmp(a, "--size")) {
            const char *v = VALUE();
            uint64_t n;
            if (!v)
                return 2;
            if (parse_u64(v, &n) || n < 8 || n > 65535)
                return usage_error(err, c, "--size takes a byte count from 8 to 65535, not '%s'", v);
            o->size = (size_t)n;
        } else if ((c == APP_CMD_CLIENT || c == APP_CMD_SERVER) && !strcmp(a, "--no-datagrams")) {
            o->no_datagrams = true;
        } else if ((c == APP_CMD_CLIENT || c == APP_CMD_SERVER) && !strcmp(a, "--drop-every")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (parse_u64(v, &o->drop_every) || o->drop_every == 1 || o->drop_every > 1000000)
                return usage_error(err, c, "--drop-every takes 0 or a number from 2 to 1000000, not '%s'", v);
        } else if ((c == APP_CMD_CLIENT || c == APP_CMD_SERVER) && !strcmp(a, "--key-update-after")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (parse_u64(v, &o->key_update_after) || o->key_update_after == 0 ||
                o->key_update_after > 1000000000)
                return usage_error(err, c, "--key-update-after takes a packet count from 1 to 1000000000, not '%s'", v);
        } else if ((c == APP_CMD_CLIENT || c == APP_CMD_SERVER) && !strcmp(a, "--cc")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (!strcmp(v, "cubic"))
                o->cc = QUIC_CC_CUBIC;
            else if (!strcmp(v, "newreno"))
                o->cc = QUIC_CC_NEWRENO;
            else
                return usage_error(err, c, "--cc takes newreno or cubic, not '%s'", v);
        } else if ((c == APP_CMD_CLIENT || c == APP_CMD_SERVER) && !strcmp(a, "--quic-version")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (parse_quic_versions(v, o))
                return usage_error(err, c, "--quic-version takes 1, 2, 1,2 or 2,1, not '%s'", v);
        } else if ((c == APP_CMD_CLIENT || c == APP_CMD_DEMO || c == APP_CMD_SERVER) &&
                   !strcmp(a, "--timeout")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (parse_u64(v, &o->timeout_s) || o->timeout_s == 0 || o->timeout_s > 3600)
                return usage_error(err, c, "--timeout takes seconds from 1 to 3600, not '%s'", v);
        } else if (c == APP_CMD_CLIENT && !strcmp(a, "--migrate-after")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (parse_u64(v, &o->migrate_after) || o->migrate_after == 0)
                return usage_error(err, c, "--migrate-after takes a round count of at least 1, not '%s'", v);
        } else if (c == APP_CMD_CLIENT && !strcmp(a, "--rebind-after")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (parse_u64(v, &o->rebind_after) || o->rebind_after == 0)
                return usage_error(err, c, "--rebind-after takes a round count of at least 1, not '%s'", v);
        } else if (c == APP_CMD_GENCERT && !strcmp(a, "--host")) {
            if (!(o->host = VALUE()))
                return 2;
        } else if (c == APP_CMD_DECODE && !strcmp(a, "--json")) {
            o->json = true;
        } else if (c == APP_CMD_DECODE && a[0] != '-' && !o->capture) {
            o->capture = a;
        } else if (c != APP_CMD_DECODE && c != APP_CMD_GENCERT && !strcmp(a, "--pcap")) {
            if (!(o->pcap = VALUE()))
                return 2;
        } else if (c == APP_CMD_CLIENT && a[0] != '-' && !o->url) {
            o->url = a;
        } else {
            return usage_error(err, c, "unknown option '%s'", a);
        }
#undef VALUE
    }
    if (o->help)
        return 0;
    /* Required options and combinations, checked once everything is read. */
    if (c == APP_CMD_SERVER && !o->listen)
        return usage_error(err, c, "%s", "server needs --listen ADDR:PORT");
    if (c == APP_CMD_SERVER && (!o->cert) != (!o->key))
        return usage_error(err, c, "%s", "--cert and --key go together");
    if (c == APP_CMD_CLIENT && !o->url)
        return usage_error(err, c, "%s", "client needs a URL, e.g. https://localhost:8080/ping-pong");
    if (c == APP_CMD_CLIENT && o->ca && o->insecure)
        return usage_error(err, c, "%s", "--ca and --insecure exclude each other");
    if (c == APP_CMD_CLIENT && o->early_data && !o->session)
        return usage_error(err, c, "%s", "--0rtt needs --session FILE (the ticket it uses)");
    if (c == APP_CMD_DECODE && (!o->capture || !o->keylog))
        return usage_error(err, c, "%s", "decode needs a CAPTURE and --keylog FILE");
    if (c == APP_CMD_GENCERT && (!o->host || !o->cert || !o->key))
        return usage_error(err, c, "%s", "gencert needs --host, --cert and --key");
    if (c == APP_CMD_CLIENT && !url_ok(o->url))
        return usage_error(err, c, "bad URL '%s' (want https://HOST[:PORT]/path)", o->url);
    if (c == APP_CMD_SERVER && !listen_ok(o->listen))
        return usage_error(err, c, "bad address '%s' (want ADDR:PORT or [V6ADDR]:PORT)", o->listen);
    return 0;
}
