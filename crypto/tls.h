/**
 * quince TLS 1.3 handshake engine for QUIC (RFC 8446, RFC 9001 §4, §8).
 *
 * Sans-I/O and pull-based: the QUIC layer feeds in-order CRYPTO stream bytes
 * per encryption level with tls_conn_recv(), pulls bytes to send per level with
 * tls_conn_get_output()/tls_conn_consume_output(), and pulls events (traffic
 * secrets, peer transport parameters, completion, errors) with
 * tls_conn_next_event(). There are no records, no ChangeCipherSpec and no
 * middlebox compatibility mode: QUIC carries the handshake messages directly.
 *
 * How a QUIC connection drives it:
 *   c = tls_conn_new(&cfg, my_transport_params, len);
 *   client: tls_conn_start(c);                      (ClientHello at INITIAL)
 *   loop:
 *     for each level: tls_conn_get_output(c, level, &p, &n) -> CRYPTO frames
 *                     at that level; tls_conn_consume_output(c, level, n)
 *     while (tls_conn_next_event(c, &ev)):
 *       SECRET          install ev.secret for (ev.level, ev.dir) (RFC 9001 §5.1)
 *                       before sending the output of that level
 *       PEER_TP         tls_conn_peer_tp() -> parse transport parameters
 *       HANDSHAKE_DONE  client: handshake complete; server: also confirmed
 *                       (send HANDSHAKE_DONE, RFC 9001 §4.1.2)
 *       ERROR           close with CRYPTO_ERROR 0x100 + ev.alert
 *     CRYPTO frame data in order -> tls_conn_recv(c, level, data, len)
 * Secrets come in this order: client: HANDSHAKE read+write after the
 * ServerHello, APPLICATION read+write after the server Finished; server:
 * HANDSHAKE read+write and APPLICATION write after the ClientHello,
 * APPLICATION read after the client Finished.
 * @file
 */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_rand.h"
#include "crypto/cx_x509.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Which side of the handshake. */
typedef enum tls_role {
    TLS_ROLE_CLIENT = 0, /**< sends the ClientHello */
    TLS_ROLE_SERVER = 1, /**< answers it */
} tls_role;

/** QUIC encryption levels that carry CRYPTO frames (RFC 9001 §4.1.4). */
typedef enum tls_level {
    TLS_LEVEL_INITIAL = 0,     /**< Initial packets (ClientHello, ServerHello) */
    TLS_LEVEL_HANDSHAKE = 1,   /**< Handshake packets (EncryptedExtensions .. Finished) */
    TLS_LEVEL_APPLICATION = 2, /**< 1-RTT packets (NewSessionTicket) */
    /** 0-RTT (RFC 9001 §4.6.1): only in SECRET events (client WRITE, server
     * READ), never CRYPTO data: TLS_LEVEL_COUNT leaves it out. */
    TLS_LEVEL_EARLY = 3,
} tls_level;
#define TLS_LEVEL_COUNT 3 /**< the number of tls_level values */

/** Direction of a traffic secret. */
typedef enum tls_dir {
    TLS_DIR_READ = 0,  /**< to open packets from the peer */
    TLS_DIR_WRITE = 1, /**< to protect packets we send */
} tls_dir;

/** RFC 8446 §B.4 cipher suites. */
enum {
    TLS_AES_128_GCM_SHA256 = 0x1301, /**< AES-128-GCM with SHA-256 */
    TLS_AES_256_GCM_SHA384 = 0x1302, /**< AES-256-GCM with SHA-384 */
    TLS_CHACHA20_POLY1305_SHA256 = 0x1303, /**< ChaCha20-Poly1305 with SHA-256 */
};

