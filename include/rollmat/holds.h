/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: holds, where the roller stayed on one spot (docs/metrics.md,
 * "Holds").
 *
 * A hold is a longest run of contact frames whose CoP stays within
 * radius_mm of the run's own mean CoP, lasting at least min_s. Found by a
 * forward scan: from each frame the run is extended while every CoP of it
 * lies within radius_mm of its mean; a run of at least min_s is a hold and
 * the scan goes on after it, a shorter one is dropped and the scan tries
 * from the next frame. So a hold starts at the first frame from which the
 * roller stays, and ends where it leaves.
 */
#ifndef ROLLMAT_HOLDS_H
#define ROLLMAT_HOLDS_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>

#include "rollmat/err.h"
#include "rollmat/metrics.h"

struct rmat_hold {
    size_t first, last;  /* frames, inclusive */
    double t_start_s;    /* t_s[first] */
    double duration_s;   /* t_s[last] - t_s[first] */
    double x_mm, y_mm;   /* mean CoP */
    double mean_force_n; /* means over the hold's frames */
    double mean_kpa;
    double peak_kpa;        /* largest frame peak_kpa */
    double area_change_pct; /* 100 * (mean area_cm2 of the last second / that of
                               the first second - 1): creep under a held load */
    int region;             /* index into the regions (regions.h), -1: none */
};

/* --- the same rule, frame by frame (the live view, and rmat_holds_find) ---
 *
 * A tracker is fed one frame at a time and reports each hold as soon as it
 * is certain (when the roller has left the spot, or contact ended): the
 * holds, in order, are exactly those rmat_holds_find() finds in the same
 * series (rmat_holds_find() is this tracker run over the arrays). While
 * the roller stays, rmat_hold_tracker_current() tells the hold in
 * progress. Memory: the frames of the current window (a hold's length at
 * most), grown by doubling, kept for the next hold. */
struct rmat_hold_tracker;

/* Called for every hold found: first, last, t_start_s, duration_s, x_mm,
 * y_mm filled as by rmat_holds_find() (frames counted from the first
 * pushed since new or reset). A non-zero return stops the push, which
 * returns it. */
typedef int (*rmat_hold_fn)(void *ctx, const struct rmat_hold *h);

/* A tracker with the rule's parameters. RMAT_E_ARG (radius_mm or min_s
 * negative or not finite, on NULL), RMAT_E_NOMEM. *out is NULL on error;
 * free with rmat_hold_tracker_free(). */
int rmat_hold_tracker_new(double radius_mm, double min_s, rmat_hold_fn on_hold, void *ctx,
                          struct rmat_hold_tracker **out);

/* Frees t; NULL is allowed. */
void rmat_hold_tracker_free(struct rmat_hold_tracker *t);

/* Forgets every frame (no hold reported): the next frame pushed is frame 0. */
void rmat_hold_tracker_reset(struct rmat_hold_tracker *t);

/* The next frame: time t_s (not decreasing within contact), CoP x, y (NaN:
 * no contact). Returns RMAT_OK, RMAT_E_NOMEM, or what on_hold returned. */
int rmat_hold_tracker_push(struct rmat_hold_tracker *t, double t_s, double x, double y);

/* The series ended: reports the hold the last frames make, if any (as a
 * frame without contact would). */
int rmat_hold_tracker_finish(struct rmat_hold_tracker *t);

/* The hold in progress after the last frame pushed: 1 when the roller has
 * stayed within the radius for at least min_s up to it (the longest
 * qualifying run ending at the last frame), with its first frame and start
 * time; 0 otherwise. Either pointer may be NULL. */
int rmat_hold_tracker_current(const struct rmat_hold_tracker *t, size_t *first, double *t_start_s);

/* Finds the holds in the CoP series x, y (NaN: no contact) at times t_s.
 * Fills first, last, t_start_s, duration_s, x_mm, y_mm; the rest is NaN
 * and region -1 until rmat_hold_stats(). *out is a malloc'd array the
 * caller frees with free() (NULL if none), *n_out its length. Returns
 * RMAT_OK, RMAT_E_ARG (NULL pointers; radius_mm or min_s negative or not a
 * number) or RMAT_E_NOMEM. */
int rmat_holds_find(const double *t_s, const double *x, const double *y, size_t n, double radius_mm,
                    double min_s, struct rmat_hold **out, size_t *n_out);

/* Fills the frame statistics of h from the per-frame metrics m and times
 * t_s (the session's arrays, indexed by frame). The first second is the
 * frames with t_s <= t_start_s + 1, the last those with t_s >= the hold's
 * end - 1; area_change_pct is NaN if the first second's mean area is 0. */
void rmat_hold_stats(const double *t_s, const struct rmat_frame_metrics *m, struct rmat_hold *h);

#endif
