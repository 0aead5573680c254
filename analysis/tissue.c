/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tissue response and its statistics (tissue.h; docs/metrics.md "Tissue
 * response within a session").
 *
 * The t quantile is computed, not tabulated: the analysis needs it for any
 * number of passes, and trends across sessions need it for any number of
 * sessions. Student's t CDF is 1 - I_x(dof/2, 1/2) / 2 for t > 0 with
 * x = dof / (dof + t²); the incomplete beta comes from its continued
 * fraction (Numerical Recipes, 3rd ed., 6.4, evaluated by Lentz's
 * method), and the quantile from bisection on that CDF, which is monotone:
 * slow by the standards of a hot loop, but called a handful of times per
 * session, and exact to the last bits.
 */
#include "rollmat/tissue.h"

#include <float.h>
#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The continued fraction of I_x(a, b), converging fast for
 * x < (a + 1) / (a + b + 2). */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), h;

    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    h = d;
    for (int m = 1; m <= 10000; m++) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + aa * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + aa * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        const double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 4.0 * DBL_EPSILON)
            break;
    }
    return h;
}

double rmat_incbeta(double a, double b, double x)
{
    int sg;

    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1) || isinf(a) || isinf(b))
        return NAN;
    if (x == 0.0 || x == 1.0)
        return x;
    /* lgamma_r: lgamma() sets the global signgam. */
    const double lbeta = lgamma_r(a + b, &sg) - lgamma_r(a, &sg) - lgamma_r(b, &sg);
    const double front = exp(lbeta + a * log(x) + b * log1p(-x));
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * betacf(a, b, x) / a;
    return 1.0 - front * betacf(b, a, 1.0 - x) / b;
}

/* P(T <= t) for Student's t with dof degrees of freedom. */
static double t_cdf(double t, double dof)
{
    const double x = dof / (dof + t * t);
    const double tail = 0.5 * rmat_incbeta(0.5 * dof, 0.5, x);
    return t >= 0 ? 1.0 - tail : tail;
}

double rmat_student_t_quantile(double p, double dof)
{
    double lo, hi;

    if (!(p > 0) || !(p < 1) || !(dof > 0) || isinf(dof))
        return NAN;
    if (p == 0.5)
        return 0.0;
    if (p < 0.5)
        return -rmat_student_t_quantile(1.0 - p, dof);
    /* Bracket: t grows until the CDF passes p (for dof = 1 and p near 1
     * the quantile is tan(pi (p - 1/2)), which may be huge). */
    lo = 0.0;
    hi = 1.0;
    while (t_cdf(hi, dof) < p && hi < 1e300)
        hi *= 2.0;
    for (int it = 0; it < 2000 && hi - lo > 4.0 * DBL_EPSILON * hi; it++) {
        const double mid = 0.5 * (lo + hi);
        if (t_cdf(mid, dof) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

void rmat_trend_fit(const double *x, const double *y, size_t n, size_t min_n,
                    struct rmat_trend *out)
{
    double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
    size_t m = 0;

    out->n = 0;
    out->valid = 0;
    out->slope = out->ci95_low = out->ci95_high = out->r2 = out->change_pct = NAN;
    if (!x || !y)
        return;
    for (size_t k = 0; k < n; k++) {
        if (isnan(x[k]) || isnan(y[k]) || isinf(x[k]) || isinf(y[k]))
            continue;
        mx += x[k];
        my += y[k];
        m++;
    }
    out->n = m;
    if (m < min_n || m < 3)
        return;
    mx /= (double)m;
    my /= (double)m;
    for (size_t k = 0; k < n; k++) {
        if (isnan(x[k]) || isnan(y[k]) || isinf(x[k]) || isinf(y[k]))
            continue;
        sxx += (x[k] - mx) * (x[k] - mx);
        sxy += (x[k] - mx) * (y[k] - my);
        syy += (y[k] - my) * (y[k] - my);
    }
    if (!(sxx > 0))
        return;
    const double b = sxy / sxx;
    /* SSE = Syy - b Sxy, the residual sum of squares of the fitted line;
     * clamped at 0 against rounding for points exactly on a line. */
    double sse = syy - b * sxy;
    if (sse < 0)
        sse = 0;
    const double se = sqrt(sse / (double)(m - 2) / sxx);
    const double t = rmat_student_t_quantile(0.975, (double)(m - 2));
    out->valid = 1;
    out->slope = b;
    out->ci95_low = b - t * se;
    out->ci95_high = b + t * se;
    out->r2 = syy > 0 ? 1.0 - sse / syy : NAN;

    /* Thirds, in the order given. */
    {
        const size_t third = m / 3 > 0 ? m / 3 : 1;
        double first = 0, last = 0;
        size_t seen = 0, nf = 0, nl = 0;
        for (size_t k = 0; k < n; k++) {
            if (isnan(x[k]) || isnan(y[k]) || isinf(x[k]) || isinf(y[k]))
                continue;
            if (seen < third) {
                first += y[k];
                nf++;
            }
            if (seen >= m - third) {
                last += y[k];
                nl++;
            }
            seen++;
        }
        first /= (double)nf;
        last /= (double)nl;
        out->change_pct = first != 0 ? 100.0 * (last / first - 1.0) : NAN;
    }
}

void rmat_tissue_compute(const struct rmat_pass *passes, size_t n_passes,
                         const struct rmat_hold *holds, size_t n_holds, double roller_diameter_mm,
                         double *scratch, struct rmat_tissue *out)
{
    double *x = scratch, *y = scratch + n_passes;
    const double r_mm = roller_diameter_mm / 2.0;
    double sum = 0;
    size_t nh = 0;

    for (size_t k = 0; k < n_passes; k++)
        x[k] = passes[k].t_start_s / 60.0;
    for (size_t k = 0; k < n_passes; k++)
        y[k] = passes[k].mean_kpa;
    rmat_trend_fit(x, y, n_passes, RMAT_TISSUE_MIN_PASSES, &out->mean_kpa);
    for (size_t k = 0; k < n_passes; k++)
        y[k] = passes[k].mean_width_mm;
    rmat_trend_fit(x, y, n_passes, RMAT_TISSUE_MIN_PASSES, &out->width_mm);
    for (size_t k = 0; k < n_passes; k++)
        y[k] = passes[k].compliance_mm3_n;
    rmat_trend_fit(x, y, n_passes, RMAT_TISSUE_MIN_PASSES, &out->compliance_mm3_n);
    out->has_stiffness = r_mm > 0 && isfinite(r_mm);
    for (size_t k = 0; k < n_passes; k++) {
        const double c = passes[k].compliance_mm3_n;
        /* 12 R / (pi C) is in N/mm² (MPa); * 1000 gives kPa. A zero
         * compliance (a point contact) has no finite stiffness. */
        y[k] = out->has_stiffness && c > 0 ? 12000.0 * r_mm / (M_PI * c) : NAN;
    }
    rmat_trend_fit(x, y, n_passes, RMAT_TISSUE_MIN_PASSES, &out->stiffness_kpa);
    for (size_t k = 0; k < n_passes; k++)
        y[k] = passes[k].speed_mm_s;
    rmat_trend_fit(x, y, n_passes, RMAT_TISSUE_MIN_PASSES, &out->speed_mm_s);

    for (size_t k = 0; k < n_holds; k++) {
        if (!isnan(holds[k].area_change_pct)) {
            sum += holds[k].area_change_pct;
            nh++;
        }
    }
    out->holds_with_area_change = nh;
    out->hold_area_change_pct = nh ? sum / (double)nh : NAN;
}
