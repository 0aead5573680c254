/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Calibration in a recording: the /calibration group (calib.h;
 * docs/format.md).
 *
 * Layout, public and stable like the rest of the file:
 *
 *   /calibration attrs  format "rollmat-calibration", version 1, name,
 *                       curve ("linear", "power", "divider", "table"),
 *                       kpa_per_count, zero_counts, a_kpa, b, c_max_counts
 *                       (float64; NaN where the curve does not use them);
 *                       crosstalk_row_pct, crosstalk_col_pct, creep_pct,
 *                       creep_tau_s, creep_recover_tau_s, creep_load_kpa
 *                       (float64; NaN: no such correction; absent in
 *                       recordings made before rollmat 0.2)
 *   /calibration/table_counts, table_kpa   float64 [n], table curve only
 *   /calibration/gains  float32 [rows][cols], only with gains
 *
 * Every dataset has a "units" string attribute. The group is written
 * before a recording switches to SWMR writing (attributes cannot be added
 * safely after), and all of it is fixed-size: no variable-length strings.
 */
#include "rollmat/calib.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "h5util.h"

#define GROUP "calibration"

int rmat_calib_h5_write(const struct rmat_calib *c, int64_t loc, const char *path,
                        struct rmat_errinfo *ei)
{
    hid_t g;
    int version = RMAT_CALIB_VERSION, rc = -1;

    if (!path)
        path = "recording";
    if (!c || c->curve == RMAT_CURVE_NONE)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: no calibration curve to store", path);
    g = H5Gcreate2((hid_t)loc, GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return rmat_errinfo_set(ei, RMAT_E_HDF5, 0, "%s: cannot create /calibration", path);
    if (rmat_h5_put_str(g, "format", RMAT_CALIB_FORMAT, 0) < 0 ||
        rmat_h5_put_num(g, "version", H5T_STD_I32LE, H5T_NATIVE_INT, &version) < 0 ||
        rmat_h5_put_str(g, "name", c->name, 0) < 0 ||
        rmat_h5_put_str(g, "curve", rmat_curve_name(c->curve), 0) < 0 ||
        rmat_h5_put_f64(g, "kpa_per_count", c->kpa_per_count) < 0 ||
        rmat_h5_put_f64(g, "zero_counts", c->zero_counts) < 0 ||
        rmat_h5_put_f64(g, "a_kpa", c->a_kpa) < 0 || rmat_h5_put_f64(g, "b", c->b) < 0 ||
        rmat_h5_put_f64(g, "c_max_counts", c->c_max_counts) < 0 ||
        rmat_h5_put_f64(g, "crosstalk_row_pct", c->crosstalk_row_pct) < 0 ||
        rmat_h5_put_f64(g, "crosstalk_col_pct", c->crosstalk_col_pct) < 0 ||
        rmat_h5_put_f64(g, "creep_pct", c->creep_pct) < 0 ||
        rmat_h5_put_f64(g, "creep_tau_s", c->creep_tau_s) < 0 ||
        rmat_h5_put_f64(g, "creep_recover_tau_s", c->creep_recover_tau_s) < 0 ||
        rmat_h5_put_f64(g, "creep_load_kpa", c->creep_load_kpa) < 0)
        goto out;
    if (c->curve == RMAT_CURVE_TABLE) {
        const hsize_t n = c->n_points;
        if (rmat_h5_put_dataset(g, "table_counts", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n,
                                c->point_counts, "counts") < 0 ||
            rmat_h5_put_dataset(g, "table_kpa", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n,
                                c->point_kpa, "kPa") < 0)
            goto out;
    }
    if (c->gains) {
        const hsize_t dims[2] = {(hsize_t)c->gain_rows, (hsize_t)c->gain_cols};
        if (rmat_h5_put_dataset(g, "gains", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, c->gains,
                                "1 (p = gain * curve(counts))") < 0)
            goto out;
    }
    rc = 0;
out:
    H5Gclose(g);
    if (rc < 0)
        return rmat_errinfo_set(ei, RMAT_E_HDF5, 0, "%s: cannot write /calibration", path);
    return RMAT_OK;
}

/* --- reading ------------------------------------------------------------- */

/* Reads the whole dataset name of g into buf (want elements of rank `rank`
 * with dims checked by the caller through dims). Returns 0 or -1. */
static int get_dataset(hid_t g, const char *name, hid_t mtype, int rank, hsize_t *dims,
                       size_t max_elems, void **buf)
{
    hid_t d = H5I_INVALID_HID, s = H5I_INVALID_HID;
    size_t n = 1;
    int rc = -1;

    *buf = NULL;
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0)
        return -1;
    d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    s = H5Dget_space(d);
    if (s < 0 || H5Sget_simple_extent_ndims(s) != rank ||
        H5Sget_simple_extent_dims(s, dims, NULL) < 0)
        goto out;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    if (n == 0 || n > max_elems)
        goto out;
    *buf = malloc(n * H5Tget_size(mtype));
    if (!*buf || H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *buf) < 0) {
        free(*buf);
        *buf = NULL;
        goto out;
    }
    rc = 0;
out:
    if (s >= 0)
        H5Sclose(s);
    H5Dclose(d);
    return rc;
}

int rmat_calib_h5_read(int64_t loc, const char *path, struct rmat_calib **out,
                       struct rmat_errinfo *ei)
{
    struct rmat_calib *c = NULL;
    char curve[32], what[4200];
    hid_t g = H5I_INVALID_HID;
    hsize_t dims[2];
    void *buf = NULL;
    int rc = RMAT_OK;

