/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading recordings (reader.h; the layout is recfile.c's; docs/format.md).
 *
 * The file is always opened with H5F_ACC_SWMR_READ: that is what lets a
 * recording still being written, or one whose writer was killed (its
 * superblock still says "open for writing"), open without `h5clear`. HDF5
 * 1.10.8 also opens files written without SWMR (an older superblock, e.g.
 * made by h5py with default settings) this way, so there is no second path.
 *
 * Attributes are read tolerantly: an attribute that is missing, or of a type
 * that cannot be converted, leaves its field empty (strings), NaN (physical
 * values) or 0 (counts), as docs/format.md says unknown values are. Only what a
 * reader cannot do without is checked strictly: the format name and
 * version, /device rows and cols, and the four /frames datasets.
 */
#include "rollmat/reader.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5.h>
#include <libdeflate.h>

#include "h5util.h"
#include "recfile_h5.h"
#include "rollmat/calib.h"
#include "rollmat/strutil.h"

#define NFRAMES RMAT_RECFILE_NFRAMES
#define NEVENTS RMAT_RECFILE_NEVENTS
/* Events are read through fixed buffers of this many rows, so reading
 * them allocates nothing. */
#define EVENT_BATCH 64

/* How a /frames dataset can be read a chunk at a time (see read_rows()). */
struct direct {
    hsize_t chunk_rows; /* 0: not possible, read by hyperslabs */
    size_t row_bytes;
    unsigned char *scratch; /* one chunk, for chunks only partly wanted */
    /* Compressed chunks (HDF5's deflate, with or without its shuffle
     * before it): the stored bytes are inflated here with libdeflate,
     * which does it at about twice zlib's speed, and unshuffled. */
    int inflate, shuffle; /* the dataset's filters, in that pipeline order */
    size_t elem_bytes;    /* for the unshuffle */
    unsigned char *zbuf;  /* the chunk as stored */
    size_t zcap;
    unsigned char *shuf; /* the inflated chunk, still shuffled */
    struct libdeflate_decompressor *dec;
};

struct rmat_reader {
    char *path;
    hid_t file;
    hid_t frames[NFRAMES];
    struct direct direct[NFRAMES];
    hid_t events[NEVENTS]; /* all H5I_INVALID_HID when /events is absent */
    hid_t kind_t, text_t;  /* memory types of /events/kind and /text */
    struct rmat_recording_info info;
    uint8_t *mask; /* /device/mask (rows * cols), NULL: every cell exists */
};

/* --- HDF5 errors --------------------------------------------------------- */

static int h5_fail(const char *path, struct rmat_errinfo *ei, const char *what)
{
    char detail[300];
    rmat_h5_last_error(detail, sizeof detail);
    return rmat_errinfo_set(ei, RMAT_E_HDF5, 0, "%s: %s failed: %s", path, what, detail);
}

/* --- damaged files --------------------------------------------------------- */

/* HDF5 1.10's SWMR reader retries a metadata block whose checksum fails,
 * sleeping twice as long each time (from 1 ns), up to the file access
 * property's read attempts: 100 by default for SWMR, so a damaged file
 * made `rollmat analyze` sleep for minutes (2^33 ns is 8.6 s). The retries
 * are for a block the writer is rewriting as it is read; 24 tries sleep
 * at most 2^24 ns (17 ms) in all, plenty for a write of a few kB, and a
 * damaged file fails at once. */
#define READ_ATTEMPTS 24

static hid_t reader_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);

    if (fapl >= 0 && H5Pset_metadata_read_attempts(fapl, READ_ATTEMPTS) < 0) {
        H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

static herr_t count_cb(hid_t obj, const char *name, const H5O_info_t *info, void *data)
{
    (void)obj;
    (void)name;
    (void)info;
    (void)data;
    return 0;
}

/* Whether the file's metadata is damaged: a walk over every object's
 * header (each read and checked against its checksum) fails. A file that
 * is merely not a rollmat recording walks fine. */
static int file_damaged(hid_t file)
{
    herr_t rc;

    if (file < 0)
        return 1;
    rc = H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_NATIVE, count_cb, NULL,
                   H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS);
    if (rc >= 0) {
        /* The root's attributes: where a reader looks first. */
        H5O_info_t oi;
        rc = H5Oget_info2(file, &oi, H5O_INFO_NUM_ATTRS);
        for (hsize_t i = 0; rc >= 0 && i < oi.num_attrs; i++) {
            hid_t a = H5Aopen_by_idx(file, ".", H5_INDEX_CRT_ORDER, H5_ITER_NATIVE, i, H5P_DEFAULT,
                                     H5P_DEFAULT);
            if (a < 0)
                a = H5Aopen_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_NATIVE, i, H5P_DEFAULT,
                                   H5P_DEFAULT);
            if (a < 0)
                rc = -1;
            else
                H5Aclose(a);
        }
    }
    return rc < 0;
}

