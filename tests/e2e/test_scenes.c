/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The shipped scenes of the virtual mat (firmware/boards/sim/scenes): each
 * runs whole through the physics and the sensor model and keeps to what
 * its file says; one goes end to end through the wire and `rollmat
 * record`, and the force and contact width measured from the recorded
 * counts match the ground truth; bit errors on the link hit exactly the
 * frames the truth names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmat_test.h"
#include "rollmat/metrics.h"
#include "rollmat/reader.h"
#include "scene.h"
#include "sim.h"
#include "vmat.h"

static const char *const shipped[] = {"quadriceps", "calf", "lacrosse", "upper-back", "constant"};
#define N_SHIPPED (sizeof shipped / sizeof shipped[0])

static struct rmat_scene *load(const char *name)
{
    char path[1024], err[600];
    struct rmat_scene *sc = NULL;

    snprintf(path, sizeof path, "%s/%s.scene", RMAT_SCENE_DIR, name);
    if (rmat_scene_load(path, &sc, err, sizeof err) != 0)
        fail_msg("%s", err);
    return sc;
}

/* The p-weighted centre of the sensels at or over 5 kPa (docs/metrics.md's
 * default threshold), counts turned into kPa with the nominal curve. */
static int centre_of_pressure(const struct rmat_scene *sc, const uint16_t *counts, double *x,
                              double *y)
{
    double w = 0, wx = 0, wy = 0;
    for (int i = 0; i < sc->rows; i++)
        for (int j = 0; j < sc->cols; j++) {
            const double p = rmat_sim_fsr_pressure_kpa(&sc->sensor, counts[i * sc->cols + j]);
            if (p < 5)
                continue;
            w += p;
            wx += p * (j + 0.5) * sc->pitch_mm;
            wy += p * (i + 0.5) * sc->pitch_mm;
        }
    if (!(w > 0))
        return 0;
    *x = wx / w;
    *y = wy / w;
    return 1;
}

/* Every scene, whole, at 50 Hz: on the grid the Hertz contact carries the
 * roller's force; the ADC never saturates; the counts put the centre of
 * pressure within one pitch of the roller; off the mat (lifts) the counts
 * are the noise floor. */
static void test_scenes_run_whole_and_follow_truth(void **state)
{
    (void)state;
    for (size_t s = 0; s < N_SHIPPED; s++) {
        struct rmat_scene *sc = load(shipped[s]);
        struct rmat_vmat *vm;
        uint16_t *counts = calloc((size_t)(sc->rows * sc->cols), sizeof *counts);
        const int adc_max = (1 << sc->sensor.adc_bits) - 1;
        double worst_force = 0, worst_cop = 0, min_kpa = 1e9, max_kpa = 0;
        int top = 0, lift_top = 0, frames = 0, lifted = 0;

        assert_non_null(counts);
        assert_int_equal(rmat_vmat_new(sc, 0, &vm), 0);
        for (double t = 0; t < sc->duration_s; t += 0.02, frames++) {
            struct rmat_vmat_truth tr;
            double x = NAN, y = NAN;
            rmat_vmat_frame(vm, t, counts, &tr);
            if (!tr.contact) {
                lifted++;
                for (int k = 0; k < sc->rows * sc->cols; k++)
                    lift_top = counts[k] > lift_top ? counts[k] : lift_top;
                continue;
            }
            for (int k = 0; k < sc->rows * sc->cols; k++)
                top = counts[k] > top ? counts[k] : top;
            if (fabs(tr.grid_force_n - tr.force_n) / tr.force_n > worst_force)
                worst_force = fabs(tr.grid_force_n - tr.force_n) / tr.force_n;
            assert_true(centre_of_pressure(sc, counts, &x, &y));
            if (hypot(x - tr.cop_x_mm, y - tr.cop_y_mm) > worst_cop)
                worst_cop = hypot(x - tr.cop_x_mm, y - tr.cop_y_mm);
            min_kpa = tr.mean_kpa < min_kpa ? tr.mean_kpa : min_kpa;
            max_kpa = tr.mean_kpa > max_kpa ? tr.mean_kpa : max_kpa;
        }
        print_message("%-10s %6.1f s, %d frames (%d lifted): force on grid within %.1e, CoP "
                      "within %.2f mm, mean %.0f..%.0f kPa, counts up to %d\n",
                      shipped[s], sc->duration_s, frames, lifted, worst_force, worst_cop, min_kpa,
                      max_kpa, top);
        assert_true(worst_force < 0.01);
        assert_true(worst_cop < sc->pitch_mm);
        assert_true(top < adc_max);
        assert_true(top > adc_max / 3); /* the ADC's range is used */
        assert_true(lift_top <= 6 * sc->sensor.noise_counts + 1);
        /* Foam rolling pressures: tens of kPa, a ball up to about 150. */
        assert_true(min_kpa > 20 && max_kpa < 150);
        free(counts);
        rmat_vmat_free(vm);
        rmat_scene_free(sc);
    }
}

