/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-sensel maps (maps.h; docs/metrics.md "Maps"). */
#include "rollmat/maps.h"
#include "rollmat/units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

typedef double vd2 __attribute__((vector_size(16)));
typedef int64_t vi2 __attribute__((vector_size(16))); /* a vd2 comparison */

static inline vd2 vd2_load(const double *p)
{
    vd2 v;
    memcpy(&v, p, sizeof v); /* unaligned */
    return v;
}

static inline void vd2_store(double *p, vd2 v)
{
    memcpy(p, &v, sizeof v);
}

static inline vd2 vd2_keep(vd2 v, vi2 mask)
{
    return (vd2)((vi2)v & mask);
}

int rmat_maps_init(struct rmat_maps *m, int rows, int cols, double contact_threshold)
{
    size_t n;

    if (!m)
        return RMAT_E_ARG;
    memset(m, 0, sizeof *m);
    if (rows < 1 || cols < 1 || isnan(contact_threshold))
        return RMAT_E_ARG;
    n = (size_t)rows * (size_t)cols;
    m->rows = rows;
    m->cols = cols;
    m->contact_threshold = contact_threshold;
    m->dwell_s = calloc(n, sizeof *m->dwell_s);
    m->pti_kpa_s = calloc(n, sizeof *m->pti_kpa_s);
    m->peak_counts = calloc(n, sizeof *m->peak_counts);
    m->peak_kpa = calloc(n, sizeof *m->peak_kpa);
    if (!m->dwell_s || !m->pti_kpa_s || !m->peak_counts || !m->peak_kpa) {
        rmat_maps_fini(m);
        return RMAT_E_NOMEM;
    }
    return RMAT_OK;
}

void rmat_maps_fini(struct rmat_maps *m)
{
    if (!m)
        return;
    free(m->dwell_s);
    free(m->pti_kpa_s);
    free(m->peak_counts);
    free(m->peak_kpa);
    m->dwell_s = m->pti_kpa_s = m->peak_kpa = NULL;
    m->peak_counts = NULL;
}

void rmat_maps_add(struct rmat_maps *m, const uint16_t *raw, const double *p, const uint16_t *rows,
                   int n_rows, double dt_s)
{
    const size_t cols = (size_t)m->cols, n = (size_t)m->rows * cols;
    const double thr = m->contact_threshold;
    uint16_t *pk = m->peak_counts;

    /* Branch-free maxima on 16-bit integers: eight lanes to a vector. */
    if (raw)
        for (size_t k = 0; k < n; k++)
            pk[k] = raw[k] > pk[k] ? raw[k] : pk[k];
    const int nr = rows ? n_rows : m->rows;
    for (int r = 0; r < nr; r++) {
        const size_t i = rows ? (size_t)rows[r] : (size_t)r;
        const double *pr = p + i * cols;
        double *dw = m->dwell_s + i * cols, *pt = m->pti_kpa_s + i * cols;
        size_t j = 0;
        /* Two sensels to a vector, the contact test a mask (as in
         * metrics.c): GCC leaves the plain loop scalar with a branch. */
        const vd2 th = {thr, thr}, dt = {dt_s, dt_s};
        for (; j + 2 <= cols; j += 2) {
            const vd2 v = vd2_load(pr + j);
            const vi2 in = v >= th;
            vd2_store(dw + j, vd2_load(dw + j) + vd2_keep(dt, in));
            vd2_store(pt + j, vd2_load(pt + j) + vd2_keep(v * dt, in));
        }
        for (; j < cols; j++) {
            const int in = pr[j] >= thr;
            dw[j] += in ? dt_s : 0.0;
            pt[j] += in ? pr[j] * dt_s : 0.0;
        }
    }
}

void rmat_maps_finish(struct rmat_maps *m, const struct rmat_counts_scale *sc, uint64_t frames)
{
    const size_t n = (size_t)m->rows * (size_t)m->cols;
    for (size_t k = 0; k < n; k++) {
        const uint16_t c = m->peak_counts[k] > sc->max_count ? sc->max_count : m->peak_counts[k];
        m->peak_kpa[k] = frames == 0 ? NAN : sc->kpa[c] * (sc->gains ? (double)sc->gains[k] : 1.0);
    }
}