/* The message for a file whose HDF5 metadata does not read: it says the
 * file is damaged (rather than what a reader missed in it, which misled:
 * "without the root attribute 'format'"), and names `rollmat recover`
 * when the recording's journal is beside it. */
/* RMAT_JOURNAL_SUFFIX (journal.h, of the acquisition layer, which the
 * analysis layer does not include). */
#define JOURNAL_SUFFIX ".journal"

static int damaged(const char *path, struct rmat_errinfo *ei, const char *detail)
{
    char journal[4096 + sizeof JOURNAL_SUFFIX];
    struct stat st;
    int n = snprintf(journal, sizeof journal, "%s%s", path, JOURNAL_SUFFIX);

    if (n > 0 && (size_t)n < sizeof journal && stat(journal, &st) == 0 && S_ISREG(st.st_mode))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: the file is damaged (its HDF5 metadata does not read: %s); "
                                "its journal is beside it: `rollmat recover %s` rebuilds the "
                                "recording from it",
                                path, detail, journal);
    return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                            "%s: the file is damaged (its HDF5 metadata does not read: %s); "
                            "restore it from a copy, or rebuild it with `rollmat recover` from "
                            "its journal (FILE.h5.journal) if there is one",
                            path, detail);
}

/* --- datasets ------------------------------------------------------------ */

static hid_t open_dataset(hid_t file, const char *path)
{
    /* H5Lexists needs each parent to exist: check the group first. */
    const char *slash = strrchr(path, '/');
    char group[32];
    size_t n = (size_t)(slash - path);

    if (n == 0 || n >= sizeof group)
        return H5I_INVALID_HID;
    memcpy(group, path, n);
    group[n] = '\0';
    if (H5Lexists(file, group, H5P_DEFAULT) <= 0 || H5Lexists(file, path, H5P_DEFAULT) <= 0)
        return H5I_INVALID_HID;
    return H5Dopen2(file, path, H5P_DEFAULT);
}

/* Returns the rank of d, or -1; its dims go into dims if the rank is 1..3. */
static int dataset_dims(hid_t d, hsize_t *dims)
{
    hid_t space = H5Dget_space(d);
    int rank;

    if (space < 0)
        return -1;
    rank = H5Sget_simple_extent_ndims(space);
    if (rank >= 1 && rank <= 3 && H5Sget_simple_extent_dims(space, dims, NULL) < 0)
        rank = -1;
    H5Sclose(space);
    return rank;
}

static int dataset_class(hid_t d)
{
    hid_t t = H5Dget_type(d);
    int cls;

    if (t < 0)
        return -1;
    cls = (int)H5Tget_class(t);
    H5Tclose(t);
    return cls;
}

static const char *frames_name(const struct rmat_reader *r)
{
    return r->info.pressure ? RMAT_RECFILE_PRESSURE_PATH : rmat_recfile_frame_paths[0];
}

/* Frame and event counts from the current dataset sizes: the shortest of
 * each set, since after a crash they may differ by up to a chunk. Also
 * checks the shapes, which a refresh could in principle change. */
static int measure(struct rmat_reader *r, struct rmat_errinfo *ei)
{
    uint64_t frames = UINT64_MAX, events = UINT64_MAX;

    for (int i = 0; i < NFRAMES; i++) {
        hsize_t dims[3];
        int want = i == 0 ? 3 : 1;
        int rank = dataset_dims(r->frames[i], dims);

        if (rank != want)
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s: malformed rollmat recording: %s has rank %d, not %d",
                                    r->path, rmat_recfile_frame_paths[i], rank, want);
        if (i == 0 &&
            (dims[1] != (hsize_t)r->info.dev.rows || dims[2] != (hsize_t)r->info.dev.cols))
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s: malformed rollmat recording: %s holds "
                                    "%llux%llu frames but /device says %dx%d",
                                    r->path, frames_name(r), (unsigned long long)dims[1],
                                    (unsigned long long)dims[2], r->info.dev.rows,
                                    r->info.dev.cols);
        if (dims[0] < frames)
            frames = dims[0];
    }
    for (int i = 0; i < NEVENTS && r->events[0] >= 0; i++) {
        hsize_t dims[3];
        int rank = dataset_dims(r->events[i], dims);

        if (rank != 1)
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s: malformed rollmat recording: %s has rank %d, not 1",
                                    r->path, rmat_recfile_event_paths[i], rank);
        if (dims[0] < events)
            events = dims[0];
    }
    r->info.frames = frames;
    r->info.events = r->events[0] >= 0 ? events : 0;
    return RMAT_OK;
}

/* A memory string type matching the file's: HDF5 1.10 refuses to convert
 * between ASCII and UTF-8 strings, and cannot convert variable-length
 * strings to fixed ones, which /events must not hold anyway. */
