/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: plots through gnuplot, and running the programs reports need
 * (gnuplot, pdfunite).
 *
 * A plot is a gnuplot script written next to the data files it reads, then
 * run by gnuplot in that directory. The script holds presentation only (no
 * analysis: the numbers are all in the data files), refers to its files by
 * relative names and is kept, so a user can restyle it and re-run
 * `gnuplot <script>` in that directory. gnuplot's own messages (stdout and
 * stderr) go to a log file next to the script, kept only if gnuplot wrote
 * something; the library never prints.
 *
 * gnuplot is the program found when the library was built (RMAT_GNUPLOT:
 * an absolute path, or "gnuplot" looked up in PATH at run time).
 */
#ifndef ROLLMAT_GNUPLOT_H
#define ROLLMAT_GNUPLOT_H

#define RMAT_HEADER_LAYER RMAT_LAYER_REPORT
#include "rollmat/layer.h"

#include "rollmat/analyze.h"
#include "rollmat/diag.h"
#include "rollmat/metrics.h"

/* Runs argv[0] (looked up in PATH) with argv in workdir (NULL: the
 * current folder), stdin /dev/null, stdout and stderr into log_path
 * (removed if it stays empty), and waits. what (NULL allowed) says what it
 * was doing, for messages ("running x.gp in DIR"). Errors: RMAT_E_NOTFOUND
 * "<program> not found: <install_hint>" if the program is missing, or
 * naming workdir if that is no folder; RMAT_E_EXEC if it fails or dies,
 * quoting its most telling line of output and naming the log; RMAT_E_IO
 * and the errno codes if the log cannot be made or the process started. */
int rmat_run_program(char *const argv[], const char *workdir, const char *log_path,
                     const char *install_hint, const char *what, struct rmat_errinfo *ei);

/* Runs gnuplot on script_path with workdir as its working directory; a
 * relative script_path is relative to workdir. Its output goes to
 * workdir/<script name without .gp>.log (removed again if empty). Stdin is
 * /dev/null. Blocks until gnuplot exits.
 *
 * Errors: RMAT_E_ARG (NULL or too long a path); RMAT_E_NOTFOUND with
 * "gnuplot not found ...: apt-get install gnuplot-nox" if there is no
 * gnuplot, or a message naming workdir if it does not exist; RMAT_E_IO (and
 * the errno codes rmat_err_from_errno() maps) if the log cannot be created
 * or the process started; RMAT_E_EXEC if gnuplot exits non-zero or dies of a
 * signal, the message quoting gnuplot's error line and naming the log. */
int rmat_plot_run(const char *script_path, const char *workdir, struct rmat_errinfo *ei);

/* As rmat_plot_run() with the gnuplot program given: a path, or a name that
 * is looked up in PATH. For programs that let the user choose, and for
 * tests. */
int rmat_plot_run_with(const char *gnuplot, const char *script_path, const char *workdir,
                       struct rmat_errinfo *ei);

/* Writes out_dir/cop_peak.gp and runs it, which writes out_dir/cop_peak.png
 * (pngcairo, 1000x900): the per-sensel peak map read from
 * out_dir/peak_map.csv (g->rows lines of g->cols comma-separated numbers,
 * row 0 first) as a heat map in mm on equal axes, in a colour-blind-safe
 * palette (viridis) with a colour bar labelled "peak pressure (<units>)",
 * and the centre-of-pressure path (columns cop_x_mm and cop_y_mm of
 * out_dir/frames.csv; an empty field, a frame without contact, breaks the
 * path) drawn over it as a black line with a white edge.
 *
 * Orientation: x (columns) grows to the right and y (rows) grows downwards,
 * so row 0 is at the top, as the map reads in peak_map.csv.
 *
 * title and units are printed as given (control characters become spaces);
 * units is e.g. "kPa" or "counts". Errors: those of rmat_plot_run(), and
 * RMAT_E_ARG, RMAT_E_IO / RMAT_E_NOSPC for writing the script, with a
 * message naming it. */
int rmat_plot_cop_peak(const char *out_dir, const struct rmat_grid *g, const char *title,
                       const char *units, struct rmat_errinfo *ei);

/* Writes out_dir/<name>.gp and runs it, which writes out_dir/<name>.png
 * (pngcairo, 1000x900): the map in out_dir/<name>.csv (g->rows lines of
 * g->cols comma-separated numbers, row 0 first) as a heat map in mm on
 * equal axes, viridis, row 0 at the top, with the colour bar labelled
 * cblabel (e.g. "dwell time (s)"). name is a plain file name without
 * extension ("dwell_map"). Errors: those of rmat_plot_run(), RMAT_E_ARG,
 * and RMAT_E_IO / RMAT_E_NOSPC for writing the script, naming it. */
int rmat_plot_map(const char *out_dir, const struct rmat_grid *g, const char *name,
                  const char *title, const char *cblabel, struct rmat_errinfo *ei);

/* The figures of one `rollmat analyze` run, from the files it wrote into
 * out_dir (res is what rmat_analyze() returned for rec_path):
 * cop_peak.png (rmat_plot_cop_peak()), dwell_map.png and pti_map.png
 * (rmat_plot_map()), titled with the recording's file name and, without a
 * calibration, "raw counts". Errors: those of the two. */
int rmat_plot_analysis(const char *out_dir, const char *rec_path,
                       const struct rmat_analysis_result *res, struct rmat_errinfo *ei);

#endif
