/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HDF5 recording writer (recording.h; the layout is recfile.c's;
 * docs/format.md).
 *
 * Layout of the work. Each group of parallel datasets (/frames with four,
 * /events with four) is a `struct table`: one block buffer per dataset,
 * holding up to one chunk of rows, allocated at create. Appending copies a
 * row into the buffers; when the block is full its rows are written with one
 * H5Dset_extent and one hyperslab H5Dwrite per dataset. A flush writes the
 * rows of the block not yet written (a partial block) and leaves them in the
 * buffer: later rows fill the same block, and when it is full only the rows
 * after the flushed ones are written. Blocks therefore start on chunk
 * boundaries and every row is written exactly once.
 *
 * SWMR on HDF5 1.10, as measured on Debian's 1.10.8:
 * - the version bounds are pinned to 1.10 so the file uses the SWMR-capable
 *   structures (superblock 3, extensible-array chunk index) and stays
 *   readable by any 1.10 or later;
 * - every dataset and attribute exists before H5Fstart_swmr_write: an
 *   attribute added later is accepted but left the file unreadable after a
 *   kill;
 * - variable-length data cannot be appended under SWMR, hence the fixed-size
 *   strings of /events;
 * - HDF5 never calls fsync, so a flush ends with fdatasync on the file's
 *   descriptor;
 * - on a full disk HDF5's own exit handler crashes, so H5dont_atexit() is
 *   called before the library initialises, and the automatic printing of
 *   HDF5's error stack is switched off because this library never prints;
 *   the innermost HDF5 message goes into the errinfo instead.
 *
 * A full disk. When a write fails inside HDF5 the file is left in whatever
 * state the failed write produced, and closing it then rewrites the
 * superblock with an end-of-file beyond the data that made it to disk: HDF5
 * refuses to open such a "truncated" file. So the writer never lets HDF5 run
 * out of space: at every flush it reserves, with fallocate(KEEP_SIZE),
 * enough disk blocks past the end of the file for two seconds of frames plus
 * a margin for metadata and events. When the reservation cannot be made the
 * recording is "full": the flush reports RMAT_E_NOSPC, later frames are
 * refused, a few events (the caller's note of the full disk) are still
 * taken, and closing writes everything into the reserved blocks and leaves a
 * complete file. A later flush that can reserve again resumes recording.
 * On file systems without fallocate the reservation is skipped and a full
 * disk surfaces as a failed HDF5 write (RMAT_E_NOSPC all the same).
 */
#define _GNU_SOURCE /* fallocate, FALLOC_FL_* */
#include "rollmat/recording.h"

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
#include <libdeflate.h>

#include "h5util.h"
#include "recfile_h5.h"
#include "rollmat/strutil.h"
#include "rollmat/uuid.h"

/* A raw chunk of about 128 KiB: large enough that an hour at 1 kHz is a few
 * thousand chunks, small enough that a partial chunk rewritten at each
 * flush stays in HDF5's default 1 MiB chunk cache. */
#define RAW_CHUNK_BYTES  (128u * 1024u)
#define MAX_CHUNK_FRAMES 1024u
/* Events are rare (marks, gaps, reconnects): 64 per chunk keeps the file
 * small for a quiet session and still copes with a noisy link. */
#define EVENT_CHUNK 64u
/* docs/format.md: a kill loses at most the last second. */
#define AUTO_FLUSH_NS 1000000000LL
/* The reservation: two seconds of frames (flushes come at least once a
 * second) plus this much for metadata and events; at a rate it does not know
 * the writer assumes the protocol's fastest, 1000 Hz. */
#define RESERVE_MARGIN_BYTES (1024u * 1024u)
#define RESERVE_MAX_BYTES    (256u * 1024u * 1024u)
#define ASSUMED_RATE_HZ      1000.0
/* Events still taken while the disk is full: enough for the caller to note
 * it, few enough to fit the margin. */
#define FULL_EVENTS_MAX 64u

#define NCOLS 4

struct column {
    const char *name; /* path, for messages */
    hid_t dset;
    hid_t memtype;       /* not owned when predefined */
    int owns_memtype;    /* memtype is a copy to close */
    int rank;            /* 1 or 3 */
    hsize_t row_dims[2]; /* for rank 3: rows, cols */
    size_t row_bytes;
    unsigned char *buf; /* block_rows * row_bytes */
    /* A compressed column (/frames/raw with deflate > 0): its chunks are
     * shuffled and deflated here, with libdeflate (three to four times
     * zlib's speed at level 1, the same zlib stream), and written whole
     * with H5Dwrite_chunk; HDF5's own filters, declared on the dataset,
     * read them back. */
    struct libdeflate_compressor *zc;
    unsigned char *shuf, *zbuf; /* one chunk shuffled; its compressed form */
    size_t zcap;
};

struct table {
    struct column col[NCOLS];
    size_t block_rows; /* = chunk rows */
    size_t buf_n;      /* rows in the block buffer */
    size_t buf_done;   /* rows of the buffer already in the file */
    uint64_t file_rows;
};

struct rmat_rec {
    char *path;
    hid_t file;
    struct table frames;
    struct table events;
    size_t sensels;
    struct timespec last_flush; /* CLOCK_MONOTONIC */
    int fd;                     /* HDF5's descriptor of the file, not ours */
    off_t reserve_bytes;        /* 0: the file system cannot reserve */
    int full;                   /* the last reservation failed */
    unsigned full_events;       /* events taken while full */
    char recording_id[RMAT_RECORDING_ID_LEN];
    int deflate; /* /frames/raw's deflate level, 0: none */
};

/* --- HDF5 errors --------------------------------------------------------- */

/* Reports a failed HDF5 call on rec's file. errno is looked at because a
 * full disk surfaces as a failed write() under HDF5, and the caller must be
 * able to tell it from a bug. The caller zeroes errno before the call. */
static int h5_fail(const char *path, struct rmat_errinfo *ei, const char *what)
{
    int e = errno;
    char detail[300];
    rmat_h5_last_error(detail, sizeof detail);
    if (e == ENOSPC || e == EDQUOT || e == EFBIG)
        return rmat_errinfo_set(ei, RMAT_E_NOSPC, e,
                                "%s: %s failed: %s; no space left for the recording: free "
                                "space on that disk or record elsewhere",
                                path, what, strerror(e));
    if (e == EIO)
        return rmat_errinfo_set(ei, RMAT_E_IO, e, "%s: %s failed: %s (%s)", path, what, strerror(e),
                                detail);
    return rmat_errinfo_set(ei, RMAT_E_HDF5, 0, "%s: %s failed: %s", path, what, detail);
}

/* --- small helpers ------------------------------------------------------- */

static int64_t elapsed_ns(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - since->tv_sec) * 1000000000LL +
           (int64_t)(now.tv_nsec - since->tv_nsec);
}