/* Passes, holds and lifts tile each scene; within rolling, passes turn at
 * every boundary; every hold is a turning point (the roller comes in one
 * way and leaves the other), so an analysis sees a pass end there. */
static void test_scenes_timeline_of_passes_and_holds(void **state)
{
    (void)state;
    for (size_t s = 0; s < N_SHIPPED; s++) {
        struct rmat_scene *sc = load(shipped[s]);
        double covered = 0;

        for (int i = 0; i < sc->n_passes; i++)
            covered += sc->passes[i].t_end_s - sc->passes[i].t_start_s;
        for (int i = 0; i < sc->n_holds; i++)
            covered += sc->holds[i].duration_s;
        for (int k = 0; k < sc->n_segments; k++)
            if (sc->seg[k].kind == RMAT_SEG_LIFT)
                covered += sc->seg[k].duration_s;
        assert_true(fabs(covered - sc->duration_s) < 1e-6);
        assert_true(sc->duration_s >= 60 && sc->duration_s <= 180);
        for (int i = 1; i < sc->n_passes; i++) {
            const struct rmat_scene_pass *a = &sc->passes[i - 1], *b = &sc->passes[i];
            int lifted = 0;
            for (int k = 0; k < sc->n_segments; k++)
                lifted |= sc->seg[k].kind == RMAT_SEG_LIFT && sc->seg[k].t_start_s >= a->t_end_s &&
                          sc->seg[k].t_start_s < b->t_start_s;
            if (!lifted)
                assert_int_equal(a->direction, -b->direction);
            assert_true(b->t_start_s >= a->t_end_s - 1e-9);
        }
        rmat_scene_free(sc);
    }
}

/* What the files say they are, against the numbers they were written to. */
static void test_scenes_keep_to_their_descriptions(void **state)
{
    struct rmat_scene *sc;
    (void)state;

    /* quadriceps: one 30-45 s hold, tissue 20% softer by the end, passes of
     * 220 mm at 20 cycles a minute (1.5 s each). */
    sc = load("quadriceps");
    assert_int_equal(sc->n_holds, 1);
    assert_true(sc->holds[0].duration_s >= 30 && sc->holds[0].duration_s <= 45);
    assert_true(fabs(rmat_scene_estar_kpa(sc, sc->duration_s) / rmat_scene_estar_kpa(sc, 0) - 0.8) <
                1e-9);
    assert_true(fabs(sc->passes[3].t_end_s - sc->passes[3].t_start_s - 1.5) < 1e-9);
    assert_true(fabs(sc->passes[3].amplitude_mm - 220) < 1e-6);
    assert_int_equal(sc->shape, RMAT_SIM_CYLINDER);
    rmat_scene_free(sc);

    /* calf: several trigger-point holds of 3-8 s between rolling. */
    sc = load("calf");
    assert_true(sc->n_holds >= 3);
    for (int i = 0; i < sc->n_holds; i++)
        assert_true(sc->holds[i].duration_s >= 3 && sc->holds[i].duration_s <= 8);
    assert_true(rmat_scene_estar_kpa(sc, sc->duration_s) < rmat_scene_estar_kpa(sc, 0));
    rmat_scene_free(sc);

    /* lacrosse: a ball of 63.5 mm. */
    sc = load("lacrosse");
    assert_int_equal(sc->shape, RMAT_SIM_BALL);
    assert_true(sc->radius_mm == 31.75);
    assert_true(sc->n_holds >= 1);
    rmat_scene_free(sc);

    /* upper back: the roller at 30 degrees, rolled across its axis. */
    sc = load("upper-back");
    assert_true(sc->axis_deg == 30);
    assert_true(fabs(sc->rolling_axis_deg - 120) < 1e-9);
    rmat_scene_free(sc);

    /* constant: the same tissue all along, at one force, no holds. */
    sc = load("constant");
    assert_true(rmat_scene_estar_kpa(sc, sc->duration_s) == rmat_scene_estar_kpa(sc, 0));
    assert_int_equal(sc->n_holds, 0);
    for (int k = 0; k < sc->n_segments; k++)
        assert_true(sc->seg[k].force0_n == sc->force_n && sc->seg[k].force1_n == sc->force_n);
    rmat_scene_free(sc);
}