static hid_t event_string_type(hid_t dset, size_t size)
{
    hid_t ft = H5Dget_type(dset), mt = H5I_INVALID_HID;
    H5T_cset_t cset;

    if (ft < 0)
        return H5I_INVALID_HID;
    if (H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) != 0)
        goto out;
    cset = H5Tget_cset(ft);
    mt = H5Tcopy(H5T_C_S1);
    if (mt < 0)
        goto out;
    if (H5Tset_size(mt, size) < 0 || H5Tset_strpad(mt, H5T_STR_NULLPAD) < 0 ||
        H5Tset_cset(mt, cset) < 0) {
        H5Tclose(mt);
        mt = H5I_INVALID_HID;
    }
out:
    H5Tclose(ft);
    return mt;
}

/* The filters of dcpl, when they are a pipeline read_direct() can undo:
 * none, deflate, or shuffle then deflate (what rollmat writes, and what
 * h5py's compression="gzip", shuffle=True gives). 0 if so, -1 otherwise. */
static int known_filters(hid_t dcpl, int *inflate, int *shuffle)
{
    const int n = H5Pget_nfilters(dcpl);

    *inflate = *shuffle = 0;
    if (n < 0 || n > 2)
        return -1;
    for (int k = 0; k < n; k++) {
        unsigned flags = 0, cd[8], config = 0;
        size_t ncd = 8;
        const H5Z_filter_t id =
            H5Pget_filter2(dcpl, (unsigned)k, &flags, &ncd, cd, 0, NULL, &config);
        if (id == H5Z_FILTER_SHUFFLE && k == 0 && n == 2)
            *shuffle = 1;
        else if (id == H5Z_FILTER_DEFLATE && k == n - 1)
            *inflate = 1;
        else
            return -1;
    }
    return 0;
}

/* Whether dataset i of /frames can be read chunk by chunk with
 * H5Dread_chunk: chunked, with no filter or the deflate pipeline above,
 * whole rows to a chunk, and stored in exactly the memory type (so the
 * chunk's bytes are the values; true of the little-endian integers rollmat
 * writes, on a little-endian host). That skips HDF5's chunk cache and its
 * copy: the chunk goes from the file straight into the caller's buffer (or
 * through the inflater into it). Anything else is read by hyperslab, as
 * before. */
static void direct_setup(struct rmat_reader *r, int i, hid_t memtype)
{
    struct direct *d = &r->direct[i];
    hid_t dcpl = H5Dget_create_plist(r->frames[i]);
    hid_t ft = H5Dget_type(r->frames[i]);
    hsize_t cd[3] = {0, 0, 0};
    const int rank = i == 0 ? 3 : 1;
    const uint16_t one = 1;
    unsigned char little;
    int inflate = 0, shuffle = 0;

    memcpy(&little, &one, 1);
    d->chunk_rows = 0;
    if (dcpl >= 0 && ft >= 0 && little == 1 && H5Pget_layout(dcpl) == H5D_CHUNKED &&
        known_filters(dcpl, &inflate, &shuffle) == 0 && H5Pget_chunk(dcpl, rank, cd) == rank &&
        H5Tequal(ft, memtype) > 0 &&
        (rank == 1 || (cd[1] == (hsize_t)r->info.dev.rows && cd[2] == (hsize_t)r->info.dev.cols)) &&
        cd[0] > 0 && cd[0] <= 65536) {
        d->elem_bytes = H5Tget_size(memtype);
        d->row_bytes = d->elem_bytes;
        if (rank == 3)
            d->row_bytes *= (size_t)cd[1] * (size_t)cd[2];
        d->inflate = inflate;
        d->shuffle = shuffle;
        if (inflate) {
            d->dec = libdeflate_alloc_decompressor();
            d->shuf = shuffle ? malloc((size_t)cd[0] * d->row_bytes) : NULL;
        }
        if (!inflate || (d->dec && (!shuffle || d->shuf)))
            d->chunk_rows = cd[0];
    }
    if (ft >= 0)
        H5Tclose(ft);
    if (dcpl >= 0)
        H5Pclose(dcpl);
}

static int open_datasets(struct rmat_reader *r, struct rmat_errinfo *ei)
{
    for (int i = 0; i < NFRAMES; i++) {
        r->frames[i] = open_dataset(r->file, rmat_recfile_frame_paths[i]);
        /* An import of values already in a pressure unit holds
         * /frames/pressure_kpa (float32) instead of raw counts. */
        if (i == 0 && r->frames[0] < 0) {
            r->frames[0] = open_dataset(r->file, RMAT_RECFILE_PRESSURE_PATH);
            if (r->frames[0] >= 0) {
                if (dataset_class(r->frames[0]) != H5T_FLOAT)
                    return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                            "%s: malformed rollmat recording: %s is not of a "
                                            "floating-point type",
                                            r->path, RMAT_RECFILE_PRESSURE_PATH);
                r->info.pressure = 1;
                continue;
            }
        }
        if (r->frames[i] < 0)
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s: malformed rollmat recording: no dataset %s", r->path,
                                    rmat_recfile_frame_paths[i]);
        if (dataset_class(r->frames[i]) != H5T_INTEGER)
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s: malformed rollmat recording: %s is not of an integer "
                                    "type",
                                    r->path, rmat_recfile_frame_paths[i]);
    }
    if (H5Lexists(r->file, "events", H5P_DEFAULT) <= 0)
        return RMAT_OK; /* tolerated: no events */
    for (int i = 0; i < NEVENTS; i++) {
        r->events[i] = open_dataset(r->file, rmat_recfile_event_paths[i]);
        if (r->events[i] < 0)
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s: malformed rollmat recording: /events exists but %s "
                                    "does not",
                                    r->path, rmat_recfile_event_paths[i]);
    }
    r->kind_t = event_string_type(r->events[1], RMAT_EVENT_KIND_LEN);
    r->text_t = event_string_type(r->events[3], RMAT_EVENT_TEXT_LEN);
    if (r->kind_t < 0 || r->text_t < 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: malformed rollmat recording: /events/kind and "
                                "/events/text must be fixed-size strings",
                                r->path);
    return RMAT_OK;
}

