/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench/batch_recordings: writes a clinic's worth of recordings for the batch
 * benchmarks (bench/batch.sh, bench/batch-slurm.sh), with the library's
 * writer: N recordings of 60 s of a 32x32 mat at 100 Hz, SUBJECTS subjects
 * in folders of their own, one session a week each (so trends have weeks to
 * span), a band three rows deep rolled back and forth with a 4 s period and
 * a pressure that grows a little week by week.
 *
 * Usage: batch_recordings DIR [N [SUBJECTS]]   (default 200 recordings of 20
 *        subjects); DIR must not exist.
 */
#define _GNU_SOURCE /* timegm */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rollmat/recording.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define ROWS    32
#define COLS    32
#define RATE_HZ 100
#define FRAMES  (60 * RATE_HZ)

static int write_recording(const char *path, const char *subject, int week, double amp)
{
    static uint16_t raw[ROWS * COLS];
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_rec *rec;
    struct rmat_errinfo ei;
    struct tm tm = {0};
    time_t t;

    memset(&dev, 0, sizeof dev);
    snprintf(dev.model, sizeof dev.model, "bench-batch");
    snprintf(dev.firmware_version, sizeof dev.firmware_version, "bench");
    dev.serial = 7;
    dev.protocol_version = 1;
    dev.rows = ROWS;
    dev.cols = COLS;
    dev.adc_bits = 12;
    dev.pitch_x_mm = 12.7;
    dev.pitch_y_mm = 12.7;
    dev.rate_hz = RATE_HZ;
    rmat_session_meta_init(&meta);
    snprintf(meta.subject, sizeof meta.subject, "%s", subject);
    snprintf(meta.region, sizeof meta.region, "quadriceps");
    snprintf(meta.side, sizeof meta.side, "left");
    tm.tm_year = 2026 - 1900;
    tm.tm_mday = 5 + 7 * week;
    tm.tm_hour = 9;
    t = timegm(&tm);
    strftime(meta.started_utc, sizeof meta.started_utc, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    if (rmat_rec_create(path, &dev, &meta, &rec, &ei) != RMAT_OK) {
        fprintf(stderr, "batch_recordings: %s\n", ei.msg);
        return -1;
    }
    for (int k = 0; k < FRAMES; k++) {
        const double ts = (double)k / RATE_HZ;
        const double c = 15.5 - 11.0 * cos(2 * M_PI * ts / 4.0);
        for (int r = 0; r < ROWS; r++) {
            const double w = fmax(0.0, 1.0 - fabs(r - c) / 1.5);
            for (int col = 0; col < COLS; col++)
                raw[r * COLS + col] =
                    (uint16_t)(col >= 8 && col < 24 ? lround(amp * 2000.0 * w) : 0);
        }
        if (rmat_rec_append(rec, (uint32_t)k, (uint64_t)k * 1000000u / RATE_HZ,
                            (int64_t)t * 1000000000LL + (int64_t)k * 10000000LL, raw,
                            &ei) != RMAT_OK) {
            fprintf(stderr, "batch_recordings: %s\n", ei.msg);
            rmat_rec_close(rec, NULL);
            return -1;
        }
    }
    if (rmat_rec_close(rec, &ei) != RMAT_OK) {
        fprintf(stderr, "batch_recordings: %s\n", ei.msg);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const int n = argc > 2 ? atoi(argv[2]) : 200, subjects = argc > 3 ? atoi(argv[3]) : 20;
    char path[4200];

    if (argc < 2 || argc > 4 || n < 1 || subjects < 1 || subjects > n) {
        fputs("usage: batch_recordings DIR [N [SUBJECTS]]   (DIR must not exist)\n", stderr);
        return 2;
    }
    if (mkdir(argv[1], 0755) != 0) {
        fprintf(stderr, "batch_recordings: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    for (int s = 0; s < subjects; s++) {
        snprintf(path, sizeof path, "%s/P%03d", argv[1], s + 1);
        if (mkdir(path, 0755) != 0) {
            fprintf(stderr, "batch_recordings: %s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    for (int i = 0; i < n; i++) {
        const int s = i % subjects, week = i / subjects;
        char subject[16];
        snprintf(subject, sizeof subject, "P%03d", s + 1);
        snprintf(path, sizeof path, "%s/%s/week_%02d.h5", argv[1], subject, week + 1);
        if (write_recording(path, subject, week, 0.7 + 0.03 * week + 0.01 * (s % 5)) != 0)
            return 1;
    }
    printf("%d recordings of %d subjects in %s\n", n, subjects, argv[1]);
    return 0;
}
