/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: PDF reports for a patient's file (docs/reports.md).
 *
 * A report is a few A4 pages, each drawn by gnuplot's pdfcairo terminal
 * from a script rollmat writes (multiplot: the figures of plots.h and
 * text labels), then joined into one PDF by pdfunite (poppler-utils). No
 * LaTeX. The page scripts and their data files are kept in a work folder,
 * so a page can be restyled and re-run.
 *
 * Session report, pages:
 *  1. who, what, when (subject, region, side, roller, mounting, date,
 *     duration); the session summary as a table with plain-language labels
 *     and units; the tissue response in a sentence each; events and notes;
 *  2. the peak-pressure and dwell maps with the CoP path and holds; force,
 *     pressure and contact area over time;
 *  3. the tissue response chart; the pressure-time-integral map and the
 *     cadence spectrum.
 *
 * Progress report (one subject across sessions): a page of trends in
 * words and a table of the sessions, then one page of trend charts per
 * region and side.
 */
#ifndef ROLLMAT_REPORT_H
#define ROLLMAT_REPORT_H

#define RMAT_HEADER_LAYER RMAT_LAYER_REPORT
#include "rollmat/layer.h"

#include "rollmat/diag.h"
#include "rollmat/trend.h"

/* The session report of the analysis folder ana_dir (as plots.h reads it)
 * written to pdf_path (NULL: ana_dir/report.pdf), its pages built in
 * ana_dir/report/: report_summary.csv (the table: key, label, value as in
 * summary.json, unit, display), the figures' data files, page_N.gp and
 * page_N.pdf. Errors: those of rmat_plots_session(); RMAT_E_NOTFOUND
 * ("pdfunite not found: apt-get install poppler-utils") or RMAT_E_EXEC if
 * pages cannot be joined. */
int rmat_report_session(const char *ana_dir, const char *pdf_path, const struct rmat_log *log,
                        struct rmat_errinfo *ei);

/* The progress report of subject across the sessions in s, its adherence
 * judged against adh (NULL: the guidance's defaults) and, with ana_root
 * (the folder the sessions' ids are relative to; NULL: none), its tender
 * spots grouped within spot_radius_mm (rmat_trends_spots()), written to
 * pdf_path, built in work_dir (created): the trends' files
 * (rmat_trends_write(), rmat_trends_plot() data), progress_table.csv,
 * page_N.gp, page_N.pdf. RMAT_E_NOTFOUND if s holds no dated session of
 * subject; else as rmat_report_session(). */
int rmat_report_progress(const struct rmat_session_set *s, const char *subject,
                         const struct rmat_adherence_config *adh, const char *ana_root,
                         double spot_radius_mm, const char *work_dir, const char *pdf_path,
                         const struct rmat_log *log, struct rmat_errinfo *ei);

#endif