/** RFC 8446 §6 alert descriptions used here. */
enum {
    TLS_ALERT_CLOSE_NOTIFY = 0, /**< alert close_notify (RFC 8446 §6) */
    TLS_ALERT_UNEXPECTED_MESSAGE = 10, /**< alert unexpected_message (RFC 8446 §6) */
    TLS_ALERT_BAD_RECORD_MAC = 20, /**< alert bad_record_mac (RFC 8446 §6) */
    TLS_ALERT_RECORD_OVERFLOW = 22, /**< alert record_overflow (RFC 8446 §6) */
    TLS_ALERT_HANDSHAKE_FAILURE = 40, /**< alert handshake_failure (RFC 8446 §6) */
    TLS_ALERT_BAD_CERTIFICATE = 42, /**< alert bad_certificate (RFC 8446 §6) */
    TLS_ALERT_UNSUPPORTED_CERTIFICATE = 43, /**< alert unsupported_certificate (RFC 8446 §6) */
    TLS_ALERT_CERTIFICATE_REVOKED = 44, /**< alert certificate_revoked (RFC 8446 §6) */
    TLS_ALERT_CERTIFICATE_EXPIRED = 45, /**< alert certificate_expired (RFC 8446 §6) */
    TLS_ALERT_CERTIFICATE_UNKNOWN = 46, /**< alert certificate_unknown (RFC 8446 §6) */
    TLS_ALERT_ILLEGAL_PARAMETER = 47, /**< alert illegal_parameter (RFC 8446 §6) */
    TLS_ALERT_UNKNOWN_CA = 48, /**< alert unknown_ca (RFC 8446 §6) */
    TLS_ALERT_ACCESS_DENIED = 49, /**< alert access_denied (RFC 8446 §6) */
    TLS_ALERT_DECODE_ERROR = 50, /**< alert decode_error (RFC 8446 §6) */
    TLS_ALERT_DECRYPT_ERROR = 51, /**< alert decrypt_error (RFC 8446 §6) */
    TLS_ALERT_PROTOCOL_VERSION = 70, /**< alert protocol_version (RFC 8446 §6) */
    TLS_ALERT_INSUFFICIENT_SECURITY = 71, /**< alert insufficient_security (RFC 8446 §6) */
    TLS_ALERT_INTERNAL_ERROR = 80, /**< alert internal_error (RFC 8446 §6) */
    TLS_ALERT_INAPPROPRIATE_FALLBACK = 86, /**< alert inappropriate_fallback (RFC 8446 §6) */
    TLS_ALERT_USER_CANCELED = 90, /**< alert user_canceled (RFC 8446 §6) */
    TLS_ALERT_MISSING_EXTENSION = 109, /**< alert missing_extension (RFC 8446 §6) */
    TLS_ALERT_UNSUPPORTED_EXTENSION = 110, /**< alert unsupported_extension (RFC 8446 §6) */
    TLS_ALERT_UNRECOGNIZED_NAME = 112, /**< alert unrecognized_name (RFC 8446 §6) */
    TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113, /**< alert bad_certificate_status_response (RFC 8446 §6) */
    TLS_ALERT_UNKNOWN_PSK_IDENTITY = 115, /**< alert unknown_psk_identity (RFC 8446 §6) */
    TLS_ALERT_CERTIFICATE_REQUIRED = 116, /**< alert certificate_required (RFC 8446 §6) */
    TLS_ALERT_NO_APPLICATION_PROTOCOL = 120, /**< alert no_application_protocol (RFC 8446 §6) */
};

/** Internal error codes (-200..-499). A handshake failure is -(200 + alert), so
 * every failure carries the alert the QUIC layer sends as CRYPTO_ERROR
 * 0x100 + alert (RFC 9001 §4.8); tls_err_alert() gives it back. */
