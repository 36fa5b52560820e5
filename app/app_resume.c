/* The client's session file (app_resume.h). */
#include "app/app_resume.h"

#include "app/app_log.h"
#include "base/qb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PART 65536

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

static void wipe_free(uint8_t *p, size_t n)
{
    if (p) {
        volatile uint8_t *v = p;
        for (size_t i = 0; i < n; i++)
            v[i] = 0;
    }
    free(p);
}

int app_resume_load(app_resume *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno != ENOENT)
            app_warn("client: cannot read session file %s: %s", path, strerror(errno));
        return 0;
    }
    uint8_t buf[4 + 1 + 4 + MAX_PART + 4 + MAX_PART + 4 + MAX_PART];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    qb_rd rd;
    const uint8_t *sp = NULL, *tp = NULL, *hp = NULL;
    uint32_t sl = 0, tl = 0, hl = 0;
    uint8_t ver = 0;
    qb_rd_init(&rd, buf, n);
    if (n < 5 || memcmp(buf, "QSES", 4) != 0 || qb_rd_skip(&rd, 4) || qb_rd_u8(&rd, &ver) ||
        (ver != 1 && ver != APP_RESUME_VERSION) || qb_rd_u32(&rd, &sl) || sl > MAX_PART ||
        qb_rd_bytes(&rd, sl, &sp) || qb_rd_u32(&rd, &tl) || tl > MAX_PART ||
        qb_rd_bytes(&rd, tl, &tp) ||
        (ver == 2 && (qb_rd_u32(&rd, &hl) || hl > MAX_PART || qb_rd_bytes(&rd, hl, &hp))) ||
        qb_rd_left(&rd)) {
        app_warn("client: session file %s is not one of ours (or of another version): ignored",
                 path);
        memset(buf, 0, sizeof buf);
        return 0;
    }
    if (sl) {
        r->sess = dup_bytes(sp, sl);
        r->sess_len = r->sess ? sl : 0;
    }
    if (tl) {
        r->tok = dup_bytes(tp, tl);
        r->tok_len = r->tok ? tl : 0;
    }
    if (hl) {
        r->settings = dup_bytes(hp, hl);
        r->settings_len = r->settings ? hl : 0;
    }
    memset(buf, 0, sizeof buf);
    return 0;
}

void app_resume_on_session(void *ud, const uint8_t *p, size_t n)
{
    app_resume *r = ud;
    uint8_t *d = n <= MAX_PART ? dup_bytes(p, n) : NULL;
    if (!d)
        return;
    wipe_free(r->new_sess, r->new_sess_len);
    r->new_sess = d;
    r->new_sess_len = n;
    app_resume_save(r);
}

void app_resume_on_token(void *ud, const uint8_t *p, size_t n)
{
    app_resume *r = ud;
    uint8_t *d = n <= MAX_PART ? dup_bytes(p, n) : NULL;
    if (!d)
        return;
    free(r->new_tok);
    r->new_tok = d;
    r->new_tok_len = n;
    app_resume_save(r);
}

void app_resume_on_settings(app_resume *r, const uint8_t *p, size_t n)
{
    const uint8_t *have = r->new_settings ? r->new_settings : r->settings;
    size_t hn = r->new_settings ? r->new_settings_len : r->settings_len;
    if (n > MAX_PART || (hn == n && (n == 0 || memcmp(have, p, n) == 0)))
        return;
    uint8_t *d = dup_bytes(p, n);
    if (!d)
        return;
    free(r->new_settings);
    r->new_settings = d;
    r->new_settings_len = n;
    app_resume_save(r);
}

static int put_part(FILE *f, const uint8_t *p, size_t n)
{
    uint8_t len[4];
    qb_put_u32(len, (uint32_t)n);
    return fwrite(len, 1, 4, f) == 4 && (n == 0 || fwrite(p, 1, n, f) == n) ? 0 : -1;
}

int app_resume_save(const app_resume *r)
{
    char tmp[4096];
    const uint8_t *s = r->new_sess ? r->new_sess : r->sess;
    size_t sl = r->new_sess ? r->new_sess_len : r->sess_len;
    const uint8_t *t = r->new_tok ? r->new_tok : r->tok;
    size_t tl = r->new_tok ? r->new_tok_len : r->tok_len;
    const uint8_t *h = r->new_settings ? r->new_settings : r->settings;
    size_t hl = r->new_settings ? r->new_settings_len : r->settings_len;
    if (!r->path || snprintf(tmp, sizeof tmp, "%s.tmp", r->path) >= (int)sizeof tmp)
        return -1;
    /* 0600 from the start: the file holds a resumption key */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        app_warn("client: cannot write session file %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    FILE *f = fdopen(fd, "wb");
    uint8_t ver = APP_RESUME_VERSION;
    int rc = !f || fwrite("QSES", 1, 4, f) != 4 || fwrite(&ver, 1, 1, f) != 1 ||
                     put_part(f, s, sl) || put_part(f, t, tl) || put_part(f, h, hl) ? -1 : 0;
    if (f ? fclose(f) != 0 : close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, r->path) != 0)
        rc = -1;
    if (rc) {
        app_warn("client: cannot write session file %s: %s", r->path, strerror(errno));
        unlink(tmp);
    }
    return rc;
}

void app_resume_free(app_resume *r)
{
    wipe_free(r->sess, r->sess_len);
    wipe_free(r->new_sess, r->new_sess_len);
    free(r->tok);
    free(r->new_tok);
    free(r->settings);
    free(r->new_settings);
    memset(r, 0, sizeof *r);
}
