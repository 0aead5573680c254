/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench/import: how fast the importer reads text exports (DESIGN.md: at
 * least 50 MB/s of export text on one core).
 *
 * Writes a ~100 MB Tekscan ASCII movie (64 x 64, B outline, long I-Scan
 * frame lines with Raw Sum, as I-Scan writes them) and a ~100 MB XSENSOR
 * CSV (two 64 x 32 insoles per frame, padded records, statistics, GROUP
 * blocks) into a temporary directory, parses each with a sink that only
 * counts, best of --runs, and prints MB/s and the peak RSS of the process
 * (getrusage: the parser's memory must not grow with the frames).
 *
 * Then the whole import, as `rollmat import` does it: parse and write the
 * recordings (rmat_import_write: float32 kPa or uint16 counts, compressed
 * chunks, /source, under a temporary name renamed at the end), each run in
 * a child process so the peak RSS printed is the import's own; and the
 * same at a quarter of the size, to show that memory does not grow with
 * the number of frames.
 *
 * Usage: import [--mb N] [--runs N] [--dir DIR] [--keep]
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rollmat/import.h"

struct counter {
    uint64_t frames, values;
    double sum;
};

static int count_frame(void *ctx, const struct rmat_import_frame *f)
{
    struct counter *c = ctx;
    c->frames++;
    c->values += f->n;
    c->sum += f->values[f->n / 2]; /* touch the data so nothing is optimised away */
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A smooth moving load so values have the digits real exports have. */
static int cell(long k, int r, int c, int rows, int cols)
{
    const double cx = cols * (0.5 + 0.3 * sin((double)k * 0.05));
    const double cy = rows * (0.5 + 0.3 * cos((double)k * 0.03));
    const double d2 = (c - cx) * (c - cx) + (r - cy) * (r - cy);
    const double v = 250.0 * exp(-d2 / 60.0);
    return v < 1.0 ? 0 : (int)v;
}

static int write_tekscan(const char *path, double mb)
{
    const int rows = 64, cols = 64;
    FILE *f = fopen(path, "w+");
    long k = 0;
    char *row = malloc(64 * 8);
    if (!f || !row)
        return -1;
    fprintf(f,
            "DATA_TYPE MOVIE\nVERSION 7.50\nHW_TYPE 9\nROWS %d\nCOLS %d\n"
            "ROW_SPACING 0.508 cm\nCOL_SPACING 0.508 cm\nSENSEL_AREA 0.258064 cm2\n"
            "NOISE_THRESHOLD 3\nSTART_FRAME 1\nEND_FRAME 0000000000\nUNITS raw\n"
            "ASCII_DATA @@\n\n",
            rows, cols);
    while (ftell(f) < (long)(mb * 1e6)) {
        long sum = 0;
        char *lines[64];
        size_t total = 0;
        static char buf[64 * 64 * 8];
        for (int r = 0; r < rows; r++) {
            char *o = buf + total;
            lines[r] = o;
            for (int c = 0; c < cols; c++) {
                const int edge = (r == 0 || c == 0 || r == rows - 1 || c == cols - 1);
                int v = cell(k, r, c, rows, cols);
                if (c)
                    *o++ = ',';
                if (edge) {
                    *o++ = 'B';
                } else {
                    o += sprintf(o, "%d", v);
                    sum += v;
                }
            }
            *o++ = '\n';
            total = (size_t)(o - buf);
        }
        (void)lines;
        fprintf(f, "Frame %ld, %.3f,, 1/2/2024 3:04:05.67PM,,,Raw Sum=,,%ld\n", k + 1,
                (double)k * 0.01, sum);
        fwrite(buf, 1, total, f);
        fputc('\n', f);
        k++;
    }
    fputs("@@\n", f);
    /* The frame count goes into END_FRAME's fixed-width slot. */
    fseek(f, 0, SEEK_SET);
    {
        char head[512];
        size_t n = fread(head, 1, sizeof head - 1, f);
        char *p;
        head[n] = '\0';
        p = strstr(head, "END_FRAME ");
        if (p) {
            fseek(f, (long)(p - head) + 10, SEEK_SET);
            fprintf(f, "%010ld", k);
        }
    }
    free(row);
    return fclose(f);
}

static int write_xsensor(const char *path, double mb)
{
    const int rows = 64, cols = 32;
    FILE *f = fopen(path, "w");
    long k = 0;
    if (!f)
        return -1;
    fputs("\xef\xbb\xbf"
          "File:,\"C:\\data\\walk,2.XSN\",,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n"
          "Units:,mmHg,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n"
          "Threshold:,20.5,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n",
          f);
    while (ftell(f) < (long)(mb * 1e6)) {
        const double t = (double)k * 0.01;
        fprintf(f, "FRAME,%ld,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n", k + 1);
        fprintf(f, "Date, 2024 Jan 02,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n");
        fprintf(f, "Time, 10:%02d:%06.3f,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n",
                (int)(t / 60) % 60, fmod(t, 60.0));
        for (int s = 0; s < 2; s++) {
            fprintf(f, "SENSOR,XS-BENCH-%s S0001,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n",
                    s ? "RF" : "LF");
            fprintf(f, "Rows,%d,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n", rows);
            fprintf(f, "Columns,%d,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n", cols);
            fputs("Sensel Width (cm),0.5,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n"
                  "Sensel Height (cm),0.5,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n"
                  "Peak Pressure (mmHg),562,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n"
                  "Est. Load (N),412.5,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n"
                  "SENSELS,,,,,,,,,,,,,,,,,,,,\n",
                  f);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    const int v = cell(k + s * 50, r, c, rows, cols);
                    if (c)
                        fputc(',', f);
                    if (v % 3 == 1)
                        fprintf(f, "%d.5", v);
                    else
                        fprintf(f, "%d", v);
                }
                fputs("\n,,,,,,,,,,,,,,,,,,,,\n", f);
            }
        }
        fputs(
            "GROUP,1,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\nName,Left Heel,,,,,,,,,,,,,,,,,,,\n"
            ",,,,,,,,,,,,,,,,,,,,\nCells,3,,,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n"
            "SENSELS,,,,,,,,,,,,,,,,,,,,\n0,37.5,30,,,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,,,,\n",
            f);
        k++;
    }
    return fclose(f);
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int bench(const char *name, const char *path, int runs)
{
    struct stat st;
    double best = 1e30;
    struct counter c = {0};
    if (stat(path, &st) != 0)
        return -1;
    for (int i = 0; i < runs; i++) {
        struct rmat_import_sink sink = {0};
        struct rmat_errinfo ei;
        double t0, t1;
        memset(&c, 0, sizeof c);
        sink.ctx = &c;
        sink.frame = count_frame;
        t0 = now_s();
        if (rmat_import_run(path, NULL, &sink, &ei) != 0) {
            fprintf(stderr, "bench/import: %s\n", ei.msg);
            return -1;
        }
        t1 = now_s();
        if (t1 - t0 < best)
            best = t1 - t0;
    }
    printf("%-8s %7.1f MB  %8llu frames  %6.3f s  %7.1f MB/s  peak RSS %ld MB\n", name,
           (double)st.st_size / 1e6, (unsigned long long)c.frames, best,
           (double)st.st_size / 1e6 / best, peak_rss_kb() / 1024);
    return 0;
}

/* One whole import of path into recordings in dir, in a child: returns its
 * wall time (-1 on failure), *rss_kb its peak RSS, *out_bytes the size of
 * what it wrote. The recordings are removed afterwards. */
static double import_child(const char *path, const char *dir, long *rss_kb, double *out_bytes)
{
    struct rusage ru;
    double t0 = now_s(), t1;
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rmat_import_out out = {0};
        struct rmat_import_written w[16];
        struct rmat_errinfo ei;
        size_t n = 0;
        out.out = dir;
        out.out_is_dir = 1;
        if (rmat_import_write(path, NULL, &out, w, 16, &n, &ei) != 0) {
            fprintf(stderr, "bench/import: %s\n", ei.msg);
            _exit(1);
        }
        /* The sizes go back through a file beside the export. */
        {
            char list[700];
            FILE *f;
            double total = 0;
            struct stat st;
            for (size_t k = 0; k < n; k++) {
                if (stat(w[k].path, &st) == 0)
                    total += (double)st.st_size;
                unlink(w[k].path);
            }
            snprintf(list, sizeof list, "%s.size", path);
            f = fopen(list, "w");
            if (f) {
                fprintf(f, "%.0f\n", total);
                fclose(f);
            }
        }
        _exit(0);
    }
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    t1 = now_s();
    *rss_kb = ru.ru_maxrss;
    {
        char list[700];
        FILE *f;
        snprintf(list, sizeof list, "%s.size", path);
        f = fopen(list, "r");
        *out_bytes = 0;
        if (f) {
            if (fscanf(f, "%lf", out_bytes) != 1)
                *out_bytes = 0;
            fclose(f);
        }
        unlink(list);
    }
    return t1 - t0;
}