/* --- public -------------------------------------------------------------- */

static struct rmat_reader *reader_new(const char *path)
{
    struct rmat_reader *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->path = strdup(path);
    if (!r->path) {
        free(r);
        return NULL;
    }
    r->file = H5I_INVALID_HID;
    for (int i = 0; i < NFRAMES; i++)
        r->frames[i] = H5I_INVALID_HID;
    for (int i = 0; i < NEVENTS; i++)
        r->events[i] = H5I_INVALID_HID;
    r->kind_t = r->text_t = H5I_INVALID_HID;
    return r;
}

/* Plain-file checks first: they give the user an errno-level answer
 * ("no such file", "permission denied") that HDF5 would bury. */
static int check_file(const char *path, struct rmat_errinfo *ei)
{
    struct stat st;
    FILE *f;
    htri_t is_h5;

    if (stat(path, &st) < 0) {
        int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: cannot open: %s", path,
                                strerror(e));
    }
    if (S_ISDIR(st.st_mode))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: is a directory, not a rollmat recording",
                                path);
    f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "%s: cannot open: %s", path,
                                strerror(e));
    }
    fclose(f);
    is_h5 = H5Fis_hdf5(path);
    if (is_h5 == 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: is not an HDF5 file, so not a rollmat recording", path);
    if (is_h5 < 0)
        return h5_fail(path, ei, "checking the HDF5 signature");
    return RMAT_OK;
}

/* /device/mask (format 2; absent: every cell exists), /device layout and
 * the /source of an import. The mask must be uint8 [rows][cols] of 0 and
 * 1: anything else is refused rather than guessed. */
static int read_mask_and_source(struct rmat_reader *r, struct rmat_errinfo *ei)
{
    const size_t n = (size_t)r->info.dev.rows * (size_t)r->info.dev.cols;
    hid_t g = rmat_h5_open_group(r->file, "device");
    char layout[16] = "";

    if (g >= 0) {
        (void)rmat_h5_get_str(g, "layout", layout, sizeof layout);
        r->info.sensors = strcmp(layout, "sensors") == 0;
        if (H5Lexists(g, "mask", H5P_DEFAULT) > 0) {
            hid_t d = H5Dopen2(g, "mask", H5P_DEFAULT);
            hsize_t dims[3];
            int ok = d >= 0 && dataset_dims(d, dims) == 2 && dims[0] == (hsize_t)r->info.dev.rows &&
                     dims[1] == (hsize_t)r->info.dev.cols;
            r->mask = ok ? malloc(n) : NULL;
            if (ok && r->mask &&
                H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, r->mask) < 0)
                ok = 0;
            if (d >= 0)
                H5Dclose(d);
            H5Gclose(g);
            if (!ok)
                return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                        "%s: malformed rollmat recording: /device/mask is not "
                                        "uint8 [%d][%d]",
                                        r->path, r->info.dev.rows, r->info.dev.cols);
            if (!r->mask)
                return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", r->path);
            r->info.mask_cells = 0;
            for (size_t k = 0; k < n; k++) {
                if (r->mask[k] > 1)
                    return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                            "%s: malformed rollmat recording: /device/mask "
                                            "holds %u (only 0 and 1)",
                                            r->path, (unsigned)r->mask[k]);
                r->info.mask_cells += r->mask[k];
            }
            r->info.mask = r->mask;
        } else {
            H5Gclose(g);
        }
    }
    if (!r->mask)
        r->info.mask_cells = n;
    g = rmat_h5_open_group(r->file, "source");
    if (g >= 0) {
        (void)rmat_h5_get_str(g, "format", r->info.source_format, sizeof r->info.source_format);
        (void)rmat_h5_get_str(g, "file_name", r->info.source_file, sizeof r->info.source_file);
        (void)rmat_h5_get_str(g, "sha256", r->info.source_sha256, sizeof r->info.source_sha256);
        H5Gclose(g);
    }
    return RMAT_OK;
}
/* What rmat_reader_open() and rmat_reader_open_image() share: r->file is
 * open (or not: then the reason is in HDF5's error stack). */
static int open_rest(struct rmat_reader *r, const char *path, struct rmat_errinfo *ei);

