/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The analysis driver (analyze.h): recording in, CSV, JSON and HDF5 out.
 *
 * Stage 1, the one pass over the frames, in blocks of at most BLOCK_FRAMES
 * frames (and BLOCK_BYTES of raw counts, for large grids): per frame,
 * counts to pressures through the lookup table (calib.h), the per-frame
 * metrics (metrics.h) kept in an array, and the maps (maps.h). Nothing in
 * this loop allocates, prints or branches on the calibration: an
 * uncalibrated recording goes through an identity table.
 *
 * Stage 2, over the per-frame series: the rolling axis and s_mm, the
 * smoothed CoP and s, passes, cadence (one FFTW plan, sized to the longest
 * contact run), holds, regions, the summary and the tissue response.
 *
 * Stage 3 writes the outputs. Numbers go through numfmt.h, not printf,
 * which would cost more than all the metrics of a frame.
 */
#include "rollmat/analyze.h"
#include "rollmat/version.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "rollmat/cadence.h"
#include "rollmat/dates.h"
#include "rollmat/files.h"
#include "rollmat/json.h"
#include "rollmat/calib.h"
#include "rollmat/holds.h"
#include "rollmat/maps.h"
#include "rollmat/metrics.h"
#include "rollmat/numfmt.h"
#include "rollmat/passes.h"
#include "rollmat/pathdec.h"
#include "rollmat/reader.h"
#include "rollmat/regions.h"
#include "rollmat/sensorfix.h"
#include "rollmat/summary.h"
#include "rollmat/tissue.h"
#include "rollmat/units.h"

#define BLOCK_FRAMES 512
#define BLOCK_BYTES  (512u << 10) /* raw counts read per HDF5 call: in L2 */
#define SIG_DIGITS   7            /* of every metric in the CSV */
#define T_DECIMALS   6            /* t_s to the microsecond */

/* docs/metrics.md's defaults. */
#define DEFAULT_CONTACT_THRESHOLD_KPA 5.0
#define DEFAULT_SMOOTH_S              0.2
#define DEFAULT_TURN_MM               15.0
#define DEFAULT_HOLD_RADIUS_MM        15.0
#define DEFAULT_HOLD_MIN_S            3.0
/* Uncalibrated: contact from this share of the ADC's full scale (analyze.h). */
#define COUNTS_THRESHOLD_SHARE 0.05

/* The CSV files' columns by their calibrated names; an uncalibrated
 * analysis writes their counts names (units.h). */
static const char *const frames_cols[] = {"t_s",       "force_n",          "area_cm2", "mean_kpa",
                                          "peak_kpa",  "cop_x_mm",         "cop_y_mm", "width_mm",
                                          "length_mm", "compliance_mm3_n", "s_mm",     NULL};
static const char *const passes_cols[] = {
    "index",         "t_start_s",        "t_end_s",  "direction", "amplitude_mm",
    "speed_mm_s",    "mean_force_n",     "peak_kpa", "mean_kpa",  "mean_area_cm2",
    "mean_width_mm", "compliance_mm3_n", NULL};
static const char *const holds_cols[] = {
    "index",    "t_start_s", "duration_s",      "x_mm",   "y_mm", "mean_force_n",
    "mean_kpa", "peak_kpa",  "area_change_pct", "region", NULL};
static const char *const regions_cols[] = {"region",   "x0_mm",     "y0_mm", "x1_mm",
                                           "y1_mm",    "time_s",    "pct",   "holds",
                                           "mean_kpa", "pti_kpa_s", NULL};

static void put_header(FILE *f, const char *const *cols, int calibrated)
{
    for (size_t i = 0; cols[i]; i++) {
        if (i)
            fputc(',', f);
        fputs(rmat_units_name(cols[i], calibrated), f);
    }
    fputc('\n', f);
}

double rmat_analysis_contact_threshold(const struct rmat_analysis_params *p, int calibrated,
                                       unsigned max_count)
{
    if (calibrated)
        return p->contact_threshold_kpa;
    if (!isnan(p->contact_threshold_counts))
        return p->contact_threshold_counts;
    return COUNTS_THRESHOLD_SHARE * (double)max_count;
}

void rmat_analysis_params_init(struct rmat_analysis_params *p)
{
    if (!p)
        return;
    p->contact_threshold_kpa = DEFAULT_CONTACT_THRESHOLD_KPA;
    p->contact_threshold_counts = NAN;
    p->smooth_s = DEFAULT_SMOOTH_S;
    p->turn_mm = DEFAULT_TURN_MM;
    p->hold_radius_mm = DEFAULT_HOLD_RADIUS_MM;
    p->hold_min_s = DEFAULT_HOLD_MIN_S;
    p->calibration_path = NULL;
    p->regions_path = NULL;
    p->crosstalk_row_pct = p->crosstalk_col_pct = NAN;
    p->crosstalk_auto = 0;
    p->creep = 1;
}

/* Every number a finite value in its range; the message names the
 * parameter as the command line spells it. */
static int check_params(const struct rmat_analysis_params *p, struct rmat_errinfo *ei)
{
    static const char fmt[] = "analyze: %s %g: %s";
    if (!isfinite(p->contact_threshold_kpa))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, fmt, "--contact-threshold",
                                p->contact_threshold_kpa, "not a finite number");
    if (isinf(p->contact_threshold_counts))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, fmt, "--contact-threshold-counts",
                                p->contact_threshold_counts, "not a finite number");
    if (!isfinite(p->smooth_s) || p->smooth_s < 0)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, fmt, "--smooth-s", p->smooth_s,
                                "must be a number >= 0");
    if (!isfinite(p->turn_mm) || !(p->turn_mm > 0))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, fmt, "--turn-mm", p->turn_mm,
                                "must be a number > 0");
    if (!isfinite(p->hold_radius_mm) || p->hold_radius_mm < 0)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, fmt, "--hold-radius-mm", p->hold_radius_mm,
                                "must be a number >= 0");
    if (!isfinite(p->hold_min_s) || p->hold_min_s < 0)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, fmt, "--hold-min-s", p->hold_min_s,
                                "must be a number >= 0");
    if (isnan(p->crosstalk_row_pct) != isnan(p->crosstalk_col_pct))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "analyze: --crosstalk wants both shares, ROW,COL (in %%)");
    if (!isnan(p->crosstalk_row_pct) &&
        (!(p->crosstalk_row_pct >= 0 && p->crosstalk_row_pct <= RMAT_CALIB_CROSSTALK_MAX_PCT) ||
         !(p->crosstalk_col_pct >= 0 && p->crosstalk_col_pct <= RMAT_CALIB_CROSSTALK_MAX_PCT)))
        return rmat_errinfo_set(
            ei, RMAT_E_ARG, 0, "analyze: --crosstalk %g,%g: each share must be 0 to %g %%",
            p->crosstalk_row_pct, p->crosstalk_col_pct, RMAT_CALIB_CROSSTALK_MAX_PCT);
    return RMAT_OK;
}

/* Memory for the per-frame series (tens of MB for an hour): in 2 MiB pages
 * where the kernel offers them on request (transparent huge pages in
 * "madvise" mode), which saves thousands of page faults and TLB misses in
 * the frame loop. Freed with free(); NULL when out of memory. */
static void *series_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;

    if (bytes < 2 * huge)
        return malloc(bytes ? bytes : 1);
    bytes = (bytes + huge - 1) / huge * huge;
    if (posix_memalign(&p, huge, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#endif
    return p;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --- output files ------------------------------------------------------- */

/* Like mkdir -p: creates every missing component of path. */
static int make_dirs(const char *path, struct rmat_errinfo *ei)
{
    char buf[RMAT_PATH_BUF];
    struct stat st;
    size_t len = strlen(path);
    int e;

    if (len == 0 || len >= sizeof buf)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "output directory name empty or too long");
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        const char c = buf[i];
        buf[i] = '\0';
        /* EEXIST may be a file in the way: the next mkdir, or the stat
         * below, says so with ENOTDIR. */
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            e = errno;
            return rmat_errinfo_set(ei, rmat_err_from_errno(e), e,
                                    "cannot create output directory %s: %s: %s", path, buf,
                                    strerror(e));
        }
        buf[i] = c;
    }
    e = stat(path, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (e != 0)
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e,
                                "cannot create output directory %s: %s", path, strerror(e));
    return RMAT_OK;
}

static int out_path(char *buf, const char *dir, const char *name, struct rmat_errinfo *ei)
{
    return rmat_path_join(buf, RMAT_PATH_BUF, dir, name, ei);
}

/* A CSV field: 7 significant digits, empty for NaN. */
static size_t put_field(char *buf, double v)
{
    return rmat_fmt_sig(buf, v, SIG_DIGITS);
}

/* Writes one map as rows lines of cols numbers; nothing at all when there
 * were no frames (a map of nothing seen is not a map of zeros). */
static int write_map_csv(const char *dir, const char *name, const struct rmat_grid *g,
                         const double *v, uint64_t frames, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], num[RMAT_FMT_BUF];
    FILE *f;
    int rc = out_path(path, dir, name, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    for (int i = 0; frames > 0 && i < g->rows; i++) {
        for (int j = 0; j < g->cols; j++) {
            /* NaN only for a cell without a sensel (an import's mask):
             * written as NaN, which every reader of these files (strtod,
             * gnuplot's missing value) takes, where an empty field would
             * shift a row. */
            const double x = v[(size_t)i * (size_t)g->cols + (size_t)j];
            size_t n = isnan(x) ? (size_t)snprintf(num, sizeof num, "NaN") : put_field(num, x);
            if (j > 0)
                fputc(',', f);
            fwrite(num, 1, n, f);
        }
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

/* --- the pass over the frames ------------------------------------------- */

static int grid_from_device(const char *rec_path, const struct rmat_device_desc *dev,
                            struct rmat_grid *g, struct rmat_errinfo *ei)
{
    g->rows = dev->rows;
    g->cols = dev->cols;
    g->pitch_x_mm = dev->pitch_x_mm;
    g->pitch_y_mm = dev->pitch_y_mm;
    if (g->rows < 1 || g->cols < 1)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: /device has %d rows and %d cols",
                                rec_path, g->rows, g->cols);
    /* NaN where the attribute is missing (reader.h): metrics in mm need it. */
    if (!(g->pitch_x_mm > 0 && g->pitch_x_mm < INFINITY) ||
        !(g->pitch_y_mm > 0 && g->pitch_y_mm < INFINITY))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: /device pitch_x_mm %g, pitch_y_mm %g: positions in mm need "
                                "positive pitches",
                                rec_path, g->pitch_x_mm, g->pitch_y_mm);
    return RMAT_OK;
}