/* --- datasets ------------------------------------------------------------ */

/* Creates one growable dataset of zero rows (path: its full name, e.g.
 * "/frames/raw", created in group), chunked by block_rows rows,
 * and its block buffer. The memory type of a column equals its file type
 * for strings (string types have no byte order); numbers are converted from
 * the native type by HDF5, a no-op on little-endian hosts. */
static int make_column(struct column *c, hid_t group, const char *path, hid_t filetype,
                       hid_t memtype, int owns_memtype, size_t elem_bytes, size_t block_rows,
                       const hsize_t *row_dims, int rank, int deflate)
{
    hsize_t dims[3] = {0, 0, 0}, maxdims[3], chunk[3];
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    size_t per_row = 1;
    int rc = -1;

    c->name = path;
    c->memtype = memtype;
    c->owns_memtype = owns_memtype;
    c->rank = rank;
    maxdims[0] = H5S_UNLIMITED;
    chunk[0] = block_rows;
    for (int i = 1; i < rank; i++) {
        c->row_dims[i - 1] = row_dims[i - 1];
        dims[i] = maxdims[i] = chunk[i] = row_dims[i - 1];
        per_row *= (size_t)row_dims[i - 1];
    }
    c->row_bytes = per_row * elem_bytes;
    c->buf = malloc(block_rows * c->row_bytes);
    if (!c->buf)
        goto out;
    space = H5Screate_simple(rank, dims, maxdims);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0)
        goto out;
    /* Shuffle first: it puts the counts' high bytes (mostly zero) apart
     * from their low bytes, which doubles what deflate saves. */
    if (deflate > 0) {
        if (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, (unsigned)deflate) < 0)
            goto out;
        c->zc = libdeflate_alloc_compressor(deflate);
        c->zcap = c->zc ? libdeflate_zlib_compress_bound(c->zc, block_rows * c->row_bytes) : 0;
        c->shuf = malloc(block_rows * c->row_bytes);
        c->zbuf = malloc(c->zcap ? c->zcap : 1);
        if (!c->zc || !c->shuf || !c->zbuf)
            goto out;
    }
    /* The dataset's name in its group: the path's last part. */
    c->dset =
        H5Dcreate2(group, strrchr(path, '/') + 1, filetype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (c->dset < 0)
        goto out;
    rc = 0;
out:
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static void table_init(struct table *t, size_t block_rows)
{
    memset(t, 0, sizeof *t);
    t->block_rows = block_rows;
    for (int i = 0; i < NCOLS; i++) {
        t->col[i].dset = H5I_INVALID_HID;
        t->col[i].memtype = H5I_INVALID_HID;
    }
}

static void table_fini(struct table *t)
{
    for (int i = 0; i < NCOLS; i++) {
        struct column *c = &t->col[i];
        if (c->dset >= 0)
            H5Dclose(c->dset);
        if (c->owns_memtype && c->memtype >= 0)
            H5Tclose(c->memtype);
        free(c->buf);
        free(c->shuf);
        free(c->zbuf);
        libdeflate_free_compressor(c->zc);
        c->zc = NULL;
        c->shuf = c->zbuf = NULL;
        c->dset = H5I_INVALID_HID;
        c->memtype = H5I_INVALID_HID;
        c->buf = NULL;
    }
}

/* The block's chunk, compressed here and written whole (struct column):
 * rows [0, n) of the buffer, the rest of the chunk zero (beyond the
 * dataset's extent until later rows fill it, when the chunk is written
 * again). HDF5's shuffle stores every element's first byte, then every
 * second byte; deflate then sees the counts' high bytes, mostly zero, in
 * one run. */
static int write_chunk_compressed(struct column *c, size_t block_rows, size_t n, uint64_t chunk_row)
{
    const size_t elem = 2, per_chunk = block_rows * c->row_bytes / elem,
                 used = n * c->row_bytes / elem;
    unsigned char *lo = c->shuf, *hi = c->shuf + per_chunk;
    const unsigned char *in = c->buf;
    hsize_t off[3] = {chunk_row, 0, 0};
    size_t z;

    for (size_t k = 0; k < used; k++) {
        lo[k] = in[2 * k];
        hi[k] = in[2 * k + 1];
    }
    memset(lo + used, 0, per_chunk - used);
    memset(hi + used, 0, per_chunk - used);
    z = libdeflate_zlib_compress(c->zc, c->shuf, per_chunk * elem, c->zbuf, c->zcap);
    if (z == 0)
        return -1;
    return H5Dwrite_chunk(c->dset, H5P_DEFAULT, 0, off, z, c->zbuf) < 0 ? -1 : 0;
}

/* Writes buffer rows [buf_done, buf_n) to file rows [file_rows, ...). The
 * state advances only when every dataset took them, so a retry after a
 * failure (a full disk freed) rewrites the same rows at the same places. */
static int table_write(struct table *t, const char *path, struct rmat_errinfo *ei)
{
    size_t k = t->buf_n - t->buf_done;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    int rc = RMAT_OK;

    if (k == 0)
        return RMAT_OK;
    for (int i = 0; i < NCOLS && rc == RMAT_OK; i++) {
        struct column *c = &t->col[i];
        hsize_t size[3], start[3] = {0, 0, 0}, count[3];
        char what[96];

        size[0] = t->file_rows + k;
        start[0] = t->file_rows;
        count[0] = k;
        for (int d = 1; d < c->rank; d++)
            size[d] = count[d] = c->row_dims[d - 1];
        errno = 0;
        if (H5Dset_extent(c->dset, size) < 0) {
            snprintf(what, sizeof what, "extending %s", c->name);
            rc = h5_fail(path, ei, what);
            break;
        }
        if (c->zc) {
            errno = 0;
            if (write_chunk_compressed(c, t->block_rows, t->buf_n, t->file_rows - t->buf_done) <
                0) {
                snprintf(what, sizeof what, "writing %s", c->name);
                rc = h5_fail(path, ei, what);
            }
            continue;
        }
        fspace = H5Dget_space(c->dset);
        mspace = H5Screate_simple(c->rank, count, NULL);
        errno = 0;
        if (fspace < 0 || mspace < 0 ||
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dwrite(c->dset, c->memtype, mspace, fspace, H5P_DEFAULT,
                     c->buf + t->buf_done * c->row_bytes) < 0) {
            snprintf(what, sizeof what, "writing %s", c->name);
            rc = h5_fail(path, ei, what);
        }
        if (mspace >= 0)
            H5Sclose(mspace);
        if (fspace >= 0)
            H5Sclose(fspace);
        mspace = fspace = H5I_INVALID_HID;
    }
    if (rc != RMAT_OK)
        return rc;
    t->file_rows += k;
    t->buf_done = t->buf_n;
    if (t->buf_n == t->block_rows)
        t->buf_n = t->buf_done = 0;
    return RMAT_OK;
}

/* Room for one more row, writing a full block out first. A block is full
 * here only if writing it failed before; appends then fail until it can be
 * written. */
static int table_room(struct table *t, const char *path, struct rmat_errinfo *ei)
{
    if (t->buf_n < t->block_rows)
        return RMAT_OK;
    return table_write(t, path, ei);
}

/* After a row was added: write the block if it is full. */
static int table_added(struct table *t, const char *path, struct rmat_errinfo *ei)
{
    t->buf_n++;
    if (t->buf_n == t->block_rows)
        return table_write(t, path, ei);
    return RMAT_OK;
}

static size_t frames_per_chunk(size_t sensels)
{
    size_t c = RAW_CHUNK_BYTES / (sensels * sizeof(uint16_t));
    if (c < 1)
        c = 1;
    if (c > MAX_CHUNK_FRAMES)
        c = MAX_CHUNK_FRAMES;
    return c;
}

static int create_datasets(struct rmat_rec *rec, const struct rmat_device_desc *dev)
{
    const hsize_t grid[2] = {(hsize_t)dev->rows, (hsize_t)dev->cols};
    hid_t gf = H5I_INVALID_HID, ge = H5I_INVALID_HID, kind_t, text_t;
    struct table *f = &rec->frames, *e = &rec->events;
    int rc = -1;

    gf = H5Gcreate2(rec->file, "frames", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ge = H5Gcreate2(rec->file, "events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (gf < 0 || ge < 0)
        goto out;
    if (make_column(&f->col[0], gf, rmat_recfile_frame_paths[0], H5T_STD_U16LE, H5T_NATIVE_UINT16,
                    0, sizeof(uint16_t), f->block_rows, grid, 3, rec->deflate) < 0 ||
        make_column(&f->col[1], gf, rmat_recfile_frame_paths[1], H5T_STD_U32LE, H5T_NATIVE_UINT32,
                    0, sizeof(uint32_t), f->block_rows, NULL, 1, 0) < 0 ||
        make_column(&f->col[2], gf, rmat_recfile_frame_paths[2], H5T_STD_U64LE, H5T_NATIVE_UINT64,
                    0, sizeof(uint64_t), f->block_rows, NULL, 1, 0) < 0 ||
        make_column(&f->col[3], gf, rmat_recfile_frame_paths[3], H5T_STD_I64LE, H5T_NATIVE_INT64, 0,
                    sizeof(int64_t), f->block_rows, NULL, 1, 0) < 0)
        goto out;
    if (make_column(&e->col[0], ge, rmat_recfile_event_paths[0], H5T_STD_I64LE, H5T_NATIVE_INT64, 0,
                    sizeof(int64_t), e->block_rows, NULL, 1, 0) < 0)
        goto out;
    /* The column owns each string type as soon as it is made, so the ladder
     * closes it whatever fails next. */
    kind_t = rmat_h5_fixed_string(RMAT_EVENT_KIND_LEN);
    if (kind_t < 0)
        goto out;
    e->col[1].memtype = kind_t;
    e->col[1].owns_memtype = 1;
    if (make_column(&e->col[1], ge, rmat_recfile_event_paths[1], kind_t, kind_t, 1,
                    RMAT_EVENT_KIND_LEN, e->block_rows, NULL, 1, 0) < 0)
        goto out;
    if (make_column(&e->col[2], ge, rmat_recfile_event_paths[2], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                    0, sizeof(double), e->block_rows, NULL, 1, 0) < 0)
        goto out;
    text_t = rmat_h5_fixed_string(RMAT_EVENT_TEXT_LEN);
    if (text_t < 0)
        goto out;
    e->col[3].memtype = text_t;
    e->col[3].owns_memtype = 1;
    if (make_column(&e->col[3], ge, rmat_recfile_event_paths[3], text_t, text_t, 1,
                    RMAT_EVENT_TEXT_LEN, e->block_rows, NULL, 1, 0) < 0)
        goto out;
    rc = 0;
out:
    if (ge >= 0)
        H5Gclose(ge);
    if (gf >= 0)
        H5Gclose(gf);
    return rc;
}

/* --- flushing and the disk reservation ---------------------------------- */

static off_t reserve_size(const struct rmat_device_desc *dev, size_t sensels)
{
    double rate =
        dev->rate_hz > 0.0 && dev->rate_hz <= ASSUMED_RATE_HZ ? dev->rate_hz : ASSUMED_RATE_HZ;
    /* A frame is its counts plus seq, t_device_us and t_host_ns. */
    double frame = (double)(sensels * sizeof(uint16_t) + 4 + 8 + 8);
    double bytes = 2.0 * rate * frame + RESERVE_MARGIN_BYTES;
    return bytes > RESERVE_MAX_BYTES ? (off_t)RESERVE_MAX_BYTES : (off_t)bytes;
}

/* Reserves reserve_bytes of disk past the end of the file, without changing
 * its size (HDF5 keeps its own idea of the end of the file). */
static int reserve(struct rmat_rec *rec, struct rmat_errinfo *ei)
{
    struct stat st;
    int e;

    if (rec->reserve_bytes == 0)
        return RMAT_OK;
    if (fstat(rec->fd, &st) < 0 ||
        fallocate(rec->fd, FALLOC_FL_KEEP_SIZE, st.st_size, rec->reserve_bytes) < 0) {
        e = errno;
        if (e == EOPNOTSUPP || e == ENOSYS || e == EINVAL) {
            rec->reserve_bytes = 0; /* this file system cannot: do without */
            return RMAT_OK;
        }
        if (e == ENOSPC || e == EDQUOT) {
            rec->full = 1;
            return rmat_errinfo_set(ei, RMAT_E_NOSPC, e,
                                    "%s: the disk is full (%lld MiB needed for the next "
                                    "seconds of frames): recording stopped; every frame so far "
                                    "is saved; close the recording and free space",
                                    rec->path, (long long)(rec->reserve_bytes >> 20));
        }
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e,
                                "%s: reserving disk space failed: %s", rec->path, strerror(e));
    }
    rec->full = 0;
    rec->full_events = 0;
    return RMAT_OK;
}

/* Gives back the reserved blocks past the end of the closed file. ext4 frees
 * them on a truncate to the same size, tmpfs on a hole punched there. */
static void release_reserve(int fd)
{
    struct stat st;
    int rc;

    if (fstat(fd, &st) != 0)
        return;
    /* Best effort: a failure leaves spare blocks allocated, loses nothing. */
    rc = ftruncate(fd, st.st_size);
    if (rc == 0)
        rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st.st_size,
                       (off_t)RESERVE_MAX_BYTES);
    (void)rc;
}

/* Writes what is buffered and makes it durable; with renew, reserves disk
 * for what comes next. */
static int flush(struct rmat_rec *rec, int renew, struct rmat_errinfo *ei)
{
    int rc;

    rc = table_write(&rec->frames, rec->path, ei);
    if (rc != RMAT_OK)
        return rc;
    rc = table_write(&rec->events, rec->path, ei);
    if (rc != RMAT_OK)
        return rc;
    errno = 0;
    if (H5Fflush(rec->file, H5F_SCOPE_LOCAL) < 0)
        return h5_fail(rec->path, ei, "flushing");
    /* HDF5 only write()s; the data is safe from a power cut once synced. */
    if (fdatasync(rec->fd) < 0) {
        int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: fdatasync failed: %s",
                                rec->path, strerror(e));
    }
    clock_gettime(CLOCK_MONOTONIC, &rec->last_flush);
    return renew ? reserve(rec, ei) : RMAT_OK;
}

