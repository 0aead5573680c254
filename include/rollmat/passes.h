/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: position along the rolling direction, smoothing and passes
 * (docs/metrics.md: "Per frame" s_mm, "Passes"; docs/metrics.md).
 *
 * Pure functions over the per-frame series of a session. A frame without
 * contact carries NaN in its CoP and s series; that is how these functions
 * tell contact runs apart: a contact run is a maximal stretch of frames
 * whose value is a number.
 */
#ifndef ROLLMAT_PASSES_H
#define ROLLMAT_PASSES_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>

#include "rollmat/err.h"
#include "rollmat/metrics.h"

/* The session's rolling axis: the mean CoP (mean_x_mm, mean_y_mm) and the
 * unit major axis (ux, uy) of the CoP covariance over the frames where
 * x[k] and y[k] are numbers (unweighted: each frame counts once). The sign
 * of u is fixed so that its larger component is positive (rolling along y
 * gives u = (0, 1), s growing with y). Without any such frame the mean is
 * NaN and u = (0, 1); with no preferred direction (a single point, or equal
 * spreads without correlation) u = (1, 0). Returns the number of frames
 * used. */
size_t rmat_rolling_axis(const double *x, const double *y, size_t n, double *mean_x_mm,
                         double *mean_y_mm, double *ux, double *uy);

/* s[k] = (x[k] - mean_x_mm, y[k] - mean_y_mm) . (ux, uy): docs/metrics.md's s_mm.
 * NaN where x or y is. s may be x or y itself (element by element). */
void rmat_s_along(const double *x, const double *y, size_t n, double mean_x_mm, double mean_y_mm,
                  double ux, double uy, double *s);

/* The centred moving average of v over window_s seconds of contact frames:
 * out[k] is the mean of v[j] over the frames j of k's contact run with
 * |t_s[j] - t_s[k]| <= window_s / 2 (the window shrinks at a run's ends
 * and never reaches across a frame without contact). NaN where v is NaN.
 * window_s <= 0 copies v. out must not alias v. t_s must not decrease
 * within a run. Allocates nothing; O(n). */
void rmat_smooth_contact(const double *t_s, const double *v, size_t n, double window_s,
                         double *out);

/* One pass: a stroke of the roller in one direction. first and last are
 * frame indices (inclusive: a turning frame ends one pass and starts the
 * next). */
struct rmat_pass {
    size_t first, last;
    double t_start_s, t_end_s;
    int direction;           /* +1: s grows, -1: s falls */
    double amplitude_mm;     /* |smoothed s at last - smoothed s at first| */
    double speed_mm_s;       /* amplitude over duration; NaN if duration is 0 */
    double mean_force_n;     /* mean over the pass's frames */
    double peak_kpa;         /* largest frame peak_kpa */
    double mean_kpa;         /* mean of the frames' mean_kpa */
    double mean_area_cm2;    /* mean of area_cm2 */
    double mean_width_mm;    /* mean of width_mm */
    double compliance_mm3_n; /* median of compliance_mm3_n */
};

/* Finds the passes in the smoothed s series ss (NaN: no contact; from
 * rmat_smooth_contact()). In each contact run a turning point is where ss
 * has moved back by at least turn_mm from its latest extreme (hysteresis:
 * wiggles smaller than turn_mm never turn); the spans between consecutive
 * turning points, and between the run's start or end and its first or last
 * turning point, are passes when their |delta s| is at least turn_mm.
 * Fills first, last, t_start_s, t_end_s, direction, amplitude_mm and
 * speed_mm_s; the frame statistics are NaN until rmat_pass_stats().
 *
 * *out gets a malloc'd array the caller frees with free() (NULL when there
 * are no passes) and *n_out its length. Returns RMAT_OK, RMAT_E_ARG (NULL
 * pointers, turn_mm not positive) or RMAT_E_NOMEM. */
int rmat_passes_find(const double *t_s, const double *ss, size_t n, double turn_mm,
                     struct rmat_pass **out, size_t *n_out);

/* Fills the frame statistics of pass p from the per-frame metrics m (the
 * whole session's array, indexed by frame). scratch holds at least
 * p->last - p->first + 1 doubles (for the median). Frames without contact
 * cannot occur inside a pass; NaN values are skipped all the same. */
void rmat_pass_stats(const struct rmat_frame_metrics *m, struct rmat_pass *p, double *scratch);

/* The median of the numbers among v[0..n) (NaN skipped), reordering v.
 * NaN if there are none. The mean of the two middle values for even
 * counts. */
double rmat_median(double *v, size_t n);

#endif
