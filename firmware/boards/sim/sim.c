/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat's physics: contact mechanics and the FSR sensor model.
 * See sim.h. */
#include "sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/err.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* kPa = 1e-3 N/mm^2: E* in kPa times this is N/mm^2, the unit that goes
 * with forces in N and lengths in mm. */
#define KPA_TO_N_MM2 1e-3

void rmat_sim_sensor_model_default(struct rmat_sim_sensor_model *m, int adc_bits)
{
    m->adc_bits = adc_bits;
    m->c_max_counts = (double)((1u << adc_bits) - 1u);
    m->p_ref_kpa = 50.0;
    m->k = 1.3;
    m->gain_spread_pct = 5.0;
    m->noise_counts = 2.0;
    m->creep_pct = 4.0;
    m->creep_tau_s = 20.0;
    m->creep_recover_tau_s = 10.0;
    m->creep_load_kpa = 2.0;
    m->crosstalk_row_pct = 0.1;
    m->crosstalk_col_pct = 0.1;
}

double rmat_sim_line_half_width_mm(double force_n, double radius_mm, double length_mm,
                                   double estar_kpa)
{
    return sqrt(4.0 * force_n * radius_mm / (M_PI * length_mm * estar_kpa * KPA_TO_N_MM2));
}

double rmat_sim_ball_radius_mm(double force_n, double radius_mm, double estar_kpa)
{
    return cbrt(3.0 * force_n * radius_mm / (4.0 * estar_kpa * KPA_TO_N_MM2));
}

void rmat_sim_contact_describe(const struct rmat_sim_contact *c, struct rmat_sim_contact_truth *t)
{
    if (c->shape == RMAT_SIM_BALL) {
        const double a = rmat_sim_ball_radius_mm(c->force_n, c->radius_mm, c->estar_kpa);
        t->half_width_mm = a;
        /* p-weighted variance of p0 sqrt(1 - r^2/a^2) over the disc along
         * any axis is a^2 / 5. */
        t->width_mm = sqrt(12.0 / 5.0) * a;
        t->length_mm = t->width_mm;
        t->mean_kpa = c->force_n / (M_PI * a * a) * 1000.0;
        t->peak_kpa = 1.5 * t->mean_kpa;
    } else {
        const double b =
            rmat_sim_line_half_width_mm(c->force_n, c->radius_mm, c->length_mm, c->estar_kpa);
        t->half_width_mm = b;
        /* Across: the variance of sqrt(1 - x^2/b^2) is b^2 / 4, so
         * sqrt(12 var) = sqrt(3) b; along: uniform over L, sqrt(12 var) = L.
         * This is the width with which compliance = 12 R / (pi E*). */
        t->width_mm = sqrt(3.0) * b;
        t->length_mm = c->length_mm;
        t->mean_kpa = c->force_n / (2.0 * b * c->length_mm) * 1000.0;
        t->peak_kpa = 4.0 / M_PI * t->mean_kpa;
    }
}

void rmat_sim_contact_extent(const struct rmat_sim_contact *c, double *ex_mm, double *ey_mm)
{
    if (c->shape == RMAT_SIM_BALL) {
        *ex_mm = *ey_mm = rmat_sim_ball_radius_mm(c->force_n, c->radius_mm, c->estar_kpa);
    } else {
        const double b =
            rmat_sim_line_half_width_mm(c->force_n, c->radius_mm, c->length_mm, c->estar_kpa);
        const double th = c->axis_deg * M_PI / 180.0;
        const double cs = fabs(cos(th)), sn = fabs(sin(th));
        *ex_mm = cs * c->length_mm / 2 + sn * b;
        *ey_mm = sn * c->length_mm / 2 + cs * b;
    }
}

/* Integral of sqrt(1 - u^2) from -1 to u, clamped to [-1, 1]: the share of
 * the Hertz profile's area below u is this over pi/2. */
static double hertz_cum(double u)
{
    if (u <= -1.0)
        return 0.0;
    if (u >= 1.0)
        return M_PI / 2;
    return 0.5 * (u * sqrt(1.0 - u * u) + asin(u)) + M_PI / 4;
}

