/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tender spots across sessions (spots.h): programmed spots, held over six
 * weekly sessions with the CoP scattered around each spot, are found,
 * grouped across sessions, and followed (pain and hold time, first to
 * last). The truth is in the comments: the holds are made here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "rollmat/spots.h"

/* Six weekly sessions (weeks 0..5). Spots, relative to the mat's centre:
 *   A (0, -40): 40 mm above the centre, held every session, pain 7, 6, 5,
 *     4, 4, 3 and hold time 42, 38, 30, 26, 22, 18 s (two holds a session,
 *     of half that each, the ratings given during the first);
 *   B (60, 30): held every session, 35 s, no ratings;
 *   C (-50, 10): held from week 2 on (sessions 2..5), pain 5 then 2.
 * Every hold's CoP is off its spot by up to 8 mm (a fixed pattern), less
 * than the 25 mm radius and far less than the spots' spacing (> 50 mm).
 *
 * Checked: every spot found within one pitch of a 12.7 mm mat (the mean of
 * the scatter is within 5 mm, so 5 is asked); every hold in its programmed
 * spot; the trends exactly (the holds are made here, the sums are of
 * halves): A's pain 7 -> 3 (-4 points over weeks 0 to 5) and hold time
 * 42 -> 18 s (-24 s), C's pain 5 -> 2 from week 2. */
static void test_spots_programmed(void **state)
{
    static const double off[][2] = {{8, 0}, {-6, 5}, {0, -8}, {5, 5}, {-4, -4}, {3, -7}};
    static const double pain_a[6] = {7, 6, 5, 4, 4, 3};
    static const double hold_a[6] = {42, 38, 30, 26, 22, 18};
    struct rmat_spot_hold h[64];
    size_t truth[64], spot_of[64]; /* the programmed spot of each hold: A 0, B 1, C 2 */
    struct rmat_spot *sp = NULL;
    size_t n = 0, ns = 0;
    (void)state;

    for (size_t k = 0; k < 6; k++) {
        const double *o = off[k], *o2 = off[(k + 3) % 6];
        truth[n] = 0;
        h[n++] =
            (struct rmat_spot_hold){k, (double)k, 0 + o[0], -40 + o[1], hold_a[k] / 2, pain_a[k]};
        truth[n] = 1;
        h[n++] = (struct rmat_spot_hold){k, (double)k, 60 + o2[0], 30 + o2[1], 35, NAN};
        truth[n] = 0;
        h[n++] = (struct rmat_spot_hold){k, (double)k, 0 + o2[0], -40 + o2[1], hold_a[k] / 2, NAN};
        if (k >= 2) {
            truth[n] = 2;
            h[n++] = (struct rmat_spot_hold){
                k, (double)k, -50 - o[1], 10 + o[0], 40, k == 2 ? 5.0 : k == 5 ? 2.0 : NAN};
        }
    }
    assert_int_equal(rmat_spots_group(h, n, RMAT_SPOT_RADIUS_MM, &sp, &ns, spot_of), RMAT_OK);
    assert_int_equal(ns, 3);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(spot_of[i], truth[i]);
    /* the trends' sign and size */
    assert_true(sp[0].pain_last.pain - sp[0].pain_first.pain == -4.0);
    assert_true(sp[0].last.hold_s - sp[0].first.hold_s == -24.0);
    assert_true(sp[2].pain_last.pain - sp[2].pain_first.pain == -3.0);
    /* no local compliance until the trends read the frames */
    assert_int_equal(sp[0].comp_sessions, 0);
    assert_true(isnan(sp[0].comp_first.value) && isnan(sp[0].comp_fit.slope));
    /* A: found within one pitch (12.7 mm) of (0, -40) */
    assert_true(hypot(sp[0].dx_mm - 0, sp[0].dy_mm + 40) < 5);
    assert_int_equal(sp[0].holds, 12);
    assert_int_equal(sp[0].sessions, 6);
    assert_true(sp[0].first.week == 0 && sp[0].last.week == 5);
    assert_true(sp[0].first.hold_s == 42 && sp[0].last.hold_s == 18);
    assert_true(sp[0].pain_first.pain == 7 && sp[0].pain_last.pain == 3);
    /* B */
    assert_true(hypot(sp[1].dx_mm - 60, sp[1].dy_mm - 30) < 5);
    assert_int_equal(sp[1].sessions, 6);
    assert_true(sp[1].first.hold_s == 35 && sp[1].last.hold_s == 35);
    assert_true(isnan(sp[1].pain_first.pain) && isnan(sp[1].pain_last.pain));
    /* C: from week 2 */
    assert_true(hypot(sp[2].dx_mm + 50, sp[2].dy_mm - 10) < 5);
    assert_int_equal(sp[2].sessions, 4);
    assert_true(sp[2].first.week == 2 && sp[2].last.week == 5);
    assert_true(sp[2].pain_first.pain == 5 && sp[2].pain_first.week == 2);
    assert_true(sp[2].pain_last.pain == 2 && sp[2].pain_last.week == 5);
    free(sp);

    /* A smaller radius than the scatter splits spot A's holds: more spots. */
    assert_int_equal(rmat_spots_group(h, n, 3.0, &sp, &ns, NULL), RMAT_OK);
    assert_true(ns > 3);
    free(sp);
    assert_int_equal(rmat_spots_group(h, n, 0.0, &sp, &ns, NULL), RMAT_E_ARG);
    assert_int_equal(rmat_spots_group(NULL, 0, 25, &sp, &ns, NULL), RMAT_OK);
    assert_int_equal(ns, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spots_programmed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
