/* rollmat: per-frame metrics of one pressure frame (shared/spec/METRICS.md,
 * "Per frame"; docs/metrics.md for users).
 *
 * Pure functions over arrays: they read a frame of pressures and write a
 * caller-owned output struct. They allocate nothing, keep no state and never
 * fail, so the analysis can call them once per frame (360,000 times for an
 * hour at 100 Hz).
 *
 * Geometry (METRICS.md, "Geometry and pressure"): sensel (i, j), row i in
 * [0, rows), column j in [0, cols), has its centre at
 * x = (j + 0.5) * pitch_x_mm, y = (i + 0.5) * pitch_y_mm and area
 * a = pitch_x_mm * pitch_y_mm mm². Frames are row-major: p[i * cols + j].
 * A sensel is in contact when p >= contact_threshold.
 */
#ifndef ROLLMAT_METRICS_H
#define ROLLMAT_METRICS_H

#include <stddef.h>

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
 * Fields METRICS.md leaves empty when no sensel is in contact are NaN then. */
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

/* The per-sensel peak map (METRICS.md, "Maps": peak_kpa): raises each
 * peak_kpa[k] to p[k] where p[k] is larger, for the g->rows * g->cols
 * sensels. The caller initialises the map once (to -INFINITY, or to the
 * first frame). Allocates nothing. */
void rmat_map_peak_update(const struct rmat_grid *g, const double *p, double *peak_kpa);

#endif