int rmat_reader_open(const char *path, struct rmat_reader **out, struct rmat_errinfo *ei)
{
    struct rmat_reader *r = NULL;
    int rc;

    if (out)
        *out = NULL;
    if (!path || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_reader_open: path and out needed");
    rmat_h5_init();
    rc = check_file(path, ei);
    if (rc != RMAT_OK)
        return rc;
    r = reader_new(path);
    if (!r)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    {
        const hid_t fapl = reader_fapl();
        r->file =
            fapl < 0 ? H5I_INVALID_HID : H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
        if (fapl >= 0)
            H5Pclose(fapl);
    }
    rc = open_rest(r, path, ei);
    if (rc == RMAT_OK)
        *out = r;
    else
        rmat_reader_close(r);
    return rc;
}

int rmat_reader_open_image(const void *buf, size_t len, const char *name, struct rmat_reader **out,
                           struct rmat_errinfo *ei)
{
    struct rmat_reader *r = NULL;
    hid_t fapl;
    int rc;

    if (out)
        *out = NULL;
    if (!buf || !name || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "rmat_reader_open_image: buf, name and out needed");
    rmat_h5_init();
    r = reader_new(name);
    if (!r)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", name);
    /* HDF5's core driver over a copy of the image, never written back.
     * Nobody writes an image while it is read: one read attempt (the
     * retries of reader_fapl() are for SWMR). */
    fapl = reader_fapl();
    if (fapl < 0 || H5Pset_metadata_read_attempts(fapl, 1) < 0 ||
        H5Pset_fapl_core(fapl, 64 * 1024, 0) < 0 ||
        H5Pset_file_image(fapl, (void *)(uintptr_t)buf, len) < 0)
        r->file = H5I_INVALID_HID;
    else
        r->file = H5Fopen(name, H5F_ACC_RDONLY, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    rc = open_rest(r, name, ei);
    if (rc == RMAT_OK)
        *out = r;
    else
        rmat_reader_close(r);
    return rc;
}

static int open_rest(struct rmat_reader *r, const char *path, struct rmat_errinfo *ei)
{
    int rc;

    if (r->file < 0) {
        char detail[300];
        rmat_h5_last_error(detail, sizeof detail);
        /* The signature is there (check_file): a file HDF5 cannot open
         * is damaged, unless another program holds a lock on it. */
        if (strstr(detail, "lock") || strstr(detail, "already open"))
            rc = h5_fail(path, ei, "opening the HDF5 file");
        else
            rc = damaged(path, ei, detail);
        goto out;
    }
    rc = rmat_recfile_read_root(r->file, r->path, &r->info.format_version, r->info.created_utc,
                                sizeof r->info.created_utc, r->info.software,
                                sizeof r->info.software, ei);
    if (rc != RMAT_OK)
        goto out;
    {
        struct rmat_rec_ident id;
        rmat_recfile_read_ident(r->file, &id);
        memcpy(r->info.recording_id, id.recording_id, sizeof id.recording_id);
        memcpy(r->info.recovered_from, id.recovered_from, sizeof id.recovered_from);
    }
    rc = rmat_recfile_read_device(r->file, r->path, &r->info.dev, ei);
    if (rc != RMAT_OK)
        goto out;
    rmat_recfile_read_session(r->file, &r->info.meta);
    rc = open_datasets(r, ei);
    if (rc != RMAT_OK)
        goto out;
    rc = measure(r, ei);
    if (rc != RMAT_OK)
        goto out;
    rc = read_mask_and_source(r, ei);
    if (rc != RMAT_OK)
        goto out;
    {
        const hid_t memtypes[NFRAMES] = {r->info.pressure ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT16,
                                         H5T_NATIVE_UINT32, H5T_NATIVE_UINT64, H5T_NATIVE_INT64};
        for (int i = 0; i < NFRAMES; i++)
            direct_setup(r, i, memtypes[i]);
    }
    return RMAT_OK;
out:
    /* What a reader missed in a damaged file is not the news: the damage
     * is. (A file that walks fine keeps the message of what it lacks.) */
    if (rc != RMAT_OK && r->file >= 0 && rc != RMAT_E_NOMEM && file_damaged(r->file)) {
        char detail[300];
        rmat_h5_last_error(detail, sizeof detail);
        rc = damaged(path, ei, detail);
    }
    return rc;
}

const struct rmat_recording_info *rmat_reader_info(const struct rmat_reader *r)
{
    return r ? &r->info : NULL;
}

int rmat_reader_refresh(struct rmat_reader *r, struct rmat_errinfo *ei)
{
    char what[64];

    if (!r)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_reader_refresh: no reader");
    for (int i = 0; i < NFRAMES; i++) {
        if (H5Drefresh(r->frames[i]) < 0) {
            snprintf(what, sizeof what, "refreshing %s", rmat_recfile_frame_paths[i]);
            return h5_fail(r->path, ei, what);
        }
    }
    for (int i = 0; i < NEVENTS && r->events[i] >= 0; i++) {
        if (H5Drefresh(r->events[i]) < 0) {
            snprintf(what, sizeof what, "refreshing %s", rmat_recfile_event_paths[i]);
            return h5_fail(r->path, ei, what);
        }
    }
    return measure(r, ei);
}

/* Reads rows [first, first + count) of d into buf as memtype; row_dims
 * gives the trailing dims of a rank-3 dataset (NULL for rank 1). */
static int read_rows(const struct rmat_reader *r, hid_t d, const char *name, hid_t memtype,
                     int rank, const hsize_t *row_dims, uint64_t first, size_t count, void *buf,
                     struct rmat_errinfo *ei)
{
    hsize_t start[3] = {first, 0, 0}, cnt[3] = {count, 0, 0};
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    char what[64];
    int rc = RMAT_OK;

    for (int i = 1; i < rank; i++)
        cnt[i] = row_dims[i - 1];
    fspace = H5Dget_space(d);
    mspace = H5Screate_simple(rank, cnt, NULL);
    if (fspace < 0 || mspace < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, cnt, NULL) < 0 ||
        H5Dread(d, memtype, mspace, fspace, H5P_DEFAULT, buf) < 0) {
        snprintf(what, sizeof what, "reading %s", name);
        rc = h5_fail(r->path, ei, what);
    }
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    return rc;
}

/* The element bytes of n elements back in order from HDF5's shuffle, which
 * stores every element's byte 0, then every byte 1, and so on. */
static void unshuffle(unsigned char *out, const unsigned char *in, size_t n, size_t elem)
{
    if (elem == 2) {
        const unsigned char *lo = in, *hi = in + n;
        for (size_t k = 0; k < n; k++) {
            out[2 * k] = lo[k];
            out[2 * k + 1] = hi[k];
        }
        return;
    }
    for (size_t b = 0; b < elem; b++)
        for (size_t k = 0; k < n; k++)
            out[k * elem + b] = in[b * n + k];
}

/* The chunk at off into dst (one chunk's bytes), undoing the filters the
 * chunk went through (a bit set in HDF5's filter mask: that filter was
 * skipped for this chunk). Returns 0, or -1 and the caller reads by
 * hyperslab, where HDF5 says what is wrong. */
static int read_chunk(struct rmat_reader *r, int i, const hsize_t *off, unsigned char *dst)
{
    struct direct *d = &r->direct[i];
    const size_t bytes = (size_t)d->chunk_rows * d->row_bytes;
    uint32_t mask = 0;
    hsize_t stored = 0;
    size_t got = 0;

    if (!d->inflate)
        return H5Dread_chunk(r->frames[i], H5P_DEFAULT, off, &mask, dst) < 0 ? -1 : 0;
    if (H5Dget_chunk_storage_size(r->frames[i], off, &stored) < 0 || stored == 0 ||
        stored > (hsize_t)bytes + bytes / 8 + 4096)
        return -1;
    if (stored > d->zcap) {
        unsigned char *z = realloc(d->zbuf, (size_t)stored);
        if (!z)
            return -1;
        d->zbuf = z;
        d->zcap = (size_t)stored;
    }
    if (H5Dread_chunk(r->frames[i], H5P_DEFAULT, off, &mask, d->zbuf) < 0)
        return -1;
    {
        const int unshuf = d->shuffle && !(mask & 1u);
        const int skip_deflate = (mask >> (d->shuffle ? 1 : 0)) & 1u;
        unsigned char *to = unshuf ? d->shuf : dst;
        if (skip_deflate) {
            if (stored != bytes)
                return -1;
            memcpy(to, d->zbuf, bytes);
        } else if (libdeflate_zlib_decompress(d->dec, d->zbuf, (size_t)stored, to, bytes, &got) !=
                       LIBDEFLATE_SUCCESS ||
                   got != bytes) {
            return -1;
        }
        if (unshuf)
            unshuffle(dst, d->shuf, bytes / d->elem_bytes, d->elem_bytes);
    }
    return 0;
}

/* Rows [first, first + count) of /frames dataset i read chunk by chunk
 * (direct_setup()): a chunk wholly wanted lands in buf itself, one partly
 * wanted (at the ends of the range, or the file's last chunk) goes through
 * the scratch chunk. Returns 0, or -1 if HDF5 refused (e.g. a chunk not
 * yet allocated), and the caller reads by hyperslab instead. */
static int read_direct(struct rmat_reader *r, int i, uint64_t first, size_t count, void *buf)
{
    struct direct *d = &r->direct[i];
    const uint64_t cr = d->chunk_rows, end = first + count;
    unsigned char *out = buf;

    for (uint64_t c0 = first - first % cr; c0 < end; c0 += cr) {
        const uint64_t lo = c0 > first ? c0 : first, hi = c0 + cr < end ? c0 + cr : end;
        hsize_t off[3] = {c0, 0, 0};
        if (lo == c0 && hi == c0 + cr) {
            if (read_chunk(r, i, off, out + (size_t)(c0 - first) * d->row_bytes) < 0)
                return -1;
            continue;
        }
        if (!d->scratch) {
            d->scratch = malloc((size_t)cr * d->row_bytes);
            if (!d->scratch)
                return -1;
        }
        if (read_chunk(r, i, off, d->scratch) < 0)
            return -1;
        memcpy(out + (size_t)(lo - first) * d->row_bytes,
               d->scratch + (size_t)(lo - c0) * d->row_bytes, (size_t)(hi - lo) * d->row_bytes);
    }
    return 0;
}

size_t rmat_reader_chunk_frames(const struct rmat_reader *r)
{
    return r && r->direct[0].chunk_rows ? (size_t)r->direct[0].chunk_rows : 0;
}

static int read_frames(struct rmat_reader *r, uint64_t first, size_t count, void *out0,
                       uint32_t *seq, uint64_t *t_device_us, int64_t *t_host_ns,
                       struct rmat_errinfo *ei);
static void mask_frame_u16(const struct rmat_reader *r, uint16_t *v);

int rmat_reader_read(struct rmat_reader *r, uint64_t first, size_t count, uint16_t *raw,
                     uint32_t *seq, uint64_t *t_device_us, int64_t *t_host_ns,
                     struct rmat_errinfo *ei)
{
    hsize_t grid[2];
    int rc = RMAT_OK;

    if (!r)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_reader_read: no reader");
    grid[0] = (hsize_t)r->info.dev.rows;
    grid[1] = (hsize_t)r->info.dev.cols;
    if (first > r->info.frames || count > r->info.frames - first)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "%s: frames %llu..%llu asked for, the recording has %llu", r->path,
                                (unsigned long long)first, (unsigned long long)(first + count),
                                (unsigned long long)r->info.frames);
    if (count == 0)
        return RMAT_OK;
    if (raw && r->info.pressure)
        return rmat_errinfo_set(ei, RMAT_E_UNSUPPORTED, 0,
                                "%s: holds pressures in kPa (an import), not raw counts: this "
                                "command needs a recording of raw counts",
                                r->path);
    rc = read_frames(r, first, count, raw, seq, t_device_us, t_host_ns, ei);
    if (rc == RMAT_OK && raw && r->mask)
        for (size_t f = 0; f < count; f++)
            mask_frame_u16(r, raw + f * (size_t)grid[0] * (size_t)grid[1]);
    return rc;
}

