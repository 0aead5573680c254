/* The analysis driver (analyze.h): recording in, CSV, JSON, HDF5 and a
 * plot out.
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
#include "rollmat/calib.h"
#include "rollmat/holds.h"
#include "rollmat/maps.h"
#include "rollmat/metrics.h"
#include "rollmat/numfmt.h"
#include "rollmat/passes.h"
#include "rollmat/plot.h"
#include "rollmat/reader.h"
#include "rollmat/regions.h"
#include "rollmat/summary.h"
#include "rollmat/tissue.h"

#define PATH_BUF     4096
#define BLOCK_FRAMES 512
#define BLOCK_BYTES  (512u << 10) /* raw counts read per HDF5 call: in L2 */
#define SIG_DIGITS   7            /* of every metric in the CSV */
#define T_DECIMALS   6            /* t_s to the microsecond */
#define JSON_DIGITS  10           /* numbers in summary.json */

/* METRICS.md's defaults. */
#define DEFAULT_CONTACT_THRESHOLD_KPA 5.0
#define DEFAULT_SMOOTH_S              0.2
#define DEFAULT_TURN_MM               15.0
#define DEFAULT_HOLD_RADIUS_MM        15.0
#define DEFAULT_HOLD_MIN_S            3.0

static const char frames_header[] = "t_s,force_n,area_cm2,mean_kpa,peak_kpa,cop_x_mm,cop_y_mm,"
                                    "width_mm,length_mm,compliance_mm3_n,s_mm\n";
static const char passes_header[] =
    "index,t_start_s,t_end_s,direction,amplitude_mm,speed_mm_s,mean_force_n,peak_kpa,mean_kpa,"
    "mean_area_cm2,mean_width_mm,compliance_mm3_n\n";
static const char holds_header[] = "index,t_start_s,duration_s,x_mm,y_mm,mean_force_n,mean_kpa,"
                                   "peak_kpa,area_change_pct,region\n";
static const char regions_header[] =
    "region,x0_mm,y0_mm,x1_mm,y1_mm,time_s,pct,holds,mean_kpa,pti_kpa_s\n";

void rmat_analysis_params_init(struct rmat_analysis_params *p)
{
    if (!p)
        return;
    p->contact_threshold_kpa = DEFAULT_CONTACT_THRESHOLD_KPA;
    p->smooth_s = DEFAULT_SMOOTH_S;
    p->turn_mm = DEFAULT_TURN_MM;
    p->hold_radius_mm = DEFAULT_HOLD_RADIUS_MM;
    p->hold_min_s = DEFAULT_HOLD_MIN_S;
    p->calibration_path = NULL;
    p->regions_path = NULL;
    p->plots = 1;
}

/* Every number a finite value in its range; the message names the
 * parameter as the command line spells it. */
static int check_params(const struct rmat_analysis_params *p, struct rmat_errinfo *ei)
{
    static const char fmt[] = "analyze: %s %g: %s";
    if (!isfinite(p->contact_threshold_kpa))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, fmt, "--contact-threshold",
                                p->contact_threshold_kpa, "not a finite number");
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
    char buf[PATH_BUF];
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
    int n = snprintf(buf, PATH_BUF, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_BUF)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "output path too long: %s/%s", dir, name);
    return RMAT_OK;
}

static int open_out(const char *path, FILE **f, struct rmat_errinfo *ei)
{
    struct stat st;
    /* A file of an earlier analysis is removed, not truncated: ext4
     * writes out a file truncated to zero and written again when it is
     * closed (auto_da_alloc), and waits for the earlier writeback, which
     * can triple the time of writing frames.csv. Anything but a regular
     * file (a link the user put there) is opened as it is. */
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
        (void)unlink(path);
    *f = fopen(path, "w");
    if (!*f) {
        int e = errno;
        return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot create %s: %s", path,
                                strerror(e));
    }
    /* Cleared here so that after a failed write errno names its cause:
     * successful calls never clear it. */
    errno = 0;
    return RMAT_OK;
}

/* A write to f has failed if its error flag is set; e is errno as it was
 * right after the writes. */
static int write_failed(FILE *f, const char *path, int e, struct rmat_errinfo *ei)
{
    if (!ferror(f))
        return RMAT_OK;
    if (e == 0)
        e = EIO;
    return rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot write %s: %s", path,
                            strerror(e));
}