/* The device clock against the host's, as the recorder measured it (its
 * last clock_fit event: value = drift in ppm; docs/format.md). A drift
 * within DRIFT_MAX_PPM is applied to every frame's time (docs/metrics.md,
 * "Geometry and pressure"); beyond it the device's time base is not a
 * crystal's drift (a virtual mat run faster than real time, a broken
 * clock) and is reported, not applied. */
#define DRIFT_MAX_PPM 1000.0

struct clock_info {
    int measured;
    double drift_ppm;
    int applied;
    double time_scale; /* true seconds per device second */
    char text[RMAT_EVENT_TEXT_LEN + 1];
};

static int read_clock(struct rmat_reader *r, const char *rec_path, struct clock_info *ck,
                      struct rmat_errinfo *ei)
{
    const uint64_t n = rmat_reader_info(r)->events;
    struct rmat_event ev[32];

    memset(ck, 0, sizeof *ck);
    ck->drift_ppm = NAN;
    ck->time_scale = 1.0;
    for (uint64_t first = 0; first < n; first += 32) {
        const size_t cnt = n - first < 32 ? (size_t)(n - first) : 32;
        int rc = rmat_reader_events(r, first, cnt, ev, ei);
        if (rc != RMAT_OK)
            return rc;
        for (size_t k = 0; k < cnt; k++)
            if (strcmp(ev[k].kind, "clock_fit") == 0 && isfinite(ev[k].value)) {
                ck->measured = 1;
                ck->drift_ppm = ev[k].value;
                snprintf(ck->text, sizeof ck->text, "%s", ev[k].text);
            }
    }
    (void)rec_path;
    if (ck->measured && fabs(ck->drift_ppm) <= DRIFT_MAX_PPM) {
        ck->applied = 1;
        ck->time_scale = 1.0 / (1.0 + ck->drift_ppm * 1e-6);
    }
    return RMAT_OK;
}

/* What summary.json's "clock" says about the time base. */
static void clock_note(const struct clock_info *ck, char *buf, size_t cap)
{
    if (!ck->measured)
        snprintf(buf, cap,
                 "the recording has no measured device-clock drift (no clock_fit event): device "
                 "time is used as it is");
    else if (ck->applied)
        snprintf(buf, cap,
                 "device time corrected for the device clock's measured drift of %+.2f ppm "
                 "(clock_fit: %s)",
                 ck->drift_ppm, ck->text);
    else
        snprintf(buf, cap,
                 "the device clock ran at %.3g times the host's (%+.0f ppm): beyond %g ppm this "
                 "is not a crystal's drift (a virtual mat run faster than real time?) and is not "
                 "applied: times are the device's",
                 1.0 + ck->drift_ppm * 1e-6, ck->drift_ppm, DRIFT_MAX_PPM);
}

/* Everything the pass works with and on. The series t_s and m have one
 * entry per frame of the recording. */
struct pass {
    /* in */
    struct rmat_reader *r;
    const struct rmat_grid *g;
    double threshold;
    struct rmat_counts_scale scale;
    double nominal_dt_s;
    double time_scale; /* true seconds per device second (clock_info) */
    int kpa_in;        /* the recording holds kPa (/frames/pressure_kpa, an import) */
    const char *rec_path;
    const struct rmat_log *log;
    struct rmat_sensorfix *fix; /* NULL: no corrections, the counts as read */
    /* out */
    struct rmat_maps maps;
    double *t_s;
    struct rmat_frame_metrics *m;
    uint64_t frames;
    uint64_t lost;
    uint64_t restarts;
    uint64_t t0_us;
    uint32_t last_seq;
    double duration_s;
    double peak;
    double time_read_s, time_frames_s;
};

/* Without calibration the per-frame metrics hold counts where kPa would be,
 * and force_n = sum(counts * a) / 1000. In counts the honest quantity is
 * the raw sum of the contact's counts (units.h: raw_sum), so force and
 * compliance (which divides by force) are rescaled by the sensel area;
 * mean, peak, CoP, width and length stay as they are. */
static void counts_units(struct pass *ps, const struct rmat_grid *g)
{
    for (uint64_t k = 0; k < ps->frames; k++)
        rmat_frame_metrics_counts_units(g, &ps->m[k]);
}

/* The frame's time, seq bookkeeping and duration, shared by both passes. */
static double frame_time(struct pass *ps, uint64_t at, uint32_t seq, uint64_t t_us)
{
    const size_t f = (size_t)ps->frames;
    if (f == 0) {
        ps->t0_us = t_us;
    } else if (seq > ps->last_seq) {
        ps->lost += seq - ps->last_seq - 1u;
    } else if (seq < ps->last_seq) {
        ps->restarts++;
        rmat_logf(ps->log, RMAT_LOG_WARN,
                  "%s: frame %llu: seq goes back from %lu to %lu: the device restarted "
                  "(not counted as lost frames)",
                  ps->rec_path, (unsigned long long)at, (unsigned long)ps->last_seq,
                  (unsigned long)seq);
    }
    ps->last_seq = seq;
    const double t_s = (double)(int64_t)(t_us - ps->t0_us) / 1e6 * ps->time_scale;
    ps->t_s[f] = t_s;
    if (f == 0 || t_s > ps->duration_s)
        ps->duration_s = t_s;
    return t_s;
}

/* The pass over a recording already in kPa (an import): no counts, no
 * lookup table, no live-row scan; the reader has zeroed the cells without
 * a sensel (the mask), so they are never contact, area or CoP weight. The
 * peak map is kept here in kPa. */
static int run_pass_kpa(struct pass *ps, struct rmat_errinfo *ei)
{
    const uint64_t total = rmat_reader_info(ps->r)->frames;
    const struct rmat_grid *g = ps->g;
    const size_t n = (size_t)g->rows * (size_t)g->cols;
    size_t block = BLOCK_BYTES / (n * sizeof(float));
    float *v = NULL;
    uint32_t *seq = NULL;
    uint64_t *t_us = NULL;
    double *p = NULL;
    int rc = RMAT_OK;

    if (block > BLOCK_FRAMES)
        block = BLOCK_FRAMES;
    if (block < 1)
        block = 1;
    v = malloc(block * n * sizeof *v);
    seq = malloc(block * sizeof *seq);
    t_us = malloc(block * sizeof *t_us);
    p = calloc(n, sizeof *p);
    if (!v || !seq || !t_us || !p) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM,
                              "%s: out of memory for %zu frames of %zu sensels", ps->rec_path,
                              block, n);
        goto out;
    }
    for (size_t k = 0; k < n; k++)
        ps->maps.peak_kpa[k] = total ? 0.0 : NAN;
    for (uint64_t first = 0; first < total; first += block) {
        const size_t cnt = total - first < block ? (size_t)(total - first) : block;
        const double t_read = now_s();
        rc = rmat_reader_read_kpa(ps->r, first, cnt, v, seq, t_us, NULL, ei);
        if (rc != RMAT_OK)
            goto out;
        const double t_work = now_s();
        ps->time_read_s += t_work - t_read;
        for (size_t k = 0; k < cnt; k++) {
            const size_t f = (size_t)ps->frames;
            const float *fr = v + k * n;
            (void)frame_time(ps, first + k, seq[k], t_us[k]);
            for (size_t c = 0; c < n; c++)
                p[c] = (double)fr[c];
            rmat_frame_metrics_compute(g, p, ps->threshold, &ps->m[f]);
            rmat_map_peak_update(g, p, ps->maps.peak_kpa);
            rmat_maps_add(&ps->maps, NULL, p, NULL, 0, rmat_frame_dt(ps->t_s, f, ps->nominal_dt_s));
            if (f == 0 || ps->m[f].peak_kpa > ps->peak)
                ps->peak = ps->m[f].peak_kpa;
            ps->frames++;
        }
        ps->time_frames_s += now_s() - t_work;
    }
out:
    free(p);
    free(t_us);
    free(seq);
    free(v);
    return rc;
}

static int run_pass(struct pass *ps, struct rmat_errinfo *ei)
{
    const uint64_t total = rmat_reader_info(ps->r)->frames;
    const struct rmat_grid *g = ps->g;
    const size_t n = (size_t)g->rows * (size_t)g->cols;
    size_t block = BLOCK_BYTES / (n * sizeof(uint16_t));
    uint16_t *raw = NULL;
    uint32_t *seq = NULL;
    uint64_t *t_us = NULL;
    double *p = NULL;
    uint8_t *live = NULL;
    uint16_t *fixed = NULL;
    int rc = RMAT_OK;

    if (block > BLOCK_FRAMES)
        block = BLOCK_FRAMES;
    if (block < 1)
        block = 1;
    {
        /* Whole chunks, read straight into raw (reader.h), and few enough
         * that the block stays in the L2 cache until its frames are
         * worked on. */
        const size_t chunk = rmat_reader_chunk_frames(ps->r);
        if (chunk > 0)
            block = chunk * (block / chunk > 0 ? block / chunk : 1);
    }
    raw = malloc(block * n * sizeof *raw);
    seq = malloc(block * sizeof *seq);
    t_us = malloc(block * sizeof *t_us);
    p = calloc(n, sizeof *p);
    live = malloc((size_t)g->rows * sizeof *live);
    if (ps->fix)
        fixed = malloc(n * sizeof *fixed);
    if (!raw || !seq || !t_us || !p || !live || (ps->fix && !fixed)) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM,
                              "%s: out of memory for %zu frames of %zu sensels", ps->rec_path,
                              block, n);
        goto out;
    }

    for (uint64_t first = 0; first < total; first += block) {
        const size_t cnt = total - first < block ? (size_t)(total - first) : block;
        const double t_read = now_s();
        rc = rmat_reader_read(ps->r, first, cnt, raw, seq, t_us, NULL, ei);
        if (rc != RMAT_OK)
            goto out;
        const double t_work = now_s();
        ps->time_read_s += t_work - t_read;
        for (size_t k = 0; k < cnt; k++) {
            const size_t f = (size_t)ps->frames;
            const uint16_t *fr = raw + k * n;
            /* The time difference is taken in uint64_t and read as signed
             * (GCC converts modulo 2^64), so a clock that steps back gives
             * a negative time, not 5.8e5 years. */
            const double t_s = frame_time(ps, first + k, seq[k], t_us[k]);
            if (ps->fix) {
                /* The sensor's corrections, counts to counts: off by
                 * default, and then not even this branch's work. */
                rmat_sensorfix_apply(ps->fix, fr, t_s, fixed);
                fr = fixed;
            }

            struct rmat_counts_scan scan;
            rmat_counts_scan(&ps->scale, fr, g->rows, g->cols, ps->maps.peak_counts, live, &scan);
            rmat_frame_metrics_from_counts(g, fr, &ps->scale, live, &scan, p, &ps->m[f]);
            rmat_maps_add(&ps->maps, NULL, p, scan.live, scan.live_rows,
                          rmat_frame_dt(ps->t_s, f, ps->nominal_dt_s));
            if (f == 0 || ps->m[f].peak_kpa > ps->peak)
                ps->peak = ps->m[f].peak_kpa;
            ps->frames++;
        }
        ps->time_frames_s += now_s() - t_work;
    }
