/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the recording reader (analysis/reader.c).
 *
 * The files are built here with the raw HDF5 API from docs/format.md, good ones
 * and broken ones, so the reader is checked against the format and not
 * against the writer; two tests then read what the writer produced, one of
 * them while it is still being written (in a forked child: HDF5 lets one
 * process hold a file open only once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "rmat_test.h"
#include "rollmat/reader.h"
#include "rollmat/uuid.h"
#include "rollmat/recording.h"

/* --- the truth ----------------------------------------------------------- */

static uint16_t t_raw(uint64_t f, int r, int c)
{
    return (uint16_t)((f * 40503u + (uint64_t)r * 257u + (uint64_t)c * 3u) & 0xFFFFu);
}

static uint32_t t_seq(uint64_t f)
{
    return (uint32_t)(7 + 2 * f); /* every other frame lost */
}

static uint64_t t_tdev(uint64_t f)
{
    return 1000000ull + f * 1000ull;
}

static int64_t t_thost(uint64_t f)
{
    return 1763724367000000000LL + (int64_t)f * 1000123LL;
}

static int64_t t_ev_time(uint64_t i)
{
    return 1763724367500000000LL + (int64_t)i * 10LL;
}

static double t_ev_value(uint64_t i)
{
    return i % 3 == 0 ? NAN : (double)i / 4.0;
}

static void t_ev_kind(uint64_t i, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%u", i % 2 ? "mark" : "pain", (unsigned)(i % 1000u));
}

static void t_ev_text(uint64_t i, char *buf, size_t cap)
{
    snprintf(buf, cap, "event number %llu", (unsigned long long)i);
}

/* --- building files with the raw HDF5 API -------------------------------- */

#define OMIT_INT INT_MIN

struct fspec {
    int rows, cols;             /* shape of /frames/raw */
    int dev_rows, dev_cols;     /* /device attributes; OMIT_INT leaves them out */
    hsize_t len[4];             /* rows of raw, seq, t_device_us, t_host_ns */
    const char *format;         /* NULL: no format attribute */
    int version;                /* OMIT_INT: no format_version */
    int omit;                   /* index of a /frames dataset left out, -1 none */
    int raw_rank2;              /* /frames/raw as [N][rows*cols] */
    int events;                 /* -1: no /events group */
    int vlen_events;            /* /events strings variable-length */
    int h5py_style;             /* variable-length string attrs, int64 ints, no /session */
    int swmr_layout;            /* 1.10 format bounds, as the writer uses */
    const char *recording_id;   /* version 2's root attributes; NULL: none */
    const char *recovered_from; /* NULL: none */
    int filters;                /* 0 none; FILT_* below */
};

/* The filter pipelines a test file's datasets are written with: HDF5's own
 * deflate alone, shuffle then deflate (what rollmat and h5py's
 * compression="gzip", shuffle=True write), and one with a checksum after
 * them, which the reader's own inflater does not take (HDF5 reads it). */
enum { FILT_DEFLATE = 1, FILT_SHUFFLE_DEFLATE, FILT_WITH_FLETCHER };
static int put_filters;

static void default_spec(struct fspec *s, int rows, int cols, hsize_t n)
{
    memset(s, 0, sizeof *s);
    s->rows = s->dev_rows = rows;
    s->cols = s->dev_cols = cols;
    for (int i = 0; i < 4; i++)
        s->len[i] = n;
    s->format = "rollmat-recording";
    s->version = 1;
    s->omit = -1;
    s->events = 0;
}

static void put_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Awrite(a, mtype, v) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
}

static void put_str(hid_t loc, const char *name, const char *v, int vlen)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_cset(t, H5T_CSET_UTF8);
    if (vlen) {
        H5Tset_size(t, H5T_VARIABLE);
        put_attr(loc, name, t, t, &v);
    } else {
        H5Tset_size(t, strlen(v) + 1);
        put_attr(loc, name, t, t, v);
    }
    H5Tclose(t);
}

static void put_int(hid_t loc, const char *name, int v, int wide)
{
    long long w = v;
    if (wide)
        put_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &w);
    else
        put_attr(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
}

