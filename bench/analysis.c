/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench/analysis: how fast the analysis is, against the floor of just
 * reading the frames and against a plain numpy/h5py implementation
 * (bench/analysis_numpy.py). DESIGN.md's targets: a 1-hour 32x32 recording
 * at 100 Hz analysed in at most 3 times the floor, at least 5 times faster
 * than numpy, in under 100 MB.
 *
 * One run does it all:
 *  1. writes the recording with the library's writer (rmat_rec_create_ex,
 *     with a voltage-divider calibration embedded), from a synthetic roller
 *     band: a Hertz line contact rolling back and forth, with holds and
 *     lifts, through the divider FSR curve with per-sensel gains and noise;
 *  2. the floor: a plain loop of HDF5 reads of every raw frame (best of 3);
 *  3. rmat_analyze() in a child process without the plot (best of 3; peak
 *     RSS of that child from wait4);
 *  4. /usr/bin/python3 bench/analysis_numpy.py on the same file (once);
 *  5. prints the figures, and deletes the recording unless --keep.
 *
 * Usage: analysis [--frames N] [--dir DIR] [--keep] [--no-numpy]
 *                 [--python PATH] [--script PATH] [--runs N] [--deflate N]
 *        analysis --floor-of REC.h5 [--runs N]   (prints "seconds frames")
 */
#define _GNU_SOURCE /* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "rollmat/analyze.h"
#include "rollmat/calib.h"
#include "rollmat/reader.h"
#include "rollmat/recording.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define ROWS     32
#define COLS     32
#define PITCH_MM 12.7
#define RATE_HZ  100.0
#define ADC_BITS 12
#define BLOCK    512 /* frames per HDF5 read, as the analysis reads */

/* The FSR: counts = c_max q^k / (1 + q^k), q = p / p_ref; its inverse is the
 * divider curve p = p_ref (c / (c_max - c))^(1/k). */
#define FSR_C_MAX 4095.0
#define FSR_P_REF 60.0
#define FSR_K     1.25

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint32_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

/* The scene at time t: roller centre y (NaN: lifted), load in N. A
 * 60-second cycle: 45 s of strokes 240 mm long every 4 s, a 10 s hold at
 * the middle, 5 s lifted. */
static void scene(double t, double *y_mm, double *force_n)
{
    const double u = fmod(t, 60.0), mid = 0.5 * ROWS * PITCH_MM;
    *force_n = 220.0 + 30.0 * sin(2 * M_PI * t / 600.0);
    if (u < 45.0)
        *y_mm = mid - 120.0 * cos(2 * M_PI * u / 4.0);
    else if (u < 55.0)
        *y_mm = mid - 120.0 * cos(2 * M_PI * 45.0 / 4.0);
    else
        *y_mm = NAN;
}

static double hertz_cum(double u)
{
    if (u <= -1.0)
        return 0.0;
    if (u >= 1.0)
        return M_PI / 2;
    return 0.5 * (u * sqrt(1.0 - u * u) + asin(u)) + M_PI / 4;
}

