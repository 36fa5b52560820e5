/* -v lines and qlog files from the connection's trace hook (app_trace.h). */
#include "app/app_trace.h"

#include "app/app_log.h"
#include "quic/frame.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

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

int app_trace_open(app_trace *t, const char *who, bool verbose, const char *dir, char *err,
                   size_t errlen)
{
    static unsigned n;
    memset(t, 0, sizeof *t);
    t->who = who;
    t->verbose = verbose;
    if (!dir)
        return 0;
    snprintf(t->path, sizeof t->path, "%s/quince-%s-%d-%u.sqlog", dir, who, (int)getpid(), n++);
    t->qlog = fopen(t->path, "w");
    if (!t->qlog) {
        snprintf(err, errlen, "cannot write qlog file %s: %s", t->path, strerror(errno));
        return -1;
    }
    /* RFC 7464 JSON text sequence: each record starts with RS (0x1e). */
    fprintf(t->qlog,
            "\x1e{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\",\"title\":\"quince %s\","
            "\"trace\":{\"vantage_point\":{\"name\":\"quince\",\"type\":\"%s\"},"
            "\"common_fields\":{\"time_format\":\"relative\",\"protocol_type\":[\"QUIC\",\"HTTP3\"]}}}\n",
            who, who);
    return 0;
}

void app_trace_close(app_trace *t)
{
    if (t->qlog)
        fclose(t->qlog);
    t->qlog = NULL;
}

/* A JSON string of printable ASCII (reasons come from the peer). */
static void json_str(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, f);
        else
            fprintf(f, "\\u%04x", c);
    }
    fputc('"', f);
}

static void frame_json(FILE *f, const quic_frame *fr)
{
    uint64_t t = fr->type;
    char name[40];
    const char *n = quic_frame_type_name(t);
    size_t k = 0;
    for (; n[k] && k < sizeof name - 1; k++)
        name[k] = (char)(n[k] >= 'A' && n[k] <= 'Z' ? n[k] + 32 : n[k]);
    name[k] = 0;
    if (t >= QUIC_FT_STREAM && t <= QUIC_FT_STREAM_MAX) {
        fprintf(f, "{\"frame_type\":\"stream\",\"stream_id\":%" PRIu64 ",\"offset\":%" PRIu64
                   ",\"length\":%zu,\"fin\":%s}", fr->stream.stream_id, fr->stream.offset,
                fr->stream.len, (t & QUIC_FT_STREAM_BIT_FIN) ? "true" : "false");
        return;
    }
    switch (t) {
    case QUIC_FT_PADDING:
        fprintf(f, "{\"frame_type\":\"padding\",\"payload_length\":%" PRIu64 "}", fr->padding.count);
        return;
    case QUIC_FT_ACK:
    case QUIC_FT_ACK_ECN: {
        fprintf(f, "{\"frame_type\":\"ack\",\"ack_delay_raw\":%" PRIu64 ",\"acked_ranges\":[",
                fr->ack.ack_delay);
        quic_ack_iter it;
        quic_ack_range r;
        quic_ack_iter_init(&it, fr);
        for (int i = 0; quic_ack_iter_next(&it, &r); i++)
            fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "", r.smallest, r.largest);
        fprintf(f, "]}");
        return;
    }
    case QUIC_FT_CRYPTO:
        fprintf(f, "{\"frame_type\":\"crypto\",\"offset\":%" PRIu64 ",\"length\":%zu}",
                fr->crypto.offset, fr->crypto.len);
        return;
    case QUIC_FT_DATAGRAM:
    case QUIC_FT_DATAGRAM_LEN:
        fprintf(f, "{\"frame_type\":\"datagram\",\"length\":%zu}", fr->datagram.len);
        return;
    case QUIC_FT_CONNECTION_CLOSE:
    case QUIC_FT_CONNECTION_CLOSE_APP:
        fprintf(f, "{\"frame_type\":\"connection_close\",\"error_space\":\"%s\",\"error_code\":%" PRIu64
                   ",\"reason\":", t == QUIC_FT_CONNECTION_CLOSE ? "transport" : "application",
                fr->close.error_code);
        json_str(f, fr->close.reason, fr->close.reason_len);
        fputc('}', f);
        return;
    case QUIC_FT_MAX_DATA:
        fprintf(f, "{\"frame_type\":\"max_data\",\"maximum\":%" PRIu64 "}", fr->max_data.max);
        return;
    case QUIC_FT_MAX_STREAM_DATA:
        fprintf(f, "{\"frame_type\":\"max_stream_data\",\"stream_id\":%" PRIu64 ",\"maximum\":%" PRIu64 "}",
                fr->max_stream_data.stream_id, fr->max_stream_data.max);
        return;
    case QUIC_FT_NEW_CONNECTION_ID:
        fprintf(f, "{\"frame_type\":\"new_connection_id\",\"sequence_number\":%" PRIu64
                   ",\"retire_prior_to\":%" PRIu64 ",\"connection_id_length\":%u}",
                fr->new_cid.seq, fr->new_cid.retire_prior_to, (unsigned)fr->new_cid.cid_len);
        return;
    default:
        fprintf(f, "{\"frame_type\":\"%s\"}", name);
        return;
    }
}