/* Length of [a0, a1] inside [b0, b1]. */
static double overlap(double a0, double a1, double b0, double b1)
{
    double lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi > lo ? hi - lo : 0.0;
}

/* Narrows [*lo, *hi] to where lo_c <= alpha x + beta <= hi_c. */
static void clip_linear(double alpha, double beta, double lo_c, double hi_c, double *lo, double *hi)
{
    if (alpha == 0.0) {
        if (beta < lo_c || beta > hi_c)
            *hi = *lo; /* empty */
        return;
    }
    double x0 = (lo_c - beta) / alpha, x1 = (hi_c - beta) / alpha;
    if (x0 > x1) {
        double t = x0;
        x0 = x1;
        x1 = t;
    }
    if (x0 > *lo)
        *lo = x0;
    if (x1 < *hi)
        *hi = x1;
}

/* Force per mm of strip height (N/mm) on the horizontal line y between x0
 * and x1: the exact integral of p along x. p0 in N/mm^2. */
static double strip_integral(const struct rmat_sim_contact *c, double p0, double hw, double cs,
                             double sn, double y, double x0, double x1)
{
    const double dy = y - c->y_mm;
    double lo = x0, hi = x1;

    if (c->shape == RMAT_SIM_BALL) {
        /* Along the line, p = (p0 / a) sqrt(h^2 - (x - xc)^2), h^2 = a^2 -
         * dy^2: a Hertz profile of half-width h and peak p0 h / a. */
        const double h2 = hw * hw - dy * dy;
        double h;
        if (h2 <= 0)
            return 0.0;
        h = sqrt(h2);
        return p0 * h / hw * h * (hertz_cum((x1 - c->x_mm) / h) - hertz_cum((x0 - c->x_mm) / h));
    }
    /* Along the axis u = (x - xc) cs + dy sn within +-L/2; across
     * d = -(x - xc) sn + dy cs within +-b; p depends on d alone. */
    clip_linear(cs, -c->x_mm * cs + dy * sn, -c->length_mm / 2, c->length_mm / 2, &lo, &hi);
    clip_linear(-sn, c->x_mm * sn + dy * cs, -hw, hw, &lo, &hi);
    if (hi <= lo)
        return 0.0;
    if (sn == 0.0) {
        const double u = (dy * cs) / hw;
        return p0 * sqrt(u < 1.0 ? 1.0 - u * u : 0.0) * (hi - lo);
    }
    {
        const double dlo = (-(lo - c->x_mm) * sn + dy * cs) / hw;
        const double dhi = (-(hi - c->x_mm) * sn + dy * cs) / hw;
        return p0 * hw / fabs(sn) * fabs(hertz_cum(dhi) - hertz_cum(dlo));
    }
}

