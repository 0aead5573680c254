/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: CSV files, as the analysis writes them and its readers (trends,
 * figures, reports, batch) read them back: by column name, so a column
 * added by the analysis changes nothing for its readers. */
#ifndef ROLLMAT_CSV_H
#define ROLLMAT_CSV_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdio.h>

#include "rollmat/diag.h"
#include "rollmat/files.h"

/* A CSV file read row by row: the first line names the columns; fields may
 * be double-quoted ("" inside is a quote); no newlines inside fields. */
struct rmat_csv {
    FILE *f;
    char path[RMAT_PATH_BUF];
    char *line;
    size_t cap;
    char *header; /* the header line's fields live here */
    char **names; /* ncols column names */
    size_t ncols;
    char **field;  /* the current row's fields (point into line) */
    size_t nfield; /* fields of the current row */
    size_t field_cap;
    unsigned long row; /* data rows read so far */
};

/* Opens path and reads its header. RMAT_E_NOTFOUND / RMAT_E_IO if it
 * cannot be opened, RMAT_E_FORMAT if it is empty, RMAT_E_NOMEM. Close
 * with rmat_csv_close() (also after an error: safe on a failed open). */
int rmat_csv_open(struct rmat_csv *c, const char *path, struct rmat_errinfo *ei);
/* The index of column name, or -1. */
int rmat_csv_col(const struct rmat_csv *c, const char *name);
/* Reads the next row: 1, 0 at the end, or a negative error (I/O,
 * RMAT_E_NOMEM). Blank lines are skipped. */
int rmat_csv_next(struct rmat_csv *c, struct rmat_errinfo *ei);
/* Field col of the current row as a number (NaN if empty, not a number,
 * or col < 0 or beyond the row) or a string ("" likewise). */
double rmat_csv_num(const struct rmat_csv *c, int col);
const char *rmat_csv_str(const struct rmat_csv *c, int col);
void rmat_csv_close(struct rmat_csv *c);

/* Writes s as one CSV field: quoted when it holds a comma, quote or
 * leading/trailing space; control characters become spaces. */
void rmat_csv_put(FILE *f, const char *s);

#endif
