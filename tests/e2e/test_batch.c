/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Batch analysis (batch.h, `rollmat batch`):
 *
 *  - 50 small recordings, written with the library's recording writer from
 *    a synthetic pattern (a band of pressure rolled up and down a 16x16
 *    mat, 500 frames each): 5 subjects, 10 weekly sessions each; one file
 *    then overwritten with garbage;
 *  - `rollmat batch -j 2`: 49 analysed, the corrupt one reported by name,
 *    a non-zero exit status; sessions.csv with one row per good session
 *    (the frames the test wrote), and the trends;
 *  - shards: three runs with --shard K/3 (under GNU parallel when it is
 *    installed) take the recordings FNV-1a(path) mod 3 says, between them
 *    all of them once; merged, they give the very same sessions.csv and
 *    trends as the single run;
 *  - a second run skips what is up to date, redoes a recording that
 *    changed, and redoes everything when a parameter changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/recording.h"

#define SUBJECTS 5
#define SESSIONS 10
#define ROWS     16
#define COLS     16
#define FRAMES   500
#define RATE_HZ  50
#define CORRUPT  "S3/session_07.h5"

struct fixture {
    char root[512], in[600], out[600];
};

static char *slurp(const char *path)
{
    char *s = rmat_test_slurp(path, NULL);
    if (!s)
        print_error("cannot read %s\n", path);
    assert_non_null(s);
    return s;
}

/* One recording: a band three rows deep across the middle 12 columns,
 * rolled sinusoidally between rows 2 and 13 with a 4 s period, its
 * pressure scaled by amp. */
