/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: per-sensel maps of a session (docs/metrics.md, "Maps";
 * docs/metrics.md).
 *
 *   dwell_s    time each sensel was in contact: sum of dt over frames
 *   pti_kpa_s  pressure-time integral: sum of p * dt over contact frames
 *   peak_kpa   largest p each sensel saw (in contact or not)
 *
 * The maps are accumulated frame by frame in the analysis's one pass, so
 * they cost O(grid) memory. Two shortcuts keep that pass fast and exact:
 *
 *  - the peak is kept in raw counts and turned into kPa at the end: every
 *    calibration curve is non-decreasing and every gain non-negative
 *    (calib.h), so the largest count gives the largest pressure;
 *  - a row that cannot hold contact (not "live", metrics.h) is left as it
 *    is in the dwell and PTI maps without looking at its pressures.
 */
#ifndef ROLLMAT_MAPS_H
#define ROLLMAT_MAPS_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"
#include "rollmat/metrics.h"

struct rmat_maps {
    int rows, cols;
    double contact_threshold;    /* kPa (counts without calibration) */
    uint16_t contact_min_counts; /* rows with no count at or above this have no contact */
    double *dwell_s;             /* rows * cols, row-major, as every map here */
    double *pti_kpa_s;
    uint16_t *peak_counts;
    double *peak_kpa; /* filled by rmat_maps_finish() */
};

/* Sets up zeroed maps for a rows x cols mat with contact at
 * p >= contact_threshold. Allocates the maps (free with rmat_maps_fini()).
 * RMAT_E_ARG, RMAT_E_NOMEM. */
int rmat_maps_init(struct rmat_maps *m, int rows, int cols, double contact_threshold);

/* Frees the maps' arrays; m itself is the caller's. Safe on a zeroed or
 * finished struct, and twice. */
void rmat_maps_fini(struct rmat_maps *m);

/* Adds one frame lasting dt_s seconds: its raw counts (NULL when the peak
 * map was raised already, by rmat_counts_scan() on m->peak_counts), and the
 * pressures made from them (both rows * cols) of the rows listed in
 * rows[0..n_rows) (the scan's live rows, as rmat_frame_metrics_from_counts()
 * leaves them; rows NULL: every row). Allocates nothing. */
void rmat_maps_add(struct rmat_maps *m, const uint16_t *raw, const double *p, const uint16_t *rows,
                   int n_rows, double dt_s);

/* Turns the peak counts into peak_kpa through the scale the frames were
 * converted with. With frames == 0 the peak map is NaN (nothing seen is
 * not zero). */
void rmat_maps_finish(struct rmat_maps *m, const struct rmat_counts_scale *sc, uint64_t frames);

/* Number of sensels with any contact (dwell_s > 0). */
size_t rmat_maps_covered(const struct rmat_maps *m);

/* Writes the maps to path (HDF5, replaced if there): datasets dwell_s,
 * pti_kpa_s and peak_kpa, float64 [rows][cols], each with a "units"
 * attribute (s, "<units>*s", <units>: units is "kPa" or "counts"), and
 * root attributes rows, cols, pitch_x_mm, pitch_y_mm, units. Errors:
 * RMAT_E_HDF5 or RMAT_E_IO naming path. */
int rmat_maps_write_h5(const struct rmat_maps *m, const struct rmat_grid *g, const char *units,
                       const char *path, struct rmat_errinfo *ei);

#endif
