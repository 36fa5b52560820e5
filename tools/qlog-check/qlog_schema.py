"""JSON schema of the qlog 0.3 JSON-SEQ files quince writes, written from
draft-ietf-quic-qlog-main-schema-05, -quic-events-04 and -h3-events-04
(/work/shared/specs, qlog_version "0.3"). Each event name maps to one typed
data object; a name not listed here, or data that does not match its CDDL,
is an error. Fields the drafts mark optional are optional; unknown fields are
refused except where the draft says "any number of unspecified fields"."""

HEX = {"type": "string", "pattern": "^([0-9a-f]{2})*$"}
U = {"type": "integer", "minimum": 0}
U8 = {"type": "integer", "minimum": 0, "maximum": 255}
U16 = {"type": "integer", "minimum": 0, "maximum": 65535}
U32 = {"type": "integer", "minimum": 0, "maximum": 4294967295}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
TEXT = {"type": "string"}
OWNER = {"enum": ["local", "remote"]}
TOKEN16 = {"type": "string", "pattern": "^[0-9a-f]{32}$"}


def obj(required, optional=None, extra=False):
    props = dict(required)
    props.update(optional or {})
    return {"type": "object", "required": list(required), "properties": props,
            "additionalProperties": extra}


def const(v):
    return {"const": v}


RAW = obj({}, {"length": U, "payload_length": U, "data": HEX})
PACKET_TYPE = {"enum": ["initial", "handshake", "0RTT", "1RTT", "retry",
                        "version_negotiation", "stateless_reset", "unknown"]}
HEADER = obj({"packet_type": PACKET_TYPE},
             {"packet_number": U, "flags": U8, "token": {"type": "object"}, "length": U16,
              "version": HEX, "scil": U8, "dcil": U8, "scid": HEX, "dcid": HEX})
TRANSPORT_ERROR = {"enum": [
    "no_error", "internal_error", "connection_refused", "flow_control_error",
    "stream_limit_error", "stream_state_error", "final_size_error",
    "frame_encoding_error", "transport_parameter_error", "connection_id_limit_error",
    "protocol_violation", "invalid_token", "application_error",
    "crypto_buffer_exceeded", "key_update_error", "aead_limit_reached",
    "no_viable_path"]}
CRYPTO_ERROR = {"type": "string", "pattern": "^crypto_error_0x1[0-9a-f][0-9a-f]$"}
H3_ERROR = {"enum": [
    "http_no_error", "http_general_protocol_error", "http_internal_error",
    "http_stream_creation_error", "http_closed_critical_stream",
    "http_frame_unexpected", "http_frame_error", "http_excessive_load",
    "http_id_error", "http_settings_error", "http_missing_settings",
    "http_request_rejected", "http_request_cancelled", "http_request_incomplete",
    "http_early_response", "http_connect_error", "http_version_fallback"]}
LEN = {"length": U32, "payload_length": U32}
STREAM_TYPE = {"enum": ["unidirectional", "bidirectional"]}


def frame(name, required=None, optional=None):
    req = {"frame_type": const(name)}
    req.update(required or {})
    opt = dict(LEN)
    opt.update(optional or {})
    return obj(req, opt)


