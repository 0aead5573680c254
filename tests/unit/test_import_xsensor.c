/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XSENSOR CSV (analysis/import/xsensor.c; IMPORT.md §3): an export built
 * with every quirk the spec lists (BOM, records padded to 6 fields and
 * each followed by an empty record, a quoted path holding a comma, two
 * insoles, GROUP blocks flattened 20 per record, absolute frame numbers
 * with a jump, the date carrying midnight, mmHg, a contact area implying a
 * different sensel size), checked against figures worked out by hand; the
 * refused variants; and the §13 errors. */
#include "import_rec.h"

/* One record padded to 6 fields, then an empty record. */
static void rec(char **s, const char *fields)
{
    int commas = 0;
    for (const char *p = fields; *p; p++)
        commas += *p == ',';
    cat(s, "%s", fields);
    for (; commas < 5; commas++)
        cat(s, ",");
    cat(s, "\n,,,,,\n");
}

static void sensor(char **s, const char *name, const char *load, const char *contact,
                   const char *r0, const char *r1)
{
    char tmp[128];
    snprintf(tmp, sizeof tmp, "SENSOR,%s", name);
    rec(s, tmp);
    rec(s, "Rows,2");
    rec(s, "Columns,3");
    rec(s, "Sensel Width (cm),0.5");
    rec(s, "Sensel Height (cm),0.5");
    rec(s, "Peak Pressure (mmHg),75");
    snprintf(tmp, sizeof tmp, "Contact Area (cm\xc2\xb2),%s", contact);
    rec(s, tmp);
    snprintf(tmp, sizeof tmp, "Est. Load (N),%s", load);
    rec(s, tmp);
    rec(s, "Support Time,00:00:01");
    rec(s, "SENSELS");
    rec(s, r0);
    rec(s, r1);
}