/* --- public -------------------------------------------------------------- */

static int check_desc(const char *path, const struct rmat_device_desc *dev, struct rmat_errinfo *ei)
{
    /* The wire carries rows and cols as one byte each. */
    if (dev->rows < 1 || dev->rows > 255 || dev->cols < 1 || dev->cols > 255)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "%s: a %dx%d grid cannot be recorded: rows and cols must be "
                                "1..255",
                                path, dev->rows, dev->cols);
    return RMAT_OK;
}

int rmat_rec_create(const char *path, const struct rmat_device_desc *dev,
                    const struct rmat_session_meta *meta, struct rmat_rec **out,
                    struct rmat_errinfo *ei)
{
    return rmat_rec_create_ex(path, dev, meta, NULL, out, ei);
}

int rmat_rec_create_ex(const char *path, const struct rmat_device_desc *dev,
                       const struct rmat_session_meta *meta, const struct rmat_calib *calib,
                       struct rmat_rec **out, struct rmat_errinfo *ei)
{
    return rmat_rec_create_ident(path, dev, meta, calib, NULL, out, ei);
}

int rmat_rec_create_ident(const char *path, const struct rmat_device_desc *dev,
                          const struct rmat_session_meta *meta, const struct rmat_calib *calib,
                          const struct rmat_rec_ident *ident, struct rmat_rec **out,
                          struct rmat_errinfo *ei)
{
    struct rmat_rec_opts o;
    rmat_rec_opts_init(&o);
    o.calib = calib;
    o.ident = ident;
    return rmat_rec_create_opts(path, dev, meta, &o, out, ei);
}

