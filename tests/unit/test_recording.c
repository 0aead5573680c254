/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the recording writer (acq/recording.c).
 *
 * What the writer produced is read back with the raw HDF5 API, not with
 * rmat_reader, and compared with docs/format.md and docs/format.md: names, file
 * types, shapes, chunking, attributes, and every value, which the test
 * computes from the frame index on its own (pattern_*). The live and crash
 * tests run the writer in a forked child, because HDF5 lets one process hold
 * a file open only once.
 */
#define _GNU_SOURCE /* unshare, mount */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "rmat_test.h"
#include "rollmat/reader.h"
#include "rollmat/dates.h"
#include "rollmat/recording.h"
#include "rollmat/uuid.h"

#define ROWS 20
#define COLS 30
/* docs/format.md: a raw chunk is 128 KiB of frames, at least 1, at most
 * 1024 frames: 131072 / (20 * 30 * 2) = 109 frames, which does not divide
 * the 1000 frames written below. */
#define CHUNK_FRAMES 109

/* --- the truth ----------------------------------------------------------- */

static uint16_t pattern_raw(uint64_t f, int r, int c)
{
    uint32_t x = (uint32_t)f * 2654435761u ^ (uint32_t)(r << 10) ^ (uint32_t)(c * 77);
    return (uint16_t)(x ^ (x >> 16));
}

static uint32_t pattern_seq(uint64_t f)
{
    return 4000000000u + (uint32_t)f; /* wraps past 2^32 - 1 */
}

static uint64_t pattern_tdev(uint64_t f)
{
    return 5000000000ull + f * 10007ull;
}

static int64_t pattern_thost(uint64_t f)
{
    return 1763724367000000000LL + (int64_t)f * 9999937LL;
}

static void fill_frame(uint16_t *raw, uint64_t f, int rows, int cols)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            raw[r * cols + c] = pattern_raw(f, r, c);
}

static int append_frames_ei(struct rmat_rec *rec, uint64_t from, uint64_t to, int rows, int cols,
                            struct rmat_errinfo *ei)
{
    uint16_t *raw = malloc((size_t)rows * (size_t)cols * sizeof *raw);
    int rc = RMAT_OK;

    if (!raw)
        return RMAT_E_NOMEM;
    for (uint64_t f = from; f < to && rc == RMAT_OK; f++) {
        fill_frame(raw, f, rows, cols);
        rc = rmat_rec_append(rec, pattern_seq(f), pattern_tdev(f), pattern_thost(f), raw, ei);
    }
    free(raw);
    return rc;
}

static int append_frames(struct rmat_rec *rec, uint64_t from, uint64_t to, int rows, int cols)
{
    return append_frames_ei(rec, from, to, rows, cols, NULL);
}

