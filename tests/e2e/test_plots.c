/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every figure of a session (plots.h), from a virtual-mat recording:
 *
 *  - the virtual mat plays the shipped quadriceps scene (20 cycles a
 *    minute, one 40 s hold, tissue softening) at 20 times real time with a
 *    few bits flipped on the link (so the recording has gap events);
 *    `rollmat record` records it; the test copies it with the library's
 *    writer, adding a mark, two pain ratings and a note at scene times it
 *    chooses (as the daemon would during a session);
 *  - `rollmat plot` analyses it and draws every figure;
 *  - each figure exists as a PNG (signature), an SVG and a PDF with a page;
 *  - the data files behind the figures hold the summary's numbers (peak
 *    pressure and force, passes, holds, cadence, the tissue response's
 *    slopes), and the scene's truth where it is known (the cadence, the
 *    hold's length, the events' times and ratings);
 *  - titles name the subject, region, side and date; axes carry units.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/reader.h"
#include "rollmat/recording.h"

/* Scene seconds per wall second. Host receive times resolve scene time
 * only to one read of the link, and a loaded machine at 20x read bursts
 * of 2 s of scene; at 5x a burst stays well under a second. */
#define SPEED "5"

static const char *const figures[] = {"map_peak_kpa", "map_pti_kpa_s", "map_dwell_s",
                                      "timeseries",   "cadence",       "tissue"};
#define N_FIGURES (sizeof figures / sizeof figures[0])

struct fixture {
    char dir[512], ana[600], plots[700];
    char *summary;
};

/* The events the test puts into the recording: scene seconds. */
static const struct {
    double t_s;
    const char *kind;
    double value;
    const char *text;
} added[] = {
    {20.0, "mark", NAN, "tender spot, mid-thigh"},
    {50.0, "pain", 6.0, "sharp during the hold"},
    {100.0, "pain", 3.0, ""},
    {110.0, "note", NAN, "slower strokes"},
};
#define N_ADDED (sizeof added / sizeof added[0])

