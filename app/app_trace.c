/* -v lines and qlog files from the connection's trace hook (app_trace.h).
 * qlog 0.3: draft-ietf-quic-qlog-main-schema-05 (JSON-SEQ, §6), events of
 * draft-ietf-quic-qlog-quic-events-04 and -h3-events-04. */
#include "app/app_trace.h"

#include "app/app_log.h"
#include "app/app_qlog.h"
#include "crypto/cx_wipe.h"
#include "quic/frame.h"
#include "quic/tparams.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void qlog_head(app_trace *t, uint64_t now, const char *name);

static const char *pkt_name(quic_pkt_type t)
{
    switch (t) {
    case QUIC_PKT_INITIAL: return "initial";
    case QUIC_PKT_0RTT: return "0RTT";
    case QUIC_PKT_HANDSHAKE: return "handshake";
    case QUIC_PKT_RETRY: return "retry";
    case QUIC_PKT_1RTT: return "1RTT";
    case QUIC_PKT_VN: return "version_negotiation";
    }
    return "unknown";
}

const char *app_trace_dir(const char *opt)
{
    if (opt)
        return opt;
    /* main-schema-05 §9: QLOGDIR, as quic-go and other stacks honour it. */
    const char *env = getenv("QLOGDIR");
    return env && *env ? env : NULL;
}

int app_trace_open(app_trace *t, const char *who, bool verbose, const char *dir, char *err,
                   size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->who = who;
    t->verbose = verbose;
    t->ack_exp_local = t->ack_exp_peer = QUIC_TP_DEFAULT_ACK_DELAY_EXPONENT;
    if (!dir)
        return 0;
    struct stat st;
    errno = 0;
    if (stat(dir, &st) != 0 && errno == ENOENT && mkdir(dir, 0755) == 0)
        errno = 0; /* created, as quic-go does with QLOGDIR */
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0) {
        snprintf(err, errlen, "cannot write qlog files into %s: %s", dir,
                 errno ? strerror(errno) : "not a directory");
        return -1;
    }
    t->dir = dir;
    return 0;
}

void app_trace_set_path(app_trace *t, const quic_path *p)
{
    t->path = *p;
    t->have_path = true;
}

void app_trace_set_version(app_trace *t, uint32_t version)
{
    t->version = version;
}

/* quic-events-04 §version_information: the version in use, when it is first
 * known and when negotiation (RFC 9368) changes it. */
static void write_version(app_trace *t, uint64_t now)
{
    if (!t->version || t->version == t->logged_version)
        return;
    t->logged_version = t->version;
    qlog_head(t, now, "transport:version_information");
    fprintf(t->qlog, "\"chosen_version\":\"%08" PRIx32 "\"}}\n", t->version);
}

void app_trace_close(app_trace *t)
{
    cx_wipe(t->secret_1rtt, sizeof t->secret_1rtt);
    if (t->qlog)
        fclose(t->qlog);
    t->qlog = NULL;
    t->dir = NULL;
}

/* IP and port of a struct sockaddr held in a quic_path; false if neither family. */
static bool addr_parts(const uint8_t *sa, size_t len, char *ip, size_t iplen, unsigned *port,
                       bool *v6)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, sa, len < sizeof ss ? len : sizeof ss);
    if (ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s = (const void *)&ss;
        inet_ntop(AF_INET, &s->sin_addr, ip, (socklen_t)iplen);
        *port = ntohs(s->sin_port);
        *v6 = false;
        return true;
    }
    if (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s = (const void *)&ss;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, (socklen_t)iplen);
        *port = ntohs(s->sin6_port);
        *v6 = true;
        return true;
    }
    return false;
}

/* connectivity:connection_started (quic-events-04 §connection_started): our
 * address is the source, the peer's the destination. */
static void write_started(app_trace *t, const quic_trace *ev)
{
    char src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "";
    unsigned sport = 0, dport = 0;
    bool v6 = false, v6b = false;
    if (!t->have_path ||
        !addr_parts(t->path.local, t->path.local_len, src, sizeof src, &sport, &v6) ||
        !addr_parts(t->path.remote, t->path.remote_len, dst, sizeof dst, &dport, &v6b))
        return;
    fprintf(t->qlog,
            "\x1e{\"time\":0,\"name\":\"connectivity:connection_started\",\"data\":{"
            "\"ip_version\":\"%s\",\"src_ip\":\"%s\",\"dst_ip\":\"%s\",\"protocol\":\"QUIC\","
            "\"src_port\":%u,\"dst_port\":%u}}\n",
            v6 ? "v6" : "v4", src, dst, sport, dport);
    (void)ev;
}