void rmat_rec_opts_init(struct rmat_rec_opts *o)
{
    o->calib = NULL;
    o->ident = NULL;
    o->deflate = RMAT_REC_DEFLATE_DEFAULT;
}

int rmat_rec_compression_parse(const char *text, int *deflate, struct rmat_errinfo *ei)
{
    if (text && strcmp(text, "none") == 0) {
        *deflate = 0;
        return RMAT_OK;
    }
    if (text && strcmp(text, "deflate") == 0) {
        *deflate = RMAT_REC_DEFLATE_DEFAULT;
        return RMAT_OK;
    }
    if (text && strncmp(text, "deflate:", 8) == 0 && text[8] >= '1' && text[8] <= '9' &&
        text[9] == '\0') {
        *deflate = text[8] - '0';
        return RMAT_OK;
    }
    return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                            "compression '%s' not known: none, deflate (level %d) or deflate:N "
                            "with N from 1 (fastest) to 9 (smallest)",
                            text ? text : "", RMAT_REC_DEFLATE_DEFAULT);
}

int rmat_rec_create_opts(const char *path, const struct rmat_device_desc *dev,
                         const struct rmat_session_meta *meta, const struct rmat_rec_opts *o,
                         struct rmat_rec **out, struct rmat_errinfo *ei)
{
    struct rmat_rec_opts defaults;
    const struct rmat_calib *calib;
    const struct rmat_rec_ident *ident;
    struct rmat_session_meta unknown;
    struct rmat_rec *rec = NULL;
    struct rmat_rec_ident id;
    hid_t fapl = H5I_INVALID_HID;
    int created = 0, fd, rc;

