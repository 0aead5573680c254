/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat's ground truth files (docs/simulator.md, "Truth"):
 *
 *  - truth_frames.csv: one row per frame scanned, in scan order;
 *  - truth.json: the scene, the sensor curve, the passes, holds and E*(t)
 *    of the script, the means the physics gave over the contact frames,
 *    and what happened on the link (frames sent and dropped, faults).
 *
 * Both come from the scene and the physics alone, never from an analysis.
 */
#ifndef RMAT_TRUTH_H
#define RMAT_TRUTH_H

#include <stdint.h>
#include <stdio.h>

#include "scene.h"
#include "vmat.h"

/* The header line of truth_frames.csv (without the newline). Its first five
 * columns, seq,t_us,t_s,cop_x_mm,cop_y_mm, do not change; columns are only
 * ever appended. */
extern const char rmat_truth_csv_header[];

/* Writes one row of truth_frames.csv: the frame's seq and device time t_us,
 * conn the connection it was scanned for (1 = the first). NaN is written
 * as "nan". Returns 0, or RMAT_E_IO if the write failed. */
int rmat_truth_csv_row(FILE *f, uint32_t seq, uint64_t t_us, int conn,
                       const struct rmat_vmat_truth *t);

/* A frame named by connection (1-based) and seq. */
struct rmat_truth_frame_id {
    int conn;
    uint32_t seq;
};

/* A growable list of them. */
struct rmat_truth_ids {
    size_t n, cap;
    struct rmat_truth_frame_id *v;
};
/* Appends; returns 0 or RMAT_E_NOMEM (the list keeps what it had). */
int rmat_truth_ids_add(struct rmat_truth_ids *l, int conn, uint32_t seq);
void rmat_truth_ids_fini(struct rmat_truth_ids *l);

/* An interval of scene time. */
struct rmat_truth_span {
    double t_s, for_s;
};

/* One host connection. */
struct rmat_truth_conn {
    uint32_t frames_sent, frames_dropped;
    double t_open_s, t_close_s; /* scene time; NaN before the scene began */
};

/* What the program saw while serving: the link and its faults. */
struct rmat_truth_run {
    const char *link; /* "tcp" or "pty" */
    double speed, clock_ppm;
    int loop;
    int scene_ended;
    int n_conns;
    const struct rmat_truth_conn *conns;
    double bit_error_rate;
    uint64_t fault_seed;
    uint64_t bits_flipped, packets_damaged;
    const struct rmat_truth_ids *damaged_frames; /* frames with a flipped bit */
    const struct rmat_truth_ids *joined_frames;  /* lost with the frame before: its
                                                    closing 0x00 was damaged */
    const struct rmat_truth_ids *dropped_frames; /* scanned, not sent (queue full) */
    int n_disconnects, n_stalls;
    const struct rmat_truth_span *disconnects, *stalls;
};

/* Writes truth.json to path (through path.tmp and a rename, so a reader
 * never sees half a file). gains: rows * cols per-sensel gains, or NULL.
 * Returns 0 or RMAT_E_IO. */
int rmat_truth_write_json(const char *path, const struct rmat_scene *sc,
                          const struct rmat_vmat_stats *stats, const double *gains,
                          const struct rmat_truth_run *run);

#endif