out:
    free(fixed);
    free(live);
    free(p);
    free(t_us);
    free(seq);
    free(raw);
    return rc;
}

/* --- the passes over the series ------------------------------------------ */

struct session {
    size_t n;
    double *cop_sx, *cop_sy; /* smoothed CoP */
    double *s_mm;            /* s of docs/metrics.md, per frame */
    double *ss;              /* smoothed s */
    double axis_x_mm, axis_y_mm, axis_ux, axis_uy;
    struct rmat_pass *passes;
    size_t n_passes;
    struct rmat_hold *holds;
    size_t n_holds;
    int calibrated; /* 0: every pressure and force is in counts (units.h) */
    int rolling;    /* 0: not rolling data: no passes, holds or cadence */
    struct rmat_cadence_result cadence;
    double *spectrum; /* the cadence's power spectrum up to the band's top */
    size_t n_spectrum;
    double spectrum_df_hz;
    double rate_hz;
    struct rmat_summary summary;
    struct rmat_tissue tissue;
    struct rmat_region *regions;
    size_t n_regions;
    struct rmat_region_stats *region_stats;
    size_t coverage_sensels;
};

static void session_fini(struct session *s)
{
    free(s->cop_sx);
    free(s->cop_sy);
    free(s->s_mm);
    free(s->ss);
    free(s->spectrum);
    free(s->passes);
    free(s->holds);
    free(s->regions);
    free(s->region_stats);
}

static int analyse_session(struct session *s, const struct pass *ps,
                           const struct rmat_analysis_params *params, double rate_hz,
                           double body_mass_kg, double roller_diameter_mm, struct rmat_errinfo *ei)
{
    const size_t n = (size_t)ps->frames;
    const struct rmat_frame_metrics *m = ps->m;
    struct rmat_cadence *cd = NULL;
    double *tmp = NULL;
    size_t longest = 1;
    int rc = RMAT_OK;

    s->n = n;
    s->cop_sx = series_alloc(n * sizeof(double));
    s->cop_sy = series_alloc(n * sizeof(double));
    s->s_mm = series_alloc(n * sizeof(double));
    s->ss = series_alloc(n * sizeof(double));
    if (!s->cop_sx || !s->cop_sy || !s->s_mm || !s->ss)
        goto nomem;

    /* The CoP series, then s along the session's axis. */
    for (size_t k = 0; k < n; k++) {
        s->cop_sx[k] = m[k].cop_x_mm;
        s->cop_sy[k] = m[k].cop_y_mm;
    }
    rmat_rolling_axis(s->cop_sx, s->cop_sy, n, &s->axis_x_mm, &s->axis_y_mm, &s->axis_ux,
                      &s->axis_uy);
    rmat_s_along(s->cop_sx, s->cop_sy, n, s->axis_x_mm, s->axis_y_mm, s->axis_ux, s->axis_uy,
                 s->s_mm);

    /* Holds work on the CoP itself: smoothing would stretch their edges. */
    if (s->rolling && rmat_holds_find(ps->t_s, s->cop_sx, s->cop_sy, n, params->hold_radius_mm,
                                      params->hold_min_s, &s->holds, &s->n_holds) != RMAT_OK)
        goto nomem;
    for (size_t h = 0; h < s->n_holds; h++)
        rmat_hold_stats(ps->t_s, m, &s->holds[h]);

    /* Smoothed CoP (for the path) and smoothed s (passes, cadence); ss
     * serves as the scratch of the CoP's smoothing first. */
    rmat_smooth_contact(ps->t_s, s->cop_sx, n, params->smooth_s, s->ss);
    memcpy(s->cop_sx, s->ss, n * sizeof(double));
    rmat_smooth_contact(ps->t_s, s->cop_sy, n, params->smooth_s, s->ss);
    memcpy(s->cop_sy, s->ss, n * sizeof(double));
    rmat_smooth_contact(ps->t_s, s->s_mm, n, params->smooth_s, s->ss);

    if (s->rolling &&
        rmat_passes_find(ps->t_s, s->ss, n, params->turn_mm, &s->passes, &s->n_passes) != RMAT_OK)
        goto nomem;
    for (size_t k = 0; k < s->n_passes; k++)
        if (s->passes[k].last - s->passes[k].first + 1 > longest)
            longest = s->passes[k].last - s->passes[k].first + 1;
    tmp = malloc((longest > 2 * s->n_passes ? longest : 2 * s->n_passes + 1) * sizeof *tmp);
    if (!tmp)
        goto nomem;
    for (size_t k = 0; k < s->n_passes; k++)
        rmat_pass_stats(m, &s->passes[k], tmp);

    /* Cadence: one plan, for the longest contact run. */
    s->rate_hz = rate_hz;
    {
        const size_t samples = s->rolling ? rmat_cadence_samples(ps->t_s, s->ss, n, rate_hz) : 0;
        s->cadence.cadence_cpm = s->cadence.peak_hz = s->cadence.cycles = NAN;
        s->cadence.samples = 0;
        if (samples > 0) {
            rc = rmat_cadence_new(samples, &cd, ei);
            if (rc != RMAT_OK)
                goto out;
            rc = rmat_cadence_compute(cd, ps->t_s, s->ss, n, rate_hz, &s->cadence);
            if (rc != RMAT_OK) {
                rc = rmat_errinfo_set(ei, rc, 0, "cadence: cannot analyse the longest run");
                goto out;
            }
            /* Kept for spectrum.csv: the figure shows the very spectrum the
             * cadence was read from, up to the band's top. */
            size_t bins;
            double df;
            const double *power = rmat_cadence_spectrum(cd, &bins, &df);
            if (power) {
                const size_t keep = (size_t)floor(RMAT_CADENCE_F_HI_HZ / df) + 2;
                s->n_spectrum = keep < bins ? keep : bins;
                s->spectrum_df_hz = df;
                s->spectrum = malloc(s->n_spectrum * sizeof *s->spectrum);
                if (!s->spectrum)
                    goto nomem;
                memcpy(s->spectrum, power, s->n_spectrum * sizeof *s->spectrum);
            }
        }
    }

    if (s->n_regions > 0) {
        s->region_stats = calloc(s->n_regions, sizeof *s->region_stats);
        if (!s->region_stats)
            goto nomem;
        rmat_regions_compute(s->regions, s->n_regions, ps->t_s, ps->nominal_dt_s, m, n, s->holds,
                             s->n_holds, s->region_stats);
    }

    rmat_summary_compute(ps->t_s, ps->nominal_dt_s, m, s->cop_sx, s->cop_sy, n, s->passes,
                         s->n_passes, s->holds, s->n_holds, body_mass_kg, &s->summary);
    rmat_tissue_compute(s->passes, s->n_passes, s->holds, s->n_holds, roller_diameter_mm, tmp,
                        &s->tissue);
    s->coverage_sensels = rmat_maps_covered(&ps->maps);
    goto out;
nomem:
    rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory for %zu frames", n);
out:
    rmat_cadence_free(cd);
    free(tmp);
    return rc;
}

/* --- writing -------------------------------------------------------------- */

static int write_frames_csv(const char *dir, const struct pass *ps, const struct session *s,
                            struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    /* Rows are built into this buffer and written 64 KiB at a time: one
     * fwrite per row would take the stream's lock 360,000 times an hour. */
    enum { CHUNK = 64 * 1024, ROW_MAX = 12 * RMAT_FMT_BUF };
    char *buf = NULL;
    size_t used = 0;
    FILE *f;
    int rc = out_path(path, dir, "frames.csv", ei);

    if (rc == RMAT_OK)
        rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    buf = malloc(CHUNK + ROW_MAX);
    if (!buf) {
        fclose(f);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    }
    put_header(f, frames_cols, s->calibrated);
    for (size_t k = 0; k < (size_t)ps->frames; k++) {
        const struct rmat_frame_metrics *m = &ps->m[k];
        const double v[10] = {m->force_n,          m->area_cm2, m->mean_kpa, m->peak_kpa,
                              m->cop_x_mm,         m->cop_y_mm, m->width_mm, m->length_mm,
                              m->compliance_mm3_n, s->s_mm[k]};
        char *row = buf + used;
        size_t len = rmat_fmt_fixed(row, ps->t_s[k], T_DECIMALS);
        for (int j = 0; j < 10; j++) {
            row[len++] = ',';
            len += put_field(row + len, v[j]);
        }
        row[len++] = '\n';
        used += len;
        if (used >= CHUNK) {
            fwrite(buf, 1, used, f);
            used = 0;
            /* Checked now and then so a full disk stops the writing early. */
            if (ferror(f))
                break;
        }
    }
    if (used > 0)
        fwrite(buf, 1, used, f);
    free(buf);
    return rmat_out_close(f, path, ei);
}