#define TLS_ERR_ALERT(a) (-(200 + (int)(a)))
enum {
    TLS_ERR_UNEXPECTED = TLS_ERR_ALERT(TLS_ALERT_UNEXPECTED_MESSAGE),     /**< -210 */
    TLS_ERR_HANDSHAKE = TLS_ERR_ALERT(TLS_ALERT_HANDSHAKE_FAILURE),       /**< -240 */
    TLS_ERR_BAD_CERT = TLS_ERR_ALERT(TLS_ALERT_BAD_CERTIFICATE),          /**< -242 */
    TLS_ERR_ILLEGAL = TLS_ERR_ALERT(TLS_ALERT_ILLEGAL_PARAMETER),         /**< -247 */
    TLS_ERR_DECODE = TLS_ERR_ALERT(TLS_ALERT_DECODE_ERROR),               /**< -250 */
    TLS_ERR_DECRYPT = TLS_ERR_ALERT(TLS_ALERT_DECRYPT_ERROR),             /**< -251 */
    TLS_ERR_VERSION = TLS_ERR_ALERT(TLS_ALERT_PROTOCOL_VERSION),          /**< -270 */
    TLS_ERR_INTERNAL = TLS_ERR_ALERT(TLS_ALERT_INTERNAL_ERROR),           /**< -280 */
    TLS_ERR_MISSING_EXT = TLS_ERR_ALERT(TLS_ALERT_MISSING_EXTENSION),     /**< -309 */
    TLS_ERR_UNSUPPORTED_EXT = TLS_ERR_ALERT(TLS_ALERT_UNSUPPORTED_EXTENSION), /**< -310 */
    TLS_ERR_NO_ALPN = TLS_ERR_ALERT(TLS_ALERT_NO_APPLICATION_PROTOCOL),   /**< -320 */
    /** Not alerts: misuse of the API. */
    TLS_ERR_ARG = -480,    /**< bad argument or configuration */
    TLS_ERR_STATE = -481,  /**< call not valid in this state */
    TLS_ERR_FAILED = -482, /**< the connection already failed */
};
/** The alert of an error code from this module, 80 (internal_error) otherwise. */
uint8_t tls_err_alert(int err);
/** Words for an alert, e.g. "no_application_protocol". */
const char *tls_alert_str(uint8_t alert);

/** Key log hook: one NSS key log line (no newline) per secret (SSLKEYLOGFILE). */
typedef void (*tls_keylog_fn)(void *ud, const char *line);
/** Severity of a log message of the handshake. */
typedef enum tls_log_level {
    TLS_LOG_DEBUG, /**< details for study */
    TLS_LOG_INFO,  /**< notable steps */
    TLS_LOG_WARN,  /**< e.g. certificate verification disabled */
    TLS_LOG_ERROR, /**< the handshake failed */
} tls_log_level;
/** Log hook: one message (no newline) at a level. */
typedef void (*tls_log_fn)(void *ud, tls_log_level lvl, const char *msg);

#define TLS_MAX_ALPN 8    /**< ALPN protocols a config holds */
#define TLS_MAX_SUITES 3  /**< cipher suites a config holds */
#define TLS_MAX_GROUPS 4  /**< key exchange groups a config holds */
#define TLS_MAX_SIGALGS 8 /**< signature schemes a config holds */

/** Server ticket keys (RFC 8446 §4.6.1): tickets are self-contained, sealed
 * with AES-256-GCM under the current key; tls_ticket_keys_rotate() makes a
 * fresh current key and keeps the one before for opening only, so a ticket
 * outlives one rotation but not two (then the handshake is a full one). */
typedef struct tls_ticket_keys tls_ticket_keys;
/** New keys drawn from random (NULL = libcrypto); NULL on failure. */
tls_ticket_keys *tls_ticket_keys_new(const qb_alloc *a, cx_rand_fn random, void *random_ud);
/** The current key becomes the previous one; a new current key. 0 or TLS_ERR_INTERNAL. */
int tls_ticket_keys_rotate(tls_ticket_keys *k);
/** Frees and wipes; NULL allowed. */
void tls_ticket_keys_free(tls_ticket_keys *k);

/** Wall clock in milliseconds since 1970 (ticket ages cross processes). */
typedef int64_t (*tls_clock_fn)(void *ud);
/** Client: a session to resume later (RFC 8446 §4.6.1), one per
 * NewSessionTicket: opaque bytes for the caller's store, given back as
 * tls_config.session. The bytes are valid only during the call. */
typedef void (*tls_session_fn)(void *ud, const uint8_t *session, size_t len);

#define TLS_DEFAULT_TICKET_LIFETIME 86400 /**< seconds (RFC 8446 §4.6.1 allows up to 604800) */

/** How a handshake is set up: tls_config_init(), then fill in what differs.
 * The connection keeps a pointer: it and what it points to must outlive it. */
