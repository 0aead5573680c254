/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: a centre-of-pressure path thinned to what a figure can show
 * (docs/metrics.md, "Figures").
 *
 * An hour at 100 Hz is 360,000 CoP points, and a roller goes over the same
 * track hundreds of times: drawn as they are, gnuplot spends most of a
 * minute painting the same pixels again. The figure is a raster: a point
 * closer than a pixel to one already drawn adds nothing, and a segment
 * between two places already joined adds nothing either.
 *
 * So the plane is cut into square cells (cell_mm, a couple of pixels of the
 * figure), each point is moved to the centre of its cell, and a step from
 * one cell to another is drawn only the first time that pair of cells is
 * joined (in either direction). Steps inside one cell draw nothing. What
 * remains is drawn as polylines: consecutive new steps continue one line, a
 * step already drawn or a break in contact ends it.
 *
 * What this keeps, by construction (tests/unit/test_pathdec.c checks it):
 *  - every cell the path visits is a vertex of some drawn line, or the lone
 *    point of a contact that never left its cell, so the path's extent is
 *    kept to within half a cell's diagonal, and every hold (the roller
 *    staying put) keeps its place;
 *  - every step between cells the full path takes is drawn once, so no
 *    piece of track is lost;
 *  - nothing is joined across a break in contact.
 * The number of points written is bounded by the distinct steps, not by
 * the frames: a few thousand for an hour of rolling on a 32x32 mat.
 */
#ifndef ROLLMAT_PATHDEC_H
#define ROLLMAT_PATHDEC_H

#define RMAT_HEADER_LAYER RMAT_LAYER_ANALYSIS
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdio.h>

#include "rollmat/diag.h"
#include "rollmat/err.h"

struct rmat_path_thin;

/* A thinner with cells of cell_mm (> 0) over coordinates from 0 to
 * extent_mm in x and y (points outside are clamped to the edge cells).
 * *out is NULL on error. Free with rmat_path_thin_free(). */
int rmat_path_thin_new(double cell_mm, double extent_x_mm, double extent_y_mm,
                       struct rmat_path_thin **out, struct rmat_errinfo *ei);
void rmat_path_thin_free(struct rmat_path_thin *t);

/* The next point of the path; a NaN coordinate is a break in contact.
 * Lines go to f as "x,y\n" rows with a blank line between polylines (the
 * layout gnuplot draws as separate lines). */
void rmat_path_thin_push(struct rmat_path_thin *t, double x_mm, double y_mm, FILE *f);

/* Ends the path (writes a lone point still pending). Returns the number of
 * points written in all. */
size_t rmat_path_thin_end(struct rmat_path_thin *t, FILE *f);

/* The cell for a figure: the larger extent over this many cells (about
 * two pixels of a 1000-pixel figure). */
#define RMAT_PATH_THIN_CELLS 400

#endif