ACK_RANGE = {"type": "array", "items": U, "minItems": 1, "maxItems": 2}
QUIC_FRAMES = [
    frame("padding", {"payload_length": U32}),
    frame("ping"),
    frame("ack", {}, {"ack_delay": NUM, "acked_ranges": {"type": "array", "items": ACK_RANGE,
                                                         "minItems": 1},
                      "ect1": U, "ect0": U, "ce": U}),
    frame("reset_stream", {"stream_id": U, "error_code": {"anyOf": [H3_ERROR, U32]},
                           "final_size": U}),
    frame("stop_sending", {"stream_id": U, "error_code": {"anyOf": [H3_ERROR, U32]}}),
    obj({"frame_type": const("crypto"), "offset": U, "length": U}, {"payload_length": U32}),
    frame("new_token", {"token": {"type": "object"}}),
    obj({"frame_type": const("stream"), "stream_id": U, "offset": U, "length": U},
        {"fin": const(True), "raw": RAW, "payload_length": U32}),
    frame("max_data", {"maximum": U}),
    frame("max_stream_data", {"stream_id": U, "maximum": U}),
    frame("max_streams", {"stream_type": STREAM_TYPE, "maximum": U}),
    frame("data_blocked", {"limit": U}),
    frame("stream_data_blocked", {"stream_id": U, "limit": U}),
    frame("streams_blocked", {"stream_type": STREAM_TYPE, "limit": U}),
    frame("new_connection_id", {"sequence_number": U32, "retire_prior_to": U32,
                                "connection_id": HEX},
          {"connection_id_length": U8, "stateless_reset_token": TOKEN16}),
    frame("retire_connection_id", {"sequence_number": U32}),
    frame("path_challenge", {}, {"data": HEX}),
    frame("path_response", {}, {"data": HEX}),
    frame("connection_close", {}, {
        "error_space": {"enum": ["transport", "application"]},
        "error_code": {"anyOf": [TRANSPORT_ERROR, CRYPTO_ERROR, H3_ERROR, U32]},
        "error_code_value": U, "reason": TEXT,
        "trigger_frame_type": {"anyOf": [U, TEXT]}}),
    frame("handshake_done"),
    obj({"frame_type": const("unknown"), "frame_type_value": U}, {"raw": RAW, **LEN}),
    # RFC 9221 DATAGRAM: quic-events-04 predates it; logged through the
    # $QuicFrame extension point with the fields of the other data frames.
    frame("datagram", {}, {"raw": RAW}),
]
QUIC_FRAME = {"oneOf": QUIC_FRAMES}
FRAMES = {"type": "array", "items": QUIC_FRAME}

HTTP_FIELD = obj({"name": TEXT, "value": TEXT})
HTTP_FRAMES = [
    obj({"frame_type": const("data")}, {"raw": RAW}),
    obj({"frame_type": const("headers"), "headers": {"type": "array", "items": HTTP_FIELD}}),
    obj({"frame_type": const("cancel_push"), "push_id": U}),
    obj({"frame_type": const("settings"),
         "settings": {"type": "array", "items": obj({"name": TEXT, "value": U})}}),
    obj({"frame_type": const("push_promise"), "push_id": U,
         "headers": {"type": "array", "items": HTTP_FIELD}}),
    obj({"frame_type": const("goaway"), "id": U}),
    obj({"frame_type": const("max_push_id"), "push_id": U}),
    obj({"frame_type": const("reserved")}, {"length": U}),
    obj({"frame_type": const("unknown"), "frame_type_value": U}, {"raw": RAW}),
]
HTTP_FRAME_EVENT = obj({"stream_id": U, "frame": {"oneOf": HTTP_FRAMES}},
                       {"length": U, "raw": RAW})

KEY_TYPE = {"enum": ["server_initial_secret", "client_initial_secret",
                     "server_handshake_secret", "client_handshake_secret",
                     "server_0rtt_secret", "client_0rtt_secret",
                     "server_1rtt_secret", "client_1rtt_secret"]}
KEY_TRIGGER = {"enum": ["tls", "remote_update", "local_update"]}