size_t rmat_maps_covered(const struct rmat_maps *m)
{
    const size_t n = (size_t)m->rows * (size_t)m->cols;
    size_t covered = 0;
    for (size_t k = 0; k < n; k++)
        covered += m->dwell_s[k] > 0.0;
    return covered;
}

/* --- HDF5 ---------------------------------------------------------------- */

static int put_str_attr(hid_t loc, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR), a = H5I_INVALID_HID;
    int rc = -1;
    if (t >= 0 && s >= 0 && H5Tset_size(t, strlen(value) + 1) >= 0 &&
        H5Tset_strpad(t, H5T_STR_NULLTERM) >= 0) {
        a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0 && H5Awrite(a, t, value) >= 0)
            rc = 0;
    }
    if (a >= 0)
        H5Aclose(a);
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

static int put_attr(hid_t loc, const char *name, hid_t ft, hid_t mt, const void *v)
{
    hid_t s = H5Screate(H5S_SCALAR), a = H5I_INVALID_HID;
    int rc = -1;
    if (s >= 0) {
        a = H5Acreate2(loc, name, ft, s, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0 && H5Awrite(a, mt, v) >= 0)
            rc = 0;
    }
    if (a >= 0)
        H5Aclose(a);
    if (s >= 0)
        H5Sclose(s);
    return rc;
}

static int put_map(hid_t f, const char *name, const double *v, int rows, int cols,
                   const char *units)
{
    const hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
    hid_t s = H5Screate_simple(2, dims, NULL), d = H5I_INVALID_HID;
    int rc = -1;
    if (s >= 0) {
        d = H5Dcreate2(f, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 &&
            put_str_attr(d, "units", units) == 0)
            rc = 0;
    }
    if (d >= 0)
        H5Dclose(d);
    if (s >= 0)
        H5Sclose(s);
    return rc;
}

int rmat_maps_write_h5(const struct rmat_maps *m, const struct rmat_grid *g, const char *units,
                       const char *path, struct rmat_errinfo *ei)
{
    char pti_units[64];
    hid_t f;
    int rc = 0;

    if (!m || !g || !units || !path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "maps: nothing to write");
    (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(pti_units, sizeof pti_units, "%s*s", units);
    /* Counts are stored under counts names (units.h), never as kPa. */
    const int calibrated = strcmp(units, "counts") != 0;
    errno = 0;
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        const int e = errno;
        return rmat_errinfo_set(ei, e ? rmat_err_from_errno(e) : RMAT_E_HDF5, e,
                                "cannot create %s%s%s", path, e ? ": " : "", e ? strerror(e) : "");
    }
    if (put_map(f, "dwell_s", m->dwell_s, m->rows, m->cols, "s") < 0 ||
        put_map(f, rmat_units_name("pti_kpa_s", calibrated), m->pti_kpa_s, m->rows, m->cols,
                pti_units) < 0 ||
        put_map(f, rmat_units_name("peak_kpa", calibrated), m->peak_kpa, m->rows, m->cols, units) <
            0 ||
        put_attr(f, "rows", H5T_STD_I32LE, H5T_NATIVE_INT, &g->rows) < 0 ||
        put_attr(f, "cols", H5T_STD_I32LE, H5T_NATIVE_INT, &g->cols) < 0 ||
        put_attr(f, "pitch_x_mm", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &g->pitch_x_mm) < 0 ||
        put_attr(f, "pitch_y_mm", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &g->pitch_y_mm) < 0 ||
        put_str_attr(f, "units", units) < 0)
        rc = -1;
    errno = 0;
    if (H5Fclose(f) < 0)
        rc = -1;
    if (rc < 0) {
        const int e = errno;
        return rmat_errinfo_set(ei, e == ENOSPC ? RMAT_E_NOSPC : RMAT_E_HDF5, e,
                                "cannot write %s%s%s", path, e ? ": " : "", e ? strerror(e) : "");
    }
    return RMAT_OK;
}
