/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tekscan ASCII movies (analysis/import/tekscan.c; IMPORT.md §2): the
 * spec's example (short frame lines, kPa, B outline, a comment that reads
 * like text), an I-Scan export with long frame lines, raw counts, CRLF, an
 * interior B column, trailing empty fields and Latin-1 comment text, and
 * every §13 error a Tekscan file can raise. Frames are checked against
 * figures worked out by hand in the comments. */
#include "import_rec.h"

#include "rollmat/sha256.h"

/* IMPORT.md §2's example, verbatim (line numbers in the comments). */
static const char spec_example[] = "DATA_TYPE MOVIE\n"              /* 1 */
                                   "ROWS 3\n"                       /* 2 */
                                   "COLS 4\n"                       /* 3 */
                                   "ROW_SPACING 0.25 centimeters\n" /* 4 */
                                   "COL_SPACING 2 mm\n"             /* 5 */
                                   "SENSEL_AREA 5 mm2\n"            /* 6 */
                                   "SECONDS_PER_FRAME 0.01\n"       /* 7 */
                                   "COMMENTS:\n"                    /* 8 */
                                   "walk trial 3\n"                 /* 9 */
                                   "START_FRAME 7\n"                /* 10 */
                                   "END_FRAME 8\n"                  /* 11 */
                                   "UNITS KPa \n"                   /* 12 */
                                   "ASCII_DATA @@\n"                /* 13 */
                                   "\n"                             /* 14 */
                                   "Frame 7\n"                      /* 15 */
                                   "B,10,20,B\n"                    /* 16 */
                                   "0,0,30,B\n"                     /* 17 */
                                   "B,B,0,B\n"                      /* 18 */
                                   "\n"                             /* 19 */
                                   "Frame 8\n"                      /* 20 */
                                   "B,0,5,B\n"                      /* 21 */
                                   "0,10,0,B\n"                     /* 22 */
                                   "B,B,0,B\n"                      /* 23 */
                                   "\n"                             /* 24 */
                                   "@@\n";                          /* 25 */

static void test_import_tekscan_spec_example(void **state)
{
    struct rec *r;
    const struct rec_part *p;
    static const uint8_t mask[12] = {0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0};
    (void)state;

    r = import_ok(spec_example, ".asf", NULL);
    assert_int_equal(r->nparts, 1);
    p = &r->part[0];
    assert_true(p->ended);
    assert_string_equal(p->format, "tekscan");
    assert_string_equal(p->variant, "short frame lines");
    assert_int_equal(p->rows, 3);
    assert_int_equal(p->cols, 4);
    /* COL_SPACING 2 mm -> pitch_x; ROW_SPACING 0.25 centimeters -> 2.5 mm. */
    close_to(p->pitch_x_mm, 2.0, 1e-12);
    close_to(p->pitch_y_mm, 2.5, 1e-12);
    assert_memory_equal(p->mask, mask, 12);
    assert_int_equal(p->counts, 0);
    close_to(p->to_kpa, 1.0, 0);
    assert_string_equal(p->unit, "KPa"); /* trailing space trimmed */
    close_to(p->rate_hz, 100.0, 1e-9);   /* 1 / 0.01 s */
    assert_int_equal(p->frames, 2);
    assert_string_equal(p->endings, "LF");
    /* The comment "walk trial 3" is not a key; the header is kept verbatim. */
    expect_in(p->header, "COMMENTS:\nwalk trial 3\nSTART_FRAME 7\n");
    expect_in(p->header, "ASCII_DATA @@\n");
    expect_in(p->attrs, "start_frame=7\n");
    expect_in(p->assumptions, "COL_SPACING (line 5) is the pitch between columns");
    assert_string_equal(p->warnings, "");
    assert_int_equal(r->nevents, 0);

    assert_int_equal(r->nframes, 2);
    /* Frame 7: 10, 20, 30 kPa on sensels of a = 2 x 2.5 = 5 mm2.
     * force = 60 * 5 / 1000 = 0.3 N; area = 3 cells * 5 = 15 mm2; peak 30;
     * cell centres x = (c + 0.5) * 2 (col 1: 3, col 2: 5), y = (r + 0.5) * 2.5
     * (row 0: 1.25, row 1: 3.75): CoP x = (10*3 + 20*5 + 30*5) / 60 = 280/60
     * = 4.6667 mm, y = (30*1.25 + 30*3.75) / 60 = 150/60 = 2.5 mm. */
    assert_int_equal(r->frame[0].seq, 7);
    assert_int_equal(r->frame[0].t_us, 0);
    assert_int_equal(r->frame[0].line, 15);
    close_to(r->frame[0].force_n, 0.3, 1e-9);
    close_to(r->frame[0].area_mm2, 15.0, 1e-9);
    close_to(r->frame[0].peak_kpa, 30.0, 0);
    close_to(r->frame[0].cop_x_mm, 280.0 / 60.0, 1e-9);
    close_to(r->frame[0].cop_y_mm, 2.5, 1e-9);
    /* Frame 8: 5 kPa at (row 0, col 2), 10 at (1, 1): force 15 * 5 / 1000 =
     * 0.075 N, area 10 mm2, peak 10, CoP x = (5*5 + 10*3) / 15 = 3.6667,
     * y = (5*1.25 + 10*3.75) / 15 = 43.75/15 = 2.9167; t = 1 x 0.01 s. */
    assert_int_equal(r->frame[1].seq, 8);
    assert_int_equal(r->frame[1].t_us, 10000);
    close_to(r->frame[1].force_n, 0.075, 1e-9);
    close_to(r->frame[1].area_mm2, 10.0, 1e-9);
    close_to(r->frame[1].peak_kpa, 10.0, 0);
    close_to(r->frame[1].cop_x_mm, 55.0 / 15.0, 1e-9);
    close_to(r->frame[1].cop_y_mm, 43.75 / 15.0, 1e-9);

    /* /source: size and digest of the exact bytes. */
    {
        struct rmat_sha256 s;
        uint8_t d[RMAT_SHA256_LEN];
        char hex[RMAT_SHA256_HEX];
        rmat_sha256_init(&s);
        rmat_sha256_update(&s, spec_example, strlen(spec_example));
        rmat_sha256_final(&s, d);
        rmat_sha256_hex(d, hex);
        assert_string_equal(p->sha256, hex);
        assert_int_equal(p->file_size, strlen(spec_example));
    }
    rec_free(r);
}