/* --- through the wire ------------------------------------------------------ */

static pid_t start_sim(char **extra, const char *dir, char *url, size_t cap)
{
    char url_file[600], truth_dir[600], log[600];
    char *argv[24];
    int n = 0;
    char *text;
    pid_t pid;

    snprintf(url_file, sizeof url_file, "%s/sim.url", dir);
    snprintf(truth_dir, sizeof truth_dir, "%s/truth", dir);
    snprintf(log, sizeof log, "%s/sim.log", dir);
    argv[n++] = (char *)RMAT_SIM_EXE;
    argv[n++] = (char *)"--listen";
    argv[n++] = (char *)"127.0.0.1:0";
    argv[n++] = (char *)"--url-file";
    argv[n++] = url_file;
    argv[n++] = (char *)"--truth-dir";
    argv[n++] = truth_dir;
    argv[n++] = (char *)"--once";
    while (*extra && n < 23)
        argv[n++] = *extra++;
    argv[n] = NULL;
    pid = rmat_test_spawn(argv, log);
    assert_true(pid > 0);
    assert_int_equal(rmat_test_wait_file(url_file, 10000), 0);
    text = rmat_test_slurp(url_file, NULL);
    assert_non_null(text);
    text[strcspn(text, "\n")] = '\0';
    snprintf(url, cap, "%s", text);
    free(text);
    return pid;
}

/* Records; what `rollmat record` says goes to rec.log beside rec. */
static void record(const char *url, const char *rec, const char *seconds, int dense)
{
    char log[700];
    char *argv[] = {(char *)RMAT_CLI_EXE,
                    (char *)"record",
                    (char *)"--device",
                    (char *)url,
                    (char *)"--duration",
                    (char *)seconds,
                    (char *)"-o",
                    (char *)rec,
                    dense ? (char *)"--dense" : NULL,
                    NULL};
    snprintf(log, sizeof log, "%s.log", rec);
    assert_int_equal(rmat_test_wait(rmat_test_spawn(argv, log), 60000), 0);
}

static double json_number(const char *json, const char *key)
{
    char pat[80];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(json, pat);
    if (!p)
        fail_msg("no \"%s\" in truth.json", key);
    return strtod(p + strlen(pat), NULL);
}

struct truth_frame {
    int contact;
    double force_n, width_mm;
};

/* Column index of name in the CSV header line. */
static int column(const char *header, const char *name)
{
    int i = 0;
    const char *p = header;
    for (;;) {
        const size_t len = strcspn(p, ",\n");
        if (len == strlen(name) && strncmp(p, name, len) == 0)
            return i;
        if (p[len] != ',')
            fail_msg("no column %s in truth_frames.csv", name);
        p += len + 1;
        i++;
    }
}

/* truth_frames.csv by seq (one connection). */
static struct truth_frame *load_truth(const char *dir, size_t *n)
{
    char path[700], line[1024];
    struct truth_frame *v = NULL;
    size_t cap = 0;
    int c_seq, c_contact, c_force, c_width;
    FILE *f;

    snprintf(path, sizeof path, "%s/truth/truth_frames.csv", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_true(strncmp(line, "seq,t_us,t_s,cop_x_mm,cop_y_mm,", 31) == 0);
    c_seq = column(line, "seq");
    c_contact = column(line, "contact");
    c_force = column(line, "force_n");
    c_width = column(line, "width_mm");
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        double field[32];
        char *p = line;
        int k = 0;
        size_t seq;
        while (k < 32) {
            field[k++] = strtod(p, &p);
            if (*p != ',')
                break;
            p++;
        }
        seq = (size_t)field[c_seq];
        if (seq >= cap) {
            cap = cap ? 2 * cap : 1024;
            while (cap <= seq)
                cap *= 2;
            v = realloc(v, cap * sizeof *v);
            assert_non_null(v);
        }
        v[seq].contact = (int)field[c_contact];
        v[seq].force_n = field[c_force];
        v[seq].width_mm = field[c_width];
        if (seq + 1 > *n)
            *n = seq + 1;
    }
    fclose(f);
    return v;
}

