/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: analysing many recordings (docs/reports.md, "Batch analysis").
 *
 * Every recording (a file ending in .h5) under a folder, searched
 * recursively, is analysed in its own child process, up to `jobs` at a
 * time, into OUT/<its path under the folder without .h5>/: the analysis
 * (analyze.h), its events.csv, optionally its figures, and batch.stamp,
 * which records the recording's size and time and every parameter. A
 * recording whose stamp matches and whose summary is newer than it is
 * skipped. A recording that fails (unreadable, corrupt, or the child
 * dies) is reported by name and the rest go on.
 *
 * At the end: OUT/sessions.csv (one row per session analysed or up to
 * date, trend.h) and the trends (trend.csv, trend.json, figures in
 * OUT/trends/). Shards: --shard K/N takes the recordings whose path's
 * FNV-1a hash is K-1 modulo N, so the shares never change as long as the
 * paths do not; rmat_batch_merge() joins the shards' sessions.csv files
 * into one with its trends, the same as one run over everything.
 *
 * Not searched: hidden folders, OUT itself, and analysis folders (those
 * holding summary.json, whose maps.h5 is no recording).
 */
#ifndef ROLLMAT_BATCH_H
#define ROLLMAT_BATCH_H

#define RMAT_HEADER_LAYER RMAT_LAYER_REPORT
#include "rollmat/layer.h"

#include <signal.h>
#include <stddef.h>

#include "rollmat/analyze.h"
#include "rollmat/diag.h"

enum rmat_batch_what {
    RMAT_BATCH_STARTED,  /* the list is made: total is known */
    RMAT_BATCH_ANALYSED, /* one recording done */
    RMAT_BATCH_SKIPPED,  /* one recording up to date */
    RMAT_BATCH_FAILED,   /* one recording failed: message says why */
    RMAT_BATCH_FINISHED, /* sessions.csv and trends written */
};

struct rmat_batch_progress {
    enum rmat_batch_what what;
    size_t total, analysed, skipped, failed, running;
    const char *name;    /* the recording's path under the folder (NULL for STARTED/FINISHED) */
    const char *message; /* FAILED: why; else NULL */
    double seconds;      /* ANALYSED/FAILED: that recording's time */
    double elapsed_s;    /* since the run started */
};

struct rmat_batch_config {
    const char *in_dir;  /* searched recursively */
    const char *out_dir; /* created */
    int jobs;            /* processes at a time; <= 0: the number of online cores */
    int shard_k;         /* with shard_n > 1: take share shard_k (1..shard_n) */
    int shard_n;
    /* The analysis's parameters (NULL: the defaults); its plots flag is
     * ignored: figures are made by `plots`. */
    const struct rmat_analysis_params *params;
    int plots;       /* also every figure of each session (plots.h) */
    int trend_plots; /* draw the trends at the end */
    int force;       /* analyse even what is up to date */
    /* Called in the parent as things happen (NULL: nothing). */
    void (*progress)(void *ctx, const struct rmat_batch_progress *p);
    void *progress_ctx;
    const struct rmat_log *log; /* warnings (NULL: none) */
    /* Polled: when it becomes non-zero no new recording is started; the
     * running ones finish. NULL: never. */
    volatile sig_atomic_t *stop;
};

/* Sets the defaults: all cores, no shards, default parameters, no
 * figures, trend figures on. */
void rmat_batch_config_init(struct rmat_batch_config *c);

struct rmat_batch_result {
    size_t total; /* recordings in this run (this shard) */
    size_t analysed, skipped, failed;
    size_t uncalibrated; /* sessions in raw counts (no calibration) */
    int stopped;         /* cfg->stop ended the run early */
};

/* Runs the batch. Returns RMAT_OK when the run went through, even if some
 * recordings failed (res->failed); errors only for the run itself:
 * RMAT_E_ARG (no folders, a bad shard), RMAT_E_NOTFOUND (in_dir cannot be
 * read), RMAT_E_NOMEM, and those of writing OUT. */
int rmat_batch_run(const struct rmat_batch_config *cfg, struct rmat_batch_result *res,
                   struct rmat_errinfo *ei);

/* Joins the sessions.csv of n shard outputs into out_dir/sessions.csv and
 * writes the trends there (figures if trend_plots). The session folders
 * stay where they are. Errors: those of reading a sessions.csv (naming
 * it) and of writing. */
int rmat_batch_merge(const char *const *shard_dirs, size_t n, const char *out_dir, int trend_plots,
                     const struct rmat_log *log, struct rmat_errinfo *ei);

/* The 64-bit FNV-1a hash of s: the shards' key. */
unsigned long long rmat_batch_hash(const char *s);

#endif
