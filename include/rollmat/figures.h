/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: every figure of one analysed session (docs/reports.md).
 *
 * Works on an analysis folder as `rollmat analyze` writes it
 * (summary.json, frames.csv, passes.csv, holds.csv, peak_map.csv,
 * pti_map.csv, dwell_map.csv) plus events.csv (events.h), and
 * reads nothing else, so it follows the analysis as that grows. For each
 * figure it writes the data file(s) gnuplot reads and a script that only
 * draws them, into a plots folder, and runs gnuplot, which writes the
 * figure as PNG, SVG and PDF:
 *
 *   map_peak_kpa   peak pressure of every sensel (kPa)       } heat maps in mm,
 *   map_pti_kpa_s  pressure-time integral (kPa·s)             } viridis, with the
 *   map_dwell_s    time in contact (s)                        } CoP path and holds
 *   timeseries     force, mean and peak pressure and contact area over time,
 *                  passes shaded, holds, marks, pain ratings and gaps marked
 *   cadence        power spectrum of the rolling position with the cadence
 *   tissue         per-pass tissue response: points, fitted line, 95% band
 *
 * Titles name the subject, region, side and date; lines use the Okabe-Ito
 * palette.
 */
#ifndef ROLLMAT_PLOTS_H
#define ROLLMAT_PLOTS_H

#define RMAT_HEADER_LAYER RMAT_LAYER_REPORT
#include "rollmat/layer.h"

#include "rollmat/diag.h"
#include "rollmat/trend.h"

/* The figures' names, in the order above (each NAME.gp, NAME.png,
 * NAME.svg, NAME.pdf in the plots folder). */
#define RMAT_PLOT_FIGURES 6
extern const char *const rmat_plot_figure_names[RMAT_PLOT_FIGURES];

/* Writes the data files, scripts and figures of the analysis folder
 * ana_dir into plot_dir. Without ana_dir/events.csv, it is made first from
 * the recording if that is found (summary.json's "recording", or the
 * recording's name beside or in ana_dir; else a warning and no events).
 * The figures go into plot_dir (NULL: ana_dir/plots; created if missing). The
 * data files (CSV; a first line "# names" gnuplot skips) are:
 * map_*.csv (copies of the analysis's maps), cop_path.csv, holds_xy.csv,
 * timeseries.csv (frames binned to at most 2000 rows: means, and the
 * largest force and peak pressure of each bin), passes_spans.csv,
 * holds_spans.csv, events_{marks,pain,gaps}.csv, spectrum.csv,
 * cadence_peak.csv, tissue_points.csv, tissue_fit.csv, tissue_lines.csv.
 *
 * log (NULL: none) gets warnings (e.g. an analysis without calibration).
 * Errors: those of reading the analysis (RMAT_E_NOTFOUND naming a missing
 * file, RMAT_E_FORMAT), of writing (RMAT_E_IO, RMAT_E_NOSPC), and of
 * rmat_plot_run() (RMAT_E_NOTFOUND without gnuplot, RMAT_E_EXEC). */
int rmat_plots_session(const char *ana_dir, const char *plot_dir, const struct rmat_log *log,
                       struct rmat_errinfo *ei);

/* Draws each group's trends into plot_dir (created): data files
 * trend_<key>.csv and trend_<key>_fit.csv, the script trend_<key>.gp and
 * the figure as PNG, SVG and PDF, key being subject_region_side with other
 * characters than letters, digits, '-' and '.' replaced by '_'. Errors:
 * writing, and those of rmat_plot_run(). */
int rmat_trends_plot(const struct rmat_trend_set *t, const char *plot_dir, struct rmat_errinfo *ei);

#endif
