/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `rollmat import`, `rollmat analyze` and `rollmat export` end to end
 * (docs/import.md): for each grid format an export is built here from
 * IMPORT.md, imported with the program, analysed, and the analysis's
 * frames.csv and summary.json are checked against force, contact area,
 * peak and CoP worked out by hand in the comments (METRICS.md: sensel
 * (i, j) centred at ((j + 0.5) pitch_x, (i + 0.5) pitch_y), area pitch_x *
 * pitch_y, contact at p >= the threshold, CoP the p-weighted mean of the
 * contact's centres). Also: the names of a pair's recordings, grids of
 * 256 x 256 and frame periods of 2 ms and 1 s, the round trip export ->
 * import, and each bad input of IMPORT.md §13: a message naming file,
 * line, expected and found, exit status 1, and no file under the output
 * name (nor a temporary one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "rmat_test.h"

#define PATHLEN 4200
#define TIMEOUT 60000

/* frames.csv's columns. */
enum { C_T, C_FORCE, C_AREA, C_MEAN, C_PEAK, C_COPX, C_COPY, NCOLS = 11 };

static char dir[PATHLEN];

static void write_text(const char *name, const char *text, size_t len)
{
    char path[PATHLEN];
    FILE *f;
    rmat_test_pathf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_str(const char *name, const char *text)
{
    write_text(name, text, strlen(text));
}

/* Runs `rollmat ARGS...` in dir (relative names), output into log; returns
 * the exit status. */
static int rollmat(const char *log, ...)
{
    char *argv[40];
    char logpath[PATHLEN], cwd[PATHLEN];
    va_list ap;
    int n = 0, st;

    argv[n++] = (char *)RMAT_CLI_EXE;
    va_start(ap, log);
    for (char *a; (a = va_arg(ap, char *)) != NULL && n < 39;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    rmat_test_pathf(logpath, sizeof logpath, "%s/%s", dir, log);
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    st = rmat_test_run(argv, logpath, TIMEOUT);
    assert_int_equal(chdir(cwd), 0);
    return st;
}

static int exists(const char *name)
{
    char path[PATHLEN];
    rmat_test_pathf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static char *slurp(const char *name)
{
    char path[PATHLEN];
    char *s;
    rmat_test_pathf(path, sizeof path, "%s/%s", dir, name);
    s = rmat_test_slurp(path, NULL);
    if (!s)
        fail_msg("cannot read %s", path);
    return s;
}

static void expect_in_file(const char *name, const char *text)
{
    char *s = slurp(name);
    const int found = strstr(s, text) != NULL;
    if (!found)
        print_error("%s lacks \"%s\":\n%s\n", name, text, s);
    free(s);
    assert_true(found);
}

/* Row k (0-based, after the header) of an analysis's frames.csv; empty
 * fields (NaN) read as NaN. */
static void frame_row(const char *an, int k, double *v)
{
    char name[PATHLEN];
    char *s, *line;
    rmat_test_pathf(name, sizeof name, "%s/frames.csv", an);
    s = slurp(name);
    line = strchr(s, '\n');
    assert_non_null(line);
    for (int i = 0; i < k; i++) {
        line = strchr(line + 1, '\n');
        assert_non_null(line);
    }
    line++;
    for (int c = 0; c < NCOLS; c++) {
        char *end;
        v[c] = strtod(line, &end);
        if (end == line)
            v[c] = NAN;
        line = strchr(end, ',');
        if (!line)
            break;
        line++;
    }
    free(s);
}

static void close_to(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.9g, want %.9g", what, got, want);
}

static void check_frame(const char *an, int k, double force, double area_cm2, double peak,
                        double copx, double copy, double tol)
{
    double v[NCOLS];
    frame_row(an, k, v);
    close_to(v[C_FORCE], force, tol, "force");
    close_to(v[C_AREA], area_cm2, tol, "area");
    close_to(v[C_PEAK], peak, tol, "peak");
    close_to(v[C_COPX], copx, tol, "CoP x");
    close_to(v[C_COPY], copy, tol, "CoP y");
}

static double summary_num(const char *an, const char *key)
{
    char name[PATHLEN];
    char *s;
    double v;
    rmat_test_pathf(name, sizeof name, "%s/summary.json", an);
    s = slurp(name);
    v = rmat_test_json_num(s, key);
    free(s);
    return v;
}

/* No recording and no temporary file is left in dir but those named. */
static void no_h5_but(const char *keep)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        const size_t n = strlen(e->d_name);
        if (strstr(e->d_name, ".tmp") ||
            (n > 3 && strcmp(e->d_name + n - 3, ".h5") == 0 && (!keep || !strstr(keep, e->d_name))))
            fail_msg("%s left in %s", e->d_name, dir);
    }
    closedir(d);
}

/* A string attribute of the group at gpath in the recording name (""
 * if missing), into buf. */
static void h5_attr(const char *name, const char *gpath, const char *attr, char *buf, size_t cap)
{
    char path[PATHLEN];
    hid_t f, g, a, t, mt;
    rmat_test_pathf(path, sizeof path, "%s/%s", dir, name);
    buf[0] = '\0';
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    g = H5Gopen2(f, gpath, H5P_DEFAULT);
    assert_true(g >= 0);
    a = H5Aopen(g, attr, H5P_DEFAULT);
    assert_true(a >= 0);
    t = H5Aget_type(a);
    assert_true(H5Tget_size(t) < cap);
    mt = H5Tcopy(t);
    assert_true(H5Aread(a, mt, buf) >= 0);
    buf[H5Tget_size(t)] = '\0';
    H5Tclose(mt);
    H5Tclose(t);
    H5Aclose(a);
    H5Gclose(g);
    H5Fclose(f);
}

static int setup(void **state)
{
    (void)state;
    return rmat_test_tmpdir("import_cli", dir, sizeof dir);
}

/* --- Tekscan: IMPORT.md §2's example ------------------------------------ */

static const char tekscan_example[] = "DATA_TYPE MOVIE\n"
                                      "ROWS 3\n"
                                      "COLS 4\n"
                                      "ROW_SPACING 0.25 centimeters\n"
                                      "COL_SPACING 2 mm\n"
                                      "SENSEL_AREA 5 mm2\n"
                                      "SECONDS_PER_FRAME 0.01\n"
                                      "COMMENTS:\n"
                                      "walk trial 3\n"
                                      "START_FRAME 7\n"
                                      "END_FRAME 8\n"
                                      "UNITS KPa \n"
                                      "ASCII_DATA @@\n"
                                      "\n"
                                      "Frame 7\n"
                                      "B,10,20,B\n"
                                      "0,0,30,B\n"
                                      "B,B,0,B\n"
                                      "\n"
                                      "Frame 8\n"
                                      "B,0,5,B\n"
                                      "0,10,0,B\n"
                                      "B,B,0,B\n"
                                      "\n"
                                      "@@\n";

static void test_import_cli_tekscan_analyze(void **state)
{
    (void)state;
    write_str("walk.asf", tekscan_example);
    assert_int_equal(rollmat("import.log", "import", "walk.asf", "-o", "walk.h5", NULL), 0);
    expect_in_file("import.log", "walk.h5");
    assert_int_equal(rollmat("an.log", "analyze", "walk.h5", "-o", "walk-an", "--no-plot", NULL),
                     0);
    /* Pitch x 2 mm (COL_SPACING), y 2.5 mm (ROW_SPACING 0.25 cm): a = 5 mm2.
     * Frame 7: 10, 20 and 30 kPa in contact (>= 5): force = 60 * 5 / 1000 =
     * 0.3 N; area 3 * 5 = 15 mm2 = 0.15 cm2; peak 30; centres x = 3 (col 1),
     * 5 (col 2), y = 1.25 (row 0), 3.75 (row 1): CoP x = (10*3 + 20*5 +
     * 30*5) / 60 = 4.6667, y = (30*1.25 + 30*3.75) / 60 = 2.5. */
    check_frame("walk-an", 0, 0.3, 0.15, 30, 280.0 / 60, 2.5, 1e-5);
    /* Frame 8: 5 at (0, 2) and 10 at (1, 1): force 15 * 5 / 1000 = 0.075 N;
     * area 0.1 cm2; peak 10; CoP x = (5*5 + 10*3) / 15 = 3.6667, y = (5*1.25
     * + 10*3.75) / 15 = 2.9167. */
    check_frame("walk-an", 1, 0.075, 0.1, 10, 55.0 / 15, 43.75 / 15, 1e-5);
    /* In kPa without a calibration; where it came from; walking data: no
     * passes, no cadence ("no rolling found"). */
    expect_in_file("walk-an/summary.json", "\"units\": \"kPa\"");
    expect_in_file("walk-an/summary.json", "\"format\": \"tekscan\"");
    expect_in_file("walk-an/summary.json", "\"file_name\": \"walk.asf\"");
    expect_in_file("walk-an/summary.json", "no rolling found");
    close_to(summary_num("walk-an", "passes"), 0, 0, "passes");
    assert_true(isnan(summary_num("walk-an", "cadence_cpm")));
    close_to(summary_num("walk-an", "peak_kpa"), 30, 1e-9, "session peak");
    /* /source: the format, the file's name, its SHA-256 as sha256sum
     * computes it, the header verbatim (the comment line kept). */
    {
        char v[4096], file[PATHLEN], *sum;
        char *argv[] = {(char *)"/usr/bin/sha256sum", file, NULL};
        h5_attr("walk.h5", "/source", "format", v, sizeof v);
        assert_string_equal(v, "tekscan");
        h5_attr("walk.h5", "/source", "file_name", v, sizeof v);
        assert_string_equal(v, "walk.asf");
        h5_attr("walk.h5", "/source", "header", v, sizeof v);
        assert_non_null(strstr(v, "SECONDS_PER_FRAME 0.01\nCOMMENTS:\nwalk trial 3\n"));
        rmat_test_pathf(file, sizeof file, "%s/walk.asf", dir);
        rmat_test_pathf(v, sizeof v, "%s/sum.txt", dir);
        assert_int_equal(rmat_test_run(argv, v, TIMEOUT), 0);
        sum = slurp("sum.txt");
        sum[64] = '\0';
        h5_attr("walk.h5", "/source", "sha256", v, sizeof v);
        assert_string_equal(v, sum);
        free(sum);
        h5_attr("walk.h5", "/device", "layout", v, sizeof v);
        assert_string_equal(v, "grid");
    }
    /* Never overwritten. */
    assert_int_equal(rollmat("again.log", "import", "walk.asf", "-o", "walk.h5", NULL), 1);
    expect_in_file("again.log", "walk.h5 exists; rollmat never overwrites");
}

/* Analyses the recording name (the Tekscan example's frames) and checks
 * frame 0 against test_import_cli_tekscan_analyze's hand values. */
static void check_frame_import(const char *name)
{
    assert_int_equal(rollmat("cf.log", "analyze", name, "-o", "cf-an", "--no-plot", NULL), 0);
    check_frame("cf-an", 0, 0.3, 0.15, 30, 280.0 / 60, 2.5, 1e-5);
}

/* A header over the 64 KiB an HDF5 object header holds (3,000 comment
 * lines, 174,000 bytes) is kept whole (dense attribute storage). */
static void test_import_cli_long_header(void **state)
{
    const char *cut = strstr(tekscan_example, "walk trial 3\n");
    char *s = NULL, *v;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    (void)state;
    fwrite(tekscan_example, 1, (size_t)(cut - tekscan_example), m);
    for (int i = 0; i < 3000; i++)
        fprintf(m, "comment line %06d with some text to make it long enough\n", i);
    fputs(cut + strlen("walk trial 3\n"), m);
    fclose(m);
    write_text("long.asf", s, len);
    free(s);
    assert_int_equal(rollmat("i.log", "import", "long.asf", NULL), 0);
    v = malloc(1 << 20);
    assert_non_null(v);
    h5_attr("long.h5", "/source", "header", v, 1 << 20);
    /* 58 bytes a comment line (57 characters and LF). */
    assert_true(strlen(v) > 3000 * 58);
    assert_non_null(strstr(v, "comment line 002999 with some text"));
    free(v);
    check_frame_import("long.h5");
}

/* The mask holds whatever the frames say: a recording whose cell without a
 * sensel holds a value (written by another tool) is analysed as if it held
 * none. */
static void test_import_cli_mask_wins(void **state)
{
    char path[PATHLEN];
    hid_t f, d, fs, ms;
    const hsize_t start[3] = {0, 0, 0}, count[3] = {1, 1, 1};
    const float big = 1000.0f;
    (void)state;
    write_str("m.asf", tekscan_example);
    assert_int_equal(rollmat("i.log", "import", "m.asf", "-o", "m.h5", NULL), 0);
    rmat_test_pathf(path, sizeof path, "%s/m.h5", dir);
    /* 1000 kPa into (0, 0) of frame 0: a B cell (no sensel). */
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    d = H5Dopen2(f, "/frames/pressure_kpa", H5P_DEFAULT);
    fs = H5Dget_space(d);
    ms = H5Screate_simple(3, count, NULL);
    assert_true(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0);
    assert_true(H5Dwrite(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, &big) >= 0);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    H5Fclose(f);
    assert_int_equal(rollmat("a.log", "analyze", "m.h5", "-o", "m-an", "--no-plot", NULL), 0);
    /* As without it: force 0.3 N, area 0.15 cm2, peak 30, CoP (4.6667, 2.5)
     * (test_import_cli_tekscan_analyze's figures). */
    check_frame("m-an", 0, 0.3, 0.15, 30, 280.0 / 60, 2.5, 1e-5);
    /* And the maps leave the cells without a sensel out (NaN), whatever
     * they hold. */
    {
        char *map = slurp("m-an/peak_map.csv");
        const int left_out = strncmp(map, "NaN,10,20,NaN\n", 14) == 0;
        free(map);
        assert_true(left_out);
    }
}

/* The round trip: export --format tekscan, import: the same frames (the
 * CSV export of both recordings is byte for byte the same). */
static void test_import_cli_round_trip(void **state)
{
    char *a, *b;
    (void)state;
    write_str("rt.asf", tekscan_example);
    assert_int_equal(rollmat("i1.log", "import", "rt.asf", "-o", "rt.h5", NULL), 0);
    assert_int_equal(
        rollmat("e1.log", "export", "rt.h5", "--format", "tekscan", "-o", "rt-out.asf", NULL), 0);
    assert_int_equal(rollmat("i2.log", "import", "rt-out.asf", "-o", "rt2.h5", NULL), 0);
    assert_int_equal(rollmat("c1.log", "export", "rt.h5", "--format", "csv", NULL), 0);
    assert_int_equal(rollmat("c2.log", "export", "rt2.h5", "--format", "csv", NULL), 0);
    a = slurp("rt.csv");
    b = slurp("rt2.csv");
    assert_string_equal(a, b);
    /* frame,t_s,r0c0..r2c3; B (no sensel) is an empty field. */
    assert_non_null(strstr(a, "7,0.000000,,10,20,,0,0,30,,,,0,\n"));
    free(a);
    free(b);
    /* No overwrite on export either. */
    assert_int_equal(rollmat("c3.log", "export", "rt.h5", "--format", "csv", NULL), 1);
}

/* --- Zebris .apd: IMPORT.md §7's peak image ----------------------------- */

static const char apd[] = "[General]\nDescription=pedcad Importfile\nSource=<<zebris>>\n"
                          "Date=02/01/2024\nTime=15.04.05\nUnitDistance=mm\n"
                          "UnitPressure=N/cm2\n\n[Technical]\nMaxSensorsX=100\n"
                          "MaxSensorsY=40\nStartSensX=10\nStartSensY=5\nSensCountX=3\n"
                          "SensCountY=4\nLDistX=8.0\nLDistY=7.5\n\n[Data]\n"
                          "-1\t0.5\t2.0\t-1\n1.0\t12.5\t20.0\t-1\n-1\t3.0\t-1\t-1\n";

static void test_import_cli_apd_analyze(void **state)
{
    (void)state;
    write_str("step.apd", apd);
    assert_int_equal(rollmat("import.log", "import", "step.apd", NULL), 0);
    assert_true(exists("step.h5"));
    assert_int_equal(rollmat("an.log", "analyze", "step.h5", "-o", "step-an", "--no-plot", NULL),
                     0);
    /* N/cm2 x 10 = kPa: [0 5 20 0; 10 125 200 0; 0 30 0 0] (-1 is 0). Rows
     * are X: pitch_y = LDistX = 8, pitch_x = LDistY = 7.5; a = 60 mm2.
     * Contact (>= 5): 5, 20, 10, 125, 200, 30 = 390 kPa: force = 390 * 60 /
     * 1000 = 23.4 N; area 6 * 60 = 360 mm2 = 3.6 cm2; peak 200. Columns:
     * c0 10, c1 5+125+30 = 160, c2 20+200 = 220 at x = 3.75, 11.25, 18.75:
     * CoP x = (37.5 + 1800 + 4125) / 390 = 15.2885; rows: r0 25, r1 335,
     * r2 30 at y = 4, 12, 20: CoP y = (100 + 4020 + 600) / 390 = 12.1026. */
    check_frame("step-an", 0, 23.4, 3.6, 200, 5962.5 / 390, 4720.0 / 390, 1e-4);
    expect_in_file("step-an/summary.json", "\"format\": \"zebris-apd\"");
}

/* --- Zebris WinFDM raw ASCII: IMPORT.md §8, CRLF and Latin-1 ----------- */

static const char fdm[] =
    "Person\tExample Person\r\nBorn\t\r\n\r\nRecord\t02-01-2024 demo barfu\xdf\r\n"
    "Application\tstatplat\r\nCreation date\t02/01/2024 15:04:05\r\nExercises\t{\r\n"
    "1\tGait\t0.00\t0.02\r\n}\r\n\r\nFrequency,Hz\t100.000\r\nCount\t2\r\n\r\n"
    "Time,ms\tl force,N\tr force,N\r\nCalibr\t\t\t\t\r\n\r\n0\t0.0\t4.2\r\n"
    "10\t0.0\t0.0\r\n\r\n\r\nPlatform {\r\nColumns\t3\r\nLines\t2\r\n"
    "Cell width,mm\t7.5\r\nCell height,mm\t7.5\r\nUnits\tN/cm^2\r\nFrame count\t2\r\n"
    "Frequency\t100.00\r\n\r\nFrame 1 {\r\nExercise1\r\nTime, ms\t0.00\r\n"
    "Center of force\t(x2,y1)\r\n\r\n\tx1\tx2\tx3\r\ny1\t0.00\t5.50\t2.00\r\n"
    "y2\t0.00\t0.00\t0.00\r\n}\r\nFrame 2 {\r\nExercise1\r\nTime, ms\t10.00\r\n"
    "Center of force\t(x1,y2)\r\n\r\n\tx1\tx2\tx3\r\ny1\t0.00\t0.00\t0.00\r\n"
    "y2\t1.50\t0.00\t0.00\r\n}\r\n";

static void test_import_cli_winfdm_analyze(void **state)
{
    (void)state;
    write_str("plat.txt", fdm);
    assert_int_equal(rollmat("import.log", "import", "plat.txt", "-o", "plat.h5", NULL), 0);
    assert_int_equal(rollmat("an.log", "analyze", "plat.h5", "-o", "plat-an", "--no-plot", NULL),
                     0);
    /* N/cm^2 x 10: frame 1 [0 55 20; 0 0 0] kPa, a = 7.5 * 7.5 = 56.25 mm2:
     * force = 75 * 56.25 / 1000 = 4.21875 N; area 2 * 56.25 = 112.5 mm2 =
     * 1.125 cm2; peak 55; CoP x = (55*11.25 + 20*18.75) / 75 = 13.25, y =
     * 3.75 (row 0). */
    check_frame("plat-an", 0, 4.21875, 1.125, 55, 13.25, 3.75, 1e-4);
    /* Frame 2: 15 kPa at (1, 0): force 0.84375 N, area 0.5625 cm2, CoP
     * (3.75, 11.25). */
    check_frame("plat-an", 1, 0.84375, 0.5625, 15, 3.75, 11.25, 1e-4);
}

/* --- in-bed text: the 64 x 32 preset, counts, a frame per second ------- */

/* The in-bed preset: frame k holds 100 counts at (3, 5) and 50 k at
 * (10, 20), CRLF. */
static void write_inbed(const char *name)
{
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 2048; i++)
            fprintf(m, "%d\t", i == 3 * 32 + 5 ? 100 : i == 10 * 32 + 20 ? 50 * k : 0);
        fputs("\r\n", m);
    }
    fclose(m);
    write_text(name, s, len);
    free(s);
}

static void test_import_cli_inbed_counts(void **state)
{
    (void)state;
    write_inbed("bed.txt");
    assert_int_equal(rollmat("import.log", "import", "bed.txt", "--format", "inbed", "--pitch-mm",
                             "10", "--rate-hz", "1", "-o", "bed.h5", NULL),
                     0);
    assert_int_equal(rollmat("an.log", "analyze", "bed.h5", "-o", "bed-an", "--no-plot",
                             "--contact-threshold-counts", "1", NULL),
                     0);
    /* Raw counts (no unit in the file): the analysis is in counts, force the
     * raw sum. Frame 2 (t = 2 s, a frame per second): 100 at (3, 5) and 100
     * at (10, 20): raw sum 200; area 2 * 100 mm2 = 2 cm2; peak 100; CoP x =
     * (100*55 + 100*205) / 200 = 130 mm, y = (100*35 + 100*105) / 200 = 70. */
    check_frame("bed-an", 2, 200, 2, 100, 130, 70, 1e-6);
    {
        double v[NCOLS];
        frame_row("bed-an", 2, v);
        close_to(v[C_T], 2.0, 1e-9, "t of frame 2 at 1 Hz");
    }
    expect_in_file("bed-an/summary.json", "\"units\": \"counts\"");
    /* The export states no resolution: adc_bits is the fewest bits that
     * hold its largest count, 100: 7 (0..127), so the default contact
     * threshold is 5% of 127 = 6.35 counts. Frame 1: 100 at (3, 5) and 50
     * at (10, 20), both in contact: raw sum 150; area 2 cm2; CoP x = (100*55
     * + 50*205) / 150 = 105, y = (100*35 + 50*105) / 150 = 58.333. */
    assert_int_equal(rollmat("an2.log", "analyze", "bed.h5", "-o", "bed-an2", "--no-plot", NULL),
                     0);
    check_frame("bed-an2", 1, 150, 2, 100, 105, 8750.0 / 150, 1e-4);
    close_to(summary_num("bed-an2", "contact_threshold_counts"), 0.05 * 127, 1e-9,
             "the default threshold in counts");
    /* Counts through export and import: UNITS raw, the same frames. */
    assert_int_equal(rollmat("e.log", "export", "bed.h5", "--format", "tekscan", NULL), 0);
    expect_in_file("bed.asf", "UNITS raw\n");
    assert_int_equal(rollmat("i2.log", "import", "bed.asf", "-o", "bed2.h5", NULL), 0);
    assert_int_equal(rollmat("c1.log", "export", "bed.h5", "--format", "csv", NULL), 0);
    assert_int_equal(rollmat("c2.log", "export", "bed2.h5", "--format", "csv", NULL), 0);
    {
        char *a = slurp("bed.csv"), *b = slurp("bed2.csv");
        const int same = strcmp(a, b) == 0;
        free(a);
        free(b);
        assert_true(same);
    }
    expect_in_file("bed-an/summary.json", "no rolling found");
}

/* --- a plain matrix: 256 x 256, a frame every 2 ms ---------------------- */

static void test_import_cli_matrix_256_2ms(void **state)
{
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    (void)state;
    /* A frame per line: 50 kPa at (200, 250) and 150 kPa at (10, 3). */
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 256 * 256; i++)
            fprintf(m, "%s%s", i ? "," : "",
                    i == 200 * 256 + 250 ? "50"
                    : i == 10 * 256 + 3  ? "150"
                                         : "0");
        fputs("\n", m);
    }
    fclose(m);
    write_text("big.csv", s, len);
    free(s);
    assert_int_equal(rollmat("import.log", "import", "big.csv", "--format", "matrix", "--rows",
                             "256", "--cols", "256", "--layout", "line", "--pitch-mm", "1",
                             "--unit", "kPa", "--rate-hz", "500", "-o", "big.h5", NULL),
                     0);
    assert_int_equal(rollmat("an.log", "analyze", "big.h5", "-o", "big-an", "--no-plot", NULL), 0);
    /* a = 1 mm2: force = 200 * 1 / 1000 = 0.2 N; area 2 mm2 = 0.02 cm2;
     * peak 150; CoP x = (50*250.5 + 150*3.5) / 200 = 65.25, y = (50*200.5 +
     * 150*10.5) / 200 = 58. Frame 1 at t = 2 ms. */
    check_frame("big-an", 1, 0.2, 0.02, 150, 65.25, 58, 1e-6);
    {
        double v[NCOLS];
        frame_row("big-an", 1, v);
        close_to(v[C_T], 0.002, 1e-9, "t of frame 1 at 500 Hz");
    }
}

