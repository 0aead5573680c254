/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: corrections of the FSR mat's own errors, applied to a frame's
 * counts before they become pressures (docs/corrections.md).
 *
 * Two corrections, each off unless asked for, in the order that undoes
 * the sensor's (the virtual mat's model, firmware/boards/sim/sim.h: gain,
 * curve, creep, crosstalk, noise):
 *
 *  1. crosstalk of a passive matrix: each sensel reads, besides its own
 *     counts, xr of the rest of its row's and xc of the rest of its
 *     column's; inverted exactly (rmat_crosstalk_invert());
 *  2. creep: an FSR under a held load reads more as time goes on,
 *     c (1 + e) with e rising towards E = creep_pct / 100 with time
 *     constant creep_tau_s while loaded (p >= creep_load_kpa) and falling
 *     back with creep_recover_tau_s when not. The correction runs the
 *     same first-order state per sensel from the frame times and divides
 *     the counts by 1 + e.
 *
 * The result is counts again (rounded, within the ADC's range), so
 * everything after (the lookup table, the metrics, the maps) is the
 * analysis's usual path. With both corrections off the analysis never
 * calls this module.
 */
#ifndef ROLLMAT_SENSORFIX_H
#define ROLLMAT_SENSORFIX_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/metrics.h"

/* What to correct. Percentages as in a calibration file (calib.h). */
struct rmat_sensorfix_config {
    double crosstalk_row_pct; /* 0..10: % of the rest of the row's counts */
    double crosstalk_col_pct; /* 0..10: % of the rest of the column's */
    double creep_pct;         /* 0..50; 0: no creep correction */
    double creep_tau_s;       /* > 0 when creep_pct > 0 */
    double creep_recover_tau_s;
    double creep_load_kpa; /* a sensel is loaded from this pressure */
};

/* Every correction off. */
void rmat_sensorfix_config_init(struct rmat_sensorfix_config *cfg);

/* Whether cfg corrects anything: crosstalk when either share is above 0,
 * creep when creep_pct is. */
int rmat_sensorfix_has_crosstalk(const struct rmat_sensorfix_config *cfg);
int rmat_sensorfix_has_creep(const struct rmat_sensorfix_config *cfg);

/* The crosstalk's exact inverse. m (rows * cols, row-major) was made from
 * c by m_ij = c_ij + xr (R_i - c_ij) + xc (C_j - c_ij), R_i and C_j the
 * row and column sums of c; writes c (which may be m itself). xr, xc are
 * shares (0.001 for 0.1%), each in [0, 0.1]. row_sum (rows) and col_sum
 * (cols) are the caller's scratch and get R and C. O(rows * cols);
 * allocates nothing. The derivation is in sensorfix.c. */
void rmat_crosstalk_invert(int rows, int cols, double xr, double xc, const double *m, double *c,
                           double *row_sum, double *col_sum);

/* --- estimating the crosstalk from a recording (--crosstalk auto) -------
 *
 * A sensel far from any load reads only its ghost, xr R_i + xc C_j (R, C
 * the true row and column sums), plus the noise's offset. Over many such
 * sensels of many frames, least squares of their counts on 1, R_i and C_j
 * gives the offset, xr and xc. R and C are not measured, M and N (the
 * measured sums) are, and they are linear in R, C and the total for given
 * xr, xc (sensorfix.c), so the sums of the normal equations are kept in
 * terms of (1, M_i, N_j, T_m) and the fit iterates: R and C from the last
 * estimate, solve, again. "Far from a load": more than
 * RMAT_CROSSTALK_EST_MARGIN sensels (in rows and columns) from any sensel
 * reading at least RMAT_CROSSTALK_EST_LOAD_SHARE of the frame's largest
 * count, and in a row or column whose sum is at least
 * RMAT_CROSSTALK_EST_BUSY times that count (where the ghost stands clear
 * of the noise). On a mat without crosstalk the estimate is 0 within its
 * noise. */
#define RMAT_CROSSTALK_EST_MARGIN     2
#define RMAT_CROSSTALK_EST_LOAD_SHARE 0.25
#define RMAT_CROSSTALK_EST_BUSY       2.0

struct rmat_crosstalk_est;

/* A new estimator for a rows x cols mat (at most 255 x 255); NULL when out
 * of memory or for a bad grid. Free with rmat_crosstalk_est_free(). */
struct rmat_crosstalk_est *rmat_crosstalk_est_new(int rows, int cols);

/* Frees e; NULL is allowed. */
void rmat_crosstalk_est_free(struct rmat_crosstalk_est *e);

/* Adds the far sensels of one frame of counts (rows * cols). A frame whose
 * largest count is below min_peak_counts (no load worth the name) adds
 * nothing. Allocates nothing. */
void rmat_crosstalk_est_add(struct rmat_crosstalk_est *e, const uint16_t *raw,
                            double min_peak_counts);

/* What the estimator found. */
struct rmat_crosstalk_estimate {
    double row_pct, col_pct; /* the shares in %, never below 0 */
    double offset_counts;    /* the far sensels' reading without crosstalk */
    uint64_t frames;         /* frames that added sensels */
    uint64_t samples;        /* sensels used */
};

/* Solves for the shares. RMAT_E_ARG when there is too little to go on
 * (fewer than 100 samples, or samples that do not tell rows from columns
 * apart: no frame with a load). */
int rmat_crosstalk_est_solve(const struct rmat_crosstalk_est *e,
                             struct rmat_crosstalk_estimate *out);

/* The state of the corrections over one recording. */
struct rmat_sensorfix;

/* Makes the corrections cfg (copied) for a rows x cols mat. scale says
 * what pressure a count is (metrics.h; it is kept, and must outlive the
 * result): the creep's loaded test, and the largest count. Returns 0 and
 * *out (free with rmat_sensorfix_free()), or RMAT_E_ARG (a grid or a
 * parameter out of range: crosstalk shares outside 0..10%, creep outside
 * 0..50% or time constants not positive), RMAT_E_NOMEM; *out NULL then. */
int rmat_sensorfix_new(const struct rmat_sensorfix_config *cfg, int rows, int cols,
                       const struct rmat_counts_scale *scale, struct rmat_sensorfix **out);

/* Frees sf; NULL is allowed. */
void rmat_sensorfix_free(struct rmat_sensorfix *sf);

/* Corrects one frame: raw (rows * cols counts) at t_s seconds since the
 * first frame into out (may not be raw), rounded and clipped to 0 ..
 * scale->max_count. Frames come in time order: the creep state steps by
 * the time since the previous frame (none before the first; a step back
 * counts as 0). Allocates nothing. */
void rmat_sensorfix_apply(struct rmat_sensorfix *sf, const uint16_t *raw, double t_s,
                          uint16_t *out);

#endif
