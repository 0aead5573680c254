/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End to end: virtual mat -> wire -> `rollmat record` -> HDF5 ->
 * `rollmat analyze` -> CSV and gnuplot PNG, checked against the virtual
 * mat's own ground truth (truth_frames.csv, truth.json), which comes from
 * the scene and never from the analysis. */
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
#include "rollmat/reader.h"

#define PITCH_MM 12.7

/* Starts the virtual mat on a free port; returns its pid, URL in url. */
static pid_t start_sim(const char *dir, char *url, size_t cap)
{
    char url_file[600], truth_dir[600];
    char *argv[12];
    char *text;
    pid_t pid;

    snprintf(url_file, sizeof url_file, "%s/sim.url", dir);
    snprintf(truth_dir, sizeof truth_dir, "%s/truth", dir);
    argv[0] = (char *)RMAT_SIM_EXE;
    argv[1] = (char *)"--listen";
    argv[2] = (char *)"127.0.0.1:0";
    argv[3] = (char *)"--url-file";
    argv[4] = url_file;
    argv[5] = (char *)"--truth-dir";
    argv[6] = truth_dir;
    argv[7] = (char *)"--once";
    argv[8] = NULL;
    pid = rmat_test_spawn(argv, NULL);
    assert_true(pid > 0);
    assert_int_equal(rmat_test_wait_file(url_file, 10000), 0);
    text = rmat_test_slurp(url_file, NULL);
    assert_non_null(text);
    text[strcspn(text, "\n")] = '\0';
    snprintf(url, cap, "%s", text);
    free(text);
    return pid;
}

/* Reads an unsigned number after "key": in a small JSON text. */
static double json_number(const char *json, const char *key)
{
    char pat[64];
    const char *p;

    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(json, pat);
    assert_non_null(p);
    return strtod(p + strlen(pat), NULL);
}

struct truth_row {
    double cop_x_mm, cop_y_mm;
};

/* Loads truth_frames.csv indexed by seq. */
static struct truth_row *load_truth(const char *dir, size_t *n)
{
    char path[600], line[512];
    FILE *f;
    struct truth_row *rows = NULL;
    size_t cap = 0;

    snprintf(path, sizeof path, "%s/truth/truth_frames.csv", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned seq;
        unsigned long long t_us;
        double t_s, x, y;
        assert_int_equal(sscanf(line, "%u,%llu,%lf,%lf,%lf", &seq, &t_us, &t_s, &x, &y), 5);
        if (seq >= cap) {
            cap = cap ? cap * 2 : 1024;
            while (cap <= seq)
                cap *= 2;
            rows = realloc(rows, cap * sizeof *rows);
            assert_non_null(rows);
        }
        rows[seq].cop_x_mm = x;
        rows[seq].cop_y_mm = y;
        if (seq + 1 > *n)
            *n = seq + 1;
    }
    fclose(f);
    return rows;
}