/* --- XSENSOR: two insoles give two recordings, named by side ----------- */

static void xs_rec(FILE *m, const char *fields)
{
    int commas = 0;
    for (const char *p = fields; *p; p++)
        commas += *p == ',';
    fputs(fields, m);
    for (; commas < 5; commas++)
        fputc(',', m);
    fputs("\n,,,,,\n", m);
}

static void xs_sensor(FILE *m, const char *name, const char *r0, const char *r1)
{
    char tmp[128];
    snprintf(tmp, sizeof tmp, "SENSOR,%s", name);
    xs_rec(m, tmp);
    xs_rec(m, "Rows,2");
    xs_rec(m, "Columns,3");
    xs_rec(m, "Sensel Width (cm),0.5");
    xs_rec(m, "Sensel Height (cm),0.5");
    xs_rec(m, "SENSELS");
    xs_rec(m, r0);
    xs_rec(m, r1);
}

static void test_import_cli_xsensor_pair(void **state)
{
    char *s = NULL, *a, *b;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    (void)state;
    fputs("\xef\xbb\xbf", m);
    xs_rec(m, "File:,\"C:\\data\\walk,2.XSN\"");
    xs_rec(m, "Units:,mmHg");
    for (int k = 0; k < 2; k++) {
        char fr[32], t[32];
        snprintf(fr, sizeof fr, "FRAME,%d", 301 + k);
        snprintf(t, sizeof t, "Time, 10:00:00.%03d", 10 * k);
        xs_rec(m, fr);
        xs_rec(m, "Date, 2024 Jan 02");
        xs_rec(m, t);
        xs_sensor(m, "XS-DEMO-LF S0001", "0,37.5,75", "30,0,0");
        xs_sensor(m, "XS-DEMO-RF S0002", "10,0,0", "0,0,20");
    }
    fclose(m);
    write_text("xs.csv", s, len);
    free(s);
    assert_int_equal(rollmat("import.log", "import", "xs.csv", "-o", "pair.h5", NULL), 0);
    assert_true(exists("pair-left.h5"));
    assert_true(exists("pair-right.h5"));
    assert_false(exists("pair.h5"));
    assert_int_equal(rollmat("an.log", "analyze", "pair-left.h5", "-o", "left-an", "--no-plot",
                             "--contact-threshold", "1", NULL),
                     0);
    /* mmHg x 0.133322368 = kPa; pitch 5 mm, a = 25 mm2. Left, frame 0:
     * 37.5, 75, 30 mmHg = 142.5 mmHg = 18.998437 kPa: force = 18.998437 * 25
     * / 1000 = 0.474961 N; area 3 * 25 = 75 mm2 = 0.75 cm2; peak 75 mmHg =
     * 9.999178 kPa; CoP x = (37.5*7.5 + 75*12.5 + 30*2.5) / 142.5 = 9.078947,
     * y = (112.5*2.5 + 30*7.5) / 142.5 = 3.552632 (float32 storage: 1e-5). */
    check_frame("left-an", 0, 0.474961, 0.75, 9.999178, 1293.75 / 142.5, 506.25 / 142.5, 1e-5);
    expect_in_file("left-an/summary.json", "\"side\": \"left\"");
    /* --side keeps one insole, under the name given. */
    assert_int_equal(
        rollmat("side.log", "import", "xs.csv", "--side", "right", "-o", "one.h5", NULL), 0);
    assert_true(exists("one.h5"));
    assert_false(exists("one-right.h5"));
    assert_int_equal(rollmat("a1.log", "analyze", "one.h5", "-o", "one-an", "--no-plot", NULL), 0);
    expect_in_file("one-an/summary.json", "\"side\": \"right\"");
    /* The pair's right insole through export and import: the same frames
     * (pressures in mmHg made kPa are not round numbers: nine digits give
     * the float32 back). */
    assert_int_equal(
        rollmat("e.log", "export", "pair-right.h5", "--format", "tekscan", "-o", "right.asf", NULL),
        0);
    assert_int_equal(rollmat("i.log", "import", "right.asf", "-o", "right2.h5", NULL), 0);
    assert_int_equal(
        rollmat("c1.log", "export", "pair-right.h5", "--format", "csv", "-o", "r1.csv", NULL), 0);
    assert_int_equal(
        rollmat("c2.log", "export", "right2.h5", "--format", "csv", "-o", "r2.csv", NULL), 0);
    a = slurp("r1.csv");
    b = slurp("r2.csv");
    /* The labels differ (301 vs START_FRAME 301: the same) and the times
     * too (from 0): compare the whole text. */
    assert_string_equal(a, b);
    free(a);
    free(b);
}

