/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: tissue response within a session, and the statistics under it
 * (docs/metrics.md, "Tissue response within a session";
 * docs/metrics.md).
 *
 * Over the passes of a session, least-squares lines against pass start time
 * of mean_kpa, width_mm, compliance_mm3_n (and stiffness_kpa where the
 * roller's diameter is known) and speed_mm_s, each with its slope per
 * minute, the slope's 95% confidence interval (Student t, n - 2 degrees of
 * freedom), r² and the change of the mean from the first third of the
 * passes to the last third. The line fit and the t quantile are general:
 * trends across sessions use them per week.
 */
#ifndef ROLLMAT_TISSUE_H
#define ROLLMAT_TISSUE_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>

#include "rollmat/holds.h"
#include "rollmat/passes.h"

/* The regularized incomplete beta function I_x(a, b), a, b > 0, x in
 * [0, 1] (continued fraction, Lentz's method; relative error ~1e-14).
 * NaN outside the domain. */
double rmat_incbeta(double a, double b, double x);

/* The p quantile of Student's t distribution with dof degrees of freedom
 * (dof > 0, not necessarily whole; p in (0, 1)): the t with P(T <= t) = p,
 * found by bisection on the CDF 1 - I_{dof/(dof+t²)}(dof/2, 1/2) / 2 to
 * full double precision. NaN outside the domain. */
double rmat_student_t_quantile(double p, double dof);

/* A least-squares line y = a + slope * x with its uncertainty. */
struct rmat_trend {
    size_t n;        /* points used (pairs where both x and y are numbers) */
    int valid;       /* 0: fewer than min_n points or all x equal; the rest NaN */
    double slope;    /* per unit of x (per minute for the tissue response) */
    double ci95_low; /* slope -/+ t(0.975, n - 2) * its standard error */
    double ci95_high;
    double r2;         /* 1 - SSE / SST; NaN if every y is the same */
    double change_pct; /* 100 * (mean y of the last third / that of the first - 1),
                          thirds of n / 3 points rounded down (at least 1), in the
                          order given;
                          NaN if the first third's mean is 0 */
};

/* Fits y against x over the pairs where both are numbers, in the order
 * given (the thirds follow it). Needs min_n points (at least 3: with 2 the
 * interval has no degrees of freedom). Fills *out always. */
void rmat_trend_fit(const double *x, const double *y, size_t n, size_t min_n,
                    struct rmat_trend *out);

#define RMAT_TISSUE_MIN_PASSES 4 /* docs/metrics.md: fewer passes give null */

struct rmat_tissue {
    struct rmat_trend mean_kpa;
    struct rmat_trend width_mm;
    struct rmat_trend compliance_mm3_n;
    struct rmat_trend stiffness_kpa; /* valid only with the roller's diameter */
    struct rmat_trend speed_mm_s;
    int has_stiffness;           /* roller_diameter_mm was known */
    double hold_area_change_pct; /* mean over the holds; NaN without holds */
    size_t holds_with_area_change;
};

/* The tissue response over the passes (x: t_start_s in minutes; y: each
 * pass's mean_kpa, mean_width_mm, compliance_mm3_n, 12000 R / (pi *
 * compliance_mm3_n) with R = roller_diameter_mm / 2 (NaN: no stiffness),
 * speed_mm_s) and the holds. scratch holds 2 * n_passes doubles. */
void rmat_tissue_compute(const struct rmat_pass *passes, size_t n_passes,
                         const struct rmat_hold *holds, size_t n_holds, double roller_diameter_mm,
                         double *scratch, struct rmat_tissue *out);

#endif
