/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: cadence, the rate of back-and-forth rolling (docs/metrics.md,
 * "Cadence").
 *
 * cadence_cpm is the frequency of the largest peak of the power spectrum
 * of smoothed s(t) between 0.05 and 3 Hz, in cycles per minute, one cycle
 * being a pass each way. The series is the longest contact run (by
 * duration), resampled to the nominal frame rate by linear interpolation
 * (which also fills frames lost inside the run), the mean removed and a
 * Hann window applied, then zero-padded and transformed by FFTW. The
 * peak's frequency is refined between bins by a parabola through the
 * logarithms of the three largest neighbouring powers (exact for a
 * Gaussian peak, within a few thousandths of a bin for the Hann window's).
 * Fewer than two cycles in the run: no cadence.
 *
 * The FFTW plan and its buffers belong to a struct rmat_cadence, made once
 * for the longest series it will see.
 */
#ifndef ROLLMAT_CADENCE_H
#define ROLLMAT_CADENCE_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>

#include "rollmat/diag.h"

#define RMAT_CADENCE_F_LO_HZ    0.05 /* docs/metrics.md's band */
#define RMAT_CADENCE_F_HI_HZ    3.0
#define RMAT_CADENCE_MIN_CYCLES 2.0

struct rmat_cadence;

struct rmat_cadence_result {
    double cadence_cpm;         /* NaN: none (under two cycles, no peak, no run) */
    double peak_hz;             /* the refined peak; NaN if no peak in the band */
    double cycles;              /* peak_hz * the run's duration */
    size_t run_first, run_last; /* frames of the longest contact run */
    size_t samples;             /* of the resampled series; 0 if no run */
};

/* The number of samples the longest contact run of ss (NaN: no contact)
 * gives at rate_hz, i.e. what rmat_cadence_new() needs. 0 if there is no
 * contact or rate_hz is not positive. */
size_t rmat_cadence_samples(const double *t_s, const double *ss, size_t n, double rate_hz);

/* Makes the FFT plan (FFTW_ESTIMATE, real to complex) and buffers for
 * series of up to max_samples samples (at least 1), zero-padded to at least
 * twice that. *out NULL on error; free with rmat_cadence_free(). Errors:
 * RMAT_E_ARG, RMAT_E_NOMEM (with a message). */
int rmat_cadence_new(size_t max_samples, struct rmat_cadence **out, struct rmat_errinfo *ei);

/* Frees c, its plan and buffers; NULL is allowed. */
void rmat_cadence_free(struct rmat_cadence *c);

/* The cadence of the smoothed s series ss (NaN where there is no contact)
 * at frame times t_s, resampled at rate_hz. res is always filled. Returns
 * RMAT_OK (also when there is no cadence: res->cadence_cpm is NaN then), or
 * RMAT_E_ARG (NULL pointers, rate_hz not positive, a run longer than c was
 * made for). Allocates nothing. */
int rmat_cadence_compute(struct rmat_cadence *c, const double *t_s, const double *ss, size_t n,
                         double rate_hz, struct rmat_cadence_result *res);

/* The power spectrum the last rmat_cadence_compute() on c transformed
 * (the one its cadence comes from, for the figures to show): *n bins, bin
 * k at k * *df_hz Hz, from 0 to half the resampling rate. NULL with *n 0
 * when that computation had no series to transform (res->samples < 3).
 * Owned by c; valid until its next computation. */
const double *rmat_cadence_spectrum(const struct rmat_cadence *c, size_t *n, double *df_hz);

#endif