/* Seconds since the epoch of a UTC calendar date (proleptic Gregorian). */
static int64_t utc_seconds(int y, int mon, int d, int h, int min, int s)
{
    int64_t yy = y - (mon <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + h * 3600 + min * 60 + s;
}

static void test_device(struct rmat_device_desc *d, int rows, int cols)
{
    memset(d, 0, sizeof *d);
    snprintf(d->model, sizeof d->model, "rollmat-sim");
    d->serial = 3000000001u; /* above INT32_MAX: must be stored unsigned */
    snprintf(d->firmware_version, sizeof d->firmware_version, "1.2.3-test");
    d->protocol_version = 1;
    d->rows = rows;
    d->cols = cols;
    d->adc_bits = 12;
    d->pitch_x_mm = 5.08;
    d->pitch_y_mm = 2.54;
    d->rate_hz = 100.0;
}

static void test_meta(struct rmat_session_meta *m)
{
    rmat_session_meta_init(m);
    snprintf(m->subject, sizeof m->subject, "S017");
    snprintf(m->session, sizeof m->session, "week3-a");
    snprintf(m->region, sizeof m->region, "quadriceps");
    snprintf(m->side, sizeof m->side, "left");
    snprintf(m->roller, sizeof m->roller, "foam-firm");
    m->roller_diameter_mm = 150.0;
    snprintf(m->mounting, sizeof m->mounting, "tissue");
    /* body_mass_kg stays unknown: NaN in the file */
    snprintf(m->operator_name, sizeof m->operator_name, "Zoë Ångström");
    /* notes stay unknown: "" in the file */
    snprintf(m->started_utc, sizeof m->started_utc, "2026-11-21T11:26:07Z");
}

static void make_path(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* --- raw HDF5 checks ----------------------------------------------------- */

static hid_t open_attr(hid_t loc, const char *obj, const char *name)
{
    hid_t a = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        fail_msg("attribute %s of %s missing", name, obj);
    return a;
}

/* A fixed-length, null-terminated UTF-8 string attribute equal to want. */
static void check_str_attr(hid_t file, const char *obj, const char *name, const char *want)
{
    hid_t a = open_attr(file, obj, name);
    hid_t t = H5Aget_type(a);
    char buf[512];

    assert_int_equal(H5Tget_class(t), H5T_STRING);
    assert_int_equal(H5Tis_variable_str(t), 0);
    assert_int_equal(H5Tget_cset(t), H5T_CSET_UTF8);
    assert_int_equal(H5Tget_strpad(t), H5T_STR_NULLTERM);
    assert_true(H5Tget_size(t) < sizeof buf);
    memset(buf, 0, sizeof buf);
    assert_true(H5Aread(a, t, buf) >= 0);
    assert_string_equal(buf, want);
    /* Sized to the content. */
    assert_int_equal(H5Tget_size(t), strlen(want) + 1);
    H5Tclose(t);
    H5Aclose(a);
}

static void read_str_attr(hid_t file, const char *obj, const char *name, char *buf, size_t cap)
{
    hid_t a = open_attr(file, obj, name);
    hid_t t = H5Aget_type(a);
    assert_true(H5Tget_size(t) < cap);
    memset(buf, 0, cap);
    assert_true(H5Aread(a, t, buf) >= 0);
    H5Tclose(t);
    H5Aclose(a);
}

/* A numeric attribute of exactly the file type ftype. */
static void read_num_attr(hid_t file, const char *obj, const char *name, hid_t ftype, hid_t mtype,
                          void *out)
{
    hid_t a = open_attr(file, obj, name);
    hid_t t = H5Aget_type(a);
    if (H5Tequal(t, ftype) <= 0)
        fail_msg("attribute %s of %s has the wrong type", name, obj);
    assert_true(H5Aread(a, mtype, out) >= 0);
    H5Tclose(t);
    H5Aclose(a);
}

static int int_attr(hid_t file, const char *obj, const char *name)
{
    int v = -12345;
    read_num_attr(file, obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
    return v;
}

static double f64_attr(hid_t file, const char *obj, const char *name)
{
    double v = -1.0;
    read_num_attr(file, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
    return v;
}

/* Checks a dataset's file type, rank, dims, unlimited first dim and chunk
 * shape; returns it open. */
static hid_t check_dataset(hid_t file, const char *path, hid_t ftype, int rank, const hsize_t *dims,
                           const hsize_t *chunk)
{
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    hid_t t, s, p;
    hsize_t got[3], maxd[3], ch[3];

    if (d < 0)
        fail_msg("dataset %s missing", path);
    t = H5Dget_type(d);
    if (H5Tequal(t, ftype) <= 0)
        fail_msg("dataset %s has the wrong type", path);
    H5Tclose(t);
    s = H5Dget_space(d);
    assert_int_equal(H5Sget_simple_extent_ndims(s), rank);
    H5Sget_simple_extent_dims(s, got, maxd);
    H5Sclose(s);
    assert_true(maxd[0] == H5S_UNLIMITED);
    p = H5Dget_create_plist(d);
    assert_int_equal(H5Pget_layout(p), H5D_CHUNKED);
    assert_int_equal(H5Pget_chunk(p, 3, ch), rank);
    /* docs/format.md: only /frames/raw is compressed (check_filters()). */
    if (strcmp(path, "/frames/raw") != 0)
        assert_int_equal(H5Pget_nfilters(p), 0);
    H5Pclose(p);
    for (int i = 0; i < rank; i++) {
        assert_int_equal(got[i], dims[i]);
        assert_int_equal(ch[i], chunk[i]);
        if (i > 0)
            assert_int_equal(maxd[i], dims[i]);
    }
    return d;
}

static void read_all(hid_t d, hid_t mtype, void *buf)
{
    assert_true(H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
}

static hid_t string_type(size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, size);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/* Every frame of /frames in file equals the pattern, frames 0..n-1. */
static void check_frames(hid_t file, uint64_t n, int rows, int cols, hsize_t chunk)
{
    const hsize_t raw_dims[3] = {n, (hsize_t)rows, (hsize_t)cols};
    const hsize_t raw_chunk[3] = {chunk, (hsize_t)rows, (hsize_t)cols};
    const hsize_t dims1[1] = {n}, chunk1[1] = {chunk};
    size_t nn = (size_t)n;
    uint16_t *raw = malloc((nn ? nn : 1) * (size_t)rows * (size_t)cols * sizeof *raw);
    uint32_t *seq = malloc((nn ? nn : 1) * sizeof *seq);
    uint64_t *tdev = malloc((nn ? nn : 1) * sizeof *tdev);
    int64_t *thost = malloc((nn ? nn : 1) * sizeof *thost);
    hid_t d;

    assert_non_null(raw);
    assert_non_null(seq);
    assert_non_null(tdev);
    assert_non_null(thost);
    d = check_dataset(file, "/frames/raw", H5T_STD_U16LE, 3, raw_dims, raw_chunk);
    if (n)
        read_all(d, H5T_NATIVE_UINT16, raw);
    H5Dclose(d);
    d = check_dataset(file, "/frames/seq", H5T_STD_U32LE, 1, dims1, chunk1);
    if (n)
        read_all(d, H5T_NATIVE_UINT32, seq);
    H5Dclose(d);
    d = check_dataset(file, "/frames/t_device_us", H5T_STD_U64LE, 1, dims1, chunk1);
    if (n)
        read_all(d, H5T_NATIVE_UINT64, tdev);
    H5Dclose(d);
    d = check_dataset(file, "/frames/t_host_ns", H5T_STD_I64LE, 1, dims1, chunk1);
    if (n)
        read_all(d, H5T_NATIVE_INT64, thost);
    H5Dclose(d);
    for (uint64_t f = 0; f < n; f++) {
        assert_int_equal(seq[f], pattern_seq(f));
        assert_int_equal(tdev[f], pattern_tdev(f));
        assert_int_equal(thost[f], pattern_thost(f));
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                if (raw[(f * (uint64_t)rows + (uint64_t)r) * (uint64_t)cols + (uint64_t)c] !=
                    pattern_raw(f, r, c))
                    fail_msg("frame %llu sensel %d,%d differs", (unsigned long long)f, r, c);
    }
    free(raw);
    free(seq);
    free(tdev);
    free(thost);
}

/* --- tests --------------------------------------------------------------- */

static void test_recording_round_trip_with_raw_hdf5(void **state)
{
    char dir[512], path[600], buf[512], long_text[300];
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_errinfo ei;
    struct rmat_rec *rec = NULL;
    hid_t file, d, kt, tt;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_round_trip", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "s.h5");
    test_device(&dev, ROWS, COLS);
    test_meta(&meta);
    assert_int_equal(rmat_rec_create(path, &dev, &meta, &rec, &ei), RMAT_OK);
    assert_non_null(rec);

    /* Flushes at odd places split blocks into partial writes that later
     * appends complete: no frame may be lost or written twice. */
    assert_int_equal(append_frames(rec, 0, 100, ROWS, COLS), RMAT_OK);
    assert_int_equal(rmat_rec_flush(rec, &ei), RMAT_OK);
    assert_int_equal(append_frames(rec, 100, 101, ROWS, COLS), RMAT_OK);
    assert_int_equal(rmat_rec_flush(rec, &ei), RMAT_OK);
    assert_int_equal(rmat_rec_flush(rec, &ei), RMAT_OK);                 /* nothing new */
    assert_int_equal(append_frames(rec, 101, 218, ROWS, COLS), RMAT_OK); /* = 2 chunks */
    assert_int_equal(rmat_rec_flush(rec, &ei), RMAT_OK);
    assert_int_equal(append_frames(rec, 218, 1000, ROWS, COLS), RMAT_OK);
    assert_int_equal(rmat_rec_frames(rec), 1000);

    /* 15 bytes of kind, 127 of text, cut before a character that would not
     * fit whole: 126 x 'a' then 'é' (2 bytes) keeps only the 126 'a'. */
    memset(long_text, 'a', 126);
    strcpy(long_text + 126, "\xc3\xa9 and more");
    assert_int_equal(
        rmat_rec_event(rec, 1763724367000000000LL, "start", NAN, "start left quadriceps", &ei),
        RMAT_OK);
    assert_int_equal(rmat_rec_event(rec, 1763724368000000000LL, "pain", 7.5, NULL, &ei), RMAT_OK);
    assert_int_equal(
        rmat_rec_event(rec, 1763724369000000000LL, "a-very-long-kind-name", -1.0, long_text, &ei),
        RMAT_OK);
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);

    /* A cleanly closed file opens without SWMR. */
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);

    check_str_attr(file, "/", "format", "rollmat-recording");
    assert_int_equal(int_attr(file, "/", "format_version"), 2);
    /* one identity per recording, made at creation; an original is not
     * marked as recovered */
    read_str_attr(file, "/", "recording_id", buf, sizeof buf);
    assert_true(rmat_uuid_valid(buf));
    assert_int_equal(buf[14], '4'); /* version 4 */
    assert_true(H5Aexists(file, "recovered_from") == 0);
    read_str_attr(file, "/", "created_utc", buf, sizeof buf);
    assert_int_equal(strlen(buf), 20);
    assert_true(buf[4] == '-' && buf[7] == '-' && buf[10] == 'T' && buf[13] == ':' &&
                buf[16] == ':' && buf[19] == 'Z');
    read_str_attr(file, "/", "software", buf, sizeof buf);
    assert_memory_equal(buf, "rollmat ", 8);
    assert_true(strlen(buf) > 8);

    check_str_attr(file, "/device", "model", "rollmat-sim");
    {
        uint32_t serial = 0;
        read_num_attr(file, "/device", "serial", H5T_STD_U32LE, H5T_NATIVE_UINT32, &serial);
        assert_int_equal(serial, 3000000001u);
    }
    check_str_attr(file, "/device", "firmware_version", "1.2.3-test");
    assert_int_equal(int_attr(file, "/device", "protocol_version"), 1);
    assert_int_equal(int_attr(file, "/device", "rows"), ROWS);
    assert_int_equal(int_attr(file, "/device", "cols"), COLS);
    assert_int_equal(int_attr(file, "/device", "adc_bits"), 12);
    assert_true(f64_attr(file, "/device", "pitch_x_mm") == 5.08);
    assert_true(f64_attr(file, "/device", "pitch_y_mm") == 2.54);
    assert_true(f64_attr(file, "/device", "rate_hz") == 100.0);

    check_str_attr(file, "/session", "subject", "S017");
    check_str_attr(file, "/session", "session", "week3-a");
    check_str_attr(file, "/session", "region", "quadriceps");
    check_str_attr(file, "/session", "side", "left");
    check_str_attr(file, "/session", "roller", "foam-firm");
    assert_true(f64_attr(file, "/session", "roller_diameter_mm") == 150.0);
    check_str_attr(file, "/session", "mounting", "tissue");
    assert_true(isnan(f64_attr(file, "/session", "body_mass_kg")));
    check_str_attr(file, "/session", "operator", "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m");
    check_str_attr(file, "/session", "notes", "");
    check_str_attr(file, "/session", "started_utc", "2026-11-21T11:26:07Z");

    check_frames(file, 1000, ROWS, COLS, CHUNK_FRAMES);

    {
        const hsize_t dims[1] = {3}, chunk[1] = {64};
        int64_t t[3];
        double v[3];
        char kind[3][16], text[3][128];

        kt = string_type(16);
        tt = string_type(128);
        d = check_dataset(file, "/events/t_host_ns", H5T_STD_I64LE, 1, dims, chunk);
        read_all(d, H5T_NATIVE_INT64, t);
        H5Dclose(d);
        d = check_dataset(file, "/events/kind", kt, 1, dims, chunk);
        read_all(d, kt, kind);
        H5Dclose(d);
        d = check_dataset(file, "/events/value", H5T_IEEE_F64LE, 1, dims, chunk);
        read_all(d, H5T_NATIVE_DOUBLE, v);
        H5Dclose(d);
        d = check_dataset(file, "/events/text", tt, 1, dims, chunk);
        read_all(d, tt, text);
        H5Dclose(d);
        H5Tclose(kt);
        H5Tclose(tt);

        assert_int_equal(t[0], 1763724367000000000LL);
        assert_int_equal(t[1], 1763724368000000000LL);
        assert_int_equal(t[2], 1763724369000000000LL);
        /* Null-padded to the full width. */
        assert_memory_equal(kind[0], "start\0\0\0\0\0\0\0\0\0\0\0", 16);
        assert_memory_equal(kind[1], "pain\0\0\0\0\0\0\0\0\0\0\0\0", 16);
        assert_memory_equal(kind[2], "a-very-long-kin\0", 16);
        assert_true(isnan(v[0]));
        assert_true(v[1] == 7.5);
        assert_true(v[2] == -1.0);
        assert_memory_equal(text[0], "start left quadriceps", 22);
        for (int i = 22; i < 128; i++)
            assert_int_equal(text[0][i], 0);
        for (int i = 0; i < 128; i++)
            assert_int_equal(text[1][i], 0);
        for (int i = 0; i < 126; i++)
            assert_int_equal(text[2][i], 'a');
        assert_int_equal(text[2][126], 0);
        assert_int_equal(text[2][127], 0);
    }
    H5Fclose(file);
}

static void test_recording_grid_extremes_chunking(void **state)
{
    /* 1x1: 65536 frames would fill 128 KiB, clamped to 1024. 90x90: 16200
     * bytes a frame, 8 frames a chunk. */
    static const struct {
        int rows, cols;
        hsize_t chunk;
        uint64_t frames;
    } cases[] = {{1, 1, 1024, 2500}, {90, 90, 8, 21}, {255, 255, 1, 3}};
    char dir[512], path[600];
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_grids", dir, sizeof dir), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rmat_device_desc dev;
        struct rmat_rec *rec = NULL;
        struct rmat_errinfo ei;
        hid_t file;
        char name[32];

        snprintf(name, sizeof name, "g%zu.h5", i);
        make_path(path, sizeof path, dir, name);
        test_device(&dev, cases[i].rows, cases[i].cols);
        assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_OK);
        assert_int_equal(append_frames(rec, 0, cases[i].frames, cases[i].rows, cases[i].cols),
                         RMAT_OK);
        assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
        file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(file >= 0);
        check_frames(file, cases[i].frames, cases[i].rows, cases[i].cols, cases[i].chunk);
        /* NULL meta: every session string empty, every number NaN. */
        check_str_attr(file, "/session", "subject", "");
        assert_true(isnan(f64_attr(file, "/session", "roller_diameter_mm")));
        H5Fclose(file);
    }
}

/* The filters on /frames/raw, read with plain HDF5: shuffle then deflate
 * at the level asked, or none; the other datasets are never filtered (they
 * are small, and their readers need no pipeline). */
static void check_filters(hid_t file, int level)
{
    hid_t d = H5Dopen2(file, "/frames/raw", H5P_DEFAULT), p;
    unsigned flags, cd[4], config;
    size_t ncd = 4;

    assert_true(d >= 0);
    p = H5Dget_create_plist(d);
    assert_int_equal(H5Pget_nfilters(p), level ? 2 : 0);
    if (level) {
        assert_int_equal(H5Pget_filter2(p, 0, &flags, &ncd, cd, 0, NULL, &config),
                         H5Z_FILTER_SHUFFLE);
        ncd = 4;
        assert_int_equal(H5Pget_filter2(p, 1, &flags, &ncd, cd, 0, NULL, &config),
                         H5Z_FILTER_DEFLATE);
        assert_int_equal(cd[0], (unsigned)level);
    }
    H5Pclose(p);
    H5Dclose(d);
    d = H5Dopen2(file, "/frames/seq", H5P_DEFAULT);
    p = H5Dget_create_plist(d);
    assert_int_equal(H5Pget_nfilters(p), 0);
    H5Pclose(p);
    H5Dclose(d);
}

/* Each storage: the default (deflate level 1), none and level 9; frames
 * read back with plain HDF5 equal the pattern written (3000 frames of
 * 32x32: 47 chunks of 64 and a partial one). */
static void test_recording_compression(void **state)
{
    static const int levels[] = {-1, 0, 9};
    char dir[512], path[600];
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_compression", dir, sizeof dir), 0);
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        struct rmat_device_desc dev;
        struct rmat_rec_opts o;
        struct rmat_rec *rec = NULL;
        struct rmat_errinfo ei;
        hid_t file;
        char name[32];

        snprintf(name, sizeof name, "c%zu.h5", i);
        make_path(path, sizeof path, dir, name);
        test_device(&dev, 32, 32);
        rmat_rec_opts_init(&o);
        if (levels[i] >= 0)
            o.deflate = levels[i];
        assert_int_equal(rmat_rec_create_opts(path, &dev, NULL, &o, &rec, &ei), RMAT_OK);
        assert_int_equal(append_frames(rec, 0, 3000, 32, 32), RMAT_OK);
        assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
        file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(file >= 0);
        check_frames(file, 3000, 32, 32, 64);
        check_filters(file, levels[i] >= 0 ? levels[i] : 1);
        H5Fclose(file);
    }
}