    if (out)
        *out = NULL;
    if (!path || !dev || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_rec_create: path, dev and out needed");
    if (!o) {
        rmat_rec_opts_init(&defaults);
        o = &defaults;
    }
    if (o->deflate < 0 || o->deflate > RMAT_REC_DEFLATE_MAX)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: deflate level %d (0 to %d)", path,
                                o->deflate, RMAT_REC_DEFLATE_MAX);
    calib = o->calib;
    ident = o->ident;
    rc = check_desc(path, dev, ei);
    if (rc != RMAT_OK)
        return rc;
    memset(&id, 0, sizeof id);
    if (ident)
        id = *ident;
    if (!id.recording_id[0]) {
        rc = rmat_uuid_v4(id.recording_id, ei);
        if (rc != RMAT_OK)
            return rc;
    } else if (!rmat_uuid_valid(id.recording_id)) {
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: recording_id '%s' is not a UUID", path,
                                id.recording_id);
    }
    if (!meta) {
        rmat_session_meta_init(&unknown);
        meta = &unknown;
    }
    rmat_h5_init();

    /* O_EXCL makes "never overwrite" atomic and gives a plain errno for a
     * missing directory or a permission problem; HDF5 then takes over the
     * empty file this call owns. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST)
            return rmat_errinfo_set(ei, RMAT_E_EXISTS, e,
                                    "%s: already exists; rollmat never overwrites a recording: "
                                    "choose another name or move the old file away",
                                    path);
        if (e == ENOENT)
            return rmat_errinfo_set(ei, RMAT_E_NOTFOUND, e,
                                    "%s: cannot create the recording: %s (does the directory "
                                    "exist?)",
                                    path, strerror(e));
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e,
                                "%s: cannot create the recording: %s", path, strerror(e));
    }
    close(fd);
    created = 1;

    rec = calloc(1, sizeof *rec);
    if (!rec) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
        goto out;
    }
    rec->file = H5I_INVALID_HID;
    snprintf(rec->recording_id, sizeof rec->recording_id, "%s", id.recording_id);
    rec->sensels = (size_t)dev->rows * (size_t)dev->cols;
    rec->deflate = o->deflate;
    table_init(&rec->frames, frames_per_chunk(rec->sensels));
    table_init(&rec->events, EVENT_CHUNK);
    rec->path = strdup(path);
    if (!rec->path) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
        goto out;
    }

    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110) < 0) {
        rc = h5_fail(path, ei, "setting up file access");
        goto out;
    }
    errno = 0;
    rec->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (rec->file < 0) {
        rc = h5_fail(path, ei, "creating the HDF5 file");
        goto out;
    }
    {
        void *handle = NULL;
        if (H5Fget_vfd_handle(rec->file, H5P_DEFAULT, &handle) < 0 || !handle) {
            rc = h5_fail(path, ei, "getting the file descriptor");
            goto out;
        }
        rec->fd = *(int *)handle;
    }
    rec->reserve_bytes = reserve_size(dev, rec->sensels);
    /* Like every attribute, /calibration must exist before SWMR writing
     * starts (see the top of this file). */
    errno = 0;
    rc = rmat_recfile_write_header(rec->file, path, dev, meta, calib, &id, ei);
    if (rc == RMAT_E_HDF5)
        rc = h5_fail(path, ei, "writing the attributes");
    if (rc != RMAT_OK)
        goto out;
    errno = 0;
    if (create_datasets(rec, dev) < 0) {
        if (errno == ENOMEM)
            rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
        else
            rc = h5_fail(path, ei, "creating the datasets");
        goto out;
    }
    errno = 0;
    if (H5Fstart_swmr_write(rec->file) < 0) {
        rc = h5_fail(path, ei, "switching to SWMR writing");
        goto out;
    }
    /* Readers must see a complete empty recording from the start, and a
     * disk without room for the first seconds refuses the recording. */
    rc = flush(rec, 1, ei);
    if (rc == RMAT_E_NOSPC && rec->full)
        rc = rmat_errinfo_set(ei, RMAT_E_NOSPC, ENOSPC,
                              "%s: not enough free space to start a recording (%lld MiB "
                              "needed): free space on that disk or record elsewhere",
                              path, (long long)(rec->reserve_bytes >> 20));
    if (rc != RMAT_OK)
        goto out;
    *out = rec;
    rec = NULL;
