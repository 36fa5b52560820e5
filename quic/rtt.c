/* RTT estimation, RFC 9002 §5; see rtt.h. */
#include "quic/rtt.h"

void quic_rtt_init(quic_rtt *r, uint64_t initial_rtt)
{
    if (initial_rtt == 0)
        initial_rtt = QUIC_RTT_INITIAL;
    r->latest = 0;
    r->min = 0;
    r->smoothed = initial_rtt;
    r->var = initial_rtt / 2;
    r->has_sample = false;
    r->first_sample_time = 0;
}

void quic_rtt_update(quic_rtt *r, uint64_t latest_rtt, uint64_t ack_delay,
                     uint64_t max_ack_delay, bool handshake_confirmed, uint64_t now)
{
    r->latest = latest_rtt;
    if (!r->has_sample) {
        /* §5.3: the first sample resets the estimator. */
        r->has_sample = true;
        r->first_sample_time = now;
        r->min = latest_rtt;
        r->smoothed = latest_rtt;
        r->var = latest_rtt / 2;
        return;
    }
    /* §5.2: min_rtt ignores the acknowledgment delay. */
    if (latest_rtt < r->min)
        r->min = latest_rtt;
    /* §5.3: cap by max_ack_delay only after handshake confirmation. */
    if (handshake_confirmed && ack_delay > max_ack_delay)
        ack_delay = max_ack_delay;
    uint64_t adjusted = latest_rtt;
    if (latest_rtt >= r->min + ack_delay)
        adjusted = latest_rtt - ack_delay;
    uint64_t dev = r->smoothed > adjusted ? r->smoothed - adjusted : adjusted - r->smoothed;
    r->var = (3 * r->var + dev) / 4;
    r->smoothed = (7 * r->smoothed + adjusted) / 8;
}

uint64_t quic_rtt_pto_base(const quic_rtt *r)
{
    uint64_t v = 4 * r->var;
    if (v < QUIC_RTT_GRANULARITY)
        v = QUIC_RTT_GRANULARITY;
    return r->smoothed + v;
}

uint64_t quic_rtt_loss_delay(const quic_rtt *r)
{
    uint64_t base = r->latest > r->smoothed ? r->latest : r->smoothed;
    uint64_t d = base + base / 8; /* 9/8 */
    return d < QUIC_RTT_GRANULARITY ? QUIC_RTT_GRANULARITY : d;
}

void quic_rtt_reset_min(quic_rtt *r)
{
    if (r->has_sample)
        r->min = r->latest;
}