/* --- novel emed .lst: windows that differ, two measurements ---------------- */

static void emed_page(FILE *m, int no, const char *pict, const char *table)
{
    fprintf(m, "\n\t\t\t\tPage %d\n\n", no);
    fputs("\tFile: C:\\demo\\trial.dat \tMatrix: 6x5 \n"
          "\tSensor area: 0.25 cm\xb2\tTime/picture:20.0 ms\n\tMV over frames\n"
          "\tSensor size: 0.500x0.500 cm\n\t<vendor text>\n\t<vendor text>\n",
          m);
    fprintf(m, "\tPict-No.: %s  Force[N]=sum*sensor_area in row/column\n\n%s\f\n", pict, table);
}

static void test_import_cli_emed_analyze(void **state)
{
    static const char t1[] = "\t3\t4\t5\tForce\n2\t0.00\t40.00\t20.00\t1.50\n"
                             "3\t10.00\t0.00\t0.00\t0.25\nForce\t0.25\t1.00\t0.50\t1.75\n";
    static const char t2[] = "\t2\t3\t4\tForce\n3\t8.00\t0.00\t4.00\t0.30\n"
                             "4\t0.00\t12.00\t0.00\t0.30\nForce\t0.20\t0.30\t0.10\t0.60\n";
    static const char t3[] = "\t1\tForce\n1\t4.00\t0.10\nForce\t0.10\t0.10\n";
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    (void)state;
    emed_page(m, 1, "1", t1);
    emed_page(m, 2, "2", t2);
    emed_page(m, 3, "MPP", t1);
    emed_page(m, 4, "1", t3); /* Pict-No. 1 again: a second measurement */
    fputc('\f', m);
    fclose(m);
    write_text("trial.lst", s, len);
    free(s);
    assert_int_equal(rollmat("import.log", "import", "trial.lst", "-o", "trial.h5", NULL), 0);
    assert_true(exists("trial-1.h5") && exists("trial-2.h5"));
    assert_int_equal(rollmat("an.log", "analyze", "trial-1.h5", "-o", "trial-an", "--no-plot",
                             "--contact-threshold", "1", NULL),
                     0);
    /* The windows' union: 3 rows x 4 columns of 5 x 5 mm (a = 25 mm2), 50
     * pictures a second. Picture 1: [0 0 40 20; 0 10 0 0; 0 0 0 0] kPa:
     * force = 70 * 25 / 1000 = 1.75 N; area 75 mm2 = 0.75 cm2; peak 40;
     * CoP x = (40*12.5 + 20*17.5 + 10*7.5) / 70 = 925/70, y = (60*2.5 +
     * 10*7.5) / 70 = 225/70. Picture 2 (t = 20 ms): [0 0 0 0; 8 0 4 0; 0 12
     * 0 0]: force = 24 * 25 / 1000 = 0.6 N; area 0.75 cm2; peak 12; CoP x =
     * (8*2.5 + 4*12.5 + 12*7.5) / 24 = 160/24, y = (12*7.5 + 12*12.5) / 24 =
     * 10 (contact from 1 kPa: 4 kPa counts). */
    check_frame("trial-an", 0, 1.75, 0.75, 40, 925.0 / 70, 225.0 / 70, 1e-5);
    check_frame("trial-an", 1, 0.6, 0.75, 12, 160.0 / 24, 10, 1e-5);
}

