/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: per-frame metrics of one pressure frame (docs/metrics.md,
 * "Per frame"; docs/metrics.md for users).
 *
 * Pure functions over arrays: they read a frame of pressures and write a
 * caller-owned output struct. They allocate nothing, keep no state and never
 * fail, so the analysis can call them once per frame (360,000 times for an
 * hour at 100 Hz).
 *
 * Geometry (docs/metrics.md, "Geometry and pressure"): sensel (i, j), row i in
 * [0, rows), column j in [0, cols), has its centre at
 * x = (j + 0.5) * pitch_x_mm, y = (i + 0.5) * pitch_y_mm and area
 * a = pitch_x_mm * pitch_y_mm mm². Frames are row-major: p[i * cols + j].
 * A sensel is in contact when p >= contact_threshold.
 */
#ifndef ROLLMAT_METRICS_H
#define ROLLMAT_METRICS_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/err.h"

/* The sensel grid of a mat. rows and cols are at least 1, pitches positive. */
struct rmat_grid {
    int rows;
    int cols;
    double pitch_x_mm; /* between column centres */
    double pitch_y_mm; /* between row centres */
};

/* Metrics of one frame. Pressures are kPa when the frame was calibrated and
 * raw counts otherwise; force_n, mean_kpa, peak_kpa and compliance_mm3_n then
 * carry the same scale (counts * mm² / 1000 instead of N, and so on).
 * Fields docs/metrics.md leaves empty when no sensel is in contact are NaN then. */
struct rmat_frame_metrics {
    double force_n;          /* sum(p * a) / 1000 over contact sensels; 0 if none */
    double area_cm2;         /* contact sensels * a / 100; 0 if none */
    double mean_kpa;         /* mean p over the contact; NaN if none */
    double peak_kpa;         /* largest p of all sensels, in contact or not */
    double cop_x_mm;         /* p-weighted mean x of the contact; NaN if none */
    double cop_y_mm;         /* p-weighted mean y of the contact; NaN if none */
    double width_mm;         /* sqrt(12 * smaller eigenvalue of the p-weighted
                                position covariance); NaN if none */
    double length_mm;        /* sqrt(12 * larger eigenvalue); NaN if none */
    double compliance_mm3_n; /* width_mm^2 * length_mm / force_n; NaN if none */
    int contact_sensels;     /* sensels with p >= threshold */
};

/* Computes the metrics of the frame p (g->rows * g->cols values, row-major)
 * into *out, counting a sensel as in contact when p >= contact_threshold
 * (kPa, or counts for an uncalibrated frame; it should be positive).
 *
 * A single contact sensel has width_mm = length_mm = 0 and so
 * compliance_mm3_n = 0. If the contact's pressures sum to zero or less (only
 * possible with a threshold <= 0), the p-weighted quantities (CoP, width,
 * length, compliance) are NaN. A grid with fewer than one row or column, or
 * NULL pointers, give an all-NaN result with peak_kpa NaN and
 * contact_sensels 0 (out may be NULL: then nothing is written).
 * Allocates nothing. */
void rmat_frame_metrics_compute(const struct rmat_grid *g, const double *p,
                                double contact_threshold, struct rmat_frame_metrics *out);

/* --- from raw counts: the analysis's fast path ---------------------------
 *
 * A frame under a roller is mostly rows without contact: their counts are
 * noise. Taking each row's largest count first (16-bit integers, eight to a
 * vector) tells which rows cannot hold a contact sensel even with the
 * largest gain; only the other, "live" rows are converted to kPa and
 * summed. The result is exactly rmat_frame_metrics_compute() of the fully
 * converted frame: a row without contact adds nothing to any sum, and the
 * peak of a skipped row is bounded from its largest count. */

/* How counts become pressures: p = kpa[min(c, max_count)] * gains[k]. */
struct rmat_counts_scale {
    const double *kpa; /* kpa[0..max_count]: non-decreasing, >= 0 */
    uint16_t max_count;
    const float *gains; /* one per sensel, >= 0; NULL: all 1 */
    double gain_max;    /* the largest gain (1 without gains) */
    double contact_threshold;
    uint32_t contact_min_counts; /* smallest count that can reach the threshold
                                    (max_count + 1 if none) */
};