static void test_recording_compression_words(void **state)
{
    struct rmat_rec_opts o;
    struct rmat_errinfo ei;
    struct rmat_device_desc dev;
    struct rmat_rec *rec = (struct rmat_rec *)&rec;
    char dir[512], path[600];
    int level = -7;
    (void)state;

    assert_int_equal(rmat_rec_compression_parse("none", &level, &ei), RMAT_OK);
    assert_int_equal(level, 0);
    assert_int_equal(rmat_rec_compression_parse("deflate", &level, &ei), RMAT_OK);
    assert_int_equal(level, RMAT_REC_DEFLATE_DEFAULT);
    assert_int_equal(rmat_rec_compression_parse("deflate:7", &level, &ei), RMAT_OK);
    assert_int_equal(level, 7);
    level = -7;
    static const char *const bad[] = {"",           "gzip",      "deflate:0",
                                      "deflate:10", "deflate:",  "Deflate",
                                      "deflate:5x", "deflate 5", "lzf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(rmat_rec_compression_parse(bad[i], &level, &ei), RMAT_E_ARG);
        assert_int_equal(level, -7);
        assert_non_null(strstr(ei.msg, "deflate:N"));
    }
    assert_int_equal(rmat_rec_compression_parse(NULL, &level, &ei), RMAT_E_ARG);

    /* A level out of range is refused before any file is made. */
    assert_int_equal(rmat_test_tmpdir("rec_compression_words", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "x.h5");
    test_device(&dev, 4, 4);
    rmat_rec_opts_init(&o);
    o.deflate = 10;
    assert_int_equal(rmat_rec_create_opts(path, &dev, NULL, &o, &rec, &ei), RMAT_E_ARG);
    assert_null(rec);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_recording_empty_recording(void **state)
{
    char dir[512], path[600];
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;
    hid_t file;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_empty", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "e.h5");
    test_device(&dev, 4, 5);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, NULL), RMAT_OK);
    assert_int_equal(rmat_rec_frames(rec), 0);
    assert_int_equal(rmat_rec_close(rec, NULL), RMAT_OK);
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    check_frames(file, 0, 4, 5, 1024);
    H5Fclose(file);
}

