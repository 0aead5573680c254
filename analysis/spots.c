/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tender spots across sessions (spots.h). */
#include "rollmat/spots.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Closes the session being added to s: its sums become the last visit
 * (and the first, for the spot's first session). */
static void close_visit(struct rmat_spot *s)
{
    struct rmat_spot_visit v;
    v.session = s->cur_session;
    v.week = s->cur_week;
    v.hold_s = s->cur_hold_s;
    v.pain = s->cur_pain_n > 0 ? s->cur_pain_sum / s->cur_pain_n : NAN;
    if (s->sessions == 0)
        s->first = v;
    s->last = v;
    if (isfinite(v.pain)) {
        if (!isfinite(s->pain_first.pain))
            s->pain_first = v;
        s->pain_last = v;
    }
    s->sessions++;
}

int rmat_spots_group(const struct rmat_spot_hold *h, size_t n, double radius_mm,
                     struct rmat_spot **out, size_t *n_out, size_t *spot_of)
{
    struct rmat_spot *sp = NULL;
    size_t ns = 0, cap = 0;

    if (!out || !n_out || (n && !h) || !(radius_mm > 0))
        return RMAT_E_ARG;
    *out = NULL;
    *n_out = 0;
    for (size_t i = 0; i < n; i++) {
        size_t best = ns;
        double best_d = INFINITY;
        struct rmat_spot *s;
        if (spot_of)
            spot_of[i] = SIZE_MAX;
        if (!isfinite(h[i].dx_mm) || !isfinite(h[i].dy_mm))
            continue;
        /* The nearest spot within the radius; its centre moves as holds join. */
        for (size_t k = 0; k < ns; k++) {
            const double d = hypot(h[i].dx_mm - sp[k].dx_mm, h[i].dy_mm - sp[k].dy_mm);
            if (d <= radius_mm && d < best_d) {
                best = k;
                best_d = d;
            }
        }
        if (best == ns) {
            if (ns == cap) {
                struct rmat_spot *ng = realloc(sp, (cap ? 2 * cap : 8) * sizeof *ng);
                if (!ng) {
                    free(sp);
                    return RMAT_E_NOMEM;
                }
                sp = ng;
                cap = cap ? 2 * cap : 8;
            }
            s = &sp[ns++];
            memset(s, 0, sizeof *s);
            s->pain_first.pain = s->pain_last.pain = NAN;
            s->pain_first.hold_s = s->pain_last.hold_s = NAN;
            s->comp_first.value = s->comp_last.value = NAN;
            s->comp_first.week = s->comp_last.week = NAN;
            s->comp_fit.slope = s->comp_fit.ci95_low = s->comp_fit.ci95_high = NAN;
            s->comp_fit.r2 = s->comp_fit.change_pct = NAN;
            s->cur_session = h[i].session;
            s->cur_week = h[i].week;
        } else {
            s = &sp[best];
            if (h[i].session != s->cur_session) {
                close_visit(s);
                s->cur_session = h[i].session;
                s->cur_week = h[i].week;
                s->cur_hold_s = s->cur_pain_sum = s->cur_pain_n = 0;
            }
        }
        if (spot_of)
            spot_of[i] = (size_t)(s - sp);
        s->dx_mm += (h[i].dx_mm - s->dx_mm) / (double)(s->holds + 1);
        s->dy_mm += (h[i].dy_mm - s->dy_mm) / (double)(s->holds + 1);
        s->holds++;
        if (isfinite(h[i].duration_s))
            s->cur_hold_s += h[i].duration_s;
        if (isfinite(h[i].pain)) {
            s->cur_pain_sum += h[i].pain;
            s->cur_pain_n++;
        }
    }
    for (size_t k = 0; k < ns; k++)
        close_visit(&sp[k]);
    *out = sp;
    *n_out = ns;
    return RMAT_OK;
}