/* cop_path.csv: the CoP path thinned to what a figure shows (pathdec.h),
 * which cop_peak.gp draws: a few thousand points where frames.csv has one
 * per frame, and the same picture. */
static int write_cop_path_csv(const char *dir, const struct pass *ps, const struct rmat_grid *g,
                              struct rmat_errinfo *ei)
{
    const double ex = g->cols * g->pitch_x_mm, ey = g->rows * g->pitch_y_mm;
    struct rmat_path_thin *t = NULL;
    char path[RMAT_PATH_BUF];
    FILE *f;
    int rc = out_path(path, dir, "cop_path.csv", ei);

    if (rc == RMAT_OK)
        rc = rmat_path_thin_new((ex > ey ? ex : ey) / RMAT_PATH_THIN_CELLS, ex, ey, &t, ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK) {
        rmat_path_thin_free(t);
        return rc;
    }
    fputs("# x_mm,y_mm: the centre of pressure thinned for the figure; blank lines end a line\n",
          f);
    for (size_t k = 0; k < (size_t)ps->frames; k++)
        rmat_path_thin_push(t, ps->m[k].cop_x_mm, ps->m[k].cop_y_mm, f);
    (void)rmat_path_thin_end(t, f);
    rmat_path_thin_free(t);
    return rmat_out_close(f, path, ei);
}

static int write_passes_csv(const char *dir, const struct session *s, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], num[RMAT_FMT_BUF];
    FILE *f;
    int rc = out_path(path, dir, "passes.csv", ei);

    if (rc == RMAT_OK)
        rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    put_header(f, passes_cols, s->calibrated);
    for (size_t k = 0; k < s->n_passes; k++) {
        const struct rmat_pass *p = &s->passes[k];
        const double v[8] = {p->amplitude_mm,  p->speed_mm_s,      p->mean_force_n,
                             p->peak_kpa,      p->mean_kpa,        p->mean_area_cm2,
                             p->mean_width_mm, p->compliance_mm3_n};
        fprintf(f, "%zu,", k + 1);
        rmat_fmt_fixed(num, p->t_start_s, T_DECIMALS);
        fprintf(f, "%s,", num);
        rmat_fmt_fixed(num, p->t_end_s, T_DECIMALS);
        fprintf(f, "%s,%d", num, p->direction);
        for (int j = 0; j < 8; j++) {
            put_field(num, v[j]);
            fprintf(f, ",%s", num);
        }
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

static int write_holds_csv(const char *dir, const struct session *s, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], num[RMAT_FMT_BUF];
    FILE *f;
    int rc = out_path(path, dir, "holds.csv", ei);

    if (rc == RMAT_OK)
        rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    put_header(f, holds_cols, s->calibrated);
    for (size_t k = 0; k < s->n_holds; k++) {
        const struct rmat_hold *h = &s->holds[k];
        const double v[7] = {
            h->x_mm, h->y_mm, h->mean_force_n, h->mean_kpa, h->peak_kpa, h->area_change_pct, NAN};
        fprintf(f, "%zu,", k + 1);
        rmat_fmt_fixed(num, h->t_start_s, T_DECIMALS);
        fprintf(f, "%s,", num);
        rmat_fmt_fixed(num, h->duration_s, T_DECIMALS);
        fputs(num, f);
        for (int j = 0; j < 6; j++) {
            put_field(num, v[j]);
            fprintf(f, ",%s", num);
        }
        fprintf(f, ",%s\n", h->region >= 0 ? s->regions[h->region].name : "");
    }
    return rmat_out_close(f, path, ei);
}

static int write_regions_csv(const char *dir, const struct session *s, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], num[RMAT_FMT_BUF];
    FILE *f;
    int rc = out_path(path, dir, "regions.csv", ei);

    if (rc != RMAT_OK)
        return rc;
    if (s->n_regions == 0) {
        /* Figures of an earlier analysis with regions would not belong to
         * this one. */
        (void)unlink(path);
        return RMAT_OK;
    }
    rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    put_header(f, regions_cols, s->calibrated);
    for (size_t k = 0; k < s->n_regions; k++) {
        const struct rmat_region *r = &s->regions[k];
        const struct rmat_region_stats *st = &s->region_stats[k];
        const double v1[6] = {r->x0_mm, r->y0_mm, r->x1_mm, r->y1_mm, st->time_s, st->pct};
        const double v2[2] = {st->mean_kpa, st->pti_kpa_s};
        fputs(r->name, f);
        for (int j = 0; j < 6; j++) {
            put_field(num, v1[j]);
            fprintf(f, ",%s", num);
        }
        fprintf(f, ",%d", st->holds);
        for (int j = 0; j < 2; j++) {
            put_field(num, v2[j]);
            fprintf(f, ",%s", num);
        }
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

/* The cadence's power spectrum, relative to its largest value in the
 * cadence band; a header only when there was no series to transform. */
static int write_spectrum_csv(const char *dir, const struct session *s, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF], num[RMAT_FMT_BUF];
    double pmax = 0;
    FILE *f;
    int rc = rmat_out_open(dir, "spectrum.csv", &f, path, ei);

    if (rc != RMAT_OK)
        return rc;
    for (size_t k = 0; k < s->n_spectrum; k++) {
        const double fk = (double)k * s->spectrum_df_hz;
        if (fk >= RMAT_CADENCE_F_LO_HZ && fk <= RMAT_CADENCE_F_HI_HZ && s->spectrum[k] > pmax)
            pmax = s->spectrum[k];
    }
    fputs("f_hz,cpm,power_rel\n", f);
    for (size_t k = 0; pmax > 0 && k < s->n_spectrum; k++) {
        const double fk = (double)k * s->spectrum_df_hz;
        fwrite(num, 1, put_field(num, fk), f);
        fputc(',', f);
        fwrite(num, 1, put_field(num, fk * 60.0), f);
        fputc(',', f);
        fwrite(num, 1, put_field(num, s->spectrum[k] / pmax), f);
        fputc('\n', f);
    }
    return rmat_out_close(f, path, ei);
}

/* --- summary.json ----------------------------------------------------------- */

/* A number of summary.json under its name for the analysis's units
 * (units.h); left out where an uncalibrated analysis has none. */
static void jnum(struct rmat_json_writer *w, const char *name, int calibrated, double v)
{
    const char *key = rmat_units_name(name, calibrated);
    if (key)
        rmat_jw_num(w, key, v);
}

/* A least-squares line of tissue.h as summary.json writes it; null when
 * there was none. */
static void json_trend(struct rmat_json_writer *w, const char *key, const struct rmat_trend *t)
{
    if (!t->valid) {
        rmat_jw_null(w, key);
        return;
    }
    rmat_jw_open(w, key, 0, 1);
    rmat_jw_num(w, "n", (double)t->n);
    rmat_jw_num(w, "slope_per_min", t->slope);
    rmat_jw_num(w, "ci95_low", t->ci95_low);
    rmat_jw_num(w, "ci95_high", t->ci95_high);
    rmat_jw_num(w, "r2", t->r2);
    rmat_jw_num(w, "change_pct", t->change_pct);
    rmat_jw_close(w);
}

/* The sensor's corrections an analysis applies, and where each came from
 * ("calibration", "--crosstalk"; NULL: not applied). */
struct corrections {
    struct rmat_sensorfix_config cfg;
    const char *crosstalk_source;
    const char *creep_source;
    int estimated; /* est holds --crosstalk auto's estimate */
    struct rmat_crosstalk_estimate est;
};

/* summary.json's "corrections": what was applied, with its parameters. */
static void json_corrections(struct rmat_json_writer *w, const struct corrections *fx)
{
    rmat_jw_open(w, "corrections", 0, 0);
    rmat_jw_open(w, "crosstalk", 0, 0);
    rmat_jw_bool(w, "applied", fx->crosstalk_source != NULL);
    if (fx->crosstalk_source) {
        rmat_jw_num(w, "row_pct", fx->cfg.crosstalk_row_pct);
        rmat_jw_num(w, "col_pct", fx->cfg.crosstalk_col_pct);
        rmat_jw_str(w, "source", fx->crosstalk_source);
    }
    if (fx->estimated) {
        rmat_jw_open(w, "estimate", 0, 0);
        rmat_jw_num(w, "row_pct", fx->est.row_pct);
        rmat_jw_num(w, "col_pct", fx->est.col_pct);
        rmat_jw_num(w, "offset_counts", fx->est.offset_counts);
        rmat_jw_num(w, "frames", (double)fx->est.frames);
        rmat_jw_num(w, "sensels", (double)fx->est.samples);
        rmat_jw_close(w);
    }
    rmat_jw_close(w);
    rmat_jw_open(w, "creep", 0, 0);
    rmat_jw_bool(w, "applied", fx->creep_source != NULL);
    if (fx->creep_source) {
        rmat_jw_num(w, "creep_pct", fx->cfg.creep_pct);
        rmat_jw_num(w, "tau_s", fx->cfg.creep_tau_s);
        rmat_jw_num(w, "recover_tau_s", fx->cfg.creep_recover_tau_s);
        rmat_jw_num(w, "load_kpa", fx->cfg.creep_load_kpa);
        rmat_jw_str(w, "source", fx->creep_source);
    }
    rmat_jw_close(w);
    rmat_jw_close(w);
}

struct json_ctx {
    const char *rec_path;
    const struct rmat_recording_info *info;
    const struct rmat_grid *g;
    const struct rmat_analysis_params *params;
    const struct rmat_calib *cal;
    const char *cal_source; /* the file, "recording" or NULL */
    const struct pass *ps;
    const struct session *s;
    const struct clock_info *clock;
    const struct corrections *fix;
};