EVENTS = {
    "connectivity:connection_started": obj(
        {"src_ip": TEXT, "dst_ip": TEXT},
        {"ip_version": {"enum": ["v4", "v6"]}, "protocol": TEXT, "src_port": U16,
         "dst_port": U16, "src_cid": HEX, "dst_cid": HEX}),
    "connectivity:connection_closed": obj({}, {
        "owner": OWNER,
        "connection_code": {"anyOf": [TRANSPORT_ERROR, CRYPTO_ERROR, U32]},
        "application_code": {"anyOf": [H3_ERROR, U32]},
        "internal_code": U32, "reason": TEXT,
        "trigger": {"enum": ["clean", "handshake_timeout", "idle_timeout", "error",
                             "stateless_reset", "version_mismatch", "application"]}}),
    "transport:version_information": obj({}, {
        "server_versions": {"type": "array", "items": HEX, "minItems": 1},
        "client_versions": {"type": "array", "items": HEX, "minItems": 1},
        "chosen_version": HEX}),
    "transport:parameters_set": obj({}, {
        "owner": OWNER, "resumption_allowed": BOOL, "early_data_enabled": BOOL,
        "tls_cipher": TEXT, "aead_tag_length": U8,
        "original_destination_connection_id": HEX, "initial_source_connection_id": HEX,
        "retry_source_connection_id": HEX, "stateless_reset_token": TOKEN16,
        "disable_active_migration": BOOL, "max_idle_timeout": U,
        "max_udp_payload_size": U32, "ack_delay_exponent": U16, "max_ack_delay": U16,
        "active_connection_id_limit": U32, "initial_max_data": U,
        "initial_max_stream_data_bidi_local": U, "initial_max_stream_data_bidi_remote": U,
        "initial_max_stream_data_uni": U, "initial_max_streams_bidi": U,
        "initial_max_streams_uni": U, "preferred_address": {"type": "object"}},
        extra=True),  # "can contain any number of unspecified fields"
    "transport:packet_sent": obj({"header": HEADER}, {
        "frames": FRAMES, "is_coalesced": BOOL, "raw": RAW, "datagram_id": U32,
        "is_mtu_probe_packet": BOOL, "supported_versions": {"type": "array", "items": HEX},
        "trigger": {"enum": ["retransmit_reordered", "retransmit_timeout", "pto_probe",
                             "retransmit_crypto", "cc_bandwidth_probe"]}}),
    "transport:packet_received": obj({"header": HEADER}, {
        "frames": FRAMES, "is_coalesced": BOOL, "raw": RAW, "datagram_id": U32,
        "supported_versions": {"type": "array", "items": HEX},
        "trigger": const("keys_available")}),
    "transport:packet_dropped": obj({}, {
        "header": HEADER, "raw": RAW, "datagram_id": U32, "details": {"type": "object"},
        "trigger": {"enum": ["internal_error", "rejected", "unsupported", "invalid",
                             "connection_unknown", "decryption_failure", "general"]}}),
    # "needed for 1RTT key updates": a key update (trigger local_update or
    # remote_update) replaces keys, so it also says which (old) and their
    # generation; quince writes the empty hexstring where no key log is.
    "security:key_updated": {"allOf": [
        obj({"key_type": KEY_TYPE, "new": HEX},
            {"old": HEX, "generation": U32, "trigger": KEY_TRIGGER}),
        {"if": {"required": ["trigger"],
                "properties": {"trigger": {"enum": ["remote_update", "local_update"]}}},
         "then": {"required": ["old", "generation"],
                  "properties": {"key_type": {"enum": ["server_1rtt_secret",
                                                       "client_1rtt_secret"]}}}}]},
    "security:key_discarded": obj({"key_type": KEY_TYPE},
                                  {"key": HEX, "generation": U32, "trigger": KEY_TRIGGER}),
    "recovery:metrics_updated": obj({}, {
        "min_rtt": NUM, "smoothed_rtt": NUM, "latest_rtt": NUM, "rtt_variance": NUM,
        "pto_count": U16, "congestion_window": U, "bytes_in_flight": U, "ssthresh": U,
        "packets_in_flight": U, "pacing_rate": U}, extra=True),
    "recovery:packet_lost": obj({}, {
        "header": HEADER, "frames": FRAMES, "is_mtu_probe_packet": BOOL,
        "trigger": {"enum": ["reordering_threshold", "time_threshold", "pto_expired"]}}),
    "http:frame_created": HTTP_FRAME_EVENT,
    "http:frame_parsed": HTTP_FRAME_EVENT,
}

# main-schema-05 §6.1 (QlogFileSeq, TraceSeq) and §5 (common_fields).
VANTAGE = obj({"type": {"enum": ["client", "server", "network", "unknown"]}},
              {"name": TEXT, "flow": {"enum": ["client", "server", "network", "unknown"]}})
COMMON = obj({}, {"group_id": TEXT, "ODCID": HEX, "protocol_type": {"type": "array",
                                                                   "items": TEXT},
                  "reference_time": NUM,
                  "time_format": {"enum": ["absolute", "delta", "relative"]}}, extra=True)
HEADER_RECORD = obj({"qlog_format": const("JSON-SEQ"), "qlog_version": const("0.3"),
                     "trace": obj({}, {"title": TEXT, "description": TEXT,
                                       "configuration": {"type": "object"},
                                       "common_fields": COMMON, "vantage_point": VANTAGE})},
                    {"title": TEXT, "description": TEXT, "summary": {"type": "object"}})
EVENT_ENVELOPE = obj({"time": NUM, "name": {"enum": sorted(EVENTS)}, "data": {"type": "object"}},
                     {"group_id": TEXT, "protocol_type": {"type": "array", "items": TEXT},
                      "time_format": TEXT})
