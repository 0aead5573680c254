/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the CoP path thinning for figures (analysis/pathdec.c,
 * rollmat/pathdec.h): a hand-worked path written out exactly, and an hour of
 * rolling whose thinned path must keep the extent, every visited cell and
 * every hold, in a few thousand points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/pathdec.h"

/* Cells of 1 mm over 10 x 10 mm. By hand:
 *   run 1: (0.2,0.3) (1.4,0.2) (2.6,0.1) (1.5,0.5) (0.4,0.4)
 *          cells (0,0) (1,0) (2,0) (1,0) (0,0): steps 00-10 new, 10-20 new,
 *          20-10 and 10-00 already drawn. One line of three centres:
 *          0.50,0.50 / 1.50,0.50 / 2.50,0.50, then a blank line.
 *   break, run 2: three points in cell (5,5): a hold, never left its cell:
 *          its centre alone, 5.50,5.50, and a blank line.
 *   break, run 3: run 1 again: every step drawn already, every cell too:
 *          nothing.
 *   run 4: (2.5,0.5) (2.5,1.5) (9.9,12.0): 0..10 mm is cells 0..10 (a point
 *          at exactly 10 mm has a cell), so y = 12 is clamped to cell 10:
 *          steps 20-21 and 21-(9,10) new: 2.50,0.50 / 2.50,1.50 / 9.50,10.50.
 * In all 3 + 1 + 3 = 7 points. */
static void hand_worked_path(void **state)
{
    (void)state;
    static const double run1[][2] = {{0.2, 0.3}, {1.4, 0.2}, {2.6, 0.1}, {1.5, 0.5}, {0.4, 0.4}};
    struct rmat_path_thin *t = NULL;
    struct rmat_errinfo ei;
    char *text = NULL;
    size_t len = 0, n;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    assert_int_equal(rmat_path_thin_new(1.0, 10.0, 10.0, &t, &ei), RMAT_OK);
    for (int k = 0; k < 5; k++)
        rmat_path_thin_push(t, run1[k][0], run1[k][1], f);
    rmat_path_thin_push(t, NAN, NAN, f);
    for (int k = 0; k < 3; k++)
        rmat_path_thin_push(t, 5.2 + 0.1 * k, 5.7 - 0.1 * k, f);
    rmat_path_thin_push(t, NAN, 1.0, f);
    for (int k = 0; k < 5; k++)
        rmat_path_thin_push(t, run1[k][0], run1[k][1], f);
    rmat_path_thin_push(t, 1.0, NAN, f);
    rmat_path_thin_push(t, 2.5, 0.5, f);
    rmat_path_thin_push(t, 2.5, 1.5, f);
    rmat_path_thin_push(t, 9.9, 12.0, f);
    n = rmat_path_thin_end(t, f);
    rmat_path_thin_free(t);
    fclose(f);
    assert_int_equal(n, 7);
    assert_string_equal(text, "0.50,0.50\n1.50,0.50\n2.50,0.50\n\n"
                              "5.50,5.50\n\n"
                              "2.50,0.50\n2.50,1.50\n9.50,10.50\n\n");
    free(text);
}

static void bad_arguments(void **state)
{
    (void)state;
    struct rmat_path_thin *t = (struct rmat_path_thin *)1;
    struct rmat_errinfo ei;
    assert_int_equal(rmat_path_thin_new(0, 10, 10, &t, &ei), RMAT_E_ARG);
    assert_null(t);
    assert_int_equal(rmat_path_thin_new(NAN, 10, 10, &t, &ei), RMAT_E_ARG);
    assert_int_equal(rmat_path_thin_new(1e-9, 1e9, 1e9, &t, &ei), RMAT_E_ARG);
    rmat_path_thin_free(NULL);
    assert_int_equal(rmat_path_thin_end(NULL, stdout), 0);
}

static double noise(uint32_t *s, double amp)
{
    *s = *s * 1664525u + 1013904223u;
    return amp * (2.0 * (double)(*s >> 8) / 16777216.0 - 1.0);
}