/* Closes *f (set to NULL) and reports a write that failed before or while
 * fclose flushed the rest (ENOSPC shows up here as often as not). */
static int close_out(FILE **f, const char *path, struct rmat_errinfo *ei)
{
    int rc = write_failed(*f, path, errno, ei);
    int closed = fclose(*f);
    int e = errno;

    *f = NULL;
    if (rc == RMAT_OK && closed != 0)
        rc = rmat_errinfo_set(ei, rmat_err_from_errno(e), e, "cannot write %s: %s", path,
                              strerror(e));
    return rc;
}

/* A JSON string: quote, backslash and control characters escaped; other
 * bytes as they are (paths are taken to be UTF-8). */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* A JSON number: NaN and infinities have no JSON spelling, so null. */
static void put_json_number(FILE *f, double v)
{
    char num[RMAT_FMT_BUF];
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    rmat_fmt_sig(num, v, JSON_DIGITS);
    fputs(num, f);
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
    char path[PATH_BUF], num[RMAT_FMT_BUF];
    FILE *f;
    int rc = out_path(path, dir, name, ei);
    if (rc == RMAT_OK)
        rc = open_out(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    for (int i = 0; frames > 0 && i < g->rows; i++) {
        for (int j = 0; j < g->cols; j++) {
            size_t n = put_field(num, v[(size_t)i * (size_t)g->cols + (size_t)j]);
            if (j > 0)
                fputc(',', f);
            fwrite(num, 1, n, f);
        }
        fputc('\n', f);
    }
    return close_out(&f, path, ei);
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

/* Everything the pass works with and on. The series t_s and m have one
 * entry per frame of the recording. */
struct pass {
    /* in */
    struct rmat_reader *r;
    const struct rmat_grid *g;
    double threshold;
    struct rmat_counts_scale scale;
    double nominal_dt_s;
    const char *rec_path;
    const struct rmat_log *log;
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
    if (!raw || !seq || !t_us || !p || !live) {
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
            if (f == 0) {
                ps->t0_us = t_us[k];
            } else if (seq[k] > ps->last_seq) {
                ps->lost += seq[k] - ps->last_seq - 1u;
            } else if (seq[k] < ps->last_seq) {
                ps->restarts++;
                rmat_logf(ps->log, RMAT_LOG_WARN,
                          "%s: frame %llu: seq goes back from %lu to %lu: the device restarted "
                          "(not counted as lost frames)",
                          ps->rec_path, (unsigned long long)(first + k),
                          (unsigned long)ps->last_seq, (unsigned long)seq[k]);
            }
            ps->last_seq = seq[k];
            /* The difference taken in uint64_t and read as signed (GCC
             * converts modulo 2^64), so a clock that steps back gives a
             * negative time, not 5.8e5 years. */
            const double t_s = (double)(int64_t)(t_us[k] - ps->t0_us) / 1e6;
            ps->t_s[f] = t_s;
            if (f == 0 || t_s > ps->duration_s)
                ps->duration_s = t_s;

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
    double *s_mm;            /* s of METRICS.md, per frame */
    double *ss;              /* smoothed s */
    double axis_x_mm, axis_y_mm, axis_ux, axis_uy;
    struct rmat_pass *passes;
    size_t n_passes;
    struct rmat_hold *holds;
    size_t n_holds;
    struct rmat_cadence_result cadence;
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
    if (rmat_holds_find(ps->t_s, s->cop_sx, s->cop_sy, n, params->hold_radius_mm,
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

    if (rmat_passes_find(ps->t_s, s->ss, n, params->turn_mm, &s->passes, &s->n_passes) != RMAT_OK)
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
        const size_t samples = rmat_cadence_samples(ps->t_s, s->ss, n, rate_hz);
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
    char path[PATH_BUF];
    /* Rows are built into this buffer and written 64 KiB at a time: one
     * fwrite per row would take the stream's lock 360,000 times an hour. */
    enum { CHUNK = 64 * 1024, ROW_MAX = 12 * RMAT_FMT_BUF };
    char *buf = NULL;
    size_t used = 0;
    FILE *f;
    int rc = out_path(path, dir, "frames.csv", ei);

    if (rc == RMAT_OK)
        rc = open_out(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    buf = malloc(CHUNK + ROW_MAX);
    if (!buf) {
        fclose(f);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    }
    fputs(frames_header, f);
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
    return close_out(&f, path, ei);
}

static int write_passes_csv(const char *dir, const struct session *s, struct rmat_errinfo *ei)
{
    char path[PATH_BUF], num[RMAT_FMT_BUF];
    FILE *f;
    int rc = out_path(path, dir, "passes.csv", ei);

    if (rc == RMAT_OK)
        rc = open_out(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs(passes_header, f);
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
    return close_out(&f, path, ei);
}

static int write_holds_csv(const char *dir, const struct session *s, struct rmat_errinfo *ei)
{
    char path[PATH_BUF], num[RMAT_FMT_BUF];
    FILE *f;
    int rc = out_path(path, dir, "holds.csv", ei);

    if (rc == RMAT_OK)
        rc = open_out(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs(holds_header, f);
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
    return close_out(&f, path, ei);
}

static int write_regions_csv(const char *dir, const struct session *s, struct rmat_errinfo *ei)
{
    char path[PATH_BUF], num[RMAT_FMT_BUF];
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
    rc = open_out(path, &f, ei);
    if (rc != RMAT_OK)
        return rc;
    fputs(regions_header, f);
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
    return close_out(&f, path, ei);
}

/* --- summary.json ----------------------------------------------------------- */

struct json {
    FILE *f;
    int first; /* no comma before the next member */
    int depth;
};

static void json_key(struct json *j, const char *key)
{
    fputs(j->first ? "\n" : ",\n", j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
    put_json_string(j->f, key);
    fputs(": ", j->f);
    j->first = 0;
}

static void json_num(struct json *j, const char *key, double v)
{
    json_key(j, key);
    put_json_number(j->f, v);
}

static void json_uint(struct json *j, const char *key, unsigned long long v)
{
    json_key(j, key);
    fprintf(j->f, "%llu", v);
}

static void json_str(struct json *j, const char *key, const char *v)
{
    json_key(j, key);
    put_json_string(j->f, v);
}

static void json_open(struct json *j, const char *key)
{
    if (key)
        json_key(j, key);
    fputc('{', j->f);
    j->depth++;
    j->first = 1;
}

static void json_close(struct json *j)
{
    j->depth--;
    if (!j->first) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    fputc('}', j->f);
    j->first = 0;
}

static void json_trend(struct json *j, const char *key, const struct rmat_trend *t)
{
    if (!t->valid) {
        json_key(j, key);
        fputs("null", j->f);
        return;
    }
    json_key(j, key);
    fprintf(j->f, "{\"n\": %zu, \"slope_per_min\": ", t->n);
    put_json_number(j->f, t->slope);
    fputs(", \"ci95_low\": ", j->f);
    put_json_number(j->f, t->ci95_low);
    fputs(", \"ci95_high\": ", j->f);
    put_json_number(j->f, t->ci95_high);
    fputs(", \"r2\": ", j->f);
    put_json_number(j->f, t->r2);
    fputs(", \"change_pct\": ", j->f);
    put_json_number(j->f, t->change_pct);
    fputc('}', j->f);
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
};

static int write_summary_json(const char *dir, const struct json_ctx *c, struct rmat_errinfo *ei)
{
    char path[PATH_BUF];
    struct json j = {NULL, 1, 0};
    const struct session *s = c->s;
    const struct rmat_summary *sm = &s->summary;
    const struct rmat_session_meta *meta = &c->info->meta;
    const struct rmat_device_desc *dev = &c->info->dev;
    const double a_cm2 = c->g->pitch_x_mm * c->g->pitch_y_mm / 100.0;
    const int known_mass = meta->body_mass_kg > 0 && isfinite(meta->body_mass_kg);
    int rc = out_path(path, dir, "summary.json", ei);

    if (rc == RMAT_OK)
        rc = open_out(path, &j.f, ei);
    if (rc != RMAT_OK)
        return rc;
    json_open(&j, NULL);
    json_str(&j, "software", "rollmat " RMAT_VERSION);
    json_str(&j, "recording", c->rec_path);
    json_str(&j, "units", c->cal ? "kPa" : "counts");
    json_key(&j, "calibrated");
    fputs(c->cal ? "true" : "false", j.f);
    if (c->cal) {
        json_open(&j, "calibration");
        json_str(&j, "name", c->cal->name);
        json_str(&j, "source", c->cal_source ? c->cal_source : "");
        json_str(&j, "curve", rmat_curve_name(c->cal->curve));
        if (!isnan(c->cal->kpa_per_count))
            json_num(&j, "kpa_per_count", c->cal->kpa_per_count);
        if (!isnan(c->cal->zero_counts))
            json_num(&j, "zero_counts", c->cal->zero_counts);
        if (!isnan(c->cal->a_kpa))
            json_num(&j, "a_kpa", c->cal->a_kpa);
        if (!isnan(c->cal->b))
            json_num(&j, "b", c->cal->b);
        if (!isnan(c->cal->c_max_counts))
            json_num(&j, "c_max_counts", c->cal->c_max_counts);
        if (c->cal->curve == RMAT_CURVE_TABLE)
            json_uint(&j, "table_points", c->cal->n_points);
        json_key(&j, "gains");
        fputs(c->cal->gains ? "true" : "false", j.f);
        json_close(&j);
    } else {
        json_key(&j, "calibration");
        fputs("null", j.f);
    }
    /* METRICS.md's session summary, in its order. */
    json_num(&j, "duration_s", c->ps->frames ? sm->duration_s : NAN);
    json_num(&j, "contact_s", sm->contact_s);
    json_num(&j, "rolling_s", sm->rolling_s);
    json_num(&j, "hold_s", sm->hold_s);
    json_uint(&j, "passes", s->n_passes);
    json_num(&j, "cadence_cpm", s->cadence.cadence_cpm);
    json_num(&j, "mean_speed_mm_s", sm->mean_speed_mm_s);
    json_num(&j, "path_mm", sm->path_mm);
    json_num(&j, "mean_force_n", sm->mean_force_n);
    json_num(&j, "peak_force_n", sm->peak_force_n);
    json_num(&j, "mean_kpa", sm->mean_kpa);
    json_num(&j, "peak_kpa", sm->peak_kpa);
    json_num(&j, "mean_area_cm2", sm->mean_area_cm2);
    json_num(&j, "coverage_cm2", (double)s->coverage_sensels * a_cm2);
    json_uint(&j, "frames", c->ps->frames);
    json_uint(&j, "frames_lost", c->ps->lost);
    if (known_mass) {
        json_num(&j, "mean_force_pct_bw", sm->mean_force_pct_bw);
        json_num(&j, "peak_force_pct_bw", sm->peak_force_pct_bw);
    }
    /* More of the same kind, for reports and tests against the physics. */
    json_uint(&j, "holds", s->n_holds);
    json_num(&j, "mean_width_mm", sm->mean_width_mm);
    json_num(&j, "mean_length_mm", sm->mean_length_mm);
    json_num(&j, "mean_compliance_mm3_n", sm->mean_compliance_mm3_n);
    json_uint(&j, "device_restarts", c->ps->restarts);
    json_open(&j, "rolling_axis");
    json_num(&j, "mean_x_mm", s->axis_x_mm);
    json_num(&j, "mean_y_mm", s->axis_y_mm);
    json_num(&j, "ux", s->axis_ux);
    json_num(&j, "uy", s->axis_uy);
    json_close(&j);
    json_open(&j, "cadence");
    json_num(&j, "peak_hz", s->cadence.peak_hz);
    json_num(&j, "cycles", s->cadence.cycles);
    json_num(&j, "run_start_s", s->cadence.samples ? c->ps->t_s[s->cadence.run_first] : NAN);
    json_num(&j, "run_end_s", s->cadence.samples ? c->ps->t_s[s->cadence.run_last] : NAN);
    json_num(&j, "resample_hz", s->rate_hz);
    json_close(&j);
    json_open(&j, "clock");
    json_str(&j, "time_base", "t_device_us");
    json_key(&j, "drift_corrected");
    fputs("false", j.f);
    json_str(&j, "drift_note",
             "the recording stores no measured device-clock drift, so device time is used as "
             "it is");
    json_close(&j);

    json_open(&j, "tissue");
    json_uint(&j, "passes", s->n_passes);
    json_trend(&j, "mean_kpa", &s->tissue.mean_kpa);
    json_trend(&j, "width_mm", &s->tissue.width_mm);
    json_trend(&j, "compliance_mm3_n", &s->tissue.compliance_mm3_n);
    if (s->tissue.has_stiffness)
        json_trend(&j, "stiffness_kpa", &s->tissue.stiffness_kpa);
    json_trend(&j, "speed_mm_s", &s->tissue.speed_mm_s);
    json_num(&j, "hold_area_change_pct", s->tissue.hold_area_change_pct);
    json_close(&j);

    if (s->n_regions > 0) {
        json_key(&j, "regions");
        fputc('[', j.f);
        for (size_t k = 0; k < s->n_regions; k++) {
            const struct rmat_region_stats *st = &s->region_stats[k];
            fputs(k ? ",\n    {" : "\n    {", j.f);
            fputs("\"name\": ", j.f);
            put_json_string(j.f, s->regions[k].name);
            fputs(", \"time_s\": ", j.f);
            put_json_number(j.f, st->time_s);
            fputs(", \"pct\": ", j.f);
            put_json_number(j.f, st->pct);
            fprintf(j.f, ", \"holds\": %d, \"mean_kpa\": ", st->holds);
            put_json_number(j.f, st->mean_kpa);
            fputs(", \"pti_kpa_s\": ", j.f);
            put_json_number(j.f, st->pti_kpa_s);
            fputc('}', j.f);
        }
        fputs("\n  ]", j.f);
    }

    json_open(&j, "session");
    json_str(&j, "subject", meta->subject);
    json_str(&j, "session", meta->session);
    json_str(&j, "region", meta->region);
    json_str(&j, "side", meta->side);
    json_str(&j, "roller", meta->roller);
    json_num(&j, "roller_diameter_mm", meta->roller_diameter_mm);
    json_str(&j, "mounting", meta->mounting);
    json_num(&j, "body_mass_kg", meta->body_mass_kg);
    json_str(&j, "operator", meta->operator_name);
    json_str(&j, "notes", meta->notes);
    json_str(&j, "started_utc", meta->started_utc);
    json_close(&j);
    json_open(&j, "device");
    json_str(&j, "model", dev->model);
    json_uint(&j, "serial", dev->serial);
    json_str(&j, "firmware_version", dev->firmware_version);
    json_uint(&j, "rows", (unsigned long long)dev->rows);
    json_uint(&j, "cols", (unsigned long long)dev->cols);
    json_uint(&j, "adc_bits", (unsigned long long)(dev->adc_bits > 0 ? dev->adc_bits : 0));
    json_num(&j, "pitch_x_mm", dev->pitch_x_mm);
    json_num(&j, "pitch_y_mm", dev->pitch_y_mm);
    json_num(&j, "rate_hz", dev->rate_hz);
    json_close(&j);
    json_str(&j, "recording_created_utc", c->info->created_utc);
    json_str(&j, "recording_software", c->info->software);
    json_open(&j, "parameters");
    json_num(&j, "contact_threshold_kpa", c->params->contact_threshold_kpa);
    json_num(&j, "smooth_s", c->params->smooth_s);
    json_num(&j, "turn_mm", c->params->turn_mm);
    json_num(&j, "hold_radius_mm", c->params->hold_radius_mm);
    json_num(&j, "hold_min_s", c->params->hold_min_s);
    json_num(&j, "cadence_band_lo_hz", RMAT_CADENCE_F_LO_HZ);
    json_num(&j, "cadence_band_hi_hz", RMAT_CADENCE_F_HI_HZ);
    json_num(&j, "gravity_m_s2", RMAT_GRAVITY_M_S2);
    json_str(&j, "regions_file", c->params->regions_path ? c->params->regions_path : "");
    json_close(&j);
    json_close(&j);
    fputc('\n', j.f);
    return close_out(&j.f, path, ei);
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

/* "peak pressure and CoP: <file name of the recording> (...)". */
static void plot_title(char *buf, size_t cap, const char *rec_path, int calibrated)
{
    const char *base = strrchr(rec_path, '/');
    base = base && base[1] ? base + 1 : rec_path;
    snprintf(buf, cap, "Peak pressure and centre of pressure: %s%s", base,
             calibrated ? "" : " (raw counts, uncalibrated)");
}

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
    char path[PATH_BUF], title[512];
    double *lut = NULL;
    int lut_n, rc;
    double t_mark;

    memset(&result, 0, sizeof result);
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
    rc = grid_from_device(rec_path, &info->dev, &g, ei);
    if (rc != RMAT_OK)
        goto out;
    rc = pick_calibration(r, rec_path, params->calibration_path, &g, log, &cal, &cal_source, ei);
    if (rc != RMAT_OK)
        goto out;
    if (params->regions_path) {
        rc = rmat_regions_load(params->regions_path, &s.regions, &s.n_regions, ei);
        if (rc != RMAT_OK)
            goto out;
    }
    rc = make_dirs(out_dir, ei);
    if (rc != RMAT_OK)
        goto out;

    if (!cal)
        /* Said loudly, every time: numbers in counts look like kPa and N in
         * a spreadsheet, and nobody should put them in a report as such. */
        rmat_logf(log, RMAT_LOG_WARN,
                  "%s: NO CALIBRATION: every pressure, force and compliance in %s is in RAW "
                  "ADC COUNTS, not kPa or N (units \"counts\"); the contact threshold %g is "
                  "compared with counts (give one with --calibration FILE)",
                  rec_path, out_dir, params->contact_threshold_kpa);
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
    ps.threshold = params->contact_threshold_kpa;
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
    ps.nominal_dt_s =
        info->dev.rate_hz > 0 && isfinite(info->dev.rate_hz) ? 1.0 / info->dev.rate_hz : 0.0;
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

    rc = run_pass(&ps, ei);
    if (rc != RMAT_OK)
        goto out;
    rmat_maps_finish(&ps.maps, &ps.scale, ps.frames);

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
    result.calibrated = cal != NULL;
    if (cal)
        snprintf(result.calibration, sizeof result.calibration, "%s", cal->name);
    result.duration_s = ps.frames ? ps.duration_s : 0.0;
    result.peak_kpa = ps.peak;
    result.passes = s.n_passes;
    result.holds = s.n_holds;
    result.cadence_cpm = s.cadence.cadence_cpm;
    if (res)
        *res = result;

    t_mark = now_s();
    rc = write_frames_csv(out_dir, &ps, &s, ei);
    if (rc == RMAT_OK)
        rc = write_passes_csv(out_dir, &s, ei);
    if (rc == RMAT_OK)
        rc = write_holds_csv(out_dir, &s, ei);
    if (rc == RMAT_OK)
        rc = write_regions_csv(out_dir, &s, ei);
    if (rc == RMAT_OK)
        rc = write_map_csv(out_dir, "peak_map.csv", &g, ps.maps.peak_kpa, ps.frames, ei);
    if (rc == RMAT_OK)
        rc = write_map_csv(out_dir, "dwell_map.csv", &g, ps.maps.dwell_s, ps.frames, ei);
    if (rc == RMAT_OK)
        rc = write_map_csv(out_dir, "pti_map.csv", &g, ps.maps.pti_kpa_s, ps.frames, ei);
    if (rc == RMAT_OK)
        rc = out_path(path, out_dir, "maps.h5", ei);
    if (rc == RMAT_OK)
        rc = rmat_maps_write_h5(&ps.maps, &g, cal ? "kPa" : "counts", path, ei);
    if (rc == RMAT_OK) {
        const struct json_ctx jc = {rec_path, info, &g, params, cal, cal_source, &ps, &s};
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

    if (params->plots) {
        char label[64];
        t_mark = now_s();
        plot_title(title, sizeof title, rec_path, result.calibrated);
        rc = rmat_plot_cop_peak(out_dir, &g, title, result.calibrated ? "kPa" : "counts", ei);
        /* The other two maps of METRICS.md, as heat maps of their own. */
        if (rc == RMAT_OK) {
            const char *base = strrchr(rec_path, '/');
            base = base && base[1] ? base + 1 : rec_path;
            snprintf(title, sizeof title, "Dwell time: %s", base);
            rc = rmat_plot_map(out_dir, &g, "dwell_map", title, "time in contact (s)", ei);
        }
        if (rc == RMAT_OK) {
            const char *base = strrchr(rec_path, '/');
            base = base && base[1] ? base + 1 : rec_path;
            snprintf(title, sizeof title, "Pressure-time integral: %s%s", base,
                     result.calibrated ? "" : " (raw counts, uncalibrated)");
            snprintf(label, sizeof label, "pressure-time integral (%s s)",
                     result.calibrated ? "kPa" : "counts");
            rc = rmat_plot_map(out_dir, &g, "pti_map", title, label, ei);
        }
        result.time_plot_s = now_s() - t_mark;
        if (res)
            *res = result;
    }

out:
    session_fini(&s);
    rmat_maps_fini(&ps.maps);
    free(ps.t_s);
    free(ps.m);
    free(lut);
    rmat_calib_free(cal);
    rmat_reader_close(r);
    return rc;
}
