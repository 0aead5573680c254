/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The recording writer of `rollmat import` (import.h, "writing
 * recordings"): a sink of rmat_import_run() that turns each part of an
 * export into an ordinary rollmat recording (docs/format.md).
 *
 * Not the acquisition writer (acq/recording.c): an import is not live, so
 * there is no SWMR writing, no journal and no disk reservation; but the
 * file is made with the same version bounds (1.10), so SWMR readers open
 * it like any recording. What an import adds to a recording (the mask,
 * float32 pressures, sensor lists, /source, /vendor) is written here.
 *
 * Each part is written under a temporary name (".NAME.import-PID-K.tmp" in
 * the folder of its final name) and renamed only after the whole export
 * was read: a parser finds a truncated frame at the end of the file, long
 * after the first frames were written, and a half-written recording under
 * the final name would look like a good one. The rename is link() then
 * unlink(), so an existing final name is refused atomically (never
 * overwritten), and on any error every temporary file is removed.
 *
 * Frames are buffered a chunk at a time (about 256 KiB): memory does not
 * depend on the frame count. The frame values are stored with HDF5's own
 * shuffle and deflate filters, so every reader decodes them without
 * plugins, but the chunks are encoded here and written whole with
 * H5Dwrite_chunk: zlib's run-length strategy (Z_RLE) on shuffled bytes
 * packs maps that are mostly zero nearly as small as HDF5's default
 * deflate does, several times faster; measured with bench/import, the
 * deflate of HDF5's filter took a third of an XSENSOR import.
 */
#include "rollmat/import.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <zlib.h>

#include "h5util.h"
#include "recfile_h5.h"
#include "rollmat/dates.h"
#include "rollmat/strutil.h"
#include "import_int.h"
#include "rollmat/uuid.h"

#define CHUNK_BYTES   (256u * 1024u)
#define MAX_BLOCK     1024u
#define VENDOR_BLOCK  256u
#define VENDOR_MAXCOL 48
#define EVENT_NOTE    "note"

/* One growable 1-D float64 column of /vendor. */
struct vcol {
    char name[64];
    hid_t dset;
    double buf[VENDOR_BLOCK];
};

struct wpart {
    int open;
    char tmp[RMAT_IMPORT_PATH_MAX];
    char part_name[64];
    enum rmat_import_side side;
    enum rmat_import_grid layout;
    hid_t file;
    hid_t d_val, d_seq, d_tdev, d_thost; /* /frames */
    hid_t e_t, e_kind, e_value, e_text;  /* /events */
    hid_t kind_t, text_t;
    uint64_t events;
    int counts;
    uint16_t max_count; /* the largest count seen (counts only): sets adc_bits */
    int rows, cols;
    size_t n;     /* rows * cols */
    size_t block; /* frames per chunk and per write */
    size_t buf_n; /* frames in the buffers */
    uint64_t file_rows;
    void *val;                  /* block * n: float or uint16_t */
    unsigned char *shuf, *zbuf; /* a chunk shuffled, and deflated */
    size_t zcap;
    uint32_t *seq;
    uint64_t *tdev;
    int64_t *thost;
    int64_t start_ns;
    uint64_t frames;
    /* /vendor per frame */
    struct vcol *vc;
    int nvc;
    size_t vbuf_n;
    uint64_t vrows;
};

struct writer {
    const char *input;
    const struct rmat_import_opts *opts;
    const struct rmat_import_out *out;
    struct wpart part[IMP_MAX_PARTS];
    int nparts;
    int64_t mtime_ns;
    struct rmat_errinfo err; /* the writer's own message (the parser's is generic) */
    int failed;
};

/* --- HDF5 helpers -------------------------------------------------------- */

static int h5_err(struct writer *w, const char *path, const char *what)
{
    char detail[300];
    int e = errno;
    rmat_h5_last_error(detail, sizeof detail);
    w->failed = 1;
    if (e == ENOSPC || e == EDQUOT)
        return rmat_errinfo_set(&w->err, RMAT_E_NOSPC, e, "%s: %s failed: %s", path, what,
                                strerror(e));
    return rmat_errinfo_set(&w->err, RMAT_E_HDF5, 0, "%s: %s failed: %s", path, what, detail);
}

/* A growable dataset of rank 1 (row_dims NULL) or 3 ([N][rows][cols]),
 * chunked by block rows; compressed (shuffle + deflate 1) when big: frames
 * of mostly empty sensels shrink several times, at little cost. */
static hid_t grow_dataset(hid_t loc, const char *name, hid_t type, size_t block, const int *grid,
                          int compress, const void *fill)
{
    hsize_t dims[3] = {0, 0, 0}, maxd[3] = {H5S_UNLIMITED, 0, 0}, chunk[3] = {block, 1, 1};
    int rank = grid ? 3 : 1;
    hid_t space, dcpl, d = H5I_INVALID_HID;

    if (grid) {
        dims[1] = maxd[1] = chunk[1] = (hsize_t)grid[0];
        dims[2] = maxd[2] = chunk[2] = (hsize_t)grid[1];
    }
    space = H5Screate_simple(rank, dims, maxd);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, rank, chunk) >= 0 &&
        (!compress || (H5Pset_shuffle(dcpl) >= 0 && H5Pset_deflate(dcpl, 1) >= 0)) &&
        (!fill || H5Pset_fill_value(dcpl, type, fill) >= 0))
        d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return d;
}

