/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: analysis of one recording into files (docs/metrics.md;
 * docs/metrics.md for users).
 *
 * One streaming pass over the frames, in blocks: the sensor's corrections
 * when asked for (crosstalk, creep: sensorfix.h), counts to kPa through the
 * calibration's lookup table, the per-frame metrics (metrics.h) and the
 * maps (maps.h). The pass keeps the per-frame metrics (about 90 bytes a
 * frame: 32 MB for an hour at 100 Hz) and O(grid) maps, never the frames.
 * Then passes over those series: the rolling axis and s_mm, smoothing,
 * passes, cadence, holds, regions, the summary and the tissue response.
 *
 * Calibration: the file given in the parameters, else the recording's own
 * /calibration, else none: then every pressure is a raw ADC count, said
 * loudly in the log and in the outputs ("units": "counts").
 */
#ifndef ROLLMAT_ANALYZE_H
#define ROLLMAT_ANALYZE_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"
#include "rollmat/metrics.h"

/* What the user may choose; every output records the values used. */
struct rmat_analysis_params {
    /* A sensel is in contact when p >= this (docs/metrics.md; default 5 kPa),
     * in a calibrated analysis. */
    double contact_threshold_kpa;
    /* Without calibration: a sensel is in contact when its count is >= this.
     * NaN (the default): 5% of the ADC's full scale (205 counts at 12 bits),
     * well above the noise and crosstalk of an unloaded sensel (a threshold
     * of a few counts counts single noisy sensels as contact), and on the
     * virtual mat's sensors about the 5 kPa of a calibrated analysis. */
    double contact_threshold_counts;
    double smooth_s;       /* centred moving average of s over contact (0.2 s) */
    double turn_mm;        /* pass hysteresis (15 mm) */
    double hold_radius_mm; /* holds: CoP within this of the run's mean (15 mm) */
    double hold_min_s;     /* holds: at least this long (3 s) */
    /* A calibration file (calib.h) used instead of the recording's own;
     * NULL: the recording's /calibration if it has one. */
    const char *calibration_path;
    const char *regions_path; /* a regions file (regions.h); NULL: none */
    /* Crosstalk correction (sensorfix.h, docs/corrections.md), % of the
     * rest of the row's and of the column's counts, 0..10 each. NaN (the
     * default): the calibration's crosstalk_row_pct and crosstalk_col_pct
     * if it has them, else none; 0 and 0: none. */
    double crosstalk_row_pct, crosstalk_col_pct;
    /* 1: estimate the crosstalk from the recording itself (sensorfix.h,
     * rmat_crosstalk_est_*), in a pass over it before the analysis's, and
     * correct that; overrides the two above. */
    int crosstalk_auto;
    /* Creep correction: 1 (the default) applies the calibration's creep
     * parameters when it has them; 0 never. */
    int creep;
};

/* Sets every parameter to its docs/metrics.md default, no files. */
void rmat_analysis_params_init(struct rmat_analysis_params *p);

/* The contact threshold an analysis with p uses: contact_threshold_kpa
 * when calibrated, else contact_threshold_counts, else 5% of the largest
 * count max_count (the live view uses the same). */
double rmat_analysis_contact_threshold(const struct rmat_analysis_params *p, int calibrated,
                                       unsigned max_count);

struct rmat_analysis_result {
    uint64_t frames;      /* frames analysed */
    uint64_t frames_lost; /* sum of the seq gaps; a seq going backwards is a
                             device restart, counted as no loss */
    int calibrated;       /* 0: values are raw counts, not kPa and N */
    char calibration[64]; /* the calibration's name ("" if none or unnamed) */
    double duration_s;    /* largest t_s: device time from the first frame */
    double peak_kpa;      /* largest p of the recording; NaN without frames */
    size_t passes;
    size_t holds;
    double cadence_cpm;                       /* NaN: none */
    int crosstalk_corrected, creep_corrected; /* the corrections applied */
    /* Where the time went, in seconds of CLOCK_MONOTONIC (for benchmarks):
     * HDF5 reads of the frames, the per-frame work, the passes over the
     * series, and writing the outputs. */
    double time_read_s, time_frames_s, time_session_s, time_write_s;
    struct rmat_grid grid; /* the mat's grid, for drawing the maps */
};

/* Analyses the recording rec_path into the directory out_dir, creating it
 * and its parents if missing (nothing else there is touched, but these
 * files are replaced):
 *
 *  - frames.csv: one row per frame: t_s, force_n, area_cm2, mean_kpa,
 *    peak_kpa, cop_x_mm, cop_y_mm, width_mm, length_mm, compliance_mm3_n,
 *    s_mm; a field is empty where there is no value (no contact). t_s has
 *    microsecond decimals, the rest 7 significant digits.
 *  - passes.csv, holds.csv (passes.h, holds.h), with their headers even
 *    when there are none; regions.csv with regions (a stale one is removed
 *    without).
 *  - peak_map.csv, dwell_map.csv, pti_map.csv: rows lines of cols
 *    comma-separated numbers, row 0 first, no header; and maps.h5 (maps.h).
 *  - spectrum.csv: f_hz, cpm, power_rel: the power spectrum the cadence
 *    was read from (cadence.h), relative to its largest value in the
 *    cadence band, up to the band's top; the header only without one.
 *  - summary.json: every key of docs/metrics.md's session summary, the tissue
 *    response, the recording's session and device attributes, the
 *    parameters used, the calibration and the software version.

 * It draws nothing: the figures of an analysis are the report layer's
 * (rmat_plot_analysis() in gnuplot.h, rmat_plots_session() in figures.h).
 *
 * params NULL means the defaults; log (NULL to discard) gets the warning
 * about raw counts, device restarts and a summary; res may be NULL, else
 * it is filled as far as the analysis got.
 *
 * Errors, each with a message naming the file: those of rmat_reader_open()
 * and rmat_reader_read(), passed through; RMAT_E_FORMAT if the recording's
 * /device has no usable grid, if its /calibration is malformed, or for a
 * calibration or regions file that does not parse or does not fit the mat;
 * RMAT_E_ARG for NULL paths or a parameter that is not a number or is out
 * of range (naming it); RMAT_E_NOTFOUND, RMAT_E_IO and the other errno
 * codes if out_dir cannot be created; RMAT_E_NOSPC or RMAT_E_IO if an
 * output cannot be written; RMAT_E_NOMEM. A recording without frames gives
 * RMAT_E_FORMAT ("... has no frames") after writing the CSV files with
 * their headers only, empty maps and summary.json (frames 0), and removing
 * the figures of an earlier analysis there (cop_peak.png, dwell_map.png,
 * pti_map.png). */
int rmat_analyze(const char *rec_path, const char *out_dir,
                 const struct rmat_analysis_params *params, const struct rmat_log *log,
                 struct rmat_analysis_result *res, struct rmat_errinfo *ei);

#endif