/* Walks the plaintext frames of a packet: qlog array and/or -v lines. */
static void frames(app_trace *t, const quic_trace *ev, const char *dir)
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
            frame_json(t->qlog, &fr);
        }
        if (t->verbose) {
            char line[300];
            quic_frame_describe(&fr, line, sizeof line);
            app_debug("%s:   %s %s", t->who, dir, line);
        }
        first = false;
    }
}

static void qlog_head(app_trace *t, const quic_trace *ev, const char *name)
{
    if (!t->started) {
        t->started = true;
        t->t0 = ev->now;
    }
    fprintf(t->qlog, "\x1e{\"time\":%.3f,\"name\":\"%s\",\"data\":{", (double)(ev->now - t->t0) / 1000.0,
            name);
}

void app_trace_write(app_trace *t, const quic_trace *ev)
{
    switch (ev->type) {
    case QUIC_TRACE_PACKET_SENT:
    case QUIC_TRACE_PACKET_RECEIVED: {
        bool sent = ev->type == QUIC_TRACE_PACKET_SENT;
        if (t->verbose)
            app_debug("%s: %s %s packet pn=%" PRIu64 " len=%zu", t->who, sent ? "sent" : "received",
                      pkt_name(ev->pkt_type), ev->pn, ev->size);
        if (t->qlog) {
            qlog_head(t, ev, sent ? "transport:packet_sent" : "transport:packet_received");
            fprintf(t->qlog, "\"header\":{\"packet_type\":\"%s\",\"packet_number\":%" PRIu64
                             "},\"raw\":{\"length\":%zu},\"frames\":[",
                    pkt_name(ev->pkt_type), ev->pn, ev->size);
        }
        frames(t, ev, sent ? "->" : "<-");
        if (t->qlog)
            fprintf(t->qlog, "]}}\n");
        break;
    }
    case QUIC_TRACE_PACKET_DROPPED:
        if (t->verbose)
            app_debug("%s: dropped %s packet len=%zu: %s", t->who, pkt_name(ev->pkt_type), ev->size,
                      ev->reason ? ev->reason : "");
        if (t->qlog) {
            qlog_head(t, ev, "transport:packet_dropped");
            fprintf(t->qlog, "\"header\":{\"packet_type\":\"%s\"},\"raw\":{\"length\":%zu},\"trigger\":",
                    pkt_name(ev->pkt_type), ev->size);
            json_str(t->qlog, (const uint8_t *)(ev->reason ? ev->reason : ""),
                     ev->reason ? strlen(ev->reason) : 0);
            fprintf(t->qlog, "}}\n");
        }
        break;
    case QUIC_TRACE_PACKET_LOST:
        if (t->verbose)
            app_debug("%s: lost %s packet pn=%" PRIu64, t->who, pkt_name(ev->pkt_type), ev->pn);
        if (t->qlog) {
            qlog_head(t, ev, "recovery:packet_lost");
            fprintf(t->qlog, "\"header\":{\"packet_type\":\"%s\",\"packet_number\":%" PRIu64 "}}}\n",
                    pkt_name(ev->pkt_type), ev->pn);
        }
        break;
    case QUIC_TRACE_METRICS:
        if (t->qlog) {
            qlog_head(t, ev, "recovery:metrics_updated");
            fprintf(t->qlog, "\"smoothed_rtt\":%.3f,\"min_rtt\":%.3f,\"latest_rtt\":%.3f,"
                             "\"rtt_variance\":%.3f,\"congestion_window\":%" PRIu64
                             ",\"bytes_in_flight\":%" PRIu64 "}}\n",
                    ev->smoothed_rtt / 1000.0, ev->min_rtt / 1000.0, ev->latest_rtt / 1000.0,
                    ev->rtt_var / 1000.0, ev->cwnd, ev->bytes_in_flight);
        }
        break;
    case QUIC_TRACE_KEY_UPDATED:
        if (t->verbose)
            app_debug("%s: 1-RTT keys updated, key phase %u", t->who, ev->key_phase);
        if (t->qlog) {
            qlog_head(t, ev, "security:key_updated");
            fprintf(t->qlog, "\"key_type\":\"client_1rtt_secret\",\"key_phase\":%u,\"trigger\":\"remote_update\"}}\n",
                    ev->key_phase);
        }
        break;
    case QUIC_TRACE_CLOSED:
        if (t->verbose)
            app_debug("%s: connection closed: %s", t->who, ev->reason ? ev->reason : "");
        if (t->qlog) {
            qlog_head(t, ev, "connectivity:connection_closed");
            fprintf(t->qlog, "\"trigger\":");
            json_str(t->qlog, (const uint8_t *)(ev->reason ? ev->reason : ""),
                     ev->reason ? strlen(ev->reason) : 0);
            fprintf(t->qlog, "}}\n");
        }
        break;
    }
}