out:
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rec) {
        table_fini(&rec->frames);
        table_fini(&rec->events);
        if (rec->file >= 0)
            H5Fclose(rec->file);
        free(rec->path);
        free(rec);
    }
    /* A file this call created but could not finish holds nothing. */
    if (rc != RMAT_OK && created)
        unlink(path);
    return rc;
}

int rmat_rec_flush(struct rmat_rec *rec, struct rmat_errinfo *ei)
{
    if (!rec)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_rec_flush: no recording");
    return flush(rec, 1, ei);
}

/* The automatic flush of a caller that only appends. While the disk is
 * full it keeps events durable without retrying the reservation, so the
 * call that stored an event does not report the full disk again; the
 * caller's own rmat_rec_flush retries. */
static int maybe_flush(struct rmat_rec *rec, struct rmat_errinfo *ei)
{
    if (elapsed_ns(&rec->last_flush) >= AUTO_FLUSH_NS)
        return flush(rec, !rec->full, ei);
    return RMAT_OK;
}

/* What an error means for the frame: while the disk is full (RMAT_E_NOSPC
 * from the reservation) and while a full block that failed to be written
 * still occupies the buffer, the frame is refused. Otherwise it was stored,
 * and the error came from writing the block or from the automatic flush;
 * rmat_rec_frames() counts it and a later call writes it. */