/* Each recording gets its own id; one given (as recover gives the
 * journal's) is kept, with recovered_from; one that is not a UUID is
 * refused before any file is made. */
static void test_recording_identity(void **state)
{
    char dir[512], path[600], other[600], buf[300];
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL, *rec2 = NULL;
    struct rmat_rec_ident id;
    struct rmat_errinfo ei;
    hid_t file;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_ident", dir, sizeof dir), 0);
    test_device(&dev, 4, 5);
    make_path(path, sizeof path, dir, "a.h5");
    make_path(other, sizeof other, dir, "b.h5");
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_OK);
    assert_int_equal(rmat_rec_create(other, &dev, NULL, &rec2, &ei), RMAT_OK);
    assert_true(rmat_uuid_valid(rmat_rec_recording_id(rec)));
    assert_string_not_equal(rmat_rec_recording_id(rec), rmat_rec_recording_id(rec2));
    assert_int_equal(rmat_rec_close(rec, NULL), RMAT_OK);
    assert_int_equal(rmat_rec_close(rec2, NULL), RMAT_OK);
    assert_int_equal(unlink(path), 0);

    memset(&id, 0, sizeof id);
    snprintf(id.recording_id, sizeof id.recording_id, "0c5e1f9a-7d2b-4e3c-9a81-5f6e7d8c9b0a");
    snprintf(id.recovered_from, sizeof id.recovered_from, "a.h5.journal");
    assert_int_equal(rmat_rec_create_ident(path, &dev, NULL, NULL, &id, &rec, &ei), RMAT_OK);
    assert_string_equal(rmat_rec_recording_id(rec), id.recording_id);
    assert_int_equal(rmat_rec_close(rec, NULL), RMAT_OK);
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    read_str_attr(file, "/", "recording_id", buf, sizeof buf);
    assert_string_equal(buf, id.recording_id);
    read_str_attr(file, "/", "recovered_from", buf, sizeof buf);
    assert_string_equal(buf, "a.h5.journal");
    H5Fclose(file);
    assert_int_equal(unlink(path), 0);

    snprintf(id.recording_id, sizeof id.recording_id, "not-a-uuid");
    assert_int_equal(rmat_rec_create_ident(path, &dev, NULL, NULL, &id, &rec, &ei), RMAT_E_ARG);
    assert_null(rec);
    assert_non_null(strstr(ei.msg, "not a UUID"));
    assert_int_equal(access(path, F_OK), -1);
}

