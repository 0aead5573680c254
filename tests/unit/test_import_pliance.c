/* SPDX-License-Identifier: GPL-3.0-or-later */
/* novel pliance .asc (analysis/import/pliance.c; IMPORT.md §6): the spec's
 * example completed (the whole force table with rows outside the pressure
 * window and '-' CoP at zero force, every corner row), checked by hand:
 * the grid from the geometry (ids with gaps, non-square 5 x 10 mm sensels,
 * row 0 on top), MPP/MVP as vendor maps, the rotated CoP turned back into
 * rollmat's frame; an empty lattice point (mask 0); unequal areas (a
 * sensor list with positions, and a force warning); the §13 errors. */
#include "import_rec.h"

/* The example; with_11 = 0 drops sensor 11 (an empty lattice point);
 * area11 sets sensor 11's area (cm2). */
static char *build(int with_11, const char *area11)
{
    char *s = NULL;
    cat(&s, "file name: demo.mat date/time 02.01.24 15.04\n"
            "mat type demo_001\n"
            "total times [secs]: 0.300 time per frame [secs]: 0.05000 scanning rate [Hz]: 20\n"
            "pressure values in kPa\n"
            "\n"
            "\n"
            "electrical:\n");
    cat(&s, "time[secs]       2       3      10%s\n", with_11 ? "      11" : "");
    cat(&s, "    0.20000   0.000  20.000   0.000%s\n", with_11 ? "  40.000" : "");
    cat(&s, "    0.25000  10.000   0.000  30.000%s\n", with_11 ? "   0.000" : "");
    cat(&s, "        MPP  10.000  20.000  30.000%s\n", with_11 ? "  40.000" : "");
    cat(&s, "        MVP   1.667   3.333   5.000%s\n", with_11 ? "   6.667" : "");
    cat(&s, "\n\n time[secs] force[N]   x[cm]   y[cm]\n\n");
    cat(&s, "    0.05000    0.000       -       -\n"
            "    0.10000    0.000       -       -\n"
            "    0.15000    0.000       -       -\n");
    if (with_11)
        cat(&s, "    0.20000    3.000   0.417   1.500\n");
    else
        cat(&s, "    0.20000    1.000   0.750   1.500\n");
    cat(&s, "    0.25000    2.000   0.375   0.500\n"
            "    0.30000    0.000       -       -\n"
            "\n\n");
    cat(&s, "sensor        2        3       10%s\n", with_11 ? "       11" : "");
    cat(&s, "corner[cm]\n");
    cat(&s, "x[0]     0.0000   0.0000   0.5000%s\n", with_11 ? "   0.5000" : "");
    cat(&s, "y[0]     2.0000   1.0000   2.0000%s\n", with_11 ? "   1.0000" : "");
    cat(&s, "x[1]     0.0000   0.0000   0.5000%s\n", with_11 ? "   0.5000" : "");
    cat(&s, "y[1]     1.0000   0.0000   1.0000%s\n", with_11 ? "   0.0000" : "");
    cat(&s, "x[2]     0.5000   0.5000   1.0000%s\n", with_11 ? "   1.0000" : "");
    cat(&s, "y[2]     1.0000   0.0000   1.0000%s\n", with_11 ? "   0.0000" : "");
    cat(&s, "x[3]     0.5000   0.5000   1.0000%s\n", with_11 ? "   1.0000" : "");
    cat(&s, "y[3]     2.0000   1.0000   2.0000%s\n", with_11 ? "   1.0000" : "");
    cat(&s, "x[c]     0.2500   0.2500   0.7500%s\n", with_11 ? "   0.7500" : "");
    cat(&s, "y[c]     1.5000   0.5000   1.5000%s\n", with_11 ? "   0.5000" : "");
    cat(&s, "area     0.5000   0.5000   0.5000");
    if (with_11)
        cat(&s, "   %s", area11);
    cat(&s, "\n");
    return s;
}