/* Appends k rows of data (memory type mtype) at row `at` of d. */
static int append_rows(hid_t d, hid_t mtype, uint64_t at, size_t k, const void *data)
{
    hsize_t size[3], start[3] = {0, 0, 0}, count[3];
    hid_t fs = H5I_INVALID_HID, ms = H5I_INVALID_HID, sp;
    int rank, rc = -1;

    if (k == 0)
        return 0;
    sp = H5Dget_space(d);
    if (sp < 0)
        return -1;
    rank = H5Sget_simple_extent_ndims(sp);
    if (rank < 1 || rank > 3 || H5Sget_simple_extent_dims(sp, size, NULL) < 0) {
        H5Sclose(sp);
        return -1;
    }
    H5Sclose(sp);
    size[0] = at + k;
    start[0] = at;
    count[0] = k;
    for (int i = 1; i < rank; i++)
        count[i] = size[i];
    if (H5Dset_extent(d, size) < 0)
        return -1;
    fs = H5Dget_space(d);
    ms = H5Screate_simple(rank, count, NULL);
    if (fs >= 0 && ms >= 0 &&
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        H5Dwrite(d, mtype, ms, fs, H5P_DEFAULT, data) >= 0)
        rc = 0;
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    return rc;
}

/* A string attribute of any length (the header may be megabytes: the
 * group holding it uses dense attribute storage). */
static int put_text(hid_t g, const char *name, const char *v)
{
    if (!v)
        v = "";
    return rmat_h5_put_str(g, name, v, strlen(v) + 1);
}

/* Appends a line to the string attribute name of g. */
static int add_line(hid_t g, const char *name, const char *line)
{
    char *old = NULL, *all;
    size_t n = 0;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    int rc = -1;

    if (a >= 0) {
        hid_t t = H5Aget_type(a);
        n = t >= 0 ? H5Tget_size(t) : 0;
        old = calloc(1, n + 1);
        if (old && (n == 0 || H5Aread(a, t, old) < 0))
            old[0] = '\0';
        if (t >= 0)
            H5Tclose(t);
        H5Aclose(a);
    }
    n = old ? strlen(old) : 0;
    all = malloc(n + strlen(line) + 2);
    if (all) {
        snprintf(all, n + strlen(line) + 2, "%s%s%s", old ? old : "",
                 n && old[n - 1] != '\n' ? "\n" : "", line);
        rc = H5Adelete(g, name) < 0 ? -1 : put_text(g, name, all);
    }
    free(all);
    free(old);
    return rc;
}

static void close_id(hid_t *h, herr_t (*fn)(hid_t))
{
    if (*h >= 0)
        fn(*h);
    *h = H5I_INVALID_HID;
}

/* --- time ---------------------------------------------------------------- */

/* The export's wall clock as Unix ns: in --tz ("UTC", "+HH:MM", "-HH:MM";
 * NULL: the machine's local zone). */
static int when_ns(const struct rmat_import_when *wh, const char *tz, int64_t *out)
{
    struct tm tm;
    time_t t;
    double whole = floor(wh->second);

    memset(&tm, 0, sizeof tm);
    tm.tm_year = wh->year - 1900;
    tm.tm_mon = wh->month - 1;
    tm.tm_mday = wh->day;
    tm.tm_hour = wh->hour;
    tm.tm_min = wh->minute;
    tm.tm_sec = (int)whole;
    tm.tm_isdst = -1;
    if (!tz || !tz[0] || strcmp(tz, "local") == 0) {
        t = mktime(&tm);
    } else if (strcmp(tz, "UTC") == 0 || strcmp(tz, "Z") == 0) {
        t = timegm(&tm);
    } else {
        int hh, mm, k = 0;
        char sign;
        if (sscanf(tz, "%c%2d:%2d%n", &sign, &hh, &mm, &k) != 3 || tz[k] != '\0' ||
            (sign != '+' && sign != '-') || hh > 14 || mm > 59)
            return -1;
        t = timegm(&tm) - (sign == '+' ? 1 : -1) * (time_t)(hh * 3600 + mm * 60);
    }
    *out = (int64_t)t * 1000000000LL + (int64_t)llround((wh->second - whole) * 1e9);
    return 0;
}