/* An hour at 100 Hz on a 32 x 32 mat of 12.7 mm (406.4 mm square): the
 * roller goes up and down between y = 60 and 340 mm at 150 mm/s along
 * x = 200 mm with 1 mm of CoP jitter, lifts for 0.5 s every 20 passes, and
 * every 5 minutes holds for 30 s at a spot of its own (x = 120 + 20 i,
 * y = 100 + 15 i, jitter 1 mm). The thinned path must
 *  - have at most 5,000 points (the frames are 360,000);
 *  - keep the extent: its bounding box within half a cell diagonal of the
 *    full path's;
 *  - hold a vertex within one cell diagonal of every hold's spot;
 *  - hold every cell the full path visits (the cells computed here, by
 *    plain flooring, with no code of pathdec.c). */
#define CELL  (406.4 / RMAT_PATH_THIN_CELLS)
#define NCELL (RMAT_PATH_THIN_CELLS + 1)

static void an_hour_of_rolling(void **state)
{
    (void)state;
    const double ext = 32 * 12.7, dt = 0.01;
    static unsigned char visited[NCELL][NCELL], drawn[NCELL][NCELL];
    double hold_x[12], hold_y[12];
    double bb[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY}; /* x0 x1 y0 y1 */
    double ob[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY};
    struct rmat_path_thin *t = NULL;
    struct rmat_errinfo ei;
    uint32_t seed = 7;
    char *text = NULL, *line, *save = NULL;
    size_t len = 0, n, frames = 0;
    double y = 60, dir = 1;
    int passes = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    assert_int_equal(rmat_path_thin_new(CELL, ext, ext, &t, &ei), RMAT_OK);
    for (size_t k = 0; k < 360000; k++) {
        const double ts = (double)k * dt;
        const int minute5 = (int)(ts / 300.0);
        double x, py;
        if (fmod(ts, 300.0) < 30.0 && minute5 < 12) {
            hold_x[minute5] = 120 + 20 * minute5;
            hold_y[minute5] = 100 + 15 * minute5;
            x = hold_x[minute5] + noise(&seed, 1.0);
            py = hold_y[minute5] + noise(&seed, 1.0);
        } else if (passes % 20 == 19 && fmod(ts, 1.0) < 0.5) {
            rmat_path_thin_push(t, NAN, NAN, f);
            passes++;
            continue;
        } else {
            y += dir * 150.0 * dt;
            if (y > 340 || y < 60) {
                dir = -dir;
                passes++;
            }
            x = 200 + noise(&seed, 1.0);
            py = y;
        }
        rmat_path_thin_push(t, x, py, f);
        visited[(int)floor(py / CELL)][(int)floor(x / CELL)] = 1;
        bb[0] = fmin(bb[0], x);
        bb[1] = fmax(bb[1], x);
        bb[2] = fmin(bb[2], py);
        bb[3] = fmax(bb[3], py);
        frames++;
    }
    n = rmat_path_thin_end(t, f);
    rmat_path_thin_free(t);
    fclose(f);
    print_message("  %zu frames in contact, %zu points drawn\n", frames, n);
    assert_true(n <= 5000);
    assert_true(n > 100);

    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        double x, yy;
        assert_int_equal(sscanf(line, "%lf,%lf", &x, &yy), 2);
        drawn[(int)floor(yy / CELL)][(int)floor(x / CELL)] = 1;
        ob[0] = fmin(ob[0], x);
        ob[1] = fmax(ob[1], x);
        ob[2] = fmin(ob[2], yy);
        ob[3] = fmax(ob[3], yy);
    }
    free(text);
    for (int i = 0; i < 4; i++)
        assert_true(fabs(ob[i] - bb[i]) <= CELL * M_SQRT1_2);
    for (int r = 0; r < NCELL; r++)
        for (int c = 0; c < NCELL; c++)
            if (visited[r][c] && !drawn[r][c])
                fail_msg("cell (%d, %d) visited but not drawn", c, r);
    for (int h = 0; h < 12; h++) {
        const int r = (int)floor(hold_y[h] / CELL), c = (int)floor(hold_x[h] / CELL);
        assert_true(drawn[r][c]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_worked_path),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(an_hour_of_rolling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