static void test_import_pliance_grid_by_hand(void **state)
{
    char *text = build(1, "0.5000");
    struct rec *r;
    const struct rec_part *p;
    (void)state;
    r = import_ok(text, ".asc", NULL);
    p = &r->part[0];
    assert_string_equal(p->format, "pliance");
    assert_int_equal(p->layout, RMAT_IMPORT_GRID);
    /* Centres x 0.25, 0.75 -> 2 columns; y 1.5, 0.5 -> 2 rows, 1.5 on top.
     * pitch_x = 10 (x[2] - x[0]) = 5 mm, pitch_y = 10 (y[0] - y[1]) = 10 mm. */
    assert_int_equal(p->rows, 2);
    assert_int_equal(p->cols, 2);
    close_to(p->pitch_x_mm, 5.0, 1e-12);
    close_to(p->pitch_y_mm, 10.0, 1e-12);
    for (int i = 0; i < 4; i++)
        assert_int_equal(p->mask[i], 1);
    close_to(p->rate_hz, 20.0, 1e-9); /* 1 / 0.05 s */
    assert_string_equal(p->model, "demo_001");
    expect_in(p->header, "electrical:\ntime[secs]");
    assert_int_equal(r->nframes, 2);
    /* t = 0.20 s: ids 2 (row 0, col 0) 0, 3 (row 1, col 0) 20, 10 (row 0,
     * col 1) 0, 11 (row 1, col 1) 40 kPa. Sensel area 5 x 10 = 50 mm2 (the
     * file's 0.5 cm2): force = 60 * 50 / 1000 = 3.0 N (the force table's
     * 3.000); area 100 mm2; centres x 2.5, 7.5, y 5, 15: CoP x =
     * (20*2.5 + 40*7.5) / 60 = 5.8333 mm, y = 15 mm. */
    assert_int_equal(r->frame[0].t_us, 200000);
    assert_int_equal(r->frame[0].seq, 0);
    assert_true(r->frame[0].v[0] == 0.0f && r->frame[0].v[1] == 0.0f);
    assert_true(r->frame[0].v[2] == 20.0f && r->frame[0].v[3] == 40.0f);
    close_to(r->frame[0].force_n, 3.0, 1e-9);
    close_to(r->frame[0].area_mm2, 100.0, 1e-9);
    close_to(r->frame[0].cop_x_mm, 350.0 / 60.0, 1e-9);
    close_to(r->frame[0].cop_y_mm, 15.0, 1e-9);
    /* t = 0.25 s: 10 (id 2) and 30 (id 10) on the top row: 40 * 50 / 1000 =
     * 2.0 N; CoP x = (10*2.5 + 30*7.5) / 40 = 6.25 mm, y = 5 mm. */
    close_to(r->frame[1].force_n, 2.0, 1e-9);
    close_to(r->frame[1].cop_x_mm, 6.25, 1e-9);
    close_to(r->frame[1].cop_y_mm, 5.0, 1e-9);
    /* MPP, MVP: maps in the grid's layout (ids 2, 10 / 3, 11). */
    assert_int_equal(r->nmaps, 2);
    assert_string_equal(r->map_name[0], "mpp_kpa");
    assert_true(r->map[0][0] == 10.0f && r->map[0][1] == 30.0f && r->map[0][2] == 20.0f &&
                r->map[0][3] == 40.0f);
    assert_string_equal(r->map_name[1], "mvp_kpa");
    assert_true(r->map[1][3] == 6.667f);
    /* The force table: 6 rows of the whole measurement; 0.05-0.15 and 0.30
     * lie outside the window (frame -1), 0.20 and 0.25 are frames 0 and 1.
     * The table's CoP is turned 180 degrees: W = 1.0 cm, x_min = 0:
     * cop_x_mm = 10 (1.0 - 0.417) = 5.83 (our 5.8333 to the table's
     * rounding), cop_y_mm = 10 * 1.5 = 15; at 0.25 s 10 (1 - 0.375) = 6.25
     * and 5.0, as computed from the grid. '-' is NaN. */
    assert_int_equal(r->nvrows, 6);
    assert_int_equal(r->vrow[0].frame, -1);
    close_to(r->vrow[0].t_s, 0.05, 1e-12);
    assert_true(isnan(r->vrow[0].value[1]));
    assert_int_equal(r->vrow[3].frame, 0);
    assert_string_equal(r->vrow[3].name[0], "force_n");
    close_to(r->vrow[3].value[0], 3.0, 0);
    assert_string_equal(r->vrow[3].name[1], "cop_x_mm");
    close_to(r->vrow[3].value[1], 5.83, 1e-9);
    close_to(r->vrow[3].value[1], r->frame[0].cop_x_mm, 0.005);
    close_to(r->vrow[3].value[2], 15.0, 1e-9);
    assert_int_equal(r->vrow[4].frame, 1);
    close_to(r->vrow[4].value[1], 6.25, 1e-9);
    close_to(r->vrow[4].value[2], 5.0, 1e-9);
    assert_int_equal(r->vrow[5].frame, -1);
    /* Forces and CoP agree within the table's rounding: no warning. The
     * ids (2, 3 | 10, 11) do not follow col = (id - 1) div 32 of the mat
     * seen: recorded only. */
    assert_null(strstr(p->warnings, "force table"));
    expect_in(p->attrs, "id_rule_holds=0\n");
    rec_free(r);
    free(text);
}

