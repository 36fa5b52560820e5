/* qlog 0.3 JSON pieces (app_qlog.h), written from
 * draft-ietf-quic-qlog-quic-events-04 §QUIC Frames and §parameters_set. */
#include "app/app_qlog.h"

#include <inttypes.h>

void app_qlog_hex(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    fputc('"', f);
}

void app_qlog_str(FILE *f, const uint8_t *p, size_t n)
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

/* quic-events-04 §TransportError, in RFC 9000 §20.1 order (0x00..0x10). */
static const char *const transport_errors[] = {
    "no_error", "internal_error", "connection_refused", "flow_control_error",
    "stream_limit_error", "stream_state_error", "final_size_error", "frame_encoding_error",
    "transport_parameter_error", "connection_id_limit_error", "protocol_violation",
    "invalid_token", "application_error", "crypto_buffer_exceeded", "key_update_error",
    "aead_limit_reached", "no_viable_path",
};

/* h3-events-04 §HTTPApplicationError for RFC 9114 §8.1's codes 0x100..0x110.
 * 0x10e is H3_MESSAGE_ERROR in the RFC, which the draft's list lacks (its
 * "http_early_response" is an older draft's code): logged as a number. */
static const char *const h3_errors[] = {
    "http_no_error", "http_general_protocol_error", "http_internal_error",
    "http_stream_creation_error", "http_closed_critical_stream", "http_frame_unexpected",
    "http_frame_error", "http_excessive_load", "http_id_error", "http_settings_error",
    "http_missing_settings", "http_request_rejected", "http_request_cancelled",
    "http_request_incomplete", NULL, "http_connect_error", "http_version_fallback",
};

void app_qlog_error(FILE *f, uint64_t code, int app)
{
    if (app && code >= 0x100 && code - 0x100 < sizeof h3_errors / sizeof *h3_errors &&
        h3_errors[code - 0x100])
        fprintf(f, "\"%s\"", h3_errors[code - 0x100]);
    else if (!app && code < sizeof transport_errors / sizeof *transport_errors)
        fprintf(f, "\"%s\"", transport_errors[code]);
    else if (!app && code >= 0x100 && code <= 0x1ff) /* CRYPTO_ERROR, RFC 9001 §4.8 */
        fprintf(f, "\"crypto_error_0x%03" PRIx64 "\"", code);
    else if (code <= UINT32_MAX)
        fprintf(f, "%" PRIu64, code);
    else /* $ApplicationError / uint32 cannot say it: "unknown" by value */
        fprintf(f, "%" PRIu32, (uint32_t)UINT32_MAX);
}

static void ints_frame(FILE *f, const char *name, const char *k1, uint64_t v1, const char *k2,
                       uint64_t v2)
{
    fprintf(f, "{\"frame_type\":\"%s\",\"%s\":%" PRIu64, name, k1, v1);
    if (k2)
        fprintf(f, ",\"%s\":%" PRIu64, k2, v2);
    fputc('}', f);
}

static void ack_frame(FILE *f, const quic_frame *fr, unsigned exp)
{
    /* quic-events-04 §AckFrame: ack_delay in ms; a single packet as [n]. */
    double ms = (double)(fr->ack.ack_delay << (exp < 21 ? exp : 20)) / 1000.0;
    fprintf(f, "{\"frame_type\":\"ack\",\"ack_delay\":%.3f,\"acked_ranges\":[", ms);
    quic_ack_iter it;
    quic_ack_range r;
    quic_ack_iter_init(&it, fr);
    for (int i = 0; quic_ack_iter_next(&it, &r); i++) {
        if (r.smallest == r.largest)
            fprintf(f, "%s[%" PRIu64 "]", i ? "," : "", r.smallest);
        else
            fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "", r.smallest, r.largest);
    }
    fputc(']', f);
    if (fr->type == QUIC_FT_ACK_ECN)
        fprintf(f, ",\"ect0\":%" PRIu64 ",\"ect1\":%" PRIu64 ",\"ce\":%" PRIu64, fr->ack.ecn[0],
                fr->ack.ecn[1], fr->ack.ecn[2]);
    fputc('}', f);
}

