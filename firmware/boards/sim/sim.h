/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat's physics: contact mechanics and the FSR sensor model.
 *
 * Geometry follows docs/metrics.md: sensel (i, j) covers x in [j d, (j+1) d],
 * y in [i d, (i+1) d] (d the pitch in mm); x runs along the columns, y
 * along the rows. Pressures are kPa, forces N, lengths mm, times s.
 *
 * Contact (Hertz, elastic half-space of effective modulus E*):
 *  - a cylinder of radius R and length L pressed with F: a band of
 *    half-width b = sqrt(4 F R / (pi L E*)) across the roller and L long
 *    along it, p(d) = p0 sqrt(1 - d^2/b^2), p0 = 2 F / (pi b L), even along
 *    the length; the roller's axis lies at axis_deg from +x;
 *  - a ball of radius R pressed with F: a disc of radius
 *    a = (3 F R / (4 E*))^(1/3), p(r) = p0 sqrt(1 - r^2/a^2),
 *    p0 = 3 F / (2 pi a^2).
 * Each sensel reads the mean pressure over its area: exactly where the
 * contact is separable (a cylinder along x or y), else integrated exactly
 * along x over RMAT_SIM_STRIPS strips of the sensel in y (midpoint rule in
 * y only), never point-sampled.
 *
 * Sensor (an FSR behind a voltage divider, one per sensel), in this order:
 *  1. gain: each sensel sees g_ij * p, g_ij uniform in 1 +- gain_spread_pct
 *     (from the seed, fixed for the mat's life);
 *  2. curve: c = c_max x^k / (1 + x^k), x = g p / p_ref; its inverse,
 *     p = p_ref (c / (c_max - c))^(1/k), is the calibration form
 *     p = a (c / (c_max - c))^b the analysis fits;
 *  3. creep: c *= 1 + e_ij, where e_ij rises towards creep_pct/100 with time
 *     constant creep_tau_s while the sensel is loaded (p >= creep_load_kpa)
 *     and falls back to 0 with creep_recover_tau_s when it is not;
 *  4. crosstalk of a passive matrix: each sensel gains crosstalk_row_pct % of
 *     the rest of its row's counts and crosstalk_col_pct % of the rest of its
 *     column's;
 *  5. noise: Gaussian, sigma noise_counts, seeded; rounded and clipped to
 *     0 .. 2^adc_bits - 1, so an unloaded sensel reads 0 or a few counts.
 */
#ifndef RMAT_SIM_H
#define RMAT_SIM_H

#include <stdint.h>

/* Strips per sensel in the non-separable integration: 16 keeps the total
 * force on the grid within 0.1% of F for the shipped scenes (a 12.7 mm
 * sensel in 0.8 mm strips across a 40 mm band). */
#define RMAT_SIM_STRIPS 16

/* The largest grid: the protocol's 90x90 (device.h RMAT_DEV_MAX_SENSELS). */
#define RMAT_SIM_MAX_SENSELS 8100

enum rmat_sim_shape {
    RMAT_SIM_CYLINDER = 0, /* a foam roller: Hertz line contact */
    RMAT_SIM_BALL = 1,     /* a massage or lacrosse ball: Hertz point contact */
};

/* The FSR sensor model (see above). Counts are ADC counts. */
struct rmat_sim_sensor_model {
    int adc_bits;               /* 8..16 */
    double c_max_counts;        /* the curve's asymptote, > 0 */
    double p_ref_kpa;           /* pressure at half of c_max, > 0 */
    double k;                   /* the curve's exponent, > 0 */
    double gain_spread_pct;     /* 0..50 */
    double noise_counts;        /* Gaussian sigma, >= 0 */
    double creep_pct;           /* >= 0 */
    double creep_tau_s;         /* > 0 */
    double creep_recover_tau_s; /* > 0 */
    double creep_load_kpa;      /* > 0 */
    double crosstalk_row_pct;   /* 0..10 */
    double crosstalk_col_pct;   /* 0..10 */
};

/* The model's defaults for a 12-bit ADC: c_max 4095, p_ref 50 kPa, k 1.3
 * (5 kPa reads ~195 counts, 40 kPa ~1750, 150 kPa ~3300: the 0..150 kPa of
 * foam rolling spans the ADC with room before it saturates), gain +-5%,
 * noise 2 counts, creep 4% with 20 s up and 10 s back above 2 kPa,
 * crosstalk 0.1% of the row's and of the column's counts. */
void rmat_sim_sensor_model_default(struct rmat_sim_sensor_model *m, int adc_bits);

/* The contact at one instant. */
struct rmat_sim_contact {
    enum rmat_sim_shape shape;
    double x_mm, y_mm; /* centre of the contact */
    double axis_deg;   /* cylinder: the roller's axis from +x, counter-clockwise */
    double force_n;    /* > 0 */
    double estar_kpa;  /* > 0 */
    double radius_mm;  /* > 0 */
    double length_mm;  /* cylinder: > 0 */
};

/* Hertz line contact: half-width b in mm of a cylinder (R, L mm) pressed
 * with F N into E* kPa: sqrt(4 F R / (pi L E*)). */
double rmat_sim_line_half_width_mm(double force_n, double radius_mm, double length_mm,
                                   double estar_kpa);

/* Hertz point contact: contact radius a in mm of a ball (R mm) pressed with
 * F N into E* kPa: (3 F R / (4 E*))^(1/3). */
double rmat_sim_ball_radius_mm(double force_n, double radius_mm, double estar_kpa);

/* What the contact is, from the scene's numbers alone (the ground truth):
 * half_width_mm is b or a; width_mm and length_mm are what docs/metrics.md's
 * sqrt(12 lambda) gives for the continuous pressure (sqrt(3) b and L for a
 * cylinder, sqrt(12/5) a both ways for a ball); mean_kpa is F over the
 * contact's area (2 b L or pi a^2), peak_kpa p0. */
struct rmat_sim_contact_truth {
    double half_width_mm;
    double width_mm;
    double length_mm;
    double mean_kpa;
    double peak_kpa;
};
void rmat_sim_contact_describe(const struct rmat_sim_contact *c, struct rmat_sim_contact_truth *t);

/* Half-extents in x and y (mm) of the contact's bounding box. */
void rmat_sim_contact_extent(const struct rmat_sim_contact *c, double *ex_mm, double *ey_mm);

/* Writes the mean pressure (kPa) over each sensel of a rows x cols grid of
 * pitch_mm (row-major) into p_kpa, for contact c, or zeros if c is NULL.
 * Returns the force on the grid in N: sum(p * pitch^2) / 1000, which is F
 * while the contact lies on the grid. Allocates nothing. */
double rmat_sim_pressure(int rows, int cols, double pitch_mm, const struct rmat_sim_contact *c,
                         double *p_kpa);

/* The nominal sensel's curve (gain 1, no creep, crosstalk or noise): counts
 * (not rounded) for p kPa; 0 for p <= 0. */
double rmat_sim_fsr_counts(const struct rmat_sim_sensor_model *m, double p_kpa);

/* Its inverse: kPa for counts in [0, c_max); counts >= c_max give +inf,
 * counts <= 0 give 0. */
double rmat_sim_fsr_pressure_kpa(const struct rmat_sim_sensor_model *m, double counts);

/* A small seeded PRNG (splitmix64): deterministic across platforms. */
struct rmat_sim_rng {
    uint64_t state;
    int have_spare;
    double spare;
};
void rmat_sim_rng_seed(struct rmat_sim_rng *r, uint64_t seed);
uint64_t rmat_sim_rng_next(struct rmat_sim_rng *r);
/* Uniform in (0, 1): never 0, so log() of it is finite. */
double rmat_sim_rng_uniform(struct rmat_sim_rng *r);
/* Standard normal (Box-Muller). */
double rmat_sim_rng_normal(struct rmat_sim_rng *r);

/* The sensors of one mat: per-sensel gains and creep state. */
struct rmat_sim_sensor;

/* Makes the sensors of a rows x cols mat (at most RMAT_SIM_MAX_SENSELS)
 * with model m (copied) and seed. Returns 0 and *out (free with
 * rmat_sim_sensor_free), or RMAT_E_ARG / RMAT_E_NOMEM with *out NULL. */
int rmat_sim_sensor_new(const struct rmat_sim_sensor_model *m, int rows, int cols, uint64_t seed,
                        struct rmat_sim_sensor **out);

/* Frees s; NULL is allowed. */
void rmat_sim_sensor_free(struct rmat_sim_sensor *s);

/* The gain g_ij of sensel k = i * cols + j. */
double rmat_sim_sensor_gain(const struct rmat_sim_sensor *s, int k);

/* Reads the mat: p_kpa (rows * cols mean pressures) at time t_s into
 * counts. Creep integrates over the time since the previous read (none
 * before the first; t_s should not go backwards, a step back counts as 0).
 * Allocates nothing. */
void rmat_sim_sensor_read(struct rmat_sim_sensor *s, const double *p_kpa, double t_s,
                          uint16_t *counts);

#endif