/* quadriceps.scene at 6x real time, 5 s of wall time (30 s of the scene:
 * the warm-up), recorded by `rollmat record`; each frame's counts through
 * the inverse of the sim's own curve (c_max, p_ref, k from truth.json),
 * then rmat_frame_metrics_compute at 5 kPa: force and contact width against
 * the truth's. */
static void test_scenes_recorded_force_and_width_match_truth(void **state)
{
    char dir[512], url[300], rec[600], path[700], scene[1024];
    char *extra[] = {(char *)"--scene", scene, (char *)"--speed", (char *)"6", NULL};
    struct rmat_sim_sensor_model m;
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    const struct rmat_recording_info *info;
    struct truth_frame *truth;
    struct rmat_grid g;
    uint16_t *raw;
    uint32_t *seq;
    double *p, sum_f = 0, sum_ft = 0, sum_w = 0, sum_wt = 0;
    size_t n_truth, frames, used = 0, close_f = 0, close_w = 0, sensels;
    char *json;
    pid_t sim;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("scenes-e2e", dir, sizeof dir), 0);
    snprintf(scene, sizeof scene, "%s/quadriceps.scene", RMAT_SCENE_DIR);
    sim = start_sim(extra, dir, url, sizeof url);
    snprintf(rec, sizeof rec, "%s/rec.h5", dir);
    record(url, rec, "5", 0);
    assert_int_equal(rmat_test_wait(sim, 20000), 0);

    snprintf(path, sizeof path, "%s/truth/truth.json", dir);
    json = rmat_test_slurp(path, NULL);
    assert_non_null(json);
    rmat_sim_sensor_model_default(&m, 12);
    m.c_max_counts = json_number(json, "c_max");
    m.p_ref_kpa = json_number(json, "p_ref_kpa");
    m.k = json_number(json, "k");
    frames = (size_t)json_number(json, "frames_sent");
    free(json);
    truth = load_truth(dir, &n_truth);

    assert_int_equal(rmat_reader_open(rec, &r, &ei), RMAT_OK);
    info = rmat_reader_info(r);
    assert_int_equal(info->frames, frames);
    assert_true(frames > 1500); /* 5 s at 600 frames a second, with room */
    g.rows = info->dev.rows;
    g.cols = info->dev.cols;
    g.pitch_x_mm = info->dev.pitch_x_mm;
    g.pitch_y_mm = info->dev.pitch_y_mm;
    sensels = (size_t)(g.rows * g.cols);
    raw = malloc(frames * sensels * sizeof *raw);
    seq = malloc(frames * sizeof *seq);
    p = malloc(sensels * sizeof *p);
    assert_true(raw && seq && p);
    assert_int_equal(rmat_reader_read(r, 0, frames, raw, seq, NULL, NULL, &ei), RMAT_OK);
    rmat_reader_close(r);

    for (size_t i = 0; i < frames; i++) {
        struct rmat_frame_metrics mt;
        const struct truth_frame *t;
        assert_true(seq[i] < n_truth);
        t = &truth[seq[i]];
        assert_true(t->contact);
        for (size_t k = 0; k < sensels; k++) {
            /* a count at the asymptote would be infinite pressure */
            const double c = raw[i * sensels + k];
            p[k] = rmat_sim_fsr_pressure_kpa(&m, c < m.c_max_counts ? c : m.c_max_counts - 0.5);
        }
        rmat_frame_metrics_compute(&g, p, 5.0, &mt);
        sum_f += mt.force_n;
        sum_ft += t->force_n;
        sum_w += mt.width_mm;
        sum_wt += t->width_mm;
        close_f += fabs(mt.force_n / t->force_n - 1) < 0.15;
        close_w += fabs(mt.width_mm / t->width_mm - 1) < 0.15;
        used++;
    }
    print_message("scenes: %zu frames recorded: force %.1f N (truth %.1f), width %.2f mm (truth "
                  "%.2f); within 15%%: force %zu, width %zu\n",
                  used, sum_f / (double)used, sum_ft / (double)used, sum_w / (double)used,
                  sum_wt / (double)used, close_f, close_w);
    assert_true(fabs(sum_f / sum_ft - 1) < 0.10);
    assert_true(fabs(sum_w / sum_wt - 1) < 0.10);
    assert_true(close_f >= used * 95 / 100);
    assert_true(close_w >= used * 95 / 100);
    free(raw);
    free(seq);
    free(p);
    free(truth);
}