/* Fills sc (which keeps pointers to kpa and gains: they must outlive it).
 * RMAT_E_ARG if kpa falls or is negative or NaN, a gain is negative, NaN or
 * infinite, or the threshold is NaN. */
int rmat_counts_scale_init(struct rmat_counts_scale *sc, const double *kpa, uint16_t max_count,
                           const float *gains, size_t sensels, double contact_threshold);

/* Converts the sensels [first, first + n) of the frame raw (counts, indexed
 * from the frame's first sensel, as sc->gains is) into p[first ..
 * first + n). Allocates nothing. */
void rmat_counts_to_kpa(const struct rmat_counts_scale *sc, const uint16_t *raw, size_t first,
                        size_t n, double *p);

#define RMAT_SCAN_MAX_ROWS 256 /* the scan's limit; recordings have at most 255 */

/* What rmat_counts_scan() found in a frame. */
struct rmat_counts_scan {
    uint16_t nonlive_max;              /* the largest count of the rows not live (0 if all are) */
    int live_rows;                     /* rows marked live */
    uint16_t live[RMAT_SCAN_MAX_ROWS]; /* their indices, increasing */
};

/* One pass over a frame's counts (rows * cols; rows at most
 * RMAT_SCAN_MAX_ROWS, any more are not looked at): live[i] (rows bytes) is
 * set for the rows with a count of at least sc->contact_min_counts (they
 * may hold contact sensels; the others cannot), and peak_counts (rows *
 * cols; NULL: none), a map of the largest count each sensel saw, is raised
 * where this frame's counts are larger. Allocates nothing. */
void rmat_counts_scan(const struct rmat_counts_scale *sc, const uint16_t *raw, int rows, int cols,
                      uint16_t *peak_counts, uint8_t *live, struct rmat_counts_scan *out);

/* The metrics of a frame of raw counts (g->rows * g->cols) scanned by
 * rmat_counts_scan() into live and scan: p (g->rows * g->cols) gets the
 * pressures of the live rows (and of the others only where their peak must
 * be searched; the rest is left as it was), and *out exactly what
 * rmat_frame_metrics_compute() gives for the whole frame converted. g must
 * be valid (rows, cols >= 1). Allocates nothing. */
void rmat_frame_metrics_from_counts(const struct rmat_grid *g, const uint16_t *raw,
                                    const struct rmat_counts_scale *sc, const uint8_t *live,
                                    const struct rmat_counts_scan *scan, double *p,
                                    struct rmat_frame_metrics *out);

/* The analysis's units for a frame of counts (units.h): force_n becomes the
 * raw sum of the contact's counts (force_n * 1000 / the sensel's area in
 * mm²) and compliance_mm3_n is rescaled to match; the rest stays. Every
 * uncalibrated number shown or written goes through this. */
void rmat_frame_metrics_counts_units(const struct rmat_grid *g, struct rmat_frame_metrics *m);

/* The per-sensel peak map (docs/metrics.md, "Maps": peak_kpa): raises each
 * peak_kpa[k] to p[k] where p[k] is larger, for the g->rows * g->cols
 * sensels. The caller initialises the map once (to -INFINITY, or to the
 * first frame). Allocates nothing. */
void rmat_map_peak_update(const struct rmat_grid *g, const double *p, double *peak_kpa);

/* The duration of frame k of a session with frame times t_s (seconds since
 * the first frame): t_s[k] - t_s[k - 1], the time since the frame before
 * (0 if the clock stepped back), and nominal_dt_s for the first frame.
 * This is the dt of docs/metrics.md's time sums (dwell, PTI, contact time): a
 * frame stands for the time since the previous one, so a gap of lost
 * frames counts for the frame after it. */
static inline double rmat_frame_dt(const double *t_s, size_t k, double nominal_dt_s)
{
    if (k == 0)
        return nominal_dt_s;
    const double dt = t_s[k] - t_s[k - 1];
    return dt > 0 ? dt : 0.0;
}

/* Means over the frames first..last (inclusive) of m, as passes and holds
 * report them: each mean skips frames where its metric is NaN (no contact)
 * and is NaN when every frame's is; peak_kpa is the largest. */
struct rmat_span_means {
    double force_n, mean_kpa, area_cm2, width_mm, peak_kpa;
};
void rmat_span_means(const struct rmat_frame_metrics *m, size_t first, size_t last,
                     struct rmat_span_means *out);

#endif