double rmat_sim_pressure(int rows, int cols, double pitch_mm, const struct rmat_sim_contact *c,
                         double *p_kpa)
{
    const double d = pitch_mm, area = d * d;
    double ex, ey, hw, p0, th, cs, sn, total = 0.0;
    int i0, i1, j0, j1;

    memset(p_kpa, 0, (size_t)rows * (size_t)cols * sizeof *p_kpa);
    if (!c)
        return 0.0;
    rmat_sim_contact_extent(c, &ex, &ey);
    if (c->shape == RMAT_SIM_BALL) {
        hw = rmat_sim_ball_radius_mm(c->force_n, c->radius_mm, c->estar_kpa);
        p0 = 3.0 * c->force_n / (2.0 * M_PI * hw * hw); /* N/mm^2 */
    } else {
        hw = rmat_sim_line_half_width_mm(c->force_n, c->radius_mm, c->length_mm, c->estar_kpa);
        p0 = 2.0 * c->force_n / (M_PI * hw * c->length_mm);
    }
    th = c->axis_deg * M_PI / 180.0;
    cs = cos(th);
    sn = sin(th);
    /* Snap the axis to the grid when it is within rounding of it, so the
     * separable (exact) path serves 0 and 90 degrees. */
    if (fabs(sn) < 1e-12) {
        sn = 0.0;
        cs = cs > 0 ? 1.0 : -1.0;
    } else if (fabs(cs) < 1e-12) {
        cs = 0.0;
        sn = sn > 0 ? 1.0 : -1.0;
    }
    /* Only the sensels under the contact's bounding box can be loaded. */
    i0 = (int)floor((c->y_mm - ey) / d);
    i1 = (int)floor((c->y_mm + ey) / d);
    j0 = (int)floor((c->x_mm - ex) / d);
    j1 = (int)floor((c->x_mm + ex) / d);
    if (i0 < 0)
        i0 = 0;
    if (j0 < 0)
        j0 = 0;
    if (i1 > rows - 1)
        i1 = rows - 1;
    if (j1 > cols - 1)
        j1 = cols - 1;

    for (int i = i0; i <= i1; i++) {
        const double ya = i * d, yb = ya + d;
        for (int j = j0; j <= j1; j++) {
            const double xa = j * d, xb = xa + d;
            double f = 0.0; /* N on the sensel */

            if (c->shape == RMAT_SIM_CYLINDER && (sn == 0.0 || cs == 0.0)) {
                /* Separable: the Hertz profile across times the length along. */
                const double load = c->force_n / c->length_mm; /* N per mm of roller */
                double across, along;
                if (sn == 0.0) {
                    across = (hertz_cum((yb - c->y_mm) / hw) - hertz_cum((ya - c->y_mm) / hw)) /
                             (M_PI / 2);
                    along = overlap(xa, xb, c->x_mm - c->length_mm / 2, c->x_mm + c->length_mm / 2);
                } else {
                    across = (hertz_cum((xb - c->x_mm) / hw) - hertz_cum((xa - c->x_mm) / hw)) /
                             (M_PI / 2);
                    along = overlap(ya, yb, c->y_mm - c->length_mm / 2, c->y_mm + c->length_mm / 2);
                }
                f = load * across * along;
            } else {
                const double h = d / RMAT_SIM_STRIPS;
                for (int k = 0; k < RMAT_SIM_STRIPS; k++)
                    f += strip_integral(c, p0, hw, cs, sn, ya + (k + 0.5) * h, xa, xb) * h;
            }
            p_kpa[i * cols + j] = f / area * 1000.0;
            total += f;
        }
    }
    return total;
}

double rmat_sim_fsr_counts(const struct rmat_sim_sensor_model *m, double p_kpa)
{
    double xk;
    if (!(p_kpa > 0))
        return 0.0;
    xk = pow(p_kpa / m->p_ref_kpa, m->k);
    return m->c_max_counts * xk / (1.0 + xk);
}

double rmat_sim_fsr_pressure_kpa(const struct rmat_sim_sensor_model *m, double counts)
{
    if (!(counts > 0))
        return 0.0;
    if (counts >= m->c_max_counts)
        return INFINITY;
    return m->p_ref_kpa * pow(counts / (m->c_max_counts - counts), 1.0 / m->k);
}

void rmat_sim_rng_seed(struct rmat_sim_rng *r, uint64_t seed)
{
    r->state = seed;
    r->have_spare = 0;
    r->spare = 0.0;
}

