/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: the recording's layout in HDF5 terms (recfile.h), for the writer
 * (acq/recording.c) and the reader (analysis/reader.c). Internal to
 * librollmat: it speaks in hid_t. */
#ifndef RMAT_RECFILE_H5_H
#define RMAT_RECFILE_H5_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <hdf5.h>

#include "rollmat/diag.h"
#include "rollmat/recfile.h"

struct rmat_calib;

/* The /frames and /events datasets, in the order the writer's and reader's
 * column tables use. */
#define RMAT_RECFILE_NFRAMES 4
#define RMAT_RECFILE_NEVENTS 4
/* Format 2: frames already in kPa (imports), in place of /frames/raw. */
#define RMAT_RECFILE_PRESSURE_PATH "/frames/pressure_kpa"
extern const char *const rmat_recfile_frame_paths[RMAT_RECFILE_NFRAMES];
extern const char *const rmat_recfile_event_paths[RMAT_RECFILE_NEVENTS];

/* Writes what a recording holds before its first frame: the root
 * attributes (format, version, created_utc now, software, recording_id and,
 * when not "", recovered_from, both from ident), /device, /session and,
 * when calib is not NULL, /calibration. Everything must exist before SWMR
 * writing starts. path names the file in messages. Errors: RMAT_E_ARG (an
 * ident without a valid UUID), RMAT_E_HDF5 (with HDF5's detail), those of
 * rmat_calib_h5_write(). */
int rmat_recfile_write_header(hid_t file, const char *path, const struct rmat_device_desc *dev,
                              const struct rmat_session_meta *meta, const struct rmat_calib *calib,
                              const struct rmat_rec_ident *ident, struct rmat_errinfo *ei);

/* The root attributes: checks format and format_version (RMAT_E_FORMAT,
 * RMAT_E_NEWER naming path) and fills the rest ("" where missing). */
int rmat_recfile_read_root(hid_t file, const char *path, int *format_version, char *created_utc,
                           size_t created_cap, char *software, size_t software_cap,
                           struct rmat_errinfo *ei);

/* The identity attributes into id, tolerantly: "" where missing (every
 * version-1 file). */
void rmat_recfile_read_ident(hid_t file, struct rmat_rec_ident *id);

/* /device into d; rows and cols are required (RMAT_E_FORMAT), the rest is
 * read tolerantly (empty, 0 or NaN where missing). */
int rmat_recfile_read_device(hid_t file, const char *path, struct rmat_device_desc *d,
                             struct rmat_errinfo *ei);

/* /session into m, tolerantly; a missing group leaves m as
 * rmat_session_meta_init() makes it. */
void rmat_recfile_read_session(hid_t file, struct rmat_session_meta *m);

#endif
