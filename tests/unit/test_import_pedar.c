/* SPDX-License-Identifier: GPL-3.0-or-later */
/* novel pedar .asc (analysis/import/pedar.c; IMPORT.md §5): the spec's
 * example as is (TABs with spaces inside fields, every line ending with a
 * TAB, the right mask list ending with a comma, ids 1..n twice, the first
 * time one period), the same with a --sensor-table giving areas and
 * positions (force and CoP by hand), a mask that leaves a sensor out, and
 * the §13 errors. */
#include "import_rec.h"

static const char spec_example[] =
    "file name:  demo.sol\tdate/time  02.01.24 15.04\t\n" /* 1 */
    "sensor type:  q-0001l-0002r-xyz-01jan2024 \t\n"      /* 2 */
    "total time [secs]:  0.020\ttime per frame [secs]:  0.01000\tscanning rate [Hz]:   100\t\n"
    "pressure values in  kPa\t\n"                            /* 4 */
    "\n"                                                     /* 5 */
    "mask definition: \t\n"                                  /* 6 */
    "left insole: 1,2\t\n"                                   /* 7 */
    "right insole: 1,2,\t\n"                                 /* 8 */
    "\n"                                                     /* 9 */
    "time[secs]    \t      1\t      2\t      1\t      2\t\n" /* 10 */
    "     0.01000\t 12.500\t 40.000\t  5.000\t  0.000\t\n"   /* 11 */
    "     0.02000\t 15.000\t 37.500\t 10.000\t  7.500\t\n";  /* 12 */

static void test_import_pedar_spec_example(void **state)
{
    struct rec *r;
    (void)state;
    r = import_ok(spec_example, ".asc", NULL);
    assert_int_equal(r->nparts, 2);
    for (int s = 0; s < 2; s++) {
        const struct rec_part *p = &r->part[s];
        assert_string_equal(p->format, "pedar");
        assert_int_equal(p->layout, RMAT_IMPORT_SENSORS);
        assert_int_equal(p->side, s ? RMAT_IMPORT_SIDE_RIGHT : RMAT_IMPORT_SIDE_LEFT);
        /* Two sensors, not three: the trailing TAB is not one. */
        assert_int_equal(p->rows, 1);
        assert_int_equal(p->cols, 2);
        assert_int_equal(p->id[0], 1);
        assert_int_equal(p->id[1], 2);
        assert_int_equal(p->mask[0], 1);
        assert_int_equal(p->mask[1], 1);
        assert_true(isnan(p->area[0]) && isnan(p->x[1]));
        assert_true(isnan(p->pitch_x_mm));
        close_to(p->rate_hz, 100.0, 1e-9);
        assert_int_equal(p->frames, 2);
        assert_true(p->start.known);
        assert_int_equal(p->start.year, 2024);
        assert_int_equal(p->start.month, 1);
        assert_int_equal(p->start.day, 2);
        assert_int_equal(p->start.hour, 15);
        assert_int_equal(p->start.minute, 4);
        expect_in(p->header, "mask definition: \t\nleft insole: 1,2\t\n");
        expect_in(p->attrs, "sensor_type=q-0001l-0002r-xyz-01jan2024\n");
        expect_in(p->attrs, "insole_size_code=q\n");
        assert_string_equal(p->warnings, "");
    }
    assert_string_equal(r->part[0].serial, "0001l");
    assert_string_equal(r->part[1].serial, "0002r");
    /* Frames alternate left, right; the first time is one period. */
    assert_int_equal(r->nframes, 4);
    assert_int_equal(r->frame[0].part, 0);
    assert_int_equal(r->frame[0].t_us, 10000);
    assert_int_equal(r->frame[1].part, 1);
    assert_int_equal(r->frame[3].t_us, 20000);
    assert_true(r->frame[0].v[0] == 12.5f && r->frame[0].v[1] == 40.0f);
    assert_true(r->frame[1].v[0] == 5.0f && r->frame[1].v[1] == 0.0f);
    assert_true(r->frame[3].v[0] == 10.0f && r->frame[3].v[1] == 7.5f);
    rec_free(r);
}

