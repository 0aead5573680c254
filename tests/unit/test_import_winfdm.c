/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zebris WinFDM raw ASCII (analysis/import/zebris_fdm.c; IMPORT.md §8):
 * the spec's example completed, in CRLF and Latin-1: the force table first
 * (attribution zeros), `Platform {` never closed, `Frame count` that is not
 * a frame, frames with centre-of-force cells; checked by hand; --redact;
 * the count checks and other §13 errors. */
#include "import_rec.h"

static char *build(void)
{
    char *s = NULL, *crlf;
    cat(&s, "Person\tExample Person\n"             /* 1 */
            "Born\t\n"                             /* 2 */
            "\n"                                   /* 3 */
            "Record\t02-01-2024 demo barfu\xdf\n"  /* 4 */
            "Application\tstatplat\n"              /* 5 */
            "Creation date\t02/01/2024 15:04:05\n" /* 6 */
            "Exercises\t{\n"                       /* 7 */
            "1\tGait\t0.00\t0.02\n"                /* 8 */
            "}\n"                                  /* 9 */
            "\n"                                   /* 10 */
            "Frequency,Hz\t100.000\n"              /* 11 */
            "Count\t2\n"                           /* 12 */
            "\n"                                   /* 13 */
            "Time,ms\tl force,N\tr force,N\n"      /* 14 */
            "Calibr\t\t\t\t\n"                     /* 15 */
            "\n"                                   /* 16 */
            "0\t0.0\t4.2\n"                        /* 17 */
            "10\t0.0\t0.0\n"                       /* 18 */
            "\n"                                   /* 19 */
            "\n"                                   /* 20 */
            "Platform {\n"                         /* 21 */
            "Columns\t3\n"                         /* 22 */
            "Lines\t2\n"                           /* 23 */
            "Cell width,mm\t7.5\n"                 /* 24 */
            "Cell height,mm\t7.5\n"                /* 25 */
            "Units\tN/cm^2\n"                      /* 26 */
            "Frame count\t2\n"                     /* 27 */
            "Frequency\t100.00\n"                  /* 28 */
            "\n"                                   /* 29 */
            "Frame 1 {\n"                          /* 30 */
            "Exercise1\n"                          /* 31 */
            "Time, ms\t0.00\n"                     /* 32 */
            "Center of force\t(x2,y1)\n"           /* 33 */
            "\n"                                   /* 34 */
            "\tx1\tx2\tx3\n"                       /* 35 */
            "y1\t0.00\t5.50\t2.00\n"               /* 36 */
            "y2\t0.00\t0.00\t0.00\n"               /* 37 */
            "}\n"                                  /* 38 */
            "Frame 2 {\n"                          /* 39 */
            "Exercise1\n"                          /* 40 */
            "Time, ms\t10.00\n"                    /* 41 */
            "Center of force\t(x1,y2)\n"           /* 42 */
            "\n"                                   /* 43 */
            "\tx1\tx2\tx3\n"                       /* 44 */
            "y1\t0.00\t0.00\t0.00\n"               /* 45 */
            "y2\t1.50\t0.00\t0.00\n"               /* 46 */
            "}\n");                                /* 47 */
    crlf = to_crlf(s);
    free(s);
    return crlf;
}