static int make_recording(const char *path, long frames, int deflate)
{
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_rec *rec = NULL;
    struct rmat_calib *cal = rmat_calib_new();
    struct rmat_errinfo ei;
    static uint16_t raw[ROWS * COLS];
    static float gain[ROWS * COLS];
    uint64_t rng = 12345;
    const double len_mm = 150.0, r_mm = 75.0, estar_kpa = 400.0;
    const double x0 = 0.5 * COLS * PITCH_MM - len_mm / 2, x1 = x0 + len_mm;
    double col_len[COLS];

    memset(&dev, 0, sizeof dev);
    snprintf(dev.model, sizeof dev.model, "bench-synthetic");
    dev.protocol_version = 1;
    dev.rows = ROWS;
    dev.cols = COLS;
    dev.adc_bits = ADC_BITS;
    dev.pitch_x_mm = dev.pitch_y_mm = PITCH_MM;
    dev.rate_hz = RATE_HZ;
    rmat_session_meta_init(&meta);
    snprintf(meta.subject, sizeof meta.subject, "bench");
    meta.roller_diameter_mm = 2 * r_mm;
    meta.body_mass_kg = 70;
    for (int k = 0; k < ROWS * COLS; k++)
        gain[k] = (float)(1.0 + 0.1 * ((double)lcg(&rng) / 4294967296.0 - 0.5));
    for (int j = 0; j < COLS; j++) {
        const double a = fmax(j * PITCH_MM, x0), b = fmin((j + 1) * PITCH_MM, x1);
        col_len[j] = b > a ? b - a : 0.0;
    }
    if (!cal)
        return -1;
    snprintf(cal->name, sizeof cal->name, "bench-divider");
    cal->curve = RMAT_CURVE_DIVIDER;
    cal->a_kpa = FSR_P_REF;
    cal->b = 1.0 / FSR_K;
    cal->c_max_counts = FSR_C_MAX;
    struct rmat_rec_opts o;
    rmat_rec_opts_init(&o);
    o.calib = cal;
    if (deflate >= 0)
        o.deflate = deflate;
    if (rmat_rec_create_opts(path, &dev, &meta, &o, &rec, &ei) != RMAT_OK) {
        fprintf(stderr, "bench: %s\n", ei.msg);
        rmat_calib_free(cal);
        return -1;
    }
    rmat_calib_free(cal);
    for (long f = 0; f < frames; f++) {
        const double t = (double)f / RATE_HZ;
        double yc, force;
        scene(t, &yc, &force);
        /* Noise everywhere: 0..3 counts. */
        for (int k = 0; k < ROWS * COLS; k += 16) {
            uint64_t bits = ((uint64_t)lcg(&rng) << 32) | lcg(&rng);
            for (int l = 0; l < 16; l++, bits >>= 2)
                raw[k + l] = (uint16_t)(bits & 3u);
        }
        if (!isnan(yc)) {
            const double b = sqrt(4.0 * force * r_mm / (M_PI * len_mm * estar_kpa * 1e-3));
            for (int i = 0; i < ROWS; i++) {
                const double ya = i * PITCH_MM, yb = ya + PITCH_MM;
                const double share =
                    (hertz_cum((yb - yc) / b) - hertz_cum((ya - yc) / b)) / (M_PI / 2);
                if (share <= 0)
                    continue;
                for (int j = 0; j < COLS; j++) {
                    if (col_len[j] <= 0)
                        continue;
                    const double p = force / len_mm * share * col_len[j] / (PITCH_MM * PITCH_MM) *
                                     1000.0 / gain[i * COLS + j];
                    const double q = pow(p / FSR_P_REF, FSR_K);
                    const double c = FSR_C_MAX * q / (1.0 + q) + raw[i * COLS + j];
                    raw[i * COLS + j] = (uint16_t)(c > 4095.0 ? 4095.0 : floor(c + 0.5));
                }
            }
        }
        if (rmat_rec_append(rec, (uint32_t)f, (uint64_t)f * 10000u,
                            1763700000000000000LL + (int64_t)f * 10000000LL, raw, &ei) != RMAT_OK) {
            fprintf(stderr, "bench: %s\n", ei.msg);
            rmat_rec_close(rec, NULL);
            return -1;
        }
    }
    if (rmat_rec_close(rec, &ei) != RMAT_OK) {
        fprintf(stderr, "bench: %s\n", ei.msg);
        return -1;
    }
    return 0;
}

/* The floor: every raw frame read once with plain HDF5 calls, in blocks
 * of the size the analysis reads. Returns seconds, or -1. */
