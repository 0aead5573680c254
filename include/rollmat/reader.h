/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: reading recordings.
 *
 * Opens a recording with SWMR read access, so one still being written, or
 * one whose writer was killed, opens. Checks that it is a rollmat recording
 * of a format version this build reads, and reads frames in blocks, so
 * memory does not grow with the recording's length. The frame count is the
 * shortest of the /frames datasets (after a crash they may differ by a
 * chunk).
 */
#ifndef ROLLMAT_READER_H
#define ROLLMAT_READER_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"
#include "rollmat/recfile.h"

struct rmat_recording_info {
    int format_version;
    char created_utc[32];
    char software[64];
    char recording_id[RMAT_RECORDING_ID_LEN];     /* UUID; "" in a version-1 file */
    char recovered_from[RMAT_RECOVERED_FROM_LEN]; /* the journal it was rebuilt from
                                                     (`rollmat recover`); "" for an original */
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    uint64_t frames; /* shortest /frames dataset */
    uint64_t events;
    /* What an import adds (format 2, docs/format.md): */
    int pressure;           /* 1: /frames/pressure_kpa (float kPa) instead of /frames/raw:
                               read with rmat_reader_read_kpa(), no calibration applies */
    int sensors;            /* 1: /device layout "sensors": a list of cols sensors, not a
                               grid (rows 1); /sensors holds their areas and positions */
    const uint8_t *mask;    /* /device/mask, rows * cols, 1 = a sensel; NULL: all exist */
    size_t mask_cells;      /* cells with a sensel */
    char source_format[32]; /* /source format of an import; "" for a mat's recording */
    char source_file[256];  /* /source file_name */
    char source_sha256[68]; /* /source sha256 */
};

struct rmat_reader;

/* Opens path. Errors, each with a message naming the file and what is
 * wrong: RMAT_E_NOTFOUND, RMAT_E_FORMAT (not HDF5, not a rollmat
 * recording, a dataset missing or of the wrong shape), RMAT_E_NEWER (a
 * format_version newer than RMAT_FORMAT_VERSION; versions 1 and 2 read), RMAT_E_HDF5. *out is NULL
 * on error; free with rmat_reader_close(). */
int rmat_reader_open(const char *path, struct rmat_reader **out, struct rmat_errinfo *ei);

/* Opens a recording held in memory (len bytes at buf, an HDF5 file's
 * image; HDF5's core driver reads a copy), as rmat_reader_open() opens a
 * file; name names it in messages. rmat_reader_refresh() does not apply.
 * For recordings that never touch a disk (the fuzzer's, tests'). */
int rmat_reader_open_image(const void *buf, size_t len, const char *name, struct rmat_reader **out,
                           struct rmat_errinfo *ei);

/* The recording's attributes and sizes; valid until rmat_reader_close(). */
const struct rmat_recording_info *rmat_reader_info(const struct rmat_reader *r);

/* Re-reads the dataset sizes of a recording that is still growing (SWMR);
 * updates rmat_reader_info()->frames and events. */
int rmat_reader_refresh(struct rmat_reader *r, struct rmat_errinfo *ei);

/* Reads count frames from index first (first + count <= frames). Each
 * output may be NULL; raw gets count * rows * cols counts (0 where /device/mask
 * has no sensel). Where the file
 * allows (chunked, unfiltered, stored as the host's integers: rollmat's own
 * recordings on a little-endian host) whole chunks are read straight into
 * the outputs, skipping HDF5's chunk cache: reads of whole chunks
 * (rmat_reader_chunk_frames()) are the fastest. */
int rmat_reader_read(struct rmat_reader *r, uint64_t first, size_t count, uint16_t *raw,
                     uint32_t *seq, uint64_t *t_device_us, int64_t *t_host_ns,
                     struct rmat_errinfo *ei);

/* As rmat_reader_read() for a recording of pressures (info->pressure):
 * kpa gets count * rows * cols values in kPa, 0 where the mask has no
 * sensel (and for NaN or negative values). kpa NULL reads only the other
 * outputs, of any recording. rmat_reader_read() refuses raw of such a
 * recording (RMAT_E_UNSUPPORTED: a command that needs counts). */
int rmat_reader_read_kpa(struct rmat_reader *r, uint64_t first, size_t count, float *kpa,
                         uint32_t *seq, uint64_t *t_device_us, int64_t *t_host_ns,
                         struct rmat_errinfo *ei);

/* The frames in one chunk of /frames/raw when it can be read chunk by
 * chunk (see rmat_reader_read()), else 0. Readers that want speed read
 * blocks of a multiple of this, starting at multiples of it. */
size_t rmat_reader_chunk_frames(const struct rmat_reader *r);

/* One event of /events. */
struct rmat_event {
    int64_t t_host_ns;
    char kind[RMAT_EVENT_KIND_LEN + 1];
    double value;
    char text[RMAT_EVENT_TEXT_LEN + 1];
};

/* Reads count events from index first (first + count <= events). */
int rmat_reader_events(struct rmat_reader *r, uint64_t first, size_t count, struct rmat_event *out,
                       struct rmat_errinfo *ei);

/* A sensor list's sensors (info->sensors; /sensors): cols areas in mm2
 * and centres in mm (x from the left, y down from the top), NaN where
 * unknown or when the recording has none. Any output may be NULL. */
int rmat_reader_sensors(struct rmat_reader *r, double *area_mm2, double *x_mm, double *y_mm,
                        struct rmat_errinfo *ei);

struct rmat_calib;

/* The recording's own calibration (/calibration, copied in at record time;
 * calib.h): *out is a new calibration the caller frees with
 * rmat_calib_free(), or NULL when the recording has none. Errors:
 * RMAT_E_FORMAT for a /calibration that is there but malformed, naming the
 * file; RMAT_E_NOMEM. */
int rmat_reader_calib(struct rmat_reader *r, struct rmat_calib **out, struct rmat_errinfo *ei);

/* Closes and frees r; NULL is allowed. */
void rmat_reader_close(struct rmat_reader *r);

#endif
