/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plain matrix CSV/TSV (analysis/import/matrix.c; IMPORT.md §11): the
 * spec's line layout with a time column; a block layout with header text,
 * `Frame N` labels, ';' separators, decimal commas, B and empty cells,
 * trailing separators and force per sensel; --skip-lines; the required
 * options and §13 errors. */
#include "import_rec.h"

static struct rmat_import_opts opts(void)
{
    struct rmat_import_opts o;
    rmat_import_opts_init(&o);
    o.format = RMAT_IMPORT_MATRIX;
    o.rows = 2;
    o.cols = 3;
    o.pitch_x_mm = 10;
    o.unit = "kPa";
    return o;
}

static void test_import_matrix_line_layout_by_hand(void **state)
{
    static const char ex[] = "0.00,0,1.5,0,2,3.5,0\n0.05,0,2.0,0.5,1,3,0\n";
    struct rmat_import_opts o = opts();
    struct rec *r;
    (void)state;
    o.layout = RMAT_IMPORT_LAYOUT_LINE;
    o.time_column = 1;
    r = import_ok(ex, ".csv", &o);
    assert_string_equal(r->part[0].variant, "line");
    assert_true(isnan(r->part[0].rate_hz));
    assert_int_equal(r->nframes, 2);
    /* [0 1.5 0; 2 3.5 0] kPa on 10 x 10 = 100 mm2: force 7 * 100 / 1000 =
     * 0.7 N; area 300 mm2; centres x 5, 15, 25, y 5, 15: CoP x = (1.5*15 +
     * 2*5 + 3.5*15) / 7 = 85/7 = 12.1429 mm, y = (1.5*5 + 5.5*15) / 7 =
     * 90/7 = 12.857 mm. */
    close_to(r->frame[0].force_n, 0.7, 1e-9);
    close_to(r->frame[0].area_mm2, 300, 1e-9);
    close_to(r->frame[0].cop_x_mm, 85.0 / 7, 1e-9);
    close_to(r->frame[0].cop_y_mm, 90.0 / 7, 1e-9);
    assert_int_equal(r->frame[1].t_us, 50000);
    close_to(r->frame[1].force_n, 0.65, 1e-9);
    rec_free(r);
    /* Layout detected from the first line's count (7 = 2 x 3 + time). */
    o.layout = RMAT_IMPORT_LAYOUT_AUTO;
    r = import_ok(ex, ".csv", &o);
    assert_string_equal(r->part[0].variant, "line");
    rec_free(r);
}

static const char block[] = "Exported by some tool\n" /* 1 */
                            "rows;cols\n"             /* 2 */
                            "Frame 3\n"               /* 3 */
                            "B;1,5;2;\n"              /* 4 */
                            "0;0,5;;\n"               /* 5 */
                            "\n"                      /* 6 */
                            "Frame 4\n"               /* 7 */
                            "B;0;0\n"                 /* 8 */
                            "1;0;B\n";                /* 9 */

static void test_import_matrix_block_by_hand(void **state)
{
    struct rmat_import_opts o = opts();
    struct rec *r;
    static const uint8_t mask[6] = {0, 1, 1, 1, 1, 0};
    (void)state;
    o.decimal_comma = 1;
    o.rate_hz = 10;
    o.unit = "N-per-sensel";
    o.pitch_y_mm = 20;
    r = import_ok(block, ".csv", &o);
    assert_string_equal(r->part[0].variant, "block");
    expect_in(r->part[0].attrs, "separator=;\n");
    expect_in(r->part[0].header, "Exported by some tool\nrows;cols\nFrame 3\n");
    assert_memory_equal(r->part[0].mask, mask, 6);
    /* N per sensel to kPa: x 1000 / (10 x 20 mm2) = 5: 1.5 N -> 7.5 kPa. */
    close_to(r->part[0].to_kpa, 5.0, 1e-12);
    assert_int_equal(r->nframes, 2);
    assert_int_equal(r->frame[0].seq, 3);
    assert_int_equal(r->frame[1].seq, 4);
    assert_int_equal(r->frame[1].t_us, 100000);
    /* Force = the newtons given: 1.5 + 2 + 0.5 = 4.0 N; peak 2 N / 200 mm2
     * = 10 kPa; CoP x = (1.5*15 + 2*25 + 0.5*15) / 4 = 80/4 = 20 mm, y =
     * (3.5*10 + 0.5*30) / 4 = 50/4 = 12.5 mm (centres y 10, 30). */
    close_to(r->frame[0].force_n, 4.0, 1e-9);
    close_to(r->frame[0].peak_kpa, 10.0, 1e-9);
    close_to(r->frame[0].cop_x_mm, 20.0, 1e-9);
    close_to(r->frame[0].cop_y_mm, 12.5, 1e-9);
    close_to(r->frame[1].force_n, 1.0, 1e-9);
    rec_free(r);
}