static void path_in(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* Column col (by name) of a plot data file ("# a,b,c" header) or an
 * analysis CSV: the values of every row into v (up to cap); returns the
 * count. Text fields give NaN. */
static size_t column(const char *path, const char *col, double *v, size_t cap)
{
    char line[4096];
    FILE *f = fopen(path, "r");
    int idx = -1, k = 0;
    size_t n = 0;
    char *tok, *save;

    if (!f)
        print_error("cannot open %s\n", path);
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    line[strcspn(line, "\r\n")] = '\0';
    for (tok = strtok_r(line[0] == '#' ? line + 2 : line, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save), k++)
        if (strcmp(tok, col) == 0)
            idx = k;
    if (idx < 0)
        print_error("no column %s in %s\n", col, path);
    assert_true(idx >= 0);
    while (fgets(line, sizeof line, f)) {
        const char *p = line;
        char *end;
        if (line[0] == '\n' || line[0] == '#')
            continue;
        for (int i = 0; i < idx && p; i++) {
            p = strchr(p, ',');
            if (p)
                p++;
        }
        if (n < cap) {
            double x = p ? strtod(p, &end) : NAN;
            if (!p || end == p)
                x = NAN;
            v[n] = x;
        }
        n++;
    }
    fclose(f);
    return n;
}

static double max_of(const double *v, size_t n)
{
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

static void close_rel(const char *what, double got, double want, double rel)
{
    print_message("  %-36s %12.6g  want %12.6g\n", what, got, want);
    if (!(fabs(got - want) <= rel * fabs(want))) {
        print_error("%s: %g, want %g (within %g relative)\n", what, got, want, rel);
        fail();
    }
}

/* Copies the recording in to out (same frames, device and session) and
 * adds the test's events at their scene times: a scene second is placed
 * on the host clock through the recording's own first and last frames (at
 * 20 times real time a host second is 20 scene seconds). */
static void copy_with_events(const char *in, const char *out)
{
    struct rmat_reader *r;
    struct rmat_rec *w;
    struct rmat_errinfo ei;
    const struct rmat_recording_info *info;
    uint16_t *raw;
    uint32_t seq;
    uint64_t td, td0 = 0, tdl;
    int64_t th, th0 = 0, thl;

    assert_int_equal(rmat_reader_open(in, &r, &ei), RMAT_OK);
    info = rmat_reader_info(r);
    assert_true(info->frames > 100);
    assert_int_equal(rmat_rec_create(out, &info->dev, &info->meta, &w, &ei), RMAT_OK);
    raw = malloc((size_t)info->dev.rows * (size_t)info->dev.cols * sizeof *raw);
    assert_non_null(raw);
    for (uint64_t k = 0; k < info->frames; k++) {
        assert_int_equal(rmat_reader_read(r, k, 1, raw, &seq, &td, &th, &ei), RMAT_OK);
        if (k == 0) {
            td0 = td;
            th0 = th;
        }
        assert_int_equal(rmat_rec_append(w, seq, td, th, raw, &ei), RMAT_OK);
    }
    for (uint64_t k = 0; k < info->events; k++) {
        struct rmat_event e;
        assert_int_equal(rmat_reader_events(r, k, 1, &e, &ei), RMAT_OK);
        assert_int_equal(rmat_rec_event(w, e.t_host_ns, e.kind, e.value, e.text, &ei), RMAT_OK);
    }
    assert_int_equal(rmat_reader_read(r, info->frames - 1, 1, NULL, NULL, &tdl, &thl, &ei),
                     RMAT_OK);
    const double host_per_scene_ns = (double)(thl - th0) / ((double)(tdl - td0) * 1e-6);
    for (size_t i = 0; i < N_ADDED; i++) {
        const int64_t t = th0 + (int64_t)(added[i].t_s * host_per_scene_ns);
        assert_int_equal(rmat_rec_event(w, t, added[i].kind, added[i].value, added[i].text, &ei),
                         RMAT_OK);
    }
    assert_int_equal(rmat_rec_close(w, &ei), RMAT_OK);
    rmat_reader_close(r);
    free(raw);
}

static int setup(void **state)
{
    static struct fixture fx;
    char url_file[700], truth[700], rec[700], rec2[700], out[700], scene[700], cal[700];
    char *url;
    int rc;

    memset(&fx, 0, sizeof fx);
    assert_int_equal(rmat_test_tmpdir("plots", fx.dir, sizeof fx.dir), 0);
    path_in(url_file, sizeof url_file, fx.dir, "sim.url");
    path_in(truth, sizeof truth, fx.dir, "truth");
    path_in(rec, sizeof rec, fx.dir, "raw.h5");
    path_in(rec2, sizeof rec2, fx.dir, "session.h5");
    path_in(fx.ana, sizeof fx.ana, fx.dir, "session");
    path_in(fx.plots, sizeof fx.plots, fx.ana, "plots");
    rmat_test_source_path(scene, sizeof scene, "firmware/boards/sim/scenes/quadriceps.scene");
    rmat_test_source_path(cal, sizeof cal, "firmware/boards/sim/virtual-mat.cal");
    {
        char *argv[] = {(char *)RMAT_SIM_EXE,
                        (char *)"--listen",
                        (char *)"127.0.0.1:0",
                        (char *)"--url-file",
                        url_file,
                        (char *)"--truth-dir",
                        truth,
                        (char *)"--scene",
                        scene,
                        (char *)"--speed",
                        (char *)SPEED,
                        (char *)"--bit-errors",
                        (char *)"2e-7",
                        (char *)"--once",
                        NULL};
        char sim_out[700];
        path_in(sim_out, sizeof sim_out, fx.dir, "sim.out");
        pid_t sim = rmat_test_spawn(argv, sim_out);
        assert_true(sim > 0);
        assert_int_equal(rmat_test_wait_file(url_file, 10000), 0);
        url = rmat_test_slurp(url_file, NULL);
        assert_non_null(url);
        url[strcspn(url, "\n")] = '\0';
        char *rargv[] = {(char *)RMAT_CLI_EXE,
                         (char *)"record",
                         (char *)"--device",
                         url,
                         (char *)"--duration",
                         (char *)"60",
                         (char *)"-o",
                         rec,
                         (char *)"--subject",
                         (char *)"P012",
                         (char *)"--region",
                         (char *)"quadriceps",
                         (char *)"--side",
                         (char *)"left",
                         (char *)"--roller",
                         (char *)"foam-firm",
                         (char *)"--roller-diameter",
                         (char *)"150",
                         (char *)"--mounting",
                         (char *)"tissue",
                         (char *)"--body-mass",
                         (char *)"72",
                         (char *)"--started-utc",
                         (char *)"2026-03-02T09:30:00Z",
                         NULL};
        path_in(out, sizeof out, fx.dir, "record.out");
        /* The scene ends by itself and the recorder then stops on the
         * silence: its status is not the test, the files are. */
        (void)rmat_test_run(rargv, out, 120000);
        assert_int_equal(rmat_test_wait(sim, 20000), 0);
        free(url);
    }
    copy_with_events(rec, rec2);
    {
        char *argv[] = {(char *)RMAT_CLI_EXE,
                        (char *)"plot",
                        rec2,
                        (char *)"-o",
                        fx.ana,
                        (char *)"--calibration",
                        cal,
                        NULL};
        path_in(out, sizeof out, fx.dir, "plot.out");
        rc = rmat_test_run(argv, out, 240000);
        if (rc != 0) {
            char *o = rmat_test_slurp(out, NULL);
            print_error("rollmat plot failed (%d):\n%s\n", rc, o ? o : "");
            free(o);
        }
        assert_int_equal(rc, 0);
    }
    path_in(out, sizeof out, fx.ana, "summary.json");
    fx.summary = rmat_test_slurp(out, NULL);
    assert_non_null(fx.summary);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    free(fx->summary);
    return 0;
}

static void test_plots_every_figure_in_three_formats(void **state)
{
    struct fixture *fx = *state;
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char path[900], out[900];

    for (size_t i = 0; i < N_FIGURES; i++) {
        unsigned char head[8];
        size_t len;
        char *s;
        FILE *f;

        snprintf(path, sizeof path, "%s/%s.png", fx->plots, figures[i]);
        f = fopen(path, "rb");
        if (!f)
            print_error("missing %s\n", path);
        assert_non_null(f);
        assert_int_equal(fread(head, 1, 8, f), 8);
        fclose(f);
        assert_memory_equal(head, png_sig, 8);

        snprintf(path, sizeof path, "%s/%s.svg", fx->plots, figures[i]);
        s = rmat_test_slurp(path, &len);
        assert_non_null(s);
        assert_non_null(strstr(s, "<svg"));
        assert_non_null(strstr(s, "</svg>"));
        free(s);

        /* A PDF with at least one page: its trailer and a page object,
         * and pdfinfo's count where poppler-utils is installed. */
        snprintf(path, sizeof path, "%s/%s.pdf", fx->plots, figures[i]);
        s = rmat_test_slurp(path, &len);
        assert_non_null(s);
        assert_true(len > 1000 && memcmp(s, "%PDF-", 5) == 0);
        free(s);
        if (access("/usr/bin/pdfinfo", X_OK) == 0) {
            char *argv[] = {(char *)"/usr/bin/pdfinfo", path, NULL};
            snprintf(out, sizeof out, "%s/pdfinfo.out", fx->dir);
            assert_int_equal(rmat_test_run(argv, out, 30000), 0);
            s = rmat_test_slurp(out, NULL);
            assert_non_null(s);
            const char *p = strstr(s, "Pages:");
            assert_non_null(p);
            assert_true(atoi(p + 6) >= 1);
            free(s);
        }
        /* The script is kept beside the figure. */
        snprintf(path, sizeof path, "%s/%s.gp", fx->plots, figures[i]);
        assert_int_equal(access(path, R_OK), 0);
    }
}

static void test_plots_data_hold_the_summary(void **state)
{
    struct fixture *fx = *state;
    const char *sm = fx->summary;
    enum { CAP = 100000 };
    double *v = malloc(CAP * sizeof *v), *w = malloc(CAP * sizeof *w);
    char path[900];
    size_t n;

    assert_non_null(v);
    assert_non_null(w);

    /* The peak map's largest sensel is the session's peak pressure. */
    {
        FILE *f;
        double m = -INFINITY, x;
        snprintf(path, sizeof path, "%s/map_peak_kpa.csv", fx->plots);
        f = fopen(path, "r");
        assert_non_null(f);
        while (fscanf(f, "%lf%*[,\n]", &x) == 1)
            m = fmax(m, x);
        fclose(f);
        close_rel("peak map max (kPa)", m, rmat_test_json_num(sm, "peak_kpa"), 1e-6);
    }
    /* The time series keeps each bin's largest force and peak pressure. */
    snprintf(path, sizeof path, "%s/timeseries.csv", fx->plots);
    n = column(path, "force_max_n", v, CAP);
    assert_true(n > 100 && n <= 2000);
    close_rel("time series largest force (N)", max_of(v, n), rmat_test_json_num(sm, "peak_force_n"),
              1e-6);
    n = column(path, "peak_kpa", v, CAP);
    close_rel("time series largest pressure (kPa)", max_of(v, n),
              rmat_test_json_num(sm, "peak_kpa"), 1e-6);

    /* One shaded span per pass, one marked hold per hold. */
    snprintf(path, sizeof path, "%s/passes_spans.csv", fx->plots);
    n = column(path, "index", v, CAP);
    {
        size_t real = 0;
        for (size_t i = 0; i < n; i++)
            real += v[i] > 0;
        assert_int_equal(real, (size_t)rmat_test_json_num(sm, "passes"));
    }
    snprintf(path, sizeof path, "%s/holds_xy.csv", fx->plots);
    n = column(path, "index", v, CAP);
    assert_int_equal(n, (size_t)rmat_test_json_num(sm, "holds"));
    assert_int_equal(n, 1); /* the scene has one hold, of 40 s */
    snprintf(path, sizeof path, "%s/holds_spans.csv", fx->plots);
    column(path, "duration_s", v, CAP);
    close_rel("hold's length (s) vs the scene's 40 s", v[0], 40.0, 0.05);

    /* The cadence marked on the spectrum is the summary's; the spectrum's
     * own largest peak in the band agrees to within a bin; the scene rolls
     * at 20 cycles a minute. */
    snprintf(path, sizeof path, "%s/cadence_peak.csv", fx->plots);
    assert_int_equal(column(path, "cadence_cpm", v, CAP), 1);
    close_rel("cadence marked (cycles/min)", v[0], rmat_test_json_num(sm, "cadence_cpm"), 1e-6);
    close_rel("cadence vs the scene's 20", v[0], 20.0, 0.03);
    snprintf(path, sizeof path, "%s/spectrum.csv", fx->plots);
    n = column(path, "cpm", v, CAP);
    column(path, "power_rel", w, CAP);
    {
        double best = -1, at = NAN;
        for (size_t i = 0; i < n; i++)
            if (v[i] >= 3.0 && w[i] > best) {
                best = w[i];
                at = v[i];
            }
        assert_true(n > 2);
        const double bin = v[1] - v[0];
        print_message("  spectrum's own peak %.3f cycles/min (bin %.3f)\n", at, bin);
        assert_true(fabs(at - rmat_test_json_num(sm, "cadence_cpm")) <= bin);
        assert_true(fabs(best - 1.0) < 1e-9);
    }

    /* The tissue chart's lines: the summary's slopes, and the line fitted
     * to the plotted points agrees with them. */
    {
        static const char *const keys[] = {"mean_kpa", "width_mm", "compliance_mm3_n",
                                           "speed_mm_s"};
        double slope[4], sum_slope[4];
        snprintf(path, sizeof path, "%s/tissue_lines.csv", fx->plots);
        assert_int_equal(column(path, "slope_per_min", slope, 4), 4);
        assert_int_equal(column(path, "summary_slope_per_min", sum_slope, 4), 4);
        for (int q = 0; q < 4; q++) {
            const char *t = strstr(sm, "\"tissue\"");
            char what[96];
            assert_non_null(t);
            t = strstr(t, keys[q]);
            assert_non_null(t);
            snprintf(what, sizeof what, "tissue %s slope/min", keys[q]);
            close_rel(what, sum_slope[q], rmat_test_json_num(t, "slope_per_min"), 1e-9);
            /* the points are passes.csv's (7 digits): the refit agrees to
             * a part in 10^3 of the slope's interval */
            const double half =
                rmat_test_json_num(t, "ci95_high") - rmat_test_json_num(t, "slope_per_min");
            assert_true(fabs(slope[q] - rmat_test_json_num(t, "slope_per_min")) <=
                        1e-3 * half + 1e-12);
        }
        /* the scene's tissue softens: compliance and width grow */
        assert_true(sum_slope[2] > 0 && sum_slope[1] > 0);
    }

    /* The events where the test put them, with their ratings. */
    snprintf(path, sizeof path, "%s/events_pain.csv", fx->plots);
    assert_int_equal(column(path, "t_s", v, CAP), 2);
    column(path, "value", w, CAP);
    for (int i = 0; i < 2; i++) {
        print_message("  pain %g at %.3f s (put at %.1f s)\n", w[i], v[i], added[1 + i].t_s);
        /* within one burst of frames read together (see SPEED) */
        assert_true(fabs(v[i] - added[1 + i].t_s) < 1.0);
        assert_true(w[i] == added[1 + i].value);
    }
    snprintf(path, sizeof path, "%s/events_marks.csv", fx->plots);
    assert_int_equal(column(path, "t_s", v, CAP), 2);
    assert_true(fabs(v[0] - 20.0) < 0.5 && fabs(v[1] - 110.0) < 0.5);
    /* Frames lost on the link show as gaps. */
    snprintf(path, sizeof path, "%s/events_gaps.csv", fx->plots);
    n = column(path, "t_s", v, CAP);
    if (rmat_test_json_num(sm, "frames_lost") > 0)
        assert_true(n >= 1 && isfinite(v[0]));
    free(v);
    free(w);
}

static void test_plots_titles_and_units(void **state)
{
    struct fixture *fx = *state;
    char path[900];
    for (size_t i = 0; i < N_FIGURES; i++) {
        char *s;
        snprintf(path, sizeof path, "%s/%s.gp", fx->plots, figures[i]);
        s = rmat_test_slurp(path, NULL);
        assert_non_null(s);
        assert_non_null(strstr(s, "P012, quadriceps (left), 2026-03-02"));
        if (i <= 2) {
            assert_non_null(strstr(s, "'x (mm)'"));
            assert_non_null(strstr(s, "'y (mm)'"));
            assert_non_null(strstr(s, i == 0   ? "peak pressure (kPa)"
                                      : i == 1 ? "pressure-time integral (kPa·s)"
                                               : "time in contact (s)"));
            assert_non_null(strstr(s, "#fde725")); /* viridis */
        } else if (i == 3) {
            assert_non_null(strstr(s, "force (N)"));
            assert_non_null(strstr(s, "pressure (kPa)"));
            assert_non_null(strstr(s, "contact area (cm²)"));
            assert_non_null(strstr(s, "time since the first frame (s)"));
        } else if (i == 4) {
            assert_non_null(strstr(s, "cycles/min"));
        } else {
            assert_non_null(strstr(s, "compliance (mm³/N)"));
            assert_non_null(strstr(s, "time (min)"));
        }
        /* Okabe-Ito for lines */
        if (i >= 3)
            assert_non_null(strstr(s, "#0072B2"));
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plots_every_figure_in_three_formats),
        cmocka_unit_test(test_plots_data_hold_the_summary),
        cmocka_unit_test(test_plots_titles_and_units),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