static void mask_frame_u16(const struct rmat_reader *r, uint16_t *v)
{
    const size_t n = (size_t)r->info.dev.rows * (size_t)r->info.dev.cols;
    for (size_t k = 0; k < n; k++)
        if (!r->mask[k])
            v[k] = 0;
}

int rmat_reader_read_kpa(struct rmat_reader *r, uint64_t first, size_t count, float *kpa,
                         uint32_t *seq, uint64_t *t_device_us, int64_t *t_host_ns,
                         struct rmat_errinfo *ei)
{
    const size_t n = r ? (size_t)r->info.dev.rows * (size_t)r->info.dev.cols : 0;
    int rc;

    if (!r)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_reader_read_kpa: no reader");
    if (kpa && !r->info.pressure)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: holds raw counts, not pressures", r->path);
    if (first > r->info.frames || count > r->info.frames - first)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "%s: frames %llu..%llu asked for, the recording has %llu", r->path,
                                (unsigned long long)first, (unsigned long long)(first + count),
                                (unsigned long long)r->info.frames);
    if (count == 0)
        return RMAT_OK;
    rc = read_frames(r, first, count, kpa, seq, t_device_us, t_host_ns, ei);
    if (rc != RMAT_OK || !kpa)
        return rc;
    /* Cells without a sensel hold 0 as written; a value there (a file made
     * by other tools) is dropped all the same: it is never contact. And a
     * NaN or negative pressure is no pressure. */
    for (size_t f = 0; f < count; f++) {
        float *v = kpa + f * n;
        for (size_t k = 0; k < n; k++)
            if ((r->mask && !r->mask[k]) || !(v[k] > 0.0f))
                v[k] = 0.0f;
    }
    return RMAT_OK;
}