/* The file, named after the ODCID (main-schema-05 §9), at the first event. */
static bool qlog_ready(app_trace *t, const quic_trace *ev)
{
    if (t->qlog)
        return true;
    if (!t->dir || !ev->odcid_len)
        return false;
    char hex[2 * 20 + 1];
    size_t n = ev->odcid_len < 20 ? ev->odcid_len : 20;
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", ev->odcid[i]);
    hex[2 * n] = 0;
    size_t dl = strlen(t->dir);
    snprintf(t->path_name, sizeof t->path_name, "%s%s%s_%s.sqlog", t->dir,
             dl && t->dir[dl - 1] == '/' ? "" : "/", hex, t->who);
    t->qlog = fopen(t->path_name, "w");
    if (!t->qlog) {
        app_warn("%s: cannot write qlog file %s: %s", t->who, t->path_name, strerror(errno));
        t->dir = NULL;
        return false;
    }
    t->started = true;
    t->t0 = ev->now;
    /* reference_time (main-schema-05 §5.4, common_fields): the wall clock in
     * ms at the first event; event times are relative to it. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double ref = (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000) / 1000.0;
    /* RFC 7464 JSON text sequence: each record starts with RS (0x1e). */
    fprintf(t->qlog,
            "\x1e{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\",\"title\":\"quince %s\","
            "\"trace\":{\"vantage_point\":{\"name\":\"quince\",\"type\":\"%s\"},"
            "\"common_fields\":{\"ODCID\":\"%s\",\"group_id\":\"%s\",\"time_format\":\"relative\","
            "\"reference_time\":%.3f,\"protocol_type\":[\"QUIC\",\"HTTP3\"]}}}\n",
            t->who, t->who, hex, hex, ref);
    write_started(t, ev);
    return true;
}

/* Walks the plaintext frames of a packet: qlog array and/or -v lines. */
static void frames(app_trace *t, const quic_trace *ev, bool sent)
{
    qb_rd r;
    qb_rd_init(&r, ev->frames, ev->frames_len);
    bool first = true;
    while (qb_rd_left(&r)) {
        quic_frame fr;
        if (quic_frame_decode(&r, &fr) != 0)
            break;
        if (t->qlog) {
            if (!first)
                fputc(',', t->qlog);
            /* RFC 9000 §19.3: ACK Delay is scaled by the sender's exponent. */
            app_qlog_frame(t->qlog, &fr, sent ? t->ack_exp_local : t->ack_exp_peer);
        }
        if (t->verbose) {
            char line[300];
            quic_frame_describe(&fr, line, sizeof line);
            app_debug("%s:   %s %s", t->who, sent ? "->" : "<-", line);
        }
        first = false;
    }
}

static void qlog_head(app_trace *t, uint64_t now, const char *name)
{
    fprintf(t->qlog, "\x1e{\"time\":%.3f,\"name\":\"%s\",\"data\":{",
            (double)(now >= t->t0 ? now - t->t0 : 0) / 1000.0, name);
}

static void write_header(app_trace *t, const quic_trace *ev, bool pn)
{
    fprintf(t->qlog, "\"header\":{\"packet_type\":\"%s\"", pkt_name(ev->pkt_type));
    if (pn)
        fprintf(t->qlog, ",\"packet_number\":%" PRIu64, ev->pn);
    if (ev->scid) {
        fprintf(t->qlog, ",\"scid\":");
        app_qlog_hex(t->qlog, ev->scid, ev->scid_len);
    }
    if (ev->dcid) {
        fprintf(t->qlog, ",\"dcid\":");
        app_qlog_hex(t->qlog, ev->dcid, ev->dcid_len);
    }
    fputc('}', t->qlog);
}

/* quic-events-04 §packet_dropped: the trigger from the draft's list; our
 * reason goes into details. */
static const char *drop_trigger(const char *why)
{
    if (!why)
        return "general";
    if (!strcmp(why, "header protection") || !strcmp(why, "decryption failed"))
        return "decryption_failure";
    if (!strcmp(why, "duplicate"))
        return "rejected";
    if (strstr(why, "token") || strstr(why, "invalid") || strstr(why, "malformed"))
        return "invalid";
    return "general";
}