static int write_summary_json(const char *dir, const struct json_ctx *c, struct rmat_errinfo *ei)
{
    char path[RMAT_PATH_BUF];
    struct rmat_json_writer j;
    FILE *f;
    const struct session *s = c->s;
    const struct rmat_summary *sm = &s->summary;
    const struct rmat_session_meta *meta = &c->info->meta;
    const struct rmat_device_desc *dev = &c->info->dev;
    const double a_cm2 = c->g->pitch_x_mm * c->g->pitch_y_mm / 100.0;
    const int known_mass = meta->body_mass_kg > 0 && isfinite(meta->body_mass_kg);
    const int cal = s->calibrated;
    int rc = out_path(path, dir, "summary.json", ei);

    if (rc == RMAT_OK)
        rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    rmat_jw_begin(&j, f);
    rmat_jw_str(&j, "software", "rollmat " RMAT_VERSION);
    rmat_jw_str(&j, "recording", c->rec_path);
    /* The session's identity, so trends count it once wherever this
     * analysis lies ("" for a recording of format version 1). */
    rmat_jw_str(&j, "recording_id", c->info->recording_id);
    rmat_jw_bool(&j, "recovered", c->info->recovered_from[0] != '\0');
    if (c->info->recovered_from[0])
        rmat_jw_str(&j, "recovered_from", c->info->recovered_from);
    {
        char now[32];
        rmat_utc_now(now, sizeof now);
        rmat_jw_str(&j, "analysed_utc", now);
    }
    rmat_jw_str(&j, "units", cal ? "kPa" : "counts");
    rmat_jw_bool(&j, "calibrated", cal);
    /* Where the data came from: an import names its source (reports say
     * so); values imported in kPa need no calibration. */
    if (c->info->source_format[0]) {
        rmat_jw_open(&j, "source", 0, 0);
        rmat_jw_str(&j, "format", c->info->source_format);
        rmat_jw_str(&j, "file_name", c->info->source_file);
        rmat_jw_str(&j, "sha256", c->info->source_sha256);
        rmat_jw_bool(&j, "values_in_kpa", c->info->pressure != 0);
        rmat_jw_close(&j);
    }
    rmat_jw_bool(&j, "rolling", s->rolling && s->n_passes > 0);
    if (!s->rolling || s->n_passes == 0)
        rmat_jw_str(&j, "rolling_note",
                    s->rolling ? "no rolling found: no pass along the session's axis"
                               : "no rolling found: imported data not said to be of rolling "
                                 "(walking, standing or lying); passes, holds and cadence are "
                                 "not looked for");
    if (c->cal) {
        rmat_jw_open(&j, "calibration", 0, 0);
        rmat_jw_str(&j, "name", c->cal->name);
        rmat_jw_str(&j, "source", c->cal_source ? c->cal_source : "");
        rmat_jw_str(&j, "curve", rmat_curve_name(c->cal->curve));
        if (!isnan(c->cal->kpa_per_count))
            rmat_jw_num(&j, "kpa_per_count", c->cal->kpa_per_count);
        if (!isnan(c->cal->zero_counts))
            rmat_jw_num(&j, "zero_counts", c->cal->zero_counts);
        if (!isnan(c->cal->a_kpa))
            rmat_jw_num(&j, "a_kpa", c->cal->a_kpa);
        if (!isnan(c->cal->b))
            rmat_jw_num(&j, "b", c->cal->b);
        if (!isnan(c->cal->c_max_counts))
            rmat_jw_num(&j, "c_max_counts", c->cal->c_max_counts);
        if (c->cal->curve == RMAT_CURVE_TABLE)
            rmat_jw_num(&j, "table_points", (double)c->cal->n_points);
        rmat_jw_bool(&j, "gains", c->cal->gains != NULL);
        if (rmat_calib_has_crosstalk(c->cal)) {
            rmat_jw_num(&j, "crosstalk_row_pct", c->cal->crosstalk_row_pct);
            rmat_jw_num(&j, "crosstalk_col_pct", c->cal->crosstalk_col_pct);
        }
        if (rmat_calib_has_creep(c->cal)) {
            rmat_jw_num(&j, "creep_pct", c->cal->creep_pct);
            rmat_jw_num(&j, "creep_tau_s", c->cal->creep_tau_s);
            rmat_jw_num(&j, "creep_recover_tau_s", c->cal->creep_recover_tau_s);
            rmat_jw_num(&j, "creep_load_kpa", c->cal->creep_load_kpa);
        }
        rmat_jw_close(&j);
    } else {
        rmat_jw_null(&j, "calibration");
    }
    json_corrections(&j, c->fix);
    /* docs/metrics.md's session summary, in its order. */
    rmat_jw_num(&j, "duration_s", c->ps->frames ? sm->duration_s : NAN);
    rmat_jw_num(&j, "contact_s", sm->contact_s);
    rmat_jw_num(&j, "rolling_s", sm->rolling_s);
    rmat_jw_num(&j, "hold_s", sm->hold_s);
    rmat_jw_num(&j, "passes", (double)s->n_passes);
    rmat_jw_num(&j, "cadence_cpm", s->cadence.cadence_cpm);
    rmat_jw_num(&j, "mean_speed_mm_s", sm->mean_speed_mm_s);
    rmat_jw_num(&j, "path_mm", sm->path_mm);
    jnum(&j, "mean_force_n", cal, sm->mean_force_n);
    jnum(&j, "peak_force_n", cal, sm->peak_force_n);
    jnum(&j, "mean_kpa", cal, sm->mean_kpa);
    jnum(&j, "peak_kpa", cal, sm->peak_kpa);
    rmat_jw_num(&j, "mean_area_cm2", sm->mean_area_cm2);
    rmat_jw_num(&j, "coverage_cm2", (double)s->coverage_sensels * a_cm2);
    rmat_jw_num(&j, "frames", (double)c->ps->frames);
    rmat_jw_num(&j, "frames_lost", (double)c->ps->lost);
    if (known_mass) {
        jnum(&j, "mean_force_pct_bw", cal, sm->mean_force_pct_bw);
        jnum(&j, "peak_force_pct_bw", cal, sm->peak_force_pct_bw);
    }
    /* More of the same kind, for reports and tests against the physics. */
    rmat_jw_num(&j, "holds", (double)s->n_holds);
    rmat_jw_num(&j, "mean_width_mm", sm->mean_width_mm);
    rmat_jw_num(&j, "mean_length_mm", sm->mean_length_mm);
    jnum(&j, "mean_compliance_mm3_n", cal, sm->mean_compliance_mm3_n);
    rmat_jw_num(&j, "device_restarts", (double)c->ps->restarts);
    rmat_jw_open(&j, "rolling_axis", 0, 0);
    rmat_jw_num(&j, "mean_x_mm", s->axis_x_mm);
    rmat_jw_num(&j, "mean_y_mm", s->axis_y_mm);
    rmat_jw_num(&j, "ux", s->axis_ux);
    rmat_jw_num(&j, "uy", s->axis_uy);
    rmat_jw_close(&j);
    rmat_jw_open(&j, "cadence", 0, 0);
    rmat_jw_num(&j, "peak_hz", s->cadence.peak_hz);
    rmat_jw_num(&j, "cycles", s->cadence.cycles);
    rmat_jw_num(&j, "run_start_s", s->cadence.samples ? c->ps->t_s[s->cadence.run_first] : NAN);
    rmat_jw_num(&j, "run_end_s", s->cadence.samples ? c->ps->t_s[s->cadence.run_last] : NAN);
    rmat_jw_num(&j, "resample_hz", s->rate_hz);
    rmat_jw_close(&j);
    rmat_jw_open(&j, "clock", 0, 0);
    rmat_jw_str(&j, "time_base", "t_device_us");
    rmat_jw_num(&j, "drift_ppm", c->clock->drift_ppm);
    rmat_jw_bool(&j, "drift_corrected", c->clock->applied);
    rmat_jw_num(&j, "drift_max_ppm", DRIFT_MAX_PPM);
    {
        char note[512];
        clock_note(c->clock, note, sizeof note);
        rmat_jw_str(&j, "drift_note", note);
    }
    rmat_jw_close(&j);

    rmat_jw_open(&j, "tissue", 0, 0);
    rmat_jw_num(&j, "passes", (double)s->n_passes);
    json_trend(&j, rmat_units_name("mean_kpa", cal), &s->tissue.mean_kpa);
    json_trend(&j, "width_mm", &s->tissue.width_mm);
    json_trend(&j, rmat_units_name("compliance_mm3_n", cal), &s->tissue.compliance_mm3_n);
    /* A stiffness needs newtons: none in counts. */
    if (s->tissue.has_stiffness && cal)
        json_trend(&j, "stiffness_kpa", &s->tissue.stiffness_kpa);
    json_trend(&j, "speed_mm_s", &s->tissue.speed_mm_s);
    rmat_jw_num(&j, "hold_area_change_pct", s->tissue.hold_area_change_pct);
    rmat_jw_close(&j);

    if (s->n_regions > 0) {
        rmat_jw_open(&j, "regions", 1, 0);
        for (size_t k = 0; k < s->n_regions; k++) {
            const struct rmat_region_stats *st = &s->region_stats[k];
            rmat_jw_open(&j, NULL, 0, 1);
            rmat_jw_str(&j, "name", s->regions[k].name);
            rmat_jw_num(&j, "time_s", st->time_s);
            rmat_jw_num(&j, "pct", st->pct);
            rmat_jw_num(&j, "holds", st->holds);
            jnum(&j, "mean_kpa", cal, st->mean_kpa);
            rmat_jw_num(&j, "pti_kpa_s", st->pti_kpa_s);
            rmat_jw_close(&j);
        }
        rmat_jw_close(&j);
    }

    rmat_jw_open(&j, "session", 0, 0);
    rmat_jw_str(&j, "subject", meta->subject);
    rmat_jw_str(&j, "session", meta->session);
    rmat_jw_str(&j, "region", meta->region);
    rmat_jw_str(&j, "side", meta->side);
    rmat_jw_str(&j, "roller", meta->roller);
    rmat_jw_num(&j, "roller_diameter_mm", meta->roller_diameter_mm);
    rmat_jw_str(&j, "mounting", meta->mounting);
    rmat_jw_num(&j, "body_mass_kg", meta->body_mass_kg);
    rmat_jw_str(&j, "operator", meta->operator_name);
    rmat_jw_str(&j, "notes", meta->notes);
    rmat_jw_str(&j, "started_utc", meta->started_utc);
    rmat_jw_close(&j);
    rmat_jw_open(&j, "device", 0, 0);
    rmat_jw_str(&j, "model", dev->model);
    rmat_jw_num(&j, "serial", (double)dev->serial);
    rmat_jw_str(&j, "firmware_version", dev->firmware_version);
    rmat_jw_num(&j, "rows", (double)dev->rows);
    rmat_jw_num(&j, "cols", (double)dev->cols);
    rmat_jw_num(&j, "adc_bits", (double)(dev->adc_bits > 0 ? dev->adc_bits : 0));
    rmat_jw_num(&j, "pitch_x_mm", dev->pitch_x_mm);
    rmat_jw_num(&j, "pitch_y_mm", dev->pitch_y_mm);
    rmat_jw_num(&j, "rate_hz", dev->rate_hz);
    rmat_jw_close(&j);
    rmat_jw_str(&j, "recording_created_utc", c->info->created_utc);
    rmat_jw_str(&j, "recording_software", c->info->software);
    rmat_jw_open(&j, "parameters", 0, 0);
    jnum(&j, "contact_threshold_kpa", cal, c->ps->threshold);
    rmat_jw_num(&j, "smooth_s", c->params->smooth_s);
    rmat_jw_num(&j, "turn_mm", c->params->turn_mm);
    rmat_jw_num(&j, "hold_radius_mm", c->params->hold_radius_mm);
    rmat_jw_num(&j, "hold_min_s", c->params->hold_min_s);
    rmat_jw_num(&j, "cadence_band_lo_hz", RMAT_CADENCE_F_LO_HZ);
    rmat_jw_num(&j, "cadence_band_hi_hz", RMAT_CADENCE_F_HI_HZ);
    rmat_jw_num(&j, "gravity_m_s2", RMAT_GRAVITY_M_S2);
    rmat_jw_str(&j, "regions_file", c->params->regions_path ? c->params->regions_path : "");
    rmat_jw_close(&j);
    return rmat_jw_finish(&j, path, ei);
}