typedef struct tls_config {
    tls_role role; /**< client or server */
    /** ALPN protocols in preference order (RFC 7301); mandatory in QUIC. */
    const char *alpn[TLS_MAX_ALPN];
    size_t alpn_count; /**< entries used in alpn */
    /** Client: the server name sent in SNI (DNS names only) and checked against
     * the certificate (a DNS name or an IP literal, RFC 9525 §6.3, §6.4).
     * Required unless insecure_skip_verify; tls_conn_new refuses a name that
     * is not a valid DNS name or address (cx_x509_host_kind_of). */
    const char *server_name;
    /** Certificate chain and private key (cx_x509_chain_load_pem): required
     * for a server; a client sends it when the server asks (else an empty
     * Certificate, RFC 8446 §4.4.2). */
    const cx_x509_chain *chain;
    /** Trust anchors (cx_x509_trust_new) for the peer's certificate: required
     * for a client unless insecure_skip_verify, which logs a warning on every
     * handshake; required for a server that requests client certificates. */
    const cx_x509_trust *trust;
    bool insecure_skip_verify; /**< client: accept any certificate (tests only) */
    /** Server: send a CertificateRequest (RFC 8446 §4.3.2); with require,
     * a client without a certificate gets certificate_required. */
    bool request_client_cert;
    bool require_client_cert; /**< server: refuse a client without one */
    /** Seconds since 1970 to check certificate validity at; 0 = the current time. */
    int64_t verify_time;
    /** Cipher suites, groups, signature schemes in preference order; zero
     * counts mean the defaults: AES-128-GCM, AES-256-GCM, ChaCha20;
     * x25519, secp256r1, secp384r1; every scheme of cx_sig.h. */
    uint16_t suites[TLS_MAX_SUITES];
    size_t suite_count;                /**< entries used in suites */
    uint16_t groups[TLS_MAX_GROUPS];   /**< named groups (RFC 8446 §4.2.7) */
    size_t group_count;                /**< entries used in groups */
    uint16_t sigalgs[TLS_MAX_SIGALGS]; /**< signature schemes (RFC 8446 §4.2.3) */
    size_t sigalg_count;               /**< entries used in sigalgs */
    /** Client: how many groups (from the front) get a key share in the first
     * ClientHello; 0 means 1. Server: ignored. */
    size_t key_share_count;
    /** Largest handshake message accepted (default 65536). */
    size_t max_message_size;
    cx_rand_fn random; /**< NULL = libcrypto */
    void *random_ud;   /**< passed to random */
    tls_keylog_fn keylog; /**< NULL = none */
    void *keylog_ud;   /**< passed to keylog */
    tls_log_fn log; /**< NULL = none */
    void *log_ud;      /**< passed to log */
    const qb_alloc *alloc; /**< NULL = malloc */
    /** Server: keys to seal tickets with; NULL = no tickets and no resumption. */
    tls_ticket_keys *ticket_keys;
    size_t ticket_count;      /**< server: tickets after a handshake (0 = 1) */
    uint32_t ticket_lifetime; /**< server: seconds (0 = TLS_DEFAULT_TICKET_LIFETIME) */
    /** Server: tickets carry early_data with max_early_data_size 0xffffffff
     * (RFC 9001 §4.6.1), and a ClientHello that offers early data with such a
     * ticket may have it accepted (RFC 8446 §4.2.10: same suite and ALPN, the
     * first ClientHello, the ticket age within the window, and the binder not
     * seen before, §8). Off: no 0-RTT (resumption still works). */
    bool ticket_early_data;
    /** Server: tickets allow early data as above, but 0-RTT is refused
     * ("disabled"); the handshake still resumes (quince server --no-0rtt). */
    bool refuse_early_data;
    /** Client: offer 0-RTT (RFC 8446 §4.2.10) when the session's ticket allows
     * early data; its key comes out as a SECRET event of TLS_LEVEL_EARLY. */
    bool early_data;
    tls_clock_fn clock; /**< NULL = the system's real-time clock */
    void *clock_ud;     /**< passed to clock */
    /** Client: a session from on_session to resume; NULL or unusable (another
     * server name, expired, bad bytes) = a full handshake. */
    const uint8_t *session;
    size_t session_len;      /**< bytes at session */
    tls_session_fn on_session; /**< client: where new sessions go (NULL = dropped) */
    void *session_ud;          /**< passed to on_session */
} tls_config;

