/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: named regions of the mat (docs/metrics.md, "Regions";
 * docs/metrics.md).
 *
 * A regions file names rectangles in mat coordinates (mm, the geometry of
 * metrics.h: x along a row, y down a column, origin at the mat's corner).
 * One per line, `#` starts a comment:
 *
 *   rollmat-regions 1
 *   # name    x0_mm  y0_mm  x1_mm  y1_mm
 *   proximal  0      0      406.4  135
 *   mid       0      135    406.4  270
 *
 * Names are single words, unique. A point on a shared edge belongs to the
 * first region listed that holds it. For each region the analysis reports:
 * time_s with the CoP inside (sum of dt over contact frames), pct of the
 * session's contact time, holds (whose mean CoP lies inside), and the
 * pressure over that time: pti_kpa_s = sum of mean_kpa * dt over those
 * frames, mean_kpa = pti_kpa_s / time_s.
 */
#ifndef ROLLMAT_REGIONS_H
#define ROLLMAT_REGIONS_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>

#include "rollmat/diag.h"
#include "rollmat/holds.h"
#include "rollmat/metrics.h"

#define RMAT_REGION_NAME_LEN 64
#define RMAT_REGIONS_MAX     256

struct rmat_region {
    char name[RMAT_REGION_NAME_LEN];
    double x0_mm, y0_mm, x1_mm, y1_mm; /* x0 < x1, y0 < y1 */
};

struct rmat_region_stats {
    double time_s;
    double pct; /* of contact time; NaN if there was no contact */
    int holds;
    double mean_kpa; /* NaN if time_s is 0 */
    double pti_kpa_s;
};

/* Parses a regions text; origin names it in messages. Errors
 * (RMAT_E_FORMAT, naming origin and the line): a first line that is not
 * `rollmat-regions 1`, a line that is not a name and four finite numbers,
 * an empty rectangle (x0 >= x1 or y0 >= y1), a repeated name, more than
 * 256 regions. *out is a malloc'd array (free()), *n_out its length. */
int rmat_regions_parse(const char *text, const char *origin, struct rmat_region **out,
                       size_t *n_out, struct rmat_errinfo *ei);

/* Reads and parses the file at path; also RMAT_E_NOTFOUND / RMAT_E_IO. */
int rmat_regions_load(const char *path, struct rmat_region **out, size_t *n_out,
                      struct rmat_errinfo *ei);

/* The index of the first region holding (x_mm, y_mm), edges included; -1
 * if none (or x or y is NaN). */
int rmat_region_of(const struct rmat_region *r, size_t n, double x_mm, double y_mm);

/* The statistics of every region over a session: frames k at times t_s[k]
 * lasting rmat_frame_dt(t_s, k, nominal_dt_s), with metrics m[k] (CoP NaN:
 * no contact), and the holds (their region field is set here). stats has
 * n entries. */
void rmat_regions_compute(const struct rmat_region *r, size_t n, const double *t_s,
                          double nominal_dt_s, const struct rmat_frame_metrics *m, size_t frames,
                          struct rmat_hold *holds, size_t n_holds, struct rmat_region_stats *stats);

#endif