/* --- calibration ------------------------------------------------------------ */

/* The calibration to use: the file given, else the recording's own, else
 * none (*cal NULL). *source says which, for the summary. */
static int pick_calibration(struct rmat_reader *r, const char *rec_path, const char *file,
                            const struct rmat_grid *g, const struct rmat_log *log,
                            struct rmat_calib **cal, const char **source, struct rmat_errinfo *ei)
{
    struct rmat_calib *own = NULL;
    int rc;

    *cal = NULL;
    *source = NULL;
    rc = rmat_reader_calib(r, &own, ei);
    if (rc != RMAT_OK)
        return rc;
    if (file) {
        rc = rmat_calib_load(file, cal, ei);
        if (rc == RMAT_OK)
            rc = rmat_calib_check(*cal, g->rows, g->cols, file, ei);
        if (rc != RMAT_OK) {
            rmat_calib_free(own);
            rmat_calib_free(*cal);
            *cal = NULL;
            return rc;
        }
        if (own)
            rmat_logf(log, RMAT_LOG_WARN,
                      "%s: using the calibration %s instead of the recording's own ('%s')",
                      rec_path, file, own->name);
        rmat_calib_free(own);
        *source = file;
        return RMAT_OK;
    }
    if (own) {
        rc = rmat_calib_check(own, g->rows, g->cols, rec_path, ei);
        if (rc != RMAT_OK) {
            rmat_calib_free(own);
            return rc;
        }
        *cal = own;
        *source = "recording";
    }
    return RMAT_OK;
}

/* --- sensor lists ----------------------------------------------------------
 *
 * A list of sensors without a grid (pedar insoles, IMPORT.md §12): forces
 * and peaks only. The peak and mean pressure need nothing more; force and
 * contact area need every sensor's area, the CoP every position as well.
 * What a list cannot give (maps, width, length, passes, holds, cadence)
 * is reported as unavailable (null, and named in summary.json's
 * "unavailable"), never as zero. One pass over the frames, writing
 * frames.csv as it goes: memory does not grow with the frames. */
static int analyze_sensors(struct rmat_reader *r, const char *rec_path, const char *out_dir,
                           const struct rmat_analysis_params *params, const struct rmat_log *log,
                           struct rmat_analysis_result *res, struct rmat_errinfo *ei)
{
    static const char *const unavailable[] = {"maps",  "width_mm", "length_mm", "passes",
                                              "holds", "cadence",  "regions"};
    const struct rmat_recording_info *info = rmat_reader_info(r);
    const size_t n = (size_t)info->dev.cols, block = 256;
    const double thr = params->contact_threshold_kpa;
    double *area = NULL, *x = NULL, *y = NULL, *p = NULL;
    float *v = NULL;
    uint64_t *t_us = NULL, t0 = 0;
    char path[RMAT_PATH_BUF], row[16 * RMAT_FMT_BUF];
    int areas = 1, pos = 1, rc;
    double peak = NAN, force_sum = 0, force_peak = NAN, mean_sum = 0, duration = 0;
    uint64_t force_n = 0, mean_n = 0, frames = 0;
    FILE *f = NULL;
    struct rmat_json_writer j;

    if (!info->pressure)
        return rmat_errinfo_set(ei, RMAT_E_UNSUPPORTED, 0,
                                "%s: a sensor list in raw counts: this build analyses sensor "
                                "lists in kPa only",
                                rec_path);
    area = malloc(n * sizeof *area);
    x = malloc(n * sizeof *x);
    y = malloc(n * sizeof *y);
    p = malloc(n * sizeof *p);
    v = malloc(block * n * sizeof *v);
    t_us = malloc(block * sizeof *t_us);
    if (!area || !x || !y || !p || !v || !t_us) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", rec_path);
        goto out;
    }
    rc = rmat_reader_sensors(r, area, x, y, ei);
    if (rc != RMAT_OK)
        goto out;
    for (size_t k = 0; k < n; k++) {
        if (info->mask && !info->mask[k])
            continue;
        if (!(area[k] > 0 && isfinite(area[k])))
            areas = 0;
        if (!isfinite(x[k]) || !isfinite(y[k]))
            pos = 0;
    }
    if (!areas)
        rmat_logf(log, RMAT_LOG_WARN,
                  "%s: a list of %zu sensors without their areas: force and contact area are "
                  "unavailable (give the areas with `rollmat import --sensor-table`)",
                  rec_path, n);
    rc = make_dirs(out_dir, ei);
    if (rc == RMAT_OK)
        rc = out_path(path, out_dir, "frames.csv", ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        goto out;
    put_header(f, frames_cols, 1);
    for (uint64_t first = 0; first < info->frames; first += block) {
        const size_t cnt = info->frames - first < block ? (size_t)(info->frames - first) : block;
        rc = rmat_reader_read_kpa(r, first, cnt, v, NULL, t_us, NULL, ei);
        if (rc != RMAT_OK)
            goto out;
        for (size_t k = 0; k < cnt; k++) {
            double fsum = 0, asum = 0, psum = 0, wx = 0, wy = 0, w = 0, pk = 0;
            size_t contact = 0, len;
            if (frames == 0)
                t0 = t_us[k];
            const double t = (double)(int64_t)(t_us[k] - t0) / 1e6;
            for (size_t c = 0; c < n; c++) {
                const double pc = (double)v[k * n + c];
                pk = pc > pk ? pc : pk;
                if (!(pc >= thr))
                    continue;
                contact++;
                psum += pc;
                if (areas) {
                    fsum += pc * area[c] / 1000.0;
                    asum += area[c];
                    if (pos) {
                        wx += pc * area[c] * x[c];
                        wy += pc * area[c] * y[c];
                        w += pc * area[c];
                    }
                }
            }
            const double fv[10] = {areas ? fsum : NAN,
                                   areas ? asum / 100.0 : NAN,
                                   contact ? psum / (double)contact : NAN,
                                   pk,
                                   w > 0 ? wx / w : NAN,
                                   w > 0 ? wy / w : NAN,
                                   NAN,
                                   NAN,
                                   NAN,
                                   NAN};
            len = rmat_fmt_fixed(row, t, T_DECIMALS);
            for (int c = 0; c < 10; c++) {
                row[len++] = ',';
                len += put_field(row + len, fv[c]);
            }
            row[len++] = '\n';
            fwrite(row, 1, len, f);
            if (frames == 0 || pk > peak)
                peak = pk;
            if (areas && contact) {
                force_sum += fsum;
                force_n++;
                if (isnan(force_peak) || fsum > force_peak)
                    force_peak = fsum;
            }
            if (contact) {
                mean_sum += psum / (double)contact;
                mean_n++;
            }
            duration = t;
            frames++;
        }
    }
    rc = rmat_out_close(f, path, ei);
    f = NULL;
    if (rc != RMAT_OK)
        goto out;
    rc = out_path(path, out_dir, "summary.json", ei);
    if (rc == RMAT_OK)
        rc = rmat_out_open_path(path, &f, ei);
    if (rc != RMAT_OK)
        goto out;
    rmat_jw_begin(&j, f);
    f = NULL;
    rmat_jw_str(&j, "software", "rollmat " RMAT_VERSION);
    rmat_jw_str(&j, "recording", rec_path);
    rmat_jw_str(&j, "recording_id", info->recording_id);
    rmat_jw_str(&j, "units", "kPa");
    rmat_jw_bool(&j, "calibrated", 1);
    rmat_jw_str(&j, "layout", "sensors");
    rmat_jw_num(&j, "sensors", (double)n);
    rmat_jw_open(&j, "source", 0, 0);
    rmat_jw_str(&j, "format", info->source_format);
    rmat_jw_str(&j, "file_name", info->source_file);
    rmat_jw_str(&j, "sha256", info->source_sha256);
    rmat_jw_bool(&j, "values_in_kpa", 1);
    rmat_jw_close(&j);
    rmat_jw_bool(&j, "rolling", 0);
    rmat_jw_str(&j, "rolling_note",
                "no rolling found: a list of sensors without a grid has no CoP path, passes, "
                "holds or cadence");
    rmat_jw_num(&j, "duration_s", frames ? duration : NAN);
    rmat_jw_num(&j, "frames", (double)frames);
    rmat_jw_num(&j, "peak_kpa", peak);
    rmat_jw_num(&j, "mean_kpa", mean_n ? mean_sum / (double)mean_n : NAN);
    rmat_jw_num(&j, "mean_force_n", force_n ? force_sum / (double)force_n : NAN);
    rmat_jw_num(&j, "peak_force_n", force_peak);
    rmat_jw_null(&j, "passes");
    rmat_jw_null(&j, "holds");
    rmat_jw_null(&j, "cadence_cpm");
    rmat_jw_bool(&j, "areas_known", areas);
    rmat_jw_bool(&j, "cop_available", areas && pos);
    rmat_jw_open(&j, "unavailable", 1, 1);
    for (size_t k = 0; k < sizeof unavailable / sizeof unavailable[0]; k++)
        rmat_jw_str(&j, NULL, unavailable[k]);
    if (!areas) {
        rmat_jw_str(&j, NULL, "force_n");
        rmat_jw_str(&j, NULL, "area_cm2");
    }
    if (!(areas && pos))
        rmat_jw_str(&j, NULL, "cop");
    rmat_jw_close(&j);
    rmat_jw_open(&j, "parameters", 0, 0);
    rmat_jw_num(&j, "contact_threshold_kpa", thr);
    rmat_jw_close(&j);
    /* Who and when, as a grid's summary says it (trends group by these). */
    {
        const struct rmat_session_meta *meta = &info->meta;
        rmat_jw_open(&j, "session", 0, 0);
        rmat_jw_str(&j, "subject", meta->subject);
        rmat_jw_str(&j, "session", meta->session);
        rmat_jw_str(&j, "region", meta->region);
        rmat_jw_str(&j, "side", meta->side);
        rmat_jw_str(&j, "roller", meta->roller);
        rmat_jw_num(&j, "roller_diameter_mm", meta->roller_diameter_mm);
        rmat_jw_str(&j, "mounting", meta->mounting);
        rmat_jw_num(&j, "body_mass_kg", meta->body_mass_kg);
        rmat_jw_str(&j, "operator", meta->operator_name);
        rmat_jw_str(&j, "notes", meta->notes);
        rmat_jw_str(&j, "started_utc", meta->started_utc);
        rmat_jw_close(&j);
    }
    rc = rmat_jw_finish(&j, path, ei);
    if (res) {
        res->frames = frames;
        res->duration_s = frames ? duration : 0.0;
        res->peak_kpa = peak;
        res->calibrated = 1;
    }
    if (rc == RMAT_OK)
        rmat_logf(log, RMAT_LOG_INFO,
                  "%s: %llu frames of %zu sensors (%s); CoP, maps and passes unavailable for a "
                  "sensor list",
                  rec_path, (unsigned long long)frames, n,
                  info->source_format[0] ? info->source_format : "import");
out:
    if (f)
        fclose(f);
    free(t_us);
    free(v);
    free(p);
    free(y);
    free(x);
    free(area);
    return rc;
}