static void test_recording_refuses_to_overwrite(void **state)
{
    char dir[512], path[600], *back;
    struct rmat_device_desc dev;
    struct rmat_errinfo ei;
    struct rmat_rec *rec = (struct rmat_rec *)&ei; /* must be set to NULL */
    FILE *f;
    size_t len = 0;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_overwrite", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "old.h5");
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);
    test_device(&dev, 8, 8);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_E_EXISTS);
    assert_null(rec);
    assert_int_equal(ei.code, RMAT_E_EXISTS);
    assert_non_null(strstr(ei.msg, path));
    assert_non_null(strstr(ei.msg, "never overwrites"));
    back = rmat_test_slurp(path, &len);
    assert_non_null(back);
    assert_string_equal(back, "precious");
    free(back);

    /* Nor a finished recording. */
    make_path(path, sizeof path, dir, "rec.h5");
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_OK);
    assert_int_equal(append_frames(rec, 0, 10, 8, 8), RMAT_OK);
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_E_EXISTS);
    assert_null(rec);
    {
        hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(file >= 0);
        check_frames(file, 10, 8, 8, 1024);
        H5Fclose(file);
    }
}

static void test_recording_missing_directory(void **state)
{
    char dir[512], path[600];
    struct rmat_device_desc dev;
    struct rmat_errinfo ei;
    struct rmat_rec *rec = NULL;
    struct stat st;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_missing_dir", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "no/such/dir/r.h5");
    test_device(&dev, 8, 8);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_E_NOTFOUND);
    assert_null(rec);
    assert_int_equal(ei.sys_errno, ENOENT);
    assert_non_null(strstr(ei.msg, path));
    assert_non_null(strstr(ei.msg, "directory"));
    make_path(path, sizeof path, dir, "no");
    assert_int_equal(stat(path, &st), -1);
}

static void test_recording_rejects_bad_grid_and_leaves_no_file(void **state)
{
    char dir[512], path[600];
    struct rmat_device_desc dev;
    struct rmat_errinfo ei;
    struct rmat_rec *rec = NULL;
    struct stat st;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_bad_grid", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "r.h5");
    test_device(&dev, 0, 8);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_E_ARG);
    assert_null(rec);
    assert_non_null(strstr(ei.msg, path));
    test_device(&dev, 8, 256);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_E_ARG);
    assert_int_equal(stat(path, &st), -1);
    assert_int_equal(rmat_rec_create(NULL, &dev, NULL, &rec, &ei), RMAT_E_ARG);
    assert_int_equal(rmat_rec_close(NULL, &ei), RMAT_OK);
}

static void test_recording_event_arguments(void **state)
{
    char dir[512], path[600];
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;
    uint16_t raw[4] = {1, 2, 3, 4};
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_event_args", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "r.h5");
    test_device(&dev, 2, 2);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, NULL), RMAT_OK);
    assert_int_equal(rmat_rec_event(rec, 0, NULL, 1.0, "x", NULL), RMAT_E_ARG);
    assert_int_equal(rmat_rec_event(rec, 0, "", 1.0, "x", NULL), RMAT_E_ARG);
    assert_int_equal(rmat_rec_append(rec, 0, 0, 0, NULL, NULL), RMAT_E_ARG);
    assert_int_equal(rmat_rec_append(NULL, 0, 0, 0, raw, NULL), RMAT_E_ARG);
    assert_int_equal(rmat_rec_frames(rec), 0);
    assert_int_equal(rmat_rec_close(rec, NULL), RMAT_OK);
}

/* Many events span several event chunks (64 each) and partial flushes. */
static void test_recording_many_events(void **state)
{
    char dir[512], path[600];
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;
    int64_t t[200];
    double v[200];
    char kind[200][16];
    hid_t file, d, kt;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_many_events", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "r.h5");
    test_device(&dev, 2, 2);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, NULL), RMAT_OK);
    for (int i = 0; i < 200; i++) {
        char k[16];
        snprintf(k, sizeof k, "gap%d", i);
        assert_int_equal(rmat_rec_event(rec, 1000 + i, k, i * 0.5, NULL, NULL), RMAT_OK);
        if (i == 30 || i == 31 || i == 100)
            assert_int_equal(rmat_rec_flush(rec, NULL), RMAT_OK);
    }
    assert_int_equal(rmat_rec_close(rec, NULL), RMAT_OK);

    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    kt = string_type(16);
    d = H5Dopen2(file, "/events/t_host_ns", H5P_DEFAULT);
    read_all(d, H5T_NATIVE_INT64, t);
    H5Dclose(d);
    d = H5Dopen2(file, "/events/value", H5P_DEFAULT);
    read_all(d, H5T_NATIVE_DOUBLE, v);
    H5Dclose(d);
    d = H5Dopen2(file, "/events/kind", H5P_DEFAULT);
    {
        hid_t s = H5Dget_space(d);
        assert_int_equal(H5Sget_simple_extent_npoints(s), 200);
        H5Sclose(s);
    }
    read_all(d, kt, kind);
    H5Dclose(d);
    H5Tclose(kt);
    H5Fclose(file);
    for (int i = 0; i < 200; i++) {
        char k[17];
        snprintf(k, sizeof k, "gap%d", i);
        assert_int_equal(t[i], 1000 + i);
        assert_true(v[i] == i * 0.5);
        assert_memory_equal(kind[i], k, strlen(k) + 1);
    }
}

