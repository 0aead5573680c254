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

/* --- estimating the crosstalk -------------------------------------------- */

struct rmat_crosstalk_est {
    int rows, cols;
    /* Normal equations over the samples in the features
     * f = (1, M_i, N_j, T_m): g = sum f f', h = sum f y. Sums of counts
     * squared over hours of frames reach 1e18: double keeps 16 digits of
     * it, enough for shares of 1e-4 (the terms are of like size). */
    double g[4][4], h[4];
    uint64_t frames, samples;
    double *row_sum, *col_sum;
    uint8_t *near, *tmp;
};

struct rmat_crosstalk_est *rmat_crosstalk_est_new(int rows, int cols)
{
    struct rmat_crosstalk_est *e;
    const size_t n = (size_t)rows * (size_t)cols;

    if (rows < 1 || cols < 1 || rows > 255 || cols > 255)
        return NULL;
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->rows = rows;
    e->cols = cols;
    e->row_sum = malloc((size_t)rows * sizeof *e->row_sum);
    e->col_sum = malloc((size_t)cols * sizeof *e->col_sum);
    e->near = malloc(n);
    e->tmp = malloc(n);
    if (!e->row_sum || !e->col_sum || !e->near || !e->tmp) {
        rmat_crosstalk_est_free(e);
        return NULL;
    }
    return e;
}

void rmat_crosstalk_est_free(struct rmat_crosstalk_est *e)
{
    if (!e)
        return;
    free(e->row_sum);
    free(e->col_sum);
    free(e->near);
    free(e->tmp);
    free(e);
}

void rmat_crosstalk_est_add(struct rmat_crosstalk_est *e, const uint16_t *raw,
                            double min_peak_counts)
{
    const int rows = e->rows, cols = e->cols, m = RMAT_CROSSTALK_EST_MARGIN;
    double total = 0, top = 0;
    uint64_t added = 0;

    memset(e->col_sum, 0, (size_t)cols * sizeof *e->col_sum);
    for (int i = 0; i < rows; i++) {
        double s = 0;
        for (int j = 0; j < cols; j++) {
            const double v = raw[i * cols + j];
            s += v;
            e->col_sum[j] += v;
            if (v > top)
                top = v;
        }
        e->row_sum[i] = s;
        total += s;
    }
    if (!(top >= min_peak_counts) || !(top > 0))
        return;
    /* The loaded sensels, grown by the margin along rows, then columns (a
     * square neighbourhood, in two passes). */
    {
        const double load = RMAT_CROSSTALK_EST_LOAD_SHARE * top;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                uint8_t v = 0;
                for (int d = -m; d <= m && !v; d++) {
                    const int jj = j + d;
                    v = jj >= 0 && jj < cols && raw[i * cols + jj] >= load;
                }
                e->tmp[i * cols + j] = v;
            }
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                uint8_t v = 0;
                for (int d = -m; d <= m && !v; d++) {
                    const int ii = i + d;
                    v = ii >= 0 && ii < rows && e->tmp[ii * cols + j];
                }
                e->near[i * cols + j] = v;
            }
    }
    /* Only sensels in a row or column that carries load: elsewhere the
     * ghost is within the noise of 0, where the ADC's floor (a count is
     * never negative) lifts the mean reading, bending the line and
     * pulling the shares low (0.09% for 0.1% on the virtual mat). A row
     * or column summing to twice the frame's largest count or more has a
     * ghost of at least 2 * top * share: 5 counts at 0.1%, clear of the
     * floor. The choice is made on the sums, never on the sensel's own
     * reading, so it does not bias the fit. */
    const double busy = RMAT_CROSSTALK_EST_BUSY * top;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            if (e->near[i * cols + j] || !(e->row_sum[i] >= busy || e->col_sum[j] >= busy))
                continue;
            const double f[4] = {1.0, e->row_sum[i], e->col_sum[j], total};
            const double y = raw[i * cols + j];
            for (int a = 0; a < 4; a++) {
                e->h[a] += f[a] * y;
                for (int b = 0; b < 4; b++)
                    e->g[a][b] += f[a] * f[b];
            }
            added++;
        }
    if (added) {
        e->frames++;
        e->samples += added;
    }
}