/* --- novel pliance .asc: the grid from the corners, non-square sensels --- */

static void test_import_cli_pliance_analyze(void **state)
{
    static const char asc[] =
        "file name: demo.mat date/time 02.01.24 15.04\nmat type demo_001\n"
        "total times [secs]: 0.300 time per frame [secs]: 0.05000 scanning rate [Hz]: 20\n"
        "pressure values in kPa\n\n\nelectrical:\n"
        "time[secs]       2       3      10      11\n"
        "    0.20000   0.000  20.000   0.000  40.000\n"
        "    0.25000  10.000   0.000  30.000   0.000\n"
        "        MPP  10.000  20.000  30.000  40.000\n"
        "        MVP   1.667   3.333   5.000   6.667\n"
        "\n\n time[secs] force[N]   x[cm]   y[cm]\n\n"
        "    0.05000    0.000       -       -\n    0.10000    0.000       -       -\n"
        "    0.15000    0.000       -       -\n    0.20000    3.000   0.417   1.500\n"
        "    0.25000    2.000   0.375   0.500\n    0.30000    0.000       -       -\n\n\n"
        "sensor        2        3       10       11\ncorner[cm]\n"
        "x[0]     0.0000   0.0000   0.5000   0.5000\ny[0]     2.0000   1.0000   2.0000   1.0000\n"
        "x[1]     0.0000   0.0000   0.5000   0.5000\ny[1]     1.0000   0.0000   1.0000   0.0000\n"
        "x[2]     0.5000   0.5000   1.0000   1.0000\ny[2]     1.0000   0.0000   1.0000   0.0000\n"
        "x[3]     0.5000   0.5000   1.0000   1.0000\ny[3]     2.0000   1.0000   2.0000   1.0000\n"
        "x[c]     0.2500   0.2500   0.7500   0.7500\ny[c]     1.5000   0.5000   1.5000   0.5000\n"
        "area     0.5000   0.5000   0.5000   0.5000\n";
    (void)state;
    write_str("demo.asc", asc);
    assert_int_equal(rollmat("import.log", "import", "demo.asc", "-o", "mat.h5", NULL), 0);
    assert_int_equal(rollmat("an.log", "analyze", "mat.h5", "-o", "mat-an", "--no-plot", NULL), 0);
    /* 2 x 2 sensels of 5 mm (x) by 10 mm (y): a = 50 mm2; row 0 on top
     * (y = 1.5 cm). t = 0.20 s: 20 kPa at (1, 0), 40 at (1, 1): force = 60 *
     * 50 / 1000 = 3.0 N; area 100 mm2 = 1 cm2; peak 40; CoP x = (20*2.5 +
     * 40*7.5) / 60 = 5.8333, y = 15. t = 0.25 s: 10 at (0, 0), 30 at (0, 1):
     * force 2.0 N, CoP x = (10*2.5 + 30*7.5) / 40 = 6.25, y = 5. */
    check_frame("mat-an", 0, 3.0, 1.0, 40, 350.0 / 60, 15, 1e-5);
    check_frame("mat-an", 1, 2.0, 1.0, 30, 6.25, 5, 1e-5);
    {
        /* The frames start at the export's 0.20 s: the analysis's t from 0,
         * the next 50 ms later. */
        double v[NCOLS];
        frame_row("mat-an", 1, v);
        close_to(v[C_T], 0.05, 1e-9, "t of frame 1");
    }
}