static void test_recording_device_desc_from_info(void **state)
{
    struct rmat_info info;
    struct rmat_device_desc d;
    (void)state;

    memset(&info, 0, sizeof info);
    info.rows = 48;
    info.cols = 16;
    info.adc_bits = 12;
    info.pitch_x_um = 5080;
    info.pitch_y_um = 12500;
    info.max_rate_hz = 1000;
    info.rate_hz = 100;
    info.serial = 0xDEADBEEFu;
    snprintf(info.fw_version, sizeof info.fw_version, "0.9.1");
    snprintf(info.model, sizeof info.model, "FSR-48x16");
    rmat_device_desc_from_info(&d, &info, 250);
    assert_string_equal(d.model, "FSR-48x16");
    assert_string_equal(d.firmware_version, "0.9.1");
    assert_int_equal(d.serial, 0xDEADBEEFu);
    assert_int_equal(d.protocol_version, RMAT_WIRE_VERSION);
    assert_int_equal(d.rows, 48);
    assert_int_equal(d.cols, 16);
    assert_int_equal(d.adc_bits, 12);
    assert_true(fabs(d.pitch_x_mm - 5.08) < 1e-12);
    assert_true(fabs(d.pitch_y_mm - 12.5) < 1e-12);
    assert_true(d.rate_hz == 250.0); /* the rate asked for, not INFO's */
}

static void test_recording_session_meta_init_and_utc(void **state)
{
    struct rmat_session_meta m;
    char buf[32], small[8];
    int y, mon, d, h, min, sec;
    int64_t now = (int64_t)time(NULL), t;
    (void)state;

    memset(&m, 'x', sizeof m);
    rmat_session_meta_init(&m);
    assert_string_equal(m.subject, "");
    assert_string_equal(m.operator_name, "");
    assert_string_equal(m.notes, "");
    assert_string_equal(m.started_utc, "");
    assert_true(isnan(m.roller_diameter_mm));
    assert_true(isnan(m.body_mass_kg));

    rmat_utc_now(buf, sizeof buf);
    assert_int_equal(sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mon, &d, &h, &min, &sec), 6);
    assert_int_equal(strlen(buf), 20);
    /* Known answer for the conversion itself. */
    assert_int_equal(utc_seconds(2026, 11, 21, 11, 26, 7), 1795260367);
    t = utc_seconds(y, mon, d, h, min, sec);
    assert_true(t >= now - 5 && t <= now + 5); /* UTC, not local time */
    rmat_utc_now(small, sizeof small);
    assert_string_equal(small, "");
}

/* --- writer in a child -------------------------------------------------- */

static void put_byte(int fd, char c)
{
    if (write(fd, &c, 1) != 1)
        _exit(90);
}

static char get_byte(int fd)
{
    char c = 0;
    return read(fd, &c, 1) == 1 ? c : 0;
}

/* Current length of a dataset of an open SWMR-read file, refreshed. */
static hsize_t swmr_len(hid_t file, const char *path)
{
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    hid_t s;
    hsize_t dims[3];

    assert_true(d >= 0);
    assert_true(H5Drefresh(d) >= 0);
    s = H5Dget_space(d);
    H5Sget_simple_extent_dims(s, dims, NULL);
    H5Sclose(s);
    H5Dclose(d);
    return dims[0];
}

static void check_swmr_rows(hid_t file, uint64_t from, uint64_t to)
{
    size_t n = (size_t)(to - from);
    uint16_t *raw = malloc(n * ROWS * COLS * sizeof *raw);
    uint32_t *seq = malloc(n * sizeof *seq);
    hsize_t start[3] = {from, 0, 0}, count[3] = {n, ROWS, COLS};
    hid_t d, fs, ms;

    assert_non_null(raw);
    assert_non_null(seq);
    d = H5Dopen2(file, "/frames/raw", H5P_DEFAULT);
    fs = H5Dget_space(d);
    ms = H5Screate_simple(3, count, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    assert_true(H5Dread(d, H5T_NATIVE_UINT16, ms, fs, H5P_DEFAULT, raw) >= 0);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    d = H5Dopen2(file, "/frames/seq", H5P_DEFAULT);
    fs = H5Dget_space(d);
    ms = H5Screate_simple(1, count, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    assert_true(H5Dread(d, H5T_NATIVE_UINT32, ms, fs, H5P_DEFAULT, seq) >= 0);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(seq[i], pattern_seq(from + i));
        for (int r = 0; r < ROWS; r++)
            for (int c = 0; c < COLS; c++)
                assert_int_equal(raw[(i * ROWS + (size_t)r) * COLS + (size_t)c],
                                 pattern_raw(from + i, r, c));
    }
    free(raw);
    free(seq);
}

/* The child: create, 250 frames, flush, tell; wait; 300 more (three block
 * writes and a partial), flush, tell; wait; close. */
static void live_writer(const char *path, int to_parent, int from_parent)
{
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;

    test_device(&dev, ROWS, COLS);
    if (rmat_rec_create(path, &dev, NULL, &rec, NULL) != RMAT_OK)
        _exit(10);
    if (append_frames(rec, 0, 250, ROWS, COLS) != RMAT_OK ||
        rmat_rec_event(rec, 1, "start", NAN, "live", NULL) != RMAT_OK ||
        rmat_rec_flush(rec, NULL) != RMAT_OK)
        _exit(11);
    put_byte(to_parent, 'A');
    if (get_byte(from_parent) != 'B')
        _exit(12);
    if (append_frames(rec, 250, 550, ROWS, COLS) != RMAT_OK || rmat_rec_flush(rec, NULL) != RMAT_OK)
        _exit(13);
    put_byte(to_parent, 'C');
    if (get_byte(from_parent) != 'D')
        _exit(14);
    if (rmat_rec_close(rec, NULL) != RMAT_OK)
        _exit(15);
    _exit(0);
}

static void test_recording_live_swmr_read(void **state)
{
    char dir[512], path[600];
    int up[2], down[2];
    pid_t pid;
    hid_t file;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_live", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "live.h5");
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        live_writer(path, up[1], down[0]);
    }
    close(up[1]);
    close(down[0]);

    assert_int_equal(get_byte(up[0]), 'A');
    file = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
    assert_true(file >= 0);
    assert_int_equal(swmr_len(file, "/frames/raw"), 250);
    assert_int_equal(swmr_len(file, "/frames/seq"), 250);
    assert_int_equal(swmr_len(file, "/frames/t_device_us"), 250);
    assert_int_equal(swmr_len(file, "/frames/t_host_ns"), 250);
    assert_int_equal(swmr_len(file, "/events/kind"), 1);
    check_swmr_rows(file, 0, 250);
    put_byte(down[1], 'B');

    assert_int_equal(get_byte(up[0]), 'C');
    assert_int_equal(swmr_len(file, "/frames/raw"), 550);
    assert_int_equal(swmr_len(file, "/frames/seq"), 550);
    assert_int_equal(swmr_len(file, "/frames/t_host_ns"), 550);
    check_swmr_rows(file, 0, 550);
    put_byte(down[1], 'D');
    H5Fclose(file);
    assert_int_equal(rmat_test_wait(pid, 60000), 0);
    close(up[0]);
    close(down[1]);
}