/* --crosstalk auto: the crosstalk estimated from the recording, in a pass
 * of its own over at most AUTO_FRAMES frames spread evenly over it (every
 * frame of a recording of up to 40 s at 100 Hz; a sample of longer ones,
 * which has plenty of sensels: 200,000 from 600 frames of a roller on a
 * 32 x 32 mat). A frame counts when its largest count can reach the
 * contact threshold. */
#define AUTO_FRAMES 4000
static int estimate_crosstalk(struct pass *ps, struct corrections *fx, struct rmat_errinfo *ei)
{
    const uint64_t total = rmat_reader_info(ps->r)->frames;
    const size_t n = (size_t)ps->g->rows * (size_t)ps->g->cols;
    const uint64_t stride = total > AUTO_FRAMES ? (total + AUTO_FRAMES - 1) / AUTO_FRAMES : 1;
    struct rmat_crosstalk_est *e = rmat_crosstalk_est_new(ps->g->rows, ps->g->cols);
    uint16_t *raw = malloc(n * sizeof *raw);
    int rc = RMAT_OK;

    if (!e || !raw) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", ps->rec_path);
        goto out;
    }
    for (uint64_t k = 0; k < total; k += stride) {
        rc = rmat_reader_read(ps->r, k, 1, raw, NULL, NULL, NULL, ei);
        if (rc != RMAT_OK)
            goto out;
        rmat_crosstalk_est_add(e, raw, (double)ps->scale.contact_min_counts);
    }
    if (rmat_crosstalk_est_solve(e, &fx->est) != RMAT_OK) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: --crosstalk auto: too little to estimate the crosstalk from "
                              "(%llu sensels away from the load, in %llu frames with a load): "
                              "give the coefficients, --crosstalk ROW,COL",
                              ps->rec_path, (unsigned long long)fx->est.samples,
                              (unsigned long long)fx->est.frames);
        goto out;
    }
    fx->estimated = 1;
    rmat_logf(ps->log, RMAT_LOG_INFO,
              "%s: crosstalk estimated at %.4f%% of the row and %.4f%% of the column (%llu "
              "sensels away from the load in %llu frames)",
              ps->rec_path, fx->est.row_pct, fx->est.col_pct, (unsigned long long)fx->est.samples,
              (unsigned long long)fx->est.frames);
out:
    free(raw);
    rmat_crosstalk_est_free(e);
    return rc;
}

/* The corrections to apply (docs/corrections.md): crosstalk from the
 * parameters when given, else from the calibration; creep from the
 * calibration unless the parameters turn it off. None for pressures
 * imported in kPa (there are no counts to correct). Logged when applied. */
static int pick_corrections(const struct rmat_analysis_params *params, const struct rmat_calib *cal,
                            int kpa_in, const char *rec_path, const struct rmat_log *log,
                            struct corrections *fx, struct rmat_errinfo *ei)
{
    (void)ei;
    if (kpa_in) {
        if (!isnan(params->crosstalk_row_pct) || params->crosstalk_auto)
            rmat_logf(log, RMAT_LOG_WARN,
                      "%s: holds pressures in kPa, not counts: --crosstalk is not applied",
                      rec_path);
        return RMAT_OK;
    }
    if (params->crosstalk_auto) {
        fx->cfg.crosstalk_row_pct = fx->est.row_pct;
        fx->cfg.crosstalk_col_pct = fx->est.col_pct;
        fx->crosstalk_source = "--crosstalk auto";
    } else if (!isnan(params->crosstalk_row_pct)) {
        fx->cfg.crosstalk_row_pct = params->crosstalk_row_pct;
        fx->cfg.crosstalk_col_pct = params->crosstalk_col_pct;
        fx->crosstalk_source = "--crosstalk";
    } else if (rmat_calib_has_crosstalk(cal)) {
        fx->cfg.crosstalk_row_pct = cal->crosstalk_row_pct;
        fx->cfg.crosstalk_col_pct = cal->crosstalk_col_pct;
        fx->crosstalk_source = "calibration";
    }
    if (!rmat_sensorfix_has_crosstalk(&fx->cfg)) {
        /* 0,0 is the way to say "none": nothing to do in the frame loop. */
        fx->cfg.crosstalk_row_pct = fx->cfg.crosstalk_col_pct = 0.0;
        fx->crosstalk_source = NULL;
    }
    if (params->creep && rmat_calib_has_creep(cal) && cal->creep_pct > 0) {
        fx->cfg.creep_pct = cal->creep_pct;
        fx->cfg.creep_tau_s = cal->creep_tau_s;
        fx->cfg.creep_recover_tau_s = cal->creep_recover_tau_s;
        fx->cfg.creep_load_kpa = cal->creep_load_kpa;
        fx->creep_source = "calibration";
    }
    if (fx->crosstalk_source)
        rmat_logf(log, RMAT_LOG_INFO,
                  "%s: crosstalk corrected: %g%% of the row, %g%% of the "
                  "column (from the %s)",
                  rec_path, fx->cfg.crosstalk_row_pct, fx->cfg.crosstalk_col_pct,
                  fx->crosstalk_source);
    if (fx->creep_source)
        rmat_logf(log, RMAT_LOG_INFO,
                  "%s: creep corrected: %g%% with %g s under load, %g s back, from %g kPa "
                  "(from the calibration)",
                  rec_path, fx->cfg.creep_pct, fx->cfg.creep_tau_s, fx->cfg.creep_recover_tau_s,
                  fx->cfg.creep_load_kpa);
    return RMAT_OK;
}

/* "peak pressure and CoP: <file name of the recording> (...)". */
int rmat_analyze(const char *rec_path, const char *out_dir,
                 const struct rmat_analysis_params *params, const struct rmat_log *log,
                 struct rmat_analysis_result *res, struct rmat_errinfo *ei)
{
    struct rmat_analysis_params defaults;
    struct rmat_analysis_result result;
    struct rmat_reader *r = NULL;
    const struct rmat_recording_info *info;
    struct rmat_calib *cal = NULL;
    const char *cal_source = NULL;
    struct rmat_grid g;
    struct pass ps;
    struct session s;
    struct clock_info ck;
    struct corrections fx;
    char path[RMAT_PATH_BUF];
    double *lut = NULL;
    int lut_n, rc;
    double t_mark;