/** Fills in the defaults (client role, no ALPN). */
void tls_config_init(tls_config *cfg, tls_role role);

/** A handshake in progress (opaque): tls_conn_new(), tls_conn_free(). */
typedef struct tls_conn tls_conn;

/** A new connection; cfg (and what it points to) must outlive it. The local
 * transport parameters are copied. NULL on bad config or no memory. */
tls_conn *tls_conn_new(const tls_config *cfg, const uint8_t *local_tp, size_t tp_len);
/** Frees c and wipes its secrets; NULL allowed. */
void tls_conn_free(tls_conn *c);

/** Server, before any input: the transport parameters given to tls_conn_new
 * are not final. After the ClientHello (its PEER_TP event comes before the
 * Handshake secrets), the flight from EncryptedExtensions on waits until
 * tls_conn_set_local_tp gives them: a QUIC server that negotiates the version
 * from the client's parameters (RFC 9368 §2.3) announces it in its own. */
int tls_conn_defer_local_tp(tls_conn *c);
/** Server that deferred: our transport parameters (copied); sends the rest of
 * the flight when the ClientHello was already taken. 0 or a negative code. */
int tls_conn_set_local_tp(tls_conn *c, const uint8_t *tp, size_t len);

/** Client: queues the ClientHello at TLS_LEVEL_INITIAL. */
int tls_conn_start(tls_conn *c);

/** In-order CRYPTO stream bytes of a level. Returns 0 or a negative code; on
 * failure the connection is dead and tls_conn_alert() says what to send. */
int tls_conn_recv(tls_conn *c, tls_level level, const uint8_t *data, size_t len);

/** Bytes waiting to be sent at a level (n = 0 when none); then say how many
 * were taken. The pointer stays valid until the next call on c. */
void tls_conn_get_output(tls_conn *c, tls_level level, const uint8_t **p, size_t *n);
/** The first n bytes of tls_conn_get_output() at level were sent. */
void tls_conn_consume_output(tls_conn *c, tls_level level, size_t n);

/** What tls_conn_next_event() reports. */
typedef enum tls_event_type {
    TLS_EVENT_NONE = 0,         /**< no event */
    TLS_EVENT_SECRET,           /**< a traffic secret for level/dir is ready */
    TLS_EVENT_PEER_TP,          /**< peer transport parameters available */
    TLS_EVENT_HANDSHAKE_DONE,   /**< both Finished exchanged and verified */
    TLS_EVENT_ERROR,            /**< handshake failed: alert */
} tls_event_type;

#define TLS_SECRET_MAX 48 /**< the longest traffic secret (SHA-384) */

/** One event of a handshake (tls_conn_next_event()). */
typedef struct tls_event {
    tls_event_type type; /**< what happened */
    tls_level level;     /**< SECRET */
    tls_dir dir;         /**< SECRET */
    uint16_t suite;      /**< SECRET */
    uint8_t secret[TLS_SECRET_MAX]; /**< SECRET: the traffic secret (wipe after use) */
    size_t secret_len;              /**< SECRET: its length */
    uint8_t alert;       /**< ERROR */
} tls_event;

/** Next event (1) or none (0). Secrets come out in the order the QUIC layer
 * must install them. */
int tls_conn_next_event(tls_conn *c, tls_event *ev);

/** Both Finished messages were exchanged and verified. */
bool tls_conn_is_done(const tls_conn *c);
/** Alert to send after a failure (0 when none), and the reason in words. */
uint8_t tls_conn_alert(const tls_conn *c);
const char *tls_conn_reason(const tls_conn *c); /**< why it failed (static or owned by c) */
/** After the handshake (or once known): */
const char *tls_conn_alpn(const tls_conn *c);     /**< NUL-terminated, NULL if none */
/** Server: the host_name the client sent in server_name, NULL if none. */
const char *tls_conn_server_name(const tls_conn *c);
uint16_t tls_conn_suite(const tls_conn *c);  /**< the negotiated cipher suite (0: not yet) */
uint16_t tls_conn_group(const tls_conn *c);  /**< the key exchange group (0: not yet) */
uint16_t tls_conn_sigalg(const tls_conn *c); /**< the server's signature scheme (0: not yet) */
bool tls_conn_did_hrr(const tls_conn *c);     /**< a HelloRetryRequest was exchanged */
/** The peer's quic_transport_parameters extension (n = 0 before
 * TLS_EVENT_PEER_TP); *p is owned by c and valid while c lives. */