/* A caller that only appends still gets its frames flushed once a second. */
static void test_recording_append_flushes_after_a_second(void **state)
{
    char dir[512], path[600];
    int up[2], down[2];
    pid_t pid;
    hid_t file;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_autoflush", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "a.h5");
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rmat_device_desc dev;
        struct rmat_rec *rec = NULL;
        struct timespec ts = {1, 100000000L};

        close(up[0]);
        close(down[1]);
        test_device(&dev, ROWS, COLS);
        if (rmat_rec_create(path, &dev, NULL, &rec, NULL) != RMAT_OK ||
            append_frames(rec, 0, 10, ROWS, COLS) != RMAT_OK)
            _exit(10);
        put_byte(up[1], 'A');
        if (get_byte(down[0]) != 'B')
            _exit(11);
        nanosleep(&ts, NULL);
        if (append_frames(rec, 10, 11, ROWS, COLS) != RMAT_OK)
            _exit(12);
        put_byte(up[1], 'C');
        /* Killed here, so what the parent saw came from the automatic flush
         * and not from closing; the parent's exit ends the wait too. */
        (void)get_byte(down[0]);
        _exit(13);
    }
    close(up[1]);
    close(down[0]);

    assert_int_equal(get_byte(up[0]), 'A');
    put_byte(down[1], 'B');
    assert_int_equal(get_byte(up[0]), 'C');
    kill(pid, SIGKILL);
    assert_int_equal(rmat_test_wait(pid, 60000), 128 + SIGKILL);
    close(up[0]);
    close(down[1]);
    /* 11 frames fill no chunk (109) and nobody called rmat_rec_flush: only
     * the automatic flush can have written them. */
    file = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
    assert_true(file >= 0);
    assert_int_equal(swmr_len(file, "/frames/raw"), 11);
    assert_int_equal(swmr_len(file, "/frames/seq"), 11);
    check_swmr_rows(file, 0, 11);
    H5Fclose(file);
}

/* kill -9 after a flush and unflushed appends: the file opens (SWMR) and
 * holds every flushed frame, intact. */
static void test_recording_crash_keeps_flushed_frames(void **state)
{
    char dir[512], path[600];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    const struct rmat_recording_info *info;
    pid_t pid;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_crash", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "crash.h5");
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rmat_device_desc dev;
        struct rmat_rec *rec = NULL;

        test_device(&dev, ROWS, COLS);
        if (rmat_rec_create(path, &dev, NULL, &rec, NULL) != RMAT_OK ||
            append_frames(rec, 0, 500, ROWS, COLS) != RMAT_OK ||
            rmat_rec_event(rec, 5, "start", NAN, "before the crash", NULL) != RMAT_OK ||
            rmat_rec_flush(rec, NULL) != RMAT_OK)
            _exit(10);
        /* Two block writes reach HDF5 without a flush, then a partial. */
        if (append_frames(rec, 500, 777, ROWS, COLS) != RMAT_OK ||
            rmat_rec_event(rec, 6, "mark", 1.0, "after", NULL) != RMAT_OK)
            _exit(11);
        raise(SIGKILL);
        _exit(12);
    }
    assert_int_equal(rmat_test_wait(pid, 60000), 128 + SIGKILL);

    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    info = rmat_reader_info(r);
    assert_true(info->frames >= 500);
    assert_true(info->frames <= 777);
    assert_true(info->events >= 1);
    {
        size_t n = (size_t)info->frames;
        uint16_t *raw = malloc(n * ROWS * COLS * sizeof *raw);
        uint32_t *seq = malloc(n * sizeof *seq);
        uint64_t *tdev = malloc(n * sizeof *tdev);
        int64_t *thost = malloc(n * sizeof *thost);
        struct rmat_event ev;

        assert_non_null(raw);
        assert_non_null(seq);
        assert_non_null(tdev);
        assert_non_null(thost);
        assert_int_equal(rmat_reader_read(r, 0, n, raw, seq, tdev, thost, &ei), RMAT_OK);
        /* Every frame the reader offers is intact, flushed or not. */
        for (size_t f = 0; f < n; f++) {
            assert_int_equal(seq[f], pattern_seq(f));
            assert_int_equal(tdev[f], pattern_tdev(f));
            assert_int_equal(thost[f], pattern_thost(f));
            for (int rr = 0; rr < ROWS; rr++)
                for (int c = 0; c < COLS; c++)
                    assert_int_equal(raw[(f * ROWS + (size_t)rr) * COLS + (size_t)c],
                                     pattern_raw(f, rr, c));
        }
        assert_int_equal(rmat_reader_events(r, 0, 1, &ev, &ei), RMAT_OK);
        assert_string_equal(ev.kind, "start");
        assert_string_equal(ev.text, "before the crash");
        free(raw);
        free(seq);
        free(tdev);
        free(thost);
    }
    rmat_reader_close(r);
}

/* Enters a private mount namespace (a user namespace too when not root)
 * and mounts a tmpfs of size_opt on each of the n directories: a disk that
 * really fills up, seen only by this process. */
static int enter_small_disks(const char *const *dirs, int n, const char *size_opt)
{
    uid_t uid = getuid();
    gid_t gid = getgid();

    if (unshare(CLONE_NEWNS) != 0) {
        char map[64];
        FILE *f;

        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
            return -1;
        f = fopen("/proc/self/setgroups", "w");
        if (f) {
            fputs("deny", f);
            fclose(f);
        }
        snprintf(map, sizeof map, "0 %ld 1", (long)uid);
        f = fopen("/proc/self/uid_map", "w");
        if (!f || fputs(map, f) < 0 || fclose(f) != 0)
            return -1;
        snprintf(map, sizeof map, "0 %ld 1", (long)gid);
        f = fopen("/proc/self/gid_map", "w");
        if (!f || fputs(map, f) < 0 || fclose(f) != 0)
            return -1;
    }
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (mount("tmpfs", dirs[i], "tmpfs", 0, size_opt) != 0)
            return -1;
    return 0;
}

