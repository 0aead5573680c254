/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Output names and units, calibrated or not (units.h). */
#include "rollmat/units.h"

#include <string.h>

/* Every output name with a physical unit the analysis writes, its counts
 * name (NULL: not reported in counts) and the units shown to people. A name
 * added to the outputs with kPa or N in it belongs here. */
struct name {
    const char *kpa, *counts;
    const char *unit_kpa, *unit_counts;
};

static const struct name names[] = {
    {"force_n", "raw_sum", "N", "counts (sum)"},
    {"mean_force_n", "mean_raw_sum", "N", "counts (sum)"},
    {"peak_force_n", "peak_raw_sum", "N", "counts (sum)"},
    {"mean_kpa", "mean_counts", "kPa", "counts"},
    {"peak_kpa", "peak_counts", "kPa", "counts"},
    {"compliance_mm3_n", "compliance_mm3_per_count", "mm³/N", "mm³/count"},
    {"mean_compliance_mm3_n", "mean_compliance_mm3_per_count", "mm³/N", "mm³/count"},
    {"pti_kpa_s", "pti_counts_s", "kPa·s", "counts·s"},
    {"contact_threshold_kpa", "contact_threshold_counts", "kPa", "counts"},
    {"mean_force_pct_bw", NULL, "% body weight", ""},
    {"peak_force_pct_bw", NULL, "% body weight", ""},
    {"stiffness_kpa", NULL, "kPa", ""},
};

static const struct name *find(const char *name)
{
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].kpa) == 0)
            return &names[i];
    return NULL;
}

const char *rmat_units_name(const char *name, int calibrated)
{
    const struct name *n = find(name);
    if (calibrated || !n)
        return name;
    return n->counts;
}

const char *rmat_units_label(const char *name, int calibrated)
{
    const struct name *n = find(name);
    if (!n)
        return "";
    return calibrated ? n->unit_kpa : n->unit_counts;
}

const char *rmat_units_word(int calibrated)
{
    return calibrated ? "kPa" : "counts";
}