static void close_frame(FILE *f, const quic_frame *fr)
{
    bool app = fr->type == QUIC_FT_CONNECTION_CLOSE_APP;
    fprintf(f, "{\"frame_type\":\"connection_close\",\"error_space\":\"%s\",\"error_code\":",
            app ? "application" : "transport");
    app_qlog_error(f, fr->close.error_code, app);
    fprintf(f, ",\"error_code_value\":%" PRIu64 ",\"reason\":", fr->close.error_code);
    app_qlog_str(f, fr->close.reason, fr->close.reason_len);
    if (!app)
        fprintf(f, ",\"trigger_frame_type\":%" PRIu64, fr->close.frame_type);
    fputc('}', f);
}

void app_qlog_frame(FILE *f, const quic_frame *fr, unsigned ack_delay_exp)
{
    uint64_t t = fr->type;
    if (t >= QUIC_FT_STREAM && t <= QUIC_FT_STREAM_MAX) {
        /* quic-events-04 §StreamFrame: fin only when true. */
        fprintf(f, "{\"frame_type\":\"stream\",\"stream_id\":%" PRIu64 ",\"offset\":%" PRIu64
                   ",\"length\":%zu%s}", fr->stream.stream_id, fr->stream.offset,
                fr->stream.len, (t & QUIC_FT_STREAM_BIT_FIN) ? ",\"fin\":true" : "");
        return;
    }
    switch (t) {
    case QUIC_FT_PADDING:
        fprintf(f, "{\"frame_type\":\"padding\",\"payload_length\":%" PRIu64 "}", fr->padding.count);
        return;
    case QUIC_FT_PING:
        fprintf(f, "{\"frame_type\":\"ping\"}");
        return;
    case QUIC_FT_ACK:
    case QUIC_FT_ACK_ECN:
        ack_frame(f, fr, ack_delay_exp);
        return;
    case QUIC_FT_RESET_STREAM:
        fprintf(f, "{\"frame_type\":\"reset_stream\",\"stream_id\":%" PRIu64 ",\"error_code\":",
                fr->reset_stream.stream_id);
        app_qlog_error(f, fr->reset_stream.app_error_code, 1);
        fprintf(f, ",\"final_size\":%" PRIu64 "}", fr->reset_stream.final_size);
        return;
    case QUIC_FT_STOP_SENDING:
        fprintf(f, "{\"frame_type\":\"stop_sending\",\"stream_id\":%" PRIu64 ",\"error_code\":",
                fr->stop_sending.stream_id);
        app_qlog_error(f, fr->stop_sending.app_error_code, 1);
        fputc('}', f);
        return;
    case QUIC_FT_CRYPTO:
        fprintf(f, "{\"frame_type\":\"crypto\",\"offset\":%" PRIu64 ",\"length\":%zu}",
                fr->crypto.offset, fr->crypto.len);
        return;
    case QUIC_FT_NEW_TOKEN:
        fprintf(f, "{\"frame_type\":\"new_token\",\"token\":{\"raw\":{\"length\":%zu}}}",
                fr->new_token.len);
        return;
    case QUIC_FT_MAX_DATA:
        ints_frame(f, "max_data", "maximum", fr->max_data.max, NULL, 0);
        return;
    case QUIC_FT_MAX_STREAM_DATA:
        ints_frame(f, "max_stream_data", "stream_id", fr->max_stream_data.stream_id, "maximum",
                   fr->max_stream_data.max);
        return;
    case QUIC_FT_MAX_STREAMS_BIDI:
    case QUIC_FT_MAX_STREAMS_UNI:
        fprintf(f, "{\"frame_type\":\"max_streams\",\"stream_type\":\"%s\",\"maximum\":%" PRIu64 "}",
                t == QUIC_FT_MAX_STREAMS_BIDI ? "bidirectional" : "unidirectional",
                fr->max_streams.max);
        return;
    case QUIC_FT_DATA_BLOCKED:
        ints_frame(f, "data_blocked", "limit", fr->data_blocked.limit, NULL, 0);
        return;
    case QUIC_FT_STREAM_DATA_BLOCKED:
        ints_frame(f, "stream_data_blocked", "stream_id", fr->stream_data_blocked.stream_id,
                   "limit", fr->stream_data_blocked.limit);
        return;
    case QUIC_FT_STREAMS_BLOCKED_BIDI:
    case QUIC_FT_STREAMS_BLOCKED_UNI:
        fprintf(f, "{\"frame_type\":\"streams_blocked\",\"stream_type\":\"%s\",\"limit\":%" PRIu64 "}",
                t == QUIC_FT_STREAMS_BLOCKED_BIDI ? "bidirectional" : "unidirectional",
                fr->streams_blocked.limit);
        return;
    case QUIC_FT_NEW_CONNECTION_ID:
        /* quic-events-04 §NewConnectionIDFrame: connection_id is required. */
        fprintf(f, "{\"frame_type\":\"new_connection_id\",\"sequence_number\":%" PRIu64
                   ",\"retire_prior_to\":%" PRIu64 ",\"connection_id_length\":%u,\"connection_id\":",
                fr->new_cid.seq, fr->new_cid.retire_prior_to, (unsigned)fr->new_cid.cid_len);
        app_qlog_hex(f, fr->new_cid.cid, fr->new_cid.cid_len);
        fprintf(f, ",\"stateless_reset_token\":");
        app_qlog_hex(f, fr->new_cid.reset_token, sizeof fr->new_cid.reset_token);
        fputc('}', f);
        return;
    case QUIC_FT_RETIRE_CONNECTION_ID:
        ints_frame(f, "retire_connection_id", "sequence_number", fr->retire_cid.seq, NULL, 0);
        return;
    case QUIC_FT_PATH_CHALLENGE:
    case QUIC_FT_PATH_RESPONSE:
        fprintf(f, "{\"frame_type\":\"%s\",\"data\":",
                t == QUIC_FT_PATH_CHALLENGE ? "path_challenge" : "path_response");
        app_qlog_hex(f, fr->path.data, sizeof fr->path.data);
        fputc('}', f);
        return;
    case QUIC_FT_CONNECTION_CLOSE:
    case QUIC_FT_CONNECTION_CLOSE_APP:
        close_frame(f, fr);
        return;
    case QUIC_FT_HANDSHAKE_DONE:
        fprintf(f, "{\"frame_type\":\"handshake_done\"}");
        return;
    case QUIC_FT_DATAGRAM:
    case QUIC_FT_DATAGRAM_LEN:
        /* RFC 9221: not in quic-events-04; logged through the $QuicFrame plug. */
        fprintf(f, "{\"frame_type\":\"datagram\",\"length\":%zu}", fr->datagram.len);
        return;
    default:
        fprintf(f, "{\"frame_type\":\"unknown\",\"frame_type_value\":%" PRIu64 "}", t);
        return;
    }
}

