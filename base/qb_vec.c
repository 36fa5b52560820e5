/* The growable byte buffer (qb_vec.h). */
#include "base/qb_vec.h"

#include <string.h>

void qb_vec_init(qb_vec *v, const qb_alloc *a, size_t max)
{
    memset(v, 0, sizeof *v);
    v->a = a;
    v->max = max;
}

void qb_vec_free(qb_vec *v)
{
    qb_free(v->a, v->p);
    v->p = NULL;
    v->off = v->len = v->cap = 0;
}

/* Moves the live bytes to the front of the storage. */
static void vec_slide(qb_vec *v)
{
    size_t live = qb_vec_len(v);
    if (v->off && live)
        memmove(v->p, v->p + v->off, live);
    v->off = 0;
    v->len = live;
}

int qb_vec_reserve(qb_vec *v, size_t n)
{
    size_t live = qb_vec_len(v);
    if (n > v->max || live > v->max - n)
        return QB_ERR_LIMIT;
    if (live == 0)
        v->off = v->len = 0; /* drained: restart at the front, nothing to move */
    if (v->cap - v->len >= n)
        return QB_OK;
    /* Sliding costs `live` bytes; it is paid for only once at least as many
     * bytes were consumed since the last slide. */
    if (v->off >= live && v->cap - live >= n) {
        vec_slide(v);
        return QB_OK;
    }
    size_t need = live + n;
    size_t ncap = v->cap ? v->cap : QB_VEC_MIN;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > v->max)
        ncap = v->max; /* need <= max was checked above */
    uint8_t *np;
    if (v->off == 0) {
        np = qb_realloc(v->a, v->p, ncap);
        if (!np)
            return QB_ERR_NO_MEMORY;
    } else {
        /* Only the live bytes are worth copying into the new storage. */
        np = qb_malloc(v->a, ncap);
        if (!np)
            return QB_ERR_NO_MEMORY;
        if (live)
            memcpy(np, v->p + v->off, live);
        qb_free(v->a, v->p);
        v->off = 0;
        v->len = live;
    }
    v->p = np;
    v->cap = ncap;
    return QB_OK;
}

void qb_vec_commit(qb_vec *v, size_t n)
{
    if (n > v->cap - v->len)
        n = v->cap - v->len;
    v->len += n;
}

int qb_vec_append(qb_vec *v, const void *src, size_t n)
{
    if (n == 0)
        return QB_OK;
    int rc = qb_vec_reserve(v, n);
    if (rc != QB_OK)
        return rc;
    memcpy(v->p + v->len, src, n);
    v->len += n;
    return QB_OK;
}

void qb_vec_consume(qb_vec *v, size_t n)
{
    size_t live = qb_vec_len(v);
    v->off += n < live ? n : live;
    if (v->off == v->len)
        v->off = v->len = 0;
}

void qb_vec_truncate(qb_vec *v, size_t n)
{
    if (n < qb_vec_len(v))
        v->len = v->off + n;
    if (v->off == v->len)
        v->off = v->len = 0;
}

void qb_vec_shrink(qb_vec *v)
{
    size_t live = qb_vec_len(v);
    if (live == 0) {
        qb_vec_free(v);
        return;
    }
    if (live == v->cap)
        return;
    uint8_t *np = qb_malloc(v->a, live);
    if (!np)
        return;
    memcpy(np, v->p + v->off, live);
    qb_free(v->a, v->p);
    v->p = np;
    v->off = 0;
    v->len = v->cap = live;
}
