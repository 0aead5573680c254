/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the HDF5 recording writer (docs/format.md; the layout itself is
 * recfile.h's).
 *
 * One recording is one HDF5 file: /frames/{raw,seq,t_device_us,t_host_ns}
 * grow by one row per received frame, /events/{t_host_ns,kind,value,text}
 * by one row per event, /device and /session carry attributes. The file is
 * written in SWMR mode from the first frame: every dataset and attribute is
 * created before H5Fstart_swmr_write, the library version bounds are pinned
 * to 1.10, frames are buffered one chunk at a time and written and flushed at
 * least once a second (rmat_rec_flush), so a reader opened with
 * H5F_ACC_SWMR_READ sees them as they arrive.
 *
 * The writer never overwrites: creating over an existing path fails with
 * RMAT_E_EXISTS. Raw counts are stored exactly as the device sent them.
 */
#ifndef ROLLMAT_RECORDING_H
#define ROLLMAT_RECORDING_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ACQ
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"
#include "rollmat/recfile.h"

struct rmat_rec;

/* Creates the recording at path (never overwriting: RMAT_E_EXISTS), writes
 * the root, /device and /session attributes, with a new recording_id (a
 * random UUID), creates every dataset, and switches to SWMR writing. *out
 * is NULL on error. Free with rmat_rec_close(). */
int rmat_rec_create(const char *path, const struct rmat_device_desc *dev,
                    const struct rmat_session_meta *meta, struct rmat_rec **out,
                    struct rmat_errinfo *ei);

struct rmat_calib;

/* As rmat_rec_create(), and when calib is not NULL copies it into the
 * recording as /calibration (calib.h, rmat_calib_h5_write()), before SWMR
 * writing starts. calib must have a curve, and gains (if any) of the
 * recording's rows x cols: RMAT_E_FORMAT otherwise, and no file is left. */
int rmat_rec_create_ex(const char *path, const struct rmat_device_desc *dev,
                       const struct rmat_session_meta *meta, const struct rmat_calib *calib,
                       struct rmat_rec **out, struct rmat_errinfo *ei);

/* As rmat_rec_create_ex(), with the recording's identity given: ident's
 * recording_id (a UUID; "" makes a new one) and recovered_from ("" for an
 * original recording). ident NULL is a new id. `rollmat recover` passes the
 * journal's id so the rebuilt file is the same recording. RMAT_E_ARG for an
 * id that is not a UUID; RMAT_E_IO if no random id can be made. */
int rmat_rec_create_ident(const char *path, const struct rmat_device_desc *dev,
                          const struct rmat_session_meta *meta, const struct rmat_calib *calib,
                          const struct rmat_rec_ident *ident, struct rmat_rec **out,
                          struct rmat_errinfo *ei);

/* How /frames/raw is stored (docs/format.md, "Compression"): 0 as it is,
 * 1-9 through HDF5's built-in shuffle and deflate filters at that level
 * (readable by h5py, MATLAB, R and h5dump with no plugin). New recordings
 * are compressed at RMAT_REC_DEFLATE_DEFAULT unless told otherwise: level 1
 * keeps most of the saving of the higher levels at a fraction of their CPU
 * (bench/compression.sh; docs/performance.md has the figures). */
#define RMAT_REC_DEFLATE_DEFAULT 1
#define RMAT_REC_DEFLATE_MAX     9

/* Everything a new recording can be given beyond its device and session. */
struct rmat_rec_opts {
    const struct rmat_calib *calib;     /* NULL: none (see rmat_rec_create_ex) */
    const struct rmat_rec_ident *ident; /* NULL: a new id (see rmat_rec_create_ident) */
    int deflate;                        /* 0 .. RMAT_REC_DEFLATE_MAX */
};

/* calib and ident NULL, deflate RMAT_REC_DEFLATE_DEFAULT. */
void rmat_rec_opts_init(struct rmat_rec_opts *o);

/* As rmat_rec_create_ident(), with the storage chosen too; o NULL is the
 * defaults. RMAT_E_ARG for a deflate level out of range. */
int rmat_rec_create_opts(const char *path, const struct rmat_device_desc *dev,
                         const struct rmat_session_meta *meta, const struct rmat_rec_opts *o,
                         struct rmat_rec **out, struct rmat_errinfo *ei);

/* The words of --compression: "none" (0), "deflate" (the default level) or
 * "deflate:N" (N 1-9). *deflate is set on success; RMAT_E_ARG with a
 * message saying what is accepted otherwise. */
int rmat_rec_compression_parse(const char *text, int *deflate, struct rmat_errinfo *ei);

/* The recording's recording_id (valid until rmat_rec_close()). */
const char *rmat_rec_recording_id(const struct rmat_rec *rec);

/* Appends one frame: raw holds dev->rows * dev->cols counts, row-major.
 * Buffered; the frame reaches the file at the next chunk boundary or
 * rmat_rec_flush(). Allocates nothing. */
int rmat_rec_append(struct rmat_rec *rec, uint32_t seq, uint64_t t_device_us, int64_t t_host_ns,
                    const uint16_t *raw, struct rmat_errinfo *ei);

/* Appends one event. kind is at most 15 bytes and text at most 127 (longer
 * is cut, at a UTF-8 boundary); value NaN where none; text may be NULL. */
int rmat_rec_event(struct rmat_rec *rec, int64_t t_host_ns, const char *kind, double value,
                   const char *text, struct rmat_errinfo *ei);

/* Writes buffered frames and events and flushes the file so SWMR readers
 * see them. Call at least once a second. */
int rmat_rec_flush(struct rmat_rec *rec, struct rmat_errinfo *ei);

/* Frames appended so far (buffered ones included). */
uint64_t rmat_rec_frames(const struct rmat_rec *rec);

/* Flushes, closes and frees rec. NULL is allowed. Returns the first error
 * met while closing; rec is freed in any case. */
int rmat_rec_close(struct rmat_rec *rec, struct rmat_errinfo *ei);

/* --- a recording left open by a crash ---------------------------------------
 *
 * A recording whose writer was killed still says "open for writing" in its
 * superblock's status flags: rollmat's own reader (SWMR) opens it, but
 * plain HDF5 readers (h5py without swmr=True, h5dump, MATLAB) refuse it
 * ("file is already open for write") until the flags are cleared. */

/* Clears the superblock's status flags, as `h5clear -s` does (through the
 * library's own file access property for it). The file must not be being
 * written. */
int rmat_rec_clear_open_flags(const char *path, struct rmat_errinfo *ei);

/* 1 if HDF5 opens path without SWMR (as plain readers do), else 0. */
int rmat_rec_opens_plainly(const char *path);

/* The number of frames in the recording at path (its /frames/seq), read
 * with SWMR so a file left open opens; -1 if it does not read. */
int64_t rmat_rec_count_frames(const char *path);

#endif
