/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: making a calibration (rollmat calibrate, rollmat equilibrate):
 * the count-to-kPa curve fitted from recordings of known loads, and the
 * per-sensel gains from a recording under a uniform load. The calibration
 * itself (its text file, its curves, its place in a recording) is calib.h's.
 */
#ifndef ROLLMAT_CALIBRATE_H
#define ROLLMAT_CALIBRATE_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/calib.h"
#include "rollmat/diag.h"

/* --- fitting (rollmat calibrate) ---------------------------------------- */

/* One known load: the mean count the loaded sensels read, and the pressure
 * the load put on them. */
struct rmat_calib_point {
    double counts;
    double kpa;
};

/* Fits a curve of kind `curve` through the points, by least squares:
 * linear in (counts, kPa); power and divider in logarithms (log p against
 * log(c / c_max) or log(c / (c_max - c))), so each point weighs by its
 * relative error; a table takes the points themselves (sorted by counts).
 * c_max_counts is the power and divider curves' full scale (> every point's
 * counts for a divider). Needs at least 1 point for linear (then through
 * zero) and table, 2 for power and divider, with distinct counts, positive
 * counts and kPa where logarithms are taken, and points that rise together
 * for a table. fit_kpa (NULL allowed) gets the fitted curve's kPa at each
 * point's counts. Errors: RMAT_E_ARG with a message saying which point and
 * why; RMAT_E_NOMEM. *out NULL on error; free with rmat_calib_free(). */
int rmat_calib_fit(enum rmat_curve curve, const struct rmat_calib_point *pts, size_t n,
                   double c_max_counts, struct rmat_calib **out, double *fit_kpa,
                   struct rmat_errinfo *ei);

/* --- equilibration (rollmat equilibrate) -------------------------------- */

/* Per-sensel gains from the mean pressure each sensel read under a uniform
 * load: gain = (mean over the live sensels of mean_p) / mean_p. A sensel
 * whose mean is at most dead_below (dead, or outside the load) gets gain 1
 * and is counted. Writes n gains; returns the number of such sensels, or
 * RMAT_E_ARG (bad arguments, or no live sensel at all). */
int rmat_calib_gains_from_means(const double *mean_p, size_t n, double dead_below, float *gains);

/* --- reading calibration recordings ----------------------------------- */

/* What a recording of a known, steady load shows: per-sensel means over the
 * frames taken as loaded, those whose total count is at least half the
 * largest frame's (the load's coming and going is left out). */
struct rmat_load_stats {
    uint64_t frames;        /* in the recording */
    uint64_t loaded_frames; /* averaged */
    int rows, cols, adc_bits;
    uint32_t serial; /* the mat's, from /device */
    double pitch_x_mm, pitch_y_mm;
    double *mean_counts; /* rows * cols: mean count per sensel (owned) */
    double *mean_kpa;    /* rows * cols: mean of curve(count), only when a
                            calibration was given (owned; else NULL) */
};

struct rmat_reader;

/* One pass over reader r: each frame's total count (the sum of its sensels)
 * into totals[0 .. frames), its time into t_us (NULL: not wanted), and the
 * largest total into *best. raw is the caller's scratch for block_frames
 * frames of the recording's grid. The calibrations find a recording's
 * loaded frames this way (those at half the largest total or more).
 * Returns RMAT_OK or the reader's error. */
int rmat_calib_frame_totals(struct rmat_reader *r, uint16_t *raw, size_t block_frames,
                            uint64_t *t_us, uint64_t *totals, uint64_t *best,
                            struct rmat_errinfo *ei);

/* Reads the recording at rec_path twice (frame totals, then the loaded
 * frames' per-sensel sums) into *st. cal (NULL allowed) converts counts
 * for mean_kpa through its curve, without gains. Errors: those of the
 * reader (naming the file); RMAT_E_FORMAT for a recording without frames
 * or with no counts at all ("nothing was loaded"); RMAT_E_NOMEM. Free with
 * rmat_load_stats_fini(). */
int rmat_load_stats_read(const char *rec_path, const struct rmat_calib *cal,
                         struct rmat_load_stats *st, struct rmat_errinfo *ei);

/* Frees what st holds; safe on a zeroed struct and twice. */
void rmat_load_stats_fini(struct rmat_load_stats *st);

/* The mean count under a load covering area_cm2: the loaded area holds
 * round(area_cm2 * 100 / sensel area) sensels (at least 1, at most all),
 * taken as the sensels with the largest mean counts; returns their mean
 * count, and their number in *n_sensels. NaN for bad arguments. */
double rmat_load_mean_counts(const struct rmat_load_stats *st, double area_cm2, size_t *n_sensels);

/* --- creep (rollmat calibrate --creep) --------------------------------- */

/* The creep law of an FSR under a load put on at t = 0 and held:
 *   c(t) = c0 (1 + E (1 - exp(-t / tau)))
 * Fits c0, E and tau to n >= 4 samples (t_s from the load's start, counts)
 * by least squares: for each tau the model is linear in c0 and c0 E, and
 * tau is searched on a logarithmic grid from 0.1 s to 3600 s and refined by
 * golden section. *rms_pct gets the rms residual in % of c0 (NULL
 * allowed). RMAT_E_ARG for too few or non-finite samples, samples spanning
 * no time, or a curve that does not rise (E <= 0: no creep to fit). */
int rmat_creep_fit_curve(const double *t_s, const double *counts, size_t n, double *c0, double *e,
                         double *tau_s, double *rms_pct);

/* What rollmat calibrate --creep found in a recording of a held load. */
struct rmat_creep_fit {
    double creep_pct;            /* E in %: how far the counts rise under the held load */
    double tau_s;                /* the rise's time constant */
    double recover_tau_s;        /* NaN: no second hold to fit it from */
    double c0_counts;            /* the first hold's level before any creep */
    double rms_pct;              /* the first hold's fit residual, % of c0 */
    double residual_pct;         /* creep left at the second hold's start (NaN: none) */
    double hold_start_s, hold_s; /* the first hold, from the recording's first frame */
    double gap_s, hold2_s;       /* the lift and the second hold (0: none) */
    size_t sensels;              /* loaded sensels averaged */
    uint64_t frames;             /* frames fitted (both holds) */
};

/* Reads the recording of a load held on the mat (a weight, or the virtual
 * mat's `hold` scene): a hold is a run of frames whose total count is at
 * least half the largest frame's, lasting at least RMAT_CREEP_MIN_HOLD_S;
 * its loaded sensels are those whose mean count over the first hold is at
 * least half the largest sensel's. Their mean count over the first hold is
 * fitted with rmat_creep_fit_curve(). A second hold after a lift gives the
 * recovery: with the first hold's E and tau, the second's start level says
 * how much creep was left after the gap g, r = e1 exp(-g / recover_tau),
 * e1 the creep at the first hold's end. Errors, naming the file and what
 * to do: those of the reader; RMAT_E_FORMAT for a recording without a held
 * load (no hold of RMAT_CREEP_MIN_HOLD_S) or whose counts do not rise
 * under it; RMAT_E_NOMEM. */
#define RMAT_CREEP_MIN_HOLD_S 10.0
int rmat_creep_fit_recording(const char *rec_path, struct rmat_creep_fit *out,
                             struct rmat_errinfo *ei);

#endif