static void test_import_winfdm_by_hand(void **state)
{
    char *text = build();
    struct rec *r;
    const struct rec_part *p;
    (void)state;
    r = import_ok(text, ".txt", NULL);
    p = &r->part[0];
    assert_string_equal(p->format, "zebris-raw");
    assert_string_equal(p->endings, "CRLF");
    assert_string_equal(p->variant, "statplat");
    assert_int_equal(p->rows, 2);
    assert_int_equal(p->cols, 3);
    close_to(p->pitch_x_mm, 7.5, 0);
    close_to(p->pitch_y_mm, 7.5, 0);
    close_to(p->to_kpa, 10.0, 0);
    close_to(p->rate_hz, 100.0, 1e-9);
    for (int i = 0; i < 6; i++)
        assert_int_equal(p->mask[i], 1);
    assert_true(p->start.known);
    assert_int_equal(p->start.hour, 15);
    /* Latin-1 sharp s as UTF-8; CR gone; the Platform block in the header. */
    expect_in(p->header, "Record\t02-01-2024 demo barfu\xc3\x9f\n");
    expect_in(p->header, "Platform {\nColumns\t3\n");
    expect_in(p->header, "Person\tExample Person\n");
    assert_null(strstr(p->header, "Frame 1 {"));
    /* "Frame count" is not a frame: two frames. */
    assert_int_equal(p->frames, 2);
    assert_int_equal(r->nframes, 2);
    /* Frame 1: 5.5 and 2.0 N/cm2 = 55 and 20 kPa on 7.5 x 7.5 = 56.25 mm2:
     * force = 75 * 56.25 / 1000 = 4.21875 N; area 112.5 mm2; peak 55;
     * CoP x = (55*11.25 + 20*18.75) / 75 = 993.75/75 = 13.25 mm, y = 3.75. */
    assert_int_equal(r->frame[0].seq, 1);
    assert_int_equal(r->frame[0].t_us, 0);
    close_to(r->frame[0].force_n, 4.21875, 1e-9);
    close_to(r->frame[0].area_mm2, 112.5, 1e-9);
    close_to(r->frame[0].peak_kpa, 55, 0);
    close_to(r->frame[0].cop_x_mm, 13.25, 1e-9);
    close_to(r->frame[0].cop_y_mm, 3.75, 1e-9);
    /* Frame 2 at 10 ms: 15 kPa at (y2, x1): 0.84375 N, though its table line
     * says 0.0 for both feet (an attribution, not a total). */
    assert_int_equal(r->frame[1].t_us, 10000);
    close_to(r->frame[1].force_n, 0.84375, 1e-9);
    /* /vendor: line k with frame k; the centre of force cell (x2, y1) as
     * cop = ((2 - 0.5) 7.5, (1 - 0.5) 7.5) = (11.25, 3.75) mm. */
    assert_int_equal(r->nvrows, 2);
    assert_int_equal(r->vrow[0].frame, 0);
    assert_int_equal(r->vrow[0].n, 4);
    assert_string_equal(r->vrow[0].name[0], "l_force_n");
    assert_string_equal(r->vrow[0].name[1], "r_force_n");
    close_to(r->vrow[0].value[1], 4.2, 0);
    assert_string_equal(r->vrow[0].name[2], "cop_x_mm");
    close_to(r->vrow[0].value[2], 11.25, 1e-12);
    close_to(r->vrow[0].value[3], 3.75, 1e-12);
    close_to(r->vrow[1].t_s, 0.01, 1e-12);
    close_to(r->vrow[1].value[1], 0.0, 0);
    /* The per-foot forces imply 1000 * 4.2 / 75 = 56 mm2 per sensel, within
     * 2% of 56.25: recorded, no warning. */
    expect_in(p->attrs, "implied_sensel_area_mm2=56\n");
    assert_null(strstr(p->warnings, "imply"));
    rec_free(r);
    {
        struct rmat_import_opts o;
        rmat_import_opts_init(&o);
        o.redact = 1;
        r = import_ok(text, ".txt", &o);
        expect_in(r->part[0].header, "Person\t\nBorn\t\n");
        assert_null(strstr(r->part[0].header, "Example Person"));
        rec_free(r);
    }
    free(text);
}

static void bad(const char *from, const char *to, long line, const char *n1)
{
    char *base = build(), *t = subst(base, from, to);
    import_bad(t, strlen(t), ".txt", NULL, RMAT_E_FORMAT, line, n1, (const char *)NULL);
    free(t);
    free(base);
}

static void test_import_winfdm_errors(void **state)
{
    (void)state;
    bad("Count\t2", "Count\t3", 0, "Count (line 12) says 3 frames, the file holds 2");
    bad("Frame count\t2", "Frame count\t1", 0,
        "Frame count (line 27) says 1 frames, the file holds 2");
    bad("10\t0.0\t0.0\r\n", "", 0, "the force table (line 14) has 1 lines, the file 2 frames");
    bad("y2\t1.50\t0.00\t0.00", "y2\t1.50\t0.00", 46,
        "expected 3 values (Columns, line 22), found 2");
    bad("y2\t1.50\t0.00\t0.00", "y2\t1.5O\t0.00\t0.00", 46,
        "value 1 is \"1.5O\": expected a number");
    bad("y2\t1.50\t0.00\t0.00\r\n", "", 46, "frame 2 ends after 1 of 2 lines (Lines, line 23)");
    bad("Time, ms\t10.00", "Time, ms\t-5.00", 39, "time goes backwards");
    bad("Units\tN/cm^2", "Units\tbar", 26, "Units: unknown pressure unit \"bar\"");
    bad("Cell width,mm\t7.5\r\n", "", 29, "Platform { (line 21) lacks Cell width (a required key)");
    {
        char *base = build();
        *strstr(base, "}\r\nFrame 2") = '\0';
        import_bad(base, strlen(base), ".txt", NULL, RMAT_E_FORMAT, 0,
                   "Count (line 12) says 2 frames, the file holds 1", (const char *)NULL);
        free(base);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_winfdm_by_hand),
        cmocka_unit_test(test_import_winfdm_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
