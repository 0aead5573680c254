/* The virtual mat's physics. See sim.h. */
#include "sim.h"

#include <math.h>
#include <stdio.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

void rmat_sim_config_default(struct rmat_sim_config *c)
{
    c->rows = 32;
    c->cols = 32;
    c->pitch_mm = 12.7;
    c->adc_bits = 12;
    c->force_n = 250.0;
    c->radius_mm = 75.0;
    c->length_mm = 150.0;
    c->estar_kpa = 400.0;
    c->x_centre_mm = 0.5 * c->cols * c->pitch_mm;
    c->y_mid_mm = 0.5 * c->rows * c->pitch_mm;
    c->amplitude_mm = 120.0;
    c->period_s = 4.0;
    c->counts_per_kpa = 40.0;
}

static double half_width_mm(const struct rmat_sim_config *c)
{
    /* b = sqrt(4 F R / (pi L E*)) with F in N, R and L in mm, E* in kPa =
     * 1e-3 N/mm^2: b^2 [mm^2] = 4 F R / (pi L E* 1e-3). */
    return sqrt(4.0 * c->force_n * c->radius_mm / (M_PI * c->length_mm * c->estar_kpa * 1e-3));
}

int rmat_sim_config_check(const struct rmat_sim_config *c, char *why, int why_len)
{
    const double w = c->cols * c->pitch_mm, h = c->rows * c->pitch_mm;
    const double b = half_width_mm(c);

    if (c->rows < 1 || c->cols < 1 || c->rows > 255 || c->cols > 255 || c->rows * c->cols > 8100) {
        snprintf(why, (size_t)why_len, "grid %dx%d: rows and cols 1..255, at most 8100 sensels",
                 c->rows, c->cols);
        return -1;
    }
    if (!(c->pitch_mm > 0) || !(c->force_n > 0) || !(c->radius_mm > 0) || !(c->length_mm > 0) ||
        !(c->estar_kpa > 0) || !(c->period_s > 0) || !(c->counts_per_kpa > 0) || c->adc_bits < 8 ||
        c->adc_bits > 16) {
        snprintf(why, (size_t)why_len,
                 "pitch, force, radius, length, E*, period and gain must be"
                 " positive, adc_bits 8..16");
        return -1;
    }
    if (c->x_centre_mm - c->length_mm / 2 < 0 || c->x_centre_mm + c->length_mm / 2 > w ||
        c->y_mid_mm - c->amplitude_mm - b < 0 || c->y_mid_mm + c->amplitude_mm + b > h) {
        snprintf(
            why, (size_t)why_len,
            "the contact (%.0f mm long, %.0f mm wide, stroke +-%.0f mm) leaves the %.0f x %.0f "
            "mm grid",
            c->length_mm, 2 * b, c->amplitude_mm, w, h);
        return -1;
    }
    return 0;
}

/* Integral of sqrt(1 - u^2) from -1 to u, for u in [-1, 1]: the share of
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

void rmat_sim_frame(const struct rmat_sim_config *c, double t_s, uint16_t *counts,
                    struct rmat_sim_truth *truth)
{
    const double b = half_width_mm(c);
    const double yc = c->y_mid_mm - c->amplitude_mm * cos(2.0 * M_PI * t_s / c->period_s);
    const double x0 = c->x_centre_mm - c->length_mm / 2, x1 = c->x_centre_mm + c->length_mm / 2;
    /* Line load F / L [N/mm] spread over the Hertz profile: the force on a
     * strip [ya, yb] per mm of roller length is (F/L) * share(ya..yb). */
    const double load_n_mm = c->force_n / c->length_mm;
    const double adc_max = (double)((1u << c->adc_bits) - 1u);
    const double d = c->pitch_mm;

    for (int i = 0; i < c->rows; i++) {
        const double ya = i * d, yb = ya + d;
        const double share = (hertz_cum((yb - yc) / b) - hertz_cum((ya - yc) / b)) / (M_PI / 2);
        for (int j = 0; j < c->cols; j++) {
            const double len = overlap(j * d, (j + 1) * d, x0, x1);
            /* Mean pressure over the sensel: force on it over its area;
             * N/mm^2 is MPa, so * 1000 gives kPa. */
            const double p_kpa = load_n_mm * share * len / (d * d) * 1000.0;
            double v = floor(p_kpa * c->counts_per_kpa + 0.5);
            if (v > adc_max)
                v = adc_max;
            counts[i * c->cols + j] = (uint16_t)v;
        }
    }
    if (truth) {
        truth->t_s = t_s;
        truth->cop_x_mm = c->x_centre_mm;
        truth->cop_y_mm = yc;
        truth->force_n = c->force_n;
        truth->half_width_mm = b;
        truth->mean_kpa = c->force_n / (2 * b * c->length_mm) * 1000.0;
    }
}