    if (!out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_calib_h5_read: out needed");
    *out = NULL;
    if (!path)
        path = "recording";
    if (H5Lexists((hid_t)loc, GROUP, H5P_DEFAULT) <= 0)
        return RMAT_OK;
    snprintf(what, sizeof what, "%s: /calibration", path);
    g = H5Gopen2((hid_t)loc, GROUP, H5P_DEFAULT);
    c = rmat_calib_new();
    if (!c) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (g < 0 || rmat_h5_get_str(g, "curve", curve, sizeof curve) < 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s has no string attribute 'curve'", what);
        goto out;
    }
    c->curve = rmat_curve_parse(curve);
    if (c->curve == RMAT_CURVE_NONE) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: unknown curve '%s'", what, curve);
        goto out;
    }
    (void)rmat_h5_get_str(g, "name", c->name, sizeof c->name);
    rmat_h5_get_f64(g, "kpa_per_count", &c->kpa_per_count);
    rmat_h5_get_f64(g, "zero_counts", &c->zero_counts);
    rmat_h5_get_f64(g, "a_kpa", &c->a_kpa);
    rmat_h5_get_f64(g, "b", &c->b);
    rmat_h5_get_f64(g, "c_max_counts", &c->c_max_counts);
    /* Absent before rollmat 0.2: NaN, no correction. */
    rmat_h5_get_f64(g, "crosstalk_row_pct", &c->crosstalk_row_pct);
    rmat_h5_get_f64(g, "crosstalk_col_pct", &c->crosstalk_col_pct);
    rmat_h5_get_f64(g, "creep_pct", &c->creep_pct);
    rmat_h5_get_f64(g, "creep_tau_s", &c->creep_tau_s);
    rmat_h5_get_f64(g, "creep_recover_tau_s", &c->creep_recover_tau_s);
    rmat_h5_get_f64(g, "creep_load_kpa", &c->creep_load_kpa);
    rc = rmat_calib_check_corrections(c, what, ei);
    if (rc != RMAT_OK)
        goto out;
    if (c->curve == RMAT_CURVE_TABLE) {
        hsize_t n2[1];
        void *kpa = NULL;
        if (get_dataset(g, "table_counts", H5T_NATIVE_DOUBLE, 1, dims, RMAT_CALIB_MAX_POINTS,
                        &buf) < 0 ||
            get_dataset(g, "table_kpa", H5T_NATIVE_DOUBLE, 1, n2, RMAT_CALIB_MAX_POINTS, &kpa) <
                0 ||
            n2[0] != dims[0]) {
            free(kpa);
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                  "%s: a table curve needs table_counts and table_kpa of equal "
                                  "length (1..256)",
                                  what);
            goto out;
        }
        c->n_points = (size_t)dims[0];
        memcpy(c->point_counts, buf, c->n_points * sizeof(double));
        memcpy(c->point_kpa, kpa, c->n_points * sizeof(double));
        free(kpa);
        free(buf);
        buf = NULL;
        for (size_t k = 1; k < c->n_points; k++) {
            if (!(c->point_counts[k] > c->point_counts[k - 1]) ||
                !(c->point_kpa[k] >= c->point_kpa[k - 1])) {
                rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                      "%s: the table is not monotone at point %zu", what, k + 1);
                goto out;
            }
        }
    }
    if (H5Lexists(g, "gains", H5P_DEFAULT) > 0) {
        if (get_dataset(g, "gains", H5T_NATIVE_FLOAT, 2, dims, 255u * 255u, &buf) < 0) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                  "%s/gains is not a float [rows][cols] dataset", what);
            goto out;
        }
        c->gains = buf;
        buf = NULL;
        c->gain_rows = (int)dims[0];
        c->gain_cols = (int)dims[1];
        for (size_t k = 0; k < (size_t)c->gain_rows * (size_t)c->gain_cols; k++) {
            if (!(c->gains[k] >= 0.0f && c->gains[k] <= 1e6f)) {
                rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                      "%s/gains: gain %zu is not a number from 0 to 1e6", what, k);
                goto out;
            }
        }
    }
    /* Parameters the curve needs, finite and in range, as the text parser
     * demands them. */
    {
        const double vals[5] = {c->kpa_per_count, c->zero_counts, c->a_kpa, c->b, c->c_max_counts};
        for (int k = 0; k < 5; k++) {
            if (isinf(vals[k])) {
                rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: an infinite parameter", what);
                goto out;
            }
        }
        if ((!isnan(c->a_kpa) && !(c->a_kpa > 0)) || (!isnan(c->b) && !(c->b > 0)) ||
            (!isnan(c->kpa_per_count) && !(c->kpa_per_count > 0)) ||
            (!isnan(c->c_max_counts) && !(c->c_max_counts > 0))) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                  "%s: a_kpa, b, kpa_per_count and c_max_counts must be "
                                  "positive",
                                  what);
            goto out;
        }
    }
    rc = rmat_calib_check(c, c->gains ? c->gain_rows : 1, c->gains ? c->gain_cols : 1, what, ei);
    if (rc != RMAT_OK) {
        rc = RMAT_E_FORMAT;
        if (ei)
            ei->code = rc;
        goto out;
    }
    *out = c;
    c = NULL;
out:
    free(buf);
    rmat_calib_free(c);
    if (g >= 0)
        H5Gclose(g);
    return rc;
}
