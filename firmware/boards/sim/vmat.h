/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat: a scene's motion through the contact physics and the
 * sensor model, frame by frame, with each frame's ground truth.
 *
 * The truth comes from the scene and the contact mechanics alone, never
 * from the counts: where the roller is, the force it is pressed with, the
 * Hertz contact it makes, the tissue's E*, and which pass or hold of the
 * scene the frame falls in.
 */
#ifndef RMAT_VMAT_H
#define RMAT_VMAT_H

#include <stdint.h>

#include "scene.h"
#include "sim.h"

/* One frame's truth. Without contact the positions, widths and pressures
 * are NaN and the forces 0. */
struct rmat_vmat_truth {
    double t_s;       /* since the scene began, on the true (scene) clock */
    int loop;         /* completed repetitions of the scene (with loop) */
    double scene_t_s; /* t_s within the current repetition */
    int contact;
    double cop_x_mm, cop_y_mm;
    double force_n;      /* the roller's load */
    double grid_force_n; /* sum of the sensels' mean pressure x area: F on the grid */
    double half_width_mm;
    double width_mm, length_mm; /* docs/metrics.md's sqrt(12 lambda) of the true pressure */
    double mean_kpa, peak_kpa;
    double estar_kpa;
    double s_mm;
    int segment, pass, hold; /* -1 where none */
};

/* Running means over the contact frames made so far. */
struct rmat_vmat_stats {
    uint64_t frames, contact_frames;
    double mean_force_n, mean_grid_force_n, mean_kpa, mean_half_width_mm, mean_width_mm;
};

struct rmat_vmat;

/* Makes the virtual mat of scene sc (which must outlive it); with loop the
 * scene repeats, else it holds its last state past its end. Returns 0 and
 * *out (free with rmat_vmat_free), or RMAT_E_NOMEM / RMAT_E_ARG with *out
 * NULL. */
int rmat_vmat_new(const struct rmat_scene *sc, int loop, struct rmat_vmat **out);

/* Frees m; NULL is allowed. */
void rmat_vmat_free(struct rmat_vmat *m);

/* Computes the frame at t_s (seconds since the scene began; should not go
 * backwards): rows * cols counts, row-major, and its truth (may be NULL).
 * Allocates nothing. */
void rmat_vmat_frame(struct rmat_vmat *m, double t_s, uint16_t *counts,
                     struct rmat_vmat_truth *truth);

/* The sensels' mean pressures (kPa, before the sensor) of the last frame. */
const double *rmat_vmat_pressure(const struct rmat_vmat *m);

/* The sensors (for their gains). */
const struct rmat_sim_sensor *rmat_vmat_sensor(const struct rmat_vmat *m);

/* Means over the frames computed so far. */
void rmat_vmat_stats(const struct rmat_vmat *m, struct rmat_vmat_stats *out);

#endif