/* key_type (quic-events-04 §KeyType) of the keys one side sends with. */
static const char *key_type(const app_trace *t, quic_pkt_type level, bool ours)
{
    bool client = (strcmp(t->who, "client") == 0) == ours;
    switch (level) {
    case QUIC_PKT_INITIAL: return client ? "client_initial_secret" : "server_initial_secret";
    case QUIC_PKT_HANDSHAKE: return client ? "client_handshake_secret" : "server_handshake_secret";
    case QUIC_PKT_0RTT: return client ? "client_0rtt_secret" : "server_0rtt_secret";
    default: return client ? "client_1rtt_secret" : "server_1rtt_secret";
    }
}

/* security:key_updated / key_discarded, one per direction. The draft makes
 * "new" a required hexstring: the secret when a key log is written anyway
 * (log_secrets) and the connection has it, else the empty hexstring, so a
 * qlog file never is the only place a secret leaks to. A 1-RTT key update
 * (RFC 9001 §6) replaces keys, so it says which with "old" too: the secret
 * this trace logged last for that direction (the connection keeps none). */
static void write_keys(app_trace *t, const quic_trace *ev, bool discarded, const char *trigger,
                       uint64_t gen)
{
    bool one_rtt = ev->pkt_type == QUIC_PKT_1RTT;
    for (int ours = 0; ours < 2; ours++) {
        if (!(ours ? ev->key_tx : ev->key_rx))
            continue;
        qlog_head(t, ev->now, discarded ? "security:key_discarded" : "security:key_updated");
        fprintf(t->qlog, "\"key_type\":\"%s\"", key_type(t, ev->pkt_type, ours));
        if (!discarded) {
            const uint8_t *sec = ours ? ev->secret_tx : ev->secret_rx;
            size_t len = t->log_secrets && sec && ev->secret_len <= sizeof t->secret_1rtt[0]
                             ? ev->secret_len
                             : 0;
            if (one_rtt && ev->type == QUIC_TRACE_KEY_UPDATED) {
                fprintf(t->qlog, ",\"old\":");
                app_qlog_hex(t->qlog, t->secret_1rtt[ours], len ? t->secret_1rtt_len[ours] : 0);
            }
            fprintf(t->qlog, ",\"new\":");
            app_qlog_hex(t->qlog, sec, len);
            if (one_rtt && len)
                memcpy(t->secret_1rtt[ours], sec, len);
            if (one_rtt)
                t->secret_1rtt_len[ours] = len;
        }
        if (ev->pkt_type == QUIC_PKT_1RTT)
            fprintf(t->qlog, ",\"generation\":%" PRIu64, gen);
        fprintf(t->qlog, ",\"trigger\":\"%s\"}}\n", trigger);
    }
}

static void write_closed(app_trace *t, const quic_trace *ev)
{
    qlog_head(t, ev->now, "connectivity:connection_closed");
    /* quic-events-04 §connection_closed: owner, codes, reason, trigger. */
    const char *trigger = ev->close_idle    ? "idle_timeout"
                          : ev->close_reset ? "stateless_reset"
                          : (ev->close_code == 0 || (ev->close_app && ev->close_code == 0x100)) /* H3_NO_ERROR */
                              ? "clean"
                              : "error";
    fprintf(t->qlog, "\"owner\":\"%s\",\"%s\":", ev->close_by_peer ? "remote" : "local",
            ev->close_app ? "application_code" : "connection_code");
    app_qlog_error(t->qlog, ev->close_code, ev->close_app);
    fprintf(t->qlog, ",\"reason\":");
    app_qlog_str(t->qlog, (const uint8_t *)(ev->reason ? ev->reason : ""),
                 ev->reason ? strlen(ev->reason) : 0);
    fprintf(t->qlog, ",\"trigger\":\"%s\"}}\n", trigger);
}