int rmat_rec_append(struct rmat_rec *rec, uint32_t seq, uint64_t t_device_us, int64_t t_host_ns,
                    const uint16_t *raw, struct rmat_errinfo *ei)
{
    struct table *t;
    size_t i;
    int rc;

    if (!rec || !raw)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_rec_append: no recording or frame");
    if (rec->full)
        return rmat_errinfo_set(ei, RMAT_E_NOSPC, ENOSPC,
                                "%s: the disk is full: frame %u not recorded; close the "
                                "recording and free space",
                                rec->path, seq);
    t = &rec->frames;
    rc = table_room(t, rec->path, ei);
    if (rc != RMAT_OK)
        return rc;
    i = t->buf_n;
    memcpy(t->col[0].buf + i * t->col[0].row_bytes, raw, t->col[0].row_bytes);
    memcpy(t->col[1].buf + i * sizeof seq, &seq, sizeof seq);
    memcpy(t->col[2].buf + i * sizeof t_device_us, &t_device_us, sizeof t_device_us);
    memcpy(t->col[3].buf + i * sizeof t_host_ns, &t_host_ns, sizeof t_host_ns);
    rc = table_added(t, rec->path, ei);
    if (rc != RMAT_OK)
        return rc;
    return maybe_flush(rec, ei);
}