static double floor_read(const char *path, long *frames_out)
{
    uint16_t *buf = NULL;
    hsize_t dims[3], start[3] = {0, 0, 0}, cnt[3];
    hid_t f, d, fs, ms;
    double t0 = now_s(), s = -1;
    uint64_t sum = 0;

    f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
    if (f < 0)
        return -1;
    d = H5Dopen2(f, "/frames/raw", H5P_DEFAULT);
    fs = d < 0 ? -1 : H5Dget_space(d);
    if (fs < 0 || H5Sget_simple_extent_ndims(fs) != 3 ||
        H5Sget_simple_extent_dims(fs, dims, NULL) < 0)
        goto out;
    buf = malloc((size_t)BLOCK * dims[1] * dims[2] * sizeof *buf);
    if (!buf)
        goto out;
    for (hsize_t first = 0; first < dims[0]; first += BLOCK) {
        cnt[0] = dims[0] - first < BLOCK ? dims[0] - first : BLOCK;
        cnt[1] = dims[1];
        cnt[2] = dims[2];
        start[0] = first;
        ms = H5Screate_simple(3, cnt, NULL);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL);
        const herr_t e = H5Dread(d, H5T_NATIVE_UINT16, ms, fs, H5P_DEFAULT, buf);
        H5Sclose(ms);
        if (e < 0)
            goto out;
        sum += buf[0]; /* the data is used, so the read stays */
    }
    *frames_out = (long)dims[0] + (long)(sum & 0);
    s = now_s() - t0;
out:
    free(buf);
    if (fs >= 0)
        H5Sclose(fs);
    if (d >= 0)
        H5Dclose(d);
    H5Fclose(f);
    return s;
}

/* The same with the library's reader (reader.h), which reads whole chunks
 * straight into the buffer, skipping HDF5's chunk cache: the analysis
 * reads this way. Returns seconds, or -1. */
static double floor_reader(const char *path)
{
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    uint16_t *buf = NULL;
    double t0 = now_s(), s = -1;
    size_t block;

    if (rmat_reader_open(path, &r, &ei) != RMAT_OK)
        return -1;
    block = rmat_reader_chunk_frames(r);
    block = block ? block * (128 / block > 0 ? 128 / block : 1) : 128;
    buf = malloc(block * ROWS * COLS * sizeof *buf);
    if (buf) {
        const uint64_t n = rmat_reader_info(r)->frames;
        uint64_t first = 0;
        for (; first < n; first += block) {
            const size_t cnt = n - first < block ? (size_t)(n - first) : block;
            if (rmat_reader_read(r, first, cnt, buf, NULL, NULL, NULL, &ei) != RMAT_OK)
                break;
        }
        if (first >= n)
            s = now_s() - t0;
    }
    free(buf);
    rmat_reader_close(r);
    return s;
}

struct child_result {
    int ok;
    struct rmat_analysis_result res;
    double wall_s;
    char msg[512];
};

/* rmat_analyze() in a child, so its peak RSS is its own. Each run writes
 * into a fresh directory, so no run waits for the writeback of the one
 * before. */
static int run_analysis(const char *rec, const char *out, struct child_result *cr, long *maxrss_kb)
{
    int pfd[2];
    struct rusage ru;
    int status;
    pid_t pid;

    if (pipe(pfd) != 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rmat_analysis_params params;
        struct child_result r;
        struct rmat_errinfo ei;
        memset(&r, 0, sizeof r);
        close(pfd[0]);
        rmat_analysis_params_init(&params);

        const double t0 = now_s();
        r.ok = rmat_analyze(rec, out, &params, NULL, &r.res, &ei) == RMAT_OK;
        r.wall_s = now_s() - t0;
        if (!r.ok)
            snprintf(r.msg, sizeof r.msg, "%s", ei.msg);
        if (write(pfd[1], &r, sizeof r) != (ssize_t)sizeof r)
            _exit(2);
        _exit(0);
    }
    close(pfd[1]);
    if (read(pfd[0], cr, sizeof *cr) != (ssize_t)sizeof *cr)
        cr->ok = 0;
    close(pfd[0]);
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    *maxrss_kb = ru.ru_maxrss;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && cr->ok ? 0 : -1;
}