static void write_qlog(app_trace *t, const quic_trace *ev)
{
    switch (ev->type) {
    case QUIC_TRACE_PACKET_SENT:
    case QUIC_TRACE_PACKET_RECEIVED:
        break; /* with the -v lines, below */
    case QUIC_TRACE_PACKET_DROPPED:
        qlog_head(t, ev->now, "transport:packet_dropped");
        write_header(t, ev, false);
        fprintf(t->qlog, ",\"raw\":{\"length\":%zu},\"details\":{\"reason\":", ev->size);
        app_qlog_str(t->qlog, (const uint8_t *)(ev->reason ? ev->reason : ""),
                     ev->reason ? strlen(ev->reason) : 0);
        fprintf(t->qlog, "},\"trigger\":\"%s\"}}\n", drop_trigger(ev->reason));
        break;
    case QUIC_TRACE_PACKET_LOST:
        qlog_head(t, ev->now, "recovery:packet_lost");
        write_header(t, ev, true);
        fprintf(t->qlog, "}}\n");
        break;
    case QUIC_TRACE_METRICS:
        qlog_head(t, ev->now, "recovery:metrics_updated");
        fprintf(t->qlog, "\"smoothed_rtt\":%.3f,\"min_rtt\":%.3f,\"latest_rtt\":%.3f,"
                         "\"rtt_variance\":%.3f,\"congestion_window\":%" PRIu64
                         ",\"bytes_in_flight\":%" PRIu64 "}}\n",
                ev->smoothed_rtt / 1000.0, ev->min_rtt / 1000.0, ev->latest_rtt / 1000.0,
                ev->rtt_var / 1000.0, ev->cwnd, ev->bytes_in_flight);
        break;
    case QUIC_TRACE_KEY_UPDATED: {
        /* RFC 9001 §6: each direction moves to the next generation (both at
         * once when the peer started it, ours first when we did); the keys we
         * sent with are gone at once. */
        const char *trig = ev->key_local ? "local_update" : "remote_update";
        write_keys(t, ev, false, trig, ev->key_gen);
        quic_trace old = *ev;
        old.key_rx = false;
        write_keys(t, &old, true, trig, ev->key_gen ? ev->key_gen - 1 : 0);
        break;
    }
    case QUIC_TRACE_KEYS_INSTALLED:
        write_keys(t, ev, false, "tls", 0);
        break;
    case QUIC_TRACE_KEYS_DISCARDED:
        write_keys(t, ev, true, "tls", 0);
        break;
    case QUIC_TRACE_PARAMS_SET:
        qlog_head(t, ev->now, "transport:parameters_set");
        fprintf(t->qlog, "\"owner\":\"%s\",", ev->params_remote ? "remote" : "local");
        app_qlog_tparams(t->qlog, ev->params);
        fprintf(t->qlog, "}}\n");
        break;
    case QUIC_TRACE_CLOSED:
        write_closed(t, ev);
        break;
    }
}

void app_trace_write(app_trace *t, const quic_trace *ev)
{
    if (ev->type == QUIC_TRACE_PARAMS_SET && ev->params) {
        unsigned e = (unsigned)ev->params->ack_delay_exponent;
        if (ev->params_remote)
            t->ack_exp_peer = e;
        else
            t->ack_exp_local = e;
    }
    t->last_now = ev->now;
    bool q = qlog_ready(t, ev);
    if (q) {
        write_version(t, ev->now);
        write_qlog(t, ev);
    }
    switch (ev->type) {
    case QUIC_TRACE_PACKET_SENT:
    case QUIC_TRACE_PACKET_RECEIVED: {
        bool sent = ev->type == QUIC_TRACE_PACKET_SENT;
        if (t->verbose)
            app_debug("%s: %s %s packet pn=%" PRIu64 " len=%zu", t->who, sent ? "sent" : "received",
                      pkt_name(ev->pkt_type), ev->pn, ev->size);
        if (q) {
            qlog_head(t, ev->now, sent ? "transport:packet_sent" : "transport:packet_received");
            write_header(t, ev, true);
            fprintf(t->qlog, ",\"raw\":{\"length\":%zu},\"frames\":[", ev->size);
        }
        frames(t, ev, sent);
        if (q)
            fprintf(t->qlog, "]}}\n");
        break;
    }
    case QUIC_TRACE_PACKET_DROPPED:
        if (t->verbose)
            app_debug("%s: dropped %s packet len=%zu: %s", t->who, pkt_name(ev->pkt_type), ev->size,
                      ev->reason ? ev->reason : "");
        break;
    case QUIC_TRACE_PACKET_LOST:
        if (t->verbose)
            app_debug("%s: lost %s packet pn=%" PRIu64, t->who, pkt_name(ev->pkt_type), ev->pn);
        break;
    case QUIC_TRACE_KEY_UPDATED:
        if (t->verbose && ev->key_tx)
            app_debug("%s: 1-RTT keys updated, key phase %u", t->who, ev->key_phase);
        else if (t->verbose)
            app_debug("%s: 1-RTT receive keys updated, key phase %u", t->who, ev->key_phase);
        break;
    case QUIC_TRACE_CLOSED:
        if (t->verbose)
            app_debug("%s: connection closed %s: %s", t->who,
                      ev->close_by_peer ? "by the peer" : "here", ev->reason ? ev->reason : "");
        break;
    default:
        break;
    }
}