static void iso_utc(int64_t ns, char *buf, size_t cap)
{
    time_t t = (time_t)(ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- per part ------------------------------------------------------------ */

static const char *side_word(enum rmat_import_side s)
{
    return s == RMAT_IMPORT_SIDE_LEFT ? "left" : s == RMAT_IMPORT_SIDE_RIGHT ? "right" : "";
}

static int write_event(struct writer *w, struct wpart *p, int64_t t_ns, const char *kind,
                       double value, const char *text)
{
    char k[RMAT_EVENT_KIND_LEN], x[RMAT_EVENT_TEXT_LEN];
    size_t n;

    memset(k, 0, sizeof k);
    memset(x, 0, sizeof x);
    n = rmat_utf8_cut(kind, sizeof k - 1);
    memcpy(k, kind, n);
    if (text) {
        n = rmat_utf8_cut(text, sizeof x - 1);
        memcpy(x, text, n);
    }
    if (append_rows(p->e_t, H5T_NATIVE_INT64, p->events, 1, &t_ns) < 0 ||
        append_rows(p->e_kind, p->kind_t, p->events, 1, k) < 0 ||
        append_rows(p->e_value, H5T_NATIVE_DOUBLE, p->events, 1, &value) < 0 ||
        append_rows(p->e_text, p->text_t, p->events, 1, x) < 0)
        return h5_err(w, p->tmp, "writing /events");
    p->events++;
    return RMAT_OK;
}

/* Writes the block of frame values as one chunk at row p->file_rows (a
 * multiple of the chunk's rows): padded with zeros to a whole chunk,
 * shuffled (byte k of every value together, as HDF5's shuffle filter
 * does) and deflated into a zlib stream, as its deflate filter does. */
static int write_value_chunk(struct wpart *p)
{
    const size_t esize = p->counts ? sizeof(uint16_t) : sizeof(float);
    const size_t nval = p->block * p->n, bytes = nval * esize;
    const unsigned char *in = p->val;
    hsize_t size[3] = {p->file_rows + p->buf_n, (hsize_t)p->rows, (hsize_t)p->cols};
    hsize_t off[3] = {p->file_rows, 0, 0};
    z_stream zs;
    int zrc;

    if (!p->shuf) {
        p->zcap = deflateBound(NULL, (uLong)bytes) + 64;
        p->shuf = malloc(bytes);
        p->zbuf = malloc(p->zcap);
        if (!p->shuf || !p->zbuf)
            return -1;
    }
    if (p->buf_n < p->block)
        memset((unsigned char *)p->val + p->buf_n * p->n * esize, 0,
               (p->block - p->buf_n) * p->n * esize);
    for (size_t b = 0; b < esize; b++) {
        unsigned char *o = p->shuf + b * nval;
        for (size_t i = 0; i < nval; i++)
            o[i] = in[i * esize + b];
    }
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK)
        return -1;
    zs.next_in = p->shuf;
    zs.avail_in = (uInt)bytes;
    zs.next_out = p->zbuf;
    zs.avail_out = (uInt)p->zcap;
    zrc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (zrc != Z_STREAM_END)
        return -1;
    if (H5Dset_extent(p->d_val, size) < 0 ||
        H5Dwrite_chunk(p->d_val, H5P_DEFAULT, 0, off, (size_t)zs.total_out, p->zbuf) < 0)
        return -1;
    return 0;
}

static int flush_frames(struct writer *w, struct wpart *p)
{
    if (p->buf_n == 0)
        return RMAT_OK;
    errno = 0;
    if (write_value_chunk(p) < 0 ||
        append_rows(p->d_seq, H5T_NATIVE_UINT32, p->file_rows, p->buf_n, p->seq) < 0 ||
        append_rows(p->d_tdev, H5T_NATIVE_UINT64, p->file_rows, p->buf_n, p->tdev) < 0 ||
        append_rows(p->d_thost, H5T_NATIVE_INT64, p->file_rows, p->buf_n, p->thost) < 0)
        return h5_err(w, p->tmp, "writing /frames");
    p->file_rows += p->buf_n;
    p->buf_n = 0;
    return RMAT_OK;
}

static int flush_vendor(struct writer *w, struct wpart *p)
{
    if (p->vbuf_n == 0)
        return RMAT_OK;
    for (int i = 0; i < p->nvc; i++)
        if (append_rows(p->vc[i].dset, H5T_NATIVE_DOUBLE, p->vrows, p->vbuf_n, p->vc[i].buf) < 0)
            return h5_err(w, p->tmp, "writing /vendor");
    p->vrows += p->vbuf_n;
    p->vbuf_n = 0;
    return RMAT_OK;
}

static void part_free(struct wpart *p)
{
    close_id(&p->d_val, H5Dclose);
    close_id(&p->d_seq, H5Dclose);
    close_id(&p->d_tdev, H5Dclose);
    close_id(&p->d_thost, H5Dclose);
    close_id(&p->e_t, H5Dclose);
    close_id(&p->e_kind, H5Dclose);
    close_id(&p->e_value, H5Dclose);
    close_id(&p->e_text, H5Dclose);
    close_id(&p->kind_t, H5Tclose);
    close_id(&p->text_t, H5Tclose);
    for (int i = 0; i < p->nvc; i++)
        close_id(&p->vc[i].dset, H5Dclose);
    free(p->vc);
    p->vc = NULL;
    p->nvc = 0;
    close_id(&p->file, H5Fclose);
    free(p->val);
    free(p->shuf);
    free(p->zbuf);
    p->shuf = p->zbuf = NULL;
    free(p->seq);
    free(p->tdev);
    free(p->thost);
    p->val = NULL;
    p->seq = NULL;
    p->tdev = NULL;
    p->thost = NULL;
}

static void part_init_ids(struct wpart *p)
{
    p->file = p->d_val = p->d_seq = p->d_tdev = p->d_thost = H5I_INVALID_HID;
    p->e_t = p->e_kind = p->e_value = p->e_text = H5I_INVALID_HID;
    p->kind_t = p->text_t = H5I_INVALID_HID;
}

/* /device beyond what recfile writes: the layout, the mask, and the
 * model, serial and firmware as the export wrote them (recfile's fields
 * are sized for rollmat's own mats). */
static int write_device_extra(hid_t file, const struct rmat_import_part *ip)
{
    hid_t g = H5Gopen2(file, "device", H5P_DEFAULT);
    hsize_t dims[2] = {(hsize_t)ip->rows, (hsize_t)ip->cols};
    int rc = -1;

    if (g < 0)
        return -1;
    if (H5Adelete(g, "model") < 0 || put_text(g, "model", ip->model) < 0 ||
        H5Adelete(g, "firmware_version") < 0 ||
        put_text(g, "firmware_version", ip->firmware_version) < 0)
        goto out;
    if (ip->serial && ip->serial[0] &&
        (H5Adelete(g, "serial") < 0 || put_text(g, "serial", ip->serial) < 0))
        goto out;
    if (put_text(g, "layout", ip->layout == RMAT_IMPORT_SENSORS ? "sensors" : "grid") < 0 ||
        rmat_h5_put_dataset(g, "mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, dims, ip->mask, "") < 0)
        goto out;
    rc = 0;
out:
    H5Gclose(g);
    return rc;
}

static int write_sensors(hid_t file, const struct rmat_import_part *ip)
{
    hsize_t dims[1] = {(hsize_t)ip->cols};
    hid_t g;
    int rc = -1;

    if (ip->layout != RMAT_IMPORT_SENSORS)
        return 0;
    g = H5Gcreate2(file, "sensors", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    if (rmat_h5_put_dataset(g, "id", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, dims, ip->sensor_id, "") >=
            0 &&
        rmat_h5_put_dataset(g, "area_mm2", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims,
                            ip->sensor_area_mm2, "mm2") >= 0 &&
        rmat_h5_put_dataset(g, "x_mm", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, ip->sensor_x_mm,
                            "mm") >= 0 &&
        rmat_h5_put_dataset(g, "y_mm", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, ip->sensor_y_mm,
                            "mm") >= 0)
        rc = 0;
    H5Gclose(g);
    return rc;
}

/* /source: everything known at part_begin; sha256, file_size and frames
 * follow at part_end. Dense attribute storage: a header may exceed the
 * 64 KiB an object header holds. */
static int write_source(hid_t file, const struct rmat_import_part *ip, const char *input,
                        const char *start_from)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE), g = H5I_INVALID_HID;
    const char *base = strrchr(input, '/');
    int rc = -1;

    if (gcpl < 0 || H5Pset_attr_phase_change(gcpl, 0, 0) < 0)
        goto out;
    g = H5Gcreate2(file, "source", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (g < 0)
        goto out;
    if (put_text(g, "format", ip->format) < 0 || put_text(g, "variant", ip->variant) < 0 ||
        put_text(g, "file_name", base ? base + 1 : input) < 0 ||
        put_text(g, "encoding", ip->encoding) < 0 ||
        put_text(g, "line_endings", ip->line_endings) < 0 ||
        put_text(g, "header", ip->header) < 0 ||
        put_text(g, "unit_in_file", ip->unit_in_file) < 0 ||
        rmat_h5_put_f64(g, "to_kpa", ip->counts ? NAN : ip->to_kpa) < 0 ||
        put_text(g, "part", ip->name && ip->name[0] ? ip->name : side_word(ip->side)) < 0 ||
        put_text(g, "assumptions", ip->assumptions) < 0 ||
        put_text(g, "warnings", ip->warnings) < 0 || put_text(g, "content", ip->content) < 0 ||
        put_text(g, "start_from", start_from) < 0)
        goto out;
    for (size_t i = 0; i < ip->n_attrs; i++) {
        const struct rmat_import_attr *a = &ip->attrs[i];
        /* A per-format value never replaces a standard one. */
        if (H5Aexists(g, a->key) > 0)
            continue;
        if (a->text ? put_text(g, a->key, a->text) < 0 : rmat_h5_put_f64(g, a->key, a->num) < 0)
            goto out;
    }
    rc = 0;
out:
    if (g >= 0)
        H5Gclose(g);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    return rc;
}

static int w_part_begin(void *ctx, const struct rmat_import_part *ip)
{
    struct writer *w = ctx;
    struct wpart *p;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_rec_ident id;
    hid_t fapl = H5I_INVALID_HID, g;
    const char *start_from = "the export's date and time";
    char name[RMAT_IMPORT_PATH_MAX], note[RMAT_EVENT_TEXT_LEN];
    size_t bytes;
    int fd, rc;

    if (ip->index < 0 || ip->index >= IMP_MAX_PARTS)
        return rmat_errinfo_set(&w->err, RMAT_E_ARG, 0, "%s: more than %d recordings in one file",
                                w->input, IMP_MAX_PARTS);
    p = &w->part[ip->index];
    memset(p, 0, sizeof *p);
    part_init_ids(p);
    if (ip->index >= w->nparts)
        w->nparts = ip->index + 1;
    p->side = ip->side;
    p->layout = ip->layout;
    p->counts = ip->counts;
    p->rows = ip->rows;
    p->cols = ip->cols;
    p->n = (size_t)ip->rows * (size_t)ip->cols;
    snprintf(p->part_name, sizeof p->part_name, "%s", ip->name ? ip->name : "");
    if (ip->rows < 1 || ip->cols < 1 ||
        (ip->layout == RMAT_IMPORT_GRID &&
         (ip->rows > RMAT_IMPORT_MAX_SIDE || ip->cols > RMAT_IMPORT_MAX_SIDE)) ||
        p->n > RMAT_IMPORT_MAX_SENSORS)
        return rmat_errinfo_set(&w->err, RMAT_E_FORMAT, 0,
                                "%s: a %dx%d grid is larger than rollmat reads (%d x %d at most)",
                                w->input, ip->rows, ip->cols, RMAT_IMPORT_MAX_SIDE,
                                RMAT_IMPORT_MAX_SIDE);
    bytes = p->n * (p->counts ? sizeof(uint16_t) : sizeof(float));
    p->block = CHUNK_BYTES / bytes;
    if (p->block < 1)
        p->block = 1;
    if (p->block > MAX_BLOCK)
        p->block = MAX_BLOCK;
    p->val = malloc(p->block * bytes);
    p->seq = malloc(p->block * sizeof *p->seq);
    p->tdev = malloc(p->block * sizeof *p->tdev);
    p->thost = malloc(p->block * sizeof *p->thost);
    if (!p->val || !p->seq || !p->tdev || !p->thost)
        return rmat_errinfo_set(&w->err, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", w->input);

    /* The temporary name, beside the final one (same file system: the
     * rename is a link). */
    rc = rmat_import_out_name(w->input, w->out, ip->index, 1, ip->side, 0, name, sizeof name,
                              &w->err);
    if (rc != RMAT_OK)
        return rc;
    {
        const char *slash = strrchr(name, '/');
        const int dir_len = slash ? (int)(slash - name + 1) : 0;
        int k = snprintf(p->tmp, sizeof p->tmp, "%.*s.%s.import-%ld-%d.tmp", dir_len, name,
                         slash ? slash + 1 : name, (long)getpid(), ip->index);
        if (k < 0 || (size_t)k >= sizeof p->tmp)
            return rmat_errinfo_set(&w->err, RMAT_E_ARG, 0, "%s: output name too long", name);
    }
    fd = open(p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        return rmat_errinfo_set(&w->err, rmat_err_from_errno(e), e, "%s: cannot create: %s", p->tmp,
                                strerror(e));
    }
    close(fd);
    p->open = 1;

    /* The recording's clock: the export's start, else the file's mtime. */
    if (ip->start.known) {
        if (when_ns(&ip->start, w->opts ? w->opts->tz : NULL, &p->start_ns) < 0)
            return rmat_errinfo_set(&w->err, RMAT_E_ARG, 0,
                                    "--tz %s: expected UTC, local or +HH:MM / -HH:MM", w->opts->tz);
    } else {
        p->start_ns = w->mtime_ns;
        start_from = "the file's modification time (the export states no date)";
    }

    memset(&dev, 0, sizeof dev);
    snprintf(dev.model, sizeof dev.model, "%s", ip->model ? ip->model : "");
    snprintf(dev.firmware_version, sizeof dev.firmware_version, "%s",
             ip->firmware_version ? ip->firmware_version : "");
    dev.rows = ip->rows;
    dev.cols = ip->cols;
    dev.pitch_x_mm = ip->pitch_x_mm;
    dev.pitch_y_mm = ip->pitch_y_mm;
    dev.rate_hz = ip->rate_hz;
    if (w->out->meta)
        meta = *w->out->meta;
    else
        rmat_session_meta_init(&meta);
    if (!meta.side[0] && ip->side != RMAT_IMPORT_SIDE_ANY)
        snprintf(meta.side, sizeof meta.side, "%s", side_word(ip->side));
    if (!meta.started_utc[0])
        iso_utc(p->start_ns, meta.started_utc, sizeof meta.started_utc);
    memset(&id, 0, sizeof id);
    rc = rmat_uuid_v4(id.recording_id, &w->err);
    if (rc != RMAT_OK)
        return rc;

    rmat_h5_init();
    errno = 0;
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110) < 0 ||
        (p->file = H5Fcreate(p->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) {
        if (fapl >= 0)
            H5Pclose(fapl);
        return h5_err(w, p->tmp, "creating the HDF5 file");
    }
    H5Pclose(fapl);
    rc = rmat_recfile_write_header(p->file, p->tmp, &dev, &meta, NULL, &id, &w->err);
    if (rc != RMAT_OK)
        return rc;
    if (write_device_extra(p->file, ip) < 0 || write_sensors(p->file, ip) < 0 ||
        write_source(p->file, ip, w->input, start_from) < 0)
        return h5_err(w, p->tmp, "writing /device, /sensors and /source");

    /* /frames and /events. */
    {
        const int grid[2] = {ip->rows, ip->cols};
        g = H5Gcreate2(p->file, "frames", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0)
            return h5_err(w, p->tmp, "creating /frames");
        p->d_val =
            grow_dataset(g, p->counts ? "raw" : "pressure_kpa",
                         p->counts ? H5T_STD_U16LE : H5T_IEEE_F32LE, p->block, grid, 1, NULL);
        p->d_seq = grow_dataset(g, "seq", H5T_STD_U32LE, p->block, NULL, 0, NULL);
        p->d_tdev = grow_dataset(g, "t_device_us", H5T_STD_U64LE, p->block, NULL, 0, NULL);
        p->d_thost = grow_dataset(g, "t_host_ns", H5T_STD_I64LE, p->block, NULL, 0, NULL);
        H5Gclose(g);
        if (p->d_val < 0 || p->d_seq < 0 || p->d_tdev < 0 || p->d_thost < 0)
            return h5_err(w, p->tmp, "creating /frames");
        if (!p->counts && rmat_h5_put_str(p->d_val, "units", "kPa", 4) < 0)
            return h5_err(w, p->tmp, "writing /frames/pressure_kpa units");
    }
    g = H5Gcreate2(p->file, "events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return h5_err(w, p->tmp, "creating /events");
    p->kind_t = rmat_h5_fixed_string(RMAT_EVENT_KIND_LEN);
    p->text_t = rmat_h5_fixed_string(RMAT_EVENT_TEXT_LEN);
    if (p->kind_t >= 0 && p->text_t >= 0) {
        p->e_t = grow_dataset(g, "t_host_ns", H5T_STD_I64LE, 64, NULL, 0, NULL);
        p->e_kind = grow_dataset(g, "kind", p->kind_t, 64, NULL, 0, NULL);
        p->e_value = grow_dataset(g, "value", H5T_IEEE_F64LE, 64, NULL, 0, NULL);
        p->e_text = grow_dataset(g, "text", p->text_t, 64, NULL, 0, NULL);
    }
    H5Gclose(g);
    if (p->e_t < 0 || p->e_kind < 0 || p->e_value < 0 || p->e_text < 0)
        return h5_err(w, p->tmp, "creating /events");
    {
        const char *base = strrchr(w->input, '/');
        snprintf(note, sizeof note, "imported from %s: %s", ip->format, base ? base + 1 : w->input);
    }
    return write_event(w, p, p->start_ns, EVENT_NOTE, NAN, note);
}

static int w_frame(void *ctx, const struct rmat_import_frame *f)
{
    struct writer *w = ctx;
    struct wpart *p;
    size_t i;

    if (w->out->stop && *w->out->stop)
        return rmat_errinfo_set(&w->err, RMAT_E_STOPPED, 0, "%s: stopped", w->input);
    if (f->part < 0 || f->part >= w->nparts || !w->part[f->part].open)
        return rmat_errinfo_set(&w->err, RMAT_E_ARG, 0, "%s: a frame of an unknown part", w->input);
    p = &w->part[f->part];
    if (f->n != p->n)
        return rmat_errinfo_set(&w->err, RMAT_E_FORMAT, 0, "%s:%ld: a frame of %zu values, not %zu",
                                w->input, f->line, f->n, p->n);
    i = p->buf_n;
    if (p->counts) {
        uint16_t *dst = (uint16_t *)p->val + i * p->n;
        for (size_t k = 0; k < p->n; k++) {
            const float v = f->values[k];
            /* The parsers accept only whole counts in range; a bound kept
             * here all the same, since a cast of anything else is undefined. */
            dst[k] = v >= 0.0f && v <= 65535.0f ? (uint16_t)lrintf(v) : 0;
            p->max_count = dst[k] > p->max_count ? dst[k] : p->max_count;
        }
    } else {
        memcpy((float *)p->val + i * p->n, f->values, p->n * sizeof(float));
    }
    p->seq[i] = (uint32_t)f->seq;
    p->tdev[i] = f->t_us >= 0 ? (uint64_t)f->t_us : 0;
    p->thost[i] = p->start_ns + f->t_us * 1000;
    p->buf_n++;
    p->frames++;
    if (p->buf_n == p->block)
        return flush_frames(w, p);
    return RMAT_OK;
}

static struct vcol *vendor_col(struct writer *w, struct wpart *p, const char *name)
{
    static const double nan_fill = NAN;
    hid_t g;

    for (int i = 0; i < p->nvc; i++)
        if (strcmp(p->vc[i].name, name) == 0)
            return &p->vc[i];
    if (p->nvc >= VENDOR_MAXCOL)
        return NULL;
    if (!p->vc) {
        p->vc = calloc(VENDOR_MAXCOL, sizeof *p->vc);
        if (!p->vc)
            return NULL;
    }
    g = rmat_h5_open_group(p->file, "vendor");
    if (g < 0)
        g = H5Gcreate2(p->file, "vendor", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return NULL;
    struct vcol *c = &p->vc[p->nvc];
    snprintf(c->name, sizeof c->name, "%s", name);
    /* A figure first given after some rows reads NaN for those rows. */
    c->dset = grow_dataset(g, name, H5T_IEEE_F64LE, VENDOR_BLOCK, NULL, 0, &nan_fill);
    H5Gclose(g);
    if (c->dset < 0)
        return NULL;
    for (size_t k = 0; k < VENDOR_BLOCK; k++)
        c->buf[k] = NAN;
    p->nvc++;
    (void)w;
    return c;
}

static int w_vendor_row(void *ctx, const struct rmat_import_vendor_row *row)
{
    struct writer *w = ctx;
    struct wpart *p;
    struct vcol *c;

    if (row->part < 0 || row->part >= w->nparts || !w->part[row->part].open)
        return RMAT_OK;
    p = &w->part[row->part];
    c = vendor_col(w, p, "frame");
    if (!c)
        return h5_err(w, p->tmp, "creating /vendor");
    c->buf[p->vbuf_n] = (double)row->frame;
    c = vendor_col(w, p, "t_s");
    if (!c)
        return h5_err(w, p->tmp, "creating /vendor");
    c->buf[p->vbuf_n] = row->t_s;
    for (size_t k = 0; k < row->n; k++) {
        c = vendor_col(w, p, row->fig[k].name);
        if (!c)
            continue; /* beyond VENDOR_MAXCOL figures: vendor data, never read */
        c->buf[p->vbuf_n] = row->fig[k].value;
    }
    p->vbuf_n++;
    if (p->vbuf_n == VENDOR_BLOCK) {
        int rc = flush_vendor(w, p);
        for (int i = 0; i < p->nvc; i++)
            for (size_t k = 0; k < VENDOR_BLOCK; k++)
                p->vc[i].buf[k] = NAN;
        return rc;
    }
    return RMAT_OK;
}

static int w_vendor_map(void *ctx, int part, const char *name, const float *values, size_t n)
{
    struct writer *w = ctx;
    struct wpart *p;
    hsize_t dims[2];
    hid_t g;
    int rc;

    if (part < 0 || part >= w->nparts || !w->part[part].open)
        return RMAT_OK;
    p = &w->part[part];
    if (n != p->n)
        return RMAT_OK;
    dims[0] = (hsize_t)p->rows;
    dims[1] = (hsize_t)p->cols;
    g = rmat_h5_open_group(p->file, "vendor");
    if (g < 0)
        g = H5Gcreate2(p->file, "vendor", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return h5_err(w, p->tmp, "creating /vendor");
    rc = H5Lexists(g, name, H5P_DEFAULT) > 0
             ? 0
             : rmat_h5_put_dataset(g, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, values,
                                   strstr(name, "_kpa") ? "kPa" : "");
    H5Gclose(g);
    return rc < 0 ? h5_err(w, p->tmp, "writing a /vendor map") : RMAT_OK;
}

static int w_event(void *ctx, const struct rmat_import_event *ev)
{
    struct writer *w = ctx;
    struct wpart *p;

    if (ev->part < 0 || ev->part >= w->nparts || !w->part[ev->part].open)
        return RMAT_OK;
    p = &w->part[ev->part];
    return write_event(w, p, p->start_ns + ev->t_us * 1000, ev->kind, ev->value, ev->text);
}

static int w_part_end(void *ctx, const struct rmat_import_part *ip)
{
    struct writer *w = ctx;
    struct wpart *p;
    hid_t g;
    int rc;

    if (ip->index < 0 || ip->index >= w->nparts || !w->part[ip->index].open)
        return RMAT_OK;
    p = &w->part[ip->index];
    rc = flush_frames(w, p);
    if (rc == RMAT_OK)
        rc = flush_vendor(w, p);
    if (rc != RMAT_OK)
        return rc;
    /* What only the end tells: the rate (XSENSOR), the range of the counts
     * and the file's hash. An export of counts does not say its ADC's
     * resolution; the analysis of counts needs one (its default contact
     * threshold is 5% of the full scale), so adc_bits is the fewest bits
     * that hold every count of the file, and /source says so. */
    int bits = 0;
    char note[160] = "";
    if (p->counts) {
        bits = 1;
        while (bits < 16 && (1u << bits) - 1u < (unsigned)p->max_count)
            bits++;
        snprintf(note, sizeof note,
                 "adc_bits %d: the fewest bits that hold the largest count, %u (the export does "
                 "not state its resolution)",
                 bits, (unsigned)p->max_count);
    }
    g = H5Gopen2(p->file, "device", H5P_DEFAULT);
    if (g < 0 || H5Adelete(g, "rate_hz") < 0 || rmat_h5_put_f64(g, "rate_hz", ip->rate_hz) < 0 ||
        (p->counts && (H5Adelete(g, "adc_bits") < 0 || rmat_h5_put_int(g, "adc_bits", bits) < 0))) {
        if (g >= 0)
            H5Gclose(g);
        return h5_err(w, p->tmp, "writing /device rate_hz and adc_bits");
    }
    H5Gclose(g);
    g = H5Gopen2(p->file, "source", H5P_DEFAULT);
    if (g < 0 || put_text(g, "sha256", ip->sha256) < 0 ||
        rmat_h5_put_num(g, "file_size", H5T_STD_U64LE, H5T_NATIVE_UINT64, &ip->file_size) < 0 ||
        rmat_h5_put_num(g, "frames", H5T_STD_U64LE, H5T_NATIVE_UINT64, &p->frames) < 0 ||
        H5Adelete(g, "warnings") < 0 || put_text(g, "warnings", ip->warnings) < 0 ||
        (note[0] && add_line(g, "assumptions", note) < 0)) {
        if (g >= 0)
            H5Gclose(g);
        return h5_err(w, p->tmp, "writing /source");
    }
    H5Gclose(g);
    part_free(p);
    return RMAT_OK;
}

/* --- names --------------------------------------------------------------- */

int rmat_import_out_name(const char *input, const struct rmat_import_out *out, int k, int nparts,
                         enum rmat_import_side side, int sides_distinct, char *dst, size_t cap,
                         struct rmat_errinfo *ei)
{
    char base[RMAT_IMPORT_PATH_MAX], suffix[32] = "";
    size_t len;
    int n;

    if (out && out->out && !out->out_is_dir) {
        n = snprintf(base, sizeof base, "%s", out->out);
    } else {
        const char *name = strrchr(input, '/');
        const char *dot;
        name = name ? name + 1 : input;
        dot = strrchr(name, '.');
        len = dot && dot != name ? (size_t)(dot - name) : strlen(name);
        if (out && out->out)
            n = snprintf(base, sizeof base, "%s%s%.*s", out->out,
                         out->out[0] && out->out[strlen(out->out) - 1] == '/' ? "" : "/", (int)len,
                         name);
        else
            n = snprintf(base, sizeof base, "%.*s%.*s", (int)(name - input), input, (int)len, name);
    }
    if (n < 0 || (size_t)n >= sizeof base)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: output name too long", input);
    len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".h5") == 0)
        base[len - 3] = '\0';
    if (nparts > 1) {
        if (sides_distinct && side != RMAT_IMPORT_SIDE_ANY)
            snprintf(suffix, sizeof suffix, "-%s", side_word(side));
        else
            snprintf(suffix, sizeof suffix, "-%d", k + 1);
    }
    n = snprintf(dst, cap, "%s%s.h5", base, suffix);
    if (n < 0 || (size_t)n >= cap)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: output name too long", input);
    return RMAT_OK;
}

/* --- the run --------------------------------------------------------------- */

static void remove_temps(struct writer *w)
{
    for (int i = 0; i < w->nparts; i++) {
        struct wpart *p = &w->part[i];
        part_free(p);
        if (p->open)
            (void)unlink(p->tmp);
        p->open = 0;
    }
}

int rmat_import_write(const char *input, const struct rmat_import_opts *opts,
                      const struct rmat_import_out *out, struct rmat_import_written *wr, size_t cap,
                      size_t *n, struct rmat_errinfo *ei)
{
    static const struct rmat_import_out none = {0};
    struct writer *w;
    struct rmat_import_sink sink;
    struct stat st;
    int rc, sides_distinct, linked = 0, nw = 0;
    int idx[IMP_MAX_PARTS];

    if (n)
        *n = 0;
    if (!input)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "import: no input file");
    w = calloc(1, sizeof *w);
    if (!w)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", input);
    for (int i = 0; i < IMP_MAX_PARTS; i++)
        part_init_ids(&w->part[i]);
    w->input = input;
    w->opts = opts;
    w->out = out ? out : &none;
    w->mtime_ns =
        stat(input, &st) == 0 ? (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec : 0;
    memset(&sink, 0, sizeof sink);
    sink.ctx = w;
    sink.part_begin = w_part_begin;
    sink.frame = w_frame;
    sink.vendor_row = w_vendor_row;
    sink.vendor_map = w_vendor_map;
    sink.event = w_event;
    sink.part_end = w_part_end;

    rc = rmat_import_run(input, opts, &sink, ei);
    if (rc != RMAT_OK) {
        /* A sink's own message says more than the parser's generic one. */
        if (w->err.code != RMAT_OK && ei)
            *ei = w->err;
        goto fail;
    }
    /* The parts written: those begun (with --side, the other insole's
     * index is skipped). Each must have ended (its file closed, its hash
     * written): one still open is unfinished and never becomes a
     * recording. */
    for (int i = 0; i < w->nparts; i++) {
        if (!w->part[i].open)
            continue;
        if (w->part[i].file >= 0) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                  "%s: recording %d of the file was not finished by its reader",
                                  input, i + 1);
            goto fail;
        }
        idx[nw++] = i;
    }
    if (nw == 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: no recording in the file", input);
        goto fail;
    }
    if ((size_t)nw > cap) {
        rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: %d recordings, room for %zu", input, nw, cap);
        goto fail;
    }
    /* Named by side when the sides tell every part apart. */
    sides_distinct = nw > 1;
    for (int a = 0; a < nw; a++)
        for (int b = 0; b <= a; b++) {
            const enum rmat_import_side sa = w->part[idx[a]].side, sb = w->part[idx[b]].side;
            if (sa == RMAT_IMPORT_SIDE_ANY || (a != b && sa == sb))
                sides_distinct = 0;
        }
    /* Every final name first, then the links: a name that exists stops the
     * import before any recording appears. */
    for (int k = 0; k < nw; k++) {
        const struct wpart *p = &w->part[idx[k]];
        struct rmat_import_written *o = &wr[k];
        memset(o, 0, sizeof *o);
        rc = rmat_import_out_name(input, w->out, k, nw, p->side, sides_distinct, o->path,
                                  sizeof o->path, ei);
        if (rc != RMAT_OK)
            goto fail;
        o->side = p->side;
        snprintf(o->part, sizeof o->part, "%s", p->part_name);
        o->frames = p->frames;
        o->rows = p->rows;
        o->cols = p->cols;
        o->counts = p->counts;
        o->layout = p->layout;
    }
    for (int k = 0; k < nw; k++) {
        if (link(w->part[idx[k]].tmp, wr[k].path) != 0) {
            int e = errno;
            rc = e == EEXIST ? rmat_errinfo_set(ei, RMAT_E_EXISTS, e,
                                                "%s: already exists; rollmat never overwrites a "
                                                "recording: choose another name with -o",
                                                wr[k].path)
                             : rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: %s", wr[k].path,
                                                strerror(e));
            for (int j = 0; j < linked; j++)
                (void)unlink(wr[j].path);
            goto fail;
        }
        linked++;
    }
    for (int k = 0; k < nw; k++) {
        (void)unlink(w->part[idx[k]].tmp);
        w->part[idx[k]].open = 0;
    }
    if (n)
        *n = (size_t)nw;
    free(w);
    return RMAT_OK;
fail:
    remove_temps(w);
    free(w);
    return rc;
}