static void write_recording(const char *path, const char *subject, int week, double amp)
{
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_rec *rec;
    struct rmat_errinfo ei;
    uint16_t raw[ROWS * COLS];
    struct tm tm = {0};
    time_t t;

    memset(&dev, 0, sizeof dev);
    snprintf(dev.model, sizeof dev.model, "synthetic");
    snprintf(dev.firmware_version, sizeof dev.firmware_version, "test");
    dev.serial = 7;
    dev.protocol_version = 1;
    dev.rows = ROWS;
    dev.cols = COLS;
    dev.adc_bits = 12;
    dev.pitch_x_mm = 10;
    dev.pitch_y_mm = 10;
    dev.rate_hz = RATE_HZ;
    rmat_session_meta_init(&meta);
    snprintf(meta.subject, sizeof meta.subject, "%s", subject);
    snprintf(meta.region, sizeof meta.region, "hamstring");
    snprintf(meta.side, sizeof meta.side, "left");
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = 0;
    tm.tm_mday = 5 + 7 * week;
    tm.tm_hour = 9;
    t = timegm(&tm);
    strftime(meta.started_utc, sizeof meta.started_utc, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    assert_int_equal(rmat_rec_create(path, &dev, &meta, &rec, &ei), RMAT_OK);
    for (int k = 0; k < FRAMES; k++) {
        const double ts = (double)k / RATE_HZ;
        const double c = 7.5 - 5.5 * cos(2 * M_PI * ts / 4.0);
        for (int r = 0; r < ROWS; r++) {
            const double w = fmax(0.0, 1.0 - fabs(r - c) / 1.5);
            for (int col = 0; col < COLS; col++)
                raw[r * COLS + col] =
                    (uint16_t)(col >= 2 && col < 14 ? lround(amp * 2000.0 * w) : 0);
        }
        assert_int_equal(rmat_rec_append(rec, (uint32_t)k, (uint64_t)k * 1000000u / RATE_HZ,
                                         1700000000000000000LL + (int64_t)k * 20000000LL, raw, &ei),
                         RMAT_OK);
    }
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
}

static int setup(void **state)
{
    static struct fixture fx;
    char path[800];

    assert_int_equal(rmat_test_tmpdir("batch", fx.root, sizeof fx.root), 0);
    snprintf(fx.in, sizeof fx.in, "%s/in", fx.root);
    snprintf(fx.out, sizeof fx.out, "%s/out", fx.root);
    assert_int_equal(mkdir(fx.in, 0755), 0);
    for (int s = 0; s < SUBJECTS; s++) {
        char subject[16];
        snprintf(subject, sizeof subject, "S%d", s);
        snprintf(path, sizeof path, "%s/%s", fx.in, subject);
        assert_int_equal(mkdir(path, 0755), 0);
        for (int j = 0; j < SESSIONS; j++) {
            snprintf(path, sizeof path, "%s/%s/session_%02d.h5", fx.in, subject, j);
            /* Subject s presses a little harder or softer each week. */
            write_recording(path, subject, j, 0.8 + 0.02 * (s - 2) * j + 0.01 * ((j * 7) % 3));
        }
    }
    /* One recording ruined: bytes that are no HDF5 file. */
    snprintf(path, sizeof path, "%s/%s", fx.in, CORRUPT);
    {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        for (int i = 0; i < 4096; i++)
            fputc((i * 131 + 7) & 0xff, f);
        fclose(f);
    }
    *state = &fx;
    return 0;
}

/* Data lines of a CSV (not the header). */
static int csv_rows(const char *path)
{
    char *s = slurp(path);
    int n = -1;
    for (const char *p = s; *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

static int contains(const char *path, const char *needle)
{
    char *s = slurp(path);
    const int yes = strstr(s, needle) != NULL;
    free(s);
    return yes;
}

static void test_batch_fifty_one_corrupt(void **state)
{
    struct fixture *fx = *state;
    char log[800], path[900];
    char *s;

    snprintf(log, sizeof log, "%s/batch.out", fx->root);
    char *argv[] = {(char *)RMAT_CLI_EXE, (char *)"batch", fx->in, (char *)"-o", fx->out,
                    (char *)"-j",         (char *)"2",     NULL};
    const int rc = rmat_test_run(argv, log, 240000);
    s = slurp(log);
    print_message("%s", s ? s : "");
    /* Some failed: the status says so; the corrupt file is named. */
    assert_int_equal(rc, 1);
    assert_non_null(strstr(s, "FAILED " CORRUPT ":"));
    assert_non_null(strstr(s, "50 recordings: 49 analysed, 0 up to date, 1 failed"));
    free(s);

    snprintf(path, sizeof path, "%s/sessions.csv", fx->out);
    assert_int_equal(csv_rows(path), 49);
    assert_false(contains(path, "S3/session_07,"));
    assert_true(contains(path, "S3/session_06,S3/session_06.h5,S3,"));
    /* Every session: the 500 frames the test wrote, its subject's row. */
    {
        char line[4096];
        FILE *f = fopen(path, "r");
        int frames_col = -1, k = 0, rows = 0;
        assert_non_null(f);
        assert_non_null(fgets(line, sizeof line, f));
        for (char *tok = strtok(line, ",\n"); tok; tok = strtok(NULL, ",\n"), k++)
            if (strcmp(tok, "frames") == 0)
                frames_col = k;
        assert_true(frames_col > 0);
        while (fgets(line, sizeof line, f)) {
            const char *p = line;
            for (int i = 0; i < frames_col; i++)
                p = strchr(p, ',') + 1;
            assert_int_equal(atoi(p), FRAMES);
            rows++;
        }
        fclose(f);
        assert_int_equal(rows, 49);
    }
    /* Trends: 5 subjects x 7 metrics, each with its 10 (or 9) sessions. */
    snprintf(path, sizeof path, "%s/trend.csv", fx->out);
    assert_int_equal(csv_rows(path), SUBJECTS * 7);
    /* Uncalibrated sessions: the pressure metric under its counts name. */
    assert_true(contains(path, "S3,hamstring,left,mean_counts,counts,9,"));
    assert_true(contains(path, "S0,hamstring,left,mean_counts,counts,10,"));
    snprintf(path, sizeof path, "%s/trends/trend_S0_hamstring_left.png", fx->out);
    assert_int_equal(access(path, R_OK), 0);
    /* The analysis of a good one is there in full. */
    snprintf(path, sizeof path, "%s/S1/session_04/summary.json", fx->out);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/S1/session_04/events.csv", fx->out);
    assert_int_equal(access(path, R_OK), 0);
}

/* FNV-1a, 64 bits (the shards' documented key), written here from its
 * definition. */
static unsigned long long fnv1a(const char *s)
{
    unsigned long long h = 0xcbf29ce484222325ULL;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void test_batch_shards_merge_to_the_same(void **state)
{
    struct fixture *fx = *state;
    char log[800], path[900], merged[700], shard[3][700];
    int rc;

    for (int k = 0; k < 3; k++)
        snprintf(shard[k], sizeof shard[k], "%s/shard%d", fx->root, k + 1);
    snprintf(log, sizeof log, "%s/shards.out", fx->root);
    if (access("/usr/bin/parallel", X_OK) == 0) {
        char out_pattern[700];
        snprintf(out_pattern, sizeof out_pattern, "%s/shard{}", fx->root);
        char *argv[] = {(char *)"/usr/bin/parallel",
                        (char *)"--will-cite",
                        (char *)RMAT_CLI_EXE,
                        (char *)"batch",
                        fx->in,
                        (char *)"-o",
                        out_pattern,
                        (char *)"--shard",
                        (char *)"{}/3",
                        (char *)"-j",
                        (char *)"1",
                        (char *)"--no-trend-plots",
                        (char *)":::",
                        (char *)"1",
                        (char *)"2",
                        (char *)"3",
                        NULL};
        rc = rmat_test_run(argv, log, 240000);
        /* parallel's status: how many shards failed: the one with the
         * corrupt recording. */
        assert_int_equal(rc, 1);
    } else {
        int failed = 0;
        print_message("GNU parallel not installed: shards run one after another\n");
        for (int k = 0; k < 3; k++) {
            char spec[8];
            snprintf(spec, sizeof spec, "%d/3", k + 1);
            char *argv[] = {(char *)RMAT_CLI_EXE,
                            (char *)"batch",
                            fx->in,
                            (char *)"-o",
                            shard[k],
                            (char *)"--shard",
                            spec,
                            (char *)"-j",
                            (char *)"1",
                            (char *)"--no-trend-plots",
                            NULL};
            failed += rmat_test_run(argv, log, 240000) != 0;
        }
        assert_int_equal(failed, 1);
    }
    /* Each shard holds exactly the recordings its hash says. */
    {
        int total = 0;
        for (int s = 0; s < SUBJECTS; s++) {
            for (int j = 0; j < SESSIONS; j++) {
                char rel[64], id[64];
                int where = -1;
                snprintf(rel, sizeof rel, "S%d/session_%02d.h5", s, j);
                snprintf(id, sizeof id, "\nS%d/session_%02d,", s, j);
                for (int k = 0; k < 3; k++) {
                    snprintf(path, sizeof path, "%.700s/sessions.csv", shard[k]);
                    if (contains(path, id)) {
                        assert_int_equal(where, -1);
                        where = k;
                    }
                }
                if (strcmp(rel, CORRUPT) == 0) {
                    assert_int_equal(where, -1);
                    continue;
                }
                assert_int_equal(where, (int)(fnv1a(rel) % 3));
                total++;
            }
        }
        assert_int_equal(total, 49);
    }
    snprintf(merged, sizeof merged, "%s/merged", fx->root);
    {
        char *argv[] = {(char *)RMAT_CLI_EXE,
                        (char *)"batch",
                        (char *)"--merge",
                        shard[0],
                        shard[1],
                        shard[2],
                        (char *)"-o",
                        merged,
                        (char *)"--no-trend-plots",
                        NULL};
        assert_int_equal(rmat_test_run(argv, log, 60000), 0);
    }
    static const char *const same[] = {"sessions.csv", "trend.csv", "trend.json"};
    for (size_t i = 0; i < 3; i++) {
        char a[900], b[900];
        snprintf(a, sizeof a, "%s/%s", fx->out, same[i]);
        snprintf(b, sizeof b, "%s/%s", merged, same[i]);
        char *sa = slurp(a), *sb = slurp(b);
        if (strcmp(sa, sb) != 0)
            print_error("%s differs between the single run and the merged shards\n", same[i]);
        assert_string_equal(sa, sb);
        free(sa);
        free(sb);
    }
}

static void test_batch_skips_what_is_up_to_date(void **state)
{
    struct fixture *fx = *state;
    char log[800], path[900];
    char *s;

    snprintf(log, sizeof log, "%s/again.out", fx->root);
    {
        char *argv[] = {(char *)RMAT_CLI_EXE,
                        (char *)"batch",
                        fx->in,
                        (char *)"-o",
                        fx->out,
                        (char *)"-j",
                        (char *)"2",
                        (char *)"--no-trend-plots",
                        NULL};
        assert_int_equal(rmat_test_run(argv, log, 240000), 1);
    }
    s = slurp(log);
    assert_non_null(strstr(s, "50 recordings: 0 analysed, 49 up to date, 1 failed"));
    free(s);

    /* A recording that changed (newer than its analysis) is redone. */
    snprintf(path, sizeof path, "%s/S2/session_05.h5", fx->in);
    {
        struct timespec ts[2];
        clock_gettime(CLOCK_REALTIME, &ts[0]);
        ts[0].tv_sec += 5;
        ts[1] = ts[0];
        assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    }
    {
        char *argv[] = {(char *)RMAT_CLI_EXE,
                        (char *)"batch",
                        fx->in,
                        (char *)"-o",
                        fx->out,
                        (char *)"-j",
                        (char *)"2",
                        (char *)"--no-trend-plots",
                        NULL};
        assert_int_equal(rmat_test_run(argv, log, 240000), 1);
    }
    s = slurp(log);
    assert_non_null(strstr(s, "analysed S2/session_05.h5"));
    assert_non_null(strstr(s, "50 recordings: 1 analysed, 48 up to date, 1 failed"));
    free(s);

    /* Other parameters: everything is redone. */
    {
        char *argv[] = {(char *)RMAT_CLI_EXE,
                        (char *)"batch",
                        fx->in,
                        (char *)"-o",
                        fx->out,
                        (char *)"-j",
                        (char *)"2",
                        (char *)"--hold-min-s",
                        (char *)"4",
                        (char *)"--no-trend-plots",
                        NULL};
        assert_int_equal(rmat_test_run(argv, log, 240000), 1);
    }
    s = slurp(log);
    assert_non_null(strstr(s, "50 recordings: 49 analysed, 0 up to date, 1 failed"));
    free(s);
    snprintf(path, sizeof path, "%s/S0/session_00/summary.json", fx->out);
    s = slurp(path);
    assert_non_null(strstr(s, "\"hold_min_s\": 4"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_fifty_one_corrupt),
        cmocka_unit_test(test_batch_shards_merge_to_the_same),
        cmocka_unit_test(test_batch_skips_what_is_up_to_date),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