static void test_import_pliance_empty_point_and_sensor_list(void **state)
{
    char *text = build(0, "");
    struct rec *r;
    (void)state;
    /* Without sensor 11 the lattice point (row 1, col 1) is empty: mask 0. */
    r = import_ok(text, ".asc", NULL);
    assert_int_equal(r->part[0].layout, RMAT_IMPORT_GRID);
    assert_int_equal(r->part[0].mask[3], 0);
    assert_int_equal(r->part[0].mask[2], 1);
    /* 20 kPa on id 3: 1.0 N, the table's 1.000. */
    close_to(r->frame[0].force_n, 1.0, 1e-9);
    rec_free(r);
    free(text);
    /* Sensor 11 twice as large: not a grid, a sensor list with positions
     * x = 10 (x[c] - x_min), y = 10 (H - y[c]) and areas 100 x[area]. At
     * 0.20 s: 20 kPa x 50 mm2 + 40 kPa x 100 mm2 = 5.0 N, where the table
     * says 3.000: a warning naming the 2 N. */
    text = build(1, "1.0000");
    r = import_ok(text, ".asc", NULL);
    assert_int_equal(r->part[0].layout, RMAT_IMPORT_SENSORS);
    assert_int_equal(r->part[0].cols, 4);
    assert_int_equal(r->part[0].id[2], 10);
    close_to(r->part[0].x[2], 7.5, 1e-9);
    close_to(r->part[0].y[2], 5.0, 1e-9);
    close_to(r->part[0].area[3], 100.0, 1e-9);
    close_to(r->frame[0].force_n, 5.0, 1e-9);
    expect_in(r->part[0].warnings, "not a regular grid (unequal sensor areas)");
    expect_in(r->part[0].warnings, "the force table disagrees with sum(p x area): by up to 2 N");
    /* CoP: 20 kPa x 50 mm2 at (2.5, 15) and 40 x 100 at (7.5, 15): x =
     * (1000*2.5 + 4000*7.5) / 5000 = 6.5 mm, where the table says 5.83. */
    expect_in(r->part[0].warnings, "CoP disagrees with the pressures' by up to 0.67 mm");
    rec_free(r);
    free(text);
}

static void bad(const char *from, const char *to, long line, const char *n1, const char *n2)
{
    char *base = build(1, "0.5000"), *t = subst(base, from, to);
    import_bad(t, strlen(t), ".asc", NULL, RMAT_E_FORMAT, line, n1, n2, (const char *)NULL);
    free(t);
    free(base);
}

static void test_import_pliance_errors(void **state)
{
    (void)state;
    bad("    0.25000  10.000   0.000  30.000   0.000", "    0.25000  10.000   0.000  30.000", 10,
        "expected 4 values (the ids of line 8), found 3", NULL);
    bad("  30.000   0.000\n", "  3O.000   0.000\n", 10, "value 3 is \"3O.000\": expected a number",
        NULL);
    bad("    0.25000  10.000", "    0.15000  10.000", 10,
        "time goes backwards: 0.150000 s after 0.200000 s", NULL);
    bad("sensor        2        3       10       11", "sensor        2        3       11       10",
        25, "sensor 3 of the geometry table is \"11\", of the pressure table (line 8) 10", NULL);
    bad("pressure values in kPa", "pressure values in hPa", 4,
        "pressure values in: unknown pressure unit \"hPa\"", NULL);
    bad("y[c]     1.5000   0.5000   1.5000   0.5000\n", "", 37, "lacks its y[c] row", NULL);
    bad("time per frame [secs]: 0.05000", "", 8, "lacks time per frame [secs]", NULL);
    {
        char *base = build(1, "0.5000");
        *strstr(base, "sensor ") = '\0';
        import_bad(base, strlen(base), ".asc", NULL, RMAT_E_FORMAT, 25,
                   "expected the geometry table (sensor and ids), found the end of the file",
                   (const char *)NULL);
        free(base);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_pliance_grid_by_hand),
        cmocka_unit_test(test_import_pliance_empty_point_and_sensor_list),
        cmocka_unit_test(test_import_pliance_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
