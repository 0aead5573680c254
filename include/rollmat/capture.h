/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: a recording being written, crash-safe.
 *
 * Pairs the HDF5 recording (recording.h) with its write-ahead journal
 * (journal.h): every frame goes to the journal first, then to HDF5; a tick
 * at least every half second flushes HDF5 for live readers and fdatasyncs
 * the journal, and checks the free space so a recording stops cleanly
 * before the disk fills rather than after. A clean close removes the
 * journal; any failure keeps it, and the error says to run
 * `rollmat recover`.
 */
#ifndef ROLLMAT_CAPTURE_H
#define ROLLMAT_CAPTURE_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ACQ
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"
#include "rollmat/recording.h"
#include "rollmat/wire.h"

/* Keep at least this much free on the recording's file system. */
#define RMAT_CAPTURE_MIN_FREE_BYTES (64ull * 1024 * 1024)
#define RMAT_CAPTURE_TICK_MS        500

struct rmat_capture;

struct rmat_calib;

/* Creates path and path.journal (neither may exist), both carrying a new
 * recording_id and, when calib is not NULL, the mat's calibration (copied:
 * /calibration in the recording, CALIB records in the journal, so
 * `rollmat recover` keeps it). deflate: how the frames are stored in the
 * recording (recording.h, struct rmat_rec_opts; the journal is never
 * compressed). *out is NULL on error; close with rmat_capture_close(). */
int rmat_capture_open(const char *path, const struct rmat_device_desc *dev,
                      const struct rmat_session_meta *meta, const struct rmat_calib *calib,
                      int deflate, struct rmat_capture **out, struct rmat_errinfo *ei);

/* Records one frame: pkt is the raw packet as received (for the journal),
 * hdr and samples its parsed form (for HDF5). Allocates nothing. */
int rmat_capture_frame(struct rmat_capture *c, const struct rmat_frame_hdr *hdr,
                       const uint16_t *samples, const uint8_t *pkt, size_t pkt_len,
                       int64_t t_host_ns, struct rmat_errinfo *ei);

/* Records one event in both files. */
int rmat_capture_event(struct rmat_capture *c, int64_t t_host_ns, const char *kind, double value,
                       const char *text, struct rmat_errinfo *ei);

/* Flushes and syncs when RMAT_CAPTURE_TICK_MS have passed since the last
 * time (call it often), and checks the free space: RMAT_E_NOSPC when less
 * than RMAT_CAPTURE_MIN_FREE_BYTES are left. */
int rmat_capture_tick(struct rmat_capture *c, struct rmat_errinfo *ei);

uint64_t rmat_capture_frames(const struct rmat_capture *c);
const char *rmat_capture_path(const struct rmat_capture *c);
const char *rmat_capture_recording_id(const struct rmat_capture *c);

/* Closes both files and frees c (NULL allowed). The journal is removed only
 * if the HDF5 file closed cleanly and every write succeeded. */
int rmat_capture_close(struct rmat_capture *c, struct rmat_errinfo *ei);

#endif