uint64_t rmat_sim_rng_next(struct rmat_sim_rng *r)
{
    /* splitmix64 (Steele, Lea, Flood 2014): tiny, and good enough for noise
     * and gains; the sequence is fixed by the seed on every platform. */
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double rmat_sim_rng_uniform(struct rmat_sim_rng *r)
{
    /* 53 random bits, offset by half a step: in (0, 1). */
    return ((double)(rmat_sim_rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double rmat_sim_rng_normal(struct rmat_sim_rng *r)
{
    double u, v, rad;
    if (r->have_spare) {
        r->have_spare = 0;
        return r->spare;
    }
    u = rmat_sim_rng_uniform(r);
    v = rmat_sim_rng_uniform(r);
    rad = sqrt(-2.0 * log(u));
    r->spare = rad * sin(2.0 * M_PI * v);
    r->have_spare = 1;
    return rad * cos(2.0 * M_PI * v);
}

struct rmat_sim_sensor {
    struct rmat_sim_sensor_model m;
    int rows, cols;
    struct rmat_sim_rng noise;
    int have_t;
    double t_prev_s;
    double *gain;  /* per sensel */
    double *creep; /* per sensel: the current creep share e_ij */
    double *c;     /* per sensel: counts before crosstalk and noise */
    double *row_sum, *col_sum;
};

int rmat_sim_sensor_new(const struct rmat_sim_sensor_model *m, int rows, int cols, uint64_t seed,
                        struct rmat_sim_sensor **out)
{
    struct rmat_sim_sensor *s;
    struct rmat_sim_rng g;
    size_t n;

    *out = NULL;
    if (rows < 1 || cols < 1 || rows * cols > RMAT_SIM_MAX_SENSELS)
        return RMAT_E_ARG;
    n = (size_t)rows * (size_t)cols;
    s = calloc(1, sizeof *s);
    if (!s)
        return RMAT_E_NOMEM;
    s->m = *m;
    s->rows = rows;
    s->cols = cols;
    s->gain = calloc(n, sizeof *s->gain);
    s->creep = calloc(n, sizeof *s->creep);
    s->c = calloc(n, sizeof *s->c);
    s->row_sum = calloc((size_t)rows, sizeof *s->row_sum);
    s->col_sum = calloc((size_t)cols, sizeof *s->col_sum);
    if (!s->gain || !s->creep || !s->c || !s->row_sum || !s->col_sum) {
        rmat_sim_sensor_free(s);
        return RMAT_E_NOMEM;
    }
    /* Gains and noise come from separate streams of the seed, so a change
     * in how much noise is drawn never changes a sensel's gain. */
    rmat_sim_rng_seed(&g, seed ^ 0x6761696E5F73656Dull);
    for (size_t k = 0; k < n; k++)
        s->gain[k] = 1.0 + m->gain_spread_pct / 100.0 * (2.0 * rmat_sim_rng_uniform(&g) - 1.0);
    rmat_sim_rng_seed(&s->noise, seed ^ 0x6E6F6973655F7374ull);
    *out = s;
    return RMAT_OK;
}

void rmat_sim_sensor_free(struct rmat_sim_sensor *s)
{
    if (!s)
        return;
    free(s->gain);
    free(s->creep);
    free(s->c);
    free(s->row_sum);
    free(s->col_sum);
    free(s);
}

double rmat_sim_sensor_gain(const struct rmat_sim_sensor *s, int k)
{
    return s->gain[k];
}

void rmat_sim_sensor_read(struct rmat_sim_sensor *s, const double *p_kpa, double t_s,
                          uint16_t *counts)
{
    const struct rmat_sim_sensor_model *m = &s->m;
    const int rows = s->rows, cols = s->cols;
    const double adc_max = (double)((1u << m->adc_bits) - 1u);
    const double xr = m->crosstalk_row_pct / 100.0, xc = m->crosstalk_col_pct / 100.0;
    const double e_max = m->creep_pct / 100.0;
    double dt = s->have_t ? t_s - s->t_prev_s : 0.0, up, down;

    if (!(dt > 0))
        dt = 0.0;
    s->have_t = 1;
    s->t_prev_s = t_s;
    /* Exact first-order steps, so the creep does not depend on the rate. */
    up = 1.0 - exp(-dt / m->creep_tau_s);
    down = 1.0 - exp(-dt / m->creep_recover_tau_s);
    memset(s->row_sum, 0, (size_t)rows * sizeof *s->row_sum);
    memset(s->col_sum, 0, (size_t)cols * sizeof *s->col_sum);
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            const int k = i * cols + j;
            double c;
            if (p_kpa[k] >= m->creep_load_kpa)
                s->creep[k] += (e_max - s->creep[k]) * up;
            else
                s->creep[k] -= s->creep[k] * down;
            c = rmat_sim_fsr_counts(m, s->gain[k] * p_kpa[k]) * (1.0 + s->creep[k]);
            s->c[k] = c;
            s->row_sum[i] += c;
            s->col_sum[j] += c;
        }
    }
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            const int k = i * cols + j;
            double v = s->c[k] + xr * (s->row_sum[i] - s->c[k]) + xc * (s->col_sum[j] - s->c[k]);
            if (m->noise_counts > 0)
                v += m->noise_counts * rmat_sim_rng_normal(&s->noise);
            v = floor(v + 0.5);
            if (v < 0)
                v = 0;
            if (v > adc_max)
                v = adc_max;
            counts[k] = (uint16_t)v;
        }
    }
}