static void put_f64(hid_t loc, const char *name, double v, int narrow)
{
    put_attr(loc, name, narrow ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

static void put_dataset(hid_t g, const char *name, hid_t ftype, hid_t mtype, int rank,
                        const hsize_t *dims, const void *data)
{
    hsize_t maxd[3] = {H5S_UNLIMITED, 0, 0}, chunk[3] = {16, 0, 0};
    hid_t sp, p, d;

    for (int i = 1; i < rank; i++)
        maxd[i] = chunk[i] = dims[i];
    sp = H5Screate_simple(rank, dims, maxd);
    p = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(p, rank, chunk);
    if (put_filters >= FILT_SHUFFLE_DEFLATE)
        H5Pset_shuffle(p);
    if (put_filters >= FILT_DEFLATE)
        H5Pset_deflate(p, 6);
    if (put_filters == FILT_WITH_FLETCHER)
        H5Pset_fletcher32(p);
    d = H5Dcreate2(g, name, ftype, sp, H5P_DEFAULT, p, H5P_DEFAULT);
    assert_true(d >= 0);
    if (dims[0] > 0)
        assert_true(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(d);
    H5Pclose(p);
    H5Sclose(sp);
}

static void put_events(hid_t file, const struct fspec *s)
{
    size_t n = (size_t)s->events;
    hsize_t dims[1] = {n};
    int64_t *t = calloc(n + 1, sizeof *t);
    double *v = calloc(n + 1, sizeof *v);
    char *kind = calloc(n + 1, 16), *text = calloc(n + 1, 128);
    char **kp = calloc(n + 1, sizeof *kp), **tp = calloc(n + 1, sizeof *tp);
    hid_t g = H5Gcreate2(file, "events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t kt = H5Tcopy(H5T_C_S1), tt = H5Tcopy(H5T_C_S1);

    assert_true(t && v && kind && text && kp && tp && g >= 0);
    for (size_t i = 0; i < n; i++) {
        t[i] = t_ev_time(i);
        v[i] = t_ev_value(i);
        t_ev_kind(i, kind + 16 * i, 16);
        t_ev_text(i, text + 128 * i, 128);
        kp[i] = kind + 16 * i;
        tp[i] = text + 128 * i;
    }
    H5Tset_cset(kt, H5T_CSET_UTF8);
    H5Tset_cset(tt, H5T_CSET_UTF8);
    H5Tset_strpad(kt, H5T_STR_NULLPAD);
    H5Tset_strpad(tt, H5T_STR_NULLPAD);
    H5Tset_size(kt, s->vlen_events ? H5T_VARIABLE : 16);
    H5Tset_size(tt, s->vlen_events ? H5T_VARIABLE : 128);
    put_dataset(g, "t_host_ns", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims, t);
    put_dataset(g, "kind", kt, kt, 1, dims, s->vlen_events ? (void *)kp : (void *)kind);
    put_dataset(g, "value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, v);
    put_dataset(g, "text", tt, tt, 1, dims, s->vlen_events ? (void *)tp : (void *)text);
    H5Tclose(kt);
    H5Tclose(tt);
    H5Gclose(g);
    free(t);
    free(v);
    free(kind);
    free(text);
    free(kp);
    free(tp);
}

static void build(const char *path, const struct fspec *s)
{
    static const char *const names[4] = {"raw", "seq", "t_device_us", "t_host_ns"};
    const int wide = s->h5py_style, vlen = s->h5py_style;
    hsize_t maxn = 0;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), file, g;
    uint16_t *raw;
    uint32_t *seq;
    uint64_t *tdev;
    int64_t *thost;
    size_t sensels = (size_t)s->rows * (size_t)s->cols;

    put_filters = s->filters;
    if (s->swmr_layout)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
    file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    assert_true(file >= 0);

    if (s->format)
        put_str(file, "format", s->format, vlen);
    if (s->version != OMIT_INT)
        put_int(file, "format_version", s->version, wide);
    put_str(file, "created_utc", "2026-11-21T11:26:07Z", vlen);
    put_str(file, "software", "rollmat-test-builder", vlen);
    if (s->recording_id)
        put_str(file, "recording_id", s->recording_id, vlen);
    if (s->recovered_from)
        put_str(file, "recovered_from", s->recovered_from, vlen);

    g = H5Gcreate2(file, "device", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    put_str(g, "model", "builder-mat", vlen);
    {
        uint32_t serial = 4000000000u;
        put_attr(g, "serial", H5T_STD_U32LE, H5T_NATIVE_UINT32, &serial);
    }
    put_str(g, "firmware_version", "9.8.7", vlen);
    put_int(g, "protocol_version", 1, wide);
    if (s->dev_rows != OMIT_INT)
        put_int(g, "rows", s->dev_rows, wide);
    if (s->dev_cols != OMIT_INT)
        put_int(g, "cols", s->dev_cols, wide);
    put_int(g, "adc_bits", 10, wide);
    put_f64(g, "pitch_x_mm", 8.5, s->h5py_style);
    put_f64(g, "pitch_y_mm", 4.25, s->h5py_style);
    put_f64(g, "rate_hz", 60.0, s->h5py_style);
    H5Gclose(g);

    if (!s->h5py_style) {
        g = H5Gcreate2(file, "session", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        put_str(g, "subject", "P-042", 0);
        put_str(g, "session", "2", 0);
        put_str(g, "region", "calf", 0);
        put_str(g, "side", "right", 0);
        put_str(g, "roller", "ball-lacrosse", 0);
        put_f64(g, "roller_diameter_mm", 63.5, 0);
        put_str(g, "mounting", "floor", 0);
        put_f64(g, "body_mass_kg", NAN, 0);
        put_str(g, "operator", "R. Ñúñez", 0);
        /* notes left out: a missing attribute reads as unknown */
        put_str(g, "started_utc", "2026-11-21T11:20:00Z", 0);
        H5Gclose(g);
    }

    for (int i = 0; i < 4; i++)
        if (s->len[i] > maxn)
            maxn = s->len[i];
    raw = malloc((maxn + 1) * sensels * sizeof *raw);
    seq = malloc((maxn + 1) * sizeof *seq);
    tdev = malloc((maxn + 1) * sizeof *tdev);
    thost = malloc((maxn + 1) * sizeof *thost);
    assert_true(raw && seq && tdev && thost);
    for (size_t f = 0; f < (size_t)maxn; f++) {
        for (int r = 0; r < s->rows; r++)
            for (int c = 0; c < s->cols; c++)
                raw[f * sensels + (size_t)(r * s->cols + c)] = t_raw(f, r, c);
        seq[f] = t_seq(f);
        tdev[f] = t_tdev(f);
        thost[f] = t_thost(f);
    }
    if (s->omit != -2) {
        g = H5Gcreate2(file, "frames", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        for (int i = 0; i < 4; i++) {
            hsize_t dims[3] = {s->len[i], (hsize_t)s->rows, (hsize_t)s->cols};
            if (i == s->omit)
                continue;
            if (i == 0 && s->raw_rank2) {
                dims[1] = sensels;
                put_dataset(g, names[i], H5T_STD_U16LE, H5T_NATIVE_UINT16, 2, dims, raw);
            } else if (i == 0) {
                put_dataset(g, names[i], H5T_STD_U16LE, H5T_NATIVE_UINT16, 3, dims, raw);
            } else if (i == 1) {
                put_dataset(g, names[i], H5T_STD_U32LE, H5T_NATIVE_UINT32, 1, dims, seq);
            } else if (i == 2) {
                put_dataset(g, names[i], H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, dims, tdev);
            } else {
                put_dataset(g, names[i], H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims, thost);
            }
        }
        H5Gclose(g);
    }
    if (s->events >= 0)
        put_events(file, s);
    free(raw);
    free(seq);
    free(tdev);
    free(thost);
    assert_true(H5Fclose(file) >= 0);
}

static void make_path(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* Checks frames [first, first + count) read from r against the truth. */
static void check_read(struct rmat_reader *r, uint64_t first, size_t count)
{
    const struct rmat_recording_info *in = rmat_reader_info(r);
    size_t sensels = (size_t)in->dev.rows * (size_t)in->dev.cols;
    uint16_t *raw = malloc((count + 1) * sensels * sizeof *raw);
    uint32_t *seq = malloc((count + 1) * sizeof *seq);
    uint64_t *tdev = malloc((count + 1) * sizeof *tdev);
    int64_t *thost = malloc((count + 1) * sizeof *thost);
    struct rmat_errinfo ei;

    assert_true(raw && seq && tdev && thost);
    assert_int_equal(rmat_reader_read(r, first, count, raw, seq, tdev, thost, &ei), RMAT_OK);
    for (size_t i = 0; i < count; i++) {
        uint64_t f = first + i;
        assert_int_equal(seq[i], t_seq(f));
        assert_int_equal(tdev[i], t_tdev(f));
        assert_int_equal(thost[i], t_thost(f));
        for (int rr = 0; rr < in->dev.rows; rr++)
            for (int c = 0; c < in->dev.cols; c++)
                if (raw[i * sensels + (size_t)(rr * in->dev.cols + c)] != t_raw(f, rr, c))
                    fail_msg("frame %llu sensel %d,%d differs", (unsigned long long)f, rr, c);
    }
    free(raw);
    free(seq);
    free(tdev);
    free(thost);
}

/* Opening path fails with code and a message naming the file and
 * containing what. */
static void expect_refused(const char *path, int code, const char *what)
{
    struct rmat_reader *r = (struct rmat_reader *)&r; /* must become NULL */
    struct rmat_errinfo ei;

    rmat_errinfo_clear(&ei);
    assert_int_equal(rmat_reader_open(path, &r, &ei), code);
    assert_null(r);
    assert_int_equal(ei.code, code);
    if (!strstr(ei.msg, path))
        fail_msg("message does not name the file: %s", ei.msg);
    if (what && !strstr(ei.msg, what))
        fail_msg("message lacks '%s': %s", what, ei.msg);
}

/* --- tests --------------------------------------------------------------- */

static void test_reader_opens_good_file(void **state)
{
    char dir[512], path[600];
    struct fspec s;
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    const struct rmat_recording_info *in;
    struct rmat_event ev[70];
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_good", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "good.h5");
    default_spec(&s, 16, 8, 500);
    s.events = 70; /* more than one batch of 64 */
    s.swmr_layout = 1;
    build(path, &s);

    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    in = rmat_reader_info(r);
    assert_int_equal(in->format_version, 1);
    /* version 1 has no identity: read as "" */
    assert_string_equal(in->recording_id, "");
    assert_string_equal(in->recovered_from, "");
    assert_string_equal(in->created_utc, "2026-11-21T11:26:07Z");
    assert_string_equal(in->software, "rollmat-test-builder");
    assert_string_equal(in->dev.model, "builder-mat");
    assert_int_equal(in->dev.serial, 4000000000u);
    assert_string_equal(in->dev.firmware_version, "9.8.7");
    assert_int_equal(in->dev.protocol_version, 1);
    assert_int_equal(in->dev.rows, 16);
    assert_int_equal(in->dev.cols, 8);
    assert_int_equal(in->dev.adc_bits, 10);
    assert_true(in->dev.pitch_x_mm == 8.5);
    assert_true(in->dev.pitch_y_mm == 4.25);
    assert_true(in->dev.rate_hz == 60.0);
    assert_string_equal(in->meta.subject, "P-042");
    assert_string_equal(in->meta.session, "2");
    assert_string_equal(in->meta.region, "calf");
    assert_string_equal(in->meta.side, "right");
    assert_string_equal(in->meta.roller, "ball-lacrosse");
    assert_true(in->meta.roller_diameter_mm == 63.5);
    assert_string_equal(in->meta.mounting, "floor");
    assert_true(isnan(in->meta.body_mass_kg));
    assert_string_equal(in->meta.operator_name, "R. \xc3\x91\xc3\xba\xc3\xb1"
                                                "ez");
    assert_string_equal(in->meta.notes, "");
    assert_string_equal(in->meta.started_utc, "2026-11-21T11:20:00Z");
    assert_int_equal(in->frames, 500);
    assert_int_equal(in->events, 70);

    /* In blocks that straddle the chunks, and the whole at once. */
    for (uint64_t f = 0; f < 500; f += 37)
        check_read(r, f, f + 37 <= 500 ? 37 : (size_t)(500 - f));
    check_read(r, 0, 500);
    {
        uint32_t seq[3];
        assert_int_equal(rmat_reader_read(r, 497, 3, NULL, seq, NULL, NULL, &ei), RMAT_OK);
        assert_int_equal(seq[2], t_seq(499));
    }
    assert_int_equal(rmat_reader_read(r, 500, 0, NULL, NULL, NULL, NULL, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_read(r, 499, 2, NULL, NULL, NULL, NULL, &ei), RMAT_E_ARG);
    assert_non_null(strstr(ei.msg, path));
    assert_int_equal(rmat_reader_read(r, 501, 0, NULL, NULL, NULL, NULL, &ei), RMAT_E_ARG);
    assert_int_equal(rmat_reader_read(r, UINT64_MAX, 2, NULL, NULL, NULL, NULL, &ei), RMAT_E_ARG);

    assert_int_equal(rmat_reader_events(r, 0, 70, ev, &ei), RMAT_OK);
    for (uint64_t i = 0; i < 70; i++) {
        char k[32], t[160];
        t_ev_kind(i, k, sizeof k);
        t_ev_text(i, t, sizeof t);
        assert_int_equal(ev[i].t_host_ns, t_ev_time(i));
        assert_string_equal(ev[i].kind, k);
        assert_string_equal(ev[i].text, t);
        if (i % 3 == 0)
            assert_true(isnan(ev[i].value));
        else
            assert_true(ev[i].value == t_ev_value(i));
    }
    assert_int_equal(rmat_reader_events(r, 65, 5, ev, &ei), RMAT_OK);
    assert_int_equal(ev[0].t_host_ns, t_ev_time(65));
    assert_int_equal(rmat_reader_events(r, 66, 5, ev, &ei), RMAT_E_ARG);
    rmat_reader_close(r);
}

/* h5py's habits: variable-length string attributes, 64-bit integers, float32
 * numbers, no /session and no /events. */
static void test_reader_tolerates_h5py_style_attributes(void **state)
{
    char dir[512], path[600];
    struct fspec s;
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    const struct rmat_recording_info *in;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_h5py", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "h5py.h5");
    default_spec(&s, 4, 6, 40);
    s.h5py_style = 1;
    s.events = -1;
    build(path, &s);

    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    in = rmat_reader_info(r);
    assert_int_equal(in->format_version, 1);
    assert_string_equal(in->dev.model, "builder-mat");
    assert_string_equal(in->created_utc, "2026-11-21T11:26:07Z");
    assert_int_equal(in->dev.rows, 4);
    assert_int_equal(in->dev.cols, 6);
    assert_true(in->dev.pitch_y_mm == 4.25);
    assert_true(in->dev.rate_hz == 60.0);
    assert_string_equal(in->meta.subject, "");
    assert_string_equal(in->meta.started_utc, "");
    assert_true(isnan(in->meta.roller_diameter_mm));
    assert_true(isnan(in->meta.body_mass_kg));
    assert_int_equal(in->frames, 40);
    assert_int_equal(in->events, 0);
    check_read(r, 0, 40);
    assert_int_equal(rmat_reader_events(r, 0, 0, NULL, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_events(r, 0, 1, NULL, &ei), RMAT_E_ARG);
    rmat_reader_close(r);
}

static void test_reader_refuses_non_hdf5(void **state)
{
    char dir[512], path[600];
    FILE *f;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_garbage", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "garbage.h5");
    f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 5000; i++)
        fputc((i * 131 + 7) & 0xFF, f);
    fclose(f);
    expect_refused(path, RMAT_E_FORMAT, "not an HDF5 file");

    make_path(path, sizeof path, dir, "empty.h5");
    f = fopen(path, "wb");
    assert_non_null(f);
    fclose(f);
    expect_refused(path, RMAT_E_FORMAT, "not an HDF5 file");

    /* The HDF5 signature and nothing sensible after it. */
    make_path(path, sizeof path, dir, "sig.h5");
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite("\x89HDF\r\n\x1a\n", 1, 8, f);
    for (int i = 0; i < 100; i++)
        fputc(0xEE, f);
    fclose(f);
    /* A file HDF5 cannot open past its signature is damaged (issue 13). */
    expect_refused(path, RMAT_E_FORMAT, "damaged");
}

static void test_reader_refuses_other_hdf5_files(void **state)
{
    char dir[512], path[600];
    struct fspec s;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_other", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "noformat.h5");
    default_spec(&s, 4, 4, 10);
    s.format = NULL;
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "not a rollmat recording");

    make_path(path, sizeof path, dir, "otherformat.h5");
    default_spec(&s, 4, 4, 10);
    s.format = "someone-elses-format";
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "someone-elses-format");

    make_path(path, sizeof path, dir, "noversion.h5");
    default_spec(&s, 4, 4, 10);
    s.version = OMIT_INT;
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "format_version");

    make_path(path, sizeof path, dir, "version0.h5");
    default_spec(&s, 4, 4, 10);
    s.version = 0;
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "format_version 0");
}

static void test_reader_refuses_newer_version(void **state)
{
    char dir[512], path[600];
    struct fspec s;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_newer", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "v3.h5");
    default_spec(&s, 4, 4, 10);
    s.version = 3;
    s.recording_id = "0c5e1f9a-7d2b-4e3c-9a81-5f6e7d8c9b0a";
    build(path, &s);
    expect_refused(path, RMAT_E_NEWER, "format_version 3");
    expect_refused(path, RMAT_E_NEWER, "reads 1 to 2");
    expect_refused(path, RMAT_E_NEWER, "upgrade rollmat");
}

/* Version 2 (this build's) with its identity, h5py-style strings too. */
static void test_reader_reads_version_2_identity(void **state)
{
    char dir[512], path[600];
    struct fspec s;
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_v2", dir, sizeof dir), 0);
    for (int h5py = 0; h5py < 2; h5py++) {
        make_path(path, sizeof path, dir, h5py ? "v2-h5py.h5" : "v2.h5");
        default_spec(&s, 4, 4, 10);
        s.version = 2;
        s.h5py_style = h5py;
        s.recording_id = "0c5e1f9a-7d2b-4e3c-9a81-5f6e7d8c9b0a";
        s.recovered_from = "P01_calf_left_20261121-112607.h5.journal";
        build(path, &s);
        assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
        assert_int_equal(rmat_reader_info(r)->format_version, 2);
        assert_string_equal(rmat_reader_info(r)->recording_id, s.recording_id);
        assert_string_equal(rmat_reader_info(r)->recovered_from, s.recovered_from);
        rmat_reader_close(r);
    }
}

static void test_reader_refuses_missing_datasets(void **state)
{
    static const char *const names[4] = {"/frames/raw", "/frames/seq", "/frames/t_device_us",
                                         "/frames/t_host_ns"};
    char dir[512], path[600];
    struct fspec s;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_missing", dir, sizeof dir), 0);
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "omit%d.h5", i);
        make_path(path, sizeof path, dir, name);
        default_spec(&s, 4, 4, 10);
        s.omit = i;
        build(path, &s);
        expect_refused(path, RMAT_E_FORMAT, names[i]);
    }
    make_path(path, sizeof path, dir, "noframes.h5");
    default_spec(&s, 4, 4, 10);
    s.omit = -2;
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "/frames/raw");

    /* /events present but not in the fixed-size form SWMR needs. */
    make_path(path, sizeof path, dir, "vlenevents.h5");
    default_spec(&s, 4, 4, 10);
    s.events = 3;
    s.vlen_events = 1;
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "/events/kind");
}

static void test_reader_refuses_bad_shapes(void **state)
{
    char dir[512], path[600];
    struct fspec s;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_shapes", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "mismatch.h5");
    default_spec(&s, 4, 5, 10);
    s.dev_cols = 6;
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "/frames/raw");

    make_path(path, sizeof path, dir, "rank2.h5");
    default_spec(&s, 4, 5, 10);
    s.raw_rank2 = 1;
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "/frames/raw has rank 2");

    make_path(path, sizeof path, dir, "norows.h5");
    default_spec(&s, 4, 5, 10);
    s.dev_rows = OMIT_INT;
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "rows");

    make_path(path, sizeof path, dir, "rows0.h5");
    default_spec(&s, 4, 5, 10);
    s.dev_rows = 0;
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "0x5");

    /* 256 is the most an import has (a mat's wire says at most 255). */
    make_path(path, sizeof path, dir, "rows257.h5");
    default_spec(&s, 257, 1, 2);
    build(path, &s);
    expect_refused(path, RMAT_E_FORMAT, "257x1");
}

