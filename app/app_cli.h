/* Command-line parsing for the quince program: one options struct per command,
 * strict flags (an unknown flag or a bad value is a usage error, exit 2). */
#ifndef APP_CLI_H
#define APP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "quic/quic.h"

typedef enum app_cmd {
    APP_CMD_NONE = 0,
    APP_CMD_HELP,
    APP_CMD_DEMO,
    APP_CMD_SERVER,
    APP_CMD_CLIENT,
    APP_CMD_GENCERT,
    APP_CMD_DECODE,
} app_cmd;

typedef enum app_method {
    APP_METHOD_GET = 0,
    APP_METHOD_CONNECT,      /* classic CONNECT: :method and :authority only */
    APP_METHOD_CONNECT_EXT,  /* extended CONNECT (RFC 9220): :protocol too */
} app_method;

typedef struct app_opts {
    app_cmd cmd;
    bool help;          /* --help after a command: that command's usage */
    int verbose;        /* -v: every packet and frame, decoded */
    const char *keylog; /* --keylog FILE (or SSLKEYLOGFILE) */
    const char *qlog_dir;
    /* server */
    const char *listen; /* ADDR:PORT */
    const char *cert, *key;
    bool retry;
    size_t max_memory; /* --max-memory BYTES (K/M/G suffixes); 0: no budget */
    size_t per_addr;   /* --per-addr N: half-open connections per IP; 0: default (16) */
    bool one_shot; /* serve one ping-pong, then exit (--one-shot) */
    /* --preferred-address ADDR:PORT, --preferred-address6 [V6]:PORT: a second
     * socket there, offered in preferred_address (RFC 9000 §9.6); numeric,
     * checked here; port 0: any free one (the one bound is offered) */
    const char *preferred4, *preferred6;
    /* client */
    const char *url;
    const char *ca;
    bool insecure;
    app_method method;
    const char *session; /* --session FILE: ticket and token kept across runs */
    bool early_data; /* client --0rtt: offer 0-RTT with the session (RFC 9001 §4.6) */
    bool no_0rtt;    /* server --no-0rtt: refuse early data (tickets still resume) */
    uint64_t count; /* final counter value, default 10 */
    size_t size;    /* datagram payload bytes, default 8 */
    /* test switches (server and client), as the quic-go interop programs have */
    bool no_datagrams;   /* --no-datagrams: offer no HTTP datagrams (H3_DATAGRAM 0) */
    uint64_t drop_every; /* --drop-every N: skip every Nth first send (0: none) */
    uint64_t key_update_after; /* --key-update-after N: start a key update after N
                                  packets under one key (0: quic's default) */
    quic_cc_algo cc; /* --cc newreno|cubic (server and client); default CUBIC */
    uint32_t quic_versions[4]; /* --quic-version V[,V]: the QUIC versions, first
                                  preferred (client: its first flight) */
    size_t n_quic_versions;    /* 0: quic's default (v1 and v2, see quic_config) */
    uint64_t timeout_s; /* --timeout SECONDS: handshake and no-answer give-up (default 10) */
    uint64_t migrate_after; /* client --migrate-after N: a new local port after N
                               rounds (RFC 9000 §9.2; 0: never) */
    uint64_t rebind_after; /* client --rebind-after N: a new local port after N
                              rounds without telling the connection, as a NAT
                              rebinding does (RFC 9000 §9.3; 0: never) */
    /* gencert */
    const char *host;
    /* decode: CAPTURE --keylog FILE [--json]; --pcap FILE (server, client, demo) */
    const char *capture;
    bool json;
    const char *pcap;
} app_opts;

/* Parses argv into o. Returns 0, or 2 after printing a usage error to err.
 * "--name=value" is read as "--name value"; o may keep pointers into argv. */
int app_cli_parse(int argc, char **argv, app_opts *o, FILE *err);
/* The general usage, or one command's. */
void app_cli_usage(FILE *f, app_cmd cmd);

#endif