/* An I-Scan export: long frame lines with elapsed time and Raw Sum, raw
 * counts, CRLF, inch units, a B column inside the matrix (two pads), B on
 * the outline, trailing empty fields, a Latin-1 comment, mixed-case key,
 * no SECONDS_PER_FRAME (the rate comes from the times). */
static const char iscan[] = "DATA_TYPE MOVIE\n"
                            "VERSION 7.50\n"
                            "VersaPogoFsx 1\n"
                            "HARDWARE HW123-2\n"
                            "ROWS 2\n"
                            "COLS 5\n"
                            "ROW_SPACING 0.2 inches\n"
                            "COL_SPACING 5.08 millimeters\n"
                            "SENSEL_AREA 0.04 in2\n"
                            "COMMENTS:\n"
                            "L\xe4ufer trial 3\n"
                            "Speed_fast okay\n"
                            "START_FRAME 1\n"
                            "END_FRAME 3\n"
                            "UNITS raw \n"
                            "ASCII_DATA @@\n"
                            "\n"
                            "Frame 1, 0,, 1/2/2024 3:04:05.67PM,,,Raw Sum=,,60\n"
                            "B,10,B,20,B\n"
                            "0,30,B,0,B,,\n"
                            "\n"
                            "Frame 2, 0.02,, 1/2/2024 3:04:05.69PM,,,Raw Sum=,,7\n"
                            "B,0,B,7,B\n"
                            "0,0,B,0,B\n"
                            "\n"
                            "Frame 3, 0.04,, 1/2/2024 3:04:05.71PM,,,Raw Sum=,,0\n"
                            "B,0,B,0,B\n"
                            "0,0,B,0,B\n"
                            "\n"
                            "@@\n";