/* Reads the [conn, seq] pairs of one list of truth.json's "run". */
static size_t id_list(const char *json, const char *key, uint32_t *out, size_t cap)
{
    char pat[80];
    const char *p;
    size_t n = 0;

    snprintf(pat, sizeof pat, "\"%s\": [", key);
    p = strstr(json, pat);
    assert_non_null(p);
    p += strlen(pat);
    while (*p == '[') {
        char *end;
        strtol(p + 1, &end, 10); /* the connection: always 1 here */
        assert_true(*end == ',');
        if (n < cap)
            out[n] = (uint32_t)strtoul(end + 1, &end, 10);
        n++;
        p = strchr(end, ']');
        assert_non_null(p);
        p++;
        if (*p == ',')
            p += 2;
    }
    return n;
}

static int has(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* --bit-errors: the frames missing from the recording are exactly those the
 * truth names as damaged (or lost with a damaged neighbour). */
static void test_scenes_bit_errors_named_in_truth(void **state)
{
    char dir[512], url[300], rec[600], path[700];
    char *extra[] = {(char *)"--bit-errors", (char *)"2e-5", (char *)"--fault-seed", (char *)"9",
                     NULL};
    static uint32_t damaged[4096], joined[4096];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    size_t n_damaged, n_joined, missing = 0, frames;
    uint32_t *seq, expect = 0;
    char *json;
    pid_t sim;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("scenes-biterr", dir, sizeof dir), 0);
    sim = start_sim(extra, dir, url, sizeof url);
    snprintf(rec, sizeof rec, "%s/rec.h5", dir);
    record(url, rec, "3", 1);
    assert_int_equal(rmat_test_wait(sim, 20000), 0);
    snprintf(path, sizeof path, "%s/truth/truth.json", dir);
    json = rmat_test_slurp(path, NULL);
    assert_non_null(json);
    n_damaged = id_list(json, "damaged_frames", damaged, 4096);
    n_joined = id_list(json, "joined_frames", joined, 4096);
    assert_true(json_number(json, "bits_flipped") > 0);
    free(json);

    assert_int_equal(rmat_reader_open(rec, &r, &ei), RMAT_OK);
    frames = rmat_reader_info(r)->frames;
    seq = malloc(frames * sizeof *seq);
    assert_non_null(seq);
    assert_int_equal(rmat_reader_read(r, 0, frames, NULL, seq, NULL, NULL, &ei), RMAT_OK);
    rmat_reader_close(r);
    /* 2e-5 a bit, 16.6 kbit a dense frame: about a third of them hit. */
    assert_true(n_damaged > 20 && n_damaged < 4096);
    for (size_t i = 0; i < frames; i++) {
        for (; expect < seq[i]; expect++) {
            if (!has(damaged, n_damaged, expect) && !has(joined, n_joined, expect))
                fail_msg("frame %u is missing, and the truth does not say it was hit", expect);
            missing++;
        }
        if (has(damaged, n_damaged, seq[i]))
            fail_msg("frame %u was recorded, but the truth says it was damaged", seq[i]);
        expect = seq[i] + 1;
    }
    print_message("scenes: %zu frames recorded, %zu missing, %zu named damaged, %zu joined\n",
                  frames, missing, n_damaged, n_joined);
    assert_true(missing > 20);
    free(seq);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenes_run_whole_and_follow_truth),
        cmocka_unit_test(test_scenes_timeline_of_passes_and_holds),
        cmocka_unit_test(test_scenes_keep_to_their_descriptions),
        cmocka_unit_test(test_scenes_recorded_force_and_width_match_truth),
        cmocka_unit_test(test_scenes_bit_errors_named_in_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
