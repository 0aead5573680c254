/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zebris pedcad .apd (analysis/import/zebris_apd.c; IMPORT.md §7): the
 * spec's example with a [Customer] section, LF and CRLF: rows are X (so
 * pitch_y = LDistX), -1 cells stored as 0 with mask 1, N/cm2 to kPa, a
 * peak image (rate NaN); --redact blanks personal fields; §13 errors. */
#include "import_rec.h"

static const char example[] = "[General]\n"                     /* 1 */
                              "Description=pedcad Importfile\n" /* 2 */
                              "Source=<<zebris>>\n"             /* 3 */
                              "Date=02/01/2024\n"               /* 4 */
                              "Time=15.04.05\n"                 /* 5 */
                              "UnitDistance=mm\n"               /* 6 */
                              "UnitPressure=N/cm2\n"            /* 7 */
                              "\n"                              /* 8 */
                              "[Customer]\n"                    /* 9 */
                              "FirstName=Erika\n"               /* 10 */
                              "LastName=M\xfcster\n"            /* 11 */
                              "Sex=f\n"                         /* 12 */
                              "\n"                              /* 13 */
                              "[Technical]\n"                   /* 14 */
                              "MaxSensorsX=100\n"               /* 15 */
                              "MaxSensorsY=40\n"                /* 16 */
                              "StartSensX=10\n"                 /* 17 */
                              "StartSensY=5\n"                  /* 18 */
                              "SensCountX=3\n"                  /* 19 */
                              "SensCountY=4\n"                  /* 20 */
                              "LDistX=8.0\n"                    /* 21 */
                              "LDistY=7.5\n"                    /* 22 */
                              "\n"                              /* 23 */
                              "[Data]\n"                        /* 24 */
                              "-1\t0.5\t2.0\t-1\n"              /* 25 */
                              "1.0\t12.5\t20.0\t-1\n"           /* 26 */
                              "-1\t3.0\t-1\t-1\n";              /* 27 */

static void check_image(const struct rec *r)
{
    const struct rec_part *p = &r->part[0];
    const struct rec_frame *f = &r->frame[0];
    static const float kpa[12] = {0, 5, 20, 0, 10, 125, 200, 0, 0, 30, 0, 0};
    assert_string_equal(p->format, "zebris-apd");
    /* SensCountX = 3 lines of SensCountY = 4 values: 3 rows x 4 columns;
     * rows are X, so pitch_y = LDistX = 8 mm, pitch_x = LDistY = 7.5 mm. */
    assert_int_equal(p->rows, 3);
    assert_int_equal(p->cols, 4);
    close_to(p->pitch_y_mm, 8.0, 0);
    close_to(p->pitch_x_mm, 7.5, 0);
    for (int i = 0; i < 12; i++)
        assert_int_equal(p->mask[i], 1); /* -1 is not "no sensel" */
    close_to(p->to_kpa, 10.0, 0);
    assert_string_equal(p->content, "peak-image");
    assert_true(isnan(p->rate_hz));
    assert_true(p->start.known);
    assert_int_equal(p->start.day, 2);
    assert_int_equal(p->start.month, 1);
    assert_int_equal(p->start.hour, 15);
    close_to(p->start.second, 5, 0);
    expect_in(p->attrs, "technical_start_sens_x=10\n");
    expect_in(p->attrs, "content=peak-image\n");
    assert_null(strstr(p->attrs, "Erika"));
    assert_null(strstr(p->header, "[Data]"));
    assert_int_equal(r->nframes, 1);
    assert_int_equal(f->t_us, 0);
    assert_memory_equal(f->v, kpa, sizeof kpa);
    /* N/cm2 x 10 = kPa: 5, 20, 10, 125, 200, 30 kPa = 390 kPa on 7.5 x 8 =
     * 60 mm2 sensels: force 390 * 60 / 1000 = 23.4 N (of a maximum image);
     * 6 loaded cells: 360 mm2; peak 200 kPa; centres x (c + 0.5) 7.5 = 3.75,
     * 11.25, 18.75, 26.25; y (r + 0.5) 8 = 4, 12, 20: CoP x = (10*3.75 +
     * 160*11.25 + 220*18.75) / 390 = 5962.5/390 = 15.2885 mm, y = (25*4 +
     * 335*12 + 30*20) / 390 = 4720/390 = 12.1026 mm. */
    close_to(f->force_n, 23.4, 1e-9);
    close_to(f->area_mm2, 360, 1e-9);
    close_to(f->peak_kpa, 200, 0);
    close_to(f->cop_x_mm, 5962.5 / 390, 1e-9);
    close_to(f->cop_y_mm, 4720.0 / 390, 1e-9);
}