void tls_conn_peer_tp(const tls_conn *c, const uint8_t **p, size_t *n);
/** The exporter_master_secret (RFC 8446 §7.5); 0 or TLS_ERR_STATE. */
int tls_conn_exporter_secret(const tls_conn *c, uint8_t *out, size_t *len);
/** Server: the client presented a certificate that verified. */
bool tls_conn_peer_authenticated(const tls_conn *c);
/** Tickets the client received (each handed to on_session). */
size_t tls_conn_ticket_count(const tls_conn *c);
/** Bytes of a handshake message received in part and waiting for the rest
 * (any level): the engine cannot be dropped without losing them. */
size_t tls_conn_partial_input(const tls_conn *c);
/** The handshake was a resumption with a ticket (RFC 8446 §2.2): no
 * Certificate or CertificateVerify; known once the ServerHello is handled. */
bool tls_conn_resumed(const tls_conn *c);
/** Server, before the client Finished: opaque bytes sealed into the tickets
 * (the QUIC layer's transport parameters and HTTP/3 SETTINGS that 0-RTT must
 * remember, RFC 9000 §7.4.1); copied. After resumption the ticket's bytes come
 * back with tls_conn_ticket_app_data(). 0 or a negative code. */
int tls_conn_set_ticket_app_data(tls_conn *c, const uint8_t *p, size_t n);
/** Server: the app data of the ticket this handshake resumed (n = 0 if none). */
void tls_conn_ticket_app_data(const tls_conn *c, const uint8_t **p, size_t *n);

/** 0-RTT (RFC 8446 §4.2.10) as far as this end knows. */
typedef enum tls_early_state {
    TLS_EARLY_NONE = 0, /**< not offered (or not yet known to a server) */
    TLS_EARLY_OFFERED,  /**< client: offered, no answer yet */
    TLS_EARLY_ACCEPTED, /**< early_data in EncryptedExtensions */
    TLS_EARLY_REJECTED, /**< offered and refused (tls_conn_early_reason) */
} tls_early_state;
/** Where 0-RTT stands; a server knows after the ClientHello. */
tls_early_state tls_conn_early_data(const tls_conn *c);
/** Why 0-RTT was refused (a static string), NULL otherwise. */
const char *tls_conn_early_reason(const tls_conn *c);
/** Server, after the ClientHello and before EncryptedExtensions went (the
 * QUIC layer, which deferred its transport parameters, decides here): the
 * 0-RTT TLS would accept is refused, for reason (static). 0 or TLS_ERR_STATE. */
int tls_conn_reject_early_data(tls_conn *c, const char *reason);

/** What a stored session holds (tls_session_parse). Pointers into the bytes. */
typedef struct tls_session_info {
    uint16_t suite;             /**< cipher suite of the original connection */
    char alpn[256];             /**< NUL-terminated ALPN of the original connection */
    char server_name[256];      /**< NUL-terminated server name it was made for */
    int64_t received_ms;        /**< when the ticket came (clock) */
    uint32_t lifetime;          /**< seconds */
    uint32_t max_early_data;    /**< 0: no 0-RTT with this ticket */
    const uint8_t *peer_tp;     /**< the server's transport parameters then */
    size_t peer_tp_len;         /**< their length */
} tls_session_info;
/** Parses stored session bytes; 0 or TLS_ERR_DECODE. */
int tls_session_parse(const uint8_t *p, size_t n, tls_session_info *out);
/** The session may be offered to server_name at now_ms (not expired). */
bool tls_session_usable(const uint8_t *p, size_t n, const char *server_name, int64_t now_ms);

#ifdef __cplusplus
}
#endif

#endif