/* --- pedar: a sensor list (IMPORT.md §5's example) ------------------------ */

static void test_import_cli_pedar_sensor_list(void **state)
{
    static const char asc[] =
        "file name:  demo.sol\tdate/time  02.01.24 15.04\t\n"
        "sensor type:  q-0001l-0002r-xyz-01jan2024 \t\n"
        "total time [secs]:  0.020\ttime per frame [secs]:  0.01000\tscanning rate [Hz]:   100\t\n"
        "pressure values in  kPa\t\n\nmask definition: \t\nleft insole: 1,2\t\n"
        "right insole: 1,2,\t\n\ntime[secs]    \t      1\t      2\t      1\t      2\t\n"
        "     0.01000\t 12.500\t 40.000\t  5.000\t  0.000\t\n"
        "     0.02000\t 15.000\t 37.500\t 10.000\t  7.500\t\n";
    static const char table[] = "id,area_mm2,x_mm,y_mm\n1,100,10,50\n2,200,30,150\n";
    double v[NCOLS];
    (void)state;
    write_str("demo.asc", asc);
    write_str("table.csv", table);
    /* Without areas: peaks only; force, area and CoP unavailable (empty
     * fields, null), not zero. Left frame 0: 12.5 and 40 kPa: peak 40. */
    assert_int_equal(rollmat("i1.log", "import", "demo.asc", "-o", "bare.h5", NULL), 0);
    assert_true(exists("bare-left.h5") && exists("bare-right.h5"));
    assert_int_equal(rollmat("a1.log", "analyze", "bare-left.h5", "-o", "bare-an", NULL), 0);
    frame_row("bare-an", 0, v);
    close_to(v[C_PEAK], 40, 1e-9, "peak");
    close_to(v[C_MEAN], 26.25, 1e-9, "mean"); /* (12.5 + 40) / 2 */
    assert_true(isnan(v[C_FORCE]) && isnan(v[C_AREA]) && isnan(v[C_COPX]));
    expect_in_file("bare-an/summary.json", "\"mean_force_n\": null");
    expect_in_file("bare-an/summary.json", "\"passes\": null");
    expect_in_file("a1.log", "force and contact area are unavailable");
    /* With the table: sensor 1 100 mm2 at (10, 50), sensor 2 200 mm2 at
     * (30, 150). Left frame 0: force = (12.5*100 + 40*200) / 1000 = 9.25 N;
     * area 300 mm2 = 3 cm2; CoP x = (1250*10 + 8000*30) / 9250 = 27.2973,
     * y = (1250*50 + 8000*150) / 9250 = 136.4865. Right frame 1: 10 and
     * 7.5 kPa (both >= 5): force = (1000 + 1500) / 1000 = 2.5 N; CoP x =
     * (1000*10 + 1500*30) / 2500 = 22, y = (1000*50 + 1500*150) / 2500 =
     * 110. */
    assert_int_equal(rollmat("i2.log", "import", "demo.asc", "--sensor-table", "table.csv", "-o",
                             "ped.h5", NULL),
                     0);
    assert_int_equal(rollmat("a2.log", "analyze", "ped-left.h5", "-o", "ped-l", NULL), 0);
    check_frame("ped-l", 0, 9.25, 3, 40, 252500.0 / 9250, 1262500.0 / 9250, 1e-4);
    assert_int_equal(rollmat("a3.log", "analyze", "ped-right.h5", "-o", "ped-r", NULL), 0);
    check_frame("ped-r", 1, 2.5, 3, 10, 22, 110, 1e-4);
    expect_in_file("ped-r/summary.json", "no rolling found");
}

