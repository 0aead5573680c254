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

#endif