static int run_numpy(const char *python, const char *script, const char *rec, double *wall,
                     long *maxrss_kb)
{
    struct rusage ru;
    int status;
    const double t0 = now_s();
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl(python, python, script, rec, (char *)NULL);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    *wall = now_s() - t0;
    *maxrss_kb = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void rm_rf_outputs(const char *dir)
{
    static const char *const names[] = {
        "frames.csv",    "passes.csv",  "holds.csv", "regions.csv",  "peak_map.csv",
        "dwell_map.csv", "pti_map.csv", "maps.h5",   "summary.json", NULL};
    char p[4300];
    for (int i = 0; names[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"frames", required_argument, 0, 'n'},
                                         {"dir", required_argument, 0, 'd'},
                                         {"keep", no_argument, 0, 'k'},
                                         {"no-numpy", no_argument, 0, 'N'},
                                         {"python", required_argument, 0, 'p'},
                                         {"script", required_argument, 0, 's'},
                                         {"runs", required_argument, 0, 'r'},
                                         {"floor-of", required_argument, 0, 'F'},
                                         {"deflate", required_argument, 0, 'D'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    long frames = 360000, got = 0, rss_kb = 0, np_rss_kb = 0;
    int keep = 0, numpy = 1, runs = 3, opt, rc = 1;
    const char *floor_of = NULL;
    int deflate = -1; /* the writer's default */
    const char *python = "/usr/bin/python3", *script = RMAT_SOURCE_DIR "/bench/analysis_numpy.py";
    char dir[4096] = "", rec[4200], out[4200];
    double best_floor = INFINITY, best_rfloor = INFINITY, best = INFINITY, np_wall = NAN;
    struct child_result best_cr, cr;
    struct stat st;

    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            frames = atol(optarg);
            break;
        case 'd':
            snprintf(dir, sizeof dir, "%s", optarg);
            break;
        case 'k':
            keep = 1;
            break;
        case 'N':
            numpy = 0;
            break;
        case 'p':
            python = optarg;
            break;
        case 's':
            script = optarg;
            break;
        case 'r':
            runs = atoi(optarg);
            break;
        case 'F':
            floor_of = optarg;
            break;
        case 'D':
            deflate = atoi(optarg);
            break;
        default:
            fputs("usage: analysis [--frames N] [--dir DIR] [--keep] [--no-numpy] [--python P] "
                  "[--script S] [--runs N] [--deflate N]\n       analysis --floor-of REC.h5 "
                  "[--runs N]\n",
                  opt == 'h' ? stdout : stderr);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (floor_of) {
        /* Only the floor of an existing recording (bench/perf.sh): once to
         * warm the page cache, then the best of `runs`, in seconds. */
        (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        if (floor_read(floor_of, &got) < 0) {
            fprintf(stderr, "bench: cannot read the frames of %s\n", floor_of);
            return 1;
        }
        for (int i = 0; i < runs; i++) {
            const double s = floor_read(floor_of, &got);
            if (s >= 0 && s < best_floor)
                best_floor = s;
        }
        printf("%.4f %ld\n", best_floor, got);
        return 0;
    }
    if (frames < 1000 || runs < 1) {
        fprintf(stderr, "bench: --frames at least 1000, --runs at least 1\n");
        return 2;
    }
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/rollmat-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            perror("bench: mkdtemp");
            return 1;
        }
    }
    snprintf(rec, sizeof rec, "%s/bench.h5", dir);
    snprintf(out, sizeof out, "%s/analysis", dir);
    (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    printf("rollmat analysis benchmark: %ld frames of %dx%d at %.0f Hz (%.1f min), in %s\n", frames,
           ROWS, COLS, RATE_HZ, (double)frames / RATE_HZ / 60.0, dir);
    fflush(stdout);
    double t0 = now_s();
    if (stat(rec, &st) != 0 && make_recording(rec, frames, deflate) != 0)
        goto out;
    if (stat(rec, &st) != 0)
        goto out;
    /* On disk before anything is timed: its writeback must not compete
     * with the runs. */
    {
        int fd = open(rec, O_RDONLY);
        if (fd >= 0) {
            (void)fsync(fd);
            close(fd);
        }
    }
    const double raw_mb = (double)frames * ROWS * COLS * 2 / 1e6;
    printf("  recording written in %.1f s: %.0f MB of raw counts, file %.0f MB\n", now_s() - t0,
           raw_mb, (double)st.st_size / 1e6);

    /* Once to warm the page cache, then the best of `runs`. */
    if (floor_read(rec, &got) < 0) {
        fprintf(stderr, "bench: cannot read %s\n", rec);
        goto out;
    }
    for (int i = 0; i < runs; i++) {
        const double s = floor_read(rec, &got);
        const double sr = floor_reader(rec);
        if (s >= 0 && s < best_floor)
            best_floor = s;
        if (sr >= 0 && sr < best_rfloor)
            best_rfloor = sr;
    }
    for (int i = 0; i < runs; i++) {
        long kb = 0;
        snprintf(out, sizeof out, "%s/analysis%d", dir, i);
        if (run_analysis(rec, out, &cr, &kb) != 0) {
            fprintf(stderr, "bench: analysis failed: %s\n", cr.msg);
            goto out;
        }
        if (kb > rss_kb)
            rss_kb = kb;
        printf("  run %d: %.3f s (read %.3f, frames %.3f, series %.3f, write %.3f)\n", i + 1,
               cr.wall_s, cr.res.time_read_s, cr.res.time_frames_s, cr.res.time_session_s,
               cr.res.time_write_s);
        if (cr.wall_s < best) {
            best = cr.wall_s;
            best_cr = cr;
        }
    }
    if (numpy) {
        int st_np = run_numpy(python, script, rec, &np_wall, &np_rss_kb);
        if (st_np != 0) {
            fprintf(stderr,
                    "bench: %s %s failed (exit %d): numpy or h5py missing? (apt-get install "
                    "python3-numpy python3-h5py)\n",
                    python, script, st_np);
            np_wall = NAN;
        }
    }

    {
        const struct rmat_analysis_result *r = &best_cr.res;
        const double pass_s = r->time_read_s + r->time_frames_s;
        printf("\n  floor (HDF5 reads of every raw frame, best of %d):\n", runs);
        printf("    %8.3f s   %9.0f frames/s   %7.0f MB/s\n", best_floor, (double)got / best_floor,
               raw_mb / best_floor);
        printf("  the same through the library's reader (whole chunks, no chunk cache):\n");
        printf("    %8.3f s   %9.0f frames/s   %7.0f MB/s\n", best_rfloor,
               (double)got / best_rfloor, raw_mb / best_rfloor);
        printf("  analysis (rmat_analyze, no plot; best of %d):\n", runs);
        printf("    %8.3f s   %9.0f frames/s   %7.0f MB/s   peak RSS %.1f MB\n", best,
               (double)frames / best, raw_mb / best, (double)rss_kb / 1024.0);
        printf("    of which HDF5 reads %.3f s (%.0f%%), per-frame compute %.3f s (%.0f%%),\n"
               "             series (passes, holds, cadence, ...) %.3f s (%.0f%%), writing "
               "outputs %.3f s (%.0f%%)\n",
               r->time_read_s, 100 * r->time_read_s / best, r->time_frames_s,
               100 * r->time_frames_s / best, r->time_session_s, 100 * r->time_session_s / best,
               r->time_write_s, 100 * r->time_write_s / best);
        printf("    the frame pass alone (read + compute): %.3f s = %.2f x the floor\n", pass_s,
               pass_s / best_floor);
        printf("    found: %zu passes, %zu holds, cadence %.2f cpm, calibration '%s'\n", r->passes,
               r->holds, r->cadence_cpm, r->calibration);
        printf("  analysis / floor: %.2f   (target <= 3; against the reader's read: %.2f)\n",
               best / best_floor, best / best_rfloor);
        if (numpy && !isnan(np_wall)) {
            printf("  numpy/h5py (%s): %.2f s, peak RSS %.1f MB\n", script, np_wall,
                   (double)np_rss_kb / 1024.0);
            printf("  numpy / analysis: %.1f   (target >= 5)\n", np_wall / best);
        }
        printf("  peak RSS of the analysis: %.1f MB   (target < 100)\n", (double)rss_kb / 1024.0);
    }
    rc = 0;
out:
    if (!keep) {
        for (int i = 0; i < runs; i++) {
            snprintf(out, sizeof out, "%s/analysis%d", dir, i);
            rm_rf_outputs(out);
        }
        unlink(rec);
        rmdir(dir);
    } else {
        printf("  kept: %s\n", rec);
    }
    return rc;
}
