/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: paths, folders, and output files whose every write error is
 * caught (the stream's error flag and fclose's result). */
#ifndef ROLLMAT_FILES_H
#define ROLLMAT_FILES_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdio.h>

#include "rollmat/diag.h"

#define RMAT_PATH_BUF 4096

/* dir/name into buf; RMAT_E_ARG if too long. */
int rmat_path_join(char *buf, size_t cap, const char *dir, const char *name,
                   struct rmat_errinfo *ei);
/* Creates dir and its parents (mode 0755); an existing folder is fine. */
int rmat_mkdirs(const char *dir, struct rmat_errinfo *ei);
/* Opens dir/name for writing (replacing it: an earlier regular file is
 * removed first); *path_out (RMAT_PATH_BUF)
 * gets the full path. errno is cleared, so rmat_out_close() can tell why
 * a write failed. */
int rmat_out_open(const char *dir, const char *name, FILE **f, char *path_out,
                  struct rmat_errinfo *ei);
/* As rmat_out_open() with the whole path given. */
int rmat_out_open_path(const char *path, FILE **f, struct rmat_errinfo *ei);
/* Closes f and reports any write error on it (RMAT_E_NOSPC, RMAT_E_IO)
 * naming path. */
int rmat_out_close(FILE *f, const char *path, struct rmat_errinfo *ei);
/* 1 if path exists (any type). */
int rmat_exists(const char *path);

#endif
