/* The virtual mat's physics: what each sensel of the grid reads at time t.
 *
 * A roller lies along x (across the columns), centred at x_centre_mm, and
 * rolls back and forth along y: its contact line is at
 * y(t) = y_mid - amplitude cos(2 pi t / period), so it starts at one end and
 * turns smoothly. Under load F it presses into tissue of stiffness E*; the
 * contact is a Hertz line contact of half-width b = sqrt(4 F R / (pi L E*))
 * and pressure p(y) = 2F / (pi b L) sqrt(1 - (y - y(t))^2 / b^2), even along
 * the roller's length L. Each sensel reads the mean pressure over its area,
 * integrated exactly (not point-sampled), turned into counts by a linear
 * gain and clipped to the ADC range.
 *
 * The scene's own numbers, never the analysis, give the ground truth: the
 * centre of pressure is (x_centre_mm, y(t)) and the force F while the whole
 * contact lies on the grid.
 */
#ifndef RMAT_SIM_H
#define RMAT_SIM_H

#include <stdint.h>

struct rmat_sim_config {
    int rows, cols;
    double pitch_mm;
    int adc_bits;
    double force_n;
    double radius_mm;
    double length_mm;
    double estar_kpa;
    double x_centre_mm;
    double y_mid_mm;
    double amplitude_mm;
    double period_s;       /* one cycle: a pass each way */
    double counts_per_kpa; /* linear sensor gain */
};

struct rmat_sim_truth {
    double t_s;
    double cop_x_mm, cop_y_mm;
    double force_n;
    double half_width_mm; /* Hertz b */
    double mean_kpa;      /* F / (2 b L) */
};

/* Defaults of a foam-rolling session: 32x32 at 12.7 mm, 12-bit, F = 250 N,
 * R = 75 mm, L = 150 mm, E* = 400 kPa (b ~ 20 mm, mean ~ 42 kPa), a
 * 240 mm stroke every 4 s. */
void rmat_sim_config_default(struct rmat_sim_config *c);

/* Returns 0, or -1 if the configuration cannot make sense (grid over
 * 255x255 or 8100 sensels, non-positive sizes, contact off the grid). */
int rmat_sim_config_check(const struct rmat_sim_config *c, char *why, int why_len);

/* Computes the counts of every sensel (rows*cols, row-major) at time t_s
 * and the truth at that time. */
void rmat_sim_frame(const struct rmat_sim_config *c, double t_s, uint16_t *counts,
                    struct rmat_sim_truth *truth);

#endif
