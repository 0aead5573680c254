/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the session summary (docs/metrics.md, "Session summary";
 * docs/metrics.md). The numbers of summary.json that come from the
 * per-frame series, the passes and the holds; rmat_analyze() adds the
 * cadence, coverage, the recording's attributes, the parameters, the
 * calibration and the tissue response when it writes the file.
 */
#ifndef ROLLMAT_SUMMARY_H
#define ROLLMAT_SUMMARY_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/holds.h"
#include "rollmat/metrics.h"
#include "rollmat/passes.h"

#define RMAT_GRAVITY_M_S2 9.81 /* docs/metrics.md: force as a share of body weight */

struct rmat_summary {
    double duration_s; /* t_s of the last frame (time since the first) */
    double contact_s;  /* sum of dt over frames with contact */
    double hold_s;     /* sum of dt over the frames of holds */
    double rolling_s;  /* contact_s - hold_s: contact outside holds */
    size_t passes;
    size_t holds;
    double mean_speed_mm_s; /* mean of the passes' speed_mm_s; NaN without passes */
    double path_mm;         /* length of the smoothed CoP path within contact runs */
    double mean_force_n;    /* means over the contact frames; NaN without contact */
    double peak_force_n;    /* largest force_n; NaN without contact */
    double mean_kpa;
    double peak_kpa; /* largest frame peak_kpa (any frame); NaN without frames */
    double mean_area_cm2;
    double mean_width_mm;
    double mean_length_mm;
    double mean_compliance_mm3_n;
    double mean_force_pct_bw; /* 100 * force / (body_mass_kg * 9.81); NaN if the mass is unknown */
    double peak_force_pct_bw;
};

/* Computes the summary over n frames at times t_s (nominal_dt_s for the
 * first frame's dt, rmat_frame_dt()) with metrics m, the smoothed CoP sx,
 * sy (rmat_smooth_contact() of cop_x_mm and cop_y_mm; NaN without
 * contact), the passes and the holds, and body_mass_kg (NaN: unknown).
 * Allocates nothing. */
void rmat_summary_compute(const double *t_s, double nominal_dt_s,
                          const struct rmat_frame_metrics *m, const double *sx, const double *sy,
                          size_t n, const struct rmat_pass *passes, size_t n_passes,
                          const struct rmat_hold *holds, size_t n_holds, double body_mass_kg,
                          struct rmat_summary *out);

#endif
