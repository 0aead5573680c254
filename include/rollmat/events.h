/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: an analysis's events (marks, pain ratings, gaps, notes) from
 * its recording, on the analysis's time axis, for the figures, reports and
 * trends. */
#ifndef ROLLMAT_EVENTS_H
#define ROLLMAT_EVENTS_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>

#include "rollmat/diag.h"
#include "rollmat/json.h"

/* Writes ana_dir/events.csv from the recording at rec_path: columns t_s
 * (seconds from the first frame on the device clock: the event's host time
 * placed between the frames received around it), t_host_ns, kind, value
 * (empty where none) and text, one row per event except the daemon's
 * clock_sync round trips. A recording without frames gets t_s from the
 * first event. Errors: those of rmat_reader_open() and of writing. */
int rmat_events_export(const char *rec_path, const char *ana_dir, struct rmat_errinfo *ei);

/* The recording an analysis folder came from: summary.json's "recording"
 * as written (relative to where analyze ran), else the same name beside
 * ana_dir or in it, else ana_dir with ".h5" appended. 0 and buf filled if
 * found, -1 if not. */
int rmat_session_recording(const char *ana_dir, const struct rmat_json *summary, char *buf,
                           size_t cap);

/* Writes ana_dir/events.csv from the recording (rmat_session_recording())
 * if it is missing; a recording that cannot be found or read is a warning
 * in log, not an error. Errors: summary.json unreadable. */
int rmat_events_if_missing(const char *ana_dir, const struct rmat_log *log,
                           struct rmat_errinfo *ei);

#endif
