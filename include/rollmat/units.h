/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the names and units of the analysis's outputs, calibrated or not.
 *
 * A calibrated analysis reports pressures in kPa and forces in N. Without
 * a calibration the same quantities are raw ADC counts, and their outputs
 * say so in their names, never under a physical name:
 *
 *   calibrated            uncalibrated              meaning without calibration
 *   force_n               raw_sum                   sum of the counts over the contact
 *   mean_kpa              mean_counts               mean count over the contact
 *   peak_kpa              peak_counts               largest count
 *   compliance_mm3_n      compliance_mm3_per_count  width^2 * length / raw_sum
 *   pti_kpa_s             pti_counts_s              count-time integral
 *   stiffness_kpa, *_pct_bw  (none)                 not reported: they need newtons
 *
 * Prefixed names follow their stem: mean_force_n <-> mean_raw_sum,
 * mean_compliance_mm3_n <-> mean_compliance_mm3_per_count, and so on (the
 * table is in units.c). Every writer (frames.csv, passes.csv, holds.csv, regions.csv, the maps,
 * summary.json) and every reader (figures, reports, trends, batch) goes
 * through here, so no number in counts is ever labelled kPa, N or %BW.
 */
#ifndef ROLLMAT_UNITS_H
#define ROLLMAT_UNITS_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>

/* The output name of quantity name (its calibrated name, e.g.
 * "mean_force_n") in an analysis that is calibrated or not: name itself, or
 * its counts name ("mean_raw_sum"). NULL for a quantity an uncalibrated
 * analysis does not report (force as a share of body weight, stiffness).
 * Names without a physical unit ("area_cm2") are returned as they are.
 * The result is a static string. */
const char *rmat_units_name(const char *name, int calibrated);

/* The unit of quantity name for people: "kPa", "N", "mm³/N", "kPa·s"; or,
 * uncalibrated, "counts", "counts (sum)", "mm³/count", "counts·s". ""
 * for a name this table does not know. */
const char *rmat_units_label(const char *name, int calibrated);

/* "kPa" or "counts": the word summary.json's "units" holds. */
const char *rmat_units_word(int calibrated);

#endif
