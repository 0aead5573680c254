/* SPDX-License-Identifier: GPL-3.0-or-later */
/* novel emed .lst (analysis/import/emed.c; IMPORT.md §4): pages built as
 * the spec shows them (Latin-1 cm², TABs, lines ending in a space, form
 * feeds, no final newline), windows that differ from page to page (their
 * union, placed by the 1-based labels), an MPP summary page, Pict-No.
 * going back to 1 (a second measurement); checked by hand; the force
 * check naming the ratio; §13 errors. */
#include "import_rec.h"

static void page(char **s, int no, const char *pict, const char *table)
{
    cat(s, "\n\t\t\t\tPage %d\n\n", no);
    cat(s, "\tFile: C:\\demo\\trial.dat \tMatrix: 6x5 \n"
           "\tSensor area: 0.25 cm\xb2\tTime/picture:20.0 ms\n"
           "\tMV over frames\n"
           "\tSensor size: 0.500x0.500 cm\n"
           "\t<vendor text>\n"
           "\t<vendor text>\n");
    cat(s, "\tPict-No.: %s  Force[N]=sum*sensor_area in row/column\n\n", pict);
    cat(s, "%s\f\n", table);
}

static const char table1[] = "\t3\t4\t5\tForce\n"
                             "2\t0.00\t40.00\t20.00\t1.50\n"
                             "3\t10.00\t0.00\t0.00\t0.25\n"
                             "Force\t0.25\t1.00\t0.50\t1.75\n";
static const char table2[] = "\t2\t3\t4\tForce\n"
                             "3\t8.00\t0.00\t4.00\t0.30\n"
                             "4\t0.00\t12.00\t0.00\t0.30\n"
                             "Force\t0.20\t0.30\t0.10\t0.60\n";
static const char table3[] = "\t1\tForce\n"
                             "1\t4.00\t0.10\n"
                             "Force\t0.10\t0.10\n";

static char *build(const char *t1)
{
    char *s = NULL;
    page(&s, 1, "1", t1);
    page(&s, 2, "2", table2);
    page(&s, 3, "MPP", t1);
    page(&s, 4, "1", table3);
    cat(&s, "\f"); /* the file ends FF, LF, FF: no final newline */
    return s;
}

static void test_import_emed_windows_by_hand(void **state)
{
    char *text = build(table1);
    struct rec *r;
    const struct rec_part *p;
    (void)state;
    r = import_ok(text, ".lst", NULL);
    assert_int_equal(r->nparts, 2);
    p = &r->part[0];
    assert_string_equal(p->format, "emed");
    assert_string_equal(p->name, "measurement 1");
    assert_string_equal(p->encoding, "Latin-1");
    assert_string_equal(p->endings, "LF");
    /* Union of the windows: columns 2..5, rows 2..4 (1-based plate labels):
     * 3 rows x 4 columns, window origin (row 1, col 1) on a 6 x 5 plate. */
    assert_int_equal(p->rows, 3);
    assert_int_equal(p->cols, 4);
    expect_in(p->attrs, "plate_cols=6\nplate_rows=5\nwindow_row0=1\nwindow_col0=1\n");
    close_to(p->pitch_x_mm, 5.0, 1e-12);
    close_to(p->pitch_y_mm, 5.0, 1e-12);
    close_to(p->rate_hz, 50.0, 1e-9);
    close_to(p->to_kpa, 1.0, 0);
    for (int i = 0; i < 12; i++)
        assert_int_equal(p->mask[i], 1);
    expect_in(p->header, "Sensor area: 0.25 cm\xc2\xb2");
    assert_null(strstr(p->header, "Force\t0.25"));
    expect_in(p->assumptions, "the values are kPa");
    assert_int_equal(p->frames, 2);
    /* Picture 1 placed at columns 3..5 -> 1..3, rows 2..3 -> 0..1:
     * [0 0 40 20; 0 10 0 0; 0 0 0 0]. a = 0.25 cm2 = 25 mm2: force = 70 *
     * 25 / 1000 = 1.75 N (the page's total); area 75 mm2; peak 40; centres x
     * 2.5, 7.5, 12.5, 17.5, y 2.5, 7.5: CoP x = (40*12.5 + 20*17.5 +
     * 10*7.5) / 70 = 925/70 = 13.2143 mm, y = (60*2.5 + 10*7.5) / 70 =
     * 225/70 = 3.2143 mm. */
    assert_int_equal(r->frame[0].seq, 1);
    assert_int_equal(r->frame[0].t_us, 0);
    assert_true(r->frame[0].v[2] == 40.0f && r->frame[0].v[3] == 20.0f &&
                r->frame[0].v[5] == 10.0f);
    close_to(r->frame[0].force_n, 1.75, 1e-9);
    close_to(r->frame[0].area_mm2, 75, 1e-9);
    close_to(r->frame[0].cop_x_mm, 925.0 / 70, 1e-9);
    close_to(r->frame[0].cop_y_mm, 225.0 / 70, 1e-9);
    /* Picture 2 at columns 2..4 -> 0..2, rows 3..4 -> 1..2: [0 0 0 0; 8 0 4
     * 0; 0 12 0 0]: force 24 * 25 / 1000 = 0.6 N; CoP x = (8*2.5 + 4*12.5 +
     * 12*7.5) / 24 = 160/24 = 6.6667, y = (12*7.5 + 12*12.5) / 24 = 10;
     * t = (2 - 1) x 20 ms. */
    assert_int_equal(r->frame[1].seq, 2);
    assert_int_equal(r->frame[1].t_us, 20000);
    close_to(r->frame[1].force_n, 0.6, 1e-9);
    close_to(r->frame[1].cop_x_mm, 160.0 / 24, 1e-9);
    close_to(r->frame[1].cop_y_mm, 10.0, 1e-9);
    /* The MPP page: a vendor map, not a frame. */
    assert_int_equal(r->nmaps, 1);
    assert_string_equal(r->map_name[0], "mpp_kpa");
    assert_true(r->map[0][2] == 40.0f);
    /* Pict-No. 1 again: measurement 2, its own 1 x 1 window at the plate's
     * corner: 4 kPa x 25 mm2 = 0.1 N. */
    assert_string_equal(r->part[1].name, "measurement 2");
    assert_int_equal(r->part[1].rows, 1);
    expect_in(r->part[1].attrs, "window_row0=0\nwindow_col0=0\n");
    assert_int_equal(r->frame[2].part, 1);
    close_to(r->frame[2].force_n, 0.1, 1e-9);
    rec_free(r);
    free(text);
}