/* Solves the 3 x 3 system a x = b by Gaussian elimination with partial
 * pivoting; -1 if singular. */
static int solve3(double a[3][3], double b[3], double x[3])
{
    for (int c = 0; c < 3; c++) {
        int p = c;
        for (int r = c + 1; r < 3; r++)
            if (fabs(a[r][c]) > fabs(a[p][c]))
                p = r;
        if (!(fabs(a[p][c]) > 0))
            return -1;
        if (p != c) {
            for (int k = 0; k < 3; k++) {
                const double t = a[c][k];
                a[c][k] = a[p][k];
                a[p][k] = t;
            }
            const double t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        for (int r = c + 1; r < 3; r++) {
            const double f = a[r][c] / a[c][c];
            for (int k = c; k < 3; k++)
                a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int c = 2; c >= 0; c--) {
        double s = b[c];
        for (int k = c + 1; k < 3; k++)
            s -= a[c][k] * x[k];
        x[c] = s / a[c][c];
    }
    return 0;
}

int rmat_crosstalk_est_solve(const struct rmat_crosstalk_est *e,
                             struct rmat_crosstalk_estimate *out)
{
    const double rows = e->rows, cols = e->cols;
    double xr = 0, xc = 0, off = 0;

    memset(out, 0, sizeof *out);
    out->frames = e->frames;
    out->samples = e->samples;
    if (e->samples < 100)
        return RMAT_E_ARG;
    /* The features (1, R_i, C_j) are A (1, M_i, N_j, T_m), A from the last
     * estimate (the sums of sensorfix.c's derivation): R_i = M_i / d_row -
     * xc T_m / (d_all d_row), C_j = N_j / d_col - xr T_m / (d_all d_col).
     * So the normal equations are (A g A') beta = A h. A contraction: each
     * step changes A by the shares' change times cols or rows, a few tenths
     * at most; 50 steps are far more than enough. */
    for (int it = 0; it < 50; it++) {
        const double d_all = 1.0 + xr * (cols - 1) + xc * (rows - 1);
        const double d_row = 1.0 + xr * (cols - 1) - xc;
        const double d_col = 1.0 + xc * (rows - 1) - xr;
        const double a[3][4] = {{1, 0, 0, 0},
                                {0, 1 / d_row, 0, -xc / (d_all * d_row)},
                                {0, 0, 1 / d_col, -xr / (d_all * d_col)}};
        double ag[3][4], aga[3][3], ah[3], beta[3];
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++) {
                ag[r][c] = 0;
                for (int k = 0; k < 4; k++)
                    ag[r][c] += a[r][k] * e->g[k][c];
            }
        for (int r = 0; r < 3; r++) {
            ah[r] = 0;
            for (int k = 0; k < 4; k++)
                ah[r] += a[r][k] * e->h[k];
            for (int c = 0; c < 3; c++) {
                aga[r][c] = 0;
                for (int k = 0; k < 4; k++)
                    aga[r][c] += ag[r][k] * a[c][k];
            }
        }
        if (solve3(aga, ah, beta) != 0 || !isfinite(beta[1]) || !isfinite(beta[2]))
            return RMAT_E_ARG;
        off = beta[0];
        /* A share below 0 is no crosstalk (the noise's offset, which is
         * not linear near 0 counts); above the range, no passive matrix. */
        xr = beta[1] < 0 ? 0 : beta[1] > MAX_SHARE ? MAX_SHARE : beta[1];
        xc = beta[2] < 0 ? 0 : beta[2] > MAX_SHARE ? MAX_SHARE : beta[2];
    }
    out->row_pct = 100.0 * xr;
    out->col_pct = 100.0 * xc;
    out->offset_counts = off;
    return RMAT_OK;
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
    double *load_at; /* rows * cols: the count from which the sensel is loaded */
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
    sf->load_at = malloc(n * sizeof *sf->load_at);
    sf->row_sum = malloc((size_t)rows * sizeof *sf->row_sum);
    sf->col_sum = malloc((size_t)cols * sizeof *sf->col_sum);
    if (!sf->work || !sf->e || !sf->load_at || !sf->row_sum || !sf->col_sum) {
        rmat_sensorfix_free(sf);
        return RMAT_E_NOMEM;
    }
    /* The loaded test in counts: the smallest whole count whose pressure
     * (table times gain; the table never falls) reaches creep_load_kpa,
     * less half a count, so that "x >= load_at" is "round(x) reads loaded"
     * without a rounding and a table lookup per sensel and frame. */
    for (size_t k = 0; k < n; k++) {
        const double g = scale->gains ? (double)scale->gains[k] : 1.0;
        uint32_t lo = 0, hi = (uint32_t)scale->max_count + 1u;
        while (lo < hi) {
            const uint32_t mid = lo + (hi - lo) / 2;
            if (scale->kpa[mid] * g >= cfg->creep_load_kpa)
                hi = mid;
            else
                lo = mid + 1;
        }
        /* lo: the first such count; max_count + 1: none (never loaded). */
        sf->load_at[k] = lo > scale->max_count ? INFINITY : (double)lo - 0.5;
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
    free(sf->load_at);
    free(sf->row_sum);
    free(sf->col_sum);
    free(sf);
}

/* v rounded to a whole count in 0 .. top. For v > 0 adding a half and
 * truncating is floor(v + 0.5), without floor(): the baseline x86-64 has
 * no SSE4.1 rounding, and a libm call per sensel and frame doubled the
 * corrections' cost. */
static uint16_t to_count(double v, double top)
{
    if (!(v > 0))
        return 0;
    if (v >= top)
        return (uint16_t)top;
    return (uint16_t)(v + 0.5);
}

/* One frame's step of the creep state of sensel k reading c counts (its
 * crosstalk already removed); returns the share to divide by, 1 + e. */
static double creep_step(struct rmat_sensorfix *sf, size_t k, double c, double e_max, double up,
                         double down)
{
    double e = sf->e[k];
    if (c >= sf->load_at[k] * (1.0 + e)) {
        e += (e_max - e) * up;
    } else if (e != 0.0) {
        e -= e * down;
        /* Recovered: below 1e-6 the creep moves no count (4095 x 1e-6 <
         * 0.005), and 0 takes the sensel off the work. */
        if (e < 1e-6)
            e = 0.0;
    }
    sf->e[k] = e;
    return 1.0 + e;
}

void rmat_sensorfix_apply(struct rmat_sensorfix *sf, const uint16_t *raw, double t_s, uint16_t *out)
{
    const size_t n = (size_t)sf->rows * (size_t)sf->cols;
    const double top = (double)sf->scale->max_count;
    const double e_max = sf->cfg.creep_pct / 100.0;
    double *w = sf->work;
    double up = 0.0, down = 0.0;

    if (sf->creep) {
        double dt = sf->have_t ? t_s - sf->t_prev_s : 0.0;
        if (!(dt > 0))
            dt = 0.0;
        sf->have_t = 1;
        sf->t_prev_s = t_s;
        up = 1.0 - exp(-dt / sf->cfg.creep_tau_s);
        down = 1.0 - exp(-dt / sf->cfg.creep_recover_tau_s);
    }
    if (!sf->crosstalk) {
        /* Creep alone, straight from the counts: a sensel without creep
         * that is not loaded (most, most of the time) is copied. */
        for (size_t k = 0; k < n; k++) {
            const double c = raw[k];
            if (sf->e[k] == 0.0 && c < sf->load_at[k]) {
                out[k] = (uint16_t)(c > top ? top : c);
                continue;
            }
            out[k] = to_count(c / creep_step(sf, k, c, e_max, up, down), top);
        }
        return;
    }
    for (size_t k = 0; k < n; k++)
        w[k] = (double)raw[k];
    rmat_crosstalk_invert(sf->rows, sf->cols, sf->cfg.crosstalk_row_pct / 100.0,
                          sf->cfg.crosstalk_col_pct / 100.0, w, w, sf->row_sum, sf->col_sum);
    if (sf->creep)
        for (size_t k = 0; k < n; k++)
            if (sf->e[k] != 0.0 || w[k] >= sf->load_at[k])
                w[k] /= creep_step(sf, k, w[k], e_max, up, down);
    for (size_t k = 0; k < n; k++)
        out[k] = to_count(w[k], top);
}