static void test_e2e_record_analyze_follows_truth(void **state)
{
    char dir[512], url[300], rec[600], ana[600], path[700], line[512];
    char *json;
    char *rec_argv[16], *ana_argv[8];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    const struct rmat_recording_info *info;
    struct truth_row *truth;
    size_t n_truth;
    uint32_t *seq;
    double frames_sent, y_min = 1e9, y_max = -1e9, worst = 0;
    uint64_t n;
    FILE *f;
    size_t rows = 0;
    pid_t sim;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("e2e", dir, sizeof dir), 0);
    sim = start_sim(dir, url, sizeof url);
    snprintf(rec, sizeof rec, "%s/rec.h5", dir);
    rec_argv[0] = (char *)RMAT_CLI_EXE;
    rec_argv[1] = (char *)"record";
    rec_argv[2] = (char *)"--device";
    rec_argv[3] = url;
    rec_argv[4] = (char *)"--duration";
    rec_argv[5] = (char *)"4";
    rec_argv[6] = (char *)"-o";
    rec_argv[7] = rec;
    rec_argv[8] = (char *)"--subject";
    rec_argv[9] = (char *)"e2e";
    rec_argv[10] = (char *)"--side";
    rec_argv[11] = (char *)"left";
    rec_argv[12] = NULL;
    assert_int_equal(rmat_test_wait(rmat_test_spawn(rec_argv, NULL), 60000), 0);
    /* --once: the mat exits when the recorder hangs up, writing truth.json */
    assert_int_equal(rmat_test_wait(sim, 20000), 0);

    snprintf(path, sizeof path, "%s/truth/truth.json", dir);
    json = rmat_test_slurp(path, NULL);
    assert_non_null(json);
    frames_sent = json_number(json, "frames_sent");
    assert_true(json_number(json, "frames_dropped") == 0);
    free(json);
    /* 4 s at 100 Hz, with room for a slow sanitized machine */
    assert_true(frames_sent >= 300 && frames_sent <= 500);

    /* Every frame the mat sent is in the file, seq without gaps. */
    assert_int_equal(rmat_reader_open(rec, &r, &ei), RMAT_OK);
    info = rmat_reader_info(r);
    n = info->frames;
    assert_int_equal(n, (uint64_t)frames_sent);
    assert_int_equal(info->dev.rows, 32);
    assert_int_equal(info->dev.cols, 32);
    assert_string_equal(info->meta.subject, "e2e");
    seq = malloc(n * sizeof *seq);
    assert_non_null(seq);
    assert_int_equal(rmat_reader_read(r, 0, n, NULL, seq, NULL, NULL, &ei), RMAT_OK);
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(seq[i], i);
    free(seq);
    rmat_reader_close(r);

    /* Analyse it. */
    snprintf(ana, sizeof ana, "%s/analysis", dir);
    ana_argv[0] = (char *)RMAT_CLI_EXE;
    ana_argv[1] = (char *)"analyze";
    ana_argv[2] = rec;
    ana_argv[3] = (char *)"-o";
    ana_argv[4] = ana;
    ana_argv[5] = NULL;
    snprintf(path, sizeof path, "%s/analyze.out", dir);
    assert_int_equal(rmat_test_wait(rmat_test_spawn(ana_argv, path), 120000), 0);

    /* The CoP track follows the band the mat drew, within one pitch. */
    truth = load_truth(dir, &n_truth);
    assert_true(n_truth >= n);
    snprintf(path, sizeof path, "%s/frames.csv", ana);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    /* No calibration given: the columns are in counts (units.h). */
    assert_true(
        strncmp(line, "t_s,raw_sum,area_cm2,mean_counts,peak_counts,cop_x_mm,cop_y_mm", 62) == 0);
    while (fgets(line, sizeof line, f)) {
        double t, force, area, mean, peak, x, y, err;
        assert_int_equal(
            sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf,%lf", &t, &force, &area, &mean, &peak, &x, &y),
            7);
        err = hypot(x - truth[rows].cop_x_mm, y - truth[rows].cop_y_mm);
        if (err > worst)
            worst = err;
        assert_true(err <= PITCH_MM);
        if (truth[rows].cop_y_mm < y_min)
            y_min = truth[rows].cop_y_mm;
        if (truth[rows].cop_y_mm > y_max)
            y_max = truth[rows].cop_y_mm;
        rows++;
    }
    fclose(f);
    free(truth);
    assert_int_equal(rows, n);
    /* The band really moved: 4 s of a 4 s cycle covers the whole stroke. */
    assert_true(y_max - y_min > 100.0);
    print_message("e2e: %llu frames, worst CoP error %.2f mm over a %.0f mm stroke\n",
                  (unsigned long long)n, worst, y_max - y_min);

    /* The plot exists and is a PNG. */
    {
        size_t len = 0;
        char *png;
        snprintf(path, sizeof path, "%s/cop_peak.png", ana);
        png = rmat_test_slurp(path, &len);
        assert_non_null(png);
        assert_true(len > 10000);
        assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
        free(png);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_e2e_record_analyze_follows_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
