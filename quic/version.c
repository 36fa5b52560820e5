/* QUIC version rules (quic/version.h; RFC 9368, RFC 9369 §4). */
#include "quic/version.h"

#include "quic/packet.h"

size_t quic_versions_of(const quic_config *cfg, uint32_t out[QUIC_VERSIONS_MAX])
{
    size_t n = 0;
    for (size_t i = 0; i < QUIC_VERSIONS_MAX && cfg->versions[i]; i++)
        if (quic_version_supported(cfg->versions[i]) &&
            !quic_versions_has(out, n, cfg->versions[i]))
            out[n++] = cfg->versions[i];
    if (n == 0) {
        out[n++] = QUIC_VERSION_1;
        out[n++] = QUIC_VERSION_2;
    }
    return n;
}

bool quic_versions_has(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

uint32_t quic_version_first(const quic_config *cfg)
{
    uint32_t v[QUIC_VERSIONS_MAX];
    quic_versions_of(cfg, v);
    return cfg->version && quic_version_supported(cfg->version) ? cfg->version : v[0];
}

bool quic_version_compatible(uint32_t from, uint32_t to)
{
    /* RFC 9369 §4: "version 2 meets the definition ... of a compatible
     * version with version 1, and version 1 is compatible with version 2". */
    bool a = from == QUIC_VERSION_1 || from == QUIC_VERSION_2;
    bool b = to == QUIC_VERSION_1 || to == QUIC_VERSION_2;
    return from == to || (a && b);
}

uint32_t quic_version_select(const uint32_t *ours, size_t n, const uint32_t *offered, size_t m)
{
    for (size_t i = 0; i < n; i++)
        if (quic_versions_has(offered, m, ours[i]))
            return ours[i];
    return 0;
}

uint32_t quic_version_negotiate(const quic_config *cfg, uint32_t chosen,
                                const quic_tp_version_info *vi)
{
    uint32_t ours[QUIC_VERSIONS_MAX];
    size_t n = quic_versions_of(cfg, ours);
    uint32_t want = cfg->version;
    /* §2.3: only to a version the client listed, we speak, and its first
     * flight converts to; §4: without its Version Information, no switch. */
    if (!vi || !want || want == chosen || !quic_versions_has(ours, n, want) ||
        !quic_versions_has(vi->available, vi->n_available, want) ||
        !quic_version_compatible(chosen, want))
        return chosen;
    return want;
}

void quic_version_info_local(const quic_config *cfg, uint32_t chosen, quic_tp_version_info *vi)
{
    uint32_t ours[QUIC_VERSIONS_MAX];
    size_t n = quic_versions_of(cfg, ours);
    vi->chosen = chosen;
    vi->n_available = 0;
    /* §3: a client's Chosen Version is among its Available Versions. */
    if (!cfg->is_server && !quic_versions_has(ours, n, chosen))
        vi->available[vi->n_available++] = chosen;
    for (size_t i = 0; i < n; i++)
        vi->available[vi->n_available++] = ours[i];
}

const char *quic_version_check_server(const quic_config *cfg, const quic_tparams *tp,
                                      uint32_t negotiated, uint32_t attempted, bool after_vn)
{
    uint32_t ours[QUIC_VERSIONS_MAX];
    size_t n = quic_versions_of(cfg, ours);
    if (!tp->has_version_info) {
        /* §4: required after a Version Negotiation packet; a server that
         * moved us to another version (RFC 9369 §4) must say so too. */
        if (after_vn)
            return "no version_information after Version Negotiation";
        if (negotiated != attempted)
            return "version changed without version_information";
        return NULL;
    }
    const quic_tp_version_info *vi = &tp->version_info;
    /* §4: the server's Chosen Version is the version of its packets, and
     * one we offered. */
    if (vi->chosen != negotiated)
        return "server's Chosen Version is not the version of its packets";
    if (!quic_versions_has(ours, n, vi->chosen) && vi->chosen != attempted)
        return "server's Chosen Version was not among our Available Versions";
    if (after_vn) {
        /* §4: we would have picked the same version from a Version
         * Negotiation packet listing the server's Available Versions and
         * the Negotiated Version. */
        if (vi->n_available == 0)
            return "server lists no Available Versions after Version Negotiation";
        uint32_t offered[QUIC_TP_VERSIONS_MAX + 1];
        size_t m = 0;
        for (size_t i = 0; i < vi->n_available; i++)
            offered[m++] = vi->available[i];
        offered[m++] = negotiated;
        if (quic_version_select(ours, n, offered, m) != attempted)
            return "server's Available Versions show a downgrade";
    }
    return NULL;
}