/* After a crash the datasets may differ in length: the shortest counts. */
static void test_reader_uses_shortest_dataset(void **state)
{
    char dir[512], path[600];
    struct fspec s;
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_shortest", dir, sizeof dir), 0);
    for (int shortest = 0; shortest < 4; shortest++) {
        char name[32];
        snprintf(name, sizeof name, "short%d.h5", shortest);
        make_path(path, sizeof path, dir, name);
        default_spec(&s, 3, 7, 100);
        s.len[shortest] = 81;
        s.len[(shortest + 1) % 4] = 99;
        build(path, &s);
        assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
        assert_int_equal(rmat_reader_info(r)->frames, 81);
        check_read(r, 0, 81);
        assert_int_equal(rmat_reader_read(r, 80, 2, NULL, NULL, NULL, NULL, &ei), RMAT_E_ARG);
        rmat_reader_close(r);
    }
}

static void test_reader_zero_frames(void **state)
{
    char dir[512], path[600];
    struct fspec s;
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_zero", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "zero.h5");
    default_spec(&s, 8, 8, 0);
    build(path, &s);
    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_info(r)->frames, 0);
    assert_int_equal(rmat_reader_info(r)->events, 0);
    assert_int_equal(rmat_reader_read(r, 0, 0, NULL, NULL, NULL, NULL, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_read(r, 0, 1, NULL, NULL, NULL, NULL, &ei), RMAT_E_ARG);
    assert_int_equal(rmat_reader_refresh(r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_info(r)->frames, 0);
    rmat_reader_close(r);
}

static void test_reader_grid_extremes(void **state)
{
    static const int grids[][2] = {{1, 1}, {90, 90}, {1, 255}};
    char dir[512], path[600];
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_grids", dir, sizeof dir), 0);
    for (size_t i = 0; i < sizeof grids / sizeof grids[0]; i++) {
        struct fspec s;
        struct rmat_reader *r = NULL;
        struct rmat_errinfo ei;
        char name[32];

        snprintf(name, sizeof name, "g%zu.h5", i);
        make_path(path, sizeof path, dir, name);
        default_spec(&s, grids[i][0], grids[i][1], 33);
        build(path, &s);
        assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
        assert_int_equal(rmat_reader_info(r)->dev.rows, grids[i][0]);
        assert_int_equal(rmat_reader_info(r)->dev.cols, grids[i][1]);
        assert_int_equal(rmat_reader_info(r)->frames, 33);
        check_read(r, 0, 33);
        check_read(r, 17, 5);
        rmat_reader_close(r);
    }
}

static void test_reader_missing_file_and_directory(void **state)
{
    char dir[512], path[600];
    struct rmat_errinfo ei;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_missing_file", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "nothing-here.h5");
    expect_refused(path, RMAT_E_NOTFOUND, "No such file");
    expect_refused(dir, RMAT_E_FORMAT, "directory");
    assert_int_equal(rmat_reader_open(NULL, NULL, &ei), RMAT_E_ARG);
    rmat_reader_close(NULL);
    assert_null(rmat_reader_info(NULL));
}

/* --- with the writer ------------------------------------------------------ */

static void writer_device(struct rmat_device_desc *d, int rows, int cols)
{
    memset(d, 0, sizeof *d);
    snprintf(d->model, sizeof d->model, "writer-mat");
    d->serial = 17;
    snprintf(d->firmware_version, sizeof d->firmware_version, "2.0");
    d->protocol_version = 1;
    d->rows = rows;
    d->cols = cols;
    d->adc_bits = 12;
    d->pitch_x_mm = 10.0;
    d->pitch_y_mm = 10.0;
    d->rate_hz = 100.0;
}

static int write_frames(struct rmat_rec *rec, uint64_t from, uint64_t to, int rows, int cols)
{
    uint16_t raw[16 * 12];
    int rc = RMAT_OK;

    for (uint64_t f = from; f < to && rc == RMAT_OK; f++) {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                raw[r * cols + c] = t_raw(f, r, c);
        rc = rmat_rec_append(rec, t_seq(f), t_tdev(f), t_thost(f), raw, NULL);
    }
    return rc;
}

/* Compressed files read back exactly (the frames are t_raw() etc.), through
 * each pipeline, over ranges that start and end inside chunks of 16 and
 * the file's last chunk (100 = 6 x 16 + 4 frames). */
static void test_reader_reads_compressed(void **state)
{
    static const int pipelines[] = {FILT_DEFLATE, FILT_SHUFFLE_DEFLATE, FILT_WITH_FLETCHER};
    char dir[512], path[600];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    struct fspec s;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_compressed", dir, sizeof dir), 0);
    for (size_t k = 0; k < sizeof pipelines / sizeof pipelines[0]; k++) {
        char name[32];
        snprintf(name, sizeof name, "z%d.h5", pipelines[k]);
        make_path(path, sizeof path, dir, name);
        default_spec(&s, 7, 5, 100);
        s.filters = pipelines[k];
        s.swmr_layout = 1;
        build(path, &s);
        assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
        assert_int_equal(rmat_reader_info(r)->frames, 100);
        check_read(r, 0, 100);
        check_read(r, 13, 50);
        check_read(r, 96, 4);
        check_read(r, 17, 1);
        rmat_reader_close(r);
    }
    put_filters = 0;
}

static void test_reader_reads_writer_output(void **state)
{
    char dir[512], path[600];
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_rec *rec = NULL;
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    const struct rmat_recording_info *in;
    struct rmat_event ev[2];
    char long_text[200];
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_writer", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "w.h5");
    writer_device(&dev, 16, 12);
    rmat_session_meta_init(&meta);
    snprintf(meta.subject, sizeof meta.subject, "S1");
    meta.body_mass_kg = 71.5;
    memset(long_text, 'z', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(rmat_rec_create(path, &dev, &meta, &rec, &ei), RMAT_OK);
    assert_int_equal(write_frames(rec, 0, 1234, 16, 12), RMAT_OK);
    assert_int_equal(rmat_rec_event(rec, 5, "note", NAN, long_text, &ei), RMAT_OK);
    assert_int_equal(rmat_rec_event(rec, 6, "stop", 0.0, "", &ei), RMAT_OK);
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);

    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    in = rmat_reader_info(r);
    assert_int_equal(in->format_version, 2);
    assert_true(rmat_uuid_valid(in->recording_id));
    assert_string_equal(in->recovered_from, "");
    assert_memory_equal(in->software, "rollmat ", 8);
    assert_int_equal(strlen(in->created_utc), 20);
    assert_string_equal(in->dev.model, "writer-mat");
    assert_int_equal(in->dev.serial, 17);
    assert_string_equal(in->meta.subject, "S1");
    assert_string_equal(in->meta.region, "");
    assert_true(in->meta.body_mass_kg == 71.5);
    assert_true(isnan(in->meta.roller_diameter_mm));
    assert_int_equal(in->frames, 1234);
    assert_int_equal(in->events, 2);
    check_read(r, 0, 1234);
    assert_int_equal(rmat_reader_events(r, 0, 2, ev, &ei), RMAT_OK);
    assert_string_equal(ev[0].kind, "note");
    assert_int_equal(strlen(ev[0].text), 127);
    assert_true(isnan(ev[0].value));
    assert_string_equal(ev[1].kind, "stop");
    assert_string_equal(ev[1].text, "");
    assert_int_equal(ev[1].t_host_ns, 6);
    rmat_reader_close(r);
}

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

/* A reader follows a recording being written: refresh shows new frames. */
static void test_reader_refresh_follows_live_writer(void **state)
{
    char dir[512], path[600];
    struct rmat_reader *r = NULL;
    struct rmat_errinfo ei;
    struct rmat_event ev;
    int up[2], down[2];
    pid_t pid;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("reader_live", dir, sizeof dir), 0);
    make_path(path, sizeof path, dir, "live.h5");
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rmat_device_desc dev;
        struct rmat_rec *rec = NULL;

        close(up[0]);
        close(down[1]);
        writer_device(&dev, 5, 3);
        if (rmat_rec_create(path, &dev, NULL, &rec, NULL) != RMAT_OK ||
            write_frames(rec, 0, 100, 5, 3) != RMAT_OK || rmat_rec_flush(rec, NULL) != RMAT_OK)
            _exit(10);
        put_byte(up[1], 'A');
        if (get_byte(down[0]) != 'B')
            _exit(11);
        if (write_frames(rec, 100, 3000, 5, 3) != RMAT_OK ||
            rmat_rec_event(rec, 9, "mark", 3.0, "live", NULL) != RMAT_OK ||
            rmat_rec_flush(rec, NULL) != RMAT_OK)
            _exit(12);
        put_byte(up[1], 'C');
        if (get_byte(down[0]) != 'D')
            _exit(13);
        _exit(rmat_rec_close(rec, NULL) == RMAT_OK ? 0 : 14);
    }
    close(up[1]);
    close(down[0]);

    assert_int_equal(get_byte(up[0]), 'A');
    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_info(r)->frames, 100);
    assert_int_equal(rmat_reader_info(r)->events, 0);
    check_read(r, 0, 100);
    put_byte(down[1], 'B');
    assert_int_equal(get_byte(up[0]), 'C');
    /* Nothing changes until the reader asks. */
    assert_int_equal(rmat_reader_info(r)->frames, 100);
    assert_int_equal(rmat_reader_refresh(r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_info(r)->frames, 3000);
    assert_int_equal(rmat_reader_info(r)->events, 1);
    check_read(r, 0, 3000);
    assert_int_equal(rmat_reader_events(r, 0, 1, &ev, &ei), RMAT_OK);
    assert_string_equal(ev.kind, "mark");
    put_byte(down[1], 'D');
    assert_int_equal(rmat_test_wait(pid, 60000), 0);
    /* After the writer closed, a refresh still works. */
    assert_int_equal(rmat_reader_refresh(r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_info(r)->frames, 3000);
    rmat_reader_close(r);
    close(up[0]);
    close(down[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_opens_good_file),
        cmocka_unit_test(test_reader_tolerates_h5py_style_attributes),
        cmocka_unit_test(test_reader_refuses_non_hdf5),
        cmocka_unit_test(test_reader_refuses_other_hdf5_files),
        cmocka_unit_test(test_reader_refuses_newer_version),
        cmocka_unit_test(test_reader_reads_version_2_identity),
        cmocka_unit_test(test_reader_refuses_missing_datasets),
        cmocka_unit_test(test_reader_refuses_bad_shapes),
        cmocka_unit_test(test_reader_uses_shortest_dataset),
        cmocka_unit_test(test_reader_zero_frames),
        cmocka_unit_test(test_reader_grid_extremes),
        cmocka_unit_test(test_reader_missing_file_and_directory),
        cmocka_unit_test(test_reader_reads_writer_output),
        cmocka_unit_test(test_reader_reads_compressed),
        cmocka_unit_test(test_reader_refresh_follows_live_writer),
    };
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