static void test_import_tekscan_iscan_long_lines_raw_crlf(void **state)
{
    char *text = to_crlf(iscan);
    struct rec *r;
    const struct rec_part *p;
    /* Column 2 is B in every row (between the pads), columns 0 and 4 are
     * outline. */
    static const uint8_t mask[10] = {0, 1, 0, 1, 0, 1, 1, 0, 1, 0};
    (void)state;

    r = import_ok(text, ".csv", NULL);
    p = &r->part[0];
    assert_string_equal(p->variant, "long frame lines (I-Scan)");
    assert_string_equal(p->endings, "CRLF");
    assert_int_equal(p->counts, 1);
    assert_true(isnan(p->to_kpa));
    assert_string_equal(p->unit, "raw");
    /* 0.2 inches = 5.08 mm; 5.08 millimeters; SENSEL_AREA 0.04 in2 =
     * 25.8064 mm2 = 5.08^2: no warning. */
    close_to(p->pitch_y_mm, 5.08, 1e-12);
    close_to(p->pitch_x_mm, 5.08, 1e-12);
    assert_string_equal(p->warnings, "");
    assert_memory_equal(p->mask, mask, 10);
    /* Latin-1 a-umlaut (E4) becomes UTF-8 C3 A4; CR gone from the header. */
    expect_in(p->header, "COMMENTS:\nL\xc3\xa4ufer trial 3\nSpeed_fast okay\n");
    expect_in(p->attrs, "versa_pogo_fsx=1\n");
    expect_in(p->attrs, "pair_member=2\n");
    /* Rate at the begin unknown; at the end (3 - 1) / (0.04 - 0) = 50 Hz. */
    assert_true(isnan(p->rate_hz));
    close_to(p->rate_end, 50.0, 1e-9);
    assert_int_equal(r->nframes, 3);
    assert_int_equal(r->frame[0].seq, 1);
    assert_int_equal(r->frame[1].t_us, 20000);
    assert_int_equal(r->frame[2].t_us, 40000);
    /* Frame 1 counts 10 (0,1), 20 (0,3), 30 (1,1): sum 60 = Raw Sum; count
     * weighted centre x = (10*7.62 + 20*17.78 + 30*7.62) / 60 = 660.4/60 =
     * 11.00667 mm (centres (c + 0.5) * 5.08), y = (30*2.54 + 30*7.62) / 60 =
     * 5.08 mm; peak 30; 3 cells touched of 25.8064 mm2 = 77.4192 mm2. */
    close_to(r->frame[0].cop_x_mm, 660.4 / 60.0, 1e-9);
    close_to(r->frame[0].cop_y_mm, 5.08, 1e-9);
    close_to(r->frame[0].peak_kpa, 30.0, 0);
    close_to(r->frame[0].area_mm2, 3 * 5.08 * 5.08, 1e-9);
    assert_true(r->frame[1].v[3] == 7.0f);
    rec_free(r);
    free(text);
}

static void test_import_tekscan_area_warning_and_units(void **state)
{
    /* SENSEL_AREA 0.06 cm2 = 6 mm2 is not 2 x 2.5 = 5 mm2: a warning, the
     * data still read; UNITS MPa scales by 1000. */
    char *a = subst(spec_example, "SENSEL_AREA 5 mm2", "SENSEL_AREA 0.06 cm\xb2");
    char *b = subst(a, "UNITS KPa ", "UNITS MPa");
    struct rec *r;
    (void)state;
    r = import_ok(b, ".asf", NULL);
    expect_in(r->part[0].warnings, "SENSEL_AREA 6 mm2 differs");
    close_to(r->part[0].to_kpa, 1000.0, 0);
    close_to(r->frame[0].peak_kpa, 30000.0, 0);
    rec_free(r);
    free(a);
    free(b);
}

static void bad(const char *text, long line, const char *n1, const char *n2)
{
    import_bad(text, strlen(text), ".asf", NULL, RMAT_E_FORMAT, line, n1, n2, (const char *)NULL);
}

static void bad_subst(const char *from, const char *to, long line, const char *n1, const char *n2)
{
    char *t = subst(spec_example, from, to);
    bad(t, line, n1, n2);
    free(t);
}