static void test_import_apd_peak_image_by_hand(void **state)
{
    struct rec *r;
    char *crlf = to_crlf(example);
    (void)state;
    r = import_ok(example, ".apd", NULL);
    check_image(r);
    assert_string_equal(r->part[0].endings, "LF");
    /* The header holds the personal fields unless --redact; Latin-1 u-umlaut
     * becomes UTF-8. */
    expect_in(r->part[0].header, "FirstName=Erika\nLastName=M\xc3\xbcster\n");
    expect_in(r->part[0].assumptions, "pitch_y_mm = LDistX");
    rec_free(r);
    r = import_ok(crlf, ".apd", NULL);
    check_image(r);
    assert_string_equal(r->part[0].endings, "CRLF");
    rec_free(r);
    {
        struct rmat_import_opts o;
        rmat_import_opts_init(&o);
        o.redact = 1;
        r = import_ok(example, ".apd", &o);
        expect_in(r->part[0].header, "[Customer]\nFirstName=\nLastName=\nSex=\n");
        assert_null(strstr(r->part[0].header, "Erika"));
        rec_free(r);
    }
    {
        /* --pitch-mm overrides the file's pitch and is recorded. */
        struct rmat_import_opts o;
        rmat_import_opts_init(&o);
        o.pitch_x_mm = 10;
        o.pitch_y_mm = 12;
        r = import_ok(example, ".apd", &o);
        close_to(r->part[0].pitch_x_mm, 10, 0);
        close_to(r->part[0].pitch_y_mm, 12, 0);
        expect_in(r->part[0].attrs, "options=--pitch-mm 10,12\n");
        rec_free(r);
    }
    free(crlf);
}

static void bad(const char *from, const char *to, long line, const char *n1)
{
    char *t = subst(example, from, to);
    import_bad(t, strlen(t), ".apd", NULL, RMAT_E_FORMAT, line, n1, (const char *)NULL);
    free(t);
}

static void test_import_apd_errors(void **state)
{
    (void)state;
    bad("1.0\t12.5\t20.0\t-1", "1.0\t12.5\t20.0", 26,
        "expected 4 values (SensCountY, line 20), found 3");
    bad("1.0\t12.5\t20.0\t-1", "1.0\t12.5\t20.0\t-1\t7", 26,
        "expected 4 values (SensCountY, line 20), found 5");
    bad("12.5", "l2.5", 26, "value 2 is \"l2.5\": expected a number >= 0 or -1");
    bad("12.5", "-2", 26, "value 2 is \"-2\": expected a number >= 0 or -1");
    bad("-1\t3.0\t-1\t-1\n", "", 27,
        "the image ends after 2 of 3 lines (SensCountX, line 19): end of file, truncated?");
    bad("-1\t3.0\t-1\t-1\n", "-1\t3.0\t-1\t-1\n0\t0\t0\t0\n", 28,
        "more than 3 data lines (SensCountX, line 19)");
    bad("UnitPressure=N/cm2", "UnitPressure=bar", 7, "UnitPressure: unknown pressure unit \"bar\"");
    bad("SensCountY=4\n", "", 23, "[Data] before SensCountY (a required key)");
    bad("SensCountX=3", "SensCountX=300", 19, "SensCountX: expected a whole number 1..256");
    {
        struct rmat_import_opts o;
        rmat_import_opts_init(&o);
        o.format = RMAT_IMPORT_APD;
        import_bad("", 0, ".apd", &o, RMAT_E_FORMAT, 0, "the file is empty", (const char *)NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_apd_peak_image_by_hand),
        cmocka_unit_test(test_import_apd_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
