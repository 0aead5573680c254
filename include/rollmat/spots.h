/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: tender spots across sessions (docs/metrics.md, "Tender spots
 * across sessions").
 *
 * A hold is where the roller stayed: the tender spot the subject held. For
 * one subject, region and side, the holds of all sessions, in mat
 * coordinates relative to the mat's centre, are grouped into spots: in
 * date order, each hold joins the nearest spot whose centre (the mean of
 * its holds so far) lies within radius_mm, else it starts a new spot. The
 * assumption: the mat lies the same way under the same body part each
 * session (mounting `tissue`); nothing aligns sessions otherwise.
 *
 * A pain rating belongs to a hold when it was given during it (from the
 * hold's start to its end); ratings outside holds are on no spot.
 *
 * Each spot is followed over time: per session that held it, the hold time
 * there (the sum of its holds' durations) and the mean rating given there;
 * and, per session whether it held the spot or not, the local compliance
 * under the roller as it passed over the spot while rolling (the median of
 * the frames' compliance whose CoP lies within radius_mm of the spot,
 * outside holds; trend.h, rmat_trends_spots()).
 */
#ifndef ROLLMAT_SPOTS_H
#define ROLLMAT_SPOTS_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>

#include "rollmat/err.h"
#include "rollmat/tissue.h"

#define RMAT_SPOT_RADIUS_MM 25.0 /* the default grouping radius */

/* One hold of one session, as the grouping takes it. */
struct rmat_spot_hold {
    size_t session; /* the session's index in date order (not decreasing) */
    double week;    /* weeks since the group's first session */
    double dx_mm;   /* mean CoP minus the mat's centre: + to the right (x) */
    double dy_mm;   /* ... + down the mat (y grows with the rows) */
    double duration_s;
    double pain; /* mean of the ratings given during the hold; NaN if none */
};

/* A spot in one session. */
struct rmat_spot_visit {
    size_t session;
    double week;
    double hold_s; /* its holds' durations there, summed */
    double pain;   /* the mean rating given there; NaN if none */
};

/* The local compliance at a spot in one session: the median over the
 * rolling frames whose CoP was within the radius (NaN: no passes over it). */
struct rmat_spot_compliance {
    size_t session;
    double week;
    double value; /* mm^3/N, or mm^3 per count in a group in counts */
    size_t frames;
};

struct rmat_spot {
    double dx_mm, dy_mm; /* the mean of its holds */
    size_t holds, sessions;
    struct rmat_spot_visit first, last;           /* first and last session held */
    struct rmat_spot_visit pain_first, pain_last; /* first and last with a rating
                                                     (pain NaN if none) */
    /* Local compliance (filled by rmat_trends_spots(); rmat_spots_group()
     * leaves comp_sessions 0 and the values NaN): the sessions with passes
     * over the spot, the first and last of them, and a least-squares line
     * against the weeks (valid from 3 such sessions, where the group
     * supports a trend). */
    size_t comp_sessions;
    struct rmat_spot_compliance comp_first, comp_last;
    struct rmat_trend comp_fit;
    /* internal: sums of the session being added */
    size_t cur_session;
    double cur_hold_s, cur_pain_sum, cur_pain_n, cur_week;
};

/* Groups holds h[0..n) (in session order) into spots within radius_mm.
 * *out is a malloc'd array the caller frees with free() (NULL if none),
 * *n_out its length; spots are numbered in the order found (spot 1 is
 * out[0]). If spot_of is not NULL (n entries, caller's memory), spot_of[i]
 * is the index into *out of the spot hold i joined (SIZE_MAX for a hold
 * without a position). RMAT_E_ARG (NULL pointers, radius not positive),
 * RMAT_E_NOMEM. */
int rmat_spots_group(const struct rmat_spot_hold *h, size_t n, double radius_mm,
                     struct rmat_spot **out, size_t *n_out, size_t *spot_of);

#endif