static void test_import_tekscan_errors(void **state)
{
    (void)state;
    /* Truncated: the file ends after the first row of frame 8. */
    {
        char t[sizeof spec_example];
        const char *cut = strstr(spec_example, "0,10,0,B\n");
        memcpy(t, spec_example, (size_t)(cut - spec_example));
        t[cut - spec_example] = '\0';
        bad(t, 22, "frame 8 ends after 1 of 3 rows (ROWS, line 2): end of file, truncated?", NULL);
    }
    /* Too few and too many values. */
    bad_subst("0,10,0,B", "0,10,0", 22, "expected 4 values (COLS, line 3), found 3", NULL);
    bad_subst("0,10,0,B", "0,10,0,B,7,,", 22, "expected 4 values (COLS, line 3), found 5", NULL);
    /* Non-numeric cell. */
    bad_subst("0,10,0,B", "0,1O,0,B", 22, "value 2 is \"1O\": expected a number or B", NULL);
    /* A frame with a row short (a blank line where a row should be). */
    bad_subst("0,10,0,B\nB,B,0,B\n\n@@", "0,10,0,B\n\n@@", 23, "frame 8 ends after 2 of 3 rows",
              "found a blank line");
    /* Header against data: frame count, changing B pattern. */
    bad_subst("END_FRAME 8", "END_FRAME 9", 0,
              "START_FRAME..END_FRAME (lines 10-11) announce 3 frames, found 2", NULL);
    bad_subst("B,0,5,B", "7,0,5,B", 21, "cell 1 holds a number but was B", "line 15");
    bad_subst("0,10,0,B", "0,10,0,0", 22, "cell 4 holds a number but was B", NULL);
    bad_subst("B,B,0,B\n\n@@", "B,B,B,B\n\n@@", 23, "cell 3 is B (no sensel)", NULL);
    /* Unknown unit words, missing required keys. */
    bad_subst("ROW_SPACING 0.25 centimeters", "ROW_SPACING 3 furlongs", 4,
              "ROW_SPACING: unknown length unit \"furlongs\"", NULL);
    bad_subst("ROW_SPACING 0.25 centimeters", "ROW_SPACING 0.25", 4,
              "ROW_SPACING: the number has no unit word", NULL);
    bad_subst("SENSEL_AREA 5 mm2", "SENSEL_AREA 5 acres", 6, "unknown area unit \"acres\"", NULL);
    bad_subst("UNITS KPa ", "UNITS bar", 12, "UNITS: unknown pressure unit \"bar\"", NULL);
    bad_subst("UNITS KPa \n", "", 12, "lacks UNITS (a required key)", NULL);
    bad_subst("COLS 4\n", "", 12, "lacks COLS", NULL);
    bad_subst("SECONDS_PER_FRAME 0.01\n", "", 14, "lacks SECONDS_PER_FRAME", NULL);
    bad_subst("ROWS 3", "ROWS 300", 2, "ROWS: expected a whole number 1..256, found \"300\"", NULL);
    bad_subst("ASCII_DATA @@", "ASCII_DATA_MISSING x", 26, "expected ASCII_DATA @@", NULL);
    /* Empty file, forced and detected. */
    {
        struct rmat_import_opts o;
        rmat_import_opts_init(&o);
        o.format = RMAT_IMPORT_TEKSCAN;
        import_bad("", 0, ".asf", &o, RMAT_E_FORMAT, 0, "the file is empty", (const char *)NULL);
        import_bad("", 0, ".asf", NULL, RMAT_E_FORMAT, 0, "the file is empty", (const char *)NULL);
    }
}

static void test_import_tekscan_long_line_errors(void **state)
{
    char *t;
    (void)state;
    /* Raw Sum disagreeing with the cells: 60 printed, 61 found. */
    t = subst(iscan, "0,30,B,0,B,,", "0,31,B,0,B,,");
    bad(t, 18, "Raw Sum=60 but frame 1's cells add up to 61 (lines 19-20)", NULL);
    free(t);
    /* Time going backwards: 0.04 then 0.03. */
    t = subst(iscan, "Frame 3, 0.04", "Frame 3, 0.01");
    bad(t, 26, "time goes backwards: 0.010000 s after 0.020000 s", NULL);
    free(t);
    /* Raw counts must be whole numbers. */
    t = subst(iscan, "B,0,B,7,B", "B,0,B,6.5,B");
    {
        char *u = subst(t, "Raw Sum=,,7", "Raw Sum=,,6.5");
        bad(u, 22, "raw counts must be whole numbers", NULL);
        free(u);
    }
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_tekscan_spec_example),
        cmocka_unit_test(test_import_tekscan_iscan_long_lines_raw_crlf),
        cmocka_unit_test(test_import_tekscan_area_warning_and_units),
        cmocka_unit_test(test_import_tekscan_errors),
        cmocka_unit_test(test_import_tekscan_long_line_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
