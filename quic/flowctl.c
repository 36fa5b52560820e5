/* Flow-control credit, RFC 9000 §4; see flowctl.h. */
#include "quic/flowctl.h"

#include "base/qb.h"

void quic_flowctl_tx_init(quic_flowctl_tx *tx, uint64_t initial_limit)
{
    tx->limit = initial_limit;
    tx->sent = 0;
    tx->blocked_sent = false;
}

int quic_flowctl_tx_consume(quic_flowctl_tx *tx, uint64_t n)
{
    if (n > tx->limit - tx->sent)
        return QUIC_FLOWCTL_ERR_OVERSEND;
    tx->sent += n;
    return 0;
}

bool quic_flowctl_tx_update(quic_flowctl_tx *tx, uint64_t new_limit)
{
    if (new_limit <= tx->limit)
        return false; /* reordered or repeated frame */
    tx->limit = new_limit;
    tx->blocked_sent = false;
    return true;
}

bool quic_flowctl_tx_blocked_needed(const quic_flowctl_tx *tx)
{
    return tx->sent >= tx->limit && !tx->blocked_sent;
}

void quic_flowctl_rx_init(quic_flowctl_rx *rx, uint64_t window)
{
    if (window > QB_VARINT_MAX)
        window = QB_VARINT_MAX;
    rx->limit = window;
    rx->window = window;
    rx->received = 0;
    rx->consumed = 0;
}

int quic_flowctl_rx_on_offset(quic_flowctl_rx *rx, uint64_t end, uint64_t *delta)
{
    *delta = 0;
    if (end > QB_VARINT_MAX)
        return QUIC_FLOWCTL_ERR_RANGE;
    if (end > rx->limit)
        return QUIC_FLOWCTL_ERR_EXCEEDED; /* RFC 9000 §4.1 */
    if (end > rx->received) {
        *delta = end - rx->received;
        rx->received = end;
    }
    return 0;
}

int quic_flowctl_rx_add(quic_flowctl_rx *rx, uint64_t n)
{
    if (n > rx->limit - rx->received)
        return QUIC_FLOWCTL_ERR_EXCEEDED;
    rx->received += n;
    return 0;
}

void quic_flowctl_rx_on_consumed(quic_flowctl_rx *rx, uint64_t n)
{
    if (n > rx->received - rx->consumed)
        n = rx->received - rx->consumed;
    rx->consumed += n;
}

uint64_t quic_flowctl_rx_next_limit(const quic_flowctl_rx *rx)
{
    if (rx->window > QB_VARINT_MAX - rx->consumed)
        return QB_VARINT_MAX;
    return rx->consumed + rx->window;
}

bool quic_flowctl_rx_update_needed(const quic_flowctl_rx *rx)
{
    /* Credit left to the peer has fallen to half the window or less. */
    uint64_t next = quic_flowctl_rx_next_limit(rx);
    return next > rx->limit && next - rx->limit >= rx->window / 2 && rx->window > 0;
}

void quic_flowctl_rx_on_update_sent(quic_flowctl_rx *rx, uint64_t new_limit)
{
    if (new_limit > rx->limit && new_limit <= QB_VARINT_MAX)
        rx->limit = new_limit;
}
