/* SPDX-License-Identifier: GPL-3.0-or-later */
/* In-bed pressure-map text (analysis/import/inbed.c; IMPORT.md §10):
 * 2048-value lines detected as the 64 x 32 preset, each ending with a TAB
 * (not one more value), CRLF; the spec's 2 x 3 example with --rows/--cols;
 * --drop-first/--drop-last; the required options and §13 errors. */
#include "import_rec.h"

/* Frame k of the preset: 100 counts at (row 3, col 5) and 50 * k at
 * (row 10, col 20), else 0. */
static char *preset(int frames, int crlf)
{
    char *s = NULL;
    for (int k = 0; k < frames; k++) {
        for (int i = 0; i < 2048; i++) {
            const int v = i == 3 * 32 + 5 ? 100 : i == 10 * 32 + 20 ? 50 * k : 0;
            cat(&s, "%d\t", v);
        }
        cat(&s, crlf ? "\r\n" : "\n");
    }
    return s;
}

static struct rmat_import_opts opts(void)
{
    struct rmat_import_opts o;
    rmat_import_opts_init(&o);
    o.pitch_x_mm = 10;
    o.rate_hz = 5;
    return o;
}

static void test_import_inbed_preset_by_hand(void **state)
{
    char *text = preset(4, 1);
    struct rmat_import_opts o = opts();
    struct rec *r;
    (void)state;
    r = import_ok(text, ".txt", &o);
    assert_string_equal(r->part[0].format, "inbed");
    assert_string_equal(r->part[0].endings, "CRLF");
    assert_int_equal(r->part[0].rows, 64);
    assert_int_equal(r->part[0].cols, 32);
    assert_int_equal(r->part[0].counts, 1);
    close_to(r->part[0].pitch_y_mm, 10, 0);
    close_to(r->part[0].rate_hz, 5, 0);
    assert_int_equal(r->nframes, 4);
    /* Line 1 is frame 0 (seq 0, t 0); 2048 values, not 2049. Frame 2: 100
     * counts at (3, 5) and 100 at (10, 20): centres (c + 0.5) 10 mm: CoP x =
     * (100*55 + 100*205) / 200 = 130 mm, y = (100*35 + 100*105) / 200 = 70. */
    assert_int_equal(r->frame[0].seq, 0);
    assert_int_equal(r->frame[2].seq, 2);
    assert_int_equal(r->frame[2].t_us, 400000);
    assert_true(r->frame[2].v[3 * 32 + 5] == 100.0f);
    close_to(r->frame[2].cop_x_mm, 130, 1e-9);
    close_to(r->frame[2].cop_y_mm, 70, 1e-9);
    close_to(r->frame[0].cop_x_mm, 55, 1e-9);
    rec_free(r);
    /* Saturated ends cut: frames 1 and 2 remain, labels and times kept. */
    o.drop_first = 1;
    o.drop_last = 1;
    r = import_ok(text, ".txt", &o);
    assert_int_equal(r->nframes, 2);
    assert_int_equal(r->frame[0].seq, 1);
    assert_int_equal(r->frame[0].t_us, 200000);
    assert_int_equal(r->frame[1].seq, 2);
    assert_true(r->part[0].sha256[0] != '\0');
    rec_free(r);
    free(text);
}

static void test_import_inbed_spec_example(void **state)
{
    static const char ex[] = "0\t0\t12\t0\t5\t0\t\n3\t0\t40\t7\t0\t0\t\n";
    struct rmat_import_opts o = opts();
    struct rec *r;
    (void)state;
    o.format = RMAT_IMPORT_INBED;
    o.rows = 2;
    o.cols = 3;
    r = import_ok(ex, ".txt", &o);
    assert_int_equal(r->nframes, 2);
    /* Frame 0: [0 0 12; 0 5 0]; frame 1: [3 0 40; 7 0 0]. */
    assert_true(r->frame[0].v[2] == 12.0f && r->frame[0].v[4] == 5.0f);
    assert_true(r->frame[1].v[2] == 40.0f && r->frame[1].v[3] == 7.0f);
    rec_free(r);
}

static void test_import_inbed_errors(void **state)
{
    struct rmat_import_opts o = opts();
    char *text = preset(2, 0), *t;
    (void)state;
    o.pitch_x_mm = NAN;
    import_bad(text, strlen(text), ".txt", &o, RMAT_E_ARG, 0, "--pitch-mm X[,Y] is required",
               (const char *)NULL);
    o = opts();
    o.rate_hz = NAN;
    import_bad(text, strlen(text), ".txt", &o, RMAT_E_ARG, 0, "--rate-hz is required",
               (const char *)NULL);
    o = opts();
    o.format = RMAT_IMPORT_INBED;
    /* Line 2 one value short, one value not a number, a negative count. */
    t = strdup(text);
    strcpy(t + strlen(t) - 3, "\n"); /* drops "0\t" at the end of line 2 */
    import_bad(t, strlen(t), ".txt", &o, RMAT_E_FORMAT, 2,
               "expected 2048 values (64 x 32, the 64 x 32 preset), found 2047",
               (const char *)NULL);
    free(t);
    t = subst(text, "\n0\t", "\nx\t");
    import_bad(t, strlen(t), ".txt", &o, RMAT_E_FORMAT, 2,
               "value 1 is \"x\": expected a whole number", (const char *)NULL);
    free(t);
    t = subst(text, "\n0\t", "\n-3\t");
    import_bad(t, strlen(t), ".txt", &o, RMAT_E_FORMAT, 2,
               "raw counts must be whole numbers 0..65535", (const char *)NULL);
    free(t);
    o.drop_first = 2;
    import_bad(text, strlen(text), ".txt", &o, RMAT_E_ARG, 0, "leave none of 2 frames",
               (const char *)NULL);
    o = opts();
    o.format = RMAT_IMPORT_INBED;
    import_bad("", 0, ".txt", &o, RMAT_E_FORMAT, 0, "the file is empty", (const char *)NULL);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_inbed_preset_by_hand),
        cmocka_unit_test(test_import_inbed_spec_example),
        cmocka_unit_test(test_import_inbed_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
