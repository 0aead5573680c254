/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: two sessions side by side, before and after or left and right
 * (docs/reports.md, "rollmat compare").
 *
 * Works on two analysis folders as `rollmat analyze` writes them
 * (summary.json, peak_map.csv, dwell_map.csv) and writes a PDF of three A4
 * pages, drawn by gnuplot (pdfcairo) and joined by pdfunite as the
 * reports are (report.h):
 *
 *  1. who, what and when of each; the summaries side by side with the
 *     change from A to B, absolute (B - A) and in per cent of A;
 *  2. the peak-pressure maps of A and B on one colour scale, and their
 *     difference B - A on a diverging scale centred on zero;
 *  3. the dwell-time maps likewise.
 *
 * Only like with like: two analyses in different units (raw counts and
 * kPa) are refused, and so are mats of different geometry (rows, cols or
 * pitch), whose sensels do not lie over the same places.
 */
#ifndef ROLLMAT_COMPARE_H
#define ROLLMAT_COMPARE_H

#define RMAT_HEADER_LAYER RMAT_LAYER_REPORT
#include "rollmat/layer.h"

#include "rollmat/diag.h"

/* Compares the analysis folders ana_a (A) and ana_b (B), called label_a
 * and label_b on the pages (NULL: "A" and "B"), into pdf_path, building
 * it in work_dir (created): compare_summary.csv (key, label, unit, a, b,
 * change, change_pct: the rows of page 1, numbers to 10 digits, empty
 * where none), map_{peak,dwell}_{a,b,diff}.csv (the maps as gnuplot
 * matrices, row 0 first; diff is B - A), page_N.gp and page_N.pdf.
 *
 * Errors: RMAT_E_FORMAT naming both folders if one is in raw counts and
 * the other in kPa ("... calibrate ...") or their mats differ in rows,
 * cols or pitch (naming both grids), or if a map does not have the mat's
 * rows and cols; those of reading the folders (RMAT_E_NOTFOUND naming a
 * missing file), of writing (RMAT_E_IO, RMAT_E_NOSPC), and of gnuplot and
 * pdfunite (RMAT_E_NOTFOUND, RMAT_E_EXEC). log (NULL: none) gets a
 * warning when the two are of different subjects or regions. */
int rmat_compare_sessions(const char *ana_a, const char *ana_b, const char *label_a,
                          const char *label_b, const char *work_dir, const char *pdf_path,
                          const struct rmat_log *log, struct rmat_errinfo *ei);

#endif
