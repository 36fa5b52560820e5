/* Request and response header validation (RFC 9114 §4.2, §4.3, §4.4; RFC 9220 §3;
 * RFC 9297 §3.4). A malformed message is a stream error H3_MESSAGE_ERROR (§4.1.2). */
#include "h3/h3.h"

#include <string.h>

static bool h3_str_is(const uint8_t *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && memcmp(p, lit, l) == 0;
}

/* RFC 9110 §5.1 token characters, lowercase only (§4.2: uppercase is malformed). */
static bool h3_name_char_ok(uint8_t c)
{
    if (c >= 'a' && c <= 'z')
        return true;
    if (c >= '0' && c <= '9')
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 9110 §5.5 field-content, which RFC 9114 §10.3 requires of every value: visible
 * characters (VCHAR and obs-text 0x80-0xff) with SP and HTAB only between them. So no
 * CTL but HTAB (NUL, CR and LF among them), no DEL, nothing blank at either end. */
static bool h3_value_ok(const uint8_t *v, size_t n)
{
    if (n == 0)
        return true;
    if (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
            return false;
    return true;
}

/* Checks a field's name and value; pseudo-headers get their ':' skipped. */
static int h3_field_check(const h3_field *f)
{
    if (f->name_len == 0)
        return H3_ERR_MSG_NAME;
    size_t i = f->name[0] == ':' ? 1 : 0;
    if (i == f->name_len)
        return H3_ERR_MSG_NAME;
    for (; i < f->name_len; i++)
        if (!h3_name_char_ok(f->name[i]))
            return H3_ERR_MSG_NAME;
    return h3_value_ok(f->value, f->value_len) ? 0 : H3_ERR_MSG_VALUE;
}

/* §4.2: connection-specific fields are malformed; TE only as "trailers". */
static int h3_field_regular_check(const h3_field *f)
{
    static const char *const conn_specific[] = {
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
    };
    for (size_t i = 0; i < sizeof conn_specific / sizeof conn_specific[0]; i++)
        if (h3_str_is(f->name, f->name_len, conn_specific[i]))
            return H3_ERR_MSG_CONN_SPECIFIC;
    if (h3_str_is(f->name, f->name_len, "te") && !h3_str_is(f->value, f->value_len, "trailers"))
        return H3_ERR_MSG_CONN_SPECIFIC;
    return 0;
}

enum { H3_PS_METHOD, H3_PS_SCHEME, H3_PS_AUTHORITY, H3_PS_PATH, H3_PS_PROTOCOL, H3_PS_N };
static const char *const h3_req_pseudo[H3_PS_N] = {
    ":method", ":scheme", ":authority", ":path", ":protocol",
};

int h3_request_validate(const h3_field *f, size_t n, bool ext_connect_allowed,
                        h3_request_head *out)
{
    memset(out, 0, sizeof *out);
    h3_str *slot[H3_PS_N] = {&out->method, &out->scheme, &out->authority, &out->path,
                             &out->protocol};
    bool seen[H3_PS_N] = {false};
    bool regular = false, has_host = false, content = false;
    h3_str host = {NULL, 0};
    for (size_t i = 0; i < n; i++) {
        int rc = h3_field_check(&f[i]);
        if (rc < 0)
            return rc;
        if (f[i].name[0] == ':') {
            if (regular)
                return H3_ERR_MSG_PSEUDO_ORDER; /* §4.3 */
            size_t k = 0;
            while (k < H3_PS_N && !h3_str_is(f[i].name, f[i].name_len, h3_req_pseudo[k]))
                k++;
            if (k == H3_PS_N)
                return H3_ERR_MSG_PSEUDO_UNKNOWN;
            if (seen[k])
                return H3_ERR_MSG_PSEUDO_DUP;
            seen[k] = true;
            slot[k]->p = f[i].value;
            slot[k]->len = f[i].value_len;
            continue;
        }
        regular = true;
        rc = h3_field_regular_check(&f[i]);
        if (rc < 0)
            return rc;
        if (h3_str_is(f[i].name, f[i].name_len, "host")) {
            has_host = true;
            host.p = f[i].value;
            host.len = f[i].value_len;
        } else if (h3_str_is(f[i].name, f[i].name_len, "content-length") ||
                   h3_str_is(f[i].name, f[i].name_len, "content-type")) {
            content = true; /* transfer-encoding is refused above */
        } else if (h3_str_is(f[i].name, f[i].name_len, "capsule-protocol")) {
            /* RFC 9297 §3.4: an sf-boolean; only ?1 means true. */
            out->capsule_protocol = h3_str_is(f[i].value, f[i].value_len, "?1");
        }
    }
    if (!seen[H3_PS_METHOD] || out->method.len == 0)
        return H3_ERR_MSG_MISSING;
    out->connect = h3_str_is(out->method.p, out->method.len, "CONNECT");
    if (seen[H3_PS_PROTOCOL]) {
        /* RFC 9220 §3 / RFC 8441 §4: only on CONNECT, only once we allowed it. */
        if (!out->connect || !ext_connect_allowed || out->protocol.len == 0)
            return H3_ERR_MSG_PROTOCOL;
        out->extended_connect = true;
        /* RFC 9297 §3.2: no content with the Capsule Protocol. */
        if (out->capsule_protocol && content)
            return H3_ERR_MSG_CAPSULE;
        if (!seen[H3_PS_SCHEME] || !seen[H3_PS_PATH] || !seen[H3_PS_AUTHORITY] ||
            out->scheme.len == 0 || out->path.len == 0 || out->authority.len == 0)
            return H3_ERR_MSG_MISSING;
        return 0;
    }
    if (out->connect) {
        /* §4.4: :scheme and :path omitted, :authority present. */
        if (seen[H3_PS_SCHEME] || seen[H3_PS_PATH])
            return H3_ERR_MSG_CONNECT;
        if (!seen[H3_PS_AUTHORITY] || out->authority.len == 0)
            return H3_ERR_MSG_MISSING;
        return 0;
    }
    /* §4.3.1: :method, :scheme, :path always; :authority or Host for http(s). */
    if (!seen[H3_PS_SCHEME] || !seen[H3_PS_PATH] || out->scheme.len == 0 || out->path.len == 0)
        return H3_ERR_MSG_MISSING;
    if (!seen[H3_PS_AUTHORITY]) {
        if (!has_host)
            return H3_ERR_MSG_MISSING;
        out->authority = host;
    } else if (out->authority.len == 0) {
        return H3_ERR_MSG_MISSING;
    }
    /* §4.3.1: present means not empty; both present means the same value. */
    if (has_host && (host.len == 0 || host.len != out->authority.len ||
                     memcmp(host.p, out->authority.p, host.len) != 0))
        return H3_ERR_MSG_HOST;
    /* §4.3.1: no deprecated userinfo ("user@") in an http or https authority. */
    if ((h3_str_is(out->scheme.p, out->scheme.len, "https") ||
         h3_str_is(out->scheme.p, out->scheme.len, "http")) &&
        memchr(out->authority.p, '@', out->authority.len))
        return H3_ERR_MSG_AUTHORITY;
    return 0;
}

int h3_response_validate(const h3_field *f, size_t n, unsigned *status)
{
    bool seen = false, regular = false;
    *status = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = h3_field_check(&f[i]);
        if (rc < 0)
            return rc;
        if (f[i].name[0] == ':') {
            if (regular)
                return H3_ERR_MSG_PSEUDO_ORDER;
            if (!h3_str_is(f[i].name, f[i].name_len, ":status"))
                return H3_ERR_MSG_PSEUDO_UNKNOWN; /* §4.3.2: only :status */
            if (seen)
                return H3_ERR_MSG_PSEUDO_DUP;
            seen = true;
            if (f[i].value_len != 3)
                return H3_ERR_MSG_STATUS;
            unsigned s = 0;
            for (size_t j = 0; j < 3; j++) {
                if (f[i].value[j] < '0' || f[i].value[j] > '9')
                    return H3_ERR_MSG_STATUS;
                s = s * 10 + (unsigned)(f[i].value[j] - '0');
            }
            if (s < 100 || s == 101) /* §4.5: no 101 in HTTP/3 */
                return H3_ERR_MSG_STATUS;
            *status = s;
            continue;
        }
        regular = true;
        rc = h3_field_regular_check(&f[i]);
        if (rc < 0)
            return rc;
    }
    return seen ? 0 : H3_ERR_MSG_MISSING;
}

int h3_trailers_validate(const h3_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = h3_field_check(&f[i]);
        if (rc < 0)
            return rc;
        if (f[i].name[0] == ':')
            return H3_ERR_MSG_PSEUDO_TRAILER; /* §4.3 */
        rc = h3_field_regular_check(&f[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* RFC 9110 §8.6: Content-Length = 1*DIGIT. A list of one value repeated ("42, 42", or
 * the same value on several field lines) may be taken as that value; anything else,
 * including differing values, is invalid, and the message with it malformed. */
int h3_content_length_parse(const h3_field *f, size_t n, bool *present, uint64_t *len)
{
    *present = false;
    *len = 0;
    for (size_t i = 0; i < n; i++) {
        if (!h3_str_is(f[i].name, f[i].name_len, "content-length"))
            continue;
        const uint8_t *p = f[i].value;
        size_t m = f[i].value_len, j = 0;
        for (;;) {
            while (j < m && (p[j] == ' ' || p[j] == '\t')) /* OWS around list elements */
                j++;
            uint64_t v = 0;
            size_t digits = 0;
            for (; j < m && p[j] >= '0' && p[j] <= '9'; j++, digits++) {
                unsigned d = (unsigned)(p[j] - '0');
                if (v > (UINT64_MAX - d) / 10)
                    return H3_ERR_MSG_CONTENT_LENGTH;
                v = v * 10 + d;
            }
            if (digits == 0 || (*present && v != *len))
                return H3_ERR_MSG_CONTENT_LENGTH;
            *present = true;
            *len = v;
            while (j < m && (p[j] == ' ' || p[j] == '\t'))
                j++;
            if (j == m)
                break;
            if (p[j++] != ',')
                return H3_ERR_MSG_CONTENT_LENGTH;
        }
    }
    return 0;
}
