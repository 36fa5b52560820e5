/*
 * quince quic: CUBIC's curve (RFC 9438 §4.2), pure, for cc_cubic.c and its
 * tests. C = 0.4 segments/s^3 of max_datagram_size bytes; windows in bytes.
 */
#ifndef QUIC_CC_CUBIC_H
#define QUIC_CC_CUBIC_H

#include <stdint.h>

/* K = cbrt((W_max - cwnd_epoch) / C), in microseconds (ms resolution);
 * 0 when cwnd_epoch >= W_max. */
uint64_t quic_cc_cubic_k(uint64_t w_max, uint64_t cwnd_epoch, uint64_t max_datagram_size);
/* W_cubic(t) = C * (t - K)^3 + W_max, t and K in microseconds; never below 0. */
uint64_t quic_cc_cubic_w(uint64_t w_max, uint64_t k_us, uint64_t t_us,
                         uint64_t max_datagram_size);

#endif
