/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: a movie of a stretch of a recording, for the patient's file
 * (docs/live.md, "Movie").
 *
 * The pressure map (the same fixed colour scale as the live view, kPa with
 * a calibration, counts said plainly without) and the force trace with the
 * time marked, one picture per output frame, drawn by gnuplot: its gif
 * animate terminal for a .gif, pngcairo frames joined by ffmpeg for a .mp4.
 */
#ifndef ROLLMAT_MOVIE_H
#define ROLLMAT_MOVIE_H

#define RMAT_HEADER_LAYER RMAT_LAYER_REPORT
#include "rollmat/layer.h"

#include "rollmat/diag.h"

struct rmat_movie_opts {
    double from_s, to_s;          /* seconds from the first frame; to_s NaN: the end */
    double fps;                   /* pictures a second of the movie (10) */
    double speed;                 /* recording seconds per movie second (1) */
    double scale_max_kpa;         /* top of the colour scale (150; counts: full scale) */
    const char *calibration_path; /* NULL: the recording's own */
};

void rmat_movie_opts_init(struct rmat_movie_opts *o);

/* Writes the movie of rec_path to out_path (ending .gif or .mp4; it must
 * not exist: RMAT_E_EXISTS), working in a temporary folder beside it that
 * is removed afterwards. RMAT_E_ARG (a bad span or extension, naming it),
 * the reader's errors, RMAT_E_NOTFOUND for a missing gnuplot or ffmpeg
 * (with the package to install), RMAT_E_EXEC if either fails. log gets
 * progress. */
int rmat_movie_write(const char *rec_path, const char *out_path, const struct rmat_movie_opts *o,
                     const struct rmat_log *log, struct rmat_errinfo *ei);

#endif