    memset(&result, 0, sizeof result);
    memset(&fx, 0, sizeof fx);
    rmat_sensorfix_config_init(&fx.cfg);
    result.duration_s = 0.0;
    result.peak_kpa = NAN;
    result.cadence_cpm = NAN;
    memset(&ps, 0, sizeof ps);
    memset(&s, 0, sizeof s);
    rmat_errinfo_clear(ei);
    if (res)
        *res = result;
    if (!rec_path || !out_dir)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "analyze: recording and output directory needed");
    if (!params) {
        rmat_analysis_params_init(&defaults);
        params = &defaults;
    }
    rc = check_params(params, ei);
    if (rc != RMAT_OK)
        return rc;

    rc = rmat_reader_open(rec_path, &r, ei);
    if (rc != RMAT_OK)
        goto out;
    info = rmat_reader_info(r);
    if (info->sensors) {
        rc = analyze_sensors(r, rec_path, out_dir, params, log, res, ei);
        goto out;
    }
    rc = grid_from_device(rec_path, &info->dev, &g, ei);
    if (rc != RMAT_OK)
        goto out;
    result.grid = g;
    ps.kpa_in = info->pressure;
    if (ps.kpa_in) {
        /* Values already in kPa: no calibration applies. */
        if (params->calibration_path)
            rmat_logf(log, RMAT_LOG_WARN,
                      "%s: holds pressures in kPa (imported from %s): --calibration %s is "
                      "not used",
                      rec_path, info->source_format[0] ? info->source_format : "another system",
                      params->calibration_path);
    } else {
        rc =
            pick_calibration(r, rec_path, params->calibration_path, &g, log, &cal, &cal_source, ei);
        if (rc != RMAT_OK)
            goto out;
    }
    if (params->regions_path) {
        rc = rmat_regions_load(params->regions_path, &s.regions, &s.n_regions, ei);
        if (rc != RMAT_OK)
            goto out;
    }
    rc = make_dirs(out_dir, ei);
    if (rc != RMAT_OK)
        goto out;

    if (ps.kpa_in)
        rmat_logf(log, RMAT_LOG_INFO, "%s: pressures in kPa as imported from %s (%s)", rec_path,
                  info->source_format[0] ? info->source_format : "another system",
                  info->source_file);
    else if (!cal)
        /* Said loudly, every time: numbers in counts look like kPa and N in
         * a spreadsheet, and nobody should put them in a report as such. */
        rmat_logf(log, RMAT_LOG_WARN,
                  "%s: NO CALIBRATION: every pressure, force and compliance in %s is in RAW "
                  "ADC COUNTS, not kPa or N (units \"counts\"; no force as a share of body "
                  "weight, no stiffness); give one with --calibration FILE, or store the mat's "
                  "calibration in its recordings (docs/calibration.md)",
                  rec_path, out_dir);
    else
        rmat_logf(log, RMAT_LOG_INFO, "%s: calibration '%s' (%s curve) from %s", rec_path,
                  cal->name, rmat_curve_name(cal->curve), cal_source);

    /* The lookup table: one pressure per count value of the ADC. */
    {
        const int bits =
            info->dev.adc_bits >= 1 && info->dev.adc_bits <= 16 ? info->dev.adc_bits : 16;
        lut = malloc(((size_t)1 << bits) * sizeof *lut);
        if (!lut) {
            rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", rec_path);
            goto out;
        }
        lut_n = rmat_calib_lut(cal, bits, lut);
        if (lut_n < 0) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s: the calibration has no curve",
                                  rec_path);
            goto out;
        }
    }

    ps.r = r;
    ps.g = &g;
    ps.threshold =
        rmat_analysis_contact_threshold(params, cal != NULL || ps.kpa_in, (unsigned)(lut_n - 1));
    s.calibrated = cal != NULL || ps.kpa_in;
    /* Rolling is looked for where the data is of rolling: a rollmat mat's
     * recording, or an import said to be (--mounting at import). Walking,
     * standing and lying data has footsteps and turns, not passes: its
     * passes, holds and cadence would be invented (METRICS.md). */
    s.rolling = !info->source_format[0] || info->meta.mounting[0];
    rc = rmat_counts_scale_init(&ps.scale, lut, (uint16_t)(lut_n - 1), cal ? cal->gains : NULL,
                                (size_t)g.rows * (size_t)g.cols, ps.threshold);
    if (rc != RMAT_OK) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: the calibration gives falling or negative pressures", rec_path);
        goto out;
    }
    ps.rec_path = rec_path;
    ps.log = log;
    ps.peak = NAN;
    rc = RMAT_OK;
    if (params->crosstalk_auto && !ps.kpa_in)
        rc = estimate_crosstalk(&ps, &fx, ei);
    if (rc == RMAT_OK)
        rc = pick_corrections(params, cal, ps.kpa_in, rec_path, log, &fx, ei);
    if (rc == RMAT_OK && (fx.crosstalk_source || fx.creep_source)) {
        rc = rmat_sensorfix_new(&fx.cfg, g.rows, g.cols, &ps.scale, &ps.fix);
        if (rc != RMAT_OK)
            rc =
                rmat_errinfo_set(ei, rc, 0, "%s: cannot set up the sensor's corrections", rec_path);
    }
    if (rc != RMAT_OK)
        goto out;
    rc = read_clock(r, rec_path, &ck, ei);
    if (rc != RMAT_OK)
        goto out;
    ps.time_scale = ck.time_scale;
    if (ck.measured && !ck.applied) {
        char note[512];
        clock_note(&ck, note, sizeof note);
        rmat_logf(log, RMAT_LOG_WARN, "%s: %s", rec_path, note);
    }
    ps.nominal_dt_s = info->dev.rate_hz > 0 && isfinite(info->dev.rate_hz)
                          ? ck.time_scale / info->dev.rate_hz
                          : 0.0;
    if (ps.nominal_dt_s == 0.0)
        rmat_logf(log, RMAT_LOG_WARN,
                  "%s: /device has no frame rate: the first frame counts for no time", rec_path);
    rc = rmat_maps_init(&ps.maps, g.rows, g.cols, ps.threshold);
    {
        const size_t nf = info->frames ? (size_t)info->frames : 1;
        ps.t_s = series_alloc(nf * sizeof *ps.t_s);
        ps.m = series_alloc(nf * sizeof *ps.m);
    }
    if (rc != RMAT_OK || !ps.t_s || !ps.m) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM,
                              "%s: out of memory for the series of %llu frames", rec_path,
                              (unsigned long long)info->frames);
        goto out;
    }

    rc = ps.kpa_in ? run_pass_kpa(&ps, ei) : run_pass(&ps, ei);
    if (rc != RMAT_OK)
        goto out;
    if (!ps.kpa_in)
        rmat_maps_finish(&ps.maps, &ps.scale, ps.frames);
    /* A cell without a sensel has no peak, dwell or PTI: it is left out of
     * the maps (NaN, an empty field), not drawn as a cell that saw 0. */
    if (info->mask)
        for (size_t k = 0; k < (size_t)g.rows * (size_t)g.cols; k++)
            if (!info->mask[k])
                ps.maps.peak_kpa[k] = ps.maps.dwell_s[k] = ps.maps.pti_kpa_s[k] = NAN;
    if (!s.calibrated)
        counts_units(&ps, &g);

    t_mark = now_s();
    {
        double rate = info->dev.rate_hz;
        if (!(rate > 0) || !isfinite(rate))
            rate = ps.frames > 1 && ps.duration_s > 0 ? (double)(ps.frames - 1) / ps.duration_s
                                                      : 100.0;
        rc = analyse_session(&s, &ps, params, rate, info->meta.body_mass_kg,
                             info->meta.roller_diameter_mm, ei);
        if (rc != RMAT_OK)
            goto out;
    }
    result.time_session_s = now_s() - t_mark;
    result.time_read_s = ps.time_read_s;
    result.time_frames_s = ps.time_frames_s;

    result.frames = ps.frames;
    result.frames_lost = ps.lost;
    result.calibrated = s.calibrated;
    if (cal)
        snprintf(result.calibration, sizeof result.calibration, "%s", cal->name);
    result.duration_s = ps.frames ? ps.duration_s : 0.0;
    result.peak_kpa = ps.peak;
    result.passes = s.n_passes;
    result.holds = s.n_holds;
    result.cadence_cpm = s.cadence.cadence_cpm;
    result.crosstalk_corrected = fx.crosstalk_source != NULL;
    result.creep_corrected = fx.creep_source != NULL;
    if (res)
        *res = result;

    t_mark = now_s();
    rc = write_frames_csv(out_dir, &ps, &s, ei);
    if (rc == RMAT_OK)
        rc = write_cop_path_csv(out_dir, &ps, &g, ei);
    if (rc == RMAT_OK)
        rc = write_passes_csv(out_dir, &s, ei);
    if (rc == RMAT_OK)
        rc = write_holds_csv(out_dir, &s, ei);
    if (rc == RMAT_OK)
        rc = write_regions_csv(out_dir, &s, ei);
    if (rc == RMAT_OK)
        rc = write_spectrum_csv(out_dir, &s, ei);
    if (rc == RMAT_OK)
        rc = write_map_csv(out_dir, "peak_map.csv", &g, ps.maps.peak_kpa, ps.frames, ei);
    if (rc == RMAT_OK)
        rc = write_map_csv(out_dir, "dwell_map.csv", &g, ps.maps.dwell_s, ps.frames, ei);
    if (rc == RMAT_OK)
        rc = write_map_csv(out_dir, "pti_map.csv", &g, ps.maps.pti_kpa_s, ps.frames, ei);
    if (rc == RMAT_OK)
        rc = out_path(path, out_dir, "maps.h5", ei);
    if (rc == RMAT_OK)
        rc = rmat_maps_write_h5(&ps.maps, &g, s.calibrated ? "kPa" : "counts", path, ei);
    if (rc == RMAT_OK) {
        const struct json_ctx jc = {rec_path, info, &g, params, cal, cal_source, &ps, &s, &ck, &fx};
        rc = write_summary_json(out_dir, &jc, ei);
    }
    result.time_write_s = now_s() - t_mark;
    if (res)
        *res = result;
    if (rc != RMAT_OK)
        goto out;

    if (ps.frames == 0) {
        /* An old plot beside these files would show another recording. */
        static const char *const plots[] = {"cop_peak.png", "dwell_map.png", "pti_map.png"};
        for (size_t k = 0; k < sizeof plots / sizeof plots[0]; k++)
            if (out_path(path, out_dir, plots[k], ei) == RMAT_OK)
                (void)unlink(path);
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s has no frames: nothing to analyse (empty outputs in %s)",
                              rec_path, out_dir);
        goto out;
    }
    rmat_logf(log, RMAT_LOG_INFO,
              "%s: %llu frames, %.3f s, %llu lost, %llu restarts; %zu passes, %zu holds", rec_path,
              (unsigned long long)ps.frames, ps.duration_s, (unsigned long long)ps.lost,
              (unsigned long long)ps.restarts, s.n_passes, s.n_holds);

out:
    session_fini(&s);
    rmat_sensorfix_free(ps.fix);
    rmat_maps_fini(&ps.maps);
    free(ps.t_s);
    free(ps.m);
    free(lut);
    rmat_calib_free(cal);
    rmat_reader_close(r);
    return rc;
}