/* The four /frames datasets into whichever outputs are not NULL; out0 is
 * uint16 counts or float kPa as the file holds. */
static int read_frames(struct rmat_reader *r, uint64_t first, size_t count, void *out0,
                       uint32_t *seq, uint64_t *t_device_us, int64_t *t_host_ns,
                       struct rmat_errinfo *ei)
{
    hsize_t grid[2] = {(hsize_t)r->info.dev.rows, (hsize_t)r->info.dev.cols};
    int rc = RMAT_OK;
    {
        void *const bufs[NFRAMES] = {out0, seq, t_device_us, t_host_ns};
        const hid_t memtypes[NFRAMES] = {r->info.pressure ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT16,
                                         H5T_NATIVE_UINT32, H5T_NATIVE_UINT64, H5T_NATIVE_INT64};
        for (int i = 0; i < NFRAMES && rc == RMAT_OK; i++) {
            if (!bufs[i])
                continue;
            /* HDF5's error stack of a refused direct read is dropped by
             * the hyperslab read that follows. */
            if (r->direct[i].chunk_rows && read_direct(r, i, first, count, bufs[i]) == 0)
                continue;
            rc = read_rows(r, r->frames[i], i == 0 ? frames_name(r) : rmat_recfile_frame_paths[i],
                           memtypes[i], i == 0 ? 3 : 1, i == 0 ? grid : NULL, first, count, bufs[i],
                           ei);
        }
    }
    return rc;
}