/* h3-events-04 §HTTPFrame: the frame object of frame_created / frame_parsed. */
static void h3_frame_json(FILE *f, const h3_frame_trace *fr)
{
    switch (fr->type) {
    case H3_FRAME_DATA:
        fprintf(f, "{\"frame_type\":\"data\"}");
        return;
    case H3_FRAME_HEADERS:
    case H3_FRAME_PUSH_PROMISE:
        fprintf(f, "{\"frame_type\":\"%s\",", fr->type == H3_FRAME_HEADERS ? "headers" : "push_promise");
        if (fr->type == H3_FRAME_PUSH_PROMISE)
            fprintf(f, "\"push_id\":%" PRIu64 ",", fr->id);
        fprintf(f, "\"headers\":[");
        for (size_t i = 0; i < fr->n_fields; i++) {
            fprintf(f, "%s{\"name\":", i ? "," : "");
            app_qlog_str(f, fr->fields[i].name, fr->fields[i].name_len);
            fprintf(f, ",\"value\":");
            app_qlog_str(f, fr->fields[i].value, fr->fields[i].value_len);
            fputc('}', f);
        }
        fprintf(f, "]}");
        return;
    case H3_FRAME_SETTINGS: {
        const h3_settings *s = fr->settings;
        fprintf(f, "{\"frame_type\":\"settings\",\"settings\":[");
        if (s) {
            /* RFC 9114 §7.2.4.1, RFC 9204 §5, RFC 9297 §2.1.1, RFC 9220 §3. */
            if (s->has_max_field_section_size)
                fprintf(f, "{\"name\":\"SETTINGS_MAX_FIELD_SECTION_SIZE\",\"value\":%" PRIu64 "},",
                        s->max_field_section_size);
            fprintf(f, "{\"name\":\"SETTINGS_QPACK_MAX_TABLE_CAPACITY\",\"value\":%" PRIu64 "},"
                       "{\"name\":\"SETTINGS_QPACK_BLOCKED_STREAMS\",\"value\":%" PRIu64 "},"
                       "{\"name\":\"SETTINGS_H3_DATAGRAM\",\"value\":%u},"
                       "{\"name\":\"SETTINGS_ENABLE_CONNECT_PROTOCOL\",\"value\":%u}",
                    s->qpack_max_table_capacity, s->qpack_blocked_streams, s->h3_datagram,
                    s->enable_connect_protocol);
        }
        fprintf(f, "]}");
        return;
    }
    case H3_FRAME_GOAWAY:
        fprintf(f, "{\"frame_type\":\"goaway\",\"id\":%" PRIu64 "}", fr->id);
        return;
    case H3_FRAME_CANCEL_PUSH:
    case H3_FRAME_MAX_PUSH_ID:
        fprintf(f, "{\"frame_type\":\"%s\",\"push_id\":%" PRIu64 "}",
                fr->type == H3_FRAME_CANCEL_PUSH ? "cancel_push" : "max_push_id", fr->id);
        return;
    default:
        /* RFC 9114 §7.2.8: 0x1f * N + 0x21 are reserved (grease). */
        if (fr->type >= 0x21 && (fr->type - 0x21) % 0x1f == 0)
            fprintf(f, "{\"frame_type\":\"reserved\",\"length\":%" PRIu64 "}", fr->length);
        else
            fprintf(f, "{\"frame_type\":\"unknown\",\"frame_type_value\":%" PRIu64 "}", fr->type);
        return;
    }
}

void app_trace_h3_frame(app_trace *t, const h3_frame_trace *f)
{
    if (!t->qlog)
        return; /* h3 starts after the handshake: the file is open by then */
    qlog_head(t, t->last_now, f->sent ? "http:frame_created" : "http:frame_parsed");
    fprintf(t->qlog, "\"stream_id\":%" PRIu64 ",\"length\":%" PRIu64 ",\"frame\":", f->stream_id,
            f->length);
    h3_frame_json(t->qlog, f);
    fprintf(t->qlog, "}}\n");
}
