/** QUIC packet types (RFC 9000 §17) as one enum shared by the packet codec, the
 * frame table (RFC 9000 §12.4, Table 3) and the connection. 
 * @file
 */
#ifndef QUIC_PKT_TYPE_H
#define QUIC_PKT_TYPE_H

#ifdef __cplusplus
extern "C" {
#endif

/** Packet types (RFC 9000 §17). */
typedef enum quic_pkt_type {
    QUIC_PKT_INITIAL = 0,   /**< long header, type 0x0 in v1 */
    QUIC_PKT_0RTT = 1,      /**< long header, type 0x1 in v1 */
    QUIC_PKT_HANDSHAKE = 2, /**< long header, type 0x2 in v1 */
    QUIC_PKT_RETRY = 3,     /**< long header, type 0x3 in v1 */
    QUIC_PKT_1RTT = 4,      /**< short header */
    QUIC_PKT_VN = 5,        /**< Version Negotiation (version 0) */
} quic_pkt_type;

/** Packet number spaces (RFC 9000 §12.3); 0-RTT and 1-RTT share APPLICATION. */
typedef enum quic_pn_space {
    QUIC_SPACE_INITIAL = 0, /**< Initial packets */
    QUIC_SPACE_HANDSHAKE = 1, /**< Handshake packets */
    QUIC_SPACE_APPLICATION = 2, /**< 0-RTT and 1-RTT packets */
} quic_pn_space;

#ifdef __cplusplus
}
#endif

#endif