static void test_import_pedar_sensor_table_by_hand(void **state)
{
    static const char table[] = "id,area_mm2,x_mm,y_mm\n1,100,10,50\n2,200,30,150\n";
    char path[256];
    struct rmat_import_opts o;
    struct rec *r;
    (void)state;
    write_file(path, sizeof path, ".csv", table, strlen(table));
    rmat_import_opts_init(&o);
    o.sensor_table = path;
    r = import_ok(spec_example, ".asc", &o);
    close_to(r->part[0].area[1], 200, 0);
    close_to(r->part[1].y[0], 50, 0);
    /* Left at 0.01 s: 12.5 kPa on 100 mm2 and 40 kPa on 200 mm2: force =
     * (12.5*100 + 40*200) / 1000 = 9.25 N; area 300 mm2; CoP x =
     * (12.5*10 + 40*30) / 52.5 = 1325/52.5 = 25.2381 mm, y = (12.5*50 +
     * 40*150) / 52.5 = 6625/52.5 = 126.190 mm. */
    close_to(r->frame[0].force_n, 9.25, 1e-9);
    close_to(r->frame[0].area_mm2, 300, 1e-9);
    close_to(r->frame[0].cop_x_mm, 1325.0 / 52.5, 1e-9);
    close_to(r->frame[0].cop_y_mm, 6625.0 / 52.5, 1e-9);
    /* Right at 0.02 s: 10 and 7.5 kPa: (10*100 + 7.5*200) / 1000 = 2.5 N. */
    close_to(r->frame[3].force_n, 2.5, 1e-9);
    expect_in(r->part[0].assumptions, "areas and positions from the sensor table");
    rec_free(r);
    unlink(path);
}

static void test_import_pedar_mask_and_total_time(void **state)
{
    /* Sensor 2 of the left insole is not in use: its 40 and 37.5 kPa are
     * stored as 0, with a warning; the header's total time (0.050 s) is
     * not 2 frames x 0.01 s: a warning. */
    char *a = subst(spec_example, "left insole: 1,2\t", "left insole: 1\t");
    char *b = subst(a, "total time [secs]:  0.020", "total time [secs]:  0.050");
    struct rec *r = import_ok(b, ".asc", NULL);
    (void)state;
    assert_int_equal(r->part[0].mask[0], 1);
    assert_int_equal(r->part[0].mask[1], 0);
    assert_int_equal(r->part[1].mask[1], 1);
    assert_true(r->frame[0].v[1] == 0.0f);
    expect_in(r->part[0].warnings, "2 values of sensors outside the mask definition");
    expect_in(r->part[0].warnings, "the header's total time says 0.05 s");
    rec_free(r);
    free(a);
    free(b);
}

static void bad(const char *from, const char *to, long line, const char *n1, const char *n2)
{
    char *t = subst(spec_example, from, to);
    import_bad(t, strlen(t), ".asc", NULL, RMAT_E_FORMAT, line, n1, n2, (const char *)NULL);
    free(t);
}

static void test_import_pedar_errors(void **state)
{
    (void)state;
    bad(" 15.000\t 37.500\t 10.000\t  7.500\t", " 15.000\t 37.500\t 10.000\t", 12,
        "expected a time and 4 values (2 left, 2 right: the column header, line 10), found 3",
        NULL);
    bad(" 15.000\t 37.500\t 10.000\t  7.500\t", " 15.000\t 37.500\t 10.000\t  7.500\t 1\t", 12,
        "found 5 values", NULL);
    bad(" 37.500", " 3x.500", 12, "value 2 is \"3x.500\": expected a number", NULL);
    bad("     0.02000", "     0.00500", 12, "time goes backwards: 0.005000 s after 0.010000 s",
        NULL);
    bad("\t      1\t      2\t      1\t      2\t", "\t      1\t      2\t      2\t      1\t", 10,
        "column 4 of the header is \"2\": expected 1", NULL);
    bad("pressure values in  kPa", "pressure values in  bar", 4,
        "pressure values in: unknown pressure unit \"bar\"", NULL);
    bad("time per frame [secs]:  0.01000\t", "", 10, "lacks time per frame [secs] (a required key)",
        NULL);
    bad("right insole: 1,2,", "right insole: 1,3,", 8, "\"3\" is not a sensor id 1..2", NULL);
    {
        struct rmat_import_opts o;
        rmat_import_opts_init(&o);
        o.format = RMAT_IMPORT_PEDAR;
        import_bad("", 0, ".asc", &o, RMAT_E_FORMAT, 0, "the file is empty", (const char *)NULL);
        /* The data cut off: no frames. */
        import_bad(spec_example, (size_t)(strstr(spec_example, "     0.01000") - spec_example),
                   ".asc", &o, RMAT_E_FORMAT, 11, "no frames after the column header (line 10)",
                   (const char *)NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_pedar_spec_example),
        cmocka_unit_test(test_import_pedar_sensor_table_by_hand),
        cmocka_unit_test(test_import_pedar_mask_and_total_time),
        cmocka_unit_test(test_import_pedar_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