static void test_import_emed_unit_check(void **state)
{
    /* Values printed in N/cm2: row 2's force 1.50 N is 10 times sum x area. */
    static const char t1[] = "\t3\t4\t5\tForce\n"
                             "2\t0.00\t4.00\t2.00\t1.50\n"
                             "3\t1.00\t0.00\t0.00\t0.25\n"
                             "Force\t0.25\t1.00\t0.50\t1.75\n";
    char *text = build(t1);
    struct rmat_import_opts o;
    struct rec *r;
    (void)state;
    import_bad(text, strlen(text), ".lst", NULL, RMAT_E_FORMAT, line_of(text, "2\t0.00\t4.00"),
               "row 2's force 1.50 N is 10 times sum(value) x area (0.15 N)",
               "the values are not kPa (--unit overrides)", (const char *)NULL);
    /* --unit N/cm2 overrides: values x 10, and the check is skipped. */
    rmat_import_opts_init(&o);
    o.unit = "N/cm2";
    r = import_ok(text, ".lst", &o);
    close_to(r->frame[0].force_n, 1.75, 1e-9);
    rec_free(r);
    free(text);
}

static void bad(const char *from, const char *to, const char *at, const char *n1)
{
    char *base = build(table1), *t = subst(base, from, to);
    import_bad(t, strlen(t), ".lst", NULL, RMAT_E_FORMAT, at ? line_of(t, at) : 0, n1,
               (const char *)NULL);
    free(t);
    free(base);
}

static void test_import_emed_errors(void **state)
{
    (void)state;
    bad("3\t10.00\t0.00\t0.00\t0.25", "3\t10.00\t0.00\t0.25", "3\t10.00\t0.00\t0.25",
        "expected 3 values and the row's force (the labels, line 12), found 3 fields");
    bad("3\t10.00\t0.00", "3\t1O.00\t0.00", "3\t1O.00", "value 1 is \"1O.00\": expected a number");
    bad("\t3\t4\t5\tForce", "\t5\t6\t7\tForce", "\t5\t6\t7\tForce",
        "column label 7 lies off the plate (Matrix: 6 columns)");
    bad("Force\t0.25\t1.00\t0.50\t1.75", "Force\t0.25\t1.00\t0.50\t2.75",
        "Force\t0.25\t1.00\t0.50\t2.75",
        "the total force 2.75 N is 1.571 times sum(value) x area (1.75 N)");
    bad("\tSensor area: 0.25 cm\xb2", "\tSensor aria: 0.25 cm\xb2", "Pict-No.: 1",
        "picture 1's page lacks Sensor area: (a required key)");
    bad("Sensor area: 0.25 cm\xb2", "Sensor area: 0.25 acres", "0.25 acres",
        "Sensor area: expected a number and an area unit (cm2), found \"acres\"");
    {
        struct rmat_import_opts o;
        rmat_import_opts_init(&o);
        o.format = RMAT_IMPORT_EMED;
        import_bad("", 0, ".lst", &o, RMAT_E_FORMAT, 0, "the file is empty", (const char *)NULL);
        import_bad("\f\n\f", 3, ".lst", &o, RMAT_E_FORMAT, 3, "no picture (Pict-No.:)",
                   (const char *)NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_emed_windows_by_hand),
        cmocka_unit_test(test_import_emed_unit_check),
        cmocka_unit_test(test_import_emed_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