/* --- plot, report and compare on an imported recording ---------------- */

static void test_import_cli_report_compare(void **state)
{
    (void)state;
    write_str("rep.asf", tekscan_example);
    assert_int_equal(rollmat("i.log", "import", "rep.asf", "-o", "rep.h5", NULL), 0);
    assert_int_equal(rollmat("p.log", "plot", "rep.h5", "-o", "rep-plots", NULL), 0);
    assert_int_equal(rollmat("r.log", "report", "rep.h5", "-o", "rep.pdf", NULL), 0);
    assert_int_equal(rollmat("c.log", "compare", "rep.h5", "rep.h5", "-o", "cmp.pdf", NULL), 0);
    /* The other kinds of grid: a single peak image without a rate (.apd),
     * the WinFDM platform, an in-bed map in counts. */
    write_str("step.apd", apd);
    write_str("plat.txt", fdm);
    write_inbed("bed.txt");
    assert_int_equal(rollmat("i2.log", "import", "step.apd", "plat.txt", NULL), 0);
    assert_int_equal(rollmat("i3.log", "import", "bed.txt", "--format", "inbed", "--pitch-mm", "10",
                             "--rate-hz", "1", NULL),
                     0);
    {
        static const char *const recs[] = {"step", "plat", "bed"};
        for (size_t k = 0; k < 3; k++) {
            char h5[64], plots[64], pdf[64], cmp[64];
            snprintf(h5, sizeof h5, "%s.h5", recs[k]);
            snprintf(plots, sizeof plots, "%s-plots", recs[k]);
            snprintf(pdf, sizeof pdf, "%s.pdf", recs[k]);
            snprintf(cmp, sizeof cmp, "%s-cmp.pdf", recs[k]);
            assert_int_equal(rollmat("p2.log", "plot", h5, "-o", plots, NULL), 0);
            assert_int_equal(rollmat("r2.log", "report", h5, "-o", pdf, NULL), 0);
            assert_int_equal(rollmat("c2.log", "compare", h5, h5, "-o", cmp, NULL), 0);
        }
    }
    /* The report says where the data came from, and that it needs no
     * calibration. */
    if (access("/usr/bin/pdftotext", X_OK) != 0) {
        print_message("poppler-utils missing: the PDF's text not checked\n");
        return;
    }
    {
        char pdf[PATHLEN], txt[PATHLEN], log[PATHLEN];
        rmat_test_pathf(pdf, sizeof pdf, "%s/rep.pdf", dir);
        rmat_test_pathf(txt, sizeof txt, "%s/rep.txt", dir);
        rmat_test_pathf(log, sizeof log, "%s/pdftotext.log", dir);
        char *argv[] = {(char *)"/usr/bin/pdftotext", pdf, txt, NULL};
        assert_int_equal(rmat_test_run(argv, log, TIMEOUT), 0);
    }
    expect_in_file("rep.txt", "Data: imported from a tekscan export, rep.asf (SHA-256 ");
    expect_in_file("rep.txt", "Calibration: none needed (imported in kPa)");
}

