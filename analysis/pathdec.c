/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The centre-of-pressure path thinned to what a figure can show
 * (rollmat/pathdec.h says what is kept and why). */
#include "rollmat/pathdec.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* A set of 64-bit keys, open addressing with linear probing; a pair of
 * cells (a <= b) is the key (a << 32) | b, and a cell drawn as a vertex is
 * the pair (c, c). Cell numbers stay below 2^31, so no key is EMPTY. */
#define EMPTY UINT64_MAX

struct rmat_path_thin {
    double cell_mm;
    int32_t nx, ny;
    uint64_t *keys;
    size_t cap, used; /* cap a power of two, used <= cap / 2 */
    int have_prev;    /* a point of the current contact run seen */
    int32_t prev;     /* its cell */
    int line_open;    /* the last point written is prev's centre, line goes on */
    size_t written;
};

static uint64_t mix(uint64_t k)
{
    /* splitmix64's finaliser: neighbouring cells land far apart */
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ULL;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebULL;
    return k ^ (k >> 31);
}

/* Adds key; 1 if it was new, 0 if it was there, -1 out of memory (the
 * caller then draws the step anyway: thinning less is never wrong). */
static int set_add(struct rmat_path_thin *t, uint64_t key)
{
    if (2 * (t->used + 1) > t->cap) {
        const size_t ncap = t->cap ? 2 * t->cap : 4096;
        uint64_t *nk = malloc(ncap * sizeof *nk);
        if (!nk)
            return -1;
        for (size_t i = 0; i < ncap; i++)
            nk[i] = EMPTY;
        for (size_t i = 0; i < t->cap; i++) {
            if (t->keys[i] == EMPTY)
                continue;
            size_t j = mix(t->keys[i]) & (ncap - 1);
            while (nk[j] != EMPTY)
                j = (j + 1) & (ncap - 1);
            nk[j] = t->keys[i];
        }
        free(t->keys);
        t->keys = nk;
        t->cap = ncap;
    }
    size_t j = mix(key) & (t->cap - 1);
    while (t->keys[j] != EMPTY) {
        if (t->keys[j] == key)
            return 0;
        j = (j + 1) & (t->cap - 1);
    }
    t->keys[j] = key;
    t->used++;
    return 1;
}

static uint64_t pair_key(int32_t a, int32_t b)
{
    return a <= b ? ((uint64_t)a << 32) | (uint32_t)b : ((uint64_t)b << 32) | (uint32_t)a;
}

int rmat_path_thin_new(double cell_mm, double extent_x_mm, double extent_y_mm,
                       struct rmat_path_thin **out, struct rmat_errinfo *ei)
{
    struct rmat_path_thin *t;
    double nx, ny;

    if (out)
        *out = NULL;
    if (!out || !(cell_mm > 0) || !(extent_x_mm >= 0) || !(extent_y_mm >= 0))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "path thinning: bad cell or extent");
    nx = floor(extent_x_mm / cell_mm) + 1;
    ny = floor(extent_y_mm / cell_mm) + 1;
    /* Cell numbers must fit in 31 bits (the key layout above). */
    if (!(nx * ny < 2147483647.0))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "path thinning: %.0f x %.0f cells is too many (cell %g mm)", nx, ny,
                                cell_mm);
    t = calloc(1, sizeof *t);
    if (!t)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "path thinning: out of memory");
    t->cell_mm = cell_mm;
    t->nx = (int32_t)nx;
    t->ny = (int32_t)ny;
    *out = t;
    return RMAT_OK;
}

void rmat_path_thin_free(struct rmat_path_thin *t)
{
    if (!t)
        return;
    free(t->keys);
    free(t);
}

static int32_t cell_of(const struct rmat_path_thin *t, double x, double y)
{
    double cx = floor(x / t->cell_mm), cy = floor(y / t->cell_mm);
    cx = cx < 0 ? 0 : cx >= t->nx ? t->nx - 1 : cx;
    cy = cy < 0 ? 0 : cy >= t->ny ? t->ny - 1 : cy;
    return (int32_t)cy * t->nx + (int32_t)cx;
}

static void put_centre(struct rmat_path_thin *t, int32_t c, FILE *f)
{
    const double x = ((double)(c % t->nx) + 0.5) * t->cell_mm;
    const double y = ((double)(c / t->nx) + 0.5) * t->cell_mm;
    fprintf(f, "%.2f,%.2f\n", x, y);
    t->written++;
    (void)set_add(t, pair_key(c, c));
}

static void close_line(struct rmat_path_thin *t, FILE *f)
{
    if (t->line_open)
        fputc('\n', f);
    t->line_open = 0;
}

/* The end of a contact run: a run that drew nothing (it never left its
 * cell, or only retraced steps) still marks its cell once. */
static void end_run(struct rmat_path_thin *t, FILE *f)
{
    if (t->have_prev && !t->line_open && set_add(t, pair_key(t->prev, t->prev)) != 0) {
        put_centre(t, t->prev, f);
        fputc('\n', f);
    }
    close_line(t, f);
    t->have_prev = 0;
}

void rmat_path_thin_push(struct rmat_path_thin *t, double x_mm, double y_mm, FILE *f)
{
    int32_t c;

    if (!t)
        return;
    if (!isfinite(x_mm) || !isfinite(y_mm)) {
        end_run(t, f);
        return;
    }
    c = cell_of(t, x_mm, y_mm);
    if (!t->have_prev) {
        t->have_prev = 1;
        t->prev = c;
        return;
    }
    if (c == t->prev)
        return;
    if (set_add(t, pair_key(t->prev, c)) != 0) {
        if (!t->line_open)
            put_centre(t, t->prev, f);
        put_centre(t, c, f);
        t->line_open = 1;
    } else {
        close_line(t, f);
    }
    t->prev = c;
}

size_t rmat_path_thin_end(struct rmat_path_thin *t, FILE *f)
{
    if (!t)
        return 0;
    end_run(t, f);
    return t->written;
}
