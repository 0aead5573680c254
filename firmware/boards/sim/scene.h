/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Scenes of the virtual mat: what the roller does, in a small text format
 * (docs/simulator.md has the full reference).
 *
 * One directive per line, '#' starts a comment, blank lines are ignored. A
 * directive is a keyword and key=value pairs; units are in the keys
 * (radius_mm, duration_s, cadence_cpm). Mat, roller, sensor, tissue and
 * seed lines may come anywhere and at most once; the segments (roll, hold,
 * move, lift) run in the order they are written, one after the other:
 *
 *   mat rows=32 cols=32 pitch_mm=12.7 rate_hz=100 adc_bits=12
 *   roller cylinder radius_mm=75 length_mm=150 axis_deg=0
 *   roller ball radius_mm=32
 *   sensor p_ref_kpa=50 k=1.3 c_max_counts=4095 gain_spread_pct=5
 *          noise_counts=2 creep_pct=4 creep_tau_s=20 creep_recover_tau_s=10
 *          creep_load_kpa=2 crosstalk_row_pct=0.1 crosstalk_col_pct=0.1
 *   tissue estar_kpa=400 soften_pct=20 soften=linear|exponential
 *          hold_relax_pct=0 hold_relax_tau_s=15
 *   force force_n=250
 *   seed 42
 *   roll duration_s=30 (or passes=N: up to the N-th turning point)
 *        cadence_cpm=20 stroke_mm=200 centre_x_mm=203.2
 *        centre_y_mm=203.2 direction_deg=90 profile=sinusoidal|constant
 *        first=auto|+|- force_n=250 or force_n=200..300 (a ramp)
 *   hold duration_s=40 x_mm=203.2 y_mm=150 force_n=300
 *   move x_mm=203.2 y_mm=150 duration_s=1.5 force_n=250
 *   lift duration_s=2
 *
 * Motion: a roll strokes back and forth along a line through its centre in
 * direction_deg (from +x; default: across the roller's axis), stroke_mm
 * from end to end, cadence_cpm cycles a minute (a cycle is a pass each
 * way); sinusoidal strokes slow to a stop at each end, constant ones turn
 * at once. A roll picks up the roller where the previous segment left it
 * (it must lie on the roll's line; 'first' says which way it goes first,
 * by default towards the farther end); after a lift or at the start it sets
 * the roller down at the stroke's low end ('first=-': the high end). A hold
 * keeps the roller still, where it is, or at x_mm, y_mm after a lift or at
 * the start; a move rolls it in a straight line to x_mm, y_mm, slowing to
 * a stop at both ends; a lift takes it off the mat.
 *
 * The tissue's E* falls over the scene by soften_pct, linearly or
 * exponentially (E*(t) = E0 (1 - soften_pct/100)^(t/T)), and during each
 * hold the tissue under the roller relaxes by hold_relax_pct with time
 * constant hold_relax_tau_s (the contact widens: creep of the tissue).
 *
 * A pass is one stroke in one direction: between a segment's start or end
 * and the turning points of the scripted motion, a move is one pass, and
 * strokes that continue one another across segments are one pass. A
 * pass's direction is the sign of its travel along the scene's rolling
 * axis, the direction of its first roll (or move); s_mm is the position
 * along that axis from the mat's centre.
 */
#ifndef RMAT_SCENE_H
#define RMAT_SCENE_H

#include <stddef.h>

#include "sim.h"

#define RMAT_SCENE_MAX_SEGMENTS 512

enum rmat_scene_kind { RMAT_SEG_ROLL, RMAT_SEG_HOLD, RMAT_SEG_MOVE, RMAT_SEG_LIFT };
enum rmat_scene_profile { RMAT_PROFILE_SINUSOIDAL, RMAT_PROFILE_CONSTANT };
enum rmat_scene_soften { RMAT_SOFTEN_LINEAR, RMAT_SOFTEN_EXPONENTIAL };

/* One segment, resolved: times and positions are absolute. */
struct rmat_scene_segment {
    enum rmat_scene_kind kind;
    int line; /* where the scene file says it */
    double t_start_s, duration_s;
    double force0_n, force1_n; /* force at the start and the end (a ramp) */
    /* roll */
    double cadence_cpm, stroke_mm;
    double centre_x_mm, centre_y_mm;
    double direction_deg;
    enum rmat_scene_profile profile;
    double phase0_rad; /* the stroke's phase at the segment's start */
    /* hold and move: from (x0, y0) to (x1, y1); a hold has both the same */
    double x0_mm, y0_mm, x1_mm, y1_mm;
};

struct rmat_scene_pass {
    int index;
    double t_start_s, t_end_s;
    int direction; /* +1 or -1 along the scene's axis */
    double amplitude_mm;
};

struct rmat_scene_hold {
    int index;
    double t_start_s, duration_s;
    double x_mm, y_mm;
};

struct rmat_scene {
    char name[256]; /* the file it came from, for messages and truth */
    /* mat */
    int rows, cols;
    double pitch_mm;
    double rate_hz;
    /* roller */
    enum rmat_sim_shape shape;
    double radius_mm, length_mm, axis_deg;
    struct rmat_sim_sensor_model sensor;
    unsigned long long seed;
    /* tissue */
    double estar_kpa, soften_pct;
    enum rmat_scene_soften soften;
    double hold_relax_pct, hold_relax_tau_s;
    double force_n; /* the default force of the segments */
    /* motion */
    int n_segments;
    struct rmat_scene_segment seg[RMAT_SCENE_MAX_SEGMENTS];
    double duration_s;
    double rolling_axis_deg; /* the direction passes and s_mm refer to */
    /* the ground truth of the motion, made by the parser */
    int n_passes, n_holds;
    struct rmat_scene_pass *passes; /* owned */
    struct rmat_scene_hold *holds;  /* owned */
};

/* Parses a scene from text (name says where it came from: a file name, or
 * "<built-in>"). Returns 0 with *out (free with rmat_scene_free); or
 * RMAT_E_FORMAT with a message "name:line: what is wrong" in err (for
 * problems of the whole scene, "name: ..."), or RMAT_E_NOMEM; *out is NULL
 * on error. Checks every value's range and that the contact stays on the
 * grid all the time. */
int rmat_scene_parse(const char *text, const char *name, struct rmat_scene **out, char *err,
                     size_t err_cap);

/* Reads and parses the scene file at path. Errors as rmat_scene_parse, plus
 * RMAT_E_NOTFOUND or RMAT_E_IO ("path: why") if it cannot be read. */
int rmat_scene_load(const char *path, struct rmat_scene **out, char *err, size_t err_cap);

/* The text of the built-in scene: a roller of the defaults rolling back and
 * forth across a rows x cols mat of pitch_mm, at force_n, one cycle every
 * period_s, for duration_s, the stroke scaled to fit small grids. Writes at
 * most cap bytes; returns what snprintf returns. */
int rmat_scene_default_text(char *buf, size_t cap, int rows, int cols, double pitch_mm,
                            double rate_hz, double force_n, double period_s, double duration_s);

/* Frees sc; NULL is allowed. */
void rmat_scene_free(struct rmat_scene *sc);

/* The scene at time t_s (0 <= t_s; beyond the end it stays as at the end). */
struct rmat_scene_state {
    int segment; /* index into seg */
    int contact; /* 0 during a lift */
    double x_mm, y_mm;
    double force_n;   /* 0 without contact */
    double estar_kpa; /* of the tissue under the roller, hold relaxation included */
    double s_mm;      /* along the rolling axis from the mat's centre */
    int pass;         /* index into passes, or -1 */
    int hold;         /* index into holds, or -1 */
};
void rmat_scene_eval(const struct rmat_scene *sc, double t_s, struct rmat_scene_state *st);

/* The tissue's E* at t_s, without the relaxation of holds. */
double rmat_scene_estar_kpa(const struct rmat_scene *sc, double t_s);

/* The contact of state st (which must have contact). */
void rmat_scene_contact(const struct rmat_scene *sc, const struct rmat_scene_state *st,
                        struct rmat_sim_contact *c);

#endif