static int bench_import(const char *name, const char *path, const char *dir, int runs)
{
    struct stat st;
    double best = 1e30, out_bytes = 0;
    long rss = 0;

    if (stat(path, &st) != 0)
        return -1;
    for (int i = 0; i < runs; i++) {
        long r;
        double b;
        const double t = import_child(path, dir, &r, &b);
        if (t < 0)
            return -1;
        if (t < best)
            best = t;
        if (r > rss)
            rss = r;
        out_bytes = b;
    }
    printf("%-8s %7.1f MB -> recording %6.1f MB  %6.3f s  %7.1f MB/s  peak RSS %ld MB\n", name,
           (double)st.st_size / 1e6, out_bytes / 1e6, best, (double)st.st_size / 1e6 / best,
           rss / 1024);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"mb", required_argument, NULL, 'm'},
                                       {"runs", required_argument, NULL, 'r'},
                                       {"dir", required_argument, NULL, 'd'},
                                       {"keep", no_argument, NULL, 'k'},
                                       {NULL, 0, NULL, 0}};
    double mb = 100;
    int runs = 3, keep = 0, opt, rc = 0;
    char dir[512] = "", tek[600], xs[600];
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (opt) {
        case 'm':
            mb = atof(optarg);
            break;
        case 'r':
            runs = atoi(optarg);
            break;
        case 'd':
            snprintf(dir, sizeof dir, "%s", optarg);
            break;
        case 'k':
            keep = 1;
            break;
        default:
            fprintf(stderr, "usage: import [--mb N] [--runs N] [--dir DIR] [--keep]\n");
            return 2;
        }
    }
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/rmat-bench-import-XXXXXX", base);
        if (!mkdtemp(dir)) {
            fprintf(stderr, "bench/import: mkdtemp: %s\n", strerror(errno));
            return 1;
        }
    }
    snprintf(tek, sizeof tek, "%s/bench.asf", dir);
    snprintf(xs, sizeof xs, "%s/bench.csv", dir);
    printf("writing %.0f MB exports in %s ...\n", mb, dir);
    if (write_tekscan(tek, mb) != 0 || write_xsensor(xs, mb) != 0) {
        fprintf(stderr, "bench/import: cannot write the exports: %s\n", strerror(errno));
        return 1;
    }
    printf("peak RSS before parsing: %ld MB\n", peak_rss_kb() / 1024);
    printf("parsing only (a sink that counts):\n");
    if (bench("tekscan", tek, runs) != 0 || bench("xsensor", xs, runs) != 0)
        rc = 1;
    printf("importing (parse + write the recordings, as `rollmat import`):\n");
    if (rc == 0 && (bench_import("tekscan", tek, dir, runs) != 0 ||
                    bench_import("xsensor", xs, dir, runs) != 0))
        rc = 1;
    /* Memory against length: the same exports at a quarter of the size. */
    if (rc == 0) {
        char tek4[700], xs4[700];
        snprintf(tek4, sizeof tek4, "%s/quarter.asf", dir);
        snprintf(xs4, sizeof xs4, "%s/quarter.csv", dir);
        printf("importing a quarter of the size (peak RSS must not change):\n");
        if (write_tekscan(tek4, mb / 4) != 0 || write_xsensor(xs4, mb / 4) != 0 ||
            bench_import("tekscan", tek4, dir, 1) != 0 || bench_import("xsensor", xs4, dir, 1) != 0)
            rc = 1;
        unlink(tek4);
        unlink(xs4);
    }
    if (!keep) {
        unlink(tek);
        unlink(xs);
        rmdir(dir);
    }
    return rc;
}