int rmat_rec_event(struct rmat_rec *rec, int64_t t_host_ns, const char *kind, double value,
                   const char *text, struct rmat_errinfo *ei)
{
    struct table *t;
    unsigned char *k, *x;
    size_t i, n;
    int rc;

    if (!rec || !kind || !kind[0])
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_rec_event: no recording or no kind");
    if (rec->full && rec->full_events >= FULL_EVENTS_MAX)
        return rmat_errinfo_set(ei, RMAT_E_NOSPC, ENOSPC,
                                "%s: the disk is full: event '%s' not recorded", rec->path, kind);
    t = &rec->events;
    rc = table_room(t, rec->path, ei);
    if (rc != RMAT_OK)
        return rc;
    i = t->buf_n;
    memcpy(t->col[0].buf + i * sizeof t_host_ns, &t_host_ns, sizeof t_host_ns);
    /* Null-padded to the full width: the padding is part of the stored
     * value, and the header promises one byte to spare for a terminator. */
    k = t->col[1].buf + i * RMAT_EVENT_KIND_LEN;
    memset(k, 0, RMAT_EVENT_KIND_LEN);
    n = rmat_utf8_cut(kind, RMAT_EVENT_KIND_LEN - 1);
    memcpy(k, kind, n);
    memcpy(t->col[2].buf + i * sizeof value, &value, sizeof value);
    x = t->col[3].buf + i * RMAT_EVENT_TEXT_LEN;
    memset(x, 0, RMAT_EVENT_TEXT_LEN);
    if (text) {
        n = rmat_utf8_cut(text, RMAT_EVENT_TEXT_LEN - 1);
        memcpy(x, text, n);
    }
    if (rec->full)
        rec->full_events++;
    rc = table_added(t, rec->path, ei);
    if (rc != RMAT_OK)
        return rc;
    return maybe_flush(rec, ei);
}

const char *rmat_rec_recording_id(const struct rmat_rec *rec)
{
    return rec ? rec->recording_id : "";
}

uint64_t rmat_rec_frames(const struct rmat_rec *rec)
{
    if (!rec)
        return 0;
    return rec->frames.file_rows + (rec->frames.buf_n - rec->frames.buf_done);
}

int rmat_rec_close(struct rmat_rec *rec, struct rmat_errinfo *ei)
{
    int rc, fd;

    if (!rec)
        return RMAT_OK;
    /* Closing uses the reserved blocks, so it needs no new reservation. */
    rc = flush(rec, 0, ei);
    table_fini(&rec->frames);
    table_fini(&rec->events);
    /* HDF5 closes its descriptor; a duplicate outlives it to give the
     * reservation back once the file has its final size. */
    fd = rec->reserve_bytes ? fcntl(rec->fd, F_DUPFD_CLOEXEC, 0) : -1;
    errno = 0;
    if (H5Fclose(rec->file) < 0 && rc == RMAT_OK)
        rc = h5_fail(rec->path, ei, "closing");
    if (fd >= 0) {
        release_reserve(fd);
        close(fd);
    }
    free(rec->path);
    free(rec);
    return rc;
}

/* --- a recording left open by a crash ----------------------------------------- */

int rmat_rec_clear_open_flags(const char *path, struct rmat_errinfo *ei)
{
    /* "clear_status_flags" is the file access property h5clear -s sets
     * (H5F_ACS_CLEAR_STATUS_FLAGS_NAME, registered with every file access
     * list in HDF5 1.10): opening read-write with it set clears the flags,
     * and closing writes the superblock back with them cleared. */
    hbool_t clear = 1;
    hid_t fapl, file;
    int rc = RMAT_OK;

    rmat_h5_init();
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset(fapl, "clear_status_flags", &clear) < 0 ||
        H5Pset_metadata_read_attempts(fapl, 24) < 0) {
        rc = h5_fail(path, ei, "setting up to clear the file's status flags");
        goto out;
    }
    file = H5Fopen(path, H5F_ACC_RDWR, fapl);
    if (file < 0) {
        rc = h5_fail(path, ei, "opening to clear the file's status flags");
        goto out;
    }
    if (H5Fclose(file) < 0)
        rc = h5_fail(path, ei, "closing after clearing the file's status flags");
out:
    if (fapl >= 0)
        H5Pclose(fapl);
    return rc;
}

int rmat_rec_opens_plainly(const char *path)
{
    hid_t file;

    rmat_h5_init();
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return 0;
    H5Fclose(file);
    return 1;
}

int64_t rmat_rec_count_frames(const char *path)
{
    hid_t fapl, file = H5I_INVALID_HID, ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hsize_t dims[1] = {0};
    int64_t n = -1;

    rmat_h5_init();
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* A damaged file fails at once (see analysis/reader.c). */
    if (fapl < 0 || H5Pset_metadata_read_attempts(fapl, 24) < 0)
        goto out;
    file = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
    if (file < 0)
        goto out;
    ds = H5Dopen2(file, rmat_recfile_frame_paths[1], H5P_DEFAULT);
    if (ds < 0)
        goto out;
    space = H5Dget_space(ds);
    if (space >= 0 && H5Sget_simple_extent_ndims(space) == 1 &&
        H5Sget_simple_extent_dims(space, dims, NULL) == 1)
        n = (int64_t)dims[0];
out:
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    if (file >= 0)
        H5Fclose(file);
    if (fapl >= 0)
        H5Pclose(fapl);
    return n;
}