static int copy_file(const char *from, const char *to)
{
    char buf[65536];
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    size_t n;
    int rc = 0;

    if (!in || !out)
        rc = -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

/* The child of the disk-full test; its exit code says which check failed. */
static void disk_full_child(const char *dir, int to_parent)
{
    char small[600], tiny[600], path[700], copy[700], nospace[700];
    const char *mnts[2] = {small, tiny};
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;
    struct rmat_errinfo ei;
    struct stat st;
    uint64_t frames = 0;
    uint16_t raw[ROWS * COLS];
    int rc = RMAT_OK;

    snprintf(small, sizeof small, "%s/small", dir);
    snprintf(tiny, sizeof tiny, "%s/tiny", dir);
    snprintf(path, sizeof path, "%s/full.h5", small);
    snprintf(nospace, sizeof nospace, "%s/none.h5", tiny);
    snprintf(copy, sizeof copy, "%s/copy.h5", dir);
    if (enter_small_disks(mnts, 2, "size=3m") != 0)
        _exit(77);
    /* 20x30 at 100 Hz reserves 2 s of frames + 1 MiB, about 1.3 MB: a disk
     * already holding 2 MB cannot start a recording. */
    memset(raw, 0x5a, sizeof raw);
    {
        char fill[700];
        FILE *f;
        snprintf(fill, sizeof fill, "%s/fill", tiny);
        f = fopen(fill, "wb");
        if (!f)
            _exit(20);
        for (int i = 0; i < 2 * 1024; i++)
            if (fwrite(raw, 1, 1024, f) != 1024)
                _exit(21);
        if (fclose(f) != 0)
            _exit(22);
    }
    test_device(&dev, ROWS, COLS);
    if (rmat_rec_create(nospace, &dev, NULL, &rec, &ei) != RMAT_E_NOSPC || rec ||
        !strstr(ei.msg, nospace) || stat(nospace, &st) == 0)
        _exit(23);

    if (rmat_rec_create(path, &dev, NULL, &rec, &ei) != RMAT_OK)
        _exit(30);
    while (rc == RMAT_OK && frames < 100000) {
        rc = append_frames_ei(rec, frames, frames + 50, ROWS, COLS, &ei);
        if (rc != RMAT_OK)
            _exit(31); /* the reservation must stop the recording first */
        frames += 50;
        rc = rmat_rec_flush(rec, &ei);
    }
    if (rc != RMAT_E_NOSPC || ei.code != RMAT_E_NOSPC || !strstr(ei.msg, path) ||
        !strstr(ei.msg, "full") || rmat_rec_frames(rec) != frames)
        _exit(32);
    /* Full: frames are refused, not half-stored; a note is still taken. */
    fill_frame(raw, frames, ROWS, COLS);
    if (rmat_rec_append(rec, pattern_seq(frames), 0, 0, raw, &ei) != RMAT_E_NOSPC ||
        rmat_rec_frames(rec) != frames)
        _exit(33);
    if (rmat_rec_event(rec, 77, "disk-full", NAN, "no space left", &ei) != RMAT_OK)
        _exit(34);
    if (rmat_rec_close(rec, &ei) != RMAT_OK)
        _exit(35);
    /* The reserved blocks past the end were given back. */
    if (stat(path, &st) != 0 || (off_t)st.st_blocks * 512 > st.st_size + 8192)
        _exit(36);
    if (copy_file(path, copy) != 0)
        _exit(37);
    if (write(to_parent, &frames, sizeof frames) != (ssize_t)sizeof frames)
        _exit(38);
    _exit(0);
}

/* A disk that fills up: the writer reports RMAT_E_NOSPC naming the file
 * before HDF5 runs out of space, refuses later frames, and closes a
 * complete file holding every frame it accepted. */
static void test_recording_disk_full_keeps_file_whole(void **state)
{
    char dir[512], path[600], small[600], tiny[600];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    struct rmat_event ev;
    uint64_t frames = 0;
    int up[2], status;
    pid_t pid;
    hid_t file;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("rec_full", dir, sizeof dir), 0);
    make_path(small, sizeof small, dir, "small");
    make_path(tiny, sizeof tiny, dir, "tiny");
    assert_int_equal(mkdir(small, 0755), 0);
    assert_int_equal(mkdir(tiny, 0755), 0);
    assert_int_equal(pipe(up), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(up[0]);
        disk_full_child(dir, up[1]);
    }
    close(up[1]);
    status = rmat_test_wait(pid, 120000);
    if (status == 77) {
        close(up[0]);
        skip(); /* no mount namespace here: cannot make a small disk */
    }
    assert_int_equal(status, 0);
    assert_int_equal(read(up[0], &frames, sizeof frames), (ssize_t)sizeof frames);
    close(up[0]);
    /* 3 MB less the reservation holds several hundred frames of 1.2 kB. */
    assert_true(frames >= 300);

    make_path(path, sizeof path, dir, "copy.h5");
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); /* closed cleanly */
    assert_true(file >= 0);
    check_frames(file, frames, ROWS, COLS, CHUNK_FRAMES);
    H5Fclose(file);
    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_info(r)->frames, frames);
    assert_int_equal(rmat_reader_info(r)->events, 1);
    assert_int_equal(rmat_reader_events(r, 0, 1, &ev, &ei), RMAT_OK);
    assert_string_equal(ev.kind, "disk-full");
    rmat_reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recording_round_trip_with_raw_hdf5),
        cmocka_unit_test(test_recording_grid_extremes_chunking),
        cmocka_unit_test(test_recording_compression),
        cmocka_unit_test(test_recording_compression_words),
        cmocka_unit_test(test_recording_empty_recording),
        cmocka_unit_test(test_recording_identity),
        cmocka_unit_test(test_recording_refuses_to_overwrite),
        cmocka_unit_test(test_recording_missing_directory),
        cmocka_unit_test(test_recording_rejects_bad_grid_and_leaves_no_file),
        cmocka_unit_test(test_recording_event_arguments),
        cmocka_unit_test(test_recording_many_events),
        cmocka_unit_test(test_recording_device_desc_from_info),
        cmocka_unit_test(test_recording_session_meta_init_and_utc),
        cmocka_unit_test(test_recording_live_swmr_read),
        cmocka_unit_test(test_recording_append_flushes_after_a_second),
        cmocka_unit_test(test_recording_crash_keeps_flushed_frames),
        cmocka_unit_test(test_recording_disk_full_keeps_file_whole),
    };
    /* The library switches HDF5's error printing off; so does the test, so
     * the output stays readable whatever runs first. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
