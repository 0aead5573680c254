/* rollmat: analysis of one recording into files (shared/spec/METRICS.md;
 * docs/metrics.md for users).
 *
 * One streaming pass over the frames, in blocks, so memory depends on the
 * grid and not on the recording's length. This first version computes the
 * per-frame metrics and the peak map. There is no calibration yet: the
 * numbers are raw ADC counts, said so loudly in the log and in the outputs
 * ("units": "counts").
 */
#ifndef ROLLMAT_ANALYZE_H
#define ROLLMAT_ANALYZE_H

#include <stdint.h>

#include "rollmat/diag.h"

/* What the user may choose; every output records the values used. */
struct rmat_analysis_params {
    /* A sensel is in contact when p >= this (METRICS.md; default 5 kPa).
     * Without calibration it is compared with the raw counts as they are. */
    double contact_threshold_kpa;
};

/* Sets every parameter to its METRICS.md default. */
void rmat_analysis_params_init(struct rmat_analysis_params *p);

struct rmat_analysis_result {
    uint64_t frames;      /* frames analysed */
    uint64_t frames_lost; /* sum of the seq gaps; a seq going backwards is a
                             device restart, counted as no loss */
    int calibrated;       /* 0: values are raw counts, not kPa and N */
    double duration_s;    /* largest t_s: device time from the first frame */
    double peak_kpa;      /* largest p of the recording; NaN without frames */
};

/* Analyses the recording rec_path into the directory out_dir, creating it
 * and its parents if missing (nothing else there is touched, but these
 * files are replaced):
 *
 *  - frames.csv: one row per frame, columns t_s, force_n, area_cm2,
 *    mean_kpa, peak_kpa, cop_x_mm, cop_y_mm, width_mm, length_mm,
 *    compliance_mm3_n (metrics.h); a field is empty where there is no value
 *    (no contact). t_s is (t_device_us - first t_device_us) / 1e6, with
 *    microsecond decimals; the rest has 7 significant digits.
 *  - peak_map.csv: the largest p each sensel saw, rows lines of cols
 *    comma-separated numbers, row 0 first, no header.
 *  - analysis.json: software, recording, frames, frames_lost, duration_s,
 *    units ("counts" or "kPa"), calibrated, grid, peak_kpa and parameters.
 *  - cop_peak.gp and cop_peak.png: the peak map with the centre-of-pressure
 *    path (plot.h, rmat_plot_cop_peak()).
 *
 * params NULL means the defaults; log (NULL to discard) gets the warning
 * about raw counts, device restarts and a summary; res may be NULL, else
 * it is filled as far as the analysis got.
 *
 * Errors, each with a message naming the file: those of rmat_reader_open()
 * and rmat_reader_read(), passed through; RMAT_E_FORMAT if the recording's
 * /device has no usable grid (rows, cols, positive pitches); RMAT_E_ARG for
 * NULL paths or a threshold that is not a number; RMAT_E_NOTFOUND,
 * RMAT_E_IO and the other errno codes if out_dir cannot be created;
 * RMAT_E_NOSPC or RMAT_E_IO if an output cannot be written; RMAT_E_NOMEM.
 * A recording without frames gives RMAT_E_FORMAT ("... has no frames")
 * after writing frames.csv with its header only, an empty peak_map.csv and
 * analysis.json (frames 0), and removing a cop_peak.png of an earlier
 * analysis there, so no plot of other data is left beside them. If only
 * the plot fails (e.g. RMAT_E_NOTFOUND: gnuplot is not installed), the CSV
 * and JSON files are complete and res is filled. */
int rmat_analyze(const char *rec_path, const char *out_dir,
                 const struct rmat_analysis_params *params, const struct rmat_log *log,
                 struct rmat_analysis_result *res, struct rmat_errinfo *ei);

#endif