static void tp_int(FILE *f, const char *k, uint64_t v)
{
    fprintf(f, ",\"%s\":%" PRIu64, k, v);
}

static void tp_cid(FILE *f, const char *k, const quic_tp_cid *c)
{
    fprintf(f, ",\"%s\":", k);
    app_qlog_hex(f, c->bytes, c->len);
}

void app_qlog_tparams(FILE *f, const quic_tparams *tp)
{
    fprintf(f, "\"disable_active_migration\":%s", tp->disable_active_migration ? "true" : "false");
    if (tp->has_original_dcid)
        tp_cid(f, "original_destination_connection_id", &tp->original_dcid);
    if (tp->has_initial_scid)
        tp_cid(f, "initial_source_connection_id", &tp->initial_scid);
    if (tp->has_retry_scid)
        tp_cid(f, "retry_source_connection_id", &tp->retry_scid);
    if (tp->has_stateless_reset_token) {
        fprintf(f, ",\"stateless_reset_token\":");
        app_qlog_hex(f, tp->stateless_reset_token, sizeof tp->stateless_reset_token);
    }
    tp_int(f, "max_idle_timeout", tp->max_idle_timeout);
    tp_int(f, "max_udp_payload_size", tp->max_udp_payload_size);
    tp_int(f, "ack_delay_exponent", tp->ack_delay_exponent);
    tp_int(f, "max_ack_delay", tp->max_ack_delay);
    tp_int(f, "active_connection_id_limit", tp->active_connection_id_limit);
    tp_int(f, "initial_max_data", tp->initial_max_data);
    tp_int(f, "initial_max_stream_data_bidi_local", tp->initial_max_stream_data_bidi_local);
    tp_int(f, "initial_max_stream_data_bidi_remote", tp->initial_max_stream_data_bidi_remote);
    tp_int(f, "initial_max_stream_data_uni", tp->initial_max_stream_data_uni);
    tp_int(f, "initial_max_streams_bidi", tp->initial_max_streams_bidi);
    tp_int(f, "initial_max_streams_uni", tp->initial_max_streams_uni);
    /* RFC 9221 §3: an extension parameter ("any number of unspecified fields"). */
    if (tp->has_max_datagram_frame_size)
        tp_int(f, "max_datagram_frame_size", tp->max_datagram_frame_size);
}