/* --- bad input (IMPORT.md §13) ------------------------------------------ */

struct bad {
    const char *name;
    const char *text;
    const char *message; /* in stderr */
};

static void test_import_cli_bad_input(void **state)
{
    static const struct bad cases[] = {
        /* The last frame ends after one of its three rows: at the end of the
         * file (line 17). */
        {"truncated.asf",
         "DATA_TYPE MOVIE\nROWS 3\nCOLS 2\nROW_SPACING 1 mm\nCOL_SPACING 1 mm\n"
         "SECONDS_PER_FRAME 0.01\nUNITS KPa\nASCII_DATA @@\n\nFrame 1\n1,2\n3,4\n5,6\n\n"
         "Frame 2\n1,2\n",
         "truncated.asf:17: frame 2 ends after 1 of 3 rows (ROWS, line 2)"},
        /* Line 12 holds one value of two. */
        {"short.asf",
         "DATA_TYPE MOVIE\nROWS 2\nCOLS 2\nROW_SPACING 1 mm\nCOL_SPACING 1 mm\n"
         "SECONDS_PER_FRAME 0.01\nUNITS KPa\nASCII_DATA @@\n\nFrame 1\n1,2\n3\n\n@@\n",
         "short.asf:12: expected 2 values"},
        /* "1O" (letter O) in line 11. */
        {"letter.asf",
         "DATA_TYPE MOVIE\nROWS 2\nCOLS 2\nROW_SPACING 1 mm\nCOL_SPACING 1 mm\n"
         "SECONDS_PER_FRAME 0.01\nUNITS KPa\nASCII_DATA @@\n\nFrame 1\n1,1O\n3,4\n\n@@\n",
         "letter.asf:11: value 2 is \"1O\""},
        /* START_FRAME..END_FRAME announce 3 frames, 1 is there. */
        {"count.asf",
         "DATA_TYPE MOVIE\nROWS 1\nCOLS 2\nROW_SPACING 1 mm\nCOL_SPACING 1 mm\n"
         "SECONDS_PER_FRAME 0.01\nSTART_FRAME 1\nEND_FRAME 3\nUNITS KPa\nASCII_DATA @@\n\n"
         "Frame 1\n1,2\n\n@@\n",
         "announce 3 frames, found 1"},
        /* A length unit nobody knows, line 4. */
        {"unit.asf",
         "DATA_TYPE MOVIE\nROWS 1\nCOLS 2\nROW_SPACING 1 furlongs\nCOL_SPACING 1 mm\n"
         "SECONDS_PER_FRAME 0.01\nUNITS KPa\nASCII_DATA @@\n\nFrame 1\n1,2\n\n@@\n",
         "unit.asf:4: ROW_SPACING: unknown length unit \"furlongs\""},
        {"empty.asf", "", "empty.asf: the file is empty: expected an export, found 0 bytes"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char log[64];
        snprintf(log, sizeof log, "bad-%zu.log", i);
        write_str(cases[i].name, cases[i].text);
        assert_int_equal(
            rollmat(log, "import", cases[i].name, "--format", "tekscan", "-o", "bad.h5", NULL), 1);
        expect_in_file(log, "rollmat import: error: ");
        expect_in_file(log, cases[i].message);
        assert_false(exists("bad.h5"));
    }
    /* Nothing left behind: no recording, no temporary file. */
    no_h5_but(NULL);
}

/* Ctrl-C in the middle of an import: exit status 1, the temporary file
 * removed, nothing under the output name. */
static void test_import_cli_interrupted(void **state)
{
    char path[PATHLEN], tmp[PATHLEN], log[PATHLEN];
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    pid_t pid;
    (void)state;
    /* ~40 MB: a few seconds of importing in this build. */
    for (int k = 0; k < 2000; k++) {
        for (int i = 0; i < 64 * 64; i++)
            fprintf(m, "%s%d.25", i ? "," : "", (i + k) % 97);
        fputc('\n', m);
    }
    fclose(m);
    write_text("long.csv", s, len);
    free(s);
    rmat_test_pathf(path, sizeof path, "%s/long.csv", dir);
    rmat_test_pathf(log, sizeof log, "%s/int.log", dir);
    {
        char out[PATHLEN];
        rmat_test_pathf(out, sizeof out, "%s/long.h5", dir);
        char *argv[] = {(char *)RMAT_CLI_EXE,
                        (char *)"import",
                        path,
                        (char *)"--format",
                        (char *)"matrix",
                        (char *)"--rows",
                        (char *)"64",
                        (char *)"--cols",
                        (char *)"64",
                        (char *)"--layout",
                        (char *)"line",
                        (char *)"--pitch-mm",
                        (char *)"5",
                        (char *)"--unit",
                        (char *)"kPa",
                        (char *)"--rate-hz",
                        (char *)"100",
                        (char *)"-o",
                        out,
                        NULL};
        pid = rmat_test_spawn(argv, log);
    }
    assert_true(pid > 0);
    /* The temporary recording appears (.long.h5.import-PID-0.tmp): then stop. */
    rmat_test_pathf(tmp, sizeof tmp, "%s/.long.h5.import-%ld-0.tmp", dir, (long)pid);
    assert_int_equal(rmat_test_wait_file(tmp, TIMEOUT), 0);
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(rmat_test_wait(pid, TIMEOUT), 1);
    expect_in_file("int.log", "stopped; nothing written for");
    assert_false(exists("long.h5"));
    no_h5_but(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_import_cli_bad_input, setup),
        cmocka_unit_test_setup(test_import_cli_tekscan_analyze, setup),
        cmocka_unit_test_setup(test_import_cli_mask_wins, setup),
        cmocka_unit_test_setup(test_import_cli_long_header, setup),
        cmocka_unit_test_setup(test_import_cli_round_trip, setup),
        cmocka_unit_test_setup(test_import_cli_apd_analyze, setup),
        cmocka_unit_test_setup(test_import_cli_winfdm_analyze, setup),
        cmocka_unit_test_setup(test_import_cli_inbed_counts, setup),
        cmocka_unit_test_setup(test_import_cli_matrix_256_2ms, setup),
        cmocka_unit_test_setup(test_import_cli_xsensor_pair, setup),
        cmocka_unit_test_setup(test_import_cli_emed_analyze, setup),
        cmocka_unit_test_setup(test_import_cli_pliance_analyze, setup),
        cmocka_unit_test_setup(test_import_cli_pedar_sensor_list, setup),
        cmocka_unit_test_setup(test_import_cli_report_compare, setup),
        cmocka_unit_test_setup(test_import_cli_interrupted, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