static void groups(char **s)
{
    rec(s, "GROUP,1");
    rec(s, "Name,Left Heel");
    rec(s, "Cells,3");
    rec(s, "Est. Load (N),0.47");
    rec(s, "SENSELS");
    rec(s, "0,37.5,30");
    /* 23 cells: 20 on one record, 3 on the next. */
    cat(s, "GROUP,2,,,,\n,,,,,\nName,All,,,,\n,,,,,\nCells,23,,,,\n,,,,,\nSENSELS,,,,,\n,,,,,\n");
    cat(s, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20\n,,,,,\n21,22,23,,,\n,,,,,\n");
}

/* The export: frames 301, 302, 304 (303 missing). */
static char *build(int drop_rf_302)
{
    char *s = NULL;
    cat(&s, "\xef\xbb\xbf");
    rec(&s, "File:,\"C:\\data\\walk,2.XSN\"");
    rec(&s, "Units:,mmHg");
    rec(&s, "Threshold:,20.5");
    rec(&s, "FRAME,301");
    rec(&s, "Date, 2024 Jan 02");
    rec(&s, "Time, 23:59:59.990");
    sensor(&s, "XS-DEMO-LF S0001", "0.47", "0.75", "0,37.5,75", "30,0,0");
    sensor(&s, "XS-DEMO-RF S0002", "0.10", "0.6", "10,0,0", "0,0,20");
    groups(&s);
    rec(&s, "FRAME,302");
    rec(&s, "Date, 2024 Jan 03");
    rec(&s, "Time, 00:00:00.003");
    sensor(&s, "XS-DEMO-LF S0001", "0", "0", "0,0,0", "0,0,0");
    if (!drop_rf_302)
        sensor(&s, "XS-DEMO-RF S0002", "0", "0", "0,0,0", "0,0,0");
    groups(&s);
    rec(&s, "FRAME,304");
    rec(&s, "Date, 2024 Jan 03");
    rec(&s, "Time, 00:00:00.024");
    sensor(&s, "XS-DEMO-LF S0001", "0", "0", "0,0,0", "0,0,0");
    sensor(&s, "XS-DEMO-RF S0002", "0", "0", "0,0,0", "0,0,0");
    groups(&s);
    return s;
}

static const struct rec_frame *frame_of(const struct rec *r, int part, int k)
{
    for (int i = 0; i < r->nframes; i++)
        if (r->frame[i].part == part && k-- == 0)
            return &r->frame[i];
    fail();
    return NULL;
}

static void test_import_xsensor_two_insoles_by_hand(void **state)
{
    char *text = build(0);
    struct rec *r;
    const struct rec_part *lf, *rf;
    const struct rec_frame *f;
    const double mmhg = 0.133322368;
    (void)state;

    r = import_ok(text, ".csv", NULL);
    assert_int_equal(r->nparts, 2);
    lf = &r->part[0];
    rf = &r->part[1];
    assert_string_equal(lf->format, "xsensor");
    assert_string_equal(lf->name, "XS-DEMO-LF S0001");
    assert_int_equal(lf->side, RMAT_IMPORT_SIDE_LEFT);
    assert_int_equal(rf->side, RMAT_IMPORT_SIDE_RIGHT);
    assert_string_equal(rf->serial, "S0002");
    assert_string_equal(lf->unit, "mmHg");
    close_to(lf->to_kpa, mmhg, 0);
    assert_string_equal(lf->encoding, "UTF-8");
    /* Sensel Width/Height 0.5 cm: pitch 5 mm; no outline marker: mask 1. */
    close_to(lf->pitch_x_mm, 5.0, 1e-12);
    close_to(lf->pitch_y_mm, 5.0, 1e-12);
    for (int i = 0; i < 6; i++)
        assert_int_equal(lf->mask[i], 1);
    /* The header: the BOM gone, the quoted path whole, the sensor's block
     * up to SENSELS, not the other sensor's. */
    assert_true(lf->header[0] == 'F');
    expect_in(lf->header, "File:,\"C:\\data\\walk,2.XSN\"");
    expect_in(lf->header, "Time, 23:59:59.990");
    expect_in(lf->header, "SENSOR,XS-DEMO-LF S0001");
    assert_null(strstr(lf->header, "XS-DEMO-RF"));
    expect_in(lf->attrs, "file=C:\\data\\walk,2.XSN\n");
    /* Start: the first frame's date and time. */
    assert_true(lf->start.known);
    assert_int_equal(lf->start.year, 2024);
    assert_int_equal(lf->start.day, 2);
    assert_int_equal(lf->start.hour, 23);
    close_to(lf->start.second, 59.99, 1e-9);
    /* Frames 301, 302, 304: t = 0, 23:59:59.990 -> 00:00:00.003 next day =
     * 13 ms, and 34 ms; rate = (3 - 1) / 0.034 s = 58.8235 Hz (not one step's
     * 1 / 0.013 s). */
    assert_int_equal(lf->frames, 3);
    assert_true(isnan(lf->rate_hz));
    close_to(lf->rate_end, 2.0 / 0.034, 1e-9);
    f = frame_of(r, 0, 0);
    assert_int_equal(f->seq, 301);
    assert_int_equal(f->t_us, 0);
    /* LF frame 301: 37.5, 75, 30 mmHg = 142.5 mmHg = 18.9984 kPa on 25 mm2
     * sensels: force = 142.5 * 0.133322368 * 25 / 1000 = 0.474961 N (the
     * file's Est. Load 0.47); area 3 * 25 = 75 mm2; peak 75 mmHg = 9.99918
     * kPa; centres 2.5, 7.5, 12.5 mm: CoP x = (37.5*7.5 + 75*12.5 + 30*2.5) /
     * 142.5 = 1293.75/142.5 = 9.07895 mm, y = (112.5*2.5 + 30*7.5) / 142.5 =
     * 506.25/142.5 = 3.55263 mm. */
    close_to(f->force_n, 142.5 * mmhg * 25 / 1000, 1e-6);
    close_to(f->force_n, 0.474961, 1e-6);
    close_to(f->area_mm2, 75.0, 1e-9);
    close_to(f->peak_kpa, 75 * mmhg, 1e-5);
    close_to(f->cop_x_mm, 1293.75 / 142.5, 1e-5);
    close_to(f->cop_y_mm, 506.25 / 142.5, 1e-5);
    /* RF frame 301: 10 at (0,0), 20 at (1,2): 30 mmHg -> 0.0999918 N; CoP x =
     * (10*2.5 + 20*12.5)/30 = 9.16667, y = (10*2.5 + 20*7.5)/30 = 5.83333. */
    f = frame_of(r, 1, 0);
    close_to(f->force_n, 30 * mmhg * 25 / 1000, 1e-6);
    close_to(f->cop_x_mm, 275.0 / 30, 1e-5);
    close_to(f->cop_y_mm, 175.0 / 30, 1e-5);
    f = frame_of(r, 0, 1);
    assert_int_equal(f->seq, 302);
    assert_int_equal(f->t_us, 13000);
    f = frame_of(r, 0, 2);
    assert_int_equal(f->seq, 304);
    assert_int_equal(f->t_us, 34000);
    /* 303 is missing: a gap of 1 frame before index 2, for each insole. */
    assert_int_equal(r->nevents, 2);
    assert_string_equal(r->event[0].kind, "gap");
    close_to(r->event[0].value, 1, 0);
    assert_int_equal(r->event[0].frame, 2);
    /* Statistics go to /vendor; Support Time is not a number. */
    assert_int_equal(r->vrow[0].part, 0);
    assert_int_equal(r->vrow[0].frame, 0);
    assert_int_equal(r->vrow[0].n, 3);
    assert_string_equal(r->vrow[0].name[0], "peak_pressure_mmhg");
    assert_string_equal(r->vrow[0].name[1], "contact_area_cm2");
    assert_string_equal(r->vrow[0].name[2], "est_load_n");
    close_to(r->vrow[0].value[2], 0.47, 0);
    /* Contact area / loaded cells: LF 0.75 cm2 / 3 = 25 mm2 = 5 x 5, fine;
     * RF 0.6 cm2 / 2 = 30 mm2, beyond 5.05^2 = 25.5 mm2 and the area's
     * rounding (0.05 cm2 / 2 cells = 2.5 mm2): a warning on RF only. */
    expect_in(lf->attrs, "implied_sensel_area_mm2=25\n");
    expect_in(rf->attrs, "implied_sensel_area_mm2=30\n");
    assert_null(strstr(lf->warnings, "implies"));
    expect_in(rf->warnings, "implies 30 mm2 per sensel");
    rec_free(r);

    /* --side right keeps one recording. */
    {
        struct rmat_import_opts o;
        rmat_import_opts_init(&o);
        o.side = RMAT_IMPORT_SIDE_RIGHT;
        r = import_ok(text, ".csv", &o);
        assert_false(r->part[0].begun);
        assert_true(r->part[1].ended);
        assert_int_equal(r->total_frames, 3);
        rec_free(r);
    }
    free(text);
}

static void test_import_xsensor_variants_refused(void **state)
{
    char *s = NULL;
    struct rmat_errinfo ei;
    (void)state;
    cat(&s, "\xef\xbb\xbf"
            "Frame,Date,Time,Insole,Peak Pressure (mmHg),Est. Load (lbf),S_1_1,S_1_2\n"
            "1,2024 Jan 02,10:00:00.000,Left,75,1.2,0,37.5\n");
    assert_int_equal(rmat_import_detect_mem((const uint8_t *)s, strlen(s), "w.csv", &ei),
                     RMAT_E_UNSUPPORTED);
    expect_in(ei.msg, "XSENSOR \"wide\" export: not supported");
    free(s);
    s = NULL;
    cat(&s, "File: C:\\x.xsn\nUnits: mmHg\nSensor,1\nFrame,1\n\"1,25\",\"0,5\"\n");
    assert_int_equal(rmat_import_detect_mem((const uint8_t *)s, strlen(s), "p.csv", &ei),
                     RMAT_E_UNSUPPORTED);
    expect_in(ei.msg, "XSENSOR \"PRO 7\" export");
    free(s);
}

static void bad(const char *text, long line, const char *n1, const char *n2)
{
    import_bad(text, strlen(text), ".csv", NULL, RMAT_E_FORMAT, line, n1, n2, (const char *)NULL);
}

static void test_import_xsensor_errors(void **state)
{
    char *base = build(0), *t;
    (void)state;
    /* A sensor missing from frame 302. */
    t = build(1);
    bad(t, line_of(t, "FRAME,302"), "frame 302 lists 1 sensors, the first frame (line 7) 2",
        "a sensor is missing");
    free(t);
    /* A GROUP's Cells disagreeing with its values. */
    t = subst(base, "Cells,3", "Cells,4");
    bad(t, line_of(t, "GROUP,2"), "a GROUP ends after 3 of 4 values (Cells, line 65)",
        "found \"GROUP\"");
    free(t);
    /* Too few values, a non-numeric one. */
    t = subst(base, "30,0,0", "30,0");
    bad(t, line_of(t, "30,0,,"), "expected 3 values (Columns, line 17), found 2", NULL);
    free(t);
    t = subst(base, "30,0,0", "30,x,0");
    bad(t, line_of(t, "30,x,0"), "value 2 is \"x\": expected a number", NULL);
    free(t);
    /* Unknown unit, no unit. */
    t = subst(base, "Units:,mmHg", "Units:,bar");
    bad(t, 3, "Units: unknown pressure unit \"bar\"", NULL);
    free(t);
    t = subst(base, "Units:,mmHg", "Unit:,mmHg");
    bad(t, 7, "no Units: record before the first FRAME (a required key)", NULL);
    free(t);
    /* Time going backwards. */
    t = subst(base, "00:00:00.024", "00:00:00.001");
    bad(t, line_of(t, "FRAME,304"), "time goes backwards: 0.011000 s after 0.013000 s", NULL);
    free(t);
    /* Truncated inside a sensor's rows. */
    t = strdup(base);
    *strstr(t, "30,0,0") = '\0';
    bad(t, line_of(base, "30,0,0"),
        "sensor XS-DEMO-LF S0001 ends after 1 of 2 rows (Rows, "
        "line 15): end of file, truncated?",
        NULL);
    free(t);
    /* An unclosed quote. */
    t = subst(base, "\"C:\\data\\walk,2.XSN\"", "\"C:\\data\\walk,2.XSN");
    bad(t, 1, "a quoted field is never closed", NULL);
    free(t);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_xsensor_two_insoles_by_hand),
        cmocka_unit_test(test_import_xsensor_variants_refused),
        cmocka_unit_test(test_import_xsensor_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