int rmat_reader_events(struct rmat_reader *r, uint64_t first, size_t count, struct rmat_event *out,
                       struct rmat_errinfo *ei)
{
    int64_t t[EVENT_BATCH];
    double v[EVENT_BATCH];
    char kind[EVENT_BATCH][RMAT_EVENT_KIND_LEN];
    char text[EVENT_BATCH][RMAT_EVENT_TEXT_LEN];

    if (!r || (count > 0 && !out))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_reader_events: no reader or output");
    if (first > r->info.events || count > r->info.events - first)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "%s: events %llu..%llu asked for, the recording has %llu", r->path,
                                (unsigned long long)first, (unsigned long long)(first + count),
                                (unsigned long long)r->info.events);
    for (size_t done = 0; done < count;) {
        size_t n = count - done < EVENT_BATCH ? count - done : EVENT_BATCH;
        uint64_t at = first + done;
        int rc;

        rc = read_rows(r, r->events[0], rmat_recfile_event_paths[0], H5T_NATIVE_INT64, 1, NULL, at,
                       n, t, ei);
        if (rc == RMAT_OK)
            rc = read_rows(r, r->events[1], rmat_recfile_event_paths[1], r->kind_t, 1, NULL, at, n,
                           kind, ei);
        if (rc == RMAT_OK)
            rc = read_rows(r, r->events[2], rmat_recfile_event_paths[2], H5T_NATIVE_DOUBLE, 1, NULL,
                           at, n, v, ei);
        if (rc == RMAT_OK)
            rc = read_rows(r, r->events[3], rmat_recfile_event_paths[3], r->text_t, 1, NULL, at, n,
                           text, ei);
        if (rc != RMAT_OK)
            return rc;
        for (size_t i = 0; i < n; i++) {
            struct rmat_event *e = &out[done + i];
            e->t_host_ns = t[i];
            rmat_utf8_copy(e->kind, sizeof e->kind, kind[i], RMAT_EVENT_KIND_LEN);
            e->value = v[i];
            rmat_utf8_copy(e->text, sizeof e->text, text[i], RMAT_EVENT_TEXT_LEN);
        }
        done += n;
    }
    return RMAT_OK;
}

int rmat_reader_sensors(struct rmat_reader *r, double *area_mm2, double *x_mm, double *y_mm,
                        struct rmat_errinfo *ei)
{
    static const char *const names[3] = {"/sensors/area_mm2", "/sensors/x_mm", "/sensors/y_mm"};
    double *const out[3] = {area_mm2, x_mm, y_mm};
    const size_t n = r ? (size_t)r->info.dev.cols : 0;

    if (!r)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_reader_sensors: no reader");
    for (int i = 0; i < 3; i++) {
        hsize_t dims[3];
        hid_t d;
        if (!out[i])
            continue;
        for (size_t k = 0; k < n; k++)
            out[i][k] = NAN;
        d = open_dataset(r->file, names[i]);
        if (d < 0)
            continue; /* unknown: NaN */
        if (dataset_dims(d, dims) != 1 || dims[0] != (hsize_t)n ||
            H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out[i]) < 0) {
            H5Dclose(d);
            return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                    "%s: malformed rollmat recording: %s is not float64 [%zu]",
                                    r->path, names[i], n);
        }
        H5Dclose(d);
    }
    return RMAT_OK;
}

int rmat_reader_calib(struct rmat_reader *r, struct rmat_calib **out, struct rmat_errinfo *ei)
{
    if (out)
        *out = NULL;
    if (!r || !out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_reader_calib: reader and out needed");
    return rmat_calib_h5_read(r->file, r->path, out, ei);
}

void rmat_reader_close(struct rmat_reader *r)
{
    if (!r)
        return;
    for (int i = 0; i < NFRAMES; i++) {
        if (r->frames[i] >= 0)
            H5Dclose(r->frames[i]);
        free(r->direct[i].scratch);
        free(r->direct[i].zbuf);
        free(r->direct[i].shuf);
        libdeflate_free_decompressor(r->direct[i].dec);
    }
    for (int i = 0; i < NEVENTS; i++)
        if (r->events[i] >= 0)
            H5Dclose(r->events[i]);
    if (r->kind_t >= 0)
        H5Tclose(r->kind_t);
    if (r->text_t >= 0)
        H5Tclose(r->text_t);
    if (r->file >= 0)
        H5Fclose(r->file);
    free(r->mask);
    free(r->path);
    free(r);
}