static void test_import_matrix_skip_lines_tab_counts(void **state)
{
    static const char ex[] = "9\t9\t9\t9\t9\t9\n1\t2\t3\t4\t5\t6\t\n";
    struct rmat_import_opts o = opts();
    struct rec *r;
    (void)state;
    o.skip_lines = 1;
    o.unit = "counts";
    o.rate_hz = 1;
    r = import_ok(ex, ".tsv", &o);
    assert_int_equal(r->nframes, 1);
    assert_int_equal(r->part[0].counts, 1);
    assert_true(r->frame[0].v[0] == 1.0f && r->frame[0].v[5] == 6.0f);
    rec_free(r);
}

static void test_import_matrix_errors(void **state)
{
    struct rmat_import_opts o = opts();
    char *t;
    (void)state;
    o.rate_hz = 10;
    o.rows = 0;
    import_bad("1,2,3\n", 6, ".csv", &o, RMAT_E_ARG, 0, "needs --rows and --cols",
               (const char *)NULL);
    o = opts();
    import_bad("1,2,3\n", 6, ".csv", &o, RMAT_E_ARG, 0, "needs --rate-hz (or --time-column)",
               (const char *)NULL);
    o.rate_hz = 10;
    o.unit = "furlongs";
    import_bad("1,2,3\n", 6, ".csv", &o, RMAT_E_ARG, 0, "--unit \"furlongs\": unknown unit",
               (const char *)NULL);
    o.unit = "kPa";
    import_bad("1,2,3,4\n", 8, ".csv", &o, RMAT_E_FORMAT, 1,
               "the first data line holds 4 values: expected 6", (const char *)NULL);
    o.layout = RMAT_IMPORT_LAYOUT_LINE;
    import_bad("1,2,3,4,5,6\n1,2,3,4,5\n", 22, ".csv", &o, RMAT_E_FORMAT, 2,
               "expected 6 values (--rows 2 x --cols 3), found 5", (const char *)NULL);
    import_bad("1,2,3,4,5,6\n1,2,x,4,5,6\n", 24, ".csv", &o, RMAT_E_FORMAT, 2,
               "value 3 is \"x\": expected a number, B or empty", (const char *)NULL);
    import_bad("1,2,B,4,5,6\n1,2,3,4,5,6\n", 24, ".csv", &o, RMAT_E_FORMAT, 2,
               "cell 3 holds a number but was no sensel in the first frame (line 1)",
               (const char *)NULL);
    o.layout = RMAT_IMPORT_LAYOUT_AUTO;
    o.decimal_comma = 1;
    o.unit = "kPa";
    t = strdup(block);
    *strstr(t, "1;0;B") = '\0';
    import_bad(t, strlen(t), ".csv", &o, RMAT_E_FORMAT, 9,
               "frame ends after 1 of 2 rows (--rows): end of file, truncated?",
               (const char *)NULL);
    free(t);
    import_bad("header only\n", 12, ".csv", &o, RMAT_E_FORMAT, 2, "no data lines",
               (const char *)NULL);
    import_bad("", 0, ".csv", &o, RMAT_E_FORMAT, 0, "the file is empty", (const char *)NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_matrix_line_layout_by_hand),
        cmocka_unit_test(test_import_matrix_block_by_hand),
        cmocka_unit_test(test_import_matrix_skip_lines_tab_counts),
        cmocka_unit_test(test_import_matrix_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
