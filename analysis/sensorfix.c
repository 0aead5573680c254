/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Corrections of the FSR mat's errors: crosstalk and creep (sensorfix.h;
 * docs/corrections.md).
 *
 * Crosstalk, the inverse in closed form. A passive matrix reads
 *
 *   m_ij = c_ij + xr (R_i - c_ij) + xc (C_j - c_ij)
 *        = (1 - xr - xc) c_ij + xr R_i + xc C_j,
 *
 * R_i = sum_j c_ij, C_j = sum_i c_ij, T = sum_ij c_ij. Summing over a row
 * (cols terms), over a column (rows terms) and over everything:
 *
 *   M_i = sum_j m_ij = (1 - xr - xc) R_i + xr cols R_i + xc T
 *       = (1 + xr (cols - 1) - xc) R_i + xc T
 *   N_j = sum_i m_ij = (1 + xc (rows - 1) - xr) C_j + xr T
 *   T_m = sum m_ij   = (1 - xr - xc) T + xr cols T + xc rows T
 *       = (1 + xr (cols - 1) + xc (rows - 1)) T
 *
 * so, from the measured sums, in this order:
 *
 *   T   = T_m / (1 + xr (cols - 1) + xc (rows - 1))
 *   R_i = (M_i - xc T) / (1 + xr (cols - 1) - xc)
 *   C_j = (N_j - xr T) / (1 + xc (rows - 1) - xr)
 *   c_ij = (m_ij - xr R_i - xc C_j) / (1 - xr - xc)
 *
 * Every divisor is at least 0.8 for shares up to 0.1 (the range allowed),
 * so the inverse is well conditioned: the ADC's rounding (0.5 counts) and
 * noise come out at most 1.25 times as large. O(rows * cols): two passes.
 *
 * Creep: e_ij follows the first-order law of the sensor
 * (de/dt = (E - e) / tau loaded, -e / tau_r not), stepped exactly over
 * each frame's dt (e += (E - e)(1 - exp(-dt / tau))), so the result does
 * not depend on the frame rate. Whether a sensel is loaded is judged on
 * its pressure with the creep of the frame before removed: the creep
 * itself must not decide it (at the threshold the difference is a few
 * per cent of 2 kPa, at the contact's very edge).
 */
#include "rollmat/sensorfix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/err.h"

#define MAX_SHARE 0.1 /* 10%: calib.h's RMAT_CALIB_CROSSTALK_MAX_PCT */

void rmat_sensorfix_config_init(struct rmat_sensorfix_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
}

int rmat_sensorfix_has_crosstalk(const struct rmat_sensorfix_config *cfg)
{
    return cfg && (cfg->crosstalk_row_pct > 0 || cfg->crosstalk_col_pct > 0);
}

int rmat_sensorfix_has_creep(const struct rmat_sensorfix_config *cfg)
{
    return cfg && cfg->creep_pct > 0;
}

void rmat_crosstalk_invert(int rows, int cols, double xr, double xc, const double *m, double *c,
                           double *row_sum, double *col_sum)
{
    const double d_all = 1.0 + xr * (cols - 1) + xc * (rows - 1);
    const double d_row = 1.0 + xr * (cols - 1) - xc;
    const double d_col = 1.0 + xc * (rows - 1) - xr;
    const double d_own = 1.0 - xr - xc;
    double total = 0.0;

    memset(col_sum, 0, (size_t)cols * sizeof *col_sum);
    for (int i = 0; i < rows; i++) {
        const double *mi = m + (size_t)i * (size_t)cols;
        double s = 0.0;
        for (int j = 0; j < cols; j++) {
            s += mi[j];
            col_sum[j] += mi[j];
        }
        row_sum[i] = s;
        total += s;
    }
    total /= d_all;
    for (int i = 0; i < rows; i++)
        row_sum[i] = (row_sum[i] - xc * total) / d_row;
    for (int j = 0; j < cols; j++)
        col_sum[j] = (col_sum[j] - xr * total) / d_col;
    for (int i = 0; i < rows; i++) {
        const double *mi = m + (size_t)i * (size_t)cols;
        double *ci = c + (size_t)i * (size_t)cols;
        const double ri = xr * row_sum[i];
        for (int j = 0; j < cols; j++)
            ci[j] = (mi[j] - ri - xc * col_sum[j]) / d_own;
    }
}

struct rmat_sensorfix {
    struct rmat_sensorfix_config cfg;
    const struct rmat_counts_scale *scale;
    int rows, cols;
    int crosstalk, creep;
    int have_t;
    double t_prev_s;
    double *work;    /* rows * cols: the frame being corrected */
    double *e;       /* rows * cols: each sensel's creep share */
    double *row_sum; /* rows */
    double *col_sum; /* cols */
};

int rmat_sensorfix_new(const struct rmat_sensorfix_config *cfg, int rows, int cols,
                       const struct rmat_counts_scale *scale, struct rmat_sensorfix **out)
{
    struct rmat_sensorfix *sf;
    size_t n;

    *out = NULL;
    if (!cfg || !scale || rows < 1 || cols < 1 || rows > 255 || cols > 255)
        return RMAT_E_ARG;
    if (!(cfg->crosstalk_row_pct >= 0 && cfg->crosstalk_row_pct <= 100 * MAX_SHARE) ||
        !(cfg->crosstalk_col_pct >= 0 && cfg->crosstalk_col_pct <= 100 * MAX_SHARE) ||
        !(cfg->creep_pct >= 0 && cfg->creep_pct <= 50))
        return RMAT_E_ARG;
    if (cfg->creep_pct > 0 && (!(cfg->creep_tau_s > 0) || !(cfg->creep_recover_tau_s > 0) ||
                               !isfinite(cfg->creep_tau_s) || !isfinite(cfg->creep_recover_tau_s) ||
                               !(cfg->creep_load_kpa >= 0) || !isfinite(cfg->creep_load_kpa)))
        return RMAT_E_ARG;
    n = (size_t)rows * (size_t)cols;
    sf = calloc(1, sizeof *sf);
    if (!sf)
        return RMAT_E_NOMEM;
    sf->cfg = *cfg;
    sf->scale = scale;
    sf->rows = rows;
    sf->cols = cols;
    sf->crosstalk = rmat_sensorfix_has_crosstalk(cfg);
    sf->creep = rmat_sensorfix_has_creep(cfg);
    sf->work = malloc(n * sizeof *sf->work);
    sf->e = calloc(n, sizeof *sf->e);
    sf->row_sum = malloc((size_t)rows * sizeof *sf->row_sum);
    sf->col_sum = malloc((size_t)cols * sizeof *sf->col_sum);
    if (!sf->work || !sf->e || !sf->row_sum || !sf->col_sum) {
        rmat_sensorfix_free(sf);
        return RMAT_E_NOMEM;
    }
    *out = sf;
    return RMAT_OK;
}

void rmat_sensorfix_free(struct rmat_sensorfix *sf)
{
    if (!sf)
        return;
    free(sf->work);
    free(sf->e);
    free(sf->row_sum);
    free(sf->col_sum);
    free(sf);
}

/* The pressure of `counts` (a real number) at sensel k: the lookup table
 * at the nearest whole count, times the sensel's gain. */
static double pressure_at(const struct rmat_counts_scale *sc, size_t k, double counts)
{
    double r = floor(counts + 0.5);
    size_t idx;
    if (!(r > 0))
        r = 0;
    if (r > sc->max_count)
        r = sc->max_count;
    idx = (size_t)r;
    return sc->kpa[idx] * (sc->gains ? (double)sc->gains[k] : 1.0);
}

void rmat_sensorfix_apply(struct rmat_sensorfix *sf, const uint16_t *raw, double t_s, uint16_t *out)
{
    const size_t n = (size_t)sf->rows * (size_t)sf->cols;
    const double top = (double)sf->scale->max_count;
    double *w = sf->work;

    for (size_t k = 0; k < n; k++)
        w[k] = (double)raw[k];
    if (sf->crosstalk)
        rmat_crosstalk_invert(sf->rows, sf->cols, sf->cfg.crosstalk_row_pct / 100.0,
                              sf->cfg.crosstalk_col_pct / 100.0, w, w, sf->row_sum, sf->col_sum);
    if (sf->creep) {
        const double e_max = sf->cfg.creep_pct / 100.0, load = sf->cfg.creep_load_kpa;
        double dt = sf->have_t ? t_s - sf->t_prev_s : 0.0;
        if (!(dt > 0))
            dt = 0.0;
        sf->have_t = 1;
        sf->t_prev_s = t_s;
        const double up = 1.0 - exp(-dt / sf->cfg.creep_tau_s);
        const double down = 1.0 - exp(-dt / sf->cfg.creep_recover_tau_s);
        for (size_t k = 0; k < n; k++) {
            double e = sf->e[k];
            if (pressure_at(sf->scale, k, w[k] / (1.0 + e)) >= load)
                e += (e_max - e) * up;
            else
                e -= e * down;
            sf->e[k] = e;
            w[k] /= 1.0 + e;
        }
    }
    for (size_t k = 0; k < n; k++) {
        double v = floor(w[k] + 0.5);
        if (!(v > 0))
            v = 0;
        if (v > top)
            v = top;
        out[k] = (uint16_t)v;
    }
}
